package store

import (
	"crypto/sha256"
	"errors"
	"fmt"
	"reflect"
	"slices"
	"testing"
	"time"
)

// base is a fixed, millisecond-aligned instant: the store keeps milliseconds,
// so times that start aligned come back equal.
var base = time.Date(2025, 3, 1, 9, 0, 0, 0, time.UTC)

func at(d time.Duration) time.Time { return base.Add(d) }

func hashOf(s string) []byte { h := sha256.Sum256([]byte(s)); return h[:] }

func mustUser(t *testing.T, s Store, id, email, name string) User {
	t.Helper()
	u := User{ID: id, Email: email, Name: name, Role: RoleCSR, PasswordHash: "$argon2id$" + id, CreatedAt: base}
	if err := s.CreateUser(t.Context(), u); err != nil {
		t.Fatalf("CreateUser(%s): %v", email, err)
	}
	return u
}

// mustSession starts a live session owned by owner, whose host participant
// has the id id+"-host" and joins at created.
func mustSession(t *testing.T, s Store, id, number, owner string, created time.Time) (Session, Participant) {
	t.Helper()
	sess := Session{ID: id, Number: number, Type: "support", TrackingCode: "TC-" + id,
		State: StateLive, OwnerUserID: owner, CreatedAt: created}
	host := Participant{ID: id + "-host", SessionID: id, UserID: owner, Name: "host of " + id,
		Role: RoleHost, TokenHash: hashOf(id + "-host"), Addr: "192.0.2.1:5000", JoinedAt: created}
	if err := s.CreateSession(t.Context(), sess, host); err != nil {
		t.Fatalf("CreateSession(%s): %v", id, err)
	}
	return sess, host
}

func mustJoin(t *testing.T, s Store, sessionID, id, role string, joined time.Time) Participant {
	t.Helper()
	p := Participant{ID: id, SessionID: sessionID, Name: "name " + id, Email: id + "@customer.test",
		Role: role, TokenHash: hashOf(id), Addr: "198.51.100.7:6000", JoinedAt: joined}
	if err := s.AddParticipant(t.Context(), p); err != nil {
		t.Fatalf("AddParticipant(%s): %v", id, err)
	}
	return p
}

func wantErr(t *testing.T, what string, err, want error) {
	t.Helper()
	switch {
	case want == nil && err != nil:
		t.Errorf("%s: unexpected error %v", what, err)
	case want != nil && !errors.Is(err, want):
		t.Errorf("%s: error %v, want %v", what, err, want)
	}
}

func TestUsers(t *testing.T) {
	forEachBackend(t, func(t *testing.T, s Store) {
		ctx := t.Context()
		alice := User{ID: "u1", Email: "Alice@Example.COM", Name: "Alice", Role: RoleAdmin,
			PasswordHash: "$argon2id$v=19$a", CreatedAt: base}
		if err := s.CreateUser(ctx, alice); err != nil {
			t.Fatalf("CreateUser: %v", err)
		}
		mustUser(t, s, "u2", "bob@example.com", "Bob")

		t.Run("create refuses", func(t *testing.T) {
			for _, tc := range []struct {
				name string
				u    User
				want error // nil: any error will do
			}{
				{"the same email in other case", User{ID: "u9", Email: "ALICE@example.com", Role: RoleCSR}, ErrExists},
				{"a taken id", User{ID: "u1", Email: "other@example.com", Role: RoleCSR}, ErrExists},
				{"an unknown role", User{ID: "u9", Email: "x@example.com", Role: "root"}, nil},
				{"no email", User{ID: "u9", Role: RoleCSR}, nil},
			} {
				err := s.CreateUser(ctx, tc.u)
				if err == nil || (tc.want != nil && !errors.Is(err, tc.want)) {
					t.Errorf("%s: error %v, want %v", tc.name, err, tc.want)
				}
			}
		})

		t.Run("lookup", func(t *testing.T) {
			want := alice
			want.Email = "alice@example.com" // stored lower-case
			for _, email := range []string{"alice@example.com", "ALICE@EXAMPLE.COM", "Alice@Example.com"} {
				got, err := s.UserByEmail(ctx, email)
				if err != nil || !reflect.DeepEqual(got, want) {
					t.Errorf("UserByEmail(%q) = %+v, %v; want %+v", email, got, err, want)
				}
			}
			if got, err := s.UserByID(ctx, "u1"); err != nil || !reflect.DeepEqual(got, want) {
				t.Errorf("UserByID = %+v, %v; want %+v", got, err, want)
			}
			_, err := s.UserByEmail(ctx, "nobody@example.com")
			wantErr(t, "UserByEmail(nobody)", err, ErrNotFound)
			_, err = s.UserByID(ctx, "u404")
			wantErr(t, "UserByID(u404)", err, ErrNotFound)
		})

		t.Run("list in email order", func(t *testing.T) {
			users, err := s.ListUsers(ctx)
			if err != nil {
				t.Fatal(err)
			}
			var emails []string
			for _, u := range users {
				emails = append(emails, u.Email)
			}
			if want := []string{"alice@example.com", "bob@example.com"}; !slices.Equal(emails, want) {
				t.Errorf("ListUsers emails = %q, want %q", emails, want)
			}
		})

		t.Run("roles", func(t *testing.T) {
			for _, tc := range []struct {
				role    string
				seesAll bool
			}{{RoleCSR, false}, {RoleManager, true}, {RoleAdmin, true}} {
				u := User{ID: "role-" + tc.role, Email: tc.role + "@example.com", Role: tc.role}
				if err := s.CreateUser(ctx, u); err != nil {
					t.Errorf("a %s: %v", tc.role, err)
				}
				got, err := s.UserByID(ctx, u.ID)
				if err != nil || got.Role != tc.role || got.SeesAllReports() != tc.seesAll {
					t.Errorf("the %s = %+v, %v; sees all reports %v, want %v", tc.role, got, err, got.SeesAllReports(), tc.seesAll)
				}
			}
		})

		t.Run("disable and enable", func(t *testing.T) {
			for _, disabled := range []bool{true, false} {
				if err := s.SetUserDisabled(ctx, "BOB@example.com", disabled); err != nil {
					t.Fatal(err)
				}
				if u, _ := s.UserByEmail(ctx, "bob@example.com"); u.Disabled != disabled {
					t.Errorf("after SetUserDisabled(%v): Disabled = %v", disabled, u.Disabled)
				}
			}
			wantErr(t, "SetUserDisabled(nobody)", s.SetUserDisabled(ctx, "nobody@example.com", true), ErrNotFound)
		})

		t.Run("password", func(t *testing.T) {
			if err := s.SetPasswordHash(ctx, "Bob@Example.com", "$argon2id$new"); err != nil {
				t.Fatal(err)
			}
			if u, _ := s.UserByEmail(ctx, "bob@example.com"); u.PasswordHash != "$argon2id$new" {
				t.Errorf("PasswordHash = %q", u.PasswordHash)
			}
			wantErr(t, "SetPasswordHash(nobody)", s.SetPasswordHash(ctx, "nobody@example.com", "x"), ErrNotFound)
		})

		t.Run("login state", func(t *testing.T) {
			for _, tc := range []struct {
				failures int
				locked   time.Time
			}{
				{3, time.Time{}},
				{5, at(15 * time.Minute)},
				{0, time.Time{}}, // a good login clears both
			} {
				if err := s.SetLoginState(ctx, "u2", tc.failures, tc.locked); err != nil {
					t.Fatal(err)
				}
				u, _ := s.UserByID(ctx, "u2")
				if u.FailedLogins != tc.failures || !u.LockedUntil.Equal(tc.locked) {
					t.Errorf("after SetLoginState(%d, %v): %d, %v", tc.failures, tc.locked, u.FailedLogins, u.LockedUntil)
				}
			}
			wantErr(t, "SetLoginState(u404)", s.SetLoginState(ctx, "u404", 1, time.Time{}), ErrNotFound)
		})
	})
}

func TestTokens(t *testing.T) {
	forEachBackend(t, func(t *testing.T, s Store) {
		ctx := t.Context()
		mustUser(t, s, "u1", "alice@example.com", "Alice")
		// TokenByHash compares with the clock, so these times are real ones.
		now := time.Now().UTC().Truncate(time.Millisecond)
		tokens := map[string]Token{
			"live":    {Hash: hashOf("live"), UserID: "u1", CreatedAt: now, ExpiresAt: now.Add(time.Hour)},
			"later":   {Hash: hashOf("later"), UserID: "u1", CreatedAt: now, ExpiresAt: now.Add(3 * time.Hour)},
			"expired": {Hash: hashOf("expired"), UserID: "u1", CreatedAt: now.Add(-2 * time.Hour), ExpiresAt: now.Add(-time.Second)},
		}
		for name, tok := range tokens {
			if err := s.CreateToken(ctx, tok); err != nil {
				t.Fatalf("CreateToken(%s): %v", name, err)
			}
		}

		for _, tc := range []struct {
			name string
			tok  Token
			want error // nil: any error will do
		}{
			{"a duplicate hash", tokens["live"], ErrExists},
			{"an unknown user", Token{Hash: hashOf("x"), UserID: "u404", ExpiresAt: now.Add(time.Hour)}, ErrNotFound},
			{"no expiry", Token{Hash: hashOf("y"), UserID: "u1"}, nil},
			{"no hash", Token{UserID: "u1", ExpiresAt: now.Add(time.Hour)}, nil},
		} {
			err := s.CreateToken(ctx, tc.tok)
			if err == nil || (tc.want != nil && !errors.Is(err, tc.want)) {
				t.Errorf("CreateToken with %s: error %v, want %v", tc.name, err, tc.want)
			}
		}

		lookup := func(name string, want error) {
			t.Helper()
			got, err := s.TokenByHash(ctx, hashOf(name))
			wantErr(t, "TokenByHash("+name+")", err, want)
			if want == nil && !reflect.DeepEqual(got, tokens[name]) {
				t.Errorf("TokenByHash(%s) = %+v, want %+v", name, got, tokens[name])
			}
		}
		lookup("live", nil)
		lookup("later", nil)
		lookup("expired", ErrNotFound) // still stored, but no longer valid
		lookup("never-issued", ErrNotFound)

		if err := s.DeleteToken(ctx, hashOf("live")); err != nil {
			t.Fatal(err)
		}
		lookup("live", ErrNotFound)
		if err := s.DeleteToken(ctx, hashOf("live")); err != nil {
			t.Errorf("deleting a deleted token: %v, want nil", err)
		}

		// Purging as of two hours from now removes what expires before then.
		if err := s.DeleteExpiredTokens(ctx, now.Add(2*time.Hour)); err != nil {
			t.Fatal(err)
		}
		lookup("later", nil)
		if err := s.CreateToken(ctx, tokens["expired"]); err != nil {
			t.Errorf("re-creating the purged expired token: %v (was it not purged?)", err)
		}
	})
}

func TestCreateSession(t *testing.T) {
	forEachBackend(t, func(t *testing.T, s Store) {
		ctx := t.Context()
		mustUser(t, s, "u1", "alice@example.com", "Alice")
		sess, host := mustSession(t, s, "s1", "123456789", "u1", base)

		t.Run("stores the session and its host together", func(t *testing.T) {
			got, err := s.SessionByID(ctx, "s1")
			if err != nil || !reflect.DeepEqual(got, sess) {
				t.Errorf("SessionByID = %+v, %v; want %+v", got, err, sess)
			}
			if got, err := s.LiveSessionByNumber(ctx, "123456789"); err != nil || got.ID != "s1" {
				t.Errorf("LiveSessionByNumber = %+v, %v", got, err)
			}
			ps, err := s.Participants(ctx, "s1")
			if err != nil || len(ps) != 1 || !reflect.DeepEqual(ps[0], host) {
				t.Errorf("Participants = %+v, %v; want [%+v]", ps, err, host)
			}
		})

		t.Run("refuses", func(t *testing.T) {
			for _, tc := range []struct {
				name string
				sess Session
				want error
			}{
				{"a number held by a live session", Session{ID: "s2", Number: "123456789", OwnerUserID: "u1"}, ErrNumberTaken},
				{"a taken id", Session{ID: "s1", Number: "999999999", OwnerUserID: "u1"}, ErrExists},
				{"an unknown owner", Session{ID: "s3", Number: "888888888", OwnerUserID: "u404"}, ErrNotFound},
			} {
				host := Participant{ID: tc.sess.ID + "-refused-host", UserID: "u1", JoinedAt: base}
				wantErr(t, tc.name, s.CreateSession(ctx, tc.sess, host), tc.want)
				// All or nothing: the host of a refused session is not kept.
				_, err := s.ParticipantByID(ctx, host.ID)
				wantErr(t, tc.name+": host", err, ErrNotFound)
			}
		})

		t.Run("a number is free again once its session ended", func(t *testing.T) {
			if err := s.EndSession(ctx, "s1", at(time.Hour), "csr_ended"); err != nil {
				t.Fatal(err)
			}
			_, err := s.LiveSessionByNumber(ctx, "123456789")
			wantErr(t, "LiveSessionByNumber after end", err, ErrNotFound)

			mustSession(t, s, "s4", "123456789", "u1", at(2*time.Hour))
			if got, err := s.LiveSessionByNumber(ctx, "123456789"); err != nil || got.ID != "s4" {
				t.Errorf("LiveSessionByNumber = %+v, %v; want s4", got, err)
			}
			// …and taken again while the new one is live.
			err = s.CreateSession(ctx, Session{ID: "s5", Number: "123456789", OwnerUserID: "u1"},
				Participant{ID: "s5-host", UserID: "u1"})
			wantErr(t, "third session on the number", err, ErrNumberTaken)
		})
	})
}

func TestSessionUpdates(t *testing.T) {
	forEachBackend(t, func(t *testing.T, s Store) {
		ctx := t.Context()
		mustUser(t, s, "u1", "alice@example.com", "Alice")
		mustSession(t, s, "s1", "111111111", "u1", base)

		if err := s.SetNotes(ctx, "s1", "printer fixed"); err != nil {
			t.Fatal(err)
		}
		if err := s.EndSession(ctx, "s1", at(time.Hour), "csr_ended"); err != nil {
			t.Fatal(err)
		}
		// Ending again is harmless and changes nothing: the first end stands.
		if err := s.EndSession(ctx, "s1", at(2*time.Hour), "timeout"); err != nil {
			t.Errorf("second EndSession: %v", err)
		}
		got, _ := s.SessionByID(ctx, "s1")
		if got.Notes != "printer fixed" || got.State != StateEnded || !got.EndedAt.Equal(at(time.Hour)) || got.EndReason != "csr_ended" {
			t.Errorf("session = %+v", got)
		}

		wantErr(t, "SetNotes(s404)", s.SetNotes(ctx, "s404", "x"), ErrNotFound)
		wantErr(t, "EndSession(s404)", s.EndSession(ctx, "s404", base, "x"), ErrNotFound)
		_, err := s.SessionByID(ctx, "s404")
		wantErr(t, "SessionByID(s404)", err, ErrNotFound)
	})
}

func TestTx(t *testing.T) {
	forEachBackend(t, func(t *testing.T, s Store) {
		ctx := t.Context()
		mustUser(t, s, "u1", "alice@example.com", "Alice")
		mustSession(t, s, "s1", "111111111", "u1", base)
		if err := s.AppendEvent(ctx, Event{SessionID: "s1", Seq: 1, At: base, Type: "start", Audience: AudienceAll}); err != nil {
			t.Fatal(err)
		}

		// writeAll makes one write of each kind, so that a test can see
		// whether all of them happened or none.
		writeAll := func(w Writer) error {
			for _, err := range []error{
				w.AddParticipant(ctx, Participant{ID: "c1", SessionID: "s1", Role: RolePrimary, JoinedAt: at(time.Minute)}),
				w.SetParticipantRole(ctx, "s1-host", RoleAssistant),
				w.SetParticipantLeft(ctx, "s1-host", at(2*time.Minute)),
				w.AppendEvent(ctx, Event{SessionID: "s1", Seq: 2, At: at(time.Minute), Type: "join", Audience: AudienceAll}),
				w.SetNotes(ctx, "s1", "notes"),
				w.EndSession(ctx, "s1", at(3*time.Minute), "done"),
			} {
				if err != nil {
					return err
				}
			}
			return nil
		}
		unchanged := func(t *testing.T) {
			t.Helper()
			if _, err := s.ParticipantByID(ctx, "c1"); !errors.Is(err, ErrNotFound) {
				t.Errorf("participant c1 was added: %v", err)
			}
			if h, _ := s.ParticipantByID(ctx, "s1-host"); h.Role != RoleHost || !h.LeftAt.IsZero() {
				t.Errorf("host was changed: %+v", h)
			}
			if seq, _ := s.LastSeq(ctx, "s1"); seq != 1 {
				t.Errorf("LastSeq = %d, want 1", seq)
			}
			if sess, _ := s.SessionByID(ctx, "s1"); sess.Notes != "" || sess.State != StateLive {
				t.Errorf("session was changed: %+v", sess)
			}
		}

		t.Run("fn's error rolls everything back and is returned as is", func(t *testing.T) {
			errRule := errors.New("rule says no")
			err := s.Tx(ctx, func(w Writer) error {
				if err := writeAll(w); err != nil {
					return err
				}
				return errRule
			})
			if err != errRule {
				t.Errorf("Tx = %v, want %v", err, errRule)
			}
			unchanged(t)
		})

		t.Run("a refused write rolls back even when fn ignores it", func(t *testing.T) {
			err := s.Tx(ctx, func(w Writer) error {
				_ = w.AppendEvent(ctx, Event{SessionID: "s1", Seq: 1, Type: "dup", Audience: AudienceAll}) // seq 1 is taken
				return writeAll(w)
			})
			if err == nil {
				t.Error("Tx committed after a failed write")
			}
			unchanged(t)
		})

		t.Run("a panic rolls back, and the store stays usable", func(t *testing.T) {
			func() {
				defer func() {
					if recover() == nil {
						t.Error("the panic did not reach the caller")
					}
				}()
				s.Tx(ctx, func(w Writer) error {
					writeAll(w)
					panic("boom")
				})
			}()
			unchanged(t)
		})

		t.Run("nil commits every write", func(t *testing.T) {
			if err := s.Tx(ctx, writeAll); err != nil {
				t.Fatalf("Tx: %v", err)
			}
			if _, err := s.ParticipantByID(ctx, "c1"); err != nil {
				t.Errorf("participant c1: %v", err)
			}
			if seq, _ := s.LastSeq(ctx, "s1"); seq != 2 {
				t.Errorf("LastSeq = %d, want 2", seq)
			}
			if sess, _ := s.SessionByID(ctx, "s1"); sess.Notes != "notes" || sess.State != StateEnded {
				t.Errorf("session = %+v", sess)
			}
		})

		t.Run("a zero-row update is reported but does not doom the transaction", func(t *testing.T) {
			err := s.Tx(ctx, func(w Writer) error {
				if err := w.SetParticipantLeft(ctx, "p404", base); !errors.Is(err, ErrNotFound) {
					t.Errorf("SetParticipantLeft(p404) = %v, want ErrNotFound", err)
				}
				return w.SetNotes(ctx, "s1", "after a miss")
			})
			if err != nil {
				t.Fatalf("Tx: %v", err)
			}
			if sess, _ := s.SessionByID(ctx, "s1"); sess.Notes != "after a miss" {
				t.Errorf("notes = %q", sess.Notes)
			}
		})
	})
}

func TestParticipants(t *testing.T) {
	forEachBackend(t, func(t *testing.T, s Store) {
		ctx := t.Context()
		mustUser(t, s, "u1", "alice@example.com", "Alice")
		mustUser(t, s, "u2", "bob@example.com", "Bob")
		_, host := mustSession(t, s, "s1", "111111111", "u1", base)

		// Added out of order; two join in the same millisecond.
		late := mustJoin(t, s, "s1", "late", RoleSecondary, at(3*time.Minute))
		tie1 := mustJoin(t, s, "s1", "tie-1", RolePrimary, at(time.Minute))
		tie2 := mustJoin(t, s, "s1", "tie-2", RoleSecondary, at(time.Minute))
		assistant := Participant{ID: "asst", SessionID: "s1", UserID: "u2", Name: "Bob", Role: RoleAssistant,
			TokenHash: hashOf("asst"), JoinedAt: at(2 * time.Minute)}
		if err := s.AddParticipant(ctx, assistant); err != nil {
			t.Fatal(err)
		}

		t.Run("in join order, ties in the order added", func(t *testing.T) {
			ps, err := s.Participants(ctx, "s1")
			if err != nil {
				t.Fatal(err)
			}
			want := []Participant{host, tie1, tie2, assistant, late}
			if !reflect.DeepEqual(ps, want) {
				t.Errorf("Participants =\n%+v\nwant\n%+v", ps, want)
			}
			if ps, err := s.Participants(ctx, "s404"); err != nil || len(ps) != 0 {
				t.Errorf("Participants(s404) = %v, %v; want none", ps, err)
			}
		})

		t.Run("lookups", func(t *testing.T) {
			if p, err := s.ParticipantByID(ctx, "tie-1"); err != nil || !reflect.DeepEqual(p, tie1) {
				t.Errorf("ParticipantByID = %+v, %v", p, err)
			}
			if p, err := s.ParticipantByTokenHash(ctx, hashOf("asst")); err != nil || p.ID != "asst" {
				t.Errorf("ParticipantByTokenHash = %+v, %v", p, err)
			}
			for _, h := range [][]byte{hashOf("nobody"), nil} {
				_, err := s.ParticipantByTokenHash(ctx, h)
				wantErr(t, fmt.Sprintf("ParticipantByTokenHash(%x)", h), err, ErrNotFound)
			}
			_, err := s.ParticipantByID(ctx, "p404")
			wantErr(t, "ParticipantByID(p404)", err, ErrNotFound)
		})

		t.Run("role and leaving", func(t *testing.T) {
			if err := s.SetParticipantRole(ctx, "tie-2", RolePrimary); err != nil {
				t.Fatal(err)
			}
			if err := s.SetParticipantLeft(ctx, "late", at(4*time.Minute)); err != nil {
				t.Fatal(err)
			}
			if p, _ := s.ParticipantByID(ctx, "tie-2"); p.Role != RolePrimary {
				t.Errorf("role = %q", p.Role)
			}
			if p, _ := s.ParticipantByID(ctx, "late"); !p.LeftAt.Equal(at(4 * time.Minute)) {
				t.Errorf("LeftAt = %v", p.LeftAt)
			}
			wantErr(t, "SetParticipantRole(p404)", s.SetParticipantRole(ctx, "p404", RolePrimary), ErrNotFound)
			wantErr(t, "SetParticipantLeft(p404)", s.SetParticipantLeft(ctx, "p404", base), ErrNotFound)
			if err := s.SetParticipantRole(ctx, "tie-2", "king"); err == nil {
				t.Error("SetParticipantRole accepted an unknown role")
			}
		})

		t.Run("add refuses", func(t *testing.T) {
			for _, tc := range []struct {
				name string
				p    Participant
				want error // nil: any error will do
			}{
				{"a taken id", Participant{ID: "late", SessionID: "s1", Role: RolePrimary}, ErrExists},
				{"another's token", Participant{ID: "new", SessionID: "s1", Role: RolePrimary, TokenHash: hashOf("late")}, ErrExists},
				{"an unknown session", Participant{ID: "new", SessionID: "s404", Role: RolePrimary}, ErrNotFound},
				{"an unknown user", Participant{ID: "new", SessionID: "s1", UserID: "u404", Role: RoleAssistant}, ErrNotFound},
				{"an unknown role", Participant{ID: "new", SessionID: "s1", Role: "king"}, nil},
			} {
				err := s.AddParticipant(ctx, tc.p)
				if err == nil || (tc.want != nil && !errors.Is(err, tc.want)) {
					t.Errorf("%s: error %v, want %v", tc.name, err, tc.want)
				}
			}
		})
	})
}

func TestEvents(t *testing.T) {
	forEachBackend(t, func(t *testing.T, s Store) {
		ctx := t.Context()
		mustUser(t, s, "u1", "alice@example.com", "Alice")
		mustSession(t, s, "s1", "111111111", "u1", base)
		mustSession(t, s, "s2", "222222222", "u1", base)

		if seq, err := s.LastSeq(ctx, "s1"); err != nil || seq != 0 {
			t.Errorf("LastSeq before any event = %d, %v; want 0", seq, err)
		}

		var want []Event
		for seq := int64(1); seq <= 5; seq++ {
			want = append(want, Event{SessionID: "s1", Seq: seq, At: at(time.Duration(seq) * time.Second),
				Type: "chat", Actor: "s1-host", Target: "", Audience: AudienceAll,
				Data: fmt.Appendf(nil, `{"text":"message %d"}`, seq)})
		}
		want[2].Audience, want[2].Target = AudiencePrivate, "c1"
		want[3].Audience = AudienceCSR
		want[4].Data = nil // stored as an empty object
		// Added out of order: Events sorts by seq, whatever came first.
		for _, i := range []int{1, 0, 4, 2, 3} {
			if err := s.AppendEvent(ctx, want[i]); err != nil {
				t.Fatalf("AppendEvent(%d): %v", want[i].Seq, err)
			}
		}
		want[4].Data = []byte("{}")
		// The other session's log is separate, seq numbers and all.
		if err := s.AppendEvent(ctx, Event{SessionID: "s2", Seq: 1, Type: "x", Audience: AudienceAll}); err != nil {
			t.Fatal(err)
		}

		for _, tc := range []struct {
			after int64
			want  []Event
		}{
			{0, want},
			{2, want[2:]},
			{5, nil},
			{-1, want},
		} {
			got, err := s.Events(ctx, "s1", tc.after)
			if err != nil || !reflect.DeepEqual(got, tc.want) {
				t.Errorf("Events(after %d) =\n%+v, %v\nwant\n%+v", tc.after, got, err, tc.want)
			}
		}
		if seq, err := s.LastSeq(ctx, "s1"); err != nil || seq != 5 {
			t.Errorf("LastSeq = %d, %v; want 5", seq, err)
		}
		if seq, _ := s.LastSeq(ctx, "s2"); seq != 1 {
			t.Errorf("LastSeq(s2) = %d; want 1", seq)
		}

		for _, tc := range []struct {
			name string
			e    Event
			want error // nil: any error will do
		}{
			{"a taken seq", Event{SessionID: "s1", Seq: 3, Type: "x", Audience: AudienceAll}, ErrExists},
			{"an unknown session", Event{SessionID: "s404", Seq: 1, Type: "x", Audience: AudienceAll}, ErrNotFound},
			{"seq 0", Event{SessionID: "s1", Seq: 0, Type: "x", Audience: AudienceAll}, nil},
			{"an unknown audience", Event{SessionID: "s1", Seq: 9, Type: "x", Audience: "everyone"}, nil},
			{"data that is not JSON", Event{SessionID: "s1", Seq: 9, Type: "x", Audience: AudienceAll, Data: []byte("{")}, nil},
		} {
			err := s.AppendEvent(ctx, tc.e)
			if err == nil || (tc.want != nil && !errors.Is(err, tc.want)) {
				t.Errorf("AppendEvent with %s: error %v, want %v", tc.name, err, tc.want)
			}
		}
	})
}

func TestLiveSessions(t *testing.T) {
	forEachBackend(t, func(t *testing.T, s Store) {
		ctx := t.Context()
		mustUser(t, s, "u1", "alice@example.com", "Alice")
		if got, err := s.LiveSessions(ctx); err != nil || len(got) != 0 {
			t.Errorf("LiveSessions of an empty store = %v, %v", got, err)
		}
		mustSession(t, s, "late", "111111111", "u1", at(2*time.Hour))
		mustSession(t, s, "ended", "222222222", "u1", at(time.Hour))
		mustSession(t, s, "early", "333333333", "u1", base)
		if err := s.EndSession(ctx, "ended", at(3*time.Hour), "done"); err != nil {
			t.Fatal(err)
		}
		got, err := s.LiveSessions(ctx)
		if err != nil {
			t.Fatal(err)
		}
		var ids []string
		for _, sess := range got {
			ids = append(ids, sess.ID)
		}
		if want := []string{"early", "late"}; !slices.Equal(ids, want) {
			t.Errorf("LiveSessions = %q, want %q (live only, oldest first)", ids, want)
		}
	})
}

func TestListSessions(t *testing.T) {
	forEachBackend(t, func(t *testing.T, s Store) {
		ctx := t.Context()
		mustUser(t, s, "alice", "Alice@Example.com", "Alice A")
		mustUser(t, s, "bob", "bob@example.com", "Bob B")

		// s1: nobody but the CSR ever came.
		mustSession(t, s, "s1", "100000001", "alice", base)
		// s2: an assistant came first, then the customers; the secondary was
		// added first but the primary joined earlier, and joining is what counts.
		mustSession(t, s, "s2", "100000002", "alice", at(time.Hour))
		mustJoin(t, s, "s2", "s2-asst", RoleAssistant, at(time.Hour+time.Minute))
		mustJoin(t, s, "s2", "s2-sam", RoleSecondary, at(time.Hour+5*time.Minute))
		mustJoin(t, s, "s2", "s2-pat", RolePrimary, at(time.Hour+3*time.Minute))
		// Bob assisted in it, later.
		if err := s.AddParticipant(ctx, Participant{ID: "s2-bob", SessionID: "s2", UserID: "bob", Name: "Bob B", Role: RoleAssistant,
			JoinedAt: at(time.Hour + 6*time.Minute)}); err != nil {
			t.Fatal(err)
		}
		// s3: two customers in the same millisecond: the one added first.
		mustSession(t, s, "s3", "100000003", "bob", at(2*time.Hour))
		mustJoin(t, s, "s3", "s3-cleo", RolePrimary, at(2*time.Hour+10*time.Minute))
		mustJoin(t, s, "s3", "s3-dan", RoleSecondary, at(2*time.Hour+10*time.Minute))
		// s4: ended sessions are listed too.
		mustSession(t, s, "s4", "100000004", "bob", at(3*time.Hour))
		if err := s.EndSession(ctx, "s4", at(4*time.Hour), "done"); err != nil {
			t.Fatal(err)
		}

		t.Run("filters", func(t *testing.T) {
			for _, tc := range []struct {
				name string
				f    SessionFilter
				want []string
			}{
				{"none: all, oldest first", SessionFilter{}, []string{"s1", "s2", "s3", "s4"}},
				{"From is inclusive", SessionFilter{From: at(time.Hour)}, []string{"s2", "s3", "s4"}},
				{"To is exclusive", SessionFilter{To: at(2 * time.Hour)}, []string{"s1", "s2"}},
				{"From and To", SessionFilter{From: at(time.Hour), To: at(2 * time.Hour)}, []string{"s2"}},
				{"an empty range", SessionFilter{From: at(2 * time.Hour), To: at(2 * time.Hour)}, nil},
				{"owner id", SessionFilter{OwnerUserID: "bob"}, []string{"s3", "s4"}},
				{"owner email, any case", SessionFilter{OwnerEmail: "ALICE@example.COM"}, []string{"s1", "s2"}},
				{"an unknown owner email", SessionFilter{OwnerEmail: "nobody@example.com"}, nil},
				{"owner id and another's email", SessionFilter{OwnerUserID: "alice", OwnerEmail: "bob@example.com"}, nil},
				{"owner and range", SessionFilter{OwnerUserID: "bob", To: at(3 * time.Hour)}, []string{"s3"}},
				{"took part: hosted or assisted", SessionFilter{ParticipantUserID: "bob"}, []string{"s2", "s3", "s4"}},
				{"took part, only hosted", SessionFilter{ParticipantUserID: "alice"}, []string{"s1", "s2"}},
				{"took part and range", SessionFilter{ParticipantUserID: "bob", To: at(2 * time.Hour)}, []string{"s2"}},
				{"took part, nobody", SessionFilter{ParticipantUserID: "carol"}, nil},
			} {
				got, err := s.ListSessions(ctx, tc.f)
				if err != nil {
					t.Fatalf("%s: %v", tc.name, err)
				}
				var ids []string
				for _, sum := range got {
					ids = append(ids, sum.ID)
				}
				if !slices.Equal(ids, tc.want) {
					t.Errorf("%s: ListSessions = %q, want %q", tc.name, ids, tc.want)
				}
			}
		})

		t.Run("summaries", func(t *testing.T) {
			got, err := s.ListSessions(ctx, SessionFilter{})
			if err != nil {
				t.Fatal(err)
			}
			type row struct {
				ID, State, CSRName, CSREmail, CustomerName, CustomerEmail string
				StartedAt                                                 time.Time
			}
			var rows []row
			for _, sum := range got {
				rows = append(rows, row{sum.ID, sum.State, sum.CSRName, sum.CSREmail, sum.CustomerName, sum.CustomerEmail, sum.StartedAt})
			}
			want := []row{
				{"s1", StateLive, "Alice A", "alice@example.com", "", "", time.Time{}},
				{"s2", StateLive, "Alice A", "alice@example.com", "name s2-pat", "s2-pat@customer.test", at(time.Hour + 3*time.Minute)},
				{"s3", StateLive, "Bob B", "bob@example.com", "name s3-cleo", "s3-cleo@customer.test", at(2*time.Hour + 10*time.Minute)},
				{"s4", StateEnded, "Bob B", "bob@example.com", "", "", time.Time{}},
			}
			if !reflect.DeepEqual(rows, want) {
				t.Errorf("summaries =\n%+v\nwant\n%+v", rows, want)
			}
			if s4 := got[3]; !s4.EndedAt.Equal(at(4*time.Hour)) || s4.EndReason != "done" || s4.TrackingCode != "TC-s4" {
				t.Errorf("s4's session fields = %+v", s4.Session)
			}
		})
	})
}

func TestMigrations(t *testing.T) {
	forEachBackendURL(t, func(t *testing.T, url string) {
		ctx := t.Context()
		s, err := Open(ctx, url)
		if err != nil {
			t.Fatal(err)
		}
		mustUser(t, s, "u1", "alice@example.com", "Alice")
		s.Close()

		// Opening an up-to-date database again changes nothing and loses nothing.
		s = openTest(t, url)
		if _, err := s.UserByID(ctx, "u1"); err != nil {
			t.Errorf("after reopening: %v", err)
		}
		db := rawDB(t, url)
		var n, version int64
		if err := db.QueryRowContext(ctx, `SELECT COUNT(*), MAX(version) FROM schema_migrations`).Scan(&n, &version); err != nil {
			t.Fatal(err)
		}
		if n != int64(len(migrations)) || version != SchemaVersion() {
			t.Errorf("schema_migrations has %d rows up to %d, want %d up to %d", n, version, len(migrations), SchemaVersion())
		}

		// A database from a newer build is refused, not run against blindly.
		if _, err := db.ExecContext(ctx, `INSERT INTO schema_migrations (version, applied_at) VALUES (99999, 0)`); err != nil {
			t.Fatal(err)
		}
		if s2, err := Open(ctx, url); err == nil {
			s2.Close()
			t.Error("Open accepted a database with a newer schema")
		}
	})
}

func TestOpenURLs(t *testing.T) {
	dir := t.TempDir()
	for _, tc := range []struct {
		url string
		ok  bool
	}{
		{dir + "/plain.db", true},
		{"sqlite://" + dir + "/url.db", true},
		{"sqlite:" + dir + "/short.db", true},
		{"file:" + dir + "/uri.db", true},
		{"file:" + dir + "/uri-with-params.db?cache=private", true},
		{":memory:", true},
		{"", false},
		{"mysql://localhost/lifeline", false},
		{dir + "/no/such/dir/x.db", false},
	} {
		s, err := Open(t.Context(), tc.url)
		if (err == nil) != tc.ok {
			t.Errorf("Open(%q) error = %v, want ok=%v", tc.url, err, tc.ok)
		}
		if err != nil {
			continue
		}
		// Each form must give a working store, not just a handle.
		mustUser(t, s, "u1", "alice@example.com", "Alice")
		if _, err := s.UserByEmail(t.Context(), "alice@example.com"); err != nil {
			t.Errorf("Open(%q): read back: %v", tc.url, err)
		}
		s.Close()
	}
}

func TestRebind(t *testing.T) {
	d := newPostgresDialect()
	for _, tc := range []struct{ in, want string }{
		{`SELECT 1`, `SELECT 1`},
		{`a = ? AND b IN (?, ?)`, `a = $1 AND b IN ($2, $3)`},
		{`x = '?' AND y = ?`, `x = '?' AND y = $1`},
		{`x = 'it''s?' AND y = ?`, `x = 'it''s?' AND y = $1`},
	} {
		if got := d.rebind(tc.in); got != tc.want {
			t.Errorf("rebind(%q) = %q, want %q", tc.in, got, tc.want)
		}
	}
	if got := newSQLiteDialect().rebind(`a = ?`); got != `a = ?` {
		t.Errorf("SQLite rebind changed the query: %q", got)
	}
}

// Guards against a time zone or precision slip in either direction.
func TestTimesKeepMilliseconds(t *testing.T) {
	forEachBackend(t, func(t *testing.T, s Store) {
		local := time.Date(2025, 6, 1, 12, 0, 0, 123_456_789, time.FixedZone("X", 5*3600))
		u := User{ID: "u1", Email: "a@example.com", Role: RoleCSR, CreatedAt: local}
		if err := s.CreateUser(t.Context(), u); err != nil {
			t.Fatal(err)
		}
		got, err := s.UserByID(t.Context(), "u1")
		if err != nil {
			t.Fatal(err)
		}
		if want := local.Truncate(time.Millisecond); !got.CreatedAt.Equal(want) || got.CreatedAt.Location() != time.UTC {
			t.Errorf("CreatedAt = %v, want %v in UTC", got.CreatedAt, want)
		}
		if !got.LockedUntil.IsZero() {
			t.Errorf("zero LockedUntil came back as %v", got.LockedUntil)
		}
	})
}

// The settings that make SQLite safe for a server are per file (WAL) or per
// connection (foreign keys, busy timeout); a store that silently lost one
// would pass most other tests.
func TestSQLiteSettings(t *testing.T) {
	path := t.TempDir() + "/settings.db"
	s := openTest(t, path)
	var mode string
	if err := rawDB(t, path).QueryRowContext(t.Context(), `PRAGMA journal_mode`).Scan(&mode); err != nil || mode != "wal" {
		t.Errorf("journal_mode = %q, %v; want wal", mode, err)
	}
	// Foreign keys: a session of an unknown owner is refused, not stored.
	err := s.CreateSession(t.Context(), Session{ID: "s1", Number: "1", OwnerUserID: "u404"}, Participant{ID: "h"})
	wantErr(t, "CreateSession with an unknown owner", err, ErrNotFound)
}
