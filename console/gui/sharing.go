package gui

import (
	"context"
	"fmt"
	"image"
	"time"

	"fyne.io/fyne/v2"

	"lifeline/console/controller"
)

// sharingWindow is a session's second window, showing the customer's
// screen.
type sharingWindow struct {
	win  fyne.Window
	view *sharingView
	stop context.CancelFunc
}

// frameInterval is how often the pump looks for a newly decoded frame:
// twice the agent's 30 fps, so that a frame waits at most ~17 ms to be
// handed to the UI thread and a tick missed while the UI thread was busy
// does not cost a frame (BENCHMARKS.md "viewer").
const frameInterval = time.Second / 60

func (u *ui) openSharing(su *sessionUI, control bool) {
	s := su.s
	if su.share != nil {
		if control {
			su.share.view.SetControl(true)
		}
		su.share.win.Show()
		su.share.win.RequestFocus()
		return
	}
	w := u.app.NewWindow("Customer's screen — session " + spaced(s.Number()))
	v := newSharingView(su.mode, su.colors)
	sw := &sharingWindow{win: w, view: v}
	v.OnMode = func(m string) { su.mode = m; u.setOption(su, func() error { return s.SetMode(m) }) }
	v.OnColors = func(c string) { su.colors = c; u.setOption(su, func() error { return s.SetColors(c) }) }
	v.OnMonitor = func(n int) { su.monitor = n; u.setOption(su, func() error { return s.SetMonitor(n) }) }
	v.OnFull = w.SetFullScreen
	v.OnStop = func() { u.stopSharing(su) }
	v.OnRecord = func() { u.askRecord(su) }
	v.OnStopRecording = func() { u.stopRecording(su) }
	inputs := make(chan func() error, 256) // in order, off the UI thread
	send := func(f func() error) {
		select {
		case inputs <- f:
		default: // the customer's side is far behind: drop rather than block the UI
		}
	}
	// Presses and releases rather than clicks, so that the CSR can drag
	// (select text, move windows) on the customer's screen.
	v.area.OnButton = func(x, y int, b string, down bool) { send(func() error { return s.Button(x, y, b, down) }) }
	v.area.OnMove = func(x, y int) { send(func() error { return s.Move(x, y) }) }
	v.area.OnScroll = func(dy int) { send(func() error { return s.Scroll(dy) }) }
	v.area.OnKey = func(combo string) { send(func() error { return s.Key(combo) }) }
	v.area.OnType = func(text string) { send(func() error { return s.Type(text) }) }
	v.SetControl(control)
	v.SetMonitors(su.screen.Monitors, su.monitor)
	w.SetContent(v.content)
	w.Resize(fyne.NewSize(1024, 640))
	w.SetCloseIntercept(func() { u.stopSharing(su) })
	ctx, cancel := context.WithCancel(context.Background())
	sw.stop = cancel
	su.share = sw
	u.goDo(func() { u.pump(ctx, s, v) })
	u.goDo(func() { u.watchRecording(ctx, su, v) })
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

// pump refreshes the picture when a new frame was decoded (looking 60
// times a second) and the status line every second, off the UI thread.
func (u *ui) pump(ctx context.Context, s *controller.Session, v *sharingView) {
	tick := time.NewTicker(frameInterval)
	defer tick.Stop()
	var shown int64 = -1
	var lastStatus time.Time
	busy := make(chan struct{}, 1)     // one redraw in flight at a time
	spare := make(chan *image.RGBA, 1) // the picture SetFrame handed back, to copy the next frame into
	for {
		if !u.next(ctx, tick.C) {
			return
		}
		st := s.Stats()
		if st.Frames != shown {
			select {
			case busy <- struct{}{}:
				var dst *image.RGBA
				select {
				case dst = <-spare:
				default:
				}
				img, n, err := s.SnapshotInto(dst)
				if err != nil {
					<-busy
					break
				}
				if shown < 0 {
					lastStatus = time.Time{} // the first picture: say so now, not up to a second later
				}
				shown = n
				u.do(func() {
					if ctx.Err() == nil {
						if old := v.SetImage(img); old != nil {
							select {
							case spare <- old:
							default: // never block the UI thread
							}
						}
					}
					<-busy
				})
			default: // the UI thread is still drawing the last one
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

func (u *ui) setOption(su *sessionUI, f func() error) {
	if err := f(); err != nil && su.share != nil {
		su.share.view.SetStatus(sentence(err))
	}
}

// stopSharing ends viewing and control for everyone and closes the window.
// watch opens the shared screen again for an assistant who closed it.
func (u *ui) watch(su *sessionUI) {
	if su.share != nil {
		u.openSharing(su, false)
		return
	}
	s := su.s
	u.goDo(func() {
		ctx, cancel := u.ctx(10 * time.Second)
		err := s.Observe(ctx)
		cancel()
		if err != nil {
			u.do(func() { su.view.SetDesktopMessage("The shared screen cannot be shown: " + err.Error() + ".") })
		}
	})
}

// observing opens the sharing window of a CSR who is not the host once
// the screen connection that the console opened by itself is live.
func (u *ui) observing(su *sessionUI) {
	if su.host || su.share != nil {
		return
	}
	u.openSharing(su, false)
	su.share.view.SetObserver(true)
}

func (u *ui) stopSharing(su *sessionUI) {
	if su.share != nil && su.share.view.observer {
		// An observer stops watching; the sharing goes on for the others.
		u.closeSharing(su)
		u.goDo(su.s.StopObserving)
		return
	}
	s := su.s
	u.closeSharing(su)
	u.goDo(func() {
		ctx, cancel := u.ctx(10 * time.Second)
		err := s.StopSharing(ctx)
		cancel()
		u.do(func() {
			if u.sessions[s.ID()] != su {
				return
			}
			u.refresh(su)
			if err != nil {
				su.view.SetDesktopMessage("Sharing could not be stopped: " + err.Error() + ".")
			} else {
				su.view.SetDesktopMessage("You stopped viewing the customer's screen.")
			}
		})
	})
}

func (u *ui) closeSharing(su *sessionUI) {
	if su.share == nil {
		return
	}
	su.share.stop()
	su.share.win.SetCloseIntercept(nil)
	su.share.win.Close()
	su.share = nil
}

// next waits for the next tick, and says false when ctx ended or the
// console is quitting first: the loop of a window's goroutine then ends.
func (u *ui) next(ctx context.Context, tick <-chan time.Time) bool {
	select {
	case <-ctx.Done():
		return false
	case <-u.quit:
		return false
	case <-tick:
		return true
	}
}
