package store

import (
	"errors"
	"reflect"
	"strings"
	"testing"
	"time"
)

func TestParticipantRestart(t *testing.T) {
	forEachBackend(t, func(t *testing.T, s Store) {
		ctx := t.Context()
		mustUser(t, s, "u1", "alice@example.com", "Alice")
		mustSession(t, s, "s1", "111111111", "u1", base)
		p := mustJoin(t, s, "s1", "cust", RolePrimary, at(time.Minute))
		mustJoin(t, s, "s1", "other", RoleSecondary, at(time.Minute))

		steps := []struct {
			name    string
			until   time.Time
			resumed bool
		}{
			{"restarting", at(20 * time.Minute), false},
			{"resumed", at(20 * time.Minute), true},
			{"back", time.Time{}, false},
		}
		for _, st := range steps {
			must(t, s.SetParticipantRestart(ctx, "cust", st.until, st.resumed))
			got, err := s.ParticipantByID(ctx, "cust")
			if err != nil {
				t.Fatal(err)
			}
			if !got.RestartUntil.Equal(st.until) || got.Resumed != st.resumed {
				t.Errorf("%s: RestartUntil %v, Resumed %v; want %v, %v", st.name, got.RestartUntil, got.Resumed, st.until, st.resumed)
			}
		}
		wantErr(t, "SetParticipantRestart(p404)", s.SetParticipantRestart(ctx, "p404", at(time.Hour), false), ErrNotFound)

		// A new token replaces the old one: the old finds nobody.
		must(t, s.SetParticipantToken(ctx, "cust", hashOf("cust-new")))
		if got, err := s.ParticipantByTokenHash(ctx, hashOf("cust-new")); err != nil || got.ID != p.ID {
			t.Errorf("by the new token: %+v, %v", got, err)
		}
		_, err := s.ParticipantByTokenHash(ctx, hashOf("cust"))
		wantErr(t, "by the old token", err, ErrNotFound)
		wantErr(t, "another's token", s.SetParticipantToken(ctx, "cust", hashOf("other")), ErrExists)
		wantErr(t, "SetParticipantToken(p404)", s.SetParticipantToken(ctx, "p404", hashOf("z")), ErrNotFound)
		if err := s.SetParticipantToken(ctx, "cust", nil); err == nil {
			t.Error("SetParticipantToken accepted an empty hash")
		}
	})
}

func TestResumeTokens(t *testing.T) {
	forEachBackend(t, func(t *testing.T, s Store) {
		ctx := t.Context()
		mustUser(t, s, "u1", "alice@example.com", "Alice")
		mustSession(t, s, "s1", "111111111", "u1", base)
		mustJoin(t, s, "s1", "cust", RolePrimary, at(time.Minute))
		tok := func(name string) ResumeToken {
			return ResumeToken{Hash: hashOf(name), ParticipantID: "cust", SessionID: "s1",
				CreatedAt: at(2 * time.Minute), ExpiresAt: at(17 * time.Minute)}
		}

		for _, tc := range []struct {
			name string
			tok  ResumeToken
			want error // nil: any error will do
		}{
			{"an unknown participant", ResumeToken{Hash: hashOf("x"), ParticipantID: "p404", SessionID: "s1", ExpiresAt: at(time.Hour)}, ErrNotFound},
			{"an unknown session", ResumeToken{Hash: hashOf("x"), ParticipantID: "cust", SessionID: "s404", ExpiresAt: at(time.Hour)}, ErrNotFound},
			{"no expiry", ResumeToken{Hash: hashOf("x"), ParticipantID: "cust", SessionID: "s1"}, nil},
			{"no hash", ResumeToken{ParticipantID: "cust", SessionID: "s1", ExpiresAt: at(time.Hour)}, nil},
		} {
			err := s.AddResumeToken(ctx, tc.tok)
			if err == nil || (tc.want != nil && !errors.Is(err, tc.want)) {
				t.Errorf("AddResumeToken with %s: error %v, want %v", tc.name, err, tc.want)
			}
		}

		must(t, s.AddResumeToken(ctx, tok("first")))
		got, err := s.ResumeTokenByHash(ctx, hashOf("first"))
		if err != nil || !reflect.DeepEqual(got, tok("first")) {
			t.Errorf("ResumeTokenByHash = %+v, %v; want %+v", got, err, tok("first"))
		}
		for _, h := range [][]byte{hashOf("never-issued"), nil} {
			_, err := s.ResumeTokenByHash(ctx, h)
			wantErr(t, "ResumeTokenByHash(unknown)", err, ErrNotFound)
		}

		// Used once, and only once, even by two at the same moment.
		errs := make(chan error, 2)
		for range 2 {
			go func() { errs <- s.UseResumeToken(ctx, hashOf("first"), at(5*time.Minute)) }()
		}
		var ok, refused int
		for range 2 {
			switch err := <-errs; {
			case err == nil:
				ok++
			case errors.Is(err, ErrNotFound):
				refused++
			default:
				t.Errorf("UseResumeToken: %v", err)
			}
		}
		if ok != 1 || refused != 1 {
			t.Errorf("two uses at once: %d succeeded, %d refused; want 1 and 1", ok, refused)
		}
		if got, _ := s.ResumeTokenByHash(ctx, hashOf("first")); !got.UsedAt.Equal(at(5 * time.Minute)) {
			t.Errorf("UsedAt = %v", got.UsedAt)
		}
		wantErr(t, "UseResumeToken(unknown)", s.UseResumeToken(ctx, hashOf("never-issued"), at(5*time.Minute)), ErrNotFound)

		// A new restart drops the unused token of the one before, and keeps
		// the used one, which still says it was used.
		must(t, s.AddResumeToken(ctx, tok("second")))
		must(t, s.AddResumeToken(ctx, tok("third")))
		_, err = s.ResumeTokenByHash(ctx, hashOf("second"))
		wantErr(t, "the superseded token", err, ErrNotFound)
		if got, err := s.ResumeTokenByHash(ctx, hashOf("first")); err != nil || got.UsedAt.IsZero() {
			t.Errorf("the used token after a new restart: %+v, %v", got, err)
		}
		if _, err := s.ResumeTokenByHash(ctx, hashOf("third")); err != nil {
			t.Errorf("the latest token: %v", err)
		}
		wantErr(t, "a duplicate hash", s.AddResumeToken(ctx, tok("first")), ErrExists)
	})
}

// A database of the release before reboot-and-rejoin: its participants
// are not restarting, and can be given resume tokens.
func TestMigrationFromVersion3(t *testing.T) {
	forEachBackendURL(t, func(t *testing.T, url string) {
		ctx := t.Context()
		db := rawDB(t, url)
		d := newSQLiteDialect()
		if strings.HasPrefix(url, "postgres") {
			d = newPostgresDialect()
		}
		must(t, migrateTo(ctx, db, d, 3))
		for _, q := range []string{
			`INSERT INTO users (id, email, role) VALUES ('u1', 'old@example.com', 'csr')`,
			`INSERT INTO sessions (id, number, state, owner_user_id, created_at) VALUES ('s1', '123456789', 'live', 'u1', 1)`,
			`INSERT INTO participants (id, session_id, name, role, joined_at) VALUES ('p1', 's1', 'Ann', 'primary_customer', 2)`,
		} {
			if _, err := db.ExecContext(ctx, q); err != nil {
				t.Fatalf("%s: %v", q, err)
			}
		}
		s := openTest(t, url)
		p, err := s.ParticipantByID(ctx, "p1")
		if err != nil || p.ID != "p1" || !p.RestartUntil.IsZero() || p.Resumed {
			t.Errorf("the old participant = %+v, %v; want p1, not restarting", p, err)
		}
		must(t, s.AddResumeToken(ctx, ResumeToken{Hash: hashOf("r"), ParticipantID: "p1", SessionID: "s1", ExpiresAt: at(time.Hour)}))
	})
}
