package gui

import (
	"context"
	"fmt"
	"os"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/dialog"
	"fyne.io/fyne/v2/storage"

	"lifeline/console/controller"
	"lifeline/shared/protocol"
	"lifeline/shared/recording"
)

// askRecord is the sharing window's Record: a Save dialog in the
// recordings folder (made if needed), then the customer is asked.
func (u *ui) askRecord(su *sessionUI) {
	if su.share == nil {
		return
	}
	dir := controller.RecordingsFolder()
	_ = os.MkdirAll(dir, 0o700) // the dialog opens elsewhere when it cannot be made
	d := dialog.NewFileSave(func(wc fyne.URIWriteCloser, err error) {
		if err != nil || wc == nil {
			return
		}
		path := wc.URI().Path()
		_ = wc.Close()
		u.record(su, path)
	}, su.share.win)
	d.SetFileName(controller.RecordingName(su.s.Number(), time.Now()))
	d.SetFilter(storage.NewExtensionFileFilter([]string{recording.Extension}))
	if loc, err := storage.ListerForURI(storage.NewFileURI(dir)); err == nil {
		d.SetLocation(loc)
	}
	d.Show()
}

// record starts recording to path: the customer is asked, which may take
// a while, off the UI thread.
func (u *ui) record(su *sessionUI, path string) {
	s := su.s
	if su.share != nil {
		su.share.view.SetStatus("Asking the customer to allow recording…")
	}
	u.goDo(func() {
		ctx, cancel := u.ctx(2 * time.Minute)
		err := s.StartRecording(ctx, path)
		cancel()
		u.do(func() {
			if su.share == nil {
				return
			}
			if err != nil {
				su.share.view.SetStatus("The session is not recorded: " + sentence(err))
				return
			}
			su.share.view.SetStatus("Recording to " + path + ".")
			su.share.view.SetRecording(recordState{Allowed: true, On: true})
		})
	})
}

// stopRecording is Stop Recording; the line saying where the file is
// comes with the EventRecordingStopped that follows.
func (u *ui) stopRecording(su *sessionUI) {
	s := su.s
	u.goDo(func() {
		_, err := s.StopRecording()
		u.do(func() {
			if err != nil && su.share != nil {
				su.share.view.SetStatus(sentence(err))
			}
		})
	})
}

// watchRecording keeps the sharing window's recording controls true:
// Record only where it can work, the elapsed time while recording.
func (u *ui) watchRecording(ctx context.Context, su *sessionUI, v *sharingView) {
	tick := time.NewTicker(500 * time.Millisecond)
	defer tick.Stop()
	for {
		info, on := su.s.Recording()
		// Record is offered once there is a picture to start the file with.
		live := su.s.Live() && su.s.Stats().Frames > 0
		u.do(func() {
			if ctx.Err() == nil {
				allowed := live && su.host && !v.observer && u.sessionPolicy(su).features.Recording
				v.SetRecording(recordState{Allowed: allowed, On: on, Elapsed: info.Duration.Truncate(time.Second)})
			}
		})
		if !u.next(ctx, tick.C) {
			return
		}
	}
}

// recordingLine is the chat panel's line for a recording started or
// stopped, in any CSR's console.
func recordingLine(r protocol.Recording, from string) systemLine {
	from = orDefault(from, orDefault(r.FromName, "The support representative"))
	if r.State == protocol.RecordingStarted {
		return systemLine{Text: from + " started recording the session."}
	}
	l := systemLine{Text: from + " stopped recording the session"}
	if r.DurationMS > 0 {
		l.Text += fmt.Sprintf(" (%s, %s)", clock(time.Duration(r.DurationMS)*time.Millisecond), byteSize(r.Bytes))
	}
	l.Text += "."
	if r.Reason != "" {
		l.Text += " " + r.Reason
	}
	return l
}

// savedLine tells this console's CSR where its recording is.
func savedLine(info controller.RecordingInfo, problem string) systemLine {
	l := systemLine{Text: fmt.Sprintf("Your recording is saved in %s (%s, %s).", info.Path, clock(info.Duration), byteSize(info.Bytes))}
	if problem != "" {
		l.Detail, l.Failed = problem, true
	}
	return l
}
