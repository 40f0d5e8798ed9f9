package share

import (
	"context"
	"encoding/json"
	"fmt"
	"html"
	"slices"
	"strings"

	"parley/internal/auth"
	"parley/internal/platform/errs"
	"parley/internal/platform/opt"
	"parley/internal/ticket"
	"parley/internal/user"
)

// Applying what a partner sends. Every write goes through the ticket room
// as the placeholder of the partner's person, over the ticket_sharing
// channel (via id 31), so this account's business rules see it as any
// other update; it is marked with its share so it is not echoed back.

// sharingVia is the via of writes a partner made.
func sharingVia(ag Agreement) ticket.Via {
	src, _ := json.Marshal(map[string]any{"from": map[string]any{"agreement_id": ag.ID, "name": ag.Name},
		"to": map[string]any{}, "rel": nil})
	return ticket.Via{Channel: "ticket_sharing", Source: src}
}

// placeholder returns the user standing for a partner's person, making it
// the first time (seed 003: even when a user of that name exists).
func (s *Service) placeholder(ctx context.Context, ag Agreement, a WireActor) (auth.Actor, error) {
	uuid := strings.ToLower(strings.TrimSpace(a.UUID))
	name := strings.TrimSpace(a.Name)
	if uuid == "" {
		uuid = UUID(ag.RemoteURL, "users", name)
	}
	role := auth.RoleEndUser
	if a.staff() {
		// A partner's agent writes with an agent's authority (private
		// comments); the placeholder itself is an end user.
		role = auth.RoleAgent
	}
	id, ok, err := s.actorUser(ctx, ag.AccountID, ag.ID, uuid)
	if err != nil {
		return auth.Actor{}, err
	}
	if ok {
		if _, err := s.people.Lookup(ctx, ag.AccountID, id); err == nil {
			return auth.Actor{AccountID: ag.AccountID, UserID: id, Name: name, Role: role, Method: "sharing"}, nil
		}
	}
	var u user.User
	if u, err = s.people.CreatePlaceholder(ctx, ag.AccountID, name, a.staff()); err != nil {
		return auth.Actor{}, err
	}
	if _, err := s.d.Conn(ctx).ExecContext(ctx, `DELETE FROM sharing_actors WHERE account_id = $1 AND agreement_id = $2
		AND uuid = $3`, ag.AccountID, ag.ID, uuid); err != nil {
		return auth.Actor{}, err
	}
	if _, err := s.d.Conn(ctx).ExecContext(ctx, `INSERT INTO sharing_actors (account_id, agreement_id, uuid, user_id)
		VALUES ($1,$2,$3,$4)`, ag.AccountID, ag.ID, uuid, u.ID); err != nil {
		return auth.Actor{}, err
	}
	return auth.Actor{AccountID: ag.AccountID, UserID: u.ID, Name: u.Name, Role: role, Method: "sharing"}, nil
}

// commentInput turns a partner's comment into ours. Attachments arrive as
// links in the text; public is the partner's unless the terms make the
// receiver's comments private.
func commentInput(ag Agreement, c WireComment, author int64) ticket.CommentInput {
	public := c.Public == nil || *c.Public
	if ag.sender() && !ag.AllowsPublicComments {
		public = false // from the receiver, under private-only terms
	}
	body, htmlBody := c.Body, c.HTMLBody
	if strings.TrimSpace(body) == "" && strings.TrimSpace(htmlBody) == "" {
		body = "(empty comment)"
	}
	if len(c.Attachments) > 0 {
		var lines, links []string
		for _, a := range c.Attachments {
			name := a.DisplayFilename
			if name == "" {
				name = a.Filename
			}
			lines = append(lines, "- "+name+": "+a.URL)
			links = append(links, fmt.Sprintf(`<li><a href="%s">%s</a></li>`, html.EscapeString(a.URL), html.EscapeString(name)))
		}
		body += "\n\nAttachments:\n" + strings.Join(lines, "\n")
		if htmlBody != "" {
			htmlBody += "<p>Attachments:</p><ul>" + strings.Join(links, "") + "</ul>"
		}
	}
	return ticket.CommentInput{Body: body, HTMLBody: htmlBody, Public: opt.Of(public), AuthorID: opt.Of(author)}
}

// statusInput maps a partner's status when the terms sync status: pending
// becomes open, and closed becomes solved unless ours is solved already
// (each side's automations close their own tickets).
func statusInput(ag Agreement, in WireTicket, cur string) opt.Opt[string] {
	if !ag.AllowsPublicComments || in.Status == nil {
		return opt.Opt[string]{}
	}
	st := localStatus(*in.Status)
	if st == "closed" && cur != "solved" {
		st = "solved"
	}
	if st == "" || st == cur || (st == "new" && cur != "") {
		return opt.Opt[string]{}
	}
	return opt.Of(st)
}

// receiveTicket makes a partner's shared ticket a new ticket here, with
// its own id, and answers with it.
func (s *Service) receiveTicket(ctx context.Context, ag Agreement, in WireTicket) (int64, error) {
	var id int64
	err := s.d.InTx(ctx, func(ctx context.Context) error {
		if sh, err := s.shareByUUID(ctx, ag.AccountID, ag.ID, in.UUID); err == nil {
			id = sh.TicketID // a retried share: already here
			return nil
		} else if !errs.Is(err, errs.NotFound) {
			return err
		}
		current := in.CurrentActor
		if current == nil && len(in.Comments) > 0 {
			current = &in.Comments[0].Author
		}
		if current == nil {
			current = in.Requester
		}
		if current == nil {
			return errs.Invalidf("current_actor", "BlankValue", "A shared ticket needs a current_actor, a requester or a comment")
		}
		reqActor := *current
		if in.Requester != nil {
			reqActor = *in.Requester
		}
		requester, err := s.placeholder(ctx, ag, reqActor)
		if err != nil {
			return err
		}
		subject := ""
		if in.Subject != nil {
			subject = truncate(*in.Subject, 150*1024)
		}
		first := WireComment{Body: subject, Author: *current}
		rest := in.Comments
		if len(rest) > 0 {
			first, rest = rest[0], rest[1:]
		}
		if strings.TrimSpace(first.Body) == "" && strings.TrimSpace(first.HTMLBody) == "" {
			first.Body = "(no description)"
		}
		author, err := s.placeholder(ctx, ag, first.Author)
		if err != nil {
			return err
		}
		tin := ticket.Input{Subject: opt.Of(subject), RequesterID: opt.Of(requester.UserID),
			Comment: opt.Of(commentInput(ag, first, author.UserID)), SharedFrom: opt.Of(ag.ID),
			Status: statusInput(ag, in, "")}
		var tags []string
		if ag.SyncTags && in.Tags != nil {
			tags = user.NormalizeTags(*in.Tags)
			tin.Tags = opt.Of(tags)
		}
		if ag.SyncCustomFields && len(in.CustomFields) > 0 {
			vals, err := s.matchFields(ctx, ag.AccountID, in.CustomFields)
			if err != nil {
				return err
			}
			if len(vals) > 0 {
				tin.CustomFields = opt.Of(vals)
			}
		}
		t, au, err := s.tickets.CreateAs(ctx, author, tin, sharingVia(ag))
		if errs.Is(err, errs.Invalid) && tin.CustomFields.Set {
			// A value the ticket room refuses does not stop the share.
			tin.CustomFields = opt.Opt[[]ticket.FieldValueIn]{}
			t, au, err = s.tickets.CreateAs(ctx, author, tin, sharingVia(ag))
		}
		if err != nil {
			return err
		}
		id = t.ID
		sh := Share{AccountID: ag.AccountID, TicketID: t.ID, AgreementID: ag.ID, UUID: in.UUID, Direction: Inbound,
			OriginalID: in.OriginalID, Status: shareActive, Tags: tags}
		if err := s.insertShare(ctx, &sh, s.clock.Now()); err != nil {
			return err
		}
		if cid := commentOf(au); cid != 0 && first.UUID != "" {
			if err := s.insertComment(ctx, ag.AccountID, t.ID, strings.ToLower(first.UUID), cid, &sh.ID); err != nil {
				return err
			}
		}
		for _, c := range rest {
			if err := s.addComment(withOrigin(ctx, sh.ID), ag, sh, t.ID, c, ticket.Input{}); err != nil {
				return err
			}
		}
		return nil
	})
	return id, err
}

// commentOf is the id of the comment an audit added (0: none).
func commentOf(au ticket.Audit) int64 {
	for _, e := range au.Events {
		if e.Type == "Comment" {
			return e.CommentID
		}
	}
	return 0
}

// addComment writes one partner comment (with extra changes in the same
// update), unless a comment with its uuid is here already.
func (s *Service) addComment(ctx context.Context, ag Agreement, sh Share, ticketID int64, c WireComment, extra ticket.Input) error {
	uuid := strings.ToLower(strings.TrimSpace(c.UUID))
	if uuid != "" {
		seen, err := s.hasComment(ctx, ag.AccountID, ticketID, uuid)
		if err != nil {
			return err
		}
		if seen {
			return s.applyChanges(ctx, ag, ticketID, extra, c.Author)
		}
	}
	author, err := s.placeholder(ctx, ag, c.Author)
	if err != nil {
		return err
	}
	extra.Comment = opt.Of(commentInput(ag, c, author.UserID))
	_, au, err := s.tickets.UpdateAs(ctx, author, ticketID, extra, sharingVia(ag))
	if err != nil {
		return err
	}
	if cid := commentOf(au); cid != 0 && uuid != "" {
		return s.insertComment(ctx, ag.AccountID, ticketID, uuid, cid, &sh.ID)
	}
	return nil
}

// applyChanges writes changes that come without a new comment.
func (s *Service) applyChanges(ctx context.Context, ag Agreement, ticketID int64, in ticket.Input, who WireActor) error {
	if !in.Status.Set && !in.AdditionalTags.Set && !in.RemoveTags.Set {
		return nil
	}
	actor, err := s.placeholder(ctx, ag, who)
	if err != nil {
		return err
	}
	_, _, err = s.tickets.UpdateAs(ctx, actor, ticketID, in, sharingVia(ag))
	return err
}

// receiveUpdate applies a partner's changes to a shared ticket: status
// (when the terms sync it), new comments (de-duplicated by uuid), tags and
// custom fields (when the terms sync them).
func (s *Service) receiveUpdate(ctx context.Context, ag Agreement, uuid string, in WireTicket) error {
	return s.d.InTx(ctx, func(ctx context.Context) error {
		sh, err := s.shareByUUID(ctx, ag.AccountID, ag.ID, uuid)
		if err != nil {
			return err
		}
		if sh.Status != shareActive {
			return errs.NotFoundf("This ticket is no longer shared")
		}
		t, err := s.tickets.Load(ctx, ag.AccountID, sh.TicketID)
		if errs.Is(err, errs.NotFound) {
			return errs.NotFoundf("The shared ticket was deleted")
		}
		if err != nil {
			return err
		}
		if t.Status == "closed" {
			return nil // a closed ticket takes no more updates; nothing to retry
		}
		ctx = withOrigin(ctx, sh.ID)
		var extra ticket.Input
		extra.Status = statusInput(ag, in, t.Status)
		if ag.SyncTags && in.Tags != nil {
			next := user.NormalizeTags(*in.Tags)
			var add, rm []string
			for _, tag := range next {
				if !slices.Contains(sh.Tags, tag) {
					add = append(add, tag)
				}
			}
			for _, tag := range sh.Tags {
				if !slices.Contains(next, tag) {
					rm = append(rm, tag)
				}
			}
			if len(add) > 0 {
				extra.AdditionalTags = opt.Of(add)
			}
			if len(rm) > 0 {
				extra.RemoveTags = opt.Of(rm)
			}
			sh.Tags = next
			if err := s.saveShare(ctx, sh, s.clock.Now()); err != nil {
				return err
			}
		}
		if ag.SyncCustomFields && len(in.CustomFields) > 0 {
			vals, err := s.matchFields(ctx, ag.AccountID, in.CustomFields)
			if err != nil {
				return err
			}
			if len(vals) > 0 {
				if _, err := s.tickets.SetFieldsQuietly(ctx, ag.AccountID, t.ID, vals); err != nil {
					return err
				}
			}
		}
		who := WireActor{UUID: UUID(ag.RemoteURL, "users", "partner"), Name: ag.Name, Role: "agent"}
		if in.CurrentActor != nil {
			who = *in.CurrentActor
		}
		if len(in.Comments) == 0 {
			return s.applyChanges(ctx, ag, t.ID, extra, who)
		}
		for i, c := range in.Comments {
			if i > 0 {
				extra = ticket.Input{}
			}
			if err := s.addComment(ctx, ag, sh, t.ID, c, extra); err != nil {
				return err
			}
		}
		return nil
	})
}

// receiveUnshare ends a share from the partner's side: the ticket stays
// here, no longer in sync.
func (s *Service) receiveUnshare(ctx context.Context, ag Agreement, uuid string) error {
	return s.d.InTx(ctx, func(ctx context.Context) error {
		sh, err := s.shareByUUID(ctx, ag.AccountID, ag.ID, uuid)
		if err != nil {
			return err
		}
		if sh.Status != shareActive {
			return nil
		}
		sh.Status = shareUnshared
		if err := s.saveShare(ctx, sh, s.clock.Now()); err != nil {
			return err
		}
		t, err := s.tickets.Load(ctx, ag.AccountID, sh.TicketID)
		if errs.Is(err, errs.NotFound) {
			return nil
		}
		if err != nil {
			return err
		}
		from, to := t.SharedFromID, t.SharedToID
		if from != nil && *from == ag.ID {
			from = nil
		}
		if to != nil && *to == ag.ID {
			to = nil
		}
		if t.Status == "closed" {
			return s.tickets.SetSharing(ctx, ag.AccountID, t.ID, from, to)
		}
		_, _, err = s.tickets.WithWrite(withOrigin(ctx, sh.ID), ticket.SystemActor(ag.AccountID), t.ID, sharingVia(ag),
			func(ctx context.Context, w *ticket.Write) error {
				if err := w.SetSharing(ctx, from, to); err != nil {
					return err
				}
				return w.Record(ctx, sharingEvent(ag.ID, "unshared", nil))
			})
		return err
	})
}

// matchFields turns a partner's custom_fields into values of our fields:
// matched by title without regard to case, only fields on our default
// form, only compatible types, dropdown values only when the option tag
// exists here. What does not match is skipped; the rest syncs (seed 003).
func (s *Service) matchFields(ctx context.Context, accountID int64, raw json.RawMessage) ([]ticket.FieldValueIn, error) {
	var in map[string]json.RawMessage
	if err := json.Unmarshal(raw, &in); err != nil {
		return nil, nil // not a map: nothing we can match
	}
	fields, err := s.tickets.SharedFields(ctx, accountID)
	if err != nil {
		return nil, err
	}
	var out []ticket.FieldValueIn
	for title, v := range in {
		var f *ticket.Field
		for i := range fields {
			if strings.EqualFold(strings.TrimSpace(fields[i].Title), strings.TrimSpace(title)) {
				f = &fields[i]
				break
			}
		}
		if f == nil {
			continue
		}
		var wf WireField
		var typ string
		var val any
		if json.Unmarshal(v, &wf) == nil && wf.Type != "" {
			typ, val = wf.Type, wf.Value
		} else if json.Unmarshal(v, &val) != nil {
			continue
		}
		if val, ok := compatible(*f, typ, val); ok {
			out = append(out, ticket.FieldValueIn{ID: opt.ID(f.ID), Value: val})
		}
	}
	return out, nil
}

// typeFamily groups field types whose values can move between each other.
func typeFamily(t string) string {
	switch t {
	case "text", "textarea", "regexp", "partialcreditcard":
		return "text"
	case "integer", "decimal":
		return "number"
	case "tagger", "dropdown":
		return "dropdown"
	}
	return t
}

// compatible checks a partner's value against our field: the partner's
// type (typ; "" when it sent a bare value) must be of the same family,
// and the value must pass our field's own validation (options, patterns,
// number formats), as any write would.
func compatible(f ticket.Field, typ string, val any) (any, bool) {
	if typ != "" && typeFamily(typ) != typeFamily(f.Type) {
		return nil, false
	}
	if val == nil {
		return nil, true
	}
	if f.Type == "integer" {
		if s, ok := val.(string); ok && strings.Contains(s, ".") {
			return nil, false // "2.5" is no integer, whatever a parser rounds
		}
	}
	out, ok := f.Check(val)
	if !ok || out == nil {
		return nil, false
	}
	return val, true
}
