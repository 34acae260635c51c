package cli

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"encoding/pem"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"lifeline/console/gui"
	"lifeline/shared/rendezvoustest"
	"lifeline/shared/tlsutil"
)

func console(t *testing.T, stdin string, args ...string) (int, string, string) {
	t.Helper()
	var out, errOut bytes.Buffer
	code := Run(context.Background(), args, strings.NewReader(stdin), &out, &errOut)
	return code, out.String(), errOut.String()
}

func TestUsageErrors(t *testing.T) {
	cases := []struct {
		name string
		args []string
		says string
	}{
		{"the desktop console asks for the password", []string{"--server", "https://h", "--email", "e", "--password-file", "p"}, "--headless only"},
		{"the desktop console's server is a URL", []string{"--server", "h:8443"}, "not a URL"},
		{"the desktop console trusts one way", []string{"--ca-file", "c", "--server-fingerprint", "AA"}, "not both"},
		{"missing flags are named", []string{"--headless", "--server", "https://h"}, "missing --email, --password-file"},
		{"one way to trust the server", []string{"--headless", "--server", "https://h", "--email", "e", "--password-file", "p", "--ca-file", "c", "--server-fingerprint", "AA"}, "not both"},
		{"the server is a URL", []string{"--headless", "--server", "h:8443", "--email", "e", "--password-file", "p"}, "not a URL"},
		{"no positional arguments", []string{"--headless", "extra"}, "unexpected argument"},
		{"unknown flags", []string{"--headles"}, "flag provided but not defined"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			code, out, errOut := console(t, "", c.args...)
			if code != ExitUsage || out != "" || !strings.Contains(errOut, c.says) {
				t.Fatalf("exit %d, stdout %q, stderr %q; want 2 and %q", code, out, errOut, c.says)
			}
		})
	}
	if code, _, _ := console(t, "", "--help"); code != ExitOK {
		t.Fatalf("--help exits %d", code)
	}
}

// Without --headless the desktop console opens, its login prefilled from
// the flags and the server trusted as they say.
func TestDesktop(t *testing.T) {
	var got gui.Config
	runGUI = func(_ context.Context, cfg gui.Config) error { got = cfg; return nil }
	t.Cleanup(func() { runGUI = gui.Run })
	fp := strings.Repeat("AB", 32)
	code, out, errOut := console(t, "", "--server", "https://support.example.com:8443", "--email", "carol@example.com", "--server-fingerprint", fp)
	if code != ExitOK || out != "" || errOut != "" {
		t.Fatalf("exit %d, stdout %q, stderr %q", code, out, errOut)
	}
	if got.Server != "https://support.example.com:8443" || got.Email != "carol@example.com" || got.TLS == nil || !strings.Contains(got.Trust, fp) {
		t.Fatalf("gui config = %+v", got)
	}
	if code, _, _ := console(t, ""); code != ExitOK {
		t.Fatalf("no flags: exit %d", code)
	}
	code, _, errOut = console(t, "", "--server-fingerprint", "nonsense")
	if code != ExitFailure || errOut == "" {
		t.Fatalf("a bad fingerprint: exit %d, %q", code, errOut)
	}
}

// The binary's wiring: trust by CA file or by fingerprint, login from a
// password file, the shell on stdin/stdout, exit 0 on quit or end of input,
// 1 when the login fails.
func TestHeadlessRun(t *testing.T) {
	ts := rendezvoustest.New(t, rendezvoustest.Options{})
	ts.AddUser(t, "carol@example.com", "Carol CSR", "csr", "carol-password-1")
	dir := t.TempDir()
	ca := filepath.Join(dir, "ca.pem")
	if err := os.WriteFile(ca, pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: ts.HTTP.Certificate().Raw}), 0o600); err != nil {
		t.Fatal(err)
	}
	pw := filepath.Join(dir, "password")
	if err := os.WriteFile(pw, []byte("carol-password-1\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	base := []string{"--headless", "--server", ts.URL, "--email", "carol@example.com", "--password-file", pw, "--loopback-only"}

	code, out, errOut := console(t, "start\nstats\nquit\nstats\n", append(base, "--ca-file", ca)...)
	if code != ExitOK {
		t.Fatalf("exit %d: %s", code, errOut)
	}
	var lines []map[string]any
	sc := bufio.NewScanner(strings.NewReader(out))
	for sc.Scan() {
		var m map[string]any
		if err := json.Unmarshal(sc.Bytes(), &m); err != nil {
			t.Fatalf("not JSON: %q", sc.Text())
		}
		if _, ok := m["ok"]; ok {
			lines = append(lines, m)
		}
	}
	if len(lines) != 3 || lines[0]["ok"] != true || len(lines[0]["number"].(string)) != 9 || lines[1]["live"] != false || lines[2]["ok"] != true {
		t.Fatalf("replies = %v (nothing after quit)", lines)
	}

	fp := tlsutil.Fingerprint(ts.HTTP.Certificate().Raw)
	if code, _, errOut := console(t, "help\n", append(base, "--server-fingerprint", fp)...); code != ExitOK {
		t.Fatalf("pinned fingerprint, end of input: exit %d: %s", code, errOut)
	}

	bad := filepath.Join(dir, "wrong")
	os.WriteFile(bad, []byte("nope\n"), 0o600)
	code, out, errOut = console(t, "start\n", "--headless", "--server", ts.URL, "--email", "carol@example.com", "--password-file", bad, "--ca-file", ca)
	if code != ExitFailure || out != "" || !strings.Contains(errOut, "could not log in") {
		t.Fatalf("wrong password: exit %d, stdout %q, stderr %q", code, out, errOut)
	}
	code, _, errOut = console(t, "", "--headless", "--server", ts.URL, "--email", "e", "--password-file", filepath.Join(dir, "missing"))
	if code != ExitFailure || !strings.Contains(errOut, "password file") {
		t.Fatalf("missing password file: exit %d, %q", code, errOut)
	}
}
