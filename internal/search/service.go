package search

import (
	"context"
	"crypto/sha256"
	"database/sql"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"time"

	"parley/internal/auth"
	"parley/internal/platform/clock"
	"parley/internal/platform/db"
	"parley/internal/platform/errs"
	"parley/internal/platform/memo"
	"parley/internal/ticket"
	"parley/internal/user"
)

// Service runs searches: it parses and compiles queries, finds the
// matching records' ids with one SQL query, and loads the records through
// the rooms that own them (Render).
type Service struct {
	d       *db.DB
	clock   clock.Clock
	tickets *ticket.Service
	users   *user.Service
	results *memo.Cache[results]
	// index answers large accounts' searches from memory (ticketIndex).
	index *ticketIndex
	// limit bounds one search's database work (see bounded).
	limit time.Duration
}

// NewService builds the search service.
func NewService(d *db.DB, c clock.Clock, tickets *ticket.Service, users *user.Service) *Service {
	return &Service{d: d, clock: c, tickets: tickets, users: users, results: newResults(c.Now),
		index: newTicketIndex(d, c.Now), limit: 30 * time.Second}
}

// bounded gives a search's database work at most s.limit, and turns
// running out of it into an error that says so. Without it a search whose
// plan went wrong held a PostgreSQL core for as long as the client waited
// (16 minutes, at a million tickets, before compiler.in was fixed).
func (s *Service) bounded(ctx context.Context, fn func(ctx context.Context) error) error {
	ctx, cancel := context.WithTimeout(ctx, s.limit)
	defer cancel()
	err := fn(ctx)
	if err != nil && errors.Is(ctx.Err(), context.DeadlineExceeded) {
		return errs.Ef(errs.Invalid, "The search took longer than %s and was stopped; narrow it with more words or filters.",
			s.limit).WithCode("invalid")
	}
	return err
}

// Limits of the search API.
const (
	// MaxResults is how deep /search may page: page × per_page ≤ 1000.
	MaxResults = 1000
	// MaxPerPage is the largest /search page.
	MaxPerPage = 100
	// MaxExportPage is the largest /search/export page.
	MaxExportPage = 1000
	// CursorTTL is how long an export cursor stays valid.
	CursorTTL = time.Hour
)

// Hit is one result: its type and id.
type Hit struct {
	Type ResultType
	ID   int64
}

// Request is one page of /search.
type Request struct {
	Query string
	// SortBy and SortOrder are the sort_by and sort_order parameters; an
	// order_by: or sort: directive in the query wins over them.
	SortBy, SortOrder string
	Page, PerPage     int
}

// Search returns one page of results and the total number of matches
// (agents). Errors: Unauthenticated, Forbidden, BadRequest "invalid" for a
// query that cannot run, Invalid "invalid" for a page beyond MaxResults.
//
// Results are ordered by sort_by (updated_at, created_at, commented_at,
// priority, status, ticket_type; desc unless sort_order=asc), ties by type
// (tickets, users, organizations, groups) and id. Without one the order
// stands in for Zendesk's relevance: most recently updated first. Under a
// ticket-only sort, tickets come first in that order, then other types.
func (s *Service) Search(ctx context.Context, r Request) ([]Hit, int64, error) {
	a, err := auth.RequireAgent(ctx)
	if err != nil {
		return nil, 0, err
	}
	if r.Page < 1 || r.PerPage < 1 || r.PerPage > MaxPerPage {
		return nil, 0, invalidf("page must be a positive integer and per_page between 1 and %d.", MaxPerPage)
	}
	if r.Page > MaxResults || r.Page*r.PerPage > MaxResults {
		return nil, 0, errs.Ef(errs.Invalid, "Requested response size was greater than Search Response Limits: at most %d results "+
			"can be paged through (page × per_page ≤ %d); narrow the query or use /api/v2/search/export.", MaxResults, MaxResults).
			WithCode("invalid")
	}
	q, err := parseQuery(r.Query)
	if err != nil {
		return nil, 0, err
	}
	so := sortOf(q, r.SortBy, r.SortOrder)
	p, err := s.compile(ctx, a, q, "", so)
	if err != nil || len(p.parts) == 0 {
		return nil, 0, err
	}
	// The hits are fetched as deep as the first shallowDepth results when
	// the page lies within them (the workspace's page, a client's first
	// page), else as deep as a client may page (MaxResults): a costly
	// search is then paged through from memory (see newResults). A walk
	// for 100 hits reads a tenth of the rows one for 1,000 does.
	depth := MaxResults
	if r.Page*r.PerPage <= shallowDepth {
		depth = shallowDepth
	}
	var hits []Hit
	var total int64
	var indexed bool
	err = s.bounded(ctx, func(ctx context.Context) (err error) {
		hits, total, indexed, err = s.indexSearch(ctx, a, q, p, so, depth)
		return err
	})
	if err != nil {
		return nil, 0, err
	}
	if indexed {
		from := min((r.Page-1)*r.PerPage, len(hits))
		to := min(from+r.PerPage, len(hits))
		return hits[from:to], total, nil
	}
	key := fmt.Sprintf("%d/%d/%s/%s/%t/%d/%s", a.AccountID, a.UserID, a.Permissions().TicketAccess, so.field, so.desc, depth, q.String())
	var res results
	err = s.bounded(ctx, func(ctx context.Context) (err error) {
		res, _, err = s.results.Get(ctx, key, s.searchLoader(a, p, depth))
		return err
	})
	if err != nil {
		return nil, 0, err
	}
	from := min((r.Page-1)*r.PerPage, len(res.hits))
	to := min(from+r.PerPage, len(res.hits))
	return res.hits[from:to], res.total, nil
}

// searchLoader finds one search's hits, as deep as depth, and its count.
func (s *Service) searchLoader(a auth.Actor, p plan, depth int) func(ctx context.Context) (results, error) {
	return func(ctx context.Context) (results, error) {
		var res results
		if p.fastSet().sql == "" {
			// One statement finds, counts and orders the matches: as two,
			// a word with a filter ("printer status<solved") was looked
			// up twice, 1.8 s to count and 1.6 s to order at a million
			// tickets.
			q, args := p.pageCountSQL(depth)
			hits, total, err := s.hitsAndCount(ctx, q, args)
			return results{hits: hits, total: total}, err
		}
		if err := s.d.Conn(ctx).QueryRowContext(ctx, p.countSQL(), p.args...).Scan(&res.total); err != nil {
			return results{}, fmt.Errorf("search: count: %w", err)
		}
		q2, args := p.pageSQL(depth, 0)
		if wq, wargs, ok := p.walkSQL(depth, 0); ok {
			n, err := maxTicketID(ctx, s.d, a.AccountID)
			if err != nil {
				return results{}, fmt.Errorf("search: tickets: %w", err)
			}
			if dense(s.d.Dialect, res.total, n, depth) {
				q2, args = wq, wargs
			} else {
				q2, args, _ = p.seekSQL(depth, 0)
			}
		}
		var err error
		res.hits, err = s.hits(ctx, q2, args)
		return res, err
	}
}

// shallowDepth is how deep the hits of a search for one of its first
// pages are fetched (see Search).
const shallowDepth = 100

// results are a search's ordered hits, as deep as Search fetched them,
// and its count.
type results struct {
	hits  []Hit
	total int64
}

// newResults keeps the results of searches with 1,000 matches or more that
// took 15 ms or more for 30 s, then refreshes them in the background for up to two minutes. At a
// million tickets a common word matches a third of them; counting and
// ordering those takes seconds, and a client paging through ten pages
// would pay that ten times. Zendesk's search lags too: "it can take up to
// a few minutes for new tickets to be indexed". Records are loaded afresh
// (Render), so a hit shows its current state and a deleted one is left out.
func newResults(now func() time.Time) *memo.Cache[results] {
	keep := func(r results, took time.Duration) bool { return r.total >= MaxResults && took >= 15*time.Millisecond }
	return &memo.Cache[results]{Keep: keep, TTL: 30 * time.Second, Stale: 2 * time.Minute,
		Max: 2000, Timeout: time.Minute, Now: now}
}

// Count returns the number of matches (agents).
func (s *Service) Count(ctx context.Context, query string) (int64, error) {
	a, err := auth.RequireAgent(ctx)
	if err != nil {
		return 0, err
	}
	q, err := parseQuery(query)
	if err != nil {
		return 0, err
	}
	p, err := s.compile(ctx, a, q, "", sortSpec{})
	if err != nil || len(p.parts) == 0 {
		return 0, err
	}
	var res results
	var indexed bool
	err = s.bounded(ctx, func(ctx context.Context) (err error) {
		res.total, indexed, err = s.indexCount(ctx, a, q)
		return err
	})
	if err != nil || indexed {
		return res.total, err
	}
	key := fmt.Sprintf("count/%d/%d/%s/%s", a.AccountID, a.UserID, a.Permissions().TicketAccess, q.String())
	err = s.bounded(ctx, func(ctx context.Context) (err error) {
		res, _, err = s.results.Get(ctx, key, func(ctx context.Context) (results, error) {
			var res results
			if err := s.d.Conn(ctx).QueryRowContext(ctx, p.countSQL(), p.args...).Scan(&res.total); err != nil {
				return results{}, fmt.Errorf("search: count: %w", err)
			}
			return res, nil
		})
		return err
	})
	return res.total, err
}

// ExportRequest is one page of /search/export.
type ExportRequest struct {
	Query string
	// Type is filter[type]: ticket, user, organization or group.
	Type string
	// Size is page[size], 1 to MaxExportPage.
	Size int
	// After is page[after]: the after_cursor of the previous page.
	After string
}

// ExportPage is one page of an export.
type ExportPage struct {
	Hits []Hit
	More bool
	// After continues after the last hit ("" when there are no hits).
	After string
}

// Export pages through every match of one type, oldest first (by
// created_at, then id), with a cursor that stays valid for CursorTTL
// (agents). The query may not hold type:.
func (s *Service) Export(ctx context.Context, r ExportRequest) (ExportPage, error) {
	a, err := auth.RequireAgent(ctx)
	if err != nil {
		return ExportPage{}, err
	}
	k, ok := kindOf(ResultType(r.Type))
	if !ok {
		return ExportPage{}, invalid("filter[type] is required: one of ticket, user, organization or group.")
	}
	if r.Size < 1 || r.Size > MaxExportPage {
		return ExportPage{}, invalidf("page[size] must be between 1 and %d.", MaxExportPage)
	}
	q, err := parseQuery(r.Query)
	if err != nil {
		return ExportPage{}, err
	}
	if q.ResultType != "" {
		return ExportPage{}, invalid("The type: keyword cannot be used with /search/export; use filter[type] instead.")
	}
	cur := cursor{T: r.Type, H: queryHash(r.Query)}
	if r.After != "" {
		if cur, err = s.decodeCursor(r.After, r.Type, r.Query); err != nil {
			return ExportPage{}, err
		}
	}
	p, err := s.compile(ctx, a, q, k.rt, sortSpec{})
	if err != nil {
		return ExportPage{}, err
	}
	var after *cursor
	if r.After != "" {
		after = &cur
	}
	query, args := p.exportSQL(after, r.Size+1)
	rows, err := s.d.Conn(ctx).QueryContext(ctx, query, args...)
	if err != nil {
		return ExportPage{}, fmt.Errorf("search: export: %w", err)
	}
	defer rows.Close()
	var page ExportPage
	var last cursor
	for rows.Next() {
		var id int64
		var created db.Time
		if err := rows.Scan(&id, &created); err != nil {
			return ExportPage{}, fmt.Errorf("search: export: %w", err)
		}
		if len(page.Hits) == r.Size {
			page.More = true
			break
		}
		page.Hits = append(page.Hits, Hit{Type: k.rt, ID: id})
		last = cursor{T: r.Type, H: cur.H, C: created.T.UTC().Format(time.RFC3339Nano), I: id}
	}
	if err := rows.Err(); err != nil {
		return ExportPage{}, fmt.Errorf("search: export: %w", err)
	}
	if len(page.Hits) > 0 {
		last.X = s.clock.Now().Unix()
		page.After = last.encode()
	}
	return page, nil
}

// parseQuery parses a query that must say something.
func parseQuery(s string) (Query, error) {
	if strings.TrimSpace(s) == "" {
		return Query{}, invalid("The query is empty; send query=<search terms>.")
	}
	return Parse(s)
}

func (s *Service) hits(ctx context.Context, q string, args []any) ([]Hit, error) {
	rows, err := s.d.Conn(ctx).QueryContext(ctx, q, args...)
	if err != nil {
		return nil, fmt.Errorf("search: %w", err)
	}
	defer rows.Close()
	var out []Hit
	for rows.Next() {
		var rank int
		var id int64
		if err := rows.Scan(&rank, &id); err != nil {
			return nil, fmt.Errorf("search: %w", err)
		}
		if rank >= 0 && rank < len(kinds) {
			out = append(out, Hit{Type: kinds[rank].rt, ID: id})
		}
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("search: %w", err)
	}
	return out, nil
}

// hitsAndCount runs a pageCountSQL query: the hits, and the number of all
// matches (0 when there are none).
func (s *Service) hitsAndCount(ctx context.Context, q string, args []any) ([]Hit, int64, error) {
	rows, err := s.d.Conn(ctx).QueryContext(ctx, q, args...)
	if err != nil {
		return nil, 0, fmt.Errorf("search: %w", err)
	}
	defer rows.Close()
	var out []Hit
	var total int64
	for rows.Next() {
		var rank int
		var id int64
		if err := rows.Scan(&rank, &id, &total); err != nil {
			return nil, 0, fmt.Errorf("search: %w", err)
		}
		if rank >= 0 && rank < len(kinds) {
			out = append(out, Hit{Type: kinds[rank].rt, ID: id})
		}
	}
	if err := rows.Err(); err != nil {
		return nil, 0, fmt.Errorf("search: %w", err)
	}
	return out, total, nil
}

// plan is a compiled search: one condition per result type that can match,
// sharing one argument list.
type plan struct {
	parts   []planPart
	args    []any
	sort    sortSpec
	dialect db.Dialect
}

type planPart struct {
	k     kind
	where string
	// textSet, when its sql is set, selects the ids of the tickets (live
	// or deleted) whose text matches, and the part's whole condition is
	// "live and in textSet" (see fastSet).
	textSet textSet
}

// fastSet is the ticket-id set of a plan that is one ticket part matching
// free text and nothing else (the commonest search, "printer"); its sql
// is "" for other plans. Such a plan is counted and ordered without
// looking up every matching ticket: at 100,000 tickets a word in a third
// of them took 110-200 ms to count and 150 ms to order that way (see
// countSQL and pageSQL).
func (p plan) fastSet() textSet {
	if len(p.parts) != 1 {
		return textSet{}
	}
	return p.parts[0].textSet
}

// maxTicketID is the account's highest ticket number, which (tickets are
// numbered per account from 1) is about how many it has: an index seek.
func maxTicketID(ctx context.Context, d *db.DB, accountID int64) (int64, error) {
	var n sql.NullInt64
	err := d.Conn(ctx).QueryRowContext(ctx, `SELECT max(id) FROM tickets WHERE account_id = $1`, accountID).Scan(&n)
	return n.Int64, err
}

// dense reports whether matches of an account's about n tickets are many
// enough that walking the tickets in sort order and keeping the matches
// finds a page of limit sooner than ordering all the matches: walking
// reads about limit*n/matches tickets, ordering looks up and sorts every
// match. On SQLite a walked ticket costs 0.3-0.75 µs (an index entry) and
// a match 8-12 µs, so walking wins when matches^2 >= limit*n/20 (at
// 100,000 tickets and limit 1,000: about 2,240 matches; "app", 2,978:
// 16 ms against 23 ms; "tablet", 566: 31 ms against 7 ms). On PostgreSQL
// a walked ticket costs about 3.5 µs (its row, then a probe of its search
// document) and a match about 15 µs (its row, read out of order), so
// walking wins when matches^2 >= limit*n/4 (at 100,000 tickets and limit
// 100: about 1,600 matches; "wifi", 3,076: 11 ms against 47 ms; "tablet",
// 566: 63 ms against 12 ms).
func dense(d db.Dialect, matches, n int64, limit int) bool {
	if d == db.Postgres {
		return matches > 0 && matches*matches*4 >= int64(limit)*n
	}
	return matches > 0 && matches*matches*20 >= int64(limit)*n
}

// sortSpec is the result order: a sort_by name and direction.
type sortSpec struct {
	field string
	desc  bool
}

var sortFields = map[string]bool{"updated_at": true, "created_at": true, "commented_at": true,
	"priority": true, "status": true, "ticket_type": true}

func sortOf(q Query, sortBy, sortOrder string) sortSpec {
	s := sortSpec{field: q.OrderBy, desc: true}
	if s.field == "" && sortFields[sortBy] {
		s.field = sortBy
	}
	if s.field == "" {
		s.field = "updated_at"
	}
	switch {
	case q.SortDesc != nil:
		s.desc = *q.SortDesc
	case strings.EqualFold(sortOrder, "asc"):
		s.desc = false
	}
	return s
}

// ticketSorts are the sort fields only tickets have. When other types can
// match as well, tickets come first in that order, then the other types.
var ticketSorts = map[string]bool{"commented_at": true, "priority": true, "status": true, "ticket_type": true}

// sortKey is the ORDER BY key of kind k for a sort field.
func sortKey(k kind, field string) string {
	a := k.alias
	if ticketSorts[field] && k.rt != ResultTicket {
		if field == "commented_at" {
			return a + ".updated_at"
		}
		return "0"
	}
	if k.rt == ResultTicket {
		switch field {
		case "commented_at":
			return "COALESCE((SELECT max(sc.created_at) FROM ticket_comments sc WHERE sc.account_id = $1" +
				" AND sc.ticket_id = t.id), t.created_at)"
		case "priority":
			return "CASE t.priority WHEN 'low' THEN 1 WHEN 'normal' THEN 2 WHEN 'high' THEN 3 WHEN 'urgent' THEN 4 ELSE 0 END"
		case "status":
			return "CASE t.status WHEN 'new' THEN 0 WHEN 'open' THEN 1 WHEN 'pending' THEN 2 WHEN 'hold' THEN 3" +
				" WHEN 'solved' THEN 4 WHEN 'closed' THEN 5 ELSE 6 END"
		case "ticket_type":
			return "CASE t.type WHEN 'question' THEN 1 WHEN 'incident' THEN 2 WHEN 'problem' THEN 3 WHEN 'task' THEN 4 ELSE 0 END"
		}
	}
	if field == "created_at" {
		return a + ".created_at"
	}
	return a + ".updated_at"
}

// union is the SELECT of every part: rt (the kind's rank), id and, with
// withKey, the sort group g (0, or 1 for non-tickets under a ticket-only
// sort) and the sort key k.
func (p plan) union(withKey bool) string {
	sel := make([]string, len(p.parts))
	for i, pp := range p.parts {
		cols := fmt.Sprintf("%d AS rt, %s.id AS id", pp.k.rank, pp.k.alias)
		if withKey {
			g := 0
			if ticketSorts[p.sort.field] && pp.k.rt != ResultTicket {
				g = 1
			}
			cols += fmt.Sprintf(", %d AS g, %s AS k", g, sortKey(pp.k, p.sort.field))
		}
		sel[i] = "SELECT " + cols + " FROM " + pp.k.table + " " + pp.k.alias + " WHERE " + pp.where
	}
	return strings.Join(sel, " UNION ALL ")
}

// countSQL counts the matches of p (its arguments are p.args). A fast
// plan counts its text set, less the deleted tickets in it (few, through
// a sparse index), instead of checking each match is live.
func (p plan) countSQL() string {
	if set := p.fastSet().sql; set != "" {
		return `SELECT count(*) FROM (` + set + `) s WHERE s.id NOT IN (SELECT d.id FROM tickets d WHERE d.account_id = $1 AND d.deleted_at IS NOT NULL)`
	}
	return `SELECT count(*) FROM (` + p.union(false) + `) r`
}

// walkSQL selects one page of a fast plan's matches by walking the live
// tickets in sort order (updated_at or created_at, an index) and keeping
// those in the text set. On SQLite the set is read once ("+t.id" keeps
// SQLite from seeking each member of the set instead); on PostgreSQL
// each walked ticket is probed (textSet.probe), so a set without a probe
// (a phrase's: every matching comment row) is not walked there: its walk
// and seek took 400-650 ms at 100,000 tickets, against 80-400 for the
// general page. Use it when the matches are dense (see dense); ok is
// false for other sorts and sets.
func (p plan) walkSQL(limit, offset int) (q string, args []any, ok bool) {
	set := p.fastSet()
	if p.dialect == db.Postgres {
		if set.probe == "" {
			return "", nil, false
		}
		return p.fastPage(limit, offset, `FROM tickets t WHERE %[1]s AND %[2]s`, set.probe)
	}
	return p.fastPage(limit, offset, `FROM tickets t WHERE %[1]s AND +t.id IN (%[2]s)`, set.sql)
}

// seekSQL is walkSQL's other half, for sparse matches: it reads the text
// set and looks up each of its tickets, then sorts them. CROSS JOIN fixes
// that loop order on SQLite; left to itself SQLite may walk the sort index
// over the whole account for a few thousand matches (a million tickets:
// 170-370 ms against 50 ms). PostgreSQL ignores it, so there the set is an
// array built first (an InitPlan), as in the general page.
func (p plan) seekSQL(limit, offset int) (q string, args []any, ok bool) {
	if p.dialect == db.Postgres {
		return p.fastPage(limit, offset, `FROM tickets t WHERE %[1]s AND t.id = ANY(ARRAY(%[2]s))`, p.fastSet().sql)
	}
	return p.fastPage(limit, offset, `FROM (%[2]s) s CROSS JOIN tickets t WHERE %[1]s AND t.id = s.id`, p.fastSet().sql)
}

// fastPage fills from (base condition %[1]s, the text set or its probe
// %[2]s) into a page query of a fast plan sorted by updated_at or
// created_at.
func (p plan) fastPage(limit, offset int, from, set string) (string, []any, bool) {
	if set == "" || (p.sort.field != "updated_at" && p.sort.field != "created_at") {
		return "", nil, false
	}
	args := append([]any(nil), p.args...)
	dir := "DESC"
	if !p.sort.desc {
		dir = "ASC"
	}
	k := p.parts[0].k
	head := fmt.Sprintf(`SELECT %d AS rt, t.id AS id `, k.rank)
	tail := fmt.Sprintf(` ORDER BY t.%s %s, t.id %s LIMIT %s OFFSET %s`, p.sort.field, dir, dir,
		db.Arg(&args, limit), db.Arg(&args, offset))
	return head + fmt.Sprintf(from, k.base, set) + tail, args, true
}

// pageSQL selects one page of p's matches as (rt, id) rows.
func (p plan) pageSQL(limit, offset int) (string, []any) {
	args := append([]any(nil), p.args...)
	dir := "DESC"
	if !p.sort.desc {
		dir = "ASC"
	}
	l, o := db.Arg(&args, limit), db.Arg(&args, offset)
	return `SELECT rt, id FROM (` + p.union(true) + `) r ORDER BY g ASC, k ` + dir + `, rt ASC, id ` + dir +
		` LIMIT ` + l + ` OFFSET ` + o, args
}

// pageCountSQL selects p's first limit matches as pageSQL does, each row
// with the number of all matches (count(*) OVER (), taken before LIMIT).
func (p plan) pageCountSQL(limit int) (string, []any) {
	args := append([]any(nil), p.args...)
	dir := "DESC"
	if !p.sort.desc {
		dir = "ASC"
	}
	return `SELECT rt, id, count(*) OVER () FROM (` + p.union(true) + `) r ORDER BY g ASC, k ` + dir + `, rt ASC, id ` + dir +
		` LIMIT ` + db.Arg(&args, limit), args
}

// exportSQL selects (id, created_at) of the single part of p after a
// cursor, oldest first.
func (p plan) exportSQL(after *cursor, limit int) (string, []any) {
	args := append([]any(nil), p.args...)
	k, where := p.parts[0].k, p.parts[0].where
	col := k.alias + ".created_at"
	if after != nil {
		at := db.Arg(&args, after.created())
		where += " AND " + col + " >= " + at + " AND (" + col + " > " + at + " OR (" + col + " = " + at + " AND " + k.alias + ".id > " + db.Arg(&args, after.I) + "))"
	}
	return `SELECT ` + k.alias + `.id, ` + col + ` FROM ` + k.table + ` ` + k.alias + ` WHERE ` + where +
		` ORDER BY ` + col + ` ASC, ` + k.alias + `.id ASC LIMIT ` + db.Arg(&args, limit), args
}

// staticKeys are the keys users and organizations know without looking at
// the account's custom fields.
var staticKeys = map[string]bool{"name": true, "notes": true, "details": true, "email": true, "role": true,
	"organization": true, "group": true, "tags": true, "phone": true, "external_id": true, "created": true,
	"updated": true}

// newCompiler is a compiler for a's searches, knowing the custom field
// keys q uses.
func (s *Service) newCompiler(ctx context.Context, a auth.Actor, q Query) (*compiler, error) {
	c := newCompiler(s.d.Dialect, a.AccountID, a.UserID, s.clock.Now())
	c.actor = a
	return c, s.fieldKeys(ctx, c, q)
}

// compile builds the plan for q, for type only or, when only is "", for
// the query's type: or every type.
func (s *Service) compile(ctx context.Context, a auth.Actor, q Query, only ResultType, so sortSpec) (plan, error) {
	c, err := s.newCompiler(ctx, a, q)
	if err != nil {
		return plan{}, err
	}
	rts := []ResultType{only}
	switch {
	case only != "":
	case q.ResultType != "":
		rts = []ResultType{q.ResultType}
	default:
		rts = []ResultType{ResultTicket, ResultUser, ResultOrganization, ResultGroup}
	}
	return s.compileTypes(ctx, c, q, rts, so)
}

// compileTypes builds the plan for q over the result types rts.
func (s *Service) compileTypes(ctx context.Context, c *compiler, q Query, rts []ResultType, so sortSpec) (plan, error) {
	var p plan
	var firstErr, valueErr error
	for _, rt := range rts {
		k, ok := kindOf(rt)
		if !ok {
			continue // topic: Parley has no help-center topics to search
		}
		if s.d.Dialect == db.Postgres {
			// A dry run counts the part's id sets: with two or more (and
			// few terms, so few sets to plan) they are written as joins
			// (see compiler.in).
			probe := *c
			probe.args, probe.sets = append([]any(nil), c.args...), 0
			_, _, _ = probe.whereSet(k, q.Terms)
			c.joins = probe.sets >= 2 && len(q.Terms) <= 4
		}
		w, set, err := c.whereSet(k, q.Terms)
		if err != nil {
			if firstErr == nil {
				firstErr = err
			}
			if _, isKey := isKeyError(err); !isKey && valueErr == nil {
				valueErr = err
			}
			continue
		}
		p.parts = append(p.parts, planPart{k: k, where: w, textSet: set})
	}
	if len(p.parts) == 0 {
		switch {
		case valueErr != nil:
			return plan{}, valueErr
		case len(rts) > 1 && firstErr != nil:
			ke, _ := isKeyError(firstErr)
			return plan{}, invalidf("%s is not a search keyword.", ke.key)
		case firstErr != nil:
			return plan{}, firstErr
		}
	}
	p.args = c.args
	p.sort = so
	p.dialect = s.d.Dialect
	return p, nil
}

// fieldKeys loads the account's user and organization custom field keys
// that the query uses as keys.
func (s *Service) fieldKeys(ctx context.Context, c *compiler, q Query) error {
	var keys []string
	seen := map[string]bool{}
	for _, t := range q.Terms {
		if p, ok := t.(Property); ok && !staticKeys[p.Key] && !seen[p.Key] {
			seen[p.Key] = true
			keys = append(keys, p.Key)
		}
	}
	if len(keys) == 0 {
		return nil
	}
	args := []any{c.account}
	rows, err := s.d.Conn(ctx).QueryContext(ctx, `SELECT resource, lower(key) FROM custom_field_defs WHERE account_id = $1
		AND resource IN ('user', 'organization') AND lower(key) IN (`+db.Placeholders(&args, keys)+`)`, args...)
	if err != nil {
		return fmt.Errorf("search: field keys: %w", err)
	}
	defer rows.Close()
	c.userFields, c.orgFields = map[string]bool{}, map[string]bool{}
	for rows.Next() {
		var res, key string
		if err := rows.Scan(&res, &key); err != nil {
			return fmt.Errorf("search: field keys: %w", err)
		}
		if res == user.ResourceUser {
			c.userFields[key] = true
		} else {
			c.orgFields[key] = true
		}
	}
	return rows.Err()
}

// cursor is the position of an export page, opaque to clients.
type cursor struct {
	T string `json:"t"` // filter[type]
	H string `json:"h"` // hash of the query it belongs to
	C string `json:"c"` // created_at of the last record, RFC 3339
	I int64  `json:"i"` // id of the last record
	X int64  `json:"x"` // when it was issued (unix seconds)
}

func queryHash(q string) string {
	sum := sha256.Sum256([]byte(q))
	return hex.EncodeToString(sum[:8])
}

func (c cursor) encode() string {
	b, _ := json.Marshal(c)
	return base64.URLEncoding.EncodeToString(b)
}

func (c cursor) created() time.Time {
	t, _ := time.Parse(time.RFC3339Nano, c.C)
	return t.UTC()
}

func (s *Service) decodeCursor(tok, typ, query string) (cursor, error) {
	var c cursor
	b, err := base64.URLEncoding.DecodeString(tok)
	if err != nil {
		if b, err = base64.StdEncoding.DecodeString(tok); err != nil {
			return c, invalid("page[after] is not a valid cursor.")
		}
	}
	if err := json.Unmarshal(b, &c); err != nil || c.I <= 0 {
		return c, invalid("page[after] is not a valid cursor.")
	}
	if _, err := time.Parse(time.RFC3339Nano, c.C); err != nil {
		return c, invalid("page[after] is not a valid cursor.")
	}
	if c.T != typ || c.H != queryHash(query) {
		return c, invalid("page[after] belongs to another export; send the same query and filter[type].")
	}
	if age := s.clock.Now().Sub(time.Unix(c.X, 0)); age > CursorTTL || age < -CursorTTL {
		return c, invalid("page[after] has expired; export cursors are valid for an hour. Start the export again.")
	}
	return c, nil
}
