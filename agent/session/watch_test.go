package session

import (
	"context"
	"encoding/json"
	"errors"
	"image"
	"image/color"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"lifeline/agent/consent"
	"lifeline/agent/stream"
	"lifeline/agent/stream/streamtest"
	"lifeline/shared/codec"
	"lifeline/shared/protocol"
	"lifeline/shared/transport"
)

// secondary is a second customer's agent in the fixture's session: Bob,
// who joins after Ann and so is a secondary customer. He has a screen of
// his own, which nobody asks to see until he is made primary.
type secondary struct {
	id     string
	ui     *scriptUI
	agent  *Agent
	screen *streamtest.Screen
	opens  atomic.Int32 // how often his own screen was opened
	done   chan error
}

func (f *fixture) addSecondary(answers []consent.Answer) *secondary {
	f.t.Helper()
	s := &secondary{ui: &scriptUI{answers: answers}, screen: streamtest.New(160, 100), done: make(chan error, 1)}
	var number string
	eventually(f.t, "Ann's agent knows the session", func() bool {
		number = f.agent.stateNow(f.t).Number
		return number != ""
	})
	cfg := Config{API: f.ts.Client(), Number: number, Name: "Bob", LoopbackOnly: true, Codec: codec.Options{},
		Screen: &Screen{
			Open: func(int) (stream.Source, error) {
				s.opens.Add(1)
				return s.screen, nil
			},
			Region: func(int) image.Rectangle { return s.screen.Bounds() },
		}}
	s.agent = New(cfg, s.ui)
	ctx, cancel := context.WithCancel(context.Background())
	f.t.Cleanup(cancel)
	go func() { s.done <- s.agent.Run(ctx) }()
	for s.id == "" {
		for _, p := range f.recv(protocol.TypeState).Msg.(*protocol.State).Participants {
			if p.Role == protocol.RoleSecondary && p.Connected && p.LeftAt == nil {
				s.id = p.ID
			}
		}
	}
	return s
}

// stateNow is the agent's latest State, read on its goroutine.
func (a *Agent) stateNow(t *testing.T) protocol.State {
	t.Helper()
	ch := make(chan protocol.State, 1)
	a.do(func() { ch <- a.state })
	select {
	case st := <-ch:
		return st
	case <-time.After(5 * time.Second):
		t.Fatal("the agent's loop did not answer")
		return protocol.State{}
	}
}

// watchEvents returns the EventWatch events shown so far.
func (u *scriptUI) watchEvents() []Event {
	u.mu.Lock()
	defer u.mu.Unlock()
	var out []Event
	for _, e := range u.events {
		if e.Kind == EventWatch {
			out = append(out, e)
		}
	}
	return out
}

// lastWatch waits until the newest EventWatch satisfies ok, and returns it.
func (u *scriptUI) lastWatch(t *testing.T, what string, ok func(Event) bool) Event {
	t.Helper()
	var got Event
	eventually(t, what, func() bool {
		evs := u.watchEvents()
		if len(evs) == 0 {
			return false
		}
		got = evs[len(evs)-1]
		return ok(got)
	})
	return got
}

func watching(e Event) bool { return e.Watch.Watching }

// currentWatch is the agent's open watch, read on its goroutine.
func (a *Agent) currentWatch(t *testing.T) *watch {
	t.Helper()
	ch := make(chan *watch, 1)
	a.do(func() { ch <- a.watch.cur })
	select {
	case w := <-ch:
		return w
	case <-time.After(5 * time.Second):
		t.Fatal("the agent's loop did not answer")
		return nil
	}
}

// shows reports whether the agent's picture of the shared screen is
// exactly want.
func shows(a *Agent, want *image.RGBA) bool {
	img, err := a.WatchSnapshot()
	return err == nil && equalImages(img, want)
}

func sendJSON(t *testing.T, ch *transport.Channel, v any) {
	t.Helper()
	b, _ := json.Marshal(v)
	if err := ch.Send(b); err != nil {
		t.Fatal(err)
	}
}

// The guide: "If you or a customer shares a desktop or application, all
// participants in the support session can view the shared software". A
// secondary customer's agent watches what the primary shares, read-only,
// until the CSR's Stop Sharing.
func TestSecondaryWatchesTheSharedScreen(t *testing.T) {
	f := start(t, []consent.Answer{consent.AllowOnce}, true)
	bob := f.addSecondary(nil)
	if _, err := bob.agent.WatchSnapshot(); !errors.Is(err, ErrNotWatching) {
		t.Fatalf("a picture before anyone shares: %v", err)
	}

	if !f.ask(protocol.ActionView) {
		t.Fatal("view denied")
	}
	ev := bob.ui.lastWatch(t, "Bob's agent shows Ann's screen", watching)
	if ev.Watch.Sharer != "Ann" || ev.Watch.Size != image.Pt(200, 130) {
		t.Fatalf("watch event %+v", *ev.Watch)
	}
	// Standard mode is lossless: Bob sees Ann's pixels exactly.
	eventually(t, "Bob's picture equals Ann's screen", func() bool { return shows(bob.agent, f.screen.Snapshot()) })
	f.screen.Paint(image.Rect(10, 10, 90, 40), color.RGBA{200, 30, 30, 255})
	eventually(t, "a change reaches Bob", func() bool { return shows(bob.agent, f.screen.Snapshot()) })
	// Ann is told that Bob sees her screen, as she is for Carol.
	eventually(t, "Ann's banner names Bob", func() bool {
		f.ui.mu.Lock()
		defer f.ui.mu.Unlock()
		for _, e := range f.ui.events {
			if e.Kind == EventSharing && strings.Contains(strings.Join(e.Viewers, ","), "Bob") {
				return true
			}
		}
		return false
	})

	// Bob's connection carries nothing that changes Ann's computer or
	// the picture: input is refused by Ann's agent, options ignored.
	w := bob.agent.currentWatch(t)
	if w == nil {
		t.Fatal("no watch")
	}
	sendJSON(t, w.peer.Channel(transport.LabelInput), transport.Input{Kind: transport.InputClick, X: 5, Y: 5, Button: "left"})
	sendJSON(t, w.ctl, transport.Control{Type: transport.ControlOptions, Mode: "sampling", Colors: "256"})
	time.Sleep(200 * time.Millisecond)
	// A 256-colour picture could not equal the gradient of Ann's screen.
	f.screen.Paint(image.Rect(100, 50, 180, 120), color.RGBA{10, 120, 250, 255})
	eventually(t, "the next change still arrives exactly", func() bool { return shows(bob.agent, f.screen.Snapshot()) })
	if n := f.inj.count(); n != 0 {
		t.Fatalf("%d input events from a secondary customer applied", n)
	}
	if n := bob.opens.Load(); n != 0 {
		t.Fatalf("Bob's own screen opened %d times", n)
	}

	// The CSR's Stop Sharing ends Bob's watching with the reason.
	if _, err := f.csr.Request(context.Background(), f.sid, &protocol.StopSharing{}); err != nil {
		t.Fatal(err)
	}
	ev = bob.ui.lastWatch(t, "watching stops", func(e Event) bool { return !e.Watch.Watching })
	if ev.Watch.Sharer != "" || !strings.Contains(ev.Text, "Carol stopped sharing") {
		t.Fatalf("stop event %+v %q", *ev.Watch, ev.Text)
	}
	if _, err := bob.agent.WatchSnapshot(); !errors.Is(err, ErrNotWatching) {
		t.Fatalf("a picture after sharing stopped: %v", err)
	}
	select {
	case <-f.screen.Closed():
	case <-time.After(5 * time.Second):
		t.Fatal("Ann's screen still captured after Stop Sharing")
	}
	// The reason is told once: in the watch event, not again as a notice.
	bob.ui.mu.Lock()
	for _, e := range bob.ui.events {
		if e.Kind == EventNotice && strings.Contains(e.Text, "stopped sharing") {
			t.Errorf("the reason shown twice: notice %q", e.Text)
		}
	}
	bob.ui.mu.Unlock()
}

// The customer closes the picture for themselves and opens it again while
// the sharing lasts; the others keep watching meanwhile.
func TestSecondaryClosesAndReopens(t *testing.T) {
	f := start(t, []consent.Answer{consent.AllowOnce}, true)
	bob := f.addSecondary(nil)
	if !f.ask(protocol.ActionView) {
		t.Fatal("view denied")
	}
	bob.ui.lastWatch(t, "watching", watching)

	bob.agent.StopWatching()
	ev := bob.ui.lastWatch(t, "closed", func(e Event) bool { return !e.Watch.Watching })
	if ev.Watch.Sharer != "Ann" || ev.Text != "" {
		t.Fatalf("closing: %+v %q; want Ann's sharing still offered, nothing to explain", *ev.Watch, ev.Text)
	}
	if _, err := bob.agent.WatchSnapshot(); !errors.Is(err, ErrNotWatching) {
		t.Fatalf("a picture after closing: %v", err)
	}
	// Ann's agent drops Bob's connection; the sharing goes on.
	eventually(t, "Ann's banner without Bob", func() bool {
		f.ui.mu.Lock()
		defer f.ui.mu.Unlock()
		for i := len(f.ui.events) - 1; i >= 0; i-- {
			if e := f.ui.events[i]; e.Kind == EventSharing {
				return len(e.Viewers) == 0 // Carol never connected: nobody views now
			}
		}
		return false
	})
	time.Sleep(300 * time.Millisecond)
	if evs := bob.ui.watchEvents(); evs[len(evs)-1].Watch.Watching {
		t.Fatal("opened again by itself after the customer closed it")
	}

	f.screen.Paint(image.Rect(0, 0, 50, 50), color.RGBA{0, 200, 0, 255})
	bob.agent.Watch()
	bob.ui.lastWatch(t, "watching again", watching)
	eventually(t, "the current picture", func() bool { return shows(bob.agent, f.screen.Snapshot()) })

	// Closed and opened again at once: Ann's agent may still hold the
	// connection just closed when the new offer comes.
	bob.agent.StopWatching()
	bob.agent.Watch()
	bob.ui.lastWatch(t, "closed", func(e Event) bool { return !e.Watch.Watching })
	bob.ui.lastWatch(t, "watching at once again", watching)
	// Ann's agent stopped capturing when Bob, its only viewer, went, and
	// opened the screen again for him; streamtest.Screen reports what
	// changed since its last capture, not since it was opened, so the new
	// capture finds the picture once something changes.
	f.screen.Paint(image.Rect(60, 60, 70, 70), color.RGBA{255, 255, 0, 255})
	eventually(t, "the picture again", func() bool { return shows(bob.agent, f.screen.Snapshot()) })
}

// Make primary: every sharing activity ends, the secondary customer who
// watched becomes the one who may share, and the former primary customer
// is the one who watches.
func TestMakePrimaryEndsWatching(t *testing.T) {
	f := start(t, []consent.Answer{consent.AllowOnce}, true)
	bob := f.addSecondary([]consent.Answer{consent.AllowOnce})
	if !f.ask(protocol.ActionView) {
		t.Fatal("view denied")
	}
	bob.ui.lastWatch(t, "Bob watches", watching)

	if _, err := f.csr.Request(context.Background(), f.sid, &protocol.MakePrimary{Participant: bob.id}); err != nil {
		t.Fatal(err)
	}
	ev := bob.ui.lastWatch(t, "Bob's watching stops", func(e Event) bool { return !e.Watch.Watching })
	if ev.Watch.Sharer != "" || !strings.Contains(ev.Text, "Bob is now the primary customer") {
		t.Fatalf("stop event %+v %q", *ev.Watch, ev.Text)
	}
	select {
	case <-f.screen.Closed():
	case <-time.After(5 * time.Second):
		t.Fatal("Ann's screen still captured after make primary")
	}
	if w := bob.agent.currentWatch(t); w != nil {
		t.Fatal("Bob, now primary, still has a screen connection to Ann")
	}

	// Bob shares now; Ann, secondary, watches him.
	f.cust = bob.id
	if !f.ask(protocol.ActionView) {
		t.Fatal("Bob denied the view")
	}
	ev = f.ui.lastWatch(t, "Ann watches Bob", watching)
	if ev.Watch.Sharer != "Bob" || ev.Watch.Size != image.Pt(160, 100) {
		t.Fatalf("Ann's watch event %+v", *ev.Watch)
	}
	eventually(t, "Ann sees Bob's screen", func() bool { return shows(f.agent, bob.screen.Snapshot()) })
	if w := bob.agent.currentWatch(t); w != nil {
		t.Fatal("the primary customer watches")
	}

	// Ann leaves: her agent's watching ends with it.
	f.agent.Leave()
	ev = f.ui.lastWatch(t, "Ann's watching ends", func(e Event) bool { return !e.Watch.Watching })
	if ev.Watch.Sharer != "" {
		t.Fatalf("after leaving: %+v", *ev.Watch)
	}
	select {
	case err := <-f.done:
		if err != nil {
			t.Fatal(err)
		}
	case <-time.After(5 * time.Second):
		t.Fatal("Run did not return after Leave")
	}
}
