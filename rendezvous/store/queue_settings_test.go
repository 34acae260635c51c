package store

import (
	"errors"
	"slices"
	"testing"
	"time"

	"lifeline/rendezvous/settings"
)

// TestQueueSettings: a queue's own values beat the site's for the sessions
// that come through it, a value set back to "site" follows the site again,
// and a session transferred to another queue follows that one.
func TestQueueSettings(t *testing.T) {
	forEachBackend(t, func(t *testing.T, s Store) {
		ctx := t.Context()
		mustUser(t, s, "u1", "carol@example.com", "Carol")
		billing := mustQueue(t, s, "billing", "Billing")
		mustQueue(t, s, "tier-2", "Tier 2")

		for _, tc := range []struct {
			queue, name, value string
			want               error // ErrNotFound, or nil for any refusal when ok is false
			ok                 bool
		}{
			{"billing", "scripts", "off", nil, true},
			{"Billing", "session-mode", "single", nil, true},
			{"billing", "default_colors", "256", nil, true},
			{"billing", "default_colors", "site", nil, true}, // back to the site's
			{"tier-2", "file-transfer", "off", nil, true},
			{"billing", "retention-days", "5", nil, false},
			{"billing", "scripts", "sometimes", nil, false},
			{"nowhere", "scripts", "off", ErrNotFound, false},
		} {
			err := s.SetQueueSetting(ctx, tc.queue, tc.name, tc.value)
			if tc.ok != (err == nil) || (tc.want != nil && !errors.Is(err, tc.want)) {
				t.Errorf("SetQueueSetting(%s, %s, %s) = %v", tc.queue, tc.name, tc.value, err)
			}
		}
		vals, err := s.QueueSettings(ctx, "billing")
		if err != nil || len(vals) != 2 || vals["scripts"] != "off" || vals["session_mode"] != "single" {
			t.Errorf("QueueSettings(billing) = %v, %v", vals, err)
		}
		if _, err := s.QueueSettings(ctx, "nowhere"); !errors.Is(err, ErrNotFound) {
			t.Errorf("QueueSettings(nowhere) = %v", err)
		}

		must(t, s.SetSiteSetting(ctx, "recording", "off"))
		site, _ := s.SiteSettings(ctx)
		want := site
		want.Features.Scripts, want.SessionMode = false, settings.ModeSingle
		if got, err := s.QueueSiteSettings(ctx, "billing"); err != nil || got != want {
			t.Errorf("QueueSiteSettings(billing) = %+v, %v; want %+v", got, err, want)
		}

		// A session that came through no queue has the site's settings.
		sess := Session{ID: "s1", Number: "111111111", OwnerUserID: "u1", CreatedAt: at(time.Minute)}
		if got, q, err := s.SessionSettings(ctx, "s1"); err != nil || got != site || q.ID != "" {
			t.Errorf("a session without a queue: %+v %+v %v", got, q, err)
		}
		// Accepted from billing: billing's.
		mustRequest(t, s, waitingRequest("a", billing.ID, base))
		must(t, s.AcceptQueueRequest(ctx, QueueAcceptance{RequestID: "a", UserID: "u1", At: sess.CreatedAt, Session: sess,
			Participants: []Participant{
				{ID: "s1-host", UserID: "u1", Name: "Carol", Role: RoleHost, TokenHash: hashOf("s1-host"), JoinedAt: sess.CreatedAt},
				{ID: "s1-cust", Name: "Customer a", Role: RolePrimary, JoinedAt: sess.CreatedAt}}}))
		if got, q, err := s.SessionSettings(ctx, "s1"); err != nil || got != want || q.Name != "billing" {
			t.Errorf("a session from billing: %+v %+v %v", got, q, err)
		}
		// Transferred to tier-2, waiting there: tier-2's.
		tier2, _ := s.QueueByName(ctx, "tier-2")
		must(t, s.Tx(ctx, func(w Writer) error {
			if err := w.SetQueueRequestTransferred(ctx, "a", at(2*time.Minute)); err != nil {
				return err
			}
			return w.AddQueueRequest(ctx, QueueRequest{ID: "a2", QueueID: tier2.ID, Name: "Customer a",
				SessionID: "s1", ParticipantID: "s1-cust", RequestedAt: at(2 * time.Minute), TransferredFrom: "a", TransferredBy: "u1"})
		}))
		wantTier2 := site
		wantTier2.Features.FileTransfer = false
		if got, q, err := s.SessionSettings(ctx, "s1"); err != nil || got != wantTier2 || q.Name != "tier-2" {
			t.Errorf("a session transferred to tier-2: %+v %+v %v", got, q, err)
		}
	})
}

// TestQueuePhrases: a queue's phrases are its own; the site's list does not
// show them, and one removal works for both.
func TestQueuePhrases(t *testing.T) {
	forEachBackend(t, func(t *testing.T, s Store) {
		ctx := t.Context()
		mustQueue(t, s, "billing", "Billing")
		siteBefore, err := s.QuickPhrases(ctx)
		if err != nil || len(siteBefore) == 0 {
			t.Fatalf("the seeded site phrases: %v, %v", siteBefore, err)
		}
		p1, err := s.AddQueuePhrase(ctx, "billing", "  Do you have your invoice number?  ")
		if err != nil || p1.Text != "Do you have your invoice number?" {
			t.Fatalf("AddQueuePhrase = %+v, %v", p1, err)
		}
		p2, _ := s.AddQueuePhrase(ctx, "billing", "Refunds take five working days.")
		if _, err := s.AddQueuePhrase(ctx, "billing", "two\nlines"); err == nil {
			t.Error("a phrase with a line break was stored")
		}
		if _, err := s.AddQueuePhrase(ctx, "nowhere", "Hello"); !errors.Is(err, ErrNotFound) {
			t.Errorf("a phrase for no queue: %v", err)
		}
		texts := func(ps []QuickPhrase) []string {
			var out []string
			for _, p := range ps {
				out = append(out, p.Text)
			}
			return out
		}
		got, _ := s.QueuePhrases(ctx, "Billing")
		if !slices.Equal(texts(got), []string{p1.Text, p2.Text}) {
			t.Errorf("QueuePhrases = %v", texts(got))
		}
		if site, _ := s.QuickPhrases(ctx); !slices.Equal(texts(site), texts(siteBefore)) {
			t.Errorf("the site's phrases show the queue's: %v", texts(site))
		}
		must(t, s.RemoveQuickPhrase(ctx, p1.ID))
		if got, _ := s.QueuePhrases(ctx, "billing"); !slices.Equal(texts(got), []string{p2.Text}) {
			t.Errorf("after removing one: %v", texts(got))
		}
	})
}

// TestSettingsStamp: every change of a setting, the site's or a queue's,
// set or removed, moves the stamp; reading does not.
func TestSettingsStamp(t *testing.T) {
	forEachBackend(t, func(t *testing.T, s Store) {
		ctx := t.Context()
		mustQueue(t, s, "billing", "Billing")
		seen := map[string]string{}
		step := func(what string, change func() error) {
			t.Helper()
			must(t, change())
			stamp, err := s.SettingsStamp(ctx)
			if err != nil {
				t.Fatal(err)
			}
			if prev, dup := seen[stamp]; dup {
				t.Errorf("after %s the stamp %q is the one after %s", what, stamp, prev)
			}
			seen[stamp] = what
			time.Sleep(2 * time.Millisecond) // changes are stamped by the millisecond
		}
		step("nothing", func() error { return nil })
		step("a site setting", func() error { return s.SetSiteSetting(ctx, "scripts", "off") })
		step("the same site setting again", func() error { return s.SetSiteSetting(ctx, "scripts", "on") })
		step("a queue setting", func() error { return s.SetQueueSetting(ctx, "billing", "reboot", "off") })
		step("the queue following the site again", func() error { return s.SetQueueSetting(ctx, "billing", "reboot", "site") })
		if a, _ := s.SettingsStamp(ctx); a != func() string { b, _ := s.SettingsStamp(ctx); return b }() {
			t.Error("reading moved the stamp")
		}
	})
}
