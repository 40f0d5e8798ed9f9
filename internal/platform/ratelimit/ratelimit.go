// Package ratelimit is the per-account API request budget (requests per
// minute). Counts are kept in the database so every node shares one budget;
// each node batches its own hits and flushes them every FlushEvery, so a
// request costs a map lookup, not a write.
package ratelimit

import (
	"context"
	"database/sql"
	"errors"
	"log/slog"
	"sync"
	"time"

	"parley/internal/platform/clock"
	"parley/internal/platform/db"
)

// FlushEvery is how often local hits are added to the shared counters.
const FlushEvery = 250 * time.Millisecond

type entry struct {
	window  int64 // unix minute
	known   int64 // all nodes' hits at the last flush
	pending int64 // this node's hits not yet flushed
}

// Limiter decides whether an account may make another request.
type Limiter struct {
	d     *db.DB
	clock clock.Clock
	log   *slog.Logger

	mu      sync.Mutex
	entries map[int64]*entry
	swept   int64 // the minute old windows were last deleted
}

// New makes a limiter over the shared counters in d.
func New(d *db.DB, c clock.Clock, log *slog.Logger) *Limiter {
	return &Limiter{d: d, clock: c, log: log, entries: map[int64]*entry{}}
}

// Decision is the outcome of Allow.
type Decision struct {
	Allowed    bool
	Limit      int
	Remaining  int
	RetryAfter int // seconds until the window resets
}

// Allow counts one request for account against limit per minute.
func (l *Limiter) Allow(account int64, limit int) Decision {
	now := l.clock.Now()
	win := now.Unix() / 60
	retry := int(60 - now.Unix()%60)
	l.mu.Lock()
	defer l.mu.Unlock()
	e := l.entries[account]
	if e == nil || e.window != win {
		e = &entry{window: win}
		l.entries[account] = e
	}
	used := e.known + e.pending
	if used >= int64(limit) {
		return Decision{Limit: limit, Remaining: 0, RetryAfter: retry}
	}
	e.pending++
	return Decision{Allowed: true, Limit: limit, Remaining: limit - int(used) - 1, RetryAfter: retry}
}

// Run flushes until ctx ends.
func (l *Limiter) Run(ctx context.Context) {
	t := time.NewTicker(FlushEvery)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			fctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
			l.Flush(fctx)
			cancel()
			return
		case <-t.C:
			l.Flush(ctx)
		}
	}
}

type delta struct {
	account, window, hits int64
}

// Flush adds pending hits to the shared counters and learns the totals,
// including hits other nodes made for accounts this node has seen this
// minute.
func (l *Limiter) Flush(ctx context.Context) {
	now := l.clock.Now().Unix() / 60
	l.mu.Lock()
	var ds []delta
	for acct, e := range l.entries {
		if e.window != now && e.pending == 0 {
			delete(l.entries, acct) // an old window nobody asked about since
			continue
		}
		ds = append(ds, delta{acct, e.window, e.pending})
	}
	l.mu.Unlock()
	if len(ds) == 0 {
		return
	}
	totals := make([]int64, len(ds))
	err := l.d.InTx(ctx, func(ctx context.Context) error {
		c := l.d.Conn(ctx)
		for i, dl := range ds {
			if dl.hits == 0 {
				err := c.QueryRowContext(ctx, `SELECT hits FROM rate_limits WHERE account_id = $1 AND window_start = $2`,
					dl.account, dl.window).Scan(&totals[i])
				if errors.Is(err, sql.ErrNoRows) {
					continue
				}
				if err != nil {
					return err
				}
				continue
			}
			if err := c.QueryRowContext(ctx, `INSERT INTO rate_limits (account_id, window_start, hits)
				VALUES ($1, $2, $3)
				ON CONFLICT (account_id, window_start) DO UPDATE SET hits = rate_limits.hits + excluded.hits
				RETURNING hits`, dl.account, dl.window, dl.hits).Scan(&totals[i]); err != nil {
				return err
			}
		}
		if l.swept == now {
			return nil
		}
		_, err := c.ExecContext(ctx, `DELETE FROM rate_limits WHERE window_start < $1`, now-5)
		return err
	})
	if err != nil {
		l.log.WarnContext(ctx, "rate limit flush failed", slog.String("error", err.Error()))
		return
	}
	l.mu.Lock()
	defer l.mu.Unlock()
	l.swept = now
	for i, dl := range ds {
		e := l.entries[dl.account]
		if e == nil || e.window != dl.window {
			continue
		}
		e.pending -= dl.hits
		if totals[i] > e.known {
			e.known = totals[i]
		}
	}
}
