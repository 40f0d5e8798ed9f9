package agentui

import (
	"context"
	"encoding/json"
	"fmt"
	"strings"
	"time"

	"parley/internal/platform/db"
)

// Presence: while a ticket page's live stream is open, its agent is a
// viewer of the ticket. Rows live in the database (every node shows every
// viewer) and are renewed by the stream; a row not renewed for
// viewerTTL no longer counts (a node that died without cleaning up).

const (
	viewerTTL   = time.Minute
	viewerRenew = 20 * time.Second
)

func viewersTopic(accountID, ticketID int64) string {
	return fmt.Sprintf("viewers:%d:%d", accountID, ticketID)
}

// Viewers stores who is viewing which ticket.
type Viewers struct {
	d *db.DB
}

// NewViewers builds the presence store.
func NewViewers(d *db.DB) *Viewers { return &Viewers{d: d} }

// Seen marks userID as viewing the ticket now.
func (v *Viewers) Seen(ctx context.Context, accountID, ticketID, userID int64, now time.Time) error {
	return v.d.InTx(ctx, func(ctx context.Context) error {
		c := v.d.Conn(ctx)
		res, err := c.ExecContext(ctx, `UPDATE ticket_viewers SET seen_at = $1 WHERE account_id = $2 AND ticket_id = $3
			AND user_id = $4`, now, accountID, ticketID, userID)
		if err != nil {
			return err
		}
		if n, _ := res.RowsAffected(); n > 0 {
			return nil
		}
		_, err = c.ExecContext(ctx, `INSERT INTO ticket_viewers (account_id, ticket_id, user_id, seen_at) VALUES ($1,$2,$3,$4)`,
			accountID, ticketID, userID, now)
		return err
	})
}

// Left removes userID from the ticket's viewers.
func (v *Viewers) Left(ctx context.Context, accountID, ticketID, userID int64) error {
	_, err := v.d.Writer().ExecContext(ctx, `DELETE FROM ticket_viewers WHERE account_id = $1 AND ticket_id = $2 AND user_id = $3`,
		accountID, ticketID, userID)
	return err
}

// Others lists the ids of the ticket's current viewers other than userID.
func (v *Viewers) Others(ctx context.Context, accountID, ticketID, userID int64, now time.Time) ([]int64, error) {
	rows, err := v.d.Conn(ctx).QueryContext(ctx, `SELECT user_id FROM ticket_viewers WHERE account_id = $1 AND ticket_id = $2
		AND user_id <> $3 AND seen_at > $4 ORDER BY user_id`, accountID, ticketID, userID, now.Add(-viewerTTL))
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []int64
	for rows.Next() {
		var id int64
		if err := rows.Scan(&id); err != nil {
			return nil, err
		}
		out = append(out, id)
	}
	return out, rows.Err()
}

// viewersLine is the server-sent "viewers" event: the other viewers'
// names as a sentence.
func (h *Pages) viewersLine(ctx context.Context, accountID, ticketID, userID int64) (string, error) {
	ids, err := h.viewers.Others(ctx, accountID, ticketID, userID, time.Now())
	if err != nil {
		return "", err
	}
	names, err := h.names(ctx, ids)
	if err != nil {
		return "", err
	}
	var list []string
	for _, id := range ids {
		list = append(list, nameOr(names, id))
	}
	line := ""
	if len(list) > 0 {
		line = "Also viewing: " + strings.Join(list, ", ")
	}
	b, err := json.Marshal(line)
	return string(b), err
}
