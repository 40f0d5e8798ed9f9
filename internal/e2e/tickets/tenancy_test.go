package tickets_test

import (
	"fmt"
	"net/http"
	"slices"
	"sort"
	"sync"
	"testing"

	"parley/internal/app/apptest"
)

// TestPerAccountNumbers: ticket ids are numbered per account from 1, so two
// accounts both have a ticket #1, and each only ever sees its own.
func TestPerAccountNumbers(t *testing.T) {
	apptest.Each(t, func(t *testing.T, s *apptest.Server) {
		alpha := newEnv(t, s, s.Default)
		beta := newEnv(t, s, s.NewTenant(t, "beta"))

		for n := int64(1); n <= 3; n++ {
			a := alpha.simple(fmt.Sprintf("alpha %d", n), nil)
			b := beta.simple(fmt.Sprintf("beta %d", n), nil)
			if id(t, a) != n || id(t, b) != n {
				t.Errorf("interleaved creates: alpha got %d, beta got %d; want %d each", id(t, a), id(t, b), n)
			}
		}
		extra := alpha.simple("alpha 4", map[string]any{"tags": []string{"alpha_only"}})

		t.Run("each sees its own ticket #1", func(t *testing.T) {
			for n := int64(1); n <= 3; n++ {
				if got := alpha.with(t).get(n)["subject"]; got != fmt.Sprintf("alpha %d", n) {
					t.Errorf("alpha ticket %d: %v", n, got)
				}
				if got := beta.with(t).get(n)["subject"]; got != fmt.Sprintf("beta %d", n) {
					t.Errorf("beta ticket %d: %v", n, got)
				}
			}
			if got := beta.with(t).comments(1); len(got) != 1 || got[0]["body"] != "beta 1 body" {
				t.Errorf("beta comments of #1: %v", got)
			}
			if got := alpha.with(t).audits(1); len(got) != 1 || num(t, got[0]["author_id"]) != s.Default.OwnerID {
				t.Errorf("alpha audits of #1: %v", got)
			}
		})

		t.Run("another account's ticket is 404", func(t *testing.T) {
			b := beta.with(t)
			four := id(t, extra)
			for _, c := range []struct {
				method, path string
				body         any
			}{
				{"GET", fmt.Sprintf("/tickets/%d.json", four), nil},
				{"PUT", fmt.Sprintf("/tickets/%d.json", four), map[string]any{"ticket": map[string]any{"subject": "mine now"}}},
				{"DELETE", fmt.Sprintf("/tickets/%d.json", four), nil},
				{"GET", fmt.Sprintf("/tickets/%d/comments.json", four), nil},
				{"GET", fmt.Sprintf("/tickets/%d/comments/count.json", four), nil},
				{"GET", fmt.Sprintf("/tickets/%d/audits.json", four), nil},
				{"GET", fmt.Sprintf("/tickets/%d/tags.json", four), nil},
				{"PUT", fmt.Sprintf("/tickets/%d/tags.json", four), map[string]any{"tags": []string{"x"}}},
			} {
				r := b.do(c.method, c.path, c.body)
				if r.Status != http.StatusNotFound {
					t.Errorf("beta %s %s: %d %s, want 404", c.method, c.path, r.Status, r.Body)
				}
			}
			// Alpha's comment and audit ids under beta's ticket #1.
			ac := alpha.with(t).comments(1)[0]
			r := b.do("PUT", fmt.Sprintf("/tickets/1/comments/%d/make_private.json", num(t, ac["id"])), nil)
			if r.Status != http.StatusNotFound {
				t.Errorf("beta make_private of alpha's comment: %d %s", r.Status, r.Body)
			}
			if got := alpha.with(t).comments(1)[0]; got["public"] != true {
				t.Errorf("alpha's comment was made private by beta")
			}
			aa := alpha.with(t).audits(1)[0]
			if r := b.do("GET", fmt.Sprintf("/tickets/1/audits/%d.json", num(t, aa["id"])), nil); r.Status != http.StatusNotFound {
				t.Errorf("beta GET of alpha's audit under its own #1: %d %s", r.Status, r.Body)
			}
			if got := alpha.with(t).get(four); got["subject"] != "alpha 4" {
				t.Errorf("alpha 4 changed: %v", got)
			}
		})

		t.Run("lists stay in the account", func(t *testing.T) {
			b := beta.with(t)
			m := b.call("GET", "/tickets/show_many.json?ids=1,2,3,4", nil, http.StatusOK)
			var subjects []string
			for _, it := range arr(t, m, "tickets") {
				subjects = append(subjects, it.(map[string]any)["subject"].(string))
			}
			sort.Strings(subjects)
			if !slices.Equal(subjects, []string{"beta 1", "beta 2", "beta 3"}) {
				t.Errorf("beta show_many 1..4: %v", subjects)
			}
			if n := num(t, obj(t, b.call("GET", "/tickets/count.json", nil, http.StatusOK), "count")["value"]); n != 3 {
				t.Errorf("beta count %d", n)
			}
			if n := len(arr(t, b.call("GET", "/tickets.json", nil, http.StatusOK), "tickets")); n != 3 {
				t.Errorf("beta list has %d tickets", n)
			}
			for _, it := range arr(t, b.call("GET", "/ticket_audits.json", nil, http.StatusOK), "audits") {
				if au := it.(map[string]any); num(t, au["author_id"]) != beta.tn.OwnerID {
					t.Errorf("beta /ticket_audits lists %v", au)
				}
			}
			for _, it := range arr(t, b.call("GET", "/tags.json", nil, http.StatusOK), "tags") {
				if it.(map[string]any)["name"] == "alpha_only" {
					t.Errorf("beta /tags lists alpha's tag")
				}
			}
		})

		t.Run("concurrent creates get distinct consecutive numbers", func(t *testing.T) {
			const n = 8
			var wg sync.WaitGroup
			resps := make([][]apptest.Response, 2)
			var mu sync.Mutex
			for ti, tn := range []*env{alpha, beta} {
				for i := 0; i < n; i++ {
					wg.Add(1)
					go func() {
						defer wg.Done()
						r := s.Do(t, apptest.Request{Method: "POST", Path: "/api/v2/tickets.json", Host: tn.tn.Host, Auth: tn.tn.TokenAuth(),
							Body: map[string]any{"ticket": map[string]any{"subject": "burst", "comment": map[string]any{"body": "burst"}}}})
						mu.Lock()
						resps[ti] = append(resps[ti], r)
						mu.Unlock()
					}()
				}
			}
			wg.Wait()
			got := make([][]int64, 2)
			failed := false
			for ti, rs := range resps {
				for _, r := range rs {
					if r.Status != http.StatusCreated {
						failed = true
						t.Errorf("concurrent create in tenant %d: %d %s", ti, r.Status, r.Body)
						continue
					}
					got[ti] = append(got[ti], num(t, obj(t, r.JSON(t), "ticket")["id"]))
				}
			}
			for ti, first := range []int64{5, 4} {
				ids := got[ti]
				slices.Sort(ids)
				want := make([]int64, 0, n)
				for i := int64(0); i < n; i++ {
					want = append(want, first+i)
				}
				if !failed && !slices.Equal(ids, want) {
					t.Errorf("tenant %d concurrent ids %v, want %v", ti, ids, want)
				}
			}
		})

		t.Run("concurrent additional_tags lose no update", func(t *testing.T) {
			tk := alpha.with(t).simple("contended", nil)
			const n = 10
			var wg sync.WaitGroup
			resps := make([]apptest.Response, n)
			for i := 0; i < n; i++ {
				wg.Add(1)
				go func() {
					defer wg.Done()
					resps[i] = s.Do(t, apptest.Request{Method: "PUT", Path: fmt.Sprintf("/api/v2/tickets/%d.json", id(t, tk)),
						Host: alpha.tn.Host, Auth: alpha.tn.TokenAuth(),
						Body: map[string]any{"ticket": map[string]any{"additional_tags": []string{fmt.Sprintf("t%d", i)}}}})
				}()
			}
			wg.Wait()
			for i, r := range resps {
				if r.Status != http.StatusOK {
					t.Errorf("concurrent update %d: %d %s", i, r.Status, r.Body)
				}
			}
			got := tags(t, alpha.with(t).get(id(t, tk)))
			if len(got) != n {
				t.Errorf("after %d concurrent additional_tags the ticket has %v", n, got)
			}
			if aus := alpha.with(t).audits(id(t, tk)); len(aus) != n+1 {
				t.Errorf("%d audits, want %d", len(aus), n+1)
			}
		})
	})
}
