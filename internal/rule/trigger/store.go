package trigger

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"time"

	"parley/internal/platform/db"
	"parley/internal/platform/errs"
	"parley/internal/rule"
)

const ruleCols = `r.id, r.account_id, r.kind, r.title, r.raw_title, r.description, r.active, r.position, r.is_default,
	r.category_id, r.conditions, r.actions, r.revision, r.created_at, r.updated_at`

// positionExpr orders triggers as they run: by category position, then by
// their own position (positions are bounded by opt.MaxPosition).
const positionExpr = `(COALESCE((SELECT c.position FROM trigger_categories c WHERE c.account_id = r.account_id
	AND c.id = r.category_id), 0) * 1000001 + r.position)`

type scanner interface{ Scan(...any) error }

func scanRule(row scanner) (Rule, error) {
	var r Rule
	var kind, conds, acts string
	var cat sql.NullInt64
	var ca, ua db.Time
	err := row.Scan(&r.ID, &r.AccountID, &kind, &r.Title, &r.RawTitle, &r.Description, &r.Active, &r.Position, &r.Default,
		&cat, &conds, &acts, &r.Revision, &ca, &ua)
	if errors.Is(err, sql.ErrNoRows) {
		return r, errs.NotFoundf("Not found")
	}
	if err != nil {
		return r, err
	}
	r.Kind, r.CategoryID, r.CreatedAt, r.UpdatedAt = rule.Kind(kind), cat.Int64, ca.T, ua.T
	if err := json.Unmarshal([]byte(conds), &r.Conditions); err != nil {
		return r, fmt.Errorf("trigger %d conditions: %w", r.ID, err)
	}
	if err := json.Unmarshal([]byte(acts), &r.Actions); err != nil {
		return r, fmt.Errorf("trigger %d actions: %w", r.ID, err)
	}
	normalize(&r)
	return r, nil
}

// normalize makes every array non-nil so responses never print null.
func normalize(r *Rule) {
	if r.Conditions.All == nil {
		r.Conditions.All = []rule.Condition{}
	}
	if r.Conditions.Any == nil {
		r.Conditions.Any = []rule.Condition{}
	}
	if r.Actions == nil {
		r.Actions = []rule.Action{}
	}
}

func (s *Service) queryRules(ctx context.Context, q string, args ...any) ([]Rule, error) {
	rows, err := s.d.Conn(ctx).QueryContext(ctx, q, args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	out := []Rule{}
	for rows.Next() {
		r, err := scanRule(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, r)
	}
	return out, rows.Err()
}

func (s *Service) ruleByID(ctx context.Context, accountID int64, kind rule.Kind, id int64) (Rule, error) {
	return scanRule(s.d.Conn(ctx).QueryRowContext(ctx, `SELECT `+ruleCols+` FROM triggers r
		WHERE r.account_id = $1 AND r.kind = $2 AND r.id = $3`, accountID, string(kind), id))
}

func (s *Service) rulesByIDs(ctx context.Context, accountID int64, kind rule.Kind, ids []int64) ([]Rule, error) {
	if len(ids) == 0 {
		return []Rule{}, nil
	}
	args := []any{accountID, string(kind)}
	return s.queryRules(ctx, `SELECT `+ruleCols+` FROM triggers r WHERE r.account_id = $1 AND r.kind = $2
		AND r.id IN (`+db.Placeholders(&args, ids)+`) ORDER BY r.id`, args...)
}

// listRules pages rules of one kind. The page's Sort is a whitelisted column
// or expression over the alias r.
func (s *Service) listRules(ctx context.Context, accountID int64, kind rule.Kind, f Filter, p db.Page) ([]Rule, int64, bool, error) {
	args := []any{accountID, string(kind)}
	where := `r.account_id = $1 AND r.kind = $2`
	if f.Active != nil {
		where += ` AND r.active = ` + db.Arg(&args, *f.Active)
	}
	if f.CategoryID != 0 {
		where += ` AND r.category_id = ` + db.Arg(&args, f.CategoryID)
	}
	if q := strings.TrimSpace(f.Query); q != "" {
		where += ` AND lower(r.title) LIKE ` + db.Arg(&args, "%"+db.LikeEscape(strings.ToLower(q))+"%") + ` ESCAPE '\'`
	}
	var total int64
	if !p.Keyset {
		if err := s.d.Conn(ctx).QueryRowContext(ctx, `SELECT count(*) FROM triggers r WHERE `+where, args...).Scan(&total); err != nil {
			return nil, 0, false, err
		}
	}
	p.Alias = "r."
	out, err := s.queryRules(ctx, `SELECT `+ruleCols+` FROM triggers r WHERE `+where+p.Seek(&args)+p.OrderLimit(&args), args...)
	if err != nil {
		return nil, 0, false, err
	}
	out, more := db.Finish(p, out)
	return out, total, more, nil
}

func marshalRule(r Rule) (string, string, error) {
	normalize(&r)
	c, err := json.Marshal(r.Conditions)
	if err != nil {
		return "", "", errs.Wrap(errs.Invalid, "conditions", err)
	}
	a, err := json.Marshal(r.Actions)
	if err != nil {
		return "", "", errs.Wrap(errs.Invalid, "actions", err)
	}
	return string(c), string(a), nil
}

func nullID(id int64) any {
	if id == 0 {
		return nil
	}
	return id
}

func (s *Service) insertRule(ctx context.Context, r *Rule) error {
	c, a, err := marshalRule(*r)
	if err != nil {
		return err
	}
	return s.d.Conn(ctx).QueryRowContext(ctx, `INSERT INTO triggers (account_id, kind, title, raw_title, description, active,
		position, is_default, category_id, conditions, actions, revision, created_at, updated_at)
		VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, 1, $12, $12) RETURNING id`,
		r.AccountID, string(r.Kind), r.Title, r.RawTitle, r.Description, r.Active, r.Position, r.Default, nullID(r.CategoryID),
		c, a, r.CreatedAt).Scan(&r.ID)
}

func (s *Service) saveRule(ctx context.Context, r *Rule) error {
	c, a, err := marshalRule(*r)
	if err != nil {
		return err
	}
	r.Revision++
	_, err = s.d.Conn(ctx).ExecContext(ctx, `UPDATE triggers SET title = $1, raw_title = $2, description = $3, active = $4,
		position = $5, category_id = $6, conditions = $7, actions = $8, revision = $9, updated_at = $10
		WHERE account_id = $11 AND id = $12`,
		r.Title, r.RawTitle, r.Description, r.Active, r.Position, nullID(r.CategoryID), c, a, r.Revision, r.UpdatedAt,
		r.AccountID, r.ID)
	return err
}

func (s *Service) deleteRules(ctx context.Context, accountID int64, ids []int64) error {
	args := []any{accountID}
	in := db.Placeholders(&args, ids)
	for _, q := range []string{
		`DELETE FROM trigger_revisions WHERE account_id = $1 AND rule_id IN (` + in + `)`,
		`DELETE FROM rule_usage WHERE account_id = $1 AND rule_id IN (` + in + `)`,
		`DELETE FROM automation_runs WHERE account_id = $1 AND automation_id IN (` + in + `)`,
		`DELETE FROM triggers WHERE account_id = $1 AND id IN (` + in + `)`,
	} {
		if _, err := s.d.Conn(ctx).ExecContext(ctx, q, args...); err != nil {
			return err
		}
	}
	return nil
}

// nextPosition is one past the last position of a kind (and category).
func (s *Service) nextPosition(ctx context.Context, accountID int64, kind rule.Kind, categoryID int64) (int, error) {
	args := []any{accountID, string(kind)}
	q := `SELECT COALESCE(MAX(position), -1) + 1 FROM triggers WHERE account_id = $1 AND kind = $2`
	if categoryID != 0 {
		q += ` AND category_id = ` + db.Arg(&args, categoryID)
	}
	var n int
	err := s.d.Conn(ctx).QueryRowContext(ctx, q, args...).Scan(&n)
	return n, err
}

// snapshot is what a revision keeps of a rule.
func snapshot(r Rule) json.RawMessage {
	normalize(&r)
	b, _ := json.Marshal(map[string]any{"title": r.Title, "description": r.Description, "active": r.Active,
		"conditions": r.Conditions, "actions": r.Actions})
	return b
}

func (s *Service) insertRevision(ctx context.Context, r Rule, authorID int64) error {
	_, err := s.d.Conn(ctx).ExecContext(ctx, `INSERT INTO trigger_revisions (account_id, rule_id, author_id, snapshot, created_at)
		VALUES ($1, $2, $3, $4, $5)`, r.AccountID, r.ID, authorID, string(snapshot(r)), r.UpdatedAt)
	return err
}

func scanRevision(row scanner) (Revision, error) {
	var v Revision
	var snap string
	var ca db.Time
	err := row.Scan(&v.ID, &v.RuleID, &v.AuthorID, &snap, &ca)
	if errors.Is(err, sql.ErrNoRows) {
		return v, errs.NotFoundf("Not found")
	}
	v.Snapshot, v.CreatedAt = json.RawMessage(snap), ca.T
	return v, err
}

func (s *Service) listRevisions(ctx context.Context, accountID, ruleID int64, p db.Page) ([]Revision, int64, bool, error) {
	args := []any{accountID, ruleID}
	where := `account_id = $1 AND rule_id = $2`
	var total int64
	if !p.Keyset {
		if err := s.d.Conn(ctx).QueryRowContext(ctx, `SELECT count(*) FROM trigger_revisions WHERE `+where, args...).Scan(&total); err != nil {
			return nil, 0, false, err
		}
	}
	rows, err := s.d.Conn(ctx).QueryContext(ctx, `SELECT id, rule_id, author_id, snapshot, created_at FROM trigger_revisions
		WHERE `+where+p.Seek(&args)+p.OrderLimit(&args), args...)
	if err != nil {
		return nil, 0, false, err
	}
	defer rows.Close()
	out := []Revision{}
	for rows.Next() {
		v, err := scanRevision(rows)
		if err != nil {
			return nil, 0, false, err
		}
		out = append(out, v)
	}
	if err := rows.Err(); err != nil {
		return nil, 0, false, err
	}
	out, more := db.Finish(p, out)
	return out, total, more, nil
}

// --- categories ---

const categoryCols = `id, account_id, name, position, created_at, updated_at`

func scanCategory(row scanner) (Category, error) {
	var c Category
	var ca, ua db.Time
	err := row.Scan(&c.ID, &c.AccountID, &c.Name, &c.Position, &ca, &ua)
	if errors.Is(err, sql.ErrNoRows) {
		return c, errs.NotFoundf("Not found")
	}
	c.CreatedAt, c.UpdatedAt = ca.T, ua.T
	return c, err
}

func (s *Service) categoryByID(ctx context.Context, accountID, id int64) (Category, error) {
	return scanCategory(s.d.Conn(ctx).QueryRowContext(ctx, `SELECT `+categoryCols+` FROM trigger_categories
		WHERE account_id = $1 AND id = $2`, accountID, id))
}

func (s *Service) listCategories(ctx context.Context, accountID int64, p db.Page) ([]Category, int64, bool, error) {
	args := []any{accountID}
	var total int64
	if !p.Keyset {
		if err := s.d.Conn(ctx).QueryRowContext(ctx, `SELECT count(*) FROM trigger_categories WHERE account_id = $1`,
			args...).Scan(&total); err != nil {
			return nil, 0, false, err
		}
	}
	rows, err := s.d.Conn(ctx).QueryContext(ctx, `SELECT `+categoryCols+` FROM trigger_categories WHERE account_id = $1`+
		p.Seek(&args)+p.OrderLimit(&args), args...)
	if err != nil {
		return nil, 0, false, err
	}
	defer rows.Close()
	out := []Category{}
	for rows.Next() {
		c, err := scanCategory(rows)
		if err != nil {
			return nil, 0, false, err
		}
		out = append(out, c)
	}
	if err := rows.Err(); err != nil {
		return nil, 0, false, err
	}
	out, more := db.Finish(p, out)
	return out, total, more, nil
}

// firstCategory is the account's first category by position.
func (s *Service) firstCategory(ctx context.Context, accountID int64) (int64, bool, error) {
	var id int64
	err := s.d.Conn(ctx).QueryRowContext(ctx, `SELECT id FROM trigger_categories WHERE account_id = $1
		ORDER BY position, id LIMIT 1`, accountID).Scan(&id)
	if errors.Is(err, sql.ErrNoRows) {
		return 0, false, nil
	}
	return id, err == nil, err
}

func (s *Service) insertCategory(ctx context.Context, c *Category) error {
	return s.d.Conn(ctx).QueryRowContext(ctx, `INSERT INTO trigger_categories (account_id, name, position, created_at, updated_at)
		VALUES ($1, $2, $3, $4, $4) RETURNING id`, c.AccountID, c.Name, c.Position, c.CreatedAt).Scan(&c.ID)
}

func (s *Service) saveCategory(ctx context.Context, c Category) error {
	_, err := s.d.Conn(ctx).ExecContext(ctx, `UPDATE trigger_categories SET name = $1, position = $2, updated_at = $3
		WHERE account_id = $4 AND id = $5`, c.Name, c.Position, c.UpdatedAt, c.AccountID, c.ID)
	return err
}

// ruleCounts counts active and inactive triggers per category.
func (s *Service) ruleCounts(ctx context.Context, accountID int64, ids []int64) (map[int64][2]int64, error) {
	out := map[int64][2]int64{}
	if len(ids) == 0 {
		return out, nil
	}
	args := []any{accountID}
	rows, err := s.d.Conn(ctx).QueryContext(ctx, `SELECT category_id, active, count(*) FROM triggers
		WHERE account_id = $1 AND kind = 'trigger' AND category_id IN (`+db.Placeholders(&args, ids)+`)
		GROUP BY category_id, active`, args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	for rows.Next() {
		var id, n int64
		var active bool
		if err := rows.Scan(&id, &active, &n); err != nil {
			return nil, err
		}
		c := out[id]
		if active {
			c[0] = n
		} else {
			c[1] = n
		}
		out[id] = c
	}
	return out, rows.Err()
}

// --- usage ---

func hourOf(t time.Time) int64 { return t.Unix() / 3600 }

// countFiring adds one firing of a rule to its hourly bucket. The bucket's
// row is one for every ticket write the rule fires on within the hour: held
// until the writer's transaction ends, its lock made PostgreSQL run those
// writes one at a time, so it is counted through db.Allocate, which commits
// at once there (a firing whose write then fails stays counted).
func (s *Service) countFiring(ctx context.Context, accountID, ruleID int64, now time.Time) error {
	_, err := s.d.Allocate(ctx, `INSERT INTO rule_usage (account_id, rule_id, hour, fires) VALUES ($1, $2, $3, 1)
		ON CONFLICT (account_id, rule_id, hour) DO UPDATE SET fires = rule_usage.fires + 1 RETURNING fires`, accountID, ruleID, hourOf(now))
	return err
}

// usageWindows are the include=usage_* windows in hours.
var usageWindows = map[string]int64{"usage_1h": 1, "usage_24h": 24, "usage_7d": 24 * 7, "usage_30d": 24 * 30}

// usageExpr is the sort expression for a usage window; since is computed
// by us, never taken from the request.
func usageExpr(since int64) string {
	return fmt.Sprintf(`(SELECT CAST(COALESCE(SUM(u.fires), 0) AS BIGINT) FROM rule_usage u WHERE u.account_id = r.account_id
		AND u.rule_id = r.id AND u.hour >= %d)`, since)
}

// usage returns firings per rule since the hour bucket since.
func (s *Service) usage(ctx context.Context, accountID int64, ids []int64, since int64) (map[int64]int64, error) {
	out := map[int64]int64{}
	if len(ids) == 0 {
		return out, nil
	}
	args := []any{accountID, since}
	rows, err := s.d.Conn(ctx).QueryContext(ctx, `SELECT rule_id, CAST(SUM(fires) AS BIGINT) FROM rule_usage
		WHERE account_id = $1 AND hour >= $2 AND rule_id IN (`+db.Placeholders(&args, ids)+`) GROUP BY rule_id`, args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	for rows.Next() {
		var id, n int64
		if err := rows.Scan(&id, &n); err != nil {
			return nil, err
		}
		out[id] = n
	}
	return out, rows.Err()
}
