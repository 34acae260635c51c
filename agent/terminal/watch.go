package terminal

import "lifeline/agent/session"

// showWatch prints a secondary customer's watching of the shared screen:
//
//	WATCHING Ann's screen (1920×1080)             the picture is there (again with a new size)
//	WATCHING stopped: Carol stopped sharing.      it went, and why
//
// A reason when nothing was shown (the connection could not be made,
// nobody shares any more) is a NOTICE.
func (t *Terminal) showWatch(e session.Event) {
	if e.Watch == nil {
		return
	}
	t.mu.Lock()
	was := t.watching
	t.watching = e.Watch.Watching
	t.mu.Unlock()
	switch {
	case e.Watch.Watching:
		t.println("WATCHING %s's screen (%d×%d)", printable(e.Watch.Sharer), e.Watch.Size.X, e.Watch.Size.Y)
	case was && e.Text != "":
		t.println("WATCHING stopped: %s", e.Text)
	case was:
		t.println("WATCHING stopped")
	case e.Text != "":
		t.println("NOTICE %s", e.Text)
	}
}
