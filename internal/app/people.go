package app

import (
	"context"

	"parley/internal/account"
	"parley/internal/auth"
	"parley/internal/rule"
	"parley/internal/ticket"
	"parley/internal/user"
)

// people adapts the user room to what the ticket room needs (the user
// room cannot import ticket types, so the conversion lives here).
type people struct{ u *user.Service }

func person(u user.User) ticket.Person {
	p := ticket.Person{ID: u.ID, Name: u.Name, Role: u.Role, OrganizationID: u.OrganizationID,
		DefaultGroupID: u.DefaultGroupID, Active: u.Active}
	if u.Email != nil {
		p.Email = *u.Email
	}
	return p
}

func (p people) Person(ctx context.Context, accountID, id int64) (ticket.Person, error) {
	u, err := p.u.Lookup(ctx, accountID, id)
	return person(u), err
}

func (p people) PersonByEmail(ctx context.Context, accountID int64, email string) (ticket.Person, error) {
	u, err := p.u.LookupEmail(ctx, accountID, email)
	return person(u), err
}

func (p people) EnsureEndUser(ctx context.Context, accountID int64, name, email string) (ticket.Person, error) {
	u, err := p.u.EnsureEndUser(ctx, accountID, name, email)
	return person(u), err
}

func (p people) GroupMember(ctx context.Context, accountID, groupID, userID int64) (bool, bool, error) {
	return p.u.GroupMember(ctx, accountID, groupID, userID)
}

func (p people) Suspend(ctx context.Context, accountID, userID int64) error {
	return p.u.Suspend(ctx, accountID, userID)
}

func (p people) OrganizationExists(ctx context.Context, accountID, orgID int64) (bool, error) {
	return p.u.OrganizationExists(ctx, accountID, orgID)
}

// accountSettings answers the account settings the ticket room reads.
type accountSettings struct{ a *account.Service }

func (s accountSettings) SecureDownloads(ctx context.Context, accountID int64) (bool, error) {
	acct, err := s.a.ByID(ctx, accountID)
	return acct.Settings.SecureUploads, err
}

// UserFacts gives triggers a user's role and locale id.
func (p people) UserFacts(ctx context.Context, accountID, userID int64) (string, int64, error) {
	u, err := p.u.Lookup(ctx, accountID, userID)
	if err != nil {
		return "", 0, err
	}
	loc := u.Locale
	return string(u.Role), rule.LocaleID(&loc), nil
}

// Author names a comment's author for webhook events.
func (p people) Author(ctx context.Context, accountID, userID int64) (string, bool, error) {
	u, err := p.u.Lookup(ctx, accountID, userID)
	if err != nil {
		return "", false, err
	}
	return u.Name, u.Role == auth.RoleAgent || u.Role == auth.RoleAdmin, nil
}
