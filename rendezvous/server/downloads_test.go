package server_test

import (
	"context"
	"encoding/json"
	"fmt"
	"html"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"lifeline/rendezvous/auth"
	"lifeline/rendezvous/ratelimit"
	"lifeline/rendezvous/server"
	"lifeline/rendezvous/store"
	"lifeline/shared/agentconfig"
)

// User-Agents of the browsers the pages are told apart for.
const (
	uaWindows = "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/126.0.0.0 Safari/537.36"
	uaLinux   = "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/126.0.0.0 Safari/537.36"
	uaFirefox = "Mozilla/5.0 (X11; Ubuntu; Linux x86_64; rv:127.0) Gecko/20100101 Firefox/127.0"
	uaMac     = "Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.5 Safari/605.1.15"
	uaAndroid = "Mozilla/5.0 (Linux; Android 14; Pixel 8) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/126.0.0.0 Mobile Safari/537.36"
)

const testFingerprint = "8F:4E:F3:92:11:22:33:44:55:66:77:88:99:AA:BB:CC:DD:EE:FF:00:11:22:33:44:55:66:77:88:99:7A:78:AE"

// joinSite is a server with its handler called directly (no network), a
// live session, and stand-in agent programs.
type joinSite struct {
	t      *testing.T
	srv    *server.Server
	csr    string // the CSR's login token
	number string // a live session's number
	id     string
	agents string // the agent folder
}

// standIn is what each stand-in "program" holds: the server serves the
// bytes it was installed with, whatever they are.
func standIn(key string) []byte { return []byte("stand-in agent program for " + key + "\x00\x01\x02") }

func newJoinSite(t *testing.T, platforms ...string) *joinSite {
	t.Helper()
	ctx := context.Background()
	st, err := store.Open(ctx, filepath.Join(t.TempDir(), "lifeline.db"))
	must(t, err)
	dir := t.TempDir()
	for _, p := range platforms {
		name := "lifeline-agent-" + p
		if strings.HasPrefix(p, "windows") {
			name += ".exe"
		}
		must(t, os.WriteFile(filepath.Join(dir, name), standIn(p), 0o755))
	}
	srv := &server.Server{
		Store: st, Log: slog.New(slog.NewTextHandler(io.Discard, nil)),
		JoinLimiter: ratelimit.New(3, 10*time.Minute),
		Agents:      server.AgentDownloads{Dir: dir, Fingerprint: testFingerprint},
	}
	must(t, srv.Start(ctx))
	t.Cleanup(func() {
		sctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		_ = srv.Shutdown(sctx)
		_ = st.Close()
	})
	hash, err := auth.HashPassword("carol's password")
	must(t, err)
	must(t, st.CreateUser(ctx, store.User{ID: store.NewID("usr_"), Email: "carol@example.com", Name: "Carol", Role: store.RoleCSR, PasswordHash: hash, CreatedAt: time.Now()}))
	s := &joinSite{t: t, srv: srv, agents: dir}
	var login struct{ Token string }
	s.api("POST", "/api/v1/login", `{"email":"carol@example.com","password":"carol's password"}`, &login)
	s.csr = login.Token
	var created struct{ ID, Number string }
	s.api("POST", "/api/v1/sessions", `{}`, &created)
	s.number, s.id = created.Number, created.ID
	return s
}

func (s *joinSite) api(method, path, body string, out any) {
	s.t.Helper()
	req := httptest.NewRequest(method, "https://support.example.com"+path, strings.NewReader(body))
	if s.csr != "" {
		req.Header.Set("Authorization", "Bearer "+s.csr)
	}
	rec := httptest.NewRecorder()
	s.srv.Handler().ServeHTTP(rec, req)
	if rec.Code/100 != 2 {
		s.t.Fatalf("%s %s = %d %s", method, path, rec.Code, rec.Body)
	}
	must(s.t, json.Unmarshal(rec.Body.Bytes(), out))
}

// do makes a request as a browser at addr would, to the server reached as
// https://support.example.com unless target names another.
func (s *joinSite) do(method, target, ua, addr string, form url.Values, header ...string) *httptest.ResponseRecorder {
	s.t.Helper()
	if !strings.Contains(target, "://") {
		target = "https://support.example.com" + target
	}
	var body io.Reader
	if form != nil {
		body = strings.NewReader(form.Encode())
	}
	req := httptest.NewRequest(method, target, body)
	if form != nil {
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	}
	req.Header.Set("User-Agent", ua)
	for i := 0; i+1 < len(header); i += 2 {
		req.Header.Set(header[i], header[i+1])
	}
	if addr != "" {
		req.RemoteAddr = addr
	}
	rec := httptest.NewRecorder()
	s.srv.Handler().ServeHTTP(rec, req)
	return rec
}

func spacedNumber(n string) string { return n[:3] + " " + n[3:6] + " " + n[6:] }

func TestJoinForm(t *testing.T) {
	s := newJoinSite(t)
	for _, tc := range []struct {
		name, path string
		status     int
		want       []string
		not        []string
	}{
		{"empty form", "/join", 200,
			[]string{`<form method="post" action="/join">`, "Support Session number", `name="number" value=""`, "Your name", "Email address <small>(optional)</small>", `<button type="submit">Join</button>`},
			[]string{`class="error"`}},
		{"the link a CSR sends", "/join/" + s.number, 200,
			[]string{`name="number" value="` + spacedNumber(s.number) + `"`, `name="name" value="" autocomplete="name" maxlength="100" required autofocus`},
			[]string{`class="error"`}},
		{"a number typed with dashes", "/join/" + s.number[:3] + "-" + s.number[3:6] + "-" + s.number[6:], 200,
			[]string{`value="` + spacedNumber(s.number) + `"`}, nil},
		// A page view never checks liveness: it is not a guess, and the
		// link of an ended session looks the same as a live one.
		{"any 9 digits are prefilled", "/join/123456789", 200, []string{`value="123 456 789"`}, []string{`class="error"`}},
		{"not a number", "/join/12345", 404, []string{"A session number has 9 digits", `name="number" value=""`}, nil},
	} {
		t.Run(tc.name, func(t *testing.T) {
			rec := s.do("GET", tc.path, uaWindows, "", nil)
			body := rec.Body.String()
			if rec.Code != tc.status {
				t.Fatalf("status %d, want %d:\n%s", rec.Code, tc.status, body)
			}
			for _, w := range tc.want {
				if !strings.Contains(body, w) {
					t.Errorf("page lacks %q:\n%s", w, body)
				}
			}
			for _, w := range tc.not {
				if strings.Contains(body, w) {
					t.Errorf("page has %q", w)
				}
			}
			if csp := rec.Header().Get("Content-Security-Policy"); !strings.Contains(csp, "default-src 'none'") || strings.Contains(csp, "script-src") {
				t.Errorf("Content-Security-Policy %q allows more than the page needs", csp)
			}
			if strings.Contains(body, "<script") {
				t.Error("the page has a script; it must work without JavaScript")
			}
		})
	}
}

func TestJoinSubmit(t *testing.T) {
	s := newJoinSite(t, "linux-amd64", "windows-amd64")
	ended := newJoinSiteSession(s)
	var ok struct{ OK bool }
	s.api("POST", "/api/v1/sessions/"+ended.id+"/end", `{}`, &ok)
	unknown := "100000000"
	if s.number == unknown {
		unknown = "100000001"
	}
	sentenceUnknown := "There is no support session with this number."
	i := 0
	for _, tc := range []struct {
		name                string
		number, who, email  string
		status              int
		want                []string
		countsAsWrongNumber bool
	}{
		{"right number and name", s.number, "Dana", "", 200,
			[]string{"Join support session <span class=\"num\">" + spacedNumber(s.number), "Hello Dana, your support session is ready.",
				"Open the downloaded file; it joins session <span class=\"num\">" + spacedNumber(s.number) + "</span> as Dana."}, false},
		{"number as people type it, email given", spacedNumber(s.number), " Dana ", "dana@example.com", 200,
			[]string{"as Dana.", "email=dana%40example.com"}, false},
		{"unknown number", unknown, "Dana", "", 404, []string{sentenceUnknown, `value="Dana"`, `value="` + unknown + `"`}, true},
		{"number of an ended session", ended.number, "Dana", "", 404, []string{sentenceUnknown}, true},
		{"8 digits", s.number[:8], "Dana", "", 400, []string{"A session number has 9 digits"}, true},
		{"letters", "abc", "Dana", "", 400, []string{"A session number has 9 digits"}, true},
		{"no name", s.number, "  ", "", 400, []string{"Please enter your name"}, false},
		{"name of 101 characters", s.number, strings.Repeat("n", 101), "", 400, []string{"Please enter your name"}, false},
		{"email without @", s.number, "Dana", "dana", 400, []string{"The email address does not look right."}, false},
		{"name that is markup is shown as text", s.number, `<b>Dana</b>`, "", 200, []string{"Hello &lt;b&gt;Dana&lt;/b&gt;,"}, false},
	} {
		i++
		t.Run(tc.name, func(t *testing.T) {
			// Each case from its own address, so that the limit of 3 wrong
			// numbers is only reached on purpose.
			addr := fmt.Sprintf("198.51.100.%d:4000", i)
			form := url.Values{"number": {tc.number}, "name": {tc.who}, "email": {tc.email}}
			rec := s.do("POST", "/join", uaLinux, addr, form)
			body := rec.Body.String()
			if rec.Code != tc.status {
				t.Fatalf("status %d, want %d:\n%s", rec.Code, tc.status, body)
			}
			for _, w := range tc.want {
				if !strings.Contains(body, w) {
					t.Errorf("page lacks %q:\n%s", w, body)
				}
			}
			if tc.status != 200 && !strings.Contains(body, `<form method="post" action="/join">`) {
				t.Error("a refusal does not show the form again")
			}
			// Two more wrong numbers reach the limit of 3 only if this one
			// counted.
			s.srv.JoinLimiter.Fail(ratelimit.Key(addr))
			s.srv.JoinLimiter.Fail(ratelimit.Key(addr))
			blocked, _ := s.srv.JoinLimiter.Blocked(ratelimit.Key(addr))
			if blocked != tc.countsAsWrongNumber {
				t.Errorf("counted as a wrong number: %v, want %v", blocked, tc.countsAsWrongNumber)
			}
		})
	}
}

// newJoinSiteSession starts another session by the same CSR.
func newJoinSiteSession(s *joinSite) *joinSite {
	var created struct{ ID, Number string }
	s.api("POST", "/api/v1/sessions", `{}`, &created)
	cp := *s
	cp.number, cp.id = created.Number, created.ID
	return &cp
}

func TestJoinRateLimit(t *testing.T) {
	s := newJoinSite(t, "linux-amd64")
	const addr = "203.0.113.7:5000"
	wrong := url.Values{"number": {"999999999"}, "name": {"Mallory"}}
	if s.number == "999999999" {
		wrong.Set("number", "999999998")
	}
	for i := 0; i < 3; i++ {
		if rec := s.do("POST", "/join", uaLinux, addr, wrong); rec.Code != 404 {
			t.Fatalf("wrong number %d: status %d", i+1, rec.Code)
		}
	}
	// The limit counts per network, the web form and the download alike,
	// and then even the right number is refused.
	right := url.Values{"number": {s.number}, "name": {"Dana"}}
	rec := s.do("POST", "/join", uaLinux, addr, right)
	if rec.Code != 429 || !strings.Contains(rec.Body.String(), "Too many wrong session numbers from your network") ||
		!strings.Contains(rec.Body.String(), "try again in 10 minutes.") || rec.Header().Get("Retry-After") == "" {
		t.Fatalf("after 3 wrong numbers: %d, Retry-After %q\n%s", rec.Code, rec.Header().Get("Retry-After"), rec.Body)
	}
	if rec := s.do("GET", downloadPath("linux-amd64", s.number, "Dana", ""), uaLinux, addr, nil); rec.Code != 429 {
		t.Fatalf("download while limited: %d", rec.Code)
	}
	// Another network is not affected.
	if rec := s.do("POST", "/join", uaLinux, "203.0.114.7:5000", right); rec.Code != 200 {
		t.Fatalf("another address: %d", rec.Code)
	}
	// Nor is the API limit separate: the same counter refuses it.
	req := httptest.NewRequest("POST", "https://support.example.com/api/v1/join", strings.NewReader(`{"number":"`+s.number+`","name":"Dana"}`))
	req.RemoteAddr = addr
	apiRec := httptest.NewRecorder()
	s.srv.Handler().ServeHTTP(apiRec, req)
	if apiRec.Code != 429 {
		t.Fatalf("API join while the web form is limited: %d", apiRec.Code)
	}
}

func downloadPath(key, number, name, email string) string {
	q := url.Values{"session": {number}, "name": {name}}
	if email != "" {
		q.Set("email", email)
	}
	return "/download/agent/" + key + "?" + q.Encode()
}

func TestDownloadPagePlatforms(t *testing.T) {
	both := newJoinSite(t, "linux-amd64", "windows-amd64")
	none := newJoinSite(t)
	none.srv.Agents.Dir = "" // set before any request to this server
	for _, tc := range []struct {
		name string
		site *joinSite
		ua   string
		want []string
		not  []string
	}{
		{"Windows", both, uaWindows,
			[]string{"Download Lifeline for Windows</a>", "lifeline-agent-NUMBER.exe · Windows (64-bit)", "More info", "For another computer",
				`href="/download/agent/linux-amd64?name=Dana&amp;session=NUMBER"`},
			[]string{"chmod"}},
		{"Linux, Chrome", both, uaLinux,
			[]string{"Download Lifeline for Linux</a>", `href="/download/agent/linux-amd64?name=Dana&amp;session=NUMBER" download="lifeline-agent-NUMBER"`,
				"chmod +x ~/Downloads/lifeline-agent-NUMBER &amp;&amp; ~/Downloads/lifeline-agent-NUMBER", "Lifeline for Windows (64-bit)"},
			nil},
		{"Linux, Firefox", both, uaFirefox, []string{"Download Lifeline for Linux</a>"}, nil},
		{"macOS: no agent, said so, the others offered", both, uaMac,
			[]string{"This server has no Lifeline agent for macOS.", "<h2>Downloads</h2>", "Lifeline for Windows (64-bit)", "Lifeline for Linux (64-bit PC, x86-64)"},
			[]string{"Open the downloaded file"}},
		{"Android", both, uaAndroid, []string{"This server has no Lifeline agent for Android."}, []string{"Open the downloaded file"}},
		{"no User-Agent", both, "", []string{"Your browser did not say which kind of computer this is."}, nil},
		{"no agent folder", none, uaWindows,
			[]string{"This server does not offer the Lifeline agent for download.", "make agents", "--agent-dir", "enter the Support Session number"},
			[]string{"/download/agent/"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			rec := tc.site.do("POST", "/join", tc.ua, "", url.Values{"number": {tc.site.number}, "name": {"Dana"}})
			body := rec.Body.String()
			if rec.Code != 200 {
				t.Fatalf("status %d:\n%s", rec.Code, body)
			}
			for _, w := range tc.want {
				if w = strings.ReplaceAll(w, "NUMBER", tc.site.number); !strings.Contains(body, w) {
					t.Errorf("page lacks %q:\n%s", w, body)
				}
			}
			for _, w := range tc.not {
				if strings.Contains(body, w) {
					t.Errorf("page has %q", w)
				}
			}
		})
	}
}

func TestDownloadAgent(t *testing.T) {
	s := newJoinSite(t, "linux-amd64", "windows-amd64")
	want := agentconfig.Config{Server: "https://support.example.com", Fingerprint: testFingerprint, Session: s.number, Name: "Dana", Email: "dana@example.com"}
	for _, tc := range []struct {
		key, contentType, file string
	}{
		{"linux-amd64", "application/octet-stream", "lifeline-agent-" + s.number},
		{"windows-amd64", "application/vnd.microsoft.portable-executable", "lifeline-agent-" + s.number + ".exe"},
	} {
		t.Run(tc.key, func(t *testing.T) {
			rec := s.do("GET", downloadPath(tc.key, s.number, "Dana", "dana@example.com"), uaLinux, "", nil)
			if rec.Code != 200 {
				t.Fatalf("status %d: %s", rec.Code, rec.Body)
			}
			h := rec.Header()
			if h.Get("Content-Type") != tc.contentType || h.Get("Content-Disposition") != `attachment; filename="`+tc.file+`"` ||
				h.Get("Cache-Control") != "no-store" || h.Get("ETag") == "" {
				t.Errorf("headers %v", h)
			}
			body := rec.Body.Bytes()
			prog := standIn(tc.key)
			if !strings.HasPrefix(string(body), string(prog)) {
				t.Fatal("the download does not start with the program the server was installed with")
			}
			block, err := want.Block()
			must(t, err)
			if string(body[len(prog):]) != string(block) {
				t.Fatal("the download is not the program followed by exactly one block")
			}
			got, found, err := agentconfig.Find(body)
			if !found || err != nil || got != want {
				t.Fatalf("baked config = %+v, %v, %v; want %+v", got, found, err, want)
			}
			// A resumed download continues with the same bytes.
			part := s.do("GET", downloadPath(tc.key, s.number, "Dana", "dana@example.com"), uaLinux, "", nil,
				"Range", "bytes=10-", "If-Range", h.Get("ETag"))
			if part.Code != 206 || part.Body.String() != string(body[10:]) {
				t.Fatalf("resumed download: %d, %d bytes", part.Code, part.Body.Len())
			}
		})
	}
}

func TestDownloadAgentRefusals(t *testing.T) {
	s := newJoinSite(t, "linux-amd64")
	for _, tc := range []struct {
		name, target string
		status       int
		want         string
	}{
		{"unknown platform", downloadPath("amiga-m68k", s.number, "Dana", ""), 404, "There is no Lifeline agent for this kind of computer."},
		{"a platform this server has no file for", downloadPath("windows-amd64", s.number, "Dana", ""), 404, "This server has no Lifeline agent for Windows (64-bit)."},
		{"a path as platform", "/download/agent/..%2f..%2fetc%2fpasswd?session=" + s.number + "&name=Dana", 404, "There is no Lifeline agent for this kind of computer."},
		{"wrong number", downloadPath("linux-amd64", "100000000", "Dana", ""), 404, "There is no support session with this number."},
		{"no number", "/download/agent/linux-amd64?name=Dana", 400, "A session number has 9 digits"},
		{"no name", downloadPath("linux-amd64", s.number, "", ""), 400, "Please enter your name"},
		{"bad email", downloadPath("linux-amd64", s.number, "Dana", "x"), 400, "The email address does not look right."},
		{"plain HTTP to a server elsewhere", "http://support.example.com" + downloadPath("linux-amd64", s.number, "Dana", ""), 503, "only ever talks to a server over HTTPS"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if tc.name == "wrong number" && s.number == "100000000" {
				t.Skip("the live session has the number this case needs to be wrong")
			}
			rec := s.do("GET", tc.target, uaLinux, "", nil)
			if rec.Code != tc.status || !strings.Contains(rec.Body.String(), tc.want) {
				t.Fatalf("status %d, want %d with %q:\n%s", rec.Code, tc.status, tc.want, rec.Body)
			}
			if !strings.Contains(rec.Body.String(), `href="/join`) {
				t.Error("the refusal offers no way back to the join page")
			}
		})
	}
}

func TestDownloadAgentOverLoopbackHTTP(t *testing.T) {
	// A development server (--insecure-http, loopback only): the agent is
	// told the plain URL, and no fingerprint, since there is no certificate.
	s := newJoinSite(t, "linux-amd64")
	rec := s.do("GET", "http://127.0.0.1:8080"+downloadPath("linux-amd64", s.number, "Dana", ""), uaLinux, "", nil)
	if rec.Code != 200 {
		t.Fatalf("status %d: %s", rec.Code, rec.Body)
	}
	got, _, err := agentconfig.Find(rec.Body.Bytes())
	if err != nil || got.Server != "http://127.0.0.1:8080" || got.Fingerprint != "" {
		t.Fatalf("baked %+v, %v", got, err)
	}
}

func TestDownloadNeedsNoAgentDirToStart(t *testing.T) {
	s := newJoinSite(t)
	s.srv.Agents.Dir = filepath.Join(t.TempDir(), "missing")
	rec := s.do("POST", "/join", uaLinux, "", url.Values{"number": {s.number}, "name": {"Dana"}})
	if rec.Code != 200 || !strings.Contains(rec.Body.String(), "does not offer the Lifeline agent for download") {
		t.Fatalf("a missing agent folder: %d\n%s", rec.Code, rec.Body)
	}
	if rec := s.do("GET", downloadPath("linux-amd64", s.number, "Dana", ""), uaLinux, "", nil); rec.Code != http.StatusNotFound {
		t.Fatalf("download from a missing folder: %d", rec.Code)
	}
}

// A customer who asked for help on a queue's help page downloads an agent
// that carries the place in line (the ticket) instead of a session number,
// with the name and email they gave; only a place still waiting gets one.
func TestDownloadQueueAgent(t *testing.T) {
	s := newJoinSite(t, "linux-amd64", "windows-amd64")
	_, err := s.srv.Store.AddQueue(context.Background(), "billing", "Billing & invoices", time.Now())
	must(t, err)
	p := s.do("POST", "/help/billing", uaLinux, "", url.Values{"name": {"Paula"}, "email": {"paula@example.com"}, "problem": {"Invoice"}})
	if p.Code != 200 || p.Header().Get("Referrer-Policy") != "no-referrer" {
		t.Fatalf("help form: %d %v", p.Code, p.Header())
	}
	m := regexp.MustCompile(`href="(/download/agent/linux-amd64\?ticket=([^"]+))"`).FindStringSubmatch(p.Body.String())
	if m == nil || !strings.Contains(p.Body.String(), "Download the Lifeline agent for Linux") || !strings.Contains(p.Body.String(), "/download/agent/windows-amd64?ticket=") {
		t.Fatalf("no downloads on the next-step page:\n%s", p.Body)
	}
	tk, err := url.QueryUnescape(m[2])
	must(t, err)
	rec := s.do("GET", html.UnescapeString(m[1]), uaLinux, "", nil)
	if rec.Code != 200 || rec.Header().Get("Content-Disposition") != `attachment; filename="lifeline-agent-help"` {
		t.Fatalf("download: %d %v", rec.Code, rec.Header())
	}
	got, found, err := agentconfig.Find(rec.Body.Bytes())
	want := agentconfig.Config{Server: "https://support.example.com", Fingerprint: testFingerprint, QueueTicket: tk, Queue: "Billing & invoices", Name: "Paula", Email: "paula@example.com"}
	if !found || err != nil || got != want {
		t.Fatalf("baked %+v, %v, %v; want %+v", got, found, err, want)
	}

	id, _, _ := strings.Cut(tk, ".")
	for _, tc := range []struct {
		name, ticket string
		status       int
	}{
		{"a wrong token", id + ".llp_wrong", 404},
		{"no such request", "qrq_nothing.llp_x", 404},
		{"not a ticket", "nonsense", 404},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if rec := s.do("GET", queueDownload("linux-amd64", tc.ticket), uaLinux, "", nil); rec.Code != tc.status {
				t.Fatalf("status %d, want %d", rec.Code, tc.status)
			}
		})
	}
	// After leaving the line the ticket downloads nothing.
	if rec := s.do("POST", "/help/billing/leave", uaLinux, "", url.Values{"ticket": {tk}}); rec.Code != 200 {
		t.Fatalf("leave: %d", rec.Code)
	}
	if rec := s.do("GET", queueDownload("linux-amd64", tk), uaLinux, "", nil); rec.Code != 410 || !strings.Contains(rec.Body.String(), "not waiting any more") {
		t.Fatalf("after leaving: %d %s", rec.Code, rec.Body)
	}
}

func queueDownload(key, ticket string) string {
	return "/download/agent/" + key + "?" + url.Values{"ticket": {ticket}}.Encode()
}
