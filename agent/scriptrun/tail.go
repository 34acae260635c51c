package scriptrun

import (
	"strings"
	"unicode/utf8"

	"lifeline/shared/protocol"
)

// tailBuffer keeps the end of a script's output: the record of a run
// holds at most protocol.MaxScriptOutput bytes, and a script may print
// gigabytes. It keeps up to twice that, so that it copies only now and
// then.
type tailBuffer struct {
	buf     []byte
	dropped bool // bytes came before buf
}

const tailMax = protocol.MaxScriptOutput

func (t *tailBuffer) Write(p []byte) {
	if len(p) >= tailMax {
		t.dropped = t.dropped || len(t.buf) > 0 || len(p) > tailMax
		t.buf = append(t.buf[:0], p[len(p)-tailMax:]...)
		return
	}
	t.buf = append(t.buf, p...)
	if len(t.buf) > 2*tailMax {
		n := copy(t.buf, t.buf[len(t.buf)-tailMax:])
		t.buf = t.buf[:n]
		t.dropped = true
	}
}

// Text is the end of the output as valid UTF-8 of at most tailMax bytes,
// and whether anything came before it.
func (t *tailBuffer) Text() (string, bool) {
	return fitTail(t.buf, t.dropped)
}

// fitTail cuts b to its last tailMax bytes at a character boundary and
// replaces what is not UTF-8 (a script may print anything, say a Windows
// code page) with U+FFFD, which may lengthen it: then it is cut again.
func fitTail(b []byte, dropped bool) (string, bool) {
	if len(b) > tailMax {
		b, dropped = b[len(b)-tailMax:], true
	}
	if dropped {
		// The cut may have fallen inside a character: its remaining
		// continuation bytes go too.
		for i := 0; i < utf8.UTFMax-1 && len(b) > 0 && !utf8.RuneStart(b[0]); i++ {
			b = b[1:]
		}
	}
	s := strings.ToValidUTF8(string(b), "\uFFFD")
	for len(s) > tailMax {
		_, n := utf8.DecodeRuneInString(s)
		s, dropped = s[n:], true
	}
	return s, dropped
}

// splitRune splits b before a UTF-8 character that is not complete at its
// end, so that the rest can wait for the next read. Bytes that are not
// UTF-8 are never held back.
func splitRune(b []byte) (whole, rest []byte) {
	for i := len(b) - 1; i >= 0 && i >= len(b)-utf8.UTFMax; i-- {
		if utf8.RuneStart(b[i]) {
			if !utf8.FullRune(b[i:]) {
				return b[:i], b[i:]
			}
			break
		}
	}
	return b, nil
}
