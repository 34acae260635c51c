package server_test

import (
	"net/http"
	"testing"
	"time"

	"lifeline/rendezvous/settings"
	"lifeline/shared/client"
	"lifeline/shared/protocol"
	"lifeline/shared/rendezvoustest"
)

// A support queue's own settings apply to the sessions that come through
// it (settings.ForQueue): the server refuses what the queue switched off,
// tells every participant in the State, and answers the session's settings
// to its CSRs.

// setQueue sets a queue's own value, as `queue set NAME KEY VALUE` does.
func setQueue(t testing.TB, ts *rendezvoustest.Server, queue, key, value string) {
	t.Helper()
	if err := ts.Store.SetQueueSetting(ctxT(t), queue, key, value); err != nil {
		t.Fatalf("queue %s: set %s %s: %v", queue, key, value, err)
	}
}

// acceptFrom has csr accept the next customer of queue, whose agent then
// connects; it returns the CSR's and the customer's parties.
func acceptFrom(t testing.TB, ts *rendezvoustest.Server, api *client.Client, queue, customerName string) (host, cust *party) {
	t.Helper()
	w := enterQueue(t, ts, queue, customerName)
	acc, err := api.AcceptNext(ctxT(t), queue, "", "T-1")
	if err != nil {
		t.Fatalf("accept %s from %s: %v", customerName, queue, err)
	}
	cust = w.attach(t)
	host = &party{t: t, name: "CSR", api: api, conn: dial(t, api), pid: acc.ParticipantID, session: acc.ID}
	host.attach(0)
	host.waitState("the customer connected", func(s protocol.State) bool { return find(s, cust.pid).Connected })
	return host, cust
}

// refusal sends a request and returns its refusal (nil when applied).
func (p *party) refusal(msg protocol.Message) *client.APIError {
	p.t.Helper()
	_, err := p.conn.Request(ctxT(p.t), p.session, msg)
	if err == nil {
		return nil
	}
	ae := apiErr(err)
	if ae == nil {
		p.t.Fatalf("%s: %s: %v", p.name, msg.Type(), err)
	}
	return ae
}

func TestQueueFeaturesApplyToItsSessions(t *testing.T) {
	ts := rendezvoustest.New(t, rendezvoustest.Options{})
	carol := ts.CSR(t, "carol@example.com", "Carol")
	ts.AddQueue(t, "billing", "Billing", "carol@example.com")
	setQueue(t, ts, "billing", "scripts", "off")
	setQueue(t, ts, "billing", "reboot", "off")
	setQueue(t, ts, "billing", "default-mode", "sampling")
	setQueue(t, ts, "billing", "max-transfer-mb", "10")
	must(t, ts.Store.SetSiteSetting(ctxT(t), "default-colors", "256"))
	own, err := ts.Store.AddQueuePhrase(ctxT(t), "billing", "Your invoice is on its way.")
	must(t, err)

	fromQueue, paula := acceptFrom(t, ts, carol, "billing", "Paula")
	direct := startSession(t, ts, "dave@example.com", "Dave")
	ann := customer(t, ts, direct.last.Number, "Ann")
	direct.waitState("Ann connected", func(s protocol.State) bool { return find(s, ann.pid).Connected })

	// What each session's participants are told: the queue's settings over
	// the site's, or the site's alone.
	wantQueue := protocol.SessionSettings{Queue: "billing", DefaultMode: "sampling", DefaultColors: "256",
		Features: protocol.Features{FileTransfer: true, Scripts: false, SystemInfo: true, Reboot: false, Recording: true}}
	wantSite := protocol.SessionSettings{DefaultMode: "standard", DefaultColors: "256",
		Features: protocol.Features{FileTransfer: true, Scripts: true, SystemInfo: true, Reboot: true, Recording: true}}
	for _, c := range []struct {
		p        *party
		want     protocol.SessionSettings
		transfer int64
	}{{fromQueue, wantQueue, 10 << 20}, {paula, wantQueue, 10 << 20}, {direct, wantSite, 150 << 20}, {ann, wantSite, 150 << 20}} {
		if c.p.last.Settings == nil || *c.p.last.Settings != c.want || c.p.last.MaxTransferBytes != c.transfer {
			t.Errorf("%s's State: settings %+v, max transfer %d; want %+v, %d", c.p.name, c.p.last.Settings, c.p.last.MaxTransferBytes, c.want, c.transfer)
		}
	}

	// The queue switched scripts off: refused in its session, in a
	// sentence that says whose setting it is; allowed in the direct one.
	ae := fromQueue.refusal(&protocol.ConsentRequest{RequestID: "s1", To: paula.pid, Action: protocol.ActionScripts})
	if ae == nil || ae.Code != "feature_disabled" || ae.Message != "Running scripts is switched off for the Billing queue." {
		t.Errorf("scripts in the queue's session: %+v", ae)
	}
	if ae := fromQueue.refusal(&protocol.ConsentRequest{RequestID: "f1", To: paula.pid, Action: protocol.ActionFiles}); ae != nil {
		t.Errorf("file transfer in the queue's session, which follows the site: %+v", ae)
	}
	if ae := direct.refusal(&protocol.ConsentRequest{RequestID: "s2", To: ann.pid, Action: protocol.ActionScripts}); ae != nil {
		t.Errorf("scripts in a session started directly: %+v", ae)
	}
	ann.expect(protocol.TypeConsentRequest, nil)

	// A reboot without the feature is refused when the agent asks to
	// restart, as for the site's.
	_, err = paula.api.Restart(ctxT(t), paula.session)
	wantRefused(t, "restart in the queue's session", err, http.StatusForbidden, "feature_disabled", "switched off for the Billing queue")
	if _, err := ann.api.Restart(ctxT(t), ann.session); err != nil {
		t.Errorf("restart in a session started directly: %v", err)
	}

	// GET /settings?session=ID: the session's settings and the queue's
	// phrases after the site's; without it, the site's as before.
	s, err := carol.SessionSettings(ctxT(t), fromQueue.session)
	must(t, err)
	if s.Queue != "billing" || s.Features.Scripts || s.Features.Reboot || !s.Features.FileTransfer || s.DefaultMode != "sampling" ||
		s.MaxTransferMB != 10 || len(s.QuickPhrases) != 5 || s.QuickPhrases[4] != (client.QuickPhrase{ID: own.ID, Text: own.Text}) ||
		s.QuickPhrases[0].ID != "qph_hello" {
		t.Errorf("the queue's session's settings: %+v", s)
	}
	s, err = direct.api.SessionSettings(ctxT(t), direct.session)
	must(t, err)
	if s.Queue != "" || !s.Features.Scripts || s.DefaultMode != "standard" || len(s.QuickPhrases) != 4 {
		t.Errorf("the direct session's settings: %+v", s)
	}
	s, err = carol.Settings(ctxT(t))
	must(t, err)
	if s.Queue != "" || !s.Features.Scripts || len(s.QuickPhrases) != 4 {
		t.Errorf("the site's settings: %+v", s)
	}
	// Only a CSR in the session may read them.
	_, err = direct.api.SessionSettings(ctxT(t), fromQueue.session)
	wantRefused(t, "another CSR's session", err, http.StatusForbidden, "not_a_participant", "")
	_, err = paula.api.SessionSettings(ctxT(t), fromQueue.session)
	wantRefused(t, "a customer", err, http.StatusForbidden, "csr_only", "")
	_, err = carol.SessionSettings(ctxT(t), "ses_nonsense")
	wantRefused(t, "no such session", err, http.StatusNotFound, "no_such_session", "")
}

// A queue's session mode, maximum and tracking code apply to Accept Next;
// an account's own limits beat the queue's.
func TestQueueLimitsOnAcceptNext(t *testing.T) {
	ts := rendezvoustest.New(t, rendezvoustest.Options{})
	ts.AddQueue(t, "billing", "Billing")
	ts.AddQueue(t, "sales", "Sales")
	carol := ts.CSR(t, "carol@example.com", "Carol")
	for _, q := range []string{"billing", "sales"} {
		must(t, ts.Store.AddQueueMember(ctxT(t), q, "carol@example.com", time.Now()))
	}
	setQueue(t, ts, "billing", "session-mode", "single")
	setQueue(t, ts, "sales", "tracking-code", "required")

	board, err := carol.Queues(ctxT(t))
	must(t, err)
	if len(board.Queues) != 2 || board.Queues[0].TrackingCode != "off" || board.Queues[1].TrackingCode != "required" {
		t.Fatalf("the board's tracking code policies: %+v", board.Queues)
	}

	// Carol hosts one session; the single-mode queue refuses her another.
	if _, err := carol.CreateSession(ctxT(t), "", ""); err != nil {
		t.Fatal(err)
	}
	enterQueue(t, ts, "billing", "Paula")
	_, err = carol.AcceptNext(ctxT(t), "billing", "", "")
	wantRefused(t, "accept next in a single queue", err, http.StatusConflict, "too_many_sessions",
		"You already have a session open, and the Billing queue works on one session at a time. End it before starting another.")

	// The sales queue asks for a tracking code, and allows several sessions.
	enterQueue(t, ts, "sales", "Quinn")
	_, err = carol.AcceptNext(ctxT(t), "sales", "", " ")
	wantRefused(t, "accept next without a code", err, http.StatusBadRequest, "tracking_code_required",
		"Enter a tracking code: the Sales queue needs one for every session.")
	acc, err := carol.AcceptNext(ctxT(t), "sales", "", "T-42")
	if err != nil || acc.Request.Name != "Quinn" {
		t.Fatalf("accept next in a multi queue: %+v, %v", acc, err)
	}
	// Carol's own session mode beats the queue's.
	must(t, ts.Store.SetUserLimits(ctxT(t), "carol@example.com", settings.UserLimits{SessionMode: settings.ModeMulti}))
	if acc, err := carol.AcceptNext(ctxT(t), "billing", "", ""); err != nil || acc.Request.Name != "Paula" {
		t.Fatalf("accept next in the single queue for an account of its own multi mode: %+v, %v", acc, err)
	}
}

// A session transferred to another queue follows that queue's settings
// from then on; and the site's change reaches the queues that follow it.
func TestTransferredSessionFollowsTheNewQueue(t *testing.T) {
	ts := rendezvoustest.New(t, rendezvoustest.Options{})
	carol := ts.CSR(t, "carol@example.com", "Carol")
	dave := ts.CSR(t, "dave@example.com", "Dave")
	ts.AddQueue(t, "billing", "Billing", "carol@example.com")
	ts.AddQueue(t, "tier-2", "Second level", "dave@example.com")
	setQueue(t, ts, "billing", "scripts", "off")
	setQueue(t, ts, "tier-2", "system-info", "off")

	host, paula := acceptFrom(t, ts, carol, "billing", "Paula")
	if code := host.do(&protocol.ConsentRequest{RequestID: "s1", To: paula.pid, Action: protocol.ActionScripts}); code != "feature_disabled" {
		t.Fatalf("scripts in billing: %q", code)
	}
	_, err := carol.TransferSession(ctxT(t), host.session, client.Transfer{Queue: "tier-2"})
	must(t, err)
	took, err := dave.AcceptNext(ctxT(t), "tier-2", "", "")
	must(t, err)
	dv := &party{t: t, name: "Dave", api: dave, conn: dial(t, dave), pid: took.ParticipantID, session: took.ID}
	dv.attach(0)
	if s := dv.last.Settings; s == nil || s.Queue != "tier-2" || !s.Features.Scripts || s.Features.SystemInfo {
		t.Errorf("the State after the transfer: %+v", s)
	}
	paula.waitState("tier-2's settings", func(s protocol.State) bool { return s.Settings != nil && s.Settings.Queue == "tier-2" })
	if code := dv.do(&protocol.ConsentRequest{RequestID: "s2", To: paula.pid, Action: protocol.ActionScripts}); code != "" {
		t.Errorf("scripts in tier-2: %q", code)
	}
	if code := dv.do(&protocol.ConsentRequest{RequestID: "i1", To: paula.pid, Action: protocol.ActionSysinfo}); code != "feature_disabled" {
		t.Errorf("system information in tier-2: %q", code)
	}
	if s, err := dave.SessionSettings(ctxT(t), took.ID); err != nil || s.Queue != "tier-2" || s.Features.SystemInfo {
		t.Errorf("the settings of the transferred session: %+v, %v", s, err)
	}
}

// A setting changed while a session runs reaches its participants: with
// the next State, and at once when a request runs into it.
func TestLiveQueueSettingReachesTheState(t *testing.T) {
	ts := rendezvoustest.New(t, rendezvoustest.Options{})
	carol := ts.CSR(t, "carol@example.com", "Carol")
	ts.AddQueue(t, "billing", "Billing", "carol@example.com")
	host, paula := acceptFrom(t, ts, carol, "billing", "Paula")
	if f := host.last.Settings.Features; !f.FileTransfer || !f.Scripts {
		t.Fatalf("features at first: %+v", f)
	}

	// Switched off for the queue: the next State says so.
	setQueue(t, ts, "billing", "file-transfer", "off")
	number := host.last.Number
	customer(t, ts, number, "Sam")
	st := host.waitState("file transfer off", func(s protocol.State) bool { return !s.Settings.Features.FileTransfer })
	if !st.Settings.Features.Scripts || st.Settings.Queue != "billing" {
		t.Errorf("the State after the change: %+v", st.Settings)
	}

	// Switched off for the site, which the queue follows: the refused
	// request brings a State with it, before any change of the roster.
	must(t, ts.Store.SetSiteSetting(ctxT(t), "scripts", "off"))
	ae := host.refusal(&protocol.ConsentRequest{RequestID: "s1", To: paula.pid, Action: protocol.ActionScripts})
	if ae == nil || ae.Message != "Running scripts is switched off for this site." {
		t.Errorf("scripts after the site switched them off: %+v", ae)
	}
	host.waitState("scripts off", func(s protocol.State) bool { return !s.Settings.Features.Scripts })
	paula.waitState("scripts off", func(s protocol.State) bool { return !s.Settings.Features.Scripts })

	// Back to the site's for file transfer, which is on.
	setQueue(t, ts, "billing", "file-transfer", "site")
	s, err := carol.SessionSettings(ctxT(t), host.session)
	if err != nil || !s.Features.FileTransfer || s.Features.Scripts {
		t.Errorf("the session's settings after following the site again: %+v, %v", s, err)
	}
}
