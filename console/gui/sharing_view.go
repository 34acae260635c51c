package gui

import (
	"fmt"
	"image"
	"image/color"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/theme"
	"fyne.io/fyne/v2/widget"

	"lifeline/shared/transport"
)

var (
	modeOptions   = []string{"Standard", "Screen Sampling"}
	modeValues    = map[string]string{"Standard": "standard", "Screen Sampling": "sampling"}
	modeLabels    = map[string]string{"standard": "Standard", "sampling": "Screen Sampling"}
	colorOptions  = []string{"Full color", "High color (16-bit)", "256 colors"}
	colorValues   = map[string]string{"Full color": "full", "High color (16-bit)": "16bit", "256 colors": "256"}
	colorLabels   = map[string]string{"full": "Full color", "16bit": "High color (16-bit)", "256": "256 colors"}
	scaleOptions  = []string{"Scale to fit", "Actual size (1:1)"}
	screenBackdrp = color.NRGBA{0x20, 0x22, 0x26, 0xff}
)

// allMonitors is the monitor choice that shows every monitor as one
// screen.
const allMonitors = "All monitors"

// sharingView is the content of the sharing window: the customer's screen
// and a bar with the display options, Leave Control, Full Screen and Stop
// Sharing, and a status line.
type sharingView struct {
	area      *screenArea
	scroll    *container.Scroll
	status    *widget.Label
	hint      *widget.Label
	mode      *widget.Select
	colors    *widget.Select
	scale     *widget.Select
	monitor   *widget.Select
	leaveBtn  *widget.Button
	fullBtn   *widget.Button
	stopBtn   *widget.Button
	rec       *recordControls
	observer  bool
	control   bool // the customer granted control
	monitors  map[string]int
	fullOn    bool
	content   fyne.CanvasObject
	suppress  bool // setting a select from code, not the CSR
	OnMode    func(string)
	OnColors  func(string)
	OnMonitor func(int)
	OnFull    func(on bool)
	OnStop    func()
	// OnRecord and OnStopRecording are the Record and Stop Recording
	// buttons (recording_view.go).
	OnRecord, OnStopRecording func()
}

func newSharingView(mode, colors string) *sharingView {
	v := &sharingView{monitors: map[string]int{}}
	v.area = newScreenArea()
	v.scroll = v.area.scrollView()
	v.status = widget.NewLabel("Waiting for the customer's screen…")
	v.status.Truncation = fyne.TextTruncateEllipsis
	v.hint = widget.NewLabel("")
	v.hint.TextStyle = fyne.TextStyle{Italic: true}
	v.mode = widget.NewSelect(modeOptions, func(s string) {
		if !v.suppress {
			call1(v.OnMode, modeValues[s])
		}
	})
	v.colors = widget.NewSelect(colorOptions, func(s string) {
		if !v.suppress {
			call1(v.OnColors, colorValues[s])
		}
	})
	v.scale = widget.NewSelect(scaleOptions, func(s string) { v.area.SetScale(s == scaleOptions[0]) })
	v.monitor = widget.NewSelect(nil, func(s string) {
		if n, ok := v.monitors[s]; ok && !v.suppress {
			call1(v.OnMonitor, n)
		}
	})
	v.monitor.Hide()
	v.suppress = true
	v.mode.SetSelected(orDefault(modeLabels[mode], "Standard"))
	v.colors.SetSelected(orDefault(colorLabels[colors], "Full color"))
	v.scale.SetSelected(scaleOptions[0])
	v.suppress = false
	v.leaveBtn = widget.NewButtonWithIcon("Leave Control", theme.LogoutIcon(), func() { v.SetInput(!v.area.input) })
	v.leaveBtn.Hide()
	v.fullBtn = widget.NewButtonWithIcon("Full Screen", theme.ViewFullScreenIcon(), func() { v.SetFull(!v.fullOn) })
	v.stopBtn = widget.NewButtonWithIcon("Stop Sharing", theme.MediaStopIcon(), func() { call(v.OnStop) })
	v.stopBtn.Importance = widget.DangerImportance
	v.area.OnLeave = func() { v.SetInput(false) }
	options := container.NewHBox(v.monitor, v.scale, v.mode, v.colors)
	v.rec = newRecordControls(func() { call(v.OnRecord) }, func() { call(v.OnStopRecording) })
	actions := container.NewHBox(v.rec.box, v.rec.button, v.leaveBtn, v.fullBtn, v.stopBtn)
	bar := container.NewVBox(
		container.NewBorder(nil, nil, nil, actions, options),
		container.NewBorder(nil, nil, nil, v.hint, v.status))
	v.content = container.NewBorder(nil, container.NewPadded(bar), nil, nil, v.scroll)
	return v
}

// SetMonitors offers the customer's monitors (when there is more than
// one).
func (v *sharingView) SetMonitors(ms []transport.Monitor, current int) {
	v.monitors = map[string]int{}
	if len(ms) < 2 {
		v.monitor.Hide()
		return
	}
	opts := make([]string, 0, len(ms)+1)
	sel := ""
	for _, m := range ms {
		label := fmt.Sprintf("Monitor %d (%d×%d)", m.Index+1, m.Width, m.Height)
		if m.Primary {
			label = fmt.Sprintf("Monitor %d, main (%d×%d)", m.Index+1, m.Width, m.Height)
		}
		v.monitors[label] = m.Index
		opts = append(opts, label)
		if m.Index == current {
			sel = label
		}
	}
	v.monitors[allMonitors] = -1
	opts = append(opts, allMonitors)
	if current == -1 {
		sel = allMonitors
	}
	v.suppress = true
	v.monitor.SetOptions(opts)
	if sel != "" {
		v.monitor.SetSelected(sel)
	}
	v.suppress = false
	v.monitor.Show()
}

// SetControl says whether the customer granted control; input is
// forwarded from then on until Leave Control.
func (v *sharingView) SetControl(on bool) {
	v.control = on
	v.leaveBtn.Hidden = !on
	v.SetInput(on)
}

// SetObserver shows the window of someone who watches a screen the
// customer shares with the session (an assistant): the host chooses the
// picture's options, and closing the window only stops watching.
func (v *sharingView) SetObserver(on bool) {
	v.observer = on
	for _, w := range []fyne.Disableable{v.mode, v.colors, v.monitor} {
		if on {
			w.Disable()
		} else {
			w.Enable()
		}
	}
	if on {
		v.stopBtn.SetText("Stop Watching")
		v.SetControl(false)
	} else {
		v.stopBtn.SetText("Stop Sharing")
	}
}

// SetInput turns forwarding of mouse and keyboard on or off.
func (v *sharingView) SetInput(on bool) {
	v.area.input = on && v.control
	if v.area.input {
		v.leaveBtn.SetText("Leave Control")
		v.leaveBtn.SetIcon(theme.LogoutIcon())
		v.leaveBtn.Importance = widget.WarningImportance
		v.hint.SetText(leaveShortcutHint)
	} else {
		v.leaveBtn.SetText("Resume Control")
		v.leaveBtn.SetIcon(theme.LoginIcon())
		v.leaveBtn.Importance = widget.MediumImportance
		v.hint.SetText("")
	}
	v.leaveBtn.Refresh()
}

// SetFull asks the window for full screen (or back).
func (v *sharingView) SetFull(on bool) {
	v.fullOn = on
	if on {
		v.fullBtn.SetText("Exit Full Screen")
	} else {
		v.fullBtn.SetText("Full Screen")
	}
	call1(v.OnFull, on)
}

// SetImage shows a new picture of the customer's screen and returns the
// one it replaces, for the caller to reuse.
func (v *sharingView) SetImage(img *image.RGBA) *image.RGBA { return v.area.SetFrame(img) }

func (v *sharingView) SetStatus(text string) { v.status.SetText(text) }
