package gozendesk_test

import (
	"context"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"
	"github.com/nukosuke/go-zendesk/zendesk"
)

// Helpers of the business-rule suites (triggers, automations, macros, views,
// webhooks). go-zendesk v0.18.0 facts they rely on, from its source:
//   - Trigger/Automation/Macro lists decode {"<plural>":[...]} plus the
//     offset Page fields (next_page, previous_page, count); the *CBP variants
//     decode "meta" (has_more, after_cursor); the *Iterator variants follow
//     page.next_page (OBP) or meta.after_cursor (CBP).
//   - OBPOptions/CBPOptions embed CommonOptions, whose untagged fields go out
//     as junk query parameters (Id=0&Access=&Category=0&OnlyViewable=false
//     &query=); a server must ignore them.
//   - Trigger.CategoryID is a string; AutomationCondition.Value and
//     MacroAction.Value are strings; Webhook.ID is a string.
//   - Trigger.Active, Trigger.Position and Automation.Active are omitempty:
//     false and 0 are never sent.

// recent fails unless ts is set and within the last two minutes.
func recent(t *testing.T, what string, ts *time.Time) {
	t.Helper()
	if ts == nil || ts.IsZero() {
		t.Fatalf("%s: timestamp missing", what)
	}
	if d := time.Since(*ts); d < -time.Minute || d > 2*time.Minute {
		t.Fatalf("%s: timestamp %s is not now", what, ts)
	}
}

// same fails with a diff when got and want differ (empty and nil slices
// are equal: the client cannot tell [] from an absent array).
func same(t *testing.T, what string, want, got any) {
	t.Helper()
	if d := cmp.Diff(want, got, cmpopts.EquateEmpty()); d != "" {
		t.Fatalf("%s (-want +got):\n%s", what, d)
	}
}

func triggerIDs(ts []zendesk.Trigger) []int64 {
	out := make([]int64, len(ts))
	for i, x := range ts {
		out[i] = x.ID
	}
	return out
}

func automationIDs(as []zendesk.Automation) []int64 {
	out := make([]int64, len(as))
	for i, x := range as {
		out[i] = x.ID
	}
	return out
}

func macroIDs(ms []zendesk.Macro) []int64 {
	out := make([]int64, len(ms))
	for i, x := range ms {
		out[i] = x.ID
	}
	return out
}

func viewIDs(vs []zendesk.View) []int64 {
	out := make([]int64, len(vs))
	for i, x := range vs {
		out[i] = x.ID
	}
	return out
}

func ticketIDs(ts []zendesk.Ticket) []int64 {
	out := make([]int64, len(ts))
	for i, x := range ts {
		out[i] = x.ID
	}
	return out
}

// wantNext checks an offset page's links: next names page n+1 when more
// follows, previous names page n-1 after the first page.
func wantNext(t *testing.T, what string, p zendesk.Page, more bool, page int) {
	t.Helper()
	if more != p.HasNext() {
		t.Fatalf("%s: next_page %v, want more=%v", what, p.NextPage, more)
	}
	if more && !strings.Contains(*p.NextPage, "page="+itoa(page+1)) {
		t.Fatalf("%s: next_page %q does not name page %d", what, *p.NextPage, page+1)
	}
	if (page > 1) != p.HasPrev() {
		t.Fatalf("%s: previous_page %v on page %d", what, p.PreviousPage, page)
	}
}

func itoa(n int) string { return joinIDs(int64(n)) }

// drain runs a go-zendesk iterator to its end (at most 50 pages).
func drain[T any](t *testing.T, what string, it *zendesk.Iterator[T]) []T {
	t.Helper()
	var out []T
	for n := 0; it.HasMore(); n++ {
		if n == 50 {
			t.Fatalf("%s: iterator still has more after 50 pages", what)
		}
		page, err := it.GetNext()
		must(t, what+" GetNext", err)
		out = append(out, page...)
	}
	return out
}

// auditEvents lists a ticket's audits through go-zendesk and returns every
// event as a generic map, with the audit it belongs to.
func auditEvents(t *testing.T, c *zendesk.Client, ticketID int64) ([]zendesk.TicketAudit, []map[string]any) {
	t.Helper()
	audits, _, err := c.GetTicketAudits(context.Background(), ticketID, zendesk.PageOptions{})
	must(t, "GetTicketAudits", err)
	var evs []map[string]any
	for _, a := range audits {
		for _, e := range a.Events {
			m, ok := e.(map[string]any)
			if !ok {
				t.Fatalf("audit %d: event %T is not an object", a.ID, e)
			}
			evs = append(evs, m)
		}
	}
	return audits, evs
}

// num reads a JSON number (float64 after a generic decode) as an int64.
func num(v any) int64 {
	switch n := v.(type) {
	case float64:
		return int64(n)
	case int64:
		return n
	case string:
		// Some ids are strings on the wire (category_id, an
		// AgentMacroReference's macro_id).
		if v, err := strconv.ParseInt(n, 10, 64); err == nil {
			return v
		}
	}
	return -1
}
