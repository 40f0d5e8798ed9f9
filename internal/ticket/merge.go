package ticket

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"

	"parley/internal/auth"
	"parley/internal/platform/errs"
	"parley/internal/platform/opt"
)

func errsAs(err error, target **errs.Error) bool { return errors.As(err, target) }

// MergeRequest is POST /tickets/{id}/merge.
type MergeRequest struct {
	IDs                   []int64         `json:"ids"`
	TargetComment         opt.Opt[string] `json:"target_comment"`
	SourceComment         opt.Opt[string] `json:"source_comment"`
	TargetCommentIsPublic opt.Opt[bool]   `json:"target_comment_is_public"`
	SourceCommentIsPublic opt.Opt[bool]   `json:"source_comment_is_public"`
}

type mergeArgs struct {
	Target        int64   `json:"target"`
	Sources       []int64 `json:"sources"`
	TargetComment string  `json:"target_comment"`
	SourceComment string  `json:"source_comment"`
	TargetPublic  bool    `json:"target_public"`
	SourcePublic  bool    `json:"source_public"`
}

// SetMergeGuard wires the check that refuses merging shared tickets.
func (s *Service) SetMergeGuard(g MergeGuard) { s.mergeGuard = g }

// checkMergeable validates a merge before it is queued, so a bad request
// is a 422 now rather than a failed job later.
func (s *Service) checkMergeable(ctx context.Context, a auth.Actor, target int64, sources []int64) error {
	if len(sources) == 0 {
		return errs.Invalidf("ids", "BlankValue", "Ids: at least one source ticket is required")
	}
	if len(sources) > 5 {
		return errs.Invalidf("ids", "InvalidValue", "Ids: at most 5 tickets can be merged at once")
	}
	all := append([]int64{target}, sources...)
	seen := map[int64]bool{}
	for _, id := range all {
		if seen[id] {
			return errs.Invalidf("ids", "InvalidValue", "Ticket %d appears twice (a ticket cannot be merged into itself)", id)
		}
		seen[id] = true
		t, err := s.scoped(ctx, a, id, false)
		if errs.Is(err, errs.NotFound) {
			return errs.Invalidf("ids", "InvalidValue", "Ticket %d does not exist", id)
		}
		if err != nil {
			return err
		}
		if t.Status == "closed" {
			return errs.Invalidf("ids", "InvalidValue", "Ticket %d is closed and cannot be merged", id)
		}
		if s.mergeGuard != nil {
			if err := s.mergeGuard.CanMerge(ctx, a.AccountID, id); err != nil {
				return err
			}
		}
	}
	return nil
}

// Merge queues merging sources into target as a job (agents).
func (s *Service) Merge(ctx context.Context, target int64, req MergeRequest) (any, error) {
	a, err := auth.RequireAgent(ctx)
	if err != nil {
		return nil, err
	}
	if err := auth.RequireTicketPermission(a.Permissions().TicketMerge, "merge tickets"); err != nil {
		return nil, err
	}
	if _, err := s.scoped(ctx, a, target, false); err != nil {
		return nil, err
	}
	if err := s.checkMergeable(ctx, a, target, req.IDs); err != nil {
		return nil, err
	}
	m := mergeArgs{Target: target, Sources: req.IDs, TargetComment: req.TargetComment.V, SourceComment: req.SourceComment.V,
		TargetPublic: req.TargetCommentIsPublic.Or(false), SourcePublic: req.SourceCommentIsPublic.Or(false)}
	b, _ := json.Marshal(m)
	return s.StartBulk(ctx, OpMerge, []json.RawMessage{b})
}

// merge closes each source with a comment pointing at the target, and adds
// to the target a comment per source carrying the source's attachments;
// the sources' requesters become CCs of the target. One transaction.
func (s *Service) merge(ctx context.Context, m mergeArgs) error {
	a := auth.ActorFrom(ctx)
	return s.d.InTx(ctx, func(ctx context.Context) error {
		if err := s.checkMergeable(ctx, a, m.Target, m.Sources); err != nil {
			return err
		}
		target, err := s.ticket(ctx, a.AccountID, m.Target, true)
		if err != nil {
			return err
		}
		for _, sid := range m.Sources {
			src, err := s.ticket(ctx, a.AccountID, sid, true)
			if err != nil {
				return err
			}
			// Carry the source's files: new upload tokens on copies.
			atts, err := s.queryAttachments(ctx, `SELECT `+attachmentCols+` FROM attachments WHERE account_id = $1
				AND ticket_id = $2 AND deleted = FALSE ORDER BY id`, a.AccountID, sid)
			if err != nil {
				return err
			}
			token := ""
			if len(atts) > 0 {
				token = randomToken(16)
				for _, at := range atts {
					if _, err := s.d.Conn(ctx).ExecContext(ctx, `INSERT INTO attachments (account_id, upload_token, uploader_id,
						ticket_id, comment_id, file_name, content_type, size, storage_key, url_token, inline, deleted, created_at)
						VALUES ($1,$2,$3,NULL,NULL,$4,$5,$6,$7,$8,$9,FALSE,$10)`, a.AccountID, token, a.UserID, at.FileName,
						at.ContentType, at.Size, at.StorageKey, randomToken(20), at.Inline, s.clock.Now()); err != nil {
						return err
					}
				}
			}
			tc := m.TargetComment
			if tc == "" {
				tc = fmt.Sprintf("Request #%d \"%s\" was closed and merged into this request. Last comment in request #%d:\n\n%s",
					src.ID, src.Subject, src.ID, s.lastComment(ctx, a.AccountID, src.ID))
			}
			tin := Input{Comment: opt.Of(CommentInput{Body: tc, Public: opt.Of(m.TargetPublic)})}
			if token != "" {
				tin.Comment.V.Uploads = []string{token}
			}
			if src.RequesterID != target.RequesterID {
				tin.EmailCCs = opt.Of([]CCChange{{UserID: opt.Of(src.RequesterID), Action: "put"}})
			}
			// Merges are writes like any other: business rules, webhooks,
			// partners and open browsers hear of them (via merge, id 19).
			if _, _, err := s.updateWith(ctx, a, target.ID, tin, writeOpts{hooks: true, via: mergeVia}); err != nil {
				return err
			}
			sc := m.SourceComment
			if sc == "" {
				sc = fmt.Sprintf("This request was closed and merged into request #%d \"%s\".", target.ID, target.Subject)
			}
			if _, _, err := s.updateWith(ctx, a, sid, Input{Status: opt.Of("closed"),
				Comment: opt.Of(CommentInput{Body: sc, Public: opt.Of(m.SourcePublic)})}, writeOpts{hooks: true, via: mergeVia}); err != nil {
				return err
			}
		}
		return nil
	})
}

// mergeVia is the channel of the writes a merge makes.
var mergeVia = Via{Channel: "merge", Source: json.RawMessage(`{"from":{},"to":{},"rel":"merge"}`)}

func (s *Service) lastComment(ctx context.Context, accountID, ticketID int64) string {
	var body string
	_ = s.d.Conn(ctx).QueryRowContext(ctx, `SELECT plain_body FROM ticket_comments WHERE account_id = $1 AND ticket_id = $2
		ORDER BY created_at DESC, id DESC LIMIT 1`, accountID, ticketID).Scan(&body)
	return body
}
