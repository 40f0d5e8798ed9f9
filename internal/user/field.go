package user

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"regexp"
	"sort"
	"strings"
	"time"

	"parley/internal/auth"
	"parley/internal/customfield"
	"parley/internal/platform/db"
	"parley/internal/platform/errs"
	"parley/internal/platform/opt"
)

// Field resources: definitions are kept per resource.
const (
	ResourceUser = "user"
	ResourceOrg  = "organization"
)

// FieldTypes are the custom field types for users and organizations.
var FieldTypes = map[string]bool{"text": true, "textarea": true, "checkbox": true, "date": true, "integer": true,
	"decimal": true, "regexp": true, "dropdown": true, "tagger": true, "multiselect": true, "lookup": true}

// Field is a custom user or organization field definition.
type Field struct {
	ID                     int64
	AccountID              int64
	Resource               string
	Key                    string
	Type                   string
	Title                  string
	RawTitle               string
	Description            string
	RawDescription         string
	Position               int
	Active                 bool
	System                 bool
	RegexpForValidation    *string
	Tag                    *string
	RelationshipTargetType *string
	Options                []FieldOption
	CreatedAt              time.Time
	UpdatedAt              time.Time
}

// FieldOption is one choice of a dropdown or multiselect field.
type FieldOption struct {
	ID       int64  `json:"id"`
	Name     string `json:"name"`
	RawName  string `json:"raw_name"`
	Value    string `json:"value"`
	Position int    `json:"position"`
	Default  bool   `json:"default"`
}

// FieldInput creates or changes a field definition.
type FieldInput struct {
	Key                    opt.Opt[string]        `json:"key"`
	Type                   opt.Opt[string]        `json:"type"`
	Title                  opt.Opt[string]        `json:"title"`
	RawTitle               opt.Opt[string]        `json:"raw_title"`
	Description            opt.Opt[string]        `json:"description"`
	RawDescription         opt.Opt[string]        `json:"raw_description"`
	Position               opt.Opt[int]           `json:"position"`
	Active                 opt.Opt[bool]          `json:"active"`
	RegexpForValidation    opt.Opt[string]        `json:"regexp_for_validation"`
	Tag                    opt.Opt[string]        `json:"tag"`
	RelationshipTargetType opt.Opt[string]        `json:"relationship_target_type"`
	CustomFieldOptions     opt.Opt[[]OptionInput] `json:"custom_field_options"`
}

// OptionInput is a dropdown option as sent; id addresses an existing one.
type OptionInput struct {
	ID       opt.Opt[int64] `json:"id"`
	Name     string         `json:"name"`
	Value    string         `json:"value"`
	Position opt.Opt[int]   `json:"position"`
	Default  bool           `json:"default"`
}

var fieldKeyPattern = regexp.MustCompile(`^[a-z0-9_]{1,64}$`)

// validateValue checks one value against its definition with the shared
// custom-field rules.
func validateValue(f Field, v any) (any, string) {
	d := customfield.Def{Type: f.Type, Regexp: f.RegexpForValidation}
	for _, o := range f.Options {
		d.Options = append(d.Options, o.Value)
	}
	return customfield.Validate(d, v)
}

// applyFieldValues merges sent values into cur after validating each
// against the active definitions. Unknown keys are ignored, as Zendesk does.
// It returns checkbox tags to add and remove.
func applyFieldValues(defs []Field, cur map[string]any, sent map[string]any, v *errs.Validation, root string) (map[string]any, []string, []string) {
	out := map[string]any{}
	for k, val := range cur {
		out[k] = val
	}
	byKey := map[string]Field{}
	for _, f := range defs {
		if f.Active {
			byKey[f.Key] = f
		}
	}
	var add, remove []string
	keys := make([]string, 0, len(sent))
	for k := range sent {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	for _, k := range keys {
		f, ok := byKey[k]
		if !ok {
			continue
		}
		val, msg := validateValue(f, sent[k])
		if msg != "" {
			v.Add(root+"."+k, "InvalidValue", fmt.Sprintf("%s: %s", f.Title, msg))
			continue
		}
		if val == nil {
			delete(out, k)
		} else {
			out[k] = val
		}
		if f.Type == "checkbox" && f.Tag != nil && *f.Tag != "" {
			if b, _ := val.(bool); b {
				add = append(add, *f.Tag)
			} else {
				remove = append(remove, *f.Tag)
			}
		}
	}
	return out, add, remove
}

// fieldsOut lists every active field key with its value or null, as
// Zendesk prints user_fields and organization_fields.
func fieldsOut(defs []Field, vals map[string]any) map[string]any {
	out := map[string]any{}
	for _, f := range defs {
		if !f.Active {
			continue
		}
		if v, ok := vals[f.Key]; ok {
			out[f.Key] = v
		} else {
			out[f.Key] = nil
		}
	}
	return out
}

// --- store ---

const fieldCols = `id, account_id, resource, key, type, title, raw_title, description, raw_description, position,
	active, is_system, regexp_for_validation, tag, relationship_target_type, created_at, updated_at`

func scanField(row interface{ Scan(...any) error }) (Field, error) {
	var f Field
	var re, tag, rel sql.NullString
	var ca, ua db.Time
	err := row.Scan(&f.ID, &f.AccountID, &f.Resource, &f.Key, &f.Type, &f.Title, &f.RawTitle, &f.Description,
		&f.RawDescription, &f.Position, &f.Active, &f.System, &re, &tag, &rel, &ca, &ua)
	if errors.Is(err, sql.ErrNoRows) {
		return f, errs.NotFoundf("Not found")
	}
	if err != nil {
		return f, err
	}
	f.RegexpForValidation = nullStr(re)
	f.Tag = nullStr(tag)
	f.RelationshipTargetType = nullStr(rel)
	f.CreatedAt, f.UpdatedAt = ca.T, ua.T
	return f, nil
}

func nullStr(s sql.NullString) *string {
	if !s.Valid {
		return nil
	}
	v := s.String
	return &v
}

// fieldDefs loads the definitions (with options) of one resource.
func (s *Service) fieldDefs(ctx context.Context, accountID int64, resource string) ([]Field, error) {
	rows, err := s.d.Conn(ctx).QueryContext(ctx, `SELECT `+fieldCols+` FROM custom_field_defs
		WHERE account_id = $1 AND resource = $2 ORDER BY position, id`, accountID, resource)
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
	if len(out) == 0 {
		return out, nil
	}
	orows, err := s.d.Conn(ctx).QueryContext(ctx, `SELECT o.field_id, o.id, o.name, o.raw_name, o.value, o.position, o.is_default
		FROM custom_field_options o JOIN custom_field_defs f ON f.id = o.field_id
		WHERE o.account_id = $1 AND f.resource = $2 ORDER BY o.position, o.id`, accountID, resource)
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

// ListFields returns a resource's field definitions (agents).
func (s *Service) ListFields(ctx context.Context, resource string) ([]Field, error) {
	a, err := auth.RequireAgent(ctx)
	if err != nil {
		return nil, err
	}
	return s.fieldDefs(ctx, a.AccountID, resource)
}

// GetField returns one definition (agents).
func (s *Service) GetField(ctx context.Context, resource string, id int64) (Field, error) {
	a, err := auth.RequireAgent(ctx)
	if err != nil {
		return Field{}, err
	}
	defs, err := s.fieldDefs(ctx, a.AccountID, resource)
	if err != nil {
		return Field{}, err
	}
	for _, f := range defs {
		if f.ID == id {
			return f, nil
		}
	}
	return Field{}, errs.NotFoundf("Not found")
}

// CreateField adds a definition (admins). Keys are unique per resource.
func (s *Service) CreateField(ctx context.Context, resource string, in FieldInput) (Field, error) {
	a, err := auth.RequireAdmin(ctx)
	if err != nil {
		return Field{}, err
	}
	var v errs.Validation
	key := strings.TrimSpace(in.Key.V)
	if !fieldKeyPattern.MatchString(key) {
		v.Add("key", "InvalidValue", "Key: must be 1 to 64 lowercase letters, digits or underscores")
	}
	typ := in.Type.Or("text")
	if !FieldTypes[typ] {
		v.Add("type", "InvalidValue", "Type: is not a valid field type")
	}
	title := strings.TrimSpace(in.Title.V)
	if title == "" {
		v.Add("title", "BlankValue", "Title: cannot be blank")
	}
	if in.RegexpForValidation.Has() {
		if _, err := regexp.Compile(in.RegexpForValidation.V); err != nil {
			v.Add("regexp_for_validation", "InvalidValue", "Regexp for validation: is not a valid regular expression")
		}
	}
	if (typ == "dropdown" || typ == "tagger" || typ == "multiselect") && len(in.CustomFieldOptions.V) == 0 {
		v.Add("custom_field_options", "BlankValue", "Field options: a dropdown needs at least one option")
	}
	checkOptions(in.CustomFieldOptions.V, &v)
	if !opt.PositionOK(in.Position) {
		v.Add("position", "InvalidValue", "Position: must be between 0 and 1000000")
	}
	if err := v.Err(); err != nil {
		return Field{}, err
	}
	now := s.clock.Now()
	var id int64
	err = s.d.InTx(ctx, func(ctx context.Context) error {
		pos := in.Position.Or(0)
		if !in.Position.Has() {
			if err := s.d.Conn(ctx).QueryRowContext(ctx, `SELECT COALESCE(MAX(position), -1) + 1 FROM custom_field_defs
				WHERE account_id = $1 AND resource = $2`, a.AccountID, resource).Scan(&pos); err != nil {
				return err
			}
		}
		rawTitle := in.RawTitle.Or(title)
		desc := in.Description.Or("")
		err := s.d.Conn(ctx).QueryRowContext(ctx, `INSERT INTO custom_field_defs (account_id, resource, key, type, title,
			raw_title, description, raw_description, position, active, is_system, regexp_for_validation, tag,
			relationship_target_type, created_at, updated_at)
			VALUES ($1,$2,$3,$4,$5,$6,$7,$8,$9,$10,FALSE,$11,$12,$13,$14,$14) RETURNING id`,
			a.AccountID, resource, key, typ, title, rawTitle, desc, in.RawDescription.Or(desc), pos, in.Active.Or(true),
			in.RegexpForValidation.Ptr(), in.Tag.Ptr(), in.RelationshipTargetType.Ptr(), now).Scan(&id)
		if err != nil {
			if db.IsUnique(err) {
				return errs.Invalidf("key", "DuplicateValue", "Key: %s has already been taken", key)
			}
			return err
		}
		return s.replaceOptions(ctx, a.AccountID, id, in.CustomFieldOptions.V)
	})
	if err != nil {
		return Field{}, err
	}
	return s.GetField(ctx, resource, id)
}

func checkOptions(opts []OptionInput, v *errs.Validation) {
	seen := map[string]bool{}
	for _, o := range opts {
		if !opt.PositionOK(o.Position) {
			v.Add("custom_field_options", "InvalidValue", "Field options: position must be between 0 and 1000000")
			return
		}
		if strings.TrimSpace(o.Name) == "" || strings.TrimSpace(o.Value) == "" {
			v.Add("custom_field_options", "BlankValue", "Field options: every option needs a name and a value")
			return
		}
		if seen[o.Value] {
			v.Add("custom_field_options", "DuplicateValue", "Field options: option values must be unique")
			return
		}
		seen[o.Value] = true
	}
}

// replaceOptions makes the field's options exactly opts: options sent with
// an id are updated, others created, and any not sent are deleted (Zendesk
// PUT semantics).
func (s *Service) replaceOptions(ctx context.Context, accountID, fieldID int64, opts []OptionInput) error {
	c := s.d.Conn(ctx)
	keep := []int64{}
	for i, o := range opts {
		pos := o.Position.Or(i)
		if o.ID.Has() {
			res, err := c.ExecContext(ctx, `UPDATE custom_field_options SET name = $1, raw_name = $1, value = $2,
				position = $3, is_default = $4 WHERE account_id = $5 AND field_id = $6 AND id = $7`,
				o.Name, o.Value, pos, o.Default, accountID, fieldID, o.ID.V)
			if err != nil {
				return err
			}
			if n, _ := res.RowsAffected(); n == 1 {
				keep = append(keep, o.ID.V)
				continue
			}
		}
		var id int64
		if err := c.QueryRowContext(ctx, `INSERT INTO custom_field_options (account_id, field_id, name, raw_name, value, position, is_default)
			VALUES ($1, $2, $3, $3, $4, $5, $6) RETURNING id`, accountID, fieldID, o.Name, o.Value, pos, o.Default).Scan(&id); err != nil {
			return err
		}
		keep = append(keep, id)
	}
	args := []any{accountID, fieldID}
	q := `DELETE FROM custom_field_options WHERE account_id = $1 AND field_id = $2`
	if len(keep) > 0 {
		q += ` AND id NOT IN (` + db.Placeholders(&args, keep) + `)`
	}
	_, err := c.ExecContext(ctx, q, args...)
	return err
}

// UpdateField changes a definition (admins). The key and type are fixed.
func (s *Service) UpdateField(ctx context.Context, resource string, id int64, in FieldInput) (Field, error) {
	if _, err := auth.RequireAdmin(ctx); err != nil {
		return Field{}, err
	}
	err := s.d.InTx(ctx, func(ctx context.Context) error {
		f, err := s.GetField(ctx, resource, id)
		if err != nil {
			return err
		}
		var v errs.Validation
		if in.Key.Set && in.Key.V != f.Key {
			v.Add("key", "InvalidValue", "Key: cannot be changed")
		}
		if in.Type.Set && in.Type.V != f.Type {
			v.Add("type", "InvalidValue", "Type: cannot be changed")
		}
		if in.Title.Set {
			if strings.TrimSpace(in.Title.V) == "" {
				v.Add("title", "BlankValue", "Title: cannot be blank")
			}
			f.Title, f.RawTitle = strings.TrimSpace(in.Title.V), in.RawTitle.Or(strings.TrimSpace(in.Title.V))
		}
		if in.Description.Set {
			f.Description, f.RawDescription = in.Description.V, in.RawDescription.Or(in.Description.V)
		}
		if !opt.PositionOK(in.Position) {
			v.Add("position", "InvalidValue", "Position: must be between 0 and 1000000")
		} else if in.Position.Has() {
			f.Position = in.Position.V
		}
		if in.Active.Has() {
			f.Active = in.Active.V
		}
		if in.RegexpForValidation.Set {
			if _, err := regexp.Compile(in.RegexpForValidation.V); err != nil {
				v.Add("regexp_for_validation", "InvalidValue", "Regexp for validation: is not a valid regular expression")
			}
			f.RegexpForValidation = in.RegexpForValidation.Ptr()
		}
		if in.Tag.Set {
			f.Tag = in.Tag.Ptr()
		}
		if in.CustomFieldOptions.Set {
			checkOptions(in.CustomFieldOptions.V, &v)
		}
		if err := v.Err(); err != nil {
			return err
		}
		if _, err := s.d.Conn(ctx).ExecContext(ctx, `UPDATE custom_field_defs SET title = $1, raw_title = $2,
			description = $3, raw_description = $4, position = $5, active = $6, regexp_for_validation = $7, tag = $8,
			updated_at = $9 WHERE account_id = $10 AND id = $11`, f.Title, f.RawTitle, f.Description, f.RawDescription,
			f.Position, f.Active, f.RegexpForValidation, f.Tag, s.clock.Now(), f.AccountID, f.ID); err != nil {
			return err
		}
		if in.CustomFieldOptions.Set {
			return s.replaceOptions(ctx, f.AccountID, f.ID, in.CustomFieldOptions.V)
		}
		return nil
	})
	if err != nil {
		return Field{}, err
	}
	return s.GetField(ctx, resource, id)
}

// DeleteField removes a definition and its options (admins). Stored values
// stay in the records but are no longer shown.
func (s *Service) DeleteField(ctx context.Context, resource string, id int64) error {
	if _, err := auth.RequireAdmin(ctx); err != nil {
		return err
	}
	return s.d.InTx(ctx, func(ctx context.Context) error {
		f, err := s.GetField(ctx, resource, id)
		if err != nil {
			return err
		}
		if f.System {
			return errs.Invalidf("base", "InvalidValue", "System fields cannot be deleted")
		}
		c := s.d.Conn(ctx)
		if _, err := c.ExecContext(ctx, `DELETE FROM custom_field_options WHERE account_id = $1 AND field_id = $2`, f.AccountID, f.ID); err != nil {
			return err
		}
		_, err = c.ExecContext(ctx, `DELETE FROM custom_field_defs WHERE account_id = $1 AND id = $2`, f.AccountID, f.ID)
		return err
	})
}

// ReorderFields sets positions from the order of ids (admins).
func (s *Service) ReorderFields(ctx context.Context, resource string, ids []int64) error {
	a, err := auth.RequireAdmin(ctx)
	if err != nil {
		return err
	}
	return s.d.InTx(ctx, func(ctx context.Context) error {
		for i, id := range ids {
			res, err := s.d.Conn(ctx).ExecContext(ctx, `UPDATE custom_field_defs SET position = $1, updated_at = $2
				WHERE account_id = $3 AND resource = $4 AND id = $5`, i, s.clock.Now(), a.AccountID, resource, id)
			if err != nil {
				return err
			}
			if n, _ := res.RowsAffected(); n == 0 {
				return errs.NotFoundf("Field %d not found", id)
			}
		}
		return nil
	})
}

// SetOption creates an option, or updates it when in.ID is set (admins).
func (s *Service) SetOption(ctx context.Context, resource string, fieldID int64, in OptionInput) (FieldOption, bool, error) {
	if _, err := auth.RequireAdmin(ctx); err != nil {
		return FieldOption{}, false, err
	}
	var out FieldOption
	created := false
	err := s.d.InTx(ctx, func(ctx context.Context) error {
		f, err := s.GetField(ctx, resource, fieldID)
		if err != nil {
			return err
		}
		if f.Type != "dropdown" && f.Type != "tagger" && f.Type != "multiselect" {
			return errs.Invalidf("custom_field_option", "InvalidValue", "Options are only for dropdown and multiselect fields")
		}
		var opts []OptionInput
		found := false
		for _, o := range f.Options {
			oi := OptionInput{ID: opt.Of(o.ID), Name: o.Name, Value: o.Value, Position: opt.Of(o.Position), Default: o.Default}
			if in.ID.Has() && o.ID == in.ID.V {
				oi.Name, oi.Value, oi.Default = in.Name, in.Value, in.Default
				if in.Position.Has() {
					oi.Position = in.Position
				}
				found = true
			}
			opts = append(opts, oi)
		}
		if in.ID.Has() && !found {
			return errs.NotFoundf("Not found")
		}
		if !found {
			in.ID = opt.Opt[int64]{}
			if !in.Position.Has() {
				in.Position = opt.Of(len(opts))
			}
			opts = append(opts, in)
			created = true
		}
		var v errs.Validation
		checkOptions(opts, &v)
		if err := v.Err(); err != nil {
			return err
		}
		if err := s.replaceOptions(ctx, f.AccountID, f.ID, opts); err != nil {
			return err
		}
		f, err = s.GetField(ctx, resource, fieldID)
		if err != nil {
			return err
		}
		for _, o := range f.Options {
			if o.Value == in.Value {
				out = o
			}
		}
		return nil
	})
	return out, created, err
}

// DeleteOption removes one option (admins).
func (s *Service) DeleteOption(ctx context.Context, resource string, fieldID, optionID int64) error {
	a, err := auth.RequireAdmin(ctx)
	if err != nil {
		return err
	}
	return s.d.InTx(ctx, func(ctx context.Context) error {
		if _, err := s.GetField(ctx, resource, fieldID); err != nil {
			return err
		}
		res, err := s.d.Conn(ctx).ExecContext(ctx, `DELETE FROM custom_field_options WHERE account_id = $1 AND field_id = $2 AND id = $3`,
			a.AccountID, fieldID, optionID)
		if err != nil {
			return err
		}
		if n, _ := res.RowsAffected(); n == 0 {
			return errs.NotFoundf("Not found")
		}
		return nil
	})
}
