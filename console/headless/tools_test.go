package headless

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"lifeline/agent/consent"
	"lifeline/agent/session"
	"lifeline/console/internal/testcustomer"
	"lifeline/shared/client"
	"lifeline/shared/rendezvoustest"
)

// The customer-computer commands through the shell, against a real agent:
// system information to a file, the advanced file transfer operations, a
// publish and download, a script run from the library, and a reboot after
// which the customer is back.
func TestHeadlessTools(t *testing.T) {
	ts := rendezvoustest.New(t, rendezvoustest.Options{})
	ts.AddUser(t, "carol@example.com", "Carol CSR", "csr", "carol-password-1")
	ctrl := loggedIn(t, ts, "carol@example.com", "carol-password-1")
	for _, sc := range []client.NewScript{
		{Name: "Disk usage", ScriptName: "du.sh", Script: []byte("echo used: $(wc -c < \"$LIFELINE_INPUT\")\n"), InputName: "in.txt", Input: []byte("12345")},
		{Name: "Broken", ScriptName: "broken.sh", Script: []byte("echo nope >&2; exit 7\n")},
	} {
		if _, err := ctrl.API().CreateScript(ctxT(t), sc); err != nil {
			t.Fatal(err)
		}
	}
	h := startShell(t, ctrl)
	h.event("ready", nil)
	dir := t.TempDir()
	number := h.ok("start")["number"].(string)
	cust := testcustomer.Join(t, ts, number)
	h.ok("wait-customer")

	// System information: refused, then allowed and written.
	h.fail("sysinfo "+filepath.Join(dir, "pc.txt"), "did not allow")
	cust.Answer(consent.AllowOnce)
	r := h.ok("sysinfo " + filepath.Join(dir, "pc.txt"))
	if cats := r["categories"].([]any); len(cats) != 2 {
		t.Fatalf("categories %v", cats)
	}
	host, _ := os.Hostname()
	if b, err := os.ReadFile(filepath.Join(dir, "pc.txt")); err != nil || !strings.Contains(string(b), host) {
		t.Fatalf("the saved report: %v", err)
	}

	// Advanced file transfer: asked once, then every operation.
	cust.Answer(consent.AllowOnce)
	h.ok("files mkdir incoming")
	data := bytes.Repeat([]byte("0123456789"), 300_000)
	must(t, os.WriteFile(filepath.Join(dir, "my file.bin"), data, 0o644))
	r = h.ok(`files put "` + filepath.Join(dir, "my file.bin") + `" incoming`)
	if num(r, "files") != 1 || num(r, "bytes") != float64(len(data)) {
		t.Fatalf("put: %v", r)
	}
	ls := h.ok("files ls incoming")
	if e := ls["entries"].([]any); len(e) != 1 || e[0].(map[string]any)["name"] != "my file.bin" {
		t.Fatalf("ls: %v", ls)
	}
	h.ok(`files rename "incoming/my file.bin" copy.bin`)
	back := t.TempDir()
	h.ok("files get incoming/copy.bin " + back)
	if b, err := os.ReadFile(filepath.Join(back, "copy.bin")); err != nil || !bytes.Equal(b, data) {
		t.Fatalf("fetched back: %v", err)
	}
	h.event("file_transfer", func(m map[string]any) bool { return m["direction"] == "from_customer" && m["status"] == "done" })
	h.fail("files put "+filepath.Join(dir, "pc.txt")+" ../elsewhere", "out of the chosen folder")
	h.fail("files ls missing", "does not exist")
	h.ok("files rm incoming")
	if _, err := os.Stat(filepath.Join(cust.Home, "incoming")); !os.IsNotExist(err) {
		t.Fatalf("removed folder: %v", err)
	}

	// Basic transfer: published, seen and downloaded by the customer.
	r = h.ok("files publish " + filepath.Join(dir, "pc.txt"))
	if p := r["published"].([]any); len(p) != 1 {
		t.Fatalf("published %v", r)
	}
	cust.WaitShown(t, "the published list", func(e session.Event) bool { return e.Kind == session.EventFiles && len(e.Files) == 1 })
	dl := t.TempDir()
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	if _, err := cust.Agent.Download(ctx, []string{"pc.txt"}, dl, nil); err != nil {
		t.Fatal(err)
	}
	r = h.ok("files close")
	if c := r["closed"].([]any); len(c) != 2 {
		t.Fatalf("closed %v", r)
	}
	cust.WaitShown(t, "the list closed", func(e session.Event) bool { return e.Kind == session.EventFiles && e.Files == nil })

	// Scripts from the library, by name, with their output and outcome.
	h.fail("scripts run Nonexistent", "no script named")
	cust.Answer(consent.AllowOnce)
	r = h.ok(`scripts run "Disk usage" Broken`)
	res := r["results"].([]any)
	if len(res) != 2 {
		t.Fatalf("results %v", r)
	}
	first, second := res[0].(map[string]any), res[1].(map[string]any)
	if first["status"] != "ok" || first["output"] != "used: 5\n" || second["status"] != "failed" || num(second, "exit_code") != 7 || second["output"] != "nope\n" {
		t.Fatalf("results %v", res)
	}
	h.event("script_result", func(m map[string]any) bool { return m["name"] == "Broken" && num(m, "exit_code") == 7 })

	// Reboot: the reply comes once the customer is back.
	cust.Answer(consent.AllowOnce)
	done := make(chan map[string]any, 1)
	go func() { done <- h.do("reboot 60") }()
	var tokens []string
	for deadline := time.Now().Add(20 * time.Second); len(tokens) == 0 && time.Now().Before(deadline); time.Sleep(50 * time.Millisecond) {
		tokens = cust.Reboots()
	}
	if len(tokens) != 1 {
		t.Fatalf("the agent did not reboot: %v", tokens)
	}
	h.event("presence", func(m map[string]any) bool { return m["restarting"] == true })
	api := client.New(ts.URL, ts.TLS)
	j, err := api.Resume(ctx, tokens[0])
	must(t, err)
	again := testcustomer.New()
	again.Agent = session.New(session.Config{API: api, Token: j.Token, Rejoined: true, LoopbackOnly: true}, again)
	actx, acancel := context.WithCancel(context.Background())
	stopped := make(chan struct{})
	go func() { defer close(stopped); _ = again.Agent.Run(actx) }()
	t.Cleanup(func() { acancel(); <-stopped })
	select {
	case r := <-done:
		if r["ok"] != true || r["rejoined"] != true {
			t.Fatalf("reboot: %v", r)
		}
	case <-time.After(30 * time.Second):
		t.Fatal("no reply to reboot after the customer rejoined")
	}
}

func must(t *testing.T, err error) {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
}

// A customer waiting in a queue is listed and taken with queue accept;
// the session is then transferred to a colleague with a message.
func TestHeadlessQueue(t *testing.T) {
	ts := rendezvoustest.New(t, rendezvoustest.Options{})
	ts.AddUser(t, "carol@example.com", "Carol CSR", "csr", "carol-password-1")
	ts.AddUser(t, "dave@example.com", "Dave CSR", "csr", "dave-password-1")
	ts.AddQueue(t, "printers", "Printer help", "carol@example.com")
	h := shellFor(t, ts, "carol@example.com", "carol-password-1")
	cust, joined := testcustomer.JoinQueue(t, ts, "printers", "Ann")
	cust.WaitShown(t, "her place", func(e session.Event) bool { return strings.Contains(e.Text, "next in line") })
	r := h.ok("queue list")
	q := r["queues"].([]any)[0].(map[string]any)
	if w := q["waiting"].([]any); q["queue"] != "printers" || len(w) != 1 || w[0].(map[string]any)["name"] != "Ann" {
		t.Fatalf("queue list: %v", r)
	}
	r = h.ok("queue accept printers")
	if r["customer"] != "Ann" || len(r["number"].(string)) != 9 {
		t.Fatalf("accept: %v", r)
	}
	if err := <-joined; err != nil {
		t.Fatal(err)
	}
	h.ok("wait-customer 10")
	h.fail("queue accept printers", "still running")
	r = h.ok("transfer-session dave@example.com Printer fine; the VPN drops.")
	if r["offered_to"] == "" {
		t.Fatalf("transfer: %v", r)
	}
	cust.WaitShown(t, "the transfer", func(e session.Event) bool { return strings.Contains(e.Text, "transferred your session to Dave CSR") })
	h.fail("chat hello", "ended")
}
