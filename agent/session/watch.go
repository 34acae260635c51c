package session

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
	"lifeline/shared/rgba"
	"lifeline/shared/transport"
)

// Watching: "If you or a customer shares a desktop or application, all
// participants in the support session can view the shared software" (the
// user guide). A secondary customer's agent opens a screen connection to
// the primary customer's agent as soon as the session's State says that
// customer shares, exactly as an assistant's console does: the sharer's
// agent takes it as an observer (stream.AddObserver), which gets the same
// frames as everyone and whose options and input are ignored there. This
// side never sends either: it asks for keyframes and acknowledges frames,
// nothing else.
//
// Order of events, as the console's (console/controller/stream.go and
// docs/automation.md, "The screen connection, step by step"):
//
//  1. this agent sends the offer and its candidates to the sharer, as
//     signal messages with purpose "" (the screen); the sharer's agent
//     answers. An offer the sharer's agent dropped gets no answer: the
//     offer is made again, a few times (watchAnswerWait);
//  2. when the three channels are open, this agent sends a keyframe
//     request on the control channel, again every second until a frame
//     arrives;
//  3. frames arrive on the screen channel; each is decoded on a goroutine
//     of its own and acknowledged, so the sharer's pace follows this
//     agent's.
//
// Watching stops when the sharing stops (Stop Sharing, the customer's
// Stop, a role change: the server sends stop_sharing), when this customer
// becomes the primary customer, when the sharer leaves, when the session
// ends or this customer leaves, and when the customer closes the picture
// (StopWatching: for them only; Watch opens it again while the sharing
// lasts).

// Watch is the screen another customer shares, as a secondary customer's
// agent shows it (Event.Watch, with EventWatch).
type Watch struct {
	// Sharer is the sharing customer's name; "" once nobody shares with
	// this customer any more (then Watch cannot open it again).
	Sharer string
	// Watching says the picture is there: WatchSnapshot returns it. It is
	// set from the first decoded frame on; an EventWatch with Watching
	// follows every change of the shared screen's size.
	Watching bool
	// Size is the shared screen's size, while Watching.
	Size image.Point
}

// ErrNotWatching is WatchSnapshot's error when there is no picture: no
// customer shares with this one, the customer closed it, or the first
// frame has not arrived yet.
var ErrNotWatching = errors.New("no shared screen is being shown")

// Timing of the screen connection.
const (
	// watchAnswerWait is how long an offer waits for the sharer's answer.
	// The sharer's agent answers at once, or never: it drops an offer
	// from someone it does not know as a participant (yet), and one that
	// reaches the connection this customer closed a moment ago before it
	// noticed. The server sends the sharer the State that names this
	// customer before anything this customer sends, so neither should
	// happen; offering again is the safety net.
	watchAnswerWait = 4 * time.Second
	watchDialTries  = 3
	// watchReadyWait bounds connecting once the sharer answered (ICE,
	// DTLS, the channels), as the console's ReadyTimeout.
	watchReadyWait = 30 * time.Second
	// watchLostGrace is how long a closed connection waits for the
	// stop_sharing that usually explains it: the sharer's agent closes
	// its peers when sharing stops, and the server's word may come a
	// moment later.
	watchLostGrace = 2 * time.Second
	// watchKeyframeEvery bounds keyframe requests after decode errors.
	watchKeyframeEvery = 250 * time.Millisecond
)

// watcher is the agent's watching state. cur and auto are used on the
// agent's goroutine only; pic is shared with the decoder and the UI.
type watcher struct {
	cur *watch // the open screen connection, if any
	// auto is the sharer this agent last opened a connection to by itself
	// (or the customer closed): it is not opened again by itself until
	// the sharing stops, as the console's "observed".
	auto string
	pic  picture
}

// watch is one screen connection to the sharer's agent.
type watch struct {
	a      *Agent
	sharer string // participant id
	name   string
	try    int
	peer   *transport.Peer
	ctx    context.Context // ends when the watch is stopped
	cancel context.CancelFunc

	answered   chan struct{} // closed when the sharer answered the offer
	answerOnce sync.Once
	frames     chan watchFrame
	first      chan struct{} // closed at the first decoded frame
	firstOnce  sync.Once

	// Set by run before the decoder starts, read after.
	ctl  *transport.Channel
	recv *transport.FrameReceiver

	lastKeyframe atomic.Int64 // unix nanoseconds of the last request
}

type watchFrame struct {
	id   uint32
	data []byte
}

// picture is the decoded shared screen as the UI reads it: a front buffer
// that the decoder never writes into, under mu.
type picture struct {
	mu     sync.Mutex
	owner  *watch // whose frames are published; nil: none
	img    *image.RGBA
	frames int64 // decoded since the agent started: a new count is a new picture
}

// watchable is the participant this agent should watch: the present
// primary customer, while they share and this agent is a present
// secondary customer. Only secondary customers watch; the primary shares.
func (a *Agent) watchable() (protocol.Participant, bool) {
	st := &a.state
	if st.Sharing == "" || st.Sharing == st.You || st.State == protocol.StateEnded {
		return protocol.Participant{}, false
	}
	var me, sharer *protocol.Participant
	for i := range st.Participants {
		switch p := &st.Participants[i]; p.ID {
		case st.You:
			me = p
		case st.Sharing:
			sharer = p
		}
	}
	if me == nil || me.Role != protocol.RoleSecondary || me.LeftAt != nil ||
		sharer == nil || sharer.Role != protocol.RolePrimary || sharer.LeftAt != nil {
		return protocol.Participant{}, false
	}
	return *sharer, true
}

// watchState follows a new State: it opens the screen connection when a
// customer starts sharing, and stops it when the State says this agent
// may not watch any more (a role change, the sharer gone).
func (a *Agent) watchState() {
	sharer, ok := a.watchable()
	if w := a.watch.cur; w != nil && (!ok || w.sharer != sharer.ID) {
		a.stopWatch(w, w.name+"'s screen is no longer shared with you.", true)
	}
	if !ok {
		if a.watch.auto != "" {
			a.watch.auto = ""
			a.ui.Show(Event{Kind: EventWatch, Watch: &Watch{}}) // nothing to open again
		}
		return
	}
	if a.watch.auto == sharer.ID {
		return // opened already, or closed by the customer, for this sharing
	}
	a.watch.auto = sharer.ID
	if a.watch.cur == nil {
		a.startWatch(sharer, 1)
	}
}

// watchSharingStopped handles stop_sharing for watching and returns the
// reason still to show as a notice: "" when the watch's own event told
// it.
func (a *Agent) watchSharingStopped(reason string) string {
	if w := a.watch.cur; w != nil {
		if reason == "" {
			reason = "The sharing stopped."
		}
		a.watch.auto = ""
		a.stopWatch(w, reason, true)
		return ""
	}
	if a.watch.auto != "" {
		a.watch.auto = ""
		a.ui.Show(Event{Kind: EventWatch, Watch: &Watch{}}) // nothing to open again
	}
	return reason
}

// endWatch stops watching when the agent stops (the session ended, the
// customer left, the computer restarts).
func (a *Agent) endWatch() {
	if w := a.watch.cur; w != nil {
		a.stopWatch(w, "The session is over.", true)
	}
	a.watch.auto = ""
}

// Watch opens the shared screen again after the customer closed it (or a
// connection failed), while a customer still shares.
func (a *Agent) Watch() {
	a.do(func() {
		if a.watch.cur != nil {
			return
		}
		sharer, ok := a.watchable()
		if !ok {
			a.ui.Show(Event{Kind: EventWatch, Watch: &Watch{}, Text: "Nobody is sharing a screen with you now."})
			return
		}
		a.watch.auto = sharer.ID
		a.startWatch(sharer, 1)
	})
}

// StopWatching closes the shared screen for this customer only: the
// sharing goes on for the others, and Watch opens it again.
func (a *Agent) StopWatching() {
	a.do(func() {
		if w := a.watch.cur; w != nil {
			a.stopWatch(w, "", false)
		}
	})
}

// WatchSnapshot returns a copy of the shared screen as last decoded.
func (a *Agent) WatchSnapshot() (*image.RGBA, error) {
	img, _, err := a.WatchSnapshotInto(nil)
	return img, err
}

// WatchFrames counts the frames of shared screens decoded so far (it
// never goes back): a window polling for a new picture compares it before
// it copies one.
func (a *Agent) WatchFrames() int64 {
	p := &a.watch.pic
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.frames
}

// WatchSnapshotInto is WatchSnapshot copying into dst when dst has the
// screen's size, so that a window showing it many times a second reuses
// its pictures; otherwise (dst nil, another size) it returns a new image.
// n counts the frames decoded so far: a caller polling for changes copies
// only when it grew.
func (a *Agent) WatchSnapshotInto(dst *image.RGBA) (img *image.RGBA, n int64, err error) {
	p := &a.watch.pic
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.img == nil {
		return nil, p.frames, ErrNotWatching
	}
	if dst == nil || dst.Rect != p.img.Rect || dst.Stride != p.img.Stride {
		return rgba.Clone(p.img), p.frames, nil
	}
	copy(dst.Pix, p.img.Pix)
	return dst, p.frames, nil
}

// startWatch dials the sharer's agent.
func (a *Agent) startWatch(sharer protocol.Participant, try int) {
	ctx, cancel := context.WithCancel(context.Background())
	w := &watch{a: a, sharer: sharer.ID, name: sharer.Name, try: try, ctx: ctx, cancel: cancel,
		answered: make(chan struct{}), frames: make(chan watchFrame, 8), first: make(chan struct{})}
	opts := transport.Options{ICEServers: a.iceServers(), LoopbackOnly: a.cfg.LoopbackOnly, Log: a.log}
	p, err := transport.Dial(opts, func(s transport.Signal) error {
		if ctx.Err() != nil {
			return nil // a stopped watch says nothing more
		}
		return a.send(&protocol.Signal{To: sharer.ID, Kind: s.Kind, SDP: s.SDP, Candidate: s.Candidate, Purpose: protocol.PurposeScreen})
	})
	if err != nil {
		cancel()
		a.log.Warn("watch: no screen connection", "sharer", sharer.ID, "err", err)
		a.ui.Show(Event{Kind: EventWatch, Watch: &Watch{Sharer: sharer.Name},
			Text: sharer.Name + "'s screen cannot be shown: the connection could not be opened."})
		return
	}
	w.peer = p
	a.watch.cur = w
	a.watch.pic.start(w)
	go w.run()
}

// stopWatch closes w and tells the UI. over: the sharing is over for this
// customer (Watch cannot open it again).
func (a *Agent) stopWatch(w *watch, reason string, over bool) {
	if a.watch.cur != w {
		return
	}
	a.watch.cur = nil
	w.cancel()
	_ = w.peer.Close()
	a.watch.pic.start(nil)
	ev := Event{Kind: EventWatch, Watch: &Watch{}, Text: reason}
	if !over {
		ev.Watch.Sharer = w.name
	}
	a.ui.Show(ev)
}

// watchSignal passes the sharer's answer and candidates to the open watch;
// it reports whether the signal was for it. An offer never is: this agent
// dials, it is never dialled by the one it watches.
func (a *Agent) watchSignal(from string, s *protocol.Signal) bool {
	w := a.watch.cur
	if w == nil || from != w.sharer || s.Purpose != protocol.PurposeScreen || s.Kind == protocol.SignalOffer {
		return false
	}
	if s.Kind == protocol.SignalAnswer {
		w.answerOnce.Do(func() { close(w.answered) })
	}
	if err := w.peer.HandleSignal(transport.Signal{Kind: s.Kind, SDP: s.SDP, Candidate: s.Candidate}); err != nil {
		a.log.Warn("watch: signal refused", "from", from, "kind", s.Kind, "err", err)
	}
	return true
}

// end stops w from one of its goroutines, with the reason the customer is
// told; the sharing may go on, so Watch can open it again.
func (w *watch) end(reason string) {
	w.a.do(func() { w.a.stopWatch(w, reason, false) })
}

// redial makes the offer again when the sharer's agent did not answer.
func (a *Agent) redial(w *watch) {
	if a.watch.cur != w {
		return
	}
	sharer, ok := a.watchable()
	switch {
	case !ok || sharer.ID != w.sharer:
		a.stopWatch(w, w.name+"'s screen is no longer shared with you.", true)
	case w.try >= watchDialTries:
		a.stopWatch(w, w.name+"'s computer did not answer, so the shared screen cannot be shown.", false)
	default:
		a.log.Info("watch: no answer; offering again", "sharer", w.sharer, "try", w.try+1)
		a.watch.cur = nil
		w.cancel()
		_ = w.peer.Close()
		a.startWatch(sharer, w.try+1)
	}
}

// run waits for the answer and the channels, starts the decoder, and
// watches the connection.
func (w *watch) run() {
	select {
	case <-w.answered:
	case <-time.After(watchAnswerWait):
		w.a.do(func() { w.a.redial(w) })
		return
	case <-w.ctx.Done():
		return
	}
	rctx, cancel := context.WithTimeout(w.ctx, watchReadyWait)
	err := w.peer.Ready(rctx)
	cancel()
	switch {
	case w.ctx.Err() != nil:
		return
	case err != nil:
		w.a.log.Warn("watch: no connection", "sharer", w.sharer, "err", err)
		w.end("The connection to " + w.name + "'s screen could not be made.")
		return
	}
	w.ctl = w.peer.Channel(transport.LabelControl)
	screen := w.peer.Channel(transport.LabelScreen)
	if w.ctl == nil || screen == nil {
		w.end("The connection to " + w.name + "'s screen is missing a channel.")
		return
	}
	w.ctl.OnMessage(w.onControl)
	w.recv = transport.NewFrameReceiver(screen, w.onFrame, w.onFrameError)
	go w.decode()
	w.requestKeyframe()
	// Until the first frame arrives, ask again every second: a request
	// that reaches the sharer before its handlers are installed is lost.
	retry := time.NewTicker(time.Second)
	defer retry.Stop()
	tick, first := retry.C, w.first
	for {
		select {
		case <-w.peer.Done():
			select {
			case <-time.After(watchLostGrace):
				w.end("The connection to " + w.name + "'s screen was lost.")
			case <-w.ctx.Done(): // stop_sharing explained it
			}
			return
		case <-w.ctx.Done():
			return
		case <-tick:
			w.requestKeyframe()
		case <-first:
			tick, first = nil, nil
		}
	}
}

// onControl reads the sharer's control messages. None needs an answer:
// the picture's size comes with the frames, and paused, resumed, input
// denied and latency echoes concern those in control.
func (w *watch) onControl(m webrtc.DataChannelMessage) {
	if _, err := transport.ParseControl(m.Data); err != nil {
		w.a.log.Warn("watch: control message refused", "err", err)
	}
}

// onFrame runs on the screen channel's goroutine: it copies the frame for
// the decoder, which keeps the order.
func (w *watch) onFrame(id uint32, data []byte) {
	f := watchFrame{id: id, data: append([]byte(nil), data...)}
	select {
	case w.frames <- f:
	case <-w.ctx.Done():
	}
}

func (w *watch) onFrameError(err error) {
	w.a.log.Warn("watch: corrupt screen message", "err", err)
	w.requestKeyframe()
}

// decode applies frames in order, publishes the picture and acknowledges
// each frame; after a decode error it starts a fresh decoder and asks for
// a keyframe.
func (w *watch) decode() {
	dec := codec.NewDecoder()
	var last *image.RGBA
	var size image.Point
	for {
		select {
		case <-w.ctx.Done():
			return
		case f := <-w.frames:
			changed, err := dec.Decode(f.data)
			if err != nil {
				w.a.log.Info("watch: frame not decoded; asking for a keyframe", "frame", f.id, "err", err)
				dec, last = codec.NewDecoder(), nil
				w.requestKeyframe()
			} else if img := dec.Image(); img != nil {
				w.a.watch.pic.publish(w, img, changed, img != last)
				last = img
				if s := img.Rect.Size(); s != size {
					size = s
					w.a.do(func() { w.a.showWatching(w, s) })
				}
				w.firstOnce.Do(func() { close(w.first) })
			}
			if err := w.recv.Ack(f.id); err != nil && w.ctx.Err() == nil {
				w.a.log.Debug("watch: ack not sent", "frame", f.id, "err", err)
			}
		}
	}
}

// showWatching tells the UI that the picture is there, or changed size.
func (a *Agent) showWatching(w *watch, size image.Point) {
	if a.watch.cur == w {
		a.ui.Show(Event{Kind: EventWatch, Watch: &Watch{Sharer: w.name, Watching: true, Size: size}})
	}
}

func (w *watch) requestKeyframe() {
	now := time.Now().UnixNano()
	if now-w.lastKeyframe.Load() < int64(watchKeyframeEvery) {
		return
	}
	w.lastKeyframe.Store(now)
	b, _ := json.Marshal(transport.Control{Type: transport.ControlKeyframe})
	if err := w.ctl.Send(b); err != nil && w.ctx.Err() == nil {
		w.a.log.Debug("watch: keyframe request not sent", "err", fmt.Errorf("to %s: %w", w.sharer, err))
	}
}

// start makes w's frames the ones published (nil: none), dropping the
// picture of the one before.
func (p *picture) start(w *watch) {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.owner, p.img = w, nil
}

// publish copies what a decoded frame changed into the front buffer.
func (p *picture) publish(w *watch, img *image.RGBA, changed []image.Rectangle, full bool) {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.owner != w {
		return
	}
	if full || p.img == nil || p.img.Rect != img.Rect {
		p.img = rgba.Clone(img)
	} else {
		for _, r := range changed {
			rgba.CopyRect(p.img, img, r)
		}
	}
	p.frames++
}
