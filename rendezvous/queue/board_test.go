package queue

import (
	"context"
	"sync"
	"testing"
	"time"
)

// goneLog records the requests a board gave up, in order.
type goneLog struct {
	mu  sync.Mutex
	ids []string
	ch  chan string
}

func newGoneLog() *goneLog { return &goneLog{ch: make(chan string, 16)} }

func (g *goneLog) gone(id string) {
	g.mu.Lock()
	g.ids = append(g.ids, id)
	g.mu.Unlock()
	g.ch <- id
}

func (g *goneLog) list() []string {
	g.mu.Lock()
	defer g.mu.Unlock()
	return append([]string(nil), g.ids...)
}

func (g *goneLog) expect(t *testing.T, id string, within time.Duration) {
	t.Helper()
	select {
	case got := <-g.ch:
		if got != id {
			t.Fatalf("gone %q, want %q", got, id)
		}
	case <-time.After(within):
		t.Fatalf("%q was not given up within %v", id, within)
	}
}

func TestBoardWait(t *testing.T) {
	old := NewBoard(time.Hour, func(string) {})
	for range 5 {
		old.Changed()
	}
	time.Sleep(10 * time.Millisecond)
	b := NewBoard(time.Hour, func(string) {})
	v0 := b.Version()
	// A server that restarted: a client's version from before is behind.
	if v0 <= old.Version() {
		t.Fatalf("a new board starts at %d, not past the old one's %d", v0, old.Version())
	}
	start := time.Now()
	if v := b.Wait(t.Context(), old.Version(), time.Minute); v != v0 || time.Since(start) > time.Second {
		t.Fatalf("Wait past an old board's version = %d after %v", v, time.Since(start))
	}

	// Already past: no waiting.
	b.Changed()
	start = time.Now()
	if v := b.Wait(t.Context(), v0, time.Minute); v != v0+1 || time.Since(start) > time.Second {
		t.Fatalf("Wait past a change = %d after %v", v, time.Since(start))
	}

	// Nothing changes: back after max with the same version.
	if v := b.Wait(t.Context(), v0+1, 50*time.Millisecond); v != v0+1 {
		t.Fatalf("Wait with no change = %d", v)
	}

	// A change while waiting wakes every waiter at once.
	var wg sync.WaitGroup
	got := make([]int64, 3)
	for i := range got {
		wg.Add(1)
		go func() { defer wg.Done(); got[i] = b.Wait(context.Background(), v0+1, time.Minute) }()
	}
	time.Sleep(20 * time.Millisecond)
	start = time.Now()
	b.Changed()
	wg.Wait()
	if time.Since(start) > time.Second {
		t.Fatalf("waiters woke after %v", time.Since(start))
	}
	for i, v := range got {
		if v != v0+2 {
			t.Errorf("waiter %d saw version %d, want %d", i, v, v0+2)
		}
	}

	// A cancelled request stops waiting.
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if v := b.Wait(ctx, v0+2, time.Minute); v != v0+2 {
		t.Fatalf("Wait on a cancelled context = %d", v)
	}
}

func TestBoardPresence(t *testing.T) {
	const grace = 60 * time.Millisecond
	g := newGoneLog()
	b := NewBoard(grace, g.gone)

	// Expected but never polled: gone after the first countdown.
	b.Expect("never", 30*time.Millisecond)
	g.expect(t, "never", time.Second)
	if b.Present("never") {
		t.Error("a request given up is still present")
	}

	// A poll in progress keeps the place however long it lasts; the grace
	// starts when it ends.
	b.Expect("polls", 30*time.Millisecond)
	release := b.Hold("polls")
	time.Sleep(4 * grace)
	if !b.Present("polls") || len(g.list()) != 1 {
		t.Fatalf("given up during a poll: %v", g.list())
	}
	second := b.Hold("polls")
	release()
	release() // twice is once
	time.Sleep(2 * grace)
	if !b.Present("polls") {
		t.Fatal("given up while a second poll was still open")
	}
	second()
	ended := time.Now()
	g.expect(t, "polls", time.Second)
	if d := time.Since(ended); d < grace {
		t.Errorf("given up %v after the last poll ended, before the grace of %v", d, grace)
	}

	// Forgotten (accepted, say): never given up.
	b.Expect("accepted", 30*time.Millisecond)
	b.Forget("accepted")
	// Polls of a request the board does not keep change nothing.
	b.Hold("unknown")()
	time.Sleep(3 * grace)
	if got := g.list(); len(got) != 2 {
		t.Fatalf("gone %v, want only never and polls", got)
	}

	// Stop: nobody is given up any more.
	b.Expect("at shutdown", 30*time.Millisecond)
	b.Stop()
	b.Expect("after shutdown", 10*time.Millisecond)
	time.Sleep(3 * grace)
	if got := g.list(); len(got) != 2 {
		t.Fatalf("gone after Stop: %v", got)
	}
}
