package gui

import (
	"fmt"
	"image/color"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/canvas"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/theme"
	"fyne.io/fyne/v2/widget"
)

// recordRed is the colour of the recording indicator: the red of a
// recorder's light, readable on the light and the dark theme.
var recordRed = color.NRGBA{0xd9, 0x1e, 0x18, 0xff}

// recordState is what the sharing window's recording controls show.
type recordState struct {
	// Allowed: the session's settings allow recording, this console is
	// the host, and the customer's screen is live.
	Allowed bool
	On      bool          // this console is recording
	Elapsed time.Duration // recorded so far, when On
}

// recordControls are the sharing window's Record / Stop Recording button
// and its "● Recording 00:42" indicator.
type recordControls struct {
	button    *widget.Button
	indicator *canvas.Text
	box       *fyne.Container // the indicator, centred in the bar
	state     recordState
	onRecord  func()
	onStop    func()
}

func newRecordControls(onRecord, onStop func()) *recordControls {
	r := &recordControls{onRecord: onRecord, onStop: onStop}
	r.button = widget.NewButtonWithIcon("Record", theme.MediaRecordIcon(), func() {
		if r.state.On {
			r.onStop()
		} else {
			r.onRecord()
		}
	})
	r.indicator = canvas.NewText("", recordRed)
	r.indicator.TextStyle = fyne.TextStyle{Bold: true}
	r.box = container.NewCenter(r.indicator)
	r.set(recordState{})
	return r
}

// set shows st: nothing when recording is not possible, Record when it
// is, the red indicator and Stop Recording while recording.
func (r *recordControls) set(st recordState) {
	r.state = st
	switch {
	case st.On:
		r.button.SetText("Stop Recording")
		r.button.SetIcon(theme.MediaStopIcon())
		r.button.Importance = widget.DangerImportance
		r.button.Show()
		r.indicator.Text = "● Recording " + clock(st.Elapsed)
		r.indicator.Show()
		r.box.Show()
	case st.Allowed:
		r.button.SetText("Record")
		r.button.SetIcon(theme.MediaRecordIcon())
		r.button.Importance = widget.MediumImportance
		r.button.Show()
		r.indicator.Hide()
		r.box.Hide()
	default:
		r.button.Hide()
		r.indicator.Hide()
		r.box.Hide()
	}
	r.button.Refresh()
	r.indicator.Refresh()
}

// SetRecording shows the recording state in the sharing window.
func (v *sharingView) SetRecording(st recordState) {
	if st != v.rec.state {
		v.rec.set(st)
	}
}

// clock formats a duration as 00:42, or 1:02:03 past an hour.
func clock(d time.Duration) string {
	s := int(d / time.Second)
	if s >= 3600 {
		return fmt.Sprintf("%d:%02d:%02d", s/3600, s/60%60, s%60)
	}
	return fmt.Sprintf("%02d:%02d", s/60, s%60)
}
