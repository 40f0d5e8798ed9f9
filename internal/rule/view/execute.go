package view

import (
	"context"
	"math"
	"slices"
	"strconv"

	"parley/internal/auth"
	"parley/internal/platform/db"
	"parley/internal/platform/errs"
	"parley/internal/platform/httpx"
	"parley/internal/rule"
	"parley/internal/rule/restrict"
	"parley/internal/ticket"
)

// Run says how to page through a view's tickets: the pagination and sort
// the request asked for (httpx.ParseList over Sorts), whether to order by
// the view's group first.
type Run struct {
	Page     db.Page
	SortKind httpx.ValueKind
	// Grouped orders by the view's group_by column before the sort (offset
	// pages only: a cursor keeps one ordering).
	Grouped bool
}

// Result is one page of a view's tickets, in order.
type Result struct {
	Tickets []ticket.Ticket
	facts   map[int64]facts
	Total   int64
	More    bool
	Keys    []db.Key
}

// Sorts lists the sortable columns of an account (custom fields too),
// for httpx.ParseList; aliases accept the ticket list sort names.
func Sorts(cat rule.Catalog) httpx.Sorts {
	out := httpx.Sorts{}
	for id, c := range columns {
		if c.expr != "" {
			out[id] = httpx.SortField{Column: c.expr, Kind: c.kind}
		}
	}
	for alias, id := range sortAliases {
		out[alias] = out[id]
	}
	for id := range cat.Fields {
		k := strconv.FormatInt(id, 10)
		c, _ := lookupColumn(k, cat)
		out[k] = httpx.SortField{Column: c.expr, Kind: c.kind}
	}
	return out
}

// Tickets runs a view the agent may see.
func (s *Service) Tickets(ctx context.Context, id int64, run Run) (View, Result, error) {
	a, err := auth.RequireAgent(ctx)
	if err != nil {
		return View{}, Result{}, err
	}
	v, err := s.visible(ctx, a, id)
	if err != nil {
		return View{}, Result{}, err
	}
	res, err := s.execute(ctx, a, v, run)
	return v, res, err
}

// Execute runs a view the caller already loaded with Get or built for a
// preview (agents).
func (s *Service) Execute(ctx context.Context, v View, run Run) (Result, error) {
	a, err := auth.RequireAgent(ctx)
	if err != nil {
		return Result{}, err
	}
	return s.execute(ctx, a, v, run)
}

// Preview runs unsaved conditions and output (POST /views/preview).
func (s *Service) Preview(ctx context.Context, in Input, run Run) (View, Result, error) {
	v, err := s.previewView(ctx, in)
	if err != nil {
		return View{}, Result{}, err
	}
	a := auth.ActorFrom(ctx)
	res, err := s.execute(ctx, a, v, run)
	return v, res, err
}

// PreviewCount counts the tickets of unsaved conditions.
func (s *Service) PreviewCount(ctx context.Context, in Input) (Count, error) {
	v, err := s.previewView(ctx, in)
	if err != nil {
		return Count{}, err
	}
	return s.count(ctx, auth.ActorFrom(ctx), v)
}

// previewView validates an unsaved view; the title is not required.
func (s *Service) previewView(ctx context.Context, in Input) (View, error) {
	a, err := auth.RequireAgent(ctx)
	if err != nil {
		return View{}, err
	}
	cat, err := s.catalogs.Catalog(ctx, a.AccountID)
	if err != nil {
		return View{}, err
	}
	if !in.Title.Has() {
		in.Title.Set, in.Title.V = true, "Preview"
	}
	in.Restriction.Set = false
	v := View{AccountID: a.AccountID, Active: true, Conditions: rule.Conditions{All: []rule.Condition{}, Any: []rule.Condition{}},
		Output:      Output{Columns: []string{"status", "subject", "requester", "created", "type", "priority"}, SortBy: "nice_id", SortOrder: "desc"},
		Restriction: restrict.Restriction{Type: restrict.RestrictUser, IDs: []int64{a.UserID}}}
	if err := s.apply(a, cat, &v, in, false); err != nil {
		return View{}, err
	}
	return v, nil
}

// CountTickets counts a visible view's tickets (an expensive count may
// come from the cache: see countcache.go).
func (s *Service) CountTickets(ctx context.Context, id int64) (Count, error) {
	a, err := auth.RequireAgent(ctx)
	if err != nil {
		return Count{}, err
	}
	v, err := s.visible(ctx, a, id)
	if err != nil {
		return Count{}, err
	}
	return s.count(ctx, a, v)
}

// Counts counts several visible views; ids the agent cannot see are
// left out, as Zendesk does.
func (s *Service) Counts(ctx context.Context, ids []int64) ([]View, []Count, error) {
	a, err := auth.RequireAgent(ctx)
	if err != nil {
		return nil, nil, err
	}
	var vs []View
	var ns []Count
	for _, id := range ids {
		v, err := s.visible(ctx, a, id)
		if errs.Is(err, errs.NotFound) {
			continue
		} else if err != nil {
			return nil, nil, err
		}
		n, err := s.count(ctx, a, v)
		if err != nil {
			return nil, nil, err
		}
		vs, ns = append(vs, v), append(ns, n)
	}
	return vs, ns, nil
}

// CountMany is Counts without freshness: what the workspace sidebar shows.
func (s *Service) CountMany(ctx context.Context, ids []int64) ([]View, []int64, error) {
	vs, cs, err := s.Counts(ctx, ids)
	ns := make([]int64, len(cs))
	for i, c := range cs {
		ns[i] = c.N
	}
	return vs, ns, err
}

// condition compiles the view's conditions for the agent: the live
// tickets of the account within the agent's custom role scope that match.
// args must be empty; $1 is the account.
func (s *Service) condition(ctx context.Context, a auth.Actor, v View, args *[]any) (string, error) {
	*args = append(*args, a.AccountID)
	o := rule.CompileOptions{Dialect: s.d.Dialect, Now: s.clock.Now(), CurrentUserID: a.UserID, AccountID: a.AccountID}
	if s.d.Dialect == db.SQLite {
		// PostgreSQL's planner knows how common each tag or value is and
		// picks the join order itself; SQLite's knows only the average.
		o.Few = func(set string, args []any) bool { return s.few(ctx, a.AccountID, set, args) }
	}
	sqlCond, err := rule.Compile(v.Conditions, o, args)
	if err != nil {
		if _, ok := err.(*errs.Error); ok {
			return "", err
		}
		return "", errs.Wrap(errs.Invalid, "The view's conditions cannot be run", err)
	}
	w := `t.account_id = $1 AND t.deleted_at IS NULL AND (` + sqlCond + `)`
	if scope := ticket.Scope(a, args); scope != "" {
		w += ` AND ` + scope
	}
	return w, nil
}

// few reports whether set (a sub-select of ticket ids, args its
// arguments) holds few enough tickets to start a view's count and page
// from them: fewLine for a page of 400, 10,000 at a million tickets. The
// walk fewLine weighs against is dearer here, a probe of ticket_tags or
// ticket_field_values per ticket: for the tag "adapter", on 5,873 of a
// million tickets, starting from the tag took 71 ms against 309 ms for a
// page of 100, and 42 ms against 576 ms for the count. The count stops
// past the line, so it costs at most about a millisecond.
func (s *Service) few(ctx context.Context, accountID int64, set string, args []any) bool {
	line, err := s.fewLine(ctx, accountID, 400)
	if err != nil {
		return false // the other plan gives the same tickets
	}
	args = append(args[:len(args):len(args)], line+1)
	var m int64
	if err := s.d.Conn(ctx).QueryRowContext(ctx, `SELECT count(*) FROM (`+set+` LIMIT $`+strconv.Itoa(len(args))+`) x`,
		args...).Scan(&m); err != nil {
		return false
	}
	return m <= line
}

// fewLine is sqrt(limit·n/4) for an account of about n tickets (its
// highest ticket number, an index seek): at most that many matches, a
// page of limit is found sooner by looking each match up (about 12 µs on
// SQLite at a million tickets) than by walking the sort order, which reads
// about limit·n/m tickets at 3 µs or more apiece. At a million tickets and
// a page of 30: an assignee's 9,631 unsolved tickets took 14 ms walked and
// 400 ms looked up and sorted; an organization's 97, 1.5 s and 0.2 s.
func (s *Service) fewLine(ctx context.Context, accountID int64, limit int) (int64, error) {
	var n int64
	err := s.d.Conn(ctx).QueryRowContext(ctx, `SELECT COALESCE(MAX(id), 0) FROM tickets WHERE account_id = $1`,
		accountID).Scan(&n)
	return int64(math.Sqrt(float64(limit) * float64(n) / 4)), err
}

func (s *Service) count(ctx context.Context, a auth.Actor, v View) (Count, error) {
	args := []any{}
	w, err := s.condition(ctx, a, v, &args)
	if err != nil {
		return Count{}, err
	}
	return s.countWhere(ctx, a, v, w, args)
}

// countWhere counts the view's tickets given its compiled condition, so
// that execute compiles it (and probes rare tags and values) once.
func (s *Service) countWhere(ctx context.Context, a auth.Actor, v View, w string, args []any) (Count, error) {
	args = slices.Clip(args) // the caller appends to its own copy
	return s.cachedCount(ctx, a, v, func(ctx context.Context) (int64, error) {
		var n int64
		err := s.d.Conn(ctx).QueryRowContext(ctx, `SELECT count(*) FROM tickets t WHERE `+w, args...).Scan(&n)
		return n, err
	})
}

func dir(desc bool) string {
	if desc {
		return " DESC"
	}
	return " ASC"
}

func (s *Service) execute(ctx context.Context, a auth.Actor, v View, run Run) (Result, error) {
	args := []any{}
	w, err := s.condition(ctx, a, v, &args)
	if err != nil {
		return Result{}, err
	}
	var res Result
	p := run.Page
	if !p.Keyset {
		n, err := s.countWhere(ctx, a, v, w, args)
		if err != nil {
			return Result{}, err
		}
		res.Total = n.N
	}
	if p.Sort == "(t.id)" || p.Sort == "" {
		p.Sort = "id"
	}
	p.Alias = "t."
	sortCol := "t.id"
	if p.Sort != "id" {
		sortCol = p.Sort
	}
	q := `SELECT t.id, ` + sortCol + `, t.requester_updated_at, t.assignee_updated_at, t.assigned_at FROM tickets t WHERE ` + w
	if p.Keyset {
		q += p.Seek(&args) + p.OrderLimit(&args)
	} else {
		// A view with few tickets (SQLite) is read through the index its
		// conditions use, then sorted: left to itself, SQLite walked the
		// sort's index over the whole account looking for them (an
		// organization's 97 unsolved tickets at a million: 1.5 s, and
		// 0.19-0.29 s this way). Unary + keeps an expression off an index
		// without changing its value or collation.
		key := func(expr string) string { return expr }
		if s.d.Dialect == db.SQLite {
			if line, err := s.fewLine(ctx, a.AccountID, p.Limit); err == nil && res.Total <= line {
				key = func(expr string) string { return "+(" + expr + ")" }
			}
		}
		order := ""
		if run.Grouped && v.Output.GroupBy != "" {
			cat, err := s.catalogs.Catalog(ctx, a.AccountID)
			if err != nil {
				return Result{}, err
			}
			if c, ok := lookupColumn(v.Output.GroupBy, cat); ok && c.expr != "" {
				order = key(c.expr) + dir(v.Output.GroupOrder == "desc") + ", "
			}
		}
		if p.Sort != "id" {
			order += key(p.Sort) + dir(p.Desc) + ", "
		}
		order += key("t.id") + dir(p.Desc)
		q += ` ORDER BY ` + order + ` LIMIT ` + db.Arg(&args, p.Limit) + ` OFFSET ` + db.Arg(&args, p.Offset)
	}
	rows, err := s.d.Conn(ctx).QueryContext(ctx, q, args...)
	if err != nil {
		return Result{}, err
	}
	type hit struct {
		id  int64
		key any
		f   facts
	}
	var hits []hit
	for rows.Next() {
		var h hit
		var ru, au, as db.Time
		var dst any
		var iv int64
		var sv string
		var tv db.Time
		switch {
		case p.Sort == "id":
			dst = &iv
		case run.SortKind == httpx.KindString:
			dst = &sv
		case run.SortKind == httpx.KindTime:
			dst = &tv
		default:
			dst = &iv
		}
		if err := rows.Scan(&h.id, dst, &ru, &au, &as); err != nil {
			rows.Close()
			return Result{}, err
		}
		switch x := dst.(type) {
		case *int64:
			h.key = *x
		case *string:
			h.key = *x
		case *db.Time:
			h.key = x.T
		}
		h.f = facts{requesterUpdated: ru.Ptr(), assigneeUpdated: au.Ptr(), assigned: as.Ptr()}
		hits = append(hits, h)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return Result{}, err
	}
	hits, res.More = db.Finish(p, hits)
	ids := make([]int64, len(hits))
	for i, h := range hits {
		ids[i] = h.id
	}
	byID := map[int64]ticket.Ticket{}
	if len(ids) > 0 {
		ts, _, _, err := s.tickets.List(ctx, ticket.Filter{IDs: ids}, db.Page{Limit: len(ids)})
		if err != nil {
			return Result{}, err
		}
		for _, t := range ts {
			byID[t.ID] = t
		}
	}
	res.facts = map[int64]facts{}
	for _, h := range hits {
		t, ok := byID[h.id]
		if !ok {
			continue // deleted between the two reads
		}
		res.Tickets = append(res.Tickets, t)
		res.facts[h.id] = h.f
		res.Keys = append(res.Keys, db.Key{V: h.key, ID: h.id})
	}
	return res, nil
}

// Order is a sort asked for instead of the view's own, with the
// semantics of sort_by and sort_order on /views/{id}/execute: an empty By
// keeps the view's sort and grouping; any By turns grouping off (one the
// view cannot sort by falls back to the view's sort); an empty Dir keeps
// the view's sort order.
type Order struct {
	By  string
	Dir string // "asc", "desc" or ""
}

// Page runs a visible view in its own order, or in o when given, one
// offset page of perPage tickets (page counts from 1): what the agent
// workspace lists.
func (s *Service) Page(ctx context.Context, id int64, page, perPage int, o Order) (View, Result, error) {
	a, err := auth.RequireAgent(ctx)
	if err != nil {
		return View{}, Result{}, err
	}
	v, err := s.visible(ctx, a, id)
	if err != nil {
		return View{}, Result{}, err
	}
	cat, err := s.catalogs.Catalog(ctx, a.AccountID)
	if err != nil {
		return View{}, Result{}, err
	}
	sorts := Sorts(cat)
	f, ok := sorts[o.By]
	if !ok {
		if f, ok = sorts[v.Output.SortBy]; !ok {
			f = sorts["nice_id"]
		}
	}
	desc := v.Output.SortOrder == "desc"
	if o.Dir != "" {
		desc = o.Dir == "desc"
	}
	page = max(page, 1)
	run := Run{Page: db.Page{Limit: perPage, Offset: (page - 1) * perPage, Sort: f.Column, Desc: desc},
		SortKind: f.Kind, Grouped: o.By == ""}
	res, err := s.execute(ctx, a, v, run)
	return v, res, err
}
