package reboot

import (
	"encoding/xml"
	"errors"
	"io"
	"slices"
	"strings"
	"testing"
	"time"
)

// Arguments that need every rule of the Exec key's quoting.
var awkwardArgs = [][]string{
	{"/usr/bin/lifeline-agent", "--rejoin", "/home/dana/.config/lifeline/rejoin-ticket.json"},
	{"/opt/Life Line/lifeline agent", "--display", ":5"},
	{"prog", `say "hi"`, "it's", "`uname`", "$HOME", "${x}", `\$`},
	{"prog", `C:\path\`, `a\\b`, `\`, `\"`, `"\`},
	{"prog", "100%", "%f", "%%", "%", "50%%off", "%u%U"},
	{"prog", "~", "#", "*", "?", "|", "&", ";", "<", ">", "(", ")", "a=b", "--name=Dana O'Neil"},
	{"prog", "", " ", "  two  spaces  "},
	{"prog", "tab\there", "new\nline", "cr\rlf", "\n"},
	{"prog", "Dana Ø", "Lifeline — rejoin", "日本"},
	{"prog", `\s`, `\n`, `\\n`, `"\s"`},
}

func TestExecRoundTrip(t *testing.T) {
	for _, args := range awkwardArgs {
		line, err := QuoteExec(args)
		if err != nil {
			t.Errorf("QuoteExec(%q): %v", args, err)
			continue
		}
		if strings.ContainsAny(line, "\n\r") {
			t.Errorf("QuoteExec(%q) = %q: not one line", args, line)
		}
		got, err := ParseExec(line)
		if err != nil || !slices.Equal(got, args) {
			t.Errorf("ParseExec(QuoteExec(%q)) = ParseExec(%q) = %q, %v", args, line, got, err)
		}
	}
}

// The spelling the spec asks for, so that other readers of desktop files
// (GLib, KDE) read what ParseExec reads.
func TestQuoteExec(t *testing.T) {
	for _, tc := range []struct {
		args []string
		want string
	}{
		{[]string{"/usr/bin/agent", "--rejoin", "/tmp/t.json"}, `/usr/bin/agent --rejoin /tmp/t.json`},
		{[]string{"/opt/a b/agent"}, `"/opt/a b/agent"`},
		{[]string{"p", `a\b`}, `p "a\\\\b"`}, // the spec's four backslashes
		{[]string{"p", "$x"}, `p "\\$x"`},    // and its \\$
		{[]string{"p", `"`}, `p "\\""`},      // the escaping backslash is doubled by the string escapes, as the spec has it
		{[]string{"p", "`"}, "p \"\\\\`\""},
		{[]string{"p", "50%"}, `p 50%%`},
		{[]string{"p", "5 %"}, `p "5 %%"`},
		{[]string{"p", ""}, `p ""`},
		{[]string{"p", "a\nb"}, `p "a\nb"`},
		{[]string{"p", "Ø"}, `p "Ø"`},
	} {
		got, err := QuoteExec(tc.args)
		if err != nil || got != tc.want {
			t.Errorf("QuoteExec(%q) = %q, %v; want %q", tc.args, got, err, tc.want)
		}
	}
	for _, args := range [][]string{nil, {"p", "a\x00b"}, {"p", "\x1b[31m"}, {"p", "\xff"}} {
		if got, err := QuoteExec(args); err == nil {
			t.Errorf("QuoteExec(%q) = %q, want an error", args, got)
		}
	}
}

func TestParseExec(t *testing.T) {
	for _, tc := range []struct {
		line string
		want []string // nil: refused
	}{
		{`prog`, []string{"prog"}},
		{`  prog   a  `, []string{"prog", "a"}},
		{`prog\sarg`, []string{"prog", "arg"}}, // \s is a space before the quoting is read
		{`prog 100%%`, []string{"prog", "100%"}},
		{`prog "a b" c`, []string{"prog", "a b", "c"}},
		{`prog "\$HOME"`, []string{"prog", "$HOME"}}, // a lone \$ is what the spec calls ambiguous; taken
		{`prog "\\\\"`, []string{"prog", `\`}},
		{`prog ""`, []string{"prog", ""}},
		{``, nil},
		{`   `, nil},
		{`prog "unterminated`, nil},
		{`prog "a"b`, nil},  // quoted only in part
		{`prog a"b"`, nil},  // a quote within an argument
		{`prog a$b`, nil},   // a reserved character outside quotes
		{`prog it's`, nil},  // another
		{"prog a\tb", nil},  // a tab outside quotes
		{`prog %f`, nil},    // a field code: no file to expand to
		{`prog "%U"`, nil},  // also within quotes
		{`prog 100%`, nil},  // a lone %
		{`prog "\\x"`, nil}, // an unknown escape within quotes
		{`prog \`, nil},     // the line ends in a backslash
		{"prog \xff", nil},  // not UTF-8
		{`prog "a\\"`, nil}, // \\ is one backslash, escaping the closing quote
		{`prog "a\\\\" b`, []string{"prog", `a\`, "b"}},
	} {
		got, err := ParseExec(tc.line)
		if (err == nil) != (tc.want != nil) || !slices.Equal(got, tc.want) {
			t.Errorf("ParseExec(%q) = %q, %v; want %q", tc.line, got, err, tc.want)
		}
	}
}

func FuzzParseExec(f *testing.F) {
	for _, args := range awkwardArgs {
		line, _ := QuoteExec(args)
		f.Add(line)
	}
	f.Add(`prog "a\"b" %% \s \\\\ "\$x"`)
	f.Fuzz(func(t *testing.T, line string) {
		args, err := ParseExec(line)
		if err != nil {
			return
		}
		if len(args) == 0 {
			t.Fatalf("ParseExec(%q) found nothing, and no error", line)
		}
		again, err := QuoteExec(args)
		if err != nil {
			return // control characters, which ParseExec passes through
		}
		if got, err := ParseExec(again); err != nil || !slices.Equal(got, args) {
			t.Fatalf("%q → %q → %q → %q, %v", line, args, again, got, err)
		}
	})
}

func FuzzQuoteExec(f *testing.F) {
	for _, args := range awkwardArgs {
		f.Add(strings.Join(args, "\x00"))
	}
	f.Fuzz(func(t *testing.T, joined string) {
		args := strings.Split(joined, "\x00")
		line, err := QuoteExec(args)
		if err != nil {
			return
		}
		if strings.ContainsAny(line, "\n\r") {
			t.Fatalf("QuoteExec(%q) = %q: not one line", args, line)
		}
		if got, err := ParseExec(line); err != nil || !slices.Equal(got, args) {
			t.Fatalf("ParseExec(QuoteExec(%q)) = ParseExec(%q) = %q, %v", args, line, got, err)
		}
	})
}

func TestDesktopEntry(t *testing.T) {
	args := awkwardArgs[2]
	entry, err := desktopEntry(args)
	if err != nil {
		t.Fatal(err)
	}
	lines := strings.Split(strings.TrimSuffix(entry, "\n"), "\n")
	for _, want := range []string{"[Desktop Entry]", "Type=Application", "Name=Lifeline — rejoin support session",
		"X-GNOME-Autostart-enabled=true", "NoDisplay=true", "Terminal=false"} {
		if !slices.Contains(lines, want) {
			t.Errorf("no line %q in\n%s", want, entry)
		}
	}
	if lines[0] != "[Desktop Entry]" {
		t.Errorf("the entry starts with %q", lines[0])
	}
	if got := execOf(t, entry); !slices.Equal(got, args) {
		t.Errorf("Exec runs %q, want %q", got, args)
	}
}

// execOf reads the Exec key of a desktop entry back.
func execOf(t *testing.T, entry string) []string {
	t.Helper()
	for line := range strings.SplitSeq(entry, "\n") {
		if v, ok := strings.CutPrefix(line, "Exec="); ok {
			args, err := ParseExec(v)
			if err != nil {
				t.Fatalf("Exec=%s: %v", v, err)
			}
			return args
		}
	}
	t.Fatalf("no Exec line in\n%s", entry)
	return nil
}

func TestLaunchAgentPlist(t *testing.T) {
	args := []string{"/Applications/Lifeline Agent.app/Contents/MacOS/lifeline-agent", RejoinFlag,
		"/Users/dana/Library/Application Support/lifeline/rejoin-ticket.json", "a & b", "<x>", `"q"`, "tab\t", "new\nline", "Ø"}
	plist, err := launchAgentPlist(args)
	if err != nil {
		t.Fatal(err)
	}
	got, runAtLoad := readPlist(t, plist)
	if !slices.Equal(got, args) || !runAtLoad {
		t.Errorf("the plist runs %q (RunAtLoad %v), want %q:\n%s", got, runAtLoad, args, plist)
	}
	for _, bad := range []string{"\x00", "\x1b", "\xff"} {
		if _, err := launchAgentPlist([]string{"prog", bad}); err == nil {
			t.Errorf("argument %q was taken", bad)
		}
	}
}

// readPlist reads the ProgramArguments and RunAtLoad of a LaunchAgent.
func readPlist(t *testing.T, plist string) (args []string, runAtLoad bool) {
	t.Helper()
	dec := xml.NewDecoder(strings.NewReader(plist))
	var key, text string
	inArray := false
	for {
		tok, err := dec.Token()
		if errors.Is(err, io.EOF) {
			return args, runAtLoad
		}
		if err != nil {
			t.Fatalf("the plist is not XML: %v\n%s", err, plist)
		}
		switch tok := tok.(type) {
		case xml.StartElement:
			text = ""
			switch {
			case tok.Name.Local == "array" && key == "ProgramArguments":
				inArray = true
			case tok.Name.Local == "true" && key == "RunAtLoad":
				runAtLoad = true
			}
		case xml.CharData:
			text += string(tok)
		case xml.EndElement:
			switch tok.Name.Local {
			case "key":
				key = text
			case "array":
				inArray = false
			case "string":
				if inArray {
					args = append(args, text)
				}
			}
		}
	}
}

func TestDefaultCommands(t *testing.T) {
	for goos, want := range map[string]string{
		"linux":   "systemctl reboot|shutdown -r now",
		"windows": "shutdown /r /t 0",
		"darwin":  `osascript -e tell app "System Events" to restart`,
		"freebsd": "shutdown -r now",
	} {
		var got []string
		for _, argv := range DefaultCommands(goos) {
			got = append(got, strings.Join(argv, " "))
		}
		if strings.Join(got, "|") != want {
			t.Errorf("DefaultCommands(%q) = %q, want %q", goos, got, want)
		}
	}
}

const goodTicket = `{
  "version": 1,
  "server": "https://support.example.com:8443",
  "ca_file": "/etc/lifeline/ca.pem",
  "fingerprint": "8F:4E:F3:92:00:11:22:33:44:55:66:77:88:99:AA:BB:CC:DD:EE:FF:00:11:22:33:44:55:66:77:88:99:7A:78",
  "resume_token": "rt_0123456789abcdef",
  "session_number": "123456789",
  "name": "Dana",
  "created_at": "2026-05-04T10:20:30Z"
}`

func TestDecodeTicket(t *testing.T) {
	if tk, err := decodeTicket([]byte(goodTicket)); err != nil || tk.ResumeToken != "rt_0123456789abcdef" ||
		!tk.CreatedAt.Equal(time.Date(2026, 5, 4, 10, 20, 30, 0, time.UTC)) {
		t.Fatalf("the good ticket: %+v, %v", tk, err)
	}
	for _, tc := range []struct{ name, old, new, err string }{
		{"no token", `"resume_token": "rt_0123456789abcdef",`, ``, "no resume token"},
		{"a token with a space", `rt_0123456789abcdef`, `rt 0`, "not a token"},
		{"no server", `"server": "https://support.example.com:8443",`, ``, "no server"},
		{"a server that is not https", `https://support`, `ftp://support`, "not an http or https address"},
		{"a server with a password", `https://support`, `https://u:p@support`, "not an http or https address"},
		{"a relative CA file", `/etc/lifeline/ca.pem`, `ca.pem`, "not a full path"},
		{"a bad fingerprint", `"8F:4E`, `"8G:4E`, "fingerprint"},
		{"a name of two lines", `"Dana"`, `"Da\nna"`, "name"},
		{"no time", `"created_at": "2026-05-04T10:20:30Z"`, `"created_at": "0001-01-01T00:00:00Z"`, "no creation time"},
		{"another version", `"version": 1`, `"version": 2`, "version is 2"},
		{"no version", `"version": 1,`, ``, "version is 0"},
		{"an unknown field", `"version": 1,`, `"version": 1, "command": "rm -rf ~",`, "unknown field"},
		{"something after it", `"Dana",`, `"Dana",`, ""}, // replaced below
		{"not JSON", `{`, `[`, "invalid character"},
	} {
		data := strings.Replace(goodTicket, tc.old, tc.new, 1)
		if tc.name == "something after it" {
			data, tc.err = goodTicket+"{}", "more follows"
		}
		if data == goodTicket {
			t.Fatalf("%s: the case changes nothing", tc.name)
		}
		if _, err := decodeTicket([]byte(data)); err == nil || !strings.Contains(err.Error(), tc.err) {
			t.Errorf("%s: %v, want an error saying %q", tc.name, err, tc.err)
		}
	}
	if _, err := decodeTicket([]byte(goodTicket + strings.Repeat(" ", maxTicketSize))); err == nil || !strings.Contains(err.Error(), "larger than") {
		t.Errorf("a huge ticket: %v", err)
	}
}

func FuzzDecodeTicket(f *testing.F) {
	f.Add([]byte(goodTicket))
	f.Add([]byte(`{"version":1,"server":"http://h","resume_token":"x","created_at":"2026-01-01T00:00:00+02:00"}`))
	f.Add([]byte(`{"version":1}`))
	f.Add([]byte(`null`))
	f.Add([]byte(`{"version":1,"server":"https://h","resume_token":"x","created_at":"2026-01-01T00:00:00Z"} x`))
	f.Fuzz(func(t *testing.T, data []byte) {
		tk, err := decodeTicket(data)
		if err != nil {
			return
		}
		// What is taken is written back and read the same.
		again, err := encodeTicket(tk)
		if err != nil {
			t.Fatalf("%+v cannot be written: %v", tk, err)
		}
		tk2, err := decodeTicket(again)
		if err != nil {
			t.Fatalf("%+v written as %s is refused: %v", tk, again, err)
		}
		if !tk2.CreatedAt.Equal(tk.CreatedAt) {
			t.Fatalf("time %v became %v", tk.CreatedAt, tk2.CreatedAt)
		}
		tk.CreatedAt, tk2.CreatedAt = time.Time{}, time.Time{}
		if tk != tk2 {
			t.Fatalf("%+v became %+v", tk, tk2)
		}
	})
}
