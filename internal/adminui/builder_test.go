package adminui

import (
	"testing"

	"github.com/google/go-cmp/cmp"

	"parley/internal/platform/errs"
	"parley/internal/ticket"
)

// TestRuleValues: a value shown in the builder's text box and sent back
// is the value that was stored (arrays too, as notification actions use).
func TestRuleValues(t *testing.T) {
	for _, v := range []any{"solved", "", []any{"123", "Subject", "Body"}, true, 48.0} {
		got := formValue(rowValue(v))
		switch v.(type) {
		case bool, float64:
			// Booleans and numbers come back as their text, which the rule
			// validation reads as the API's string form.
			if got != rowValue(v) {
				t.Errorf("%v: got %#v, want the text %q", v, got, rowValue(v))
			}
		default:
			if diff := cmp.Diff(v, got); diff != "" {
				t.Errorf("round trip of %#v (-want +got):\n%s", v, diff)
			}
		}
	}
	if got := formValue("[not json"); got != "[not json" {
		t.Errorf("text that only looks like an array: %#v", got)
	}
}

// TestFormFieldOrder: ticked fields go by their number, unnumbered ones
// last in the order listed; unticked ones are left off.
func TestFormFieldOrder(t *testing.T) {
	f := formForm{Fields: []formFieldRow{{ID: 1, On: true}, {ID: 2, On: true, Order: "2"}, {ID: 3, Order: "1"},
		{ID: 4, On: true, Order: "1"}, {ID: 5, On: true}}}
	ids, err := f.fieldIDs()
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff([]int64{4, 2, 1, 5}, ids); diff != "" {
		t.Errorf("order (-want +got):\n%s", diff)
	}
	f.Fields[0].Order = "first"
	if _, err := f.fieldIDs(); !errs.Is(err, errs.Invalid) {
		t.Errorf("a word as the order: err = %v, want Invalid", err)
	}
}

// TestGroupConditions: rows with the same parent and value make one
// condition; a checkbox parent's value is a boolean.
func TestGroupConditions(t *testing.T) {
	rows := []conditionRow{{Parent: "10", Value: "hardware", Child: "11", Required: true},
		{Parent: "10", Value: "hardware", Child: "12"}, {Parent: "20", Value: "true", Child: "11"}}
	got, err := groupConditions(rows, map[int64]string{10: "tagger", 20: "checkbox"})
	if err != nil {
		t.Fatal(err)
	}
	want := []ticket.Condition{
		{ParentFieldID: 10, Value: "hardware", ChildFields: []ticket.ChildField{{ID: 11, IsRequired: true}, {ID: 12}}},
		{ParentFieldID: 20, Value: true, ChildFields: []ticket.ChildField{{ID: 11}}},
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("conditions (-want +got):\n%s", diff)
	}
	if _, err := groupConditions([]conditionRow{{Parent: "10", Value: "x"}}, nil); !errs.Is(err, errs.Invalid) {
		t.Errorf("a row without the field to show: err = %v, want Invalid", err)
	}
}
