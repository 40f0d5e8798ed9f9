package view_test

import (
	"fmt"
	"net/http"
	"testing"
	"time"

	"parley/internal/platform/db"
	"parley/internal/platform/db/dbtest"
	"parley/internal/platform/opt"
	"parley/internal/rule/view"
	"parley/internal/ticket"
)

// TestPageOrder: the workspace's Page sorts as /views/{id}/execute does
// with the same sort_by and sort_order, and keeps the view's own sort
// and grouping when none is asked for.
func TestPageOrder(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		e := newEnv(t, d)
		for _, x := range []struct{ subject, prio string }{{"b-low", "low"}, {"a-urgent", "urgent"}, {"c-normal", "normal"}} {
			e.Ticket(ticket.Input{Subject: opt.Of(x.subject), Priority: opt.Of(x.prio)})
			e.Clock.Advance(time.Minute)
		}
		body := e.Must(http.StatusCreated, e.Owner, "POST", "/views.json", map[string]any{"view": map[string]any{
			"title": "By created", "all": []any{map[string]any{"field": "status", "operator": "less_than", "value": "solved"}},
			"output": map[string]any{"columns": []any{"subject", "priority"}, "sort_by": "created", "sort_order": "asc"}}})
		id := num(obj(body, "view")["id"])
		ctx := e.As(t, e.Owner)
		subjects := func(o view.Order) string {
			t.Helper()
			_, res, err := e.views.Page(ctx, id, 1, 10, o)
			if err != nil {
				t.Fatalf("Page(%+v): %v", o, err)
			}
			var out []string
			for _, tk := range res.Tickets {
				out = append(out, tk.Subject)
			}
			return fmt.Sprint(out)
		}
		apiSubjects := func(query string) string {
			t.Helper()
			rows := arr(e.Must(http.StatusOK, e.Owner, "GET", fmt.Sprintf("/views/%d/execute.json%s", id, query), nil), "rows")
			var out []string
			for _, r := range rows {
				out = append(out, r.(map[string]any)["subject"].(string))
			}
			return fmt.Sprint(out)
		}
		for _, tc := range []struct {
			name  string
			order view.Order
			query string
			want  string
		}{
			{"the view's own sort", view.Order{}, "", "[b-low a-urgent c-normal]"},
			{"by priority, the view's order", view.Order{By: "priority"}, "?sort_by=priority", "[b-low c-normal a-urgent]"},
			{"by priority descending", view.Order{By: "priority", Dir: "desc"}, "?sort_by=priority&sort_order=desc", "[a-urgent c-normal b-low]"},
			{"by created descending", view.Order{By: "created", Dir: "desc"}, "?sort_by=created&sort_order=desc", "[c-normal a-urgent b-low]"},
			{"an unsortable column keeps the view's sort", view.Order{By: "subject"}, "?sort_by=subject", "[b-low a-urgent c-normal]"},
		} {
			t.Run(tc.name, func(t *testing.T) {
				if got := subjects(tc.order); got != tc.want {
					t.Errorf("Page = %s, want %s", got, tc.want)
				}
				if got := apiSubjects(tc.query); got != tc.want {
					t.Errorf("execute%s = %s, want %s", tc.query, got, tc.want)
				}
			})
		}
	})
}

func TestColumn(t *testing.T) {
	for _, tc := range []struct {
		id           string
		title        string
		sortable, ok bool
	}{
		{"subject", "Subject", false, true},
		{"created", "Requested", true, true},
		{"priority", "Priority", true, true},
		{"12345", "", false, false},
		{"nonsense", "", false, false},
	} {
		title, sortable, ok := view.Column(tc.id)
		if title != tc.title || sortable != tc.sortable || ok != tc.ok {
			t.Errorf("Column(%q) = %q, %v, %v; want %q, %v, %v", tc.id, title, sortable, ok, tc.title, tc.sortable, tc.ok)
		}
	}
}
