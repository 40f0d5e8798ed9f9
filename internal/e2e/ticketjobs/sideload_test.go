package ticketjobs_test

import (
	"fmt"
	"testing"

	"parley/internal/app/apptest"
)

func TestTicketSideloads(t *testing.T) {
	apptest.Each(t, func(t *testing.T, s *apptest.Server) {
		e := env{t, s, s.Default}
		org := num(e.must(201, "POST", "/api/v2/organizations.json", map[string]any{"organization": map[string]any{
			"name": "Side Org", "domain_names": []string{"side.example"}}})["organization"].(map[string]any)["id"])
		grp := num(e.must(201, "POST", "/api/v2/groups.json", map[string]any{"group": map[string]any{"name": "Side Group"}})["group"].(map[string]any)["id"])
		tk := e.must(201, "POST", "/api/v2/tickets.json", map[string]any{"ticket": map[string]any{"subject": "Side",
			"requester": map[string]any{"email": "r@side.example"}, "group_id": grp, "comment": map[string]any{"body": "one"}}})["ticket"].(map[string]any)
		id := num(tk["id"])
		e.must(200, "PUT", fmt.Sprintf("/api/v2/tickets/%d.json", id), map[string]any{"ticket": map[string]any{
			"comment": map[string]any{"body": "two", "public": false}}})
		body := e.must(200, "GET", fmt.Sprintf("/api/v2/tickets/%d.json?include=users,groups,organizations,comment_count,bogus", id), nil)
		users := body["users"].([]any)
		if len(users) != 2 { // requester and submitter (the owner)
			t.Fatalf("users side-load: %v", users)
		}
		if gs := body["groups"].([]any); len(gs) != 1 || num(gs[0].(map[string]any)["id"]) != grp {
			t.Fatalf("groups side-load: %v", gs)
		}
		if os := body["organizations"].([]any); len(os) != 1 || num(os[0].(map[string]any)["id"]) != org {
			t.Fatalf("organizations side-load: %v", os)
		}
		if c := body["ticket"].(map[string]any)["comment_count"]; c != float64(2) {
			t.Fatalf("comment_count %v", c)
		}
		if _, ok := body["bogus"]; ok {
			t.Fatal("an unknown include appeared")
		}
		list := e.must(200, "GET", "/api/v2/tickets.json?include=users,comment_count", nil)
		if len(list["users"].([]any)) != 2 || list["tickets"].([]any)[0].(map[string]any)["comment_count"] != float64(2) {
			t.Fatalf("list side-loads: %v", list)
		}
	})
}
