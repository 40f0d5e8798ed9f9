package user_test

import (
	"testing"

	"github.com/google/go-cmp/cmp"

	"parley/internal/auth"
	"parley/internal/platform/db"
	"parley/internal/platform/db/dbtest"
	"parley/internal/platform/errs"
	"parley/internal/platform/opt"
	"parley/internal/user"
)

// orgView is an organization reduced to what the rules decide.
type orgView struct {
	Name        string
	ExternalID  *string
	DomainNames []string
	Tags        []string
	Fields      map[string]any
	Notes       string
	GroupID     *int64
}

func oview(o user.Organization) orgView {
	return orgView{Name: o.Name, ExternalID: o.ExternalID, DomainNames: o.DomainNames, Tags: o.Tags, Fields: o.Fields,
		Notes: o.Notes, GroupID: o.GroupID}
}

func TestCreateOrganization(t *testing.T) {
	t.Parallel()
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		e := newEnv(t, d)
		e.mustOrg(t, user.OrgInput{Name: opt.Of("Acme Corp"), ExternalID: opt.Of("ORG-1")})
		gone := e.mustOrg(t, user.OrgInput{Name: opt.Of("Gone Inc")})
		if err := e.svc.DeleteOrganization(e.admin, gone.ID); err != nil {
			t.Fatal(err)
		}
		e.mustField(t, user.ResourceOrg, user.FieldInput{Key: opt.Of("tier"), Type: opt.Of("text"), Title: opt.Of("Tier")})
		e.mustField(t, user.ResourceOrg, user.FieldInput{Key: opt.Of("partner"), Type: opt.Of("checkbox"), Title: opt.Of("Partner"),
			Tag: opt.Of("partner_org")})

		for _, tc := range []struct {
			name    string
			in      user.OrgInput
			want    orgView
			wantErr map[string][]string
		}{
			{
				name: "domains, tags and fields",
				in: user.OrgInput{Name: opt.Of(" Globex "), ExternalID: opt.Of("crm-7"),
					DomainNames: opt.Of([]string{"Globex.COM", "@mail.globex.com", "globex.com"}),
					Tags:        opt.Of([]string{"Big Fish", "big"}), Notes: opt.Of("note"),
					OrganizationFields: opt.Of(map[string]any{"tier": "gold", "partner": true, "unknown": 1.0}),
					GroupID:            opt.Of(e.support)},
				want: orgView{Name: "Globex", ExternalID: ptr("crm-7"), DomainNames: []string{"globex.com", "mail.globex.com"},
					Tags: []string{"big", "fish", "partner_org"}, Fields: map[string]any{"tier": "gold", "partner": true},
					Notes: "note", GroupID: ptr(e.support)},
			},
			{
				name: "a deleted organization's name is free",
				in:   user.OrgInput{Name: opt.Of("gone inc")},
				want: orgView{Name: "gone inc", DomainNames: []string{}, Tags: []string{}, Fields: map[string]any{}},
			},
			{name: "name blank", in: user.OrgInput{Name: opt.Of("  ")}, wantErr: map[string][]string{"name": {"BlankValue"}}},
			{name: "name taken in another case", in: user.OrgInput{Name: opt.Of(" ACME corp ")},
				wantErr: map[string][]string{"name": {"DuplicateValue"}}},
			{name: "external id taken in another case", in: user.OrgInput{Name: opt.Of("New"), ExternalID: opt.Of("org-1")},
				wantErr: map[string][]string{"external_id": {"DuplicateValue"}}},
			{name: "domain with a space", in: user.OrgInput{Name: opt.Of("New"), DomainNames: opt.Of([]string{"not a domain"})},
				wantErr: map[string][]string{"domain_names": {"InvalidValue"}}},
			{name: "domain without a dot", in: user.OrgInput{Name: opt.Of("New"), DomainNames: opt.Of([]string{"localhost"})},
				wantErr: map[string][]string{"domain_names": {"InvalidValue"}}},
			{name: "unknown group", in: user.OrgInput{Name: opt.Of("New"), GroupID: opt.Of(int64(999999))},
				wantErr: map[string][]string{"group_id": {"InvalidValue"}}},
			{name: "field value of the wrong type", in: user.OrgInput{Name: opt.Of("New"),
				OrganizationFields: opt.Of(map[string]any{"partner": "maybe"})},
				wantErr: map[string][]string{"organization_fields.partner": {"InvalidValue"}}},
		} {
			t.Run(tc.name, func(t *testing.T) {
				o, err := e.svc.CreateOrganization(e.admin, tc.in)
				if tc.wantErr != nil {
					if diff := cmp.Diff(tc.wantErr, fieldCodes(err)); diff != "" {
						t.Errorf("error %v: details (-want +got):\n%s", err, diff)
					}
					return
				}
				if err != nil {
					t.Fatalf("CreateOrganization: %v", err)
				}
				if diff := cmp.Diff(tc.want, oview(o)); diff != "" {
					t.Errorf("organization (-want +got):\n%s", diff)
				}
			})
		}

		t.Run("admins only", func(t *testing.T) {
			agent := e.agent(t, "Agnes", "agnes@acme.example", auth.RoleAgent)
			_, err := e.svc.CreateOrganization(e.as(t, agent.ID), user.OrgInput{Name: opt.Of("By Agent")})
			wantKind(t, err, errs.Forbidden)
		})
		t.Run("rename onto a taken name", func(t *testing.T) {
			o := e.mustOrg(t, user.OrgInput{Name: opt.Of("Renamable")})
			_, err := e.svc.UpdateOrganization(e.admin, o.ID, user.OrgInput{Name: opt.Of("acme CORP")})
			if diff := cmp.Diff(map[string][]string{"name": {"DuplicateValue"}}, fieldCodes(err)); diff != "" {
				t.Errorf("error %v: details (-want +got):\n%s", err, diff)
			}
			// Changing only the case of its own name is fine.
			got, err := e.svc.UpdateOrganization(e.admin, o.ID, user.OrgInput{Name: opt.Of("RENAMABLE")})
			if err != nil || got.Name != "RENAMABLE" {
				t.Errorf("UpdateOrganization(own name, other case) = %q, %v", got.Name, err)
			}
		})
	})
}

func TestOrganizationDomainMapping(t *testing.T) {
	t.Parallel()
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		e := newEnv(t, d)
		e.mustOrg(t, user.OrgInput{Name: opt.Of("Alpha"), DomainNames: opt.Of([]string{"alpha.example"})})
		b := e.mustOrg(t, user.OrgInput{Name: opt.Of("Beta"), DomainNames: opt.Of([]string{"beta.example"})})

		for _, tc := range []struct {
			name string
			in   user.Input
			// addEmail is an identity added after create.
			addEmail string
			want     []omView
		}{
			{name: "email at a mapped domain", in: user.Input{Email: opt.Of("ann@alpha.example")},
				want: []omView{{"Alpha", true}}},
			{name: "domain matched case-insensitively", in: user.Input{Email: opt.Of("Bob@ALPHA.Example")},
				want: []omView{{"Alpha", true}}},
			{name: "explicit organization wins over the domain", in: user.Input{Email: opt.Of("cy@alpha.example"),
				OrganizationID: opt.Of(b.ID)}, want: []omView{{"Beta", true}}},
			{name: "unmapped domain", in: user.Input{Email: opt.Of("dee@other.example")}, want: []omView{}},
			{name: "subdomain is not the domain", in: user.Input{Email: opt.Of("ed@mail.alpha.example")}, want: []omView{}},
			{name: "organization by name is found", in: user.Input{Organization: opt.Of(user.OrgRef{Name: "beta"})},
				want: []omView{{"Beta", true}}},
			{name: "organization by name is created", in: user.Input{Organization: opt.Of(user.OrgRef{Name: "Gamma"})},
				want: []omView{{"Gamma", true}}},
			{name: "identity added at a mapped domain", in: user.Input{Email: opt.Of("fay@other.example")},
				addEmail: "fay@beta.example", want: []omView{{"Beta", true}}},
			{name: "identity added when already in an organization", in: user.Input{Email: opt.Of("gus@alpha.example")},
				addEmail: "gus@beta.example", want: []omView{{"Alpha", true}}},
		} {
			t.Run(tc.name, func(t *testing.T) {
				tc.in.Name = opt.Of(tc.name)
				u := mustUser(t, e.admin, e.svc, tc.in)
				if tc.addEmail != "" {
					if _, err := e.svc.CreateIdentity(e.admin, u.ID, user.IdentityInput{Type: "email", Value: tc.addEmail}); err != nil {
						t.Fatal(err)
					}
				}
				if diff := cmp.Diff(tc.want, e.orgMemberships(t, u.ID)); diff != "" {
					t.Errorf("memberships (-want +got):\n%s", diff)
				}
				got := e.mustGet(t, u.ID)
				var wantOrg *int64
				if len(tc.want) > 0 {
					o, _, _, err := e.svc.ListOrganizations(e.admin, user.OrgFilter{Name: tc.want[0].Org}, db.Page{Limit: 1})
					if err != nil || len(o) != 1 {
						t.Fatalf("organization %s: %v %v", tc.want[0].Org, o, err)
					}
					wantOrg = &o[0].ID
				}
				if diff := cmp.Diff(wantOrg, got.OrganizationID); diff != "" {
					t.Errorf("organization_id (-want +got):\n%s", diff)
				}
			})
		}
	})
}

func TestDeleteOrganization(t *testing.T) {
	t.Parallel()
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		e := newEnv(t, d)
		a := e.mustOrg(t, user.OrgInput{Name: opt.Of("Alpha"), DomainNames: opt.Of([]string{"alpha.example"})})
		b := e.mustOrg(t, user.OrgInput{Name: opt.Of("Beta")})
		c := e.mustOrg(t, user.OrgInput{Name: opt.Of("Gamma")})
		multi := e.endUser(t, "Multi", "multi@alpha.example") // Alpha by domain, default
		for _, o := range []int64{b.ID, c.ID} {
			if _, err := e.svc.CreateOrgMembership(e.admin, user.MembershipInput{UserID: opt.Of(multi.ID), OrganizationID: opt.Of(o)}); err != nil {
				t.Fatal(err)
			}
		}
		if _, err := e.svc.MakeDefaultOrg(e.admin, multi.ID, c.ID); err != nil {
			t.Fatal(err)
		}
		single := e.endUser(t, "Single", "single@example.com")
		if _, err := e.svc.CreateOrgMembership(e.admin, user.MembershipInput{UserID: opt.Of(single.ID), OrganizationID: opt.Of(c.ID)}); err != nil {
			t.Fatal(err)
		}

		for _, step := range []struct {
			name       string
			org        int64
			wantMulti  []omView
			wantOrgOf  map[int64]*int64
			wantListed []string
		}{
			{"deleting the default moves it to the oldest remaining", c.ID,
				[]omView{{"Alpha", true}, {"Beta", false}},
				map[int64]*int64{multi.ID: &a.ID, single.ID: nil}, []string{"Alpha", "Beta"}},
			{"deleting again moves it on", a.ID,
				[]omView{{"Beta", true}},
				map[int64]*int64{multi.ID: &b.ID, single.ID: nil}, []string{"Beta"}},
			{"deleting the last one clears it", b.ID,
				[]omView{},
				map[int64]*int64{multi.ID: nil, single.ID: nil}, []string{}},
		} {
			t.Run(step.name, func(t *testing.T) {
				if err := e.svc.DeleteOrganization(e.admin, step.org); err != nil {
					t.Fatalf("DeleteOrganization: %v", err)
				}
				if diff := cmp.Diff(step.wantMulti, e.orgMemberships(t, multi.ID)); diff != "" {
					t.Errorf("memberships (-want +got):\n%s", diff)
				}
				for uid, want := range step.wantOrgOf {
					if diff := cmp.Diff(want, e.mustGet(t, uid).OrganizationID); diff != "" {
						t.Errorf("user %d organization_id (-want +got):\n%s", uid, diff)
					}
				}
				os, total, _, err := e.svc.ListOrganizations(e.admin, user.OrgFilter{}, db.Page{Limit: 10})
				if err != nil {
					t.Fatal(err)
				}
				got := []string{}
				for _, o := range os {
					got = append(got, o.Name)
				}
				if diff := cmp.Diff(step.wantListed, got); diff != "" || total != int64(len(got)) {
					t.Errorf("listed organizations (total %d) (-want +got):\n%s", total, diff)
				}
				if _, err := e.svc.GetOrganization(e.admin, step.org); !errs.Is(err, errs.NotFound) {
					t.Errorf("GetOrganization(deleted) err = %v, want not found", err)
				}
			})
		}
		// The deleted organization's domain maps nobody any more.
		u := e.endUser(t, "Late", "late@alpha.example")
		if u.OrganizationID != nil {
			t.Errorf("a deleted organization's domain still maps new users: %d", *u.OrganizationID)
		}
	})
}

func TestCreateOrUpdateOrganization(t *testing.T) {
	t.Parallel()
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		e := newEnv(t, d)
		acme := e.mustOrg(t, user.OrgInput{Name: opt.Of("Acme"), ExternalID: opt.Of("E-1")})
		beta := e.mustOrg(t, user.OrgInput{Name: opt.Of("Beta")})
		for _, tc := range []struct {
			name        string
			in          user.OrgInput
			wantID      int64 // 0: a new organization
			wantCreated bool
			wantName    string
			wantErr     map[string][]string
		}{
			{"external id matches in another case", user.OrgInput{ExternalID: opt.Of("e-1"), Name: opt.Of("Acme Renamed")},
				acme.ID, false, "Acme Renamed", nil},
			{"name matches in another case", user.OrgInput{Name: opt.Of("BETA"), Notes: opt.Of("updated")},
				beta.ID, false, "BETA", nil},
			{"external id is tried before the name", user.OrgInput{ExternalID: opt.Of("E-1"), Name: opt.Of("Beta")},
				0, false, "", map[string][]string{"name": {"DuplicateValue"}}},
			{"an unknown external id falls back to the name", user.OrgInput{ExternalID: opt.Of("E-2"), Name: opt.Of("beta")},
				beta.ID, false, "beta", nil},
			{"id is tried first", user.OrgInput{ID: opt.Of(acme.ID), Name: opt.Of("Acme Again")},
				acme.ID, false, "Acme Again", nil},
			{"nothing matches", user.OrgInput{ExternalID: opt.Of("E-3"), Name: opt.Of("Gamma")},
				0, true, "Gamma", nil},
		} {
			t.Run(tc.name, func(t *testing.T) {
				o, created, err := e.svc.CreateOrUpdateOrganization(e.admin, tc.in)
				if tc.wantErr != nil {
					if diff := cmp.Diff(tc.wantErr, fieldCodes(err)); diff != "" {
						t.Errorf("error %v: details (-want +got):\n%s", err, diff)
					}
					return
				}
				if err != nil {
					t.Fatalf("CreateOrUpdateOrganization: %v", err)
				}
				if created != tc.wantCreated || (tc.wantID != 0 && o.ID != tc.wantID) || o.Name != tc.wantName {
					t.Errorf("got id %d created %v name %q; want id %d created %v name %q", o.ID, created, o.Name,
						tc.wantID, tc.wantCreated, tc.wantName)
				}
			})
		}
		if got, _ := e.svc.GetOrganization(e.admin, beta.ID); got.ExternalID == nil || *got.ExternalID != "E-2" || got.Notes != "updated" {
			t.Errorf("Beta after the upserts: external_id %v notes %q", got.ExternalID, got.Notes)
		}
	})
}

func TestOrgMemberships(t *testing.T) {
	t.Parallel()
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		e := newEnv(t, d)
		orgs := map[string]int64{}
		for _, n := range []string{"A", "B", "C"} {
			orgs[n] = e.mustOrg(t, user.OrgInput{Name: opt.Of(n)}).ID
		}
		u := e.endUser(t, "Una", "una@example.com")
		agent := e.agent(t, "Agnes", "agnes@acme.example", auth.RoleAgent)
		admin2 := e.agent(t, "Adam", "adam@acme.example", auth.RoleAdmin)
		agnes, una := e.as(t, agent.ID), e.as(t, u.ID)
		add := func(org string, def bool) func(t *testing.T) error {
			return func(t *testing.T) error {
				in := user.MembershipInput{UserID: opt.Of(u.ID), OrganizationID: opt.Of(orgs[org])}
				if def {
					in.Default = opt.Of(true)
				}
				_, err := e.svc.CreateOrgMembership(agnes, in)
				return err
			}
		}
		membershipID := func(t *testing.T, org string) int64 {
			ms, _, _, err := e.svc.ListOrgMemberships(e.admin, user.OMFilter{UserID: u.ID, OrganizationID: orgs[org]}, db.Page{Limit: 1})
			if err != nil || len(ms) != 1 {
				t.Fatalf("membership in %s: %v %v", org, ms, err)
			}
			return ms[0].ID
		}
		for _, step := range []struct {
			name    string
			do      func(t *testing.T) error
			wantErr map[string][]string
			want    []omView
			wantOrg string
		}{
			{"the first membership is default", add("A", false), nil, []omView{{"A", true}}, "A"},
			{"a second is not", add("B", false), nil, []omView{{"A", true}, {"B", false}}, "A"},
			{"the same pair again is 422", add("A", false), map[string][]string{"user_id": {"DuplicateValue"}},
				[]omView{{"A", true}, {"B", false}}, "A"},
			{"default on create moves the default", add("C", true), nil,
				[]omView{{"A", false}, {"B", false}, {"C", true}}, "C"},
			{"make default (by the end user)", func(t *testing.T) error {
				_, err := e.svc.MakeDefaultOrg(una, u.ID, orgs["B"])
				return err
			}, nil, []omView{{"A", false}, {"B", true}, {"C", false}}, "B"},
			{"removing the default promotes the oldest", func(t *testing.T) error {
				return e.svc.RemoveUserFromOrg(agnes, u.ID, orgs["B"])
			}, nil, []omView{{"A", true}, {"C", false}}, "A"},
			{"removing a non-default keeps the default", func(t *testing.T) error {
				return e.svc.DeleteOrgMembership(agnes, membershipID(t, "C"))
			}, nil, []omView{{"A", true}}, "A"},
			{"removing the last clears organization_id", func(t *testing.T) error {
				return e.svc.DeleteOrgMembership(agnes, membershipID(t, "A"))
			}, nil, []omView{}, ""},
			{"unknown organization", func(t *testing.T) error {
				_, err := e.svc.CreateOrgMembership(agnes, user.MembershipInput{UserID: opt.Of(u.ID), OrganizationID: opt.Of(int64(999999))})
				return err
			}, map[string][]string{"organization_id": {"InvalidValue"}}, []omView{}, ""},
			{"missing fields", func(t *testing.T) error {
				_, err := e.svc.CreateOrgMembership(agnes, user.MembershipInput{})
				return err
			}, map[string][]string{"organization_id": {"BlankValue"}, "user_id": {"BlankValue"}}, []omView{}, ""},
		} {
			t.Run(step.name, func(t *testing.T) {
				err := step.do(t)
				if diff := cmp.Diff(step.wantErr, fieldCodes(err)); diff != "" || (step.wantErr == nil && err != nil) {
					t.Errorf("error %v: details (-want +got):\n%s", err, diff)
				}
				if diff := cmp.Diff(step.want, e.orgMemberships(t, u.ID)); diff != "" {
					t.Errorf("memberships (-want +got):\n%s", diff)
				}
				var wantOrg *int64
				if step.wantOrg != "" {
					wantOrg = ptr(orgs[step.wantOrg])
				}
				if diff := cmp.Diff(wantOrg, e.mustGet(t, u.ID).OrganizationID); diff != "" {
					t.Errorf("organization_id (-want +got):\n%s", diff)
				}
			})
		}
		t.Run("permissions", func(t *testing.T) {
			_, err := e.svc.CreateOrgMembership(agnes, user.MembershipInput{UserID: opt.Of(admin2.ID), OrganizationID: opt.Of(orgs["A"])})
			wantKind(t, err, errs.Forbidden)
			_, err = e.svc.CreateOrgMembership(una, user.MembershipInput{UserID: opt.Of(u.ID), OrganizationID: opt.Of(orgs["A"])})
			wantKind(t, err, errs.Forbidden)
			if _, err := e.svc.CreateOrgMembership(e.admin, user.MembershipInput{UserID: opt.Of(admin2.ID), OrganizationID: opt.Of(orgs["A"])}); err != nil {
				t.Errorf("admin adds an admin to an organization: %v", err)
			}
			_, _, _, err = e.svc.ListOrgMemberships(una, user.OMFilter{UserID: admin2.ID}, db.Page{Limit: 10})
			wantKind(t, err, errs.Forbidden)
		})
	})
}

func TestGroupsAndMemberships(t *testing.T) {
	t.Parallel()
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		e := newEnv(t, d)
		sales := e.mustGroup(t, "Sales")
		agent := e.agent(t, "Agnes", "agnes@acme.example", auth.RoleAgent)
		end := e.endUser(t, "Eve", "eve@example.com")
		var tier2 int64
		gmID := func(t *testing.T, group int64) int64 {
			ms, _, _, err := e.svc.ListGroupMemberships(e.admin, user.GMFilter{UserID: agent.ID, GroupID: group}, db.Page{Limit: 1})
			if err != nil || len(ms) != 1 {
				t.Fatalf("membership of group %d: %v %v", group, ms, err)
			}
			return ms[0].ID
		}
		for _, step := range []struct {
			name        string
			do          func(t *testing.T) error
			wantErr     map[string][]string
			want        func() []gmView
			wantDefault func() *int64
		}{
			{"a new agent is in Support by default", func(t *testing.T) error { return nil }, nil,
				func() []gmView { return []gmView{{e.support, true}} }, func() *int64 { return &e.support }},
			{"joining another group keeps the default", func(t *testing.T) error {
				_, err := e.svc.CreateGroupMembership(e.admin, user.MembershipInput{UserID: opt.Of(agent.ID), GroupID: opt.Of(sales.ID)})
				return err
			}, nil, func() []gmView { return []gmView{{e.support, true}, {sales.ID, false}} }, func() *int64 { return &e.support }},
			{"the same pair again is 422", func(t *testing.T) error {
				_, err := e.svc.CreateGroupMembership(e.admin, user.MembershipInput{UserID: opt.Of(agent.ID), GroupID: opt.Of(sales.ID)})
				return err
			}, map[string][]string{"user_id": {"DuplicateValue"}},
				func() []gmView { return []gmView{{e.support, true}, {sales.ID, false}} }, func() *int64 { return &e.support }},
			{"end users cannot join groups", func(t *testing.T) error {
				_, err := e.svc.CreateGroupMembership(e.admin, user.MembershipInput{UserID: opt.Of(end.ID), GroupID: opt.Of(sales.ID)})
				return err
			}, map[string][]string{"user_id": {"InvalidValue"}},
				func() []gmView { return []gmView{{e.support, true}, {sales.ID, false}} }, func() *int64 { return &e.support }},
			{"make default", func(t *testing.T) error {
				_, err := e.svc.MakeDefaultGroupMembership(e.admin, agent.ID, gmID(t, sales.ID))
				return err
			}, nil, func() []gmView { return []gmView{{e.support, false}, {sales.ID, true}} }, func() *int64 { return &sales.ID }},
			{"deleting a group removes its memberships", func(t *testing.T) error {
				return e.svc.DeleteGroup(e.admin, sales.ID)
			}, nil, func() []gmView { return []gmView{{e.support, true}} }, func() *int64 { return &e.support }},
			{"the default group cannot be deleted", func(t *testing.T) error {
				return e.svc.DeleteGroup(e.admin, e.support)
			}, map[string][]string{"base": {"InvalidValue"}},
				func() []gmView { return []gmView{{e.support, true}} }, func() *int64 { return &e.support }},
			{"a new default group takes over for new agents", func(t *testing.T) error {
				g, err := e.svc.CreateGroup(e.admin, user.GroupInput{Name: opt.Of("Tier 2"), Default: opt.Of(true)})
				tier2 = g.ID
				if err != nil {
					return err
				}
				newbie := e.agent(t, "Newbie", "newbie@acme.example", auth.RoleAgent)
				if diff := cmp.Diff([]gmView{{tier2, true}}, e.groupMemberships(t, newbie.ID)); diff != "" {
					t.Errorf("new agent's memberships (-want +got):\n%s", diff)
				}
				_, err = e.svc.CreateGroupMembership(e.admin, user.MembershipInput{UserID: opt.Of(agent.ID), GroupID: opt.Of(tier2)})
				return err
			}, nil, func() []gmView { return []gmView{{e.support, true}, {tier2, false}} }, func() *int64 { return &e.support }},
			{"the former default group can be deleted now", func(t *testing.T) error {
				return e.svc.DeleteGroup(e.admin, e.support)
			}, nil, func() []gmView { return []gmView{{tier2, true}} }, func() *int64 { return &tier2 }},
			{"removing the last membership clears default_group_id", func(t *testing.T) error {
				return e.svc.DeleteGroupMembership(e.admin, gmID(t, tier2))
			}, nil, func() []gmView { return []gmView{} }, func() *int64 { return nil }},
		} {
			t.Run(step.name, func(t *testing.T) {
				err := step.do(t)
				if diff := cmp.Diff(step.wantErr, fieldCodes(err)); diff != "" || (step.wantErr == nil && err != nil) {
					t.Errorf("error %v: details (-want +got):\n%s", err, diff)
				}
				if diff := cmp.Diff(step.want(), e.groupMemberships(t, agent.ID)); diff != "" {
					t.Errorf("memberships (-want +got):\n%s", diff)
				}
				if diff := cmp.Diff(step.wantDefault(), e.mustGet(t, agent.ID).DefaultGroupID); diff != "" {
					t.Errorf("default_group_id (-want +got):\n%s", diff)
				}
			})
		}
		t.Run("deleted groups are not listed", func(t *testing.T) {
			gs, total, _, err := e.svc.ListGroups(e.admin, user.GroupFilter{}, db.Page{Limit: 10})
			if err != nil {
				t.Fatal(err)
			}
			got := []string{}
			for _, g := range gs {
				got = append(got, g.Name)
			}
			if diff := cmp.Diff([]string{"Tier 2"}, got); diff != "" || total != 1 {
				t.Errorf("groups (total %d) (-want +got):\n%s", total, diff)
			}
		})
		t.Run("admins only", func(t *testing.T) {
			agnes := e.as(t, agent.ID)
			_, err := e.svc.CreateGroupMembership(agnes, user.MembershipInput{UserID: opt.Of(agent.ID), GroupID: opt.Of(tier2)})
			wantKind(t, err, errs.Forbidden)
			_, err = e.svc.CreateGroup(agnes, user.GroupInput{Name: opt.Of("Rogue")})
			wantKind(t, err, errs.Forbidden)
		})
	})
}
