package ticket

import (
	"context"
	"database/sql"
	"encoding/json"
	"fmt"
	"strconv"
	"time"

	"parley/internal/customfield"
	"parley/internal/platform/db"
	"parley/internal/platform/errs"
)

// BatchTicket is one historical ticket of an ImportBatch, in its final
// state, with its comments in order (the first is its description).
type BatchTicket struct {
	ExternalID *string
	// Via is the channel the ticket came through (zero: the API); its
	// audits and comments carry it too.
	Via      Via
	Type     *string
	Priority *string
	// Subject empty: the first line of the first comment.
	Subject string
	// Status empty: new.
	Status string
	// CustomStatusID 0: the default custom status of Status's category.
	CustomStatusID int64
	RequesterID    int64
	// SubmitterID 0: the requester.
	SubmitterID    int64
	AssigneeID     *int64
	OrganizationID *int64
	GroupID        *int64
	BrandID        *int64
	// TicketFormID nil: the account's default form.
	TicketFormID *int64
	Tags         []string
	// Fields are custom field values by field id, validated against the
	// field's type; dropdown and checkbox values add their tags, as on
	// an API write.
	Fields map[int64]any
	// Followers and EmailCCs are user ids.
	Followers []int64
	EmailCCs  []int64
	Comments  []BatchComment
	// CreatedAt zero: now. UpdatedAt zero: the last comment's time.
	CreatedAt time.Time
	UpdatedAt time.Time
	// SolvedAt applies to solved and closed tickets (nil: UpdatedAt).
	SolvedAt *time.Time
	// Rule facts. Zero values are derived: the status changed when the
	// ticket was solved (or last updated), it was assigned when created.
	StatusUpdatedAt     time.Time
	AssignedAt          *time.Time
	InitiallyAssignedAt *time.Time
	Reopens             int
}

// BatchComment is one comment of a BatchTicket.
type BatchComment struct {
	// AuthorID 0: the requester. Authors other than the requester are
	// taken to be agents (their public comments count as replies).
	AuthorID int64
	Body     string
	HTMLBody string
	Public   bool
	// CreatedAt zero: the ticket's creation time.
	CreatedAt time.Time
}

// Bind-variable budget of one multi-row statement: SQLite allows 32,766,
// PostgreSQL 65,535; rows are also capped so a statement stays a size
// both engines parse quickly.
const (
	batchMaxVars = 32000
	batchMaxRows = 500
)

// batchMeta is the metadata of imported audits and comments: no request
// made them (record writes the same for a write without request meta).
const batchMeta = `{"custom":{},"system":{}}`

// ImportBatch stores a batch of historical tickets with their comments,
// audits and Create events, tags, custom field values and CCs, in one
// transaction with multi-row INSERTs: the fast path of Import, for
// seeding and migrations. It is an operator path: it checks no actor, and
// trusts that the requester, submitter, assignee, authors, group,
// organization, brand and form ids belong to the account (it checks the
// rest: statuses, custom status, priority, type, custom field values,
// times). No business rules run, as on Import. The batch's ticket numbers
// are allocated with one counter update, so later creates continue the
// numbering. Each ticket gets one audit per comment: the first carries the
// Comment and the Create events of the ticket's final state (as a create
// with those values would), the others a Comment event. Search sees the
// tickets at once (the database keeps the full-text index).
func (s *Service) ImportBatch(ctx context.Context, accountID int64, batch []BatchTicket) error {
	if len(batch) == 0 {
		return nil
	}
	return s.d.InTx(ctx, func(ctx context.Context) error {
		ref, err := s.batchRefs(ctx, accountID)
		if err != nil {
			return err
		}
		now := s.clock.Now().UTC()
		plan := &batchPlan{s: s, accountID: accountID}
		var v errs.Validation
		for i := range batch {
			plan.add(ref, i, &batch[i], now, &v)
		}
		if err := v.Err(); err != nil {
			return err
		}
		last, err := s.bumpCounter(ctx, accountID, int64(len(batch)))
		if err != nil {
			return err
		}
		auditIDs, err := s.allocIDs(ctx, "ticket_audits", plan.audits)
		if err != nil {
			return err
		}
		commentIDs, err := s.allocIDs(ctx, "ticket_comments", plan.audits)
		if err != nil {
			return err
		}
		eventIDs, err := s.allocIDs(ctx, "ticket_events", plan.eventsN)
		if err != nil {
			return err
		}
		plan.number(last-int64(len(batch))+1, auditIDs, commentIDs, eventIDs)
		return s.writeBatch(ctx, accountID, plan)
	})
}

// batchRefs is what a batch is checked against, loaded once per batch.
type batchRefs struct {
	fields        map[int64]Field
	statuses      map[int64]CustomStatus
	defaultStatus map[string]int64
	form          *int64
}

func (s *Service) batchRefs(ctx context.Context, accountID int64) (batchRefs, error) {
	r := batchRefs{fields: map[int64]Field{}, statuses: map[int64]CustomStatus{}, defaultStatus: map[string]int64{}}
	defs, err := s.fields(ctx, accountID)
	if err != nil {
		return r, err
	}
	for _, f := range defs {
		if !f.System() {
			r.fields[f.ID] = f
		}
	}
	sts, err := s.statuses(ctx, accountID)
	if err != nil {
		return r, err
	}
	for _, c := range sts {
		r.statuses[c.ID] = c
	}
	for _, cat := range []string{"new", "open", "pending", "hold", "solved"} {
		def, err := s.defaultStatus(ctx, accountID, cat)
		if err != nil {
			return r, err
		}
		r.defaultStatus[cat] = def.ID
	}
	if id, ok, err := s.defaultFormID(ctx, accountID); err != nil {
		return r, err
	} else if ok {
		r.form = &id
	}
	return r, nil
}

// batchPlan is a batch turned into rows, before ids are known: tickets,
// their comments (one audit each) and events, in order.
type batchPlan struct {
	s         *Service
	accountID int64
	tickets   []Ticket
	comments  [][]Comment
	events    [][]Event // per ticket: the first audit's events after its Comment event
	audits    int       // = comments
	rowsTags  int
	rowsVals  int
	rowsUsrs  int
	eventsN   int // Comment and Create events
	fieldVal  [][]batchFieldValue
	// Filled by number.
	auditIDs, commentIDs, eventIDs []int64
}

type batchFieldValue struct {
	id    int64
	value string
}

// add checks one ticket and plans its rows; problems go to v.
func (p *batchPlan) add(ref batchRefs, i int, b *BatchTicket, now time.Time, v *errs.Validation) {
	field := func(name string) string { return fmt.Sprintf("tickets.%d.%s", i, name) }
	bad := false
	add := func(f, code, msg string) {
		bad = true
		v.Add(f, code, msg)
	}
	if b.RequesterID <= 0 {
		add(field("requester_id"), "BlankValue", "Requester: is required")
	}
	if len(b.Comments) == 0 {
		add(field("comments"), "BlankValue", "Comments: an imported ticket needs at least one comment")
	}
	status := b.Status
	if status == "" {
		status = "new"
	}
	if !oneOf(Statuses, status) {
		add(field("status"), "InvalidValue", "Status: must be new, open, pending, hold, solved or closed")
	}
	cat := status
	if cat == "closed" {
		cat = "solved"
	}
	csID := ref.defaultStatus[cat]
	if b.CustomStatusID != 0 {
		cs, ok := ref.statuses[b.CustomStatusID]
		if !ok || !cs.Active || cs.Category != cat {
			add(field("custom_status_id"), "InvalidValue", "Custom status: does not exist, is not active or does not match the status")
		}
		csID = b.CustomStatusID
	}
	if b.Priority != nil && *b.Priority != "" && !oneOf(Priorities, *b.Priority) {
		add(field("priority"), "InvalidValue", "Priority: must be low, normal, high or urgent")
	}
	if b.Type != nil && *b.Type != "" && !oneOf(Types, *b.Type) {
		add(field("type"), "InvalidValue", "Type: must be question, incident, problem or task")
	}
	created := b.CreatedAt.UTC()
	if b.CreatedAt.IsZero() {
		created = now
	}
	t := Ticket{AccountID: p.accountID, Via: b.Via, Type: nonEmpty(b.Type), Priority: nonEmpty(b.Priority), Subject: b.Subject,
		Status: status, CustomStatusID: csID, ExternalID: b.ExternalID, RequesterID: b.RequesterID,
		SubmitterID: b.SubmitterID, AssigneeID: b.AssigneeID, OrganizationID: b.OrganizationID, GroupID: b.GroupID,
		BrandID: b.BrandID, TicketFormID: b.TicketFormID, Satisfaction: "unoffered", CreatedAt: created,
		Fields: map[int64]any{}, Reopens: b.Reopens}
	if t.Via.Channel == "" {
		t.Via = APIVia()
	}
	if len(t.Via.Source) == 0 {
		t.Via.Source = json.RawMessage(`{"from":{},"to":{},"rel":null}`)
	}
	if t.SubmitterID == 0 {
		t.SubmitterID = t.RequesterID
	}
	if t.TicketFormID == nil {
		t.TicketFormID = ref.form
	}

	// Custom fields and the tags they imply, as applyFieldsAndTags does.
	tags := map[string]bool{}
	for _, tag := range normalizeTags(b.Tags) {
		tags[tag] = true
	}
	fids := make([]int64, 0, len(b.Fields))
	for fid := range b.Fields {
		fids = append(fids, fid)
	}
	sortIDs(fids)
	for _, fid := range fids {
		f, ok := ref.fields[fid]
		if !ok || !f.Active {
			add(field("custom_fields"), "InvalidValue", fmt.Sprintf("Custom field %d does not exist or is not active", fid))
			continue
		}
		val, msg := customfield.Validate(f.def(), b.Fields[fid])
		if msg != "" {
			add(field("custom_fields."+strconv.FormatInt(fid, 10)), "InvalidValue", f.Title+": "+msg)
			continue
		}
		switch x := val.(type) {
		case int64:
			val = strconv.FormatInt(x, 10)
		case float64:
			val = strconv.FormatFloat(x, 'f', -1, 64)
		}
		if val == nil {
			continue
		}
		t.Fields[fid] = val
		for _, tag := range customfield.Tags(f.Type, f.Tag, val) {
			tags[tag] = true
		}
	}
	t.Tags = sortedKeys(tags)
	t.FollowerIDs = uniqueIDs(b.Followers)
	t.EmailCCIDs = uniqueIDs(b.EmailCCs)

	// Comments, in order; the ticket was last updated by the last one.
	comments := make([]Comment, len(b.Comments))
	last := created
	for j, bc := range b.Comments {
		at := bc.CreatedAt.UTC()
		if bc.CreatedAt.IsZero() {
			at = created
		}
		if at.Before(created) {
			add(field(fmt.Sprintf("comments.%d.created_at", j)), "InvalidValue", "Comment: cannot be older than its ticket")
		}
		if at.After(last) {
			last = at
		}
		author := bc.AuthorID
		if author == 0 {
			author = t.RequesterID
		}
		body, html, plain := bodies(bc.Body, bc.HTMLBody)
		if plain == "" && body == "" {
			add(field(fmt.Sprintf("comments.%d", j)), "BlankValue", "Comment: cannot be blank")
		}
		comments[j] = Comment{Type: "Comment", AuthorID: author, Body: body, HTMLBody: html, PlainBody: plain,
			Public: bc.Public, Via: t.Via, Metadata: json.RawMessage(batchMeta), CreatedAt: at}
		if bc.Public {
			t.IsPublic = true
		}
		if author == t.RequesterID {
			a := at
			t.RequesterUpdatedAt = &a
		}
		if t.AssigneeID != nil && author == *t.AssigneeID {
			a := at
			t.AssigneeUpdatedAt = &a
		}
		if j > 0 && bc.Public && author != t.RequesterID {
			t.Replies++
		}
	}
	if len(comments) > 0 {
		t.Description = comments[0].PlainBody
		if t.Subject == "" {
			t.Subject = firstLine(comments[0].PlainBody, 100)
		}
	}
	t.RawSubject = t.Subject
	t.UpdatedAt = last
	if !b.UpdatedAt.IsZero() {
		t.UpdatedAt = b.UpdatedAt.UTC()
		if t.UpdatedAt.Before(last) {
			add(field("updated_at"), "InvalidValue", "Updated at: cannot be older than the ticket or its comments")
		}
	}
	if status == "solved" || status == "closed" {
		sa := t.UpdatedAt
		if b.SolvedAt != nil {
			sa = b.SolvedAt.UTC()
		}
		t.SolvedAt = &sa
	}
	t.StatusUpdatedAt = b.StatusUpdatedAt.UTC()
	if b.StatusUpdatedAt.IsZero() {
		t.StatusUpdatedAt = t.UpdatedAt
		if t.SolvedAt != nil {
			t.StatusUpdatedAt = *t.SolvedAt
		}
	}
	if t.AssigneeID != nil {
		t.AssignedAt, t.InitiallyAssignedAt = b.AssignedAt, b.InitiallyAssignedAt
		if t.InitiallyAssignedAt == nil {
			c := created
			t.InitiallyAssignedAt = &c
		}
		if t.AssignedAt == nil {
			a := *t.InitiallyAssignedAt
			t.AssignedAt = &a
		}
	}
	vals := make([]batchFieldValue, 0, len(t.Fields))
	for _, fid := range fids {
		if val, ok := t.Fields[fid]; ok {
			js, err := json.Marshal(val)
			if err != nil {
				add(field("custom_fields."+strconv.FormatInt(fid, 10)), "InvalidValue", err.Error())
				continue
			}
			vals = append(vals, batchFieldValue{fid, string(js)})
		}
	}
	if bad {
		return
	}
	// The Create events are exactly what a create with these values lists.
	evs := []Event{}
	for _, d := range p.s.diff(&change{create: true, before: Ticket{Fields: map[int64]any{}}, after: t}) {
		evs = append(evs, Event{Type: "Create", FieldName: d.name, Value: d.after})
	}
	p.tickets = append(p.tickets, t)
	p.comments = append(p.comments, comments)
	p.events = append(p.events, evs)
	p.fieldVal = append(p.fieldVal, vals)
	p.audits += len(comments)
	p.eventsN += len(comments) + len(evs)
	p.rowsTags += len(t.Tags)
	p.rowsVals += len(vals)
	p.rowsUsrs += len(t.FollowerIDs) + len(t.EmailCCIDs)
}

func uniqueIDs(ids []int64) []int64 {
	out := []int64{}
	seen := map[int64]bool{}
	for _, id := range ids {
		if id > 0 && !seen[id] {
			seen[id] = true
			out = append(out, id)
		}
	}
	sortIDs(out)
	return out
}

// number gives the planned rows their ids: ticket numbers from first,
// audits, comments and events from the allocated lists.
func (p *batchPlan) number(first int64, auditIDs, commentIDs, eventIDs []int64) {
	p.auditIDs, p.commentIDs, p.eventIDs = auditIDs, commentIDs, eventIDs
	for i := range p.tickets {
		p.tickets[i].ID = first + int64(i)
	}
}

// bumpCounter advances the account's ticket counter by n and returns its
// new value: the batch owns the n numbers ending there.
func (s *Service) bumpCounter(ctx context.Context, accountID, n int64) (int64, error) {
	var last int64
	err := s.d.Conn(ctx).QueryRowContext(ctx, `INSERT INTO account_counters (account_id, name, value) VALUES ($1, 'tickets', $2)
		ON CONFLICT (account_id, name) DO UPDATE SET value = account_counters.value + excluded.value RETURNING value`,
		accountID, n).Scan(&last)
	return last, err
}

// allocIDs reserves n ids of table's identity column, so a batch can link
// rows (events to audits, audits to comments) before inserting them.
// SQLite has one writer, so inside the write transaction the ids past the
// table's high-water mark are ours (AUTOINCREMENT then moves the mark past
// them); PostgreSQL draws them from the column's sequence.
func (s *Service) allocIDs(ctx context.Context, table string, n int) ([]int64, error) {
	if n == 0 {
		return nil, nil
	}
	out := make([]int64, 0, n)
	if s.d.Dialect == db.Postgres {
		rows, err := s.d.Conn(ctx).QueryContext(ctx, `SELECT nextval(pg_get_serial_sequence($1, 'id')) FROM generate_series(1, $2)`, table, n)
		if err != nil {
			return nil, err
		}
		defer rows.Close()
		for rows.Next() {
			var id int64
			if err := rows.Scan(&id); err != nil {
				return nil, err
			}
			out = append(out, id)
		}
		if err := rows.Err(); err != nil {
			return nil, err
		}
		if len(out) != n {
			return nil, fmt.Errorf("ticket: allocated %d of %d %s ids", len(out), n, table)
		}
		sortIDs(out)
		return out, nil
	}
	var mark int64
	// table is one of our constant table names, never input.
	if err := s.d.Conn(ctx).QueryRowContext(ctx, `SELECT max(COALESCE((SELECT seq FROM sqlite_sequence WHERE name = $1), 0),
		COALESCE((SELECT max(id) FROM `+table+`), 0))`, table).Scan(&mark); err != nil {
		return nil, err
	}
	for i := 1; i <= n; i++ {
		out = append(out, mark+int64(i))
	}
	return out, nil
}

// writeBatch inserts the planned rows.
func (s *Service) writeBatch(ctx context.Context, accountID int64, p *batchPlan) error {
	ins := &multiInsert{s: s, ctx: ctx, accountID: accountID, positional: s.d.Dialect == db.SQLite}
	ts := p.tickets
	if err := ins.run(`INSERT INTO tickets (account_id, id, external_id, via_channel, via_source, type, subject, raw_subject,
		description, priority, status, custom_status_id, recipient, requester_id, submitter_id, assignee_id, organization_id,
		group_id, forum_topic_id, problem_id, is_public, due_at, brand_id, ticket_form_id, followup_source_id,
		satisfaction_score, created_at, updated_at, solved_at, deleted_at, status_updated_at, assigned_at,
		initially_assigned_at, requester_updated_at, assignee_updated_at, reopens, replies) VALUES `, len(ts), 30,
		func(r *row, i int) {
			t := &ts[i]
			r.account().arg(t.ID).arg(t.ExternalID).arg(t.Via.Channel).arg(string(t.Via.Source)).arg(t.Type).arg(t.Subject).
				arg(t.RawSubject).arg(t.Description).arg(t.Priority).arg(t.Status).arg(t.CustomStatusID).lit("NULL").
				arg(t.RequesterID).arg(t.SubmitterID).arg(t.AssigneeID).arg(t.OrganizationID).arg(t.GroupID).lit("NULL").
				lit("NULL").arg(t.IsPublic).lit("NULL").arg(t.BrandID).arg(t.TicketFormID).lit("NULL").arg(t.Satisfaction).
				arg(t.CreatedAt).arg(t.UpdatedAt).arg(db.NullTime(t.SolvedAt)).lit("NULL").arg(t.StatusUpdatedAt).
				arg(db.NullTime(t.AssignedAt)).arg(db.NullTime(t.InitiallyAssignedAt)).arg(db.NullTime(t.RequesterUpdatedAt)).
				arg(db.NullTime(t.AssigneeUpdatedAt)).arg(t.Reopens).arg(t.Replies)
		}); err != nil {
		return err
	}

	// Tags, field values and CCs: flatten to (ticket, value) pairs.
	type pair struct {
		ticket int64
		a      any
		b      any
	}
	tags := make([]pair, 0, p.rowsTags)
	vals := make([]pair, 0, p.rowsVals)
	usrs := make([]pair, 0, p.rowsUsrs)
	for i, t := range ts {
		for _, tag := range t.Tags {
			tags = append(tags, pair{t.ID, tag, nil})
		}
		for _, fv := range p.fieldVal[i] {
			vals = append(vals, pair{t.ID, fv.id, fv.value})
		}
		for _, id := range t.FollowerIDs {
			usrs = append(usrs, pair{t.ID, kindFollower, id})
		}
		for _, id := range t.EmailCCIDs {
			usrs = append(usrs, pair{t.ID, kindEmailCC, id})
		}
	}
	if err := ins.run(`INSERT INTO ticket_tags (account_id, ticket_id, tag) VALUES `, len(tags), 2, func(r *row, i int) {
		r.account().arg(tags[i].ticket).arg(tags[i].a)
	}); err != nil {
		return err
	}
	if err := ins.run(`INSERT INTO ticket_field_values (account_id, ticket_id, field_id, value) VALUES `, len(vals), 3,
		func(r *row, i int) { r.account().arg(vals[i].ticket).arg(vals[i].a).arg(vals[i].b) }); err != nil {
		return err
	}
	if err := ins.run(`INSERT INTO ticket_users (account_id, ticket_id, kind, user_id) VALUES `, len(usrs), 3,
		func(r *row, i int) { r.account().arg(usrs[i].ticket).arg(usrs[i].a).arg(usrs[i].b) }); err != nil {
		return err
	}

	// Audits and comments: one each per comment, numbered in order.
	type ac struct {
		t *Ticket
		c *Comment
	}
	acs := make([]ac, 0, p.audits)
	for i := range ts {
		for j := range p.comments[i] {
			acs = append(acs, ac{&ts[i], &p.comments[i][j]})
		}
	}
	for k := range acs {
		acs[k].c.ID, acs[k].c.AuditID, acs[k].c.TicketID = p.commentIDs[k], p.auditIDs[k], acs[k].t.ID
	}
	if err := ins.run(`INSERT INTO ticket_audits (id, account_id, ticket_id, author_id, via_channel, via_source, metadata,
		created_at) VALUES `, len(acs), 6, func(r *row, i int) {
		c := acs[i].c
		r.arg(c.AuditID).account().arg(c.TicketID).arg(c.AuthorID).arg(c.Via.Channel).arg(string(c.Via.Source)).
			lit("'" + batchMeta + "'").arg(c.CreatedAt)
	}); err != nil {
		return err
	}
	if err := ins.run(`INSERT INTO ticket_comments (id, account_id, ticket_id, audit_id, type, author_id, body, html_body,
		plain_body, public, via_channel, via_source, metadata, created_at) VALUES `, len(acs), 11, func(r *row, i int) {
		c := acs[i].c
		r.arg(c.ID).account().arg(c.TicketID).arg(c.AuditID).lit("'Comment'").arg(c.AuthorID).arg(c.Body).arg(c.HTMLBody).
			arg(c.PlainBody).arg(c.Public).arg(c.Via.Channel).arg(string(c.Via.Source)).lit("'" + batchMeta + "'").
			arg(c.CreatedAt)
	}); err != nil {
		return err
	}

	// Events: every audit's Comment event, and after the first audit's
	// Comment event the ticket's Create events.
	type ev struct {
		audit, ticket int64
		comment       int64
		e             *Event
	}
	evs := make([]ev, 0, p.eventsN)
	for i := range ts {
		for j := range p.comments[i] {
			c := &p.comments[i][j]
			evs = append(evs, ev{audit: c.AuditID, ticket: c.TicketID, comment: c.ID})
			if j == 0 {
				for x := range p.events[i] {
					evs = append(evs, ev{audit: c.AuditID, ticket: c.TicketID, e: &p.events[i][x]})
				}
			}
		}
	}
	if len(evs) != len(p.eventIDs) {
		return fmt.Errorf("ticket: planned %d events, allocated %d ids", len(evs), len(p.eventIDs))
	}
	return ins.run(`INSERT INTO ticket_events (id, account_id, audit_id, ticket_id, type, field_name, value, previous_value,
		comment_id, via, data) VALUES `, len(evs), 7, func(r *row, i int) {
		// Every row has the same shape, so full chunks share one text.
		e := evs[i]
		r.arg(p.eventIDs[i]).account().arg(e.audit).arg(e.ticket)
		if e.e == nil {
			r.arg("Comment").arg(nil).arg(nil).lit("NULL").arg(e.comment).lit("NULL").lit("'{}'")
			return
		}
		r.arg("Create").arg(e.e.FieldName).arg(jsonOrNil(e.e.Value)).lit("NULL").arg(nil).lit("NULL").lit("'{}'")
	})
}

// multiInsert runs multi-row INSERTs chunked under the bind-variable
// limits. On PostgreSQL the account id is $1 of every statement. SQLite
// gets plain positional "?" placeholders instead of "$N": it treats "$N"
// as a named parameter and resolves each by a linear search, which makes
// preparing and binding a statement of thousands of them quadratic (it was
// 80% of a seed's time).
type multiInsert struct {
	s          *Service
	ctx        context.Context
	accountID  int64
	positional bool
	buf        []byte
	args       []any
}

// row builds one VALUES tuple.
type row struct {
	m     *multiInsert
	first bool
}

func (r *row) sep() {
	if r.first {
		r.first = false
		return
	}
	r.m.buf = append(r.m.buf, ',')
}

// arg binds v.
func (r *row) arg(v any) *row {
	r.sep()
	r.m.args = append(r.m.args, v)
	if r.m.positional {
		r.m.buf = append(r.m.buf, '?')
		return r
	}
	r.m.buf = append(r.m.buf, '$')
	r.m.buf = strconv.AppendInt(r.m.buf, int64(len(r.m.args)), 10)
	return r
}

// account binds the account id: $1 on PostgreSQL, once per row on SQLite.
func (r *row) account() *row {
	if r.m.positional {
		return r.arg(r.m.accountID)
	}
	return r.lit("$1")
}

// lit writes SQL text (constants and $1 only).
func (r *row) lit(sql string) *row {
	r.sep()
	r.m.buf = append(r.m.buf, sql...)
	return r
}

// run inserts n rows; vars is the most bind variables one row uses
// (besides the account id), which sizes the chunks. Every row must have
// the same shape. On SQLite the full chunks run through one statement
// prepared on the transaction and the last one as is, past the pool's
// statement cache: these texts are large and of many lengths, and
// preparing them is most of their cost. pgx caches statements itself.
func (m *multiInsert) run(head string, n, vars int, fill func(r *row, i int)) error {
	per := batchMaxVars / (vars + 1)
	if per > batchMaxRows {
		per = batchMaxRows
	}
	var tx *sql.Tx
	if t, ok := db.TxFrom(m.ctx); ok && m.positional {
		tx = t.SQL
	}
	var stmt *sql.Stmt
	defer func() {
		if stmt != nil {
			stmt.Close()
		}
	}()
	for start := 0; start < n; start += per {
		end := min(start+per, n)
		m.buf = append(m.buf[:0], head...)
		m.args = m.args[:0]
		if !m.positional {
			m.args = append(m.args, m.accountID)
		}
		for i := start; i < end; i++ {
			if i > start {
				m.buf = append(m.buf, ',')
			}
			m.buf = append(m.buf, '(')
			fill(&row{m: m, first: true}, i)
			m.buf = append(m.buf, ')')
		}
		var err error
		switch {
		case tx == nil:
			_, err = m.s.d.Conn(m.ctx).ExecContext(m.ctx, string(m.buf), m.args...)
		case end-start == per:
			if stmt == nil {
				if stmt, err = tx.PrepareContext(m.ctx, string(m.buf)); err != nil {
					return err
				}
			}
			_, err = stmt.ExecContext(m.ctx, m.args...)
		default:
			_, err = tx.ExecContext(m.ctx, string(m.buf), m.args...)
		}
		if err != nil {
			return db.Classify(err)
		}
	}
	return nil
}
