package ticket

import (
	"context"
	"time"

	"parley/internal/auth"
	"parley/internal/platform/db"
)

// Incremental exports walk tickets by (updated_at, id) through the
// (account_id, updated_at, id) index. Deleted tickets are included, with
// status "deleted" when rendered, so consumers learn of deletions.

// ExportSince returns up to limit tickets with updated_at >= since; a page
// never ends inside a second (all tickets of its last second are included)
// so time-based paging cannot loop.
func (s *Service) ExportSince(ctx context.Context, since time.Time, limit int) ([]Ticket, bool, error) {
	a, err := auth.RequireAdmin(ctx)
	if err != nil {
		return nil, false, err
	}
	q := `SELECT ` + ticketCols + ` FROM tickets t WHERE t.account_id = $1 AND t.updated_at >= $2 ORDER BY t.updated_at, t.id LIMIT $3`
	ts, err := s.queryTickets(ctx, q, a.AccountID, since, limit+1)
	if err != nil {
		return nil, false, err
	}
	if len(ts) <= limit {
		return ts, true, nil
	}
	last := ts[limit-1]
	sec := last.UpdatedAt.Truncate(time.Second)
	rest, err := s.queryTickets(ctx, `SELECT `+ticketCols+` FROM tickets t WHERE t.account_id = $1 AND t.updated_at < $2
		AND t.updated_at >= $3 AND (t.updated_at > $3 OR (t.updated_at = $3 AND t.id > $4)) ORDER BY t.updated_at, t.id`,
		a.AccountID, sec.Add(time.Second), last.UpdatedAt, last.ID)
	if err != nil {
		return nil, false, err
	}
	return append(ts[:limit], rest...), false, nil
}

// ExportAfter returns up to limit tickets strictly after (at, id).
func (s *Service) ExportAfter(ctx context.Context, at time.Time, id int64, limit int) ([]Ticket, bool, error) {
	a, err := auth.RequireAdmin(ctx)
	if err != nil {
		return nil, false, err
	}
	ts, err := s.queryTickets(ctx, `SELECT `+ticketCols+` FROM tickets t WHERE t.account_id = $1
		AND t.updated_at >= $2 AND (t.updated_at > $2 OR (t.updated_at = $2 AND t.id > $3)) ORDER BY t.updated_at, t.id LIMIT $4`,
		a.AccountID, at, id, limit+1)
	if err != nil {
		return nil, false, err
	}
	if len(ts) > limit {
		return ts[:limit], false, nil
	}
	return ts, true, nil
}

// ExportEvents returns audits created at or after since (ticket events
// export), oldest first, whole seconds per page like ExportSince.
func (s *Service) ExportEvents(ctx context.Context, since time.Time, limit int) ([]Audit, bool, error) {
	a, err := auth.RequireAdmin(ctx)
	if err != nil {
		return nil, false, err
	}
	aus, err := s.audits(ctx, `SELECT `+auditCols+` FROM ticket_audits WHERE account_id = $1 AND created_at >= $2
		ORDER BY created_at, id LIMIT $3`, a.AccountID, since, limit+1)
	if err != nil {
		return nil, false, err
	}
	if len(aus) <= limit {
		return aus, true, nil
	}
	last := aus[limit-1]
	sec := last.CreatedAt.Truncate(time.Second)
	rest, err := s.audits(ctx, `SELECT `+auditCols+` FROM ticket_audits WHERE account_id = $1 AND created_at < $2
		AND created_at >= $3 AND (created_at > $3 OR (created_at = $3 AND id > $4)) ORDER BY created_at, id`,
		a.AccountID, sec.Add(time.Second), last.CreatedAt, last.ID)
	if err != nil {
		return nil, false, err
	}
	return append(aus[:limit], rest...), false, nil
}

// Deleted lists soft-deleted tickets (agents whose role allows
// ticket_deletion, within its ticket access), by id.
func (s *Service) Deleted(ctx context.Context, p db.Page) ([]Ticket, int64, bool, error) {
	a, err := auth.RequireAgent(ctx)
	if err != nil {
		return nil, 0, false, err
	}
	if err := auth.RequireTicketPermission(a.Permissions().TicketDeletion, "delete tickets"); err != nil {
		return nil, 0, false, err
	}
	args := []any{a.AccountID}
	w := ` FROM tickets t WHERE t.account_id = $1 AND t.deleted_at IS NOT NULL`
	if cond := Scope(a, &args); cond != "" {
		w += ` AND ` + cond
	}
	var total int64
	if err := s.d.Conn(ctx).QueryRowContext(ctx, `SELECT count(*)`+w, args...).Scan(&total); err != nil {
		return nil, 0, false, err
	}
	p.Alias = "t."
	ts, err := s.queryTickets(ctx, `SELECT `+ticketCols+w+p.Seek(&args)+p.OrderLimit(&args), args...)
	if err != nil {
		return nil, 0, false, err
	}
	ts, more := db.Finish(p, ts)
	return ts, total, more, nil
}

// deletedTicket loads one soft-deleted ticket.
func (s *Service) deletedTicket(ctx context.Context, accountID, id int64) (Ticket, error) {
	ts, err := s.queryTickets(ctx, `SELECT `+ticketCols+` FROM tickets t WHERE t.account_id = $1 AND t.id = $2
		AND t.deleted_at IS NOT NULL`, accountID, id)
	if err != nil {
		return Ticket{}, err
	}
	if len(ts) == 0 {
		return Ticket{}, errNotFound()
	}
	return ts[0], nil
}

// Restore brings a soft-deleted ticket back (agents whose role allows
// ticket_deletion, within its ticket access).
func (s *Service) Restore(ctx context.Context, id int64) error {
	a, err := auth.RequireAgent(ctx)
	if err != nil {
		return err
	}
	if err := auth.RequireTicketPermission(a.Permissions().TicketDeletion, "delete tickets"); err != nil {
		return err
	}
	return s.d.InTx(ctx, func(ctx context.Context) error {
		t, err := s.deletedTicket(ctx, a.AccountID, id)
		if err != nil {
			return err
		}
		if err := s.inScope(ctx, a, id); err != nil {
			return err
		}
		before := t
		t.DeletedAt, t.UpdatedAt = nil, s.clock.Now()
		return s.saveTicket(ctx, before, t)
	})
}

// Purge deletes a soft-deleted ticket for good, with its comments, audits
// and attachments (admins).
func (s *Service) Purge(ctx context.Context, id int64) error {
	a, err := auth.RequireAdmin(ctx)
	if err != nil {
		return err
	}
	var keys []string
	err = s.d.InTx(ctx, func(ctx context.Context) error {
		if _, err := s.deletedTicket(ctx, a.AccountID, id); err != nil {
			return err
		}
		atts, err := s.queryAttachments(ctx, `SELECT `+attachmentCols+` FROM attachments WHERE account_id = $1 AND ticket_id = $2`,
			a.AccountID, id)
		if err != nil {
			return err
		}
		for _, at := range atts {
			keys = append(keys, at.StorageKey)
		}
		c := s.d.Conn(ctx)
		for _, q := range []string{
			`DELETE FROM attachments WHERE account_id = $1 AND ticket_id = $2`,
			`DELETE FROM ticket_events WHERE account_id = $1 AND ticket_id = $2`,
			`DELETE FROM ticket_audits WHERE account_id = $1 AND ticket_id = $2`,
			`DELETE FROM ticket_comments WHERE account_id = $1 AND ticket_id = $2`,
			`DELETE FROM ticket_tags WHERE account_id = $1 AND ticket_id = $2`,
			`DELETE FROM ticket_field_values WHERE account_id = $1 AND ticket_id = $2`,
			`DELETE FROM ticket_users WHERE account_id = $1 AND ticket_id = $2`,
			`DELETE FROM tickets WHERE account_id = $1 AND id = $2`,
		} {
			if _, err := c.ExecContext(ctx, q, a.AccountID, id); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		return err
	}
	// A blob may still be referenced by a merge copy; delete only unshared ones.
	for _, k := range keys {
		var n int
		if err := s.d.Conn(ctx).QueryRowContext(ctx, `SELECT count(*) FROM attachments WHERE storage_key = $1`, k).Scan(&n); err == nil && n == 0 {
			_ = s.files.Delete(ctx, k)
		}
	}
	return nil
}
