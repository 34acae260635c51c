package e2e

import (
	"encoding/json"
	"os"
	"path/filepath"
	"testing"
	"time"

	"lifeline/shared/e2etest"
	"lifeline/shared/xvfbtest"
)

// TestMain removes the programs built for the run.
func TestMain(m *testing.M) {
	code := m.Run()
	e2etest.RemoveBinaries()
	os.Exit(code)
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
func next(p *e2etest.Proc, timeout time.Duration) reply {
	p.T.Helper()
	deadline := time.Now().Add(timeout)
	for {
		l := p.NextLine(time.Until(deadline))
		var r reply
		if json.Unmarshal([]byte(l), &r) == nil {
			if _, has := r["ok"]; has {
				return r
			}
		}
	}
}

// do sends a command to the headless console and waits for its reply.
func do(p *e2etest.Proc, cmd string) reply {
	p.T.Helper()
	p.Send(cmd)
	return next(p, 60*time.Second)
}

// supportSession starts a server, a headless console that starts a
// session, and an agent on display d that joins it as customer name.
func supportSession(t *testing.T, d *xvfbtest.Display, name string) (console, agent *e2etest.Proc) {
	t.Helper()
	console, agent, _ = supportSessionWith(t, d, name, nil)
	return console, agent
}

// supportSessionWith is supportSession with more of the agent's
// environment and flags; it also returns the server.
func supportSessionWith(t *testing.T, d *xvfbtest.Display, name string, env []string, args ...string) (console, agent *e2etest.Proc, srv *e2etest.Server) {
	t.Helper()
	bin := e2etest.Binaries(t)
	srv = e2etest.StartServer(t, bin)
	console = e2etest.Start(t, "console", nil, filepath.Join(bin, "console"), "--headless", "--server", srv.URL, "--server-fingerprint", srv.Fingerprint,
		"--email", srv.Email, "--password-file", srv.PasswordFile, "--loopback-only")
	started := do(console, "start")
	if !started.ok() || len(started.str("number")) != 9 {
		t.Fatalf("start: %v", started)
	}
	agent = e2etest.Start(t, "agent", append(d.Env(), env...), filepath.Join(bin, "agent"), append([]string{"--no-gui", "--server", srv.URL, "--server-fingerprint", srv.Fingerprint,
		"--session", started.str("number"), "--name", name, "--display", d.Name, "--loopback-only"}, args...)...)
	agent.Expect(`^STATUS Connected to session`, 30*time.Second)
	if r := do(console, "wait-customer 30"); !r.ok() {
		t.Fatalf("wait-customer: %v", r)
	}
	return console, agent, srv
}

// grant has the console request an action and the customer answer it
// (y, n or a); it returns whether it was granted.
func grant(t *testing.T, console, agent *e2etest.Proc, action, answer string) bool {
	t.Helper()
	console.Send("request " + action)
	agent.Expect(`^REQUEST \S+ `+action+`:`, 20*time.Second)
	agent.Send(answer)
	r := next(console, 60*time.Second)
	if !r.ok() {
		t.Fatalf("request %s: %v", action, r)
	}
	return r["granted"] == true
}
