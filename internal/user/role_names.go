package user

import (
	"context"

	"parley/internal/auth"
)

// CustomRoleNames lists the account's custom roles by id with their names
// only (agents): what a role picker needs, without the member counts
// ListCustomRoles works out over every user of the account.
func (s *Service) CustomRoleNames(ctx context.Context) ([]CustomRole, error) {
	a, err := auth.RequireAgent(ctx)
	if err != nil {
		return nil, err
	}
	rows, err := s.d.Conn(ctx).QueryContext(ctx, `SELECT id, name FROM custom_roles WHERE account_id = $1 ORDER BY id`, a.AccountID)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []CustomRole
	for rows.Next() {
		r := CustomRole{AccountID: a.AccountID}
		if err := rows.Scan(&r.ID, &r.Name); err != nil {
			return nil, err
		}
		out = append(out, r)
	}
	return out, rows.Err()
}
