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

// TestMacros drives every macro method of go-zendesk (CreateMacro,
// GetMacro, GetMacros, GetMacrosOBP, GetMacrosCBP, GetMacrosIterator,
// UpdateMacro, DeleteMacro) and applies a macro through macro_ids on a
// go-zendesk UpdateTicket (zendesk.Ticket.MacroIDs).
func TestMacros(t *testing.T) {
	apptest.Each(t, func(t *testing.T, s *apptest.Server) {
		ctx := context.Background()
		c := client(t, s)

		newA := zendesk.Macro{Title: "GoZD A polite low", Active: true, Description: "lowers priority and thanks",
			Actions: []zendesk.MacroAction{
				{Field: "priority", Value: "low"},
				{Field: "current_tags", Value: "gozd_macro"},
				{Field: "comment_value", Value: "Thanks for writing in."},
			}}
		newB := zendesk.Macro{Title: "GoZD B parked", Active: false, Actions: []zendesk.MacroAction{{Field: "status", Value: "pending"}}}

		var a, b zendesk.Macro
		t.Run("CreateMacro", func(t *testing.T) {
			var err error
			a, err = c.CreateMacro(ctx, newA)
			must(t, "CreateMacro A", err)
			b, err = c.CreateMacro(ctx, newB)
			must(t, "CreateMacro B", err)
			for _, x := range []struct{ sent, got zendesk.Macro }{{newA, a}, {newB, b}} {
				if x.got.ID <= 0 || x.got.Title != x.sent.Title || x.got.Active != x.sent.Active || x.got.Restriction != nil {
					t.Fatalf("created macro %+v", x.got)
				}
				wantURL(t, "macro url", x.got.URL, fmt.Sprintf("/api/v2/macros/%d.json", x.got.ID))
				same(t, "actions round-trip", x.sent.Actions, x.got.Actions)
				recent(t, "created_at", &x.got.CreatedAt)
				recent(t, "updated_at", &x.got.UpdatedAt)
			}
			if a.Description != "lowers priority and thanks" {
				t.Fatalf("description %#v", a.Description)
			}
			if b.Position < a.Position {
				t.Fatalf("B position %d before A position %d", b.Position, a.Position)
			}
		})

		t.Run("GetMacro", func(t *testing.T) {
			got, err := c.GetMacro(ctx, a.ID)
			must(t, "GetMacro", err)
			same(t, "GetMacro", a, got)
			_, err = c.GetMacro(ctx, b.ID+1_000_000)
			zdError(t, "GetMacro unknown id", err, http.StatusNotFound)
		})

		var all []zendesk.Macro
		t.Run("GetMacros", func(t *testing.T) {
			var page zendesk.Page
			var err error
			all, page, err = c.GetMacros(ctx, nil)
			must(t, "GetMacros", err)
			ids := idSet(t, "macros", all, func(m zendesk.Macro) int64 { return m.ID })
			if !ids[a.ID] || !ids[b.ID] || page.Count != int64(len(all)) || page.HasNext() {
				t.Fatalf("GetMacros: %v count %d next %v", macroIDs(all), page.Count, page.NextPage)
			}
			p1, page, err := c.GetMacros(ctx, &zendesk.MacroListOptions{PageOptions: zendesk.PageOptions{PerPage: 1, Page: 1}})
			must(t, "GetMacros page 1", err)
			if len(p1) != 1 || page.Count != int64(len(all)) {
				t.Fatalf("page 1: %v count %d", macroIDs(p1), page.Count)
			}
			wantNext(t, "page 1", page, len(all) > 1, 1)
			alpha, _, err := c.GetMacros(ctx, &zendesk.MacroListOptions{SortBy: "alphabetical", SortOrder: "desc"})
			must(t, "GetMacros alphabetical desc", err)
			for i := 1; i < len(alpha); i++ {
				if alpha[i-1].Title < alpha[i].Title {
					t.Fatalf("alphabetical desc broken at %d: %q < %q", i, alpha[i-1].Title, alpha[i].Title)
				}
			}
		})

		t.Run("GetMacrosOBP CBP Iterator", func(t *testing.T) {
			act, _, err := c.GetMacrosOBP(ctx, &zendesk.OBPOptions{CommonOptions: zendesk.CommonOptions{Active: true}})
			must(t, "GetMacrosOBP active", err)
			if got := macroIDs(act); !slices.Contains(got, a.ID) || slices.Contains(got, b.ID) {
				t.Fatalf("active=true macros %v: want A %d, not inactive B %d", got, a.ID, b.ID)
			}
			first, meta, err := c.GetMacrosCBP(ctx, &zendesk.CBPOptions{CursorPagination: zendesk.CursorPagination{PageSize: 1}})
			must(t, "GetMacrosCBP", err)
			same(t, "CBP page 1", macroIDs(all[:1]), macroIDs(first))
			if meta.HasMore != (len(all) > 1) || (meta.HasMore && meta.AfterCursor == "") {
				t.Fatalf("CBP meta %+v with %d macros", meta, len(all))
			}
			for _, cbp := range []bool{true, false} {
				opts := zendesk.NewPaginationOptions()
				opts.PageSize, opts.IsCBP = 1, cbp
				got := drain(t, "GetMacrosIterator", c.GetMacrosIterator(ctx, opts))
				same(t, "iterator (cbp="+strconv.FormatBool(cbp)+")", macroIDs(all), macroIDs(got))
			}
		})

		t.Run("macro_ids on UpdateTicket applies the macro", func(t *testing.T) {
			tk, err := c.CreateTicket(ctx, zendesk.Ticket{Subject: "GoZD macro target", Priority: "high", Tags: []string{"keep"},
				Comment: &zendesk.TicketComment{Body: "My order is late."}})
			must(t, "CreateTicket", err)

			// The preview endpoints change nothing (raw: go-zendesk has no apply).
			var prev struct {
				Result struct {
					Ticket  map[string]any `json:"ticket"`
					Comment map[string]any `json:"comment"`
				} `json:"result"`
			}
			rawGet(t, c, fmt.Sprintf("/tickets/%d/macros/%d/apply.json", tk.ID, a.ID), &prev)
			if prev.Result.Ticket["priority"] != "low" || prev.Result.Comment["body"] != "Thanks for writing in." {
				t.Fatalf("apply preview %+v", prev.Result)
			}
			unchanged, err := c.GetTicket(ctx, tk.ID)
			must(t, "GetTicket after preview", err)
			if unchanged.Priority != "high" {
				t.Fatalf("preview changed the ticket: priority %q", unchanged.Priority)
			}

			got, err := c.UpdateTicket(ctx, tk.ID, zendesk.Ticket{MacroIDs: []int64{a.ID}})
			must(t, "UpdateTicket macro_ids", err)
			if got.Priority != "low" || !slices.Contains(got.Tags, "gozd_macro") || !slices.Contains(got.Tags, "keep") {
				t.Fatalf("after macro: priority %q tags %v", got.Priority, got.Tags)
			}
			res, err := c.ListTicketComments(ctx, tk.ID, nil)
			must(t, "ListTicketComments", err)
			if cs := res.TicketComments; len(cs) != 2 || cs[1].Body != "Thanks for writing in." {
				t.Fatalf("comments after macro: %+v", cs)
			}

			// What the request sets itself wins over the macro.
			tk2, err := c.CreateTicket(ctx, zendesk.Ticket{Subject: "GoZD macro override", Comment: &zendesk.TicketComment{Body: "hi"}})
			must(t, "CreateTicket 2", err)
			got2, err := c.UpdateTicket(ctx, tk2.ID, zendesk.Ticket{MacroIDs: []int64{a.ID}, Priority: "urgent"})
			must(t, "UpdateTicket macro_ids + priority", err)
			if got2.Priority != "urgent" || !slices.Contains(got2.Tags, "gozd_macro") {
				t.Fatalf("request priority must win over the macro's: %q %v", got2.Priority, got2.Tags)
			}

			_, err = c.UpdateTicket(ctx, tk.ID, zendesk.Ticket{MacroIDs: []int64{b.ID + 1_000_000}})
			if err == nil {
				t.Fatal("UpdateTicket with an unknown macro id succeeded")
			}
		})

		t.Run("macro_ids audit has an AgentMacroReference event", func(t *testing.T) {
			tk, err := c.CreateTicket(ctx, zendesk.Ticket{Subject: "GoZD macro audit", Comment: &zendesk.TicketComment{Body: "hello"}})
			must(t, "CreateTicket", err)
			_, err = c.UpdateTicket(ctx, tk.ID, zendesk.Ticket{MacroIDs: []int64{a.ID}})
			must(t, "UpdateTicket macro_ids", err)
			audits, _ := auditEvents(t, c, tk.ID)
			last := audits[len(audits)-1]
			for _, e := range last.Events {
				m := e.(map[string]any)
				if m["type"] == "AgentMacroReference" {
					if num(m["macro_id"]) != a.ID || m["macro_title"] != a.Title {
						t.Fatalf("AgentMacroReference %v, want macro %d %q", m, a.ID, a.Title)
					}
					return
				}
			}
			t.Fatalf("the macro's audit has no AgentMacroReference event (Zendesk records one per applied macro): %v", last.Events)
		})

		t.Run("UpdateMacro", func(t *testing.T) {
			u := a
			u.Title = "GoZD A polite normal"
			u.Actions = []zendesk.MacroAction{{Field: "priority", Value: "normal"}, {Field: "comment_value", Value: "On it."}}
			got, err := c.UpdateMacro(ctx, a.ID, u)
			must(t, "UpdateMacro", err)
			if got.ID != a.ID || got.Title != u.Title || !got.Active || !got.CreatedAt.Equal(a.CreatedAt) || got.UpdatedAt.Before(a.UpdatedAt) {
				t.Fatalf("updated macro %+v", got)
			}
			same(t, "updated actions", u.Actions, got.Actions)
			shown, err := c.GetMacro(ctx, a.ID)
			must(t, "GetMacro after update", err)
			same(t, "GetMacro after update", got, shown)
			_, err = c.UpdateMacro(ctx, b.ID+1_000_000, u)
			zdError(t, "UpdateMacro unknown id", err, http.StatusNotFound)
		})

		t.Run("DeleteMacro", func(t *testing.T) {
			must(t, "DeleteMacro", c.DeleteMacro(ctx, b.ID))
			_, err := c.GetMacro(ctx, b.ID)
			zdError(t, "GetMacro deleted", err, http.StatusNotFound)
			zdError(t, "DeleteMacro twice", c.DeleteMacro(ctx, b.ID), http.StatusNotFound)
			left, _, err := c.GetMacros(ctx, nil)
			must(t, "GetMacros after delete", err)
			if slices.Contains(macroIDs(left), b.ID) || len(left) != len(all)-1 {
				t.Fatalf("after delete: %v", macroIDs(left))
			}
		})
	})
}
