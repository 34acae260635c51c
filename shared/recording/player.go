package recording

import (
	"errors"
	"fmt"
	"image"
	"io"
	"os"
	"sort"
	"time"

	"lifeline/shared/codec"
)

// Mark is a place a player can start decoding: a keyframe.
type Mark struct {
	At     time.Duration
	Offset int64
}

// Summary describes a whole recording, from one pass over it.
type Summary struct {
	Header    Header
	Duration  time.Duration // time of the last record
	Frames    int64         // frame and keyframe records
	Keyframes int64         // records a player can start at
	Dropped   int64         // frames the recorder dropped (from the end record)
	Bytes     int64         // the size of the readable part
	// Complete says the recording was closed properly. When it is false,
	// Damage says why the file stops where it does (nil: it just stops
	// between two records, as after a crash between two writes).
	Complete bool
	Damage   error
	Marks    []Mark // in time order
}

// Scan reads a recording through and summarises it. Only a file that is not
// a recording at all is an error: a damaged or short one is summarised up
// to the damage, which Summary.Damage reports.
func Scan(r io.Reader) (Summary, error) {
	rd, err := NewReader(r)
	if err != nil {
		return Summary{}, err
	}
	s := Summary{Header: rd.Header(), Bytes: rd.Offset()}
	for {
		off := rd.Offset()
		rec, err := rd.Next()
		if err == io.EOF {
			break
		}
		if err != nil {
			s.Damage = err
			break
		}
		s.Bytes = rd.Offset()
		s.Duration = rec.At
		switch rec.Kind {
		case KindFrame, KindKeyframe:
			s.Frames++
			if isKey(rec) {
				s.Keyframes++
				s.Marks = append(s.Marks, Mark{At: rec.At, Offset: off})
			}
		case KindEnd:
			s.Complete, s.Dropped = true, rec.Dropped
		}
	}
	return s, nil
}

func isKey(rec Record) bool {
	if rec.Kind == KindKeyframe {
		return true
	}
	p, err := ParsePacket(rec.Data)
	return err == nil && p.Keyframe
}

// Player decodes a recording file into pictures, in order or from any
// time. Not safe for concurrent use.
type Player struct {
	f   *os.File
	sum Summary

	rd   *Reader
	peek *Record
	dec  *codec.Decoder
	pos  time.Duration
	errs int
}

// OpenPlayer opens the recording at path and reads it through once for
// its index. Its picture is the first frame's.
func OpenPlayer(path string) (*Player, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, fmt.Errorf("recording: open: %w", err)
	}
	sum, err := Scan(f)
	if err != nil {
		f.Close()
		return nil, err
	}
	if len(sum.Marks) == 0 {
		f.Close()
		return nil, fmt.Errorf("recording: %s holds no picture: %w", path, ErrCorrupt)
	}
	p := &Player{f: f, sum: sum}
	if err := p.Seek(0); err != nil {
		f.Close()
		return nil, err
	}
	return p, nil
}

// Close closes the file.
func (p *Player) Close() error { return p.f.Close() }

// Summary describes the recording.
func (p *Player) Summary() Summary { return p.sum }

// Duration is the length of the recording.
func (p *Player) Duration() time.Duration { return p.sum.Duration }

// Position is the time of the picture shown.
func (p *Player) Position() time.Duration { return p.pos }

// Image is the picture at Position, updated in place as the player
// advances (a keyframe of another size replaces it). Copy it to keep it.
func (p *Player) Image() *image.RGBA { return p.dec.Image() }

// DecodeErrors counts the frames that could not be decoded (a damaged
// file); the player skips to the next keyframe after one.
func (p *Player) DecodeErrors() int { return p.errs }

// Seek shows the picture at time t: it starts decoding at the last
// keyframe at or before t (the first keyframe when t is before it).
func (p *Player) Seek(t time.Duration) error {
	t = min(max(t, 0), p.sum.Duration)
	marks := p.sum.Marks
	i := sort.Search(len(marks), func(i int) bool { return marks[i].At > t }) - 1
	i = max(i, 0)
	if _, err := p.f.Seek(marks[i].Offset, io.SeekStart); err != nil {
		return fmt.Errorf("recording: seek: %w", err)
	}
	rd := &Reader{hdr: p.sum.Header, off: marks[i].Offset}
	rd.br = newBufReader(p.f)
	p.rd, p.peek, p.dec, p.pos = rd, nil, codec.NewDecoder(), marks[i].At
	_, err := p.Advance(max(t, marks[i].At))
	return err
}

// Advance decodes the records up to time t and reports whether the
// picture changed. A time before Position seeks back.
func (p *Player) Advance(t time.Duration) (bool, error) {
	if t < p.pos {
		return true, p.Seek(t)
	}
	changed := false
	for {
		rec, ok, err := p.next()
		if err != nil {
			return changed, err
		}
		if !ok || rec.At > t {
			break
		}
		p.peek = nil
		if rec.Kind != KindFrame && rec.Kind != KindKeyframe {
			continue
		}
		if _, err := p.dec.Decode(rec.Data); err != nil {
			p.errs++
			continue
		}
		changed = true
	}
	p.pos = min(t, p.sum.Duration)
	return changed, nil
}

// next returns the next record without consuming it; ok is false at the
// end of what is readable.
func (p *Player) next() (*Record, bool, error) {
	if p.peek != nil {
		return p.peek, true, nil
	}
	rec, err := p.rd.Next()
	if err == io.EOF || errors.Is(err, ErrTruncated) || errors.Is(err, ErrCorrupt) {
		return nil, false, nil // Summary.Damage already says so
	}
	if err != nil {
		return nil, false, err
	}
	p.peek = &rec
	return p.peek, true, nil
}

// NextAt is the time of the next record, for a player that sleeps until
// then; ok is false at the end.
func (p *Player) NextAt() (time.Duration, bool) {
	rec, ok, err := p.next()
	if err != nil || !ok {
		return 0, false
	}
	return rec.At, true
}
