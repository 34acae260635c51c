// Package screenview is the Fyne widget that shows a decoded remote
// screen: the console's sharing window draws the customer's screen with it,
// and a secondary customer's agent the screen another customer shares. It
// only draws; a widget that embeds View adds input (the console's).
//
// Pictures are handed over with SetFrame. Fyne uploads a canvas.Image's
// pixels whole to a new GL texture each time it is refreshed, and GL
// scales them (ImageScaleFastest, ImageScalePixels): with
// ImageScaleSmooth Fyne resamples the picture on the CPU first, which held
// the UI thread for a tenth of a second or more per 1080p frame
// (BENCHMARKS.md, "viewer").
package screenview

import (
	"image"
	"image/color"
	"math"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/canvas"
	"fyne.io/fyne/v2/widget"
)

// Backdrop is the colour drawn where the picture is not: a dark grey that
// sets a screen apart from the window around it in both themes.
var Backdrop color.Color = color.NRGBA{0x20, 0x22, 0x26, 0xff}

// blank is shown until the first picture: transparent, over one bar.
var blank = image.NewRGBA(image.Rect(0, 0, 16, 9))

// View shows a remote screen, scaled to fit or at its own size. Use it on
// the UI thread only.
type View struct {
	widget.BaseWidget
	img  *canvas.Image
	bars [4]*canvas.Rectangle // the backdrop, only where the picture is not
	fit  bool                 // scale to fit (true) or 1:1
	pix  image.Point          // the picture's size as last laid out
	self fyne.Widget          // the widget in the tree: this View or the one embedding it
}

// New returns a View, empty and in fit mode, with the given backdrop
// colour (nil: Backdrop).
func New(backdrop color.Color) *View {
	v := &View{}
	v.Extend(v, backdrop)
	return v
}

// Extend prepares a View embedded in another widget, w, which is what
// goes into the window and receives the events: call it once, instead of
// New and instead of w's own ExtendBaseWidget.
func (v *View) Extend(w fyne.Widget, backdrop color.Color) {
	if backdrop == nil {
		backdrop = Backdrop
	}
	v.fit, v.self = true, w
	for i := range v.bars {
		v.bars[i] = canvas.NewRectangle(backdrop)
	}
	v.img = canvas.NewImageFromImage(blank)
	v.img.FillMode = canvas.ImageFillContain
	v.img.ScaleMode = canvas.ImageScaleFastest
	v.ExtendBaseWidget(w)
}

// Image is the canvas object the picture is drawn with, and Bars the four
// rectangles of backdrop around it (top, bottom, left, right), for tests
// that check where they are.
func (v *View) Image() *canvas.Image       { return v.img }
func (v *View) Bars() [4]*canvas.Rectangle { return v.bars }

// SetFrame shows img, which the view keeps: the caller must not write to
// it again. It returns the picture shown before (nil at first), which
// nothing reads any more, so the caller may fill it with a later frame
// instead of allocating one.
func (v *View) SetFrame(img *image.RGBA) (old *image.RGBA) {
	if img == nil {
		return nil
	}
	if img.Stride != 4*img.Rect.Dx() || img.Rect.Min != (image.Point{}) {
		// The GL painter uploads Pix as one tight block from (0, 0).
		tight := image.NewRGBA(image.Rect(0, 0, img.Rect.Dx(), img.Rect.Dy()))
		for y := 0; y < tight.Rect.Dy(); y++ {
			copy(tight.Pix[y*tight.Stride:(y+1)*tight.Stride], img.Pix[img.PixOffset(img.Rect.Min.X, img.Rect.Min.Y+y):])
		}
		img = tight
	}
	old, _ = v.img.Image.(*image.RGBA)
	if old == blank {
		old = nil
	}
	v.img.Image = img
	if img.Rect.Size() != v.pix {
		v.relayout() // a new size: the picture's place and, at 1:1, MinSize change
	}
	v.img.Refresh() // uploads the new pixels
	return old
}

// SetScale switches between fitting the whole screen into the view,
// keeping its proportions (fit), and showing one pixel of the remote
// screen on one physical pixel of this display (1:1). At 1:1 the view's
// MinSize is the picture's size: put it in a container.Scroll.
func (v *View) SetScale(fit bool) {
	if fit == v.fit {
		return
	}
	v.fit = fit
	if fit {
		v.img.ScaleMode = canvas.ImageScaleFastest // bilinear, by the GPU
	} else {
		// Exactly one texel per pixel: nearest is exact and the cheapest.
		v.img.ScaleMode = canvas.ImageScalePixels
	}
	v.relayout()
	canvas.Refresh(v.img) // the texture filter changed
}

// Fit reports whether the picture is scaled to fit (else shown 1:1).
func (v *View) Fit() bool { return v.fit }

// relayout lays the view out again. A new MinSize reaches a container
// around it (a Scroll) on the next frame: the canvas lays out the parent of
// any object whose MinSize changed.
func (v *View) relayout() {
	v.pix = v.Picture()
	v.Refresh()
}

// Picture is the size of the picture shown, zero while there is none.
func (v *View) Picture() image.Point {
	if v.img.Image == nil || v.img.Image == blank {
		return image.Point{}
	}
	return v.img.Image.Bounds().Size()
}

// CanvasScale is the number of physical pixels in one Fyne unit where the
// view is shown (1 before it is on a canvas).
func (v *View) CanvasScale() float32 {
	if app := fyne.CurrentApp(); app != nil {
		if c := app.Driver().CanvasForObject(v.self); c != nil && c.Scale() > 0 {
			return c.Scale()
		}
	}
	return 1
}

// PictureRect is where a picture of px pixels is drawn in an area of the
// given size on a canvas of scale physical pixels per unit. Fit mode
// computes it as Fyne's painter does for ImageFillContain; at 1:1 the
// picture is px/scale units large, centred while there is room, its corner
// on a whole physical pixel so that it is not resampled.
func PictureRect(area fyne.Size, px image.Point, scale float32, fit bool) (fyne.Position, fyne.Size) {
	if px.X <= 0 || px.Y <= 0 || area.Width <= 0 || area.Height <= 0 || scale <= 0 {
		return fyne.Position{}, fyne.Size{}
	}
	if !fit {
		w, h := float32(px.X)/scale, float32(px.Y)/scale
		x := float32(math.Floor(float64(max(0, area.Width-w)/2*scale))) / scale
		y := float32(math.Floor(float64(max(0, area.Height-h)/2*scale))) / scale
		return fyne.NewPos(x, y), fyne.NewSize(w, h)
	}
	aspect := float32(px.X) / float32(px.Y)
	w, h := area.Width, area.Height
	var x, y float32
	if area.Width/area.Height > aspect {
		w = area.Height * aspect
		x = (area.Width - w) / 2
	} else {
		h = area.Width / aspect
		y = (area.Height - h) / 2
	}
	return fyne.NewPos(x, y), fyne.NewSize(w, h)
}

// CreateRenderer implements fyne.Widget.
func (v *View) CreateRenderer() fyne.WidgetRenderer {
	return &renderer{v: v, objects: []fyne.CanvasObject{v.bars[0], v.bars[1], v.bars[2], v.bars[3], v.img}}
}

type renderer struct {
	v       *View
	objects []fyne.CanvasObject
}

// Layout places the picture and the backdrop around it. The backdrop is
// drawn only where the picture is not: with the software GL of machines
// without a GPU, a rectangle under the whole picture about doubled the
// cost of a redraw (BENCHMARKS.md, "viewer").
func (r *renderer) Layout(size fyne.Size) {
	v := r.v
	px, scale := v.Picture(), v.CanvasScale()
	pos, sz := PictureRect(size, px, scale, v.fit)
	if sz.Width <= 0 || sz.Height <= 0 {
		// No picture yet: the blank one is transparent, over one bar.
		v.img.Move(fyne.Position{})
		v.img.Resize(size)
		place(v.bars[0], 0, 0, size.Width, size.Height)
		for _, b := range v.bars[1:] {
			b.Hide()
		}
		return
	}
	if v.fit {
		// The painter letterboxes (ImageFillContain) within the view.
		v.img.Move(fyne.Position{})
		v.img.Resize(size)
	} else {
		v.img.Move(pos)
		v.img.Resize(sz)
	}
	// Bars reach one physical pixel under the picture: the painter rounds
	// the picture's edges to pixels, which must not leave a gap.
	e := 1 / scale
	right, bottom := pos.X+sz.Width, pos.Y+sz.Height
	place(v.bars[0], 0, 0, size.Width, pos.Y+e)                     // top
	place(v.bars[1], 0, bottom-e, size.Width, size.Height-bottom+e) // bottom
	place(v.bars[2], 0, pos.Y, pos.X+e, sz.Height)                  // left
	place(v.bars[3], right-e, pos.Y, size.Width-right+e, sz.Height) // right
	for i, gap := range []float32{pos.Y, size.Height - bottom, pos.X, size.Width - right} {
		if gap*scale < 0.5 { // no room for a bar: the picture fills that side
			v.bars[i].Hide()
		}
	}
}

// place shows o at x, y with size w×h.
func place(o fyne.CanvasObject, x, y, w, h float32) {
	o.Move(fyne.NewPos(x, y))
	o.Resize(fyne.NewSize(w, h))
	o.Show()
}

func (r *renderer) MinSize() fyne.Size {
	if px := r.v.Picture(); !r.v.fit && px.X > 0 {
		s := r.v.CanvasScale()
		return fyne.NewSize(float32(px.X)/s, float32(px.Y)/s)
	}
	return fyne.NewSize(320, 200)
}

// Refresh lays out again but leaves the picture's texture alone:
// re-uploading it is SetFrame's business (and costs a full upload).
func (r *renderer) Refresh()                     { r.Layout(r.v.Size()) }
func (r *renderer) Objects() []fyne.CanvasObject { return r.objects }
func (r *renderer) Destroy()                     {}
