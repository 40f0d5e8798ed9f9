package browser_test

import (
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
		api("/api/v2/tickets.json", map[string]any{"ticket": map[string]any{"subject": "Duplicate printer report",
			"comment": map[string]any{"body": "The printer is burning"}}})
		api("/api/v2/macros.json", map[string]any{"macro": map[string]any{"title": "Close and thank", "actions": []any{
			map[string]any{"field": "status", "value": "solved"},
			map[string]any{"field": "comment_value", "value": "Thanks for your patience; this is fixed."}}}})
		api("/api/v2/custom_statuses.json", map[string]any{"custom_status": map[string]any{"status_category": "hold",
			"agent_label": "Waiting on vendor"}})
		browser.Run(t, s, "workspace.js", "PARLEY_AGENT_EMAIL=bea@alpha.example", "PARLEY_AGENT_PASSWORD=bea-password-1",
			"PARLEY_MACRO=Close and thank")
	})
}
