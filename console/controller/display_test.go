package controller

import (
	"image"
	"testing"
	"time"
)

// The agent's latency echo (frame_info) and the frame it describes travel
// on different channels: either may come first, and only the first frame
// showing a new input event is measured.
func TestLatencyEitherOrder(t *testing.T) {
	var d display
	d.init()
	st := &stream{done: make(chan struct{})}
	d.begin(st)
	img := image.NewRGBA(image.Rect(0, 0, 4, 4))
	t0 := time.Unix(100, 0)
	sent := t0.UnixNano()

	// frame_info first, then the frame.
	d.frameInfo(st, 1, sent)
	d.publish(st, 1, nil, img, nil, true, time.Millisecond, t0.Add(30*time.Millisecond))
	if !d.hasLatency || d.latency != 30*time.Millisecond {
		t.Fatalf("latency = %v (%v), want 30ms", d.latency, d.hasLatency)
	}
	// A later frame echoing the same input does not count the idle time.
	d.publish(st, 2, nil, img, nil, false, time.Millisecond, t0.Add(5*time.Second))
	d.frameInfo(st, 2, sent)
	if d.latency != 30*time.Millisecond {
		t.Fatalf("latency = %v after an old echo, want 30ms", d.latency)
	}
	// The frame first, then its frame_info for a new input.
	sent2 := t0.Add(10 * time.Second).UnixNano()
	d.publish(st, 3, nil, img, nil, false, time.Millisecond, t0.Add(10*time.Second+12*time.Millisecond))
	d.frameInfo(st, 3, sent2)
	if d.latency != 12*time.Millisecond {
		t.Fatalf("latency = %v, want 12ms", d.latency)
	}
	if d.frames != 3 || d.streamFrames != 3 {
		t.Fatalf("frames = %d/%d, want 3", d.frames, d.streamFrames)
	}
}

// Only the rectangles a frame changed are copied into the front buffer,
// and the front buffer is never the decoder's own image.
func TestPublishCopiesChangedRectangles(t *testing.T) {
	var d display
	d.init()
	st := &stream{done: make(chan struct{})}
	d.begin(st)
	src := image.NewRGBA(image.Rect(0, 0, 8, 8))
	src.Pix[0] = 1
	d.publish(st, 1, nil, src, nil, true, 0, time.Now())
	if d.img == src || d.img.Pix[0] != 1 {
		t.Fatal("keyframe not copied into a separate image")
	}
	src.Pix[0] = 2                   // inside the changed rectangle
	src.Pix[src.PixOffset(7, 7)] = 9 // outside it: must not be copied
	d.publish(st, 2, nil, src, []image.Rectangle{image.Rect(0, 0, 2, 2)}, false, 0, time.Now())
	if d.img.Pix[0] != 2 || d.img.Pix[d.img.PixOffset(7, 7)] != 0 {
		t.Fatalf("changed rectangle not applied exactly: %d %d", d.img.Pix[0], d.img.Pix[d.img.PixOffset(7, 7)])
	}
}
