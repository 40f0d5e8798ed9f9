// Package catalog loads what business rules need to know about an account
// (custom fields and their options, statuses, groups, agents, forms,
// webhooks) in a handful of indexed reads, for validation, definitions
// and matching. It reads the owning rooms' tables and writes nothing.
package catalog

import (
	"context"

	"parley/internal/platform/db"
	"parley/internal/rule"
)

// Loader reads catalogs.
type Loader struct{ d *db.DB }

// New builds a loader.
func New(d *db.DB) *Loader { return &Loader{d: d} }

// Catalog returns the account's catalog.
func (l *Loader) Catalog(ctx context.Context, accountID int64) (rule.Catalog, error) {
	cat := rule.Catalog{Fields: map[int64]rule.Field{}, Statuses: map[int64]rule.Status{}, Groups: map[int64]string{},
		Agents: map[int64]string{}, Forms: map[int64]string{}, Webhooks: map[string]string{}}
	c := l.d.Conn(ctx)
	rows, err := c.QueryContext(ctx, `SELECT id, title, type FROM ticket_fields
		WHERE account_id = $1 AND active = TRUE AND removable = TRUE`, accountID)
	if err != nil {
		return cat, err
	}
	for rows.Next() {
		var f rule.Field
		if err := rows.Scan(&f.ID, &f.Title, &f.Type); err != nil {
			rows.Close()
			return cat, err
		}
		cat.Fields[f.ID] = f
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return cat, err
	}
	rows, err = c.QueryContext(ctx, `SELECT field_id, name, value FROM ticket_field_options
		WHERE account_id = $1 ORDER BY field_id, position, id`, accountID)
	if err != nil {
		return cat, err
	}
	for rows.Next() {
		var fid int64
		var o rule.Option
		if err := rows.Scan(&fid, &o.Name, &o.Value); err != nil {
			rows.Close()
			return cat, err
		}
		if f, ok := cat.Fields[fid]; ok {
			f.Options = append(f.Options, o)
			cat.Fields[fid] = f
		}
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return cat, err
	}
	rows, err = c.QueryContext(ctx, `SELECT id, status_category, agent_label, active FROM custom_statuses WHERE account_id = $1`, accountID)
	if err != nil {
		return cat, err
	}
	for rows.Next() {
		var s rule.Status
		if err := rows.Scan(&s.ID, &s.Category, &s.Label, &s.Active); err != nil {
			rows.Close()
			return cat, err
		}
		cat.Statuses[s.ID] = s
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return cat, err
	}
	for q, m := range map[string]map[int64]string{
		`SELECT id, name FROM groups WHERE account_id = $1 AND deleted = FALSE`:                             cat.Groups,
		`SELECT id, name FROM users WHERE account_id = $1 AND role IN ('agent', 'admin') AND active = TRUE`: cat.Agents,
		`SELECT id, name FROM ticket_forms WHERE account_id = $1 AND active = TRUE`:                         cat.Forms,
	} {
		if err := pairs(ctx, c, q, accountID, func(id int64, name string) { m[id] = name }); err != nil {
			return cat, err
		}
	}
	rows, err = c.QueryContext(ctx, `SELECT id, name FROM webhooks WHERE account_id = $1`, accountID)
	if err != nil {
		return cat, err
	}
	defer rows.Close()
	for rows.Next() {
		var id, name string
		if err := rows.Scan(&id, &name); err != nil {
			return cat, err
		}
		cat.Webhooks[id] = name
	}
	return cat, rows.Err()
}

func pairs(ctx context.Context, c db.Executor, q string, accountID int64, fn func(int64, string)) error {
	rows, err := c.QueryContext(ctx, q, accountID)
	if err != nil {
		return err
	}
	defer rows.Close()
	for rows.Next() {
		var id int64
		var name string
		if err := rows.Scan(&id, &name); err != nil {
			return err
		}
		fn(id, name)
	}
	return rows.Err()
}
