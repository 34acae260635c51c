package codec

import (
	"encoding/binary"
	"errors"
	"image"
	"image/draw"
	"testing"
)

// fuzzSeeds returns message sequences (keyframe + deltas) from real corpus
// crops in every mode, including scrolls, window moves and JPEG tiles.
func fuzzSeeds(t testing.TB) [][][]byte {
	var out [][][]byte
	crop := func(m *image.RGBA, r image.Rectangle) *image.RGBA {
		c := image.NewRGBA(image.Rect(0, 0, r.Dx(), r.Dy()))
		draw.Draw(c, c.Rect, m, r.Min, draw.Src)
		return c
	}
	type clip struct {
		sc string
		r  image.Rectangle
	}
	clips := []clip{
		{"terminal-scroll", image.Rect(400, 700, 592, 828)}, // scrolling text
		{"web-scroll", image.Rect(560, 300, 752, 428)},      // scrolling page
		{"window-drag", image.Rect(20, 60, 212, 188)},       // moving window edge
		{"video-region", image.Rect(300, 250, 492, 378)},    // video (JPEG in Sampling)
		{"typing", image.Rect(560, 440, 661, 505)},          // odd size, typed text
	}
	modes := []Options{{}, {Color: Color16}, {Color: Color256}, {Mode: Sampling}}
	for _, c := range clips {
		var frames []*image.RGBA
		for i := 0; i < 3; i++ {
			frames = append(frames, crop(corpusFrame(t, c.sc, i), c.r))
		}
		for _, o := range modes {
			enc := NewEncoder(o)
			var seq [][]byte
			for _, f := range append(frames, frames[2]) { // last repeat: refresh
				msg, _, err := enc.Encode(f, nil)
				if err != nil {
					t.Fatal(err)
				}
				if len(msg) > 0 {
					seq = append(seq, msg)
				}
			}
			if b := joinMessages(seq); len(b) <= 40000 {
				out = append(out, seq)
			}
		}
	}
	// synthetic: scroll and move inside a small frame
	f0 := desktop(200, 140, 3)
	f1 := cloneRGBA(f0)
	draw.Draw(f1, image.Rect(0, 0, 200, 120), f0, image.Pt(0, 20), draw.Src)
	enc := NewEncoder(Options{})
	m0, _, _ := enc.Encode(f0, nil)
	m1, _, _ := enc.Encode(f1, nil)
	out = append(out, [][]byte{m0, m1})
	return out
}

func joinMessages(msgs [][]byte) []byte {
	var b []byte
	for _, m := range msgs {
		b = binary.AppendUvarint(b, uint64(len(m)))
		b = append(b, m...)
	}
	return b
}

func splitMessages(b []byte) [][]byte {
	var out [][]byte
	for len(b) > 0 && len(out) < 8 {
		n, k := binary.Uvarint(b)
		if k <= 0 || n > uint64(len(b)-k) {
			out = append(out, b)
			break
		}
		out = append(out, b[k:k+int(n)])
		b = b[k+int(n):]
	}
	return out
}

// FuzzDecode feeds (mutated) messages to one decoder: it must never panic,
// must return errors wrapping the sentinels, and a rejected message must
// leave the image unchanged. The first input byte selects the shape:
//
//   - even: a sequence of length-prefixed messages (keyframe, deltas, …);
//   - odd: a length-prefixed keyframe followed by the uncompressed payload of
//     the next frame, which the harness wraps in a header (keyframe flag =
//     bit 1 of the selector) and compresses, so that mutations reach the
//     payload parser instead of breaking the zstd stream.
func FuzzDecode(f *testing.F) {
	for _, seq := range fuzzSeeds(f) {
		f.Add(append([]byte{0}, joinMessages(seq)...))
	}
	for _, p := range payloadSeeds(f) {
		f.Add(append([]byte{p.sel}, append(joinMessages([][]byte{p.key}), p.payload...)...))
	}
	fuzzDec = NewDecoder()
	fuzzDec.SetLimits(Limits{MaxPixels: 1 << 20})
	recoverPanics = false
	f.Cleanup(func() { recoverPanics = true })
	f.Fuzz(func(t *testing.T, data []byte) {
		if len(data) == 0 {
			return
		}
		var msgs [][]byte
		if data[0]&1 == 0 {
			msgs = splitMessages(data[1:])
		} else {
			parts := splitMessages(data[1:])
			if len(parts) == 0 {
				return
			}
			key := parts[0]
			rest := data[1:]
			n, k := binary.Uvarint(rest)
			if k <= 0 || n > uint64(len(rest)-k) {
				return
			}
			payload := rest[k+int(n):]
			hd, err := parseHeader(key)
			if err != nil {
				return
			}
			hd.keyframe = data[0]&2 != 0
			hd.seq = 1
			if hd.keyframe {
				hd.seq = 0
			}
			msgs = [][]byte{key, craft(hd, payload)}
		}
		d := fuzzDec
		d.Reset()
		for _, msg := range msgs {
			var before []byte
			if img := d.Image(); img != nil {
				before = append(before, img.Pix...)
			}
			changed, err := d.Decode(msg)
			if err != nil {
				if !errors.Is(err, ErrCorrupt) && !errors.Is(err, ErrNeedKeyframe) && !errors.Is(err, ErrVersion) && !errors.Is(err, ErrTooLarge) {
					t.Fatalf("error without sentinel: %v", err)
				}
				if img := d.Image(); before != nil && string(img.Pix) != string(before) {
					t.Fatal("rejected message changed the image")
				}
				continue
			}
			b := d.Image().Bounds()
			for _, r := range changed {
				if !r.In(b) {
					t.Fatalf("changed rectangle %v outside %v", r, b)
				}
			}
		}
	})
}

var fuzzDec *Decoder

type payloadSeed struct {
	sel          byte
	key, payload []byte
}

// payloadSeeds returns keyframes with the uncompressed payload of the next
// frame (deltas with copies, partial tiles, every tile kind, JPEG rects).
func payloadSeeds(t testing.TB) []payloadSeed {
	var out []payloadSeed
	small := func(m *image.RGBA, r image.Rectangle) *image.RGBA {
		c := image.NewRGBA(image.Rect(0, 0, r.Dx(), r.Dy()))
		draw.Draw(c, c.Rect, m, r.Min, draw.Src)
		return c
	}
	pairs := [][2]*image.RGBA{}
	for _, c := range []struct {
		sc string
		r  image.Rectangle
	}{
		{"terminal-scroll", image.Rect(400, 700, 592, 828)},
		{"window-drag", image.Rect(20, 60, 212, 188)},
		{"video-region", image.Rect(300, 250, 428, 378)},
		{"web-scroll", image.Rect(560, 300, 752, 428)},
	} {
		pairs = append(pairs, [2]*image.RGBA{small(corpusFrame(t, c.sc, 0), c.r), small(corpusFrame(t, c.sc, 1), c.r)})
	}
	for _, o := range []Options{{}, {Color: Color16}, {Color: Color256}, {Mode: Sampling}} {
		for _, p := range pairs {
			enc := NewEncoder(o)
			key, _, _ := enc.Encode(p[0], nil)
			key = append([]byte(nil), key...)
			if m, _, _ := enc.Encode(p[1], nil); len(m) > 0 && len(key)+len(enc.payload) <= 40000 {
				out = append(out, payloadSeed{1, key, append([]byte(nil), enc.payload...)})
			}
			enc.ForceKeyframe()
			enc.Encode(p[1], nil)
			if len(key)+len(enc.payload) <= 40000 {
				out = append(out, payloadSeed{3, key, append([]byte(nil), enc.payload...)})
			}
		}
	}
	return out
}
