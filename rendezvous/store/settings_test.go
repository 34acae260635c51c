package store

import (
	"database/sql"
	"errors"
	"fmt"
	"reflect"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"lifeline/rendezvous/settings"
)

func TestSiteSettings(t *testing.T) {
	forEachBackend(t, func(t *testing.T, s Store) {
		ctx := t.Context()
		got, err := s.SiteSettings(ctx)
		if err != nil || got != settings.Defaults() {
			t.Fatalf("a new site's settings = %+v, %v; want the defaults %+v", got, err, settings.Defaults())
		}

		want := settings.Defaults()
		for _, tc := range []struct {
			name, value string
			apply       func(*settings.Site) // nil: refused, nothing changes
		}{
			{"max-customers", "6", func(s *settings.Site) { s.MaxCustomers = 6 }},
			{"max_customers", "7", func(s *settings.Site) { s.MaxCustomers = 7 }}, // set again: replaced
			{"session-mode", "Single", func(s *settings.Site) { s.SessionMode = settings.ModeSingle }},
			{"tracking-code", "required", func(s *settings.Site) { s.TrackingCode = settings.TrackingRequired }},
			{"default-mode", "sampling", func(s *settings.Site) { s.DefaultMode = settings.ViewSampling }},
			{"default-colors", "256", func(s *settings.Site) { s.DefaultColors = settings.Colors256 }},
			{"file-transfer", "off", func(s *settings.Site) { s.Features.FileTransfer = false }},
			{"scripts", "off", func(s *settings.Site) { s.Features.Scripts = false }},
			{"system-info", "off", func(s *settings.Site) { s.Features.SystemInfo = false }},
			{"reboot", "off", func(s *settings.Site) { s.Features.Reboot = false }},
			{"recording", "off", func(s *settings.Site) { s.Features.Recording = false }},
			{"recording", "on", func(s *settings.Site) { s.Features.Recording = true }},
			{"max-customers", "21", nil},
			{"session-mode", "dual", nil},
			{"colour", "blue", nil},
		} {
			err := s.SetSiteSetting(ctx, tc.name, tc.value)
			if (err == nil) != (tc.apply != nil) {
				t.Errorf("SetSiteSetting(%s, %s): %v", tc.name, tc.value, err)
			}
			if tc.apply != nil {
				tc.apply(&want)
			}
			if got, err := s.SiteSettings(ctx); err != nil || got != want {
				t.Errorf("after SetSiteSetting(%s, %s): %+v, %v; want %+v", tc.name, tc.value, got, err, want)
			}
		}
	})
}

// A value stored behind the store's back that the settings refuse is an
// error: falling back to the default could lift a limit the site set.
func TestSiteSettingsRefuseABadStoredValue(t *testing.T) {
	forEachBackendURL(t, func(t *testing.T, url string) {
		s := openTest(t, url)
		db := rawDB(t, url)
		if _, err := db.ExecContext(t.Context(), `INSERT INTO site_settings (name, value) VALUES ('max_customers', '500')`); err != nil {
			t.Fatal(err)
		}
		if _, err := s.SiteSettings(t.Context()); err == nil || !strings.Contains(err.Error(), "max_customers") {
			t.Errorf("SiteSettings with max_customers 500: %v; want an error naming it", err)
		}
	})
}

func phraseTexts(t *testing.T, s Store) []string {
	t.Helper()
	ps, err := s.QuickPhrases(t.Context())
	if err != nil {
		t.Fatal(err)
	}
	var texts []string
	for _, p := range ps {
		texts = append(texts, p.Text)
	}
	return texts
}

func TestQuickPhrases(t *testing.T) {
	forEachBackend(t, func(t *testing.T, s Store) {
		ctx := t.Context()
		seeded := []string{
			"Hello, I'm here to help. One moment while I look at this.",
			"Could you please allow me to view your screen?",
			"Thank you for your patience.",
			"Is there anything else I can help you with today?",
		}
		if got := phraseTexts(t, s); !slices.Equal(got, seeded) {
			t.Fatalf("a new site's phrases = %q, want %q", got, seeded)
		}

		added, err := s.AddQuickPhrase(ctx, "  Let me check that for you.  ")
		if err != nil || added.Text != "Let me check that for you." || !strings.HasPrefix(added.ID, "qph_") {
			t.Fatalf("AddQuickPhrase = %+v, %v", added, err)
		}
		if _, err := s.AddQuickPhrase(ctx, "One more."); err != nil {
			t.Fatal(err)
		}
		want := append(slices.Clone(seeded), "Let me check that for you.", "One more.")
		if got := phraseTexts(t, s); !slices.Equal(got, want) {
			t.Errorf("after two adds: %q, want %q (new ones last)", got, want)
		}

		ps, _ := s.QuickPhrases(ctx)
		for _, id := range []string{ps[0].ID, added.ID} {
			if err := s.RemoveQuickPhrase(ctx, id); err != nil {
				t.Errorf("RemoveQuickPhrase(%s): %v", id, err)
			}
		}
		want = append(slices.Clone(seeded[1:]), "One more.")
		if got := phraseTexts(t, s); !slices.Equal(got, want) {
			t.Errorf("after removing two: %q, want %q", got, want)
		}
		wantErr(t, "RemoveQuickPhrase twice", s.RemoveQuickPhrase(ctx, added.ID), ErrNotFound)

		for _, bad := range []string{"", "  ", "two\nlines", strings.Repeat("x", settings.MaxPhraseLen+1)} {
			if _, err := s.AddQuickPhrase(ctx, bad); err == nil {
				t.Errorf("AddQuickPhrase(%q) was accepted", bad)
			}
		}
		if got := phraseTexts(t, s); !slices.Equal(got, want) {
			t.Errorf("refused phrases changed the list: %q", got)
		}
	})
}

func TestSessionTypes(t *testing.T) {
	forEachBackend(t, func(t *testing.T, s Store) {
		ctx := t.Context()
		if got, err := s.SessionTypes(ctx); err != nil || len(got) != 0 {
			t.Fatalf("a new site's session types = %q, %v; want none", got, err)
		}
		for _, name := range []string{"Network", " Billing ", "Ünïcode"} {
			if _, err := s.AddSessionType(ctx, name); err != nil {
				t.Fatalf("AddSessionType(%q): %v", name, err)
			}
		}
		for _, tc := range []struct {
			name string
			want error // nil: any error will do
		}{
			{"network", ErrExists},
			{"BILLING", ErrExists},
			{"üNÏCODE", ErrExists}, // folded beyond ASCII
			{"", nil},
			{"a\nb", nil},
			{strings.Repeat("x", settings.MaxSessionTypeLen+1), nil},
		} {
			_, err := s.AddSessionType(ctx, tc.name)
			if err == nil || (tc.want != nil && !errors.Is(err, tc.want)) {
				t.Errorf("AddSessionType(%q): %v, want %v", tc.name, err, tc.want)
			}
		}
		want := []string{"Network", "Billing", "Ünïcode"} // as added, in the order added
		if got, _ := s.SessionTypes(ctx); !slices.Equal(got, want) {
			t.Errorf("SessionTypes = %q, want %q", got, want)
		}

		if err := s.RemoveSessionType(ctx, "NETWORK"); err != nil {
			t.Errorf("RemoveSessionType(NETWORK): %v", err)
		}
		wantErr(t, "RemoveSessionType(Network) twice", s.RemoveSessionType(ctx, "Network"), ErrNotFound)
		if got, _ := s.SessionTypes(ctx); !slices.Equal(got, want[1:]) {
			t.Errorf("after removal: %q, want %q", got, want[1:])
		}
		if _, err := s.AddSessionType(ctx, "network"); err != nil {
			t.Errorf("adding a removed type again: %v", err)
		}
	})
}

func TestUserLimits(t *testing.T) {
	forEachBackend(t, func(t *testing.T, s Store) {
		ctx := t.Context()
		mustUser(t, s, "u1", "alice@example.com", "Alice")
		if u, _ := s.UserByID(ctx, "u1"); u.Limits != (settings.UserLimits{}) {
			t.Errorf("a new account's limits = %+v, want the site's (zero)", u.Limits)
		}
		for _, l := range []settings.UserLimits{
			{SessionMode: settings.ModeSingle},
			{SessionMode: settings.ModeMulti, MaxCustomers: 9},
			{MaxCustomers: 2},
			{}, // back to the site's
		} {
			if err := s.SetUserLimits(ctx, "ALICE@example.com", l); err != nil {
				t.Fatalf("SetUserLimits(%+v): %v", l, err)
			}
			if u, _ := s.UserByEmail(ctx, "alice@example.com"); u.Limits != l {
				t.Errorf("after SetUserLimits(%+v): %+v", l, u.Limits)
			}
		}
		for _, bad := range []settings.UserLimits{{SessionMode: "site"}, {MaxCustomers: 21}, {MaxCustomers: -1}} {
			if err := s.SetUserLimits(ctx, "alice@example.com", bad); err == nil {
				t.Errorf("SetUserLimits(%+v) was accepted", bad)
			}
		}
		wantErr(t, "SetUserLimits(nobody)", s.SetUserLimits(ctx, "nobody@example.com", settings.UserLimits{}), ErrNotFound)

		bob := User{ID: "u2", Email: "bob@example.com", Role: RoleCSR, CreatedAt: base,
			Limits: settings.UserLimits{SessionMode: settings.ModeSingle, MaxCustomers: 3}}
		if err := s.CreateUser(ctx, bob); err != nil {
			t.Fatal(err)
		}
		if got, err := s.UserByID(ctx, "u2"); err != nil || !reflect.DeepEqual(got, bob) {
			t.Errorf("a user created with limits = %+v, %v; want %+v", got, err, bob)
		}
		bad := User{ID: "u3", Email: "eve@example.com", Role: RoleCSR, Limits: settings.UserLimits{MaxCustomers: 50}}
		if err := s.CreateUser(ctx, bad); err == nil {
			t.Error("CreateUser with a maximum of 50 was accepted")
		}
	})
}

func TestCreateHostedSession(t *testing.T) {
	forEachBackend(t, func(t *testing.T, s Store) {
		ctx := t.Context()
		mustUser(t, s, "alice", "alice@example.com", "Alice")
		mustUser(t, s, "bob", "bob@example.com", "Bob")
		numbers := 0
		start := func(owner, id string, limit int) error {
			numbers++
			sess := Session{ID: id, Number: fmt.Sprintf("%09d", numbers), OwnerUserID: owner, CreatedAt: base}
			host := Participant{ID: id + "-host", UserID: owner, JoinedAt: base}
			return s.CreateHostedSession(ctx, sess, host, limit)
		}
		hosted := func(user string) int {
			n, err := s.HostedSessions(ctx, user)
			if err != nil {
				t.Fatal(err)
			}
			return n
		}

		for _, id := range []string{"a1", "a2"} {
			if err := start("alice", id, 2); err != nil {
				t.Fatalf("start %s under a limit of 2: %v", id, err)
			}
		}
		err := start("alice", "a3", 2)
		var hle *HostLimitError
		if !errors.As(err, &hle) || !errors.Is(err, ErrHostLimit) || hle.Hosted != 2 || hle.Limit != 2 {
			t.Fatalf("a third under a limit of 2: %v; want a HostLimitError{2, 2}", err)
		}
		if _, err := s.SessionByID(ctx, "a3"); !errors.Is(err, ErrNotFound) {
			t.Errorf("the refused session was stored: %v", err)
		}
		if err := start("bob", "b1", 1); err != nil {
			t.Errorf("another CSR's limit is their own: %v", err)
		}

		// Ending a session frees its place.
		if err := s.EndSession(ctx, "a1", at(time.Hour), "host ended"); err != nil {
			t.Fatal(err)
		}
		if n := hosted("alice"); n != 1 {
			t.Errorf("after ending one: hosts %d, want 1", n)
		}
		if err := start("alice", "a3", 2); err != nil {
			t.Errorf("start after ending one: %v", err)
		}

		// Only sessions one hosts count: after a transfer of control, or
		// as an assistant, or after leaving, they do not.
		if err := s.SetParticipantRole(ctx, "a2-host", RoleAssistant); err != nil {
			t.Fatal(err)
		}
		if err := s.AddParticipant(ctx, Participant{ID: "alice-in-b1", SessionID: "b1", UserID: "alice", Role: RoleAssistant, JoinedAt: base}); err != nil {
			t.Fatal(err)
		}
		if n := hosted("alice"); n != 1 {
			t.Errorf("after handing a2 over and assisting in b1: hosts %d, want 1", n)
		}
		if err := s.SetParticipantLeft(ctx, "a3-host", at(time.Hour)); err != nil {
			t.Fatal(err)
		}
		if n := hosted("alice"); n != 0 {
			t.Errorf("after leaving a3: hosts %d, want 0", n)
		}

		for _, tc := range []struct {
			name  string
			owner string
			limit int
			want  error // nil: any error will do
		}{
			{"a limit of 0", "alice", 0, nil},
			{"an unknown user", "u404", 3, ErrNotFound},
		} {
			err := start(tc.owner, "x9", tc.limit)
			if err == nil || (tc.want != nil && !errors.Is(err, tc.want)) {
				t.Errorf("%s: %v, want %v", tc.name, err, tc.want)
			}
		}
	})
}

// Many starts at once by one CSR: exactly the limit get through, on both
// backends, because counting and inserting are one locked transaction.
func TestCreateHostedSessionRace(t *testing.T) {
	const tries, limit = 20, 3
	forEachBackend(t, func(t *testing.T, s Store) {
		ctx := t.Context()
		mustUser(t, s, "alice", "alice@example.com", "Alice")
		warmPool(t, s, tries)
		var wg sync.WaitGroup
		errs := make(chan error, tries)
		ready := make(chan struct{})
		for i := range tries {
			wg.Go(func() {
				<-ready
				id := fmt.Sprintf("s%02d", i)
				sess := Session{ID: id, Number: fmt.Sprintf("%09d", i+1), OwnerUserID: "alice", CreatedAt: base}
				errs <- s.CreateHostedSession(ctx, sess, Participant{ID: id + "-host", UserID: "alice", JoinedAt: base}, limit)
			})
		}
		close(ready)
		wg.Wait()
		close(errs)
		ok := 0
		for err := range errs {
			switch {
			case err == nil:
				ok++
			case !errors.Is(err, ErrHostLimit):
				t.Errorf("unexpected error: %v", err)
			}
		}
		n, err := s.HostedSessions(ctx, "alice")
		if ok != limit || n != limit || err != nil {
			t.Errorf("%d of %d starts went through and %d are hosted (%v); want %d", ok, tries, n, err, limit)
		}
	})
}

// warmPool opens up to n connections of the store's write pool and puts
// them back idle, so that concurrent transactions start together instead
// of one by one as each connection is dialled, which would hide a race.
func warmPool(t *testing.T, s Store, n int) {
	t.Helper()
	db := s.(*sqlStore).w
	var conns []*sql.Conn
	for range min(n, db.Stats().MaxOpenConnections) {
		c, err := db.Conn(t.Context())
		if err != nil {
			t.Fatal(err)
		}
		conns = append(conns, c)
	}
	for _, c := range conns {
		c.Close()
	}
}

// A database left by the first release gains the new tables, the seeded
// phrases and the account columns, and keeps its accounts.
func TestMigrationFromVersion1(t *testing.T) {
	forEachBackendURL(t, func(t *testing.T, url string) {
		ctx := t.Context()
		db := rawDB(t, url)
		d := newSQLiteDialect()
		if strings.HasPrefix(url, "postgres") {
			d = newPostgresDialect()
		}
		if err := migrateTo(ctx, db, d, 1); err != nil {
			t.Fatal(err)
		}
		if _, err := db.ExecContext(ctx, `INSERT INTO users (id, email, role) VALUES ('u1', 'old@example.com', 'csr')`); err != nil {
			t.Fatal(err)
		}

		s := openTest(t, url)
		u, err := s.UserByID(ctx, "u1")
		if err != nil || u.Email != "old@example.com" || u.Limits != (settings.UserLimits{}) {
			t.Errorf("the old account = %+v, %v; want it, following the site", u, err)
		}
		if got := phraseTexts(t, s); len(got) != 4 {
			t.Errorf("phrases after the migration: %q, want the 4 seeded", got)
		}
		if got, err := s.SiteSettings(ctx); err != nil || got != settings.Defaults() {
			t.Errorf("settings after the migration = %+v, %v; want the defaults", got, err)
		}
	})
}
