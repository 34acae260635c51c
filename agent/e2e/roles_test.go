package e2e

import (
	"path/filepath"
	"strings"
	"testing"
	"time"

	"lifeline/shared/e2etest"
	"lifeline/shared/xvfbtest"
)

// participantID finds a participant's id by name in a participants reply.
func participantID(t *testing.T, r reply, name string) string {
	t.Helper()
	ps, _ := r["participants"].([]any)
	for _, p := range ps {
		pm, _ := p.(map[string]any)
		if pm["name"] == name {
			id, _ := pm["participant_id"].(string)
			return id
		}
	}
	t.Fatalf("no %s among %v", name, r["participants"])
	return ""
}

// Two customers and two CSRs in one session with the real programs: the
// first customer is primary and shares; the assistant's console and the
// secondary customer's agent watch what is shared; the host makes the
// second customer primary (every sharing ends), then transfers control of
// the session to the assistant and leaves; the new host ends it.
func TestRolesEndToEnd(t *testing.T) {
	d := xvfbtest.Start(t, 800, 600)
	bin := e2etest.Binaries(t)
	srv := e2etest.StartServer(t, bin)
	davePW := srv.AddCSR(t, "dave@example.com", "Dave CSR")
	carol := headless(t, bin, srv, "carol's console", srv.Email, srv.PasswordFile)
	started := do(carol, "start")
	if !started.ok() {
		t.Fatalf("start: %v", started)
	}
	number := started.str("number")
	join := func(name string, env []string, args ...string) *e2etest.Proc {
		return e2etest.Start(t, name, env, filepath.Join(bin, "agent"), append([]string{"--no-gui", "--server", srv.URL,
			"--server-fingerprint", srv.Fingerprint, "--session", number, "--name", name, "--loopback-only"}, args...)...)
	}
	ann := join("Ann", d.Env(), "--display", d.Name)
	ann.Expect(`^STATUS Connected to session`, 30*time.Second)
	bob := join("Bob", []string{"DISPLAY="})
	bob.Expect(`^STATUS Connected to session`, 30*time.Second)
	dave := headless(t, bin, srv, "dave's console", "dave@example.com", davePW)
	if r := do(dave, "assist "+number); !r.ok() {
		t.Fatalf("assist: %v", r)
	}

	// Dave's reply comes when he is in; Carol's console hears of it a
	// moment later, with the next State.
	roles := func(people reply) string {
		return strings.Join([]string{roleOf(people, "Ann"), roleOf(people, "Bob"), roleOf(people, "Dave CSR")}, ",")
	}
	people := do(carol, "participants")
	for deadline := time.Now().Add(15 * time.Second); roles(people) != "primary_customer,secondary_customer,assistant" && time.Now().Before(deadline); {
		time.Sleep(100 * time.Millisecond)
		people = do(carol, "participants")
	}
	if roles(people) != "primary_customer,secondary_customer,assistant" {
		t.Fatalf("roles: %v", people)
	}
	bobID, daveID := participantID(t, people, "Bob"), participantID(t, people, "Dave CSR")

	// Ann shares with the host; the assistant and Bob watch.
	if !grant(t, carol, ann, "view", "y") {
		t.Fatal("view not granted")
	}
	if r := do(dave, "wait-frames 1 30"); !r.ok() {
		t.Fatalf("the assistant does not see the shared screen: %v", r)
	}
	if r := do(dave, "click 10 10"); r.ok() {
		t.Fatal("an assistant's click went through")
	}
	bob.Expect(`^WATCHING Ann's screen \(800×600\)`, 30*time.Second)

	// Make Bob primary: every sharing ends.
	if r := do(carol, "make-primary "+bobID); !r.ok() {
		t.Fatalf("make-primary: %v", r)
	}
	if r := do(dave, "wait-stopped 30"); !r.ok() {
		t.Fatalf("the assistant's view did not stop: %v", r)
	}
	bob.Expect(`^WATCHING stopped`, 30*time.Second)
	people = do(carol, "participants")
	if roleOf(people, "Bob") != "primary_customer" || roleOf(people, "Ann") != "secondary_customer" {
		t.Fatalf("after make-primary: %v", people)
	}

	// Hand the session to Dave; Carol may then only leave.
	if r := do(carol, "transfer-control "+daveID); !r.ok() {
		t.Fatalf("transfer-control: %v", r)
	}
	if r := do(carol, "end"); r.ok() {
		t.Fatal("the former host ended the session")
	}
	if r := do(carol, "leave"); !r.ok() {
		t.Fatalf("leave: %v", r)
	}
	if r := do(dave, "participants"); roleOf(r, "Dave CSR") != "csr" {
		t.Fatalf("Dave is not the host: %v", r)
	}
	if r := do(dave, "end Handed over and done"); !r.ok() {
		t.Fatalf("the new host's end: %v", r)
	}
	ann.Expect(`^ENDED`, 30*time.Second)
	bob.Expect(`^ENDED`, 30*time.Second)
}

func roleOf(r reply, name string) string {
	ps, _ := r["participants"].([]any)
	for _, p := range ps {
		pm, _ := p.(map[string]any)
		if pm["name"] == name && pm["left"] != true {
			role, _ := pm["role"].(string)
			return role
		}
	}
	return ""
}
