package gui

import (
	"fmt"
	"image"
	"image/color"
	"image/draw"
	"image/png"
	"os"
	"path/filepath"
	"sync"
	"time"

	"fyne.io/fyne/v2"

	"lifeline/agent/session"
)

// The screenshots of watching (agent-watch*.png): Bob, a second customer
// in Ann's session, sees the screen Ann shares. The picture is a frame of
// the screen corpus (../shared/corpus/typing, or LIFELINE_CORPUS) when it
// is there, else a drawn one.

var demoWatch struct {
	mu  sync.Mutex
	pic *image.RGBA
}

func (d *demoAgent) Watch() {
	d.ui.Show(session.Event{Kind: session.EventWatch, Watch: &session.Watch{Sharer: "Ann Smith", Watching: true, Size: demoScreen().Rect.Size()}})
}

func (d *demoAgent) StopWatching() {
	d.ui.Show(session.Event{Kind: session.EventWatch, Watch: &session.Watch{Sharer: "Ann Smith"}})
}

func (d *demoAgent) WatchFrames() int64 { return 1 }

func (d *demoAgent) WatchSnapshotInto(dst *image.RGBA) (*image.RGBA, int64, error) {
	pic := demoScreen()
	if dst == nil || dst.Rect != pic.Rect {
		dst = image.NewRGBA(pic.Rect)
	}
	copy(dst.Pix, pic.Pix)
	return dst, 1, nil
}

// demoScreen is Ann's screen in the pictures.
func demoScreen() *image.RGBA {
	demoWatch.mu.Lock()
	defer demoWatch.mu.Unlock()
	if demoWatch.pic != nil {
		return demoWatch.pic
	}
	dir := os.Getenv("LIFELINE_CORPUS")
	if dir == "" {
		dir = filepath.Join("..", "..", "..", "shared", "corpus")
	}
	if f, err := os.Open(filepath.Join(dir, "typing", "0000.png")); err == nil {
		img, err := png.Decode(f)
		f.Close()
		if err == nil {
			demoWatch.pic = image.NewRGBA(img.Bounds())
			draw.Draw(demoWatch.pic, demoWatch.pic.Rect, img, img.Bounds().Min, draw.Src)
			return demoWatch.pic
		}
	}
	fmt.Fprintln(os.Stderr, "screenshots: no corpus frame; drawing Ann's screen")
	pic := image.NewRGBA(image.Rect(0, 0, 1600, 900))
	for y := 0; y < 900; y++ {
		for x := 0; x < 1600; x++ {
			pic.SetRGBA(x, y, color.RGBA{uint8(40 + y/8), uint8(60 + x/16), 140, 255})
		}
	}
	draw.Draw(pic, image.Rect(200, 120, 1400, 780), image.NewUniform(color.RGBA{245, 245, 245, 255}), image.Point{}, draw.Src)
	draw.Draw(pic, image.Rect(200, 120, 1400, 160), image.NewUniform(color.RGBA{60, 60, 70, 255}), image.Point{}, draw.Src)
	demoWatch.pic = pic
	return pic
}

// playWatch opens Bob's window beside Ann's (hidden by now) and shows the
// shared screen, then the main window with the bar that opens it again.
func playWatch(u *ui, shot func(string) error) error {
	var bob *ui
	fyne.DoAndWait(func() {
		u.win.Hide()
		bob = newUI(u.app, Config{Number: "482 913 077", Name: "Bob Jones",
			Start: func(number, name, email string, ui session.UI) (Agent, error) {
				ui.Show(session.Event{Kind: session.EventStatus, Text: "Connected to session 482 913 077. Your support representative is Carol."})
				return &demoAgent{ui: ui}, nil
			}})
		bob.win.Show()
		bob.join()
	})
	time.Sleep(300 * time.Millisecond)
	bob.Show(session.Event{Kind: session.EventChat, From: "Carol", Text: "Bob, Ann will share her screen so that you both see the printer settings."})
	(&demoAgent{ui: bob}).Watch()
	if err := shot("agent-watch.png"); err != nil {
		return err
	}
	fyne.DoAndWait(bob.watch.closeByCustomer)
	return shot("agent-watch-closed.png")
}
