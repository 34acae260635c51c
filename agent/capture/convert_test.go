package capture

import (
	"bytes"
	"image"
	"math/rand"
	"testing"
)

// The fast row converters agree with the per-pixel one on every width
// (tails of 1 pixel included) and every byte value.
func TestFastPathsMatchGeneric(t *testing.T) {
	rnd := rand.New(rand.NewSource(3))
	for _, msb := range []bool{false, true} {
		f := pixelFormat{bpp: 32, pad: 32, msbFirst: msb, rMask: 0xff0000, gMask: 0xff00, bMask: 0xff}
		if f.rowFunc() == nil {
			t.Fatal("no fast path for the common layout")
		}
		for w := 1; w <= 9; w++ {
			// Offsets of 0 and 4 bytes: 8-aligned, both 4 past (one pixel
			// realigns them), mismatched (no 64-bit words).
			for _, off := range [][2]int{{0, 0}, {4, 4}, {0, 4}, {4, 0}} {
				sbuf := make([]byte, w*4+8)
				rnd.Read(sbuf)
				src := sbuf[off[0] : off[0]+w*4]
				fast := make([]byte, w*4+8)[off[1]:]
				slow := make([]byte, w*4)
				f.rowFunc()(fast, src)
				f.rowGeneric(slow, src, w)
				if !bytes.Equal(fast[:w*4], slow) {
					t.Fatalf("msb=%v w=%d off=%v: fast %v generic %v (src %v)", msb, w, off, fast[:w*4], slow, src)
				}
				if nonZero(fast[w*4:]) {
					t.Fatalf("msb=%v w=%d off=%v: wrote past the row", msb, w, off)
				}
			}
		}
	}
	// LSB-first 0x00RRGGBB is stored B,G,R,X.
	f := pixelFormat{bpp: 32, pad: 32, rMask: 0xff0000, gMask: 0xff00, bMask: 0xff}
	d := make([]byte, 8)
	f.convert(d, 8, []byte{0x56, 0x34, 0x12, 0x99, 1, 2, 3, 4}, 8, 2, 1)
	if want := []byte{0x12, 0x34, 0x56, 0xff, 3, 2, 1, 0xff}; !bytes.Equal(d, want) {
		t.Fatalf("BGRX: %v, want %v", d, want)
	}
	f.msbFirst = true
	f.convert(d, 8, []byte{0x99, 0x12, 0x34, 0x56, 4, 3, 2, 1}, 8, 2, 1)
	if want := []byte{0x12, 0x34, 0x56, 0xff, 3, 2, 1, 0xff}; !bytes.Equal(d, want) {
		t.Fatalf("XRGB: %v, want %v", d, want)
	}
}

func TestGenericFormats(t *testing.T) {
	// RGB565, both byte orders: white, pure red, pure blue, 0.
	for _, msb := range []bool{false, true} {
		f := pixelFormat{bpp: 16, pad: 32, msbFirst: msb, rMask: 0xf800, gMask: 0x07e0, bMask: 0x001f}
		if err := f.validate(); err != nil {
			t.Fatal(err)
		}
		px := []uint16{0xffff, 0xf800, 0x001f, 0x0000, 0x8410}
		src := make([]byte, f.stride(len(px)))
		for i, p := range px {
			if msb {
				src[2*i], src[2*i+1] = byte(p>>8), byte(p)
			} else {
				src[2*i], src[2*i+1] = byte(p), byte(p>>8)
			}
		}
		if len(src) != 12 { // 5 pixels × 2 bytes padded to 32 bits
			t.Fatalf("stride %d", len(src))
		}
		d := make([]byte, 4*len(px))
		f.convert(d, len(d), src, len(src), len(px), 1)
		want := []byte{255, 255, 255, 255, 255, 0, 0, 255, 0, 0, 255, 255, 0, 0, 0, 255, 0x84, 0x82, 0x84, 255}
		if !bytes.Equal(d, want) {
			t.Fatalf("565 msb=%v: %v, want %v", msb, d, want)
		}
	}
	// 24 bpp packed, BGR in memory (LSB-first 0xRRGGBB).
	f := pixelFormat{bpp: 24, pad: 32, rMask: 0xff0000, gMask: 0xff00, bMask: 0xff}
	if f.stride(3) != 12 || f.stride(2) != 8 {
		t.Fatalf("24 bpp strides %d %d", f.stride(3), f.stride(2))
	}
	d := make([]byte, 8)
	f.convert(d, 8, []byte{3, 2, 1, 6, 5, 4, 0, 0}, 8, 2, 1)
	if want := []byte{1, 2, 3, 255, 4, 5, 6, 255}; !bytes.Equal(d, want) {
		t.Fatalf("24 bpp: %v, want %v", d, want)
	}
	// 10 bits per channel (depth 30) keeps the top 8 bits.
	f = pixelFormat{bpp: 32, pad: 32, rMask: 0x3ff00000, gMask: 0xffc00, bMask: 0x3ff}
	if err := f.validate(); err != nil {
		t.Fatal(err)
	}
	f.convert(d[:4], 4, []byte{0xff, 0x03, 0, 0x3f}, 4, 1, 1) // r=0x3f0>>2, g=0, b=0x3ff
	if want := []byte{0xfc, 0, 0xff, 255}; !bytes.Equal(d[:4], want) {
		t.Fatalf("30 bit: %v, want %v", d[:4], want)
	}

	for _, bad := range []pixelFormat{
		{bpp: 8, pad: 32, rMask: 0xe0, gMask: 0x1c, bMask: 3},
		{bpp: 32, pad: 32, rMask: 0xff00ff, gMask: 0xff00, bMask: 0xff},
		{bpp: 32, pad: 32, rMask: 0, gMask: 0xff00, bMask: 0xff},
	} {
		if bad.validate() == nil {
			t.Errorf("format %+v accepted", bad)
		}
	}
}

// convert honours both strides and leaves the rest of dst alone.
func TestConvertStrides(t *testing.T) {
	f := pixelFormat{bpp: 32, pad: 32, rMask: 0xff0000, gMask: 0xff00, bMask: 0xff}
	dst := image.NewRGBA(image.Rect(0, 0, 7, 5))
	for i := range dst.Pix {
		dst.Pix[i] = 0xee
	}
	src := make([]byte, 3*16) // 3 rows of 3 pixels, 4 bytes of row padding
	for i := range src {
		src[i] = byte(i)
	}
	r := image.Rect(2, 1, 5, 4)
	f.convert(dst.Pix[dst.PixOffset(r.Min.X, r.Min.Y):], dst.Stride, src, 16, 3, 3)
	for y := 0; y < 5; y++ {
		for x := 0; x < 7; x++ {
			got := dst.RGBAAt(x, y)
			if !(image.Point{x, y}).In(r) {
				if got.R != 0xee || got.A != 0xee {
					t.Fatalf("(%d,%d) outside the rectangle written: %v", x, y, got)
				}
				continue
			}
			o := (y-1)*16 + (x-2)*4
			if got.R != src[o+2] || got.G != src[o+1] || got.B != src[o] || got.A != 255 {
				t.Fatalf("(%d,%d) = %v, src %v", x, y, got, src[o:o+4])
			}
		}
	}
}

func BenchmarkConvert1080p(b *testing.B) {
	f := pixelFormat{bpp: 32, pad: 32, rMask: 0xff0000, gMask: 0xff00, bMask: 0xff}
	src := make([]byte, 1920*1080*4)
	rand.New(rand.NewSource(1)).Read(src)
	dst := image.NewRGBA(image.Rect(0, 0, 1920, 1080))
	b.SetBytes(int64(len(src)))
	for b.Loop() {
		f.convert(dst.Pix, dst.Stride, src, 1920*4, 1920, 1080)
	}
	b.ReportMetric(float64(b.Elapsed().Microseconds())/1000/float64(b.N), "ms/frame")
}

func nonZero(b []byte) bool {
	for _, c := range b {
		if c != 0 {
			return true
		}
	}
	return false
}
