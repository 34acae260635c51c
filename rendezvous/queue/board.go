package queue

import (
	"context"
	"sync"
	"time"
)

// Board is what the server keeps in memory about its queues, beside the
// database that holds the requests themselves:
//
//   - a version that every change of any queue moves on, so that clients
//     who long-poll (the console's queue view, a waiting customer's agent)
//     learn at once that something changed, and ask again;
//   - which waiting customers' agents are still there. An agent shows it
//     is by asking for its request's status, and keeps a long poll open;
//     when it has not asked for the grace period, the customer has gone
//     and Gone is called.
//
// The zero value is not usable; use NewBoard.
type Board struct {
	// grace is how long a customer's place is kept after its agent's last
	// poll ended.
	grace time.Duration
	gone  func(requestID string)

	mu      sync.Mutex
	version int64
	changed chan struct{} // closed and replaced at every change
	present map[string]*presence
	stopped bool
}

type presence struct {
	polls int         // long polls in progress
	timer *time.Timer // running while no poll is
}

// NewBoard returns a board whose customers are given up grace after their
// last poll; gone is then called, on a goroutine of its own, with the
// request's id.
//
// Versions start at the time the board is made, in milliseconds since
// 1970, and go up by one per change: a version a client kept from before
// the server restarted is behind the new ones (unless the old server made
// more than a change per millisecond), so its next poll is answered at
// once instead of waiting for the old number to come round again.
func NewBoard(grace time.Duration, gone func(requestID string)) *Board {
	return &Board{grace: grace, gone: gone, version: time.Now().UnixMilli(), changed: make(chan struct{}), present: map[string]*presence{}}
}

// Version is the number of the latest change.
func (b *Board) Version() int64 {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.version
}

// Changed records a change of some queue, and wakes everyone waiting.
func (b *Board) Changed() {
	b.mu.Lock()
	b.version++
	close(b.changed)
	b.changed = make(chan struct{})
	b.mu.Unlock()
}

// Wait returns when the version is past after, or after max, or when ctx
// ends, whichever comes first; it returns the version then. A client
// reads the version before the state it shows, and waits past it.
func (b *Board) Wait(ctx context.Context, after int64, max time.Duration) int64 {
	t := time.NewTimer(max)
	defer t.Stop()
	for {
		b.mu.Lock()
		v, ch := b.version, b.changed
		b.mu.Unlock()
		if v > after {
			return v
		}
		select {
		case <-ch:
		case <-t.C:
			return v
		case <-ctx.Done():
			return v
		}
	}
}

// Expect starts keeping the place of a waiting request whose agent must
// show up within first (a new request: the customer may still have to
// start the agent). Expecting a request again restarts its countdown.
func (b *Board) Expect(requestID string, first time.Duration) {
	b.mu.Lock()
	defer b.mu.Unlock()
	if b.stopped {
		return
	}
	p := b.present[requestID]
	if p == nil {
		p = &presence{}
		b.present[requestID] = p
	}
	if p.polls == 0 {
		b.countdown(requestID, p, first)
	}
}

// Hold marks a poll of the request's agent in progress: its place is kept
// however long the poll lasts. release ends the poll; the grace period
// starts once no poll of it is left. A request that is not expected (not
// waiting, or not known to the board) is not tracked.
func (b *Board) Hold(requestID string) (release func()) {
	b.mu.Lock()
	defer b.mu.Unlock()
	p := b.present[requestID]
	if p == nil || b.stopped {
		return func() {}
	}
	p.polls++
	if p.timer != nil {
		p.timer.Stop()
		p.timer = nil
	}
	var once sync.Once
	return func() {
		once.Do(func() {
			b.mu.Lock()
			defer b.mu.Unlock()
			p.polls--
			if p.polls == 0 && b.present[requestID] == p && !b.stopped {
				b.countdown(requestID, p, b.grace)
			}
		})
	}
}

// countdown (re)starts the time after which the request's customer has
// gone. b.mu is held.
func (b *Board) countdown(requestID string, p *presence, d time.Duration) {
	if p.timer != nil {
		p.timer.Stop()
	}
	var t *time.Timer
	t = time.AfterFunc(d, func() {
		b.mu.Lock()
		// Stale when the agent polled since, or the request was forgotten:
		// then this timer is not the request's any more.
		fire := b.present[requestID] == p && p.timer == t && p.polls == 0 && !b.stopped
		if fire {
			delete(b.present, requestID)
		}
		b.mu.Unlock()
		if fire {
			b.gone(requestID)
		}
	})
	p.timer = t
}

// Present reports whether the board keeps the place of a waiting request.
func (b *Board) Present(requestID string) bool {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.present[requestID] != nil
}

// Forget stops keeping a request's place: it is no longer waiting.
func (b *Board) Forget(requestID string) {
	b.mu.Lock()
	defer b.mu.Unlock()
	if p := b.present[requestID]; p != nil {
		if p.timer != nil {
			p.timer.Stop()
		}
		delete(b.present, requestID)
	}
}

// Stop stops every countdown, for a server that shuts down: nobody is
// given up while it is away, and the next start expects them all again.
func (b *Board) Stop() {
	b.mu.Lock()
	defer b.mu.Unlock()
	b.stopped = true
	for id, p := range b.present {
		if p.timer != nil {
			p.timer.Stop()
		}
		delete(b.present, id)
	}
}
