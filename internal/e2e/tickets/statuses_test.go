package tickets_test

import (
	"fmt"
	"net/http"
	"strings"
	"testing"

	"parley/internal/app/apptest"
)

// statusKeys is every property of a custom status (§2.10).
var statusKeys = []string{"url", "id", "status_category", "agent_label", "raw_agent_label", "end_user_label", "raw_end_user_label",
	"description", "raw_description", "end_user_description", "raw_end_user_description", "active", "default", "created_at", "updated_at"}

// TestCustomStatuses covers custom status CRUD, the filters, the default
// switch and what it means for tickets (§2.10).
func TestCustomStatuses(t *testing.T) {
	apptest.Each(t, func(t *testing.T, s *apptest.Server) {
		e := newEnv(t, s, s.Default)
		defaults, all := e.statuses()

		t.Run("every account starts with one default per category", func(t *testing.T) {
			if len(all) != 5 || len(defaults) != 5 {
				t.Fatalf("starting statuses %v", all)
			}
			for _, cat := range []string{"new", "open", "pending", "hold", "solved"} {
				if defaults[cat] == 0 {
					t.Errorf("no default %s status", cat)
				}
			}
			for _, cs := range all {
				for _, k := range statusKeys {
					if _, ok := cs[k]; !ok {
						t.Errorf("custom status %v has no %q", cs["id"], k)
					}
				}
				if cs["active"] != true || cs["status_category"] == "closed" {
					t.Errorf("starting status %v", cs)
				}
			}
		})

		var created int64
		t.Run("create, show, update", func(t *testing.T) {
			e := e.with(t)
			m := e.call("POST", "/custom_statuses.json", map[string]any{"custom_status": map[string]any{"status_category": "open",
				"agent_label": "In progress", "end_user_label": "Working on it", "description": "Agent is on it"}}, http.StatusCreated)
			cs := obj(t, m, "custom_status")
			created = num(t, cs["id"])
			if cs["status_category"] != "open" || cs["agent_label"] != "In progress" || cs["raw_agent_label"] != "In progress" ||
				cs["end_user_label"] != "Working on it" || cs["description"] != "Agent is on it" || cs["active"] != true ||
				cs["default"] != false || !strings.HasSuffix(cs["url"].(string), fmt.Sprintf("/api/v2/custom_statuses/%d.json", created)) {
				t.Errorf("created %v", cs)
			}
			shown := obj(t, e.call("GET", fmt.Sprintf("/custom_statuses/%d.json", created), nil, http.StatusOK), "custom_status")
			if !sameJSON(shown, cs) {
				t.Errorf("show %v, create answered %v", shown, cs)
			}
			up := obj(t, e.call("PUT", fmt.Sprintf("/custom_statuses/%d.json", created), map[string]any{"custom_status": map[string]any{
				"agent_label": "Working", "end_user_description": "Hang on"}}, http.StatusOK), "custom_status")
			if up["agent_label"] != "Working" || up["end_user_description"] != "Hang on" || up["end_user_label"] != "Working on it" ||
				up["status_category"] != "open" {
				t.Errorf("updated %v", up)
			}
			d := e.invalid("PUT", fmt.Sprintf("/custom_statuses/%d.json", created), map[string]any{"custom_status": map[string]any{"status_category": "hold"}})
			detail(t, d, "status_category")
			d = e.invalid("POST", "/custom_statuses.json", map[string]any{"custom_status": map[string]any{"status_category": "closed", "agent_label": "Done"}})
			detail(t, d, "status_category")
			d = e.invalid("POST", "/custom_statuses.json", map[string]any{"custom_status": map[string]any{"status_category": "open", "agent_label": "  "}})
			detail(t, d, "agent_label")
			nf := e.call("GET", "/custom_statuses/987654.json", nil, http.StatusNotFound)
			if nf["error"] != "RecordNotFound" {
				t.Errorf("unknown status: %v", nf)
			}
			e.call("PUT", "/custom_statuses/987654.json", map[string]any{"custom_status": map[string]any{"agent_label": "x"}}, http.StatusNotFound)
		})

		t.Run("filters", func(t *testing.T) {
			e := e.with(t)
			ids := func(q string) []int64 {
				var out []int64
				for _, it := range arr(t, e.call("GET", "/custom_statuses.json"+q, nil, http.StatusOK), "custom_statuses") {
					out = append(out, num(t, it.(map[string]any)["id"]))
				}
				return out
			}
			if got := ids("?status_categories=open"); len(got) != 2 || got[0] != defaults["open"] || got[1] != created {
				t.Errorf("status_categories=open: %v", got)
			}
			if got := ids("?status_categories=open,hold&default=true"); len(got) != 2 {
				t.Errorf("open,hold defaults: %v", got)
			}
			if got := ids("?default=false"); len(got) != 1 || got[0] != created {
				t.Errorf("default=false: %v", got)
			}
			e.call("PUT", fmt.Sprintf("/custom_statuses/%d.json", created), map[string]any{"custom_status": map[string]any{"active": false}}, http.StatusOK)
			if got := ids("?active=false"); len(got) != 1 || got[0] != created {
				t.Errorf("active=false: %v", got)
			}
			e.call("PUT", fmt.Sprintf("/custom_statuses/%d.json", created), map[string]any{"custom_status": map[string]any{"active": true}}, http.StatusOK)
		})

		t.Run("default switch", func(t *testing.T) {
			e := e.with(t)
			d := e.invalid("PUT", fmt.Sprintf("/custom_statuses/%d.json", defaults["open"]), map[string]any{"custom_status": map[string]any{"active": false}})
			detail(t, d, "active")

			e.call("PUT", "/custom_status/default.json", map[string]any{"ids": itoa(created)}, http.StatusOK)
			_, all := e.statuses()
			for _, cs := range all {
				id := num(t, cs["id"])
				want := id == created || (cs["status_category"] != "open" && id == defaults[cs["status_category"].(string)])
				if cs["default"] != want {
					t.Errorf("after the switch status %d (%s) default %v, want %v", id, cs["status_category"], cs["default"], want)
				}
			}
			tk := e.simple("uses the new default", nil)
			tk = e.update(id(t, tk), map[string]any{"status": "open"})
			if num(t, tk["custom_status_id"]) != created {
				t.Errorf("status open takes the new default: custom_status_id %v, want %d", tk["custom_status_id"], created)
			}
			// The old default is an ordinary status now, and can be turned off.
			e.call("PUT", fmt.Sprintf("/custom_statuses/%d.json", defaults["open"]), map[string]any{"custom_status": map[string]any{"active": false}}, http.StatusOK)
			d = e.invalid("PUT", fmt.Sprintf("/tickets/%d.json", id(t, tk)), map[string]any{"ticket": map[string]any{"custom_status_id": defaults["open"]}})
			detail(t, d, "custom_status_id")

			// Two defaults for one category, or an inactive one, are refused.
			m := e.call("POST", "/custom_statuses.json", map[string]any{"custom_status": map[string]any{"status_category": "pending",
				"agent_label": "Waiting", "active": false}}, http.StatusCreated)
			off := num(t, obj(t, m, "custom_status")["id"])
			e.invalid("PUT", "/custom_status/default.json", map[string]any{"ids": itoa(off)})
			e.invalid("PUT", "/custom_status/default.json", map[string]any{"ids": itoa(created) + "," + itoa(defaults["open"])})
			e.invalid("PUT", "/custom_status/default.json", map[string]any{"ids": "987654"})
			// Switching back with a list of several categories.
			e.call("PUT", fmt.Sprintf("/custom_statuses/%d.json", defaults["open"]), map[string]any{"custom_status": map[string]any{"active": true}}, http.StatusOK)
			e.call("PUT", "/custom_status/default.json", map[string]any{"ids": itoa(defaults["open"]) + "," + itoa(defaults["hold"])}, http.StatusOK)
			now, _ := e.statuses()
			if now["open"] != defaults["open"] || now["hold"] != defaults["hold"] {
				t.Errorf("defaults after switching back: %v", now)
			}
		})
	})
}
