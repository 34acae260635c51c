package gui

import (
	"image"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/canvas"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/driver"
	"fyne.io/fyne/v2/driver/desktop"
	"fyne.io/fyne/v2/theme"
	"fyne.io/fyne/v2/widget"
)

// bannerTitle is the banner window's title: not drawn (the window has no
// frame) but seen by window managers, task lists and screen readers, and
// used to find the window on X11 when the driver does not say its id.
const bannerTitle = "Lifeline — your screen is shared"

// bannerTopMargin is the gap between the top of the monitor and the banner.
const bannerTopMargin = 8

// stacker keeps a window above the others and places it, with the
// platform's own means (ontop_x11.go); where there are none it does
// nothing and the banner is an ordinary window that Fyne asked to float.
type stacker interface {
	// area is the primary monitor's rectangle, in pixels.
	area() (image.Rectangle, bool)
	// beforeShow runs before the window is mapped again.
	beforeShow(w fyne.Window)
	// afterShow runs once the window is mapped.
	afterShow(w fyne.Window)
	// hidden says the window was unmapped.
	hidden()
	// raise puts the window on top of the stack again.
	raise()
	close()
}

type noStacker struct{}

func (noStacker) area() (image.Rectangle, bool) { return image.Rectangle{}, false }
func (noStacker) beforeShow(fyne.Window)        {}
func (noStacker) afterShow(fyne.Window)         {}
func (noStacker) hidden()                       {}
func (noStacker) raise()                        {}
func (noStacker) close()                        {}

// banner is the small always-on-top window shown while anyone views or
// controls the screen. Used on the Fyne thread only.
type banner struct {
	win     fyne.Window
	content fyne.CanvasObject
	text    *widget.Label
	stop    *widget.Button
	visible bool
	stack   stacker
}

func newBanner(a fyne.App, onStop func()) *banner {
	b := &banner{stack: noStacker{}}
	if d, ok := a.Driver().(desktop.Driver); ok {
		b.win = d.CreateSplashWindow() // no frame, no title bar
	} else {
		b.win = a.NewWindow(bannerTitle)
	}
	b.win.SetTitle(bannerTitle)
	if dw, ok := b.win.(desktop.Window); ok {
		dw.RequestAlwaysOnTop() // GLFW "floating": _NET_WM_STATE_ABOVE where a window manager supports it
	}
	if _, ok := b.win.(driver.NativeWindow); ok {
		b.stack = newStacker(bannerTitle)
	}
	b.win.SetCloseIntercept(func() {}) // only Stop ends sharing
	b.text = widget.NewLabelWithStyle("", fyne.TextAlignLeading, fyne.TextStyle{Bold: true})
	b.stop = widget.NewButtonWithIcon("Stop", theme.MediaStopIcon(), onStop)
	b.stop.Importance = widget.DangerImportance
	eye := widget.NewIcon(theme.NewErrorThemedResource(theme.VisibilityIcon()))
	bg := canvas.NewRectangle(theme.Color(theme.ColorNameBackground))
	bg.StrokeColor = theme.Color(theme.ColorNameError)
	bg.StrokeWidth = 2
	b.content = container.NewStack(bg, container.NewPadded(
		container.NewBorder(nil, nil, container.NewCenter(eye), container.NewCenter(b.stop), b.text)))
	b.win.SetContent(b.content)
	b.win.SetFixedSize(true)
	return b
}

// show shows the banner with the sentence s, top centre of the screen.
func (b *banner) show(s string) {
	b.text.SetText(s)
	size := b.content.MinSize().Max(fyne.NewSize(360, 0))
	b.win.Resize(size)
	if b.visible {
		b.place(size)
		b.stack.raise()
		return
	}
	b.visible = true
	b.stack.beforeShow(b.win)
	b.win.Show()
	b.place(size)
	b.stack.afterShow(b.win)
}

// place moves the banner to the top centre of the primary monitor.
func (b *banner) place(size fyne.Size) {
	dw, ok := b.win.(desktop.Window)
	area, known := b.stack.area()
	if !ok || !known {
		return
	}
	scale := b.win.Canvas().Scale()
	w := int(size.Width*scale + 0.5)
	dw.RequestPosition(area.Min.X+(area.Dx()-w)/2, area.Min.Y+bannerTopMargin)
}

func (b *banner) hide() {
	if !b.visible {
		return
	}
	b.visible = false
	b.win.Hide()
	b.stack.hidden()
}

func (b *banner) raise() {
	if b.visible {
		b.stack.raise()
	}
}

func (b *banner) close() { b.stack.close() }
