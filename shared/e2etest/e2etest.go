// Package e2etest runs Lifeline's real programs for end-to-end tests:
// builds lifeline-rendezvous, lifeline-agent and lifeline-console once per
// test process, starts them with their output kept line by line, and
// starts a rendezvous server with a CSR account. agent/e2e and console/e2e
// use it; it is imported by tests only.
package e2etest

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"runtime"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"lifeline/shared/client"
	"lifeline/shared/tlsutil"
)

var (
	buildOnce sync.Once
	binDir    string
	buildErr  error
)

// Binaries builds the three programs once per test process and returns
// the folder holding rendezvous, agent and console: the tests run what a
// CSR and a customer run, not a test double. Call RemoveBinaries from
// TestMain.
func Binaries(t testing.TB) string {
	t.Helper()
	buildOnce.Do(func() {
		_, file, _, _ := runtime.Caller(0)
		root := filepath.Join(filepath.Dir(file), "..", "..")
		binDir, buildErr = os.MkdirTemp("", "lifeline-e2e-bin")
		if buildErr != nil {
			return
		}
		cmd := exec.Command("go", "build", "-tags", "x11", "-o", binDir+string(os.PathSeparator), "./rendezvous", "./agent", "./console")
		cmd.Dir = root
		if out, err := cmd.CombinedOutput(); err != nil {
			buildErr = fmt.Errorf("go build: %w\n%s", err, out)
		}
	})
	if buildErr != nil {
		t.Fatal(buildErr)
	}
	return binDir
}

// RemoveBinaries deletes what Binaries built.
func RemoveBinaries() {
	if binDir != "" {
		os.RemoveAll(binDir)
	}
}

// Proc is a running program whose standard output is read line by line;
// everything it writes is kept for the failure log.
type Proc struct {
	T     testing.TB
	Name  string
	Cmd   *exec.Cmd
	stdin io.WriteCloser
	// Lines are the lines of standard output not yet read.
	Lines chan string
	done  chan struct{} // closed when the program has exited
	mu    sync.Mutex
	log   []string
}

// Start starts a program and stops it when the test ends: SIGTERM (the
// console and the agent then leave cleanly), SIGKILL after 5 s.
func Start(t testing.TB, name string, env []string, path string, args ...string) *Proc {
	t.Helper()
	cmd := exec.Command(path, args...)
	cmd.Env = append(os.Environ(), env...)
	dieWithParent(cmd)
	stdin, err := cmd.StdinPipe()
	if err != nil {
		t.Fatalf("%s: stdin: %v", name, err)
	}
	p := &Proc{T: t, Name: name, Cmd: cmd, stdin: stdin, Lines: make(chan string, 1024), done: make(chan struct{})}
	// Writers rather than pipes: Wait then returns only once all output
	// has been read, so a program's last words are never lost.
	cmd.Stdout = &logWriter{p: p, lines: true}
	cmd.Stderr = &logWriter{p: p, prefix: "stderr: "}
	if err := cmd.Start(); err != nil {
		t.Fatalf("start %s: %v", name, err)
	}
	go func() {
		err := cmd.Wait()
		p.record(fmt.Sprintf("(exited: %v)", err))
		close(p.done)
	}()
	t.Cleanup(func() {
		terminate(cmd)
		select {
		case <-p.done:
		case <-time.After(5 * time.Second):
			t.Logf("%s did not stop within 5 s; killed", name)
			_ = cmd.Process.Kill()
			<-p.done
		}
		if t.Failed() {
			p.mu.Lock()
			t.Logf("%s output:\n%s", name, strings.Join(p.log, "\n"))
			p.mu.Unlock()
		}
	})
	return p
}

func (p *Proc) record(s string) {
	p.mu.Lock()
	p.log = append(p.log, s)
	p.mu.Unlock()
}

// logWriter splits a program's output into lines for the log and, for
// standard output, for Expect.
type logWriter struct {
	p      *Proc
	prefix string
	lines  bool
	buf    []byte
}

func (w *logWriter) Write(b []byte) (int, error) {
	w.buf = append(w.buf, b...)
	for {
		i := bytes.IndexByte(w.buf, '\n')
		if i < 0 {
			return len(b), nil
		}
		l := string(w.buf[:i])
		w.buf = w.buf[i+1:]
		w.p.record(w.prefix + l)
		if w.lines {
			select {
			case w.p.Lines <- l:
			default: // nobody is waiting for lines this far back
			}
		}
	}
}

// Expect waits for an output line matching re and returns its submatches.
func (p *Proc) Expect(re string, timeout time.Duration) []string {
	p.T.Helper()
	m, err := p.Await(re, timeout)
	if err != nil {
		p.T.Fatal(err)
	}
	return m
}

// Await is Expect that returns the failure rather than ending the test.
func (p *Proc) Await(re string, timeout time.Duration) ([]string, error) {
	rx := regexp.MustCompile(re)
	deadline := time.After(timeout)
	for {
		l, err := p.next(deadline)
		if err != nil {
			return nil, fmt.Errorf("%s: waiting for %q: %w", p.Name, re, err)
		}
		if m := rx.FindStringSubmatch(l); m != nil {
			return m, nil
		}
	}
}

// NextLine returns the next line of standard output.
func (p *Proc) NextLine(timeout time.Duration) string {
	p.T.Helper()
	l, err := p.next(time.After(timeout))
	if err != nil {
		p.T.Fatalf("%s: %v", p.Name, err)
	}
	return l
}

func (p *Proc) next(deadline <-chan time.Time) (string, error) {
	select {
	case l := <-p.Lines:
		return l, nil
	case <-p.done:
		// Lines written just before the exit may still be queued.
		select {
		case l := <-p.Lines:
			return l, nil
		default:
			return "", fmt.Errorf("%s exited", p.Name)
		}
	case <-deadline:
		return "", fmt.Errorf("no more output in time")
	}
}

// Send writes a line to the program's standard input.
func (p *Proc) Send(line string) {
	p.T.Helper()
	if _, err := io.WriteString(p.stdin, line+"\n"); err != nil {
		p.T.Fatalf("write to %s: %v", p.Name, err)
	}
}

// Exited reports whether the program has ended.
func (p *Proc) Exited() bool {
	select {
	case <-p.done:
		return true
	default:
		return false
	}
}

// Server is a running lifeline-rendezvous (self-signed TLS, loopback
// only) with one CSR account.
type Server struct {
	URL          string
	Fingerprint  string
	Email, Name  string
	Password     string
	PasswordFile string // holds Password, for --password-file
	Data         string // the server's data folder
	bin          string
}

// StartServer starts lifeline-rendezvous from bin with a CSR account.
func StartServer(t testing.TB, bin string) *Server {
	t.Helper()
	data := t.TempDir()
	s := &Server{Email: "carol@example.com", Name: "Carol CSR", Password: "e2e-password-123", Data: data, bin: bin}
	add := exec.Command(filepath.Join(bin, "rendezvous"), "user", "add", "--data", data, "--email", s.Email, "--name", s.Name, "--password-stdin")
	add.Stdin = strings.NewReader(s.Password + "\n")
	if out, err := add.CombinedOutput(); err != nil {
		t.Fatalf("rendezvous user add: %v\n%s", err, out)
	}
	s.PasswordFile = filepath.Join(data, "pw")
	if err := os.WriteFile(s.PasswordFile, []byte(s.Password+"\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	p := Start(t, "rendezvous", nil, filepath.Join(bin, "rendezvous"), "serve", "--data", data, "--listen", "127.0.0.1:0", "--turn-listen", "off")
	s.Fingerprint = p.Expect(`fingerprint: (\S+)`, 20*time.Second)[1]
	port := p.Expect(`listening on https://localhost:(\d+)`, 20*time.Second)[1]
	s.URL = "https://127.0.0.1:" + port
	return s
}

// Login logs the CSR in over the REST API, trusting the server's
// fingerprint.
func (s *Server) Login(t testing.TB) *client.Client {
	t.Helper()
	tlsConf, err := tlsutil.ClientConfig(tlsutil.ClientOptions{Fingerprint: s.Fingerprint})
	if err != nil {
		t.Fatalf("TLS configuration for %s: %v", s.Fingerprint, err)
	}
	api := client.New(s.URL, tlsConf)
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	if _, err := api.Login(ctx, s.Email, s.Password); err != nil {
		t.Fatalf("log in as %s over REST: %v", s.Email, err)
	}
	return api
}

// Admin runs a lifeline-rendezvous command beside the running server, as
// an administrator would; an argument "DATA" stands for the data folder.
func (s *Server) Admin(t testing.TB, args ...string) {
	t.Helper()
	s.admin(t, "", args...)
}

func (s *Server) admin(t testing.TB, stdin string, args ...string) {
	t.Helper()
	args = slices.Clone(args)
	for i, a := range args {
		if a == "DATA" {
			args[i] = s.Data
		}
	}
	cmd := exec.Command(filepath.Join(s.bin, "rendezvous"), args...)
	cmd.Stdin = strings.NewReader(stdin)
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("rendezvous %v: %v\n%s", args, err, out)
	}
}

// AddCSR adds another CSR account and returns a file with its password,
// for --password-file.
func (s *Server) AddCSR(t testing.TB, email, name string) string {
	t.Helper()
	const pw = "e2e-password-456"
	s.admin(t, pw+"\n", "user", "add", "--data", "DATA", "--email", email, "--name", name, "--password-stdin")
	f := filepath.Join(t.TempDir(), "pw")
	if err := os.WriteFile(f, []byte(pw+"\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	return f
}
