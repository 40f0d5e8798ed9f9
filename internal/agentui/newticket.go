package agentui

import (
	"fmt"
	"net/http"
	"strconv"
	"strings"

	"parley/internal/platform/errs"
	"parley/internal/platform/opt"
	"parley/internal/ticket"
	"parley/internal/web"
)

// The new-ticket form: the properties, the chosen ticket form's custom
// fields with their agent conditions (the ticket page's fields, shown for
// a ticket not yet made), and files on the first comment (the reply box's
// uploads).

// newTicketView is the new-ticket page.
type newTicketView struct {
	Sidebar     []viewCount
	Form        ticketForm
	Fields      []formField
	UploadLimit int64
	Problem     string
}

// formFields lists the active forms into f and returns the custom fields
// of the chosen one (chosen: asked for, else the default, else the first)
// with values, as typed when a refused form is shown again.
func (h *Pages) formFields(r *http.Request, f *ticketForm, chosen string, values map[int64]any) ([]formField, error) {
	if h.forms == nil {
		return nil, nil
	}
	forms, err := h.forms.ListForms(r.Context(), nil)
	if err != nil {
		return nil, err
	}
	var pick, def, first int64
	for _, fm := range forms {
		if !fm.Active {
			continue
		}
		id := strconv.FormatInt(fm.ID, 10)
		f.Forms = append(f.Forms, choice{id, or(fm.DisplayName, fm.Name)})
		if first == 0 {
			first = fm.ID
		}
		if fm.Default {
			def = fm.ID
		}
		if id == chosen {
			pick = fm.ID
		}
	}
	if pick == 0 {
		pick = def
	}
	if pick == 0 {
		pick = first
	}
	if pick == 0 {
		return nil, nil
	}
	f.FormID = strconv.FormatInt(pick, 10)
	return h.fieldsOf(r.Context(), ticket.Ticket{TicketFormID: &pick, Fields: values})
}

func (h *Pages) newTicketForm(w http.ResponseWriter, r *http.Request) error {
	ctx := r.Context()
	if _, err := agent(ctx); err != nil {
		return err
	}
	f, err := h.formChoices(ctx)
	if err != nil {
		return err
	}
	f.Status = f.defaults["open"]
	// A follow-up of a closed ticket starts with its subject and requester.
	if src, err := strconv.ParseInt(r.URL.Query().Get("followup_of"), 10, 64); err == nil && src > 0 {
		t, err := h.tickets.Get(ctx, src)
		if err != nil {
			return err
		}
		if t.Status == "closed" {
			f.FollowupOf, f.Subject = t.ID, "Re: "+t.Subject
		}
	}
	return h.renderNewTicket(w, r, http.StatusOK, f, r.URL.Query().Get("ticket_form_id"), nil, "")
}

// renderNewTicket shows the form with the chosen ticket form's fields.
func (h *Pages) renderNewTicket(w http.ResponseWriter, r *http.Request, status int, f ticketForm, form string,
	values map[int64]any, problem string) error {
	v := newTicketView{Form: f, UploadLimit: h.tickets.UploadLimit(), Problem: problem}
	var err error
	if v.Fields, err = h.formFields(r, &v.Form, form, values); err != nil {
		return err
	}
	if v.Sidebar, err = h.sidebar(r.Context()); err != nil {
		return err
	}
	web.Render(w, r, status, NewTicket(web.NewPage(r, "New ticket", "agent"), v))
	return nil
}

// newTicketFields is the fields of another ticket form, swapped in when
// the agent picks it.
func (h *Pages) newTicketFields(w http.ResponseWriter, r *http.Request) error {
	if _, err := agent(r.Context()); err != nil {
		return err
	}
	var f ticketForm
	fields, err := h.formFields(r, &f, r.URL.Query().Get("ticket_form_id"), nil)
	if err != nil {
		return err
	}
	web.Render(w, r, http.StatusOK, customFields(fields))
	return nil
}

func (h *Pages) createTicket(w http.ResponseWriter, r *http.Request) error {
	ctx := r.Context()
	a, err := agent(ctx)
	if err != nil {
		return err
	}
	if err := parseForm(r); err != nil {
		return err
	}
	in := formInput(r)
	in.Subject = opt.Of(r.PostFormValue("subject"))
	if src, err := strconv.ParseInt(r.PostFormValue("via_followup_source_id"), 10, 64); err == nil && src > 0 {
		in.ViaFollowupSourceID = opt.Of(src)
	}
	if email := strings.TrimSpace(r.PostFormValue("requester_email")); email != "" {
		in.Requester = opt.Of(ticket.RequesterInput{Email: email, Name: r.PostFormValue("requester_name")})
	}
	if openID, err := h.defaultOpen(ctx); err == nil && in.CustomStatusID.V == openID {
		in.CustomStatusID = opt.Opt[int64]{} // the form's default: let the ticket start as new
	}
	if id, err := strconv.ParseInt(r.PostFormValue("ticket_form_id"), 10, 64); err == nil && id > 0 {
		in.TicketFormID = opt.Of(id)
	}
	in.CustomFields = fieldInput(r, ticket.Ticket{})
	refuse := func(status int, problem string) error {
		f, err := h.formChoices(ctx)
		if err != nil {
			return err
		}
		f.Subject, f.Requester, f.Name, f.Body = r.PostFormValue("subject"), r.PostFormValue("requester_email"),
			r.PostFormValue("requester_name"), r.PostFormValue("body")
		f.Status, f.Prio, f.Type, f.Tags = r.PostFormValue("status"), r.PostFormValue("priority"), r.PostFormValue("type"),
			r.PostFormValue("tags")
		f.Internal = r.PostFormValue("visibility") == "internal"
		if src, err := strconv.ParseInt(r.PostFormValue("via_followup_source_id"), 10, 64); err == nil {
			f.FollowupOf = src
		}
		typed := map[int64]any{}
		for _, fv := range in.CustomFields.V {
			typed[int64(fv.ID)] = fv.Value
		}
		return h.renderNewTicket(w, r, status, f, r.PostFormValue("ticket_form_id"), typed, problem)
	}
	files := chosenFiles(r)
	if status, problem := h.refusedFiles(files, strings.TrimSpace(r.PostFormValue("body"))); problem != "" {
		return refuse(status, problem)
	}
	token, err := h.upload(ctx, files)
	if errs.Is(err, errs.TooLarge) {
		return refuse(http.StatusRequestEntityTooLarge, web.Message(err))
	}
	if err != nil {
		return err
	}
	if token != "" && in.Comment.Set {
		in.Comment.V.Uploads = []string{token}
	}
	t, _, err := h.tickets.CreateAs(ctx, a, in, webVia)
	if err != nil && token != "" {
		_ = h.tickets.DeleteUpload(ctx, token) // the comment never took them
	}
	if errs.Is(err, errs.Invalid) {
		return refuse(http.StatusUnprocessableEntity, web.Message(err))
	}
	if err != nil {
		return err
	}
	web.Notice(w, r, fmt.Sprintf("/agent/tickets/%d", t.ID), fmt.Sprintf("Ticket #%d created.", t.ID))
	return nil
}
