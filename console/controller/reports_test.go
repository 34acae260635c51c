package controller

import (
	"bytes"
	"encoding/csv"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"lifeline/shared/client"
	"lifeline/shared/rendezvoustest"
)

// The reports come back as the server gives them, and a refusal as a
// *Refused with the server's sentence to show.
func TestReports(t *testing.T) {
	carol, _, _ := loggedIn(t, rendezvoustest.Options{})
	ctx := ctxT(t, 30*time.Second)
	s, err := carol.StartSession(ctx, "", "")
	if err != nil {
		t.Fatal(err)
	}
	if err := s.End(ctx, "Done."); err != nil {
		t.Fatal(err)
	}
	today := time.Now().UTC()
	week := client.ReportQuery{From: today.AddDate(0, 0, -6), To: today}
	got, err := carol.QuerySessions(ctx, week)
	if err != nil || len(got) != 1 || got[0].Number != s.Number() {
		t.Fatalf("QuerySessions = %+v, %v; want session %s", got, err, s.Number())
	}
	d, err := carol.SessionDetails(ctx, got[0].ID)
	if err != nil || d.Session.Number != s.Number() || d.Notes != "Done." || d.Session.CreatedAt == nil {
		t.Fatalf("SessionDetails = %+v, %v", d.Session, err)
	}
	csv, err := carol.QuerySessionsCSV(ctx, week)
	if err != nil || !strings.HasPrefix(string(csv), "session_id,") || !strings.Contains(string(csv), s.Number()) {
		t.Fatalf("QuerySessionsCSV = %q, %v", csv, err)
	}
	vol, err := carol.CallVolume(ctx, week)
	if err != nil || len(vol.Days) != 7 {
		t.Fatalf("CallVolume = %+v, %v; want 7 days", vol, err)
	}
	if _, err := carol.CSRActivity(ctx, week); err != nil {
		t.Fatal(err)
	}
	for _, csv := range []func() ([]byte, error){
		func() ([]byte, error) { return carol.CallVolumeCSV(ctx, week) },
		func() ([]byte, error) { return carol.CSRActivityCSV(ctx, week) },
	} {
		if b, err := csv(); err != nil || len(b) == 0 {
			t.Fatalf("CSV = %q, %v", b, err)
		}
	}

	long := client.ReportQuery{From: today.AddDate(0, -6, 0), To: today}
	_, err = carol.QuerySessions(ctx, long)
	if !IsCode(err, "range_too_long") || !strings.Contains(err.Error(), "at most three months") {
		t.Fatalf("six months: %v", err)
	}
}

// queueWork has customers ask for help in two queues, from the pages
// they came from, and CSRs take or lose them:
//
//	printers (Carol): Ann from /printers, accepted; Bob from /printers,
//	                  left the line; Cid from no page, accepted
//	network  (Dave):  Dee from /vpn, accepted
//
// Every accepted session is over. It returns Dave's session's number.
func queueWork(t *testing.T, ts *rendezvoustest.Server, carol *client.Client) string {
	t.Helper()
	ctx := ctxT(t, 30*time.Second)
	dave := ts.CSR(t, "dave@example.com", "Dave Okafor")
	ts.AddQueue(t, "printers", "Printer help", "carol@example.com")
	ts.AddQueue(t, "network", "Network help", "dave@example.com")
	ts.EnterQueue(t, "printers", "Ann", "https://shop.example.com/printers")
	bob := ts.EnterQueue(t, "printers", "Bob", "https://shop.example.com/printers")
	ts.EnterQueue(t, "printers", "Cid", "")
	ts.EnterQueue(t, "network", "Dee", "https://shop.example.com/vpn")
	if err := ts.Client().WithToken(bob.Token).LeaveQueue(ctx, bob.ID); err != nil {
		t.Fatalf("Bob leaves the line: %v", err)
	}
	ts.Serve(t, carol, "printers", "Ann")
	ts.Serve(t, carol, "printers", "Cid")
	return ts.Serve(t, dave, "network", "Dee")
}

// managerOf logs a manager's console in to ts.
func managerOf(t *testing.T, ts *rendezvoustest.Server) *Controller {
	t.Helper()
	ts.AddUser(t, "maria@example.com", "Maria Manager", "manager", "maria-password-1")
	m := New(Config{Server: ts.URL, TLS: ts.TLS, LoopbackOnly: true, ReadyTimeout: 20 * time.Second})
	t.Cleanup(func() { m.Close() })
	if _, err := m.Login(ctxT(t, 20*time.Second), "maria@example.com", "maria-password-1"); err != nil {
		t.Fatalf("the manager logs in: %v", err)
	}
	return m
}

// URL Referral counts each page's requests and the accepted ones, of the
// queues the reader may see and chooses; the CSR filter is the manager's.
func TestURLReferralAndFilters(t *testing.T) {
	carol, ts, _ := loggedIn(t, rendezvoustest.Options{})
	daveNumber := queueWork(t, ts, carol.API())
	maria := managerOf(t, ts)
	ctx := ctxT(t, 30*time.Second)
	today := time.Now().UTC()
	week := client.ReportQuery{From: today.AddDate(0, 0, -6), To: today}
	only := func(queues ...string) client.ReportQuery { q := week; q.Queues = queues; return q }

	printers := []client.Referral{{URL: "https://shop.example.com/printers", Requests: 2, Successful: 1}, {URL: "", Requests: 1, Successful: 1}}
	vpn := []client.Referral{{URL: "https://shop.example.com/vpn", Requests: 1, Successful: 1}}
	for _, c := range []struct {
		name string
		who  *Controller
		q    client.ReportQuery
		want []client.Referral
	}{
		{"a CSR: the queue they serve", carol, week, printers},
		{"a CSR: that queue chosen", carol, only("printers"), printers},
		{"a CSR: another queue chosen", carol, only("network"), nil},
		// The most requests first, then by URL.
		{"a manager: every queue", maria, week, append(slices.Clone(printers), vpn...)},
		{"a manager: one queue", maria, only("network"), vpn},
		{"a manager: sessions transferred to a CSR", maria, only(client.NoQueue), nil},
	} {
		got, err := c.who.URLReferral(ctx, c.q)
		if err != nil || !slices.Equal(got, c.want) {
			t.Errorf("%s: URLReferral = %+v, %v; want %+v", c.name, got, err, c.want)
		}
		b, err := c.who.URLReferralCSV(ctx, c.q)
		if err != nil {
			t.Fatalf("%s: URLReferralCSV: %v", c.name, err)
		}
		rows, err := csv.NewReader(bytes.NewReader(b)).ReadAll()
		if err != nil || len(rows) != len(c.want)+1 || !slices.Equal(rows[0], []string{"url", "requests", "successful"}) {
			t.Fatalf("%s: URLReferralCSV = %q, %v", c.name, b, err)
		}
		for i, r := range c.want {
			if want := []string{r.URL, strconv.Itoa(r.Requests), strconv.Itoa(r.Successful)}; !slices.Equal(rows[i+1], want) {
				t.Errorf("%s: CSV row %d = %q, want %q", c.name, i+1, rows[i+1], want)
			}
		}
	}

	// The CSR filter: a manager's choice; a CSR may name only themselves.
	q := week
	q.CSRs = []string{"dave@example.com"}
	got, err := maria.QuerySessions(ctx, q)
	if err != nil || len(got) != 1 || got[0].Number != daveNumber || got[0].CustomerName != "Dee" {
		t.Errorf("the manager's sessions of Dave = %+v, %v; want Dee's %s", got, err, daveNumber)
	}
	if _, err := carol.QuerySessions(ctx, q); !IsCode(err, "not_your_sessions") {
		t.Errorf("Carol asks for Dave's sessions: %v", err)
	}
	acts, err := maria.CSRActivity(ctx, q)
	if err != nil || len(acts) != 1 || acts[0].Email != "dave@example.com" || acts[0].Sessions != 1 {
		t.Errorf("the manager's CSR activity of Dave = %+v, %v", acts, err)
	}

	// What each can filter by.
	for _, c := range []struct {
		name string
		who  *Controller
		want ReportFilters
	}{
		{"a CSR", carol, ReportFilters{Queues: []ReportQueue{{"printers", "Printer help", true}}}},
		{"a manager", maria, ReportFilters{Everyone: true,
			Queues: []ReportQueue{{"network", "Network help", true}, {"printers", "Printer help", true}},
			CSRs:   []client.ReportPerson{{Name: "Carol CSR", Email: "carol@example.com"}, {Name: "Dave Okafor", Email: "dave@example.com"}}}},
	} {
		f, err := c.who.ReportFilters(ctx, week)
		slices.SortFunc(f.Queues, func(a, b ReportQueue) int { return strings.Compare(a.Name, b.Name) })
		slices.SortFunc(f.CSRs, func(a, b client.ReportPerson) int { return strings.Compare(a.Email, b.Email) })
		if err != nil || f.Everyone != c.want.Everyone || !slices.Equal(f.Queues, c.want.Queues) || !slices.Equal(f.CSRs, c.want.CSRs) {
			t.Errorf("%s: ReportFilters = %+v, %v; want %+v", c.name, f, err, c.want)
		}
	}
}
