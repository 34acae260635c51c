package gui

import (
	"bytes"
	"image"
	"image/color"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/test"

	"lifeline/console/controller"
	"lifeline/console/internal/fakeagent"
	"lifeline/shared/codec"
	"lifeline/shared/protocol"
	"lifeline/shared/recording"
)

// The sharing window's recording controls in their three states: nothing
// where recording cannot work, Record, and the red indicator with Stop
// Recording.
func TestRecordControls(t *testing.T) {
	test.NewTempApp(t)
	v := newSharingView("standard", "full")
	if !v.rec.button.Hidden || !v.rec.indicator.Hidden {
		t.Fatal("recording controls shown before recording is possible")
	}
	v.SetRecording(recordState{Allowed: true})
	if v.rec.button.Hidden || v.rec.button.Text != "Record" || !v.rec.indicator.Hidden {
		t.Fatalf("allowed: button %q hidden %v", v.rec.button.Text, v.rec.button.Hidden)
	}
	render(t, "sharing_record.xml", v.content, fyne.NewSize(1024, 640))
	recorded, stopped := 0, 0
	v.OnRecord, v.OnStopRecording = func() { recorded++ }, func() { stopped++ }
	test.Tap(v.rec.button)
	v.SetRecording(recordState{Allowed: true, On: true, Elapsed: 42 * time.Second})
	if v.rec.button.Text != "Stop Recording" || v.rec.indicator.Hidden || v.rec.indicator.Text != "● Recording 00:42" {
		t.Fatalf("recording: button %q, indicator %q", v.rec.button.Text, v.rec.indicator.Text)
	}
	render(t, "sharing_recording.xml", v.content, fyne.NewSize(1024, 640))
	test.Tap(v.rec.button)
	if recorded != 1 || stopped != 1 {
		t.Fatalf("Record called %d times, Stop Recording %d", recorded, stopped)
	}
	for _, c := range []struct {
		d    time.Duration
		want string
	}{{0, "00:00"}, {59 * time.Second, "00:59"}, {61 * time.Minute, "1:01:00"}} {
		if got := clock(c.d); got != c.want {
			t.Errorf("clock(%v) = %q, want %q", c.d, got, c.want)
		}
	}
	if got := controller.RecordingName("482913077", time.Date(2026, 3, 1, 14, 5, 9, 0, time.UTC)); got != "session-482913077-20260301-140509.llrec" {
		t.Errorf("file name %q", got)
	}
}

// The chat panel's lines for a recording, in every console.
func TestRecordingLines(t *testing.T) {
	for _, c := range []struct {
		r    protocol.Recording
		from string
		want string
	}{
		{protocol.Recording{State: protocol.RecordingStarted, FromName: "Carol"}, "", "Carol started recording the session."},
		{protocol.Recording{State: protocol.RecordingStopped}, "Carol", "Carol stopped recording the session."},
		{protocol.Recording{State: protocol.RecordingStopped, DurationMS: 42000, Bytes: 3 << 20, Reason: "Ann stopped sharing."}, "Carol",
			"Carol stopped recording the session (00:42, 3 MB). Ann stopped sharing."},
	} {
		if got := recordingLine(c.r, c.from).Text; got != c.want {
			t.Errorf("line %q, want %q", got, c.want)
		}
	}
}

// writeRecording makes a recording of a square moving over 3 seconds and
// returns its path and its last picture.
func writeRecording(t *testing.T) (string, *image.RGBA) {
	t.Helper()
	path := filepath.Join(t.TempDir(), "session-482913077-20260301-140500.llrec")
	w, err := recording.Create(path, recording.Header{Session: "482913077", Customer: "Ann Smith",
		StartedAt: time.Date(2026, 3, 1, 14, 5, 0, 0, time.UTC), Width: 320, Height: 200})
	if err != nil {
		t.Fatal(err)
	}
	enc, dec := codec.NewEncoder(codec.Options{}), codec.NewDecoder()
	pic := image.NewRGBA(image.Rect(0, 0, 320, 200))
	for i := 0; i <= 30; i++ {
		for p := range pic.Pix {
			pic.Pix[p] = 0xe8
		}
		for y := 40; y < 100; y++ {
			for x := 10 + i*8; x < 70+i*8 && x < 320; x++ {
				pic.SetRGBA(x, y, color.RGBA{0x1f, 0x6f, 0xc0, 0xff})
			}
		}
		msg, _, err := enc.Encode(pic, nil)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := dec.Decode(msg); err != nil {
			t.Fatal(err)
		}
		if err := w.Frame(time.Duration(i)*100*time.Millisecond, msg); err != nil {
			t.Fatal(err)
		}
	}
	if err := w.Close(3*time.Second, 0); err != nil {
		t.Fatal(err)
	}
	last := image.NewRGBA(dec.Image().Rect)
	copy(last.Pix, dec.Image().Pix)
	return path, last
}

// The player window: its header and bar (golden), Play runs to the end
// and shows the last picture, a seek shows the picture of that time.
func TestPlayerWindow(t *testing.T) {
	h := newHarness(t)
	path, last := writeRecording(t)
	p, err := recording.OpenPlayer(path)
	if err != nil {
		t.Fatal(err)
	}
	v := h.u.showPlayer(path, p)
	h.eventually("the first picture", func() bool { return v.screen.Picture().X == 320 })
	v.detail.SetText(recordingDetail(p.Summary(), time.UTC)) // the golden's date, wherever the test runs
	render(t, "player.xml", v.content, fyne.NewSize(900, 600))
	if !strings.Contains(v.title.Text, "482 913 077 · Ann Smith") || v.time.Text != "00:00 / 00:03" {
		t.Fatalf("title %q, time %q", v.title.Text, v.time.Text)
	}
	v.speed.SetSelected("4×")
	test.Tap(v.playBtn)
	h.eventually("playing", func() bool { return v.playBtn.Text == "Pause" })
	h.eventually("the end", func() bool { return v.playBtn.Text == "Play" && v.time.Text == "00:03 / 00:03" })
	if img, ok := v.screen.Image().Image.(*image.RGBA); !ok || !bytes.Equal(img.Pix, last.Pix) {
		t.Fatal("the player does not show the recording's last picture at its end")
	}
	v.OnSeek(0)
	h.eventually("back at the start", func() bool { return v.time.Text == "00:00 / 00:03" })
}

// Record in the sharing window of a live view: the customer's agent grants,
// the red indicator runs, Stop Recording leaves a complete file and a line
// saying where it is.
func TestRecordFromTheSharingWindow(t *testing.T) {
	h := newHarness(t)
	su := h.started()
	d := su.view
	fakeagent.Join(t, h.ts, su.s.Number(), fakeagent.Options{Name: "Ann", Grant: true, Width: 320, Height: 200})
	h.eventually("the customer", func() bool { return !d.viewBtn.Disabled() })
	test.Tap(d.viewBtn)
	h.eventually("the sharing window", func() bool { return su.share != nil })
	sv := su.share.view
	h.eventually("Record offered", func() bool { return !sv.rec.button.Hidden && sv.rec.button.Text == "Record" })
	path := filepath.Join(t.TempDir(), controller.RecordingName(su.s.Number(), time.Now()))
	h.u.record(su, path)
	h.eventually("recording", func() bool {
		return sv.rec.state.On && strings.HasPrefix(sv.rec.indicator.Text, "● Recording 00:0") && !sv.rec.indicator.Hidden
	})
	h.eventually("a second of recording", func() bool { return sv.rec.indicator.Text == "● Recording 00:01" })
	test.Tap(sv.rec.button)
	h.eventually("stopped", func() bool { return !sv.rec.state.On && sv.rec.button.Text == "Record" })
	fi, err := os.Stat(path)
	if err != nil {
		t.Fatal(err)
	}
	h.eventually("the saved line", func() bool { return strings.Contains(chatText(d), "Your recording is saved in "+path) })
	if !strings.Contains(chatText(d), "Carol CSR started recording the session.") {
		t.Errorf("chat:\n%s", chatText(d))
	}
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	sum, err := recording.Scan(f)
	if err != nil || !sum.Complete || sum.Frames == 0 || sum.Bytes != fi.Size() {
		t.Fatalf("recording %+v, %v", sum, err)
	}
}
