package dbtest

import (
	"context"
	"testing"

	"parley/internal/platform/db"
	"parley/migrations"
)

func TestWithDatabase(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		admin, want string
		wantErr     bool
	}{
		{DefaultPostgresDSN, "postgres://postgres@127.0.0.1:5432/parley_t_1?sslmode=disable", false},
		{"postgresql://u:p%40ss@h/", "postgresql://u:p%40ss@h/parley_t_1", false},
		{"postgres://h", "postgres://h/parley_t_1", false},
		{"host=localhost dbname=test", "", true},
	} {
		got, err := withDatabase(tc.admin, "parley_t_1")
		if (err != nil) != tc.wantErr || got != tc.want {
			t.Errorf("withDatabase(%q) = %q, %v; want %q, error %v", tc.admin, got, err, tc.want, tc.wantErr)
		}
	}
}

func TestMigrationsHash(t *testing.T) {
	t.Parallel()
	a, err := migrationsHash()
	if err != nil {
		t.Fatal(err)
	}
	b, _ := migrationsHash()
	if len(a) != 12 || a != b {
		t.Errorf("migrationsHash = %q then %q, want the same 12 hex digits", a, b)
	}
	if v := riverVersion(); v == "" || v == "(devel)" {
		t.Errorf("riverVersion = %q", v)
	}
}

// TestFresh checks that every database is migrated and private to its test,
// including for subtest names that make t.TempDir() hold '#' or '%'.
func TestFresh(t *testing.T) {
	t.Parallel()
	for _, name := range []string{"a", "a", "50%", "q?"} {
		t.Run(name, func(t *testing.T) {
			Each(t, func(t *testing.T, d *db.DB) {
				ctx := t.Context()
				var n int
				if err := d.Conn(ctx).QueryRowContext(ctx, `SELECT count(*) FROM installation`).Scan(&n); err != nil {
					t.Fatalf("query migrated table: %v", err)
				}
				if n != 0 {
					t.Errorf("installation has %d rows, want a fresh database", n)
				}
				if err := d.Conn(ctx).QueryRowContext(ctx, `SELECT count(*) FROM river_job`).Scan(&n); err != nil {
					t.Fatalf("River's tables are missing: %v", err)
				}
				if err := d.InTx(ctx, func(ctx context.Context) error {
					_, err := d.Conn(ctx).ExecContext(ctx, `INSERT INTO installation (key, value) VALUES ('k', 'v')`)
					return err
				}); err != nil {
					t.Fatalf("write: %v", err)
				}
			})
		})
	}
}

func TestFreshSQLitePath(t *testing.T) {
	t.Parallel()
	path := FreshSQLitePath(t)
	d, err := db.Open(t.Context(), db.Options{Path: path})
	if err != nil {
		t.Fatal(err)
	}
	defer d.Close()
	m, err := d.NewMigrator(migrations.FS)
	if err != nil {
		t.Fatal(err)
	}
	if pending, err := m.Pending(t.Context()); err != nil || pending {
		t.Errorf("Pending = %v, %v; want a fully migrated file", pending, err)
	}
}

func TestFreshPostgresURL(t *testing.T) {
	t.Parallel()
	u := FreshPostgresURL(t)
	d, err := db.Open(t.Context(), db.Options{URL: u, MaxConns: 2})
	if err != nil {
		t.Fatal(err)
	}
	defer d.Close()
	m, err := d.NewMigrator(migrations.FS)
	if err != nil {
		t.Fatal(err)
	}
	if pending, err := m.Pending(t.Context()); err != nil || pending {
		t.Errorf("Pending = %v, %v; want a fully migrated database", pending, err)
	}
}

func TestDialects(t *testing.T) {
	t.Parallel()
	ds := Dialects(t)
	if len(ds) == 0 || ds[0] != db.SQLite {
		t.Errorf("Dialects = %v, want sqlite first", ds)
	}
}
