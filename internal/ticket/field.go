package ticket

import (
	"context"
	"database/sql"
	"errors"
	"regexp"
	"strings"
	"time"

	"parley/internal/auth"
	"parley/internal/customfield"
	"parley/internal/platform/db"
	"parley/internal/platform/errs"
	"parley/internal/platform/opt"
)

// SystemFieldTypes are the built-in fields every account has; they cannot
// be removed.
var SystemFieldTypes = []string{"subject", "description", "status", "custom_status", "tickettype", "priority", "group", "assignee"}

// CustomFieldTypes are the ticket field types an admin can create.
var CustomFieldTypes = []string{"text", "textarea", "checkbox", "date", "integer", "decimal", "regexp",
	"partialcreditcard", "tagger", "multiselect", "lookup"}

// Field is a ticket field definition.
type Field struct {
	ID                     int64
	AccountID              int64
	Type                   string
	Title                  string
	RawTitle               string
	Description            string
	RawDescription         string
	AgentDescription       string
	Position               int
	Active                 bool
	Required               bool
	CollapsedForAgents     bool
	RegexpForValidation    *string
	TitleInPortal          string
	RawTitleInPortal       string
	VisibleInPortal        bool
	EditableInPortal       bool
	RequiredInPortal       bool
	Tag                    *string
	Removable              bool
	Key                    *string
	SubTypeID              int
	RelationshipTargetType *string
	Options                []FieldOption
	CreatedAt              time.Time
	UpdatedAt              time.Time
}

// System reports whether f is a built-in field.
func (f Field) System() bool { return !f.Removable }

// Check validates a value for f as a ticket write would, returning the
// value to store; false when it does not fit (sharing skips such values).
func (f Field) Check(v any) (any, bool) {
	out, msg := customfield.Validate(f.def(), v)
	return out, msg == ""
}

// def is the validation view of f.
func (f Field) def() customfield.Def {
	d := customfield.Def{Type: f.Type, Regexp: f.RegexpForValidation}
	for _, o := range f.Options {
		d.Options = append(d.Options, o.Value)
	}
	return d
}

// FieldOption is a dropdown or multiselect choice; its value is also a tag.
type FieldOption struct {
	ID       int64  `json:"id"`
	Name     string `json:"name"`
	RawName  string `json:"raw_name"`
	Value    string `json:"value"`
	Position int    `json:"position"`
	Default  bool   `json:"default"`
}

// FieldInput creates or changes a ticket field.
type FieldInput struct {
	Type                   opt.Opt[string]        `json:"type"`
	Title                  opt.Opt[string]        `json:"title"`
	RawTitle               opt.Opt[string]        `json:"raw_title"`
	Description            opt.Opt[string]        `json:"description"`
	AgentDescription       opt.Opt[string]        `json:"agent_description"`
	Position               opt.Opt[int]           `json:"position"`
	Active                 opt.Opt[bool]          `json:"active"`
	Required               opt.Opt[bool]          `json:"required"`
	CollapsedForAgents     opt.Opt[bool]          `json:"collapsed_for_agents"`
	RegexpForValidation    opt.Opt[string]        `json:"regexp_for_validation"`
	TitleInPortal          opt.Opt[string]        `json:"title_in_portal"`
	VisibleInPortal        opt.Opt[bool]          `json:"visible_in_portal"`
	EditableInPortal       opt.Opt[bool]          `json:"editable_in_portal"`
	RequiredInPortal       opt.Opt[bool]          `json:"required_in_portal"`
	Tag                    opt.Opt[string]        `json:"tag"`
	Key                    opt.Opt[string]        `json:"key"`
	RelationshipTargetType opt.Opt[string]        `json:"relationship_target_type"`
	CustomFieldOptions     opt.Opt[[]OptionInput] `json:"custom_field_options"`
}

// OptionInput is an option as sent; id addresses an existing one.
type OptionInput struct {
	ID      opt.Opt[int64] `json:"id"`
	Name    string         `json:"name"`
	Value   string         `json:"value"`
	Default bool           `json:"default"`
}

var tagPattern = regexp.MustCompile(`^[^\s,]{1,255}$`)

const fieldCols = `id, account_id, type, title, raw_title, description, raw_description, agent_description, position,
	active, required, collapsed_for_agents, regexp_for_validation, title_in_portal, raw_title_in_portal, visible_in_portal,
	editable_in_portal, required_in_portal, tag, removable, field_key, sub_type_id, relationship_target_type, created_at, updated_at`

func scanField(row interface{ Scan(...any) error }) (Field, error) {
	var f Field
	var re, tag, key, rel sql.NullString
	var ca, ua db.Time
	err := row.Scan(&f.ID, &f.AccountID, &f.Type, &f.Title, &f.RawTitle, &f.Description, &f.RawDescription,
		&f.AgentDescription, &f.Position, &f.Active, &f.Required, &f.CollapsedForAgents, &re, &f.TitleInPortal,
		&f.RawTitleInPortal, &f.VisibleInPortal, &f.EditableInPortal, &f.RequiredInPortal, &tag, &f.Removable, &key,
		&f.SubTypeID, &rel, &ca, &ua)
	if errors.Is(err, sql.ErrNoRows) {
		return f, errs.NotFoundf("Not found")
	}
	if err != nil {
		return f, err
	}
	f.RegexpForValidation, f.Tag, f.Key, f.RelationshipTargetType = strPtr(re), strPtr(tag), strPtr(key), strPtr(rel)
	f.CreatedAt, f.UpdatedAt = ca.T, ua.T
	return f, nil
}

func strPtr(s sql.NullString) *string {
	if !s.Valid {
		return nil
	}
	v := s.String
	return &v
}

// loadFields loads every ticket field of an account with its options.
func (s *Service) loadFields(ctx context.Context, accountID int64) ([]Field, error) {
	rows, err := s.d.Conn(ctx).QueryContext(ctx, `SELECT `+fieldCols+` FROM ticket_fields WHERE account_id = $1
		ORDER BY position, id`, accountID)
	if err != nil {
		return nil, err
	}
	var out []Field
	for rows.Next() {
		f, err := scanField(rows)
		if err != nil {
			rows.Close()
			return nil, err
		}
		out = append(out, f)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return nil, err
	}
	orows, err := s.d.Conn(ctx).QueryContext(ctx, `SELECT field_id, id, name, raw_name, value, position, is_default
		FROM ticket_field_options WHERE account_id = $1 ORDER BY position, id`, accountID)
	if err != nil {
		return nil, err
	}
	defer orows.Close()
	idx := map[int64]int{}
	for i, f := range out {
		idx[f.ID] = i
	}
	for orows.Next() {
		var fid int64
		var o FieldOption
		if err := orows.Scan(&fid, &o.ID, &o.Name, &o.RawName, &o.Value, &o.Position, &o.Default); err != nil {
			return nil, err
		}
		if i, ok := idx[fid]; ok {
			out[i].Options = append(out[i].Options, o)
		}
	}
	return out, orows.Err()
}

func (s *Service) bootstrapFields(ctx context.Context, accountID int64) error {
	var n int
	if err := s.d.Conn(ctx).QueryRowContext(ctx, `SELECT count(*) FROM ticket_fields WHERE account_id = $1`, accountID).Scan(&n); err != nil {
		return err
	}
	if n > 0 {
		return nil
	}
	titles := map[string]string{"subject": "Subject", "description": "Description", "status": "Status",
		"custom_status": "Ticket status", "tickettype": "Type", "priority": "Priority", "group": "Group", "assignee": "Assignee"}
	now := s.clock.Now()
	for i, t := range SystemFieldTypes {
		required := t == "subject" || t == "description" || t == "status" || t == "custom_status"
		portal := t == "subject" || t == "description"
		if _, err := s.d.Conn(ctx).ExecContext(ctx, `INSERT INTO ticket_fields (account_id, type, title, raw_title, position,
			active, required, title_in_portal, raw_title_in_portal, visible_in_portal, editable_in_portal, required_in_portal,
			removable, created_at, updated_at) VALUES ($1,$2,$3,$3,$4,TRUE,$5,$3,$3,$6,$6,$6,FALSE,$7,$7)`,
			accountID, t, titles[t], i, required, portal, now); err != nil {
			return err
		}
	}
	return nil
}

// ListFields returns the ticket fields (agents; end users get those
// visible in the portal).
func (s *Service) ListFields(ctx context.Context) ([]Field, error) {
	a, err := auth.RequireUser(ctx)
	if err != nil {
		return nil, err
	}
	fs, err := s.fields(ctx, a.AccountID)
	if err != nil || a.IsAgent() {
		return fs, err
	}
	out := fs[:0:0]
	for _, f := range fs {
		if f.VisibleInPortal && f.Active {
			out = append(out, f)
		}
	}
	return out, nil
}

// GetField returns one ticket field.
func (s *Service) GetField(ctx context.Context, id int64) (Field, error) {
	fs, err := s.ListFields(ctx)
	if err != nil {
		return Field{}, err
	}
	for _, f := range fs {
		if f.ID == id {
			return f, nil
		}
	}
	return Field{}, errs.NotFoundf("Not found")
}

func checkOptions(opts []OptionInput, v *errs.Validation) {
	seen := map[string]bool{}
	for _, o := range opts {
		if strings.TrimSpace(o.Name) == "" || !tagPattern.MatchString(o.Value) {
			v.Add("custom_field_options", "InvalidValue", "Field options: every option needs a name and a value without spaces")
			return
		}
		if seen[strings.ToLower(o.Value)] {
			v.Add("custom_field_options", "DuplicateValue", "Field options: option values must be unique")
			return
		}
		seen[strings.ToLower(o.Value)] = true
	}
}

// CreateField adds a custom ticket field (admins).
func (s *Service) CreateField(ctx context.Context, in FieldInput) (Field, error) {
	a, err := auth.RequireAdmin(ctx)
	if err != nil {
		return Field{}, err
	}
	var v errs.Validation
	typ := in.Type.Or("text")
	if !oneOf(CustomFieldTypes, typ) {
		v.Add("type", "InvalidValue", "Type: is not a valid ticket field type")
	}
	title := strings.TrimSpace(in.Title.V)
	if title == "" {
		v.Add("title", "BlankValue", "Title: cannot be blank")
	}
	if in.RegexpForValidation.Has() {
		if _, err := regexp.Compile(in.RegexpForValidation.V); err != nil {
			v.Add("regexp_for_validation", "InvalidValue", "Regexp for validation: is not a valid regular expression")
		}
	} else if typ == "regexp" {
		v.Add("regexp_for_validation", "BlankValue", "Regexp for validation: is required for regexp fields")
	}
	if in.Tag.Has() && in.Tag.V != "" && !tagPattern.MatchString(in.Tag.V) {
		v.Add("tag", "InvalidValue", "Tag: cannot contain spaces or commas")
	}
	if customfield.Dropdown(typ) && len(in.CustomFieldOptions.V) == 0 {
		v.Add("custom_field_options", "BlankValue", "Field options: a dropdown needs at least one option")
	}
	checkOptions(in.CustomFieldOptions.V, &v)
	if !opt.PositionOK(in.Position) {
		v.Add("position", "InvalidValue", "Position: must be between 0 and 1000000")
	}
	if err := v.Err(); err != nil {
		return Field{}, err
	}
	var id int64
	err = s.d.InTx(ctx, func(ctx context.Context) error {
		now := s.clock.Now()
		tip := in.TitleInPortal.Or(title)
		desc := in.Description.Or("")
		var tag any
		if in.Tag.Has() && in.Tag.V != "" {
			tag = strings.ToLower(in.Tag.V)
		}
		if err := s.d.Conn(ctx).QueryRowContext(ctx, `INSERT INTO ticket_fields (account_id, type, title, raw_title, description,
			raw_description, agent_description, position, active, required, collapsed_for_agents, regexp_for_validation,
			title_in_portal, raw_title_in_portal, visible_in_portal, editable_in_portal, required_in_portal, tag, removable,
			field_key, relationship_target_type, created_at, updated_at)
			VALUES ($1,$2,$3,$4,$5,$5,$6,$7,$8,$9,$10,$11,$12,$12,$13,$14,$15,$16,TRUE,$17,$18,$19,$19) RETURNING id`,
			a.AccountID, typ, title, in.RawTitle.Or(title), desc, in.AgentDescription.Or(""), in.Position.Or(9999),
			in.Active.Or(true), in.Required.Or(false), in.CollapsedForAgents.Or(false), in.RegexpForValidation.Ptr(), tip,
			in.VisibleInPortal.Or(false), in.EditableInPortal.Or(false), in.RequiredInPortal.Or(false), tag, in.Key.Ptr(),
			in.RelationshipTargetType.Ptr(), now).Scan(&id); err != nil {
			return err
		}
		return s.replaceOptions(ctx, a.AccountID, id, in.CustomFieldOptions.V)
	})
	if err != nil {
		return Field{}, err
	}
	return s.GetField(ctx, id)
}

// replaceOptions makes the options exactly opts (Zendesk PUT semantics:
// an option left out is deleted).
func (s *Service) replaceOptions(ctx context.Context, accountID, fieldID int64, opts []OptionInput) error {
	c := s.d.Conn(ctx)
	keep := []int64{}
	for i, o := range opts {
		if o.ID.Has() {
			res, err := c.ExecContext(ctx, `UPDATE ticket_field_options SET name = $1, raw_name = $1, value = $2, position = $3,
				is_default = $4 WHERE account_id = $5 AND field_id = $6 AND id = $7`, o.Name, strings.ToLower(o.Value), i, o.Default,
				accountID, fieldID, o.ID.V)
			if err != nil {
				return err
			}
			if n, _ := res.RowsAffected(); n == 1 {
				keep = append(keep, o.ID.V)
				continue
			}
		}
		var id int64
		if err := c.QueryRowContext(ctx, `INSERT INTO ticket_field_options (account_id, field_id, name, raw_name, value, position,
			is_default) VALUES ($1,$2,$3,$3,$4,$5,$6) RETURNING id`, accountID, fieldID, o.Name, strings.ToLower(o.Value), i,
			o.Default).Scan(&id); err != nil {
			return err
		}
		keep = append(keep, id)
	}
	args := []any{accountID, fieldID}
	q := `DELETE FROM ticket_field_options WHERE account_id = $1 AND field_id = $2`
	if len(keep) > 0 {
		q += ` AND id NOT IN (` + db.Placeholders(&args, keep) + `)`
	}
	_, err := c.ExecContext(ctx, q, args...)
	return err
}

// UpdateField changes a ticket field (admins). System fields accept only
// title and portal settings.
func (s *Service) UpdateField(ctx context.Context, id int64, in FieldInput) (Field, error) {
	a, err := auth.RequireAdmin(ctx)
	if err != nil {
		return Field{}, err
	}
	err = s.d.InTx(ctx, func(ctx context.Context) error {
		f, err := s.GetField(ctx, id)
		if err != nil {
			return err
		}
		var v errs.Validation
		if in.Type.Set && in.Type.V != f.Type {
			v.Add("type", "InvalidValue", "Type: cannot be changed")
		}
		if in.Title.Set {
			if f.Title = strings.TrimSpace(in.Title.V); f.Title == "" {
				v.Add("title", "BlankValue", "Title: cannot be blank")
			}
			f.RawTitle = in.RawTitle.Or(f.Title)
		}
		if in.Description.Set {
			f.Description, f.RawDescription = in.Description.V, in.Description.V
		}
		if in.AgentDescription.Set {
			f.AgentDescription = in.AgentDescription.V
		}
		if !opt.PositionOK(in.Position) {
			v.Add("position", "InvalidValue", "Position: must be between 0 and 1000000")
		} else if in.Position.Has() {
			f.Position = in.Position.V
		}
		if in.Active.Has() {
			if f.System() && !in.Active.V && (f.Type == "subject" || f.Type == "description" || f.Type == "status") {
				v.Add("active", "InvalidValue", "Active: this system field cannot be deactivated")
			}
			f.Active = in.Active.V
		}
		if in.Required.Has() {
			f.Required = in.Required.V
		}
		if in.CollapsedForAgents.Has() {
			f.CollapsedForAgents = in.CollapsedForAgents.V
		}
		if in.RegexpForValidation.Set {
			if _, err := regexp.Compile(in.RegexpForValidation.V); err != nil {
				v.Add("regexp_for_validation", "InvalidValue", "Regexp for validation: is not a valid regular expression")
			}
			f.RegexpForValidation = in.RegexpForValidation.Ptr()
		}
		if in.TitleInPortal.Set {
			f.TitleInPortal, f.RawTitleInPortal = in.TitleInPortal.V, in.TitleInPortal.V
		}
		if in.VisibleInPortal.Has() {
			f.VisibleInPortal = in.VisibleInPortal.V
		}
		if in.EditableInPortal.Has() {
			f.EditableInPortal = in.EditableInPortal.V
		}
		if in.RequiredInPortal.Has() {
			f.RequiredInPortal = in.RequiredInPortal.V
		}
		if in.Tag.Set {
			if in.Tag.Has() && in.Tag.V != "" && !tagPattern.MatchString(in.Tag.V) {
				v.Add("tag", "InvalidValue", "Tag: cannot contain spaces or commas")
			}
			f.Tag = in.Tag.Ptr()
		}
		if in.CustomFieldOptions.Set {
			if !customfield.Dropdown(f.Type) {
				v.Add("custom_field_options", "InvalidValue", "Field options: only dropdown and multiselect fields have options")
			} else if len(in.CustomFieldOptions.V) == 0 {
				v.Add("custom_field_options", "BlankValue", "Field options: a dropdown needs at least one option")
			}
			checkOptions(in.CustomFieldOptions.V, &v)
		}
		if err := v.Err(); err != nil {
			return err
		}
		if _, err := s.d.Conn(ctx).ExecContext(ctx, `UPDATE ticket_fields SET title = $1, raw_title = $2, description = $3,
			raw_description = $4, agent_description = $5, position = $6, active = $7, required = $8, collapsed_for_agents = $9,
			regexp_for_validation = $10, title_in_portal = $11, raw_title_in_portal = $12, visible_in_portal = $13,
			editable_in_portal = $14, required_in_portal = $15, tag = $16, updated_at = $17 WHERE account_id = $18 AND id = $19`,
			f.Title, f.RawTitle, f.Description, f.RawDescription, f.AgentDescription, f.Position, f.Active, f.Required,
			f.CollapsedForAgents, f.RegexpForValidation, f.TitleInPortal, f.RawTitleInPortal, f.VisibleInPortal,
			f.EditableInPortal, f.RequiredInPortal, f.Tag, s.clock.Now(), a.AccountID, id); err != nil {
			return err
		}
		if in.CustomFieldOptions.Set {
			return s.replaceOptions(ctx, a.AccountID, id, in.CustomFieldOptions.V)
		}
		return nil
	})
	if err != nil {
		return Field{}, err
	}
	return s.GetField(ctx, id)
}

// DeleteField removes a custom field and its values (admins); system fields
// cannot be deleted.
func (s *Service) DeleteField(ctx context.Context, id int64) error {
	a, err := auth.RequireAdmin(ctx)
	if err != nil {
		return err
	}
	return s.d.InTx(ctx, func(ctx context.Context) error {
		f, err := s.GetField(ctx, id)
		if err != nil {
			return err
		}
		if f.System() {
			return errs.Invalidf("base", "InvalidValue", "System fields cannot be deleted")
		}
		c := s.d.Conn(ctx)
		for _, q := range []string{
			`DELETE FROM ticket_field_values WHERE account_id = $1 AND field_id = $2`,
			`DELETE FROM ticket_field_options WHERE account_id = $1 AND field_id = $2`,
			`DELETE FROM ticket_fields WHERE account_id = $1 AND id = $2`,
		} {
			if _, err := c.ExecContext(ctx, q, a.AccountID, id); err != nil {
				return err
			}
		}
		return nil
	})
}

// ReorderFields sets positions from the order of ids (admins).
func (s *Service) ReorderFields(ctx context.Context, ids []int64) error {
	a, err := auth.RequireAdmin(ctx)
	if err != nil {
		return err
	}
	return s.d.InTx(ctx, func(ctx context.Context) error {
		for i, id := range ids {
			res, err := s.d.Conn(ctx).ExecContext(ctx, `UPDATE ticket_fields SET position = $1, updated_at = $2
				WHERE account_id = $3 AND id = $4`, i, s.clock.Now(), a.AccountID, id)
			if err != nil {
				return err
			}
			if n, _ := res.RowsAffected(); n == 0 {
				return errs.Invalidf("ticket_field_ids", "InvalidValue", "Ticket field %d does not exist", id)
			}
		}
		return nil
	})
}
