package cli

import (
	"bytes"
	"context"
	"io"
	"net/http"
	"regexp"
	"strings"
	"testing"
	"time"

	"lifeline/shared/client"
	"lifeline/shared/tlsutil"
)

func run(t *testing.T, stdin string, args ...string) (int, string, string) {
	t.Helper()
	var out, errb bytes.Buffer
	code := Run(context.Background(), args, strings.NewReader(stdin), &out, &errb)
	return code, out.String(), errb.String()
}

func TestUserCommands(t *testing.T) {
	data := t.TempDir()
	steps := []struct {
		name   string
		stdin  string
		args   []string
		code   int
		output string // a regular expression the output must match
	}{
		{"add a CSR", "long enough password\n", []string{"user", "add", "--email", "Carol@Example.com", "--name", "Carol Jones", "--password-stdin"}, 0, `added csr Carol Jones <carol@example.com>`},
		{"add an admin", "another long password", []string{"user", "add", "--email", "ann@example.com", "--name", "Ann", "--role", "admin", "--password-stdin"}, 0, `added admin`},
		{"add a manager", "a manager's password", []string{"user", "add", "--email", "mona@example.com", "--name", "Mona", "--role", "manager", "--password-stdin"}, 0, `added manager Mona <mona@example.com>`},
		{"the same email again", "long enough password", []string{"user", "add", "--email", "carol@example.com", "--name", "C", "--password-stdin"}, 1, `already exists`},
		{"a short password", "short", []string{"user", "add", "--email", "x@example.com", "--name", "X", "--password-stdin"}, 1, `at least 10 characters`},
		{"a password as an argument is refused", "", []string{"user", "add", "--email", "x@example.com", "--name", "X"}, 2, `--password-stdin`},
		{"an unknown role", "long enough password", []string{"user", "add", "--email", "x@example.com", "--name", "X", "--role", "root", "--password-stdin"}, 2, `--role must be csr, manager or admin`},
		{"list", "", []string{"user", "list"}, 0, `(?s)EMAIL.*ann@example.com.*admin.*active.*carol@example.com.*Carol Jones.*csr.*mona@example.com\s+Mona\s+manager\s+active`},
		{"disable, flags after the email", "", []string{"user", "disable", "carol@example.com"}, 0, `disabled carol@example.com`},
		{"list shows it", "", []string{"user", "list"}, 0, `carol@example.com\s+Carol Jones\s+csr\s+disabled`},
		{"enable", "", []string{"user", "enable", "carol@example.com"}, 0, `enabled`},
		{"disable an unknown account", "", []string{"user", "disable", "nobody@example.com"}, 1, `no account`},
		{"change a password", "a brand new password\n", []string{"user", "passwd", "carol@example.com", "--password-stdin"}, 0, `password changed`},
		{"unknown user command", "", []string{"user", "frobnicate"}, 2, `unknown command`},
	}
	for _, s := range steps {
		t.Run(s.name, func(t *testing.T) {
			args := append(s.args, "--data", data)
			code, out, errs := run(t, s.stdin, args...)
			if code != s.code || !regexp.MustCompile(s.output).MatchString(out+errs) {
				t.Fatalf("exit %d (want %d)\nstdout: %s\nstderr: %s\nwant: %s", code, s.code, out, errs, s.output)
			}
		})
	}
}

func TestServeRefusesPlainHTTPOffLoopback(t *testing.T) {
	for _, listen := range []string{":8080", "0.0.0.0:8080", "192.0.2.1:8080"} {
		code, _, errs := run(t, "", "serve", "--insecure-http", "--listen", listen, "--data", t.TempDir(), "--turn-listen", "off")
		if code != 2 || !strings.Contains(errs, "loopback") {
			t.Errorf("--listen %s: exit %d, %s", listen, code, errs)
		}
	}
}

// TestServe starts the real server on loopback with its defaults (a
// self-signed certificate, SQLite, the relay), logs the demo CSR in through
// the pinned fingerprint, and shuts it down as SIGTERM would.
func TestServe(t *testing.T) {
	data := t.TempDir()
	ctx, cancel := context.WithCancel(context.Background())
	pr, pw := io.Pipe()
	done := make(chan int, 1)
	go func() {
		var errb bytes.Buffer
		done <- Run(ctx, []string{"serve", "--data", data, "--listen", "127.0.0.1:0", "--turn-listen", "127.0.0.1:0", "--demo"}, strings.NewReader(""), pw, &errb)
		pw.Close()
	}()
	var out strings.Builder
	buf := make([]byte, 4096)
	re := regexp.MustCompile(`(?s)password: (\S+).*fingerprint: (\S+).*listening on https://localhost:(\d+)`)
	deadline := time.Now().Add(15 * time.Second)
	var m []string
	for m == nil && time.Now().Before(deadline) {
		n, err := pr.Read(buf)
		out.Write(buf[:n])
		if err != nil {
			break
		}
		m = re.FindStringSubmatch(out.String())
	}
	go io.Copy(io.Discard, pr)
	if m == nil {
		cancel()
		t.Fatalf("serve printed:\n%s", out.String())
	}
	tlsConf, err := tlsutil.ClientConfig(tlsutil.ClientOptions{Fingerprint: m[2]})
	if err != nil {
		t.Fatal(err)
	}
	c := client.New("https://127.0.0.1:"+m[3], tlsConf)
	if _, err := c.Login(ctx, DemoEmail, m[1]); err != nil {
		t.Fatalf("demo login: %v", err)
	}
	created, err := c.CreateSession(ctx, "", "")
	if err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(created.JoinURL, "https://127.0.0.1:"+m[3]+"/join/") {
		t.Fatalf("join url %q", created.JoinURL)
	}
	resp, err := c.HTTP.Get(c.BaseURL + "/healthz")
	if err != nil || resp.StatusCode != http.StatusOK {
		t.Fatalf("healthz: %v", err)
	}
	resp.Body.Close()
	cancel()
	select {
	case code := <-done:
		if code != 0 {
			t.Fatalf("serve exited %d", code)
		}
	case <-time.After(20 * time.Second):
		t.Fatal("serve did not shut down")
	}
}
