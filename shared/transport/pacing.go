package transport

import (
	"context"
	"fmt"
	"sync"

	"github.com/pion/webrtc/v4"
)

// channel is the part of a data channel the pacing needs.
type channel interface {
	Send([]byte) error
	BufferedAmount() uint64
	SetBufferedAmountLowThreshold(uint64)
	OnBufferedAmountLow(func())
	OnMessage(func(webrtc.DataChannelMessage))
}

// FrameSender sends frames to one viewer on its screen channel. It keeps
// at most Window frames unacknowledged and the channel's send buffer below
// HighWater: a sender that waits for Ready before it encodes the next
// frame never lets frames queue up, so the viewer always gets the newest
// screen and intermediate states are dropped at the source.
type FrameSender struct {
	dc        channel
	window    uint32
	highWater uint64

	mu      sync.Mutex
	changed chan struct{} // closed and replaced on every ack or drain
	next    uint32        // id of the next frame
	acked   uint32        // highest id acknowledged
	closed  bool
}

// Pacing defaults: two frames in flight hide one round trip of latency;
// 1 MiB of buffer is a few full-screen changes at LAN speed.
const (
	DefaultWindow    = 2
	DefaultHighWater = 1 << 20
)

// NewFrameSender paces frames on dc (the sharer's end of a screen channel).
func NewFrameSender(dc *Channel) *FrameSender { return newFrameSender(dc) }

func newFrameSender(dc channel) *FrameSender {
	s := &FrameSender{dc: dc, window: DefaultWindow, highWater: DefaultHighWater, changed: make(chan struct{}), next: 1}
	dc.SetBufferedAmountLowThreshold(s.highWater / 2)
	dc.OnBufferedAmountLow(s.wake)
	dc.OnMessage(func(m webrtc.DataChannelMessage) {
		id, err := ParseAck(m.Data)
		if err != nil {
			return // a viewer's garbage must not stall the stream; acks are all we expect
		}
		s.mu.Lock()
		if id > s.acked && id < s.next {
			s.acked = id
		}
		s.mu.Unlock()
		s.wake()
	})
	return s
}

func (s *FrameSender) wake() {
	s.mu.Lock()
	close(s.changed)
	s.changed = make(chan struct{})
	s.mu.Unlock()
}

// Ready reports whether a frame may be sent now.
func (s *FrameSender) Ready() bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.readyLocked()
}

func (s *FrameSender) readyLocked() bool {
	return !s.closed && s.next-1-s.acked < s.window && s.dc.BufferedAmount() < s.highWater
}

// Wait blocks until a frame may be sent.
func (s *FrameSender) Wait(ctx context.Context) error {
	for {
		s.mu.Lock()
		if s.closed {
			s.mu.Unlock()
			return ErrFailed
		}
		if s.readyLocked() {
			s.mu.Unlock()
			return nil
		}
		ch := s.changed
		s.mu.Unlock()
		select {
		case <-ch:
		case <-ctx.Done():
			return ctx.Err()
		}
	}
}

// Changed returns a channel closed at the next ack or buffer drain, for
// callers that wait on several viewers at once.
func (s *FrameSender) Changed() <-chan struct{} {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.changed
}

// InFlight is the number of frames sent and not yet acknowledged.
func (s *FrameSender) InFlight() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return int(s.next - 1 - s.acked)
}

// Send sends one encoded frame and returns its id.
func (s *FrameSender) Send(frame []byte) (uint32, error) {
	s.mu.Lock()
	if s.closed {
		s.mu.Unlock()
		return 0, ErrFailed
	}
	id := s.next
	s.next++
	s.mu.Unlock()
	if err := Chunks(id, frame, s.dc.Send); err != nil {
		return 0, fmt.Errorf("transport: send frame %d: %w", id, err)
	}
	return id, nil
}

// Close stops the sender; Wait and Send fail from now on.
func (s *FrameSender) Close() {
	s.mu.Lock()
	s.closed = true
	s.mu.Unlock()
	s.wake()
}

// FrameReceiver reassembles frames on the viewer's end of a screen channel
// and acknowledges them when the caller has shown them.
type FrameReceiver struct {
	dc channel
	r  Reassembler
}

// NewFrameReceiver calls onFrame for every complete frame, on the
// channel's goroutine; the frame is valid only during the call. The caller
// acknowledges with Ack once the frame is decoded, so the sender's pace
// follows the viewer's real speed. A corrupt message calls onError.
func NewFrameReceiver(dc *Channel, onFrame func(id uint32, frame []byte), onError func(error)) *FrameReceiver {
	return newFrameReceiver(dc, onFrame, onError)
}

func newFrameReceiver(dc channel, onFrame func(uint32, []byte), onError func(error)) *FrameReceiver {
	fr := &FrameReceiver{dc: dc}
	dc.OnMessage(func(m webrtc.DataChannelMessage) {
		frame, id, done, err := fr.r.Add(m.Data)
		if err != nil {
			onError(err)
			return
		}
		if done {
			onFrame(id, frame)
		}
	})
	return fr
}

// Ack tells the sender that frame id has been shown.
func (fr *FrameReceiver) Ack(id uint32) error { return fr.dc.Send(AckMessage(id)) }
