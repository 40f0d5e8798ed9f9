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

// identityByValue finds a user's identity by value.
func identityByValue(t *testing.T, e *env, userID int64, value string) user.Identity {
	t.Helper()
	is, err := e.svc.ListIdentities(e.admin, userID, nil)
	if err != nil {
		t.Fatal(err)
	}
	for _, i := range is {
		if i.Value == value {
			return i
		}
	}
	t.Fatalf("user %d has no identity %q", userID, value)
	return user.Identity{}
}

// TestPrimaryEmail walks one user through identity changes and checks after
// each that users.email mirrors the primary email identity.
func TestPrimaryEmail(t *testing.T) {
	t.Parallel()
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		e := newEnv(t, d)
		u := e.endUser(t, "Ivy", "a@example.com")
		add := func(typ, value string, primary bool) func(t *testing.T) error {
			return func(t *testing.T) error {
				in := user.IdentityInput{Type: typ, Value: value}
				if primary {
					in.Primary = opt.Of(true)
				}
				_, err := e.svc.CreateIdentity(e.admin, u.ID, in)
				return err
			}
		}
		for _, step := range []struct {
			name      string
			do        func(t *testing.T) error
			wantEmail *string
			want      []identView
		}{
			{"a second email is secondary", add("email", "b@example.com", false), ptr("a@example.com"),
				[]identView{{"email", "a@example.com", true, false}, {"email", "b@example.com", false, false}}},
			{"a phone number is never primary", add("phone_number", "+1 555 0100", false), ptr("a@example.com"),
				[]identView{{"email", "a@example.com", true, false}, {"email", "b@example.com", false, false},
					{"phone_number", "+1 555 0100", false, false}}},
			{"make_primary moves users.email", func(t *testing.T) error {
				_, err := e.svc.MakePrimary(e.admin, u.ID, identityByValue(t, e, u.ID, "b@example.com").ID)
				return err
			}, ptr("b@example.com"),
				[]identView{{"email", "b@example.com", true, false}, {"email", "a@example.com", false, false},
					{"phone_number", "+1 555 0100", false, false}}},
			{"updating the primary's value moves users.email", func(t *testing.T) error {
				_, err := e.svc.UpdateIdentity(e.admin, u.ID, identityByValue(t, e, u.ID, "b@example.com").ID,
					user.IdentityInput{Value: "c@example.com"})
				return err
			}, ptr("c@example.com"),
				[]identView{{"email", "c@example.com", true, false}, {"email", "a@example.com", false, false},
					{"phone_number", "+1 555 0100", false, false}}},
			{"verify", func(t *testing.T) error {
				_, err := e.svc.VerifyIdentity(e.admin, u.ID, identityByValue(t, e, u.ID, "a@example.com").ID)
				return err
			}, ptr("c@example.com"),
				[]identView{{"email", "c@example.com", true, false}, {"email", "a@example.com", false, true},
					{"phone_number", "+1 555 0100", false, false}}},
			{"a new email sent as primary takes over", add("email", "d@example.com", true), ptr("d@example.com"),
				[]identView{{"email", "d@example.com", true, false}, {"email", "a@example.com", false, true},
					{"email", "c@example.com", false, false}, {"phone_number", "+1 555 0100", false, false}}},
			{"deleting the primary promotes the oldest email", func(t *testing.T) error {
				return e.svc.DeleteIdentity(e.admin, u.ID, identityByValue(t, e, u.ID, "d@example.com").ID)
			}, ptr("a@example.com"),
				[]identView{{"email", "a@example.com", true, true}, {"email", "c@example.com", false, false},
					{"phone_number", "+1 555 0100", false, false}}},
			{"deleting a secondary leaves the primary", func(t *testing.T) error {
				return e.svc.DeleteIdentity(e.admin, u.ID, identityByValue(t, e, u.ID, "c@example.com").ID)
			}, ptr("a@example.com"),
				[]identView{{"email", "a@example.com", true, true}, {"phone_number", "+1 555 0100", false, false}}},
			{"deleting the last email clears users.email", func(t *testing.T) error {
				return e.svc.DeleteIdentity(e.admin, u.ID, identityByValue(t, e, u.ID, "a@example.com").ID)
			}, nil,
				[]identView{{"phone_number", "+1 555 0100", false, false}}},
			{"the next email is primary again", add("email", "e@example.com", false), ptr("e@example.com"),
				[]identView{{"email", "e@example.com", true, false}, {"phone_number", "+1 555 0100", false, false}}},
		} {
			t.Run(step.name, func(t *testing.T) {
				if err := step.do(t); err != nil {
					t.Fatalf("step: %v", err)
				}
				is, err := e.svc.ListIdentities(e.admin, u.ID, nil)
				if err != nil {
					t.Fatal(err)
				}
				if diff := cmp.Diff(step.want, identViews(is)); diff != "" {
					t.Errorf("identities (-want +got):\n%s", diff)
				}
				if diff := cmp.Diff(step.wantEmail, e.mustGet(t, u.ID).Email); diff != "" {
					t.Errorf("users.email (-want +got):\n%s", diff)
				}
			})
		}
	})
}

func TestCreateIdentityValidation(t *testing.T) {
	t.Parallel()
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		e := newEnv(t, d)
		other := e.endUser(t, "Other", "taken@example.com")
		if _, err := e.svc.CreateIdentity(e.admin, other.ID, user.IdentityInput{Type: "twitter", Value: "Parley"}); err != nil {
			t.Fatal(err)
		}
		u := e.endUser(t, "Ivy", "ivy@example.com")
		for _, tc := range []struct {
			name    string
			in      user.IdentityInput
			wantErr map[string][]string
		}{
			{"phone with punctuation", user.IdentityInput{Type: "phone_number", Value: "+1 (555) 010-0200"}, nil},
			{"phone with words", user.IdentityInput{Type: "phone_number", Value: "call me"}, map[string][]string{"value": {"InvalidValue"}}},
			{"phone too short", user.IdentityInput{Type: "phone_number", Value: "12"}, map[string][]string{"value": {"InvalidValue"}}},
			{"blank value", user.IdentityInput{Type: "phone_number", Value: "  "}, map[string][]string{"value": {"InvalidValue"}}},
			{"malformed email", user.IdentityInput{Type: "email", Value: "ivy at example"}, map[string][]string{"value": {"InvalidValue"}}},
			{"unknown type", user.IdentityInput{Type: "fax", Value: "12345"}, map[string][]string{"value": {"InvalidValue"}}},
			{"another user's email in another case", user.IdentityInput{Type: "email", Value: "Taken@Example.com"},
				map[string][]string{"email": {"DuplicateValue"}}},
			{"another user's twitter in another case", user.IdentityInput{Type: "twitter", Value: "parley"},
				map[string][]string{"value": {"DuplicateValue"}}},
			{"own email again", user.IdentityInput{Type: "email", Value: "IVY@example.com"},
				map[string][]string{"email": {"DuplicateValue"}}},
		} {
			t.Run(tc.name, func(t *testing.T) {
				before, _ := e.svc.ListIdentities(e.admin, u.ID, nil)
				_, err := e.svc.CreateIdentity(e.admin, u.ID, tc.in)
				if tc.wantErr == nil {
					if err != nil {
						t.Fatalf("CreateIdentity: %v", err)
					}
					return
				}
				if diff := cmp.Diff(tc.wantErr, fieldCodes(err)); diff != "" {
					t.Errorf("error %v: details (-want +got):\n%s", err, diff)
				}
				after, _ := e.svc.ListIdentities(e.admin, u.ID, nil)
				if diff := cmp.Diff(identViews(before), identViews(after)); diff != "" {
					t.Errorf("a refused create changed the identities (-before +after):\n%s", diff)
				}
			})
		}

		t.Run("update to another user's email", func(t *testing.T) {
			id := identityByValue(t, e, u.ID, "ivy@example.com").ID
			_, err := e.svc.UpdateIdentity(e.admin, u.ID, id, user.IdentityInput{Value: "TAKEN@example.com"})
			if diff := cmp.Diff(map[string][]string{"value": {"DuplicateValue"}}, fieldCodes(err)); diff != "" {
				t.Errorf("error %v: details (-want +got):\n%s", err, diff)
			}
			if got := e.mustGet(t, u.ID).Email; got == nil || *got != "ivy@example.com" {
				t.Errorf("users.email = %v after a refused update", got)
			}
		})
		t.Run("update to a malformed phone", func(t *testing.T) {
			id := identityByValue(t, e, u.ID, "+1 (555) 010-0200").ID
			_, err := e.svc.UpdateIdentity(e.admin, u.ID, id, user.IdentityInput{Value: "nope"})
			if diff := cmp.Diff(map[string][]string{"value": {"InvalidValue"}}, fieldCodes(err)); diff != "" {
				t.Errorf("error %v: details (-want +got):\n%s", err, diff)
			}
		})
	})
}

func TestListIdentitiesTypeFilter(t *testing.T) {
	t.Parallel()
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		e := newEnv(t, d)
		u := mustUser(t, e.admin, e.svc, user.Input{Name: opt.Of("Ivy"), Email: opt.Of("ivy@example.com"),
			Identities: []user.IdentityInput{{Type: "phone_number", Value: "+1 555 0100"}, {Type: "twitter", Value: "ivy"},
				{Type: "email", Value: "ivy@work.example"}}})
		for _, tc := range []struct {
			types []string
			want  []string
		}{
			{nil, []string{"ivy@example.com", "+1 555 0100", "ivy", "ivy@work.example"}},
			{[]string{"email"}, []string{"ivy@example.com", "ivy@work.example"}},
			{[]string{"phone_number"}, []string{"+1 555 0100"}},
			{[]string{"twitter", "phone_number"}, []string{"+1 555 0100", "ivy"}},
			{[]string{"facebook"}, []string{}},
		} {
			is, err := e.svc.ListIdentities(e.admin, u.ID, tc.types)
			if err != nil {
				t.Fatal(err)
			}
			got := []string{}
			for _, i := range is {
				got = append(got, i.Value)
			}
			if diff := cmp.Diff(tc.want, got); diff != "" {
				t.Errorf("ListIdentities(%v) (-want +got):\n%s", tc.types, diff)
			}
		}
	})
}

func TestIdentityPermissions(t *testing.T) {
	t.Parallel()
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		e := newEnv(t, d)
		me := e.endUser(t, "Eve", "eve@example.com")
		other := e.endUser(t, "Otto", "otto@example.com")
		agent := e.agent(t, "Agnes", "agnes@acme.example", auth.RoleAgent)
		admin2 := e.agent(t, "Adam", "adam@acme.example", auth.RoleAdmin)
		eve, agnes := e.as(t, me.ID), e.as(t, agent.ID)
		for _, tc := range []struct {
			name string
			ctx  context.Context
			uid  int64
			want errs.Kind // errs.Internal means success
		}{
			{"end user adds to self", eve, me.ID, errs.Internal},
			{"end user adds to another", eve, other.ID, errs.NotFound},
			{"agent adds to an end user", agnes, other.ID, errs.Internal},
			{"agent adds to self", agnes, agent.ID, errs.Internal},
			{"agent adds to an admin", agnes, admin2.ID, errs.Forbidden},
		} {
			t.Run(tc.name, func(t *testing.T) {
				i, err := e.svc.CreateIdentity(tc.ctx, tc.uid, user.IdentityInput{Type: "phone_number",
					Value: "+1 555 01" + string(rune('0'+tc.uid%10)) + "0", Verified: opt.Of(true)})
				if tc.want != errs.Internal {
					wantKind(t, err, tc.want)
					return
				}
				if err != nil {
					t.Fatalf("CreateIdentity: %v", err)
				}
				// Only agents may mark an identity verified.
				if want := auth.ActorFrom(tc.ctx).IsAgent(); i.Verified != want {
					t.Errorf("verified = %v, want %v", i.Verified, want)
				}
			})
		}
		t.Run("end user cannot verify", func(t *testing.T) {
			id := identityByValue(t, e, me.ID, "eve@example.com").ID
			_, err := e.svc.VerifyIdentity(eve, me.ID, id)
			wantKind(t, err, errs.Forbidden)
			_, err = e.svc.UpdateIdentity(eve, me.ID, id, user.IdentityInput{Verified: opt.Of(true)})
			wantKind(t, err, errs.Forbidden)
		})
	})
}
