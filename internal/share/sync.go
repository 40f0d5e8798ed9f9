package share

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"slices"
	"strings"

	"parley/internal/auth"
	"parley/internal/platform/errs"
	"parley/internal/ticket"
)

// Sharing a ticket and keeping shared tickets in step. Two hooks sit in
// every ticket write: Intake (before business rules) shares and unshares as
// sharing_agreement_ids asks, so rules see "sent to"; Outbox (after them)
// queues what changed for each partner the ticket is shared with.

type originKey struct{}

// withOrigin marks writes that apply a partner's update through share id:
// they are never echoed back to that partner.
func withOrigin(ctx context.Context, shareID int64) context.Context {
	return context.WithValue(ctx, originKey{}, shareID)
}

func origin(ctx context.Context) int64 {
	id, _ := ctx.Value(originKey{}).(int64)
	return id
}

// Intake is the hook that carries out sharing_agreement_ids; register it
// before the triggers.
func (s *Service) Intake() ticket.Hook { return intake{s} }

// Outbox is the hook that sends changes to partners; register it after the
// triggers and webhooks.
func (s *Service) Outbox() ticket.Hook { return outbox{s} }

type intake struct{ s *Service }

type outbox struct{ s *Service }

func (h intake) AfterWrite(ctx context.Context, w *ticket.Write) error {
	if !w.SharingAgreementIDs.Set {
		return nil
	}
	return h.s.applyRequested(ctx, w, w.SharingAgreementIDs.V)
}

// sharingEvent is the audit event of sharing or unsharing (reference §6.1).
func sharingEvent(agreementID int64, action string, via json.RawMessage) ticket.Event {
	return ticket.Event{Type: "TicketSharingEvent", Via: via,
		Data: map[string]any{"agreement_id": agreementID, "action": action}}
}

// applyRequested makes the ticket's sharing what the agent asked for: a
// ticket is shared out with at most one account, and a received ticket
// stays tied to the agreement it came through unless the list names no
// agreement at all.
func (s *Service) applyRequested(ctx context.Context, w *ticket.Write, ids []int64) error {
	t := w.Ticket
	var out []Agreement
	var keepFrom bool
	for _, id := range ids {
		ag, err := s.agreement(ctx, t.AccountID, id)
		if errs.Is(err, errs.NotFound) {
			return errs.Invalidf("sharing_agreement_ids", "InvalidValue", "Sharing agreement %d does not exist", id)
		}
		if err != nil {
			return err
		}
		if ag.sender() {
			if !slices.ContainsFunc(out, func(a Agreement) bool { return a.ID == ag.ID }) {
				out = append(out, ag)
			}
			continue
		}
		if t.SharedFromID == nil || *t.SharedFromID != id {
			return errs.Invalidf("sharing_agreement_ids", "InvalidValue",
				"Sharing agreement %d is one the partner shares through; tickets can only be shared out through outbound agreements", id)
		}
		keepFrom = true
	}
	if len(out) > 1 {
		return errs.Invalidf("sharing_agreement_ids", "InvalidValue", "A ticket can be shared with only one account")
	}
	// Naming only the partner to share a received ticket on with keeps
	// its sender; an empty list unshares it from both.
	if len(out) > 0 {
		keepFrom = true
	}
	if t.SharedFromID != nil && !keepFrom {
		if err := s.unshareReceived(ctx, w); err != nil {
			return err
		}
	}
	if t.SharedToID != nil && (len(out) == 0 || out[0].ID != *t.SharedToID) {
		if err := s.unshareSent(ctx, w, nil); err != nil {
			return err
		}
	}
	if len(out) == 1 && (w.Ticket.SharedToID == nil || *w.Ticket.SharedToID != out[0].ID) {
		return s.shareTicket(ctx, w, out[0], nil)
	}
	return nil
}

// Share carries out a share_ticket action (trigger.Sharer).
func (s *Service) Share(ctx context.Context, w *ticket.Write, agreementID int64, src ticket.RuleRef) error {
	ag, err := s.agreement(ctx, w.Ticket.AccountID, agreementID)
	if err != nil {
		return err
	}
	if !ag.sender() {
		return errs.Invalidf("share_ticket", "InvalidValue", "Sharing agreement %d is inbound", agreementID)
	}
	if w.Ticket.SharedToID != nil && *w.Ticket.SharedToID == agreementID {
		return nil
	}
	if w.Ticket.SharedToID != nil {
		return errs.Invalidf("share_ticket", "InvalidValue", "The ticket is already shared with another account")
	}
	return s.shareTicket(ctx, w, ag, ticket.RuleVia(src))
}

// CanMerge refuses to merge shared tickets (seed 003).
func (s *Service) CanMerge(ctx context.Context, accountID, ticketID int64) error {
	shares, err := s.ticketShares(ctx, accountID, ticketID)
	if err != nil {
		return err
	}
	if len(shares) > 0 {
		return errs.Invalidf("ids", "InvalidValue", "Ticket %d is shared with another account and cannot be merged", ticketID)
	}
	return nil
}

// shareTicket links the ticket to an accepted outbound agreement; Outbox
// sends it, whole, once the rules have run.
func (s *Service) shareTicket(ctx context.Context, w *ticket.Write, ag Agreement, via json.RawMessage) error {
	if ag.Status != StatusAccepted {
		return errs.Invalidf("sharing_agreement_ids", "InvalidValue", "Sharing agreement %d is %s, not accepted", ag.ID, ag.Status)
	}
	if w.Ticket.Status == "closed" {
		return errs.Invalidf("sharing_agreement_ids", "InvalidValue", "Closed tickets cannot be shared")
	}
	now := s.clock.Now()
	sh := Share{AccountID: ag.AccountID, TicketID: w.Ticket.ID, AgreementID: ag.ID, Direction: Outbound,
		UUID: UUID(ag.LocalURL, "tickets", fmt.Sprintf("%d-%s", w.Ticket.ID, newKey()[:12])), Status: shareActive,
		Tags: []string{}, CreatedAuditID: &w.Audit.ID}
	if err := s.insertShare(ctx, &sh, now); err != nil {
		return err
	}
	if err := w.SetSharing(ctx, w.Ticket.SharedFromID, &ag.ID); err != nil {
		return err
	}
	return w.Record(ctx, sharingEvent(ag.ID, "shared", via))
}

// unshareSent stops sharing the ticket out and tells the partner.
func (s *Service) unshareSent(ctx context.Context, w *ticket.Write, via json.RawMessage) error {
	return s.unshare(ctx, w, *w.Ticket.SharedToID, via, func() error {
		return w.SetSharing(ctx, w.Ticket.SharedFromID, nil)
	})
}

// unshareReceived cuts a received ticket loose from its sender. The seed
// lets only accounts that share out themselves do that.
func (s *Service) unshareReceived(ctx context.Context, w *ticket.Write) error {
	ags, err := s.agreements(ctx, w.Ticket.AccountID)
	if err != nil {
		return err
	}
	if !slices.ContainsFunc(ags, func(a Agreement) bool { return a.sender() && a.Status == StatusAccepted }) {
		return errs.Invalidf("sharing_agreement_ids", "InvalidValue",
			"Received tickets can be unshared only by accounts with an accepted outbound sharing agreement")
	}
	return s.unshare(ctx, w, *w.Ticket.SharedFromID, nil, func() error {
		return w.SetSharing(ctx, nil, w.Ticket.SharedToID)
	})
}

func (s *Service) unshare(ctx context.Context, w *ticket.Write, agreementID int64, via json.RawMessage, clear func() error) error {
	shares, err := s.ticketShares(ctx, w.Ticket.AccountID, w.Ticket.ID)
	if err != nil {
		return err
	}
	for _, sh := range shares {
		if sh.AgreementID != agreementID {
			continue
		}
		sh.Status = shareUnshared
		if err := s.saveShare(ctx, sh, s.clock.Now()); err != nil {
			return err
		}
		ag, err := s.agreement(ctx, sh.AccountID, sh.AgreementID)
		if err != nil {
			return err
		}
		if ag.Status == StatusAccepted {
			if err := s.send(ctx, ag, &sh.ID, http.MethodDelete, "/tickets/"+sh.UUID, nil); err != nil {
				return err
			}
		}
	}
	if err := clear(); err != nil {
		return err
	}
	return w.Record(ctx, sharingEvent(agreementID, "unshared", via))
}

func (h outbox) AfterWrite(ctx context.Context, w *ticket.Write) error {
	t := w.Ticket
	if t.SharedFromID == nil && t.SharedToID == nil {
		return nil // most tickets are not shared: no query
	}
	shares, err := h.s.ticketShares(ctx, t.AccountID, t.ID)
	if err != nil {
		return err
	}
	from := origin(ctx)
	var o *outgoing
	for _, sh := range shares {
		if sh.ID == from {
			continue
		}
		ag, err := h.s.agreement(ctx, sh.AccountID, sh.AgreementID)
		if errs.Is(err, errs.NotFound) {
			continue
		}
		if err != nil {
			return err
		}
		if ag.Status != StatusAccepted {
			continue
		}
		if o == nil {
			if o, err = h.s.newOutgoing(ctx, w); err != nil {
				return err
			}
		}
		if sh.CreatedAuditID != nil && *sh.CreatedAuditID == w.Audit.ID {
			err = o.whole(ctx, ag, sh)
		} else {
			err = o.changes(ctx, ag, sh)
		}
		if err != nil {
			return err
		}
	}
	return nil
}

// outgoing builds the messages of one write, loading what they need once.
type outgoing struct {
	s        *Service
	w        *ticket.Write
	people   map[int64]actorInfo
	secure   bool
	fields   map[int64]ticket.Field
	ruleTags map[string]bool
}

type actorInfo struct {
	name  string
	agent bool
}

func (s *Service) newOutgoing(ctx context.Context, w *ticket.Write) (*outgoing, error) {
	acct, err := s.accounts.ByID(ctx, w.Ticket.AccountID)
	if err != nil {
		return nil, err
	}
	return &outgoing{s: s, w: w, people: map[int64]actorInfo{}, secure: acct.Settings.SecureUploads}, nil
}

func (o *outgoing) person(ctx context.Context, ag Agreement, id int64) (WireActor, error) {
	if id <= 0 {
		return *o.s.actorOf(ctx, ag, auth.Actor{UserID: -1}), nil
	}
	p, ok := o.people[id]
	if !ok {
		u, err := o.s.people.Lookup(ctx, ag.AccountID, id)
		if errs.Is(err, errs.NotFound) {
			p = actorInfo{name: "Deleted user"}
		} else if err != nil {
			return WireActor{}, err
		} else {
			p = actorInfo{name: u.Name, agent: (u.Role == auth.RoleAgent || u.Role == auth.RoleAdmin) || u.SharedAgent}
		}
		o.people[id] = p
	}
	uuid, err := o.s.userUUID(ctx, ag, id)
	if err != nil {
		return WireActor{}, err
	}
	role := "end-user"
	if p.agent {
		role = "agent"
	}
	return WireActor{UUID: uuid, Name: p.name, Role: role}, nil
}

// comment is one of our comments on the wire. Attachments travel as links
// unless the account has secure downloads on (then the partner could not
// open them, and they stay here).
func (o *outgoing) comment(ctx context.Context, ag Agreement, c ticket.Comment, uuid string) (WireComment, error) {
	author, err := o.person(ctx, ag, c.AuthorID)
	if err != nil {
		return WireComment{}, err
	}
	if uuid == "" {
		uuid = UUID(ag.LocalURL, "comments", c.ID)
	}
	public := c.Public
	if !ag.sender() && !ag.AllowsPublicComments {
		public = false // the receiver makes private comments only
	}
	wc := WireComment{UUID: uuid, Author: author, Body: c.PlainBody, HTMLBody: c.HTMLBody,
		AuthoredAt: c.CreatedAt.Format(wireTime), Public: &public}
	if wc.Body == "" {
		wc.Body = c.Body
	}
	if !o.secure {
		base := strings.TrimSuffix(ag.LocalURL, "/sharing")
		for _, a := range c.Attachments {
			wc.Attachments = append(wc.Attachments, WireAttachment{
				URL:      fmt.Sprintf("%s/attachments/token/%s/?name=%s", base, a.URLToken, a.FileName),
				Filename: a.FileName, ContentType: a.ContentType, DisplayFilename: a.FileName})
		}
	}
	return wc, nil
}

// sharedTags is the ticket's tags less those business rules added.
func (o *outgoing) sharedTags(ctx context.Context) ([]string, error) {
	if o.ruleTags == nil {
		rt, err := o.s.tickets.RuleTags(ctx, o.w.Ticket.AccountID, o.w.Ticket.ID)
		if err != nil {
			return nil, err
		}
		o.ruleTags = rt
	}
	out := []string{}
	for _, t := range o.w.Ticket.Tags {
		if !o.ruleTags[t] {
			out = append(out, t)
		}
	}
	return out, nil
}

// fieldValues describes custom field values by title, with their types.
func (o *outgoing) fieldValues(ctx context.Context, ids []int64, vals map[int64]any) (json.RawMessage, error) {
	if o.fields == nil {
		fs, err := o.s.tickets.FieldsOf(ctx, o.w.Ticket.AccountID)
		if err != nil {
			return nil, err
		}
		o.fields = map[int64]ticket.Field{}
		for _, f := range fs {
			o.fields[f.ID] = f
		}
	}
	m := map[string]WireField{}
	for _, id := range ids {
		f, ok := o.fields[id]
		if !ok {
			continue
		}
		m[f.Title] = WireField{Type: f.Type, Value: vals[id]}
	}
	if len(m) == 0 {
		return nil, nil
	}
	return json.Marshal(m)
}

// whole sends the ticket to a partner it was just shared with.
func (o *outgoing) whole(ctx context.Context, ag Agreement, sh Share) error {
	s, t := o.s, o.w.Ticket
	req, err := o.person(ctx, ag, t.RequesterID)
	if err != nil {
		return err
	}
	cur, err := o.person(ctx, ag, o.w.Actor.UserID)
	if err != nil {
		return err
	}
	wt := WireTicket{UUID: sh.UUID, Subject: &t.Subject, RequestedAt: t.CreatedAt.Format(wireTime),
		Requester: &req, CurrentActor: &cur, OriginalID: &t.ID}
	if ag.AllowsPublicComments {
		wt.Status = ptr(wireStatus(t.Status))
	}
	comments, err := s.tickets.RecentComments(ctx, t.AccountID, t.ID, 100000)
	if err != nil {
		return err
	}
	uuids, _, err := s.commentUUIDs(ctx, t.AccountID, t.ID)
	if err != nil {
		return err
	}
	for i := len(comments) - 1; i >= 0; i-- {
		wc, err := o.comment(ctx, ag, comments[i], uuids[comments[i].ID])
		if err != nil {
			return err
		}
		wt.Comments = append(wt.Comments, wc)
	}
	if ag.SyncTags {
		tags, err := o.sharedTags(ctx)
		if err != nil {
			return err
		}
		wt.Tags, sh.Tags = &tags, tags
		if err := s.saveShare(ctx, sh, s.clock.Now()); err != nil {
			return err
		}
	}
	if ag.SyncCustomFields {
		var ids []int64
		for id, v := range t.Fields {
			if v != nil {
				ids = append(ids, id)
			}
		}
		slices.Sort(ids)
		if wt.CustomFields, err = o.fieldValues(ctx, ids, t.Fields); err != nil {
			return err
		}
	}
	return s.send(ctx, ag, &sh.ID, http.MethodPost, "/tickets/"+sh.UUID, wt)
}

// changes sends what this write changed: status (when the terms sync it),
// its comment, tags people changed (never a rule's) and custom fields.
func (o *outgoing) changes(ctx context.Context, ag Agreement, sh Share) error {
	s, w := o.s, o.w
	wt := WireTicket{UUID: sh.UUID}
	send := false
	if ag.AllowsPublicComments && !w.Create && wireStatus(w.Before.Status) != wireStatus(w.Ticket.Status) {
		wt.Status, send = ptr(wireStatus(w.Ticket.Status)), true
	}
	if w.Comment != nil {
		wc, err := o.comment(ctx, ag, *w.Comment, "")
		if err != nil {
			return err
		}
		wt.Comments, send = []WireComment{wc}, true
	}
	if ag.SyncTags {
		added, removed := humanTagChanges(w.Audit.Events)
		next := slices.DeleteFunc(union(sh.Tags, added), func(t string) bool { return slices.Contains(removed, t) })
		if !sameSet(next, sh.Tags) {
			sh.Tags = next
			wt.Tags, send = &next, true
			if err := s.saveShare(ctx, sh, s.clock.Now()); err != nil {
				return err
			}
		}
	}
	if ag.SyncCustomFields {
		var ids []int64
		for id, v := range w.Ticket.Fields {
			if !equalJSON(v, w.Before.Fields[id]) {
				ids = append(ids, id)
			}
		}
		for id := range w.Before.Fields {
			if _, ok := w.Ticket.Fields[id]; !ok {
				ids = append(ids, id)
			}
		}
		slices.Sort(ids)
		cf, err := o.fieldValues(ctx, ids, w.Ticket.Fields)
		if err != nil {
			return err
		}
		if cf != nil {
			wt.CustomFields, send = cf, true
		}
	}
	if !send {
		return nil
	}
	cur, err := o.person(ctx, ag, w.Actor.UserID)
	if err != nil {
		return err
	}
	wt.CurrentActor = &cur
	return s.send(ctx, ag, &sh.ID, http.MethodPut, "/tickets/"+sh.UUID, wt)
}

// humanTagChanges are the tags a write's people (not its rules) added and
// removed, read from the audit's tag events.
func humanTagChanges(events []ticket.Event) (added, removed []string) {
	for _, e := range events {
		if e.FieldName != "tags" || (e.Type != "Change" && e.Type != "Create") || strings.Contains(string(e.Via), `"rule"`) {
			continue
		}
		after, before := strs(e.Value), strs(e.PreviousValue)
		for _, t := range after {
			if !slices.Contains(before, t) {
				added = append(added, t)
			}
		}
		for _, t := range before {
			if !slices.Contains(after, t) {
				removed = append(removed, t)
			}
		}
	}
	return added, removed
}

func strs(v any) []string {
	switch x := v.(type) {
	case []string:
		return x
	case []any:
		out := make([]string, 0, len(x))
		for _, e := range x {
			if s, ok := e.(string); ok {
				out = append(out, s)
			}
		}
		return out
	}
	return nil
}

func union(a, b []string) []string {
	out := append([]string{}, a...)
	for _, t := range b {
		if !slices.Contains(out, t) {
			out = append(out, t)
		}
	}
	return out
}

func sameSet(a, b []string) bool {
	if len(a) != len(b) {
		return false
	}
	for _, t := range a {
		if !slices.Contains(b, t) {
			return false
		}
	}
	return true
}

func equalJSON(a, b any) bool {
	x, _ := json.Marshal(a)
	y, _ := json.Marshal(b)
	return string(x) == string(y)
}
