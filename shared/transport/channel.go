package transport

import (
	"sync"

	"github.com/pion/webrtc/v4"
)

// maxEarly bounds the messages kept for a channel whose handler is not set
// yet; a peer that floods a channel nobody listens to loses the excess.
const maxEarly = 4096

// Channel is an open data channel. Its OnMessage delivers, in order, every
// message that arrived since the channel opened: pion drops messages that
// arrive before a handler is set, and the two ends set their handlers at
// different moments after the channels open.
type Channel struct {
	*webrtc.DataChannel

	mu      sync.Mutex
	early   []webrtc.DataChannelMessage
	handler func(webrtc.DataChannelMessage)
}

func newChannel(dc *webrtc.DataChannel) *Channel {
	c := &Channel{DataChannel: dc}
	dc.OnMessage(c.deliver)
	return c
}

// deliver runs on pion's read goroutine, one message at a time.
func (c *Channel) deliver(m webrtc.DataChannelMessage) {
	c.mu.Lock()
	h := c.handler
	if h == nil {
		if len(c.early) < maxEarly {
			m.Data = append([]byte(nil), m.Data...)
			c.early = append(c.early, m)
		}
		c.mu.Unlock()
		return
	}
	c.mu.Unlock()
	h(m)
}

// OnMessage sets the handler, first handing it the messages that arrived
// before. Messages that arrive meanwhile wait their turn, so the order is
// kept.
func (c *Channel) OnMessage(f func(webrtc.DataChannelMessage)) {
	for {
		c.mu.Lock()
		if len(c.early) == 0 {
			c.handler = f
			c.mu.Unlock()
			return
		}
		m := c.early[0]
		c.early = c.early[1:]
		c.mu.Unlock()
		f(m)
	}
}
