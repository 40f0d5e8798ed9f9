package adminui

import (
	"context"
	"net/http"
	"strconv"
	"strings"

	"github.com/go-chi/chi/v5"

	"parley/internal/platform/db"
	"parley/internal/platform/errs"
	"parley/internal/platform/opt"
	"parley/internal/rule"
	"parley/internal/rule/trigger"
	"parley/internal/web"
)

// Triggers is the trigger room as the admin center uses it.
type Triggers interface {
	List(ctx context.Context, kind rule.Kind, f trigger.Filter, p db.Page) ([]trigger.Rule, int64, bool, error)
	Get(ctx context.Context, kind rule.Kind, id int64) (trigger.Rule, error)
	Create(ctx context.Context, kind rule.Kind, in trigger.Input) (trigger.Rule, error)
	Update(ctx context.Context, kind rule.Kind, id int64, in trigger.Input) (trigger.Rule, error)
	Delete(ctx context.Context, kind rule.Kind, id int64) error
	Definitions(ctx context.Context, kind rule.Kind) (map[string]any, error)
	ListCategories(ctx context.Context, p db.Page) ([]trigger.Category, int64, bool, error)
	CreateCategory(ctx context.Context, in trigger.CategoryInput) (trigger.Category, error)
	DeleteCategory(ctx context.Context, id int64) error
}

// ruleKind is triggers or automations: one service, one builder.
type ruleKind struct {
	Kind     rule.Kind
	Path     string // under /admin
	Title    string // the list's title
	Singular string
	// Categories: triggers are grouped in categories, which run in order.
	Categories bool
}

var (
	triggerKind    = ruleKind{Kind: rule.Trigger, Path: "triggers", Title: "Triggers", Singular: "trigger", Categories: true}
	automationKind = ruleKind{Kind: rule.Automation, Path: "automations", Title: "Automations", Singular: "automation"}
)

// routes registers a kind's list, editor and buttons.
func (h *Pages) ruleRoutes(r chi.Router, k ruleKind) {
	base := "/admin/" + k.Path
	r.Get(base, web.H(h.rulesPage(k)))
	r.Get(base+"/new", web.H(h.newRule(k)))
	r.Post(base, web.H(h.saveRule(k, false)))
	r.Get(base+"/{id}", web.H(h.editRule(k)))
	r.Post(base+"/{id}", web.H(h.saveRule(k, true)))
	r.Post(base+"/{id}/active", web.H(h.switchActive(base, "it no longer runs",
		func(ctx context.Context, id int64, on bool) (string, error) {
			t, err := h.triggers.Update(ctx, k.Kind, id, trigger.Input{Active: opt.Of(on)})
			return t.Title, err
		})))
	r.Post(base+"/{id}/delete", web.H(h.remove(base, upper(k.Singular)+" deleted.",
		func(ctx context.Context, id int64) error { return h.triggers.Delete(ctx, k.Kind, id) })))
}

func upper(s string) string { return strings.ToUpper(s[:1]) + s[1:] }

// ruleGroup is one category of the trigger list (automations have one
// group without a name).
type ruleGroup struct {
	Category trigger.Category
	Rules    []trigger.Rule
}

// rulesView is the trigger (or automation) list: the active or the
// inactive ones, by category and position, the order they run in.
type rulesView struct {
	K       ruleKind
	Active  bool
	Groups  []ruleGroup
	Name    string // a category name typed and refused
	Problem string
}

func (h *Pages) rulesPage(k ruleKind) web.Handler {
	return func(w http.ResponseWriter, r *http.Request) error {
		return h.renderRules(w, r, http.StatusOK, rulesView{K: k, Active: r.URL.Query().Get("active") != "false"})
	}
}

func (h *Pages) renderRules(w http.ResponseWriter, r *http.Request, status int, v rulesView) error {
	ctx := r.Context()
	if err := admin(ctx); err != nil {
		return err
	}
	ts, _, _, err := h.triggers.List(ctx, v.K.Kind, trigger.Filter{Active: &v.Active}, db.Page{Limit: 1000, Sort: "position"})
	if err != nil {
		return err
	}
	if !v.K.Categories {
		v.Groups = []ruleGroup{{Rules: ts}}
	} else {
		cats, _, _, err := h.triggers.ListCategories(ctx, db.Page{Limit: 1000, Sort: "position"})
		if err != nil {
			return err
		}
		at := map[int64]int{}
		for _, c := range cats {
			at[c.ID] = len(v.Groups)
			v.Groups = append(v.Groups, ruleGroup{Category: c})
		}
		for _, t := range ts {
			i, ok := at[t.CategoryID]
			if !ok { // a trigger without a known category: shown, not lost
				at[t.CategoryID] = len(v.Groups)
				i = len(v.Groups)
				v.Groups = append(v.Groups, ruleGroup{Category: trigger.Category{ID: t.CategoryID, Name: "Other"}})
			}
			v.Groups[i].Rules = append(v.Groups[i].Rules, t)
		}
	}
	web.Render(w, r, status, TriggersPage(web.NewPage(r, v.K.Title, "admin"), v))
	return nil
}

// triggerForm is the rule editor: what is stored or was typed, and the
// builder (with the kind's definitions as JSON for the page's script).
type triggerForm struct {
	K                  ruleKind
	ID                 int64 // 0 for a new rule
	Title, Description string
	Active             bool
	Position           string
	Category           string
	Categories         []choice
	B                  builder
	Problem            string
}

// action is where the form posts.
func (f triggerForm) action() string {
	if f.ID == 0 {
		return "/admin/" + f.K.Path
	}
	return "/admin/" + f.K.Path + "/" + strconv.FormatInt(f.ID, 10)
}

func (h *Pages) newRule(k ruleKind) web.Handler {
	return func(w http.ResponseWriter, r *http.Request) error {
		return h.renderBuilder(w, r, http.StatusOK, triggerForm{K: k, Active: true})
	}
}

func (h *Pages) editRule(k ruleKind) web.Handler {
	return func(w http.ResponseWriter, r *http.Request) error {
		if err := admin(r.Context()); err != nil {
			return err
		}
		id, err := pathID(r)
		if err != nil {
			return err
		}
		t, err := h.triggers.Get(r.Context(), k.Kind, id)
		if err != nil {
			return err
		}
		f := triggerForm{K: k, ID: t.ID, Title: t.Title, Description: t.Description, Active: t.Active,
			Position: strconv.Itoa(t.Position), B: builder{All: conditionRows(t.Conditions.All),
				Any: conditionRows(t.Conditions.Any), Acts: actionRows(t.Actions)}}
		if t.CategoryID != 0 {
			f.Category = strconv.FormatInt(t.CategoryID, 10)
		}
		return h.renderBuilder(w, r, http.StatusOK, f)
	}
}

func (h *Pages) renderBuilder(w http.ResponseWriter, r *http.Request, status int, f triggerForm) error {
	ctx := r.Context()
	if err := admin(ctx); err != nil {
		return err
	}
	defs, err := h.triggers.Definitions(ctx, f.K.Kind)
	if err != nil {
		return err
	}
	f.B.Conditions, f.B.Actions = true, true
	if f.B, err = newBuilder(defs, f.B); err != nil {
		return err
	}
	if f.K.Categories {
		cats, _, _, err := h.triggers.ListCategories(ctx, db.Page{Limit: 1000, Sort: "position"})
		if err != nil {
			return err
		}
		for _, c := range cats {
			f.Categories = append(f.Categories, choice{strconv.FormatInt(c.ID, 10), c.Name})
		}
	}
	title := "New " + f.K.Singular
	if f.ID != 0 {
		title = "Edit " + f.K.Singular
	}
	web.Render(w, r, status, TriggerBuilder(web.NewPage(r, title, "admin"), f))
	return nil
}

// saveRule creates a rule, or changes the one of the path (edit); refused
// input shows the form again as typed.
func (h *Pages) saveRule(k ruleKind, edit bool) web.Handler {
	return func(w http.ResponseWriter, r *http.Request) error {
		ctx := r.Context()
		if err := admin(ctx); err != nil {
			return err
		}
		f := triggerForm{K: k}
		if edit {
			id, err := pathID(r)
			if err != nil {
				return err
			}
			f.ID = id
		}
		if err := r.ParseForm(); err != nil {
			return errs.Wrap(errs.BadRequest, "The form could not be read", err)
		}
		f.Title, f.Description = r.PostFormValue("title"), r.PostFormValue("description")
		f.Active, f.Position = r.PostFormValue("active") == "on", strings.TrimSpace(r.PostFormValue("position"))
		f.Category = r.PostFormValue("category_id")
		f.B = builder{All: rows(r, "all"), Any: rows(r, "any"), Acts: rows(r, "action")}
		in := trigger.Input{Title: opt.Of(f.Title), Description: opt.Of(f.Description), Active: opt.Of(f.Active),
			All: opt.Of(conditions(f.B.All)), Any: opt.Of(conditions(f.B.Any)), Actions: opt.Of(actions(f.B.Acts))}
		if n, err := strconv.ParseInt(f.Category, 10, 64); err == nil && k.Categories {
			in.CategoryID = opt.Of(opt.ID(n))
		}
		pos, err := position(f.Position)
		in.Position = pos
		var t trigger.Rule
		if err == nil {
			if f.ID == 0 {
				t, err = h.triggers.Create(ctx, k.Kind, in)
			} else {
				t, err = h.triggers.Update(ctx, k.Kind, f.ID, in)
			}
		}
		if errs.Is(err, errs.Invalid) {
			f.Problem = web.Message(err)
			return h.renderBuilder(w, r, http.StatusUnprocessableEntity, f)
		}
		if err != nil {
			return err
		}
		back := "/admin/" + k.Path
		if !t.Active {
			back += "?active=false"
		}
		web.Notice(w, r, back, upper(k.Singular)+" “"+t.Title+"” saved.")
		return nil
	}
}

// addCategory makes a trigger category; it goes last.
func (h *Pages) addCategory(w http.ResponseWriter, r *http.Request) error {
	if err := admin(r.Context()); err != nil {
		return err
	}
	name := r.PostFormValue("name")
	c, err := h.triggers.CreateCategory(r.Context(), trigger.CategoryInput{Name: opt.Of(name)})
	if errs.Is(err, errs.Invalid) {
		return h.renderRules(w, r, http.StatusUnprocessableEntity, rulesView{K: triggerKind, Active: true, Name: name,
			Problem: web.Message(err)})
	}
	if err != nil {
		return err
	}
	web.Notice(w, r, "/admin/triggers", "Category “"+c.Name+"” added.")
	return nil
}

// deleteCategory removes an empty category; the room refuses one that
// still holds triggers, and the list says so.
func (h *Pages) deleteCategory(w http.ResponseWriter, r *http.Request) error {
	if err := admin(r.Context()); err != nil {
		return err
	}
	id, err := pathID(r)
	if err != nil {
		return err
	}
	err = h.triggers.DeleteCategory(r.Context(), id)
	if errs.Is(err, errs.BadRequest) {
		return h.renderRules(w, r, http.StatusConflict, rulesView{K: triggerKind, Active: true, Problem: web.Message(err)})
	}
	if err != nil {
		return err
	}
	web.Notice(w, r, "/admin/triggers", "Category deleted.")
	return nil
}
