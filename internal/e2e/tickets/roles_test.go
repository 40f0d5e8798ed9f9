package tickets_test

import (
	"encoding/base64"
	"fmt"
	"net/http"
	"net/url"
	"slices"
	"testing"

	"parley/internal/app/apptest"
)

// caller is an agent of the tenant, signed in with the account's API token.
type caller struct {
	e     *env
	email string
}

func (e *env) as(email string) caller { return caller{e: e, email: email} }

func (c caller) do(t *testing.T, method, path string, body any) apptest.Response {
	t.Helper()
	auth := "Basic " + base64.StdEncoding.EncodeToString([]byte(c.email+"/token:"+c.e.tn.Token))
	return c.e.s.Do(t, apptest.Request{Method: method, Path: "/api/v2" + path, Host: c.e.tn.Host, Auth: auth, Body: body})
}

// must sends the request and requires status; it returns the JSON body.
func (c caller) must(t *testing.T, status int, method, path string, body any) map[string]any {
	t.Helper()
	r := c.do(t, method, path, body)
	if r.Status != status {
		t.Fatalf("%s %s %s: %d %s, want %d", c.email, method, path, r.Status, r.Body, status)
	}
	if len(r.Body) == 0 {
		return nil
	}
	return r.JSON(t)
}

// forbidden requires a 403 in Zendesk's shape: {"error":{"title":"Forbidden","message":...}}.
func (c caller) forbidden(t *testing.T, method, path string, body any) {
	t.Helper()
	m := c.must(t, http.StatusForbidden, method, path, body)
	e, _ := m["error"].(map[string]any)
	if e["title"] != "Forbidden" || e["message"] == "" {
		t.Errorf("%s %s: 403 body %v, want error{title: Forbidden, message}", method, path, m)
	}
}

// ids returns the sorted ids of the objects under key.
func ids(t *testing.T, m map[string]any, key string) []int64 {
	t.Helper()
	var out []int64
	for _, it := range arr(t, m, key) {
		out = append(out, num(t, it.(map[string]any)["id"]))
	}
	slices.Sort(out)
	return out
}

// role creates a custom role over the API and returns its id.
func (e *env) role(name string, cfg map[string]any) int64 {
	e.t.Helper()
	m := e.call("POST", "/custom_roles.json", map[string]any{"custom_role": map[string]any{"name": name, "configuration": cfg}}, http.StatusCreated)
	return num(e.t, obj(e.t, m, "custom_role")["id"])
}

// TestCustomRoles: a custom role's ticket_access, ticket_editing,
// ticket_deletion, ticket_merge and ticket_comment_access are enforced on
// every way an agent reaches tickets (show, lists, comments, audits, views,
// search, updates, delete, merge, bulk jobs); a ticket outside the role's
// access is 403 Forbidden and nothing changes; admins and agents without a
// custom role are not narrowed; a role change applies at the next request.
func TestCustomRoles(t *testing.T) {
	apptest.Each(t, func(t *testing.T, s *apptest.Server) {
		e := newEnv(t, s, s.Default)
		groupRole := e.role("Group team", map[string]any{"ticket_access": "within-groups", "ticket_editing": true,
			"ticket_deletion": false, "ticket_merge": false})
		ownRole := e.role("Own tickets, comments only", map[string]any{"ticket_access": "assigned-only",
			"ticket_editing": false, "ticket_comment_access": "private"})
		allRole := e.role("Everything", map[string]any{"ticket_access": "all"})

		billing, other := e.group("Billing"), e.group("Other")
		gina := e.agent("Gina Group", "gina@acme.example")
		otto := e.agent("Otto Own", "otto@acme.example")
		plain := e.agent("Paula Plain", "paula@acme.example")
		e.join(otto, other)
		e.join(plain, other)
		e.join(gina, billing) // gina is not in Other: her ticket there is hers as its requester
		e.call("PUT", fmt.Sprintf("/users/%d.json", gina), map[string]any{"user": map[string]any{"custom_role_id": groupRole}}, http.StatusOK)
		e.call("PUT", fmt.Sprintf("/users/%d.json", otto), map[string]any{"user": map[string]any{"custom_role_id": ownRole}}, http.StatusOK)

		inBilling := id(t, e.simple("billing ticket", map[string]any{"group_id": billing}))
		inOther := id(t, e.simple("other ticket", map[string]any{"group_id": other}))
		ginas := id(t, e.simple("requested by gina", map[string]any{"group_id": other, "requester_id": gina}))
		ottos := id(t, e.simple("assigned to otto", map[string]any{"group_id": other, "assignee_id": otto}))
		noGroup := id(t, e.simple("no group", nil))
		all := []int64{inBilling, inOther, ginas, ottos, noGroup}
		g, o, p := e.as("gina@acme.example"), e.as("otto@acme.example"), e.as("paula@acme.example")
		view := num(t, obj(t, e.call("POST", "/views.json", map[string]any{"view": map[string]any{"title": "Unsolved",
			"all": []any{map[string]any{"field": "status", "operator": "less_than", "value": "solved"}}}}, http.StatusCreated), "view")["id"])

		visible := func(t *testing.T, c caller, want []int64) {
			t.Helper()
			if got := ids(t, c.must(t, 200, "GET", "/tickets.json", nil), "tickets"); !slices.Equal(got, want) {
				t.Errorf("%s GET /tickets: %v, want %v", c.email, got, want)
			}
			if got := ids(t, c.must(t, 200, "GET", fmt.Sprintf("/views/%d/tickets.json", view), nil), "tickets"); !slices.Equal(got, want) {
				t.Errorf("%s view tickets: %v, want %v", c.email, got, want)
			}
			vc := obj(t, c.must(t, 200, "GET", fmt.Sprintf("/views/%d/count.json", view), nil), "view_count")
			if num(t, vc["value"]) != int64(len(want)) {
				t.Errorf("%s view count: %v, want %d", c.email, vc["value"], len(want))
			}
			q := "/search.json?query=" + url.QueryEscape("type:ticket")
			if got := ids(t, c.must(t, 200, "GET", q, nil), "results"); !slices.Equal(got, want) {
				t.Errorf("%s search: %v, want %v", c.email, got, want)
			}
			cnt := c.must(t, 200, "GET", "/search/count.json?query="+url.QueryEscape("type:ticket"), nil)
			if num(t, cnt["count"]) != int64(len(want)) {
				t.Errorf("%s search count: %v, want %d", c.email, cnt["count"], len(want))
			}
			for _, tid := range all {
				path := fmt.Sprintf("/tickets/%d.json", tid)
				if slices.Contains(want, tid) {
					c.must(t, 200, "GET", path, nil)
					c.must(t, 200, "GET", fmt.Sprintf("/tickets/%d/comments.json", tid), nil)
					continue
				}
				c.forbidden(t, "GET", path, nil)
				c.forbidden(t, "GET", fmt.Sprintf("/tickets/%d/comments.json", tid), nil)
				c.forbidden(t, "GET", fmt.Sprintf("/tickets/%d/audits.json", tid), nil)
			}
		}

		t.Run("within-groups sees its groups and its own", func(t *testing.T) {
			visible(t, g, []int64{inBilling, ginas})
		})
		t.Run("assigned-only sees its own", func(t *testing.T) {
			visible(t, o, []int64{ottos})
		})
		t.Run("admins and agents without a role see all", func(t *testing.T) {
			visible(t, e.as(e.tn.Email), all)
			visible(t, p, all)
		})

		t.Run("outside the access nothing changes", func(t *testing.T) {
			g.forbidden(t, "PUT", fmt.Sprintf("/tickets/%d.json", inOther), map[string]any{"ticket": map[string]any{
				"status": "pending", "comment": map[string]any{"body": "sneaky", "public": false}}})
			g.forbidden(t, "PUT", fmt.Sprintf("/tickets/%d/tags.json", inOther), map[string]any{"tags": []string{"sneaky"}})
			cur := e.get(inOther)
			if cur["status"] != "open" && cur["status"] != "new" || slices.Contains(cur["tags"].([]any), any("sneaky")) {
				t.Errorf("ticket outside gina's access changed: %v", cur)
			}
			if n := len(e.comments(inOther)); n != 1 {
				t.Errorf("ticket outside gina's access has %d comments, want 1", n)
			}
		})

		t.Run("editing allowed, deletion and merge refused", func(t *testing.T) {
			up := g.must(t, 200, "PUT", fmt.Sprintf("/tickets/%d.json", inBilling), map[string]any{"ticket": map[string]any{"priority": "high"}})
			if obj(t, up, "ticket")["priority"] != "high" {
				t.Errorf("gina's edit of a billing ticket: %v", up)
			}
			g.forbidden(t, "DELETE", fmt.Sprintf("/tickets/%d.json", inBilling), nil)
			g.forbidden(t, "DELETE", fmt.Sprintf("/tickets/destroy_many.json?ids=%d", inBilling), nil)
			g.forbidden(t, "PUT", fmt.Sprintf("/tickets/%d/mark_as_spam.json", inBilling), nil)
			g.forbidden(t, "POST", fmt.Sprintf("/tickets/%d/merge.json", inBilling), map[string]any{"ids": []int64{ginas}})
			e.get(inBilling) // still there
			if st := e.get(ginas)["status"]; st == "closed" {
				t.Errorf("refused merge closed the source ticket")
			}
		})

		t.Run("comments only, internal notes only", func(t *testing.T) {
			path := fmt.Sprintf("/tickets/%d.json", ottos)
			o.must(t, 200, "PUT", path, map[string]any{"ticket": map[string]any{"comment": map[string]any{"body": "looking", "public": false}}})
			o.forbidden(t, "PUT", path, map[string]any{"ticket": map[string]any{"status": "solved",
				"comment": map[string]any{"body": "done", "public": false}}})
			o.forbidden(t, "PUT", path, map[string]any{"ticket": map[string]any{"comment": map[string]any{"body": "hello customer", "public": true}}})
			o.forbidden(t, "PUT", fmt.Sprintf("/tickets/%d/tags.json", ottos), map[string]any{"tags": []string{"x"}})
			cur := e.get(ottos)
			if cur["status"] == "solved" || len(cur["tags"].([]any)) != 0 {
				t.Errorf("refused edits changed the ticket: %v", cur)
			}
			var bodies []string
			for _, c := range e.comments(ottos) {
				bodies = append(bodies, c["body"].(string))
			}
			if !slices.Equal(bodies, []string{"assigned to otto body", "looking"}) {
				t.Errorf("comments after refused updates: %q", bodies)
			}
		})

		t.Run("a role change applies at the next request", func(t *testing.T) {
			e.call("PUT", fmt.Sprintf("/users/%d.json", otto), map[string]any{"user": map[string]any{"custom_role_id": allRole}}, http.StatusOK)
			visible(t, o, all)
			e.call("PUT", fmt.Sprintf("/custom_roles/%d.json", allRole), map[string]any{"custom_role": map[string]any{
				"configuration": map[string]any{"ticket_access": "assigned-only"}}}, http.StatusOK)
			visible(t, o, []int64{ottos})
		})

		t.Run("no follow-up of a closed ticket outside the access", func(t *testing.T) {
			e := e.with(t)
			closed := id(t, e.simple("closed elsewhere", map[string]any{"group_id": other}))
			e.update(closed, map[string]any{"status": "closed"})
			before := len(ids(t, e.call("GET", "/tickets.json", nil, http.StatusOK), "tickets"))
			g.forbidden(t, "POST", "/tickets.json", map[string]any{"ticket": map[string]any{"via_followup_source_id": closed,
				"comment": map[string]any{"body": "follow-up"}}})
			if after := len(ids(t, e.call("GET", "/tickets.json", nil, http.StatusOK), "tickets")); after != before {
				t.Errorf("a refused follow-up created a ticket: %d tickets, were %d", after, before)
			}
			e.create(map[string]any{"via_followup_source_id": closed, "comment": map[string]any{"body": "follow-up"}})
		})

		t.Run("satisfaction ratings follow the access", func(t *testing.T) {
			e := e.with(t)
			erin := e.endUser("Erin End", "erin@customer.example")
			rated := map[string]int64{}
			for name, grp := range map[string][2]int64{"billing": {billing, gina}, "other": {other, plain}} {
				tid := id(t, e.simple("rate me "+name, map[string]any{"group_id": grp[0], "requester_id": erin}))
				e.update(tid, map[string]any{"status": "solved", "assignee_id": grp[1]})
				m := e.as("erin@customer.example").must(t, 200, "POST", fmt.Sprintf("/tickets/%d/satisfaction_rating.json", tid),
					map[string]any{"satisfaction_rating": map[string]any{"score": "good"}})
				rated[name] = num(t, obj(t, m, "satisfaction_rating")["id"])
			}
			if got := ids(t, g.must(t, 200, "GET", "/satisfaction_ratings.json", nil), "satisfaction_ratings"); !slices.Equal(got, []int64{rated["billing"]}) {
				t.Errorf("gina's ratings: %v, want only %d", got, rated["billing"])
			}
			g.must(t, 200, "GET", fmt.Sprintf("/satisfaction_ratings/%d.json", rated["billing"]), nil)
			g.forbidden(t, "GET", fmt.Sprintf("/satisfaction_ratings/%d.json", rated["other"]), nil)
			if got := ids(t, p.must(t, 200, "GET", "/satisfaction_ratings.json", nil), "satisfaction_ratings"); len(got) != 2 {
				t.Errorf("paula's ratings: %v, want both", got)
			}
		})

		t.Run("bad role settings are refused", func(t *testing.T) {
			for _, cfg := range []map[string]any{{"ticket_access": "some"}, {"ticket_editing": "yes"}, {"no_such": true}} {
				r := e.do("POST", "/custom_roles.json", map[string]any{"custom_role": map[string]any{"name": "bad", "configuration": cfg}})
				if r.Status != http.StatusUnprocessableEntity {
					t.Errorf("role %v: %d %s, want 422", cfg, r.Status, r.Body)
				}
			}
			p.forbidden(t, "POST", "/custom_roles.json", map[string]any{"custom_role": map[string]any{"name": "mine"}})
		})
	})
}
