package search

import (
	"context"
	"time"

	"parley/internal/auth"
)

// SetTimeLimit changes how long one search may run (see bounded).
func SetTimeLimit(s *Service, d time.Duration) { s.limit = d }

// IndexEvery makes s answer every search its ticket index takes from the
// index, however few tickets the account has, reading the account's
// changes before every search.
func IndexEvery(s *Service) { s.index.minTickets, s.index.every = 0, 0 }

// IndexPageBy makes every page of s's ticket index a walk in sort order in
// chunks of a few rows ("walk") or a lookup of the matches ("lookup").
func IndexPageBy(s *Service, way string) { s.index.pageBy = way }

// IndexAccounts bounds the accounts s indexes at once to n, and returns how
// many it holds now.
func IndexAccounts(s *Service, n int) int {
	s.index.mu.Lock()
	defer s.index.mu.Unlock()
	if n > 0 {
		s.index.maxAccounts = n
	}
	return len(s.index.accts)
}

// NoIndex makes s answer every search with SQL.
func NoIndex(s *Service) { s.index = nil }

// IndexReads is how many sets s's ticket index has read whole, and how many
// runs of changed tickets it has read to catch sets up.
func IndexReads(s *Service) (full, part int64) {
	return s.index.fullReads.Load(), s.index.partReads.Load()
}

// Indexed reports whether the ticket index answers query for the actor of
// ctx.
func Indexed(ctx context.Context, s *Service, query string) (bool, error) {
	q, err := Parse(query)
	if err != nil {
		return false, err
	}
	_, _, ok, err := s.index.match(ctx, auth.ActorFrom(ctx), q)
	return ok, err
}

// IndexTermSQL is the statement that reads the set of the first term of
// query whole, for the actor of ctx.
func IndexTermSQL(ctx context.Context, s *Service, query string) (string, []any, bool) {
	q, err := Parse(query)
	if err != nil {
		return "", nil, false
	}
	terms, ok := s.index.terms(auth.ActorFrom(ctx), q, time.Now())
	if !ok || len(terms) == 0 || terms[0].full == nil {
		return "", nil, false
	}
	sql, args := terms[0].full()
	return sql, args, true
}

// KeepEveryResult lets a test keep every search's results, however few and
// quick, so the cache's behaviour shows on a small account.
func KeepEveryResult(s *Service) { s.results.Keep = func(results, time.Duration) bool { return true } }

// FastPlan is every answer of a fast plan (see plan.fastSet) and of the
// general plan for the same query; Fast is false when there is no fast
// plan, Paged is true when its walk and seek ran too (PostgreSQL walks
// only the text sets it can probe by ticket: single words).
type FastPlan struct {
	Fast, Paged          bool
	FastCount, FullCount int64
	Walk, Seek, Page     []Hit
}

// FastAndFull runs query the fast ways (count, walk, seek) and the general
// way (count, page), each 1,000 deep.
func FastAndFull(ctx context.Context, s *Service, query string) (FastPlan, error) {
	var out FastPlan
	q, err := Parse(query)
	if err != nil {
		return out, err
	}
	p, err := s.compile(ctx, auth.ActorFrom(ctx), q, "", sortOf(q, "", ""))
	if err != nil || p.fastSet().sql == "" {
		return out, err
	}
	c := s.d.Conn(ctx)
	if err := c.QueryRowContext(ctx, p.countSQL(), p.args...).Scan(&out.FastCount); err != nil {
		return out, err
	}
	if err := c.QueryRowContext(ctx, `SELECT count(*) FROM (`+p.union(false)+`) r`, p.args...).Scan(&out.FullCount); err != nil {
		return out, err
	}
	pq, pargs := p.pageSQL(MaxResults, 0)
	if out.Page, err = s.hits(ctx, pq, pargs); err != nil {
		return out, err
	}
	out.Fast = true
	wq, wargs, ok := p.walkSQL(MaxResults, 0)
	if !ok {
		return out, nil
	}
	sq, sargs, _ := p.seekSQL(MaxResults, 0)
	if out.Walk, err = s.hits(ctx, wq, wargs); err != nil {
		return out, err
	}
	if out.Seek, err = s.hits(ctx, sq, sargs); err != nil {
		return out, err
	}
	out.Paged = true
	return out, nil
}
