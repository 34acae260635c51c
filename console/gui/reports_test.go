package gui

import (
	"encoding/json"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/storage"
	"fyne.io/fyne/v2/test"

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
	v.SetDetails(r)
	v.SetStatus("2 sessions.", false)
	render(t, "reports_sessions.xml", v.content, fyne.NewSize(1200, 680))

	v.SetActivity([]client.CSRActivity{
		{Name: "Carol Jensen", Email: "carol@example.com", Sessions: 4, Session: client.Span{Count: 4, MinSeconds: 300, AvgSeconds: 1320, MaxSeconds: 2580}},
		{Name: "Dave Okafor", Email: "dave@example.com", Sessions: 1, Session: client.Span{Count: 1, MinSeconds: 900, AvgSeconds: 900, MaxSeconds: 900}},
	})
	v.tabs.SelectIndex(reportActivity)
	render(t, "reports_activity.xml", v.content, fyne.NewSize(1200, 680))
}

// FuzzDetailSections feeds Session Details from the server, as JSON, to
// the panel's text: whatever a hostile server or customer put in it, every
// section is there and nothing panics.
func FuzzDetailSections(f *testing.F) {
	f.Add(`{"session":{"number":"482913077","csr":"Carol","created_at":"2026-11-21T10:00:00Z"},` +
		`"participants":[{"id":"par_1","name":"Quinn","role":"primary_customer","joined_at":"2026-11-21T10:00:00Z","left_at":null}],` +
		`"events":[{"seq":1,"at":"2026-11-21T10:00:00Z","type":"joined","actor":"par_1"}],` +
		`"queue_requests":[{"queue":"","offered_to":"Dave","name":"Quinn","requested_at":"2026-11-21T09:58:00Z","accepted_at":null}],` +
		`"script_runs":[{"name":"x","duration_ms":-5}],"file_transfers":[{"direction":"from_customer","bytes":-1,"files":-2}],"notes":"n"}`)
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
		want := []string{"Summary", "Participants", "Requests", "Chat", "Notes", "Scripts", "File transfers", "Events"}
		if !slices.Equal(titles, want) {
			t.Fatalf("sections %v, want %v", titles, want)
		}
	})
}
