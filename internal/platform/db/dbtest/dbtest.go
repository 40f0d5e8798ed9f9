// Package dbtest gives tests a fresh, fully migrated database of each
// dialect: our goose migrations plus River's.
//
// Migrating is slow, copying is fast, so each dialect is migrated once into
// a template and every test gets a copy. SQLite: the template is built once
// per test process and each test writes it into its own t.TempDir(). Postgres:
// a template database named after a hash of the migrations is built once per
// server (guarded by an advisory lock across the parallel test processes of
// `go test ./...`), and each test gets CREATE DATABASE ... TEMPLATE.
//
// Postgres is reached at PARLEY_TEST_POSTGRES_DSN, by default
// postgres://postgres@127.0.0.1:5432/test?sslmode=disable. When it is not
// reachable the Postgres half of a test is skipped, unless CI=true or
// PARLEY_TEST_POSTGRES_REQUIRED=1, which turn the skip into a failure.
package dbtest

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io/fs"
	"net/url"
	"os"
	"path/filepath"
	"runtime/debug"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
	"github.com/jackc/pgx/v5/pgxpool"

	"parley/internal/platform/db"
	"parley/internal/platform/jobs"
	"parley/migrations"
)

const (
	// DefaultPostgresDSN is the admin URL used when PARLEY_TEST_POSTGRES_DSN
	// is unset.
	DefaultPostgresDSN = "postgres://postgres@127.0.0.1:5432/test?sslmode=disable"
	// riverModule is looked up in the build info so a River upgrade, which
	// may bring new River migrations, gets a new Postgres template.
	riverModule = "github.com/riverqueue/river"
	// riverFallback is used when the build info is unavailable.
	riverFallback = "v0.49.0"
	// lockKey is the pg_advisory_lock key that serialises template builds
	// across test processes.
	lockKey int64 = 0x7061726c6579 // "parley"
	// setupTimeout bounds template builds and per-test create/drop.
	setupTimeout = 2 * time.Minute
)

// Each runs fn once per dialect, as the subtests "sqlite" and "postgres",
// each with a fresh migrated database. The postgres subtest is skipped (or
// fails in CI) when Postgres is not reachable.
func Each(t *testing.T, fn func(t *testing.T, d *db.DB)) {
	t.Helper()
	for _, dl := range []db.Dialect{db.SQLite, db.Postgres} {
		t.Run(string(dl), func(t *testing.T) {
			fn(t, Open(t, dl))
		})
	}
}

// Open returns a fresh migrated database of the given dialect. It is closed
// (and, on Postgres, dropped) at t.Cleanup.
func Open(t testing.TB, dialect db.Dialect) *db.DB {
	t.Helper()
	var o db.Options
	switch dialect {
	case db.SQLite:
		o.Path = FreshSQLitePath(t)
	case db.Postgres:
		o.URL = FreshPostgresURL(t)
	default:
		t.Fatalf("dbtest: unknown dialect %q", dialect)
	}
	ctx, cancel := context.WithTimeout(context.Background(), setupTimeout)
	defer cancel()
	d, err := db.Open(ctx, o)
	if err != nil {
		t.Fatalf("dbtest: open %s: %v", dialect, err)
	}
	t.Cleanup(func() {
		if err := d.Close(); err != nil {
			t.Errorf("dbtest: close %s: %v", dialect, err)
		}
	})
	return d
}

// Dialects returns the dialects a test can use: SQLite always, Postgres when
// it is reachable. When it is not and Postgres is required (CI), the test
// fails.
func Dialects(t testing.TB) []db.Dialect {
	t.Helper()
	ds := []db.Dialect{db.SQLite}
	if _, err := postgres(); err != nil {
		if required() {
			t.Fatalf("dbtest: PostgreSQL is required but not usable: %v", err)
		}
		t.Logf("dbtest: only SQLite: %v (%s)", err, howToEnable)
		return ds
	}
	return append(ds, db.Postgres)
}

// PostgresURL returns the admin URL used for tests and whether Postgres is
// usable. When it is not, the test fails if Postgres is required (CI=true or
// PARLEY_TEST_POSTGRES_REQUIRED=1) and is skipped otherwise, so a call that
// returns always reports true; callers may still check ok.
func PostgresURL(t testing.TB) (string, bool) {
	t.Helper()
	pg, err := postgres()
	if err != nil {
		if required() {
			t.Fatalf("dbtest: PostgreSQL is required but not usable: %v", err)
		}
		t.Skipf("dbtest: skipping PostgreSQL: %v (%s)", err, howToEnable)
		return "", false
	}
	return pg.admin, true
}

// FreshPostgresURL creates a fresh migrated Postgres database and returns its
// URL; it is dropped at t.Cleanup, even if something is still connected.
// Use it for tests that start a whole server with --db.
func FreshPostgresURL(t testing.TB) string {
	t.Helper()
	if _, ok := PostgresURL(t); !ok {
		return ""
	}
	pg, _ := postgres()
	tmpl, err := pg.template()
	if err != nil {
		t.Fatalf("dbtest: postgres template: %v", err)
	}
	name := "parley_t_" + randomHex(8)
	ctx, cancel := context.WithTimeout(context.Background(), setupTimeout)
	defer cancel()
	if _, err := pg.pool.Exec(ctx, "CREATE DATABASE "+ident(name)+" TEMPLATE "+ident(tmpl)); err != nil {
		t.Fatalf("dbtest: create database %s: %v", name, err)
	}
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), setupTimeout)
		defer cancel()
		if _, err := pg.pool.Exec(ctx, "DROP DATABASE IF EXISTS "+ident(name)+" WITH (FORCE)"); err != nil {
			t.Errorf("dbtest: drop database %s: %v", name, err)
		}
	})
	u, err := withDatabase(pg.admin, name)
	if err != nil {
		t.Fatalf("dbtest: %v", err)
	}
	return u
}

// FreshSQLitePath returns the path of a fresh migrated SQLite file in
// t.TempDir().
func FreshSQLitePath(t testing.TB) string {
	t.Helper()
	img, err := sqliteTemplate()
	if err != nil {
		t.Fatalf("dbtest: sqlite template: %v", err)
	}
	path := filepath.Join(tempDir(t), "parley.db")
	if err := os.WriteFile(path, img, 0o600); err != nil {
		t.Fatalf("dbtest: write sqlite copy: %v", err)
	}
	return path
}

// tempDir is t.TempDir(), unless its name (taken from the test's name)
// holds a character that SQLite reads specially in a file: URI ('#' from a
// repeated subtest name, '%', '?'); db.Open does not escape the path, so such
// a path would open a different file. Then it is a plain temporary directory
// removed at cleanup.
func tempDir(t testing.TB) string {
	dir := t.TempDir()
	if !strings.ContainsAny(dir, "#%?") {
		return dir
	}
	dir, err := os.MkdirTemp("", "parley-dbtest-")
	if err != nil {
		t.Fatalf("dbtest: %v", err)
	}
	t.Cleanup(func() { os.RemoveAll(dir) })
	return dir
}

// migrate applies our migrations and River's to d.
func migrate(ctx context.Context, d *db.DB) error {
	m, err := d.NewMigrator(migrations.FS)
	if err != nil {
		return err
	}
	if _, err := m.Up(ctx); err != nil {
		return err
	}
	return jobs.Migrate(ctx, d)
}

// SQLite template.

var sqliteOnce = sync.OnceValues(buildSQLiteTemplate)

// sqliteTemplate returns the bytes of a migrated SQLite database file.
func sqliteTemplate() ([]byte, error) { return sqliteOnce() }

// buildSQLiteTemplate migrates a database in a temporary directory, closes
// it so the WAL is checkpointed into the main file, and keeps the file's
// bytes in memory, so no template file outlives the test process.
func buildSQLiteTemplate() ([]byte, error) {
	dir, err := os.MkdirTemp("", "parley-dbtest-")
	if err != nil {
		return nil, err
	}
	defer os.RemoveAll(dir)
	path := filepath.Join(dir, "template.db")
	ctx, cancel := context.WithTimeout(context.Background(), setupTimeout)
	defer cancel()
	d, err := db.Open(ctx, db.Options{Path: path})
	if err != nil {
		return nil, err
	}
	if err := migrate(ctx, d); err != nil {
		d.Close()
		return nil, err
	}
	// Closing the last connection checkpoints the WAL; doing it explicitly
	// first makes sure the main file is complete even if it does not.
	if _, err := d.Writer().ExecContext(ctx, "PRAGMA wal_checkpoint(TRUNCATE)"); err != nil {
		d.Close()
		return nil, fmt.Errorf("checkpoint: %w", err)
	}
	if err := d.Close(); err != nil {
		return nil, err
	}
	if fi, err := os.Stat(path + "-wal"); err == nil && fi.Size() > 0 {
		return nil, errors.New("WAL not checkpointed after close")
	}
	return os.ReadFile(path)
}

// Postgres.

const howToEnable = "start PostgreSQL on 127.0.0.1:5432 (user postgres, database test) " +
	"or set PARLEY_TEST_POSTGRES_DSN to an admin URL; " +
	"set PARLEY_TEST_POSTGRES_REQUIRED=1 to make this a failure"

// required reports whether an unusable Postgres must fail the test.
func required() bool {
	for _, k := range []string{"CI", "PARLEY_TEST_POSTGRES_REQUIRED"} {
		if v, err := strconv.ParseBool(os.Getenv(k)); err == nil && v {
			return true
		}
	}
	return false
}

// pgServer is the admin side of the test server, shared by the process.
type pgServer struct {
	admin string
	pool  *pgxpool.Pool

	tmplOnce func() (string, error)
}

var postgres = sync.OnceValues(connectPostgres)

// connectPostgres opens a small admin pool and checks that the server
// answers. The pool lives as long as the test process.
func connectPostgres() (*pgServer, error) {
	admin := os.Getenv("PARLEY_TEST_POSTGRES_DSN")
	if admin == "" {
		admin = DefaultPostgresDSN
	}
	if _, err := withDatabase(admin, "x"); err != nil {
		return nil, err
	}
	cfg, err := pgxpool.ParseConfig(admin)
	if err != nil {
		return nil, fmt.Errorf("parse PARLEY_TEST_POSTGRES_DSN: %w", err)
	}
	cfg.MaxConns = 4
	cfg.MinConns = 0
	cfg.MaxConnIdleTime = 30 * time.Second
	cfg.ConnConfig.ConnectTimeout = 5 * time.Second
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	pool, err := pgxpool.NewWithConfig(ctx, cfg)
	if err != nil {
		return nil, fmt.Errorf("connect %s: %w", redact(admin), err)
	}
	if err := pool.Ping(ctx); err != nil {
		pool.Close()
		return nil, fmt.Errorf("connect %s: %w", redact(admin), err)
	}
	s := &pgServer{admin: admin, pool: pool}
	s.tmplOnce = sync.OnceValues(s.buildTemplate)
	return s, nil
}

// template returns the name of the migrated template database.
func (s *pgServer) template() (string, error) { return s.tmplOnce() }

// buildTemplate makes sure parley_tmpl_<hash> exists. Under an advisory lock
// (so parallel test processes build it once) it checks pg_database, and if
// the template is missing builds it as <name>_build, migrates it, and renames
// it: a half-built template never carries the final name.
func (s *pgServer) buildTemplate() (string, error) {
	sum, err := migrationsHash()
	if err != nil {
		return "", err
	}
	name := "parley_tmpl_" + sum
	build := name + "_build"

	ctx, cancel := context.WithTimeout(context.Background(), setupTimeout)
	defer cancel()
	conn, err := s.pool.Acquire(ctx)
	if err != nil {
		return "", err
	}
	defer conn.Release()
	if _, err := conn.Exec(ctx, "SELECT pg_advisory_lock($1)", lockKey); err != nil {
		return "", fmt.Errorf("advisory lock: %w", err)
	}
	defer func() {
		// A fresh context: the unlock must happen even if ctx timed out,
		// or the pooled session would keep the lock.
		uctx, ucancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer ucancel()
		if _, err := conn.Exec(uctx, "SELECT pg_advisory_unlock($1)", lockKey); err != nil {
			conn.Conn().Close(uctx)
		}
	}()

	var exists bool
	if err := conn.QueryRow(ctx, "SELECT EXISTS (SELECT 1 FROM pg_database WHERE datname = $1)", name).Scan(&exists); err != nil {
		return "", fmt.Errorf("look up template: %w", err)
	}
	if exists {
		return name, nil
	}

	// A build left over by a process that died mid-way.
	if _, err := conn.Exec(ctx, "DROP DATABASE IF EXISTS "+ident(build)+" WITH (FORCE)"); err != nil {
		return "", fmt.Errorf("drop stale build: %w", err)
	}
	if _, err := conn.Exec(ctx, "CREATE DATABASE "+ident(build)); err != nil {
		return "", fmt.Errorf("create build: %w", err)
	}
	u, err := withDatabase(s.admin, build)
	if err != nil {
		return "", err
	}
	d, err := db.Open(ctx, db.Options{URL: u})
	if err != nil {
		return "", fmt.Errorf("open build: %w", err)
	}
	if err := migrate(ctx, d); err != nil {
		d.Close()
		return "", fmt.Errorf("migrate build: %w", err)
	}
	if err := d.Close(); err != nil {
		return "", fmt.Errorf("close build: %w", err)
	}
	// Nobody may connect to the template: a connection would make
	// CREATE DATABASE ... TEMPLATE fail for every other test.
	stmts := []string{
		"ALTER DATABASE " + ident(build) + " WITH ALLOW_CONNECTIONS false",
		"ALTER DATABASE " + ident(build) + " RENAME TO " + ident(name),
	}
	for _, q := range stmts {
		if err := execRetryBusy(ctx, conn.Conn(), q); err != nil {
			return "", fmt.Errorf("finish template: %w", err)
		}
	}
	return name, nil
}

// execRetryBusy runs q, retrying while the database is still being accessed
// by backends that are exiting after the pool closed.
func execRetryBusy(ctx context.Context, conn *pgx.Conn, q string) error {
	for {
		_, err := conn.Exec(ctx, q)
		var pe *pgconn.PgError
		if err == nil || !errors.As(err, &pe) || pe.Code != "55006" { // object_in_use
			return err
		}
		select {
		case <-ctx.Done():
			return err
		case <-time.After(20 * time.Millisecond):
		}
	}
}

// migrationsHash is the first 12 hex digits of a SHA-256 over every file of
// migrations.FS (path and content) and River's version.
func migrationsHash() (string, error) {
	h := sha256.New()
	err := fs.WalkDir(migrations.FS, ".", func(path string, e fs.DirEntry, err error) error {
		if err != nil || e.IsDir() {
			return err
		}
		b, err := fs.ReadFile(migrations.FS, path)
		if err != nil {
			return err
		}
		fmt.Fprintf(h, "%s\x00%d\x00", path, len(b))
		h.Write(b)
		return nil
	})
	if err != nil {
		return "", fmt.Errorf("hash migrations: %w", err)
	}
	h.Write([]byte("river-" + riverVersion()))
	return hex.EncodeToString(h.Sum(nil))[:12], nil
}

// riverVersion is the version of River linked into the test binary.
func riverVersion() string {
	if bi, ok := debug.ReadBuildInfo(); ok {
		for _, m := range bi.Deps {
			if m.Path == riverModule {
				if m.Replace != nil {
					m = m.Replace
				}
				if m.Version != "" {
					return m.Version
				}
			}
		}
	}
	return riverFallback
}

// withDatabase returns admin with its database name replaced by name.
func withDatabase(admin, name string) (string, error) {
	u, err := url.Parse(admin)
	if err != nil {
		return "", fmt.Errorf("PARLEY_TEST_POSTGRES_DSN must be a postgres:// URL: %w", err)
	}
	if u.Scheme != "postgres" && u.Scheme != "postgresql" {
		return "", fmt.Errorf("PARLEY_TEST_POSTGRES_DSN must be a postgres:// URL, not %q", redact(admin))
	}
	u.Path = "/" + name
	u.RawPath = ""
	return u.String(), nil
}

// redact hides a password in a URL for messages.
func redact(s string) string {
	u, err := url.Parse(s)
	if err != nil {
		return "(unparsable URL)"
	}
	return u.Redacted()
}

// ident quotes a database name.
func ident(name string) string { return pgx.Identifier{name}.Sanitize() }

func randomHex(n int) string {
	b := make([]byte, n)
	rand.Read(b)
	return hex.EncodeToString(b)
}
