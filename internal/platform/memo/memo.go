// Package memo remembers the results of expensive reads for a short while:
// a view's count or a search's ordered results at a million tickets take
// hundreds of milliseconds, and Zendesk itself serves both with a lag
// (view_count.fresh, "it can take up to a few minutes for new tickets to
// be indexed for search"). Only results that were costly to compute, and
// large, are kept (Keep), so small accounts, and every test, always see
// exact answers, however slow the machine.
package memo

import (
	"context"
	"sync"
	"time"

	"golang.org/x/sync/singleflight"
)

// Cache holds costly results by key. Concurrent reads of one missing key
// compute it once. Between TTL and Stale the old value is still served
// while one computation runs in the background, so no request waits for
// it; past Stale a request computes it again itself. The zero value is not
// usable: set every field.
type Cache[V any] struct {
	// Keep says whether a value that took took to compute is worth
	// keeping.
	Keep func(v V, took time.Duration) bool
	// TTL and Stale bound how old a served value may be (see above).
	TTL, Stale time.Duration
	// Max bounds the entries; when full the cache starts over.
	Max int
	// Timeout bounds a background computation.
	Timeout time.Duration
	// Now is the clock that ages entries (the service's injected clock).
	Now func() time.Time

	mu sync.Mutex
	m  map[string]entry[V]
	g  singleflight.Group
}

type entry[V any] struct {
	v  V
	at time.Time
}

// Get returns the value of key and whether it was computed by this call
// (false: it came from the cache, at most Stale old).
func (c *Cache[V]) Get(ctx context.Context, key string, compute func(context.Context) (V, error)) (V, bool, error) {
	run := func(ctx context.Context) (any, error) {
		start := time.Now()
		v, err := compute(ctx)
		if err == nil && c.Keep(v, time.Since(start)) {
			c.put(key, v)
		}
		return v, err
	}
	if v, young, ok := c.get(key); ok {
		if !young {
			bg, cancel := context.WithTimeout(context.WithoutCancel(ctx), c.Timeout)
			ch := c.g.DoChan(key, func() (any, error) { return run(bg) })
			go func() {
				<-ch
				cancel()
			}()
		}
		return v, false, nil
	}
	r, err, _ := c.g.Do(key, func() (any, error) { return run(ctx) })
	if err != nil {
		var zero V
		return zero, false, err
	}
	return r.(V), true, nil
}

func (c *Cache[V]) get(key string) (v V, young, ok bool) {
	now := c.Now()
	c.mu.Lock()
	defer c.mu.Unlock()
	e, found := c.m[key]
	if !found || now.Before(e.at) || now.Sub(e.at) >= c.Stale {
		return v, false, false
	}
	return e.v, now.Sub(e.at) < c.TTL, true
}

func (c *Cache[V]) put(key string, v V) {
	now := c.Now()
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.m == nil || len(c.m) >= c.Max {
		c.m = map[string]entry[V]{}
	}
	c.m[key] = entry[V]{v: v, at: now}
}
