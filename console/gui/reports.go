package gui

import (
	"cmp"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"
	"unicode"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/dialog"
	"fyne.io/fyne/v2/storage"

	"lifeline/console/controller"
	"lifeline/shared/client"
)

// reportsWindow is the Reports window; its fields are owned by the UI
// thread.
type reportsWindow struct {
	win  fyne.Window
	view *reportsView
	// seq and detailSeq number the requests, so that an answer overtaken
	// by a newer one (another header clicked, another session selected)
	// is dropped.
	seq, detailSeq int
	// choices are the queues and CSRs to filter by; choicesFor is the
	// period they were last asked for (the server's lists of a period).
	choices    *reportChoices
	choicesFor string
}

// openReports opens the Reports window, or brings it forward. It shows
// the last 7 days.
func (u *ui) openReports() {
	if rw := u.reports; rw != nil {
		rw.win.Show()
		rw.win.RequestFocus()
		return
	}
	today := time.Now().UTC()
	w := u.app.NewWindow("Reports")
	v := newReportsView(today.AddDate(0, 0, -6), today)
	everyone := false
	if c := u.controller(); c != nil {
		everyone = c.SeesAllReports()
	}
	rw := &reportsWindow{win: w, view: v, choices: newReportChoices(everyone)}
	rw.showFilters()
	v.OnShow = func() { u.loadReport(rw) }
	v.OnSort = func(string, bool) { u.loadReport(rw) }
	v.OnTab = func(int) {
		rw.showFilters()
		u.loadReport(rw)
	}
	v.OnSelect = func(s client.QuerySession) { u.loadDetails(rw, s.ID) }
	v.OnExport = func() { u.exportReport(rw) }
	w.SetContent(v.content)
	w.Resize(fyne.NewSize(1200, 680))
	w.SetOnClosed(func() {
		if u.reports == rw {
			u.reports = nil
		}
	})
	u.reports = rw
	u.loadReport(rw)
	w.Show()
}

// closeReports closes the Reports window (at log out: it belongs to the
// login).
func (u *ui) closeReports() {
	if rw := u.reports; rw != nil {
		u.reports = nil
		rw.win.Close()
	}
}

// parseRange reads the period and search the CSR typed. The server
// checks the length of the period (and says why it refuses one).
func parseRange(from, to, search string) (client.ReportQuery, error) {
	var q client.ReportQuery
	for _, d := range []struct {
		text string
		into *time.Time
		what string
	}{{from, &q.From, "first"}, {to, &q.To, "last"}} {
		t, err := time.Parse(time.DateOnly, strings.TrimSpace(d.text))
		if err != nil {
			return q, fmt.Errorf("write the %s day as year-month-day, such as %s", d.what, time.Now().UTC().Format(time.DateOnly))
		}
		*d.into = t
	}
	q.Search = strings.TrimSpace(search)
	return q, nil
}

// query is the report the window asks for now: the period, and the
// filters the report shown takes.
func (rw *reportsWindow) query() (client.ReportQuery, error) {
	q, err := parseRange(rw.view.Range())
	q.Sort, q.Desc = rw.view.Sort()
	f := filtersOf(rw.view.Tab(), rw.choices.everyone)
	queue, csr := rw.view.Filters()
	if f.queue && queue != "" {
		q.Queues = []string{queue}
	}
	if f.csr && csr != "" {
		q.CSRs = []string{csr}
	}
	if !f.search {
		q.Search = ""
	}
	return q, err
}

// showFilters offers the filters of the report shown.
func (rw *reportsWindow) showFilters() {
	tab := rw.view.Tab()
	f := filtersOf(tab, rw.choices.everyone)
	var queues, csrs []choice
	if f.queue {
		queues = rw.choices.queueOptions(tab)
	}
	if f.csr {
		csrs = rw.choices.csrOptions()
	}
	rw.view.SetFilters(queues, csrs, f.search, f.note)
}

// reportFilters are the filters a report takes, as the server's API
// does, and a note on what it counts.
type reportFilters struct {
	queue, csr, search bool
	note               string
}

// filtersOf are the filters of a tab, for a manager or admin (everyone)
// or a CSR, who sees their own sessions and so chooses no CSR.
func filtersOf(tab int, everyone bool) reportFilters {
	var f reportFilters
	switch tab {
	case reportSessions:
		f = reportFilters{queue: true, csr: everyone, search: true, note: "The sessions you took part in."}
	case reportVolume, reportReferral:
		f = reportFilters{queue: true, note: "The requests of the queues you serve."}
	case reportActivity:
		f = reportFilters{csr: everyone, note: "Your own sessions."}
	}
	if everyone {
		f.note = ""
	}
	return f
}

// choice is an option of a filter: its label, and the value the server
// is sent ("" for all).
type choice struct{ label, value string }

// reportChoices are the queues and CSRs the Reports window offers as
// filters: those the server lists (controller.ReportFilters) and those
// the reports shown name, kept while the window is open. Everything in
// them came from the server: labels are one line of text, and there are
// at most maxChoices of each.
type reportChoices struct {
	everyone bool // a manager or admin: every queue and CSR
	queues   map[string]queueChoice
	csrs     map[string]client.ReportPerson // by lower-case email
}

type queueChoice struct {
	display string
	// counted: the queue reports count its requests for this account.
	counted bool
}

// maxChoices bounds each select's list: more than a site has, few enough
// for a list to scroll through.
const maxChoices = 500

// The labels of the choices that stand for all, and of the sessions that
// came from no queue (client.NoQueue), which the Query tool and the queue
// reports (for managers) understand differently.
const (
	allQueues   = "All queues"
	allCSRs     = "All CSRs"
	noQueue     = "No queue (started by a CSR)"
	toCSRsQueue = "Transferred to a support representative"
)

func newReportChoices(everyone bool) *reportChoices {
	return &reportChoices{everyone: everyone, queues: map[string]queueChoice{}, csrs: map[string]client.ReportPerson{}}
}

// addQueue learns a queue; counted once the queue reports count it.
func (rc *reportChoices) addQueue(name, display string, counted bool) {
	if name == "" || name == client.NoQueue {
		return
	}
	old, known := rc.queues[name]
	if !known && len(rc.queues) >= maxChoices {
		return
	}
	rc.queues[name] = queueChoice{display: orDefault(old.display, reportLine(display)), counted: old.counted || counted || rc.everyone}
}

// addCSR learns a CSR, for a manager or admin (a CSR chooses no one).
func (rc *reportChoices) addCSR(p client.ReportPerson) {
	key := strings.ToLower(strings.TrimSpace(p.Email))
	if !rc.everyone || key == "" {
		return
	}
	if _, known := rc.csrs[key]; !known && len(rc.csrs) >= maxChoices {
		return
	}
	if old, known := rc.csrs[key]; !known || old.Name == "" {
		rc.csrs[key] = client.ReportPerson{Name: reportLine(p.Name), Email: strings.TrimSpace(p.Email)}
	}
}

// learnFilters, learnSessions, learnVolume and learnActivity take the
// queues and CSRs that the server's lists and the reports name.
func (rc *reportChoices) learnFilters(f controller.ReportFilters) {
	for _, q := range f.Queues {
		rc.addQueue(q.Name, q.DisplayName, q.Counted)
	}
	for _, p := range f.CSRs {
		rc.addCSR(p)
	}
}

func (rc *reportChoices) learnSessions(ss []client.QuerySession) {
	for _, s := range ss {
		rc.addQueue(s.Queue, s.QueueName, false)
		for _, p := range s.CSRs {
			rc.addCSR(p)
		}
	}
}

func (rc *reportChoices) learnVolume(r client.CallVolumeReport) {
	for _, q := range r.Queues {
		rc.addQueue(q.Queue, q.QueueName, true)
	}
}

func (rc *reportChoices) learnActivity(as []client.CSRActivity) {
	for _, a := range as {
		rc.addCSR(client.ReportPerson{Name: a.Name, Email: a.Email})
	}
}

// queueOptions are the queue choices of a tab: all queues, then each
// queue by name (on the queue reports, those they count), then the
// sessions of no queue, as the tab understands them.
func (rc *reportChoices) queueOptions(tab int) []choice {
	var qs []choice
	for name, q := range rc.queues {
		if tab == reportSessions || q.counted {
			label := orDefault(orDefault(q.display, reportLine(name)), fmt.Sprintf("%q", name))
			qs = append(qs, choice{label: label, value: name})
		}
	}
	out := append([]choice{{allQueues, ""}}, sortChoices(qs)...)
	switch {
	case tab == reportSessions:
		out = append(out, choice{noQueue, client.NoQueue})
	case rc.everyone:
		// A CSR's queue reports count the queues they serve, not the
		// sessions colleagues transferred to one CSR.
		out = append(out, choice{toCSRsQueue, client.NoQueue})
	}
	return uniqueLabels(out)
}

// csrOptions are the CSR choices: all, then each CSR by name.
func (rc *reportChoices) csrOptions() []choice {
	var cs []choice
	for _, p := range rc.csrs {
		cs = append(cs, choice{label: orDefault(p.Name, p.Email) + " <" + reportLine(p.Email) + ">", value: p.Email})
	}
	return uniqueLabels(append([]choice{{allCSRs, ""}}, sortChoices(cs)...))
}

// sortChoices sorts choices by label, then value.
func sortChoices(cs []choice) []choice {
	slices.SortFunc(cs, func(a, b choice) int {
		return cmp.Or(cmp.Compare(strings.ToLower(a.label), strings.ToLower(b.label)), cmp.Compare(a.label, b.label),
			cmp.Compare(a.value, b.value))
	})
	return cs
}

// uniqueLabels makes each label unique, naming the value of those that
// share one (then numbering): a select tells its choices apart by their
// labels.
func uniqueLabels(cs []choice) []choice {
	count := map[string]int{}
	for _, c := range cs {
		count[c.label]++
	}
	used := map[string]bool{}
	for i, c := range cs {
		label := c.label
		if count[label] > 1 {
			label += " (" + c.value + ")"
		}
		for n := 2; used[label]; n++ {
			label = fmt.Sprintf("%s (%d)", c.label, n)
		}
		used[label] = true
		cs[i].label = label
	}
	return cs
}

// reportLine is text from the server (a queue's or CSR's name, a page's
// address) on one line, without control characters.
func reportLine(s string) string {
	return strings.Join(strings.FieldsFunc(s, func(r rune) bool { return unicode.IsSpace(r) || unicode.IsControl(r) }), " ")
}

// loadChoices asks the server which queues and CSRs the reports of q's
// period can be filtered by, once per period.
func (u *ui) loadChoices(rw *reportsWindow, q client.ReportQuery) {
	c := u.controller()
	period := q.From.Format(time.DateOnly) + "/" + q.To.Format(time.DateOnly)
	if c == nil || rw.choicesFor == period {
		return
	}
	rw.choicesFor = period
	u.goDo(func() {
		ctx, cancel := u.ctx(30 * time.Second)
		f, err := c.ReportFilters(ctx, q)
		cancel()
		u.do(func() {
			if u.reports != rw {
				return
			}
			if err != nil {
				rw.choicesFor = "" // asked again with the next report
				rw.view.SetStatus("The queues and CSRs to filter by could not be loaded: "+apiSentence(err), true)
				return
			}
			rw.choices.learnFilters(f)
			rw.showFilters()
		})
	})
}

// loadReport reads the report of the tab shown.
func (u *ui) loadReport(rw *reportsWindow) {
	c := u.controller()
	if c == nil {
		return
	}
	q, err := rw.query()
	if err != nil {
		rw.view.SetStatus(sentence(err), true)
		return
	}
	rw.seq++
	seq, tab := rw.seq, rw.view.Tab()
	rw.view.SetStatus("Loading…", false)
	u.goDo(func() {
		ctx, cancel := u.ctx(30 * time.Second)
		defer cancel()
		var show func()
		switch tab {
		case reportVolume:
			r, e := c.CallVolume(ctx, q)
			err, show = e, func() {
				rw.choices.learnVolume(r)
				rw.view.SetVolume(r)
				rw.view.SetStatus(fmt.Sprintf("%s from %s to %s.", countWords(r.Total.Requests, "request", "requests"), r.From, r.To), false)
			}
		case reportActivity:
			r, e := c.CSRActivity(ctx, q)
			err, show = e, func() {
				rw.choices.learnActivity(r)
				rw.view.SetActivity(r)
				rw.view.SetStatus(countWords(len(r), "CSR", "CSRs")+".", false)
			}
		case reportReferral:
			r, e := c.URLReferral(ctx, q)
			err, show = e, func() {
				rw.view.SetReferrals(r)
				total := 0
				for _, x := range r {
					total += x.Requests
				}
				rw.view.SetStatus(fmt.Sprintf("%s from %s to %s.", countWords(total, "request", "requests"),
					q.From.Format(time.DateOnly), q.To.Format(time.DateOnly)), false)
			}
		default:
			r, e := c.QuerySessions(ctx, q)
			err, show = e, func() {
				rw.choices.learnSessions(r)
				rw.view.SetSessions(r)
				rw.view.SetStatus(countWords(len(r), "session", "sessions")+".", false)
			}
		}
		u.do(func() {
			if u.reports != rw || rw.seq != seq {
				return
			}
			if err != nil {
				rw.view.SetStatus(apiSentence(err), true)
				return
			}
			show()
			rw.showFilters()
			// After a report the server gave: a period it refuses says so
			// once.
			u.loadChoices(rw, q)
		})
	})
}

// loadDetails shows a session's Session Details.
func (u *ui) loadDetails(rw *reportsWindow, id string) {
	c := u.controller()
	if c == nil {
		return
	}
	rw.detailSeq++
	seq := rw.detailSeq
	u.goDo(func() {
		ctx, cancel := u.ctx(30 * time.Second)
		r, err := c.SessionDetails(ctx, id)
		cancel()
		u.do(func() {
			if u.reports != rw || rw.detailSeq != seq {
				return
			}
			if err != nil {
				rw.view.SetStatus("The session's details could not be loaded: "+apiSentence(err), true)
				return
			}
			rw.view.SetDetails(r)
		})
	})
}

// exportReport saves the report of the tab shown, as the server's CSV,
// to a file the CSR chooses.
func (u *ui) exportReport(rw *reportsWindow) {
	fd := dialog.NewFileSave(func(w fyne.URIWriteCloser, err error) {
		if err != nil {
			rw.view.SetStatus("The file could not be opened: "+sentence(err), true)
			return
		}
		if w != nil {
			u.writeReportCSV(rw, w)
		}
	}, rw.win)
	fd.SetFileName(rw.csvName())
	fd.SetFilter(storage.NewExtensionFileFilter([]string{".csv"}))
	fd.Resize(fyne.NewSize(900, 560))
	fd.Show()
}

// csvName is the file name Export CSV… suggests: the report, the queue
// and CSR chosen, and the period.
func (rw *reportsWindow) csvName() string {
	parts := []string{[]string{"sessions", "call-volume", "csr-activity", "url-referral"}[rw.view.Tab()]}
	f := filtersOf(rw.view.Tab(), rw.choices.everyone)
	queue, csr := rw.view.Filters()
	if f.queue && queue != "" {
		parts = append(parts, strings.ReplaceAll(queue, client.NoQueue, "no-queue"))
	}
	if f.csr && csr != "" {
		parts = append(parts, csr)
	}
	from, to, _ := rw.view.Range()
	parts = append(parts, from, "to", to)
	for i, p := range parts {
		parts[i] = strings.Trim(safeName.ReplaceAllString(p, "-"), "-.")
	}
	return strings.Join(slices.DeleteFunc(parts, func(p string) bool { return p == "" }), "-") + ".csv"
}

// writeReportCSV fetches the CSV of the tab shown and writes it to w.
// Tests call it in place of the file dialog.
func (u *ui) writeReportCSV(rw *reportsWindow, w fyne.URIWriteCloser) {
	c := u.controller()
	q, err := rw.query()
	if c == nil || err != nil {
		_ = w.Close()
		if err == nil {
			err = errors.New("you are no longer logged in")
		}
		rw.view.SetStatus(sentence(err), true)
		return
	}
	tab, uri := rw.view.Tab(), w.URI()
	rw.view.SetStatus("Exporting…", false)
	u.goDo(func() {
		ctx, cancel := u.ctx(time.Minute)
		var b []byte
		switch tab {
		case reportVolume:
			b, err = c.CallVolumeCSV(ctx, q)
		case reportActivity:
			b, err = c.CSRActivityCSV(ctx, q)
		case reportReferral:
			b, err = c.URLReferralCSV(ctx, q)
		default:
			b, err = c.QuerySessionsCSV(ctx, q)
		}
		cancel()
		if err == nil {
			_, err = w.Write(b)
		}
		if cerr := w.Close(); err == nil {
			err = cerr
		}
		u.do(func() {
			if u.reports != rw {
				return
			}
			if err != nil {
				rw.view.SetStatus(uri.Name()+" was not saved: "+apiSentence(err), true)
				return
			}
			where := uri.String()
			if uri.Scheme() == "file" {
				where = uri.Path()
			}
			rw.view.SetStatus("Saved to "+where+".", false)
		})
	})
}

// recordingWords is Session Details' line for a recording; clockOf
// renders a time of day.
func recordingWords(r client.ReportRecording, clockOf func(time.Time) string) string {
	line := clockOf(r.StartedAt) + " " + orDefault(r.CSR, "A support representative")
	until := "—"
	if r.StoppedAt != nil {
		until = clockOf(*r.StoppedAt)
	}
	switch r.Status {
	case client.RecordingStopped:
		line += fmt.Sprintf(" recorded until %s: %s, %s, %s", until, clock(time.Duration(r.DurationMS)*time.Millisecond),
			countWords(int(r.Frames), "frame", "frames"), byteSize(r.Bytes))
	case client.RecordingUnconfirmed:
		line += " recorded until " + until + " at the latest (its length and size are not known)"
	case client.RecordingRunning:
		line += " is recording"
	default:
		line += " recorded (" + r.Status + ")"
	}
	line += "."
	if r.Reason != "" {
		line += " " + r.Reason
	}
	return line
}

// detailSection is a part of the Session Details panel.
type detailSection struct{ title, text string }

// detailSections are what Session Details shows: the session, who took
// part and when, the requests it came from, the chat, the notes, the
// scripts, the file transfers, the recordings and the events. Everything
// in it came from the server (and the customers' computers): it is shown
// as plain text.
func detailSections(r client.Report, loc *time.Location) []detailSection {
	at := func(t *time.Time) string {
		if t == nil {
			return "—"
		}
		return t.In(loc).Format("2006-01-02 15:04:05")
	}
	clock := func(t time.Time) string { return t.In(loc).Format("15:04:05") }
	var out []detailSection
	add := func(title string, lines []string, none string) {
		text := strings.Join(lines, "\n")
		if len(lines) == 0 {
			text = none
		}
		out = append(out, detailSection{title, text})
	}
	s := r.Session
	host, ended := orDefault(s.CSR, "—"), "Ended: "+at(s.EndedAt)
	if s.CSREmail != "" {
		host += " (" + s.CSREmail + ")"
	}
	if s.EndReason != "" {
		ended += " — " + s.EndReason
	}
	info := []string{"Host: " + host, "Started: " + at(s.CreatedAt), ended}
	if s.Type != "" {
		info = append(info, "Type: "+s.Type)
	}
	if s.TrackingCode != "" {
		info = append(info, "Tracking code: "+s.TrackingCode)
	}
	add("Summary", info, "")
	var lines []string
	for _, p := range r.Participants {
		who := p.Name
		if p.Email != "" {
			who += " (" + p.Email + ")"
		}
		lines = append(lines, fmt.Sprintf("%s — %s, joined %s, left %s", who, roleWords(p.Role), at(p.JoinedAt), at(p.LeftAt)))
	}
	add("Participants", lines, "Nobody joined.")
	lines = nil
	for _, q := range r.QueueRequests {
		where := "Queue " + orDefault(q.QueueName, q.Queue)
		if q.Queue == "" {
			where = "Transfer to " + orDefault(q.OfferedTo, "a CSR")
		}
		line := fmt.Sprintf("%s (%s): %s <%s> asked at %s", where, q.State, q.Name, q.Email, clock(q.RequestedAt))
		if q.Problem != "" {
			line += ": “" + q.Problem + "”"
		}
		if q.AcceptedBy != "" {
			line += "; accepted by " + q.AcceptedBy + " at " + at(q.AcceptedAt)
		}
		if q.TransferredBy != "" {
			line += "; transferred by " + q.TransferredBy
		}
		if q.Message != "" {
			line += ", who wrote: “" + q.Message + "”"
		}
		lines = append(lines, line)
	}
	add("Requests", lines, "The session did not come from a queue.")
	lines = nil
	for _, c := range r.Chat {
		lines = append(lines, fmt.Sprintf("%s %s → %s: %s", clock(c.At), c.From, c.To, c.Text))
	}
	add("Chat", lines, "No chat.")
	add("Notes", nil, orDefault(r.Notes, "No notes."))
	lines = nil
	for _, sr := range r.ScriptRuns {
		lines = append(lines, fmt.Sprintf("%s %s on %s's computer: %s, exit status %d, %s", clock(sr.At), sr.Name, sr.Customer,
			sr.Status, sr.ExitCode, durationWords(int((sr.DurationMS+999)/1000))))
	}
	add("Scripts", lines, "No scripts ran.")
	lines = nil
	for _, ft := range r.FileTransfers {
		dir := "to"
		if ft.Direction == "from_customer" {
			dir = "from"
		}
		lines = append(lines, fmt.Sprintf("%s %s %s %s (%s): %s, %s", clock(ft.At), countWords(ft.Files, "file", "files"), dir,
			ft.Customer, ft.Folder, sizeWords(ft.Bytes), ft.Status))
	}
	add("File transfers", lines, "No files were transferred.")
	lines = nil
	for _, rec := range r.Recordings {
		lines = append(lines, recordingWords(rec, clock))
	}
	add("Recordings", lines, "The session was not recorded.")
	// The events name participants by id.
	names := map[string]string{}
	for _, p := range r.Participants {
		names[p.ID] = p.Name
	}
	lines = nil
	for _, e := range r.Events {
		line := fmt.Sprintf("%s %s", clock(e.At), strings.ReplaceAll(e.Type, "_", " "))
		if e.Actor != "" {
			line += " by " + orDefault(names[e.Actor], e.Actor)
		}
		if e.Target != "" {
			line += " → " + orDefault(names[e.Target], e.Target)
		}
		lines = append(lines, line)
	}
	add("Events", lines, "No events.")
	return out
}
