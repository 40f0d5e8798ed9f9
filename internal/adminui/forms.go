package adminui

import (
	"cmp"
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

// Forms manages ticket forms (the ticket room).
type Forms interface {
	ListForms(ctx context.Context, ids []int64) ([]ticket.Form, error)
	GetForm(ctx context.Context, id int64) (ticket.Form, error)
	CreateForm(ctx context.Context, in ticket.FormInput) (ticket.Form, error)
	UpdateForm(ctx context.Context, id int64, in ticket.FormInput) (ticket.Form, error)
	DeleteForm(ctx context.Context, id int64) error
}

// spareConditions is how many empty condition rows each audience gets.
const spareConditions = 2

// formFieldRow is one field of the picker: on the form or not, and where.
type formFieldRow struct {
	ID          int64
	Title, Type string
	On          bool
	Order       string
}

// conditionRow is one line of a form's conditions: when Parent has
// Value, show Child (and maybe require it). Lines with the same parent
// and value make one condition.
type conditionRow struct {
	Parent, Value, Child string
	Required             bool
}

// formForm is the ticket form editor: what is stored or was typed.
type formForm struct {
	ID                          int64 // 0 for a new form
	Name, DisplayName, Position string
	Active, Default, EndUsers   bool
	Fields                      []formFieldRow
	Agent, EndUser              []conditionRow
	Parents, Children           []choice
	Values                      []string // suggestions for condition values
	Problem                     string
}

func (f formForm) action() string {
	if f.ID == 0 {
		return "/admin/ticket_forms"
	}
	return "/admin/ticket_forms/" + strconv.FormatInt(f.ID, 10)
}

func (h *Pages) formsPage(w http.ResponseWriter, r *http.Request) error {
	return h.renderForms(w, r, http.StatusOK, "")
}

// renderForms lists the forms; problem is why a change was refused.
func (h *Pages) renderForms(w http.ResponseWriter, r *http.Request, status int, problem string) error {
	if err := admin(r.Context()); err != nil {
		return err
	}
	fs, err := h.forms.ListForms(r.Context(), nil)
	if err != nil {
		return err
	}
	p := web.NewPage(r, "Ticket forms", "admin")
	p.Error = problem
	web.Render(w, r, status, FormsPage(p, fs))
	return nil
}

func (h *Pages) newForm(w http.ResponseWriter, r *http.Request) error {
	return h.renderForm(w, r, http.StatusOK, formForm{Active: true, EndUsers: true}, nil)
}

func (h *Pages) editForm(w http.ResponseWriter, r *http.Request) error {
	if err := admin(r.Context()); err != nil {
		return err
	}
	id, err := pathID(r)
	if err != nil {
		return err
	}
	fm, err := h.forms.GetForm(r.Context(), id)
	if err != nil {
		return err
	}
	f := formForm{ID: fm.ID, Name: fm.Name, DisplayName: fm.DisplayName, Position: strconv.Itoa(fm.Position),
		Active: fm.Active, Default: fm.Default, EndUsers: fm.EndUserVisible,
		Agent: flatten(fm.AgentConditions), EndUser: flatten(fm.EndUserConditions)}
	return h.renderForm(w, r, http.StatusOK, f, fm.FieldIDs)
}

// flatten turns stored conditions into one row per child field.
func flatten(cs []ticket.Condition) []conditionRow {
	var out []conditionRow
	for _, c := range cs {
		for _, ch := range c.ChildFields {
			out = append(out, conditionRow{Parent: strconv.FormatInt(c.ParentFieldID, 10), Value: rowValue(c.Value),
				Child: strconv.FormatInt(ch.ID, 10), Required: ch.IsRequired})
		}
	}
	return out
}

// renderForm shows the editor. on lists the form's fields in order for a
// stored form; a typed form (on nil) keeps its picker as sent.
func (h *Pages) renderForm(w http.ResponseWriter, r *http.Request, status int, f formForm, on []int64) error {
	if err := admin(r.Context()); err != nil {
		return err
	}
	fields, err := h.fields.ListFields(r.Context())
	if err != nil {
		return err
	}
	if f.Fields == nil {
		f.Fields = pickerRows(fields, on)
	}
	for _, fd := range fields {
		id := strconv.FormatInt(fd.ID, 10)
		f.Children = append(f.Children, choice{id, fd.Title})
		if fd.Type == "checkbox" || (customfield.Dropdown(fd.Type) && !fd.System()) {
			f.Parents = append(f.Parents, choice{id, fd.Title})
		}
		for _, o := range fd.Options {
			f.Values = append(f.Values, o.Value)
		}
	}
	f.Values = append(f.Values, "true", "false")
	for range spareConditions {
		f.Agent, f.EndUser = append(f.Agent, conditionRow{}), append(f.EndUser, conditionRow{})
	}
	title := "New ticket form"
	if f.ID != 0 {
		title = "Edit ticket form"
	}
	web.Render(w, r, status, FormForm(web.NewPage(r, title, "admin"), f))
	return nil
}

// pickerRows are the active fields: those on the form first, in its
// order and numbered, then the rest.
func pickerRows(fields []ticket.Field, on []int64) []formFieldRow {
	var rows []formFieldRow
	for _, id := range on {
		if i := slices.IndexFunc(fields, func(f ticket.Field) bool { return f.ID == id }); i >= 0 {
			rows = append(rows, formFieldRow{ID: id, Title: fields[i].Title, Type: fields[i].Type, On: true,
				Order: strconv.Itoa(len(rows) + 1)})
		}
	}
	for _, fd := range fields {
		if fd.Active && !slices.Contains(on, fd.ID) {
			rows = append(rows, formFieldRow{ID: fd.ID, Title: fd.Title, Type: fd.Type})
		}
	}
	return rows
}

// readForm reads the posted form editor.
func readForm(r *http.Request, id int64) formForm {
	f := formForm{ID: id, Name: r.PostFormValue("name"), DisplayName: r.PostFormValue("display_name"),
		Position: strings.TrimSpace(r.PostFormValue("position")), Active: r.PostFormValue("active") == "on",
		Default: r.PostFormValue("default") == "on", EndUsers: r.PostFormValue("end_user_visible") == "on"}
	for _, raw := range r.PostForm["field_id"] {
		fid, err := strconv.ParseInt(raw, 10, 64)
		if err != nil {
			continue
		}
		f.Fields = append(f.Fields, formFieldRow{ID: fid, Title: r.PostFormValue("field_title_" + raw),
			Type: r.PostFormValue("field_type_" + raw), On: r.PostFormValue("field_on_"+raw) == "on",
			Order: strings.TrimSpace(r.PostFormValue("field_order_" + raw))})
	}
	f.Agent, f.EndUser = readConditions(r, "agent"), readConditions(r, "end_user")
	return f
}

// readConditions reads one audience's condition rows; rows without a
// parent or a child are left out.
func readConditions(r *http.Request, prefix string) []conditionRow {
	parents, values, children := r.PostForm[prefix+"_parent"], r.PostForm[prefix+"_value"], r.PostForm[prefix+"_child"]
	required := r.PostForm[prefix+"_required"]
	var out []conditionRow
	for i, p := range parents {
		row := conditionRow{Parent: p}
		if i < len(values) {
			row.Value = strings.TrimSpace(values[i])
		}
		if i < len(children) {
			row.Child = children[i]
		}
		row.Required = slices.Contains(required, strconv.Itoa(i))
		if row.Parent != "" || row.Child != "" {
			out = append(out, row)
		}
	}
	return out
}

// fieldIDs are the ticked fields by their typed order (unnumbered ones
// last, in the order listed).
func (f formForm) fieldIDs() ([]int64, error) {
	type picked struct {
		id    int64
		order int
		at    int
	}
	var ps []picked
	for i, row := range f.Fields {
		if !row.On {
			continue
		}
		n := 1 << 30
		if row.Order != "" {
			v, err := strconv.Atoi(row.Order)
			if err != nil {
				return nil, errs.Invalidf("ticket_field_ids", "InvalidValue", "Order of %s: must be a whole number", row.Title)
			}
			n = v
		}
		ps = append(ps, picked{row.ID, n, i})
	}
	slices.SortStableFunc(ps, func(a, b picked) int { return cmp.Or(cmp.Compare(a.order, b.order), cmp.Compare(a.at, b.at)) })
	ids := make([]int64, 0, len(ps))
	for _, p := range ps {
		ids = append(ids, p.id)
	}
	return ids, nil
}

// conditions groups rows by parent and value into the API's conditions.
// A checkbox parent's value is true or false.
func groupConditions(rows []conditionRow, types map[int64]string) ([]ticket.Condition, error) {
	out := []ticket.Condition{}
	for _, row := range rows {
		parent, err := strconv.ParseInt(row.Parent, 10, 64)
		if err != nil {
			return nil, errs.Invalidf("agent_conditions", "InvalidValue", "Conditions: pick the field each condition depends on")
		}
		child, err := strconv.ParseInt(row.Child, 10, 64)
		if err != nil {
			return nil, errs.Invalidf("agent_conditions", "InvalidValue", "Conditions: pick the field each condition shows")
		}
		var value any = row.Value
		if types[parent] == "checkbox" {
			value = row.Value == "true"
		}
		i := slices.IndexFunc(out, func(c ticket.Condition) bool { return c.ParentFieldID == parent && c.Value == value })
		if i < 0 {
			out = append(out, ticket.Condition{ParentFieldID: parent, Value: value})
			i = len(out) - 1
		}
		out[i].ChildFields = append(out[i].ChildFields, ticket.ChildField{ID: child, IsRequired: row.Required})
	}
	return out, nil
}

// input is the form editor as a form create or update.
func (f formForm) input(types map[int64]string) (ticket.FormInput, error) {
	in := ticket.FormInput{Name: opt.Of(f.Name), Active: opt.Of(f.Active), EndUserVisible: opt.Of(f.EndUsers)}
	if strings.TrimSpace(f.DisplayName) != "" {
		in.DisplayName = opt.Of(f.DisplayName)
	}
	if f.Default {
		in.Default = opt.Of(true)
	}
	var err error
	if in.Position, err = position(f.Position); err != nil {
		return in, err
	}
	ids, err := f.fieldIDs()
	if err != nil {
		return in, err
	}
	in.TicketFieldIDs = opt.Of(ids)
	agent, err := groupConditions(f.Agent, types)
	if err != nil {
		return in, err
	}
	endUser, err := groupConditions(f.EndUser, types)
	if err != nil {
		return in, err
	}
	in.AgentConditions, in.EndUserConditions = opt.Of(agent), opt.Of(endUser)
	return in, nil
}

func (h *Pages) createForm(w http.ResponseWriter, r *http.Request) error { return h.saveForm(w, r, 0) }

func (h *Pages) updateForm(w http.ResponseWriter, r *http.Request) error {
	id, err := pathID(r)
	if err != nil {
		return err
	}
	return h.saveForm(w, r, id)
}

// saveForm creates (id 0) or changes a ticket form; refused input shows
// the editor again as typed.
func (h *Pages) saveForm(w http.ResponseWriter, r *http.Request, id int64) error {
	if err := admin(r.Context()); err != nil {
		return err
	}
	if err := r.ParseForm(); err != nil {
		return errs.Wrap(errs.BadRequest, "The form could not be read", err)
	}
	fields, err := h.fields.ListFields(r.Context())
	if err != nil {
		return err
	}
	types := map[int64]string{}
	for _, fd := range fields {
		types[fd.ID] = fd.Type
	}
	f := readForm(r, id)
	in, err := f.input(types)
	var fm ticket.Form
	if err == nil {
		if id == 0 {
			fm, err = h.forms.CreateForm(r.Context(), in)
		} else {
			fm, err = h.forms.UpdateForm(r.Context(), id, in)
		}
	}
	if errs.Is(err, errs.Invalid) {
		f.Problem = web.Message(err)
		return h.renderForm(w, r, http.StatusUnprocessableEntity, f, nil)
	}
	if err != nil {
		return err
	}
	web.Notice(w, r, "/admin/ticket_forms", "Form “"+fm.Name+"” saved.")
	return nil
}

func (h *Pages) deleteForm(w http.ResponseWriter, r *http.Request) error {
	if err := admin(r.Context()); err != nil {
		return err
	}
	id, err := pathID(r)
	if err != nil {
		return err
	}
	err = h.forms.DeleteForm(r.Context(), id)
	if errs.Is(err, errs.Invalid) {
		return h.renderForms(w, r, http.StatusUnprocessableEntity, web.Message(err))
	}
	if err != nil {
		return err
	}
	web.Notice(w, r, "/admin/ticket_forms", "Form deleted.")
	return nil
}
