package server_test

import (
	"bytes"
	"context"
	"errors"
	"log/slog"
	"net/http/httptest"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"lifeline/rendezvous/server"
	"lifeline/rendezvous/store"
)

// syncBuffer is a log destination that the server's goroutines and the
// test may use at once.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

// storedSession writes a session of owner straight into the store, as
// one that ran long ago would be; a zero ended leaves it live.
func storedSession(t *testing.T, st store.Store, id, number, owner string, created, ended time.Time) {
	t.Helper()
	ctx := context.Background()
	must(t, st.CreateSession(ctx, store.Session{ID: id, Number: number, OwnerUserID: owner, CreatedAt: created},
		store.Participant{ID: id + "-host", UserID: owner, Name: "Carol", JoinedAt: created}))
	must(t, st.AddParticipant(ctx, store.Participant{ID: id + "-cust", SessionID: id, Name: "Paula", Role: store.RolePrimary, JoinedAt: created}))
	must(t, st.AppendEvent(ctx, store.Event{SessionID: id, Seq: 1, At: created, Type: "session_started", Audience: store.AudienceAll}))
	if !ended.IsZero() {
		must(t, st.EndSession(ctx, id, ended, "done"))
	}
}

func gone(st store.Store, id string) bool {
	_, err := st.SessionByID(context.Background(), id)
	return errors.Is(err, store.ErrNotFound)
}

// eventually polls cond for up to 5 seconds.
func eventually(t *testing.T, what string, cond func() bool) {
	t.Helper()
	for deadline := time.Now().Add(5 * time.Second); !cond(); {
		if time.Now().After(deadline) {
			t.Fatalf("after 5 s: %s", what)
		}
		time.Sleep(10 * time.Millisecond)
	}
}

// The server purges at start and then every RetentionInterval, by the
// retention period set at the time, and stops with the server.
func TestRetention(t *testing.T) {
	ctx := context.Background()
	st, err := store.Open(ctx, filepath.Join(t.TempDir(), "lifeline.db"))
	must(t, err)
	t.Cleanup(func() { st.Close() })
	must(t, st.CreateUser(ctx, store.User{ID: "u1", Email: "carol@example.com", Name: "Carol", Role: store.RoleCSR}))
	now := time.Now().UTC().Truncate(time.Millisecond)
	ago := func(days int) time.Time { return now.Add(-time.Duration(days) * 24 * time.Hour) }
	storedSession(t, st, "old", "100000001", "u1", ago(100), ago(93))
	storedSession(t, st, "recent", "100000002", "u1", ago(10), ago(9))
	storedSession(t, st, "live", "100000003", "u1", ago(200), time.Time{})

	var logs syncBuffer
	srv := &server.Server{Store: st, Log: slog.New(slog.NewTextHandler(&logs, nil)), Now: func() time.Time { return now },
		RetentionInterval: 50 * time.Millisecond}
	must(t, srv.Start(ctx))
	stopped := false
	t.Cleanup(func() {
		if !stopped {
			_ = srv.Shutdown(ctx)
		}
	})

	// At start: the session that ended 93 days ago, past the default 92.
	eventually(t, "the old session is still there", func() bool { return gone(st, "old") })
	if gone(st, "recent") || gone(st, "live") {
		t.Fatal("the purge at start took a recent or live session")
	}
	eventually(t, "no log line of the purge", func() bool {
		return strings.Contains(logs.String(), "report retention: deleted the report data past the retention period")
	})
	if l := logs.String(); !strings.Contains(l, "retention_days=92") || !strings.Contains(l, "sessions=1 participants=2 events=1") {
		t.Errorf("log = %s", l)
	}
	rec := httptest.NewRecorder()
	srv.Metrics.Handler().ServeHTTP(rec, httptest.NewRequest("GET", "/metrics", nil))
	for _, want := range []string{`lifeline_purged_rows_total{kind="sessions"} 1`, `lifeline_purged_rows_total{kind="participants"} 2`,
		`lifeline_purged_rows_total{kind="events"} 1`, `lifeline_purge_failures_total 0`} {
		if !strings.Contains(rec.Body.String(), want) {
			t.Errorf("metrics lack %s", want)
		}
	}

	// A shorter period applies at the next purge, without a restart.
	must(t, st.SetSiteSetting(ctx, "retention-days", "5"))
	eventually(t, "the session of 9 days ago outlived a retention of 5", func() bool { return gone(st, "recent") })
	if gone(st, "live") {
		t.Fatal("the live session was purged")
	}

	// Stopped with the server: nothing is purged after Shutdown.
	sctx, cancel := context.WithTimeout(ctx, 5*time.Second)
	defer cancel()
	must(t, srv.Shutdown(sctx))
	stopped = true
	storedSession(t, st, "after", "100000004", "u1", ago(30), ago(29))
	time.Sleep(5 * srv.RetentionInterval)
	if gone(st, "after") {
		t.Error("a purge ran after Shutdown")
	}
}
