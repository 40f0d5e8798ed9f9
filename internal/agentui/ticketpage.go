package agentui

import (
	"context"
	"fmt"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"time"

	"parley/internal/auth"
	"parley/internal/platform/db"
	"parley/internal/platform/errs"
	"parley/internal/platform/opt"
	"parley/internal/rule/macro"
	"parley/internal/share"
	"parley/internal/ticket"
	"parley/internal/user"
	"parley/internal/web"
)

// The ticket page, the new-ticket form and the ticket's live stream.

// choice is one option of a select.
type choice struct {
	Value, Label string
}

// ticketForm is what the properties panel and the new-ticket form offer.
type ticketForm struct {
	Statuses  []choice
	Agents    []choice
	Groups    []choice
	Macros    []choice
	Priority  []string
	Types     []string
	Assignee  string
	Group     string
	Status    string
	Prio      string
	Type      string
	Tags      string
	Subject   string
	Requester string
	Name      string
	Body      string
	// Internal keeps the reply box on internal note when a refused
	// update is shown again.
	Internal bool
	// defaults maps a status category to its default custom status id.
	defaults map[string]string
	// Partners are the accepted outbound sharing agreements; the sharing
	// field is shown only when there are some (seed 003). SharedTo is the
	// one the ticket is shared through.
	Partners []choice
	SharedTo string
	// FollowupOf is the closed ticket a new ticket follows up (0: none).
	FollowupOf int64
	// Forms are the active ticket forms a new ticket may take (offered
	// when there are several); FormID the chosen one.
	Forms  []choice
	FormID string
}

func (h *Pages) formChoices(ctx context.Context) (ticketForm, error) {
	f := ticketForm{Priority: ticket.Priorities, Types: ticket.Types, defaults: map[string]string{}}
	active := true
	statuses, err := h.tickets.ListStatuses(ctx, ticket.StatusFilter{Active: &active})
	if err != nil {
		return f, err
	}
	// Custom statuses in Zendesk's order of categories, each category's
	// default first; the value is the custom status id.
	for _, cat := range ticket.Statuses {
		for _, def := range []bool{true, false} {
			for _, cs := range statuses {
				if cs.Category != cat || cs.Default != def {
					continue
				}
				id := strconv.FormatInt(cs.ID, 10)
				label := cs.AgentLabel
				if !cs.Default {
					label = statusLabel(cat) + ": " + cs.AgentLabel
				}
				f.Statuses = append(f.Statuses, choice{id, label})
				if cs.Default {
					f.defaults[cat] = id
				}
			}
		}
	}
	agents, _, _, err := h.people.ListUsers(ctx, user.Filter{Roles: []auth.Role{auth.RoleAgent, auth.RoleAdmin}}, db.Page{Limit: 100})
	if err != nil {
		return f, err
	}
	for _, u := range agents {
		f.Agents = append(f.Agents, choice{strconv.FormatInt(u.ID, 10), u.Name})
	}
	groups, _, _, err := h.people.ListGroups(ctx, user.GroupFilter{}, db.Page{Limit: 100})
	if err != nil {
		return f, err
	}
	for _, g := range groups {
		f.Groups = append(f.Groups, choice{strconv.FormatInt(g.ID, 10), g.Name})
	}
	ms, _, _, err := h.macros.List(ctx, macro.Filter{Active: &active, OnlyViewable: true}, db.Page{Limit: 100})
	if err != nil {
		return f, err
	}
	for _, m := range ms {
		f.Macros = append(f.Macros, choice{strconv.FormatInt(m.ID, 10), m.Title})
	}
	if h.sharing != nil {
		ags, err := h.sharing.List(ctx)
		if err != nil {
			return f, err
		}
		for _, ag := range ags {
			if ag.Direction == share.Outbound && ag.Status == share.StatusAccepted {
				f.Partners = append(f.Partners, choice{strconv.FormatInt(ag.ID, 10), ag.Name})
			}
		}
	}
	return f, nil
}

func statusLabel(s string) string {
	if s == "hold" {
		return "On-hold"
	}
	return strings.ToUpper(s[:1]) + s[1:]
}

// entry is one comment in the conversation.
type entry struct {
	Author  string
	When    string
	Body    string
	Public  bool
	Channel string
	Files   []fileLink
}

// change is one line of the event log.
type change struct {
	When, Who, What string
}

// ticketView is the ticket page.
type ticketView struct {
	Sidebar      []viewCount
	ID           int64
	Subject      string
	Status       string
	Requester    string
	RequesterID  int64
	Closed       bool
	Shared       bool
	Conversation []entry
	Log          []change
	Form         ticketForm
	Fields       []formField
	CCs          []cc
	// Followers are the agents following the ticket; Followable the
	// agents who could start to.
	Followers  []cc
	Followable []choice
	// ReadOnly is set when the agent's custom role does not allow editing
	// ticket properties (comments only); CanMerge when it allows merging.
	ReadOnly bool
	CanMerge bool
	// InternalOnly is set when the role allows internal notes only.
	InternalOnly bool
	// UploadLimit is the largest file the reply box takes, in bytes.
	UploadLimit int64
	Problem     string
}

func (h *Pages) ticketData(ctx context.Context, id int64) (ticketView, error) {
	t, err := h.tickets.Get(ctx, id)
	if err != nil {
		return ticketView{}, err
	}
	comments, _, _, err := h.tickets.Comments(ctx, id, db.Page{Limit: 100})
	if err != nil {
		return ticketView{}, err
	}
	audits, _, _, err := h.tickets.Audits(ctx, id, db.Page{Limit: 100})
	if err != nil {
		return ticketView{}, err
	}
	ids := append(append([]int64{t.RequesterID}, t.EmailCCIDs...), t.FollowerIDs...)
	for _, c := range comments {
		ids = append(ids, c.AuthorID)
	}
	for _, a := range audits {
		ids = append(ids, a.AuthorID)
		for _, e := range a.Events {
			if e.FieldName == "assignee_id" {
				for _, v := range []any{e.Value, e.PreviousValue} {
					if n, err := strconv.ParseInt(show(v), 10, 64); err == nil {
						ids = append(ids, n)
					}
				}
			}
		}
	}
	names, err := h.names(ctx, ids)
	if err != nil {
		return ticketView{}, err
	}
	f, err := h.formChoices(ctx)
	if err != nil {
		return ticketView{}, err
	}
	f.Status, f.Prio, f.Type, f.Tags = strconv.FormatInt(t.CustomStatusID, 10), deref(t.Priority), deref(t.Type), strings.Join(t.Tags, " ")
	if t.SharedToID != nil {
		f.SharedTo = strconv.FormatInt(*t.SharedToID, 10)
		if !slices.ContainsFunc(f.Partners, func(c choice) bool { return c.Value == f.SharedTo }) {
			// Shared through an agreement no longer accepted: keep it
			// chosen, so saving the form does not unshare by accident.
			f.Partners = append(f.Partners, choice{f.SharedTo, "agreement " + f.SharedTo + " (no longer accepted)"})
		}
	}
	if t.Status == "new" {
		f.Status = f.defaults["open"] // an agent's first update opens a new ticket, as Zendesk's submit does
	}
	if t.AssigneeID != nil {
		f.Assignee = strconv.FormatInt(*t.AssigneeID, 10)
	}
	if t.GroupID != nil {
		f.Group = strconv.FormatInt(*t.GroupID, 10)
	}
	tv := ticketView{ID: t.ID, Subject: t.Subject, Status: t.Status, Requester: names[t.RequesterID], RequesterID: t.RequesterID, Closed: t.Status == "closed", Form: f,
		Shared: len(t.SharingAgreementIDs()) > 0, UploadLimit: h.tickets.UploadLimit()}
	perms := auth.ActorFrom(ctx).Permissions()
	tv.ReadOnly, tv.CanMerge, tv.InternalOnly = !perms.TicketEditing, perms.TicketMerge, !perms.PublicComments
	if tv.Fields, err = h.fieldsOf(ctx, t); err != nil {
		return ticketView{}, err
	}
	for _, id := range t.EmailCCIDs {
		tv.CCs = append(tv.CCs, cc{ID: id, Name: nameOr(names, id)})
	}
	for _, id := range t.FollowerIDs {
		tv.Followers = append(tv.Followers, cc{ID: id, Name: nameOr(names, id)})
	}
	for _, a := range f.Agents {
		if id, _ := strconv.ParseInt(a.Value, 10, 64); !slices.Contains(t.FollowerIDs, id) {
			tv.Followable = append(tv.Followable, a)
		}
	}
	for _, c := range comments {
		tv.Conversation = append(tv.Conversation, entry{Author: nameOr(names, c.AuthorID), When: c.CreatedAt.Format("2006-01-02 15:04"),
			Body: c.PlainBody, Public: c.Public, Channel: c.Via.Channel, Files: fileLinks(c.Attachments)})
	}
	groups := map[string]string{}
	for _, g := range f.Groups {
		groups[g.Value] = g.Label
	}
	for _, a := range audits {
		for _, e := range a.Events {
			if (e.Type != "Change" && e.Type != "TicketSharingEvent") || e.FieldName == "custom_status_id" {
				continue
			}
			before, after := show(e.PreviousValue), show(e.Value)
			switch e.FieldName {
			case "assignee_id", "requester_id", "submitter_id":
				before, after = personName(names, before), personName(names, after)
			case "group_id":
				before, after = or(groups[before], before), or(groups[after], after)
			}
			what := fmt.Sprintf("%s: %s → %s", strings.TrimSuffix(e.FieldName, "_id"), before, after)
			if e.Type == "TicketSharingEvent" {
				what = fmt.Sprintf("ticket sharing: %v through agreement %v", e.Data["action"], e.Data["agreement_id"])
			}
			tv.Log = append(tv.Log, change{When: a.CreatedAt.Format("2006-01-02 15:04"), Who: nameOr(names, a.AuthorID), What: what})
		}
	}
	return tv, nil
}

// personName shows a user id from an event as the user's name.
func personName(names map[int64]string, v string) string {
	if n, err := strconv.ParseInt(v, 10, 64); err == nil {
		return nameOr(names, n)
	}
	return v
}

func or(a, b string) string {
	if a != "" {
		return a
	}
	return b
}

func nameOr(names map[int64]string, id int64) string {
	if n, ok := names[id]; ok {
		return n
	}
	if id <= 0 {
		return "Parley"
	}
	return "Unknown user"
}

func show(v any) string {
	switch x := v.(type) {
	case nil:
		return "—"
	case []string:
		return strings.Join(x, " ")
	case []any:
		parts := make([]string, len(x))
		for i, p := range x {
			parts[i] = fmt.Sprint(p)
		}
		return strings.Join(parts, " ")
	}
	return fmt.Sprint(v)
}

func (h *Pages) ticketPage(w http.ResponseWriter, r *http.Request) error {
	ctx := r.Context()
	_, id, err := agentID(r)
	if err != nil {
		return err
	}
	tv, err := h.ticketData(ctx, id)
	if err != nil {
		return err
	}
	if tv.Sidebar, err = h.sidebar(ctx); err != nil {
		return err
	}
	web.Render(w, r, http.StatusOK, TicketPage(web.NewPage(r, fmt.Sprintf("#%d %s", tv.ID, tv.Subject), "agent"), tv))
	return nil
}

// ticketPanels is the part of the ticket page that live updates replace.
func (h *Pages) ticketPanels(w http.ResponseWriter, r *http.Request) error {
	ctx := r.Context()
	_, id, err := agentID(r)
	if err != nil {
		return err
	}
	tv, err := h.ticketData(ctx, id)
	if err != nil {
		return err
	}
	web.Render(w, r, http.StatusOK, TicketPanels(web.NewPage(r, "", "agent"), tv))
	return nil
}

// formInput turns the ticket form into an update (or a create).
func formInput(r *http.Request) ticket.Input {
	var in ticket.Input
	if id, err := strconv.ParseInt(r.PostFormValue("status"), 10, 64); err == nil && id > 0 {
		in.CustomStatusID = opt.Of(id)
	}
	if p := r.PostFormValue("priority"); p != "" || r.PostForm.Has("priority") {
		in.Priority = opt.Of(p)
	}
	if t := r.PostFormValue("type"); t != "" || r.PostForm.Has("type") {
		in.Type = opt.Of(t)
	}
	for _, x := range []struct {
		name string
		dst  *opt.Opt[int64]
	}{{"assignee_id", &in.AssigneeID}, {"group_id", &in.GroupID}} {
		if !r.PostForm.Has(x.name) {
			continue
		}
		n, _ := strconv.ParseInt(r.PostFormValue(x.name), 10, 64)
		*x.dst = opt.Of(n) // 0 clears it
	}
	if r.PostForm.Has("tags") {
		in.Tags = opt.Of(strings.Fields(r.PostFormValue("tags")))
	}
	if body := strings.TrimSpace(r.PostFormValue("body")); body != "" {
		in.Comment = opt.Of(ticket.CommentInput{Body: body, Public: opt.Of(r.PostFormValue("visibility") != "internal")})
	}
	if m, err := strconv.ParseInt(r.PostFormValue("macro_id"), 10, 64); err == nil && m > 0 {
		in.MacroIDs = opt.Of([]int64{m})
	}
	return in
}

func (h *Pages) updateTicket(w http.ResponseWriter, r *http.Request) error {
	ctx := r.Context()
	a, id, err := agentID(r)
	if err != nil {
		return err
	}
	if err := parseForm(r); err != nil {
		return err
	}
	cur, err := h.tickets.Get(ctx, id)
	if err != nil {
		return err
	}
	openID, err := h.defaultOpen(ctx)
	if err != nil {
		return err
	}
	in := unchangedDropped(cur, formInput(r), openID)
	in.CustomFields = fieldInput(r, cur)
	in.EmailCCs = ccInput(r)
	in.Followers = followerInput(r)
	if email := strings.TrimSpace(r.PostFormValue("requester_email")); email != "" {
		in.Requester = opt.Of(ticket.RequesterInput{Email: email})
	}
	if r.PostForm.Has("share_with") {
		in.SharingAgreementIDs = sharingChange(cur, r.PostFormValue("share_with"))
	}
	files := chosenFiles(r)
	if status, problem := h.refusedFiles(files, strings.TrimSpace(r.PostFormValue("body"))); problem != "" {
		return h.refuse(w, r, id, status, problem)
	}
	token, err := h.upload(ctx, files)
	if errs.Is(err, errs.TooLarge) {
		return h.refuse(w, r, id, http.StatusRequestEntityTooLarge, web.Message(err))
	}
	if err != nil {
		return err
	}
	if token != "" {
		in.Comment.V.Uploads = []string{token}
	}
	_, _, err = h.tickets.UpdateAs(ctx, a, id, in, webVia)
	if err != nil && token != "" {
		_ = h.tickets.DeleteUpload(ctx, token) // the comment never took them
	}
	if errs.Is(err, errs.Invalid) {
		return h.refuse(w, r, id, http.StatusUnprocessableEntity, web.Message(err))
	}
	if errs.Is(err, errs.Forbidden) { // the role allows comments only
		return h.refuse(w, r, id, http.StatusForbidden, web.Message(err))
	}
	if err != nil {
		return err
	}
	web.Notice(w, r, fmt.Sprintf("/agent/tickets/%d", id), "Ticket updated.")
	return nil
}

// refuse shows the ticket page again saying why the update did not go,
// keeping the comment that was typed.
func (h *Pages) refuse(w http.ResponseWriter, r *http.Request, id int64, status int, problem string) error {
	ctx := r.Context()
	tv, err := h.ticketData(ctx, id)
	if err != nil {
		return err
	}
	if tv.Sidebar, err = h.sidebar(ctx); err != nil {
		return err
	}
	tv.Problem = problem
	tv.Form.Body = r.PostFormValue("body")
	tv.Form.Internal = r.PostFormValue("visibility") == "internal"
	web.Render(w, r, status, TicketPage(web.NewPage(r, fmt.Sprintf("#%d", id), "agent"), tv))
	return nil
}

// unchangedDropped keeps only the properties the agent changed on the
// form: what a macro sets must not be overridden by a field the agent left
// as it was shown. A new ticket's status shows as open, and submitting it
// so (without a macro) opens the ticket.
func unchangedDropped(cur ticket.Ticket, in ticket.Input, openID int64) ticket.Input {
	macro := in.MacroIDs.Has()
	shown := cur.CustomStatusID
	if cur.Status == "new" {
		shown = openID
	}
	if in.CustomStatusID.V == shown && (macro || cur.Status != "new") {
		in.CustomStatusID = opt.Opt[int64]{}
	}
	if in.Priority.Set && in.Priority.V == deref(cur.Priority) {
		in.Priority = opt.Opt[string]{}
	}
	if in.Type.Set && in.Type.V == deref(cur.Type) {
		in.Type = opt.Opt[string]{}
	}
	for _, x := range []struct {
		in  *opt.Opt[int64]
		cur *int64
	}{{&in.AssigneeID, cur.AssigneeID}, {&in.GroupID, cur.GroupID}} {
		have := int64(0)
		if x.cur != nil {
			have = *x.cur
		}
		if x.in.Set && x.in.V == have {
			*x.in = opt.Opt[int64]{}
		}
	}
	if in.Tags.Set && strings.Join(in.Tags.V, " ") == strings.Join(cur.Tags, " ") {
		in.Tags = opt.Opt[[]string]{}
	}
	return in
}

// defaultOpen is the id of the account's default open status.
func (h *Pages) defaultOpen(ctx context.Context) (int64, error) {
	active, def := true, true
	sts, err := h.tickets.ListStatuses(ctx, ticket.StatusFilter{Categories: []string{"open"}, Active: &active, Default: &def})
	if err != nil || len(sts) == 0 {
		return 0, err
	}
	return sts[0].ID, nil
}

// sharingChange turns the sharing field into sharing_agreement_ids when it
// changed: the partner to share with (keeping the agreement a received
// ticket came through), or none to stop sharing it out.
func sharingChange(cur ticket.Ticket, chosen string) opt.Opt[[]int64] {
	want, _ := strconv.ParseInt(chosen, 10, 64)
	have := int64(0)
	if cur.SharedToID != nil {
		have = *cur.SharedToID
	}
	if want == have {
		return opt.Opt[[]int64]{}
	}
	ids := []int64{}
	if cur.SharedFromID != nil {
		ids = append(ids, *cur.SharedFromID)
	}
	if want > 0 {
		ids = append(ids, want)
	}
	return opt.Of(ids)
}

// events streams a server-sent event whenever the ticket changes, so every
// browser showing it refreshes its panels without a reload.
func (h *Pages) events(w http.ResponseWriter, r *http.Request) error {
	ctx := r.Context()
	a, id, err := agentID(r)
	if err != nil {
		return err
	}
	if _, err := h.tickets.Get(ctx, id); err != nil {
		return err
	}
	ch, stop := h.live.Subscribe(ticketTopic(a.AccountID, id))
	defer stop()
	others, stopOthers := h.live.Subscribe(viewersTopic(a.AccountID, id))
	defer stopOthers()
	// Join the viewers; leaving is announced with a fresh context, as
	// the request's is gone by then.
	if err := h.viewers.Seen(ctx, a.AccountID, id, a.UserID, time.Now()); err != nil {
		return err
	}
	announce := func(ctx context.Context) { _ = h.live.Publish(ctx, viewersTopic(a.AccountID, id)) }
	announce(ctx)
	defer func() {
		bg := context.WithoutCancel(ctx)
		_ = h.viewers.Left(bg, a.AccountID, id, a.UserID)
		announce(bg)
	}()
	rc := http.NewResponseController(w)
	_ = rc.SetWriteDeadline(time.Time{}) // a stream outlives the server's write timeout
	w.Header().Set("Content-Type", "text/event-stream")
	w.Header().Set("Cache-Control", "no-store")
	w.WriteHeader(http.StatusOK)
	_, _ = fmt.Fprint(w, "retry: 2000\n: connected\n\n")
	sendViewers := func() error {
		line, err := h.viewersLine(ctx, a.AccountID, id, a.UserID)
		if err != nil {
			return err
		}
		_, _ = fmt.Fprintf(w, "event: viewers\ndata: %s\n\n", line)
		return nil
	}
	if err := sendViewers(); err != nil {
		return nil
	}
	if err := rc.Flush(); err != nil {
		return nil
	}
	renew := time.NewTicker(viewerRenew)
	defer renew.Stop()
	for {
		select {
		case <-ctx.Done():
			return nil
		case <-ch:
			_, _ = fmt.Fprint(w, "event: ticket-updated\ndata: {}\n\n")
		case <-others:
			if sendViewers() != nil {
				return nil
			}
		case <-renew.C:
			if h.viewers.Seen(ctx, a.AccountID, id, a.UserID, time.Now()) != nil {
				return nil
			}
			_, _ = fmt.Fprint(w, ": ping\n\n")
		}
		if err := rc.Flush(); err != nil {
			return nil
		}
	}
}
