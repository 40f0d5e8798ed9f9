package user_test

import (
	"context"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strconv"
	"testing"
	"time"

	"github.com/go-chi/chi/v5"
	"github.com/google/go-cmp/cmp"

	"parley/internal/auth"
	"parley/internal/platform/db"
	"parley/internal/platform/db/dbtest"
	"parley/internal/platform/errs"
	"parley/internal/platform/opt"
	"parley/internal/user"
)

// exportFixture creates users at known times with the fake clock:
//
//	sec+100ms..sec+400ms  u1..u4 (four in one second)
//	sec+1.5s              u5
//	sec+3s                u6, deleted at sec+4s
//
// and returns them with sec. The owner was written at t0, an hour earlier.
func exportFixture(t *testing.T, e *env) (time.Time, []user.User) {
	t.Helper()
	sec := t0.Add(time.Hour)
	var us []user.User
	at := func(d time.Duration, name string) {
		e.clk.Set(sec.Add(d))
		us = append(us, e.endUser(t, name, ""))
	}
	at(100*time.Millisecond, "u1")
	at(200*time.Millisecond, "u2")
	at(300*time.Millisecond, "u3")
	at(400*time.Millisecond, "u4")
	at(1500*time.Millisecond, "u5")
	at(3*time.Second, "u6")
	e.clk.Set(sec.Add(4 * time.Second))
	if _, err := e.svc.DeleteUser(e.admin, us[5].ID); err != nil {
		t.Fatal(err)
	}
	return sec, us
}

func TestExportUsersSince(t *testing.T) {
	t.Parallel()
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		e := newEnv(t, d)
		sec, _ := exportFixture(t, e)
		for _, tc := range []struct {
			name    string
			since   time.Time
			limit   int
			want    []string
			wantEnd bool
		}{
			{"the last second is never split", sec, 2, []string{"u1", "u2", "u3", "u4"}, false},
			{"a page ending exactly at a second's end", sec, 4, []string{"u1", "u2", "u3", "u4"}, false},
			{"limit reached inside a later second", sec, 5, []string{"u1", "u2", "u3", "u4", "u5"}, false},
			{"everything fits", sec, 6, []string{"u1", "u2", "u3", "u4", "u5", "u6"}, true},
			{"since is inclusive", sec.Add(1500 * time.Millisecond), 1, []string{"u5"}, false},
			{"since is compared to the instant, not the second", sec.Add(1600 * time.Millisecond), 10, []string{"u6"}, true},
			{"deleted users are exported", sec.Add(2 * time.Second), 10, []string{"u6"}, true},
			{"from the beginning", t0, 1, []string{"Admin"}, false},
			{"nothing after", sec.Add(5 * time.Second), 10, []string{}, true},
		} {
			t.Run(tc.name, func(t *testing.T) {
				us, end, err := e.svc.ExportUsersSince(e.admin, tc.since, tc.limit)
				if err != nil {
					t.Fatalf("ExportUsersSince: %v", err)
				}
				if diff := cmp.Diff(tc.want, names(us)); diff != "" {
					t.Errorf("page (-want +got):\n%s", diff)
				}
				if end != tc.wantEnd {
					t.Errorf("end = %v, want %v", end, tc.wantEnd)
				}
			})
		}

		t.Run("deleted users appear inactive", func(t *testing.T) {
			us, _, err := e.svc.ExportUsersSince(e.admin, sec.Add(3*time.Second), 10)
			if err != nil || len(us) != 1 {
				t.Fatalf("export: %v %v", names(us), err)
			}
			u := us[0]
			if u.Active || u.DeletedAt == nil || !u.UpdatedAt.Equal(sec.Add(4*time.Second)) {
				t.Errorf("deleted user exported as active %v deleted_at %v updated_at %v", u.Active, u.DeletedAt, u.UpdatedAt)
			}
		})

		t.Run("a walk that resumes after each page's last second sees everyone once", func(t *testing.T) {
			for limit := 1; limit <= 7; limit++ {
				seen := map[string]int{}
				since := t0
				for pages := 0; ; pages++ {
					if pages > 10 {
						t.Fatalf("limit %d: the walk does not end", limit)
					}
					us, end, err := e.svc.ExportUsersSince(e.admin, since, limit)
					if err != nil {
						t.Fatal(err)
					}
					for _, u := range us {
						seen[u.Name]++
					}
					if end {
						break
					}
					// The page holds all of its last second, so the next
					// page may start at the following one.
					since = us[len(us)-1].UpdatedAt.Truncate(time.Second).Add(time.Second)
				}
				want := map[string]int{"Admin": 1, "u1": 1, "u2": 1, "u3": 1, "u4": 1, "u5": 1, "u6": 1}
				if diff := cmp.Diff(want, seen); diff != "" {
					t.Errorf("limit %d: users seen (-want +got):\n%s", limit, diff)
				}
			}
		})

		t.Run("admins only", func(t *testing.T) {
			agent := e.agent(t, "Agnes", "agnes@acme.example", auth.RoleAgent)
			_, _, err := e.svc.ExportUsersSince(e.as(t, agent.ID), t0, 10)
			wantKind(t, err, errs.Forbidden)
			_, _, err = e.svc.ExportUsersAfter(e.as(t, agent.ID), t0, 0, 10)
			wantKind(t, err, errs.Forbidden)
		})
	})
}

func TestExportUsersAfter(t *testing.T) {
	t.Parallel()
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		e := newEnv(t, d)
		sec, us := exportFixture(t, e)
		u2, u3 := us[1], us[2]
		for _, tc := range []struct {
			name    string
			at      time.Time
			id      int64
			limit   int
			want    []string
			wantEnd bool
		}{
			{"id 0 makes the start inclusive", sec.Add(100 * time.Millisecond), 0, 2, []string{"u1", "u2"}, false},
			{"strictly after the position", u2.UpdatedAt, u2.ID, 2, []string{"u3", "u4"}, false},
			{"a page may end inside a second", u2.UpdatedAt, u2.ID, 1, []string{"u3"}, false},
			{"same time, lower id comes first", u3.UpdatedAt, u3.ID - 1, 1, []string{"u3"}, false},
			{"the last page", u3.UpdatedAt, u3.ID, 10, []string{"u4", "u5", "u6"}, true},
			{"a page that ends exactly at the end", u3.UpdatedAt, u3.ID, 3, []string{"u4", "u5", "u6"}, true},
			{"past the end", sec.Add(time.Minute), 0, 10, []string{}, true},
		} {
			t.Run(tc.name, func(t *testing.T) {
				got, end, err := e.svc.ExportUsersAfter(e.admin, tc.at, tc.id, tc.limit)
				if err != nil {
					t.Fatalf("ExportUsersAfter: %v", err)
				}
				if diff := cmp.Diff(tc.want, names(got)); diff != "" {
					t.Errorf("page (-want +got):\n%s", diff)
				}
				if end != tc.wantEnd {
					t.Errorf("end = %v, want %v", end, tc.wantEnd)
				}
			})
		}
		t.Run("following the cursor sees everyone once", func(t *testing.T) {
			for limit := 1; limit <= 3; limit++ {
				var got []string
				at, id := t0, int64(0)
				for pages := 0; ; pages++ {
					if pages > 10 {
						t.Fatalf("limit %d: the walk does not end", limit)
					}
					page, end, err := e.svc.ExportUsersAfter(e.admin, at, id, limit)
					if err != nil {
						t.Fatal(err)
					}
					got = append(got, names(page)...)
					if end {
						break
					}
					at, id = page[len(page)-1].UpdatedAt, page[len(page)-1].ID
				}
				if diff := cmp.Diff([]string{"Admin", "u1", "u2", "u3", "u4", "u5", "u6"}, got); diff != "" {
					t.Errorf("limit %d: walk (-want +got):\n%s", limit, diff)
				}
			}
		})
	})
}

// walkIncremental follows next_page of a time-based incremental endpoint
// the way Zendesk clients do, until end_of_stream, and returns the names
// it saw.
func walkIncremental(t *testing.T, h http.Handler, ctx context.Context, path, root string, start time.Time, perPage int) map[string]bool {
	t.Helper()
	seen := map[string]bool{}
	q := url.Values{"start_time": {strconv.FormatInt(start.Unix(), 10)}, "per_page": {strconv.Itoa(perPage)}}
	for pages := 0; ; pages++ {
		if pages > 20 {
			t.Fatalf("end_of_stream never came; stuck at %s?%s", path, q.Encode())
		}
		req := httptest.NewRequestWithContext(ctx, http.MethodGet, path+"?"+q.Encode(), nil)
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, req)
		if rec.Code != http.StatusOK {
			t.Fatalf("GET %s = %d %s", req.URL, rec.Code, rec.Body)
		}
		var body map[string]json.RawMessage
		var items []struct {
			Name string `json:"name"`
		}
		var end bool
		var next *string
		if err := json.Unmarshal(rec.Body.Bytes(), &body); err != nil {
			t.Fatal(err)
		}
		for k, v := range map[string]any{root: &items, "end_of_stream": &end, "next_page": &next} {
			if err := json.Unmarshal(body[k], v); err != nil {
				t.Fatalf("%s: %v in %s", k, err, rec.Body)
			}
		}
		for _, it := range items {
			seen[it.Name] = true
		}
		if end {
			return seen
		}
		if next == nil {
			t.Fatalf("end_of_stream false without next_page")
		}
		u, err := url.Parse(*next)
		if err != nil {
			t.Fatal(err)
		}
		q = u.Query()
	}
}

// TestIncrementalAPIPaging walks the time-based export endpoints with
// small pages over bursts of records sharing a second: every record is
// seen and the walk ends.
func TestIncrementalAPIPaging(t *testing.T) {
	t.Parallel()
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		e := newEnv(t, d)
		sec, _ := exportFixture(t, e)
		for i, n := range []string{"o1", "o2", "o3"} {
			e.clk.Set(sec.Add(time.Duration(i+1) * 100 * time.Millisecond))
			e.mustOrg(t, user.OrgInput{Name: opt.Of(n)})
		}
		e.clk.Set(sec.Add(2 * time.Second))
		e.mustOrg(t, user.OrgInput{Name: opt.Of("o4")})
		r := chi.NewRouter()
		user.NewAPI(e.svc).Routes(r)
		set := func(names ...string) map[string]bool {
			m := map[string]bool{}
			for _, n := range names {
				m[n] = true
			}
			return m
		}
		for _, tc := range []struct {
			name, path, root string
			start            time.Time
			want             map[string]bool
		}{
			{"users from before everyone", "/incremental/users", "users", t0, set("Admin", "u1", "u2", "u3", "u4", "u5", "u6")},
			{"users from the burst's second", "/incremental/users", "users", sec, set("u1", "u2", "u3", "u4", "u5", "u6")},
			{"users from the last second", "/incremental/users", "users", sec.Add(4 * time.Second), set("u6")},
			{"organizations", "/incremental/organizations", "organizations", t0, set("o1", "o2", "o3", "o4")},
		} {
			for _, perPage := range []int{1, 2, 3, 4} {
				t.Run(tc.name+"/per_page="+strconv.Itoa(perPage), func(t *testing.T) {
					got := walkIncremental(t, r, e.admin, tc.path, tc.root, tc.start, perPage)
					if diff := cmp.Diff(tc.want, got); diff != "" {
						t.Errorf("seen (-want +got):\n%s", diff)
					}
				})
			}
		}
	})
}
