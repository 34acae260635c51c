package recording

import (
	"bufio"
	"encoding/binary"
	"errors"
	"fmt"
	"hash/crc32"
	"io"
	"time"
	"unicode/utf8"

	"lifeline/shared/codec"
)

// Reader reads the records of a recording in order. A recording comes
// from anywhere (a file sent by a colleague, a damaged disk): every length
// is checked before it is used, and a reader never allocates more than
// the bytes it has actually read plus one chunk.
type Reader struct {
	br    *bufio.Reader
	hdr   Header
	off   int64 // offset of the next record
	last  time.Duration
	ended bool
	buf   []byte
	hbuf  [2 * binary.MaxVarintLen64]byte
}

func newBufReader(r io.Reader) *bufio.Reader { return bufio.NewReaderSize(r, 64<<10) }

// readChunk bounds each allocation while a payload is read.
const readChunk = 1 << 20

// NewReader reads the header of a recording from r.
func NewReader(r io.Reader) (*Reader, error) {
	rd := &Reader{br: newBufReader(r)}
	var pre [12]byte
	if _, err := io.ReadFull(rd.br, pre[:]); err != nil {
		return nil, fmt.Errorf("recording: the file is too short for a header: %w", ErrFormat)
	}
	if string(pre[:8]) != Magic {
		return nil, fmt.Errorf("recording: bad magic: %w", ErrFormat)
	}
	if pre[8] != Version {
		return nil, fmt.Errorf("recording: version %d, this program reads %d: %w", pre[8], Version, ErrFormat)
	}
	n := int(binary.LittleEndian.Uint16(pre[10:]))
	if n > maxHeaderBody {
		return nil, fmt.Errorf("recording: header of %d bytes: %w", n, ErrCorrupt)
	}
	rest := make([]byte, n+4)
	if _, err := io.ReadFull(rd.br, rest); err != nil {
		return nil, fmt.Errorf("recording: header: %w", ErrTruncated)
	}
	crc := crc32.Update(crc32.ChecksumIEEE(pre[:]), crc32.IEEETable, rest[:n])
	if crc != binary.LittleEndian.Uint32(rest[n:]) {
		return nil, fmt.Errorf("recording: header checksum: %w", ErrCorrupt)
	}
	h, err := parseHeader(rest[:n])
	if err != nil {
		return nil, err
	}
	rd.hdr, rd.off = h, int64(12+n+4)
	return rd, nil
}

func parseHeader(b []byte) (Header, error) {
	var h Header
	str := func(limit int, what string) (string, error) {
		n, k := binary.Uvarint(b)
		if k <= 0 || k != minimalLen(n) || n > uint64(limit) || n > uint64(len(b)-k) {
			return "", fmt.Errorf("recording: header %s: %w", what, ErrCorrupt)
		}
		s := string(b[k : k+int(n)])
		b = b[k+int(n):]
		if !utf8.ValidString(s) {
			return "", fmt.Errorf("recording: header %s is not text: %w", what, ErrCorrupt)
		}
		return s, nil
	}
	var err error
	if h.Session, err = str(maxSession, "session number"); err != nil {
		return h, err
	}
	if h.Customer, err = str(maxCustomer, "customer name"); err != nil {
		return h, err
	}
	if len(b) != 12 {
		return h, fmt.Errorf("recording: header of the wrong length: %w", ErrCorrupt)
	}
	h.StartedAt = time.Unix(0, int64(binary.LittleEndian.Uint64(b))).UTC()
	h.Width = int(binary.LittleEndian.Uint16(b[8:]))
	h.Height = int(binary.LittleEndian.Uint16(b[10:]))
	return h, nil
}

// Header is the recording's header.
func (r *Reader) Header() Header { return r.hdr }

// Offset is where the next record starts in the file.
func (r *Reader) Offset() int64 { return r.off }

// Next returns the next record. At the end it returns io.EOF: after the
// end record, or where a file that was never closed stops between two
// records. A file that stops inside a record gives an error wrapping
// ErrTruncated, a damaged record one wrapping ErrCorrupt; the records
// before either are good.
func (r *Reader) Next() (Record, error) {
	if r.ended {
		return Record{}, io.EOF
	}
	kb, err := r.br.ReadByte()
	if err == io.EOF {
		return Record{}, io.EOF
	}
	if err != nil {
		return Record{}, fmt.Errorf("recording: read: %w", err)
	}
	h := append(r.hbuf[:0], kb)
	k := Kind(kb)
	if k < KindFrame || k > KindEnd {
		return Record{}, fmt.Errorf("recording: unknown record kind %d at byte %d: %w", kb, r.off, ErrCorrupt)
	}
	at, h, err := r.uvarint(h)
	if err != nil {
		return Record{}, err
	}
	n, h, err := r.uvarint(h)
	if err != nil {
		return Record{}, err
	}
	if n > MaxRecord {
		return Record{}, fmt.Errorf("recording: a %s of %d bytes at byte %d: %w", k, n, r.off, ErrCorrupt)
	}
	if at > uint64(1<<62)/uint64(time.Microsecond) {
		return Record{}, fmt.Errorf("recording: time out of range at byte %d: %w", r.off, ErrCorrupt)
	}
	rec := Record{Kind: k, At: time.Duration(at) * time.Microsecond}
	if rec.At < r.last {
		return Record{}, fmt.Errorf("recording: time goes backwards at byte %d: %w", r.off, ErrCorrupt)
	}
	payload, err := r.payload(int(n))
	if err != nil {
		return Record{}, err
	}
	var sum [4]byte
	if _, err := io.ReadFull(r.br, sum[:]); err != nil {
		return Record{}, r.short(err)
	}
	crc := crc32.Update(crc32.ChecksumIEEE(h), crc32.IEEETable, payload)
	if crc != binary.LittleEndian.Uint32(sum[:]) {
		return Record{}, fmt.Errorf("recording: checksum of the %s at byte %d: %w", k, r.off, ErrCorrupt)
	}
	switch k {
	case KindFrame, KindKeyframe:
		if len(payload) < codec.HeaderSize {
			return Record{}, fmt.Errorf("recording: a %s of %d bytes at byte %d: %w", k, len(payload), r.off, ErrCorrupt)
		}
		rec.Data = payload
	case KindSize:
		if len(payload) != 4 {
			return Record{}, fmt.Errorf("recording: size record of %d bytes at byte %d: %w", len(payload), r.off, ErrCorrupt)
		}
		rec.Width = int(binary.LittleEndian.Uint16(payload))
		rec.Height = int(binary.LittleEndian.Uint16(payload[2:]))
		if rec.Width == 0 || rec.Height == 0 {
			return Record{}, fmt.Errorf("recording: empty screen size at byte %d: %w", r.off, ErrCorrupt)
		}
	case KindEnd:
		d, m := binary.Uvarint(payload)
		if m <= 0 || m != len(payload) || m != minimalLen(d) || d > 1<<62 {
			return Record{}, fmt.Errorf("recording: end record at byte %d: %w", r.off, ErrCorrupt)
		}
		rec.Dropped = int64(d)
		r.ended = true
	}
	r.off += int64(len(h) + len(payload) + 4)
	r.last = rec.At
	return rec, nil
}

func (r *Reader) uvarint(h []byte) (uint64, []byte, error) {
	var v uint64
	for i := 0; i < binary.MaxVarintLen64; i++ {
		c, err := r.br.ReadByte()
		if err != nil {
			return 0, h, r.short(err)
		}
		h = append(h, c)
		if i == binary.MaxVarintLen64-1 && c > 1 {
			break
		}
		v |= uint64(c&0x7f) << (7 * i)
		if c < 0x80 {
			if c == 0 && i > 0 {
				break // not the shortest form: writers never make it
			}
			return v, h, nil
		}
	}
	return 0, h, fmt.Errorf("recording: number too long at byte %d: %w", r.off, ErrCorrupt)
}

// payload reads n bytes into the reader's buffer, growing it a chunk at a
// time so that a length claimed by a short file costs no more than the
// file holds.
func (r *Reader) payload(n int) ([]byte, error) {
	if cap(r.buf) >= n {
		r.buf = r.buf[:n]
		if _, err := io.ReadFull(r.br, r.buf); err != nil {
			return nil, r.short(err)
		}
		return r.buf, nil
	}
	b := r.buf[:0]
	for len(b) < n {
		step := min(n-len(b), readChunk)
		b = append(b, make([]byte, step)...)
		if _, err := io.ReadFull(r.br, b[len(b)-step:]); err != nil {
			return nil, r.short(err)
		}
	}
	r.buf = b
	return b, nil
}

func (r *Reader) short(err error) error {
	if errors.Is(err, io.EOF) || errors.Is(err, io.ErrUnexpectedEOF) {
		return fmt.Errorf("recording: the file ends inside the record at byte %d: %w", r.off, ErrTruncated)
	}
	return fmt.Errorf("recording: read: %w", err)
}

// Ended reports whether the end record was read: the recording was closed
// properly.
func (r *Reader) Ended() bool { return r.ended }

// minimalLen is the length of the shortest uvarint of v, the only form
// writers make; readers refuse others, so that a file reads one way only.
func minimalLen(v uint64) int { return len(binary.AppendUvarint(nil, v)) }
