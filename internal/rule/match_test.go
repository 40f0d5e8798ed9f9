package rule

import (
	"encoding/json"
	"testing"
	"time"
)

var now0 = time.Date(2024, 3, 20, 12, 0, 0, 0, time.UTC)

func tp(t time.Time) *time.Time { return &t }

func hoursAgo(h float64) time.Time { return now0.Add(-time.Duration(h * float64(time.Hour))) }

// baseTicket is the ticket the Match table cases start from.
func baseTicket() Ticket {
	return Ticket{
		ID: 1, Status: "pending", CustomStatusID: 3, Priority: "high", Type: "incident",
		GroupID: 5, AssigneeID: 7, RequesterID: 9, SubmitterID: 9, OrganizationID: 11, BrandID: 2, TicketFormID: 4,
		Tags: []string{"vip", "printer"}, ViaID: 4, Recipient: "Support@A.example", IsPublic: true,
		Subject: "Printer on fire!", Description: "The e-mail printer, again (urgent)", LocaleID: 8, RequesterRole: "end-user",
		Satisfaction: "offered",
		Fields: map[int64]any{101: "abc", 102: true, 103: "opt_a", 104: []string{"m1", "m2"}, 105: "12", 107: "2024-03-18",
			108: "", 109: false},
		Reopens: 1, Replies: 2,
		CreatedAt: hoursAgo(50), UpdatedAt: hoursAgo(3.5), StatusUpdatedAt: hoursAgo(24),
		AssignedAt: tp(hoursAgo(10)), RequesterUpdatedAt: tp(hoursAgo(5)), DueAt: tp(now0.Add(30 * time.Hour)),
		SharedFrom: []int64{41}, SharedTo: []int64{42},
	}
}

type matchCase struct {
	name string
	c    Condition
	mod  func(t *Ticket, u *Update)
	want bool
}

func cond(field, op string, v any) Condition { return Condition{Field: field, Operator: op, Value: v} }

// update is the default update of the table: agent 7 changed the ticket
// (previously open, normal priority, group 6, no assignee, no tag vip) by
// email with a public comment.
func update(t Ticket) *Update {
	prev := t
	prev.Status, prev.Priority, prev.GroupID, prev.AssigneeID = "open", "normal", 6, 0
	prev.Fields = map[int64]any{101: "abc", 102: false}
	prev.Satisfaction = "unoffered"
	return &Update{Previous: prev, CurrentViaID: 5, ActorID: 7, ActorRole: "agent",
		Comment: &Comment{Body: "Please REFUND me, thanks.", Public: true, AuthorID: 7}}
}

var matchCases = []matchCase{
	// status: ordering and the changed family.
	{"status is", cond("status", "is", "pending"), nil, true},
	{"status is case", cond("status", "is", "PENDING"), nil, true},
	{"status is other", cond("status", "is", "open"), nil, false},
	{"status is_not", cond("status", "is_not", "open"), nil, true},
	{"status less_than", cond("status", "less_than", "solved"), nil, true},
	{"status less_than self", cond("status", "less_than", "pending"), nil, false},
	{"status greater_than", cond("status", "greater_than", "open"), nil, true},
	{"status greater_than bogus", cond("status", "greater_than", "bogus"), nil, false},
	{"status changed", cond("status", "changed", nil), nil, true},
	{"status not_changed", cond("status", "not_changed", nil), nil, false},
	{"status changed to", cond("status", "value", "pending"), nil, true},
	{"status changed_to alias", cond("status", "changed_to", "pending"), nil, true},
	{"status changed to other", cond("status", "value", "solved"), nil, false},
	{"status changed from", cond("status", "value_previous", "open"), nil, true},
	{"status changed from other", cond("status", "value_previous", "new"), nil, false},
	{"status not changed to", cond("status", "not_value", "solved"), nil, true},
	{"status not changed from", cond("status", "not_value_previous", "open"), nil, false},
	{"status changed on create", cond("status", "changed", nil), func(t *Ticket, u *Update) { u.Create = true }, true},
	{"priority changed from nothing on create", cond("priority", "value_previous", ""), func(t *Ticket, u *Update) { u.Create = true }, true},
	{"status unchanged", cond("status", "changed", nil), func(t *Ticket, u *Update) { u.Previous.Status = "pending" }, false},
	// priority: "" is below low.
	{"priority is", cond("priority", "is", "high"), nil, true},
	{"priority less_than urgent", cond("priority", "less_than", "urgent"), nil, true},
	{"priority greater_than normal", cond("priority", "greater_than", "normal"), nil, true},
	{"priority none less_than low", cond("priority", "less_than", "low"), func(t *Ticket, u *Update) { t.Priority = "" }, true},
	{"priority none is none", cond("priority", "is", ""), func(t *Ticket, u *Update) { t.Priority = "" }, true},
	{"priority none is_not low", cond("priority", "is_not", "low"), func(t *Ticket, u *Update) { t.Priority = "" }, true},
	{"priority changed from normal", cond("priority", "value_previous", "normal"), nil, true},
	// type
	{"type is", cond("type", "is", "incident"), nil, true},
	{"type is_not", cond("type", "is_not", "incident"), nil, false},
	{"type none", cond("type", "is", ""), func(t *Ticket, u *Update) { t.Type = "" }, true},
	// custom_status_id
	{"custom status is number", cond("custom_status_id", "is", 3), nil, true},
	{"custom status is string", cond("custom_status_id", "is", "3"), nil, true},
	{"custom status includes", cond("custom_status_id", "includes", "1 3"), nil, true},
	{"custom status includes array", cond("custom_status_id", "includes", []any{json.Number("2"), 4.0}), nil, false},
	{"custom status not_includes", cond("custom_status_id", "not_includes", []any{"2"}), nil, true},
	{"custom status changed", cond("custom_status_id", "changed", nil), func(t *Ticket, u *Update) { u.Previous.CustomStatusID = 2 }, true},
	// ids, "", current_user, requester_id
	{"group is", cond("group_id", "is", "5"), nil, true},
	{"group is none", cond("group_id", "is", ""), nil, false},
	{"group none is none", cond("group_id", "is", ""), func(t *Ticket, u *Update) { t.GroupID = 0 }, true},
	{"group none is_not 5", cond("group_id", "is_not", 5), func(t *Ticket, u *Update) { t.GroupID = 0 }, true},
	{"group changed from 6", cond("group_id", "value_previous", 6), nil, true},
	{"group changed to 5", cond("group_id", "value", json.Number("5")), nil, true},
	{"group not changed to 5", cond("group_id", "not_value", "5"), nil, false},
	{"group bad id is", cond("group_id", "is", "five"), nil, false},
	{"group bad id is_not", cond("group_id", "is_not", "five"), nil, true},
	{"assignee current_user", cond("assignee_id", "is", "current_user"), nil, true},
	{"assignee current_user other actor", cond("assignee_id", "is", "current_user"), func(t *Ticket, u *Update) { u.ActorID = 8 }, false},
	{"assignee current_user no actor, unassigned", cond("assignee_id", "is", "current_user"), func(t *Ticket, u *Update) { u.ActorID, t.AssigneeID = 0, 0 }, false},
	{"assignee requester_id", cond("assignee_id", "is", "requester_id"), func(t *Ticket, u *Update) { t.AssigneeID = 9 }, true},
	{"assignee requester_id not", cond("assignee_id", "is", "requester_id"), nil, false},
	{"assignee changed from none", cond("assignee_id", "value_previous", ""), nil, true},
	{"assignee changed to current_user", cond("assignee_id", "value", "current_user"), nil, true},
	{"requester is", cond("requester_id", "is", 9), nil, true},
	{"requester not changed", cond("requester_id", "not_changed", nil), nil, true},
	{"organization is_not", cond("organization_id", "is_not", 11), nil, false},
	{"brand less_than", cond("brand_id", "less_than", 3), nil, true},
	{"brand greater_than", cond("brand_id", "greater_than", "2"), nil, false},
	{"brand none less_than", cond("brand_id", "less_than", 3), func(t *Ticket, u *Update) { t.BrandID = 0 }, false},
	{"form is", cond("ticket_form_id", "is", 4), nil, true},
	{"form changed_from alias", cond("ticket_form_id", "changed_from", 3), func(t *Ticket, u *Update) { u.Previous.TicketFormID = 3 }, true},
	{"form not_changed_from alias", cond("ticket_form_id", "not_changed_from", 3), func(t *Ticket, u *Update) { u.Previous.TicketFormID = 3 }, false},
	// tags
	{"tags includes any", cond("current_tags", "includes", "nope VIP"), nil, true},
	{"tags includes none", cond("current_tags", "includes", "nope other"), nil, false},
	{"tags not_includes", cond("current_tags", "not_includes", "nope other"), nil, true},
	{"tags not_includes one present", cond("current_tags", "not_includes", "nope printer"), nil, false},
	{"tags includes array", cond("current_tags", "includes", []any{"x", "printer"}), nil, true},
	{"tags includes empty", cond("current_tags", "includes", ""), nil, false},
	// via
	{"via is", cond("via_id", "is", 4), nil, true},
	{"via is string", cond("via_id", "is", "4"), nil, true},
	{"via is_not", cond("via_id", "is_not", 5), nil, true},
	{"via includes", cond("via_id", "includes", "0 4"), nil, true},
	{"via not_includes", cond("via_id", "not_includes", []any{0, 5}), nil, true},
	{"via sharing", cond("via_id", "is", 31), func(t *Ticket, u *Update) { t.ViaID = 31 }, true},
	{"current via is", cond("current_via_id", "is", 5), nil, true},
	{"current via is_not", cond("current_via_id", "is_not", 5), nil, false},
	// recipient
	{"recipient is any case", cond("recipient", "is", "support@a.EXAMPLE"), nil, true},
	{"recipient no operator", cond("recipient", "", "support@a.example"), nil, true},
	{"recipient is_not", cond("recipient", "is_not", "other@a.example"), nil, true},
	// update_type, comment, role
	{"update_type Change", cond("update_type", "is", "Change"), nil, true},
	{"update_type Create", cond("update_type", "", "Create"), nil, false},
	{"update_type Create on create", cond("update_type", "is", "create"), func(t *Ticket, u *Update) { u.Create = true }, true},
	{"comment public", cond("comment_is_public", "is", true), nil, true},
	{"comment public string", cond("comment_is_public", "", "true"), nil, true},
	{"comment private", cond("comment_is_public", "is", "false"), nil, false},
	{"comment is_not private", cond("comment_is_public", "is_not", "false"), nil, true},
	{"comment present", cond("comment_is_public", "is", "not_relevant"), nil, true},
	{"comment none present", cond("comment_is_public", "is", "not_relevant"), func(t *Ticket, u *Update) { u.Comment = nil }, false},
	{"comment requester can see", cond("comment_is_public", "is", "requester_can_see_comment"), func(t *Ticket, u *Update) { u.Comment.Public = false }, false},
	{"role agent", cond("role", "is", "agent"), nil, true},
	{"role is_not end_user", cond("role", "is_not", "end_user"), nil, true},
	{"requester_role end_user", cond("requester_role", "is", "end_user"), nil, true},
	{"requester_role end-user", cond("requester_role", "is", "end-user"), nil, true},
	{"ticket public", cond("ticket_is_public", "is", "public"), nil, true},
	{"ticket private", cond("ticket_is_public", "is", "private"), func(t *Ticket, u *Update) { t.IsPublic = false }, true},
	// words
	{"subject includes word", cond("subject_includes_word", "includes", "fire water"), nil, true},
	{"subject includes part of word", cond("subject_includes_word", "includes", "fir"), nil, false},
	{"subject includes word case", cond("subject_includes_word", "includes", "PRINTER"), nil, true},
	{"subject not_includes", cond("subject_includes_word", "not_includes", "water"), nil, true},
	{"subject is phrase", cond("subject_includes_word", "is", "printer ON"), nil, true},
	{"subject is_not phrase", cond("subject_includes_word", "is_not", "on printer"), nil, true},
	{"comment includes word", cond("comment_includes_word", "includes", "refund"), nil, true},
	{"comment includes no comment", cond("comment_includes_word", "includes", "refund"), func(t *Ticket, u *Update) { u.Comment = nil }, false},
	{"comment not_includes no comment", cond("comment_includes_word", "not_includes", "refund"), func(t *Ticket, u *Update) { u.Comment = nil }, true},
	{"description includes hyphenated", cond("description_includes_word", "", "e-mail"), nil, true},
	{"description includes before punctuation", cond("description_includes_word", "includes", "urgent"), nil, true},
	{"description not_includes", cond("description_includes_word", "not_includes", "mail printer"), nil, false},
	// numbers
	{"reopens is", cond("reopens", "is", 1), nil, true},
	{"replies less_than", cond("replies", "less_than", "3"), nil, true},
	{"replies greater_than", cond("replies", "greater_than", 2), nil, false},
	// locale, satisfaction, sharing
	{"locale is", cond("locale_id", "is", 8), nil, true},
	{"locale is_not", cond("locale_id", "is_not", "8"), nil, false},
	{"satisfaction is", cond("satisfaction_score", "is", "offered"), nil, true},
	{"satisfaction unoffered blank", cond("satisfaction_score", "is", "unoffered"), func(t *Ticket, u *Update) { t.Satisfaction = "" }, true},
	{"satisfaction changed to offered", cond("satisfaction_score", "value", "offered"), nil, true},
	{"received from", cond("received_from", "is", 41), nil, true},
	{"received from other", cond("received_from", "", "42"), nil, false},
	{"sent to", cond("sent_to", "is", "42"), nil, true},
	{"sent to is_not", cond("sent_to", "is_not", 42), nil, false},
	// custom fields
	{"field text is", cond("custom_fields_101", "is", "abc"), nil, true},
	{"field text is other case", cond("custom_fields_101", "is", "ABC"), nil, false},
	{"field checkbox is true", cond("custom_fields_102", "is", true), nil, true},
	{"field checkbox is \"true\"", cond("custom_fields_102", "is", "true"), nil, true},
	{"field checkbox is false", cond("custom_fields_102", "is", false), nil, false},
	{"field unchecked is false", cond("custom_fields_109", "is", false), nil, true},
	{"field absent is false", cond("custom_fields_199", "is", "false"), nil, true},
	{"field absent is_not true", cond("custom_fields_199", "is_not", true), nil, true},
	{"field dropdown is", cond("custom_fields_103", "is", "opt_a"), nil, true},
	{"field dropdown includes", cond("custom_fields_103", "includes", "opt_b opt_a"), nil, true},
	{"field multiselect includes", cond("custom_fields_104", "includes", []any{"m2"}), nil, true},
	{"field multiselect not_includes", cond("custom_fields_104", "not_includes", "m3"), nil, true},
	{"field multiselect is one", cond("custom_fields_104", "is", "m1"), nil, true},
	{"field number is", cond("custom_fields_105", "is", 12), nil, true},
	{"field present", cond("custom_fields_101", "present", nil), nil, true},
	{"field empty text not present", cond("custom_fields_108", "present", nil), nil, false},
	{"field absent not_present", cond("custom_fields_199", "not_present", nil), nil, true},
	{"field date within 2 days", cond("custom_fields_107", "within_previous_n_days", 2), nil, true},
	{"field date within 1 day", cond("custom_fields_107", "within_previous_n_days", "1"), nil, false},
	{"field text within", cond("custom_fields_101", "within_previous_n_days", 2), nil, false},
	{"field changed", cond("custom_fields_102", "changed", nil), nil, true},
	{"field changed to true", cond("custom_fields_102", "value", true), nil, true},
	{"field not changed", cond("custom_fields_101", "not_changed", nil), nil, true},
	// time conditions (u nil: automations and views)
	{"NEW greater_than", cond("NEW", "greater_than", 49), func(t *Ticket, u *Update) {}, true},
	{"NEW is 50", cond("NEW", "is", "50"), nil, true},
	{"NEW is 49", cond("NEW", "is", 49), nil, false},
	{"NEW less_than 50", cond("NEW", "less_than", 50), nil, false},
	{"NEW greater_than 50 at exactly 50h", cond("NEW", "greater_than", 50), nil, false},
	{"PENDING is 24", cond("PENDING", "is", 24), nil, true},
	{"PENDING greater_than_business_hours 23", cond("PENDING", "greater_than_business_hours", 23), nil, true},
	{"OPEN when pending", cond("OPEN", "greater_than", 1), nil, false},
	{"SOLVED without status time", cond("SOLVED", "less_than", 1000), func(t *Ticket, u *Update) { t.Status, t.StatusUpdatedAt = "solved", time.Time{} }, false},
	{"assigned_at less_than 11", cond("assigned_at", "less_than", 11), nil, true},
	{"assigned_at never", cond("assigned_at", "less_than", 11), func(t *Ticket, u *Update) { t.AssignedAt = nil }, false},
	{"updated_at is 3", cond("updated_at", "is", 3), nil, true},
	{"requester_updated_at greater_than 4", cond("requester_updated_at", "greater_than", 4), nil, true},
	{"assignee_updated_at nil", cond("assignee_updated_at", "greater_than", 0), nil, false},
	{"due_date before due", cond("due_date", "greater_than", 0), nil, false},
	{"due_date less_than", cond("due_date", "less_than", 0), nil, true},
	{"until_due_date is 30", cond("until_due_date", "is", 30), nil, true},
	{"until_due_date less_than 30", cond("until_due_date", "less_than", 30), nil, false},
	{"until_due_date greater_than 29", cond("until_due_date", "greater_than", 29), nil, true},
	{"until_due_date no due", cond("until_due_date", "less_than", 1000), func(t *Ticket, u *Update) { t.DueAt = nil }, false},
	// unknown fields and operators never match, never panic
	{"unknown field", cond("nonsense", "is", "x"), nil, false},
	{"unknown operator", cond("status", "sounds_like", "open"), nil, false},
	{"operator of another field", cond("status", "includes", "open"), nil, false},
	{"missing operator", cond("status", "", "pending"), nil, false},
	{"bad custom field id", cond("custom_fields_x", "is", "a"), nil, false},
	{"array for scalar", cond("status", "is", []any{"pending"}), nil, false},
}

func TestMatchTable(t *testing.T) {
	t.Parallel()
	for _, tc := range matchCases {
		tk := baseTicket()
		u := update(tk)
		if tc.mod != nil {
			tc.mod(&tk, u)
		}
		if s, _, ok := lookup(tc.c.Field); ok && s.val == vHours {
			u = nil
		}
		c := Conditions{All: []Condition{tc.c}}
		if got := Match(c, &tk, u, now0); got != tc.want {
			t.Errorf("%s: %+v = %v, want %v", tc.name, tc.c, got, tc.want)
		}
	}
}

// TestMatchWithoutUpdate: trigger-only fields and the changed family never
// match for automations and views, negative operators included.
func TestMatchWithoutUpdate(t *testing.T) {
	t.Parallel()
	tk := baseTicket()
	for _, c := range []Condition{
		cond("status", "changed", nil), cond("status", "not_changed", nil), cond("status", "not_value", "x"),
		cond("update_type", "is", "Change"), cond("comment_is_public", "is_not", "true"), cond("role", "is_not", "agent"),
		cond("current_via_id", "is_not", 4), cond("subject_includes_word", "not_includes", "zzz"), cond("reopens", "is", 1),
	} {
		if Match(Conditions{All: []Condition{c}}, &tk, nil, now0) {
			t.Errorf("%+v matched without an update", c)
		}
	}
	if Match(Conditions{All: []Condition{cond("assignee_id", "is", "current_user")}}, &tk, nil, now0) {
		t.Error("current_user matched without an actor")
	}
	tk.AssigneeID = 0
	if Match(Conditions{All: []Condition{cond("assignee_id", "is", "current_user")}}, &tk, nil, now0) {
		t.Error("current_user without an actor matched an unassigned ticket")
	}
}

func TestMatchAllAny(t *testing.T) {
	t.Parallel()
	tk := baseTicket()
	yes, no := cond("status", "is", "pending"), cond("status", "is", "open")
	for _, tc := range []struct {
		c    Conditions
		want bool
	}{
		{Conditions{}, true},
		{Conditions{All: []Condition{yes}}, true},
		{Conditions{All: []Condition{yes, no}}, false},
		{Conditions{Any: []Condition{no, yes}}, true},
		{Conditions{Any: []Condition{no}}, false},
		{Conditions{All: []Condition{yes}, Any: []Condition{no}}, false},
		{Conditions{All: []Condition{yes}, Any: []Condition{no, yes}}, true},
	} {
		if got := Match(tc.c, &tk, nil, now0); got != tc.want {
			t.Errorf("%+v = %v, want %v", tc.c, got, tc.want)
		}
	}
	if Match(Conditions{}, nil, nil, now0) {
		t.Error("a nil ticket matched")
	}
}

func TestVia(t *testing.T) {
	t.Parallel()
	for name, n := range map[string]int{"web": 0, "web_form": 0, "email": 4, "mail": 4, "api": 5, "rule": 8, "chat": 29,
		"ticket_sharing": 31, "voice": 34, "web_widget": 48, "helpcenter": 50, "sms": 57, "nonsense": -1} {
		if got := ViaNumber(name); got != n {
			t.Errorf("ViaNumber(%q) = %d, want %d", name, got, n)
		}
	}
	for n, name := range map[int]string{0: "web", 4: "email", 5: "api", 31: "ticket_sharing", 34: "voice", 1: ""} {
		if got := ViaName(n); got != name {
			t.Errorf("ViaName(%d) = %q, want %q", n, got, name)
		}
	}
	for n, name := range viaNames {
		if ViaNumber(name) != n {
			t.Errorf("ViaNumber(ViaName(%d)) = %d", n, ViaNumber(name))
		}
	}
}

func TestFieldValue(t *testing.T) {
	t.Parallel()
	var decoded any
	_ = json.Unmarshal([]byte(`["b","a"]`), &decoded)
	for _, tc := range []struct {
		in, want any
	}{
		{nil, nil}, {"x", "x"}, {true, true}, {int64(12), "12"}, {float64(12), "12"}, {12.5, "12.5"},
		{json.Number("7"), "7"}, {decoded, []string{"a", "b"}}, {[]string{"z", "y"}, []string{"y", "z"}},
	} {
		got, _ := json.Marshal(FieldValue(tc.in))
		want, _ := json.Marshal(tc.want)
		if string(got) != string(want) {
			t.Errorf("FieldValue(%#v) = %s, want %s", tc.in, got, want)
		}
	}
}
