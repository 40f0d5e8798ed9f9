package share

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"time"

	"parley/internal/platform/db"
	"parley/internal/platform/errs"
)

const agreementCols = `id, account_id, uuid, direction, name, status, remote_account_id, remote_subdomain, remote_url,
	partner_name, local_url, access_key, allows_public_comments, sync_tags, sync_custom_fields, deactivated_by, auto_declined, failure,
	created_at, updated_at`

func (s *Service) scanAgreement(row interface{ Scan(...any) error }) (Agreement, error) {
	var a Agreement
	var rid sql.NullInt64
	var rsub, deact, fail, pname sql.NullString
	var sealed string
	var ca, ua db.Time
	err := row.Scan(&a.ID, &a.AccountID, &a.UUID, &a.Direction, &a.Name, &a.Status, &rid, &rsub, &a.RemoteURL,
		&pname, &a.LocalURL, &sealed, &a.AllowsPublicComments, &a.SyncTags, &a.SyncCustomFields, &deact, &a.AutoDeclined, &fail,
		&ca, &ua)
	if errors.Is(err, sql.ErrNoRows) {
		return a, errs.NotFoundf("Not found")
	}
	if err != nil {
		return a, err
	}
	if rid.Valid {
		a.RemoteAccountID = &rid.Int64
	}
	if rsub.Valid {
		a.RemoteSubdomain = &rsub.String
	}
	if pname.Valid {
		a.PartnerName = &pname.String
	}
	if deact.Valid {
		a.DeactivatedBy = &deact.String
	}
	if fail.Valid {
		a.Failure = &fail.String
	}
	a.CreatedAt, a.UpdatedAt = ca.T, ua.T
	if a.AccessKey, err = s.box.Open(a.UUID, sealed); err != nil {
		return a, err
	}
	return a, nil
}

func (s *Service) insertAgreement(ctx context.Context, a *Agreement) error {
	return s.d.Conn(ctx).QueryRowContext(ctx, `INSERT INTO sharing_agreements (account_id, uuid, direction, name, status,
		remote_account_id, remote_subdomain, remote_url, local_url, access_key, allows_public_comments, sync_tags,
		sync_custom_fields, deactivated_by, auto_declined, created_at, updated_at, partner_name)
		VALUES ($1,$2,$3,$4,$5,$6,$7,$8,$9,$10,$11,$12,$13,$14,$15,$16,$16,$17) RETURNING id`,
		a.AccountID, a.UUID, a.Direction, a.Name, a.Status, a.RemoteAccountID, a.RemoteSubdomain, a.RemoteURL, a.LocalURL,
		s.box.Seal(a.UUID, a.AccessKey), a.AllowsPublicComments, a.SyncTags, a.SyncCustomFields, a.DeactivatedBy,
		a.AutoDeclined, a.CreatedAt, a.PartnerName).Scan(&a.ID)
}

// saveAgreement writes the mutable parts of a.
func (s *Service) saveAgreement(ctx context.Context, a Agreement) error {
	_, err := s.d.Conn(ctx).ExecContext(ctx, `UPDATE sharing_agreements SET name = $1, status = $2, remote_url = $3,
		deactivated_by = $4, failure = $5, remote_subdomain = $6, updated_at = $7 WHERE account_id = $8 AND id = $9`,
		a.Name, a.Status, a.RemoteURL, a.DeactivatedBy, a.Failure, a.RemoteSubdomain, a.UpdatedAt, a.AccountID, a.ID)
	return err
}

func (s *Service) agreement(ctx context.Context, accountID, id int64) (Agreement, error) {
	return s.scanAgreement(s.d.Conn(ctx).QueryRowContext(ctx, `SELECT `+agreementCols+` FROM sharing_agreements
		WHERE account_id = $1 AND id = $2 AND deleted_at IS NULL`, accountID, id))
}

func (s *Service) agreementByUUID(ctx context.Context, accountID int64, uuid string) (Agreement, error) {
	return s.scanAgreement(s.d.Conn(ctx).QueryRowContext(ctx, `SELECT `+agreementCols+` FROM sharing_agreements
		WHERE account_id = $1 AND uuid = $2 AND deleted_at IS NULL`, accountID, uuid))
}

// agreements lists an account's agreements, newest last.
func (s *Service) agreements(ctx context.Context, accountID int64) ([]Agreement, error) {
	rows, err := s.d.Conn(ctx).QueryContext(ctx, `SELECT `+agreementCols+` FROM sharing_agreements
		WHERE account_id = $1 AND deleted_at IS NULL ORDER BY id`, accountID)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []Agreement
	for rows.Next() {
		a, err := s.scanAgreement(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, a)
	}
	return out, rows.Err()
}

const shareCols = `id, account_id, ticket_id, agreement_id, uuid, direction, original_id, status, tags, created_audit_id`

func scanShare(row interface{ Scan(...any) error }) (Share, error) {
	var sh Share
	var orig, audit sql.NullInt64
	var tags string
	err := row.Scan(&sh.ID, &sh.AccountID, &sh.TicketID, &sh.AgreementID, &sh.UUID, &sh.Direction, &orig, &sh.Status,
		&tags, &audit)
	if errors.Is(err, sql.ErrNoRows) {
		return sh, errs.NotFoundf("Not found")
	}
	if err != nil {
		return sh, err
	}
	if orig.Valid {
		sh.OriginalID = &orig.Int64
	}
	if audit.Valid {
		sh.CreatedAuditID = &audit.Int64
	}
	if err := json.Unmarshal([]byte(tags), &sh.Tags); err != nil {
		return sh, err
	}
	return sh, nil
}

func (s *Service) insertShare(ctx context.Context, sh *Share, now time.Time) error {
	tags, _ := json.Marshal(nonNil(sh.Tags))
	return s.d.Conn(ctx).QueryRowContext(ctx, `INSERT INTO ticket_shares (account_id, ticket_id, agreement_id, uuid, direction,
		original_id, status, tags, created_audit_id, created_at, updated_at) VALUES ($1,$2,$3,$4,$5,$6,$7,$8,$9,$10,$10)
		RETURNING id`, sh.AccountID, sh.TicketID, sh.AgreementID, sh.UUID, sh.Direction, sh.OriginalID, sh.Status,
		string(tags), sh.CreatedAuditID, now).Scan(&sh.ID)
}

func (s *Service) saveShare(ctx context.Context, sh Share, now time.Time) error {
	tags, _ := json.Marshal(nonNil(sh.Tags))
	_, err := s.d.Conn(ctx).ExecContext(ctx, `UPDATE ticket_shares SET status = $1, tags = $2, uuid = $3, updated_at = $4
		WHERE account_id = $5 AND id = $6`, sh.Status, string(tags), sh.UUID, now, sh.AccountID, sh.ID)
	return err
}

// ticketShares lists the active shares of a ticket.
func (s *Service) ticketShares(ctx context.Context, accountID, ticketID int64) ([]Share, error) {
	rows, err := s.d.Conn(ctx).QueryContext(ctx, `SELECT `+shareCols+` FROM ticket_shares
		WHERE account_id = $1 AND ticket_id = $2 AND status = 'active' ORDER BY id`, accountID, ticketID)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []Share
	for rows.Next() {
		sh, err := scanShare(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, sh)
	}
	return out, rows.Err()
}

func (s *Service) shareByUUID(ctx context.Context, accountID, agreementID int64, uuid string) (Share, error) {
	return scanShare(s.d.Conn(ctx).QueryRowContext(ctx, `SELECT `+shareCols+` FROM ticket_shares
		WHERE account_id = $1 AND agreement_id = $2 AND uuid = $3`, accountID, agreementID, uuid))
}

// actorUser returns the placeholder standing for a partner's person.
func (s *Service) actorUser(ctx context.Context, accountID, agreementID int64, uuid string) (int64, bool, error) {
	var id int64
	err := s.d.Conn(ctx).QueryRowContext(ctx, `SELECT user_id FROM sharing_actors WHERE account_id = $1
		AND agreement_id = $2 AND uuid = $3`, accountID, agreementID, uuid).Scan(&id)
	if errors.Is(err, sql.ErrNoRows) {
		return 0, false, nil
	}
	return id, err == nil, err
}

// userUUID is what a partner knows one of our users by: the partner's own
// uuid for a placeholder, else one made from our sharing URL.
func (s *Service) userUUID(ctx context.Context, a Agreement, userID int64) (string, error) {
	var uuid string
	err := s.d.Conn(ctx).QueryRowContext(ctx, `SELECT uuid FROM sharing_actors WHERE account_id = $1 AND user_id = $2
		ORDER BY agreement_id LIMIT 1`, a.AccountID, userID).Scan(&uuid)
	if errors.Is(err, sql.ErrNoRows) {
		return UUID(a.LocalURL, "users", userID), nil
	}
	return uuid, err
}

// commentUUIDs maps a ticket's comments to their uuids and the share each
// arrived through (0: written here).
func (s *Service) commentUUIDs(ctx context.Context, accountID, ticketID int64) (map[int64]string, map[int64]int64, error) {
	rows, err := s.d.Conn(ctx).QueryContext(ctx, `SELECT comment_id, uuid, share_id FROM sharing_comments
		WHERE account_id = $1 AND ticket_id = $2`, accountID, ticketID)
	if err != nil {
		return nil, nil, err
	}
	defer rows.Close()
	uuids, via := map[int64]string{}, map[int64]int64{}
	for rows.Next() {
		var cid int64
		var uuid string
		var sh sql.NullInt64
		if err := rows.Scan(&cid, &uuid, &sh); err != nil {
			return nil, nil, err
		}
		uuids[cid], via[cid] = uuid, sh.Int64
	}
	return uuids, via, rows.Err()
}

func (s *Service) hasComment(ctx context.Context, accountID, ticketID int64, uuid string) (bool, error) {
	var n int
	err := s.d.Conn(ctx).QueryRowContext(ctx, `SELECT count(*) FROM sharing_comments WHERE account_id = $1
		AND ticket_id = $2 AND uuid = $3`, accountID, ticketID, uuid).Scan(&n)
	return n > 0, err
}

func (s *Service) insertComment(ctx context.Context, accountID, ticketID int64, uuid string, commentID int64, shareID *int64) error {
	_, err := s.d.Conn(ctx).ExecContext(ctx, `INSERT INTO sharing_comments (account_id, ticket_id, uuid, comment_id, share_id)
		VALUES ($1,$2,$3,$4,$5)`, accountID, ticketID, uuid, commentID, shareID)
	return err
}

func nonNil(ss []string) []string {
	if ss == nil {
		return []string{}
	}
	return ss
}
