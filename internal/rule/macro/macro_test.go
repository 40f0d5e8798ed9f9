package macro_test

import (
	"fmt"
	"net/http"
	"testing"

	"parley/internal/platform/db"
	"parley/internal/platform/db/dbtest"
	"parley/internal/platform/errs"
	"parley/internal/platform/opt"
	"parley/internal/ticket"
)

func TestMacroCRUDAndRestrictions(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		e := newEnv(t, d)
		tier2 := e.Group("Tier 2")
		ann := e.Agent("ann", tier2)
		bob := e.Agent("bob")
		acts := []map[string]any{{"field": "status", "value": "solved"}, {"field": "comment_value", "value": "Thanks {{ticket.requester.name}}"}}
		body := e.Must(http.StatusCreated, e.Owner, "POST", "/macros.json", map[string]any{"macro": map[string]any{
			"title": "Billing::Refund", "actions": acts}})
		m := obj(body, "macro")
		shared := num(m["id"])
		if m["restriction"] != nil || num(m["position"]) != 9999 || len(arr(m, "actions")) != 2 || m["raw_title"] != "Billing::Refund" {
			t.Fatalf("macro = %v", m)
		}
		e.Must(http.StatusCreated, e.Owner, "POST", "/macros", map[string]any{"macro": map[string]any{
			"title": "Billing::Invoice", "actions": acts, "restriction": map[string]any{"type": "Group", "id": tier2}}})
		mine := num(obj(e.Must(http.StatusCreated, ann, "POST", "/macros", map[string]any{"macro": map[string]any{
			"title": "Shipping::Mine", "actions": acts}}), "macro")["id"])
		e.Must(http.StatusNotFound, bob, "GET", fmt.Sprintf("/macros/%d", mine), nil)
		e.Must(http.StatusForbidden, ann, "PUT", fmt.Sprintf("/macros/%d", shared), map[string]any{"macro": map[string]any{"title": "x"}})
		cats := func(u int64) string {
			return fmt.Sprint(e.Must(http.StatusOK, u, "GET", "/macros/categories.json", nil)["categories"])
		}
		if got := cats(bob); got != "[Billing]" {
			t.Errorf("bob's categories = %s", got)
		}
		if got := cats(ann); got != "[Billing Shipping]" {
			t.Errorf("ann's categories = %s", got)
		}
		if n := len(arr(e.Must(http.StatusOK, bob, "GET", "/macros.json", nil), "macros")); n != 1 {
			t.Errorf("bob sees %d macros", n)
		}
		if n := len(arr(e.Must(http.StatusOK, e.Owner, "GET", "/macros.json?category=billing", nil), "macros")); n != 2 {
			t.Errorf("category filter: %d", n)
		}
		if n := len(arr(e.Must(http.StatusOK, e.Owner, "GET", "/macros.json?only_viewable=true", nil), "macros")); n != 1 {
			t.Errorf("only_viewable for the admin: %d, want 1 (the admin is not in Tier 2 and not ann)", n)
		}
		if n := len(arr(e.Must(http.StatusOK, ann, "GET", "/macros/search?query=invoice", nil), "macros")); n != 1 {
			t.Errorf("search: %d", n)
		}
		for name, in := range map[string]map[string]any{
			"title":   {"title": "", "actions": acts},
			"actions": {"title": "x", "actions": []any{}},
			"status":  {"title": "x", "actions": []any{map[string]any{"field": "status", "value": "closed"}}},
		} {
			if r := e.Call(e.Owner, "POST", "/macros", map[string]any{"macro": in}); r.Status != http.StatusUnprocessableEntity {
				t.Errorf("%s: %d %s", name, r.Status, r.Raw)
			}
		}
		body = e.Must(http.StatusOK, e.Owner, "GET", fmt.Sprintf("/macros/%d.json?include=usage_7d", shared), nil)
		if v, ok := obj(body, "macro")["usage_7d"]; !ok || num(v) != 0 {
			t.Errorf("usage_7d = %v", obj(body, "macro"))
		}
		body = e.Must(http.StatusOK, e.Owner, "PUT", "/macros/update_many", map[string]any{"macros": []any{map[string]any{"id": shared, "active": false}}})
		if arr(body, "macros")[0].(map[string]any)["active"] != false {
			t.Errorf("update_many = %v", body)
		}
		if n := len(arr(e.Must(http.StatusOK, e.Owner, "GET", "/macros/active", nil), "macros")); n != 2 {
			t.Errorf("active = %d", n)
		}
		e.Must(http.StatusNoContent, ann, "DELETE", fmt.Sprintf("/macros/%d", mine), nil)
		e.Must(http.StatusNoContent, e.Owner, "DELETE", fmt.Sprintf("/macros/destroy_many?ids=%d", shared), nil)
		e.Must(http.StatusNotFound, e.Owner, "GET", fmt.Sprintf("/macros/%d", shared), nil)
	})
}

// TestApplyAndExpand needs the rule engine's Plan.
func TestApplyAndExpand(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		e := newEnv(t, d)
		ann := e.Agent("ann")
		bob := e.Agent("bob")
		tk := e.Ticket(ticket.Input{Subject: opt.Of("printer"), Tags: opt.Of([]string{"printer", "old"})})
		acts := []map[string]any{{"field": "status", "value": "pending"}, {"field": "priority", "value": "high"},
			{"field": "assignee_id", "value": "current_user"}, {"field": "current_tags", "value": "vip"},
			{"field": "remove_tags", "value": "old"}, {"field": "comment_value", "value": "Hi {{ticket.requester.name}}"},
			{"field": "comment_mode_is_public", "value": false}}
		id := num(obj(e.Must(http.StatusCreated, e.Owner, "POST", "/macros", map[string]any{"macro": map[string]any{
			"title": "Escalate", "actions": acts}}), "macro")["id"])
		personal := num(obj(e.Must(http.StatusCreated, bob, "POST", "/macros", map[string]any{"macro": map[string]any{
			"title": "Bob's", "actions": acts}}), "macro")["id"])

		res := obj(e.Must(http.StatusOK, ann, "GET", fmt.Sprintf("/tickets/%d/macros/%d/apply.json", tk.ID, id), nil), "result")
		rt, c := obj(res, "ticket"), obj(res, "comment")
		if num(rt["id"]) != tk.ID || rt["status"] != "pending" || rt["priority"] != "high" || num(rt["assignee_id"]) != ann ||
			fmt.Sprint(rt["tags"]) != "[printer vip]" {
			t.Errorf("apply ticket = %v", rt)
		}
		if c["body"] != "Hi {{ticket.requester.name}}" || c["public"] != false || fmt.Sprint(c["scoped_body"]) != "[[channel:all Hi {{ticket.requester.name}}]]" {
			t.Errorf("apply comment = %v", c)
		}
		if _, ok := rt["subject"]; ok {
			t.Errorf("unchanged subject in result: %v", rt)
		}
		// Nothing changed.
		after, err := e.Tickets.Get(e.As(t, e.Owner), tk.ID)
		if err != nil || after.Status != tk.Status || after.AssigneeID != nil || !after.UpdatedAt.Equal(tk.UpdatedAt) {
			t.Errorf("apply changed the ticket: %+v %v", after, err)
		}
		e.Must(http.StatusOK, ann, "GET", fmt.Sprintf("/macros/%d/apply", id), nil)
		e.Must(http.StatusNotFound, ann, "GET", fmt.Sprintf("/macros/%d/apply", personal), nil)

		in, refs, err := e.macros.Expand(e.As(t, ann), e.Account, ann, []int64{id}, after)
		if err != nil {
			t.Fatalf("Expand: %v", err)
		}
		if len(refs) != 1 || refs[0].ID != id || refs[0].Kind != "macro" || refs[0].Title == "" {
			t.Errorf("Expand refs = %+v, want the one macro applied", refs)
		}
		if in.Status.V != "pending" || in.Priority.V != "high" || in.AssigneeID.V != ann || fmt.Sprint(in.AdditionalTags.V) != "[vip]" ||
			fmt.Sprint(in.RemoveTags.V) != "[old]" || in.Comment.V.Body != "Hi {{ticket.requester.name}}" || in.Comment.V.Public.V {
			t.Errorf("Expand = %+v", in)
		}
		// The expanded input is a valid ticket update.
		if _, _, err := e.Tickets.Update(e.As(t, ann), tk.ID, in); err != nil {
			t.Errorf("update with expanded input: %v", err)
		}
		if _, _, err := e.macros.Expand(e.As(t, ann), e.Account, ann, []int64{personal}, after); !errs.Is(err, errs.Invalid) {
			t.Errorf("Expand of bob's macro as ann = %v, want Invalid", err)
		}
		if _, _, err := e.macros.Expand(e.As(t, ann), e.Account, ann, []int64{999999}, after); !errs.Is(err, errs.Invalid) {
			t.Errorf("Expand of unknown macro = %v, want Invalid", err)
		}
		body := e.Must(http.StatusOK, e.Owner, "GET", fmt.Sprintf("/macros/%d?include=usage_1h,usage_30d", id), nil)
		if m := obj(body, "macro"); num(m["usage_1h"]) != 1 || num(m["usage_30d"]) != 1 {
			t.Errorf("usage after one Expand = %v", m)
		}
	})
}
