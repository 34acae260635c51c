package codec

import "encoding/binary"

const tilePixels = TileSize * TileSize

// Tile-coding thresholds, chosen on the corpus (docs/codec.md, "Tuning").
// runs/n is the fraction of pixels that differ from their left neighbour.
var (
	// predManyRuns: a tile with more than 256 colours uses the MED
	// predictor when runs/n >= predManyRuns/100, otherwise raw.
	predManyRuns = 25
	// predFewRuns: a tile with at most 256 colours that does not fit the
	// frame palette uses the predictor when runs/n >= predFewRuns/100.
	predFewRuns = 45
	// Sampling mode: a tile is photo-like (sent as JPEG) when it has at
	// least photoColors colours, smooth >= photoSmoothRatio×sharp steps,
	// smooth steps on at least 1/photoSmoothShare of its pixels and sharp
	// steps on at most 1/photoEdgeShare (so text over a photo stays
	// lossless). A step
	// between horizontal neighbours is smooth when |ΔR|+|ΔG|+|ΔB| <= smoothStep.
	photoColors      = 64
	photoSmoothRatio = 4
	photoSmoothShare = 8
	photoEdgeShare   = 64 // and sharp steps on at most 1/64 of its pixels
	smoothStep       = 48
	// localMax: a tile that does not fit the frame palette uses a local
	// palette (packed or RLE) when it has at most this many colours, in the
	// reduced colour depths. 0 disables it: on the corpus every setting
	// made the zstd output larger (the kinds stay in the format for
	// encoders that skip zstd, and are tested).
	localMax = 0

	// useFramePalette enables the per-frame palette (kind global); only
	// switched off by the tuning report.
	useFramePalette = true
)

// job is one tile record (or lossy tile) of the frame being encoded.
type job struct {
	t          int32
	x, y, w, h int // frame coordinates of the rectangle sent
	partial    bool
	refresh    bool
	kind       uint8
	npal       int
	many       bool
	runs       int
	smooth     int // smooth horizontal steps (only counted in Sampling mode)
	edges      int // sharp horizontal steps (only counted in Sampling mode)
	off        int // offset of the pixels in e.pxArena / e.idxArena
	palOff     int // offset of the local palette in e.palArena
}

// analyze reads the w×h rectangle at byte offset off of pix (stride in
// bytes) into px (wire pixel values) and idx (local palette indices), appends
// the local palette (up to 256 colours) to *pal and fills the statistics of j.
// With grad set it also counts smooth and sharp horizontal steps.
//
// Screen content is mostly runs of equal pixels, so everything but the two
// stores is done only where a pixel differs from its left neighbour.
func (t *tileScratch) analyze(j *job, depth ColorDepth, grad bool, pix []byte, stride, off int, px []uint32, idx []uint8, pal *[]uint32) {
	w, h := j.w, j.h
	t.gen++
	if t.gen == 0 {
		t.hgen = [1024]uint32{}
		t.gen = 1
	}
	j.npal, j.many, j.runs = 0, false, 0
	j.smooth, j.edges = 0, 0
	j.palOff = len(*pal)
	p := *pal
	prevSrc := ^uint32(0) // previous source pixel (R | G<<8 | B<<16)
	prev := ^uint32(0)    // previous wire value
	var v uint32
	var last uint8
	i := 0
	px = px[:w*h]
	idx = idx[:w*h]
	for y := 0; y < h; y++ {
		row := pix[off+y*stride : off+y*stride+4*w]
		for x := 0; x+4 <= len(row); x += 4 {
			sw := binary.LittleEndian.Uint32(row[x:]) & 0xffffff
			if sw != prevSrc {
				if grad && x > 0 {
					d := absDiff(uint8(sw), uint8(prevSrc)) + absDiff(uint8(sw>>8), uint8(prevSrc>>8)) + absDiff(uint8(sw>>16), uint8(prevSrc>>16))
					if d <= smoothStep {
						j.smooth++
					} else {
						j.edges++
					}
				}
				prevSrc = sw
				switch depth {
				case ColorFull:
					v = sw
				case Color16:
					v = (sw>>3&31)<<11 | (sw>>10&63)<<5 | sw>>19&31
				default:
					v = uint32(q256R[uint8(sw)]) + uint32(q256G[uint8(sw>>8)]) + uint32(q256B[uint8(sw>>16)])
				}
				if v != prev {
					prev = v
					j.runs++
					if !j.many {
						last = t.lookup(j, v, &p)
					}
				}
			}
			px[i] = v
			idx[i] = last
			i++
		}
	}
	if j.many {
		p = p[:j.palOff]
		j.npal = 0
	}
	*pal = p
}

// lookup returns the local palette index of v, adding it to *p if new; when
// the tile exceeds 256 colours it sets j.many.
func (t *tileScratch) lookup(j *job, v uint32, p *[]uint32) uint8 {
	hs := (v * 0x9E3779B1) >> 22
	for {
		if t.hgen[hs] != t.gen {
			if j.npal == 256 {
				j.many = true
				return 0
			}
			t.hgen[hs] = t.gen
			t.hkey[hs] = v
			n := uint8(j.npal)
			t.hidx[hs] = n
			*p = append(*p, v)
			j.npal++
			return n
		}
		if t.hkey[hs] == v {
			return t.hidx[hs]
		}
		hs = (hs + 1) & 1023
	}
}

// tileScratch is the colour hash used by analyze; entries are valid when
// hgen == gen, so it never needs clearing.
type tileScratch struct {
	hkey [1024]uint32
	hidx [1024]uint8
	hgen [1024]uint32
	gen  uint32

	planes [3][tilePixels]uint8
}

func absDiff(a, b uint8) int {
	if a > b {
		return int(a - b)
	}
	return int(b - a)
}

// photoLike reports whether an analysed tile looks like a photograph or
// video rather than text/UI: at least photoColors colours, and horizontal
// steps between neighbours that are mostly small (smooth shading) rather
// than sharp (glyph and UI edges), on a good part of the tile.
func photoLike(j *job) bool {
	n := j.w * j.h
	if n < 256 || (!j.many && j.npal < photoColors) {
		return false
	}
	return j.smooth >= photoSmoothRatio*j.edges && j.smooth*photoSmoothShare >= n && j.edges*photoEdgeShare <= n
}

func appendPixel(b []byte, depth ColorDepth, v uint32) []byte {
	switch depth {
	case ColorFull:
		return append(b, byte(v), byte(v>>8), byte(v>>16))
	case Color16:
		return append(b, byte(v), byte(v>>8))
	}
	return append(b, byte(v))
}

func indexBits(n int) int {
	switch {
	case n <= 2:
		return 1
	case n <= 4:
		return 2
	case n <= 16:
		return 4
	}
	return 8
}

func grow(b []byte, n int) []byte {
	if cap(b)-len(b) < n {
		nb := make([]byte, len(b), 2*cap(b)+n)
		copy(nb, b)
		b = nb
	}
	return b
}

func appendRLE(b []byte, idx []uint8) []byte {
	n := len(idx)
	for i := 0; i < n; {
		j := i + 1
		for j < n && idx[j] == idx[i] {
			j++
		}
		b = append(b, idx[i])
		b = appendUvarint(b, uint64(j-i-1))
		i = j
	}
	return b
}

func rleRuns(idx []uint8) int {
	r := 0
	for i := range idx {
		if i == 0 || idx[i] != idx[i-1] {
			r++
		}
	}
	return r
}

func appendPacked(b []byte, idx []uint8, w, h, bits int) []byte {
	rowBytes := (w*bits + 7) / 8
	b = grow(b, rowBytes*h)
	for y := 0; y < h; y++ {
		row := idx[y*w : y*w+w]
		if bits == 8 {
			b = append(b, row...)
			continue
		}
		var acc uint32
		nb := 0
		for _, v := range row {
			acc = acc<<bits | uint32(v)
			nb += bits
			if nb == 8 {
				b = append(b, byte(acc))
				acc, nb = 0, 0
			}
		}
		if nb > 0 {
			b = append(b, byte(acc<<(8-nb)))
		}
	}
	return b
}

// med is the LOCO-I median edge detector: a = left, c = up, d = up-left.
func med(a, c, d int32) int32 {
	mx, mn := a, c
	if c > a {
		mx, mn = c, a
	}
	if d >= mx {
		return mn
	}
	if d <= mn {
		return mx
	}
	return a + c - d
}

// appendPred writes three planes (G, R-G, B-G; each mod 256) of MED
// prediction residuals of full-colour pixels px (w×h).
func (t *tileScratch) appendPred(b []byte, px []uint32, w, h int) []byte {
	n := w * h
	b = grow(b, 3*n)
	start := len(b)
	b = b[:start+3*n]
	for i, v := range px[:n] {
		g := uint8(v >> 8)
		t.planes[0][i] = g
		t.planes[1][i] = uint8(v) - g
		t.planes[2][i] = uint8(v>>16) - g
	}
	for c := 0; c < 3; c++ {
		predictPlane(b[start+c*n:start+(c+1)*n], t.planes[c][:n], w, h)
	}
	return b
}

// predictPlane writes residuals of plane p (w×h) to out. The first row
// predicts from the left, the first column from above, the first sample
// from 0; everything else with med(left, up, up-left).
func predictPlane(out, p []uint8, w, h int) {
	out[0] = p[0]
	for x := 1; x < w; x++ {
		out[x] = p[x] - p[x-1]
	}
	for y := 1; y < h; y++ {
		r := p[y*w : y*w+w]
		u := p[(y-1)*w : (y-1)*w+w]
		o := out[y*w : y*w+w]
		o[0] = r[0] - u[0]
		for x := 1; x < w; x++ {
			o[x] = r[x] - uint8(med(int32(r[x-1]), int32(u[x]), int32(u[x-1])))
		}
	}
}

// unpredictPlane inverts predictPlane in place: p holds residuals on entry
// and sample values on return.
func unpredictPlane(p []uint8, w, h int) {
	for x := 1; x < w; x++ {
		p[x] += p[x-1]
	}
	for y := 1; y < h; y++ {
		r := p[y*w : y*w+w]
		u := p[(y-1)*w : (y-1)*w+w]
		r[0] += u[0]
		for x := 1; x < w; x++ {
			r[x] += uint8(med(int32(r[x-1]), int32(u[x]), int32(u[x-1])))
		}
	}
}

// globalPalette maps colours to frame-palette indices (at most 256).
type globalPalette struct {
	key  [1024]uint32
	idx  [1024]uint8
	gen  [1024]uint32
	cur  uint32
	cols []uint32
}

func (g *globalPalette) reset() {
	g.cur++
	if g.cur == 0 {
		g.gen = [1024]uint32{}
		g.cur = 1
	}
	g.cols = g.cols[:0]
}

func (g *globalPalette) lookup(v uint32) (uint8, bool) {
	for hs := (v * 0x9E3779B1) >> 22; g.gen[hs] == g.cur; hs = (hs + 1) & 1023 {
		if g.key[hs] == v {
			return g.idx[hs], true
		}
	}
	return 0, false
}

func (g *globalPalette) add(v uint32) {
	hs := (v * 0x9E3779B1) >> 22
	for g.gen[hs] == g.cur {
		if g.key[hs] == v {
			return
		}
		hs = (hs + 1) & 1023
	}
	g.gen[hs], g.key[hs], g.idx[hs] = g.cur, v, uint8(len(g.cols))
	g.cols = append(g.cols, v)
}

// tryAdd adds all colours of pal if the palette stays within 256 entries.
func (g *globalPalette) tryAdd(pal []uint32) bool {
	n := 0
	for _, v := range pal {
		if _, ok := g.lookup(v); !ok {
			n++
		}
	}
	if len(g.cols)+n > 256 {
		return false
	}
	for _, v := range pal {
		g.add(v)
	}
	return true
}
