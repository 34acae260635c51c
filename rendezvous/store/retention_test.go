package store

import (
	"context"
	"errors"
	"fmt"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

const day = 24 * time.Hour

// endedSession is a session of u1 from created to ended, with a customer
// and an event, as every session has.
func endedSession(t *testing.T, s Store, id, number string, created, ended time.Time) {
	t.Helper()
	mustSession(t, s, id, number, "u1", created)
	mustJoin(t, s, id, id+"-cust", RolePrimary, created.Add(time.Minute))
	must(t, s.AppendEvent(t.Context(), Event{SessionID: id, Seq: 1, At: created, Type: "session_started", Audience: AudienceAll}))
	must(t, s.AppendEvent(t.Context(), Event{SessionID: id, Seq: 2, At: created.Add(2 * time.Minute), Type: "chat",
		Actor: id + "-cust", Audience: AudienceAll, Data: []byte(`{"text":"hello"}`)}))
	if !ended.IsZero() {
		must(t, s.EndSession(t.Context(), id, ended, "done"))
	}
}

// acceptedSession is a queue request in queue q accepted by u1 as a
// session; its customer is id+"-cust".
func acceptedSession(t *testing.T, s Store, reqID, queueID, id, number string, requested time.Time) {
	t.Helper()
	mustRequest(t, s, waitingRequest(reqID, queueID, requested))
	accepted := requested.Add(time.Minute)
	must(t, s.AcceptQueueRequest(t.Context(), QueueAcceptance{RequestID: reqID, UserID: "u1", At: accepted,
		Session: Session{ID: id, Number: number, OwnerUserID: "u1", CreatedAt: accepted},
		Participants: []Participant{
			{ID: id + "-host", UserID: "u1", Name: "Carol", Role: RoleHost, TokenHash: hashOf(id + "-host"), JoinedAt: accepted},
			{ID: id + "-cust", Name: "Customer " + reqID, Role: RolePrimary, JoinedAt: accepted},
		},
		Events: []Event{{SessionID: id, Seq: 1, At: accepted, Type: "queue_accepted", Audience: AudienceAll}},
	}))
}

// transfer hands session's request from on to a new request to, offered
// to CSR userID, who takes it.
func transfer(t *testing.T, s Store, from, to, sessionID, userID string, when time.Time) {
	t.Helper()
	ctx := t.Context()
	prev, err := s.QueueRequestByID(ctx, from)
	must(t, err)
	must(t, s.Tx(ctx, func(w Writer) error {
		if err := w.SetQueueRequestTransferred(ctx, from, when); err != nil {
			return err
		}
		return w.AddQueueRequest(ctx, QueueRequest{ID: to, OfferedTo: userID, Name: prev.Name, Email: prev.Email,
			SessionID: sessionID, ParticipantID: prev.ParticipantID, RequestedAt: when,
			TransferredFrom: from, TransferredBy: prev.AcceptedBy})
	}))
	must(t, s.ClaimQueueRequest(ctx, to, userID, when.Add(time.Minute), sessionID, prev.ParticipantID))
}

func countRows(t *testing.T, url, table string) int {
	t.Helper()
	var n int
	if err := rawDB(t, url).QueryRowContext(t.Context(), `SELECT COUNT(*) FROM `+table).Scan(&n); err != nil {
		t.Fatalf("count %s: %v", table, err)
	}
	return n
}

// TestPurge: what is older than the cutoff goes, whole; what is newer,
// live or still waiting stays, whole.
func TestPurge(t *testing.T) {
	forEachBackendURL(t, func(t *testing.T, url string) {
		s := openTest(t, url)
		ctx := t.Context()
		mustUser(t, s, "u1", "carol@example.com", "Carol")
		mustUser(t, s, "u2", "dave@example.com", "Dave")
		q := mustQueue(t, s, "billing", "Billing")
		cutoff, now := at(90*day), at(100*day)

		// Gone: sessions that ended before the cutoff, a few more than a
		// batch, one of them carried through two transfers.
		for i := range 3 {
			endedSession(t, s, fmt.Sprintf("old%d", i), fmt.Sprintf("10000000%d", i), at(time.Duration(i)*day), at(time.Duration(i)*day+time.Hour))
		}
		acceptedSession(t, s, "a1", q.ID, "chain", "200000000", at(5*day))
		transfer(t, s, "a1", "a2", "chain", "u2", at(5*day+10*time.Minute))
		transfer(t, s, "a2", "a3", "chain", "u1", at(5*day+20*time.Minute))
		must(t, s.EndSession(ctx, "chain", at(5*day+time.Hour), "done"))
		must(t, s.Tx(ctx, func(w Writer) error {
			return w.AddResumeToken(ctx, ResumeToken{Hash: hashOf("r-chain"), ParticipantID: "chain-cust", SessionID: "chain",
				CreatedAt: at(5 * day), ExpiresAt: at(200 * day)}) // unexpired, yet its session is gone
		}))
		// Gone: a customer who gave up waiting before the cutoff.
		mustRequest(t, s, waitingRequest("gaveup-old", q.ID, at(6*day)))
		must(t, s.AbandonQueueRequest(ctx, "gaveup-old", at(6*day+time.Minute)))

		// Kept: a session that ended exactly at the cutoff, and after it;
		// a session live since long before it; a customer who gave up
		// after it, and one waiting since before it; a session that ended
		// while a transfer of it waits (which the rooms never leave, but
		// a waiting request is never touched).
		endedSession(t, s, "edge", "300000000", at(80*day), cutoff)
		endedSession(t, s, "recent", "300000001", at(89*day), at(91*day))
		endedSession(t, s, "live", "300000002", at(1*day), time.Time{})
		mustRequest(t, s, waitingRequest("gaveup-new", q.ID, at(89*day)))
		must(t, s.AbandonQueueRequest(ctx, "gaveup-new", at(90*day+time.Second)))
		mustRequest(t, s, waitingRequest("waiting", q.ID, at(2*day)))
		acceptedSession(t, s, "p1", q.ID, "pending", "300000003", at(3*day))
		must(t, s.Tx(ctx, func(w Writer) error {
			if err := w.SetQueueRequestTransferred(ctx, "p1", at(3*day+time.Hour)); err != nil {
				return err
			}
			return w.AddQueueRequest(ctx, QueueRequest{ID: "p2", QueueID: q.ID, Name: "Customer p1",
				SessionID: "pending", ParticipantID: "pending-cust", RequestedAt: at(3*day + time.Hour), TransferredFrom: "p1"})
		}))
		must(t, s.EndSession(ctx, "pending", at(3*day+2*time.Hour), "done"))
		// Kept, without its link: a request of a recent session naming
		// one of an old session (transfers never cross sessions, but a
		// link must not stop the purge for good).
		acceptedSession(t, s, "r1", q.ID, "recent2", "300000004", at(95*day))
		must(t, s.Tx(ctx, func(w Writer) error {
			return w.AddQueueRequest(ctx, QueueRequest{ID: "r2", OfferedTo: "u2", Name: "Customer r1", SessionID: "recent2",
				ParticipantID: "recent2-cust", RequestedAt: at(95*day + time.Hour), TransferredFrom: "a2"})
		}))

		// Tokens: logins that expired go; resume tokens go a day after
		// they expired, used or not.
		for _, tok := range []struct {
			name    string
			expires time.Time
		}{{"login-expired", now.Add(-time.Second)}, {"login-now", now}, {"login-valid", now.Add(time.Second)}} {
			must(t, s.CreateToken(ctx, Token{Hash: hashOf(tok.name), UserID: "u1", CreatedAt: base, ExpiresAt: tok.expires}))
		}
		addResume := func(name, participant string, expires time.Time) {
			must(t, s.Tx(ctx, func(w Writer) error {
				return w.AddResumeToken(ctx, ResumeToken{Hash: hashOf(name), ParticipantID: participant, SessionID: "recent",
					CreatedAt: expires.Add(-15 * time.Minute), ExpiresAt: expires})
			}))
		}
		addResume("resume-used-long-ago", "recent-cust", now.Add(-ResumeTokenKeep-time.Second))
		must(t, s.UseResumeToken(ctx, hashOf("resume-used-long-ago"), now.Add(-ResumeTokenKeep-time.Minute)))
		addResume("resume-expired-today", "recent-cust", now.Add(-ResumeTokenKeep+time.Second))
		addResume("resume-valid", "recent-host", now.Add(time.Minute))

		got, err := s.Purge(ctx, PurgeOptions{Before: cutoff, Now: now, BatchSize: 2})
		if err != nil {
			t.Fatalf("Purge: %v", err)
		}
		// 4 sessions of 2 participants each (the chain's host changed
		// hands, but its rows are the host's and the customer's); 2
		// events each, the chain's 1; the chain's 3 requests and the one
		// abandoned; the chain's resume token and the one used long ago.
		want := PurgeCounts{Sessions: 4, Participants: 8, Events: 7, QueueRequests: 4, ResumeTokens: 2, LoginTokens: 2}
		if got != want {
			t.Errorf("Purge deleted %+v, want %+v", got, want)
		}

		for _, id := range []string{"old0", "old1", "old2", "chain"} {
			if _, err := s.SessionByID(ctx, id); !errors.Is(err, ErrNotFound) {
				t.Errorf("session %s: %v, want it gone", id, err)
			}
			if ps, err := s.Participants(ctx, id); err != nil || len(ps) != 0 {
				t.Errorf("participants of %s: %d, %v; want none", id, len(ps), err)
			}
			if es, err := s.Events(ctx, id, 0); err != nil || len(es) != 0 {
				t.Errorf("events of %s: %d, %v; want none", id, len(es), err)
			}
		}
		for _, id := range []string{"a1", "a2", "a3", "gaveup-old"} {
			if _, err := s.QueueRequestByID(ctx, id); !errors.Is(err, ErrNotFound) {
				t.Errorf("request %s: %v, want it gone", id, err)
			}
		}
		for _, id := range []string{"edge", "recent", "live", "pending", "recent2"} {
			sess, err := s.SessionByID(ctx, id)
			ps, _ := s.Participants(ctx, id)
			es, _ := s.Events(ctx, id, 0)
			if err != nil || len(ps) != 2 || len(es) == 0 {
				t.Errorf("session %s: %v, %d participants, %d events; want it whole", id, err, len(ps), len(es))
			}
			if id == "live" && sess.State != StateLive {
				t.Errorf("the live session is %s", sess.State)
			}
		}
		for _, id := range []string{"gaveup-new", "waiting", "p1", "p2", "r1", "r2"} {
			r, err := s.QueueRequestByID(ctx, id)
			if err != nil {
				t.Errorf("request %s: %v, want it kept", id, err)
			}
			if id == "r2" && r.TransferredFrom != "" {
				t.Errorf("r2 still names the deleted %q", r.TransferredFrom)
			}
			if id == "waiting" && r.State != RequestWaiting {
				t.Errorf("the waiting request is %s", r.State)
			}
		}
		var left []byte
		if err := rawDB(t, url).QueryRowContext(ctx, `SELECT hash FROM tokens`).Scan(&left); err != nil || string(left) != string(hashOf("login-valid")) {
			t.Errorf("login tokens left: %d, %v; want the valid one", countRows(t, url, "tokens"), err)
		}
		for name, kept := range map[string]bool{"resume-used-long-ago": false, "resume-expired-today": true, "resume-valid": true, "r-chain": false} {
			_, err := s.ResumeTokenByHash(ctx, hashOf(name))
			if kept != (err == nil) {
				t.Errorf("resume token %s: %v, want kept %v", name, err, kept)
			}
		}

		// Nothing is left to do, and doing it again deletes nothing.
		again, err := s.Purge(ctx, PurgeOptions{Before: cutoff, Now: now})
		if err != nil || again != (PurgeCounts{}) {
			t.Errorf("a second Purge: %+v, %v; want nothing", again, err)
		}
	})
}

func TestPurgeRefusesNoCutoff(t *testing.T) {
	s := openTest(t, ":memory:")
	for _, o := range []PurgeOptions{{Now: base}, {Before: base}} {
		if _, err := s.Purge(t.Context(), o); err == nil {
			t.Errorf("Purge(%+v) accepted", o)
		}
	}
}

// A cancelled purge stops between batches and keeps what it committed.
func TestPurgeCancelled(t *testing.T) {
	s := openTest(t, filepath.Join(t.TempDir(), "lifeline.db"))
	mustUser(t, s, "u1", "carol@example.com", "Carol")
	for i := range 5 {
		endedSession(t, s, fmt.Sprintf("old%d", i), fmt.Sprintf("10000000%d", i), at(time.Duration(i)*time.Hour), at(time.Duration(i)*time.Hour+time.Minute))
	}
	ctx, cancel := context.WithCancel(t.Context())
	cancel()
	got, err := s.Purge(ctx, PurgeOptions{Before: at(day), Now: at(day), BatchSize: 2})
	if !errors.Is(err, context.Canceled) || got.Sessions != 0 {
		t.Errorf("a cancelled Purge: %+v, %v", got, err)
	}
	got, err = s.Purge(t.Context(), PurgeOptions{Before: at(day), Now: at(day), BatchSize: 2})
	if err != nil || got.Sessions != 5 {
		t.Errorf("Purge after: %+v, %v; want the 5 sessions", got, err)
	}
}

// TestMigrationFromVersion5: a database as the queues release left it
// gets the indexes of retention, and keeps its rows.
func TestMigrationFromVersion5(t *testing.T) {
	forEachBackendURL(t, func(t *testing.T, url string) {
		ctx := t.Context()
		db := rawDB(t, url)
		d := newSQLiteDialect()
		if strings.HasPrefix(url, "postgres") {
			d = newPostgresDialect()
		}
		must(t, migrateTo(ctx, db, d, 5))
		for _, q := range []string{
			`INSERT INTO users (id, email, role) VALUES ('u1', 'old@example.com', 'csr')`,
			`INSERT INTO sessions (id, number, state, owner_user_id, created_at, ended_at) VALUES ('s1', '123456789', 'ended', 'u1', 1, 2)`,
			`INSERT INTO sessions (id, number, state, owner_user_id, created_at) VALUES ('s2', '123456780', 'live', 'u1', 1)`,
		} {
			if _, err := db.ExecContext(ctx, q); err != nil {
				t.Fatalf("%s: %v", q, err)
			}
		}
		s := openTest(t, url)
		got, err := s.Purge(ctx, PurgeOptions{Before: base, Now: base})
		if err != nil || got.Sessions != 1 {
			t.Errorf("Purge after migrating: %+v, %v; want the ended session", got, err)
		}
		if _, err := s.SessionByID(ctx, "s2"); err != nil {
			t.Errorf("the live session after migrating: %v", err)
		}
	})
}
