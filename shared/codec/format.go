package codec

import (
	"encoding/binary"
	"errors"
	"fmt"
)

// Wire format constants. The byte-by-byte layout is documented in docs/codec.md;
// keep the two in sync.
const (
	// Magic starts every encoded frame: "LFSC" (LiFeline Screen Codec).
	Magic = "LFSC"
	// Version is the wire-format version written by this package. Decoders
	// reject any other version.
	Version = 1

	// HeaderSize is the size of the fixed frame header that precedes the
	// zstd-compressed payload.
	HeaderSize = 20

	// TileSize is the edge length of a tile in pixels. Tiles at the right
	// and bottom edge of a frame are clipped to the frame.
	TileSize = 64

	// MaxDimension is the largest accepted frame width or height.
	MaxDimension = 16384
)

// Header flag bits (byte 5).
const (
	flagKeyframe = 1 << 0
	flagMask     = flagKeyframe
)

// Tile encoding kinds (low 7 bits of the kind byte). Bit 7 (kindPartial)
// means the record carries a sub-rectangle of the tile.
const (
	kindSolid   = 0 // one pixel value
	kindPacked  = 1 // local palette + bit-packed indices (1, 2, 4 or 8 bits)
	kindRLE     = 2 // local palette + (index, run) pairs
	kindRaw     = 3 // pixel values, row-major
	kindPred    = 4 // Full colour only: subtract-green + MED predictor residuals, planar
	kindGlobal  = 5 // one byte per pixel: index into the frame palette
	numKinds    = 6
	kindPartial = 0x80
)

// KindNames names the tile encodings counted in FrameStats.Kinds.
var KindNames = [numKinds]string{"solid", "packed", "rle", "raw", "pred", "global"}

// Decoder limits on structure (per frame). The encoder never exceeds them.
const (
	maxCopies = 4096 // copy operations per frame
	maxJPEGs  = 4096 // lossy rectangles per frame
)

// maxPayload is the largest decompressed payload a frame of w×h pixels may
// declare: 4 bytes per pixel (every tile's worst case is below 3 bytes per
// pixel plus a few bytes of record header; JPEG rectangles are only used when
// smaller than that), 16 bytes per tile, 32 bytes per copy/JPEG op, plus 1 MiB.
func maxPayload(w, h int) int {
	tiles := ((w + TileSize - 1) / TileSize) * ((h + TileSize - 1) / TileSize)
	return w*h*4 + tiles*16 + (maxCopies+maxJPEGs)*32 + 1<<20
}

// Errors. Every decode error wraps one of these, so callers can use errors.Is.
var (
	// ErrCorrupt means the frame is malformed or violates a limit. The
	// decoder's image is unchanged.
	ErrCorrupt = errors.New("corrupt frame")
	// ErrNeedKeyframe means the frame is a delta that does not apply to the
	// decoder's current state (no keyframe seen yet, sequence gap after a lost
	// or rejected frame, size or colour-depth change). The image is
	// unchanged; ask the sender for a keyframe.
	ErrNeedKeyframe = errors.New("keyframe required")
	// ErrVersion means the frame has an unknown magic or version.
	ErrVersion = errors.New("unsupported format")
	// ErrTooLarge means the frame exceeds the decoder's size limits.
	ErrTooLarge = errors.New("frame too large")
)

// header is the parsed fixed frame header.
type header struct {
	keyframe   bool
	depth      ColorDepth
	mode       Mode
	width      int
	height     int
	seq        uint32
	payloadLen int
}

func (h *header) put(b []byte) {
	copy(b[0:4], Magic)
	b[4] = Version
	var f byte
	if h.keyframe {
		f |= flagKeyframe
	}
	b[5] = f
	b[6] = byte(h.depth)
	b[7] = byte(h.mode)
	binary.LittleEndian.PutUint16(b[8:], uint16(h.width))
	binary.LittleEndian.PutUint16(b[10:], uint16(h.height))
	binary.LittleEndian.PutUint32(b[12:], h.seq)
	binary.LittleEndian.PutUint32(b[16:], uint32(h.payloadLen))
}

func parseHeader(b []byte) (header, error) {
	var h header
	if len(b) < HeaderSize {
		return h, fmt.Errorf("codec: frame of %d bytes is shorter than the %d-byte header: %w", len(b), HeaderSize, ErrCorrupt)
	}
	if string(b[0:4]) != Magic {
		return h, fmt.Errorf("codec: bad magic %q: %w", b[0:4], ErrVersion)
	}
	if b[4] != Version {
		return h, fmt.Errorf("codec: wire version %d, want %d: %w", b[4], Version, ErrVersion)
	}
	if b[5]&^flagMask != 0 {
		return h, fmt.Errorf("codec: unknown header flags %#x: %w", b[5], ErrCorrupt)
	}
	h.keyframe = b[5]&flagKeyframe != 0
	h.depth = ColorDepth(b[6])
	if !h.depth.valid() {
		return h, fmt.Errorf("codec: unknown colour depth %d: %w", b[6], ErrCorrupt)
	}
	h.mode = Mode(b[7])
	if !h.mode.valid() {
		return h, fmt.Errorf("codec: unknown mode %d: %w", b[7], ErrCorrupt)
	}
	h.width = int(binary.LittleEndian.Uint16(b[8:]))
	h.height = int(binary.LittleEndian.Uint16(b[10:]))
	if h.width == 0 || h.height == 0 {
		return h, fmt.Errorf("codec: empty frame size %dx%d: %w", h.width, h.height, ErrCorrupt)
	}
	h.seq = binary.LittleEndian.Uint32(b[12:])
	h.payloadLen = int(binary.LittleEndian.Uint32(b[16:]))
	return h, nil
}

// appendUvarint is binary.AppendUvarint, kept local for inlining.
func appendUvarint(b []byte, v uint64) []byte {
	for v >= 0x80 {
		b = append(b, byte(v)|0x80)
		v >>= 7
	}
	return append(b, byte(v))
}

// reader is a bounds-checked cursor over a decompressed payload. The first
// error sticks; later reads return zero values.
type reader struct {
	b   []byte
	off int
	err error
}

func (r *reader) fail(format string, args ...any) {
	if r.err == nil {
		r.err = fmt.Errorf("codec: "+format+": %w", append(args, ErrCorrupt)...)
	}
}

func (r *reader) byte_() byte {
	if r.err != nil {
		return 0
	}
	if r.off >= len(r.b) {
		r.fail("payload truncated at byte %d", r.off)
		return 0
	}
	c := r.b[r.off]
	r.off++
	return c
}

// uvarint reads an unsigned LEB128 value of at most 5 bytes (< 2^35) and
// rejects values above max.
func (r *reader) uvarint(max uint64, what string) int {
	if r.err != nil {
		return 0
	}
	var v uint64
	for i := 0; i < 5; i++ {
		if r.off >= len(r.b) {
			r.fail("payload truncated in %s", what)
			return 0
		}
		c := r.b[r.off]
		r.off++
		v |= uint64(c&0x7f) << (7 * i)
		if c < 0x80 {
			if v > max {
				r.fail("%s %d exceeds limit %d", what, v, max)
				return 0
			}
			return int(v)
		}
	}
	r.fail("%s: varint too long", what)
	return 0
}

func (r *reader) bytes(n int, what string) []byte {
	if r.err != nil {
		return nil
	}
	if n < 0 || n > len(r.b)-r.off {
		r.fail("%s: %d bytes needed, %d left", what, n, len(r.b)-r.off)
		return nil
	}
	s := r.b[r.off : r.off+n : r.off+n]
	r.off += n
	return s
}
