package adminui

import (
	"context"
	"net/http"
	"strings"

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
	Create(ctx context.Context, kind rule.Kind, in trigger.Input) (trigger.Rule, error)
	Definitions(ctx context.Context, kind rule.Kind) (map[string]any, error)
}

// ruleKind is triggers or automations: one service, one builder.
type ruleKind struct {
	Kind     rule.Kind
	Path     string // under /admin
	Title    string // the list's title
	Singular string
}

var (
	triggerKind    = ruleKind{Kind: rule.Trigger, Path: "triggers", Title: "Triggers", Singular: "trigger"}
	automationKind = ruleKind{Kind: rule.Automation, Path: "automations", Title: "Automations", Singular: "automation"}
)

// triggerForm is the builder's content: what was typed, and the
// definitions (as JSON for the page's script).
type triggerForm struct {
	K       ruleKind
	Title   string
	B       builder
	Problem string
}

func (h *Pages) rulesPage(k ruleKind) web.Handler {
	return func(w http.ResponseWriter, r *http.Request) error {
		if err := admin(r.Context()); err != nil {
			return err
		}
		ts, _, _, err := h.triggers.List(r.Context(), k.Kind, trigger.Filter{}, db.Page{Limit: 100})
		if err != nil {
			return err
		}
		web.Render(w, r, http.StatusOK, TriggersPage(web.NewPage(r, k.Title, "admin"), k, ts))
		return nil
	}
}

func (h *Pages) newRule(k ruleKind) web.Handler {
	return func(w http.ResponseWriter, r *http.Request) error {
		return h.renderBuilder(w, r, http.StatusOK, triggerForm{K: k})
	}
}

func (h *Pages) renderBuilder(w http.ResponseWriter, r *http.Request, status int, f triggerForm) error {
	if err := admin(r.Context()); err != nil {
		return err
	}
	defs, err := h.triggers.Definitions(r.Context(), f.K.Kind)
	if err != nil {
		return err
	}
	f.B.Conditions, f.B.Actions = true, true
	if f.B, err = newBuilder(defs, f.B); err != nil {
		return err
	}
	web.Render(w, r, status, TriggerBuilder(web.NewPage(r, "New "+f.K.Singular, "admin"), f))
	return nil
}

func (h *Pages) createRule(k ruleKind) web.Handler {
	return func(w http.ResponseWriter, r *http.Request) error {
		if err := admin(r.Context()); err != nil {
			return err
		}
		if err := r.ParseForm(); err != nil {
			return errs.Wrap(errs.BadRequest, "The form could not be read", err)
		}
		f := triggerForm{K: k, Title: r.PostFormValue("title"),
			B: builder{All: rows(r, "all"), Any: rows(r, "any"), Acts: rows(r, "action")}}
		in := trigger.Input{Title: opt.Of(f.Title), All: opt.Of(conditions(f.B.All)), Any: opt.Of(conditions(f.B.Any)),
			Actions: opt.Of(actions(f.B.Acts))}
		t, err := h.triggers.Create(r.Context(), k.Kind, in)
		if errs.Is(err, errs.Invalid) {
			f.Problem = web.Message(err)
			return h.renderBuilder(w, r, http.StatusUnprocessableEntity, f)
		}
		if err != nil {
			return err
		}
		web.Notice(w, r, "/admin/"+k.Path, strings.ToUpper(k.Singular[:1])+k.Singular[1:]+" “"+t.Title+"” created.")
		return nil
	}
}
