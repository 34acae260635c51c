package gui

import (
	"context"
	"fmt"
	"net/url"
	"strings"
	"testing"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/driver/desktop"
	"fyne.io/fyne/v2/test"
	"fyne.io/fyne/v2/widget"

	"lifeline/agent/session"
	"lifeline/console/controller"
	"lifeline/console/internal/fakeagent"
	"lifeline/console/profile"
	"lifeline/shared/protocol"
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
	dir  string
}

func newServer(t *testing.T) *rendezvoustest.Server {
	ts := rendezvoustest.New(t, rendezvoustest.Options{})
	ts.AddUser(t, "carol@example.com", "Carol CSR", "csr", "carol-password-1")
	return ts
}

func newHarness(t *testing.T) *harness {
	t.Helper()
	ts := newServer(t)
	return newHarnessOn(t, ts, Config{Server: ts.URL, Email: "carol@example.com", TLS: ts.TLS}, t.TempDir())
}

// newHarnessOn runs a console against ts with cfg and the profile folder
// dir (shared by consoles that play restarts).
func newHarnessOn(t *testing.T, ts *rendezvoustest.Server, cfg Config, dir string) *harness {
	t.Helper()
	a := test.NewTempApp(t)
	cfg.ProfileDir, cfg.LoopbackOnly = dir, true
	h := &harness{t: t, ts: ts, q: make(chan func(), 4096), done: make(chan struct{}), dir: dir}
	h.u = newUI(a, cfg)
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
	h.onMain()
}

func (h *harness) onMain() {
	h.t.Helper()
	h.eventually("the sessions view", func() bool { return h.u.win.Content() == h.u.main.content })
	// The settings arrive after the login (every site has quick phrases
	// unless an administrator removed them all).
	h.eventually("the settings", func() bool { return len(h.u.policy.phrases) > 0 })
}

// start starts one more session and returns it.
func (h *harness) start() *sessionUI {
	h.t.Helper()
	before := len(h.u.sessions)
	test.Tap(h.u.main.startBtn)
	h.eventually("a session", func() bool {
		if h.u.main.message.Visible() && h.u.main.message.Text != "" {
			h.t.Fatalf("start failed: %s", h.u.main.message.Text)
		}
		return len(h.u.sessions) == before+1
	})
	return h.u.sessions[h.u.order[len(h.u.order)-1]]
}

func (h *harness) started() *sessionUI {
	h.t.Helper()
	h.loggedIn()
	return h.start()
}

// assist logs Dave, a second CSR, into a console of his own and joins
// the session number from the Assist button; it returns his console and
// his panel of the session.
func (h *harness) assist(number string) (*harness, *sessionUI) {
	h.t.Helper()
	h.ts.AddUser(h.t, "dave@example.com", "Dave CSR", "csr", "dave-password-1")
	dave := newHarnessOn(h.t, h.ts, Config{Server: h.ts.URL, Email: "dave@example.com", TLS: h.ts.TLS}, h.t.TempDir())
	dave.login("dave-password-1")
	dave.onMain()
	test.Tap(dave.u.main.assistBtn)
	var entry *widget.Entry
	for _, o := range test.LaidOutObjects(dave.u.win.Canvas().Overlays().Top()) {
		if e, ok := o.(*widget.Entry); ok {
			entry = e
		}
	}
	if entry == nil {
		h.t.Fatal("Assist… shows no field for the session number")
	}
	test.Type(entry, spaced(number))
	test.Tap(dave.dialogButton("Join"))
	dave.eventually("the assisted session", func() bool { return len(dave.u.sessions) == 1 })
	return dave, dave.u.sessions[dave.u.order[0]]
}

func ctxT(t *testing.T) context.Context {
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	t.Cleanup(cancel)
	return ctx
}

func ctxShort(t *testing.T) context.Context {
	ctx, cancel := context.WithTimeout(context.Background(), 500*time.Millisecond)
	t.Cleanup(cancel)
	return ctx
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

// button finds a button by its text in the top overlay (a dialog).
func (h *harness) dialogButton(text string) *widget.Button {
	h.t.Helper()
	top := h.u.win.Canvas().Overlays().Top()
	if top == nil {
		h.t.Fatalf("no dialog (looking for %q)", text)
	}
	for _, o := range test.LaidOutObjects(top) {
		if b, ok := o.(*widget.Button); ok && b.Text == text {
			return b
		}
	}
	h.t.Fatalf("the dialog has no %q button", text)
	return nil
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
	if !strings.HasPrefix(v.errLabel.Text, "Cannot connect to the server at 127.0.0.1:1; check the address") {
		t.Fatalf("unreachable = %q", v.errLabel.Text)
	}
}

// A self-signed server is shown with its fingerprint on first use and
// remembered once trusted; a changed certificate is refused until the old
// one is forgotten.
func TestTrustOnFirstUse(t *testing.T) {
	ts := newServer(t)
	dir := t.TempDir()
	h := newHarnessOn(t, ts, Config{Server: ts.URL, Email: "carol@example.com"}, dir)
	fp := tlsutil.Fingerprint(ts.HTTP.Certificate().Raw)
	h.login("carol-password-1")
	h.eventually("the trust dialog", func() bool { return overlayHas(h.u.win.Canvas().Overlays().Top(), twoLines(fp)) })
	test.Tap(h.dialogButton("Trust and Log In"))
	h.onMain()
	known, ok, err := profile.NewKnownServers(dir).Lookup(ts.URL)
	if err != nil || !ok || known.Fingerprint != fp {
		t.Fatalf("not remembered: %+v %v %v", known, ok, err)
	}
	test.Tap(h.u.main.logoutBtn)
	if h.u.win.Content() != h.u.login.content {
		t.Fatal("not logged out")
	}
	// Known now: no question.
	h.loggedIn()
	test.Tap(h.u.main.logoutBtn)

	// Another certificate under the same address is refused.
	if err := profile.NewKnownServers(dir).Forget(ts.URL); err != nil {
		t.Fatal(err)
	}
	other := "AA:" + strings.Repeat("BB:", 30) + "CC"
	if _, err := profile.NewKnownServers(dir).Remember(ts.URL, other); err != nil {
		t.Fatal(err)
	}
	h.login("carol-password-1")
	h.eventually("the refusal", func() bool { return h.u.login.errLabel.Visible() && !h.u.login.loginBtn.Disabled() })
	if !strings.Contains(h.u.login.errLabel.Text, "has changed") || h.u.controller() != nil {
		t.Fatalf("changed certificate: %q", h.u.login.errLabel.Text)
	}
	test.Tap(h.dialogButton("Forget the Old Certificate"))
	if _, ok, _ := profile.NewKnownServers(dir).Lookup(ts.URL); ok {
		t.Fatal("the old certificate was not forgotten")
	}
}

// A kept login survives a restart of the console, which reopens the
// sessions the CSR is still in; logging out forgets it.
func TestStayLoggedIn(t *testing.T) {
	ts := newServer(t)
	dir := t.TempDir()
	cfg := Config{Server: ts.URL, Email: "carol@example.com", TLS: ts.TLS}
	h := newHarnessOn(t, ts, cfg, dir)
	if !h.u.login.stay.Checked {
		t.Fatal("stay logged in is not the default")
	}
	su := h.started()
	number := su.s.Number()
	agent := fakeagent.Join(t, ts, number, fakeagent.Options{Name: "Ann"})
	h.eventually("the customer", func() bool { return !su.view.viewBtn.Disabled() })
	h.background("customer chat", func() error { return agent.Chat("Still there?") })
	h.eventually("the line", func() bool { return len(su.view.chatBox.Objects) == 1 })
	test.Type(su.view.chatEntry, "Yes, one moment")
	test.Tap(su.view.sendBtn)
	h.background("the reply", func() error { return agent.WaitChat(ctxT(t), "Yes, one moment") })
	test.Type(su.view.notes, "Printer queue")
	test.Tap(su.view.saveNotes)
	h.eventually("the notes saved", func() bool { return su.notesSent == "Printer queue" })
	h.u.shutdown() // the console closes; the session goes on

	again := newHarnessOn(t, ts, Config{TLS: ts.TLS}, dir)
	again.onMain()
	again.eventually("the session reopened", func() bool { return len(again.u.sessions) == 1 })
	reopened := again.u.sessions[again.u.order[0]]
	if got := reopened.s.Number(); got != number {
		t.Fatalf("reopened %s, want %s", got, number)
	}
	history := test.RenderObjectToMarkup(reopened.view.chatBox)
	if !strings.Contains(history, "Still there?") || !strings.Contains(history, "Yes, one moment") ||
		reopened.view.notes.Text != "Printer queue" {
		t.Fatalf("history not restored: notes %q\n%s", reopened.view.notes.Text, history)
	}
	s := again.u.sessions[again.u.order[0]].s
	again.background("end", func() error { return s.End(ctxT(t), "") })
	again.eventually("no session", func() bool { return len(again.u.sessions) == 0 })
	test.Tap(again.u.main.logoutBtn)
	if _, ok, _ := profile.NewSaved(dir).Load(); ok {
		t.Fatal("the login is still kept after Log Out")
	}
	third := newHarnessOn(t, ts, cfg, dir)
	if third.u.win.Content() != third.u.login.content || third.u.login.loginBtn.Disabled() {
		t.Fatal("logged in again after Log Out")
	}
}

func TestSessionChatInviteEnd(t *testing.T) {
	h := newHarness(t)
	su := h.started()
	d := su.view
	number := su.s.Number()
	if d.number.Text != spaced(number) || len(d.number.Text) != 11 {
		t.Fatalf("number shown %q for %s", d.number.Text, number)
	}
	if d.detail.Text != "You are the host" {
		t.Fatalf("detail %q", d.detail.Text)
	}
	test.Tap(d.copyNumber)
	if got := h.u.app.Clipboard().Content(); got != number {
		t.Fatalf("copied %q", got)
	}
	test.Tap(d.copyLink)
	if got := h.u.app.Clipboard().Content(); got != su.s.JoinURL() || !strings.HasSuffix(got, "/join/"+number) {
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
	if title := h.u.main.items[su.s.ID()].Text; title != spaced(number)+" — Ann" {
		t.Fatalf("tab title %q", title)
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

	// Quick phrases from the server go into the message box.
	if d.phrasesBtn.Hidden || len(d.phrases) == 0 {
		t.Fatal("no quick phrases from the server")
	}
	menu := d.phraseMenu()
	menu.Items[0].Action()
	if d.chatEntry.Text != d.phrases[0] {
		t.Fatalf("phrase → entry %q, want %q", d.chatEntry.Text, d.phrases[0])
	}
	d.chatEntry.SetText("")

	// The invitation email.
	m, err := url.Parse(mailto(number, su.s.JoinURL(), "Carol CSR"))
	if err != nil || m.Scheme != "mailto" {
		t.Fatalf("mailto %v %v", m, err)
	}
	q := m.Query()
	if !strings.Contains(q.Get("subject"), spaced(number)) || !strings.Contains(q.Get("body"), su.s.JoinURL()) || !strings.Contains(q.Get("body"), spaced(number)) {
		t.Fatalf("mail %q / %q", q.Get("subject"), q.Get("body"))
	}
	test.Tap(d.emailBtn) // the test app's OpenURL succeeds: no error dialog
	if h.u.win.Canvas().Overlays().Top() != nil {
		t.Fatal("an error dialog after Email")
	}

	// End, with the notes reviewed in the dialog.
	test.Type(d.notes, "Printer driver")
	s := su.s
	test.Tap(d.endBtn)
	top := h.u.win.Canvas().Overlays().Top()
	if top == nil {
		t.Fatal("no End Session dialog")
	}
	var notes *widget.Entry
	for _, o := range test.LaidOutObjects(top) {
		if w, ok := o.(*widget.Entry); ok && w.MultiLine {
			notes = w
		}
	}
	if notes == nil || notes.Text != "Printer driver" {
		t.Fatalf("dialog notes %v", notes)
	}
	notes.SetText(notes.Text + " reinstalled")
	test.Tap(h.dialogButton("End Session"))
	h.eventually("the end of the session", func() bool { return len(h.u.sessions) == 0 })
	if !isEnded(s) || !strings.Contains(h.u.main.message.Text, "is over") || h.u.main.body.Objects[0] != h.u.main.idle {
		t.Fatalf("ended %v, message %q", isEnded(s), h.u.main.message.Text)
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

func isEnded(s *controller.Session) bool {
	select {
	case <-s.Ended():
		return true
	default:
		return false
	}
}

func TestRequestViewAndSharingWindow(t *testing.T) {
	h := newHarness(t)
	su := h.started()
	d := su.view
	agent := fakeagent.Join(t, h.ts, su.s.Number(), fakeagent.Options{Name: "Ann", Grant: true, Width: 320, Height: 200})
	h.eventually("the customer", func() bool { return !d.viewBtn.Disabled() })
	test.Tap(d.viewBtn)
	h.eventually("the sharing window", func() bool { return su.share != nil })
	sv := su.share.view
	h.eventually("the customer's screen", func() bool {
		return sv.area.picture().X == 320 && strings.Contains(sv.status.Text, "fps")
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
	sv.scale.SetSelected(scaleOptions[1])
	if sv.area.Fit() {
		t.Fatal("1:1 not chosen")
	}
	test.Tap(sv.fullBtn)
	if !su.share.win.FullScreen() || sv.fullBtn.Text != "Exit Full Screen" {
		t.Fatal("full screen not on")
	}
	test.Tap(sv.fullBtn)
	if su.share.win.FullScreen() {
		t.Fatal("full screen still on")
	}
	test.Tap(sv.stopBtn)
	if su.share != nil {
		t.Fatal("the sharing window stayed open")
	}
	h.eventually("sharing stopped", func() bool { return strings.Contains(d.desktopMsg.Text, "stopped") })
	h.eventually("the roster without sharing", func() bool { return su.s.State().Sharing == "" })
}

func TestControlForwardsInput(t *testing.T) {
	h := newHarness(t)
	su := h.started()
	d := su.view
	agent := fakeagent.Join(t, h.ts, su.s.Number(), fakeagent.Options{Name: "Ann", Grant: true, Width: 320, Height: 200})
	h.eventually("the customer", func() bool { return !d.controlBtn.Disabled() })
	test.Tap(d.controlBtn)
	h.eventually("the screen", func() bool { return su.share != nil && su.share.view.area.picture().X == 320 })
	v := su.share.view
	if !v.leaveBtn.Visible() || v.leaveBtn.Text != "Leave Control" || !strings.Contains(v.hint.Text, leaveShortcutHint) {
		t.Fatalf("leave button %v %q, hint %q", v.leaveBtn.Visible(), v.leaveBtn.Text, v.hint.Text)
	}
	// 640×400 shows the screen at twice its size.
	v.area.Resize(fyne.NewSize(640, 400))
	press := &desktop.MouseEvent{PointEvent: fyne.PointEvent{Position: fyne.NewPos(200, 100)}, Button: desktop.MouseButtonPrimary}
	v.area.MouseDown(press)
	v.area.MouseUp(press)
	test.Type(v.area, "hi")
	v.area.TypedKey(&fyne.KeyEvent{Name: fyne.KeyReturn})
	v.area.TypedKey(&fyne.KeyEvent{Name: fyne.KeyA}) // printable: comes as a rune
	v.area.TypedShortcut(&fyne.ShortcutSelectAll{})
	var got []transport.Input
	h.background("the input", func() error {
		var err error
		got, err = agent.WaitInputs(ctxT(t), 6)
		return err
	})
	var kinds []string
	for _, in := range got {
		switch in.Kind {
		case "click", "down", "up":
			kinds = append(kinds, fmt.Sprintf("%s %d,%d %s", in.Kind, in.X, in.Y, in.Button))
		case "text":
			kinds = append(kinds, "text "+in.Text)
		case "key":
			kinds = append(kinds, "key "+strings.Join(append(in.Mods, in.Key), "+"))
		}
	}
	want := "down 100,50 left|up 100,50 left|text h|text i|key Return|key ctrl+a"
	if strings.Join(kinds, "|") != want {
		t.Fatalf("inputs %q, want %q", strings.Join(kinds, "|"), want)
	}
	// Leave Control: nothing more is sent.
	test.Tap(v.leaveBtn)
	if v.leaveBtn.Text != "Resume Control" {
		t.Fatalf("after leaving: %q", v.leaveBtn.Text)
	}
	v.area.MouseDown(press)
	v.area.MouseUp(press)
	test.Type(v.area, "x")
	time.Sleep(300 * time.Millisecond)
	h.eventually("nothing", func() bool { return true })
	if _, err := agent.WaitInputs(ctxShort(t), 7); err == nil {
		t.Fatal("input was sent after Leave Control")
	}
}

func TestQuitAndLogOutWithASession(t *testing.T) {
	h := newHarness(t)
	su := h.started()
	overlays := h.u.win.Canvas().Overlays()
	h.u.confirmQuit()
	if !overlayHas(overlays.Top(), "is still open") {
		t.Fatal("closing with a live session did not ask")
	}
	overlays.Remove(overlays.Top())
	test.Tap(h.u.main.logoutBtn)
	if !overlayHas(overlays.Top(), "before you log out") {
		t.Fatal("logging out with a live session did not refuse")
	}
	overlays.Remove(overlays.Top())
	s := su.s
	h.background("end", func() error { return s.End(ctxT(t), "") })
	h.eventually("no session", func() bool { return len(h.u.sessions) == 0 })
	test.Tap(h.u.main.logoutBtn)
	if h.u.win.Content() != h.u.login.content || h.u.controller() != nil {
		t.Fatal("not logged out")
	}
	// Logging in again works.
	h.loggedIn()
}

// Several sessions side by side: one tab each, chat counted as unread in
// the tab that is not shown (with a notification while the console is in
// the background), the tray listing them, and no more than the server's
// maximum.
func TestMultiSessionTabs(t *testing.T) {
	ts := newServer(t)
	if err := ts.Store.SetSiteSetting(context.Background(), "max_customers", "2"); err != nil {
		t.Fatal(err)
	}
	h := newHarnessOn(t, ts, Config{Server: ts.URL, Email: "carol@example.com", TLS: ts.TLS}, t.TempDir())
	one := h.started()
	two := h.start()
	if len(h.u.main.tabs.Items) != 2 || h.u.main.Selected() != two.s.ID() {
		t.Fatalf("%d tabs, selected %s", len(h.u.main.tabs.Items), h.u.main.Selected())
	}
	if !h.u.main.startBtn.Disabled() || !strings.Contains(h.u.main.limit.Text, "2 of 2") {
		t.Fatalf("start at the limit: disabled %v, %q", h.u.main.startBtn.Disabled(), h.u.main.limit.Text)
	}
	if h.u.main.assistBtn.Disabled() {
		t.Fatal("assisting is not limited by hosted sessions")
	}
	ann := fakeagent.Join(t, ts, one.s.Number(), fakeagent.Options{Name: "Ann"})
	bob := fakeagent.Join(t, ts, two.s.Number(), fakeagent.Options{Name: "Bob"})
	h.eventually("both customers", func() bool {
		return strings.HasSuffix(h.u.main.items[one.s.ID()].Text, "Ann") && strings.HasSuffix(h.u.main.items[two.s.ID()].Text, "Bob")
	})

	// A line in the tab not shown is unread until the CSR looks.
	h.background("chat", func() error { return ann.Chat("Are you there?") })
	h.eventually("the unread count", func() bool { return one.unread == 1 })
	if !strings.HasSuffix(h.u.main.items[one.s.ID()].Text, "(1)") || one.view.chatHead.Text != "Chat — 1 unread" {
		t.Fatalf("tab %q, chat %q", h.u.main.items[one.s.ID()].Text, one.view.chatHead.Text)
	}
	tray := h.u.trayMenu()
	var labels []string
	for _, it := range tray.Items {
		labels = append(labels, it.Label)
	}
	joined := strings.Join(labels, "|")
	for _, want := range []string{"Start Session", spaced(one.s.Number()) + " — Ann (1)", spaced(two.s.Number()) + " — Bob", "End Session " + spaced(two.s.Number()) + "…"} {
		if !strings.Contains(joined, want) {
			t.Fatalf("tray %q lacks %q", joined, want)
		}
	}
	h.u.main.Select(one.s.ID())
	if one.unread != 0 || strings.HasSuffix(h.u.main.items[one.s.ID()].Text, ")") {
		t.Fatalf("still unread after looking: %d", one.unread)
	}
	// In the background, a line notifies even in the tab shown.
	h.u.app.Lifecycle().(interface{ OnExitedForeground() func() }).OnExitedForeground()()
	if h.u.focused {
		t.Fatal("still focused")
	}
	test.AssertNotificationSent(t, fyne.NewNotification("Ann (session "+spaced(one.s.Number())+")", "Printer?"), func() {
		h.background("chat", func() error { return ann.Chat("Printer?") })
		h.eventually("the line", func() bool { return one.unread == 1 })
	})
	h.u.app.Lifecycle().(interface{ OnEnteredForeground() func() }).OnEnteredForeground()()
	if one.unread != 0 {
		t.Fatal("coming back did not mark the shown session read")
	}

	// Ending one closes its tab and allows another start.
	s := two.s
	h.background("end", func() error { return s.End(ctxT(t), "") })
	h.eventually("one tab", func() bool { return len(h.u.main.tabs.Items) == 1 })
	if h.u.main.startBtn.Disabled() {
		t.Fatal("start still disabled under the limit")
	}
	_ = bob
}

// Single-session mode: the session fills the window and nothing else can
// be started or assisted until it ends.
func TestSingleSessionMode(t *testing.T) {
	ts := newServer(t)
	if err := ts.Store.SetSiteSetting(context.Background(), "session_mode", "single"); err != nil {
		t.Fatal(err)
	}
	h := newHarnessOn(t, ts, Config{Server: ts.URL, Email: "carol@example.com", TLS: ts.TLS}, t.TempDir())
	su := h.started()
	if h.u.main.body.Objects[0] != h.u.main.single || len(h.u.main.tabs.Items) != 0 {
		t.Fatal("single-session mode shows tabs")
	}
	if !h.u.main.startBtn.Disabled() || !h.u.main.assistBtn.Disabled() || !strings.Contains(h.u.main.limit.Text, "single-session") {
		t.Fatalf("start %v assist %v limit %q", h.u.main.startBtn.Disabled(), h.u.main.assistBtn.Disabled(), h.u.main.limit.Text)
	}
	s := su.s
	h.background("end", func() error { return s.End(ctxT(t), "") })
	h.eventually("the welcome panel", func() bool { return h.u.main.body.Objects[0] == h.u.main.idle })
	if h.u.main.startBtn.Disabled() {
		t.Fatal("start disabled with no session")
	}
}

// The session type and tracking code are asked when the server wants
// them, and shown under the number.
func TestSessionTypeAndTrackingCode(t *testing.T) {
	ts := newServer(t)
	ctx := context.Background()
	if _, err := ts.Store.AddSessionType(ctx, "Billing"); err != nil {
		t.Fatal(err)
	}
	if err := ts.Store.SetSiteSetting(ctx, "tracking_code", "required"); err != nil {
		t.Fatal(err)
	}
	h := newHarnessOn(t, ts, Config{Server: ts.URL, Email: "carol@example.com", TLS: ts.TLS}, t.TempDir())
	h.loggedIn()
	test.Tap(h.u.main.startBtn)
	h.typeAndCode("Start", "Billing", "CASE-42")
}

// typeAndCode answers the top dialog's session type and tracking code,
// whose button (Start, Accept) is off until both are given, and checks
// the session that starts.
func (h *harness) typeAndCode(button, kindName, codeText string) {
	h.t.Helper()
	var kind *widget.Select
	var code *widget.Entry
	for _, o := range test.LaidOutObjects(h.u.win.Canvas().Overlays().Top()) {
		switch w := o.(type) {
		case *widget.Select:
			kind = w
		case *widget.Entry:
			code = w
		}
	}
	if kind == nil || code == nil {
		h.t.Fatalf("the %s dialog does not ask for the type and tracking code", button)
	}
	if !h.dialogButton(button).Disabled() {
		h.t.Fatalf("%s enabled without a tracking code", button)
	}
	kind.SetSelected(kindName)
	test.Type(code, codeText)
	test.Tap(h.dialogButton(button))
	h.eventually("a session", func() bool { return len(h.u.sessions) == 1 })
	su := h.u.sessions[h.u.order[0]]
	if want := "You are the host · Type: " + kindName + " · Tracking code: " + codeText; su.view.detail.Text != want {
		h.t.Fatalf("detail %q, want %q", su.view.detail.Text, want)
	}
}

// Two consoles in one session: a colleague assists by number, the host
// makes the second customer primary and transfers control to the
// assistant, after which the former host may only leave.
func TestAssistMakePrimaryTransfer(t *testing.T) {
	h := newHarness(t)
	su := h.started()
	number := su.s.Number()
	ann := fakeagent.Join(t, h.ts, number, fakeagent.Options{Name: "Ann"})
	bob := fakeagent.Join(t, h.ts, number, fakeagent.Options{Name: "Bob"})
	h.eventually("two customers", func() bool {
		st := su.s.State()
		return roleOf(st, ann.ID) == protocol.RolePrimary && roleOf(st, bob.ID) == protocol.RoleSecondary
	})

	dave, ds := h.assist(number)
	if ds.host || ds.view.endBtn.Visible() || !ds.view.leaveBtn.Visible() || ds.view.desktopBtns.Visible() ||
		ds.view.detail.Text != "You are assisting" {
		t.Fatalf("assistant's panel: host %v end %v leave %v", ds.host, ds.view.endBtn.Visible(), ds.view.leaveBtn.Visible())
	}

	// Make Primary on Bob's row.
	h.eventually("the assistant in the roster", func() bool {
		return strings.Contains(test.RenderObjectToMarkup(su.view.people), "Dave CSR")
	})
	tapRowButton(t, su.view, "Bob", "Make Primary")
	test.Tap(h.dialogButton("Yes"))
	h.eventually("Bob primary", func() bool {
		st := su.s.State()
		return roleOf(st, bob.ID) == protocol.RolePrimary && roleOf(st, ann.ID) == protocol.RoleSecondary
	})
	// Transfer control to Dave.
	tapRowButton(t, su.view, "Dave CSR", "Transfer Control")
	test.Tap(h.dialogButton("Yes"))
	h.eventually("the former host's panel", func() bool { return !su.host && su.view.leaveBtn.Visible() })
	dave.eventually("the new host's panel", func() bool { return ds.host && ds.view.endBtn.Visible() && ds.view.desktopBtns.Visible() })
	test.Tap(su.view.leaveBtn)
	test.Tap(h.dialogButton("Yes"))
	h.eventually("left", func() bool { return len(h.u.sessions) == 0 })
	s := ds.s
	dave.background("end", func() error { return s.End(ctxT(t), "") })
}

// An assistant watches what the customer shares with the session: the
// sharing window opens by itself, read-only, with the picture's options
// left to the host; closing it stops watching for the assistant only,
// and Watch Screen opens it again.
func TestAssistantWatchesSharing(t *testing.T) {
	src, err := loadCorpus(corpusDir, 2)
	if err != nil {
		t.Skipf("no screen corpus: %v", err)
	}
	h := newHarness(t)
	su := h.started()
	number := su.s.Number()
	_, stop := joinRealAgent(h.ts.Client(), number, "Ann Smith", src, session.Tools{})
	t.Cleanup(stop)
	h.eventually("the customer", func() bool { return su.view.viewBtn.Visible() && !su.view.viewBtn.Disabled() })

	dave, ds := h.assist(number)

	test.Tap(su.view.viewBtn)
	h.eventually("the host's sharing window", func() bool { return su.share != nil })
	dave.eventually("the assistant's window, observing", func() bool {
		return ds.share != nil && ds.share.view.observer && ds.share.view.mode.Disabled() && !ds.share.view.control
	})
	dave.eventually("the assistant sees the screen", func() bool { return ds.s.Live() && ds.s.Stats().Frames > 0 })
	dave.eventually("Watch Screen offered", func() bool { return ds.view.watchRow.Visible() })
	if ds.share.view.stopBtn.Text != "Stop Watching" {
		t.Fatalf("stop button %q", ds.share.view.stopBtn.Text)
	}

	// Closing the window stops watching for the assistant only.
	dave.u.stopSharing(ds)
	dave.eventually("the assistant stopped watching", func() bool { return ds.share == nil && !ds.s.Live() })
	if !su.s.Live() {
		t.Fatal("the host's view stopped with the assistant's")
	}
	test.Tap(ds.view.watchBtn)
	dave.eventually("watching again", func() bool { return ds.share != nil && ds.s.Live() })
}

func roleOf(st protocol.State, id string) string {
	for _, p := range st.Participants {
		if p.ID == id {
			return p.Role
		}
	}
	return ""
}

// tapRowButton taps the button in the participant row naming who.
func tapRowButton(t *testing.T, v *sessionView, who, button string) {
	t.Helper()
	for _, row := range v.people.Objects {
		has := false
		var b *widget.Button
		for _, o := range test.LaidOutObjects(row) {
			switch w := o.(type) {
			case *widget.Label:
				if w.Text == who {
					has = true
				}
			case *widget.Button:
				if w.Text == button {
					b = w
				}
			}
		}
		if has && b != nil {
			test.Tap(b)
			return
		}
	}
	t.Fatalf("no %q button for %s", button, who)
}

// The window's shortcuts are the buttons' commands, within the same
// limits.
func TestShortcuts(t *testing.T) {
	h := newHarness(t)
	h.loggedIn()
	for _, s := range shortcuts {
		if s.label == "" || s.what == "" {
			t.Fatalf("shortcut %v undocumented", s.key)
		}
	}
	press := func(key fyne.KeyName, mod fyne.KeyModifier) {
		h.u.runShortcut(key, mod)
	}
	ctrl, ctrlShift := fyne.KeyModifierControl, fyne.KeyModifierControl|fyne.KeyModifierShift
	press(fyne.KeyN, ctrl)
	h.eventually("a session from Ctrl+N", func() bool { return len(h.u.sessions) == 1 })
	press(fyne.KeyN, ctrl)
	h.eventually("a second session", func() bool { return len(h.u.sessions) == 2 })
	first, second := h.u.order[0], h.u.order[1]
	if h.u.main.Selected() != second {
		t.Fatal("the new session is not shown")
	}
	press(fyne.KeyPageDown, ctrl)
	if h.u.main.Selected() != first {
		t.Fatal("Ctrl+Page Down did not go round to the first session")
	}
	su := h.u.sessions[first]
	agent := fakeagent.Join(t, h.ts, su.s.Number(), fakeagent.Options{Name: "Ann", Grant: true, Width: 160, Height: 100})
	h.eventually("the customer", func() bool { return !su.view.controlBtn.Disabled() })
	press(fyne.KeyC, ctrlShift)
	h.eventually("the sharing window from Ctrl+Shift+C", func() bool { return su.share != nil && su.share.view.control })
	press(fyne.KeyA, ctrlShift)
	if !overlayHas(h.u.win.Canvas().Overlays().Top(), "assistant") {
		t.Fatal("Ctrl+Shift+A did not ask for a session number")
	}
	_ = agent
}
