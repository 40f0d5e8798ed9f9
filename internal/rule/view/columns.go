package view

import (
	"strconv"
	"time"

	"parley/internal/platform/httpx"
	"parley/internal/rule"
	"parley/internal/ticket"
)

// column is one column a view can show. expr orders by it; it is never
// NULL (nullable times fall back to the creation time) so keyset cursors
// work on every sortable column.
type column struct {
	title string
	expr  string // "" = not sortable
	kind  httpx.ValueKind
}

const (
	statusRank = `(CASE t.status WHEN 'new' THEN 0 WHEN 'open' THEN 1 WHEN 'pending' THEN 2 WHEN 'hold' THEN 3
	WHEN 'solved' THEN 4 ELSE 5 END)`
	priorityRank = `(CASE t.priority WHEN 'low' THEN 1 WHEN 'normal' THEN 2 WHEN 'high' THEN 3 WHEN 'urgent' THEN 4 ELSE 0 END)`
)

func userName(col string) string {
	return `(COALESCE((SELECT u.name FROM users u WHERE u.account_id = t.account_id AND u.id = t.` + col + `), ''))`
}

// columns are Zendesk's view column ids. Sorting by subject, submitter or
// custom status is not supported, as in Zendesk.
var columns = map[string]column{
	"nice_id":            {"ID", "(t.id)", httpx.KindInt},
	"status":             {"Status", statusRank, httpx.KindInt},
	"subject":            {"Subject", "", 0},
	"description":        {"Subject", "", 0},
	"requester":          {"Requester", userName("requester_id"), httpx.KindString},
	"assignee":           {"Assignee", userName("assignee_id"), httpx.KindString},
	"submitter":          {"Submitter", "", 0},
	"group":              {"Group", `(COALESCE((SELECT g.name FROM groups g WHERE g.account_id = t.account_id AND g.id = t.group_id), ''))`, httpx.KindString},
	"organization":       {"Organization", `(COALESCE((SELECT o.name FROM organizations o WHERE o.account_id = t.account_id AND o.id = t.organization_id), ''))`, httpx.KindString},
	"created":            {"Requested", "(t.created_at)", httpx.KindTime},
	"updated":            {"Updated", "(t.updated_at)", httpx.KindTime},
	"updated_requester":  {"Requester updated", "(COALESCE(t.requester_updated_at, t.created_at))", httpx.KindTime},
	"updated_assignee":   {"Assignee updated", "(COALESCE(t.assignee_updated_at, t.created_at))", httpx.KindTime},
	"updated_by_type":    {"Latest update by", "", 0},
	"assigned":           {"Assigned", "(COALESCE(t.assigned_at, t.created_at))", httpx.KindTime},
	"solved":             {"Solved", "(COALESCE(t.solved_at, t.created_at))", httpx.KindTime},
	"due_date":           {"Due date", "(COALESCE(t.due_at, t.created_at))", httpx.KindTime},
	"priority":           {"Priority", priorityRank, httpx.KindInt},
	"type":               {"Type", "(COALESCE(t.type, ''))", httpx.KindString},
	"satisfaction_score": {"Satisfaction", "(t.satisfaction_score)", httpx.KindString},
	"locale_id":          {"Requester language", `(COALESCE((SELECT u.locale FROM users u WHERE u.account_id = t.account_id AND u.id = t.requester_id), ''))`, httpx.KindString},
	"ticket_form":        {"Ticket form", "(COALESCE(t.ticket_form_id, 0))", httpx.KindInt},
	"brand":              {"Brand", "(COALESCE(t.brand_id, 0))", httpx.KindInt},
	"custom_status_id":   {"Ticket status", "", 0},
}

// Column is how a list heads a standard column id: its title, and
// whether a view can sort by it. ok is false for custom field ids (their
// title is the field's) and unknown ids.
func Column(id string) (title string, sortable, ok bool) {
	c, ok := columns[id]
	return c.title, c.expr != "", ok
}

// sortAliases are the ticket list sort names clients also send to
// /views/{id}/tickets.
var sortAliases = map[string]string{
	"id": "nice_id", "created_at": "created", "updated_at": "updated", "ticket_id": "nice_id",
	"requester.name": "requester", "assignee.name": "assignee", "solved_at": "solved", "due_at": "due_date",
}

// lookupColumn finds a standard column or a custom field column (by
// decimal id); ok is false for unknown ids.
func lookupColumn(id string, cat rule.Catalog) (column, bool) {
	if c, ok := columns[id]; ok {
		return c, true
	}
	n, err := strconv.ParseInt(id, 10, 64)
	if err != nil || n <= 0 {
		return column{}, false
	}
	f, ok := cat.Fields[n]
	if !ok {
		return column{}, false
	}
	// The id is a validated integer, so it is safe to write into SQL.
	return column{title: f.Title, kind: httpx.KindString, expr: `(COALESCE((SELECT fv.value FROM ticket_field_values fv
		WHERE fv.account_id = t.account_id AND fv.ticket_id = t.id AND fv.field_id = ` + strconv.FormatInt(n, 10) + `), ''))`}, true
}

// columnID renders a column id: custom field ids are numbers.
func columnID(id string) any {
	if n, err := strconv.ParseInt(id, 10, 64); err == nil {
		return n
	}
	return id
}

// facts are the ticket times a view row shows that the ticket struct may
// not carry; execution selects them with the ids.
type facts struct {
	requesterUpdated, assigneeUpdated, assigned *time.Time
}

// cell is the value of one column for one ticket. People, groups and
// organizations are ids; the response side-loads them.
func cell(id string, t ticket.Ticket, f facts) any {
	switch id {
	case "nice_id":
		return t.ID
	case "status":
		return t.Status
	case "subject", "description":
		return t.Subject
	case "requester":
		return t.RequesterID
	case "assignee":
		return t.AssigneeID
	case "submitter":
		return t.SubmitterID
	case "group":
		return t.GroupID
	case "organization":
		return t.OrganizationID
	case "created":
		return httpx.Time(t.CreatedAt)
	case "updated":
		return httpx.Time(t.UpdatedAt)
	case "updated_requester":
		return httpx.TimePtr(f.requesterUpdated)
	case "updated_assignee":
		return httpx.TimePtr(f.assigneeUpdated)
	case "updated_by_type":
		switch {
		case f.assigneeUpdated != nil && (f.requesterUpdated == nil || f.assigneeUpdated.After(*f.requesterUpdated)):
			return "agent"
		case f.requesterUpdated != nil:
			return "end-user"
		}
		return nil
	case "assigned":
		return httpx.TimePtr(f.assigned)
	case "solved":
		return httpx.TimePtr(t.SolvedAt)
	case "due_date":
		return httpx.TimePtr(t.DueAt)
	case "priority":
		return t.Priority
	case "type":
		return t.Type
	case "satisfaction_score":
		return t.Satisfaction
	case "ticket_form":
		return t.TicketFormID
	case "brand":
		return t.BrandID
	case "custom_status_id":
		return t.CustomStatusID
	case "locale_id":
		return nil
	}
	if n, err := strconv.ParseInt(id, 10, 64); err == nil {
		return t.Fields[n]
	}
	return nil
}
