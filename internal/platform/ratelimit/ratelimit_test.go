package ratelimit_test

import (
	"context"
	"io"
	"log/slog"
	"testing"
	"time"

	"parley/internal/platform/clock"
	"parley/internal/platform/db"
	"parley/internal/platform/db/dbtest"
	"parley/internal/platform/ratelimit"
)

func TestWindow(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		clk := clock.NewFake(time.Date(2026, 1, 1, 10, 0, 15, 0, time.UTC))
		l := ratelimit.New(d, clk, slog.New(slog.NewTextHandler(io.Discard, nil)))
		for i := 0; i < 3; i++ {
			dec := l.Allow(1, 3)
			if !dec.Allowed || dec.Remaining != 2-i {
				t.Fatalf("hit %d: %+v", i, dec)
			}
		}
		dec := l.Allow(1, 3)
		if dec.Allowed || dec.RetryAfter != 45 {
			t.Fatalf("over budget: %+v", dec)
		}
		if !l.Allow(2, 3).Allowed {
			t.Fatal("account 2 shares account 1's budget")
		}
		clk.Advance(time.Minute)
		if dec := l.Allow(1, 3); !dec.Allowed || dec.Remaining != 2 {
			t.Fatalf("new window: %+v", dec)
		}
	})
}

// TestSharedAcrossNodes: two limiters (two nodes) on one database share an
// account's budget once they flush.
func TestSharedAcrossNodes(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		ctx := context.Background()
		clk := clock.NewFake(time.Date(2026, 1, 1, 10, 0, 0, 0, time.UTC))
		log := slog.New(slog.NewTextHandler(io.Discard, nil))
		a, b := ratelimit.New(d, clk, log), ratelimit.New(d, clk, log)
		for i := 0; i < 6; i++ {
			if !a.Allow(7, 10).Allowed {
				t.Fatalf("node a hit %d refused", i)
			}
		}
		a.Flush(ctx)
		for i := 0; i < 4; i++ {
			if !b.Allow(7, 10).Allowed {
				t.Fatalf("node b hit %d refused", i)
			}
		}
		b.Flush(ctx) // learns a's 6: the shared total is now 10
		if dec := b.Allow(7, 10); dec.Allowed {
			t.Fatalf("node b allowed an 11th request: %+v", dec)
		}
		a.Flush(ctx)
		if dec := a.Allow(7, 10); dec.Allowed {
			t.Fatalf("node a allowed an 11th request after learning b's hits: %+v", dec)
		}
		var hits int64
		if err := d.Reader().QueryRowContext(ctx, `SELECT hits FROM rate_limits WHERE account_id = 7`).Scan(&hits); err != nil || hits != 10 {
			t.Fatalf("shared counter %d, %v", hits, err)
		}
	})
}
