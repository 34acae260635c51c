// Package toolwire is what travels on the tool channels between a console
// and a customer's agent ("tools/…" labels, see transport.OpenChannel),
// beside file transfers which have their own protocol (filetransfer):
// system information reports, script runs and their output, and the list
// of files a CSR published.
//
// Every message is one frame on a filetransfer.Conn (a data channel
// wrapped by dcconn): a kind byte, then JSON ('J') or a piece of a blob
// ('B', ended by an empty 'E'). Blobs carry what can exceed one frame: a
// report, a script file. Readers check every frame against what they
// expect and bound every blob, since the other side is not trusted.
package toolwire

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
)

// Conn is a message connection (filetransfer.Conn; dcconn.Conn in use).
type Conn interface {
	Send(b []byte) error
	Recv(ctx context.Context) ([]byte, error)
}

// Frame kinds.
const (
	kindJSON    = 'J'
	kindBlob    = 'B'
	kindBlobEnd = 'E'
)

// MaxFrame is the largest frame, within a data channel message
// (filetransfer.MaxMessageSize).
const MaxFrame = 60 << 10

// ErrProtocol is a frame that is not what the protocol allows here.
var ErrProtocol = errors.New("toolwire: protocol violation")

// SendJSON sends v as one JSON frame.
func SendJSON(c Conn, v any) error {
	b, err := json.Marshal(v)
	if err != nil {
		return fmt.Errorf("toolwire: encode: %w", err)
	}
	if len(b)+1 > MaxFrame {
		return fmt.Errorf("toolwire: a %d-byte message is larger than a frame", len(b))
	}
	return c.Send(append([]byte{kindJSON}, b...))
}

// RecvJSON reads the next frame, which must be JSON, into v.
func RecvJSON(ctx context.Context, c Conn, v any) error {
	b, err := c.Recv(ctx)
	if err != nil {
		return err
	}
	return decodeJSON(b, v)
}

func decodeJSON(b []byte, v any) error {
	if len(b) == 0 || b[0] != kindJSON {
		return fmt.Errorf("%w: expected a message", ErrProtocol)
	}
	if err := json.Unmarshal(b[1:], v); err != nil {
		return fmt.Errorf("%w: %v", ErrProtocol, err)
	}
	return nil
}

// SendBlob sends b in frames, then the end frame.
func SendBlob(c Conn, b []byte) error {
	for len(b) > 0 {
		n := min(len(b), MaxFrame-1)
		if err := c.Send(append([]byte{kindBlob}, b[:n]...)); err != nil {
			return err
		}
		b = b[n:]
	}
	return c.Send([]byte{kindBlobEnd})
}

// RecvBlob reads a blob of at most max bytes.
func RecvBlob(ctx context.Context, c Conn, max int) ([]byte, error) {
	var out []byte
	for {
		b, err := c.Recv(ctx)
		if err != nil {
			return nil, err
		}
		switch {
		case len(b) == 1 && b[0] == kindBlobEnd:
			return out, nil
		case len(b) > 1 && b[0] == kindBlob:
			if len(out)+len(b)-1 > max {
				return nil, fmt.Errorf("%w: more than %d bytes", ErrProtocol, max)
			}
			out = append(out, b[1:]...)
		default:
			return nil, fmt.Errorf("%w: expected a piece of data", ErrProtocol)
		}
	}
}
