package transport

import (
	"encoding/binary"
	"errors"
	"fmt"
)

// Screen channel messages. Every message starts with a kind byte:
//
//	chunk  0x01 frame:u32 index:u16 count:u16 payload…   viewer ← agent
//	ack    0x02 frame:u32                                viewer → agent
//
// Integers are big-endian. A frame is the concatenation of its chunks'
// payloads in index order; the channel is ordered and reliable, so chunks
// arrive in order and a frame's chunks are never interleaved with another's.
const (
	kindChunk = 0x01
	kindAck   = 0x02

	chunkHeader = 9
	// ChunkSize bounds a chunk's payload: small enough that a keystroke on
	// the input channel is never stuck behind more than one chunk.
	ChunkSize = 16 << 10
	// MaxFrameSize is the largest frame a receiver accepts.
	MaxFrameSize = 64 << 20
	maxChunks    = (MaxFrameSize + ChunkSize - 1) / ChunkSize
)

// ErrCorrupt is returned for screen messages that break the format.
var ErrCorrupt = errors.New("transport: corrupt screen message")

// Chunks cuts a frame into chunk messages, calling emit for each.
func Chunks(frameID uint32, frame []byte, emit func([]byte) error) error {
	if len(frame) > MaxFrameSize {
		return fmt.Errorf("transport: frame of %d bytes exceeds %d", len(frame), MaxFrameSize)
	}
	count := (len(frame) + ChunkSize - 1) / ChunkSize
	if count == 0 {
		count = 1
	}
	buf := make([]byte, chunkHeader+min(ChunkSize, len(frame)))
	for i := 0; i < count; i++ {
		part := frame[i*ChunkSize : min((i+1)*ChunkSize, len(frame))]
		msg := buf[:chunkHeader+len(part)]
		msg[0] = kindChunk
		binary.BigEndian.PutUint32(msg[1:], frameID)
		binary.BigEndian.PutUint16(msg[5:], uint16(i))
		binary.BigEndian.PutUint16(msg[7:], uint16(count))
		copy(msg[chunkHeader:], part)
		if err := emit(msg); err != nil {
			return err
		}
	}
	return nil
}

// AckMessage is the viewer's acknowledgement of a decoded frame.
func AckMessage(frameID uint32) []byte {
	b := make([]byte, 5)
	b[0] = kindAck
	binary.BigEndian.PutUint32(b[1:], frameID)
	return b
}

// ParseAck reads an ack message.
func ParseAck(msg []byte) (uint32, error) {
	if len(msg) != 5 || msg[0] != kindAck {
		return 0, fmt.Errorf("%w: not an ack", ErrCorrupt)
	}
	return binary.BigEndian.Uint32(msg[1:]), nil
}

// Reassembler joins chunks into frames. It treats its input as hostile:
// sizes are bounded and a malformed chunk is an error that drops the
// partial frame.
type Reassembler struct {
	buf   []byte
	id    uint32
	next  uint16
	count uint16
	busy  bool
}

// Add takes one chunk message. When it completes a frame, it returns the
// frame (valid until the next call) and its id.
func (r *Reassembler) Add(msg []byte) (frame []byte, id uint32, complete bool, err error) {
	if len(msg) < chunkHeader || msg[0] != kindChunk {
		r.busy = false
		return nil, 0, false, fmt.Errorf("%w: short or unknown message", ErrCorrupt)
	}
	fid := binary.BigEndian.Uint32(msg[1:])
	idx := binary.BigEndian.Uint16(msg[5:])
	cnt := binary.BigEndian.Uint16(msg[7:])
	payload := msg[chunkHeader:]
	if cnt == 0 || int(cnt) > maxChunks || idx >= cnt || len(payload) > ChunkSize {
		r.busy = false
		return nil, 0, false, fmt.Errorf("%w: chunk %d of %d, %d bytes", ErrCorrupt, idx, cnt, len(payload))
	}
	if idx == 0 {
		r.buf, r.id, r.next, r.count, r.busy = r.buf[:0], fid, 0, cnt, true
	} else if !r.busy || fid != r.id || idx != r.next || cnt != r.count {
		r.busy = false
		return nil, 0, false, fmt.Errorf("%w: chunk %d of frame %d out of order", ErrCorrupt, idx, fid)
	}
	if idx+1 < cnt && len(payload) != ChunkSize {
		r.busy = false
		return nil, 0, false, fmt.Errorf("%w: short inner chunk", ErrCorrupt)
	}
	r.buf = append(r.buf, payload...)
	r.next++
	if r.next < r.count {
		return nil, 0, false, nil
	}
	r.busy = false
	return r.buf, r.id, true, nil
}
