package ticket

import (
	"context"
	"encoding/json"
	"fmt"
	"log/slog"
	"strconv"
	"strings"
	"time"

	"parley/internal/auth"
	"parley/internal/bulk"
	"parley/internal/customfield"
	"parley/internal/platform/clock"
	"parley/internal/platform/db"
	"parley/internal/platform/errs"
	"parley/internal/platform/opt"
)

// Service holds the ticket rules.
type Service struct {
	d           *db.DB
	clock       clock.Clock
	log         *slog.Logger
	people      People
	files       Files
	settings    AccountSettings
	uploadLimit int64
	bulk        *bulk.Service
	mergeGuard  MergeGuard
}

// Options configure the ticket service.
type Options struct {
	// UploadLimit caps one uploaded file, in bytes.
	UploadLimit int64
}

// NewService builds the ticket service.
func NewService(d *db.DB, c clock.Clock, log *slog.Logger, people People, files Files, settings AccountSettings, o Options) *Service {
	if o.UploadLimit <= 0 {
		o.UploadLimit = 50 << 20
	}
	return &Service{d: d, clock: c, log: log, people: people, files: files, settings: settings, uploadLimit: o.UploadLimit}
}

// BootstrapAccount gives a new account its default statuses and system
// ticket fields (operator action; idempotent).
func (s *Service) BootstrapAccount(ctx context.Context, accountID int64) error {
	return s.d.InTx(ctx, func(ctx context.Context) error {
		if err := s.Bootstrap(ctx, accountID); err != nil {
			return err
		}
		if err := s.bootstrapFields(ctx, accountID); err != nil {
			return err
		}
		return s.bootstrapForm(ctx, accountID)
	})
}

// Meta is request information recorded on audits.
type Meta struct {
	Client    string
	IPAddress string
}

type metaKey struct{}

// WithMeta records request information for the audits of writes in ctx.
func WithMeta(ctx context.Context, m Meta) context.Context {
	return context.WithValue(ctx, metaKey{}, m)
}

// change is a write being prepared: the ticket before and after, the
// comment to add, and the events to record.
type change struct {
	before, after Ticket
	create        bool
	comment       *Comment
	uploads       []string
	events        []Event
	fields        map[int64]Field
}

// Create makes a ticket from in (agents) and returns it with its audit.
func (s *Service) Create(ctx context.Context, in Input) (Ticket, Audit, error) {
	a, err := auth.RequireAgent(ctx)
	if err != nil {
		return Ticket{}, Audit{}, err
	}
	var t Ticket
	var au Audit
	err = s.d.InTx(ctx, func(ctx context.Context) error {
		var err error
		t, au, err = s.create(ctx, a, in)
		return err
	})
	return t, au, err
}

func (s *Service) create(ctx context.Context, a auth.Actor, in Input) (Ticket, Audit, error) {
	now := s.clock.Now()
	t := Ticket{AccountID: a.AccountID, Via: APIVia(), Status: "new", SubmitterID: a.UserID, IsPublic: true,
		Satisfaction: "unoffered", Tags: []string{}, Fields: map[int64]any{}, CreatedAt: now, UpdatedAt: now,
		EmailCCIDs: []int64{}, FollowerIDs: []int64{}}
	ch := &change{create: true, before: Ticket{Fields: map[int64]any{}}}
	var v errs.Validation
	if !in.Comment.Has() && !in.Description.Has() {
		v.Add("comment", "BlankValue", "Comment: a ticket needs a first comment (comment.body or description)")
	}
	if in.Via.Has() {
		t.Via = viaOf(in.Via.V)
	}
	if in.ViaFollowupSourceID.Has() {
		src, err := s.ticketAny(ctx, a.AccountID, in.ViaFollowupSourceID.V)
		if err != nil || src.Status != "closed" {
			v.Add("via_followup_source_id", "InvalidValue", "Follow-up source: must be a closed ticket")
		} else {
			id := src.ID
			t.FollowupSourceID = &id
			if !in.Tags.Set {
				t.Tags = append([]string{}, src.Tags...)
			}
			if !in.RequesterID.Set && !in.Requester.Set {
				t.RequesterID = src.RequesterID
			}
		}
	}
	if err := s.apply(ctx, a, ch, &t, in, &v); err != nil {
		return Ticket{}, Audit{}, err
	}
	if err := v.Err(); err != nil {
		return Ticket{}, Audit{}, err
	}
	id, err := s.nextID(ctx, a.AccountID)
	if err != nil {
		return Ticket{}, Audit{}, err
	}
	t.ID = id
	if ch.comment != nil {
		t.Description = ch.comment.PlainBody
		t.IsPublic = ch.comment.Public
	}
	if err := s.insertTicket(ctx, t); err != nil {
		return Ticket{}, Audit{}, err
	}
	if err := s.writeSets(ctx, t); err != nil {
		return Ticket{}, Audit{}, err
	}
	ch.after = t
	au, err := s.record(ctx, a, ch, t.Via, in)
	if err != nil {
		return Ticket{}, Audit{}, err
	}
	out, err := s.ticket(ctx, a.AccountID, id, false)
	return out, au, err
}

func viaOf(in ViaInput) Via {
	ch := "api"
	switch x := in.Channel.(type) {
	case string:
		if x != "" {
			ch = x
		}
	case float64:
		if name, ok := viaNames[int(x)]; ok {
			ch = name
		}
	}
	src := in.Source
	if len(src) == 0 || string(src) == "null" {
		src = json.RawMessage(`{"from":{},"to":{},"rel":null}`)
	}
	return Via{Channel: ch, Source: src}
}

// viaNames maps the numeric via ids clients send to channel names.
var viaNames = map[int]string{0: "web", 4: "email", 5: "api", 8: "rule", 29: "chat", 31: "ticket_sharing",
	33: "voice", 34: "voice", 35: "voice", 48: "web_widget", 49: "mobile_sdk", 50: "helpcenter", 55: "any_channel", 56: "mobile", 57: "sms"}

// Update applies a partial update (agents) and returns the ticket and the
// audit of the write (an audit with no events when nothing changed).
func (s *Service) Update(ctx context.Context, id int64, in Input) (Ticket, Audit, error) {
	a, err := auth.RequireAgent(ctx)
	if err != nil {
		return Ticket{}, Audit{}, err
	}
	var t Ticket
	var au Audit
	err = s.d.InTx(ctx, func(ctx context.Context) error {
		var err error
		t, au, err = s.update(ctx, a, id, in)
		return err
	})
	return t, au, err
}

// updatedStampLayout is how clients echo updated_at back for safe_update.
const updatedStampLayout = "2006-01-02T15:04:05Z"

func (s *Service) update(ctx context.Context, a auth.Actor, id int64, in Input) (Ticket, Audit, error) {
	cur, err := s.ticket(ctx, a.AccountID, id, true)
	if err != nil {
		return Ticket{}, Audit{}, err
	}
	if cur.Status == "closed" {
		return Ticket{}, Audit{}, errs.Invalidf("status", "", "closed prevents ticket update")
	}
	if in.SafeUpdate.Or(false) {
		stamp, err := time.Parse(time.RFC3339, in.UpdatedStamp.V)
		if err != nil {
			return Ticket{}, Audit{}, errs.Invalidf("updated_stamp", "InvalidValue", "Updated stamp: must be the ticket's updated_at (ISO 8601)")
		}
		if !stamp.UTC().Truncate(time.Second).Equal(cur.UpdatedAt.Truncate(time.Second)) {
			return Ticket{}, Audit{}, errs.E(errs.Conflict,
				"Safe Update prevented the update due to outdated ticket data. Please fetch the latest ticket data and try again.").WithCode("UpdateConflict")
		}
	}
	t := cur
	t.Tags = append([]string{}, cur.Tags...)
	t.Fields = copyFields(cur.Fields)
	t.EmailCCIDs = append([]int64{}, cur.EmailCCIDs...)
	t.FollowerIDs = append([]int64{}, cur.FollowerIDs...)
	ch := &change{before: cur}
	var v errs.Validation
	if err := s.apply(ctx, a, ch, &t, in, &v); err != nil {
		return Ticket{}, Audit{}, err
	}
	if err := v.Err(); err != nil {
		return Ticket{}, Audit{}, err
	}
	if ch.comment != nil && ch.comment.Public {
		t.IsPublic = true
	}
	ch.after = t
	diffs := s.diff(ch)
	if len(diffs) == 0 && ch.comment == nil {
		return cur, Audit{AccountID: a.AccountID, TicketID: cur.ID, AuthorID: a.UserID, Via: APIVia(), Events: []Event{},
			CreatedAt: s.clock.Now()}, nil
	}
	t.UpdatedAt = s.clock.Now()
	if err := s.saveTicket(ctx, t); err != nil {
		return Ticket{}, Audit{}, err
	}
	if err := s.writeSets(ctx, t); err != nil {
		return Ticket{}, Audit{}, err
	}
	ch.after = t
	au, err := s.record(ctx, a, ch, APIVia(), in)
	if err != nil {
		return Ticket{}, Audit{}, err
	}
	out, err := s.ticket(ctx, a.AccountID, id, false)
	return out, au, err
}

func copyFields(m map[int64]any) map[int64]any {
	out := make(map[int64]any, len(m))
	for k, v := range m {
		out[k] = v
	}
	return out
}

// ticketAny loads a ticket including closed ones (for follow-ups, problems).
func (s *Service) ticketAny(ctx context.Context, accountID, id int64) (Ticket, error) {
	return s.ticket(ctx, accountID, id, false)
}

// apply validates in and copies it onto t. Validation problems go to v;
// infrastructure failures are returned.
func (s *Service) apply(ctx context.Context, a auth.Actor, ch *change, t *Ticket, in Input, v *errs.Validation) error {
	acct := a.AccountID
	for _, o := range []*opt.Opt[int64]{&in.AssigneeID, &in.GroupID, &in.OrganizationID, &in.ProblemID, &in.BrandID, &in.TicketFormID} {
		*o = opt.NullZero(*o)
	}
	if in.Subject.Set {
		t.Subject = strings.TrimSpace(in.Subject.V)
		t.RawSubject = in.RawSubject.Or(t.Subject)
		if len(t.Subject) > 150*1024 {
			v.Add("subject", "TooLong", "Subject: is too long")
		}
	}
	if in.ExternalID.Set {
		t.ExternalID = in.ExternalID.Ptr()
	}
	if in.Recipient.Set {
		t.Recipient = in.Recipient.Ptr()
	}
	if in.Type.Set {
		if in.Type.Has() && in.Type.V != "" && !oneOf(Types, in.Type.V) {
			v.Add("type", "InvalidValue", "Type: must be question, incident, problem or task")
		}
		t.Type = nonEmpty(in.Type.Ptr())
	}
	if in.Priority.Set {
		if in.Priority.Has() && in.Priority.V != "" && !oneOf(Priorities, in.Priority.V) {
			v.Add("priority", "InvalidValue", "Priority: must be low, normal, high or urgent")
		}
		t.Priority = nonEmpty(in.Priority.Ptr())
	}

	// People: requester, submitter, assignee, group, organization.
	requesterChanged := false
	switch {
	case in.RequesterID.Has():
		p, err := s.people.Person(ctx, acct, in.RequesterID.V)
		if errs.Is(err, errs.NotFound) {
			v.Add("requester_id", "InvalidValue", "Requester: does not exist")
		} else if err != nil {
			return err
		} else {
			requesterChanged = t.RequesterID != p.ID
			t.RequesterID = p.ID
		}
	case in.Requester.Has():
		r := in.Requester.V
		if strings.TrimSpace(r.Email) == "" {
			v.Add("requester", "BlankValue", "Requester: an email is required")
			break
		}
		p, err := s.people.EnsureEndUser(ctx, acct, r.Name, r.Email)
		if errs.KindOf(err) == errs.Invalid {
			v.Add("requester", "InvalidValue", "Requester: "+r.Email+" is not a valid email address")
		} else if err != nil {
			return err
		} else {
			requesterChanged = t.RequesterID != p.ID
			t.RequesterID = p.ID
		}
	}
	if t.RequesterID == 0 {
		t.RequesterID = a.UserID
		requesterChanged = true
	}
	if in.SubmitterID.Has() && ch.create {
		if _, err := s.people.Person(ctx, acct, in.SubmitterID.V); err != nil {
			v.Add("submitter_id", "InvalidValue", "Submitter: does not exist")
		} else {
			t.SubmitterID = in.SubmitterID.V
		}
	}
	if in.OrganizationID.Set {
		if in.OrganizationID.Has() {
			if ok, err := s.people.OrganizationExists(ctx, acct, in.OrganizationID.V); err != nil {
				return err
			} else if !ok {
				v.Add("organization_id", "InvalidValue", "Organization: does not exist")
			}
		}
		t.OrganizationID = in.OrganizationID.Ptr()
	} else if requesterChanged {
		if p, err := s.people.Person(ctx, acct, t.RequesterID); err == nil {
			t.OrganizationID = p.OrganizationID
		}
	}
	var assignee *Person
	if in.AssigneeEmail.Has() && !in.AssigneeID.Set {
		p, err := s.people.PersonByEmail(ctx, acct, in.AssigneeEmail.V)
		if err != nil {
			v.Add("assignee_email", "InvalidValue", "Assignee: does not exist")
		} else {
			assignee = &p
		}
	}
	if in.AssigneeID.Has() {
		p, err := s.people.Person(ctx, acct, in.AssigneeID.V)
		if errs.Is(err, errs.NotFound) {
			v.Add("assignee_id", "InvalidValue", "Assignee: does not exist")
		} else if err != nil {
			return err
		} else {
			assignee = &p
		}
	} else if in.AssigneeID.Set {
		t.AssigneeID = nil
	}
	if assignee != nil {
		if assignee.Role != auth.RoleAgent && assignee.Role != auth.RoleAdmin {
			v.Add("assignee_id", "InvalidValue", "Assignee: must be an agent")
		}
		id := assignee.ID
		t.AssigneeID = &id
	}
	if in.GroupID.Set {
		if in.GroupID.Has() {
			if exists, _, err := s.people.GroupMember(ctx, acct, in.GroupID.V, 0); err != nil {
				return err
			} else if !exists {
				v.Add("group_id", "InvalidValue", "Group: does not exist")
			}
		}
		t.GroupID = in.GroupID.Ptr()
	} else if assignee != nil && t.GroupID == nil {
		t.GroupID = assignee.DefaultGroupID
	}
	if t.AssigneeID != nil && t.GroupID != nil && !v.Has("group_id") && !v.Has("assignee_id") {
		_, member, err := s.people.GroupMember(ctx, acct, *t.GroupID, *t.AssigneeID)
		if err != nil {
			return err
		}
		if !member {
			v.Add("assignee_id", "InvalidValue", "Assignee: is not a member of the group")
		}
	}

	// Problem/incident and tasks.
	if in.ProblemID.Set {
		if in.ProblemID.Has() {
			p, err := s.ticket(ctx, acct, in.ProblemID.V, false)
			if err != nil || p.Type == nil || *p.Type != "problem" {
				v.Add("problem_id", "InvalidValue", "Problem: must be a ticket of type problem")
			}
			if !in.Type.Set {
				inc := "incident"
				t.Type = &inc
			}
		}
		t.ProblemID = in.ProblemID.Ptr()
	}
	if t.ProblemID != nil && (t.Type == nil || *t.Type != "incident") {
		v.Add("problem_id", "InvalidValue", "Problem: only incidents can be linked to a problem")
	}
	if in.DueAt.Set {
		if in.DueAt.Has() && in.DueAt.V != "" {
			due, err := time.Parse(time.RFC3339, in.DueAt.V)
			if err != nil {
				if d, err2 := time.Parse("2006-01-02", in.DueAt.V); err2 == nil {
					due, err = d, nil
				}
			}
			if err != nil {
				v.Add("due_at", "InvalidValue", "Due date: must be an ISO 8601 time")
			} else {
				u := due.UTC()
				t.DueAt = &u
			}
		} else {
			t.DueAt = nil
		}
	}
	if t.DueAt != nil && (t.Type == nil || *t.Type != "task") {
		v.Add("due_at", "InvalidValue", "Due date: only tasks have a due date")
	}

	if err := s.applyStatus(ctx, a, ch, t, in, v); err != nil {
		return err
	}
	if err := s.applyFieldsAndTags(ctx, ch, t, in, v); err != nil {
		return err
	}
	if err := s.applyCCs(ctx, a, t, in, v); err != nil {
		return err
	}
	if in.TicketFormID.Set {
		t.TicketFormID = in.TicketFormID.Ptr()
	} else if ch.create {
		if id, ok, err := s.defaultFormID(ctx, acct); err != nil {
			return err
		} else if ok {
			t.TicketFormID = &id
		}
	}
	if err := s.checkFormConditions(ctx, t, v); err != nil {
		return err
	}
	if in.BrandID.Set {
		t.BrandID = in.BrandID.Ptr()
	}
	return s.applyComment(ctx, a, ch, t, in, v)
}

func nonEmpty(p *string) *string {
	if p == nil || *p == "" {
		return nil
	}
	return p
}

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
