package controller

import (
	"errors"
	"image"
	"image/color"
	"testing"
	"time"

	"lifeline/agent/consent"
	"lifeline/agent/stream/streamtest"
	"lifeline/console/internal/fakeagent"
	"lifeline/console/internal/testcustomer"
	"lifeline/shared/protocol"
	"lifeline/shared/rendezvoustest"
)

func roleOf(st protocol.State, id string) string {
	for _, p := range st.Participants {
		if p.ID == id {
			return p.Role
		}
	}
	return ""
}

// Two CSRs and two customers in one session: a colleague assists by
// number, the host makes the second customer primary, hands the session
// to the assistant and may then only leave; the new host ends it.
func TestAssistMakePrimaryTransfer(t *testing.T) {
	host, ts, _ := loggedIn(t, rendezvoustest.Options{})
	ts.AddUser(t, "dave@example.com", "Dave CSR", "csr", "dave-password-1")
	s, err := host.StartSession(ctxT(t, 10*time.Second), "", "")
	if err != nil {
		t.Fatal(err)
	}
	ann := fakeagent.Join(t, ts, s.Number(), fakeagent.Options{Name: "Ann"})
	bob := fakeagent.Join(t, ts, s.Number(), fakeagent.Options{Name: "Bob"})
	if _, err := s.WaitState(ctxT(t, 10*time.Second), func(st protocol.State) bool {
		return roleOf(st, ann.ID) == protocol.RolePrimary && roleOf(st, bob.ID) == protocol.RoleSecondary
	}); err != nil {
		t.Fatalf("roles of the customers: %v", err)
	}

	dave := New(Config{Server: ts.URL, TLS: ts.TLS, LoopbackOnly: true})
	t.Cleanup(func() { dave.Close() })
	if _, err := dave.Login(ctxT(t, 10*time.Second), "dave@example.com", "dave-password-1"); err != nil {
		t.Fatal(err)
	}
	if _, err := dave.Assist(ctxT(t, 10*time.Second), "000 000 000"); err == nil {
		t.Fatalf("assisting an unknown number = %v", err)
	}
	spaced := s.Number()[:3] + " " + s.Number()[3:6] + " " + s.Number()[6:]
	ds, err := dave.Assist(ctxT(t, 10*time.Second), spaced)
	if err != nil {
		t.Fatalf("assist: %v", err)
	}
	dst := ds.State()
	if ds.ID() != s.ID() || roleOf(dst, dst.You) != protocol.RoleAssistant || IsHost(dst) {
		t.Fatalf("assistant's view: id %s you %s role %q", ds.ID(), dst.You, roleOf(dst, dst.You))
	}
	if !IsHost(s.State()) {
		t.Fatal("the host is not host")
	}

	// Only the host chooses the primary customer.
	if err := ds.MakePrimary(ctxT(t, 10*time.Second), bob.ID); err == nil {
		t.Fatal("an assistant made a customer primary")
	}
	if err := s.MakePrimary(ctxT(t, 10*time.Second), bob.ID); err != nil {
		t.Fatalf("make primary: %v", err)
	}
	if _, err := s.WaitState(ctxT(t, 10*time.Second), func(st protocol.State) bool {
		return roleOf(st, bob.ID) == protocol.RolePrimary && roleOf(st, ann.ID) == protocol.RoleSecondary
	}); err != nil {
		t.Fatalf("after make primary: %v", err)
	}
	if err := s.MakePrimary(ctxT(t, 10*time.Second), dst.You); err == nil {
		t.Fatal("a CSR was made primary customer")
	}

	if err := s.TransferControl(ctxT(t, 10*time.Second), dst.You); err != nil {
		t.Fatalf("transfer: %v", err)
	}
	if _, err := ds.WaitState(ctxT(t, 10*time.Second), IsHost); err != nil {
		t.Fatalf("the assistant did not become host: %v", err)
	}
	st, err := s.WaitState(ctxT(t, 10*time.Second), func(st protocol.State) bool { return !IsHost(st) })
	if err != nil || roleOf(st, st.You) != protocol.RoleAssistant {
		t.Fatalf("former host: %v", err)
	}
	if err := s.End(ctxT(t, 5*time.Second), ""); err == nil {
		t.Fatal("the CSR who transferred control ended the session")
	}
	if err := s.Leave(ctxT(t, 10*time.Second)); err != nil {
		t.Fatalf("leave: %v", err)
	}
	if err := ds.End(ctxT(t, 10*time.Second), "handled by Dave"); err != nil {
		t.Fatalf("new host ends: %v", err)
	}
}

// A saved token logs in again without the password; a token the server
// no longer accepts is refused so that the console asks for the password.
func TestResumeWithToken(t *testing.T) {
	c, ts, _ := loggedIn(t, rendezvoustest.Options{})
	token := c.Token()
	if token == "" {
		t.Fatal("no token after login")
	}
	again := New(Config{Server: ts.URL, TLS: ts.TLS, LoopbackOnly: true})
	t.Cleanup(func() { again.Close() })
	u, err := again.Resume(ctxT(t, 10*time.Second), token)
	if err != nil || u.Email != "carol@example.com" {
		t.Fatalf("resume: %+v %v", u, err)
	}
	if _, err := again.StartSession(ctxT(t, 10*time.Second), "", ""); err != nil {
		t.Fatalf("start after resume: %v", err)
	}
	if err := again.Logout(ctxT(t, 10*time.Second)); err != nil {
		t.Fatal(err)
	}
	third := New(Config{Server: ts.URL, TLS: ts.TLS})
	t.Cleanup(func() { third.Close() })
	if _, err := third.Resume(ctxT(t, 10*time.Second), token); !IsCode(err, "invalid_token") {
		t.Fatalf("resume after logout = %v", err)
	}
	if _, err := third.StartSession(ctxT(t, 5*time.Second), "", ""); !errors.Is(err, ErrNotLoggedIn) {
		t.Fatalf("start after refused resume = %v", err)
	}
}

// Everyone in a session sees what the customer shares: an assistant's
// console opens the screen by itself once the customer allowed the host
// to view, gets the same picture, cannot control, and can stop watching
// without stopping the host's view.
func TestAssistantObservesSharing(t *testing.T) {
	host, ts, _ := loggedIn(t, rendezvoustest.Options{})
	ts.AddUser(t, "dave@example.com", "Dave CSR", "csr", "dave-password-1")
	ctx := ctxT(t, 60*time.Second)
	s, err := host.StartSession(ctx, "", "")
	if err != nil {
		t.Fatal(err)
	}
	scr := streamtest.New(200, 120)
	cust := testcustomer.JoinWithScreen(t, ts, s.Number(), scr)
	if _, err := s.WaitCustomer(ctx); err != nil {
		t.Fatal(err)
	}
	dave := New(Config{Server: ts.URL, TLS: ts.TLS, LoopbackOnly: true, ReadyTimeout: 20 * time.Second})
	t.Cleanup(func() { dave.Close() })
	if _, err := dave.Login(ctx, "dave@example.com", "dave-password-1"); err != nil {
		t.Fatal(err)
	}
	ds, err := dave.Assist(ctx, s.Number())
	if err != nil {
		t.Fatal(err)
	}
	// Nothing to watch before the customer shares.
	if err := ds.Observe(ctx); err == nil {
		t.Fatal("observing without sharing worked")
	}

	cust.Answer(consent.AllowOnce)
	if ok, err := s.RequestView(ctx); err != nil || !ok {
		t.Fatalf("view: %v %v", ok, err)
	}
	for _, sess := range []*Session{s, ds} {
		if err := sess.WaitFirstFrame(ctx); err != nil {
			t.Fatalf("first frame: %v", err)
		}
	}
	same := func(sess *Session) bool {
		img, _, err := sess.Snapshot()
		return err == nil && string(img.Pix) == string(scr.Snapshot().Pix)
	}
	scr.Paint(image.Rect(10, 10, 90, 50), color.RGBA{200, 30, 30, 255})
	for deadline := time.Now().Add(10 * time.Second); !same(s) || !same(ds); time.Sleep(20 * time.Millisecond) {
		if time.Now().After(deadline) {
			t.Fatal("the host and the assistant do not both see the change")
		}
	}
	if err := ds.Click(5, 5, "left"); !errors.Is(err, ErrNoControl) {
		t.Fatalf("an observer's click: %v", err)
	}
	// The assistant stops watching; the host still sees.
	ds.StopObserving()
	if ds.Live() {
		t.Fatal("still live after StopObserving")
	}
	before := s.Stats().Frames
	scr.Paint(image.Rect(50, 50, 120, 100), color.RGBA{30, 200, 30, 255})
	if err := s.WaitFrames(ctx, before+1); err != nil {
		t.Fatalf("the host's view after the assistant left it: %v", err)
	}
	// And may watch again.
	if err := ds.Observe(ctx); err != nil {
		t.Fatal(err)
	}
	if err := ds.WaitFirstFrame(ctx); err != nil {
		t.Fatal(err)
	}
}
