package gozendesk_test

import (
	"context"
	"fmt"
	"net/http"
	"slices"
	"strings"
	"testing"

	"github.com/nukosuke/go-zendesk/zendesk"

	"parley/internal/app/apptest"
)

func TestBulk(t *testing.T) {
	apptest.Each(t, func(t *testing.T, s *apptest.Server) {
		ctx := context.Background()
		c := client(t, s)

		var created []int64
		t.Run("users create_many", func(t *testing.T) {
			body, err := c.Post(ctx, "/users/create_many.json", map[string]any{"users": []map[string]any{
				{"name": "Bulk One", "email": "bulk1@example.org", "external_id": "bulk-1", "tags": []string{"Bulk"}},
				{"name": "Bulk Two", "email": "bulk2@example.org", "role": "agent"},
				{"name": "", "email": "not-an-email"},
				{"name": "Bulk Three", "email": "bulk3@example.org"},
			}})
			must(t, "POST users/create_many", err)
			js := queuedJob(t, "users create_many", body)
			if js.Total == nil || *js.Total != 4 || js.JobType == "" {
				t.Fatalf("queued job: %+v", js)
			}
			done := waitJob(t, c, js)
			if done.JobType != js.JobType {
				t.Fatalf("job_type changed from %q to %q", js.JobType, done.JobType)
			}
			for i, r := range done.Results {
				if r.Index != nil && *r.Index != i {
					t.Fatalf("result %d has index %d", i, *r.Index)
				}
				if i == 2 {
					if r.ID != 0 || r.Status == "Created" || r.Error == "" || r.Details == "" {
						t.Fatalf("invalid record's result: %+v", r)
					}
					continue
				}
				if r.Status != "Created" || r.ID == 0 || r.Error != "" {
					t.Fatalf("result %d: %+v", i, r)
				}
				created = append(created, r.ID)
			}
			us, _, err := c.GetManyUsers(ctx, &zendesk.GetManyUsersOptions{IDs: joinIDs(created...)})
			must(t, "GetManyUsers created", err)
			sameIDs(t, "created users", idSet(t, "created users", us, userID), created...)
			byID := map[int64]zendesk.User{}
			for _, u := range us {
				byID[u.ID] = u
			}
			one, two, three := byID[created[0]], byID[created[1]], byID[created[2]]
			if one.Name != "Bulk One" || one.Email != "bulk1@example.org" || one.ExternalID != "bulk-1" ||
				!slices.Equal(one.Tags, []string{"bulk"}) || one.Role != "end-user" {
				t.Fatalf("bulk user one: %+v", one)
			}
			if two.Name != "Bulk Two" || two.Role != "agent" || three.Email != "bulk3@example.org" {
				t.Fatalf("bulk users: %+v %+v", two, three)
			}
			search, _, err := c.SearchUsers(ctx, &zendesk.SearchUsersOptions{Query: "not-an-email"})
			must(t, "SearchUsers", err)
			if len(search) != 0 {
				t.Fatalf("the invalid record was created: %+v", search)
			}
		})

		t.Run("more than 100 users is TooManyValues", func(t *testing.T) {
			users := make([]map[string]any, 101)
			for i := range users {
				users[i] = map[string]any{"name": fmt.Sprintf("Too Many %d", i), "email": fmt.Sprintf("many%d@example.org", i)}
			}
			_, err := c.Post(ctx, "/users/create_many.json", map[string]any{"users": users})
			body := zdError(t, "create_many 101", err, http.StatusBadRequest)
			if !strings.Contains(body, `"TooManyValues"`) {
				t.Fatalf("101 users: %s", body)
			}
			us, page, err := c.SearchUsers(ctx, &zendesk.SearchUsersOptions{Query: "many0@example.org"})
			must(t, "SearchUsers", err)
			if len(us) != 0 || page.Count != 0 {
				t.Fatalf("a refused create_many created users: %+v", us)
			}
			_, _, err = c.GetManyUsers(ctx, &zendesk.GetManyUsersOptions{IDs: joinIDs(make101()...)})
			body = zdError(t, "show_many 101 ids", err, http.StatusBadRequest)
			if !strings.Contains(body, `"TooManyValues"`) {
				t.Fatalf("show_many 101 ids: %s", body)
			}
		})

		t.Run("organizations create_many", func(t *testing.T) {
			body, err := c.Post(ctx, "/organizations/create_many.json", map[string]any{"organizations": []map[string]any{
				{"name": "Bulk Org A", "external_id": "bulk-org-a", "domain_names": []string{"bulk-a.example"}},
				{"name": "Bulk Org B", "tags": []string{"Imported"}},
				{"name": "bulk org a"},
			}})
			must(t, "POST organizations/create_many", err)
			done := waitJob(t, c, queuedJob(t, "organizations create_many", body))
			var ids []int64
			for i, r := range done.Results {
				if i == 2 {
					if r.Status == "Created" || r.Error == "" {
						t.Fatalf("duplicate name result: %+v", r)
					}
					continue
				}
				if r.Status != "Created" || r.ID == 0 {
					t.Fatalf("org result %d: %+v", i, r)
				}
				ids = append(ids, r.ID)
			}
			a, err := c.GetOrganization(ctx, ids[0])
			must(t, "GetOrganization a", err)
			b, err := c.GetOrganization(ctx, ids[1])
			must(t, "GetOrganization b", err)
			if a.Name != "Bulk Org A" || a.ExternalID != "bulk-org-a" || !slices.Equal(a.DomainNames, []string{"bulk-a.example"}) ||
				b.Name != "Bulk Org B" || !slices.Equal(b.Tags, []string{"imported"}) {
				t.Fatalf("bulk orgs: %+v %+v", a, b)
			}
			os, page, err := c.GetOrganizations(ctx, &zendesk.OrganizationListOptions{})
			must(t, "GetOrganizations", err)
			if len(os) != 2 || page.Count != 2 {
				t.Fatalf("organizations after create_many: %+v", os)
			}
			u, err := c.CreateUser(ctx, zendesk.User{Name: "Mapped", Email: "mapped@bulk-a.example"})
			must(t, "CreateUser", err)
			if u.OrganizationID != a.ID {
				t.Fatalf("domain of a bulk-created org: organization_id %d, want %d", u.OrganizationID, a.ID)
			}
		})

		t.Run("users update_many ids=", func(t *testing.T) {
			if len(created) != 3 {
				t.Fatal("needs the 3 users of create_many, which did not all get created (see the create_many subtest)")
			}
			ids := created[:2]
			body, err := c.Put(ctx, "/users/update_many.json?ids="+joinIDs(ids...), map[string]any{
				"user": map[string]any{"tags": []string{"Updated", "bulk"}, "notes": "bulk note"}})
			must(t, "PUT users/update_many", err)
			done := waitJob(t, c, queuedJob(t, "users update_many", body))
			for i, r := range done.Results {
				if r.ID != ids[i] || r.Status != "Updated" || r.Success == nil || !*r.Success || r.Action != "update" {
					t.Fatalf("update result %d: %+v", i, r)
				}
			}
			for _, id := range created {
				u, err := c.GetUser(ctx, id)
				must(t, "GetUser", err)
				want := []string{"bulk", "updated"}
				if id == created[2] {
					want = nil
				}
				if !slices.Equal(u.Tags, want) {
					t.Fatalf("user %d tags %v, want %v", id, u.Tags, want)
				}
			}
			// The per-record form: {"users":[{id,...}]}.
			body, err = c.Put(ctx, "/users/update_many.json", map[string]any{"users": []map[string]any{
				{"id": created[0], "name": "Bulk One Renamed"}, {"id": created[2], "name": "Bulk Three Renamed"}}})
			must(t, "PUT users/update_many (per record)", err)
			done = waitJob(t, c, queuedJob(t, "users update_many per record", body))
			if len(done.Results) != 2 || done.Results[0].Status != "Updated" || done.Results[1].Status != "Updated" {
				t.Fatalf("per-record update results: %+v", done.Results)
			}
			u, err := c.GetUser(ctx, created[2])
			must(t, "GetUser", err)
			if u.Name != "Bulk Three Renamed" {
				t.Fatalf("per-record update: %+v", u)
			}
		})

		t.Run("users destroy_many", func(t *testing.T) {
			if len(created) != 3 {
				t.Fatal("needs the 3 users of create_many, which did not all get created (see the create_many subtest)")
			}
			// Zendesk answers destroy_many with 200 and a job status;
			// go-zendesk's Delete wants 204, so this goes out raw.
			r := do(t, s, s.Default, http.MethodDelete, "/api/v2/users/destroy_many.json?ids="+joinIDs(created[0], created[2]), nil)
			if r.Status != http.StatusOK {
				t.Fatalf("destroy_many: %d %s", r.Status, r.Body)
			}
			done := waitJob(t, c, queuedJob(t, "users destroy_many", r.Body))
			for i, res := range done.Results {
				if res.ID != []int64{created[0], created[2]}[i] || res.Status != "Deleted" || res.Success == nil || !*res.Success {
					t.Fatalf("destroy result %d: %+v", i, res)
				}
			}
			for _, id := range created {
				u, err := c.GetUser(ctx, id)
				must(t, "GetUser", err)
				if u.Active != (id == created[1]) {
					t.Fatalf("user %d active=%v after destroy_many", id, u.Active)
				}
			}
			us, _, err := c.GetUsers(ctx, nil)
			must(t, "GetUsers", err)
			for _, u := range us {
				if u.ID == created[0] || u.ID == created[2] {
					t.Fatalf("deleted user %d still listed", u.ID)
				}
			}
			r = do(t, s, s.Default, http.MethodDelete, "/api/v2/users/destroy_many.json?ids="+joinIDs(make101()...), nil)
			if r.Status != http.StatusBadRequest || !strings.Contains(string(r.Body), `"TooManyValues"`) {
				t.Fatalf("destroy_many 101 ids: %d %s", r.Status, r.Body)
			}
		})

		t.Run("job_statuses list", func(t *testing.T) {
			var out struct {
				JobStatuses []jobStatus `json:"job_statuses"`
			}
			rawGet(t, c, "/job_statuses.json", &out)
			if len(out.JobStatuses) < 5 {
				t.Fatalf("job_statuses: %d", len(out.JobStatuses))
			}
			for _, js := range out.JobStatuses {
				if !strings.HasPrefix(js.ID, "V3-") || js.Status != "completed" {
					t.Fatalf("job status %+v", js)
				}
			}
			_, err := c.Get(ctx, "/job_statuses/V3-doesnotexist.json")
			zdError(t, "unknown job status", err, http.StatusNotFound)
		})
	})
}

func make101() []int64 {
	ids := make([]int64, 101)
	for i := range ids {
		ids[i] = int64(i + 1)
	}
	return ids
}
