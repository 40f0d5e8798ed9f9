package user

import (
	"context"
	"database/sql"

	"parley/internal/auth"
)

// actorRole joins an agent's custom role, so authenticating a request reads
// the user and what their role allows in one query (no tags: an actor
// needs none).
const actorRole = ` LEFT JOIN custom_roles r ON r.account_id = u.account_id AND r.id = u.custom_role_id`

// actorUser runs SELECT userCols, r.configuration <from> and returns the
// user with its actor, the role's permissions included. Errors: NotFound.
func (s *Service) actorUser(ctx context.Context, from string, args ...any) (User, auth.Actor, error) {
	var cfg sql.NullString
	u, err := scanUser(s.d.Conn(ctx).QueryRowContext(ctx, `SELECT `+userCols+`, r.configuration `+from, args...), &cfg)
	if err != nil {
		return User{}, auth.Actor{}, err
	}
	a := u.Actor()
	if u.CustomRoleID != nil && cfg.Valid {
		m := map[string]any{}
		if err := jsonUnmarshal(cfg.String, &m); err != nil {
			return User{}, auth.Actor{}, err
		}
		p := auth.PermissionsFrom(m)
		a.Custom = &p
	}
	return u, a, nil
}
