package e2e

import (
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"lifeline/shared/e2etest"
)

// queueOf is one queue of a queue list reply.
func queueOf(r reply, queue string) reply {
	qs, _ := r["queues"].([]any)
	for _, q := range qs {
		if qm, _ := q.(map[string]any); qm["queue"] == queue {
			return qm
		}
	}
	return nil
}

// features are the features a status reply says the session has.
func features(r reply) []string {
	var out []string
	fs, _ := r["features"].([]any)
	for _, f := range fs {
		s, _ := f.(string)
		out = append(out, s)
	}
	return out
}

// A queue's own settings with the real programs: the administrator
// switches scripts and system information off for the Billing queue and
// keeps its CSRs to one session at a time, with `lifeline-rendezvous queue
// set` beside the running server, while the Printer help queue follows the
// site. Carol accepts from each with headless consoles: the Billing
// session offers neither feature and the server refuses system
// information with the queue's sentence; Billing refuses her a second
// session while she hosts one, and says so before she asks; the Printer
// help session reads the customer's system information. `queue set …
// site` brings system information back for the next Billing session.
func TestQueueSettingsEndToEnd(t *testing.T) {
	bin := e2etest.Binaries(t)
	srv := e2etest.StartServer(t, bin)
	srv.Admin(t, "queue", "add", "--data", "DATA", "--display-name", "Billing", "billing")
	srv.Admin(t, "queue", "add", "--data", "DATA", "--display-name", "Printer help", "printers")
	for _, q := range []string{"billing", "printers"} {
		srv.Admin(t, "queue", "member", "add", "--data", "DATA", q, srv.Email)
	}
	for _, kv := range [][2]string{{"scripts", "off"}, {"system-info", "off"}, {"session-mode", "single"}} {
		srv.Admin(t, "queue", "set", "--data", "DATA", "billing", kv[0], kv[1])
	}

	customers := map[string]*e2etest.Proc{}
	for _, c := range []struct{ name, queue, place string }{
		{"Ann", "billing", "next in line for Billing"},
		{"Bob", "printers", "next in line for Printer help"},
		{"Cid", "billing", "number 2 in line for Billing"},
	} {
		customers[c.name] = queueCustomer(t, bin, srv, c.queue, c.name, c.name+" needs help", c.place)
	}
	// Carol's two consoles: one hosts a Billing session, the other tries
	// to take more customers meanwhile.
	first := headless(t, bin, srv, "carol's first console", srv.Email, srv.PasswordFile)
	second := headless(t, bin, srv, "carol's second console", srv.Email, srv.PasswordFile)
	out := t.TempDir()

	r := do(first, "queue list")
	for _, q := range []string{"billing", "printers"} {
		if qr := queueOf(r, q); qr == nil || qr["can_accept"] != true {
			t.Fatalf("queue list before any session: %s: %v", q, r)
		}
	}

	// Billing: Ann's session has neither scripts nor system information,
	// and the server refuses the latter in the queue's words.
	acceptNext(t, first, "billing", "Ann", customers["Ann"])
	st := do(first, "status")
	if got := strings.Join(features(st), " "); st.str("queue") != "billing" || got != "file_transfer reboot recording" {
		t.Fatalf("the Billing session's status: queue %q, features %q", st.str("queue"), got)
	}
	if r := do(first, "sysinfo "+filepath.Join(out, "ann.txt")); r.ok() || r.str("error") != "Reading system information is switched off for the Billing queue." {
		t.Fatalf("sysinfo in the Billing session: %v", r)
	}

	// Billing works on one session at a time: Carol's other console is
	// told so on the board, and refused by the server though Cid waits.
	const single = "You already have a session open, and the Billing queue works on one session at a time. End it before starting another."
	if q := queueOf(do(second, "queue list"), "billing"); q == nil || q["can_accept"] != false || q["limit"] != single {
		t.Fatalf("the Billing queue while Carol hosts a session: %v", q)
	}
	if r := do(second, "queue accept billing"); r.ok() || r.str("error") != single {
		t.Fatalf("a second Billing session: %v", r)
	}

	// Printer help follows the site: a second session beside the first,
	// with every feature, and the customer's system information read.
	acceptNext(t, second, "printers", "Bob", customers["Bob"])
	st = do(second, "status")
	if got := strings.Join(features(st), " "); st.str("queue") != "printers" || got != "file_transfer scripts system_info reboot recording" {
		t.Fatalf("the Printer help session's status: queue %q, features %q", st.str("queue"), got)
	}
	sysinfo(t, second, customers["Bob"], filepath.Join(out, "bob.txt"))
	for _, c := range []*e2etest.Proc{first, second} {
		if r := do(c, "end"); !r.ok() {
			t.Fatalf("end: %v", r)
		}
	}

	// Billing follows the site's system information again: Cid's new
	// session has it (scripts stay off), and the customer is asked.
	srv.Admin(t, "queue", "set", "--data", "DATA", "billing", "system-info", "site")
	acceptNext(t, first, "billing", "Cid", customers["Cid"])
	st = do(first, "status")
	if fs := features(st); !slices.Contains(fs, "system_info") || slices.Contains(fs, "scripts") {
		t.Fatalf("Cid's Billing session's features: %v", fs)
	}
	sysinfo(t, first, customers["Cid"], filepath.Join(out, "cid.txt"))
	if r := do(first, "end"); !r.ok() {
		t.Fatalf("end: %v", r)
	}
}

// sysinfo has the console read the customer's system information into
// path, the customer allowing it, and checks the file has it.
func sysinfo(t *testing.T, console, agent *e2etest.Proc, path string) {
	t.Helper()
	r := ask(t, console, agent, "sysinfo "+path, "sysinfo")
	if !r.ok() {
		t.Fatalf("sysinfo: %v", r)
	}
	b, err := os.ReadFile(path)
	if err != nil || !strings.Contains(string(b), "Operating system") {
		t.Fatalf("the system information written to %s: %v\n%.300s", path, err, b)
	}
}
