package recording

import (
	"bytes"
	"errors"
	"image"
	"image/color"
	"image/draw"
	"io"
	"math/rand/v2"
	"os"
	"path/filepath"
	"testing"
	"time"

	"lifeline/shared/codec"
	"lifeline/shared/rgba"
)

var testHeader = Header{Session: "123456789", Customer: "Ann Smith", StartedAt: time.Date(2026, 3, 1, 14, 5, 0, 0, time.UTC), Width: 320, Height: 200}

// screen draws a desktop-like picture that changes with step: a window
// that moves, lines of "text" that grow, and a noisy photo area, so that
// every tile kind, copies and (in Sampling mode) JPEG tiles occur.
func screen(w, h, step int) *image.RGBA {
	m := image.NewRGBA(image.Rect(0, 0, w, h))
	draw.Draw(m, m.Rect, &image.Uniform{color.RGBA{40, 70, 120, 255}}, image.Point{}, draw.Src)
	win := image.Rect(10+step*3, 20+step, 10+step*3+w/2, 20+step+h/2).Intersect(m.Rect)
	draw.Draw(m, win, &image.Uniform{color.RGBA{240, 240, 236, 255}}, image.Point{}, draw.Src)
	for line := 0; line < 6; line++ {
		for x := 0; x < (step*7+line*13)%(w/2-8); x += 3 {
			p := image.Pt(win.Min.X+4+x, win.Min.Y+6+line*9)
			if p.In(win) && (x/3+line)%5 != 0 {
				m.Set(p.X, p.Y, color.RGBA{20, 20, 20, 255})
				m.Set(p.X+1, p.Y+1, color.RGBA{20, 20, 20, 255})
			}
		}
	}
	rng := rand.New(rand.NewPCG(uint64(step/3), 7))
	photo := image.Rect(w*2/3, h/2, w-4, h-4)
	for y := photo.Min.Y; y < photo.Max.Y; y++ {
		for x := photo.Min.X; x < photo.Max.X; x++ {
			v := uint8(x*3 + y*2 + rng.IntN(40))
			m.Set(x, y, color.RGBA{v, v / 2, 255 - v, 255})
		}
	}
	return m
}

// shown is a frame as the console showed it: the codec message and the
// picture after decoding it.
type shown struct {
	at  time.Duration
	msg []byte
	img *image.RGBA
}

// session plays the agent and the console: the agent encodes steps
// pictures with opts, the console decodes each message.
func session(t testing.TB, opts codec.Options, w, h, steps int) []shown {
	t.Helper()
	enc := codec.NewEncoder(opts)
	dec := codec.NewDecoder()
	var out []shown
	for i := 0; i < steps; i++ {
		sw, sh := w, h
		if i >= steps*2/3 {
			sw, sh = w-32, h+16 // the customer changed the resolution
		}
		msg, _, err := enc.Encode(screen(sw, sh, i), nil)
		if err != nil {
			t.Fatal(err)
		}
		if len(msg) == 0 {
			continue
		}
		if _, err := dec.Decode(msg); err != nil {
			t.Fatalf("frame %d: %v", i, err)
		}
		out = append(out, shown{at: time.Duration(i) * 100 * time.Millisecond, msg: msg, img: rgba.Clone(dec.Image())})
	}
	return out
}

// record writes what the console showed from frame `from` on, as the
// console's recorder does: a keyframe of the picture, then the messages
// as received, a keyframe of its own every `every` frames instead of
// the message, and size records.
func record(t *testing.T, out io.Writer, frames []shown, from, every int) *Writer {
	t.Helper()
	w, err := NewWriter(out, testHeader)
	if err != nil {
		t.Fatal(err)
	}
	start := frames[from].at
	size := image.Point{}
	for i := from; i < len(frames); i++ {
		f := frames[i]
		p, err := ParsePacket(f.msg)
		if err != nil {
			t.Fatal(err)
		}
		if s := f.img.Rect.Size(); s != size {
			if err := w.Size(f.at-start, s.X, s.Y); err != nil {
				t.Fatal(err)
			}
			size = s
		}
		if i == from || (every > 0 && (i-from)%every == 0) {
			key, err := Keyframe(f.img, p.Depth, p.Seq)
			if err != nil {
				t.Fatal(err)
			}
			err = w.Keyframe(f.at-start, key)
			if err != nil {
				t.Fatal(err)
			}
			continue
		}
		if err := w.Frame(f.at-start, f.msg); err != nil {
			t.Fatal(err)
		}
	}
	return w
}

// The recorder's keyframe is exact at every colour depth and mode, and the
// agent's next message applies after it: the picture played back equals
// the console's after every frame, including a resolution change.
func TestRoundTripEveryFrame(t *testing.T) {
	for _, c := range []struct {
		name string
		opts codec.Options
	}{
		{"standard full colour", codec.Options{}},
		{"high colour", codec.Options{Color: codec.Color16}},
		{"256 colours", codec.Options{Color: codec.Color256}},
		{"screen sampling (JPEG tiles)", codec.Options{Mode: codec.Sampling}},
		{"sampling in 256 colours", codec.Options{Mode: codec.Sampling, Color: codec.Color256}},
	} {
		t.Run(c.name, func(t *testing.T) {
			frames := session(t, c.opts, 320, 200, 24)
			const from = 3 // recording starts in the middle of the stream
			path := filepath.Join(t.TempDir(), "r"+Extension)
			f, err := os.Create(path)
			if err != nil {
				t.Fatal(err)
			}
			w := record(t, f, frames, from, 5)
			if err := w.Close(frames[len(frames)-1].at-frames[from].at, 2); err != nil {
				t.Fatal(err)
			}
			f.Close()

			p, err := OpenPlayer(path)
			if err != nil {
				t.Fatal(err)
			}
			defer p.Close()
			sum := p.Summary()
			if !sum.Complete || sum.Damage != nil || sum.Dropped != 2 || sum.Frames != int64(len(frames)-from) {
				t.Fatalf("summary %+v, want complete, 2 dropped, %d frames", sum, len(frames)-from)
			}
			if sum.Header != testHeader {
				t.Errorf("header %+v, want %+v", sum.Header, testHeader)
			}
			start := frames[from].at
			for i := from; i < len(frames); i++ {
				if _, err := p.Advance(frames[i].at - start); err != nil {
					t.Fatal(err)
				}
				if !bytes.Equal(p.Image().Pix, frames[i].img.Pix) || p.Image().Rect != frames[i].img.Rect {
					t.Fatalf("frame %d: the played picture differs from the console's", i)
				}
			}
			if p.DecodeErrors() != 0 {
				t.Errorf("%d decode errors", p.DecodeErrors())
			}
			// Seeking back and forth shows the same pictures as playing.
			for _, i := range []int{len(frames) - 1, from, from + 7, from + 2, len(frames) - 4} {
				if err := p.Seek(frames[i].at - start); err != nil {
					t.Fatal(err)
				}
				if !bytes.Equal(p.Image().Pix, frames[i].img.Pix) {
					t.Fatalf("seek to frame %d: the picture differs", i)
				}
			}
		})
	}
}

// The records come back as written, and the file's size is what the writer
// counted.
func TestWriterReaderRecords(t *testing.T) {
	var buf bytes.Buffer
	w, err := NewWriter(&buf, testHeader)
	if err != nil {
		t.Fatal(err)
	}
	frames := session(t, codec.Options{}, 96, 64, 3)
	steps := []struct {
		write func() error
		want  Record
	}{
		{func() error { return w.Size(0, 96, 64) }, Record{Kind: KindSize, Width: 96, Height: 64}},
		{func() error { return w.Keyframe(0, frames[0].msg) }, Record{Kind: KindKeyframe, Data: frames[0].msg}},
		{func() error { return w.Frame(1500*time.Microsecond, frames[1].msg) }, Record{Kind: KindFrame, At: 1500 * time.Microsecond, Data: frames[1].msg}},
		// A clock that stepped back is written as no time passing.
		{func() error { return w.Frame(time.Microsecond, frames[2].msg) }, Record{Kind: KindFrame, At: 1500 * time.Microsecond, Data: frames[2].msg}},
		{func() error { return w.Close(3*time.Hour, 17) }, Record{Kind: KindEnd, At: 3 * time.Hour, Dropped: 17}},
	}
	for _, s := range steps {
		if err := s.write(); err != nil {
			t.Fatal(err)
		}
	}
	if w.Bytes() != int64(buf.Len()) || w.Frames() != 3 || w.Keyframes() != 1 {
		t.Errorf("writer counted %d bytes, %d frames, %d keyframes; file is %d bytes", w.Bytes(), w.Frames(), w.Keyframes(), buf.Len())
	}
	if err := w.Frame(4*time.Hour, frames[2].msg); err == nil {
		t.Error("a frame after Close was written")
	}
	r, err := NewReader(bytes.NewReader(buf.Bytes()))
	if err != nil {
		t.Fatal(err)
	}
	if r.Header() != testHeader {
		t.Errorf("header %+v", r.Header())
	}
	for i, s := range steps {
		got, err := r.Next()
		if err != nil {
			t.Fatalf("record %d: %v", i, err)
		}
		if got.Kind != s.want.Kind || got.At != s.want.At || !bytes.Equal(got.Data, s.want.Data) ||
			got.Width != s.want.Width || got.Height != s.want.Height || got.Dropped != s.want.Dropped {
			t.Errorf("record %d: %v at %v, want %v at %v", i, got.Kind, got.At, s.want.Kind, s.want.At)
		}
	}
	if _, err := r.Next(); err != io.EOF || !r.Ended() {
		t.Errorf("after the end record: %v, ended %v", err, r.Ended())
	}
}

// A file cut at any byte — a crash, a full disk — reads up to its last
// whole record and then says it was cut short (or just ends, when the cut
// falls between records).
func TestTruncatedAnywhere(t *testing.T) {
	var buf bytes.Buffer
	frames := session(t, codec.Options{}, 96, 64, 6)
	w := record(t, &buf, frames, 0, 0)
	if err := w.Flush(); err != nil {
		t.Fatal(err)
	}
	file := buf.Bytes()
	// Where each record ends.
	var ends []int64
	r, _ := NewReader(bytes.NewReader(file))
	headerEnd := r.Offset()
	for {
		if _, err := r.Next(); err != nil {
			break
		}
		ends = append(ends, r.Offset())
	}
	for cut := int64(0); cut <= int64(len(file)); cut++ {
		r, err := NewReader(bytes.NewReader(file[:cut]))
		if cut < headerEnd {
			if err == nil {
				t.Fatalf("cut at %d inside the header: no error", cut)
			}
			continue
		}
		if err != nil {
			t.Fatalf("cut at %d: %v", cut, err)
		}
		whole := 0
		for _, e := range ends {
			if e <= cut {
				whole++
			}
		}
		n := 0
		for {
			_, err = r.Next()
			if err != nil {
				break
			}
			n++
		}
		atBoundary := cut == headerEnd || (whole > 0 && ends[whole-1] == cut)
		switch {
		case n != whole:
			t.Fatalf("cut at %d: %d records read, %d whole ones there", cut, n, whole)
		case atBoundary && err != io.EOF:
			t.Fatalf("cut at %d, between records: %v, want EOF", cut, err)
		case !atBoundary && !errors.Is(err, ErrTruncated):
			t.Fatalf("cut at %d, inside a record: %v, want ErrTruncated", cut, err)
		}
	}
}

// Damage is reported, not read as data.
func TestDamaged(t *testing.T) {
	var buf bytes.Buffer
	frames := session(t, codec.Options{}, 96, 64, 3)
	w := record(t, &buf, frames, 0, 0)
	if err := w.Close(time.Second, 0); err != nil {
		t.Fatal(err)
	}
	good := buf.Bytes()
	r, _ := NewReader(bytes.NewReader(good))
	first := int(r.Offset()) // the first record: a size record
	cases := []struct {
		name      string
		change    func(b []byte) []byte
		headerErr error // from NewReader
		recordErr error // from the first Next
	}{
		{"not a recording", func(b []byte) []byte { return []byte("PK\x03\x04 a zip file, not a recording") }, ErrFormat, nil},
		{"empty", func(b []byte) []byte { return nil }, ErrFormat, nil},
		{"text-mode transfer turned CR LF into LF", func(b []byte) []byte {
			return append([]byte("LLREC\n\x1a"), b[8:]...)
		}, ErrFormat, nil},
		{"a later version", func(b []byte) []byte { b[8] = Version + 1; return b }, ErrFormat, nil},
		{"header checksum", func(b []byte) []byte { b[14] ^= 1; return b }, ErrCorrupt, nil},
		{"header length beyond the limit", func(b []byte) []byte { b[10], b[11] = 0xff, 0xff; return b }, ErrCorrupt, nil},
		{"record checksum", func(b []byte) []byte { b[first+3] ^= 0x40; return b }, nil, ErrCorrupt},
		{"unknown record kind", func(b []byte) []byte { b[first] = 9; return b }, nil, ErrCorrupt},
		{"record length over the limit", func(b []byte) []byte {
			return append(b[:first+2:first+2], 0xff, 0xff, 0xff, 0xff, 0x7f)
		}, nil, ErrCorrupt},
		{"record length beyond the file", func(b []byte) []byte {
			return append(b[:first+2:first+2], 0xff, 0xff, 0x7f)
		}, nil, ErrTruncated},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			b := c.change(bytes.Clone(good))
			r, err := NewReader(bytes.NewReader(b))
			if c.headerErr != nil {
				if !errors.Is(err, c.headerErr) {
					t.Fatalf("NewReader: %v, want %v", err, c.headerErr)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if _, err := r.Next(); !errors.Is(err, c.recordErr) {
				t.Fatalf("Next: %v, want %v", err, c.recordErr)
			}
		})
	}
}

// Headers the writer refuses rather than write a file no reader accepts.
func TestHeaderLimits(t *testing.T) {
	for _, h := range []Header{
		{Session: string(make([]byte, maxSession+1))},
		{Customer: "\xff\xfe"},
		{Width: codec.MaxDimension + 1, Height: 10},
		{Width: -1},
	} {
		if _, err := NewWriter(io.Discard, h); err == nil {
			t.Errorf("header %+.40v accepted", h)
		}
	}
}

// A recording that was never closed (the console crashed) still plays up
// to its last whole frame.
func TestPlayerOfCrashedRecording(t *testing.T) {
	frames := session(t, codec.Options{}, 160, 96, 10)
	var buf bytes.Buffer
	w := record(t, &buf, frames, 0, 4)
	if err := w.Flush(); err != nil {
		t.Fatal(err)
	}
	b := buf.Bytes()[:buf.Len()-10] // the last frame is torn
	path := filepath.Join(t.TempDir(), "crashed"+Extension)
	if err := os.WriteFile(path, b, 0o600); err != nil {
		t.Fatal(err)
	}
	p, err := OpenPlayer(path)
	if err != nil {
		t.Fatal(err)
	}
	defer p.Close()
	s := p.Summary()
	if s.Complete || !errors.Is(s.Damage, ErrTruncated) || s.Frames != int64(len(frames)-1) {
		t.Fatalf("summary: complete %v, damage %v, %d frames; want a cut-short file of %d", s.Complete, s.Damage, s.Frames, len(frames)-1)
	}
	if _, err := p.Advance(time.Hour); err != nil {
		t.Fatal(err)
	}
	if last := frames[len(frames)-2]; !bytes.Equal(p.Image().Pix, last.img.Pix) || p.Position() != last.at {
		t.Fatalf("at the end the player shows something else than the last whole frame (position %v)", p.Position())
	}
}

// TestDueKeyframe is when a recorder adds a keyframe of its own.
func TestDueKeyframe(t *testing.T) {
	for _, tc := range []struct {
		since       time.Duration
		deltas, key int64
		want        bool
	}{
		{14 * time.Second, 1 << 20, 1000, false}, // too soon, however much changed
		{15 * time.Second, 500, 1000, true},      // half a keyframe changed
		{15 * time.Second, 499, 1000, false},     // a clock ticking: wait
		{4 * time.Minute, 499, 1000, false},
		{5 * time.Minute, 0, 1000, true}, // at the most this long apart
		{15 * time.Second, 0, 0, true},   // the first keyframe's size not known yet
	} {
		if got := DueKeyframe(tc.since, tc.deltas, tc.key); got != tc.want {
			t.Errorf("DueKeyframe(%v, %d, %d) = %v, want %v", tc.since, tc.deltas, tc.key, got, tc.want)
		}
	}
}
