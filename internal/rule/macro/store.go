package macro

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"time"

	"parley/internal/platform/db"
	"parley/internal/platform/errs"
	"parley/internal/rule"
	"parley/internal/rule/restrict"
)

const macroCols = `m.id, m.account_id, m.title, m.description, m.active, m.position, m.actions, m.restriction_type,
	m.created_at, m.updated_at`

func scanMacro(row interface{ Scan(...any) error }) (Macro, error) {
	var m Macro
	var desc, rtype sql.NullString
	var actions string
	var ca, ua db.Time
	err := row.Scan(&m.ID, &m.AccountID, &m.Title, &desc, &m.Active, &m.Position, &actions, &rtype, &ca, &ua)
	if errors.Is(err, sql.ErrNoRows) {
		return m, errs.NotFoundf("Not found")
	}
	if err != nil {
		return m, err
	}
	if desc.Valid {
		d := desc.String
		m.Description = &d
	}
	m.Restriction.Type, m.CreatedAt, m.UpdatedAt = rtype.String, ca.T, ua.T
	if err := json.Unmarshal([]byte(actions), &m.Actions); err != nil {
		return m, err
	}
	if m.Actions == nil {
		m.Actions = []rule.Action{}
	}
	return m, nil
}

func (s *Service) queryMacros(ctx context.Context, accountID int64, q string, args ...any) ([]Macro, error) {
	rows, err := s.d.Conn(ctx).QueryContext(ctx, q, args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []Macro
	for rows.Next() {
		m, err := scanMacro(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, m)
	}
	if err := rows.Err(); err != nil {
		return nil, err
	}
	ids := make([]int64, len(out))
	for i, m := range out {
		ids[i] = m.ID
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

func (s *Service) insertMacro(ctx context.Context, m Macro) (int64, error) {
	actions, _ := json.Marshal(m.Actions)
	var id int64
	err := s.d.Conn(ctx).QueryRowContext(ctx, `INSERT INTO macros (account_id, title, description, active, position, actions,
		restriction_type, created_at, updated_at) VALUES ($1,$2,$3,$4,$5,$6,$7,$8,$9) RETURNING id`, m.AccountID, m.Title, m.Description,
		m.Active, m.Position, string(actions), nullString(m.Restriction.Type), m.CreatedAt, m.UpdatedAt).Scan(&id)
	if err != nil {
		return 0, db.Classify(err)
	}
	return id, restrict.SaveRestriction(ctx, s.d, m.AccountID, Kind, id, m.Restriction)
}

func (s *Service) saveMacro(ctx context.Context, m Macro, restriction bool) error {
	actions, _ := json.Marshal(m.Actions)
	_, err := s.d.Conn(ctx).ExecContext(ctx, `UPDATE macros SET title = $3, description = $4, active = $5, position = $6,
		actions = $7, restriction_type = $8, updated_at = $9 WHERE account_id = $1 AND id = $2`, m.AccountID, m.ID, m.Title,
		m.Description, m.Active, m.Position, string(actions), nullString(m.Restriction.Type), m.UpdatedAt)
	if err != nil || !restriction {
		return err
	}
	return restrict.SaveRestriction(ctx, s.d, m.AccountID, Kind, m.ID, m.Restriction)
}

func (s *Service) deleteMacro(ctx context.Context, accountID, id int64) error {
	c := s.d.Conn(ctx)
	for _, q := range []string{
		`DELETE FROM rule_restrictions WHERE account_id = $1 AND rule_kind = 'macro' AND rule_id = $2`,
		`DELETE FROM macro_usage WHERE account_id = $1 AND macro_id = $2`,
		`DELETE FROM macros WHERE account_id = $1 AND id = $2`,
	} {
		if _, err := c.ExecContext(ctx, q, accountID, id); err != nil {
			return err
		}
	}
	return nil
}

// recordUse counts one application of a macro in the current hour.
func (s *Service) recordUse(ctx context.Context, accountID, id int64) error {
	hour := s.clock.Now().Truncate(time.Hour)
	_, err := s.d.Conn(ctx).ExecContext(ctx, `INSERT INTO macro_usage (account_id, macro_id, hour, uses) VALUES ($1,$2,$3,1)
		ON CONFLICT (account_id, macro_id, hour) DO UPDATE SET uses = macro_usage.uses + 1`, accountID, id, hour)
	return err
}

// usage sums the applications of some macros over the last hour, day, week
// and 30 days (hour buckets that started inside each window).
func (s *Service) usage(ctx context.Context, accountID int64, ids []int64) (map[int64]Usage, error) {
	out := map[int64]Usage{}
	if len(ids) == 0 {
		return out, nil
	}
	now := s.clock.Now()
	args := []any{accountID, now.Add(-time.Hour), now.Add(-24 * time.Hour), now.Add(-7 * 24 * time.Hour), now.Add(-30 * 24 * time.Hour)}
	rows, err := s.d.Conn(ctx).QueryContext(ctx, `SELECT macro_id,
		SUM(CASE WHEN hour > $2 THEN uses ELSE 0 END), SUM(CASE WHEN hour > $3 THEN uses ELSE 0 END),
		SUM(CASE WHEN hour > $4 THEN uses ELSE 0 END), SUM(uses)
		FROM macro_usage WHERE account_id = $1 AND hour > $5 AND macro_id IN (`+db.Placeholders(&args, ids)+`) GROUP BY macro_id`, args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	for rows.Next() {
		var id int64
		var u Usage
		if err := rows.Scan(&id, &u.H1, &u.H24, &u.D7, &u.D30); err != nil {
			return nil, err
		}
		out[id] = u
	}
	return out, rows.Err()
}
