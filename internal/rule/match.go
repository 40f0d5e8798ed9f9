package rule

import (
	"slices"
	"strconv"
	"strings"
	"time"
)

// Match reports whether a ticket meets the conditions: every condition of
// All, and at least one of Any when Any is not empty. u is the write a
// trigger is checked against; it is nil for automations and views, which
// are evaluated at now.
//
// Semantics (Zendesk's where it is known; see also Compile, which must agree
// with Match whenever u is nil):
//   - A condition with an unknown field or operator, or a value it cannot
//     read, is false (is_not and the other negative operators are the
//     negation of their positive twin, so an unreadable is_not is true).
//     Validation rejects all of these before a rule is stored.
//   - changed, not_changed, value (changed to), value_previous (changed
//     from), not_value and not_value_previous compare u.Previous with t; a
//     create counts as a change from nothing. Without an update (u nil) none
//     of them matches, nor does any trigger-only field (update_type,
//     comment_*, current_via_id, role, requester_role, reopens, replies,
//     subject_includes_word).
//   - "current_user" is u.ActorID; with no update, or no actor, it is
//     nobody (never equal to an id, never equal to "none"). "requester_id"
//     (for assignee_id) is the ticket's requester. "" is none.
//   - Text is compared with ASCII case folding, as SQLite's lower() does.
//   - OPEN, PENDING, HOLD, SOLVED and CLOSED need the ticket in that status
//     and count from StatusUpdatedAt (SolvedAt is not used, so every status
//     time reads the (account_id, status, status_updated_at) index). NEW
//     counts from CreatedAt.
//   - Time conditions count whole hours at microsecond precision: "is N"
//     means N hours <= elapsed < N+1 hours, "less_than N" elapsed < N hours,
//     "greater_than N" elapsed > N hours. A ticket without the time never
//     matches. The *_business_hours operators use calendar hours: there are
//     no business-hour schedules yet.
func Match(c Conditions, t *Ticket, u *Update, now time.Time) bool {
	if t == nil {
		return false
	}
	now = now.UTC().Truncate(time.Microsecond)
	for _, x := range c.All {
		if !matchOne(x, t, u, now) {
			return false
		}
	}
	if len(c.Any) == 0 {
		return true
	}
	for _, x := range c.Any {
		if matchOne(x, t, u, now) {
			return true
		}
	}
	return false
}

// nobody is the key "current_user" resolves to without an actor; it is
// equal to no id and to no "none".
const nobody = "\x00nobody"

// invalid is the key of a value that cannot be read; it equals nothing.
const invalid = "\x00invalid"

func matchOne(c Condition, t *Ticket, u *Update, now time.Time) bool {
	s, fid, ok := lookup(c.Field)
	if !ok {
		return false
	}
	op := resolveOp(s, c.Operator)
	if !s.allows(op) {
		return false
	}
	if s.where == inT && u == nil {
		return false
	}
	if changeOp(op) {
		if u == nil {
			return false
		}
		return matchChange(s, fid, op, c.Value, t, u)
	}
	op, neg := positive(op)
	return matchPositive(s, fid, op, c.Value, t, u, now) != neg
}

// matchPositive evaluates the positive operators: is, includes, present,
// less_than, greater_than, within_previous_n_days.
func matchPositive(s *spec, fid int64, op string, v any, t *Ticket, u *Update, now time.Time) bool {
	switch s.val {
	case vEnum:
		switch s.name {
		case "comment_is_public":
			return matchCommentPublic(v, u)
		case "update_type":
			want, _ := enumValue(s, v)
			return (want == "Create") == u.Create && want != ""
		}
		want, ok := enumValue(s, v)
		if !ok {
			return false
		}
		cur := enumKey(s, t, u)
		switch op {
		case opIs:
			return cur == want
		case opLess, opGreater:
			rc, rw := rank(s.values, cur), rank(s.values, want)
			if rc < 0 {
				return false
			}
			if op == opLess {
				return rc < rw
			}
			return rc > rw
		}
	case vID:
		if op == opIncludes {
			for _, x := range list(v) {
				if k := idValueKey(s, x, t, u); k != invalid && k == idKey(s, t) {
					return true
				}
			}
			return false
		}
		if op == opLess || op == opGreater {
			want, ok := id(v)
			cur := idOf(s, t)
			if !ok || cur == 0 {
				return false
			}
			if op == opLess {
				return cur < want
			}
			return cur > want
		}
		return idValueKey(s, v, t, u) == idKey(s, t)
	case vVia:
		cur := t.ViaID
		if s.name == "current_via_id" {
			cur = u.CurrentViaID
		}
		vals := []any{v}
		if op == opIncludes {
			vals = anyList(v)
		}
		for _, x := range vals {
			if n, ok := integer(x); ok && n >= 0 && int(n) == cur {
				return true
			}
		}
		return false
	case vTags:
		for _, w := range tags(v) {
			for _, g := range t.Tags {
				if strings.ToLower(g) == w {
					return true
				}
			}
		}
		return false
	case vWords:
		text := t.Subject
		switch s.name {
		case "comment_includes_word":
			text = ""
			if u.Comment != nil {
				text = u.Comment.Body
			}
		case "description_includes_word":
			text = t.Description
		}
		if op == opIs {
			p, _ := str(v)
			return strings.Contains(lowerASCII(text), lowerASCII(strings.TrimSpace(p)))
		}
		norm := " " + normWords(text) + " "
		for _, w := range words(v) {
			if strings.Contains(norm, " "+normWords(w)+" ") {
				return true
			}
		}
		return false
	case vCount:
		n, ok := integer(v)
		if !ok {
			return false
		}
		cur := int64(t.Reopens)
		if s.name == "replies" {
			cur = int64(t.Replies)
		}
		switch op {
		case opIs:
			return cur == n
		case opLess:
			return cur < n
		case opGreater:
			return cur > n
		}
	case vHours:
		n, ok := integer(v)
		return ok && matchHours(s.name, op, n, t, now)
	case vLocale:
		n, ok := id(v)
		return ok && n == t.LocaleID
	case vAgreement:
		n, ok := id(v)
		ids := t.SharedFrom
		if s.name == "sent_to" {
			ids = t.SharedTo
		}
		return ok && slices.Contains(ids, n)
	case vText:
		x, ok := str(v)
		return ok && lowerASCII(strings.TrimSpace(x)) == lowerASCII(t.Recipient)
	case vField:
		return matchField(op, v, t.Fields[fid], now)
	}
	return false
}

// matchChange evaluates the changed family against the update.
func matchChange(s *spec, fid int64, op string, v any, t *Ticket, u *Update) bool {
	prev := &u.Previous
	if u.Create {
		prev = &Ticket{}
	}
	var cur, old string
	switch s.val {
	case vEnum:
		cur, old = enumKey(s, t, u), enumKey(s, prev, u)
		if s.name == "satisfaction_score" {
			cur, old = strings.TrimPrefix(cur, "unoffered"), strings.TrimPrefix(old, "unoffered")
		}
	case vID:
		cur, old = idKey(s, t), idKey(s, prev)
	case vField:
		cur, old = fieldKey(t.Fields[fid]), fieldKey(prev.Fields[fid])
	default:
		return false
	}
	changed := cur != old
	switch op {
	case opChanged:
		return changed
	case opNotChanged:
		return !changed
	}
	var want string
	switch s.val {
	case vEnum:
		w, ok := enumValue(s, v)
		want = invalid
		if ok {
			want = w
			if s.name == "satisfaction_score" {
				want = strings.TrimPrefix(w, "unoffered")
			}
		}
	case vID:
		want = idValueKey(s, v, t, u)
	case vField:
		want = fieldKey(v)
	}
	switch op {
	case opValue:
		return changed && cur == want
	case opNotValue:
		return !(changed && cur == want)
	case opValuePrevious:
		return changed && old == want
	case opNotValuePrevious:
		return !(changed && old == want)
	}
	return false
}

// enumKey is the value an enumeration field has on t.
func enumKey(s *spec, t *Ticket, u *Update) string {
	switch s.name {
	case "status":
		return t.Status
	case "priority":
		return t.Priority
	case "type":
		return t.Type
	case "satisfaction_score":
		if t.Satisfaction == "" {
			return "unoffered"
		}
		return t.Satisfaction
	case "ticket_is_public":
		if t.IsPublic {
			return "public"
		}
		return "private"
	case "requester_role":
		return strings.ReplaceAll(t.RequesterRole, "-", "_")
	case "role":
		if u == nil {
			return ""
		}
		return strings.ReplaceAll(u.ActorRole, "-", "_")
	}
	return ""
}

// idOf is the id an id field has on t (0: none).
func idOf(s *spec, t *Ticket) int64 {
	switch s.name {
	case "custom_status_id":
		return t.CustomStatusID
	case "group_id":
		return t.GroupID
	case "assignee_id":
		return t.AssigneeID
	case "requester_id":
		return t.RequesterID
	case "organization_id":
		return t.OrganizationID
	case "brand_id":
		return t.BrandID
	case "ticket_form_id":
		return t.TicketFormID
	}
	return 0
}

func idKey(s *spec, t *Ticket) string {
	if n := idOf(s, t); n > 0 {
		return strconv.FormatInt(n, 10)
	}
	return ""
}

// idValueKey resolves an id condition value: "" (or null) is none,
// current_user the actor, requester_id the ticket's requester (assignee_id
// only).
func idValueKey(s *spec, v any, t *Ticket, u *Update) string {
	x, ok := str(v)
	if !ok {
		return invalid
	}
	switch strings.TrimSpace(x) {
	case "":
		return ""
	case "current_user":
		if u == nil || u.ActorID <= 0 {
			return nobody
		}
		return strconv.FormatInt(u.ActorID, 10)
	case "requester_id":
		if s.name == "assignee_id" && t != nil && t.RequesterID > 0 {
			return strconv.FormatInt(t.RequesterID, 10)
		}
		return invalid
	}
	if n, ok := id(v); ok {
		return strconv.FormatInt(n, 10)
	}
	return invalid
}

// anyList is a value as a list of scalars: an array's elements, or the
// items of a space- or comma-separated string.
func anyList(v any) []any {
	var out []any
	for _, s := range list(v) {
		out = append(out, s)
	}
	return out
}

func matchCommentPublic(v any, u *Update) bool {
	want, _ := str(v)
	c := u.Comment
	if c == nil {
		return false
	}
	switch strings.ToLower(strings.TrimSpace(want)) {
	case "true", "requester_can_see_comment":
		return c.Public
	case "false":
		return !c.Public
	case "not_relevant":
		return true
	}
	return false
}

// maxHours bounds hour counts so durations cannot overflow (about 114
// years).
const maxHours = 1_000_000

func clampHours(n int64) time.Duration {
	n = max(-maxHours, min(maxHours, n))
	return time.Duration(n) * time.Hour
}

// timeOf is the time a time condition counts from (or, for
// until_due_date, towards), and whether the ticket has it.
func timeOf(field string, t *Ticket) (time.Time, bool) {
	var p *time.Time
	switch field {
	case tNew:
		return t.CreatedAt, !t.CreatedAt.IsZero()
	case tUpdated:
		return t.UpdatedAt, !t.UpdatedAt.IsZero()
	case tAssigned:
		p = t.AssignedAt
	case tRequesterUpd:
		p = t.RequesterUpdatedAt
	case tAssigneeUpd:
		p = t.AssigneeUpdatedAt
	case tDue, tUntilDue:
		p = t.DueAt
	default:
		if st := statusOfTime(field); st != "" && t.Status == st {
			return t.StatusUpdatedAt, !t.StatusUpdatedAt.IsZero()
		}
		return time.Time{}, false
	}
	if p == nil {
		return time.Time{}, false
	}
	return *p, true
}

// matchHours compares the hours since (or until) a ticket time with n.
// The comparisons are written as comparisons of the time with a cut-off,
// exactly as Compile writes them.
func matchHours(field, op string, n int64, t *Ticket, now time.Time) bool {
	at, ok := timeOf(field, t)
	if !ok {
		return false
	}
	at = at.UTC().Truncate(time.Microsecond)
	d := clampHours(n)
	if field == tUntilDue {
		cut := now.Add(d) // hours until = at - now
		switch op {
		case opIs:
			return !at.Before(cut) && at.Before(cut.Add(time.Hour))
		case opLess:
			return at.Before(cut)
		case opGreater:
			return at.After(cut)
		}
		return false
	}
	cut := now.Add(-d) // hours since = now - at
	switch op {
	case opIs:
		return !at.After(cut) && at.After(cut.Add(-time.Hour))
	case opLess:
		return at.After(cut)
	case opGreater:
		return at.Before(cut)
	}
	return false
}

// wordDelims are the characters that separate words in *_includes_word
// conditions (besides white space); Compile replaces the same set.
const wordDelims = ".,;:!?()[]{}\"'<>/\\|*#&+=~^@-"

// normWords lower-cases s (ASCII) and turns every delimiter into a space,
// one for one, so " word " can be looked for in " " + normWords(text) + " ".
func normWords(s string) string {
	return strings.Map(func(r rune) rune {
		if r == '\t' || r == '\n' || r == '\r' || strings.ContainsRune(wordDelims, r) {
			return ' '
		}
		if r >= 'A' && r <= 'Z' {
			return r + ('a' - 'A')
		}
		return r
	}, s)
}

// fieldKey is a custom field value as one comparable string (changed
// family): "" for none.
func fieldKey(v any) string {
	switch x := FieldValue(v).(type) {
	case nil:
		return ""
	case string:
		return x
	case bool:
		return strconv.FormatBool(x)
	case []string:
		return strings.Join(x, "\x00")
	}
	return ""
}

// fieldHas reports whether a custom field value (as FieldValue gives it)
// is, or for a multiselect holds, the text x.
func fieldHas(cur any, x string) bool {
	switch c := cur.(type) {
	case string:
		return c == x
	case bool:
		return strconv.FormatBool(c) == x
	case []string:
		return slices.Contains(c, x)
	}
	return false
}

// fieldPresent: a value other than none, "" or an empty list.
func fieldPresent(cur any) bool {
	switch c := cur.(type) {
	case nil:
		return false
	case string:
		return c != ""
	case []string:
		return len(c) > 0
	}
	return true
}

// matchField evaluates a custom field condition. "is false" also matches
// a field without a value (an unchecked checkbox).
func matchField(op string, v any, cur any, now time.Time) bool {
	cur = FieldValue(cur)
	switch op {
	case opIs:
		x, ok := str(v)
		if !ok {
			return false
		}
		return fieldHas(cur, x) || (cur == nil && x == "false")
	case opIncludes:
		for _, x := range list(v) {
			if fieldHas(cur, x) {
				return true
			}
		}
		return false
	case opPresent:
		return fieldPresent(cur)
	case opWithinPrevDays:
		n, ok := integer(v)
		c, isStr := cur.(string)
		if !ok || !isStr || !isDate(c) {
			return false
		}
		lo, hi := dayRange(now, n)
		return c >= lo && c <= hi
	}
	return false
}

// dayRange is the first and last day (YYYY-MM-DD) of "the previous n days":
// from n days before now's UTC day up to that day.
func dayRange(now time.Time, n int64) (string, string) {
	n = max(0, min(n, 100_000))
	day := now.UTC()
	return day.AddDate(0, 0, -int(n)).Format("2006-01-02"), day.Format("2006-01-02")
}

// isDate reports whether s has the shape YYYY-MM-DD (digits and dashes).
func isDate(s string) bool {
	if len(s) != 10 {
		return false
	}
	for i := 0; i < 10; i++ {
		if i == 4 || i == 7 {
			if s[i] != '-' {
				return false
			}
		} else if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return true
}
