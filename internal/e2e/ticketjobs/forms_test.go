package ticketjobs_test

import (
	"fmt"
	"testing"

	"parley/internal/app/apptest"
)

func TestForms(t *testing.T) {
	apptest.Each(t, func(t *testing.T, s *apptest.Server) {
		e := env{t, s, s.Default}
		forms := e.must(200, "GET", "/api/v2/ticket_forms.json", nil)["ticket_forms"].([]any)
		if len(forms) != 1 || forms[0].(map[string]any)["default"] != true {
			t.Fatalf("a new account has one default form: %v", forms)
		}
		defID := num(forms[0].(map[string]any)["id"])
		field := func(body map[string]any) int64 {
			return num(e.must(201, "POST", "/api/v2/ticket_fields.json", map[string]any{"ticket_field": body})["ticket_field"].(map[string]any)["id"])
		}
		parent := field(map[string]any{"type": "checkbox", "title": "Hardware problem"})
		child := field(map[string]any{"type": "text", "title": "Serial number"})
		form := e.must(201, "POST", "/api/v2/ticket_forms.json", map[string]any{"ticket_form": map[string]any{
			"name": "Hardware", "ticket_field_ids": []int64{parent, child},
			"agent_conditions": []any{map[string]any{"parent_field_id": parent, "value": true,
				"child_fields": []any{map[string]any{"id": child, "is_required": true}}}}}})["ticket_form"].(map[string]any)
		formID := num(form["id"])
		if form["default"] != false || len(form["agent_conditions"].([]any)) != 1 {
			t.Fatalf("form: %v", form)
		}
		// A condition on a field that is not on the form is refused.
		if r := e.do("POST", "/api/v2/ticket_forms.json", map[string]any{"ticket_form": map[string]any{"name": "Bad",
			"ticket_field_ids": []int64{child}, "agent_conditions": []any{map[string]any{"parent_field_id": parent, "value": true,
				"child_fields": []any{map[string]any{"id": child}}}}}}); r.Status != 422 {
			t.Fatalf("condition with a parent off the form: %d %s", r.Status, r.Body)
		}
		// New tickets get the default form.
		tk := e.must(201, "POST", "/api/v2/tickets.json", map[string]any{"ticket": map[string]any{"subject": "x",
			"comment": map[string]any{"body": "y"}}})["ticket"].(map[string]any)
		if num(tk["ticket_form_id"]) != defID {
			t.Fatalf("ticket_form_id %v, want the default %d", tk["ticket_form_id"], defID)
		}
		// On the hardware form, solving with the condition met needs the serial number.
		tk = e.must(201, "POST", "/api/v2/tickets.json", map[string]any{"ticket": map[string]any{"subject": "disk",
			"ticket_form_id": formID, "comment": map[string]any{"body": "broken"},
			"custom_fields": []any{map[string]any{"id": parent, "value": true}}}})["ticket"].(map[string]any)
		id := num(tk["id"])
		path := fmt.Sprintf("/api/v2/tickets/%d.json", id)
		if r := e.do("PUT", path, map[string]any{"ticket": map[string]any{"status": "solved"}}); r.Status != 422 {
			t.Fatalf("solving without the required conditional field: %d %s", r.Status, r.Body)
		}
		e.must(200, "PUT", path, map[string]any{"ticket": map[string]any{"status": "solved",
			"custom_fields": []any{map[string]any{"id": child, "value": "SN-123"}}}})
		// Clone, reorder, delete; the default form cannot be deleted or deactivated.
		clone := e.must(201, "POST", fmt.Sprintf("/api/v2/ticket_forms/%d/clone.json", formID), nil)["ticket_form"].(map[string]any)
		if clone["name"] != "Hardware (clone)" {
			t.Fatalf("clone: %v", clone)
		}
		cloneID := num(clone["id"])
		list := e.must(200, "PUT", "/api/v2/ticket_forms/reorder.json", map[string]any{"ticket_form_ids": []int64{cloneID, formID, defID}})["ticket_forms"].([]any)
		if num(list[0].(map[string]any)["id"]) != cloneID {
			t.Fatalf("reorder: %v", list)
		}
		if r := e.do("DELETE", fmt.Sprintf("/api/v2/ticket_forms/%d.json", defID), nil); r.Status != 422 {
			t.Fatalf("deleting the default form: %d", r.Status)
		}
		if r := e.do("PUT", fmt.Sprintf("/api/v2/ticket_forms/%d.json", defID), map[string]any{"ticket_form": map[string]any{"active": false}}); r.Status != 422 {
			t.Fatalf("deactivating the default form: %d", r.Status)
		}
		e.must(204, "DELETE", fmt.Sprintf("/api/v2/ticket_forms/%d.json", cloneID), nil)
		if r := e.do("GET", fmt.Sprintf("/api/v2/ticket_forms/show_many.json?ids=%d,%d", formID, cloneID), nil); r.Status != 200 ||
			len(r.JSON(t)["ticket_forms"].([]any)) != 1 {
			t.Fatalf("show_many after delete: %s", r.Body)
		}
		// Making the hardware form the default moves the flag.
		e.must(200, "PUT", fmt.Sprintf("/api/v2/ticket_forms/%d.json", formID), map[string]any{"ticket_form": map[string]any{"default": true}})
		if d := e.must(200, "GET", fmt.Sprintf("/api/v2/ticket_forms/%d.json", defID), nil)["ticket_form"].(map[string]any)["default"]; d != false {
			t.Fatalf("old default still default")
		}
	})
}
