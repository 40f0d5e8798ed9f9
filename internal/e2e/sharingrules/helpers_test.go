package sharingrules_test

import (
	"fmt"
	"net/http"
	"slices"
	"strings"
	"testing"
	"time"

	"parley/internal/e2e/sharing/pair"
)

// quiet is how long a test waits, after the last delivery it can observe,
// before it checks that something did NOT happen (deliveries run every few
// milliseconds; this gives a wrong one the time to land).
const quiet = 300 * time.Millisecond

// cond is one rule condition.
func cond(field, op string, value any) map[string]any {
	return map[string]any{"field": field, "operator": op, "value": value}
}

// action is one rule action.
func action(field string, value any) map[string]any {
	return map[string]any{"field": field, "value": value}
}

// idStr is an id as rule values usually carry it (a string).
func idStr(id int64) string { return fmt.Sprint(id) }

// trigger creates an active trigger on side x and returns its id.
func trigger(t *testing.T, x pair.Side, title string, all []map[string]any, actions []map[string]any) int64 {
	t.Helper()
	tr := pair.Obj(t, x.Do(t, "POST", "/api/v2/triggers.json", map[string]any{"trigger": map[string]any{
		"title": title, "conditions": map[string]any{"all": all, "any": []any{}}, "actions": actions}},
		http.StatusCreated), "trigger")
	return pair.Num(tr["id"])
}

// view creates a view on side x and returns its id.
func view(t *testing.T, x pair.Side, title string, all []map[string]any) int64 {
	t.Helper()
	v := pair.Obj(t, x.Do(t, "POST", "/api/v2/views.json", map[string]any{"view": map[string]any{
		"title": title, "all": all, "any": []any{},
		"output": map[string]any{"columns": []string{"status", "description", "created"}}}}, http.StatusCreated), "view")
	return pair.Num(v["id"])
}

// viewTickets lists the ids of the tickets view id of side x shows.
func viewTickets(t *testing.T, x pair.Side, id int64) []int64 {
	t.Helper()
	list, _ := x.Do(t, "GET", fmt.Sprintf("/api/v2/views/%d/tickets.json", id), nil, http.StatusOK)["tickets"].([]any)
	ids := []int64{}
	for _, tk := range list {
		ids = append(ids, pair.Num(tk.(map[string]any)["id"]))
	}
	slices.Sort(ids)
	return ids
}

// audits lists a ticket's audits on side x.
func audits(t *testing.T, x pair.Side, id int64) []map[string]any {
	t.Helper()
	list, _ := x.Do(t, "GET", fmt.Sprintf("/api/v2/tickets/%d/audits.json", id), nil, http.StatusOK)["audits"].([]any)
	out := make([]map[string]any, 0, len(list))
	for _, a := range list {
		out = append(out, a.(map[string]any))
	}
	return out
}

// events lists the events of audit a.
func events(a map[string]any) []map[string]any {
	list, _ := a["events"].([]any)
	out := make([]map[string]any, 0, len(list))
	for _, e := range list {
		out = append(out, e.(map[string]any))
	}
	return out
}

// viaChannel is the channel of a ticket's, comment's or audit's via.
func viaChannel(m map[string]any) any {
	v, _ := m["via"].(map[string]any)
	return v["channel"]
}

// ids reads a JSON list of numbers.
func ids(v any) []int64 {
	list, _ := v.([]any)
	out := []int64{}
	for _, x := range list {
		out = append(out, pair.Num(x))
	}
	return out
}

// tags reads a ticket's tags.
func tags(tk map[string]any) []string {
	list, _ := tk["tags"].([]any)
	out := []string{}
	for _, x := range list {
		out = append(out, fmt.Sprint(x))
	}
	return out
}

// waitComment waits for a comment containing text on ticket id of side x
// and returns it.
func waitComment(t *testing.T, x pair.Side, id int64, text string) map[string]any {
	t.Helper()
	return pair.Eventually(t, fmt.Sprintf("a comment with %q on %s's ticket %d", text, x.Name, id), func() (bool, any) {
		list := pair.Comments(t, x, id)
		for _, c := range list {
			if strings.Contains(fmt.Sprint(c["body"]), text) || strings.Contains(fmt.Sprint(c["plain_body"]), text) {
				return true, c
			}
		}
		return false, list
	}).(map[string]any)
}

// shared creates a ticket on A, shares it through agreement aid, waits for
// it on B and returns A's and B's ticket ids.
func shared(t *testing.T, p *pair.Pair, aid int64, subject string, extra map[string]any) (int64, int64) {
	t.Helper()
	in := map[string]any{"subject": subject, "comment": map[string]any{"body": "about " + subject}}
	for k, v := range extra {
		in[k] = v
	}
	tk := pair.Ticket(t, p.A, in)
	id := pair.Num(tk["id"])
	pair.Share(t, p.A, id, aid)
	return id, pair.Num(pair.Received(t, p.B, subject)["id"])
}
