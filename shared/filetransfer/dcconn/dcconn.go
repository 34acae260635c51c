// Package dcconn runs file transfers over a WebRTC data channel: it adapts
// a *webrtc.DataChannel, or a *transport.Channel, to filetransfer.Conn.
//
// Use one ordered, reliable channel per transfer (or one for a Client and
// Server pair); wrap it as soon as it exists, before it opens, so no
// message is missed:
//
//	dc, _ := pc.CreateDataChannel("files/1", nil) // ordered and reliable by default
//	conn := dcconn.New(dc)
//	dc.OnOpen(func() { go client.Put(ctx, plan, dest) })
//
// and on the other side, in OnDataChannel, dcconn.New(dc) then serve.
package dcconn

import (
	"context"
	"errors"
	"sync"

	"github.com/pion/webrtc/v4"
)

// Channel is what the adapter needs of a data channel; *webrtc.DataChannel
// and *transport.Channel have it.
type Channel interface {
	Send([]byte) error
	OnMessage(func(webrtc.DataChannelMessage))
	OnClose(func())
	Close() error
	BufferedAmount() uint64
	SetBufferedAmountLowThreshold(uint64)
	OnBufferedAmountLow(func())
}

// HighWater bounds what Send leaves queued in the data channel. All the
// channels of a peer connection share one SCTP association and one send
// queue, so file data queued there delays screen frames and input sent
// after it: Send waits while more than this is queued, like the screen
// channel's FrameSender.
const HighWater = 1 << 20

// MaxQueued bounds the bytes received and not yet read. An honest sender
// never has more than its window (4 MiB) plus a manifest in flight; a peer
// that floods past this is cut off rather than allowed to fill memory.
const MaxQueued = 32 << 20

// ErrClosed is returned once the channel has closed.
var ErrClosed = errors.New("dcconn: data channel closed")

// ErrFlooded is the reason a channel was cut off for exceeding MaxQueued.
var ErrFlooded = errors.New("dcconn: the other side sent more than it may have in flight")

// Conn is a filetransfer.Conn on a data channel.
type Conn struct {
	ch Channel

	mu      sync.Mutex
	queue   [][]byte
	queued  int
	err     error
	ready   chan struct{} // a token while queue is not empty
	drained chan struct{} // a token after the send buffer drained
	closed  chan struct{}
	once    sync.Once
}

// New wraps ch. It takes over ch's OnMessage and OnClose handlers.
func New(ch Channel) *Conn {
	c := &Conn{ch: ch, ready: make(chan struct{}, 1), drained: make(chan struct{}, 1), closed: make(chan struct{})}
	ch.OnMessage(c.deliver)
	ch.OnClose(func() { c.shut(ErrClosed) })
	ch.SetBufferedAmountLowThreshold(HighWater / 2)
	ch.OnBufferedAmountLow(func() {
		select {
		case c.drained <- struct{}{}:
		default:
		}
	})
	return c
}

// deliver runs on pion's read goroutine and never blocks it.
func (c *Conn) deliver(m webrtc.DataChannelMessage) {
	c.mu.Lock()
	if c.err != nil {
		c.mu.Unlock()
		return
	}
	if c.queued+len(m.Data) > MaxQueued {
		c.mu.Unlock()
		c.shut(ErrFlooded)
		c.ch.Close()
		return
	}
	// pion hands each message its own buffer; the copy keeps that true
	// for any other Channel.
	c.queue = append(c.queue, append([]byte(nil), m.Data...))
	c.queued += len(m.Data)
	c.mu.Unlock()
	select {
	case c.ready <- struct{}{}:
	default:
	}
}

func (c *Conn) shut(err error) {
	c.mu.Lock()
	if c.err == nil {
		c.err = err
	}
	c.mu.Unlock()
	c.once.Do(func() { close(c.closed) })
}

// Send sends one message, first waiting while more than HighWater is
// queued in the channel.
func (c *Conn) Send(b []byte) error {
	for {
		select {
		case <-c.closed:
			return c.reason()
		default:
		}
		if c.ch.BufferedAmount() <= HighWater {
			return c.ch.Send(b)
		}
		// The low-water event comes once the queue falls below half of
		// HighWater, so waiting for it never misses a wake-up.
		select {
		case <-c.drained:
		case <-c.closed:
		}
	}
}

// Recv returns the next message. Messages that arrived before the channel
// closed are still returned, in order; then the reason it closed.
func (c *Conn) Recv(ctx context.Context) ([]byte, error) {
	for {
		c.mu.Lock()
		if len(c.queue) > 0 {
			m := c.queue[0]
			c.queue[0] = nil
			c.queue = c.queue[1:]
			c.queued -= len(m)
			if len(c.queue) > 0 {
				select {
				case c.ready <- struct{}{}:
				default:
				}
			}
			c.mu.Unlock()
			return m, nil
		}
		c.mu.Unlock()
		select {
		case <-c.ready:
		case <-c.closed:
			c.mu.Lock()
			empty := len(c.queue) == 0
			c.mu.Unlock()
			if empty {
				return nil, c.reason()
			}
		case <-ctx.Done():
			return nil, ctx.Err()
		}
	}
}

func (c *Conn) reason() error {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.err
}

// Close closes the data channel.
func (c *Conn) Close() error {
	c.shut(ErrClosed)
	return c.ch.Close()
}

// Closed is closed once the channel has closed, on either side.
func (c *Conn) Closed() <-chan struct{} { return c.closed }
