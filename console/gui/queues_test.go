package gui

import (
	"context"
	"io"
	"net"
	"strings"
	"sync"
	"testing"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/test"
	"fyne.io/fyne/v2/widget"

	"lifeline/agent/session"
	"lifeline/console/controller"
	"lifeline/console/internal/testcustomer"
	"lifeline/shared/rendezvoustest"
)

// inLine starts a real agent waiting in a queue, and waits until it is
// told its place.
func inLine(t *testing.T, ts *rendezvoustest.Server, queue, name, place string) (*testcustomer.Customer, <-chan error) {
	t.Helper()
	c, joined := testcustomer.JoinQueue(t, ts, queue, name)
	c.WaitShown(t, name+"'s place", func(e session.Event) bool { return strings.Contains(e.Text, place) })
	return c, joined
}

// waitingNames are the customers the Queues tab lists in a queue, in
// order, with their places.
func waitingNames(v *queuesView, queue string) string {
	for _, q := range v.board.Queues {
		if q.Name == queue {
			var names []string
			for _, r := range q.Waiting {
				names = append(names, r.Name)
			}
			return strings.Join(names, " ")
		}
	}
	return "(no queue " + queue + ")"
}

// shown is the text of a view's labels, in order.
func shown(o fyne.CanvasObject) string {
	var texts []string
	for _, w := range test.LaidOutObjects(o) {
		if l, ok := w.(*widget.Label); ok && l.Visible() && l.Text != "" {
			texts = append(texts, l.Text)
		}
	}
	return strings.Join(texts, "|")
}

// A CSR who serves a queue sees its customers in line, in order and
// live; Accept Next takes them in that order into tabs, with the
// customer already in the session and their problem on top; it follows
// the session limit, and an Accept Next that comes too late is refused
// with a sentence.
func TestQueuesAcceptNext(t *testing.T) {
	ts := newServer(t)
	ts.AddUser(t, "dave@example.com", "Dave CSR", "csr", "dave-password-1")
	ts.AddQueue(t, "printers", "Printer help", "carol@example.com", "dave@example.com")
	if err := ts.Store.SetSiteSetting(context.Background(), "max_customers", "2"); err != nil {
		t.Fatal(err)
	}
	_, annJoined := inLine(t, ts, "printers", "Ann", "next in line for Printer help")
	bob, _ := inLine(t, ts, "printers", "Bob", "number 2 in line")
	_, cidJoined := inLine(t, ts, "printers", "Cid", "number 3 in line")

	h := newHarnessOn(t, ts, Config{Server: ts.URL, Email: "carol@example.com", TLS: ts.TLS}, t.TempDir())
	h.u.q.tick = 100 * time.Millisecond
	h.loggedIn()
	v, m := h.u.q.view, h.u.main
	h.eventually("the Queues tab", func() bool { return m.queuesOn && v.Waiting() == 3 })
	if got := waitingNames(v, "printers"); got != "Ann Bob Cid" {
		t.Fatalf("in line: %s", got)
	}
	if m.tabs.Items[0] != m.queues || m.queues.Text != "Queues (3)" || m.body.Objects[0] != m.tabs {
		t.Fatalf("the Queues tab: %q, first %v", m.queues.Text, m.tabs.Items[0] == m.queues)
	}
	text := shown(v.content)
	for _, want := range []string{
		"Printer help", "3 customers waiting · 2 representatives serve it",
		"ann@example.com|Ann|waiting ", "The printer is offline",
		"bob@example.com|Bob|waiting ", "cid@example.com|Cid|waiting ",
	} {
		if !strings.Contains(text, want) {
			t.Fatalf("the Queues tab lacks %q:\n%s", want, text)
		}
	}
	if strings.Index(text, "|Ann|") > strings.Index(text, "|Bob|") || strings.Index(text, "|Bob|") > strings.Index(text, "|Cid|") {
		t.Fatalf("not in order:\n%s", text)
	}

	// The waits grow between boards, without asking the server again.
	version, before := h.u.q.board.Version, v.waits[0].label.Text
	h.eventually("the wait to grow", func() bool { return v.waits[0].label.Text != before })
	if h.u.q.board.Version != version {
		t.Fatal("the board changed: the wait did not grow by itself")
	}

	// Bob leaves the line: the tab follows at once.
	bob.Agent.Leave()
	h.eventually("Bob gone from the line", func() bool { return waitingNames(v, "printers") == "Ann Cid" })
	if cid := v.board.Queues[0].Waiting[1]; m.queues.Text != "Queues (2)" || cid.Position != 2 || strings.Contains(shown(v.content), "Bob") {
		t.Fatalf("after Bob left: %q, Cid %d\n%s", m.queues.Text, cid.Position, shown(v.content))
	}

	// Accept Next takes Ann, then Cid, each into a tab of its own.
	for i, want := range []struct {
		name   string
		joined <-chan error
	}{{"Ann", annJoined}, {"Cid", cidJoined}} {
		test.Tap(v.acceptBtns["printers"])
		h.eventually(want.name+"'s session", func() bool { return len(h.u.sessions) == i+1 })
		su := h.u.sessions[h.u.order[i]]
		if err := <-want.joined; err != nil {
			t.Fatalf("%s did not join: %v", want.name, err)
		}
		h.eventually(want.name+" in the session", func() bool {
			return strings.HasSuffix(m.items[su.s.ID()].Text, "— "+want.name) && !su.view.viewBtn.Disabled()
		})
		if m.Selected() != su.s.ID() {
			t.Fatalf("%s's tab is not shown", want.name)
		}
		card := shown(su.view.request)
		if !su.view.request.Visible() || !strings.Contains(card, "From the Printer help queue") ||
			!strings.Contains(card, want.name+" · "+strings.ToLower(want.name)+"@example.com · waited ") ||
			!strings.Contains(card, "Problem: The printer is offline") {
			t.Fatalf("%s's request in the session: %q", want.name, card)
		}
		m.SelectQueues()
	}
	if len(m.tabs.Items) != 3 {
		t.Fatalf("%d tabs, want the Queues tab and two sessions", len(m.tabs.Items))
	}
	h.eventually("the empty line", func() bool { return v.Waiting() == 0 && m.queues.Text == "Queues" })
	if !v.acceptBtns["printers"].Disabled() || !strings.Contains(shown(v.content), "Nobody is waiting.") {
		t.Fatalf("an empty line: Accept Next on %v\n%s", !v.acceptBtns["printers"].Disabled(), shown(v.content))
	}

	// Two sessions of two: Dan waits, but Accept Next is off until one
	// ends, with the server's sentence under the queue.
	inLine(t, ts, "printers", "Dan", "next in line")
	h.eventually("Dan in line", func() bool { return waitingNames(v, "printers") == "Dan" })
	const full = "You already have 2 sessions open, the most your account allows. End one before starting another."
	if !v.acceptBtns["printers"].Disabled() || v.limit.Visible() || !strings.Contains(shown(v.content), full) {
		t.Fatalf("at the limit: Accept Next on %v, %q\n%s", !v.acceptBtns["printers"].Disabled(), v.limit.Text, shown(v.content))
	}
	ann := h.u.sessions[h.u.order[0]].s
	h.background("end Ann's session", func() error { return ann.End(ctxT(t), "") })
	h.eventually("Accept Next on again", func() bool { return len(h.u.sessions) == 1 && !v.acceptBtns["printers"].Disabled() })
	if !strings.Contains(m.status.Text, "is over") {
		t.Fatalf("the end of Ann's session is not said: %q", m.status.Text)
	}

	// Dave is quicker: Carol's tab still shows Dan when she presses.
	dave := controller.New(controller.Config{Server: ts.URL, TLS: ts.TLS, LoopbackOnly: true})
	t.Cleanup(func() { dave.Close() })
	if _, err := dave.Login(ctxT(t), "dave@example.com", "dave-password-1"); err != nil {
		t.Fatal(err)
	}
	if _, r, err := dave.AcceptNext(ctxT(t), "printers", "", ""); err != nil || r.Name != "Dan" {
		t.Fatalf("Dave's Accept Next: %+v %v", r, err)
	}
	test.Tap(v.acceptBtns["printers"])
	h.eventually("the refusal", func() bool { return v.Message("printers") != "" && !h.u.starting })
	if got := v.Message("printers"); got != "Nobody is waiting in the Printer help queue." ||
		!strings.Contains(shown(v.content), got) || len(h.u.sessions) != 1 {
		t.Fatalf("refusal %q, %d sessions", got, len(h.u.sessions))
	}

	// In the background, a customer who starts waiting is a notification,
	// and the tray counts who waits.
	h.u.app.Lifecycle().(interface{ OnExitedForeground() func() }).OnExitedForeground()()
	test.AssertNotificationSent(t, fyne.NewNotification("Eve is waiting in Printer help", "The printer is offline"), func() {
		inLine(t, ts, "printers", "Eve", "next in line")
		h.eventually("Eve in line", func() bool { return v.Waiting() == 1 })
	})
	h.u.app.Lifecycle().(interface{ OnEnteredForeground() func() }).OnEnteredForeground()()
	if v.Message("printers") != "" {
		t.Fatalf("the refusal stays with someone waiting: %q", v.Message("printers"))
	}
	var labels []string
	for _, it := range h.u.trayMenu().Items {
		labels = append(labels, it.Label)
	}
	if !strings.Contains(strings.Join(labels, "|"), "Queues — 1 waiting") {
		t.Fatalf("tray %q", labels)
	}
}

// A CSR who serves no queue has no Queues tab at all.
func TestQueuesHiddenWithoutQueues(t *testing.T) {
	ts := newServer(t)
	ts.AddUser(t, "dave@example.com", "Dave CSR", "csr", "dave-password-1")
	ts.AddQueue(t, "printers", "Printer help", "dave@example.com")
	inLine(t, ts, "printers", "Ann", "next in line")
	h := newHarnessOn(t, ts, Config{Server: ts.URL, Email: "carol@example.com", TLS: ts.TLS}, t.TempDir())
	h.loggedIn()
	h.eventually("the board", func() bool { return h.u.q.seen })
	m := h.u.main
	if m.queuesOn || len(m.tabs.Items) != 0 || !m.IdleShown() {
		t.Fatalf("a Queues tab for a CSR without queues: %v, %d tabs", m.queuesOn, len(m.tabs.Items))
	}
	// Logging out stops the board; the next CSR starts without it.
	test.Tap(m.logoutBtn)
	if h.u.q.stop != nil || h.u.q.seen {
		t.Fatal("the board is still watched after Log Out")
	}
}

// The host transfers a session to another queue with a message (a longer
// one is refused before anything is sent, a refusal from the server
// stays in the dialog with what was typed), and a colleague who serves
// that queue takes it with Accept Next and reads the message; a session
// transferred to one colleague is theirs to Take.
func TestTransferSession(t *testing.T) {
	ts := newServer(t)
	ts.AddUser(t, "dave@example.com", "Dave CSR", "csr", "dave-password-1")
	ts.AddQueue(t, "printers", "Printer help", "carol@example.com")
	ts.AddQueue(t, "network", "Network help", "dave@example.com")
	ann, _ := inLine(t, ts, "printers", "Ann", "next in line")
	inLine(t, ts, "printers", "Bob", "number 2 in line")

	h := newHarnessOn(t, ts, Config{Server: ts.URL, Email: "carol@example.com", TLS: ts.TLS}, t.TempDir())
	h.loggedIn()
	dave := newHarnessOn(t, ts, Config{Server: ts.URL, Email: "dave@example.com", TLS: ts.TLS}, t.TempDir())
	dave.login("dave-password-1")
	dave.onMain()
	dv := dave.u.q.view
	dave.eventually("Dave's empty queue", func() bool { return dave.u.main.queuesOn })
	if !strings.Contains(shown(dv.content), "0 customers waiting · 1 representative serves it|Network help") {
		t.Fatalf("Dave's tab: %s", shown(dv.content))
	}

	accept := func() *sessionUI {
		t.Helper()
		h.eventually("a customer in line", func() bool {
			b := h.u.q.view.acceptBtns["printers"]
			return b != nil && !b.Disabled()
		})
		before := len(h.u.sessions)
		test.Tap(h.u.q.view.acceptBtns["printers"])
		h.eventually("the session", func() bool { return len(h.u.sessions) == before+1 })
		su := h.u.sessions[h.u.order[before]]
		h.eventually("the customer", func() bool { return !su.view.transferBtn.Disabled() })
		return su
	}
	su := accept()
	if !su.view.transferBtn.Visible() {
		t.Fatal("no Transfer Session for the host")
	}
	h.eventually("Bob alone in line", func() bool { return waitingNames(h.u.q.view, "printers") == "Bob" })
	// Dave assists in it meanwhile.
	dave.u.doAssist(su.s.Number())
	dave.eventually("Dave assisting", func() bool { return len(dave.u.sessions) == 1 })
	ds := dave.u.sessions[dave.u.order[0]]
	test.Tap(su.view.transferBtn)
	if su.transfer == nil {
		t.Fatal("no Transfer Session dialog")
	}
	d := su.transfer.view
	// Every queue, Carol's own and others, and every colleague, from the
	// server: Dave's console is open.
	h.eventually("the list of targets", func() bool { return len(d.rows) > 0 })
	if got := shown(d.list); got != "Queues|Network help|0 waiting · 1 of 1 member online|"+
		"Printer help|1 waiting · 1 of 1 member online · you serve it|Colleagues|Dave CSR|dave@example.com|Online" {
		t.Fatalf("the targets to choose from: %q", got)
	}
	test.Tap(d.sendBtn)
	if !strings.HasPrefix(d.errLabel.Text, "Choose a queue or a colleague") {
		t.Fatalf("nothing chosen: %q", d.errLabel.Text)
	}

	// 345 characters fit; the 346th, typed or pasted, is refused.
	test.Type(d.message, strings.Repeat("x", controller.MaxTransferMessage))
	if d.counter.Text != "345 of 345 characters" || d.refused.Visible() {
		t.Fatalf("counter %q", d.counter.Text)
	}
	test.Type(d.message, "y")
	if messageLength(d.message.Text) != 345 || !d.refused.Visible() ||
		d.refused.Text != "The message can be at most 345 characters long: that would have made it 346, so it was not added." {
		t.Fatalf("the 346th character: %d, %q", messageLength(d.message.Text), d.refused.Text)
	}
	h.u.app.Clipboard().SetContent("more text")
	d.message.TypedShortcut(&fyne.ShortcutPaste{Clipboard: h.u.app.Clipboard()})
	if messageLength(d.message.Text) != 345 || !strings.Contains(d.refused.Text, "made it 354") {
		t.Fatalf("a paste past the limit: %d, %q", messageLength(d.message.Text), d.refused.Text)
	}
	d.message.SetText("Printer fine; the VPN drops.")
	if d.counter.Text != "28 of 345 characters" || d.refused.Visible() {
		t.Fatalf("counter %q, refused %v", d.counter.Text, d.refused.Visible())
	}
	if len(h.u.sessions) != 1 || isEnded(su.s) {
		t.Fatal("something was sent")
	}

	// An address not listed is sent as typed; the server's refusal stays
	// in the dialog, with what was typed.
	test.Type(d.find, "nobody@example.com")
	if d.choice.Text != "Transfer to nobody@example.com (not in the list: the server checks it)" {
		t.Fatalf("the choice line: %q", d.choice.Text)
	}
	test.Tap(d.sendBtn)
	h.eventually("the refusal", func() bool { return d.errLabel.Visible() && !d.sendBtn.Disabled() })
	if d.errLabel.Text != "The session was not transferred: There is no support representative with the email address nobody@example.com." ||
		d.message.Text != "Printer fine; the VPN drops." || d.find.Text != "nobody@example.com" || su.transfer == nil {
		t.Fatalf("refused: %q, message %q", d.errLabel.Text, d.message.Text)
	}

	// To the network queue, which Carol does not serve, from the list.
	d.find.SetText("")
	if !d.choose("network") {
		t.Fatal("the network queue is not listed")
	}
	test.Tap(d.sendBtn)
	h.eventually("the tab closed", func() bool { return len(h.u.sessions) == 0 })
	if su.transfer != nil || h.u.win.Canvas().Overlays().Top() != nil {
		t.Fatal("the dialog is still open")
	}
	if want := "You transferred the session to the queue Network help."; !strings.Contains(h.u.main.status.Text, want) {
		t.Fatalf("status %q, want %q", h.u.main.status.Text, want)
	}
	ann.WaitShown(t, "the transfer", func(e session.Event) bool {
		return strings.Contains(e.Text, "transferred your session to Network help")
	})

	// Dave, who stays as an assistant, is told; he reads the message in
	// line, and takes the session over with it, in the same tab.
	dave.eventually("the transfer in Dave's chat", func() bool {
		return strings.Contains(chatText(ds.view), "Carol CSR transferred the session to the queue Network help.")
	})
	dave.eventually("Ann in Dave's queue", func() bool { return waitingNames(dv, "network") == "Ann" })
	if !strings.Contains(shown(dv.content), "Transferred by Carol CSR: “Printer fine; the VPN drops.”") ||
		dave.u.main.queues.Text != "Queues (1)" {
		t.Fatalf("Dave's tab %q:\n%s", dave.u.main.queues.Text, shown(dv.content))
	}
	test.Tap(dv.acceptBtns["network"])
	dave.eventually("the request on top", func() bool { return ds.view.request.Visible() })
	if len(dave.u.sessions) != 1 || dave.u.main.Selected() != ds.s.ID() {
		t.Fatalf("Dave has %d sessions", len(dave.u.sessions))
	}
	dave.eventually("Dave the host, Ann there", func() bool {
		return ds.host && strings.HasSuffix(dave.u.main.items[ds.s.ID()].Text, "— Ann")
	})
	card := shown(ds.view.request)
	if !strings.Contains(card, "Transferred to the Network help queue by Carol CSR") ||
		!strings.Contains(card, "Message from Carol CSR: “Printer fine; the VPN drops.”") ||
		!strings.Contains(card, "Problem: The printer is offline") {
		t.Fatalf("Dave's session: %q", card)
	}

	// Bob's session goes to Dave himself: it waits for him to Take it.
	bobs := accept()
	var labels []string
	for _, it := range h.u.trayMenu().Items {
		labels = append(labels, it.Label)
	}
	if !strings.Contains(strings.Join(labels, "|"), "Transfer Session "+spaced(bobs.s.Number())+"…") {
		t.Fatalf("tray %q", labels)
	}
	test.Tap(bobs.view.transferBtn)
	d = bobs.transfer.view
	h.eventually("the list of targets", func() bool { return len(d.rows) > 0 })
	test.Type(d.find, "dav")
	if got := shown(d.list); got != "Colleagues|Dave CSR|dave@example.com|Online" || !d.choose("dave@example.com") {
		t.Fatalf("the targets for %q: %q", d.find.Text, got)
	}
	test.Type(d.message, "Bob needs his password reset.")
	test.Tap(d.sendBtn)
	h.eventually("Bob's tab closed", func() bool { return len(h.u.sessions) == 0 })
	dave.eventually("the offer", func() bool { return len(dv.board.Offers) == 1 && dv.takeBtns[dv.board.Offers[0].ID] != nil })
	if !strings.Contains(shown(dv.content), "Transferred to you|bob@example.com|Bob") ||
		!strings.Contains(shown(dv.content), "Transferred by Carol CSR: “Bob needs his password reset.”") {
		t.Fatalf("Dave's offer:\n%s", shown(dv.content))
	}
	test.Tap(dv.takeBtns[dv.board.Offers[0].ID])
	dave.eventually("Bob's session", func() bool { return len(dave.u.sessions) == 2 })
	bs := dave.u.sessions[dave.u.order[1]]
	dave.eventually("Bob there", func() bool { return strings.HasSuffix(dave.u.main.items[bs.s.ID()].Text, "— Bob") })
	if card := shown(bs.view.request); !strings.Contains(card, "Transferred to you by Carol CSR") ||
		!strings.Contains(card, "Message from Carol CSR: “Bob needs his password reset.”") {
		t.Fatalf("Bob's session at Dave's: %q", card)
	}
	dave.eventually("nobody waiting for Dave", func() bool { return dv.Waiting() == 0 })
}

// relay forwards TCP connections to a server until it is cut: then the
// open connections close and new ones are refused, as when the network
// goes away, until it is mended.
type relay struct {
	ln     net.Listener
	target string
	mu     sync.Mutex
	cut    bool
	conns  map[net.Conn]bool
}

func newRelay(t *testing.T, target string) *relay {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	r := &relay{ln: ln, target: target, conns: map[net.Conn]bool{}}
	t.Cleanup(func() { ln.Close(); r.setCut(true) })
	go r.serve()
	return r
}

func (r *relay) serve() {
	for {
		c, err := r.ln.Accept()
		if err != nil {
			return
		}
		r.mu.Lock()
		if r.cut {
			r.mu.Unlock()
			c.Close()
			continue
		}
		up, err := net.Dial("tcp", r.target)
		if err != nil {
			r.mu.Unlock()
			c.Close()
			continue
		}
		r.conns[c], r.conns[up] = true, true
		r.mu.Unlock()
		go func() { _, _ = io.Copy(up, c); up.Close() }()
		go func() { _, _ = io.Copy(c, up); c.Close() }()
	}
}

func (r *relay) setCut(cut bool) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.cut = cut
	if cut {
		for c := range r.conns {
			c.Close()
		}
		clear(r.conns)
	}
}

// When the board cannot be read, the Queues tab says so in a sentence
// and tries again after a growing pause; once the server is back the
// board is live again.
func TestQueuesRetryWithBackoff(t *testing.T) {
	ts := newServer(t)
	ts.AddQueue(t, "printers", "Printer help", "carol@example.com")
	inLine(t, ts, "printers", "Ann", "next in line")
	r := newRelay(t, ts.HTTP.Listener.Addr().String())
	url := "https://" + r.ln.Addr().String()
	h := newHarnessOn(t, ts, Config{Server: url, Email: "carol@example.com", TLS: ts.TLS}, t.TempDir())
	h.loggedIn()
	v := h.u.q.view
	h.eventually("Ann in line", func() bool { return v.Waiting() == 1 })

	r.setCut(true)
	for _, want := range []string{"They are read again in 1 second.", "They are read again in 2 seconds."} {
		h.eventually(want, func() bool { return v.status.Visible() && strings.HasSuffix(v.status.Text, want) })
	}
	if !strings.HasPrefix(v.status.Text, "The queues could not be updated: Could not read the queues: cannot reach the server at "+url) {
		t.Fatalf("status %q", v.status.Text)
	}
	if waitingNames(v, "printers") != "Ann" {
		t.Fatal("the board was lost while the server was away")
	}
	r.setCut(false)
	inLine(t, ts, "printers", "Bob", "number 2 in line")
	h.eventually("the board live again", func() bool { return waitingNames(v, "printers") == "Ann Bob" && !v.status.Visible() })
}

func TestBackoff(t *testing.T) {
	var got []string
	for n := 1; n <= 8; n++ {
		got = append(got, pauseWords(backoff(n)))
	}
	want := "1 second|2 seconds|4 seconds|8 seconds|16 seconds|30 seconds|30 seconds|30 seconds"
	if strings.Join(got, "|") != want {
		t.Fatalf("backoff %q, want %q", strings.Join(got, "|"), want)
	}
}

// Accept Next asks for the session type and tracking code when the site
// wants them, as Start Session does.
func TestAcceptNextAsksSessionType(t *testing.T) {
	ts := newServer(t)
	ctx := context.Background()
	if _, err := ts.Store.AddSessionType(ctx, "Billing"); err != nil {
		t.Fatal(err)
	}
	if err := ts.Store.SetSiteSetting(ctx, "tracking_code", "required"); err != nil {
		t.Fatal(err)
	}
	ts.AddQueue(t, "printers", "Printer help", "carol@example.com")
	inLine(t, ts, "printers", "Ann", "next in line")
	h := newHarnessOn(t, ts, Config{Server: ts.URL, Email: "carol@example.com", TLS: ts.TLS}, t.TempDir())
	h.loggedIn()
	v := h.u.q.view
	h.eventually("Ann in line", func() bool { return v.Waiting() == 1 })
	test.Tap(v.acceptBtns["printers"])
	top := h.u.win.Canvas().Overlays().Top()
	if top == nil || !overlayHas(top, "Accept Next — Printer help") {
		t.Fatal("no Accept Next dialog")
	}
	h.typeAndCode("Accept", "Billing", "CASE-42")
}
