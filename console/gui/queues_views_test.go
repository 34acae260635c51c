package gui

import (
	"strings"
	"testing"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/test"
	"fyne.io/fyne/v2/widget"

	"lifeline/shared/client"
	"lifeline/shared/protocol"
)

// boardOf is a fixed board for the goldens: two queues, one with a
// session a colleague transferred into it, and a session offered to the
// CSR.
func boardOf() client.QueueBoard {
	return client.QueueBoard{Version: 7,
		Queues: []client.Queue{
			{Name: "printers", DisplayName: "Printer help", Members: 3, Waiting: []client.QueueRequest{
				{ID: "qrq_1", Position: 1, Queue: "printers", QueueName: "Printer help", Name: "Paula Reyes", Email: "paula@example.com",
					Problem: "The printer says it is offline since this morning's update.", WaitedSeconds: 754,
					Referrer: "https://shop.example.com/printers/laserjet"},
				{ID: "qrq_2", Position: 2, Queue: "printers", QueueName: "Printer help", Name: "Jon Park", Email: "jon@example.com",
					Problem: "My laptop cannot see the office printer.", WaitedSeconds: 312, SessionID: "ses_j",
					TransferredBy: "Dave Okafor", Message: "The driver is fine; please check the print server."},
				{ID: "qrq_3", Position: 3, Queue: "printers", QueueName: "Printer help", Name: "Omar Haddad", Email: "omar@example.com",
					WaitedSeconds: 41},
			}},
			{Name: "network", DisplayName: "Network help", Members: 1},
		},
		Offers: []client.QueueRequest{
			{ID: "qrq_9", Name: "Lena Vogel", Email: "lena@example.com", Problem: "The VPN disconnects every few minutes.",
				WaitedSeconds: 4000, SessionID: "ses_l", OfferedTo: "carol@example.com", TransferredBy: "Dave Okafor",
				Message: "Lena asked for you by name."},
		},
	}
}

func TestQueuesViewMarkup(t *testing.T) {
	test.NewTempApp(t)
	v := newQueuesView()
	at := time.Date(2026, 11, 22, 10, 0, 0, 0, time.UTC)
	v.SetBoard(boardOf(), at)
	v.Tick(at.Add(12 * time.Second))
	render(t, "queues.xml", v.content, fyne.NewSize(1000, 720))

	// At the session limit, after a refusal, with the board out of date.
	v.SetAllowed(false, "4 of 4 sessions open")
	v.SetMessage("network", "Nobody is waiting in the Network help queue.")
	v.SetStatus("The queues could not be updated: Could not read the queues: cannot reach the server at " +
		"https://support.example.com. They are read again in 4 seconds.")
	render(t, "queues_refused.xml", v.content, fyne.NewSize(1000, 720))
}

// The server says per queue whether the CSR may Accept Next there: a
// queue that works on one session at a time is off, with its sentence,
// while the CSR hosts a session; a queue that follows the site's multi
// mode is on. The console's own limit then speaks only for Take.
func TestQueuesViewLimitsPerQueue(t *testing.T) {
	test.NewTempApp(t)
	v := newQueuesView()
	at := time.Date(2026, 11, 22, 10, 0, 0, 0, time.UTC)
	b := boardOf()
	no, yes := false, true
	const single = "You already have a session open, and the Printer help queue works on one session at a time. End it before starting another."
	b.Queues[0].CanAccept, b.Queues[0].Limit = &no, single
	b.Queues[1].CanAccept = &yes
	b.Queues[1].Waiting = []client.QueueRequest{{ID: "qrq_5", Position: 1, Queue: "network", QueueName: "Network help",
		Name: "Ines Duarte", Email: "ines@example.com", Problem: "The Wi-Fi asks for a password again every hour.", WaitedSeconds: 95}}
	v.SetBoard(b, at)
	render(t, "queues_limits.xml", v.content, fyne.NewSize(1000, 720))
	for _, c := range []struct {
		what     string
		btn      *widget.Button
		disabled bool
	}{
		{"Accept Next in the single-session queue", v.acceptBtns["printers"], true},
		{"Accept Next in the queue that follows the site", v.acceptBtns["network"], false},
		{"Take", v.takeBtns["qrq_9"], false},
	} {
		if c.btn.Disabled() != c.disabled {
			t.Errorf("%s: disabled %v, want %v", c.what, c.btn.Disabled(), c.disabled)
		}
	}
	if text := shown(v.content); !strings.Contains(text, single) || v.limit.Visible() {
		t.Fatalf("the queue's limit is not said under it, or the console's is said above:\n%s", text)
	}

	// At the console's own limit, only Take is off: each queue has the
	// server's word.
	v.SetAllowed(false, "2 of 2 sessions open")
	if !v.takeBtns["qrq_9"].Disabled() || v.acceptBtns["network"].Disabled() ||
		v.limit.Text != "Take is off: 2 of 2 sessions open. End a session to take another customer." {
		t.Fatalf("at the console's limit: Take on %v, Accept Next on %v, %q", !v.takeBtns["qrq_9"].Disabled(), !v.acceptBtns["network"].Disabled(), v.limit.Text)
	}
	// Without offers, nothing it turns off is shown: it says nothing.
	b.Offers = nil
	v.SetBoard(b, at)
	if v.limit.Visible() {
		t.Fatalf("the console's limit is said with nothing it turns off: %q", v.limit.Text)
	}
	// A refusal that repeats the queue's limit is not said twice.
	v.SetMessage("printers", single)
	if n := strings.Count(shown(v.content), single); n != 1 {
		t.Fatalf("the limit is said %d times", n)
	}
}

// The waits read as a person would say them.
func TestWaitWords(t *testing.T) {
	for _, c := range []struct {
		seconds int64
		want    string
	}{
		{-3, "0 s"}, {0, "0 s"}, {59, "59 s"}, {60, "1 min"}, {754, "12 min"}, {3599, "59 min"},
		{3600, "1 h 00 min"}, {4000, "1 h 06 min"}, {90061, "25 h 01 min"},
	} {
		if got := waitWords(c.seconds); got != c.want {
			t.Errorf("waitWords(%d) = %q, want %q", c.seconds, got, c.want)
		}
	}
}

func TestSessionRequestMarkup(t *testing.T) {
	test.NewTempApp(t)
	v := newSessionView()
	v.SetSession("482913077", "https://support.example.com/join/482913077", "https://support.example.com", "You are the host")
	v.SetParticipants(protocol.State{ID: "ses_a", Number: "482913077", You: "par_c", Participants: []protocol.Participant{
		{ID: "par_c", Name: "Carol Jensen", Role: protocol.RoleCSR, Connected: true},
		{ID: "par_a", Name: "Jon Park", Role: protocol.RolePrimary, Connected: true},
	}}, true)
	r := boardOf().Queues[0].Waiting[1]
	v.SetRequest(r)
	render(t, "session_request.xml", v.content, fyne.NewSize(1200, 680))
	if v.transferBtn.Disabled() || !v.transferBtn.Visible() {
		t.Fatal("Transfer Session is off for the host with a customer")
	}
}

func TestMainViewQueuesMarkup(t *testing.T) {
	test.NewTempApp(t)
	v := newMainView()
	v.SetUser("Carol Jensen", "carol@example.com")
	q := newQueuesView()
	at := time.Date(2026, 11, 22, 10, 0, 0, 0, time.UTC)
	q.SetBoard(boardOf(), at)
	v.SetQueues(q.content)
	v.ShowQueues(true, "Queues (4)")
	render(t, "main_queues.xml", v.content, fyne.NewSize(1200, 720))
	a := newSessionView()
	a.SetSession("482913077", "https://support.example.com/join/482913077", "https://support.example.com", "You are the host")
	v.AddSession("ses_a", "482 913 077 — Ann Smith", a.content)
	if v.tabs.Items[0] != v.queues || v.Selected() != "ses_a" || len(v.tabs.Items) != 2 {
		t.Fatalf("tabs %d, selected %q", len(v.tabs.Items), v.Selected())
	}
	v.RemoveSession("ses_a")
	v.ShowQueues(false, "Queues")
	if !v.IdleShown() || len(v.tabs.Items) != 0 {
		t.Fatal("the welcome panel is not back without sessions and queues")
	}
	// Single-session mode: the queues take the welcome panel's place.
	v.SetSingle(true)
	v.ShowQueues(true, "Queues (4)")
	if v.body.Objects[0] != q.content || len(v.tabs.Items) != 0 {
		t.Fatal("single-session mode does not show the queues in place of the welcome panel")
	}
}
