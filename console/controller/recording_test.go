package controller

import (
	"bytes"
	"context"
	"errors"
	"image"
	"image/color"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"lifeline/agent/consent"
	"lifeline/agent/session"
	"lifeline/agent/stream/streamtest"
	"lifeline/console/internal/testcustomer"
	"lifeline/shared/client"
	"lifeline/shared/recording"
	"lifeline/shared/rendezvoustest"
)

// viewing starts a session with a real agent sharing scr, viewed by the
// host, the customer ready to answer yes to what follows.
func viewing(t *testing.T, ctx context.Context, scr *streamtest.Screen) (*Session, *testcustomer.Customer, *rendezvoustest.Server, *recorder) {
	t.Helper()
	c, ts, ev := loggedIn(t, rendezvoustest.Options{})
	s, err := c.StartSession(ctx, "", "")
	if err != nil {
		t.Fatal(err)
	}
	cust := testcustomer.JoinWithScreen(t, ts, s.Number(), scr)
	if _, err := s.WaitCustomer(ctx); err != nil {
		t.Fatal(err)
	}
	cust.Answer(consent.AllowOnce)
	if ok, err := s.RequestView(ctx); err != nil || !ok {
		t.Fatalf("view: %v %v", ok, err)
	}
	if err := s.WaitFirstFrame(ctx); err != nil {
		t.Fatal(err)
	}
	return s, cust, ts, ev
}

// paint changes the customer's screen every 50 ms for d, as someone
// working would, and waits until the console shows the last change.
func paint(t *testing.T, ctx context.Context, s *Session, scr *streamtest.Screen, d time.Duration) {
	t.Helper()
	for i, end := 0, time.Now().Add(d); time.Now().Before(end); i++ {
		x := (i * 13) % (scr.Size().X - 30)
		scr.Paint(image.Rect(x, 20+i%40, x+30, 60+i%40), color.RGBA{uint8(i * 37), uint8(200 - i*11), 90, 255})
		time.Sleep(50 * time.Millisecond)
	}
	for {
		img, _, err := s.Snapshot()
		if err == nil && bytes.Equal(img.Pix, scr.Snapshot().Pix) {
			return
		}
		select {
		case <-ctx.Done():
			t.Fatal("the console does not show the customer's last change")
		case <-time.After(20 * time.Millisecond):
		}
	}
}

// played opens a recording and plays it to its end.
func played(t *testing.T, path string) (*recording.Player, *image.RGBA) {
	t.Helper()
	p, err := recording.OpenPlayer(path)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { p.Close() })
	if _, err := p.Advance(p.Duration()); err != nil {
		t.Fatal(err)
	}
	if p.DecodeErrors() != 0 {
		t.Errorf("%d frames of the recording do not decode", p.DecodeErrors())
	}
	return p, p.Image()
}

// The CSR records two seconds of a changing screen: the customer is asked,
// everyone is told, a second Record is refused, and the file plays back to
// the picture the console showed last.
func TestRecordTheSharedScreen(t *testing.T) {
	ctx := ctxT(t, 60*time.Second)
	scr := streamtest.New(320, 200)
	s, cust, _, ev := viewing(t, ctx, scr)
	path := filepath.Join(t.TempDir(), "session"+recording.Extension)

	cust.Answer(consent.AllowOnce)
	if err := s.StartRecording(ctx, path); err != nil {
		t.Fatal(err)
	}
	if a := cust.LastAsked(); a.Action != "record" {
		t.Errorf("the customer was asked %q, want record", a.Action)
	}
	cust.WaitShown(t, "that the session is recorded", func(e session.Event) bool {
		return e.Kind == session.EventRecording && e.Recording && strings.Contains(e.Text, "Carol CSR is recording")
	})
	ev.wait(t, "recording started", func(e Event) bool {
		return e.Kind == EventRecording && e.Recording.State == "started" && e.FromName == "Carol CSR"
	})
	err := s.StartRecording(ctx, filepath.Join(t.TempDir(), "second.llrec"))
	if err == nil || !strings.Contains(err.Error(), "already being recorded to "+path) {
		t.Fatalf("a second Record: %v", err)
	}

	paint(t, ctx, s, scr, 2*time.Second)
	running, ok := s.Recording()
	if !ok || running.Path != path || running.Frames < 5 {
		t.Fatalf("while recording: %+v %v", running, ok)
	}
	last, _, _ := s.Snapshot()
	info, err := s.StopRecording()
	if err != nil {
		t.Fatal(err)
	}
	if _, ok := s.Recording(); ok {
		t.Error("still recording after Stop Recording")
	}
	if _, err := s.StopRecording(); !errors.Is(err, ErrNotRecording) {
		t.Errorf("a second stop: %v", err)
	}
	fi, err := os.Stat(path)
	if err != nil {
		t.Fatal(err)
	}
	if info.Bytes != fi.Size() || info.Frames < 5 || info.Duration < 1500*time.Millisecond || info.Reason != "" {
		t.Errorf("info %+v, file of %d bytes", info, fi.Size())
	}
	t.Logf("recorded %v: %d frames (%d keyframes), %d bytes, %.0f bytes per minute", info.Duration, info.Frames, info.Keyframes,
		info.Bytes, float64(info.Bytes)/info.Duration.Minutes())
	if fi.Mode().Perm() != 0o600 {
		t.Errorf("the recording is readable by others: %v", fi.Mode())
	}
	p, pic := played(t, path)
	sum := p.Summary()
	if !sum.Complete || sum.Frames != info.Frames || sum.Header.Customer != "Ann" || sum.Header.Session != s.Number() ||
		sum.Header.Width != 320 || sum.Header.Height != 200 {
		t.Errorf("summary %+v; info %+v", sum, info)
	}
	if !bytes.Equal(pic.Pix, last.Pix) {
		t.Error("the recording's last picture is not what the console showed last")
	}
	ev.wait(t, "recording stopped", func(e Event) bool {
		return e.Kind == EventRecording && e.Recording.State == "stopped" && e.Recording.Frames == info.Frames
	})
	cust.WaitShown(t, "that the recording stopped", func(e session.Event) bool {
		return e.Kind == session.EventRecording && !e.Recording
	})
}

// recordingOf is a session viewing scr whose customer allowed a recording,
// under way to a file named name in a temporary folder.
func recordingOf(t *testing.T, ctx context.Context, scr *streamtest.Screen, name string) (*Session, *testcustomer.Customer, *recorder, string) {
	t.Helper()
	s, cust, _, ev := viewing(t, ctx, scr)
	path := filepath.Join(t.TempDir(), name+recording.Extension)
	cust.Answer(consent.AllowOnce)
	if err := s.StartRecording(ctx, path); err != nil {
		t.Fatal(err)
	}
	return s, cust, ev, path
}

// The customer's Stop ends the recording by itself; the file is complete
// and says nothing was lost.
func TestCustomerStopEndsTheRecording(t *testing.T) {
	ctx := ctxT(t, 60*time.Second)
	scr := streamtest.New(200, 120)
	s, cust, ev, path := recordingOf(t, ctx, scr, "stopped")
	paint(t, ctx, s, scr, 500*time.Millisecond)
	last, _, _ := s.Snapshot()
	cust.Agent.Stop()
	e := ev.wait(t, "the recording stopping by itself", func(e Event) bool { return e.Kind == EventRecordingStopped })
	if e.Text == "" || e.RecordingInfo == nil || e.RecordingInfo.Path != path || e.RecordingInfo.Reason == "" {
		t.Fatalf("event %+v", e)
	}
	if _, ok := s.Recording(); ok {
		t.Error("still recording after the customer stopped sharing")
	}
	ev.wait(t, "everyone told", func(e Event) bool {
		return e.Kind == EventRecording && e.Recording.State == "stopped" && e.Recording.Reason != ""
	})
	p, pic := played(t, path)
	if s := p.Summary(); !s.Complete || s.Dropped != 0 {
		t.Errorf("summary %+v", s)
	}
	if !bytes.Equal(pic.Pix, last.Pix) {
		t.Error("the recording's last picture is not the console's")
	}
}

// Refusals, each in a sentence: recording switched off for the site (by
// the server, the customer is not asked), the customer saying no (no
// file left behind), nothing to record, a folder that is not there.
func TestRecordingRefused(t *testing.T) {
	ctx := ctxT(t, 60*time.Second)
	scr := streamtest.New(160, 100)
	s, cust, ts, _ := viewing(t, ctx, scr)
	dir := t.TempDir()

	if err := ts.Store.SetSiteSetting(ctx, "recording", "off"); err != nil {
		t.Fatal(err)
	}
	err := s.StartRecording(ctx, filepath.Join(dir, "off.llrec"))
	if err == nil || !strings.Contains(err.Error(), "Recording") || !IsCode(err, "feature_disabled") {
		t.Fatalf("with recording off: %v", err)
	}
	if err := ts.Store.SetSiteSetting(ctx, "recording", "on"); err != nil {
		t.Fatal(err)
	}

	cust.Answer(consent.Deny)
	if err := s.StartRecording(ctx, filepath.Join(dir, "denied.llrec")); !errors.Is(err, ErrDenied) {
		t.Fatalf("denied: %v", err)
	}
	if err := s.StartRecording(ctx, filepath.Join(dir, "no such folder", "x.llrec")); err == nil || !strings.Contains(err.Error(), "does not exist") {
		t.Fatalf("missing folder: %v", err)
	}
	if err := s.StopSharing(ctx); err != nil {
		t.Fatal(err)
	}
	if err := s.WaitStopped(ctx); err != nil {
		t.Fatal(err)
	}
	if err := s.StartRecording(ctx, filepath.Join(dir, "nothing.llrec")); err == nil || !strings.Contains(err.Error(), "no screen to record") {
		t.Fatalf("without a view: %v", err)
	}
	if left, _ := filepath.Glob(filepath.Join(dir, "*")); len(left) != 0 {
		t.Errorf("files left behind by refusals: %v", left)
	}
}

// Ending the session while recording closes the recording first: the
// file is complete, and the session's report has its stop and its size.
func TestEndStopsTheRecording(t *testing.T) {
	ctx := ctxT(t, 60*time.Second)
	scr := streamtest.New(200, 120)
	s, _, _, path := recordingOf(t, ctx, scr, "ended")
	paint(t, ctx, s, scr, 300*time.Millisecond)
	if err := s.End(ctx, ""); err != nil {
		t.Fatal(err)
	}
	if _, on := s.Recording(); on {
		t.Fatal("still recording after the end")
	}
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	if sum, err := recording.Scan(f); err != nil || !sum.Complete {
		t.Fatalf("the file after the end: %+v, %v", sum, err)
	}
	rep, err := s.c.api.Report(ctx, s.ID())
	if err != nil || len(rep.Recordings) != 1 || rep.Recordings[0].Status != client.RecordingStopped || rep.Recordings[0].Bytes == 0 {
		t.Fatalf("the report's recordings: %+v, %v", rep.Recordings, err)
	}
}
