package e2e

import (
	"fmt"
	"path/filepath"
	"regexp"
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

// queueCustomer starts an agent that asks for help in queue as name,
// and waits until it is shown its place, as in "next in line for Billing".
func queueCustomer(t *testing.T, bin string, srv *e2etest.Server, queue, name, problem, place string) *e2etest.Proc {
	t.Helper()
	a := e2etest.Start(t, name, []string{"DISPLAY="}, filepath.Join(bin, "agent"), "--no-gui", "--server", srv.URL,
		"--server-fingerprint", srv.Fingerprint, "--queue", queue, "--name", name, "--email", strings.ToLower(name)+"@example.com",
		"--problem", problem, "--loopback-only")
	a.Expect(`^STATUS You are `+regexp.QuoteMeta(place)+`\.`, 30*time.Second)
	return a
}

// acceptNext has console accept the next customer of queue, who must be
// want, and waits until they are in the session: their agent says so, and
// so does the console's wait-customer. It returns the accept's reply.
func acceptNext(t *testing.T, console *e2etest.Proc, queue, want string, customer *e2etest.Proc) reply {
	t.Helper()
	r := do(console, "queue accept "+queue)
	if !r.ok() || r.str("customer") != want {
		t.Fatalf("accept from %s: %v; want %s", queue, r, want)
	}
	customer.Expect(`^STATUS Connected to session`, 30*time.Second)
	if w := do(console, "wait-customer 30"); !w.ok() || w.str("name") != want {
		t.Fatalf("wait-customer: %v; want %s", w, want)
	}
	return r
}

// names are the customers' names in a queue list reply, in order.
func names(r reply, queue string) []string {
	var out []string
	ws, _ := queueOf(r, queue)["waiting"].([]any)
	for _, w := range ws {
		wm, _ := w.(map[string]any)
		out = append(out, fmt.Sprint(wm["name"]))
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
		place := "next in line"
		if i > 0 {
			place = fmt.Sprintf("number %d in line", i+1)
		}
		customers[name] = queueCustomer(t, bin, srv, "printers", name, name+"'s printer is offline", place+" for Printer help")
	}
	if r := do(carol, "queue list"); !r.ok() || strings.Join(names(r, "printers"), ",") != "Ann,Bob,Cid" {
		t.Fatalf("queue list: %v", r)
	}

	// Ann first: her session starts with her in it.
	if r := acceptNext(t, carol, "printers", "Ann", customers["Ann"]); r.str("problem") != "Ann's printer is offline" {
		t.Fatalf("accept: %v", r)
	}
	// Bob and Cid moved up.
	customers["Bob"].Expect(`^STATUS You are next in line`, 30*time.Second)
	if r := do(carol, "end Printer back online"); !r.ok() {
		t.Fatalf("end: %v", r)
	}
	customers["Ann"].Expect(`^ENDED`, 30*time.Second)

	// Bob next, transferred with a message to the network queue, where
	// Dave takes his session over.
	acceptNext(t, carol, "printers", "Bob", customers["Bob"])
	if r := do(carol, "transfer-session network "+strings.Repeat("x", 346)); r.ok() {
		t.Fatalf("a message of 346 characters: %v", r)
	}
	if r := do(carol, "transfer-session network The printer is fine; his VPN drops."); !r.ok() {
		t.Fatalf("transfer: %v", r)
	}
	customers["Bob"].Expect(`^STATUS Carol CSR transferred your session to Network help`, 30*time.Second)
	r := do(dave, "queue accept network")
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
	acceptNext(t, carol, "printers", "Cid", customers["Cid"])
	if r := do(carol, "end"); !r.ok() {
		t.Fatalf("end: %v", r)
	}
	if r := do(carol, "queue accept printers"); r.ok() || !strings.Contains(r.str("error"), "Nobody is waiting") {
		t.Fatalf("an empty queue: %v", r)
	}
}
