package gui

import (
	"context"
	"errors"
	"image"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"fyne.io/fyne/v2/dialog"
	"fyne.io/fyne/v2/test"
	"fyne.io/fyne/v2/widget"

	"lifeline/agent/consent"
	"lifeline/agent/session"
	"lifeline/shared/filetransfer"
	"lifeline/shared/protocol"
)

// fakeAgent records what the window asked of the agent.
type fakeAgent struct {
	mu        sync.Mutex
	stops     int
	leaves    int
	chats     []string
	downloads []downloadCall
	called    chan string

	// download plays a download; the window runs it on the test's
	// goroutine (ui.start), so it may look at the window meanwhile.
	download func(ctx context.Context, progress func(filetransfer.Progress)) (filetransfer.Result, error)

	// The shared screen it shows (watch_test.go): the picture, its frame
	// count, and the images the window asked to copy into.
	pic    *image.RGBA
	frames int64
	dsts   []*image.RGBA
}

type downloadCall struct {
	names []string
	dir   string
}

func newFakeAgent() *fakeAgent { return &fakeAgent{called: make(chan string, 16)} }

func (f *fakeAgent) Stop() {
	f.mu.Lock()
	f.stops++
	f.mu.Unlock()
	f.called <- "stop"
}

func (f *fakeAgent) Leave() {
	f.mu.Lock()
	f.leaves++
	f.mu.Unlock()
	f.called <- "leave"
}

func (f *fakeAgent) Chat(text string) {
	f.mu.Lock()
	f.chats = append(f.chats, text)
	f.mu.Unlock()
	f.called <- "chat " + text
}

func (f *fakeAgent) Download(ctx context.Context, names []string, dir string, progress func(filetransfer.Progress)) (filetransfer.Result, error) {
	f.mu.Lock()
	f.downloads = append(f.downloads, downloadCall{names, dir})
	play := f.download
	f.mu.Unlock()
	if play == nil {
		return filetransfer.Result{}, errors.New("test: no download expected")
	}
	return play(ctx, progress)
}

func (f *fakeAgent) EndFileTransfer() { f.called <- "end-files" }

// waitCall waits for the window's call to the agent (made on a goroutine).
func (f *fakeAgent) waitCall(t *testing.T, want string) {
	t.Helper()
	select {
	case got := <-f.called:
		if got != want {
			t.Fatalf("agent call %q, want %q", got, want)
		}
	case <-time.After(5 * time.Second):
		t.Fatalf("agent was not called: want %q", want)
	}
}

type startCall struct{ number, name, email string }

// newTestUI is the window over Fyne's test driver, with Start running
// synchronously.
func newTestUI(t *testing.T, cfg Config) *ui {
	t.Helper()
	a := test.NewTempApp(t)
	u := newUI(a, cfg)
	u.start = func(f func()) { f() }
	u.win.Show()
	t.Cleanup(u.shutdown)
	return u
}

// joinedUI is a window that joined a session with a fake agent.
func joinedUI(t *testing.T) (*ui, *fakeAgent) {
	t.Helper()
	ag := newFakeAgent()
	u := newTestUI(t, Config{Number: "482913077", Name: "Ann", Start: func(number, name, email string, ui session.UI) (Agent, error) {
		ui.Show(session.Event{Kind: session.EventStatus, Text: "Connected to session 482 913 077. Your support representative is Carol."})
		return ag, nil
	}})
	test.Tap(u.joinBtn)
	if u.phase != phaseSession || u.win.Content() != u.view {
		t.Fatalf("not in the session after Join: phase %d", u.phase)
	}
	return u, ag
}

func TestNormalizeNumber(t *testing.T) {
	for _, c := range []struct {
		in, want string
		ok       bool
	}{
		{"482913077", "482913077", true},
		{"482 913 077", "482913077", true},
		{" 482-913-077 ", "482913077", true},
		{"482–913–077", "482913077", true},
		{"48291307", "48291307", false},
		{"4829130771", "4829130771", false},
		{"482 913 07a", "", false},
		{"", "", false},
	} {
		got, ok := normalizeNumber(c.in)
		if ok != c.ok || (ok && got != c.want) {
			t.Errorf("normalizeNumber(%q) = %q, %v; want %q, %v", c.in, got, ok, c.want, c.ok)
		}
	}
}

func TestJoinFormEnablesJoinAndShowsStartErrors(t *testing.T) {
	var calls []startCall
	ag := newFakeAgent()
	u := newTestUI(t, Config{Start: func(number, name, email string, ui session.UI) (Agent, error) {
		calls = append(calls, startCall{number, name, email})
		if number == "111222333" {
			ui.Show(session.Event{Kind: session.EventStatus, Text: "Joining session 111 222 333…"})
			return nil, errors.New("There is no support session with this number. Check the number with your support representative")
		}
		return ag, nil
	}})
	if !u.joinBtn.Disabled() {
		t.Fatal("Join is enabled on an empty form")
	}
	test.Type(u.number, "111 222-333")
	if !u.joinBtn.Disabled() {
		t.Fatal("Join is enabled without a name")
	}
	test.Type(u.name, "  Ann Smith ")
	if u.joinBtn.Disabled() {
		t.Fatal("Join is disabled with 9 digits and a name")
	}
	u.number.SetText("111 222 33")
	if !u.joinBtn.Disabled() {
		t.Fatal("Join is enabled with 8 digits")
	}
	u.number.SetText("111 222 333")
	test.Type(u.email, "ann@example.com")
	test.Tap(u.joinBtn)

	if len(calls) != 1 || calls[0] != (startCall{"111222333", "Ann Smith", "ann@example.com"}) {
		t.Fatalf("Start calls %+v", calls)
	}
	if u.phase != phaseForm || u.win.Content() != u.form {
		t.Fatal("a failed join left the form")
	}
	if !u.joinErr.Visible() || !strings.HasPrefix(u.joinErr.Text, "There is no support session with this number.") || !strings.HasSuffix(u.joinErr.Text, ".") {
		t.Fatalf("join error shown: %v %q", u.joinErr.Visible(), u.joinErr.Text)
	}
	if u.number.Disabled() || u.joinBtn.Disabled() {
		t.Fatal("the form is not usable again after the error")
	}

	// The customer corrects the number and retries.
	u.number.SetText("482-913-077")
	test.Tap(u.joinBtn)
	if len(calls) != 2 || calls[1].number != "482913077" {
		t.Fatalf("Start calls %+v", calls)
	}
	if u.phase != phaseSession || u.win.Content() != u.view || u.agent != ag {
		t.Fatal("the window did not switch to the session")
	}
	if u.joinErr.Visible() {
		t.Fatal("old error still shown")
	}
}

func TestJoinFormPrefilledFromFlags(t *testing.T) {
	u := newTestUI(t, Config{Number: "482913077", Name: "Ann", Email: "ann@example.com",
		Start: func(string, string, string, session.UI) (Agent, error) { return nil, nil }})
	if u.number.Text != "482913077" || u.name.Text != "Ann" || u.email.Text != "ann@example.com" {
		t.Fatalf("fields %q %q %q", u.number.Text, u.name.Text, u.email.Text)
	}
	if u.joinBtn.Disabled() {
		t.Fatal("Join is disabled on a prefilled form")
	}
	// Start returning neither agent nor error is a failure, not a crash.
	test.Tap(u.joinBtn)
	if u.phase != phaseForm || !u.joinErr.Visible() {
		t.Fatal("a nil agent was taken as joined")
	}
}

// After a restart the agent rejoins by itself: nothing to type or press.
func TestAutoJoinAfterRestart(t *testing.T) {
	var got []string
	u := newTestUI(t, Config{Number: "482913077", Name: "Ann", AutoJoin: true, Start: func(number, name, email string, ui session.UI) (Agent, error) {
		got = append(got, number, name)
		return newFakeAgent(), nil
	}})
	u.autoJoin()
	if len(got) != 2 || got[0] != "482913077" || got[1] != "Ann" || u.phase == phaseForm {
		t.Fatalf("Start called with %q; phase %v", got, u.phase)
	}
}

func TestJoinWhileStartRunsIsBusy(t *testing.T) {
	release := make(chan struct{})
	ag := newFakeAgent()
	u := newTestUI(t, Config{Number: "482913077", Name: "Ann", Start: func(string, string, string, session.UI) (Agent, error) {
		<-release
		return ag, nil
	}})
	done := make(chan struct{})
	u.start = func(f func()) { go func() { f(); close(done) }() }
	test.Tap(u.joinBtn)
	if u.phase != phaseJoining || !u.joinBtn.Disabled() || !u.number.Disabled() || !u.joinStatus.Visible() {
		t.Fatal("the form is not busy while joining")
	}
	close(release)
	<-done
	if u.phase != phaseSession {
		t.Fatal("not joined")
	}
}

func askAsync(u *ui, ctx context.Context, r session.Request) (shown chan struct{}, answer chan consent.Answer) {
	shown = make(chan struct{}, 1)
	answer = make(chan consent.Answer, 1)
	u.askedHook = func() { shown <- struct{}{} }
	go func() { answer <- u.Ask(ctx, r) }()
	return shown, answer
}

func waitShown(t *testing.T, shown chan struct{}) {
	t.Helper()
	select {
	case <-shown:
	case <-time.After(5 * time.Second):
		t.Fatal("the request was not shown")
	}
}

func waitAnswer(t *testing.T, answer chan consent.Answer) consent.Answer {
	t.Helper()
	select {
	case a := <-answer:
		return a
	case <-time.After(5 * time.Second):
		t.Fatal("Ask did not return")
	}
	return -1
}

func TestAskAnswers(t *testing.T) {
	req := session.Request{ID: "r1", Action: protocol.ActionView, From: "Carol"}
	for _, c := range []struct {
		name  string
		check bool
		tap   func(a *asking)
		want  consent.Answer
	}{
		{"allow", false, func(a *asking) { test.Tap(a.allow) }, consent.AllowOnce},
		{"deny", false, func(a *asking) { test.Tap(a.deny) }, consent.Deny},
		{"allow for the session", true, func(a *asking) { test.Tap(a.allow) }, consent.AllowAll},
		{"deny with the box checked", true, func(a *asking) { test.Tap(a.deny) }, consent.Deny},
	} {
		t.Run(c.name, func(t *testing.T) {
			u, _ := joinedUI(t)
			shown, answer := askAsync(u, context.Background(), req)
			waitShown(t, shown)
			a := u.ask
			if a == nil || u.win.Canvas().Overlays().Top() == nil {
				t.Fatal("no dialog on screen")
			}
			if c.check {
				test.Tap(a.all)
			}
			c.tap(a)
			if got := waitAnswer(t, answer); got != c.want {
				t.Fatalf("answer %v, want %v", got, c.want)
			}
			if u.ask != nil || u.win.Canvas().Overlays().Top() != nil {
				t.Fatal("the dialog is still open")
			}
		})
	}
}

func TestAskShowsTheRequestInASentence(t *testing.T) {
	u, _ := joinedUI(t)
	req := session.Request{ID: "r1", Action: protocol.ActionControl, From: "Carol"}
	shown, answer := askAsync(u, context.Background(), req)
	waitShown(t, shown)
	var texts []string
	for _, o := range test.LaidOutObjects(u.win.Canvas().Overlays().Top()) {
		switch w := o.(type) {
		case *widget.Label:
			texts = append(texts, w.Text)
		case *tapLabel:
			texts = append(texts, w.Text)
		case *widget.Button:
			texts = append(texts, w.Text)
		}
	}
	for _, want := range []string{"Carol asks to control your mouse and keyboard.", allForSession, "Allow", "Deny", "Permission requested"} {
		if !slices.Contains(texts, want) {
			t.Errorf("the dialog lacks %q: %q", want, texts)
		}
	}
	// The check box's text toggles it, like a check box's label.
	u.ask.all.SetChecked(false)
	tapAllText(t, u)
	if !u.ask.all.Checked {
		t.Fatal("tapping the sentence did not check the box")
	}
	test.Tap(u.ask.allow)
	if got := waitAnswer(t, answer); got != consent.AllowAll {
		t.Fatalf("answer %v", got)
	}
}

// tapAllText taps the wrapped text beside the check box.
func tapAllText(t *testing.T, u *ui) {
	t.Helper()
	for _, o := range test.LaidOutObjects(u.win.Canvas().Overlays().Top()) {
		if l, ok := o.(*tapLabel); ok {
			test.Tap(l)
			return
		}
	}
	t.Fatal("no text beside the check box")
}

func TestAskCancelledByContextDenies(t *testing.T) {
	u, _ := joinedUI(t)
	ctx, cancel := context.WithCancel(context.Background())
	shown, answer := askAsync(u, ctx, session.Request{ID: "r1", Action: protocol.ActionView, From: "Carol"})
	waitShown(t, shown)
	cancel()
	if got := waitAnswer(t, answer); got != consent.Deny {
		t.Fatalf("answer %v", got)
	}
	// cancelAsk ran through fyne.Do (synchronous in the test driver) on Ask's goroutine.
	if u.ask != nil || u.win.Canvas().Overlays().Top() != nil {
		t.Fatal("the dialog stayed open after its context ended")
	}
}

func TestAskOutsideASessionDenies(t *testing.T) {
	u := newTestUI(t, Config{Start: func(string, string, string, session.UI) (Agent, error) { return nil, nil }})
	if got := u.Ask(context.Background(), session.Request{Action: protocol.ActionView, From: "Carol"}); got != consent.Deny {
		t.Fatalf("answer %v", got)
	}
}

func TestChat(t *testing.T) {
	u, ag := joinedUI(t)
	if !strings.Contains(u.status.Text, "Your support representative is Carol") {
		t.Fatalf("status %q", u.status.Text)
	}
	u.Show(session.Event{Kind: session.EventChat, From: "Carol", Text: "Hello Ann, I can see the error."})
	u.Show(session.Event{Kind: session.EventChat, From: "Carol", Text: "Only you see this.", Private: true})
	if !u.sendBtn.Disabled() {
		t.Fatal("Send is enabled with no text")
	}
	test.Type(u.chatEntry, "Thanks!")
	test.Tap(u.sendBtn)
	ag.waitCall(t, "chat Thanks!")
	test.Type(u.chatEntry, "And Enter sends too")
	u.chatEntry.OnSubmitted(u.chatEntry.Text)
	ag.waitCall(t, "chat And Enter sends too")
	u.Show(session.Event{Kind: session.EventNotice, Text: "Carol joined the session"})

	want := []string{
		"Carol: Hello Ann, I can see the error.",
		"Carol (to you): Only you see this.",
		"You: Thanks!",
		"You: And Enter sends too",
		"Carol joined the session.",
	}
	if got := u.historyText(); !slices.Equal(got, want) {
		t.Fatalf("history\n%q\nwant\n%q", got, want)
	}
	if u.chatEntry.Text != "" {
		t.Fatalf("entry not cleared: %q", u.chatEntry.Text)
	}
}

func TestSharingBannerAndStop(t *testing.T) {
	u, ag := joinedUI(t)
	u.Show(session.Event{Kind: session.EventSharing, Viewers: []string{"Carol"}})
	if u.banner == nil || !u.banner.visible || u.banner.text.Text != "Carol is viewing your screen" {
		t.Fatal("no banner while Carol views")
	}
	if !strings.Contains(u.win.Title(), "Carol is viewing your screen") || !u.sharingBar.Visible() {
		t.Fatalf("window title %q / sharing bar %v", u.win.Title(), u.sharingBar.Visible())
	}
	if u.banner.win.Title() != bannerTitle {
		t.Fatalf("banner title %q", u.banner.win.Title())
	}
	u.Show(session.Event{Kind: session.EventSharing, Viewers: []string{"Carol"}, Controllers: []string{"Carol"}})
	if u.banner.text.Text != "Carol is controlling your screen" || u.sharingText.Text != "Carol is controlling your screen" {
		t.Fatalf("banner %q", u.banner.text.Text)
	}
	test.Tap(u.banner.stop)
	ag.waitCall(t, "stop")
	if u.banner.visible || u.sharingBar.Visible() || u.win.Title() != productName {
		t.Fatal("the banner stayed after Stop")
	}
	if h := u.historyText(); !strings.HasPrefix(h[len(h)-1], "You stopped screen sharing.") {
		t.Fatalf("history %q", h)
	}
	// The agent's empty sharing event changes nothing more.
	u.Show(session.Event{Kind: session.EventSharing})
	if u.banner.visible {
		t.Fatal("banner visible")
	}
	// Sharing again, then nobody: the banner goes without a Stop.
	u.Show(session.Event{Kind: session.EventSharing, Viewers: []string{"Carol"}})
	if !u.banner.visible {
		t.Fatal("banner not shown again")
	}
	u.Show(session.Event{Kind: session.EventSharing})
	if u.banner.visible || u.sharingBar.Visible() {
		t.Fatal("banner stayed when nobody views")
	}
	// The window's own Stop button does the same as the banner's.
	u.Show(session.Event{Kind: session.EventSharing, Viewers: []string{"Carol"}})
	u.stopSharing()
	ag.waitCall(t, "stop")
}

func TestSharingSentence(t *testing.T) {
	for _, c := range []struct {
		viewers, controllers []string
		want                 string
	}{
		{nil, nil, ""},
		{[]string{"Carol"}, nil, "Carol is viewing your screen"},
		{[]string{"Carol"}, []string{"Carol"}, "Carol is controlling your screen"},
		{[]string{"Carol", "Dave"}, nil, "Carol and Dave are viewing your screen"},
		{[]string{"Carol", "Dave", "Eve"}, []string{"Carol"}, "Carol is controlling and Dave and Eve are viewing your screen"},
		{[]string{"Carol", "Dave", "Eve"}, []string{"Carol", "Dave", "Eve"}, "Carol, Dave and Eve are controlling your screen"},
	} {
		if got := sharingSentence(c.viewers, c.controllers); got != c.want {
			t.Errorf("sharingSentence(%q, %q) = %q, want %q", c.viewers, c.controllers, got, c.want)
		}
	}
}

func TestLeaveAsksThenLeaves(t *testing.T) {
	u, ag := joinedUI(t)
	u.Show(session.Event{Kind: session.EventSharing, Viewers: []string{"Carol"}})
	test.Tap(u.leaveBtn)
	if u.leave == nil {
		t.Fatal("no confirmation")
	}
	// "Stay" keeps the session.
	u.leave.Hide()
	if u.phase != phaseSession {
		t.Fatal("dismissing the confirmation left")
	}
	test.Tap(u.leaveBtn)
	u.leave.(*dialog.ConfirmDialog).Confirm()
	ag.waitCall(t, "leave")
	if u.phase != phaseEnded || u.status.Text != leftText {
		t.Fatalf("status %q", u.status.Text)
	}
	if !u.closeBtn.Visible() || u.leaveBtn.Visible() || !u.chatEntry.Disabled() || !u.sendBtn.Disabled() {
		t.Fatal("the window does not show the end")
	}
	if u.banner.visible {
		t.Fatal("banner still shown after leaving")
	}
	// The agent's own "You left the session." does not repeat the line.
	u.Show(session.Event{Kind: session.EventEnded, Text: "You left the session."})
	n := 0
	for _, l := range u.historyText() {
		if l == leftText {
			n++
		}
	}
	if n != 1 {
		t.Fatalf("history %q", u.historyText())
	}
}

func TestEndedDisablesChatAndDeniesTheOpenRequest(t *testing.T) {
	u, _ := joinedUI(t)
	shown, answer := askAsync(u, context.Background(), session.Request{ID: "r1", Action: protocol.ActionView, From: "Carol"})
	waitShown(t, shown)
	u.Show(session.Event{Kind: session.EventEnded, Text: "The session has ended. Carol ended the session."})
	if got := waitAnswer(t, answer); got != consent.Deny {
		t.Fatalf("answer %v", got)
	}
	if u.status.Text != "The session has ended. Carol ended the session." || !u.chatEntry.Disabled() || !u.closeBtn.Visible() {
		t.Fatalf("status %q", u.status.Text)
	}
	// Late events do not revive it.
	u.Show(session.Event{Kind: session.EventStatus, Text: "Connected again."})
	u.Show(session.Event{Kind: session.EventSharing, Viewers: []string{"Carol"}})
	if u.status.Text != "The session has ended. Carol ended the session." || u.banner != nil && u.banner.visible {
		t.Fatal("an event after the end changed the window")
	}
}

func TestShowAfterShutdownIsIgnored(t *testing.T) {
	u, _ := joinedUI(t)
	u.shutdown()
	u.Show(session.Event{Kind: session.EventChat, From: "Carol", Text: "late"})
	if len(u.historyText()) != 0 {
		t.Fatal("an event was shown after the window closed")
	}
	if got := u.Ask(context.Background(), session.Request{Action: protocol.ActionView, From: "Carol"}); got != consent.Deny {
		t.Fatalf("answer %v", got)
	}
}

// In a support queue the window asks for name, email and the problem
// (no number), shows the place in line while waiting, and can give the
// place up; once a support representative takes the request it is a
// session like any other.
func TestQueueMode(t *testing.T) {
	type call struct{ name, email, problem string }
	var calls []call
	var u *ui
	left := false
	admit := false
	u = newTestUI(t, Config{Queue: "Printer help", Name: "Ann", Problem: "Offline since the update",
		Start: func(string, string, string, session.UI) (Agent, error) {
			t.Error("Start in queue mode")
			return nil, nil
		},
		StartQueue: func(name, email, problem string, ui session.UI) (Agent, error) {
			calls = append(calls, call{name, email, problem})
			ui.Show(session.Event{Kind: session.EventStatus, Text: "You are number 2 in line for Printer help. Estimated wait: about 4 minutes."})
			if admit {
				return newFakeAgent(), nil
			}
			// While waiting: the place is shown, and the line can be left.
			if !strings.Contains(u.joinStatus.Text, "number 2 in line") || !u.leaveLine.Visible() {
				t.Errorf("while waiting: status %q, leave button %v", u.joinStatus.Text, u.leaveLine.Visible())
			}
			test.Tap(u.leaveLine)
			if !left {
				t.Error("Leave the Line did not give the place up")
			}
			return nil, session.ErrLeftLine
		},
		LeaveQueue: func() { left = true },
	})
	if u.joinBtn.Text != "Ask for Help" || u.joinBtn.Disabled() || u.problem.Text != "Offline since the update" {
		t.Fatalf("form: button %q disabled %v problem %q", u.joinBtn.Text, u.joinBtn.Disabled(), u.problem.Text)
	}
	test.Type(u.email, "ann@example.com")
	test.Tap(u.joinBtn)
	if len(calls) != 1 || calls[0] != (call{"Ann", "ann@example.com", "Offline since the update"}) {
		t.Fatalf("StartQueue calls %+v", calls)
	}
	if u.phase != phaseForm || !u.joinErr.Visible() || u.joinErr.Text != "You left the line." || u.leaveLine.Visible() {
		t.Fatalf("after leaving: phase %v error %q", u.phase, u.joinErr.Text)
	}
	// Asking again, and a support representative takes the request.
	admit = true
	test.Tap(u.joinBtn)
	if u.phase != phaseSession {
		t.Fatalf("phase %v after being taken", u.phase)
	}
}
