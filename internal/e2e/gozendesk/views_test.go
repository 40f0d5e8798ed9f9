package gozendesk_test

import (
	"context"
	"fmt"
	"net/http"
	"slices"
	"strconv"
	"testing"

	"github.com/nukosuke/go-zendesk/zendesk"

	"parley/internal/app/apptest"
)

// TestViews drives every view method of go-zendesk (GetViews, GetView,
// GetViewsOBP/CBP/Iterator, GetTicketsFromView and its OBP/CBP/Iterator
// variants, GetCountTicketsInViews) over a view made with a raw POST
// (go-zendesk cannot create views).
func TestViews(t *testing.T) {
	apptest.Each(t, func(t *testing.T, s *apptest.Server) {
		ctx := context.Background()
		c := client(t, s)

		var defaults []zendesk.View
		t.Run("GetViews lists the default views", func(t *testing.T) {
			var page zendesk.Page
			var err error
			defaults, page, err = c.GetViews(ctx)
			must(t, "GetViews", err)
			if len(defaults) == 0 || page.Count != int64(len(defaults)) || page.HasNext() {
				t.Fatalf("GetViews: %d views, count %d, next %v", len(defaults), page.Count, page.NextPage)
			}
			idSet(t, "default views", defaults, func(v zendesk.View) int64 { return v.ID })
			for _, v := range defaults {
				if v.ID <= 0 || v.Title == "" || v.CreatedAt.IsZero() {
					t.Fatalf("default view %+v", v)
				}
			}
		})

		var view zendesk.View
		var in []int64
		t.Run("create a view (raw) and tickets it matches", func(t *testing.T) {
			var out struct {
				View zendesk.View `json:"view"`
			}
			rawPost(t, c, "/views.json", map[string]any{"view": map[string]any{
				"title":       "GoZD tagged",
				"description": "tickets tagged gozd_view",
				"all": []map[string]any{
					{"field": "status", "operator": "less_than", "value": "solved"},
					{"field": "current_tags", "operator": "includes", "value": "gozd_view"},
				},
				"output": map[string]any{"columns": []string{"status", "description", "requester", "created"},
					"sort_by": "nice_id", "sort_order": "asc"},
			}}, &out)
			view = out.View
			if view.ID <= 0 || view.Title != "GoZD tagged" || view.Description != "tickets tagged gozd_view" || !view.Active {
				t.Fatalf("created view %+v", view)
			}
			for i := range 3 {
				tk, err := c.CreateTicket(ctx, zendesk.Ticket{Subject: fmt.Sprintf("GoZD view %d", i), Tags: []string{"gozd_view"},
					Comment: &zendesk.TicketComment{Body: "in the view"}})
				must(t, "CreateTicket", err)
				in = append(in, tk.ID)
			}
			_, err := c.CreateTicket(ctx, zendesk.Ticket{Subject: "GoZD untagged", Comment: &zendesk.TicketComment{Body: "not in the view"}})
			must(t, "CreateTicket untagged", err)
			solved, err := c.CreateTicket(ctx, zendesk.Ticket{Subject: "GoZD solved", Tags: []string{"gozd_view"},
				Comment: &zendesk.TicketComment{Body: "solved at once"}})
			must(t, "CreateTicket to solve", err)
			_, err = c.UpdateTicket(ctx, solved.ID, zendesk.Ticket{Status: "solved", AssigneeID: s.Default.OwnerID})
			must(t, "UpdateTicket solve", err)
		})

		t.Run("GetView", func(t *testing.T) {
			got, err := c.GetView(ctx, view.ID)
			must(t, "GetView", err)
			same(t, "GetView", view, got)
			_, err = c.GetView(ctx, view.ID+1_000_000)
			zdError(t, "GetView unknown id", err, http.StatusNotFound)
		})

		t.Run("GetViewsOBP CBP Iterator", func(t *testing.T) {
			all, page, err := c.GetViews(ctx)
			must(t, "GetViews", err)
			want := viewIDs(all)
			sameIDs(t, "GetViews after create", idSet(t, "views", all, func(v zendesk.View) int64 { return v.ID }),
				append(viewIDs(defaults), view.ID)...)
			if page.Count != int64(len(want)) {
				t.Fatalf("GetViews count %d, want %d", page.Count, len(want))
			}
			p2, page, err := c.GetViewsOBP(ctx, &zendesk.OBPOptions{PageOptions: zendesk.PageOptions{PerPage: 2, Page: 2}})
			must(t, "GetViewsOBP", err)
			same(t, "OBP page 2", want[2:min(4, len(want))], viewIDs(p2))
			wantNext(t, "OBP page 2", page, len(want) > 4, 2)
			first, meta, err := c.GetViewsCBP(ctx, &zendesk.CBPOptions{CursorPagination: zendesk.CursorPagination{PageSize: 2}})
			must(t, "GetViewsCBP", err)
			same(t, "CBP page 1", want[:2], viewIDs(first))
			if !meta.HasMore || meta.AfterCursor == "" {
				t.Fatalf("CBP meta %+v", meta)
			}
			for _, cbp := range []bool{true, false} {
				opts := zendesk.NewPaginationOptions()
				opts.PageSize, opts.IsCBP = 2, cbp
				got := drain(t, "GetViewsIterator", c.GetViewsIterator(ctx, opts))
				same(t, "views iterator (cbp="+strconv.FormatBool(cbp)+")", want, viewIDs(got))
			}
		})

		t.Run("GetTicketsFromView", func(t *testing.T) {
			all, page, err := c.GetTicketsFromView(ctx, view.ID, nil)
			must(t, "GetTicketsFromView", err)
			same(t, "view tickets (status < solved, tag gozd_view, by id)", in, ticketIDs(all))
			if page.Count != 3 || page.HasNext() {
				t.Fatalf("view tickets page %+v", page)
			}
			for _, tk := range all {
				if !slices.Contains(tk.Tags, "gozd_view") || tk.Subject == "" || tk.Status != "new" {
					t.Fatalf("view ticket %+v", tk)
				}
			}
			p1, page, err := c.GetTicketsFromView(ctx, view.ID, &zendesk.TicketListOptions{PageOptions: zendesk.PageOptions{PerPage: 2, Page: 1}})
			must(t, "GetTicketsFromView page 1", err)
			same(t, "page 1", in[:2], ticketIDs(p1))
			wantNext(t, "page 1", page, true, 1)
			if page.Count != 3 {
				t.Fatalf("page 1 count %d", page.Count)
			}
			desc, _, err := c.GetTicketsFromView(ctx, view.ID, &zendesk.TicketListOptions{SortBy: "id", SortOrder: "desc"})
			must(t, "GetTicketsFromView sort desc", err)
			same(t, "sort_by id desc", []int64{in[2], in[1], in[0]}, ticketIDs(desc))
			_, _, err = c.GetTicketsFromView(ctx, view.ID+1_000_000, nil)
			zdError(t, "GetTicketsFromView unknown view", err, http.StatusNotFound)
		})

		t.Run("GetTicketsFromViewOBP CBP Iterator", func(t *testing.T) {
			p2, page, err := c.GetTicketsFromViewOBP(ctx, &zendesk.OBPOptions{PageOptions: zendesk.PageOptions{PerPage: 2, Page: 2},
				CommonOptions: zendesk.CommonOptions{Id: view.ID}})
			must(t, "GetTicketsFromViewOBP", err)
			same(t, "OBP page 2", in[2:], ticketIDs(p2))
			wantNext(t, "OBP page 2", page, false, 2)
			first, meta, err := c.GetTicketsFromViewCBP(ctx, &zendesk.CBPOptions{CursorPagination: zendesk.CursorPagination{PageSize: 2},
				CommonOptions: zendesk.CommonOptions{Id: view.ID}})
			must(t, "GetTicketsFromViewCBP", err)
			same(t, "CBP page 1", in[:2], ticketIDs(first))
			if !meta.HasMore || meta.AfterCursor == "" {
				t.Fatalf("CBP meta %+v", meta)
			}
			for _, cbp := range []bool{true, false} {
				opts := zendesk.NewPaginationOptions()
				opts.PageSize, opts.IsCBP, opts.Id = 2, cbp, view.ID
				got := drain(t, "GetTicketsFromViewIterator", c.GetTicketsFromViewIterator(ctx, opts))
				same(t, "view tickets iterator (cbp="+strconv.FormatBool(cbp)+")", in, ticketIDs(got))
			}
		})

		t.Run("GetCountTicketsInViews", func(t *testing.T) {
			ids := []string{strconv.FormatInt(view.ID, 10), strconv.FormatInt(defaults[0].ID, 10)}
			counts, err := c.GetCountTicketsInViews(ctx, ids)
			must(t, "GetCountTicketsInViews", err)
			if len(counts) != 2 {
				t.Fatalf("view_counts %+v", counts)
			}
			byID := map[int64]zendesk.ViewCount{}
			for _, vc := range counts {
				byID[vc.ViewID] = vc
			}
			vc, ok := byID[view.ID]
			if !ok || vc.Value != 3 || vc.Pretty != "3" || !vc.Fresh {
				t.Fatalf("count of view %d: %+v", view.ID, counts)
			}
			wantURL(t, "view_count url", vc.URL, fmt.Sprintf("/api/v2/views/%d/count.json", view.ID))
			if _, ok := byID[defaults[0].ID]; !ok {
				t.Fatalf("no count for default view %d: %+v", defaults[0].ID, counts)
			}
		})

		t.Run("delete the view (raw DELETE through the client: 204)", func(t *testing.T) {
			must(t, "DELETE view", c.Delete(ctx, fmt.Sprintf("/views/%d.json", view.ID)))
			_, err := c.GetView(ctx, view.ID)
			zdError(t, "GetView deleted", err, http.StatusNotFound)
			all, _, err := c.GetViews(ctx)
			must(t, "GetViews after delete", err)
			same(t, "views after delete", viewIDs(defaults), viewIDs(all))
		})
	})
}

// TestWebhooks drives every webhook method of go-zendesk (CreateWebhook,
// GetWebhook, UpdateWebhook, GetWebhookSigningSecret, DeleteWebhook; these
// paths carry no .json) plus the list and signing-secret rotation it lacks.
func TestWebhooks(t *testing.T) {
	apptest.Each(t, func(t *testing.T, s *apptest.Server) {
		ctx := context.Background()
		c := client(t, s)
		owner := strconv.FormatInt(s.Default.OwnerID, 10)

		sent := &zendesk.Webhook{
			Name: "GoZD hook", Description: "tells the warehouse", Endpoint: "https://hooks.example.com/parley",
			HTTPMethod: "POST", RequestFormat: "json", Status: "active", Subscriptions: []string{"conditional_ticket_events"},
			Authentication: &zendesk.WebhookAuthentication{Type: "bearer_token", Data: map[string]any{"token": "sekrit-token"}, AddPosition: "header"},
		}
		var hook *zendesk.Webhook
		t.Run("CreateWebhook", func(t *testing.T) {
			var err error
			hook, err = c.CreateWebhook(ctx, sent)
			must(t, "CreateWebhook", err)
			if hook == nil || hook.ID == "" || hook.Name != sent.Name || hook.Description != sent.Description ||
				hook.Endpoint != sent.Endpoint || hook.HTTPMethod != "POST" || hook.RequestFormat != "json" || hook.Status != "active" {
				t.Fatalf("created webhook %+v", hook)
			}
			same(t, "subscriptions", sent.Subscriptions, hook.Subscriptions)
			if a := hook.Authentication; a == nil || a.Type != "bearer_token" || a.AddPosition != "header" {
				t.Fatalf("authentication %+v", hook.Authentication)
			} else if d, _ := a.Data.(map[string]any); d["token"] != nil {
				t.Fatalf("the bearer token is write-only but came back: %v", a.Data)
			}
			if hook.SigningSecret != nil {
				t.Fatalf("signing_secret must be null in the webhook object: %+v", hook.SigningSecret)
			}
			recent(t, "created_at", &hook.CreatedAt)
			if hook.CreatedBy != owner {
				t.Fatalf("created_by %q, want %q", hook.CreatedBy, owner)
			}
		})

		t.Run("GetWebhook", func(t *testing.T) {
			got, err := c.GetWebhook(ctx, hook.ID)
			must(t, "GetWebhook", err)
			if got.ID != hook.ID || got.Name != hook.Name || got.Endpoint != hook.Endpoint || got.Status != hook.Status ||
				!got.CreatedAt.Truncate(1e9).Equal(hook.CreatedAt.Truncate(1e9)) || got.CreatedBy != owner {
				t.Fatalf("GetWebhook %+v, created %+v", got, hook)
			}
			same(t, "GetWebhook authentication", hook.Authentication, got.Authentication)
			_, err = c.GetWebhook(ctx, "01HZZZZZZZZZZZZZZZZZZZZZZZ")
			zdError(t, "GetWebhook unknown id", err, http.StatusNotFound)
		})

		t.Run("list webhooks (raw: go-zendesk has none)", func(t *testing.T) {
			var out struct {
				Webhooks []zendesk.Webhook `json:"webhooks"`
				Meta     struct {
					HasMore *bool `json:"has_more"`
				} `json:"meta"`
			}
			rawGet(t, c, "/webhooks", &out)
			if len(out.Webhooks) != 1 || out.Webhooks[0].ID != hook.ID || out.Meta.HasMore == nil || *out.Meta.HasMore {
				t.Fatalf("webhooks list %+v", out)
			}
		})

		t.Run("UpdateWebhook", func(t *testing.T) {
			u := &zendesk.Webhook{
				Name: "GoZD hook v2", Description: "tells the warehouse, v2", Endpoint: "https://hooks.example.com/parley/v2",
				HTTPMethod: "PUT", RequestFormat: "form_encoded", Status: "inactive", Subscriptions: []string{"conditional_ticket_events"},
				Authentication: &zendesk.WebhookAuthentication{Type: "basic_auth",
					Data: map[string]any{"username": "gozd", "password": "pw-123"}, AddPosition: "header"},
			}
			must(t, "UpdateWebhook", c.UpdateWebhook(ctx, hook.ID, u))
			got, err := c.GetWebhook(ctx, hook.ID)
			must(t, "GetWebhook after update", err)
			if got.Name != u.Name || got.Description != u.Description || got.Endpoint != u.Endpoint || got.HTTPMethod != "PUT" ||
				got.RequestFormat != "form_encoded" || got.Status != "inactive" || got.UpdatedBy != owner ||
				got.UpdatedAt.Before(got.CreatedAt) {
				t.Fatalf("after UpdateWebhook: %+v", got)
			}
			a := got.Authentication
			d, _ := a.Data.(map[string]any)
			if a.Type != "basic_auth" || d["username"] != "gozd" || d["password"] != nil {
				t.Fatalf("authentication after update %+v", a)
			}
			zdError(t, "UpdateWebhook unknown id", c.UpdateWebhook(ctx, "01HZZZZZZZZZZZZZZZZZZZZZZZ", u), http.StatusNotFound)
		})

		t.Run("GetWebhookSigningSecret and rotation", func(t *testing.T) {
			sec, err := c.GetWebhookSigningSecret(ctx, hook.ID)
			must(t, "GetWebhookSigningSecret", err)
			if sec == nil || sec.Secret == "" || sec.Algorithm != "SHA256" {
				t.Fatalf("signing secret %+v", sec)
			}
			again, err := c.GetWebhookSigningSecret(ctx, hook.ID)
			must(t, "GetWebhookSigningSecret again", err)
			if again.Secret != sec.Secret {
				t.Fatal("the signing secret changed without a rotation")
			}
			var rot struct {
				SigningSecret zendesk.WebhookSigningSecret `json:"signing_secret"`
			}
			rawPost(t, c, "/webhooks/"+hook.ID+"/signing_secret", nil, &rot)
			if rot.SigningSecret.Secret == "" || rot.SigningSecret.Secret == sec.Secret || rot.SigningSecret.Algorithm != "SHA256" {
				t.Fatalf("rotated secret %+v (old %q)", rot.SigningSecret, sec.Secret)
			}
			now, err := c.GetWebhookSigningSecret(ctx, hook.ID)
			must(t, "GetWebhookSigningSecret after rotation", err)
			if now.Secret != rot.SigningSecret.Secret {
				t.Fatalf("after rotation GET says %q, rotation said %q", now.Secret, rot.SigningSecret.Secret)
			}
		})

		t.Run("DeleteWebhook", func(t *testing.T) {
			must(t, "DeleteWebhook", c.DeleteWebhook(ctx, hook.ID))
			_, err := c.GetWebhook(ctx, hook.ID)
			zdError(t, "GetWebhook deleted", err, http.StatusNotFound)
			zdError(t, "DeleteWebhook twice", c.DeleteWebhook(ctx, hook.ID), http.StatusNotFound)
			_, err = c.GetWebhookSigningSecret(ctx, hook.ID)
			zdError(t, "GetWebhookSigningSecret deleted", err, http.StatusNotFound)
		})
	})
}
