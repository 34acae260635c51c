// Package stream is the agent's screen loop: capture, encode once, send the
// same encoded frame to every viewer. It is pull-based: a frame is captured
// and encoded only when every viewer can take one, so a slow path drops
// intermediate screens at the source instead of queuing stale ones, and an
// unchanging screen costs nothing (the loop sleeps on the capture's damage
// notification).
package stream

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"image"
	"log/slog"
	"sync"
	"sync/atomic"
	"time"

	"github.com/pion/webrtc/v4"

	"lifeline/shared/codec"
	"lifeline/shared/transport"
)

// Source is a screen capturer.
type Source interface {
	// Size is the size of the captured image.
	Size() image.Point
	// Capture updates dst and returns the rectangles that changed since
	// the last call (the first call: everything). No rectangles: nothing
	// changed, and nothing was read from the screen.
	Capture(dst *image.RGBA) ([]image.Rectangle, error)
	// Wait blocks until the screen may have changed, or ctx ends.
	Wait(ctx context.Context) error
	Close() error
}

// Options configure a Streamer.
type Options struct {
	Codec codec.Options
	// Monitors are described to viewers; Open opens the source for one
	// monitor (-1: all monitors as one screen).
	Monitors []transport.Monitor
	Open     func(monitor int) (Source, error)
	Monitor  int
	Log      *slog.Logger
	// OnRegion is told the shared screen area after a monitor change, so
	// input can be mapped to it.
	OnRegion func(monitor int)
}

// idleTick bounds how long the loop sleeps while something is still owed
// (the lossless refresh of Screen Sampling tiles, an input echo, a retry
// after a capture error). With nothing owed it sleeps until the screen,
// a viewer or an option changes: an unchanging screen costs no wake-ups.
const idleTick = 100 * time.Millisecond

// Streamer owns the capture source and the encoder of one shared screen.
type Streamer struct {
	opts Options
	log  *slog.Logger

	mu       sync.Mutex
	viewers  map[string]*viewer
	wake     chan struct{}
	keyframe bool
	codecOpt *codec.Options // pending encoder options
	monitor  *int           // pending monitor change

	lastInput   atomic.Int64 // SentAt of the last input applied
	lastInputAt atomic.Int64 // when it was applied (local clock, Unix ns)
	frames      atomic.Int64
	bytes       atomic.Int64

	cancel context.CancelFunc
	done   chan struct{}
}

type viewer struct {
	id      string
	sender  *transport.FrameSender
	control *transport.Channel
	echoed  int64  // the last input echoed to this viewer
	lastID  uint32 // the last frame sent to it
}

// Start opens the source and starts the loop.
func Start(opts Options) (*Streamer, error) {
	if opts.Log == nil {
		opts.Log = slog.Default()
	}
	src, err := opts.Open(opts.Monitor)
	if err != nil {
		return nil, err
	}
	ctx, cancel := context.WithCancel(context.Background())
	s := &Streamer{opts: opts, log: opts.Log, viewers: map[string]*viewer{}, wake: make(chan struct{}, 1), cancel: cancel, done: make(chan struct{})}
	go s.loop(ctx, src)
	return s, nil
}

func (s *Streamer) poke() {
	select {
	case s.wake <- struct{}{}:
	default:
	}
}

// AddViewer starts sending to a connected viewer: it is told the screen's
// size and gets a keyframe.
func (s *Streamer) AddViewer(id string, p *transport.Peer) { s.addViewer(id, p, false) }

// AddObserver is AddViewer for someone who watches without having asked
// the customer (an assistant, a secondary customer): the picture is the
// same for everyone, so only those the customer allowed choose its
// options (mode, colours, monitor); an observer may ask for a keyframe.
func (s *Streamer) AddObserver(id string, p *transport.Peer) { s.addViewer(id, p, true) }

func (s *Streamer) addViewer(id string, p *transport.Peer, observer bool) {
	v := &viewer{id: id, sender: transport.NewFrameSender(p.Channel(transport.LabelScreen)), control: p.Channel(transport.LabelControl)}
	v.control.OnMessage(func(m webrtc.DataChannelMessage) {
		c, err := transport.ParseControl(m.Data)
		if err != nil {
			s.log.Warn("stream: bad control message", "viewer", id, "err", err)
			return
		}
		if observer && c.Type != transport.ControlKeyframe {
			s.log.Debug("stream: an observer's option ignored", "viewer", id, "type", c.Type)
			return
		}
		s.control(c)
	})
	s.mu.Lock()
	s.viewers[id] = v
	s.keyframe = true
	s.mu.Unlock()
	s.poke()
}

// RemoveViewer stops sending to a viewer.
func (s *Streamer) RemoveViewer(id string) {
	s.mu.Lock()
	if v := s.viewers[id]; v != nil {
		v.sender.Close()
		delete(s.viewers, id)
	}
	s.mu.Unlock()
	s.poke()
}

// Viewers returns the number of viewers.
func (s *Streamer) Viewers() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return len(s.viewers)
}

func (s *Streamer) control(c transport.Control) {
	s.mu.Lock()
	defer s.mu.Unlock()
	switch c.Type {
	case transport.ControlKeyframe:
		s.keyframe = true
	case transport.ControlOptions:
		o := s.opts.Codec
		if s.codecOpt != nil {
			o = *s.codecOpt
		}
		switch c.Mode {
		case "standard":
			o.Mode = codec.Standard
		case "sampling":
			o.Mode = codec.Sampling
		}
		switch c.Colors {
		case "full":
			o.Color = codec.ColorFull
		case "16bit":
			o.Color = codec.Color16
		case "256":
			o.Color = codec.Color256
		}
		s.codecOpt = &o
		if c.Monitor != nil && *c.Monitor != s.opts.Monitor {
			m := *c.Monitor
			s.monitor = &m
		}
	}
	s.poke()
}

// InputApplied records that an input event sent at sentAt (viewer clock)
// has been injected; the next frame carries its echo for latency figures.
func (s *Streamer) InputApplied(sentAt int64) {
	s.lastInputAt.Store(time.Now().UnixNano())
	s.lastInput.Store(sentAt)
}

// echoGrace is how long an input may leave the screen unchanged before its
// echo is attached to the last frame sent: the application may redraw so
// fast that its frame was captured before the input was recorded, or the
// input may change nothing visible.
const echoGrace = 50 * time.Millisecond

// echoStale attaches a pending input echo to the last frame each viewer
// got, once the screen has stayed unchanged for echoGrace. It reports
// whether an echo is still owed (so the loop must wake up again).
func (s *Streamer) echoStale(vs []*viewer) (owed bool) {
	mark := s.lastInput.Load()
	if mark == 0 {
		return false
	}
	early := time.Since(time.Unix(0, s.lastInputAt.Load())) < echoGrace
	for _, v := range vs {
		if v.echoed == mark || v.lastID == 0 {
			continue
		}
		if early {
			owed = true
			continue
		}
		v.echoed = mark
		b, _ := json.Marshal(transport.Control{Type: transport.ControlFrameInfo, Frame: v.lastID, LatencyOf: mark})
		_ = v.control.Send(b)
	}
	return owed
}

// Stats returns frames and bytes encoded so far.
func (s *Streamer) Stats() (frames, bytes int64) { return s.frames.Load(), s.bytes.Load() }

// Stop ends the loop and closes the source; it returns when capture has
// stopped.
func (s *Streamer) Stop() {
	s.cancel()
	<-s.done
	s.mu.Lock()
	for id, v := range s.viewers {
		v.sender.Close()
		delete(s.viewers, id)
	}
	s.mu.Unlock()
}

// Done is closed when the loop has ended.
func (s *Streamer) Done() <-chan struct{} { return s.done }

func (s *Streamer) screenMessage(src Source) []byte {
	size := src.Size()
	b, _ := json.Marshal(transport.Control{Type: transport.ControlScreen, Width: size.X, Height: size.Y, Monitors: s.opts.Monitors})
	return b
}

func (s *Streamer) loop(ctx context.Context, src Source) {
	defer close(s.done)
	defer func() { src.Close() }()
	enc := codec.NewEncoder(s.opts.Codec)
	img := image.NewRGBA(image.Rectangle{Max: src.Size()})
	screenMsg := s.screenMessage(src)
	told := map[string]bool{}
	var buf []byte
	refreshing := false // Screen Sampling may still owe lossless refreshes
	for ctx.Err() == nil {
		s.mu.Lock()
		vs := make([]*viewer, 0, len(s.viewers))
		for _, v := range s.viewers {
			vs = append(vs, v)
		}
		if s.codecOpt != nil {
			enc.SetOptions(*s.codecOpt)
			s.codecOpt = nil
		}
		if s.monitor != nil {
			m := *s.monitor
			s.monitor = nil
			if ns, err := s.opts.Open(m); err != nil {
				s.log.Warn("stream: monitor change refused", "monitor", m, "err", err)
			} else {
				src.Close()
				src, s.opts.Monitor = ns, m
				img = image.NewRGBA(image.Rectangle{Max: src.Size()})
				screenMsg = s.screenMessage(src)
				clear(told)
				s.keyframe = true
				if s.opts.OnRegion != nil {
					s.opts.OnRegion(m)
				}
			}
		}
		key := s.keyframe
		s.mu.Unlock()

		if len(vs) == 0 {
			s.sleep(ctx, nil, false)
			continue
		}
		if w := firstBusy(vs); w != nil {
			select {
			case <-w.sender.Changed():
			case <-s.wake:
			case <-ctx.Done():
			}
			continue
		}
		for _, v := range vs {
			if !told[v.id] {
				if err := v.control.Send(screenMsg); err == nil {
					told[v.id] = true
				}
			}
		}
		inputMark := s.lastInput.Load()
		damaged, err := src.Capture(img)
		if err != nil {
			s.log.Error("stream: capture failed", "err", err)
			s.sleep(ctx, nil, true)
			continue
		}
		if len(damaged) == 0 && !key && !refreshing {
			// Nothing changed: sleep until the screen, a viewer or an
			// option does, waking only while an input echo is owed.
			s.sleep(ctx, src, s.echoStale(vs))
			continue
		}
		if key {
			enc.ForceKeyframe()
			s.mu.Lock()
			s.keyframe = false
			s.mu.Unlock()
		}
		data, _, err := enc.Encode(img, buf[:0])
		if err != nil {
			s.log.Error("stream: encode failed", "err", err)
			continue
		}
		buf = data
		if len(data) == 0 {
			refreshing = false
			if len(damaged) == 0 {
				s.sleep(ctx, src, true)
			}
			continue
		}
		refreshing = enc.Options().Mode == codec.Sampling
		s.frames.Add(1)
		s.bytes.Add(int64(len(data)))
		for _, v := range vs {
			id, err := v.sender.Send(data)
			if err == nil {
				v.lastID = id
			}
			if err != nil {
				if !errors.Is(err, transport.ErrFailed) {
					s.log.Warn("stream: send failed", "viewer", v.id, "err", err)
				}
				continue
			}
			if inputMark != 0 && inputMark != v.echoed {
				v.echoed = inputMark
				b, _ := json.Marshal(transport.Control{Type: transport.ControlFrameInfo, Frame: id, LatencyOf: inputMark})
				_ = v.control.Send(b)
			}
		}
	}
}

// sleep waits for a change of the screen (when src is given), of the
// viewers or options, and, when tick is set, at most for the idle tick.
func (s *Streamer) sleep(ctx context.Context, src Source, tick bool) {
	var wctx context.Context
	var cancel context.CancelFunc
	if tick {
		wctx, cancel = context.WithTimeout(ctx, idleTick)
	} else {
		wctx, cancel = context.WithCancel(ctx)
	}
	defer cancel()
	if src == nil {
		select {
		case <-s.wake:
		case <-wctx.Done():
		}
		return
	}
	woke := make(chan struct{})
	go func() {
		select {
		case <-s.wake:
			cancel()
		case <-wctx.Done():
		}
		close(woke)
	}()
	_ = src.Wait(wctx)
	cancel()
	<-woke
}

func firstBusy(vs []*viewer) *viewer {
	for _, v := range vs {
		if !v.sender.Ready() {
			return v
		}
	}
	return nil
}

// ErrNoDisplay is returned by sources when there is no screen to share.
var ErrNoDisplay = errors.New("no display")

// String describes options for logs.
func (o Options) String() string {
	return fmt.Sprintf("%v %v monitor %d", o.Codec.Mode, o.Codec.Color, o.Monitor)
}
