package server

import (
	"bytes"
	"context"
	"crypto/rand"
	"crypto/sha256"
	"crypto/subtle"
	_ "embed"
	"encoding/base64"
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

	"lifeline/rendezvous/auth"
	"lifeline/rendezvous/queue"
	"lifeline/rendezvous/reports"
	"lifeline/rendezvous/room"
	"lifeline/rendezvous/store"
	"lifeline/shared/protocol"
)

// The report pages, /reports/…: the same reports as the API's, as web
// pages for managers and admins (and CSRs, who see their own sessions),
// rendered here with their charts, no script. A browser logs in with a
// form, which sets a cookie holding an ordinary login token: HttpOnly,
// Secure over HTTPS, SameSite=Strict, for /reports only. The pages only
// read; the two forms that change something (log in, log out) carry a
// token of their own besides, so that no other site can send them.

//go:embed reportpages.html
var reportPagesHTML string

var reportTemplates = template.Must(template.New("reports").Funcs(template.FuncMap{
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
}).Parse(reportPagesHTML))

// Cookies of the report pages. The session cookie lives as long as its
// token, a working day; the login form's lives as long as a form is
// likely to stay open.
const (
	reportCookie          = "lifeline_reports"
	reportFormCookie      = "lifeline_reports_form"
	reportSessionLifetime = 12 * time.Hour
	reportFormLifetime    = time.Hour
	// maxShownSessions bounds the Query tool's table; the CSV has all.
	maxShownSessions = 500
)

// reportPageCSP allows the pages' own style, their forms and inline SVG,
// and nothing else.
const reportPageCSP = "default-src 'none'; style-src 'unsafe-inline'; img-src data:; form-action 'self'; frame-ancestors 'none'; base-uri 'none'"

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
	case e.Type == string(protocol.TypeScriptResult) || e.Type == string(protocol.TypeFileTransfer):
		return "(above)"
	}
	return d
}

// navItem is a link of the pages' header.
type navItem struct {
	Name, Path string
	Current    bool
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

// reportPage is what every template is given.
type reportPage struct {
	Title         string
	Path          string
	User          *store.User
	Nav           []navItem
	LogoutToken   string
	Error         string
	Query         reportQuery
	QueueOptions  []option
	CSROptions    []option
	Searchable    bool
	CSVURL        string
	RetentionDays int

	// The login form.
	FormToken, Next, Email string

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
	m.HandleFunc("GET /reports/login", s.handleReportLoginPage)
	m.HandleFunc("POST /reports/login", s.handleReportLogin)
	m.HandleFunc("POST /reports/logout", s.handleReportLogout)
	m.HandleFunc("GET /reports/sessions", s.reportPage("Query tool", s.queryPage))
	m.HandleFunc("GET /reports/sessions/{id}", s.handleDetailsPage)
	m.HandleFunc("GET /reports/sessions/{id}/text", s.handleDetailsText)
	m.HandleFunc("GET /reports/call-volume", s.reportPage("Call Volume", s.volumePage))
	m.HandleFunc("GET /reports/csr-activity", s.reportPage("CSR Activity", s.activityPage))
	m.HandleFunc("GET /reports/url-referral", s.reportPage("URL Referral", s.referralPage))
}

// writeReportPage renders a page whole before sending it, so that a
// template that fails is an error page, not half a report.
func (s *Server) writeReportPage(w http.ResponseWriter, status int, name string, p *reportPage) {
	var buf bytes.Buffer
	if err := reportTemplates.ExecuteTemplate(&buf, name, p); err != nil {
		s.Log.Error("report page template", "page", name, "err", err)
		http.Error(w, "The server could not show this report just now. Please try again in a moment.", http.StatusInternalServerError)
		return
	}
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	w.Header().Set("Content-Security-Policy", reportPageCSP)
	w.Header().Set("Cache-Control", "no-store")
	w.Header().Set("X-Content-Type-Options", "nosniff")
	w.Header().Set("Referrer-Policy", "no-referrer")
	w.WriteHeader(status)
	_, _ = buf.WriteTo(w)
}

// ---- logging in ----

// cookieUser is the account of the report pages' cookie.
func (s *Server) cookieUser(ctx context.Context, r *http.Request) (*store.User, string, error) {
	c, err := r.Cookie(reportCookie)
	if err != nil || !strings.HasPrefix(c.Value, auth.UserTokenPrefix) {
		return nil, "", errNoToken
	}
	t, err := s.Store.TokenByHash(ctx, auth.HashToken(c.Value))
	if errors.Is(err, store.ErrNotFound) {
		return nil, "", errBadToken
	} else if err != nil {
		return nil, "", err
	}
	u, err := s.Store.UserByID(ctx, t.UserID)
	if errors.Is(err, store.ErrNotFound) {
		return nil, "", errBadToken
	} else if err != nil {
		return nil, "", err
	}
	if u.Disabled {
		return nil, "", errDisabled
	}
	return &u, c.Value, nil
}

// logoutToken is the log-out form's token: only a page that was given
// the session cookie's value can have it.
func logoutToken(session string) string {
	h := sha256.Sum256([]byte("lifeline reports logout\x00" + session))
	return base64.RawURLEncoding.EncodeToString(h[:])
}

func reportCookieOf(r *http.Request, name, value, path string, maxAge time.Duration) *http.Cookie {
	c := &http.Cookie{Name: name, Value: value, Path: path, HttpOnly: true, Secure: isHTTPS(r),
		SameSite: http.SameSiteStrictMode, MaxAge: int(maxAge / time.Second)}
	if maxAge < 0 {
		c.MaxAge = -1
	}
	return c
}

// pageUser is the logged-in account of a page, or it sends the browser
// to log in and come back.
func (s *Server) pageUser(w http.ResponseWriter, r *http.Request) (*store.User, string, bool) {
	u, session, err := s.cookieUser(r.Context(), r)
	var re *room.Error
	switch {
	case err == nil:
		return u, session, true
	case errors.As(err, &re) && re == errDisabled:
		s.writeReportPage(w, http.StatusForbidden, "message", &reportPage{Title: "Account disabled", Error: re.Msg})
	case errors.As(err, &re):
		http.Redirect(w, r, "/reports/login?next="+url.QueryEscape(r.URL.RequestURI()), http.StatusSeeOther)
	default:
		s.pageFailed(w, err)
	}
	return nil, "", false
}

func (s *Server) pageFailed(w http.ResponseWriter, err error) {
	s.Log.Error("report page failed", "err", err)
	s.writeReportPage(w, http.StatusInternalServerError, "message", &reportPage{Title: "Something went wrong",
		Error: "The server could not show this report just now. Please try again in a moment."})
}

// safeNext is where to go after logging in: a report page, never
// another site.
func safeNext(next string) string {
	if strings.HasPrefix(next, "/reports/") && !strings.HasPrefix(next, "/reports//") && !strings.ContainsAny(next, "\\\r\n") {
		return next
	}
	return "/reports/sessions"
}

func (s *Server) loginForm(w http.ResponseWriter, r *http.Request, status int, email, next, msg string) {
	tok, err := randomToken()
	if err != nil {
		s.pageFailed(w, err)
		return
	}
	http.SetCookie(w, reportCookieOf(r, reportFormCookie, tok, "/reports/login", reportFormLifetime))
	s.writeReportPage(w, status, "login", &reportPage{Title: "Log in", FormToken: tok, Next: safeNext(next), Email: email, Error: msg})
}

func (s *Server) handleReportLoginPage(w http.ResponseWriter, r *http.Request) {
	if _, _, err := s.cookieUser(r.Context(), r); err == nil {
		http.Redirect(w, r, safeNext(r.URL.Query().Get("next")), http.StatusSeeOther)
		return
	}
	s.loginForm(w, r, http.StatusOK, "", r.URL.Query().Get("next"), "")
}

func (s *Server) handleReportLogin(w http.ResponseWriter, r *http.Request) {
	r.Body = http.MaxBytesReader(w, r.Body, 16<<10)
	if err := r.ParseForm(); err != nil {
		s.loginForm(w, r, http.StatusBadRequest, "", "", "The form could not be read; please log in again.")
		return
	}
	email, next := strings.TrimSpace(r.PostForm.Get("email")), r.PostForm.Get("next")
	// The form's token must be the one its page set in a cookie: another
	// site can post this form, but cannot read or set that cookie.
	c, err := r.Cookie(reportFormCookie)
	if err != nil || c.Value == "" || subtle.ConstantTimeCompare([]byte(c.Value), []byte(r.PostForm.Get("csrf"))) != 1 {
		s.loginForm(w, r, http.StatusForbidden, email, next, "This login form has expired. Please log in again.")
		return
	}
	u, retry, err := s.checkLogin(r.Context(), email, r.PostForm.Get("password"))
	if err != nil {
		var re *room.Error
		if !errors.As(err, &re) {
			s.pageFailed(w, err)
			return
		}
		if retry > 0 {
			w.Header().Set("Retry-After", fmt.Sprint(int(math.Ceil(retry.Seconds()))))
		}
		s.loginForm(w, r, re.Status, email, next, re.Msg)
		return
	}
	tok, _, err := s.newLoginToken(r.Context(), u, reportSessionLifetime)
	if err != nil {
		s.pageFailed(w, err)
		return
	}
	http.SetCookie(w, reportCookieOf(r, reportFormCookie, "", "/reports/login", -1))
	http.SetCookie(w, reportCookieOf(r, reportCookie, tok, "/reports", reportSessionLifetime))
	http.Redirect(w, r, safeNext(next), http.StatusSeeOther)
}

func (s *Server) handleReportLogout(w http.ResponseWriter, r *http.Request) {
	r.Body = http.MaxBytesReader(w, r.Body, 16<<10)
	_ = r.ParseForm()
	_, session, err := s.cookieUser(r.Context(), r)
	if err == nil {
		if subtle.ConstantTimeCompare([]byte(logoutToken(session)), []byte(r.PostForm.Get("csrf"))) != 1 {
			s.writeReportPage(w, http.StatusForbidden, "message", &reportPage{Title: "Not logged out",
				Error: "This log-out button is from an old page; you are still logged in. Reload the page and log out again."})
			return
		}
		if err := s.Store.DeleteToken(r.Context(), auth.HashToken(session)); err != nil {
			s.pageFailed(w, err)
			return
		}
	}
	http.SetCookie(w, reportCookieOf(r, reportCookie, "", "/reports", -1))
	http.Redirect(w, r, "/reports/login", http.StatusSeeOther)
}

// ---- the reports ----

// pageFill completes a report page p for u, who asked for rq (v as
// given); with p nil it writes the report's CSV export to w instead.
type pageFill func(ctx context.Context, w http.ResponseWriter, u *store.User, rq reportQuery, v url.Values, p *reportPage) error

// reportPage serves one report page: it logs the reader in, reads the
// query, and has fill complete the page (or write the CSV export).
func (s *Server) reportPage(title string, fill pageFill) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		u, session, ok := s.pageUser(w, r)
		if !ok {
			return
		}
		ctx := r.Context()
		p := &reportPage{Title: title, Path: r.URL.Path, User: u, LogoutToken: logoutToken(session)}
		for _, n := range reportNav {
			n.Current = n.Path == r.URL.Path
			p.Nav = append(p.Nav, n)
		}
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
	u, session, ok := s.pageUser(w, r)
	if !ok {
		return nil, false
	}
	rep, err := s.loadReport(r.Context(), u, r.PathValue("id"))
	var re *room.Error
	switch {
	case errors.As(err, &re):
		p := &reportPage{Title: "Session Details", User: u, LogoutToken: logoutToken(session), Nav: reportNav, Error: re.Msg}
		s.writeReportPage(w, re.Status, "message", p)
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
	u, session, _ := s.cookieUser(r.Context(), r)
	p := &reportPage{Title: "Session Details " + spaced(rep.Session.Number), User: u, LogoutToken: logoutToken(session),
		Nav: reportNav, Details: rep, Names: map[string]string{}}
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

// randomToken is a fresh random value for a form.
func randomToken() (string, error) {
	b := make([]byte, 32)
	if _, err := rand.Read(b); err != nil {
		return "", err
	}
	return base64.RawURLEncoding.EncodeToString(b), nil
}
