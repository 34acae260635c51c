package codec

import (
	"bytes"
	"encoding/binary"
	"fmt"
	"image"
	"image/draw"
	"image/jpeg"

	"github.com/klauspost/compress/zstd"
)

// Limits bound what a Decoder accepts. Frames beyond them fail with
// ErrTooLarge before anything is allocated.
type Limits struct {
	MaxWidth  int // default MaxDimension
	MaxHeight int // default MaxDimension
	MaxPixels int // width×height; default MaxDimension×MaxDimension
}

// DefaultLimits are the limits of NewDecoder.
var DefaultLimits = Limits{MaxWidth: MaxDimension, MaxHeight: MaxDimension, MaxPixels: MaxDimension * MaxDimension}

// A Decoder applies codec messages to an image. It treats input as hostile:
// a message is fully decompressed, parsed and validated (including JPEG
// decoding) before the image is touched, so a rejected message leaves the
// image exactly as it was. Not safe for concurrent use.
type Decoder struct {
	lim   Limits
	img   *image.RGBA
	depth ColorDepth
	seq   uint32
	valid bool

	zdec    *zstd.Decoder
	buf     []byte
	copies  []copyOp
	tiles   []tileRec
	jpegs   []jpegRec
	cover   []bool
	changed []image.Rectangle
	snap    []byte
	gpal    [256]uint32 // frame palette (wire values) of the frame being decoded
	npal    int
	planes  [3][tilePixels]uint8
}

type tileRec struct {
	t          int32
	kind       uint8
	x, y, w, h int // frame coordinates of the (sub-)rectangle
	data       []byte
}

type jpegRec struct {
	r   image.Rectangle
	img image.Image
}

var recoverPanics = true

// NewDecoder returns a decoder with DefaultLimits. Its image is nil until
// the first keyframe.
func NewDecoder() *Decoder { return &Decoder{lim: DefaultLimits} }

// SetLimits replaces the decoder's limits; zero fields keep the defaults.
func (d *Decoder) SetLimits(l Limits) {
	if l.MaxWidth <= 0 || l.MaxWidth > MaxDimension {
		l.MaxWidth = MaxDimension
	}
	if l.MaxHeight <= 0 || l.MaxHeight > MaxDimension {
		l.MaxHeight = MaxDimension
	}
	if l.MaxPixels <= 0 {
		l.MaxPixels = DefaultLimits.MaxPixels
	}
	d.lim = l
}

// Image returns the decoded screen, updated in place by Decode. It is nil
// before the first keyframe, and a keyframe that changes the frame size
// replaces it with a new image.
func (d *Decoder) Image() *image.RGBA { return d.img }

// Reset forgets all state; the next frame must be a keyframe.
func (d *Decoder) Reset() { d.valid = false }

// Decode applies one message to the image and returns the rectangles that
// changed (valid until the next call). On error the image is unchanged; if
// the error wraps ErrNeedKeyframe or ErrCorrupt, later deltas are refused
// until a keyframe arrives, so ask the sender for one.
func (d *Decoder) Decode(msg []byte) (changed []image.Rectangle, err error) {
	defer func() {
		// Defence in depth: validation should make a panic impossible, but a
		// viewer must never crash on peer input. (Disabled while fuzzing so
		// that panics are found.)
		if !recoverPanics {
			return
		}
		if p := recover(); p != nil {
			changed, err = nil, fmt.Errorf("codec: internal error %v: %w", p, ErrCorrupt)
			d.valid = false
		}
	}()
	changed, err = d.decode(msg)
	if err != nil {
		d.valid = false
	}
	return changed, err
}

func (d *Decoder) decode(msg []byte) ([]image.Rectangle, error) {
	hd, err := parseHeader(msg)
	if err != nil {
		return nil, err
	}
	w, h := hd.width, hd.height
	if w > d.lim.MaxWidth || h > d.lim.MaxHeight || w*h > d.lim.MaxPixels {
		return nil, fmt.Errorf("codec: frame %dx%d exceeds limits: %w", w, h, ErrTooLarge)
	}
	if !hd.keyframe {
		switch {
		case !d.valid || d.img == nil:
			return nil, fmt.Errorf("codec: delta frame %d without a keyframe: %w", hd.seq, ErrNeedKeyframe)
		case d.img.Rect.Dx() != w || d.img.Rect.Dy() != h:
			return nil, fmt.Errorf("codec: delta frame size %dx%d, image is %dx%d: %w", w, h, d.img.Rect.Dx(), d.img.Rect.Dy(), ErrNeedKeyframe)
		case hd.depth != d.depth:
			return nil, fmt.Errorf("codec: delta frame colour depth %v, stream is %v: %w", hd.depth, d.depth, ErrNeedKeyframe)
		case hd.seq != d.seq+1:
			return nil, fmt.Errorf("codec: frame %d after %d (gap): %w", hd.seq, d.seq, ErrNeedKeyframe)
		}
	}
	if hd.payloadLen > maxPayload(w, h) {
		return nil, fmt.Errorf("codec: payload of %d bytes exceeds %d for %dx%d: %w", hd.payloadLen, maxPayload(w, h), w, h, ErrCorrupt)
	}
	if d.zdec == nil {
		z, err := zstd.NewReader(nil, zstd.WithDecoderConcurrency(1), zstd.WithDecodeAllCapLimit(true),
			zstd.WithDecoderMaxWindow(zstdWindow), zstd.WithDecoderMaxMemory(uint64(maxPayload(MaxDimension, MaxDimension))))
		if err != nil {
			return nil, fmt.Errorf("codec: zstd: %w", err)
		}
		d.zdec = z
	}
	if cap(d.buf) < hd.payloadLen {
		d.buf = make([]byte, 0, hd.payloadLen)
	}
	payload, err := d.zdec.DecodeAll(msg[HeaderSize:], d.buf[:0:hd.payloadLen])
	if err != nil {
		return nil, fmt.Errorf("codec: zstd payload: %v: %w", err, ErrCorrupt)
	}
	if len(payload) != hd.payloadLen {
		return nil, fmt.Errorf("codec: payload is %d bytes, header says %d: %w", len(payload), hd.payloadLen, ErrCorrupt)
	}
	if err := d.parse(payload, hd); err != nil {
		return nil, err
	}

	// Validated: apply.
	if hd.keyframe && (d.img == nil || d.img.Rect.Dx() != w || d.img.Rect.Dy() != h) {
		d.img = image.NewRGBA(image.Rect(0, 0, w, h))
	}
	d.depth = hd.depth
	d.seq = hd.seq
	d.valid = true
	d.changed = d.changed[:0]
	d.applyCopies()
	for i := range d.tiles {
		d.putTile(&d.tiles[i])
	}
	for _, j := range d.jpegs {
		d.putJPEG(j)
	}
	if hd.keyframe {
		d.changed = append(d.changed[:0], d.img.Rect)
	}
	// drop references to decoded JPEG images
	for i := range d.jpegs {
		d.jpegs[i].img = nil
	}
	return d.changed, nil
}

// parse validates the payload and fills d.copies, d.tiles and d.jpegs.
func (d *Decoder) parse(p []byte, hd header) error {
	w, h := hd.width, hd.height
	tw, th := (w+TileSize-1)/TileSize, (h+TileSize-1)/TileSize
	ntiles := tw * th
	r := reader{b: p}
	d.copies, d.tiles, d.jpegs = d.copies[:0], d.tiles[:0], d.jpegs[:0]

	nc := r.uvarint(maxCopies, "copy count")
	if hd.keyframe && nc != 0 {
		return fmt.Errorf("codec: keyframe with %d copy operations: %w", nc, ErrCorrupt)
	}
	area := 0
	for i := 0; i < nc && r.err == nil; i++ {
		c := copyOp{
			sx: r.uvarint(MaxDimension, "copy src x"), sy: r.uvarint(MaxDimension, "copy src y"),
			dx: r.uvarint(MaxDimension, "copy dst x"), dy: r.uvarint(MaxDimension, "copy dst y"),
			w: r.uvarint(MaxDimension, "copy width"), h: r.uvarint(MaxDimension, "copy height"),
		}
		if r.err != nil {
			break
		}
		if c.w == 0 || c.h == 0 || c.sx+c.w > w || c.sy+c.h > h || c.dx+c.w > w || c.dy+c.h > h {
			return fmt.Errorf("codec: copy %d: %dx%d from (%d,%d) to (%d,%d) outside %dx%d: %w", i, c.w, c.h, c.sx, c.sy, c.dx, c.dy, w, h, ErrCorrupt)
		}
		area += c.w * c.h
		if area > 2*w*h {
			return fmt.Errorf("codec: copy %d: total copy area exceeds twice the frame: %w", i, ErrCorrupt)
		}
		d.copies = append(d.copies, c)
	}

	np := r.uvarint(256, "frame palette size")
	bpp := hd.depth.bpp()
	gpal := r.bytes(np*bpp, "frame palette")
	if r.err != nil {
		return r.err
	}
	if !validPixels(gpal, hd.depth) {
		return fmt.Errorf("codec: frame palette colour out of range: %w", ErrCorrupt)
	}
	d.npal = np
	for i := 0; i < np; i++ {
		d.gpal[i] = readPixel(gpal[i*bpp:], bpp)
	}

	d.cover = resize(d.cover, ntiles)
	for i := range d.cover {
		d.cover[i] = false
	}
	nt := r.uvarint(uint64(ntiles), "tile count")
	prev := -1
	for i := 0; i < nt && r.err == nil; i++ {
		t := prev + 1 + r.uvarint(uint64(ntiles), "tile index delta")
		kb := r.byte_()
		if r.err != nil {
			break
		}
		if t >= ntiles {
			return fmt.Errorf("codec: tile record %d: index %d outside %d tiles: %w", i, t, ntiles, ErrCorrupt)
		}
		prev = t
		k := kb &^ kindPartial
		if k >= numKinds || (k == kindPred && hd.depth != ColorFull) {
			return fmt.Errorf("codec: tile %d: unknown encoding kind %d: %w", t, kb, ErrCorrupt)
		}
		tx, ty := t%tw, t/tw
		rec := tileRec{t: int32(t), kind: k, x: tx * TileSize, y: ty * TileSize}
		rec.w, rec.h = min(TileSize, w-rec.x), min(TileSize, h-rec.y)
		if kb&kindPartial != 0 {
			if hd.keyframe {
				return fmt.Errorf("codec: tile %d: partial tile in a keyframe: %w", t, ErrCorrupt)
			}
			sb := r.bytes(4, "tile sub-rectangle")
			if sb == nil {
				break
			}
			x0, y0, sw, sh := int(sb[0]), int(sb[1]), int(sb[2])+1, int(sb[3])+1
			if x0+sw > rec.w || y0+sh > rec.h {
				return fmt.Errorf("codec: tile %d: sub-rectangle %dx%d+%d+%d outside %dx%d tile: %w", t, sw, sh, x0, y0, rec.w, rec.h, ErrCorrupt)
			}
			rec.x, rec.y, rec.w, rec.h = rec.x+x0, rec.y+y0, sw, sh
		}
		start := r.off
		if err := validateTile(&r, k, rec.w, rec.h, hd.depth, bpp, np); err != nil {
			return fmt.Errorf("codec: tile %d (%s): %w", t, KindNames[k], err)
		}
		if r.err != nil {
			break
		}
		rec.data = p[start:r.off]
		d.cover[t] = true
		d.tiles = append(d.tiles, rec)
	}
	nj := r.uvarint(maxJPEGs, "JPEG count")
	for i := 0; i < nj && r.err == nil; i++ {
		tx0, ty0 := r.uvarint(uint64(tw), "JPEG tile x"), r.uvarint(uint64(th), "JPEG tile y")
		ntx, nty := r.uvarint(uint64(tw), "JPEG tile columns"), r.uvarint(uint64(th), "JPEG tile rows")
		n := r.uvarint(uint64(len(p)), "JPEG length")
		data := r.bytes(n, "JPEG data")
		if r.err != nil {
			break
		}
		if ntx == 0 || nty == 0 || tx0+ntx > tw || ty0+nty > th {
			return fmt.Errorf("codec: JPEG %d: tiles %dx%d at (%d,%d) outside the %dx%d grid: %w", i, ntx, nty, tx0, ty0, tw, th, ErrCorrupt)
		}
		for y := ty0; y < ty0+nty; y++ {
			for x := tx0; x < tx0+ntx; x++ {
				if d.cover[y*tw+x] {
					return fmt.Errorf("codec: JPEG %d: tile %d already updated in this frame: %w", i, y*tw+x, ErrCorrupt)
				}
				d.cover[y*tw+x] = true
			}
		}
		rect := image.Rect(tx0*TileSize, ty0*TileSize, min((tx0+ntx)*TileSize, w), min((ty0+nty)*TileSize, h))
		cfg, err := jpeg.DecodeConfig(bytes.NewReader(data))
		if err != nil {
			return fmt.Errorf("codec: JPEG %d: %v: %w", i, err, ErrCorrupt)
		}
		if cfg.Width != rect.Dx() || cfg.Height != rect.Dy() {
			return fmt.Errorf("codec: JPEG %d: image %dx%d, rectangle %dx%d: %w", i, cfg.Width, cfg.Height, rect.Dx(), rect.Dy(), ErrCorrupt)
		}
		img, err := jpeg.Decode(bytes.NewReader(data))
		if err != nil {
			return fmt.Errorf("codec: JPEG %d: %v: %w", i, err, ErrCorrupt)
		}
		if img.Bounds().Dx() != rect.Dx() || img.Bounds().Dy() != rect.Dy() {
			return fmt.Errorf("codec: JPEG %d: decoded size mismatch: %w", i, ErrCorrupt)
		}
		d.jpegs = append(d.jpegs, jpegRec{r: rect, img: img})
	}
	if r.err != nil {
		return r.err
	}
	if r.off != len(p) {
		return fmt.Errorf("codec: %d bytes of trailing garbage in payload: %w", len(p)-r.off, ErrCorrupt)
	}
	if hd.keyframe {
		for t, ok := range d.cover {
			if !ok {
				return fmt.Errorf("codec: keyframe lacks tile %d: %w", t, ErrCorrupt)
			}
		}
	}
	return nil
}

func validPixels(px []byte, depth ColorDepth) bool {
	if depth != Color256 {
		return true
	}
	for _, v := range px {
		if v >= 252 {
			return false
		}
	}
	return true
}

// validateTile checks one tile's data structurally and advances r past it.
func validateTile(r *reader, kind uint8, w, h int, depth ColorDepth, bpp, gpal int) error {
	n := w * h
	switch kind {
	case kindSolid:
		px := r.bytes(bpp, "solid colour")
		if px != nil && !validPixels(px, depth) {
			return fmt.Errorf("colour index out of range: %w", ErrCorrupt)
		}
	case kindPacked, kindRLE:
		np := int(r.byte_()) + 1
		if r.err != nil {
			return nil
		}
		if np < 2 {
			return fmt.Errorf("palette of %d colours: %w", np, ErrCorrupt)
		}
		pal := r.bytes(np*bpp, "palette")
		if pal == nil {
			return nil
		}
		if !validPixels(pal, depth) {
			return fmt.Errorf("palette colour index out of range: %w", ErrCorrupt)
		}
		if kind == kindPacked {
			bits := indexBits(np)
			idx := r.bytes(h*((w*bits+7)/8), "packed indices")
			if idx != nil && np != 1<<bits {
				if !packedValid(idx, w, h, bits, np) {
					return fmt.Errorf("palette index out of range: %w", ErrCorrupt)
				}
			}
			return nil
		}
		for total := 0; total < n; {
			ix := r.byte_()
			run := r.uvarint(uint64(n-total-1), "run length") + 1
			if r.err != nil {
				return nil
			}
			if int(ix) >= np {
				return fmt.Errorf("run index %d outside palette of %d: %w", ix, np, ErrCorrupt)
			}
			total += run
		}
	case kindRaw:
		px := r.bytes(n*bpp, "raw pixels")
		if px != nil && !validPixels(px, depth) {
			return fmt.Errorf("colour index out of range: %w", ErrCorrupt)
		}
	case kindPred:
		r.bytes(3*n, "predicted planes")
	case kindGlobal:
		idx := r.bytes(n, "frame palette indices")
		for _, v := range idx {
			if int(v) >= gpal {
				return fmt.Errorf("index %d outside frame palette of %d: %w", v, gpal, ErrCorrupt)
			}
		}
	}
	return nil
}

func packedValid(idx []byte, w, h, bits, np int) bool {
	rowBytes := (w*bits + 7) / 8
	mask := byte(1<<bits - 1)
	for y := 0; y < h; y++ {
		row := idx[y*rowBytes : (y+1)*rowBytes]
		for x := 0; x < w; x++ {
			bit := x * bits
			v := (row[bit>>3] >> (8 - bits - bit&7)) & mask
			if int(v) >= np {
				return false
			}
		}
	}
	return true
}

// applyCopies performs the copy operations. All copies read the image as it
// was before this frame: when a destination overlaps a later copy's source,
// the image is snapshotted first.
func (d *Decoder) applyCopies() {
	if len(d.copies) == 0 {
		return
	}
	img := d.img
	conflict := false
	for i := range d.copies {
		for j := i + 1; j < len(d.copies); j++ {
			if d.copies[i].dst().Overlaps(d.copies[j].src()) {
				conflict = true
			}
		}
	}
	srcPix, srcStride := img.Pix, img.Stride
	if conflict {
		d.snap = resize(d.snap, len(img.Pix))
		copy(d.snap, img.Pix)
		srcPix = d.snap
	}
	for _, c := range d.copies {
		rowLen := 4 * c.w
		if !conflict && c.dy > c.sy {
			for y := c.h - 1; y >= 0; y-- {
				so := (c.sy+y)*srcStride + 4*c.sx
				do := (c.dy+y)*img.Stride + 4*c.dx
				copy(img.Pix[do:do+rowLen], srcPix[so:so+rowLen])
			}
		} else {
			for y := 0; y < c.h; y++ {
				so := (c.sy+y)*srcStride + 4*c.sx
				do := (c.dy+y)*img.Stride + 4*c.dx
				copy(img.Pix[do:do+rowLen], srcPix[so:so+rowLen])
			}
		}
		d.changed = append(d.changed, c.dst())
	}
}

func readPixel(b []byte, bpp int) uint32 {
	switch bpp {
	case 3:
		return uint32(b[0]) | uint32(b[1])<<8 | uint32(b[2])<<16
	case 2:
		return uint32(binary.LittleEndian.Uint16(b))
	}
	return uint32(b[0])
}

// putTile decodes a validated tile record into the image.
func (d *Decoder) putTile(rec *tileRec) {
	img := d.img
	stride := img.Stride
	w, h := rec.w, rec.h
	off := rec.y*stride + rec.x*4
	data := rec.data
	bpp := d.depth.bpp()
	depth := d.depth
	d.changed = append(d.changed, image.Rect(rec.x, rec.y, rec.x+w, rec.y+h))
	switch rec.kind {
	case kindSolid:
		v := expand(depth, readPixel(data, bpp))
		row := img.Pix[off : off+4*w]
		for x := 0; x < w; x++ {
			binary.LittleEndian.PutUint32(row[4*x:], v)
		}
		for y := 1; y < h; y++ {
			copy(img.Pix[off+y*stride:off+y*stride+4*w], row)
		}
	case kindPacked, kindRLE:
		np := int(data[0]) + 1
		var pal [256]uint32
		for i := 0; i < np; i++ {
			pal[i] = expand(depth, readPixel(data[1+i*bpp:], bpp))
		}
		body := data[1+np*bpp:]
		if rec.kind == kindPacked {
			bits := indexBits(np)
			rowBytes := (w*bits + 7) / 8
			mask := uint32(1<<bits - 1)
			for y := 0; y < h; y++ {
				src := body[y*rowBytes : (y+1)*rowBytes]
				row := img.Pix[off+y*stride : off+y*stride+4*w]
				if bits == 8 {
					for x, v := range src[:w] {
						binary.LittleEndian.PutUint32(row[4*x:], pal[v])
					}
					continue
				}
				per := 8 / bits
				x := 0
				for _, bb := range src {
					acc := uint32(bb)
					for k := 0; k < per && x < w; k++ {
						v := (acc >> (8 - bits*(k+1))) & mask
						binary.LittleEndian.PutUint32(row[4*x:], pal[v])
						x++
					}
				}
			}
			return
		}
		// RLE: runs wrap across rows
		x, y := 0, 0
		row := img.Pix[off : off+4*w]
		for i := 0; i < len(body) && y < h; {
			ix := body[i]
			i++
			run, k := uvarintFast(body[i:])
			i += k
			run++
			v := pal[ix]
			for run > 0 && y < h {
				nr := min(run, w-x)
				for j := x; j < x+nr; j++ {
					binary.LittleEndian.PutUint32(row[4*j:], v)
				}
				x += nr
				run -= nr
				if x == w {
					x = 0
					y++
					if y < h {
						row = img.Pix[off+y*stride : off+y*stride+4*w]
					}
				}
			}
		}
	case kindGlobal:
		var pal [256]uint32
		for i := 0; i < d.npal; i++ {
			pal[i] = expand(depth, d.gpal[i])
		}
		for y := 0; y < h; y++ {
			row := img.Pix[off+y*stride : off+y*stride+4*w]
			for x, v := range data[y*w : (y+1)*w] {
				binary.LittleEndian.PutUint32(row[4*x:], pal[v])
			}
		}
	case kindRaw:
		for y := 0; y < h; y++ {
			row := img.Pix[off+y*stride : off+y*stride+4*w]
			src := data[y*w*bpp : (y+1)*w*bpp]
			switch depth {
			case ColorFull:
				for x := 0; x < w; x++ {
					row[4*x], row[4*x+1], row[4*x+2], row[4*x+3] = src[3*x], src[3*x+1], src[3*x+2], 0xff
				}
			default:
				for x := 0; x < w; x++ {
					binary.LittleEndian.PutUint32(row[4*x:], expand(depth, readPixel(src[x*bpp:], bpp)))
				}
			}
		}
	case kindPred:
		n := w * h
		for c := 0; c < 3; c++ {
			p := d.planes[c][:n]
			copy(p, data[c*n:(c+1)*n])
			unpredictPlane(p, w, h)
		}
		pg, pr, pb := d.planes[0][:n], d.planes[1][:n], d.planes[2][:n]
		for y := 0; y < h; y++ {
			row := img.Pix[off+y*stride : off+y*stride+4*w]
			for x := 0; x < w; x++ {
				i := y*w + x
				g := pg[i]
				row[4*x], row[4*x+1], row[4*x+2], row[4*x+3] = pr[i]+g, g, pb[i]+g, 0xff
			}
		}
	}
}

// uvarintFast decodes a validated uvarint.
func uvarintFast(b []byte) (int, int) {
	var v int
	for i := 0; i < len(b) && i < 5; i++ {
		v |= int(b[i]&0x7f) << (7 * i)
		if b[i] < 0x80 {
			return v, i + 1
		}
	}
	return v, len(b)
}

func (d *Decoder) putJPEG(j jpegRec) {
	draw.Draw(d.img, j.r, j.img, j.img.Bounds().Min, draw.Src)
	if d.depth != ColorFull {
		for y := j.r.Min.Y; y < j.r.Max.Y; y++ {
			row := d.img.Pix[d.img.PixOffset(j.r.Min.X, y):d.img.PixOffset(j.r.Max.X, y)]
			for x := 0; x+4 <= len(row); x += 4 {
				binary.LittleEndian.PutUint32(row[x:], expand(d.depth, pixelValue(d.depth, row[x], row[x+1], row[x+2])))
			}
		}
	}
	d.changed = append(d.changed, j.r)
}
