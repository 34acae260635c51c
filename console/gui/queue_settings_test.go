package gui

import (
	"context"
	"slices"
	"strings"
	"testing"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/test"
	"fyne.io/fyne/v2/widget"

	"lifeline/console/internal/testcustomer"
	"lifeline/shared/client"
	"lifeline/shared/protocol"
)

// toolsShown are the session panel's tools for the customer's computer a
// host sees.
func toolsShown(v *sessionView) string {
	var s []string
	for _, b := range []*widget.Button{v.sysinfoBtn, v.runBtn, v.filesBtn, v.publishBtn, v.rebootBtn} {
		if !b.Hidden && (b == v.sysinfoBtn || v.toolsRow.Visible()) {
			s = append(s, b.Text)
		}
	}
	return strings.Join(s, "|")
}

// Each session tab follows its own session's settings: one accepted from
// a queue that switched file transfer and scripts off offers neither,
// with the queue's quick phrases after the site's, while a session started
// directly beside it offers every tool; Accept Next asks for the tracking
// code the queue wants though the site wants none; and a change while the
// sessions run reaches the tab of the queue's session.
func TestSessionsFollowTheirQueueSettings(t *testing.T) {
	ts := newServer(t)
	ctx := context.Background()
	ts.AddQueue(t, "billing", "Billing", "carol@example.com")
	for _, kv := range [][2]string{{"file_transfer", "off"}, {"scripts", "off"}, {"tracking_code", "required"}} {
		if err := ts.Store.SetQueueSetting(ctx, "billing", kv[0], kv[1]); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := ts.Store.AddQueuePhrase(ctx, "billing", "Your invoice is on its way."); err != nil {
		t.Fatal(err)
	}
	_, annJoined := inLine(t, ts, "billing", "Ann", "next in line")

	h := newHarnessOn(t, ts, Config{Server: ts.URL, Email: "carol@example.com", TLS: ts.TLS}, t.TempDir())
	h.loggedIn()
	v := h.u.q.view
	h.eventually("Ann in line", func() bool { return v.Waiting() == 1 })
	if h.u.policy.trackingCode != trackingOff {
		t.Fatalf("the site's tracking code policy: %q", h.u.policy.trackingCode)
	}
	test.Tap(v.acceptBtns["billing"])
	top := h.u.win.Canvas().Overlays().Top()
	if top == nil || !overlayHas(top, "Accept Next — Billing") || !h.dialogButton("Accept").Disabled() {
		t.Fatal("Accept Next does not ask for the tracking code the queue requires")
	}
	for _, o := range test.LaidOutObjects(top) {
		if e, ok := o.(*widget.Entry); ok {
			test.Type(e, "INV-7")
		}
	}
	test.Tap(h.dialogButton("Accept"))
	h.eventually("Ann's session", func() bool { return len(h.u.sessions) == 1 })
	if err := <-annJoined; err != nil {
		t.Fatalf("Ann did not join: %v", err)
	}
	fromQueue := h.u.sessions[h.u.order[0]]
	h.eventually("Ann in the session", func() bool { return !fromQueue.view.viewBtn.Disabled() })

	direct := h.start()
	testcustomer.Join(t, ts, direct.s.Number())
	h.eventually("the customer in the direct session", func() bool { return !direct.view.viewBtn.Disabled() })

	if got := toolsShown(fromQueue.view); got != "System Information|Reboot Computer" {
		t.Errorf("the queue's session offers %q", got)
	}
	if got := toolsShown(direct.view); got != "System Information|Run Scripts|File Transfer|Publish Files|Reboot Computer" {
		t.Errorf("the direct session offers %q", got)
	}
	h.eventually("the queue's phrases", func() bool {
		p := fromQueue.view.phrases
		return len(p) == len(h.u.policy.phrases)+1 && p[len(p)-1] == "Your invoice is on its way."
	})
	if !slices.Equal(direct.view.phrases, h.u.policy.phrases) {
		t.Errorf("the direct session's phrases: %q", direct.view.phrases)
	}
	if fromQueue.view.detail.Text != "You are the host · Tracking code: INV-7" {
		t.Errorf("detail %q", fromQueue.view.detail.Text)
	}

	// Scripts back on for the queue (following the site): the tab shows
	// Run Scripts once the next State says so — here, when a second
	// customer joins the session.
	if err := ts.Store.SetQueueSetting(ctx, "billing", "scripts", "site"); err != nil {
		t.Fatal(err)
	}
	testcustomer.Join(t, ts, fromQueue.s.Number())
	h.eventually("Run Scripts in the queue's session", func() bool {
		return toolsShown(fromQueue.view) == "System Information|Run Scripts|Reboot Computer"
	})
	// The site's settings read again (as at a login) leave each session's
	// own alone.
	h.u.applyPolicy(h.u.fetchPolicy(h.u.controller()))
	if toolsShown(fromQueue.view) != "System Information|Run Scripts|Reboot Computer" || !strings.Contains(toolsShown(direct.view), "File Transfer") {
		t.Errorf("after the site's settings were read again: %q and %q", toolsShown(fromQueue.view), toolsShown(direct.view))
	}
}

// The session panel of a session from a queue that switched file transfer
// and scripts off, and of one started directly, as the site's settings
// and the session's make them.
func TestSessionFeaturesMarkup(t *testing.T) {
	test.NewTempApp(t)
	u := &ui{policy: policyFrom(client.Settings{
		QuickPhrases: []client.QuickPhrase{{ID: "qph_hello", Text: "Hello, I'm here to help."}},
		Features:     client.Features{FileTransfer: true, Scripts: true, SystemInfo: true, Reboot: true, Recording: true},
	})}
	st := protocol.State{ID: "ses_a", Number: "482913077", You: "par_c", Participants: []protocol.Participant{
		{ID: "par_c", Name: "Carol Jensen", Role: protocol.RoleCSR, Connected: true},
		{ID: "par_a", Name: "Ann Smith", Role: protocol.RolePrimary, Connected: true},
	}}
	for _, tc := range []struct {
		golden   string
		settings *protocol.SessionSettings
		tools    string
	}{
		{"session_queue_features.xml", &protocol.SessionSettings{Queue: "billing",
			Features: protocol.Features{SystemInfo: true, Reboot: true, Recording: true}, DefaultMode: "sampling", DefaultColors: "256"},
			"System Information|Reboot Computer"},
		{"session_site_features.xml", &protocol.SessionSettings{
			Features: protocol.Features{FileTransfer: true, Scripts: true, SystemInfo: true, Reboot: true, Recording: true}},
			"System Information|Run Scripts|File Transfer|Publish Files|Reboot Computer"},
		// A server that does not say: the site's.
		{"", nil, "System Information|Run Scripts|File Transfer|Publish Files|Reboot Computer"},
	} {
		su := &sessionUI{view: newSessionView(), settings: tc.settings}
		v := su.view
		v.SetSession("482913077", "https://support.example.com/join/482913077", "https://support.example.com", "You are the host")
		v.SetParticipants(st, true)
		p := u.sessionPolicy(su)
		v.SetFeatures(p.tools())
		v.SetPhrases(p.phrases)
		if got := toolsShown(v); got != tc.tools {
			t.Errorf("%s: tools %q, want %q", tc.golden, got, tc.tools)
		}
		if tc.golden != "" {
			renderShot(t, tc.golden, v.content, fyne.NewSize(1200, 680))
		}
	}
	// The display defaults follow the session's, else the site's.
	if mode, colors := u.sessionDefaults(&sessionUI{settings: &protocol.SessionSettings{DefaultMode: "sampling", DefaultColors: "256"}}); mode != "sampling" || colors != "256" {
		t.Errorf("a queue's defaults: %s %s", mode, colors)
	}
	if mode, colors := u.sessionDefaults(&sessionUI{}); mode != client.ViewModeStandard || colors != client.ColorsFull {
		t.Errorf("the site's defaults: %s %s", mode, colors)
	}
}
