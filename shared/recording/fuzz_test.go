package recording

import (
	"bytes"
	"errors"
	"io"
	"testing"
	"time"

	"lifeline/shared/codec"
)

// FuzzReader feeds the reader arbitrary files: it must never panic, never
// return a record it did not check, and every record it returns must
// write back to the same bytes.
func FuzzReader(f *testing.F) {
	frames := session(f, codec.Options{}, 96, 64, 4)
	var whole bytes.Buffer
	w := recordTB(f, &whole, frames)
	if err := w.Close(time.Second, 3); err != nil {
		f.Fatal(err)
	}
	f.Add(whole.Bytes())
	f.Add(whole.Bytes()[:whole.Len()/2])
	f.Add(whole.Bytes()[:40])
	var empty bytes.Buffer
	w, _ = NewWriter(&empty, Header{})
	_ = w.Close(0, 0)
	f.Add(empty.Bytes())
	f.Add([]byte(Magic))
	f.Fuzz(func(t *testing.T, b []byte) {
		r, err := NewReader(bytes.NewReader(b))
		if err != nil {
			if !errors.Is(err, ErrFormat) && !errors.Is(err, ErrCorrupt) && !errors.Is(err, ErrTruncated) {
				t.Fatalf("header error wraps nothing known: %v", err)
			}
			return
		}
		var again bytes.Buffer
		w, err := NewWriter(&again, r.Header())
		if err != nil {
			t.Fatalf("a header that reads does not write: %v", err)
		}
		for i := 0; ; i++ {
			rec, err := r.Next()
			if err == io.EOF {
				break
			}
			if err != nil {
				if !errors.Is(err, ErrCorrupt) && !errors.Is(err, ErrTruncated) {
					t.Fatalf("record error wraps nothing known: %v", err)
				}
				break
			}
			switch rec.Kind {
			case KindFrame:
				err = w.Frame(rec.At, rec.Data)
			case KindKeyframe:
				err = w.Keyframe(rec.At, rec.Data)
			case KindSize:
				err = w.Size(rec.At, rec.Width, rec.Height)
			case KindEnd:
				err = w.Close(rec.At, rec.Dropped)
			}
			if err != nil {
				t.Fatalf("record %d (%v) read but does not write: %v", i, rec.Kind, err)
			}
		}
		_ = w.Flush()
		if n := int(r.Offset()); n > len(b) || !bytes.Equal(again.Bytes(), b[:n]) {
			t.Fatalf("the %d bytes read do not write back the same", n)
		}
	})
}

func recordTB(tb testing.TB, out io.Writer, frames []shown) *Writer {
	w, err := NewWriter(out, testHeader)
	if err != nil {
		tb.Fatal(err)
	}
	for i, f := range frames {
		if i == 0 {
			_ = w.Size(0, f.img.Rect.Dx(), f.img.Rect.Dy())
		}
		if err := w.Frame(f.at, f.msg); err != nil {
			tb.Fatal(err)
		}
	}
	return w
}
