package server_test

import (
	"net/http"
	"net/url"
	"testing"
	"time"

	"lifeline/rendezvous/server"
	"lifeline/shared/protocol"
	"lifeline/shared/rendezvoustest"
)

// A setting changed while sessions run reaches their consoles by itself:
// at once from the admin pages, and within the settings interval when the
// command line wrote the database behind the server's back.

func TestCommandLineSettingReachesLiveSessions(t *testing.T) {
	ts := rendezvoustest.New(t, rendezvoustest.Options{Configure: func(s *server.Server) {
		s.SettingsInterval = 100 * time.Millisecond
	}})
	carol := ts.CSR(t, "carol@example.com", "Carol")
	ts.AddQueue(t, "billing", "Billing", "carol@example.com")
	host, paula := acceptFrom(t, ts, carol, "billing", "Paula")

	// As `lifeline-rendezvous queue set billing scripts off` does: straight
	// to the database, with nothing else happening in the session.
	setQueue(t, ts, "billing", "scripts", "off")
	host.waitState("scripts off, by itself", func(s protocol.State) bool { return !s.Settings.Features.Scripts })
	paula.waitState("scripts off, by itself", func(s protocol.State) bool { return !s.Settings.Features.Scripts })

	// Nothing changed: no State is sent.
	host.expectNone(protocol.TypeState, 500*time.Millisecond)
}

func TestAdminPageSettingReachesLiveSessionsAtOnce(t *testing.T) {
	as := newAdminSite(t) // the default interval, 30 s: far beyond the wait below
	as.ts.AddQueue(t, "billing", "Billing", "carol@example.com")
	carol := as.ts.Client()
	if _, err := carol.Login(ctxT(t), "carol@example.com", adminPassword); err != nil {
		t.Fatal(err)
	}
	host, _ := acceptFrom(t, as.ts, carol, "billing", "Paula")
	if !host.last.Settings.Features.FileTransfer {
		t.Fatalf("file transfer at first: %+v", host.last.Settings)
	}
	resp, page := as.adam.post("/admin/queues/billing/settings", url.Values{"file_transfer": {"off"}})
	if resp.StatusCode != http.StatusSeeOther {
		t.Fatalf("saving the queue's settings: %d\n%s", resp.StatusCode, page)
	}
	host.waitState("file transfer off, at once", func(s protocol.State) bool { return !s.Settings.Features.FileTransfer })

	resp, page = as.adam.post("/admin/settings", url.Values{"default_colors": {"256"}})
	if resp.StatusCode != http.StatusSeeOther {
		t.Fatalf("saving the site's settings: %d\n%s", resp.StatusCode, page)
	}
	host.waitState("the site's colours, at once", func(s protocol.State) bool { return s.Settings.DefaultColors == "256" })
}
