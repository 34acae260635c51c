package gui

import (
	"fmt"
	"strings"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/canvas"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/theme"
	"fyne.io/fyne/v2/widget"

	"lifeline/shared/client"
)

// column is a column of a report table: its header, the order the server
// sorts by when the header is clicked ("" for none), and its width (0
// takes what the others leave).
type column struct {
	title, sort string
	width       float32
}

// queryColumns are the Query tool's columns: the guide's "session ID,
// session date, request, wait, start, and end times, queue name, CSR name,
// customer email".
var queryColumns = []column{
	{"Session", "number", 100},
	{"Requested", "requested", 130},
	{"Wait", "wait", 70},
	{"Started", "started", 70},
	{"Ended", "ended", 70},
	{"Duration", "duration", 80},
	{"Queue", "queue", 100},
	{"CSR", "csr", 180},
	{"Customer", "customer", 0},
	{"Email", "email", 170},
}

var volumeColumns = []column{
	{"Day", "", 110}, {"Requests", "", 80}, {"Successful", "", 90}, {"Abandoned", "", 90},
	{"Wait (min / avg / max)", "", 190}, {"Session (min / avg / max)", "", 200}, {"", "", 0},
}

var activityColumns = []column{
	{"CSR", "", 160}, {"Email", "", 200}, {"Sessions", "", 80}, {"Session (min / avg / max)", "", 200}, {"", "", 0},
}

// referralColumns are URL Referral's: the guide's "the URLs … and the
// number [of] attempted and successful support sessions".
var referralColumns = []column{
	{"Page", "", 440}, {"Requests", "", 80}, {"Successful", "", 90}, {"Rate", "", 60}, {"", "", 0},
}

// Tabs of the Reports window.
const (
	reportSessions = iota
	reportVolume
	reportActivity
	reportReferral
)

// reportsView is the content of the Reports window: the period, the
// filters the report shown takes (queue, CSR, customer search), four
// reports in tabs (the Query tool's sessions with a header that sorts by
// a column, the selected session's details below; Call Volume by day;
// CSR Activity; URL Referral), Export CSV… and a status line.
type reportsView struct {
	sortHeader
	from, to  *widget.Entry
	search    *widget.Entry
	showBtn   *widget.Button
	exportBtn *widget.Button
	tabs      *container.AppTabs
	status    *widget.Label
	content   fyne.CanvasObject

	// The filters: a select shows its choices' labels; queue and csr are
	// the values chosen ("" for all). filterNote says whose sessions the
	// report counts.
	queueSel, csrSel        *widget.Select
	queueOpts, csrOpts      []choice
	queue, csr              string
	queueTitle, csrTitle    *widget.Label
	searchTitle, filterNote *widget.Label
	// The boxes of the selects and the search, hidden where the report
	// shown does not take them.
	queueBox, csrBox, searchBox *fyne.Container

	list     *widget.List
	empty    *widget.Label
	details  *fyne.Container
	noSelect *widget.Label

	volume     *widget.List
	activity   *widget.List
	volumeRows [][]string
	volumeBars []float32 // each day's requests, of the busiest day's
	actRows    [][]string
	actBars    []float32
	referrals  *widget.List
	refRows    [][]string
	refBars    []float32
	refEmpty   *widget.Label

	sessions []client.QuerySession
	selected int
	// loc is where times are shown (time.Local; the goldens fix it).
	loc *time.Location

	OnShow   func()
	OnExport func()
	OnSelect func(s client.QuerySession)
	OnTab    func(tab int)
}

func newReportsView(from, to time.Time) *reportsView {
	v := &reportsView{selected: -1, loc: time.Local}
	v.from, v.to = widget.NewEntry(), widget.NewEntry()
	v.from.SetText(from.Format(time.DateOnly))
	v.to.SetText(to.Format(time.DateOnly))
	v.from.SetPlaceHolder("2026-03-01")
	v.to.SetPlaceHolder("2026-03-31")
	v.search = widget.NewEntry()
	v.search.SetPlaceHolder("Customer name or email")
	for _, e := range []*widget.Entry{v.from, v.to, v.search} {
		e.OnSubmitted = func(string) { call(v.OnShow) }
	}
	// Choosing a queue or a CSR shows the report at once.
	v.queueSel = widget.NewSelect(nil, func(label string) {
		if val, ok := valueOf(v.queueOpts, label); ok && val != v.queue {
			v.queue = val
			call(v.OnShow)
		}
	})
	v.csrSel = widget.NewSelect(nil, func(label string) {
		if val, ok := valueOf(v.csrOpts, label); ok && val != v.csr {
			v.csr = val
			call(v.OnShow)
		}
	})
	v.queueTitle, v.csrTitle, v.searchTitle = widget.NewLabel("Queue"), widget.NewLabel("CSR"), widget.NewLabel("Customer")
	v.filterNote = widget.NewLabel("")
	v.filterNote.Importance = widget.LowImportance
	v.showBtn = widget.NewButtonWithIcon("Show", theme.ViewRefreshIcon(), func() { call(v.OnShow) })
	v.showBtn.Importance = widget.HighImportance
	v.exportBtn = widget.NewButtonWithIcon("Export CSV…", theme.DocumentSaveIcon(), func() { call(v.OnExport) })

	// Newest first, as the Query tool opens.
	header := v.sortHeader.init(queryColumns, "requested")
	v.SetSort("requested", true)
	v.list = tableList(queryColumns, func() int { return len(v.sessions) }, func(i int) []string { return v.sessionRow(v.sessions[i]) })
	v.list.OnSelected = func(i widget.ListItemID) {
		v.selected = i
		if i < len(v.sessions) {
			call1(v.OnSelect, v.sessions[i])
		}
	}
	v.empty = widget.NewLabel("")
	v.empty.Alignment = fyne.TextAlignCenter
	v.empty.Importance = widget.LowImportance
	v.empty.Hide()
	v.noSelect = widget.NewLabel("Select a session to see who took part, the chat, the notes and what was done.")
	v.noSelect.Importance = widget.LowImportance
	v.details = container.NewVBox(v.noSelect)
	table := container.NewBorder(container.NewVBox(header, widget.NewSeparator()), nil, nil, nil,
		container.NewStack(v.list, container.NewCenter(v.empty)))
	split := container.NewVSplit(table, container.NewVScroll(v.details))
	split.Offset = 0.5

	v.volume, v.activity = barList(volumeColumns, &v.volumeRows, &v.volumeBars), barList(activityColumns, &v.actRows, &v.actBars)
	v.referrals = barList(referralColumns, &v.refRows, &v.refBars)
	v.refEmpty = widget.NewLabel("")
	v.refEmpty.Alignment = fyne.TextAlignCenter
	v.refEmpty.Importance = widget.LowImportance
	v.refEmpty.Hide()
	v.tabs = container.NewAppTabs(
		container.NewTabItemWithIcon("Sessions", theme.ListIcon(), split),
		container.NewTabItemWithIcon("Call Volume", theme.HistoryIcon(), withHeader(volumeColumns, v.volume)),
		container.NewTabItemWithIcon("CSR Activity", theme.AccountIcon(), withHeader(activityColumns, v.activity)),
		container.NewTabItemWithIcon("URL Referral", theme.SearchIcon(),
			withHeader(referralColumns, container.NewStack(v.referrals, container.NewCenter(v.refEmpty)))))
	v.tabs.OnSelected = func(*container.TabItem) { call1(v.OnTab, v.Tab()) }

	v.status = widget.NewLabel("")
	v.status.Truncation = fyne.TextTruncateEllipsis
	period := container.NewHBox(widget.NewLabel("From"), fixedWidth(v.from, 120), widget.NewLabel("to"), fixedWidth(v.to, 120), v.showBtn)
	v.queueBox = fixedWidth(v.queueSel, 220).(*fyne.Container)
	v.csrBox = fixedWidth(v.csrSel, 300).(*fyne.Container)
	v.searchBox = fixedWidth(v.search, 240).(*fyne.Container)
	filters := container.NewHBox(v.queueTitle, v.queueBox, v.csrTitle, v.csrBox, v.searchTitle, v.searchBox, v.filterNote)
	v.SetFilters(nil, nil, true, "")
	v.content = container.NewBorder(container.NewVBox(container.NewBorder(nil, nil, period, v.exportBtn), filters, widget.NewSeparator()),
		container.NewVBox(widget.NewSeparator(), v.status), nil, nil, v.tabs)
	return v
}

// SetFilters offers the queues and CSRs to choose from (nil: the report
// shown does not take that filter, which is hidden), the customer search
// when search, and a note. A hidden filter keeps its choice; a choice no
// longer offered goes back to the first, all of them, and so does the
// sessions of no queue when its label changes, since the reports
// understand it differently (started by a CSR, or transferred to one).
func (v *reportsView) SetFilters(queues, csrs []choice, search bool, note string) {
	show := func(on bool, objs ...fyne.CanvasObject) {
		for _, o := range objs {
			if on {
				o.Show()
			} else {
				o.Hide()
			}
		}
	}
	set := func(sel *widget.Select, box fyne.CanvasObject, title *widget.Label, opts *[]choice, value *string, offered []choice) {
		*opts = offered
		if offered == nil {
			// Hidden: kept for the reports that take it.
			show(false, title, box)
			return
		}
		if label, ok := labelOf(offered, *value); !ok || (*value == client.NoQueue && label != sel.Selected) {
			*value = ""
		}
		sel.Options = nil
		for _, c := range offered {
			sel.Options = append(sel.Options, c.label)
		}
		// Set without OnChanged: only the CSR's choice shows a report.
		sel.Selected, _ = labelOf(offered, *value)
		sel.Refresh()
		show(len(offered) > 0, title, box)
	}
	set(v.queueSel, v.queueBox, v.queueTitle, &v.queueOpts, &v.queue, queues)
	set(v.csrSel, v.csrBox, v.csrTitle, &v.csrOpts, &v.csr, csrs)
	show(search, v.searchTitle, v.searchBox)
	v.filterNote.SetText(note)
}

// Filters are the queue and the CSR chosen, "" for all.
func (v *reportsView) Filters() (queue, csr string) { return v.queue, v.csr }

func valueOf(opts []choice, label string) (string, bool) {
	for _, c := range opts {
		if c.label == label {
			return c.value, true
		}
	}
	return "", false
}

func labelOf(opts []choice, value string) (string, bool) {
	for _, c := range opts {
		if c.value == value {
			return c.label, true
		}
	}
	return "", false
}

func newColumnsLayout(cols []column) *columnsLayout {
	l := &columnsLayout{}
	for _, c := range cols {
		l.widths = append(l.widths, c.width)
	}
	return l
}

// headerButton is a column heading that sorts the table when tapped.
func headerButton(title string, tap func()) *widget.Button {
	b := widget.NewButton(title, tap)
	b.Alignment = widget.ButtonAlignLeading
	b.Importance = widget.LowImportance
	return b
}

// rowCells is a table row of n truncating labels laid out by cols.
func rowCells(cols *columnsLayout, n int) fyne.CanvasObject {
	var cells []fyne.CanvasObject
	for range n {
		l := widget.NewLabel("")
		l.Truncation = fyne.TextTruncateEllipsis
		cells = append(cells, l)
	}
	return container.New(cols, cells...)
}

func setCells(o fyne.CanvasObject, texts []string) {
	for c, text := range texts {
		o.(*fyne.Container).Objects[c].(*widget.Label).SetText(text)
	}
}

func withHeader(cols []column, list fyne.CanvasObject) fyne.CanvasObject {
	var heads []fyne.CanvasObject
	for _, c := range cols {
		l := widget.NewLabel(c.title)
		l.TextStyle = fyne.TextStyle{Bold: true}
		heads = append(heads, l)
	}
	return container.NewBorder(container.NewVBox(container.New(newColumnsLayout(cols), heads...), widget.NewSeparator()),
		nil, nil, nil, list)
}

// barList is a table whose last column is a bar as long as the row's
// share of the largest (a simple chart beside the numbers).
func barList(cols []column, rows *[][]string, bars *[]float32) *widget.List {
	l := newColumnsLayout(cols)
	return widget.NewList(
		func() int { return len(*rows) },
		func() fyne.CanvasObject {
			o := rowCells(l, len(cols)-1).(*fyne.Container)
			bar := canvas.NewRectangle(theme.Color(theme.ColorNamePrimary))
			o.Objects = append(o.Objects, container.New(&barLayout{}, bar))
			return o
		},
		func(i widget.ListItemID, o fyne.CanvasObject) {
			if i >= len(*rows) {
				return
			}
			c := o.(*fyne.Container)
			for j, text := range (*rows)[i] {
				c.Objects[j].(*widget.Label).SetText(text)
			}
			b := c.Objects[len(c.Objects)-1].(*fyne.Container)
			b.Layout.(*barLayout).share = (*bars)[i]
			b.Refresh()
		})
}

// barLayout draws its rectangle share (0–1) of the width, a third of the
// height, centred.
type barLayout struct{ share float32 }

func (*barLayout) MinSize([]fyne.CanvasObject) fyne.Size { return fyne.NewSize(40, 10) }

func (l *barLayout) Layout(objs []fyne.CanvasObject, size fyne.Size) {
	for _, o := range objs {
		o.Resize(fyne.NewSize(size.Width*l.share, size.Height/3))
		o.Move(fyne.NewPos(0, size.Height/3))
	}
}

// Range is the period and the search as typed.
func (v *reportsView) Range() (from, to, search string) {
	return v.from.Text, v.to.Text, v.search.Text
}

// Tab is the report shown: reportSessions, reportVolume, reportActivity
// or reportReferral.
func (v *reportsView) Tab() int { return v.tabs.SelectedIndex() }

// Sort is the order asked for.
func (v *reportsView) Sort() (string, bool) { return v.sort, v.desc }

// SetSessions shows the Query tool's sessions in the server's order,
// keeping the selected one selected when it is still there.
func (v *reportsView) SetSessions(sessions []client.QuerySession) {
	keep := ""
	if v.selected >= 0 && v.selected < len(v.sessions) {
		keep = v.sessions[v.selected].ID
	}
	v.sessions, v.selected = sessions, -1
	v.list.UnselectAll()
	v.list.Refresh()
	for i, s := range sessions {
		if s.ID == keep {
			v.selected = i
			v.list.Select(i)
			break
		}
	}
	if v.selected < 0 {
		v.ClearDetails()
	}
	v.empty.SetText("No sessions in this period.")
	v.empty.Hidden = len(sessions) > 0
	v.empty.Refresh()
}

// Sessions are the sessions shown, in order.
func (v *reportsView) Sessions() []client.QuerySession { return v.sessions }

func (v *reportsView) clock(t *time.Time) string {
	if t == nil {
		return "—"
	}
	return t.In(v.loc).Format("15:04")
}

func seconds(s *int64) string {
	if s == nil {
		return "—"
	}
	return spanWords(*s)
}

// spanWords is a length of time as "1:05:09", "4:09" or "0:12".
func spanWords(s int64) string {
	if s < 0 {
		s = 0
	}
	if s >= 3600 {
		return fmt.Sprintf("%d:%02d:%02d", s/3600, s%3600/60, s%60)
	}
	return fmt.Sprintf("%d:%02d", s/60, s%60)
}

// sessionRow is the text of a session's cells.
func (v *reportsView) sessionRow(s client.QuerySession) []string {
	var csrs []string
	for _, c := range s.CSRs {
		csrs = append(csrs, c.Name)
	}
	queue := orDefault(s.QueueName, s.Queue)
	if s.Queue == "" {
		queue = "—"
	}
	return []string{spaced(s.Number), s.RequestedAt.In(v.loc).Format("2006-01-02 15:04"), seconds(s.WaitSeconds),
		v.clock(s.StartedAt), v.clock(s.EndedAt), seconds(s.DurationSeconds), queue,
		orDefault(strings.Join(csrs, " → "), "—"), orDefault(s.CustomerName, "—"), orDefault(s.CustomerEmail, "—")}
}

func spanRow(s client.Span) string {
	if s.Count == 0 {
		return "—"
	}
	return spanWords(s.MinSeconds) + " / " + spanWords(s.AvgSeconds) + " / " + spanWords(s.MaxSeconds)
}

// SetVolume shows Call Volume day by day, the total first.
func (v *reportsView) SetVolume(r client.CallVolumeReport) {
	row := func(day string, x client.Volume) []string {
		return []string{day, fmt.Sprint(x.Requests), fmt.Sprint(x.Successful), fmt.Sprint(x.Abandoned), spanRow(x.Wait), spanRow(x.Session)}
	}
	v.volumeRows = [][]string{row("Total", r.Total)}
	v.volumeBars = []float32{0}
	most := 0
	for _, d := range r.Days {
		most = max(most, d.Requests)
	}
	for _, d := range r.Days {
		v.volumeRows = append(v.volumeRows, row(d.Date, d.Volume))
		v.volumeBars = append(v.volumeBars, share(d.Requests, most))
	}
	v.volume.Refresh()
}

// SetReferrals shows URL Referral, a line per page after the total, with
// a bar of its requests. The pages are what customers' browsers said:
// shown on one line, as text.
func (v *reportsView) SetReferrals(refs []client.Referral) {
	row := func(page string, requests, successful int) []string {
		rate := "—"
		if requests > 0 {
			rate = fmt.Sprintf("%d%%", (successful*100+requests/2)/requests)
		}
		return []string{page, fmt.Sprint(requests), fmt.Sprint(successful), rate}
	}
	v.refRows, v.refBars = nil, nil
	total, successful, most := 0, 0, 0
	for _, r := range refs {
		total, successful, most = total+r.Requests, successful+r.Successful, max(most, r.Requests)
	}
	if len(refs) > 0 {
		v.refRows, v.refBars = [][]string{row("Total", total, successful)}, []float32{0}
	}
	for _, r := range refs {
		page := reportLine(r.URL)
		if page == "" {
			page = "No page given"
		}
		v.refRows = append(v.refRows, row(page, r.Requests, r.Successful))
		v.refBars = append(v.refBars, share(r.Requests, most))
	}
	v.refEmpty.SetText("No customer asked for help in this period.")
	v.refEmpty.Hidden = len(refs) > 0
	v.refEmpty.Refresh()
	v.referrals.Refresh()
}

// SetActivity shows CSR Activity, a line per CSR.
func (v *reportsView) SetActivity(csrs []client.CSRActivity) {
	v.actRows, v.actBars = nil, nil
	most := 0
	for _, c := range csrs {
		most = max(most, c.Sessions)
	}
	for _, c := range csrs {
		v.actRows = append(v.actRows, []string{c.Name, c.Email, fmt.Sprint(c.Sessions), spanRow(c.Session)})
		v.actBars = append(v.actBars, share(c.Sessions, most))
	}
	v.activity.Refresh()
}

func share(n, most int) float32 {
	if most <= 0 {
		return 0
	}
	return float32(n) / float32(most)
}

// ClearDetails empties the details panel.
func (v *reportsView) ClearDetails() {
	v.details.Objects = []fyne.CanvasObject{v.noSelect}
	v.details.Refresh()
}

// SetDetails shows a session's Session Details.
func (v *reportsView) SetDetails(r client.Report) {
	objs := []fyne.CanvasObject{heading("Session " + spaced(r.Session.Number))}
	for _, s := range detailSections(r, v.loc) {
		t := widget.NewLabel(s.title)
		t.TextStyle = fyne.TextStyle{Bold: true}
		objs = append(objs, t, wrapped(s.text))
	}
	v.details.Objects = objs
	v.details.Refresh()
}

// DetailsText is what the details panel says, for tests.
func (v *reportsView) DetailsText() string {
	var b strings.Builder
	for _, o := range v.details.Objects {
		if l, ok := o.(*widget.Label); ok {
			b.WriteString(l.Text + "\n")
		}
	}
	return b.String()
}

// SetStatus shows a line under the reports; danger for a failure.
func (v *reportsView) SetStatus(text string, danger bool) {
	v.status.Importance = widget.MediumImportance
	if danger {
		v.status.Importance = widget.DangerImportance
	}
	v.status.SetText(text)
}
