package search

import (
	"context"

	"parley/internal/platform/db"
	"parley/internal/platform/httpx"
	"parley/internal/ticket"
	"parley/internal/user"
)

// Render loads the records of hits through the rooms that own them and
// returns their API objects, in the order of hits, each with result_type
// added. A record deleted since the search is left out.
//
// Tickets use ticket.JSON. The user room keeps its renderers unexported, so
// users, organizations and groups are rendered here as GET /users/{id},
// /organizations/{id} and /groups/{id} render them (the render subtest of
// TestSearch keeps the copies honest) until the user room exports them.
func (s *Service) Render(ctx context.Context, hits []Hit) ([]httpx.M, error) {
	ids := map[ResultType][]int64{}
	for _, h := range hits {
		ids[h.Type] = append(ids[h.Type], h.ID)
	}
	objs := map[Hit]httpx.M{}
	page := func(n int) db.Page { return db.Page{Limit: n} }
	if list := ids[ResultTicket]; len(list) > 0 {
		ts, _, _, err := s.tickets.List(ctx, ticket.Filter{IDs: list}, page(len(list)))
		if err != nil {
			return nil, err
		}
		for _, t := range ts {
			objs[Hit{ResultTicket, t.ID}] = ticket.JSON(ctx, t)
		}
	}
	if list := ids[ResultUser]; len(list) > 0 {
		us, _, _, err := s.users.ListUsers(ctx, user.Filter{IDs: list}, page(len(list)))
		if err != nil {
			return nil, err
		}
		defs, err := s.users.ListFields(ctx, user.ResourceUser)
		if err != nil {
			return nil, err
		}
		for _, u := range us {
			objs[Hit{ResultUser, u.ID}] = userJSON(ctx, u, defs)
		}
	}
	if list := ids[ResultOrganization]; len(list) > 0 {
		os, _, _, err := s.users.ListOrganizations(ctx, user.OrgFilter{IDs: list}, page(len(list)))
		if err != nil {
			return nil, err
		}
		defs, err := s.users.ListFields(ctx, user.ResourceOrg)
		if err != nil {
			return nil, err
		}
		for _, o := range os {
			objs[Hit{ResultOrganization, o.ID}] = orgJSON(ctx, o, defs)
		}
	}
	if list := ids[ResultGroup]; len(list) > 0 {
		gs, _, _, err := s.users.ListGroups(ctx, user.GroupFilter{IDs: list}, page(len(list)))
		if err != nil {
			return nil, err
		}
		for _, g := range gs {
			objs[Hit{ResultGroup, g.ID}] = groupJSON(ctx, g)
		}
	}
	out := make([]httpx.M, 0, len(hits))
	for _, h := range hits {
		if m, ok := objs[h]; ok {
			m["result_type"] = string(h.Type)
			out = append(out, m)
		}
	}
	return out, nil
}

// localeIDs copies the user room's locale table (user.localeID).
var localeIDs = map[string]int64{"en-US": 1, "es": 2, "de": 8, "fr": 16, "it": 22, "pt-BR": 19, "nl": 9, "ja": 67, "en-GB": 1176}

func localeID(loc string) int64 {
	if id, ok := localeIDs[loc]; ok {
		return id
	}
	return 1
}

// fieldsOut copies the user room's custom field rendering: every active
// field's key, null when the record has no value.
func fieldsOut(defs []user.Field, vals map[string]any) map[string]any {
	out := map[string]any{}
	for _, f := range defs {
		if !f.Active {
			continue
		}
		out[f.Key] = vals[f.Key]
	}
	return out
}

func nonNil(s []string) []string {
	if s == nil {
		return []string{}
	}
	return s
}

// userJSON is GET /users/{id}'s user object.
func userJSON(ctx context.Context, u user.User, defs []user.Field) httpx.M {
	return httpx.M{
		"id":                      u.ID,
		"url":                     httpx.URL(ctx, "/api/v2/users/%d.json", u.ID),
		"name":                    u.Name,
		"email":                   u.Email,
		"created_at":              httpx.Time(u.CreatedAt),
		"updated_at":              httpx.Time(u.UpdatedAt),
		"time_zone":               u.TimeZone,
		"iana_time_zone":          u.IANATimeZone,
		"phone":                   u.Phone,
		"shared_phone_number":     u.SharedPhoneNumber,
		"photo":                   nil,
		"locale_id":               localeID(u.Locale),
		"locale":                  u.Locale,
		"organization_id":         u.OrganizationID,
		"role":                    string(u.Role),
		"verified":                u.Verified,
		"external_id":             u.ExternalID,
		"tags":                    nonNil(u.Tags),
		"alias":                   u.Alias,
		"active":                  u.Active,
		"shared":                  u.Shared,
		"shared_agent":            u.SharedAgent,
		"last_login_at":           httpx.TimePtr(u.LastLoginAt),
		"two_factor_auth_enabled": u.TwoFactorAuth,
		"signature":               u.Signature,
		"details":                 u.Details,
		"notes":                   u.Notes,
		"role_type":               u.RoleType(),
		"custom_role_id":          u.CustomRoleID,
		"moderator":               u.Moderator,
		"ticket_restriction":      u.TicketRestriction,
		"only_private_comments":   u.OnlyPrivateComments,
		"restricted_agent":        u.RestrictedAgent,
		"suspended":               u.Suspended,
		"default_group_id":        u.DefaultGroupID,
		"report_csv":              u.ReportCSV,
		"chat_only":               u.ChatOnly,
		"remote_photo_url":        u.RemotePhotoURL,
		"user_fields":             fieldsOut(defs, u.Fields),
	}
}

// orgJSON is GET /organizations/{id}'s organization object.
func orgJSON(ctx context.Context, o user.Organization, defs []user.Field) httpx.M {
	m := httpx.M{
		"id":                  o.ID,
		"url":                 httpx.URL(ctx, "/api/v2/organizations/%d.json", o.ID),
		"name":                o.Name,
		"shared_tickets":      o.SharedTickets,
		"shared_comments":     o.SharedComments,
		"external_id":         o.ExternalID,
		"created_at":          httpx.Time(o.CreatedAt),
		"updated_at":          httpx.Time(o.UpdatedAt),
		"domain_names":        nonNil(o.DomainNames),
		"details":             o.Details,
		"notes":               o.Notes,
		"group_id":            o.GroupID,
		"tags":                nonNil(o.Tags),
		"organization_fields": fieldsOut(defs, o.Fields),
	}
	if o.DeletedAt != nil {
		m["deleted_at"] = httpx.Time(*o.DeletedAt)
	}
	return m
}

// groupJSON is GET /groups/{id}'s group object.
func groupJSON(ctx context.Context, g user.Group) httpx.M {
	return httpx.M{
		"url":         httpx.URL(ctx, "/api/v2/groups/%d.json", g.ID),
		"id":          g.ID,
		"name":        g.Name,
		"description": g.Description,
		"default":     g.Default,
		"deleted":     g.Deleted,
		"is_public":   g.Public,
		"created_at":  httpx.Time(g.CreatedAt),
		"updated_at":  httpx.Time(g.UpdatedAt),
	}
}
