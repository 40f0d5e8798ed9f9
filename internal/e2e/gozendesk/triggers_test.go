package gozendesk_test

import (
	"context"
	"net/http"
	"slices"
	"strconv"
	"testing"

	"github.com/nukosuke/go-zendesk/zendesk"

	"parley/internal/app/apptest"
)

// TestTriggers drives every trigger method of go-zendesk (CreateTrigger,
// GetTrigger, GetTriggers with its options, GetTriggersOBP, GetTriggersCBP,
// GetTriggersIterator, UpdateTrigger, DeleteTrigger) and the trigger
// categories go-zendesk cannot reach (raw calls through the same client).
func TestTriggers(t *testing.T) {
	apptest.Each(t, func(t *testing.T, s *apptest.Server) {
		ctx := context.Background()
		c := client(t, s)

		type category struct {
			ID       string `json:"id"`
			Name     string `json:"name"`
			Position int    `json:"position"`
		}
		var cat, cat2 category
		t.Run("trigger_categories create (string ids)", func(t *testing.T) {
			var out struct {
				Category category `json:"trigger_category"`
			}
			rawPost(t, c, "/trigger_categories.json", map[string]any{"trigger_category": map[string]any{"name": "GoZD escalations"}}, &out)
			cat = out.Category
			rawPost(t, c, "/trigger_categories.json", map[string]any{"trigger_category": map[string]any{"name": "GoZD routing"}}, &out)
			cat2 = out.Category
			for _, x := range []category{cat, cat2} {
				if n, err := strconv.ParseInt(x.ID, 10, 64); err != nil || n <= 0 {
					t.Fatalf("category id %q is not a positive id string", x.ID)
				}
			}
			if cat.Name != "GoZD escalations" || cat2.Name != "GoZD routing" || cat2.Position <= cat.Position {
				t.Fatalf("categories: %+v %+v", cat, cat2)
			}
		})

		newA := zendesk.Trigger{Title: "GoZD A lower priority", Description: "drops tagged new tickets to low", CategoryID: cat.ID}
		newA.Conditions.All = []zendesk.TriggerCondition{
			{Field: "status", Operator: "is", Value: "new"},
			{Field: "current_tags", Operator: "includes", Value: "gozd_low"},
		}
		newA.Conditions.Any = []zendesk.TriggerCondition{
			{Field: "priority", Operator: "is", Value: "normal"},
			{Field: "priority", Operator: "is", Value: "high"},
		}
		newA.Actions = []zendesk.TriggerAction{{Field: "priority", Value: "low"}, {Field: "remove_tags", Value: "gozd_low"}}
		newB := zendesk.Trigger{Title: "GoZD B make task", CategoryID: cat.ID}
		newB.Conditions.All = []zendesk.TriggerCondition{
			{Field: "update_type", Operator: "is", Value: "Change"},
			{Field: "current_tags", Operator: "includes", Value: "gozd_task"},
		}
		newB.Actions = []zendesk.TriggerAction{{Field: "type", Value: "task"}}

		var a, b zendesk.Trigger
		t.Run("CreateTrigger", func(t *testing.T) {
			if cat.ID == "" {
				t.Fatal("needs the categories created above")
			}
			newA.CategoryID, newB.CategoryID = cat.ID, cat.ID
			var err error
			a, err = c.CreateTrigger(ctx, newA)
			must(t, "CreateTrigger A", err)
			b, err = c.CreateTrigger(ctx, newB)
			must(t, "CreateTrigger B", err)
			for _, x := range []struct{ sent, got zendesk.Trigger }{{newA, a}, {newB, b}} {
				if x.got.ID <= 0 || x.got.Title != x.sent.Title || x.got.Description != x.sent.Description ||
					!x.got.Active || x.got.CategoryID != cat.ID {
					t.Fatalf("created trigger %+v from %+v", x.got, x.sent)
				}
				same(t, "conditions round-trip", x.sent.Conditions, x.got.Conditions)
				same(t, "actions round-trip", x.sent.Actions, x.got.Actions)
				recent(t, "created_at", x.got.CreatedAt)
				recent(t, "updated_at", x.got.UpdatedAt)
			}
			if b.Position <= a.Position {
				t.Fatalf("B (position %d) was not placed after A (position %d)", b.Position, a.Position)
			}
		})

		t.Run("GetTrigger", func(t *testing.T) {
			got, err := c.GetTrigger(ctx, a.ID)
			must(t, "GetTrigger", err)
			same(t, "GetTrigger", a, got)
			_, err = c.GetTrigger(ctx, b.ID+1_000_000)
			zdError(t, "GetTrigger unknown id", err, http.StatusNotFound)
		})

		t.Run("GetTriggers options", func(t *testing.T) {
			all, page, err := c.GetTriggers(ctx, &zendesk.TriggerListOptions{})
			must(t, "GetTriggers", err)
			if page.Count != int64(len(all)) || page.HasNext() || len(all) < 3 {
				t.Fatalf("GetTriggers: %d triggers, count %d, next %v", len(all), page.Count, page.NextPage)
			}
			ids := idSet(t, "all triggers", all, func(x zendesk.Trigger) int64 { return x.ID })
			if !ids[a.ID] || !ids[b.ID] {
				t.Fatalf("GetTriggers misses A/B: %v", triggerIDs(all))
			}
			inactive := 0
			for _, x := range all {
				if !x.Active {
					inactive++
				}
			}
			if inactive == 0 {
				t.Fatalf("no inactive trigger among %d (the default 'Notify all agents of received request' is inactive)", len(all))
			}

			act, page, err := c.GetTriggers(ctx, &zendesk.TriggerListOptions{Active: true})
			must(t, "GetTriggers active", err)
			if len(act) != len(all)-inactive || page.Count != int64(len(act)) {
				t.Fatalf("active=true: %d triggers (count %d), want %d", len(act), page.Count, len(all)-inactive)
			}
			for _, x := range act {
				if !x.Active {
					t.Fatalf("active=true listed inactive trigger %d", x.ID)
				}
			}

			mine, page, err := c.GetTriggers(ctx, &zendesk.TriggerListOptions{CategoryID: cat.ID})
			must(t, "GetTriggers category_id", err)
			same(t, "category_id filter, by position", []int64{a.ID, b.ID}, triggerIDs(mine))
			if page.Count != 2 {
				t.Fatalf("category_id count %d", page.Count)
			}

			p1, page, err := c.GetTriggers(ctx, &zendesk.TriggerListOptions{CategoryID: cat.ID, PageOptions: zendesk.PageOptions{PerPage: 1, Page: 1}})
			must(t, "GetTriggers page 1", err)
			same(t, "page 1", []int64{a.ID}, triggerIDs(p1))
			wantNext(t, "page 1", page, true, 1)
			if page.Count != 2 {
				t.Fatalf("page 1 count %d", page.Count)
			}
			p2, page, err := c.GetTriggers(ctx, &zendesk.TriggerListOptions{CategoryID: cat.ID, PageOptions: zendesk.PageOptions{PerPage: 1, Page: 2}})
			must(t, "GetTriggers page 2", err)
			same(t, "page 2", []int64{b.ID}, triggerIDs(p2))
			wantNext(t, "page 2", page, false, 2)

			desc, _, err := c.GetTriggers(ctx, &zendesk.TriggerListOptions{CategoryID: cat.ID, SortBy: "alphabetical", SortOrder: "desc"})
			must(t, "GetTriggers sort", err)
			same(t, "alphabetical desc", []int64{b.ID, a.ID}, triggerIDs(desc))
		})

		t.Run("GetTriggersOBP", func(t *testing.T) {
			got, page, err := c.GetTriggersOBP(ctx, &zendesk.OBPOptions{PageOptions: zendesk.PageOptions{PerPage: 1, Page: 2},
				CommonOptions: zendesk.CommonOptions{CategoryID: cat.ID}})
			must(t, "GetTriggersOBP", err)
			same(t, "OBP page 2", []int64{b.ID}, triggerIDs(got))
			wantNext(t, "OBP page 2", page, false, 2)
			if page.Count != 2 {
				t.Fatalf("OBP count %d", page.Count)
			}
		})

		t.Run("GetTriggersCBP", func(t *testing.T) {
			opts := &zendesk.CBPOptions{CursorPagination: zendesk.CursorPagination{PageSize: 1},
				CommonOptions: zendesk.CommonOptions{CategoryID: cat.ID}}
			first, meta, err := c.GetTriggersCBP(ctx, opts)
			must(t, "GetTriggersCBP 1", err)
			same(t, "CBP page 1", []int64{a.ID}, triggerIDs(first))
			if !meta.HasMore || meta.AfterCursor == "" {
				t.Fatalf("CBP page 1 meta %+v", meta)
			}
			opts.PageAfter = meta.AfterCursor
			second, meta, err := c.GetTriggersCBP(ctx, opts)
			must(t, "GetTriggersCBP 2", err)
			same(t, "CBP page 2", []int64{b.ID}, triggerIDs(second))
			if meta.HasMore {
				t.Fatalf("CBP page 2 meta %+v", meta)
			}
		})

		t.Run("GetTriggersIterator CBP and OBP", func(t *testing.T) {
			all, _, err := c.GetTriggers(ctx, &zendesk.TriggerListOptions{})
			must(t, "GetTriggers", err)
			for _, cbp := range []bool{true, false} {
				opts := zendesk.NewPaginationOptions()
				opts.PageSize, opts.IsCBP = 2, cbp
				got := drain(t, "GetTriggersIterator", c.GetTriggersIterator(ctx, opts))
				same(t, "iterator (cbp="+strconv.FormatBool(cbp)+") vs GetTriggers", triggerIDs(all), triggerIDs(got))
			}
		})

		t.Run("UpdateTrigger", func(t *testing.T) {
			if cat2.ID == "" {
				t.Fatal("needs the categories created above")
			}
			u := a
			u.Title = "GoZD A renamed"
			u.Description = "now in routing"
			u.CategoryID = cat2.ID
			u.Conditions.Any = nil
			u.Actions = append(slices.Clone(a.Actions), zendesk.TriggerAction{Field: "current_tags", Value: "gozd_seen"})
			got, err := c.UpdateTrigger(ctx, a.ID, u)
			must(t, "UpdateTrigger", err)
			if got.ID != a.ID || got.Title != u.Title || got.Description != u.Description || got.CategoryID != cat2.ID || !got.Active {
				t.Fatalf("updated trigger %+v", got)
			}
			same(t, "updated conditions (the PUT replaces both arrays)", u.Conditions, got.Conditions)
			same(t, "updated actions", u.Actions, got.Actions)
			if !got.CreatedAt.Equal(*a.CreatedAt) || got.UpdatedAt.Before(*a.UpdatedAt) {
				t.Fatalf("timestamps after update: created %v→%v updated %v→%v", a.CreatedAt, got.CreatedAt, a.UpdatedAt, got.UpdatedAt)
			}
			shown, err := c.GetTrigger(ctx, a.ID)
			must(t, "GetTrigger after update", err)
			same(t, "GetTrigger after update", got, shown)
			moved, _, err := c.GetTriggers(ctx, &zendesk.TriggerListOptions{CategoryID: cat2.ID})
			must(t, "GetTriggers category 2", err)
			same(t, "category 2 after the move", []int64{a.ID}, triggerIDs(moved))

			pos, err := c.UpdateTrigger(ctx, b.ID, zendesk.Trigger{Title: b.Title, Position: 7, Conditions: b.Conditions, Actions: b.Actions})
			must(t, "UpdateTrigger position", err)
			if pos.Position != 7 || pos.CategoryID != cat.ID {
				t.Fatalf("position update: %+v", pos)
			}
			_, err = c.UpdateTrigger(ctx, b.ID+1_000_000, u)
			zdError(t, "UpdateTrigger unknown id", err, http.StatusNotFound)
		})

		t.Run("DeleteTrigger", func(t *testing.T) {
			must(t, "DeleteTrigger", c.DeleteTrigger(ctx, b.ID))
			_, err := c.GetTrigger(ctx, b.ID)
			zdError(t, "GetTrigger deleted", err, http.StatusNotFound)
			zdError(t, "DeleteTrigger twice", c.DeleteTrigger(ctx, b.ID), http.StatusNotFound)
			left, page, err := c.GetTriggers(ctx, &zendesk.TriggerListOptions{CategoryID: cat.ID})
			must(t, "GetTriggers after delete", err)
			if len(left) != 0 || page.Count != 0 {
				t.Fatalf("category 1 still lists %v", triggerIDs(left))
			}
		})
	})
}

// TestAutomations drives every automation method of go-zendesk.
func TestAutomations(t *testing.T) {
	apptest.Each(t, func(t *testing.T, s *apptest.Server) {
		ctx := context.Background()
		c := client(t, s)

		newA := zendesk.Automation{Title: "GoZD A solve pending"}
		newA.Conditions.All = []zendesk.AutomationCondition{
			{Field: "status", Operator: "is", Value: "pending"},
			{Field: "PENDING", Operator: "greater_than", Value: "48"},
		}
		newA.Actions = []zendesk.AutomationAction{{Field: "status", Value: "solved"}}
		newB := zendesk.Automation{Title: "GoZD B tag stale new"}
		newB.Conditions.All = []zendesk.AutomationCondition{
			{Field: "status", Operator: "is", Value: "new"},
			{Field: "NEW", Operator: "greater_than", Value: "24"},
			{Field: "current_tags", Operator: "not_includes", Value: "gozd_stale"},
		}
		newB.Actions = []zendesk.AutomationAction{{Field: "current_tags", Value: "gozd_stale"}, {Field: "priority", Value: "high"}}

		var a, b zendesk.Automation
		t.Run("CreateAutomation", func(t *testing.T) {
			var err error
			a, err = c.CreateAutomation(ctx, newA)
			must(t, "CreateAutomation A", err)
			b, err = c.CreateAutomation(ctx, newB)
			must(t, "CreateAutomation B", err)
			for _, x := range []struct{ sent, got zendesk.Automation }{{newA, a}, {newB, b}} {
				if x.got.ID <= 0 || x.got.Title != x.sent.Title || x.got.RawTitle != x.sent.Title || !x.got.Active {
					t.Fatalf("created automation %+v", x.got)
				}
				same(t, "conditions round-trip", x.sent.Conditions, x.got.Conditions)
				same(t, "actions round-trip", x.sent.Actions, x.got.Actions)
				recent(t, "created_at", x.got.CreatedAt)
			}
			if b.Position <= a.Position {
				t.Fatalf("B (position %d) was not placed after A (position %d)", b.Position, a.Position)
			}
			bad := zendesk.Automation{Title: "GoZD no time condition"}
			bad.Conditions.All = []zendesk.AutomationCondition{{Field: "status", Operator: "is", Value: "open"}}
			bad.Actions = []zendesk.AutomationAction{{Field: "status", Value: "pending"}}
			_, err = c.CreateAutomation(ctx, bad)
			zdError(t, "CreateAutomation without a time condition", err, http.StatusUnprocessableEntity)
		})

		t.Run("GetAutomation", func(t *testing.T) {
			got, err := c.GetAutomation(ctx, b.ID)
			must(t, "GetAutomation", err)
			same(t, "GetAutomation", b, got)
			_, err = c.GetAutomation(ctx, b.ID+1_000_000)
			zdError(t, "GetAutomation unknown id", err, http.StatusNotFound)
		})

		var all []zendesk.Automation
		t.Run("GetAutomations options", func(t *testing.T) {
			var page zendesk.Page
			var err error
			all, page, err = c.GetAutomations(ctx, &zendesk.AutomationListOptions{})
			must(t, "GetAutomations", err)
			if page.Count != int64(len(all)) || page.HasNext() {
				t.Fatalf("GetAutomations: %d, count %d, next %v", len(all), page.Count, page.NextPage)
			}
			ids := idSet(t, "automations", all, func(x zendesk.Automation) int64 { return x.ID })
			if !ids[a.ID] || !ids[b.ID] || len(all) != 3 {
				t.Fatalf("GetAutomations: %v, want the default plus A and B", automationIDs(all))
			}
			titles := map[string]bool{}
			for _, x := range all {
				titles[x.Title] = true
			}
			if !titles["Close ticket 4 days after status is set to solved"] {
				t.Fatalf("default automation missing: %v", titles)
			}

			act, _, err := c.GetAutomations(ctx, &zendesk.AutomationListOptions{Active: true})
			must(t, "GetAutomations active", err)
			same(t, "active=true (all active)", automationIDs(all), automationIDs(act))

			p1, page, err := c.GetAutomations(ctx, &zendesk.AutomationListOptions{PageOptions: zendesk.PageOptions{PerPage: 2, Page: 1}})
			must(t, "GetAutomations page 1", err)
			wantNext(t, "page 1", page, true, 1)
			p2, page, err := c.GetAutomations(ctx, &zendesk.AutomationListOptions{PageOptions: zendesk.PageOptions{PerPage: 2, Page: 2}})
			must(t, "GetAutomations page 2", err)
			wantNext(t, "page 2", page, false, 2)
			if page.Count != 3 {
				t.Fatalf("page 2 count %d", page.Count)
			}
			same(t, "pages 1+2 vs one page", automationIDs(all), append(automationIDs(p1), automationIDs(p2)...))

			alpha, _, err := c.GetAutomations(ctx, &zendesk.AutomationListOptions{SortBy: "alphabetical"})
			must(t, "GetAutomations alphabetical", err)
			for i := 1; i < len(alpha); i++ {
				if alpha[i-1].Title > alpha[i].Title {
					t.Fatalf("alphabetical order broken at %d: %q > %q", i, alpha[i-1].Title, alpha[i].Title)
				}
			}
		})

		// go-zendesk v0.18.0's generated GetAutomationsOBP/CBP (and so the
		// iterator) request /automation.json, singular
		// (automation_generated.go:38 and :62), a path Zendesk does not serve
		// either: a client bug. Parley must answer it as Zendesk does, 404,
		// rather than alias it; the same pages are checked through the
		// plural path the client's own methods use.
		t.Run("GetAutomationsOBP CBP Iterator (client bug: singular path)", func(t *testing.T) {
			_, _, err := c.GetAutomationsOBP(ctx, &zendesk.OBPOptions{PageOptions: zendesk.PageOptions{PerPage: 1, Page: 3}})
			zdError(t, "GetAutomationsOBP /automation.json", err, http.StatusNotFound)
			_, _, err = c.GetAutomationsCBP(ctx, &zendesk.CBPOptions{CursorPagination: zendesk.CursorPagination{PageSize: 2}})
			zdError(t, "GetAutomationsCBP /automation.json", err, http.StatusNotFound)

			var cbp struct {
				Automations []zendesk.Automation         `json:"automations"`
				Meta        zendesk.CursorPaginationMeta `json:"meta"`
			}
			rawGet(t, c, "/automations.json?page[size]=2", &cbp)
			same(t, "CBP page 1", automationIDs(all[:2]), automationIDs(cbp.Automations))
			if !cbp.Meta.HasMore || cbp.Meta.AfterCursor == "" {
				t.Fatalf("CBP meta %+v", cbp.Meta)
			}
			rawGet(t, c, "/automations.json?page[size]=2&page[after]="+cbp.Meta.AfterCursor, &cbp)
			same(t, "CBP page 2", automationIDs(all[2:]), automationIDs(cbp.Automations))
			if cbp.Meta.HasMore {
				t.Fatalf("CBP page 2 meta %+v", cbp.Meta)
			}
		})

		t.Run("UpdateAutomation", func(t *testing.T) {
			u := a
			u.Title = "GoZD A solve pending after 3 days"
			u.Conditions.All = []zendesk.AutomationCondition{
				{Field: "status", Operator: "is", Value: "pending"},
				{Field: "PENDING", Operator: "greater_than", Value: "72"},
			}
			got, err := c.UpdateAutomation(ctx, a.ID, u)
			must(t, "UpdateAutomation", err)
			if got.ID != a.ID || got.Title != u.Title || !got.Active || got.Position != a.Position {
				t.Fatalf("updated automation %+v", got)
			}
			same(t, "updated conditions", u.Conditions, got.Conditions)
			same(t, "actions kept", a.Actions, got.Actions)
			shown, err := c.GetAutomation(ctx, a.ID)
			must(t, "GetAutomation after update", err)
			same(t, "GetAutomation after update", got, shown)
		})

		t.Run("DeleteAutomation", func(t *testing.T) {
			must(t, "DeleteAutomation", c.DeleteAutomation(ctx, a.ID))
			_, err := c.GetAutomation(ctx, a.ID)
			zdError(t, "GetAutomation deleted", err, http.StatusNotFound)
			zdError(t, "DeleteAutomation twice", c.DeleteAutomation(ctx, a.ID), http.StatusNotFound)
			left, page, err := c.GetAutomations(ctx, &zendesk.AutomationListOptions{})
			must(t, "GetAutomations after delete", err)
			if page.Count != 2 || slices.Contains(automationIDs(left), a.ID) {
				t.Fatalf("after delete: %v (count %d)", automationIDs(left), page.Count)
			}
		})
	})
}
