package user

import (
	"context"
	"encoding/json"
	"slices"
	"strings"

	"parley/internal/auth"
	"parley/internal/platform/errs"
	"parley/internal/platform/opt"
)

// RoleInput creates or changes a custom role; configuration keys it
// names replace the stored ones.
type RoleInput struct {
	Name          opt.Opt[string]         `json:"name"`
	Description   opt.Opt[string]         `json:"description"`
	Configuration opt.Opt[map[string]any] `json:"configuration"`
}

// RoleSetting is one permission a custom role sets: a yes/no switch
// (Values nil) or one of Values. Hint says in one line what it does, so an
// admin knows which settings Parley enforces.
type RoleSetting struct {
	Key, Title string
	Values     []string
	Hint       string
}

// notEnforced is the hint of the settings Parley keeps for Zendesk clients
// but does not act on.
const notEnforced = "Kept for Zendesk clients and integrations; Parley does not act on it."

// RoleSettings are the permissions a custom role may set, after
// Zendesk's custom role configuration.
var RoleSettings = []RoleSetting{
	{"ticket_access", "Tickets they can see", []string{"all", "within-groups", "assigned-only"},
		"Which tickets they can open, change and find in lists, views and search: all, their groups' plus their own, or only their own (assigned to them or requested by them)."},
	{"ticket_editing", "Can edit ticket properties", nil,
		"Off: they can add comments but not change status, assignee, tags or any other property."},
	{"ticket_deletion", "Can delete tickets", nil,
		"Off: deleting tickets or marking them as spam, one at a time or in bulk, is refused."},
	{"ticket_merge", "Can merge tickets", nil, "Off: merging tickets is refused."},
	{"ticket_comment_access", "Comments they can make", []string{"public", "private"},
		"Private: only internal notes; a public reply is refused."},
	{"end_user_profile_access", "End-user profiles", []string{"readonly", "edit", "full"}, notEnforced},
	{"manage_business_rules", "Can manage triggers, automations and SLAs", nil, notEnforced},
	{"view_access", "Views", []string{"playonly", "readonly", "personal", "manage-group", "full"}, notEnforced},
	{"macro_access", "Macros", []string{"readonly", "personal", "manage-group", "full"}, notEnforced},
	{"report_access", "Reports", []string{"none", "readonly", "full"}, notEnforced},
	{"user_view_access", "Customer lists", []string{"none", "readonly", "manage-group", "full"}, notEnforced},
}

// applyRole validates in and copies it onto r.
func applyRole(r *CustomRole, in RoleInput) error {
	var v errs.Validation
	if in.Name.Set {
		r.Name = strings.TrimSpace(in.Name.V)
	}
	if r.Name == "" {
		v.Add("name", "BlankValue", "Name: cannot be blank")
	}
	if in.Description.Set {
		r.Description = in.Description.V
	}
	for k, val := range in.Configuration.V {
		i := slices.IndexFunc(RoleSettings, func(s RoleSetting) bool { return s.Key == k })
		if i < 0 {
			v.Add("configuration", "InvalidValue", "Configuration: "+k+" is not a role setting")
			continue
		}
		set := RoleSettings[i]
		if set.Values == nil {
			if _, ok := val.(bool); !ok {
				v.Add("configuration", "InvalidValue", "Configuration: "+k+" must be true or false")
				continue
			}
		} else if s, ok := val.(string); !ok || !slices.Contains(set.Values, s) {
			v.Add("configuration", "InvalidValue", "Configuration: "+k+" must be one of "+strings.Join(set.Values, ", "))
			continue
		}
		r.Configuration[k] = val
	}
	return v.Err()
}

// CreateCustomRole adds a custom role (admins).
func (s *Service) CreateCustomRole(ctx context.Context, in RoleInput) (CustomRole, error) {
	a, err := auth.RequireAdmin(ctx)
	if err != nil {
		return CustomRole{}, err
	}
	r := CustomRole{AccountID: a.AccountID, Configuration: map[string]any{}}
	if err := applyRole(&r, in); err != nil {
		return CustomRole{}, err
	}
	cfg, err := json.Marshal(r.Configuration)
	if err != nil {
		return CustomRole{}, err
	}
	var id int64
	err = s.d.InTx(ctx, func(ctx context.Context) error {
		return s.d.Conn(ctx).QueryRowContext(ctx, `INSERT INTO custom_roles (account_id, name, description, role_type,
			configuration, created_at, updated_at) VALUES ($1,$2,$3,0,$4,$5,$5) RETURNING id`, a.AccountID, r.Name,
			r.Description, string(cfg), s.now()).Scan(&id)
	})
	if err != nil {
		return CustomRole{}, err
	}
	return s.customRole(ctx, a.AccountID, id)
}

// UpdateCustomRole changes a custom role (admins).
func (s *Service) UpdateCustomRole(ctx context.Context, id int64, in RoleInput) (CustomRole, error) {
	a, err := auth.RequireAdmin(ctx)
	if err != nil {
		return CustomRole{}, err
	}
	err = s.d.InTx(ctx, func(ctx context.Context) error {
		r, err := s.customRole(ctx, a.AccountID, id)
		if err != nil {
			return err
		}
		if err := applyRole(&r, in); err != nil {
			return err
		}
		cfg, err := json.Marshal(r.Configuration)
		if err != nil {
			return err
		}
		_, err = s.d.Conn(ctx).ExecContext(ctx, `UPDATE custom_roles SET name = $1, description = $2, configuration = $3,
			updated_at = $4 WHERE account_id = $5 AND id = $6`, r.Name, r.Description, string(cfg), s.now(), a.AccountID, id)
		return err
	})
	if err != nil {
		return CustomRole{}, err
	}
	return s.customRole(ctx, a.AccountID, id)
}
