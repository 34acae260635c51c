package stream

import (
	"context"
	"encoding/json"
	"fmt"
	"image"
	"image/color"
	"sync"
	"testing"
	"time"

	"lifeline/agent/stream/streamtest"
	"lifeline/shared/codec"
	"lifeline/shared/transport"
)

// connect pairs a viewer with the agent over loopback.
func connect(t *testing.T) (viewer, agent *transport.Peer) {
	t.Helper()
	var v, a *transport.Peer
	sigs := make(chan func(), 256)
	var err error
	a, err = transport.Accept(transport.Options{LoopbackOnly: true}, func(s transport.Signal) error {
		sigs <- func() { _ = v.HandleSignal(s) }
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	v, err = transport.Dial(transport.Options{LoopbackOnly: true}, func(s transport.Signal) error {
		sigs <- func() { _ = a.HandleSignal(s) }
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { v.Close(); a.Close() })
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	go func() {
		for {
			select {
			case f := <-sigs:
				f()
			case <-ctx.Done():
				return
			}
		}
	}()
	if err := v.Ready(ctx); err != nil {
		t.Fatal(err)
	}
	if err := a.Ready(ctx); err != nil {
		t.Fatal(err)
	}
	return v, a
}

type decoded struct {
	mu     sync.Mutex
	dec    *codec.Decoder
	frames int
}

func watch(t *testing.T, p *transport.Peer) *decoded {
	d := &decoded{dec: codec.NewDecoder()}
	// A frame may arrive before NewFrameReceiver has returned: its
	// callback waits for the receiver to ack with.
	var fr *transport.FrameReceiver
	ready := make(chan struct{})
	fr = transport.NewFrameReceiver(p.Channel(transport.LabelScreen), func(id uint32, b []byte) {
		<-ready
		d.mu.Lock()
		if _, err := d.dec.Decode(b); err != nil {
			t.Errorf("decode: %v", err)
		}
		d.frames++
		d.mu.Unlock()
		_ = fr.Ack(id)
	}, func(err error) { t.Errorf("frame: %v", err) })
	close(ready)
	return d
}

func (d *decoded) equals(img *image.RGBA) bool {
	d.mu.Lock()
	defer d.mu.Unlock()
	got := d.dec.Image()
	return got != nil && string(got.Pix) == string(img.Pix)
}

// TestOneEncodeForAllViewers: two viewers see the same screen from one
// encoder; a change is encoded once and reaches both.
func TestOneEncodeForAllViewers(t *testing.T) {
	scr := streamtest.New(160, 96)
	st, err := Start(Options{Open: func(int) (Source, error) { return scr, nil }, Codec: codec.Options{}})
	if err != nil {
		t.Fatal(err)
	}
	defer st.Stop()
	v1, a1 := connect(t)
	v2, a2 := connect(t)
	d1, d2 := watch(t, v1), watch(t, v2)
	st.AddViewer("one", a1)
	st.AddViewer("two", a2)
	until := func(what string, cond func() bool) {
		t.Helper()
		waitUntil(t, what, cond, func() string {
			d1.mu.Lock()
			n1 := d1.frames
			d1.mu.Unlock()
			d2.mu.Lock()
			n2 := d2.frames
			d2.mu.Unlock()
			f, b := st.Stats()
			return fmt.Sprintf(" (viewer frames %d, %d; encoded %d frames, %d bytes)", n1, n2, f, b)
		})
	}
	until("both viewers show the screen", func() bool { return d1.equals(scr.Snapshot()) && d2.equals(scr.Snapshot()) })
	before, _ := st.Stats()
	scr.Paint(image.Rect(10, 10, 70, 40), color.RGBA{255, 0, 0, 255})
	until("both viewers show the change", func() bool { return d1.equals(scr.Snapshot()) && d2.equals(scr.Snapshot()) })
	after, _ := st.Stats()
	if n := after - before; n != 1 {
		t.Fatalf("the change was encoded %d times for two viewers, want once", n)
	}
	// A viewer that leaves does not stop the other.
	st.RemoveViewer("one")
	scr.Paint(image.Rect(10, 10, 70, 40), color.RGBA{0, 0, 255, 255})
	until("the remaining viewer shows the next change", func() bool { return d2.equals(scr.Snapshot()) })
	if d1.equals(scr.Snapshot()) {
		t.Fatal("the viewer that left still gets frames")
	}
}

// TestObserverCannotChangeOptions: someone watching without the customer's
// grant (an assistant) gets the same frames but cannot change the
// picture everyone sees; a viewer the customer allowed can.
func TestObserverCannotChangeOptions(t *testing.T) {
	scr := streamtest.New(160, 96)
	st, err := Start(Options{Open: func(int) (Source, error) { return scr, nil }, Codec: codec.Options{}})
	if err != nil {
		t.Fatal(err)
	}
	defer st.Stop()
	v1, a1 := connect(t)
	v2, a2 := connect(t)
	d1, d2 := watch(t, v1), watch(t, v2)
	st.AddViewer("host", a1)
	st.AddObserver("assistant", a2)
	until := func(what string, cond func() bool) { t.Helper(); waitUntil(t, what, cond, nil) }
	until("both show the screen", func() bool { return d1.equals(scr.Snapshot()) && d2.equals(scr.Snapshot()) })
	setColors := func(p *transport.Peer) {
		b, _ := json.Marshal(transport.Control{Type: transport.ControlOptions, Colors: "256"})
		if err := p.Channel(transport.LabelControl).SendText(string(b)); err != nil {
			t.Fatal(err)
		}
	}
	// An odd colour that 256 colours cannot show exactly.
	odd := color.RGBA{13, 77, 201, 255}
	setColors(v2)
	time.Sleep(200 * time.Millisecond)
	scr.Paint(image.Rect(20, 20, 80, 60), odd)
	until("the observer's 256 colours were ignored: the picture is exact", func() bool {
		return d1.equals(scr.Snapshot()) && d2.equals(scr.Snapshot())
	})
	setColors(v1)
	time.Sleep(200 * time.Millisecond)
	before := st.frames.Load()
	scr.Paint(image.Rect(30, 30, 90, 70), color.RGBA{201, 13, 77, 255})
	until("a frame after the host's change", func() bool { return st.frames.Load() > before })
	time.Sleep(300 * time.Millisecond)
	if d1.equals(scr.Snapshot()) {
		t.Fatal("the host's 256 colours were not applied")
	}
}

// waitUntil waits up to 10 s for cond; detail (if any) adds to the failure.
func waitUntil(t *testing.T, what string, cond func() bool, detail func() string) {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			more := ""
			if detail != nil {
				more = detail()
			}
			t.Fatalf("timed out: %s%s", what, more)
		}
		time.Sleep(10 * time.Millisecond)
	}
}
