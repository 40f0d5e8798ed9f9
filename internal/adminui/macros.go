package adminui

import (
	"context"
	"net/http"
	"strconv"
	"strings"

	"parley/internal/platform/db"
	"parley/internal/platform/errs"
	"parley/internal/platform/opt"
	"parley/internal/rule"
	"parley/internal/rule/macro"
	"parley/internal/rule/restrict"
	"parley/internal/web"
)

// Macros is the macro room as the admin center uses it.
type Macros interface {
	List(ctx context.Context, f macro.Filter, p db.Page) ([]macro.Macro, int64, bool, error)
	Get(ctx context.Context, id int64) (macro.Macro, error)
	Create(ctx context.Context, in macro.Input) (macro.Macro, error)
	Update(ctx context.Context, id int64, in macro.Input) (macro.Macro, error)
	Delete(ctx context.Context, id int64) error
}

// macroRow is one line of the macros list.
type macroRow struct {
	M         macro.Macro
	Available string
}

// macrosView is the macros list: the active or the inactive ones.
type macrosView struct {
	Active bool
	Rows   []macroRow
}

func (h *Pages) macrosPage(w http.ResponseWriter, r *http.Request) error {
	cat, a, err := h.catalog(r.Context())
	if err != nil {
		return err
	}
	active := r.URL.Query().Get("active") != "false"
	ms, _, _, err := h.macros.List(r.Context(), macro.Filter{Active: &active}, db.Page{Limit: 100, Sort: "position"})
	if err != nil {
		return err
	}
	v := macrosView{Active: active}
	for _, m := range ms {
		v.Rows = append(v.Rows, macroRow{M: m, Available: restrictionLabel(m.Restriction, cat, a.UserID)})
	}
	web.Render(w, r, http.StatusOK, MacrosPage(web.NewPage(r, "Macros", "admin"), v))
	return nil
}

// macroForm is the macro editor: what is stored or was typed.
type macroForm struct {
	ID                 int64 // 0 for a new macro
	Title, Description string
	Active             bool
	Position           string
	Restriction        restrictionForm
	B                  builder
	Problem            string
}

func (f macroForm) action() string {
	if f.ID == 0 {
		return "/admin/macros"
	}
	return "/admin/macros/" + strconv.FormatInt(f.ID, 10)
}

func (h *Pages) newMacro(w http.ResponseWriter, r *http.Request) error {
	cat, a, err := h.catalog(r.Context())
	if err != nil {
		return err
	}
	return h.renderMacro(w, r, http.StatusOK, cat, macroForm{Active: true,
		Restriction: newRestrictionForm(restrict.Restriction{}, cat, a.UserID)})
}

func (h *Pages) editMacro(w http.ResponseWriter, r *http.Request) error {
	cat, a, err := h.catalog(r.Context())
	if err != nil {
		return err
	}
	id, err := pathID(r)
	if err != nil {
		return err
	}
	m, err := h.macros.Get(r.Context(), id)
	if err != nil {
		return err
	}
	f := macroForm{ID: m.ID, Title: m.Title, Active: m.Active, Position: strconv.Itoa(m.Position),
		Restriction: newRestrictionForm(m.Restriction, cat, a.UserID), B: builder{Acts: actionRows(m.Actions)}}
	if m.Description != nil {
		f.Description = *m.Description
	}
	return h.renderMacro(w, r, http.StatusOK, cat, f)
}

func (h *Pages) renderMacro(w http.ResponseWriter, r *http.Request, status int, cat rule.Catalog, f macroForm) error {
	var err error
	f.B.Actions = true
	if f.B, err = newBuilder(rule.Definitions(rule.Macro, cat), f.B); err != nil {
		return err
	}
	title := "New macro"
	if f.ID != 0 {
		title = "Edit macro"
	}
	web.Render(w, r, status, MacroForm(web.NewPage(r, title, "admin"), f))
	return nil
}

func (h *Pages) createMacro(w http.ResponseWriter, r *http.Request) error {
	return h.saveMacro(w, r, 0)
}

func (h *Pages) updateMacro(w http.ResponseWriter, r *http.Request) error {
	id, err := pathID(r)
	if err != nil {
		return err
	}
	return h.saveMacro(w, r, id)
}

// saveMacro creates (id 0) or changes a macro from the posted form;
// refused input shows the form again as typed.
func (h *Pages) saveMacro(w http.ResponseWriter, r *http.Request, id int64) error {
	cat, a, err := h.catalog(r.Context())
	if err != nil {
		return err
	}
	if err := r.ParseForm(); err != nil {
		return errs.Wrap(errs.BadRequest, "The form could not be read", err)
	}
	f := macroForm{ID: id, Title: r.PostFormValue("title"), Description: r.PostFormValue("description"),
		Active: r.PostFormValue("active") == "on", Position: strings.TrimSpace(r.PostFormValue("position")),
		Restriction: readRestriction(r, cat, a.UserID), B: builder{Acts: rows(r, "action")}}
	in := macro.Input{Title: opt.Of(f.Title), Description: opt.Of(f.Description), Active: opt.Of(f.Active),
		Restriction: opt.Of(f.Restriction.raw()), Actions: opt.Of(actions(f.B.Acts))}
	if f.Description == "" {
		in.Description = opt.Opt[string]{Set: true, Null: true} // no description, as the API keeps it: null
	}
	in.Position, err = position(f.Position)
	var m macro.Macro
	if err == nil {
		if id == 0 {
			m, err = h.macros.Create(r.Context(), in)
		} else {
			m, err = h.macros.Update(r.Context(), id, in)
		}
	}
	if errs.Is(err, errs.Invalid) {
		f.Problem = web.Message(err)
		return h.renderMacro(w, r, http.StatusUnprocessableEntity, cat, f)
	}
	if err != nil {
		return err
	}
	web.Notice(w, r, "/admin/macros", "Macro “"+m.Title+"” saved.")
	return nil
}

// position reads a typed position: blank leaves it as it is.
func position(s string) (opt.Opt[int], error) {
	if s == "" {
		return opt.Opt[int]{}, nil
	}
	n, err := strconv.Atoi(s)
	if err != nil {
		return opt.Opt[int]{}, errs.Invalidf("position", "InvalidValue", "Position: must be a whole number")
	}
	return opt.Of(n), nil
}

// setMacroActive and deleteMacro are the list's buttons (switches.go).
func (h *Pages) setMacroActive(w http.ResponseWriter, r *http.Request) error {
	return h.switchActive("/admin/macros", "agents no longer apply it", func(ctx context.Context, id int64, on bool) (string, error) {
		m, err := h.macros.Update(ctx, id, macro.Input{Active: opt.Of(on)})
		return m.Title, err
	})(w, r)
}

func (h *Pages) deleteMacro(w http.ResponseWriter, r *http.Request) error {
	return h.remove("/admin/macros", "Macro deleted.", h.macros.Delete)(w, r)
}
