package filetransfer

import (
	"context"
	"crypto/sha256"
	"encoding/binary"
	"errors"
	"fmt"
	"hash"
	"io"
	"log/slog"
	"os"
	"sync"
	"sync/atomic"
	"time"
)

// Sender sends one Plan per call to Send. The zero value uses the
// defaults; a Sender may be used for many transfers, one at a time per
// Conn.
type Sender struct {
	// ChunkSize is the payload per chunk message (default
	// DefaultChunkSize, at most MaxChunkSize).
	ChunkSize int
	// Window bounds unacknowledged bytes (default DefaultWindow).
	Window int64
	// IdleTimeout ends the transfer when the receiver goes silent (default
	// DefaultIdleTimeout).
	IdleTimeout time.Duration
	// Progress, if set, is called on Send's goroutine as the receiver
	// acknowledges bytes.
	Progress func(Progress)
	Log      *slog.Logger
}

// Send sends p over conn into dest, a folder relative to the receiver's
// chosen folder ("" for that folder itself). It returns once the receiver
// has verified every file.
//
// Cancelling ctx aborts: the receiver is told and deletes its partial
// files. Use context.WithCancelCause to give the reason a person sees. A
// connection that fails returns ErrInterrupted; calling Send again with
// the same plan resumes from the last good chunk.
func (s *Sender) Send(ctx context.Context, conn Conn, p *Plan, dest string) (Result, error) {
	ss := &sendSession{
		conn:   conn,
		plan:   p,
		chunk:  s.ChunkSize,
		window: s.Window,
		idle:   s.IdleTimeout,
		prog:   s.Progress,
		log:    s.Log,
	}
	if ss.chunk <= 0 || ss.chunk > MaxChunkSize {
		ss.chunk = DefaultChunkSize
	}
	if ss.window <= 0 {
		ss.window = DefaultWindow
	}
	ss.window = max(ss.window, int64(2*ss.chunk+ackEvery)) // never wait for an ack that will not come
	if ss.idle <= 0 {
		ss.idle = DefaultIdleTimeout
	}
	if ss.log == nil {
		ss.log = slog.Default()
	}
	for _, sk := range p.skipped {
		ss.log.Warn("filetransfer: not sent", "path", sk.Path, "reason", sk.Reason)
	}
	ss.res.Skipped = p.Skipped()
	dest, err := checkDir(dest)
	if err != nil {
		return ss.res, err
	}
	err = ss.run(ctx, dest)
	finish(conn, err)
	if err != nil {
		ss.log.Warn("filetransfer: send failed", "err", err)
	}
	return ss.res, err
}

type sendSession struct {
	conn   Conn
	plan   *Plan
	chunk  int
	window int64
	idle   time.Duration
	prog   func(Progress)
	log    *slog.Logger

	res    Result
	before []int64 // bytes of the files before each entry, for progress
	sent   atomic.Int64
	acks   acks
}

// acks is what the reading goroutine learns.
type acks struct {
	mu       sync.Mutex
	total    int64 // session bytes acknowledged
	index    uint64
	have     int64
	fresh    bool // an ack not yet reported as progress
	stopped  bool
	complete bool
	err      error
	notify   chan struct{} // one pending wake-up
	done     chan struct{} // closed when the reader returns
}

func (ss *sendSession) run(ctx context.Context, dest string) error {
	es := ss.plan.entries
	ss.before = make([]int64, len(es))
	var total int64
	for i, e := range es {
		ss.before[i] = total
		total += e.Size
		if e.Kind == KindDir {
			ss.res.Dirs++
		}
	}
	ss.res.Total = total

	parts := splitEntries(es, len(dest)+2*binary.MaxVarintLen64+8)
	if err := send(ss.conn, &msgManifest{dest: dest, count: len(es), total: total, entries: parts[0]}); err != nil {
		return err
	}
	for _, part := range parts[1:] {
		if err := send(ss.conn, &msgManifestMore{entries: part}); err != nil {
			return err
		}
	}
	offers, err := ss.readAccept(ctx)
	if err != nil {
		return err
	}
	starts, err := ss.verify(offers)
	if err != nil {
		return err
	}

	rctx, cancel := context.WithCancel(ctx)
	ss.acks.notify = make(chan struct{}, 1)
	ss.acks.done = make(chan struct{})
	go ss.readAcks(rctx)
	defer func() {
		cancel()
		<-ss.acks.done
	}()

	for i, e := range es {
		if e.Kind != KindFile {
			continue
		}
		if err := ss.sendFile(ctx, i, starts[i]); err != nil {
			return err
		}
	}
	if err := send(ss.conn, &msgDone{}); err != nil {
		return err
	}
	if err := ss.wait(ctx, func() bool { return false }); !errors.Is(err, errComplete) {
		return err
	}
	ss.res.Files = (&Manifest{Entries: es}).Files()
	ss.report()
	return nil
}

// readAccept waits for the receiver's answer, however long a person
// takes to give it.
func (ss *sendSession) readAccept(ctx context.Context) (map[uint64]offer, error) {
	offers := map[uint64]offer{}
	for {
		m, err := recv(ctx, ss.conn, 0)
		if err != nil {
			return nil, err
		}
		if leftover(m) && len(offers) == 0 {
			continue
		}
		a, ok := m.(*msgAccept)
		if !ok {
			return nil, unexpected(m, "instead of the answer to the manifest")
		}
		for _, o := range a.offers {
			if o.index >= uint64(len(ss.plan.entries)) {
				return nil, fmt.Errorf("%w: offer for entry %d of %d", ErrProtocol, o.index, len(ss.plan.entries))
			}
			e := ss.plan.entries[o.index]
			if _, dup := offers[o.index]; dup || e.Kind != KindFile || o.have > e.Size {
				return nil, fmt.Errorf("%w: bad resume offer for %q", ErrProtocol, e.Path)
			}
			offers[o.index] = o
		}
		if !a.more {
			return offers, nil
		}
	}
}

// readAcks runs on its own goroutine until the transfer ends.
func (ss *sendSession) readAcks(ctx context.Context) {
	a := &ss.acks
	defer close(a.done)
	stop := func(err error, complete bool) {
		a.mu.Lock()
		a.stopped, a.complete, a.err = true, complete, err
		a.mu.Unlock()
		a.wake()
	}
	for {
		m, err := recv(ctx, ss.conn, 0)
		if err != nil {
			stop(err, false)
			return
		}
		switch m := m.(type) {
		case *msgAck:
			a.mu.Lock()
			ok := m.index < uint64(len(ss.plan.entries)) && m.have <= ss.plan.entries[m.index].Size &&
				m.total >= a.total && m.total <= ss.sent.Load()
			if ok {
				a.total, a.index, a.have, a.fresh = m.total, m.index, m.have, true
			}
			a.mu.Unlock()
			if !ok {
				stop(fmt.Errorf("%w: acknowledgement of bytes never sent", ErrProtocol), false)
				return
			}
			a.wake()
		case *msgComplete:
			stop(nil, true)
			return
		default:
			stop(unexpected(m, "during the transfer"), false)
			return
		}
	}
}

func (a *acks) wake() {
	select {
	case a.notify <- struct{}{}:
	default:
	}
}

var errComplete = errors.New("complete")

// wait blocks until ok() holds, reporting progress meanwhile. It returns
// the reader's error if the receiver stopped the transfer, errComplete if
// it reported completion, ErrInterrupted if it stayed silent too long.
func (ss *sendSession) wait(ctx context.Context, ok func() bool) error {
	var timer *time.Timer
	for {
		ss.report()
		a := &ss.acks
		a.mu.Lock()
		stopped, complete, err := a.stopped, a.complete, a.err
		a.mu.Unlock()
		switch {
		case stopped && complete:
			return errComplete
		case stopped:
			return err
		case ctx.Err() != nil:
			return aborted(ctx)
		case ok():
			return nil
		}
		if timer == nil {
			timer = time.NewTimer(ss.idle)
			defer timer.Stop()
		}
		select {
		case <-a.notify:
			timer.Reset(ss.idle)
		case <-ctx.Done():
			return aborted(ctx)
		case <-timer.C:
			return fmt.Errorf("%w: no answer from the other side for %v", ErrInterrupted, ss.idle)
		}
	}
}

// report turns the latest acknowledgement into a Progress call.
func (ss *sendSession) report() {
	a := &ss.acks
	a.mu.Lock()
	fresh, index, have := a.fresh, a.index, a.have
	a.fresh = false
	a.mu.Unlock()
	if !fresh || ss.prog == nil {
		return
	}
	e := ss.plan.entries[index]
	ss.prog(Progress{Path: e.Path, FileDone: have, FileSize: e.Size, Done: ss.before[index] + have, Total: ss.res.Total})
}

// start is where a file's sending begins: after a prefix the receiver
// has, with h holding the hash of that prefix.
type start struct {
	at int64
	h  hash.Hash
}

// verify checks each offer against the source: the receiver proves what
// it has by the hash of those bytes, and we hash our own first bytes. It
// runs before any byte is sent, so a file that would not be replaced and
// differs refuses the transfer while nothing has been written.
func (ss *sendSession) verify(offers map[uint64]offer) (map[int]start, error) {
	starts := map[int]start{}
	for i, e := range ss.plan.entries {
		o, ok := offers[uint64(i)]
		if !ok {
			continue
		}
		f, err := ss.open(i)
		if err != nil {
			return nil, err
		}
		h := sha256.New()
		_, err = io.CopyN(h, f, o.have)
		f.Close()
		if err != nil {
			return nil, ioErr("read", e.Path, err)
		}
		switch {
		case [32]byte(h.Sum(nil)) == o.sum:
			starts[i] = start{o.have, h}
		case o.keep:
			return nil, errAt(ErrExists, e.Path, "%q already exists in the destination folder and is different; choose another folder or allow overwriting", e.Path)
		default:
			ss.log.Info("filetransfer: partial file differs, sending it whole", "path", e.Path)
		}
	}
	return starts, nil
}

// open opens entry i's source, checking it is still what was planned.
func (ss *sendSession) open(i int) (*os.File, error) {
	e, src := ss.plan.entries[i], ss.plan.srcs[i]
	f, fi, err := openRegular(src.root, src.rel)
	if err != nil {
		return nil, err
	}
	if fi.Size() != e.Size || fi.ModTime().Unix() != e.ModTime.Unix() {
		f.Close()
		return nil, changedErr(e.Path)
	}
	return f, nil
}

func changedErr(p string) error {
	return errAt(ErrIO, p, "%q changed since it was selected; select it again", p)
}

// sendFile sends entry i from st.
func (ss *sendSession) sendFile(ctx context.Context, i int, st start) error {
	e := ss.plan.entries[i]
	f, err := ss.open(i)
	if err != nil {
		return err
	}
	defer f.Close()
	h, start := st.h, st.at
	if h == nil {
		h = sha256.New()
	} else if _, err := f.Seek(start, io.SeekStart); err != nil {
		return ioErr("read", e.Path, err)
	}
	if err := send(ss.conn, &msgFileBegin{index: uint64(i), offset: start}); err != nil {
		return err
	}
	ss.res.Resumed += start

	for pos := start; pos < e.Size; {
		n := int(min(int64(ss.chunk), e.Size-pos))
		if err := ss.wait(ctx, func() bool {
			ss.acks.mu.Lock()
			defer ss.acks.mu.Unlock()
			return ss.sent.Load()-ss.acks.total+int64(n) <= ss.window
		}); err != nil {
			if errors.Is(err, errComplete) {
				return fmt.Errorf("%w: the receiver finished early", ErrProtocol)
			}
			return err
		}
		hdr := binary.AppendUvarint(binary.AppendUvarint([]byte{Version, kindChunk}, uint64(i)), uint64(pos))
		msg := make([]byte, len(hdr)+n)
		copy(msg, hdr)
		if _, err := io.ReadFull(f, msg[len(hdr):]); err != nil {
			if errors.Is(err, io.EOF) || errors.Is(err, io.ErrUnexpectedEOF) {
				return changedErr(e.Path)
			}
			return ioErr("read", e.Path, err)
		}
		h.Write(msg[len(hdr):])
		ss.sent.Add(int64(n))
		if err := ss.conn.Send(msg); err != nil {
			return interrupted(err)
		}
		ss.res.Bytes += int64(n)
		pos += int64(n)
	}
	if fi, err := f.Stat(); err != nil || fi.Size() != e.Size || fi.ModTime().Unix() != e.ModTime.Unix() {
		return changedErr(e.Path)
	}
	return send(ss.conn, &msgFileEnd{index: uint64(i), sum: [32]byte(h.Sum(nil))})
}
