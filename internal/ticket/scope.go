package ticket

import (
	"context"

	"parley/internal/auth"
	"parley/internal/platform/db"
	"parley/internal/platform/errs"
)

// Scope is the one statement of which tickets an agent's custom role lets
// them see: the SQL condition over tickets t for actor a, appending its
// arguments to args, or "" when a sees every ticket (admins, agents without
// a custom role, roles with ticket_access "all"). Ticket lists, views and
// single-ticket checks all use it, so they cannot disagree.
//
// within-groups: the tickets of a's groups, plus those assigned to or
// requested by a; assigned-only: those assigned to or requested by a.
func Scope(a auth.Actor, args *[]any) string {
	mine := func() string {
		return `t.assignee_id = ` + db.Arg(args, a.UserID) + ` OR t.requester_id = ` + db.Arg(args, a.UserID)
	}
	switch a.Permissions().TicketAccess {
	case auth.AccessAssigned:
		return `(` + mine() + `)`
	case auth.AccessGroups:
		return `(` + mine() + ` OR t.group_id IN (SELECT gm.group_id FROM group_memberships gm
			WHERE gm.account_id = t.account_id AND gm.user_id = ` + db.Arg(args, a.UserID) + `))`
	}
	return ""
}

// scopedTicketIDs is Scope for rows that name a ticket (audits, ratings):
// " AND ticket_id IN (…the tickets a may see…)", or "" when a sees all.
// $1 must be the account.
func scopedTicketIDs(a auth.Actor, args *[]any) string {
	cond := Scope(a, args)
	if cond == "" {
		return ""
	}
	return ` AND ticket_id IN (SELECT t.id FROM tickets t WHERE t.account_id = $1 AND ` + cond + `)`
}

// inScope returns ErrNoTicketAccess when ticket id is outside a's scope.
func (s *Service) inScope(ctx context.Context, a auth.Actor, id int64) error {
	args := []any{a.AccountID, id}
	cond := Scope(a, &args)
	if cond == "" {
		return nil
	}
	var n int
	if err := s.d.Conn(ctx).QueryRowContext(ctx, `SELECT count(*) FROM tickets t WHERE t.account_id = $1 AND t.id = $2
		AND `+cond, args...).Scan(&n); err != nil {
		return err
	}
	if n == 0 {
		return auth.ErrNoTicketAccess()
	}
	return nil
}

// scoped loads one live ticket that a may see: NotFound when it does not
// exist, Forbidden when a's custom role does not reach it.
func (s *Service) scoped(ctx context.Context, a auth.Actor, id int64, forUpdate bool) (Ticket, error) {
	t, err := s.ticket(ctx, a.AccountID, id, forUpdate)
	if err != nil {
		return Ticket{}, err
	}
	if err := s.inScope(ctx, a, id); err != nil {
		return Ticket{}, err
	}
	return t, nil
}

// editsOnlyComment refuses an update that changes more than the comment
// when a's custom role has ticket_editing off (Zendesk: such agents may
// add comments but not edit ticket properties).
func editsOnlyComment(a auth.Actor, changesOtherThanComment bool) error {
	if changesOtherThanComment && !a.Permissions().TicketEditing {
		return errs.E(errs.Forbidden, "Your role does not allow you to edit ticket properties; you can add a comment.")
	}
	return nil
}

// commentAllowed refuses a public comment from an agent whose custom role
// allows internal notes only (ticket_comment_access "private").
func commentAllowed(a auth.Actor, c *Comment) error {
	if c != nil && c.Public && a.IsAgent() && !a.Permissions().PublicComments {
		return errs.E(errs.Forbidden, "Your role allows internal notes only; make the comment private (public: false).")
	}
	return nil
}
