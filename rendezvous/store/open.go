package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strings"
	"time"

	_ "github.com/jackc/pgx/v5/stdlib" // registers driver "pgx"
	_ "modernc.org/sqlite"             // registers driver "sqlite"
)

const (
	// sqliteBusyTimeout is how long a SQLite connection waits for a lock held
	// by another connection (in practice: another process on the same file,
	// or a WAL checkpoint) before failing with SQLITE_BUSY.
	sqliteBusyTimeout = 10 * time.Second

	// sqliteReaders caps concurrent SQLite readers. WAL lets them run beside
	// the writer; a few are plenty for a server whose reads are small.
	sqliteReaders = 4

	// postgresConns caps the PostgreSQL pool, to stay well inside the
	// server's max_connections (100 by default) even with a few instances.
	postgresConns = 20
)

// Open connects to the database named by url and brings its schema up to
// date. url is one of:
//
//	/var/lib/lifeline/lifeline.db      a SQLite file (created if missing)
//	sqlite:///var/lib/lifeline/x.db    the same, as a URL
//	file:/var/lib/lifeline/x.db?…      a SQLite URI filename, passed through
//	postgres://user@host/db?…          PostgreSQL (also postgresql://)
//
// ":memory:" gives a private in-memory SQLite database on one connection,
// for tests; there, a read through the Store inside Tx waits forever.
func Open(ctx context.Context, url string) (Store, error) {
	switch {
	case url == "":
		return nil, errors.New("store: empty database URL")
	case strings.HasPrefix(url, "postgres://"), strings.HasPrefix(url, "postgresql://"):
		return openPostgres(ctx, url)
	case strings.HasPrefix(url, "sqlite://"):
		return openSQLite(ctx, strings.TrimPrefix(url, "sqlite://"))
	case strings.HasPrefix(url, "sqlite:"):
		return openSQLite(ctx, strings.TrimPrefix(url, "sqlite:"))
	case strings.Contains(url, "://"):
		scheme, _, _ := strings.Cut(url, "://")
		return nil, fmt.Errorf("store: unsupported database URL scheme %q", scheme)
	default:
		return openSQLite(ctx, url)
	}
}

func openPostgres(ctx context.Context, url string) (Store, error) {
	db, err := sql.Open("pgx", url)
	if err != nil {
		return nil, fmt.Errorf("store: open postgres: %w", err)
	}
	db.SetMaxOpenConns(postgresConns)
	db.SetMaxIdleConns(postgresConns)
	// Recycled now and then so that a failover or a pgbouncer restart does
	// not leave the pool with dead connections for long.
	db.SetConnMaxLifetime(30 * time.Minute)
	if err := db.PingContext(ctx); err != nil {
		db.Close()
		return nil, fmt.Errorf("store: connect to postgres: %w", err)
	}
	d := newPostgresDialect()
	if err := migrate(ctx, db, d); err != nil {
		db.Close()
		return nil, fmt.Errorf("store: %w", err)
	}
	return newSQLStore(d, db, db), nil
}

// openSQLite opens two pools on the same file. All writes go through a
// single connection, so writers queue in Go (database/sql's pool) instead of
// contending for SQLite's lock, which is what turns into SQLITE_BUSY. Reads
// use separate connections, which WAL lets run while a write is in progress.
func openSQLite(ctx context.Context, name string) (Store, error) {
	if name == "" {
		return nil, errors.New("store: empty SQLite path")
	}
	if isSQLiteMemory(name) {
		// Every connection to :memory: is a database of its own, so reads
		// and writes must share the one connection there is.
		db, err := openSQLitePool(ctx, name, 1, "_txlock=immediate")
		if err != nil {
			return nil, err
		}
		return finishSQLite(ctx, db, db)
	}

	// _txlock=immediate takes the write lock at BEGIN. With the default
	// deferred BEGIN, a transaction that reads first and writes later fails
	// with SQLITE_BUSY at once (no busy-wait) if another process wrote in
	// between, because SQLite cannot upgrade its stale snapshot.
	w, err := openSQLitePool(ctx, name, 1, "_txlock=immediate", "_pragma=journal_mode(WAL)")
	if err != nil {
		return nil, err
	}
	// query_only guards against a write slipping through the reader pool,
	// where it would race the writer connection for the lock.
	r, err := openSQLitePool(ctx, name, sqliteReaders, "_pragma=query_only(1)")
	if err != nil {
		w.Close()
		return nil, err
	}
	return finishSQLite(ctx, r, w)
}

func finishSQLite(ctx context.Context, r, w *sql.DB) (Store, error) {
	d := newSQLiteDialect()
	if err := migrate(ctx, w, d); err != nil {
		w.Close()
		if r != w {
			r.Close()
		}
		return nil, fmt.Errorf("store: %w", err)
	}
	return newSQLStore(d, r, w), nil
}

// openSQLitePool opens one pool with the settings every connection needs;
// the driver applies DSN pragmas to each new connection, which matters
// because foreign_keys is per connection, not per file.
func openSQLitePool(ctx context.Context, name string, conns int, params ...string) (*sql.DB, error) {
	params = append([]string{
		fmt.Sprintf("_pragma=busy_timeout(%d)", sqliteBusyTimeout.Milliseconds()),
		"_pragma=foreign_keys(1)",
	}, params...)
	sep := "?"
	if strings.Contains(name, "?") {
		sep = "&"
	}
	dsn := name + sep + strings.Join(params, "&")

	db, err := sql.Open("sqlite", dsn)
	if err != nil {
		return nil, fmt.Errorf("store: open sqlite %s: %w", name, err)
	}
	db.SetMaxOpenConns(conns)
	db.SetMaxIdleConns(conns)
	// Connections live as long as the store: closing the last one of a WAL
	// database checkpoints and deletes the -wal file, only to recreate it.
	db.SetConnMaxLifetime(0)
	db.SetConnMaxIdleTime(0)
	if err := db.PingContext(ctx); err != nil {
		db.Close()
		return nil, fmt.Errorf("store: open sqlite %s: %w", name, err)
	}
	return db, nil
}

func isSQLiteMemory(name string) bool {
	return name == ":memory:" || strings.HasPrefix(name, "file::memory:") || strings.Contains(name, "mode=memory")
}
