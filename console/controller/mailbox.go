package controller

import "sync"

// mailbox is an unbounded FIFO with a wake-up channel. Producers never
// block, so the goroutine that reads the control connection never waits
// behind a busy session, and a session never waits behind a slow reader of
// events.
type mailbox[T any] struct {
	mu     sync.Mutex
	items  []T
	notify chan struct{} // capacity 1: "there is something to drain"
}

func newMailbox[T any]() *mailbox[T] {
	return &mailbox[T]{notify: make(chan struct{}, 1)}
}

func (m *mailbox[T]) push(v T) {
	m.mu.Lock()
	m.items = append(m.items, v)
	m.mu.Unlock()
	select {
	case m.notify <- struct{}{}:
	default:
	}
}

// drain takes everything queued, in order.
func (m *mailbox[T]) drain() []T {
	m.mu.Lock()
	defer m.mu.Unlock()
	items := m.items
	m.items = nil
	return items
}
