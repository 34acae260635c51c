package store

import (
	"context"
	"fmt"
	"strings"
	"time"
)

// Retention: the record of a support session is kept for the reports
// for the site's retention period (settings.Site.RetentionDays), then
// deleted whole, so that what the reports show is never half a session.

// DefaultPurgeBatch is how many sessions (or abandoned requests, or
// tokens) one transaction of Purge deletes. A session brings its events
// along, a few hundred for a long one, so a batch is tens of thousands of
// rows at most: quick enough that live sessions writing beside it (on
// SQLite, through the one write connection) wait a moment, not minutes.
const DefaultPurgeBatch = 100

// ResumeTokenKeep is how long a resume token stays after it expired
// (used or not): for that long a second use is still told apart from a
// token that never existed, which is all that keeping it is for.
const ResumeTokenKeep = 24 * time.Hour

// PurgeOptions says what Purge deletes.
type PurgeOptions struct {
	// Before is the retention cutoff: the sessions that ended before it
	// go, with their participants, events, resume tokens and queue
	// requests, and so do the requests of customers who gave up waiting
	// before it without ever having a session.
	Before time.Time
	// Now is when login tokens count as expired, and resume tokens
	// ResumeTokenKeep after they expired.
	Now time.Time
	// BatchSize is the rows of the main table per transaction; zero is
	// DefaultPurgeBatch.
	BatchSize int
}

// PurgeCounts are the rows Purge deleted, per kind. A purge that failed
// midway reports the batches it committed.
type PurgeCounts struct {
	Sessions      int64
	Participants  int64
	Events        int64
	QueueRequests int64 // of the sessions, and abandoned without one
	ResumeTokens  int64 // of the sessions, and expired
	LoginTokens   int64
}

// Total is every row deleted.
func (c PurgeCounts) Total() int64 {
	return c.Sessions + c.Participants + c.Events + c.QueueRequests + c.ResumeTokens + c.LoginTokens
}

func (c *PurgeCounts) add(d PurgeCounts) {
	c.Sessions += d.Sessions
	c.Participants += d.Participants
	c.Events += d.Events
	c.QueueRequests += d.QueueRequests
	c.ResumeTokens += d.ResumeTokens
	c.LoginTokens += d.LoginTokens
}

// Purge deletes report data older than o.Before, and expired tokens, in
// transactions of o.BatchSize, oldest first. Live sessions are never
// touched, nor a session a request still waits for (a transfer being
// offered), nor waiting requests. Each batch is whole or not at all; a
// cancelled ctx stops Purge between batches, keeping what it committed.
//
// The states are written into these queries as literals rather than
// bound, so that both databases can use the partial indexes of
// migration 6, whose conditions name them.
func (s *sqlStore) Purge(ctx context.Context, o PurgeOptions) (PurgeCounts, error) {
	var total PurgeCounts
	if o.Before.IsZero() || o.Now.IsZero() {
		return total, fmt.Errorf("store: purge: a cutoff and the time now are required")
	}
	n := o.BatchSize
	if n <= 0 {
		n = DefaultPurgeBatch
	}
	steps := []struct {
		what  string
		batch func(ctx context.Context, w *writer, n int) (PurgeCounts, int, error)
	}{
		{"ended sessions", func(ctx context.Context, w *writer, n int) (PurgeCounts, int, error) {
			return w.purgeSessions(ctx, toMillis(o.Before), n)
		}},
		{"abandoned requests", func(ctx context.Context, w *writer, n int) (PurgeCounts, int, error) {
			return w.purgeAbandoned(ctx, toMillis(o.Before), n)
		}},
		{"expired login tokens", func(ctx context.Context, w *writer, n int) (PurgeCounts, int, error) {
			d, err := w.deleteSome(ctx, `DELETE FROM tokens WHERE hash IN (
				SELECT hash FROM tokens WHERE expires_at <= ? LIMIT ?)`, toMillis(o.Now), n)
			return PurgeCounts{LoginTokens: d}, int(d), err
		}},
		{"expired resume tokens", func(ctx context.Context, w *writer, n int) (PurgeCounts, int, error) {
			d, err := w.deleteSome(ctx, `DELETE FROM resume_tokens WHERE hash IN (
				SELECT hash FROM resume_tokens WHERE expires_at < ? LIMIT ?)`, toMillis(o.Now.Add(-ResumeTokenKeep)), n)
			return PurgeCounts{ResumeTokens: d}, int(d), err
		}},
	}
	for _, step := range steps {
		for {
			if err := ctx.Err(); err != nil {
				return total, fmt.Errorf("store: purge %s: %w", step.what, err)
			}
			var got PurgeCounts
			var rows int
			err := s.Tx(ctx, func(w Writer) error {
				var err error
				got, rows, err = step.batch(ctx, w.(*writer), n)
				return err
			})
			if err != nil {
				return total, fmt.Errorf("store: purge %s: %w", step.what, err)
			}
			total.add(got)
			if rows < n {
				break
			}
		}
	}
	return total, nil
}

// purgeSessions deletes up to n of the sessions that ended before cutoff,
// with everything that refers to them, and returns how many it found.
func (w *writer) purgeSessions(ctx context.Context, cutoff int64, n int) (PurgeCounts, int, error) {
	var c PurgeCounts
	// FOR UPDATE (on PostgreSQL) makes a second server purging the same
	// database wait for this batch, then skip the rows it deleted.
	ids, err := w.ids(ctx, `SELECT s.id FROM sessions s
		WHERE s.state = 'ended' AND s.ended_at > 0 AND s.ended_at < ?
		AND NOT EXISTS (SELECT 1 FROM queue_requests r WHERE r.session_id = s.id AND r.state = 'waiting')
		ORDER BY s.ended_at, s.id LIMIT ?`+w.d.forUpdate, cutoff, n)
	if err != nil || len(ids) == 0 {
		return c, 0, err
	}
	in, args := inList(ids, n)
	// A session's requests refer to one another (a transfer names the
	// request it carries on), and are deleted in one statement, which
	// both databases check as a whole. One from elsewhere that names them
	// would hold them back for good, so its reference is dropped first;
	// transfers stay within their session, so this finds none in practice.
	if _, err := w.exec(ctx, `UPDATE queue_requests SET transferred_from = NULL
		WHERE transferred_from IN (SELECT id FROM queue_requests WHERE session_id IN (`+in+`))
		AND (session_id IS NULL OR session_id NOT IN (`+in+`))`, append(args, args...)...); err != nil {
		return c, 0, fmt.Errorf("unlink transfers: %w", err)
	}
	for _, d := range []struct {
		dst   *int64
		query string
	}{
		{&c.QueueRequests, `DELETE FROM queue_requests WHERE session_id IN (` + in + `)`},
		{&c.ResumeTokens, `DELETE FROM resume_tokens WHERE session_id IN (` + in + `)`},
		{&c.Events, `DELETE FROM events WHERE session_id IN (` + in + `)`},
		{&c.Participants, `DELETE FROM participants WHERE session_id IN (` + in + `)`},
		{&c.Sessions, `DELETE FROM sessions WHERE id IN (` + in + `)`},
	} {
		if *d.dst, err = w.deleteSome(ctx, d.query, args...); err != nil {
			return c, 0, err
		}
	}
	return c, len(ids), nil
}

// purgeAbandoned deletes up to n of the requests whose customers gave up
// waiting before cutoff, before anyone took them, so that no session
// carries them away.
func (w *writer) purgeAbandoned(ctx context.Context, cutoff int64, n int) (PurgeCounts, int, error) {
	ids, err := w.ids(ctx, `SELECT id FROM queue_requests
		WHERE session_id IS NULL AND state = 'abandoned' AND ended_at > 0 AND ended_at < ?
		ORDER BY ended_at, entry LIMIT ?`+w.d.forUpdate, cutoff, n)
	if err != nil || len(ids) == 0 {
		return PurgeCounts{}, 0, err
	}
	in, args := inList(ids, n)
	if _, err := w.exec(ctx, `UPDATE queue_requests SET transferred_from = NULL WHERE transferred_from IN (`+in+`)`, args...); err != nil {
		return PurgeCounts{}, 0, fmt.Errorf("unlink transfers: %w", err)
	}
	d, err := w.deleteSome(ctx, `DELETE FROM queue_requests WHERE id IN (`+in+`)`, args...)
	return PurgeCounts{QueueRequests: d}, len(ids), err
}

// ids runs a query of one text column inside the writer's transaction.
func (w *writer) ids(ctx context.Context, query string, args ...any) ([]string, error) {
	rows, err := w.q.QueryContext(ctx, w.d.rebind(query), args...)
	if err != nil {
		return nil, fmt.Errorf("select: %w", err)
	}
	return collect(rows, "select", func(r scanner) (string, error) {
		var id string
		return id, r.Scan(&id)
	})
}

// deleteSome runs a DELETE and returns how many rows it deleted.
func (w *writer) deleteSome(ctx context.Context, query string, args ...any) (int64, error) {
	res, err := w.exec(ctx, query, args...)
	if err != nil {
		return 0, fmt.Errorf("delete: %w", err)
	}
	n, err := res.RowsAffected()
	if err != nil {
		return 0, fmt.Errorf("delete: %w", err)
	}
	return n, nil
}

// inList is the placeholders and arguments of an IN (…) of ids, padded
// to n with repeats of the first, so that every batch of one size runs
// the same statements (which the dialect caches rebound). A batch is
// small enough for either database's limit on parameters.
func inList(ids []string, n int) (string, []any) {
	args := make([]any, max(n, len(ids)))
	for i := range args {
		args[i] = ids[0]
		if i < len(ids) {
			args[i] = ids[i]
		}
	}
	return strings.TrimSuffix(strings.Repeat("?, ", len(args)), ", "), args
}
