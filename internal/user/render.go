package user

import (
	"context"

	"parley/internal/platform/httpx"
)

// Renderer turns records into Zendesk JSON. It caches field definitions
// for one response so a list does not reload them per row.
type renderer struct {
	s         *Service
	ctx       context.Context
	userDefs  []Field
	orgDefs   []Field
	loadedU   bool
	loadedO   bool
	accountID int64
}

func (s *Service) renderer(ctx context.Context, accountID int64) *renderer {
	return &renderer{s: s, ctx: ctx, accountID: accountID}
}

func (r *renderer) user(u User) httpx.M {
	if !r.loadedU {
		r.userDefs, _ = r.s.fieldDefs(r.ctx, r.accountID, ResourceUser)
		r.loadedU = true
	}
	tags := u.Tags
	if tags == nil {
		tags = []string{}
	}
	return httpx.M{
		"id":                      u.ID,
		"url":                     httpx.URL(r.ctx, "/api/v2/users/%d.json", u.ID),
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
		"tags":                    tags,
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
		"user_fields":             fieldsOut(r.userDefs, u.Fields),
	}
}

func (r *renderer) org(o Organization) httpx.M {
	if !r.loadedO {
		r.orgDefs, _ = r.s.fieldDefs(r.ctx, r.accountID, ResourceOrg)
		r.loadedO = true
	}
	m := httpx.M{
		"id":                  o.ID,
		"url":                 httpx.URL(r.ctx, "/api/v2/organizations/%d.json", o.ID),
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
		"organization_fields": fieldsOut(r.orgDefs, o.Fields),
	}
	if o.DeletedAt != nil {
		m["deleted_at"] = httpx.Time(*o.DeletedAt)
	}
	return m
}

func nonNil(s []string) []string {
	if s == nil {
		return []string{}
	}
	return s
}

func identityJSON(ctx context.Context, i Identity) httpx.M {
	return httpx.M{
		"url":                 httpx.URL(ctx, "/api/v2/users/%d/identities/%d.json", i.UserID, i.ID),
		"id":                  i.ID,
		"user_id":             i.UserID,
		"type":                i.Type,
		"value":               i.Value,
		"verified":            i.Verified,
		"primary":             i.Primary,
		"created_at":          httpx.Time(i.CreatedAt),
		"updated_at":          httpx.Time(i.UpdatedAt),
		"undeliverable_count": i.UndeliverableCount,
		"deliverable_state":   i.DeliverableState,
	}
}

func omJSON(ctx context.Context, m OrgMembership) httpx.M {
	var def any
	if m.Default {
		def = true
	}
	return httpx.M{
		"url":               httpx.URL(ctx, "/api/v2/organization_memberships/%d.json", m.ID),
		"id":                m.ID,
		"user_id":           m.UserID,
		"organization_id":   m.OrganizationID,
		"default":           def,
		"organization_name": m.OrganizationName,
		"view_tickets":      m.ViewTickets,
		"created_at":        httpx.Time(m.CreatedAt),
		"updated_at":        httpx.Time(m.UpdatedAt),
	}
}

func groupJSON(ctx context.Context, g Group) httpx.M {
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

func gmJSON(ctx context.Context, m GroupMembership) httpx.M {
	return httpx.M{
		"url":        httpx.URL(ctx, "/api/v2/group_memberships/%d.json", m.ID),
		"id":         m.ID,
		"user_id":    m.UserID,
		"group_id":   m.GroupID,
		"default":    m.Default,
		"created_at": httpx.Time(m.CreatedAt),
		"updated_at": httpx.Time(m.UpdatedAt),
	}
}

func fieldJSON(ctx context.Context, f Field) httpx.M {
	path := "user_fields"
	if f.Resource == ResourceOrg {
		path = "organization_fields"
	}
	m := httpx.M{
		"url":                   httpx.URL(ctx, "/api/v2/%s/%d.json", path, f.ID),
		"id":                    f.ID,
		"type":                  f.Type,
		"key":                   f.Key,
		"title":                 f.Title,
		"raw_title":             f.RawTitle,
		"description":           f.Description,
		"raw_description":       f.RawDescription,
		"position":              f.Position,
		"active":                f.Active,
		"system":                f.System,
		"regexp_for_validation": f.RegexpForValidation,
		"tag":                   f.Tag,
		"created_at":            httpx.Time(f.CreatedAt),
		"updated_at":            httpx.Time(f.UpdatedAt),
	}
	if f.Type == "dropdown" || f.Type == "tagger" || f.Type == "multiselect" {
		opts := make([]httpx.M, 0, len(f.Options))
		for _, o := range f.Options {
			opts = append(opts, optionJSON(ctx, f, o))
		}
		m["custom_field_options"] = opts
	}
	if f.Type == "lookup" {
		m["relationship_target_type"] = f.RelationshipTargetType
		m["relationship_filter"] = httpx.M{}
	}
	return m
}

func optionJSON(ctx context.Context, f Field, o FieldOption) httpx.M {
	path := "user_fields"
	if f.Resource == ResourceOrg {
		path = "organization_fields"
	}
	return httpx.M{
		"id":       o.ID,
		"url":      httpx.URL(ctx, "/api/v2/%s/%d/options/%d.json", path, f.ID, o.ID),
		"name":     o.Name,
		"raw_name": o.RawName,
		"value":    o.Value,
		"position": o.Position,
		"default":  o.Default,
	}
}

func roleJSON(r CustomRole) httpx.M {
	return httpx.M{
		"id":                r.ID,
		"name":              r.Name,
		"description":       r.Description,
		"role_type":         r.RoleType,
		"created_at":        httpx.Time(r.CreatedAt),
		"updated_at":        httpx.Time(r.UpdatedAt),
		"configuration":     r.Configuration,
		"team_member_count": r.TeamMemberCount,
	}
}

// countJSON is Zendesk's {"count":{"value":N,"refreshed_at":...}}.
func countJSON(n int64, at string) httpx.M {
	return httpx.M{"count": httpx.M{"value": n, "refreshed_at": at}}
}

// RenderUsers renders users exactly as GET /users/{id} does (field
// definitions are loaded once for the list). Other rooms use it.
func (s *Service) RenderUsers(ctx context.Context, accountID int64, us []User) []httpx.M {
	rd := s.renderer(ctx, accountID)
	out := make([]httpx.M, 0, len(us))
	for _, u := range us {
		out = append(out, rd.user(u))
	}
	return out
}

// RenderOrganizations renders organizations as GET /organizations/{id} does.
func (s *Service) RenderOrganizations(ctx context.Context, accountID int64, os []Organization) []httpx.M {
	rd := s.renderer(ctx, accountID)
	out := make([]httpx.M, 0, len(os))
	for _, o := range os {
		out = append(out, rd.org(o))
	}
	return out
}

// GroupJSON renders a group as GET /groups/{id} does.
func GroupJSON(ctx context.Context, g Group) httpx.M { return groupJSON(ctx, g) }
