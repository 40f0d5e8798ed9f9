package trigger

import (
	"context"
	"encoding/json"
	"log/slog"
	"slices"
	"strings"
	"sync"

	"parley/internal/auth"
	"parley/internal/platform/clock"
	"parley/internal/platform/db"
	"parley/internal/platform/errs"
	"parley/internal/platform/opt"
	"parley/internal/rule"
)

// Service holds the rules of triggers, categories and automations.
type Service struct {
	d       *db.DB
	clock   clock.Clock
	log     *slog.Logger
	tickets Tickets
	people  People

	notifier Notifier
	webhooks Webhooks
	sharer   Sharer
	catalog  CatalogSource
	queue    Enqueuer

	// cache holds parsed active triggers by id; an entry is reused only
	// while the row's revision is unchanged, so every node sees edits on
	// the next write without any invalidation message.
	mu    sync.Mutex
	cache map[int64]*compiled
	// orders holds each account's active triggers in run order, by the
	// revision of its rule list (activeTriggers).
	orders map[int64]runOrder
}

// NewService builds the service. tickets is used by automations; people
// gives the requester's role and locale to conditions (both may be nil in
// tests that do not need them).
func NewService(d *db.DB, c clock.Clock, log *slog.Logger, tickets Tickets, people People) *Service {
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	return &Service{d: d, clock: c, log: log, tickets: tickets, people: people, cache: map[int64]*compiled{},
		orders: map[int64]runOrder{}}
}

// SetNotifier sets who sends notification actions.
func (s *Service) SetNotifier(n Notifier) { s.notifier = n }

// SetWebhooks sets who calls notification_webhook actions.
func (s *Service) SetWebhooks(w Webhooks) { s.webhooks = w }

// SetSharer sets who runs share_ticket actions.
func (s *Service) SetSharer(sh Sharer) { s.sharer = sh }

// SetCatalog sets the account description used by validation and definitions.
func (s *Service) SetCatalog(c CatalogSource) { s.catalog = c }

// SetQueue sets the job queue the hourly automation job fans out on.
func (s *Service) SetQueue(q Enqueuer) { s.queue = q }

func (s *Service) catalogOf(ctx context.Context, accountID int64) (rule.Catalog, error) {
	if s.catalog == nil {
		return rule.Catalog{}, nil
	}
	return s.catalog.Catalog(ctx, accountID)
}

// --- rules (triggers and automations) ---

// Get returns one rule of kind (agents).
func (s *Service) Get(ctx context.Context, kind rule.Kind, id int64) (Rule, error) {
	a, err := auth.RequireAgent(ctx)
	if err != nil {
		return Rule{}, err
	}
	return s.ruleByID(ctx, a.AccountID, kind, id)
}

// List pages the rules of kind (agents). p.Sort must be whitelisted.
func (s *Service) List(ctx context.Context, kind rule.Kind, f Filter, p db.Page) ([]Rule, int64, bool, error) {
	a, err := auth.RequireAgent(ctx)
	if err != nil {
		return nil, 0, false, err
	}
	return s.listRules(ctx, a.AccountID, kind, f, p)
}

// Usage returns, for each rule id, how often it fired in the last hours.
func (s *Service) Usage(ctx context.Context, ids []int64, hours int64) (map[int64]int64, error) {
	a, err := auth.RequireAgent(ctx)
	if err != nil {
		return nil, err
	}
	return s.usage(ctx, a.AccountID, ids, hourOf(s.clock.Now())-hours+1)
}

// Create makes a trigger or automation (admins).
func (s *Service) Create(ctx context.Context, kind rule.Kind, in Input) (Rule, error) {
	a, err := auth.RequireAdmin(ctx)
	if err != nil {
		return Rule{}, err
	}
	var r Rule
	err = s.d.InTx(ctx, func(ctx context.Context) error {
		now := s.clock.Now()
		r = Rule{AccountID: a.AccountID, Kind: kind, Active: true, CreatedAt: now, UpdatedAt: now}
		if err := s.applyInput(ctx, &r, in, true); err != nil {
			return err
		}
		if !in.Position.Set {
			n, err := s.nextPosition(ctx, a.AccountID, kind, r.CategoryID)
			if err != nil {
				return err
			}
			r.Position = n
		}
		if err := s.insertRule(ctx, &r); err != nil {
			return db.Classify(err)
		}
		r.Revision = 1
		return s.insertRevision(ctx, r, a.UserID)
	})
	return r, err
}

// Update changes a rule (admins). Sending conditions, all, any or actions
// replaces both the conditions and the actions, as Zendesk does.
func (s *Service) Update(ctx context.Context, kind rule.Kind, id int64, in Input) (Rule, error) {
	a, err := auth.RequireAdmin(ctx)
	if err != nil {
		return Rule{}, err
	}
	var r Rule
	err = s.d.InTx(ctx, func(ctx context.Context) error {
		var err error
		if r, err = s.ruleByID(ctx, a.AccountID, kind, id); err != nil {
			return err
		}
		if err := s.applyInput(ctx, &r, in, false); err != nil {
			return err
		}
		r.UpdatedAt = s.clock.Now()
		if err := s.saveRule(ctx, &r); err != nil {
			return db.Classify(err)
		}
		return s.insertRevision(ctx, r, a.UserID)
	})
	return r, err
}

// Delete removes a rule (admins).
func (s *Service) Delete(ctx context.Context, kind rule.Kind, id int64) error {
	return s.DestroyMany(ctx, kind, []int64{id})
}

// DestroyMany removes several rules at once; any unknown id is 404 and
// nothing is removed.
func (s *Service) DestroyMany(ctx context.Context, kind rule.Kind, ids []int64) error {
	a, err := auth.RequireAdmin(ctx)
	if err != nil {
		return err
	}
	if len(ids) == 0 {
		return errs.E(errs.BadRequest, "param is missing or the value is empty: ids").WithCode("ParameterMissing")
	}
	ids = dedupe(ids)
	return s.d.InTx(ctx, func(ctx context.Context) error {
		rs, err := s.rulesByIDs(ctx, a.AccountID, kind, ids)
		if err != nil {
			return err
		}
		if len(rs) != len(ids) {
			return errs.NotFoundf("Not found")
		}
		return s.deleteRules(ctx, a.AccountID, ids)
	})
}

// UpdateMany changes position, active and category_id of several rules
// in one transaction and returns them.
func (s *Service) UpdateMany(ctx context.Context, kind rule.Kind, items []ManyItem) ([]Rule, error) {
	a, err := auth.RequireAdmin(ctx)
	if err != nil {
		return nil, err
	}
	out := make([]Rule, 0, len(items))
	err = s.d.InTx(ctx, func(ctx context.Context) error {
		now := s.clock.Now()
		for _, it := range items {
			r, err := s.ruleByID(ctx, a.AccountID, kind, int64(it.ID))
			if err != nil {
				return err
			}
			var v errs.Validation
			if it.Position.Set {
				if !opt.PositionOK(it.Position) || it.Position.Null {
					v.Add("position", "InvalidValue", "Position: must be a number between 0 and 1000000")
				}
				r.Position = it.Position.V
			}
			if it.Active.Has() {
				r.Active = it.Active.V
			}
			if it.CategoryID.Set && kind == rule.Trigger {
				if err := s.checkCategory(ctx, a.AccountID, int64(it.CategoryID.V), &v); err != nil {
					return err
				}
				r.CategoryID = int64(it.CategoryID.V)
			}
			if err := v.Err(); err != nil {
				return err
			}
			if kind == rule.Automation && r.Active {
				if err := s.checkDuplicate(ctx, r, &v); err != nil {
					return err
				}
				if err := v.Err(); err != nil {
					return err
				}
			}
			r.UpdatedAt = now
			if err := s.saveRule(ctx, &r); err != nil {
				return err
			}
			if err := s.insertRevision(ctx, r, a.UserID); err != nil {
				return err
			}
			out = append(out, r)
		}
		return nil
	})
	return out, err
}

// Reorder sets trigger positions to the order of ids, which must name every
// trigger; with more than one category Zendesk refuses (LimitOneCategory).
func (s *Service) Reorder(ctx context.Context, kind rule.Kind, ids []int64) ([]Rule, error) {
	a, err := auth.RequireAdmin(ctx)
	if err != nil {
		return nil, err
	}
	var out []Rule
	err = s.d.InTx(ctx, func(ctx context.Context) error {
		if kind == rule.Trigger {
			cats, _, _, err := s.listCategories(ctx, a.AccountID, db.Page{Limit: 2})
			if err != nil {
				return err
			}
			if len(cats) > 1 {
				return errs.E(errs.BadRequest, "Reorder is only possible when there is one trigger category; use trigger_categories/jobs").
					WithCode("LimitOneCategory")
			}
		}
		all, _, _, err := s.listRules(ctx, a.AccountID, kind, Filter{}, db.Page{Limit: 1 << 20})
		if err != nil {
			return err
		}
		uniq := dedupe(ids)
		if len(uniq) != len(ids) || len(ids) != len(all) {
			return errs.Invalidf("trigger_ids", "InvalidValue", "Trigger ids: must list every %s exactly once", kind)
		}
		byID := map[int64]Rule{}
		for _, r := range all {
			byID[r.ID] = r
		}
		now := s.clock.Now()
		for pos, id := range ids {
			r, ok := byID[id]
			if !ok {
				return errs.NotFoundf("Not found")
			}
			if r.Position != pos {
				r.Position, r.UpdatedAt = pos, now
				if err := s.saveRule(ctx, &r); err != nil {
					return err
				}
			}
			out = append(out, r)
		}
		return nil
	})
	return out, err
}

// Revisions pages the revisions of a trigger (agents).
func (s *Service) Revisions(ctx context.Context, kind rule.Kind, id int64, p db.Page) ([]Revision, int64, bool, error) {
	a, err := auth.RequireAgent(ctx)
	if err != nil {
		return nil, 0, false, err
	}
	if _, err := s.ruleByID(ctx, a.AccountID, kind, id); err != nil {
		return nil, 0, false, err
	}
	return s.listRevisions(ctx, a.AccountID, id, p)
}

// Revision returns one revision of a trigger (agents).
func (s *Service) Revision(ctx context.Context, kind rule.Kind, id, rid int64) (Revision, error) {
	a, err := auth.RequireAgent(ctx)
	if err != nil {
		return Revision{}, err
	}
	if _, err := s.ruleByID(ctx, a.AccountID, kind, id); err != nil {
		return Revision{}, err
	}
	return scanRevision(s.d.Conn(ctx).QueryRowContext(ctx, `SELECT id, rule_id, author_id, snapshot, created_at
		FROM trigger_revisions WHERE account_id = $1 AND rule_id = $2 AND id = $3`, a.AccountID, id, rid))
}

// Definitions describes the conditions and actions of kind (agents).
func (s *Service) Definitions(ctx context.Context, kind rule.Kind) (map[string]any, error) {
	a, err := auth.RequireAgent(ctx)
	if err != nil {
		return nil, err
	}
	cat, err := s.catalogOf(ctx, a.AccountID)
	if err != nil {
		return nil, err
	}
	return rule.Definitions(kind, cat), nil
}

// applyInput copies in onto r and validates the result.
func (s *Service) applyInput(ctx context.Context, r *Rule, in Input, create bool) error {
	var v errs.Validation
	if in.Title.Set {
		r.Title = strings.TrimSpace(in.Title.V)
		r.RawTitle = r.Title
	}
	if in.RawTitle.Has() && strings.TrimSpace(in.RawTitle.V) != "" {
		r.RawTitle = strings.TrimSpace(in.RawTitle.V)
		if !in.Title.Set {
			r.Title = r.RawTitle
		}
	}
	if in.Description.Set {
		r.Description = in.Description.V
	}
	if in.Active.Set {
		if in.Active.Null {
			v.Add("active", "InvalidValue", "Active: must be true or false")
		}
		r.Active = in.Active.V
	}
	if in.Position.Set {
		if in.Position.Null || !opt.PositionOK(in.Position) {
			v.Add("position", "InvalidValue", "Position: must be a number between 0 and 1000000")
		}
		r.Position = in.Position.V
	}
	if in.Conditions.Set || in.All.Set || in.Any.Set || in.Actions.Set {
		r.Conditions = rule.Conditions{All: in.Conditions.V.All, Any: in.Conditions.V.Any}
		if in.All.Set {
			r.Conditions.All = in.All.V
		}
		if in.Any.Set {
			r.Conditions.Any = in.Any.V
		}
		r.Actions = in.Actions.V
	}
	normalize(r)
	if r.Title == "" {
		v.Add("title", "BlankValue", "Title: cannot be blank")
	} else if len(r.Title) > 255 {
		v.Add("title", "TooLong", "Title: is too long (maximum is 255 characters)")
	}
	if len(r.Actions) == 0 {
		v.Add("actions", "BlankValue", "Actions: cannot be blank")
	}
	if len(r.Conditions.All)+len(r.Conditions.Any) == 0 {
		v.Add("conditions", "BlankValue", "Conditions: must have at least one condition")
	}
	if r.Kind == rule.Trigger {
		switch {
		case in.CategoryID.Set && !in.CategoryID.Null:
			r.CategoryID = int64(in.CategoryID.V)
			if err := s.checkCategory(ctx, r.AccountID, r.CategoryID, &v); err != nil {
				return err
			}
		case in.CategoryID.Set && in.CategoryID.Null:
			v.Add("category_id", "BlankValue", "Category: cannot be blank")
		case create || r.CategoryID == 0:
			id, err := s.defaultCategory(ctx, r.AccountID)
			if err != nil {
				return err
			}
			r.CategoryID = id
		}
	}
	if err := v.Err(); err != nil {
		return err
	}
	cat, err := s.catalogOf(ctx, r.AccountID)
	if err != nil {
		return err
	}
	rule.ValidateConditions(r.Kind, r.Conditions, cat, &v)
	rule.ValidateActions(r.Kind, r.Actions, cat, &v)
	if r.Kind == rule.Automation && v.Err() == nil {
		checkAutomation(*r, &v)
		if r.Active {
			if err := s.checkDuplicate(ctx, *r, &v); err != nil {
				return err
			}
		}
	}
	return v.Err()
}

func (s *Service) checkCategory(ctx context.Context, accountID, id int64, v *errs.Validation) error {
	if id <= 0 {
		v.Add("category_id", "InvalidValue", "Category: does not exist")
		return nil
	}
	_, err := s.categoryByID(ctx, accountID, id)
	if errs.Is(err, errs.NotFound) {
		v.Add("category_id", "InvalidValue", "Category: does not exist")
		return nil
	}
	return err
}

// defaultCategory is the first category; an account without any gets the
// standard "Notifications" category, so a trigger always has one.
func (s *Service) defaultCategory(ctx context.Context, accountID int64) (int64, error) {
	id, ok, err := s.firstCategory(ctx, accountID)
	if err != nil || ok {
		return id, err
	}
	now := s.clock.Now()
	c := Category{AccountID: accountID, Name: DefaultCategoryName, CreatedAt: now, UpdatedAt: now}
	if err := s.insertCategory(ctx, &c); err != nil {
		return 0, err
	}
	return c.ID, nil
}

// timeFields are the automation conditions that measure hours.
var timeFields = map[string]bool{"NEW": true, "OPEN": true, "PENDING": true, "HOLD": true, "SOLVED": true, "CLOSED": true,
	"assigned_at": true, "updated_at": true, "requester_updated_at": true, "assignee_updated_at": true,
	"due_date": true, "until_due_date": true, "created_at": true}

// anchorFields are the fields an automation's all conditions must check.
var anchorFields = map[string]bool{"status": true, "type": true, "group_id": true, "assignee_id": true, "requester_id": true,
	"custom_status_id": true}

// checkAutomation applies Zendesk's structural rules for automations.
func checkAutomation(r Rule, v *errs.Validation) {
	var hasTime, hasAnchor bool
	for _, c := range r.Conditions.All {
		hasTime = hasTime || timeFields[c.Field]
		hasAnchor = hasAnchor || anchorFields[c.Field]
	}
	for _, c := range r.Conditions.Any {
		if timeFields[c.Field] {
			v.Add("conditions", "InvalidValue", "Conditions: time based conditions are not allowed in any conditions")
			break
		}
	}
	if !hasTime {
		v.Add("conditions", "InvalidValue", "Conditions: an automation needs at least one time based condition in all conditions")
	}
	if !hasAnchor {
		v.Add("conditions", "InvalidValue",
			"Conditions: an automation needs a condition on status, type, group, assignee or requester in all conditions")
	}
	if !v.Has("conditions") && !rule.Nullifies(r.Conditions, r.Actions) {
		v.Add("base", "InvalidValue", "Automation must contain an action that nullifies one of its conditions")
	}
}

// checkDuplicate refuses an active automation identical to another one.
func (s *Service) checkDuplicate(ctx context.Context, r Rule, v *errs.Validation) error {
	active := true
	others, _, _, err := s.listRules(ctx, r.AccountID, rule.Automation, Filter{Active: &active}, db.Page{Limit: 1 << 20})
	if err != nil {
		return err
	}
	mine := canonical(r)
	for _, o := range others {
		if o.ID != r.ID && canonical(o) == mine {
			v.Add("base", "DuplicateValue", "Automation: another active automation ("+o.Title+") has the same conditions and actions")
			return nil
		}
	}
	return nil
}

func canonical(r Rule) string {
	normalize(&r)
	b, _ := json.Marshal([]any{r.Conditions, r.Actions})
	return string(b)
}

func dedupe(ids []int64) []int64 {
	out := make([]int64, 0, len(ids))
	for _, id := range ids {
		if !slices.Contains(out, id) {
			out = append(out, id)
		}
	}
	return out
}

// --- categories ---

// DefaultCategoryName is the category the default triggers live in.
const DefaultCategoryName = "Notifications"

// ListCategories pages the trigger categories (agents).
func (s *Service) ListCategories(ctx context.Context, p db.Page) ([]Category, int64, bool, error) {
	a, err := auth.RequireAgent(ctx)
	if err != nil {
		return nil, 0, false, err
	}
	return s.listCategories(ctx, a.AccountID, p)
}

// RuleCounts returns [active, inactive] trigger counts per category id.
func (s *Service) RuleCounts(ctx context.Context, ids []int64) (map[int64][2]int64, error) {
	a, err := auth.RequireAgent(ctx)
	if err != nil {
		return nil, err
	}
	return s.ruleCounts(ctx, a.AccountID, ids)
}

// GetCategory returns one category (agents).
func (s *Service) GetCategory(ctx context.Context, id int64) (Category, error) {
	a, err := auth.RequireAgent(ctx)
	if err != nil {
		return Category{}, err
	}
	return s.categoryByID(ctx, a.AccountID, id)
}

// CreateCategory makes a category (admins); without a position it goes last.
func (s *Service) CreateCategory(ctx context.Context, in CategoryInput) (Category, error) {
	a, err := auth.RequireAdmin(ctx)
	if err != nil {
		return Category{}, err
	}
	var c Category
	err = s.d.InTx(ctx, func(ctx context.Context) error {
		now := s.clock.Now()
		c = Category{AccountID: a.AccountID, CreatedAt: now, UpdatedAt: now}
		if err := applyCategory(&c, in); err != nil {
			return err
		}
		if !in.Position.Set {
			if err := s.d.Conn(ctx).QueryRowContext(ctx, `SELECT COALESCE(MAX(position), -1) + 1 FROM trigger_categories
				WHERE account_id = $1`, a.AccountID).Scan(&c.Position); err != nil {
				return err
			}
		}
		return s.insertCategory(ctx, &c)
	})
	return c, err
}

func applyCategory(c *Category, in CategoryInput) error {
	var v errs.Validation
	if in.Name.Set {
		c.Name = strings.TrimSpace(in.Name.V)
	}
	if c.Name == "" {
		v.Add("name", "BlankValue", "Name: cannot be blank")
	} else if len(c.Name) > 255 {
		v.Add("name", "TooLong", "Name: is too long (maximum is 255 characters)")
	}
	if in.Position.Set {
		if in.Position.Null || !opt.PositionOK(in.Position) {
			v.Add("position", "InvalidValue", "Position: must be a number between 0 and 1000000")
		}
		c.Position = in.Position.V
	}
	return v.Err()
}

// UpdateCategory renames or moves a category (admins).
func (s *Service) UpdateCategory(ctx context.Context, id int64, in CategoryInput) (Category, error) {
	a, err := auth.RequireAdmin(ctx)
	if err != nil {
		return Category{}, err
	}
	var c Category
	err = s.d.InTx(ctx, func(ctx context.Context) error {
		var err error
		if c, err = s.categoryByID(ctx, a.AccountID, id); err != nil {
			return err
		}
		if err := applyCategory(&c, in); err != nil {
			return err
		}
		c.UpdatedAt = s.clock.Now()
		return s.saveCategory(ctx, c)
	})
	return c, err
}

// DeleteCategory removes an empty category (admins); one holding triggers
// is refused with 400 CategoryNotEmpty.
func (s *Service) DeleteCategory(ctx context.Context, id int64) error {
	a, err := auth.RequireAdmin(ctx)
	if err != nil {
		return err
	}
	return s.d.InTx(ctx, func(ctx context.Context) error {
		if _, err := s.categoryByID(ctx, a.AccountID, id); err != nil {
			return err
		}
		var n int64
		if err := s.d.Conn(ctx).QueryRowContext(ctx, `SELECT count(*) FROM triggers WHERE account_id = $1 AND category_id = $2`,
			a.AccountID, id).Scan(&n); err != nil {
			return err
		}
		if n > 0 {
			return errs.E(errs.BadRequest, "Trigger category must be empty to be deleted; move or delete its triggers first").
				WithCode("CategoryNotEmpty")
		}
		_, err := s.d.Conn(ctx).ExecContext(ctx, `DELETE FROM trigger_categories WHERE account_id = $1 AND id = $2`, a.AccountID, id)
		return err
	})
}

// CategoryMove is one category position change of a batch job.
type CategoryMove struct {
	ID       opt.ID       `json:"id"`
	Position opt.Opt[int] `json:"position"`
}

// TriggerMove is one trigger position/category change of a batch job.
type TriggerMove struct {
	ID         opt.ID          `json:"id"`
	Position   opt.Opt[int]    `json:"position"`
	CategoryID opt.Opt[opt.ID] `json:"category_id"`
}

// CategoryJob applies a batch of category and trigger moves in one
// transaction (POST /trigger_categories/jobs); all or nothing.
func (s *Service) CategoryJob(ctx context.Context, cats []CategoryMove, trs []TriggerMove) ([]Category, []Rule, error) {
	a, err := auth.RequireAdmin(ctx)
	if err != nil {
		return nil, nil, err
	}
	outC, outT := []Category{}, []Rule{}
	err = s.d.InTx(ctx, func(ctx context.Context) error {
		now := s.clock.Now()
		for _, m := range cats {
			c, err := s.categoryByID(ctx, a.AccountID, int64(m.ID))
			if err != nil {
				return err
			}
			if m.Position.Set {
				if m.Position.Null || !opt.PositionOK(m.Position) {
					return errs.Invalidf("position", "InvalidValue", "Position: must be a number between 0 and 1000000")
				}
				c.Position, c.UpdatedAt = m.Position.V, now
				if err := s.saveCategory(ctx, c); err != nil {
					return err
				}
			}
			outC = append(outC, c)
		}
		for _, m := range trs {
			r, err := s.ruleByID(ctx, a.AccountID, rule.Trigger, int64(m.ID))
			if err != nil {
				return err
			}
			var v errs.Validation
			if m.Position.Set {
				if m.Position.Null || !opt.PositionOK(m.Position) {
					v.Add("position", "InvalidValue", "Position: must be a number between 0 and 1000000")
				}
				r.Position = m.Position.V
			}
			if m.CategoryID.Has() {
				if err := s.checkCategory(ctx, a.AccountID, int64(m.CategoryID.V), &v); err != nil {
					return err
				}
				r.CategoryID = int64(m.CategoryID.V)
			}
			if err := v.Err(); err != nil {
				return err
			}
			r.UpdatedAt = now
			if err := s.saveRule(ctx, &r); err != nil {
				return err
			}
			outT = append(outT, r)
		}
		return nil
	})
	return outC, outT, err
}
