package server_test

import (
	"bytes"
	"context"
	"encoding/csv"
	"fmt"
	"io"
	"net/http"
	"net/http/cookiejar"
	"net/url"
	"reflect"
	"regexp"
	"strings"
	"testing"
	"time"

	"lifeline/rendezvous/store"
	"lifeline/shared/client"
	"lifeline/shared/protocol"
	"lifeline/shared/rendezvoustest"
)

// reportSite is a server with two days of support, written straight into
// its store so that every time, and so every number of the reports, is
// known. d0 is ten days ago and d1 the day after, both at midnight UTC:
//
//	S1  d0 09:00 Carol starts a session; Paula joins 09:05; Carol records
//	             09:10–09:22, and from 09:30 on without a stop; ends 09:35.
//	R1  d0 10:00 Quinn asks in Billing (from shop.example.com/help);
//	             Carol accepts at 10:02 (session S2), transfers it to Dave
//	             at 10:12 (R2), who takes it at 10:15; it ends at 10:45.
//	R3  d0 11:00 Rosa asks in Billing (from the shop) and leaves at 11:06.
//	R4  d1 14:00 Sam asks in Network (from example.com/support); Dave
//	             accepts at 14:03 (S3); it ends at 14:23.
//	S4  d1 16:00 Carol starts a session nobody joins; ends at 16:10.
//	R5  d1 15:00 Tina asks in Network (no page) and is still waiting.
//
// Carol serves Billing, Dave Network; Mona is a manager, Adam an admin,
// Erin a CSR with no sessions.
type reportSite struct {
	ts     *rendezvoustest.Server
	d0, d1 time.Time
	users  map[string]store.User
	api    map[string]*client.Client // logged in, by first name
}

const reportPassword = "report test password"

func newReportSite(t *testing.T) *reportSite {
	t.Helper()
	ts := rendezvoustest.New(t, rendezvoustest.Options{})
	st, ctx := ts.Store, context.Background()
	d0 := time.Now().UTC().Truncate(24*time.Hour).AddDate(0, 0, -10)
	rs := &reportSite{ts: ts, d0: d0, d1: d0.AddDate(0, 0, 1), users: map[string]store.User{}, api: map[string]*client.Client{}}
	for _, u := range []struct{ name, role string }{
		{"Carol", store.RoleCSR}, {"Dave", store.RoleCSR}, {"Erin", store.RoleCSR}, {"Mona", store.RoleManager}, {"Adam", store.RoleAdmin},
	} {
		email := strings.ToLower(u.name) + "@example.com"
		rs.users[u.name] = ts.AddUser(t, email, u.name, u.role, reportPassword)
		c := ts.Client()
		_, err := c.Login(ctx, email, reportPassword)
		must(t, err)
		rs.api[u.name] = c
	}
	ts.AddQueue(t, "billing", "Billing", "carol@example.com")
	ts.AddQueue(t, "network", "Network", "dave@example.com")
	billing, err := st.QueueByName(ctx, "billing")
	must(t, err)
	network, err := st.QueueByName(ctx, "network")
	must(t, err)
	carol, dave := rs.users["Carol"].ID, rs.users["Dave"].ID
	at := func(day time.Time, hm string) time.Time {
		var h, m int
		fmt.Sscanf(hm, "%d:%d", &h, &m)
		return day.Add(time.Duration(h)*time.Hour + time.Duration(m)*time.Minute)
	}
	event := func(sid string, seq int64, when time.Time, typ, actor, data string) {
		must(t, st.AppendEvent(ctx, store.Event{SessionID: sid, Seq: seq, At: when, Type: typ, Actor: actor, Audience: store.AudienceAll, Data: []byte(data)}))
	}
	direct := func(id, number string, start time.Time, customer string, joined, ended time.Time) {
		must(t, st.CreateSession(ctx, store.Session{ID: id, Number: number, OwnerUserID: carol, CreatedAt: start},
			store.Participant{ID: id + "-host", UserID: carol, Name: "Carol", JoinedAt: start}))
		event(id, 1, start, "session_started", id+"-host", "{}")
		if customer != "" {
			must(t, st.AddParticipant(ctx, store.Participant{ID: id + "-cust", SessionID: id, Name: customer,
				Email: strings.ToLower(customer) + "@example.org", Role: store.RolePrimary, JoinedAt: joined}))
			event(id, 2, joined, "chat", id+"-cust", `{"text":"Hello, my printer is stuck."}`)
		}
		must(t, st.EndSession(ctx, id, ended, "ended by the CSR"))
	}
	request := func(id, queueID, name, ref string, when time.Time) {
		must(t, st.CreateQueueRequest(ctx, store.QueueRequest{ID: id, QueueID: queueID, Name: name,
			Email: strings.ToLower(name) + "@example.org", Referrer: ref, TokenHash: []byte("token of " + id), RequestedAt: when}))
	}
	accept := func(reqID, sid, number, userID, name string, when time.Time) {
		r, err := st.QueueRequestByID(ctx, reqID)
		must(t, err)
		must(t, st.AcceptQueueRequest(ctx, store.QueueAcceptance{RequestID: reqID, UserID: userID, At: when,
			Session: store.Session{ID: sid, Number: number, OwnerUserID: userID, CreatedAt: when},
			Participants: []store.Participant{
				{ID: sid + "-host", UserID: userID, Name: name, Role: store.RoleHost, JoinedAt: when},
				{ID: sid + "-cust", Name: r.Name, Email: r.Email, Role: store.RolePrimary, JoinedAt: when},
			},
			Events: []store.Event{{SessionID: sid, Seq: 1, At: when, Type: "queue_accepted", Audience: store.AudienceAll, Data: []byte("{}")}}}))
	}

	direct("S1", "100000001", at(d0, "09:00"), "Paula", at(d0, "09:05"), at(d0, "09:35"))
	event("S1", 3, at(d0, "09:10"), "recording", "S1-host", `{"state":"started"}`)
	event("S1", 4, at(d0, "09:22"), "recording", "S1-host",
		`{"state":"stopped","reason":"Paula stopped sharing.","duration_ms":724000,"frames":2911,"bytes":50331648}`)
	event("S1", 5, at(d0, "09:30"), "recording", "S1-host", `{"state":"started"}`)
	request("R1", billing.ID, "Quinn", "https://shop.example.com/help", at(d0, "10:00"))
	accept("R1", "S2", "100000002", carol, "Carol", at(d0, "10:02"))
	must(t, st.Tx(ctx, func(w store.Writer) error {
		if err := w.SetQueueRequestTransferred(ctx, "R1", at(d0, "10:12")); err != nil {
			return err
		}
		return w.AddQueueRequest(ctx, store.QueueRequest{ID: "R2", OfferedTo: dave, Name: "Quinn", Email: "quinn@example.org",
			SessionID: "S2", ParticipantID: "S2-cust", RequestedAt: at(d0, "10:12"), TransferredFrom: "R1", TransferredBy: carol})
	}))
	must(t, st.ClaimQueueRequest(ctx, "R2", dave, at(d0, "10:15"), "S2", "S2-cust"))
	must(t, st.AddParticipant(ctx, store.Participant{ID: "S2-dave", SessionID: "S2", UserID: dave, Name: "Dave", Role: store.RoleHost, JoinedAt: at(d0, "10:15")}))
	must(t, st.EndSession(ctx, "S2", at(d0, "10:45"), "ended by the CSR"))
	request("R3", billing.ID, "Rosa", "https://shop.example.com/help", at(d0, "11:00"))
	must(t, st.AbandonQueueRequest(ctx, "R3", at(d0, "11:06")))
	request("R4", network.ID, "Sam", "https://example.com/support", at(rs.d1, "14:00"))
	accept("R4", "S3", "100000003", dave, "Dave", at(rs.d1, "14:03"))
	must(t, st.EndSession(ctx, "S3", at(rs.d1, "14:23"), "ended by the CSR"))
	request("R5", network.ID, "Tina", "", at(rs.d1, "15:00"))
	direct("S4", "100000004", at(rs.d1, "16:00"), "", time.Time{}, at(rs.d1, "16:10"))
	return rs
}

// period is the query of the two days of the site.
func (rs *reportSite) period() client.ReportQuery { return client.ReportQuery{From: rs.d0, To: rs.d1} }

func (rs *reportSite) date(d time.Time) string { return d.Format("2006-01-02") }

func sessionIDs(ss []client.QuerySession) []string {
	var ids []string
	for _, s := range ss {
		ids = append(ids, s.ID)
	}
	return ids
}

func parseCSV(t *testing.T, get func() ([]byte, error)) [][]string {
	t.Helper()
	b, err := get()
	must(t, err)
	recs, err := csv.NewReader(bytes.NewReader(b)).ReadAll()
	if err != nil {
		t.Fatalf("the CSV does not parse: %v\n%s", err, b)
	}
	return recs
}

// column is the column of a CSV with the header name, row by row.
func column(t *testing.T, recs [][]string, name string) []string {
	t.Helper()
	i := -1
	for j, h := range recs[0] {
		if h == name {
			i = j
		}
	}
	if i < 0 {
		t.Fatalf("no column %q in %v", name, recs[0])
	}
	var out []string
	for _, r := range recs[1:] {
		out = append(out, r[i])
	}
	return out
}

func TestQueryTool(t *testing.T) {
	rs := newReportSite(t)
	ctx := ctxT(t)
	q := rs.period()
	for _, tc := range []struct {
		who  string
		q    func(client.ReportQuery) client.ReportQuery
		want []string
	}{
		{"Mona", func(q client.ReportQuery) client.ReportQuery { return q }, []string{"S4", "S3", "S2", "S1"}},
		{"Adam", func(q client.ReportQuery) client.ReportQuery { q.Sort = "requested"; return q }, []string{"S1", "S2", "S3", "S4"}},
		{"Mona", func(q client.ReportQuery) client.ReportQuery { q.Queues = []string{"billing"}; return q }, []string{"S2"}},
		{"Mona", func(q client.ReportQuery) client.ReportQuery { q.Queues = []string{client.NoQueue}; return q }, []string{"S4", "S1"}},
		{"Mona", func(q client.ReportQuery) client.ReportQuery { q.CSRs = []string{"dave@example.com"}; return q }, []string{"S3", "S2"}},
		{"Mona", func(q client.ReportQuery) client.ReportQuery { q.Search = "PAULA"; return q }, []string{"S1"}},
		{"Mona", func(q client.ReportQuery) client.ReportQuery { q.Search = "sam@example"; return q }, []string{"S3"}},
		{"Mona", func(q client.ReportQuery) client.ReportQuery { q.Sort, q.Desc = "duration", true; return q }, []string{"S2", "S1", "S3", "S4"}},
		{"Mona", func(q client.ReportQuery) client.ReportQuery { q.Sort = "wait"; return q }, []string{"S4", "S2", "S3", "S1"}},
		{"Mona", func(q client.ReportQuery) client.ReportQuery { q.To = rs.d0; return q }, []string{"S2", "S1"}},
		// A CSR sees the sessions they took part in: Carol hers and the
		// one she handed to Dave; Dave that one and his own.
		{"Carol", func(q client.ReportQuery) client.ReportQuery { return q }, []string{"S4", "S2", "S1"}},
		{"Dave", func(q client.ReportQuery) client.ReportQuery { return q }, []string{"S3", "S2"}},
		{"Carol", func(q client.ReportQuery) client.ReportQuery { q.CSRs = []string{"carol@example.com"}; return q }, []string{"S4", "S2", "S1"}},
		{"Erin", func(q client.ReportQuery) client.ReportQuery { return q }, nil},
	} {
		got, err := rs.api[tc.who].QuerySessions(ctx, tc.q(q))
		if err != nil || !reflect.DeepEqual(sessionIDs(got), tc.want) {
			t.Errorf("%s, %+v: %v, %v; want %v", tc.who, tc.q(q), sessionIDs(got), err, tc.want)
		}
	}

	got, err := rs.api["Mona"].QuerySessions(ctx, client.ReportQuery{From: rs.d0, To: rs.d0, Queues: []string{"billing"}})
	must(t, err)
	if len(got) != 1 {
		t.Fatalf("S2 alone: %v", sessionIDs(got))
	}
	s2 := got[0]
	if s2.Number != "100000002" || s2.Queue != "billing" || s2.QueueName != "Billing" || s2.CustomerName != "Quinn" ||
		s2.CustomerEmail != "quinn@example.org" || !s2.RequestedAt.Equal(rs.d0.Add(10*time.Hour)) ||
		*s2.WaitSeconds != 120 || *s2.DurationSeconds != 43*60 || s2.State != store.StateEnded ||
		!reflect.DeepEqual(s2.CSRs, []client.ReportPerson{{Name: "Carol", Email: "carol@example.com"}, {Name: "Dave", Email: "dave@example.com"}}) {
		t.Errorf("S2 = %+v", s2)
	}

	recs := parseCSV(t, func() ([]byte, error) {
		return rs.api["Mona"].QuerySessionsCSV(ctx, client.ReportQuery{From: rs.d0, To: rs.d1, Sort: "number"})
	})
	if !reflect.DeepEqual(column(t, recs, "session_id"), []string{"S1", "S2", "S3", "S4"}) ||
		!reflect.DeepEqual(column(t, recs, "wait_s"), []string{"300", "120", "180", ""}) ||
		!reflect.DeepEqual(column(t, recs, "duration_s"), []string{"1800", "2580", "1200", ""}) ||
		!reflect.DeepEqual(column(t, recs, "queue_name"), []string{"", "Billing", "Network", ""}) ||
		!reflect.DeepEqual(column(t, recs, "csr_names"), []string{"Carol", "Carol; Dave", "Dave", "Carol"}) ||
		!reflect.DeepEqual(column(t, recs, "customer_name"), []string{"Paula", "Quinn", "Sam", ""}) ||
		!reflect.DeepEqual(column(t, recs, "date"), []string{rs.date(rs.d0), rs.date(rs.d0), rs.date(rs.d1), rs.date(rs.d1)}) {
		t.Errorf("CSV =\n%v", recs)
	}

	// A customer who asked just before midnight and was helped after it
	// is in the day they asked, as the Query tool orders and filters by
	// when help was asked for.
	st := rs.ts.Store
	network, err := st.QueueByName(ctx, "network")
	must(t, err)
	late, next := rs.d1.Add(23*time.Hour+58*time.Minute), rs.d1.AddDate(0, 0, 1)
	must(t, st.CreateQueueRequest(ctx, store.QueueRequest{ID: "R6", QueueID: network.ID, Name: "Uma", Email: "uma@example.org", TokenHash: []byte("token of R6"), RequestedAt: late}))
	dave := rs.users["Dave"].ID
	must(t, st.AcceptQueueRequest(ctx, store.QueueAcceptance{RequestID: "R6", UserID: dave, At: next.Add(3 * time.Minute),
		Session: store.Session{ID: "S6", Number: "100000006", OwnerUserID: dave, CreatedAt: next.Add(3 * time.Minute)},
		Participants: []store.Participant{{ID: "S6-host", UserID: dave, Name: "Dave", Role: store.RoleHost, JoinedAt: next.Add(3 * time.Minute)},
			{ID: "S6-cust", Name: "Uma", Role: store.RolePrimary, JoinedAt: next.Add(3 * time.Minute)}}}))
	for _, tc := range []struct {
		q    client.ReportQuery
		want []string
	}{
		{client.ReportQuery{From: rs.d1, To: rs.d1}, []string{"S6", "S4", "S3"}},
		{client.ReportQuery{From: next, To: next}, nil},
	} {
		got, err := rs.api["Mona"].QuerySessions(ctx, tc.q)
		if err != nil || !reflect.DeepEqual(sessionIDs(got), tc.want) {
			t.Errorf("%+v: %v, %v; want %v", tc.q, sessionIDs(got), err, tc.want)
		}
	}
}

func TestCallVolumeByDay(t *testing.T) {
	rs := newReportSite(t)
	ctx := ctxT(t)
	span := func(n int, lo, avg, hi int64) client.Span {
		return client.Span{Count: n, MinSeconds: lo, AvgSeconds: avg, MaxSeconds: hi}
	}
	cv, err := rs.api["Mona"].CallVolumeByDay(ctx, client.ReportQuery{From: rs.d0.AddDate(0, 0, -1), To: rs.d1})
	must(t, err)
	want := client.CallVolumeReport{From: rs.date(rs.d0.AddDate(0, 0, -1)), To: rs.date(rs.d1),
		Total: client.Volume{Requests: 5, Successful: 3, Abandoned: 1, Waiting: 1, Wait: span(3, 120, 160, 180),
			AbandonedWait: span(1, 360, 360, 360), Session: span(3, 600, 1200, 1800)},
		Days: []client.DayVolume{
			{Date: rs.date(rs.d0.AddDate(0, 0, -1))},
			{Date: rs.date(rs.d0), Volume: client.Volume{Requests: 3, Successful: 2, Abandoned: 1, Wait: span(2, 120, 150, 180),
				AbandonedWait: span(1, 360, 360, 360), Session: span(2, 600, 1200, 1800)}},
			{Date: rs.date(rs.d1), Volume: client.Volume{Requests: 2, Successful: 1, Waiting: 1, Wait: span(1, 180, 180, 180),
				Session: span(1, 1200, 1200, 1200)}},
		},
		Queues: []client.QueueVolume{
			{Queue: "billing", QueueName: "Billing", Requests: 2, Successful: 1, Abandoned: 1, Wait: span(1, 120, 120, 120),
				AbandonedWait: span(1, 360, 360, 360), Session: span(1, 600, 600, 600)},
			{Queue: "network", QueueName: "Network", Requests: 2, Successful: 1, Waiting: 1, Wait: span(1, 180, 180, 180), Session: span(1, 1200, 1200, 1200)},
			{Queue: "", QueueName: "Transferred to a support representative", Requests: 1, Successful: 1, Wait: span(1, 180, 180, 180), Session: span(1, 1800, 1800, 1800)},
		},
	}
	if !reflect.DeepEqual(cv, want) {
		t.Errorf("Call Volume =\n%+v\nwant\n%+v", cv, want)
	}

	// Carol serves Billing, and sees it alone; a queue filter keeps one.
	mine, err := rs.api["Carol"].CallVolumeByDay(ctx, rs.period())
	must(t, err)
	if mine.Total.Requests != 2 || mine.Total.Abandoned != 1 || len(mine.Queues) != 1 || mine.Queues[0].Queue != "billing" {
		t.Errorf("Carol's Call Volume = %+v", mine)
	}
	net, err := rs.api["Adam"].CallVolumeByDay(ctx, client.ReportQuery{From: rs.d0, To: rs.d1, Queues: []string{"network"}})
	must(t, err)
	if net.Total.Requests != 2 || net.Total.Waiting != 1 || net.Days[0].Requests != 0 || net.Days[1].Requests != 2 {
		t.Errorf("Network's Call Volume = %+v", net)
	}

	recs := parseCSV(t, func() ([]byte, error) { return rs.api["Mona"].CallVolumeByDayCSV(ctx, rs.period()) })
	if !reflect.DeepEqual(recs, [][]string{
		{"date", "requests", "successful", "abandoned", "waiting", "min_wait_s", "avg_wait_s", "max_wait_s",
			"min_abandoned_wait_s", "avg_abandoned_wait_s", "max_abandoned_wait_s", "min_session_s", "avg_session_s", "max_session_s"},
		{rs.date(rs.d0), "3", "2", "1", "0", "120", "150", "180", "360", "360", "360", "600", "1200", "1800"},
		{rs.date(rs.d1), "2", "1", "0", "1", "180", "180", "180", "", "", "", "1200", "1200", "1200"},
	}) {
		t.Errorf("CSV = %v", recs)
	}
}

func TestCSRActivityReport(t *testing.T) {
	rs := newReportSite(t)
	ctx := ctxT(t)
	span := func(n int, lo, avg, hi int64) client.Span {
		return client.Span{Count: n, MinSeconds: lo, AvgSeconds: avg, MaxSeconds: hi}
	}
	carol := client.CSRActivity{Name: "Carol", Email: "carol@example.com", Sessions: 2, Session: span(2, 600, 1200, 1800)}
	dave := client.CSRActivity{Name: "Dave", Email: "dave@example.com", Sessions: 2, Session: span(2, 1200, 1500, 1800)}
	for _, tc := range []struct {
		who  string
		q    client.ReportQuery
		want []client.CSRActivity
	}{
		{"Mona", rs.period(), []client.CSRActivity{carol, dave}},
		{"Adam", client.ReportQuery{From: rs.d0, To: rs.d1, CSRs: []string{"dave@example.com"}}, []client.CSRActivity{dave}},
		{"Carol", rs.period(), []client.CSRActivity{carol}},
		{"Dave", rs.period(), []client.CSRActivity{dave}},
		{"Erin", rs.period(), []client.CSRActivity{}},
		// On d1, Carol's only session had no customer.
		{"Mona", client.ReportQuery{From: rs.d1, To: rs.d1}, []client.CSRActivity{
			{Name: "Dave", Email: "dave@example.com", Sessions: 1, Session: span(1, 1200, 1200, 1200)}}},
	} {
		got, err := rs.api[tc.who].CSRActivityReport(ctx, tc.q)
		if err != nil || !reflect.DeepEqual(got, tc.want) {
			t.Errorf("%s, %+v: %+v, %v; want %+v", tc.who, tc.q, got, err, tc.want)
		}
	}
	recs := parseCSV(t, func() ([]byte, error) { return rs.api["Mona"].CSRActivityCSV(ctx, rs.period()) })
	if !reflect.DeepEqual(recs, [][]string{
		{"csr_name", "csr_email", "sessions", "min_session_s", "avg_session_s", "max_session_s"},
		{"Carol", "carol@example.com", "2", "600", "1200", "1800"},
		{"Dave", "dave@example.com", "2", "1200", "1500", "1800"},
	}) {
		t.Errorf("CSV = %v", recs)
	}
}

func TestURLReferralReport(t *testing.T) {
	rs := newReportSite(t)
	ctx := ctxT(t)
	got, err := rs.api["Mona"].URLReferral(ctx, rs.period())
	want := []client.Referral{
		{URL: "https://shop.example.com/help", Requests: 2, Successful: 1},
		{URL: "", Requests: 1, Successful: 0},
		{URL: "https://example.com/support", Requests: 1, Successful: 1},
	}
	if err != nil || !reflect.DeepEqual(got, want) {
		t.Errorf("URL Referral = %+v, %v; want %+v", got, err, want)
	}
	got, err = rs.api["Carol"].URLReferral(ctx, rs.period())
	if err != nil || !reflect.DeepEqual(got, want[:1]) {
		t.Errorf("Carol's (Billing) = %+v, %v", got, err)
	}
	recs := parseCSV(t, func() ([]byte, error) {
		return rs.api["Mona"].URLReferralCSV(ctx, client.ReportQuery{From: rs.d0, To: rs.d1, Queues: []string{"network"}})
	})
	if !reflect.DeepEqual(recs, [][]string{{"url", "requests", "successful"}, {"", "1", "0"}, {"https://example.com/support", "1", "1"}}) {
		t.Errorf("CSV = %v", recs)
	}
}

// The reports refuse what a reader may not see, and a period longer than
// three months, with a sentence.
func TestReportRefusals(t *testing.T) {
	rs := newReportSite(t)
	ctx := ctxT(t)
	tooLong := client.ReportQuery{From: rs.d0.AddDate(0, -3, 0), To: rs.d0}
	for _, tc := range []struct {
		name   string
		call   func() error
		status int
		code   string
		msg    string
	}{
		{"a CSR asks for another's sessions", func() error {
			_, err := rs.api["Carol"].QuerySessions(ctx, client.ReportQuery{CSRs: []string{"dave@example.com"}})
			return err
		}, http.StatusForbidden, "not_your_sessions", "You can only see reports of your own sessions."},
		{"a CSR asks for another's activity", func() error {
			_, err := rs.api["Dave"].CSRActivityReport(ctx, client.ReportQuery{CSRs: []string{"carol@example.com"}})
			return err
		}, http.StatusForbidden, "not_your_sessions", "own sessions"},
		{"a CSR opens another's Session Details", func() error {
			_, err := rs.api["Carol"].Report(ctx, "S3")
			return err
		}, http.StatusForbidden, "not_your_session", "sessions you took part in"},
		{"a range of three months and a day", func() error {
			_, err := rs.api["Mona"].QuerySessions(ctx, tooLong)
			return err
		}, http.StatusBadRequest, "range_too_long", "A report covers at most three months: from " + rs.date(tooLong.From) + " it can go up to"},
		{"the same in Call Volume", func() error {
			_, err := rs.api["Adam"].CallVolumeByDay(ctx, tooLong)
			return err
		}, http.StatusBadRequest, "range_too_long", "Choose a shorter date range."},
		{"a reversed range", func() error {
			_, err := rs.api["Mona"].URLReferral(ctx, client.ReportQuery{From: rs.d1, To: rs.d0})
			return err
		}, http.StatusBadRequest, "range_reversed", "is after the end date"},
		{"an unknown CSR", func() error {
			_, err := rs.api["Mona"].QuerySessions(ctx, client.ReportQuery{CSRs: []string{"zed@example.com"}})
			return err
		}, http.StatusBadRequest, "unknown_csr", "There is no account with the email address zed@example.com."},
		{"an unknown sort", func() error {
			_, err := rs.api["Mona"].QuerySessions(ctx, client.ReportQuery{Sort: "colour"})
			return err
		}, http.StatusBadRequest, "invalid_sort", `not "colour"`},
		{"too many CSRs", func() error {
			many := make([]string, 201)
			for i := range many {
				many[i] = fmt.Sprintf("csr%d@example.com", i)
			}
			_, err := rs.api["Mona"].QuerySessions(ctx, client.ReportQuery{CSRs: many})
			return err
		}, http.StatusBadRequest, "too_many_filters", "Choose at most 200 queues and 200 CSRs"},
		{"no login", func() error {
			_, err := rs.ts.Client().CSRActivityReport(ctx, client.ReportQuery{})
			return err
		}, http.StatusUnauthorized, "unauthenticated", "Log in first"},
	} {
		wantRefused(t, tc.name, tc.call(), tc.status, tc.code, tc.msg)
	}
	// A manager sees everyone's Session Details, with its chat.
	rep, err := rs.api["Mona"].Report(ctx, "S1")
	if err != nil || len(rep.Chat) != 1 || rep.Chat[0].Text != "Hello, my printer is stuck." {
		t.Errorf("Mona's S1 = %+v, %v", rep, err)
	}
}

// Sessions made through the API, as the console and agent make them,
// are in the reports at once.
func TestReportsOfLiveWork(t *testing.T) {
	ts := rendezvoustest.New(t, rendezvoustest.Options{})
	c := newCast(t, ts)
	must(t, errCode(c.host.do(&protocol.Chat{Text: "Let me look."})))
	must(t, c.host.api.EndSession(ctxT(t), c.host.session, "All fixed."))
	got, err := c.host.api.QuerySessions(ctxT(t), client.ReportQuery{})
	if err != nil || len(got) != 1 || got[0].ID != c.host.session || got[0].CustomerName != "Paula" ||
		got[0].EndedAt == nil || got[0].DurationSeconds == nil || len(got[0].CSRs) != 1 || got[0].CSRs[0].Name != "Hannah Host" {
		t.Fatalf("the Query tool = %+v, %v", got, err)
	}
	acts, err := c.host.api.CSRActivityReport(ctxT(t), client.ReportQuery{})
	if err != nil || len(acts) != 1 || acts[0].Sessions != 1 || acts[0].Session.Count != 1 {
		t.Errorf("CSR Activity = %+v, %v", acts, err)
	}
}

// ---- the pages ----

// browser is an HTTP client with cookies that does not follow redirects,
// so that each step can be looked at.
type browser struct {
	t  *testing.T
	ts *rendezvoustest.Server
	c  *http.Client
}

func newBrowser(t *testing.T, ts *rendezvoustest.Server) *browser {
	jar, _ := cookiejar.New(nil)
	tr := &http.Transport{TLSClientConfig: ts.TLS}
	t.Cleanup(tr.CloseIdleConnections)
	return &browser{t: t, ts: ts, c: &http.Client{Transport: tr, Jar: jar,
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}}
}

func (b *browser) do(method, path string, form url.Values) (*http.Response, string) {
	b.t.Helper()
	var body io.Reader
	if form != nil {
		body = strings.NewReader(form.Encode())
	}
	req, err := http.NewRequest(method, b.ts.URL+path, body)
	must(b.t, err)
	if form != nil {
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	}
	resp, err := b.c.Do(req)
	must(b.t, err)
	defer resp.Body.Close()
	out, _ := io.ReadAll(resp.Body)
	return resp, string(out)
}

// redirected sends a request that must be answered by a redirect (303
// See Other) to location, and returns the answer.
func (b *browser) redirected(method, path string, form url.Values, location string) *http.Response {
	b.t.Helper()
	resp, page := b.do(method, path, form)
	if resp.StatusCode != http.StatusSeeOther || resp.Header.Get("Location") != location {
		b.t.Fatalf("%s %s: %d %s, want a redirect to %s\n%s", method, path, resp.StatusCode, resp.Header.Get("Location"), location, page)
	}
	return resp
}

var hiddenCSRF = regexp.MustCompile(`name="csrf" value="([^"]+)"`)

// login logs in to the report pages through the form, as a person would.
func (b *browser) login(email string) {
	b.t.Helper()
	b.loginThrough("/reports", email, reportPassword, "/reports/call-volume")
}

// loginThrough logs in with the login form of an area (/reports or
// /admin), as a person would, and must be sent on to the page next.
func (b *browser) loginThrough(area, email, password, next string) {
	b.t.Helper()
	resp, page := b.do("GET", area+"/login?next="+next, nil)
	m := hiddenCSRF.FindStringSubmatch(page)
	if resp.StatusCode != http.StatusOK || m == nil {
		b.t.Fatalf("%s login page: %d\n%s", area, resp.StatusCode, page)
	}
	b.redirected("POST", area+"/login", url.Values{"csrf": {m[1]}, "email": {email}, "password": {password}, "next": {next}}, next)
}

func TestReportPagesLogin(t *testing.T) {
	rs := newReportSite(t)
	b := newBrowser(t, rs.ts)

	// Not logged in: every page sends the browser to log in, and back.
	b.redirected("GET", "/reports/csr-activity?from=2026-01-01", nil, "/reports/login?next=%2Freports%2Fcsr-activity%3Ffrom%3D2026-01-01")

	// The form's token comes with a cookie of its own; a post without it,
	// as another site's would be, is refused.
	resp, page := b.do("GET", "/reports/login", nil)
	m := hiddenCSRF.FindStringSubmatch(page)
	if m == nil || resp.Header.Get("Content-Security-Policy") == "" {
		t.Fatalf("login page: %s", page)
	}
	bare := newBrowser(t, rs.ts)
	resp, page = bare.do("POST", "/reports/login", url.Values{"csrf": {m[1]}, "email": {"mona@example.com"}, "password": {reportPassword}})
	if resp.StatusCode != http.StatusForbidden || !strings.Contains(page, "This login form has expired. Please log in again.") {
		t.Errorf("a login post without the form's cookie: %d\n%s", resp.StatusCode, page)
	}
	resp, page = b.do("POST", "/reports/login", url.Values{"csrf": {m[1]}, "email": {"mona@example.com"}, "password": {"wrong"}})
	if resp.StatusCode != http.StatusUnauthorized || !strings.Contains(page, "The email address or password is not correct.") ||
		!strings.Contains(page, `value="mona@example.com"`) {
		t.Errorf("a wrong password: %d\n%s", resp.StatusCode, page)
	}

	// Logged in: the cookie is an HttpOnly, Secure, SameSite=Strict one
	// for the report pages alone, and a page of another site is not a
	// place to go next.
	m = hiddenCSRF.FindStringSubmatch(page)
	resp, _ = b.do("POST", "/reports/login", url.Values{"csrf": {m[1]}, "email": {"mona@example.com"}, "password": {reportPassword}, "next": {"https://evil.example/"}})
	var session *http.Cookie
	for _, c := range resp.Cookies() {
		if c.Name == "lifeline_reports" {
			session = c
		}
	}
	if resp.StatusCode != http.StatusSeeOther || resp.Header.Get("Location") != "/reports/sessions" || session == nil ||
		!session.HttpOnly || !session.Secure || session.SameSite != http.SameSiteStrictMode || session.Path != "/reports" ||
		!strings.HasPrefix(session.Value, "llu_") || session.MaxAge != 12*3600 {
		t.Fatalf("login: %d %s, cookie %+v", resp.StatusCode, resp.Header.Get("Location"), session)
	}
	resp, page = b.do("GET", "/reports/sessions", nil)
	if resp.StatusCode != http.StatusOK || !strings.Contains(page, "Mona (manager)") {
		t.Fatalf("after login: %d\n%s", resp.StatusCode, page)
	}

	// Logging out needs the page's token; then the cookie's token is gone.
	resp, _ = b.do("POST", "/reports/logout", url.Values{"csrf": {"forged"}})
	if resp.StatusCode != http.StatusForbidden {
		t.Errorf("a logout with a forged token: %d", resp.StatusCode)
	}
	m = hiddenCSRF.FindStringSubmatch(page)
	resp, _ = b.do("POST", "/reports/logout", url.Values{"csrf": {m[1]}})
	if resp.StatusCode != http.StatusSeeOther || resp.Header.Get("Location") != "/reports/login" {
		t.Errorf("logout: %d %s", resp.StatusCode, resp.Header.Get("Location"))
	}
	if _, err := rs.ts.Client().WithToken(session.Value).Me(ctxT(t)); !client.IsCode(err, "invalid_token") {
		t.Errorf("the cookie's token after logout: %v", err)
	}
	if resp, _ := b.do("GET", "/reports/sessions", nil); resp.StatusCode != http.StatusSeeOther {
		t.Errorf("a page after logout: %d", resp.StatusCode)
	}
}

// The pages show what the API answers, to those who may see it.
func TestReportPages(t *testing.T) {
	rs := newReportSite(t)
	mona := newBrowser(t, rs.ts)
	mona.login("mona@example.com")
	carol := newBrowser(t, rs.ts)
	carol.login("carol@example.com")
	period := "from=" + rs.date(rs.d0) + "&to=" + rs.date(rs.d1)
	for _, tc := range []struct {
		name   string
		b      *browser
		path   string
		status int
		has    []string
		hasNot []string
	}{
		{"the Query tool", mona, "/reports/sessions?" + period, http.StatusOK,
			[]string{"4 sessions from " + rs.date(rs.d0) + " to " + rs.date(rs.d1), `<a href="/reports/sessions/S2">100 000 002</a>`,
				"Carol → Dave", "43 min 00 s", "2 min 00 s", "Billing", "quinn@example.org",
				`href="/reports/sessions?dir=desc&amp;from=`, "Requested ▼", "Export to CSV", `<option value="dave@example.com">Dave &lt;dave@example.com&gt;</option>`},
			nil},
		{"searching", mona, "/reports/sessions?" + period + "&q=rosa", http.StatusOK, []string{"0 sessions", "No session matches."}, nil},
		{"Carol's Query tool", carol, "/reports/sessions?" + period, http.StatusOK, []string{"3 sessions", "100 000 001", "100 000 004"},
			[]string{"100 000 003", `name="csr"`}},
		{"three months and a day", mona, "/reports/sessions?from=2026-01-01&to=2026-04-01", http.StatusBadRequest,
			[]string{"A report covers at most three months: from 2026-01-01 it can go up to 2026-03-31, not 2026-04-01. Choose a shorter date range.",
				`value="2026-04-01"`}, []string{"Export to CSV"}},
		{"Carol asks for Dave's", carol, "/reports/csr-activity?csr=dave@example.com", http.StatusForbidden,
			[]string{"You can only see reports of your own sessions."}, nil},
		{"Call Volume", mona, "/reports/call-volume?" + period, http.StatusOK,
			[]string{"<svg", "Requests per day", "<td class=\"t\">All 2 days</td><td class=\"n\">5</td><td class=\"n\">3</td><td class=\"n\">1</td><td class=\"n\">1</td>",
				"<td>Transferred to a support representative</td>", "<td class=\"n\">6:00</td>", "Successful", "Abandoned", "Still waiting"}, nil},
		{"CSR Activity", mona, "/reports/csr-activity?" + period, http.StatusOK,
			[]string{"Sessions per CSR", "Session time per CSR", "<td>Dave</td><td>dave@example.com</td><td class=\"n\">2</td><td class=\"n\">20:00</td><td class=\"n\">25:00</td><td class=\"n\">30:00</td>"}, nil},
		{"URL Referral", mona, "/reports/url-referral?" + period, http.StatusOK,
			[]string{"<td>https://shop.example.com/help</td><td class=\"n\">2</td><td class=\"n\">1</td><td class=\"n\">50%</td>", "(no page given)"}, nil},
		{"Session Details", mona, "/reports/sessions/S2", http.StatusOK,
			[]string{"Session Details — 100 000 002", "Quinn", "queue_accepted", "<td>Dave</td>", "in the queue Billing",
				"accepted by Carol at 10:02:00, transferred on at 10:12:00", "transferred by Carol to Dave", "https://shop.example.com/help"}, nil},
		{"Session Details with chat and recordings", carol, "/reports/sessions/S1", http.StatusOK,
			[]string{"Hello, my printer is stuck.", "Paula",
				`<td class="t">09:10:00</td><td>Carol</td><td>09:22:00<br>Paula stopped sharing.</td>` + "\n" +
					`<td class="n">12m4s</td><td class="n">2911</td><td class="n">48.0 MB</td>`,
				`<td class="t">09:30:00</td><td>Carol</td><td>by 09:35:00<br>The console did not say that the recording stopped; ` +
					`it had stopped by the time the session ended.</td>` + "\n" + `<td class="n">—</td><td class="n">—</td><td class="n">—</td>`,
				`<td>recording</td><td>Carol</td><td></td><td>(above)</td>`},
			[]string{"The session was not recorded."}},
		{"Session Details of a session not recorded", carol, "/reports/sessions/S4", http.StatusOK,
			[]string{"The session was not recorded."}, []string{"Recorded by"}},
		{"another's Session Details", carol, "/reports/sessions/S3", http.StatusForbidden,
			[]string{"You can only see reports of sessions you took part in."}, []string{"Sam"}},
		{"no such session", mona, "/reports/sessions/S9", http.StatusNotFound, []string{"There is no such session."}, nil},
		{"the text version", mona, "/reports/sessions/S1/text", http.StatusOK, []string{"Session Details — session 100 000 001", "Chat\n",
			"\nRecordings\n  09:10:00  by Carol, stopped at 09:22:00: 12m4s, 2911 frames, 48.0 MB\n        Paula stopped sharing.\n" +
				"  09:30:00  by Carol, stopped by 09:35:00 (its length and size are not known)\n        The console did not say"}, nil},
	} {
		resp, page := tc.b.do("GET", tc.path, nil)
		if resp.StatusCode != tc.status {
			t.Errorf("%s: status %d, want %d\n%s", tc.name, resp.StatusCode, tc.status, page)
			continue
		}
		for _, s := range tc.has {
			if !strings.Contains(page, s) {
				t.Errorf("%s: the page lacks %q", tc.name, s)
			}
		}
		for _, s := range tc.hasNot {
			if strings.Contains(page, s) {
				t.Errorf("%s: the page has %q", tc.name, s)
			}
		}
	}

	// The CSV export of a page is the API's.
	resp, body := mona.do("GET", "/reports/call-volume?"+period+"&format=csv", nil)
	recs, err := csv.NewReader(strings.NewReader(body)).ReadAll()
	if resp.StatusCode != http.StatusOK || err != nil || len(recs) != 3 || recs[1][1] != "3" || recs[2][1] != "2" ||
		!strings.Contains(resp.Header.Get("Content-Disposition"), "lifeline-call-volume-") {
		t.Errorf("the page's CSV: %d %v %v", resp.StatusCode, err, recs)
	}
}
