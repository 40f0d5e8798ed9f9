package tickets_test

import (
	"encoding/json"
	"fmt"
	"net/http"
	"slices"
	"sort"
	"strings"
	"testing"

	"github.com/nukosuke/go-zendesk/zendesk"

	"parley/internal/app/apptest"
)

// ticketKeys is every property of the ticket object (§2.1).
var ticketKeys = []string{"url", "id", "external_id", "via", "created_at", "updated_at", "type", "subject", "raw_subject",
	"description", "priority", "status", "recipient", "requester_id", "submitter_id", "assignee_id", "organization_id",
	"group_id", "collaborator_ids", "follower_ids", "email_cc_ids", "forum_topic_id", "problem_id", "has_incidents",
	"is_public", "due_at", "tags", "custom_fields", "satisfaction_rating", "sharing_agreement_ids", "custom_status_id",
	"fields", "followup_ids", "ticket_form_id", "brand_id", "allow_channelback", "allow_attachments", "from_messaging_channel"}

// TestGoZendeskTicketFlow walks a ticket's life through go-zendesk: create
// with a new requester, tags and custom fields; read; update; list every
// way the client pages; comments; audits; delete.
func TestGoZendeskTicketFlow(t *testing.T) {
	apptest.Each(t, func(t *testing.T, s *apptest.Server) {
		e := newEnv(t, s, s.Default)
		c := e.c
		defaults, _ := e.statuses()

		textID := e.field(map[string]any{"type": "text", "title": "Order reference"})
		boxID := e.field(map[string]any{"type": "checkbox", "title": "VIP", "tag": "VIP_Customer"})
		dateID := e.field(map[string]any{"type": "date", "title": "Purchased on"})
		taggerID := e.field(map[string]any{"type": "tagger", "title": "Product", "custom_field_options": []map[string]any{
			{"name": "Hardware", "value": "hw"}, {"name": "Software", "value": "sw"}}})
		multiID := e.field(map[string]any{"type": "multiselect", "title": "Colours", "custom_field_options": []map[string]any{
			{"name": "Red", "value": "red"}, {"name": "Blue", "value": "blue"}, {"name": "Green", "value": "green"}}})

		agent, err := c.CreateUser(ctx, zendesk.User{Name: "Alice Agent", Email: "alice@alpha.example", Role: "agent"})
		must(t, "CreateUser agent", err)
		tier2, err := c.CreateGroup(ctx, zendesk.Group{Name: "Tier 2"})
		must(t, "CreateGroup", err)
		_, err = c.Post(ctx, "/group_memberships.json", map[string]any{"group_membership": map[string]any{"user_id": agent.ID, "group_id": tier2.ID}})
		must(t, "POST group_memberships", err)

		public := true
		created, err := c.CreateTicket(ctx, zendesk.Ticket{
			Subject:  "Printer on fire",
			Comment:  &zendesk.TicketComment{Body: "The printer is on fire.", Public: &public},
			Tags:     []string{"Printer", "Urgent Fire"},
			Priority: "high",
			Type:     "question",
			Requester: &zendesk.Requester{
				Name: "Carla Customer", Email: "carla@example.org"},
			CustomFields: []zendesk.CustomField{
				{ID: textID, Value: "PO-1234"},
				{ID: boxID, Value: true},
				{ID: dateID, Value: "2024-05-01"},
				{ID: taggerID, Value: "hw"},
				{ID: multiID, Value: []string{"red", "blue"}},
			},
		})
		must(t, "CreateTicket", err)
		tid := created.ID

		t.Run("created ticket", func(t *testing.T) {
			if tid != 1 {
				t.Errorf("first ticket of the account has id %d, want 1", tid)
			}
			if created.Subject != "Printer on fire" || created.RawSubject != "Printer on fire" ||
				created.Description != "The printer is on fire." || created.Priority != "high" || created.Type != "question" ||
				created.Status != "new" || created.CustomStatusID != defaults["new"] || !created.IsPublic {
				t.Errorf("CreateTicket: %+v", created)
			}
			if !strings.HasSuffix(created.URL, fmt.Sprintf("/api/v2/tickets/%d.json", tid)) {
				t.Errorf("url %q", created.URL)
			}
			if created.Via == nil || created.Via.Channel != "api" {
				t.Errorf("via %+v, want channel api", created.Via)
			}
			if created.CreatedAt == nil || created.UpdatedAt == nil || created.CreatedAt.IsZero() {
				t.Errorf("timestamps %v %v", created.CreatedAt, created.UpdatedAt)
			}
			if created.SubmitterID != s.Default.OwnerID {
				t.Errorf("submitter %d, want the API user %d", created.SubmitterID, s.Default.OwnerID)
			}
			got := slices.Clone(created.Tags)
			sort.Strings(got)
			// tags lowercased and split; checkbox tag, dropdown and multiselect values added.
			want := []string{"blue", "fire", "hw", "printer", "red", "urgent", "vip_customer"}
			if !slices.Equal(got, want) {
				t.Errorf("tags %v, want %v", got, want)
			}
			vals := map[int64]any{}
			for _, cf := range created.CustomFields {
				vals[cf.ID] = cf.Value
			}
			if vals[textID] != "PO-1234" || vals[boxID] != true || vals[dateID] != "2024-05-01" || vals[taggerID] != "hw" {
				t.Errorf("custom fields %v", vals)
			}
			ms, _ := vals[multiID].([]string)
			sort.Strings(ms)
			if !slices.Equal(ms, []string{"blue", "red"}) {
				t.Errorf("multiselect value %#v", vals[multiID])
			}

			// The requester was created on the fly as an end user.
			if created.RequesterID == 0 || created.RequesterID == s.Default.OwnerID {
				t.Fatalf("requester_id %d", created.RequesterID)
			}
			u, err := c.GetUser(ctx, created.RequesterID)
			must(t, "GetUser requester", err)
			if u.Name != "Carla Customer" || u.Email != "carla@example.org" || u.Role != "end-user" {
				t.Errorf("requester user %+v", u)
			}
		})

		t.Run("GetTicket", func(t *testing.T) {
			got, err := c.GetTicket(ctx, tid)
			must(t, "GetTicket", err)
			if got.ID != tid || got.Subject != created.Subject || got.RequesterID != created.RequesterID ||
				!slices.Equal(got.Tags, created.Tags) || len(got.CustomFields) != len(created.CustomFields) ||
				!got.UpdatedAt.Equal(*created.UpdatedAt) {
				t.Errorf("GetTicket %+v, created %+v", got, created)
			}
			_, err = c.GetTicket(ctx, 987654)
			body := zdError(t, "GetTicket unknown", err, http.StatusNotFound)
			if !strings.Contains(body, "RecordNotFound") {
				t.Errorf("404 body %s", body)
			}
		})

		t.Run("raw GET has every ticket property", func(t *testing.T) {
			tk := e.with(t).get(tid)
			for _, k := range ticketKeys {
				if _, ok := tk[k]; !ok {
					t.Errorf("ticket has no %q", k)
				}
			}
			for _, k := range []string{"collaborator_ids", "follower_ids", "email_cc_ids", "tags", "custom_fields",
				"sharing_agreement_ids", "fields", "followup_ids"} {
				if _, ok := tk[k].([]any); !ok {
					t.Errorf("%s = %v, want an array", k, tk[k])
				}
			}
			if !sameJSON(tk["fields"], tk["custom_fields"]) {
				t.Errorf("fields %v differs from custom_fields %v", tk["fields"], tk["custom_fields"])
			}
			via := obj(t, tk, "via")
			src := obj(t, via, "source")
			if via["channel"] != "api" || src["from"] == nil || src["to"] == nil {
				t.Errorf("via %v", via)
			}
			if _, ok := src["rel"]; !ok {
				t.Errorf("via.source has no rel: %v", src)
			}

			// A bare ticket: everything unset is null (or [] / false).
			bare := e.with(t).create(map[string]any{"comment": map[string]any{"body": "Just a question", "public": true}})
			for _, k := range []string{"external_id", "type", "priority", "recipient", "assignee_id", "organization_id",
				"group_id", "forum_topic_id", "problem_id", "due_at", "satisfaction_rating"} {
				if v, ok := bare[k]; !ok || v != nil {
					t.Errorf("bare ticket %s = %v (present %v), want null", k, v, ok)
				}
			}
			for _, k := range []string{"has_incidents", "allow_channelback", "from_messaging_channel"} {
				if bare[k] != false {
					t.Errorf("bare ticket %s = %v, want false", k, bare[k])
				}
			}
			for _, k := range []string{"collaborator_ids", "follower_ids", "email_cc_ids", "tags",
				"sharing_agreement_ids", "followup_ids"} {
				if a, ok := bare[k].([]any); !ok || len(a) != 0 {
					t.Errorf("bare ticket %s = %v, want []", k, bare[k])
				}
			}
			// Zendesk lists every active custom field on every ticket, with
			// a null value when unset.
			for _, k := range []string{"custom_fields", "fields"} {
				a, ok := bare[k].([]any)
				if !ok || len(a) == 0 {
					t.Errorf("bare ticket %s = %v, want every active field with a null value", k, bare[k])
				}
				for _, f := range a {
					if fv := f.(map[string]any); fv["id"] == nil || fv["value"] != nil {
						t.Errorf("bare ticket %s entry %v, want an id and a null value", k, fv)
					}
				}
			}
			if e.with(t).call("DELETE", fmt.Sprintf("/tickets/%d.json", id(t, bare)), nil, http.StatusNoContent) != nil {
				t.Errorf("DELETE answered a body")
			}
		})

		t.Run("UpdateTicket", func(t *testing.T) {
			private := false
			up, err := c.UpdateTicket(ctx, tid, zendesk.Ticket{
				Status:     "open",
				AssigneeID: agent.ID,
				GroupID:    json.Number(itoa(tier2.ID)),
				Tags:       append(slices.Clone(created.Tags), "Escalated"),
				Comment:    &zendesk.TicketComment{Body: "Internal: calling the fire brigade.", Public: &private},
			})
			must(t, "UpdateTicket", err)
			if up.Status != "open" || up.CustomStatusID != defaults["open"] || up.AssigneeID != agent.ID ||
				up.GroupID.String() != itoa(tier2.ID) || !slices.Contains(up.Tags, "escalated") || !up.IsPublic {
				t.Errorf("UpdateTicket: %+v", up)
			}
			if up.Description != "The printer is on fire." {
				t.Errorf("description changed to %q; it is the first comment", up.Description)
			}
			if up.UpdatedAt.Before(*created.UpdatedAt) {
				t.Errorf("updated_at went back: %v < %v", up.UpdatedAt, created.UpdatedAt)
			}

			// additional_tags / remove_tags (not in go-zendesk's Ticket).
			tk := e.with(t).update(tid, map[string]any{"additional_tags": []string{"Later"}, "remove_tags": []string{"PRINTER"}})
			if !hasTag(t, tk, "later") || hasTag(t, tk, "printer") || !hasTag(t, tk, "escalated") {
				t.Errorf("additional_tags/remove_tags: %v", tk["tags"])
			}
			tt, err := c.GetTicketTags(ctx, tid)
			must(t, "GetTicketTags", err)
			if len(tt) != len(tags(t, tk)) {
				t.Errorf("GetTicketTags %v, ticket tags %v", tt, tk["tags"])
			}
			added, err := c.AddTicketTags(ctx, tid, []zendesk.Tag{"Added_Via_Client"})
			must(t, "AddTicketTags", err)
			if !slices.Contains(added, "added_via_client") || !slices.Contains(added, "later") {
				t.Errorf("AddTicketTags answered %v", added)
			}
		})

		// Two more tickets for the lists: ids 2 is the deleted bare ticket.
		t3, err := c.CreateTicket(ctx, zendesk.Ticket{Subject: "Third", Comment: &zendesk.TicketComment{Body: "three", Public: &public}})
		must(t, "CreateTicket third", err)
		t4, err := c.CreateTicket(ctx, zendesk.Ticket{Subject: "Fourth", Comment: &zendesk.TicketComment{Body: "four", Public: &public},
			RequesterID: created.RequesterID})
		must(t, "CreateTicket fourth", err)
		live := []int64{tid, t3.ID, t4.ID}

		t.Run("ids keep counting after a delete", func(t *testing.T) {
			if t3.ID != 3 || t4.ID != 4 {
				t.Errorf("ids %d, %d; want 3, 4 (ticket 2 was deleted, its number is not reused)", t3.ID, t4.ID)
			}
		})

		t.Run("GetTickets offset", func(t *testing.T) {
			ts, page, err := c.GetTickets(ctx, nil)
			must(t, "GetTickets", err)
			if !slices.Equal(ticketIDs(ts), live) || page.Count != 3 || page.HasNext() || page.HasPrev() {
				t.Errorf("GetTickets: ids %v page %+v", ticketIDs(ts), page)
			}
			ts, page, err = c.GetTickets(ctx, &zendesk.TicketListOptions{PageOptions: zendesk.PageOptions{PerPage: 2}})
			must(t, "GetTickets per_page=2", err)
			if !slices.Equal(ticketIDs(ts), live[:2]) || !page.HasNext() || page.Count != 3 {
				t.Errorf("GetTickets per_page=2: ids %v page %+v", ticketIDs(ts), page)
			}
			ts, page, err = c.GetTickets(ctx, &zendesk.TicketListOptions{SortBy: "id", SortOrder: "desc"})
			must(t, "GetTickets sorted desc", err)
			if !slices.Equal(ticketIDs(ts), []int64{t4.ID, t3.ID, tid}) {
				t.Errorf("GetTickets sort_order=desc: %v", ticketIDs(ts))
			}
			ts, page, err = c.GetTicketsOBP(ctx, &zendesk.OBPOptions{PageOptions: zendesk.PageOptions{PerPage: 2, Page: 2}})
			must(t, "GetTicketsOBP page 2", err)
			if !slices.Equal(ticketIDs(ts), live[2:]) || page.HasNext() || !page.HasPrev() || page.Count != 3 {
				t.Errorf("GetTicketsOBP page 2: ids %v page %+v", ticketIDs(ts), page)
			}
		})

		t.Run("GetTickets cursor", func(t *testing.T) {
			ts, meta, err := c.GetTicketsCBP(ctx, &zendesk.CBPOptions{CursorPagination: zendesk.CursorPagination{PageSize: 2}})
			must(t, "GetTicketsCBP", err)
			if !slices.Equal(ticketIDs(ts), live[:2]) || !meta.HasMore || meta.AfterCursor == "" {
				t.Fatalf("GetTicketsCBP page 1: ids %v meta %+v", ticketIDs(ts), meta)
			}
			ts, meta, err = c.GetTicketsCBP(ctx, &zendesk.CBPOptions{CursorPagination: zendesk.CursorPagination{PageSize: 2, PageAfter: meta.AfterCursor}})
			must(t, "GetTicketsCBP page 2", err)
			if !slices.Equal(ticketIDs(ts), live[2:]) || meta.HasMore {
				t.Errorf("GetTicketsCBP page 2: ids %v meta %+v", ticketIDs(ts), meta)
			}
			for _, cbp := range []bool{true, false} {
				var seen []int64
				it := c.GetTicketsIterator(ctx, &zendesk.PaginationOptions{PageSize: 1, IsCBP: cbp})
				for n := 0; it.HasMore(); n++ {
					if n > 10 {
						t.Fatalf("iterator (cbp=%v) does not stop", cbp)
					}
					ts, err := it.GetNext()
					must(t, "tickets iterator", err)
					seen = append(seen, ticketIDs(ts)...)
				}
				if !slices.Equal(seen, live) {
					t.Errorf("GetTicketsIterator cbp=%v: %v, want %v", cbp, seen, live)
				}
			}
		})

		t.Run("GetMultipleTickets and related lists", func(t *testing.T) {
			ts, err := c.GetMultipleTickets(ctx, []int64{t4.ID, tid, 2, 987654})
			must(t, "GetMultipleTickets", err)
			got := ticketIDs(ts)
			slices.Sort(got)
			if !slices.Equal(got, []int64{tid, t4.ID}) {
				t.Errorf("show_many: %v, want [%d %d] (deleted and unknown ids are left out)", got, tid, t4.ID)
			}
			m := e.with(t).call("GET", "/tickets/count.json", nil, http.StatusOK)
			if num(t, obj(t, m, "count")["value"]) != 3 {
				t.Errorf("tickets/count: %v", m)
			}
			var req struct {
				Tickets []zendesk.Ticket `json:"tickets"`
				Count   int              `json:"count"`
			}
			b, err := c.Get(ctx, fmt.Sprintf("/users/%d/tickets/requested.json", created.RequesterID))
			must(t, "GET requested", err)
			must(t, "decode requested", json.Unmarshal(b, &req))
			if !slices.Equal(ticketIDs(req.Tickets), []int64{tid, t4.ID}) {
				t.Errorf("requested tickets %v", ticketIDs(req.Tickets))
			}
			b, err = c.Get(ctx, fmt.Sprintf("/users/%d/tickets/assigned.json", agent.ID))
			must(t, "GET assigned", err)
			must(t, "decode assigned", json.Unmarshal(b, &req))
			if !slices.Equal(ticketIDs(req.Tickets), []int64{tid}) {
				t.Errorf("assigned tickets %v", ticketIDs(req.Tickets))
			}
		})

		var replyID int64
		t.Run("comments", func(t *testing.T) {
			_, err := c.CreateTicketComment(ctx, tid, zendesk.NewPublicTicketComment("We are on our way.", 0))
			must(t, "CreateTicketComment", err)
			res, err := c.ListTicketComments(ctx, tid, nil)
			must(t, "ListTicketComments", err)
			cs := res.TicketComments
			if len(cs) != 3 {
				t.Fatalf("%d comments, want 3: %+v", len(cs), cs)
			}
			wantBodies := []string{"The printer is on fire.", "Internal: calling the fire brigade.", "We are on our way."}
			wantPublic := []bool{true, false, true}
			for i, cm := range cs {
				if cm.Body != wantBodies[i] || cm.PlainBody != wantBodies[i] || cm.Public == nil || *cm.Public != wantPublic[i] ||
					cm.Type != "Comment" || cm.AuthorID != s.Default.OwnerID || cm.ID == 0 || cm.CreatedAt.IsZero() ||
					!strings.Contains(cm.HTMLBody, wantBodies[i]) || cm.Via == nil || cm.Via.Channel != "api" {
					t.Errorf("comment %d: %+v", i, cm)
				}
			}
			replyID = cs[2].ID

			res, err = c.ListTicketComments(ctx, tid, &zendesk.ListTicketCommentsOptions{
				CursorPagination: zendesk.CursorPagination{PageSize: 2}, Sort: zendesk.TicketCommentCreatedAtDesc})
			must(t, "ListTicketComments desc", err)
			if len(res.TicketComments) != 2 || res.TicketComments[0].ID != cs[2].ID || res.TicketComments[1].ID != cs[1].ID ||
				!res.Meta.HasMore {
				t.Errorf("comments sort=-created_at page[size]=2: %+v meta %+v", res.TicketComments, res.Meta)
			}
			var all []zendesk.TicketComment
			it := c.GetTicketCommentsIterator(ctx, &zendesk.PaginationOptions{PageSize: 1, IsCBP: true,
				CommonOptions: zendesk.CommonOptions{Id: tid}})
			for n := 0; it.HasMore() && n < 10; n++ {
				page, err := it.GetNext()
				must(t, "comments iterator", err)
				all = append(all, page...)
			}
			if len(all) != 3 || all[0].ID != cs[0].ID || all[2].ID != cs[2].ID {
				t.Errorf("comments iterator: %+v", all)
			}
			m := e.with(t).call("GET", fmt.Sprintf("/tickets/%d/comments/count.json", tid), nil, http.StatusOK)
			if num(t, obj(t, m, "count")["value"]) != 3 {
				t.Errorf("comments/count: %v", m)
			}
		})

		t.Run("audits", func(t *testing.T) {
			aus, page, err := c.GetTicketAudits(ctx, tid, zendesk.PageOptions{})
			must(t, "GetTicketAudits", err)
			// create, update, additional/remove tags, AddTicketTags, comment.
			if len(aus) != 5 || page.Count != 5 {
				t.Fatalf("GetTicketAudits: %d audits, count %d: %+v", len(aus), page.Count, aus)
			}
			first := aus[0]
			if first.TicketID != tid || first.AuthorID != s.Default.OwnerID || first.Via.Channel != "api" || first.CreatedAt == nil {
				t.Errorf("create audit %+v", first)
			}
			ev := func(a zendesk.TicketAudit, i int) map[string]any {
				m, _ := a.Events[i].(map[string]any)
				return m
			}
			if len(first.Events) < 2 || ev(first, 0)["type"] != "Comment" || ev(first, 0)["body"] != "The printer is on fire." {
				t.Errorf("create audit must start with its Comment: %+v", first.Events)
			}
			for i := 1; i < len(first.Events); i++ {
				if ev(first, i)["type"] != "Create" {
					t.Errorf("create audit event %d: %v, want Create", i, first.Events[i])
				}
			}
			upd := aus[1]
			var sawStatus bool
			for i := range upd.Events {
				m := ev(upd, i)
				if m["type"] == "Change" && m["field_name"] == "status" {
					sawStatus = m["value"] == "open" && m["previous_value"] == "new"
				}
			}
			if !sawStatus {
				t.Errorf("update audit has no status Change new->open: %+v", upd.Events)
			}

			one, err := c.GetTicketAudit(ctx, tid, upd.ID)
			must(t, "GetTicketAudit", err)
			if one.ID != upd.ID || one.TicketID != tid || len(one.Events) != len(upd.Events) {
				t.Errorf("GetTicketAudit: %+v", one)
			}
			_, err = c.GetTicketAudit(ctx, tid, 987654)
			zdError(t, "GetTicketAudit unknown", err, http.StatusNotFound)

			var seen []int64
			it := c.GetTicketAuditsIterator(ctx, &zendesk.PaginationOptions{PageSize: 2, IsCBP: true,
				CommonOptions: zendesk.CommonOptions{Id: tid}})
			for n := 0; it.HasMore() && n < 10; n++ {
				page, err := it.GetNext()
				must(t, "audits iterator", err)
				for _, a := range page {
					seen = append(seen, a.ID)
				}
			}
			if len(seen) != 5 || seen[0] != first.ID {
				t.Errorf("GetTicketAuditsIterator: %v", seen)
			}

			all, _, err := c.GetAllTicketAudits(ctx, zendesk.CursorOption{})
			must(t, "GetAllTicketAudits", err)
			byTicket := map[int64]int{}
			for _, a := range all {
				byTicket[a.TicketID]++
			}
			if byTicket[tid] != 5 || byTicket[t3.ID] != 1 || byTicket[t4.ID] != 1 {
				t.Errorf("GetAllTicketAudits per ticket: %v", byTicket)
			}
			var cbp []int64
			ait := c.GetAllTicketAuditsIterator(ctx, &zendesk.PaginationOptions{PageSize: 3, IsCBP: true})
			for n := 0; ait.HasMore() && n < 20; n++ {
				page, err := ait.GetNext()
				must(t, "all audits iterator", err)
				for _, a := range page {
					cbp = append(cbp, a.ID)
				}
			}
			if len(cbp) != len(all) {
				t.Errorf("GetAllTicketAuditsIterator saw %d audits, GetAllTicketAudits %d", len(cbp), len(all))
			}
		})

		t.Run("MakeCommentPrivate", func(t *testing.T) {
			must(t, "MakeCommentPrivate", c.MakeCommentPrivate(ctx, tid, replyID))
			res, err := c.ListTicketComments(ctx, tid, nil)
			must(t, "ListTicketComments", err)
			for _, cm := range res.TicketComments {
				if cm.ID == replyID && (cm.Public == nil || *cm.Public) {
					t.Errorf("comment %d still public", replyID)
				}
			}
			tk, err := c.GetTicket(ctx, tid)
			must(t, "GetTicket", err)
			if !tk.IsPublic {
				t.Errorf("is_public false, but the first comment is still public")
			}
		})

		t.Run("DeleteTicket", func(t *testing.T) {
			must(t, "DeleteTicket", c.DeleteTicket(ctx, t4.ID))
			_, err := c.GetTicket(ctx, t4.ID)
			zdError(t, "GetTicket after delete", err, http.StatusNotFound)
			_, err = c.UpdateTicket(ctx, t4.ID, zendesk.Ticket{Subject: "ghost"})
			zdError(t, "UpdateTicket after delete", err, http.StatusNotFound)
			err = c.DeleteTicket(ctx, t4.ID)
			zdError(t, "DeleteTicket twice", err, http.StatusNotFound)
			ts, _, err := c.GetTickets(ctx, nil)
			must(t, "GetTickets", err)
			if !slices.Equal(ticketIDs(ts), []int64{tid, t3.ID}) {
				t.Errorf("GetTickets after delete: %v", ticketIDs(ts))
			}
		})
	})
}

// TestGoZendeskNumericCustomFields: Zendesk returns every custom field
// value as a string, a list of strings, a boolean or null (§2.1), so an
// integer, decimal or lookup value comes back as a string ("42") and
// go-zendesk, which rejects JSON numbers there, can read the ticket.
func TestGoZendeskNumericCustomFields(t *testing.T) {
	apptest.Each(t, func(t *testing.T, s *apptest.Server) {
		e := newEnv(t, s, s.Default)
		intID := e.field(map[string]any{"type": "integer", "title": "Seats"})
		decID := e.field(map[string]any{"type": "decimal", "title": "Amount"})
		lookupID := e.field(map[string]any{"type": "lookup", "title": "Partner", "relationship_target_type": "zen:user"})
		partner := e.endUser("Pat Partner", "pat@partner.example")

		tk := e.simple("Numbers", map[string]any{"custom_fields": []map[string]any{
			{"id": intID, "value": 42}, {"id": decID, "value": 12.5}, {"id": lookupID, "value": partner}}})
		for _, c := range []struct {
			fid  int64
			want string
		}{{intID, "42"}, {decID, "12.5"}, {lookupID, itoa(partner)}} {
			if v, _ := fieldValue(t, tk, c.fid); v != c.want {
				t.Errorf("custom field %d value %#v (%T), want the string %q", c.fid, v, v, c.want)
			}
		}
		_, err := e.c.GetTicket(ctx, id(t, tk))
		if err != nil {
			t.Errorf("go-zendesk GetTicket of a ticket with integer/decimal/lookup values: %v", err)
		}
		_, _, err = e.c.GetTickets(ctx, nil)
		if err != nil {
			t.Errorf("go-zendesk GetTickets: %v", err)
		}
		// A quoted number is stored the same way.
		tk = e.update(id(t, tk), map[string]any{"custom_fields": []map[string]any{{"id": intID, "value": "7"}}})
		if v, _ := fieldValue(t, tk, intID); v != "7" {
			t.Errorf("integer sent as \"7\": value %#v (%T), want \"7\"", v, v)
		}
	})
}
