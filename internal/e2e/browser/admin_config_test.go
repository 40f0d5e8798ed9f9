package browser_test

import (
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"sync"
	"testing"

	"parley/internal/app/apptest"
	"parley/internal/e2e/browser"
)

// TestAdminConfig runs admin_config.js on both dialects: the admin
// center's configuration pages (views, macros, ticket fields and forms,
// organizations, webhooks, roles), each checked through the API or the
// workspace.
func TestAdminConfig(t *testing.T) {
	browser.Require(t)
	apptest.Each(t, func(t *testing.T, s *apptest.Server) {
		hook := newReceiver(t)
		post := func(path string, body any) map[string]any {
			t.Helper()
			r := s.Do(t, apptest.Request{Method: "POST", Path: path, Auth: s.Default.TokenAuth(), Body: body})
			if r.Status != 201 {
				t.Fatalf("POST %s: %d %s", path, r.Status, r.Body)
			}
			return r.JSON(t)
		}
		post("/api/v2/groups.json", map[string]any{"group": map[string]any{"name": "Billing"}})
		post("/api/v2/tickets.json", map[string]any{"ticket": map[string]any{"subject": "Invoice printer on fire",
			"priority": "urgent", "comment": map[string]any{"body": "Smoke everywhere"}}})
		post("/api/v2/tickets.json", map[string]any{"ticket": map[string]any{"subject": "A calm question",
			"priority": "low", "comment": map[string]any{"body": "No hurry"}}})
		post("/api/v2/users.json", map[string]any{"user": map[string]any{"name": "Hal Agent", "email": "hal@alpha.example",
			"role": "agent", "password": "hal-password-1"}})
		post("/api/v2/organization_fields.json", map[string]any{"organization_field": map[string]any{"type": "dropdown",
			"key": "plan", "title": "Plan", "custom_field_options": []any{map[string]any{"name": "Gold", "value": "plan_gold"},
				map[string]any{"name": "Silver", "value": "plan_silver"}}}})
		post("/api/v2/organization_fields.json", map[string]any{"organization_field": map[string]any{"type": "text",
			"key": "account_manager", "title": "Account manager"}})
		post("/api/v2/organizations.json", map[string]any{"organization": map[string]any{"name": "Globex"}})
		browser.Run(t, s, "admin_config.js", "PARLEY_API_AUTH="+s.Default.TokenAuth(), "PARLEY_HOOK_URL="+hook.URL)
	}, apptest.WithWebhookAllow("127.0.0.1"))
}

// received is one request a webhook made.
type received struct {
	Method        string `json:"method"`
	Path          string `json:"path"`
	Authorization string `json:"authorization"`
	Signed        bool   `json:"signed"`
	Body          string `json:"body"`
}

// newReceiver is a webhook endpoint: it records what reaches /hook and
// lists it at GET /received for the browser script.
func newReceiver(t *testing.T) *httptest.Server {
	var mu sync.Mutex
	var got []received
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		mu.Lock()
		defer mu.Unlock()
		if r.URL.Path == "/received" {
			w.Header().Set("Content-Type", "application/json")
			_ = json.NewEncoder(w).Encode(append([]received{}, got...))
			return
		}
		body, _ := io.ReadAll(r.Body)
		got = append(got, received{Method: r.Method, Path: r.URL.Path, Authorization: r.Header.Get("Authorization"),
			Signed: r.Header.Get("X-Zendesk-Webhook-Signature") != "", Body: string(body)})
		_, _ = io.WriteString(w, "thanks")
	}))
	t.Cleanup(srv.Close)
	return srv
}
