// Package codec is Lifeline's screen codec: it turns a sequence of captured
// screen frames (*image.RGBA) into compact messages for the data channel and
// back into an image on the console.
//
// The encoder compares each frame with the previous one in 64×64 tiles,
// detects vertical scrolls and moved windows and sends them as exact copy
// operations, and encodes the remaining changed pixels per tile: a solid
// colour, indices into a per-frame palette, MED-predicted residuals or raw
// pixels, all compressed together with zstd. In Sampling mode photo-like tiles
// are sent as JPEG and refreshed losslessly once they stop changing. The
// colour depth can be reduced to RGB565 or a 252-colour cube before coding.
//
// The wire format (versioned, little-endian) and the tuning measurements are
// documented in docs/codec.md.
//
// Typical use on the sharing side:
//
//	enc := codec.NewEncoder(codec.Options{Mode: codec.Standard})
//	var buf []byte
//	for frame := range frames { // *image.RGBA, any size
//		msg, _, err := enc.Encode(frame, buf[:0])
//		if err != nil { … }
//		buf = msg
//		if len(msg) > 0 {
//			send(msg) // one message per data-channel send
//		}
//	}
//
// and on the viewing side:
//
//	dec := codec.NewDecoder()
//	changed, err := dec.Decode(msg)
//	if errors.Is(err, codec.ErrNeedKeyframe) || errors.Is(err, codec.ErrCorrupt) {
//		requestKeyframe() // the sender calls enc.ForceKeyframe()
//	}
//	redraw(dec.Image(), changed)
//
// Encoders and decoders are not safe for concurrent use; use one per stream.
package codec
