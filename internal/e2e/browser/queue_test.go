package browser_test

import (
	"fmt"
	"testing"

	"parley/internal/app/apptest"
	"parley/internal/config"
	"parley/internal/e2e/browser"
)

// queueUploadLimit is the largest attachment the queue test's server
// takes, so a refused file stays small.
const queueUploadLimit = 2 << 20

// TestQueue runs queue.js: a view's own columns, sort and grouping in the
// ticket list and sorting by its headers (also on a phone), followers,
// reply attachments and the keyboard shortcuts, on both dialects.
func TestQueue(t *testing.T) {
	browser.Require(t)
	apptest.Each(t, func(t *testing.T, s *apptest.Server) {
		post := func(path string, body any) map[string]any {
			t.Helper()
			r := s.Do(t, apptest.Request{Method: "POST", Path: path, Auth: s.Default.TokenAuth(), Body: body})
			if r.Status != 201 {
				t.Fatalf("POST %s: %d %s", path, r.Status, r.Body)
			}
			return r.JSON(t)
		}
		bea := post("/api/v2/users.json", map[string]any{"user": map[string]any{"name": "Bea Backup", "email": "bea@alpha.example",
			"role": "agent", "password": "bea-password-1"}})["user"].(map[string]any)["id"]
		product := field(t, s, map[string]any{"type": "tagger", "title": "Product", "custom_field_options": []any{
			map[string]any{"name": "Printer", "value": "printer"}, map[string]any{"name": "Scanner", "value": "scanner"}}})
		// Three named tickets, then enough others for a second page.
		named := []struct {
			subject, requester, status, priority, product string
		}{
			{"Queue alpha", "Amy Adams", "open", "low", "printer"},
			{"Queue bravo", "Zed Zulu", "pending", "urgent", "scanner"},
			{"Queue charlie", "Max Mill", "open", "normal", ""},
		}
		ids := map[string]any{}
		for _, n := range named {
			tk := map[string]any{"subject": n.subject, "status": n.status, "priority": n.priority, "tags": []string{"queue"},
				"requester": map[string]any{"name": n.requester, "email": fmt.Sprintf("%s@example.org", n.requester[:3])},
				"comment":   map[string]any{"body": "About " + n.subject}}
			if n.product != "" {
				tk["custom_fields"] = []any{map[string]any{"id": product, "value": n.product}}
			}
			ids[n.subject] = post("/api/v2/tickets.json", map[string]any{"ticket": tk})["ticket"].(map[string]any)["id"]
		}
		for i := range 30 {
			post("/api/v2/tickets.json", map[string]any{"ticket": map[string]any{"subject": fmt.Sprintf("Filler %02d", i),
				"tags": []string{"queue"}, "priority": "low", "comment": map[string]any{"body": "filler"}}})
		}
		v := post("/api/v2/views.json", map[string]any{"view": map[string]any{"title": "Queue by priority",
			"all": []any{map[string]any{"field": "status", "operator": "less_than", "value": "closed"},
				map[string]any{"field": "current_tags", "operator": "includes", "value": "queue"}},
			"output": map[string]any{"columns": []any{"subject", "requester", "priority", product, "created", "status", "assignee"},
				"group_by": "status", "group_order": "desc", "sort_by": "priority", "sort_order": "desc"}}})["view"].(map[string]any)
		browser.Run(t, s, "queue.js", "PARLEY_AGENT_EMAIL=bea@alpha.example", "PARLEY_AGENT_PASSWORD=bea-password-1",
			fmt.Sprintf("PARLEY_AGENT_ID=%v", bea), fmt.Sprintf("PARLEY_VIEW_ID=%v", v["id"]),
			fmt.Sprintf("PARLEY_TICKET_ID=%v", ids["Queue alpha"]), "PARLEY_API_AUTH="+s.Default.TokenAuth(),
			fmt.Sprintf("PARLEY_UPLOAD_LIMIT=%d", queueUploadLimit))
	}, func(c *config.Config) { c.UploadLimit = queueUploadLimit })
}
