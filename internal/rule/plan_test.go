package rule

import (
	"encoding/json"
	"reflect"
	"strings"
	"testing"
)

func TestPlan(t *testing.T) {
	t.Parallel()
	tk := &Ticket{RequesterID: 9}
	ch := Plan(acts(
		"status", "Solved", "priority", "", "type", "task", "group_id", "", "assignee_id", "requester_id",
		"custom_status_id", json.Number("3"), "ticket_form_id", 4.0,
		"current_tags", "A b", "remove_tags", "b c", "current_tags", []any{"d"},
		"custom_fields_101", "x", "custom_fields_104", []any{"m1"},
		"follower", "current_user", "follower", "7", "cc", 8, "satisfaction_score", "offered",
		"notification_user", []any{"requester_id", "Subj", "Body"}, "notification_group", []any{"5", "S", "B"},
		"notification_webhook", []any{"wh1", map[string]any{"a": 1.0}}, "share_ticket", "3 4",
		"subject", "New subject", "comment_value", []any{"channel:all", "Hi"}, "comment_value_html", "<p>Hi</p>",
		"comment_mode_is_public", "false", "nonsense", "x", "status", "bogus",
	), tk, 7)
	s, n := func(x string) *string { return &x }, func(x int64) *int64 { return &x }
	f := false
	want := Changes{
		Status: s("solved"), Priority: s(""), Type: s("task"), GroupID: n(0), AssigneeID: n(9),
		CustomStatusID: n(3), TicketFormID: n(4),
		AddTags: []string{"a", "d"}, RemoveTags: []string{"b", "c"},
		Fields:    map[int64]any{101: "x", 104: []any{"m1"}},
		Followers: []int64{7}, CCs: []int64{8}, Satisfaction: "offered",
		Notifications: []Notification{{Recipient: "requester_id", Subject: "Subj", Body: "Body"},
			{Group: true, Recipient: "5", Subject: "S", Body: "B"}},
		Webhooks:          []WebhookCall{{WebhookID: "wh1", Body: `{"a":1}`}},
		ShareAgreementIDs: []int64{3, 4},
		Subject:           s("New subject"),
		Comment:           &MacroComment{Body: "Hi", HTMLBody: "<p>Hi</p>", Public: &f},
	}
	if !reflect.DeepEqual(ch, want) {
		t.Errorf("Plan:\n got %+v\nwant %+v", ch, want)
	}
	ch = Plan(acts("current_tags", "a", "set_tags", "x y", "remove_tags", "y", "assignee_id", "current_user"), tk, 0)
	if !ch.SetTagsSet || !reflect.DeepEqual(ch.SetTags, []string{"x", "y"}) || !reflect.DeepEqual(ch.RemoveTags, []string{"y"}) ||
		ch.AddTags != nil || ch.AssigneeID != nil {
		t.Errorf("set_tags then remove, current_user without actor: %+v", ch)
	}
}

func TestDecodeRule(t *testing.T) {
	t.Parallel()
	raw := func(s string) map[string]json.RawMessage {
		var m map[string]json.RawMessage
		if err := json.Unmarshal([]byte(s), &m); err != nil {
			t.Fatal(err)
		}
		return m
	}
	c, as, err := DecodeRule(raw(`{"conditions":{"all":[{"field":"group_id","operator":"is","value":24000932}],"any":null},
		"actions":[{"field":"notification_user","value":["requester_id","s","b"]},{"field":"custom_fields_1","value":true}]}`))
	if err != nil || len(c.All) != 1 || c.Any != nil || len(as) != 2 {
		t.Fatalf("nested: %+v %+v %v", c, as, err)
	}
	if c.All[0].Value != json.Number("24000932") {
		t.Errorf("number value %#v, want json.Number", c.All[0].Value)
	}
	out, _ := json.Marshal(struct {
		Conditions Conditions `json:"conditions"`
		Actions    []Action   `json:"actions"`
	}{c, as})
	if want := `{"conditions":{"all":[{"field":"group_id","operator":"is","value":24000932}],"any":[]},"actions":[{"field":"notification_user","value":["requester_id","s","b"]},{"field":"custom_fields_1","value":true}]}`; string(out) != want {
		t.Errorf("echo:\n got %s\nwant %s", out, want)
	}
	c, _, err = DecodeRule(raw(`{"conditions":{"all":[{"field":"a","operator":"is","value":"x"}]},"all":[{"field":"status","operator":"is","value":"open"}],"any":[{"field":"type","value":"task"}]}`))
	if err != nil || len(c.All) != 1 || c.All[0].Field != "status" || len(c.Any) != 1 || c.Any[0].Operator != "" {
		t.Errorf("top level: %+v %v", c, err)
	}
	for _, bad := range []string{`{"conditions":[1]}`, `{"all":{"field":"x"}}`, `{"actions":"x"}`, `{"any":[1]}`} {
		if _, _, err := DecodeRule(raw(bad)); err == nil || !strings.Contains(err.Error(), "validation") {
			t.Errorf("%s: %v", bad, err)
		}
	}
	if b, _ := json.Marshal(Conditions{}); string(b) != `{"all":[],"any":[]}` {
		t.Errorf("empty conditions marshal as %s", b)
	}
}

func TestDefinitions(t *testing.T) {
	t.Parallel()
	find := func(list any, subject string) map[string]any {
		for _, d := range list.([]map[string]any) {
			if d["subject"] == subject {
				return d
			}
		}
		return nil
	}
	tr := Definitions(Trigger, testCatalog)
	st := find(tr["conditions_all"], "status")
	if st == nil || len(st["values"].([]map[string]any)) != 6 || st["type"] != "list" {
		t.Fatalf("trigger status definition: %v", st)
	}
	var ops []string
	for _, o := range st["operators"].([]map[string]any) {
		ops = append(ops, o["value"].(string))
	}
	if !strings.Contains(strings.Join(ops, " "), "changed") {
		t.Errorf("trigger status operators %v lack changed", ops)
	}
	if find(tr["conditions_all"], "NEW") != nil || find(tr["conditions_all"], "update_type") == nil {
		t.Error("trigger definitions: NEW present or update_type missing")
	}
	if g := find(tr["actions"], "group_id"); g == nil || len(g["values"].([]map[string]any)) != 2 {
		t.Errorf("group action values: %v", g)
	}
	if f := find(tr["conditions_all"], "custom_fields_103"); f == nil || len(f["values"].([]map[string]any)) != 2 {
		t.Errorf("dropdown field definition: %v", f)
	}
	au := Definitions(Automation, testCatalog)
	if find(au["conditions_all"], "SOLVED") == nil || find(au["conditions_any"], "SOLVED") != nil {
		t.Error("automation: time conditions must be in all and not in any")
	}
	for _, o := range find(au["conditions_all"], "status")["operators"].([]map[string]any) {
		if changeOp(o["value"].(string)) {
			t.Errorf("automation status has %v", o["value"])
		}
	}
	vw := Definitions(View, testCatalog)
	if len(vw["actions"].([]map[string]any)) != 0 || find(vw["conditions_any"], "NEW") == nil {
		t.Error("views: no actions, time conditions in any")
	}
	mc := Definitions(Macro, testCatalog)
	if len(mc["conditions_all"].([]map[string]any)) != 0 || find(mc["actions"], "comment_value") == nil ||
		find(mc["actions"], "notification_user") != nil {
		t.Error("macro definitions")
	}
	if _, err := json.Marshal(tr); err != nil {
		t.Error(err)
	}
}
