package server_test

import (
	"context"
	"html"
	"net/http"
	"net/url"
	"reflect"
	"strings"
	"testing"
	"time"

	"lifeline/rendezvous/settings"
	"lifeline/rendezvous/store"
	"lifeline/shared/rendezvoustest"
)

// adminSite is a server with an admin (Adam), a manager (Mona) and two
// CSRs (Carol, Dave), and a browser logged in to the admin pages for each
// of the first three; Carol's API client sees what a console would.
type adminSite struct {
	ts    *rendezvoustest.Server
	st    store.Store
	adam  *adminBrowser
	mona  *adminBrowser
	carol *adminBrowser
}

const adminPassword = "admin test password"

// adminBrowser is a browser logged in to the admin pages, with the token
// of their forms.
type adminBrowser struct {
	*browser
	csrf string
}

func newAdminSite(t *testing.T) *adminSite {
	t.Helper()
	ts := rendezvoustest.New(t, rendezvoustest.Options{})
	for _, u := range []struct{ name, role string }{
		{"Adam", store.RoleAdmin}, {"Mona", store.RoleManager}, {"Carol", store.RoleCSR}, {"Dave", store.RoleCSR},
	} {
		ts.AddUser(t, strings.ToLower(u.name)+"@example.com", u.name, u.role, adminPassword)
	}
	as := &adminSite{ts: ts, st: ts.Store}
	as.adam, as.mona, as.carol = as.login(t, "adam@example.com"), as.login(t, "mona@example.com"), as.login(t, "carol@example.com")
	return as
}

// login logs in through the admin pages' form, as a person would, and
// keeps the token of the forms of the page it lands on.
func (as *adminSite) login(t *testing.T, email string) *adminBrowser {
	t.Helper()
	b := newBrowser(t, as.ts)
	b.loginThrough("/admin", email, adminPassword, "/admin/phrases")
	_, page := b.do("GET", "/admin/phrases", nil)
	m := hiddenCSRF.FindStringSubmatch(page)
	if m == nil {
		t.Fatalf("no form token on the page after logging in as %s:\n%s", email, page)
	}
	return &adminBrowser{browser: b, csrf: m[1]}
}

// post sends a form with the page's token, as the page's own form would.
func (b *adminBrowser) post(path string, form url.Values) (*http.Response, string) {
	b.t.Helper()
	f := url.Values{"csrf": {b.csrf}}
	for k, v := range form {
		f[k] = v
	}
	return b.do("POST", path, f)
}

// changed posts a form that must change something: it answers with a
// redirect to to, whose page has notice.
func (b *adminBrowser) changed(path string, form url.Values, to, notice string) {
	b.t.Helper()
	resp, page := b.post(path, form)
	if resp.StatusCode != http.StatusSeeOther || resp.Header.Get("Location") != to {
		b.t.Fatalf("POST %s %v: %d %s, want a redirect to %s\n%s", path, form, resp.StatusCode, resp.Header.Get("Location"), to, page)
	}
	resp, page = b.do("GET", to, nil)
	if resp.StatusCode != http.StatusOK || !strings.Contains(html.UnescapeString(page), notice) {
		b.t.Errorf("after POST %s: %d, the page lacks the notice %q\n%s", path, resp.StatusCode, notice, page)
	}
	// The notice is shown once, not on the next visit.
	if _, again := b.do("GET", to, nil); strings.Contains(html.UnescapeString(again), notice) {
		b.t.Errorf("after POST %s: the notice %q is shown again", path, notice)
	}
}

// refused posts a form that must be refused with status, the page saying
// each of says.
func (b *adminBrowser) refused(path string, form url.Values, status int, says ...string) string {
	b.t.Helper()
	resp, page := b.post(path, form)
	if resp.StatusCode != status {
		b.t.Fatalf("POST %s %v: %d, want %d\n%s", path, form, resp.StatusCode, status, page)
	}
	text := html.UnescapeString(page)
	for _, s := range says {
		if !strings.Contains(text, s) {
			b.t.Errorf("POST %s %v: the page lacks %q\n%s", path, form, s, page)
		}
	}
	return page
}

func TestAdminLogin(t *testing.T) {
	as := newAdminSite(t)
	b := newBrowser(t, as.ts)

	// Not logged in: a page sends the browser to log in, and back.
	b.redirected("GET", "/admin/queues?x=1", nil, "/admin/login?next=%2Fadmin%2Fqueues%3Fx%3D1")
	resp, page := b.do("GET", "/admin/login?next=%2Fadmin%2Fqueues%3Fx%3D1", nil)
	m := hiddenCSRF.FindStringSubmatch(page)
	if resp.StatusCode != http.StatusOK || m == nil || !strings.Contains(page, "<h1>Lifeline administration</h1>") ||
		!strings.Contains(page, `action="/admin/login"`) || resp.Header.Get("Content-Security-Policy") == "" {
		t.Fatalf("the admin login page: %d\n%s", resp.StatusCode, page)
	}
	resp = b.redirected("POST", "/admin/login", url.Values{"csrf": {m[1]}, "email": {"adam@example.com"}, "password": {adminPassword},
		"next": {"/admin/queues?x=1"}}, "/admin/queues?x=1")
	// One login, two areas: a cookie each, for its own pages alone, with
	// the same token.
	cookies := map[string]*http.Cookie{}
	for _, c := range resp.Cookies() {
		cookies[c.Name] = c
	}
	ad, rep := cookies["lifeline_admin"], cookies["lifeline_reports"]
	if ad == nil || rep == nil || ad.Path != "/admin" || rep.Path != "/reports" || ad.Value != rep.Value ||
		!ad.HttpOnly || !ad.Secure || ad.SameSite != http.SameSiteStrictMode || ad.MaxAge != 12*3600 {
		t.Fatalf("login cookies: %+v", cookies)
	}
	for path, has := range map[string]string{
		"/admin/queues":     "Lifeline administration",
		"/reports/sessions": `<a href="/admin/settings">Administration</a>`,
	} {
		if resp, page := b.do("GET", path, nil); resp.StatusCode != http.StatusOK || !strings.Contains(page, has) {
			t.Errorf("%s after logging in on the admin pages: %d, has %q: %v", path, resp.StatusCode, has, strings.Contains(page, has))
		}
	}
	// A page of another site is no place to go next.
	if resp, _ := b.do("GET", "/admin/login?next=https://evil.example/", nil); resp.Header.Get("Location") != "/admin/settings" {
		t.Errorf("logged in, the login page with another site next: %s", resp.Header.Get("Location"))
	}

	// Managers and CSRs log in, and are told the pages are not theirs.
	for _, tc := range []struct {
		b    *adminBrowser
		says string
	}{
		{as.mona, "These pages are for administrators, and your account is a manager account"},
		{as.carol, "These pages are for administrators, and your account is a CSR account"},
	} {
		for _, path := range []string{"/admin/settings", "/admin/phrases", "/admin/session-types", "/admin/queues", "/admin/queues/billing"} {
			resp, page := tc.b.do("GET", path, nil)
			if resp.StatusCode != http.StatusForbidden || !strings.Contains(html.UnescapeString(page), tc.says) ||
				strings.Contains(page, `href="/admin/phrases"`) {
				t.Errorf("%s as %s: %d\n%s", path, tc.says, resp.StatusCode, page)
			}
		}
	}

	// Logging out of the admin pages logs out of the reports too.
	_, page = b.do("GET", "/admin/queues", nil)
	m = hiddenCSRF.FindStringSubmatch(page)
	b.redirected("POST", "/admin/logout", url.Values{"csrf": {m[1]}}, "/admin/login")
	for _, path := range []string{"/admin/queues", "/reports/sessions"} {
		if resp, _ := b.do("GET", path, nil); resp.StatusCode != http.StatusSeeOther {
			t.Errorf("%s after logging out: %d", path, resp.StatusCode)
		}
	}
}

// Every form of the admin pages is refused, and changes nothing, without
// an admin's login and the page's token.
func TestAdminFormsGuarded(t *testing.T) {
	as := newAdminSite(t)
	ctx := context.Background()
	as.ts.AddQueue(t, "billing", "Billing", "carol@example.com")
	site, err := as.st.AddQuickPhrase(ctx, "One moment, please.")
	must(t, err)
	sitePhrases, err := as.st.QuickPhrases(ctx)
	must(t, err)
	own, err := as.st.AddQueuePhrase(ctx, "billing", "Have your invoice number ready.")
	must(t, err)
	_, err = as.st.AddSessionType(ctx, "Hardware")
	must(t, err)

	// An old page: the token of an earlier login of Adam's.
	old := as.login(t, "adam@example.com")
	_, page := old.do("GET", "/admin/settings", nil)
	m := hiddenCSRF.FindStringSubmatch(page)
	resp, _ := old.do("POST", "/admin/logout", url.Values{"csrf": {m[1]}})
	if resp.StatusCode != http.StatusSeeOther {
		t.Fatalf("logout: %d", resp.StatusCode)
	}
	oldToken := old.csrf
	again := as.login(t, "adam@example.com")
	if again.csrf == oldToken {
		t.Fatal("a new login has the old login's form token")
	}
	bare := newBrowser(t, as.ts)

	forms := []struct {
		path string
		form url.Values
	}{
		{"/admin/settings", url.Values{"scripts": {"off"}, "max_customers": {"2"}}},
		{"/admin/phrases", url.Values{"text": {"Forged phrase."}}},
		{"/admin/phrases/" + site.ID + "/remove", nil},
		{"/admin/session-types", url.Values{"name": {"Forged"}}},
		{"/admin/session-types/remove", url.Values{"name": {"Hardware"}}},
		{"/admin/queues", url.Values{"name": {"forged"}}},
		{"/admin/queues/billing/remove", nil},
		{"/admin/queues/billing/settings", url.Values{"scripts": {"off"}}},
		{"/admin/queues/billing/members", url.Values{"email": {"dave@example.com"}}},
		{"/admin/queues/billing/members/remove", url.Values{"email": {"carol@example.com"}}},
		{"/admin/queues/billing/phrases", url.Values{"text": {"Forged phrase."}}},
		{"/admin/queues/billing/phrases/" + own.ID + "/remove", nil},
	}
	for _, f := range forms {
		for _, tc := range []struct {
			who      string
			b        *browser
			token    string
			status   int
			location string
			says     string
		}{
			{"not logged in", bare, again.csrf, http.StatusSeeOther, "/admin/login?next=" + url.QueryEscape(pageOf(f.path)), ""},
			{"a manager", as.mona.browser, as.mona.csrf, http.StatusForbidden, "", "your account is a manager account"},
			{"a CSR", as.carol.browser, as.carol.csrf, http.StatusForbidden, "", "your account is a CSR account"},
			{"no token", again.browser, "", http.StatusForbidden, "", "This form is from an old page (or was sent by another site), so nothing was changed."},
			{"an old page's token", again.browser, oldToken, http.StatusForbidden, "", "This form is from an old page"},
			{"another's token", again.browser, as.mona.csrf, http.StatusForbidden, "", "This form is from an old page"},
		} {
			form := url.Values{}
			for k, v := range f.form {
				form[k] = v
			}
			if tc.token != "" {
				form.Set("csrf", tc.token)
			}
			resp, page := tc.b.do("POST", f.path, form)
			if resp.StatusCode != tc.status || resp.Header.Get("Location") != tc.location ||
				!strings.Contains(html.UnescapeString(page), tc.says) {
				t.Errorf("POST %s by %s: %d %q, want %d %q and %q\n%s", f.path, tc.who, resp.StatusCode, resp.Header.Get("Location"),
					tc.status, tc.location, tc.says, page)
			}
		}
	}

	// Nothing changed.
	if s, _ := as.st.SiteSettings(ctx); !reflect.DeepEqual(s, settings.Defaults()) {
		t.Errorf("site settings changed: %+v", s)
	}
	if ps, _ := as.st.QuickPhrases(ctx); !reflect.DeepEqual(ps, sitePhrases) {
		t.Errorf("site phrases changed: %+v", ps)
	}
	if types, _ := as.st.SessionTypes(ctx); !reflect.DeepEqual(types, []string{"Hardware"}) {
		t.Errorf("session types changed: %v", types)
	}
	if qs, _ := as.st.Queues(ctx); len(qs) != 1 || qs[0].Name != "billing" || qs[0].Members != 1 {
		t.Errorf("queues changed: %+v", qs)
	}
	if own, _ := as.st.QueueSettings(ctx, "billing"); len(own) != 0 {
		t.Errorf("queue settings changed: %v", own)
	}
	if ps, _ := as.st.QueuePhrases(ctx, "billing"); len(ps) != 1 || ps[0].ID != own.ID {
		t.Errorf("queue phrases changed: %+v", ps)
	}
}

// pageOf is the page a form of the admin pages belongs to.
func pageOf(path string) string {
	parts := strings.Split(strings.Trim(path, "/"), "/")
	if len(parts) > 2 && parts[1] == "queues" {
		return "/" + strings.Join(parts[:3], "/")
	}
	return "/" + strings.Join(parts[:2], "/")
}

func TestAdminSiteSettings(t *testing.T) {
	as := newAdminSite(t)
	ctx := context.Background()
	carol := as.ts.Client()
	if _, err := carol.Login(ctx, "carol@example.com", adminPassword); err != nil {
		t.Fatal(err)
	}

	// The form: every setting, its help, a list or a number with its range.
	_, page := as.adam.do("GET", "/admin/settings", nil)
	for _, k := range settings.Keys() {
		if !strings.Contains(page, `name="`+k.Name+`"`) || !strings.Contains(html.UnescapeString(page), k.Help[1:]+".") { // capitalised, a sentence
			t.Errorf("the form lacks %s or its help", k.Name)
		}
	}
	for _, want := range []string{
		`<select id="f-scripts" name="scripts"><option value="on" selected>On</option><option value="off">Off</option></select>`,
		`<input type="number" id="f-max_customers" name="max_customers" value="4" min="1" max="20" required>`,
		`<option value="16bit">High color (16-bit)</option>`,
		`<label for="f-max_customers">Maximum number of customers</label>`,
	} {
		if !strings.Contains(page, want) {
			t.Errorf("the settings form lacks %s", want)
		}
	}

	// Saving: what changed is saved and said; the next request sees it.
	as.adam.changed("/admin/settings", url.Values{"scripts": {"off"}, "max_customers": {" 6"}, "session_mode": {"multi"}, "default_colors": {"256"}},
		"/admin/settings", "Saved — Maximum number of customers: 6, Default colours: 256 colours, Scripts: Off.")
	site, err := as.st.SiteSettings(ctx)
	must(t, err)
	if site.Features.Scripts || site.MaxCustomers != 6 || site.DefaultColors != settings.Colors256 || site.SessionMode != settings.ModeMulti {
		t.Errorf("saved settings: %+v", site)
	}
	got, err := carol.Settings(ctx)
	must(t, err)
	if got.Features.Scripts || got.MaxCustomers != 6 {
		t.Errorf("a CSR's next request after saving: %+v", got)
	}
	as.adam.changed("/admin/settings", url.Values{"scripts": {"off"}}, "/admin/settings", "Saved; nothing was changed.")

	// Refusals: each next to its field with the settings package's
	// sentence, what was typed kept; the others are saved.
	page = as.adam.refused("/admin/settings", url.Values{"max_customers": {"30"}, "scripts": {"sometimes"}, "reboot": {"off"}, "retention_days": {"0"}},
		http.StatusBadRequest,
		"3 values were refused and are not saved: see below.",
		"Saved the others — Reboot: Off.",
		`The maximum number of customers must be a whole number from 1 to 20, not "30".`,
		`Scripts must be on or off, not "sometimes".`,
		`The report retention must be a whole number from 1 to 3650, not "0".`)
	for _, want := range []string{`name="max_customers" value="30"`, `<div class="field invalid">` + "\n" + `<label for="f-max_customers">`} {
		if !strings.Contains(page, want) {
			t.Errorf("the refused form lacks %s", want)
		}
	}
	site, err = as.st.SiteSettings(ctx)
	must(t, err)
	if site.Features.Reboot || site.MaxCustomers != 6 || site.Features.Scripts || site.RetentionDays != settings.DefaultRetentionDays {
		t.Errorf("after a form with refusals: %+v", site)
	}
}

func TestAdminPhrasesAndTypes(t *testing.T) {
	as := newAdminSite(t)
	ctx := context.Background()
	before, err := as.st.QuickPhrases(ctx) // the defaults of a new site
	must(t, err)

	as.adam.changed("/admin/phrases", url.Values{"text": {"  One moment, please. "}}, "/admin/phrases", "Added a quick phrase: “One moment, please.”")
	as.adam.refused("/admin/phrases", url.Values{"text": {" "}}, http.StatusBadRequest, "A quick phrase cannot be empty.")
	long := strings.Repeat("x", 501)
	if page := as.adam.refused("/admin/phrases", url.Values{"text": {long}}, http.StatusBadRequest,
		"A quick phrase can be at most 500 characters long."); !strings.Contains(page, `value="`+long+`"`) {
		t.Error("a refused phrase is not kept in its field")
	}
	phrases, err := as.st.QuickPhrases(ctx)
	must(t, err)
	if len(phrases) != len(before)+1 || phrases[len(before)].Text != "One moment, please." {
		t.Fatalf("phrases: %+v", phrases)
	}
	added := phrases[len(before)]
	_, page := as.adam.do("GET", "/admin/phrases", nil)
	if !strings.Contains(page, `action="/admin/phrases/`+added.ID+`/remove"`) {
		t.Errorf("the phrase has no remove button:\n%s", page)
	}
	as.adam.changed("/admin/phrases/"+added.ID+"/remove", nil, "/admin/phrases", "Removed a quick phrase: “One moment, please.”")
	as.adam.refused("/admin/phrases/"+added.ID+"/remove", nil, http.StatusNotFound, "That quick phrase is not on the list any more")
	if phrases, _ := as.st.QuickPhrases(ctx); !reflect.DeepEqual(phrases, before) {
		t.Errorf("after removing: %+v", phrases)
	}

	as.adam.changed("/admin/session-types", url.Values{"name": {"Hardware"}}, "/admin/session-types", "Added the session type “Hardware”.")
	as.adam.changed("/admin/session-types", url.Values{"name": {"Billing"}}, "/admin/session-types", "Added the session type “Billing”.")
	as.adam.refused("/admin/session-types", url.Values{"name": {"hardware"}}, http.StatusConflict, "There is already a session type named “hardware”.")
	as.adam.refused("/admin/session-types", url.Values{"name": {""}}, http.StatusBadRequest, "A session type needs a name.")
	as.adam.changed("/admin/session-types/remove", url.Values{"name": {"Hardware"}}, "/admin/session-types", "Removed the session type “Hardware”.")
	as.adam.refused("/admin/session-types/remove", url.Values{"name": {"Hardware"}}, http.StatusNotFound, "There is no session type named “Hardware” any more")
	if types, _ := as.st.SessionTypes(ctx); !reflect.DeepEqual(types, []string{"Billing"}) {
		t.Errorf("session types: %v", types)
	}
}

func TestAdminQueues(t *testing.T) {
	as := newAdminSite(t)
	ctx := context.Background()
	a := as.adam

	// Adding: the queue package's sentences; then the queue's page.
	as.adam.refused("/admin/queues", url.Values{"name": {"Bill ing"}, "display_name": {"Billing"}}, http.StatusBadRequest,
		`A queue's name is part of its help link, so it can have only the letters a to z, digits and hyphens, like billing or tier-2; "bill ing" has ' '.`,
		`value="Bill ing"`)
	a.changed("/admin/queues", url.Values{"name": {"Billing"}, "display_name": {"Billing questions"}}, "/admin/queues/billing",
		"Added the queue Billing questions; its help link is "+as.ts.URL+"/help/billing.")
	a.refused("/admin/queues", url.Values{"name": {"billing"}}, http.StatusConflict, "There is already a queue named billing.")
	a.changed("/admin/queues", url.Values{"name": {"network"}}, "/admin/queues/network", "Added the queue network;")

	// Members, by email.
	a.changed("/admin/queues/billing/members", url.Values{"email": {"Carol@example.com"}}, "/admin/queues/billing",
		"Carol <carol@example.com> now serves Billing questions.")
	a.changed("/admin/queues/billing/members", url.Values{"email": {"dave@example.com"}}, "/admin/queues/billing", "Dave <dave@example.com> now serves")
	a.refused("/admin/queues/billing/members", url.Values{"email": {"carol@example.com"}}, http.StatusBadRequest, "carol@example.com already serves this queue.")
	a.refused("/admin/queues/billing/members", url.Values{"email": {"zed@example.com"}}, http.StatusBadRequest,
		"There is no account with the email address zed@example.com.", `value="zed@example.com"`)
	a.changed("/admin/queues/billing/members/remove", url.Values{"email": {"dave@example.com"}}, "/admin/queues/billing",
		"dave@example.com no longer serves Billing questions.")
	a.refused("/admin/queues/billing/members/remove", url.Values{"email": {"dave@example.com"}}, http.StatusNotFound, "dave@example.com does not serve this queue any more")
	if ms, _ := as.st.QueueMembers(ctx, "billing"); len(ms) != 1 || ms[0].Email != "carol@example.com" {
		t.Errorf("members: %+v", ms)
	}

	// The list: members, waiting customers and the help link.
	_, page := a.do("GET", "/admin/queues", nil)
	for _, want := range []string{
		`<td><a href="/admin/queues/billing">Billing questions</a></td><td><code>billing</code></td><td class="n">1</td><td class="n">0</td>`,
		`<a href="` + as.ts.URL + `/help/billing">`,
		`action="/admin/queues/network/remove"`,
	} {
		if !strings.Contains(page, want) {
			t.Errorf("the queue list lacks %s\n%s", want, page)
		}
	}

	// The queue's own settings: each follows the site until it is set.
	_, page = a.do("GET", "/admin/queues/billing", nil)
	for _, want := range []string{
		`<select id="f-scripts" name="scripts"><option value="site" selected>Site&#39;s (On)</option><option value="on">On</option><option value="off">Off</option></select>`,
		`name="max_customers" value="" placeholder="Site&#39;s (4)"`,
	} {
		if !strings.Contains(page, want) {
			t.Errorf("the queue's settings lack %s", want)
		}
	}
	if strings.Contains(page, `name="retention_days"`) {
		t.Error("a queue's page offers the report retention, which is the site's alone")
	}
	a.changed("/admin/queues/billing/settings", url.Values{"scripts": {"off"}, "max_customers": {"2"}, "session_mode": {"site"}, "reboot": {"site"}},
		"/admin/queues/billing", "Saved for Billing questions — Maximum number of customers: 2, Scripts: Off.")
	own, err := as.st.QueueSettings(ctx, "billing")
	must(t, err)
	if !reflect.DeepEqual(own, map[string]string{"scripts": "off", "max_customers": "2"}) {
		t.Errorf("the queue's own settings: %v", own)
	}
	if eff, err := as.st.QueueSiteSettings(ctx, "billing"); err != nil || eff.Features.Scripts || eff.MaxCustomers != 2 {
		t.Errorf("what applies in the queue: %+v %v", eff, err)
	}
	a.refused("/admin/queues/billing/settings", url.Values{"scripts": {"site"}, "max_customers": {"30"}}, http.StatusBadRequest,
		"One value was refused and is not saved: see below.", "Saved the others — Scripts: the site's (On).",
		`The maximum number of customers must be a whole number from 1 to 20, not "30".`, `name="max_customers" value="30"`)
	if own, _ := as.st.QueueSettings(ctx, "billing"); !reflect.DeepEqual(own, map[string]string{"max_customers": "2"}) {
		t.Errorf("the queue's own settings after a refusal: %v", own)
	}
	a.changed("/admin/queues/billing/settings", url.Values{"max_customers": {""}}, "/admin/queues/billing",
		"Saved for Billing questions — Maximum number of customers: the site's (4).")
	if own, _ := as.st.QueueSettings(ctx, "billing"); len(own) != 0 {
		t.Errorf("the queue's own settings after following the site: %v", own)
	}

	// The queue's own phrases; not the site's, nor another queue's.
	sitePhrase, err := as.st.AddQuickPhrase(ctx, "One moment, please.")
	must(t, err)
	sitePhrases, err := as.st.QuickPhrases(ctx)
	must(t, err)
	otherPhrase, err := as.st.AddQueuePhrase(ctx, "network", "Is the router's light green?")
	must(t, err)
	a.changed("/admin/queues/billing/phrases", url.Values{"text": {"Have your invoice number ready."}}, "/admin/queues/billing",
		"Added a quick phrase for Billing questions: “Have your invoice number ready.”")
	a.refused("/admin/queues/billing/phrases", url.Values{"text": {"two\nlines"}}, http.StatusBadRequest,
		"A quick phrase must be one line of text, without tabs or line breaks.")
	for _, id := range []string{sitePhrase.ID, otherPhrase.ID} {
		a.refused("/admin/queues/billing/phrases/"+id+"/remove", nil, http.StatusNotFound, "That quick phrase is not on this queue's list any more")
	}
	qp, err := as.st.QueuePhrases(ctx, "billing")
	must(t, err)
	if len(qp) != 1 || qp[0].Text != "Have your invoice number ready." {
		t.Fatalf("the queue's phrases: %+v", qp)
	}
	a.changed("/admin/queues/billing/phrases/"+qp[0].ID+"/remove", nil, "/admin/queues/billing",
		"Removed a quick phrase of Billing questions: “Have your invoice number ready.”")
	if ps, _ := as.st.QuickPhrases(ctx); !reflect.DeepEqual(ps, sitePhrases) {
		t.Errorf("the site's phrases after a queue's were removed: %+v", ps)
	}

	// Removing: refused while a customer waits, with the reason.
	must(t, as.st.CreateQueueRequest(ctx, store.QueueRequest{ID: "req1", QueueID: queueID(t, as.st, "billing"), Name: "Quinn",
		Email: "quinn@example.org", TokenHash: []byte("quinn"), RequestedAt: time.Now()}))
	a.refused("/admin/queues/billing/remove", nil, http.StatusConflict,
		"The queue Billing questions has 1 customer waiting, so it was not removed: accept them, or wait until they leave")
	must(t, as.st.AbandonQueueRequest(ctx, "req1", time.Now()))
	a.changed("/admin/queues/billing/remove", nil, "/admin/queues", "Removed the queue Billing questions; its requests stay in the reports.")
	a.refused("/admin/queues/billing/remove", nil, http.StatusNotFound, "There is no queue named billing any more")
	if resp, page := a.do("GET", "/admin/queues/billing", nil); resp.StatusCode != http.StatusNotFound ||
		!strings.Contains(page, "There is no queue named &#34;billing&#34;.") {
		t.Errorf("a removed queue's page: %d\n%s", resp.StatusCode, page)
	}
	if qs, _ := as.st.Queues(ctx); len(qs) != 1 || qs[0].Name != "network" {
		t.Errorf("queues after removing: %+v", qs)
	}
}

func queueID(t *testing.T, st store.Store, name string) string {
	t.Helper()
	q, err := st.QueueByName(context.Background(), name)
	must(t, err)
	return q.ID
}
