// Package fakeagent is a customer's agent for the console's tests. It joins
// a session by number, answers consent requests as it is told, accepts the
// console's screen connection, streams synthetic frames encoded with the
// real codec, and records the input and options it receives. It follows
// the agent's side of the order described in docs/automation.md.
package fakeagent

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"image"
	"image/color"
	"log/slog"
	"slices"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/pion/webrtc/v4"

	"lifeline/shared/client"
	"lifeline/shared/codec"
	"lifeline/shared/protocol"
	"lifeline/shared/rendezvoustest"
	"lifeline/shared/transport"
)

// Options configure an Agent.
type Options struct {
	Name          string // default "Ann"
	Width, Height int    // default 320×200
	// Frames is how many animated frames are sent after the viewer's first
	// request (default 5); after that a frame is sent only when input
	// changes the picture or a keyframe is asked for.
	Frames int
	// Grant is the first answer to consent requests (see SetGrant).
	Grant bool
}

// Agent is a joined customer.
type Agent struct {
	ID      string // participant id
	Session string

	opts  Options
	conn  *client.Conn
	grant atomic.Bool
	log   *slog.Logger
	quit  chan struct{}
	once  sync.Once

	mu       sync.Mutex
	changed  chan struct{}
	requests []protocol.ConsentRequest
	chats    []string
	inputs   []transport.Input
	controls []transport.Control // from the viewer
	errs     []error
	control  bool
	peer     *transport.Peer
	streams  int
	sent     int
	last     *image.RGBA
	idle     bool
	marks    []image.Point
	keys     int
	lastIn   int64
}

// Join makes a customer join the session with this number and connect.
func Join(t testing.TB, ts *rendezvoustest.Server, number string, opts Options) *Agent {
	t.Helper()
	if opts.Name == "" {
		opts.Name = "Ann"
	}
	if opts.Width == 0 || opts.Height == 0 {
		opts.Width, opts.Height = 320, 200
	}
	if opts.Frames <= 0 {
		opts.Frames = 5
	}
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	j, err := ts.Client().Join(ctx, number, opts.Name, "customer@example.com")
	if err != nil {
		t.Fatalf("fakeagent: join: %v", err)
	}
	conn, err := ts.Client().WithToken(j.Token).Dial(ctx)
	if err != nil {
		t.Fatalf("fakeagent: dial: %v", err)
	}
	if _, err := conn.Request(ctx, "", &protocol.Attach{}); err != nil {
		t.Fatalf("fakeagent: attach: %v", err)
	}
	a := &Agent{ID: j.ParticipantID, Session: j.SessionID, opts: opts, conn: conn, quit: make(chan struct{}),
		changed: make(chan struct{}), log: slog.New(slog.DiscardHandler)}
	a.grant.Store(opts.Grant)
	go a.loop()
	t.Cleanup(a.Close)
	return a
}

// Close disconnects the agent.
func (a *Agent) Close() {
	a.once.Do(func() {
		close(a.quit)
		a.stopPeer()
		a.conn.CloseNow()
	})
}

// SetGrant sets the answer to the next consent requests.
func (a *Agent) SetGrant(granted bool) { a.grant.Store(granted) }

func (a *Agent) wakeLocked() {
	close(a.changed)
	a.changed = make(chan struct{})
}

func (a *Agent) fail(err error) {
	a.mu.Lock()
	a.errs = append(a.errs, err)
	a.wakeLocked()
	a.mu.Unlock()
}

// Errors are the failures the agent met (a test may require none).
func (a *Agent) Errors() []error {
	a.mu.Lock()
	defer a.mu.Unlock()
	return slices.Clone(a.errs)
}

// waitFor waits until cond, evaluated under the agent's lock, holds.
func (a *Agent) waitFor(ctx context.Context, what string, cond func() bool) error {
	for {
		a.mu.Lock()
		ok := cond()
		ch := a.changed
		a.mu.Unlock()
		if ok {
			return nil
		}
		select {
		case <-ch:
		case <-ctx.Done():
			return fmt.Errorf("fakeagent: waiting for %s: %w", what, ctx.Err())
		}
	}
}

func (a *Agent) request(msg protocol.Message) error {
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	_, err := a.conn.Request(ctx, "", msg)
	return err
}

func (a *Agent) loop() {
	for m := range a.conn.Messages() {
		switch msg := m.Msg.(type) {
		case *protocol.ConsentRequest:
			granted := a.grant.Load()
			a.mu.Lock()
			a.requests = append(a.requests, *msg)
			if granted && msg.Action == protocol.ActionControl {
				a.control = true
			}
			a.wakeLocked()
			a.mu.Unlock()
			if err := a.request(&protocol.ConsentAnswer{RequestID: msg.RequestID, Granted: granted}); err != nil {
				a.fail(fmt.Errorf("answer: %w", err))
			}
		case *protocol.Signal:
			a.onSignal(m.Env.From, msg)
		case *protocol.StopSharing, *protocol.Ended:
			a.stopPeer()
		case *protocol.Chat:
			if m.Env.From != a.ID {
				a.mu.Lock()
				a.chats = append(a.chats, msg.Text)
				a.wakeLocked()
				a.mu.Unlock()
			}
		}
	}
}

func (a *Agent) stopPeer() {
	a.mu.Lock()
	p := a.peer
	a.peer, a.control = nil, false
	a.wakeLocked()
	a.mu.Unlock()
	if p != nil {
		p.Close()
	}
}

// onSignal creates the sharing side's peer on the first signal from the
// CSR, whatever its kind, and applies every signal in order.
func (a *Agent) onSignal(from string, msg *protocol.Signal) {
	a.mu.Lock()
	p := a.peer
	a.mu.Unlock()
	if p == nil {
		var err error
		p, err = transport.Accept(transport.Options{LoopbackOnly: true, Log: a.log}, func(s transport.Signal) error {
			return a.request(&protocol.Signal{To: from, Kind: s.Kind, SDP: s.SDP, Candidate: s.Candidate})
		})
		if err != nil {
			a.fail(err)
			return
		}
		a.mu.Lock()
		a.peer = p
		a.streams++
		a.wakeLocked()
		a.mu.Unlock()
		go a.stream(p)
	}
	if err := p.HandleSignal(transport.Signal{Kind: msg.Kind, SDP: msg.SDP, Candidate: msg.Candidate}); err != nil {
		a.fail(fmt.Errorf("signal %s: %w", msg.Kind, err))
	}
}

func (a *Agent) setIdle(idle bool) {
	a.mu.Lock()
	a.idle = idle
	a.wakeLocked()
	a.mu.Unlock()
}

// stream serves one viewer: it waits for the viewer's first control
// message, sends the screen size, then frames.
func (a *Agent) stream(p *transport.Peer) {
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	go func() {
		select {
		case <-p.Done():
		case <-a.quit:
		}
		cancel()
	}()
	rctx, rcancel := context.WithTimeout(ctx, 30*time.Second)
	err := p.Ready(rctx)
	rcancel()
	if err != nil {
		a.fail(fmt.Errorf("ready: %w", err))
		return
	}
	ctl, scr, inp := p.Channel(transport.LabelControl), p.Channel(transport.LabelScreen), p.Channel(transport.LabelInput)
	started := make(chan struct{})
	var startOnce sync.Once
	kick := make(chan struct{}, 1)
	poke := func() {
		select {
		case kick <- struct{}{}:
		default:
		}
	}
	var forceKey atomic.Bool
	// gone: the peer was closed (by the viewer, or by us on stop_sharing);
	// send errors then are expected, not failures.
	gone := func() bool {
		a.mu.Lock()
		defer a.mu.Unlock()
		return ctx.Err() != nil || a.peer != p
	}
	sendControl := func(c transport.Control) {
		b, _ := json.Marshal(c)
		if err := ctl.Send(b); err != nil && !gone() {
			a.fail(fmt.Errorf("control %s: %w", c.Type, err))
		}
	}
	ctl.OnMessage(func(m webrtc.DataChannelMessage) {
		c, err := transport.ParseControl(m.Data)
		if err != nil {
			a.fail(err)
			return
		}
		a.mu.Lock()
		a.controls = append(a.controls, c)
		a.wakeLocked()
		a.mu.Unlock()
		if c.Type == transport.ControlKeyframe {
			forceKey.Store(true)
		}
		startOnce.Do(func() { close(started) })
		poke()
	})
	inp.OnMessage(func(m webrtc.DataChannelMessage) {
		in, err := transport.ParseInput(m.Data)
		if err != nil {
			a.fail(err)
			return
		}
		a.mu.Lock()
		allowed := a.control
		if allowed {
			a.inputs = append(a.inputs, in)
			a.lastIn = in.SentAt
			switch in.Kind {
			case transport.InputClick:
				a.marks = append(a.marks, image.Pt(in.X, in.Y))
			case transport.InputKey, transport.InputText:
				a.keys++
			}
		}
		a.wakeLocked()
		a.mu.Unlock()
		if !allowed {
			sendControl(transport.Control{Type: transport.ControlInputDenied, Reason: "The customer has not allowed control."})
			return
		}
		poke()
	})
	select {
	case <-started:
	case <-ctx.Done():
		return
	}
	w, h := a.opts.Width, a.opts.Height
	sendControl(transport.Control{Type: transport.ControlScreen, Width: w, Height: h,
		Monitors: []transport.Monitor{{Index: 0, Width: w, Height: h, Primary: true}}})
	sender := transport.NewFrameSender(scr)
	defer sender.Close()
	enc := codec.NewEncoder(codec.Options{})
	var buf []byte
	for step := 0; ; {
		img, latencyOf := a.render(step)
		if forceKey.Swap(false) {
			enc.ForceKeyframe()
		}
		if err := sender.Wait(ctx); err != nil {
			return
		}
		out, st, err := enc.Encode(img, buf[:0])
		if err != nil {
			a.fail(err)
			return
		}
		buf = out
		if st.Bytes > 0 {
			id, err := sender.Send(out)
			if err != nil {
				if !gone() && !errors.Is(err, transport.ErrFailed) {
					a.fail(err)
				}
				return
			}
			sendControl(transport.Control{Type: transport.ControlFrameInfo, Frame: id, LatencyOf: latencyOf})
			a.mu.Lock()
			a.last, a.sent = img, a.sent+1
			a.wakeLocked()
			a.mu.Unlock()
		}
		if step+1 < a.opts.Frames {
			step++
			select {
			case <-time.After(15 * time.Millisecond):
			case <-ctx.Done():
				return
			}
			continue
		}
		select {
		case <-kick:
			continue
		default:
		}
		a.setIdle(true)
		select {
		case <-kick:
			a.setIdle(false)
		case <-ctx.Done():
			return
		}
	}
}

// render draws frame step: a gradient whose blue changes with the step, a
// white square that moves, a red dot at every click and a blue bar that
// grows with every key or text event.
func (a *Agent) render(step int) (*image.RGBA, int64) {
	a.mu.Lock()
	marks, keys, lastIn := slices.Clone(a.marks), a.keys, a.lastIn
	a.mu.Unlock()
	w, h := a.opts.Width, a.opts.Height
	img := image.NewRGBA(image.Rect(0, 0, w, h))
	blue := uint8(step * 37)
	for y := 0; y < h; y++ {
		for x := 0; x < w; x++ {
			i := img.PixOffset(x, y)
			img.Pix[i], img.Pix[i+1], img.Pix[i+2], img.Pix[i+3] = uint8(x*255/max(w-1, 1)), uint8(y*255/max(h-1, 1)), blue, 255
		}
	}
	fill := func(r image.Rectangle, c color.RGBA) {
		r = r.Intersect(img.Rect)
		for y := r.Min.Y; y < r.Max.Y; y++ {
			for x := r.Min.X; x < r.Max.X; x++ {
				img.SetRGBA(x, y, c)
			}
		}
	}
	sx := 8 + (step*12)%max(w-32, 1)
	fill(image.Rect(sx, 8, sx+24, 32), color.RGBA{255, 255, 255, 255})
	for _, m := range marks {
		fill(image.Rect(m.X-2, m.Y-2, m.X+3, m.Y+3), color.RGBA{255, 0, 0, 255})
	}
	fill(image.Rect(0, h-6, keys*8, h), color.RGBA{0, 0, 255, 255})
	return img, lastIn
}

// Requests are the consent requests received so far.
func (a *Agent) Requests() []protocol.ConsentRequest {
	a.mu.Lock()
	defer a.mu.Unlock()
	return slices.Clone(a.requests)
}

// Controls are the control messages received from the viewer so far.
func (a *Agent) Controls() []transport.Control {
	a.mu.Lock()
	defer a.mu.Unlock()
	return slices.Clone(a.controls)
}

// WaitControl waits for a control message from the viewer that ok accepts.
func (a *Agent) WaitControl(ctx context.Context, ok func(transport.Control) bool) error {
	return a.WaitControls(ctx, 1, ok)
}

// WaitControls waits for n control messages from the viewer that ok
// accepts (ok runs under the agent's lock: it must not call the agent).
func (a *Agent) WaitControls(ctx context.Context, n int, ok func(transport.Control) bool) error {
	return a.waitFor(ctx, fmt.Sprintf("%d control messages", n), func() bool {
		m := 0
		for _, c := range a.controls {
			if ok(c) {
				m++
			}
		}
		return m >= n
	})
}

// WaitInputs waits until n input events were applied and returns them.
func (a *Agent) WaitInputs(ctx context.Context, n int) ([]transport.Input, error) {
	var out []transport.Input
	err := a.waitFor(ctx, fmt.Sprintf("%d input events", n), func() bool {
		out = slices.Clone(a.inputs)
		return len(a.inputs) >= n
	})
	return out, err
}

// WaitIdle waits until the agent has sent everything it had to send and
// returns how many frames it sent and the last image.
func (a *Agent) WaitIdle(ctx context.Context) (int, *image.RGBA, error) {
	var sent int
	var last *image.RGBA
	err := a.waitFor(ctx, "the agent to be idle", func() bool {
		sent, last = a.sent, a.last
		return a.idle && a.last != nil
	})
	return sent, last, err
}

// Last is the last image sent.
func (a *Agent) Last() *image.RGBA {
	a.mu.Lock()
	defer a.mu.Unlock()
	return a.last
}

// Sent is the number of frames sent.
func (a *Agent) Sent() int {
	a.mu.Lock()
	defer a.mu.Unlock()
	return a.sent
}

// Streams is the number of screen connections the agent accepted.
func (a *Agent) Streams() int {
	a.mu.Lock()
	defer a.mu.Unlock()
	return a.streams
}

// WaitChat waits for a chat line with this text from someone else.
func (a *Agent) WaitChat(ctx context.Context, text string) error {
	return a.waitFor(ctx, "chat "+text, func() bool { return slices.Contains(a.chats, text) })
}

// Chat sends a chat line to everyone.
func (a *Agent) Chat(text string) error { return a.request(&protocol.Chat{Text: text}) }

// StopSharing is the customer pressing Stop.
func (a *Agent) StopSharing() error { return a.request(&protocol.StopSharing{}) }
