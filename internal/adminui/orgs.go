package adminui

import (
	"context"
	"net/http"
	"slices"
	"strconv"
	"strings"

	"parley/internal/platform/db"
	"parley/internal/platform/errs"
	"parley/internal/platform/opt"
	"parley/internal/user"
	"parley/internal/web"
)

// Orgs manages organizations and reads their custom fields (the user
// room).
type Orgs interface {
	ListOrganizations(ctx context.Context, f user.OrgFilter, p db.Page) ([]user.Organization, int64, bool, error)
	GetOrganization(ctx context.Context, id int64) (user.Organization, error)
	CreateOrganization(ctx context.Context, in user.OrgInput) (user.Organization, error)
	UpdateOrganization(ctx context.Context, id int64, in user.OrgInput) (user.Organization, error)
	DeleteOrganization(ctx context.Context, id int64) error
	ListFields(ctx context.Context, resource string) ([]user.Field, error)
}

// orgsView is the organizations list and its search.
type orgsView struct {
	Query string
	Orgs  []user.Organization
	Total int64
}

func (h *Pages) orgsPage(w http.ResponseWriter, r *http.Request) error {
	if err := admin(r.Context()); err != nil {
		return err
	}
	v := orgsView{Query: strings.TrimSpace(r.URL.Query().Get("query"))}
	var err error
	v.Orgs, v.Total, _, err = h.orgs.ListOrganizations(r.Context(), user.OrgFilter{NamePrefix: v.Query},
		db.Page{Limit: 100, Sort: "name_norm"})
	if err != nil {
		return err
	}
	web.Render(w, r, http.StatusOK, OrgsPage(web.NewPage(r, "Organizations", "admin"), v))
	return nil
}

// orgFieldRow is one organization custom field with its value as typed.
type orgFieldRow struct {
	Key, Title, Type string
	Value            string
	Values           []string // a multi-select's picks
	Options          []choice
}

// orgForm is the organization editor: what is stored or was typed.
type orgForm struct {
	ID                  int64 // 0 for a new organization
	Name, Domains, Tags string
	GroupID             string
	Details, Notes      string
	SharedTickets       bool
	Fields              []orgFieldRow
	Groups              []choice
	Problem             string
}

func (f orgForm) action() string {
	if f.ID == 0 {
		return "/admin/organizations"
	}
	return "/admin/organizations/" + strconv.FormatInt(f.ID, 10)
}

func (h *Pages) newOrg(w http.ResponseWriter, r *http.Request) error {
	return h.renderOrg(w, r, http.StatusOK, orgForm{}, nil)
}

func (h *Pages) editOrg(w http.ResponseWriter, r *http.Request) error {
	if err := admin(r.Context()); err != nil {
		return err
	}
	id, err := pathID(r)
	if err != nil {
		return err
	}
	o, err := h.orgs.GetOrganization(r.Context(), id)
	if err != nil {
		return err
	}
	f := orgForm{ID: o.ID, Name: o.Name, Domains: strings.Join(o.DomainNames, " "), Tags: strings.Join(o.Tags, " "),
		Details: o.Details, Notes: o.Notes, SharedTickets: o.SharedTickets}
	if o.GroupID != nil {
		f.GroupID = strconv.FormatInt(*o.GroupID, 10)
	}
	return h.renderOrg(w, r, http.StatusOK, f, o.Fields)
}

// renderOrg shows the editor; stored holds a stored organization's field
// values (nil keeps the typed ones in f).
func (h *Pages) renderOrg(w http.ResponseWriter, r *http.Request, status int, f orgForm, stored map[string]any) error {
	if err := admin(r.Context()); err != nil {
		return err
	}
	defs, err := h.orgs.ListFields(r.Context(), user.ResourceOrg)
	if err != nil {
		return err
	}
	typed := map[string]orgFieldRow{}
	for _, row := range f.Fields {
		typed[row.Key] = row
	}
	f.Fields = nil
	for _, d := range defs {
		if !d.Active {
			continue
		}
		row := orgFieldRow{Key: d.Key, Title: d.Title, Type: d.Type}
		for _, o := range d.Options {
			row.Options = append(row.Options, choice{o.Value, o.Name})
		}
		if t, ok := typed[d.Key]; ok && stored == nil {
			row.Value, row.Values = t.Value, t.Values
		} else {
			row.Value, row.Values = storedValue(stored[d.Key])
		}
		f.Fields = append(f.Fields, row)
	}
	gs, _, _, err := h.people.ListGroups(r.Context(), user.GroupFilter{}, db.Page{Limit: 100})
	if err != nil {
		return err
	}
	for _, g := range gs {
		f.Groups = append(f.Groups, choice{strconv.FormatInt(g.ID, 10), g.Name})
	}
	title := "New organization"
	if f.ID != 0 {
		title = "Edit organization"
	}
	web.Render(w, r, status, OrgForm(web.NewPage(r, title, "admin"), f))
	return nil
}

// storedValue is a stored field value as the form shows it.
func storedValue(v any) (string, []string) {
	if list, ok := v.([]any); ok {
		var out []string
		for _, x := range list {
			out = append(out, rowValue(x))
		}
		return "", out
	}
	return rowValue(v), nil
}

// words splits a list typed with spaces or commas.
func words(s string) []string {
	return strings.FieldsFunc(s, func(r rune) bool { return r == ',' || r == ' ' || r == '\n' || r == '\t' || r == '\r' })
}

// readOrg reads the posted organization editor.
func readOrg(r *http.Request, id int64) orgForm {
	f := orgForm{ID: id, Name: r.PostFormValue("name"), Domains: r.PostFormValue("domain_names"), Tags: r.PostFormValue("tags"),
		GroupID: r.PostFormValue("group_id"), Details: r.PostFormValue("details"), Notes: r.PostFormValue("notes"),
		SharedTickets: r.PostFormValue("shared_tickets") == "on"}
	for _, key := range r.PostForm["field_key"] {
		row := orgFieldRow{Key: key, Type: r.PostFormValue("field_type_" + key)}
		if row.Type == "multiselect" {
			row.Values = slices.DeleteFunc(slices.Clone(r.PostForm["field_"+key]), func(s string) bool { return s == "" })
		} else {
			row.Value = strings.TrimSpace(r.PostFormValue("field_" + key))
		}
		if row.Type == "checkbox" {
			row.Value = strconv.FormatBool(slices.Contains(r.PostForm["field_"+key], "true"))
		}
		f.Fields = append(f.Fields, row)
	}
	return f
}

// input is the editor as an organization create or update; a blank
// field clears its value.
func (f orgForm) input() user.OrgInput {
	in := user.OrgInput{Name: opt.Of(f.Name), DomainNames: opt.Of(words(f.Domains)), Tags: opt.Of(words(f.Tags)),
		Details: opt.Of(f.Details), Notes: opt.Of(f.Notes), SharedTickets: opt.Of(f.SharedTickets),
		GroupID: opt.Opt[int64]{Set: true, Null: true}}
	if id, err := strconv.ParseInt(f.GroupID, 10, 64); err == nil {
		in.GroupID = opt.Of(id)
	}
	values := map[string]any{}
	for _, row := range f.Fields {
		switch {
		case row.Type == "multiselect":
			list := []any{}
			for _, v := range row.Values {
				list = append(list, v)
			}
			values[row.Key] = list
		case row.Value == "":
			values[row.Key] = nil
		default:
			values[row.Key] = row.Value
		}
	}
	in.OrganizationFields = opt.Of(values)
	return in
}

func (h *Pages) createOrg(w http.ResponseWriter, r *http.Request) error { return h.saveOrg(w, r, 0) }

func (h *Pages) updateOrg(w http.ResponseWriter, r *http.Request) error {
	id, err := pathID(r)
	if err != nil {
		return err
	}
	return h.saveOrg(w, r, id)
}

// saveOrg creates (id 0) or changes an organization; refused input shows
// the editor again as typed.
func (h *Pages) saveOrg(w http.ResponseWriter, r *http.Request, id int64) error {
	if err := admin(r.Context()); err != nil {
		return err
	}
	if err := r.ParseForm(); err != nil {
		return errs.Wrap(errs.BadRequest, "The form could not be read", err)
	}
	f := readOrg(r, id)
	var o user.Organization
	var err error
	if id == 0 {
		o, err = h.orgs.CreateOrganization(r.Context(), f.input())
	} else {
		o, err = h.orgs.UpdateOrganization(r.Context(), id, f.input())
	}
	if errs.Is(err, errs.Invalid) || errs.Is(err, errs.Conflict) {
		f.Problem = web.Message(err)
		return h.renderOrg(w, r, http.StatusUnprocessableEntity, f, nil)
	}
	if err != nil {
		return err
	}
	web.Notice(w, r, "/admin/organizations", "Organization “"+o.Name+"” saved.")
	return nil
}

func (h *Pages) deleteOrg(w http.ResponseWriter, r *http.Request) error {
	if err := admin(r.Context()); err != nil {
		return err
	}
	id, err := pathID(r)
	if err != nil {
		return err
	}
	if err := h.orgs.DeleteOrganization(r.Context(), id); err != nil {
		return err
	}
	web.Notice(w, r, "/admin/organizations", "Organization deleted: its members no longer belong to it.")
	return nil
}
