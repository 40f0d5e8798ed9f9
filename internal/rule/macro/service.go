package macro

import (
	"context"
	"encoding/json"
	"sort"
	"strings"

	"parley/internal/auth"
	"parley/internal/platform/clock"
	"parley/internal/platform/db"
	"parley/internal/platform/errs"
	"parley/internal/platform/opt"
	"parley/internal/rule"
	"parley/internal/rule/restrict"
)

// Service holds the macro rules.
type Service struct {
	d        *db.DB
	clock    clock.Clock
	tickets  Tickets
	catalogs Catalogs
}

// NewService builds the macro service.
func NewService(d *db.DB, c clock.Clock, tickets Tickets, catalogs Catalogs) *Service {
	return &Service{d: d, clock: c, tickets: tickets, catalogs: catalogs}
}

// Filter narrows macro lists.
type Filter struct {
	IDs      []int64
	Access   string // personal, shared, account
	Active   *bool
	GroupID  int64
	Category string // the title prefix before "::"
	Query    string // title substring, case-insensitive
	// OnlyViewable limits admins to the macros they could apply as an
	// agent (unrestricted, their own and their groups').
	OnlyViewable bool
}

func (s *Service) where(a auth.Actor, f Filter, args *[]any) (string, error) {
	*args = append(*args, a.AccountID)
	w := `m.account_id = $1`
	vis := restrict.Visible(Kind, "m.", a, args)
	if f.OnlyViewable && a.IsAdmin() {
		vis = restrict.VisibleTo(Kind, "m.", a.AccountID, a.UserID, args)
	}
	if vis != "" {
		w += ` AND ` + vis
	}
	acc, err := restrict.Access(f.Access, "m.")
	if err != nil {
		return "", err
	}
	if acc != "" {
		w += ` AND ` + acc
	}
	if len(f.IDs) > 0 {
		w += ` AND m.id IN (` + db.Placeholders(args, f.IDs) + `)`
	}
	if f.Active != nil {
		w += ` AND m.active = ` + db.Arg(args, *f.Active)
	}
	if f.GroupID != 0 {
		w += ` AND ` + restrict.InGroup(Kind, "m.", f.GroupID, args)
	}
	if c := strings.TrimSpace(f.Category); c != "" {
		w += ` AND lower(m.title) LIKE ` + db.Arg(args, db.LikeEscape(strings.ToLower(c))+"::%") + ` ESCAPE '\'`
	}
	if q := strings.TrimSpace(f.Query); q != "" {
		w += ` AND lower(m.title) LIKE ` + db.Arg(args, "%"+db.LikeEscape(strings.ToLower(q))+"%") + ` ESCAPE '\'`
	}
	return w, nil
}

// List lists the macros the agent may see (admins: all of the account).
func (s *Service) List(ctx context.Context, f Filter, p db.Page) ([]Macro, int64, bool, error) {
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
		if err := s.d.Conn(ctx).QueryRowContext(ctx, `SELECT count(*) FROM macros m WHERE `+w, args...).Scan(&total); err != nil {
			return nil, 0, false, err
		}
	}
	p.Alias = "m."
	ms, err := s.queryMacros(ctx, a.AccountID, `SELECT `+macroCols+` FROM macros m WHERE `+w+p.Seek(&args)+p.OrderLimit(&args), args...)
	if err != nil {
		return nil, 0, false, err
	}
	ms, more := db.Finish(p, ms)
	return ms, total, more, nil
}

// Usage returns the usage counts of some macros.
func (s *Service) Usage(ctx context.Context, ids []int64) (map[int64]Usage, error) {
	a, err := auth.RequireAgent(ctx)
	if err != nil {
		return nil, err
	}
	return s.usage(ctx, a.AccountID, ids)
}

// Categories lists the categories of the visible macros: the part of a
// title before "::", sorted.
func (s *Service) Categories(ctx context.Context) ([]string, error) {
	a, err := auth.RequireAgent(ctx)
	if err != nil {
		return nil, err
	}
	args := []any{}
	w, err := s.where(a, Filter{}, &args)
	if err != nil {
		return nil, err
	}
	rows, err := s.d.Conn(ctx).QueryContext(ctx, `SELECT DISTINCT m.title FROM macros m WHERE `+w+` AND m.title LIKE '%::%'`, args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	seen := map[string]bool{}
	out := []string{}
	for rows.Next() {
		var t string
		if err := rows.Scan(&t); err != nil {
			return nil, err
		}
		c := strings.TrimSpace(t[:strings.Index(t, "::")])
		if c != "" && !seen[c] {
			seen[c] = true
			out = append(out, c)
		}
	}
	sort.Strings(out)
	return out, rows.Err()
}

// Get returns one macro the agent may see (NotFound otherwise).
func (s *Service) Get(ctx context.Context, id int64) (Macro, error) {
	a, err := auth.RequireAgent(ctx)
	if err != nil {
		return Macro{}, err
	}
	return s.visible(ctx, a, id)
}

func (s *Service) visible(ctx context.Context, a auth.Actor, id int64) (Macro, error) {
	args := []any{}
	w, err := s.where(a, Filter{IDs: []int64{id}}, &args)
	if err != nil {
		return Macro{}, err
	}
	ms, err := s.queryMacros(ctx, a.AccountID, `SELECT `+macroCols+` FROM macros m WHERE `+w, args...)
	if err != nil {
		return Macro{}, err
	}
	if len(ms) == 0 {
		return Macro{}, errs.NotFoundf("Not found")
	}
	return ms[0], nil
}

func (s *Service) manageable(ctx context.Context, a auth.Actor, id int64) (Macro, error) {
	m, err := s.visible(ctx, a, id)
	if err != nil {
		return Macro{}, err
	}
	if !restrict.CanManage(a, m.Restriction) {
		return Macro{}, errs.E(errs.Forbidden, "")
	}
	return m, nil
}

// Create makes a macro. Admins create any macro; agents only personal ones
// (a macro without a restriction becomes theirs).
func (s *Service) Create(ctx context.Context, in Input) (Macro, error) {
	a, err := auth.RequireAgent(ctx)
	if err != nil {
		return Macro{}, err
	}
	cat, err := s.catalogs.Catalog(ctx, a.AccountID)
	if err != nil {
		return Macro{}, err
	}
	now := s.clock.Now()
	m := Macro{AccountID: a.AccountID, Active: true, Position: 9999, Actions: []rule.Action{}, CreatedAt: now, UpdatedAt: now}
	if err := apply(a, cat, &m, in, true); err != nil {
		return Macro{}, err
	}
	var id int64
	err = s.d.InTx(ctx, func(ctx context.Context) error {
		var err error
		id, err = s.insertMacro(ctx, m)
		return err
	})
	if err != nil {
		return Macro{}, err
	}
	return s.visible(ctx, a, id)
}

// Update changes a macro; actions, when given, replace the list.
func (s *Service) Update(ctx context.Context, id int64, in Input) (Macro, error) {
	a, err := auth.RequireAgent(ctx)
	if err != nil {
		return Macro{}, err
	}
	err = s.d.InTx(ctx, func(ctx context.Context) error {
		m, err := s.manageable(ctx, a, id)
		if err != nil {
			return err
		}
		cat, err := s.catalogs.Catalog(ctx, a.AccountID)
		if err != nil {
			return err
		}
		if err := apply(a, cat, &m, in, false); err != nil {
			return err
		}
		m.UpdatedAt = s.clock.Now()
		return s.saveMacro(ctx, m, in.Restriction.Set)
	})
	if err != nil {
		return Macro{}, err
	}
	return s.visible(ctx, a, id)
}

// Delete removes a macro the agent may manage.
func (s *Service) Delete(ctx context.Context, id int64) error { return s.DestroyMany(ctx, []int64{id}) }

// DestroyMany removes several macros, all or none.
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
			if err := s.deleteMacro(ctx, a.AccountID, id); err != nil {
				return err
			}
		}
		return nil
	})
}

// UpdateMany changes the position and active flag of several macros, all
// or none.
func (s *Service) UpdateMany(ctx context.Context, in []Reposition) ([]Macro, error) {
	a, err := auth.RequireAgent(ctx)
	if err != nil {
		return nil, err
	}
	var ids []int64
	err = s.d.InTx(ctx, func(ctx context.Context) error {
		for _, r := range in {
			m, err := s.manageable(ctx, a, int64(r.ID))
			if err != nil {
				return err
			}
			if !opt.PositionOK(r.Position) {
				return errs.Invalidf("position", "InvalidValue", "Position: must be between 0 and %d", opt.MaxPosition)
			}
			if r.Position.Has() {
				m.Position = r.Position.V
			}
			if r.Active.Has() {
				m.Active = r.Active.V
			}
			m.UpdatedAt = s.clock.Now()
			if err := s.saveMacro(ctx, m, false); err != nil {
				return err
			}
			ids = append(ids, m.ID)
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	out := make([]Macro, 0, len(ids))
	for _, id := range ids {
		m, err := s.visible(ctx, a, id)
		if err != nil {
			return nil, err
		}
		out = append(out, m)
	}
	return out, nil
}

// apply validates in and copies it onto m.
func apply(a auth.Actor, cat rule.Catalog, m *Macro, in Input, create bool) error {
	var v errs.Validation
	if in.Title.Set {
		m.Title = strings.TrimSpace(in.Title.V)
	}
	if m.Title == "" {
		v.Add("title", "BlankValue", "Title: cannot be blank")
	}
	if in.Description.Set {
		m.Description = in.Description.Ptr()
	}
	if in.Active.Has() {
		m.Active = in.Active.V
	}
	if in.Position.Has() {
		if !opt.PositionOK(in.Position) {
			v.Add("position", "InvalidValue", "Position: is out of range")
		}
		m.Position = in.Position.V
	}
	if in.Actions.Set {
		m.Actions = in.Actions.V
		if m.Actions == nil {
			m.Actions = []rule.Action{}
		}
	}
	if len(m.Actions) == 0 {
		v.Add("actions", "BlankValue", "Actions: cannot be blank")
	}
	for _, ac := range m.Actions {
		if ac.Field == "status" {
			if s, _ := ac.Value.(string); s == "new" || s == "closed" {
				v.Add("actions", "InvalidValue", "Actions: a macro cannot set the status to "+s)
			}
		}
	}
	rule.ValidateActions(rule.Macro, m.Actions, cat, &v)
	if in.Restriction.Set {
		raw := json.RawMessage("null")
		if in.Restriction.Has() {
			raw = in.Restriction.V
		}
		m.Restriction = restrict.DecodeRestriction(raw, cat, &v)
	}
	if !a.IsAdmin() {
		switch {
		case create && !in.Restriction.Has():
			m.Restriction = restrict.Restriction{Type: restrict.RestrictUser, IDs: []int64{a.UserID}}
		case !restrict.CanManage(a, m.Restriction):
			return errs.E(errs.Forbidden, "Agents can only manage their personal macros")
		}
	}
	return v.Err()
}
