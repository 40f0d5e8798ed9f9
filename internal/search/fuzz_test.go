package search

import (
	"testing"

	"github.com/google/go-cmp/cmp"
)

func FuzzParse(f *testing.F) {
	for _, s := range []string{
		"",
		"printer",
		`"printer on fire" -tags:invoice`,
		`subject:"printer on fire" subject:photo* assignee:none requester:me`,
		"status<solved priority>=normal created>2012-07-17 updated<2024-01-01T10:00:00Z",
		"created>4hours updated<=2weeks solved:3d due_date>=1y",
		"type:ticket type:incident -type:task order_by:created sort:asc",
		"custom_field_123:x custom_field_0:y fieldvalue:1 12345 -42",
		`:foo <3 Re: 10:30 --x - "unbalanced`,
		"STATUS:Open TAG:vip café 東京",
		"a\u00a0b\u3000c\td",
		`status:"`,
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		q, err := Parse(s)
		if err != nil {
			checkInvalid(t, err)
			return
		}
		canon := q.String()
		// The canonical form may outgrow the limits (tag: prints tags:,
		// 1h prints 1hours), so re-parse it without them.
		again, err := parse(canon, false)
		if err != nil {
			t.Fatalf("Parse(%q) = %q, which does not parse: %v", s, canon, err)
		}
		if diff := cmp.Diff(q, again); diff != "" {
			t.Fatalf("Parse(%q) = %q, which parses differently (-want +got):\n%s", s, canon, diff)
		}
		if again.String() != canon {
			t.Fatalf("canonical form %q is not stable: %q", canon, again.String())
		}
	})
}
