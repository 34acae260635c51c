package gui

import (
	"image"
	"image/color"
	"slices"
	"strings"
	"testing"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/test"

	"lifeline/agent/session"
)

// The fake agent's shared screen: the test sets the picture and counts
// frames; the window's pump copies it as from the real agent.

func (f *fakeAgent) Watch()        { f.called <- "watch" }
func (f *fakeAgent) StopWatching() { f.called <- "stop-watching" }

func (f *fakeAgent) WatchFrames() int64 {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.frames
}

func (f *fakeAgent) WatchSnapshotInto(dst *image.RGBA) (*image.RGBA, int64, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.dsts = append(f.dsts, dst)
	if f.pic == nil {
		return nil, f.frames, session.ErrNotWatching
	}
	if dst == nil || dst.Rect != f.pic.Rect {
		dst = image.NewRGBA(f.pic.Rect)
	}
	copy(dst.Pix, f.pic.Pix)
	return dst, f.frames, nil
}

// paint makes the fake's shared screen one colour, as a new frame.
func (f *fakeAgent) paint(w, h int, c color.RGBA) {
	img := image.NewRGBA(image.Rect(0, 0, w, h))
	for i := 0; i < len(img.Pix); i += 4 {
		img.Pix[i], img.Pix[i+1], img.Pix[i+2], img.Pix[i+3] = c.R, c.G, c.B, c.A
	}
	f.mu.Lock()
	f.pic = img
	f.frames++
	f.mu.Unlock()
}

// watchingUI is a joined window whose pump the test drives: pumps gets
// every pump the window starts.
func watchingUI(t *testing.T) (*ui, *fakeAgent, *[]*framePump) {
	t.Helper()
	u, ag := joinedUI(t)
	pumps := &[]*framePump{}
	u.watch.startPump = func(p *framePump) { *pumps = append(*pumps, p) }
	return u, ag, pumps
}

func annWatching(w, h int) session.Event {
	return session.Event{Kind: session.EventWatch, Watch: &session.Watch{Sharer: "Ann", Watching: true, Size: image.Pt(w, h)}}
}

// shown is the colour of the view's picture at its centre, and its size.
func shown(u *ui) (color.RGBA, image.Point) {
	img, ok := u.watch.view.Image().Image.(*image.RGBA)
	if !ok || u.watch.view.Picture() == (image.Point{}) {
		return color.RGBA{}, image.Point{}
	}
	b := img.Bounds()
	return img.RGBAAt(b.Dx()/2, b.Dy()/2), b.Size()
}

func lastLine(u *ui) string {
	h := u.historyText()
	if len(h) == 0 {
		return ""
	}
	return h[len(h)-1]
}

func windowTitles(u *ui) []string {
	var out []string
	for _, w := range u.app.Driver().AllWindows() {
		out = append(out, w.Title())
	}
	return out
}

func TestWatchWindowShowsTheSharedScreenAndCloses(t *testing.T) {
	u, ag, pumps := watchingUI(t)
	red, blue := color.RGBA{200, 30, 30, 255}, color.RGBA{10, 120, 250, 255}
	ag.paint(320, 200, red)
	u.Show(annWatching(320, 200))

	w := &u.watch
	if w.win == nil || w.win.Title() != "Shared screen — Ann's computer" || len(*pumps) != 1 {
		t.Fatalf("window %v, pumps %d", windowTitles(u), len(*pumps))
	}
	if !strings.Contains(lastLine(u), "Ann is sharing a screen with the session") || w.bar.Visible() {
		t.Fatalf("history %q, bar shown %v", lastLine(u), w.bar.Visible())
	}
	// Scaled to fit: the window opens at the picture's size and its
	// proportions are kept however it is resized.
	if w.view.Fit() != true || w.win.Canvas().Size().Width < 320 {
		t.Fatalf("fit %v, window %v", w.view.Fit(), w.win.Canvas().Size())
	}
	p := (*pumps)[0]
	p.step()
	if c, size := shown(u); c != red || size != image.Pt(320, 200) {
		t.Fatalf("shown %v %v, want red 320×200", c, size)
	}
	first := u.watch.view.Image().Image
	p.step() // no new frame: nothing copied, nothing drawn
	if u.watch.view.Image().Image != first || len(ag.dsts) != 1 {
		t.Fatalf("redrawn without a new frame (%d copies)", len(ag.dsts))
	}
	ag.paint(320, 200, blue)
	p.step()
	if c, _ := shown(u); c != blue {
		t.Fatalf("shown %v after a new frame, want blue", c)
	}
	ag.paint(320, 200, red)
	p.step()
	// The picture SetFrame handed back is copied into, not a new one.
	if ag.dsts[2] == nil || ag.dsts[2] != first {
		t.Fatalf("the third frame was copied into %p, want the first picture %p", ag.dsts[2], first)
	}

	// The sharing stops: the window closes with a sentence, and nothing
	// offers to open it again.
	u.Show(session.Event{Kind: session.EventWatch, Watch: &session.Watch{}, Text: "Carol stopped sharing."})
	if w.win != nil || slices.Contains(windowTitles(u), "Shared screen — Ann's computer") {
		t.Fatalf("still open: %v", windowTitles(u))
	}
	if lastLine(u) != "You no longer see Ann's screen. Carol stopped sharing." || w.bar.Visible() {
		t.Fatalf("history %q, bar shown %v", lastLine(u), w.bar.Visible())
	}
	if p.ctx.Err() == nil {
		t.Fatal("the pump still runs")
	}
	p.step() // a late step draws nothing into a closed window
}

func TestWatchClosedByTheCustomerAndOpenedAgain(t *testing.T) {
	u, ag, pumps := watchingUI(t)
	ag.paint(64, 48, color.RGBA{0, 200, 0, 255})
	u.Show(annWatching(64, 48))
	w := &u.watch

	test.Tap(w.stop)
	ag.waitCall(t, "stop-watching")
	if w.win != nil || !w.bar.Visible() || w.barText.Text != "Ann is sharing a screen with the session." {
		t.Fatalf("after Stop Watching: window %v, bar %v %q", windowTitles(u), w.bar.Visible(), w.barText.Text)
	}
	if !strings.HasPrefix(lastLine(u), "You closed Ann's screen.") {
		t.Fatalf("history %q", lastLine(u))
	}
	lines := len(u.historyText())
	// The agent confirms: nothing more to say, Watch still offered.
	u.Show(session.Event{Kind: session.EventWatch, Watch: &session.Watch{Sharer: "Ann"}})
	if len(u.historyText()) != lines || !w.bar.Visible() {
		t.Fatal("the agent's confirmation changed the window")
	}

	test.Tap(w.open)
	ag.waitCall(t, "watch")
	if !w.open.Disabled() {
		t.Fatal("Watch can be pressed again while the agent connects")
	}
	u.Show(annWatching(64, 48))
	if w.win == nil || w.bar.Visible() || len(*pumps) != 2 {
		t.Fatalf("not open again: %v, bar %v, pumps %d", windowTitles(u), w.bar.Visible(), len(*pumps))
	}
	(*pumps)[1].step()
	if _, size := shown(u); size != image.Pt(64, 48) {
		t.Fatalf("picture %v", size)
	}

	// Closed again, then the sharing ends: the bar goes, quietly.
	test.Tap(w.stop)
	ag.waitCall(t, "stop-watching")
	lines = len(u.historyText())
	u.Show(session.Event{Kind: session.EventWatch, Watch: &session.Watch{}})
	if w.bar.Visible() || len(u.historyText()) != lines {
		t.Fatalf("bar %v, history %q", w.bar.Visible(), lastLine(u))
	}
}

// What the agent could not show is told, and Watch is offered while the
// sharing lasts.
func TestWatchFailureOffersToTryAgain(t *testing.T) {
	u, _, _ := watchingUI(t)
	u.Show(session.Event{Kind: session.EventWatch, Watch: &session.Watch{Sharer: "Ann"}, Text: "The connection to Ann's screen could not be made."})
	if u.watch.win != nil || !u.watch.bar.Visible() || lastLine(u) != "The connection to Ann's screen could not be made." {
		t.Fatalf("window %v, bar %v, history %q", windowTitles(u), u.watch.bar.Visible(), lastLine(u))
	}
}

func TestWatchWindowClosesWhenTheSessionEnds(t *testing.T) {
	u, ag, _ := watchingUI(t)
	ag.paint(64, 48, color.RGBA{0, 200, 0, 255})
	u.Show(annWatching(64, 48))
	u.Show(session.Event{Kind: session.EventEnded, Text: "The session has ended."})
	if u.watch.win != nil || u.watch.bar.Visible() {
		t.Fatalf("after the end: %v, bar %v", windowTitles(u), u.watch.bar.Visible())
	}
	lines := len(u.historyText())
	u.Show(session.Event{Kind: session.EventWatch, Watch: &session.Watch{}, Text: "The session is over."})
	if len(u.historyText()) != lines || u.watch.win != nil {
		t.Fatal("the agent's last word reopened or added to an ended session")
	}
}

// A customer who joins while another shares sees the screen once joined:
// the agent may say so before the window has it.
func TestWatchWhileJoining(t *testing.T) {
	ag := newFakeAgent()
	ag.paint(64, 48, color.RGBA{0, 0, 200, 255})
	u := newTestUI(t, Config{Number: "482913077", Name: "Bob", Start: func(number, name, email string, ui session.UI) (Agent, error) {
		ui.Show(annWatching(64, 48))
		return ag, nil
	}})
	var pumps []*framePump
	u.watch.startPump = func(p *framePump) { pumps = append(pumps, p) }
	test.Tap(u.joinBtn)
	if u.watch.win == nil || len(pumps) != 1 || pumps[0].agent != Watcher(ag) {
		t.Fatalf("after joining: %v, pumps %d", windowTitles(u), len(pumps))
	}
}

func TestFitWindow(t *testing.T) {
	for _, c := range []struct {
		px   image.Point
		want fyne.Size
	}{
		{image.Pt(1920, 1080), fyne.NewSize(880, 495+60)}, // as wide as allowed
		{image.Pt(1080, 1920), fyne.NewSize(480, 500+60)}, // as tall as allowed, and no narrower than the bar
		{image.Pt(640, 400), fyne.NewSize(640, 400+60)},   // small: its own size
		{image.Pt(0, 0), watchWindowSize},
	} {
		if got := fitWindow(c.px, 60); got != c.want {
			t.Errorf("fitWindow(%v) = %v, want %v", c.px, got, c.want)
		}
	}
}
