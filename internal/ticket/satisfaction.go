package ticket

import (
	"context"
	"database/sql"
	"errors"
	"strings"
	"time"

	"parley/internal/auth"
	"parley/internal/platform/db"
	"parley/internal/platform/errs"
)

// Rating is a customer's satisfaction rating of a ticket.
type Rating struct {
	ID          int64
	AccountID   int64
	TicketID    int64
	RequesterID int64
	AssigneeID  *int64
	GroupID     *int64
	Score       string
	Comment     string
	Reason      string
	CreatedAt   time.Time
	UpdatedAt   time.Time
}

const ratingCols = `id, account_id, ticket_id, requester_id, assignee_id, group_id, score, comment, reason, created_at, updated_at`

func scanRating(row interface{ Scan(...any) error }) (Rating, error) {
	var r Rating
	var asg, grp sql.NullInt64
	var ca, ua db.Time
	err := row.Scan(&r.ID, &r.AccountID, &r.TicketID, &r.RequesterID, &asg, &grp, &r.Score, &r.Comment, &r.Reason, &ca, &ua)
	if errors.Is(err, sql.ErrNoRows) {
		return r, errs.NotFoundf("Not found")
	}
	r.AssigneeID, r.GroupID, r.CreatedAt, r.UpdatedAt = intPtr(asg), intPtr(grp), ca.T, ua.T
	return r, err
}

// Rate records the requester's rating of a solved ticket ("good" or
// "bad", with an optional comment). Only the requester may rate; rating
// again replaces the earlier rating.
func (s *Service) Rate(ctx context.Context, ticketID int64, score, comment, reason string) (Rating, error) {
	a, err := auth.RequireUser(ctx)
	if err != nil {
		return Rating{}, err
	}
	var out Rating
	err = s.d.InTx(ctx, func(ctx context.Context) error {
		t, err := s.ticket(ctx, a.AccountID, ticketID, true)
		if err != nil {
			return err
		}
		if t.RequesterID != a.UserID {
			if a.IsAgent() {
				return errs.E(errs.Forbidden, "Only the requester can rate a ticket")
			}
			return errs.NotFoundf("Not found")
		}
		score = strings.ToLower(strings.TrimSpace(score))
		if score != "good" && score != "bad" {
			return errs.Invalidf("score", "InvalidValue", "Score: must be good or bad")
		}
		if t.Status != "solved" && t.Status != "closed" {
			return errs.Invalidf("base", "InvalidValue", "Only solved tickets can be rated")
		}
		now := s.clock.Now()
		out, err = scanRating(s.d.Conn(ctx).QueryRowContext(ctx, `INSERT INTO satisfaction_ratings (account_id, ticket_id,
			requester_id, assignee_id, group_id, score, comment, reason, reason_id, created_at, updated_at)
			VALUES ($1,$2,$3,$4,$5,$6,$7,$8,NULL,$9,$9)
			ON CONFLICT (account_id, ticket_id) DO UPDATE SET score = excluded.score, comment = excluded.comment,
				reason = excluded.reason, updated_at = excluded.updated_at
			RETURNING `+ratingCols, a.AccountID, t.ID, a.UserID, t.AssigneeID, t.GroupID, score, comment, reason, now))
		if err != nil {
			return err
		}
		_, err = s.d.Conn(ctx).ExecContext(ctx, `UPDATE tickets SET satisfaction_score = $1 WHERE account_id = $2 AND id = $3`,
			score, a.AccountID, t.ID)
		return err
	})
	return out, err
}

// RatingFilter narrows the ratings list.
type RatingFilter struct {
	Score      string
	Start, End *time.Time
}

// Ratings lists satisfaction ratings (agents).
func (s *Service) Ratings(ctx context.Context, f RatingFilter, p db.Page) ([]Rating, int64, bool, error) {
	a, err := auth.RequireAgent(ctx)
	if err != nil {
		return nil, 0, false, err
	}
	args := []any{a.AccountID}
	w := ` FROM satisfaction_ratings WHERE account_id = $1` + scopedTicketIDs(a, &args)
	switch f.Score {
	case "":
	case "good", "bad":
		w += ` AND score = ` + db.Arg(&args, f.Score)
	case "received":
		w += ` AND score IN ('good', 'bad')`
	default:
		return nil, 0, false, errs.E(errs.BadRequest, "score must be good, bad or received").WithCode("InvalidValue")
	}
	if f.Start != nil {
		w += ` AND created_at >= ` + db.Arg(&args, *f.Start)
	}
	if f.End != nil {
		w += ` AND created_at < ` + db.Arg(&args, *f.End)
	}
	var total int64
	if err := s.d.Conn(ctx).QueryRowContext(ctx, `SELECT count(*)`+w, args...).Scan(&total); err != nil {
		return nil, 0, false, err
	}
	p.Sort = ""
	rows, err := s.d.Conn(ctx).QueryContext(ctx, `SELECT `+ratingCols+w+p.Seek(&args)+p.OrderLimit(&args), args...)
	if err != nil {
		return nil, 0, false, err
	}
	defer rows.Close()
	var out []Rating
	for rows.Next() {
		r, err := scanRating(rows)
		if err != nil {
			return nil, 0, false, err
		}
		out = append(out, r)
	}
	if err := rows.Err(); err != nil {
		return nil, 0, false, err
	}
	out, more := db.Finish(p, out)
	return out, total, more, nil
}

// GetRating returns one rating (agents; Forbidden when its ticket is
// outside the agent's custom role access).
func (s *Service) GetRating(ctx context.Context, id int64) (Rating, error) {
	a, err := auth.RequireAgent(ctx)
	if err != nil {
		return Rating{}, err
	}
	r, err := scanRating(s.d.Conn(ctx).QueryRowContext(ctx, `SELECT `+ratingCols+` FROM satisfaction_ratings WHERE account_id = $1
		AND id = $2`, a.AccountID, id))
	if err != nil {
		return Rating{}, err
	}
	if a.Restricted() {
		if err := s.inScope(ctx, a, r.TicketID); err != nil {
			return Rating{}, err
		}
	}
	return r, nil
}

// ticketRatings loads the ratings of tickets for rendering.
func (s *Service) ticketRatings(ctx context.Context, accountID int64, ids []int64) (map[int64]Rating, error) {
	out := map[int64]Rating{}
	if len(ids) == 0 {
		return out, nil
	}
	args := []any{accountID}
	rows, err := s.d.Conn(ctx).QueryContext(ctx, `SELECT `+ratingCols+` FROM satisfaction_ratings WHERE account_id = $1
		AND ticket_id IN (`+db.Placeholders(&args, ids)+`)`, args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	for rows.Next() {
		r, err := scanRating(rows)
		if err != nil {
			return nil, err
		}
		out[r.TicketID] = r
	}
	return out, rows.Err()
}
