package db_test

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"strconv"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"parley/internal/platform/db"
	"parley/internal/platform/db/dbtest"
)

func TestInTxRollsBackOnError(t *testing.T) {
	t.Parallel()
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		ctx := t.Context()
		boom := errors.New("boom")
		err := d.InTx(ctx, func(ctx context.Context) error {
			if err := putInstallation(ctx, d, "k", "v"); err != nil {
				t.Fatalf("insert: %v", err)
			}
			// The transaction sees its own write.
			var n int
			if err := d.Conn(ctx).QueryRowContext(ctx, `SELECT count(*) FROM installation WHERE key = 'k'`).Scan(&n); err != nil || n != 1 {
				t.Errorf("inside tx: count = %d, %v; want 1", n, err)
			}
			return boom
		})
		if !errors.Is(err, boom) {
			t.Fatalf("InTx error = %v, want %v", err, boom)
		}
		if v, ok := installationValue(t, d, "k"); ok {
			t.Errorf("row survived rollback: value %q", v)
		}
	})
}

func TestInTxCommits(t *testing.T) {
	t.Parallel()
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		ctx := t.Context()
		if _, ok := db.TxFrom(ctx); ok {
			t.Fatal("TxFrom outside InTx reported a transaction")
		}
		err := d.InTx(ctx, func(ctx context.Context) error {
			if _, ok := db.TxFrom(ctx); !ok {
				t.Error("TxFrom inside InTx found no transaction")
			}
			return putInstallation(ctx, d, "k", "v")
		})
		if err != nil {
			t.Fatalf("InTx: %v", err)
		}
		if v, ok := installationValue(t, d, "k"); !ok || v != "v" {
			t.Errorf("after commit: value %q, present %v; want \"v\"", v, ok)
		}
	})
}

func TestInTxNestedJoinsOuter(t *testing.T) {
	t.Parallel()
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		for _, tc := range []struct {
			name     string
			outerErr error
			want     bool // rows present afterwards
		}{
			{"commit", nil, true},
			{"rollback", errors.New("outer fails"), false},
		} {
			t.Run(tc.name, func(t *testing.T) {
				ctx := t.Context()
				outerKey, innerKey := tc.name+"-outer", tc.name+"-inner"
				err := d.InTx(ctx, func(ctx context.Context) error {
					outer, _ := db.TxFrom(ctx)
					if err := putInstallation(ctx, d, outerKey, "1"); err != nil {
						return err
					}
					err := d.InTx(ctx, func(ctx context.Context) error {
						if inner, _ := db.TxFrom(ctx); inner != outer {
							t.Error("nested InTx began a new transaction")
						}
						// The outer transaction's uncommitted row is visible.
						var n int
						if err := d.Conn(ctx).QueryRowContext(ctx,
							`SELECT count(*) FROM installation WHERE key = $1`, outerKey).Scan(&n); err != nil || n != 1 {
							t.Errorf("nested tx sees outer row: count = %d, %v; want 1", n, err)
						}
						return putInstallation(ctx, d, innerKey, "2")
					})
					if err != nil {
						return err
					}
					return tc.outerErr
				})
				if !errors.Is(err, tc.outerErr) {
					t.Fatalf("InTx error = %v, want %v", err, tc.outerErr)
				}
				for _, k := range []string{outerKey, innerKey} {
					if _, ok := installationValue(t, d, k); ok != tc.want {
						t.Errorf("row %q present = %v, want %v", k, ok, tc.want)
					}
				}
			})
		}
	})
}

func TestAfterCommit(t *testing.T) {
	t.Parallel()
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		ctx := t.Context()

		// Without a transaction the hook runs at once.
		ran := false
		db.AfterCommit(ctx, func() { ran = true })
		if !ran {
			t.Error("AfterCommit outside a transaction did not run at once")
		}

		// On commit, hooks (including a nested InTx's) run in order after
		// the commit, when the change is visible to other connections.
		var got []string
		err := d.InTx(ctx, func(ctx context.Context) error {
			if err := putInstallation(ctx, d, "committed", "1"); err != nil {
				return err
			}
			db.AfterCommit(ctx, func() {
				_, visible := installationValue(t, d, "committed")
				got = append(got, "first", "visible="+strconv.FormatBool(visible))
			})
			if err := d.InTx(ctx, func(ctx context.Context) error {
				db.AfterCommit(ctx, func() { got = append(got, "nested") })
				return nil
			}); err != nil {
				return err
			}
			if len(got) != 0 {
				t.Errorf("hooks ran before commit: %v", got)
			}
			return nil
		})
		if err != nil {
			t.Fatalf("InTx: %v", err)
		}
		if diff := cmp.Diff([]string{"first", "visible=true", "nested"}, got); diff != "" {
			t.Errorf("hooks after commit (-want +got):\n%s", diff)
		}

		// On rollback, no hook runs.
		got = nil
		boom := errors.New("boom")
		err = d.InTx(ctx, func(ctx context.Context) error {
			db.AfterCommit(ctx, func() { got = append(got, "rolled back") })
			return boom
		})
		if !errors.Is(err, boom) {
			t.Fatalf("InTx error = %v, want %v", err, boom)
		}
		if len(got) != 0 {
			t.Errorf("hooks ran after rollback: %v", got)
		}
	})
}

func TestInTxPanicRollsBack(t *testing.T) {
	t.Parallel()
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		ctx := t.Context()
		hook := false
		recovered := func() (r any) {
			defer func() { r = recover() }()
			_ = d.InTx(ctx, func(ctx context.Context) error {
				if err := putInstallation(ctx, d, "k", "v"); err != nil {
					t.Fatalf("insert: %v", err)
				}
				db.AfterCommit(ctx, func() { hook = true })
				panic("kaboom")
			})
			return nil
		}()
		if recovered != "kaboom" {
			t.Fatalf("recovered %v, want the panic to propagate as \"kaboom\"", recovered)
		}
		if hook {
			t.Error("AfterCommit hook ran after a panic")
		}
		if v, ok := installationValue(t, d, "k"); ok {
			t.Errorf("row survived panic: value %q", v)
		}
		// The connection was released: on SQLite a leaked transaction would
		// hold the single writer connection and this would time out.
		wctx, cancel := context.WithTimeout(ctx, 5*time.Second)
		defer cancel()
		if err := d.InTx(wctx, func(ctx context.Context) error {
			return putInstallation(ctx, d, "after", "v")
		}); err != nil {
			t.Fatalf("InTx after panic: %v", err)
		}
	})
}

func TestSQLitePathWithURIChars(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "odd#dir%20?x")
	d, err := db.Open(context.Background(), db.Options{Path: filepath.Join(dir, "parley.db")})
	if err != nil {
		t.Fatal(err)
	}
	defer d.Close()
	if err := d.InTx(context.Background(), func(ctx context.Context) error {
		_, err := d.Conn(ctx).ExecContext(ctx, `CREATE TABLE t (x INTEGER)`)
		return err
	}); err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(filepath.Join(dir, "parley.db")); err != nil {
		t.Fatalf("database file not created at the literal path: %v", err)
	}
}

// TestSQLiteWriterKeepsTempInMemory: the writer's savepoint journals (one
// per group-commit caller) stay in memory; as temp files each touched page
// cost a write system call.
func TestSQLiteWriterKeepsTempInMemory(t *testing.T) {
	d := dbtest.Open(t, db.SQLite)
	var mode, cache int
	if err := d.InTx(t.Context(), func(ctx context.Context) error {
		if err := d.Conn(ctx).QueryRowContext(ctx, "PRAGMA temp_store").Scan(&mode); err != nil {
			return err
		}
		return d.Conn(ctx).QueryRowContext(ctx, "PRAGMA cache_size").Scan(&cache)
	}); err != nil {
		t.Fatal(err)
	}
	if mode != 2 {
		t.Errorf("writer temp_store = %d, want 2 (MEMORY)", mode)
	}
	// The writer's page cache holds a large account's hot index pages.
	if cache != -32768 {
		t.Errorf("writer cache_size = %d, want -32768 (32 MB)", cache)
	}
}
