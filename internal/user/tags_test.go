package user_test

import (
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"parley/internal/auth"
	"parley/internal/platform/db"
	"parley/internal/platform/db/dbtest"
	"parley/internal/platform/errs"
	"parley/internal/platform/opt"
	"parley/internal/user"
)

func TestNormalizeTags(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name string
		in   []string
		want []string
	}{
		{"nil", nil, []string{}},
		{"lower-cased", []string{"VIP", "Gold"}, []string{"gold", "vip"}},
		{"split on spaces, commas, tabs and newlines", []string{"a b,c\td\ne"}, []string{"a", "b", "c", "d", "e"}},
		{"duplicates after lower-casing", []string{"vip", "VIP", "Vip vip"}, []string{"vip"}},
		{"empties dropped", []string{"", " , ", ",,a,,"}, []string{"a"}},
		{"sorted", []string{"zeta", "alpha", "mid"}, []string{"alpha", "mid", "zeta"}},
		{"hyphens and underscores kept", []string{"follow-up", "on_hold"}, []string{"follow-up", "on_hold"}},
		{"over-long tags dropped", []string{strings.Repeat("x", 256), "ok"}, []string{"ok"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if diff := cmp.Diff(tc.want, user.NormalizeTags(tc.in)); diff != "" {
				t.Errorf("NormalizeTags(%q) (-want +got):\n%s", tc.in, diff)
			}
		})
	}
}

func TestChangeTags(t *testing.T) {
	t.Parallel()
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		e := newEnv(t, d)
		u := e.endUser(t, "Tag Me", "tag@example.com")
		o := e.mustOrg(t, user.OrgInput{Name: opt.Of("Tagged Org")})
		for _, step := range []struct {
			name string
			op   user.TagOp
			tags []string
			want []string
		}{
			{"set", user.TagsSet, []string{"B a", "c"}, []string{"a", "b", "c"}},
			{"add", user.TagsAdd, []string{"D,A"}, []string{"a", "b", "c", "d"}},
			{"remove (absent ones are fine)", user.TagsRemove, []string{"B", "x"}, []string{"a", "c", "d"}},
			{"set replaces", user.TagsSet, []string{"z"}, []string{"z"}},
			{"set to none", user.TagsSet, []string{}, []string{}},
		} {
			t.Run(step.name, func(t *testing.T) {
				got, err := e.svc.ChangeUserTags(e.admin, u.ID, step.op, step.tags)
				if err != nil {
					t.Fatalf("ChangeUserTags: %v", err)
				}
				if diff := cmp.Diff(step.want, got); diff != "" {
					t.Errorf("returned user tags (-want +got):\n%s", diff)
				}
				if diff := cmp.Diff(step.want, e.mustGet(t, u.ID).Tags); diff != "" {
					t.Errorf("stored user tags (-want +got):\n%s", diff)
				}
				got, err = e.svc.ChangeOrgTags(e.admin, o.ID, step.op, step.tags)
				if err != nil {
					t.Fatalf("ChangeOrgTags: %v", err)
				}
				stored, _ := e.svc.GetOrganization(e.admin, o.ID)
				if diff := cmp.Diff(step.want, got); diff != "" {
					t.Errorf("returned organization tags (-want +got):\n%s", diff)
				}
				if diff := cmp.Diff(step.want, stored.Tags); diff != "" {
					t.Errorf("stored organization tags (-want +got):\n%s", diff)
				}
			})
		}
		t.Run("updates through the user replace the tags", func(t *testing.T) {
			got, err := e.svc.UpdateUser(e.admin, u.ID, user.Input{Tags: opt.Of([]string{"One two", "TWO"})})
			if err != nil {
				t.Fatal(err)
			}
			if diff := cmp.Diff([]string{"one", "two"}, got.Tags); diff != "" {
				t.Errorf("tags (-want +got):\n%s", diff)
			}
			got, err = e.svc.UpdateUser(e.admin, u.ID, user.Input{Name: opt.Of("Renamed")})
			if err != nil || !cmp.Equal([]string{"one", "two"}, got.Tags) {
				t.Errorf("an update without tags changed them: %v, %v", got.Tags, err)
			}
		})
		t.Run("end users cannot change tags", func(t *testing.T) {
			_, err := e.svc.ChangeUserTags(e.as(t, u.ID), u.ID, user.TagsAdd, []string{"self"})
			wantKind(t, err, errs.Forbidden)
			_, err = e.svc.UserTags(e.as(t, u.ID), u.ID)
			wantKind(t, err, errs.Forbidden)
		})
		t.Run("agents can", func(t *testing.T) {
			agent := e.agent(t, "Agnes", "agnes@acme.example", auth.RoleAgent)
			if _, err := e.svc.ChangeUserTags(e.as(t, agent.ID), u.ID, user.TagsAdd, []string{"by_agent"}); err != nil {
				t.Errorf("agent ChangeUserTags: %v", err)
			}
		})
	})
}
