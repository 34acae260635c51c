package rgba

import (
	"image"
	"image/color"
	"testing"
)

func TestCopy(t *testing.T) {
	src := image.NewRGBA(image.Rect(0, 0, 8, 6))
	for y := range 6 {
		for x := range 8 {
			src.SetRGBA(x, y, color.RGBA{uint8(x), uint8(y), 9, 255})
		}
	}
	c := Clone(src)
	if string(c.Pix) != string(src.Pix) || &c.Pix[0] == &src.Pix[0] {
		t.Fatal("the clone is not an equal copy of its own")
	}
	dst := image.NewRGBA(image.Rect(0, 0, 8, 6))
	CopyRect(dst, src, image.Rect(6, 4, 20, 20)) // clipped to both
	for y := range 6 {
		for x := range 8 {
			want := color.RGBA{}
			if x >= 6 && y >= 4 {
				want = src.RGBAAt(x, y)
			}
			if got := dst.RGBAAt(x, y); got != want {
				t.Fatalf("pixel %d,%d = %v, want %v", x, y, got, want)
			}
		}
	}
	CopyRect(dst, src, image.Rect(20, 20, 30, 30)) // outside: nothing
}
