// Package recording is Lifeline's session recording file (.llrec): the
// customer's screen as the console received it, to be played back later.
//
// A file is a header (session number, customer name, start time, screen
// size) and then records in time order. A frame record holds a screen codec
// message (package codec) exactly as it came from the customer's agent; a
// keyframe record holds a codec keyframe the recorder made itself from the
// picture on the console: one opens the file, and more follow as
// DueKeyframe says and after frames were dropped, so that a
// player can start decoding there (seeking) and never meets a delta it
// cannot apply. A size record says the screen size changed; an end record
// says the recording was closed properly.
//
// Every record carries a CRC-32, so a file cut short by a crash or a full
// disk reads up to its last whole record (Reader.Next then returns an error
// wrapping ErrTruncated). The byte layout is in docs/codec.md, "Recording
// files"; keep the two in sync.
//
// Writing:
//
//	w, err := recording.Create(path, recording.Header{Session: "123456789", …})
//	w.Keyframe(0, key) // from recording.Keyframe(picture, depth, seq)
//	w.Frame(at, msg)   // every codec message the console decoded
//	err = w.Close()    // end record, flush, fsync
//
// Reading: NewReader and Next for every record, or OpenPlayer for the
// decoded pictures with seeking.
package recording

import (
	"errors"
	"time"
)

// Format constants. The byte layout is documented in docs/codec.md.
const (
	// Magic starts every file. The CR LF and SUB bytes catch a file mangled
	// by a text-mode transfer, as PNG's signature does.
	Magic = "LLREC\r\n\x1a"
	// Version is the file-format version written by this package; readers
	// refuse any other.
	Version = 1
	// Extension is the file name extension of recordings.
	Extension = ".llrec"

	// MaxRecord is the largest record payload accepted, in bytes: far above
	// a codec keyframe of the largest screen a console shows compressed, and
	// small enough that a corrupt length cannot make a reader allocate
	// without bound.
	MaxRecord = 256 << 20

	// KeyframeEvery is the least time between two keyframes the recorder
	// adds of its own, and KeyframeAtMost the most (see DueKeyframe).
	KeyframeEvery  = 15 * time.Second
	KeyframeAtMost = 5 * time.Minute

	maxHeaderBody = 4096
	maxSession    = 64
	maxCustomer   = 256
)

// Kind is the type of a record.
type Kind uint8

// Record kinds.
const (
	// KindFrame is a codec message as the console received and decoded it.
	KindFrame Kind = 1
	// KindKeyframe is a codec keyframe the recorder made of the picture
	// the console showed; it continues the stream of frames (same sequence
	// number and colour depth as the frame before it).
	KindKeyframe Kind = 2
	// KindSize says the shared screen changed size; the next frame is a
	// keyframe of that size.
	KindSize Kind = 3
	// KindEnd closes a recording that was stopped properly. Its payload
	// counts the frames the recorder dropped because the disk was too slow.
	KindEnd Kind = 4
)

func (k Kind) String() string {
	switch k {
	case KindFrame:
		return "frame"
	case KindKeyframe:
		return "keyframe"
	case KindSize:
		return "size"
	case KindEnd:
		return "end"
	}
	return "kind?"
}

// Header describes a recording.
type Header struct {
	Session   string    // the 9-digit session number
	Customer  string    // the customer's name, as the session showed it
	StartedAt time.Time // when the recording started
	Width     int       // the screen size when it started
	Height    int
}

// Record is one record of a file.
type Record struct {
	Kind Kind
	// At is the time since the recording started.
	At time.Duration
	// Data is the codec message of a frame or keyframe. It is only valid
	// until the next call to Next.
	Data []byte
	// Width and Height are set by a size record.
	Width, Height int
	// Dropped is set by the end record.
	Dropped int64
}

// Errors of reading. Every error of Next wraps one of these or io.EOF.
var (
	// ErrFormat means the file is not a recording, or of another version.
	ErrFormat = errors.New("not a Lifeline recording of a version this program reads")
	// ErrCorrupt means a record is malformed or fails its checksum.
	ErrCorrupt = errors.New("the recording is damaged")
	// ErrTruncated means the file ends inside a record: the recording was
	// cut short (a crash, a full disk). Everything before it is valid.
	ErrTruncated = errors.New("the recording was cut short")
)

// DueKeyframe says whether a recorder should write a keyframe of its own
// in place of the next message: since is the time since the last
// keyframe, deltas the bytes of the messages written after it, and key
// that keyframe's size. One is due when KeyframeEvery has passed and the
// deltas weigh half the keyframe or more — then a seek decodes at most a
// keyframe and a half, and a screen where little changes (a clock
// ticking) is not filled with keyframes far bigger than its stream — or
// when KeyframeAtMost has passed, whatever they weigh.
func DueKeyframe(since time.Duration, deltas, key int64) bool {
	return since >= KeyframeAtMost || (since >= KeyframeEvery && 2*deltas >= key)
}
