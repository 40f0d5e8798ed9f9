package db_test

import (
	"context"
	"errors"
	"fmt"
	"runtime"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"parley/internal/platform/db"
	"parley/internal/platform/db/dbtest"
)

// TestInTxConcurrentCallersKeepTheirOwnOutcome runs many writers at once.
// On SQLite they share transactions (group commit); each caller's writes
// must still commit or roll back with its own outcome, and only the
// committed callers' after-commit hooks run.
func TestInTxConcurrentCallersKeepTheirOwnOutcome(t *testing.T) {
	t.Parallel()
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		ctx := t.Context()
		const n = 96
		boom := errors.New("boom")
		var hooks sync.Map
		errs := make([]error, n)
		panics := make([]any, n)
		var wg sync.WaitGroup
		start := make(chan struct{})
		for i := range n {
			wg.Go(func() {
				<-start
				defer func() { panics[i] = recover() }()
				errs[i] = d.InTx(ctx, func(ctx context.Context) error {
					key := fmt.Sprintf("k%d", i)
					if err := putInstallation(ctx, d, key, "v"); err != nil {
						return err
					}
					db.AfterCommit(ctx, func() { hooks.Store(key, true) })
					switch i % 4 {
					case 1:
						return boom
					case 2:
						panic(fmt.Sprintf("panic %d", i))
					case 3:
						// A second write after a failed statement: the
						// caller's error, not the batch's.
						if err := putInstallation(ctx, d, key, "again"); err == nil {
							return errors.New("duplicate key accepted")
						}
						return boom
					}
					return nil
				})
			})
		}
		close(start)
		wg.Wait()
		for i := range n {
			key := fmt.Sprintf("k%d", i)
			_, stored := installationValue(t, d, key)
			_, hooked := hooks.Load(key)
			switch i % 4 {
			case 0:
				if errs[i] != nil || panics[i] != nil || !stored || !hooked {
					t.Errorf("caller %d: err %v, panic %v, stored %v, hook %v; want committed", i, errs[i], panics[i], stored, hooked)
				}
			case 1, 3:
				if !errors.Is(errs[i], boom) || stored || hooked {
					t.Errorf("caller %d: err %v, stored %v, hook %v; want its own error and nothing stored", i, errs[i], stored, hooked)
				}
			case 2:
				if panics[i] != fmt.Sprintf("panic %d", i) || stored || hooked {
					t.Errorf("caller %d: panic %v, stored %v, hook %v; want its panic and nothing stored", i, panics[i], stored, hooked)
				}
			}
		}
	})
}

// TestInTxGoexitLeavesOthersCommitted: a function that ends its goroutine
// (t.Fatal does) while other callers wait must not strand them.
func TestInTxGoexitLeavesOthersCommitted(t *testing.T) {
	t.Parallel()
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		ctx := t.Context()
		entered := make(chan struct{})
		release := make(chan struct{})
		exited := make(chan struct{})
		go func() {
			defer close(exited)
			_ = d.InTx(ctx, func(ctx context.Context) error {
				if err := putInstallation(ctx, d, "gone", "v"); err != nil {
					return err
				}
				close(entered)
				<-release
				runtime.Goexit()
				return nil
			})
		}()
		<-entered
		var wg sync.WaitGroup
		var failed atomic.Int32
		for i := range 8 {
			wg.Go(func() {
				if err := d.InTx(ctx, func(ctx context.Context) error {
					return putInstallation(ctx, d, fmt.Sprintf("w%d", i), "v")
				}); err != nil {
					failed.Add(1)
					t.Errorf("writer %d: %v", i, err)
				}
			})
		}
		time.Sleep(50 * time.Millisecond) // let the writers queue
		close(release)
		<-exited
		wg.Wait()
		if _, ok := installationValue(t, d, "gone"); ok {
			t.Error("the exited caller's write was committed")
		}
		for i := range 8 {
			if _, ok := installationValue(t, d, fmt.Sprintf("w%d", i)); !ok && failed.Load() == 0 {
				t.Errorf("writer %d's row is missing", i)
			}
		}
	})
}

// TestInTxCancelledWhileWaiting: a caller whose context ends before its
// turn returns the context's error, runs nothing, and does not disturb the
// caller ahead of it. SQLite only: PostgreSQL runs transactions side by
// side, so nothing waits for a turn.
func TestInTxCancelledWhileWaiting(t *testing.T) {
	t.Parallel()
	d := dbtest.Open(t, db.SQLite)
	ctx := t.Context()
	entered := make(chan struct{})
	release := make(chan struct{})
	first := make(chan error, 1)
	go func() {
		first <- d.InTx(ctx, func(ctx context.Context) error {
			close(entered)
			<-release
			return putInstallation(ctx, d, "first", "v")
		})
	}()
	<-entered
	wctx, cancel := context.WithTimeout(ctx, 50*time.Millisecond)
	defer cancel()
	ran := false
	err := d.InTx(wctx, func(ctx context.Context) error {
		ran = true
		return putInstallation(ctx, d, "second", "v")
	})
	if !errors.Is(err, context.DeadlineExceeded) || ran {
		t.Errorf("waiting caller: err %v, ran %v; want the deadline and no run", err, ran)
	}
	close(release)
	if err := <-first; err != nil {
		t.Fatalf("first caller: %v", err)
	}
	if _, ok := installationValue(t, d, "first"); !ok {
		t.Error("first caller's row is missing")
	}
	if _, ok := installationValue(t, d, "second"); ok {
		t.Error("the cancelled caller's row was stored")
	}
}
