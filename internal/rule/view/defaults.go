package view

import (
	"context"

	"parley/internal/rule"
)

// defaultView is one of the views a Zendesk account starts with.
type defaultView struct {
	key, title string
	all        []rule.Condition
	out        Output
}

func cond(field, op, value string) rule.Condition {
	return rule.Condition{Field: field, Operator: op, Value: value}
}

// defaults are Zendesk's starting views, with their titles, conditions,
// columns and order.
var defaults = []defaultView{
	{"your_unsolved", "Your unsolved tickets",
		[]rule.Condition{cond("status", "less_than", "solved"), cond("assignee_id", "is", "current_user")},
		Output{Columns: []string{"subject", "requester", "updated_requester", "group", "priority"}, GroupBy: "status", GroupOrder: "asc",
			SortBy: "updated_requester", SortOrder: "desc"}},
	{"unassigned", "Unassigned tickets",
		[]rule.Condition{cond("assignee_id", "is", ""), cond("status", "less_than", "solved")},
		Output{Columns: []string{"subject", "requester", "created", "group", "priority"},
			SortBy: "created", SortOrder: "asc"}},
	{"all_unsolved", "All unsolved tickets",
		[]rule.Condition{cond("status", "less_than", "solved")},
		Output{Columns: []string{"subject", "requester", "updated_requester", "group", "assignee"}, GroupBy: "status", GroupOrder: "asc",
			SortBy: "updated_requester", SortOrder: "desc"}},
	{"recently_updated", "Recently updated tickets",
		[]rule.Condition{cond("status", "less_than", "closed"), cond("updated_at", "less_than", "24")},
		Output{Columns: []string{"status", "subject", "requester", "updated", "assignee"},
			SortBy: "updated", SortOrder: "desc"}},
	{"pending", "Pending tickets",
		[]rule.Condition{cond("status", "is", "pending")},
		Output{Columns: []string{"subject", "requester", "updated_requester", "group", "assignee"},
			SortBy: "updated_requester", SortOrder: "desc"}},
	{"recently_solved", "Recently solved tickets",
		[]rule.Condition{cond("status", "is", "solved"), cond("SOLVED", "less_than", "168")},
		Output{Columns: []string{"subject", "requester", "solved", "assignee"},
			SortBy: "solved", SortOrder: "desc"}},
}

// BootstrapAccount gives an account the default views it lacks
// (idempotent: each default is created once, by key).
func (s *Service) BootstrapAccount(ctx context.Context, accountID int64) error {
	return s.d.InTx(ctx, func(ctx context.Context) error {
		for i, d := range defaults {
			var n int
			if err := s.d.Conn(ctx).QueryRowContext(ctx, `SELECT count(*) FROM views WHERE account_id = $1 AND default_key = $2`,
				accountID, d.key).Scan(&n); err != nil {
				return err
			}
			if n > 0 {
				continue
			}
			now := s.clock.Now()
			all := append([]rule.Condition{}, d.all...)
			v := View{AccountID: accountID, Title: d.title, Active: true, Position: i, Default: true, DefaultKey: d.key,
				Conditions: rule.Conditions{All: all, Any: []rule.Condition{}}, Output: d.out, CreatedAt: now, UpdatedAt: now}
			if _, err := s.insertView(ctx, v); err != nil {
				return err
			}
		}
		return nil
	})
}
