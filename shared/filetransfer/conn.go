package filetransfer

import (
	"context"
	"errors"
	"sync"
)

// Conn carries one side of a session: an ordered, reliable channel of
// whole messages, such as a WebRTC data channel opened for the transfer.
//
// Send may keep b: the package never touches a slice after sending it.
// Send should not block for long; the sender's window (Sender.Window)
// already bounds what is in flight. Recv returns the next message, which
// the caller then owns, or an error once the channel is closed or ctx is
// done. Send and Recv may be called from different goroutines; the
// package never calls Recv from two goroutines at once.
type Conn interface {
	Send(b []byte) error
	Recv(ctx context.Context) ([]byte, error)
}

// ErrClosed is returned by a PipeConn once either end is closed.
var ErrClosed = errors.New("filetransfer: connection closed")

// PipeConn is one end of an in-memory Conn, for tests and for wiring two
// cores in one process. Like a data channel, it buffers without bound:
// Send never waits for the other end to read (the sender's window bounds
// what is buffered).
type PipeConn struct {
	in, out *queue
	closed  chan struct{}
	once    *sync.Once
}

type queue struct {
	mu    sync.Mutex
	msgs  [][]byte
	ready chan struct{} // has a token while msgs is not empty
}

// Pipe returns two connected ends. Closing either one drops the whole
// connection, like a failing network: messages still queued are lost.
func Pipe() (*PipeConn, *PipeConn) {
	ab := &queue{ready: make(chan struct{}, 1)}
	ba := &queue{ready: make(chan struct{}, 1)}
	closed, once := make(chan struct{}), new(sync.Once)
	return &PipeConn{in: ba, out: ab, closed: closed, once: once},
		&PipeConn{in: ab, out: ba, closed: closed, once: once}
}

// Send copies b, as a network would.
func (p *PipeConn) Send(b []byte) error {
	select {
	case <-p.closed:
		return ErrClosed
	default:
	}
	q := p.out
	q.mu.Lock()
	q.msgs = append(q.msgs, append([]byte(nil), b...))
	q.mu.Unlock()
	select {
	case q.ready <- struct{}{}:
	default:
	}
	return nil
}

// Recv returns the next message.
func (p *PipeConn) Recv(ctx context.Context) ([]byte, error) {
	q := p.in
	for {
		select {
		case <-p.closed:
			return nil, ErrClosed
		default:
		}
		q.mu.Lock()
		if len(q.msgs) > 0 {
			m := q.msgs[0]
			q.msgs[0] = nil
			q.msgs = q.msgs[1:]
			if len(q.msgs) > 0 {
				select {
				case q.ready <- struct{}{}:
				default:
				}
			}
			q.mu.Unlock()
			return m, nil
		}
		q.mu.Unlock()
		select {
		case <-q.ready:
		case <-p.closed:
			return nil, ErrClosed
		case <-ctx.Done():
			return nil, ctx.Err()
		}
	}
}

// Close drops the connection for both ends.
func (p *PipeConn) Close() error {
	p.once.Do(func() { close(p.closed) })
	return nil
}
