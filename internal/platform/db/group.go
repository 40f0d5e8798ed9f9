package db

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"sync/atomic"
)

// Group commit for SQLite.
//
// SQLite has one writer, so every InTx used to take the single writer
// connection in turn: BEGIN, the caller's statements, COMMIT, then a
// hand-off of the connection to the next waiting goroutine. Under concurrent
// writes the commits (WAL frame writes) and the hand-offs were a third of
// each transaction's time. Now a transaction stays open while callers are
// waiting for it: each caller, in turn, runs its function on its own
// goroutine inside its own SAVEPOINT (so its error, panic or t.Fatal undoes
// only its own writes; the batch's first caller needs none), and the caller that finds nobody waiting (or the
// batch full) commits for everyone in the batch. Every caller returns only
// after that COMMIT, with its own error or the commit's; after-commit hooks
// run on the caller's goroutine as before.
//
// Functions run with context.WithoutCancel of their caller's context: a
// client that goes away mid-write must not interrupt a statement (SQLite
// rolls back the whole transaction on an interrupted write, which would undo
// the other callers' work), and statements whose context cannot be cancelled
// skip the driver's per-statement watcher goroutine. A caller whose context
// ends while it waits for its turn gives up without running.

// maxBatch bounds the functions committed together, so that the first
// caller of a long queue does not wait for all of it.
const maxBatch = 64

// groupWriter shares SQLite's writer connection among write transactions.
type groupWriter struct {
	db    *sql.DB
	stmts *stmtCache
	// turn is held by the one caller running its function (or
	// committing); a buffered channel so waiting can be cancelled.
	turn chan struct{}
	// waiting counts callers that want the turn.
	waiting atomic.Int64
	// open is the batch whose transaction is open; read and written only
	// while holding turn.
	open *batch
}

// batch is one transaction shared by consecutive callers.
type batch struct {
	tx   *sql.Tx
	jobs int
	// failed is set when the transaction can no longer be used: the
	// callers that ran in it get an error.
	failed bool
	err    error
	done   chan struct{}
}

func newGroupWriter(d *sql.DB, stmts *stmtCache) *groupWriter {
	return &groupWriter{db: d, stmts: stmts, turn: make(chan struct{}, 1)}
}

// do runs fn in a write transaction shared with the callers queued beside
// it, and returns once that transaction has committed or rolled back.
func (g *groupWriter) do(ctx context.Context, fn func(context.Context) error) error {
	g.waiting.Add(1)
	select {
	case g.turn <- struct{}{}:
		g.waiting.Add(-1)
	case <-ctx.Done():
		g.waiting.Add(-1)
		// The caller holding the turn may have left the batch open for
		// this one: make sure someone commits it, without waiting here
		// for that caller's turn to end.
		go g.flushIfIdle()
		return fmt.Errorf("db: begin: %w", ctx.Err())
	}
	if g.open == nil {
		stx, err := g.db.BeginTx(context.Background(), nil)
		if err != nil {
			<-g.turn
			return fmt.Errorf("db: begin: %w", Classify(err))
		}
		g.open = &batch{tx: stx, done: make(chan struct{})}
	}
	b := g.open
	t := &Tx{exec: cachedTx{Tx: b.tx, c: g.stmts}, SQL: b.tx}
	wctx := context.WithoutCancel(ctx)
	// The first caller of a batch needs no savepoint: if it fails, the
	// whole transaction, which holds nothing else yet, is rolled back. A
	// lone writer (concurrency 1) thus runs no extra statement.
	first := b.jobs == 0
	if !first {
		if _, err := b.tx.ExecContext(wctx, "SAVEPOINT parley_job"); err != nil {
			b.failed = true
			g.finish(b)
			return fmt.Errorf("db: begin: %w", Classify(err))
		}
	}
	b.jobs++
	undo := func() {
		if first {
			b.failed = true
			return
		}
		g.undo(b, wctx)
	}
	returned := false
	defer func() {
		if returned {
			return
		}
		// fn panicked or called runtime.Goexit (t.Fatal): undo its
		// writes, pass on the batch, and let the unwinding go on.
		undo()
		g.handOff(b)
	}()
	err := fn(context.WithValue(wctx, txKey{}, t))
	returned = true
	if err != nil {
		undo()
	} else if !first {
		if _, rerr := b.tx.ExecContext(wctx, "RELEASE parley_job"); rerr != nil {
			b.failed = true
		}
	}
	g.handOff(b)
	<-b.done
	if err != nil {
		return err
	}
	if b.err != nil {
		return b.err
	}
	for _, h := range t.afterHooks {
		h()
	}
	return nil
}

// undo rolls back the current caller's savepoint.
func (g *groupWriter) undo(b *batch, ctx context.Context) {
	if _, err := b.tx.ExecContext(ctx, "ROLLBACK TO parley_job"); err != nil {
		b.failed = true
		return
	}
	if _, err := b.tx.ExecContext(ctx, "RELEASE parley_job"); err != nil {
		b.failed = true
	}
}

// handOff is called by the caller holding the turn once its function is
// done: it leaves the batch open for the next waiting caller, or commits it.
func (g *groupWriter) handOff(b *batch) {
	if !b.failed && b.jobs < maxBatch && g.waiting.Load() > 0 {
		<-g.turn
		return
	}
	g.finish(b)
}

// finish commits (or, when failed, rolls back) b and releases the turn.
func (g *groupWriter) finish(b *batch) {
	if b.failed {
		_ = b.tx.Rollback()
		b.err = errors.New("db: transaction aborted")
	} else if err := b.tx.Commit(); err != nil {
		b.err = fmt.Errorf("db: commit: %w", Classify(err))
	} else {
		// The writer's connection is free again: prepare what this batch
		// ran for the first time.
		g.stmts.prepareWanted(context.Background())
	}
	g.open = nil
	close(b.done)
	<-g.turn
}

// flushIfIdle commits a batch left open for callers that have all given up.
func (g *groupWriter) flushIfIdle() {
	g.turn <- struct{}{}
	if g.open != nil && g.waiting.Load() == 0 {
		g.finish(g.open)
		return
	}
	<-g.turn
}
