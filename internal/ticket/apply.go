package ticket

import (
	"context"
	"encoding/json"
	"fmt"
	"slices"
	"strconv"
	"strings"

	"parley/internal/auth"
	"parley/internal/customfield"
	"parley/internal/platform/errs"
)

// applyStatus keeps status and custom_status_id consistent: a custom
// status sets the status to its category; a status alone takes the
// category's default custom status; a new ticket that gets an assignee is
// open.
func (s *Service) applyStatus(ctx context.Context, a auth.Actor, ch *change, t *Ticket, in Input, v *errs.Validation) error {
	acct := a.AccountID
	wantStatus := ""
	if in.Status.Has() && in.Status.V != "" {
		wantStatus = in.Status.V
		if !oneOf(Statuses, wantStatus) {
			v.Add("status", "InvalidValue", "Status: must be new, open, pending, hold, solved or closed")
			return nil
		}
	}
	if in.CustomStatusID.Has() {
		cs, err := s.status(ctx, acct, in.CustomStatusID.V)
		if errs.Is(err, errs.NotFound) || (err == nil && !cs.Active) {
			v.Add("custom_status_id", "InvalidValue", "Custom status: does not exist or is not active")
			return nil
		}
		if err != nil {
			return err
		}
		if wantStatus != "" && wantStatus != cs.Category && !(wantStatus == "closed" && cs.Category == "solved") {
			v.Add("status", "InvalidValue", fmt.Sprintf("Status: %s does not match the custom status category %s", wantStatus, cs.Category))
			return nil
		}
		t.CustomStatusID = cs.ID
		if wantStatus == "" {
			wantStatus = cs.Category
		}
	}
	if wantStatus == "" && t.Status == "new" && t.AssigneeID != nil {
		wantStatus = "open"
	}
	if wantStatus == "" && ch.create {
		wantStatus = "new"
	}
	if wantStatus == "" {
		return nil
	}
	if wantStatus == "new" && !ch.create && ch.before.Status != "new" {
		v.Add("status", "InvalidValue", "Status: a ticket cannot go back to new")
		return nil
	}
	if !in.CustomStatusID.Has() {
		cat := wantStatus
		if cat == "closed" {
			cat = "solved"
		}
		cur, err := s.status(ctx, acct, t.CustomStatusID)
		if err != nil || cur.Category != cat || t.CustomStatusID == 0 {
			def, err := s.defaultStatus(ctx, acct, cat)
			if err != nil {
				return err
			}
			t.CustomStatusID = def.ID
		}
	}
	if (wantStatus == "solved" || wantStatus == "closed") && t.Status != "solved" && t.Status != "closed" {
		now := s.clock.Now()
		t.SolvedAt = &now
	} else if wantStatus != "solved" && wantStatus != "closed" {
		t.SolvedAt = nil
	}
	t.Status = wantStatus
	return nil
}

// applyFieldsAndTags validates custom field values and keeps the tags they
// imply (checkbox tag, dropdown option values) in step with them.
func (s *Service) applyFieldsAndTags(ctx context.Context, ch *change, t *Ticket, in Input, v *errs.Validation) error {
	sent := in.CustomFields
	if !sent.Set {
		sent = in.Fields
	}
	defs, err := s.fields(ctx, t.AccountID)
	if err != nil {
		return err
	}
	ch.fields = map[int64]Field{}
	for _, f := range defs {
		if !f.System() {
			ch.fields[f.ID] = f
		}
	}
	implied := func(vals map[int64]any) map[string]bool {
		m := map[string]bool{}
		for fid, val := range vals {
			if f, ok := ch.fields[fid]; ok {
				for _, tag := range customfield.Tags(f.Type, f.Tag, val) {
					m[tag] = true
				}
			}
		}
		return m
	}
	before := implied(t.Fields)
	if sent.Set {
		for _, fv := range sent.V {
			f, ok := ch.fields[int64(fv.ID)]
			if !ok || !f.Active {
				v.Add("custom_fields", "InvalidValue", fmt.Sprintf("Custom field %d does not exist or is not active", fv.ID))
				continue
			}
			val, msg := customfield.Validate(f.def(), fv.Value)
			if msg != "" {
				v.Add("custom_fields."+strconv.FormatInt(int64(fv.ID), 10), "InvalidValue", f.Title+": "+msg)
				continue
			}
			switch x := val.(type) {
			case int64:
				val = strconv.FormatInt(x, 10)
			case float64:
				val = strconv.FormatFloat(x, 'f', -1, 64)
			}
			if val == nil || val == false {
				delete(t.Fields, f.ID)
				if val == false {
					t.Fields[f.ID] = false
				}
			} else {
				t.Fields[f.ID] = val
			}
		}
	}
	// Tags and fields stay in step both ways: removing a field's tag (by
	// remove_tags or by a tags list without it) clears that field, unless
	// the same request sets the field.
	setNow := map[int64]bool{}
	for _, fv := range sent.V {
		setNow[int64(fv.ID)] = true
	}
	dropped := map[string]bool{}
	if in.RemoveTags.Set {
		for _, tag := range normalizeTags(in.RemoveTags.V) {
			dropped[tag] = true
		}
	}
	if in.Tags.Set {
		keep := map[string]bool{}
		for _, tag := range normalizeTags(in.Tags.V) {
			keep[tag] = true
		}
		for tag := range before {
			if !keep[tag] {
				dropped[tag] = true
			}
		}
	}
	for fid, val := range t.Fields {
		f, ok := ch.fields[fid]
		if !ok || setNow[fid] {
			continue
		}
		for _, tag := range customfield.Tags(f.Type, f.Tag, val) {
			if !dropped[tag] {
				continue
			}
			switch f.Type {
			case "multiselect":
				rest := []string{}
				for _, o := range customfield.Tags(f.Type, nil, val) {
					if o != tag {
						rest = append(rest, o)
					}
				}
				if len(rest) == 0 {
					delete(t.Fields, fid)
				} else {
					t.Fields[fid] = rest
				}
			case "checkbox":
				t.Fields[fid] = false
			default:
				delete(t.Fields, fid)
			}
		}
	}
	tags := map[string]bool{}
	base := t.Tags
	if in.Tags.Set {
		base = in.Tags.V
	}
	for _, tag := range normalizeTags(base) {
		tags[tag] = true
	}
	if in.AdditionalTags.Set {
		for _, tag := range normalizeTags(in.AdditionalTags.V) {
			tags[tag] = true
		}
	}
	if in.RemoveTags.Set {
		for _, tag := range normalizeTags(in.RemoveTags.V) {
			delete(tags, tag)
		}
	}
	after := implied(t.Fields)
	for tag := range before {
		if !after[tag] {
			delete(tags, tag)
		}
	}
	for tag := range after {
		tags[tag] = true
	}
	t.Tags = sortedKeys(tags)
	if (t.Status == "solved" || t.Status == "closed") && (ch.create || ch.before.Status != t.Status) {
		for _, f := range defs {
			if f.System() || !f.Active || !f.Required {
				continue
			}
			if _, ok := t.Fields[f.ID]; !ok {
				// Zendesk reports these under base with the field's id and type.
				v.AddDetail("base", errs.Detail{Description: f.Title + ": is required when solving a ticket",
					Extra: map[string]any{"ticket_field_id": f.ID, "ticket_field_type": f.Type}})
			}
		}
	}
	return nil
}

// applyCCs handles collaborators (legacy CCs), email_ccs and followers.
func (s *Service) applyCCs(ctx context.Context, a auth.Actor, t *Ticket, in Input, v *errs.Validation) error {
	acct := a.AccountID
	resolve := func(field string, r UserRef) (Person, bool, error) {
		switch {
		case r.ID > 0:
			p, err := s.people.Person(ctx, acct, r.ID)
			if errs.Is(err, errs.NotFound) {
				v.Add(field, "InvalidValue", fmt.Sprintf("User %d does not exist", r.ID))
				return p, false, nil
			}
			return p, err == nil, err
		case strings.TrimSpace(r.Email) != "":
			p, err := s.people.EnsureEndUser(ctx, acct, r.Name, r.Email)
			if errs.KindOf(err) == errs.Invalid {
				v.Add(field, "InvalidValue", r.Email+" is not a valid email address")
				return p, false, nil
			}
			return p, err == nil, err
		}
		v.Add(field, "InvalidValue", "a CC needs a user id or an email")
		return Person{}, false, nil
	}
	addCC := func(id int64) {
		for _, x := range t.EmailCCIDs {
			if x == id {
				return
			}
		}
		t.EmailCCIDs = append(t.EmailCCIDs, id)
	}
	if in.CollaboratorIDs.Set {
		t.EmailCCIDs = []int64{}
		for _, id := range in.CollaboratorIDs.V {
			if p, ok, err := resolve("collaborator_ids", UserRef{ID: id}); err != nil {
				return err
			} else if ok {
				addCC(p.ID)
			}
		}
	}
	for _, list := range [][]UserRef{in.Collaborators.V, in.AdditionalCollabs.V} {
		for _, r := range list {
			if p, ok, err := resolve("collaborators", r); err != nil {
				return err
			} else if ok {
				addCC(p.ID)
			}
		}
	}
	for _, c := range in.EmailCCs.V {
		p, ok, err := resolve("email_ccs", UserRef{ID: c.UserID.V, Email: c.UserEmail, Name: c.UserName})
		if err != nil {
			return err
		}
		if !ok {
			continue
		}
		if c.Action == "delete" {
			t.EmailCCIDs = removeID(t.EmailCCIDs, p.ID)
		} else {
			addCC(p.ID)
		}
	}
	for _, c := range in.Followers.V {
		p, ok, err := resolve("followers", UserRef{ID: c.UserID.V, Email: c.UserEmail, Name: c.UserName})
		if err != nil {
			return err
		}
		if !ok {
			continue
		}
		if p.Role == auth.RoleEndUser {
			v.Add("followers", "InvalidValue", "Followers: only agents can follow tickets")
			continue
		}
		if c.Action == "delete" {
			t.FollowerIDs = removeID(t.FollowerIDs, p.ID)
		} else if !containsID(t.FollowerIDs, p.ID) {
			t.FollowerIDs = append(t.FollowerIDs, p.ID)
		}
	}
	sortIDs(t.EmailCCIDs)
	sortIDs(t.FollowerIDs)
	return nil
}

// peopleChanged reports whether the email CCs or followers changed: the
// field diff does not list them, yet an update that only adds a CC or a
// follower must still be stored.
func peopleChanged(before, after Ticket) bool {
	same := func(a, b []int64) bool {
		a, b = slices.Clone(a), slices.Clone(b)
		slices.Sort(a)
		slices.Sort(b)
		return slices.Equal(a, b)
	}
	return !same(before.EmailCCIDs, after.EmailCCIDs) || !same(before.FollowerIDs, after.FollowerIDs)
}

func removeID(ids []int64, id int64) []int64 {
	out := ids[:0:0]
	for _, x := range ids {
		if x != id {
			out = append(out, x)
		}
	}
	return out
}

func containsID(ids []int64, id int64) bool {
	for _, x := range ids {
		if x == id {
			return true
		}
	}
	return false
}

// applyComment builds the comment of the write, if any.
func (s *Service) applyComment(ctx context.Context, a auth.Actor, ch *change, t *Ticket, in Input, v *errs.Validation) error {
	var ci CommentInput
	switch {
	case in.Comment.Has():
		ci = in.Comment.V
	case ch.create && in.Description.Has():
		ci = CommentInput{Body: in.Description.V}
	default:
		return nil
	}
	if strings.TrimSpace(ci.Body) == "" && strings.TrimSpace(ci.HTMLBody) == "" {
		if ch.create || in.Comment.Has() {
			v.Add("comment", "BlankValue", "Comment: cannot be blank")
		}
		return nil
	}
	public := true
	if !ch.create {
		public = t.IsPublic
	}
	if ci.Public.Has() {
		public = ci.Public.V
	}
	author := a.UserID
	if ci.AuthorID.Has() {
		if _, err := s.people.Person(ctx, a.AccountID, ci.AuthorID.V); err != nil {
			v.Add("comment.author_id", "InvalidValue", "Comment author: does not exist")
		} else {
			author = ci.AuthorID.V
		}
	}
	if len(ci.Uploads) > 0 {
		if _, err := s.pendingUploads(ctx, a.AccountID, ci.Uploads); err != nil {
			if errs.Is(err, errs.Invalid) {
				v.Add("comment.uploads", "InvalidValue", "Uploads: a token is unknown or already used")
				return nil
			}
			return err
		}
		ch.uploads = ci.Uploads
	}
	body, html, plain := bodies(ci.Body, ci.HTMLBody)
	ch.comment = &Comment{AccountID: a.AccountID, Type: "Comment", AuthorID: author, Body: body, HTMLBody: html,
		PlainBody: plain, Public: public, Via: t.Via, Metadata: json.RawMessage(`{}`)}
	if t.Subject == "" && ch.create {
		t.Subject = firstLine(plain, 100)
		t.RawSubject = t.Subject
	}
	return nil
}

func firstLine(s string, max int) string {
	s, _, _ = strings.Cut(strings.TrimSpace(s), "\n")
	if r := []rune(s); len(r) > max {
		return string(r[:max])
	}
	return s
}
