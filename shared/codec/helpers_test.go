package codec

import (
	"image"
	"image/draw"
	"image/png"
	"math"
	"os"
	"path/filepath"
	"sync"
	"testing"
)

// corpusDir returns ../shared/corpus relative to the module root, or skips.
func corpusDir(t testing.TB) string {
	t.Helper()
	dir, err := os.Getwd()
	if err != nil {
		t.Fatal(err)
	}
	for {
		if _, err := os.Stat(filepath.Join(dir, "go.mod")); err == nil {
			break
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			t.Skip("module root (go.mod) not found")
		}
		dir = parent
	}
	c := filepath.Join(dir, "..", "shared", "corpus")
	if _, err := os.Stat(c); err != nil {
		t.Skipf("screen corpus not found at %s (see shared/corpus/README.md): %v", c, err)
	}
	return c
}

var (
	frameCacheMu sync.Mutex
	frameCache   = map[string]*image.RGBA{}
)

// corpusFrame loads corpus/<scenario>/<NNNN>.png (cached across tests).
func corpusFrame(t testing.TB, scenario string, n int) *image.RGBA {
	t.Helper()
	p := filepath.Join(corpusDir(t), scenario, fmtFrame(n))
	frameCacheMu.Lock()
	defer frameCacheMu.Unlock()
	if img, ok := frameCache[p]; ok {
		return img
	}
	f, err := os.Open(p)
	if err != nil {
		t.Skipf("corpus frame missing: %v", err)
	}
	defer f.Close()
	m, err := png.Decode(f)
	if err != nil {
		t.Fatalf("%s: %v", p, err)
	}
	img := toRGBA(m)
	frameCache[p] = img
	return img
}

func fmtFrame(n int) string {
	return string([]byte{'0' + byte(n/1000%10), '0' + byte(n/100%10), '0' + byte(n/10%10), '0' + byte(n%10), '.', 'p', 'n', 'g'})
}

func toRGBA(m image.Image) *image.RGBA {
	if r, ok := m.(*image.RGBA); ok && r.Rect.Min == (image.Point{}) {
		return r
	}
	b := m.Bounds()
	r := image.NewRGBA(image.Rect(0, 0, b.Dx(), b.Dy()))
	draw.Draw(r, r.Rect, m, b.Min, draw.Src)
	return r
}

// sameRGB reports the first pixel where a and b differ in R, G or B.
func sameRGB(a, b *image.RGBA) (x, y int, ok bool) {
	ab, bb := a.Bounds(), b.Bounds()
	if ab.Dx() != bb.Dx() || ab.Dy() != bb.Dy() {
		return -1, -1, false
	}
	for y := 0; y < ab.Dy(); y++ {
		ra := a.Pix[a.PixOffset(ab.Min.X, ab.Min.Y+y):]
		rb := b.Pix[b.PixOffset(bb.Min.X, bb.Min.Y+y):]
		for x := 0; x < ab.Dx(); x++ {
			if ra[4*x] != rb[4*x] || ra[4*x+1] != rb[4*x+1] || ra[4*x+2] != rb[4*x+2] {
				return x, y, false
			}
		}
	}
	return 0, 0, true
}

// psnr returns the PSNR in dB of b against reference a over rectangle r
// (RGB channels); +Inf when identical.
func psnr(a, b *image.RGBA, r image.Rectangle) float64 {
	var se float64
	n := 0
	for y := r.Min.Y; y < r.Max.Y; y++ {
		for x := r.Min.X; x < r.Max.X; x++ {
			pa, pb := a.Pix[a.PixOffset(x, y):], b.Pix[b.PixOffset(x, y):]
			for c := 0; c < 3; c++ {
				d := float64(pa[c]) - float64(pb[c])
				se += d * d
			}
			n += 3
		}
	}
	if se == 0 {
		return math.Inf(1)
	}
	return 10 * math.Log10(255*255/(se/float64(n)))
}

// Synthetic screen content.

// fillText draws text-like content: a background colour and rows of small
// "glyphs" (random 1–3 colour blocks), like a terminal or editor.
func fillText(img *image.RGBA, r image.Rectangle, seed uint32, fg, bg [3]uint8) {
	s := seed | 1
	rnd := func() uint32 { s ^= s << 13; s ^= s >> 17; s ^= s << 5; return s }
	for y := r.Min.Y; y < r.Max.Y; y++ {
		for x := r.Min.X; x < r.Max.X; x++ {
			setPix(img, x, y, bg)
		}
	}
	for y := r.Min.Y + 2; y+10 <= r.Max.Y; y += 14 {
		for x := r.Min.X + 2; x+6 <= r.Max.X; x += 7 {
			if rnd()%5 == 0 {
				continue // space
			}
			g := rnd()
			for gy := 0; gy < 10; gy++ {
				for gx := 0; gx < 6; gx++ {
					if g>>(uint(gy*6+gx)%31)&1 == 1 {
						c := fg
						if (gx+gy)%4 == 0 { // anti-aliasing shade
							c = [3]uint8{uint8((int(fg[0]) + int(bg[0])) / 2), uint8((int(fg[1]) + int(bg[1])) / 2), uint8((int(fg[2]) + int(bg[2])) / 2)}
						}
						setPix(img, x+gx, y+gy, c)
					}
				}
			}
		}
	}
}

// fillPhoto draws smooth photo-like content (sums of gradients and a little
// noise), with thousands of colours.
func fillPhoto(img *image.RGBA, r image.Rectangle, seed uint32) {
	s := seed | 1
	rnd := func() uint32 { s ^= s << 13; s ^= s >> 17; s ^= s << 5; return s }
	fx, fy := float64(rnd()%7+3), float64(rnd()%5+2)
	for y := r.Min.Y; y < r.Max.Y; y++ {
		for x := r.Min.X; x < r.Max.X; x++ {
			u, v := float64(x)/97, float64(y)/71
			n := float64(rnd()%5) - 2
			c := [3]uint8{
				clamp8(128 + 90*math.Sin(u*fx/3+v) + n),
				clamp8(120 + 80*math.Cos(v*fy/3-u/2) + n),
				clamp8(110 + 70*math.Sin((u+v)*1.3) + n),
			}
			setPix(img, x, y, c)
		}
	}
}

func clamp8(f float64) uint8 {
	if f < 0 {
		return 0
	}
	if f > 255 {
		return 255
	}
	return uint8(f)
}

func setPix(img *image.RGBA, x, y int, c [3]uint8) {
	o := img.PixOffset(x, y)
	img.Pix[o], img.Pix[o+1], img.Pix[o+2], img.Pix[o+3] = c[0], c[1], c[2], 0xff
}

// desktop returns a w×h frame: photo wallpaper with a text window.
func desktop(w, h int, seed uint32) *image.RGBA {
	img := image.NewRGBA(image.Rect(0, 0, w, h))
	fillPhoto(img, img.Rect, seed)
	win := image.Rect(w/8, h/8, w*7/8, h*6/8)
	fillText(img, win, seed+7, [3]uint8{20, 20, 30}, [3]uint8{250, 250, 245})
	return img
}

func cloneRGBA(m *image.RGBA) *image.RGBA {
	c := image.NewRGBA(m.Rect)
	copy(c.Pix, m.Pix)
	return c
}

// mustDecode decodes msg and fails the test on error.
func mustDecode(t testing.TB, d *Decoder, msg []byte) {
	t.Helper()
	if len(msg) == 0 {
		return
	}
	if _, err := d.Decode(msg); err != nil {
		t.Fatalf("decode: %v", err)
	}
}

// wantShown checks that the decoder shows src as documented for depth.
func wantShown(t testing.TB, d *Decoder, src *image.RGBA, depth ColorDepth, what string) {
	t.Helper()
	want := src
	if depth != ColorFull {
		want = Quantized(depth, src)
	}
	if x, y, ok := sameRGB(want, d.Image()); !ok {
		t.Fatalf("%s: decoded image differs from the expected one at (%d,%d)", what, x, y)
	}
}
