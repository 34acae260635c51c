package headless

import (
	"encoding/json"
	"reflect"
	"strings"
	"testing"

	"lifeline/agent/session"
	"lifeline/console/controller"
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
	login := func(email, password string) *controller.Controller {
		c := controller.New(controller.Config{Server: ts.URL, TLS: ts.TLS, LoopbackOnly: true})
		t.Cleanup(func() { c.Close() })
		if _, err := c.Login(ctxT(t), email, password); err != nil {
			t.Fatal(err)
		}
		return c
	}
	ctrl := login("carol@example.com", "carol-password-1")
	login("erin@example.com", "erin-password-1") // Erin's console is open
	h := startShell(t, ctrl)
	h.event("ready", nil)
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
