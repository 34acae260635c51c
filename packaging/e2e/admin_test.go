package e2e

import (
	"context"
	"fmt"
	"reflect"
	"strings"
	"testing"
	"time"

	"lifeline/rendezvous/store"
	"lifeline/shared/rendezvoustest"
)

// The screenshots of docs/screenshots/admin-*.png come from this test:
//
//	LIFELINE_ADMIN_SCREENSHOTS=$PWD/docs/screenshots go test -tags x11 -run TestAdminPages ./packaging/e2e/
//
// Without the variable they are taken, checked and thrown away.

// clickInView scrolls the element to the middle of the page and clicks
// it, waiting for the page its form or link loads.
func (b *browser) clickInView(selector string) {
	b.t.Helper()
	b.eval(fmt.Sprintf(`document.querySelector(%q).scrollIntoView({block: "center"})`, selector))
	b.clickAndLoad(selector)
}

// TestAdminPages logs an admin in to the admin pages in Chromium and does
// what the guide's site administration does, as a person would: switches
// scripts off for one queue, gives it a quick phrase of its own, adds one
// for the whole site, and sees a refused value explained next to its
// field. The pages have no script; the test reads them and clicks.
func TestAdminPages(t *testing.T) {
	chromiumPath(t)
	ts := rendezvoustest.New(t, rendezvoustest.Options{})
	ctx := context.Background()
	const password = "admin e2e password"
	ts.AddUser(t, "alex@example.com", "Alex Morgan", store.RoleAdmin, password)
	for _, name := range []string{"Carol Jones", "Dave Miller", "Erin Walsh"} {
		ts.AddUser(t, strings.ToLower(strings.Fields(name)[0])+"@example.com", name, store.RoleCSR, password)
	}
	ts.AddQueue(t, "billing", "Billing", "carol@example.com", "dave@example.com")
	ts.AddQueue(t, "network", "Network problems", "dave@example.com", "erin@example.com")
	ts.AddQueue(t, "sales", "Sales")
	if _, err := ts.Store.AddSessionType(ctx, "Hardware"); err != nil {
		t.Fatal(err)
	}
	if _, err := ts.Store.AddSessionType(ctx, "Software"); err != nil {
		t.Fatal(err)
	}
	q, err := ts.Store.QueueByName(ctx, "network")
	if err != nil {
		t.Fatal(err)
	}
	if err := ts.Store.CreateQueueRequest(ctx, store.QueueRequest{ID: "req1", QueueID: q.ID, Name: "Quinn Adler", Email: "quinn@example.org",
		TokenHash: []byte("quinn"), RequestedAt: time.Now()}); err != nil {
		t.Fatal(err)
	}

	b := startBrowser(t, reportViewportWidth, 900, t.TempDir())
	shot := screenshots(t, "LIFELINE_ADMIN_SCREENSHOTS")
	body := func() string { return b.text("document.body.innerText") }

	// The admin pages ask to log in first, and come back after.
	b.navigate(ts.URL + "/admin/")
	b.at("/admin/login", "/admin/, not logged in")
	b.typeInto("#email", "alex@example.com")
	b.typeInto("#password", password)
	b.clickAndLoad("button[type=submit]")
	b.at("/admin/settings", "after logging in")
	if n := b.number(`document.querySelectorAll("form .field").length`); n != 12 {
		t.Errorf("the site settings form has %v fields, want 12", n)
	}
	shot("admin-settings.png", b.fullScreenshot())

	// The queues, from the header.
	b.clickAndLoad(`header nav a[href="/admin/queues"]`)
	rows := b.text(`[...document.querySelectorAll("tbody tr")].map(tr => [...tr.cells].slice(0, 5).map(td => td.textContent).join(" | ")).join("\n")`)
	want := strings.Join([]string{
		"Billing | billing | 2 | 0 | " + ts.URL + "/help/billing",
		"Network problems | network | 2 | 1 | " + ts.URL + "/help/network",
		"Sales | sales | 0 | 0 | " + ts.URL + "/help/sales",
	}, "\n")
	if rows != want {
		t.Errorf("the queue list:\n%s\nwant\n%s", rows, want)
	}
	shot("admin-queues.png", b.screenshot())

	// Billing: scripts off for the sessions that come through it.
	b.clickAndLoad(`a[href="/admin/queues/billing"]`)
	if h := b.text(`document.querySelector("h1").textContent`); h != "Billing" {
		t.Fatalf("the queue's page is %q", h)
	}
	if sel := b.text(`document.querySelector("#f-scripts").selectedOptions[0].textContent`); sel != "Site's (On)" {
		t.Errorf("scripts of a new queue: %q", sel)
	}
	b.eval(`document.querySelector("#f-scripts").value = "off"`)
	b.clickInView(`form[action="/admin/queues/billing/settings"] button[type=submit]`)
	if notice := b.text(`document.querySelector(".ok").textContent`); notice != "Saved for Billing — Scripts: Off." {
		t.Errorf("after saving: %q", notice)
	}
	if own, err := ts.Store.QueueSettings(ctx, "billing"); err != nil || !reflect.DeepEqual(own, map[string]string{"scripts": "off"}) {
		t.Errorf("billing's own settings: %v %v", own, err)
	}
	if site, err := ts.Store.QueueSiteSettings(ctx, "billing"); err != nil || site.Features.Scripts || !site.Features.FileTransfer {
		t.Errorf("what applies in billing's sessions: %+v %v", site, err)
	}

	// A phrase of its own.
	b.typeInto(`form[action="/admin/queues/billing/phrases"] input[name=text]`, "Please have your invoice number ready.")
	b.clickInView(`form[action="/admin/queues/billing/phrases"] button[type=submit]`)
	if notice := b.text(`document.querySelector(".ok").textContent`); notice != "Added a quick phrase for Billing: “Please have your invoice number ready.”" {
		t.Errorf("after adding a phrase: %q", notice)
	}
	if ps, err := ts.Store.QueuePhrases(ctx, "billing"); err != nil || len(ps) != 1 || ps[0].Text != "Please have your invoice number ready." {
		t.Errorf("billing's phrases: %+v %v", ps, err)
	}
	shot("admin-queue.png", b.fullScreenshot())

	// A value the queue cannot have: refused next to its field, as typed.
	b.typeInto(`#f-max_customers`, "30")
	b.clickInView(`form[action="/admin/queues/billing/settings"] button[type=submit]`)
	if msg := b.text(`document.querySelector(".field.invalid .field-err").textContent`); msg !=
		`The maximum number of customers must be a whole number from 1 to 20, not "30".` {
		t.Errorf("the refusal: %q", msg)
	}
	if v := b.text(`document.querySelector("#f-max_customers").value`); v != "30" {
		t.Errorf("the refused value is shown as %q", v)
	}
	b.eval(`document.querySelector(".field.invalid").scrollIntoView({block: "center"})`)
	shot("admin-queue-refused.png", b.screenshot())

	// The site's phrases.
	b.clickInView(`header nav a[href="/admin/phrases"]`)
	b.typeInto(`form[action="/admin/phrases"] input[name=text]`, "I will send you a link to download the file now.")
	b.clickInView(`form[action="/admin/phrases"] button[type=submit]`)
	if !strings.Contains(body(), "Added a quick phrase: “I will send you a link to download the file now.”") {
		t.Errorf("after adding a site phrase:\n%s", body())
	}
	ps, err := ts.Store.QuickPhrases(ctx)
	if err != nil || len(ps) == 0 || ps[len(ps)-1].Text != "I will send you a link to download the file now." {
		t.Errorf("the site's phrases: %+v %v", ps, err)
	}
	shot("admin-phrases.png", b.fullScreenshot())

	// Removing the network queue is refused while Quinn waits in it.
	b.navigate(ts.URL + "/admin/queues")
	b.clickAndLoad(`form[action="/admin/queues/network/remove"] button`)
	if msg := b.text(`document.querySelector(".err").textContent`); !strings.HasPrefix(msg, "The queue Network problems has 1 customer waiting, so it was not removed") {
		t.Errorf("removing a queue with a customer waiting: %q", msg)
	}

	// Logging out, with the header's button, logs out of the reports too.
	b.clickAndLoad(`header form button`)
	b.at("/admin/login", "after logging out")
	b.navigate(ts.URL + "/reports/sessions")
	b.at("/reports/login", "the reports after logging out of the admin pages")
}
