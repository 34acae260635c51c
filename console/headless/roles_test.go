package headless

import (
	"testing"

	"lifeline/console/controller"
	"lifeline/console/internal/fakeagent"
	"lifeline/shared/protocol"
	"lifeline/shared/rendezvoustest"
)

// loggedIn is a controller signed in to ts as the user, closed when the
// test ends.
func loggedIn(t *testing.T, ts *rendezvoustest.Server, email, password string) *controller.Controller {
	t.Helper()
	ctrl := controller.New(controller.Config{Server: ts.URL, TLS: ts.TLS, LoopbackOnly: true})
	t.Cleanup(func() { ctrl.Close() })
	if _, err := ctrl.Login(ctxT(t), email, password); err != nil {
		t.Fatal(err)
	}
	return ctrl
}

// shellFor is a shell run by a signed-in controller, past its ready event.
func shellFor(t *testing.T, ts *rendezvoustest.Server, email, password string) *harness {
	t.Helper()
	h := startShell(t, loggedIn(t, ts, email, password))
	h.event("ready", nil)
	return h
}

// roleIn finds a participant's role in a participants reply.
func roleIn(t *testing.T, reply map[string]any, id string) string {
	t.Helper()
	for _, p := range reply["participants"].([]any) {
		m := p.(map[string]any)
		if m["participant_id"] == id {
			return m["role"].(string)
		}
	}
	return ""
}

// Two shells in one session: assist by number, make primary, transfer
// control, leave.
func TestHeadlessRoles(t *testing.T) {
	ts := rendezvoustest.New(t, rendezvoustest.Options{})
	ts.AddUser(t, "carol@example.com", "Carol CSR", "csr", "carol-password-1")
	ts.AddUser(t, "dave@example.com", "Dave CSR", "csr", "dave-password-1")
	carol := shellFor(t, ts, "carol@example.com", "carol-password-1")
	dave := shellFor(t, ts, "dave@example.com", "dave-password-1")

	number := carol.ok("start")["number"].(string)
	ann := fakeagent.Join(t, ts, number, fakeagent.Options{Name: "Ann"})
	bob := fakeagent.Join(t, ts, number, fakeagent.Options{Name: "Bob"})
	carol.event("joined", func(m map[string]any) bool { return m["participant_id"] == bob.ID })

	dave.fail("assist 12345", "9 digits")
	dave.fail("leave", "no session")
	r := dave.ok("assist " + number[:3] + " " + number[3:6] + " " + number[6:])
	daveID := r["you"].(string)
	if r["number"] != number || daveID == "" {
		t.Fatalf("assist reply %v", r)
	}
	p := carol.ok("participants")
	if roleIn(t, p, daveID) != protocol.RoleAssistant || roleIn(t, p, bob.ID) != protocol.RoleSecondary {
		t.Fatalf("participants %v", p)
	}
	dave.fail("make-primary "+bob.ID, "support representative in control")
	carol.ok("make-primary " + bob.ID)
	carol.event("role", func(m map[string]any) bool {
		return m["participant_id"] == bob.ID && m["role"] == protocol.RolePrimary
	})
	if roleIn(t, carol.ok("participants"), ann.ID) != protocol.RoleSecondary {
		t.Fatal("the former primary is not secondary")
	}
	carol.ok("transfer-control " + daveID)
	dave.event("role", func(m map[string]any) bool { return m["participant_id"] == daveID && m["role"] == protocol.RoleCSR })
	carol.fail("end", "")
	carol.ok("leave")
	dave.ok("end handled by Dave")
}
