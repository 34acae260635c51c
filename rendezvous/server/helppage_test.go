package server_test

import (
	"io"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"

	"lifeline/rendezvous/store"
	"lifeline/shared/client"
	"lifeline/shared/rendezvoustest"
)

// page is one answer of the help link.
type page struct {
	status int
	header http.Header
	body   string
}

func helpGet(t *testing.T, ts *rendezvoustest.Server, path, referer string) page {
	t.Helper()
	req, err := http.NewRequestWithContext(ctxT(t), "GET", ts.URL+path, nil)
	must(t, err)
	if referer != "" {
		req.Header.Set("Referer", referer)
	}
	return helpDo(t, ts, req)
}

func helpPost(t *testing.T, ts *rendezvoustest.Server, path string, form url.Values) page {
	t.Helper()
	req, err := http.NewRequestWithContext(ctxT(t), "POST", ts.URL+path, strings.NewReader(form.Encode()))
	must(t, err)
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	// The browser's Referer on the post is the form itself, which is not
	// the page the customer came from.
	req.Header.Set("Referer", ts.URL+path)
	return helpDo(t, ts, req)
}

func helpDo(t *testing.T, ts *rendezvoustest.Server, req *http.Request) page {
	t.Helper()
	resp, err := ts.Client().HTTP.Do(req)
	must(t, err)
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	must(t, err)
	return page{status: resp.StatusCode, header: resp.Header, body: string(b)}
}

func (p page) has(t *testing.T, parts ...string) {
	t.Helper()
	for _, s := range parts {
		if !strings.Contains(p.body, s) {
			t.Errorf("the page (%d) lacks %q:\n%s", p.status, s, p.body)
		}
	}
}

var hiddenReferrer = regexp.MustCompile(`name="referrer" value="([^"]*)"`)

func TestHelpPage(t *testing.T) {
	ts := rendezvoustest.New(t, rendezvoustest.Options{})
	ts.AddQueue(t, "billing", "Billing & invoices")

	t.Run("the form", func(t *testing.T) {
		p := helpGet(t, ts, "/help/Billing", "https://shop.example.com/printers/x200?tab=help")
		if p.status != 200 || !strings.HasPrefix(p.header.Get("Content-Type"), "text/html") ||
			!strings.Contains(p.header.Get("Content-Security-Policy"), "default-src 'none'") || p.header.Get("Cache-Control") != "no-store" {
			t.Fatalf("GET /help/billing: %d %v", p.status, p.header)
		}
		p.has(t, "Get help: Billing &amp; invoices", `action="/help/billing"`, `name="name"`, `name="email"`, `name="problem"`, `maxlength="500"`)
		if strings.Contains(strings.ToLower(p.body), "<script") {
			t.Error("the page has a script")
		}
		if m := hiddenReferrer.FindStringSubmatch(p.body); m == nil || m[1] != "https://shop.example.com/printers/x200?tab=help" {
			t.Errorf("hidden referrer = %q", m)
		}
	})
	t.Run("the page a link names", func(t *testing.T) {
		p := helpGet(t, ts, "/help/billing?ref="+url.QueryEscape("https://shop.example.com/faq"), "https://shop.example.com/")
		if m := hiddenReferrer.FindStringSubmatch(p.body); m == nil || m[1] != "https://shop.example.com/faq" {
			t.Errorf("hidden referrer = %q", m)
		}
	})
	t.Run("a referrer that is no web page is dropped", func(t *testing.T) {
		p := helpGet(t, ts, "/help/billing", "javascript:alert(1)")
		if m := hiddenReferrer.FindStringSubmatch(p.body); m == nil || m[1] != "" {
			t.Errorf("hidden referrer = %q", m)
		}
	})
	t.Run("an unknown queue", func(t *testing.T) {
		p := helpGet(t, ts, "/help/sales", "")
		if p.status != 404 {
			t.Fatalf("status %d", p.status)
		}
		p.has(t, "There is no support queue at this address.")
	})

	t.Run("a field to correct", func(t *testing.T) {
		p := helpPost(t, ts, "/help/billing", url.Values{"name": {"<b>Paula</b>"}, "email": {"paula"}, "problem": {"Printer & scanner"},
			"referrer": {"https://shop.example.com/printers"}})
		if p.status != 400 {
			t.Fatalf("status %d", p.status)
		}
		p.has(t, "Please enter your email address, like name@example.com", `value="&lt;b&gt;Paula&lt;/b&gt;"`, "Printer &amp; scanner",
			`value="https://shop.example.com/printers"`)
		if strings.Contains(p.body, "<b>Paula") {
			t.Error("the name was not escaped")
		}
		if w, _ := ts.Store.WaitingRequests(ctxT(t), store.WaitingFilter{}); len(w) != 0 {
			t.Errorf("a refused form was stored: %+v", w)
		}
	})

	var tk string
	t.Run("in line", func(t *testing.T) {
		p := helpPost(t, ts, "/help/billing", url.Values{"name": {"Paula"}, "email": {"paula@example.com"},
			"problem": {"The printer\r\nis offline."}, "referrer": {"https://shop.example.com/printers"}})
		if p.status != 200 || p.header.Get("Cache-Control") != "no-store" {
			t.Fatalf("status %d, %v", p.status, p.header)
		}
		p.has(t, "Thank you, Paula.", "Billing &amp; invoices", `<p class="num">1</p>`, "We cannot estimate the wait yet.",
			"lifeline-agent --server "+ts.URL+" --queue-ticket qrq_", "Start it within 15 minutes")
		m := regexp.MustCompile(`--queue-ticket (qrq_[a-z0-9]+\.llp_[A-Za-z0-9_-]+)`).FindStringSubmatch(p.body)
		if m == nil {
			t.Fatal("no ticket on the page")
		}
		tk = m[1]
		id, token, err := client.ParseQueueTicket(tk)
		must(t, err)
		// The agent takes the place with the ticket.
		st, err := ts.Client().WithToken(token).QueueStatus(ctxT(t), id)
		if err != nil || st.State != client.QueueWaiting || st.Position != 1 {
			t.Fatalf("the ticket's status = %+v, %v", st, err)
		}
		r := requestState(t, ts, id)
		if r.Name != "Paula" || r.Email != "paula@example.com" || r.Problem != "The printer\nis offline." ||
			r.Referrer != "https://shop.example.com/printers" || r.QueueName != "billing" {
			t.Errorf("the stored request = %+v", r)
		}
	})

	t.Run("leaving the line", func(t *testing.T) {
		p := helpPost(t, ts, "/help/billing/leave", url.Values{"ticket": {strings.Replace(tk, "llp_", "llp_x", 1)}})
		if p.status != 404 {
			t.Fatalf("a wrong ticket: %d", p.status)
		}
		p = helpPost(t, ts, "/help/billing/leave", url.Values{"ticket": {tk}})
		if p.status != 200 {
			t.Fatalf("leave: %d", p.status)
		}
		p.has(t, "You have left the line.")
		id, _, _ := client.ParseQueueTicket(tk)
		if r := requestState(t, ts, id); r.State != store.RequestAbandoned {
			t.Errorf("after leaving: %s", r.State)
		}
	})
}
