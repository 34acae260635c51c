package server_test

import (
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"reflect"
	"strings"
	"testing"

	"lifeline/rendezvous/settings"
	"lifeline/rendezvous/store"
	"lifeline/shared/client"
	"lifeline/shared/protocol"
	"lifeline/shared/rendezvoustest"
)

// getSettingsRaw is GET /api/v1/settings with token, as bytes.
func getSettingsRaw(t *testing.T, ts *rendezvoustest.Server, token string) (int, []byte) {
	t.Helper()
	req, _ := http.NewRequest("GET", ts.URL+"/api/v1/settings", nil)
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	resp, err := ts.Client().HTTP.Do(req)
	must(t, err)
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, b
}

func TestSettingsAreVisibleToCSRsAndAdmins(t *testing.T) {
	ts := rendezvoustest.New(t, rendezvoustest.Options{})
	csr := ts.CSR(t, "carol@example.com", "Carol")

	// The exact shape of a new site's answer, field names included.
	status, body := getSettingsRaw(t, ts, csr.Token)
	var got map[string]any
	if status != http.StatusOK || json.Unmarshal(body, &got) != nil {
		t.Fatalf("GET /settings = %d %s", status, body)
	}
	phrases := got["quick_phrases"].([]any)
	if len(phrases) != 4 || phrases[0].(map[string]any)["text"] != "Hello, I'm here to help. One moment while I look at this." ||
		!strings.HasPrefix(phrases[0].(map[string]any)["id"].(string), "qph_") {
		t.Errorf("quick_phrases = %v", phrases)
	}
	delete(got, "quick_phrases")
	want := map[string]any{
		"session_mode": "multi", "max_customers": 4.0, "tracking_code": "off", "session_types": []any{},
		"features":     map[string]any{"file_transfer": true, "scripts": true, "system_info": true, "reboot": true, "recording": true},
		"default_mode": "standard", "default_colors": "full", "max_transfer_mb": 150.0, "retention_days": 92.0,
	}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("GET /settings =\n%v\nwant\n%v", got, want)
	}

	// The typed client reads the same.
	s, err := csr.Settings(ctxT(t))
	must(t, err)
	if s.SessionMode != client.SessionModeMulti || s.MaxCustomers != 4 || s.TrackingCode != client.TrackingCodeOff ||
		len(s.QuickPhrases) != 4 || !s.Features.FileTransfer || !s.Features.Recording || s.DefaultColors != client.ColorsFull ||
		s.MaxTransferMB != 150 {
		t.Errorf("client.Settings = %+v", s)
	}

	// Admins read them too; nobody else does.
	ts.AddUser(t, "ann@example.com", "Ann", store.RoleAdmin, "admin password")
	admin := ts.Client()
	_, err = admin.Login(ctxT(t), "ann@example.com", "admin password")
	must(t, err)
	if _, err := admin.Settings(ctxT(t)); err != nil {
		t.Errorf("admin: %v", err)
	}
	c, err := csr.CreateSession(ctxT(t), "", "")
	must(t, err)
	j, err := ts.Client().Join(ctxT(t), c.Number, "Ann Customer", "")
	must(t, err)
	for _, tc := range []struct {
		name, token string
		status      int
		code        string
	}{
		{"no token", "", http.StatusUnauthorized, "unauthenticated"},
		{"a made-up token", "llu_nonsense", http.StatusUnauthorized, "invalid_token"},
		{"a customer's token", j.Token, http.StatusForbidden, "csr_only"},
	} {
		_, err := ts.Client().WithToken(tc.token).Settings(ctxT(t))
		var ae *client.APIError
		if !asAPI(err, &ae) || ae.Status != tc.status || ae.Code != tc.code {
			t.Errorf("%s: %v, want %d %s", tc.name, err, tc.status, tc.code)
		}
	}
}

// Settings are read from the database on each request: a change made
// beside the server (by the command line) shows at once, and each CSR sees
// their own limits.
func TestSettingsFollowTheDatabase(t *testing.T) {
	ts := rendezvoustest.New(t, rendezvoustest.Options{})
	carol := ts.CSR(t, "carol@example.com", "Carol")
	dave := ts.CSR(t, "dave@example.com", "Dave")
	ctx := ctxT(t)
	for name, value := range map[string]string{
		"max-customers": "6", "tracking-code": "optional", "default-mode": "sampling", "default-colors": "16bit", "scripts": "off", "reboot": "off",
		"max-transfer-mb": "2048", "retention-days": "30",
	} {
		must(t, ts.Store.SetSiteSetting(ctx, name, value))
	}
	for _, name := range []string{"Billing", "Network"} {
		_, err := ts.Store.AddSessionType(ctx, name)
		must(t, err)
	}
	added, err := ts.Store.AddQuickPhrase(ctx, "One moment, please.")
	must(t, err)
	phrases, _ := ts.Store.QuickPhrases(ctx)
	must(t, ts.Store.RemoveQuickPhrase(ctx, phrases[0].ID))
	must(t, ts.Store.SetUserLimits(ctx, "dave@example.com", settings.UserLimits{SessionMode: settings.ModeSingle}))

	s, err := carol.Settings(ctx)
	must(t, err)
	wantFeatures := client.Features{FileTransfer: true, Scripts: false, SystemInfo: true, Reboot: false, Recording: true}
	if s.SessionMode != "multi" || s.MaxCustomers != 6 || s.TrackingCode != "optional" || s.DefaultMode != "sampling" ||
		s.DefaultColors != "16bit" || s.Features != wantFeatures || !reflect.DeepEqual(s.SessionTypes, []string{"Billing", "Network"}) ||
		s.MaxTransferMB != 2048 {
		t.Errorf("Carol's settings = %+v", s)
	}
	if len(s.QuickPhrases) != 4 || s.QuickPhrases[3] != (client.QuickPhrase{ID: added.ID, Text: "One moment, please."}) ||
		s.QuickPhrases[0].Text != "Could you please allow me to view your screen?" {
		t.Errorf("Carol's quick phrases = %+v", s.QuickPhrases)
	}
	var raw struct {
		RetentionDays int `json:"retention_days"`
	}
	if status, body := getSettingsRaw(t, ts, carol.Token); status != http.StatusOK || json.Unmarshal(body, &raw) != nil || raw.RetentionDays != 30 {
		t.Errorf("retention_days = %d (%d %s), want 30", raw.RetentionDays, status, body)
	}
	s, err = dave.Settings(ctx)
	must(t, err)
	if s.SessionMode != "single" || s.MaxCustomers != 1 {
		t.Errorf("Dave, in single mode: %s, %d; want single, 1", s.SessionMode, s.MaxCustomers)
	}
}

// wantRefused checks that err is a refusal with status, code and a message
// containing msg.
func wantRefused(t *testing.T, what string, err error, status int, code, msg string) {
	t.Helper()
	var ae *client.APIError
	if !asAPI(err, &ae) || ae.Status != status || ae.Code != code || !strings.Contains(ae.Message, msg) {
		t.Errorf("%s: %v; want %d %s with %q", what, err, status, code, msg)
	}
}

// startN starts n sessions as api and returns their ids.
func startN(t *testing.T, api *client.Client, n int) []string {
	t.Helper()
	var ids []string
	for i := range n {
		c, err := api.CreateSession(ctxT(t), "", "")
		if err != nil {
			t.Fatalf("session %d of %d: %v", i+1, n, err)
		}
		ids = append(ids, c.ID)
	}
	return ids
}

func TestSessionLimit(t *testing.T) {
	ts := rendezvoustest.New(t, rendezvoustest.Options{})
	carol := ts.CSR(t, "carol@example.com", "Carol")
	dave := ts.CSR(t, "dave@example.com", "Dave")
	ctx := ctxT(t)

	// The site's default: 4 at once.
	ids := startN(t, carol, 4)
	_, err := carol.CreateSession(ctx, "", "")
	wantRefused(t, "a fifth session", err, http.StatusConflict, client.CodeTooManySessions,
		"You already have 4 sessions open, the most your account allows. End one before starting another.")
	startN(t, dave, 1) // another CSR's sessions are their own

	// Ending one frees its place.
	must(t, carol.EndSession(ctx, ids[0], ""))
	startN(t, carol, 1)

	// Assisting in another's session is not hosting it.
	erin := startSession(t, ts, "erin@example.com", "Erin")
	if _, err := dial(t, carol).Request(ctx, "", &protocol.Assist{Number: erin.last.Number}); err != nil {
		t.Fatalf("assist: %v", err)
	}
	_, err = carol.CreateSession(ctx, "", "")
	wantRefused(t, "still at 4 while assisting", err, http.StatusConflict, client.CodeTooManySessions, "4 sessions")

	// A limit lowered while sessions are open: say how many to end.
	must(t, ts.Store.SetSiteSetting(ctx, "max-customers", "2"))
	_, err = carol.CreateSession(ctx, "", "")
	wantRefused(t, "4 open under a limit of 2", err, http.StatusConflict, client.CodeTooManySessions,
		"You already have 4 sessions open, and your account allows 2. End 3 of them before starting another.")

	// Raised again, at once, with no restart.
	must(t, ts.Store.SetSiteSetting(ctx, "max-customers", "5"))
	startN(t, carol, 1)
	_, err = carol.CreateSession(ctx, "", "")
	wantRefused(t, "at a raised limit of 5", err, http.StatusConflict, client.CodeTooManySessions, "You already have 5 sessions open")

	// Switched to single mode with five open.
	must(t, ts.Store.SetUserLimits(ctx, "carol@example.com", settings.UserLimits{SessionMode: settings.ModeSingle}))
	_, err = carol.CreateSession(ctx, "", "")
	wantRefused(t, "5 open in single mode", err, http.StatusConflict, client.CodeTooManySessions,
		"You already have 5 sessions open, and your account works on one session at a time. End them before starting another.")
}

// TestSessionModes is how the site's mode and maximum and an account's own
// combine, as CSRs meet them when starting sessions.
func TestSessionModes(t *testing.T) {
	for _, tc := range []struct {
		name    string
		site    map[string]string
		account settings.UserLimits
		allowed int    // sessions that start
		refusal string // the sentence of the one after
	}{
		{"single mode on the site", map[string]string{"session-mode": "single"}, settings.UserLimits{}, 1,
			"You already have a session open, and your account works on one session at a time. End it before starting another."},
		{"single mode for the account beats multi on the site", nil, settings.UserLimits{SessionMode: settings.ModeSingle}, 1,
			"one session at a time"},
		{"single mode ignores a maximum", map[string]string{"max-customers": "9"}, settings.UserLimits{SessionMode: settings.ModeSingle, MaxCustomers: 9}, 1,
			"one session at a time"},
		{"multi mode for the account beats single on the site", map[string]string{"session-mode": "single", "max-customers": "3"},
			settings.UserLimits{SessionMode: settings.ModeMulti}, 3, "You already have 3 sessions open"},
		{"the account's maximum beats the site's, up", map[string]string{"max-customers": "2"}, settings.UserLimits{MaxCustomers: 3}, 3,
			"You already have 3 sessions open"},
		{"the account's maximum beats the site's, down", nil, settings.UserLimits{MaxCustomers: 2}, 2,
			"You already have 2 sessions open"},
		{"multi mode with a maximum of 1", map[string]string{"max-customers": "1"}, settings.UserLimits{}, 1,
			"You already have 1 session open, the most your account allows. End it before starting another."},
	} {
		t.Run(tc.name, func(t *testing.T) {
			ts := rendezvoustest.New(t, rendezvoustest.Options{})
			csr := ts.CSR(t, "carol@example.com", "Carol")
			for k, v := range tc.site {
				must(t, ts.Store.SetSiteSetting(ctxT(t), k, v))
			}
			must(t, ts.Store.SetUserLimits(ctxT(t), "carol@example.com", tc.account))
			s, err := csr.Settings(ctxT(t))
			must(t, err)
			if s.MaxCustomers != tc.allowed {
				t.Errorf("settings say max_customers %d, want %d", s.MaxCustomers, tc.allowed)
			}
			ids := startN(t, csr, tc.allowed)
			_, err = csr.CreateSession(ctxT(t), "", "")
			wantRefused(t, "one more", err, http.StatusConflict, client.CodeTooManySessions, tc.refusal)
			must(t, csr.EndSession(ctxT(t), ids[0], ""))
			startN(t, csr, 1)
		})
	}
}

func TestSessionTypeAndTrackingCode(t *testing.T) {
	ts := rendezvoustest.New(t, rendezvoustest.Options{})
	csr := ts.CSR(t, "carol@example.com", "Carol")
	ctx := ctxT(t)
	steps := []struct {
		name          string
		setup         func()
		typ, tracking string
		code          string // "" when it starts
		msg           string // a part of the refusal
		storedType    string
		storedCode    string
	}{
		{name: "no types, tracking off: anything goes, and is kept", typ: "Anything", tracking: "T-1", storedType: "Anything", storedCode: "T-1"},
		{name: "types configured, none given", setup: func() {
			for _, n := range []string{"Billing", "Network"} {
				_, err := ts.Store.AddSessionType(ctx, n)
				must(t, err)
			}
		}, code: client.CodeSessionTypeRequired, msg: "Choose a session type: Billing or Network."},
		{name: "an unknown type", typ: "Sales", code: client.CodeUnknownSessionType, msg: `"Sales" is not a session type of this site; choose Billing or Network.`},
		{name: "a type in another case is the site's", typ: " billing ", storedType: "Billing"},
		{name: "tracking code required, none given", setup: func() {
			must(t, ts.Store.SetSiteSetting(ctx, "tracking-code", "required"))
		}, typ: "Network", code: client.CodeTrackingCodeRequired, msg: "Enter a tracking code"},
		{name: "blanks are no tracking code", typ: "Network", tracking: "   ", code: client.CodeTrackingCodeRequired},
		{name: "tracking code given", typ: "Network", tracking: " CASE-42 ", storedType: "Network", storedCode: "CASE-42"},
		{name: "optional: may be left empty", setup: func() {
			must(t, ts.Store.SetSiteSetting(ctx, "tracking-code", "optional"))
		}, typ: "Network", storedType: "Network"},
		{name: "types removed: no type needed again", setup: func() {
			must(t, ts.Store.RemoveSessionType(ctx, "Billing"))
			must(t, ts.Store.RemoveSessionType(ctx, "Network"))
		}},
	}
	for _, s := range steps {
		if s.setup != nil {
			s.setup()
		}
		c, err := csr.CreateSession(ctx, s.typ, s.tracking)
		if s.code != "" {
			wantRefused(t, s.name, err, http.StatusBadRequest, s.code, s.msg)
			continue
		}
		if err != nil {
			t.Errorf("%s: %v", s.name, err)
			continue
		}
		st, err := csr.Session(ctx, c.ID)
		must(t, err)
		if st.SessionType != s.storedType || st.TrackingCode != s.storedCode {
			t.Errorf("%s: stored type %q, tracking code %q; want %q, %q", s.name, st.SessionType, st.TrackingCode, s.storedType, s.storedCode)
		}
		must(t, csr.EndSession(ctx, c.ID, "")) // keep under the limit
	}
}

// A feature switched off is refused when the host asks the customer for it,
// from the next request on; viewing and control never are.
func TestFeaturesSwitchedOffAreRefused(t *testing.T) {
	ts := rendezvoustest.New(t, rendezvoustest.Options{})
	c := newCast(t, ts)
	ctx := ctxT(t)
	for _, name := range []string{"file-transfer", "scripts", "system-info", "reboot", "recording"} {
		must(t, ts.Store.SetSiteSetting(ctx, name, "off"))
	}
	for i, tc := range []struct {
		action, code string
	}{
		{protocol.ActionFiles, "feature_disabled"},
		{protocol.ActionScripts, "feature_disabled"},
		{protocol.ActionSysinfo, "feature_disabled"},
		{protocol.ActionReboot, "feature_disabled"},
		{protocol.ActionRecord, "feature_disabled"},
		{protocol.ActionView, ""},
		{protocol.ActionControl, ""},
	} {
		req := &protocol.ConsentRequest{RequestID: fmt.Sprintf("off-%d", i), To: c.primary.pid, Action: tc.action}
		if code := c.host.do(req); code != tc.code {
			t.Errorf("%s with the features off: %q, want %q", tc.action, code, tc.code)
		}
	}
	must(t, ts.Store.SetSiteSetting(ctx, "file-transfer", "on"))
	if code := c.host.do(&protocol.ConsentRequest{RequestID: "files-on", To: c.primary.pid, Action: protocol.ActionFiles}); code != "" {
		t.Errorf("files, switched back on: %q", code)
	}
	c.primary.expect(protocol.TypeConsentRequest, func(m client.Message) bool {
		return m.Msg.(*protocol.ConsentRequest).RequestID == "files-on"
	})
}
