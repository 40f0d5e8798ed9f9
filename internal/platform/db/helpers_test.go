package db_test

import (
	"context"
	"database/sql"
	"errors"
	"testing"
	"time"

	"parley/internal/platform/db"
)

// t0 is a fixed UTC instant with microseconds, the precision PostgreSQL keeps.
var t0 = time.Date(2026, 11, 22, 10, 30, 0, 123456000, time.UTC)

// insertAccount inserts an account in its own transaction and returns the
// driver's error unchanged, so callers can classify it.
func insertAccount(ctx context.Context, d *db.DB, subdomain, name string, at time.Time) (int64, error) {
	var id int64
	err := d.InTx(ctx, func(ctx context.Context) error {
		return d.Conn(ctx).QueryRowContext(ctx,
			`INSERT INTO accounts (subdomain, name, created_at, updated_at)
			 VALUES ($1, $2, $3, $3) RETURNING id`,
			subdomain, name, at).Scan(&id)
	})
	return id, err
}

// mustInsertAccount is insertAccount for fixtures.
func mustInsertAccount(t *testing.T, d *db.DB, subdomain, name string, at time.Time) int64 {
	t.Helper()
	id, err := insertAccount(t.Context(), d, subdomain, name, at)
	if err != nil {
		t.Fatalf("insert account %q: %v", subdomain, err)
	}
	return id
}

// installationValue reads one installation row through the read pool;
// ok is false when the key is absent.
func installationValue(t *testing.T, d *db.DB, key string) (string, bool) {
	t.Helper()
	var v string
	err := d.Conn(t.Context()).QueryRowContext(t.Context(),
		`SELECT value FROM installation WHERE key = $1`, key).Scan(&v)
	if err != nil {
		if isNoRows(err) {
			return "", false
		}
		t.Fatalf("read installation %q: %v", key, err)
	}
	return v, true
}

// putInstallation inserts a key on the executor of ctx.
func putInstallation(ctx context.Context, d *db.DB, key, value string) error {
	_, err := d.Conn(ctx).ExecContext(ctx,
		`INSERT INTO installation (key, value) VALUES ($1, $2)`, key, value)
	return err
}

func isNoRows(err error) bool { return errors.Is(err, sql.ErrNoRows) }
