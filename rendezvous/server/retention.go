package server

import (
	"context"
	"time"

	"lifeline/rendezvous/store"
)

// DefaultRetentionInterval is how often the server deletes the report
// data past the site's retention period (retention_days).
const DefaultRetentionInterval = 24 * time.Hour

// retain purges at start, then every RetentionInterval, until Shutdown.
// The retention period is read from the settings each time, so a change
// applies at the next purge without a restart.
func (s *Server) retain() {
	defer s.wg.Done()
	// Shutdown cancels a purge under way: the batch it was in rolls back,
	// those before it stay done, and the next start carries on.
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	go func() {
		select {
		case <-s.stop:
			cancel()
		case <-ctx.Done():
		}
	}()
	t := time.NewTicker(s.RetentionInterval)
	defer t.Stop()
	for {
		_, _ = s.Purge(ctx)
		select {
		case <-s.stop:
			return
		case <-t.C:
		}
	}
}

// Purge deletes the report data older than the site's retention period,
// and expired tokens, now; the server does it by itself at start and
// every RetentionInterval. What it deleted is logged and counted in
// lifeline_purged_rows_total.
func (s *Server) Purge(ctx context.Context) (store.PurgeCounts, error) {
	site, err := s.Store.SiteSettings(ctx)
	if err != nil {
		s.Metrics.PurgeFailures.Inc()
		s.Log.Warn("report retention: cannot read the retention period; nothing was deleted", "err", err)
		return store.PurgeCounts{}, err
	}
	now := s.Now()
	cutoff := site.RetentionCutoff(now)
	c, err := s.Store.Purge(ctx, store.PurgeOptions{Before: cutoff, Now: now})
	for kind, n := range map[string]int64{
		"sessions": c.Sessions, "participants": c.Participants, "events": c.Events,
		"queue_requests": c.QueueRequests, "resume_tokens": c.ResumeTokens, "login_tokens": c.LoginTokens,
	} {
		s.Metrics.Purged.WithLabelValues(kind).Add(float64(n))
	}
	attrs := []any{"retention_days", site.RetentionDays, "ended_before", cutoff.UTC().Format(time.RFC3339),
		"sessions", c.Sessions, "participants", c.Participants, "events", c.Events,
		"queue_requests", c.QueueRequests, "resume_tokens", c.ResumeTokens, "login_tokens", c.LoginTokens}
	switch {
	case err != nil:
		s.Metrics.PurgeFailures.Inc()
		s.Log.Warn("report retention: the purge stopped; what it deleted before stays deleted", append(attrs, "err", err)...)
	case c.Total() > 0:
		s.Log.Info("report retention: deleted the report data past the retention period", attrs...)
	default:
		s.Log.Debug("report retention: nothing is past the retention period", attrs...)
	}
	return c, err
}
