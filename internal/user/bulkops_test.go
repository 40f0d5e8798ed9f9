package user_test

import (
	"encoding/json"
	"fmt"
	"testing"

	"github.com/google/go-cmp/cmp"

	"parley/internal/auth"
	"parley/internal/platform/db"
	"parley/internal/platform/db/dbtest"
	"parley/internal/platform/errs"
	"parley/internal/platform/opt"
	"parley/internal/user"
)

// anyID stands for a generated id in expected bulk results.
const anyID = "<id>"

// normIDs replaces positive ids of results that want anyID.
func normIDs(want, got []map[string]any) []map[string]any {
	out := make([]map[string]any, len(got))
	for i, r := range got {
		c := map[string]any{}
		for k, v := range r {
			c[k] = v
		}
		if i < len(want) && want[i]["id"] == anyID {
			if n, ok := c["id"].(float64); ok && n > 0 {
				c["id"] = anyID
			}
		}
		out[i] = c
	}
	return out
}

func TestBulkCreateUsers(t *testing.T) {
	t.Parallel()
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		e := newEnv(t, d)
		before, _, _, err := e.svc.ListUsers(e.admin, user.Filter{}, db.Page{Limit: 100})
		if err != nil {
			t.Fatal(err)
		}
		res := e.runBulk(t, e.admin, user.OpUsersCreate,
			`{"name": "Bulk One", "email": "one@bulk.example", "tags": ["A b"]}`,
			// The user row is written before the clashing identity fails:
			// the record's transaction must take both back.
			`{"name": "Bulk Two", "email": "two@bulk.example", "identities": [{"type": "email", "value": "OWNER@acme.example"}]}`,
			`{"name": "", "email": "blank@bulk.example"}`,
			`{"name": 5}`,
			// The address item 1 tried to take is still free.
			`{"name": "Bulk Three", "email": "two@bulk.example", "role": "agent"}`,
		)
		want := []map[string]any{
			{"index": 0.0, "id": anyID, "status": "Created", "email": "one@bulk.example"},
			{"index": 1.0, "success": false, "error": "RecordInvalid",
				"details": "Email: OWNER@acme.example is already being used by another user"},
			{"index": 2.0, "success": false, "error": "RecordInvalid", "details": "Name: cannot be blank"},
			{"index": 3.0, "success": false, "error": "RecordInvalid",
				"details": "The record is not valid JSON for this call: json: cannot unmarshal number into Go struct field Input.name of type string"},
			{"index": 4.0, "id": anyID, "status": "Created", "email": "two@bulk.example"},
		}
		if diff := cmp.Diff(want, normIDs(want, res)); diff != "" {
			t.Errorf("results (-want +got):\n%s", diff)
		}

		after, _, _, err := e.svc.ListUsers(e.admin, user.Filter{}, db.Page{Limit: 100})
		if err != nil {
			t.Fatal(err)
		}
		if diff := cmp.Diff(append(names(before), "Bulk One", "Bulk Three"), names(after)); diff != "" {
			t.Errorf("users after the job (-want +got):\n%s", diff)
		}
		for _, u := range after {
			switch u.Name {
			case "Bulk One":
				if u.ID != int64(res[0]["id"].(float64)) || !cmp.Equal([]string{"a", "b"}, u.Tags) {
					t.Errorf("Bulk One: id %d tags %v; result %v", u.ID, u.Tags, res[0])
				}
			case "Bulk Three":
				if u.Role != auth.RoleAgent || u.DefaultGroupID == nil || *u.DefaultGroupID != e.support {
					t.Errorf("Bulk Three: role %s default group %v", u.Role, u.DefaultGroupID)
				}
			}
		}
		owner, err := e.svc.ListIdentities(e.admin, e.owner, nil)
		if err != nil || len(owner) != 1 || owner[0].Value != "owner@acme.example" {
			t.Errorf("owner identities = %v, %v", identViews(owner), err)
		}
	})
}

func TestBulkUpdateUsers(t *testing.T) {
	t.Parallel()
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		e := newEnv(t, d)
		u1 := e.endUser(t, "One", "one@example.com")
		u2 := mustUser(t, e.admin, e.svc, user.Input{Name: opt.Of("Two"), Email: opt.Of("two@example.com"),
			Tags: opt.Of([]string{"keep"})})
		res := e.runBulk(t, e.admin, user.OpUsersUpdate,
			fmt.Sprintf(`{"id": %d, "name": "One Renamed", "tags": ["new"]}`, u1.ID),
			// Name and tags are written before the email clashes: the
			// failed record must change nothing.
			fmt.Sprintf(`{"id": %d, "name": "Half Done", "tags": ["half"], "email": "owner@acme.example"}`, u2.ID),
			`{"name": "No Id"}`,
			`{"id": 999999, "name": "Nobody"}`,
		)
		type result struct {
			Index   float64
			ID      float64
			Status  string
			Success bool
			Failed  bool // has errors or error
		}
		var got []result
		for _, r := range res {
			id, _ := r["id"].(float64)
			st, _ := r["status"].(string)
			ok, _ := r["success"].(bool)
			_, e1 := r["errors"]
			_, e2 := r["error"]
			got = append(got, result{r["index"].(float64), id, st, ok, e1 || e2})
		}
		want := []result{
			{0, float64(u1.ID), "Updated", true, false},
			{1, float64(u2.ID), "Failed", false, true},
			{2, 0, "", false, true},
			{3, 999999, "Failed", false, true},
		}
		if diff := cmp.Diff(want, got); diff != "" {
			t.Errorf("results (-want +got):\n%s\nraw: %v", diff, res)
		}
		if got := e.mustGet(t, u1.ID); got.Name != "One Renamed" || !cmp.Equal([]string{"new"}, got.Tags) {
			t.Errorf("updated user: %q %v", got.Name, got.Tags)
		}
		if diff := cmp.Diff(view(u2), view(e.mustGet(t, u2.ID))); diff != "" {
			t.Errorf("the failed record changed its user (-before +after):\n%s", diff)
		}
		is, _ := e.svc.ListIdentities(e.admin, u2.ID, nil)
		if diff := cmp.Diff([]identView{{"email", "two@example.com", true, false}}, identViews(is)); diff != "" {
			t.Errorf("the failed record changed identities (-want +got):\n%s", diff)
		}
	})
}

func TestBulkDestroyUsers(t *testing.T) {
	t.Parallel()
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		e := newEnv(t, d)
		u := e.endUser(t, "Doomed", "doomed@example.com")
		agent := e.agent(t, "Agnes", "agnes@acme.example", auth.RoleAgent)
		res := e.runBulk(t, e.admin, user.OpUsersDestroy,
			fmt.Sprint(u.ID), fmt.Sprint(e.owner), `"abc"`, "999999")
		want := []map[string]any{
			{"index": 0.0, "id": float64(u.ID), "action": "delete", "status": "Deleted", "success": true},
			{"index": 1.0, "success": false, "error": "RecordInvalid", "details": "The account owner cannot be deleted"},
			{"index": 2.0, "success": false, "error": "RecordInvalid", "details": "The id is not valid"},
			{"index": 3.0, "success": false, "error": "RecordNotFound", "details": "Not found"},
		}
		if diff := cmp.Diff(want, res); diff != "" {
			t.Errorf("results (-want +got):\n%s", diff)
		}
		if got := e.mustGet(t, u.ID); got.Active || got.DeletedAt == nil {
			t.Errorf("destroyed user: active %v deleted_at %v", got.Active, got.DeletedAt)
		}
		if got := e.mustGet(t, e.owner); !got.Active {
			t.Errorf("the owner was deleted")
		}
		_, err := e.svc.StartBulk(e.as(t, agent.ID), user.OpUsersDestroy, []json.RawMessage{json.RawMessage("1")})
		wantKind(t, err, errs.Forbidden)
		if n := len(e.queue.args); n != 1 {
			t.Errorf("%d jobs enqueued, want only the admin's", n)
		}
	})
}

func TestBulkAsAgent(t *testing.T) {
	t.Parallel()
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		e := newEnv(t, d)
		agent := e.agent(t, "Agnes", "agnes@acme.example", auth.RoleAgent)
		res := e.runBulk(t, e.as(t, agent.ID), user.OpUsersCreate,
			`{"name": "Customer", "email": "customer@example.com"}`,
			`{"name": "Would-be Agent", "email": "wba@acme.example", "role": "agent"}`,
		)
		want := []map[string]any{
			{"index": 0.0, "id": anyID, "status": "Created", "email": "customer@example.com"},
			{"index": 1.0, "success": false, "error": "RecordInvalid", "details": "Only admins can create agents and admins"},
		}
		if diff := cmp.Diff(want, normIDs(want, res)); diff != "" {
			t.Errorf("results (-want +got):\n%s", diff)
		}
		if us, _, _, _ := e.svc.ListUsers(e.admin, user.Filter{Query: "email:wba@acme.example"}, db.Page{Limit: 10}); len(us) != 0 {
			t.Errorf("the refused record created %v", names(us))
		}
	})
}

func TestBulkMemberships(t *testing.T) {
	t.Parallel()
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		e := newEnv(t, d)
		org := e.mustOrg(t, user.OrgInput{Name: opt.Of("Org")})
		end := e.endUser(t, "Eve", "eve@example.com")
		agent := e.agent(t, "Agnes", "agnes@acme.example", auth.RoleAgent)
		sales := e.mustGroup(t, "Sales")

		res := e.runBulk(t, e.admin, user.OpOMCreate,
			fmt.Sprintf(`{"user_id": %d, "organization_id": %d}`, end.ID, org.ID),
			fmt.Sprintf(`{"user_id": %d, "organization_id": %d}`, end.ID, org.ID),
			fmt.Sprintf(`{"user_id": %d, "organization_id": 999999}`, end.ID),
		)
		want := []map[string]any{
			{"index": 0.0, "id": anyID, "status": "Created"},
			{"index": 1.0, "success": false, "error": "RecordInvalid", "details": "User: is already a member of this organization"},
			{"index": 2.0, "success": false, "error": "RecordInvalid", "details": "Organization: does not exist"},
		}
		if diff := cmp.Diff(want, normIDs(want, res)); diff != "" {
			t.Errorf("organization membership results (-want +got):\n%s", diff)
		}
		if diff := cmp.Diff([]omView{{"Org", true}}, e.orgMemberships(t, end.ID)); diff != "" {
			t.Errorf("memberships (-want +got):\n%s", diff)
		}

		res = e.runBulk(t, e.admin, user.OpGMCreate,
			fmt.Sprintf(`{"user_id": %d, "group_id": %d}`, agent.ID, sales.ID),
			fmt.Sprintf(`{"user_id": %d, "group_id": %d}`, end.ID, sales.ID),
		)
		want = []map[string]any{
			{"index": 0.0, "id": anyID, "status": "Created"},
			{"index": 1.0, "success": false, "error": "RecordInvalid", "details": "User: only agents can be group members"},
		}
		if diff := cmp.Diff(want, normIDs(want, res)); diff != "" {
			t.Errorf("group membership results (-want +got):\n%s", diff)
		}
		gmID := res[0]["id"].(float64)

		res = e.runBulk(t, e.admin, user.OpGMDestroy, fmt.Sprint(gmID), fmt.Sprint(gmID))
		want = []map[string]any{
			{"index": 0.0, "id": gmID, "action": "delete", "status": "Deleted", "success": true},
			{"index": 1.0, "success": false, "error": "RecordNotFound", "details": "Not found"},
		}
		if diff := cmp.Diff(want, res); diff != "" {
			t.Errorf("group membership destroy results (-want +got):\n%s", diff)
		}
		if diff := cmp.Diff([]gmView{{e.support, true}}, e.groupMemberships(t, agent.ID)); diff != "" {
			t.Errorf("group memberships (-want +got):\n%s", diff)
		}
	})
}
