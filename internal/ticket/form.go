package ticket

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"time"

	"parley/internal/auth"
	"parley/internal/platform/db"
	"parley/internal/platform/errs"
	"parley/internal/platform/opt"
)

// Form is a ticket form: which fields a ticket shows, and conditions that
// show (and require) child fields when a parent field has a value.
type Form struct {
	ID                int64
	AccountID         int64
	Name              string
	DisplayName       string
	EndUserVisible    bool
	Position          int
	Active            bool
	Default           bool
	InAllBrands       bool
	FieldIDs          []int64
	AgentConditions   []Condition
	EndUserConditions []Condition
	CreatedAt         time.Time
	UpdatedAt         time.Time
}

// Condition shows child fields when the parent field has value.
type Condition struct {
	ParentFieldID int64        `json:"parent_field_id"`
	Value         any          `json:"value"`
	ChildFields   []ChildField `json:"child_fields"`
}

// ChildField is a field a condition shows, optionally required.
type ChildField struct {
	ID                 int64               `json:"id"`
	IsRequired         bool                `json:"is_required"`
	RequiredOnStatuses *RequiredOnStatuses `json:"required_on_statuses,omitempty"`
}

// RequiredOnStatuses narrows when a child field is required.
type RequiredOnStatuses struct {
	Type     string   `json:"type"`
	Statuses []string `json:"statuses,omitempty"`
}

// FormInput creates or changes a form.
type FormInput struct {
	Name              opt.Opt[string]      `json:"name"`
	DisplayName       opt.Opt[string]      `json:"display_name"`
	EndUserVisible    opt.Opt[bool]        `json:"end_user_visible"`
	Position          opt.Opt[int]         `json:"position"`
	Active            opt.Opt[bool]        `json:"active"`
	Default           opt.Opt[bool]        `json:"default"`
	InAllBrands       opt.Opt[bool]        `json:"in_all_brands"`
	TicketFieldIDs    opt.Opt[[]int64]     `json:"ticket_field_ids"`
	AgentConditions   opt.Opt[[]Condition] `json:"agent_conditions"`
	EndUserConditions opt.Opt[[]Condition] `json:"end_user_conditions"`
}

const formCols = `id, account_id, name, display_name, end_user_visible, position, active, is_default, in_all_brands,
	ticket_field_ids, agent_conditions, end_user_conditions, created_at, updated_at`

func scanForm(row interface{ Scan(...any) error }) (Form, error) {
	var f Form
	var ids, ac, ec string
	var ca, ua db.Time
	err := row.Scan(&f.ID, &f.AccountID, &f.Name, &f.DisplayName, &f.EndUserVisible, &f.Position, &f.Active, &f.Default,
		&f.InAllBrands, &ids, &ac, &ec, &ca, &ua)
	if errors.Is(err, sql.ErrNoRows) {
		return f, errs.NotFoundf("Not found")
	}
	if err != nil {
		return f, err
	}
	f.CreatedAt, f.UpdatedAt = ca.T, ua.T
	f.FieldIDs, f.AgentConditions, f.EndUserConditions = []int64{}, []Condition{}, []Condition{}
	for _, x := range []struct {
		s string
		v any
	}{{ids, &f.FieldIDs}, {ac, &f.AgentConditions}, {ec, &f.EndUserConditions}} {
		if err := json.Unmarshal([]byte(x.s), x.v); err != nil {
			return f, err
		}
	}
	return f, nil
}

func (s *Service) loadForms(ctx context.Context, accountID int64) ([]Form, error) {
	rows, err := s.d.Conn(ctx).QueryContext(ctx, `SELECT `+formCols+` FROM ticket_forms WHERE account_id = $1 ORDER BY position, id`, accountID)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []Form
	for rows.Next() {
		f, err := scanForm(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, f)
	}
	return out, rows.Err()
}

func (s *Service) form(ctx context.Context, accountID, id int64) (Form, error) {
	c, err := s.config(ctx, accountID)
	if err != nil {
		return Form{}, err
	}
	for _, f := range c.forms {
		if f.ID == id {
			return f, nil
		}
	}
	return Form{}, errs.NotFoundf("Not found")
}

// bootstrapForm creates the default form with the system fields.
func (s *Service) bootstrapForm(ctx context.Context, accountID int64) error {
	var n int
	if err := s.d.Conn(ctx).QueryRowContext(ctx, `SELECT count(*) FROM ticket_forms WHERE account_id = $1`, accountID).Scan(&n); err != nil || n > 0 {
		return err
	}
	fs, err := s.fields(ctx, accountID)
	if err != nil {
		return err
	}
	ids := []int64{}
	for _, f := range fs {
		ids = append(ids, f.ID)
	}
	b, _ := json.Marshal(ids)
	now := s.clock.Now()
	_, err = s.d.Conn(ctx).ExecContext(ctx, `INSERT INTO ticket_forms (account_id, name, display_name, end_user_visible, position,
		active, is_default, in_all_brands, ticket_field_ids, agent_conditions, end_user_conditions, created_at, updated_at)
		VALUES ($1, 'Default Ticket Form', 'Default Ticket Form', TRUE, 0, TRUE, TRUE, TRUE, $2, '[]', '[]', $3, $3)`,
		accountID, string(b), now)
	return err
}

// ListForms lists forms: agents all, end users the active end-user-visible ones.
func (s *Service) ListForms(ctx context.Context, ids []int64) ([]Form, error) {
	a, err := auth.RequireUser(ctx)
	if err != nil {
		return nil, err
	}
	all, err := s.forms(ctx, a.AccountID)
	if err != nil {
		return nil, err
	}
	want := map[int64]bool{}
	for _, id := range ids {
		want[id] = true
	}
	out := all[:0:0]
	for _, f := range all {
		if len(ids) > 0 && !want[f.ID] {
			continue
		}
		if !a.IsAgent() && (!f.Active || !f.EndUserVisible) {
			continue
		}
		out = append(out, f)
	}
	return out, nil
}

// GetForm returns one form.
func (s *Service) GetForm(ctx context.Context, id int64) (Form, error) {
	fs, err := s.ListForms(ctx, []int64{id})
	if err != nil {
		return Form{}, err
	}
	if len(fs) == 0 {
		return Form{}, errs.NotFoundf("Not found")
	}
	return fs[0], nil
}

// validateForm checks field ids and conditions against the account's fields.
func (s *Service) validateForm(ctx context.Context, accountID int64, f Form, v *errs.Validation) error {
	if f.Position < 0 || f.Position > opt.MaxPosition {
		v.Add("position", "InvalidValue", "Position: must be between 0 and 1000000")
	}
	fs, err := s.fields(ctx, accountID)
	if err != nil {
		return err
	}
	byID := map[int64]Field{}
	for _, fd := range fs {
		byID[fd.ID] = fd
	}
	onForm := map[int64]bool{}
	for _, id := range f.FieldIDs {
		if _, ok := byID[id]; !ok {
			v.Add("ticket_field_ids", "InvalidValue", fmt.Sprintf("Ticket field %d does not exist", id))
		}
		onForm[id] = true
	}
	for _, group := range [][]Condition{f.AgentConditions, f.EndUserConditions} {
		for _, c := range group {
			parent, ok := byID[c.ParentFieldID]
			if !ok || !onForm[c.ParentFieldID] {
				v.Add("agent_conditions", "InvalidValue", fmt.Sprintf("Condition parent field %d is not on the form", c.ParentFieldID))
				continue
			}
			if parent.Type != "checkbox" && parent.Type != "tagger" && parent.Type != "multiselect" && !parent.System() {
				v.Add("agent_conditions", "InvalidValue", fmt.Sprintf("Field %d cannot be a condition parent (use a checkbox or dropdown)", parent.ID))
			}
			for _, ch := range c.ChildFields {
				if !onForm[ch.ID] || ch.ID == c.ParentFieldID {
					v.Add("agent_conditions", "InvalidValue", fmt.Sprintf("Condition child field %d is not on the form", ch.ID))
				}
			}
		}
	}
	return nil
}

func (s *Service) writeForm(ctx context.Context, f Form, create bool) (int64, error) {
	ids, _ := json.Marshal(f.FieldIDs)
	ac, _ := json.Marshal(f.AgentConditions)
	ec, _ := json.Marshal(f.EndUserConditions)
	now := s.clock.Now()
	c := s.d.Conn(ctx)
	if f.Default {
		if _, err := c.ExecContext(ctx, `UPDATE ticket_forms SET is_default = FALSE WHERE account_id = $1 AND id <> $2`, f.AccountID, f.ID); err != nil {
			return 0, err
		}
	}
	if create {
		var id int64
		err := c.QueryRowContext(ctx, `INSERT INTO ticket_forms (account_id, name, display_name, end_user_visible, position, active,
			is_default, in_all_brands, ticket_field_ids, agent_conditions, end_user_conditions, created_at, updated_at)
			VALUES ($1,$2,$3,$4,$5,$6,$7,$8,$9,$10,$11,$12,$12) RETURNING id`, f.AccountID, f.Name, f.DisplayName, f.EndUserVisible,
			f.Position, f.Active, f.Default, f.InAllBrands, string(ids), string(ac), string(ec), now).Scan(&id)
		return id, err
	}
	_, err := c.ExecContext(ctx, `UPDATE ticket_forms SET name = $1, display_name = $2, end_user_visible = $3, position = $4,
		active = $5, is_default = $6, in_all_brands = $7, ticket_field_ids = $8, agent_conditions = $9, end_user_conditions = $10,
		updated_at = $11 WHERE account_id = $12 AND id = $13`, f.Name, f.DisplayName, f.EndUserVisible, f.Position, f.Active,
		f.Default, f.InAllBrands, string(ids), string(ac), string(ec), now, f.AccountID, f.ID)
	return f.ID, err
}

func applyForm(f *Form, in FormInput) {
	if in.Name.Set {
		f.Name = strings.TrimSpace(in.Name.V)
		if !in.DisplayName.Set {
			f.DisplayName = f.Name
		}
	}
	if in.DisplayName.Set {
		f.DisplayName = in.DisplayName.V
	}
	if in.EndUserVisible.Has() {
		f.EndUserVisible = in.EndUserVisible.V
	}
	if in.Position.Has() && opt.PositionOK(in.Position) {
		f.Position = in.Position.V
	}
	if in.Active.Has() {
		f.Active = in.Active.V
	}
	if in.Default.Has() {
		f.Default = in.Default.V
	}
	if in.InAllBrands.Has() {
		f.InAllBrands = in.InAllBrands.V
	}
	if in.TicketFieldIDs.Set {
		f.FieldIDs = append([]int64{}, in.TicketFieldIDs.V...)
	}
	if in.AgentConditions.Set {
		f.AgentConditions = append([]Condition{}, in.AgentConditions.V...)
	}
	if in.EndUserConditions.Set {
		f.EndUserConditions = append([]Condition{}, in.EndUserConditions.V...)
	}
}

// CreateForm adds a form (admins).
func (s *Service) CreateForm(ctx context.Context, in FormInput) (Form, error) {
	a, err := auth.RequireAdmin(ctx)
	if err != nil {
		return Form{}, err
	}
	f := Form{AccountID: a.AccountID, Active: true, EndUserVisible: true, InAllBrands: true, Position: 9999,
		FieldIDs: []int64{}, AgentConditions: []Condition{}, EndUserConditions: []Condition{}}
	applyForm(&f, in)
	var id int64
	if !opt.PositionOK(in.Position) {
		return Form{}, errs.Invalidf("position", "InvalidValue", "Position: must be between 0 and 1000000")
	}
	err = s.d.InTx(ctx, func(ctx context.Context) error {
		var v errs.Validation
		if f.Name == "" {
			v.Add("name", "BlankValue", "Name: cannot be blank")
		}
		if err := s.validateForm(ctx, a.AccountID, f, &v); err != nil {
			return err
		}
		if err := v.Err(); err != nil {
			return err
		}
		var err error
		id, err = s.writeForm(ctx, f, true)
		return err
	})
	if err != nil {
		return Form{}, err
	}
	return s.GetForm(ctx, id)
}

// UpdateForm changes a form (admins). The default form stays active.
func (s *Service) UpdateForm(ctx context.Context, id int64, in FormInput) (Form, error) {
	a, err := auth.RequireAdmin(ctx)
	if err != nil {
		return Form{}, err
	}
	err = s.d.InTx(ctx, func(ctx context.Context) error {
		f, err := s.form(ctx, a.AccountID, id)
		if err != nil {
			return err
		}
		wasDefault := f.Default
		if !opt.PositionOK(in.Position) {
			return errs.Invalidf("position", "InvalidValue", "Position: must be between 0 and 1000000")
		}
		applyForm(&f, in)
		var v errs.Validation
		if f.Name == "" {
			v.Add("name", "BlankValue", "Name: cannot be blank")
		}
		if wasDefault && !f.Default {
			v.Add("default", "InvalidValue", "Default: make another form the default instead")
		}
		if f.Default && !f.Active {
			v.Add("active", "InvalidValue", "Active: the default form cannot be deactivated")
		}
		if err := s.validateForm(ctx, a.AccountID, f, &v); err != nil {
			return err
		}
		if err := v.Err(); err != nil {
			return err
		}
		_, err = s.writeForm(ctx, f, false)
		return err
	})
	if err != nil {
		return Form{}, err
	}
	return s.GetForm(ctx, id)
}

// DeleteForm removes a form (admins); the default form cannot be deleted
// and tickets on it lose their form.
func (s *Service) DeleteForm(ctx context.Context, id int64) error {
	a, err := auth.RequireAdmin(ctx)
	if err != nil {
		return err
	}
	return s.d.InTx(ctx, func(ctx context.Context) error {
		f, err := s.form(ctx, a.AccountID, id)
		if err != nil {
			return err
		}
		if f.Default {
			return errs.Invalidf("base", "InvalidValue", "The default ticket form cannot be deleted")
		}
		if _, err := s.d.Conn(ctx).ExecContext(ctx, `UPDATE tickets SET ticket_form_id = NULL WHERE account_id = $1 AND ticket_form_id = $2`,
			a.AccountID, id); err != nil {
			return err
		}
		_, err = s.d.Conn(ctx).ExecContext(ctx, `DELETE FROM ticket_forms WHERE account_id = $1 AND id = $2`, a.AccountID, id)
		return err
	})
}

// CloneForm copies a form under a new name (admins).
func (s *Service) CloneForm(ctx context.Context, id int64) (Form, error) {
	a, err := auth.RequireAdmin(ctx)
	if err != nil {
		return Form{}, err
	}
	f, err := s.form(ctx, a.AccountID, id)
	if err != nil {
		return Form{}, err
	}
	return s.CreateForm(ctx, FormInput{Name: opt.Of(f.Name + " (clone)"), EndUserVisible: opt.Of(f.EndUserVisible),
		Active: opt.Of(f.Active), InAllBrands: opt.Of(f.InAllBrands), TicketFieldIDs: opt.Of(f.FieldIDs),
		AgentConditions: opt.Of(f.AgentConditions), EndUserConditions: opt.Of(f.EndUserConditions)})
}

// ReorderForms sets positions from the order of ids (admins).
func (s *Service) ReorderForms(ctx context.Context, ids []int64) error {
	a, err := auth.RequireAdmin(ctx)
	if err != nil {
		return err
	}
	return s.d.InTx(ctx, func(ctx context.Context) error {
		for i, id := range ids {
			res, err := s.d.Conn(ctx).ExecContext(ctx, `UPDATE ticket_forms SET position = $1 WHERE account_id = $2 AND id = $3`, i, a.AccountID, id)
			if err != nil {
				return err
			}
			if n, _ := res.RowsAffected(); n == 0 {
				return errs.Invalidf("ticket_form_ids", "InvalidValue", "Ticket form %d does not exist", id)
			}
		}
		return nil
	})
}

// conditionMet reports whether a ticket's parent field value satisfies a
// condition.
func conditionMet(val any, want any) bool {
	switch x := val.(type) {
	case bool:
		b, _ := want.(bool)
		return x == b
	case string:
		w, _ := want.(string)
		return x == w
	case []any:
		w, _ := want.(string)
		for _, it := range x {
			if it == w {
				return true
			}
		}
	case []string:
		w, _ := want.(string)
		for _, it := range x {
			if it == w {
				return true
			}
		}
	}
	return false
}

// checkFormConditions enforces the form's required conditional fields
// when a ticket is solved: a child field that a met condition marks
// required must have a value.
func (s *Service) checkFormConditions(ctx context.Context, t *Ticket, v *errs.Validation) error {
	if t.TicketFormID == nil {
		return nil
	}
	f, err := s.form(ctx, t.AccountID, *t.TicketFormID)
	if errs.Is(err, errs.NotFound) {
		v.Add("ticket_form_id", "InvalidValue", "Ticket form: does not exist")
		return nil
	}
	if err != nil {
		return err
	}
	if !f.Active {
		v.Add("ticket_form_id", "InvalidValue", "Ticket form: is not active")
		return nil
	}
	if t.Status != "solved" && t.Status != "closed" {
		return nil
	}
	for _, c := range f.AgentConditions {
		if !conditionMet(t.Fields[c.ParentFieldID], c.Value) {
			continue
		}
		for _, ch := range c.ChildFields {
			if !ch.IsRequired {
				continue
			}
			if _, ok := t.Fields[ch.ID]; !ok {
				v.Add(fmt.Sprintf("custom_fields.%d", ch.ID), "BlankValue",
					fmt.Sprintf("Field %d: is required by the form's conditions when solving", ch.ID))
			}
		}
	}
	return nil
}

func (s *Service) defaultFormID(ctx context.Context, accountID int64) (int64, bool, error) {
	c, err := s.config(ctx, accountID)
	if err != nil {
		return 0, false, err
	}
	var id int64
	for _, f := range c.forms {
		if f.Default && (id == 0 || f.ID < id) {
			id = f.ID
		}
	}
	return id, id != 0, nil
}
