package browser_test

import (
	"testing"

	"parley/internal/app/apptest"
	"parley/internal/e2e/browser"
)

// TestAdminCenter runs admin.js on both dialects.
func TestAdminCenter(t *testing.T) {
	browser.Require(t)
	apptest.Each(t, func(t *testing.T, s *apptest.Server) {
		r := s.Do(t, apptest.Request{Method: "POST", Path: "/api/v2/users.json", Auth: s.Default.TokenAuth(),
			Body: map[string]any{"user": map[string]any{"name": "Gus Agent", "email": "gus@alpha.example", "role": "agent",
				"password": "gus-password-1"}}})
		if r.Status != 201 {
			t.Fatalf("create agent: %d %s", r.Status, r.Body)
		}
		browser.Run(t, s, "admin.js", "PARLEY_AGENT_EMAIL=gus@alpha.example", "PARLEY_AGENT_PASSWORD=gus-password-1")
	})
}
