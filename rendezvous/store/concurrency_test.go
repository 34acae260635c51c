package store

import (
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"
)

// The rendezvous server runs one goroutine per session, all writing at once.
// On SQLite that must queue, never fail with SQLITE_BUSY ("database is
// locked"); on PostgreSQL it must not exhaust the pool.
func TestConcurrentWriters(t *testing.T) {
	const sessions, events = 50, 20
	forEachBackend(t, func(t *testing.T, s Store) {
		ctx := t.Context()
		mustUser(t, s, "u1", "alice@example.com", "Alice")

		var wg sync.WaitGroup
		errs := make(chan error, sessions)
		for i := range sessions {
			wg.Go(func() {
				id := fmt.Sprintf("s%02d", i)
				sess := Session{ID: id, Number: fmt.Sprintf("%09d", i), OwnerUserID: "u1", CreatedAt: base}
				host := Participant{ID: id + "-host", UserID: "u1", JoinedAt: base}
				if err := s.CreateSession(ctx, sess, host); err != nil {
					errs <- err
					return
				}
				for seq := int64(1); seq <= events; seq++ {
					e := Event{SessionID: id, Seq: seq, At: base, Type: "tick", Audience: AudienceAll}
					var err error
					if seq%5 == 0 {
						// Some in transactions, with a read of their own in between.
						err = s.Tx(ctx, func(w Writer) error {
							if err := w.AppendEvent(ctx, e); err != nil {
								return err
							}
							return w.SetNotes(ctx, id, fmt.Sprint(seq))
						})
					} else {
						err = s.AppendEvent(ctx, e)
					}
					if err == nil {
						_, err = s.LastSeq(ctx, id)
					}
					if err != nil {
						errs <- fmt.Errorf("%s#%d: %w", id, seq, err)
						return
					}
				}
			})
		}
		wg.Wait()
		close(errs)
		for err := range errs {
			t.Error(err)
		}
		if t.Failed() {
			return
		}
		for i := range sessions {
			id := fmt.Sprintf("s%02d", i)
			if seq, err := s.LastSeq(ctx, id); err != nil || seq != events {
				t.Errorf("LastSeq(%s) = %d, %v; want %d", id, seq, err, events)
			}
		}
	})
}

// Two stores on one SQLite file stand in for two processes (a server and an
// admin command, say): their writes meet at SQLite's file lock, where
// busy_timeout and BEGIN IMMEDIATE must make them wait rather than fail.
func TestSQLiteTwoHandlesOneFile(t *testing.T) {
	path := t.TempDir() + "/shared.db"
	a := openTest(t, path)
	b := openTest(t, path)
	mustUser(t, a, "u1", "alice@example.com", "Alice")

	const perHandle, events = 10, 20
	var wg sync.WaitGroup
	errs := make(chan error, 2*perHandle)
	for h, s := range []Store{a, b} {
		for i := range perHandle {
			wg.Go(func() {
				id := fmt.Sprintf("h%d-s%02d", h, i)
				sess := Session{ID: id, Number: fmt.Sprintf("%d%08d", h, i), OwnerUserID: "u1", CreatedAt: base}
				if err := s.CreateSession(t.Context(), sess, Participant{ID: id + "-host", UserID: "u1"}); err != nil {
					errs <- err
					return
				}
				for seq := int64(1); seq <= events; seq++ {
					err := s.Tx(t.Context(), func(w Writer) error {
						return w.AppendEvent(t.Context(), Event{SessionID: id, Seq: seq, At: time.Now(), Type: "t", Audience: AudienceAll})
					})
					if err != nil {
						errs <- fmt.Errorf("%s#%d: %w", id, seq, err)
						return
					}
				}
			})
		}
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		if strings.Contains(err.Error(), "SQLITE_BUSY") || strings.Contains(err.Error(), "locked") {
			t.Errorf("lock contention surfaced as an error: %v", err)
		} else {
			t.Error(err)
		}
	}
	// Each handle sees the other's writes.
	for h, s := range []Store{a, b} {
		live, err := s.LiveSessions(t.Context())
		if err != nil || len(live) != 2*perHandle {
			t.Errorf("handle %d: %d live sessions, %v; want %d", h, len(live), err, 2*perHandle)
		}
	}
}
