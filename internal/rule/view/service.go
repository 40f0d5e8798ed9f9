package view

import (
	"context"
	"encoding/json"
	"strings"

	"parley/internal/auth"
	"parley/internal/platform/clock"
	"parley/internal/platform/db"
	"parley/internal/platform/errs"
	"parley/internal/platform/memo"
	"parley/internal/platform/opt"
	"parley/internal/rule"
	"parley/internal/rule/restrict"
	"parley/internal/ticket"
)

// MaxColumns is Zendesk's limit of columns in one view.
const MaxColumns = 10

// Tickets is what views need from the ticket room: loading the tickets
// a view selected (ticket.Service; agent context).
type Tickets interface {
	List(ctx context.Context, f ticket.Filter, p db.Page) ([]ticket.Ticket, int64, bool, error)
}

// Service holds the view rules.
type Service struct {
	d        *db.DB
	clock    clock.Clock
	tickets  Tickets
	catalogs Catalogs
	side     Sideloads
	counts   *memo.Cache[int64]
}

// NewService builds the view service.
func NewService(d *db.DB, c clock.Clock, tickets Tickets, catalogs Catalogs, side Sideloads) *Service {
	return &Service{d: d, clock: c, tickets: tickets, catalogs: catalogs, side: side, counts: newCounts(c.Now)}
}

// Filter narrows view lists.
type Filter struct {
	IDs     []int64
	Access  string // personal, shared, account
	Active  *bool
	GroupID int64
	// Query matches titles (case-insensitive substring).
	Query string
}

func (s *Service) where(a auth.Actor, f Filter, args *[]any) (string, error) {
	*args = append(*args, a.AccountID)
	w := `v.account_id = $1`
	if vis := restrict.Visible(Kind, "v.", a, args); vis != "" {
		w += ` AND ` + vis
	}
	acc, err := restrict.Access(f.Access, "v.")
	if err != nil {
		return "", err
	}
	if acc != "" {
		w += ` AND ` + acc
	}
	if len(f.IDs) > 0 {
		w += ` AND v.id IN (` + db.Placeholders(args, f.IDs) + `)`
	}
	if f.Active != nil {
		w += ` AND v.active = ` + db.Arg(args, *f.Active)
	}
	if f.GroupID != 0 {
		w += ` AND ` + restrict.InGroup(Kind, "v.", f.GroupID, args)
	}
	if q := strings.TrimSpace(f.Query); q != "" {
		w += ` AND lower(v.title) LIKE ` + db.Arg(args, "%"+db.LikeEscape(strings.ToLower(q))+"%") + ` ESCAPE '\'`
	}
	return w, nil
}

// List lists the views the agent may see. Offset pages also get the total.
func (s *Service) List(ctx context.Context, f Filter, p db.Page) ([]View, int64, bool, error) {
	a, err := auth.RequireAgent(ctx)
	if err != nil {
		return nil, 0, false, err
	}
	args := []any{}
	w, err := s.where(a, f, &args)
	if err != nil {
		return nil, 0, false, err
	}
	var total int64
	if !p.Keyset {
		if err := s.d.Conn(ctx).QueryRowContext(ctx, `SELECT count(*) FROM views v WHERE `+w, args...).Scan(&total); err != nil {
			return nil, 0, false, err
		}
	}
	p.Alias = "v."
	vs, err := s.queryViews(ctx, a.AccountID, `SELECT `+viewCols+` FROM views v WHERE `+w+p.Seek(&args)+p.OrderLimit(&args), args...)
	if err != nil {
		return nil, 0, false, err
	}
	vs, more := db.Finish(p, vs)
	return vs, total, more, nil
}

// Count counts the views the agent may see.
func (s *Service) Count(ctx context.Context, f Filter) (int64, error) {
	a, err := auth.RequireAgent(ctx)
	if err != nil {
		return 0, err
	}
	args := []any{}
	w, err := s.where(a, f, &args)
	if err != nil {
		return 0, err
	}
	var n int64
	err = s.d.Conn(ctx).QueryRowContext(ctx, `SELECT count(*) FROM views v WHERE `+w, args...).Scan(&n)
	return n, err
}

// Get returns one view the agent may see (NotFound otherwise).
func (s *Service) Get(ctx context.Context, id int64) (View, error) {
	a, err := auth.RequireAgent(ctx)
	if err != nil {
		return View{}, err
	}
	return s.visible(ctx, a, id)
}

func (s *Service) visible(ctx context.Context, a auth.Actor, id int64) (View, error) {
	args := []any{}
	w, err := s.where(a, Filter{IDs: []int64{id}}, &args)
	if err != nil {
		return View{}, err
	}
	vs, err := s.queryViews(ctx, a.AccountID, `SELECT `+viewCols+` FROM views v WHERE `+w, args...)
	if err != nil {
		return View{}, err
	}
	if len(vs) == 0 {
		return View{}, errs.NotFoundf("Not found")
	}
	return vs[0], nil
}

// manageable returns a view the agent may change: NotFound when they
// cannot see it, Forbidden when they can see but not manage it.
func (s *Service) manageable(ctx context.Context, a auth.Actor, id int64) (View, error) {
	v, err := s.visible(ctx, a, id)
	if err != nil {
		return View{}, err
	}
	if !restrict.CanManage(a, v.Restriction) {
		return View{}, errs.E(errs.Forbidden, "")
	}
	return v, nil
}

// Create makes a view. Admins create any view; agents only personal ones
// (a view without a restriction becomes theirs).
func (s *Service) Create(ctx context.Context, in Input) (View, error) {
	a, err := auth.RequireAgent(ctx)
	if err != nil {
		return View{}, err
	}
	cat, err := s.catalogs.Catalog(ctx, a.AccountID)
	if err != nil {
		return View{}, err
	}
	now := s.clock.Now()
	v := View{AccountID: a.AccountID, Active: true, CreatedAt: now, UpdatedAt: now,
		Conditions: rule.Conditions{All: []rule.Condition{}, Any: []rule.Condition{}},
		Output:     Output{Columns: []string{"status", "subject", "requester", "created", "type", "priority"}, SortBy: "nice_id", SortOrder: "desc"}}
	if err := s.apply(a, cat, &v, in, true); err != nil {
		return View{}, err
	}
	var id int64
	err = s.d.InTx(ctx, func(ctx context.Context) error {
		var err error
		id, err = s.insertView(ctx, v)
		return err
	})
	if err != nil {
		return View{}, err
	}
	return s.visible(ctx, a, id)
}

// Update changes a view; PUT replaces only the condition arrays it names.
func (s *Service) Update(ctx context.Context, id int64, in Input) (View, error) {
	a, err := auth.RequireAgent(ctx)
	if err != nil {
		return View{}, err
	}
	err = s.d.InTx(ctx, func(ctx context.Context) error {
		v, err := s.manageable(ctx, a, id)
		if err != nil {
			return err
		}
		cat, err := s.catalogs.Catalog(ctx, a.AccountID)
		if err != nil {
			return err
		}
		if err := s.apply(a, cat, &v, in, false); err != nil {
			return err
		}
		v.UpdatedAt = s.clock.Now()
		return s.saveView(ctx, v, in.Restriction.Set)
	})
	if err != nil {
		return View{}, err
	}
	return s.visible(ctx, a, id)
}

// Delete removes a view the agent may manage.
func (s *Service) Delete(ctx context.Context, id int64) error {
	return s.DestroyMany(ctx, []int64{id})
}

// DestroyMany removes several views, all or none.
func (s *Service) DestroyMany(ctx context.Context, ids []int64) error {
	a, err := auth.RequireAgent(ctx)
	if err != nil {
		return err
	}
	return s.d.InTx(ctx, func(ctx context.Context) error {
		for _, id := range ids {
			if _, err := s.manageable(ctx, a, id); err != nil {
				return err
			}
			if err := s.deleteView(ctx, a.AccountID, id); err != nil {
				return err
			}
		}
		return nil
	})
}

// Reposition is one entry of update_many: a view's position and active flag.
type Reposition struct {
	ID       opt.ID        `json:"id"`
	Position opt.Opt[int]  `json:"position"`
	Active   opt.Opt[bool] `json:"active"`
}

// UpdateMany changes the position and active flag of several views, all
// or none.
func (s *Service) UpdateMany(ctx context.Context, in []Reposition) ([]View, error) {
	a, err := auth.RequireAgent(ctx)
	if err != nil {
		return nil, err
	}
	var ids []int64
	err = s.d.InTx(ctx, func(ctx context.Context) error {
		for _, r := range in {
			v, err := s.manageable(ctx, a, int64(r.ID))
			if err != nil {
				return err
			}
			if !opt.PositionOK(r.Position) {
				return errs.Invalidf("position", "InvalidValue", "Position: must be between 0 and %d", opt.MaxPosition)
			}
			if r.Position.Has() {
				v.Position = r.Position.V
			}
			if r.Active.Has() {
				v.Active = r.Active.V
			}
			v.UpdatedAt = s.clock.Now()
			if err := s.saveView(ctx, v, false); err != nil {
				return err
			}
			ids = append(ids, v.ID)
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	out := make([]View, 0, len(ids))
	for _, id := range ids {
		v, err := s.visible(ctx, a, id)
		if err != nil {
			return nil, err
		}
		out = append(out, v)
	}
	return out, nil
}

// apply validates in and copies it onto v.
func (s *Service) apply(a auth.Actor, cat rule.Catalog, v *View, in Input, create bool) error {
	var val errs.Validation
	if in.Title.Set {
		v.Title = strings.TrimSpace(in.Title.V)
	}
	if v.Title == "" {
		val.Add("title", "BlankValue", "Title: cannot be blank")
	}
	if in.Description.Set {
		v.Description = in.Description.V
	}
	if in.Active.Has() {
		v.Active = in.Active.V
	}
	if in.Position.Has() {
		if !opt.PositionOK(in.Position) {
			val.Add("position", "InvalidValue", "Position: is out of range")
		}
		v.Position = in.Position.V
	}
	all, anyOf := in.All, in.Any
	if in.Conditions.Has() {
		if in.Conditions.V.All.Set {
			all = in.Conditions.V.All
		}
		if in.Conditions.V.Any.Set {
			anyOf = in.Conditions.V.Any
		}
	}
	if all.Set {
		v.Conditions.All = all.V
	}
	if anyOf.Set {
		v.Conditions.Any = anyOf.V
	}
	normalize(&v.Conditions)
	rule.ValidateConditions(rule.View, v.Conditions, cat, &val)
	if in.Output.Has() {
		applyOutput(&v.Output, in.Output.V, &val)
	}
	checkOutput(v.Output, cat, &val)
	if in.Restriction.Set {
		raw := json.RawMessage("null")
		if in.Restriction.Has() {
			raw = in.Restriction.V
		}
		v.Restriction = restrict.DecodeRestriction(raw, cat, &val)
	}
	if !a.IsAdmin() {
		switch {
		case create && !in.Restriction.Has():
			v.Restriction = restrict.Restriction{Type: restrict.RestrictUser, IDs: []int64{a.UserID}}
		case !restrict.CanManage(a, v.Restriction):
			return errs.E(errs.Forbidden, "Agents can only manage their personal views")
		}
	}
	return val.Err()
}

func applyOutput(o *Output, in OutputIn, val *errs.Validation) {
	if in.Columns.Set {
		cols := []string{}
		for _, raw := range in.Columns.V {
			id, ok := rawColumn(raw)
			if !ok {
				val.Add("output", "InvalidValue", "Columns: each column must be a column id")
				continue
			}
			cols = append(cols, id)
		}
		o.Columns = cols
	}
	if in.GroupBy.Set {
		o.GroupBy = in.GroupBy.V
	}
	if in.GroupOrder.Set {
		o.GroupOrder = strings.ToLower(in.GroupOrder.V)
	}
	if in.SortBy.Set {
		o.SortBy = in.SortBy.V
	}
	if in.SortOrder.Set {
		o.SortOrder = strings.ToLower(in.SortOrder.V)
	}
}

// rawColumn reads a column id given as "status", 360001, "360001" or
// {"id": ...}.
func rawColumn(raw json.RawMessage) (string, bool) {
	var s string
	if json.Unmarshal(raw, &s) == nil && s != "" {
		return s, true
	}
	var n int64
	if json.Unmarshal(raw, &n) == nil && n > 0 {
		return jsonInt(n), true
	}
	var o struct {
		ID json.RawMessage `json:"id"`
	}
	if json.Unmarshal(raw, &o) == nil && len(o.ID) > 0 && o.ID[0] != '{' {
		return rawColumn(o.ID)
	}
	return "", false
}

func jsonInt(n int64) string {
	b, _ := json.Marshal(n)
	return string(b)
}

func checkOutput(o Output, cat rule.Catalog, val *errs.Validation) {
	if len(o.Columns) > MaxColumns {
		val.Add("output", "TooLong", "Columns: a view can show at most 10 columns")
	}
	for _, c := range o.Columns {
		if _, ok := lookupColumn(c, cat); !ok {
			val.Add("output", "InvalidValue", "Columns: "+c+" is not a valid column")
		}
	}
	for _, s := range []struct{ name, id string }{{"group_by", o.GroupBy}, {"sort_by", o.SortBy}} {
		if s.id == "" {
			continue
		}
		c, ok := lookupColumn(s.id, cat)
		if !ok || c.expr == "" {
			val.Add("output", "InvalidValue", "Output: "+s.name+" "+s.id+" is not a sortable column")
		}
	}
	for _, ord := range []string{o.GroupOrder, o.SortOrder} {
		if ord != "" && ord != "asc" && ord != "desc" {
			val.Add("output", "InvalidValue", "Output: order must be asc or desc")
		}
	}
}
