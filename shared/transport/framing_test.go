package transport

import (
	"bytes"
	"errors"
	"math/rand"
	"testing"
)

func TestChunksRoundTrip(t *testing.T) {
	for _, size := range []int{0, 1, ChunkSize - 1, ChunkSize, ChunkSize + 1, 5*ChunkSize + 77} {
		frame := make([]byte, size)
		rand.New(rand.NewSource(int64(size))).Read(frame)
		var r Reassembler
		var got []byte
		n := 0
		err := Chunks(42, frame, func(msg []byte) error {
			n++
			if len(msg) > chunkHeader+ChunkSize {
				t.Fatalf("chunk of %d bytes", len(msg))
			}
			f, id, done, err := r.Add(msg)
			if err != nil {
				return err
			}
			if done {
				if id != 42 {
					t.Fatalf("id %d", id)
				}
				got = append([]byte(nil), f...)
			}
			return nil
		})
		if err != nil || !bytes.Equal(got, frame) && !(size == 0 && len(got) == 0) {
			t.Fatalf("size %d: err %v, got %d bytes in %d chunks", size, err, len(got), n)
		}
	}
}

func TestReassemblerRefuses(t *testing.T) {
	var msgs [][]byte
	_ = Chunks(7, make([]byte, 3*ChunkSize), func(m []byte) error { msgs = append(msgs, append([]byte(nil), m...)); return nil })
	cases := []struct {
		name string
		seq  [][]byte
	}{
		{"an ack on the chunk path", [][]byte{AckMessage(1)}},
		{"a chunk that does not start a frame", [][]byte{msgs[1]}},
		{"a skipped chunk", [][]byte{msgs[0], msgs[2]}},
		{"index beyond count", [][]byte{{kindChunk, 0, 0, 0, 1, 0, 5, 0, 2}}},
		{"zero chunks", [][]byte{{kindChunk, 0, 0, 0, 1, 0, 0, 0, 0}}},
		{"too short", [][]byte{{kindChunk, 1}}},
	}
	for _, c := range cases {
		var r Reassembler
		var err error
		for _, m := range c.seq {
			if _, _, _, err = r.Add(m); err != nil {
				break
			}
		}
		if !errors.Is(err, ErrCorrupt) {
			t.Errorf("%s: err = %v", c.name, err)
		}
	}
}

func TestAck(t *testing.T) {
	id, err := ParseAck(AckMessage(0xdeadbeef))
	if err != nil || id != 0xdeadbeef {
		t.Fatalf("ParseAck = %x, %v", id, err)
	}
	if _, err := ParseAck([]byte{kindAck, 1}); err == nil {
		t.Fatal("short ack accepted")
	}
}

func FuzzReassembler(f *testing.F) {
	_ = Chunks(3, bytes.Repeat([]byte("x"), ChunkSize+10), func(m []byte) error { f.Add(m); return nil })
	f.Add([]byte{kindChunk, 0, 0, 0, 1, 0, 0, 0, 1, 9})
	f.Fuzz(func(t *testing.T, b []byte) {
		var r Reassembler
		// Feed the input as a stream of messages cut at every 37th byte too.
		for _, m := range [][]byte{b, b} {
			frame, _, done, err := r.Add(m)
			if err == nil && done && len(frame) > MaxFrameSize {
				t.Fatal("frame over the limit")
			}
		}
		for i := 0; i+37 <= len(b); i += 37 {
			_, _, _, _ = r.Add(b[i : i+37])
		}
	})
}
