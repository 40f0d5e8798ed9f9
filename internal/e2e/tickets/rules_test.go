package tickets_test

import (
	"fmt"
	"net/http"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/nukosuke/go-zendesk/zendesk"

	"parley/internal/app/apptest"
)

// TestTicketRules checks the ticket write rules of §2.1/§2.2/§2.5.
func TestTicketRules(t *testing.T) {
	apptest.Each(t, func(t *testing.T, s *apptest.Server) {
		e := newEnv(t, s, s.Default)
		defaults, _ := e.statuses()
		path := func(tk ticket) string { return fmt.Sprintf("/tickets/%d.json", id(e.t, tk)) }

		t.Run("closed prevents every write", func(t *testing.T) {
			e := e.with(t)
			tk := e.simple("to close", map[string]any{"tags": []string{"old"}})
			closed := e.update(id(t, tk), map[string]any{"status": "closed"})
			if closed["status"] != "closed" || num(t, closed["custom_status_id"]) != defaults["solved"] {
				t.Fatalf("status closed through the API: %v / %v", closed["status"], closed["custom_status_id"])
			}
			p := path(tk)
			tp := fmt.Sprintf("/tickets/%d/tags.json", id(t, tk))
			writes := []struct {
				method, path string
				body         any
			}{
				{"PUT", p, map[string]any{"ticket": map[string]any{"subject": "reopen me"}}},
				{"PUT", p, map[string]any{"ticket": map[string]any{"status": "open"}}},
				{"PUT", p, map[string]any{"ticket": map[string]any{"comment": map[string]any{"body": "hello?", "public": true}}}},
				{"PUT", p, map[string]any{"ticket": map[string]any{"additional_tags": []string{"more"}}}},
				{"PUT", p, map[string]any{"ticket": map[string]any{"status": "closed"}}},
				{"POST", tp, map[string]any{"tags": []string{"set"}}},
				{"PUT", tp, map[string]any{"tags": []string{"add"}}},
				{"DELETE", tp, map[string]any{"tags": []string{"old"}}},
			}
			for _, w := range writes {
				d := e.invalid(w.method, w.path, w.body)
				if got := detail(t, d, "status"); got != "closed prevents ticket update" {
					t.Errorf("%s %s %v: details.status[0].description %q", w.method, w.path, w.body, got)
				}
			}
			_, err := e.c.UpdateTicket(ctx, id(t, tk), zendesk.Ticket{Priority: "low"})
			zdError(t, "go-zendesk UpdateTicket of a closed ticket", err, http.StatusUnprocessableEntity)
			after := e.get(id(t, tk))
			if after["status"] != "closed" || after["subject"] != "to close" || !sameJSON(after["tags"], []string{"old"}) ||
				after["updated_at"] != closed["updated_at"] {
				t.Errorf("closed ticket changed: %v", after)
			}
			if n := len(e.comments(id(t, tk))); n != 1 {
				t.Errorf("closed ticket has %d comments", n)
			}

			// A follow-up is a new ticket: allowed, it inherits the tags, and
			// the closed ticket lists it in followup_ids.
			fu := e.create(map[string]any{"subject": "follow-up", "comment": map[string]any{"body": "again", "public": true},
				"via_followup_source_id": id(t, tk)})
			wantTags(t, "follow-up", fu, "old")
			if got := e.get(id(t, tk)); !sameJSON(got["followup_ids"], []int64{id(t, fu)}) {
				t.Errorf("closed ticket followup_ids %v, want [%d]", got["followup_ids"], id(t, fu))
			}
		})

		t.Run("safe_update", func(t *testing.T) {
			e := e.with(t)
			tk := e.simple("safe", nil)
			cur, _ := time.Parse(time.RFC3339, tk["updated_at"].(string))
			stale := cur.Add(-time.Hour).UTC().Format(time.RFC3339)
			m := e.call("PUT", path(tk), map[string]any{"ticket": map[string]any{"subject": "stale write",
				"safe_update": true, "updated_stamp": stale}}, http.StatusConflict)
			if m["error"] != "UpdateConflict" {
				t.Errorf("409 body %v", m)
			}
			if got := e.get(id(t, tk)); got["subject"] != "safe" {
				t.Errorf("stale safe_update changed the subject to %v", got["subject"])
			}
			_, err := e.c.UpdateTicket(ctx, id(t, tk), zendesk.Ticket{Subject: "client stale", SafeUpdate: true, UpdatedStamp: ptr(cur.Add(-time.Minute))})
			zdError(t, "go-zendesk stale safe_update", err, http.StatusConflict)
			e.call("PUT", fmt.Sprintf("/tickets/%d/tags.json", id(t, tk)), map[string]any{"tags": []string{"x"},
				"safe_update": true, "updated_stamp": stale}, http.StatusConflict)

			up, err := e.c.UpdateTicket(ctx, id(t, tk), zendesk.Ticket{Subject: "fresh write", SafeUpdate: true, UpdatedStamp: &cur})
			must(t, "go-zendesk safe_update with the current stamp", err)
			if up.Subject != "fresh write" {
				t.Errorf("safe_update with the current stamp: subject %q", up.Subject)
			}
			// Without safe_update a stale stamp is irrelevant.
			up2 := e.update(id(t, tk), map[string]any{"subject": "unsafe", "updated_stamp": stale})
			if up2["subject"] != "unsafe" {
				t.Errorf("updated_stamp without safe_update: %v", up2["subject"])
			}
		})

		t.Run("status and custom status", func(t *testing.T) {
			e := e.with(t)
			m := e.call("POST", "/custom_statuses.json", map[string]any{"custom_status": map[string]any{"status_category": "hold",
				"agent_label": "Waiting on vendor", "end_user_label": "In progress"}}, http.StatusCreated)
			vendor := num(t, obj(t, m, "custom_status")["id"])
			m = e.call("POST", "/custom_statuses.json", map[string]any{"custom_status": map[string]any{"status_category": "open",
				"agent_label": "Legacy"}}, http.StatusCreated)
			legacy := num(t, obj(t, m, "custom_status")["id"])
			e.call("PUT", fmt.Sprintf("/custom_statuses/%d.json", legacy), map[string]any{"custom_status": map[string]any{"active": false}}, http.StatusOK)

			tk := e.simple("statuses", nil)
			if tk["status"] != "new" || num(t, tk["custom_status_id"]) != defaults["new"] {
				t.Errorf("new ticket: %v / %v", tk["status"], tk["custom_status_id"])
			}
			tk = e.update(id(t, tk), map[string]any{"custom_status_id": vendor})
			if tk["status"] != "hold" || num(t, tk["custom_status_id"]) != vendor {
				t.Errorf("custom_status_id %d (hold): status %v custom_status_id %v", vendor, tk["status"], tk["custom_status_id"])
			}
			tk = e.update(id(t, tk), map[string]any{"status": "pending"})
			if tk["status"] != "pending" || num(t, tk["custom_status_id"]) != defaults["pending"] {
				t.Errorf("status pending: custom_status_id %v, want the pending default %d", tk["custom_status_id"], defaults["pending"])
			}
			tk = e.update(id(t, tk), map[string]any{"status": "hold", "custom_status_id": vendor})
			if tk["status"] != "hold" || num(t, tk["custom_status_id"]) != vendor {
				t.Errorf("matching pair: %v / %v", tk["status"], tk["custom_status_id"])
			}
			// The same category keeps the chosen custom status.
			tk = e.update(id(t, tk), map[string]any{"status": "hold"})
			if num(t, tk["custom_status_id"]) != vendor {
				t.Errorf("status hold on a vendor-hold ticket: custom_status_id %v, want %d kept", tk["custom_status_id"], vendor)
			}
			e.invalid("PUT", path(tk), map[string]any{"ticket": map[string]any{"status": "open", "custom_status_id": vendor}})
			d := e.invalid("PUT", path(tk), map[string]any{"ticket": map[string]any{"custom_status_id": legacy}})
			detail(t, d, "custom_status_id")
			d = e.invalid("PUT", path(tk), map[string]any{"ticket": map[string]any{"custom_status_id": 987654}})
			detail(t, d, "custom_status_id")
			d = e.invalid("PUT", path(tk), map[string]any{"ticket": map[string]any{"status": "bogus"}})
			detail(t, d, "status")
			d = e.invalid("PUT", path(tk), map[string]any{"ticket": map[string]any{"status": "new"}})
			detail(t, d, "status")
			if got := e.get(id(t, tk)); got["status"] != "hold" || num(t, got["custom_status_id"]) != vendor {
				t.Errorf("refused writes changed the status: %v / %v", got["status"], got["custom_status_id"])
			}

			created := e.simple("created on hold", map[string]any{"custom_status_id": vendor})
			if created["status"] != "hold" || num(t, created["custom_status_id"]) != vendor {
				t.Errorf("create with custom_status_id: %v / %v", created["status"], created["custom_status_id"])
			}
			solved := e.simple("created solved", map[string]any{"status": "solved"})
			if num(t, solved["custom_status_id"]) != defaults["solved"] {
				t.Errorf("create with status solved: custom_status_id %v", solved["custom_status_id"])
			}
		})

		agent := e.agent("Sam Agent", "sam@alpha.example")
		outsider := e.agent("Olga Outsider", "olga@alpha.example")
		customer := e.endUser("Cora Customer", "cora@example.org")
		billing := e.group("Billing")
		e.join(agent, billing)

		t.Run("assignee makes a new ticket open", func(t *testing.T) {
			e := e.with(t)
			tk := e.simple("assigned at birth", map[string]any{"assignee_id": agent})
			if tk["status"] != "open" || num(t, tk["custom_status_id"]) != defaults["open"] || num(t, tk["assignee_id"]) != agent {
				t.Errorf("create with assignee: status %v custom_status_id %v", tk["status"], tk["custom_status_id"])
			}
			tk = e.simple("assigned later", nil)
			tk = e.update(id(t, tk), map[string]any{"assignee_id": agent})
			if tk["status"] != "open" || num(t, tk["custom_status_id"]) != defaults["open"] {
				t.Errorf("assigning a new ticket: status %v custom_status_id %v", tk["status"], tk["custom_status_id"])
			}
			tk = e.simple("assigned pending", map[string]any{"assignee_id": agent, "status": "pending"})
			if tk["status"] != "pending" {
				t.Errorf("explicit status with an assignee: %v", tk["status"])
			}
		})

		t.Run("assignee must be an agent in the group", func(t *testing.T) {
			e := e.with(t)
			tk := e.simple("assignees", nil)
			d := e.invalid("PUT", path(tk), map[string]any{"ticket": map[string]any{"assignee_id": customer}})
			detail(t, d, "assignee_id")
			d = e.invalid("PUT", path(tk), map[string]any{"ticket": map[string]any{"assignee_id": outsider, "group_id": billing}})
			detail(t, d, "assignee_id")
			d = e.invalid("PUT", path(tk), map[string]any{"ticket": map[string]any{"assignee_id": 987654}})
			detail(t, d, "assignee_id")
			d = e.invalid("PUT", path(tk), map[string]any{"ticket": map[string]any{"group_id": 987654}})
			detail(t, d, "group_id")
			ok := e.update(id(t, tk), map[string]any{"assignee_id": agent, "group_id": billing})
			if num(t, ok["assignee_id"]) != agent || num(t, ok["group_id"]) != billing {
				t.Errorf("agent in group: %v / %v", ok["assignee_id"], ok["group_id"])
			}
			// Moving the ticket to a group the assignee is not in is refused too.
			other := e.group("Sales")
			d = e.invalid("PUT", path(tk), map[string]any{"ticket": map[string]any{"group_id": other}})
			detail(t, d, "assignee_id")
			cleared := e.update(id(t, tk), map[string]any{"assignee_id": nil})
			if cleared["assignee_id"] != nil {
				t.Errorf("assignee_id null: %v", cleared["assignee_id"])
			}
		})

		t.Run("tags are normalised", func(t *testing.T) {
			e := e.with(t)
			tk := e.simple("tags", map[string]any{"tags": []string{"Foo Bar", "BAZ", "foo"}})
			wantTags(t, "create", tk, "bar", "baz", "foo")
			tk = e.update(id(t, tk), map[string]any{"additional_tags": []string{"New Tag", "baz"}})
			wantTags(t, "additional_tags", tk, "bar", "baz", "foo", "new", "tag")
			tk = e.update(id(t, tk), map[string]any{"remove_tags": []string{"FOO", "absent"}})
			wantTags(t, "remove_tags", tk, "bar", "baz", "new", "tag")
			tk = e.update(id(t, tk), map[string]any{"tags": []string{"Only"}})
			wantTags(t, "tags replace", tk, "only")

			tp := fmt.Sprintf("/tickets/%d/tags.json", id(t, tk))
			if got := strs(t, e.call("GET", tp, nil, http.StatusOK)["tags"]); !slices.Equal(got, []string{"only"}) {
				t.Errorf("GET tags %v", got)
			}
			if got := strs(t, e.call("PUT", tp, map[string]any{"tags": []string{"Added One"}}, http.StatusOK)["tags"]); len(got) != 3 {
				t.Errorf("PUT tags (add) %v", got)
			}
			if got := strs(t, e.call("DELETE", tp, map[string]any{"tags": []string{"ONLY"}}, http.StatusOK)["tags"]); len(got) != 2 ||
				slices.Contains(got, "only") {
				t.Errorf("DELETE tags %v", got)
			}
			r := e.do("POST", tp, map[string]any{"tags": []string{"Set", "Anew"}})
			if r.Status != http.StatusOK && r.Status != http.StatusCreated {
				t.Fatalf("POST tags: %d %s", r.Status, r.Body)
			}
			wantTags(t, "POST tags (set)", e.get(id(t, tk)), "anew", "set")
			pop := e.call("GET", "/tags.json", nil, http.StatusOK)
			var names []string
			for _, it := range arr(t, pop, "tags") {
				tg := it.(map[string]any)
				names = append(names, tg["name"].(string))
				if num(t, tg["count"]) < 1 {
					t.Errorf("popular tag %v", tg)
				}
			}
			if !slices.Contains(names, "set") {
				t.Errorf("GET /tags: %v", names)
			}
		})

		t.Run("problem and incident", func(t *testing.T) {
			e := e.with(t)
			problem := e.simple("outage", map[string]any{"type": "problem"})
			if problem["has_incidents"] != false {
				t.Errorf("problem without incidents has_incidents %v", problem["has_incidents"])
			}
			question := e.simple("just asking", map[string]any{"type": "question"})
			incident := e.simple("me too", map[string]any{"type": "incident", "problem_id": id(t, problem)})
			if incident["type"] != "incident" || num(t, incident["problem_id"]) != id(t, problem) {
				t.Errorf("incident: type %v problem_id %v", incident["type"], incident["problem_id"])
			}
			if got := e.get(id(t, problem)); got["has_incidents"] != true {
				t.Errorf("problem with an incident has_incidents %v", got["has_incidents"])
			}
			d := e.invalid("POST", "/tickets.json", map[string]any{"ticket": map[string]any{"subject": "bad link",
				"comment": map[string]any{"body": "x"}, "type": "incident", "problem_id": id(t, question)}})
			detail(t, d, "problem_id")
			d = e.invalid("POST", "/tickets.json", map[string]any{"ticket": map[string]any{"subject": "bad link",
				"comment": map[string]any{"body": "x"}, "type": "incident", "problem_id": 987654}})
			detail(t, d, "problem_id")
			linked := e.update(id(t, question), map[string]any{"type": "incident", "problem_id": id(t, problem)})
			if num(t, linked["problem_id"]) != id(t, problem) {
				t.Errorf("linking on update: %v", linked["problem_id"])
			}
		})

		t.Run("due_at only on tasks", func(t *testing.T) {
			e := e.with(t)
			task := e.simple("do it", map[string]any{"type": "task", "due_at": "2030-01-02T03:04:05Z"})
			if task["due_at"] != "2030-01-02T03:04:05Z" {
				t.Errorf("task due_at %v", task["due_at"])
			}
			d := e.invalid("POST", "/tickets.json", map[string]any{"ticket": map[string]any{"subject": "q",
				"comment": map[string]any{"body": "x"}, "type": "question", "due_at": "2030-01-02T03:04:05Z"}})
			detail(t, d, "due_at")
			d = e.invalid("PUT", path(task), map[string]any{"ticket": map[string]any{"type": "question"}})
			detail(t, d, "due_at")
			moved := e.update(id(t, task), map[string]any{"due_at": "2031-06-07T08:09:10Z"})
			if moved["due_at"] != "2031-06-07T08:09:10Z" {
				t.Errorf("due_at update %v", moved["due_at"])
			}
		})

		t.Run("references must belong to the account", func(t *testing.T) {
			e := e.with(t)
			beta := newEnv(t, s, s.NewTenant(t, "beta"))
			stranger := beta.endUser("Beta Customer", "customer@beta.example")
			betaAgent := beta.agent("Beta Agent", "agent@beta.example")
			betaGroup := beta.group("Beta Team")
			om := beta.call("POST", "/organizations.json", map[string]any{"organization": map[string]any{"name": "Beta Org"}}, http.StatusCreated)
			betaOrg := num(t, obj(t, om, "organization")["id"])
			betaTicket := beta.simple("beta only", map[string]any{"type": "problem"})
			// Make sure the ids do not happen to exist in alpha.
			for _, p := range []string{fmt.Sprintf("/users/%d.json", stranger), fmt.Sprintf("/users/%d.json", betaAgent),
				fmt.Sprintf("/groups/%d.json", betaGroup), fmt.Sprintf("/organizations/%d.json", betaOrg)} {
				if r := e.do("GET", p, nil); r.Status != http.StatusNotFound {
					t.Fatalf("alpha GET %s: %d (the fixture id exists in alpha)", p, r.Status)
				}
			}
			base := func(k string, v any) map[string]any {
				return map[string]any{"ticket": map[string]any{"subject": "cross", "comment": map[string]any{"body": "x"}, k: v}}
			}
			for _, c := range []struct {
				key string
				val any
			}{
				{"requester_id", stranger},
				{"assignee_id", betaAgent},
				{"group_id", betaGroup},
				{"organization_id", betaOrg},
				{"submitter_id", stranger},
			} {
				d := e.invalid("POST", "/tickets.json", base(c.key, c.val))
				detail(t, d, c.key)
			}
			// problem_id resolves in the caller's numbering: beta's problem
			// number is, in alpha, a ticket that is not a problem (or none).
			if r := e.do("GET", fmt.Sprintf("/tickets/%d.json", id(t, betaTicket)), nil); r.Status == http.StatusOK &&
				obj(t, r.JSON(t), "ticket")["type"] == "problem" {
				t.Fatalf("fixture: alpha's ticket %d is a problem", id(t, betaTicket))
			}
			m := base("problem_id", id(t, betaTicket))
			m["ticket"].(map[string]any)["type"] = "incident"
			detail(t, e.invalid("POST", "/tickets.json", m), "problem_id")
			d := e.invalid("POST", "/tickets.json", map[string]any{"ticket": map[string]any{"subject": "cross",
				"comment": map[string]any{"body": "x", "author_id": stranger}}})
			if _, ok := d["comment.author_id"]; !ok {
				t.Errorf("comment author of another account: details %v", d)
			}
		})

		t.Run("comments public, private and is_public", func(t *testing.T) {
			e := e.with(t)
			tk := e.create(map[string]any{"subject": "private start", "comment": map[string]any{"body": "note to self", "public": false}})
			if tk["is_public"] != false {
				t.Errorf("ticket created with a private comment: is_public %v", tk["is_public"])
			}
			tk = e.update(id(t, tk), map[string]any{"comment": map[string]any{"body": "another note", "public": false}})
			if tk["is_public"] != false {
				t.Errorf("after a second private comment: is_public %v", tk["is_public"])
			}
			tk = e.update(id(t, tk), map[string]any{"comment": map[string]any{"body": "hello customer", "public": true}})
			if tk["is_public"] != true {
				t.Errorf("after a public comment: is_public %v", tk["is_public"])
			}
			cs := e.comments(id(t, tk))
			if len(cs) != 3 || cs[0]["public"] != false || cs[1]["public"] != false || cs[2]["public"] != true {
				t.Fatalf("comments %v", cs)
			}
			e.call("PUT", fmt.Sprintf("/tickets/%d/comments/%d/make_private.json", id(t, tk), num(t, cs[2]["id"])), nil, http.StatusOK)
			if got := e.get(id(t, tk)); got["is_public"] != false {
				t.Errorf("make_private of the only public comment: is_public %v", got["is_public"])
			}
			if cs := e.comments(id(t, tk)); cs[2]["public"] != false {
				t.Errorf("comment still public after make_private: %v", cs[2])
			}
			e.call("PUT", fmt.Sprintf("/tickets/%d/comments/987654/make_private.json", id(t, tk)), nil, http.StatusNotFound)
			d := e.invalid("PUT", path(tk), map[string]any{"ticket": map[string]any{"comment": map[string]any{"body": "   "}}})
			detail(t, d, "comment")
			d = e.invalid("POST", "/tickets.json", map[string]any{"ticket": map[string]any{"subject": "no comment"}})
			detail(t, d, "comment")
			desc := e.create(map[string]any{"subject": "described", "description": "From the description"})
			if desc["description"] != "From the description" || len(e.comments(id(t, desc))) != 1 {
				t.Errorf("description as first comment: %v", desc["description"])
			}
		})

		t.Run("a comment without public inherits the ticket's publicity", func(t *testing.T) {
			e := e.with(t)
			priv := e.create(map[string]any{"subject": "quiet", "comment": map[string]any{"body": "internal start", "public": false}})
			e.update(id(t, priv), map[string]any{"comment": map[string]any{"body": "no flag"}})
			if cs := e.comments(id(t, priv)); cs[1]["public"] != false {
				t.Errorf("comment without public on a private ticket: public %v", cs[1]["public"])
			}
			pub := e.simple("loud", nil)
			e.update(id(t, pub), map[string]any{"comment": map[string]any{"body": "no flag"}})
			if cs := e.comments(id(t, pub)); cs[1]["public"] != true {
				t.Errorf("comment without public on a public ticket: public %v", cs[1]["public"])
			}
			other := e.simple("other", nil)
			oc := e.comments(id(t, other))[0]
			e.call("PUT", fmt.Sprintf("/tickets/%d/comments/%d/make_private.json", id(t, pub), num(t, oc["id"])), nil, http.StatusNotFound)
			if got := e.comments(id(t, other))[0]; got["public"] != true {
				t.Errorf("make_private through another ticket's path changed the comment")
			}
		})

		t.Run("requester by email", func(t *testing.T) {
			e := e.with(t)
			a := e.simple("first", map[string]any{"requester": map[string]any{"name": "Rita Requester", "email": "rita@example.org"}})
			b := e.simple("second", map[string]any{"requester": map[string]any{"name": "Someone Else", "email": "RITA@example.org"}})
			if num(t, a["requester_id"]) != num(t, b["requester_id"]) {
				t.Errorf("the same email made two requesters: %v, %v", a["requester_id"], b["requester_id"])
			}
			u := obj(t, e.call("GET", fmt.Sprintf("/users/%d.json", num(t, a["requester_id"])), nil, http.StatusOK), "user")
			if u["name"] != "Rita Requester" || u["role"] != "end-user" {
				t.Errorf("requester user %v", u)
			}
			d := e.invalid("POST", "/tickets.json", map[string]any{"ticket": map[string]any{"subject": "x", "comment": map[string]any{"body": "x"},
				"requester": map[string]any{"name": "Bad", "email": "not an email"}}})
			detail(t, d, "requester")
			d = e.invalid("POST", "/tickets.json", map[string]any{"ticket": map[string]any{"subject": "x", "comment": map[string]any{"body": "x"},
				"requester_id": 987654}})
			detail(t, d, "requester_id")
		})

		t.Run("a refused create leaves nothing behind", func(t *testing.T) {
			e := e.with(t)
			count := func() int64 {
				return num(t, obj(t, e.call("GET", "/tickets/count.json", nil, http.StatusOK), "count")["value"])
			}
			before := count()
			e.invalid("POST", "/tickets.json", map[string]any{"ticket": map[string]any{"subject": "doomed",
				"comment": map[string]any{"body": "x"}, "requester": map[string]any{"name": "Ghost", "email": "ghost@example.org"},
				"priority": "whenever"}})
			if count() != before {
				t.Errorf("a refused create added a ticket")
			}
			if us := arr(t, e.call("GET", "/users/search.json?query=cora@example.org", nil, http.StatusOK), "users"); len(us) != 1 {
				t.Fatalf("fixture: user search by email finds %v", us)
			}
			m := e.call("GET", "/users/search.json?query=ghost@example.org", nil, http.StatusOK)
			if us := arr(t, m, "users"); len(us) != 0 {
				t.Errorf("a refused create left its requester behind: %v", us)
			}
		})

		t.Run("external_id", func(t *testing.T) {
			e := e.with(t)
			a := e.simple("ext a", map[string]any{"external_id": "crm-1"})
			b := e.simple("ext b", map[string]any{"external_id": "crm-1"})
			e.simple("ext c", map[string]any{"external_id": "crm-2"})
			m := e.call("GET", "/tickets.json?external_id=crm-1", nil, http.StatusOK)
			var got []int64
			for _, it := range arr(t, m, "tickets") {
				got = append(got, id(t, it.(map[string]any)))
			}
			if !slices.Equal(got, []int64{id(t, a), id(t, b)}) {
				t.Errorf("?external_id=crm-1: %v", got)
			}
			if a["external_id"] != "crm-1" {
				t.Errorf("external_id %v", a["external_id"])
			}
		})

		t.Run("PUT of the whole ticket as read changes nothing", func(t *testing.T) {
			// zenpy sends the whole object back, read-only keys included (§2.2).
			e := e.with(t)
			text := e.field(map[string]any{"type": "text", "title": "Round trip"})
			box := e.field(map[string]any{"type": "checkbox", "title": "Round box", "tag": "rt_box"})
			tk := e.simple("round trip", map[string]any{"tags": []string{"rt"}, "priority": "low", "type": "task",
				"due_at": "2030-01-02T03:04:05Z", "assignee_id": agent, "group_id": billing, "external_id": "rt-1",
				"custom_fields": []map[string]any{{"id": text, "value": "kept"}, {"id": box, "value": true}}})
			before := e.get(id(t, tk))
			audits := len(e.audits(id(t, tk)))
			m := e.call("PUT", path(tk), map[string]any{"ticket": before}, http.StatusOK)
			after := obj(t, m, "ticket")
			for _, k := range ticketKeys {
				if !sameJSON(before[k], after[k]) {
					t.Errorf("round trip changed %s: %v -> %v", k, before[k], after[k])
				}
			}
			if n := len(e.audits(id(t, tk))); n != audits {
				t.Errorf("round trip recorded %d audits", n-audits)
			}
		})

		t.Run("make_private records a CommentPrivacyChange", func(t *testing.T) {
			e := e.with(t)
			tk := e.simple("privacy", nil)
			cs := e.comments(id(t, tk))
			before := len(e.audits(id(t, tk)))
			e.call("PUT", fmt.Sprintf("/tickets/%d/comments/%d/make_private.json", id(t, tk), num(t, cs[0]["id"])), nil, http.StatusOK)
			aus := e.audits(id(t, tk))
			if len(aus) != before+1 {
				t.Fatalf("make_private added %d audits, want 1 with a CommentPrivacyChange event", len(aus)-before)
			}
			evs := arr(t, aus[len(aus)-1], "events")
			var found bool
			for _, it := range evs {
				ev := it.(map[string]any)
				if ev["type"] == "CommentPrivacyChange" && sameJSON(ev["comment_id"], cs[0]["id"]) && ev["public"] == false {
					found = true
				}
			}
			if !found {
				t.Errorf("make_private audit events %v, want CommentPrivacyChange{comment_id:%v, public:false}", evs, cs[0]["id"])
			}
		})

		t.Run("html_body is sanitised", func(t *testing.T) {
			e := e.with(t)
			tk := e.create(map[string]any{"subject": "html", "comment": map[string]any{"public": true,
				"html_body": `<p>Hello <b>world</b><script>alert("x")</script></p><p onclick="steal()">Second <a href="javascript:evil()">line</a></p>`}})
			c := e.comments(id(t, tk))[0]
			html := c["html_body"].(string)
			for _, bad := range []string{"<script", "alert(", "onclick", "javascript:"} {
				if strings.Contains(html, bad) {
					t.Errorf("html_body keeps %q: %s", bad, html)
				}
			}
			if !strings.Contains(html, "<b>world</b>") {
				t.Errorf("html_body lost safe markup: %s", html)
			}
			plain := c["plain_body"].(string)
			if strings.Contains(plain, "<") || !strings.Contains(plain, "Hello world") || !strings.Contains(plain, "Second line") ||
				strings.Contains(plain, "alert") {
				t.Errorf("plain_body %q", plain)
			}
			if body := c["body"].(string); strings.Contains(body, "<script") || strings.Contains(body, "alert(") || !strings.Contains(body, "Hello") {
				t.Errorf("body %q", body)
			}
			if tk["description"] != plain {
				t.Errorf("description %q, want the first comment's plain text %q", tk["description"], plain)
			}
			text := e.simple("plain <b>not html</b>", nil)
			tc := e.comments(id(t, text))[0]
			if h := tc["html_body"].(string); strings.Contains(h, "<b>") || !strings.Contains(h, "&lt;b&gt;") {
				t.Errorf("plain body must be escaped in html_body: %s", h)
			}
		})

		t.Run("audits", func(t *testing.T) {
			e := e.with(t)
			tk := e.simple("audited", map[string]any{"priority": "high", "type": "question", "tags": []string{"a"}})
			aus := e.audits(id(t, tk))
			if len(aus) != 1 {
				t.Fatalf("%d audits after create", len(aus))
			}
			cr := aus[0]
			if num(t, cr["ticket_id"]) != id(t, tk) || num(t, cr["author_id"]) != s.Default.OwnerID || obj(t, cr, "via")["channel"] != "api" {
				t.Errorf("create audit %v", cr)
			}
			evs := arr(t, cr, "events")
			first := evs[0].(map[string]any)
			if first["type"] != "Comment" || first["body"] != "audited body" || first["public"] != true || num(t, first["audit_id"]) != num(t, cr["id"]) {
				t.Errorf("first event %v, want the Comment", first)
			}
			var order []string
			created := map[string]any{}
			for _, it := range evs[1:] {
				ev := it.(map[string]any)
				if ev["type"] != "Create" {
					t.Errorf("create audit event %v, want Create", ev)
					continue
				}
				name := ev["field_name"].(string)
				order = append(order, name)
				created[name] = ev["value"]
			}
			want := []string{"subject", "requester_id", "priority", "type", "status", "custom_status_id"}
			pos := -1
			for _, w := range want {
				i := slices.Index(order, w)
				if i < 0 || i < pos {
					t.Errorf("Create events %v: %s missing or out of order (want %v in that order)", order, w, want)
				}
				pos = i
			}
			if created["subject"] != "audited" || created["priority"] != "high" || created["status"] != "new" ||
				created["requester_id"] != itoa(s.Default.OwnerID) || created["custom_status_id"] != itoa(defaults["new"]) ||
				!sameJSON(created["tags"], []string{"a"}) {
				t.Errorf("Create values %v (ids are strings)", created)
			}

			e.update(id(t, tk), map[string]any{"priority": "urgent", "subject": "audited twice", "status": "open"})
			aus = e.audits(id(t, tk))
			if len(aus) != 2 {
				t.Fatalf("%d audits after update", len(aus))
			}
			changes := map[string][2]any{}
			for _, it := range arr(t, aus[1], "events") {
				ev := it.(map[string]any)
				if ev["type"] != "Change" {
					t.Errorf("update event %v, want Change", ev)
					continue
				}
				if _, ok := ev["previous_value"]; !ok {
					t.Errorf("Change without previous_value: %v", ev)
				}
				changes[ev["field_name"].(string)] = [2]any{ev["previous_value"], ev["value"]}
			}
			for k, v := range map[string][2]any{"priority": {"high", "urgent"}, "subject": {"audited", "audited twice"},
				"status": {"new", "open"}, "custom_status_id": {itoa(defaults["new"]), itoa(defaults["open"])}} {
				if changes[k] != v {
					t.Errorf("Change %s: %v, want %v", k, changes[k], v)
				}
			}
			if _, ok := changes["type"]; ok {
				t.Errorf("unchanged type has a Change event")
			}
			one := e.call("GET", fmt.Sprintf("/tickets/%d/audits/%d.json", id(t, tk), num(t, aus[1]["id"])), nil, http.StatusOK)
			if !sameJSON(obj(t, one, "audit"), aus[1]) {
				t.Errorf("audit show %v differs from the list %v", one, aus[1])
			}
			cnt := e.call("GET", fmt.Sprintf("/tickets/%d/audits/count.json", id(t, tk)), nil, http.StatusOK)
			if num(t, obj(t, cnt, "count")["value"]) != 2 {
				t.Errorf("audits/count %v", cnt)
			}
			// A no-op update records nothing.
			e.update(id(t, tk), map[string]any{"priority": "urgent"})
			if n := len(e.audits(id(t, tk))); n != 2 {
				t.Errorf("a no-op update added an audit (%d)", n)
			}
			// The write answer carries the audit.
			m := e.call("PUT", path(tk), map[string]any{"ticket": map[string]any{"priority": "low"}}, http.StatusOK)
			au := obj(t, m, "audit")
			if num(t, au["ticket_id"]) != id(t, tk) || len(arr(t, au, "events")) != 1 {
				t.Errorf("update response audit %v", au)
			}
		})
	})
}

func ptr[T any](v T) *T { return &v }
