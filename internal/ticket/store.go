package ticket

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"sort"
	"strconv"
	"strings"
	"time"

	"parley/internal/platform/db"
	"parley/internal/platform/errs"
)

const ticketCols = `t.account_id, t.id, t.external_id, t.via_channel, t.via_source, t.type, t.subject, t.raw_subject,
	t.description, t.priority, t.status, t.custom_status_id, t.recipient, t.requester_id, t.submitter_id, t.assignee_id,
	t.organization_id, t.group_id, t.forum_topic_id, t.problem_id, t.is_public, t.due_at, t.brand_id, t.ticket_form_id,
	t.followup_source_id, t.satisfaction_score, t.created_at, t.updated_at, t.solved_at, t.deleted_at,
	t.status_updated_at, t.assigned_at, t.initially_assigned_at, t.requester_updated_at, t.assignee_updated_at,
	t.reopens, t.replies, t.shared_from_agreement_id, t.shared_to_agreement_id`

func scanTicket(row interface{ Scan(...any) error }) (Ticket, error) {
	var t Ticket
	var ext, typ, prio, recip sql.NullString
	var src string
	var asg, org, grp, topic, prob, brand, form, fup, shFrom, shTo sql.NullInt64
	var due, ca, ua, sa, da, su, asa, ia, ru, au db.Time
	err := row.Scan(&t.AccountID, &t.ID, &ext, &t.Via.Channel, &src, &typ, &t.Subject, &t.RawSubject, &t.Description,
		&prio, &t.Status, &t.CustomStatusID, &recip, &t.RequesterID, &t.SubmitterID, &asg, &org, &grp, &topic, &prob,
		&t.IsPublic, &due, &brand, &form, &fup, &t.Satisfaction, &ca, &ua, &sa, &da,
		&su, &asa, &ia, &ru, &au, &t.Reopens, &t.Replies, &shFrom, &shTo)
	if errors.Is(err, sql.ErrNoRows) {
		return t, errs.NotFoundf("Not found")
	}
	if err != nil {
		return t, err
	}
	t.Via.Source = json.RawMessage(src)
	t.ExternalID, t.Type, t.Priority, t.Recipient = strPtr(ext), strPtr(typ), strPtr(prio), strPtr(recip)
	t.AssigneeID, t.OrganizationID, t.GroupID, t.ForumTopicID = intPtr(asg), intPtr(org), intPtr(grp), intPtr(topic)
	t.ProblemID, t.BrandID, t.TicketFormID, t.FollowupSourceID = intPtr(prob), intPtr(brand), intPtr(form), intPtr(fup)
	t.SharedFromID, t.SharedToID = intPtr(shFrom), intPtr(shTo)
	t.DueAt, t.SolvedAt, t.DeletedAt = due.Ptr(), sa.Ptr(), da.Ptr()
	t.CreatedAt, t.UpdatedAt = ca.T, ua.T
	t.StatusUpdatedAt = su.T
	if su.T.IsZero() {
		t.StatusUpdatedAt = ua.T
	}
	t.AssignedAt, t.InitiallyAssignedAt, t.RequesterUpdatedAt, t.AssigneeUpdatedAt = asa.Ptr(), ia.Ptr(), ru.Ptr(), au.Ptr()
	return t, nil
}

func intPtr(n sql.NullInt64) *int64 {
	if !n.Valid {
		return nil
	}
	v := n.Int64
	return &v
}

// queryTickets runs a ticket query and loads everything hanging off each
// ticket in one query per kind (never one per ticket).
func (s *Service) queryTickets(ctx context.Context, q string, args ...any) ([]Ticket, error) {
	rows, err := s.d.Conn(ctx).QueryContext(ctx, q, args...)
	if err != nil {
		return nil, err
	}
	var out []Ticket
	for rows.Next() {
		t, err := scanTicket(rows)
		if err != nil {
			rows.Close()
			return nil, err
		}
		out = append(out, t)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return nil, err
	}
	return out, s.hydrate(ctx, out)
}

func (s *Service) hydrate(ctx context.Context, ts []Ticket) error {
	if len(ts) == 0 {
		return nil
	}
	acct := ts[0].AccountID
	ids := make([]int64, len(ts))
	idx := map[int64]int{}
	for i := range ts {
		ids[i], idx[ts[i].ID] = ts[i].ID, i
		ts[i].Tags, ts[i].Fields = []string{}, map[int64]any{}
		ts[i].CollaboratorIDs, ts[i].FollowerIDs, ts[i].EmailCCIDs, ts[i].FollowupIDs = []int64{}, []int64{}, []int64{}, []int64{}
	}
	each := func(q string, fn func(rows *sql.Rows) error) error {
		args := []any{acct}
		rows, err := s.d.Conn(ctx).QueryContext(ctx, q+` (`+db.Placeholders(&args, ids)+`)`, args...)
		if err != nil {
			return err
		}
		defer rows.Close()
		for rows.Next() {
			if err := fn(rows); err != nil {
				return err
			}
		}
		return rows.Err()
	}
	if err := each(`SELECT ticket_id, tag FROM ticket_tags WHERE account_id = $1 AND ticket_id IN`, func(r *sql.Rows) error {
		var id int64
		var tag string
		if err := r.Scan(&id, &tag); err != nil {
			return err
		}
		ts[idx[id]].Tags = append(ts[idx[id]].Tags, tag)
		return nil
	}); err != nil {
		return err
	}
	if err := each(`SELECT ticket_id, field_id, value FROM ticket_field_values WHERE account_id = $1 AND ticket_id IN`, func(r *sql.Rows) error {
		var id, fid int64
		var raw string
		if err := r.Scan(&id, &fid, &raw); err != nil {
			return err
		}
		var v any
		if err := json.Unmarshal([]byte(raw), &v); err != nil {
			return err
		}
		ts[idx[id]].Fields[fid] = v
		return nil
	}); err != nil {
		return err
	}
	if err := each(`SELECT ticket_id, kind, user_id FROM ticket_users WHERE account_id = $1 AND ticket_id IN`, func(r *sql.Rows) error {
		var id, uid int64
		var kind string
		if err := r.Scan(&id, &kind, &uid); err != nil {
			return err
		}
		t := &ts[idx[id]]
		switch kind {
		case kindFollower:
			t.FollowerIDs = append(t.FollowerIDs, uid)
		case kindEmailCC:
			t.EmailCCIDs = append(t.EmailCCIDs, uid)
		}
		return nil
	}); err != nil {
		return err
	}
	if err := each(`SELECT problem_id FROM tickets WHERE account_id = $1 AND deleted_at IS NULL AND problem_id IN`, func(r *sql.Rows) error {
		var pid int64
		if err := r.Scan(&pid); err != nil {
			return err
		}
		ts[idx[pid]].HasIncidents = true
		return nil
	}); err != nil {
		return err
	}
	if err := each(`SELECT followup_source_id, id FROM tickets WHERE account_id = $1 AND followup_source_id IN`, func(r *sql.Rows) error {
		var src, id int64
		if err := r.Scan(&src, &id); err != nil {
			return err
		}
		ts[idx[src]].FollowupIDs = append(ts[idx[src]].FollowupIDs, id)
		return nil
	}); err != nil {
		return err
	}
	return s.finish(ctx, acct, ts)
}

// finish sets what every loaded ticket carries beside its own rows: the
// account's active custom fields, a rated ticket's rating, and its lists
// in order (CCs and followers in id order, collaborators their union).
func (s *Service) finish(ctx context.Context, acct int64, ts []Ticket) error {
	cfg, err := s.config(ctx, acct)
	if err != nil {
		return err
	}
	var rated []int64
	for _, t := range ts {
		if t.Satisfaction == "good" || t.Satisfaction == "bad" {
			rated = append(rated, t.ID)
		}
	}
	ratings, err := s.ticketRatings(ctx, acct, rated)
	if err != nil {
		return err
	}
	for i := range ts {
		t := &ts[i]
		t.ActiveFieldIDs = cfg.activeIDs
		if r, ok := ratings[t.ID]; ok {
			t.Rating = &r
		}
		sort.Strings(t.Tags)
		t.CollaboratorIDs = unionIDs(t.EmailCCIDs, t.FollowerIDs)
		sortIDs(t.FollowerIDs)
		sortIDs(t.EmailCCIDs)
	}
	return nil
}

func sortIDs(ids []int64) { sort.Slice(ids, func(i, j int) bool { return ids[i] < ids[j] }) }

func unionIDs(a, b []int64) []int64 {
	seen := map[int64]bool{}
	out := []int64{}
	for _, l := range [][]int64{a, b} {
		for _, id := range l {
			if !seen[id] {
				seen[id] = true
				out = append(out, id)
			}
		}
	}
	sortIDs(out)
	return out
}

// ticket loads one live ticket; forUpdate locks its row on PostgreSQL so
// concurrent writers to one ticket queue instead of losing updates.
func (s *Service) ticket(ctx context.Context, accountID, id int64, forUpdate bool) (Ticket, error) {
	q := `SELECT ` + ticketCols + ` FROM tickets t WHERE t.account_id = $1 AND t.id = $2 AND t.deleted_at IS NULL`
	if forUpdate && s.d.Dialect == db.Postgres {
		q += ` FOR UPDATE`
	}
	ts, err := s.queryTickets(ctx, q, accountID, id)
	if err != nil {
		return Ticket{}, err
	}
	if len(ts) == 0 {
		return Ticket{}, errs.NotFoundf("Not found")
	}
	return ts[0], nil
}

// readBack reads back the row of a ticket its transaction has just
// written, and completes it as created does.
func (s *Service) readBack(ctx context.Context, t Ticket) (Ticket, error) {
	row, err := scanTicket(s.d.Conn(ctx).QueryRowContext(ctx, `SELECT `+ticketCols+` FROM tickets t
		WHERE t.account_id = $1 AND t.id = $2`, t.AccountID, t.ID))
	if err != nil {
		return Ticket{}, err
	}
	return s.created(ctx, row, t)
}

// created completes out, the row of a ticket its transaction has just
// written (as insertTicket returned it), with t's tags, field values, CCs
// and followers, the ones just written. Nothing can refer to a new ticket
// yet (incidents, follow-ups), so nothing else is read: five statements
// fewer inside the writer's transaction than ticket.
func (s *Service) created(ctx context.Context, out, t Ticket) (Ticket, error) {
	out.Tags = append([]string{}, t.Tags...)
	// Values as the database returns them (JSON numbers as float64).
	vals, err := storedValues(t.Fields)
	if err != nil {
		return Ticket{}, err
	}
	out.Fields = make(map[int64]any, len(vals))
	for fid, raw := range vals {
		var v any
		if err := json.Unmarshal([]byte(raw), &v); err != nil {
			return Ticket{}, err
		}
		out.Fields[fid] = v
	}
	// Each id once, as the set's rows hold it (unionIDs also copies).
	out.FollowerIDs = unionIDs(t.FollowerIDs, nil)
	out.EmailCCIDs = unionIDs(t.EmailCCIDs, nil)
	out.FollowupIDs = []int64{}
	ts := []Ticket{out}
	if err := s.finish(ctx, out.AccountID, ts); err != nil {
		return Ticket{}, err
	}
	return ts[0], nil
}

// nextID allocates the account's next ticket number, after the input
// was validated, committing at once where the database allows (db.Allocate).
func (s *Service) nextID(ctx context.Context, accountID int64) (int64, error) {
	return s.d.Allocate(ctx, `INSERT INTO account_counters (account_id, name, value) VALUES ($1, 'tickets', 1)
		ON CONFLICT (account_id, name) DO UPDATE SET value = account_counters.value + 1 RETURNING value`, accountID)
}

// insertTicket stores a new ticket and returns its row as stored (the
// read-back a create answers with, without a statement of its own).
func (s *Service) insertTicket(ctx context.Context, t Ticket) (Ticket, error) {
	out, err := scanTicket(s.d.Conn(ctx).QueryRowContext(ctx, `INSERT INTO tickets (account_id, id, external_id, via_channel, via_source, type,
		subject, raw_subject, description, priority, status, custom_status_id, recipient, requester_id, submitter_id,
		assignee_id, organization_id, group_id, forum_topic_id, problem_id, is_public, due_at, brand_id, ticket_form_id,
		followup_source_id, satisfaction_score, created_at, updated_at, solved_at, deleted_at,
		status_updated_at, assigned_at, initially_assigned_at, requester_updated_at, assignee_updated_at, reopens, replies,
		shared_from_agreement_id)
		VALUES ($1,$2,$3,$4,$5,$6,$7,$8,$9,$10,$11,$12,$13,$14,$15,$16,$17,$18,$19,$20,$21,$22,$23,$24,$25,$26,$27,$28,$29,NULL,
		$30,$31,$32,$33,$34,$35,$36,$37) RETURNING `+strings.ReplaceAll(ticketCols, "t.", ""),
		t.AccountID, t.ID, t.ExternalID, t.Via.Channel, string(t.Via.Source), t.Type, t.Subject, t.RawSubject, t.Description,
		t.Priority, t.Status, t.CustomStatusID, t.Recipient, t.RequesterID, t.SubmitterID, t.AssigneeID, t.OrganizationID,
		t.GroupID, t.ForumTopicID, t.ProblemID, t.IsPublic, db.NullTime(t.DueAt), t.BrandID, t.TicketFormID,
		t.FollowupSourceID, t.Satisfaction, t.CreatedAt, t.UpdatedAt, db.NullTime(t.SolvedAt),
		t.StatusUpdatedAt, db.NullTime(t.AssignedAt), db.NullTime(t.InitiallyAssignedAt), db.NullTime(t.RequesterUpdatedAt),
		db.NullTime(t.AssigneeUpdatedAt), t.Reopens, t.Replies, t.SharedFromID))
	return out, db.Classify(err)
}

// saveTicket writes the columns of t that differ from before (the ticket
// as stored). SQLite rewrites the entry of every index that holds a column
// named in an UPDATE's SET, changed or not: naming all thirty columns made
// a trigger's priority change touch all nineteen of the tickets indexes
// (44 µs against 10 µs for two columns, 1,000 updates in an account of
// 1,200 tickets).
func (s *Service) saveTicket(ctx context.Context, before, t Ticket) error {
	var sets []string
	var args []any
	for _, c := range ticketColumns {
		v := c.val(&t)
		if sameValue(c.val(&before), v) {
			continue
		}
		sets = append(sets, c.name+" = "+db.Arg(&args, v))
	}
	if len(sets) == 0 {
		return nil
	}
	q := "UPDATE tickets SET " + strings.Join(sets, ", ") + " WHERE account_id = " + db.Arg(&args, t.AccountID) +
		" AND id = " + db.Arg(&args, t.ID)
	_, err := s.d.Conn(ctx).ExecContext(ctx, q, args...)
	return err
}

// ticketColumns are the columns saveTicket may write, each with the value
// it stores.
var ticketColumns = []struct {
	name string
	val  func(*Ticket) any
}{
	{"external_id", func(t *Ticket) any { return nullable(t.ExternalID) }},
	{"type", func(t *Ticket) any { return nullable(t.Type) }},
	{"subject", func(t *Ticket) any { return t.Subject }},
	{"raw_subject", func(t *Ticket) any { return t.RawSubject }},
	{"description", func(t *Ticket) any { return t.Description }},
	{"priority", func(t *Ticket) any { return nullable(t.Priority) }},
	{"status", func(t *Ticket) any { return t.Status }},
	{"custom_status_id", func(t *Ticket) any { return t.CustomStatusID }},
	{"recipient", func(t *Ticket) any { return nullable(t.Recipient) }},
	{"requester_id", func(t *Ticket) any { return t.RequesterID }},
	{"submitter_id", func(t *Ticket) any { return t.SubmitterID }},
	{"assignee_id", func(t *Ticket) any { return nullable(t.AssigneeID) }},
	{"organization_id", func(t *Ticket) any { return nullable(t.OrganizationID) }},
	{"group_id", func(t *Ticket) any { return nullable(t.GroupID) }},
	{"problem_id", func(t *Ticket) any { return nullable(t.ProblemID) }},
	{"is_public", func(t *Ticket) any { return t.IsPublic }},
	{"due_at", func(t *Ticket) any { return db.NullTime(t.DueAt) }},
	{"brand_id", func(t *Ticket) any { return nullable(t.BrandID) }},
	{"ticket_form_id", func(t *Ticket) any { return nullable(t.TicketFormID) }},
	{"satisfaction_score", func(t *Ticket) any { return t.Satisfaction }},
	{"updated_at", func(t *Ticket) any { return t.UpdatedAt }},
	{"solved_at", func(t *Ticket) any { return db.NullTime(t.SolvedAt) }},
	{"deleted_at", func(t *Ticket) any { return db.NullTime(t.DeletedAt) }},
	{"status_updated_at", func(t *Ticket) any { return t.StatusUpdatedAt }},
	{"assigned_at", func(t *Ticket) any { return db.NullTime(t.AssignedAt) }},
	{"initially_assigned_at", func(t *Ticket) any { return db.NullTime(t.InitiallyAssignedAt) }},
	{"requester_updated_at", func(t *Ticket) any { return db.NullTime(t.RequesterUpdatedAt) }},
	{"assignee_updated_at", func(t *Ticket) any { return db.NullTime(t.AssigneeUpdatedAt) }},
	{"reopens", func(t *Ticket) any { return t.Reopens }},
	{"replies", func(t *Ticket) any { return t.Replies }},
}

// nullable is *p, or nil (NULL) for a nil p.
func nullable[T any](p *T) any {
	if p == nil {
		return nil
	}
	return *p
}

// sameValue compares two column values; times by instant.
func sameValue(a, b any) bool {
	if ta, ok := a.(time.Time); ok {
		tb, ok := b.(time.Time)
		return ok && ta.Equal(tb)
	}
	return a == b
}

// writeSets stores the tags, field values and CC/follower links of t,
// given before, what is stored now (a zero Ticket for a new one). Only the
// differences are written, each set's additions in one statement: a create
// with two tags and two fields followed by a trigger adding a tag used to
// run thirteen statements here, and now runs three.
func (s *Service) writeSets(ctx context.Context, before, t Ticket) error {
	c := s.d.Conn(ctx)
	removed, added := diffSets(before.Tags, t.Tags)
	if err := deleteSet(ctx, c, "ticket_tags", "tag", t, removed); err != nil {
		return err
	}
	if len(added) > 0 {
		args := make([]any, 0, 3*len(added))
		rows := make([]string, len(added))
		for i, tag := range added {
			rows[i] = "(" + db.Arg(&args, t.AccountID) + "," + db.Arg(&args, t.ID) + "," + db.Arg(&args, tag) + ")"
		}
		if _, err := c.ExecContext(ctx, `INSERT INTO ticket_tags (account_id, ticket_id, tag) VALUES `+strings.Join(rows, ","), args...); err != nil {
			return err
		}
	}
	oldVals, err := storedValues(before.Fields)
	if err != nil {
		return err
	}
	newVals, err := storedValues(t.Fields)
	if err != nil {
		return err
	}
	var gone, put []int64
	for fid, v := range oldVals {
		if nv, ok := newVals[fid]; !ok || nv != v {
			gone = append(gone, fid)
		}
	}
	for fid, v := range newVals {
		if ov, ok := oldVals[fid]; !ok || ov != v {
			put = append(put, fid)
		}
	}
	sortIDs(gone)
	sortIDs(put)
	if err := deleteSet(ctx, c, "ticket_field_values", "field_id", t, gone); err != nil {
		return err
	}
	if len(put) > 0 {
		args := make([]any, 0, 4*len(put))
		rows := make([]string, len(put))
		for i, fid := range put {
			rows[i] = "(" + db.Arg(&args, t.AccountID) + "," + db.Arg(&args, t.ID) + "," + db.Arg(&args, fid) + "," +
				db.Arg(&args, newVals[fid]) + ")"
		}
		if _, err := c.ExecContext(ctx, `INSERT INTO ticket_field_values (account_id, ticket_id, field_id, value) VALUES `+
			strings.Join(rows, ","), args...); err != nil {
			return err
		}
	}
	for _, k := range []struct {
		kind        string
		before, now []int64
	}{{kindFollower, before.FollowerIDs, t.FollowerIDs}, {kindEmailCC, before.EmailCCIDs, t.EmailCCIDs}} {
		removed, added := diffSets(k.before, k.now)
		if len(removed) > 0 {
			args := []any{t.AccountID, t.ID, k.kind}
			if _, err := c.ExecContext(ctx, `DELETE FROM ticket_users WHERE account_id = $1 AND ticket_id = $2 AND kind = $3
				AND user_id IN (`+db.Placeholders(&args, removed)+`)`, args...); err != nil {
				return err
			}
		}
		if len(added) > 0 {
			args := make([]any, 0, 4*len(added))
			rows := make([]string, len(added))
			for i, uid := range added {
				rows[i] = "(" + db.Arg(&args, t.AccountID) + "," + db.Arg(&args, t.ID) + "," + db.Arg(&args, k.kind) + "," +
					db.Arg(&args, uid) + ")"
			}
			if _, err := c.ExecContext(ctx, `INSERT INTO ticket_users (account_id, ticket_id, kind, user_id) VALUES `+
				strings.Join(rows, ","), args...); err != nil {
				return err
			}
		}
	}
	return nil
}

// deleteSet deletes t's rows of table whose col is one of vals.
func deleteSet[T any](ctx context.Context, c db.Executor, table, col string, t Ticket, vals []T) error {
	if len(vals) == 0 {
		return nil
	}
	args := []any{t.AccountID, t.ID}
	_, err := c.ExecContext(ctx, `DELETE FROM `+table+` WHERE account_id = $1 AND ticket_id = $2 AND `+col+` IN (`+
		db.Placeholders(&args, vals)+`)`, args...)
	return err
}

// storedValues is each field value as stored (JSON text).
func storedValues(m map[int64]any) (map[int64]string, error) {
	out := make(map[int64]string, len(m))
	for fid, v := range m {
		b, err := json.Marshal(v)
		if err != nil {
			return nil, err
		}
		out[fid] = string(b)
	}
	return out, nil
}

// diffSets returns the distinct values of before missing from after, and
// of after missing from before, each in first-seen order.
func diffSets[T comparable](before, after []T) (removed, added []T) {
	in := func(xs []T) map[T]bool {
		m := make(map[T]bool, len(xs))
		for _, x := range xs {
			m[x] = true
		}
		return m
	}
	b, a := in(before), in(after)
	seen := map[T]bool{}
	for _, x := range before {
		if !a[x] && !seen[x] {
			seen[x] = true
			removed = append(removed, x)
		}
	}
	for _, x := range after {
		if !b[x] && !seen[x] {
			seen[x] = true
			added = append(added, x)
		}
	}
	return removed, added
}

const (
	kindFollower = "follower"
	kindEmailCC  = "email_cc"
)

// eventValue renders a value the way audit events carry it: ids and
// numbers as strings, lists as lists, absent as null.
func eventValue(v any) any {
	switch x := v.(type) {
	case nil:
		return nil
	case *int64:
		if x == nil {
			return nil
		}
		return strconv.FormatInt(*x, 10)
	case int64:
		return strconv.FormatInt(x, 10)
	case *string:
		if x == nil {
			return nil
		}
		return *x
	case bool:
		return strconv.FormatBool(x)
	case float64:
		return strconv.FormatFloat(x, 'f', -1, 64)
	}
	return v
}
