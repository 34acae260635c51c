package controller

import (
	"context"
	"errors"
	"fmt"
	"image"
	"os"
	"path/filepath"
	"sync/atomic"
	"time"

	"lifeline/shared/codec"
	"lifeline/shared/protocol"
	"lifeline/shared/recording"
	"lifeline/shared/rgba"
)

// recordQueue is how many frames may wait for the disk. At 30 frames a
// second it is a second of frames; a disk slower than that for longer
// loses frames (counted) and the recording continues from a keyframe.
const recordQueue = 32

// RecordingsFolder is where recordings go unless the CSR says otherwise:
// "Lifeline Recordings" in the CSR's home folder.
func RecordingsFolder() string {
	home, err := os.UserHomeDir()
	if err != nil {
		home = os.TempDir()
	}
	return filepath.Join(home, "Lifeline Recordings")
}

// RecordingName is the file name of a recording of session number
// started at at: session-NUMBER-YYYYMMDD-HHMMSS.llrec.
func RecordingName(number string, at time.Time) string {
	return fmt.Sprintf("session-%s-%s%s", number, at.Format("20060102-150405"), recording.Extension)
}

// RecordingInfo describes the recording of a session, while it runs or
// once it stopped.
type RecordingInfo struct {
	Path      string
	StartedAt time.Time
	Duration  time.Duration // recorded so far
	Frames    int64         // frames written, keyframes included
	Keyframes int64
	Dropped   int64 // frames lost because the disk could not keep up
	Bytes     int64 // the size of the file
	// Reason says why the recording stopped when the CSR did not stop it
	// (the sharing stopped, the session ended, the disk failed).
	Reason string
}

// recorder writes one recording of one stream. The decode goroutine
// offers it each frame the console showed, under the display's mutex and
// without waiting: a goroutine of its own does the writing.
type screenRecorder struct {
	st    *stream
	path  string
	start time.Time
	w     *recording.Writer
	queue chan recItem
	done  chan struct{} // closed once the file is closed

	// Under the display's mutex.
	closed  bool
	size    image.Point
	lastKey time.Time
	deltas  int64 // bytes of the messages queued since lastKey
	needKey bool
	dropped int64
	reason  string

	// Written by the writing goroutine, read by Recording.
	frames, keys, bytes atomic.Int64
	// keyBytes is the size of the last keyframe written (0 until the
	// first is encoded), for DueKeyframe.
	keyBytes atomic.Int64

	// Set before done is closed.
	err  error
	info RecordingInfo
}

// recItem is one thing to write: a size change, then a frame as received
// or a picture to encode as a keyframe.
type recItem struct {
	at   time.Duration
	size image.Point // a size record first, when not zero
	msg  []byte
	// agentKey: msg is a keyframe the agent sent (its size counts for
	// DueKeyframe like the recorder's own).
	agentKey bool
	key      *image.RGBA
	depth    codec.ColorDepth
	seq      uint32
}

// ErrNotRecording is StopRecording's answer when nothing is recorded.
var ErrNotRecording = errors.New("the session is not being recorded")

// StartRecording records the customer's shared screen, as this console
// shows it, to a new file at path (replaced if it exists: the caller asked
// before overwriting). It asks the customer first (the server refuses
// when the session's settings switch recording off, in a sentence to
// show). The recording stops with StopRecording, or by itself when the
// sharing stops or the session ends; the file is valid in every case.
// Everyone in the session is told that it started and stopped.
func (s *Session) StartRecording(ctx context.Context, path string) error {
	if s.isEnded() {
		return ErrEnded
	}
	if info, ok := s.Recording(); ok {
		return fmt.Errorf("the session is already being recorded to %s; stop that recording first", info.Path)
	}
	if !s.Live() {
		return errors.New("there is no screen to record: view or control the customer's screen first")
	}
	dir := filepath.Dir(path)
	if fi, err := os.Stat(dir); err != nil || !fi.IsDir() {
		return fmt.Errorf("the folder %s does not exist", dir)
	}
	if err := s.grant(ctx, protocol.ActionRecord, "The recording is saved on the support representative's computer."); err != nil {
		return err
	}
	st := s.State()
	hdr := recording.Header{Session: st.Number, StartedAt: time.Now().UTC()}
	if p, ok := PrimaryCustomer(st); ok {
		hdr.Customer = p.Name
	}
	if sc := s.Screen(); sc.Width > 0 && sc.Height > 0 && sc.Width <= codec.MaxDimension && sc.Height <= codec.MaxDimension {
		hdr.Width, hdr.Height = sc.Width, sc.Height
	}
	w, err := recording.Create(path, hdr)
	if err != nil {
		return fmt.Errorf("could not create the recording file: %w", err)
	}
	r := &screenRecorder{path: path, start: time.Now(), w: w, queue: make(chan recItem, recordQueue), done: make(chan struct{})}
	if err := s.disp.attachRecorder(r); err != nil {
		_ = w.Close(0, 0)
		_ = os.Remove(path)
		return err
	}
	s.c.wg.Add(1)
	go r.run(s)
	if _, err := s.c.request(ctx, s.id, &protocol.Recording{State: protocol.RecordingStarted}); err != nil {
		// Nobody was told: no recording.
		s.disp.detachRecorder(r, "")
		<-r.done
		_ = os.Remove(path)
		return fmt.Errorf("could not tell the session that you are recording: %w", err)
	}
	return nil
}

// StopRecording stops the recording, closes its file and tells everyone.
func (s *Session) StopRecording() (RecordingInfo, error) {
	d := &s.disp
	d.mu.Lock()
	r := d.rec
	d.mu.Unlock()
	if r == nil {
		return RecordingInfo{}, ErrNotRecording
	}
	if !d.detachRecorder(r, "") {
		return RecordingInfo{}, ErrNotRecording // it stopped by itself meanwhile
	}
	<-r.done
	s.announceStop(r)
	return r.info, r.err
}

// Recording describes the running recording, if there is one.
func (s *Session) Recording() (RecordingInfo, bool) {
	d := &s.disp
	d.mu.Lock()
	defer d.mu.Unlock()
	r := d.rec
	if r == nil {
		return RecordingInfo{}, false
	}
	return RecordingInfo{Path: r.path, StartedAt: r.start, Duration: time.Since(r.start), Frames: r.frames.Load(),
		Keyframes: r.keys.Load(), Dropped: r.dropped, Bytes: r.bytes.Load()}, true
}

// announceStop tells everyone that r stopped, and this console's user.
func (s *Session) announceStop(r *screenRecorder) {
	info := r.info
	ctx, cancel := context.WithTimeout(context.Background(), s.c.cfg.RequestTimeout)
	defer cancel()
	msg := &protocol.Recording{State: protocol.RecordingStopped, Reason: info.Reason,
		DurationMS: info.Duration.Milliseconds(), Frames: info.Frames, Bytes: info.Bytes}
	if _, err := s.c.request(ctx, s.id, msg); err != nil && !s.isEnded() {
		s.c.log.Warn("console: could not tell the session that the recording stopped", "err", err)
	}
	text := info.Reason
	if r.err != nil {
		text = r.err.Error()
	}
	s.emit(Event{Kind: EventRecordingStopped, Text: text, RecordingInfo: &info})
}

// attachRecorder starts r on the live stream: its first record is a
// keyframe of the picture shown now, continuing the stream's sequence, so
// every frame decoded after it applies.
func (d *display) attachRecorder(r *screenRecorder) error {
	d.mu.Lock()
	defer d.mu.Unlock()
	switch {
	case d.rec != nil:
		return fmt.Errorf("the session is already being recorded to %s; stop that recording first", d.rec.path)
	case !d.liveLocked():
		return errors.New("the screen sharing stopped before the recording could start")
	case d.img == nil || !d.havePkt:
		return errors.New("there is no screen to record yet: wait for the customer's screen to appear")
	}
	r.st = d.cur
	r.size = d.img.Rect.Size()
	r.lastKey = time.Now()
	r.queue <- recItem{size: r.size, key: rgba.Clone(d.img), depth: d.lastPkt.Depth, seq: d.lastPkt.Seq}
	d.rec = r
	d.wakeLocked()
	return nil
}

// detachRecorder stops r, if it is still the session's recorder; reason
// is "" when the CSR stopped it. The writing goroutine closes the file.
func (d *display) detachRecorder(r *screenRecorder, reason string) bool {
	d.mu.Lock()
	defer d.mu.Unlock()
	if d.rec != r {
		return false
	}
	d.rec = nil
	r.stopLocked(reason)
	d.wakeLocked()
	return true
}

func (r *screenRecorder) stopLocked(reason string) {
	if !r.closed {
		r.closed, r.reason = true, reason
		close(r.queue)
	}
}

// offer queues a frame the console just showed (under the display's
// mutex). It never waits: when the queue is full the frame is dropped,
// and the next frame that fits is written as a keyframe of the picture.
func (r *screenRecorder) offer(now time.Time, msg []byte, img *image.RGBA, p recording.Packet) {
	if r.closed {
		return
	}
	if len(r.queue) == cap(r.queue) {
		r.dropped++
		r.needKey = true
		return
	}
	it := recItem{at: now.Sub(r.start)}
	if sz := img.Rect.Size(); sz != r.size {
		it.size, r.size = sz, sz
	}
	switch {
	case p.Keyframe:
		it.msg, it.agentKey = msg, true
		r.lastKey, r.deltas, r.needKey = now, 0, false
	case r.needKey || recording.DueKeyframe(now.Sub(r.lastKey), r.deltas, r.keyBytes.Load()):
		// The picture after this frame, in the frame's place.
		it.key, it.depth, it.seq = rgba.Clone(img), p.Depth, p.Seq
		r.lastKey, r.deltas, r.needKey = now, 0, false
	default:
		it.msg = msg
		r.deltas += int64(len(msg))
	}
	r.queue <- it
}

// run writes what is queued, flushing every second so that a crash
// loses at most the last second, and closes the file when the queue is
// closed. A write error stops the recording.
func (r *screenRecorder) run(s *Session) {
	defer s.c.wg.Done()
	tick := time.NewTicker(time.Second)
	defer tick.Stop()
	var werr error
loop:
	for {
		select {
		case it, ok := <-r.queue:
			if !ok {
				break loop
			}
			if werr != nil {
				continue // draining after a failure
			}
			if werr = r.write(it); werr != nil {
				s.disp.detachRecorder(r, "The recording stopped: "+sentence(werr))
			}
		case <-tick.C:
			if werr == nil {
				if werr = r.w.Flush(); werr != nil {
					s.disp.detachRecorder(r, "The recording stopped: "+sentence(werr))
				}
			}
		}
	}
	s.disp.mu.Lock()
	reason, dropped := r.reason, r.dropped
	s.disp.mu.Unlock()
	err := r.w.Close(time.Since(r.start), dropped)
	if werr != nil {
		err = werr
	}
	if err != nil {
		r.err = fmt.Errorf("the recording %s may be incomplete: %w", r.path, err)
	}
	r.info = RecordingInfo{Path: r.path, StartedAt: r.start, Duration: r.w.Duration(), Frames: r.w.Frames(),
		Keyframes: r.w.Keyframes(), Dropped: dropped, Bytes: r.w.Bytes(), Reason: reason}
	close(r.done)
	if reason != "" {
		// It stopped by itself: StopRecording is not there to say so.
		s.announceStop(r)
	}
}

func (r *screenRecorder) write(it recItem) error {
	if it.size != (image.Point{}) {
		if err := r.w.Size(it.at, it.size.X, it.size.Y); err != nil {
			return err
		}
	}
	var err error
	if it.key != nil {
		var msg []byte
		if msg, err = recording.Keyframe(it.key, it.depth, it.seq); err == nil {
			r.keyBytes.Store(int64(len(msg)))
			err = r.w.Keyframe(it.at, msg)
		}
	} else {
		if it.agentKey {
			r.keyBytes.Store(int64(len(it.msg)))
		}
		err = r.w.Frame(it.at, it.msg)
	}
	r.frames.Store(r.w.Frames())
	r.keys.Store(r.w.Keyframes())
	r.bytes.Store(r.w.Bytes())
	return err
}

// sentence makes an error the end of a sentence.
func sentence(err error) string {
	s := err.Error()
	if s != "" && s[len(s)-1] != '.' {
		s += "."
	}
	return s
}
