package user

import (
	"context"
	"strings"
	"time"

	"parley/internal/auth"
	"parley/internal/platform/errs"
)

// Incremental exports walk records by (updated_at, id) through the
// (account_id, updated_at, id) index; deleted records are included so that
// consumers learn about deletions.

// ExportUsersSince returns up to limit users with updated_at >= since. To
// keep time-based paging from looping, a page never ends inside a second:
// records sharing the last second are all included.
func (s *Service) ExportUsersSince(ctx context.Context, since time.Time, limit int) ([]User, bool, error) {
	a, err := auth.RequireAdmin(ctx)
	if err != nil {
		return nil, false, err
	}
	us, err := s.queryUsers(ctx, `SELECT `+userCols+` FROM users u WHERE u.account_id = $1 AND u.updated_at >= $2
		ORDER BY u.updated_at, u.id LIMIT $3`, a.AccountID, since, limit+1)
	if err != nil {
		return nil, false, err
	}
	if len(us) <= limit {
		return us, true, nil
	}
	last := us[limit-1].UpdatedAt.Truncate(time.Second)
	us = us[:limit]
	rest, err := s.queryUsers(ctx, `SELECT `+userCols+` FROM users u WHERE u.account_id = $1 AND u.updated_at >= $2
		AND u.updated_at < $3 AND u.updated_at >= $4 AND (u.updated_at > $4 OR (u.updated_at = $4 AND u.id > $5)) ORDER BY u.updated_at, u.id`,
		a.AccountID, last, last.Add(time.Second), us[limit-1].UpdatedAt, us[limit-1].ID)
	if err != nil {
		return nil, false, err
	}
	return append(us, rest...), false, nil
}

// ExportUsersAfter returns up to limit users strictly after the (updated_at,
// id) position, for cursor-based export.
func (s *Service) ExportUsersAfter(ctx context.Context, at time.Time, id int64, limit int) ([]User, bool, error) {
	a, err := auth.RequireAdmin(ctx)
	if err != nil {
		return nil, false, err
	}
	us, err := s.queryUsers(ctx, `SELECT `+userCols+` FROM users u WHERE u.account_id = $1
		AND u.updated_at >= $2 AND (u.updated_at > $2 OR (u.updated_at = $2 AND u.id > $3)) ORDER BY u.updated_at, u.id LIMIT $4`,
		a.AccountID, at, id, limit+1)
	if err != nil {
		return nil, false, err
	}
	if len(us) > limit {
		return us[:limit], false, nil
	}
	return us, true, nil
}

// ExportOrganizationsSince is ExportUsersSince for organizations.
func (s *Service) ExportOrganizationsSince(ctx context.Context, since time.Time, limit int) ([]Organization, bool, error) {
	a, err := auth.RequireAdmin(ctx)
	if err != nil {
		return nil, false, err
	}
	os, err := s.queryOrgs(ctx, `SELECT `+orgCols+` FROM organizations o WHERE o.account_id = $1 AND o.updated_at >= $2
		ORDER BY o.updated_at, o.id LIMIT $3`, a.AccountID, since, limit+1)
	if err != nil {
		return nil, false, err
	}
	if len(os) <= limit {
		return os, true, nil
	}
	last := os[limit-1].UpdatedAt.Truncate(time.Second)
	os = os[:limit]
	rest, err := s.queryOrgs(ctx, `SELECT `+orgCols+` FROM organizations o WHERE o.account_id = $1 AND o.updated_at >= $2
		AND o.updated_at < $3 AND o.updated_at >= $4 AND (o.updated_at > $4 OR (o.updated_at = $4 AND o.id > $5)) ORDER BY o.updated_at, o.id`,
		a.AccountID, last, last.Add(time.Second), os[limit-1].UpdatedAt, os[limit-1].ID)
	if err != nil {
		return nil, false, err
	}
	return append(os, rest...), false, nil
}

// Owner describes the account owner created at bootstrap.
type Owner struct {
	Name         string
	Email        string
	Password     string
	PasswordHash string
}

// Bootstrap gives a new account its default group, default custom roles
// and owner admin. It is an operator action (no caller check) and returns
// the owner's id.
func (s *Service) Bootstrap(ctx context.Context, accountID int64, o Owner) (int64, error) {
	sys := auth.Actor{AccountID: accountID, Role: auth.RoleAdmin, Method: "system"}
	var id int64
	err := s.d.InTx(ctx, func(ctx context.Context) error {
		if _, err := s.EnsureDefaultGroup(ctx, accountID, "Support"); err != nil {
			return err
		}
		if err := s.EnsureDefaultRoles(ctx, accountID); err != nil {
			return err
		}
		name := strings.TrimSpace(o.Name)
		if name == "" {
			name = "Admin"
		}
		in := Input{}
		in.Name.Set, in.Name.V = true, name
		in.Email.Set, in.Email.V = true, o.Email
		in.Role.Set, in.Role.V = true, string(auth.RoleAdmin)
		in.Verified.Set, in.Verified.V = true, true
		if o.Password != "" {
			in.Password.Set, in.Password.V = true, o.Password
		}
		var err error
		id, err = s.createUser(ctx, sys, in)
		if err != nil {
			return err
		}
		if o.PasswordHash != "" {
			if _, err := s.d.Conn(ctx).ExecContext(ctx, `UPDATE users SET password_hash = $1 WHERE account_id = $2 AND id = $3`,
				o.PasswordHash, accountID, id); err != nil {
				return err
			}
		}
		_, err = s.d.Conn(ctx).ExecContext(ctx, `UPDATE users SET is_owner = TRUE WHERE account_id = $1 AND id = $2`, accountID, id)
		return err
	})
	return id, err
}

// SystemActor returns an admin actor for operator tasks on an account
// (demo data, CLI), acting as the given user.
func (s *Service) SystemActor(ctx context.Context, accountID int64, email string) (auth.Actor, error) {
	u, err := s.userByEmail(ctx, accountID, email)
	if err != nil {
		return auth.Actor{}, errs.NotFoundf("No user with email %s in this account", email)
	}
	a := u.Actor()
	a.Method = "system"
	return a, nil
}
