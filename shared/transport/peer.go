// Package transport is the data plane between a viewer (the console) and
// the sharing agent: one pion/webrtc peer connection per viewer, signalled
// through the rendezvous control plane, with three data channels:
//
//	control  ordered, reliable: options, keyframe requests, screen info
//	screen   ordered, reliable: encoded frames in chunks, acks back
//	input    ordered, reliable: mouse and keyboard, never behind frames
//
// Frames are cut into chunks of at most ChunkSize bytes, so an input event
// waits for one chunk at most, never for a whole frame.
//
// Tools (file transfer, system information, scripts) get channels of their
// own, ordered and reliable, named "files/<id>" or "tools/<id>": the viewer
// opens them with Peer.OpenChannel once the session is up, and the agent
// is told through Options.OnChannel, which decides whether each one is
// served. Any other channel the viewer opens is closed on arrival. Every
// channel shares one SCTP association and its send queue, so each sender
// keeps its own backlog small (FrameSender, dcconn.Conn) and input never
// waits long behind frames or files.
package transport

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"sync"

	"github.com/pion/ice/v4"
	"github.com/pion/webrtc/v4"
)

// Channel labels.
const (
	LabelControl = "control"
	LabelScreen  = "screen"
	LabelInput   = "input"
)

// Options configure a peer connection.
type Options struct {
	// ICEServers are the rendezvous relay and its credentials.
	ICEServers []webrtc.ICEServer
	// LoopbackOnly gathers host candidates on the loopback interface only,
	// with mDNS off: for tests and benchmarks on one machine.
	LoopbackOnly bool
	// ForceRelay uses only relayed candidates: every byte goes through the
	// TURN relay (as DTLS ciphertext), and neither side learns the other's
	// addresses.
	ForceRelay bool
	Log        *slog.Logger

	// OnChannel is the agent's say over tool channels (see OpenChannel),
	// used by Accept. It is called once per tool channel the viewer opens
	// with a valid label, when the channel is open, with the channel
	// keeping whatever arrived so far; returning false closes it. With
	// OnChannel nil, or for a label outside the tool prefixes, the channel
	// is closed without asking, as any unknown channel is. It runs on a
	// goroutine of pion's and must not block: check consent and serve on
	// a goroutine of your own.
	OnChannel func(label string, ch *Channel) bool
}

// Signal is a message for the other peer, carried by the rendezvous
// server's "signal" messages.
type Signal struct {
	Kind      string          // "offer", "answer" or "candidate"
	SDP       string          // for offer and answer
	Candidate json.RawMessage // a webrtc.ICECandidateInit, for candidate
}

// Peer is one peer connection and its three channels.
type Peer struct {
	pc   *webrtc.PeerConnection
	send func(Signal) error
	log  *slog.Logger

	mu        sync.Mutex
	remoteSet bool
	pending   []webrtc.ICECandidateInit
	channels  map[string]*Channel
	tools     map[string]*Channel // tool channels by label; see liveTools
	onChannel func(label string, ch *Channel) bool
	opened    int
	ready     chan struct{}
	failed    chan struct{}
	closeOnce sync.Once
}

func newAPI(o Options) *webrtc.API {
	var se webrtc.SettingEngine
	if n, err := newNet(); err == nil {
		se.SetNet(n)
	}
	if o.LoopbackOnly {
		se.SetIncludeLoopbackCandidate(true)
		se.SetInterfaceFilter(func(name string) bool { return name == "lo" })
		se.SetNetworkTypes([]webrtc.NetworkType{webrtc.NetworkTypeUDP4})
		se.SetICEMulticastDNSMode(ice.MulticastDNSModeDisabled)
	}
	return webrtc.NewAPI(webrtc.WithSettingEngine(se))
}

func newPeer(o Options, send func(Signal) error) (*Peer, error) {
	log := o.Log
	if log == nil {
		log = slog.Default()
	}
	conf := webrtc.Configuration{ICEServers: o.ICEServers}
	if o.ForceRelay {
		conf.ICETransportPolicy = webrtc.ICETransportPolicyRelay
	}
	pc, err := newAPI(o).NewPeerConnection(conf)
	if err != nil {
		return nil, fmt.Errorf("transport: new peer connection: %w", err)
	}
	p := &Peer{pc: pc, send: send, log: log, channels: map[string]*Channel{}, tools: map[string]*Channel{}, onChannel: o.OnChannel, ready: make(chan struct{}), failed: make(chan struct{})}
	pc.OnICECandidate(func(c *webrtc.ICECandidate) {
		if c == nil {
			return
		}
		b, err := json.Marshal(c.ToJSON())
		if err == nil {
			err = send(Signal{Kind: "candidate", Candidate: b})
		}
		if err != nil {
			p.log.Warn("transport: candidate not sent", "err", err)
		}
	})
	pc.OnConnectionStateChange(func(s webrtc.PeerConnectionState) {
		if s == webrtc.PeerConnectionStateFailed || s == webrtc.PeerConnectionStateClosed {
			p.closeOnce.Do(func() { close(p.failed) })
		}
	})
	return p, nil
}

// track registers a channel and reports readiness once all three are open.
// Messages are kept from the moment a channel opens (see Channel).
func (p *Peer) track(dc *webrtc.DataChannel) {
	ch := newChannel(dc)
	dc.OnOpen(func() {
		p.mu.Lock()
		defer p.mu.Unlock()
		p.channels[dc.Label()] = ch
		p.opened++
		if p.opened == 3 {
			close(p.ready)
		}
	})
}

// Dial is the viewer's side: it creates the channels and sends the offer.
func Dial(o Options, send func(Signal) error) (*Peer, error) {
	p, err := newPeer(o, send)
	if err != nil {
		return nil, err
	}
	ordered := true
	for _, label := range []string{LabelControl, LabelScreen, LabelInput} {
		dc, err := p.pc.CreateDataChannel(label, &webrtc.DataChannelInit{Ordered: &ordered})
		if err != nil {
			p.Close()
			return nil, fmt.Errorf("transport: create %s channel: %w", label, err)
		}
		p.track(dc)
	}
	offer, err := p.pc.CreateOffer(nil)
	if err == nil {
		err = p.pc.SetLocalDescription(offer)
	}
	if err == nil {
		err = send(Signal{Kind: "offer", SDP: offer.SDP})
	}
	if err != nil {
		p.Close()
		return nil, fmt.Errorf("transport: offer: %w", err)
	}
	return p, nil
}

// Accept is the sharing side: it waits for the viewer's offer, which the
// caller passes to HandleSignal.
func Accept(o Options, send func(Signal) error) (*Peer, error) {
	p, err := newPeer(o, send)
	if err != nil {
		return nil, err
	}
	p.pc.OnDataChannel(func(dc *webrtc.DataChannel) {
		switch dc.Label() {
		case LabelControl, LabelScreen, LabelInput:
			p.track(dc)
		default:
			p.acceptTool(dc)
		}
	})
	return p, nil
}

// HandleSignal applies a signal from the other peer.
func (p *Peer) HandleSignal(s Signal) error {
	switch s.Kind {
	case "offer", "answer":
		typ := webrtc.SDPTypeOffer
		if s.Kind == "answer" {
			typ = webrtc.SDPTypeAnswer
		}
		if err := p.pc.SetRemoteDescription(webrtc.SessionDescription{Type: typ, SDP: s.SDP}); err != nil {
			return fmt.Errorf("transport: remote %s: %w", s.Kind, err)
		}
		p.mu.Lock()
		p.remoteSet = true
		pending := p.pending
		p.pending = nil
		p.mu.Unlock()
		for _, c := range pending {
			if err := p.pc.AddICECandidate(c); err != nil {
				return fmt.Errorf("transport: candidate: %w", err)
			}
		}
		if typ == webrtc.SDPTypeOffer {
			answer, err := p.pc.CreateAnswer(nil)
			if err == nil {
				err = p.pc.SetLocalDescription(answer)
			}
			if err == nil {
				err = p.send(Signal{Kind: "answer", SDP: answer.SDP})
			}
			if err != nil {
				return fmt.Errorf("transport: answer: %w", err)
			}
		}
		return nil
	case "candidate":
		var c webrtc.ICECandidateInit
		if err := json.Unmarshal(s.Candidate, &c); err != nil {
			return fmt.Errorf("transport: candidate: %w", err)
		}
		p.mu.Lock()
		if !p.remoteSet {
			p.pending = append(p.pending, c)
			p.mu.Unlock()
			return nil
		}
		p.mu.Unlock()
		if err := p.pc.AddICECandidate(c); err != nil {
			return fmt.Errorf("transport: candidate: %w", err)
		}
		return nil
	}
	return fmt.Errorf("transport: unknown signal kind %q", s.Kind)
}

// ErrFailed means the peer connection failed or was closed.
var ErrFailed = errors.New("transport: peer connection failed")

// Ready waits until the three channels are open.
func (p *Peer) Ready(ctx context.Context) error {
	select {
	case <-p.ready:
		return nil
	case <-p.failed:
		return ErrFailed
	case <-ctx.Done():
		return fmt.Errorf("transport: waiting for the data channels: %w", ctx.Err())
	}
}

// Channel returns an open channel by label (after Ready).
func (p *Peer) Channel(label string) *Channel {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.channels[label]
}

// Done is closed when the connection has failed or was closed.
func (p *Peer) Done() <-chan struct{} { return p.failed }

// Close ends the peer connection.
func (p *Peer) Close() error { return p.pc.Close() }
