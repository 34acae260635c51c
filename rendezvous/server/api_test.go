package server_test

import (
	"encoding/json"
	"io"
	"net/http"
	"regexp"
	"strings"
	"testing"
	"time"

	"lifeline/rendezvous/settings"
	"lifeline/rendezvous/store"
	"lifeline/shared/client"
	"lifeline/shared/rendezvoustest"
)

func TestLogin(t *testing.T) {
	ts := rendezvoustest.New(t, rendezvoustest.Options{})
	ts.AddUser(t, "Carol@Example.com", "Carol", store.RoleCSR, "right password")
	ts.AddUser(t, "off@example.com", "Off", store.RoleCSR, "right password")
	must(t, ts.Store.SetUserDisabled(ctxT(t), "off@example.com", true))
	cases := []struct {
		name, email, password, code string
	}{
		{"right password, email in any case", "carol@EXAMPLE.com", "right password", ""},
		{"wrong password", "carol@example.com", "wrong", "invalid_credentials"},
		{"unknown account looks the same as a wrong password", "nobody@example.com", "right password", "invalid_credentials"},
		{"disabled account", "off@example.com", "right password", "account_disabled"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			cl := ts.Client()
			res, err := cl.Login(ctxT(t), c.email, c.password)
			if c.code == "" {
				must(t, err)
				if !strings.HasPrefix(res.Token, "llu_") || res.User.Email != "carol@example.com" || res.User.Role != "csr" {
					t.Fatalf("login = %+v", res)
				}
				if _, err := cl.Me(ctxT(t)); err != nil {
					t.Fatalf("me: %v", err)
				}
				must(t, cl.Logout(ctxT(t)))
				if _, err := cl.Me(ctxT(t)); !client.IsCode(err, "invalid_token") {
					t.Fatalf("me after logout: %v", err)
				}
				return
			}
			if !client.IsCode(err, c.code) {
				t.Fatalf("login: %v, want %s", err, c.code)
			}
		})
	}
}

func TestLockOutAfterRepeatedFailures(t *testing.T) {
	ts := rendezvoustest.New(t, rendezvoustest.Options{})
	ts.AddUser(t, "carol@example.com", "Carol", store.RoleCSR, "right password")
	cl := ts.Client()
	for i := 0; i < 5; i++ {
		if _, err := cl.Login(ctxT(t), "carol@example.com", "wrong"); !client.IsCode(err, "invalid_credentials") {
			t.Fatalf("attempt %d: %v", i+1, err)
		}
	}
	_, err := cl.Login(ctxT(t), "carol@example.com", "right password")
	var ae *client.APIError
	if !client.IsCode(err, "account_locked") || !asAPI(err, &ae) || ae.Status != http.StatusLocked || ae.RetryAfter < 14*time.Minute {
		t.Fatalf("login while locked: %+v", err)
	}
}

func asAPI(err error, ae **client.APIError) bool {
	e, ok := err.(*client.APIError)
	*ae = e
	return ok
}

func TestCreateSession(t *testing.T) {
	ts := rendezvoustest.New(t, rendezvoustest.Options{})
	csr := ts.CSR(t, "carol@example.com", "Carol")
	// The most an account may host, so that 20 numbers are live at once.
	must(t, ts.Store.SetUserLimits(ctxT(t), "carol@example.com", settings.UserLimits{MaxCustomers: settings.MaxCustomers}))
	seen := map[string]bool{}
	for i := 0; i < 19; i++ {
		c, err := csr.CreateSession(ctxT(t), "Printer", "T-1")
		must(t, err)
		if !regexp.MustCompile(`^[1-9][0-9]{8}$`).MatchString(c.Number) || seen[c.Number] {
			t.Fatalf("number %q (seen before: %v)", c.Number, seen[c.Number])
		}
		seen[c.Number] = true
		if c.JoinURL != ts.URL+"/join/"+c.Number && !strings.HasSuffix(c.JoinURL, "/join/"+c.Number) {
			t.Fatalf("join url %q", c.JoinURL)
		}
	}
	if _, err := ts.Client().CreateSession(ctxT(t), "", ""); !client.IsCode(err, "unauthenticated") {
		t.Fatalf("create without login: %v", err)
	}
	// A customer's token is no CSR login.
	c, _ := csr.CreateSession(ctxT(t), "", "")
	j, err := ts.Client().Join(ctxT(t), c.Number, "Ann", "")
	must(t, err)
	if _, err := ts.Client().WithToken(j.Token).CreateSession(ctxT(t), "", ""); !client.IsCode(err, "csr_only") {
		t.Fatalf("customer creates session: %v", err)
	}
	st, err := csr.Session(ctxT(t), c.ID)
	must(t, err)
	if st.ID != c.ID || st.State != "live" || st.HostID != c.ParticipantID || len(st.Participants) != 2 || st.Participants[1].Role != "primary_customer" {
		t.Fatalf("session = %+v", st)
	}
	live, err := csr.LiveSessions(ctxT(t))
	must(t, err)
	if len(live) != 20 {
		t.Fatalf("live sessions = %d", len(live))
	}
}

func TestJoin(t *testing.T) {
	ts := rendezvoustest.New(t, rendezvoustest.Options{})
	csr := ts.CSR(t, "carol@example.com", "Carol")
	c, err := csr.CreateSession(ctxT(t), "", "")
	must(t, err)
	spaced := c.Number[:3] + " " + c.Number[3:6] + " " + c.Number[6:]
	cases := []struct {
		name, number, who, email, code string
	}{
		{"number as read out, with spaces", spaced, "Ann", "ann@example.com", ""},
		{"no name", c.Number, " ", "", "invalid_name"},
		{"bad email", c.Number, "Ann", "not-an-email", "invalid_email"},
		{"too few digits", "12345", "Ann", "", "invalid_number"},
		{"unknown number", "999999999", "Ann", "", "unknown_session_number"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			j, err := ts.Client().Join(ctxT(t), tc.number, tc.who, tc.email)
			if tc.code == "" {
				must(t, err)
				if j.SessionID != c.ID || !strings.HasPrefix(j.Token, "llp_") || j.ParticipantID == "" {
					t.Fatalf("join = %+v", j)
				}
				return
			}
			if !client.IsCode(err, tc.code) {
				t.Fatalf("join: %v, want %s", err, tc.code)
			}
		})
	}
}

func TestWrongNumbersAreRateLimited(t *testing.T) {
	ts := rendezvoustest.New(t, rendezvoustest.Options{})
	csr := ts.CSR(t, "carol@example.com", "Carol")
	c, err := csr.CreateSession(ctxT(t), "", "")
	must(t, err)
	for i := 0; i < 10; i++ {
		if _, err := ts.Client().Join(ctxT(t), "100000000", "Guesser", ""); !client.IsCode(err, "unknown_session_number") {
			t.Fatalf("guess %d: %v", i+1, err)
		}
	}
	// Now even the right number is refused from this address, for a while.
	_, err = ts.Client().Join(ctxT(t), c.Number, "Guesser", "")
	var ae *client.APIError
	if !client.IsCode(err, "too_many_attempts") || !asAPI(err, &ae) || ae.Status != http.StatusTooManyRequests || ae.RetryAfter <= 0 {
		t.Fatalf("after 10 wrong numbers: %+v", err)
	}
}

func TestErrorsAreJSON(t *testing.T) {
	ts := rendezvoustest.New(t, rendezvoustest.Options{})
	hc := ts.Client().HTTP
	for _, c := range []struct {
		method, path, body string
		status             int
		code               string
	}{
		{"GET", "/api/v1/nothing", "", 404, "no_such_endpoint"},
		{"GET", "/api/v1/sessions/ses_x", "", 401, "unauthenticated"},
		{"POST", "/api/v1/login", "{not json", 400, "malformed_json"},
		{"POST", "/api/v1/join", `{"number":"1"`, 400, "malformed_json"},
		{"GET", "/api/v1/ws", "", 401, "unauthenticated"},
	} {
		req, _ := http.NewRequest(c.method, ts.URL+c.path, strings.NewReader(c.body))
		resp, err := hc.Do(req)
		must(t, err)
		var e struct{ Error, Code string }
		b, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		if resp.StatusCode != c.status || json.Unmarshal(b, &e) != nil || e.Code != c.code || e.Error == "" {
			t.Errorf("%s %s = %d %s, want %d %s", c.method, c.path, resp.StatusCode, b, c.status, c.code)
		}
	}
}

func TestHealthMetricsAndJoinPage(t *testing.T) {
	ts := rendezvoustest.New(t, rendezvoustest.Options{})
	csr := ts.CSR(t, "carol@example.com", "Carol")
	c, err := csr.CreateSession(ctxT(t), "", "")
	must(t, err)
	get := func(path string) string {
		resp, err := ts.Client().HTTP.Get(ts.URL + path)
		must(t, err)
		defer resp.Body.Close()
		b, _ := io.ReadAll(resp.Body)
		if resp.StatusCode != 200 {
			t.Fatalf("GET %s = %d", path, resp.StatusCode)
		}
		return string(b)
	}
	if h := get("/healthz"); !strings.Contains(h, `"live_sessions":1`) {
		t.Fatalf("healthz = %s", h)
	}
	m := get("/metrics")
	for _, want := range []string{"lifeline_live_sessions 1", "lifeline_sessions_started_total 1", `lifeline_logins_total{result="ok"} 1`} {
		if !strings.Contains(m, want) {
			t.Errorf("metrics lack %q", want)
		}
	}
	page := get("/join/" + c.Number)
	if !strings.Contains(page, c.Number[:3]+" "+c.Number[3:6]+" "+c.Number[6:]) {
		t.Fatalf("join page lacks the number:\n%s", page)
	}
}
