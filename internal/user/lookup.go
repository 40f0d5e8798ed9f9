package user

import (
	"context"
	"database/sql"
	"errors"
	"strings"

	"parley/internal/auth"
	"parley/internal/platform/db"
	"parley/internal/platform/errs"
	"parley/internal/platform/httpx"
	"parley/internal/platform/opt"
)

// Lookups for other rooms (tickets). They check no permissions: the
// calling room has already decided the actor may act on the ticket.

// Lookup returns a live user of the account (NotFound for deleted ones).
func (s *Service) Lookup(ctx context.Context, accountID, id int64) (User, error) {
	u, err := s.userByID(ctx, accountID, id)
	if err == nil && u.DeletedAt != nil {
		return User{}, errs.NotFoundf("Not found")
	}
	return u, err
}

// LookupEmail returns the live user owning an email.
func (s *Service) LookupEmail(ctx context.Context, accountID int64, email string) (User, error) {
	return s.userByEmail(ctx, accountID, email)
}

// EnsureEndUser returns the user with email, creating an end user when
// there is none (a ticket's requester or CC given by address). It joins
// the caller's transaction. A malformed email is Invalid.
func (s *Service) EnsureEndUser(ctx context.Context, accountID int64, name, email string) (User, error) {
	email = strings.TrimSpace(email)
	if _, ok := normEmail(email); !ok {
		return User{}, errs.Invalidf("email", "InvalidValue", "Email: %s is not properly formatted", email)
	}
	if u, err := s.userByEmail(ctx, accountID, email); err == nil {
		return u, nil
	} else if !errs.Is(err, errs.NotFound) {
		return User{}, err
	}
	if strings.TrimSpace(name) == "" {
		name = email[:strings.Index(email, "@")]
	}
	var id int64
	err := s.d.InTx(ctx, func(ctx context.Context) error {
		sys := auth.Actor{AccountID: accountID, Role: auth.RoleAdmin, Method: "system"}
		var err error
		id, err = s.createUser(ctx, sys, Input{Name: opt.Of(name), Email: opt.Of(email)})
		return err
	})
	if err != nil {
		return User{}, err
	}
	return s.userByID(ctx, accountID, id)
}

// CreatePlaceholder makes the stand-in for a partner's person on a shared
// ticket (seed 003): an end user with no email or phone, marked shared (and
// shared_agent for the partner's staff), even when a user of the same name
// exists. Placeholders cannot be deleted. It joins the caller's transaction.
func (s *Service) CreatePlaceholder(ctx context.Context, accountID int64, name string, agent bool) (User, error) {
	name = strings.TrimSpace(name)
	if name == "" {
		name = "Shared user"
	}
	if r := []rune(name); len(r) > 255 {
		name = string(r[:255])
	}
	var id int64
	err := s.d.InTx(ctx, func(ctx context.Context) error {
		sys := auth.Actor{AccountID: accountID, Role: auth.RoleAdmin, Method: "system"}
		var err error
		id, err = s.createUser(ctx, sys, Input{Name: opt.Of(name), Shared: opt.Of(true), SharedAgent: opt.Of(agent)})
		return err
	})
	if err != nil {
		return User{}, err
	}
	return s.userByID(ctx, accountID, id)
}

// systemOnly drops what only Parley itself sets: whether a user is a
// ticket-sharing placeholder (API clients read shared and shared_agent).
func systemOnly(a auth.Actor, in Input) Input {
	if a.Method != "system" {
		in.Shared, in.SharedAgent = opt.Opt[bool]{}, opt.Opt[bool]{}
	}
	return in
}

// GroupMember reports whether a live group exists and, for userID > 0,
// whether the user belongs to it.
func (s *Service) GroupMember(ctx context.Context, accountID, groupID, userID int64) (bool, bool, error) {
	if _, err := s.groupByID(ctx, accountID, groupID); errs.Is(err, errs.NotFound) {
		return false, false, nil
	} else if err != nil {
		return false, false, err
	}
	if userID == 0 {
		return true, false, nil
	}
	var one int
	err := s.d.Conn(ctx).QueryRowContext(ctx, `SELECT 1 FROM group_memberships WHERE account_id = $1 AND group_id = $2
		AND user_id = $3`, accountID, groupID, userID).Scan(&one)
	if errors.Is(err, sql.ErrNoRows) {
		return true, false, nil
	}
	return true, err == nil, err
}

// OrganizationExists reports whether a live organization exists.
func (s *Service) OrganizationExists(ctx context.Context, accountID, orgID int64) (bool, error) {
	_, err := s.orgByID(ctx, accountID, orgID)
	if errs.Is(err, errs.NotFound) {
		return false, nil
	}
	return err == nil, err
}

// UsersJSON renders the live users with the given ids, in id order, in
// the Zendesk user shape (other rooms list users hanging off their records).
func (s *Service) UsersJSON(ctx context.Context, accountID int64, ids []int64) ([]httpx.M, error) {
	out := []httpx.M{}
	if len(ids) == 0 {
		return out, nil
	}
	args := []any{}
	us, err := s.queryUsers(ctx, `SELECT `+userCols+` FROM users u WHERE `+s.userWhere(accountID, Filter{IDs: ids}, &args)+
		` ORDER BY u.id`, args...)
	if err != nil {
		return nil, err
	}
	rd := s.renderer(ctx, accountID)
	for _, u := range us {
		out = append(out, rd.user(u))
	}
	return out, nil
}

// Suspend suspends a user (mark as spam); the owner cannot be suspended.
func (s *Service) Suspend(ctx context.Context, accountID, id int64) error {
	return s.d.InTx(ctx, func(ctx context.Context) error {
		u, err := s.Lookup(ctx, accountID, id)
		if err != nil {
			return err
		}
		if u.Owner || u.Role != auth.RoleEndUser {
			return errs.Invalidf("requester", "InvalidValue", "Only end users can be suspended as spammers")
		}
		u.Suspended, u.UpdatedAt = true, s.now()
		return s.saveUser(ctx, u)
	})
}

// OrganizationsJSON renders the live organizations with the given ids.
func (s *Service) OrganizationsJSON(ctx context.Context, accountID int64, ids []int64) ([]httpx.M, error) {
	if len(ids) == 0 {
		return []httpx.M{}, nil
	}
	args := []any{}
	os, err := s.queryOrgs(ctx, `SELECT `+orgCols+` FROM organizations o WHERE `+orgWhere(accountID, OrgFilter{IDs: ids}, &args)+
		` ORDER BY o.id`, args...)
	if err != nil {
		return nil, err
	}
	return s.RenderOrganizations(ctx, accountID, os), nil
}

// GroupsJSON renders the live groups with the given ids.
func (s *Service) GroupsJSON(ctx context.Context, accountID int64, ids []int64) ([]httpx.M, error) {
	out := []httpx.M{}
	if len(ids) == 0 {
		return out, nil
	}
	args := []any{accountID}
	gs, err := s.queryGroups(ctx, `SELECT `+groupCols+` FROM groups WHERE account_id = $1 AND deleted = FALSE AND id IN (`+
		db.Placeholders(&args, ids)+`) ORDER BY id`, args...)
	if err != nil {
		return nil, err
	}
	for _, g := range gs {
		out = append(out, groupJSON(ctx, g))
	}
	return out, nil
}

// Brief is what other rooms check of a user they point at (a ticket's
// requester, submitter or assignee).
type Brief struct {
	ID             int64
	Name           string
	Email          *string
	Role           auth.Role
	OrganizationID *int64
	DefaultGroupID *int64
	Active         bool
}

// LookupBrief returns a live user's Brief in one narrow read: Lookup's
// full row and tags were 5% of the server's CPU under ticket create,
// inside the single SQLite writer's transaction.
func (s *Service) LookupBrief(ctx context.Context, accountID, id int64) (Brief, error) {
	var b Brief
	var role string
	var email sql.NullString
	var org, grp sql.NullInt64
	err := s.d.Conn(ctx).QueryRowContext(ctx, `SELECT id, name, email, role, organization_id, default_group_id, active
		FROM users WHERE account_id = $1 AND id = $2 AND deleted_at IS NULL`, accountID, id).
		Scan(&b.ID, &b.Name, &email, &role, &org, &grp, &b.Active)
	if errors.Is(err, sql.ErrNoRows) {
		return Brief{}, errs.NotFoundf("Not found")
	}
	if err != nil {
		return Brief{}, err
	}
	b.Role, b.Email, b.OrganizationID, b.DefaultGroupID = auth.Role(role), nullStr(email), nullInt(org), nullInt(grp)
	return b, nil
}
