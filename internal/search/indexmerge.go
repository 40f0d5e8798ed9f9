package search

import (
	"context"
	"fmt"
	"time"

	"parley/internal/auth"
	"parley/internal/platform/db"
)

// indexSearch answers a search whose tickets the index can find (ok): the
// tickets from the index and, for a query of every type, the users,
// organizations and groups from SQL (they are few next to tickets), the
// two merged in the order pageSQL gives (sort key, then type, then id).
func (s *Service) indexSearch(ctx context.Context, a auth.Actor, q Query, p plan, so sortSpec, depth int) ([]Hit, int64, bool, error) {
	if _, has := p.part(ResultTicket); !has {
		return nil, 0, false, nil
	}
	hits, total, ok, err := s.index.search(ctx, a, q, so, depth)
	if !ok || err != nil || q.ResultType != "" {
		return hits, total, ok, err
	}
	others, err := s.others(ctx, a, q, so)
	if err != nil || len(others.parts) == 0 {
		return hits, total, true, err
	}
	type keyed struct {
		hit Hit
		at  time.Time
	}
	var theirs []keyed
	var n int64
	oq, oargs := others.keyedPageSQL(depth)
	rows, err := s.d.Conn(ctx).QueryContext(ctx, oq, oargs...)
	if err != nil {
		return nil, 0, true, fmt.Errorf("search: %w", err)
	}
	defer rows.Close()
	for rows.Next() {
		var rank int
		var k keyed
		var at db.Time
		if err := rows.Scan(&rank, &k.hit.ID, &at, &n); err != nil {
			return nil, 0, true, fmt.Errorf("search: %w", err)
		}
		k.hit.Type, k.at = kinds[rank].rt, at.T
		theirs = append(theirs, k)
	}
	if err := rows.Err(); err != nil {
		return nil, 0, true, fmt.Errorf("search: %w", err)
	}
	ours := make([]keyed, 0, len(hits))
	if len(hits) > 0 {
		ids := make([]int64, len(hits))
		for i, h := range hits {
			ids[i] = h.ID
		}
		q, args := idsQuery(s.d.Dialect, a.AccountID, ids, `SELECT t.id, t.`+so.field+` FROM %s`)
		rows, err := s.d.Conn(ctx).QueryContext(ctx, q, args...)
		if err != nil {
			return nil, 0, true, fmt.Errorf("search: %w", err)
		}
		defer rows.Close()
		at := make(map[int64]time.Time, len(hits))
		for rows.Next() {
			var id int64
			var t db.Time
			if err := rows.Scan(&id, &t); err != nil {
				return nil, 0, true, fmt.Errorf("search: %w", err)
			}
			at[id] = t.T
		}
		if err := rows.Err(); err != nil {
			return nil, 0, true, fmt.Errorf("search: %w", err)
		}
		for _, h := range hits {
			ours = append(ours, keyed{h, at[h.ID]})
		}
	}
	// before reports whether x comes before y.
	before := func(x, y keyed) bool {
		if !x.at.Equal(y.at) {
			return x.at.After(y.at) == so.desc
		}
		if rx, ry := kindRank(x.hit.Type), kindRank(y.hit.Type); rx != ry {
			return rx < ry
		}
		return (x.hit.ID > y.hit.ID) == so.desc
	}
	out := make([]Hit, 0, min(depth, len(ours)+len(theirs)))
	for len(out) < depth && (len(ours) > 0 || len(theirs) > 0) {
		if len(theirs) == 0 || (len(ours) > 0 && before(ours[0], theirs[0])) {
			out, ours = append(out, ours[0].hit), ours[1:]
		} else {
			out, theirs = append(out, theirs[0].hit), theirs[1:]
		}
	}
	return out, total + n, true, nil
}

// indexCount counts a query the index can take (ok) as indexSearch finds
// it: the index's tickets plus, for a query of every type, SQL's count of
// the other types.
func (s *Service) indexCount(ctx context.Context, a auth.Actor, q Query) (total int64, ok bool, err error) {
	set, _, ok, err := s.index.match(ctx, a, q)
	if !ok || err != nil {
		return 0, ok, err
	}
	total = int64(set.count())
	others, err := s.others(ctx, a, q, sortSpec{})
	if err != nil || len(others.parts) == 0 {
		return total, true, err
	}
	var n int64
	if err := s.d.Conn(ctx).QueryRowContext(ctx, others.countSQL(), others.args...).Scan(&n); err != nil {
		return 0, true, fmt.Errorf("search: count: %w", err)
	}
	return total + n, true, nil
}

// kindRank is the place of a result type in the order of types.
func kindRank(rt ResultType) int {
	k, _ := kindOf(rt)
	return k.rank
}

// part finds the part of result type rt.
func (p plan) part(rt ResultType) (planPart, bool) {
	for _, pp := range p.parts {
		if pp.k.rt == rt {
			return pp, true
		}
	}
	return planPart{}, false
}

// others is the plan of a query of every type for the types other than
// tickets; it has no parts when none of them can match.
func (s *Service) others(ctx context.Context, a auth.Actor, q Query, so sortSpec) (plan, error) {
	if q.ResultType != "" {
		return plan{}, nil
	}
	c, err := s.newCompiler(ctx, a, q)
	if err != nil {
		return plan{}, err
	}
	p, err := s.compileTypes(ctx, c, q, []ResultType{ResultUser, ResultOrganization, ResultGroup}, so)
	if len(p.parts) == 0 {
		// The query compiled for tickets; no other type can take it.
		return plan{}, nil
	}
	return p, err
}

// keyedPageSQL selects p's first limit matches as pageSQL orders them,
// each row as (rt, id, sort key, number of all matches).
func (p plan) keyedPageSQL(limit int) (string, []any) {
	args := append([]any(nil), p.args...)
	dir := "DESC"
	if !p.sort.desc {
		dir = "ASC"
	}
	return `SELECT rt, id, k, count(*) OVER () FROM (` + p.union(true) + `) r ORDER BY g ASC, k ` + dir + `, rt ASC, id ` + dir +
		` LIMIT ` + db.Arg(&args, limit), args
}
