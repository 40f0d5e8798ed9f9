package notify

import (
	"bytes"
	"context"

	"parley/internal/account"
	"parley/internal/auth"
	"parley/internal/platform/db"
	"parley/internal/platform/errs"
	"parley/internal/ticket"
	"parley/internal/user"
)

// Ready-made implementations of the interfaces above over the rooms below
// this one, so wiring is one line each. They act as the account's system
// actor; callers have already decided mail may be sent or received.

// AccountDirectory adapts the account room.
func AccountDirectory(a *account.Service) Accounts { return accounts{a} }

type accounts struct{ a *account.Service }

func (x accounts) AccountBySubdomain(ctx context.Context, sub string) (Account, error) {
	a, err := x.a.BySubdomain(ctx, sub)
	return Account{ID: a.ID, Subdomain: a.Subdomain, Name: a.Name}, err
}

func (x accounts) AccountByID(ctx context.Context, id int64) (Account, error) {
	a, err := x.a.ByID(ctx, id)
	return Account{ID: a.ID, Subdomain: a.Subdomain, Name: a.Name}, err
}

// UserDirectory adapts the user room.
func UserDirectory(u *user.Service) People { return people{u} }

type people struct{ u *user.Service }

func personOf(u user.User) Person {
	p := Person{ID: u.ID, Name: u.Name, Role: u.Role, Suspended: u.Suspended}
	if u.Email != nil {
		p.Email = *u.Email
	}
	return p
}

func sys(ctx context.Context, accountID int64) context.Context {
	return auth.System(ctx, ticket.SystemActor(accountID))
}

func (x people) Person(ctx context.Context, accountID, id int64) (Person, error) {
	u, err := x.u.Lookup(ctx, accountID, id)
	return personOf(u), err
}

func (x people) EnsureEndUser(ctx context.Context, accountID int64, name, email string) (Person, error) {
	u, err := x.u.EnsureEndUser(ctx, accountID, name, email)
	return personOf(u), err
}

func (x people) users(ctx context.Context, accountID int64, f user.Filter) ([]int64, error) {
	var ids []int64
	const page = 500
	for off := 0; ; off += page {
		us, _, _, err := x.u.ListUsers(sys(ctx, accountID), f, db.Page{Limit: page, Offset: off})
		if err != nil {
			return nil, err
		}
		for _, u := range us {
			ids = append(ids, u.ID)
		}
		if len(us) < page {
			return ids, nil
		}
	}
}

func (x people) GroupMembers(ctx context.Context, accountID, groupID int64) ([]int64, error) {
	return x.users(ctx, accountID, user.Filter{GroupID: groupID, Roles: []auth.Role{auth.RoleAgent, auth.RoleAdmin}})
}

func (x people) Agents(ctx context.Context, accountID int64) ([]int64, error) {
	return x.users(ctx, accountID, user.Filter{Roles: []auth.Role{auth.RoleAgent, auth.RoleAdmin}})
}

func (x people) Admins(ctx context.Context, accountID int64) ([]int64, error) {
	return x.users(ctx, accountID, user.Filter{Roles: []auth.Role{auth.RoleAdmin}})
}

func (x people) GroupName(ctx context.Context, accountID, groupID int64) (string, error) {
	g, err := x.u.GetGroup(sys(ctx, accountID), groupID)
	if errs.Is(err, errs.NotFound) {
		return "", nil
	}
	return g.Name, err
}

func (x people) OrganizationName(ctx context.Context, accountID, orgID int64) (string, error) {
	o, err := x.u.GetOrganization(sys(ctx, accountID), orgID)
	if errs.Is(err, errs.NotFound) {
		return "", nil
	}
	return o.Name, err
}

// TicketUploads adapts the ticket room's uploads: the file is uploaded as
// the actor in ctx (the sender of the mail).
func TicketUploads(t *ticket.Service) Uploads { return uploads{t} }

type uploads struct{ t *ticket.Service }

func (x uploads) AttachUpload(ctx context.Context, accountID int64, name, contentType string, data []byte) (string, error) {
	if a := auth.ActorFrom(ctx); a.Anonymous() || a.AccountID != accountID {
		ctx = sys(ctx, accountID)
	}
	tok, _, _, err := x.t.Upload(ctx, "", name, contentType, bytes.NewReader(data))
	return tok, err
}
