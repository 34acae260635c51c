package codec

import (
	"image"
)

// Mode selects lossless or mixed lossless/lossy encoding.
type Mode uint8

const (
	// Standard is lossless: every tile is sent exactly (after colour-depth
	// reduction).
	Standard Mode = 0
	// Sampling ("Screen Sampling") sends photo-like tiles as JPEG and
	// text-like tiles losslessly; a lossy tile is re-sent losslessly once it
	// has stopped changing, so the viewer converges to exact pixels.
	Sampling Mode = 1
)

func (m Mode) valid() bool { return m <= Sampling }

func (m Mode) String() string {
	switch m {
	case Standard:
		return "standard"
	case Sampling:
		return "sampling"
	}
	return "mode?"
}

// ColorDepth is the colour resolution the decoder shows.
type ColorDepth uint8

const (
	// ColorFull is 24-bit RGB, exact.
	ColorFull ColorDepth = 0
	// Color16 is "High color": RGB565. The decoder expands 5/6-bit channels
	// by bit replication: r8 = r5<<3 | r5>>2, g8 = g6<<2 | g6>>4.
	Color16 ColorDepth = 1
	// Color256 is "256 colours": a fixed 6×7×6 colour cube (252 entries;
	// red and blue 6 levels 0,51,…,255, green 7 levels 0,43,85,128,170,213,255),
	// each channel rounded to the nearest level. Index = r6*42 + g7*6 + b6.
	Color256 ColorDepth = 2
)

func (c ColorDepth) valid() bool { return c <= Color256 }

func (c ColorDepth) String() string {
	switch c {
	case ColorFull:
		return "full"
	case Color16:
		return "16-bit"
	case Color256:
		return "256"
	}
	return "depth?"
}

// bpp is the number of bytes a pixel value takes on the wire.
func (c ColorDepth) bpp() int { return 3 - int(c) }

// Colour tables for Color256 and Color16.
var (
	q256R, q256G, q256B [256]uint8  // per-channel contribution to the cube index
	e256                [252]uint32 // cube index → RGBA little-endian word
	e16r                [32]uint8   // 5-bit → 8-bit
	e16g                [64]uint8   // 6-bit → 8-bit
	g7levels            = [7]uint8{0, 43, 85, 128, 170, 213, 255}
)

func init() {
	for v := 0; v < 256; v++ {
		l6 := (v*5 + 127) / 255 // nearest of 6 levels (red, blue)
		l7 := (v*6 + 127) / 255 // nearest of 7 levels (green)
		q256R[v] = uint8(l6 * 42)
		q256G[v] = uint8(l7 * 6)
		q256B[v] = uint8(l6)
	}
	for i := 0; i < 252; i++ {
		r := uint32(i/42) * 51
		g := uint32(g7levels[(i/6)%7])
		b := uint32(i%6) * 51
		e256[i] = r | g<<8 | b<<16 | 0xff<<24
	}
	for i := 0; i < 32; i++ {
		e16r[i] = uint8(i<<3 | i>>2)
	}
	for i := 0; i < 64; i++ {
		e16g[i] = uint8(i<<2 | i>>4)
	}
}

// pixelValue maps 8-bit RGB to the wire pixel value of depth c:
// Full: r | g<<8 | b<<16; Color16: r5<<11 | g6<<5 | b5; Color256: cube index.
func pixelValue(c ColorDepth, r, g, b uint8) uint32 {
	switch c {
	case Color16:
		return uint32(r>>3)<<11 | uint32(g>>2)<<5 | uint32(b>>3)
	case Color256:
		return uint32(q256R[r]) + uint32(q256G[g]) + uint32(q256B[b])
	}
	return uint32(r) | uint32(g)<<8 | uint32(b)<<16
}

// expand maps a wire pixel value of depth c to an RGBA little-endian word
// (R in the low byte, alpha 255). Values must have been validated.
func expand(c ColorDepth, v uint32) uint32 {
	switch c {
	case Color16:
		return uint32(e16r[v>>11]) | uint32(e16g[(v>>5)&63])<<8 | uint32(e16r[v&31])<<16 | 0xff<<24
	case Color256:
		if v < 252 {
			return e256[v]
		}
		return 0xff << 24
	}
	return v | 0xff<<24
}

// Quantize returns the colour the decoder shows for source colour (r, g, b)
// at depth c. For ColorFull it is the identity.
func Quantize(c ColorDepth, r, g, b uint8) (uint8, uint8, uint8) {
	w := expand(c, pixelValue(c, r, g, b))
	return uint8(w), uint8(w >> 8), uint8(w >> 16)
}

// Quantized returns a copy of src as the decoder shows it at depth c (alpha
// is set to 255, as the decoder always outputs opaque pixels).
func Quantized(c ColorDepth, src *image.RGBA) *image.RGBA {
	b := src.Bounds()
	dst := image.NewRGBA(image.Rect(0, 0, b.Dx(), b.Dy()))
	for y := 0; y < b.Dy(); y++ {
		s := src.Pix[src.PixOffset(b.Min.X, b.Min.Y+y):]
		d := dst.Pix[y*dst.Stride:]
		for x := 0; x < b.Dx(); x++ {
			r, g, bb := Quantize(c, s[4*x], s[4*x+1], s[4*x+2])
			d[4*x], d[4*x+1], d[4*x+2], d[4*x+3] = r, g, bb, 0xff
		}
	}
	return dst
}
