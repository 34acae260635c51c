package store

import (
	"context"
	"fmt"
	"time"

	"lifeline/rendezvous/settings"
)

// Site settings, quick phrases, session types and account limits. Every
// value is validated by package settings before it is stored, so whatever
// writes them (the command line, the server, later the admin page) cannot
// store one the others would refuse.

func (s *sqlStore) SiteSettings(ctx context.Context) (settings.Site, error) {
	rows, err := s.r.QueryContext(ctx, `SELECT name, value FROM site_settings`)
	if err != nil {
		return settings.Site{}, fmt.Errorf("store: site settings: %w", err)
	}
	type pair struct{ name, value string }
	pairs, err := collect(rows, "site settings", func(r scanner) (pair, error) {
		var p pair
		return p, r.Scan(&p.name, &p.value)
	})
	if err != nil {
		return settings.Site{}, err
	}
	values := make(map[string]string, len(pairs))
	for _, p := range pairs {
		values[p.name] = p.value
	}
	site, err := settings.FromValues(values)
	if err != nil {
		return settings.Site{}, fmt.Errorf("store: site settings: %w", err)
	}
	return site, nil
}

func (s *sqlStore) SetSiteSetting(ctx context.Context, name, value string) error {
	k, err := settings.Lookup(name)
	if err != nil {
		return fmt.Errorf("store: set site setting: %w", err)
	}
	v, err := k.Check(value)
	if err != nil {
		return fmt.Errorf("store: set site setting %s: %w", k.Name, err)
	}
	// An upsert both databases spell the same way (SQLite ≥ 3.24).
	_, err = s.w.ExecContext(ctx, s.d.rebind(`INSERT INTO site_settings (name, value, updated_at) VALUES (?, ?, ?)
		ON CONFLICT (name) DO UPDATE SET value = excluded.value, updated_at = excluded.updated_at`),
		k.Name, v, time.Now().UnixMilli())
	if err != nil {
		return fmt.Errorf("store: set site setting %s: %w", k.Name, err)
	}
	return nil
}

// ---- quick phrases ----

func (s *sqlStore) QuickPhrases(ctx context.Context) ([]QuickPhrase, error) {
	return s.phrases(ctx, "")
}

func (s *sqlStore) AddQuickPhrase(ctx context.Context, text string) (QuickPhrase, error) {
	return s.addPhrase(ctx, "", text)
}

func (s *sqlStore) RemoveQuickPhrase(ctx context.Context, id string) error {
	return s.writer.execOne(ctx, fmt.Sprintf("remove quick phrase %q", id),
		`DELETE FROM quick_phrases WHERE id = ?`, id)
}

// ---- session types ----

func (s *sqlStore) SessionTypes(ctx context.Context) ([]string, error) {
	rows, err := s.r.QueryContext(ctx, `SELECT name FROM session_types ORDER BY sort_order, folded`)
	if err != nil {
		return nil, fmt.Errorf("store: session types: %w", err)
	}
	return collect(rows, "session types", func(r scanner) (string, error) {
		var name string
		return name, r.Scan(&name)
	})
}

func (s *sqlStore) AddSessionType(ctx context.Context, name string) (string, error) {
	name, err := settings.CheckSessionType(name)
	if err != nil {
		return "", fmt.Errorf("store: add session type: %w", err)
	}
	_, err = s.w.ExecContext(ctx, s.d.rebind(`INSERT INTO session_types (folded, name, sort_order)
		SELECT ?, ?, COALESCE(MAX(sort_order), 0) + 1 FROM session_types`), settings.FoldSessionType(name), name)
	if v, _ := constraintError(err); v == uniqueViolation {
		return "", fmt.Errorf("store: add session type %q: %w", name, ErrExists)
	} else if err != nil {
		return "", fmt.Errorf("store: add session type %q: %w", name, err)
	}
	return name, nil
}

func (s *sqlStore) RemoveSessionType(ctx context.Context, name string) error {
	return s.writer.execOne(ctx, fmt.Sprintf("remove session type %q", name),
		`DELETE FROM session_types WHERE folded = ?`, settings.FoldSessionType(name))
}

// ---- account limits ----

func (s *sqlStore) SetUserLimits(ctx context.Context, email string, l settings.UserLimits) error {
	email = normEmail(email)
	if err := l.Validate(); err != nil {
		return fmt.Errorf("store: set limits of user %q: %w", email, err)
	}
	return s.writer.execOne(ctx, fmt.Sprintf("set limits of user %q", email),
		`UPDATE users SET session_mode = ?, max_customers = ? WHERE email = ?`,
		l.SessionMode, l.MaxCustomers, email)
}
