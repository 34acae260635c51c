//go:build linux

package e2e

import (
	"fmt"
	"image"
	"image/color"
	"image/draw"
	"strings"
	"testing"
)

// The checks of a screenshot look for colours, not for widgets at pixel
// positions: the console's layout may change, the customer's desktop is
// ours to paint in colours the console does not use.

// near reports whether two colours differ by at most tol in each channel.
func near(img *image.RGBA, x, y int, c color.RGBA, tol int) bool {
	o := img.PixOffset(x, y)
	p := img.Pix[o : o+3 : o+3]
	return absDiff(p[0], c.R) <= tol && absDiff(p[1], c.G) <= tol && absDiff(p[2], c.B) <= tol
}

func absDiff(a, b uint8) int {
	if a > b {
		return int(a - b)
	}
	return int(b - a)
}

// colourBox is the smallest rectangle within r holding every row and every
// column of r that has at least minRun pixels of colour c (within tol).
// Requiring a run of pixels per line ignores the odd stray pixel of that
// colour elsewhere (anti-aliased text, a scaled edge). It is empty when
// there is none.
func colourBox(img *image.RGBA, r image.Rectangle, c color.RGBA, tol, minRun int) image.Rectangle {
	r = r.Intersect(img.Rect)
	rows := make([]int, r.Dy())
	cols := make([]int, r.Dx())
	for y := r.Min.Y; y < r.Max.Y; y++ {
		for x := r.Min.X; x < r.Max.X; x++ {
			if near(img, x, y, c, tol) {
				rows[y-r.Min.Y]++
				cols[x-r.Min.X]++
			}
		}
	}
	first, last := span(rows, minRun)
	if first < 0 {
		return image.Rectangle{}
	}
	left, right := span(cols, minRun)
	if left < 0 {
		return image.Rectangle{}
	}
	return image.Rect(r.Min.X+left, r.Min.Y+first, r.Min.X+right+1, r.Min.Y+last+1)
}

// span is the first and last index whose count is at least min, or -1.
func span(counts []int, min int) (first, last int) {
	first, last = -1, -1
	for i, n := range counts {
		if n >= min {
			if first < 0 {
				first = i
			}
			last = i
		}
	}
	return first, last
}

// colours counts the distinct colours within r (up to limit), to tell a
// drawn window from an empty one.
func colours(img *image.RGBA, r image.Rectangle, limit int) int {
	seen := map[[3]uint8]bool{}
	r = r.Intersect(img.Rect)
	for y := r.Min.Y; y < r.Max.Y; y++ {
		for x := r.Min.X; x < r.Max.X; x++ {
			o := img.PixOffset(x, y)
			seen[[3]uint8{img.Pix[o], img.Pix[o+1], img.Pix[o+2]}] = true
			if len(seen) >= limit {
				return limit
			}
		}
	}
	return len(seen)
}

// meanDiff compares the picture at r in got with want scaled to r's size
// (box-averaged, which is close to what any decent downscaler produces)
// and returns the mean absolute difference per channel, 0..255.
func meanDiff(got *image.RGBA, r image.Rectangle, want *image.RGBA) float64 {
	ws := want.Rect.Size()
	var sum, n float64
	for y := 0; y < r.Dy(); y++ {
		y0, y1 := y*ws.Y/r.Dy(), max((y+1)*ws.Y/r.Dy(), y*ws.Y/r.Dy()+1)
		for x := 0; x < r.Dx(); x++ {
			x0, x1 := x*ws.X/r.Dx(), max((x+1)*ws.X/r.Dx(), x*ws.X/r.Dx()+1)
			var acc [3]int
			for sy := y0; sy < y1; sy++ {
				for sx := x0; sx < x1; sx++ {
					o := want.PixOffset(want.Rect.Min.X+sx, want.Rect.Min.Y+sy)
					acc[0] += int(want.Pix[o])
					acc[1] += int(want.Pix[o+1])
					acc[2] += int(want.Pix[o+2])
				}
			}
			k := (y1 - y0) * (x1 - x0)
			o := got.PixOffset(r.Min.X+x, r.Min.Y+y)
			for c := 0; c < 3; c++ {
				d := acc[c]/k - int(got.Pix[o+c])
				if d < 0 {
					d = -d
				}
				sum += float64(d)
				n++
			}
		}
	}
	return sum / n
}

// fill is a uniform picture, to compare meanDiff's result with.
func fill(size image.Point, c color.RGBA) *image.RGBA {
	img := image.NewRGBA(image.Rectangle{Max: size})
	draw.Draw(img, img.Rect, &image.Uniform{C: c}, image.Point{}, draw.Src)
	return img
}

// resembles checks that the picture in got, within the area r of a window,
// is the customer's screen want: a letterboxed copy of it, scaled without
// distortion, with the terminal where it is on the customer's screen.
// desktop and term are the colours of the customer's desktop and
// terminal background; termOnScreen is where the terminal is in want. It
// returns where the picture is in got.
func resembles(got *image.RGBA, r image.Rectangle, want *image.RGBA, desktop, term color.RGBA, termOnScreen image.Rectangle) (image.Rectangle, error) {
	// The desktop colour reaches all four edges of the customer's screen,
	// so its box is the picture, however the window lays it out.
	pic := colourBox(got, r, desktop, 12, 8)
	if pic.Dx() < 160 || pic.Dy() < 90 {
		return pic, fmt.Errorf("no picture of the customer's desktop (its colour covers %v of the window %v)", pic, r)
	}
	ws := want.Rect.Size()
	sx, sy := float64(pic.Dx())/float64(ws.X), float64(pic.Dy())/float64(ws.Y)
	if d := sx/sy - 1; d > 0.03 || d < -0.03 {
		return pic, fmt.Errorf("the picture %v is distorted: scaled %.3f across and %.3f down", pic, sx, sy)
	}
	// The terminal: where it is on the customer's screen, scaled.
	exp := image.Rect(
		pic.Min.X+int(float64(termOnScreen.Min.X)*sx), pic.Min.Y+int(float64(termOnScreen.Min.Y)*sy),
		pic.Min.X+int(float64(termOnScreen.Max.X)*sx), pic.Min.Y+int(float64(termOnScreen.Max.Y)*sy))
	found := colourBox(got, pic, term, 12, 8)
	tol := max(4, pic.Dx()/100)
	for _, d := range []int{found.Min.X - exp.Min.X, found.Min.Y - exp.Min.Y, found.Max.X - exp.Max.X, found.Max.Y - exp.Max.Y} {
		if d > tol || d < -tol {
			return pic, fmt.Errorf("the terminal is at %v in the picture %v, expected about %v", found, pic, exp)
		}
	}
	// And the whole: close to the customer's screen, and much closer to it
	// than a blank desktop would be (the terminal's text and colours show).
	diff := meanDiff(got, pic, want)
	blank := meanDiff(fill(pic.Size(), desktop), image.Rectangle{Max: pic.Size()}, want)
	if diff > 10 || diff > blank/3 {
		return pic, fmt.Errorf("the picture differs from the customer's screen by %.1f per channel on average (a blank desktop: %.1f)", diff, blank)
	}
	return pic, nil
}

// TestResembles checks the checker on made-up pictures: a half-size copy
// letterboxed in a grey window passes; a blank desktop, a stretched copy
// and a misplaced terminal do not.
func TestResembles(t *testing.T) {
	desktop := color.RGBA{0x2a, 0x9d, 0x8f, 255}
	term := color.RGBA{0xfd, 0xf6, 0xe3, 255}
	ink := color.RGBA{0x07, 0x36, 0x42, 255}
	screen := fill(image.Pt(800, 450), desktop)
	termRect := image.Rect(100, 60, 500, 300)
	draw.Draw(screen, termRect, &image.Uniform{C: term}, image.Point{}, draw.Src)
	for y := 80; y < 280; y += 20 { // lines of "text"
		draw.Draw(screen, image.Rect(110, y, 400, y+8), &image.Uniform{C: ink}, image.Point{}, draw.Src)
	}
	grey := color.RGBA{0x30, 0x30, 0x30, 255}
	window := func(pic image.Rectangle, src *image.RGBA) *image.RGBA {
		w := fill(image.Pt(600, 400), grey)
		for y := pic.Min.Y; y < pic.Max.Y; y++ {
			for x := pic.Min.X; x < pic.Max.X; x++ {
				sx := (x - pic.Min.X) * src.Rect.Dx() / pic.Dx()
				sy := (y - pic.Min.Y) * src.Rect.Dy() / pic.Dy()
				w.Set(x, y, src.At(sx, sy))
			}
		}
		return w
	}
	moved := fill(image.Pt(800, 450), desktop)
	draw.Draw(moved, termRect.Add(image.Pt(200, 100)), &image.Uniform{C: term}, image.Point{}, draw.Src)
	empty := fill(image.Pt(800, 450), desktop)
	draw.Draw(empty, termRect, &image.Uniform{C: term}, image.Point{}, draw.Src)
	tests := []struct {
		name string
		win  *image.RGBA
		want string // in the error; "" for none
	}{
		{"letterboxed half size", window(image.Rect(100, 80, 500, 305), screen), ""},
		{"blank desktop", window(image.Rect(100, 80, 500, 305), fill(image.Pt(800, 450), desktop)), "the terminal is at"},
		{"stretched", window(image.Rect(0, 80, 600, 305), screen), "distorted"},
		{"terminal elsewhere", window(image.Rect(100, 80, 500, 305), moved), "the terminal is at"},
		{"terminal without its text", window(image.Rect(100, 80, 500, 305), empty), "differs"},
		{"no picture", fill(image.Pt(600, 400), grey), "no picture"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			_, err := resembles(tc.win, tc.win.Rect, screen, desktop, term, termRect)
			switch {
			case tc.want == "" && err != nil:
				t.Errorf("resembles: %v", err)
			case tc.want != "" && (err == nil || !strings.Contains(err.Error(), tc.want)):
				t.Errorf("resembles: %v, want an error with %q", err, tc.want)
			}
		})
	}
}
