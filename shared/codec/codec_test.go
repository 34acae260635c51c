package codec

import (
	"errors"
	"fmt"
	"github.com/klauspost/compress/zstd"
	"image"
	"image/draw"
	"math"
	"testing"
)

// Standard mode is lossless at every colour depth: the decoder shows the
// source exactly (Full) or exactly the documented quantisation (16-bit,
// 256 colours), for any frame size, through keyframes and deltas.
func TestStandardRoundTrip(t *testing.T) {
	sizes := []struct{ w, h int }{{1, 1}, {2, 3}, {64, 64}, {65, 63}, {127, 129}, {300, 1}, {1, 300}, {1366, 768}}
	for _, depth := range []ColorDepth{ColorFull, Color16, Color256} {
		for _, sz := range sizes {
			t.Run(fmt.Sprintf("%v/%dx%d", depth, sz.w, sz.h), func(t *testing.T) {
				enc := NewEncoder(Options{Color: depth})
				dec := NewDecoder()
				f := desktop(sz.w, sz.h, 1)
				for step := 0; step < 4; step++ {
					msg, st, err := enc.Encode(f, nil)
					if err != nil {
						t.Fatal(err)
					}
					if step == 0 && !st.Keyframe {
						t.Fatal("first frame is not a keyframe")
					}
					mustDecode(t, dec, msg)
					wantShown(t, dec, f, depth, fmt.Sprintf("step %d", step))
					// change a few rectangles: text typed, a photo patch, a solid box
					f = cloneRGBA(f)
					r := image.Rect(sz.w/3, sz.h/3, sz.w/3+17+step*9, sz.h/3+11+step*5).Intersect(f.Rect)
					fillText(f, r, uint32(step+11), [3]uint8{200, 0, 0}, [3]uint8{255, 255, 255})
					fillPhoto(f, image.Rect(0, 0, 40, 30).Add(image.Pt(step*3, step)).Intersect(f.Rect), uint32(step))
					draw.Draw(f, image.Rect(sz.w-5, sz.h-5, sz.w, sz.h), image.NewUniform(image.Black.C), image.Point{}, draw.Src)
				}
			})
		}
	}
}

// The local-palette kinds (packed indices, RLE) round-trip at every depth
// (the default encoder prefers the frame palette; see localMax).
func TestLocalPaletteKinds(t *testing.T) {
	old := localMax
	localMax = 256
	defer func() { localMax = old }()
	for _, depth := range []ColorDepth{Color16, Color256} {
		enc, dec := NewEncoder(Options{Color: depth}), NewDecoder()
		var kinds [numKinds]int
		for i := 0; i < 3; i++ {
			f := desktop(301, 203, uint32(i))
			fillText(f, image.Rect(0, 0, 301, 100), uint32(i), [3]uint8{255, 0, 0}, [3]uint8{0, 0, 90})
			msg, st, err := enc.Encode(f, nil)
			if err != nil {
				t.Fatal(err)
			}
			for k, n := range st.Kinds {
				kinds[k] += n
			}
			mustDecode(t, dec, msg)
			wantShown(t, dec, f, depth, fmt.Sprintf("%v frame %d", depth, i))
		}
		if kinds[kindPacked] == 0 || kinds[kindRLE] == 0 {
			t.Fatalf("%v: kinds used %v, want packed and RLE", depth, kinds)
		}
	}
}

// Real screen content (first frames of every corpus scenario) round-trips
// exactly at every colour depth.
func TestCorpusRoundTrip(t *testing.T) {
	corpusDir(t)
	for _, sc := range []string{"typing", "terminal-scroll", "web-scroll", "window-drag", "video-region", "idle"} {
		for _, depth := range []ColorDepth{ColorFull, Color16, Color256} {
			t.Run(sc+"/"+depth.String(), func(t *testing.T) {
				enc := NewEncoder(Options{Color: depth})
				dec := NewDecoder()
				for i := 0; i < 2; i++ {
					f := corpusFrame(t, sc, i)
					msg, _, err := enc.Encode(f, nil)
					if err != nil {
						t.Fatal(err)
					}
					mustDecode(t, dec, msg)
					wantShown(t, dec, f, depth, fmt.Sprintf("frame %d", i))
				}
			})
		}
	}
}

// Frames that are sub-images (non-zero origin, larger stride) encode like
// the equivalent standalone image.
func TestSubImageFrame(t *testing.T) {
	big := desktop(300, 200, 3)
	sub := big.SubImage(image.Rect(37, 21, 237, 171)).(*image.RGBA)
	enc, dec := NewEncoder(Options{}), NewDecoder()
	msg, _, err := enc.Encode(sub, nil)
	if err != nil {
		t.Fatal(err)
	}
	mustDecode(t, dec, msg)
	wantShown(t, dec, sub, ColorFull, "sub-image")
	if got := dec.Image().Bounds(); got != image.Rect(0, 0, 200, 150) {
		t.Fatalf("decoded bounds %v", got)
	}
}

// An unchanged frame produces no message; so does an identical frame
// passed through EncodeRegions with no damage.
func TestUnchangedFrameNoOutput(t *testing.T) {
	f := desktop(200, 130, 5)
	enc := NewEncoder(Options{})
	if msg, _, _ := enc.Encode(f, nil); len(msg) == 0 {
		t.Fatal("keyframe is empty")
	}
	for i := 0; i < 3; i++ {
		msg, st, err := enc.Encode(cloneRGBA(f), []byte("keep"))
		if err != nil {
			t.Fatal(err)
		}
		if string(msg) != "keep" || st.Bytes != 0 || st.DirtyTiles != 0 {
			t.Fatalf("unchanged frame produced %d bytes (stats %+v)", len(msg)-4, st)
		}
	}
	if msg, st, _ := enc.EncodeRegions(f, nil, nil); len(msg) != 0 || st.Bytes != 0 {
		t.Fatal("EncodeRegions without damage produced output")
	}
}

// A damage hint that covers the change gives the same result as a full
// comparison; changes outside the hint are (as documented) not seen.
func TestEncodeRegions(t *testing.T) {
	f0 := desktop(400, 300, 9)
	f1 := cloneRGBA(f0)
	fillText(f1, image.Rect(100, 100, 180, 130), 3, [3]uint8{0, 0, 200}, [3]uint8{255, 255, 255})
	a, b := NewEncoder(Options{}), NewEncoder(Options{})
	a.Encode(f0, nil)
	b.Encode(f0, nil)
	ma, _, _ := a.Encode(f1, nil)
	mb, _, _ := b.EncodeRegions(f1, []image.Rectangle{image.Rect(90, 95, 200, 140)}, nil)
	if string(ma) != string(mb) {
		t.Fatalf("hinted encode differs: %d vs %d bytes", len(ma), len(mb))
	}
	dec := NewDecoder()
	ms, _, _ := NewEncoder(Options{}).Encode(f0, nil)
	mustDecode(t, dec, ms)
	mustDecode(t, dec, mb)
	wantShown(t, dec, f1, ColorFull, "hinted")
}

// Scrolls (terminal and web page) are sent as copy operations covering most
// of the scrolled area, and the result is exact.
func TestScrollUsesCopy(t *testing.T) {
	t.Run("synthetic", func(t *testing.T) {
		f0 := desktop(800, 600, 21)
		area := image.Rect(120, 90, 680, 440)
		for _, dy := range []int{14, 42, -28} {
			f1 := cloneRGBA(f0)
			// scroll the window content by dy and draw new lines in the gap
			src := area.Add(image.Pt(0, dy)).Intersect(area)
			draw.Draw(f1, src.Sub(image.Pt(0, dy)), f0, src.Min, draw.Src)
			gap := image.Rect(area.Min.X, area.Max.Y-dy, area.Max.X, area.Max.Y)
			if dy < 0 {
				gap = image.Rect(area.Min.X, area.Min.Y, area.Max.X, area.Min.Y-dy)
			}
			fillText(f1, gap, uint32(dy+100), [3]uint8{0, 0, 0}, [3]uint8{250, 250, 245})
			enc, dec := NewEncoder(Options{}), NewDecoder()
			m0, _, _ := enc.Encode(f0, nil)
			mustDecode(t, dec, m0)
			m1, st, err := enc.Encode(f1, nil)
			if err != nil {
				t.Fatal(err)
			}
			mustDecode(t, dec, m1)
			wantShown(t, dec, f1, ColorFull, fmt.Sprintf("scroll %d", dy))
			if st.Copies == 0 || st.CopyPixels < area.Dx()*(area.Dy()-abs(dy))*9/10 {
				t.Fatalf("scroll by %d: %d copies covering %d px, want most of %d", dy, st.Copies, st.CopyPixels, area.Dx()*area.Dy())
			}
			if st.Bytes*4 > len(m0) {
				t.Fatalf("scroll by %d cost %d bytes, keyframe %d", dy, st.Bytes, len(m0))
			}
		}
	})
	for _, sc := range []string{"terminal-scroll", "web-scroll"} {
		t.Run(sc, func(t *testing.T) {
			enc, dec := NewEncoder(Options{}), NewDecoder()
			for i := 0; i < 4; i++ {
				f := corpusFrame(t, sc, i)
				msg, st, err := enc.Encode(f, nil)
				if err != nil {
					t.Fatal(err)
				}
				mustDecode(t, dec, msg)
				wantShown(t, dec, f, ColorFull, fmt.Sprintf("frame %d", i))
				if i > 0 && st.CopyPixels < 500_000 {
					t.Fatalf("frame %d: copies cover %d px; want the scrolled area (>500k px)", i, st.CopyPixels)
				}
			}
		})
	}
}

// A moved window is sent as one copy of the whole window, and the result is
// exact.
func TestWindowMoveUsesCopy(t *testing.T) {
	t.Run("synthetic", func(t *testing.T) {
		bg := image.NewRGBA(image.Rect(0, 0, 900, 600))
		fillPhoto(bg, bg.Rect, 4)
		win := image.NewRGBA(image.Rect(0, 0, 300, 200))
		fillText(win, win.Rect, 8, [3]uint8{0, 90, 0}, [3]uint8{240, 240, 255})
		at := func(p image.Point) *image.RGBA {
			f := cloneRGBA(bg)
			draw.Draw(f, win.Rect.Add(p), win, image.Point{}, draw.Src)
			return f
		}
		enc, dec := NewEncoder(Options{}), NewDecoder()
		pos := image.Pt(100, 80)
		m, _, _ := enc.Encode(at(pos), nil)
		mustDecode(t, dec, m)
		for _, d := range []image.Point{{31, 12}, {-40, 7}, {3, -50}} {
			pos = pos.Add(d)
			f := at(pos)
			m, st, err := enc.Encode(f, nil)
			if err != nil {
				t.Fatal(err)
			}
			mustDecode(t, dec, m)
			wantShown(t, dec, f, ColorFull, fmt.Sprintf("move %v", d))
			if st.CopyPixels < 300*200*9/10 {
				t.Fatalf("move %v: copies cover %d px, want the window (%d)", d, st.CopyPixels, 300*200)
			}
		}
	})
	t.Run("window-drag", func(t *testing.T) {
		enc, dec := NewEncoder(Options{}), NewDecoder()
		for i := 0; i < 4; i++ {
			f := corpusFrame(t, "window-drag", i)
			msg, st, err := enc.Encode(f, nil)
			if err != nil {
				t.Fatal(err)
			}
			mustDecode(t, dec, msg)
			wantShown(t, dec, f, ColorFull, fmt.Sprintf("frame %d", i))
			if i > 0 && st.CopyPixels < 600*400 {
				t.Fatalf("frame %d: copies cover %d px; want the 694x473 window", i, st.CopyPixels)
			}
		}
	})
}

func abs(x int) int {
	if x < 0 {
		return -x
	}
	return x
}

// After ForceKeyframe the next message contains every tile and decodes on
// a fresh decoder; the first frame is always a keyframe.
func TestForceKeyframe(t *testing.T) {
	for _, opts := range []Options{{}, {Color: Color16}, {Mode: Sampling}} {
		enc := NewEncoder(opts)
		f := desktop(333, 222, 2)
		enc.Encode(f, nil)
		f2 := cloneRGBA(f)
		fillText(f2, image.Rect(50, 50, 90, 70), 1, [3]uint8{0, 0, 0}, [3]uint8{255, 255, 255})
		enc.Encode(f2, nil)
		enc.ForceKeyframe()
		msg, st, err := enc.Encode(f2, nil)
		if err != nil {
			t.Fatal(err)
		}
		tiles := ((333 + 63) / 64) * ((222 + 63) / 64)
		if !st.Keyframe || st.Tiles+st.LossyTiles != tiles || st.Copies != 0 {
			t.Fatalf("%+v: forced keyframe stats %+v, want all %d tiles", opts, st, tiles)
		}
		dec := NewDecoder()
		mustDecode(t, dec, msg)
		if opts.Mode == Standard {
			wantShown(t, dec, f2, opts.Color, "fresh decoder")
		}
		// and the following delta applies on that fresh decoder
		f3 := cloneRGBA(f2)
		fillText(f3, image.Rect(100, 100, 150, 120), 2, [3]uint8{0, 0, 0}, [3]uint8{255, 255, 255})
		msg, st, _ = enc.Encode(f3, nil)
		if st.Keyframe {
			t.Fatal("keyframe repeated")
		}
		mustDecode(t, dec, msg)
	}
}

// Changing the colour depth forces a keyframe at the new depth.
func TestSetOptionsColourChange(t *testing.T) {
	f := desktop(200, 100, 6)
	enc, dec := NewEncoder(Options{}), NewDecoder()
	m, _, _ := enc.Encode(f, nil)
	mustDecode(t, dec, m)
	enc.SetOptions(Options{Color: Color256})
	m, st, _ := enc.Encode(f, nil)
	if !st.Keyframe {
		t.Fatal("colour change did not force a keyframe")
	}
	mustDecode(t, dec, m)
	wantShown(t, dec, f, Color256, "after switch to 256 colours")
}

// The documented quantisation: RGB565 by bit replication, 256 colours as a
// 6×7×6 cube with rounding.
func TestQuantize(t *testing.T) {
	cases := []struct {
		depth   ColorDepth
		in, out [3]uint8
	}{
		{ColorFull, [3]uint8{1, 2, 3}, [3]uint8{1, 2, 3}},
		{Color16, [3]uint8{255, 255, 255}, [3]uint8{255, 255, 255}},
		{Color16, [3]uint8{0x12, 0x34, 0x56}, [3]uint8{0x10, 0x34, 0x52}},
		{Color256, [3]uint8{0, 0, 0}, [3]uint8{0, 0, 0}},
		{Color256, [3]uint8{255, 255, 255}, [3]uint8{255, 255, 255}},
		{Color256, [3]uint8{30, 30, 30}, [3]uint8{51, 43, 51}},
		{Color256, [3]uint8{25, 21, 25}, [3]uint8{0, 0, 0}},
		{Color256, [3]uint8{200, 100, 150}, [3]uint8{204, 85, 153}},
	}
	for _, c := range cases {
		r, g, b := Quantize(c.depth, c.in[0], c.in[1], c.in[2])
		if [3]uint8{r, g, b} != c.out {
			t.Errorf("Quantize(%v, %v) = %v, want %v", c.depth, c.in, [3]uint8{r, g, b}, c.out)
		}
	}
}

// Sampling mode: photo-like tiles are lossy with PSNR >= 30 dB, text tiles
// are exact, and once the region stops changing the lossless refresh makes
// the decoded image exact.
func TestSamplingMode(t *testing.T) {
	check := func(t *testing.T, frames []*image.RGBA) {
		enc, dec := NewEncoder(Options{Mode: Sampling}), NewDecoder()
		lossySeen := 0
		for i, f := range frames {
			msg, st, err := enc.Encode(f, nil)
			if err != nil {
				t.Fatal(err)
			}
			mustDecode(t, dec, msg)
			lossySeen += st.LossyTiles
			// every tile is exact unless the encoder tracks it as lossy
			for ti, lossy := range enc.lossy {
				tx, ty := ti%enc.tw, ti/enc.tw
				r := image.Rect(tx*TileSize, ty*TileSize, tx*TileSize+TileSize, ty*TileSize+TileSize).Intersect(f.Rect)
				p := psnr(f, dec.Image(), r)
				if !lossy && !math.IsInf(p, 1) {
					t.Fatalf("frame %d: tile %d is not lossy but differs (%.1f dB)", i, ti, p)
				}
				if lossy && p < 30 {
					t.Fatalf("frame %d: lossy tile %d at %.1f dB, want >= 30 dB", i, ti, p)
				}
			}
		}
		if lossySeen == 0 {
			t.Fatal("no tile was sent lossily")
		}
		// the screen stops changing: refreshes follow, then nothing
		last := frames[len(frames)-1]
		for k := 0; k < DefaultRefreshAfter+1; k++ {
			msg, _, err := enc.Encode(last, nil)
			if err != nil {
				t.Fatal(err)
			}
			mustDecode(t, dec, msg)
		}
		wantShown(t, dec, last, ColorFull, "after refresh")
		if msg, _, _ := enc.Encode(last, nil); len(msg) != 0 {
			t.Fatalf("still sending %d bytes after convergence", len(msg))
		}
	}
	t.Run("synthetic", func(t *testing.T) {
		var frames []*image.RGBA
		f := desktop(640, 400, 12)
		for i := 0; i < 4; i++ {
			f = cloneRGBA(f)
			fillPhoto(f, image.Rect(20, 300, 620, 400), uint32(i+40)) // "video" strip
			fillText(f, image.Rect(100, 60, 200, 80), uint32(i), [3]uint8{0, 0, 0}, [3]uint8{250, 250, 245})
			frames = append(frames, f)
		}
		check(t, frames)
	})
	t.Run("video-region", func(t *testing.T) {
		var frames []*image.RGBA
		for i := 0; i < 4; i++ {
			frames = append(frames, corpusFrame(t, "video-region", i))
		}
		check(t, frames)
	})
}

var craftZ *zstd.Encoder

// craft builds a message around a raw payload (for hostile-input tests).
func craft(h header, payload []byte) []byte {
	h.payloadLen = len(payload)
	b := make([]byte, HeaderSize)
	h.put(b)
	if craftZ == nil {
		craftZ, _ = newZstd(1)
	}
	return craftZ.EncodeAll(payload, b)
}

// The decoder rejects malformed input with a wrapped sentinel error and
// leaves the image unchanged.
func TestDecoderRejects(t *testing.T) {
	f := desktop(130, 70, 8)
	enc := NewEncoder(Options{})
	key, _, _ := enc.Encode(f, nil)
	f2 := cloneRGBA(f)
	fillText(f2, image.Rect(0, 0, 60, 30), 4, [3]uint8{9, 9, 9}, [3]uint8{200, 200, 200})
	delta, _, _ := enc.Encode(f2, nil)
	h := header{width: 130, height: 70, seq: 1}
	kh := header{width: 130, height: 70, keyframe: true}
	tiles := 3 * 2

	solidAll := func() []byte { // keyframe payload: 6 solid tiles
		p := []byte{0, 0, byte(tiles)}
		for i := 0; i < tiles; i++ {
			p = append(p, 0, kindSolid, 1, 2, 3)
		}
		return append(p, 0)
	}
	cases := []struct {
		name string
		msg  []byte
		want error
	}{
		{"empty", nil, ErrCorrupt},
		{"short header", key[:10], ErrCorrupt},
		{"bad magic", append([]byte("XXXX"), key[4:]...), ErrVersion},
		{"future version", func() []byte { b := append([]byte(nil), key...); b[4] = 9; return b }(), ErrVersion},
		{"unknown flags", func() []byte { b := append([]byte(nil), key...); b[5] |= 0x40; return b }(), ErrCorrupt},
		{"unknown depth", func() []byte { b := append([]byte(nil), key...); b[6] = 7; return b }(), ErrCorrupt},
		{"zero width", func() []byte { b := append([]byte(nil), key...); b[8], b[9] = 0, 0; return b }(), ErrCorrupt},
		{"too wide", func() []byte { b := append([]byte(nil), key...); b[8], b[9] = 0xff, 0xff; return b }(), ErrTooLarge},
		{"payload length lies", func() []byte { b := append([]byte(nil), key...); b[16]++; return b }(), ErrCorrupt},
		{"absurd payload length", func() []byte { b := append([]byte(nil), key...); b[19] = 0x7f; return b }(), ErrCorrupt},
		{"truncated zstd", key[:len(key)-5], ErrCorrupt},
		{"sequence gap", func() []byte { b := append([]byte(nil), delta...); b[12] = 5; return b }(), ErrNeedKeyframe},
		{"delta of other size", craft(header{width: 131, height: 70, seq: 1}, []byte{0, 0, 0, 0}), ErrNeedKeyframe},
		{"delta of other depth", craft(header{width: 130, height: 70, seq: 1, depth: Color16}, []byte{0, 0, 0, 0}), ErrNeedKeyframe},
		{"keyframe missing tiles", craft(kh, []byte{0, 0, 1, 0, kindSolid, 1, 2, 3, 0}), ErrCorrupt},
		{"keyframe with copy", craft(kh, append([]byte{1, 0, 0, 0, 0, 1, 1}, solidAll()[1:]...)), ErrCorrupt},
		{"copy outside frame", craft(h, []byte{1, 0, 0, 100, 0, 31, 1, 0, 0, 0}), ErrCorrupt},
		{"zero-size copy", craft(h, []byte{1, 0, 0, 5, 5, 0, 1, 0, 0, 0}), ErrCorrupt},
		{"tile index out of range", craft(h, []byte{0, 0, 1, 6, kindSolid, 1, 2, 3, 0}), ErrCorrupt},
		{"unknown kind", craft(h, []byte{0, 0, 1, 0, 9, 1, 2, 3, 0}), ErrCorrupt},
		{"pred in 16-bit", craft(header{width: 130, height: 70, keyframe: true, depth: Color16}, []byte{0, 0, 1, 0, kindPred, 0}), ErrCorrupt},
		{"sub-rectangle outside tile", craft(h, []byte{0, 0, 1, 2, kindSolid | kindPartial, 0, 0, 63, 63, 1, 2, 3, 0}), ErrCorrupt},
		{"palette index out of range", craft(h, []byte{0, 0, 1, 0, kindPacked | kindPartial, 0, 0, 1, 0, 2, 1, 1, 1, 2, 2, 2, 3, 3, 3, 0x30, 0}), ErrCorrupt},
		{"RLE overrun", craft(h, []byte{0, 0, 1, 0, kindRLE | kindPartial, 0, 0, 1, 0, 1, 1, 1, 1, 2, 2, 2, 0, 5, 0}), ErrCorrupt},
		{"frame palette index out of range", craft(h, []byte{0, 1, 9, 9, 9, 1, 0, kindGlobal | kindPartial, 0, 0, 1, 0, 0, 1, 0}), ErrCorrupt},
		{"256-colour value out of range", craft(header{width: 130, height: 70, keyframe: true, depth: Color256}, []byte{0, 0, 1, 0, kindSolid, 252, 0}), ErrCorrupt},
		{"duplicate tile via JPEG", craft(h, []byte{0, 0, 1, 0, kindSolid, 1, 2, 3, 1, 0, 0, 1, 1, 2, 0xff, 0xd8}), ErrCorrupt},
		{"JPEG garbage", craft(h, []byte{0, 0, 0, 1, 0, 0, 1, 1, 3, 1, 2, 3}), ErrCorrupt},
		{"trailing bytes", craft(h, []byte{0, 0, 0, 0, 42}), ErrCorrupt},
		{"truncated tile", craft(h, []byte{0, 0, 1, 0, kindRaw}), ErrCorrupt},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			dec := NewDecoder()
			mustDecode(t, dec, key)
			before := cloneRGBA(dec.Image())
			_, err := dec.Decode(c.msg)
			if !errors.Is(err, c.want) {
				t.Fatalf("got %v, want %v", err, c.want)
			}
			if x, y, ok := sameRGB(before, dec.Image()); !ok {
				t.Fatalf("image changed at (%d,%d) by a rejected frame", x, y)
			}
			// after a rejected frame, deltas need a keyframe; a keyframe recovers
			if _, err := dec.Decode(delta); !errors.Is(err, ErrNeedKeyframe) {
				t.Fatalf("delta after rejected frame: %v, want ErrNeedKeyframe", err)
			}
			mustDecode(t, dec, key)
			mustDecode(t, dec, delta)
			wantShown(t, dec, f2, ColorFull, "recovered")
		})
	}
	// a delta before any keyframe
	if _, err := NewDecoder().Decode(delta); !errors.Is(err, ErrNeedKeyframe) {
		t.Fatalf("delta on fresh decoder: %v", err)
	}
	// limits
	d := NewDecoder()
	d.SetLimits(Limits{MaxWidth: 100})
	if _, err := d.Decode(key); !errors.Is(err, ErrTooLarge) {
		t.Fatalf("over limit: %v", err)
	}
}

// Copies that read an area another copy writes use the pre-frame image.
func TestDecoderCopySnapshot(t *testing.T) {
	f := desktop(256, 128, 3)
	enc := NewEncoder(Options{})
	key, _, _ := enc.Encode(f, nil)
	dec := NewDecoder()
	mustDecode(t, dec, key)
	// swap two 64x64 blocks with two copies
	p := []byte{2, 0, 0, 64, 0, 64, 64, 64, 0, 0, 0, 64, 64, 0, 0, 0}
	mustDecode(t, dec, craft(header{width: 256, height: 128, seq: 1}, p))
	want := cloneRGBA(f)
	draw.Draw(want, image.Rect(64, 0, 128, 64), f, image.Pt(0, 0), draw.Src)
	draw.Draw(want, image.Rect(0, 0, 64, 64), f, image.Pt(64, 0), draw.Src)
	wantShown(t, dec, want, ColorFull, "swapped blocks")
}
