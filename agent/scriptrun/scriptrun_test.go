package scriptrun

import (
	"strings"
	"testing"
	"time"
	"unicode/utf8"

	"lifeline/shared/protocol"
)

func TestTailBuffer(t *testing.T) {
	const max = protocol.MaxScriptOutput
	euro := "€" // 3 bytes
	for _, tc := range []struct {
		name      string
		writes    []string
		want      string
		truncated bool
	}{
		{"nothing", nil, "", false},
		{"a little", []string{"a", "b"}, "ab", false},
		{"exactly the most", []string{strings.Repeat("x", max)}, strings.Repeat("x", max), false},
		{"exactly the most in pieces", []string{strings.Repeat("x", max-1), "y"}, strings.Repeat("x", max-1) + "y", false},
		{"one byte too many", []string{"a" + strings.Repeat("x", max)}, strings.Repeat("x", max), true},
		{"one byte too many in pieces", []string{"a", strings.Repeat("x", max)}, strings.Repeat("x", max), true},
		{"many small pieces", repeat("0123456789", 5000), strings.Repeat("0123456789", 5000)[50000-max:], true},
		// max is 2 mod 3: the last max bytes start with the last byte of a €.
		{"cut inside a character", []string{strings.Repeat(euro, max)}, strings.Repeat(euro, (max-1)/3), true},
		{"cut inside a character, in pieces", repeat(euro, 3*max), strings.Repeat(euro, (max-1)/3), true},
		{"not UTF-8", []string{"caf\xe9"}, "caf\uFFFD", false},
		// Each bad byte becomes three: what does not fit goes.
		{"not UTF-8 that grows past the most", []string{strings.Repeat("a\xff", max/2)}, strings.Repeat("a\uFFFD", max/4), true},
		{"a character cut at the end of the output", []string{"ok\xe2\x82"}, "ok\uFFFD", false},
	} {
		var tb tailBuffer
		for _, w := range tc.writes {
			tb.Write([]byte(w))
		}
		got, truncated := tb.Text()
		if got != tc.want || truncated != tc.truncated {
			t.Errorf("%s: %d bytes %q…, truncated %v; want %d bytes, %v", tc.name, len(got), got[:min(20, len(got))], truncated, len(tc.want), tc.truncated)
		}
		if len(got) > max || !utf8.ValidString(got) {
			t.Errorf("%s: %d bytes, valid UTF-8 %v", tc.name, len(got), utf8.ValidString(got))
		}
	}
}

func repeat(s string, n int) []string {
	out := make([]string, n)
	for i := range out {
		out[i] = s
	}
	return out
}

func TestSplitRune(t *testing.T) {
	for _, tc := range []struct{ in, whole, rest string }{
		{"", "", ""},
		{"abc", "abc", ""},
		{"a€", "a€", ""},
		{"a\xe2", "a", "\xe2"},
		{"a\xe2\x82", "a", "\xe2\x82"},
		{"\xf0\x9f\x98", "", "\xf0\x9f\x98"},
		{"a\xff", "a\xff", ""},                       // not UTF-8: nothing to wait for
		{"\x82\x82\x82\x82", "\x82\x82\x82\x82", ""}, // stray continuation bytes
	} {
		whole, rest := splitRune([]byte(tc.in))
		if string(whole) != tc.whole || string(rest) != tc.rest {
			t.Errorf("splitRune(%q) = %q, %q; want %q, %q", tc.in, whole, rest, tc.whole, tc.rest)
		}
	}
}

func TestFileNameProblem(t *testing.T) {
	for _, tc := range []struct {
		name string
		ok   bool
	}{
		{"fix.sh", true},
		{"Fix it (2).PS1", true},
		{"données.txt", true},
		{"", false},
		{".", false},
		{"..", false},
		{"../x", false},
		{"a/b", false},
		{`a\b`, false},
		{"/etc/passwd", false},
		{`C:\x.bat`, false},
		{"x:stream", false},
		{"a\x00b", false},
		{"line\nbreak", false},
		{"what?", false},
		{"trailing.", false},
		{"trailing ", false},
		{"CON", false},
		{"nul.txt", false},
		{"com1.log", false},
		{"com10.log", true},
		{"console.txt", true},
		{"\xff.sh", false},
		{strings.Repeat("x", 256), false},
	} {
		why := fileNameProblem("input file", tc.name)
		if (why == "") != tc.ok || (why != "" && !strings.HasPrefix(why, "The input file")) {
			t.Errorf("fileNameProblem(%q) = %q, want ok %v", tc.name, why, tc.ok)
		}
	}
}

func TestTimeout(t *testing.T) {
	for _, tc := range []struct{ in, want time.Duration }{
		{0, 300 * time.Second},
		{-time.Second, 300 * time.Second},
		{time.Second, time.Second},
		{time.Hour, time.Hour},
		{time.Hour + time.Nanosecond, time.Hour},
		{100 * time.Hour, time.Hour},
	} {
		if got := Timeout(tc.in); got != tc.want {
			t.Errorf("Timeout(%v) = %v, want %v", tc.in, got, tc.want)
		}
	}
}

func TestForPeople(t *testing.T) {
	for d, want := range map[time.Duration]string{
		5 * time.Minute:        "5 minutes",
		time.Minute:            "1 minute",
		time.Hour:              "60 minutes",
		90 * time.Second:       "90 seconds",
		time.Second:            "1 second",
		300 * time.Millisecond: "300ms",
	} {
		if got := forPeople(d); got != want {
			t.Errorf("forPeople(%v) = %q, want %q", d, got, want)
		}
	}
}
