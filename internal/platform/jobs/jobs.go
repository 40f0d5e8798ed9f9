// Package jobs runs background work on River, on the same database as the
// data (SQLite or PostgreSQL). A job enqueued inside db.InTx commits or rolls
// back with the change that caused it.
package jobs

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"log/slog"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/riverqueue/river"
	"github.com/riverqueue/river/riverdriver/riverpgxv5"
	"github.com/riverqueue/river/riverdriver/riversqlite"
	"github.com/riverqueue/river/rivermigrate"

	"parley/internal/platform/db"
)

// Options tune the queue.
type Options struct {
	// Work starts workers; false makes an insert-only client (serve --no-jobs).
	Work bool
	// Workers is the concurrency of the default queue.
	Workers int
	// PollInterval is how often SQLite (which has no LISTEN) looks for jobs.
	PollInterval time.Duration
	// Periodic jobs (hourly automations) are enqueued by the elected
	// leader node only, so several nodes do not run them twice.
	Periodic []*river.PeriodicJob
}

// Queue enqueues and works jobs.
type Queue struct {
	d      *db.DB
	lite   *river.Client[*sql.Tx]
	pg     *river.Client[pgx.Tx]
	worked bool
}

// Migrate applies River's own schema migrations.
func Migrate(ctx context.Context, d *db.DB) error {
	var err error
	if d.Dialect == db.Postgres {
		var m *rivermigrate.Migrator[pgx.Tx]
		m, err = rivermigrate.New(riverpgxv5.New(d.Pool()), nil)
		if err == nil {
			_, err = m.Migrate(ctx, rivermigrate.DirectionUp, nil)
		}
	} else {
		var m *rivermigrate.Migrator[*sql.Tx]
		m, err = rivermigrate.New(riversqlite.New(d.Writer()), nil)
		if err == nil {
			_, err = m.Migrate(ctx, rivermigrate.DirectionUp, nil)
		}
	}
	if err != nil {
		return fmt.Errorf("jobs: migrate: %w", err)
	}
	return nil
}

// New builds the queue. Register every worker in workers before calling it.
func New(d *db.DB, workers *river.Workers, log *slog.Logger, o Options) (*Queue, error) {
	if o.Workers <= 0 {
		o.Workers = 8
	}
	if o.PollInterval <= 0 {
		o.PollInterval = 100 * time.Millisecond
	}
	cfg := &river.Config{
		Logger:                      log.With("component", "jobs"),
		Workers:                     workers,
		JobTimeout:                  5 * time.Minute,
		CompletedJobRetentionPeriod: 24 * time.Hour,
		FetchCooldown:               20 * time.Millisecond,
		FetchPollInterval:           o.PollInterval,
		PeriodicJobs:                o.Periodic,
	}
	if o.Work {
		cfg.Queues = map[string]river.QueueConfig{river.QueueDefault: {MaxWorkers: o.Workers}}
	}
	q := &Queue{d: d, worked: o.Work}
	var err error
	if d.Dialect == db.Postgres {
		q.pg, err = river.NewClient(riverpgxv5.New(d.Pool()), cfg)
	} else {
		cfg.PollOnly = true
		q.lite, err = river.NewClient(riversqlite.New(d.Writer()), cfg)
	}
	if err != nil {
		return nil, fmt.Errorf("jobs: new client: %w", err)
	}
	return q, nil
}

// Start begins working jobs (no-op for an insert-only queue).
func (q *Queue) Start(ctx context.Context) error {
	if !q.worked {
		return nil
	}
	if q.pg != nil {
		return q.pg.Start(ctx)
	}
	return q.lite.Start(ctx)
}

// Stop finishes running jobs and stops; it waits at most until ctx ends.
func (q *Queue) Stop(ctx context.Context) error {
	if !q.worked {
		return nil
	}
	var err error
	if q.pg != nil {
		err = q.pg.Stop(ctx)
	} else {
		err = q.lite.Stop(ctx)
	}
	if errors.Is(err, context.DeadlineExceeded) || errors.Is(err, context.Canceled) {
		return nil
	}
	return err
}

// Enqueue inserts a job. Inside db.InTx it joins the transaction, so the job
// exists only if the change that asked for it commits.
func (q *Queue) Enqueue(ctx context.Context, args river.JobArgs, opts *river.InsertOpts) error {
	tx, inTx := db.TxFrom(ctx)
	var err error
	switch {
	case q.pg != nil && inTx:
		_, err = q.pg.InsertTx(ctx, tx.PGX, args, opts)
	case q.pg != nil:
		_, err = q.pg.Insert(ctx, args, opts)
	case inTx:
		_, err = q.lite.InsertTx(ctx, tx.SQL, args, opts)
	default:
		err = q.d.InTx(ctx, func(ctx context.Context) error {
			t, _ := db.TxFrom(ctx)
			_, e := q.lite.InsertTx(ctx, t.SQL, args, opts)
			return e
		})
	}
	if err != nil {
		return fmt.Errorf("jobs: enqueue %s: %w", args.Kind(), err)
	}
	return nil
}
