package headless

import (
	"errors"
	"reflect"
	"strings"
	"testing"
	"time"
)

// One line, one command: the table reads as the command reference.
func TestParse(t *testing.T) {
	cases := []struct {
		line string
		want command
		err  string // part of the error; "" when accepted
	}{
		{line: "start", want: command{name: "start"}},
		{line: `start --type "Remote install" --tracking-code=CASE-7`, want: command{name: "start", sessionType: "Remote install", trackingCode: "CASE-7"}},
		{line: "record start", want: command{name: "record", sub: "start"}},
		{line: `record start "/tmp/a b.llrec"`, want: command{name: "record", sub: "start", path: "/tmp/a b.llrec"}},
		{line: "record stop", want: command{name: "record", sub: "stop"}},
		{line: "record pause", err: "record start [PATH] or record stop"},
		{line: "start now", err: `start takes --type and --tracking-code, not "now"`},
		{line: "wait-customer", want: command{name: "wait-customer"}},
		{line: "wait-customer 90", want: command{name: "wait-customer", timeout: 90 * time.Second}},
		{line: "wait-customer 0.5", want: command{name: "wait-customer", timeout: 500 * time.Millisecond}},
		{line: "wait-customer soon", err: "seconds above 0"},
		{line: "wait-customer 0", err: "seconds above 0"},
		{line: "request view", want: command{name: "request", action: "view"}},
		{line: "request control 300", want: command{name: "request", action: "control", timeout: 300 * time.Second}},
		{line: "request files", err: "request view or request control"},
		{line: "request", err: "needs more arguments"},
		{line: "mode standard", want: command{name: "mode", text: "standard"}},
		{line: "mode sampling", want: command{name: "mode", text: "sampling"}},
		{line: "mode fast", err: "standard or sampling"},
		{line: "colors full", want: command{name: "colors", text: "full"}},
		{line: "colors 16bit", want: command{name: "colors", text: "16bit"}},
		{line: "colors 256", want: command{name: "colors", text: "256"}},
		{line: "colors 8", err: "full, 16bit or 256"},
		{line: "monitor 1", want: command{name: "monitor", monitor: 1}},
		{line: "monitor -1", want: command{name: "monitor", monitor: -1}},
		{line: "monitor two", err: "monitor is a number"},
		{line: "snapshot /tmp/a.png", want: command{name: "snapshot", path: "/tmp/a.png"}},
		{line: "snapshot /tmp/a.png --fresh", want: command{name: "snapshot", path: "/tmp/a.png", fresh: true}},
		{line: "snapshot --fresh /tmp/a.png", want: command{name: "snapshot", path: "/tmp/a.png", fresh: true}},
		{line: "snapshot", err: "one PATH"},
		{line: "snapshot my file.png", err: "one PATH"},
		{line: "click 10 20", want: command{name: "click", x: 10, y: 20, button: "left"}},
		{line: "click 10 20 right", want: command{name: "click", x: 10, y: 20, button: "right"}},
		{line: "click 10 20 middle", want: command{name: "click", x: 10, y: 20, button: "middle"}},
		{line: "click 10 20 back", err: "left, right or middle"},
		{line: "click 10", err: "needs more arguments"},
		{line: "click -1 5", err: "numbers of pixels"},
		{line: "click 1 2 left extra", err: "at most 3"},
		{line: "move 5 6", want: command{name: "move", x: 5, y: 6}},
		{line: "move 5 6 left", err: "at most 2"},
		{line: "scroll 3", want: command{name: "scroll", dy: 3}},
		{line: "scroll -3", want: command{name: "scroll", dy: -3}},
		{line: "scroll 0", err: "from -100"},
		{line: "scroll 1000", err: "from -100"},
		{line: "key ctrl+alt+Delete", want: command{name: "key", text: "ctrl+alt+Delete"}},
		{line: "key Return", want: command{name: "key", text: "Return"}},
		{line: "key ctrl+Retrun", err: "not a key"},
		{line: "key ctrl a", err: "at most 1"},
		{line: "type hello world", want: command{name: "type", text: "hello world"}},
		{line: "type   two  spaces ", want: command{name: "type", text: "  two  spaces "}},
		{line: "type héllo wörld\r\n", want: command{name: "type", text: "héllo wörld"}},
		{line: "type", err: "needs the text"},
		{line: "type    ", err: "needs the text"},
		{line: "chat Hello, can you see my cursor?", want: command{name: "chat", text: "Hello, can you see my cursor?"}},
		{line: "notes Printer driver reinstalled", want: command{name: "notes", text: "Printer driver reinstalled"}},
		{line: "end", want: command{name: "end"}},
		{line: "end Fixed the printer.", want: command{name: "end", text: "Fixed the printer."}},
		{line: "stats", want: command{name: "stats"}},
		{line: "stats now", err: "at most 0"},
		{line: "status", want: command{name: "status"}},
		{line: "stop-sharing", want: command{name: "stop-sharing"}},
		{line: "wait-frames 10", want: command{name: "wait-frames", n: 10}},
		{line: "wait-frames 10 5", want: command{name: "wait-frames", n: 10, timeout: 5 * time.Second}},
		{line: "wait-frames 0", err: "1 or more"},
		{line: "wait-stopped", want: command{name: "wait-stopped"}},
		{line: "wait-stopped 3", want: command{name: "wait-stopped", timeout: 3 * time.Second}},
		{line: "help", want: command{name: "help"}},
		{line: "quit", want: command{name: "quit"}},
		{line: "  quit  ", want: command{name: "quit"}},
		{line: "sysinfo /tmp/pc.txt", want: command{name: "sysinfo", path: "/tmp/pc.txt"}},
		{line: `sysinfo "/tmp/my pc.txt"`, want: command{name: "sysinfo", path: "/tmp/my pc.txt"}},
		{line: "sysinfo", err: "one PATH"},
		{line: "files ls", want: command{name: "files", sub: "ls", args: []string{}}},
		{line: "files ls Documents", want: command{name: "files", sub: "ls", args: []string{"Documents"}}},
		{line: `files put "/tmp/a b.txt" "My Documents"`, want: command{name: "files", sub: "put", args: []string{"/tmp/a b.txt", "My Documents"}}},
		{line: "files get Documents/report.pdf /tmp", want: command{name: "files", sub: "get", args: []string{"Documents/report.pdf", "/tmp"}}},
		{line: "files rename old.txt new.txt", want: command{name: "files", sub: "rename", args: []string{"old.txt", "new.txt"}}},
		{line: "files close", want: command{name: "files", sub: "close", args: []string{}}},
		{line: "files put onlyone", err: "takes 2 to 2 operands"},
		{line: "files chmod x", err: `unknown files subcommand "chmod"`},
		{line: "files", err: "needs a subcommand"},
		{line: `files ls "unterminated`, err: "unterminated"},
		{line: `files ls "a"b`, err: "followed by a space"},
		{line: `scripts run "Clear cache" diag`, want: command{name: "scripts", sub: "run", args: []string{"Clear cache", "diag"}}},
		{line: "scripts run", err: "names of the scripts"},
		{line: "scripts list", err: "names of the scripts"},
		{line: "reboot", want: command{name: "reboot"}},
		{line: "reboot 600", want: command{name: "reboot", timeout: 600 * time.Second}},
		{line: "reboot now", err: "number of seconds"},
		{line: "queue list", want: command{name: "queue", sub: "list"}},
		{line: "queue accept printers", want: command{name: "queue", sub: "accept", text: "printers"}},
		{line: "queue take qr_123", want: command{name: "queue", sub: "take", text: "qr_123"}},
		{line: "queue accept billing --tracking-code CASE-42", want: command{name: "queue", sub: "accept", text: "billing", trackingCode: "CASE-42"}},
		{line: `queue accept billing --type "Remote install" --tracking-code "CASE 42"`,
			want: command{name: "queue", sub: "accept", text: "billing", sessionType: "Remote install", trackingCode: "CASE 42"}},
		{line: "queue accept billing --type=Billing", want: command{name: "queue", sub: "accept", text: "billing", sessionType: "Billing"}},
		{line: "queue accept billing --tracking-code", err: "--tracking-code needs a value"},
		{line: "queue accept billing --tracking-code A --tracking-code B", err: "--tracking-code is given twice"},
		{line: "queue accept billing CASE-42", err: `takes --type and --tracking-code, not "CASE-42"`},
		{line: `queue accept billing --type "Remote`, err: "unterminated"},
		{line: "queue take qr_123 --tracking-code A", err: "queue list, queue accept QUEUE"},
		{line: "queue", err: "queue list, queue accept QUEUE"},
		{line: "queue accept", err: "queue list, queue accept QUEUE"},
		{line: "transfer-session network The VPN drops.", want: command{name: "transfer-session", sub: "network", text: "The VPN drops."}},
		{line: "transfer-session dave@example.com", want: command{name: "transfer-session", sub: "dave@example.com"}},
		{line: "transfer-session", err: "needs a queue"},
		{line: "transfer-session network " + strings.Repeat("é", 346), err: "at most 345 characters long; this one has 346"},
		{line: "transfer-targets", want: command{name: "transfer-targets"}},
		{line: "transfer-targets network", err: "transfer-targets takes at most 0 argument(s)"},
		{line: "teleport 1 2", err: `unknown command "teleport"`},
		{line: "QUIT", err: "unknown command"},
	}
	for _, c := range cases {
		t.Run(c.line, func(t *testing.T) {
			got, err := parse(c.line)
			if c.err != "" {
				if err == nil || !strings.Contains(err.Error(), c.err) {
					t.Fatalf("parse(%q) error = %v, want one saying %q", c.line, err, c.err)
				}
				return
			}
			if err != nil {
				t.Fatalf("parse(%q): %v", c.line, err)
			}
			if c.want.args == nil && got.args != nil && len(got.args) == 0 {
				got.args = nil
			}
			if !reflect.DeepEqual(got, c.want) {
				t.Fatalf("parse(%q) = %+v, want %+v", c.line, got, c.want)
			}
		})
	}
}

func TestBlankLinesAndCommentsAreSkipped(t *testing.T) {
	for _, line := range []string{"", "   ", "\n", "# a comment", "  # indented comment"} {
		if _, err := parse(line); !errors.Is(err, errEmpty) {
			t.Errorf("parse(%q) = %v, want errEmpty", line, err)
		}
	}
}

func TestEveryCommandHasUsage(t *testing.T) {
	if len(commandNames) != len(usage) {
		t.Fatalf("%d commands listed, %d with usage", len(commandNames), len(usage))
	}
	for _, n := range commandNames {
		if !strings.HasPrefix(usage[n], n) {
			t.Errorf("usage of %s is %q", n, usage[n])
		}
	}
}

func TestErrorsAreSentences(t *testing.T) {
	cases := map[string]string{
		"there is no session: send start first": "There is no session: send start first.",
		"Already a sentence.":                   "Already a sentence.",
		`"x" is not a key`:                      `"x" is not a key.`,
		"élan":                                  "Élan.",
	}
	for in, want := range cases {
		if got := sentence(errors.New(in)); got != want {
			t.Errorf("sentence(%q) = %q, want %q", in, got, want)
		}
	}
}
