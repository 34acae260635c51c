package server

import (
	"context"
	"encoding/csv"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"time"

	"lifeline/rendezvous/queue"
	"lifeline/rendezvous/reports"
	"lifeline/rendezvous/room"
	"lifeline/rendezvous/store"
)

// The reports of the guide's Support Center, for the console's Reports
// tab (JSON and CSV, here) and the report pages (reportpages.go), from
// the same data: the Query tool, Call Volume by day, CSR Activity and URL
// Referral, over a period of at most three months. Admins and managers
// see everyone's sessions; a CSR the sessions they took part in, and the
// queues they serve.

// reportQuery is what a report was asked for: its period and filters, as
// given (for the pages' forms) and as they apply.
type reportQuery struct {
	Period   reports.Period
	From, To string // the dates as given, or the defaults chosen
	Queues   []string
	CSRs     []string // emails, as given
	Search   string
	Sort     string
	Desc     bool

	csrIDs []string
}

// parseReportQuery reads from, to, queue (repeated), csr (repeated,
// emails), q, sort and dir. A CSR who does not see everyone's reports may
// name only themselves.
func (s *Server) parseReportQuery(ctx context.Context, u *store.User, v url.Values) (reportQuery, error) {
	var rq reportQuery
	p, err := reports.ParsePeriod(v.Get("from"), v.Get("to"), s.Now())
	if err != nil {
		var pe *reports.PeriodError
		if errors.As(err, &pe) {
			return rq, &room.Error{Status: http.StatusBadRequest, Code: pe.Code, Msg: pe.Msg}
		}
		return rq, err
	}
	rq.Period, rq.From, rq.To = p, p.From.Format(reports.DateLayout), p.Last().Format(reports.DateLayout)
	rq.Queues = nonEmpty(v["queue"])
	rq.Search = strings.TrimSpace(v.Get("q"))
	rq.Sort = v.Get("sort")
	if rq.Sort != "" && !reports.ValidSort(rq.Sort) {
		return rq, &room.Error{Status: http.StatusBadRequest, Code: "invalid_sort",
			Msg: fmt.Sprintf("Sessions can be sorted by %s, not %q.", strings.Join(reports.SortKeys, ", "), rq.Sort)}
	}
	switch v.Get("dir") {
	case "", "asc":
	case "desc":
		rq.Desc = true
	default:
		return rq, &room.Error{Status: http.StatusBadRequest, Code: "invalid_order",
			Msg: fmt.Sprintf("The order is asc or desc, not %q.", v.Get("dir"))}
	}
	if rq.Sort == "" {
		// Newest first, unless asked otherwise.
		rq.Sort, rq.Desc = reports.SortRequested, v.Get("dir") != "asc"
	}
	if len(v["csr"]) > maxReportFilters || len(v["queue"]) > maxReportFilters {
		return rq, &room.Error{Status: http.StatusBadRequest, Code: "too_many_filters",
			Msg: fmt.Sprintf("Choose at most %d queues and %d CSRs, or none for all of them.", maxReportFilters, maxReportFilters)}
	}
	for _, email := range nonEmpty(v["csr"]) {
		if !u.SeesAllReports() && !strings.EqualFold(email, u.Email) {
			return rq, errNotYourSessions
		}
		csr, err := s.Store.UserByEmail(ctx, email)
		if errors.Is(err, store.ErrNotFound) {
			return rq, &room.Error{Status: http.StatusBadRequest, Code: "unknown_csr",
				Msg: fmt.Sprintf("There is no account with the email address %s.", email)}
		} else if err != nil {
			return rq, err
		}
		rq.CSRs = append(rq.CSRs, csr.Email)
		rq.csrIDs = append(rq.csrIDs, csr.ID)
	}
	return rq, nil
}

// maxReportFilters bounds the queues and CSRs a report is asked for, each
// of which the server looks up: more than any site has, fewer than would
// keep it busy.
const maxReportFilters = 200

var errNotYourSessions = &room.Error{Status: http.StatusForbidden, Code: "not_your_sessions",
	Msg: "You can only see reports of your own sessions."}

func nonEmpty(vs []string) []string {
	var out []string
	for _, v := range vs {
		if v = strings.TrimSpace(v); v != "" && !slices.Contains(out, v) {
			out = append(out, v)
		}
	}
	return out
}

// requestMargin is how long after a period a session may begin whose
// customer asked for it within the period: the longest wait in a queue
// that the reports expect.
const requestMargin = 24 * time.Hour

// sessionRows are the sessions of the period that u may see: those whose
// help was asked for in it (see reports.SessionRow.RequestedAt).
func (s *Server) sessionRows(ctx context.Context, u *store.User, p reports.Period) ([]reports.SessionRow, error) {
	// A session begins when help was asked for (a CSR started it) or
	// later (a CSR accepted the request), so those of the period began in
	// it, or a little after.
	f := store.SessionFilter{From: p.From, To: p.End.Add(requestMargin)}
	if !u.SeesAllReports() {
		f.ParticipantUserID = u.ID
	}
	sums, err := s.Store.ListSessions(ctx, f)
	if err != nil {
		return nil, err
	}
	reqs, err := s.Store.QueueRequestsOfSessions(ctx, f.From, f.To)
	if err != nil {
		return nil, err
	}
	users, err := s.Store.ListUsers(ctx)
	if err != nil {
		return nil, err
	}
	var rows []reports.SessionRow
	for _, r := range reports.SessionRows(sums, reqs, users) {
		if p.Contains(r.RequestedAt) {
			rows = append(rows, r)
		}
	}
	return rows, nil
}

// querySessions is the Query tool: the sessions rq finds, in its order.
func (s *Server) querySessions(ctx context.Context, u *store.User, rq reportQuery) ([]reports.SessionRow, error) {
	rows, err := s.sessionRows(ctx, u, rq.Period)
	if err != nil {
		return nil, err
	}
	return reports.SessionQuery{Queues: rq.Queues, CSRs: rq.csrIDs, Search: rq.Search, Sort: rq.Sort, Desc: rq.Desc}.Apply(rows), nil
}

// csrActivity is the CSR Activity report: every CSR who had a session of
// the period (or those rq names); a CSR sees their own line.
func (s *Server) csrActivity(ctx context.Context, u *store.User, rq reportQuery) ([]reports.CSRActivity, error) {
	rows, err := s.sessionRows(ctx, u, rq.Period)
	if err != nil {
		return nil, err
	}
	only := ""
	if !u.SeesAllReports() {
		only = u.ID
	}
	all := reports.Activity(rows, only)
	if len(rq.csrIDs) == 0 {
		return all, nil
	}
	var kept []reports.CSRActivity
	for _, a := range all {
		if slices.Contains(rq.csrIDs, a.CSR.ID) {
			kept = append(kept, a)
		}
	}
	return kept, nil
}

// queueOutcomesOf are the requests of the period, of the queues rq
// names, that u may see, with the display names of the queues.
func (s *Server) queueOutcomesOf(ctx context.Context, u *store.User, rq reportQuery) ([]queue.Outcome, map[string]string, error) {
	outs, names, err := s.visibleOutcomes(ctx, u, store.QueueRequestFilter{From: rq.Period.From, To: rq.Period.End})
	if err != nil {
		return nil, nil, err
	}
	return reports.QueueFilter(outs, rq.Queues), names, nil
}

// ---- JSON and CSV ----

func (s *Server) reportRoutes(m *http.ServeMux) {
	m.HandleFunc("GET /api/v1/reports/query", s.apiReport(s.writeQuery))
	m.HandleFunc("GET /api/v1/reports/call-volume", s.apiReport(s.writeCallVolume))
	m.HandleFunc("GET /api/v1/reports/csr-activity", s.apiReport(s.writeCSRActivity))
	m.HandleFunc("GET /api/v1/reports/url-referral", s.apiReport(s.writeReferral))
}

// reportWriter writes one report as JSON, or with csv as CSV.
type reportWriter func(ctx context.Context, w http.ResponseWriter, u *store.User, rq reportQuery, csv bool) error

// apiReport serves a report to a bearer token.
func (s *Server) apiReport(write reportWriter) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		u, ok := s.requireUser(w, r)
		if !ok {
			return
		}
		v := r.URL.Query()
		var csv bool
		switch v.Get("format") {
		case "", "json":
		case "csv":
			csv = true
		default:
			writeError(w, http.StatusBadRequest, "unknown_format", "The report format must be json or csv.")
			return
		}
		rq, err := s.parseReportQuery(r.Context(), u, v)
		if err == nil {
			err = write(r.Context(), w, u, rq, csv)
		}
		if err != nil {
			s.writeErr(w, err)
		}
	}
}

// seconds is a duration in whole seconds, or null for none.
func seconds(d time.Duration, ok bool) *int64 {
	if !ok {
		return nil
	}
	n := int64(d / time.Second)
	return &n
}

func csvSeconds(p *int64) string {
	if p == nil {
		return ""
	}
	return strconv.FormatInt(*p, 10)
}

type personJSON struct {
	Name  string `json:"name"`
	Email string `json:"email"`
}

type queryRowJSON struct {
	ID              string       `json:"id"`
	Number          string       `json:"number"`
	State           string       `json:"state"`
	Type            string       `json:"type"`
	TrackingCode    string       `json:"tracking_code"`
	RequestedAt     time.Time    `json:"requested_at"`
	WaitSeconds     *int64       `json:"wait_seconds"`
	StartedAt       any          `json:"started_at"`
	EndedAt         any          `json:"ended_at"`
	DurationSeconds *int64       `json:"duration_seconds"`
	Queue           string       `json:"queue"`
	QueueName       string       `json:"queue_name"`
	CSRs            []personJSON `json:"csrs"`
	CustomerName    string       `json:"customer_name"`
	CustomerEmail   string       `json:"customer_email"`
}

func queryRow(r reports.SessionRow) queryRowJSON {
	out := queryRowJSON{ID: r.ID, Number: r.Number, State: r.State, Type: r.Type, TrackingCode: r.TrackingCode,
		RequestedAt: r.RequestedAt.UTC(), WaitSeconds: seconds(r.Wait(), !r.StartedAt.IsZero()),
		StartedAt: timeOrNil(r.StartedAt), EndedAt: timeOrNil(r.EndedAt),
		DurationSeconds: seconds(r.Duration(), !r.StartedAt.IsZero() && !r.EndedAt.IsZero()),
		Queue:           r.Queue, QueueName: r.QueueName, CSRs: []personJSON{},
		CustomerName: r.CustomerName, CustomerEmail: r.CustomerEmail}
	for _, c := range r.CSRs {
		out.CSRs = append(out.CSRs, personJSON{Name: c.Name, Email: c.Email})
	}
	return out
}

func csvHeaders(w http.ResponseWriter, name string) *csv.Writer {
	w.Header().Set("Content-Type", "text/csv; charset=utf-8")
	w.Header().Set("Content-Disposition", `attachment; filename="`+name+`"`)
	w.Header().Set("Cache-Control", "no-store")
	return csv.NewWriter(w)
}

// queryCSVHeader is the Query tool's CSV header; each row as queryCSVRow.
var queryCSVHeader = []string{"session_id", "number", "date", "requested_at", "wait_s", "started_at", "ended_at", "duration_s",
	"queue", "queue_name", "csr_names", "csr_emails", "customer_name", "customer_email", "type", "tracking_code", "state"}

func queryCSVRow(r reports.SessionRow) []string {
	j := queryRow(r)
	var names, emails []string
	for _, c := range j.CSRs {
		names, emails = append(names, c.Name), append(emails, c.Email)
	}
	return []string{r.ID, r.Number, r.RequestedAt.UTC().Format(reports.DateLayout), csvTime(r.RequestedAt), csvSeconds(j.WaitSeconds),
		csvTime(r.StartedAt), csvTime(r.EndedAt), csvSeconds(j.DurationSeconds), r.Queue, csvSafe(r.QueueName),
		csvSafe(strings.Join(names, "; ")), strings.Join(emails, "; "), csvSafe(r.CustomerName), csvSafe(r.CustomerEmail),
		csvSafe(r.Type), csvSafe(r.TrackingCode), r.State}
}

func (s *Server) writeQuery(ctx context.Context, w http.ResponseWriter, u *store.User, rq reportQuery, asCSV bool) error {
	rows, err := s.querySessions(ctx, u, rq)
	if err != nil {
		return err
	}
	if asCSV {
		cw := csvHeaders(w, "lifeline-query-"+rq.From+"-"+rq.To+".csv")
		_ = cw.Write(queryCSVHeader)
		for _, r := range rows {
			_ = cw.Write(queryCSVRow(r))
		}
		cw.Flush()
		return nil
	}
	out := make([]queryRowJSON, 0, len(rows))
	for _, r := range rows {
		out = append(out, queryRow(r))
	}
	writeJSON(w, http.StatusOK, map[string]any{"from": rq.From, "to": rq.To, "sessions": out})
	return nil
}

// volumeJSON is one line of Call Volume, as /reports/queues has them.
type volumeJSON struct {
	Requests      int      `json:"requests"`
	Successful    int      `json:"successful"`
	Abandoned     int      `json:"abandoned"`
	Waiting       int      `json:"waiting"`
	Wait          spanJSON `json:"wait"`
	AbandonedWait spanJSON `json:"abandoned_wait"`
	Session       spanJSON `json:"session"`
}

func volumeOf(v queue.Volume) volumeJSON {
	return volumeJSON{Requests: v.Requests, Successful: v.Successful, Abandoned: v.Abandoned, Waiting: v.Waiting,
		Wait: spanOf(v.Wait), AbandonedWait: spanOf(v.AbandonedWait), Session: spanOf(v.Session)}
}

func (v volumeJSON) cells() []string {
	rec := []string{strconv.Itoa(v.Requests), strconv.Itoa(v.Successful), strconv.Itoa(v.Abandoned), strconv.Itoa(v.Waiting)}
	rec = append(rec, v.Wait.cells()...)
	rec = append(rec, v.AbandonedWait.cells()...)
	return append(rec, v.Session.cells()...)
}

var volumeCSVHeader = []string{"requests", "successful", "abandoned", "waiting",
	"min_wait_s", "avg_wait_s", "max_wait_s", "min_abandoned_wait_s", "avg_abandoned_wait_s", "max_abandoned_wait_s",
	"min_session_s", "avg_session_s", "max_session_s"}

// callVolume is the Call Volume report of rq: by day, in total, and by
// queue.
type callVolume struct {
	Days   []reports.DayVolume
	Total  queue.Volume
	Queues []queue.Volume
	Names  map[string]string // display names of the queues
}

func (s *Server) callVolume(ctx context.Context, u *store.User, rq reportQuery) (callVolume, error) {
	outs, names, err := s.queueOutcomesOf(ctx, u, rq)
	if err != nil {
		return callVolume{}, err
	}
	return callVolume{Days: reports.VolumeByDay(outs, rq.Period), Total: reports.TotalVolume(outs),
		Queues: queue.CallVolume(outs), Names: names}, nil
}

func (s *Server) writeCallVolume(ctx context.Context, w http.ResponseWriter, u *store.User, rq reportQuery, asCSV bool) error {
	cv, err := s.callVolume(ctx, u, rq)
	if err != nil {
		return err
	}
	if asCSV {
		cw := csvHeaders(w, "lifeline-call-volume-"+rq.From+"-"+rq.To+".csv")
		_ = cw.Write(append([]string{"date"}, volumeCSVHeader...))
		for _, d := range cv.Days {
			_ = cw.Write(append([]string{d.Day}, volumeOf(d.Volume).cells()...))
		}
		cw.Flush()
		return nil
	}
	type dayJSON struct {
		Date string `json:"date"`
		volumeJSON
	}
	type queueJSON struct {
		Queue     string `json:"queue"`
		QueueName string `json:"queue_name"`
		volumeJSON
	}
	days := make([]dayJSON, 0, len(cv.Days))
	for _, d := range cv.Days {
		days = append(days, dayJSON{d.Day, volumeOf(d.Volume)})
	}
	queues := make([]queueJSON, 0, len(cv.Queues))
	for _, q := range cv.Queues {
		queues = append(queues, queueJSON{q.Queue, cv.Names[q.Queue], volumeOf(q)})
	}
	writeJSON(w, http.StatusOK, map[string]any{"from": rq.From, "to": rq.To, "total": volumeOf(cv.Total), "days": days, "queues": queues})
	return nil
}

func (s *Server) writeCSRActivity(ctx context.Context, w http.ResponseWriter, u *store.User, rq reportQuery, asCSV bool) error {
	acts, err := s.csrActivity(ctx, u, rq)
	if err != nil {
		return err
	}
	if asCSV {
		cw := csvHeaders(w, "lifeline-csr-activity-"+rq.From+"-"+rq.To+".csv")
		_ = cw.Write([]string{"csr_name", "csr_email", "sessions", "min_session_s", "avg_session_s", "max_session_s"})
		for _, a := range acts {
			_ = cw.Write(append([]string{csvSafe(a.CSR.Name), a.CSR.Email, strconv.Itoa(a.Sessions)}, spanOf(a.Time).cells()...))
		}
		cw.Flush()
		return nil
	}
	type actJSON struct {
		Name     string   `json:"name"`
		Email    string   `json:"email"`
		Sessions int      `json:"sessions"`
		Session  spanJSON `json:"session"`
	}
	out := make([]actJSON, 0, len(acts))
	for _, a := range acts {
		out = append(out, actJSON{Name: a.CSR.Name, Email: a.CSR.Email, Sessions: a.Sessions, Session: spanOf(a.Time)})
	}
	writeJSON(w, http.StatusOK, map[string]any{"from": rq.From, "to": rq.To, "csrs": out})
	return nil
}

func (s *Server) writeReferral(ctx context.Context, w http.ResponseWriter, u *store.User, rq reportQuery, asCSV bool) error {
	outs, _, err := s.queueOutcomesOf(ctx, u, rq)
	if err != nil {
		return err
	}
	refs := queue.Referrals(outs)
	if asCSV {
		cw := csvHeaders(w, "lifeline-url-referral-"+rq.From+"-"+rq.To+".csv")
		_ = cw.Write([]string{"url", "requests", "successful"})
		for _, x := range refs {
			_ = cw.Write([]string{csvSafe(x.URL), strconv.Itoa(x.Requests), strconv.Itoa(x.Successful)})
		}
		cw.Flush()
		return nil
	}
	type refJSON struct {
		URL        string `json:"url"`
		Requests   int    `json:"requests"`
		Successful int    `json:"successful"`
	}
	out := make([]refJSON, 0, len(refs))
	for _, x := range refs {
		out = append(out, refJSON{x.URL, x.Requests, x.Successful})
	}
	writeJSON(w, http.StatusOK, map[string]any{"from": rq.From, "to": rq.To, "referrals": out})
	return nil
}
