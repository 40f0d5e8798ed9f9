package customfield

import (
	"testing"

	"github.com/google/go-cmp/cmp"
)

func TestValidate(t *testing.T) {
	re := `^[A-Z]{3}-\d+$`
	opts := []string{"gold", "silver"}
	for _, tc := range []struct {
		name string
		def  Def
		in   any
		want any
		bad  bool
	}{
		{"text", Def{Type: "text"}, "hello", "hello", false},
		{"text from number", Def{Type: "text"}, 12.5, nil, true},
		{"text from bool", Def{Type: "text"}, true, nil, true},
		{"null clears", Def{Type: "integer"}, nil, nil, false},
		{"checkbox", Def{Type: "checkbox"}, true, true, false},
		{"checkbox string", Def{Type: "checkbox"}, "false", false, false},
		{"checkbox junk", Def{Type: "checkbox"}, "maybe", nil, true},
		{"integer", Def{Type: "integer"}, 42.0, int64(42), false},
		{"integer quoted", Def{Type: "integer"}, " -7 ", int64(-7), false},
		{"integer fraction", Def{Type: "integer"}, 1.5, nil, true},
		{"integer huge", Def{Type: "integer"}, 1e300, nil, true},
		{"decimal", Def{Type: "decimal"}, "3.25", 3.25, false},
		{"decimal junk", Def{Type: "decimal"}, "NaN", nil, true},
		{"date", Def{Type: "date"}, "2024-02-29", "2024-02-29", false},
		{"date from time", Def{Type: "date"}, "2024-02-29T23:00:00-03:00", "2024-03-01", false},
		{"date invalid", Def{Type: "date"}, "2023-02-29", nil, true},
		{"regexp match", Def{Type: "regexp", Regexp: &re}, "ABC-12", "ABC-12", false},
		{"regexp miss", Def{Type: "regexp", Regexp: &re}, "abc-12", nil, true},
		{"card keeps last four", Def{Type: "partialcreditcard"}, "4111 1111-1111 1234", "XXXXXXXXXXXX1234", false},
		{"card letters", Def{Type: "partialcreditcard"}, "4111x", nil, true},
		{"dropdown", Def{Type: "tagger", Options: opts}, "gold", "gold", false},
		{"dropdown unknown", Def{Type: "tagger", Options: opts}, "bronze", nil, true},
		{"dropdown empty clears", Def{Type: "tagger", Options: opts}, "", nil, false},
		{"multiselect sorted deduped", Def{Type: "multiselect", Options: opts}, []any{"silver", "gold", "silver"}, []string{"gold", "silver"}, false},
		{"multiselect single string", Def{Type: "multiselect", Options: opts}, "gold", nil, true},
		{"multiselect empty clears", Def{Type: "multiselect", Options: opts}, []any{}, nil, false},
		{"multiselect unknown", Def{Type: "multiselect", Options: opts}, []any{"gold", "x"}, nil, true},
		{"lookup", Def{Type: "lookup"}, "17", int64(17), false},
		{"lookup zero", Def{Type: "lookup"}, 0.0, nil, true},
		{"unknown type", Def{Type: "weird"}, "x", nil, true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got, msg := Validate(tc.def, tc.in)
			if (msg != "") != tc.bad {
				t.Fatalf("problem %q, want bad=%v", msg, tc.bad)
			}
			if diff := cmp.Diff(tc.want, got); diff != "" {
				t.Errorf("value (-want +got):\n%s", diff)
			}
		})
	}
}

func TestTags(t *testing.T) {
	tag := "VIP"
	for _, tc := range []struct {
		typ  string
		v    any
		want []string
	}{
		{"checkbox", true, []string{"vip"}},
		{"checkbox", false, nil},
		{"tagger", "gold", []string{"gold"}},
		{"multiselect", []string{"a", "b"}, []string{"a", "b"}},
		{"multiselect", []any{"a"}, []string{"a"}},
		{"text", "x", nil},
	} {
		if diff := cmp.Diff(tc.want, Tags(tc.typ, &tag, tc.v)); diff != "" {
			t.Errorf("%s %v (-want +got):\n%s", tc.typ, tc.v, diff)
		}
	}
}
