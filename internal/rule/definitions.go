package rule

import (
	"cmp"
	"maps"
	"slices"
	"strconv"
)

// Definitions describe the conditions and actions available to a kind, in
// the shape of Zendesk's /triggers/definitions:
//
//	{"conditions_all":[{"title","subject","type","group","nullable","repeatable",
//	  "operators":[{"value","title","terminal"}],"values":[{"value","title","enabled"}]}],
//	 "conditions_any":[...],"actions":[{"title","subject","type","group","nullable","repeatable","values":[...]}]}
//
// Values list the account's groups, agents, forms, custom statuses,
// webhooks and custom field options from cat.
func Definitions(k Kind, cat Catalog) map[string]any {
	all, anyConds, actions := []map[string]any{}, []map[string]any{}, []map[string]any{}
	if k != Macro {
		for i := range specs {
			s := &specs[i]
			if !s.where.has(k) {
				continue
			}
			d := conditionDef(k, s, s.name, s.title, cat, Field{})
			all = append(all, d)
			if !(k == Automation && s.val == vHours) {
				anyConds = append(anyConds, d)
			}
		}
		for _, f := range sortedFields(cat) {
			d := conditionDef(k, &fieldSpec, customPrefix+strconv.FormatInt(f.ID, 10), f.Title, cat, f)
			all, anyConds = append(all, d), append(anyConds, d)
		}
	}
	if k != View {
		for i := range actionSpecs {
			s := &actionSpecs[i]
			if s.where.hasAction(k) {
				actions = append(actions, actionDef(k, s, s.name, s.title, cat, Field{}))
			}
		}
		for _, f := range sortedFields(cat) {
			actions = append(actions, actionDef(k, &fieldAction, customPrefix+strconv.FormatInt(f.ID, 10), f.Title, cat, f))
		}
	}
	return map[string]any{"conditions_all": all, "conditions_any": anyConds, "actions": actions}
}

func sortedFields(cat Catalog) []Field {
	fs := slices.Collect(maps.Values(cat.Fields))
	slices.SortFunc(fs, func(a, b Field) int { return cmp.Compare(a.ID, b.ID) })
	return fs
}

var opTitles = map[string]string{
	opIs: "Is", opIsNot: "Is not", opLess: "Less than", opGreater: "Greater than", opChanged: "Changed",
	opNotChanged: "Not changed", opValue: "Changed to", opValuePrevious: "Changed from", opNotValue: "Not changed to",
	opNotValuePrevious: "Not changed from", opIncludes: "Contains at least one of the following",
	opNotIncludes: "Contains none of the following", opPresent: "Present", opNotPresent: "Not present",
	opWithinPrevDays: "Within the previous n days", opIsBusiness: "Is (business hours)",
	opLessBusiness: "Less than (business hours)", opGreaterBusiness: "Greater than (business hours)",
}

func value(v, title string) map[string]any {
	return map[string]any{"value": v, "title": title, "enabled": true}
}

func idValues(m map[int64]string) []map[string]any {
	ids := slices.Sorted(maps.Keys(m))
	out := make([]map[string]any, 0, len(ids))
	for _, n := range ids {
		out = append(out, value(strconv.FormatInt(n, 10), m[n]))
	}
	return out
}

func enumValues(vals []string) []map[string]any {
	out := make([]map[string]any, 0, len(vals))
	for _, v := range vals {
		title := v
		if v == "" {
			title = "-"
		}
		out = append(out, value(v, title))
	}
	return out
}

func statusValues(cat Catalog) []map[string]any {
	m := map[int64]string{}
	for id, s := range cat.Statuses {
		if s.Active {
			m[id] = s.Label
		}
	}
	return idValues(m)
}

// valuesOf lists the values of a condition or action field.
func valuesOf(name string, cat Catalog, f Field) []map[string]any {
	switch name {
	case "group_id":
		return append([]map[string]any{value("", "-")}, idValues(cat.Groups)...)
	case "assignee_id":
		return append([]map[string]any{value("", "-"), value("current_user", "(current user)"),
			value("requester_id", "(requester)")}, idValues(cat.Agents)...)
	case "requester_id":
		return []map[string]any{value("current_user", "(current user)")}
	case "ticket_form_id":
		return idValues(cat.Forms)
	case "custom_status_id":
		return statusValues(cat)
	case "via_id", "current_via_id":
		ids := slices.Sorted(maps.Keys(viaNames))
		out := make([]map[string]any, 0, len(ids))
		for _, n := range ids {
			out = append(out, value(strconv.Itoa(n), viaNames[n]))
		}
		return out
	case "locale_id":
		names := slices.Sorted(maps.Keys(localeIDs))
		out := make([]map[string]any, 0, len(names))
		for _, n := range names {
			out = append(out, value(strconv.FormatInt(localeIDs[n], 10), n))
		}
		return out
	case "notification_webhook":
		ids := slices.Sorted(maps.Keys(cat.Webhooks))
		out := make([]map[string]any, 0, len(ids))
		for _, id := range ids {
			out = append(out, value(id, cat.Webhooks[id]))
		}
		return out
	case "notification_user":
		return append([]map[string]any{value("requester_id", "(requester)"), value("assignee_id", "(assignee)"),
			value("current_user", "(current user)"), value("all_agents", "(all non-restricted agents)"),
			value("requester_and_ccs", "(requester and CCs)")}, idValues(cat.Agents)...)
	case "notification_group":
		return append([]map[string]any{value("group_id", "(assigned group)")}, idValues(cat.Groups)...)
	}
	switch f.Type {
	case "checkbox":
		return []map[string]any{value("true", "Checked"), value("false", "Unchecked")}
	case "tagger", "dropdown", "multiselect":
		out := make([]map[string]any, 0, len(f.Options))
		for _, o := range f.Options {
			out = append(out, value(o.Value, o.Name))
		}
		return out
	}
	return nil
}

func fieldType(f Field) string {
	switch f.Type {
	case "tagger", "dropdown", "multiselect", "checkbox":
		return "list"
	case "date":
		return "date"
	case "integer", "decimal":
		return "number"
	}
	return "text"
}

func conditionDef(k Kind, s *spec, subject, title string, cat Catalog, f Field) map[string]any {
	typ := map[valueKind]string{vEnum: "list", vID: "list", vVia: "list", vTags: "tags", vWords: "text", vCount: "number",
		vHours: "number", vLocale: "list", vField: "text", vAgreement: "list", vText: "text"}[s.val]
	if s.val == vField {
		typ = fieldType(f)
	}
	var ops []map[string]any
	for _, op := range s.ops {
		c := canonOp(op)
		if changeOp(c) && k != Trigger {
			continue
		}
		if s.val == vField && f.Type != "" && !fieldOpFits(f.Type, c) {
			continue
		}
		ops = append(ops, map[string]any{"value": op, "title": opTitles[op], "terminal": terminalOp(c)})
	}
	values := valuesOf(subject, cat, f)
	if s.val == vEnum {
		values = enumValues(s.values)
	}
	if values == nil {
		values = []map[string]any{}
	}
	nullable := s.val == vID && subject != "requester_id" && subject != "custom_status_id" || subject == "priority" || subject == "type"
	return map[string]any{"title": title, "subject": subject, "type": typ, "group": s.group, "nullable": nullable,
		"repeatable": s.val == vTags || s.val == vWords || s.val == vField, "operators": ops, "values": values}
}

// fieldOpFits reports whether a custom field of type typ takes op.
func fieldOpFits(typ, op string) bool {
	switch op {
	case opWithinPrevDays:
		return typ == "date"
	case opIncludes, opNotIncludes:
		return dropdownType(typ)
	case opPresent, opNotPresent:
		return typ != "checkbox"
	}
	return true
}

func actionDef(k Kind, s *actionSpec, subject, title string, cat Catalog, f Field) map[string]any {
	typ := map[actionKind]string{aEnum: "list", aID: "list", aTags: "tags", aField: "text", aUser: "list", aNotify: "notification",
		aWebhook: "notification", aText: "text", aComment: "text", aBool: "list", aAgreement: "list"}[s.val]
	if s.val == aField {
		typ = fieldType(f)
	}
	values := valuesOf(subject, cat, f)
	switch s.val {
	case aEnum:
		vals := s.values
		if k == Macro && s.name == "status" {
			vals = []string{"open", "pending", "hold", "solved"}
		}
		values = enumValues(vals)
	case aBool:
		values = []map[string]any{value("true", "Public"), value("false", "Private")}
	}
	if values == nil {
		values = []map[string]any{}
	}
	nullable := s.name == "group_id" || s.name == "assignee_id" || s.name == "priority" || s.name == "type" || s.val == aField
	return map[string]any{"title": title, "subject": subject, "type": typ, "group": s.group, "nullable": nullable,
		"repeatable": s.val == aNotify || s.val == aWebhook || s.val == aUser || s.val == aTags, "values": values}
}
