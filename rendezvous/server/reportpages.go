package server

import (
	"context"
	_ "embed"
	"encoding/json"
	"errors"
	"fmt"
	"html/template"
	"math"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"time"

	"lifeline/rendezvous/queue"
	"lifeline/rendezvous/reports"
	"lifeline/rendezvous/room"
	"lifeline/rendezvous/store"
	"lifeline/shared/protocol"
)

// The report pages, /reports/…: the same reports as the API's, as web
// pages for managers and admins (and CSRs, who see their own sessions),
// rendered here with their charts, no script, behind the login of the
// server's pages (pages.go). The pages only read.

//go:embed reportpages.html
var reportPagesHTML string

var reportTemplates = areaTemplates("reports", reportPagesHTML, template.FuncMap{
	"spaced": spaced,
	"stamp":  func(t time.Time) string { return stamp(t) },
	"stampAny": func(v any) string {
		if t, ok := v.(time.Time); ok {
			return stamp(t)
		}
		return "—"
	},
	"clock": func(t time.Time) string {
		if t.IsZero() {
			return "—"
		}
		return t.UTC().Format("15:04:05")
	},
	"dur":      fmtDur,
	"clockDur": clockDur,
	"seq":      func(n int) []int { return make([]int, n) },
	"ms":       fmtDuration,
	"percent": func(n, of int) string {
		if of == 0 {
			return "—"
		}
		return fmt.Sprintf("%.0f%%", math.Round(100*float64(n)/float64(of)))
	},
	"inc":       func(i int) int { return i + 1 },
	"outcome":   scriptOutcome,
	"bytes":     fmtBytes,
	"join":      func(s []string) string { return strings.Join(s, ", ") },
	"role":      roleName,
	"direction": direction,
	"eventData": eventData,
})

// maxShownSessions bounds the Query tool's table; the CSV has all.
const maxShownSessions = 500

func stamp(t time.Time) string {
	if t.IsZero() {
		return "—"
	}
	return t.UTC().Format("2006-01-02 15:04")
}

// fmtDur renders a wait or session time as people read it at a glance.
func fmtDur(d time.Duration) string {
	d = d.Round(time.Second)
	switch {
	case d < time.Minute:
		return fmt.Sprintf("%d s", int(d.Seconds()))
	case d < time.Hour:
		return fmt.Sprintf("%d min %02d s", int(d.Minutes()), int(d.Seconds())%60)
	}
	return fmt.Sprintf("%d h %02d min", int(d.Hours()), int(d.Minutes())%60)
}

// clockDur renders a duration as a clock does, for tables of many.
func clockDur(d time.Duration) string {
	s := int64(d.Round(time.Second) / time.Second)
	if s >= 3600 {
		return fmt.Sprintf("%d:%02d:%02d", s/3600, s/60%60, s%60)
	}
	return fmt.Sprintf("%d:%02d", s/60, s%60)
}

func roleName(role string) string {
	switch role {
	case protocol.RoleCSR:
		return "CSR in control"
	case protocol.RoleAssistant:
		return "assistant"
	case protocol.RolePrimary:
		return "customer"
	case protocol.RoleSecondary:
		return "customer (watching)"
	}
	return role
}

func direction(f reportTransfer) string {
	if f.Direction == protocol.ToCustomer {
		return "to " + f.Customer + "'s computer"
	}
	return "from " + f.Customer + "'s computer"
}

// eventData is an event's data for the table: nothing for an empty
// object, the text of a chat line, else the JSON as stored.
func eventData(e reportEvent) string {
	d := string(e.Data)
	switch {
	case d == "{}" || d == "":
		return ""
	case e.Type == string(protocol.TypeChat):
		var c protocol.Chat
		if json.Unmarshal(e.Data, &c) == nil {
			return c.Text
		}
	case inSection(e.Type):
		return "(above)"
	}
	return d
}

var reportNav = []navItem{
	{Name: "Query tool", Path: "/reports/sessions"},
	{Name: "Call Volume", Path: "/reports/call-volume"},
	{Name: "CSR Activity", Path: "/reports/csr-activity"},
	{Name: "URL Referral", Path: "/reports/url-referral"},
}

// option is one choice of a filter's list.
type option struct {
	Value, Label string
	Selected     bool
}

// column is one sortable heading of the Query tool.
type column struct {
	Name, URL    string
	Numeric      bool
	Sorted, Desc bool
}

// reportPage is what every report's template is given.
type reportPage struct {
	pageFrame
	Path          string
	Query         reportQuery
	QueueOptions  []option
	CSROptions    []option
	Searchable    bool
	CSVURL        string
	RetentionDays int

	// The reports.
	Sessions   []reports.SessionRow
	Shown      int
	Total      int
	Columns    []column
	Volume     *callVolume
	QueueNames map[string]string
	Chart      template.HTML
	Charts     []template.HTML
	Activity   []reports.CSRActivity
	Referrals  []queue.Referral
	Details    *report
	Names      map[string]string // participant names, by id
}

func (s *Server) reportPageRoutes(m *http.ServeMux) {
	m.HandleFunc("GET /reports", func(w http.ResponseWriter, r *http.Request) {
		http.Redirect(w, r, "/reports/sessions", http.StatusSeeOther)
	})
	m.HandleFunc("GET /reports/{$}", func(w http.ResponseWriter, r *http.Request) {
		http.Redirect(w, r, "/reports/sessions", http.StatusSeeOther)
	})
	m.HandleFunc("GET /reports/login", s.handleLoginPage(reportArea))
	m.HandleFunc("POST /reports/login", s.handleLoginForm(reportArea))
	m.HandleFunc("POST /reports/logout", s.handlePageLogout(reportArea))
	m.HandleFunc("GET /reports/sessions", s.reportPage("Query tool", s.queryPage))
	m.HandleFunc("GET /reports/sessions/{id}", s.handleDetailsPage)
	m.HandleFunc("GET /reports/sessions/{id}/text", s.handleDetailsText)
	m.HandleFunc("GET /reports/call-volume", s.reportPage("Call Volume", s.volumePage))
	m.HandleFunc("GET /reports/csr-activity", s.reportPage("CSR Activity", s.activityPage))
	m.HandleFunc("GET /reports/url-referral", s.reportPage("URL Referral", s.referralPage))
}

func (s *Server) writeReportPage(w http.ResponseWriter, status int, name string, p *reportPage) {
	s.writePage(w, status, reportArea, name, p)
}

func (s *Server) pageFailed(w http.ResponseWriter, err error) { s.areaFailed(w, reportArea, err) }

// ---- the reports ----

// pageFill completes a report page p for u, who asked for rq (v as
// given); with p nil it writes the report's CSV export to w instead.
type pageFill func(ctx context.Context, w http.ResponseWriter, u *store.User, rq reportQuery, v url.Values, p *reportPage) error

// reportPage serves one report page: it logs the reader in, reads the
// query, and has fill complete the page (or write the CSV export).
func (s *Server) reportPage(title string, fill pageFill) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		u, session, ok := s.pageUser(w, r, reportArea, r.URL.RequestURI())
		if !ok {
			return
		}
		ctx := r.Context()
		p := &reportPage{pageFrame: reportArea.frame(title, r.URL.Path, u, session), Path: r.URL.Path}
		site, err := s.Store.SiteSettings(ctx)
		if err != nil {
			s.pageFailed(w, err)
			return
		}
		p.RetentionDays = site.RetentionDays
		v := r.URL.Query()
		rq, qerr := s.parseReportQuery(ctx, u, v)
		p.Query = rq
		if qerr == nil && v.Get("format") == "csv" {
			if err := fill(ctx, w, u, rq, v, nil); err != nil {
				s.pageFailed(w, err)
			}
			return
		}
		if rq.From == "" {
			// The dates were refused: the form shows them as given.
			p.Query.From, p.Query.To = v.Get("from"), v.Get("to")
		}
		if err := s.filterOptions(ctx, u, p, v); err != nil {
			s.pageFailed(w, err)
			return
		}
		status := http.StatusOK
		var re *room.Error
		switch {
		case errors.As(qerr, &re):
			p.Error, status = re.Msg, re.Status
		case qerr != nil:
			s.pageFailed(w, qerr)
			return
		default:
			csvQuery := url.Values{}
			for k, vs := range v {
				csvQuery[k] = vs
			}
			csvQuery.Set("format", "csv")
			p.CSVURL = r.URL.Path + "?" + csvQuery.Encode()
			if err := fill(ctx, w, u, rq, v, p); err != nil {
				s.pageFailed(w, err)
				return
			}
		}
		s.writeReportPage(w, status, pageTemplate[r.URL.Path], p)
	}
}

var pageTemplate = map[string]string{
	"/reports/sessions": "query", "/reports/call-volume": "volume",
	"/reports/csr-activity": "activity", "/reports/url-referral": "referral",
}

// filterOptions lists the queues and CSRs a reader may choose: those the
// reader sees. A CSR sees only their own sessions, so is not offered
// other CSRs.
func (s *Server) filterOptions(ctx context.Context, u *store.User, p *reportPage, v url.Values) error {
	chosen := func(name, value string) bool { return slices.Contains(v[name], value) }
	var qs []store.Queue
	var err error
	if u.SeesAllReports() {
		qs, err = s.Store.Queues(ctx)
	} else {
		qs, err = s.Store.MemberQueues(ctx, u.ID)
	}
	if err != nil {
		return err
	}
	if p.Path == "/reports/csr-activity" {
		qs = nil // CSR Activity is not by queue
	}
	for _, q := range qs {
		p.QueueOptions = append(p.QueueOptions, option{Value: q.Name, Label: q.DisplayName, Selected: chosen("queue", q.Name)})
	}
	switch p.Path {
	case "/reports/sessions":
		p.Searchable = true
		p.QueueOptions = append(p.QueueOptions, option{Value: reports.NoQueue, Label: "No queue (started by a CSR)", Selected: chosen("queue", reports.NoQueue)})
	case "/reports/call-volume", "/reports/url-referral":
		if u.SeesAllReports() {
			p.QueueOptions = append(p.QueueOptions, option{Value: reports.NoQueue, Label: offersName, Selected: chosen("queue", reports.NoQueue)})
		}
	}
	if u.SeesAllReports() && (p.Path == "/reports/sessions" || p.Path == "/reports/csr-activity") {
		users, err := s.Store.ListUsers(ctx)
		if err != nil {
			return err
		}
		for _, x := range users {
			p.CSROptions = append(p.CSROptions, option{Value: x.Email, Label: x.Name + " <" + x.Email + ">", Selected: chosen("csr", x.Email)})
		}
	}
	return nil
}

// sortColumns are the Query tool's headings, each a link that sorts by
// it: the other way round when it is the sorted one.
var sortColumns = []struct {
	key, name string
	numeric   bool
}{
	{reports.SortNumber, "Session", false}, {reports.SortRequested, "Requested", false}, {reports.SortWait, "Wait", true},
	{reports.SortStarted, "Started", false}, {reports.SortEnded, "Ended", false}, {reports.SortDuration, "Duration", true},
	{reports.SortQueue, "Queue", false}, {reports.SortCSR, "CSR", false}, {reports.SortCustomer, "Customer", false},
	{reports.SortEmail, "Email", false},
}

func (s *Server) queryPage(ctx context.Context, w http.ResponseWriter, u *store.User, rq reportQuery, v url.Values, p *reportPage) error {
	if p == nil {
		return s.writeQuery(ctx, w, u, rq, true)
	}
	rows, err := s.querySessions(ctx, u, rq)
	if err != nil {
		return err
	}
	p.Total, p.Sessions = len(rows), rows
	if len(rows) > maxShownSessions {
		p.Sessions = rows[:maxShownSessions]
	}
	p.Shown = len(p.Sessions)
	for _, c := range sortColumns {
		q := url.Values{}
		for k, vs := range v {
			if k != "format" {
				q[k] = vs
			}
		}
		sorted := rq.Sort == c.key
		dir := "asc"
		if (sorted && !rq.Desc) || (!sorted && c.key != reports.SortNumber && c.key != reports.SortQueue &&
			c.key != reports.SortCSR && c.key != reports.SortCustomer && c.key != reports.SortEmail) {
			dir = "desc" // times and durations: the latest or longest first
		}
		if sorted && rq.Desc {
			dir = "asc"
		}
		q.Set("sort", c.key)
		q.Set("dir", dir)
		p.Columns = append(p.Columns, column{Name: c.name, URL: p.Path + "?" + q.Encode(), Numeric: c.numeric, Sorted: sorted, Desc: rq.Desc})
	}
	return nil
}

func dayLabels(days []reports.DayVolume) []string {
	out := make([]string, len(days))
	for i, d := range days {
		t, _ := time.Parse(reports.DateLayout, d.Day)
		out[i] = t.Format("Jan 2")
	}
	return out
}

func (s *Server) volumePage(ctx context.Context, w http.ResponseWriter, u *store.User, rq reportQuery, _ url.Values, p *reportPage) error {
	if p == nil {
		return s.writeCallVolume(ctx, w, u, rq, true)
	}
	cv, err := s.callVolume(ctx, u, rq)
	if err != nil {
		return err
	}
	p.Volume, p.QueueNames = &cv, cv.Names
	succ, aband, wait := make([]float64, len(cv.Days)), make([]float64, len(cv.Days)), make([]float64, len(cv.Days))
	for i, d := range cv.Days {
		succ[i], aband[i], wait[i] = float64(d.Successful), float64(d.Abandoned), float64(d.Waiting)
	}
	series := []reports.Series{{Name: "Successful", Color: reports.ColorSuccessful, Values: succ},
		{Name: "Abandoned", Color: reports.ColorAbandoned, Values: aband}}
	if cv.Total.Waiting > 0 {
		series = append(series, reports.Series{Name: "Still waiting", Color: reports.ColorWaiting, Values: wait})
	}
	p.Chart = reports.BarChart{Title: "Requests per day, " + rq.Period.String() + ": successful and abandoned",
		Labels: dayLabels(cv.Days), Series: series, Unit: "requests", Integer: true}.SVG()
	return nil
}

func (s *Server) activityPage(ctx context.Context, w http.ResponseWriter, u *store.User, rq reportQuery, _ url.Values, p *reportPage) error {
	if p == nil {
		return s.writeCSRActivity(ctx, w, u, rq, true)
	}
	acts, err := s.csrActivity(ctx, u, rq)
	if err != nil {
		return err
	}
	p.Activity = acts
	labels := make([]string, len(acts))
	counts, avg := make([]float64, len(acts)), make([]float64, len(acts))
	ranges := make([][2]float64, len(acts))
	for i, a := range acts {
		labels[i], counts[i] = a.CSR.Name, float64(a.Sessions)
		ranges[i] = [2]float64{math.NaN(), math.NaN()}
		if a.Time.N > 0 {
			avg[i] = a.Time.Avg.Minutes()
			ranges[i] = [2]float64{a.Time.Min.Minutes(), a.Time.Max.Minutes()}
		}
	}
	p.Charts = []template.HTML{
		reports.BarChart{Title: "Sessions per CSR, " + rq.Period.String(), Labels: labels, Horizontal: true, Integer: true, Unit: "sessions",
			Series: []reports.Series{{Name: "Sessions", Color: reports.ColorSuccessful, Values: counts}}}.SVG(),
		reports.BarChart{Title: "Session time per CSR in minutes, " + rq.Period.String() + ": the average, and the shortest to the longest",
			Labels: labels, Horizontal: true, Unit: "minutes", Ranges: ranges,
			Series: []reports.Series{{Name: "Average session time", Color: reports.ColorTime, Values: avg}}}.SVG(),
	}
	return nil
}

func (s *Server) referralPage(ctx context.Context, w http.ResponseWriter, u *store.User, rq reportQuery, _ url.Values, p *reportPage) error {
	if p == nil {
		return s.writeReferral(ctx, w, u, rq, true)
	}
	outs, _, err := s.queueOutcomesOf(ctx, u, rq)
	if err != nil {
		return err
	}
	p.Referrals = queue.Referrals(outs)
	return nil
}

// ---- Session Details ----

func (s *Server) detailsReport(w http.ResponseWriter, r *http.Request) (*report, bool) {
	u, session, ok := s.pageUser(w, r, reportArea, r.URL.RequestURI())
	if !ok {
		return nil, false
	}
	rep, err := s.loadReport(r.Context(), u, r.PathValue("id"))
	var re *room.Error
	switch {
	case errors.As(err, &re):
		s.writeMessage(w, re.Status, reportArea.frame("Session Details", "", u, session), re.Msg)
		return nil, false
	case err != nil:
		s.pageFailed(w, err)
		return nil, false
	}
	return rep, true
}

func (s *Server) handleDetailsPage(w http.ResponseWriter, r *http.Request) {
	rep, ok := s.detailsReport(w, r)
	if !ok {
		return
	}
	u, session, _ := s.cookieUser(r.Context(), reportArea, r)
	p := &reportPage{pageFrame: reportArea.frame("Session Details "+spaced(rep.Session.Number), "", u, session),
		Details: rep, Names: map[string]string{}}
	for _, x := range rep.Participants {
		p.Names[x.ID] = x.Name
	}
	s.writeReportPage(w, http.StatusOK, "details", p)
}

func (s *Server) handleDetailsText(w http.ResponseWriter, r *http.Request) {
	rep, ok := s.detailsReport(w, r)
	if !ok {
		return
	}
	w.Header().Set("Content-Type", "text/plain; charset=utf-8")
	w.Header().Set("Cache-Control", "no-store")
	w.Header().Set("X-Content-Type-Options", "nosniff")
	rep.writeText(w)
}
