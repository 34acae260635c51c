package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"time"

	"lifeline/rendezvous/settings"
)

// A queue's own settings and quick phrases. Like the site's, every value
// is checked by package settings before it is stored.

func (s *sqlStore) QueueSettings(ctx context.Context, queueName string) (map[string]string, error) {
	q, err := s.QueueByName(ctx, queueName)
	if err != nil {
		return nil, err
	}
	return s.queueValues(ctx, q.ID)
}

func (s *sqlStore) queueValues(ctx context.Context, queueID string) (map[string]string, error) {
	rows, err := s.r.QueryContext(ctx, s.d.rebind(`SELECT name, value FROM queue_settings WHERE queue_id = ? AND value <> ''`), queueID)
	if err != nil {
		return nil, fmt.Errorf("store: settings of queue %s: %w", queueID, err)
	}
	type pair struct{ name, value string }
	pairs, err := collect(rows, "queue settings", func(r scanner) (pair, error) {
		var p pair
		return p, r.Scan(&p.name, &p.value)
	})
	if err != nil {
		return nil, err
	}
	values := make(map[string]string, len(pairs))
	for _, p := range pairs {
		values[p.name] = p.value
	}
	return values, nil
}

func (s *sqlStore) SetQueueSetting(ctx context.Context, queueName, name, value string) error {
	k, err := settings.LookupQueue(name)
	if err != nil {
		return fmt.Errorf("store: set setting of queue %q: %w", queueName, err)
	}
	v, err := k.CheckQueue(value)
	if err != nil {
		return fmt.Errorf("store: set %s of queue %q: %w", k.Name, queueName, err)
	}
	q, err := s.QueueByName(ctx, queueName)
	if err != nil {
		return err
	}
	// Following the site again is a row with no value rather than no row,
	// so that the change moves SettingsStamp like any other.
	_, err = s.w.ExecContext(ctx, s.d.rebind(`INSERT INTO queue_settings (queue_id, name, value, updated_at) VALUES (?, ?, ?, ?)
		ON CONFLICT (queue_id, name) DO UPDATE SET value = excluded.value, updated_at = excluded.updated_at`),
		q.ID, k.Name, v, time.Now().UnixMilli())
	if err != nil {
		return fmt.Errorf("store: set %s of queue %q: %w", k.Name, queueName, err)
	}
	return nil
}

func (s *sqlStore) QueueSiteSettings(ctx context.Context, queueName string) (settings.Site, error) {
	q, err := s.QueueByName(ctx, queueName)
	if err != nil {
		return settings.Site{}, err
	}
	return s.forQueue(ctx, q.ID)
}

// forQueue is the site's settings with queue queueID's own laid over.
func (s *sqlStore) forQueue(ctx context.Context, queueID string) (settings.Site, error) {
	site, err := s.SiteSettings(ctx)
	if err != nil {
		return settings.Site{}, err
	}
	values, err := s.queueValues(ctx, queueID)
	if err != nil {
		return settings.Site{}, err
	}
	site, err = site.ForQueue(values)
	if err != nil {
		return settings.Site{}, fmt.Errorf("store: settings of queue %s: %w", queueID, err)
	}
	return site, nil
}

func (s *sqlStore) SessionSettings(ctx context.Context, sessionID string) (settings.Site, Queue, error) {
	var queueID string
	err := s.r.QueryRowContext(ctx, s.d.rebind(`SELECT queue_id FROM queue_requests
		WHERE session_id = ? AND queue_id IS NOT NULL ORDER BY entry DESC LIMIT 1`), sessionID).Scan(&queueID)
	if errors.Is(err, sql.ErrNoRows) {
		site, err := s.SiteSettings(ctx)
		return site, Queue{}, err
	}
	if err != nil {
		return settings.Site{}, Queue{}, fmt.Errorf("store: queue of session %q: %w", sessionID, err)
	}
	q, err := s.QueueByID(ctx, queueID)
	if err != nil {
		return settings.Site{}, Queue{}, err
	}
	site, err := s.forQueue(ctx, queueID)
	return site, q, err
}

func (s *sqlStore) QueuePhrases(ctx context.Context, queueName string) ([]QuickPhrase, error) {
	q, err := s.QueueByName(ctx, queueName)
	if err != nil {
		return nil, err
	}
	return s.phrases(ctx, q.ID)
}

// phrases returns the site's phrases (queueID "") or a queue's own.
func (s *sqlStore) phrases(ctx context.Context, queueID string) ([]QuickPhrase, error) {
	q, args := `SELECT id, text FROM quick_phrases WHERE queue_id IS NULL ORDER BY sort_order, id`, []any(nil)
	if queueID != "" {
		q, args = `SELECT id, text FROM quick_phrases WHERE queue_id = ? ORDER BY sort_order, id`, []any{queueID}
	}
	rows, err := s.r.QueryContext(ctx, s.d.rebind(q), args...)
	if err != nil {
		return nil, fmt.Errorf("store: quick phrases: %w", err)
	}
	return collect(rows, "quick phrases", func(r scanner) (QuickPhrase, error) {
		var p QuickPhrase
		return p, r.Scan(&p.ID, &p.Text)
	})
}

func (s *sqlStore) AddQueuePhrase(ctx context.Context, queueName, text string) (QuickPhrase, error) {
	q, err := s.QueueByName(ctx, queueName)
	if err != nil {
		return QuickPhrase{}, err
	}
	return s.addPhrase(ctx, q.ID, text)
}

// addPhrase adds a phrase after the others: the site's (queueID "") or a
// queue's. Positions are counted over every phrase, which orders each
// list as well and needs no second counter.
func (s *sqlStore) addPhrase(ctx context.Context, queueID, text string) (QuickPhrase, error) {
	text, err := settings.CheckPhrase(text)
	if err != nil {
		return QuickPhrase{}, fmt.Errorf("store: add quick phrase: %w", err)
	}
	p := QuickPhrase{ID: NewID("qph_"), Text: text}
	var owner any // NULL: the site's
	if queueID != "" {
		owner = queueID
	}
	// Two adds at the same instant may share a position on PostgreSQL;
	// the id then orders them, which is harmless.
	_, err = s.w.ExecContext(ctx, s.d.rebind(`INSERT INTO quick_phrases (id, sort_order, text, queue_id)
		SELECT ?, COALESCE(MAX(sort_order), 0) + 1, ?, ? FROM quick_phrases`), p.ID, p.Text, owner)
	if err != nil {
		return QuickPhrase{}, fmt.Errorf("store: add quick phrase: %w", err)
	}
	return p, nil
}

func (s *sqlStore) SettingsStamp(ctx context.Context) (string, error) {
	var siteN, siteMax, queueN, queueMax int64
	err := s.r.QueryRowContext(ctx, `SELECT
		(SELECT COUNT(*) FROM site_settings), (SELECT COALESCE(MAX(updated_at), 0) FROM site_settings),
		(SELECT COUNT(*) FROM queue_settings), (SELECT COALESCE(MAX(updated_at), 0) FROM queue_settings)`).
		Scan(&siteN, &siteMax, &queueN, &queueMax)
	if err != nil {
		return "", fmt.Errorf("store: settings stamp: %w", err)
	}
	return fmt.Sprintf("%d.%d.%d.%d", siteN, siteMax, queueN, queueMax), nil
}
