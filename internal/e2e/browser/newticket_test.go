package browser_test

import (
	"fmt"
	"testing"

	"parley/internal/app/apptest"
	"parley/internal/config"
	"parley/internal/e2e/browser"
)

// TestNewTicket runs newticket.js on both dialects: the new-ticket form
// offers the account's ticket forms, shows the chosen form's custom
// fields with their agent conditions, and sends files with the first
// comment; the script checks the ticket through the API.
func TestNewTicket(t *testing.T) {
	browser.Require(t)
	apptest.Each(t, func(t *testing.T, s *apptest.Server) {
		product := field(t, s, map[string]any{"type": "tagger", "title": "Product", "custom_field_options": []any{
			map[string]any{"name": "Printer", "value": "printer"}, map[string]any{"name": "Scanner", "value": "scanner"}}})
		model := field(t, s, map[string]any{"type": "text", "title": "Printer model"})
		invoice := field(t, s, map[string]any{"type": "text", "title": "Invoice number"})
		forms := s.Do(t, apptest.Request{Path: "/api/v2/ticket_forms.json", Auth: s.Default.TokenAuth()}).JSON(t)["ticket_forms"].([]any)
		def := forms[0].(map[string]any)
		ids := append(def["ticket_field_ids"].([]any), product, model)
		if r := s.Do(t, apptest.Request{Method: "PUT", Path: fmt.Sprintf("/api/v2/ticket_forms/%v.json", def["id"]), Auth: s.Default.TokenAuth(),
			Body: map[string]any{"ticket_form": map[string]any{"ticket_field_ids": ids, "agent_conditions": []any{map[string]any{
				"parent_field_id": product, "value": "printer", "child_fields": []any{map[string]any{"id": model, "is_required": false}}}}}}}); r.Status != 200 {
			t.Fatalf("form conditions: %d %s", r.Status, r.Body)
		}
		billing := s.Do(t, apptest.Request{Method: "POST", Path: "/api/v2/ticket_forms.json", Auth: s.Default.TokenAuth(),
			Body: map[string]any{"ticket_form": map[string]any{"name": "Billing", "active": true,
				"ticket_field_ids": []any{invoice}}}})
		if billing.Status != 201 {
			t.Fatalf("billing form: %d %s", billing.Status, billing.Body)
		}
		browser.Run(t, s, "newticket.js", "PARLEY_API_AUTH="+s.Default.TokenAuth(),
			fmt.Sprintf("PARLEY_FIELDS=%v,%v,%v", product, model, invoice), fmt.Sprintf("PARLEY_DEFAULT_FORM=%v", def["id"]),
			fmt.Sprintf("PARLEY_BILLING_FORM=%v", billing.JSON(t)["ticket_form"].(map[string]any)["id"]))
	}, func(c *config.Config) { c.UploadLimit = queueUploadLimit })
}
