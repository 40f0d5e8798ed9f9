package view

import (
	"context"
	"encoding/json"
	"strconv"
	"time"

	"parley/internal/auth"
	"parley/internal/platform/memo"
)

// Counting every matching ticket is the one part of running a view that
// grows with the account: at a million tickets "All unsolved tickets"
// counts several hundred thousand rows. Zendesk caches view counts and says
// so (view_count.fresh); Parley keeps counts of at least countLarge tickets
// that took countCostly or longer for 30 s, then refreshes them in the
// background for up to five minutes (platform/memo). The cache is per process: another node may
// serve a different count for that long, as Zendesk's own counts lag.
const (
	countCostly = 15 * time.Millisecond
	countLarge  = 1000
)

func keepCount(n int64, took time.Duration) bool { return n >= countLarge && took >= countCostly }

func newCounts(now func() time.Time) *memo.Cache[int64] {
	return &memo.Cache[int64]{Keep: keepCount, TTL: 30 * time.Second, Stale: 5 * time.Minute,
		Max: 20000, Timeout: time.Minute, Now: now}
}

// countKey identifies what a count depends on: the account, the agent
// (conditions may name the current user), the agent's ticket access (a
// changed role must not serve the old scope's count) and the conditions.
func countKey(a auth.Actor, v View) string {
	c, _ := json.Marshal(v.Conditions)
	return strconv.FormatInt(a.AccountID, 10) + "/" + strconv.FormatInt(a.UserID, 10) + "/" +
		string(a.Permissions().TicketAccess) + "/" + string(c)
}

// Count is a view's ticket count and whether it was counted just now
// (false: it came from the cache).
type Count struct {
	N     int64
	Fresh bool
}

// cachedCount counts with run, or serves the cached count of an
// expensive one.
func (s *Service) cachedCount(ctx context.Context, a auth.Actor, v View, run func(context.Context) (int64, error)) (Count, error) {
	n, fresh, err := s.counts.Get(ctx, countKey(a, v), run)
	return Count{N: n, Fresh: fresh}, err
}
