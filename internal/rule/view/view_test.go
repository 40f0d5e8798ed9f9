package view_test

import (
	"fmt"
	"net/http"
	"testing"
	"time"

	"parley/internal/account"
	"parley/internal/auth"
	"parley/internal/platform/db"
	"parley/internal/platform/db/dbtest"
	"parley/internal/platform/errs"
	"parley/internal/platform/opt"
	"parley/internal/rule"
	"parley/internal/rule/view"
	"parley/internal/ticket"
	"parley/internal/user"
)

func TestDefaultViews(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		e := newEnv(t, d)
		for i := 0; i < 2; i++ { // idempotent
			if err := e.views.BootstrapAccount(t.Context(), e.Account); err != nil {
				t.Fatalf("bootstrap: %v", err)
			}
		}
		agent := e.Agent("ann")
		body := e.Must(http.StatusOK, agent, "GET", "/views.json", nil)
		vs := arr(body, "views")
		want := []string{"Your unsolved tickets", "Unassigned tickets", "All unsolved tickets", "Recently updated tickets",
			"Pending tickets", "Recently solved tickets"}
		if len(vs) != len(want) || num(body["count"]) != int64(len(want)) {
			t.Fatalf("default views = %d (count %v), want %d: %v", len(vs), body["count"], len(want), vs)
		}
		for i, v := range vs {
			m := v.(map[string]any)
			if m["title"] != want[i] || m["default"] != true || m["restriction"] != nil || m["active"] != true {
				t.Errorf("view %d = %v, want default active unrestricted %q", i, m, want[i])
			}
		}
		first := vs[0].(map[string]any)
		all := arr(obj(first, "conditions"), "all")
		if fmt.Sprint(all) != "[map[field:status operator:less_than value:solved] map[field:assignee_id operator:is value:current_user]]" {
			t.Errorf("Your unsolved tickets conditions = %v", all)
		}
		if a := arr(obj(first, "conditions"), "any"); a == nil || len(a) != 0 {
			t.Errorf("any must be [] not %v", obj(first, "conditions")["any"])
		}
		ex := obj(first, "execution")
		if ex["group_by"] != "status" || ex["sort_by"] != "updated_requester" || ex["sort_order"] != "desc" || len(arr(ex, "columns")) == 0 {
			t.Errorf("execution = %v", ex)
		}
		solved := vs[5].(map[string]any)
		if got := fmt.Sprint(arr(obj(solved, "conditions"), "all")); got != "[map[field:status operator:is value:solved] map[field:SOLVED operator:less_than value:168]]" {
			t.Errorf("Recently solved conditions = %s", got)
		}
	})
}

func TestViewCRUDAndRestrictions(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		e := newEnv(t, d)
		tier2 := e.Group("Tier 2")
		ann := e.Agent("ann", tier2)
		bob := e.Agent("bob")
		conds := []map[string]any{{"field": "status", "operator": "less_than", "value": "solved"}}

		// An admin creates a shared view.
		body := e.Must(http.StatusCreated, e.Owner, "POST", "/views.json", map[string]any{"view": map[string]any{
			"title": "Open stuff", "all": conds, "output": map[string]any{"columns": []any{"status", "subject", "requester"},
				"sort_by": "created", "sort_order": "asc"}}})
		shared := obj(body, "view")
		sharedID := num(shared["id"])
		if shared["restriction"] != nil || obj(shared, "execution")["sort_by"] != "created" || len(arr(obj(shared, "execution"), "columns")) != 3 {
			t.Fatalf("created view = %v", shared)
		}

		// An agent's view without a restriction becomes personal.
		body = e.Must(http.StatusCreated, ann, "POST", "/views", map[string]any{"view": map[string]any{
			"title": "Mine", "conditions": map[string]any{"all": conds, "any": []any{}}}})
		mine := obj(body, "view")
		mineID := num(mine["id"])
		if r := obj(mine, "restriction"); r["type"] != "User" || num(r["id"]) != ann {
			t.Fatalf("agent view restriction = %v", mine["restriction"])
		}
		// Another agent cannot see it; the admin can.
		e.Must(http.StatusNotFound, bob, "GET", fmt.Sprintf("/views/%d.json", mineID), nil)
		e.Must(http.StatusOK, e.Owner, "GET", fmt.Sprintf("/views/%d.json", mineID), nil)
		// An agent cannot change a shared view, nor make group views.
		e.Must(http.StatusForbidden, ann, "PUT", fmt.Sprintf("/views/%d.json", sharedID), map[string]any{"view": map[string]any{"title": "x"}})
		e.Must(http.StatusForbidden, ann, "POST", "/views", map[string]any{"view": map[string]any{"title": "G", "all": conds,
			"restriction": map[string]any{"type": "Group", "id": tier2}}})
		// A group view is seen by group members only.
		body = e.Must(http.StatusCreated, e.Owner, "POST", "/views", map[string]any{"view": map[string]any{"title": "Tier 2 queue",
			"all": conds, "restriction": map[string]any{"type": "Group", "ids": []int64{tier2}}}})
		groupID := num(obj(body, "view")["id"])
		e.Must(http.StatusOK, ann, "GET", fmt.Sprintf("/views/%d", groupID), nil)
		e.Must(http.StatusNotFound, bob, "GET", fmt.Sprintf("/views/%d", groupID), nil)
		titles := func(user int64, q string) []string {
			var out []string
			for _, v := range arr(e.Must(http.StatusOK, user, "GET", "/views.json"+q, nil), "views") {
				out = append(out, v.(map[string]any)["title"].(string))
			}
			return out
		}
		if got := fmt.Sprint(titles(bob, "")); got != "[Open stuff]" {
			t.Errorf("bob sees %s", got)
		}
		if got := fmt.Sprint(titles(ann, "?sort_by=alphabetical")); got != "[Mine Open stuff Tier 2 queue]" {
			t.Errorf("ann sees %s", got)
		}
		if got := fmt.Sprint(titles(e.Owner, "?access=personal")); got != "[Mine]" {
			t.Errorf("personal = %s", got)
		}
		if got := fmt.Sprint(titles(e.Owner, fmt.Sprintf("?group_id=%d", tier2))); got != "[Tier 2 queue]" {
			t.Errorf("group_id filter = %s", got)
		}
		if got := arr(e.Must(http.StatusOK, ann, "GET", "/views/search.json?query=QUEUE", nil), "views"); len(got) != 1 {
			t.Errorf("search = %v", got)
		}
		if n := num(obj(e.Must(http.StatusOK, bob, "GET", "/views/count.json", nil), "count")["value"]); n != 1 {
			t.Errorf("bob's view count = %d", n)
		}
		if got := arr(e.Must(http.StatusOK, bob, "GET", fmt.Sprintf("/views/show_many.json?ids=%d,%d", sharedID, mineID), nil), "views"); len(got) != 1 {
			t.Errorf("show_many for bob = %v", got)
		}

		// Validation: blank title, too many columns, unknown column, bad
		// restriction; nothing is written.
		for name, v := range map[string]map[string]any{
			"title":       {"title": " ", "all": conds},
			"columns":     {"title": "c", "all": conds, "output": map[string]any{"columns": []any{"status", "subject", "requester", "assignee", "group", "created", "updated", "priority", "type", "solved", "nice_id"}}},
			"unknown":     {"title": "c", "all": conds, "output": map[string]any{"columns": []any{"nope"}}},
			"sort":        {"title": "c", "all": conds, "output": map[string]any{"sort_by": "subject"}},
			"restriction": {"title": "c", "all": conds, "restriction": map[string]any{"type": "Group", "id": 999999}},
		} {
			r := e.Call(e.Owner, "POST", "/views", map[string]any{"view": v})
			if r.Status != http.StatusUnprocessableEntity || r.Body["error"] != "RecordInvalid" {
				t.Errorf("%s: status %d %s, want 422 RecordInvalid", name, r.Status, r.Raw)
			}
		}
		if n := num(obj(e.Must(http.StatusOK, e.Owner, "GET", "/views/count", nil), "count")["value"]); n != 3 {
			t.Errorf("after invalid creates: %d views, want 3", n)
		}

		// PUT replaces the named array only.
		anyConds := []map[string]any{{"field": "priority", "operator": "is", "value": "high"}}
		body = e.Must(http.StatusOK, e.Owner, "PUT", fmt.Sprintf("/views/%d.json", sharedID), map[string]any{"view": map[string]any{"any": anyConds}})
		c := obj(obj(body, "view"), "conditions")
		if len(arr(c, "all")) != 1 || len(arr(c, "any")) != 1 {
			t.Errorf("after PUT any: %v", c)
		}

		// update_many and destroy_many.
		body = e.Must(http.StatusOK, e.Owner, "PUT", "/views/update_many.json", map[string]any{"views": []any{
			map[string]any{"id": sharedID, "position": 7, "active": false}}})
		if v := arr(body, "views")[0].(map[string]any); num(v["position"]) != 7 || v["active"] != false {
			t.Errorf("update_many = %v", v)
		}
		if got := arr(e.Must(http.StatusOK, e.Owner, "GET", "/views/active", nil), "views"); len(got) != 2 {
			t.Errorf("active views = %d, want 2", len(got))
		}
		e.Must(http.StatusForbidden, ann, "DELETE", fmt.Sprintf("/views/destroy_many.json?ids=%d,%d", mineID, sharedID), nil)
		e.Must(http.StatusOK, ann, "GET", fmt.Sprintf("/views/%d", mineID), nil) // all or nothing
		e.Must(http.StatusNoContent, ann, "DELETE", fmt.Sprintf("/views/%d.json", mineID), nil)
		e.Must(http.StatusNotFound, e.Owner, "GET", fmt.Sprintf("/views/%d", mineID), nil)
		e.Must(http.StatusNoContent, e.Owner, "DELETE", fmt.Sprintf("/views/destroy_many?ids=%d,%d", sharedID, groupID), nil)

		// Another account's id is 404.
		other, err := account.NewService(d, e.Clock, account.Options{}).Create(t.Context(), account.New{Subdomain: "beta", Name: "Beta"})
		if err != nil {
			t.Fatal(err)
		}
		bOwner, err := e.Users.Bootstrap(t.Context(), other.ID, user.Owner{Email: "o@beta.example", Password: "beta-pass-1"})
		if err != nil {
			t.Fatal(err)
		}
		if err := e.views.BootstrapAccount(t.Context(), other.ID); err != nil {
			t.Fatal(err)
		}
		ba, _ := e.Users.ActorByID(t.Context(), other.ID, bOwner)
		bvs, _, _, err := e.views.List(auth.WithActor(t.Context(), ba), view.Filter{}, db.Page{Limit: 10})
		if err != nil || len(bvs) != 6 {
			t.Fatalf("beta views: %v %v", len(bvs), err)
		}
		e.Must(http.StatusNotFound, e.Owner, "GET", fmt.Sprintf("/views/%d", bvs[0].ID), nil)
		e.Must(http.StatusNotFound, e.Owner, "GET", fmt.Sprintf("/views/%d/execute", bvs[0].ID), nil)
		if _, err := e.views.Get(e.As(t, e.Owner), bvs[0].ID); !errs.Is(err, errs.NotFound) {
			t.Errorf("cross-account Get = %v", err)
		}
	})
}

func TestViewPagination(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		e := newEnv(t, d)
		if err := e.views.BootstrapAccount(t.Context(), e.Account); err != nil {
			t.Fatal(err)
		}
		body := e.Must(http.StatusOK, e.Owner, "GET", "/views.json?per_page=4", nil)
		if len(arr(body, "views")) != 4 || body["next_page"] == nil || num(body["count"]) != 6 {
			t.Fatalf("page 1 = %v", body)
		}
		body = e.Must(http.StatusOK, e.Owner, "GET", "/views.json?per_page=4&page=2", nil)
		if len(arr(body, "views")) != 2 || body["next_page"] != nil || body["previous_page"] == nil {
			t.Fatalf("page 2 = %v", body)
		}
		var seen []int64
		path := "/views.json?page[size]=4"
		for i := 0; i < 3 && path != ""; i++ {
			body = e.Must(http.StatusOK, e.Owner, "GET", path, nil)
			for _, v := range arr(body, "views") {
				seen = append(seen, num(v.(map[string]any)["id"]))
			}
			path = ""
			if obj(body, "meta")["has_more"] == true {
				path = "/views.json?page[size]=4&page[after]=" + obj(body, "meta")["after_cursor"].(string)
			}
		}
		if len(seen) != 6 {
			t.Errorf("cursor pages saw %v", seen)
		}
	})
}

// TestExecute runs views against real tickets (needs the rule engine's
// Compile).
func TestExecute(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		e := newEnv(t, d)
		if err := e.views.BootstrapAccount(t.Context(), e.Account); err != nil {
			t.Fatal(err)
		}
		ann := e.Agent("ann") // agents join the default group
		bob := e.Agent("bob")
		var annIDs []int64
		for i := 0; i < 3; i++ {
			tk := e.Ticket(ticket.Input{Subject: opt.Of(fmt.Sprintf("ann %d", i)), AssigneeID: opt.Of(ann), GroupID: opt.Of(e.Support)})
			annIDs = append(annIDs, tk.ID)
			e.Clock.Advance(time.Minute)
		}
		e.Ticket(ticket.Input{Subject: opt.Of("bob's"), AssigneeID: opt.Of(bob), GroupID: opt.Of(e.Support)})
		e.Ticket(ticket.Input{Subject: opt.Of("nobody's")})
		solved := e.Ticket(ticket.Input{Subject: opt.Of("done"), AssigneeID: opt.Of(ann), GroupID: opt.Of(e.Support)})
		if _, _, err := e.Tickets.Update(e.As(t, ann), solved.ID, ticket.Input{Status: opt.Of("solved")}); err != nil {
			t.Fatal(err)
		}
		vs, _, _, err := e.views.List(e.As(t, ann), view.Filter{}, db.Page{Limit: 10, Sort: "position"})
		if err != nil {
			t.Fatal(err)
		}
		yours, unassigned := vs[0].ID, vs[1].ID

		// Your unsolved tickets, as ann: her three open tickets.
		body := e.Must(http.StatusOK, ann, "GET", fmt.Sprintf("/views/%d/tickets.json?sort_by=nice_id&sort_order=asc", yours), nil)
		var got []int64
		for _, tk := range arr(body, "tickets") {
			got = append(got, num(tk.(map[string]any)["id"]))
		}
		if fmt.Sprint(got) != fmt.Sprint(annIDs) || num(body["count"]) != 3 {
			t.Fatalf("ann's unsolved = %v (count %v), want %v", got, body["count"], annIDs)
		}
		// As bob the same view shows his.
		if n := num(obj(e.Must(http.StatusOK, bob, "GET", fmt.Sprintf("/views/%d/count.json", yours), nil), "view_count")["value"]); n != 1 {
			t.Errorf("bob's count = %d, want 1", n)
		}
		vc := obj(e.Must(http.StatusOK, ann, "GET", fmt.Sprintf("/views/%d/count", yours), nil), "view_count")
		if num(vc["value"]) != 3 || vc["fresh"] != true || num(vc["view_id"]) != yours {
			t.Errorf("view_count = %v", vc)
		}
		cm := arr(e.Must(http.StatusOK, ann, "GET", fmt.Sprintf("/views/count_many?ids=%d,%d", yours, unassigned), nil), "view_counts")
		if len(cm) != 2 || num(cm[1].(map[string]any)["value"]) != 1 {
			t.Errorf("count_many = %v", cm)
		}
		// Cursor pagination through the view.
		body = e.Must(http.StatusOK, ann, "GET", fmt.Sprintf("/views/%d/tickets?page[size]=2", yours), nil)
		if len(arr(body, "tickets")) != 2 || obj(body, "meta")["has_more"] != true {
			t.Fatalf("cursor page 1 = %v", body)
		}
		body = e.Must(http.StatusOK, ann, "GET", fmt.Sprintf("/views/%d/tickets?page[size]=2&page[after]=%s", yours,
			obj(body, "meta")["after_cursor"]), nil)
		if len(arr(body, "tickets")) != 1 || obj(body, "meta")["has_more"] != false {
			t.Fatalf("cursor page 2 = %v", body)
		}

		// Execute: rows with column values and side-loaded users.
		body = e.Must(http.StatusOK, ann, "GET", fmt.Sprintf("/views/%d/execute.json", yours), nil)
		rows := arr(body, "rows")
		if len(rows) != 3 || num(body["count"]) != 3 || len(arr(body, "columns")) == 0 || num(obj(body, "view")["id"]) != yours {
			t.Fatalf("execute = %v", body)
		}
		row := rows[0].(map[string]any)
		if obj(row, "ticket")["subject"] == nil || num(row["requester"]) != e.Owner {
			t.Errorf("row = %v", row)
		}
		if len(arr(body, "users")) == 0 || len(arr(body, "groups")) != 1 {
			t.Errorf("side-loads users=%v groups=%v", body["users"], body["groups"])
		}

		// Preview runs unsaved conditions.
		pv := map[string]any{"view": map[string]any{"all": []any{map[string]any{"field": "status", "operator": "is", "value": "solved"}},
			"output": map[string]any{"columns": []any{"subject", "assignee"}}}}
		body = e.Must(http.StatusOK, ann, "POST", "/views/preview.json", pv)
		if rows := arr(body, "rows"); len(rows) != 1 || num(obj(rows[0].(map[string]any), "ticket")["id"]) != solved.ID {
			t.Errorf("preview = %v", body)
		}
		if n := num(obj(e.Must(http.StatusOK, ann, "POST", "/views/preview/count", pv), "view_count")["value"]); n != 1 {
			t.Errorf("preview count = %d", n)
		}
		if r := e.Call(ann, "POST", "/views/preview", map[string]any{"view": map[string]any{"all": []any{
			map[string]any{"field": "no_such_field", "operator": "is", "value": "x"}}}}); r.Status != http.StatusUnprocessableEntity {
			t.Errorf("bad preview: %d %s", r.Status, r.Raw)
		}
		_ = rule.View
	})
}
