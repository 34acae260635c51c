package recbench

import (
	"bytes"
	"fmt"
	"io"
	"testing"
	"time"

	"lifeline/shared/recording"
)

// writeMinute writes to out the first minute of a recording of a stream of
// fps messages a second, as the console's recorder writes it
// (console/controller, screenRecorder.offer): a size record and the
// recorder's keyframe of the picture shown at 0 s, then every message of
// the stream up to the end of the minute as received, except that a
// message arriving KeyframeEvery or more after the last keyframe is
// replaced by a keyframe of the picture it made. msgs are the stream's
// messages, used in turn; keys the recorder's keyframes, likewise. It
// returns the bytes of the stream's messages in the same minute (the
// stream without a recording) and the closed writer.
func writeMinute(out io.Writer, hdr recording.Header, fps int, msgs, keys [][]byte) (stream int64, w *recording.Writer, err error) {
	if fps <= 0 || len(msgs) == 0 || len(keys) == 0 {
		return 0, nil, fmt.Errorf("a minute needs a frame rate, messages and keyframes (fps %d, %d messages, %d keyframes)", fps, len(msgs), len(keys))
	}
	if w, err = recording.NewWriter(out, hdr); err != nil {
		return 0, nil, err
	}
	if err = w.Size(0, hdr.Width, hdr.Height); err != nil {
		return 0, nil, err
	}
	if err = w.Keyframe(0, keys[0]); err != nil {
		return 0, nil, err
	}
	var lastKey, at time.Duration
	var deltas int64
	keyBytes := int64(len(keys[0]))
	nextKey := 1
	for k := 1; k < 60*fps; k++ {
		at = time.Duration(k) * time.Second / time.Duration(fps)
		msg := msgs[(k-1)%len(msgs)]
		stream += int64(len(msg))
		if recording.DueKeyframe(at-lastKey, deltas, keyBytes) {
			key := keys[nextKey%len(keys)]
			err = w.Keyframe(at, key)
			nextKey++
			lastKey, deltas, keyBytes = at, 0, int64(len(key))
		} else {
			err = w.Frame(at, msg)
			deltas += int64(len(msg))
		}
		if err != nil {
			return 0, nil, err
		}
	}
	return stream, w, w.Close(at, 0)
}

// TestMinuteLayout pins what the benchmark's "bytes per minute" count: the
// records of a minute, their keyframes and their times.
func TestMinuteLayout(t *testing.T) {
	hdr := recording.Header{Session: "123456789", Customer: "Ada", StartedAt: time.Unix(1e9, 0), Width: 1920, Height: 1080}
	msgs := [][]byte{make([]byte, 100), make([]byte, 300)}
	keys := [][]byte{make([]byte, 5000), make([]byte, 7000)}
	for _, tc := range []struct {
		fps         int
		small       bool            // 20-byte messages instead of msgs
		frames      int64           // records of frames and keyframes
		stream      int64           // bytes of the stream's messages in the minute
		marks       []time.Duration // where the keyframes are
		keyBytes    int64           // payload bytes of the keyframes
		lastFrameAt time.Duration
	}{
		// 1,799 messages after the opening keyframe; those at 15, 30 and
		// 45 s (450, 900, 1350: even, so of 300 bytes) are keyframes.
		{fps: 30, frames: 1800, stream: 900*100 + 899*300,
			marks: []time.Duration{0, 15 * time.Second, 30 * time.Second, 45 * time.Second}, keyBytes: 5000 + 7000 + 5000 + 7000,
			lastFrameAt: 59*time.Second + 966666666*time.Nanosecond},
		// A message a second: a keyframe is due 15 s or more after the
		// last once the deltas since weigh half of it — 2,500 bytes after
		// the 5,000-byte keyframes (by 15 s), 3,500 after the 7,000-byte
		// ones (18 messages, by 33 s).
		{fps: 1, frames: 60, stream: 30*100 + 29*300,
			marks: []time.Duration{0, 15 * time.Second, 33 * time.Second, 48 * time.Second}, keyBytes: 24000,
			lastFrameAt: 59 * time.Second},
		// A clock ticking: 20-byte messages never weigh half a keyframe, so
		// the next keyframe waits for KeyframeAtMost, beyond the minute.
		{fps: 1, small: true, frames: 60, stream: 59 * 20,
			marks: []time.Duration{0}, keyBytes: 5000,
			lastFrameAt: 59 * time.Second},
	} {
		name, in := fmt.Sprintf("%d fps", tc.fps), msgs
		if tc.small {
			name, in = name+", small", [][]byte{make([]byte, 20)}
		}
		t.Run(name, func(t *testing.T) {
			var buf bytes.Buffer
			stream, w, err := writeMinute(&buf, hdr, tc.fps, in, keys)
			if err != nil {
				t.Fatal(err)
			}
			if stream != tc.stream {
				t.Errorf("stream bytes = %d, want %d", stream, tc.stream)
			}
			if w.Bytes() != int64(buf.Len()) {
				t.Errorf("Writer.Bytes = %d, but %d bytes were written", w.Bytes(), buf.Len())
			}
			sum, err := recording.Scan(&buf)
			if err != nil {
				t.Fatal(err)
			}
			if !sum.Complete || sum.Frames != tc.frames || sum.Duration != tc.lastFrameAt.Truncate(time.Microsecond) {
				t.Errorf("summary: complete %v, %d frames up to %v; want complete, %d up to %v", sum.Complete, sum.Frames, sum.Duration, tc.frames, tc.lastFrameAt)
			}
			var at []time.Duration
			for _, m := range sum.Marks {
				at = append(at, m.At)
			}
			if fmt.Sprint(at) != fmt.Sprint(tc.marks) {
				t.Errorf("keyframes at %v, want %v", at, tc.marks)
			}
			// Every byte is a message, a keyframe, or the format's own
			// overhead, which is small: at most 16 bytes a record.
			payload := tc.stream + tc.keyBytes
			for _, m := range tc.marks[1:] {
				k := int(int64(m)*int64(tc.fps)/int64(time.Second)) - 1 // the message replaced
				payload -= int64(len(msgs[k%len(msgs)]))
			}
			if w.Bytes() < payload || w.Bytes() > payload+16*(tc.frames+2)+128 {
				t.Errorf("%d bytes for %d bytes of messages and keyframes: the overhead is out of bounds", w.Bytes(), payload)
			}
		})
	}
}
