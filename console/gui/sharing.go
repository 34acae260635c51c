package gui

import (
	"context"
	"fmt"
	"time"

	"fyne.io/fyne/v2"

	"lifeline/console/controller"
)

// sharingWindow is the second window, showing the customer's screen.
type sharingWindow struct {
	win  fyne.Window
	view *sharingView
	sess *controller.Session
	stop context.CancelFunc
}

// frameInterval caps the redraw rate (about 30 fps).
const frameInterval = time.Second / 30

func (u *ui) openSharing(s *controller.Session, control bool) {
	if u.share != nil && u.share.sess == s {
		if control {
			u.share.view.SetControl(true)
		}
		u.share.win.Show()
		u.share.win.RequestFocus()
		return
	}
	u.closeSharing()
	w := u.app.NewWindow("Customer's screen — session " + spaced(s.Number()))
	v := newSharingView()
	sw := &sharingWindow{win: w, view: v, sess: s}
	v.OnMode = func(m string) { u.setOption(s, func() error { return s.SetMode(m) }) }
	v.OnColors = func(c string) { u.setOption(s, func() error { return s.SetColors(c) }) }
	v.OnStop = func() { u.stopSharing(s) }
	inputs := make(chan func() error, 256) // in order, off the UI thread
	send := func(f func() error) {
		select {
		case inputs <- f:
		default: // the customer's side is far behind: drop rather than block the UI
		}
	}
	v.area.OnClick = func(x, y int, b string) { send(func() error { return s.Click(x, y, b) }) }
	v.area.OnScroll = func(dy int) { send(func() error { return s.Scroll(dy) }) }
	v.area.OnKey = func(combo string) { send(func() error { return s.Key(combo) }) }
	v.area.OnType = func(text string) { send(func() error { return s.Type(text) }) }
	v.SetControl(control)
	w.SetContent(v.content)
	w.Resize(fyne.NewSize(1024, 640))
	w.SetCloseIntercept(func() { u.stopSharing(s) })
	ctx, cancel := context.WithCancel(context.Background())
	sw.stop = cancel
	u.share = sw
	u.goDo(func() { u.pump(ctx, s, v) })
	u.goDo(func() {
		for {
			select {
			case <-ctx.Done():
				return
			case <-u.quit:
				return
			case f := <-inputs:
				if err := f(); err != nil {
					msg := sentence(err)
					u.do(func() {
						if ctx.Err() == nil {
							v.SetStatus(msg)
						}
					})
				}
			}
		}
	})
	w.Show()
}

// pump refreshes the picture when a new frame was decoded (at most about
// 30 times a second) and the status line every second, off the UI thread.
func (u *ui) pump(ctx context.Context, s *controller.Session, v *sharingView) {
	tick := time.NewTicker(frameInterval)
	defer tick.Stop()
	var shown int64 = -1
	var lastStatus time.Time
	busy := make(chan struct{}, 1) // one redraw in flight at a time
	for {
		select {
		case <-ctx.Done():
			return
		case <-u.quit:
			return
		case <-tick.C:
		}
		st := s.Stats()
		if st.Frames != shown {
			if img, n, err := s.Snapshot(); err == nil {
				select {
				case busy <- struct{}{}:
					shown = n
					u.do(func() {
						if ctx.Err() == nil {
							v.SetImage(img)
						}
						<-busy
					})
				default: // the UI thread is still drawing the last one
				}
			}
		}
		if now := time.Now(); now.Sub(lastStatus) >= time.Second {
			lastStatus = now
			text := statusLine(st)
			u.do(func() {
				if ctx.Err() == nil {
					v.SetStatus(text)
				}
			})
		}
	}
}

func statusLine(st controller.Stats) string {
	if st.Frames == 0 {
		if st.Live {
			return "Connected — waiting for the first image…"
		}
		return "Waiting for the customer's screen…"
	}
	lat := "latency —"
	if st.HasLatency {
		lat = fmt.Sprintf("latency %d ms", st.Latency.Milliseconds())
	}
	state := "Live"
	switch {
	case !st.Live:
		state = "Sharing stopped"
	case st.Paused:
		state = "Live (the customer took control back)"
	}
	return fmt.Sprintf("%s · %d×%d · %.0f fps · %.0f kbit/s · %s", state, st.Width, st.Height, st.FPS, st.Kbps, lat)
}

func (u *ui) setOption(s *controller.Session, f func() error) {
	if err := f(); err != nil && u.share != nil && u.share.sess == s {
		u.share.view.SetStatus(sentence(err))
	}
}

// stopSharing ends viewing and control for everyone and closes the window.
func (u *ui) stopSharing(s *controller.Session) {
	u.closeSharing()
	u.goDo(func() {
		ctx, cancel := u.ctx(10 * time.Second)
		err := s.StopSharing(ctx)
		cancel()
		u.do(func() {
			if u.sess != s {
				return
			}
			u.refresh()
			if err != nil {
				u.dash.SetDesktopMessage("Sharing could not be stopped: " + err.Error() + ".")
			} else {
				u.dash.SetDesktopMessage("You stopped viewing the customer's screen.")
			}
		})
	})
}

func (u *ui) closeSharing() {
	if u.share == nil {
		return
	}
	u.share.stop()
	u.share.win.SetCloseIntercept(nil)
	u.share.win.Close()
	u.share = nil
}
