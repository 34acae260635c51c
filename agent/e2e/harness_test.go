package e2e

import (
	"bufio"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"runtime"
	"strings"
	"sync"
	"testing"
	"time"

	"lifeline/shared/xvfbtest"
)

var (
	buildOnce sync.Once
	binDir    string
	buildErr  error
)

// binaries builds the three programs once per test process.
func binaries(t *testing.T) string {
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
		out, err := cmd.CombinedOutput()
		if err != nil {
			buildErr = fmt.Errorf("go build: %v\n%s", err, out)
		}
	})
	if buildErr != nil {
		t.Fatal(buildErr)
	}
	return binDir
}

// proc is a running program whose standard output is read line by line.
type proc struct {
	t     *testing.T
	name  string
	cmd   *exec.Cmd
	stdin io.WriteCloser
	lines chan string
	mu    sync.Mutex
	log   []string
}

func startProc(t *testing.T, name string, env []string, path string, args ...string) *proc {
	t.Helper()
	cmd := exec.Command(path, args...)
	cmd.Env = append(os.Environ(), env...)
	stdin, err := cmd.StdinPipe()
	if err != nil {
		t.Fatal(err)
	}
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	p := &proc{t: t, name: name, cmd: cmd, stdin: stdin, lines: make(chan string, 1024)}
	cmd.Stderr = &logWriter{p: p, prefix: "stderr: "}
	if err := cmd.Start(); err != nil {
		t.Fatalf("start %s: %v", name, err)
	}
	go func() {
		sc := bufio.NewScanner(stdout)
		sc.Buffer(make([]byte, 1<<20), 1<<20)
		for sc.Scan() {
			p.record(sc.Text())
			p.lines <- sc.Text()
		}
		close(p.lines)
	}()
	t.Cleanup(func() {
		_ = cmd.Process.Signal(os.Interrupt)
		done := make(chan struct{})
		go func() { cmd.Wait(); close(done) }()
		select {
		case <-done:
		case <-time.After(5 * time.Second):
			cmd.Process.Kill()
			<-done
		}
		if t.Failed() {
			p.mu.Lock()
			t.Logf("%s output:\n%s", name, strings.Join(p.log, "\n"))
			p.mu.Unlock()
		}
	})
	return p
}

func (p *proc) record(s string) {
	p.mu.Lock()
	p.log = append(p.log, s)
	p.mu.Unlock()
}

type logWriter struct {
	p      *proc
	prefix string
}

func (w *logWriter) Write(b []byte) (int, error) {
	for _, l := range strings.Split(strings.TrimRight(string(b), "\n"), "\n") {
		w.p.record(w.prefix + l)
	}
	return len(b), nil
}

// expect waits for an output line matching re.
func (p *proc) expect(re string, timeout time.Duration) []string {
	p.t.Helper()
	rx := regexp.MustCompile(re)
	deadline := time.After(timeout)
	for {
		select {
		case l, ok := <-p.lines:
			if !ok {
				p.t.Fatalf("%s exited while waiting for %q", p.name, re)
			}
			if m := rx.FindStringSubmatch(l); m != nil {
				return m
			}
		case <-deadline:
			p.t.Fatalf("%s: no line matching %q within %v", p.name, re, timeout)
		}
	}
}

func (p *proc) send(line string) {
	p.t.Helper()
	if _, err := io.WriteString(p.stdin, line+"\n"); err != nil {
		p.t.Fatalf("write to %s: %v", p.name, err)
	}
}

// reply is one JSON reply of the headless console.
type reply map[string]any

func (r reply) ok() bool { v, _ := r["ok"].(bool); return v }
func (r reply) num(k string) float64 {
	v, _ := r[k].(float64)
	return v
}
func (r reply) str(k string) string { v, _ := r[k].(string); return v }

// next reads the console's next reply (a line with "ok"), skipping events.
func (p *proc) next(timeout time.Duration) reply {
	p.t.Helper()
	deadline := time.After(timeout)
	for {
		select {
		case l, ok := <-p.lines:
			if !ok {
				p.t.Fatalf("%s exited", p.name)
			}
			var r reply
			if json.Unmarshal([]byte(l), &r) == nil {
				if _, has := r["ok"]; has {
					return r
				}
			}
		case <-deadline:
			p.t.Fatalf("%s: no reply within %v", p.name, timeout)
		}
	}
}

// do sends a command and waits for its reply.
func (p *proc) do(cmd string) reply {
	p.t.Helper()
	p.send(cmd)
	r := p.next(60 * time.Second)
	return r
}

// server starts lifeline-rendezvous with a CSR account and returns its URL
// and certificate fingerprint.
func server(t *testing.T, bin string) (url, fingerprint, email, pwFile string) {
	t.Helper()
	data := t.TempDir()
	email = "carol@example.com"
	pw := "e2e-password-123"
	add := exec.Command(filepath.Join(bin, "rendezvous"), "user", "add", "--data", data, "--email", email, "--name", "Carol CSR", "--password-stdin")
	add.Stdin = strings.NewReader(pw + "\n")
	if out, err := add.CombinedOutput(); err != nil {
		t.Fatalf("user add: %v\n%s", err, out)
	}
	pwFile = filepath.Join(data, "pw")
	if err := os.WriteFile(pwFile, []byte(pw+"\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	s := startProc(t, "rendezvous", nil, filepath.Join(bin, "rendezvous"), "serve", "--data", data, "--listen", "127.0.0.1:0", "--turn-listen", "off")
	fingerprint = s.expect(`fingerprint: (\S+)`, 20*time.Second)[1]
	port := s.expect(`listening on https://localhost:(\d+)`, 20*time.Second)[1]
	return "https://127.0.0.1:" + port, fingerprint, email, pwFile
}

// supportSession starts a server, a headless console that starts a
// session, and an agent on display d that joins it as customer name.
func supportSession(t *testing.T, d *xvfbtest.Display, name string) (console, agent *proc) {
	t.Helper()
	bin := binaries(t)
	url, fp, email, pwFile := server(t, bin)
	console = startProc(t, "console", nil, filepath.Join(bin, "console"), "--headless", "--server", url, "--server-fingerprint", fp,
		"--email", email, "--password-file", pwFile, "--loopback-only")
	started := console.do("start")
	if !started.ok() || len(started.str("number")) != 9 {
		t.Fatalf("start: %v", started)
	}
	agent = startProc(t, "agent", d.Env(), filepath.Join(bin, "agent"), "--no-gui", "--server", url, "--server-fingerprint", fp,
		"--session", started.str("number"), "--name", name, "--display", d.Name, "--loopback-only")
	agent.expect(`^STATUS Connected to session`, 30*time.Second)
	if r := console.do("wait-customer 30"); !r.ok() {
		t.Fatalf("wait-customer: %v", r)
	}
	return console, agent
}

// grant has the console request an action and the customer answer it
// (y, n or a); it returns whether it was granted.
func grant(t *testing.T, console, agent *proc, action, answer string) bool {
	t.Helper()
	console.send("request " + action)
	agent.expect(`^REQUEST \S+ `+action+`:`, 20*time.Second)
	agent.send(answer)
	r := console.next(60 * time.Second)
	if !r.ok() {
		t.Fatalf("request %s: %v", action, r)
	}
	return r["granted"] == true
}
