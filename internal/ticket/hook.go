package ticket

import (
	"context"
	"encoding/json"
	"strconv"
	"time"

	"parley/internal/auth"
	"parley/internal/platform/errs"
	"parley/internal/platform/opt"
)

// RuleRef names the business rule behind a change, for audit via sources.
type RuleRef struct {
	Kind  string // trigger, automation or macro
	ID    int64
	Title string
}

// RuleVia is the via of an event a rule caused, as Zendesk prints it.
func RuleVia(src RuleRef) json.RawMessage {
	b, _ := json.Marshal(map[string]any{
		"channel": "rule",
		"source": map[string]any{
			"from": map[string]any{"id": src.ID, "title": src.Title, "deleted": false},
			"to":   map[string]any{},
			"rel":  src.Kind,
		},
	})
	return b
}

// ViaID is the numeric Zendesk via id of a channel name (-1 when unknown).
func ViaID(channel string) int {
	for id, name := range viaNames {
		if name == channel && (name != "voice" || id == 34) {
			return id
		}
	}
	return -1
}

// Hook runs inside every ticket create and update, in its transaction,
// after the write and its audit: business rules react to changes there
// (ARCHITECTURE §6), and whatever they change commits with the write.
type Hook interface {
	AfterWrite(ctx context.Context, w *Write) error
}

// AddHook registers h; hooks run in the order they were added.
func (s *Service) AddHook(h Hook) { s.hooks = append(s.hooks, h) }

// Write is one ticket create or update as hooks see it.
type Write struct {
	// Actor wrote (automations and the system: UserID -1, Method system).
	Actor  auth.Actor
	Create bool
	// Before is the ticket before this write (zero Ticket on create).
	Before Ticket
	// Ticket is the ticket now, including what rules changed.
	Ticket Ticket
	// Comment is the comment this write added, or nil.
	Comment *Comment
	// Audit is the write's audit; Apply and Record append to it.
	Audit *Audit
	// Via is the channel of this write.
	Via Via
	// SharingAgreementIDs is what the request asked the ticket to be
	// shared through (unset: leave sharing as it is); the sharing room
	// reads it.
	SharingAgreementIDs opt.Opt[[]int64]

	s *Service
}

// SetSharing records the agreements the ticket is received through (from)
// and shared out through (to) on the ticket, in the write's transaction.
func (w *Write) SetSharing(ctx context.Context, from, to *int64) error {
	if err := w.s.SetSharing(ctx, w.Ticket.AccountID, w.Ticket.ID, from, to); err != nil {
		return err
	}
	w.Ticket.SharedFromID, w.Ticket.SharedToID = from, to
	return nil
}

// Apply makes a rule's changes part of this write, validated like an
// agent's update. A validation failure returns an errs.Invalid error and
// changes nothing. Changes are recorded as Change events whose via names
// the rule.
func (w *Write) Apply(ctx context.Context, in Input, src RuleRef) (bool, error) {
	ctx = oneConfig(ctx)
	s := w.s
	cur := w.Ticket
	t := cloneTicket(cur)
	ch := &change{before: cur}
	actor := w.Actor
	actor.Role = auth.RoleAdmin // a rule acts with the account's authority
	var v errs.Validation
	if err := s.apply(ctx, actor, ch, &t, in, &v); err != nil {
		return false, err
	}
	if err := v.Err(); err != nil {
		return false, err
	}
	ch.after = t
	diffs := s.diff(ch)
	if len(diffs) == 0 && ch.comment == nil {
		return false, nil
	}
	stampFacts(auth.Actor{UserID: -1}, cur, &t, false, ch.comment, w.Audit.CreatedAt)
	if err := s.saveTicket(ctx, cur, t); err != nil {
		return false, err
	}
	if err := s.writeSets(ctx, cur, t); err != nil {
		return false, err
	}
	via := RuleVia(src)
	var events []Event
	for _, d := range diffs {
		events = append(events, Event{Type: "Change", FieldName: d.name, Value: d.after, PreviousValue: d.before,
			HasPrevious: true, Via: via})
	}
	if err := s.insertEvents(ctx, w.Audit, events); err != nil {
		return false, err
	}
	w.Audit.Events = append(w.Audit.Events, events...)
	// t is what was stored; only the derived CC list needs recomputing
	// (reloading the ticket here cost a tenth of a create with triggers).
	t.CollaboratorIDs = unionIDs(t.EmailCCIDs, t.FollowerIDs)
	w.Ticket = t
	return true, nil
}

// Record appends an event (a notification, a webhook call) to the audit.
func (w *Write) Record(ctx context.Context, e Event) error {
	evs := []Event{e}
	if err := w.s.insertEvents(ctx, w.Audit, evs); err != nil {
		return err
	}
	w.Audit.Events = append(w.Audit.Events, evs[0])
	return nil
}

func cloneTicket(t Ticket) Ticket {
	c := t
	c.Tags = append([]string{}, t.Tags...)
	c.Fields = copyFields(t.Fields)
	c.EmailCCIDs = append([]int64{}, t.EmailCCIDs...)
	c.FollowerIDs = append([]int64{}, t.FollowerIDs...)
	return c
}

// runHooks gives every hook the write; it keeps w.Ticket current.
func (s *Service) runHooks(ctx context.Context, w *Write) error {
	w.s = s
	for _, h := range s.hooks {
		if err := h.AfterWrite(ctx, w); err != nil {
			return err
		}
	}
	return nil
}

// stampFacts keeps the rule facts of t: when it entered its status and
// was assigned, the requester's and assignee's last updates, reopens and
// public agent replies.
func stampFacts(a auth.Actor, before Ticket, t *Ticket, create bool, c *Comment, now time.Time) {
	if create || t.Status != before.Status || t.StatusUpdatedAt.IsZero() {
		t.StatusUpdatedAt = now
	}
	if t.AssigneeID != nil && (before.AssigneeID == nil || *before.AssigneeID != *t.AssigneeID) {
		n := now
		t.AssignedAt = &n
		if t.InitiallyAssignedAt == nil {
			t.InitiallyAssignedAt = &n
		}
	}
	if a.UserID > 0 && a.UserID == t.RequesterID {
		n := now
		t.RequesterUpdatedAt = &n
	}
	if a.UserID > 0 && t.AssigneeID != nil && a.UserID == *t.AssigneeID {
		n := now
		t.AssigneeUpdatedAt = &n
	}
	if !create && (before.Status == "solved") && t.Status != "solved" && t.Status != "closed" {
		t.Reopens++
	}
	if !create && c != nil && c.Public && c.AuthorID != t.RequesterID && a.IsAgent() {
		t.Replies++
	}
}

// SystemActor is the actor of automations and other writes nobody made.
func SystemActor(accountID int64) auth.Actor {
	return auth.Actor{AccountID: accountID, UserID: -1, Name: "Parley", Role: auth.RoleAdmin, Method: "system"}
}

// endUserInput narrows what an end user (by email or the portal) may do
// to a ticket: comments are public, and a requester's reply to a pending
// or solved ticket reopens it.
func endUserInput(a auth.Actor, cur *Ticket, in Input) Input {
	if a.IsAgent() || a.UserID < 0 {
		return in
	}
	if in.Comment.Has() {
		c := in.Comment.V
		c.Public = opt.Of(true)
		in.Comment = opt.Of(c)
	}
	if cur != nil && !in.Status.Has() && in.Comment.Has() && (cur.Status == "pending" || cur.Status == "solved") {
		in.Status = opt.Of("open")
	}
	return in
}

// Load returns any live ticket of the account, closed ones included, for
// system callers (email, automations, sharing); it checks no actor.
func (s *Service) Load(ctx context.Context, accountID, id int64) (Ticket, error) {
	return s.ticket(ctx, accountID, id, false)
}

// RecentComments returns a ticket's newest comments first (at most
// limit), for placeholders and notifications; it checks no actor.
func (s *Service) RecentComments(ctx context.Context, accountID, ticketID int64, limit int) ([]Comment, error) {
	if limit <= 0 {
		limit = 20
	}
	rows, err := s.d.Conn(ctx).QueryContext(ctx, `SELECT `+commentCols+` FROM ticket_comments
		WHERE account_id = $1 AND ticket_id = $2 ORDER BY created_at DESC, id DESC LIMIT $3`, accountID, ticketID, limit)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []Comment
	for rows.Next() {
		c, err := scanComment(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, c)
	}
	if err := rows.Err(); err != nil {
		return nil, err
	}
	ids := make([]int64, len(out))
	for i, c := range out {
		ids[i] = c.ID
	}
	atts, err := s.commentAttachments(ctx, accountID, ids)
	if err != nil {
		return nil, err
	}
	for i := range out {
		out[i].Attachments = atts[out[i].ID]
	}
	return out, nil
}

// Macros turns the macro_ids of an update into the changes they make
// (the macro room implements it).
type Macros interface {
	// Expand returns the update the macros ask for and the macros
	// applied, in order (for the audit's AgentMacroReference events).
	Expand(ctx context.Context, accountID, actorID int64, macroIDs []int64, t Ticket) (Input, []RuleRef, error)
}

// SetMacros connects the macro room.
func (s *Service) SetMacros(m Macros) { s.macros = m }

// Renderer fills placeholders ({{ticket.title}}, {{current_user.name}})
// in a text from a write (the mail room implements it).
type Renderer interface {
	Render(ctx context.Context, w *Write, tmpl string) (string, error)
}

// SetRenderer connects placeholder rendering for macro comments.
func (s *Service) SetRenderer(r Renderer) { s.render = r }

// withMacros folds the changes of in.MacroIDs into in; what the request
// sets itself wins over what a macro sets.
func (s *Service) withMacros(ctx context.Context, a auth.Actor, cur Ticket, in Input) (Input, []RuleRef, error) {
	if !in.MacroIDs.Has() || len(in.MacroIDs.V) == 0 {
		return in, nil, nil
	}
	if s.macros == nil {
		return in, nil, errs.Invalidf("macro_ids", "InvalidValue", "Macros: not available")
	}
	m, refs, err := s.macros.Expand(ctx, a.AccountID, a.UserID, in.MacroIDs.V, cur)
	if err != nil {
		return in, nil, err
	}
	fill(&in.Status, m.Status)
	fill(&in.Priority, m.Priority)
	fill(&in.Type, m.Type)
	fill(&in.Subject, m.Subject)
	fill(&in.GroupID, m.GroupID)
	fill(&in.AssigneeID, m.AssigneeID)
	fill(&in.CustomStatusID, m.CustomStatusID)
	fill(&in.TicketFormID, m.TicketFormID)
	fill(&in.Tags, m.Tags)
	fill(&in.AdditionalTags, m.AdditionalTags)
	fill(&in.RemoveTags, m.RemoveTags)
	fill(&in.CustomFields, m.CustomFields)
	if m.Comment.Has() && !in.Comment.Set && s.render != nil {
		// A macro's comment speaks with the ticket's and the agent's
		// details, filled in now, as the agent sends it.
		c := m.Comment.V
		w := &Write{Actor: a, Before: cur, Ticket: cur, Audit: &Audit{}, s: s}
		if out, err := s.render.Render(ctx, w, c.Body); err == nil {
			c.Body = out
		}
		if c.HTMLBody != "" {
			if out, err := s.render.Render(ctx, w, c.HTMLBody); err == nil {
				c.HTMLBody = out
			}
		}
		m.Comment = opt.Of(c)
	}
	fill(&in.Comment, m.Comment)
	fill(&in.Followers, m.Followers)
	fill(&in.EmailCCs, m.EmailCCs)
	return in, refs, nil
}

// macroEvents are the AgentMacroReference events an update that applied
// macros records, as Zendesk's audits show them.
func macroEvents(refs []RuleRef) []Event {
	var out []Event
	for _, r := range refs {
		out = append(out, Event{Type: "AgentMacroReference", Data: map[string]any{
			"macro_id": strconv.FormatInt(r.ID, 10), "macro_title": r.Title, "macro_deleted": false}})
	}
	return out
}

func fill[T any](dst *opt.Opt[T], src opt.Opt[T]) {
	if !dst.Set && src.Set {
		*dst = src
	}
}
