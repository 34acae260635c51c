package e2e

import (
	"fmt"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"lifeline/shared/e2etest"
)

// headless starts a headless console logged in as email.
func headless(t *testing.T, bin string, srv *e2etest.Server, name, email, passwordFile string) *e2etest.Proc {
	t.Helper()
	return e2etest.Start(t, name, nil, filepath.Join(bin, "console"), "--headless", "--server", srv.URL, "--server-fingerprint", srv.Fingerprint,
		"--email", email, "--password-file", passwordFile, "--loopback-only")
}

// names are the customers' names in a queue list reply, in order.
func names(r reply, queue string) []string {
	var out []string
	qs, _ := r["queues"].([]any)
	for _, q := range qs {
		qm, _ := q.(map[string]any)
		if qm["queue"] != queue {
			continue
		}
		ws, _ := qm["waiting"].([]any)
		for _, w := range ws {
			wm, _ := w.(map[string]any)
			out = append(out, fmt.Sprint(wm["name"]))
		}
	}
	return out
}

// A support queue with the real programs: three customers start the
// agent in the queue and wait, shown their place; the CSR's headless
// console lists them in order and accepts them one after another, each
// joining the session the CSR starts; the second is transferred with a
// message to another queue, where a colleague takes the session over; an
// empty queue is refused.
func TestQueueEndToEnd(t *testing.T) {
	bin := e2etest.Binaries(t)
	srv := e2etest.StartServer(t, bin)
	srv.Admin(t, "queue", "add", "--data", "DATA", "--display-name", "Printer help", "printers")
	srv.Admin(t, "queue", "add", "--data", "DATA", "--display-name", "Network help", "network")
	srv.Admin(t, "queue", "member", "add", "--data", "DATA", "printers", srv.Email)
	davePW := srv.AddCSR(t, "dave@example.com", "Dave CSR")
	srv.Admin(t, "queue", "member", "add", "--data", "DATA", "network", "dave@example.com")

	carol := headless(t, bin, srv, "carol's console", srv.Email, srv.PasswordFile)
	dave := headless(t, bin, srv, "dave's console", "dave@example.com", davePW)

	customers := map[string]*e2etest.Proc{}
	for i, name := range []string{"Ann", "Bob", "Cid"} {
		a := e2etest.Start(t, name, []string{"DISPLAY="}, filepath.Join(bin, "agent"), "--no-gui", "--server", srv.URL,
			"--server-fingerprint", srv.Fingerprint, "--queue", "printers", "--name", name, "--email", strings.ToLower(name)+"@example.com",
			"--problem", name+"'s printer is offline", "--loopback-only")
		place := "next in line"
		if i > 0 {
			place = fmt.Sprintf("number %d in line", i+1)
		}
		a.Expect(`^STATUS You are `+place+` for Printer help\.`, 30*time.Second)
		customers[name] = a
	}
	if r := do(carol, "queue list"); !r.ok() || strings.Join(names(r, "printers"), ",") != "Ann,Bob,Cid" {
		t.Fatalf("queue list: %v", r)
	}

	// Ann first: her session starts with her in it.
	r := do(carol, "queue accept printers")
	if !r.ok() || r.str("customer") != "Ann" || r.str("problem") != "Ann's printer is offline" {
		t.Fatalf("accept: %v", r)
	}
	customers["Ann"].Expect(`^STATUS Connected to session`, 30*time.Second)
	if r := do(carol, "wait-customer 30"); !r.ok() || r.str("name") != "Ann" {
		t.Fatalf("wait-customer: %v", r)
	}
	// Bob and Cid moved up.
	customers["Bob"].Expect(`^STATUS You are next in line`, 30*time.Second)
	if r := do(carol, "end Printer back online"); !r.ok() {
		t.Fatalf("end: %v", r)
	}
	customers["Ann"].Expect(`^ENDED`, 30*time.Second)

	// Bob next, transferred with a message to the network queue, where
	// Dave takes his session over.
	if r := do(carol, "queue accept printers"); !r.ok() || r.str("customer") != "Bob" {
		t.Fatalf("accept: %v", r)
	}
	customers["Bob"].Expect(`^STATUS Connected to session`, 30*time.Second)
	if r := do(carol, "wait-customer 30"); !r.ok() {
		t.Fatalf("wait-customer: %v", r)
	}
	if r := do(carol, "transfer-session network "+strings.Repeat("x", 346)); r.ok() {
		t.Fatalf("a message of 346 characters: %v", r)
	}
	if r := do(carol, "transfer-session network The printer is fine; his VPN drops."); !r.ok() {
		t.Fatalf("transfer: %v", r)
	}
	customers["Bob"].Expect(`^STATUS Carol CSR transferred your session to Network help`, 30*time.Second)
	r = do(dave, "queue accept network")
	if !r.ok() || r.str("customer") != "Bob" || r.str("message") != "The printer is fine; his VPN drops." || r.str("transferred_by") != "Carol CSR" {
		t.Fatalf("dave's accept: %v", r)
	}
	if r := do(dave, "wait-customer 30"); !r.ok() || r.str("name") != "Bob" {
		t.Fatalf("dave's customer: %v", r)
	}
	if r := do(dave, "end"); !r.ok() {
		t.Fatalf("dave's end: %v", r)
	}

	// Cid last; then the queue is empty.
	if r := do(carol, "queue accept printers"); !r.ok() || r.str("customer") != "Cid" {
		t.Fatalf("accept: %v", r)
	}
	customers["Cid"].Expect(`^STATUS Connected to session`, 30*time.Second)
	if r := do(carol, "end"); !r.ok() {
		t.Fatalf("end: %v", r)
	}
	if r := do(carol, "queue accept printers"); r.ok() || !strings.Contains(r.str("error"), "Nobody is waiting") {
		t.Fatalf("an empty queue: %v", r)
	}
}
