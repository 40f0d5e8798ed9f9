package view

import (
	"context"
	"encoding/json"
	"strconv"
	"sync"
	"time"

	"golang.org/x/sync/singleflight"

	"parley/internal/auth"
)

// Counting every matching ticket is the one part of running a view that
// grows with the account: at a million tickets "All unsolved tickets"
// counts several hundred thousand rows. Zendesk caches view counts and says
// so (view_count.fresh); Parley does the same, but only for counts that
// were expensive, so small accounts (and every test) always see exact
// numbers.
const (
	// countCostly is how long a count must have taken to be cached.
	countCostly = 15 * time.Millisecond
	// countTTL is how long a cached count is served before it is counted
	// again. Between countTTL and countStale the old count is still served
	// while one count runs in the background, so no request waits for it.
	countTTL   = 30 * time.Second
	countStale = 5 * time.Minute
	// countTimeout bounds a background count.
	countTimeout = time.Minute
	// countEntries bounds the memory the cache may hold.
	countEntries = 20000
)

// counts remembers expensive view counts per account, agent and
// conditions. Concurrent counts of the same key run once (singleflight).
// The cache is per process: another node may serve a different count for
// up to countTTL, as Zendesk's own counts lag.
type counts struct {
	mu sync.Mutex
	m  map[string]countEntry
	g  singleflight.Group
	// costly is countCostly outside tests.
	costly time.Duration
}

type countEntry struct {
	n  int64
	at time.Time
}

// countKey identifies what a count depends on: the account, the agent
// (conditions may name the current user) and the conditions themselves.
func countKey(a auth.Actor, v View) string {
	c, _ := json.Marshal(v.Conditions)
	return strconv.FormatInt(a.AccountID, 10) + "/" + strconv.FormatInt(a.UserID, 10) + "/" + string(c)
}

// get returns a cached count and whether it is younger than countTTL
// (ok false: nothing usable, older than countStale).
func (c *counts) get(key string, now time.Time) (n int64, young, ok bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	e, found := c.m[key]
	if !found || now.Before(e.at) || now.Sub(e.at) >= countStale {
		return 0, false, false
	}
	return e.n, now.Sub(e.at) < countTTL, true
}

func (c *counts) put(key string, n int64, at time.Time) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.m == nil || len(c.m) >= countEntries {
		c.m = map[string]countEntry{}
	}
	c.m[key] = countEntry{n: n, at: at}
}

// Count is a view's ticket count and whether it was counted just now
// (false: it came from the cache, at most countTTL old).
type Count struct {
	N     int64
	Fresh bool
}

// cachedCount counts with run, or serves the cached count of an
// expensive one.
func (s *Service) cachedCount(ctx context.Context, a auth.Actor, v View, run func(context.Context) (int64, error)) (Count, error) {
	key := countKey(a, v)
	count := func(ctx context.Context) (any, error) {
		start := time.Now()
		n, err := run(ctx)
		if err != nil {
			return int64(0), err
		}
		if time.Since(start) >= s.counts.costly {
			s.counts.put(key, n, s.clock.Now())
		}
		return n, nil
	}
	n, young, ok := s.counts.get(key, s.clock.Now())
	if ok {
		if !young {
			// Refresh in the background, once, past this request's end.
			bg, cancel := context.WithTimeout(context.WithoutCancel(ctx), countTimeout)
			ch := s.counts.g.DoChan(key, func() (any, error) { return count(bg) })
			go func() {
				<-ch
				cancel()
			}()
		}
		return Count{N: n}, nil
	}
	r, err, _ := s.counts.g.Do(key, func() (any, error) { return count(ctx) })
	if err != nil {
		return Count{}, err
	}
	return Count{N: r.(int64), Fresh: true}, nil
}
