package controller

import (
	"context"
	"errors"
	"lifeline/shared/protocol"
	"slices"
	"sync"
	"testing"
	"time"

	"lifeline/console/internal/fakeagent"
	"lifeline/shared/rendezvoustest"
	"lifeline/shared/transport"
)

func ctxT(t *testing.T, d time.Duration) context.Context {
	ctx, cancel := context.WithTimeout(context.Background(), d)
	t.Cleanup(cancel)
	return ctx
}

// recorder collects the controller's events.
type recorder struct {
	mu      sync.Mutex
	events  []Event
	changed chan struct{}
}

func record(c *Controller) *recorder {
	r := &recorder{changed: make(chan struct{})}
	go func() {
		for ev := range c.Events() {
			r.mu.Lock()
			r.events = append(r.events, ev)
			close(r.changed)
			r.changed = make(chan struct{})
			r.mu.Unlock()
		}
	}()
	return r
}

func (r *recorder) wait(t *testing.T, what string, ok func(Event) bool) Event {
	t.Helper()
	deadline := time.After(20 * time.Second)
	for {
		r.mu.Lock()
		i := slices.IndexFunc(r.events, ok)
		var ev Event
		if i >= 0 {
			ev = r.events[i]
		}
		ch := r.changed
		r.mu.Unlock()
		if i >= 0 {
			return ev
		}
		select {
		case <-ch:
		case <-deadline:
			t.Fatalf("no %s event", what)
		}
	}
}

func kind(k EventKind) func(Event) bool { return func(ev Event) bool { return ev.Kind == k } }

// loggedIn starts a server with a CSR account and a controller logged in to it.
func loggedIn(t *testing.T, opts rendezvoustest.Options) (*Controller, *rendezvoustest.Server, *recorder) {
	t.Helper()
	ts := rendezvoustest.New(t, opts)
	ts.AddUser(t, "carol@example.com", "Carol CSR", "csr", "carol-password-1")
	c := New(Config{Server: ts.URL, TLS: ts.TLS, LoopbackOnly: true, ReadyTimeout: 20 * time.Second})
	t.Cleanup(func() { c.Close() })
	r := record(c)
	u, err := c.Login(ctxT(t, 20*time.Second), "carol@example.com", "carol-password-1")
	if err != nil {
		t.Fatalf("login: %v", err)
	}
	if u.Name != "Carol CSR" {
		t.Fatalf("user = %+v", u)
	}
	return c, ts, r
}

func TestLoginRefused(t *testing.T) {
	ts := rendezvoustest.New(t, rendezvoustest.Options{})
	c := New(Config{Server: ts.URL, TLS: ts.TLS})
	defer c.Close()
	_, err := c.Login(ctxT(t, 10*time.Second), "nobody@example.com", "wrong")
	if !IsCode(err, "invalid_credentials") {
		t.Fatalf("login error = %v, want invalid_credentials", err)
	}
	if _, err := c.StartSession(context.Background(), "", ""); !errors.Is(err, ErrNotLoggedIn) {
		t.Fatalf("start without login = %v", err)
	}
}

// A dropped control connection is restored within the grace period, and
// the session resumes after the last event seen: a chat line sent while
// the console was away arrives once.
func TestReconnectResumes(t *testing.T) {
	c, ts, rec := loggedIn(t, rendezvoustest.Options{})
	s, err := c.StartSession(ctxT(t, 10*time.Second), "", "")
	if err != nil {
		t.Fatal(err)
	}
	if len(s.Number()) != 9 || s.JoinURL() == "" {
		t.Fatalf("number %q join url %q", s.Number(), s.JoinURL())
	}
	// Asking before anyone joined is a refusal the user understands.
	if _, err := s.RequestView(ctxT(t, 5*time.Second)); !errors.Is(err, ErrNoCustomer) {
		t.Fatalf("request with no customer = %v", err)
	}
	agent := fakeagent.Join(t, ts, s.Number(), fakeagent.Options{Name: "Ann"})
	p, err := s.WaitCustomer(ctxT(t, 10*time.Second))
	if err != nil || p.ID != agent.ID || p.Name != "Ann" {
		t.Fatalf("customer = %+v, %v", p, err)
	}
	rec.wait(t, "joined", func(ev Event) bool { return ev.Kind == EventJoined && ev.Participant.ID == agent.ID })
	if err := agent.Chat("before the drop"); err != nil {
		t.Fatal(err)
	}
	rec.wait(t, "chat", func(ev Event) bool {
		return ev.Kind == EventChat && ev.Text == "before the drop" && ev.FromName == "Ann"
	})

	c.mu.Lock()
	conn := c.conn
	c.mu.Unlock()
	conn.CloseNow()
	rec.wait(t, "disconnected", kind(EventDisconnected))
	if err := agent.Chat("while away"); err != nil {
		t.Fatal(err)
	}
	rec.wait(t, "reconnected", kind(EventReconnected))
	rec.wait(t, "replayed chat", func(ev Event) bool { return ev.Kind == EventChat && ev.Text == "while away" })
	if err := s.Chat(ctxT(t, 10*time.Second), "", "back again"); err != nil {
		t.Fatalf("chat after reconnect: %v", err)
	}
	if err := agent.WaitChat(ctxT(t, 10*time.Second), "back again"); err != nil {
		t.Fatal(err)
	}
	rec.mu.Lock()
	n := 0
	for _, ev := range rec.events {
		if ev.Kind == EventChat && ev.Text == "before the drop" {
			n++
		}
	}
	rec.mu.Unlock()
	if n != 1 {
		t.Fatalf("the chat line before the drop arrived %d times", n)
	}
	if err := s.End(ctxT(t, 10*time.Second), "resumed fine"); err != nil {
		t.Fatal(err)
	}
	if err := s.Chat(context.Background(), "", "too late"); !errors.Is(err, ErrEnded) {
		t.Fatalf("chat after end = %v", err)
	}
}

// A stream ends when the customer stops sharing; a new grant opens a new
// one, which gets the options the CSR chose before and shows the screen
// again.
func TestSecondStreamAfterStop(t *testing.T) {
	c, ts, rec := loggedIn(t, rendezvoustest.Options{})
	s, err := c.StartSession(ctxT(t, 10*time.Second), "", "")
	if err != nil {
		t.Fatal(err)
	}
	agent := fakeagent.Join(t, ts, s.Number(), fakeagent.Options{Grant: true, Width: 200, Height: 120})
	if _, err := s.WaitCustomer(ctxT(t, 10*time.Second)); err != nil {
		t.Fatal(err)
	}
	if err := s.SetMode("sampling"); !errors.Is(err, ErrNotViewing) {
		t.Fatalf("options before viewing = %v", err)
	}
	if err := s.Click(1, 1, "left"); !errors.Is(err, ErrNotViewing) {
		t.Fatalf("click before viewing = %v", err)
	}
	granted, err := s.RequestView(ctxT(t, 10*time.Second))
	if err != nil || !granted {
		t.Fatalf("view: %v %v", granted, err)
	}
	if err := s.WaitFirstFrame(ctxT(t, 30*time.Second)); err != nil {
		t.Fatalf("first frame: %v", err)
	}
	ev := rec.wait(t, "screen", kind(EventScreen))
	if ev.Screen.Width != 200 || ev.Screen.Height != 120 || len(ev.Screen.Monitors) != 1 {
		t.Fatalf("screen = %+v", ev.Screen)
	}
	if err := s.Click(1, 1, "left"); !errors.Is(err, ErrNoControl) {
		t.Fatalf("click while only viewing = %v", err)
	}
	if err := s.SetColors("16bit"); err != nil {
		t.Fatal(err)
	}
	colors16 := func(c transport.Control) bool { return c.Type == transport.ControlOptions && c.Colors == "16bit" }
	if err := agent.WaitControl(ctxT(t, 10*time.Second), colors16); err != nil {
		t.Fatal(err)
	}
	if err := agent.StopSharing(); err != nil {
		t.Fatal(err)
	}
	if err := s.WaitStopped(ctxT(t, 10*time.Second)); err != nil {
		t.Fatal(err)
	}
	rec.wait(t, "stop_sharing", kind(EventStopSharing))
	if s.Live() || s.Stats().Live {
		t.Fatal("still live after stop_sharing")
	}
	before := s.Stats().Frames
	if err := s.WaitFrames(ctxT(t, 5*time.Second), before+1); !IsStreamStopped(err) {
		t.Fatalf("waiting for frames on a stopped stream = %v", err)
	}
	if img, _, err := s.Snapshot(); err != nil || img.Rect.Dx() != 200 {
		t.Fatalf("the last image is kept after the stream stopped: %v", err)
	}

	granted, err = s.RequestControl(ctxT(t, 10*time.Second))
	if err != nil || !granted {
		t.Fatalf("control: %v %v", granted, err)
	}
	if err := s.WaitFirstFrame(ctxT(t, 30*time.Second)); err != nil {
		t.Fatalf("first frame of the second stream: %v", err)
	}
	if agent.Streams() != 2 {
		t.Fatalf("agent accepted %d streams, want 2", agent.Streams())
	}
	// The colour option chosen during the first stream is sent again.
	if err := agent.WaitControls(ctxT(t, 10*time.Second), 2, colors16); err != nil {
		t.Fatalf("options not sent again on the second stream: %v", err)
	}
	if err := s.Move(10, 10); err != nil {
		t.Fatalf("move with control: %v", err)
	}
	if err := s.Click(500, 10, "left"); err == nil {
		t.Fatal("a click outside the screen was sent")
	}
	// The CSR closing the sharing window stops it too.
	if err := s.StopSharing(ctxT(t, 10*time.Second)); err != nil {
		t.Fatal(err)
	}
	if err := s.WaitStopped(ctxT(t, 10*time.Second)); err != nil {
		t.Fatal(err)
	}
	// The server's new state follows its stop_sharing event.
	if _, err := s.WaitState(ctxT(t, 10*time.Second), func(st protocol.State) bool { return st.Sharing == "" && st.Controller == "" }); err != nil {
		st := s.State()
		t.Fatalf("state after stop: sharing %q controller %q (%v)", st.Sharing, st.Controller, err)
	}
	if errs := agent.Errors(); len(errs) > 0 {
		t.Fatalf("agent: %v", errs)
	}
}
