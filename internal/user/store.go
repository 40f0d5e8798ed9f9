package user

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

// userCols is every users column, in scanUser's order.
const userCols = `u.id, u.account_id, u.name, u.email, u.role, u.custom_role_id, u.is_owner, u.verified, u.active,
	u.suspended, u.external_id, u.alias, u.phone, u.shared_phone_number, u.time_zone, u.iana_time_zone, u.locale,
	u.organization_id, u.default_group_id, u.details, u.notes, u.signature, u.ticket_restriction,
	u.only_private_comments, u.restricted_agent, u.moderator, u.report_csv, u.shared, u.shared_agent, u.chat_only,
	u.two_factor_auth_enabled, u.remote_photo_url, u.user_fields, u.password_hash, u.last_login_at, u.created_at,
	u.updated_at, u.deleted_at`

// scanUser scans userCols, then any extra columns the query selects after
// them into extra.
func scanUser(row interface{ Scan(...any) error }, extra ...any) (User, error) {
	var u User
	var email, ext, alias, phone, tz, iana, loc, sig, tr, photo, pw sql.NullString
	var crid, org, grp sql.NullInt64
	var spn sql.NullBool
	var role, fields string
	var ll, ca, ua, da db.Time
	err := row.Scan(append([]any{&u.ID, &u.AccountID, &u.Name, &email, &role, &crid, &u.Owner, &u.Verified, &u.Active,
		&u.Suspended, &ext, &alias, &phone, &spn, &tz, &iana, &loc, &org, &grp, &u.Details, &u.Notes, &sig, &tr,
		&u.OnlyPrivateComments, &u.RestrictedAgent, &u.Moderator, &u.ReportCSV, &u.Shared, &u.SharedAgent,
		&u.ChatOnly, &u.TwoFactorAuth, &photo, &fields, &pw, &ll, &ca, &ua, &da}, extra...)...)
	if errors.Is(err, sql.ErrNoRows) {
		return u, errs.NotFoundf("Not found")
	}
	if err != nil {
		return u, err
	}
	u.Role = auth.Role(role)
	u.Email, u.ExternalID, u.Alias, u.Phone = nullStr(email), nullStr(ext), nullStr(alias), nullStr(phone)
	u.Signature, u.TicketRestriction, u.RemotePhotoURL = nullStr(sig), nullStr(tr), nullStr(photo)
	u.TimeZone, u.IANATimeZone, u.Locale, u.PasswordHash = tz.String, iana.String, loc.String, pw.String
	u.CustomRoleID, u.OrganizationID, u.DefaultGroupID = nullInt(crid), nullInt(org), nullInt(grp)
	if spn.Valid {
		u.SharedPhoneNumber = &spn.Bool
	}
	u.LastLoginAt, u.DeletedAt = ll.Ptr(), da.Ptr()
	u.CreatedAt, u.UpdatedAt = ca.T, ua.T
	u.Fields = map[string]any{}
	if fields != "" {
		if err := json.Unmarshal([]byte(fields), &u.Fields); err != nil {
			return u, err
		}
	}
	return u, nil
}

func nullInt(n sql.NullInt64) *int64 {
	if !n.Valid {
		return nil
	}
	v := n.Int64
	return &v
}

// queryUsers runs a users query and loads their tags.
func (s *Service) queryUsers(ctx context.Context, q string, args ...any) ([]User, error) {
	rows, err := s.d.Conn(ctx).QueryContext(ctx, q, args...)
	if err != nil {
		return nil, err
	}
	var out []User
	for rows.Next() {
		u, err := scanUser(rows)
		if err != nil {
			rows.Close()
			return nil, err
		}
		out = append(out, u)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return nil, err
	}
	return out, s.loadUserTags(ctx, out)
}

func (s *Service) loadUserTags(ctx context.Context, us []User) error {
	if len(us) == 0 {
		return nil
	}
	ids := make([]int64, len(us))
	idx := map[int64]int{}
	for i, u := range us {
		ids[i] = u.ID
		idx[u.ID] = i
		us[i].Tags = []string{}
	}
	args := []any{us[0].AccountID}
	rows, err := s.d.Conn(ctx).QueryContext(ctx, `SELECT user_id, tag FROM user_tags WHERE account_id = $1 AND user_id IN (`+
		db.Placeholders(&args, ids)+`) ORDER BY tag`, args...)
	if err != nil {
		return err
	}
	defer rows.Close()
	for rows.Next() {
		var id int64
		var tag string
		if err := rows.Scan(&id, &tag); err != nil {
			return err
		}
		us[idx[id]].Tags = append(us[idx[id]].Tags, tag)
	}
	return rows.Err()
}

// userByID loads one user of an account, deleted ones included.
func (s *Service) userByID(ctx context.Context, accountID, id int64) (User, error) {
	us, err := s.queryUsers(ctx, `SELECT `+userCols+` FROM users u WHERE u.account_id = $1 AND u.id = $2`, accountID, id)
	if err != nil {
		return User{}, err
	}
	if len(us) == 0 {
		return User{}, errs.NotFoundf("Not found")
	}
	return us[0], nil
}

// userByEmail finds the live user owning an email identity.
func (s *Service) userByEmail(ctx context.Context, accountID int64, email string) (User, error) {
	us, err := s.queryUsers(ctx, `SELECT `+userCols+` FROM users u JOIN user_identities i ON i.user_id = u.id
		WHERE i.account_id = $1 AND i.type = 'email' AND i.value_norm = $2 AND u.deleted_at IS NULL`,
		accountID, strings.ToLower(strings.TrimSpace(email)))
	if err != nil {
		return User{}, err
	}
	if len(us) == 0 {
		return User{}, errs.NotFoundf("Not found")
	}
	return us[0], nil
}

// userByExternalID finds a live user by external id, case-insensitively.
func (s *Service) userByExternalID(ctx context.Context, accountID int64, ext string) (User, error) {
	us, err := s.queryUsers(ctx, `SELECT `+userCols+` FROM users u WHERE u.account_id = $1 AND lower(u.external_id) = $2
		AND u.deleted_at IS NULL`, accountID, strings.ToLower(ext))
	if err != nil {
		return User{}, err
	}
	if len(us) == 0 {
		return User{}, errs.NotFoundf("Not found")
	}
	return us[0], nil
}

func (s *Service) insertUser(ctx context.Context, u User) (int64, error) {
	var id int64
	err := s.d.Conn(ctx).QueryRowContext(ctx, `INSERT INTO users (account_id, name, email, role, custom_role_id,
		is_owner, verified, active, suspended, external_id, alias, phone, shared_phone_number, time_zone, iana_time_zone,
		locale, organization_id, default_group_id, details, notes, signature, ticket_restriction, only_private_comments,
		restricted_agent, moderator, report_csv, shared, shared_agent, chat_only, two_factor_auth_enabled,
		remote_photo_url, user_fields, password_hash, last_login_at, created_at, updated_at, deleted_at)
		VALUES ($1,$2,$3,$4,$5,$6,$7,TRUE,$8,$9,$10,$11,$12,$13,$14,$15,NULL,NULL,$16,$17,$18,$19,$20,$21,$22,$23,$24,
		$25,$26,FALSE,$27,$28,$29,NULL,$30,$30,NULL) RETURNING id`,
		u.AccountID, u.Name, u.Email, string(u.Role), u.CustomRoleID, u.Owner, u.Verified, u.Suspended, u.ExternalID,
		u.Alias, u.Phone, u.SharedPhoneNumber, u.TimeZone, u.IANATimeZone, u.Locale, u.Details, u.Notes, u.Signature,
		u.TicketRestriction, u.OnlyPrivateComments, u.RestrictedAgent, u.Moderator, u.ReportCSV, u.Shared,
		u.SharedAgent, u.ChatOnly, u.RemotePhotoURL, fieldsJSON(u.Fields), nullIfEmpty(u.PasswordHash), u.CreatedAt).Scan(&id)
	return id, err
}

func nullIfEmpty(s string) any {
	if s == "" {
		return nil
	}
	return s
}

// saveUser writes every mutable column of u.
func (s *Service) saveUser(ctx context.Context, u User) error {
	_, err := s.d.Conn(ctx).ExecContext(ctx, `UPDATE users SET name = $1, email = $2, role = $3, custom_role_id = $4,
		is_owner = $5, verified = $6, active = $7, suspended = $8, external_id = $9, alias = $10, phone = $11,
		time_zone = $12, iana_time_zone = $13, locale = $14, organization_id = $15, default_group_id = $16,
		details = $17, notes = $18, signature = $19, ticket_restriction = $20, only_private_comments = $21,
		restricted_agent = $22, moderator = $23, report_csv = $24, shared = $25, shared_agent = $26, chat_only = $27,
		remote_photo_url = $28, user_fields = $29, password_hash = $30, updated_at = $31, deleted_at = $32
		WHERE account_id = $33 AND id = $34`,
		u.Name, u.Email, string(u.Role), u.CustomRoleID, u.Owner, u.Verified, u.Active, u.Suspended, u.ExternalID,
		u.Alias, u.Phone, u.TimeZone, u.IANATimeZone, u.Locale, u.OrganizationID, u.DefaultGroupID, u.Details, u.Notes,
		u.Signature, u.TicketRestriction, u.OnlyPrivateComments, u.RestrictedAgent, u.Moderator, u.ReportCSV, u.Shared,
		u.SharedAgent, u.ChatOnly, u.RemotePhotoURL, fieldsJSON(u.Fields), nullIfEmpty(u.PasswordHash), u.UpdatedAt,
		db.NullTime(u.DeletedAt), u.AccountID, u.ID)
	if err != nil {
		if db.IsUnique(err) {
			return errs.Invalidf("external_id", "DuplicateValue", "External: has already been taken")
		}
		return err
	}
	return nil
}

// setUserTags replaces a user's tags.
func (s *Service) setUserTags(ctx context.Context, accountID, userID int64, tags []string) error {
	c := s.d.Conn(ctx)
	if _, err := c.ExecContext(ctx, `DELETE FROM user_tags WHERE account_id = $1 AND user_id = $2`, accountID, userID); err != nil {
		return err
	}
	for _, t := range tags {
		if _, err := c.ExecContext(ctx, `INSERT INTO user_tags (account_id, user_id, tag) VALUES ($1, $2, $3)`, accountID, userID, t); err != nil {
			return err
		}
	}
	return nil
}

// --- identities ---

const identityCols = `id, account_id, user_id, type, value, verified, is_primary, undeliverable_count, deliverable_state, created_at, updated_at`

func scanIdentity(row interface{ Scan(...any) error }) (Identity, error) {
	var i Identity
	var ca, ua db.Time
	err := row.Scan(&i.ID, &i.AccountID, &i.UserID, &i.Type, &i.Value, &i.Verified, &i.Primary, &i.UndeliverableCount,
		&i.DeliverableState, &ca, &ua)
	if errors.Is(err, sql.ErrNoRows) {
		return i, errs.NotFoundf("Not found")
	}
	i.CreatedAt, i.UpdatedAt = ca.T, ua.T
	return i, err
}

func (s *Service) identities(ctx context.Context, accountID int64, userIDs []int64) ([]Identity, error) {
	if len(userIDs) == 0 {
		return nil, nil
	}
	args := []any{accountID}
	rows, err := s.d.Conn(ctx).QueryContext(ctx, `SELECT `+identityCols+` FROM user_identities WHERE account_id = $1
		AND user_id IN (`+db.Placeholders(&args, userIDs)+`) ORDER BY user_id, is_primary DESC, id`, args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []Identity
	for rows.Next() {
		i, err := scanIdentity(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, i)
	}
	return out, rows.Err()
}

func (s *Service) insertIdentity(ctx context.Context, i Identity) (Identity, error) {
	norm := i.Value
	if i.Type == "email" || i.Type == "twitter" || i.Type == "google" {
		norm = strings.ToLower(i.Value)
	}
	out, err := scanIdentity(s.d.Conn(ctx).QueryRowContext(ctx, `INSERT INTO user_identities (account_id, user_id, type,
		value, value_norm, verified, is_primary, undeliverable_count, deliverable_state, created_at, updated_at)
		VALUES ($1,$2,$3,$4,$5,$6,$7,0,'deliverable',$8,$8) RETURNING `+identityCols,
		i.AccountID, i.UserID, i.Type, i.Value, norm, i.Verified, i.Primary, i.CreatedAt))
	if err != nil && db.IsUnique(err) {
		if i.Type == "email" {
			return out, errs.Invalidf("email", "DuplicateValue", "Email: %s is already being used by another user", i.Value)
		}
		return out, errs.Invalidf("value", "DuplicateValue", "Value: %s is already being used by another user", i.Value)
	}
	return out, err
}

func dbUnique(err error) bool { return db.IsUnique(err) }
