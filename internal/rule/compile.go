package rule

import (
	"encoding/json"
	"fmt"
	"sort"
	"strconv"
	"strings"
	"time"

	"parley/internal/platform/db"
)

// CompileOptions say how to compile for SQL.
type CompileOptions struct {
	Dialect db.Dialect
	Now     time.Time
	// CurrentUserID is who "current_user" is (the agent looking at a
	// view); 0 or less is nobody.
	CurrentUserID int64
	// Few, when set, reports whether the ticket ids set selects (a
	// sub-select over ticket_tags or ticket_field_values with its own
	// arguments, the first of them AccountID) are few enough that a query
	// should start from them, through that table's index, instead of
	// testing every ticket its other conditions leave. At a million
	// tickets a view of unsolved tickets tagged "bench" (none yet) walked
	// 600,000 tickets, 3.2 s, where starting from the tag takes 0.1 ms; a
	// tag on a tenth of the tickets is the other way round. Only a tag or
	// custom field condition that is not negated is written that way, and
	// either way the tickets are the same. It needs $1 to be the account,
	// as it is for views.
	Few func(set string, args []any) bool
	// AccountID is the account ($1), for Few's sub-selects.
	AccountID int64
}

// Compile turns view or automation conditions into one SQL boolean
// expression over `tickets t` (EXISTS sub-selects read ticket_tags,
// ticket_field_values and the requester's users row), appending its
// arguments with db.Arg. It agrees with Match(c, t, u, o.Now) for every
// condition views and automations allow (see Match for the semantics),
// where u is nil when o.CurrentUserID is 0 and &Update{ActorID:
// o.CurrentUserID} otherwise, and t was mapped from the stored ticket with
// ViaNumber, LocaleID and FieldValue. A trigger-only field, a changed-family
// operator or an unknown field or operator is an error.
//
// One known difference: text is lower-cased by the engine's lower() (for
// recipient and description_includes_word), which on PostgreSQL also folds
// non-ASCII letters where Match folds ASCII only.
//
// Every part is written so it is never NULL (nullable columns are tested
// with IS NULL / IS NOT NULL), so negations are exact, and indexed columns
// are compared bare, so the (account_id, status, ...) indexes stay usable.
// The caller adds t.account_id = $1 (and t.deleted_at IS NULL).
func Compile(c Conditions, o CompileOptions, args *[]any) (string, error) {
	cc := compiler{o: o, args: args}
	cc.o.Now = o.Now.UTC().Truncate(time.Microsecond)
	var all []string
	for i, x := range c.All {
		p, err := cc.one(x)
		if err != nil {
			return "", fmt.Errorf("conditions.all[%d]: %w", i, err)
		}
		all = append(all, p)
	}
	if len(c.Any) > 0 {
		var any []string
		for i, x := range c.Any {
			p, err := cc.one(x)
			if err != nil {
				return "", fmt.Errorf("conditions.any[%d]: %w", i, err)
			}
			any = append(any, p)
		}
		all = append(all, "("+strings.Join(any, " OR ")+")")
	}
	if len(all) == 0 {
		return "1=1", nil
	}
	return strings.Join(all, " AND "), nil
}

type compiler struct {
	o    CompileOptions
	args *[]any
	// neg says the condition being compiled will be negated.
	neg bool
}

func (c *compiler) arg(v any) string { return db.Arg(c.args, v) }

const (
	sqlTrue  = "1=1"
	sqlFalse = "1=0"
)

func not(p string) string {
	switch p {
	case sqlTrue:
		return sqlFalse
	case sqlFalse:
		return sqlTrue
	}
	return "NOT (" + p + ")"
}

func or(ps []string) string {
	if len(ps) == 0 {
		return sqlFalse
	}
	if len(ps) == 1 {
		return ps[0]
	}
	return "(" + strings.Join(ps, " OR ") + ")"
}

// in is col IN (vals), or false for no values; col must not be NULL.
func (c *compiler) in(col string, vals []string) string {
	if len(vals) == 0 {
		return sqlFalse
	}
	if len(vals) == 1 {
		return col + " = " + c.arg(vals[0])
	}
	return col + " IN (" + db.Placeholders(c.args, vals) + ")"
}

func (c *compiler) one(x Condition) (string, error) {
	s, fid, ok := lookup(x.Field)
	if !ok {
		return "", fmt.Errorf("unknown condition field %q", x.Field)
	}
	if !s.where.has(View) && !s.where.has(Automation) {
		return "", fmt.Errorf("condition field %q is only for triggers", x.Field)
	}
	op := resolveOp(s, x.Operator)
	if !s.allows(op) {
		return "", fmt.Errorf("unknown operator %q for %s", x.Operator, x.Field)
	}
	if changeOp(op) {
		return "", fmt.Errorf("operator %q is only for triggers", x.Operator)
	}
	op, neg := positive(op)
	c.neg = neg
	p := c.positive(s, fid, op, x.Value)
	if neg {
		p = not(p)
	}
	return p, nil
}

// enumCols are the columns of enumeration fields, with whether they may be
// NULL.
var enumCols = map[string]struct {
	col      string
	nullable bool
}{
	"status":             {"t.status", false},
	"priority":           {"t.priority", true},
	"type":               {"t.type", true},
	"satisfaction_score": {"t.satisfaction_score", false},
}

var idCols = map[string]struct {
	col      string
	nullable bool
}{
	"custom_status_id": {"t.custom_status_id", false},
	"group_id":         {"t.group_id", true},
	"assignee_id":      {"t.assignee_id", true},
	"requester_id":     {"t.requester_id", false},
	"organization_id":  {"t.organization_id", true},
	"brand_id":         {"t.brand_id", true},
	"ticket_form_id":   {"t.ticket_form_id", true},
}

// positive compiles the positive operators (see matchPositive).
func (c *compiler) positive(s *spec, fid int64, op string, v any) string {
	switch s.val {
	case vEnum:
		return c.enum(s, op, v)
	case vID:
		return c.id(s, op, v)
	case vVia:
		vals := []any{v}
		if op == opIncludes {
			vals = anyList(v)
		}
		var names []string
		for _, x := range vals {
			if n, ok := integer(x); ok && n >= 0 && n <= 1<<31 {
				names = append(names, viaChannels(int(n))...)
			}
		}
		return c.in("t.via_channel", names)
	case vTags:
		ts := tags(v)
		if len(ts) == 0 {
			return sqlFalse
		}
		if set, ok := c.few(func(sub *compiler, acct string) string {
			return "SELECT g.ticket_id FROM ticket_tags g WHERE g.account_id = " + acct + " AND " + sub.in("g.tag", ts)
		}); ok {
			return set
		}
		return "EXISTS (SELECT 1 FROM ticket_tags g WHERE g.account_id = t.account_id AND g.ticket_id = t.id AND " +
			c.in("g.tag", ts) + ")"
	case vWords:
		return c.words(op, v)
	case vHours:
		n, ok := integer(v)
		if !ok {
			return sqlFalse
		}
		return c.hours(s.name, op, n)
	case vLocale:
		n, ok := id(v)
		if !ok {
			return sqlFalse
		}
		return c.locale(n)
	case vAgreement:
		n, ok := id(v)
		if !ok {
			return sqlFalse
		}
		// The ticket keeps the agreement it came through and the one it
		// is shared out through (Ticket.SharedFrom / SharedTo).
		col := "t.shared_from_agreement_id"
		if s.name == "sent_to" {
			col = "t.shared_to_agreement_id"
		}
		return "(" + col + " IS NOT NULL AND " + col + " = " + db.Arg(c.args, n) + ")"
	case vText:
		x, ok := str(v)
		if !ok {
			return sqlFalse
		}
		x = lowerASCII(strings.TrimSpace(x))
		if x == "" {
			return "(t.recipient IS NULL OR t.recipient = '')"
		}
		return "(t.recipient IS NOT NULL AND lower(t.recipient) = " + c.arg(x) + ")"
	case vField:
		return c.field(fid, op, v)
	}
	return sqlFalse
}

func (c *compiler) enum(s *spec, op string, v any) string {
	if s.name == "ticket_is_public" {
		want, ok := enumValue(s, v)
		if !ok {
			return sqlFalse
		}
		if want == "public" {
			return "t.is_public = TRUE"
		}
		return "t.is_public = FALSE"
	}
	ec, ok := enumCols[s.name]
	if !ok {
		return sqlFalse
	}
	want, ok := enumValue(s, v)
	if !ok {
		return sqlFalse
	}
	var vals []string
	switch op {
	case opIs:
		vals = []string{want}
	case opLess:
		vals = s.values[:rank(s.values, want)]
	case opGreater:
		vals = s.values[rank(s.values, want)+1:]
	}
	var parts []string
	var named []string
	for _, x := range vals {
		if x == "" {
			parts = append(parts, "("+ec.col+" IS NULL OR "+ec.col+" = '')")
			continue
		}
		if s.name == "satisfaction_score" && x == "unoffered" {
			parts = append(parts, "("+ec.col+" = 'unoffered' OR "+ec.col+" = '')")
			continue
		}
		named = append(named, x)
	}
	if len(named) > 0 {
		p := c.in(ec.col, named)
		if ec.nullable {
			p = "(" + ec.col + " IS NOT NULL AND " + p + ")"
		}
		parts = append(parts, p)
	}
	return or(parts)
}

func (c *compiler) id(s *spec, op string, v any) string {
	ic := idCols[s.name]
	eq := func(x any) string {
		if xs, _ := str(x); s.name == "assignee_id" && strings.TrimSpace(xs) == "requester_id" {
			// Match resolves requester_id against the ticket's requester.
			return "(t.assignee_id IS NOT NULL AND t.assignee_id = t.requester_id AND t.requester_id > 0)"
		}
		// The ticket is not read for any other value.
		k := idValueKey(s, x, nil, &Update{ActorID: c.o.CurrentUserID})
		switch k {
		case invalid, nobody:
			return sqlFalse
		case "":
			// Stored ids are positive or NULL; "IS NULL" alone lets a view
			// such as "Unassigned tickets" walk an index in its own order.
			if ic.nullable {
				return ic.col + " IS NULL"
			}
			return ic.col + " <= 0"
		}
		n, _ := strconv.ParseInt(k, 10, 64)
		if ic.nullable {
			return "(" + ic.col + " IS NOT NULL AND " + ic.col + " = " + c.arg(n) + ")"
		}
		return ic.col + " = " + c.arg(n)
	}
	switch op {
	case opIs:
		return eq(v)
	case opIncludes:
		var ps []string
		for _, x := range list(v) {
			if p := eq(x); p != sqlFalse {
				ps = append(ps, p)
			}
		}
		return or(ps)
	case opLess, opGreater:
		n, ok := id(v)
		if !ok {
			return sqlFalse
		}
		cmp := " < "
		if op == opGreater {
			cmp = " > "
		}
		return "(" + ic.col + " IS NOT NULL AND " + ic.col + " > 0 AND " + ic.col + cmp + c.arg(n) + ")"
	}
	return sqlFalse
}

// timeArg passes a time in UTC at the microsecond PostgreSQL keeps.
func (c *compiler) timeArg(t time.Time) string {
	return c.arg(t.UTC().Truncate(time.Microsecond))
}

func (c *compiler) hours(field, op string, n int64) string {
	col := map[string]string{tNew: "t.created_at", tUpdated: "t.updated_at", tAssigned: "t.assigned_at",
		tRequesterUpd: "t.requester_updated_at", tAssigneeUpd: "t.assignee_updated_at", tDue: "t.due_at",
		tUntilDue: "t.due_at"}[field]
	st := statusOfTime(field)
	if st != "" {
		col = "t.status_updated_at"
	}
	if col == "" || (op != opIs && op != opLess && op != opGreater) {
		return sqlFalse
	}
	var pre string
	if st != "" {
		pre = "t.status = " + c.arg(st) + " AND "
	}
	pre += col + " IS NOT NULL AND "
	d := clampHours(n)
	var cond string
	if field == tUntilDue {
		cut := c.o.Now.Add(d)
		switch op {
		case opIs:
			cond = col + " >= " + c.timeArg(cut) + " AND " + col + " < " + c.timeArg(cut.Add(time.Hour))
		case opLess:
			cond = col + " < " + c.timeArg(cut)
		case opGreater:
			cond = col + " > " + c.timeArg(cut)
		}
	} else {
		cut := c.o.Now.Add(-d)
		switch op {
		case opIs:
			cond = col + " <= " + c.timeArg(cut) + " AND " + col + " > " + c.timeArg(cut.Add(-time.Hour))
		case opLess:
			cond = col + " > " + c.timeArg(cut)
		case opGreater:
			cond = col + " < " + c.timeArg(cut)
		}
	}
	return "(" + pre + cond + ")"
}

// locale compiles locale_id = n over the requester's stored locale (see
// LocaleID: no locale, or an unknown one, is 1).
func (c *compiler) locale(n int64) string {
	var names, others []string
	for name, v := range localeIDs {
		if v == n {
			names = append(names, name)
		} else {
			others = append(others, name)
		}
	}
	var cond string
	sort.Strings(names)
	sort.Strings(others)
	if n == defaultLocaleID {
		if len(others) == 0 {
			cond = sqlTrue
		} else {
			cond = "(u.locale IS NULL OR u.locale NOT IN (" + db.Placeholders(c.args, others) + "))"
		}
	} else {
		if len(names) == 0 {
			return sqlFalse
		}
		cond = "(u.locale IS NOT NULL AND " + c.in("u.locale", names) + ")"
	}
	return "EXISTS (SELECT 1 FROM users u WHERE u.account_id = t.account_id AND u.id = t.requester_id AND " + cond + ")"
}

// likeEscape escapes a LIKE pattern for ESCAPE '\'.
func likeEscape(s string) string { return db.LikeEscape(s) }

// words compiles *_includes_word over the description (the only text
// field views and automations read): "includes" looks for each word,
// delimited, in the description with every delimiter replaced by a space,
// as normWords does; "is" looks for the phrase anywhere.
func (c *compiler) words(op string, v any) string {
	if op == opIs {
		p, _ := str(v)
		return "lower(t.description) LIKE " + c.arg("%"+likeEscape(lowerASCII(strings.TrimSpace(p)))+"%") + ` ESCAPE '\'`
	}
	ws := words(v)
	if len(ws) == 0 {
		return sqlFalse
	}
	norm := "lower(t.description)"
	nl, tab, cr := "char(10)", "char(9)", "char(13)"
	if c.o.Dialect == db.Postgres {
		nl, tab, cr = "chr(10)", "chr(9)", "chr(13)"
	}
	for _, d := range []string{nl, tab, cr} {
		norm = "replace(" + norm + ", " + d + ", ' ')"
	}
	for _, r := range wordDelims {
		norm = "replace(" + norm + ", '" + strings.ReplaceAll(string(r), "'", "''") + "', ' ')"
	}
	norm = "(' ' || " + norm + " || ' ')"
	var ps []string
	for _, w := range ws {
		ps = append(ps, norm+" LIKE "+c.arg("% "+likeEscape(normWords(w))+" %")+` ESCAPE '\'`)
	}
	return or(ps)
}

// field compiles a custom field condition over ticket_field_values, where
// values are stored as JSON text (see matchField and FieldValue).
func (c *compiler) field(fid int64, op string, v any) string {
	// row appends its argument: call it only for SQL that is kept.
	row := func() string {
		return "SELECT 1 FROM ticket_field_values f WHERE f.account_id = t.account_id AND f.ticket_id = t.id AND f.field_id = " +
			c.arg(fid) + " AND f.value <> 'null'"
	}
	exists := func(cond string) string {
		if cond == sqlFalse {
			return sqlFalse
		}
		return "EXISTS (" + row() + " AND " + cond + ")"
	}
	switch op {
	case opIs:
		x, ok := str(v)
		if !ok {
			return sqlFalse
		}
		if x != "false" {
			if set, ok := c.fewValues(fid, []string{x}); ok {
				return set
			}
		}
		p := exists(c.fieldHas([]string{x}))
		if x == "false" {
			p = "(" + p + " OR NOT EXISTS (" + row() + "))"
		}
		return p
	case opIncludes:
		if set, ok := c.fewValues(fid, list(v)); ok {
			return set
		}
		return exists(c.fieldHas(list(v)))
	case opPresent:
		return exists(`f.value NOT IN ('""', '[]')`)
	case opWithinPrevDays:
		n, ok := integer(v)
		if !ok {
			return sqlFalse
		}
		lo, hi := dayRange(c.o.Now, n)
		shape := `f.value GLOB '"[0-9][0-9][0-9][0-9]-[0-9][0-9]-[0-9][0-9]"'`
		coll := ""
		if c.o.Dialect == db.Postgres {
			shape = `f.value ~ '^"[0-9]{4}-[0-9]{2}-[0-9]{2}"$'`
			coll = ` COLLATE "C"`
		}
		return exists(shape + " AND f.value" + coll + " >= " + c.arg(jsonText(lo)) + " AND f.value" + coll + " <= " + c.arg(jsonText(hi)))
	}
	return sqlFalse
}

// few returns "t.id IN (set)" for the set sel writes (given a compiler
// and the account's placeholder) when the condition is not negated and
// o.Few finds the set small; sel is called twice, once for Few's own
// arguments.
func (c *compiler) few(sel func(sub *compiler, acct string) string) (string, bool) {
	if c.neg || c.o.Few == nil {
		return "", false
	}
	probeArgs := []any{c.o.AccountID}
	probe := &compiler{o: c.o, args: &probeArgs}
	if !c.o.Few(sel(probe, "$1"), probeArgs) {
		return "", false
	}
	return "t.id IN (" + sel(c, "$1") + ")", true
}

// fewValues is few for a custom field holding any of xs: the tickets
// whose value is one of xs, then those whose array value (a multi-select)
// holds one, as two selects, each an index range (as one, with OR and
// LIKE, SQLite read every value of the field: 1 s to count 10,000
// scanners at a million tickets). The array range is by first character,
// which compares bytewise on SQLite, this form's only user (Few is unset
// on PostgreSQL).
func (c *compiler) fewValues(fid int64, xs []string) (string, bool) {
	if len(xs) == 0 {
		return "", false
	}
	return c.few(func(sub *compiler, acct string) string {
		eq, arr := sub.fieldHasParts(xs)
		from := "SELECT f.ticket_id FROM ticket_field_values f WHERE f.account_id = " + acct + " AND f.field_id = " + sub.arg(fid)
		return from + " AND " + eq + " UNION ALL " + from + ` AND f.value >= '[' AND f.value < '\' AND ` + arr
	})
}

// fieldHas is the SQL of fieldHas for any of xs, over f.value: the JSON
// string equal to x, the JSON number or boolean written as x, or an array
// holding the JSON string x.
func (c *compiler) fieldHas(xs []string) string {
	if len(xs) == 0 {
		return sqlFalse
	}
	eq, arr := c.fieldHasParts(xs)
	return "(" + eq + " OR (f.value LIKE '[%' AND " + arr + "))"
}

// fieldHasParts are fieldHas's two tests of f.value (xs not empty): equal
// to one of xs as stored, and, for an array value, holding one.
func (c *compiler) fieldHasParts(xs []string) (eq, arr string) {
	var vals, elems []string
	for _, x := range xs {
		vals = append(vals, jsonText(x))
		if jsonScalar(x) {
			vals = append(vals, x)
		}
		elems = append(elems, ","+jsonText(x)+",")
	}
	instr := "instr"
	if c.o.Dialect == db.Postgres {
		instr = "strpos"
	}
	// An array is written by encoding/json without spaces, so its elements
	// are exactly the ,"x", pieces of ',' || inner || ','.
	inner := "(',' || substr(f.value, 2, length(f.value) - 2) || ',')"
	var ins []string
	for _, e := range elems {
		ins = append(ins, instr+"("+inner+", "+c.arg(e)+") > 0")
	}
	return c.in("f.value", vals), or(ins)
}

// jsonText is s as encoding/json writes it (how values are stored).
func jsonText(s string) string {
	b, _ := json.Marshal(s)
	return string(b)
}

// jsonScalar reports whether s is the JSON text of a number or a boolean,
// which a stored value may equal as written.
func jsonScalar(s string) bool {
	if s == "true" || s == "false" {
		return true
	}
	if s == "" || !(s[0] == '-' || (s[0] >= '0' && s[0] <= '9')) {
		return false
	}
	var n json.Number
	return json.Unmarshal([]byte(s), &n) == nil
}
