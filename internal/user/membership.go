package user

import (
	"context"
	"database/sql"
	"errors"
	"time"

	"parley/internal/auth"
	"parley/internal/platform/db"
	"parley/internal/platform/errs"
	"parley/internal/platform/opt"
)

// OrgMembership links a user to an organization; one per user is default
// and mirrors users.organization_id.
type OrgMembership struct {
	ID               int64
	AccountID        int64
	UserID           int64
	OrganizationID   int64
	OrganizationName string
	Default          bool
	ViewTickets      bool
	CreatedAt        time.Time
	UpdatedAt        time.Time
}

// Group is a team of agents.
type Group struct {
	ID          int64
	AccountID   int64
	Name        string
	Description string
	Default     bool
	Public      bool
	Deleted     bool
	CreatedAt   time.Time
	UpdatedAt   time.Time
}

// GroupMembership links an agent to a group; one per agent is default.
type GroupMembership struct {
	ID        int64
	AccountID int64
	UserID    int64
	GroupID   int64
	Default   bool
	CreatedAt time.Time
	UpdatedAt time.Time
}

// MembershipInput creates an organization or group membership.
type MembershipInput struct {
	UserID         opt.Opt[int64] `json:"user_id"`
	OrganizationID opt.Opt[int64] `json:"organization_id"`
	GroupID        opt.Opt[int64] `json:"group_id"`
	Default        opt.Opt[bool]  `json:"default"`
	ViewTickets    opt.Opt[bool]  `json:"view_tickets"`
}

// GroupInput creates or changes a group.
type GroupInput struct {
	Name        opt.Opt[string] `json:"name"`
	Description opt.Opt[string] `json:"description"`
	Default     opt.Opt[bool]   `json:"default"`
	IsPublic    opt.Opt[bool]   `json:"is_public"`
}

// --- organization memberships ---

const omCols = `m.id, m.account_id, m.user_id, m.organization_id, o.name, m.is_default, m.view_tickets, m.created_at, m.updated_at`

func scanOM(row interface{ Scan(...any) error }) (OrgMembership, error) {
	var m OrgMembership
	var ca, ua db.Time
	err := row.Scan(&m.ID, &m.AccountID, &m.UserID, &m.OrganizationID, &m.OrganizationName, &m.Default, &m.ViewTickets, &ca, &ua)
	if errors.Is(err, sql.ErrNoRows) {
		return m, errs.NotFoundf("Not found")
	}
	m.CreatedAt, m.UpdatedAt = ca.T, ua.T
	return m, err
}

func (s *Service) queryOMs(ctx context.Context, q string, args ...any) ([]OrgMembership, error) {
	rows, err := s.d.Conn(ctx).QueryContext(ctx, q, args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []OrgMembership
	for rows.Next() {
		m, err := scanOM(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, m)
	}
	return out, rows.Err()
}

// OMFilter narrows organization membership lists.
type OMFilter struct{ UserID, OrganizationID int64 }

// ListOrgMemberships lists memberships (agents; end users their own).
func (s *Service) ListOrgMemberships(ctx context.Context, f OMFilter, p db.Page) ([]OrgMembership, int64, bool, error) {
	a, err := auth.RequireUser(ctx)
	if err != nil {
		return nil, 0, false, err
	}
	if !a.IsAgent() {
		if f.UserID != 0 && f.UserID != a.UserID {
			return nil, 0, false, errs.E(errs.Forbidden, "")
		}
		f.UserID = a.UserID
	}
	args := []any{a.AccountID}
	where := `m.account_id = $1`
	if f.UserID != 0 {
		if _, err := s.userByID(ctx, a.AccountID, f.UserID); err != nil {
			return nil, 0, false, err
		}
		where += ` AND m.user_id = ` + db.Arg(&args, f.UserID)
	}
	if f.OrganizationID != 0 {
		if _, err := s.orgByID(ctx, a.AccountID, f.OrganizationID); err != nil {
			return nil, 0, false, err
		}
		where += ` AND m.organization_id = ` + db.Arg(&args, f.OrganizationID)
	}
	from := ` FROM organization_memberships m JOIN organizations o ON o.id = m.organization_id WHERE ` + where
	var total int64
	if !p.Keyset {
		if err := s.d.Conn(ctx).QueryRowContext(ctx, `SELECT count(*)`+from, args...).Scan(&total); err != nil {
			return nil, 0, false, err
		}
	}
	p.Alias, p.Sort = "m.", ""
	out, err := s.queryOMs(ctx, `SELECT `+omCols+from+p.Seek(&args)+p.OrderLimit(&args), args...)
	if err != nil {
		return nil, 0, false, err
	}
	out, more := db.Finish(p, out)
	return out, total, more, nil
}

// GetOrgMembership returns one membership.
func (s *Service) GetOrgMembership(ctx context.Context, id int64) (OrgMembership, error) {
	a, err := auth.RequireUser(ctx)
	if err != nil {
		return OrgMembership{}, err
	}
	ms, err := s.queryOMs(ctx, `SELECT `+omCols+` FROM organization_memberships m JOIN organizations o ON o.id = m.organization_id
		WHERE m.account_id = $1 AND m.id = $2`, a.AccountID, id)
	if err != nil {
		return OrgMembership{}, err
	}
	if len(ms) == 0 || (!a.IsAgent() && ms[0].UserID != a.UserID) {
		return OrgMembership{}, errs.NotFoundf("Not found")
	}
	return ms[0], nil
}

func (s *Service) omByPair(ctx context.Context, accountID, userID, orgID int64) (OrgMembership, error) {
	ms, err := s.queryOMs(ctx, `SELECT `+omCols+` FROM organization_memberships m JOIN organizations o ON o.id = m.organization_id
		WHERE m.account_id = $1 AND m.user_id = $2 AND m.organization_id = $3`, accountID, userID, orgID)
	if err != nil {
		return OrgMembership{}, err
	}
	if len(ms) == 0 {
		return OrgMembership{}, errs.NotFoundf("Not found")
	}
	return ms[0], nil
}

// canManageMember: admins always; agents for end users.
func (s *Service) canManageMember(ctx context.Context, a auth.Actor, userID int64) (User, error) {
	u, err := s.userByID(ctx, a.AccountID, userID)
	if err != nil {
		return u, errs.Invalidf("user_id", "InvalidValue", "User: does not exist")
	}
	if u.DeletedAt != nil {
		return u, errs.Invalidf("user_id", "InvalidValue", "User: does not exist")
	}
	if !a.IsAdmin() && (!a.IsAgent() || u.Role != auth.RoleEndUser) {
		return u, errs.E(errs.Forbidden, "")
	}
	return u, nil
}

// CreateOrgMembership adds a user to an organization. Adding an existing
// pair is 422, as in Zendesk.
func (s *Service) CreateOrgMembership(ctx context.Context, in MembershipInput) (OrgMembership, error) {
	a, err := auth.RequireAgent(ctx)
	if err != nil {
		return OrgMembership{}, err
	}
	var out OrgMembership
	err = s.d.InTx(ctx, func(ctx context.Context) error {
		var err error
		out, err = s.createOM(ctx, a, in)
		return err
	})
	return out, err
}

func (s *Service) createOM(ctx context.Context, a auth.Actor, in MembershipInput) (OrgMembership, error) {
	var v errs.Validation
	if !in.UserID.Has() {
		v.Add("user_id", "BlankValue", "User: cannot be blank")
	}
	if !in.OrganizationID.Has() {
		v.Add("organization_id", "BlankValue", "Organization: cannot be blank")
	}
	if err := v.Err(); err != nil {
		return OrgMembership{}, err
	}
	if _, err := s.canManageMember(ctx, a, in.UserID.V); err != nil {
		return OrgMembership{}, err
	}
	if _, err := s.orgByID(ctx, a.AccountID, in.OrganizationID.V); err != nil {
		return OrgMembership{}, errs.Invalidf("organization_id", "InvalidValue", "Organization: does not exist")
	}
	if _, err := s.omByPair(ctx, a.AccountID, in.UserID.V, in.OrganizationID.V); err == nil {
		return OrgMembership{}, errs.Invalidf("user_id", "DuplicateValue", "User: is already a member of this organization")
	}
	if err := s.addOrgMembership(ctx, a.AccountID, in.UserID.V, in.OrganizationID.V, in.Default.Or(false)); err != nil {
		return OrgMembership{}, err
	}
	if in.ViewTickets.Has() {
		if _, err := s.d.Conn(ctx).ExecContext(ctx, `UPDATE organization_memberships SET view_tickets = $1 WHERE account_id = $2
			AND user_id = $3 AND organization_id = $4`, in.ViewTickets.V, a.AccountID, in.UserID.V, in.OrganizationID.V); err != nil {
			return OrgMembership{}, err
		}
	}
	return s.omByPair(ctx, a.AccountID, in.UserID.V, in.OrganizationID.V)
}

// DeleteOrgMembership removes a membership by id.
func (s *Service) DeleteOrgMembership(ctx context.Context, id int64) error {
	a, err := auth.RequireAgent(ctx)
	if err != nil {
		return err
	}
	return s.d.InTx(ctx, func(ctx context.Context) error {
		m, err := s.GetOrgMembership(ctx, id)
		if err != nil {
			return err
		}
		if _, err := s.canManageMember(ctx, a, m.UserID); err != nil {
			return err
		}
		return s.removeOrgMembership(ctx, a.AccountID, m.UserID, m.OrganizationID)
	})
}

// RemoveUserFromOrg removes the (user, org) membership.
func (s *Service) RemoveUserFromOrg(ctx context.Context, userID, orgID int64) error {
	a, err := auth.RequireAgent(ctx)
	if err != nil {
		return err
	}
	return s.d.InTx(ctx, func(ctx context.Context) error {
		if _, err := s.canManageMember(ctx, a, userID); err != nil {
			if errs.Is(err, errs.Invalid) {
				return errs.NotFoundf("Not found")
			}
			return err
		}
		return s.removeOrgMembership(ctx, a.AccountID, userID, orgID)
	})
}

// MakeDefaultOrg makes (user, org) the user's default and returns the
// user's memberships.
func (s *Service) MakeDefaultOrg(ctx context.Context, userID, orgID int64) ([]OrgMembership, error) {
	a, err := auth.RequireUser(ctx)
	if err != nil {
		return nil, err
	}
	err = s.d.InTx(ctx, func(ctx context.Context) error {
		if a.UserID != userID {
			if _, err := s.canManageMember(ctx, a, userID); err != nil {
				if errs.Is(err, errs.Invalid) {
					return errs.NotFoundf("Not found")
				}
				return err
			}
		}
		if _, err := s.omByPair(ctx, a.AccountID, userID, orgID); err != nil {
			return err
		}
		return s.setDefaultOrg(ctx, a.AccountID, userID, orgID)
	})
	if err != nil {
		return nil, err
	}
	return s.queryOMs(ctx, `SELECT `+omCols+` FROM organization_memberships m JOIN organizations o ON o.id = m.organization_id
		WHERE m.account_id = $1 AND m.user_id = $2 ORDER BY m.id`, a.AccountID, userID)
}
