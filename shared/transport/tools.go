package transport

import (
	"errors"
	"fmt"

	"github.com/pion/webrtc/v4"
)

// Tool channel labels: a prefix from this set, then an id.
//
//	files/<id>   the filetransfer wire protocol (see shared/filetransfer/dcconn)
//	tools/<id>   any other tool: system information, scripts; the id says which
//
// The id is 1 to MaxToolIDLen bytes of ASCII letters, digits, '.', '_' and
// '-': it ends up in logs and in the agent's consent checks, so it must be
// short and plain.
const (
	PrefixFiles  = "files/"
	PrefixTools  = "tools/"
	MaxToolIDLen = 64
)

// MaxToolChannels bounds the tool channels open at once on one peer
// connection, on both sides: each is an SCTP stream with its own buffers,
// and a hostile viewer must not be able to open thousands.
const MaxToolChannels = 32

// ErrNotReady is returned by OpenChannel before the peer connection is up.
var ErrNotReady = errors.New("transport: the peer connection is not ready")

// ErrBadLabel is returned for a tool channel label outside the documented
// set.
var ErrBadLabel = errors.New("transport: not a tool channel label")

// ValidToolLabel reports whether label names a tool channel: a known
// prefix and a short plain id. It wraps ErrBadLabel with the reason.
func ValidToolLabel(label string) error {
	var id string
	switch {
	case len(label) > len(PrefixFiles) && label[:len(PrefixFiles)] == PrefixFiles:
		id = label[len(PrefixFiles):]
	case len(label) > len(PrefixTools) && label[:len(PrefixTools)] == PrefixTools:
		id = label[len(PrefixTools):]
	default:
		return fmt.Errorf("%w: %q has no %q or %q prefix and id", ErrBadLabel, label, PrefixFiles, PrefixTools)
	}
	if len(id) > MaxToolIDLen {
		return fmt.Errorf("%w: id of %d bytes exceeds %d", ErrBadLabel, len(id), MaxToolIDLen)
	}
	for i := 0; i < len(id); i++ {
		c := id[i]
		if !('a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' || '0' <= c && c <= '9' || c == '.' || c == '_' || c == '-') {
			return fmt.Errorf("%w: byte %#x in id %q", ErrBadLabel, c, id)
		}
	}
	return nil
}

// liveTools drops tool channels that have closed and returns how many are
// left. Pruning here rather than in an OnClose handler leaves OnClose to
// the channel's user (dcconn takes it over). Callers hold p.mu.
func (p *Peer) liveTools() int {
	for label, ch := range p.tools {
		if s := ch.ReadyState(); s == webrtc.DataChannelStateClosing || s == webrtc.DataChannelStateClosed {
			delete(p.tools, label)
		}
	}
	return len(p.tools)
}

// OpenChannel is the viewer's side of a tool channel: it opens a new
// ordered, reliable data channel named label (see ValidToolLabel) on the
// connection, after Ready has succeeded (before, it returns ErrNotReady:
// the tools open once a session is up, and an open channel can be sent on
// at once, which a channel still waiting for the association cannot). No
// renegotiation is needed: the channel is a new stream on the SCTP
// association the three session channels already use.
//
// The returned channel keeps what arrives until OnMessage is set, like the
// session channels; it satisfies dcconn.Channel. The agent refuses labels
// it has not agreed to (Options.OnChannel) by closing the channel, which
// the viewer sees as OnClose. Closing it affects no other channel; closing
// the Peer closes it.
//
// Every channel shares the association's one send queue, so bytes queued
// on a tool channel delay screen chunks and input sent after them: a tool
// must keep its BufferedAmount small (dcconn.Conn waits above its
// HighWater), as the FrameSender does on the screen channel.
func (p *Peer) OpenChannel(label string) (*Channel, error) {
	if err := ValidToolLabel(label); err != nil {
		return nil, err
	}
	select {
	case <-p.ready:
	default:
		return nil, fmt.Errorf("transport: open %s: %w", label, ErrNotReady)
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	live := p.liveTools()
	if _, dup := p.tools[label]; dup {
		return nil, fmt.Errorf("transport: open %s: a channel with that label is open", label)
	}
	if live >= MaxToolChannels {
		return nil, fmt.Errorf("transport: open %s: %d tool channels are open already", label, MaxToolChannels)
	}
	ordered := true
	dc, err := p.pc.CreateDataChannel(label, &webrtc.DataChannelInit{Ordered: &ordered})
	if err != nil {
		return nil, fmt.Errorf("transport: create %s channel: %w", label, err)
	}
	ch := newChannel(dc)
	p.tools[label] = ch
	return ch, nil
}

// acceptTool is the agent's side of a tool channel the viewer opened; it
// runs on pion's accept goroutine. Channels the agent has no use for are
// closed, as every unknown channel always was.
func (p *Peer) acceptTool(dc *webrtc.DataChannel) {
	label := dc.Label()
	refuse := func(why string) {
		p.log.Warn("transport: tool channel refused", "label", label, "why", why)
		dc.Close()
	}
	if p.onChannel == nil {
		refuse("no tool channels on this connection")
		return
	}
	if err := ValidToolLabel(label); err != nil {
		refuse(err.Error())
		return
	}
	p.mu.Lock()
	live := p.liveTools()
	_, dup := p.tools[label]
	if dup || live >= MaxToolChannels {
		p.mu.Unlock()
		refuse("duplicate label or too many tool channels")
		return
	}
	// The handler goes on now, before pion starts reading the stream, so
	// nothing sent right after the open is lost.
	ch := newChannel(dc)
	p.tools[label] = ch
	p.mu.Unlock()
	dc.OnOpen(func() {
		if !p.onChannel(label, ch) {
			p.log.Info("transport: tool channel declined", "label", label)
			ch.Close()
		}
	})
}
