package store

import (
	"context"
	"database/sql"
	"fmt"
	"time"
)

// migration is one step of the schema's history. Statements use only what
// SQLite and PostgreSQL have in common, plus the {{…}} type names that the
// dialect expands. Once released, a migration is never edited: changes go in
// a new one appended to the list.
//
// Roles, states and audiences are validated in Go rather than with CHECK
// constraints, because SQLite cannot alter a constraint without rebuilding
// the table, and new roles are the likeliest schema change of all.
type migration struct {
	version int64
	stmts   []string
}

var migrations = []migration{
	{version: 1, stmts: []string{
		`CREATE TABLE users (
			id            TEXT PRIMARY KEY,
			email         TEXT NOT NULL UNIQUE,
			name          TEXT NOT NULL DEFAULT '',
			role          TEXT NOT NULL,
			password_hash TEXT NOT NULL DEFAULT '',
			disabled      INTEGER NOT NULL DEFAULT 0,
			failed_logins INTEGER NOT NULL DEFAULT 0,
			locked_until  BIGINT NOT NULL DEFAULT 0,
			created_at    BIGINT NOT NULL DEFAULT 0
		)`,

		`CREATE TABLE tokens (
			hash       {{blob}} PRIMARY KEY,
			user_id    TEXT NOT NULL REFERENCES users(id) ON DELETE CASCADE,
			created_at BIGINT NOT NULL,
			expires_at BIGINT NOT NULL
		)`,
		`CREATE INDEX tokens_user ON tokens(user_id)`,
		`CREATE INDEX tokens_expires ON tokens(expires_at)`,

		`CREATE TABLE sessions (
			id            TEXT PRIMARY KEY,
			number        TEXT NOT NULL,
			type          TEXT NOT NULL DEFAULT '',
			tracking_code TEXT NOT NULL DEFAULT '',
			state         TEXT NOT NULL,
			owner_user_id TEXT NOT NULL REFERENCES users(id),
			notes         TEXT NOT NULL DEFAULT '',
			end_reason    TEXT NOT NULL DEFAULT '',
			created_at    BIGINT NOT NULL,
			ended_at      BIGINT NOT NULL DEFAULT 0
		)`,
		// A number identifies a session only while it is live; ended sessions
		// keep theirs for the record, so the index must skip them.
		`CREATE UNIQUE INDEX sessions_live_number ON sessions(number) WHERE state = 'live'`,
		`CREATE INDEX sessions_live_created ON sessions(created_at) WHERE state = 'live'`,
		`CREATE INDEX sessions_created ON sessions(created_at)`,
		`CREATE INDEX sessions_owner_created ON sessions(owner_user_id, created_at)`,

		// join_order exists only to break ties between participants who
		// joined in the same millisecond.
		`CREATE TABLE participants (
			join_order {{serial_pk}},
			id         TEXT NOT NULL UNIQUE,
			session_id TEXT NOT NULL REFERENCES sessions(id),
			user_id    TEXT REFERENCES users(id),
			name       TEXT NOT NULL DEFAULT '',
			email      TEXT NOT NULL DEFAULT '',
			role       TEXT NOT NULL,
			token_hash {{blob}} UNIQUE,
			addr       TEXT NOT NULL DEFAULT '',
			joined_at  BIGINT NOT NULL,
			left_at    BIGINT NOT NULL DEFAULT 0
		)`,
		`CREATE INDEX participants_session ON participants(session_id, joined_at, join_order)`,

		`CREATE TABLE events (
			session_id  TEXT NOT NULL REFERENCES sessions(id),
			seq         BIGINT NOT NULL,
			occurred_at BIGINT NOT NULL,
			type        TEXT NOT NULL,
			actor       TEXT NOT NULL DEFAULT '',
			target      TEXT NOT NULL DEFAULT '',
			audience    TEXT NOT NULL,
			data        TEXT NOT NULL DEFAULT '{}',
			PRIMARY KEY (session_id, seq)
		)`,
	}},

	// Site settings and the lists beside them, and each account's own limits.
	{version: 2, stmts: []string{
		// One row per setting that was ever set, its value as text; a setting
		// without a row has its default (rendezvous/settings holds both the
		// names and the defaults), so a new setting needs no migration.
		`CREATE TABLE site_settings (
			name       TEXT PRIMARY KEY,
			value      TEXT NOT NULL,
			updated_at BIGINT NOT NULL DEFAULT 0
		)`,

		// sort_order is the order CSRs see; a new phrase goes last.
		`CREATE TABLE quick_phrases (
			id         TEXT PRIMARY KEY,
			sort_order BIGINT NOT NULL,
			text       TEXT NOT NULL
		)`,
		// A few to start with, so that a new site's chat has some. Seeded
		// here rather than at each start, so that phrases an admin removed
		// stay removed.
		`INSERT INTO quick_phrases (id, sort_order, text) VALUES
			('qph_hello', 1, 'Hello, I''m here to help. One moment while I look at this.'),
			('qph_view', 2, 'Could you please allow me to view your screen?'),
			('qph_patience', 3, 'Thank you for your patience.'),
			('qph_anything_else', 4, 'Is there anything else I can help you with today?')`,

		// folded is the name in lower case: "Billing" and "billing" are one
		// type, and SQLite cannot fold case beyond ASCII itself.
		`CREATE TABLE session_types (
			folded     TEXT PRIMARY KEY,
			name       TEXT NOT NULL,
			sort_order BIGINT NOT NULL
		)`,

		// '' and 0 follow the site's settings.
		`ALTER TABLE users ADD COLUMN session_mode TEXT NOT NULL DEFAULT ''`,
		`ALTER TABLE users ADD COLUMN max_customers INTEGER NOT NULL DEFAULT 0`,

		// For counting the sessions a CSR hosts, on every session start.
		`CREATE INDEX participants_user_present ON participants(user_id) WHERE left_at = 0`,
	}},

	// The Script Library: categories, made by admins, and the scripts CSRs
	// keep to run in sessions.
	{version: 3, stmts: []string{
		// folded is the name in lower case, as for session types.
		`CREATE TABLE script_categories (
			folded     TEXT PRIMARY KEY,
			name       TEXT NOT NULL,
			created_at BIGINT NOT NULL DEFAULT 0
		)`,

		// The files are kept in the row: at most 1 MB each, and a script is
		// always read or written whole. The sizes are columns so that a list
		// need not read the files. category is NULL for none; its reference
		// keeps a category in use from being removed, on both databases.
		`CREATE TABLE scripts (
			id            TEXT PRIMARY KEY,
			folded_name   TEXT NOT NULL UNIQUE,
			name          TEXT NOT NULL,
			category      TEXT REFERENCES script_categories(folded),
			description   TEXT NOT NULL DEFAULT '',
			published     INTEGER NOT NULL DEFAULT 0,
			owner_user_id TEXT NOT NULL REFERENCES users(id),
			script_name   TEXT NOT NULL,
			script_size   BIGINT NOT NULL,
			script_data   {{blob}} NOT NULL,
			input_name    TEXT NOT NULL DEFAULT '',
			input_size    BIGINT NOT NULL DEFAULT 0,
			input_data    {{blob}},
			time_limit    INTEGER NOT NULL,
			created_at    BIGINT NOT NULL,
			updated_at    BIGINT NOT NULL
		)`,
		`CREATE INDEX scripts_owner ON scripts(owner_user_id)`,
		`CREATE INDEX scripts_category ON scripts(category)`,
	}},

	// Reboot and rejoin: a customer's place while its computer restarts,
	// and the single-use tokens that let its agent come back without the
	// session number, kept here so that they survive a server restart.
	{version: 4, stmts: []string{
		// restart_until is 0 when the participant is not restarting.
		`ALTER TABLE participants ADD COLUMN restart_until BIGINT NOT NULL DEFAULT 0`,
		`ALTER TABLE participants ADD COLUMN resumed INTEGER NOT NULL DEFAULT 0`,

		// Used and expired tokens stay, so that a second use is told apart
		// from a token that never existed; they are a few rows per reboot.
		`CREATE TABLE resume_tokens (
			hash           {{blob}} PRIMARY KEY,
			participant_id TEXT NOT NULL REFERENCES participants(id),
			session_id     TEXT NOT NULL REFERENCES sessions(id),
			created_at     BIGINT NOT NULL,
			expires_at     BIGINT NOT NULL,
			used_at        BIGINT NOT NULL DEFAULT 0
		)`,
		`CREATE INDEX resume_tokens_participant ON resume_tokens(participant_id)`,
	}},

	// Support queues (the guide's inbound sessions): queues an admin makes,
	// the CSRs who serve each, and every customer's request for help, kept
	// after it is answered for the queue reports (call volume, waits, URL
	// referral).
	{version: 5, stmts: []string{
		// A removed queue keeps its row (removed_at is when), so that the
		// requests it had still name it; a new queue may take the name.
		`CREATE TABLE queues (
			id           TEXT PRIMARY KEY,
			name         TEXT NOT NULL,
			display_name TEXT NOT NULL,
			created_at   BIGINT NOT NULL,
			removed_at   BIGINT NOT NULL DEFAULT 0
		)`,
		`CREATE UNIQUE INDEX queues_live_name ON queues(name) WHERE removed_at = 0`,

		`CREATE TABLE queue_members (
			queue_id TEXT NOT NULL REFERENCES queues(id),
			user_id  TEXT NOT NULL REFERENCES users(id),
			added_at BIGINT NOT NULL,
			PRIMARY KEY (queue_id, user_id)
		)`,
		`CREATE INDEX queue_members_user ON queue_members(user_id)`,

		// One row per time a customer waited: in a queue (queue_id), or
		// offered to one CSR (offered_to) after a transfer. entry is the
		// order of the line. token_hash is the customer's token for a new
		// request; a transferred session's customer keeps its participant
		// token, so the row has none. session_id is the session the
		// request became, or was (a transfer); participant_id the
		// customer's place in it. A transfer ends its request as
		// transferred and starts a new one (transferred_from) with the
		// sender's message.
		`CREATE TABLE queue_requests (
			entry            {{serial_pk}},
			id               TEXT NOT NULL UNIQUE,
			queue_id         TEXT REFERENCES queues(id),
			offered_to       TEXT REFERENCES users(id),
			name             TEXT NOT NULL,
			email            TEXT NOT NULL DEFAULT '',
			problem          TEXT NOT NULL DEFAULT '',
			referrer         TEXT NOT NULL DEFAULT '',
			addr             TEXT NOT NULL DEFAULT '',
			token_hash       {{blob}} UNIQUE,
			session_id       TEXT REFERENCES sessions(id),
			participant_id   TEXT REFERENCES participants(id),
			state            TEXT NOT NULL,
			requested_at     BIGINT NOT NULL,
			accepted_at      BIGINT NOT NULL DEFAULT 0,
			accepted_by      TEXT REFERENCES users(id),
			ended_at         BIGINT NOT NULL DEFAULT 0,
			transferred_from TEXT REFERENCES queue_requests(id),
			transferred_by   TEXT REFERENCES users(id),
			message          TEXT NOT NULL DEFAULT ''
		)`,
		`CREATE INDEX queue_requests_waiting ON queue_requests(queue_id, entry) WHERE state = 'waiting'`,
		`CREATE INDEX queue_requests_offers ON queue_requests(offered_to, entry) WHERE state = 'waiting'`,
		`CREATE INDEX queue_requests_accepted ON queue_requests(queue_id, accepted_at) WHERE accepted_at > 0`,
		`CREATE INDEX queue_requests_session ON queue_requests(session_id)`,
		`CREATE INDEX queue_requests_requested ON queue_requests(requested_at)`,
	}},

	// Retention (retention.go): the report data of sessions that ended
	// long ago is deleted, oldest first. Deleting a row makes both
	// databases look for rows that still refer to it, so every column
	// that refers to a deleted table needs an index, or each deleted row
	// would cost a scan of the referring table.
	{version: 6, stmts: []string{
		`CREATE INDEX sessions_ended ON sessions(ended_at) WHERE state = 'ended'`,
		`CREATE INDEX queue_requests_abandoned ON queue_requests(ended_at) WHERE session_id IS NULL AND state = 'abandoned'`,
		`CREATE INDEX queue_requests_transferred_from ON queue_requests(transferred_from)`,
		`CREATE INDEX queue_requests_participant ON queue_requests(participant_id)`,
		`CREATE INDEX resume_tokens_session ON resume_tokens(session_id)`,
		`CREATE INDEX resume_tokens_expires ON resume_tokens(expires_at)`,
	}},

	// A support queue's own settings (settings.ForQueue) and quick
	// phrases. Only what a queue ever set has a row; value '' is a queue
	// that follows the site's again. A removed queue keeps its rows with
	// its row in queues.
	{version: 7, stmts: []string{
		`CREATE TABLE queue_settings (
			queue_id   TEXT NOT NULL REFERENCES queues(id),
			name       TEXT NOT NULL,
			value      TEXT NOT NULL,
			updated_at BIGINT NOT NULL DEFAULT 0,
			PRIMARY KEY (queue_id, name)
		)`,
		// NULL: one of the site's phrases, offered in every session.
		`ALTER TABLE quick_phrases ADD COLUMN queue_id TEXT REFERENCES queues(id)`,
		`CREATE INDEX quick_phrases_queue ON quick_phrases(queue_id)`,
	}},
}

// SchemaVersion is the schema version this build creates and understands.
func SchemaVersion() int64 { return migrations[len(migrations)-1].version }

// migrate brings the database up to SchemaVersion. It refuses a database
// migrated by a newer build rather than running against tables it does not
// know.
func migrate(ctx context.Context, db *sql.DB, d *dialect) error {
	return migrateTo(ctx, db, d, SchemaVersion())
}

// migrateTo applies the migrations up to version target; tests use it to
// build a database as an older release left it.
func migrateTo(ctx context.Context, db *sql.DB, d *dialect, target int64) (err error) {
	// One connection throughout, because PostgreSQL's advisory lock belongs
	// to the connection that took it.
	conn, err := db.Conn(ctx)
	if err != nil {
		return fmt.Errorf("migrate: %w", err)
	}
	defer conn.Close()

	if d.lock != "" {
		if _, err := conn.ExecContext(ctx, d.lock); err != nil {
			return fmt.Errorf("migrate: lock: %w", err)
		}
		defer func() {
			// A fresh context: the lock must be released even when ctx ended,
			// or the pooled connection would keep holding it.
			_, uerr := conn.ExecContext(context.Background(), d.unlock)
			if uerr != nil && err == nil {
				err = fmt.Errorf("migrate: unlock: %w", uerr)
			}
		}()
	}

	if _, err := conn.ExecContext(ctx, `CREATE TABLE IF NOT EXISTS schema_migrations (
		version    BIGINT PRIMARY KEY,
		applied_at BIGINT NOT NULL
	)`); err != nil {
		return fmt.Errorf("migrate: create schema_migrations: %w", err)
	}

	var current int64
	if err := conn.QueryRowContext(ctx,
		`SELECT COALESCE(MAX(version), 0) FROM schema_migrations`).Scan(&current); err != nil {
		return fmt.Errorf("migrate: read version: %w", err)
	}
	if latest := SchemaVersion(); current > latest {
		return fmt.Errorf("migrate: database schema version %d is newer than this build's %d", current, latest)
	}

	for _, m := range migrations {
		if m.version <= current || m.version > target {
			continue
		}
		if err := applyMigration(ctx, conn, d, m); err != nil {
			return err
		}
	}
	return nil
}

func applyMigration(ctx context.Context, conn *sql.Conn, d *dialect, m migration) error {
	tx, err := conn.BeginTx(ctx, nil)
	if err != nil {
		return fmt.Errorf("migration %d: begin: %w", m.version, err)
	}
	defer tx.Rollback() //nolint:errcheck // a no-op after Commit

	// Checked again inside the transaction: another process sharing a SQLite
	// file may have applied it since we read the version, and SQLite's
	// write lock (taken at BEGIN) is what orders us after it.
	var done int
	if err := tx.QueryRowContext(ctx, d.rebind(`SELECT COUNT(*) FROM schema_migrations WHERE version = ?`),
		m.version).Scan(&done); err != nil {
		return fmt.Errorf("migration %d: %w", m.version, err)
	}
	if done > 0 {
		return nil
	}

	for i, stmt := range m.stmts {
		if _, err := tx.ExecContext(ctx, d.ddl.Replace(stmt)); err != nil {
			return fmt.Errorf("migration %d, statement %d: %w", m.version, i+1, err)
		}
	}
	if _, err := tx.ExecContext(ctx, d.rebind(`INSERT INTO schema_migrations (version, applied_at) VALUES (?, ?)`),
		m.version, time.Now().UnixMilli()); err != nil {
		return fmt.Errorf("migration %d: record: %w", m.version, err)
	}
	if err := tx.Commit(); err != nil {
		return fmt.Errorf("migration %d: commit: %w", m.version, err)
	}
	return nil
}
