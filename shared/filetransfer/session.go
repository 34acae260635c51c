package filetransfer

import (
	"context"
	"errors"
	"fmt"
	"time"
)

// Progress reports a transfer's state. Done counts bytes the receiver
// holds, including bytes it did not need again thanks to resume.
type Progress struct {
	Path     string // the file concerned, relative to the transfer
	FileDone int64
	FileSize int64
	Done     int64
	Total    int64
}

// Result sums up a transfer.
type Result struct {
	Files   int   // files complete on the receiving side
	Dirs    int   // folders in the manifest
	Bytes   int64 // file bytes that crossed the connection in this run
	Resumed int64 // bytes not sent again: verified partial files and identical files
	Total   int64 // the manifest's total
	Skipped []Skip
}

// Flow-control and timing defaults.
const (
	// DefaultWindow bounds the bytes sent and not yet acknowledged: at a
	// 100 ms round trip it allows 40 MB/s, and it is all that can pile up
	// in a data channel's send buffer.
	DefaultWindow = 4 << 20
	// DefaultIdleTimeout ends a transfer whose other side goes silent mid
	// transfer (waiting for a person to answer is never timed).
	DefaultIdleTimeout = time.Minute

	ackEvery        = 256 << 10 // receiver acknowledges at least this often
	checkpointEvery = 1 << 20   // receiver records resume state this often
)

// recv reads and decodes the next message. idle > 0 bounds the wait. A
// dead or silent connection is ErrInterrupted; ctx ending is ErrAborted.
func recv(ctx context.Context, conn Conn, idle time.Duration) (message, error) {
	if ctx.Err() != nil { // a Conn with messages waiting may not look at ctx
		return nil, aborted(ctx)
	}
	rctx := ctx
	if idle > 0 {
		var cancel context.CancelFunc
		rctx, cancel = context.WithTimeout(ctx, idle)
		defer cancel()
	}
	b, err := conn.Recv(rctx)
	if err != nil {
		if ctx.Err() != nil {
			return nil, aborted(ctx)
		}
		if rctx.Err() != nil {
			return nil, fmt.Errorf("%w: no message from the other side for %v", ErrInterrupted, idle)
		}
		return nil, interrupted(err)
	}
	m, err := decode(b)
	if err != nil {
		if errors.Is(err, ErrVersion) {
			return nil, err
		}
		return nil, fmt.Errorf("%w: %w", ErrProtocol, err)
	}
	return m, nil
}

func send(conn Conn, m message) error {
	if err := conn.Send(encode(m)); err != nil {
		return interrupted(err)
	}
	return nil
}

// aborted is the local side's abort: the caller cancelled ctx.
func aborted(ctx context.Context) error {
	return fmt.Errorf("%w: %v", ErrAborted, context.Cause(ctx))
}

// unexpected is the error for a message out of place.
func unexpected(m message, when string) error {
	switch m := m.(type) {
	case *msgError:
		return m.err()
	case *msgAbort:
		return &peerAbort{reason: m.reason}
	}
	return fmt.Errorf("%w: unexpected message 0x%02x %s", ErrProtocol, m.kind(), when)
}

// finish tells the other side why a session ended, when it does not know
// yet: an abort for a local cancel, the error otherwise. Nothing is sent
// for errors that came from the other side or for a dead connection.
func finish(conn Conn, err error) {
	switch {
	case err == nil, fromPeer(err), errors.Is(err, ErrInterrupted):
	case errors.Is(err, ErrAborted):
		_ = conn.Send(encode(&msgAbort{reason: clip(err.Error(), maxText)}))
	default:
		_ = conn.Send(encode(wireError(0, err)))
	}
}

// splitEntries cuts entries into groups that fit in a message with room
// for a header of at most head bytes.
func splitEntries(es []Entry, head int) [][]Entry {
	var out [][]Entry
	start, size := 0, 0
	for i, e := range es {
		n := len(appendEntry(nil, e))
		if size+n > MaxMessageSize-head-16 && i > start {
			out = append(out, es[start:i])
			start, size = i, 0
		}
		size += n
	}
	return append(out, es[start:])
}

// leftover reports messages that can only belong to an earlier transfer
// or request on the same Conn, cut short by an abort: skipped while
// waiting for the start of the next one.
func leftover(m message) bool {
	switch m.(type) {
	case *msgChunk, *msgFileBegin, *msgFileEnd, *msgDone, *msgAck, *msgComplete, *msgListing, *msgOK:
		return true
	}
	return false
}
