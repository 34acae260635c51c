package input

import (
	"encoding/binary"
	"errors"
	"fmt"
	"image"
	"sync"
	"sync/atomic"
	"time"

	"github.com/jezek/xgb"
	"github.com/jezek/xgb/record"
	"github.com/jezek/xgb/xproto"
)

// LocalActivity watches the customer's display for input that did not come
// from the injector: the customer moving the mouse, clicking or typing. On
// such input the injector pauses (and its OnLocal function is called) until
// the CSR clicks in the viewer again.
//
// Two watchers run:
//
//   - The pointer is polled (QueryPointer every PollInterval, a cheap round
//     trip) and compared with where the injector left it. Instead of a time
//     window after each injected move, the injector records the position
//     the server reports right after its own warp, and a poll that overlaps
//     an injection is discarded, so our own moves (clamped by the server or
//     not) never count as local. Polling alone misses a customer whose
//     motion is overwritten by the CSR's next move before the next poll.
//   - The X RECORD extension (no root needed; Xorg, Xvfb and Xwayland have
//     it) reports every key press, button press and pointer motion the
//     server processes, XTEST's and warps included. The injector announces
//     what it is about to inject (key and button presses by count, moves by
//     position); whatever RECORD reports beyond that is the customer's. This
//     sees the customer's mouse even while the CSR moves continuously, and
//     it sees typing.
//
// If RECORD is missing only the poll runs (Keyboard reports false and
// KeyboardErr says why): a customer who types or clicks without moving the
// mouse is then not noticed. XInput2 raw events would tell devices apart,
// but xgb cannot read XInput2's generic events. Input from other XTEST
// clients (xdotool, an on-screen keyboard) and pointer warps by other
// programs count as local, which is what they are.
type LocalActivity struct {
	conn     *xgb.Conn
	root     xproto.Window
	src      activitySource
	interval time.Duration

	rec    *recordStream
	recCtx record.Context
	recOn  atomic.Bool
	recMu  sync.Mutex
	recErr error

	stop chan struct{}
	wg   sync.WaitGroup
	once sync.Once
}

// PollInterval is how often the pointer is polled when X RECORD is not
// available; with RECORD reporting every motion, the poll is only a safety
// net (and notices a lost display), so it runs at RecordPollInterval and
// an idle controlled session costs almost nothing.
const (
	PollInterval       = 50 * time.Millisecond
	RecordPollInterval = 500 * time.Millisecond
)

// moveState is the injector's view of the pointer for the watcher.
type moveState struct {
	busy     bool        // an injected move is in flight
	gen      uint64      // counts injected moves
	expected image.Point // where the last injected move left the pointer
}

// pressKind sorts the presses the injector announces.
type pressKind int

const (
	pressKey pressKind = iota
	pressButton
)

// activitySource is what the watcher needs from the injector.
type activitySource interface {
	moveState() moveState
	// takePress consumes one announced press of that kind; false means the
	// press was not injected by us.
	takePress(pressKind) bool
	// ownMotion reports whether pointer motion to p is (or may be) ours.
	ownMotion(p image.Point) bool
	// local reports local input.
	local(what string)
	// lost reports that the display's connection is gone.
	lost(err error)
}

// watchLocal starts watching. display is used for the RECORD data
// connection; conn (shared with the injector) for everything else.
func watchLocal(display string, conn *xgb.Conn, root xproto.Window, src activitySource) *LocalActivity {
	w := &LocalActivity{conn: conn, root: root, src: src, interval: PollInterval, stop: make(chan struct{})}
	if err := w.startRecord(display); err != nil {
		w.recErr = err
	} else {
		w.interval = RecordPollInterval
	}
	w.wg.Add(1)
	go w.poll()
	return w
}

// Keyboard reports whether X RECORD watches key presses, button presses
// and motion; when false only the pointer is polled.
func (w *LocalActivity) Keyboard() bool { return w.recOn.Load() }

// KeyboardErr says why RECORD does not watch (nil while it does).
func (w *LocalActivity) KeyboardErr() error {
	w.recMu.Lock()
	defer w.recMu.Unlock()
	return w.recErr
}

func (w *LocalActivity) startRecord(display string) error {
	if err := record.Init(w.conn); err != nil {
		return fmt.Errorf("input: no RECORD extension: %w", err)
	}
	if _, err := record.QueryVersion(w.conn, 1, 13).Reply(); err != nil {
		return fmt.Errorf("input: RECORD: %w", err)
	}
	ext, err := xproto.QueryExtension(w.conn, uint16(len("RECORD")), "RECORD").Reply()
	if err != nil || !ext.Present {
		return errors.New("input: no RECORD extension")
	}
	ctx, err := record.NewContextId(w.conn)
	if err != nil {
		return err
	}
	rng := record.Range{DeviceEvents: record.Range8{First: xproto.KeyPress, Last: xproto.MotionNotify}}
	if err := record.CreateContextChecked(w.conn, ctx, 0, 1, 1,
		[]record.ClientSpec{record.CsAllClients}, []record.Range{rng}).Check(); err != nil {
		return fmt.Errorf("input: RECORD context: %w", err)
	}
	rec, err := openRecordStream(display, ext.MajorOpcode, uint32(ctx))
	if err != nil {
		record.FreeContext(w.conn, ctx)
		return err
	}
	w.rec, w.recCtx = rec, ctx
	w.recOn.Store(true)
	w.wg.Add(1)
	go func() {
		defer w.wg.Done()
		err := rec.run(w.recorded)
		w.recOn.Store(false)
		if err == nil {
			err = errors.New("input: RECORD stream ended")
		}
		w.recMu.Lock()
		w.recErr = err
		w.recMu.Unlock()
	}()
	return nil
}

// recorded handles one device event reported by RECORD (32 bytes, in the
// byte order of our little-endian connection).
func (w *LocalActivity) recorded(ev []byte) {
	switch ev[0] & 0x7f {
	case xproto.MotionNotify:
		p := image.Pt(int(int16(binary.LittleEndian.Uint16(ev[20:]))), int(int16(binary.LittleEndian.Uint16(ev[22:]))))
		if !w.src.ownMotion(p) {
			w.src.local("pointer")
		}
	case xproto.KeyPress:
		if !w.src.takePress(pressKey) {
			w.src.local("keyboard")
		}
	case xproto.ButtonPress:
		if !w.src.takePress(pressButton) {
			w.src.local("mouse button")
		}
	}
}

func (w *LocalActivity) poll() {
	defer w.wg.Done()
	t := time.NewTicker(w.interval)
	defer t.Stop()
	var (
		last    image.Point
		have    bool
		seenGen uint64
	)
	for {
		select {
		case <-w.stop:
			return
		case <-t.C:
		}
		s1 := w.src.moveState()
		if s1.busy {
			continue
		}
		rep, err := xproto.QueryPointer(w.conn, w.root).Reply()
		if err != nil {
			select {
			case <-w.stop:
			default:
				w.src.lost(err)
			}
			return
		}
		s2 := w.src.moveState()
		if s2.busy || s2.gen != s1.gen {
			continue // an injection overlapped the query
		}
		if !rep.SameScreen {
			continue
		}
		p := image.Pt(int(rep.RootX), int(rep.RootY))
		if s1.gen != seenGen {
			seenGen = s1.gen
			last, have = s1.expected, true
		}
		if have && p != last {
			w.src.local("pointer")
		}
		last, have = p, true
	}
}

// Close stops watching.
func (w *LocalActivity) Close() error {
	w.once.Do(func() {
		close(w.stop)
		if w.rec != nil {
			record.FreeContext(w.conn, w.recCtx)
			w.rec.Close()
		}
		w.wg.Wait()
	})
	return nil
}
