package terminal

import (
	"image"
	"strings"
	"testing"

	"lifeline/agent/session"
)

func TestShowWatch(t *testing.T) {
	out := &syncBuf{}
	term := New(strings.NewReader(""), out)
	ann := func(on bool, w, h int) *session.Watch {
		return &session.Watch{Sharer: "Ann", Watching: on, Size: image.Pt(w, h)}
	}
	for _, e := range []session.Event{
		{Kind: session.EventWatch, Watch: ann(false, 0, 0), Text: "Ann's screen cannot be shown: the connection could not be opened."},
		{Kind: session.EventWatch, Watch: ann(true, 1920, 1080)},
		{Kind: session.EventWatch, Watch: ann(true, 1280, 1024)}, // the CSR chose another monitor
		{Kind: session.EventWatch, Watch: &session.Watch{}, Text: "Carol stopped sharing."},
		{Kind: session.EventWatch, Watch: &session.Watch{}}, // nothing to open again: nothing to say
		{Kind: session.EventWatch, Watch: &session.Watch{Sharer: "Ann\x1b[2J", Watching: true, Size: image.Pt(800, 600)}},
		{Kind: session.EventWatch, Watch: ann(false, 0, 0)},
	} {
		term.Show(e)
	}
	want := "NOTICE Ann's screen cannot be shown: the connection could not be opened.\n" +
		"WATCHING Ann's screen (1920×1080)\n" +
		"WATCHING Ann's screen (1280×1024)\n" +
		"WATCHING stopped: Carol stopped sharing.\n" +
		"WATCHING Ann?[2J's screen (800×600)\n" +
		"WATCHING stopped\n"
	if out.String() != want {
		t.Fatalf("got:\n%s\nwant:\n%s", out, want)
	}
}
