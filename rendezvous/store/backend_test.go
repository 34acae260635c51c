package store

import (
	"context"
	"crypto/rand"
	"database/sql"
	"encoding/hex"
	"net/url"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
)

// Every behaviour test runs against both backends. PostgreSQL needs a
// server: packaging/scripts/test-postgres.sh starts one and prints its URL.
//
//	LIFELINE_TEST_POSTGRES=postgres://…  run the PostgreSQL subtests there
//	LIFELINE_REQUIRE_POSTGRES=1          fail, not skip, when it is unset (CI)
const (
	envPostgres        = "LIFELINE_TEST_POSTGRES"
	envRequirePostgres = "LIFELINE_REQUIRE_POSTGRES"
)

// forEachBackend runs fn once per backend, each time on a new, empty store.
func forEachBackend(t *testing.T, fn func(t *testing.T, s Store)) {
	t.Helper()
	forEachBackendURL(t, func(t *testing.T, url string) {
		fn(t, openTest(t, url))
	})
}

// forEachBackendURL runs fn once per backend with the URL of a new, empty
// database, for tests that open it themselves.
func forEachBackendURL(t *testing.T, fn func(t *testing.T, url string)) {
	t.Helper()
	t.Run("sqlite", func(t *testing.T) {
		fn(t, filepath.Join(t.TempDir(), "lifeline.db"))
	})
	t.Run("postgres", func(t *testing.T) {
		fn(t, postgresTestURL(t))
	})
}

// openTest opens url and closes the store when the test ends.
func openTest(t *testing.T, url string) Store {
	t.Helper()
	s, err := Open(t.Context(), url)
	if err != nil {
		t.Fatalf("Open(%q): %v", url, err)
	}
	t.Cleanup(func() {
		if err := s.Close(); err != nil {
			t.Errorf("Close: %v", err)
		}
	})
	return s
}

var nonIdent = regexp.MustCompile(`[^a-z0-9]+`)

// postgresTestURL gives each test a schema of its own in the database named
// by LIFELINE_TEST_POSTGRES, chosen through search_path, and drops it after.
// A schema is much cheaper than a database and needs no CREATEDB.
func postgresTestURL(t *testing.T) string {
	t.Helper()
	base := os.Getenv(envPostgres)
	if base == "" {
		msg := envPostgres + " is not set, so PostgreSQL was not tested; " +
			"start a server with packaging/scripts/test-postgres.sh and set " + envPostgres + " to the URL it prints"
		if os.Getenv(envRequirePostgres) == "1" {
			t.Fatal(msg + " (" + envRequirePostgres + "=1 makes this an error)")
		}
		t.Skip(msg)
	}

	name := nonIdent.ReplaceAllString(strings.ToLower(t.Name()), "_")
	if len(name) > 40 {
		name = name[len(name)-40:]
	}
	suffix := make([]byte, 4)
	rand.Read(suffix)
	schema := "t_" + strings.Trim(name, "_") + "_" + hex.EncodeToString(suffix)

	admin, err := sql.Open("pgx", base)
	if err != nil {
		t.Fatalf("open %s: %v", envPostgres, err)
	}
	t.Cleanup(func() {
		// Runs after the store's own Close (cleanups run last-in first-out),
		// so nothing holds locks in the schema any more. t.Context() is
		// already cancelled by now.
		if _, err := admin.ExecContext(context.Background(), `DROP SCHEMA `+schema+` CASCADE`); err != nil {
			t.Errorf("drop schema %s: %v", schema, err)
		}
		admin.Close()
	})
	if _, err := admin.ExecContext(t.Context(), `CREATE SCHEMA `+schema); err != nil {
		t.Fatalf("create schema %s in %s: %v", schema, envPostgres, err)
	}

	u, err := url.Parse(base)
	if err != nil {
		t.Fatalf("parse %s: %v", envPostgres, err)
	}
	q := u.Query()
	q.Set("search_path", schema) // pgx sends unknown parameters as run-time settings
	u.RawQuery = q.Encode()
	return u.String()
}

// rawDB opens the database behind url with no store in between, for tests
// that must look at or tamper with what the store keeps.
func rawDB(t *testing.T, url string) *sql.DB {
	t.Helper()
	driver := "sqlite"
	if strings.HasPrefix(url, "postgres") {
		driver = "pgx"
	}
	db, err := sql.Open(driver, url)
	if err != nil {
		t.Fatalf("open %s: %v", url, err)
	}
	t.Cleanup(func() { db.Close() })
	return db
}
