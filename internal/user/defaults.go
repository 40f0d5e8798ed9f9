package user

import (
	"context"
	"database/sql"
	"errors"

	"parley/internal/platform/db"
	"parley/internal/platform/errs"
)

// A user's organization memberships and group memberships follow one
// rule: the first membership is the default, exactly one is default, and
// the default is mirrored on the user (organization_id, default_group_id).
// membershipKind names the tables and columns of each; they are constants,
// never input.
type membershipKind struct {
	table  string // organization_memberships | group_memberships
	target string // organization_id | group_id
	mirror string // the users column holding the default
}

var (
	orgMemberships   = membershipKind{"organization_memberships", "organization_id", "organization_id"}
	groupMemberships = membershipKind{"group_memberships", "group_id", "default_group_id"}
)

// addMembership adds user to target (idempotent). makeDefault moves the
// user's default there; a user's first membership is always default.
func (s *Service) addMembership(ctx context.Context, k membershipKind, accountID, userID, target int64, makeDefault bool) error {
	c := s.d.Conn(ctx)
	var n int
	if err := c.QueryRowContext(ctx, `SELECT count(*) FROM `+k.table+` WHERE account_id = $1 AND user_id = $2`,
		accountID, userID).Scan(&n); err != nil {
		return err
	}
	now := s.now()
	if _, err := c.ExecContext(ctx, `INSERT INTO `+k.table+` (account_id, user_id, `+k.target+`, is_default, created_at, updated_at)
		VALUES ($1, $2, $3, FALSE, $4, $4) ON CONFLICT (account_id, user_id, `+k.target+`) DO NOTHING`,
		accountID, userID, target, now); err != nil {
		return db.Classify(err)
	}
	if makeDefault || n == 0 {
		return s.setDefaultMembership(ctx, k, accountID, userID, target)
	}
	return nil
}

// setDefaultMembership makes target the user's default and mirrors it.
func (s *Service) setDefaultMembership(ctx context.Context, k membershipKind, accountID, userID, target int64) error {
	c := s.d.Conn(ctx)
	now := s.now()
	if _, err := c.ExecContext(ctx, `UPDATE `+k.table+` SET is_default = (`+k.target+` = $1), updated_at = $2
		WHERE account_id = $3 AND user_id = $4`, target, now, accountID, userID); err != nil {
		return err
	}
	_, err := c.ExecContext(ctx, `UPDATE users SET `+k.mirror+` = $1, updated_at = $2 WHERE account_id = $3 AND id = $4`,
		target, now, accountID, userID)
	return err
}

// removeMembership removes user from target (NotFound when not a member);
// if it was the default, the oldest remaining membership becomes default.
func (s *Service) removeMembership(ctx context.Context, k membershipKind, accountID, userID, target int64) error {
	c := s.d.Conn(ctx)
	res, err := c.ExecContext(ctx, `DELETE FROM `+k.table+` WHERE account_id = $1 AND user_id = $2 AND `+k.target+` = $3`,
		accountID, userID, target)
	if err != nil {
		return err
	}
	if n, _ := res.RowsAffected(); n == 0 {
		return errs.NotFoundf("Not found")
	}
	var next sql.NullInt64
	err = c.QueryRowContext(ctx, `SELECT `+k.target+` FROM `+k.table+` WHERE account_id = $1 AND user_id = $2
		ORDER BY is_default DESC, id LIMIT 1`, accountID, userID).Scan(&next)
	if err != nil && !errors.Is(err, sql.ErrNoRows) {
		return err
	}
	if next.Valid {
		return s.setDefaultMembership(ctx, k, accountID, userID, next.Int64)
	}
	_, err = c.ExecContext(ctx, `UPDATE users SET `+k.mirror+` = NULL, updated_at = $1 WHERE account_id = $2 AND id = $3`,
		s.now(), accountID, userID)
	return err
}

func (s *Service) addOrgMembership(ctx context.Context, accountID, userID, orgID int64, makeDefault bool) error {
	return s.addMembership(ctx, orgMemberships, accountID, userID, orgID, makeDefault)
}

func (s *Service) setDefaultOrg(ctx context.Context, accountID, userID, orgID int64) error {
	return s.setDefaultMembership(ctx, orgMemberships, accountID, userID, orgID)
}

func (s *Service) removeOrgMembership(ctx context.Context, accountID, userID, orgID int64) error {
	return s.removeMembership(ctx, orgMemberships, accountID, userID, orgID)
}

func (s *Service) addGroupMembership(ctx context.Context, accountID, userID, groupID int64, makeDefault bool) error {
	return s.addMembership(ctx, groupMemberships, accountID, userID, groupID, makeDefault)
}

func (s *Service) setDefaultGroup(ctx context.Context, accountID, userID, groupID int64) error {
	return s.setDefaultMembership(ctx, groupMemberships, accountID, userID, groupID)
}

func (s *Service) removeGroupMembership(ctx context.Context, accountID, userID, groupID int64) error {
	return s.removeMembership(ctx, groupMemberships, accountID, userID, groupID)
}
