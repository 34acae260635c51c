package gui

import (
	"strings"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/canvas"
	"fyne.io/fyne/v2/widget"
)

// screenArea shows the customer's screen scaled to fit and, while input is
// on, turns clicks, the wheel and keys into positions and key names of the
// customer's screen. It never touches the network: the On… callbacks do.
type screenArea struct {
	widget.BaseWidget
	img   *canvas.Image
	back  *canvas.Rectangle
	input bool // forward input (control granted and not left)

	OnClick  func(x, y int, button string)
	OnScroll func(dy int)
	OnKey    func(combo string)
	OnType   func(text string)
}

var (
	_ fyne.Tappable          = (*screenArea)(nil)
	_ fyne.SecondaryTappable = (*screenArea)(nil)
	_ fyne.Focusable         = (*screenArea)(nil)
	_ fyne.Scrollable        = (*screenArea)(nil)
)

func newScreenArea() *screenArea {
	a := &screenArea{back: canvas.NewRectangle(screenBackdrp)}
	a.img = canvas.NewImageFromImage(blankScreen)
	a.img.FillMode = canvas.ImageFillContain
	a.img.ScaleMode = canvas.ImageScaleSmooth
	a.ExtendBaseWidget(a)
	return a
}

func (a *screenArea) CreateRenderer() fyne.WidgetRenderer {
	return widget.NewSimpleRenderer(&fyne.Container{Layout: stackLayout{}, Objects: []fyne.CanvasObject{a.back, a.img}})
}

type stackLayout struct{}

func (stackLayout) Layout(objs []fyne.CanvasObject, size fyne.Size) {
	for _, o := range objs {
		o.Resize(size)
		o.Move(fyne.NewPos(0, 0))
	}
}
func (stackLayout) MinSize([]fyne.CanvasObject) fyne.Size { return fyne.NewSize(320, 200) }

// toScreen maps a position in the widget to a pixel of the customer's
// screen; ok is false outside the picture.
func (a *screenArea) toScreen(p fyne.Position) (x, y int, ok bool) {
	if a.img.Image == nil || a.img.Image == blankScreen {
		return 0, 0, false
	}
	b := a.img.Image.Bounds()
	iw, ih := float32(b.Dx()), float32(b.Dy())
	sz := a.Size()
	if iw <= 0 || ih <= 0 || sz.Width <= 0 || sz.Height <= 0 {
		return 0, 0, false
	}
	scale := min(sz.Width/iw, sz.Height/ih)
	offX, offY := (sz.Width-iw*scale)/2, (sz.Height-ih*scale)/2
	fx, fy := (p.X-offX)/scale, (p.Y-offY)/scale
	if fx < 0 || fy < 0 || fx >= iw || fy >= ih {
		return 0, 0, false
	}
	return int(fx), int(fy), true
}

func (a *screenArea) click(p fyne.Position, button string) {
	if c := fyne.CurrentApp().Driver().CanvasForObject(a); c != nil {
		c.Focus(a)
	}
	if !a.input || a.OnClick == nil {
		return
	}
	if x, y, ok := a.toScreen(p); ok {
		a.OnClick(x, y, button)
	}
}

func (a *screenArea) Tapped(ev *fyne.PointEvent)          { a.click(ev.Position, "left") }
func (a *screenArea) TappedSecondary(ev *fyne.PointEvent) { a.click(ev.Position, "right") }

func (a *screenArea) Scrolled(ev *fyne.ScrollEvent) {
	if !a.input || a.OnScroll == nil || ev.Scrolled.DY == 0 {
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
func (a *screenArea) FocusLost()   {}

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
		a.OnKey(name)
	}
}

// TypedShortcut sends Ctrl/Alt/Super combinations (Ctrl+C, Ctrl+A, …) to
// the customer instead of this console.
func (a *screenArea) TypedShortcut(s fyne.Shortcut) {
	if !a.input || a.OnKey == nil {
		return
	}
	var mod fyne.KeyModifier
	var key fyne.KeyName
	switch sc := s.(type) {
	case interface {
		Key() fyne.KeyName
		Mod() fyne.KeyModifier
	}:
		key, mod = sc.Key(), sc.Mod()
	default:
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
