package gui

import (
	"errors"
	"fmt"
	"strings"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/dialog"
	"fyne.io/fyne/v2/storage"

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
	rw := &reportsWindow{win: w, view: v}
	v.OnShow = func() { u.loadReport(rw) }
	v.OnSort = func(string, bool) { u.loadReport(rw) }
	v.OnTab = func(int) { u.loadReport(rw) }
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

// query is the report the window asks for now.
func (rw *reportsWindow) query() (client.ReportQuery, error) {
	q, err := parseRange(rw.view.Range())
	q.Sort, q.Desc = rw.view.Sort()
	return q, err
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
				rw.view.SetVolume(r)
				rw.view.SetStatus(fmt.Sprintf("%d requests from %s to %s.", r.Total.Requests, r.From, r.To), false)
			}
		case reportActivity:
			r, e := c.CSRActivity(ctx, q)
			err, show = e, func() { rw.view.SetActivity(r); rw.view.SetStatus(countWords(len(r), "CSR", "CSRs")+".", false) }
		default:
			r, e := c.QuerySessions(ctx, q)
			err, show = e, func() {
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
	name := []string{"sessions", "call-volume", "csr-activity"}[rw.view.Tab()]
	from, to, _ := rw.view.Range()
	fd.SetFileName(fmt.Sprintf("%s-%s-to-%s.csv", name, safeName.ReplaceAllString(from, "-"), safeName.ReplaceAllString(to, "-")))
	fd.SetFilter(storage.NewExtensionFileFilter([]string{".csv"}))
	fd.Resize(fyne.NewSize(900, 560))
	fd.Show()
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

// detailSection is a part of the Session Details panel.
type detailSection struct{ title, text string }

// detailSections are what Session Details shows: the session, who took
// part and when, the requests it came from, the chat, the notes, the
// scripts, the file transfers and the events. Everything in it came from
// the server (and the customers' computers): it is shown as plain text.
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
