package trigger_test

import (
	"fmt"
	"net/http"
	"strings"
	"testing"

	"parley/internal/auth"
	"parley/internal/platform/db"
	"parley/internal/platform/db/dbtest"
)

func triggerBody(title string) map[string]any {
	return map[string]any{"trigger": map[string]any{
		"title":      title,
		"conditions": map[string]any{"all": []any{map[string]any{"field": "status", "operator": "is", "value": "new"}}},
		"actions":    []any{map[string]any{"field": "priority", "value": "high"}},
	}}
}

func obj(t *testing.T, m map[string]any, key string) map[string]any {
	t.Helper()
	o, ok := m[key].(map[string]any)
	if !ok {
		t.Fatalf("response has no object %q: %v", key, m)
	}
	return o
}

func list(t *testing.T, m map[string]any, key string) []any {
	t.Helper()
	l, ok := m[key].([]any)
	if !ok {
		t.Fatalf("response has no list %q: %v", key, m)
	}
	return l
}

func titles(t *testing.T, m map[string]any, key string) []string {
	t.Helper()
	var out []string
	for _, x := range list(t, m, key) {
		out = append(out, x.(map[string]any)["title"].(string))
	}
	return out
}

func TestTriggerCRUD(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		e := newEnv(t, d)
		a := e.a
		m := e.mustCall(a, "POST", "/triggers.json", triggerBody("Escalate new"), http.StatusCreated)
		tr := obj(t, m, "trigger")
		id := int64(tr["id"].(float64))
		if _, ok := tr["category_id"].(string); !ok {
			t.Errorf("category_id = %#v; want a string", tr["category_id"])
		}
		conds := obj(t, tr, "conditions")
		if anyList, ok := conds["any"].([]any); !ok || len(anyList) != 0 {
			t.Errorf("conditions.any = %#v; want []", conds["any"])
		}
		for _, k := range []string{"url", "raw_title", "active", "position", "default", "description", "actions", "created_at", "updated_at"} {
			if _, ok := tr[k]; !ok {
				t.Errorf("trigger lacks %q", k)
			}
		}
		if tr["active"] != true || tr["default"] != false {
			t.Errorf("active/default = %v/%v", tr["active"], tr["default"])
		}

		got := obj(t, e.mustCall(a, "GET", fmt.Sprintf("/triggers/%d", id), nil, 200), "trigger")
		if got["title"] != "Escalate new" {
			t.Errorf("GET title = %v", got["title"])
		}
		// A title-only update keeps conditions and actions.
		up := obj(t, e.mustCall(a, "PUT", fmt.Sprintf("/triggers/%d.json", id),
			map[string]any{"trigger": map[string]any{"title": "Renamed", "active": false}}, 200), "trigger")
		if up["title"] != "Renamed" || up["active"] != false || len(up["actions"].([]any)) != 1 {
			t.Errorf("PUT = %v", up)
		}
		// Sending conditions alone replaces both arrays, so actions are empty: 422.
		code, body := e.call(a, a.owner, "PUT", fmt.Sprintf("/triggers/%d", id),
			map[string]any{"trigger": map[string]any{"all": []any{map[string]any{"field": "status", "operator": "is", "value": "open"}}}})
		if code != 422 || body["error"] != "RecordInvalid" || obj(t, body, "details")["actions"] == nil {
			t.Errorf("PUT conditions only = %d %v; want 422 with details.actions", code, body)
		}
		// Top-level all/any with actions replace the rule.
		up = obj(t, e.mustCall(a, "PUT", fmt.Sprintf("/triggers/%d", id), map[string]any{"trigger": map[string]any{
			"all":     []any{map[string]any{"field": "status", "operator": "is", "value": "open"}},
			"actions": []any{map[string]any{"field": "priority", "value": "low"}}}}, 200), "trigger")
		if c := obj(t, up, "conditions")["all"].([]any); len(c) != 1 || c[0].(map[string]any)["value"] != "open" {
			t.Errorf("conditions after PUT = %v", up["conditions"])
		}

		revs := list(t, e.mustCall(a, "GET", fmt.Sprintf("/triggers/%d/revisions", id), nil, 200), "trigger_revisions")
		if len(revs) != 3 {
			t.Errorf("revisions = %d; want 3 (create + 2 updates)", len(revs))
		}
		rid := int64(revs[0].(map[string]any)["id"].(float64))
		rev := obj(t, e.mustCall(a, "GET", fmt.Sprintf("/triggers/%d/revisions/%d", id, rid), nil, 200), "trigger_revision")
		if obj(t, rev, "snapshot")["title"] != "Escalate new" {
			t.Errorf("first revision snapshot = %v", rev["snapshot"])
		}

		e.mustCall(a, "DELETE", fmt.Sprintf("/triggers/%d", id), nil, http.StatusNoContent)
		code, body = e.call(a, a.owner, "GET", fmt.Sprintf("/triggers/%d", id), nil)
		if code != 404 || body["error"] != "RecordNotFound" {
			t.Errorf("GET deleted = %d %v", code, body)
		}
		e.mustCall(a, "DELETE", fmt.Sprintf("/triggers/%d", id), nil, http.StatusNotFound)
	})
}

func TestTriggerErrorsAndPermissions(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		e := newEnv(t, d)
		a := e.a
		agent := e.user(a, "Agent", "agent@acme.example", auth.RoleAgent)
		enduser := e.user(a, "Ann", "ann@acme.example", auth.RoleEndUser)

		code, body := e.call(a, a.owner, "POST", "/triggers", map[string]any{"trigger": map[string]any{"title": " "}})
		if code != 422 {
			t.Fatalf("blank trigger = %d %v", code, body)
		}
		details := obj(t, body, "details")
		for _, k := range []string{"title", "actions", "conditions"} {
			if details[k] == nil {
				t.Errorf("details lack %q: %v", k, details)
			}
		}
		if code, _ := e.call(a, a.owner, "POST", "/triggers", map[string]any{"nope": 1}); code != 400 {
			t.Errorf("missing root = %d; want 400", code)
		}
		b := triggerBody("x")
		b["trigger"].(map[string]any)["category_id"] = "999999"
		if code, body := e.call(a, a.owner, "POST", "/triggers", b); code != 422 || obj(t, body, "details")["category_id"] == nil {
			t.Errorf("unknown category = %d %v", code, body)
		}
		if code, _ := e.call(a, agent.ID, "POST", "/triggers", triggerBody("x")); code != 403 {
			t.Errorf("agent create = %d; want 403", code)
		}
		if code, _ := e.call(a, agent.ID, "GET", "/triggers", nil); code != 200 {
			t.Errorf("agent list = %d; want 200", code)
		}
		if code, _ := e.call(a, enduser.ID, "GET", "/triggers", nil); code != 403 {
			t.Errorf("end user list = %d; want 403", code)
		}
		if code, _ := e.call(a, a.owner, "GET", "/triggers/abc", nil); code != 404 {
			t.Errorf("GET /triggers/abc = %d; want 404", code)
		}
		if code, _ := e.call(a, a.owner, "DELETE", "/triggers/destroy_many", nil); code != 400 {
			t.Errorf("destroy_many without ids = %d; want 400", code)
		}
		if code, _ := e.call(a, a.owner, "GET", "/triggers?page[size]=1000", nil); code != 400 {
			t.Errorf("page[size]=1000 = %d; want 400", code)
		}
	})
}

func TestTriggerListsAndPagination(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		e := newEnv(t, d)
		a := e.a
		var ids []int64
		for _, title := range []string{"Echo", "Alpha", "Delta", "Charlie", "Bravo"} {
			m := e.mustCall(a, "POST", "/triggers", triggerBody(title), 201)
			ids = append(ids, int64(obj(t, m, "trigger")["id"].(float64)))
		}
		e.mustCall(a, "PUT", "/triggers/update_many", map[string]any{"triggers": []any{
			map[string]any{"id": ids[1], "active": false}, map[string]any{"id": fmt.Sprint(ids[3]), "active": false}}}, 200)

		m := e.mustCall(a, "GET", "/triggers?per_page=2", nil, 200)
		if m["count"] != float64(5) || m["next_page"] == nil || m["previous_page"] != nil {
			t.Errorf("page 1 = count %v next %v prev %v", m["count"], m["next_page"], m["previous_page"])
		}
		if got := strings.Join(titles(t, m, "triggers"), ","); got != "Echo,Alpha" {
			t.Errorf("page 1 (position order) = %s", got)
		}
		m = e.mustCall(a, "GET", "/triggers?per_page=2&page=3", nil, 200)
		if got := strings.Join(titles(t, m, "triggers"), ","); got != "Bravo" || m["next_page"] != nil {
			t.Errorf("page 3 = %s next %v", got, m["next_page"])
		}
		m = e.mustCall(a, "GET", "/triggers?sort_by=alphabetical&sort_order=desc", nil, 200)
		if got := strings.Join(titles(t, m, "triggers"), ","); got != "Echo,Delta,Charlie,Bravo,Alpha" {
			t.Errorf("alphabetical desc = %s", got)
		}
		// Cursor pagination walks everything exactly once.
		var seen []string
		path := "/triggers?page[size]=2&sort=alphabetical"
		for i := 0; i < 5 && path != ""; i++ {
			m = e.mustCall(a, "GET", path, nil, 200)
			seen = append(seen, titles(t, m, "triggers")...)
			meta := obj(t, m, "meta")
			if meta["has_more"] != true {
				break
			}
			path = "/triggers?page[size]=2&sort=alphabetical&page[after]=" + meta["after_cursor"].(string)
		}
		if got := strings.Join(seen, ","); got != "Alpha,Bravo,Charlie,Delta,Echo" {
			t.Errorf("cursor walk = %s", got)
		}
		m = e.mustCall(a, "GET", "/triggers/active", nil, 200)
		if got := strings.Join(titles(t, m, "triggers"), ","); got != "Echo,Delta,Bravo" {
			t.Errorf("active = %s", got)
		}
		m = e.mustCall(a, "GET", "/triggers?active=false", nil, 200)
		if got := strings.Join(titles(t, m, "triggers"), ","); got != "Alpha,Charlie" {
			t.Errorf("active=false = %s", got)
		}
		m = e.mustCall(a, "GET", "/triggers/search?query=LTA", nil, 200)
		if got := strings.Join(titles(t, m, "triggers"), ","); got != "Delta" || m["count"] != float64(1) {
			t.Errorf("search LTA = %s (count %v)", got, m["count"])
		}
		m = e.mustCall(a, "GET", "/triggers?include=usage_24h&sort_by=usage_24h", nil, 200)
		if v, ok := list(t, m, "triggers")[0].(map[string]any)["usage_24h"]; !ok || v != float64(0) {
			t.Errorf("usage_24h = %v", v)
		}
		if _, ok := e.mustCall(a, "GET", "/triggers/definitions", nil, 200)["definitions"]; !ok {
			t.Error("definitions lack the root key")
		}

		// Reorder needs every trigger once.
		rev := []any{ids[4], ids[3], ids[2], ids[1], ids[0]}
		m = e.mustCall(a, "PUT", "/triggers/reorder", map[string]any{"trigger_ids": rev}, 200)
		if got := strings.Join(titles(t, m, "triggers"), ","); got != "Bravo,Charlie,Delta,Alpha,Echo" {
			t.Errorf("reorder answer = %s", got)
		}
		m = e.mustCall(a, "GET", "/triggers", nil, 200)
		if got := strings.Join(titles(t, m, "triggers"), ","); got != "Bravo,Charlie,Delta,Alpha,Echo" {
			t.Errorf("after reorder = %s", got)
		}
		e.mustCall(a, "PUT", "/triggers/reorder", map[string]any{"trigger_ids": rev[:4]}, 422)
		e.mustCall(a, "POST", "/trigger_categories", map[string]any{"trigger_category": map[string]any{"name": "Second"}}, 201)
		if _, body := e.call(a, a.owner, "PUT", "/triggers/reorder", map[string]any{"trigger_ids": rev}); body["error"] != "LimitOneCategory" {
			t.Errorf("reorder with two categories = %v; want LimitOneCategory", body)
		}

		e.mustCall(a, "DELETE", fmt.Sprintf("/triggers/destroy_many?ids=%d,%d", ids[0], ids[1]), nil, 204)
		e.mustCall(a, "DELETE", fmt.Sprintf("/triggers/destroy_many?ids=%d,999999", ids[2]), nil, 404)
		if m := e.mustCall(a, "GET", "/triggers", nil, 200); m["count"] != float64(3) {
			t.Errorf("after destroy_many count = %v; want 3 (a failing destroy_many removes nothing)", m["count"])
		}
	})
}

func TestTriggerCategories(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		e := newEnv(t, d)
		a := e.a
		m := e.mustCall(a, "POST", "/trigger_categories", map[string]any{"trigger_category": map[string]any{"name": "Routing"}}, 201)
		cat := obj(t, m, "trigger_category")
		cid, ok := cat["id"].(string)
		if !ok || cat["name"] != "Routing" {
			t.Fatalf("category = %v; want a string id", cat)
		}
		e.mustCall(a, "POST", "/trigger_categories", map[string]any{"trigger_category": map[string]any{"name": ""}}, 422)
		cat = obj(t, e.mustCall(a, "PATCH", "/trigger_categories/"+cid, map[string]any{"trigger_category": map[string]any{"name": "Routes", "position": 5}}, 200), "trigger_category")
		if cat["name"] != "Routes" || cat["position"] != float64(5) {
			t.Errorf("PATCH = %v", cat)
		}
		b := triggerBody("In routes")
		b["trigger"].(map[string]any)["category_id"] = cid
		tr := obj(t, e.mustCall(a, "POST", "/triggers", b, 201), "trigger")
		if tr["category_id"] != cid {
			t.Errorf("trigger category = %v; want %s", tr["category_id"], cid)
		}
		code, body := e.call(a, a.owner, "DELETE", "/trigger_categories/"+cid, nil)
		if code != 400 || body["error"] != "CategoryNotEmpty" {
			t.Errorf("delete non-empty = %d %v", code, body)
		}
		m = e.mustCall(a, "GET", "/trigger_categories?include=rule_counts", nil, 200)
		var found bool
		for _, x := range list(t, m, "trigger_categories") {
			c := x.(map[string]any)
			if c["id"] == cid {
				found = true
				if rc := obj(t, c, "rule_counts"); rc["active_count"] != float64(1) {
					t.Errorf("rule_counts = %v", rc)
				}
			}
		}
		if !found {
			t.Errorf("category %s not listed", cid)
		}
		// A batch job moves the trigger to a new category; the old one can go.
		other := obj(t, e.mustCall(a, "POST", "/trigger_categories", map[string]any{"trigger_category": map[string]any{"name": "Other"}}, 201), "trigger_category")
		m = e.mustCall(a, "POST", "/trigger_categories/jobs", map[string]any{"job": map[string]any{"action": "patch", "items": map[string]any{
			"trigger_categories": []any{map[string]any{"id": other["id"], "position": 0}},
			"triggers":           []any{map[string]any{"id": fmt.Sprint(tr["id"]), "position": 3, "category_id": other["id"]}}}}}, 200)
		if m["status"] != "complete" {
			t.Errorf("job = %v", m)
		}
		moved := obj(t, e.mustCall(a, "GET", fmt.Sprintf("/triggers/%v", tr["id"]), nil, 200), "trigger")
		if moved["category_id"] != other["id"] || moved["position"] != float64(3) {
			t.Errorf("moved trigger = %v", moved)
		}
		e.mustCall(a, "DELETE", "/trigger_categories/"+cid, nil, 204)
		e.mustCall(a, "GET", "/trigger_categories/"+cid, nil, 404)
	})
}

func TestIsolationBetweenAccounts(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		e := newEnv(t, d)
		m := e.mustCall(e.a, "POST", "/triggers", triggerBody("Mine"), 201)
		id := int64(obj(t, m, "trigger")["id"].(float64))
		cat := obj(t, m, "trigger")["category_id"].(string)
		for _, p := range []string{fmt.Sprintf("/triggers/%d", id), fmt.Sprintf("/triggers/%d/revisions", id), "/trigger_categories/" + cat} {
			if code, _ := e.call(e.b, e.b.owner, "GET", p, nil); code != 404 {
				t.Errorf("B GET %s = %d; want 404", p, code)
			}
		}
		if code, _ := e.call(e.b, e.b.owner, "PUT", fmt.Sprintf("/triggers/%d", id), triggerBody("Stolen")); code != 404 {
			t.Errorf("B PUT = %d; want 404", code)
		}
		if code, _ := e.call(e.b, e.b.owner, "DELETE", fmt.Sprintf("/triggers/destroy_many?ids=%d", id), nil); code != 404 {
			t.Errorf("B destroy_many = %d; want 404", code)
		}
		b := triggerBody("Cross")
		b["trigger"].(map[string]any)["category_id"] = cat
		if code, _ := e.call(e.b, e.b.owner, "POST", "/triggers", b); code != 422 {
			t.Errorf("B trigger in A's category = %d; want 422", code)
		}
		if m := e.mustCall(e.b, "GET", "/triggers", nil, 200); m["count"] != float64(0) {
			t.Errorf("B list count = %v; want 0", m["count"])
		}
		e.mustCall(e.a, "GET", fmt.Sprintf("/triggers/%d", id), nil, 200)
	})
}

func automationBody(title string, all []any, actions []any) map[string]any {
	return map[string]any{"automation": map[string]any{"title": title, "all": all, "actions": actions}}
}

func cm(field, op, v string) map[string]any {
	return map[string]any{"field": field, "operator": op, "value": v}
}

func TestAutomationAPI(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		e := newEnv(t, d)
		a := e.a
		closeAll := []any{cm("status", "is", "solved"), cm("SOLVED", "greater_than", "48")}
		closeAct := []any{map[string]any{"field": "status", "value": "closed"}}
		m := e.mustCall(a, "POST", "/automations", automationBody("Close after 2 days", closeAll, closeAct), 201)
		au := obj(t, m, "automation")
		id := int64(au["id"].(float64))
		if _, has := au["category_id"]; has {
			t.Errorf("automation has category_id: %v", au)
		}
		// Duplicates of an active automation are refused.
		code, body := e.call(a, a.owner, "POST", "/automations", automationBody("Same", closeAll, closeAct))
		if code != 422 || obj(t, body, "details")["base"] == nil {
			t.Errorf("duplicate = %d %v", code, body)
		}
		// No time condition.
		code, body = e.call(a, a.owner, "POST", "/automations", automationBody("No time", []any{cm("status", "is", "pending")}, closeAct))
		if code != 422 {
			t.Errorf("no time condition = %d %v", code, body)
		}
		// Time condition in any.
		b := automationBody("Any time", []any{cm("status", "is", "pending"), cm("PENDING", "greater_than", "24")}, closeAct)
		b["automation"].(map[string]any)["any"] = []any{cm("OPEN", "greater_than", "2")}
		if code, body := e.call(a, a.owner, "POST", "/automations", b); code != 422 {
			t.Errorf("time condition in any = %d %v", code, body)
		}
		// Does not nullify itself: tags a ticket without checking the tag.
		code, body = e.call(a, a.owner, "POST", "/automations", automationBody("Nag",
			[]any{cm("status", "is", "pending"), cm("PENDING", "greater_than", "24")},
			[]any{map[string]any{"field": "priority", "value": "high"}}))
		if code != 422 {
			t.Errorf("not nullifying = %d %v", code, body)
		}
		e.mustCall(a, "GET", "/automations/active", nil, 200)
		if got := titles(t, e.mustCall(a, "GET", "/automations/search?query=close", nil, 200), "automations"); len(got) != 1 {
			t.Errorf("search = %v", got)
		}
		m = e.mustCall(a, "PUT", "/automations/update_many", map[string]any{"automations": []any{
			map[string]any{"id": id, "active": false, "position": 7}}}, 200)
		if x := list(t, m, "automations")[0].(map[string]any); x["active"] != false || x["position"] != float64(7) {
			t.Errorf("update_many = %v", x)
		}
		e.mustCall(a, "DELETE", fmt.Sprintf("/automations/destroy_many?ids=%d", id), nil, 204)
		e.mustCall(a, "GET", fmt.Sprintf("/automations/%d", id), nil, 404)
		if code, _ := e.call(e.b, e.b.owner, "GET", "/automations", nil); code != 200 {
			t.Errorf("B list = %d", code)
		}
	})
}
