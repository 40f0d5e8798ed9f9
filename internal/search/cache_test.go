package search_test

import (
	"fmt"
	"strings"
	"testing"
	"time"

	"parley/internal/auth"
	"parley/internal/platform/clock"
	"parley/internal/platform/db/dbtest"
	"parley/internal/platform/errs"
	"parley/internal/search"
)

// TestResultCache: a costly search (here every search) is counted and
// ordered once, as deep as a client may page, and paged from memory for
// 30 s, per agent; a new match shows after that, refreshed in the
// background; records are loaded afresh, so a deleted one is left out.
func TestResultCache(t *testing.T) {
	for _, d := range dbtest.Dialects(t) {
		t.Run(string(d), func(t *testing.T) {
			t.Parallel()
			clk := clock.NewFake(time.Date(2024, 1, 1, 0, 0, 0, 0, time.UTC))
			s := startServer(t, d, clk)
			tn := s.Default
			var ids []int64
			for i := range 5 {
				clk.Advance(time.Minute)
				ids = append(ids, idOf(call(t, s, tn, "POST", "/api/v2/tickets.json", map[string]any{"ticket": map[string]any{
					"subject": fmt.Sprintf("toner low %d", i), "comment": map[string]any{"body": "the toner ran out"}}}), "ticket"))
			}
			svc := service(s)
			search.KeepEveryResult(svc)
			owner := asUser(s, tn.OwnerID, auth.RoleAdmin)
			page := func(n int) ([]search.Hit, int64) {
				t.Helper()
				hits, total, err := svc.Search(owner, search.Request{Query: "toner type:ticket", Page: n, PerPage: 2})
				if err != nil {
					t.Fatal(err)
				}
				return hits, total
			}
			want := func(hits []search.Hit, total int64, wantTotal int64, wantIDs ...int64) {
				t.Helper()
				var got []int64
				for _, h := range hits {
					got = append(got, h.ID)
				}
				if total != wantTotal || fmt.Sprint(got) != fmt.Sprint(wantIDs) {
					t.Errorf("hits %v total %d, want %v total %d", got, total, wantIDs, wantTotal)
				}
			}
			h, n := page(1)
			want(h, n, 5, ids[4], ids[3])
			clk.Advance(time.Second)
			newID := idOf(call(t, s, tn, "POST", "/api/v2/tickets.json", map[string]any{"ticket": map[string]any{
				"subject": "toner again", "comment": map[string]any{"body": "toner"}}}), "ticket")
			// Within 30 s: the first answer, paged from memory.
			h, n = page(2)
			want(h, n, 5, ids[2], ids[1])
			h, n = page(3)
			want(h, n, 5, ids[0])
			if c, err := svc.Count(owner, "toner type:ticket"); err != nil || c != 6 {
				t.Errorf("count = %d %v, want 6 (its own key, counted now)", c, err)
			}
			// Past 30 s the stale answer is served while it refreshes.
			clk.Advance(29 * time.Second)
			h, n = page(1)
			want(h, n, 5, ids[4], ids[3])
			deadline := time.Now().Add(5 * time.Second)
			for h, n = page(1); n != 6; h, n = page(1) {
				if time.Now().After(deadline) {
					t.Fatal("the background refresh never landed")
				}
				time.Sleep(10 * time.Millisecond)
			}
			want(h, n, 6, newID, ids[4])
			// The API's answer renders records afresh: a ticket deleted
			// since is left out though its id is still in the cached hits.
			call(t, s, tn, "DELETE", fmt.Sprintf("/api/v2/tickets/%d.json", newID), nil)
			out, err := svc.Render(owner, h)
			if err != nil {
				t.Fatal(err)
			}
			if len(out) != 1 || int64(out[0]["id"].(int64)) != ids[4] {
				t.Errorf("rendered %v, want only ticket %d", out, ids[4])
			}
		})
	}
}

// TestShallowAndDeepPages: pages within the first 100 results come from a
// fetch 100 deep, later pages from one 1,000 deep (a separate cache
// entry); paged through together they list every match once, in order.
func TestShallowAndDeepPages(t *testing.T) {
	for _, d := range dbtest.Dialects(t) {
		t.Run(string(d), func(t *testing.T) {
			t.Parallel()
			clk := clock.NewFake(time.Date(2024, 1, 1, 0, 0, 0, 0, time.UTC))
			s := startServer(t, d, clk)
			tn := s.Default
			const n = 130
			var want []int64
			for i := range n {
				clk.Advance(time.Second)
				id := idOf(call(t, s, tn, "POST", "/api/v2/tickets.json", map[string]any{"ticket": map[string]any{
					"subject": fmt.Sprintf("toner low %d", i), "comment": map[string]any{"body": "the toner ran out"}}}), "ticket")
				want = append([]int64{id}, want...) // newest first
			}
			svc := service(s)
			search.KeepEveryResult(svc)
			owner := asUser(s, tn.OwnerID, auth.RoleAdmin)
			for _, per := range []int{10, 30, 100} {
				var got []int64
				for page := 1; (page-1)*per < n; page++ {
					hits, total, err := svc.Search(owner, search.Request{Query: "toner type:ticket", Page: page, PerPage: per})
					if err != nil || total != n {
						t.Fatalf("per %d page %d: total %d, %v", per, page, total, err)
					}
					for _, h := range hits {
						got = append(got, h.ID)
					}
				}
				if fmt.Sprint(got) != fmt.Sprint(want) {
					t.Errorf("per_page %d: pages list %v, want %v", per, got, want)
				}
			}
		})
	}
}

// TestSearchTimeLimit: a search that runs out of its time is stopped and
// answered with an error that says so (422, the Zendesk error shape), not
// left running in the database; so is a count.
func TestSearchTimeLimit(t *testing.T) {
	for _, d := range dbtest.Dialects(t) {
		t.Run(string(d), func(t *testing.T) {
			t.Parallel()
			clk := clock.NewFake(time.Date(2024, 1, 1, 0, 0, 0, 0, time.UTC))
			s := startServer(t, d, clk)
			tn := s.Default
			call(t, s, tn, "POST", "/api/v2/tickets.json", map[string]any{"ticket": map[string]any{
				"subject": "toner low", "comment": map[string]any{"body": "the toner ran out"}}})
			svc := service(s)
			owner := asUser(s, tn.OwnerID, auth.RoleAdmin)
			if _, n, err := svc.Search(owner, search.Request{Query: "toner status<solved", Page: 1, PerPage: 10}); err != nil || n != 1 {
				t.Fatalf("with time: %d, %v", n, err)
			}
			search.SetTimeLimit(svc, time.Nanosecond)
			for _, q := range []string{"toner status<solved", "toner"} {
				_, _, err := svc.Search(owner, search.Request{Query: q, Page: 1, PerPage: 10})
				if !errs.Is(err, errs.Invalid) || !strings.Contains(err.Error(), "took longer than") {
					t.Errorf("search %q out of time: err = %v, want Invalid saying it took too long", q, err)
				}
				if _, err := svc.Count(owner, q+" type:ticket"); !errs.Is(err, errs.Invalid) {
					t.Errorf("count %q out of time: err = %v, want Invalid", q, err)
				}
			}
		})
	}
}
