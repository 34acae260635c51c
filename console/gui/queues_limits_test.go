package gui

import (
	"context"
	"strings"
	"testing"
	"time"

	"fyne.io/fyne/v2/test"
)

// The Queues tab greys Accept Next per queue, as the server says: while
// Carol hosts a session, the Billing queue, which works on one session at
// a time, is off with its sentence, and the Printer help queue, which
// follows the site's multi mode, takes a customer; when her sessions end,
// Billing is on again — the board answers at once when a session starts
// or ends, not at its next long-poll timeout.
func TestQueuesGreyAcceptNextPerQueue(t *testing.T) {
	ts := newServer(t)
	ts.AddQueue(t, "billing", "Billing", "carol@example.com")
	ts.AddQueue(t, "printers", "Printer help", "carol@example.com")
	if err := ts.Store.SetQueueSetting(context.Background(), "billing", "session_mode", "single"); err != nil {
		t.Fatal(err)
	}
	_, annJoined := inLine(t, ts, "billing", "Ann", "next in line")
	_, bobJoined := inLine(t, ts, "printers", "Bob", "next in line")

	h := newHarnessOn(t, ts, Config{Server: ts.URL, Email: "carol@example.com", TLS: ts.TLS}, t.TempDir())
	h.loggedIn()
	h.onMain()
	v := h.u.q.view
	on := func(queue string) bool { b := v.acceptBtns[queue]; return b != nil && !b.Disabled() }
	h.eventually("both lines, Accept Next on in both", func() bool { return v.Waiting() == 2 && on("billing") && on("printers") })

	const single = "You already have a session open, and the Billing queue works on one session at a time. End it before starting another."
	// Well within the long poll's 25 seconds: the start woke it.
	soon := func(what string, since time.Time) {
		t.Helper()
		if d := time.Since(since); d > 5*time.Second {
			t.Fatalf("%s took %s: the board was not woken", what, d.Round(time.Millisecond))
		}
	}
	started := time.Now()
	first := h.start()
	h.eventually("Billing off while Carol hosts a session", func() bool { return !on("billing") })
	soon("Billing off", started)
	if text := shown(v.content); !on("printers") || !strings.Contains(text, single) || v.limit.Visible() {
		t.Fatalf("hosting a session: Printer help on %v, the limit above %q\n%s", on("printers"), v.limit.Text, text)
	}

	// Printer help takes Bob beside the session.
	test.Tap(v.acceptBtns["printers"])
	h.eventually("Bob's session", func() bool { return len(h.u.sessions) == 2 })
	if err := <-bobJoined; err != nil {
		t.Fatalf("Bob did not join: %v", err)
	}
	bob := h.u.sessions[h.u.order[1]]

	// Both sessions end: Billing is on again, and takes Ann.
	ended := time.Now()
	for _, su := range []*sessionUI{first, bob} {
		s := su.s
		h.background("end a session", func() error { return s.End(ctxT(t), "") })
	}
	h.eventually("Billing on again", func() bool { return len(h.u.sessions) == 0 && on("billing") })
	soon("Billing on again", ended)
	if strings.Contains(shown(v.content), single) {
		t.Fatalf("the limit is still said:\n%s", shown(v.content))
	}
	test.Tap(v.acceptBtns["billing"])
	h.eventually("Ann's session", func() bool { return len(h.u.sessions) == 1 })
	if err := <-annJoined; err != nil {
		t.Fatalf("Ann did not join: %v", err)
	}
	h.eventually("Billing off again", func() bool { return !on("billing") })
}
