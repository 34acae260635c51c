package gui

import (
	"bytes"
	"encoding/csv"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"
	"unicode"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/storage"
	"fyne.io/fyne/v2/test"
	"fyne.io/fyne/v2/widget"

	"lifeline/console/controller"
	"lifeline/console/internal/fakeagent"
	"lifeline/shared/client"
	"lifeline/shared/protocol"
)

func TestParseRange(t *testing.T) {
	day := func(s string) time.Time { d, _ := time.Parse(time.DateOnly, s); return d }
	for _, c := range []struct {
		from, to, search string
		want             client.ReportQuery
		err              string
	}{
		{"2026-11-16", "2026-11-22", "", client.ReportQuery{From: day("2026-11-16"), To: day("2026-11-22")}, ""},
		{" 2026-11-16 ", "2026-11-22", "  quinn ", client.ReportQuery{From: day("2026-11-16"), To: day("2026-11-22"), Search: "quinn"}, ""},
		{"16/11/2026", "2026-11-22", "", client.ReportQuery{}, "write the first day as year-month-day"},
		{"2026-11-16", "", "", client.ReportQuery{}, "write the last day as year-month-day"},
		{"2026-02-30", "2026-03-01", "", client.ReportQuery{}, "write the first day"},
	} {
		got, err := parseRange(c.from, c.to, c.search)
		if c.err != "" {
			if err == nil || !strings.Contains(err.Error(), c.err) {
				t.Errorf("parseRange(%q, %q): err %v, want %q", c.from, c.to, err, c.err)
			}
			continue
		}
		if err != nil || !got.From.Equal(c.want.From) || !got.To.Equal(c.want.To) || got.Search != c.want.Search {
			t.Errorf("parseRange(%q, %q, %q) = %+v, %v; want %+v", c.from, c.to, c.search, got, err, c.want)
		}
	}
}

// reportsHarness has Carol host two ended sessions, Ann's and Bob's, and
// Dave one of his own, before the console starts (the clients' first
// request sets up HTTP/2 on the server's shared tls.Config).
func reportsHarness(t *testing.T) (*harness, *client.Client) {
	t.Helper()
	ts := newServer(t)
	ctx := ctxT(t)
	carol := ts.Client()
	if _, err := carol.Login(ctx, "carol@example.com", "carol-password-1"); err != nil {
		t.Fatal(err)
	}
	dave := ts.CSR(t, "dave@example.com", "Dave Okafor")
	for _, s := range []struct {
		host     *client.Client
		customer string
	}{{carol, "Ann"}, {carol, "Bob"}, {dave, "Zed"}} {
		c, err := s.host.CreateSession(ctx, "", "")
		if err != nil {
			t.Fatal(err)
		}
		a := fakeagent.Join(t, ts, c.Number, fakeagent.Options{Name: s.customer})
		if err := s.host.EndSession(ctx, c.ID, "Helped "+s.customer+"."); err != nil {
			t.Fatal(err)
		}
		a.Close()
		time.Sleep(5 * time.Millisecond) // distinct request times
	}
	return newHarnessOn(t, ts, Config{Server: ts.URL, Email: "carol@example.com", TLS: ts.TLS}, t.TempDir()), carol
}

func customers(v *reportsView) []string {
	var n []string
	for _, s := range v.Sessions() {
		n = append(n, s.CustomerName)
	}
	return n
}

func (h *harness) reportsWindow() *reportsWindow {
	h.t.Helper()
	h.loggedIn()
	test.Tap(h.u.main.reportsBtn)
	rw := h.u.reports
	if rw == nil {
		h.t.Fatal("no Reports window")
	}
	h.eventually("the sessions", func() bool { return strings.HasSuffix(rw.view.status.Text, "sessions.") })
	return rw
}

func TestReportsWindow(t *testing.T) {
	h, carol := reportsHarness(t)
	rw := h.reportsWindow()
	v := rw.view
	// The last 7 days, Carol's own sessions only, newest first.
	if want := time.Now().UTC().AddDate(0, 0, -6).Format(time.DateOnly); v.from.Text != want {
		t.Errorf("from %q, want %q", v.from.Text, want)
	}
	if got := customers(v); !slices.Equal(got, []string{"Bob", "Ann"}) {
		t.Fatalf("sessions %v, want Bob, Ann (not Dave's Zed)", got)
	}

	// A header sorts by its column through the server; again: the other way.
	tapHeader := func(title string, want ...string) {
		t.Helper()
		i := slices.IndexFunc(queryColumns, func(c column) bool { return c.title == title })
		test.Tap(v.headers[i])
		h.eventually("sorted by "+title, func() bool { return slices.Equal(customers(v), want) })
	}
	tapHeader("Customer", "Ann", "Bob")
	tapHeader("Customer", "Bob", "Ann")
	tapHeader("Requested", "Ann", "Bob")

	// The search goes to the server too.
	v.search.SetText("bo")
	test.Tap(v.showBtn)
	h.eventually("the search", func() bool { return slices.Equal(customers(v), []string{"Bob"}) })

	// Session Details of the selected session.
	v.list.Select(0)
	h.eventually("the details", func() bool { return strings.Contains(v.DetailsText(), "Participants") })
	details := v.DetailsText()
	for _, want := range []string{"Carol CSR (carol@example.com) — CSR, joined ", "Bob (customer@example.com) — Primary customer", "Helped Bob.",
		"session started by Carol CSR", "joined by Bob", "Started: 20", "Host: Carol CSR (carol@example.com)"} {
		if !strings.Contains(details, want) {
			t.Errorf("details lack %q:\n%s", want, details)
		}
	}
	if strings.Contains(details, "Ann") {
		t.Errorf("Bob's details mention Ann:\n%s", details)
	}

	// Export CSV… writes the server's CSV of the report shown.
	path := filepath.Join(t.TempDir(), "sessions.csv")
	w, err := storage.Writer(storage.NewFileURI(path))
	if err != nil {
		t.Fatal(err)
	}
	h.u.writeReportCSV(rw, w)
	h.eventually("the export", func() bool { return strings.HasPrefix(v.status.Text, "Saved to") })
	q, _ := rw.query()
	want, err := carol.QuerySessionsCSV(ctxT(t), q)
	if err != nil {
		t.Fatal(err)
	}
	got, err := os.ReadFile(path)
	if err != nil || string(got) != string(want) || !strings.Contains(string(got), "Bob") || strings.Contains(string(got), "Ann") {
		t.Fatalf("exported %q (%v), want the server's %q", got, err, want)
	}

	// Call Volume and CSR Activity in their tabs.
	v.search.SetText("")
	v.tabs.SelectIndex(reportActivity)
	h.eventually("CSR activity", func() bool { return len(v.actRows) == 1 })
	if r := v.actRows[0]; r[0] != "Carol CSR" || r[2] != "2" {
		t.Errorf("CSR activity %v, want Carol CSR with 2 sessions", r)
	}
	v.tabs.SelectIndex(reportVolume)
	h.eventually("call volume", func() bool { return len(v.volumeRows) == 8 }) // the total and 7 days
	if r := v.volumeRows[0]; r[0] != "Total" {
		t.Errorf("call volume starts with %v", r)
	}

	// More than three months: the server's sentence.
	v.from.SetText("2026-01-01")
	v.to.SetText("2026-06-01")
	test.Tap(v.showBtn)
	h.eventually("the refusal", func() bool { return strings.Contains(v.status.Text, "at most three months") })
	v.from.SetText("yesterday")
	test.Tap(v.showBtn)
	if !strings.Contains(v.status.Text, "Write the first day as year-month-day") {
		t.Errorf("a bad date says %q", v.status.Text)
	}
}

func TestReportsViewMarkup(t *testing.T) {
	test.NewTempApp(t)
	day := time.Date(2026, 11, 22, 0, 0, 0, 0, time.UTC)
	v := newReportsView(day.AddDate(0, 0, -6), day)
	v.loc = time.UTC
	// A manager's filters, the Billing queue chosen.
	manager := newReportChoices(true)
	manager.learnFilters(controller.ReportFilters{Everyone: true,
		Queues: []controller.ReportQueue{{Name: "billing", DisplayName: "Billing", Counted: true}, {Name: "network", DisplayName: "Network help"}},
		CSRs:   []client.ReportPerson{{Name: "Dave Okafor", Email: "dave@example.com"}, {Name: "Carol Jensen", Email: "carol@example.com"}}})
	v.SetFilters(manager.queueOptions(reportSessions), manager.csrOptions(), true, "")
	v.queueSel.SetSelected("Billing")
	at := func(h, m int) *time.Time { t := time.Date(2026, 11, 21, h, m, 0, 0, time.UTC); return &t }
	secs := func(s int64) *int64 { return &s }
	carol := client.ReportPerson{Name: "Carol Jensen", Email: "carol@example.com"}
	dave := client.ReportPerson{Name: "Dave Okafor", Email: "dave@example.com"}
	v.SetSessions([]client.QuerySession{
		{ID: "ses_a", Number: "482913077", RequestedAt: *at(9, 58), WaitSeconds: secs(120), StartedAt: at(10, 0), EndedAt: at(10, 43),
			DurationSeconds: secs(2580), Queue: "billing", QueueName: "Billing", CSRs: []client.ReportPerson{carol, dave},
			CustomerName: "Quinn Baker", CustomerEmail: "quinn@example.org"},
		{ID: "ses_b", Number: "771204356", RequestedAt: *at(8, 15), WaitSeconds: secs(4), StartedAt: at(8, 15), EndedAt: at(8, 31),
			DurationSeconds: secs(960), CSRs: []client.ReportPerson{carol}, CustomerName: "Ann Smith", CustomerEmail: "ann@example.com"},
	})
	v.list.Select(0)
	var r client.Report
	r.Session.Number, r.Session.CSR, r.Session.CSREmail = "482913077", "Carol Jensen", "carol@example.com"
	r.Session.CreatedAt, r.Session.EndedAt, r.Session.EndReason = at(10, 0), at(10, 43), "ended by the CSR"
	r.Notes = "Invoice viewer reinstalled."
	r.Participants = append(r.Participants, struct {
		ID, Name, Email, Role string
		JoinedAt              *time.Time `json:"joined_at"`
		LeftAt                *time.Time `json:"left_at"`
	}{ID: "par_q", Name: "Quinn Baker", Email: "quinn@example.org", Role: protocol.RolePrimary, JoinedAt: at(10, 0), LeftAt: at(10, 43)})
	r.QueueRequests = []client.ReportRequest{{Queue: "billing", QueueName: "Billing", Name: "Quinn Baker", Email: "quinn@example.org",
		Problem: "My invoice will not open.", State: "accepted", RequestedAt: *at(9, 58), AcceptedAt: at(10, 0), AcceptedBy: "Carol Jensen"}}
	// One recording Carol stopped, one the session's end cut short.
	r.Recordings = []client.ReportRecording{
		{CSR: "Carol Jensen", StartedAt: *at(10, 5), StoppedAt: at(10, 17), Status: client.RecordingStopped,
			DurationMS: 12*60000 + 4000, Frames: 2911, Bytes: 48 << 20},
		{CSR: "Carol Jensen", StartedAt: *at(10, 30), StoppedAt: at(10, 43), Status: client.RecordingUnconfirmed,
			Reason: "The console did not say that the recording stopped; it had stopped by the time the session ended."},
	}
	v.SetDetails(r)
	v.SetStatus("2 sessions.", false)
	render(t, "reports_sessions.xml", v.content, fyne.NewSize(1200, 680))

	v.SetActivity([]client.CSRActivity{
		{Name: "Carol Jensen", Email: "carol@example.com", Sessions: 4, Session: client.Span{Count: 4, MinSeconds: 300, AvgSeconds: 1320, MaxSeconds: 2580}},
		{Name: "Dave Okafor", Email: "dave@example.com", Sessions: 1, Session: client.Span{Count: 1, MinSeconds: 900, AvgSeconds: 900, MaxSeconds: 900}},
	})
	v.tabs.SelectIndex(reportActivity)
	v.SetFilters(nil, manager.csrOptions(), false, "")
	v.SetStatus("2 CSRs.", false)
	render(t, "reports_activity.xml", v.content, fyne.NewSize(1200, 680))

	// A CSR's URL Referral: the queues they serve, no CSR to choose.
	v = newReportsView(day.AddDate(0, 0, -6), day)
	csr := newReportChoices(false)
	csr.learnFilters(controller.ReportFilters{Queues: []controller.ReportQueue{{Name: "printers", DisplayName: "Printer help", Counted: true}}})
	v.tabs.SelectIndex(reportReferral)
	f := filtersOf(reportReferral, false)
	v.SetFilters(csr.queueOptions(reportReferral), nil, f.search, f.note)
	v.SetReferrals([]client.Referral{
		{URL: "https://shop.example.com/support/printers", Requests: 12, Successful: 9},
		{URL: "https://shop.example.com/support/network?from=footer", Requests: 5, Successful: 5},
		{URL: "", Requests: 3, Successful: 1},
		{URL: "https://intranet.example.com/help\n", Requests: 1, Successful: 0},
	})
	v.SetStatus("21 requests from 2026-11-16 to 2026-11-22.", false)
	render(t, "reports_referral.xml", v.content, fyne.NewSize(1200, 680))
	v.SetReferrals(nil)
	if !v.refEmpty.Visible() || len(v.refRows) != 0 {
		t.Errorf("no referrals: the empty line shown %v, rows %q", v.refEmpty.Visible(), v.refRows)
	}
}

// TestRecordingWords: Session Details says what the console said of a
// recording, and no more than the server knows of one it did not.
func TestRecordingWords(t *testing.T) {
	at := func(h, m int) *time.Time { t := time.Date(2026, 11, 21, h, m, 0, 0, time.UTC); return &t }
	clockOf := func(t time.Time) string { return t.Format("15:04:05") }
	for _, c := range []struct {
		name string
		r    client.ReportRecording
		want string
	}{
		{"stopped by the CSR", client.ReportRecording{CSR: "Carol", StartedAt: *at(10, 5), StoppedAt: at(10, 17), Status: client.RecordingStopped,
			DurationMS: 724000, Frames: 2911, Bytes: 48 << 20},
			"10:05:00 Carol recorded until 10:17:00: 12:04, 2911 frames, 48 MB."},
		{"stopped by itself", client.ReportRecording{CSR: "Carol", StartedAt: *at(10, 5), StoppedAt: at(10, 6), Status: client.RecordingStopped,
			DurationMS: 61000, Frames: 1, Bytes: 1, Reason: "Ann stopped sharing."},
			"10:05:00 Carol recorded until 10:06:00: 01:01, 1 frame, 1 byte. Ann stopped sharing."},
		{"never said to stop", client.ReportRecording{CSR: "Carol", StartedAt: *at(10, 30), StoppedAt: at(10, 43), Status: client.RecordingUnconfirmed,
			Reason: "The console did not say that the recording stopped; it had stopped by the time the session ended."},
			"10:30:00 Carol recorded until 10:43:00 at the latest (its length and size are not known). " +
				"The console did not say that the recording stopped; it had stopped by the time the session ended."},
		{"still recording", client.ReportRecording{CSR: "Carol", StartedAt: *at(10, 30), Status: client.RecordingRunning},
			"10:30:00 Carol is recording."},
		{"a status of a newer server", client.ReportRecording{StartedAt: *at(10, 30), Status: "paused"},
			"10:30:00 A support representative recorded (paused)."},
	} {
		if got := recordingWords(c.r, clockOf); got != c.want {
			t.Errorf("%s: %q, want %q", c.name, got, c.want)
		}
	}
}

// FuzzDetailSections feeds Session Details from the server, as JSON, to
// the panel's text: whatever a hostile server or customer put in it, every
// section is there and nothing panics.
func FuzzDetailSections(f *testing.F) {
	f.Add(`{"session":{"number":"482913077","csr":"Carol","created_at":"2026-11-21T10:00:00Z"},` +
		`"participants":[{"id":"par_1","name":"Quinn","role":"primary_customer","joined_at":"2026-11-21T10:00:00Z","left_at":null}],` +
		`"events":[{"seq":1,"at":"2026-11-21T10:00:00Z","type":"joined","actor":"par_1"}],` +
		`"queue_requests":[{"queue":"","offered_to":"Dave","name":"Quinn","requested_at":"2026-11-21T09:58:00Z","accepted_at":null}],` +
		`"script_runs":[{"name":"x","duration_ms":-5}],"file_transfers":[{"direction":"from_customer","bytes":-1,"files":-2}],` +
		`"recordings":[{"csr":"Carol","started_at":"2026-11-21T10:05:00Z","stopped_at":null,"status":"stopped","duration_ms":-1,"frames":-3}],"notes":"n"}`)
	f.Add(`{}`)
	f.Fuzz(func(t *testing.T, data string) {
		var r client.Report
		if json.Unmarshal([]byte(data), &r) != nil {
			return
		}
		var titles []string
		for _, s := range detailSections(r, time.UTC) {
			titles = append(titles, s.title)
		}
		want := []string{"Summary", "Participants", "Requests", "Chat", "Notes", "Scripts", "File transfers", "Recordings", "Events"}
		if !slices.Equal(titles, want) {
			t.Fatalf("sections %v, want %v", titles, want)
		}
	})
}

// queueReportsHarness is a site whose customers asked for help from web
// pages, then logs in a console as email:
//
//	printers (Carol):  Ann from /printers, accepted; Bob from /printers,
//	                   left the line; Cid from no page, accepted
//	network  (Dave):   Dee from /vpn, accepted
//	billing  (Carol, who then leaves the queue): Eve from /billing, accepted
//	no queue:          Zoe, in a session Carol started
//
// Maria is a manager. Every session is over.
func queueReportsHarness(t *testing.T, email, password string) *harness {
	t.Helper()
	ts := newServer(t)
	ctx := ctxT(t)
	ts.AddUser(t, "maria@example.com", "Maria Manager", "manager", "maria-password-1")
	carol := ts.Client()
	if _, err := carol.Login(ctx, "carol@example.com", "carol-password-1"); err != nil {
		t.Fatal(err)
	}
	dave := ts.CSR(t, "dave@example.com", "Dave Okafor")
	ts.AddQueue(t, "printers", "Printer help", "carol@example.com")
	ts.AddQueue(t, "network", "Network help", "dave@example.com")
	ts.AddQueue(t, "billing", "Billing help", "carol@example.com")

	z, err := carol.CreateSession(ctx, "", "")
	if err != nil {
		t.Fatal(err)
	}
	a := fakeagent.Join(t, ts, z.Number, fakeagent.Options{Name: "Zoe"})
	if err := carol.EndSession(ctx, z.ID, "Helped Zoe."); err != nil {
		t.Fatal(err)
	}
	a.Close()
	ts.EnterQueue(t, "printers", "Ann", "https://shop.example.com/printers")
	bob := ts.EnterQueue(t, "printers", "Bob", "https://shop.example.com/printers")
	ts.EnterQueue(t, "printers", "Cid", "")
	ts.EnterQueue(t, "network", "Dee", "https://shop.example.com/vpn")
	ts.EnterQueue(t, "billing", "Eve", "https://shop.example.com/billing")
	if err := ts.Client().WithToken(bob.Token).LeaveQueue(ctx, bob.ID); err != nil {
		t.Fatalf("Bob leaves the line: %v", err)
	}
	ts.Serve(t, carol, "printers", "Ann")
	ts.Serve(t, carol, "printers", "Cid")
	ts.Serve(t, dave, "network", "Dee")
	ts.Serve(t, carol, "billing", "Eve")
	if err := ts.Store.RemoveQueueMember(ctx, "billing", "carol@example.com"); err != nil {
		t.Fatal(err)
	}

	h := newHarnessOn(t, ts, Config{Server: ts.URL, Email: email, TLS: ts.TLS}, t.TempDir())
	h.login(password)
	h.onMain()
	test.Tap(h.u.main.reportsBtn)
	if h.u.reports == nil {
		t.Fatal("no Reports window")
	}
	h.eventually("the sessions", func() bool { return strings.HasSuffix(h.u.reports.view.status.Text, "sessions.") })
	return h
}

func labels(cs []choice) []string {
	var out []string
	for _, c := range cs {
		out = append(out, c.label)
	}
	return out
}

// choose picks a filter's choice by its label, as the CSR does.
func (h *harness) choose(sel *widget.Select, label string, what string, done func() bool) {
	h.t.Helper()
	if !slices.Contains(sel.Options, label) {
		h.t.Fatalf("%s: %q is not among %q", what, label, sel.Options)
	}
	sel.SetSelected(label)
	h.eventually(what, done)
}

// tab shows a report and waits for it.
func (h *harness) tab(v *reportsView, tab int, done func() bool) {
	h.t.Helper()
	v.tabs.SelectIndex(tab)
	h.eventually([]string{"sessions", "call volume", "CSR activity", "URL referral"}[tab], func() bool {
		return !strings.HasPrefix(v.status.Text, "Loading") && done()
	})
}

// A CSR filters by the queues their sessions came from (Billing, which
// Carol no longer serves, only in the Query tool), never by CSR; URL
// Referral counts the queues they serve.
func TestReportsFiltersForACSR(t *testing.T) {
	h := queueReportsHarness(t, "carol@example.com", "carol-password-1")
	v := h.u.reports.view
	if got := customers(v); !slices.Equal(sorted(got), []string{"Ann", "Cid", "Eve", "Zoe"}) {
		t.Fatalf("Carol's sessions: %v", got)
	}
	sessionQueues := []string{"All queues", "Billing help", "Printer help", "No queue (started by a CSR)"}
	h.eventually("the queues to choose", func() bool { return slices.Equal(labels(v.queueOpts), sessionQueues) })
	if v.csrBox.Visible() || v.csrTitle.Visible() || !v.searchBox.Visible() || v.filterNote.Text != "The sessions you took part in." {
		t.Errorf("a CSR's filters: CSR shown %v, search shown %v, note %q", v.csrBox.Visible(), v.searchBox.Visible(), v.filterNote.Text)
	}

	h.choose(v.queueSel, "Printer help", "the printers' sessions", func() bool { return slices.Equal(sorted(customers(v)), []string{"Ann", "Cid"}) })
	if q, _ := h.u.reports.query(); !slices.Equal(q.Queues, []string{"printers"}) || q.CSRs != nil {
		t.Errorf("the query of Printer help: %+v", q)
	}
	h.choose(v.queueSel, "No queue (started by a CSR)", "the sessions of no queue", func() bool {
		return slices.Equal(customers(v), []string{"Zoe"})
	})

	// URL Referral: the queues Carol serves; the sessions of no queue
	// mean nothing there, so all queues again.
	h.tab(v, reportReferral, func() bool { return len(v.refRows) > 0 })
	want := [][]string{{"Total", "3", "2", "67%"}, {"https://shop.example.com/printers", "2", "1", "50%"}, {"No page given", "1", "1", "100%"}}
	if !slices.EqualFunc(v.refRows, want, slices.Equal) {
		t.Errorf("Carol's URL referral: %q, want %q", v.refRows, want)
	}
	if got := labels(v.queueOpts); !slices.Equal(got, []string{"All queues", "Printer help"}) || v.queueSel.Selected != "All queues" {
		t.Errorf("URL Referral's queues: %q, chosen %q", got, v.queueSel.Selected)
	}
	if v.searchBox.Visible() || v.csrBox.Visible() || v.filterNote.Text != "The requests of the queues you serve." {
		t.Errorf("URL Referral's filters: search shown %v, CSR shown %v, note %q", v.searchBox.Visible(), v.csrBox.Visible(), v.filterNote.Text)
	}
	if got := v.refBars; !slices.Equal(got, []float32{0, 1, 0.5}) {
		t.Errorf("bars %v, want none for the total, then each page's share of the most requests", got)
	}

	h.tab(v, reportActivity, func() bool { return len(v.actRows) == 1 })
	if v.queueBox.Visible() || v.csrBox.Visible() || v.filterNote.Text != "Your own sessions." {
		t.Errorf("CSR Activity's filters for a CSR: queue shown %v, CSR shown %v, note %q", v.queueBox.Visible(), v.csrBox.Visible(), v.filterNote.Text)
	}
	if r := v.actRows[0]; r[0] != "Carol CSR" || r[2] != "4" {
		t.Errorf("Carol's activity %q, want her 4 sessions", r)
	}
}

// A manager filters every report by any queue with requests and any CSR
// with sessions, each report by the filters it takes; Export CSV… saves
// what is shown.
func TestReportsFiltersForAManager(t *testing.T) {
	h := queueReportsHarness(t, "maria@example.com", "maria-password-1")
	rw := h.u.reports
	v := rw.view
	if got := customers(v); !slices.Equal(sorted(got), []string{"Ann", "Cid", "Dee", "Eve", "Zoe"}) {
		t.Fatalf("everyone's sessions: %v", got)
	}
	h.eventually("the CSRs to choose", func() bool {
		return slices.Equal(labels(v.csrOpts), []string{"All CSRs", "Carol CSR <carol@example.com>", "Dave Okafor <dave@example.com>"})
	})
	if got := labels(v.queueOpts); !slices.Equal(got, []string{"All queues", "Billing help", "Network help", "Printer help", "No queue (started by a CSR)"}) {
		t.Errorf("the manager's queues: %q", got)
	}
	if !v.csrBox.Visible() || v.filterNote.Text != "" {
		t.Errorf("the manager's filters: CSR shown %v, note %q", v.csrBox.Visible(), v.filterNote.Text)
	}
	h.choose(v.csrSel, "Dave Okafor <dave@example.com>", "Dave's sessions", func() bool { return slices.Equal(customers(v), []string{"Dee"}) })
	h.choose(v.queueSel, "Printer help", "Dave's printers' sessions", func() bool { return len(customers(v)) == 0 && v.status.Text == "0 sessions." })
	h.choose(v.queueSel, "Network help", "Dave's network sessions", func() bool { return slices.Equal(customers(v), []string{"Dee"}) })

	// URL Referral takes the queue, not the CSR.
	h.tab(v, reportReferral, func() bool { return len(v.refRows) > 0 })
	want := [][]string{{"Total", "1", "1", "100%"}, {"https://shop.example.com/vpn", "1", "1", "100%"}}
	if !slices.EqualFunc(v.refRows, want, slices.Equal) || v.csrBox.Visible() {
		t.Errorf("the network's URL referral: %q (CSR shown %v), want %q", v.refRows, v.csrBox.Visible(), want)
	}
	if q, _ := rw.query(); !slices.Equal(q.Queues, []string{"network"}) || q.CSRs != nil {
		t.Errorf("URL Referral's query: %+v", q)
	}
	h.choose(v.queueSel, "All queues", "every queue's referrals", func() bool { return len(v.refRows) == 5 })
	want = [][]string{{"Total", "5", "4", "80%"}, {"https://shop.example.com/printers", "2", "1", "50%"},
		{"No page given", "1", "1", "100%"}, {"https://shop.example.com/billing", "1", "1", "100%"}, {"https://shop.example.com/vpn", "1", "1", "100%"}}
	if !slices.EqualFunc(v.refRows, want, slices.Equal) {
		t.Errorf("every queue's URL referral: %q, want %q", v.refRows, want)
	}
	h.choose(v.queueSel, "Network help", "the network's referrals again", func() bool { return len(v.refRows) == 2 })

	// Export CSV… saves the report shown, with its filter, as the server
	// gives it.
	if name := rw.csvName(); !strings.HasPrefix(name, "url-referral-network-") || !strings.HasSuffix(name, ".csv") {
		t.Errorf("the file name offered: %q", name)
	}
	path := filepath.Join(t.TempDir(), "referral.csv")
	w, err := storage.Writer(storage.NewFileURI(path))
	if err != nil {
		t.Fatal(err)
	}
	h.u.writeReportCSV(rw, w)
	h.eventually("the export", func() bool { return strings.HasPrefix(v.status.Text, "Saved to") })
	got, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	rows, err := csv.NewReader(bytes.NewReader(got)).ReadAll()
	if wantCSV := [][]string{{"url", "requests", "successful"}, {"https://shop.example.com/vpn", "1", "1"}}; err != nil ||
		!slices.EqualFunc(rows, wantCSV, slices.Equal) {
		t.Errorf("exported %q (%v), want %q", got, err, wantCSV)
	}

	// CSR Activity takes the CSR, Call Volume the queue.
	h.tab(v, reportActivity, func() bool { return len(v.actRows) == 1 })
	if r := v.actRows[0]; r[1] != "dave@example.com" || r[2] != "1" || v.queueBox.Visible() {
		t.Errorf("Dave's activity %q (queue shown %v)", r, v.queueBox.Visible())
	}
	h.tab(v, reportVolume, func() bool { return len(v.volumeRows) == 8 })
	if r := v.volumeRows[0]; r[1] != "1" || r[2] != "1" {
		t.Errorf("the network's call volume %q, want 1 request, 1 successful", r)
	}

	// The sessions of no queue: started by a CSR in the Query tool, but
	// transferred to a CSR in the queue reports; it does not carry over.
	h.tab(v, reportSessions, func() bool { return slices.Equal(customers(v), []string{"Dee"}) })
	h.choose(v.queueSel, "No queue (started by a CSR)", "Dave's sessions of no queue", func() bool { return len(customers(v)) == 0 })
	h.choose(v.csrSel, "All CSRs", "everyone's sessions of no queue", func() bool { return slices.Equal(customers(v), []string{"Zoe"}) })
	h.tab(v, reportVolume, func() bool { return len(v.volumeRows) == 8 && v.volumeRows[0][1] == "5" })
	if v.queueSel.Selected != "All queues" || !slices.Contains(v.queueSel.Options, "Transferred to a support representative") {
		t.Errorf("Call Volume's queue: %q of %q", v.queueSel.Selected, v.queueSel.Options)
	}
}

func sorted(s []string) []string { return slices.Sorted(slices.Values(s)) }

// Each report takes the filters the server's API does; a CSR chooses no
// CSR, since they see their own sessions.
func TestFiltersOf(t *testing.T) {
	for _, c := range []struct {
		tab      int
		everyone bool
		want     reportFilters
	}{
		{reportSessions, false, reportFilters{queue: true, search: true, note: "The sessions you took part in."}},
		{reportSessions, true, reportFilters{queue: true, csr: true, search: true}},
		{reportVolume, false, reportFilters{queue: true, note: "The requests of the queues you serve."}},
		{reportVolume, true, reportFilters{queue: true}},
		{reportActivity, false, reportFilters{note: "Your own sessions."}},
		{reportActivity, true, reportFilters{csr: true}},
		{reportReferral, false, reportFilters{queue: true, note: "The requests of the queues you serve."}},
		{reportReferral, true, reportFilters{queue: true}},
	} {
		if got := filtersOf(c.tab, c.everyone); got != c.want {
			t.Errorf("filtersOf(%d, everyone %v) = %+v, want %+v", c.tab, c.everyone, got, c.want)
		}
	}
}

// The choices: all first, then by name, then the sessions of no queue as
// the report understands them; a queue the CSR no longer serves only
// where their sessions are; every label one line, and unique.
func TestReportChoices(t *testing.T) {
	csr := newReportChoices(false)
	csr.learnFilters(controller.ReportFilters{Queues: []controller.ReportQueue{{Name: "printers", DisplayName: "Printer help", Counted: true}}})
	csr.learnSessions([]client.QuerySession{
		{Queue: "billing", QueueName: "Billing\nhelp", CSRs: []client.ReportPerson{{Name: "Dave", Email: "dave@example.com"}}},
		{Queue: "archive", QueueName: "Printer help"}, // the same name as another queue
		{Queue: ""},
	})
	manager := newReportChoices(true)
	manager.learnVolume(client.CallVolumeReport{Queues: []client.QueueVolume{{Queue: "network", QueueName: "Network help"}, {Queue: "", QueueName: "Transferred"}}})
	manager.learnSessions([]client.QuerySession{{Queue: "billing", QueueName: "Billing help",
		CSRs: []client.ReportPerson{{Name: "Dave Okafor", Email: "Dave@Example.com"}, {Name: "", Email: "ann@example.com"}}}})
	manager.learnActivity([]client.CSRActivity{{Name: "Dave O.", Email: "dave@example.com"}, {Name: "Carol", Email: "carol@example.com"}, {Email: " "}})

	for _, c := range []struct {
		name string
		got  []choice
		want []choice
	}{
		{"a CSR's sessions", csr.queueOptions(reportSessions), []choice{{"All queues", ""}, {"Billing help", "billing"},
			{"Printer help (archive)", "archive"}, {"Printer help (printers)", "printers"}, {"No queue (started by a CSR)", "-"}}},
		{"a CSR's URL referral", csr.queueOptions(reportReferral), []choice{{"All queues", ""}, {"Printer help", "printers"}}},
		{"a CSR chooses no CSR", csr.csrOptions(), []choice{{"All CSRs", ""}}},
		{"a manager's call volume", manager.queueOptions(reportVolume), []choice{{"All queues", ""}, {"Billing help", "billing"},
			{"Network help", "network"}, {"Transferred to a support representative", "-"}}},
		{"a manager's CSRs", manager.csrOptions(), []choice{{"All CSRs", ""}, {"ann@example.com <ann@example.com>", "ann@example.com"},
			{"Carol <carol@example.com>", "carol@example.com"}, {"Dave Okafor <Dave@Example.com>", "Dave@Example.com"}}},
	} {
		if !slices.Equal(c.got, c.want) {
			t.Errorf("%s: %q, want %q", c.name, c.got, c.want)
		}
	}
}

// FuzzReportChoices feeds the reports, as JSON from the server, to the
// filters and URL Referral: whatever a hostile server puts in them, every
// choice list starts with all, tells its choices apart, and shows one
// line per choice and page.
func FuzzReportChoices(f *testing.F) {
	f.Add(`{"sessions":[{"queue":"billing","queue_name":"Billing","csrs":[{"name":"Dave","email":"dave@example.com"}]},`+
		`{"queue":"-","queue_name":"All queues"},{"queue":"x","queue_name":"Billing (billing)"}],`+
		`"volume":{"queues":[{"queue":"billing","queue_name":"Billing"},{"queue":"y","queue_name":"\u0000\n"}]},`+
		`"activity":[{"name":"All CSRs","email":"a@b"},{"name":"x","email":"A@B"}],`+
		`"referrals":[{"url":"https://a.example/\r\nb","requests":-3,"successful":7},{"url":"","requests":0}]}`, true)
	f.Add(`{}`, false)
	test.NewTempApp(f)
	f.Fuzz(func(t *testing.T, data string, everyone bool) {
		var r struct {
			Sessions  []client.QuerySession    `json:"sessions"`
			Volume    client.CallVolumeReport  `json:"volume"`
			Activity  []client.CSRActivity     `json:"activity"`
			Referrals []client.Referral        `json:"referrals"`
			Filters   controller.ReportFilters `json:"filters"`
		}
		if json.Unmarshal([]byte(data), &r) != nil {
			return
		}
		rc := newReportChoices(everyone)
		rc.learnFilters(r.Filters)
		rc.learnSessions(r.Sessions)
		rc.learnVolume(r.Volume)
		rc.learnActivity(r.Activity)
		check := func(what, all string, cs []choice) {
			if len(cs) == 0 || cs[0] != (choice{all, ""}) {
				t.Fatalf("%s: %q does not start with %s", what, cs, all)
			}
			labels, values := map[string]bool{}, map[string]bool{}
			for _, c := range cs {
				if labels[c.label] || values[c.value] || c.label == "" || strings.ContainsFunc(c.label, unicode.IsControl) {
					t.Fatalf("%s: %q has a choice that is not one distinct line: %q", what, cs, c)
				}
				labels[c.label], values[c.value] = true, true
			}
		}
		for tab := range reportReferral + 1 {
			check(fmt.Sprint("queues of tab ", tab), allQueues, rc.queueOptions(tab))
		}
		check("CSRs", allCSRs, rc.csrOptions())

		v := newReportsView(time.Now(), time.Now())
		v.SetReferrals(r.Referrals)
		for _, row := range v.refRows {
			if strings.ContainsFunc(row[0], unicode.IsControl) {
				t.Fatalf("a page of more than one line: %q", row[0])
			}
		}
	})
}
