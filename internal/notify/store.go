package notify

import (
	"context"
	"database/sql"
	"errors"
	"strings"
)

// Directions of mail_messages rows.
const (
	dirIn  = "in"
	dirOut = "out"
)

// normID is a Message-ID as stored: no brackets, no spaces.
func normID(id string) string {
	return strings.TrimSpace(strings.Trim(strings.TrimSpace(id), "<>"))
}

// recordMessage remembers a Message-ID of a ticket's mail.
func (s *Service) recordMessage(ctx context.Context, accountID int64, messageID string, ticketID, commentID int64, dir string) error {
	id := normID(messageID)
	if id == "" {
		return nil
	}
	if len(id) > 998 {
		id = id[:998]
	}
	var cid any
	if commentID > 0 {
		cid = commentID
	}
	_, err := s.d.Conn(ctx).ExecContext(ctx, `INSERT INTO mail_messages (account_id, message_id, ticket_id, comment_id,
		direction, created_at) VALUES ($1,$2,$3,$4,$5,$6)`, accountID, id, ticketID, cid, dir, s.clock.Now())
	return err
}

// ticketOfMessage returns the ticket a Message-ID belongs to (0 when
// unknown) and whether the id was received before.
func (s *Service) ticketOfMessage(ctx context.Context, accountID int64, messageID string) (int64, string, error) {
	var tid int64
	var dir string
	err := s.d.Conn(ctx).QueryRowContext(ctx, `SELECT ticket_id, direction FROM mail_messages WHERE account_id = $1
		AND message_id = $2 ORDER BY id DESC LIMIT 1`, accountID, normID(messageID)).Scan(&tid, &dir)
	if errors.Is(err, sql.ErrNoRows) {
		return 0, "", nil
	}
	return tid, dir, err
}

// lastInbound is the Message-ID of the newest message received on a
// ticket ("" when none), which notifications also answer so the
// customer's own client threads them under what they sent.
func (s *Service) lastInbound(ctx context.Context, accountID, ticketID int64) (string, error) {
	var id string
	err := s.d.Conn(ctx).QueryRowContext(ctx, `SELECT message_id FROM mail_messages WHERE account_id = $1
		AND ticket_id = $2 AND direction = $3 ORDER BY id DESC LIMIT 1`, accountID, ticketID, dirIn).Scan(&id)
	if errors.Is(err, sql.ErrNoRows) {
		return "", nil
	}
	return id, err
}
