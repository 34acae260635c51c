// Package rgba copies screen images: a decoded frame kept by a viewer (the
// console's display, a watching customer's agent) is updated in place, a
// changed rectangle at a time, and handed out as copies.
package rgba

import "image"

// Clone returns a copy of src with its own pixels.
func Clone(src *image.RGBA) *image.RGBA {
	dst := image.NewRGBA(src.Rect)
	CopyRect(dst, src, src.Rect)
	return dst
}

// CopyRect copies the pixels of r (clipped to both images) from src to dst.
func CopyRect(dst, src *image.RGBA, r image.Rectangle) {
	r = r.Intersect(src.Rect).Intersect(dst.Rect)
	if r.Empty() {
		return
	}
	for y := r.Min.Y; y < r.Max.Y; y++ {
		copy(dst.Pix[dst.PixOffset(r.Min.X, y):dst.PixOffset(r.Max.X, y)],
			src.Pix[src.PixOffset(r.Min.X, y):src.PixOffset(r.Max.X, y)])
	}
}
