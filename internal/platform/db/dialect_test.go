package db_test

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"parley/internal/platform/db"
	"parley/internal/platform/db/dbtest"
	"parley/internal/platform/errs"
)

func TestClassify(t *testing.T) {
	t.Parallel()
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		ctx := t.Context()
		mustInsertAccount(t, d, "acme", "Acme", t0)

		dupErr := func() error {
			_, err := insertAccount(ctx, d, "acme", "Acme again", t0)
			return err
		}()
		fkErr := d.InTx(ctx, func(ctx context.Context) error {
			_, err := d.Conn(ctx).ExecContext(ctx,
				`INSERT INTO user_identities (account_id, user_id, type, value, value_norm, created_at, updated_at)
				 VALUES ($1, $2, 'email', 'a@example.com', 'a@example.com', $3, $3)`,
				1, 999999, t0)
			return err
		})
		other := errors.New("not a driver error")

		for _, tc := range []struct {
			name       string
			err        error
			wantKind   errs.Kind
			wantUnique bool
		}{
			{"duplicate subdomain", dupErr, errs.Conflict, true},
			{"missing referenced user", fkErr, errs.Invalid, false},
			{"other error", other, errs.Internal, false},
		} {
			t.Run(tc.name, func(t *testing.T) {
				if tc.err == nil {
					t.Fatal("statement succeeded, want an error")
				}
				c := db.Classify(tc.err)
				if got := errs.KindOf(c); got != tc.wantKind {
					t.Errorf("KindOf(Classify(%v)) = %v, want %v", tc.err, got, tc.wantKind)
				}
				if !errors.Is(c, tc.err) {
					t.Errorf("Classify dropped the cause %v", tc.err)
				}
				if got := db.IsUnique(tc.err); got != tc.wantUnique {
					t.Errorf("IsUnique(%v) = %v, want %v", tc.err, got, tc.wantUnique)
				}
			})
		}
		if db.Classify(nil) != nil {
			t.Error("Classify(nil) != nil")
		}
	})
}

func TestTimeRoundTrip(t *testing.T) {
	t.Parallel()
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		ctx := t.Context()
		later := t0.Add(36*time.Hour + 7*time.Microsecond)
		id := mustInsertAccount(t, d, "a", "A", t0)
		mustInsertAccount(t, d, "b", "B", later)

		// A non-UTC time written through db.Time is stored as the same instant.
		east := time.FixedZone("UTC+2", 2*60*60)
		if err := d.InTx(ctx, func(ctx context.Context) error {
			_, err := d.Conn(ctx).ExecContext(ctx, `UPDATE accounts SET updated_at = $1 WHERE id = $2`,
				db.Time{T: later.In(east), Valid: true}, id)
			return err
		}); err != nil {
			t.Fatalf("update: %v", err)
		}

		var created, updated, maxCreated, minEmpty db.Time
		if err := d.Conn(ctx).QueryRowContext(ctx,
			`SELECT created_at, updated_at FROM accounts WHERE id = $1`, id).Scan(&created, &updated); err != nil {
			t.Fatalf("select columns: %v", err)
		}
		if err := d.Conn(ctx).QueryRowContext(ctx,
			`SELECT MAX(created_at) FROM accounts`).Scan(&maxCreated); err != nil {
			t.Fatalf("select MAX: %v", err)
		}
		if err := d.Conn(ctx).QueryRowContext(ctx,
			`SELECT MIN(created_at) FROM accounts WHERE id < 0`).Scan(&minEmpty); err != nil {
			t.Fatalf("select MIN of nothing: %v", err)
		}

		want := []db.Time{{T: t0, Valid: true}, {T: later, Valid: true}, {T: later, Valid: true}, {}}
		got := []db.Time{created, updated, maxCreated, minEmpty}
		// Compare instants and require UTC, so a time that is equal but in
		// another location still fails.
		if diff := cmp.Diff(want, got, cmp.Comparer(func(a, b time.Time) bool {
			return a.Equal(b) && a.Location() == b.Location()
		})); diff != "" {
			t.Errorf("created, updated, MAX(created), MIN(nothing) (-want +got):\n%s", diff)
		}
	})
}
