// Package auth knows who is asking: the account (tenant) a request is for,
// the actor making it, how credentials are checked (API tokens, passwords,
// and a Bearer seam for OAuth), and the coarse role permissions.
package auth

import (
	"context"

	"parley/internal/platform/errs"
)

// Role is a user's base role.
type Role string

// The three Zendesk roles.
const (
	RoleEndUser Role = "end-user"
	RoleAgent   Role = "agent"
	RoleAdmin   Role = "admin"
)

// Valid reports whether r is one of the three roles.
func (r Role) Valid() bool { return r == RoleEndUser || r == RoleAgent || r == RoleAdmin }

// Tenant is the account a request is addressed to (by Host header).
type Tenant struct {
	ID        int64
	Subdomain string
	Name      string
	// RateLimit is the account's API budget in requests per minute.
	RateLimit int
}

// Actor is the authenticated user. The zero Actor is anonymous.
type Actor struct {
	AccountID int64
	UserID    int64
	Name      string
	Email     string
	Role      Role
	Owner     bool
	// CustomRoleID narrows an agent's permissions (nil: none).
	CustomRoleID *int64
	// Custom is what that custom role allows, loaded with the actor (nil:
	// not loaded or no role); read it through Permissions.
	Custom *Permissions
	// Method says how the actor authenticated: token, password, oauth,
	// session, or system for jobs and the CLI.
	Method string
}

// Anonymous reports whether nobody is signed in.
func (a Actor) Anonymous() bool { return a.UserID == 0 }

// IsAgent is true for agents and admins.
func (a Actor) IsAgent() bool { return a.Role == RoleAgent || a.Role == RoleAdmin }

// IsAdmin is true for admins (the owner is always an admin).
func (a Actor) IsAdmin() bool { return a.Role == RoleAdmin }

type ctxKey int

const (
	keyTenant ctxKey = iota
	keyActor
)

// WithTenant stores the tenant in ctx.
func WithTenant(ctx context.Context, t Tenant) context.Context {
	return context.WithValue(ctx, keyTenant, t)
}

// TenantFrom returns the tenant of ctx.
func TenantFrom(ctx context.Context) (Tenant, bool) {
	t, ok := ctx.Value(keyTenant).(Tenant)
	return t, ok
}

// RequireTenant returns the tenant of ctx; a request that reached no
// account is NotFound.
func RequireTenant(ctx context.Context) (Tenant, error) {
	t, ok := TenantFrom(ctx)
	if !ok {
		return Tenant{}, errs.NotFoundf("No account at this address")
	}
	return t, nil
}

// WithActor stores the actor in ctx.
func WithActor(ctx context.Context, a Actor) context.Context {
	return context.WithValue(ctx, keyActor, a)
}

// ActorFrom returns the actor of ctx (anonymous when none).
func ActorFrom(ctx context.Context) Actor {
	a, _ := ctx.Value(keyActor).(Actor)
	return a
}

// RequireUser returns the actor, or Unauthenticated when anonymous.
func RequireUser(ctx context.Context) (Actor, error) {
	a := ActorFrom(ctx)
	if a.Anonymous() {
		return a, errs.E(errs.Unauthenticated, "Couldn't authenticate you")
	}
	return a, nil
}

// RequireAgent returns the actor if it is an agent or admin; end users get
// Forbidden and anonymous callers Unauthenticated.
func RequireAgent(ctx context.Context) (Actor, error) {
	a, err := RequireUser(ctx)
	if err != nil {
		return a, err
	}
	if !a.IsAgent() {
		return a, errs.E(errs.Forbidden, "")
	}
	return a, nil
}

// RequireAdmin returns the actor if it is an admin.
func RequireAdmin(ctx context.Context) (Actor, error) {
	a, err := RequireUser(ctx)
	if err != nil {
		return a, err
	}
	if !a.IsAdmin() {
		return a, errs.E(errs.Forbidden, "")
	}
	return a, nil
}

// System returns ctx acting as user on account, for jobs and the CLI that
// run on a user's behalf outside a request.
func System(ctx context.Context, a Actor) context.Context {
	if a.Method == "" {
		a.Method = "system"
	}
	return WithActor(ctx, a)
}
