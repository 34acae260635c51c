package codec

import (
	"image"
	"testing"
)

// Benchmarks report MB/s of source RGBA pixels (w×h×4 bytes per frame).

func benchEncode(b *testing.B, opts Options, a, c *image.RGBA) {
	enc := NewEncoder(opts)
	enc.Encode(a, nil)
	buf := make([]byte, 0, 1<<20)
	frames := [2]*image.RGBA{c, a}
	b.SetBytes(int64(len(a.Pix)))
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; b.Loop(); i++ {
		out, _, err := enc.Encode(frames[i%2], buf[:0])
		if err != nil {
			b.Fatal(err)
		}
		buf = out
	}
}

// A few characters typed (and removed again): the typical small update.
func BenchmarkEncodeTyping(b *testing.B) {
	benchEncode(b, Options{}, corpusFrame(b, "typing", 1), corpusFrame(b, "typing", 2))
}

// Terminal scrolls by a few lines (down and up): copy detection + new lines.
func BenchmarkEncodeTerminalScroll(b *testing.B) {
	benchEncode(b, Options{}, corpusFrame(b, "terminal-scroll", 1), corpusFrame(b, "terminal-scroll", 2))
}

// A window moves by ~30 px: move detection + uncovered wallpaper.
func BenchmarkEncodeWindowDrag(b *testing.B) {
	benchEncode(b, Options{}, corpusFrame(b, "window-drag", 1), corpusFrame(b, "window-drag", 2))
}

// Every tile changes every frame (two different desktops alternate).
func BenchmarkEncodeFullScreenStandard(b *testing.B) {
	benchEncode(b, Options{}, corpusFrame(b, "typing", 0), corpusFrame(b, "web-scroll", 0))
}

func BenchmarkEncodeFullScreenSampling(b *testing.B) {
	benchEncode(b, Options{Mode: Sampling}, corpusFrame(b, "typing", 0), corpusFrame(b, "web-scroll", 0))
}

func BenchmarkEncodeVideoSampling(b *testing.B) {
	benchEncode(b, Options{Mode: Sampling}, corpusFrame(b, "video-region", 1), corpusFrame(b, "video-region", 2))
}

// Unchanged frame: the cost of change detection alone.
func BenchmarkEncodeIdle(b *testing.B) {
	f := corpusFrame(b, "idle", 0)
	benchEncode(b, Options{}, f, f)
}

func BenchmarkEncodeKeyframe(b *testing.B) {
	f := corpusFrame(b, "web-scroll", 0)
	enc := NewEncoder(Options{})
	buf := make([]byte, 0, 1<<20)
	b.SetBytes(int64(len(f.Pix)))
	b.ReportAllocs()
	for b.Loop() {
		enc.ForceKeyframe()
		out, _, err := enc.Encode(f, buf[:0])
		if err != nil {
			b.Fatal(err)
		}
		buf = out
	}
}

func BenchmarkDecodeKeyframe(b *testing.B) {
	f := corpusFrame(b, "web-scroll", 0)
	msg, _, _ := NewEncoder(Options{}).Encode(f, nil)
	dec := NewDecoder()
	b.SetBytes(int64(len(f.Pix)))
	b.ReportAllocs()
	for b.Loop() {
		if _, err := dec.Decode(msg); err != nil {
			b.Fatal(err)
		}
	}
}

// Decoding one delta (the decoder's sequence number is rewound each time).
func benchDecodeDelta(b *testing.B, opts Options, sc string) {
	f0, f1 := corpusFrame(b, sc, 0), corpusFrame(b, sc, 1)
	enc := NewEncoder(opts)
	key, _, _ := enc.Encode(f0, nil)
	key = append([]byte(nil), key...)
	delta, _, _ := enc.Encode(f1, nil)
	dec := NewDecoder()
	mustDecode(b, dec, key)
	b.SetBytes(int64(len(f0.Pix)))
	b.ReportAllocs()
	for b.Loop() {
		dec.seq, dec.valid = 0, true
		if _, err := dec.Decode(delta); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkDecodeTyping(b *testing.B)         { benchDecodeDelta(b, Options{}, "typing") }
func BenchmarkDecodeTerminalScroll(b *testing.B) { benchDecodeDelta(b, Options{}, "terminal-scroll") }
func BenchmarkDecodeVideoSampling(b *testing.B) {
	benchDecodeDelta(b, Options{Mode: Sampling}, "video-region")
}
