package rule

import (
	"strconv"
	"strings"
)

// where says which kinds of rule may use a condition field.
type where uint8

const (
	inT   where = 1 << iota // triggers
	inA                     // automations
	inV                     // views
	inTAV = inT | inA | inV
	inAV  = inA | inV
	inTA  = inT | inA
)

func (w where) has(k Kind) bool {
	switch k {
	case Trigger:
		return w&inT != 0
	case Automation:
		return w&inA != 0
	case View:
		return w&inV != 0
	}
	return false
}

// valueKind is how a condition field reads its value.
type valueKind uint8

const (
	vEnum      valueKind = iota // one of spec.values
	vID                         // a record id; "" is none; current_user; requester_id for assignee_id
	vVia                        // a numeric via id (a list for includes)
	vTags                       // space-separated tags
	vWords                      // space-separated words (or a phrase for is / is_not)
	vCount                      // a whole number
	vHours                      // whole hours
	vLocale                     // a locale id
	vField                      // a custom field value
	vAgreement                  // a sharing agreement id
	vText                       // free text compared without case (recipient)
)

// Operators. The "changed" family reads the update and exists in triggers
// only; value, value_previous, not_value and not_value_previous are
// "changed to", "changed from", "not changed to" and "not changed from"
// (those names are accepted as aliases).
const (
	opIs                = "is"
	opIsNot             = "is_not"
	opLess              = "less_than"
	opGreater           = "greater_than"
	opChanged           = "changed"
	opNotChanged        = "not_changed"
	opValue             = "value"
	opValuePrevious     = "value_previous"
	opNotValue          = "not_value"
	opNotValuePrevious  = "not_value_previous"
	opIncludes          = "includes"
	opNotIncludes       = "not_includes"
	opPresent           = "present"
	opNotPresent        = "not_present"
	opWithinPrevDays    = "within_previous_n_days"
	opIsBusiness        = "is_business_hours"
	opLessBusiness      = "less_than_business_hours"
	opGreaterBusiness   = "greater_than_business_hours"
	opAliasChangedTo    = "changed_to"
	opAliasChangedFrom  = "changed_from"
	opAliasNotChangedTo = "not_changed_to"
	opAliasNotChgFrom   = "not_changed_from"
)

// canonOp maps operator aliases to the operator they mean. Business-hours
// operators are computed on calendar hours: no schedules exist yet.
func canonOp(op string) string {
	switch op {
	case opAliasChangedTo:
		return opValue
	case opAliasChangedFrom:
		return opValuePrevious
	case opAliasNotChangedTo:
		return opNotValue
	case opAliasNotChgFrom:
		return opNotValuePrevious
	case opIsBusiness:
		return opIs
	case opLessBusiness:
		return opLess
	case opGreaterBusiness:
		return opGreater
	}
	return op
}

// changeOp reports whether op reads the update (triggers only).
func changeOp(op string) bool {
	switch op {
	case opChanged, opNotChanged, opValue, opValuePrevious, opNotValue, opNotValuePrevious:
		return true
	}
	return false
}

// positive splits the negative operators (is_not, not_includes,
// not_present) into their positive twin and a negation.
func positive(op string) (string, bool) {
	switch op {
	case opIsNot:
		return opIs, true
	case opNotIncludes:
		return opIncludes, true
	case opNotPresent:
		return opPresent, true
	}
	return op, false
}

// terminalOp reports whether op takes no value.
func terminalOp(op string) bool {
	switch op {
	case opChanged, opNotChanged, opPresent, opNotPresent:
		return true
	}
	return false
}

var (
	opsEq      = []string{opIs, opIsNot}
	opsChanges = []string{opChanged, opNotChanged, opValue, opValuePrevious, opNotValue, opNotValuePrevious}
	opsOrdered = append([]string{opIs, opIsNot, opLess, opGreater}, opsChanges...)
	opsID      = append([]string{opIs, opIsNot}, opsChanges...)
	opsIncl    = []string{opIncludes, opNotIncludes}
	opsWords   = []string{opIncludes, opNotIncludes, opIs, opIsNot}
	opsCount   = []string{opIs, opLess, opGreater}
	opsTime    = []string{opIs, opLess, opGreater, opIsBusiness, opLessBusiness, opGreaterBusiness}
	opsField   = append([]string{opIs, opIsNot, opPresent, opNotPresent, opWithinPrevDays, opIncludes, opNotIncludes}, opsChanges...)
)

// spec describes one condition field.
type spec struct {
	name, title, group string
	where              where
	ops                []string
	defaultOp          string // the operator meant when none is given ("": one is required)
	val                valueKind
	values             []string // vEnum choices, in order (less_than / greater_than use it)
}

// Value lists. Priority and type accept "" for "none"; "" is the lowest
// priority.
var (
	statuses     = []string{"new", "open", "pending", "hold", "solved", "closed"}
	priorities   = []string{"", "low", "normal", "high", "urgent"}
	types        = []string{"", "question", "incident", "problem", "task"}
	satisfaction = []string{"unoffered", "offered", "bad", "bad_with_comment", "good", "good_with_comment"}
	roles        = []string{"end_user", "agent", "admin"}
	publicity    = []string{"true", "false", "not_relevant", "requester_can_see_comment"}
)

// Time condition field names. OPEN ... CLOSED are "hours since the ticket
// entered that status" and require the ticket to be in it.
const (
	tNew, tOpen, tPending, tHold, tSolved, tClosed   = "NEW", "OPEN", "PENDING", "HOLD", "SOLVED", "CLOSED"
	tAssigned, tUpdated, tRequesterUpd, tAssigneeUpd = "assigned_at", "updated_at", "requester_updated_at", "assignee_updated_at"
	tDue, tUntilDue                                  = "due_date", "until_due_date"
	customPrefix                                     = "custom_fields_"
)

var specs = []spec{
	{name: "status", title: "Status", group: "ticket", where: inTAV, ops: opsOrdered, val: vEnum, values: statuses},
	{name: "custom_status_id", title: "Ticket status", group: "ticket", where: inTAV,
		ops: append([]string{opIs, opIsNot, opIncludes, opNotIncludes}, opsChanges...), val: vID},
	{name: "priority", title: "Priority", group: "ticket", where: inTAV, ops: opsOrdered, val: vEnum, values: priorities},
	{name: "type", title: "Type", group: "ticket", where: inTAV, ops: opsEq, val: vEnum, values: types},
	{name: "group_id", title: "Group", group: "ticket", where: inTAV, ops: opsID, val: vID},
	{name: "assignee_id", title: "Assignee", group: "ticket", where: inTAV, ops: opsID, val: vID},
	{name: "requester_id", title: "Requester", group: "ticket", where: inTAV, ops: opsID, val: vID},
	{name: "organization_id", title: "Organization", group: "ticket", where: inTAV, ops: opsID, val: vID},
	{name: "brand_id", title: "Brand", group: "ticket", where: inTAV, ops: opsOrdered, val: vID},
	{name: "ticket_form_id", title: "Form", group: "ticket", where: inTAV, ops: opsOrdered, val: vID},
	{name: "current_tags", title: "Tags", group: "ticket", where: inTAV, ops: opsIncl, val: vTags},
	{name: "via_id", title: "Channel", group: "ticket", where: inTAV, ops: []string{opIs, opIsNot, opIncludes, opNotIncludes}, val: vVia},
	{name: "current_via_id", title: "Update via", group: "ticket", where: inT, ops: opsEq, val: vVia},
	{name: "recipient", title: "Received at", group: "ticket", where: inTAV, ops: opsEq, defaultOp: opIs, val: vText},
	{name: "update_type", title: "Ticket", group: "ticket", where: inT, ops: []string{opIs}, defaultOp: opIs, val: vEnum, values: []string{"Create", "Change"}},
	{name: "comment_is_public", title: "Comment", group: "ticket", where: inT, ops: opsEq, defaultOp: opIs, val: vEnum, values: publicity},
	{name: "ticket_is_public", title: "Privacy", group: "ticket", where: inTA, ops: opsEq, val: vEnum, values: []string{"public", "private"}},
	{name: "subject_includes_word", title: "Subject text", group: "ticket", where: inT, ops: opsWords, val: vWords},
	{name: "comment_includes_word", title: "Comment text", group: "ticket", where: inT, ops: opsWords, val: vWords},
	{name: "description_includes_word", title: "Ticket description", group: "ticket", where: inAV, ops: opsWords, defaultOp: opIncludes, val: vWords},
	{name: "satisfaction_score", title: "Satisfaction", group: "ticket", where: inTAV, ops: opsID, val: vEnum, values: satisfaction},
	{name: "reopens", title: "Reopens", group: "ticket", where: inT, ops: opsCount, val: vCount},
	{name: "replies", title: "Agent replies", group: "ticket", where: inT, ops: opsCount, val: vCount},
	{name: "locale_id", title: "Requester language", group: "requester", where: inTAV, ops: opsEq, val: vLocale},
	{name: "requester_role", title: "Requester role", group: "requester", where: inT, ops: opsEq, val: vEnum, values: roles},
	{name: "role", title: "Current user", group: "other", where: inT, ops: opsEq, val: vEnum, values: roles},
	// Ticket sharing: "Received from" and "Sent to" a sharing agreement.
	// The sharing issue fills Ticket.SharedFrom / SharedTo and SharingSQL.
	{name: "received_from", title: "Received from", group: "sharing", where: inTAV, ops: opsEq, defaultOp: opIs, val: vAgreement},
	{name: "sent_to", title: "Sent to", group: "sharing", where: inTAV, ops: opsEq, defaultOp: opIs, val: vAgreement},
	{name: tNew, title: "Hours since created", group: "time", where: inAV, ops: opsTime, val: vHours},
	{name: tOpen, title: "Hours since open", group: "time", where: inAV, ops: opsTime, val: vHours},
	{name: tPending, title: "Hours since pending", group: "time", where: inAV, ops: opsTime, val: vHours},
	{name: tHold, title: "Hours since on-hold", group: "time", where: inAV, ops: opsTime, val: vHours},
	{name: tSolved, title: "Hours since solved", group: "time", where: inAV, ops: opsTime, val: vHours},
	{name: tClosed, title: "Hours since closed", group: "time", where: inAV, ops: opsTime, val: vHours},
	{name: tAssigned, title: "Hours since assigned", group: "time", where: inAV, ops: opsTime, val: vHours},
	{name: tUpdated, title: "Hours since update", group: "time", where: inAV, ops: opsTime, val: vHours},
	{name: tRequesterUpd, title: "Hours since requester update", group: "time", where: inAV, ops: opsTime, val: vHours},
	{name: tAssigneeUpd, title: "Hours since assignee update", group: "time", where: inAV, ops: opsTime, val: vHours},
	{name: tDue, title: "Hours since due date", group: "time", where: inAV, ops: opsTime, val: vHours},
	{name: tUntilDue, title: "Hours until due date", group: "time", where: inAV, ops: opsTime, val: vHours},
}

var specByName = func() map[string]*spec {
	m := make(map[string]*spec, len(specs))
	for i := range specs {
		m[specs[i].name] = &specs[i]
	}
	return m
}()

// fieldSpec is the shared spec of every custom_fields_<id> condition.
var fieldSpec = spec{name: customPrefix, title: "Custom field", group: "ticket", where: inTAV, ops: opsField, val: vField}

// lookup finds the spec of a condition field; for custom_fields_<id> it
// also returns the field id.
func lookup(field string) (*spec, int64, bool) {
	if s, ok := specByName[field]; ok {
		return s, 0, true
	}
	if rest, ok := strings.CutPrefix(field, customPrefix); ok {
		if n, err := strconv.ParseInt(rest, 10, 64); err == nil && n > 0 {
			return &fieldSpec, n, true
		}
	}
	return nil, 0, false
}

// isTime reports whether a field is a time condition.
func isTime(field string) bool {
	s, ok := specByName[field]
	return ok && s.val == vHours
}

// statusOfTime is the status a status-time field requires ("" for the
// others).
func statusOfTime(field string) string {
	switch field {
	case tOpen, tPending, tHold, tSolved, tClosed:
		return strings.ToLower(field)
	}
	return ""
}

// resolveOp returns the canonical operator of c, applying the field's
// default when none is given.
func resolveOp(s *spec, op string) string {
	if op == "" {
		return s.defaultOp
	}
	return canonOp(op)
}

// allows reports whether s accepts the (canonical) operator op.
func (s *spec) allows(op string) bool {
	for _, o := range s.ops {
		if canonOp(o) == op {
			return true
		}
	}
	return false
}

// rank is the position of v in an ordered value list, or -1.
func rank(values []string, v string) int {
	for i, x := range values {
		if x == v {
			return i
		}
	}
	return -1
}

// enumValue normalises an enumeration value: statuses, priorities and
// types are lower case; roles accept "end-user"; update_type keeps its
// capital.
func enumValue(s *spec, v any) (string, bool) {
	x, ok := str(v)
	if !ok {
		return "", false
	}
	x = strings.TrimSpace(x)
	switch s.name {
	case "update_type":
		x = strings.ToUpper(x[:min(1, len(x))]) + strings.ToLower(x[min(1, len(x)):])
	case "requester_role", "role":
		x = strings.ReplaceAll(strings.ToLower(x), "-", "_")
	default:
		x = strings.ToLower(x)
	}
	if s.name == "priority" || s.name == "type" {
		if x == "none" || x == "-" {
			x = ""
		}
	}
	return x, rank(s.values, x) >= 0
}
