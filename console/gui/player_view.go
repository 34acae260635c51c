package gui

import (
	"fmt"
	"image"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/theme"
	"fyne.io/fyne/v2/widget"

	"lifeline/shared/recording"
	"lifeline/shared/screenview"
)

// playerSpeeds are the playback speeds offered.
var playerSpeeds = []string{"1×", "2×", "4×"}

// playerView is the recording player's window: the header of the
// recording, the picture, and a bar with Play/Pause, the position slider,
// the speed and the elapsed and total time.
type playerView struct {
	title    *widget.Label
	detail   *widget.Label
	screen   *screenview.View
	playBtn  *widget.Button
	slider   *widget.Slider
	speed    *widget.Select
	time     *widget.Label
	total    time.Duration
	playing  bool
	dragging bool
	content  fyne.CanvasObject

	OnPlay  func(on bool)
	OnSeek  func(time.Duration)
	OnSpeed func(factor int)
}

func newPlayerView(sum recording.Summary) *playerView {
	v := &playerView{total: sum.Duration}
	h := sum.Header
	v.title = widget.NewLabel(fmt.Sprintf("Session %s · %s", spaced(h.Session), orDefault(h.Customer, "customer unknown")))
	v.title.TextStyle = fyne.TextStyle{Bold: true}
	v.detail = widget.NewLabel(recordingDetail(sum, time.Local))
	v.detail.Truncation = fyne.TextTruncateEllipsis
	v.screen = screenview.New(nil)
	v.playBtn = widget.NewButtonWithIcon("Play", theme.MediaPlayIcon(), func() { call1(v.OnPlay, !v.playing) })
	v.playBtn.Importance = widget.HighImportance
	v.slider = widget.NewSlider(0, max(sum.Duration.Seconds(), 0.001))
	v.slider.Step = 0.1
	v.slider.OnChanged = func(s float64) {
		v.dragging = true
		v.showTime(sliderTime(s))
	}
	v.slider.OnChangeEnded = func(s float64) {
		v.dragging = false
		call1(v.OnSeek, sliderTime(s))
	}
	v.speed = widget.NewSelect(playerSpeeds, func(s string) {
		for i, o := range playerSpeeds {
			if o == s {
				call1(v.OnSpeed, 1<<i)
			}
		}
	})
	v.speed.SetSelected(playerSpeeds[0])
	v.time = widget.NewLabel("")
	v.showTime(0)
	bar := container.NewBorder(nil, nil, v.playBtn, container.NewHBox(v.time, v.speed), v.slider)
	top := container.NewVBox(v.title, v.detail)
	v.content = container.NewBorder(container.NewPadded(top), container.NewPadded(bar), nil, nil, v.screen)
	return v
}

// recordingDetail is the line under the title: when (in loc), how long,
// and what is wrong with the file, if anything.
func recordingDetail(sum recording.Summary, loc *time.Location) string {
	h := sum.Header
	s := fmt.Sprintf("Recorded %s · %s · %d×%d", h.StartedAt.In(loc).Format("2 January 2006 15:04"), clock(sum.Duration), h.Width, h.Height)
	switch {
	case sum.Damage != nil:
		s += " · the file is damaged; it plays up to " + clock(sum.Duration)
	case !sum.Complete:
		s += " · the recording was cut short; it plays up to its last frame"
	case sum.Dropped > 0:
		s += fmt.Sprintf(" · %d frames were lost while recording", sum.Dropped)
	}
	return s
}

func sliderTime(s float64) time.Duration { return time.Duration(s * float64(time.Second)) }

// SetImage shows a picture of the recording; see screenview.View.SetFrame.
func (v *playerView) SetImage(img *image.RGBA) *image.RGBA { return v.screen.SetFrame(img) }

// SetPosition shows where playback is, unless the CSR is dragging the
// slider.
func (v *playerView) SetPosition(at time.Duration) {
	if v.dragging {
		return
	}
	v.slider.Value = at.Seconds()
	v.slider.Refresh()
	v.showTime(at)
}

// SetPlaying shows Play or Pause.
func (v *playerView) SetPlaying(on bool) {
	v.playing = on
	if on {
		v.playBtn.SetText("Pause")
		v.playBtn.SetIcon(theme.MediaPauseIcon())
	} else {
		v.playBtn.SetText("Play")
		v.playBtn.SetIcon(theme.MediaPlayIcon())
	}
}

func (v *playerView) showTime(at time.Duration) {
	v.time.SetText(clock(at) + " / " + clock(v.total))
}
