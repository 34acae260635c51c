package controller

import (
	"context"
	"errors"
	"image"
	"sync"
	"time"

	"lifeline/shared/recording"
	"lifeline/shared/rgba"
	"lifeline/shared/transport"
)

// statsWindow is the span over which fps and kbit/s are measured.
const statsWindow = 2 * time.Second

// display is the viewer's screen of one session: the decoded image as the
// user sees it, the counters, and the current stream. The decode goroutine
// publishes into it and callers read it, under mu.
type display struct {
	mu      sync.Mutex
	changed chan struct{} // closed and replaced on every change

	img          *image.RGBA // the front buffer: a copy the decoder never touches
	frames       int64       // decoded, since the session was attached
	bytes        int64       // received, since the session was attached
	decodeErrors int64

	cur          *stream // the current or last stream
	live         bool
	liveAt       time.Time
	streamFrames int64 // decoded on cur
	stopReason   string

	control bool // the customer granted us control
	paused  bool
	screen  ScreenInfo
	opts    transport.Control // options the CSR chose; sent again on each new stream

	rec     *screenRecorder  // the running recording of cur, if any
	lastPkt recording.Packet // header of the last frame decoded: what a recorder's first keyframe continues
	havePkt bool

	recvd      []sample
	decodedAt  []time.Time
	decodeTime time.Duration

	latency      time.Duration
	hasLatency   bool
	shownInput   int64                // newest input (SentAt) that a decoded frame shows
	lastInputOf  int64                // newest LatencyOf already measured
	latencyOf    map[uint32]int64     // frame id → LatencyOf, for frames not decoded yet
	decodedTimes map[uint32]time.Time // frame id → decode time, for frame_info not arrived yet
}

type sample struct {
	at    time.Time
	bytes int
}

func (d *display) init() {
	d.changed = make(chan struct{})
	d.latencyOf = map[uint32]int64{}
	d.decodedTimes = map[uint32]time.Time{}
}

// liveLocked reports whether the current stream is open: marked live and
// not stopped (stop closes done a moment before it marks the display).
func (d *display) liveLocked() bool {
	return d.live && d.cur != nil && !d.cur.isStopped()
}

func (d *display) wakeLocked() {
	close(d.changed)
	d.changed = make(chan struct{})
}

// begin makes st the current stream, not yet live.
func (d *display) begin(st *stream) {
	d.mu.Lock()
	defer d.mu.Unlock()
	d.cur, d.live, d.streamFrames, d.stopReason, d.paused = st, false, 0, "", false
	d.lastInputOf, d.shownInput = 0, 0
	clear(d.latencyOf)
	clear(d.decodedTimes)
	d.wakeLocked()
}

// setLive marks st live, unless it was stopped or replaced meanwhile.
func (d *display) setLive(st *stream) bool {
	d.mu.Lock()
	defer d.mu.Unlock()
	if d.cur != st || st.isStopped() {
		return false
	}
	d.live, d.liveAt = true, time.Now()
	d.wakeLocked()
	return true
}

func (d *display) stopped(st *stream, reason string) {
	d.mu.Lock()
	defer d.mu.Unlock()
	if d.cur != st {
		return
	}
	d.live, d.stopReason, d.paused = false, reason, false
	if d.rec != nil && d.rec.st == st {
		// The recording ends with the sharing; its file stays valid.
		d.rec.stopLocked(reason)
		d.rec = nil
	}
	d.wakeLocked()
}

func (d *display) setControl(on bool) {
	d.mu.Lock()
	defer d.mu.Unlock()
	if d.control != on {
		d.control = on
		d.wakeLocked()
	}
}

func (d *display) setPaused(st *stream, on bool) {
	d.mu.Lock()
	defer d.mu.Unlock()
	if d.cur == st {
		d.paused = on
		d.wakeLocked()
	}
}

func (d *display) setScreen(st *stream, info ScreenInfo) {
	d.mu.Lock()
	defer d.mu.Unlock()
	if d.cur == st {
		d.screen = info
		d.wakeLocked()
	}
}

// received counts a complete frame as it arrives.
func (d *display) received(st *stream, n int, now time.Time) {
	d.mu.Lock()
	defer d.mu.Unlock()
	if d.cur != st {
		return
	}
	d.bytes += int64(n)
	d.recvd = append(pruneSamples(d.recvd, now), sample{at: now, bytes: n})
}

func (d *display) decodeFailed(st *stream) {
	d.mu.Lock()
	defer d.mu.Unlock()
	if d.cur == st {
		d.decodeErrors++
	}
}

// publish copies what a decoded frame changed into the front buffer and
// offers the frame (msg, as received) to the recorder, under one lock: a
// recording that starts between two frames begins with the picture of the
// first and continues with the second.
func (d *display) publish(st *stream, id uint32, msg []byte, img *image.RGBA, changed []image.Rectangle, full bool, took time.Duration, now time.Time) {
	d.mu.Lock()
	defer d.mu.Unlock()
	if d.cur != st || st.isStopped() {
		return
	}
	if full || d.img == nil || d.img.Rect != img.Rect {
		d.img = rgba.Clone(img)
	} else {
		for _, r := range changed {
			rgba.CopyRect(d.img, img, r)
		}
	}
	if p, err := recording.ParsePacket(msg); err == nil {
		d.lastPkt, d.havePkt = p, true
		if d.rec != nil {
			d.rec.offer(now, msg, d.img, p)
		}
	}
	d.frames++
	d.streamFrames++
	d.decodeTime = took
	d.decodedAt = append(pruneTimes(d.decodedAt, now), now)
	if sentAt, ok := d.latencyOf[id]; ok {
		delete(d.latencyOf, id)
		d.measureLatency(sentAt, now)
	} else {
		d.decodedTimes[id] = now
		forgetOld(d.decodedTimes, id)
	}
	d.wakeLocked()
}

// frameInfo records the agent's latency echo for a frame, which may come
// before or after the frame itself is decoded.
func (d *display) frameInfo(st *stream, id uint32, sentAt int64) {
	d.mu.Lock()
	defer d.mu.Unlock()
	if d.cur != st || sentAt == 0 {
		return
	}
	if at, ok := d.decodedTimes[id]; ok {
		delete(d.decodedTimes, id)
		d.measureLatency(sentAt, at)
		return
	}
	d.latencyOf[id] = sentAt
	forgetOld(d.latencyOf, id)
}

// measureLatency takes the first frame that shows a new input event: later
// frames echo the same event and would count the idle time since.
func (d *display) measureLatency(sentAt int64, shown time.Time) {
	if sentAt > d.shownInput {
		d.shownInput = sentAt
		d.wakeLocked()
	}
	if sentAt <= d.lastInputOf {
		return
	}
	d.lastInputOf = sentAt
	d.latency, d.hasLatency = shown.Sub(time.Unix(0, sentAt)), true
	d.wakeLocked()
}

// forgetOld bounds the per-frame maps to the last 64 frames.
func forgetOld[V any](m map[uint32]V, newest uint32) {
	if len(m) <= 64 {
		return
	}
	for id := range m {
		if newest-id > 64 {
			delete(m, id)
		}
	}
}

func pruneSamples(s []sample, now time.Time) []sample {
	i := 0
	for i < len(s) && now.Sub(s[i].at) > statsWindow {
		i++
	}
	return append(s[:0], s[i:]...)
}

func pruneTimes(s []time.Time, now time.Time) []time.Time {
	i := 0
	for i < len(s) && now.Sub(s[i]) > statsWindow {
		i++
	}
	return append(s[:0], s[i:]...)
}

// wait blocks until check reports done or an error.
func (d *display) wait(ctx context.Context, check func() (bool, error)) error {
	for {
		d.mu.Lock()
		done, err := check()
		ch := d.changed
		d.mu.Unlock()
		if done || err != nil {
			return err
		}
		select {
		case <-ch:
		case <-ctx.Done():
			return ctx.Err()
		}
	}
}

// streamOverLocked explains why waiting for frames is pointless: no stream,
// or the current one has stopped.
func (d *display) streamOverLocked() error {
	if d.cur == nil {
		return ErrNotViewing
	}
	if d.cur.isStopped() {
		if d.stopReason != "" {
			return &StreamStopped{Reason: d.stopReason}
		}
		return &StreamStopped{Reason: "The screen sharing stopped."}
	}
	return nil
}

// StreamStopped is returned by waits that cannot finish because the screen
// connection closed.
type StreamStopped struct{ Reason string }

func (e *StreamStopped) Error() string { return "the screen sharing stopped: " + e.Reason }

// IsStreamStopped reports whether err means the screen connection closed.
func IsStreamStopped(err error) bool {
	var s *StreamStopped
	return errors.As(err, &s)
}

// Stats describes the screen stream of a session.
type Stats struct {
	Live         bool          // the screen connection is open
	Frames       int64         // frames decoded since the session was attached
	Bytes        int64         // bytes of frames received since then
	FPS          float64       // frames decoded per second, over the last 2 s
	Kbps         float64       // kbit/s received, over the last 2 s
	Latency      time.Duration // input to display, for the newest input event shown
	HasLatency   bool          // Latency is measured (some input was sent and shown)
	DecodeTime   time.Duration // of the last frame
	DecodeErrors int64
	Width        int // of the decoded image (0 before the first frame)
	Height       int
	Paused       bool // the customer took the mouse and keyboard back
	Control      bool // the customer granted control
}

// Stats returns the current statistics.
func (s *Session) Stats() Stats {
	d := &s.disp
	d.mu.Lock()
	defer d.mu.Unlock()
	now := time.Now()
	d.recvd = pruneSamples(d.recvd, now)
	d.decodedAt = pruneTimes(d.decodedAt, now)
	live := d.liveLocked()
	span := statsWindow
	if live {
		if since := now.Sub(d.liveAt); since < span {
			span = max(since, 250*time.Millisecond)
		}
	}
	var bytes int
	for _, x := range d.recvd {
		bytes += x.bytes
	}
	st := Stats{
		Live: live, Frames: d.frames, Bytes: d.bytes,
		FPS:     float64(len(d.decodedAt)) / span.Seconds(),
		Kbps:    float64(bytes) * 8 / 1000 / span.Seconds(),
		Latency: d.latency, HasLatency: d.hasLatency, DecodeTime: d.decodeTime, DecodeErrors: d.decodeErrors,
		Paused: d.paused, Control: d.control,
	}
	if d.img != nil {
		st.Width, st.Height = d.img.Rect.Dx(), d.img.Rect.Dy()
	}
	return st
}

// Screen is the size and monitors the agent reported for the shared screen.
func (s *Session) Screen() ScreenInfo {
	s.disp.mu.Lock()
	defer s.disp.mu.Unlock()
	return s.disp.screen
}

// Snapshot returns a copy of the decoded screen and how many frames had
// been decoded when it was taken. It is ErrNoFrame before the first frame.
// The image stays available after the stream stops.
func (s *Session) Snapshot() (*image.RGBA, int64, error) {
	d := &s.disp
	d.mu.Lock()
	defer d.mu.Unlock()
	if d.img == nil {
		return nil, d.frames, ErrNoFrame
	}
	return rgba.Clone(d.img), d.frames, nil
}

// SnapshotInto is Snapshot copying into dst when dst has the screen's
// size, so that a viewer showing 30 frames a second reuses its pictures
// instead of making 8 MB of garbage per 1080p frame; otherwise (dst nil,
// the screen resized) it returns a new image.
func (s *Session) SnapshotInto(dst *image.RGBA) (*image.RGBA, int64, error) {
	d := &s.disp
	d.mu.Lock()
	defer d.mu.Unlock()
	if d.img == nil {
		return nil, d.frames, ErrNoFrame
	}
	if dst == nil || dst.Rect != d.img.Rect || dst.Stride != d.img.Stride {
		return rgba.Clone(d.img), d.frames, nil
	}
	copy(dst.Pix, d.img.Pix)
	return dst, d.frames, nil
}

// WaitFrames waits until n frames in all have been decoded in this session
// (see Stats.Frames). WaitFrames(ctx, Stats().Frames+1) waits for a frame
// newer than the present one. It fails when the stream stops first.
func (s *Session) WaitFrames(ctx context.Context, n int64) error {
	d := &s.disp
	return d.wait(ctx, func() (bool, error) {
		if d.frames >= n {
			return true, nil
		}
		return false, d.streamOverLocked()
	})
}

// WaitFirstFrame waits until the current stream has decoded a frame: after
// a granted RequestView or RequestControl, when the customer's screen is
// there to see.
func (s *Session) WaitFirstFrame(ctx context.Context) error {
	d := &s.disp
	return d.wait(ctx, func() (bool, error) {
		if d.cur != nil && d.streamFrames > 0 {
			return true, nil
		}
		return false, d.streamOverLocked()
	})
}

// WaitInputShown waits until a decoded frame shows the last input event
// sent (the agent's frame_info echo says which input a frame reflects), so
// that a snapshot taken next shows its effect. It returns at once when no
// input was sent.
func (s *Session) WaitInputShown(ctx context.Context) error {
	target := s.lastInput.Load()
	if target == 0 {
		return nil
	}
	d := &s.disp
	return d.wait(ctx, func() (bool, error) {
		if d.shownInput >= target {
			return true, nil
		}
		return false, d.streamOverLocked()
	})
}

// WaitStopped waits until no stream is live or opening.
func (s *Session) WaitStopped(ctx context.Context) error {
	d := &s.disp
	return d.wait(ctx, func() (bool, error) {
		return !d.live && (d.cur == nil || d.cur.isStopped()), nil
	})
}

// Live reports whether the screen connection is open.
func (s *Session) Live() bool {
	s.disp.mu.Lock()
	defer s.disp.mu.Unlock()
	return s.disp.liveLocked()
}
