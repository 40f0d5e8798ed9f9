package adminui

import (
	"context"
	"net/http"
	"strconv"

	"github.com/go-chi/chi/v5"

	"parley/internal/platform/errs"
	"parley/internal/platform/opt"
	"parley/internal/ticket"
	"parley/internal/web"
)

// Statuses manages custom ticket statuses (the ticket room).
type Statuses interface {
	ListStatuses(ctx context.Context, f ticket.StatusFilter) ([]ticket.CustomStatus, error)
	CreateStatus(ctx context.Context, in ticket.StatusInput) (ticket.CustomStatus, error)
	UpdateStatus(ctx context.Context, id int64, in ticket.StatusInput) (ticket.CustomStatus, error)
}

// statusForm keeps what was typed when a status is refused.
type statusForm struct {
	Category, AgentLabel, EndUserLabel, Problem string
}

func (h *Pages) statusesPage(w http.ResponseWriter, r *http.Request) error {
	return h.renderStatuses(w, r, http.StatusOK, statusForm{Category: "open"})
}

func (h *Pages) renderStatuses(w http.ResponseWriter, r *http.Request, status int, f statusForm) error {
	if err := admin(r.Context()); err != nil {
		return err
	}
	sts, err := h.statuses.ListStatuses(r.Context(), ticket.StatusFilter{})
	if err != nil {
		return err
	}
	web.Render(w, r, status, StatusesPage(web.NewPage(r, "Ticket statuses", "admin"), sts, f))
	return nil
}

func (h *Pages) addStatus(w http.ResponseWriter, r *http.Request) error {
	if err := admin(r.Context()); err != nil {
		return err
	}
	f := statusForm{Category: r.PostFormValue("status_category"), AgentLabel: r.PostFormValue("agent_label"),
		EndUserLabel: r.PostFormValue("end_user_label")}
	in := ticket.StatusInput{StatusCategory: opt.Of(f.Category), AgentLabel: opt.Of(f.AgentLabel)}
	if f.EndUserLabel != "" {
		in.EndUserLabel = opt.Of(f.EndUserLabel)
	}
	st, err := h.statuses.CreateStatus(r.Context(), in)
	if errs.Is(err, errs.Invalid) {
		f.Problem = web.Message(err)
		return h.renderStatuses(w, r, http.StatusUnprocessableEntity, f)
	}
	if err != nil {
		return err
	}
	web.Notice(w, r, "/admin/statuses", "Status “"+st.AgentLabel+"” added.")
	return nil
}

// setStatusActive turns a custom status on or off (defaults stay on: the
// ticket room refuses to deactivate them).
func (h *Pages) setStatusActive(w http.ResponseWriter, r *http.Request) error {
	if err := admin(r.Context()); err != nil {
		return err
	}
	id, err := strconv.ParseInt(chi.URLParam(r, "id"), 10, 64)
	if err != nil {
		return errs.NotFoundf("Not found")
	}
	on := r.PostFormValue("active") == "true"
	st, err := h.statuses.UpdateStatus(r.Context(), id, ticket.StatusInput{Active: opt.Of(on)})
	if errs.Is(err, errs.Invalid) {
		return h.renderStatuses(w, r, http.StatusUnprocessableEntity, statusForm{Category: "open", Problem: web.Message(err)})
	}
	if err != nil {
		return err
	}
	msg := "“" + st.AgentLabel + "” is off: agents no longer pick it."
	if on {
		msg = "“" + st.AgentLabel + "” is on."
	}
	web.Notice(w, r, "/admin/statuses", msg)
	return nil
}
