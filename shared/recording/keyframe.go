package recording

import (
	"encoding/binary"
	"fmt"
	"image"

	"lifeline/shared/codec"
)

// Packet is what the recorder reads from a codec message's fixed header
// (docs/codec.md, "Frame header"): enough to continue the stream with a
// keyframe of its own.
type Packet struct {
	Keyframe      bool
	Depth         codec.ColorDepth
	Width, Height int
	Seq           uint32
}

// ParsePacket reads the header of a codec message. It checks only the
// header; the console decoded the message before the recorder sees it.
func ParsePacket(msg []byte) (Packet, error) {
	if len(msg) < codec.HeaderSize {
		return Packet{}, fmt.Errorf("recording: codec message of %d bytes: %w", len(msg), ErrCorrupt)
	}
	if string(msg[:4]) != codec.Magic || msg[4] != codec.Version {
		return Packet{}, fmt.Errorf("recording: not a codec message of version %d: %w", codec.Version, ErrCorrupt)
	}
	return Packet{
		Keyframe: msg[5]&1 != 0,
		Depth:    codec.ColorDepth(msg[6]),
		Width:    int(binary.LittleEndian.Uint16(msg[8:])),
		Height:   int(binary.LittleEndian.Uint16(msg[10:])),
		Seq:      binary.LittleEndian.Uint32(msg[12:]),
	}, nil
}

// Keyframe encodes picture — what a decoder shows after the codec message
// of sequence number seq and colour depth depth — as a keyframe that takes
// that message's place: it decodes to exactly picture, and the message
// after it (seq+1) applies to it. It is lossless (Standard mode) at the
// stream's depth, whose colours picture already has, so nothing changes.
func Keyframe(picture *image.RGBA, depth codec.ColorDepth, seq uint32) ([]byte, error) {
	enc := codec.NewEncoder(codec.Options{Mode: codec.Standard, Color: depth})
	msg, _, err := enc.Encode(picture, nil)
	if err != nil {
		return nil, fmt.Errorf("recording: encode a keyframe: %w", err)
	}
	if len(msg) < codec.HeaderSize || msg[5]&1 == 0 {
		return nil, fmt.Errorf("recording: the codec made no keyframe of a %v picture", picture.Rect.Size())
	}
	// The sequence number is outside the compressed payload (bytes 12–15
	// of the header), so it can be set after encoding.
	binary.LittleEndian.PutUint32(msg[12:], seq)
	return msg, nil
}
