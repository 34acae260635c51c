//go:build linux

package capture

import (
	"context"
	"errors"
	"fmt"
	"image"
	"os"
	"sort"
	"sync"
	"sync/atomic"
	"time"

	"github.com/jezek/xgb"
	"github.com/jezek/xgb/damage"
	"github.com/jezek/xgb/randr"
	"github.com/jezek/xgb/shm"
	"github.com/jezek/xgb/xfixes"
	"github.com/jezek/xgb/xinerama"
	"github.com/jezek/xgb/xproto"
	"golang.org/x/sys/unix"
)

// maxRects is how many damaged rectangles are fetched one GetImage each;
// beyond that their bounding box is grabbed in one request.
const maxRects = 16

// X11 captures an X11 screen (or part of it) through one persistent
// connection and one MIT-SHM segment, with XDamage telling what changed.
// When MIT-SHM cannot be used (a remote X server, a server in another IPC
// namespace) it falls back to plain GetImage on the same connection; without
// XDamage every Capture is a full grab and Wait polls.
//
// Capture, Wait and Close may be called from different goroutines.
type X11 struct {
	mu      sync.Mutex // serialises Capture and Close
	conn    *xgb.Conn
	root    xproto.Window
	rootW   int
	rootH   int
	region  image.Rectangle // captured area, root coordinates
	format  pixelFormat
	closed  bool
	lastDst *image.RGBA

	// MIT-SHM
	useShm  bool
	seg     shm.Seg
	shmData []byte

	// XDamage
	useDamage bool
	dmg       damage.Damage
	parts     xfixes.Region

	// Written by the event loop, read by Capture and Wait.
	ev       sync.Mutex
	pending  bool  // damage reported since the last Capture
	needFull bool  // next Capture grabs everything
	evErr    error // ErrScreenChanged, or an X error from an unchecked request
	lost     error // the connection is gone
	wake     chan struct{}
	gone     chan struct{} // closed when the event loop has ended

	grabs atomic.Int64 // GetImage requests sent (for tests)
}

var _ Source = (*X11)(nil)

// connect opens an X connection, turning xgb's errors (and panics on odd
// display strings) into messages that name the display.
func connect(display string) (conn *xgb.Conn, name string, err error) {
	name = display
	if name == "" {
		name = os.Getenv("DISPLAY")
		if name == "" {
			return nil, "", ErrNoDisplay
		}
	}
	defer func() {
		if r := recover(); r != nil {
			conn, err = nil, fmt.Errorf("cannot connect to X display %s: %v", name, r)
		}
	}()
	conn, err = xgb.NewConnDisplay(name)
	if err != nil {
		return nil, name, fmt.Errorf("cannot connect to X display %s: %w", name, err)
	}
	return conn, name, nil
}

// OpenX11 starts capturing region of the X display (an empty display means
// $DISPLAY). An empty region captures the whole root window, i.e. all
// monitors as one virtual screen; otherwise region is clipped to the root
// window (pass a Monitor's Bounds to capture one monitor).
func OpenX11(display string, region image.Rectangle) (*X11, error) {
	conn, name, err := connect(display)
	if err != nil {
		return nil, err
	}
	x, err := openX11(conn, region)
	if err != nil {
		conn.Close()
		return nil, fmt.Errorf("capture: X display %s: %w", name, err)
	}
	return x, nil
}

func openX11(conn *xgb.Conn, region image.Rectangle) (*X11, error) {
	setup := xproto.Setup(conn)
	screen := setup.DefaultScreen(conn)
	x := &X11{
		conn:     conn,
		root:     screen.Root,
		rootW:    int(screen.WidthInPixels),
		rootH:    int(screen.HeightInPixels),
		needFull: true,
		wake:     make(chan struct{}, 1),
		gone:     make(chan struct{}),
	}

	// Pixel layout of the root window's images.
	x.format.msbFirst = setup.ImageByteOrder == xproto.ImageOrderMSBFirst
	for _, pf := range setup.PixmapFormats {
		if pf.Depth == screen.RootDepth {
			x.format.bpp, x.format.pad = int(pf.BitsPerPixel), int(pf.ScanlinePad)
		}
	}
	for _, d := range screen.AllowedDepths {
		for _, v := range d.Visuals {
			if v.VisualId == screen.RootVisual {
				if v.Class != xproto.VisualClassTrueColor && v.Class != xproto.VisualClassDirectColor {
					return nil, fmt.Errorf("unsupported root visual class %d (depth %d); only TrueColor screens can be captured", v.Class, screen.RootDepth)
				}
				x.format.rMask, x.format.gMask, x.format.bMask = v.RedMask, v.GreenMask, v.BlueMask
			}
		}
	}
	if err := x.format.validate(); err != nil {
		return nil, err
	}

	rootRect := image.Rect(0, 0, x.rootW, x.rootH)
	if region.Empty() {
		x.region = rootRect
	} else {
		x.region = region.Intersect(rootRect)
		if x.region.Empty() {
			return nil, fmt.Errorf("region %v is outside the screen %v", region, rootRect)
		}
	}

	x.initShm()
	x.initDamage()
	// Learn about resizes (RandR) so Capture can say so instead of failing
	// with BadMatch. Selecting StructureNotify on the root is not exclusive.
	if err := xproto.ChangeWindowAttributesChecked(conn, x.root, xproto.CwEventMask,
		[]uint32{xproto.EventMaskStructureNotify}).Check(); err != nil {
		x.releaseServerSide()
		return nil, fmt.Errorf("select root events: %w", err)
	}
	go x.events()
	return x, nil
}

// initShm creates the one shared segment: private, mode 0600 (the X server
// grants access because we are its owner; kbinani/screenshot uses 0777,
// readable by every local user), attached by both sides, then marked for
// removal at once so the kernel frees it when both detach, even if the
// agent or the server crashes.
func (x *X11) initShm() {
	if err := shm.Init(x.conn); err != nil {
		return
	}
	size := x.format.stride(x.region.Dx()) * x.region.Dy()
	id, err := unix.SysvShmGet(unix.IPC_PRIVATE, size, unix.IPC_CREAT|0o600)
	if err != nil {
		return
	}
	defer unix.SysvShmCtl(id, unix.IPC_RMID, nil) // both sides attached (or failed) by then
	data, err := unix.SysvShmAttach(id, 0, 0)
	if err != nil {
		return
	}
	seg, err := shm.NewSegId(x.conn)
	if err == nil {
		// Checked, so the server has attached before IPC_RMID (Linux still
		// lets a removed segment be attached; other kernels do not).
		err = shm.AttachChecked(x.conn, seg, uint32(id), false).Check()
	}
	if err != nil {
		unix.SysvShmDetach(data)
		return
	}
	x.useShm, x.seg, x.shmData = true, seg, data
}

// initDamage creates a DAMAGE object on the root window reporting
// NonEmpty: one event when the damaged region goes from empty to non-empty,
// never a flood. Capture then swaps the region out atomically
// (DamageSubtract into an XFIXES region) and fetches its rectangles.
func (x *X11) initDamage() {
	if xfixes.Init(x.conn) != nil || damage.Init(x.conn) != nil {
		return
	}
	// Both extensions refuse requests from clients that have not announced
	// the version they speak.
	if _, err := xfixes.QueryVersion(x.conn, 5, 0).Reply(); err != nil {
		return
	}
	if _, err := damage.QueryVersion(x.conn, 1, 1).Reply(); err != nil {
		return
	}
	parts, err := xfixes.NewRegionId(x.conn)
	if err != nil {
		return
	}
	if xfixes.CreateRegionChecked(x.conn, parts, nil).Check() != nil {
		return
	}
	dmg, err := damage.NewDamageId(x.conn)
	if err != nil {
		xfixes.DestroyRegion(x.conn, parts)
		return
	}
	if damage.CreateChecked(x.conn, dmg, xproto.Drawable(x.root), damage.ReportLevelNonEmpty).Check() != nil {
		xfixes.DestroyRegion(x.conn, parts)
		return
	}
	x.useDamage, x.dmg, x.parts = true, dmg, parts
}

// events reads everything the server sends on the connection (xgb stops
// reading replies too if nobody drains events), until it is closed.
func (x *X11) events() {
	defer close(x.gone)
	for {
		ev, xerr := x.conn.WaitForEvent()
		if ev == nil && xerr == nil {
			x.ev.Lock()
			if x.lost == nil {
				x.lost = errors.New("capture: connection to the X server lost")
			}
			x.ev.Unlock()
			return
		}
		x.ev.Lock()
		switch e := ev.(type) {
		case damage.NotifyEvent:
			x.pending = true
		case xproto.ConfigureNotifyEvent:
			if e.Window == x.root && (int(e.Width) != x.rootW || int(e.Height) != x.rootH) {
				x.evErr = ErrScreenChanged
			}
		}
		if xerr != nil && x.evErr == nil {
			x.evErr = fmt.Errorf("capture: X error: %v", xerr)
		}
		x.ev.Unlock()
		select {
		case x.wake <- struct{}{}:
		default:
		}
	}
}

// Bounds returns the captured area in root window coordinates.
func (x *X11) Bounds() image.Rectangle { return x.region }

// NewImage returns an image the size of the captured area.
func (x *X11) NewImage() *image.RGBA {
	return image.NewRGBA(image.Rect(0, 0, x.region.Dx(), x.region.Dy()))
}

// UsesShm reports whether frames come through the MIT-SHM segment.
func (x *X11) UsesShm() bool { return x.useShm }

// UsesDamage reports whether XDamage tells what changed.
func (x *X11) UsesDamage() bool { return x.useDamage }

// Capture updates dst (see Source.Capture). When the X server has reported
// no damage since the previous Capture it returns at once, without a
// request to the server.
func (x *X11) Capture(dst *image.RGBA) ([]image.Rectangle, error) {
	x.mu.Lock()
	defer x.mu.Unlock()
	if x.closed {
		return nil, ErrClosed
	}
	if err := checkDst(dst, x.region.Size()); err != nil {
		return nil, err
	}

	x.ev.Lock()
	lost, evErr := x.lost, x.evErr
	x.evErr = nil
	pending := x.pending
	full := x.needFull || dst != x.lastDst || !x.useDamage
	// Cleared before the damage is reset below: damage drawn after the
	// reset reports again; damage from before it is in this grab.
	x.pending, x.needFull = false, false
	x.ev.Unlock()
	if lost != nil {
		return nil, lost
	}
	if evErr != nil {
		if errors.Is(evErr, ErrScreenChanged) {
			x.ev.Lock()
			x.evErr = evErr // sticky: the capturer must be reopened
			x.ev.Unlock()
		}
		x.setNeedFull()
		return nil, evErr
	}

	var rects []image.Rectangle // relative to region.Min
	if full {
		if x.useDamage {
			damage.Subtract(x.conn, x.dmg, 0, 0)
		}
		rects = []image.Rectangle{image.Rect(0, 0, x.region.Dx(), x.region.Dy())}
	} else {
		if !pending {
			return nil, nil
		}
		damage.Subtract(x.conn, x.dmg, 0, x.parts) // parts = damage; damage = empty
		reply, err := xfixes.FetchRegion(x.conn, x.parts).Reply()
		if err != nil {
			x.setNeedFull()
			return nil, fmt.Errorf("capture: fetch damage: %w", err)
		}
		for _, r := range reply.Rectangles {
			rr := image.Rect(int(r.X), int(r.Y), int(r.X)+int(r.Width), int(r.Y)+int(r.Height)).Intersect(x.region)
			if !rr.Empty() {
				rects = append(rects, rr.Sub(x.region.Min))
			}
		}
		if len(rects) == 0 {
			return nil, nil // damage outside our region (or already grabbed)
		}
		if len(rects) > maxRects || (x.useShm && x.shmNeed(rects) > len(x.shmData)) {
			rects = []image.Rectangle{bbox(rects)}
		}
	}

	if err := x.grab(dst, rects); err != nil {
		x.setNeedFull()
		return nil, err
	}
	x.lastDst = dst
	if dst.Rect.Min != (image.Point{}) {
		for i := range rects {
			rects[i] = rects[i].Add(dst.Rect.Min)
		}
	}
	return rects, nil
}

func (x *X11) setNeedFull() {
	x.ev.Lock()
	x.needFull = true
	x.ev.Unlock()
}

func (x *X11) shmNeed(rects []image.Rectangle) int {
	n := 0
	for _, r := range rects {
		n += x.format.stride(r.Dx()) * r.Dy()
	}
	return n
}

func bbox(rects []image.Rectangle) image.Rectangle {
	b := rects[0]
	for _, r := range rects[1:] {
		b = b.Union(r)
	}
	return b
}

// grab fetches rects (relative to the region) and converts them into dst.
// All requests are sent before the first reply is awaited.
func (x *X11) grab(dst *image.RGBA, rects []image.Rectangle) error {
	root := xproto.Drawable(x.root)
	if x.useShm {
		cookies := make([]shm.GetImageCookie, len(rects))
		offs := make([]int, len(rects))
		off := 0
		for i, r := range rects {
			offs[i] = off
			cookies[i] = shm.GetImage(x.conn, root,
				int16(x.region.Min.X+r.Min.X), int16(x.region.Min.Y+r.Min.Y),
				uint16(r.Dx()), uint16(r.Dy()), 0xffffffff,
				xproto.ImageFormatZPixmap, x.seg, uint32(off))
			x.grabs.Add(1)
			off += x.format.stride(r.Dx()) * r.Dy()
		}
		var firstErr error
		for i, r := range rects {
			if _, err := cookies[i].Reply(); err != nil {
				if firstErr == nil {
					firstErr = fmt.Errorf("capture: shm GetImage %v: %w", r, err)
				}
				continue
			}
			x.put(dst, r, x.shmData[offs[i]:])
		}
		return firstErr
	}

	cookies := make([]xproto.GetImageCookie, len(rects))
	for i, r := range rects {
		cookies[i] = xproto.GetImage(x.conn, xproto.ImageFormatZPixmap, root,
			int16(x.region.Min.X+r.Min.X), int16(x.region.Min.Y+r.Min.Y),
			uint16(r.Dx()), uint16(r.Dy()), 0xffffffff)
		x.grabs.Add(1)
	}
	var firstErr error
	for i, r := range rects {
		reply, err := cookies[i].Reply()
		if err != nil {
			if firstErr == nil {
				firstErr = fmt.Errorf("capture: GetImage %v: %w", r, err)
			}
			continue
		}
		if len(reply.Data) < x.format.stride(r.Dx())*r.Dy() {
			if firstErr == nil {
				firstErr = fmt.Errorf("capture: GetImage %v: short reply (%d bytes)", r, len(reply.Data))
			}
			continue
		}
		x.put(dst, r, reply.Data)
	}
	return firstErr
}

// put converts the packed image of r (relative to the region and to dst's
// origin) into dst.
func (x *X11) put(dst *image.RGBA, r image.Rectangle, src []byte) {
	off := r.Min.Y*dst.Stride + r.Min.X*4
	x.format.convert(dst.Pix[off:], dst.Stride, src, x.format.stride(r.Dx()), r.Dx(), r.Dy())
}

// Wait blocks until the X server reports damage (or the next Capture must be
// a full one), ctx is done, or the connection fails. It reads nothing itself:
// the event loop wakes it, so an idle screen costs nothing. Without XDamage
// it returns every pollInterval.
func (x *X11) Wait(ctx context.Context) error {
	if !x.useDamage {
		x.ev.Lock()
		full, lost := x.needFull, x.lost
		x.ev.Unlock()
		if lost != nil {
			return lost
		}
		if full {
			return nil
		}
		return sleep(ctx, pollInterval)
	}
	for {
		x.ev.Lock()
		ready, lost, evErr := x.pending || x.needFull, x.lost, x.evErr
		x.ev.Unlock()
		switch {
		case lost != nil:
			return lost
		case evErr != nil:
			return evErr
		case ready:
			return nil
		}
		select {
		case <-x.wake:
		case <-x.gone:
		case <-ctx.Done():
			return ctx.Err()
		}
	}
}

// Close frees the damage object, detaches the shared segment on both sides
// (it was already marked for removal, so the kernel frees it now) and closes
// the connection.
func (x *X11) Close() error {
	x.mu.Lock()
	defer x.mu.Unlock()
	if x.closed {
		return nil
	}
	x.closed = true
	x.ev.Lock()
	if x.lost == nil {
		x.lost = ErrClosed
	}
	x.ev.Unlock()
	x.releaseServerSide()
	x.conn.Close() // flushes the requests above
	select {
	case <-x.gone:
	case <-time.After(2 * time.Second):
	}
	if x.shmData != nil {
		unix.SysvShmDetach(x.shmData)
		x.shmData = nil
	}
	return nil
}

func (x *X11) releaseServerSide() {
	if x.useDamage {
		damage.Destroy(x.conn, x.dmg)
		xfixes.DestroyRegion(x.conn, x.parts)
	}
	if x.useShm {
		shm.Detach(x.conn, x.seg)
	}
}

// Monitors lists the monitors of an X display (empty means $DISPLAY), the
// primary first, in root window coordinates.
//
// It talks RandR 1.5 (GetMonitors) through xgb itself rather than using
// kbinani/screenshot's enumeration: that one opens $DISPLAY only (the agent
// would have to change its process environment, racy with other goroutines,
// to pick a display), reads Xinerama, which has no notion of the primary
// monitor, and returns bounds relative to the first screen instead of the
// root coordinates OpenX11 needs. Xinerama is still the fallback for old
// servers, then the whole root window.
func Monitors(display string) ([]Monitor, error) {
	conn, _, err := connect(display)
	if err != nil {
		return nil, err
	}
	defer conn.Close()
	screen := xproto.Setup(conn).DefaultScreen(conn)
	mons := monitorsRandR(conn, screen.Root)
	if len(mons) == 0 {
		mons = monitorsXinerama(conn)
	}
	if len(mons) == 0 {
		mons = []Monitor{{Bounds: image.Rect(0, 0, int(screen.WidthInPixels), int(screen.HeightInPixels)), Primary: true}}
	}
	sort.SliceStable(mons, func(i, j int) bool {
		a, b := mons[i], mons[j]
		if a.Primary != b.Primary {
			return a.Primary
		}
		if a.Bounds.Min.Y != b.Bounds.Min.Y {
			return a.Bounds.Min.Y < b.Bounds.Min.Y
		}
		return a.Bounds.Min.X < b.Bounds.Min.X
	})
	for i := range mons {
		mons[i].Index = i
	}
	return mons, nil
}

func monitorsRandR(conn *xgb.Conn, root xproto.Window) []Monitor {
	if randr.Init(conn) != nil {
		return nil
	}
	v, err := randr.QueryVersion(conn, 1, 5).Reply()
	if err != nil || v.MajorVersion < 1 || (v.MajorVersion == 1 && v.MinorVersion < 5) {
		return nil
	}
	reply, err := randr.GetMonitors(conn, root, true).Reply()
	if err != nil {
		return nil
	}
	var mons []Monitor
	firstReal := -1 // first monitor backed by an output
	for _, m := range reply.Monitors {
		r := image.Rect(int(m.X), int(m.Y), int(m.X)+int(m.Width), int(m.Y)+int(m.Height))
		if r.Empty() {
			continue
		}
		if firstReal < 0 && m.NOutput > 0 {
			firstReal = len(mons)
		}
		mons = append(mons, Monitor{Bounds: r, Primary: m.Primary})
	}
	if len(mons) > 0 && !hasPrimary(mons) {
		// No primary output set (Xvfb, some bare X sessions): the first
		// real output's monitor, as desktops treat it.
		mons[max(firstReal, 0)].Primary = true
	}
	return mons
}

func monitorsXinerama(conn *xgb.Conn) []Monitor {
	if xinerama.Init(conn) != nil {
		return nil
	}
	reply, err := xinerama.QueryScreens(conn).Reply()
	if err != nil {
		return nil
	}
	var mons []Monitor
	for i, s := range reply.ScreenInfo {
		r := image.Rect(int(s.XOrg), int(s.YOrg), int(s.XOrg)+int(s.Width), int(s.YOrg)+int(s.Height))
		if !r.Empty() {
			mons = append(mons, Monitor{Bounds: r, Primary: i == 0})
		}
	}
	return mons
}

func hasPrimary(mons []Monitor) bool {
	for _, m := range mons {
		if m.Primary {
			return true
		}
	}
	return false
}
