package filetransfer

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

func fileEntry(p string, size int64) Entry {
	return Entry{Path: p, Kind: KindFile, Size: size, Mode: 0o600, ModTime: time.Unix(1700000000, 0)}
}

func dirEntry(p string) Entry {
	return Entry{Path: p, Kind: KindDir, ModTime: time.Unix(1700000000, 0)}
}

func manifestMsg(dest string, es ...Entry) *msgManifest {
	m := &Manifest{Entries: es}
	return &msgManifest{dest: dest, count: len(es), total: m.TotalBytes(), entries: es}
}

// Manifests a hostile or confused sender might send. Each is refused
// before anything is written, with the reason in the error, and the
// folder outside the chosen one stays untouched.
func TestHostileManifests(t *testing.T) {
	cases := []struct {
		name string
		m    *msgManifest
		want error
		msg  string
	}{
		{"dot-dot entry", manifestMsg("", fileEntry("../escape.txt", 1)), ErrUnsafePath, `".." is not allowed`},
		{"dot-dot inside", manifestMsg("", dirEntry("a"), fileEntry("a/../../escape.txt", 1)), ErrUnsafePath, `".."`},
		{"absolute", manifestMsg("", fileEntry("/tmp/escape.txt", 1)), ErrUnsafePath, "absolute"},
		{"windows absolute", manifestMsg("", fileEntry(`C:\Windows\escape.txt`, 1)), ErrUnsafePath, "drive letters"},
		{"UNC", manifestMsg("", fileEntry(`\\server\share\x`, 1)), ErrUnsafePath, "UNC"},
		{"backslash", manifestMsg("", fileEntry(`a\..\..\x`, 1)), ErrUnsafePath, "backslash"},
		{"device name", manifestMsg("", fileEntry("CON.txt", 1)), ErrUnsafePath, "device name"},
		{"device folder", manifestMsg("", dirEntry("lpt1")), ErrUnsafePath, "device name"},
		{"NUL byte", manifestMsg("", fileEntry("a\x00b", 1)), ErrUnsafePath, "control character"},
		{"trailing dot", manifestMsg("", fileEntry("a.", 1)), ErrUnsafePath, "ends with a dot"},
		{"reserved part name", manifestMsg("", fileEntry("x"+partSuffix, 1)), ErrUnsafePath, "reserved"},
		{"reserved state name", manifestMsg("", fileEntry("x"+stateSuffix, 1)), ErrUnsafePath, "reserved"},
		{"through a link to outside", manifestMsg("", fileEntry("evil/x.txt", 1)), ErrUnsafePath, "symbolic link"},
		{"onto a link", manifestMsg("", fileEntry("evil", 1)), ErrUnsafePath, "symbolic link"},
		{"through a link to inside", manifestMsg("", fileEntry("inlink/x.txt", 1)), ErrUnsafePath, "symbolic link"},
		{"destination with dot-dot", manifestMsg("../outside", fileEntry("x.txt", 1)), ErrUnsafePath, `".."`},
		{"destination cleaned would be fine", manifestMsg("sub/../sub", fileEntry("x.txt", 1)), ErrUnsafePath, `".."`},
		{"destination absolute", manifestMsg("/tmp", fileEntry("x.txt", 1)), ErrUnsafePath, "absolute"},
		{"destination a link", manifestMsg("evil", fileEntry("x.txt", 1)), ErrUnsafePath, "symbolic link"},
		{"destination missing", manifestMsg("nope", fileEntry("x.txt", 1)), ErrNotFound, "does not exist"},
		{"listed twice", manifestMsg("", fileEntry("x", 1), fileEntry("x", 1)), ErrProtocol, "twice"},
		{"file and folder", manifestMsg("", fileEntry("x", 1), fileEntry("x/y", 1)), ErrProtocol, "as a file and as a folder"},
		{"folder with a size", manifestMsg("", Entry{Path: "d", Kind: KindDir, Size: 5}), ErrProtocol, "has a size"},
		{"total disagrees", &msgManifest{count: 1, total: 1, entries: []Entry{fileEntry("x", 2)}}, ErrProtocol, "announced 1 bytes"},
		{"over the size limit", manifestMsg("", fileEntry("a", 150<<20+1)), ErrTooLarge, "150.0 MB"},
		{"over the limit in parts", manifestMsg("", fileEntry("a", 100<<20), fileEntry("b", 100<<20)), ErrTooLarge, "200.0 MB"},
		{"announced too many", &msgManifest{count: DefaultMaxEntries + 1}, ErrTooLarge, "at most 10000"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			dir := t.TempDir()
			chosen, outside := filepath.Join(dir, "chosen"), filepath.Join(dir, "outside")
			must(t, os.MkdirAll(filepath.Join(chosen, "sub"), 0o755))
			must(t, os.MkdirAll(filepath.Join(chosen, "inner"), 0o755))
			must(t, os.MkdirAll(outside, 0o755))
			must(t, os.Symlink(outside, filepath.Join(chosen, "evil")))
			must(t, os.Symlink("inner", filepath.Join(chosen, "inlink")))
			before := tree(t, dir)

			p, done := receiveBy(t, &Receiver{}, chosen)
			p.send(c.m)
			e, ok := p.recv().(*msgError)
			err := wait(t, done)
			if !ok || !errors.Is(err, c.want) || !strings.Contains(err.Error(), c.msg) {
				t.Fatalf("receiver: %v (sent %+v), want %v with %q", err, e, c.want, c.msg)
			}
			if !errors.Is(e.err(), c.want) || !strings.Contains(e.text, c.msg) {
				t.Errorf("the sender hears %+v", e)
			}
			sameTree(t, tree(t, dir), before)
		})
	}
}

// A sender that sends more than its manifest announced is stopped at the
// first excess byte and its partial file deleted.
func TestLyingManifest(t *testing.T) {
	dst := t.TempDir()
	p, done := receiveBy(t, &Receiver{}, dst)
	p.send(manifestMsg("", fileEntry("x", 10)))
	if _, ok := p.recv().(*msgAccept); !ok {
		t.Fatal("not accepted")
	}
	p.send(&msgFileBegin{index: 0})
	p.send(&msgChunk{index: 0, data: make([]byte, 8)})
	p.send(&msgChunk{index: 0, offset: 8, data: make([]byte, 12)})
	err := wait(t, done)
	if !errors.Is(err, ErrTooLarge) || !strings.Contains(err.Error(), "more than the 10 bytes it announced") {
		t.Fatalf("receiver: %v", err)
	}
	if got := tree(t, dst); len(got) != 0 {
		t.Errorf("left behind: %v", got)
	}
}

// Every violation of the transfer's order is refused and cleaned up.
func TestProtocolViolations(t *testing.T) {
	data := []byte("hello, world")
	sum := sumOf(data)
	cases := []struct {
		name string
		msgs []message
		want error
	}{
		{"checksum mismatch", []message{&msgFileBegin{}, &msgChunk{data: data}, &msgFileEnd{sum: sumOf([]byte("other"))}}, ErrChecksum},
		{"chunk before begin", []message{&msgChunk{data: data}}, ErrProtocol},
		{"gap in offsets", []message{&msgFileBegin{}, &msgChunk{offset: 1, data: data[1:]}}, ErrProtocol},
		{"chunk of another file", []message{&msgFileBegin{}, &msgChunk{index: 1, data: data}}, ErrProtocol},
		{"end too early", []message{&msgFileBegin{}, &msgChunk{data: data[:5]}, &msgFileEnd{sum: sum}}, ErrProtocol},
		{"resume not offered", []message{&msgFileBegin{offset: 5}}, ErrProtocol},
		{"begin of a folder", []message{&msgFileBegin{index: 1}}, ErrProtocol},
		{"begin out of range", []message{&msgFileBegin{index: 99}}, ErrProtocol},
		{"done before the files", []message{&msgDone{}}, ErrProtocol},
		{"begin twice", []message{&msgFileBegin{}, &msgFileBegin{}}, ErrProtocol},
		{"abort", []message{&msgFileBegin{}, &msgChunk{data: data[:5]}, &msgAbort{reason: "the CSR pressed Abort"}}, ErrAborted},
		{"sender error", []message{&msgFileBegin{}, &msgError{code: CodeIO, text: "disk on fire"}}, ErrIO},
		{"stray message", []message{&msgList{id: 1}}, ErrProtocol},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			dst := t.TempDir()
			p, done := receiveBy(t, &Receiver{}, dst)
			p.send(manifestMsg("", fileEntry("x", int64(len(data))), dirEntry("d")))
			if _, ok := p.recv().(*msgAccept); !ok {
				t.Fatal("not accepted")
			}
			for _, m := range c.msgs {
				p.send(m)
			}
			if err := wait(t, done); !errors.Is(err, c.want) {
				t.Fatalf("receiver: %v, want %v", err, c.want)
			}
			got := tree(t, dst)
			delete(got, "d")
			if len(got) != 0 {
				t.Errorf("left behind: %v", got)
			}
		})
	}
}

// The receiver's Accept hook sees the checked manifest before anything is
// written; refusing there is ErrDenied for both sides.
func TestAcceptHook(t *testing.T) {
	src, dst := t.TempDir(), t.TempDir()
	writeFile(t, src, "set/a", 10)
	var seen *Manifest
	r := &Receiver{Accept: func(m *Manifest) error {
		seen = m
		return errors.New("the customer said no")
	}}
	a, b := Pipe()
	o := transfer(t.Context(), planPaths(t, filepath.Join(src, "set")), &Sender{}, r, dst, a, b)
	if !errors.Is(o.sendErr, ErrDenied) || !strings.Contains(o.sendErr.Error(), "the customer said no") {
		t.Errorf("send: %v", o.sendErr)
	}
	if seen == nil || seen.Files() != 1 || len(seen.Entries) != 2 || seen.TotalBytes() != 10 {
		t.Errorf("hook saw %+v", seen)
	}
	if len(tree(t, dst)) != 0 {
		t.Error("written before consent")
	}
}
