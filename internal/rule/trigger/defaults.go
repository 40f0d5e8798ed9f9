package trigger

import (
	"context"
	"database/sql"
	"errors"

	"parley/internal/rule"
)

// defaultRule is one of the rules every new account starts with.
type defaultRule struct {
	kind    rule.Kind
	title   string
	active  bool
	all     []rule.Condition
	any     []rule.Condition
	actions []rule.Action
}

func cond(field, op string, value any) rule.Condition {
	return rule.Condition{Field: field, Operator: op, Value: value}
}

func notify(recipient, subject, body string) rule.Action {
	return rule.Action{Field: "notification_user", Value: []any{recipient, subject, body}}
}

// defaultRules are Zendesk's standard triggers and the standard automation,
// with their conditions and placeholder texts.
var defaultRules = []defaultRule{
	{kind: rule.Trigger, title: "Notify requester and CCs of received request", active: true,
		all: []rule.Condition{cond("update_type", "is", "Create"), cond("status", "is_not", "solved"),
			cond("role", "is", "end_user")},
		actions: []rule.Action{notify("requester_and_ccs", "[{{ticket.account}}] Re: {{ticket.title}}",
			"Your request ({{ticket.id}}) has been received and is being reviewed by our support staff.\n\n"+
				"To add additional comments, reply to this email.\n\n{{ticket.comments_formatted}}")}},
	{kind: rule.Trigger, title: "Notify requester and CCs of comment update", active: true,
		all: []rule.Condition{cond("update_type", "is", "Change"), cond("comment_is_public", "is", "true"),
			cond("role", "is_not", "end_user")},
		actions: []rule.Action{notify("requester_and_ccs", "[{{ticket.account}}] Re: {{ticket.title}}",
			"{{ticket.comments_formatted}}")}},
	{kind: rule.Trigger, title: "Notify assignee of comment update", active: true,
		all: []rule.Condition{cond("update_type", "is", "Change"), cond("comment_is_public", "is", "not_relevant"),
			cond("assignee_id", "is_not", "current_user"), cond("assignee_id", "is_not", "")},
		actions: []rule.Action{notify("assignee_id", "[{{ticket.account}}] Re: {{ticket.title}}",
			"This ticket (#{{ticket.id}}) has been updated.\n\n{{ticket.comments_formatted}}")}},
	{kind: rule.Trigger, title: "Notify assignee of assignment", active: true,
		all: []rule.Condition{cond("assignee_id", "changed", nil), cond("assignee_id", "is_not", "current_user"),
			cond("assignee_id", "is_not", "")},
		actions: []rule.Action{notify("assignee_id", "[{{ticket.account}}] Assignment: {{ticket.title}}",
			"You have been assigned to this ticket (#{{ticket.id}}).\n\n{{ticket.comments_formatted}}")}},
	{kind: rule.Trigger, title: "Notify assignee of reopened ticket", active: true,
		all: []rule.Condition{cond("update_type", "is", "Change"), cond("status", "value_previous", "solved"),
			cond("status", "less_than", "solved"), cond("assignee_id", "is_not", "current_user"),
			cond("assignee_id", "is_not", "")},
		actions: []rule.Action{notify("assignee_id", "[{{ticket.account}}] Re: {{ticket.title}}",
			"The ticket (#{{ticket.id}}) has been reopened.\n\n{{ticket.comments_formatted}}")}},
	{kind: rule.Trigger, title: "Notify group of assignment", active: true,
		all: []rule.Condition{cond("group_id", "changed", nil), cond("assignee_id", "is", ""),
			cond("group_id", "is_not", "")},
		actions: []rule.Action{{Field: "notification_group", Value: []any{"group_id",
			"[{{ticket.account}}] Assignment: {{ticket.title}}",
			"A ticket (#{{ticket.id}}) by {{ticket.requester.name}} has been assigned to group {{ticket.group.name}}, " +
				"of which you are a member.\n\n{{ticket.comments_formatted}}"}}}},
	{kind: rule.Trigger, title: "Notify all agents of received request", active: false,
		all: []rule.Condition{cond("update_type", "is", "Create")},
		actions: []rule.Action{notify("all_agents", "[{{ticket.account}}] {{ticket.title}}",
			"A ticket (#{{ticket.id}}) by {{ticket.requester.name}} has been received. It is unassigned.\n\n"+
				"{{ticket.comments_formatted}}")}},
	{kind: rule.Automation, title: "Close ticket 4 days after status is set to solved", active: true,
		all:     []rule.Condition{cond("status", "is", "solved"), cond("SOLVED", "greater_than", "96")},
		actions: []rule.Action{{Field: "status", Value: "closed"}}},
}

// BootstrapAccount gives an account the standard triggers (in the category
// "Notifications") and the standard automation. Idempotent: a default rule
// already present (by kind and title) is left alone, even if edited.
func (s *Service) BootstrapAccount(ctx context.Context, accountID int64) error {
	return s.d.InTx(ctx, func(ctx context.Context) error {
		now := s.clock.Now()
		var catID int64
		err := s.d.Conn(ctx).QueryRowContext(ctx, `SELECT id FROM trigger_categories WHERE account_id = $1 AND name = $2
			ORDER BY id LIMIT 1`, accountID, DefaultCategoryName).Scan(&catID)
		if errors.Is(err, sql.ErrNoRows) {
			c := Category{AccountID: accountID, Name: DefaultCategoryName, CreatedAt: now, UpdatedAt: now}
			if err := s.d.Conn(ctx).QueryRowContext(ctx, `SELECT COALESCE(MAX(position), -1) + 1 FROM trigger_categories
				WHERE account_id = $1`, accountID).Scan(&c.Position); err != nil {
				return err
			}
			if err := s.insertCategory(ctx, &c); err != nil {
				return err
			}
			catID = c.ID
		} else if err != nil {
			return err
		}
		for _, dr := range defaultRules {
			var n int
			if err := s.d.Conn(ctx).QueryRowContext(ctx, `SELECT count(*) FROM triggers WHERE account_id = $1 AND kind = $2
				AND title = $3 AND is_default = TRUE`, accountID, string(dr.kind), dr.title).Scan(&n); err != nil {
				return err
			}
			if n > 0 {
				continue
			}
			r := Rule{AccountID: accountID, Kind: dr.kind, Title: dr.title, RawTitle: dr.title, Active: dr.active, Default: true,
				Conditions: rule.Conditions{All: dr.all, Any: dr.any}, Actions: dr.actions, CreatedAt: now, UpdatedAt: now}
			if dr.kind == rule.Trigger {
				r.CategoryID = catID
			}
			pos, err := s.nextPosition(ctx, accountID, dr.kind, r.CategoryID)
			if err != nil {
				return err
			}
			r.Position = pos
			if err := s.insertRule(ctx, &r); err != nil {
				return err
			}
			r.Revision = 1
			if err := s.insertRevision(ctx, r, -1); err != nil {
				return err
			}
		}
		return nil
	})
}
