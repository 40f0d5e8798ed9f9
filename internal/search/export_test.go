package search

import (
	"context"
	"time"

	"parley/internal/auth"
)

// KeepEveryResult lets a test keep every search's results, however few and
// quick, so the cache's behaviour shows on a small account.
func KeepEveryResult(s *Service) { s.results.Keep = func(results, time.Duration) bool { return true } }

// FastAndFull runs query both ways on a fast plan (see plan.fastSet): the
// fast count and page against the general count and page. The fast page
// is the walk's, or the seek's when the two differ. fast is false when
// the query has no fast plan.
func FastAndFull(ctx context.Context, s *Service, query string) (fast bool, fastCount, fullCount int64, walk, full []Hit, err error) {
	a := auth.ActorFrom(ctx)
	q, err := Parse(query)
	if err != nil {
		return false, 0, 0, nil, nil, err
	}
	p, err := s.compile(ctx, a, q, "", sortOf(q, "", ""))
	if err != nil || p.fastSet() == "" {
		return false, 0, 0, nil, nil, err
	}
	c := s.d.Conn(ctx)
	if err := c.QueryRowContext(ctx, p.countSQL(), p.args...).Scan(&fastCount); err != nil {
		return false, 0, 0, nil, nil, err
	}
	if err := c.QueryRowContext(ctx, `SELECT count(*) FROM (`+p.union(false)+`) r`, p.args...).Scan(&fullCount); err != nil {
		return false, 0, 0, nil, nil, err
	}
	wq, wargs, ok := p.walkSQL(MaxResults, 0)
	if !ok {
		return false, 0, 0, nil, nil, nil
	}
	if walk, err = s.hits(ctx, wq, wargs); err != nil {
		return false, 0, 0, nil, nil, err
	}
	sq, sargs, _ := p.seekSQL(MaxResults, 0)
	seek, err := s.hits(ctx, sq, sargs)
	if err != nil {
		return false, 0, 0, nil, nil, err
	}
	pq, pargs := p.pageSQL(MaxResults, 0)
	if full, err = s.hits(ctx, pq, pargs); err != nil {
		return false, 0, 0, nil, nil, err
	}
	if len(seek) != len(walk) {
		return true, fastCount, fullCount, seek, full, nil
	}
	for i := range seek {
		if seek[i] != walk[i] {
			return true, fastCount, fullCount, seek, full, nil
		}
	}
	return true, fastCount, fullCount, walk, full, nil
}
