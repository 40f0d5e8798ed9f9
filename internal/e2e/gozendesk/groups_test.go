package gozendesk_test

import (
	"context"
	"net/http"
	"strconv"
	"strings"
	"testing"

	"github.com/nukosuke/go-zendesk/zendesk"

	"parley/internal/app/apptest"
)

func TestGroups(t *testing.T) {
	apptest.Each(t, func(t *testing.T, s *apptest.Server) {
		ctx := context.Background()
		c := client(t, s)
		support := defaultGroup(t, c)
		if support.Name == "" || support.Deleted {
			t.Fatalf("default group: %+v", support)
		}

		tier2, err := c.CreateGroup(ctx, zendesk.Group{Name: "Tier 2", Description: "Escalations"})
		must(t, "CreateGroup", err)
		if tier2.ID == 0 || tier2.Name != "Tier 2" || tier2.Description != "Escalations" || tier2.Default || tier2.Deleted ||
			tier2.CreatedAt.IsZero() {
			t.Fatalf("CreateGroup: %+v", tier2)
		}
		wantURL(t, "group", tier2.URL, "/api/v2/groups/"+strconv.FormatInt(tier2.ID, 10)+".json")
		billing, err := c.CreateGroup(ctx, zendesk.Group{Name: "Billing"})
		must(t, "CreateGroup billing", err)

		t.Run("GetGroups and GetGroup", func(t *testing.T) {
			gs, page, err := c.GetGroups(ctx, nil)
			must(t, "GetGroups", err)
			sameIDs(t, "GetGroups", idSet(t, "GetGroups", gs, groupID), support.ID, tier2.ID, billing.ID)
			if page.Count != 3 || page.HasNext() {
				t.Fatalf("GetGroups page %+v", page)
			}
			gs, page, err = c.GetGroups(ctx, &zendesk.GroupListOptions{PageOptions: zendesk.PageOptions{PerPage: 2}})
			must(t, "GetGroups per_page", err)
			if len(gs) != 2 || !page.HasNext() || page.Count != 3 {
				t.Fatalf("GetGroups per_page=2: %d %+v", len(gs), page)
			}
			var seen []zendesk.Group
			it := c.GetGroupsIterator(ctx, &zendesk.PaginationOptions{PageSize: 1, IsCBP: true})
			for it.HasMore() {
				gs, err := it.GetNext()
				must(t, "groups iterator", err)
				seen = append(seen, gs...)
			}
			sameIDs(t, "groups iterator", idSet(t, "groups iterator", seen, groupID), support.ID, tier2.ID, billing.ID)

			g, err := c.GetGroup(ctx, tier2.ID)
			must(t, "GetGroup", err)
			if g.ID != tier2.ID || g.Name != "Tier 2" || g.Description != "Escalations" || !g.CreatedAt.Equal(tier2.CreatedAt) {
				t.Fatalf("GetGroup: %+v", g)
			}
			_, err = c.GetGroup(ctx, 987654321)
			zdError(t, "GetGroup unknown", err, http.StatusNotFound)
		})

		t.Run("UpdateGroup", func(t *testing.T) {
			g, err := c.UpdateGroup(ctx, tier2.ID, zendesk.Group{Name: "Tier Two", Description: "Hard cases"})
			must(t, "UpdateGroup", err)
			if g.ID != tier2.ID || g.Name != "Tier Two" || g.Description != "Hard cases" || g.Default {
				t.Fatalf("UpdateGroup: %+v", g)
			}
			again, err := c.GetGroup(ctx, tier2.ID)
			must(t, "GetGroup after update", err)
			if again.Name != "Tier Two" || again.Description != "Hard cases" {
				t.Fatalf("GetGroup after update: %+v", again)
			}
		})

		agent, err := c.CreateUser(ctx, zendesk.User{Name: "Agent Smith", Email: "smith@example.org", Role: "agent"})
		must(t, "CreateUser agent", err)
		enduser, err := c.CreateUser(ctx, zendesk.User{Name: "End User", Email: "end@example.org"})
		must(t, "CreateUser end-user", err)
		type gmList struct {
			GroupMemberships []zendesk.GroupMembership `json:"group_memberships"`
			Count            *int64                    `json:"count"`
		}
		userGMs := func(t *testing.T) []zendesk.GroupMembership {
			t.Helper()
			var l gmList
			rawGet(t, c, "/users/"+strconv.FormatInt(agent.ID, 10)+"/group_memberships.json", &l)
			for _, m := range l.GroupMemberships {
				if m.UserID != agent.ID {
					t.Fatalf("user group memberships: %+v", l.GroupMemberships)
				}
			}
			return l.GroupMemberships
		}
		defaultGroupOf := func(t *testing.T, id int64) int64 {
			t.Helper()
			u, err := c.GetUser(ctx, id)
			must(t, "GetUser", err)
			return u.DefaultGroupID
		}

		var gm zendesk.GroupMembership
		t.Run("group memberships", func(t *testing.T) {
			ms := userGMs(t)
			if len(ms) != 1 || ms[0].GroupID != support.ID || !ms[0].Default {
				t.Fatalf("a new agent's memberships: %+v", ms)
			}
			var out struct {
				GroupMembership zendesk.GroupMembership `json:"group_membership"`
			}
			rawPost(t, c, "/group_memberships.json", map[string]any{"group_membership": map[string]any{
				"user_id": agent.ID, "group_id": tier2.ID}}, &out)
			gm = out.GroupMembership
			if gm.ID == 0 || gm.UserID != agent.ID || gm.GroupID != tier2.ID || gm.Default {
				t.Fatalf("created group membership: %+v", gm)
			}
			wantURL(t, "group membership", gm.URL, "/api/v2/group_memberships/"+strconv.FormatInt(gm.ID, 10)+".json")
			if ms := userGMs(t); len(ms) != 2 {
				t.Fatalf("memberships after create: %+v", ms)
			}

			byGroup, page, err := c.GetGroupMemberships(ctx, &zendesk.GroupMembershipListOptions{GroupID: tier2.ID})
			must(t, "GetGroupMemberships group_id", err)
			if len(byGroup) != 1 || byGroup[0].ID != gm.ID || page.Count != 1 {
				t.Fatalf("memberships of group %d: %+v", tier2.ID, byGroup)
			}
			all, page, err := c.GetGroupMemberships(ctx, nil)
			must(t, "GetGroupMemberships", err)
			// owner/support, agent/support, agent/tier2
			if len(all) != 3 || page.Count != 3 {
				t.Fatalf("all group memberships: %+v", all)
			}
			byUser, page, err := c.GetGroupMemberships(ctx, &zendesk.GroupMembershipListOptions{UserID: agent.ID})
			must(t, "GetGroupMemberships user_id", err)
			if len(byUser) != 2 || page.Count != 2 || byUser[0].UserID != agent.ID || byUser[1].UserID != agent.ID {
				t.Fatalf("memberships with user_id=%d: %+v", agent.ID, byUser)
			}
		})

		t.Run("make_default", func(t *testing.T) {
			var out struct {
				GroupMemberships []zendesk.GroupMembership `json:"group_memberships"`
			}
			rawPut(t, c, "/users/"+strconv.FormatInt(agent.ID, 10)+"/group_memberships/"+strconv.FormatInt(gm.ID, 10)+"/make_default.json", nil, &out)
			if len(out.GroupMemberships) != 2 {
				t.Fatalf("make_default answer: %+v", out)
			}
			for _, m := range out.GroupMemberships {
				if m.Default != (m.ID == gm.ID) {
					t.Fatalf("default flags after make_default: %+v", out.GroupMemberships)
				}
			}
			if got := defaultGroupOf(t, agent.ID); got != tier2.ID {
				t.Fatalf("default_group_id %d after make_default, want %d", got, tier2.ID)
			}
		})

		t.Run("delete membership", func(t *testing.T) {
			r := do(t, s, s.Default, http.MethodDelete, "/api/v2/group_memberships/"+strconv.FormatInt(gm.ID, 10)+".json", nil)
			if r.Status != http.StatusNoContent || len(r.Body) != 0 {
				t.Fatalf("DELETE group membership: %d %q", r.Status, r.Body)
			}
			ms := userGMs(t)
			if len(ms) != 1 || ms[0].GroupID != support.ID || !ms[0].Default {
				t.Fatalf("memberships after deleting the default one: %+v", ms)
			}
			if got := defaultGroupOf(t, agent.ID); got != support.ID {
				t.Fatalf("default_group_id %d after deleting the default membership, want %d", got, support.ID)
			}
			_, err := c.Get(ctx, "/group_memberships/"+strconv.FormatInt(gm.ID, 10)+".json")
			zdError(t, "GET deleted group membership", err, http.StatusNotFound)
		})

		t.Run("end-user cannot be a member", func(t *testing.T) {
			_, err := c.Post(ctx, "/group_memberships.json", map[string]any{"group_membership": map[string]any{
				"user_id": enduser.ID, "group_id": tier2.ID}})
			body := zdError(t, "end-user group membership", err, http.StatusUnprocessableEntity)
			if !strings.Contains(body, `"error":"RecordInvalid"`) || !strings.Contains(body, `"details"`) {
				t.Fatalf("422 body: %s", body)
			}
			byGroup, _, err := c.GetGroupMemberships(ctx, &zendesk.GroupMembershipListOptions{GroupID: tier2.ID})
			must(t, "GetGroupMemberships", err)
			if len(byGroup) != 0 {
				t.Fatalf("group has members after a refused create: %+v", byGroup)
			}
		})

		t.Run("DeleteGroup", func(t *testing.T) {
			must(t, "DeleteGroup", c.DeleteGroup(ctx, tier2.ID))
			_, err := c.GetGroup(ctx, tier2.ID)
			zdError(t, "GetGroup deleted", err, http.StatusNotFound)
			gs, _, err := c.GetGroups(ctx, nil)
			must(t, "GetGroups", err)
			sameIDs(t, "groups after delete", idSet(t, "groups after delete", gs, groupID), support.ID, billing.ID)
		})
	})
}
