package adminui

import (
	"context"
	"net/http"
	"slices"
	"strconv"
	"strings"

	"parley/internal/customfield"
	"parley/internal/platform/errs"
	"parley/internal/platform/opt"
	"parley/internal/ticket"
	"parley/internal/web"
)

// Fields manages ticket fields (the ticket room).
type Fields interface {
	ListFields(ctx context.Context) ([]ticket.Field, error)
	GetField(ctx context.Context, id int64) (ticket.Field, error)
	CreateField(ctx context.Context, in ticket.FieldInput) (ticket.Field, error)
	UpdateField(ctx context.Context, id int64, in ticket.FieldInput) (ticket.Field, error)
}

// fieldTypes are the custom field types the admin center creates, with
// the names admins know them by (lookup relationships need a target the
// API sets).
var fieldTypes = []choice{{"text", "Text"}, {"textarea", "Multi-line"}, {"checkbox", "Checkbox"}, {"date", "Date"},
	{"integer", "Number"}, {"decimal", "Decimal"}, {"regexp", "Regular expression"}, {"partialcreditcard", "Credit card"},
	{"tagger", "Drop-down"}, {"multiselect", "Multi-select"}}

// typeTitle is a field type as admins know it.
func typeTitle(typ string) string {
	for _, t := range fieldTypes {
		if t.Value == typ {
			return t.Title
		}
	}
	return typ
}

// spareOptions is how many empty option rows a drop-down form offers
// beyond its options.
const spareOptions = 4

// optionRow is one option of a drop-down or multi-select field.
type optionRow struct {
	ID          string // "" for a new option
	Name, Value string
}

// fieldForm is the ticket field editor: what is stored or was typed.
type fieldForm struct {
	ID                        int64 // 0 for a new field
	System                    bool
	Type, Title, Description  string
	Required, Active          bool
	VisibleInPortal, Editable bool
	Pattern, Tag              string
	Options                   []optionRow
	Problem                   string
}

func (f fieldForm) action() string {
	if f.ID == 0 {
		return "/admin/ticket_fields"
	}
	return "/admin/ticket_fields/" + strconv.FormatInt(f.ID, 10)
}

// dropdown reports whether the field has options.
func (f fieldForm) dropdown() bool { return f.ID == 0 || customfield.Dropdown(f.Type) }

func (h *Pages) fieldsPage(w http.ResponseWriter, r *http.Request) error {
	return h.renderFields(w, r, http.StatusOK, "")
}

// renderFields lists every field, system ones first; problem is why a
// change was refused.
func (h *Pages) renderFields(w http.ResponseWriter, r *http.Request, status int, problem string) error {
	if err := admin(r.Context()); err != nil {
		return err
	}
	fs, err := h.fields.ListFields(r.Context())
	if err != nil {
		return err
	}
	p := web.NewPage(r, "Ticket fields", "admin")
	p.Error = problem
	web.Render(w, r, status, FieldsPage(p, fs))
	return nil
}

func (h *Pages) newField(w http.ResponseWriter, r *http.Request) error {
	typ := r.URL.Query().Get("type")
	if !slices.ContainsFunc(fieldTypes, func(c choice) bool { return c.Value == typ }) {
		typ = "text"
	}
	return h.renderField(w, r, http.StatusOK, fieldForm{Type: typ, Active: true})
}

func (h *Pages) editField(w http.ResponseWriter, r *http.Request) error {
	if err := admin(r.Context()); err != nil {
		return err
	}
	id, err := pathID(r)
	if err != nil {
		return err
	}
	fd, err := h.fields.GetField(r.Context(), id)
	if err != nil {
		return err
	}
	f := fieldForm{ID: fd.ID, System: fd.System(), Type: fd.Type, Title: fd.Title, Description: fd.Description,
		Required: fd.Required, Active: fd.Active, VisibleInPortal: fd.VisibleInPortal, Editable: fd.EditableInPortal}
	if fd.RegexpForValidation != nil {
		f.Pattern = *fd.RegexpForValidation
	}
	if fd.Tag != nil {
		f.Tag = *fd.Tag
	}
	for _, o := range fd.Options {
		f.Options = append(f.Options, optionRow{ID: strconv.FormatInt(o.ID, 10), Name: o.Name, Value: o.Value})
	}
	return h.renderField(w, r, http.StatusOK, f)
}

func (h *Pages) renderField(w http.ResponseWriter, r *http.Request, status int, f fieldForm) error {
	if err := admin(r.Context()); err != nil {
		return err
	}
	if f.dropdown() {
		for range spareOptions {
			f.Options = append(f.Options, optionRow{})
		}
	}
	title := "New ticket field"
	if f.ID != 0 {
		title = "Edit ticket field"
	}
	web.Render(w, r, status, FieldForm(web.NewPage(r, title, "admin"), f))
	return nil
}

// readField reads the posted field form; blank option rows are left out.
func readField(r *http.Request, f fieldForm) fieldForm {
	if f.ID == 0 {
		f.Type = r.PostFormValue("type")
	}
	f.Title, f.Description = r.PostFormValue("title"), r.PostFormValue("description")
	f.Required, f.Active = r.PostFormValue("required") == "on", r.PostFormValue("active") == "on"
	f.VisibleInPortal, f.Editable = r.PostFormValue("visible_in_portal") == "on", r.PostFormValue("editable_in_portal") == "on"
	f.Pattern, f.Tag = r.PostFormValue("regexp_for_validation"), strings.TrimSpace(r.PostFormValue("tag"))
	ids, names, values := r.PostForm["option_id"], r.PostForm["option_name"], r.PostForm["option_value"]
	f.Options = nil
	for i, name := range names {
		o := optionRow{Name: strings.TrimSpace(name)}
		if i < len(values) {
			o.Value = strings.TrimSpace(values[i])
		}
		if i < len(ids) {
			o.ID = ids[i]
		}
		if o.Name != "" || o.Value != "" {
			f.Options = append(f.Options, o)
		}
	}
	return f
}

// input is the form as a field create or update: type-specific settings
// go only to the types they belong to.
func (f fieldForm) input() ticket.FieldInput {
	in := ticket.FieldInput{Title: opt.Of(f.Title), Description: opt.Of(f.Description), Required: opt.Of(f.Required),
		Active: opt.Of(f.Active), VisibleInPortal: opt.Of(f.VisibleInPortal), EditableInPortal: opt.Of(f.Editable)}
	if f.ID == 0 {
		in.Type = opt.Of(f.Type)
	}
	if f.System {
		return ticket.FieldInput{Title: in.Title, Description: in.Description, Active: in.Active,
			VisibleInPortal: in.VisibleInPortal, EditableInPortal: in.EditableInPortal}
	}
	switch {
	case f.Type == "regexp":
		in.RegexpForValidation = opt.Of(f.Pattern)
	case f.Type == "checkbox":
		in.Tag = opt.Of(f.Tag)
	case customfield.Dropdown(f.Type):
		opts := []ticket.OptionInput{}
		for _, o := range f.Options {
			oi := ticket.OptionInput{Name: o.Name, Value: o.Value}
			if id, err := strconv.ParseInt(o.ID, 10, 64); err == nil {
				oi.ID = opt.Of(id)
			}
			opts = append(opts, oi)
		}
		in.CustomFieldOptions = opt.Of(opts)
	}
	return in
}

func (h *Pages) createField(w http.ResponseWriter, r *http.Request) error {
	return h.saveField(w, r, 0)
}

func (h *Pages) updateField(w http.ResponseWriter, r *http.Request) error {
	id, err := pathID(r)
	if err != nil {
		return err
	}
	return h.saveField(w, r, id)
}

// saveField creates (id 0) or changes a ticket field; refused input shows
// the form again as typed.
func (h *Pages) saveField(w http.ResponseWriter, r *http.Request, id int64) error {
	if err := admin(r.Context()); err != nil {
		return err
	}
	if err := r.ParseForm(); err != nil {
		return errs.Wrap(errs.BadRequest, "The form could not be read", err)
	}
	f := fieldForm{ID: id}
	if id != 0 {
		fd, err := h.fields.GetField(r.Context(), id)
		if err != nil {
			return err
		}
		f.Type, f.System = fd.Type, fd.System()
	}
	f = readField(r, f)
	var fd ticket.Field
	var err error
	if id == 0 {
		fd, err = h.fields.CreateField(r.Context(), f.input())
	} else {
		fd, err = h.fields.UpdateField(r.Context(), id, f.input())
	}
	if errs.Is(err, errs.Invalid) {
		f.Problem = web.Message(err)
		return h.renderField(w, r, http.StatusUnprocessableEntity, f)
	}
	if err != nil {
		return err
	}
	web.Notice(w, r, "/admin/ticket_fields", "Field “"+fd.Title+"” saved.")
	return nil
}

// setFieldActive turns a field on or off (agents stop seeing an inactive
// field; its values stay).
func (h *Pages) setFieldActive(w http.ResponseWriter, r *http.Request) error {
	if err := admin(r.Context()); err != nil {
		return err
	}
	id, err := pathID(r)
	if err != nil {
		return err
	}
	on := r.PostFormValue("active") == "true"
	fd, err := h.fields.UpdateField(r.Context(), id, ticket.FieldInput{Active: opt.Of(on)})
	if errs.Is(err, errs.Invalid) {
		return h.renderFields(w, r, http.StatusUnprocessableEntity, web.Message(err))
	}
	if err != nil {
		return err
	}
	msg := "“" + fd.Title + "” is inactive: agents no longer see it."
	if on {
		msg = "“" + fd.Title + "” is active."
	}
	web.Notice(w, r, "/admin/ticket_fields", msg)
	return nil
}
