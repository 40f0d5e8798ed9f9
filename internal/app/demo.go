package app

import (
	"context"
	"fmt"

	"parley/internal/auth"
	"parley/internal/platform/errs"
	"parley/internal/platform/opt"
	"parley/internal/user"
)

// LoadDemo fills an account with sample people: groups, organizations
// with email domains, agents, end users and custom fields. It matches
// records by external id, name or key, so running it again changes nothing.
func (a *App) LoadDemo(ctx context.Context, l Login) error {
	actor, err := a.Users.ActorByID(ctx, l.Account.ID, l.OwnerID)
	if err != nil {
		return fmt.Errorf("demo: owner: %w", err)
	}
	ctx = auth.System(ctx, actor)
	u := a.Users

	groups := map[string]int64{}
	existing, _, _, err := u.ListGroups(ctx, user.GroupFilter{}, pageAll())
	if err != nil {
		return err
	}
	for _, g := range existing {
		groups[g.Name] = g.ID
	}
	for _, g := range []struct{ name, desc string }{
		{"Billing", "Invoices, refunds and plan changes"},
		{"Technical", "Bugs, integrations and outages"},
		{"VIP", "Enterprise customers with a named contact"},
	} {
		if _, ok := groups[g.name]; ok {
			continue
		}
		grp, err := u.CreateGroup(ctx, user.GroupInput{Name: opt.Of(g.name), Description: opt.Of(g.desc)})
		if err != nil {
			return fmt.Errorf("demo: group %s: %w", g.name, err)
		}
		groups[g.name] = grp.ID
	}

	fields, err := u.ListFields(ctx, user.ResourceUser)
	if err != nil {
		return err
	}
	haveField := map[string]bool{}
	for _, f := range fields {
		haveField[f.Key] = true
	}
	if !haveField["plan"] {
		if _, err := u.CreateField(ctx, user.ResourceUser, user.FieldInput{Key: opt.Of("plan"), Type: opt.Of("dropdown"),
			Title: opt.Of("Plan"), CustomFieldOptions: opt.Of([]user.OptionInput{
				{Name: "Free", Value: "plan_free"}, {Name: "Team", Value: "plan_team"}, {Name: "Enterprise", Value: "plan_enterprise"}})}); err != nil {
			return fmt.Errorf("demo: field plan: %w", err)
		}
	}
	if !haveField["customer_since"] {
		if _, err := u.CreateField(ctx, user.ResourceUser, user.FieldInput{Key: opt.Of("customer_since"), Type: opt.Of("date"),
			Title: opt.Of("Customer since")}); err != nil {
			return fmt.Errorf("demo: field customer_since: %w", err)
		}
	}
	orgFields, err := u.ListFields(ctx, user.ResourceOrg)
	if err != nil {
		return err
	}
	if len(orgFields) == 0 {
		if _, err := u.CreateField(ctx, user.ResourceOrg, user.FieldInput{Key: opt.Of("seats"), Type: opt.Of("integer"),
			Title: opt.Of("Seats")}); err != nil {
			return fmt.Errorf("demo: org field: %w", err)
		}
	}

	orgs := map[string]int64{}
	for _, o := range []struct {
		ext, name, domain string
		seats             int
		tags              []string
	}{
		{"demo-acme", "Acme Corporation", "acme.example", 250, []string{"enterprise", "manufacturing"}},
		{"demo-globex", "Globex", "globex.example", 40, []string{"team"}},
		{"demo-initech", "Initech", "initech.example", 12, []string{"team", "software"}},
		{"demo-umbrella", "Umbrella Health", "umbrella.example", 900, []string{"enterprise", "healthcare"}},
	} {
		org, _, err := u.CreateOrUpdateOrganization(ctx, user.OrgInput{ExternalID: opt.Of(o.ext), Name: opt.Of(o.name),
			DomainNames: opt.Of([]string{o.domain}), Tags: opt.Of(o.tags),
			OrganizationFields: opt.Of(map[string]any{"seats": float64(o.seats)})})
		if err != nil {
			return fmt.Errorf("demo: organization %s: %w", o.name, err)
		}
		orgs[o.ext] = org.ID
	}

	agents := []struct{ ext, name, email, role, group string }{
		{"demo-agent-1", "Maria Rossi", "maria@support.example", "agent", "Technical"},
		{"demo-agent-2", "Jonas Berg", "jonas@support.example", "agent", "Billing"},
		{"demo-agent-3", "Aiko Tanaka", "aiko@support.example", "agent", "Technical"},
		{"demo-agent-4", "Lucía Fernández", "lucia@support.example", "admin", "VIP"},
	}
	for _, ag := range agents {
		in := user.Input{ExternalID: opt.Of(ag.ext), Name: opt.Of(ag.name), Email: opt.Of(ag.email),
			Role: opt.Of(ag.role), Verified: opt.Of(true)}
		usr, _, err := u.CreateOrUpdate(ctx, in)
		if err != nil {
			return fmt.Errorf("demo: agent %s: %w", ag.name, err)
		}
		if _, err := u.CreateGroupMembership(ctx, user.MembershipInput{UserID: opt.Of(usr.ID), GroupID: opt.Of(groups[ag.group])}); err != nil && !errs.Is(err, errs.Invalid) {
			return fmt.Errorf("demo: membership %s: %w", ag.name, err)
		}
	}

	customers := []struct{ ext, name, email, plan, since string }{
		{"demo-cust-1", "Wile E. Coyote", "wile@acme.example", "plan_enterprise", "2019-04-01"},
		{"demo-cust-2", "Road Runner", "beep@acme.example", "plan_enterprise", "2020-01-15"},
		{"demo-cust-3", "Hank Scorpio", "hank@globex.example", "plan_team", "2021-06-30"},
		{"demo-cust-4", "Peter Gibbons", "peter@initech.example", "plan_team", "2022-02-14"},
		{"demo-cust-5", "Milton Waddams", "milton@initech.example", "plan_free", "2023-09-09"},
		{"demo-cust-6", "Alice Abernathy", "alice@umbrella.example", "plan_enterprise", "2018-11-11"},
		{"demo-cust-7", "Chris Redfield", "chris@umbrella.example", "plan_enterprise", "2019-07-07"},
		{"demo-cust-8", "Dana Scully", "dana.scully@mail.example", "plan_free", "2024-03-03"},
		{"demo-cust-9", "Kim Park", "kim.park@mail.example", "plan_team", "2024-08-20"},
		{"demo-cust-10", "Olu Adeyemi", "olu@mail.example", "plan_free", "2025-01-05"},
	}
	for _, c := range customers {
		in := user.Input{ExternalID: opt.Of(c.ext), Name: opt.Of(c.name), Email: opt.Of(c.email), Verified: opt.Of(true),
			UserFields: opt.Of(map[string]any{"plan": c.plan, "customer_since": c.since})}
		if _, _, err := u.CreateOrUpdate(ctx, in); err != nil {
			return fmt.Errorf("demo: customer %s: %w", c.name, err)
		}
	}
	// A consultant who belongs to two organizations.
	consultant, _, err := u.CreateOrUpdate(ctx, user.Input{ExternalID: opt.Of("demo-cust-11"), Name: opt.Of("Sam Consultant"),
		Email: opt.Of("sam@consulting.example"), Verified: opt.Of(true), OrganizationID: opt.Of(orgs["demo-globex"])})
	if err != nil {
		return fmt.Errorf("demo: consultant: %w", err)
	}
	if _, err := u.CreateOrgMembership(ctx, user.MembershipInput{UserID: opt.Of(consultant.ID),
		OrganizationID: opt.Of(orgs["demo-initech"])}); err != nil && !errs.Is(err, errs.Invalid) {
		return fmt.Errorf("demo: consultant membership: %w", err)
	}
	return nil
}
