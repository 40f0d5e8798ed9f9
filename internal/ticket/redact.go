package ticket

import (
	"context"
	"strings"

	"parley/internal/auth"
	"parley/internal/platform/errs"
)

// redactMark replaces redacted text, as Zendesk does.
const redactMark = "▇"

// RedactComment permanently removes text from a comment's bodies (agents)
// and records a CommentRedactionEvent. The text must occur in the comment.
func (s *Service) RedactComment(ctx context.Context, ticketID, commentID int64, text string) (Comment, error) {
	a, err := auth.RequireAgent(ctx)
	if err != nil {
		return Comment{}, err
	}
	var out Comment
	err = s.d.InTx(ctx, func(ctx context.Context) error {
		if _, err := s.scoped(ctx, a, ticketID, true); err != nil {
			return err
		}
		c, err := scanComment(s.d.Conn(ctx).QueryRowContext(ctx, `SELECT `+commentCols+` FROM ticket_comments
			WHERE account_id = $1 AND ticket_id = $2 AND id = $3`, a.AccountID, ticketID, commentID))
		if err != nil {
			return err
		}
		if strings.TrimSpace(text) == "" {
			return errs.Invalidf("text", "BlankValue", "Text: cannot be blank")
		}
		if !strings.Contains(c.Body, text) && !strings.Contains(c.PlainBody, text) {
			return errs.Invalidf("text", "InvalidValue", "Text: does not occur in the comment")
		}
		mark := strings.Repeat(redactMark, len([]rune(text)))
		c.Body = strings.ReplaceAll(c.Body, text, mark)
		c.PlainBody = strings.ReplaceAll(c.PlainBody, text, mark)
		c.HTMLBody = strings.ReplaceAll(c.HTMLBody, text, mark)
		if _, err := s.d.Conn(ctx).ExecContext(ctx, `UPDATE ticket_comments SET body = $1, plain_body = $2, html_body = $3
			WHERE account_id = $4 AND id = $5`, c.Body, c.PlainBody, c.HTMLBody, a.AccountID, c.ID); err != nil {
			return err
		}
		// The first comment is also the ticket's description. The ticket's
		// text changed, so it counts as updated: incremental exports and
		// the search index (which follows updated_at) see it again.
		if _, err := s.d.Conn(ctx).ExecContext(ctx, `UPDATE tickets SET description = REPLACE(description, $1, $2),
			updated_at = $5 WHERE account_id = $3 AND id = $4`, text, mark, a.AccountID, ticketID, s.clock.Now()); err != nil {
			return err
		}
		out = c
		return s.recordEvent(ctx, a, ticketID, Event{Type: "CommentRedactionEvent", CommentID: c.ID, Value: true})
	})
	if err != nil {
		return Comment{}, err
	}
	atts, err := s.commentAttachments(ctx, a.AccountID, []int64{out.ID})
	out.Attachments = atts[out.ID]
	return out, err
}

// RedactAttachment replaces an attachment's contents with an empty
// "redacted.txt" (agents); the original bytes are deleted.
func (s *Service) RedactAttachment(ctx context.Context, ticketID, commentID, attachmentID int64) (Comment, error) {
	a, err := auth.RequireAgent(ctx)
	if err != nil {
		return Comment{}, err
	}
	var oldKey string
	err = s.d.InTx(ctx, func(ctx context.Context) error {
		if _, err := s.scoped(ctx, a, ticketID, true); err != nil {
			return err
		}
		at, err := scanAttachment(s.d.Conn(ctx).QueryRowContext(ctx, `SELECT `+attachmentCols+` FROM attachments
			WHERE account_id = $1 AND ticket_id = $2 AND comment_id = $3 AND id = $4`, a.AccountID, ticketID, commentID, attachmentID))
		if err != nil {
			return err
		}
		key := at.StorageKey + "-redacted"
		if _, err := s.files.Put(ctx, key, strings.NewReader(""), 0); err != nil {
			return err
		}
		if _, err := s.d.Conn(ctx).ExecContext(ctx, `UPDATE attachments SET file_name = 'redacted.txt', content_type = 'text/plain',
			size = 0, storage_key = $1, deleted = FALSE WHERE account_id = $2 AND id = $3`, key, a.AccountID, at.ID); err != nil {
			return err
		}
		oldKey = at.StorageKey
		return s.recordEvent(ctx, a, ticketID, Event{Type: "AttachmentRedactionEvent", CommentID: commentID, Value: at.ID})
	})
	if err != nil {
		return Comment{}, err
	}
	var n int
	if err := s.d.Conn(ctx).QueryRowContext(ctx, `SELECT count(*) FROM attachments WHERE storage_key = $1`, oldKey).Scan(&n); err == nil && n == 0 {
		_ = s.files.Delete(ctx, oldKey)
	}
	c, err := scanComment(s.d.Conn(ctx).QueryRowContext(ctx, `SELECT `+commentCols+` FROM ticket_comments WHERE account_id = $1
		AND id = $2`, a.AccountID, commentID))
	if err != nil {
		return Comment{}, err
	}
	atts, err := s.commentAttachments(ctx, a.AccountID, []int64{c.ID})
	c.Attachments = atts[c.ID]
	return c, err
}

// Related counts what hangs off a ticket.
func (s *Service) Related(ctx context.Context, id int64) (incidents int64, followupSources []int64, err error) {
	t, err := s.Get(ctx, id)
	if err != nil {
		return 0, nil, err
	}
	if err := s.d.Conn(ctx).QueryRowContext(ctx, `SELECT count(*) FROM tickets WHERE account_id = $1 AND problem_id = $2
		AND deleted_at IS NULL`, t.AccountID, t.ID).Scan(&incidents); err != nil {
		return 0, nil, err
	}
	followupSources = []int64{}
	if t.FollowupSourceID != nil {
		followupSources = append(followupSources, *t.FollowupSourceID)
	}
	return incidents, followupSources, nil
}
