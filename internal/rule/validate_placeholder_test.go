package rule

import (
	"testing"

	"parley/internal/platform/errs"
)

func TestValidateActionsRejectsBrokenPlaceholders(t *testing.T) {
	cases := []struct {
		name string
		k    Kind
		a    Action
		bad  bool
	}{
		{"notification ok", Trigger, Action{Field: "notification_user", Value: []any{"requester_id", "Re: {{ticket.title}}", "Hi {{ticket.requester.name}}"}}, false},
		{"notification unclosed", Trigger, Action{Field: "notification_user", Value: []any{"requester_id", "Re: {{ticket.title", "body"}}, true},
		{"notification bad tag", Automation, Action{Field: "notification_user", Value: []any{"requester_id", "s", "{% if %}x"}}, true},
		{"include refused", Trigger, Action{Field: "notification_user", Value: []any{"requester_id", "s", "{% include 'x' %}"}}, true},
		{"macro comment bad", Macro, Action{Field: "comment_value", Value: "Hello {{ current_user.name "}, true},
		{"macro comment ok", Macro, Action{Field: "comment_value", Value: "Hello {{current_user.first_name}}"}, false},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			var v errs.Validation
			ValidateActions(c.k, []Action{c.a}, Catalog{}, &v)
			if got := v.Err() != nil; got != c.bad {
				t.Fatalf("rejected = %v, want %v (%v)", got, c.bad, v.Err())
			}
		})
	}
}
