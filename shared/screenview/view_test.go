package screenview

import (
	"image"
	"image/color"
	"testing"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/canvas"
	"fyne.io/fyne/v2/test"
)

func near(a, b float32) bool { return a-b < 0.01 && b-a < 0.01 }

func TestPictureRect(t *testing.T) {
	hd := image.Pt(1920, 1080)
	cases := []struct {
		name  string
		area  fyne.Size
		px    image.Point
		scale float32
		fit   bool
		pos   fyne.Position
		size  fyne.Size
	}{
		{name: "fit, bars left and right", area: fyne.NewSize(1000, 400), px: hd, scale: 1, fit: true,
			pos: fyne.NewPos((1000-400*16/9.0)/2, 0), size: fyne.NewSize(400*16/9.0, 400)},
		{name: "fit, bars above and below", area: fyne.NewSize(960, 1000), px: hd, scale: 2, fit: true,
			pos: fyne.NewPos(0, (1000-540)/2), size: fyne.NewSize(960, 540)},
		{name: "1:1 at scale 2, centred", area: fyne.NewSize(1200, 800), px: hd, scale: 2,
			pos: fyne.NewPos(120, 130), size: fyne.NewSize(960, 540)},
		{name: "no picture", area: fyne.NewSize(800, 600), scale: 1, fit: true},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			pos, size := PictureRect(c.area, c.px, c.scale, c.fit)
			if !near(pos.X, c.pos.X) || !near(pos.Y, c.pos.Y) || !near(size.Width, c.size.Width) || !near(size.Height, c.size.Height) {
				t.Fatalf("got %v %v, want %v %v", pos, size, c.pos, c.size)
			}
		})
	}
}

// visibleBars is the area the backdrop covers, in units².
func visibleBars(v *View) float32 {
	var covered float32
	for _, b := range v.Bars() {
		if b.Visible() {
			covered += b.Size().Width * b.Size().Height
		}
	}
	return covered
}

func TestEmptyThenFitted(t *testing.T) {
	test.NewTempApp(t)
	v := New(color.Black)
	test.NewTempWindow(t, v)
	v.Resize(fyne.NewSize(1000, 400))
	if v.Picture() != (image.Point{}) || v.MinSize() != fyne.NewSize(320, 200) {
		t.Fatalf("empty view: picture %v, MinSize %v", v.Picture(), v.MinSize())
	}
	if got := visibleBars(v); got != 1000*400 {
		t.Fatalf("empty view: backdrop covers %v units², want all of it", got)
	}
	if c := v.Bars()[0].FillColor; c != color.Black {
		t.Fatalf("backdrop %v, want the colour given", c)
	}

	v.SetFrame(image.NewRGBA(image.Rect(0, 0, 1920, 1080)))
	img := v.Image()
	if img.Size() != v.Size() || img.FillMode != canvas.ImageFillContain || img.ScaleMode != canvas.ImageScaleFastest {
		t.Fatalf("fit: picture %v of %v, fill %v, scale %v", img.Size(), v.Size(), img.FillMode, img.ScaleMode)
	}
	// The picture is 711.1 units wide in the middle: bars left and right
	// only, reaching one pixel under it.
	pictureW := float32(400 * 1920 / 1080.0)
	if got, want := visibleBars(v), (1000-pictureW)*400; got < want || got > want+2*400 {
		t.Fatalf("fit: backdrop covers %v units², want about %v", got, want)
	}
	if v.Bars()[0].Visible() || v.Bars()[1].Visible() {
		t.Fatal("fit: a bar above or below a picture that fills the height")
	}
}

func TestSetFrameHandsBackThePreviousPicture(t *testing.T) {
	test.NewTempApp(t)
	v := New(nil)
	test.NewTempWindow(t, v)
	f1 := image.NewRGBA(image.Rect(0, 0, 32, 20))
	if old := v.SetFrame(f1); old != nil {
		t.Fatalf("first frame handed back %p", old)
	}
	f2 := image.NewRGBA(image.Rect(0, 0, 32, 20))
	if old := v.SetFrame(f2); old != f1 {
		t.Fatal("the previous frame was not handed back")
	}
	// A sub-image is shown as a tight copy (the painter uploads Pix as one
	// block from (0, 0)); nil changes nothing.
	big := image.NewRGBA(image.Rect(0, 0, 100, 100))
	big.Pix[big.PixOffset(10, 20)] = 7
	v.SetFrame(big.SubImage(image.Rect(10, 20, 60, 70)).(*image.RGBA))
	got := v.Image().Image.(*image.RGBA)
	if got.Rect != image.Rect(0, 0, 50, 50) || got.Stride != 200 || got.Pix[0] != 7 {
		t.Fatalf("sub-image shown as %v stride %d first %d", got.Rect, got.Stride, got.Pix[0])
	}
	if v.SetFrame(nil) != nil || v.Image().Image != got {
		t.Fatal("SetFrame(nil) changed the picture")
	}
}

// outer embeds a View, as the console's screen area does to add input.
type outer struct {
	View
	tapped int
}

func (o *outer) Tapped(*fyne.PointEvent) { o.tapped++ }

func TestExtendedView(t *testing.T) {
	test.NewTempApp(t)
	o := &outer{}
	o.Extend(o, nil)
	w := test.NewTempWindow(t, o)
	w.Canvas().(interface{ SetScale(float32) }).SetScale(2)
	o.SetScale(false)
	o.SetFrame(image.NewRGBA(image.Rect(0, 0, 640, 400)))
	o.Resize(fyne.NewSize(500, 300))
	// At 1:1 on a canvas of scale 2 the picture is half as many units.
	if got := o.MinSize(); got != fyne.NewSize(320, 200) {
		t.Fatalf("MinSize at 1:1 %v", got)
	}
	if pos, size := o.Image().Position(), o.Image().Size(); pos != fyne.NewPos(90, 50) || size != fyne.NewSize(320, 200) {
		t.Fatalf("picture at %v size %v", pos, size)
	}
	if o.Image().ScaleMode != canvas.ImageScalePixels || o.Fit() {
		t.Fatal("1:1 is not exact pixels")
	}
	test.Tap(o)
	if o.tapped != 1 {
		t.Fatal("the embedding widget did not get the tap")
	}
}
