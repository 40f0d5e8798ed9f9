package adminui

import (
	"context"
	"encoding/json"
	"net/http"
	"strconv"
	"strings"

	"parley/internal/auth"
	"parley/internal/platform/db"
	"parley/internal/platform/errs"
	"parley/internal/platform/opt"
	"parley/internal/rule"
	"parley/internal/rule/restrict"
	"parley/internal/rule/view"
	"parley/internal/web"
)

// Views is the view room as the admin center uses it.
type Views interface {
	List(ctx context.Context, f view.Filter, p db.Page) ([]view.View, int64, bool, error)
	Get(ctx context.Context, id int64) (view.View, error)
	Create(ctx context.Context, in view.Input) (view.View, error)
	Update(ctx context.Context, id int64, in view.Input) (view.View, error)
	Delete(ctx context.Context, id int64) error
}

// Catalogs reads what rule forms offer and name: custom fields, groups
// and agents (the rule catalog).
type Catalogs interface {
	Catalog(ctx context.Context, accountID int64) (rule.Catalog, error)
}

// catalog is the signed-in admin's account catalog.
func (h *Pages) catalog(ctx context.Context) (rule.Catalog, auth.Actor, error) {
	a, err := auth.RequireAdmin(ctx)
	if err != nil {
		return rule.Catalog{}, a, err
	}
	cat, err := h.catalogs.Catalog(ctx, a.AccountID)
	return cat, a, err
}

// viewRow is one line of the views list.
type viewRow struct {
	V         view.View
	Available string
}

// viewsView is the views list: the active or the inactive ones.
type viewsView struct {
	Active bool
	Rows   []viewRow
}

func (h *Pages) viewsPage(w http.ResponseWriter, r *http.Request) error {
	cat, a, err := h.catalog(r.Context())
	if err != nil {
		return err
	}
	active := r.URL.Query().Get("active") != "false"
	vs, _, _, err := h.views.List(r.Context(), view.Filter{Active: &active}, db.Page{Limit: 100, Sort: "position"})
	if err != nil {
		return err
	}
	v := viewsView{Active: active}
	for _, x := range vs {
		v.Rows = append(v.Rows, viewRow{V: x, Available: restrictionLabel(x.Restriction, cat, a.UserID)})
	}
	web.Render(w, r, http.StatusOK, ViewsPage(web.NewPage(r, "Views", "admin"), v))
	return nil
}

// maxColumnPicks is how many column selects the form offers (the view
// room's limit).
const maxColumnPicks = view.MaxColumns

// viewForm is the view editor: what is stored or was typed.
type viewForm struct {
	ID                  int64 // 0 for a new view
	Title, Description  string
	Active              bool
	Position            string
	Restriction         restrictionForm
	Columns             []string // one per column select, "" for none
	GroupBy, GroupOrder string
	SortBy, SortOrder   string
	B                   builder
	Choices             []view.ColumnChoice
	Problem             string
}

// action is where the form posts.
func (f viewForm) action() string {
	if f.ID == 0 {
		return "/admin/views"
	}
	return "/admin/views/" + strconv.FormatInt(f.ID, 10)
}

func (h *Pages) newView(w http.ResponseWriter, r *http.Request) error {
	cat, a, err := h.catalog(r.Context())
	if err != nil {
		return err
	}
	f := viewForm{Active: true, Restriction: newRestrictionForm(restrict.Restriction{}, cat, a.UserID),
		Columns: []string{"status", "subject", "requester", "created", "type", "priority"}, SortBy: "nice_id", SortOrder: "desc"}
	return h.renderView(w, r, http.StatusOK, cat, f)
}

func (h *Pages) editView(w http.ResponseWriter, r *http.Request) error {
	cat, a, err := h.catalog(r.Context())
	if err != nil {
		return err
	}
	id, err := pathID(r)
	if err != nil {
		return err
	}
	v, err := h.views.Get(r.Context(), id)
	if err != nil {
		return err
	}
	f := viewForm{ID: v.ID, Title: v.Title, Description: v.Description, Active: v.Active, Position: strconv.Itoa(v.Position),
		Restriction: newRestrictionForm(v.Restriction, cat, a.UserID), Columns: v.Output.Columns,
		GroupBy: v.Output.GroupBy, GroupOrder: v.Output.GroupOrder, SortBy: v.Output.SortBy, SortOrder: v.Output.SortOrder,
		B: builder{All: conditionRows(v.Conditions.All), Any: conditionRows(v.Conditions.Any)}}
	return h.renderView(w, r, http.StatusOK, cat, f)
}

func (h *Pages) renderView(w http.ResponseWriter, r *http.Request, status int, cat rule.Catalog, f viewForm) error {
	var err error
	f.B.Conditions = true
	if f.B, err = newBuilder(rule.Definitions(rule.View, cat), f.B); err != nil {
		return err
	}
	for len(f.Columns) < maxColumnPicks {
		f.Columns = append(f.Columns, "")
	}
	f.Choices = view.ColumnChoices(cat)
	title := "New view"
	if f.ID != 0 {
		title = "Edit view"
	}
	web.Render(w, r, status, ViewForm(web.NewPage(r, title, "admin"), f))
	return nil
}

// readView reads the posted view form.
func readView(r *http.Request, cat rule.Catalog, me int64) viewForm {
	f := viewForm{Title: r.PostFormValue("title"), Description: r.PostFormValue("description"),
		Active: r.PostFormValue("active") == "on", Position: strings.TrimSpace(r.PostFormValue("position")),
		Restriction: readRestriction(r, cat, me), GroupBy: r.PostFormValue("group_by"),
		GroupOrder: r.PostFormValue("group_order"), SortBy: r.PostFormValue("sort_by"), SortOrder: r.PostFormValue("sort_order"),
		B: builder{All: rows(r, "all"), Any: rows(r, "any")}}
	for _, c := range r.PostForm["column"] {
		if c != "" {
			f.Columns = append(f.Columns, c)
		}
	}
	return f
}

// input is the form as a view create or update.
func (f viewForm) input() (view.Input, error) {
	cols := make([]json.RawMessage, 0, len(f.Columns))
	for _, c := range f.Columns {
		b, err := json.Marshal(c)
		if err != nil {
			return view.Input{}, err
		}
		cols = append(cols, b)
	}
	in := view.Input{Title: opt.Of(f.Title), Description: opt.Of(f.Description), Active: opt.Of(f.Active),
		Restriction: opt.Of(f.Restriction.raw()), All: opt.Of(conditions(f.B.All)), Any: opt.Of(conditions(f.B.Any)),
		Output: opt.Of(view.OutputIn{Columns: opt.Of(cols), GroupBy: opt.Of(f.GroupBy), GroupOrder: opt.Of(f.GroupOrder),
			SortBy: opt.Of(f.SortBy), SortOrder: opt.Of(f.SortOrder)})}
	var err error
	in.Position, err = position(f.Position)
	return in, err
}

func (h *Pages) createView(w http.ResponseWriter, r *http.Request) error { return h.saveView(w, r, 0) }

func (h *Pages) updateView(w http.ResponseWriter, r *http.Request) error {
	id, err := pathID(r)
	if err != nil {
		return err
	}
	return h.saveView(w, r, id)
}

// saveView creates (id 0) or changes a view from the posted form; refused
// input shows the form again as typed.
func (h *Pages) saveView(w http.ResponseWriter, r *http.Request, id int64) error {
	cat, a, err := h.catalog(r.Context())
	if err != nil {
		return err
	}
	if err := r.ParseForm(); err != nil {
		return errs.Wrap(errs.BadRequest, "The form could not be read", err)
	}
	f := readView(r, cat, a.UserID)
	f.ID = id
	in, err := f.input()
	var v view.View
	if err == nil {
		if f.ID == 0 {
			v, err = h.views.Create(r.Context(), in)
		} else {
			v, err = h.views.Update(r.Context(), f.ID, in)
		}
	}
	if errs.Is(err, errs.Invalid) {
		f.Problem = web.Message(err)
		return h.renderView(w, r, http.StatusUnprocessableEntity, cat, f)
	}
	if err != nil {
		return err
	}
	web.Notice(w, r, "/admin/views", "View “"+v.Title+"” saved.")
	return nil
}

// setViewActive and deleteView are the list's buttons (switches.go).
func (h *Pages) setViewActive(w http.ResponseWriter, r *http.Request) error {
	return h.switchActive("/admin/views", "agents no longer see it", func(ctx context.Context, id int64, on bool) (string, error) {
		v, err := h.views.Update(ctx, id, view.Input{Active: opt.Of(on)})
		return v.Title, err
	})(w, r)
}

func (h *Pages) deleteView(w http.ResponseWriter, r *http.Request) error {
	return h.remove("/admin/views", "View deleted.", h.views.Delete)(w, r)
}
