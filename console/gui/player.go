package gui

import (
	"context"
	"fmt"
	"image"
	"path/filepath"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/dialog"
	"fyne.io/fyne/v2/storage"

	"lifeline/console/controller"
	"lifeline/shared/recording"
	"lifeline/shared/rgba"
)

// playFPS is how often a playing recording advances.
const playFPS = 30

// askPlayRecording is Play Recording…: an Open dialog in the recordings
// folder, then a player window.
func (u *ui) askPlayRecording() {
	d := dialog.NewFileOpen(func(rc fyne.URIReadCloser, err error) {
		if err != nil || rc == nil {
			return
		}
		path := rc.URI().Path()
		_ = rc.Close()
		u.openPlayer(path)
	}, u.win)
	d.SetFilter(storage.NewExtensionFileFilter([]string{recording.Extension}))
	if loc, err := storage.ListerForURI(storage.NewFileURI(controller.RecordingsFolder())); err == nil {
		d.SetLocation(loc)
	}
	d.Show()
}

// playerCmd is a request of the player window's controls to the
// goroutine that owns the recording.
type playerCmd struct {
	play  *bool
	seek  *time.Duration
	speed int
}

// openPlayer opens a recording in a window of its own. Reading it through
// for its index happens off the UI thread.
func (u *ui) openPlayer(path string) {
	u.goDo(func() {
		p, err := recording.OpenPlayer(path)
		u.do(func() {
			if err != nil {
				dialog.ShowError(fmt.Errorf("the recording %s cannot be played: %w", filepath.Base(path), err), u.win)
				return
			}
			u.showPlayer(path, p)
		})
	})
}

func (u *ui) showPlayer(path string, p *recording.Player) *playerView {
	w := u.app.NewWindow("Recording — " + filepath.Base(path))
	v := newPlayerView(p.Summary())
	cmds := make(chan playerCmd, 8)
	send := func(c playerCmd) {
		select {
		case cmds <- c:
		default: // the player is far behind; the next command says it again
		}
	}
	v.OnPlay = func(on bool) { send(playerCmd{play: &on}) }
	v.OnSeek = func(at time.Duration) { send(playerCmd{seek: &at}) }
	v.OnSpeed = func(f int) { send(playerCmd{speed: f}) }
	ctx, cancel := context.WithCancel(context.Background())
	w.SetOnClosed(cancel)
	w.SetContent(v.content)
	w.Resize(fyne.NewSize(1024, 700))
	u.goDo(func() { u.play(ctx, p, v, cmds) })
	w.Show()
	return v
}

// play owns the recording: it advances it while playing, at the chosen
// speed, seeks, and hands pictures to the window.
func (u *ui) play(ctx context.Context, p *recording.Player, v *playerView, cmds <-chan playerCmd) {
	defer p.Close()
	spare := make(chan *image.RGBA, 1)
	show := func() {
		var img *image.RGBA
		select {
		case img = <-spare:
		default:
		}
		src := p.Image()
		if img == nil || img.Rect != src.Rect {
			img = rgba.Clone(src)
		} else {
			copy(img.Pix, src.Pix)
		}
		at := p.Position()
		u.do(func() {
			if ctx.Err() != nil {
				return
			}
			if old := v.SetImage(img); old != nil {
				select {
				case spare <- old:
				default:
				}
			}
			v.SetPosition(at)
		})
	}
	setPlaying := func(on bool) { u.do(func() { v.SetPlaying(on) }) }
	show()
	tick := time.NewTicker(time.Second / playFPS)
	defer tick.Stop()
	playing, speed, last := false, 1, time.Now()
	for {
		select {
		case <-ctx.Done():
			return
		case <-u.quit:
			return
		case c := <-cmds:
			switch {
			case c.play != nil:
				playing, last = *c.play, time.Now()
				if playing && p.Position() >= p.Duration() {
					_ = p.Seek(0) // Play at the end starts again
					show()
				}
				setPlaying(playing)
			case c.seek != nil:
				if err := p.Seek(*c.seek); err == nil {
					show()
				}
			case c.speed > 0:
				speed = c.speed
			}
		case now := <-tick.C:
			if !playing {
				continue
			}
			to := p.Position() + now.Sub(last)*time.Duration(speed)
			last = now
			changed, err := p.Advance(to)
			if changed {
				show()
			} else {
				at := p.Position()
				u.do(func() { v.SetPosition(at) })
			}
			if err != nil || p.Position() >= p.Duration() {
				playing = false
				setPlaying(false)
			}
		}
	}
}

// mainMenu is the console window's menu: Play Recording…, and Quit with
// the same question as closing the window.
func (u *ui) mainMenu() *fyne.MainMenu {
	quit := fyne.NewMenuItem("Quit", u.confirmQuit)
	quit.IsQuit = true
	return fyne.NewMainMenu(fyne.NewMenu("File", fyne.NewMenuItem("Play Recording…", u.askPlayRecording), fyne.NewMenuItemSeparator(), quit))
}
