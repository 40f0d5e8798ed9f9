package ticketjobs_test

import (
	"fmt"
	"testing"

	"parley/internal/app/apptest"
)

func TestFollowUpAndTagFieldSync(t *testing.T) {
	apptest.Each(t, func(t *testing.T, s *apptest.Server) {
		e := env{t, s, s.Default}
		src := e.must(201, "POST", "/api/v2/tickets.json", map[string]any{"ticket": map[string]any{"subject": "Original",
			"requester": map[string]any{"email": "orig@x.example"}, "tags": []string{"vip", "billing"},
			"comment": map[string]any{"body": "first"}}})["ticket"].(map[string]any)
		srcID := num(src["id"])
		// A follow-up of an open ticket is refused.
		if r := e.do("POST", "/api/v2/tickets.json", map[string]any{"ticket": map[string]any{"via_followup_source_id": srcID,
			"comment": map[string]any{"body": "again"}}}); r.Status != 422 {
			t.Fatalf("follow-up of an open ticket: %d", r.Status)
		}
		e.must(200, "PUT", fmt.Sprintf("/api/v2/tickets/%d.json", srcID), map[string]any{"ticket": map[string]any{"status": "closed"}})
		fu := e.must(201, "POST", "/api/v2/tickets.json", map[string]any{"ticket": map[string]any{"via_followup_source_id": srcID,
			"subject": "Follow-up", "comment": map[string]any{"body": "it came back"}}})["ticket"].(map[string]any)
		if num(fu["requester_id"]) != num(src["requester_id"]) || fmt.Sprint(fu["tags"]) != "[billing vip]" {
			t.Fatalf("follow-up inherits requester and tags: %v %v", fu["requester_id"], fu["tags"])
		}
		if ids := e.ticket(srcID)["followup_ids"].([]any); len(ids) != 1 || num(ids[0]) != num(fu["id"]) {
			t.Fatalf("source followup_ids %v", ids)
		}

		// Tag <-> field sync: removing a dropdown's tag clears the field,
		// removing a checkbox's tag unchecks it.
		fid := func(body map[string]any) int64 {
			return num(e.must(201, "POST", "/api/v2/ticket_fields.json", map[string]any{"ticket_field": body})["ticket_field"].(map[string]any)["id"])
		}
		drop := fid(map[string]any{"type": "tagger", "title": "Plan", "custom_field_options": []any{
			map[string]any{"name": "Gold", "value": "plan_gold"}, map[string]any{"name": "Free", "value": "plan_free"}}})
		box := fid(map[string]any{"type": "checkbox", "title": "Urgent", "tag": "is_urgent"})
		tk := e.must(201, "POST", "/api/v2/tickets.json", map[string]any{"ticket": map[string]any{"subject": "Sync",
			"comment": map[string]any{"body": "x"}, "custom_fields": []any{map[string]any{"id": drop, "value": "plan_gold"},
				map[string]any{"id": box, "value": true}}}})["ticket"].(map[string]any)
		id := num(tk["id"])
		if fmt.Sprint(tk["tags"]) != "[is_urgent plan_gold]" {
			t.Fatalf("field tags: %v", tk["tags"])
		}
		tk = e.must(200, "PUT", fmt.Sprintf("/api/v2/tickets/%d.json", id), map[string]any{"ticket": map[string]any{
			"remove_tags": []string{"plan_gold", "is_urgent"}}})["ticket"].(map[string]any)
		vals := map[int64]any{}
		for _, f := range tk["custom_fields"].([]any) {
			vals[num(f.(map[string]any)["id"])] = f.(map[string]any)["value"]
		}
		if vals[drop] != nil || vals[box] != false || len(tk["tags"].([]any)) != 0 {
			t.Fatalf("after removing the tags: fields %v tags %v", vals, tk["tags"])
		}
	})
}
