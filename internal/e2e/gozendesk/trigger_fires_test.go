package gozendesk_test

import (
	"context"
	"slices"
	"testing"

	"github.com/nukosuke/go-zendesk/zendesk"

	"parley/internal/app/apptest"
)

// TestTriggerFires creates a trigger and tickets with go-zendesk and checks
// the trigger ran inside the create: the ticket comes back changed, and its
// audit carries the trigger's Change events with a rule via naming it.
func TestTriggerFires(t *testing.T) {
	apptest.Each(t, func(t *testing.T, s *apptest.Server) {
		ctx := context.Background()
		c := client(t, s)

		vip := zendesk.Trigger{Title: "GoZD VIP escalation"}
		vip.Conditions.All = []zendesk.TriggerCondition{
			{Field: "update_type", Operator: "is", Value: "Create"},
			{Field: "current_tags", Operator: "includes", Value: "vip"},
		}
		vip.Actions = []zendesk.TriggerAction{{Field: "priority", Value: "urgent"}, {Field: "current_tags", Value: "escalated"}}
		trg, err := c.CreateTrigger(ctx, vip)
		must(t, "CreateTrigger", err)

		t.Run("a vip ticket comes back urgent and escalated", func(t *testing.T) {
			tk, err := c.CreateTicket(ctx, zendesk.Ticket{Subject: "GoZD VIP down", Priority: "normal", Tags: []string{"vip"},
				Comment: &zendesk.TicketComment{Body: "Everything is down."}})
			must(t, "CreateTicket", err)
			if tk.Priority != "urgent" || !slices.Contains(tk.Tags, "escalated") || !slices.Contains(tk.Tags, "vip") {
				t.Fatalf("created ticket: priority %q tags %v", tk.Priority, tk.Tags)
			}
			shown, err := c.GetTicket(ctx, tk.ID)
			must(t, "GetTicket", err)
			if shown.Priority != "urgent" || !slices.Contains(shown.Tags, "escalated") {
				t.Fatalf("stored ticket: priority %q tags %v", shown.Priority, shown.Tags)
			}

			audits, _ := auditEvents(t, c, tk.ID)
			if len(audits) != 1 {
				t.Fatalf("%d audits, want the create's only (trigger changes belong to it)", len(audits))
			}
			var changes []map[string]any
			for _, e := range audits[0].Events {
				if m := e.(map[string]any); m["type"] == "Change" {
					changes = append(changes, m)
				}
			}
			found := map[string]bool{}
			for _, ch := range changes {
				via, _ := ch["via"].(map[string]any)
				src, _ := via["source"].(map[string]any)
				from, _ := src["from"].(map[string]any)
				if via["channel"] != "rule" || src["rel"] != "trigger" || num(from["id"]) != trg.ID || from["title"] != trg.Title {
					t.Fatalf("Change event %v: want via channel rule, rel trigger, from {id %d, title %q}", ch, trg.ID, trg.Title)
				}
				switch ch["field_name"] {
				case "priority":
					if ch["value"] != "urgent" || ch["previous_value"] != "normal" {
						t.Fatalf("priority Change %v", ch)
					}
					found["priority"] = true
				case "tags":
					found["tags"] = true
				}
			}
			if !found["priority"] || !found["tags"] {
				t.Fatalf("trigger Change events %v: want priority and tags", changes)
			}
		})

		t.Run("a ticket without the tag is left alone", func(t *testing.T) {
			tk, err := c.CreateTicket(ctx, zendesk.Ticket{Subject: "GoZD regular", Priority: "normal", Tags: []string{"regular"},
				Comment: &zendesk.TicketComment{Body: "A question."}})
			must(t, "CreateTicket", err)
			if tk.Priority != "normal" || slices.Contains(tk.Tags, "escalated") {
				t.Fatalf("untagged ticket changed: priority %q tags %v", tk.Priority, tk.Tags)
			}
			_, evs := auditEvents(t, c, tk.ID)
			for _, e := range evs {
				if e["type"] == "Change" {
					t.Fatalf("untagged ticket has a Change event %v", e)
				}
			}
		})

		t.Run("adding vip later does not fire (update_type is Create)", func(t *testing.T) {
			tk, err := c.CreateTicket(ctx, zendesk.Ticket{Subject: "GoZD later vip", Priority: "low",
				Comment: &zendesk.TicketComment{Body: "A question."}})
			must(t, "CreateTicket", err)
			up, err := c.UpdateTicket(ctx, tk.ID, zendesk.Ticket{Tags: []string{"vip"}})
			must(t, "UpdateTicket", err)
			if up.Priority != "low" || slices.Contains(up.Tags, "escalated") {
				t.Fatalf("update fired a Create trigger: priority %q tags %v", up.Priority, up.Tags)
			}
		})

		t.Run("a deactivated trigger no longer fires", func(t *testing.T) {
			// go-zendesk cannot send active:false (omitempty): raw PUT.
			var out struct {
				Trigger zendesk.Trigger `json:"trigger"`
			}
			rawPut(t, c, "/triggers/"+joinIDs(trg.ID)+".json", map[string]any{"trigger": map[string]any{"active": false}}, &out)
			if out.Trigger.Active || out.Trigger.ID != trg.ID {
				t.Fatalf("deactivated trigger %+v", out.Trigger)
			}
			tk, err := c.CreateTicket(ctx, zendesk.Ticket{Subject: "GoZD VIP quiet", Priority: "normal", Tags: []string{"vip"},
				Comment: &zendesk.TicketComment{Body: "Down again."}})
			must(t, "CreateTicket", err)
			if tk.Priority != "normal" || slices.Contains(tk.Tags, "escalated") {
				t.Fatalf("inactive trigger fired: priority %q tags %v", tk.Priority, tk.Tags)
			}
		})
	})
}
