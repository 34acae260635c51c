package printing

import (
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

// reply is what a fake command answers.
type reply struct {
	out string
	err error
}

// fakeRunner records the commands it is given and answers from replies,
// by program name.
type fakeRunner struct {
	replies map[string]reply
	calls   []string
	stdin   []string
	// files holds the content of any file named on a command line when it
	// ran (Windows' temporary copy is gone afterwards).
	files map[string]string
}

func (f *fakeRunner) run(_ context.Context, stdin []byte, name string, args ...string) ([]byte, error) {
	f.calls = append(f.calls, strings.Join(append([]string{name}, args...), " "))
	f.stdin = append(f.stdin, string(stdin))
	for _, a := range args {
		for _, w := range strings.Split(a, "'") {
			if b, err := os.ReadFile(w); err == nil {
				f.files[w] = string(b)
			}
		}
	}
	r, ok := f.replies[name]
	if !ok {
		return nil, fmt.Errorf("exec: %q: %w", name, exec.ErrNotFound)
	}
	return []byte(r.out), r.err
}

func TestPrintCUPS(t *testing.T) {
	exit1 := errors.New("exit status 1")
	for _, tc := range []struct {
		name    string
		env     map[string]string
		replies map[string]reply
		calls   []string
		dest    string
		err     string
	}{
		{
			name: "the default destination",
			replies: map[string]reply{
				"lpstat": {out: "system default destination: HP_LaserJet_4\n"},
				"lp":     {out: "request id is HP_LaserJet_4-17 (1 file(s))\n"},
			},
			calls: []string{"lpstat -d", "lp -d HP_LaserJet_4 -t System information"},
			dest:  "HP_LaserJet_4",
		},
		{
			name: "a translated lpstat",
			replies: map[string]reply{
				"lpstat": {out: "Standardziel des Systems: Buero\n"},
				"lp":     {},
			},
			calls: []string{"lpstat -d", "lp -d Buero -t System information"},
			dest:  "Buero",
		},
		{
			name:    "no default destination",
			replies: map[string]reply{"lpstat": {out: "no system default destination\n"}, "lp": {}},
			calls:   []string{"lpstat -d"},
			err:     "no printer is set up on this computer",
		},
		{
			name:  "no CUPS installed",
			calls: []string{"lpstat -d"},
			err:   "no printer is set up on this computer",
		},
		{
			name:    "no scheduler running",
			replies: map[string]reply{"lpstat": {out: "lpstat: Scheduler is not running.\n", err: exit1}, "lp": {}},
			calls:   []string{"lpstat -d"},
			err:     "no printer is set up on this computer",
		},
		{
			name:    "LPDEST wins, as for lp",
			env:     map[string]string{"LPDEST": "front-desk", "PRINTER": "other"},
			replies: map[string]reply{"lp": {}},
			calls:   []string{"lp -d front-desk -t System information"},
			dest:    "front-desk",
		},
		{
			name:    "PRINTER",
			env:     map[string]string{"PRINTER": "back-office"},
			replies: map[string]reply{"lp": {}},
			calls:   []string{"lp -d back-office -t System information"},
			dest:    "back-office",
		},
		{
			name: "the printer refuses",
			replies: map[string]reply{
				"lpstat": {out: "system default destination: HP\n"},
				"lp":     {out: "lp: The printer or class does not exist.\n", err: exit1},
			},
			calls: []string{"lpstat -d", "lp -d HP -t System information"},
			err:   "the printer HP did not take the document: lp: The printer or class does not exist.",
		},
	} {
		t.Run(tc.name, func(t *testing.T) {
			f := &fakeRunner{replies: tc.replies, files: map[string]string{}}
			p := Printer{Run: f.run, Getenv: func(k string) string { return tc.env[k] }}
			dest, err := p.printCUPS(context.Background(), "System information", "Host name: build-01\n")
			if got, want := strings.Join(f.calls, " | "), strings.Join(tc.calls, " | "); got != want {
				t.Errorf("commands %q, want %q", got, want)
			}
			switch {
			case tc.err != "" && (err == nil || err.Error() != tc.err):
				t.Fatalf("err %v, want %q", err, tc.err)
			case tc.err == "" && err != nil:
				t.Fatalf("err %v", err)
			case dest != tc.dest:
				t.Fatalf("printer %q, want %q", dest, tc.dest)
			}
			if tc.err == "" && f.stdin[len(f.stdin)-1] != "Host name: build-01\n" {
				t.Fatalf("lp read %q", f.stdin[len(f.stdin)-1])
			}
			if tc.err == ErrNoPrinter.Error() && !errors.Is(err, ErrNoPrinter) {
				t.Fatal("not ErrNoPrinter")
			}
		})
	}
}

func TestPrintWindows(t *testing.T) {
	const ask = "powershell.exe -NoProfile -NonInteractive -Command " + psDefaultPrinter
	for _, tc := range []struct {
		name  string
		reply []reply // the answers to the two PowerShell commands, in order
		calls int
		dest  string
		err   string
	}{
		{"the default printer", []reply{{out: "HP LaserJet 4\r\n"}, {}}, 2, "HP LaserJet 4", ""},
		{"no default printer", []reply{{out: "\r\n"}}, 1, "", "no printer is set up on this computer"},
		{"PowerShell fails", []reply{{out: "Get-CimInstance : Access denied", err: errors.New("exit status 1")}}, 1, "",
			"no printer is set up on this computer"},
		{"the printer refuses", []reply{{out: "Printer's Desk\r\n"}, {out: "Out-Printer : The printer is offline.", err: errors.New("exit status 1")}},
			2, "", "the printer Printer's Desk did not take the document: Out-Printer : The printer is offline."},
	} {
		t.Run(tc.name, func(t *testing.T) {
			dir := t.TempDir()
			f := &fakeRunner{files: map[string]string{}}
			n := 0
			run := func(ctx context.Context, stdin []byte, name string, args ...string) ([]byte, error) {
				f.replies = map[string]reply{"powershell.exe": tc.reply[n]}
				n++
				return f.run(ctx, stdin, name, args...)
			}
			p := Printer{Run: run, TempDir: dir}
			dest, err := p.printWindows(context.Background(), "System information", "Café — ünïcode\n")
			if len(f.calls) != tc.calls || f.calls[0] != ask {
				t.Fatalf("commands %q", f.calls)
			}
			if tc.calls == 2 {
				printed := f.calls[1]
				prefix := "powershell.exe -NoProfile -NonInteractive -Command Get-Content -LiteralPath '"
				if !strings.HasPrefix(printed, prefix) || !strings.Contains(printed, "' -Encoding UTF8 | Out-Printer -Name ") {
					t.Fatalf("print command %q", printed)
				}
				file := printed[len(prefix):strings.Index(printed, "' -Encoding")]
				if filepath.Dir(file) != dir || f.files[file] != "Café — ünïcode\n" {
					t.Fatalf("printed file %s held %q", file, f.files[file])
				}
				if _, err := os.Stat(file); !os.IsNotExist(err) {
					t.Fatal("the temporary copy was left behind")
				}
				if want := "-Name " + psQuote(strings.TrimSpace(tc.reply[0].out)); !strings.HasSuffix(printed, want) {
					t.Fatalf("print command %q does not end in %q", printed, want)
				}
			}
			switch {
			case tc.err != "" && (err == nil || err.Error() != tc.err):
				t.Fatalf("err %v, want %q", err, tc.err)
			case tc.err == "" && (err != nil || dest != tc.dest):
				t.Fatalf("printer %q, err %v", dest, err)
			}
		})
	}
}

func TestPSQuote(t *testing.T) {
	for in, want := range map[string]string{
		`C:\Temp\a.txt`:            `'C:\Temp\a.txt'`,
		`C:\Users\O'Brien\a.txt`:   `'C:\Users\O''Brien\a.txt'`,
		`$(Remove-Item x); "$env"`: `'$(Remove-Item x); "$env"'`,
	} {
		if got := psQuote(in); got != want {
			t.Errorf("psQuote(%q) = %q, want %q", in, got, want)
		}
	}
}

func TestLpstatDefault(t *testing.T) {
	for out, want := range map[string]string{
		"system default destination: HP\n": "HP",
		"no system default destination\n":  "",
		"lpstat: No destinations added.\n": "",
		"":                                 "",
		"lpstat: error: x\nsystem default destination: A": "A",
	} {
		if got := lpstatDefault([]byte(out)); got != want {
			t.Errorf("lpstatDefault(%q) = %q, want %q", out, got, want)
		}
	}
}
