package rule

import (
	"encoding/json"
	"errors"
	"strings"
	"testing"

	"parley/internal/platform/errs"
)

var testCatalog = Catalog{
	Fields: map[int64]Field{
		101: {ID: 101, Title: "Text", Type: "text"},
		102: {ID: 102, Title: "Check", Type: "checkbox"},
		103: {ID: 103, Title: "Drop", Type: "tagger", Options: []Option{{"A", "opt_a"}, {"B", "opt_b"}}},
		104: {ID: 104, Title: "Multi", Type: "multiselect", Options: []Option{{"M1", "m1"}, {"M2", "m2"}}},
		105: {ID: 105, Title: "Int", Type: "integer"},
		107: {ID: 107, Title: "Date", Type: "date"},
	},
	Statuses: map[int64]Status{1: {1, "new", "New", true}, 3: {3, "pending", "Pending", true}},
	Groups:   map[int64]string{5: "Support"},
	Agents:   map[int64]string{7: "Agent"},
	Forms:    map[int64]string{4: "Default"},
	Webhooks: map[string]string{"wh1": "Slack"},
}

// problems validates and returns field → codes.
func problems(k Kind, c Conditions, as []Action) map[string]string {
	var v errs.Validation
	Validate(k, c, as, testCatalog, &v)
	err := v.Err()
	out := map[string]string{}
	if err == nil {
		return out
	}
	var e *errs.Error
	if !errors.As(err, &e) {
		panic(err)
	}
	for f, ds := range e.Fields {
		var codes []string
		for _, d := range ds {
			codes = append(codes, d.Error+": "+d.Description)
		}
		out[f] = strings.Join(codes, "; ")
	}
	return out
}

func all(cs ...Condition) Conditions { return Conditions{All: cs} }

func acts(kv ...any) []Action {
	var as []Action
	for i := 0; i+1 < len(kv); i += 2 {
		as = append(as, Action{Field: kv[i].(string), Value: kv[i+1]})
	}
	return as
}

var (
	solved96 = all(cond("status", "is", "solved"), cond("SOLVED", "greater_than", "96"))
	closeIt  = acts("status", "closed")
)

func TestValidateAccepts(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name string
		k    Kind
		c    Conditions
		as   []Action
	}{
		{"trigger", Trigger, Conditions{All: []Condition{cond("update_type", "", "Create"), cond("status", "changed", nil),
			cond("assignee_id", "is", "current_user"), cond("current_tags", "includes", "vip"), cond("via_id", "includes", []any{4, "5"}),
			cond("custom_fields_103", "is", "opt_a"), cond("custom_fields_102", "is", true), cond("custom_fields_104", "includes", "m1 m2"),
			cond("comment_is_public", "", "not_relevant"), cond("role", "is", "end-user"), cond("reopens", "greater_than", 0),
			cond("group_id", "value", json.Number("5")), cond("custom_status_id", "includes", "1 3"), cond("locale_id", "is", 8),
			cond("received_from", "", 3), cond("ticket_form_id", "changed_to", 4)},
			Any: []Condition{cond("priority", "is", ""), cond("subject_includes_word", "is", "on fire")}},
			acts("status", "open", "priority", "", "group_id", 5, "assignee_id", "current_user", "set_tags", "a b",
				"notification_user", []any{"requester_id", "Hi", "Body {{ticket.id}}"}, "notification_group", []any{"group_id", "s", "b"},
				"notification_webhook", []any{"wh1", `{"a":1}`}, "custom_fields_104", []any{"m1"}, "custom_fields_102", false,
				"follower", "current_user", "cc", 7, "satisfaction_score", "offered", "share_ticket", "3", "custom_status_id", 3)},
		{"automation default", Automation, solved96, closeIt},
		{"automation nullifies by tag", Automation, all(cond("status", "is", "pending"), cond("PENDING", "greater_than", 48),
			cond("current_tags", "not_includes", "reminded")), acts("current_tags", "reminded")},
		{"automation true once", Automation, all(cond("assignee_id", "is", ""), cond("NEW", "is", 24)),
			acts("notification_group", []any{"group_id", "s", "b"})},
		{"automation leaves status", Automation, all(cond("type", "is", "task"), cond("HOLD", "greater_than", 24)), acts("status", "open")},
		{"view", View, Conditions{All: []Condition{cond("status", "less_than", "solved"), cond("assignee_id", "is", "current_user")},
			Any: []Condition{cond("NEW", "greater_than", 24), cond("description_includes_word", "", "refund")}}, nil},
		{"macro", Macro, Conditions{}, acts("comment_value", []any{"channel:all", "Hello"}, "comment_mode_is_public", "false",
			"subject", "Re: {{ticket.title}}", "status", "pending", "group_id", "current_groups", "comment_value_html", "<p>x</p>")},
	} {
		if p := problems(tc.k, tc.c, tc.as); len(p) > 0 {
			t.Errorf("%s: %v", tc.name, p)
		}
	}
}

func TestValidateRejects(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name  string
		k     Kind
		c     Conditions
		as    []Action
		field string
		code  string
	}{
		{"unknown field", Trigger, all(cond("nonsense", "is", 1)), closeIt, "conditions.all[0]", "InvalidValue"},
		{"blank field", Trigger, all(cond("", "is", 1)), closeIt, "conditions.all[0]", "BlankValue"},
		{"unknown operator", Trigger, all(cond("status", "sounds_like", "open")), closeIt, "conditions.all[0]", "InvalidValue"},
		{"missing operator", Trigger, all(cond("status", "", "open")), closeIt, "conditions.all[0]", "BlankValue"},
		{"bad status", Trigger, all(cond("status", "is", "done")), closeIt, "conditions.all[0]", "InvalidValue"},
		{"bad id", Trigger, all(cond("group_id", "is", "abc")), closeIt, "conditions.all[0]", "InvalidValue"},
		{"unknown group", Trigger, all(cond("group_id", "is", 6)), closeIt, "conditions.all[0]", "InvalidValue"},
		{"requester_id for group", Trigger, all(cond("group_id", "is", "requester_id")), closeIt, "conditions.all[0]", "InvalidValue"},
		{"blank tags", Trigger, all(cond("current_tags", "includes", " ")), closeIt, "conditions.all[0]", "BlankValue"},
		{"bad via", Trigger, all(cond("via_id", "is", 1)), closeIt, "conditions.all[0]", "InvalidValue"},
		{"time in trigger", Trigger, all(cond("NEW", "greater_than", 1)), closeIt, "conditions.all[0]", "InvalidValue"},
		{"unknown custom field", Trigger, all(cond("custom_fields_999", "is", "x")), closeIt, "conditions.all[0]", "InvalidValue"},
		{"bad option", Trigger, all(cond("custom_fields_103", "is", "opt_z")), closeIt, "conditions.all[0]", "InvalidValue"},
		{"checkbox not bool", Trigger, all(cond("custom_fields_102", "is", "maybe")), closeIt, "conditions.all[0]", "InvalidValue"},
		{"within on text", View, all(cond("status", "is", "open"), cond("custom_fields_101", "within_previous_n_days", 3)), nil, "conditions.all[1]", "InvalidValue"},
		{"includes on text", Trigger, all(cond("custom_fields_101", "includes", "a")), closeIt, "conditions.all[0]", "InvalidValue"},
		{"bad date", Trigger, all(cond("custom_fields_107", "is", "yesterday")), closeIt, "conditions.all[0]", "InvalidValue"},
		{"unknown locale", Trigger, all(cond("locale_id", "is", 12345)), closeIt, "conditions.all[0]", "InvalidValue"},
		{"no actions", Trigger, all(cond("status", "is", "open")), nil, "actions", "BlankValue"},
		{"unknown action", Trigger, Conditions{}, acts("explode", "now"), "actions[0]", "InvalidValue"},
		{"macro action in trigger", Trigger, Conditions{}, acts("comment_value", "hi"), "actions[0]", "InvalidValue"},
		{"trigger action in macro", Macro, Conditions{}, acts("notification_user", []any{"requester_id", "s", "b"}), "actions[0]", "InvalidValue"},
		{"macro closes", Macro, Conditions{}, acts("status", "closed"), "actions[0]", "InvalidValue"},
		{"macro conditions", Macro, all(cond("status", "is", "open")), acts("status", "open"), "conditions", "InvalidValue"},
		{"notification shape", Trigger, Conditions{}, acts("notification_user", "requester_id"), "actions[0]", "InvalidValue"},
		{"notification recipient", Trigger, Conditions{}, acts("notification_user", []any{"everyone", "s", "b"}), "actions[0]", "InvalidValue"},
		{"unknown webhook", Trigger, Conditions{}, acts("notification_webhook", []any{"wh9", "{}"}), "actions[0]", "InvalidValue"},
		{"blank set_tags", Trigger, Conditions{}, acts("set_tags", ""), "actions[0]", "BlankValue"},
		{"bad field action", Trigger, Conditions{}, acts("custom_fields_104", []any{"m9"}), "actions[0]", "InvalidValue"},
		{"current_user group", Trigger, Conditions{}, acts("group_id", "current_user"), "actions[0]", "InvalidValue"},
		{"view actions", View, all(cond("status", "is", "open")), closeIt, "actions", "InvalidValue"},
		{"view without key condition", View, all(cond("current_tags", "includes", "vip")), nil, "conditions", "InvalidValue"},
		{"view key condition only in any", View, Conditions{Any: []Condition{cond("status", "is", "open")}}, nil, "conditions", "InvalidValue"},
		{"changed in view", View, all(cond("status", "changed", nil)), nil, "conditions.all[0]", "InvalidValue"},
		{"trigger field in view", View, all(cond("status", "is", "open"), cond("update_type", "is", "Create")), nil, "conditions.all[1]", "InvalidValue"},
		{"automation without time", Automation, all(cond("status", "is", "solved")), closeIt, "conditions", "InvalidValue"},
		{"automation without key", Automation, all(cond("SOLVED", "greater_than", 96)), acts("set_tags", "x"), "conditions", "InvalidValue"},
		{"automation time in any", Automation, Conditions{All: solved96.All, Any: []Condition{cond("NEW", "greater_than", 1)}}, closeIt, "conditions.any[0]", "InvalidValue"},
		{"automation negative hours", Automation, all(cond("status", "is", "solved"), cond("SOLVED", "greater_than", -1)), closeIt, "conditions.all[1]", "InvalidValue"},
		{"automation not nullified", Automation, solved96, acts("priority", "high"), "actions", "InvalidValue"},
		{"automation same status", Automation, solved96, acts("status", "solved"), "actions", "InvalidValue"},
	} {
		p := problems(tc.k, tc.c, tc.as)
		if !strings.HasPrefix(p[tc.field], tc.code+":") {
			t.Errorf("%s: want %s %s, got %v", tc.name, tc.field, tc.code, p)
		}
	}
}

func TestNullifies(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name string
		c    Conditions
		as   []Action
		want bool
	}{
		{"close solved", solved96, closeIt, true},
		{"status less_than solved, set solved", all(cond("status", "less_than", "solved"), cond("NEW", "greater_than", 1)), acts("status", "solved"), true},
		{"notify only", solved96, acts("notification_user", []any{"requester_id", "s", "b"}), false},
		{"is hours", all(cond("status", "is", "open"), cond("OPEN", "is", 24)), acts("current_tags", "x"), true},
		{"add excluded tag", all(cond("current_tags", "not_includes", "a b")), acts("current_tags", "b"), true},
		{"add other tag", all(cond("current_tags", "not_includes", "a b")), acts("current_tags", "c"), false},
		{"remove one of two included", all(cond("current_tags", "includes", "a b")), acts("remove_tags", "a"), false},
		{"remove both included", all(cond("current_tags", "includes", "a b")), acts("remove_tags", "b a"), true},
		{"set tags without", all(cond("current_tags", "includes", "a")), acts("set_tags", "z"), true},
		{"remove excluded tag", all(cond("current_tags", "not_includes", "a")), acts("remove_tags", "a"), false},
		{"assign unassigned", all(cond("assignee_id", "is", "")), acts("assignee_id", "7"), true},
		{"assign to requester", all(cond("assignee_id", "is", "requester_id")), acts("assignee_id", "requester_id"), false},
		{"group away", all(cond("group_id", "is", 5)), acts("group_id", 6), true},
		{"group same", all(cond("group_id", "is", 5)), acts("group_id", "5"), false},
		{"field set", all(cond("custom_fields_102", "is", false)), acts("custom_fields_102", true), true},
		{"pending left", all(cond("PENDING", "greater_than", 24)), acts("status", "solved"), true},
		{"pending kept", all(cond("PENDING", "greater_than", 24)), acts("status", "pending"), false},
		{"sole any", Conditions{Any: []Condition{cond("priority", "is", "low")}}, acts("priority", "high"), true},
		{"one of two any", Conditions{Any: []Condition{cond("priority", "is", "low"), cond("type", "is", "task")}}, acts("priority", "high"), false},
	} {
		if got := Nullifies(tc.c, tc.as); got != tc.want {
			t.Errorf("%s: Nullifies = %v, want %v", tc.name, got, tc.want)
		}
	}
}

func TestIdentical(t *testing.T) {
	t.Parallel()
	a := Conditions{All: []Condition{cond("status", "is", "solved"), cond("SOLVED", "greater_than", "96")}}
	b := Conditions{All: []Condition{cond("SOLVED", "greater_than", 96), cond("status", "is", "solved")}}
	if !Identical(a, closeIt, b, acts("status", "closed")) {
		t.Error("reordered rule with 96 vs \"96\" not identical")
	}
	if Identical(a, closeIt, b, acts("status", "open")) {
		t.Error("different actions identical")
	}
}
