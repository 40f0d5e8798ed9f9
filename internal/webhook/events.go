package webhook

import (
	"context"
	"log/slog"
	"reflect"
	"slices"
	"sort"
	"strconv"
	"strings"

	"parley/internal/platform/errs"
	"parley/internal/platform/httpx"
	"parley/internal/rule"
	"parley/internal/ticket"
)

// Renderer renders the placeholders of a notification_webhook body for the
// write that fired the rule (the lead wires notify's renderer).
type Renderer interface {
	Render(ctx context.Context, w *ticket.Write, tmpl string) (string, error)
}

// People names comment authors in comment_added events when the author is
// not the writer (the writer's name comes from the actor).
type People interface {
	Author(ctx context.Context, accountID, userID int64) (name string, staff bool, err error)
}

// SetRenderer wires the placeholder renderer; without one, bodies are sent
// as written.
func (s *Service) SetRenderer(r Renderer) { s.renderer = r }

// SetPeople wires the author lookup of comment_added events.
func (s *Service) SetPeople(p People) { s.people = p }

// Call is the notification_webhook action of a trigger or automation: it
// renders the body for the write and records an invocation whose delivery
// job joins the write's transaction. A missing or inactive webhook, or one
// subscribed to events (which triggers cannot use), is logged and skipped so
// a stale rule never blocks a ticket write; database errors fail the write.
func (s *Service) Call(ctx context.Context, w *ticket.Write, c rule.WebhookCall, src ticket.RuleRef) error {
	acct := w.Ticket.AccountID
	log := s.log.With(slog.Int64("account_id", acct), slog.String("webhook_id", c.WebhookID),
		slog.String("rule", src.Kind), slog.Int64("rule_id", src.ID), slog.Int64("ticket_id", w.Ticket.ID))
	wh, err := s.loadWebhook(ctx, acct, c.WebhookID)
	if err != nil {
		if errs.Is(err, errs.NotFound) {
			log.WarnContext(ctx, "webhook: rule calls a webhook that does not exist")
			return nil
		}
		return err
	}
	if wh.IsEventSubscribed() {
		log.WarnContext(ctx, "webhook: rule calls a webhook subscribed to events; triggers may only call conditional_ticket_events webhooks")
		return nil
	}
	if wh.Status != StatusActive {
		log.InfoContext(ctx, "webhook: rule calls an inactive webhook; not delivered")
		return nil
	}
	body := c.Body
	if s.renderer != nil {
		if body, err = s.renderer.Render(ctx, w, c.Body); err != nil {
			log.WarnContext(ctx, "webhook: body does not render; not delivered", slog.String("error", err.Error()))
			return nil
		}
	}
	_, err = s.invoke(ctx, wh, src.Kind+":"+strconv.FormatInt(src.ID, 10), "", body)
	return err
}

// AfterWrite implements ticket.Hook: it derives the zen:event-type:ticket.*
// events of the write and records one invocation per active webhook
// subscribed to each. An account without event subscriptions costs one
// indexed query that returns nothing. Register it after the trigger hook so
// events describe the ticket as the triggers left it.
func (s *Service) AfterWrite(ctx context.Context, w *ticket.Write) error {
	acct := w.Ticket.AccountID
	subs, err := s.subscribed(ctx, acct, eventPrefix+"ticket.")
	if err != nil || len(subs) == 0 {
		return err
	}
	detail := ticketDetail(w)
	subject := "zen:ticket:" + strconv.FormatInt(w.Ticket.ID, 10)
	for _, e := range s.ticketEvents(ctx, w) {
		ids := subs[e.typ]
		if len(ids) == 0 {
			continue
		}
		if err := s.publish(ctx, acct, ids, e.typ, subject, detail, e.data); err != nil {
			return err
		}
	}
	return nil
}

// idStr prints an id as event payloads do: a string, "0" for none.
func idStr(p *int64) string {
	if p == nil {
		return "0"
	}
	return strconv.FormatInt(*p, 10)
}

func idOrNull(p *int64) any {
	if p == nil || *p == 0 {
		return nil
	}
	return strconv.FormatInt(*p, 10)
}

func upper(p *string) any {
	if p == nil || *p == "" {
		return nil
	}
	return strings.ToUpper(*p)
}

func strOrNull(p *string) any {
	if p == nil {
		return nil
	}
	return *p
}

func viaChannel(ch string) string {
	if ch == "api" {
		return "web_service"
	}
	return ch
}

// ticketDetail is the ticket snapshot of ticket events. Enumerations are
// upper case ("OPEN"), as Zendesk sends them; ids are strings, "0" for none.
func ticketDetail(w *ticket.Write) map[string]any {
	t := w.Ticket
	tags := t.Tags
	if tags == nil {
		tags = []string{}
	}
	actor := w.Actor.UserID
	status := strings.ToUpper(t.Status)
	return map[string]any{
		"actor_id": idStr(&actor), "assignee_id": idStr(t.AssigneeID), "brand_id": idStr(t.BrandID),
		"created_at": httpx.Time(t.CreatedAt), "custom_status": strconv.FormatInt(t.CustomStatusID, 10),
		"description": t.Description, "external_id": strOrNull(t.ExternalID), "form_id": idStr(t.TicketFormID),
		"group_id": idStr(t.GroupID), "id": strconv.FormatInt(t.ID, 10), "is_public": t.IsPublic,
		"organization_id": idStr(t.OrganizationID), "priority": upper(t.Priority), "requester_id": idStr(&t.RequesterID),
		"status": status, "subject": t.Subject, "submitter_id": idStr(&t.SubmitterID), "tags": tags,
		"type": upper(t.Type), "updated_at": httpx.Time(t.UpdatedAt), "via": map[string]any{"channel": viaChannel(t.Via.Channel)},
	}
}

type event struct {
	typ  string
	data map[string]any
}

func change(cur, prev any) map[string]any { return map[string]any{"current": cur, "previous": prev} }

// ticketEvents derives the events of one write, in a stable order.
func (s *Service) ticketEvents(ctx context.Context, w *ticket.Write) []event {
	t, b := w.Ticket, w.Before
	var out []event
	add := func(name string, data map[string]any) {
		out = append(out, event{typ: eventPrefix + "ticket." + name, data: data})
	}
	if w.Create {
		add("created", map[string]any{})
		return out
	}
	if t.Status != b.Status {
		add("status_changed", change(strings.ToUpper(t.Status), strings.ToUpper(b.Status)))
	}
	if t.CustomStatusID != b.CustomStatusID {
		add("custom_status_changed", change(strconv.FormatInt(t.CustomStatusID, 10), strconv.FormatInt(b.CustomStatusID, 10)))
	}
	if !sameStr(t.Priority, b.Priority) {
		add("priority_changed", change(upper(t.Priority), upper(b.Priority)))
	}
	if !sameStr(t.Type, b.Type) {
		add("type_changed", change(upper(t.Type), upper(b.Type)))
	}
	if t.Subject != b.Subject {
		add("subject_changed", change(t.Subject, b.Subject))
	}
	if t.Description != b.Description {
		add("description_changed", change(t.Description, b.Description))
	}
	ids := []struct {
		name      string
		cur, prev *int64
	}{
		{"agent_assignment_changed", t.AssigneeID, b.AssigneeID},
		{"group_assignment_changed", t.GroupID, b.GroupID},
		{"organization_changed", t.OrganizationID, b.OrganizationID},
		{"requester_changed", &t.RequesterID, &b.RequesterID},
		{"submitter_changed", &t.SubmitterID, &b.SubmitterID},
		{"brand_changed", t.BrandID, b.BrandID},
		{"form_changed", t.TicketFormID, b.TicketFormID},
		{"problem_link_changed", t.ProblemID, b.ProblemID},
	}
	for _, x := range ids {
		if !sameID(x.cur, x.prev) {
			add(x.name, change(idOrNull(x.cur), idOrNull(x.prev)))
		}
	}
	if !sameStr(t.ExternalID, b.ExternalID) {
		add("external_id_changed", change(strOrNull(t.ExternalID), strOrNull(b.ExternalID)))
	}
	if !sameTime(t, b) {
		add("task_due_at_changed", change(httpx.TimePtr(t.DueAt), httpx.TimePtr(b.DueAt)))
	}
	if added, removed := diffStrings(t.Tags, b.Tags); len(added)+len(removed) > 0 {
		add("tags_changed", map[string]any{"tags_added": added, "tags_removed": removed})
	}
	for _, id := range changedFields(t.Fields, b.Fields) {
		add("custom_field_changed", map[string]any{"current": t.Fields[id], "previous": b.Fields[id],
			"custom_field": map[string]any{"id": strconv.FormatInt(id, 10)}})
	}
	if added, removed := diffIDs(t.EmailCCIDs, b.EmailCCIDs); len(added)+len(removed) > 0 {
		add("email_ccs_changed", map[string]any{"users_added": added, "users_removed": removed})
	}
	if added, removed := diffIDs(t.FollowerIDs, b.FollowerIDs); len(added)+len(removed) > 0 {
		add("followers_changed", map[string]any{"users_added": added, "users_removed": removed})
	}
	if c := w.Comment; c != nil {
		name, staff := s.author(ctx, w, c.AuthorID)
		body := c.PlainBody
		if body == "" {
			body = c.Body
		}
		add("comment_added", map[string]any{"comment": map[string]any{
			"id": strconv.FormatInt(c.ID, 10), "body": body, "is_public": c.Public,
			"author": map[string]any{"id": strconv.FormatInt(c.AuthorID, 10), "is_staff": staff, "name": name},
		}})
	}
	if t.DeletedAt != nil && b.DeletedAt == nil {
		add("soft_deleted", map[string]any{})
	}
	return out
}

func (s *Service) author(ctx context.Context, w *ticket.Write, id int64) (string, bool) {
	if id == w.Actor.UserID {
		return w.Actor.Name, w.Actor.IsAgent()
	}
	if s.people != nil {
		name, staff, err := s.people.Author(ctx, w.Ticket.AccountID, id)
		if err == nil {
			return name, staff
		}
	}
	return "", false
}

func sameStr(a, b *string) bool {
	return (a == nil && b == nil) || (a != nil && b != nil && *a == *b)
}

func sameID(a, b *int64) bool {
	av, bv := int64(0), int64(0)
	if a != nil {
		av = *a
	}
	if b != nil {
		bv = *b
	}
	return av == bv
}

func sameTime(t, b ticket.Ticket) bool {
	if t.DueAt == nil || b.DueAt == nil {
		return t.DueAt == nil && b.DueAt == nil
	}
	return t.DueAt.Equal(*b.DueAt)
}

func diffStrings(cur, prev []string) (added, removed []string) {
	added, removed = []string{}, []string{}
	for _, x := range cur {
		if !slices.Contains(prev, x) {
			added = append(added, x)
		}
	}
	for _, x := range prev {
		if !slices.Contains(cur, x) {
			removed = append(removed, x)
		}
	}
	return added, removed
}

func diffIDs(cur, prev []int64) (added, removed []string) {
	added, removed = []string{}, []string{}
	for _, x := range cur {
		if !slices.Contains(prev, x) {
			added = append(added, strconv.FormatInt(x, 10))
		}
	}
	for _, x := range prev {
		if !slices.Contains(cur, x) {
			removed = append(removed, strconv.FormatInt(x, 10))
		}
	}
	return added, removed
}

func changedFields(cur, prev map[int64]any) []int64 {
	var out []int64
	seen := map[int64]bool{}
	for id := range cur {
		seen[id] = true
	}
	for id := range prev {
		seen[id] = true
	}
	for id := range seen {
		if !reflect.DeepEqual(cur[id], prev[id]) {
			out = append(out, id)
		}
	}
	sort.Slice(out, func(i, j int) bool { return out[i] < out[j] })
	return out
}
