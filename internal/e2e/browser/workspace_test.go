package browser_test

import (
	"fmt"
	"testing"

	"parley/internal/app/apptest"
	"parley/internal/e2e/browser"
)

// TestWorkspace runs workspace.js: ticket work by two agents in Chromium,
// with live updates, on both dialects.
func TestWorkspace(t *testing.T) {
	browser.Require(t)
	apptest.Each(t, func(t *testing.T, s *apptest.Server) {
		api := func(path string, body any) {
			t.Helper()
			r := s.Do(t, apptest.Request{Method: "POST", Path: path, Auth: s.Default.TokenAuth(), Body: body})
			if r.Status != 201 {
				t.Fatalf("POST %s: %d %s", path, r.Status, r.Body)
			}
		}
		api("/api/v2/users.json", map[string]any{"user": map[string]any{"name": "Bea Backup", "email": "bea@alpha.example",
			"role": "agent", "password": "bea-password-1"}})
		api("/api/v2/tickets.json", map[string]any{"ticket": map[string]any{"subject": "Seeded ticket",
			"comment": map[string]any{"body": "seed"}}})
		closed := s.Do(t, apptest.Request{Method: "POST", Path: "/api/v2/tickets.json", Auth: s.Default.TokenAuth(),
			Body: map[string]any{"ticket": map[string]any{"subject": "Old closed issue", "status": "closed",
				"requester": map[string]any{"name": "Olga Old", "email": "olga@example.org"}, "comment": map[string]any{"body": "long ago"}}}})
		if closed.Status != 201 {
			t.Fatalf("closed ticket: %d %s", closed.Status, closed.Body)
		}
		closedID := closed.JSON(t)["ticket"].(map[string]any)["id"]
		api("/api/v2/tickets.json", map[string]any{"ticket": map[string]any{"subject": "Duplicate printer report",
			"comment": map[string]any{"body": "The printer is burning"}}})
		api("/api/v2/macros.json", map[string]any{"macro": map[string]any{"title": "Close and thank", "actions": []any{
			map[string]any{"field": "status", "value": "solved"},
			map[string]any{"field": "comment_value", "value": "Thanks for your patience; this is fixed."}}}})
		product := field(t, s, map[string]any{"type": "tagger", "title": "Product", "custom_field_options": []any{
			map[string]any{"name": "Printer", "value": "printer"}, map[string]any{"name": "Scanner", "value": "scanner"}}})
		model := field(t, s, map[string]any{"type": "text", "title": "Printer model"})
		forms := s.Do(t, apptest.Request{Path: "/api/v2/ticket_forms.json", Auth: s.Default.TokenAuth()}).JSON(t)["ticket_forms"].([]any)
		form := forms[0].(map[string]any)
		ids := append(form["ticket_field_ids"].([]any), product, model)
		if r := s.Do(t, apptest.Request{Method: "PUT", Path: fmt.Sprintf("/api/v2/ticket_forms/%v.json", form["id"]), Auth: s.Default.TokenAuth(),
			Body: map[string]any{"ticket_form": map[string]any{"ticket_field_ids": ids, "agent_conditions": []any{map[string]any{
				"parent_field_id": product, "value": "printer", "child_fields": []any{map[string]any{"id": model, "is_required": false}}}}}}}); r.Status != 200 {
			t.Fatalf("form conditions: %d %s", r.Status, r.Body)
		}
		api("/api/v2/custom_statuses.json", map[string]any{"custom_status": map[string]any{"status_category": "hold",
			"agent_label": "Waiting on vendor"}})
		browser.Run(t, s, "workspace.js", "PARLEY_AGENT_EMAIL=bea@alpha.example", "PARLEY_AGENT_PASSWORD=bea-password-1",
			"PARLEY_MACRO=Close and thank", fmt.Sprintf("PARLEY_CLOSED_ID=%v", closedID))
	})
}

// field creates a ticket field and returns its id.
func field(t *testing.T, s *apptest.Server, def map[string]any) any {
	t.Helper()
	r := s.Do(t, apptest.Request{Method: "POST", Path: "/api/v2/ticket_fields.json", Auth: s.Default.TokenAuth(),
		Body: map[string]any{"ticket_field": def}})
	if r.Status != 201 {
		t.Fatalf("create field: %d %s", r.Status, r.Body)
	}
	return r.JSON(t)["ticket_field"].(map[string]any)["id"]
}
