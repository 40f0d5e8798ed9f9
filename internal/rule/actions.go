package rule

import (
	"encoding/json"
	"slices"
	"strconv"
	"strings"
)

// inM marks actions macros may use (conditions never do).
const inM where = 1 << 3

// actionKind is how an action reads its value.
type actionKind uint8

const (
	aEnum      actionKind = iota // one of values
	aID                          // a record id; "" clears; current_user / requester_id (assignee_id)
	aTags                        // space-separated tags
	aField                       // a custom field value
	aUser                        // a user id or current_user (follower, cc)
	aNotify                      // [recipient, subject, body]
	aWebhook                     // [webhook id, body]
	aText                        // free text (subject, comment_value_html)
	aComment                     // comment_value: text, or ["channel:all", text]
	aBool                        // comment_mode_is_public
	aAgreement                   // share_ticket: a sharing agreement id (or a list)
)

type actionSpec struct {
	name, title, group string
	where              where
	val                actionKind
	values             []string
}

var actionSpecs = []actionSpec{
	{name: "status", title: "Status", group: "ticket", where: inT | inA | inM, val: aEnum, values: statuses},
	{name: "priority", title: "Priority", group: "ticket", where: inT | inA | inM, val: aEnum, values: priorities},
	{name: "type", title: "Type", group: "ticket", where: inT | inA | inM, val: aEnum, values: types},
	{name: "group_id", title: "Group", group: "ticket", where: inT | inA | inM, val: aID},
	{name: "assignee_id", title: "Assignee", group: "ticket", where: inT | inA | inM, val: aID},
	{name: "custom_status_id", title: "Ticket status", group: "ticket", where: inT | inA | inM, val: aID},
	{name: "ticket_form_id", title: "Form", group: "ticket", where: inT | inA | inM, val: aID},
	{name: "set_tags", title: "Set tags", group: "ticket", where: inT | inA | inM, val: aTags},
	{name: "current_tags", title: "Add tags", group: "ticket", where: inT | inA | inM, val: aTags},
	{name: "remove_tags", title: "Remove tags", group: "ticket", where: inT | inA | inM, val: aTags},
	{name: "follower", title: "Add follower", group: "ticket", where: inT | inA | inM, val: aUser},
	{name: "cc", title: "Add cc", group: "ticket", where: inT | inA, val: aUser},
	{name: "satisfaction_score", title: "Satisfaction", group: "ticket", where: inT | inA, val: aEnum, values: []string{"offered"}},
	{name: "share_ticket", title: "Share ticket with", group: "ticket", where: inT | inA | inM, val: aAgreement},
	{name: "notification_user", title: "Email user", group: "notification", where: inT | inA, val: aNotify},
	{name: "notification_group", title: "Email group", group: "notification", where: inT | inA, val: aNotify},
	{name: "notification_webhook", title: "Notify active webhook", group: "notification", where: inT | inA, val: aWebhook},
	{name: "subject", title: "Set subject", group: "ticket", where: inM, val: aText},
	{name: "comment_value", title: "Comment/description", group: "ticket", where: inM, val: aComment},
	{name: "comment_value_html", title: "Comment/description (HTML)", group: "ticket", where: inM, val: aText},
	{name: "comment_mode_is_public", title: "Comment mode", group: "ticket", where: inM, val: aBool},
}

var actionByName = func() map[string]*actionSpec {
	m := make(map[string]*actionSpec, len(actionSpecs))
	for i := range actionSpecs {
		m[actionSpecs[i].name] = &actionSpecs[i]
	}
	return m
}()

var fieldAction = actionSpec{name: customPrefix, title: "Custom field", group: "ticket", where: inT | inA | inM, val: aField}

func lookupAction(field string) (*actionSpec, int64, bool) {
	if s, ok := actionByName[field]; ok {
		return s, 0, true
	}
	if rest, ok := strings.CutPrefix(field, customPrefix); ok {
		if n, err := strconv.ParseInt(rest, 10, 64); err == nil && n > 0 {
			return &fieldAction, n, true
		}
	}
	return nil, 0, false
}

func (w where) hasAction(k Kind) bool {
	if k == Macro {
		return w&inM != 0
	}
	return w.has(k)
}

// Changes is what a list of actions asks for, resolved against the ticket
// and the acting user. Nil pointers and empty lists ask for nothing.
type Changes struct {
	Status, Priority, Type       *string // "" in Priority / Type clears
	GroupID, AssigneeID          *int64  // 0 clears
	CustomStatusID, TicketFormID *int64
	SetTags                      []string // set_tags replaces all tags (when SetTagsSet)
	SetTagsSet                   bool
	AddTags, RemoveTags          []string       // current_tags adds; remove_tags removes
	Fields                       map[int64]any  // custom_fields_<id>: the value as given (nil clears)
	Followers, CCs               []int64        // follower / cc (user ids; current_user resolved)
	Satisfaction                 string         // "offered"
	Subject                      *string        // macros
	Comment                      *MacroComment  // macros: comment_value / comment_value_html / comment_mode_is_public
	Notifications                []Notification // notification_user / notification_group
	Webhooks                     []WebhookCall  // notification_webhook
	ShareAgreementIDs            []int64        // share_ticket (carried out by the sharing issue)
}

// MacroComment is the comment a macro adds.
type MacroComment struct {
	Body, HTMLBody string
	Public         *bool
}

// Notification is one email a rule sends. Recipient is "requester_id",
// "assignee_id", "current_user", "all_agents", "requester_and_ccs" or a
// user id (notification_user), or a group id or "group_id" (Group true).
// Subject and Body are unrendered (placeholders intact).
type Notification struct {
	Group         bool
	Recipient     string
	Subject, Body string
}

// WebhookCall is one webhook a rule calls, with its unrendered body.
type WebhookCall struct{ WebhookID, Body string }

// Plan resolves actions into changes: current_user is actorID, requester_id
// (for assignee_id) the ticket's requester. Later actions on the same field
// win; tags accumulate. Actions it cannot read are skipped (validation
// rejects them before a rule is stored).
func Plan(as []Action, t *Ticket, actorID int64) Changes {
	var ch Changes
	if t == nil {
		t = &Ticket{}
	}
	for _, a := range as {
		s, fid, ok := lookupAction(a.Field)
		if !ok {
			continue
		}
		switch s.val {
		case aEnum:
			x, ok := actionEnum(s, a.Value)
			if !ok {
				continue
			}
			switch s.name {
			case "status":
				ch.Status = &x
			case "priority":
				ch.Priority = &x
			case "type":
				ch.Type = &x
			case "satisfaction_score":
				ch.Satisfaction = x
			}
		case aID:
			n, ok := actionID(s, a.Value, t, actorID)
			if !ok {
				continue
			}
			switch s.name {
			case "group_id":
				ch.GroupID = &n
			case "assignee_id":
				ch.AssigneeID = &n
			case "custom_status_id":
				ch.CustomStatusID = &n
			case "ticket_form_id":
				ch.TicketFormID = &n
			}
		case aTags:
			ts := tags(a.Value)
			switch s.name {
			case "set_tags":
				ch.SetTags, ch.SetTagsSet = ts, true
				ch.AddTags, ch.RemoveTags = nil, nil
			case "current_tags":
				ch.AddTags = appendNew(ch.AddTags, ts...)
				ch.RemoveTags = without(ch.RemoveTags, ts)
			case "remove_tags":
				ch.RemoveTags = appendNew(ch.RemoveTags, ts...)
				ch.AddTags = without(ch.AddTags, ts)
			}
		case aField:
			if ch.Fields == nil {
				ch.Fields = map[int64]any{}
			}
			ch.Fields[fid] = a.Value
		case aUser:
			n, ok := userID(a.Value, actorID)
			if !ok {
				continue
			}
			if s.name == "cc" {
				ch.CCs = appendNewID(ch.CCs, n)
			} else {
				ch.Followers = appendNewID(ch.Followers, n)
			}
		case aNotify:
			parts, ok := textList(a.Value)
			if !ok || len(parts) < 1 {
				continue
			}
			parts = append(parts, "", "")
			ch.Notifications = append(ch.Notifications, Notification{Group: s.name == "notification_group",
				Recipient: parts[0], Subject: parts[1], Body: parts[2]})
		case aWebhook:
			parts, ok := textList(a.Value)
			if !ok || len(parts) < 1 {
				continue
			}
			parts = append(parts, "")
			ch.Webhooks = append(ch.Webhooks, WebhookCall{WebhookID: parts[0], Body: parts[1]})
		case aText:
			x, ok := str(a.Value)
			if !ok {
				continue
			}
			if s.name == "subject" {
				ch.Subject = &x
			} else {
				ch.comment().HTMLBody = x
			}
		case aComment:
			if x, ok := commentText(a.Value); ok {
				ch.comment().Body = x
			}
		case aBool:
			if b, ok := boolean(a.Value); ok {
				ch.comment().Public = &b
			}
		case aAgreement:
			for _, x := range list(a.Value) {
				if n, ok := id(x); ok {
					ch.ShareAgreementIDs = appendNewID(ch.ShareAgreementIDs, n)
				}
			}
		}
	}
	return ch
}

func (ch *Changes) comment() *MacroComment {
	if ch.Comment == nil {
		ch.Comment = &MacroComment{}
	}
	return ch.Comment
}

// actionEnum reads an enumeration action value.
func actionEnum(s *actionSpec, v any) (string, bool) {
	x, ok := str(v)
	if !ok {
		return "", false
	}
	x = strings.ToLower(strings.TrimSpace(x))
	return x, rank(s.values, x) >= 0
}

// actionID resolves an id action value ("" clears: 0).
func actionID(s *actionSpec, v any, t *Ticket, actorID int64) (int64, bool) {
	x, ok := str(v)
	if !ok {
		return 0, false
	}
	switch strings.TrimSpace(x) {
	case "":
		return 0, s.name != "custom_status_id"
	case "current_user":
		return actorID, s.name == "assignee_id" && actorID > 0
	case "requester_id":
		return t.RequesterID, s.name == "assignee_id" && t.RequesterID > 0
	}
	return id(v)
}

// userID reads a follower / cc value: a user id or current_user.
func userID(v any, actorID int64) (int64, bool) {
	if x, _ := str(v); strings.TrimSpace(x) == "current_user" {
		return actorID, actorID > 0
	}
	return id(v)
}

// textList reads a multi-argument action value: an array whose items are
// text (numbers written as text, objects as JSON), or a single string.
func textList(v any) ([]string, bool) {
	switch x := v.(type) {
	case []any:
		out := make([]string, 0, len(x))
		for _, e := range x {
			if s, ok := str(e); ok {
				out = append(out, s)
				continue
			}
			b, err := json.Marshal(e)
			if err != nil {
				return nil, false
			}
			out = append(out, string(b))
		}
		return out, true
	case []string:
		return append([]string(nil), x...), true
	}
	s, ok := str(v)
	if !ok || s == "" {
		return nil, false
	}
	return []string{s}, true
}

// commentText reads comment_value: text, or ["channel:all", text].
func commentText(v any) (string, bool) {
	if parts, ok := v.([]any); ok {
		if len(parts) == 0 {
			return "", false
		}
		return str(parts[len(parts)-1])
	}
	return str(v)
}

func appendNew(xs []string, add ...string) []string {
	for _, a := range add {
		if !slices.Contains(xs, a) {
			xs = append(xs, a)
		}
	}
	return xs
}

func without(xs, drop []string) []string {
	var out []string
	for _, x := range xs {
		if !slices.Contains(drop, x) {
			out = append(out, x)
		}
	}
	return out
}

func appendNewID(xs []int64, n int64) []int64 {
	if slices.Contains(xs, n) {
		return xs
	}
	return append(xs, n)
}
