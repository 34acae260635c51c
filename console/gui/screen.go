package gui

import (
	"image"
	"math"
	"strings"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/canvas"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/driver/desktop"

	"lifeline/shared/screenview"
)

// moveInterval is the least time between two pointer moves sent: about
// one per frame at the 30 fps the screen is shown at. Moves in between
// are merged; the last one is sent when the interval is over.
const moveInterval = 30 * time.Millisecond

// The leave-control shortcut, Ctrl+Shift+F12, is kept by the console and
// never sent to the customer, so that the CSR can always get the keyboard
// back without reaching for the mouse (the Leave Control button does the
// same). F12 with Ctrl+Shift is rarely bound by applications, and a
// combination (not a bare key) cannot be hit by accident while typing.
const (
	leaveKey = fyne.KeyF12
	leaveMod = fyne.KeyModifierControl | fyne.KeyModifierShift
)

// leaveShortcutHint tells the CSR about the leave-control shortcut, for
// the sharing window to show while input is forwarded.
const leaveShortcutHint = "Ctrl+Shift+F12 leaves control"

// screenArea shows the customer's screen, scaled to fit or at its own
// size (the drawing is screenview.View's, shared with the agent's window
// for a secondary customer), and, while input is on, turns the pointer,
// the wheel and keys into positions and key names of the customer's
// screen. It never touches the network: the On… callbacks do, and they are
// all called on the UI thread.
//
// Pictures are handed over with SetFrame, which returns the picture shown
// before for the next frame to be copied into (see screenview.View).
type screenArea struct {
	screenview.View
	// img and bars are the View's picture and backdrop (screenview.View's
	// Image and Bars), under the names this package's tests use.
	img  *canvas.Image
	bars [4]*canvas.Rectangle

	input  bool              // forward input (control granted and not left)
	scroll *container.Scroll // made by scrollView

	held    desktop.MouseButton // buttons pressed on the customer's side
	last    image.Point         // the last pointer position sent
	hasLast bool
	moved   time.Time // when the last move was sent
	pending *image.Point
	timer   *time.Timer
	timerN  int // counts timers, so that one stopped too late does nothing

	shiftKey // Shift+Tab or Shift+arrows must reach the customer as such

	// now and afterFunc are time.Now and time.AfterFunc, replaced by tests.
	now       func() time.Time
	afterFunc func(time.Duration, func()) *time.Timer

	// OnClick is a click (press and release) of "left", "right" or
	// "middle". When OnButton is set, presses and releases go there
	// instead and OnClick is not called.
	OnClick func(x, y int, button string)
	// OnButton, if set, receives each press (down) and release of a
	// button, so that the CSR can drag on the customer's screen. A button
	// held when the pointer leaves the picture is released there.
	OnButton func(x, y int, button string, down bool)
	// OnMove is the pointer moving over the picture, at most every
	// moveInterval (the latest position is always sent).
	OnMove   func(x, y int)
	OnScroll func(dy int)
	OnKey    func(combo string)
	OnType   func(text string)
	// OnLeave is the leave-control shortcut (leaveShortcutHint), pressed
	// while input is forwarded; the caller turns input off.
	OnLeave func()
}

var (
	_ fyne.Tappable          = (*screenArea)(nil)
	_ fyne.SecondaryTappable = (*screenArea)(nil)
	_ fyne.Focusable         = (*screenArea)(nil)
	_ fyne.Scrollable        = (*screenArea)(nil)
	_ fyne.Tabbable          = (*screenArea)(nil)
	_ desktop.Hoverable      = (*screenArea)(nil)
	_ desktop.Mouseable      = (*screenArea)(nil)
	_ desktop.Keyable        = (*screenArea)(nil)
)

func newScreenArea() *screenArea {
	a := &screenArea{now: time.Now, afterFunc: time.AfterFunc}
	a.Extend(a, screenBackdrp)
	a.img, a.bars = a.Image(), a.Bars()
	return a
}

// scrollView returns a container.Scroll holding the area, made once; put
// it in the window instead of the area itself. In fit mode it never
// scrolls; at 1:1 it scrolls around a picture larger than the window,
// with the scroll bars, and with the wheel while input is not forwarded
// (the area receives the wheel first, being inside, and passes it on).
func (a *screenArea) scrollView() *container.Scroll {
	if a.scroll == nil {
		a.scroll = container.NewScroll(a)
	}
	return a.scroll
}

// picture is the size of the picture shown, zero while there is none.
func (a *screenArea) picture() image.Point { return a.Picture() }

// pictureRect is where a picture of px pixels is drawn (see
// screenview.PictureRect).
func pictureRect(area fyne.Size, px image.Point, scale float32, fit bool) (fyne.Position, fyne.Size) {
	return screenview.PictureRect(area, px, scale, fit)
}

// toScreen maps a position in the widget to a pixel of the customer's
// screen; ok is false outside the picture.
func (a *screenArea) toScreen(p fyne.Position) (x, y int, ok bool) {
	fx, fy, px, ok := a.toPicture(p)
	if !ok || fx < 0 || fy < 0 || fx >= float32(px.X) || fy >= float32(px.Y) {
		return 0, 0, false
	}
	return int(fx), int(fy), true
}

// toScreenClamped is toScreen with positions outside the picture moved to
// its nearest edge, for releasing a button dragged out of it.
func (a *screenArea) toScreenClamped(p fyne.Position) (x, y int, ok bool) {
	fx, fy, px, ok := a.toPicture(p)
	if !ok {
		return 0, 0, false
	}
	return clampInt(int(math.Floor(float64(fx))), 0, px.X-1), clampInt(int(math.Floor(float64(fy))), 0, px.Y-1), true
}

// toPicture maps a position in the widget to picture coordinates, not
// bounded by the picture; ok is false when there is no picture.
func (a *screenArea) toPicture(p fyne.Position) (fx, fy float32, px image.Point, ok bool) {
	px = a.picture()
	pos, sz := pictureRect(a.Size(), px, a.CanvasScale(), a.Fit())
	if sz.Width <= 0 || sz.Height <= 0 {
		return 0, 0, px, false
	}
	fx = (p.X - pos.X) / sz.Width * float32(px.X)
	fy = (p.Y - pos.Y) / sz.Height * float32(px.Y)
	return fx, fy, px, true
}

func clampInt(v, lo, hi int) int { return max(lo, min(v, hi)) }

func (a *screenArea) focus() {
	if c := fyne.CurrentApp().Driver().CanvasForObject(a); c != nil {
		c.Focus(a)
	}
}

func (a *screenArea) click(p fyne.Position, button string) {
	a.focus()
	if !a.input || a.OnClick == nil || a.OnButton != nil {
		return // with OnButton, MouseDown and MouseUp sent this click
	}
	if x, y, ok := a.toScreen(p); ok {
		a.cancelMove()
		a.OnClick(x, y, button)
	}
}

func (a *screenArea) Tapped(ev *fyne.PointEvent)          { a.click(ev.Position, "left") }
func (a *screenArea) TappedSecondary(ev *fyne.PointEvent) { a.click(ev.Position, "right") }

func buttonName(b desktop.MouseButton) string {
	switch b {
	case desktop.MouseButtonPrimary:
		return "left"
	case desktop.MouseButtonSecondary:
		return "right"
	case desktop.MouseButtonTertiary:
		return "middle"
	}
	return ""
}

// MouseDown presses a button on the customer's side (with OnButton).
func (a *screenArea) MouseDown(ev *desktop.MouseEvent) {
	name := buttonName(ev.Button)
	if !a.input || a.OnButton == nil || name == "" || a.held&ev.Button != 0 {
		return
	}
	if x, y, ok := a.toScreen(ev.Position); ok {
		a.cancelMove()
		a.held |= ev.Button
		a.last, a.hasLast = image.Pt(x, y), true
		a.OnButton(x, y, name, true)
	}
}

// MouseUp releases a button pressed by MouseDown. Without OnButton it
// sends middle clicks, which Fyne reports as no tap.
func (a *screenArea) MouseUp(ev *desktop.MouseEvent) {
	name := buttonName(ev.Button)
	if name == "" {
		return
	}
	if a.OnButton == nil {
		if ev.Button == desktop.MouseButtonTertiary && a.input && a.OnClick != nil {
			if x, y, ok := a.toScreen(ev.Position); ok {
				a.cancelMove()
				a.OnClick(x, y, name)
			}
		}
		return
	}
	if a.held&ev.Button == 0 {
		return
	}
	a.held &^= ev.Button
	x, y, ok := a.toScreenClamped(ev.Position)
	if !ok {
		x, y = a.last.X, a.last.Y
	}
	a.cancelMove()
	a.OnButton(x, y, name, false)
}

// releaseAll releases every button still held on the customer's side, at
// the last position sent: the release would otherwise never come when the
// pointer leaves the picture with a button down.
func (a *screenArea) releaseAll() {
	for _, b := range []desktop.MouseButton{desktop.MouseButtonPrimary, desktop.MouseButtonSecondary, desktop.MouseButtonTertiary} {
		if a.held&b == 0 {
			continue
		}
		a.held &^= b
		if a.OnButton != nil {
			a.OnButton(a.last.X, a.last.Y, buttonName(b), false)
		}
	}
}

func (a *screenArea) MouseIn(ev *desktop.MouseEvent)    { a.MouseMoved(ev) }
func (a *screenArea) MouseMoved(ev *desktop.MouseEvent) { a.move(ev.Position) }

func (a *screenArea) MouseOut() {
	a.flushMove()
	a.releaseAll()
}

// move sends the pointer's position, or keeps it to send when
// moveInterval has passed since the last move sent.
func (a *screenArea) move(p fyne.Position) {
	if !a.input || a.OnMove == nil {
		return
	}
	x, y, ok := a.toScreen(p)
	if !ok {
		if a.held == 0 {
			return
		}
		x, y, _ = a.toScreenClamped(p) // dragging past the edge
	}
	pt := image.Pt(x, y)
	if a.hasLast && pt == a.last {
		a.pending = nil
		return
	}
	now := a.now()
	if wait := moveInterval - now.Sub(a.moved); wait > 0 {
		a.pending = &pt
		if a.timer == nil {
			a.timerN++
			n := a.timerN
			a.timer = a.afterFunc(wait, func() {
				fyne.Do(func() {
					if n == a.timerN { // not stopped meanwhile
						a.flushMove()
					}
				})
			})
		}
		return
	}
	a.sendMove(pt, now)
}

// flushMove sends the move kept back by move, if any.
func (a *screenArea) flushMove() {
	a.stopTimer()
	if a.pending == nil {
		return
	}
	pt := *a.pending
	a.pending = nil
	if a.input && a.OnMove != nil {
		a.sendMove(pt, a.now())
	}
}

func (a *screenArea) sendMove(pt image.Point, now time.Time) {
	a.last, a.hasLast, a.moved = pt, true, now
	a.OnMove(pt.X, pt.Y)
}

// cancelMove drops a kept-back move: clicks and buttons carry their own
// position, and a later stale move would pull the pointer back.
func (a *screenArea) cancelMove() {
	a.stopTimer()
	a.pending = nil
}

func (a *screenArea) stopTimer() {
	if a.timer != nil {
		a.timer.Stop()
		a.timer = nil
		a.timerN++
	}
}

// Scrolled turns the customer's wheel while input is forwarded, and
// otherwise scrolls the 1:1 view (see scrollView).
func (a *screenArea) Scrolled(ev *fyne.ScrollEvent) {
	if !a.input || a.OnScroll == nil {
		if a.scroll != nil {
			a.scroll.Scrolled(ev)
		}
		return
	}
	if ev.Scrolled.DY == 0 {
		return
	}
	dy := int(-ev.Scrolled.DY / 10)
	if dy == 0 {
		dy = 1
		if ev.Scrolled.DY > 0 {
			dy = -1
		}
	}
	a.OnScroll(max(-100, min(100, dy)))
}

func (a *screenArea) FocusGained() {}

func (a *screenArea) FocusLost() { a.shift = false }

// AcceptsTab keeps Tab for the customer while input is forwarded, instead
// of moving the focus to the console's next widget.
func (a *screenArea) AcceptsTab() bool { return a.input }

// shiftKey follows whether a Shift key is down, for a widget whose
// TypedKey must know: Fyne's TypedKey reports no modifiers. Embedded, its
// KeyDown and KeyUp make the widget a desktop.Keyable.
type shiftKey struct{ shift bool }

func (k *shiftKey) KeyDown(ev *fyne.KeyEvent) {
	if ev.Name == desktop.KeyShiftLeft || ev.Name == desktop.KeyShiftRight {
		k.shift = true
	}
}

func (k *shiftKey) KeyUp(ev *fyne.KeyEvent) {
	if ev.Name == desktop.KeyShiftLeft || ev.Name == desktop.KeyShiftRight {
		k.shift = false
	}
}

func (a *screenArea) TypedRune(r rune) {
	if a.input && a.OnType != nil {
		a.OnType(string(r))
	}
}

// keyNames are the keys that type no character, as the controller names
// them; printable keys arrive as runes.
var keyNames = map[fyne.KeyName]string{
	fyne.KeyReturn: "Return", fyne.KeyEnter: "Return", fyne.KeyTab: "Tab", fyne.KeyEscape: "Escape",
	fyne.KeyBackspace: "BackSpace", fyne.KeyDelete: "Delete", fyne.KeyInsert: "Insert",
	fyne.KeyHome: "Home", fyne.KeyEnd: "End", fyne.KeyPageUp: "Page_Up", fyne.KeyPageDown: "Page_Down",
	fyne.KeyUp: "Up", fyne.KeyDown: "Down", fyne.KeyLeft: "Left", fyne.KeyRight: "Right",
	fyne.KeyF1: "F1", fyne.KeyF2: "F2", fyne.KeyF3: "F3", fyne.KeyF4: "F4", fyne.KeyF5: "F5", fyne.KeyF6: "F6",
	fyne.KeyF7: "F7", fyne.KeyF8: "F8", fyne.KeyF9: "F9", fyne.KeyF10: "F10", fyne.KeyF11: "F11", fyne.KeyF12: "F12",
}

func (a *screenArea) TypedKey(ev *fyne.KeyEvent) {
	if !a.input || a.OnKey == nil {
		return
	}
	if name, ok := keyNames[ev.Name]; ok {
		if a.shift {
			name = "shift+" + name
		}
		a.OnKey(name)
	}
}

// TypedShortcut sends Ctrl/Alt/Super combinations (Ctrl+C, Ctrl+A, …) to
// the customer instead of this console, except the leave-control shortcut,
// which never leaves the console.
func (a *screenArea) TypedShortcut(s fyne.Shortcut) {
	sc, ok := s.(interface {
		Key() fyne.KeyName
		Mod() fyne.KeyModifier
	})
	if !ok {
		return
	}
	key, mod := sc.Key(), sc.Mod()
	if key == leaveKey && mod == leaveMod {
		if a.input {
			a.cancelMove()
			a.releaseAll()
			if a.OnLeave != nil {
				a.OnLeave()
			}
		}
		return
	}
	if !a.input || a.OnKey == nil {
		return
	}
	var parts []string
	if mod&fyne.KeyModifierControl != 0 {
		parts = append(parts, "ctrl")
	}
	if mod&fyne.KeyModifierAlt != 0 {
		parts = append(parts, "alt")
	}
	if mod&fyne.KeyModifierShift != 0 {
		parts = append(parts, "shift")
	}
	if mod&fyne.KeyModifierSuper != 0 {
		parts = append(parts, "super")
	}
	name, ok := keyNames[key]
	if !ok {
		name = strings.ToLower(string(key))
		if len([]rune(name)) != 1 {
			return
		}
	}
	a.OnKey(strings.Join(append(parts, name), "+"))
}
