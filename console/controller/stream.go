package controller

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"image"
	"sync"
	"sync/atomic"
	"time"

	"github.com/pion/webrtc/v4"

	"lifeline/shared/codec"
	"lifeline/shared/protocol"
	"lifeline/shared/transport"
)

// keyframeEvery bounds keyframe requests after decode errors.
const keyframeEvery = 250 * time.Millisecond

// stream is one screen connection: the viewer's WebRTC peer to the
// customer's agent, the frames on their way to the decoder, and the data
// channels for options and input.
//
// Order of events (the agent side must match, see docs/automation.md):
//
//  1. the console sends the offer (then its ICE candidates) as signal
//     messages to the customer; the agent answers;
//  2. when the control, screen and input channels are open, the console
//     installs its handlers and sends a keyframe request on the control
//     channel, repeated every second until a frame arrives;
//  3. the agent, on the first control message, sends "screen" on the
//     control channel and then frames on the screen channel; the console
//     acknowledges every frame once decoded;
//  4. after the first frame the console sends the options the CSR chose
//     during earlier streams of the session, if any.
type stream struct {
	s        *Session
	customer string
	peer     *transport.Peer // set on the session's goroutine before run starts
	ctx      context.Context // cancelled by stop
	cancel   context.CancelFunc
	done     chan struct{}
	stopOnce sync.Once
	frames   chan frameMsg

	// Set by run before the stream is published live; read after.
	ctl, input *transport.Channel
	recv       *transport.FrameReceiver

	sig signaller

	lastKeyframe atomic.Int64 // unix nanoseconds of the last request

	firstFrame chan struct{} // closed when the first frame is shown
	firstOnce  sync.Once
}

type frameMsg struct {
	id   uint32
	data []byte
}

func newStream(s *Session, customer string) *stream {
	ctx, cancel := context.WithCancel(context.Background())
	return &stream{s: s, customer: customer, ctx: ctx, cancel: cancel, done: make(chan struct{}),
		frames: make(chan frameMsg, 8), firstFrame: make(chan struct{})}
}

func (st *stream) isStopped() bool {
	select {
	case <-st.done:
		return true
	default:
		return false
	}
}

// stop closes the peer and marks the stream over; the first reason wins.
func (st *stream) stop(reason string) {
	st.stopOnce.Do(func() {
		close(st.done)
		st.cancel()
		st.s.disp.stopped(st, reason)
		st.s.emit(Event{Kind: EventStreamStop, Text: reason})
		if st.peer != nil {
			_ = st.peer.Close()
		}
	})
}

// openStream dials the customer's agent as the viewer, unless a stream to
// that customer is already open. It runs on the session's goroutine, so
// that signals from the agent always find the peer.
func (s *Session) openStream(l *loop, customer string) error {
	if st := l.stream; st != nil && !st.isStopped() && st.customer == customer {
		return nil
	}
	if l.stream != nil {
		l.stream.stop("A new screen connection replaced this one.")
		l.stream = nil
	}
	st := newStream(s, customer)
	st.sig = signaller{stopped: st.isStopped, send: st.signal}
	s.disp.begin(st)
	opts := transport.Options{ICEServers: iceServers(l.st.ICEServers), LoopbackOnly: s.c.cfg.LoopbackOnly, Log: s.c.log}
	peer, err := transport.Dial(opts, st.sig.relay)
	if err != nil {
		st.stop("The screen connection could not be opened.")
		return fmt.Errorf("could not open the screen connection: %w", err)
	}
	st.peer = peer
	l.stream = st
	s.c.wg.Add(1)
	go st.run()
	return nil
}

func iceServers(in []protocol.ICEServer) []webrtc.ICEServer {
	out := make([]webrtc.ICEServer, 0, len(in))
	for _, s := range in {
		out = append(out, webrtc.ICEServer{URLs: s.URLs, Username: s.Username, Credential: s.Credential})
	}
	return out
}

func (st *stream) signal(sig transport.Signal) error {
	_, err := st.s.c.request(st.ctx, st.s.id, &protocol.Signal{To: st.customer, Kind: sig.Kind, SDP: sig.SDP, Candidate: sig.Candidate})
	return err
}

// run waits for the channels, starts the decoder, and watches the peer.
func (st *stream) run() {
	defer st.s.c.wg.Done()
	timeout := st.s.c.cfg.ReadyTimeout
	rctx, cancel := context.WithTimeout(st.ctx, timeout)
	err := st.peer.Ready(rctx)
	cancel()
	switch {
	case st.isStopped():
		return
	case errors.Is(err, transport.ErrFailed):
		st.stop("The screen connection to the customer failed.")
		return
	case err != nil:
		st.stop(fmt.Sprintf("The customer's agent did not open the screen connection within %s.", timeout))
		return
	}
	st.ctl = st.peer.Channel(transport.LabelControl)
	st.input = st.peer.Channel(transport.LabelInput)
	screen := st.peer.Channel(transport.LabelScreen)
	if st.ctl == nil || st.input == nil || screen == nil {
		st.stop("The screen connection is missing a channel.")
		return
	}
	st.ctl.OnMessage(st.onControl)
	st.recv = transport.NewFrameReceiver(screen, st.onFrame, st.onFrameError)
	st.s.c.wg.Add(1)
	go st.decode()
	if !st.s.disp.setLive(st) {
		return
	}
	st.s.emit(Event{Kind: EventStreamStart, From: st.customer})
	st.requestKeyframe()
	// Until the first frame arrives, ask again every second: a message
	// that reaches the agent before its handlers are installed is lost.
	// For the same reason the options the CSR chose on an earlier stream
	// are sent once a frame shows that the agent is listening.
	retry := time.NewTicker(time.Second)
	defer retry.Stop()
	tick, first := retry.C, st.firstFrame
	for {
		select {
		case <-st.peer.Done():
			st.stop("The screen connection to the customer was lost.")
			return
		case <-st.done:
			return
		case <-tick:
			st.requestKeyframe()
		case <-first:
			tick, first = nil, nil
			st.s.disp.mu.Lock()
			opts := st.s.disp.opts
			st.s.disp.mu.Unlock()
			if opts.Mode != "" || opts.Colors != "" || opts.Monitor != nil {
				opts.Type = transport.ControlOptions
				st.sendControl(opts)
			}
		}
	}
}

// onFrame runs on the screen channel's goroutine: it copies the frame and
// hands it to the decoder, which keeps the order.
func (st *stream) onFrame(id uint32, data []byte) {
	buf := make([]byte, len(data))
	copy(buf, data)
	st.s.disp.received(st, len(buf), time.Now())
	select {
	case st.frames <- frameMsg{id: id, data: buf}:
	case <-st.done:
	}
}

func (st *stream) onFrameError(err error) {
	st.s.c.log.Warn("console: corrupt screen message", "err", err)
	st.requestKeyframe()
}

// decode applies frames in order with one decoder, publishes them and
// acknowledges each; after a decode error it starts a fresh decoder and
// asks for a keyframe.
func (st *stream) decode() {
	defer st.s.c.wg.Done()
	dec := codec.NewDecoder()
	var last *image.RGBA
	for {
		select {
		case <-st.done:
			return
		case f := <-st.frames:
			start := time.Now()
			changed, err := dec.Decode(f.data)
			took := time.Since(start)
			if err != nil {
				st.s.c.log.Info("console: frame not decoded; asking for a keyframe", "frame", f.id, "err", err)
				st.s.disp.decodeFailed(st)
				dec, last = codec.NewDecoder(), nil
				st.requestKeyframe()
			} else if img := dec.Image(); img != nil {
				st.s.disp.publish(st, f.id, f.data, img, changed, img != last, took, time.Now())
				last = img
				st.firstOnce.Do(func() { close(st.firstFrame) })
			}
			if err := st.recv.Ack(f.id); err != nil && !st.isStopped() {
				st.s.c.log.Debug("console: ack not sent", "frame", f.id, "err", err)
			}
		}
	}
}

func (st *stream) requestKeyframe() {
	now := time.Now().UnixNano()
	if now-st.lastKeyframe.Load() < int64(keyframeEvery) {
		return
	}
	st.lastKeyframe.Store(now)
	st.sendControl(transport.Control{Type: transport.ControlKeyframe})
}

func (st *stream) sendControl(c transport.Control) error {
	b, err := json.Marshal(c)
	if err != nil {
		return err
	}
	if err := st.ctl.Send(b); err != nil {
		if st.isStopped() {
			return ErrNotViewing
		}
		return fmt.Errorf("could not send to the customer's agent: %w", err)
	}
	return nil
}

// onControl handles the agent's messages on the control channel.
func (st *stream) onControl(m webrtc.DataChannelMessage) {
	c, err := transport.ParseControl(m.Data)
	if err != nil {
		st.s.c.log.Warn("console: control message refused", "err", err)
		return
	}
	d := &st.s.disp
	switch c.Type {
	case transport.ControlScreen:
		info := ScreenInfo{Width: c.Width, Height: c.Height, Monitors: c.Monitors}
		d.setScreen(st, info)
		st.s.emit(Event{Kind: EventScreen, Screen: &info})
	case transport.ControlPaused:
		d.setPaused(st, true)
		st.s.emit(Event{Kind: EventPaused, Text: c.Reason})
	case transport.ControlResumed:
		d.setPaused(st, false)
		st.s.emit(Event{Kind: EventResumed})
	case transport.ControlFrameInfo:
		d.frameInfo(st, c.Frame, c.LatencyOf)
	case transport.ControlInputDenied:
		st.s.emit(Event{Kind: EventInputDenied, Text: c.Reason})
	}
}
