package user

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"time"

	"parley/internal/auth"
	"parley/internal/platform/db"
	"parley/internal/platform/errs"
)

// CustomRole narrows what an agent may do (read-only through the API).
type CustomRole struct {
	ID              int64
	AccountID       int64
	Name            string
	Description     string
	RoleType        int
	Configuration   map[string]any
	TeamMemberCount int64
	CreatedAt       time.Time
	UpdatedAt       time.Time
}

// defaultRoles are the custom roles every account starts with, after
// Zendesk's Enterprise set.
var defaultRoles = []struct {
	name, desc string
	cfg        map[string]any
}{
	{"Staff", "A Staff agent's primary role is to solve tickets. They can edit tickets within their groups, view reports, and add or edit personal views and macros.",
		map[string]any{"ticket_access": "within-groups", "ticket_editing": true, "ticket_deletion": false, "ticket_merge": false,
			"ticket_comment_access": "public", "end_user_profile_access": "readonly", "manage_business_rules": false,
			"view_access": "personal", "macro_access": "personal", "report_access": "readonly", "user_view_access": "readonly"}},
	{"Team Leader", "Team Leaders have greater access to the Support instance than Staff agents. They can read and edit all tickets, moderate the Guide knowledge base, and create and edit end users.",
		map[string]any{"ticket_access": "all", "ticket_editing": true, "ticket_deletion": true, "ticket_merge": true,
			"ticket_comment_access": "public", "end_user_profile_access": "full", "manage_business_rules": false,
			"view_access": "manage-group", "macro_access": "manage-group", "report_access": "full", "user_view_access": "manage-group"}},
	{"Advisor", "Advisors manage the workflow and configure Support. They create or manage shared automations, macros, triggers, views, and SLA targets.",
		map[string]any{"ticket_access": "within-groups", "ticket_editing": false, "ticket_deletion": false, "ticket_merge": false,
			"ticket_comment_access": "private", "end_user_profile_access": "readonly", "manage_business_rules": true,
			"view_access": "full", "macro_access": "full", "report_access": "full", "user_view_access": "full"}},
	{"Light Agent", "Light agents can view tickets and add private comments. They cannot be assigned tickets or make public replies.",
		map[string]any{"ticket_access": "within-groups", "ticket_editing": false, "ticket_deletion": false, "ticket_merge": false,
			"ticket_comment_access": "private", "end_user_profile_access": "readonly", "manage_business_rules": false,
			"view_access": "playonly", "macro_access": "readonly", "report_access": "none", "user_view_access": "none"}},
}

// EnsureDefaultRoles creates the default custom roles for an account once.
func (s *Service) EnsureDefaultRoles(ctx context.Context, accountID int64) error {
	return s.d.InTx(ctx, func(ctx context.Context) error {
		var n int
		if err := s.d.Conn(ctx).QueryRowContext(ctx, `SELECT count(*) FROM custom_roles WHERE account_id = $1`, accountID).Scan(&n); err != nil {
			return err
		}
		if n > 0 {
			return nil
		}
		now := s.now()
		for _, r := range defaultRoles {
			cfg, _ := json.Marshal(r.cfg)
			rt := 0
			if r.name == "Light Agent" {
				rt = 1
			}
			if _, err := s.d.Conn(ctx).ExecContext(ctx, `INSERT INTO custom_roles (account_id, name, description, role_type,
				configuration, created_at, updated_at) VALUES ($1,$2,$3,$4,$5,$6,$6)`, accountID, r.name, r.desc, rt, string(cfg), now); err != nil {
				return err
			}
		}
		return nil
	})
}

const roleCols = `r.id, r.account_id, r.name, r.description, r.role_type, r.configuration, r.created_at, r.updated_at,
	(SELECT count(*) FROM users u WHERE u.account_id = r.account_id AND u.custom_role_id = r.id AND u.deleted_at IS NULL)`

func scanRole(row interface{ Scan(...any) error }) (CustomRole, error) {
	var r CustomRole
	var cfg string
	var ca, ua db.Time
	err := row.Scan(&r.ID, &r.AccountID, &r.Name, &r.Description, &r.RoleType, &cfg, &ca, &ua, &r.TeamMemberCount)
	if errors.Is(err, sql.ErrNoRows) {
		return r, errs.NotFoundf("Not found")
	}
	if err != nil {
		return r, err
	}
	r.CreatedAt, r.UpdatedAt = ca.T, ua.T
	r.Configuration = map[string]any{}
	return r, jsonUnmarshal(cfg, &r.Configuration)
}

func (s *Service) customRole(ctx context.Context, accountID, id int64) (CustomRole, error) {
	return scanRole(s.d.Conn(ctx).QueryRowContext(ctx, `SELECT `+roleCols+` FROM custom_roles r WHERE r.account_id = $1 AND r.id = $2`, accountID, id))
}

// GetCustomRole returns one custom role (agents).
func (s *Service) GetCustomRole(ctx context.Context, id int64) (CustomRole, error) {
	a, err := auth.RequireAgent(ctx)
	if err != nil {
		return CustomRole{}, err
	}
	return s.customRole(ctx, a.AccountID, id)
}

// ListCustomRoles lists the account's custom roles (agents).
func (s *Service) ListCustomRoles(ctx context.Context) ([]CustomRole, error) {
	a, err := auth.RequireAgent(ctx)
	if err != nil {
		return nil, err
	}
	return s.rolesByIDs(ctx, a.AccountID, nil)
}

func (s *Service) rolesByIDs(ctx context.Context, accountID int64, ids []int64) ([]CustomRole, error) {
	args := []any{accountID}
	q := `SELECT ` + roleCols + ` FROM custom_roles r WHERE r.account_id = $1`
	if ids != nil {
		if len(ids) == 0 {
			return nil, nil
		}
		q += ` AND r.id IN (` + db.Placeholders(&args, ids) + `)`
	}
	rows, err := s.d.Conn(ctx).QueryContext(ctx, q+` ORDER BY r.id`, args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []CustomRole
	for rows.Next() {
		r, err := scanRole(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, r)
	}
	return out, rows.Err()
}
