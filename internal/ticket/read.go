package ticket

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"strings"

	"parley/internal/auth"
	"parley/internal/platform/db"
	"parley/internal/platform/errs"
)

// Get returns one live ticket (agents).
func (s *Service) Get(ctx context.Context, id int64) (Ticket, error) {
	a, err := auth.RequireAgent(ctx)
	if err != nil {
		return Ticket{}, err
	}
	return s.scoped(ctx, a, id, false)
}

// Filter narrows ticket lists; every field is served by an index that
// leads with account_id.
type Filter struct {
	IDs            []int64
	ExternalID     string
	RequesterID    int64
	AssigneeID     int64
	OrganizationID int64
	CCUserID       int64
	ProblemID      int64
	Type           string
	// Where adds a condition over tickets t (a view's compiled
	// conditions); it appends its arguments to args.
	Where func(args *[]any) string
}

// where is the condition of a ticket list for actor a: the account's live
// tickets within a's custom role scope that match f.
func where(a auth.Actor, f Filter, args *[]any) string {
	*args = append(*args, a.AccountID)
	w := `t.account_id = $1 AND t.deleted_at IS NULL`
	if cond := Scope(a, args); cond != "" {
		w += ` AND ` + cond
	}
	if f.Where != nil {
		w += ` AND (` + f.Where(args) + `)`
	}
	if len(f.IDs) > 0 {
		w += ` AND t.id IN (` + db.Placeholders(args, f.IDs) + `)`
	}
	if f.ExternalID != "" {
		w += ` AND t.external_id = ` + db.Arg(args, f.ExternalID)
	}
	if f.RequesterID != 0 {
		w += ` AND t.requester_id = ` + db.Arg(args, f.RequesterID)
	}
	if f.AssigneeID != 0 {
		w += ` AND t.assignee_id = ` + db.Arg(args, f.AssigneeID)
	}
	if f.OrganizationID != 0 {
		w += ` AND t.organization_id = ` + db.Arg(args, f.OrganizationID)
	}
	if f.ProblemID != 0 {
		w += ` AND t.problem_id = ` + db.Arg(args, f.ProblemID)
	}
	if f.Type != "" {
		w += ` AND t.type = ` + db.Arg(args, f.Type)
	}
	if f.CCUserID != 0 {
		w += ` AND EXISTS (SELECT 1 FROM ticket_users u WHERE u.account_id = t.account_id AND u.ticket_id = t.id
			AND u.user_id = ` + db.Arg(args, f.CCUserID) + `)`
	}
	return w
}

// List lists live tickets (agents). Offset pages also get the total.
func (s *Service) List(ctx context.Context, f Filter, p db.Page) ([]Ticket, int64, bool, error) {
	a, err := auth.RequireAgent(ctx)
	if err != nil {
		return nil, 0, false, err
	}
	args := []any{}
	w := where(a, f, &args)
	var total int64
	if !p.Keyset {
		if err := s.d.Conn(ctx).QueryRowContext(ctx, `SELECT count(*) FROM tickets t WHERE `+w, args...).Scan(&total); err != nil {
			return nil, 0, false, err
		}
	}
	p.Alias = "t."
	ts, err := s.queryTickets(ctx, `SELECT `+ticketCols+` FROM tickets t WHERE `+w+p.Seek(&args)+p.OrderLimit(&args), args...)
	if err != nil {
		return nil, 0, false, err
	}
	ts, more := db.Finish(p, ts)
	return ts, total, more, nil
}

// Count counts live tickets (agents).
func (s *Service) Count(ctx context.Context, f Filter) (int64, error) {
	a, err := auth.RequireAgent(ctx)
	if err != nil {
		return 0, err
	}
	args := []any{}
	var n int64
	err = s.d.Conn(ctx).QueryRowContext(ctx, `SELECT count(*) FROM tickets t WHERE `+where(a, f, &args), args...).Scan(&n)
	return n, err
}

// Delete soft-deletes a ticket (agents whose role allows ticket_deletion).
func (s *Service) Delete(ctx context.Context, id int64) error {
	a, err := auth.RequireAgent(ctx)
	if err != nil {
		return err
	}
	if err := auth.RequireTicketPermission(a.Permissions().TicketDeletion, "delete tickets"); err != nil {
		return err
	}
	return s.d.InTx(ctx, func(ctx context.Context) error {
		t, err := s.scoped(ctx, a, id, true)
		if err != nil {
			return err
		}
		before := t
		now := s.clock.Now()
		t.DeletedAt, t.UpdatedAt = &now, now
		return s.saveTicket(ctx, before, t)
	})
}

const commentCols = `id, account_id, ticket_id, audit_id, type, author_id, body, html_body, plain_body, public, via_channel,
	via_source, metadata, created_at`

func scanComment(row interface{ Scan(...any) error }) (Comment, error) {
	var c Comment
	var src, meta string
	var ca db.Time
	err := row.Scan(&c.ID, &c.AccountID, &c.TicketID, &c.AuditID, &c.Type, &c.AuthorID, &c.Body, &c.HTMLBody, &c.PlainBody,
		&c.Public, &c.Via.Channel, &src, &meta, &ca)
	if errors.Is(err, sql.ErrNoRows) {
		return c, errs.NotFoundf("Not found")
	}
	c.Via.Source, c.Metadata, c.CreatedAt = json.RawMessage(src), json.RawMessage(meta), ca.T
	return c, err
}

// Comments lists a ticket's comments, oldest first unless p.Desc.
func (s *Service) Comments(ctx context.Context, ticketID int64, p db.Page) ([]Comment, int64, bool, error) {
	a, err := auth.RequireAgent(ctx)
	if err != nil {
		return nil, 0, false, err
	}
	if _, err := s.scoped(ctx, a, ticketID, false); err != nil {
		return nil, 0, false, err
	}
	args := []any{a.AccountID, ticketID}
	w := ` FROM ticket_comments WHERE account_id = $1 AND ticket_id = $2`
	var total int64
	if err := s.d.Conn(ctx).QueryRowContext(ctx, `SELECT count(*)`+w, args...).Scan(&total); err != nil {
		return nil, 0, false, err
	}
	p.Sort = "created_at"
	rows, err := s.d.Conn(ctx).QueryContext(ctx, `SELECT `+commentCols+w+p.Seek(&args)+p.OrderLimit(&args), args...)
	if err != nil {
		return nil, 0, false, err
	}
	defer rows.Close()
	var out []Comment
	for rows.Next() {
		c, err := scanComment(rows)
		if err != nil {
			return nil, 0, false, err
		}
		out = append(out, c)
	}
	if err := rows.Err(); err != nil {
		return nil, 0, false, err
	}
	out, more := db.Finish(p, out)
	ids := make([]int64, len(out))
	for i, c := range out {
		ids[i] = c.ID
	}
	atts, err := s.commentAttachments(ctx, a.AccountID, ids)
	if err != nil {
		return nil, 0, false, err
	}
	for i := range out {
		out[i].Attachments = atts[out[i].ID]
	}
	return out, total, more, nil
}

// MakePrivate turns a public comment into an internal note (agents).
func (s *Service) MakePrivate(ctx context.Context, ticketID, commentID int64) error {
	a, err := auth.RequireAgent(ctx)
	if err != nil {
		return err
	}
	return s.d.InTx(ctx, func(ctx context.Context) error {
		t, err := s.scoped(ctx, a, ticketID, true)
		if err != nil {
			return err
		}
		res, err := s.d.Conn(ctx).ExecContext(ctx, `UPDATE ticket_comments SET public = FALSE WHERE account_id = $1
			AND ticket_id = $2 AND id = $3`, a.AccountID, ticketID, commentID)
		if err != nil {
			return err
		}
		if n, _ := res.RowsAffected(); n == 0 {
			return errs.NotFoundf("Not found")
		}
		var pub int
		if err := s.d.Conn(ctx).QueryRowContext(ctx, `SELECT count(*) FROM ticket_comments WHERE account_id = $1 AND ticket_id = $2
			AND public = TRUE`, a.AccountID, ticketID).Scan(&pub); err != nil {
			return err
		}
		before := t
		t.IsPublic = pub > 0
		t.UpdatedAt = s.clock.Now()
		if err := s.saveTicket(ctx, before, t); err != nil {
			return err
		}
		return s.recordEvent(ctx, a, t.ID, Event{Type: "CommentPrivacyChange", CommentID: commentID, Value: false})
	})
}

// recordEvent writes an audit holding one event that is not a field change
// (CommentPrivacyChange and the like).
func (s *Service) recordEvent(ctx context.Context, a auth.Actor, ticketID int64, e Event) error {
	via := APIVia()
	var auditID int64
	c := s.d.Conn(ctx)
	if err := c.QueryRowContext(ctx, `INSERT INTO ticket_audits (account_id, ticket_id, author_id, via_channel, via_source,
		metadata, created_at) VALUES ($1,$2,$3,$4,$5,'{"system":{},"custom":{}}',$6) RETURNING id`, a.AccountID, ticketID,
		a.UserID, via.Channel, string(via.Source), s.clock.Now()).Scan(&auditID); err != nil {
		return err
	}
	var cid any
	if e.CommentID != 0 {
		cid = e.CommentID
	}
	_, err := c.ExecContext(ctx, `INSERT INTO ticket_events (account_id, audit_id, ticket_id, type, field_name, value,
		previous_value, comment_id, via, data) VALUES ($1,$2,$3,$4,NULL,$5,NULL,$6,NULL,'{}')`, a.AccountID, auditID, ticketID,
		e.Type, jsonOrNil(e.Value), cid)
	return err
}

// Audits lists a ticket's audits, oldest first (keyset on id).
func (s *Service) Audits(ctx context.Context, ticketID int64, p db.Page) ([]Audit, int64, bool, error) {
	a, err := auth.RequireAgent(ctx)
	if err != nil {
		return nil, 0, false, err
	}
	if _, err := s.scoped(ctx, a, ticketID, false); err != nil {
		return nil, 0, false, err
	}
	args := []any{a.AccountID, ticketID}
	w := ` FROM ticket_audits WHERE account_id = $1 AND ticket_id = $2`
	var total int64
	if err := s.d.Conn(ctx).QueryRowContext(ctx, `SELECT count(*)`+w, args...).Scan(&total); err != nil {
		return nil, 0, false, err
	}
	p.Sort = ""
	out, err := s.audits(ctx, `SELECT `+auditCols+w+p.Seek(&args)+p.OrderLimit(&args), args...)
	if err != nil {
		return nil, 0, false, err
	}
	out, more := db.Finish(p, out)
	return out, total, more, nil
}

// AllAudits lists every audit of the account (GET /ticket_audits, cursor
// only), newest first.
func (s *Service) AllAudits(ctx context.Context, p db.Page) ([]Audit, bool, error) {
	a, err := auth.RequireAgent(ctx)
	if err != nil {
		return nil, false, err
	}
	args := []any{a.AccountID}
	w := ` WHERE account_id = $1` + scopedTicketIDs(a, &args)
	p.Sort = ""
	out, err := s.audits(ctx, `SELECT `+auditCols+` FROM ticket_audits`+w+p.Seek(&args)+p.OrderLimit(&args), args...)
	if err != nil {
		return nil, false, err
	}
	out, more := db.Finish(p, out)
	return out, more, nil
}

// GetAudit returns one audit of a ticket.
func (s *Service) GetAudit(ctx context.Context, ticketID, auditID int64) (Audit, error) {
	a, err := auth.RequireAgent(ctx)
	if err != nil {
		return Audit{}, err
	}
	if _, err := s.scoped(ctx, a, ticketID, false); err != nil {
		return Audit{}, err
	}
	out, err := s.audits(ctx, `SELECT `+auditCols+` FROM ticket_audits WHERE account_id = $1 AND ticket_id = $2 AND id = $3`,
		a.AccountID, ticketID, auditID)
	if err != nil {
		return Audit{}, err
	}
	if len(out) == 0 {
		return Audit{}, errs.NotFoundf("Not found")
	}
	return out[0], nil
}

// TagCount is a tag and how many tickets carry it.
type TagCount struct {
	Name  string
	Count int64
}

// PopularTags lists the account's ticket tags by use (agents).
func (s *Service) PopularTags(ctx context.Context, limit int) ([]TagCount, error) {
	a, err := auth.RequireAgent(ctx)
	if err != nil {
		return nil, err
	}
	rows, err := s.d.Conn(ctx).QueryContext(ctx, `SELECT g.tag, count(*) FROM ticket_tags g JOIN tickets t
		ON t.account_id = g.account_id AND t.id = g.ticket_id WHERE g.account_id = $1 AND t.deleted_at IS NULL
		GROUP BY g.tag ORDER BY count(*) DESC, g.tag LIMIT $2`, a.AccountID, limit)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []TagCount
	for rows.Next() {
		var tc TagCount
		if err := rows.Scan(&tc.Name, &tc.Count); err != nil {
			return nil, err
		}
		out = append(out, tc)
	}
	return out, rows.Err()
}

// ChangeTags applies a tags call (set, add, remove) as an audited update.
func (s *Service) ChangeTags(ctx context.Context, id int64, op string, tags []string, safe bool, stamp string) (Ticket, error) {
	in := Input{}
	switch op {
	case "set":
		in.Tags.Set, in.Tags.V = true, tags
	case "add":
		in.AdditionalTags.Set, in.AdditionalTags.V = true, tags
	case "remove":
		in.RemoveTags.Set, in.RemoveTags.V = true, tags
	}
	if safe {
		in.SafeUpdate.Set, in.SafeUpdate.V = true, true
		in.UpdatedStamp.Set, in.UpdatedStamp.V = true, strings.TrimSpace(stamp)
	}
	t, _, err := s.Update(ctx, id, in)
	return t, err
}

// UserTicketCounts counts a user's assigned, requested and CC'd tickets
// (for /users/{id}/related).
func (s *Service) UserTicketCounts(ctx context.Context, accountID, userID int64) (assigned, requested, ccd int64, err error) {
	c := s.d.Conn(ctx)
	if err = c.QueryRowContext(ctx, `SELECT count(*) FROM tickets WHERE account_id = $1 AND assignee_id = $2 AND deleted_at IS NULL`,
		accountID, userID).Scan(&assigned); err != nil {
		return
	}
	if err = c.QueryRowContext(ctx, `SELECT count(*) FROM tickets WHERE account_id = $1 AND requester_id = $2 AND deleted_at IS NULL`,
		accountID, userID).Scan(&requested); err != nil {
		return
	}
	err = c.QueryRowContext(ctx, `SELECT count(DISTINCT u.ticket_id) FROM ticket_users u JOIN tickets t ON t.account_id = u.account_id
		AND t.id = u.ticket_id WHERE u.account_id = $1 AND u.user_id = $2 AND u.kind = 'email_cc' AND t.deleted_at IS NULL`,
		accountID, userID).Scan(&ccd)
	return
}

// OrganizationTicketCount counts an organization's live tickets.
func (s *Service) OrganizationTicketCount(ctx context.Context, accountID, orgID int64) (int64, error) {
	var n int64
	err := s.d.Conn(ctx).QueryRowContext(ctx, `SELECT count(*) FROM tickets WHERE account_id = $1 AND organization_id = $2
		AND deleted_at IS NULL`, accountID, orgID).Scan(&n)
	return n, err
}

func errNotFound() error { return errs.NotFoundf("Not found") }

// CommentCounts counts the comments of tickets, by ticket id.
func (s *Service) CommentCounts(ctx context.Context, accountID int64, ids []int64) (map[int64]int64, error) {
	out := map[int64]int64{}
	if len(ids) == 0 {
		return out, nil
	}
	args := []any{accountID}
	rows, err := s.d.Conn(ctx).QueryContext(ctx, `SELECT ticket_id, count(*) FROM ticket_comments WHERE account_id = $1
		AND ticket_id IN (`+db.Placeholders(&args, ids)+`) GROUP BY ticket_id`, args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	for rows.Next() {
		var id, n int64
		if err := rows.Scan(&id, &n); err != nil {
			return nil, err
		}
		out[id] = n
	}
	return out, rows.Err()
}

// CommentsByID loads the given comments of an account with their
// attachments (audit events name the comments they carry).
func (s *Service) CommentsByID(ctx context.Context, accountID int64, ids []int64) (map[int64]Comment, error) {
	out := map[int64]Comment{}
	if len(ids) == 0 {
		return out, nil
	}
	args := []any{accountID}
	rows, err := s.d.Conn(ctx).QueryContext(ctx, `SELECT `+commentCols+` FROM ticket_comments WHERE account_id = $1 AND id IN (`+
		db.Placeholders(&args, ids)+`)`, args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	for rows.Next() {
		c, err := scanComment(rows)
		if err != nil {
			return nil, err
		}
		out[c.ID] = c
	}
	if err := rows.Err(); err != nil {
		return nil, err
	}
	atts, err := s.commentAttachments(ctx, accountID, ids)
	if err != nil {
		return nil, err
	}
	for id, c := range out {
		c.Attachments = atts[id]
		out[id] = c
	}
	return out, nil
}
