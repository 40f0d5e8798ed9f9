package browser_test

import (
	"testing"

	"parley/internal/app/apptest"
	"parley/internal/e2e/browser"
)

// TestAdminRules runs admin_rules.js on both dialects: triggers and
// automations edited in the admin center (the builder filled from the
// stored rule), moved to another category, deactivated, activated and
// deleted, each checked through the API, and an edited trigger firing
// with its new action on a new ticket.
func TestAdminRules(t *testing.T) {
	browser.Require(t)
	apptest.Each(t, func(t *testing.T, s *apptest.Server) {
		r := s.Do(t, apptest.Request{Method: "POST", Path: "/api/v2/triggers.json", Auth: s.Default.TokenAuth(),
			Body: map[string]any{"trigger": map[string]any{"title": "Tag printer tickets",
				"conditions": map[string]any{"all": []any{
					map[string]any{"field": "update_type", "operator": "is", "value": "Create"},
					map[string]any{"field": "subject_includes_word", "operator": "includes", "value": "printer"}}},
				"actions": []any{map[string]any{"field": "set_tags", "value": "printer"}}}}})
		if r.Status != 201 {
			t.Fatalf("create trigger: %d %s", r.Status, r.Body)
		}
		browser.Run(t, s, "admin_rules.js", "PARLEY_API_AUTH="+s.Default.TokenAuth())
	})
}
