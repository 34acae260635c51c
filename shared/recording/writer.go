package recording

import (
	"bufio"
	"encoding/binary"
	"errors"
	"fmt"
	"hash/crc32"
	"io"
	"os"
	"time"
	"unicode/utf8"

	"lifeline/shared/codec"
)

// Writer writes a recording. It is not safe for concurrent use: the
// console's recorder gives it to one goroutine.
type Writer struct {
	f       *os.File // nil when writing to a plain io.Writer
	bw      *bufio.Writer
	last    time.Duration
	bytes   int64
	frames  int64
	keys    int64
	err     error // the first write error sticks
	closed  bool
	scratch []byte
}

// Create creates the file at path (replacing one that is there: the
// caller asked before overwriting) with permissions for its owner only — a
// recording shows a customer's screen — and writes the header.
func Create(path string, h Header) (*Writer, error) {
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_CREATE|os.O_TRUNC, 0o600)
	if err != nil {
		return nil, fmt.Errorf("recording: create %s: %w", path, err)
	}
	w, err := newWriter(f, f, h)
	if err != nil {
		f.Close()
		os.Remove(path)
		return nil, err
	}
	return w, nil
}

// NewWriter writes a recording to out; Close flushes it but does not close
// out.
func NewWriter(out io.Writer, h Header) (*Writer, error) { return newWriter(out, nil, h) }

func newWriter(out io.Writer, f *os.File, h Header) (*Writer, error) {
	body, err := h.marshal()
	if err != nil {
		return nil, err
	}
	w := &Writer{f: f, bw: bufio.NewWriterSize(out, 256<<10)}
	b := make([]byte, 0, 16+len(body))
	b = append(b, Magic...)
	b = append(b, Version, 0)
	b = binary.LittleEndian.AppendUint16(b, uint16(len(body)))
	b = append(b, body...)
	b = binary.LittleEndian.AppendUint32(b, crc32.ChecksumIEEE(b))
	w.write(b)
	return w, w.err
}

func (h Header) marshal() ([]byte, error) {
	switch {
	case len(h.Session) > maxSession || !utf8.ValidString(h.Session):
		return nil, fmt.Errorf("recording: the session number %q is not valid text of at most %d bytes", h.Session, maxSession)
	case len(h.Customer) > maxCustomer || !utf8.ValidString(h.Customer):
		return nil, fmt.Errorf("recording: the customer name is not valid text of at most %d bytes", maxCustomer)
	case h.Width < 0 || h.Height < 0 || h.Width > codec.MaxDimension || h.Height > codec.MaxDimension:
		return nil, fmt.Errorf("recording: screen size %dx%d is out of range", h.Width, h.Height)
	}
	var b []byte
	b = binary.AppendUvarint(b, uint64(len(h.Session)))
	b = append(b, h.Session...)
	b = binary.AppendUvarint(b, uint64(len(h.Customer)))
	b = append(b, h.Customer...)
	b = binary.LittleEndian.AppendUint64(b, uint64(h.StartedAt.UnixNano()))
	b = binary.LittleEndian.AppendUint16(b, uint16(h.Width))
	b = binary.LittleEndian.AppendUint16(b, uint16(h.Height))
	return b, nil
}

func (w *Writer) write(b []byte) {
	if w.err != nil {
		return
	}
	n, err := w.bw.Write(b)
	w.bytes += int64(n)
	if err != nil {
		w.err = fmt.Errorf("recording: write: %w", err)
	}
}

// record appends one record. Times never go backwards in a file: a clock
// step back is written as no time passing.
func (w *Writer) record(k Kind, at time.Duration, payload []byte) error {
	if w.closed {
		return errors.New("recording: the recording is closed")
	}
	if w.err != nil {
		return w.err
	}
	if len(payload) > MaxRecord {
		return fmt.Errorf("recording: a %s of %d bytes exceeds the %d-byte limit", k, len(payload), MaxRecord)
	}
	at = max(at, w.last)
	w.last = at
	b := append(w.scratch[:0], byte(k))
	b = binary.AppendUvarint(b, uint64(at/time.Microsecond))
	b = binary.AppendUvarint(b, uint64(len(payload)))
	crc := crc32.Update(crc32.ChecksumIEEE(b), crc32.IEEETable, payload)
	w.write(b)
	w.write(payload)
	w.write(binary.LittleEndian.AppendUint32(b[:0], crc))
	w.scratch = b[:0]
	return w.err
}

// Frame writes a codec message the console decoded, at time at since the
// recording started.
func (w *Writer) Frame(at time.Duration, msg []byte) error {
	if err := w.record(KindFrame, at, msg); err != nil {
		return err
	}
	w.frames++
	return nil
}

// Keyframe writes a keyframe made by Keyframe.
func (w *Writer) Keyframe(at time.Duration, msg []byte) error {
	if err := w.record(KindKeyframe, at, msg); err != nil {
		return err
	}
	w.frames++
	w.keys++
	return nil
}

// Size writes a change of the screen size.
func (w *Writer) Size(at time.Duration, width, height int) error {
	if width <= 0 || height <= 0 || width > codec.MaxDimension || height > codec.MaxDimension {
		return fmt.Errorf("recording: screen size %dx%d is out of range", width, height)
	}
	var b [4]byte
	binary.LittleEndian.PutUint16(b[0:], uint16(width))
	binary.LittleEndian.PutUint16(b[2:], uint16(height))
	return w.record(KindSize, at, b[:])
}

// Flush writes the buffered records to the file (not to the disk: Close
// does that). The recorder flushes every second, so that a crash loses at
// most the last second.
func (w *Writer) Flush() error {
	if w.err == nil {
		if err := w.bw.Flush(); err != nil {
			w.err = fmt.Errorf("recording: write: %w", err)
		}
	}
	return w.err
}

// Close writes the end record (with the number of frames dropped), flushes
// and syncs the file to the disk, and closes it. The file is complete once
// Close returns nil.
func (w *Writer) Close(at time.Duration, dropped int64) error {
	if w.closed {
		return nil
	}
	err := w.record(KindEnd, at, binary.AppendUvarint(nil, uint64(max(dropped, 0))))
	w.closed = true
	if err == nil {
		err = w.Flush()
	}
	if w.f != nil {
		if err == nil {
			if serr := w.f.Sync(); serr != nil {
				err = fmt.Errorf("recording: sync %s: %w", w.f.Name(), serr)
			}
		}
		if cerr := w.f.Close(); cerr != nil && err == nil {
			err = fmt.Errorf("recording: close %s: %w", w.f.Name(), cerr)
		}
	}
	return err
}

// Bytes is the size of the file so far (including what is buffered).
func (w *Writer) Bytes() int64 { return w.bytes }

// Frames is the number of frames and keyframes written.
func (w *Writer) Frames() int64 { return w.frames }

// Keyframes is the number of keyframes written.
func (w *Writer) Keyframes() int64 { return w.keys }

// Duration is the time of the last record written.
func (w *Writer) Duration() time.Duration { return w.last }
