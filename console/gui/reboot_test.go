package gui

import (
	"context"
	"strings"
	"testing"

	"fyne.io/fyne/v2/test"
	"fyne.io/fyne/v2/widget"

	"lifeline/agent/consent"
	"lifeline/agent/session"
	"lifeline/console/internal/testcustomer"
	"lifeline/shared/client"
)

// Reboot Computer with a real customer: the CSR confirms, a no is said as
// such; once allowed, the roster shows the customer restarting, the tools
// wait, and the chat says when they are back (their agent started again
// with the resume token).
func TestRebootComputer(t *testing.T) {
	h := newHarness(t)
	su := h.started()
	cust := joinCustomer(h, su)
	v := su.view

	test.Tap(v.rebootBtn)
	if !overlayHas(h.u.win.Canvas().Overlays().Top(), "Restart Ann's computer?") {
		t.Fatal("no confirmation")
	}
	test.Tap(h.dialogButton("Reboot"))
	h.eventually("the refusal", func() bool {
		return overlayHas(h.u.win.Canvas().Overlays().Top(), "The customer did not allow you to restart their computer.")
	})
	test.Tap(h.dialogButton("OK"))
	if v.rebootBtn.Disabled() || v.toolsMsg.Visible() {
		t.Fatal("Reboot Computer stays off after a no")
	}
	// Cancel asks nothing.
	test.Tap(v.rebootBtn)
	test.Tap(h.dialogButton("Cancel"))

	cust.Answer(consent.AllowOnce)
	test.Tap(v.rebootBtn)
	test.Tap(h.dialogButton("Reboot"))
	h.eventually("the customer restarting", func() bool { return v.restarting == "Ann" })
	if !v.sysinfoBtn.Disabled() || !v.runBtn.Disabled() || !v.rebootBtn.Disabled() || !v.viewBtn.Disabled() {
		t.Fatal("tools on while the customer restarts")
	}
	restarting := false
	for _, o := range test.LaidOutObjects(v.people) {
		if l, ok := o.(*widget.Label); ok && l.Text == "Primary customer · restarting…" {
			restarting = true
		}
	}
	if !restarting || !strings.Contains(chatText(v), "Ann's computer is restarting.") {
		t.Fatalf("roster restarting %v, chat:\n%s", restarting, chatText(v))
	}
	var tokens []string
	h.eventually("the resume token", func() bool { tokens = cust.Reboots(); return len(tokens) == 1 })

	// The computer is back: the agent starts with the ticket's token.
	api := client.New(h.ts.URL, h.ts.TLS)
	var tok string
	h.background("resume", func() error {
		j, err := api.Resume(ctxT(t), tokens[0])
		tok = j.Token
		return err
	})
	back := testcustomer.New()
	back.Agent = session.New(session.Config{API: api, Token: tok, Rejoined: true, LoopbackOnly: true}, back)
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() { defer close(done); _ = back.Agent.Run(ctx) }()
	t.Cleanup(func() { cancel(); <-done })
	h.eventually("the customer back", func() bool { return strings.Contains(chatText(v), "Ann is back after the restart.") })
	if v.restarting != "" || v.sysinfoBtn.Disabled() || v.rebootBtn.Disabled() {
		t.Fatal("the tools stay off after the customer is back")
	}
	if n := strings.Count(chatText(v), "is back after the restart"); n != 1 {
		t.Fatalf("said %d times", n)
	}
}

// The site's switches, read at login: what is off is not shown.
func TestToolsFollowSiteSettings(t *testing.T) {
	ts := newServer(t)
	for _, k := range []string{"scripts", "reboot"} {
		if err := ts.Store.SetSiteSetting(context.Background(), k, "off"); err != nil {
			t.Fatal(err)
		}
	}
	h := newHarnessOn(t, ts, Config{Server: ts.URL, Email: "carol@example.com", TLS: ts.TLS}, t.TempDir())
	su := h.started()
	v := su.view
	if v.runBtn.Visible() || v.rebootBtn.Visible() || !v.sysinfoBtn.Visible() || !v.filesBtn.Visible() || !v.publishBtn.Visible() {
		t.Fatalf("shown: scripts %v reboot %v sysinfo %v files %v publish %v",
			v.runBtn.Visible(), v.rebootBtn.Visible(), v.sysinfoBtn.Visible(), v.filesBtn.Visible(), v.publishBtn.Visible())
	}
	if !v.sysinfoBtn.Disabled() || !v.filesBtn.Disabled() {
		t.Fatal("tools on without a customer")
	}
}
