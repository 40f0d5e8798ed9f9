package ticket

import (
	"context"
	"encoding/json"
	"log/slog"
	"strings"
	"time"

	"parley/internal/auth"
	"parley/internal/bulk"
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
	hooks       []Hook
	macros      Macros
	render      Renderer
	cfg         configCache
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
	return s.CreateAs(ctx, a, in, Via{})
}

// CreateAs creates a ticket as actor a, who may be an end user writing by
// email or through sharing; via (when its channel is set) says how the
// ticket arrived. Business rules run on it.
func (s *Service) CreateAs(ctx context.Context, a auth.Actor, in Input, via Via) (Ticket, Audit, error) {
	var t Ticket
	var au Audit
	err := s.d.InTx(ctx, func(ctx context.Context) error {
		var err error
		t, au, err = s.createWith(ctx, a, endUserInput(a, nil, in), writeOpts{hooks: true, via: via})
		return err
	})
	return t, au, err
}

// writeOpts say how a write runs: whether business rules see it, and the
// channel it came through (zero: the API).
type writeOpts struct {
	hooks bool
	via   Via
}

func (s *Service) create(ctx context.Context, a auth.Actor, in Input) (Ticket, Audit, error) {
	return s.createWith(ctx, a, in, writeOpts{})
}

func (s *Service) createWith(ctx context.Context, a auth.Actor, in Input, o writeOpts) (Ticket, Audit, error) {
	ctx = oneConfig(ctx)
	now := s.clock.Now()
	t := Ticket{AccountID: a.AccountID, Via: APIVia(), Status: "new", SubmitterID: a.UserID, IsPublic: true,
		Satisfaction: "unoffered", Tags: []string{}, Fields: map[int64]any{}, CreatedAt: now, UpdatedAt: now,
		EmailCCIDs: []int64{}, FollowerIDs: []int64{}}
	ch := &change{create: true, before: Ticket{Fields: map[int64]any{}}}
	var v errs.Validation
	if !in.Comment.Has() && !in.Description.Has() {
		v.Add("comment", "BlankValue", "Comment: a ticket needs a first comment (comment.body or description)")
	}
	if o.via.Channel != "" {
		t.Via = o.via
	} else if in.Via.Has() {
		t.Via = viaOf(in.Via.V)
	}
	t.SharedFromID = in.SharedFrom.Ptr()
	if in.ViaFollowupSourceID.Has() {
		src, err := s.ticketAny(ctx, a.AccountID, in.ViaFollowupSourceID.V)
		if err == nil && src.Status == "closed" {
			// A follow-up copies the source's requester and tags: only of
			// a ticket the agent's custom role reaches.
			if err := s.inScope(ctx, a, src.ID); err != nil {
				return Ticket{}, Audit{}, err
			}
		}
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
	if err := commentAllowed(a, ch.comment); err != nil {
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
	stampFacts(a, ch.before, &t, true, ch.comment, now)
	row, err := s.insertTicket(ctx, t)
	if err != nil {
		return Ticket{}, Audit{}, err
	}
	if err := s.writeSets(ctx, Ticket{}, t); err != nil {
		return Ticket{}, Audit{}, err
	}
	ch.after = t
	au, err := s.record(ctx, a, ch, t.Via, in, s.diff(ch))
	if err != nil {
		return Ticket{}, Audit{}, err
	}
	out, err := s.created(ctx, row, t)
	if err != nil || !o.hooks {
		return out, au, err
	}
	return s.afterWrite(ctx, &Write{Actor: a, Create: true, Before: ch.before, Ticket: out, Comment: ch.comment,
		Audit: &au, Via: t.Via, SharingAgreementIDs: in.SharingAgreementIDs})
}

// afterWrite runs the hooks over w and returns the ticket and audit as
// they left it.
func (s *Service) afterWrite(ctx context.Context, w *Write) (Ticket, Audit, error) {
	if len(s.hooks) == 0 {
		return w.Ticket, *w.Audit, nil
	}
	if err := s.runHooks(ctx, w); err != nil {
		return Ticket{}, Audit{}, err
	}
	return w.Ticket, *w.Audit, nil
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
	return s.UpdateAs(ctx, a, id, in, Via{})
}

// UpdateAs updates a ticket as actor a over via (zero: the API). An end
// user's comments are public, and a requester's reply reopens a pending
// or solved ticket. Business rules run on it.
func (s *Service) UpdateAs(ctx context.Context, a auth.Actor, id int64, in Input, via Via) (Ticket, Audit, error) {
	var t Ticket
	var au Audit
	err := s.d.InTx(ctx, func(ctx context.Context) error {
		var err error
		t, au, err = s.updateWith(ctx, a, id, in, writeOpts{hooks: true, via: via})
		return err
	})
	return t, au, err
}

// WithWrite opens a write on ticket id as actor a over via and lets fn
// change it (through w.Apply and w.Record), then runs the hooks when fn
// changed anything. Automations use it: their changes and notifications
// share one audit, and triggers see the result.
func (s *Service) WithWrite(ctx context.Context, a auth.Actor, id int64, via Via, fn func(ctx context.Context, w *Write) error) (Ticket, Audit, error) {
	var t Ticket
	var au Audit
	err := s.d.InTx(ctx, func(ctx context.Context) error {
		cur, err := s.ticket(ctx, a.AccountID, id, true)
		if err != nil {
			return err
		}
		if cur.Status == "closed" {
			return errs.Invalidf("status", "", "closed prevents ticket update")
		}
		now := s.clock.Now()
		au = Audit{AccountID: a.AccountID, TicketID: id, AuthorID: a.UserID, Via: via, Metadata: json.RawMessage(`{"system":{},"custom":{}}`),
			CreatedAt: now, Events: []Event{}}
		if err := s.d.Conn(ctx).QueryRowContext(ctx, `INSERT INTO ticket_audits (account_id, ticket_id, author_id, via_channel, via_source,
			metadata, created_at) VALUES ($1,$2,$3,$4,$5,$6,$7) RETURNING id`, au.AccountID, au.TicketID, au.AuthorID,
			via.Channel, string(via.Source), string(au.Metadata), now).Scan(&au.ID); err != nil {
			return err
		}
		w := &Write{Actor: a, Before: cur, Ticket: cur, Audit: &au, Via: via, s: s}
		if err := fn(ctx, w); err != nil {
			return err
		}
		if len(au.Events) == 0 {
			// Nothing happened: leave no empty audit behind.
			_, err := s.d.Conn(ctx).ExecContext(ctx, `DELETE FROM ticket_audits WHERE account_id = $1 AND id = $2`, au.AccountID, au.ID)
			t = cur
			return err
		}
		if _, err := s.d.Conn(ctx).ExecContext(ctx, `UPDATE tickets SET updated_at = $1 WHERE account_id = $2 AND id = $3`,
			now, a.AccountID, id); err != nil {
			return err
		}
		w.Ticket.UpdatedAt = now
		t, au, err = s.afterWrite(ctx, w)
		return err
	})
	return t, au, err
}

// updatedStampLayout is how clients echo updated_at back for safe_update.
const updatedStampLayout = "2006-01-02T15:04:05Z"

func (s *Service) update(ctx context.Context, a auth.Actor, id int64, in Input) (Ticket, Audit, error) {
	return s.updateWith(ctx, a, id, in, writeOpts{})
}

func (s *Service) updateWith(ctx context.Context, a auth.Actor, id int64, in Input, o writeOpts) (Ticket, Audit, error) {
	ctx = oneConfig(ctx)
	cur, err := s.scoped(ctx, a, id, true)
	if err != nil {
		return Ticket{}, Audit{}, err
	}
	if cur.Status == "closed" {
		return Ticket{}, Audit{}, errs.Invalidf("status", "", "closed prevents ticket update")
	}
	in = endUserInput(a, &cur, in)
	in, macros, err := s.withMacros(ctx, a, cur, in)
	if err != nil {
		return Ticket{}, Audit{}, err
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
	via := APIVia()
	if o.via.Channel != "" {
		via = o.via
	}
	t := cloneTicket(cur)
	ch := &change{before: cur}
	var v errs.Validation
	if err := s.apply(ctx, a, ch, &t, in, &v); err != nil {
		return Ticket{}, Audit{}, err
	}
	if err := v.Err(); err != nil {
		return Ticket{}, Audit{}, err
	}
	if ch.comment != nil {
		ch.comment.Via = via
		if ch.comment.Public {
			t.IsPublic = true
		}
	}
	ch.after = t
	diffs := s.diff(ch)
	// propsChanged: anything besides the comment (and a macro's own event).
	propsChanged := len(diffs) > 0 || sharingChanges(cur, in) || peopleChanged(cur, t)
	if err := editsOnlyComment(a, propsChanged); err != nil {
		return Ticket{}, Audit{}, err
	}
	if err := commentAllowed(a, ch.comment); err != nil {
		return Ticket{}, Audit{}, err
	}
	if !propsChanged && ch.comment == nil && len(macros) == 0 {
		return cur, Audit{AccountID: a.AccountID, TicketID: cur.ID, AuthorID: a.UserID, Via: via, Events: []Event{},
			CreatedAt: s.clock.Now()}, nil
	}
	t.UpdatedAt = s.clock.Now()
	stampFacts(a, cur, &t, false, ch.comment, t.UpdatedAt)
	if err := s.saveTicket(ctx, cur, t); err != nil {
		return Ticket{}, Audit{}, err
	}
	if err := s.writeSets(ctx, cur, t); err != nil {
		return Ticket{}, Audit{}, err
	}
	ch.after = t
	au, err := s.record(ctx, a, ch, via, in, diffs)
	if err != nil {
		return Ticket{}, Audit{}, err
	}
	if evs := macroEvents(macros); len(evs) > 0 {
		if err := s.insertEvents(ctx, &au, evs); err != nil {
			return Ticket{}, Audit{}, err
		}
		au.Events = append(au.Events, evs...)
	}
	out, err := s.readBack(ctx, t)
	if err != nil || !o.hooks {
		return out, au, err
	}
	return s.afterWrite(ctx, &Write{Actor: a, Before: cur, Ticket: out, Comment: ch.comment, Audit: &au, Via: via,
		SharingAgreementIDs: in.SharingAgreementIDs})
}

// sharingChanges reports whether in asks to share or unshare the ticket
// (an update carrying only sharing_agreement_ids is still a write).
func sharingChanges(cur Ticket, in Input) bool {
	if !in.SharingAgreementIDs.Set {
		return false
	}
	want := map[int64]bool{}
	for _, id := range in.SharingAgreementIDs.V {
		want[id] = true
	}
	have := cur.SharingAgreementIDs()
	if len(want) != len(have) {
		return true
	}
	for _, id := range have {
		if !want[id] {
			return true
		}
	}
	return false
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
