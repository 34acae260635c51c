package e2e

import (
	"bytes"
	"context"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"image/png"
	"math/rand/v2"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"lifeline/rendezvous/store"
	"lifeline/shared/rendezvoustest"
)

// The screenshots of docs/screenshots/reports-*.png come from this test:
//
//	LIFELINE_REPORT_SCREENSHOTS=$PWD/docs/screenshots go test -tags x11 -run TestReportPages ./packaging/e2e/
//
// Without the variable they are taken, checked and thrown away.

// seedSupport writes two weeks of a small support team's work into st,
// ending yesterday: customers asking in three queues, most helped, some
// giving up, some transferred, and sessions the CSRs started themselves.
// The random numbers are seeded, so every run has the same work.
func seedSupport(t *testing.T, st store.Store, csrs []store.User) {
	t.Helper()
	ctx := context.Background()
	rnd := rand.New(rand.NewPCG(6, 2026))
	var queues []store.Queue
	for _, q := range [][2]string{{"billing", "Billing"}, {"network", "Network problems"}, {"sales", "Sales"}} {
		qq, err := st.AddQueue(ctx, q[0], q[1], time.Now().AddDate(0, 0, -30))
		if err != nil {
			t.Fatal(err)
		}
		queues = append(queues, qq)
	}
	pages := []string{"https://shop.example.com/help", "https://shop.example.com/checkout", "https://example.com/support",
		"https://example.com/downloads/router", ""}
	names := []string{"Paula Reyes", "Quinn Adler", "Rosa Marin", "Sam Okafor", "Tina Berg", "Uma Patel", "Victor Lindqvist",
		"Wanda Chen", "Xavier Dubois", "Yara Haddad", "Zoe Novak", "Aaron Fischer"}
	must := func(err error) {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
	}
	minutes := func(lo, hi int) time.Duration { return time.Duration(lo+rnd.IntN(hi-lo+1)) * time.Minute }
	today := time.Now().UTC().Truncate(24 * time.Hour)
	n := 0
	for d := 14; d >= 1; d-- {
		day := today.AddDate(0, 0, -d)
		requests := 3 + rnd.IntN(5)
		if wd := day.Weekday(); wd == time.Saturday || wd == time.Sunday {
			requests = rnd.IntN(3)
		}
		for i := 0; i < requests; i++ {
			n++
			q := queues[rnd.IntN(len(queues))]
			name := names[rnd.IntN(len(names))]
			email := strings.ToLower(strings.Fields(name)[0]) + "@example.org"
			asked := day.Add(8*time.Hour + minutes(0, 9*60))
			id := fmt.Sprintf("req%03d", n)
			must(st.CreateQueueRequest(ctx, store.QueueRequest{ID: id, QueueID: q.ID, Name: name, Email: email,
				Problem: "It does not work.", Referrer: pages[rnd.IntN(len(pages))], TokenHash: []byte("seed " + id), RequestedAt: asked}))
			if rnd.IntN(5) == 0 {
				must(st.AbandonQueueRequest(ctx, id, asked.Add(minutes(2, 14))))
				continue
			}
			csr := csrs[rnd.IntN(len(csrs))]
			accepted := asked.Add(minutes(0, 8) + time.Duration(rnd.IntN(60))*time.Second)
			sid := fmt.Sprintf("ses%03d", n)
			must(st.AcceptQueueRequest(ctx, store.QueueAcceptance{RequestID: id, UserID: csr.ID, At: accepted,
				Session: store.Session{ID: sid, Number: fmt.Sprintf("%09d", 500000000+n), OwnerUserID: csr.ID, CreatedAt: accepted},
				Participants: []store.Participant{
					{ID: sid + "-host", UserID: csr.ID, Name: csr.Name, Role: store.RoleHost, JoinedAt: accepted},
					{ID: sid + "-cust", Name: name, Email: email, Role: store.RolePrimary, JoinedAt: accepted},
				},
				Events: []store.Event{
					{SessionID: sid, Seq: 1, At: accepted, Type: "queue_accepted", Actor: sid + "-host", Audience: store.AudienceAll, Data: []byte("{}")},
					{SessionID: sid, Seq: 2, At: accepted.Add(time.Minute), Type: "chat", Actor: sid + "-cust", Audience: store.AudienceAll,
						Data: []byte(`{"text":"Hello, my invoice will not open."}`)},
					{SessionID: sid, Seq: 3, At: accepted.Add(2 * time.Minute), Type: "chat", Actor: sid + "-host", Audience: store.AudienceAll,
						Data: []byte(`{"text":"Could you please allow me to view your screen?"}`)},
				}}))
			end := accepted.Add(minutes(6, 45))
			if rnd.IntN(6) == 0 {
				// Transferred to another CSR half way through.
				other := csrs[(rnd.IntN(len(csrs)-1)+1+indexOf(csrs, csr))%len(csrs)]
				moved := accepted.Add(minutes(3, 10))
				must(st.Tx(ctx, func(w store.Writer) error {
					if err := w.SetQueueRequestTransferred(ctx, id, moved); err != nil {
						return err
					}
					return w.AddQueueRequest(ctx, store.QueueRequest{ID: id + "t", OfferedTo: other.ID, Name: name, Email: email,
						SessionID: sid, ParticipantID: sid + "-cust", RequestedAt: moved, TransferredFrom: id, TransferredBy: csr.ID,
						Message: "Please look at the router settings."})
				}))
				must(st.ClaimQueueRequest(ctx, id+"t", other.ID, moved.Add(minutes(1, 3)), sid, sid+"-cust"))
				must(st.AddParticipant(ctx, store.Participant{ID: sid + "-csr2", SessionID: sid, UserID: other.ID, Name: other.Name,
					Role: store.RoleHost, JoinedAt: moved.Add(time.Minute)}))
				end = end.Add(minutes(5, 15))
			}
			must(st.SetNotes(ctx, sid, "Reinstalled the PDF viewer; the invoice opens."))
			must(st.SetParticipantLeft(ctx, sid+"-cust", end))
			must(st.SetParticipantLeft(ctx, sid+"-host", end))
			must(st.EndSession(ctx, sid, end, "ended by the CSR"))
		}
		// Sessions the CSRs started themselves, by phone.
		for i := 0; i < rnd.IntN(3); i++ {
			n++
			csr := csrs[rnd.IntN(len(csrs))]
			start := day.Add(9*time.Hour + minutes(0, 8*60))
			sid := fmt.Sprintf("ses%03d", n)
			must(st.CreateSession(ctx, store.Session{ID: sid, Number: fmt.Sprintf("%09d", 500000000+n), OwnerUserID: csr.ID, CreatedAt: start},
				store.Participant{ID: sid + "-host", UserID: csr.ID, Name: csr.Name, JoinedAt: start}))
			name := names[rnd.IntN(len(names))]
			joined := start.Add(minutes(1, 4))
			must(st.AddParticipant(ctx, store.Participant{ID: sid + "-cust", SessionID: sid, Name: name,
				Email: strings.ToLower(strings.Fields(name)[0]) + "@example.org", Role: store.RolePrimary, JoinedAt: joined}))
			end := joined.Add(minutes(5, 30))
			must(st.SetParticipantLeft(ctx, sid+"-cust", end))
			must(st.EndSession(ctx, sid, end, "ended by the CSR"))
		}
	}
}

func indexOf(us []store.User, u store.User) int {
	for i, x := range us {
		if x.ID == u.ID {
			return i
		}
	}
	return 0
}

// fullScreenshot is the whole page, however long, at the viewport's width.
func (b *browser) fullScreenshot() []byte {
	b.t.Helper()
	var m struct {
		CSSContentSize struct{ Width, Height float64 } `json:"cssContentSize"`
	}
	b.call(b.session, "Page.getLayoutMetrics", nil, &m)
	var res struct{ Data string }
	b.call(b.session, "Page.captureScreenshot", map[string]any{"format": "png", "captureBeyondViewport": true,
		"clip": map[string]any{"x": 0, "y": 0, "width": reportViewportWidth, "height": m.CSSContentSize.Height, "scale": 1}}, &res)
	data, err := base64.StdEncoding.DecodeString(res.Data)
	if err != nil {
		b.t.Fatal(err)
	}
	return data
}

// checkScreenshot checks that a report page's picture is one: the
// viewport's width, not blank.
func checkScreenshot(t *testing.T, name string, data []byte) {
	t.Helper()
	img, err := png.Decode(bytes.NewReader(data))
	if err != nil {
		t.Fatalf("%s: %v", name, err)
	}
	if w := img.Bounds().Dx(); w != reportViewportWidth {
		t.Errorf("%s is %d pixels wide, want the viewport's %d", name, w, reportViewportWidth)
	}
	ink := 0
	for y := 0; y < img.Bounds().Dy(); y += 4 {
		for x := 0; x < img.Bounds().Dx(); x += 4 {
			if r, g, bl, _ := img.At(x, y).RGBA(); r < 0xc000 || g < 0xc000 || bl < 0xc000 {
				ink++
			}
		}
	}
	if ink < 500 {
		t.Errorf("%s is nearly blank (%d dark samples)", name, ink)
	}
}

const reportViewportWidth = 1280

// screenshots is a test's camera: each picture is checked, and kept in the
// folder the environment variable env names, when it names one (to
// refresh docs/screenshots).
func screenshots(t *testing.T, env string) func(name string, png []byte) {
	dir := os.Getenv(env)
	return func(name string, png []byte) {
		t.Helper()
		checkScreenshot(t, name, png)
		if dir != "" {
			if err := os.WriteFile(filepath.Join(dir, name), png, 0o644); err != nil {
				t.Fatal(err)
			}
		}
	}
}

// at fails the test unless the browser shows the page at path; when says
// after what.
func (b *browser) at(path, when string) {
	b.t.Helper()
	if got := b.text("location.pathname"); got != path {
		b.t.Fatalf("%s: at %s, want %s\n%s", when, got, path, b.text("document.body.innerText"))
	}
}

func (b *browser) number(expr string) float64 {
	b.t.Helper()
	var f float64
	if err := json.Unmarshal(b.eval(expr), &f); err != nil {
		b.t.Fatalf("%s is not a number: %v", expr, err)
	}
	return f
}

// TestReportPages logs a manager in to the report pages in Chromium and
// goes through every report, as a person would: the pages work without
// script, their charts are drawn, and sorting and the links work.
func TestReportPages(t *testing.T) {
	chromiumPath(t)
	ts := rendezvoustest.New(t, rendezvoustest.Options{})
	var csrs []store.User
	for _, name := range []string{"Carol Jones", "Dave Miller", "Erin Walsh", "Frank Osei"} {
		email := strings.ToLower(strings.Fields(name)[0]) + "@example.com"
		csrs = append(csrs, ts.AddUser(t, email, name, store.RoleCSR, "report e2e password"))
	}
	ts.AddUser(t, "mona@example.com", "Mona Larsen", store.RoleManager, "report e2e password")
	seedSupport(t, ts.Store, csrs)

	b := startBrowser(t, reportViewportWidth, 900, t.TempDir())
	shot := screenshots(t, "LIFELINE_REPORT_SCREENSHOTS")

	// Any report page asks to log in first, and comes back after.
	b.navigate(ts.URL + "/reports/call-volume")
	b.at("/reports/login", "a report page, not logged in")
	b.typeInto("#email", "mona@example.com")
	b.typeInto("#password", "report e2e password")
	shot("reports-login.png", b.screenshot())
	b.clickAndLoad("button[type=submit]")
	b.at("/reports/call-volume", "after logging in")

	// Call Volume of the two weeks: a bar per day with requests, stacked.
	today := time.Now().UTC()
	twoWeeks := "?from=" + today.AddDate(0, 0, -14).Format("2006-01-02") + "&to=" + today.AddDate(0, 0, -1).Format("2006-01-02")
	b.navigate(ts.URL + "/reports/call-volume" + twoWeeks)
	bars := b.number(`document.querySelectorAll("svg.chart rect.bar[fill='#2f6fb5']").length`)
	days := b.number(`[...document.querySelectorAll("table")[0].querySelectorAll("tbody tr:not(.total)")].length`)
	if bars == 0 || bars != days || b.text(`document.querySelector("svg.chart title").textContent`) == "" {
		t.Errorf("the Call Volume chart has %v successful bars for %v days with requests", bars, days)
	}
	shot("reports-call-volume.png", b.fullScreenshot())

	// CSR Activity: two charts, a bar per CSR.
	b.navigate(ts.URL + "/reports/csr-activity" + twoWeeks)
	if n := b.number(`document.querySelectorAll("svg.chart").length`); n != 2 {
		t.Errorf("CSR Activity has %v charts", n)
	}
	if rows := b.number(`document.querySelectorAll("tbody tr").length`); rows != 4 {
		t.Errorf("CSR Activity has %v CSRs, want 4", rows)
	}
	shot("reports-csr-activity.png", b.fullScreenshot())

	b.navigate(ts.URL + "/reports/url-referral" + twoWeeks)
	if !strings.Contains(b.text("document.body.innerText"), "https://shop.example.com/help") {
		t.Error("URL Referral lacks the shop's help page")
	}
	shot("reports-url-referral.png", b.fullScreenshot())

	// The Query tool: by the wait, longest first, with the heading's link.
	b.navigate(ts.URL + "/reports/sessions")
	b.clickAndLoad(`th a[href*="sort=wait"]`)
	if h := b.text(`document.querySelector("th a.sorted").textContent`); h != "Wait ▼" {
		t.Errorf("sorted by %q", h)
	}
	waits := b.text(`[...document.querySelectorAll("tbody tr td:nth-child(3)")].slice(0, 2).map(td => td.textContent).join("|")`)
	b.clickAndLoad(`th a.sorted`)
	if h := b.text(`document.querySelector("th a.sorted").textContent`); h != "Wait ▲" {
		t.Errorf("sorted again by %q", h)
	}
	// Searching for a customer, through the form.
	b.typeInto(`input[name=q]`, "rosa")
	b.clickAndLoad(`form.filters button[type=submit]`)
	found := b.text(`[...document.querySelectorAll("tbody tr td:nth-child(9)")].map(td => td.textContent).join("|")`)
	if found == "" || strings.Trim(strings.ReplaceAll(found, "Rosa Marin", ""), "|") != "" {
		t.Errorf("searching rosa found %q", found)
	}
	b.navigate(ts.URL + "/reports/sessions?sort=wait&dir=desc")
	shot("reports-query.png", b.screenshot())
	if got := b.text(`[...document.querySelectorAll("tbody tr td:nth-child(3)")].slice(0, 2).map(td => td.textContent).join("|")`); got != waits {
		t.Errorf("the longest waits: %q, then %q", waits, got)
	}

	// Session Details, from the list.
	b.clickAndLoad(`tbody tr:first-child td:first-child a`)
	if !strings.HasPrefix(b.text("document.querySelector('h1').textContent"), "Session Details — 5") ||
		!strings.Contains(b.text("document.body.innerText"), "Could you please allow me to view your screen?") {
		t.Errorf("Session Details:\n%s", b.text("document.body.innerText"))
	}
	shot("reports-session-details.png", b.fullScreenshot())

	// More than three months: a sentence, and no report.
	b.navigate(ts.URL + "/reports/call-volume?from=2026-01-01&to=2026-04-15")
	if msg := b.text(`document.querySelector(".err").textContent`); msg !=
		"A report covers at most three months: from 2026-01-01 it can go up to 2026-03-31, not 2026-04-15. Choose a shorter date range." {
		t.Errorf("a range of too long: %q", msg)
	}
	if n := b.number(`document.querySelectorAll("svg.chart").length`); n != 0 {
		t.Errorf("a refused range drew %v charts", n)
	}

	// Logging out, with the header's button.
	b.clickAndLoad(`header form button`)
	b.at("/reports/login", "after logging out")
	b.navigate(ts.URL + "/reports/sessions")
	b.at("/reports/login", "a report page after logging out")
}
