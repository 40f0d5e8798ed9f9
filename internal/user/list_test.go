package user_test

import (
	"testing"

	"github.com/google/go-cmp/cmp"

	"parley/internal/auth"
	"parley/internal/platform/db"
	"parley/internal/platform/db/dbtest"
	"parley/internal/platform/opt"
	"parley/internal/user"
)

// people creates the users the list tests filter: the owner "Admin" plus
// the ones below. Names repeat on purpose so name order needs the id
// tie-breaker.
func people(t *testing.T, e *env) map[string]user.User {
	t.Helper()
	cust := e.mustOrg(t, user.OrgInput{Name: opt.Of("Customer Co"), DomainNames: opt.Of([]string{"customer.example"})})
	sales := e.mustGroup(t, "Sales")
	out := map[string]user.User{}
	for _, in := range []user.Input{
		{Name: opt.Of("Alice Agent"), Email: opt.Of("alice@acme.example"), Role: opt.Of("agent")},
		{Name: opt.Of("Bob Boss"), Email: opt.Of("bob@acme.example"), Role: opt.Of("admin")},
		{Name: opt.Of("Carol Customer"), Email: opt.Of("carol@customer.example"), ExternalID: opt.Of("EXT-1"),
			Tags: opt.Of([]string{"vip"})},
		{Name: opt.Of("Dan Smith"), Email: opt.Of("dan@other.example"), Tags: opt.Of([]string{"vip", "late"}),
			Phone: opt.Of("+1 555 0199")},
		{Name: opt.Of("Erin Smithers"), Email: opt.Of("erin@other.example")},
		{Name: opt.Of("Fred Goldsmith"), Email: opt.Of("fred@other.example")},
		{Name: opt.Of("Dan Smith"), Email: opt.Of("dan2@other.example")},
		{Name: opt.Of("100% Real_Name")},
	} {
		u := mustUser(t, e.admin, e.svc, in)
		key := u.Name
		if _, dup := out[key]; dup {
			key += " 2"
		}
		out[key] = u
	}
	if u := out["Carol Customer"]; u.OrganizationID == nil || *u.OrganizationID != cust.ID {
		t.Fatalf("Carol was not mapped into Customer Co")
	}
	if _, err := e.svc.CreateGroupMembership(e.admin, user.MembershipInput{UserID: opt.Of(out["Alice Agent"].ID),
		GroupID: opt.Of(sales.ID)}); err != nil {
		t.Fatal(err)
	}
	deleted := e.endUser(t, "Dan Smith Deleted", "deleted@other.example")
	if _, err := e.svc.DeleteUser(e.admin, deleted.ID); err != nil {
		t.Fatal(err)
	}
	return out
}

func sortValue(u user.User, sort string) any {
	if sort == "name" {
		return u.Name
	}
	return u.ID
}

func TestListUsersKeyset(t *testing.T) {
	t.Parallel()
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		e := newEnv(t, d)
		people(t, e)
		for _, tc := range []struct {
			sort string
			desc bool
		}{{"id", false}, {"id", true}, {"name", false}, {"name", true}} {
			name := tc.sort
			if tc.desc {
				name = "-" + name
			}
			t.Run(name, func(t *testing.T) {
				// The whole list in one page is the reference order.
				all, _, more, err := e.svc.ListUsers(e.admin, user.Filter{}, db.Page{Keyset: true, Limit: 100, Sort: tc.sort, Desc: tc.desc})
				if err != nil || more || len(all) != 9 {
					t.Fatalf("one page: %d users, more %v, %v; want 9 and no more", len(all), more, err)
				}
				for i := 1; i < len(all) && tc.sort == "id"; i++ {
					if (all[i].ID > all[i-1].ID) == tc.desc {
						t.Fatalf("ids out of order: %v", ids(all))
					}
				}
				for _, size := range []int{1, 2, 4} {
					// Forward with page[after] from the last row of each page.
					var fwd []user.User
					p := db.Page{Keyset: true, Limit: size, Sort: tc.sort, Desc: tc.desc}
					for pages := 0; ; pages++ {
						if pages > 20 {
							t.Fatalf("size %d: forward paging does not end", size)
						}
						us, _, more, err := e.svc.ListUsers(e.admin, user.Filter{}, p)
						if err != nil {
							t.Fatal(err)
						}
						if len(us) > size {
							t.Fatalf("size %d: page of %d", size, len(us))
						}
						fwd = append(fwd, us...)
						if !more {
							break
						}
						last := us[len(us)-1]
						p.After = &db.Key{V: sortValue(last, tc.sort), ID: last.ID}
					}
					if diff := cmp.Diff(ids(all), ids(fwd)); diff != "" {
						t.Errorf("size %d: forward walk (-want +got):\n%s", size, diff)
					}
					// Backward with page[before] from the first row of each
					// page, starting after the last row.
					last := all[len(all)-1]
					bwd := []user.User{last}
					p = db.Page{Keyset: true, Limit: size, Sort: tc.sort, Desc: tc.desc, Before: true,
						After: &db.Key{V: sortValue(last, tc.sort), ID: last.ID}}
					for pages := 0; ; pages++ {
						if pages > 20 {
							t.Fatalf("size %d: backward paging does not end", size)
						}
						us, _, more, err := e.svc.ListUsers(e.admin, user.Filter{}, p)
						if err != nil {
							t.Fatal(err)
						}
						bwd = append(append([]user.User{}, us...), bwd...)
						if !more {
							break
						}
						first := us[0]
						p.After = &db.Key{V: sortValue(first, tc.sort), ID: first.ID}
					}
					if diff := cmp.Diff(ids(all), ids(bwd)); diff != "" {
						t.Errorf("size %d: backward walk (-want +got):\n%s", size, diff)
					}
				}
			})
		}
	})
}

func TestListUsersOffset(t *testing.T) {
	t.Parallel()
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		e := newEnv(t, d)
		people(t, e)
		all, total, _, err := e.svc.ListUsers(e.admin, user.Filter{}, db.Page{Limit: 100})
		if err != nil || total != 9 || len(all) != 9 {
			t.Fatalf("all: %d users, total %d, %v", len(all), total, err)
		}
		var walked []user.User
		for page := 0; page*4 < 9; page++ {
			us, total, _, err := e.svc.ListUsers(e.admin, user.Filter{}, db.Page{Limit: 4, Offset: page * 4})
			if err != nil {
				t.Fatal(err)
			}
			if total != 9 {
				t.Errorf("page %d total = %d, want 9", page, total)
			}
			walked = append(walked, us...)
		}
		if diff := cmp.Diff(ids(all), ids(walked)); diff != "" {
			t.Errorf("offset walk (-want +got):\n%s", diff)
		}
		us, total, _, err := e.svc.ListUsers(e.admin, user.Filter{Roles: []auth.Role{auth.RoleEndUser}}, db.Page{Limit: 2, Offset: 2})
		if err != nil || total != 6 || len(us) != 2 {
			t.Errorf("end users page 2: %d users, total %d, %v; want 2 of 6", len(us), total, err)
		}
		n, err := e.svc.CountUsers(e.admin, user.Filter{Roles: []auth.Role{auth.RoleEndUser}})
		if err != nil || n != 6 {
			t.Errorf("CountUsers(end users) = %d, %v; want 6", n, err)
		}
	})
}

func TestListUsersFilters(t *testing.T) {
	t.Parallel()
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		e := newEnv(t, d)
		p := people(t, e)
		orgs, _, _, err := e.svc.ListOrganizations(e.admin, user.OrgFilter{Name: "customer co"}, db.Page{Limit: 1})
		if err != nil || len(orgs) != 1 {
			t.Fatalf("Customer Co: %v %v", orgs, err)
		}
		gs, _, _, err := e.svc.ListGroups(e.admin, user.GroupFilter{}, db.Page{Limit: 10, Sort: "name"})
		if err != nil || len(gs) != 2 || gs[0].Name != "Sales" {
			t.Fatalf("groups: %v %v", gs, err)
		}
		sales := gs[0].ID
		for _, tc := range []struct {
			name string
			f    user.Filter
			want []string
		}{
			{"no filter", user.Filter{}, []string{"100% Real_Name", "Admin", "Alice Agent", "Bob Boss", "Carol Customer",
				"Dan Smith", "Dan Smith", "Erin Smithers", "Fred Goldsmith"}},
			{"one role", user.Filter{Roles: []auth.Role{auth.RoleAgent}}, []string{"Alice Agent"}},
			{"several roles", user.Filter{Roles: []auth.Role{auth.RoleAgent, auth.RoleAdmin}}, []string{"Admin", "Alice Agent", "Bob Boss"}},
			{"external id in another case", user.Filter{ExternalID: "ext-1"}, []string{"Carol Customer"}},
			{"external ids", user.Filter{ExternalIDs: []string{"Ext-1", "nope"}}, []string{"Carol Customer"}},
			{"ids", user.Filter{IDs: []int64{p["Bob Boss"].ID, p["Erin Smithers"].ID}}, []string{"Bob Boss", "Erin Smithers"}},
			{"organization", user.Filter{OrganizationID: orgs[0].ID}, []string{"Carol Customer"}},
			{"default group", user.Filter{GroupID: e.support}, []string{"Admin", "Alice Agent", "Bob Boss"}},
			{"another group", user.Filter{GroupID: sales}, []string{"Alice Agent"}},
			{"name prefix", user.Filter{NamePrefix: "dan"}, []string{"Dan Smith", "Dan Smith"}},
			{"name prefix is not a word prefix", user.Filter{NamePrefix: "smith"}, []string{}},
			{"name prefix with LIKE characters", user.Filter{NamePrefix: "100%"}, []string{"100% Real_Name"}},
			{"percent is literal", user.Filter{NamePrefix: "%"}, []string{}},
			{"query: a word prefix of any name word", user.Filter{Query: "smi"}, []string{"Dan Smith", "Dan Smith", "Erin Smithers"}},
			{"query: not the middle of a word", user.Filter{Query: "mith"}, []string{}},
			{"query: in any case", user.Filter{Query: "SMITHERS"}, []string{"Erin Smithers"}},
			{"query: underscore is literal", user.Filter{Query: "real_"}, []string{"100% Real_Name"}},
			{"query: an email prefix", user.Filter{Query: "carol@cust"}, []string{"Carol Customer"}},
			{"query: external id", user.Filter{Query: "EXT-1"}, []string{"Carol Customer"}},
			{"query: phone is exact", user.Filter{Query: "phone:+1"}, []string{}},
			{"query: quoted phone", user.Filter{Query: `phone:"+1 555 0199"`}, []string{"Dan Smith"}},
			{"query: bare quoted phone", user.Filter{Query: `"+1 555 0199"`}, []string{"Dan Smith"}},
			{"query: words are and-ed", user.Filter{Query: "dan smi"}, []string{"Dan Smith", "Dan Smith"}},
			{"query: email", user.Filter{Query: "email:DAN@other.example"}, []string{"Dan Smith"}},
			{"query: email is exact", user.Filter{Query: "email:dan@other"}, []string{}},
			{"query: tags", user.Filter{Query: "tags:vip"}, []string{"Carol Customer", "Dan Smith"}},
			{"query: tag", user.Filter{Query: "tag:late"}, []string{"Dan Smith"}},
			{"query: role", user.Filter{Query: "role:admin"}, []string{"Admin", "Bob Boss"}},
			{"query: role and tags", user.Filter{Query: "role:end-user tags:vip"}, []string{"Carol Customer", "Dan Smith"}},
			{"query: name", user.Filter{Query: `name:"dan smith"`}, []string{"Dan Smith", "Dan Smith"}},
			{"query: organization by name", user.Filter{Query: `organization:"customer co"`}, []string{"Carol Customer"}},
			{"query: external_id", user.Filter{Query: "external_id:ext-1"}, []string{"Carol Customer"}},
			{"query: deleted users are not found", user.Filter{Query: "deleted"}, []string{}},
		} {
			t.Run(tc.name, func(t *testing.T) {
				us, total, _, err := e.svc.ListUsers(e.admin, tc.f, db.Page{Limit: 100})
				if err != nil {
					t.Fatalf("ListUsers: %v", err)
				}
				if diff := cmp.Diff(tc.want, sortedNames(us)); diff != "" {
					t.Errorf("users (-want +got):\n%s", diff)
				}
				if total != int64(len(us)) {
					t.Errorf("total = %d for %d users", total, len(us))
				}
			})
		}
	})
}
