package user_test

import (
	"context"
	"testing"

	"github.com/google/go-cmp/cmp"

	"parley/internal/auth"
	"parley/internal/platform/db"
	"parley/internal/platform/db/dbtest"
	"parley/internal/platform/errs"
	"parley/internal/platform/opt"
	"parley/internal/user"
)

// userView is a user reduced to what the create and update rules decide.
type userView struct {
	Name              string
	Email             *string
	Role              auth.Role
	ExternalID        *string
	Tags              []string
	Fields            map[string]any
	Active            bool
	Verified          bool
	Suspended         bool
	TicketRestriction *string
	OrganizationID    *int64
	DefaultGroupID    *int64
	CustomRoleID      *int64
}

func view(u user.User) userView {
	return userView{Name: u.Name, Email: u.Email, Role: u.Role, ExternalID: u.ExternalID, Tags: u.Tags,
		Fields: u.Fields, Active: u.Active, Verified: u.Verified, Suspended: u.Suspended,
		TicketRestriction: u.TicketRestriction, OrganizationID: u.OrganizationID, DefaultGroupID: u.DefaultGroupID,
		CustomRoleID: u.CustomRoleID}
}

func TestCreateUser(t *testing.T) {
	t.Parallel()
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		e := newEnv(t, d)
		e.endUser(t, "Existing", "taken@acme.example")
		mustUser(t, e.admin, e.svc, user.Input{Name: opt.Of("Has External"), ExternalID: opt.Of("ABC-1")})
		e.mustField(t, user.ResourceUser, user.FieldInput{Key: opt.Of("plan"), Type: opt.Of("text"), Title: opt.Of("Plan")})

		for _, tc := range []struct {
			name    string
			in      user.Input
			want    userView
			wantErr map[string][]string
		}{
			{
				name: "every writable part",
				in: user.Input{Name: opt.Of("  Ann Lee "), Email: opt.Of("Ann.Lee@Example.com"),
					ExternalID: opt.Of("crm-1"), Tags: opt.Of([]string{"VIP", "big spender,VIP"}),
					UserFields: opt.Of(map[string]any{"plan": "gold", "no_such_field": "ignored"})},
				want: userView{Name: "Ann Lee", Email: ptr("Ann.Lee@Example.com"), Role: auth.RoleEndUser,
					ExternalID: ptr("crm-1"), Tags: []string{"big", "spender", "vip"},
					Fields: map[string]any{"plan": "gold"}, Active: true, TicketRestriction: ptr("requested")},
			},
			{
				name: "no email at all",
				in:   user.Input{Name: opt.Of("Walk In")},
				want: userView{Name: "Walk In", Role: auth.RoleEndUser, Tags: []string{}, Fields: map[string]any{},
					Active: true, TicketRestriction: ptr("requested")},
			},
			{
				name: "verified as sent",
				in:   user.Input{Name: opt.Of("Vera"), Email: opt.Of("vera@example.com"), Verified: opt.Of(true)},
				want: userView{Name: "Vera", Email: ptr("vera@example.com"), Role: auth.RoleEndUser, Tags: []string{},
					Fields: map[string]any{}, Active: true, Verified: true, TicketRestriction: ptr("requested")},
			},
			{
				name:    "name blank",
				in:      user.Input{Name: opt.Of("   "), Email: opt.Of("blank@example.com")},
				wantErr: map[string][]string{"name": {"BlankValue"}},
			},
			{
				name:    "name absent",
				in:      user.Input{Email: opt.Of("noname@example.com")},
				wantErr: map[string][]string{"name": {"BlankValue"}},
			},
			{
				name:    "email not an address",
				in:      user.Input{Name: opt.Of("Bad"), Email: opt.Of("not-an-email")},
				wantErr: map[string][]string{"email": {"InvalidValue"}},
			},
			{
				name:    "email domain without a dot",
				in:      user.Input{Name: opt.Of("Bad"), Email: opt.Of("bad@example")},
				wantErr: map[string][]string{"email": {"InvalidValue"}},
			},
			{
				name:    "email with a display name",
				in:      user.Input{Name: opt.Of("Bad"), Email: opt.Of("Bad <bad@example.com>")},
				wantErr: map[string][]string{"email": {"InvalidValue"}},
			},
			{
				name:    "duplicate email in another case",
				in:      user.Input{Name: opt.Of("Dup"), Email: opt.Of("TAKEN@acme.example")},
				wantErr: map[string][]string{"email": {"DuplicateValue"}},
			},
			{
				name:    "duplicate external_id in another case",
				in:      user.Input{Name: opt.Of("Dup"), ExternalID: opt.Of("abc-1")},
				wantErr: map[string][]string{"external_id": {"DuplicateValue"}},
			},
			{
				name:    "unknown role",
				in:      user.Input{Name: opt.Of("Boss"), Role: opt.Of("boss")},
				wantErr: map[string][]string{"role": {"InvalidValue"}},
			},
			{
				name:    "bad phone",
				in:      user.Input{Name: opt.Of("Phony"), Phone: opt.Of("call me maybe")},
				wantErr: map[string][]string{"phone": {"InvalidValue"}},
			},
			{
				name:    "problems are reported together",
				in:      user.Input{Name: opt.Of(""), Email: opt.Of("nope"), Phone: opt.Of("x")},
				wantErr: map[string][]string{"name": {"BlankValue"}, "email": {"InvalidValue"}, "phone": {"InvalidValue"}},
			},
		} {
			t.Run(tc.name, func(t *testing.T) {
				before, err := e.svc.CountUsers(e.admin, user.Filter{})
				if err != nil {
					t.Fatal(err)
				}
				u, err := e.svc.CreateUser(e.admin, tc.in)
				if tc.wantErr != nil {
					if diff := cmp.Diff(tc.wantErr, fieldCodes(err)); diff != "" {
						t.Errorf("CreateUser error %v: details (-want +got):\n%s", err, diff)
					}
					after, _ := e.svc.CountUsers(e.admin, user.Filter{})
					if after != before {
						t.Errorf("a refused create changed the user count from %d to %d", before, after)
					}
					return
				}
				if err != nil {
					t.Fatalf("CreateUser: %v", err)
				}
				if diff := cmp.Diff(tc.want, view(u)); diff != "" {
					t.Errorf("created user (-want +got):\n%s", diff)
				}
				if diff := cmp.Diff(view(u), view(e.mustGet(t, u.ID))); diff != "" {
					t.Errorf("reloaded user differs from the returned one (-returned +reloaded):\n%s", diff)
				}
				idents, err := e.svc.ListIdentities(e.admin, u.ID, nil)
				if err != nil {
					t.Fatal(err)
				}
				var want []identView
				if tc.in.Email.Has() {
					want = []identView{{Type: "email", Value: tc.in.Email.V, Primary: true, Verified: tc.want.Verified}}
				}
				if diff := cmp.Diff(want, identViews(idents)); diff != "" {
					t.Errorf("identities (-want +got):\n%s", diff)
				}
			})
		}
	})
}

func TestCreateUserPermissions(t *testing.T) {
	t.Parallel()
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		e := newEnv(t, d)
		agent := e.agent(t, "Agnes Agent", "agnes@acme.example", auth.RoleAgent)
		end := e.endUser(t, "Eve End", "eve@example.com")
		actors := map[string]context.Context{
			"owner":     e.admin,
			"agent":     e.as(t, agent.ID),
			"end user":  e.as(t, end.ID),
			"anonymous": t.Context(),
		}
		n := 0
		for _, tc := range []struct {
			actor string
			role  auth.Role
			want  errs.Kind // errs.Internal means success
		}{
			{"owner", auth.RoleEndUser, errs.Internal},
			{"owner", auth.RoleAgent, errs.Internal},
			{"owner", auth.RoleAdmin, errs.Internal},
			{"agent", auth.RoleEndUser, errs.Internal},
			{"agent", auth.RoleAgent, errs.Forbidden},
			{"agent", auth.RoleAdmin, errs.Forbidden},
			{"end user", auth.RoleEndUser, errs.Forbidden},
			{"end user", auth.RoleAgent, errs.Forbidden},
			{"anonymous", auth.RoleEndUser, errs.Unauthenticated},
		} {
			t.Run(tc.actor+" creates "+string(tc.role), func(t *testing.T) {
				n++
				in := user.Input{Name: opt.Of("New " + string(tc.role)), Role: opt.Of(string(tc.role)),
					Email: opt.Of("new" + string(rune('a'+n)) + "@acme.example")}
				u, err := e.svc.CreateUser(actors[tc.actor], in)
				if tc.want != errs.Internal {
					wantKind(t, err, tc.want)
					return
				}
				if err != nil {
					t.Fatalf("CreateUser: %v", err)
				}
				// New agents and admins join the default group as their
				// default; end users have no groups.
				var wantGroups []gmView
				var wantDefault *int64
				if tc.role != auth.RoleEndUser {
					wantGroups = []gmView{{Group: e.support, Default: true}}
					wantDefault = &e.support
				}
				if diff := cmp.Diff(wantDefault, u.DefaultGroupID); diff != "" {
					t.Errorf("default_group_id (-want +got):\n%s", diff)
				}
				if diff := cmp.Diff(wantGroups, nilIfEmpty(e.groupMemberships(t, u.ID))); diff != "" {
					t.Errorf("group memberships (-want +got):\n%s", diff)
				}
			})
		}

		t.Run("only agents list and count", func(t *testing.T) {
			for actor, want := range map[string]errs.Kind{"end user": errs.Forbidden, "anonymous": errs.Unauthenticated} {
				_, _, _, err := e.svc.ListUsers(actors[actor], user.Filter{}, db.Page{Limit: 10})
				wantKind(t, err, want)
				_, err = e.svc.CountUsers(actors[actor], user.Filter{})
				wantKind(t, err, want)
			}
			if _, _, _, err := e.svc.ListUsers(actors["agent"], user.Filter{}, db.Page{Limit: 10}); err != nil {
				t.Errorf("agent ListUsers: %v", err)
			}
		})
	})
}

func nilIfEmpty[T any](s []T) []T {
	if len(s) == 0 {
		return nil
	}
	return s
}

func TestEndUserSelfUpdate(t *testing.T) {
	t.Parallel()
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		e := newEnv(t, d)
		me := e.endUser(t, "Eve End", "eve@example.com")
		other := e.endUser(t, "Otto Other", "otto@example.com")
		org := e.mustOrg(t, user.OrgInput{Name: opt.Of("Org")})
		ctx := e.as(t, me.ID)

		for _, tc := range []struct {
			name string
			id   int64
			in   user.Input
			want errs.Kind // errs.Internal means success
		}{
			{"name", me.ID, user.Input{Name: opt.Of("Eve Renamed")}, errs.Internal},
			{"phone, time zone and locale", me.ID, user.Input{Phone: opt.Of("+1 555 0100"), TimeZone: opt.Of("Paris"),
				Locale: opt.Of("fr")}, errs.Internal},
			{"another email", me.ID, user.Input{Email: opt.Of("eve@work.example")}, errs.Internal},
			{"role", me.ID, user.Input{Role: opt.Of("admin")}, errs.Forbidden},
			{"verified", me.ID, user.Input{Verified: opt.Of(true)}, errs.Forbidden},
			{"suspended", me.ID, user.Input{Suspended: opt.Of(false)}, errs.Forbidden},
			{"tags", me.ID, user.Input{Tags: opt.Of([]string{"vip"})}, errs.Forbidden},
			{"user_fields", me.ID, user.Input{UserFields: opt.Of(map[string]any{})}, errs.Forbidden},
			{"notes", me.ID, user.Input{Notes: opt.Of("trust me")}, errs.Forbidden},
			{"details", me.ID, user.Input{Details: opt.Of("trust me")}, errs.Forbidden},
			{"external_id", me.ID, user.Input{ExternalID: opt.Of("mine")}, errs.Forbidden},
			{"organization_id", me.ID, user.Input{OrganizationID: opt.Of(org.ID)}, errs.Forbidden},
			{"ticket_restriction", me.ID, user.Input{TicketRestriction: null[string]()}, errs.Forbidden},
			{"password", me.ID, user.Input{Password: opt.Of("new-pass-123")}, errs.Forbidden},
			{"agent flag moderator", me.ID, user.Input{Moderator: opt.Of(true)}, errs.Forbidden},
			{"agent flag report_csv", me.ID, user.Input{ReportCSV: opt.Of(true)}, errs.Forbidden},
			{"agent flag chat_only", me.ID, user.Input{ChatOnly: opt.Of(true)}, errs.Forbidden},
			{"someone else", other.ID, user.Input{Name: opt.Of("Hijacked")}, errs.NotFound},
		} {
			t.Run(tc.name, func(t *testing.T) {
				before := e.mustGet(t, tc.id)
				_, err := e.svc.UpdateUser(ctx, tc.id, tc.in)
				if tc.want == errs.Internal {
					if err != nil {
						t.Fatalf("UpdateUser: %v", err)
					}
					return
				}
				wantKind(t, err, tc.want)
				after := e.mustGet(t, tc.id)
				if diff := cmp.Diff(before, after); diff != "" {
					t.Errorf("a refused update changed the user (-before +after):\n%s", diff)
				}
			})
		}

		got := e.mustGet(t, me.ID)
		want := userView{Name: "Eve Renamed", Email: ptr("eve@example.com"), Role: auth.RoleEndUser, Tags: []string{},
			Fields: map[string]any{}, Active: true, TicketRestriction: ptr("requested")}
		if diff := cmp.Diff(want, view(got)); diff != "" {
			t.Errorf("user after the allowed updates (-want +got):\n%s", diff)
		}
		if diff := cmp.Diff([]string{"+1 555 0100", "Paris", "Europe/Paris", "fr"},
			[]string{*got.Phone, got.TimeZone, got.IANATimeZone, got.Locale}); diff != "" {
			t.Errorf("phone, zones, locale (-want +got):\n%s", diff)
		}
		if _, err := e.svc.GetUser(ctx, other.ID); !errs.Is(err, errs.Forbidden) {
			t.Errorf("end user GetUser(other) err = %v, want forbidden", err)
		}
	})
}

func TestAgentUpdatePermissions(t *testing.T) {
	t.Parallel()
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		e := newEnv(t, d)
		agent := e.agent(t, "Agnes Agent", "agnes@acme.example", auth.RoleAgent)
		peer := e.agent(t, "Peter Peer", "peter@acme.example", auth.RoleAgent)
		end := e.endUser(t, "Eve End", "eve@example.com")
		ctx := e.as(t, agent.ID)
		for _, tc := range []struct {
			name string
			id   int64
			in   user.Input
			want errs.Kind
		}{
			{"end user's profile", end.ID, user.Input{Notes: opt.Of("called twice"), Tags: opt.Of([]string{"x"})}, errs.Internal},
			{"suspend an end user", end.ID, user.Input{Suspended: opt.Of(true)}, errs.Internal},
			{"own name", agent.ID, user.Input{Name: opt.Of("Agnes A.")}, errs.Internal},
			{"promote an end user", end.ID, user.Input{Role: opt.Of("agent")}, errs.Forbidden},
			{"own role", agent.ID, user.Input{Role: opt.Of("admin")}, errs.Forbidden},
			{"another agent", peer.ID, user.Input{Name: opt.Of("Pete")}, errs.Forbidden},
			{"the owner", e.owner, user.Input{Name: opt.Of("Owned")}, errs.Forbidden},
			{"an end user's password", end.ID, user.Input{Password: opt.Of("long-enough-1")}, errs.Forbidden},
		} {
			t.Run(tc.name, func(t *testing.T) {
				_, err := e.svc.UpdateUser(ctx, tc.id, tc.in)
				if tc.want == errs.Internal {
					if err != nil {
						t.Fatalf("UpdateUser: %v", err)
					}
					return
				}
				wantKind(t, err, tc.want)
			})
		}
		if got := e.mustGet(t, end.ID); !got.Suspended || got.Notes != "called twice" {
			t.Errorf("end user after agent updates: suspended %v notes %q", got.Suspended, got.Notes)
		}
	})
}

func TestOwnerAndSelfProtection(t *testing.T) {
	t.Parallel()
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		e := newEnv(t, d)
		admin2 := e.agent(t, "Second Admin", "admin2@acme.example", auth.RoleAdmin)
		ctx2 := e.as(t, admin2.ID)
		for _, tc := range []struct {
			name string
			ctx  context.Context
			do   func(ctx context.Context) error
			want map[string][]string
		}{
			{"demote the owner to agent", ctx2, func(ctx context.Context) error {
				_, err := e.svc.UpdateUser(ctx, e.owner, user.Input{Role: opt.Of("agent")})
				return err
			}, map[string][]string{"role": {"InvalidValue"}}},
			{"demote the owner to end user", ctx2, func(ctx context.Context) error {
				_, err := e.svc.UpdateUser(ctx, e.owner, user.Input{Role: opt.Of("end-user")})
				return err
			}, map[string][]string{"role": {"InvalidValue"}}},
			{"suspend the owner", ctx2, func(ctx context.Context) error {
				_, err := e.svc.UpdateUser(ctx, e.owner, user.Input{Suspended: opt.Of(true)})
				return err
			}, map[string][]string{"suspended": {"InvalidValue"}}},
			{"delete the owner", ctx2, func(ctx context.Context) error {
				_, err := e.svc.DeleteUser(ctx, e.owner)
				return err
			}, map[string][]string{"base": {"InvalidValue"}}},
			{"owner deletes self", e.admin, func(ctx context.Context) error {
				_, err := e.svc.DeleteUser(ctx, e.owner)
				return err
			}, map[string][]string{"base": {"InvalidValue"}}},
			{"admin deletes self", ctx2, func(ctx context.Context) error {
				_, err := e.svc.DeleteUser(ctx, admin2.ID)
				return err
			}, map[string][]string{"base": {"InvalidValue"}}},
			{"admin suspends self", ctx2, func(ctx context.Context) error {
				_, err := e.svc.UpdateUser(ctx, admin2.ID, user.Input{Suspended: opt.Of(true)})
				return err
			}, map[string][]string{"suspended": {"InvalidValue"}}},
		} {
			t.Run(tc.name, func(t *testing.T) {
				err := tc.do(tc.ctx)
				if diff := cmp.Diff(tc.want, fieldCodes(err)); diff != "" {
					t.Errorf("error %v: details (-want +got):\n%s", err, diff)
				}
			})
		}
		for _, id := range []int64{e.owner, admin2.ID} {
			u := e.mustGet(t, id)
			if u.Role != auth.RoleAdmin || !u.Active || u.Suspended || u.DeletedAt != nil {
				t.Errorf("user %d after refused changes: role %s active %v suspended %v deleted %v", id, u.Role, u.Active,
					u.Suspended, u.DeletedAt)
			}
		}
		agent := e.agent(t, "Agnes Agent", "agnes@acme.example", auth.RoleAgent)
		end := e.endUser(t, "Eve", "eve@example.com")
		if _, err := e.svc.DeleteUser(e.as(t, agent.ID), end.ID); !errs.Is(err, errs.Forbidden) {
			t.Errorf("agent DeleteUser err = %v, want forbidden", err)
		}
	})
}

func TestDeleteUser(t *testing.T) {
	t.Parallel()
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		e := newEnv(t, d)
		org := e.mustOrg(t, user.OrgInput{Name: opt.Of("Customer"), DomainNames: opt.Of([]string{"customer.example"})})
		other := e.mustOrg(t, user.OrgInput{Name: opt.Of("Other")})
		end := mustUser(t, e.admin, e.svc, user.Input{Name: opt.Of("Carol"), Email: opt.Of("carol@customer.example"),
			ExternalID: opt.Of("crm-9"), Tags: opt.Of([]string{"vip"})})
		if _, err := e.svc.CreateOrgMembership(e.admin, user.MembershipInput{UserID: opt.Of(end.ID), OrganizationID: opt.Of(other.ID)}); err != nil {
			t.Fatal(err)
		}
		agent := e.agent(t, "Agnes", "agnes@acme.example", auth.RoleAgent)

		e.clk.Advance(time100ms)
		got, err := e.svc.DeleteUser(e.admin, end.ID)
		if err != nil {
			t.Fatalf("DeleteUser: %v", err)
		}
		want := userView{Name: "Carol", Role: auth.RoleEndUser, Tags: []string{"vip"}, Fields: map[string]any{},
			TicketRestriction: ptr("requested")}
		if diff := cmp.Diff(want, view(got)); diff != "" {
			t.Errorf("deleted user (-want +got):\n%s", diff)
		}
		if got.DeletedAt == nil || !got.DeletedAt.Equal(e.clk.Now()) || !got.UpdatedAt.Equal(e.clk.Now()) {
			t.Errorf("deleted_at %v updated_at %v, want both %v", got.DeletedAt, got.UpdatedAt, e.clk.Now())
		}
		if ms := e.orgMemberships(t, end.ID); len(ms) != 0 {
			t.Errorf("organization memberships after delete = %v, want none", ms)
		}
		if users, _, _, err := e.svc.ListUsers(e.admin, user.Filter{OrganizationID: org.ID}, db.Page{Limit: 10}); err != nil || len(users) != 0 {
			t.Errorf("organization members after delete = %v, %v; want none", names(users), err)
		}
		if _, err := e.svc.ActorByID(t.Context(), e.acct, end.ID); !errs.Is(err, errs.Unauthenticated) {
			t.Errorf("ActorByID(deleted) err = %v, want unauthenticated", err)
		}
		all, _, _, err := e.svc.ListUsers(e.admin, user.Filter{}, db.Page{Limit: 100})
		if err != nil {
			t.Fatal(err)
		}
		if diff := cmp.Diff([]string{"Admin", "Agnes"}, names(all)); diff != "" {
			t.Errorf("listed users after delete (-want +got):\n%s", diff)
		}

		// The email and external id are free again.
		again := mustUser(t, e.admin, e.svc, user.Input{Name: opt.Of("Carol Again"), Email: opt.Of("carol@customer.example"),
			ExternalID: opt.Of("CRM-9")})
		if again.OrganizationID == nil || *again.OrganizationID != org.ID {
			t.Errorf("the new owner of the address was not mapped into its organization: %v", again.OrganizationID)
		}

		// An agent's group memberships end too.
		if _, err := e.svc.DeleteUser(e.admin, agent.ID); err != nil {
			t.Fatal(err)
		}
		if gms, _, _, err := e.svc.ListGroupMemberships(e.admin, user.GMFilter{GroupID: e.support}, db.Page{Limit: 10}); err != nil || len(gms) != 1 {
			t.Errorf("Support memberships after deleting an agent = %+v, %v; want only the owner's", gms, err)
		}

		if _, err := e.svc.DeleteUser(e.admin, end.ID); !errs.Is(err, errs.NotFound) {
			t.Errorf("deleting twice err = %v, want not found", err)
		}
		if _, err := e.svc.UpdateUser(e.admin, end.ID, user.Input{Name: opt.Of("Zombie")}); !errs.Is(err, errs.Invalid) {
			t.Errorf("updating a deleted user err = %v, want invalid", err)
		}
	})
}

func TestUpdateUserEmail(t *testing.T) {
	t.Parallel()
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		e := newEnv(t, d)
		e.endUser(t, "Taken", "taken@example.com")
		for _, tc := range []struct {
			name      string
			start     string // the user's email at create, "" for none
			email     string
			wantEmail *string
			want      []identView
			wantErr   map[string][]string
		}{
			{
				name: "a second address is added as secondary", start: "first@example.com", email: "second@example.com",
				wantEmail: ptr("first@example.com"),
				want: []identView{{Type: "email", Value: "first@example.com", Primary: true},
					{Type: "email", Value: "second@example.com"}},
			},
			{
				name: "the same address in another case adds nothing", start: "same@example.com", email: "SAME@example.com",
				wantEmail: ptr("same@example.com"),
				want:      []identView{{Type: "email", Value: "same@example.com", Primary: true}},
			},
			{
				name: "the first address becomes primary", email: "fresh@example.com",
				wantEmail: ptr("fresh@example.com"),
				want:      []identView{{Type: "email", Value: "fresh@example.com", Primary: true}},
			},
			{
				name: "another user's address", start: "mine@example.com", email: "Taken@Example.com",
				wantErr: map[string][]string{"email": {"DuplicateValue"}},
			},
			{
				name: "a malformed address", start: "ok@example.com", email: "not an email",
				wantErr: map[string][]string{"email": {"InvalidValue"}},
			},
		} {
			t.Run(tc.name, func(t *testing.T) {
				in := user.Input{Name: opt.Of(tc.name)}
				if tc.start != "" {
					in.Email = opt.Of(tc.start)
				}
				u := mustUser(t, e.admin, e.svc, in)
				got, err := e.svc.UpdateUser(e.admin, u.ID, user.Input{Email: opt.Of(tc.email)})
				if tc.wantErr != nil {
					if diff := cmp.Diff(tc.wantErr, fieldCodes(err)); diff != "" {
						t.Errorf("error %v: details (-want +got):\n%s", err, diff)
					}
					if diff := cmp.Diff(view(u), view(e.mustGet(t, u.ID))); diff != "" {
						t.Errorf("a refused update changed the user (-before +after):\n%s", diff)
					}
					return
				}
				if err != nil {
					t.Fatalf("UpdateUser: %v", err)
				}
				if diff := cmp.Diff(tc.wantEmail, got.Email); diff != "" {
					t.Errorf("users.email (-want +got):\n%s", diff)
				}
				idents, err := e.svc.ListIdentities(e.admin, u.ID, nil)
				if err != nil {
					t.Fatal(err)
				}
				if diff := cmp.Diff(tc.want, identViews(idents)); diff != "" {
					t.Errorf("identities (-want +got):\n%s", diff)
				}
			})
		}
	})
}

func TestRoleChange(t *testing.T) {
	t.Parallel()
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		e := newEnv(t, d)
		roles, err := e.svc.ListCustomRoles(e.admin)
		if err != nil || len(roles) == 0 {
			t.Fatalf("custom roles = %v, %v", roles, err)
		}
		sales := e.mustGroup(t, "Sales")
		agent := mustUser(t, e.admin, e.svc, user.Input{Name: opt.Of("Agnes"), Email: opt.Of("agnes@acme.example"),
			Role: opt.Of("agent"), CustomRoleID: opt.Of(roles[0].ID)})
		if _, err := e.svc.CreateGroupMembership(e.admin, user.MembershipInput{UserID: opt.Of(agent.ID),
			GroupID: opt.Of(sales.ID), Default: opt.Of(true)}); err != nil {
			t.Fatal(err)
		}
		if got := e.mustGet(t, agent.ID).DefaultGroupID; got == nil || *got != sales.ID {
			t.Fatalf("default group after make-default membership = %v, want %d", got, sales.ID)
		}

		t.Run("agent to end user drops groups", func(t *testing.T) {
			got, err := e.svc.UpdateUser(e.admin, agent.ID, user.Input{Role: opt.Of("end-user")})
			if err != nil {
				t.Fatalf("UpdateUser: %v", err)
			}
			want := userView{Name: "Agnes", Email: ptr("agnes@acme.example"), Role: auth.RoleEndUser, Tags: []string{},
				Fields: map[string]any{}, Active: true, TicketRestriction: ptr("requested")}
			if diff := cmp.Diff(want, view(got)); diff != "" {
				t.Errorf("demoted user (-want +got):\n%s", diff)
			}
			if gms := e.groupMemberships(t, agent.ID); len(gms) != 0 {
				t.Errorf("group memberships after demotion = %v, want none", gms)
			}
		})
		t.Run("end user to agent joins the default group", func(t *testing.T) {
			got, err := e.svc.UpdateUser(e.admin, agent.ID, user.Input{Role: opt.Of("agent")})
			if err != nil {
				t.Fatalf("UpdateUser: %v", err)
			}
			if diff := cmp.Diff(ptr(e.support), got.DefaultGroupID); diff != "" {
				t.Errorf("default_group_id (-want +got):\n%s", diff)
			}
			if got.TicketRestriction != nil {
				t.Errorf("ticket_restriction = %q, want null for agents", *got.TicketRestriction)
			}
			if diff := cmp.Diff([]gmView{{Group: e.support, Default: true}}, e.groupMemberships(t, agent.ID)); diff != "" {
				t.Errorf("group memberships (-want +got):\n%s", diff)
			}
		})
		t.Run("custom roles are for agents only", func(t *testing.T) {
			end := e.endUser(t, "Eve", "eve@example.com")
			_, err := e.svc.UpdateUser(e.admin, end.ID, user.Input{CustomRoleID: opt.Of(roles[0].ID)})
			if diff := cmp.Diff(map[string][]string{"custom_role_id": {"InvalidValue"}}, fieldCodes(err)); diff != "" {
				t.Errorf("error %v (-want +got):\n%s", err, diff)
			}
		})
	})
}

// TestLookupBriefAgreesWithLookup: the narrow read tickets use for a
// requester, submitter or assignee says what the full read says, and
// finds no deleted user and no other account's user.
func TestLookupBriefAgreesWithLookup(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		e := newEnv(t, d)
		ctx := t.Context()
		org := e.mustOrg(t, user.OrgInput{Name: opt.Of("Initech")})
		users := []user.User{
			e.endUser(t, "No Email", ""),
			mustUser(t, e.admin, e.svc, user.Input{Name: opt.Of("In Org"), Email: opt.Of("org@acme.example"),
				OrganizationID: opt.Of(org.ID)}),
			e.agent(t, "Agent", "agent@acme.example", auth.RoleAgent),
		}
		owner, err := e.svc.Lookup(ctx, e.acct, e.owner)
		if err != nil {
			t.Fatal(err)
		}
		users = append(users, owner)
		for _, u := range users {
			full, err := e.svc.Lookup(ctx, e.acct, u.ID)
			if err != nil {
				t.Fatal(err)
			}
			b, err := e.svc.LookupBrief(ctx, e.acct, u.ID)
			if err != nil {
				t.Fatal(err)
			}
			want := user.Brief{ID: full.ID, Name: full.Name, Email: full.Email, Role: full.Role,
				OrganizationID: full.OrganizationID, DefaultGroupID: full.DefaultGroupID, Active: full.Active}
			if diff := cmp.Diff(want, b); diff != "" {
				t.Errorf("%s: brief differs from Lookup (-lookup +brief):\n%s", u.Name, diff)
			}
		}
		if _, err := e.svc.DeleteUser(e.admin, users[0].ID); err != nil {
			t.Fatal(err)
		}
		if _, err := e.svc.LookupBrief(ctx, e.acct, users[0].ID); !errs.Is(err, errs.NotFound) {
			t.Errorf("deleted user: err = %v, want NotFound", err)
		}
		if _, err := e.svc.LookupBrief(ctx, e.acct+1, users[1].ID); !errs.Is(err, errs.NotFound) {
			t.Errorf("another account: err = %v, want NotFound", err)
		}
	})
}
