package gui

import (
	"context"
	"image"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/canvas"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/theme"
	"fyne.io/fyne/v2/widget"

	"lifeline/agent/session"
	"lifeline/agent/terminal"
	"lifeline/shared/screenview"
)

// Watching (user guide: "all participants in the support session can
// view the shared software"): when another customer shares their screen,
// a secondary customer's agent shows it read-only in a window of its own,
// "Shared screen — Ann's computer", scaled to fit. The window opens with
// the first picture and closes when the sharing ends, with a sentence in
// the chat history. The customer may close it (for them only: the others
// keep watching) and open it again from the bar in the main window while
// the sharing lasts. Nothing in it reaches the other computer: it has no
// input, and the agent sends none (agent/session/watch.go).
//
// The picture is drawn by screenview.View, the console's viewer widget
// (GL scales the picture; frames are recycled): a pump polls the agent
// for a new frame at most watchFPS times a second, off the UI thread, and
// hands it over with fyne.Do.

// Watcher is what the window asks of the agent about a shared screen.
// *session.Agent satisfies it.
type Watcher interface {
	// WatchFrames counts the frames of the shared screen decoded so far,
	// cheaply: a new count means a new picture.
	WatchFrames() int64
	// WatchSnapshotInto copies the shared screen into dst when it has the
	// right size (else a new image) and says how many frames were
	// decoded so far; session.ErrNotWatching before the first.
	WatchSnapshotInto(dst *image.RGBA) (*image.RGBA, int64, error)
	// Watch opens the shared screen again; StopWatching closes it for
	// this customer only.
	Watch()
	StopWatching()
}

var _ Watcher = (*session.Agent)(nil)

// watchFPS bounds how often the pump looks for a new frame: the sharer
// sends at most 30 a second.
const watchFPS = 30

// watchWindowSize bounds the window the picture first opens in: it fits
// a 1366×768 display with the main window's top still in sight.
var watchWindowSize = fyne.NewSize(880, 560)

// watchUI is the shared screen's window and the main window's bar that
// opens it again. Used on the Fyne thread only.
type watchUI struct {
	u      *ui
	sharer string // the sharing customer's name; "" while nobody shares with us
	// pending is the last EventWatch that came while joining, shown once
	// joined (the pump needs the agent Start returns).
	pending *session.Event

	bar     *fyne.Container // in the main window, while the customer closed the picture
	barText *widget.Label
	open    *widget.Button

	win  fyne.Window // while watching
	view *screenview.View
	note *widget.Label
	stop *widget.Button // Stop Watching
	pump *framePump

	// startPump runs the pump; tests drive it step by step instead.
	startPump func(p *framePump)
}

// buildWatchBar makes the main window's bar: "Ann is sharing a screen"
// with a Watch button, shown while the customer does not watch.
func (u *ui) buildWatchBar() fyne.CanvasObject {
	w := &u.watch
	w.u = u
	w.startPump = func(p *framePump) { go p.run() }
	w.barText = wrapped("")
	w.open = widget.NewButtonWithIcon("Watch", theme.VisibilityIcon(), w.reopen)
	bg := canvas.NewRectangle(withAlpha(theme.Color(theme.ColorNamePrimary), 0x22))
	bg.CornerRadius = theme.InputRadiusSize()
	w.bar = container.NewStack(bg, container.NewBorder(nil, nil, nil, container.NewCenter(w.open), w.barText))
	w.bar.Hide()
	return w.bar
}

// showWatch follows the agent's EventWatch.
func (u *ui) showWatch(e session.Event) {
	w := &u.watch
	if e.Watch == nil {
		return
	}
	switch u.phase {
	case phaseJoining:
		w.pending = &e
		return
	case phaseSession:
	default:
		w.close()
		w.setSharer("")
		return
	}
	switch {
	case e.Watch.Watching:
		w.setSharer(e.Watch.Sharer)
		if w.win == nil {
			w.openWindow(e.Watch.Size)
			u.addSystem(e.Watch.Sharer + " is sharing a screen with the session. It is shown in a window of its own: you can watch it, but not control it.")
		}
		return
	case w.win != nil:
		name := w.sharer
		w.close()
		if e.Text != "" {
			u.addSystem("You no longer see " + name + "'s screen. " + terminal.Sentence(e.Text))
		} else {
			u.addSystem("You no longer see " + name + "'s screen.")
		}
	case e.Text != "":
		u.addSystem(e.Text)
	}
	w.setSharer(e.Watch.Sharer)
}

// setSharer shows the bar that opens the picture again while name shares
// and the picture is not shown; "" hides it.
func (w *watchUI) setSharer(name string) {
	w.sharer = name
	w.open.Enable()
	if name == "" || w.win != nil {
		w.bar.Hide()
		return
	}
	w.barText.SetText(name + " is sharing a screen with the session.")
	w.bar.Show()
}

// openWindow opens the shared screen's window, sized for a picture of
// size within watchWindowSize.
func (w *watchUI) openWindow(size image.Point) {
	u := w.u
	w.win = u.app.NewWindow(watchTitle(w.sharer))
	w.view = screenview.New(nil)
	w.note = wrapped("You can watch " + w.sharer + "'s screen; nobody can control it from here.")
	w.stop = widget.NewButtonWithIcon("Stop Watching", theme.VisibilityOffIcon(), w.closeByCustomer)
	bottom := container.NewBorder(nil, nil, nil, container.NewCenter(w.stop), w.note)
	w.win.SetContent(container.NewBorder(nil, container.NewPadded(bottom), nil, nil, w.view))
	w.win.Resize(fitWindow(size, bottom.MinSize().Height+2*theme.Padding()))
	w.win.SetCloseIntercept(w.closeByCustomer)
	ctx, cancel := context.WithCancel(context.Background())
	w.pump = &framePump{ctx: ctx, cancel: cancel, quit: u.quit, agent: u.agent, view: w.view,
		shown: -1, busy: make(chan struct{}, 1), spare: make(chan *image.RGBA, 1)}
	w.bar.Hide()
	w.win.Show()
	w.startPump(w.pump)
}

func watchTitle(name string) string { return "Shared screen — " + name + "'s computer" }

// fitWindow is the window size that shows a picture of px pixels whole,
// within watchWindowSize, with extra height for the bar below it.
func fitWindow(px image.Point, extra float32) fyne.Size {
	bound := watchWindowSize
	if px.X <= 0 || px.Y <= 0 {
		return bound
	}
	w, h := float32(px.X), float32(px.Y)
	if s := min(bound.Width/w, (bound.Height-extra)/h, 1); s < 1 {
		w, h = w*s, h*s
	}
	return fyne.NewSize(max(w, 480), h+extra)
}

// closeByCustomer is the window's Stop Watching button and its close
// button: the picture goes for this customer only.
func (w *watchUI) closeByCustomer() {
	if w.win == nil {
		return
	}
	name := w.sharer
	w.close()
	if a := w.u.agent; a != nil {
		go a.StopWatching()
	}
	w.u.addSystem("You closed " + name + "'s screen. The others in the session still see it; Watch opens it again while the sharing lasts.")
	w.setSharer(name)
}

// reopen is the bar's Watch button.
func (w *watchUI) reopen() {
	if w.win != nil || w.u.agent == nil || w.u.phase != phaseSession {
		return
	}
	w.open.Disable() // until the agent says how it went
	a := w.u.agent
	go a.Watch()
}

// close closes the window, if open, and stops its pump.
func (w *watchUI) close() {
	if w.win == nil {
		return
	}
	w.pump.cancel()
	w.win.Close()
	w.win, w.view, w.note, w.stop, w.pump = nil, nil, nil, nil, nil
}

// watchJoined shows what the agent said about a shared screen while the
// window was joining.
func (u *ui) watchJoined() {
	if e := u.watch.pending; e != nil {
		u.watch.pending = nil
		u.showWatch(*e)
	}
}

// closeWatch ends watching in the window at the end of the session.
func (u *ui) closeWatch() {
	u.watch.pending = nil
	u.watch.close()
	u.watch.setSharer("")
}

// framePump hands new frames of the shared screen to the view.
type framePump struct {
	ctx    context.Context // ends when the window closes
	cancel context.CancelFunc
	quit   <-chan struct{} // the event loop is over
	agent  Watcher
	view   *screenview.View

	shown int64            // the frame count of the picture shown; -1: none
	busy  chan struct{}    // one hand-over in flight at a time
	spare chan *image.RGBA // the picture SetFrame handed back, to copy the next frame into
}

func (p *framePump) run() {
	tick := time.NewTicker(time.Second / watchFPS)
	defer tick.Stop()
	for {
		select {
		case <-p.ctx.Done():
			return
		case <-p.quit:
			return
		case <-tick.C:
			p.step()
		}
	}
}

// step looks for a new frame once and hands it to the UI thread, unless
// that is still busy with the last one.
func (p *framePump) step() {
	if p.agent.WatchFrames() == p.shown {
		return // nothing new
	}
	select {
	case p.busy <- struct{}{}:
	default:
		return // the UI thread is still drawing the last one
	}
	var dst *image.RGBA
	select {
	case dst = <-p.spare:
	default:
	}
	img, n, err := p.agent.WatchSnapshotInto(dst)
	if err != nil {
		if dst != nil {
			p.spare <- dst // back where it was: nothing else hands one over while busy
		}
		<-p.busy
		return
	}
	p.shown = n
	fyne.Do(func() {
		if p.ctx.Err() == nil {
			if old := p.view.SetFrame(img); old != nil {
				select {
				case p.spare <- old:
				default: // never block the UI thread
				}
			}
		}
		<-p.busy
	})
}
