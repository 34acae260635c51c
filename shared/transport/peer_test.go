package transport

import (
	"bytes"
	"context"
	"math/rand"
	"sync"
	"testing"
	"time"

	"github.com/pion/webrtc/v4"
)

// pair connects a viewer and an agent on loopback, passing signals
// directly as the rendezvous server would.
func pair(t *testing.T) (viewer, agent *Peer) {
	t.Helper()
	return pairWith(t, Options{LoopbackOnly: true}, Options{LoopbackOnly: true})
}

func pairWith(t *testing.T, vopts, aopts Options) (viewer, agent *Peer) {
	t.Helper()
	var mu sync.Mutex
	var toAgent, toViewer []Signal
	var a *Peer
	var v *Peer
	deliver := func() {
		mu.Lock()
		ta, tv := toAgent, toViewer
		toAgent, toViewer = nil, nil
		mu.Unlock()
		for _, s := range ta {
			if err := a.HandleSignal(s); err != nil {
				t.Errorf("agent signal: %v", err)
			}
		}
		for _, s := range tv {
			if err := v.HandleSignal(s); err != nil {
				t.Errorf("viewer signal: %v", err)
			}
		}
	}
	var err error
	a, err = Accept(aopts, func(s Signal) error { mu.Lock(); toViewer = append(toViewer, s); mu.Unlock(); return nil })
	if err != nil {
		t.Fatal(err)
	}
	v, err = Dial(vopts, func(s Signal) error { mu.Lock(); toAgent = append(toAgent, s); mu.Unlock(); return nil })
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { v.Close(); a.Close() })
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	for ctx.Err() == nil {
		deliver()
		if readyWithin(v, 20*time.Millisecond) && readyWithin(a, 20*time.Millisecond) {
			return v, a
		}
	}
	t.Fatal("peers did not connect on loopback")
	return nil, nil
}

func readyWithin(p *Peer, d time.Duration) bool {
	ctx, cancel := context.WithTimeout(context.Background(), d)
	defer cancel()
	return p.Ready(ctx) == nil
}

func TestPeerFramesArePacedAndInputOvertakes(t *testing.T) {
	viewer, agent := pair(t)
	frames := make(chan []byte, 64)
	var recv *FrameReceiver
	recv = NewFrameReceiver(viewer.Channel(LabelScreen), func(id uint32, f []byte) {
		frames <- append([]byte(nil), f...)
		_ = recv.Ack(id)
	}, func(err error) { t.Errorf("receiver: %v", err) })
	inputs := make(chan Input, 4)
	agent.Channel(LabelInput).OnMessage(func(m webrtc.DataChannelMessage) {
		in, err := ParseInput(m.Data)
		if err != nil {
			t.Errorf("input: %v", err)
		}
		inputs <- in
	})
	sender := NewFrameSender(agent.Channel(LabelScreen))
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()

	big := make([]byte, 3<<20)
	rand.New(rand.NewSource(1)).Read(big)
	must := func(err error) {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
	}
	must(sender.Wait(ctx))
	_, err := sender.Send(big)
	must(err)
	// An input event sent right after a 3 MiB frame starts arrives before
	// the frame has finished: it is not queued behind it.
	must(viewer.Channel(LabelInput).Send([]byte(`{"k":"click","x":10,"y":20,"b":"left"}`)))
	select {
	case in := <-inputs:
		if in.Kind != InputClick || in.X != 10 {
			t.Fatalf("input = %+v", in)
		}
	case <-ctx.Done():
		t.Fatal("no input")
	}
	select {
	case f := <-frames:
		if !bytes.Equal(f, big) {
			t.Fatal("frame corrupted")
		}
	case <-ctx.Done():
		t.Fatal("no frame")
	}
	// With the window full of unacknowledged frames the sender is not ready.
	for i := 0; i < 20; i++ {
		must(sender.Wait(ctx))
		if sender.InFlight() >= DefaultWindow {
			t.Fatalf("window exceeded: %d in flight", sender.InFlight())
		}
		_, err := sender.Send([]byte{byte(i)})
		must(err)
	}
	for i := 0; i < 20; i++ {
		select {
		case f := <-frames:
			if len(f) != 1 || f[0] != byte(i) {
				t.Fatalf("frame %d = %v", i, f)
			}
		case <-ctx.Done():
			t.Fatalf("frame %d missing", i)
		}
	}
}

// fakeChannel records sends, for pacing tests without a network.
type fakeChannel struct {
	mu       sync.Mutex
	sent     [][]byte
	buffered uint64
	onMsg    func(webrtc.DataChannelMessage)
	onLow    func()
}

func (f *fakeChannel) Send(b []byte) error {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.sent = append(f.sent, append([]byte(nil), b...))
	f.buffered += uint64(len(b))
	return nil
}
func (f *fakeChannel) BufferedAmount() uint64 {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.buffered
}
func (f *fakeChannel) SetBufferedAmountLowThreshold(uint64)         {}
func (f *fakeChannel) OnBufferedAmountLow(fn func())                { f.onLow = fn }
func (f *fakeChannel) OnMessage(fn func(webrtc.DataChannelMessage)) { f.onMsg = fn }

func TestFrameSenderPacing(t *testing.T) {
	fc := &fakeChannel{}
	s := newFrameSender(fc)
	steps := []struct {
		name  string
		do    func()
		ready bool
	}{
		{"ready at first", func() {}, true},
		{"one frame in flight: still ready", func() { s.Send([]byte("a")) }, true},
		{"two frames in flight: the window is full", func() { s.Send([]byte("b")) }, false},
		{"an ack of frame 1 opens it", func() { fc.onMsg(webrtc.DataChannelMessage{Data: AckMessage(1)}) }, true},
		{"a garbage ack changes nothing", func() { s.Send([]byte("c")); fc.onMsg(webrtc.DataChannelMessage{Data: []byte{9}}) }, false},
		{"an ack for a frame never sent is ignored", func() { fc.onMsg(webrtc.DataChannelMessage{Data: AckMessage(99)}) }, false},
		{"ack of the newest frame acknowledges all", func() { fc.onMsg(webrtc.DataChannelMessage{Data: AckMessage(3)}) }, true},
		{"a full send buffer holds frames back", func() { fc.mu.Lock(); fc.buffered = DefaultHighWater; fc.mu.Unlock() }, false},
		{"the buffer drains", func() { fc.mu.Lock(); fc.buffered = 0; fc.mu.Unlock(); fc.onLow() }, true},
		{"closed: never ready", func() { s.Close() }, false},
	}
	for _, st := range steps {
		st.do()
		if got := s.Ready(); got != st.ready {
			t.Fatalf("%s: Ready = %v", st.name, got)
		}
	}
}

// TestEarlyMessagesAreKept: what arrives before a handler is set is
// delivered, in order, when it is set.
func TestEarlyMessagesAreKept(t *testing.T) {
	viewer, agent := pair(t)
	for i := 0; i < 50; i++ {
		if err := viewer.Channel(LabelControl).Send([]byte{byte(i)}); err != nil {
			t.Fatal(err)
		}
	}
	time.Sleep(300 * time.Millisecond) // all of them are in before the handler
	got := make(chan byte, 100)
	agent.Channel(LabelControl).OnMessage(func(m webrtc.DataChannelMessage) { got <- m.Data[0] })
	for i := 0; i < 50; i++ {
		select {
		case b := <-got:
			if b != byte(i) {
				t.Fatalf("message %d arrived as %d", i, b)
			}
		case <-time.After(5 * time.Second):
			t.Fatalf("message %d lost", i)
		}
	}
}
