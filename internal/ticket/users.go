package ticket

import (
	"context"

	"parley/internal/user"
)

// Users is the user room as People: the one conversion from users to
// the people tickets know, shared by the server's wiring and every test
// that builds a ticket service.
type Users struct{ U *user.Service }

func person(u user.User) Person {
	p := Person{ID: u.ID, Name: u.Name, Role: u.Role, OrganizationID: u.OrganizationID,
		DefaultGroupID: u.DefaultGroupID, Active: u.Active}
	if u.Email != nil {
		p.Email = *u.Email
	}
	return p
}

// Person returns a live user of the account.
func (p Users) Person(ctx context.Context, accountID, id int64) (Person, error) {
	b, err := p.U.LookupBrief(ctx, accountID, id)
	out := Person{ID: b.ID, Name: b.Name, Role: b.Role, OrganizationID: b.OrganizationID, DefaultGroupID: b.DefaultGroupID,
		Active: b.Active}
	if b.Email != nil {
		out.Email = *b.Email
	}
	return out, err
}

// PersonByEmail finds a live user by email.
func (p Users) PersonByEmail(ctx context.Context, accountID int64, email string) (Person, error) {
	u, err := p.U.LookupEmail(ctx, accountID, email)
	return person(u), err
}

// EnsureEndUser finds or creates an end user by email.
func (p Users) EnsureEndUser(ctx context.Context, accountID int64, name, email string) (Person, error) {
	u, err := p.U.EnsureEndUser(ctx, accountID, name, email)
	return person(u), err
}

// GroupMember reports whether the group exists and userID is in it.
func (p Users) GroupMember(ctx context.Context, accountID, groupID, userID int64) (bool, bool, error) {
	return p.U.GroupMember(ctx, accountID, groupID, userID)
}

// Suspend suspends an end user.
func (p Users) Suspend(ctx context.Context, accountID, userID int64) error {
	return p.U.Suspend(ctx, accountID, userID)
}

// OrganizationExists reports whether the organization exists.
func (p Users) OrganizationExists(ctx context.Context, accountID, orgID int64) (bool, error) {
	return p.U.OrganizationExists(ctx, accountID, orgID)
}
