package ticket

import (
	"context"
	"encoding/json"
	"net/url"
	"sort"

	"parley/internal/platform/httpx"
)

// JSON renders a ticket with every field Zendesk always returns.
func JSON(ctx context.Context, t Ticket) httpx.M {
	cf := make([]httpx.M, 0, len(t.Fields))
	ids := append([]int64{}, t.ActiveFieldIDs...)
	listed := map[int64]bool{}
	for _, id := range ids {
		listed[id] = true
	}
	for id := range t.Fields {
		if !listed[id] {
			ids = append(ids, id)
		}
	}
	sort.Slice(ids, func(i, j int) bool { return ids[i] < ids[j] })
	for _, id := range ids {
		cf = append(cf, httpx.M{"id": id, "value": t.Fields[id]})
	}
	status := t.Status
	if t.DeletedAt != nil {
		status = "deleted"
	}
	var sat any
	if t.Rating != nil {
		sat = httpx.M{"id": t.Rating.ID, "score": t.Rating.Score, "comment": t.Rating.Comment}
	}
	return httpx.M{
		"url":                    httpx.URL(ctx, "/api/v2/tickets/%d.json", t.ID),
		"id":                     t.ID,
		"external_id":            t.ExternalID,
		"via":                    viaJSON(t.Via),
		"created_at":             httpx.Time(t.CreatedAt),
		"updated_at":             httpx.Time(t.UpdatedAt),
		"type":                   t.Type,
		"subject":                t.Subject,
		"raw_subject":            t.RawSubject,
		"description":            t.Description,
		"priority":               t.Priority,
		"status":                 status,
		"recipient":              t.Recipient,
		"requester_id":           t.RequesterID,
		"submitter_id":           t.SubmitterID,
		"assignee_id":            t.AssigneeID,
		"organization_id":        t.OrganizationID,
		"group_id":               t.GroupID,
		"collaborator_ids":       t.CollaboratorIDs,
		"follower_ids":           t.FollowerIDs,
		"email_cc_ids":           t.EmailCCIDs,
		"forum_topic_id":         t.ForumTopicID,
		"problem_id":             t.ProblemID,
		"has_incidents":          t.HasIncidents,
		"is_public":              t.IsPublic,
		"due_at":                 httpx.TimePtr(t.DueAt),
		"tags":                   t.Tags,
		"custom_fields":          cf,
		"satisfaction_rating":    sat,
		"sharing_agreement_ids":  t.SharingAgreementIDs(),
		"custom_status_id":       t.CustomStatusID,
		"fields":                 cf,
		"followup_ids":           t.FollowupIDs,
		"ticket_form_id":         t.TicketFormID,
		"brand_id":               t.BrandID,
		"allow_channelback":      false,
		"allow_attachments":      true,
		"from_messaging_channel": false,
	}
}

func viaJSON(v Via) httpx.M {
	src := v.Source
	if len(src) == 0 {
		src = json.RawMessage(`{"from":{},"to":{},"rel":null}`)
	}
	return httpx.M{"channel": v.Channel, "source": src}
}

// AttachmentJSON renders an attachment; content_url is where its bytes
// are served (access-checked).
func AttachmentJSON(ctx context.Context, a Attachment) httpx.M {
	content := httpx.URL(ctx, "/attachments/token/%s/?name=%s", a.URLToken, url.QueryEscape(a.FileName))
	return httpx.M{
		"url":                     httpx.URL(ctx, "/api/v2/attachments/%d.json", a.ID),
		"id":                      a.ID,
		"file_name":               a.FileName,
		"content_url":             content,
		"mapped_content_url":      content,
		"content_type":            a.ContentType,
		"size":                    a.Size,
		"width":                   nil,
		"height":                  nil,
		"inline":                  a.Inline,
		"deleted":                 a.Deleted,
		"malware_access_override": false,
		"malware_scan_result":     "not_scanned",
		"thumbnails":              []any{},
	}
}

func commentJSON(ctx context.Context, c Comment) httpx.M {
	atts := make([]httpx.M, 0, len(c.Attachments))
	for _, a := range c.Attachments {
		atts = append(atts, AttachmentJSON(ctx, a))
	}
	meta := c.Metadata
	if len(meta) == 0 {
		meta = json.RawMessage(`{"system":{},"custom":{}}`)
	}
	return httpx.M{
		"id":          c.ID,
		"type":        c.Type,
		"author_id":   c.AuthorID,
		"body":        c.Body,
		"html_body":   c.HTMLBody,
		"plain_body":  c.PlainBody,
		"public":      c.Public,
		"attachments": atts,
		"audit_id":    c.AuditID,
		"via":         viaJSON(c.Via),
		"created_at":  httpx.Time(c.CreatedAt),
		"metadata":    meta,
	}
}

// auditJSON renders an audit; comments are embedded in their events.
func auditJSON(ctx context.Context, au Audit, comments map[int64]Comment) httpx.M {
	events := make([]httpx.M, 0, len(au.Events))
	for _, e := range au.Events {
		m := httpx.M{"id": e.ID, "type": e.Type}
		switch e.Type {
		case "Comment":
			if c, ok := comments[e.CommentID]; ok {
				for k, v := range commentJSON(ctx, c) {
					if k != "via" && k != "created_at" && k != "metadata" {
						m[k] = v
					}
				}
			}
			m["id"] = e.CommentID
		case "CommentPrivacyChange":
			m["comment_id"] = e.CommentID
			m["public"] = e.Value
		case "CommentRedactionEvent":
			m["comment_id"] = e.CommentID
		case "AttachmentRedactionEvent":
			m["comment_id"] = e.CommentID
			m["attachment_id"] = e.Value
		case "Notification", "WebhookEvent", "TicketSharingEvent", "AgentMacroReference":
			// Data carries the event's own keys (subject, body,
			// recipients; webhook id; agreement id and action).
		default:
			m["field_name"] = e.FieldName
			m["value"] = e.Value
			if e.HasPrevious {
				m["previous_value"] = e.PreviousValue
			}
		}
		for k, v := range e.Data {
			if _, taken := m[k]; !taken {
				m[k] = v
			}
		}
		if len(e.Via) > 0 {
			m["via"] = e.Via
		}
		events = append(events, m)
	}
	meta := au.Metadata
	if len(meta) == 0 {
		meta = json.RawMessage(`{"system":{},"custom":{}}`)
	}
	return httpx.M{
		"id":         au.ID,
		"ticket_id":  au.TicketID,
		"created_at": httpx.Time(au.CreatedAt),
		"author_id":  au.AuthorID,
		"metadata":   meta,
		"via":        viaJSON(au.Via),
		"events":     events,
	}
}

func statusJSON(ctx context.Context, c CustomStatus) httpx.M {
	return httpx.M{
		"url":                      httpx.URL(ctx, "/api/v2/custom_statuses/%d.json", c.ID),
		"id":                       c.ID,
		"status_category":          c.Category,
		"agent_label":              c.AgentLabel,
		"raw_agent_label":          c.RawAgentLabel,
		"end_user_label":           c.EndUserLabel,
		"raw_end_user_label":       c.RawEndUserLabel,
		"description":              c.Description,
		"raw_description":          c.RawDescription,
		"end_user_description":     c.EndUserDescription,
		"raw_end_user_description": c.RawEndUserDescription,
		"active":                   c.Active,
		"default":                  c.Default,
		"created_at":               httpx.Time(c.CreatedAt),
		"updated_at":               httpx.Time(c.UpdatedAt),
	}
}

func fieldJSON(ctx context.Context, f Field) httpx.M {
	m := httpx.M{
		"url":                   httpx.URL(ctx, "/api/v2/ticket_fields/%d.json", f.ID),
		"id":                    f.ID,
		"type":                  f.Type,
		"title":                 f.Title,
		"raw_title":             f.RawTitle,
		"description":           f.Description,
		"raw_description":       f.RawDescription,
		"agent_description":     f.AgentDescription,
		"position":              f.Position,
		"active":                f.Active,
		"required":              f.Required,
		"collapsed_for_agents":  f.CollapsedForAgents,
		"regexp_for_validation": f.RegexpForValidation,
		"title_in_portal":       f.TitleInPortal,
		"raw_title_in_portal":   f.RawTitleInPortal,
		"visible_in_portal":     f.VisibleInPortal,
		"editable_in_portal":    f.EditableInPortal,
		"required_in_portal":    f.RequiredInPortal,
		"tag":                   f.Tag,
		"created_at":            httpx.Time(f.CreatedAt),
		"updated_at":            httpx.Time(f.UpdatedAt),
		"removable":             f.Removable,
		"key":                   f.Key,
		"sub_type_id":           f.SubTypeID,
	}
	if f.Type == "tagger" || f.Type == "multiselect" {
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
	return httpx.M{"id": o.ID, "url": httpx.URL(ctx, "/api/v2/ticket_fields/%d/options/%d.json", f.ID, o.ID),
		"name": o.Name, "raw_name": o.RawName, "value": o.Value, "position": o.Position, "default": o.Default}
}

// RatingJSON renders a satisfaction rating.
func RatingJSON(ctx context.Context, r Rating) httpx.M {
	return httpx.M{
		"url":          httpx.URL(ctx, "/api/v2/satisfaction_ratings/%d.json", r.ID),
		"id":           r.ID,
		"assignee_id":  r.AssigneeID,
		"group_id":     r.GroupID,
		"requester_id": r.RequesterID,
		"ticket_id":    r.TicketID,
		"score":        r.Score,
		"comment":      r.Comment,
		"reason":       r.Reason,
		"reason_id":    nil,
		"created_at":   httpx.Time(r.CreatedAt),
		"updated_at":   httpx.Time(r.UpdatedAt),
	}
}
