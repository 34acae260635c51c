package codec

import (
	"bytes"
	"encoding/binary"
	"hash/maphash"
	"image"
)

// Motion detection tuning.
const (
	minMotionTiles  = 4   // smallest dirty component (tiles) worth a search
	maxScroll       = 512 // largest vertical shift found by row hashing
	searchRadius    = 128 // window-move search radius (pixels, both axes)
	numSamples      = 32  // probe strips per component for move search
	sampleLen       = 12  // pixels per probe strip
	maxProbeMatches = 8   // a probe matching more places than this is ignored
	minCopyW        = 24
	minCopyH        = 4
	minCopyArea     = 2048
)

// motion holds scratch state for scroll/move detection.
type motion struct {
	seed  maphash.Seed
	init  bool
	seen  []bool
	queue []int32
	hprev []uint64
	tkey  []uint64
	ty    []int32
	tcnt  []int32
	votes []int32
	cands []cand
}

type cand struct{ dx, dy, votes int }

// findMotion groups dirty tiles into 8-connected components and, for each
// large one, looks for vertical scrolls (row hashes) and moves (probe-strip
// search), appending exact copy operations to e.copies.
func (e *Encoder) findMotion(src srcImage) {
	m := &e.mot
	if !m.init {
		m.seed = maphash.MakeSeed()
		m.init = true
	}
	n := e.tw * e.th
	m.seen = resize(m.seen, n)
	for i := range m.seen {
		m.seen[i] = false
	}
	for t := 0; t < n; t++ {
		if !e.dirty[t] || m.seen[t] {
			continue
		}
		// BFS over 8-neighbours.
		m.queue = append(m.queue[:0], int32(t))
		m.seen[t] = true
		var D image.Rectangle
		for i := 0; i < len(m.queue); i++ {
			c := int(m.queue[i])
			cx, cy := c%e.tw, c/e.tw
			b := e.box[c]
			r := image.Rect(cx*TileSize+int(b.x0), cy*TileSize+int(b.y0), cx*TileSize+int(b.x1), cy*TileSize+int(b.y1))
			D = D.Union(r)
			for dy := -1; dy <= 1; dy++ {
				for dx := -1; dx <= 1; dx++ {
					nx, ny := cx+dx, cy+dy
					if nx < 0 || ny < 0 || nx >= e.tw || ny >= e.th {
						continue
					}
					nt := ny*e.tw + nx
					if e.dirty[nt] && !m.seen[nt] {
						m.seen[nt] = true
						m.queue = append(m.queue, int32(nt))
					}
				}
			}
		}
		if len(m.queue) < minMotionTiles || D.Dx() < minCopyW || D.Dy() < minCopyH {
			continue
		}
		e.componentMotion(src, D)
	}
}

func (e *Encoder) componentMotion(src srcImage, D image.Rectangle) {
	m := &e.mot
	m.cands = m.cands[:0]
	e.scrollVote(src, D)
	covered := 0
	tried := len(m.cands)
	for i := 0; i < tried && i < 2; i++ {
		covered += e.findRects(src, D, m.cands[i].dx, m.cands[i].dy)
	}
	if covered*2 >= D.Dx()*D.Dy() {
		return
	}
	// Not (mostly) a scroll: look for a moved window.
	m.cands = m.cands[:0]
	e.sampleVote(src)
	for i := 0; i < len(m.cands) && i < 2; i++ {
		e.findRects(src, D, m.cands[i].dx, m.cands[i].dy)
	}
}

func (m *motion) hash(b []byte) uint64 { return maphash.Bytes(m.seed, b) }

// scrollVote hashes the rows of D's column range in both frames and votes
// for vertical shifts using rows whose previous-frame hash is unique.
// Candidates with at least 3 votes are appended to m.cands, best first.
func (e *Encoder) scrollVote(src srcImage, D image.Rectangle) {
	m := &e.mot
	x0, x1 := D.Min.X, D.Max.X
	py0, py1 := max(0, D.Min.Y-maxScroll), min(e.h, D.Max.Y+maxScroll)
	np := py1 - py0
	m.hprev = resize(m.hprev, np)
	size := 1
	for size < 2*np {
		size <<= 1
	}
	m.tkey = resize(m.tkey, size)
	m.ty = resize(m.ty, size)
	m.tcnt = resize(m.tcnt, size)
	for i := range m.tcnt {
		m.tcnt[i] = 0
	}
	mask := uint64(size - 1)
	for y := py0; y < py1; y++ {
		hv := m.hash(e.prevRow(y, x0, x1))
		m.hprev[y-py0] = hv
		for s := hv & mask; ; s = (s + 1) & mask {
			if m.tcnt[s] == 0 {
				m.tkey[s], m.ty[s], m.tcnt[s] = hv, int32(y), 1
				break
			}
			if m.tkey[s] == hv {
				m.tcnt[s]++
				break
			}
		}
	}
	nv := 2*np + 1
	m.votes = resize(m.votes, nv)
	for i := range m.votes {
		m.votes[i] = 0
	}
	for y := D.Min.Y; y < D.Max.Y; y++ {
		hv := m.hash(src.row(y, x0, x1))
		if hv == m.hprev[y-py0] {
			continue // unchanged row
		}
		for s := hv & mask; m.tcnt[s] != 0; s = (s + 1) & mask {
			if m.tkey[s] == hv {
				if m.tcnt[s] == 1 {
					dy := y - int(m.ty[s])
					if dy > -np && dy < np {
						m.votes[dy+np]++
					}
				}
				break
			}
		}
	}
	for k := 0; k < 2; k++ {
		best, bi := int32(2), -1
		for i, v := range m.votes {
			if v > best {
				best, bi = v, i
			}
		}
		if bi < 0 {
			break
		}
		m.votes[bi] = 0
		m.cands = append(m.cands, cand{0, bi - np, int(best)})
	}
}

// sampleVote takes short textured strips of changed pixels from the dirty
// tiles of the current component (m.queue) and searches the previous frame
// around them; offsets found by at least two strips become candidates.
func (e *Encoder) sampleVote(src srcImage) {
	m := &e.mot
	comp := m.queue
	step := max(1, len(comp)/numSamples)
	var found [maxProbeMatches][2]int
	for i := 0; i < len(comp); i += step {
		t := int(comp[i])
		tx, ty := t%e.tw, t/e.tw
		b := e.box[t]
		y := ty*TileSize + int(b.y0+b.y1)/2
		bx0, bx1 := tx*TileSize+int(b.x0), tx*TileSize+int(b.x1)
		sx := -1
		for x := bx0; x+sampleLen <= bx1; x += 2 {
			s := src.row(y, x, x+sampleLen)
			if textured(s) && !bytes.Equal(s, e.prevRow(y, x, x+sampleLen)) {
				sx = x
				break
			}
		}
		if sx < 0 {
			continue
		}
		sample := src.row(y, sx, sx+sampleLen)
		p0 := binary.LittleEndian.Uint32(sample)
		nf := 0
		yl, yh := max(0, y-searchRadius), min(e.h-1, y+searchRadius)
		xl, xh := max(0, sx-searchRadius), min(e.w-sampleLen, sx+searchRadius)
	search:
		for yy := yl; yy <= yh; yy++ {
			row := e.prev[yy*4*e.w : (yy+1)*4*e.w]
			for xx := xl; xx <= xh; xx++ {
				if binary.LittleEndian.Uint32(row[4*xx:]) != p0 {
					continue
				}
				if !bytes.Equal(row[4*xx:4*xx+4*sampleLen], sample) || (xx == sx && yy == y) {
					continue
				}
				if nf == len(found) {
					nf++
					break search
				}
				found[nf] = [2]int{sx - xx, y - yy}
				nf++
			}
		}
		if nf == 0 || nf > len(found) {
			continue // nothing or too ambiguous
		}
		for _, f := range found[:nf] {
			k := 0
			for ; k < len(m.cands); k++ {
				if m.cands[k].dx == f[0] && m.cands[k].dy == f[1] {
					m.cands[k].votes++
					break
				}
			}
			if k == len(m.cands) {
				m.cands = append(m.cands, cand{f[0], f[1], 1})
			}
		}
	}
	// keep candidates with >= 3 votes, best first
	j := 0
	for _, c := range m.cands {
		if c.votes >= 3 {
			m.cands[j] = c
			j++
		}
	}
	m.cands = m.cands[:j]
	for i := 1; i < len(m.cands); i++ {
		for k := i; k > 0 && m.cands[k].votes > m.cands[k-1].votes; k-- {
			m.cands[k], m.cands[k-1] = m.cands[k-1], m.cands[k]
		}
	}
}

// textured reports whether a strip has at least 3 changes between
// neighbouring pixels (so it is unlikely to match by accident).
func textured(s []byte) bool {
	n := 0
	for i := 4; i+4 <= len(s); i += 4 {
		if binary.LittleEndian.Uint32(s[i:]) != binary.LittleEndian.Uint32(s[i-4:]) {
			n++
		}
	}
	return n >= 3
}

// findRects finds rectangles inside D where the current frame equals the
// previous frame shifted by (dx, dy), verifies them and appends them as copy
// operations. Returns the number of pixels covered.
func (e *Encoder) findRects(src srcImage, D image.Rectangle, dx, dy int) int {
	if dx == 0 && dy == 0 {
		return 0
	}
	// destination area whose source lies inside the frame
	area := D.Intersect(image.Rect(dx, dy, e.w+dx, e.h+dy))
	if area.Dx() < minCopyW || area.Dy() < minCopyH {
		return 0
	}
	xlo, xhi := area.Min.X, area.Max.X
	covered := 0
	open := false
	var a, b, ys int
	emit := func(yEnd int) {
		open = false
		r := image.Rect(a, ys, b, yEnd)
		if r.Dy() < minCopyH || r.Dx()*r.Dy() < minCopyArea {
			return
		}
		for _, c := range e.copies {
			if c.dst().Overlaps(r) {
				return
			}
		}
		c := copyOp{sx: a - dx, sy: ys - dy, dx: a, dy: ys, w: r.Dx(), h: r.Dy()}
		if len(e.copies) >= maxCopies || !e.verifyCopy(src, c) {
			return
		}
		e.copies = append(e.copies, c)
		covered += r.Dx() * r.Dy()
	}
	for y := area.Min.Y; y < area.Max.Y; y++ {
		sy := y - dy
		if open {
			if bytes.Equal(src.row(y, a, b), e.prevRow(sy, a-dx, b-dx)) {
				// Still matching: if the run around [a, b) is much wider on
				// this row, start a wider rectangle here.
				cur, prv := src.row(y, 0, e.w), e.prevRow(sy, 0, e.w)
				ea, eb := a, b
				for ea > xlo && pixEq(cur, ea-1, prv, ea-1-dx) {
					ea--
				}
				for eb < xhi && pixEq(cur, eb, prv, eb-dx) {
					eb++
				}
				if (eb-ea)*4 > (b-a)*5+64 {
					emit(y)
					open, a, b, ys = true, ea, eb, y
				}
				continue
			}
			emit(y)
		}
		ra, rb := longestRun(src.row(y, xlo, xhi), e.prevRow(sy, xlo-dx, xhi-dx), e.prevRow(y, xlo, xhi))
		if rb-ra >= minCopyW {
			open, a, b, ys = true, xlo+ra, xlo+rb, y
		}
	}
	if open {
		emit(area.Max.Y)
	}
	return covered
}

// pixEq compares pixel x of row a with pixel y of row b (x, y may be out of
// range, which compares unequal).
func pixEq(a []byte, x int, b []byte, y int) bool {
	if x < 0 || y < 0 || 4*x+4 > len(a) || 4*y+4 > len(b) {
		return false
	}
	return binary.LittleEndian.Uint32(a[4*x:]) == binary.LittleEndian.Uint32(b[4*y:])
}

// longestRun returns the longest pixel run [a, b) where cur equals shifted
// and which contains at least one pixel where cur differs from same (the
// unshifted previous row), so runs over unchanged background are ignored.
func longestRun(cur, shifted, same []byte) (int, int) {
	n := len(cur) / 4
	ba, bb := 0, 0
	start := -1
	useful := false
	for x := 0; x <= n; x++ {
		match := false
		if x < n {
			c := binary.LittleEndian.Uint32(cur[4*x:])
			match = c == binary.LittleEndian.Uint32(shifted[4*x:])
			if match && c != binary.LittleEndian.Uint32(same[4*x:]) {
				useful = true
			}
		}
		if match {
			if start < 0 {
				start = x
			}
			continue
		}
		if start >= 0 {
			if useful && x-start > bb-ba {
				ba, bb = start, x
			}
			start = -1
			useful = false
		}
	}
	return ba, bb
}

// verifyCopy checks that the copy reproduces the current frame exactly.
func (e *Encoder) verifyCopy(src srcImage, c copyOp) bool {
	if c.sx < 0 || c.sy < 0 || c.sx+c.w > e.w || c.sy+c.h > e.h ||
		c.dx < 0 || c.dy < 0 || c.dx+c.w > e.w || c.dy+c.h > e.h {
		return false
	}
	for y := 0; y < c.h; y++ {
		if !bytes.Equal(src.row(c.dy+y, c.dx, c.dx+c.w), e.prevRow(c.sy+y, c.sx, c.sx+c.w)) {
			return false
		}
	}
	return true
}
