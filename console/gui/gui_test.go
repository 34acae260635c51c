package gui

import (
	"context"
	"fmt"
	"net/url"
	"strings"
	"testing"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/test"
	"fyne.io/fyne/v2/widget"

	"lifeline/console/internal/fakeagent"
	"lifeline/shared/rendezvoustest"
	"lifeline/shared/tlsutil"
	"lifeline/shared/transport"
)

// harness runs the console over Fyne's test driver. Every fyne.Do of the
// glue is queued and run on the test goroutine, which is the only one that
// touches widgets.
type harness struct {
	t    *testing.T
	u    *ui
	ts   *rendezvoustest.Server
	q    chan func()
	done chan struct{}
}

func newHarness(t *testing.T) *harness {
	t.Helper()
	ts := rendezvoustest.New(t, rendezvoustest.Options{})
	ts.AddUser(t, "carol@example.com", "Carol CSR", "csr", "carol-password-1")
	a := test.NewTempApp(t)
	h := &harness{t: t, ts: ts, q: make(chan func(), 4096), done: make(chan struct{})}
	h.u = newUI(a, Config{Server: ts.URL, Email: "carol@example.com", TLS: ts.TLS, LoopbackOnly: true})
	h.u.do = func(f func()) {
		select {
		case h.q <- f:
		case <-h.done:
		}
	}
	h.u.win.Resize(fyne.NewSize(1200, 720))
	h.u.start()
	t.Cleanup(func() {
		close(h.done)
		h.u.shutdown()
	})
	return h
}

// eventually runs the queued UI work until ok holds.
func (h *harness) eventually(what string, ok func() bool) {
	h.t.Helper()
	deadline := time.After(30 * time.Second)
	for !ok() {
		select {
		case f := <-h.q:
			f()
		case <-time.After(20 * time.Millisecond):
		case <-deadline:
			h.t.Fatalf("timed out waiting for %s", what)
		}
	}
}

// background runs f off the UI thread while pumping UI work.
func (h *harness) background(what string, f func() error) {
	h.t.Helper()
	errc := make(chan error, 1)
	go func() { errc <- f() }()
	var err error
	done := false
	h.eventually(what, func() bool {
		select {
		case err = <-errc:
			done = true
		default:
		}
		return done
	})
	if err != nil {
		h.t.Fatalf("%s: %v", what, err)
	}
}

func (h *harness) login(password string) {
	h.t.Helper()
	test.Type(h.u.login.password, password)
	test.Tap(h.u.login.loginBtn)
}

func (h *harness) loggedIn() {
	h.t.Helper()
	h.login("carol-password-1")
	h.eventually("the dashboard", func() bool { return h.u.win.Content() == h.u.dash.content })
}

func (h *harness) started() {
	h.t.Helper()
	h.loggedIn()
	test.Tap(h.u.dash.startBtn)
	h.eventually("a session", func() bool { return h.u.sess != nil && h.u.dash.sessionBox.Visible() })
}

func ctxT(t *testing.T) context.Context {
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	t.Cleanup(cancel)
	return ctx
}

func TestLoginErrorsAndFingerprint(t *testing.T) {
	h := newHarness(t)
	v := h.u.login
	if v.server.Text != h.ts.URL || v.email.Text != "carol@example.com" {
		t.Fatalf("not prefilled: %q %q", v.server.Text, v.email.Text)
	}
	// Checked before anything goes to the network.
	test.Tap(v.loginBtn)
	if !v.errLabel.Visible() || !strings.Contains(v.errLabel.Text, "password") {
		t.Fatalf("empty password: %q", v.errLabel.Text)
	}
	h.login("wrong-password")
	h.eventually("the refusal", func() bool { return v.errLabel.Visible() && !v.loginBtn.Disabled() })
	if v.errLabel.Text != "The email address or password is not right. Please try again." {
		t.Fatalf("refusal = %q", v.errLabel.Text)
	}
	want := tlsutil.Fingerprint(h.ts.HTTP.Certificate().Raw)
	if !strings.Contains(v.fingerprint.Text, want) {
		t.Fatalf("fingerprint label %q, want %s", v.fingerprint.Text, want)
	}
	test.Type(v.password, "x") // appended: still wrong
	v.server.SetText("https://127.0.0.1:1")
	test.Tap(v.loginBtn)
	h.eventually("the unreachable server", func() bool { return v.errLabel.Visible() && !v.loginBtn.Disabled() })
	if !strings.Contains(v.errLabel.Text, "cannot reach the server") {
		t.Fatalf("unreachable = %q", v.errLabel.Text)
	}
}

func TestSessionChatInviteEnd(t *testing.T) {
	h := newHarness(t)
	h.started()
	d := h.u.dash
	number := h.u.sess.Number()
	if d.number.Text != spaced(number) || len(d.number.Text) != 11 {
		t.Fatalf("number shown %q for %s", d.number.Text, number)
	}
	test.Tap(d.copyNumber)
	if got := h.u.app.Clipboard().Content(); got != number {
		t.Fatalf("copied %q", got)
	}
	test.Tap(d.copyLink)
	if got := h.u.app.Clipboard().Content(); got != h.u.sess.JoinURL() || !strings.HasSuffix(got, "/join/"+number) {
		t.Fatalf("copied link %q", got)
	}
	if !strings.Contains(d.instructions.Text, spaced(number)) || !strings.Contains(d.instructions.Text, h.ts.URL) {
		t.Fatalf("instructions %q", d.instructions.Text)
	}
	if !d.viewBtn.Disabled() || !d.controlBtn.Disabled() {
		t.Fatal("request buttons enabled without a customer")
	}

	agent := fakeagent.Join(t, h.ts, number, fakeagent.Options{Name: "Ann"})
	h.eventually("the customer in the roster", func() bool { return !d.viewBtn.Disabled() })
	roster := test.RenderObjectToMarkup(d.people)
	for _, s := range []string{"Carol CSR (you)", "CSR · Connected", "Ann", "Primary customer · Connected"} {
		if !strings.Contains(roster, s) {
			t.Fatalf("roster lacks %q:\n%s", s, roster)
		}
	}

	// Chat both ways, and privately to the customer.
	h.background("customer chat", func() error { return agent.Chat("My printer is offline") })
	h.eventually("the customer's line", func() bool {
		return strings.Contains(test.RenderObjectToMarkup(d.chatBox), "My printer is offline")
	})
	test.Type(d.chatEntry, "Let me have a look")
	test.Tap(d.sendBtn)
	h.background("the line reaches the customer", func() error { return agent.WaitChat(ctxT(t), "Let me have a look") })
	if d.chatEntry.Text != "" {
		t.Fatalf("entry not cleared: %q", d.chatEntry.Text)
	}
	d.chatTo.SetSelected("Ann (Primary customer)")
	test.Type(d.chatEntry, "Just for you")
	d.chatEntry.OnSubmitted(d.chatEntry.Text)
	h.background("the private line", func() error { return agent.WaitChat(ctxT(t), "Just for you") })
	h.eventually("the private line in the history", func() bool {
		return strings.Contains(test.RenderObjectToMarkup(d.chatBox), "Carol CSR → Ann (private)")
	})

	// The invitation email.
	m, err := url.Parse(mailto(number, h.u.sess.JoinURL(), "Carol CSR"))
	if err != nil || m.Scheme != "mailto" {
		t.Fatalf("mailto %v %v", m, err)
	}
	q := m.Query()
	if !strings.Contains(q.Get("subject"), spaced(number)) || !strings.Contains(q.Get("body"), h.u.sess.JoinURL()) || !strings.Contains(q.Get("body"), spaced(number)) {
		t.Fatalf("mail %q / %q", q.Get("subject"), q.Get("body"))
	}
	test.Tap(d.emailBtn) // the test app's OpenURL succeeds: no error dialog
	if h.u.win.Canvas().Overlays().Top() != nil {
		t.Fatal("an error dialog after Email")
	}

	// End, with the notes reviewed in the dialog.
	test.Type(d.notes, "Printer driver")
	s := h.u.sess
	test.Tap(d.endBtn)
	top := h.u.win.Canvas().Overlays().Top()
	if top == nil {
		t.Fatal("no End Session dialog")
	}
	var notes *widget.Entry
	var confirm *widget.Button
	for _, o := range test.LaidOutObjects(top) {
		switch w := o.(type) {
		case *widget.Entry:
			if w.MultiLine {
				notes = w
			}
		case *widget.Button:
			if w.Text == "End Session" {
				confirm = w
			}
		}
	}
	if notes == nil || confirm == nil || notes.Text != "Printer driver" {
		t.Fatalf("dialog notes %v confirm %v", notes, confirm)
	}
	notes.SetText(notes.Text + " reinstalled")
	test.Tap(confirm)
	h.eventually("the end of the session", func() bool { return d.idle.Visible() && h.u.sess == nil })
	if !isEnded(s) || !strings.Contains(d.startErr.Text, "ended") {
		t.Fatalf("ended %v, message %q", isEnded(s), d.startErr.Text)
	}
	var report string
	h.background("the report", func() error {
		det, err := h.u.controller().API().Report(ctxT(t), s.ID())
		if err == nil {
			report = det.Notes
		}
		return err
	})
	if report != "Printer driver reinstalled" {
		t.Fatalf("notes in the report %q", report)
	}
}

func TestRequestViewAndSharingWindow(t *testing.T) {
	h := newHarness(t)
	h.started()
	d := h.u.dash
	agent := fakeagent.Join(t, h.ts, h.u.sess.Number(), fakeagent.Options{Name: "Ann", Grant: true, Width: 320, Height: 200})
	h.eventually("the customer", func() bool { return !d.viewBtn.Disabled() })
	test.Tap(d.viewBtn)
	h.eventually("the sharing window", func() bool { return h.u.share != nil })
	sv := h.u.share.view
	h.eventually("the customer's screen", func() bool {
		return sv.area.img.Image != nil && sv.area.img.Image.Bounds().Dx() == 320 && strings.Contains(sv.status.Text, "fps")
	})
	if !strings.Contains(sv.status.Text, "320×200") || !strings.Contains(sv.status.Text, "kbit/s") {
		t.Fatalf("status %q", sv.status.Text)
	}
	if !strings.Contains(d.desktopMsg.Text, "allowed you to view") {
		t.Fatalf("desktop message %q", d.desktopMsg.Text)
	}
	sv.colors.SetSelected("256 colors")
	sv.mode.SetSelected("Screen Sampling")
	h.background("the options reach the agent", func() error {
		if err := agent.WaitControl(ctxT(t), func(c transport.Control) bool { return c.Colors == "256" }); err != nil {
			return err
		}
		return agent.WaitControl(ctxT(t), func(c transport.Control) bool { return c.Mode == "sampling" })
	})
	test.Tap(sv.stopBtn)
	if h.u.share != nil {
		t.Fatal("the sharing window stayed open")
	}
	h.eventually("sharing stopped", func() bool { return strings.Contains(d.desktopMsg.Text, "stopped") })
	h.eventually("the roster without sharing", func() bool {
		st := h.u.sess.State()
		return st.Sharing == ""
	})
}

func TestControlForwardsInput(t *testing.T) {
	h := newHarness(t)
	h.started()
	d := h.u.dash
	agent := fakeagent.Join(t, h.ts, h.u.sess.Number(), fakeagent.Options{Name: "Ann", Grant: true, Width: 320, Height: 200})
	h.eventually("the customer", func() bool { return !d.controlBtn.Disabled() })
	test.Tap(d.controlBtn)
	h.eventually("the screen", func() bool {
		return h.u.share != nil && h.u.share.view.area.img.Image != nil && h.u.share.view.area.img.Image.Bounds().Dx() == 320
	})
	v := h.u.share.view
	if !v.leaveBtn.Visible() || v.leaveBtn.Text != "Leave Control" {
		t.Fatalf("leave button %v %q", v.leaveBtn.Visible(), v.leaveBtn.Text)
	}
	// 640×400 shows the screen at twice its size.
	v.area.Resize(fyne.NewSize(640, 400))
	test.TapAt(v.area, fyne.NewPos(200, 100))
	test.Type(v.area, "hi")
	v.area.TypedKey(&fyne.KeyEvent{Name: fyne.KeyReturn})
	v.area.TypedKey(&fyne.KeyEvent{Name: fyne.KeyA}) // printable: comes as a rune
	v.area.TypedShortcut(&fyne.ShortcutSelectAll{})
	var got []transport.Input
	h.background("the input", func() error {
		var err error
		got, err = agent.WaitInputs(ctxT(t), 5)
		return err
	})
	var kinds []string
	for _, in := range got {
		switch in.Kind {
		case "click":
			kinds = append(kinds, fmt.Sprintf("click %d,%d %s", in.X, in.Y, in.Button))
		case "text":
			kinds = append(kinds, "text "+in.Text)
		case "key":
			kinds = append(kinds, "key "+strings.Join(append(in.Mods, in.Key), "+"))
		}
	}
	want := "click 100,50 left|text h|text i|key Return|key ctrl+a"
	if strings.Join(kinds, "|") != want {
		t.Fatalf("inputs %q, want %q", strings.Join(kinds, "|"), want)
	}
	// Leave Control: nothing more is sent.
	test.Tap(v.leaveBtn)
	if v.leaveBtn.Text != "Resume Control" {
		t.Fatalf("after leaving: %q", v.leaveBtn.Text)
	}
	test.TapAt(v.area, fyne.NewPos(10, 10))
	test.Type(v.area, "x")
	time.Sleep(300 * time.Millisecond)
	h.eventually("nothing", func() bool { return true })
	if n := len(agent.Controls()); n < 0 {
		t.Fatal(n)
	}
	if _, err := agent.WaitInputs(ctxShort(t), 6); err == nil {
		t.Fatal("input was sent after Leave Control")
	}
}

func ctxShort(t *testing.T) context.Context {
	ctx, cancel := context.WithTimeout(context.Background(), 500*time.Millisecond)
	t.Cleanup(cancel)
	return ctx
}

func TestQuitAndLogOutWithASession(t *testing.T) {
	h := newHarness(t)
	h.started()
	overlays := h.u.win.Canvas().Overlays()
	h.u.confirmQuit()
	if !overlayHas(overlays.Top(), "is still open") {
		t.Fatal("closing with a live session did not ask")
	}
	overlays.Remove(overlays.Top())
	test.Tap(h.u.dash.logoutBtn)
	if !overlayHas(overlays.Top(), "End the session before you log out") {
		t.Fatal("logging out with a live session did not refuse")
	}
	overlays.Remove(overlays.Top())
	s := h.u.sess
	h.background("end", func() error { return s.End(ctxT(t), "") })
	h.eventually("the idle dashboard", func() bool { return h.u.sess == nil })
	test.Tap(h.u.dash.logoutBtn)
	if h.u.win.Content() != h.u.login.content || h.u.controller() != nil {
		t.Fatal("not logged out")
	}
	// Logging in again works.
	h.loggedIn()
}

// overlayHas reports whether a label in the overlay says text.
func overlayHas(o fyne.CanvasObject, text string) bool {
	if o == nil {
		return false
	}
	for _, w := range test.LaidOutObjects(o) {
		if l, ok := w.(*widget.Label); ok && strings.Contains(l.Text, text) {
			return true
		}
	}
	return false
}
