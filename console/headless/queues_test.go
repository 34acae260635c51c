package headless

import (
	"encoding/json"
	"reflect"
	"strings"
	"testing"

	"lifeline/agent/session"
	"lifeline/console/internal/testcustomer"
	"lifeline/shared/rendezvoustest"
)

// transfer-targets lists every queue (its line, who serves it) and every
// colleague (online or not), with no session needed; a script then picks
// one for transfer-session.
func TestHeadlessTransferTargets(t *testing.T) {
	ts := rendezvoustest.New(t, rendezvoustest.Options{})
	ts.AddUser(t, "carol@example.com", "Carol CSR", "csr", "carol-password-1")
	ts.AddUser(t, "dave@example.com", "Dave CSR", "csr", "dave-password-1")
	ts.AddUser(t, "erin@example.com", "Erin CSR", "manager", "erin-password-1")
	ts.AddQueue(t, "printers", "Printer help", "carol@example.com")
	ts.AddQueue(t, "network", "Network help", "dave@example.com", "erin@example.com")
	h := shellFor(t, ts, "carol@example.com", "carol-password-1")
	loggedIn(t, ts, "erin@example.com", "erin-password-1") // Erin's console is open
	cust, _ := testcustomer.JoinQueue(t, ts, "network", "Ann")
	cust.WaitShown(t, "her place", func(e session.Event) bool { return strings.Contains(e.Text, "next in line") })

	r := h.ok("transfer-targets")
	// As JSON decodes it: numbers are float64.
	want := map[string]any{"ok": true,
		"queues": []any{
			map[string]any{"queue": "network", "name": "Network help", "waiting": 1.0, "members": 2.0, "members_online": 1.0, "you_serve": false},
			map[string]any{"queue": "printers", "name": "Printer help", "waiting": 0.0, "members": 1.0, "members_online": 1.0, "you_serve": true},
		},
		"csrs": []any{
			map[string]any{"email": "erin@example.com", "name": "Erin CSR", "online": true},
			map[string]any{"email": "dave@example.com", "name": "Dave CSR", "online": false},
		},
	}
	if !reflect.DeepEqual(r, want) {
		got, _ := json.Marshal(r)
		t.Fatalf("transfer-targets:\n%s", got)
	}
	h.fail("transfer-targets now", "takes at most 0 argument")
}

// queue accept gives the session's type and tracking code as Start
// Session asks for them: a queue that requires a tracking code refuses an
// Accept Next without one, in the server's sentence, and takes the
// customer with one; queue list says what each queue asks and whether
// Accept Next would start a session now.
func TestHeadlessQueueAcceptWithTrackingCode(t *testing.T) {
	ts := rendezvoustest.New(t, rendezvoustest.Options{})
	ts.AddUser(t, "carol@example.com", "Carol CSR", "csr", "carol-password-1")
	ts.AddQueue(t, "billing", "Billing", "carol@example.com")
	if _, err := ts.Store.AddSessionType(ctxT(t), "Remote install"); err != nil {
		t.Fatal(err)
	}
	for _, kv := range [][2]string{{"tracking_code", "required"}, {"session_mode", "single"}} {
		if err := ts.Store.SetQueueSetting(ctxT(t), "billing", kv[0], kv[1]); err != nil {
			t.Fatal(err)
		}
	}
	h := shellFor(t, ts, "carol@example.com", "carol-password-1")
	cust, joined := testcustomer.JoinQueue(t, ts, "billing", "Ann")
	cust.WaitShown(t, "her place", func(e session.Event) bool { return strings.Contains(e.Text, "next in line") })

	list := h.ok("queue list")
	qs, _ := list["queues"].([]any)
	if len(qs) != 1 {
		t.Fatalf("queue list: %v", list)
	}
	if q := qs[0].(map[string]any); q["tracking_code"] != "required" || q["can_accept"] != true || q["limit"] != nil {
		t.Fatalf("the billing queue: %v", q)
	}

	h.fail("queue accept billing", "Choose a session type: Remote install.")
	h.fail(`queue accept billing --type "Remote install"`, "Enter a tracking code: the Billing queue needs one for every session.")
	r := h.ok(`queue accept billing --type "remote install" --tracking-code CASE-42`)
	if r["customer"] != "Ann" {
		t.Fatalf("accept: %v", r)
	}
	if err := <-joined; err != nil {
		t.Fatalf("Ann did not join: %v", err)
	}
	sess, err := ts.Store.SessionByID(ctxT(t), r["session_id"].(string))
	if err != nil || sess.TrackingCode != "CASE-42" || sess.Type != "Remote install" {
		t.Fatalf("the session: %+v, %v", sess, err)
	}

	// Hosting it, the single-session queue says Accept Next is off, and why.
	q := h.ok("queue list")["queues"].([]any)[0].(map[string]any)
	if q["can_accept"] != false || q["limit"] != "You already have a session open, and the Billing queue works on one session at a time. End it before starting another." {
		t.Fatalf("the billing queue while hosting: %v", q)
	}
}

// TestHeadlessStartWithTrackingCode: start takes the session type and
// tracking code a site asks for, as queue accept does.
func TestHeadlessStartWithTrackingCode(t *testing.T) {
	ts := rendezvoustest.New(t, rendezvoustest.Options{})
	ts.AddUser(t, "carol@example.com", "Carol CSR", "csr", "carol-password-1")
	if err := ts.Store.SetSiteSetting(ctxT(t), "tracking_code", "required"); err != nil {
		t.Fatal(err)
	}
	h := shellFor(t, ts, "carol@example.com", "carol-password-1")
	h.fail("start", "Enter a tracking code: this site needs one for every session.")
	r := h.ok(`start --tracking-code "CASE 9"`)
	sess, err := ts.Store.SessionByID(ctxT(t), r["session_id"].(string))
	if err != nil || sess.TrackingCode != "CASE 9" {
		t.Fatalf("the session: %+v, %v", sess, err)
	}
}
