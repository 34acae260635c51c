package server_test

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"lifeline/rendezvous/server"
	"lifeline/rendezvous/store"
	"lifeline/shared/client"
	"lifeline/shared/protocol"
	"lifeline/shared/rendezvoustest"
)

// serverWith starts a test server as rendezvoustest.New does, on the
// SQLite file db ("" for a new one), with configure setting the server's
// fields before it starts: rendezvoustest has no option for the restart
// grace.
func serverWith(t *testing.T, db string, configure func(*server.Server)) *rendezvoustest.Server {
	t.Helper()
	if db == "" {
		db = filepath.Join(t.TempDir(), "lifeline.db")
	}
	st, err := store.Open(context.Background(), db)
	must(t, err)
	var w io.Writer = io.Discard
	if os.Getenv("LIFELINE_TEST_LOG") != "" {
		w = os.Stderr
	}
	srv := &server.Server{Store: st, Log: slog.New(slog.NewTextHandler(w, nil)), PublicHost: "127.0.0.1"}
	configure(srv)
	must(t, srv.Start(context.Background()))
	ts := &rendezvoustest.Server{Server: srv, Store: st, HTTP: httptest.NewTLSServer(srv.Handler())}
	ts.URL = ts.HTTP.URL
	pool := x509.NewCertPool()
	pool.AddCert(ts.HTTP.Certificate())
	ts.TLS = &tls.Config{RootCAs: pool, MinVersion: tls.VersionTLS12}
	t.Cleanup(func() { stopServer(ts) })
	return ts
}

// stopServer stops a server as a restart of the process would; stopping
// it twice does no harm.
func stopServer(ts *rendezvoustest.Server) {
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	_ = ts.Server.Shutdown(ctx)
	ts.HTTP.Close()
	_ = ts.Store.Close()
}

// TestCustomerRecords: what a customer's agent reports of the scripts it
// ran and the files it moved reaches everyone, stays in the session log,
// comes again after a reconnect, and is in the Session Details report.
// Only customers send such records.
func TestCustomerRecords(t *testing.T) {
	ts := rendezvoustest.New(t, rendezvoustest.Options{})
	c := newCast(t, ts)
	script := func(requestedBy string) *protocol.ScriptResult {
		return &protocol.ScriptResult{RunID: "run_1", Index: 0, Count: 2, Name: "Flush DNS", RequestedBy: requestedBy,
			Status: protocol.ScriptFailed, ExitCode: 3, DurationMS: 1250, Output: "Flushing…\n\x1b[31maccess denied\x1b[0m\n", Truncated: true}
	}
	transfer := func(requestedBy string) *protocol.FileTransfer {
		return &protocol.FileTransfer{Direction: protocol.FromCustomer, Folder: `C:\Logs`, Files: 3, Bytes: 3 << 20,
			Names: []string{"a.log", "b.log"}, Status: protocol.TransferDone, RequestedBy: requestedBy}
	}

	refusals := []struct {
		name string
		from *party
		msg  protocol.Message
		code string
	}{
		{"the host CSR cannot report a script", c.host, script(c.host.pid), "customers_only"},
		{"an assistant cannot report a script", c.assistant, script(c.host.pid), "customers_only"},
		{"the host CSR cannot report a transfer", c.host, transfer(""), "customers_only"},
		{"an assistant cannot report a transfer", c.assistant, transfer(""), "customers_only"},
		{"a script for a customer, not a CSR", c.primary, script(c.secondary.pid), "unknown_requester"},
		{"a transfer for someone not in the session", c.primary, transfer("par_nobody"), "unknown_requester"},
		{"a script with an unknown status", c.primary, &protocol.ScriptResult{RunID: "r", Count: 1, Name: "x", Status: "exploded"}, "invalid_message"},
		{"a transfer of a negative size", c.primary, &protocol.FileTransfer{Direction: protocol.ToCustomer, Bytes: -1, Status: protocol.TransferDone}, "invalid_message"},
	}
	for _, r := range refusals {
		t.Run(r.name, func(t *testing.T) {
			if code := r.from.do(r.msg); code != r.code {
				t.Fatalf("%s sent %s: code %q, want %q", r.from.name, r.msg.Type(), code, r.code)
			}
		})
	}

	// The primary customer reports a script run for the host, a secondary
	// customer a transfer the assistant asked for (any customer's agent
	// may, primary or not).
	must(t, errCode(c.primary.do(script(c.host.pid))))
	must(t, errCode(c.secondary.do(transfer(c.assistant.pid))))
	for _, p := range []*party{c.host, c.assistant, c.primary, c.secondary} {
		m := p.expect(protocol.TypeScriptResult, nil)
		got := m.Msg.(*protocol.ScriptResult)
		if m.Env.From != c.primary.pid || m.Env.Seq == 0 || got.FromName != "Paula" || got.Name != "Flush DNS" || got.ExitCode != 3 ||
			got.DurationMS != 1250 || got.RequestedBy != c.host.pid {
			t.Errorf("%s received script_result %+v from %q, seq %d", p.name, got, m.Env.From, m.Env.Seq)
		}
		m = p.expect(protocol.TypeFileTransfer, nil)
		ft := m.Msg.(*protocol.FileTransfer)
		if m.Env.From != c.secondary.pid || ft.FromName != "Sam" || ft.Bytes != 3<<20 || !slices.Equal(ft.Names, []string{"a.log", "b.log"}) {
			t.Errorf("%s received file_transfer %+v from %q", p.name, ft, m.Env.From)
		}
	}
	// A console that reconnects gets them again after its last seq.
	before := c.assistant.lastSeq
	c.assistant.conn.CloseNow()
	c.assistant.conn = dial(t, c.assistant.api)
	c.assistant.attach(before - 2)
	c.assistant.expect(protocol.TypeScriptResult, nil)
	c.assistant.expect(protocol.TypeFileTransfer, nil)

	must(t, c.host.api.EndSession(ctxT(t), c.host.session, ""))
	rep, err := c.host.api.Report(ctxT(t), c.host.session)
	must(t, err)
	if len(rep.ScriptRuns) != 1 || len(rep.FileTransfers) != 1 {
		t.Fatalf("report: %d script runs, %d transfers; want 1 and 1 (the refused ones are not recorded)", len(rep.ScriptRuns), len(rep.FileTransfers))
	}
	sr := rep.ScriptRuns[0]
	if sr.Customer != "Paula" || sr.RequestedBy != "Hannah Host" || sr.Name != "Flush DNS" || sr.Status != protocol.ScriptFailed ||
		sr.ExitCode != 3 || sr.DurationMS != 1250 || !sr.Truncated || sr.RunID != "run_1" || sr.Count != 2 || sr.At.IsZero() ||
		!strings.Contains(sr.Output, "access denied") {
		t.Errorf("report script run = %+v", sr)
	}
	ft := rep.FileTransfers[0]
	if ft.Customer != "Sam" || ft.RequestedBy != "Alex Assistant" || ft.Direction != protocol.FromCustomer || ft.Files != 3 ||
		ft.Bytes != 3<<20 || ft.Folder != `C:\Logs` || !slices.Equal(ft.Names, []string{"a.log", "b.log"}) || ft.Status != protocol.TransferDone {
		t.Errorf("report file transfer = %+v", ft)
	}
	var types []string
	for _, e := range rep.Events {
		types = append(types, e.Type)
	}
	if !slices.Contains(types, "script_result") || !slices.Contains(types, "file_transfer") {
		t.Errorf("event log = %v; want the records in it", types)
	}

	txt, err := c.host.api.ReportText(ctxT(t), c.host.session)
	must(t, err)
	for _, want := range []string{
		"\nScripts\n", "Flush DNS (1 of 2) for Hannah Host on Paula's computer: failed, exit status 3, 1.2 s",
		"(the output's beginning is not kept)", "| \uFFFD[31maccess denied\uFFFD[0m",
		"\nFile transfers\n", "3 files, 3.0 MB for Alex Assistant, from Sam's computer: done", `folder: C:\Logs`, "a.log, b.log and 1 more",
	} {
		if !strings.Contains(txt, want) {
			t.Errorf("text report lacks %q:\n%s", want, txt)
		}
	}
	if strings.Contains(txt, "\x1b") {
		t.Error("the text report passes the customer's escape sequences on")
	}
}

// TestRebootAndRejoin is the whole of a customer's reboot: the agent gets
// a resume token, its connection drops, the customer shows as restarting
// for far longer than the normal grace, and the agent comes back as the
// same participant with a new token, once.
func TestRebootAndRejoin(t *testing.T) {
	ts := serverWith(t, "", func(s *server.Server) { s.Grace, s.RestartGrace = 200*time.Millisecond, 5*time.Second })
	host := startSession(t, ts, "carol@example.com", "Carol")
	ann := customer(t, ts, host.last.Number, "Ann")
	host.waitState("ann in", func(s protocol.State) bool { return find(s, ann.pid).Connected })

	ticket, err := ann.api.Restart(ctxT(t), ann.session)
	must(t, err)
	if !strings.HasPrefix(ticket.ResumeToken, "llr_") || len(ticket.ResumeToken) < 4+22 { // ≥ 128 bits in base64
		t.Fatalf("resume token %q", ticket.ResumeToken)
	}
	if d := time.Until(ticket.ExpiresAt); d < 4*time.Second || d > 5*time.Second {
		t.Fatalf("expires in %v; want the restart grace, 5 s", d)
	}
	host.waitState("ann restarting", func(s protocol.State) bool { return find(s, ann.pid).Restarting })

	// The reboot: away for 5 times the normal grace, still in.
	ann.conn.CloseNow()
	host.waitState("ann away", func(s protocol.State) bool { return !find(s, ann.pid).Connected })
	time.Sleep(time.Second)
	st, err := host.api.Session(ctxT(t), host.session)
	must(t, err)
	if p := find(st, ann.pid); st.State != protocol.StateLive || p.LeftAt != nil || !p.Restarting || p.Connected {
		t.Fatalf("a second into the reboot: session %s, ann %+v; want live, ann present and restarting", st.State, p)
	}

	j, err := ts.Client().Resume(ctxT(t), ticket.ResumeToken)
	must(t, err)
	if j.ParticipantID != ann.pid || j.SessionID != ann.session || j.Number != host.last.Number || j.Role != protocol.RolePrimary ||
		j.Name != "Ann" || !strings.HasPrefix(j.Token, "llp_") || j.Token == ann.api.Token {
		t.Fatalf("resume = %+v; want Ann's place with a new token", j)
	}
	if _, err := ann.api.Session(ctxT(t), ann.session); !client.IsCode(err, "invalid_token") {
		t.Errorf("the old token after the resume: %v; want invalid_token", err)
	}
	if _, err := ann.api.Dial(ctxT(t)); !client.IsCode(err, "invalid_token") {
		t.Errorf("connecting with the old token: %v; want invalid_token", err)
	}
	if _, err := ts.Client().Resume(ctxT(t), ticket.ResumeToken); !client.IsCode(err, client.CodeResumeTokenUsed) {
		t.Errorf("a second resume: %v; want %s", err, client.CodeResumeTokenUsed)
	}

	ann.api = ts.Client().WithToken(j.Token)
	ann.conn = dial(t, ann.api)
	ann.attach(0)
	host.waitState("ann back", func(s protocol.State) bool {
		p := find(s, ann.pid)
		return p.Connected && !p.Restarting
	})
	rep, err := host.api.Report(ctxT(t), host.session)
	must(t, err)
	var ours []string
	for _, e := range rep.Events {
		if e.Actor == ann.pid && e.Type != "joined" {
			ours = append(ours, e.Type)
		}
	}
	want := []string{"restarting", "disconnected", "resumed", "rejoined"}
	if !slices.Equal(ours, want) {
		t.Errorf("Ann's events = %v, want %v", ours, want)
	}
}

// An agent whose reboot did not happen connects again with its old token:
// the customer is back, not restarting, and the resume token is spent. A
// new connection counts even while the old one is still open.
func TestRestartCancelledByTheOldToken(t *testing.T) {
	ts := serverWith(t, "", func(s *server.Server) { s.Grace, s.RestartGrace = 200*time.Millisecond, 5*time.Second })
	host := startSession(t, ts, "carol@example.com", "Carol")
	ann := customer(t, ts, host.last.Number, "Ann")
	var open []*client.Conn
	for _, closeFirst := range []bool{true, false} {
		ticket, err := ann.api.Restart(ctxT(t), ann.session)
		must(t, err)
		host.waitState("restarting", func(s protocol.State) bool { return find(s, ann.pid).Restarting })
		if closeFirst {
			ann.conn.CloseNow()
			host.waitState("away", func(s protocol.State) bool { return !find(s, ann.pid).Connected })
		} else {
			open = append(open, ann.conn)
		}
		ann.conn = dial(t, ann.api)
		ann.attach(ann.last.LastSeq)
		host.waitState("back", func(s protocol.State) bool { p := find(s, ann.pid); return p.Connected && !p.Restarting })
		if _, err := ts.Client().Resume(ctxT(t), ticket.ResumeToken); !client.IsCode(err, client.CodeResumeTokenExpired) {
			t.Errorf("resume after the restart was cancelled (old connection closed first: %v): %v", closeFirst, err)
		}
	}
	rep, err := host.api.Report(ctxT(t), host.session)
	must(t, err)
	n := 0
	for _, e := range rep.Events {
		if e.Type == "restart_cancelled" && e.Actor == ann.pid {
			n++
		}
	}
	if n != 2 {
		t.Errorf("%d restart_cancelled events, want 2", n)
	}
	// The place is kept for the normal grace again.
	for _, c := range append(open, ann.conn) {
		c.CloseNow()
	}
	start := time.Now()
	host.waitState("ann gone", func(s protocol.State) bool { return find(s, ann.pid).LeftAt != nil })
	if d := time.Since(start); d > 2*time.Second {
		t.Errorf("gone after %v; want the normal grace (200 ms), not what was left of the restart grace", d)
	}
}

// TestResumeClosesTheOldConnection: a resume closes what still runs
// with the old token, and the new connection is the one that rejoins.
func TestResumeClosesTheOldConnection(t *testing.T) {
	ts := serverWith(t, "", func(s *server.Server) { s.RestartGrace = time.Minute })
	host := startSession(t, ts, "carol@example.com", "Carol")
	ann := customer(t, ts, host.last.Number, "Ann")
	ticket, err := ann.api.Restart(ctxT(t), ann.session)
	must(t, err)
	j, err := ts.Client().Resume(ctxT(t), ticket.ResumeToken)
	must(t, err)
	select {
	case <-ann.conn.Done():
	case <-time.After(5 * time.Second):
		t.Fatal("the old token's connection stayed open after the resume")
	}
	back := &party{t: t, name: "Ann again", api: ts.Client().WithToken(j.Token), pid: j.ParticipantID, session: j.SessionID}
	back.conn = dial(t, back.api)
	back.attach(0)
	host.waitState("ann back", func(s protocol.State) bool { p := find(s, ann.pid); return p.Connected && !p.Restarting })
}

func TestRestartRefusals(t *testing.T) {
	ts := serverWith(t, "", func(*server.Server) {})
	c := newCast(t, ts)
	other := startSession(t, ts, "other@example.com", "Olga")
	cases := []struct {
		name   string
		api    *client.Client
		status int
		code   string
	}{
		{"the host CSR", c.host.api, http.StatusForbidden, "customers_only"},
		{"an assistant", c.assistant.api, http.StatusForbidden, "customers_only"},
		{"a customer of another session", customer(t, ts, other.last.Number, "Otto").api, http.StatusForbidden, "other_session"},
		{"no token", ts.Client(), http.StatusUnauthorized, "unauthenticated"},
		{"a made-up token", ts.Client().WithToken("llp_nonsense"), http.StatusUnauthorized, "invalid_token"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			_, err := tc.api.Restart(ctxT(t), c.host.session)
			wantRefused(t, tc.name, err, tc.status, tc.code, "")
		})
	}
	t.Run("the reboot feature switched off", func(t *testing.T) {
		must(t, ts.Store.SetSiteSetting(ctxT(t), "reboot", "off"))
		defer func() { must(t, ts.Store.SetSiteSetting(ctxT(t), "reboot", "on")) }()
		_, err := c.primary.api.Restart(ctxT(t), c.primary.session)
		wantRefused(t, "restart", err, http.StatusForbidden, "feature_disabled", "switched off")
		st, err := c.host.api.Session(ctxT(t), c.host.session)
		must(t, err)
		if find(st, c.primary.pid).Restarting {
			t.Error("refused, yet restarting")
		}
	})
	t.Run("a secondary customer may restart too", func(t *testing.T) {
		if _, err := c.secondary.api.Restart(ctxT(t), c.secondary.session); err != nil {
			t.Fatal(err)
		}
		c.host.waitState("sam restarting", func(s protocol.State) bool { return find(s, c.secondary.pid).Restarting })
	})
}

func TestResumeRefusals(t *testing.T) {
	// A short restart grace, so that a token expires within the test.
	ts := serverWith(t, "", func(s *server.Server) { s.Grace, s.RestartGrace = 200*time.Millisecond, 1500*time.Millisecond })
	host := startSession(t, ts, "carol@example.com", "Carol")
	number := host.last.Number
	restart := func(name string) (*party, string) {
		t.Helper()
		p := customer(t, ts, number, name)
		ticket, err := p.api.Restart(ctxT(t), p.session)
		must(t, err)
		return p, ticket.ResumeToken
	}
	resume := func(tok string) error {
		_, err := ts.Client().Resume(ctxT(t), tok)
		return err
	}

	_, expired := restart("Eve")
	time.Sleep(1700 * time.Millisecond)
	wantRefused(t, "an expired token", resume(expired), http.StatusGone, client.CodeResumeTokenExpired, "time to rejoin")

	leaver, gone := restart("Leo")
	must(t, leaver.api.LeaveSession(ctxT(t), leaver.session))
	wantRefused(t, "the participant left meanwhile", resume(gone), http.StatusGone, client.CodeParticipantGone, "Join the session again")

	wantRefused(t, "an unknown token", resume("llr_AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA"), http.StatusNotFound, client.CodeInvalidResumeToken, "not valid")
	wantRefused(t, "a login token", resume(host.api.Token), http.StatusNotFound, client.CodeInvalidResumeToken, "not valid")
	wantRefused(t, "nothing", resume(""), http.StatusNotFound, client.CodeInvalidResumeToken, "not valid")

	_, ended := restart("Ed")
	must(t, host.api.EndSession(ctxT(t), host.session, ""))
	wantRefused(t, "the session ended meanwhile", resume(ended), http.StatusGone, client.CodeSessionEnded, "ended")
}

// Wrong resume tokens count with wrong session numbers: after 10 from one
// address, that address is refused even with a right one.
func TestResumeIsRateLimited(t *testing.T) {
	ts := serverWith(t, "", func(*server.Server) {})
	host := startSession(t, ts, "carol@example.com", "Carol")
	ann := customer(t, ts, host.last.Number, "Ann")
	ticket, err := ann.api.Restart(ctxT(t), ann.session)
	must(t, err)
	for i := range 10 {
		if _, err := ts.Client().Resume(ctxT(t), "llr_guess"+strings.Repeat("x", i)); !client.IsCode(err, client.CodeInvalidResumeToken) {
			t.Fatalf("guess %d: %v", i+1, err)
		}
	}
	_, err = ts.Client().Resume(ctxT(t), ticket.ResumeToken)
	var ae *client.APIError
	if !asAPI(err, &ae) || ae.Code != "too_many_attempts" || ae.Status != http.StatusTooManyRequests || ae.RetryAfter <= 0 {
		t.Fatalf("the right token after 10 guesses: %v; want 429 too_many_attempts with Retry-After", err)
	}
	if _, err := ts.Client().Join(ctxT(t), host.last.Number, "Bob", ""); !client.IsCode(err, "too_many_attempts") {
		t.Errorf("a join after 10 wrong resume tokens: %v; want too_many_attempts", err)
	}
}

// A reboot that does not happen: the agent stays connected past the
// restart grace, and is then simply not restarting any more.
func TestRestartThatNeverHappens(t *testing.T) {
	ts := serverWith(t, "", func(s *server.Server) { s.Grace, s.RestartGrace = 200*time.Millisecond, 500*time.Millisecond })
	host := startSession(t, ts, "carol@example.com", "Carol")
	ann := customer(t, ts, host.last.Number, "Ann")
	ticket, err := ann.api.Restart(ctxT(t), ann.session)
	must(t, err)
	host.waitState("restarting", func(s protocol.State) bool { return find(s, ann.pid).Restarting })
	host.waitState("not restarting any more", func(s protocol.State) bool {
		p := find(s, ann.pid)
		return !p.Restarting && p.Connected && p.LeftAt == nil
	})
	if _, err := ts.Client().Resume(ctxT(t), ticket.ResumeToken); !client.IsCode(err, client.CodeResumeTokenExpired) {
		t.Errorf("resume after the grace: %v", err)
	}
	must(t, errCode(ann.do(&protocol.Chat{Text: "still here"})))
	rep, err := host.api.Report(ctxT(t), host.session)
	must(t, err)
	if last := rep.Events[len(rep.Events)-1]; last.Type != "chat" || rep.Events[len(rep.Events)-2].Type != "restart_expired" {
		t.Errorf("last events: %s, %s; want restart_expired, chat", rep.Events[len(rep.Events)-2].Type, last.Type)
	}
}

// A restart outlives a restart of the server: the customer is still
// restarting when the server comes back, and its token still works there.
func TestRestartSurvivesAServerRestart(t *testing.T) {
	db := filepath.Join(t.TempDir(), "lifeline.db")
	cfg := func(s *server.Server) { s.Grace, s.RestartGrace = time.Second, 10*time.Second }
	ts := serverWith(t, db, cfg)
	host := startSession(t, ts, "carol@example.com", "Carol")
	ann := customer(t, ts, host.last.Number, "Ann")
	ticket, err := ann.api.Restart(ctxT(t), ann.session)
	must(t, err)
	ann.conn.CloseNow()
	stopServer(ts)

	ts2 := serverWith(t, db, cfg)
	host.api.BaseURL, host.api.HTTP = ts2.URL, ts2.Client().HTTP
	host.conn = dial(t, host.api) // within its grace, or the session ends
	host.attach(0)
	time.Sleep(1500 * time.Millisecond) // longer than the normal grace
	st, err := host.api.Session(ctxT(t), host.session)
	must(t, err)
	if p := find(st, ann.pid); p.LeftAt != nil || !p.Restarting {
		t.Fatalf("after the server's restart: %+v; want Ann present and restarting", p)
	}
	j, err := ts2.Client().Resume(ctxT(t), ticket.ResumeToken)
	must(t, err)
	if j.ParticipantID != ann.pid {
		t.Fatalf("resumed as %s, want %s", j.ParticipantID, ann.pid)
	}
	back := &party{t: t, name: "Ann again", api: ts2.Client().WithToken(j.Token), pid: j.ParticipantID, session: j.SessionID}
	back.conn = dial(t, back.api)
	back.attach(0)
	host.waitState("ann back", func(s protocol.State) bool { p := find(s, ann.pid); return p.Connected && !p.Restarting })
}

// Every State carries the site's largest transfer, as it is when sent.
func TestStateCarriesMaxTransfer(t *testing.T) {
	ts := rendezvoustest.New(t, rendezvoustest.Options{})
	host := startSession(t, ts, "carol@example.com", "Carol")
	if got := host.last.MaxTransferBytes; got != 150<<20 {
		t.Fatalf("a new site's State: max_transfer_bytes %d, want 150 MiB", got)
	}
	must(t, ts.Store.SetSiteSetting(ctxT(t), "max-transfer-mb", "2048"))
	ann := customer(t, ts, host.last.Number, "Ann")
	for _, p := range []*party{host, ann} {
		st := p.waitState("ann in", func(s protocol.State) bool { return find(s, ann.pid).Connected })
		if st.MaxTransferBytes != 2048<<20 {
			t.Errorf("%s's State after the change: %d, want 2 GiB", p.name, st.MaxTransferBytes)
		}
	}
	st, err := ann.api.Session(ctxT(t), ann.session)
	must(t, err)
	if st.MaxTransferBytes != 2048<<20 {
		t.Errorf("GET /sessions/{id}: %d, want 2 GiB", st.MaxTransferBytes)
	}
}
