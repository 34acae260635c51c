package codec

import (
	"bytes"
	"encoding/binary"
	"fmt"
	"image"
	"image/jpeg"
	"slices"

	"github.com/klauspost/compress/zstd"
)

// Defaults chosen by measurement on the corpus (see docs/codec.md).
const (
	// DefaultJPEGQuality is the JPEG quality of lossy tiles in Sampling mode.
	DefaultJPEGQuality = 75
	// DefaultRefreshAfter is how many consecutive unchanged frames a lossy
	// tile waits before it is re-sent losslessly.
	DefaultRefreshAfter = 2
	// With Options.Level unset, payloads below smallPayload bytes (typical
	// delta frames) are compressed with zstd.SpeedBestCompression (under
	// ~2 ms for 512 KB) and larger ones (keyframes, full-screen changes)
	// with zstd.SpeedBetterCompression (~10 ms for a 3 MB 1080p payload).
	smallPayload = 512 << 10
)

// Options configure an Encoder. The zero value is Standard mode, full colour.
type Options struct {
	Mode  Mode
	Color ColorDepth
	// JPEGQuality (1–100) for lossy tiles in Sampling mode; 0 means
	// DefaultJPEGQuality.
	JPEGQuality int
	// RefreshAfter is the number of unchanged frames after which a lossy
	// tile is refreshed losslessly; 0 means DefaultRefreshAfter. A frame in
	// which nothing changed refreshes every lossy tile at once.
	RefreshAfter int
	// Level is the zstd encoder level for every payload; 0 means adaptive:
	// SpeedBestCompression below 512 KiB of payload, SpeedBetterCompression
	// above.
	Level zstd.EncoderLevel
	// NoMotion disables scroll and window-move detection (copy operations).
	NoMotion bool
}

func (o Options) normalized() Options {
	if o.JPEGQuality <= 0 || o.JPEGQuality > 100 {
		o.JPEGQuality = DefaultJPEGQuality
	}
	if o.RefreshAfter <= 0 {
		o.RefreshAfter = DefaultRefreshAfter
	}
	return o
}

// FrameStats describes one encoded frame.
type FrameStats struct {
	Keyframe     bool
	Bytes        int // encoded frame size including header (0: no frame)
	PayloadBytes int // payload size before zstd
	DirtyTiles   int // tiles whose source pixels changed
	Copies       int // copy operations (scrolls / moves)
	CopyPixels   int // pixels covered by copy operations
	Tiles        int // lossless tile records (including refreshes)
	PartialTiles int // lossless records covering only part of their tile
	RefreshTiles int // lossless refreshes of previously lossy tiles
	LossyTiles   int // tiles sent as JPEG
	LossyRects   int // JPEG rectangles
	// Kinds counts lossless records by encoding, indexed like KindNames:
	// solid, packed, rle, raw, pred, global.
	Kinds [numKinds]int
}

// copyOp copies a w×h rectangle from (sx, sy) of the previous decoded image
// to (dx, dy).
type copyOp struct {
	sx, sy, dx, dy, w, h int
}

func (c copyOp) dst() image.Rectangle { return image.Rect(c.dx, c.dy, c.dx+c.w, c.dy+c.h) }
func (c copyOp) src() image.Rectangle { return image.Rect(c.sx, c.sy, c.sx+c.w, c.sy+c.h) }

// tileBox is a tile-local dirty bounding box [x0,x1)×[y0,y1); empty when x1 == 0.
type tileBox struct{ x0, y0, x1, y1 uint8 }

func (b tileBox) empty() bool { return b.x1 == 0 }

// An Encoder turns a sequence of screen frames into codec messages. It keeps
// the previous source frame for change detection. Not safe for concurrent use.
type Encoder struct {
	opts    Options
	next    Options
	pending bool

	zenc   *zstd.Encoder // level for large payloads
	zsmall *zstd.Encoder // level for small payloads
	zlevel zstd.EncoderLevel

	started  bool
	forceKey bool
	seq      uint32
	w, h     int
	tw, th   int
	prev     []byte // previous source frame, RGBA, stride 4*w

	dirty  []bool
	box    []tileBox
	lossy  []bool
	clossy []bool // per frame: tile received pixels copied from a lossy area
	still  []uint16

	scr      tileScratch
	gp       globalPalette
	jobs     []job
	order    []int32
	pxArena  []uint32
	idxArena []uint8
	palArena []uint32
	copies   []copyOp
	lossyQ   []int32 // tiles to send as JPEG this frame
	runs     []tileRun
	mot      motion
	tbuf     []byte // tile records
	jsec     []byte // JPEG records
	payload  []byte
	jbuf     bytes.Buffer
}

// NewEncoder returns an encoder. The first frame it encodes is a keyframe.
func NewEncoder(opts Options) *Encoder {
	e := &Encoder{opts: opts.normalized()}
	return e
}

// Options returns the options in effect for the next frame.
func (e *Encoder) Options() Options {
	if e.pending {
		return e.next
	}
	return e.opts
}

// SetOptions changes the options from the next frame on. A colour-depth
// change forces a keyframe; switching from Sampling to Standard refreshes
// every lossy tile in the next frame.
func (e *Encoder) SetOptions(opts Options) {
	e.next = opts.normalized()
	e.pending = true
}

// ForceKeyframe makes the next frame a keyframe: it contains every tile and
// decodes on a fresh Decoder.
func (e *Encoder) ForceKeyframe() { e.forceKey = true }

// Encode encodes frame as the next screen image and appends the message to
// dst (pass buf[:0] to reuse a buffer). If nothing changed and no lossless
// refresh is due it returns dst unchanged (len(result) == len(dst)) and
// stats.Bytes == 0: send nothing. frame may be reused by the caller after
// Encode returns.
func (e *Encoder) Encode(frame *image.RGBA, dst []byte) ([]byte, FrameStats, error) {
	return e.encode(frame, nil, false, dst)
}

// EncodeRegions is Encode with a damage hint: the caller guarantees that
// pixels outside the rectangles (frame coordinates) did not change since the
// previous call, so only tiles touching them are compared. A keyframe ignores
// the hint.
func (e *Encoder) EncodeRegions(frame *image.RGBA, damage []image.Rectangle, dst []byte) ([]byte, FrameStats, error) {
	return e.encode(frame, damage, true, dst)
}

func (e *Encoder) encode(frame *image.RGBA, damage []image.Rectangle, hinted bool, dst []byte) ([]byte, FrameStats, error) {
	var st FrameStats
	if frame == nil {
		return dst, st, fmt.Errorf("codec: nil frame")
	}
	fb := frame.Bounds()
	w, h := fb.Dx(), fb.Dy()
	if w <= 0 || h <= 0 || w > MaxDimension || h > MaxDimension {
		return dst, st, fmt.Errorf("codec: frame size %dx%d outside 1..%d: %w", w, h, MaxDimension, ErrTooLarge)
	}
	if e.pending {
		old := e.opts
		e.opts = e.next
		e.pending = false
		if old.Color != e.opts.Color {
			e.forceKey = true
		}
		// Sampling → Standard: lossy tiles are refreshed in the next frame
		// (the refresh rule below refreshes at once in Standard mode).
	}
	if e.zenc == nil || e.zlevel != e.opts.Level {
		big, small := e.opts.Level, e.opts.Level
		if big <= 0 {
			big, small = zstd.SpeedBetterCompression, zstd.SpeedBestCompression
		}
		var err error
		if e.zenc, err = newZstd(big); err == nil {
			e.zsmall, err = newZstd(small)
		}
		if err != nil {
			e.zenc = nil
			return dst, st, fmt.Errorf("codec: zstd: %w", err)
		}
		e.zlevel = e.opts.Level
	}
	key := !e.started || e.forceKey || w != e.w || h != e.h
	if key {
		e.reset(w, h)
	}
	st.Keyframe = key

	// Source view: stride and origin of the caller's frame.
	spix, sstride := frame.Pix, frame.Stride
	soff := frame.PixOffset(fb.Min.X, fb.Min.Y)
	src := srcImage{pix: spix[soff:], stride: sstride}

	ntiles := e.tw * e.th
	e.copies = e.copies[:0]
	if key {
		for i := 0; i < ntiles; i++ {
			e.dirty[i] = true
		}
		st.DirtyTiles = ntiles
	} else {
		st.DirtyTiles = e.detect(src, damage, hinted)
		if st.DirtyTiles > 0 && !e.opts.NoMotion {
			e.findMotion(src)
		}
	}
	for i := range e.clossy {
		e.clossy[i] = false
	}
	for _, c := range e.copies {
		st.CopyPixels += c.w * c.h
		if e.rectLossy(c.src()) {
			e.markCopyLossy(c)
		}
	}
	st.Copies = len(e.copies)

	idle := !key && st.DirtyTiles == 0 && len(e.copies) == 0
	refreshAfter := uint16(e.opts.RefreshAfter)
	if refreshAfter == 0 {
		refreshAfter = 1
	}

	// Pass 1: choose the tiles to send and analyse them.
	e.jobs = e.jobs[:0]
	e.lossyQ = e.lossyQ[:0]
	e.palArena = e.palArena[:0]
	arena := 0
	sampling := e.opts.Mode == Sampling
	for t := 0; t < ntiles; t++ {
		wasLossy := e.lossy[t] || e.clossy[t]
		changed := e.dirty[t] || e.clossy[t]
		var bx tileBox
		refresh := false
		send := false
		full := false
		switch {
		case key:
			send, full = true, true
		case e.dirty[t]:
			bx = e.box[t]
			if len(e.copies) > 0 {
				bx = e.residual(src, t)
			}
			if !bx.empty() {
				send = true
				full = wasLossy
			}
		}
		if changed {
			e.still[t] = 0
		} else if e.still[t] < 0xffff {
			e.still[t]++
		}
		if !send && wasLossy && (idle || e.still[t] >= refreshAfter || e.opts.Mode == Standard) {
			send, full, refresh = true, true, true
		}
		if !send {
			e.lossy[t] = wasLossy
			continue
		}
		tx, ty := t%e.tw, t/e.tw
		x0, y0 := tx*TileSize, ty*TileSize
		tw, th := min(TileSize, w-x0), min(TileSize, h-y0)
		j := job{t: int32(t), x: x0, y: y0, w: tw, h: th, refresh: refresh}
		if !full {
			j.x, j.y, j.w, j.h = x0+int(bx.x0), y0+int(bx.y0), int(bx.x1-bx.x0), int(bx.y1-bx.y0)
			j.partial = j.w != tw || j.h != th
		}
		if len(e.pxArena) < arena+tilePixels || len(e.idxArena) < arena+tilePixels {
			// (reset sizes the arenas for a keyframe, so this is defensive)
			nl := 2 * (arena + tilePixels)
			px, ix := make([]uint32, nl), make([]uint8, nl)
			copy(px, e.pxArena[:arena])
			copy(ix, e.idxArena[:arena])
			e.pxArena, e.idxArena = px, ix
		}
		j.off = arena
		e.analyze(&j, src, sampling && !refresh)
		if sampling && !refresh && photoLike(&j) {
			lossy := true
			if j.partial {
				// The JPEG covers the whole tile: confirm on all of it.
				fj := j
				fj.x, fj.y, fj.w, fj.h, fj.partial = x0, y0, tw, th, false
				e.palArena = e.palArena[:j.palOff]
				e.analyze(&fj, src, true)
				if lossy = photoLike(&fj); !lossy {
					e.palArena = e.palArena[:fj.palOff]
					e.analyze(&j, src, false)
				}
			}
			if lossy {
				e.lossyQ = append(e.lossyQ, int32(t))
				e.lossy[t] = true
				e.palArena = e.palArena[:j.palOff]
				continue
			}
		}
		n := j.w * j.h
		e.lossy[t] = false
		arena += n
		e.jobs = append(e.jobs, j)
	}

	// Pass 2: frame palette (greedy, smallest tile palettes first) and the
	// encoding kind of every record.
	e.gp.reset()
	if e.opts.Color != Color256 && useFramePalette {
		e.order = e.order[:0]
		for i := range e.jobs {
			if j := &e.jobs[i]; !j.many && j.npal >= 2 {
				e.order = append(e.order, int32(i))
			}
		}
		slices.SortStableFunc(e.order, func(a, b int32) int { return e.jobs[a].npal - e.jobs[b].npal })
		for _, i := range e.order {
			j := &e.jobs[i]
			if e.gp.tryAdd(e.palArena[j.palOff : j.palOff+j.npal]) {
				j.kind = kindGlobal
			} else {
				j.kind = 0xff
			}
		}
	}
	for i := range e.jobs {
		j := &e.jobs[i]
		n := j.w * j.h
		switch {
		case !j.many && j.npal == 1:
			j.kind = kindSolid
		case j.kind == kindGlobal && !j.many && j.npal >= 2:
		case e.opts.Color == ColorFull && j.many && j.runs*100 >= predManyRuns*n:
			j.kind = kindPred
		case e.opts.Color == ColorFull && !j.many && j.runs*100 >= predFewRuns*n:
			j.kind = kindPred
		case e.opts.Color != ColorFull && !j.many && j.npal <= localMax:
			if rleRuns(e.idxArena[j.off:j.off+n])*2 < n*indexBits(j.npal)/8 {
				j.kind = kindRLE
			} else {
				j.kind = kindPacked
			}
		default:
			j.kind = kindRaw
		}
	}

	// Pass 3: tile records in tile order.
	e.tbuf = e.tbuf[:0]
	prevIdx := -1
	depth := e.opts.Color
	for i := range e.jobs {
		j := &e.jobs[i]
		n := j.w * j.h
		px, idx := e.pxArena[j.off:j.off+n], e.idxArena[j.off:j.off+n]
		pal := e.palArena[j.palOff : j.palOff+j.npal]
		b := appendUvarint(e.tbuf, uint64(int(j.t)-prevIdx-1))
		prevIdx = int(j.t)
		kb := j.kind
		if j.partial {
			kb |= kindPartial
		}
		b = append(b, kb)
		if j.partial {
			tx, ty := int(j.t)%e.tw*TileSize, int(j.t)/e.tw*TileSize
			b = append(b, byte(j.x-tx), byte(j.y-ty), byte(j.w-1), byte(j.h-1))
			st.PartialTiles++
		}
		switch j.kind {
		case kindSolid:
			b = appendPixel(b, depth, px[0])
		case kindGlobal:
			var tr [256]uint8
			for k, v := range pal {
				tr[k], _ = e.gp.lookup(v)
			}
			b = grow(b, n)
			for _, v := range idx {
				b = append(b, tr[v])
			}
		case kindPacked, kindRLE:
			b = append(b, byte(j.npal-1))
			for _, v := range pal {
				b = appendPixel(b, depth, v)
			}
			if j.kind == kindRLE {
				b = appendRLE(b, idx)
			} else {
				b = appendPacked(b, idx, j.w, j.h, indexBits(j.npal))
			}
		case kindPred:
			b = e.scr.appendPred(b, px, j.w, j.h)
		default:
			b = grow(b, n*depth.bpp())
			for _, v := range px {
				b = appendPixel(b, depth, v)
			}
		}
		e.tbuf = b
		st.Kinds[j.kind]++
		if j.refresh {
			st.RefreshTiles++
		}
	}
	ntile := len(e.jobs)
	st.Tiles = ntile

	// JPEG rectangles.
	e.jsec = e.jsec[:0]
	if len(e.lossyQ) > 0 {
		if err := e.encodeLossy(frame, &st); err != nil {
			e.forceKey = true // state is half-updated: start over
			return dst, st, err
		}
	}

	// Update the previous source frame with every changed tile.
	if key {
		for y := 0; y < h; y++ {
			copy(e.prev[y*4*w:(y+1)*4*w], src.pix[y*src.stride:y*src.stride+4*w])
		}
	} else if st.DirtyTiles > 0 {
		for t := 0; t < ntiles; t++ {
			if !e.dirty[t] {
				continue
			}
			b := e.box[t]
			tx, ty := t%e.tw, t/e.tw
			x0, y0 := tx*TileSize+int(b.x0), ty*TileSize+int(b.y0)
			x1, y1 := tx*TileSize+int(b.x1), ty*TileSize+int(b.y1)
			for y := y0; y < y1; y++ {
				copy(e.prev[y*4*w+4*x0:y*4*w+4*x1], src.pix[y*src.stride+4*x0:])
			}
		}
	}

	if !key && len(e.copies) == 0 && ntile == 0 && st.LossyRects == 0 {
		return dst, st, nil
	}

	// Payload: copies, tiles, JPEG rectangles.
	p := e.payload[:0]
	p = appendUvarint(p, uint64(len(e.copies)))
	for _, c := range e.copies {
		p = appendUvarint(p, uint64(c.sx))
		p = appendUvarint(p, uint64(c.sy))
		p = appendUvarint(p, uint64(c.dx))
		p = appendUvarint(p, uint64(c.dy))
		p = appendUvarint(p, uint64(c.w))
		p = appendUvarint(p, uint64(c.h))
	}
	p = appendUvarint(p, uint64(len(e.gp.cols)))
	for _, v := range e.gp.cols {
		p = appendPixel(p, depth, v)
	}
	p = appendUvarint(p, uint64(ntile))
	p = append(p, e.tbuf...)
	p = appendUvarint(p, uint64(st.LossyRects))
	p = append(p, e.jsec...)
	e.payload = p
	st.PayloadBytes = len(p)

	e.seq++
	if key {
		e.seq = 0
	}
	hd := header{keyframe: key, depth: e.opts.Color, mode: e.opts.Mode, width: w, height: h, seq: e.seq, payloadLen: len(p)}
	start := len(dst)
	dst = append(dst, make([]byte, HeaderSize)...)
	hd.put(dst[start:])
	z := e.zenc
	if len(p) < smallPayload {
		z = e.zsmall
	}
	dst = z.EncodeAll(p, dst)
	st.Bytes = len(dst) - start
	e.started = true
	e.forceKey = false
	return dst, st, nil
}

func newZstd(l zstd.EncoderLevel) (*zstd.Encoder, error) {
	return zstd.NewWriter(nil, zstd.WithEncoderConcurrency(1), zstd.WithEncoderLevel(l),
		zstd.WithEncoderCRC(false), zstd.WithWindowSize(zstdWindow))
}

// analyze loads job j's rectangle into the arenas at j.off.
func (e *Encoder) analyze(j *job, src srcImage, grad bool) {
	n := j.w * j.h
	e.scr.analyze(j, e.opts.Color, grad, src.pix, src.stride, j.y*src.stride+j.x*4,
		e.pxArena[j.off:j.off+n], e.idxArena[j.off:j.off+n], &e.palArena)
}

// zstdWindow is the zstd window the encoder uses; decoders accept up to this.
const zstdWindow = 8 << 20

type srcImage struct {
	pix    []byte
	stride int
}

func (s srcImage) row(y, x0, x1 int) []byte {
	return s.pix[y*s.stride+4*x0 : y*s.stride+4*x1]
}

func (e *Encoder) prevRow(y, x0, x1 int) []byte {
	return e.prev[y*4*e.w+4*x0 : y*4*e.w+4*x1]
}

func (e *Encoder) reset(w, h int) {
	e.w, e.h = w, h
	e.tw, e.th = (w+TileSize-1)/TileSize, (h+TileSize-1)/TileSize
	n := e.tw * e.th
	if cap(e.prev) < 4*w*h {
		e.prev = make([]byte, 4*w*h)
	}
	e.prev = e.prev[:4*w*h]
	// Arenas for the analysed tiles: a keyframe needs one pixel per pixel.
	if n := w*h + tilePixels; cap(e.pxArena) < n {
		e.pxArena = make([]uint32, n)
		e.idxArena = make([]uint8, n)
	}
	e.dirty = resize(e.dirty, n)
	e.box = resize(e.box, n)
	e.lossy = resize(e.lossy, n)
	e.clossy = resize(e.clossy, n)
	e.still = resize(e.still, n)
	for i := 0; i < n; i++ {
		e.lossy[i] = false
		e.still[i] = 0
	}
}

func resize[T any](s []T, n int) []T {
	if cap(s) < n {
		return make([]T, n)
	}
	return s[:n]
}

// detect compares the frame with the previous one and fills e.dirty and
// e.box. It returns the number of dirty tiles.
func (e *Encoder) detect(src srcImage, damage []image.Rectangle, hinted bool) int {
	w, h := e.w, e.h
	for i := range e.dirty {
		e.dirty[i] = false
		e.box[i] = tileBox{}
	}
	n := 0
	mark := func(t, y, first, last int) {
		b := &e.box[t]
		ly := uint8(y)
		if b.empty() {
			*b = tileBox{uint8(first), ly, uint8(last + 1), ly + 1}
			e.dirty[t] = true
			n++
			return
		}
		if uint8(first) < b.x0 {
			b.x0 = uint8(first)
		}
		if uint8(last+1) > b.x1 {
			b.x1 = uint8(last + 1)
		}
		b.y1 = ly + 1
	}
	if hinted {
		// Compare only tiles touching the damage rectangles.
		cand := e.clossy // reuse as scratch; cleared by the caller afterwards
		for i := range cand {
			cand[i] = false
		}
		bounds := image.Rect(0, 0, w, h)
		for _, r := range damage {
			e.markTiles(r.Intersect(bounds), cand)
		}
		for t, ok := range cand {
			if !ok {
				continue
			}
			tx, ty := t%e.tw, t/e.tw
			x0, y0 := tx*TileSize, ty*TileSize
			x1, y1 := min(x0+TileSize, w), min(y0+TileSize, h)
			for y := y0; y < y1; y++ {
				a, b := src.row(y, x0, x1), e.prevRow(y, x0, x1)
				if bytes.Equal(a, b) {
					continue
				}
				mark(t, y-y0, firstDiff(a, b), lastDiff(a, b))
			}
		}
		return n
	}
	for y := 0; y < h; y++ {
		a, b := src.row(y, 0, w), e.prevRow(y, 0, w)
		if bytes.Equal(a, b) {
			continue
		}
		f, l := firstDiff(a, b), lastDiff(a, b)
		ty := y / TileSize
		ly := y - ty*TileSize
		for tx := f / TileSize; tx <= l/TileSize; tx++ {
			x0 := tx * TileSize
			x1 := min(x0+TileSize, w)
			sa, sb := a[4*x0:4*x1], b[4*x0:4*x1]
			var ff, ll int
			switch {
			case tx == f/TileSize && tx == l/TileSize:
				ff, ll = f-x0, l-x0
			case tx == f/TileSize:
				ff, ll = f-x0, lastDiff(sa, sb)
			case tx == l/TileSize:
				ff = firstDiff(sa, sb)
				if ff < 0 {
					continue
				}
				ll = l - x0
			default:
				if bytes.Equal(sa, sb) {
					continue
				}
				ff, ll = firstDiff(sa, sb), lastDiff(sa, sb)
			}
			mark(ty*e.tw+tx, ly, ff, ll)
		}
	}
	return n
}

// firstDiff returns the first pixel index at which a and b differ, or -1.
// len(a) == len(b), a multiple of 4.
func firstDiff(a, b []byte) int {
	n := len(a)
	if len(b) < n {
		return -1
	}
	i := 0
	for ; i+8 <= n; i += 8 {
		if binary.LittleEndian.Uint64(a[i:]) != binary.LittleEndian.Uint64(b[i:]) {
			break
		}
	}
	for ; i+4 <= n; i += 4 {
		if binary.LittleEndian.Uint32(a[i:]) != binary.LittleEndian.Uint32(b[i:]) {
			return i / 4
		}
	}
	return -1
}

// lastDiff returns the last pixel index at which a and b differ, or -1.
func lastDiff(a, b []byte) int {
	n := len(a)
	if len(b) < n {
		return -1
	}
	i := n
	for ; i-8 >= 0; i -= 8 {
		if binary.LittleEndian.Uint64(a[i-8:]) != binary.LittleEndian.Uint64(b[i-8:]) {
			break
		}
	}
	for ; i-4 >= 0; i -= 4 {
		if binary.LittleEndian.Uint32(a[i-4:]) != binary.LittleEndian.Uint32(b[i-4:]) {
			return i/4 - 1
		}
	}
	return -1
}

// markTiles sets m[t] for every tile t intersecting r (frame coordinates).
func (e *Encoder) markTiles(r image.Rectangle, m []bool) {
	r = r.Intersect(image.Rect(0, 0, e.w, e.h))
	if r.Empty() {
		return
	}
	for ty := r.Min.Y / TileSize; ty <= (r.Max.Y-1)/TileSize; ty++ {
		for tx := r.Min.X / TileSize; tx <= (r.Max.X-1)/TileSize; tx++ {
			m[ty*e.tw+tx] = true
		}
	}
}

// markCopyLossy sets e.clossy for every destination tile of c whose part of
// the copy comes from a lossy tile.
func (e *Encoder) markCopyLossy(c copyOp) {
	d := c.dst()
	off := image.Pt(c.sx-c.dx, c.sy-c.dy)
	for ty := d.Min.Y / TileSize; ty <= (d.Max.Y-1)/TileSize; ty++ {
		for tx := d.Min.X / TileSize; tx <= (d.Max.X-1)/TileSize; tx++ {
			part := image.Rect(tx*TileSize, ty*TileSize, (tx+1)*TileSize, (ty+1)*TileSize).Intersect(d)
			if e.rectLossy(part.Add(off)) {
				e.clossy[ty*e.tw+tx] = true
			}
		}
	}
}

// rectLossy reports whether any tile intersecting r is lossy in the decoder.
func (e *Encoder) rectLossy(r image.Rectangle) bool {
	r = r.Intersect(image.Rect(0, 0, e.w, e.h))
	if r.Empty() {
		return false
	}
	for ty := r.Min.Y / TileSize; ty <= (r.Max.Y-1)/TileSize; ty++ {
		for tx := r.Min.X / TileSize; tx <= (r.Max.X-1)/TileSize; tx++ {
			if e.lossy[ty*e.tw+tx] {
				return true
			}
		}
	}
	return false
}

// residual returns the bounding box (tile-local) of pixels of dirty tile t
// that copies do not explain: pixels outside every copy destination that
// differ from the previous frame. Inside a destination the copy is exact.
func (e *Encoder) residual(src srcImage, t int) tileBox {
	tx, ty := t%e.tw, t/e.tw
	x0, y0 := tx*TileSize, ty*TileSize
	tr := image.Rect(x0, y0, min(x0+TileSize, e.w), min(y0+TileSize, e.h))
	b := e.box[t]
	// rows of the original dirty box only: outside it nothing changed.
	var out tileBox
	var segs [16][2]int
	for y := y0 + int(b.y0); y < y0+int(b.y1); y++ {
		// uncovered segments of [x0+b.x0, x0+b.x1) on row y
		ns := 1
		segs[0] = [2]int{x0 + int(b.x0), x0 + int(b.x1)}
		for _, c := range e.copies {
			if y < c.dy || y >= c.dy+c.h || c.dx >= tr.Max.X || c.dx+c.w <= tr.Min.X {
				continue
			}
			ns = cutSegs(&segs, ns, c.dx, c.dx+c.w)
		}
		for i := 0; i < ns; i++ {
			sa, sb := src.row(y, segs[i][0], segs[i][1]), e.prevRow(y, segs[i][0], segs[i][1])
			if bytes.Equal(sa, sb) {
				continue
			}
			f := segs[i][0] - x0 + firstDiff(sa, sb)
			l := segs[i][0] - x0 + lastDiff(sa, sb)
			ly := uint8(y - y0)
			if out.empty() {
				out = tileBox{uint8(f), ly, uint8(l + 1), ly + 1}
				continue
			}
			out.x0 = min(out.x0, uint8(f))
			out.x1 = max(out.x1, uint8(l+1))
			out.y1 = ly + 1
		}
	}
	return out
}

// cutSegs removes [a, b) from the first n segments and returns the new count.
// When the array is full, segments are kept whole (conservative).
func cutSegs(segs *[16][2]int, n, a, b int) int {
	var out [16][2]int
	m := 0
	for i := 0; i < n; i++ {
		s := segs[i]
		if b <= s[0] || a >= s[1] {
			out[m] = s
			m++
			continue
		}
		if s[0] < a {
			if m == len(out) {
				return n
			}
			out[m] = [2]int{s[0], a}
			m++
		}
		if b < s[1] {
			if m == len(out) {
				return n
			}
			out[m] = [2]int{b, s[1]}
			m++
		}
	}
	*segs = out
	return m
}

// tileRun is a rectangle of lossy tiles in tile units.
type tileRun struct{ tx0, tx1, ty0, ty1 int }

// encodeLossy merges the queued lossy tiles into rectangles and appends one
// JPEG record per rectangle to e.jsec.
func (e *Encoder) encodeLossy(frame *image.RGBA, st *FrameStats) error {
	// Horizontal runs per tile row, then merge vertically when the column
	// range matches the run directly above.
	e.runs = e.runs[:0]
	open := 0 // runs[open:] are those ending at the previous row
	q := e.lossyQ
	for i := 0; i < len(q); {
		t := int(q[i])
		ty, tx0 := t/e.tw, t%e.tw
		j := i + 1
		for j < len(q) && int(q[j]) == int(q[j-1])+1 && int(q[j])/e.tw == ty {
			j++
		}
		tx1 := tx0 + (j - i)
		merged := false
		for k := open; k < len(e.runs); k++ {
			r := &e.runs[k]
			if r.ty1 == ty && r.tx0 == tx0 && r.tx1 == tx1 {
				r.ty1 = ty + 1
				merged = true
				break
			}
		}
		if !merged {
			e.runs = append(e.runs, tileRun{tx0, tx1, ty, ty + 1})
		}
		// runs that can no longer grow stay in the slice; "open" only skips
		// those that ended two rows ago.
		for open < len(e.runs) && e.runs[open].ty1 < ty {
			open++
		}
		i = j
	}
	fb := frame.Bounds()
	q2 := e.opts.JPEGQuality
	for _, r := range e.runs {
		pr := image.Rect(r.tx0*TileSize, r.ty0*TileSize, min(r.tx1*TileSize, e.w), min(r.ty1*TileSize, e.h))
		sub := frame.SubImage(pr.Add(fb.Min)).(*image.RGBA)
		e.jbuf.Reset()
		if err := jpeg.Encode(&e.jbuf, sub, &jpeg.Options{Quality: q2}); err != nil {
			return fmt.Errorf("codec: jpeg: %w", err)
		}
		e.jsec = appendUvarint(e.jsec, uint64(r.tx0))
		e.jsec = appendUvarint(e.jsec, uint64(r.ty0))
		e.jsec = appendUvarint(e.jsec, uint64(r.tx1-r.tx0))
		e.jsec = appendUvarint(e.jsec, uint64(r.ty1-r.ty0))
		e.jsec = appendUvarint(e.jsec, uint64(e.jbuf.Len()))
		e.jsec = append(e.jsec, e.jbuf.Bytes()...)
		st.LossyTiles += (r.tx1 - r.tx0) * (r.ty1 - r.ty0)
		st.LossyRects++
	}
	return nil
}
