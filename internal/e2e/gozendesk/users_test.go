package gozendesk_test

import (
	"context"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/nukosuke/go-zendesk/zendesk"

	"parley/internal/app/apptest"
)

// defaultGroup returns the account's default group (every account has one).
func defaultGroup(t *testing.T, c *zendesk.Client) zendesk.Group {
	t.Helper()
	gs, _, err := c.GetGroups(context.Background(), nil)
	must(t, "GetGroups", err)
	for _, g := range gs {
		if g.Default {
			return g
		}
	}
	t.Fatalf("no default group among %+v", gs)
	return zendesk.Group{}
}

// checkUser compares the fields a test cares about.
func checkUser(t *testing.T, what string, got, want zendesk.User) {
	t.Helper()
	type view struct {
		ID                                  int64
		Name, Email, Role, ExternalID       string
		Active, Verified, Suspended         bool
		OrganizationID, DefaultGroupID      int64
		RoleType                            int64
		TicketRestriction, Locale, Timezone string
		Tags                                []string
		Plan                                any
	}
	v := func(u zendesk.User) view {
		return view{ID: u.ID, Name: u.Name, Email: u.Email, Role: u.Role, ExternalID: u.ExternalID, Active: u.Active,
			Verified: u.Verified, Suspended: u.Suspended, OrganizationID: u.OrganizationID, DefaultGroupID: u.DefaultGroupID,
			RoleType: u.RoleType, TicketRestriction: u.TicketRestriction, Locale: u.Locale, Timezone: u.Timezone,
			Tags: u.Tags, Plan: u.UserFields["plan"]}
	}
	g, w := v(got), v(want)
	if g.Tags == nil {
		g.Tags = []string{}
	}
	if w.Tags == nil {
		w.Tags = []string{}
	}
	if g.ID != w.ID || g.Name != w.Name || g.Email != w.Email || g.Role != w.Role || g.ExternalID != w.ExternalID ||
		g.Active != w.Active || g.Verified != w.Verified || g.Suspended != w.Suspended || g.OrganizationID != w.OrganizationID ||
		g.DefaultGroupID != w.DefaultGroupID || g.RoleType != w.RoleType || g.TicketRestriction != w.TicketRestriction ||
		g.Locale != w.Locale || g.Timezone != w.Timezone || !slices.Equal(g.Tags, w.Tags) || g.Plan != w.Plan {
		t.Fatalf("%s:\n got  %+v\n want %+v", what, g, w)
	}
	if got.ID != 0 {
		wantURL(t, what, got.URL, "/api/v2/users/"+strconv.FormatInt(got.ID, 10)+".json")
	}
	if got.CreatedAt.IsZero() || time.Since(got.CreatedAt) > time.Hour || got.UpdatedAt.Before(got.CreatedAt) {
		t.Fatalf("%s: created_at %v updated_at %v", what, got.CreatedAt, got.UpdatedAt)
	}
}

func TestUsers(t *testing.T) {
	apptest.Each(t, func(t *testing.T, s *apptest.Server) {
		ctx := context.Background()
		c := client(t, s)
		support := defaultGroup(t, c)

		// A custom user field, so user_fields has something to carry.
		var field struct {
			UserField struct {
				ID  int64  `json:"id"`
				Key string `json:"key"`
			} `json:"user_field"`
		}
		rawPost(t, c, "/user_fields.json", map[string]any{"user_field": map[string]any{"type": "text", "key": "plan", "title": "Plan"}}, &field)
		if field.UserField.ID == 0 || field.UserField.Key != "plan" {
			t.Fatalf("user field: %+v", field)
		}

		owner, err := c.GetUser(ctx, s.Default.OwnerID)
		must(t, "GetUser owner", err)
		checkUser(t, "owner", owner, zendesk.User{ID: s.Default.OwnerID, Name: owner.Name, Email: s.Default.Email, Role: "admin",
			RoleType: 4, Active: true, Verified: true, DefaultGroupID: support.ID, Locale: "en-US", Timezone: "UTC"})

		ada, err := c.CreateUser(ctx, zendesk.User{Name: "Ada Lovelace", Email: "ada@example.org", Role: "end-user",
			Tags: []string{"VIP", "analytical"}, ExternalID: "ext-ada", UserFields: zendesk.UserFields{"plan": "gold"}})
		must(t, "CreateUser ada", err)
		adaWant := zendesk.User{ID: ada.ID, Name: "Ada Lovelace", Email: "ada@example.org", Role: "end-user",
			ExternalID: "ext-ada", Active: true, TicketRestriction: "requested", Locale: "en-US", Timezone: "UTC",
			Tags: []string{"analytical", "vip"}, UserFields: zendesk.UserFields{"plan": "gold"}}
		checkUser(t, "CreateUser end-user", ada, adaWant)

		grace, err := c.CreateUser(ctx, zendesk.User{Name: "Grace Hopper", Email: "grace@example.org", Role: "agent"})
		must(t, "CreateUser grace", err)
		graceWant := zendesk.User{ID: grace.ID, Name: "Grace Hopper", Email: "grace@example.org", Role: "agent", Active: true,
			DefaultGroupID: support.ID, Locale: "en-US", Timezone: "UTC"}
		checkUser(t, "CreateUser agent", grace, graceWant)
		if v, ok := grace.UserFields["plan"]; !ok || v != nil {
			t.Fatalf("agent user_fields %v: want plan:null", grace.UserFields)
		}

		bob, err := c.CreateUser(ctx, zendesk.User{Name: "Bob Builder", Email: "bob@example.org", ExternalID: "ext-bob"})
		must(t, "CreateUser bob", err)
		if bob.Role != "end-user" || bob.ExternalID != "ext-bob" {
			t.Fatalf("CreateUser without role: %+v", bob)
		}
		var extra []zendesk.User
		for _, n := range []string{"Dan", "Eve", "Fay"} {
			u, err := c.CreateUser(ctx, zendesk.User{Name: n + " Example", Email: strings.ToLower(n) + "@example.org"})
			must(t, "CreateUser "+n, err)
			extra = append(extra, u)
		}
		all := append([]int64{owner.ID, ada.ID, grace.ID, bob.ID}, userIDs(extra)...)

		t.Run("GetUser", func(t *testing.T) {
			got, err := c.GetUser(ctx, ada.ID)
			must(t, "GetUser", err)
			checkUser(t, "GetUser", got, adaWant)
			if !got.CreatedAt.Equal(ada.CreatedAt) {
				t.Fatalf("created_at %v, create said %v", got.CreatedAt, ada.CreatedAt)
			}
		})

		t.Run("UpdateUser", func(t *testing.T) {
			got, err := c.UpdateUser(ctx, ada.ID, zendesk.User{Name: "Ada King", Tags: []string{"Countess", "vip"}})
			must(t, "UpdateUser", err)
			adaWant.Name, adaWant.Tags = "Ada King", []string{"countess", "vip"}
			// go-zendesk sends "user_fields":null and no external_id: both stay.
			checkUser(t, "UpdateUser", got, adaWant)
			again, err := c.GetUser(ctx, ada.ID)
			must(t, "GetUser after update", err)
			checkUser(t, "GetUser after update", again, adaWant)
		})

		t.Run("UpdateUser role by admin", func(t *testing.T) {
			got, err := c.UpdateUser(ctx, bob.ID, zendesk.User{Name: bob.Name, Role: "agent"})
			must(t, "UpdateUser bob agent", err)
			checkUser(t, "end-user promoted to agent", got, zendesk.User{ID: bob.ID, Name: bob.Name, Email: bob.Email,
				Role: "agent", ExternalID: "ext-bob", Active: true, DefaultGroupID: support.ID, Locale: "en-US", Timezone: "UTC"})
			got, err = c.UpdateUser(ctx, grace.ID, zendesk.User{Name: grace.Name, Role: "admin"})
			must(t, "UpdateUser grace admin", err)
			graceWant.Role, graceWant.RoleType = "admin", 4
			checkUser(t, "agent promoted to admin", got, graceWant)
		})

		t.Run("GetUsers role filters", func(t *testing.T) {
			cases := []struct {
				opts *zendesk.UserListOptions
				want []int64
			}{
				{nil, all},
				{&zendesk.UserListOptions{Role: "end-user"}, append([]int64{ada.ID}, userIDs(extra)...)},
				{&zendesk.UserListOptions{Role: "agent"}, []int64{bob.ID}},
				{&zendesk.UserListOptions{Role: "admin"}, []int64{owner.ID, grace.ID}},
				{&zendesk.UserListOptions{Roles: []string{"agent", "admin"}}, []int64{owner.ID, grace.ID, bob.ID}},
			}
			for _, tc := range cases {
				us, page, err := c.GetUsers(ctx, tc.opts)
				must(t, "GetUsers", err)
				what := "GetUsers role=" + roleOf(tc.opts)
				sameIDs(t, what, idSet(t, what, us, userID), tc.want...)
				if page.Count != int64(len(tc.want)) || page.HasNext() || page.HasPrev() {
					t.Fatalf("%s: page %+v, want count %d and no next/previous", what, page, len(tc.want))
				}
				for _, u := range us {
					if r := roleOf(tc.opts); r != "" && !strings.Contains(r, u.Role) {
						t.Fatalf("%s: user %d has role %s", what, u.ID, u.Role)
					}
				}
			}
		})

		t.Run("GetUsersOBP pages", func(t *testing.T) {
			var seen []zendesk.User
			for n := 1; ; n++ {
				us, page, err := c.GetUsersOBP(ctx, &zendesk.OBPOptions{PageOptions: zendesk.PageOptions{Page: n, PerPage: 2}})
				must(t, "GetUsersOBP page "+strconv.Itoa(n), err)
				if page.Count != int64(len(all)) {
					t.Fatalf("page %d: count %d, want %d", n, page.Count, len(all))
				}
				if (n == 1) == page.HasPrev() {
					t.Fatalf("page %d: previous_page %v", n, page.PreviousPage)
				}
				last := n*2 >= len(all)
				if last {
					if len(us) != len(all)-(n-1)*2 || page.HasNext() {
						t.Fatalf("last page %d: %d users, next_page %v", n, len(us), page.NextPage)
					}
				} else {
					if len(us) != 2 || !page.HasNext() || !strings.Contains(*page.NextPage, "page="+strconv.Itoa(n+1)) {
						t.Fatalf("page %d: %d users, next_page %v", n, len(us), page.NextPage)
					}
				}
				if n > 1 && !strings.Contains(*page.PreviousPage, "page="+strconv.Itoa(n-1)) {
					t.Fatalf("page %d: previous_page %s", n, *page.PreviousPage)
				}
				seen = append(seen, us...)
				if !page.HasNext() {
					break
				}
				if n > len(all) {
					t.Fatalf("more pages than users")
				}
			}
			sameIDs(t, "OBP union", idSet(t, "OBP union", seen, userID), all...)
		})

		t.Run("GetUsersCBP pages", func(t *testing.T) {
			walk := func(common zendesk.CommonOptions) []zendesk.User {
				var seen []zendesk.User
				after := ""
				for n := 1; ; n++ {
					us, meta, err := c.GetUsersCBP(ctx, &zendesk.CBPOptions{CommonOptions: common,
						CursorPagination: zendesk.CursorPagination{PageSize: 2, PageAfter: after}})
					must(t, "GetUsersCBP page "+strconv.Itoa(n), err)
					if len(us) == 0 || len(us) > 2 {
						t.Fatalf("cursor page %d: %d users", n, len(us))
					}
					if meta.AfterCursor == "" || meta.BeforeCursor == "" || meta.AfterCursor == after {
						t.Fatalf("cursor page %d: meta %+v", n, meta)
					}
					seen = append(seen, us...)
					if !meta.HasMore {
						break
					}
					if n > len(all) {
						t.Fatalf("more cursor pages than users")
					}
					after = meta.AfterCursor
				}
				return seen
			}
			seen := walk(zendesk.CommonOptions{})
			sameIDs(t, "CBP union", idSet(t, "CBP union", seen, userID), all...)
			ends := walk(zendesk.CommonOptions{Role: "end-user"})
			sameIDs(t, "CBP end-users", idSet(t, "CBP end-users", ends, userID), append([]int64{ada.ID}, userIDs(extra)...)...)
		})

		t.Run("GetUsersIterator", func(t *testing.T) {
			for _, cbp := range []bool{true, false} {
				it := c.GetUsersIterator(ctx, &zendesk.PaginationOptions{PageSize: 2, IsCBP: cbp})
				var seen []zendesk.User
				pages := 0
				for it.HasMore() {
					us, err := it.GetNext()
					must(t, "iterator GetNext", err)
					seen = append(seen, us...)
					if pages++; pages > len(all) {
						t.Fatalf("iterator (cbp=%v) does not stop", cbp)
					}
				}
				what := "iterator cbp=" + strconv.FormatBool(cbp)
				sameIDs(t, what, idSet(t, what, seen, userID), all...)
				if pages != (len(all)+1)/2 {
					t.Fatalf("%s: %d pages, want %d", what, pages, (len(all)+1)/2)
				}
			}
		})

		t.Run("GetManyUsers", func(t *testing.T) {
			us, page, err := c.GetManyUsers(ctx, &zendesk.GetManyUsersOptions{IDs: joinIDs(ada.ID, bob.ID, 987654321)})
			must(t, "GetManyUsers ids", err)
			sameIDs(t, "show_many ids", idSet(t, "show_many ids", us, userID), ada.ID, bob.ID)
			if page.Count != 2 {
				t.Fatalf("show_many ids: count %d", page.Count)
			}
			us, _, err = c.GetManyUsers(ctx, &zendesk.GetManyUsersOptions{ExternalIDs: "ext-ada,EXT-BOB,ext-nobody"})
			must(t, "GetManyUsers external_ids", err)
			sameIDs(t, "show_many external_ids", idSet(t, "show_many external_ids", us, userID), ada.ID, bob.ID)
			for _, u := range us {
				if u.ID == ada.ID && (u.Name != adaWant.Name || u.UserFields["plan"] != "gold") {
					t.Fatalf("show_many: %+v", u)
				}
			}
		})

		t.Run("SearchUsers", func(t *testing.T) {
			us, page, err := c.SearchUsers(ctx, &zendesk.SearchUsersOptions{ExternalIDs: "EXT-ADA"})
			must(t, "SearchUsers external_id", err)
			sameIDs(t, "search external_id", idSet(t, "search external_id", us, userID), ada.ID)
			if page.Count != 1 || us[0].Email != "ada@example.org" {
				t.Fatalf("search external_id: %+v %+v", us, page)
			}
			us, _, err = c.SearchUsers(ctx, &zendesk.SearchUsersOptions{Query: "bob@example.org"})
			must(t, "SearchUsers query email", err)
			sameIDs(t, "search email", idSet(t, "search email", us, userID), bob.ID)
			us, _, err = c.SearchUsers(ctx, &zendesk.SearchUsersOptions{Query: "email:grace@example.org"})
			must(t, "SearchUsers query email:", err)
			sameIDs(t, "search email:", idSet(t, "search email:", us, userID), grace.ID)
			us, _, err = c.SearchUsers(ctx, &zendesk.SearchUsersOptions{Query: "nobody-at-all@example.org"})
			must(t, "SearchUsers no match", err)
			if len(us) != 0 {
				t.Fatalf("search no match: %+v", us)
			}
		})

		t.Run("CreateOrUpdateUser", func(t *testing.T) {
			got, err := c.CreateOrUpdateUser(ctx, zendesk.User{Name: "Eve Renamed", Email: "EVE@example.org"})
			must(t, "CreateOrUpdateUser update", err)
			if got.ID != extra[1].ID || got.Name != "Eve Renamed" || got.Email != "eve@example.org" || got.Role != "end-user" {
				t.Fatalf("create_or_update (existing email): %+v, want id %d renamed", got, extra[1].ID)
			}
			got, err = c.CreateOrUpdateUser(ctx, zendesk.User{Name: "Ada Matched", ExternalID: "ext-ada"})
			must(t, "CreateOrUpdateUser by external_id", err)
			if got.ID != ada.ID || got.Name != "Ada Matched" || got.Email != "ada@example.org" {
				t.Fatalf("create_or_update (external_id): %+v", got)
			}
			created, err := c.CreateOrUpdateUser(ctx, zendesk.User{Name: "Gus Fresh", Email: "gus@example.org", Tags: []string{"new"}})
			must(t, "CreateOrUpdateUser create", err)
			if created.ID == 0 || slices.Contains(all, created.ID) || created.Name != "Gus Fresh" || created.Email != "gus@example.org" ||
				created.Role != "end-user" || !slices.Equal(created.Tags, []string{"new"}) {
				t.Fatalf("create_or_update (new): %+v", created)
			}
			// The status tells the two paths apart: 200 updated, 201 created.
			r := do(t, s, s.Default, http.MethodPost, "/api/v2/users/create_or_update.json",
				map[string]any{"user": map[string]any{"name": "Gus Again", "email": "gus@example.org"}})
			if r.Status != http.StatusOK {
				t.Fatalf("create_or_update existing: %d %s", r.Status, r.Body)
			}
			r = do(t, s, s.Default, http.MethodPost, "/api/v2/users/create_or_update.json",
				map[string]any{"user": map[string]any{"name": "Hal New", "email": "hal@example.org"}})
			if r.Status != http.StatusCreated || !strings.HasSuffix(r.Header.Get("Location"), ".json") {
				t.Fatalf("create_or_update new: %d %s (Location %q)", r.Status, r.Body, r.Header.Get("Location"))
			}
		})

		t.Run("GetUserRelated", func(t *testing.T) {
			rel, err := c.GetUserRelated(ctx, ada.ID)
			must(t, "GetUserRelated", err)
			if rel != (zendesk.UserRelated{}) {
				t.Fatalf("user_related for a user without tickets: %+v", rel)
			}
			_, err = c.GetUserRelated(ctx, 987654321)
			zdError(t, "GetUserRelated unknown", err, http.StatusNotFound)
		})

		t.Run("delete", func(t *testing.T) {
			dan := extra[0]
			// Zendesk answers DELETE /users/{id} with 200 and the user, which
			// go-zendesk's generic Delete (204 only) cannot take.
			r := do(t, s, s.Default, http.MethodDelete, "/api/v2/users/"+strconv.FormatInt(dan.ID, 10)+".json", nil)
			if r.Status != http.StatusOK {
				t.Fatalf("DELETE user: %d %s", r.Status, r.Body)
			}
			u := r.JSON(t)["user"].(map[string]any)
			if u["id"] != float64(dan.ID) || u["active"] != false {
				t.Fatalf("DELETE user body: %s", r.Body)
			}
			got, err := c.GetUser(ctx, dan.ID)
			must(t, "GetUser deleted", err)
			if got.ID != dan.ID || got.Active {
				t.Fatalf("deleted user: %+v", got)
			}
			us, _, err := c.GetManyUsers(ctx, &zendesk.GetManyUsersOptions{IDs: joinIDs(dan.ID, ada.ID)})
			must(t, "GetManyUsers after delete", err)
			for _, u := range us {
				if u.ID == dan.ID && u.Active {
					t.Fatalf("deleted user listed as active: %+v", u)
				}
			}
		})
	})
}

func roleOf(o *zendesk.UserListOptions) string {
	if o == nil {
		return ""
	}
	return strings.TrimSpace(o.Role + " " + strings.Join(o.Roles, " "))
}
