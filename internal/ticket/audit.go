package ticket

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"sort"
	"strconv"
	"strings"
	"time"

	"parley/internal/auth"
	"parley/internal/platform/db"
	"parley/internal/platform/errs"
)

// normalizeTags lower-cases tags, splits on whitespace and commas, and
// drops duplicates, as Zendesk does.
func normalizeTags(in []string) []string {
	seen := map[string]bool{}
	out := []string{}
	for _, t := range in {
		for _, p := range strings.FieldsFunc(strings.ToLower(t), func(r rune) bool { return r == ' ' || r == ',' || r == '\t' || r == '\n' }) {
			if p != "" && !seen[p] && len(p) <= 255 {
				seen[p] = true
				out = append(out, p)
			}
		}
	}
	sort.Strings(out)
	return out
}

func sortedKeys(m map[string]bool) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}

// fieldChange is one audited field: its event name and its value before
// and after.
type fieldChange struct {
	name          string
	before, after any
}

// diff lists what the write changes, in Zendesk's audit order. On create
// every field that has a value is listed, plus the ones Zendesk always
// lists (priority, type, status...) even when empty.
func (s *Service) diff(ch *change) []fieldChange {
	b, a := ch.before, ch.after
	strs := func(p *string) any {
		if p == nil {
			return nil
		}
		return *p
	}
	cands := []fieldChange{
		{"subject", b.Subject, a.Subject},
		{"requester_id", idOrNil(b.RequesterID), idOrNil(a.RequesterID)},
		{"submitter_id", idOrNil(b.SubmitterID), idOrNil(a.SubmitterID)},
		{"priority", strs(b.Priority), strs(a.Priority)},
		{"type", strs(b.Type), strs(a.Type)},
		{"status", b.Status, a.Status},
		{"assignee_id", eventValue(b.AssigneeID), eventValue(a.AssigneeID)},
		{"group_id", eventValue(b.GroupID), eventValue(a.GroupID)},
		{"organization_id", eventValue(b.OrganizationID), eventValue(a.OrganizationID)},
		{"brand_id", eventValue(b.BrandID), eventValue(a.BrandID)},
		{"ticket_form_id", eventValue(b.TicketFormID), eventValue(a.TicketFormID)},
		{"custom_status_id", idOrNil(b.CustomStatusID), idOrNil(a.CustomStatusID)},
		{"problem_id", eventValue(b.ProblemID), eventValue(a.ProblemID)},
		{"due_at", timeOrNil(b.DueAt), timeOrNil(a.DueAt)},
		{"external_id", strs(b.ExternalID), strs(a.ExternalID)},
		{"tags", b.Tags, a.Tags},
	}
	ids := map[int64]bool{}
	for fid := range b.Fields {
		ids[fid] = true
	}
	for fid := range a.Fields {
		ids[fid] = true
	}
	fids := make([]int64, 0, len(ids))
	for fid := range ids {
		fids = append(fids, fid)
	}
	sortIDs(fids)
	for _, fid := range fids {
		cands = append(cands, fieldChange{strconv.FormatInt(fid, 10), eventValue(b.Fields[fid]), eventValue(a.Fields[fid])})
	}
	always := map[string]bool{"subject": true, "requester_id": true, "priority": true, "type": true, "status": true,
		"organization_id": true, "brand_id": true, "ticket_form_id": true, "custom_status_id": true}
	var out []fieldChange
	for _, c := range cands {
		if ch.create {
			if always[c.name] || !empty(c.after) {
				out = append(out, c)
			}
			continue
		}
		if !equalValues(c.before, c.after) {
			out = append(out, c)
		}
	}
	return out
}

func idOrNil(id int64) any {
	if id == 0 {
		return nil
	}
	return strconv.FormatInt(id, 10)
}

func timeOrNil(t *time.Time) any {
	if t == nil {
		return nil
	}
	return t.UTC().Format("2006-01-02T15:04:05Z")
}

func empty(v any) bool {
	switch x := v.(type) {
	case nil:
		return true
	case string:
		return x == ""
	case []string:
		return len(x) == 0
	}
	return false
}

func equalValues(a, b any) bool {
	ja, _ := json.Marshal(a)
	jb, _ := json.Marshal(b)
	return string(ja) == string(jb)
}

// record writes the audit of a change with its Comment, Create or Change
// events, and the comment itself.
// diffs is s.diff(ch), computed once by the caller.
func (s *Service) record(ctx context.Context, a auth.Actor, ch *change, via Via, in Input, diffs []fieldChange) (Audit, error) {
	now := ch.after.UpdatedAt
	meta := map[string]any{"system": map[string]any{}, "custom": map[string]any{}}
	if m, ok := ctx.Value(metaKey{}).(Meta); ok {
		meta["system"] = map[string]any{"client": m.Client, "ip_address": m.IPAddress}
	}
	if in.Metadata.Has() {
		meta["custom"] = in.Metadata.V
	}
	mb, _ := json.Marshal(meta)
	au := Audit{AccountID: a.AccountID, TicketID: ch.after.ID, AuthorID: a.UserID, Via: via, Metadata: mb, CreatedAt: now}
	c := s.d.Conn(ctx)
	if err := c.QueryRowContext(ctx, `INSERT INTO ticket_audits (account_id, ticket_id, author_id, via_channel, via_source,
		metadata, created_at) VALUES ($1,$2,$3,$4,$5,$6,$7) RETURNING id`, au.AccountID, au.TicketID, au.AuthorID,
		via.Channel, string(via.Source), string(mb), now).Scan(&au.ID); err != nil {
		return Audit{}, err
	}
	if ch.comment != nil {
		cm := ch.comment
		cm.TicketID, cm.AuditID, cm.CreatedAt = ch.after.ID, au.ID, now
		if err := c.QueryRowContext(ctx, `INSERT INTO ticket_comments (account_id, ticket_id, audit_id, type, author_id, body,
			html_body, plain_body, public, via_channel, via_source, metadata, created_at)
			VALUES ($1,$2,$3,$4,$5,$6,$7,$8,$9,$10,$11,$12,$13) RETURNING id`, cm.AccountID, cm.TicketID, cm.AuditID, cm.Type,
			cm.AuthorID, cm.Body, cm.HTMLBody, cm.PlainBody, cm.Public, cm.Via.Channel, string(cm.Via.Source),
			string(mb), now).Scan(&cm.ID); err != nil {
			return Audit{}, err
		}
		if err := s.attach(ctx, a.AccountID, cm.TicketID, cm.ID, ch.uploads); err != nil {
			return Audit{}, err
		}
		if len(ch.uploads) > 0 {
			// Hooks (sharing, webhooks) see the comment as stored.
			atts, err := s.commentAttachments(ctx, a.AccountID, []int64{cm.ID})
			if err != nil {
				return Audit{}, err
			}
			cm.Attachments = atts[cm.ID]
		}
		au.Events = append(au.Events, Event{Type: "Comment", CommentID: cm.ID})
	}
	kind := "Change"
	if ch.create {
		kind = "Create"
	}
	for _, d := range diffs {
		e := Event{Type: kind, FieldName: d.name, Value: d.after}
		if !ch.create {
			e.PreviousValue, e.HasPrevious = d.before, true
		}
		au.Events = append(au.Events, e)
	}
	if err := s.insertEvents(ctx, &au, au.Events); err != nil {
		return Audit{}, err
	}
	return au, nil
}

// insertEvents stores events (in place: their ids are filled in) as part
// of audit au, in one multi-row INSERT per 100 events (a create records a
// dozen; one statement each was a fifth of its time).
func (s *Service) insertEvents(ctx context.Context, au *Audit, events []Event) error {
	c := s.d.Conn(ctx)
	for len(events) > 0 {
		n := min(len(events), 100)
		chunk := events[:n]
		events = events[n:]
		args := make([]any, 0, n*10)
		var b strings.Builder
		b.WriteString(`INSERT INTO ticket_events (account_id, audit_id, ticket_id, type, field_name, value, previous_value,
			comment_id, via, data) VALUES `)
		for i := range chunk {
			e := &chunk[i]
			val, prev := jsonOrNil(e.Value), jsonOrNil(e.PreviousValue)
			if !e.HasPrevious {
				prev = nil
			}
			var cid, via any
			if e.CommentID != 0 {
				cid = e.CommentID
			}
			if len(e.Via) > 0 {
				via = string(e.Via)
			}
			data := "{}"
			if len(e.Data) > 0 {
				bs, err := json.Marshal(e.Data)
				if err != nil {
					return err
				}
				data = string(bs)
			}
			if i > 0 {
				b.WriteByte(',')
			}
			b.WriteByte('(')
			for j, v := range []any{au.AccountID, au.ID, au.TicketID, e.Type, nullStr(e.FieldName), val, prev, cid, via, data} {
				if j > 0 {
					b.WriteByte(',')
				}
				b.WriteString(db.Arg(&args, v))
			}
			b.WriteByte(')')
		}
		b.WriteString(` RETURNING id`)
		rows, err := c.QueryContext(ctx, b.String(), args...)
		if err != nil {
			return err
		}
		ids := make([]int64, 0, n)
		for rows.Next() {
			var id int64
			if err := rows.Scan(&id); err != nil {
				rows.Close()
				return err
			}
			ids = append(ids, id)
		}
		rows.Close()
		if err := rows.Err(); err != nil {
			return err
		}
		if len(ids) != n {
			return fmt.Errorf("ticket: %d event ids for %d events", len(ids), n)
		}
		// Ids are given in row order; RETURNING's own order is not
		// promised, so sort them back.
		slices.Sort(ids)
		for i := range chunk {
			chunk[i].ID = ids[i]
		}
	}
	return nil
}

func nullStr(s string) any {
	if s == "" {
		return nil
	}
	return s
}

func jsonOrNil(v any) any {
	if v == nil {
		return nil
	}
	b, _ := json.Marshal(v)
	return string(b)
}

const auditCols = `id, account_id, ticket_id, author_id, via_channel, via_source, metadata, created_at`

func scanAudit(row interface{ Scan(...any) error }) (Audit, error) {
	var au Audit
	var src, meta string
	var ca db.Time
	err := row.Scan(&au.ID, &au.AccountID, &au.TicketID, &au.AuthorID, &au.Via.Channel, &src, &meta, &ca)
	if errors.Is(err, sql.ErrNoRows) {
		return au, errs.NotFoundf("Not found")
	}
	au.Via.Source, au.Metadata, au.CreatedAt = json.RawMessage(src), json.RawMessage(meta), ca.T
	return au, err
}

// audits loads audits by query and their events in one more query.
func (s *Service) audits(ctx context.Context, q string, args ...any) ([]Audit, error) {
	rows, err := s.d.Conn(ctx).QueryContext(ctx, q, args...)
	if err != nil {
		return nil, err
	}
	var out []Audit
	for rows.Next() {
		au, err := scanAudit(rows)
		if err != nil {
			rows.Close()
			return nil, err
		}
		au.Events = []Event{}
		out = append(out, au)
	}
	rows.Close()
	if err := rows.Err(); err != nil || len(out) == 0 {
		return out, err
	}
	ids := make([]int64, len(out))
	idx := map[int64]int{}
	for i, au := range out {
		ids[i], idx[au.ID] = au.ID, i
	}
	eargs := []any{out[0].AccountID}
	erows, err := s.d.Conn(ctx).QueryContext(ctx, `SELECT id, audit_id, type, field_name, value, previous_value, comment_id,
		via, data FROM ticket_events WHERE account_id = $1 AND audit_id IN (`+db.Placeholders(&eargs, ids)+`) ORDER BY id`, eargs...)
	if err != nil {
		return nil, err
	}
	defer erows.Close()
	for erows.Next() {
		var e Event
		var aid int64
		var field, val, prev, via sql.NullString
		var data string
		var cid sql.NullInt64
		if err := erows.Scan(&e.ID, &aid, &e.Type, &field, &val, &prev, &cid, &via, &data); err != nil {
			return nil, err
		}
		if via.Valid && via.String != "" {
			e.Via = json.RawMessage(via.String)
		}
		if data != "" && data != "{}" {
			_ = json.Unmarshal([]byte(data), &e.Data)
		}
		e.FieldName, e.CommentID = field.String, cid.Int64
		if val.Valid {
			_ = json.Unmarshal([]byte(val.String), &e.Value)
		}
		if e.Type == "Change" {
			e.HasPrevious = true
			if prev.Valid {
				_ = json.Unmarshal([]byte(prev.String), &e.PreviousValue)
			}
		}
		out[idx[aid]].Events = append(out[idx[aid]].Events, e)
	}
	return out, erows.Err()
}
