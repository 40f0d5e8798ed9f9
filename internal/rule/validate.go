package rule

import (
	"encoding/json"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"

	"parley/internal/placeholder"
	"parley/internal/platform/errs"
)

// Validation problems are added under "conditions.all[i]",
// "conditions.any[i]" and "actions[i]" for one condition or action, and
// under "conditions" / "actions" for the rule as a whole, with the codes
// BlankValue (something required is missing) and InvalidValue. A nil map
// in the Catalog is not checked (every id is accepted); an empty one
// accepts none.

// Validate checks a whole rule of kind k: its conditions, its actions
// and, for automations, that the actions nullify a condition.
func Validate(k Kind, c Conditions, as []Action, cat Catalog, v *errs.Validation) {
	ValidateConditions(k, c, cat, v)
	ValidateActions(k, as, cat, v)
	if k == Automation && len(as) > 0 && !Nullifies(c, as) {
		v.Add("actions", "InvalidValue", "Automations must nullify a condition: an action must make a condition false, "+
			"or a condition must be true only once (a time condition with \"is\")")
	}
}

// ValidateConditions checks a rule's conditions for its kind: fields,
// operators and values, plus the kind's own rules (automations need a time
// condition and a status/type/group/assignee/requester condition in all,
// and no time condition in any; views need one of those five in all;
// macros have no conditions).
func ValidateConditions(k Kind, c Conditions, cat Catalog, v *errs.Validation) {
	if k == Macro {
		if len(c.All)+len(c.Any) > 0 {
			v.Add("conditions", "InvalidValue", "Conditions: macros have no conditions")
		}
		return
	}
	for i, x := range c.All {
		validateCondition(k, x, cat, fmt.Sprintf("conditions.all[%d]", i), v)
	}
	for i, x := range c.Any {
		path := fmt.Sprintf("conditions.any[%d]", i)
		validateCondition(k, x, cat, path, v)
		if k == Automation && isTime(x.Field) && !v.Has(path) {
			v.Add(path, "InvalidValue", fmt.Sprintf("Conditions: the time condition %s cannot be used in 'any'", x.Field))
		}
	}
	keyed := slices.ContainsFunc(c.All, func(x Condition) bool {
		switch x.Field {
		case "status", "type", "group_id", "assignee_id", "requester_id":
			return true
		}
		return false
	})
	switch k {
	case Automation:
		if !slices.ContainsFunc(c.All, func(x Condition) bool { return isTime(x.Field) }) {
			v.Add("conditions", "InvalidValue", "Conditions: automations need at least one time based condition in 'all'")
		}
		if !keyed {
			v.Add("conditions", "InvalidValue", "Conditions: automations need a condition on status, type, group, assignee or requester in 'all'")
		}
	case View:
		if !keyed {
			v.Add("conditions", "InvalidValue", "Conditions: views need a condition on status, type, group, assignee or requester in 'all'")
		}
	}
}

func validateCondition(k Kind, x Condition, cat Catalog, path string, v *errs.Validation) {
	bad := func(format string, args ...any) {
		v.Add(path, "InvalidValue", "Conditions: "+fmt.Sprintf(format, args...))
	}
	if strings.TrimSpace(x.Field) == "" {
		v.Add(path, "BlankValue", "Conditions: field cannot be blank")
		return
	}
	s, fid, ok := lookup(x.Field)
	if !ok {
		bad("%q is not a condition field", x.Field)
		return
	}
	if !s.where.has(k) {
		bad("%s cannot be used in %ss", x.Field, k)
		return
	}
	op := resolveOp(s, x.Operator)
	if op == "" {
		v.Add(path, "BlankValue", fmt.Sprintf("Conditions: %s needs an operator", x.Field))
		return
	}
	if !s.allows(op) {
		bad("%q is not an operator of %s", x.Operator, x.Field)
		return
	}
	if changeOp(op) && k != Trigger {
		bad("%q can only be used in triggers", x.Operator)
		return
	}
	if terminalOp(op) {
		return
	}
	if msg := conditionValueProblem(s, fid, op, x.Value, cat); msg != "" {
		if msg == blank {
			v.Add(path, "BlankValue", fmt.Sprintf("Conditions: %s needs a value", x.Field))
			return
		}
		bad("%s: %s", x.Field, msg)
	}
}

// blank is the problem "no value given".
const blank = "\x00blank"

func show(v any) string {
	if s, ok := str(v); ok {
		return strconv.Quote(s)
	}
	b, _ := json.Marshal(v)
	return string(b)
}

// conditionValueProblem describes what is wrong with a condition value,
// or returns "".
func conditionValueProblem(s *spec, fid int64, op string, v any, cat Catalog) string {
	switch s.val {
	case vEnum:
		if _, ok := enumValue(s, v); !ok {
			return fmt.Sprintf("%s is not one of %s", show(v), strings.Join(quoted(s.values), ", "))
		}
	case vID:
		vals := []any{v}
		if op == opIncludes {
			vals = anyList(v)
			if len(vals) == 0 {
				return blank
			}
		}
		for _, x := range vals {
			if msg := idProblem(s.name, x, op, cat); msg != "" {
				return msg
			}
		}
	case vVia:
		vals := []any{v}
		if op == opIncludes {
			vals = anyList(v)
			if len(vals) == 0 {
				return blank
			}
		}
		for _, x := range vals {
			if n, ok := integer(x); !ok || ViaName(int(max(-1, min(n, 1<<20)))) == "" {
				return fmt.Sprintf("%s is not a via id", show(x))
			}
		}
	case vTags:
		if len(tags(v)) == 0 {
			return blank
		}
	case vWords:
		if len(words(v)) == 0 {
			return blank
		}
	case vCount, vHours:
		n, ok := integer(v)
		if !ok || n < 0 || n > maxHours {
			return fmt.Sprintf("%s is not a whole number of %s", show(v), map[bool]string{true: "hours", false: "times"}[s.val == vHours])
		}
	case vLocale:
		n, ok := id(v)
		if !ok || !slices.Contains(mapValues(localeIDs), n) {
			return fmt.Sprintf("%s is not a supported locale id", show(v))
		}
	case vAgreement:
		if _, ok := id(v); !ok {
			return fmt.Sprintf("%s is not a sharing agreement id", show(v))
		}
	case vText:
		if x, ok := str(v); !ok || strings.TrimSpace(x) == "" {
			return blank
		}
	case vField:
		return fieldConditionProblem(fid, op, v, cat)
	}
	return ""
}

func quoted(xs []string) []string {
	out := make([]string, len(xs))
	for i, x := range xs {
		out[i] = strconv.Quote(x)
	}
	return out
}

func mapValues[K comparable, V any](m map[K]V) []V {
	out := make([]V, 0, len(m))
	for _, v := range m {
		out = append(out, v)
	}
	return out
}

// idProblem checks one id value of field name against the catalog.
func idProblem(name string, v any, op string, cat Catalog) string {
	x, ok := str(v)
	if !ok {
		return fmt.Sprintf("%s is not an id", show(v))
	}
	switch strings.TrimSpace(x) {
	case "":
		if op == opLess || op == opGreater {
			return blank
		}
		return ""
	case "current_user":
		switch name {
		case "assignee_id", "requester_id":
			return ""
		}
		return fmt.Sprintf("current_user is not a value of %s", name)
	case "requester_id":
		if name == "assignee_id" {
			return ""
		}
		return fmt.Sprintf("requester_id is not a value of %s", name)
	}
	n, ok := id(v)
	if !ok {
		return fmt.Sprintf("%s is not an id", show(v))
	}
	known := true
	switch name {
	case "group_id":
		known = has(cat.Groups, n)
	case "assignee_id":
		known = has(cat.Agents, n)
	case "ticket_form_id":
		known = has(cat.Forms, n)
	case "custom_status_id":
		known = has(cat.Statuses, n)
	}
	if !known {
		return fmt.Sprintf("there is no %s %d", strings.TrimSuffix(name, "_id"), n)
	}
	return ""
}

// has reports whether a catalog map knows id n (a nil map knows all).
func has[V any](m map[int64]V, n int64) bool {
	if m == nil {
		return true
	}
	_, ok := m[n]
	return ok
}

// fieldConditionProblem checks a custom field condition against the
// field's type.
func fieldConditionProblem(fid int64, op string, v any, cat Catalog) string {
	f, ok := cat.Fields[fid]
	if cat.Fields != nil && !ok {
		return "there is no active custom field " + strconv.FormatInt(fid, 10)
	}
	typ := f.Type
	switch op {
	case opWithinPrevDays:
		if ok && typ != "date" {
			return "within_previous_n_days is only for date fields"
		}
		if n, isInt := integer(v); !isInt || n < 0 || n > 100_000 {
			return fmt.Sprintf("%s is not a number of days", show(v))
		}
		return ""
	case opIncludes:
		if ok && !dropdownType(typ) {
			return op + " is only for drop-down and multi-select fields"
		}
		if len(list(v)) == 0 {
			return blank
		}
		return fieldValuesProblem(f, v, ok, true)
	}
	return fieldValuesProblem(f, v, ok, false)
}

// fieldValuesProblem checks a value that is a list of field values (many)
// or a single one.
func fieldValuesProblem(f Field, v any, known, many bool) string {
	if !many {
		if _, isScalar := str(v); !isScalar {
			return fmt.Sprintf("%s is not a single value", show(v))
		}
		return fieldValueProblem(f, v, known)
	}
	for _, x := range list(v) {
		if msg := fieldValueProblem(f, x, known); msg != "" {
			return msg
		}
	}
	return ""
}

func dropdownType(typ string) bool {
	return typ == "tagger" || typ == "dropdown" || typ == "multiselect"
}

// fieldValueProblem checks one value against a field's type (known false:
// the field is not in the catalog, and any scalar is accepted).
func fieldValueProblem(f Field, v any, known bool) string {
	if !known {
		return ""
	}
	x, _ := str(v)
	x = strings.TrimSpace(x)
	if x == "" && f.Type != "checkbox" {
		return ""
	}
	switch f.Type {
	case "checkbox":
		if _, ok := boolean(v); !ok {
			return fmt.Sprintf("%s is not true or false", show(v))
		}
	case "tagger", "dropdown", "multiselect":
		if !slices.ContainsFunc(f.Options, func(o Option) bool { return o.Value == x }) {
			return fmt.Sprintf("%s is not an option of %s", show(v), f.Title)
		}
	case "date":
		if _, err := time.Parse("2006-01-02", x); err != nil {
			return fmt.Sprintf("%s is not a date (YYYY-MM-DD)", show(v))
		}
	case "integer":
		if _, err := strconv.ParseInt(x, 10, 64); err != nil {
			return fmt.Sprintf("%s is not an integer", show(v))
		}
	case "decimal":
		if _, err := strconv.ParseFloat(x, 64); err != nil {
			return fmt.Sprintf("%s is not a number", show(v))
		}
	}
	return ""
}

// ValidateActions checks a rule's actions for its kind: triggers,
// automations and macros need at least one; views have none.
func ValidateActions(k Kind, as []Action, cat Catalog, v *errs.Validation) {
	if k == View {
		if len(as) > 0 {
			v.Add("actions", "InvalidValue", "Actions: views have no actions")
		}
		return
	}
	if len(as) == 0 {
		v.Add("actions", "BlankValue", "Actions: cannot be blank")
		return
	}
	for i, a := range as {
		path := fmt.Sprintf("actions[%d]", i)
		if strings.TrimSpace(a.Field) == "" {
			v.Add(path, "BlankValue", "Actions: field cannot be blank")
			continue
		}
		s, fid, ok := lookupAction(a.Field)
		if !ok {
			v.Add(path, "InvalidValue", fmt.Sprintf("Actions: %q is not an action", a.Field))
			continue
		}
		if !s.where.hasAction(k) {
			v.Add(path, "InvalidValue", fmt.Sprintf("Actions: %s cannot be used in %ss", a.Field, k))
			continue
		}
		if msg := actionValueProblem(k, s, fid, a.Value, cat); msg != "" {
			if msg == blank {
				v.Add(path, "BlankValue", fmt.Sprintf("Actions: %s needs a value", a.Field))
				continue
			}
			v.Add(path, "InvalidValue", fmt.Sprintf("Actions: %s: %s", a.Field, msg))
			continue
		}
		for _, tmpl := range templates(s, a.Value) {
			if err := placeholder.Check(tmpl); err != nil {
				v.Add(path, "InvalidValue", fmt.Sprintf("Actions: %s: the placeholder text does not parse: %v", a.Field, err))
				break
			}
		}
	}
}

// templates are the texts of an action that carry placeholders, checked
// when the rule is saved so a broken one never reaches a customer.
func templates(s *actionSpec, v any) []string {
	switch s.val {
	case aNotify:
		if parts, ok := textList(v); ok && len(parts) > 1 {
			return parts[1:]
		}
	case aWebhook:
		if parts, ok := textList(v); ok && len(parts) > 1 {
			return parts[1:]
		}
	case aText:
		if x, ok := str(v); ok {
			return []string{x}
		}
	case aComment:
		if x, ok := commentText(v); ok {
			return []string{x}
		}
	}
	return nil
}

func actionValueProblem(k Kind, s *actionSpec, fid int64, v any, cat Catalog) string {
	switch s.val {
	case aEnum:
		x, ok := actionEnum(s, v)
		if !ok {
			return fmt.Sprintf("%s is not one of %s", show(v), strings.Join(quoted(s.values), ", "))
		}
		if k == Macro && s.name == "status" && (x == "new" || x == "closed") {
			return "macros cannot set the status to " + x
		}
	case aID:
		x, _ := str(v)
		if s.name == "group_id" && k == Macro && strings.TrimSpace(x) == "current_groups" {
			return ""
		}
		if strings.TrimSpace(x) == "" && s.name == "custom_status_id" {
			return blank
		}
		if strings.TrimSpace(x) == "current_user" && s.name != "assignee_id" {
			return fmt.Sprintf("current_user is not a value of %s", s.name)
		}
		return idProblem(s.name, v, opIs, cat)
	case aTags:
		if len(tags(v)) == 0 {
			return blank
		}
	case aField:
		f, ok := cat.Fields[fid]
		if cat.Fields != nil && !ok {
			return "there is no active custom field " + strconv.FormatInt(fid, 10)
		}
		return fieldValuesProblem(f, v, ok, f.Type == "multiselect")
	case aUser:
		if x, _ := str(v); strings.TrimSpace(x) == "current_user" {
			return ""
		}
		if _, ok := id(v); !ok {
			return fmt.Sprintf("%s is not a user id or current_user", show(v))
		}
	case aNotify:
		parts, ok := textList(v)
		if !ok || len(parts) != 3 {
			return "the value is [recipient, subject, body]"
		}
		r := strings.TrimSpace(parts[0])
		if s.name == "notification_group" {
			if r == "group_id" {
				return ""
			}
			if n, ok := id(r); !ok || !has(cat.Groups, n) {
				return fmt.Sprintf("%s is not a group", strconv.Quote(r))
			}
			return ""
		}
		switch r {
		case "requester_id", "assignee_id", "current_user", "all_agents", "requester_and_ccs":
			return ""
		}
		if _, ok := id(r); !ok {
			return fmt.Sprintf("%s is not a recipient", strconv.Quote(r))
		}
	case aWebhook:
		parts, ok := textList(v)
		if !ok || len(parts) < 1 || len(parts) > 2 || strings.TrimSpace(parts[0]) == "" {
			return "the value is [webhook_id, body]"
		}
		if cat.Webhooks != nil {
			if _, ok := cat.Webhooks[parts[0]]; !ok {
				return fmt.Sprintf("there is no webhook %s", strconv.Quote(parts[0]))
			}
		}
	case aText:
		if _, ok := str(v); !ok {
			return fmt.Sprintf("%s is not text", show(v))
		}
	case aComment:
		if _, ok := commentText(v); !ok {
			return fmt.Sprintf("%s is not text", show(v))
		}
	case aBool:
		if _, ok := boolean(v); !ok {
			return fmt.Sprintf("%s is not true or false", show(v))
		}
	case aAgreement:
		ids := list(v)
		if len(ids) == 0 {
			return blank
		}
		for _, x := range ids {
			if _, ok := id(x); !ok {
				return fmt.Sprintf("%s is not a sharing agreement id", strconv.Quote(x))
			}
		}
	}
	return ""
}

// Sentinels Nullifies resolves current_user and requester_id to: ids no
// real record has.
const (
	nullActor     = int64(1) << 60
	nullRequester = int64(1)<<60 + 1
)

// Nullifies reports whether an automation's actions make one of its
// conditions false, or one of its conditions is true only once (a time
// condition with "is"), so the automation does not fire on the same
// ticket every hour. A condition of "any" counts only when it is the only
// one. An action nullifies a condition when the condition is false on a
// ticket that holds the action's result (for tags: a ticket holding the
// condition's tags, minus the removed ones, plus the added ones), or when it
// sets the status a status-time condition (OPEN ... CLOSED) needs to
// another one. For current_tags, a ticket meeting "includes" is taken to
// hold all of its tags and one meeting "not_includes" none.
func Nullifies(c Conditions, as []Action) bool {
	conds := c.All
	if len(c.Any) == 1 {
		conds = append(slices.Clip(conds), c.Any[0])
	}
	for _, x := range conds {
		if s, _, ok := lookup(x.Field); ok && s.val == vHours && resolveOp(s, x.Operator) == opIs {
			return true
		}
		for _, a := range as {
			if nullifiesOne(x, a) {
				return true
			}
		}
	}
	return false
}

func nullifiesOne(x Condition, a Action) bool {
	s, fid, ok := lookup(x.Field)
	if !ok {
		return false
	}
	if st := statusOfTime(x.Field); st != "" {
		if a.Field != "status" {
			return false
		}
		to, ok := actionEnum(actionByName["status"], a.Value)
		return ok && to != st
	}
	t := Ticket{RequesterID: nullRequester}
	ch := Plan([]Action{a}, &t, nullActor)
	touched := false
	switch x.Field {
	case "status":
		touched = set(&t.Status, ch.Status)
	case "priority":
		touched = set(&t.Priority, ch.Priority)
	case "type":
		touched = set(&t.Type, ch.Type)
	case "group_id":
		touched = set(&t.GroupID, ch.GroupID)
	case "assignee_id":
		touched = set(&t.AssigneeID, ch.AssigneeID)
	case "custom_status_id":
		touched = set(&t.CustomStatusID, ch.CustomStatusID)
	case "ticket_form_id":
		touched = set(&t.TicketFormID, ch.TicketFormID)
	case "satisfaction_score":
		if ch.Satisfaction != "" {
			t.Satisfaction, touched = ch.Satisfaction, true
		}
	case "current_tags":
		touched = ch.SetTagsSet || len(ch.AddTags) > 0 || len(ch.RemoveTags) > 0
		switch {
		case ch.SetTagsSet:
			t.Tags = ch.SetTags
		case resolveOp(s, x.Operator) == opIncludes:
			t.Tags = append(without(tags(x.Value), ch.RemoveTags), ch.AddTags...)
		default: // not_includes: the ticket holds none of the tags
			t.Tags = ch.AddTags
		}
	default:
		if s.val == vField {
			if v, ok := ch.Fields[fid]; ok {
				t.Fields, touched = map[int64]any{fid: FieldValue(v)}, true
			}
		}
	}
	return touched && !matchOne(x, &t, nil, time.Time{})
}

func set[T any](dst *T, v *T) bool {
	if v == nil {
		return false
	}
	*dst = *v
	return true
}

// Identical reports whether two rules have the same conditions and
// actions, whatever their order and however their values are written
// (5 and "5" are the same id): two active automations may not be
// identical.
func Identical(c1 Conditions, a1 []Action, c2 Conditions, a2 []Action) bool {
	return slices.Equal(canonConds(c1.All), canonConds(c2.All)) && slices.Equal(canonConds(c1.Any), canonConds(c2.Any)) &&
		slices.Equal(canonActions(a1), canonActions(a2))
}

func canonValue(v any) string {
	if s, ok := str(v); ok {
		return strings.TrimSpace(s)
	}
	return strings.Join(list(v), " ")
}

func canonConds(cs []Condition) []string {
	out := make([]string, 0, len(cs))
	for _, c := range cs {
		op := c.Operator
		if s, _, ok := lookup(c.Field); ok {
			op = resolveOp(s, op)
		}
		out = append(out, c.Field+"\x00"+op+"\x00"+canonValue(c.Value))
	}
	slices.Sort(out)
	return out
}

func canonActions(as []Action) []string {
	out := make([]string, 0, len(as))
	for _, a := range as {
		out = append(out, a.Field+"\x00"+canonValue(a.Value))
	}
	slices.Sort(out)
	return out
}
