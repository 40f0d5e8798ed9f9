package adminui

import (
	"encoding/json"
	"net/http"
	"strings"

	"parley/internal/rule"
)

// builderRows is how many empty rows the builder offers per list (more
// can be added in the browser).
const builderRows = 3

// ruleRow is one condition or action row of the builder.
type ruleRow struct {
	Field, Operator, Value string
}

// builder is the condition and action rows of a rule form. Triggers,
// automations, views and macros share it: the page's script fills each
// row from the kind's definitions, and the kind's service checks what is
// sent as the API would.
type builder struct {
	Definitions string // the kind's definitions as JSON, for the script
	Conditions  bool   // show the all/any condition lists
	Actions     bool   // show the action list
	All, Any    []ruleRow
	Acts        []ruleRow
}

// newBuilder fills b's definitions and pads every shown list with empty
// rows to pick from.
func newBuilder(defs map[string]any, b builder) (builder, error) {
	raw, err := json.Marshal(defs)
	if err != nil {
		return b, err
	}
	b.Definitions = string(raw)
	for _, list := range []*[]ruleRow{&b.All, &b.Any, &b.Acts} {
		*list = append(*list, ruleRow{}) // room for one more, even when editing
		for len(*list) < builderRows {
			*list = append(*list, ruleRow{})
		}
	}
	return b, nil
}

// rows reads the builder's rows named prefix_field[], prefix_operator[],
// prefix_value[]; empty rows are left out.
func rows(r *http.Request, prefix string) []ruleRow {
	fields, ops, vals := r.PostForm[prefix+"_field"], r.PostForm[prefix+"_operator"], r.PostForm[prefix+"_value"]
	var out []ruleRow
	for i, f := range fields {
		if strings.TrimSpace(f) == "" {
			continue
		}
		row := ruleRow{Field: f}
		if i < len(ops) {
			row.Operator = ops[i]
		}
		if i < len(vals) {
			row.Value = vals[i]
		}
		out = append(out, row)
	}
	return out
}

// formValue is a typed value as a rule value: a JSON array (an action
// taking several values, like a notification's recipient, subject and
// body) is sent as one; anything else is the text itself.
func formValue(s string) any {
	t := strings.TrimSpace(s)
	if strings.HasPrefix(t, "[") {
		var list []any
		if json.Unmarshal([]byte(t), &list) == nil {
			return list
		}
	}
	return s
}

// rowValue is a stored rule value as the text box shows it (the inverse
// of formValue).
func rowValue(v any) string {
	switch x := v.(type) {
	case nil:
		return ""
	case string:
		return x
	}
	b, err := json.Marshal(v)
	if err != nil {
		return ""
	}
	return string(b)
}

func conditions(rs []ruleRow) []rule.Condition {
	out := []rule.Condition{}
	for _, r := range rs {
		out = append(out, rule.Condition{Field: r.Field, Operator: r.Operator, Value: formValue(r.Value)})
	}
	return out
}

func actions(rs []ruleRow) []rule.Action {
	out := []rule.Action{}
	for _, r := range rs {
		out = append(out, rule.Action{Field: r.Field, Value: formValue(r.Value)})
	}
	return out
}

// conditionRows are stored conditions as builder rows.
func conditionRows(cs []rule.Condition) []ruleRow {
	out := make([]ruleRow, 0, len(cs))
	for _, c := range cs {
		out = append(out, ruleRow{Field: c.Field, Operator: c.Operator, Value: rowValue(c.Value)})
	}
	return out
}

// actionRows are stored actions as builder rows.
func actionRows(as []rule.Action) []ruleRow {
	out := make([]ruleRow, 0, len(as))
	for _, a := range as {
		out = append(out, ruleRow{Field: a.Field, Value: rowValue(a.Value)})
	}
	return out
}
