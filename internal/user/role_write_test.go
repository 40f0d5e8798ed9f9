package user_test

import (
	"testing"

	"parley/internal/auth"
	"parley/internal/platform/db"
	"parley/internal/platform/db/dbtest"
	"parley/internal/platform/errs"
	"parley/internal/platform/opt"
	"parley/internal/user"
)

func TestCustomRoleWrites(t *testing.T) {
	t.Parallel()
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		e := newEnv(t, d)
		r, err := e.svc.CreateCustomRole(e.admin, user.RoleInput{Name: opt.Of(" Billing desk "),
			Configuration: opt.Of(map[string]any{"ticket_access": "assigned-only", "ticket_merge": true})})
		if err != nil {
			t.Fatal(err)
		}
		if r.Name != "Billing desk" || r.Configuration["ticket_access"] != "assigned-only" || r.Configuration["ticket_merge"] != true {
			t.Fatalf("created %+v", r)
		}
		r, err = e.svc.UpdateCustomRole(e.admin, r.ID, user.RoleInput{Configuration: opt.Of(map[string]any{"ticket_merge": false})})
		if err != nil {
			t.Fatal(err)
		}
		if r.Configuration["ticket_access"] != "assigned-only" || r.Configuration["ticket_merge"] != false {
			t.Fatalf("updated %+v: other settings must stay", r.Configuration)
		}
		for name, in := range map[string]user.RoleInput{
			"blank name":    {Name: opt.Of(" ")},
			"unknown key":   {Configuration: opt.Of(map[string]any{"launch_rockets": true})},
			"bad choice":    {Configuration: opt.Of(map[string]any{"ticket_access": "everything"})},
			"switch as str": {Configuration: opt.Of(map[string]any{"ticket_merge": "yes"})},
		} {
			if _, err := e.svc.UpdateCustomRole(e.admin, r.ID, in); !errs.Is(err, errs.Invalid) {
				t.Errorf("%s: err = %v, want Invalid", name, err)
			}
		}
		if got, _ := e.svc.GetCustomRole(e.admin, r.ID); got.Configuration["ticket_merge"] != false {
			t.Errorf("a refused update changed the role: %+v", got.Configuration)
		}
		agent := e.agent(t, "Ann Agent", "ann@acme.example", auth.RoleAgent)
		if _, err := e.svc.CreateCustomRole(e.as(t, agent.ID), user.RoleInput{Name: opt.Of("Mine")}); !errs.Is(err, errs.Forbidden) {
			t.Errorf("agent create: err = %v, want Forbidden", err)
		}
	})
}
