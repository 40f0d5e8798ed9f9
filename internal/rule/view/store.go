package view

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"

	"parley/internal/platform/db"
	"parley/internal/platform/errs"
	"parley/internal/rule"
	"parley/internal/rule/restrict"
)

const viewCols = `v.id, v.account_id, v.title, v.description, v.active, v.position, v.is_default, v.default_key, v.conditions,
	v.output, v.restriction_type, v.created_at, v.updated_at`

func scanView(row interface{ Scan(...any) error }) (View, error) {
	var v View
	var key, rtype sql.NullString
	var conds, out string
	var ca, ua db.Time
	err := row.Scan(&v.ID, &v.AccountID, &v.Title, &v.Description, &v.Active, &v.Position, &v.Default, &key, &conds, &out,
		&rtype, &ca, &ua)
	if errors.Is(err, sql.ErrNoRows) {
		return v, errs.NotFoundf("Not found")
	}
	if err != nil {
		return v, err
	}
	v.DefaultKey, v.Restriction.Type = key.String, rtype.String
	v.CreatedAt, v.UpdatedAt = ca.T, ua.T
	if err := json.Unmarshal([]byte(conds), &v.Conditions); err != nil {
		return v, err
	}
	if err := json.Unmarshal([]byte(out), &v.Output); err != nil {
		return v, err
	}
	normalize(&v.Conditions)
	return v, nil
}

// normalize makes both condition lists non-nil, so they print as [].
func normalize(c *rule.Conditions) {
	if c.All == nil {
		c.All = []rule.Condition{}
	}
	if c.Any == nil {
		c.Any = []rule.Condition{}
	}
}

func (s *Service) queryViews(ctx context.Context, accountID int64, q string, args ...any) ([]View, error) {
	rows, err := s.d.Conn(ctx).QueryContext(ctx, q, args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []View
	for rows.Next() {
		v, err := scanView(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, v)
	}
	if err := rows.Err(); err != nil {
		return nil, err
	}
	ids := make([]int64, len(out))
	for i, v := range out {
		ids[i] = v.ID
	}
	rs, err := restrict.LoadRestrictions(ctx, s.d, accountID, Kind, ids)
	if err != nil {
		return nil, err
	}
	for i := range out {
		if r, ok := rs[out[i].ID]; ok {
			out[i].Restriction = r
		}
	}
	return out, nil
}

func nullString(s string) any {
	if s == "" {
		return nil
	}
	return s
}

func (s *Service) insertView(ctx context.Context, v View) (int64, error) {
	conds, _ := json.Marshal(v.Conditions)
	out, _ := json.Marshal(v.Output)
	var id int64
	err := s.d.Conn(ctx).QueryRowContext(ctx, `INSERT INTO views (account_id, title, description, active, position, is_default,
		default_key, conditions, output, restriction_type, created_at, updated_at) VALUES ($1,$2,$3,$4,$5,$6,$7,$8,$9,$10,$11,$12)
		RETURNING id`, v.AccountID, v.Title, v.Description, v.Active, v.Position, v.Default, nullString(v.DefaultKey), string(conds),
		string(out), nullString(v.Restriction.Type), v.CreatedAt, v.UpdatedAt).Scan(&id)
	if err != nil {
		return 0, db.Classify(err)
	}
	return id, restrict.SaveRestriction(ctx, s.d, v.AccountID, Kind, id, v.Restriction)
}

func (s *Service) saveView(ctx context.Context, v View, restriction bool) error {
	conds, _ := json.Marshal(v.Conditions)
	out, _ := json.Marshal(v.Output)
	_, err := s.d.Conn(ctx).ExecContext(ctx, `UPDATE views SET title = $3, description = $4, active = $5, position = $6,
		conditions = $7, output = $8, restriction_type = $9, updated_at = $10 WHERE account_id = $1 AND id = $2`,
		v.AccountID, v.ID, v.Title, v.Description, v.Active, v.Position, string(conds), string(out), nullString(v.Restriction.Type),
		v.UpdatedAt)
	if err != nil || !restriction {
		return err
	}
	return restrict.SaveRestriction(ctx, s.d, v.AccountID, Kind, v.ID, v.Restriction)
}

func (s *Service) deleteView(ctx context.Context, accountID, id int64) error {
	c := s.d.Conn(ctx)
	if _, err := c.ExecContext(ctx, `DELETE FROM rule_restrictions WHERE account_id = $1 AND rule_kind = $2 AND rule_id = $3`,
		accountID, Kind, id); err != nil {
		return err
	}
	_, err := c.ExecContext(ctx, `DELETE FROM views WHERE account_id = $1 AND id = $2`, accountID, id)
	return err
}
