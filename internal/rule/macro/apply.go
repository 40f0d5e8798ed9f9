package macro

import (
	"context"
	"database/sql"
	"errors"
	"sort"
	"strings"

	"parley/internal/auth"
	"parley/internal/platform/errs"
	"parley/internal/platform/httpx"
	"parley/internal/platform/opt"
	"parley/internal/rule"
	"parley/internal/ticket"
)

// ruleTicket is a ticket as the rule engine reads it.
func ruleTicket(t ticket.Ticket) rule.Ticket {
	deref := func(p *int64) int64 {
		if p == nil {
			return 0
		}
		return *p
	}
	str := func(p *string) string {
		if p == nil {
			return ""
		}
		return *p
	}
	rt := rule.Ticket{ID: t.ID, Status: t.Status, CustomStatusID: t.CustomStatusID, Priority: str(t.Priority), Type: str(t.Type),
		GroupID: deref(t.GroupID), AssigneeID: deref(t.AssigneeID), RequesterID: t.RequesterID, SubmitterID: t.SubmitterID,
		OrganizationID: deref(t.OrganizationID), BrandID: deref(t.BrandID), TicketFormID: deref(t.TicketFormID),
		Tags: append([]string{}, t.Tags...), IsPublic: t.IsPublic, Subject: t.Subject, Description: t.Description,
		Satisfaction: t.Satisfaction, Fields: map[int64]any{}, CreatedAt: t.CreatedAt, UpdatedAt: t.UpdatedAt,
		DueAt: t.DueAt, SolvedAt: t.SolvedAt}
	for k, v := range t.Fields {
		rt.Fields[k] = v
	}
	return rt
}

// outcome accumulates what one or more macros do to a ticket.
type outcome struct {
	t        rule.Ticket
	changed  map[string]bool
	tagsSet  bool
	add, rem []string
	fields   map[int64]any
	comment  *rule.MacroComment
	follow   []int64
	ccs      []int64
}

func newOutcome(t rule.Ticket) *outcome {
	return &outcome{t: t, changed: map[string]bool{}, fields: map[int64]any{}}
}

func hasTag(tags []string, tag string) bool {
	for _, t := range tags {
		if t == tag {
			return true
		}
	}
	return false
}

func without(tags []string, tag string) []string {
	out := tags[:0:0]
	for _, t := range tags {
		if t != tag {
			out = append(out, t)
		}
	}
	return out
}

func lower(tags []string) []string {
	out := make([]string, 0, len(tags))
	for _, t := range tags {
		if t = strings.ToLower(strings.TrimSpace(t)); t != "" {
			out = append(out, t)
		}
	}
	return out
}

// add folds one macro's changes into o (later macros see earlier ones).
func (o *outcome) apply(c rule.Changes) {
	t := &o.t
	if c.Status != nil {
		t.Status, o.changed["status"] = *c.Status, true
	}
	if c.Priority != nil {
		t.Priority, o.changed["priority"] = *c.Priority, true
	}
	if c.Type != nil {
		t.Type, o.changed["type"] = *c.Type, true
	}
	if c.GroupID != nil {
		t.GroupID, o.changed["group_id"] = *c.GroupID, true
	}
	if c.AssigneeID != nil {
		t.AssigneeID, o.changed["assignee_id"] = *c.AssigneeID, true
	}
	if c.CustomStatusID != nil {
		t.CustomStatusID, o.changed["custom_status_id"] = *c.CustomStatusID, true
	}
	if c.TicketFormID != nil {
		t.TicketFormID, o.changed["ticket_form_id"] = *c.TicketFormID, true
	}
	if c.Subject != nil {
		t.Subject, o.changed["subject"] = *c.Subject, true
	}
	if c.SetTagsSet {
		t.Tags, o.tagsSet, o.changed["tags"] = lower(c.SetTags), true, true
		o.add, o.rem = nil, nil
	}
	for _, tag := range lower(c.AddTags) {
		o.changed["tags"] = true
		if !hasTag(t.Tags, tag) {
			t.Tags = append(t.Tags, tag)
		}
		o.rem = without(o.rem, tag)
		if !hasTag(o.add, tag) {
			o.add = append(o.add, tag)
		}
	}
	for _, tag := range lower(c.RemoveTags) {
		o.changed["tags"] = true
		t.Tags = without(t.Tags, tag)
		o.add = without(o.add, tag)
		if !hasTag(o.rem, tag) {
			o.rem = append(o.rem, tag)
		}
	}
	for id, v := range c.Fields {
		o.fields[id] = v
		t.Fields[id] = v
		o.changed["custom_fields"] = true
	}
	o.follow = append(o.follow, c.Followers...)
	o.ccs = append(o.ccs, c.CCs...)
	if c.Comment != nil {
		if o.comment == nil {
			cp := *c.Comment
			o.comment = &cp
		} else {
			o.comment.Body = joinText(o.comment.Body, c.Comment.Body)
			o.comment.HTMLBody = joinText(o.comment.HTMLBody, c.Comment.HTMLBody)
			if c.Comment.Public != nil {
				o.comment.Public = c.Comment.Public
			}
		}
	}
}

func joinText(a, b string) string {
	switch {
	case a == "":
		return b
	case b == "":
		return a
	}
	return a + "\n\n" + b
}

func (o *outcome) fieldIDs() []int64 {
	ids := make([]int64, 0, len(o.fields))
	for id := range o.fields {
		ids = append(ids, id)
	}
	sort.Slice(ids, func(i, j int) bool { return ids[i] < ids[j] })
	return ids
}

// Preview shows what macro id would do to ticket tid (0: to no ticket),
// changing nothing: the changed ticket fields and the comment. Comment
// placeholders are left as written.
func (s *Service) Preview(ctx context.Context, id, tid int64) (httpx.M, error) {
	a, err := auth.RequireAgent(ctx)
	if err != nil {
		return nil, err
	}
	var t ticket.Ticket
	if tid != 0 {
		if t, err = s.tickets.Get(ctx, tid); err != nil {
			return nil, err
		}
	}
	m, err := s.visible(ctx, a, id)
	if err != nil {
		return nil, err
	}
	o := newOutcome(ruleTicket(t))
	o.apply(rule.Plan(m.Actions, &o.t, a.UserID))
	out := httpx.M{}
	if tid != 0 {
		out["id"], out["url"] = t.ID, httpx.URL(ctx, "/api/v2/tickets/%d.json", t.ID)
	}
	idOrNil := func(n int64) any {
		if n == 0 {
			return nil
		}
		return n
	}
	strOrNil := func(s string) any {
		if s == "" {
			return nil
		}
		return s
	}
	for f := range o.changed {
		switch f {
		case "status":
			out["status"] = o.t.Status
		case "priority":
			out["priority"] = strOrNil(o.t.Priority)
		case "type":
			out["type"] = strOrNil(o.t.Type)
		case "group_id":
			out["group_id"] = idOrNil(o.t.GroupID)
		case "assignee_id":
			out["assignee_id"] = idOrNil(o.t.AssigneeID)
		case "custom_status_id":
			out["custom_status_id"] = o.t.CustomStatusID
		case "ticket_form_id":
			out["ticket_form_id"] = idOrNil(o.t.TicketFormID)
		case "subject":
			out["subject"] = o.t.Subject
		case "tags":
			tags := o.t.Tags
			if tags == nil {
				tags = []string{}
			}
			out["tags"] = tags
		case "custom_fields":
			cf := []httpx.M{}
			for _, id := range o.fieldIDs() {
				cf = append(cf, httpx.M{"id": id, "value": o.fields[id]})
			}
			out["custom_fields"], out["fields"] = cf, cf
		}
	}
	if len(o.follow) > 0 {
		out["follower_ids"] = o.follow
	}
	result := httpx.M{"ticket": out}
	if c := o.comment; c != nil {
		public := true
		if c.Public != nil {
			public = *c.Public
		}
		body := c.Body
		if body == "" && c.HTMLBody != "" {
			body = c.HTMLBody
		}
		html := c.HTMLBody
		if html == "" {
			html = "<p>" + strings.ReplaceAll(body, "\n", "<br>") + "</p>"
		}
		result["comment"] = httpx.M{"body": body, "html_body": html, "public": public,
			"scoped_body": [][]string{{"channel:all", body}}}
	}
	return result, nil
}

// Expand turns macros into the ticket update they ask for, applied in
// order to t on behalf of actorID (macro_ids on a ticket update; the ticket
// service merges the result with the rest of the update). An unknown,
// inactive or inaccessible macro is Invalid. Each macro's use is counted,
// inside the caller's transaction.
func (s *Service) Expand(ctx context.Context, accountID, actorID int64, macroIDs []int64, t ticket.Ticket) (ticket.Input, []ticket.RuleRef, error) {
	x, err := s.expand(ctx, accountID, actorID, macroIDs, t)
	return x.in, x.refs, err
}

// expansion is what macros ask of a ticket, and which macros asked.
type expansion struct {
	in   ticket.Input
	refs []ticket.RuleRef
}

func (s *Service) expand(ctx context.Context, accountID, actorID int64, macroIDs []int64, t ticket.Ticket) (expansion, error) {
	var in expansion
	if len(macroIDs) == 0 {
		return in, nil
	}
	if len(macroIDs) > httpx.MaxBulk {
		return in, errs.Invalidf("macro_ids", "TooLong", "Macro ids: at most %d macros at once", httpx.MaxBulk)
	}
	var role string
	err := s.d.Conn(ctx).QueryRowContext(ctx, `SELECT role FROM users WHERE account_id = $1 AND id = $2`, accountID, actorID).Scan(&role)
	if errors.Is(err, sql.ErrNoRows) {
		return in, errs.Invalidf("macro_ids", "InvalidValue", "Macro ids: the acting user cannot apply macros")
	} else if err != nil {
		return in, err
	}
	a := auth.Actor{AccountID: accountID, UserID: actorID, Role: auth.Role(role)}
	if !a.IsAgent() {
		return in, errs.Invalidf("macro_ids", "InvalidValue", "Macro ids: only agents can apply macros")
	}
	o := newOutcome(ruleTicket(t))
	err = s.d.InTx(ctx, func(ctx context.Context) error {
		for _, id := range macroIDs {
			m, err := s.visible(ctx, a, id)
			if errs.Is(err, errs.NotFound) || (err == nil && !m.Active) {
				return errs.Invalidf("macro_ids", "InvalidValue", "Macro ids: macro %d does not exist or cannot be applied", id)
			} else if err != nil {
				return err
			}
			c := rule.Plan(m.Actions, &o.t, actorID)
			if c.Status != nil && (*c.Status == "new" || *c.Status == "closed") {
				return errs.Invalidf("macro_ids", "InvalidValue", "Macro ids: macro %d sets status %s, which macros cannot", id, *c.Status)
			}
			o.apply(c)
			in.refs = append(in.refs, ticket.RuleRef{Kind: "macro", ID: m.ID, Title: m.Title})
			if err := s.recordUse(ctx, accountID, id); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		return expansion{}, err
	}
	in.in = o.input()
	return in, nil
}

// ids clear with null and set with a value; 0 from the engine clears.
func idOpt(n int64) opt.Opt[int64] {
	if n == 0 {
		return opt.Opt[int64]{Set: true, Null: true}
	}
	return opt.Of(n)
}

func (o *outcome) input() ticket.Input {
	var in ticket.Input
	t := o.t
	for f := range o.changed {
		switch f {
		case "status":
			in.Status = opt.Of(t.Status)
		case "priority":
			in.Priority = opt.Of(t.Priority)
		case "type":
			in.Type = opt.Of(t.Type)
		case "group_id":
			in.GroupID = idOpt(t.GroupID)
		case "assignee_id":
			in.AssigneeID = idOpt(t.AssigneeID)
		case "custom_status_id":
			in.CustomStatusID = opt.Of(t.CustomStatusID)
		case "ticket_form_id":
			in.TicketFormID = idOpt(t.TicketFormID)
		case "subject":
			in.Subject = opt.Of(t.Subject)
		case "tags":
			if o.tagsSet {
				tags := t.Tags
				if tags == nil {
					tags = []string{}
				}
				in.Tags = opt.Of(tags)
			} else {
				if len(o.add) > 0 {
					in.AdditionalTags = opt.Of(o.add)
				}
				if len(o.rem) > 0 {
					in.RemoveTags = opt.Of(o.rem)
				}
			}
		case "custom_fields":
			var fv []ticket.FieldValueIn
			for _, id := range o.fieldIDs() {
				fv = append(fv, ticket.FieldValueIn{ID: opt.ID(id), Value: o.fields[id]})
			}
			in.CustomFields = opt.Of(fv)
		}
	}
	for _, id := range o.follow {
		in.Followers.Set = true
		in.Followers.V = append(in.Followers.V, ticket.CCChange{UserID: opt.Of(id), Action: "put"})
	}
	for _, id := range o.ccs {
		in.EmailCCs.Set = true
		in.EmailCCs.V = append(in.EmailCCs.V, ticket.CCChange{UserID: opt.Of(id), Action: "put"})
	}
	if c := o.comment; c != nil {
		ci := ticket.CommentInput{Body: c.Body, HTMLBody: c.HTMLBody}
		if c.Public != nil {
			ci.Public = opt.Of(*c.Public)
		}
		in.Comment = opt.Of(ci)
	}
	return in
}
