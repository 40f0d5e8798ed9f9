package tickets_test

import (
	"fmt"
	"net/http"
	"slices"
	"testing"

	"github.com/nukosuke/go-zendesk/zendesk"

	"parley/internal/app/apptest"
)

// TestTicketLists covers the list variants of §2.3: sort_by, the
// organization / requested / ccd / assigned lists, comment ordering and the
// users sideload of comments.
func TestTicketLists(t *testing.T) {
	apptest.Each(t, func(t *testing.T, s *apptest.Server) {
		e := newEnv(t, s, s.Default)
		amy := e.agent("Amy Agent", "amy@alpha.example")
		zed := e.agent("Zed Agent", "zed@alpha.example")
		om := e.call("POST", "/organizations.json", map[string]any{"organization": map[string]any{"name": "Acme"}}, http.StatusCreated)
		acme := num(t, obj(t, om, "organization")["id"])
		um := e.call("POST", "/users.json", map[string]any{"user": map[string]any{"name": "Ann Acme", "email": "ann@acme.example",
			"organization_id": acme}}, http.StatusCreated)
		ann := num(t, obj(t, um, "user")["id"])
		bob := e.endUser("Bob Buyer", "bob@example.org")
		cc := e.endUser("Cecil Copied", "cecil@example.org")

		// Created in an order that no sort reproduces by accident.
		t1 := e.simple("Banana", map[string]any{"assignee_id": zed, "requester_id": bob})
		t2 := e.simple("Apple", map[string]any{"assignee_id": amy, "requester_id": ann, "status": "pending",
			"email_ccs": []map[string]any{{"user_id": cc, "action": "put"}}})
		t3 := e.simple("Cherry", map[string]any{"assignee_id": zed, "requester_id": bob, "status": "hold"})
		listIDs := func(t *testing.T, path string) []int64 {
			t.Helper()
			var out []int64
			for _, it := range arr(t, e.with(t).call("GET", path, nil, http.StatusOK), "tickets") {
				out = append(out, id(t, it.(map[string]any)))
			}
			return out
		}

		t.Run("sort_by", func(t *testing.T) {
			a, b, c := id(t, t1), id(t, t2), id(t, t3)
			for _, tc := range []struct {
				q    string
				want []int64
			}{
				{"sort_by=id&sort_order=desc", []int64{c, b, a}},
				{"sort_by=subject", []int64{b, a, c}},
				{"sort_by=subject&sort_order=desc", []int64{c, a, b}},
				// open < pending < hold: Zendesk orders statuses, not their names.
				{"sort_by=status", []int64{a, b, c}},
				{"sort_by=created_at&sort_order=desc", []int64{c, b, a}},
			} {
				if got := listIDs(t, "/tickets.json?"+tc.q); !slices.Equal(got, tc.want) {
					t.Errorf("%s: %v, want %v", tc.q, got, tc.want)
				}
			}
			// Names: Amy's and Ann's ticket (b) first; Zed's and Bob's two tie.
			for _, q := range []string{"sort_by=assignee.name", "sort_by=requester.name"} {
				if got := listIDs(t, "/tickets.json?"+q); len(got) != 3 || got[0] != b {
					t.Errorf("%s: %v, want %d first", q, got, b)
				}
				if got := listIDs(t, "/tickets.json?"+q+"&sort_order=desc"); len(got) != 3 || got[2] != b {
					t.Errorf("%s desc: %v, want %d last", q, got, b)
				}
			}
		})

		t.Run("organization, requested, ccd, assigned", func(t *testing.T) {
			if org := num(t, t2["organization_id"]); org != acme {
				t.Errorf("ticket of an Acme requester: organization_id %d, want %d", org, acme)
			}
			ts, _, err := e.c.GetOrganizationTickets(ctx, acme, nil)
			must(t, "GetOrganizationTickets", err)
			if !slices.Equal(ticketIDs(ts), []int64{id(t, t2)}) {
				t.Errorf("organization tickets %v", ticketIDs(ts))
			}
			if got := listIDs(t, fmt.Sprintf("/users/%d/tickets/requested.json", bob)); !slices.Equal(got, []int64{id(t, t1), id(t, t3)}) {
				t.Errorf("bob requested %v", got)
			}
			if got := listIDs(t, fmt.Sprintf("/users/%d/tickets/assigned.json", zed)); !slices.Equal(got, []int64{id(t, t1), id(t, t3)}) {
				t.Errorf("zed assigned %v", got)
			}
			if got := listIDs(t, fmt.Sprintf("/users/%d/tickets/ccd.json", cc)); !slices.Equal(got, []int64{id(t, t2)}) {
				t.Errorf("cecil ccd %v", got)
			}
			if !sameJSON(t2["email_cc_ids"], []int64{cc}) || !sameJSON(t2["collaborator_ids"], []int64{cc}) {
				t.Errorf("email_cc_ids %v collaborator_ids %v", t2["email_cc_ids"], t2["collaborator_ids"])
			}
			e.with(t).call("GET", "/users/987654/tickets/requested.json", nil, http.StatusNotFound)
			e.with(t).call("GET", "/organizations/987654/tickets.json", nil, http.StatusNotFound)
		})

		t.Run("comment order", func(t *testing.T) {
			e := e.with(t)
			e.update(id(t, t1), map[string]any{"comment": map[string]any{"body": "second", "public": true}})
			e.update(id(t, t1), map[string]any{"comment": map[string]any{"body": "third", "public": true}})
			bodies := func(q string) []string {
				var out []string
				for _, it := range arr(t, e.call("GET", fmt.Sprintf("/tickets/%d/comments.json%s", id(t, t1), q), nil, http.StatusOK), "comments") {
					out = append(out, it.(map[string]any)["body"].(string))
				}
				return out
			}
			if got := bodies(""); !slices.Equal(got, []string{"Banana body", "second", "third"}) {
				t.Errorf("default order %v", got)
			}
			if got := bodies("?sort_order=desc"); !slices.Equal(got, []string{"third", "second", "Banana body"}) {
				t.Errorf("sort_order=desc %v", got)
			}
			if got := bodies("?sort=-created_at&page[size]=2"); !slices.Equal(got, []string{"third", "second"}) {
				t.Errorf("sort=-created_at %v", got)
			}
		})

		t.Run("comments include=users", func(t *testing.T) {
			e.update(id(t, t2), map[string]any{"comment": map[string]any{"body": "from amy", "public": true, "author_id": amy}})
			res, err := e.c.ListTicketComments(ctx, id(t, t2), &zendesk.ListTicketCommentsOptions{Include: "users"})
			must(t, "ListTicketComments include=users", err)
			var got []int64
			for _, u := range res.Users {
				got = append(got, u.ID)
			}
			slices.Sort(got)
			want := []int64{s.Default.OwnerID, amy}
			slices.Sort(want)
			if !slices.Equal(got, want) {
				t.Errorf("sideloaded users %v, want the comment authors %v", got, want)
			}
		})
	})
}

// TestRequiredFieldOnSolve: a custom field marked required blocks solving
// until it has a value. Zendesk reports it under details.base with the
// field's id and type (as seen in live responses quoted in facetoe/zenpy#114
// and zendesk/zendesk_api_client_rb#317: "<title>: is required when solving
// a ticket").
func TestRequiredFieldOnSolve(t *testing.T) {
	apptest.Each(t, func(t *testing.T, s *apptest.Server) {
		e := newEnv(t, s, s.Default)
		reason := e.field(map[string]any{"type": "text", "title": "Reason", "required": true})
		tk := e.simple("needs a reason", nil)
		m := e.call("PUT", fmt.Sprintf("/tickets/%d.json", id(t, tk)), map[string]any{"ticket": map[string]any{"status": "solved"}},
			http.StatusUnprocessableEntity)
		if m["error"] != "RecordInvalid" {
			t.Fatalf("422 body %v", m)
		}
		if got := e.get(id(t, tk)); got["status"] != "new" {
			t.Errorf("the refused solve changed the status to %v", got["status"])
		}
		base, _ := obj(t, m, "details")["base"].([]any)
		found := false
		for _, it := range base {
			d, _ := it.(map[string]any)
			if sameJSON(d["ticket_field_id"], reason) && d["description"] == "Reason: is required when solving a ticket" {
				found = true
			}
		}
		if !found {
			t.Errorf("details %v, want base[{ticket_field_id:%d, description:\"Reason: is required when solving a ticket\"}]", m["details"], reason)
		}
		solved := e.update(id(t, tk), map[string]any{"status": "solved", "custom_fields": []map[string]any{{"id": reason, "value": "fixed"}}})
		if solved["status"] != "solved" {
			t.Errorf("solve with the required value: %v", solved["status"])
		}
	})
}
