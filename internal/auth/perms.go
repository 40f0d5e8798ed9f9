package auth

import "parley/internal/platform/errs"

// TicketAccess is which tickets an agent's custom role lets them see and
// change (Zendesk's ticket_access).
type TicketAccess string

// The three ticket_access values of a Zendesk custom role.
const (
	// AccessAll is every ticket of the account.
	AccessAll TicketAccess = "all"
	// AccessGroups is the tickets of the agent's groups, plus those
	// assigned to or requested by the agent.
	AccessGroups TicketAccess = "within-groups"
	// AccessAssigned is the tickets assigned to or requested by the agent.
	AccessAssigned TicketAccess = "assigned-only"
)

// Permissions are the custom role settings Parley enforces on tickets.
type Permissions struct {
	TicketAccess TicketAccess
	// TicketEditing false leaves comments as the only change allowed.
	TicketEditing  bool
	TicketDeletion bool
	TicketMerge    bool
	// PublicComments false (ticket_comment_access "private", as for light
	// agents) leaves internal notes as the only comments allowed.
	PublicComments bool
}

// FullPermissions are what admins and agents without a custom role may do.
func FullPermissions() Permissions {
	return Permissions{TicketAccess: AccessAll, TicketEditing: true, TicketDeletion: true, TicketMerge: true,
		PublicComments: true}
}

// PermissionsFrom reads a custom role's configuration. A setting the role
// does not name (or names with a value Parley does not know) allows, as
// everything did before roles were enforced.
func PermissionsFrom(cfg map[string]any) Permissions {
	p := FullPermissions()
	switch v, _ := cfg["ticket_access"].(string); TicketAccess(v) {
	case AccessGroups, AccessAssigned:
		p.TicketAccess = TicketAccess(v)
	}
	flag := func(key string, dst *bool) {
		if v, ok := cfg[key].(bool); ok {
			*dst = v
		}
	}
	flag("ticket_editing", &p.TicketEditing)
	flag("ticket_deletion", &p.TicketDeletion)
	flag("ticket_merge", &p.TicketMerge)
	if v, _ := cfg["ticket_comment_access"].(string); v == "private" {
		p.PublicComments = false
	}
	return p
}

// Permissions is what the actor may do with tickets: a custom role narrows
// an agent; admins, plain agents, end users (whose limits live elsewhere)
// and system actors are not narrowed.
func (a Actor) Permissions() Permissions {
	if a.Role != RoleAgent || a.Custom == nil {
		return FullPermissions()
	}
	return *a.Custom
}

// Restricted reports whether a custom role limits which tickets the actor
// sees.
func (a Actor) Restricted() bool { return a.Permissions().TicketAccess != AccessAll }

// ErrNoTicketAccess is what an agent gets for a ticket outside their
// custom role's ticket access (Zendesk answers 403, not 404).
func ErrNoTicketAccess() error {
	return errs.E(errs.Forbidden, "You do not have access to this ticket.")
}

// RequireTicketPermission returns Forbidden unless allowed, naming what the
// role does not let the agent do.
func RequireTicketPermission(allowed bool, what string) error {
	if allowed {
		return nil
	}
	return errs.E(errs.Forbidden, "Your role does not allow you to "+what+".")
}
