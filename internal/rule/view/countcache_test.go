package view_test

import (
	"fmt"
	"net/http"
	"testing"
	"time"

	"parley/internal/platform/db"
	"parley/internal/platform/db/dbtest"
	"parley/internal/platform/opt"
	"parley/internal/rule/view"
	"parley/internal/ticket"
)

// TestCountCache: an expensive count (here every count) is served from memory for 30 s, marked not fresh with an
// approximate pretty form, per agent and per conditions; then refreshed in
// the background, and after five minutes counted again by the request.
func TestCountCache(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		e := newEnv(t, d)
		view.KeepEveryCount(e.views)
		if err := e.views.BootstrapAccount(t.Context(), e.Account); err != nil {
			t.Fatal(err)
		}
		ann, bob := e.Agent("ann"), e.Agent("bob")
		e.Ticket(ticket.Input{Subject: opt.Of("one"), AssigneeID: opt.Of(ann), GroupID: opt.Of(e.Support)})
		vs, _, _, err := e.views.List(e.As(t, ann), view.Filter{}, db.Page{Limit: 10, Sort: "position"})
		if err != nil {
			t.Fatal(err)
		}
		yours := vs[0].ID
		count := func(who int64) map[string]any {
			return obj(e.Must(http.StatusOK, who, "GET", fmt.Sprintf("/views/%d/count.json", yours), nil), "view_count")
		}
		if c := count(ann); num(c["value"]) != 1 || c["fresh"] != true || c["pretty"] != "1" {
			t.Fatalf("first count = %v", c)
		}
		e.Ticket(ticket.Input{Subject: opt.Of("two"), AssigneeID: opt.Of(ann), GroupID: opt.Of(e.Support)})
		if c := count(ann); num(c["value"]) != 1 || c["fresh"] != false || c["pretty"] != "~1" {
			t.Errorf("cached count = %v, want the cached 1, not fresh", c)
		}
		// The execute total comes from the same cache.
		body := e.Must(http.StatusOK, ann, "GET", fmt.Sprintf("/views/%d/execute.json", yours), nil)
		if num(body["count"]) != 1 || len(arr(body, "rows")) != 2 {
			t.Errorf("execute count %v rows %d, want the cached count 1 and both rows", body["count"], len(arr(body, "rows")))
		}
		// Another agent's "your unsolved tickets" is another count.
		if c := count(bob); num(c["value"]) != 0 || c["fresh"] != true {
			t.Errorf("bob's count = %v", c)
		}
		// Changing the view's conditions counts afresh.
		e.Must(http.StatusOK, e.Owner, "PUT", fmt.Sprintf("/views/%d.json", yours), map[string]any{"view": map[string]any{
			"all": []any{map[string]any{"field": "status", "operator": "less_than", "value": "solved"}}}})
		if c := count(ann); num(c["value"]) != 2 || c["fresh"] != true {
			t.Errorf("count after the conditions changed = %v", c)
		}
		e.Ticket(ticket.Input{Subject: opt.Of("three")})
		e.Clock.Advance(29 * time.Second)
		if c := count(ann); num(c["value"]) != 2 {
			t.Errorf("count at 29 s = %v, want the cached 2", c)
		}
		// Past 30 s the old count is still served while one count runs in
		// the background; the next request sees its result.
		e.Clock.Advance(time.Second)
		if c := count(ann); num(c["value"]) != 2 || c["fresh"] != false {
			t.Errorf("count at 30 s = %v, want the stale 2 while a count runs", c)
		}
		deadline := time.Now().Add(5 * time.Second)
		for c := count(ann); num(c["value"]) != 3; c = count(ann) {
			if time.Now().After(deadline) {
				t.Fatalf("the background count never landed: %v", c)
			}
			time.Sleep(10 * time.Millisecond)
		}
		// Past five minutes a request counts again itself.
		e.Ticket(ticket.Input{Subject: opt.Of("four")})
		e.Clock.Advance(5 * time.Minute)
		if c := count(ann); num(c["value"]) != 4 || c["fresh"] != true {
			t.Errorf("count at 5 min = %v, want 4 counted afresh", c)
		}
	})
}
