package ticket

import (
	"context"
	"encoding/json"
	"time"

	"parley/internal/auth"
	"parley/internal/platform/errs"
	"parley/internal/platform/opt"
)

// MarkAsSpam deletes a ticket and suspends its requester (agents whose
// role allows ticket_deletion).
func (s *Service) MarkAsSpam(ctx context.Context, id int64) error {
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
		if err := s.people.Suspend(ctx, a.AccountID, t.RequesterID); err != nil {
			return err
		}
		before := t
		now := s.clock.Now()
		t.DeletedAt, t.UpdatedAt = &now, now
		return s.saveTicket(ctx, before, t)
	})
}

// ImportInput is a ticket import: a ticket with its history, backdated.
type ImportInput struct {
	Input
	Comments []ImportComment `json:"comments"`
}

// ImportComment is one historical comment.
type ImportComment struct {
	AuthorID  opt.Opt[int64]  `json:"author_id"`
	Value     string          `json:"value"`
	Body      string          `json:"body"`
	HTMLBody  string          `json:"html_body"`
	Public    opt.Opt[bool]   `json:"public"`
	CreatedAt opt.Opt[string] `json:"created_at"`
}

func parseTime(field, s string, v *errs.Validation) *time.Time {
	if s == "" {
		return nil
	}
	t, err := time.Parse(time.RFC3339, s)
	if err != nil {
		v.Add(field, "InvalidValue", field+": must be an ISO 8601 time")
		return nil
	}
	u := t.UTC()
	return &u
}

// Import creates a ticket with its comments at their original times
// (admins). Any status may be given, closed included; no business rules
// run on imports.
func (s *Service) Import(ctx context.Context, in ImportInput) (Ticket, error) {
	a, err := auth.RequireAdmin(ctx)
	if err != nil {
		return Ticket{}, err
	}
	var out Ticket
	err = s.d.InTx(ctx, func(ctx context.Context) error {
		var err error
		out, err = s.importOne(ctx, a, in)
		return err
	})
	return out, err
}

func (s *Service) importOne(ctx context.Context, a auth.Actor, in ImportInput) (Ticket, error) {
	var v errs.Validation
	created := parseTime("created_at", in.CreatedAt.V, &v)
	updated := parseTime("updated_at", in.UpdatedAt.V, &v)
	solved := parseTime("solved_at", in.SolvedAt.V, &v)
	if len(in.Comments) == 0 && !in.Comment.Has() && !in.Description.Has() {
		v.Add("comments", "BlankValue", "Comments: an imported ticket needs at least one comment")
	}
	if err := v.Err(); err != nil {
		return Ticket{}, err
	}
	first := in.Input
	finalStatus := first.Status
	// Create with the first comment, then add the others, then set the
	// final status, all at their historical times.
	if len(in.Comments) > 0 {
		c := in.Comments[0]
		first.Comment = opt.Of(CommentInput{Body: firstNonEmpty(c.Body, c.Value), HTMLBody: c.HTMLBody, Public: c.Public, AuthorID: c.AuthorID})
	}
	first.Status = opt.Opt[string]{}
	t, _, err := s.create(ctx, a, first)
	if err != nil {
		return Ticket{}, err
	}
	for i, c := range in.Comments {
		if i == 0 {
			continue
		}
		if _, _, err := s.update(ctx, a, t.ID, Input{Comment: opt.Of(CommentInput{Body: firstNonEmpty(c.Body, c.Value),
			HTMLBody: c.HTMLBody, Public: c.Public, AuthorID: c.AuthorID})}); err != nil {
			return Ticket{}, err
		}
	}
	if finalStatus.Has() {
		if _, _, err := s.update(ctx, a, t.ID, Input{Status: finalStatus}); err != nil {
			return Ticket{}, err
		}
	}
	// Backdate: comments to their own times (or the ticket's creation), the
	// ticket to created/updated/solved as given.
	c := s.d.Conn(ctx)
	rows, err := c.QueryContext(ctx, `SELECT id FROM ticket_comments WHERE account_id = $1 AND ticket_id = $2 ORDER BY id`, a.AccountID, t.ID)
	if err != nil {
		return Ticket{}, err
	}
	var cids []int64
	for rows.Next() {
		var id int64
		if err := rows.Scan(&id); err != nil {
			rows.Close()
			return Ticket{}, err
		}
		cids = append(cids, id)
	}
	rows.Close()
	for i, cid := range cids {
		at := created
		if i < len(in.Comments) {
			if ct := parseTime("comments.created_at", in.Comments[i].CreatedAt.V, &v); ct != nil {
				at = ct
			}
		}
		if at != nil {
			if _, err := c.ExecContext(ctx, `UPDATE ticket_comments SET created_at = $1 WHERE account_id = $2 AND id = $3`,
				*at, a.AccountID, cid); err != nil {
				return Ticket{}, err
			}
			if _, err := c.ExecContext(ctx, `UPDATE ticket_audits SET created_at = $1 WHERE account_id = $2 AND id =
				(SELECT audit_id FROM ticket_comments WHERE account_id = $2 AND id = $3)`, *at, a.AccountID, cid); err != nil {
				return Ticket{}, err
			}
		}
	}
	if err := v.Err(); err != nil {
		return Ticket{}, err
	}
	cur, err := s.ticket(ctx, a.AccountID, t.ID, true)
	if err != nil {
		return Ticket{}, err
	}
	if created != nil {
		cur.CreatedAt = *created
		if updated == nil {
			updated = created
		}
	}
	if updated != nil {
		cur.UpdatedAt = *updated
	}
	if solved != nil {
		cur.SolvedAt = solved
	}
	if _, err := c.ExecContext(ctx, `UPDATE tickets SET created_at = $1, updated_at = $2, solved_at = $3 WHERE account_id = $4
		AND id = $5`, cur.CreatedAt, cur.UpdatedAt, nullTime(cur.SolvedAt), a.AccountID, cur.ID); err != nil {
		return Ticket{}, err
	}
	return s.ticket(ctx, a.AccountID, t.ID, false)
}

func nullTime(t *time.Time) any {
	if t == nil {
		return nil
	}
	return *t
}

func firstNonEmpty(a, b string) string {
	if a != "" {
		return a
	}
	return b
}

// registerImport adds the import_many operation.
func (s *Service) registerImport() {
	s.bulk.Register(OpImportMany, "Bulk Import Tickets", func(ctx context.Context, i int, item json.RawMessage) (map[string]any, error) {
		var in ImportInput
		if err := json.Unmarshal(item, &in); err != nil {
			return nil, errs.Invalidf("base", "InvalidValue", "The ticket is not valid JSON: %s", err.Error())
		}
		var t Ticket
		err := s.d.InTx(ctx, func(ctx context.Context) error {
			var err error
			t, err = s.importOne(ctx, auth.ActorFrom(ctx), in)
			return err
		})
		if err != nil {
			return nil, err
		}
		return map[string]any{"id": t.ID, "account_id": t.AccountID}, nil
	})
}

// OpImportMany is the bulk import operation.
const OpImportMany = "tickets.import_many"
