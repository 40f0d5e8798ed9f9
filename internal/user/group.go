package user

import (
	"context"
	"database/sql"
	"errors"
	"strings"

	"parley/internal/auth"
	"parley/internal/platform/db"
	"parley/internal/platform/errs"
)

// --- groups ---

const groupCols = `id, account_id, name, description, is_default, is_public, deleted, created_at, updated_at`

func scanGroup(row interface{ Scan(...any) error }) (Group, error) {
	var g Group
	var ca, ua db.Time
	err := row.Scan(&g.ID, &g.AccountID, &g.Name, &g.Description, &g.Default, &g.Public, &g.Deleted, &ca, &ua)
	if errors.Is(err, sql.ErrNoRows) {
		return g, errs.NotFoundf("Not found")
	}
	g.CreatedAt, g.UpdatedAt = ca.T, ua.T
	return g, err
}

func (s *Service) queryGroups(ctx context.Context, q string, args ...any) ([]Group, error) {
	rows, err := s.d.Conn(ctx).QueryContext(ctx, q, args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []Group
	for rows.Next() {
		g, err := scanGroup(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, g)
	}
	return out, rows.Err()
}

// groupByID loads a live group.
func (s *Service) groupByID(ctx context.Context, accountID, id int64) (Group, error) {
	return scanGroup(s.d.Conn(ctx).QueryRowContext(ctx, `SELECT `+groupCols+` FROM groups WHERE account_id = $1 AND id = $2
		AND deleted = FALSE`, accountID, id))
}

func (s *Service) defaultGroup(ctx context.Context, accountID int64) (int64, bool, error) {
	var id int64
	err := s.d.Conn(ctx).QueryRowContext(ctx, `SELECT id FROM groups WHERE account_id = $1 AND is_default = TRUE
		AND deleted = FALSE ORDER BY id LIMIT 1`, accountID).Scan(&id)
	if errors.Is(err, sql.ErrNoRows) {
		return 0, false, nil
	}
	return id, err == nil, err
}

// GetGroup returns one group (agents).
func (s *Service) GetGroup(ctx context.Context, id int64) (Group, error) {
	a, err := auth.RequireAgent(ctx)
	if err != nil {
		return Group{}, err
	}
	return s.groupByID(ctx, a.AccountID, id)
}

// GroupFilter narrows group lists.
type GroupFilter struct {
	UserID     int64
	Assignable bool
	IDs        []int64
}

// ListGroups lists live groups (agents).
func (s *Service) ListGroups(ctx context.Context, f GroupFilter, p db.Page) ([]Group, int64, bool, error) {
	a, err := auth.RequireAgent(ctx)
	if err != nil {
		return nil, 0, false, err
	}
	args := []any{a.AccountID}
	where := `g.account_id = $1 AND g.deleted = FALSE`
	if f.UserID != 0 {
		if _, err := s.userByID(ctx, a.AccountID, f.UserID); err != nil {
			return nil, 0, false, err
		}
		where += ` AND EXISTS (SELECT 1 FROM group_memberships m WHERE m.account_id = g.account_id AND m.group_id = g.id
			AND m.user_id = ` + db.Arg(&args, f.UserID) + `)`
	}
	if f.Assignable {
		where += ` AND EXISTS (SELECT 1 FROM group_memberships m WHERE m.account_id = g.account_id AND m.group_id = g.id)`
	}
	if len(f.IDs) > 0 {
		where += ` AND g.id IN (` + db.Placeholders(&args, f.IDs) + `)`
	}
	var total int64
	if !p.Keyset {
		if err := s.d.Conn(ctx).QueryRowContext(ctx, `SELECT count(*) FROM groups g WHERE `+where, args...).Scan(&total); err != nil {
			return nil, 0, false, err
		}
	}
	p.Alias = "g."
	cols := strings.ReplaceAll("g."+groupCols, ", ", ", g.")
	out, err := s.queryGroups(ctx, `SELECT `+cols+` FROM groups g WHERE `+where+p.Seek(&args)+p.OrderLimit(&args), args...)
	if err != nil {
		return nil, 0, false, err
	}
	out, more := db.Finish(p, out)
	return out, total, more, nil
}

// CreateGroup creates a group (admins). Making it default clears the
// previous default.
func (s *Service) CreateGroup(ctx context.Context, in GroupInput) (Group, error) {
	a, err := auth.RequireAdmin(ctx)
	if err != nil {
		return Group{}, err
	}
	name := strings.TrimSpace(in.Name.V)
	if name == "" {
		return Group{}, errs.Invalidf("name", "BlankValue", "Name: cannot be blank")
	}
	var g Group
	err = s.d.InTx(ctx, func(ctx context.Context) error {
		var err error
		g, err = s.insertGroup(ctx, a.AccountID, name, in.Description.Or(""), in.Default.Or(false), in.IsPublic.Or(true))
		return err
	})
	return g, err
}

func (s *Service) insertGroup(ctx context.Context, accountID int64, name, desc string, def, public bool) (Group, error) {
	now := s.now()
	if def {
		if _, err := s.d.Conn(ctx).ExecContext(ctx, `UPDATE groups SET is_default = FALSE, updated_at = $1 WHERE account_id = $2
			AND is_default = TRUE`, now, accountID); err != nil {
			return Group{}, err
		}
	}
	return scanGroup(s.d.Conn(ctx).QueryRowContext(ctx, `INSERT INTO groups (account_id, name, description, is_default,
		is_public, deleted, created_at, updated_at) VALUES ($1,$2,$3,$4,$5,FALSE,$6,$6) RETURNING `+groupCols,
		accountID, name, desc, def, public, now))
}

// EnsureDefaultGroup creates the account's default group if it has none
// (bootstrap), returning its id.
func (s *Service) EnsureDefaultGroup(ctx context.Context, accountID int64, name string) (int64, error) {
	var id int64
	err := s.d.InTx(ctx, func(ctx context.Context) error {
		g, ok, err := s.defaultGroup(ctx, accountID)
		if err != nil || ok {
			id = g
			return err
		}
		grp, err := s.insertGroup(ctx, accountID, name, "", true, true)
		id = grp.ID
		return err
	})
	return id, err
}

// UpdateGroup changes a group (admins).
func (s *Service) UpdateGroup(ctx context.Context, id int64, in GroupInput) (Group, error) {
	a, err := auth.RequireAdmin(ctx)
	if err != nil {
		return Group{}, err
	}
	err = s.d.InTx(ctx, func(ctx context.Context) error {
		g, err := s.groupByID(ctx, a.AccountID, id)
		if err != nil {
			return err
		}
		if in.Name.Set {
			g.Name = strings.TrimSpace(in.Name.V)
			if g.Name == "" {
				return errs.Invalidf("name", "BlankValue", "Name: cannot be blank")
			}
		}
		if in.Description.Set {
			g.Description = in.Description.V
		}
		if in.IsPublic.Has() {
			g.Public = in.IsPublic.V
		}
		now := s.now()
		if in.Default.Has() && in.Default.V && !g.Default {
			if _, err := s.d.Conn(ctx).ExecContext(ctx, `UPDATE groups SET is_default = FALSE, updated_at = $1 WHERE account_id = $2
				AND is_default = TRUE`, now, a.AccountID); err != nil {
				return err
			}
			g.Default = true
		}
		_, err = s.d.Conn(ctx).ExecContext(ctx, `UPDATE groups SET name = $1, description = $2, is_public = $3, is_default = $4,
			updated_at = $5 WHERE account_id = $6 AND id = $7`, g.Name, g.Description, g.Public, g.Default, now, a.AccountID, id)
		return err
	})
	if err != nil {
		return Group{}, err
	}
	return s.groupByID(ctx, a.AccountID, id)
}

// DeleteGroup soft-deletes a group (admins) and ends its memberships. The
// default group cannot be deleted.
func (s *Service) DeleteGroup(ctx context.Context, id int64) error {
	a, err := auth.RequireAdmin(ctx)
	if err != nil {
		return err
	}
	return s.d.InTx(ctx, func(ctx context.Context) error {
		g, err := s.groupByID(ctx, a.AccountID, id)
		if err != nil {
			return err
		}
		if g.Default {
			return errs.Invalidf("base", "InvalidValue", "The default group cannot be deleted")
		}
		rows, err := s.d.Conn(ctx).QueryContext(ctx, `SELECT user_id FROM group_memberships WHERE account_id = $1 AND group_id = $2`, a.AccountID, id)
		if err != nil {
			return err
		}
		var users []int64
		for rows.Next() {
			var u int64
			if err := rows.Scan(&u); err != nil {
				rows.Close()
				return err
			}
			users = append(users, u)
		}
		rows.Close()
		for _, u := range users {
			if err := s.removeGroupMembership(ctx, a.AccountID, u, id); err != nil {
				return err
			}
		}
		_, err = s.d.Conn(ctx).ExecContext(ctx, `UPDATE groups SET deleted = TRUE, updated_at = $1 WHERE account_id = $2 AND id = $3`,
			s.now(), a.AccountID, id)
		return err
	})
}

// --- group memberships ---

const gmCols = `id, account_id, user_id, group_id, is_default, created_at, updated_at`

func scanGM(row interface{ Scan(...any) error }) (GroupMembership, error) {
	var m GroupMembership
	var ca, ua db.Time
	err := row.Scan(&m.ID, &m.AccountID, &m.UserID, &m.GroupID, &m.Default, &ca, &ua)
	if errors.Is(err, sql.ErrNoRows) {
		return m, errs.NotFoundf("Not found")
	}
	m.CreatedAt, m.UpdatedAt = ca.T, ua.T
	return m, err
}

func (s *Service) queryGMs(ctx context.Context, q string, args ...any) ([]GroupMembership, error) {
	rows, err := s.d.Conn(ctx).QueryContext(ctx, q, args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []GroupMembership
	for rows.Next() {
		m, err := scanGM(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, m)
	}
	return out, rows.Err()
}

// GMFilter narrows group membership lists.
type GMFilter struct {
	UserID, GroupID int64
	Assignable      bool
}

// ListGroupMemberships lists group memberships (agents).
func (s *Service) ListGroupMemberships(ctx context.Context, f GMFilter, p db.Page) ([]GroupMembership, int64, bool, error) {
	a, err := auth.RequireAgent(ctx)
	if err != nil {
		return nil, 0, false, err
	}
	args := []any{a.AccountID}
	where := `m.account_id = $1`
	if f.UserID != 0 {
		if _, err := s.userByID(ctx, a.AccountID, f.UserID); err != nil {
			return nil, 0, false, err
		}
		where += ` AND m.user_id = ` + db.Arg(&args, f.UserID)
	}
	if f.GroupID != 0 {
		if _, err := s.groupByID(ctx, a.AccountID, f.GroupID); err != nil {
			return nil, 0, false, err
		}
		where += ` AND m.group_id = ` + db.Arg(&args, f.GroupID)
	}
	var total int64
	if !p.Keyset {
		if err := s.d.Conn(ctx).QueryRowContext(ctx, `SELECT count(*) FROM group_memberships m WHERE `+where, args...).Scan(&total); err != nil {
			return nil, 0, false, err
		}
	}
	p.Alias, p.Sort = "m.", ""
	cols := strings.ReplaceAll("m."+gmCols, ", ", ", m.")
	out, err := s.queryGMs(ctx, `SELECT `+cols+` FROM group_memberships m WHERE `+where+p.Seek(&args)+p.OrderLimit(&args), args...)
	if err != nil {
		return nil, 0, false, err
	}
	out, more := db.Finish(p, out)
	return out, total, more, nil
}

// GetGroupMembership returns one group membership (agents).
func (s *Service) GetGroupMembership(ctx context.Context, id int64) (GroupMembership, error) {
	a, err := auth.RequireAgent(ctx)
	if err != nil {
		return GroupMembership{}, err
	}
	return scanGM(s.d.Conn(ctx).QueryRowContext(ctx, `SELECT `+gmCols+` FROM group_memberships WHERE account_id = $1 AND id = $2`, a.AccountID, id))
}

// CreateGroupMembership adds an agent to a group (admins).
func (s *Service) CreateGroupMembership(ctx context.Context, in MembershipInput) (GroupMembership, error) {
	a, err := auth.RequireAdmin(ctx)
	if err != nil {
		return GroupMembership{}, err
	}
	var out GroupMembership
	err = s.d.InTx(ctx, func(ctx context.Context) error {
		var err error
		out, err = s.createGM(ctx, a, in)
		return err
	})
	return out, err
}

func (s *Service) createGM(ctx context.Context, a auth.Actor, in MembershipInput) (GroupMembership, error) {
	var v errs.Validation
	if !in.UserID.Has() {
		v.Add("user_id", "BlankValue", "User: cannot be blank")
	}
	if !in.GroupID.Has() {
		v.Add("group_id", "BlankValue", "Group: cannot be blank")
	}
	if err := v.Err(); err != nil {
		return GroupMembership{}, err
	}
	u, err := s.userByID(ctx, a.AccountID, in.UserID.V)
	if err != nil || u.DeletedAt != nil {
		return GroupMembership{}, errs.Invalidf("user_id", "InvalidValue", "User: does not exist")
	}
	if u.Role == auth.RoleEndUser {
		return GroupMembership{}, errs.Invalidf("user_id", "InvalidValue", "User: only agents can be group members")
	}
	if _, err := s.groupByID(ctx, a.AccountID, in.GroupID.V); err != nil {
		return GroupMembership{}, errs.Invalidf("group_id", "InvalidValue", "Group: does not exist")
	}
	existing, err := s.queryGMs(ctx, `SELECT `+gmCols+` FROM group_memberships WHERE account_id = $1 AND user_id = $2 AND group_id = $3`,
		a.AccountID, in.UserID.V, in.GroupID.V)
	if err != nil {
		return GroupMembership{}, err
	}
	if len(existing) > 0 {
		return GroupMembership{}, errs.Invalidf("user_id", "DuplicateValue", "User: is already a member of this group")
	}
	if err := s.addGroupMembership(ctx, a.AccountID, in.UserID.V, in.GroupID.V, in.Default.Or(false)); err != nil {
		return GroupMembership{}, err
	}
	return scanGM(s.d.Conn(ctx).QueryRowContext(ctx, `SELECT `+gmCols+` FROM group_memberships WHERE account_id = $1
		AND user_id = $2 AND group_id = $3`, a.AccountID, in.UserID.V, in.GroupID.V))
}

// DeleteGroupMembership removes a group membership (admins).
func (s *Service) DeleteGroupMembership(ctx context.Context, id int64) error {
	a, err := auth.RequireAdmin(ctx)
	if err != nil {
		return err
	}
	return s.d.InTx(ctx, func(ctx context.Context) error {
		m, err := s.GetGroupMembership(ctx, id)
		if err != nil {
			return err
		}
		return s.removeGroupMembership(ctx, a.AccountID, m.UserID, m.GroupID)
	})
}

// MakeDefaultGroupMembership makes a membership the user's default
// (admins) and returns the user's memberships.
func (s *Service) MakeDefaultGroupMembership(ctx context.Context, userID, membershipID int64) ([]GroupMembership, error) {
	a, err := auth.RequireAdmin(ctx)
	if err != nil {
		return nil, err
	}
	err = s.d.InTx(ctx, func(ctx context.Context) error {
		m, err := s.GetGroupMembership(ctx, membershipID)
		if err != nil {
			return err
		}
		if m.UserID != userID {
			return errs.NotFoundf("Not found")
		}
		return s.setDefaultGroup(ctx, a.AccountID, userID, m.GroupID)
	})
	if err != nil {
		return nil, err
	}
	return s.queryGMs(ctx, `SELECT `+gmCols+` FROM group_memberships WHERE account_id = $1 AND user_id = $2 ORDER BY id`, a.AccountID, userID)
}
