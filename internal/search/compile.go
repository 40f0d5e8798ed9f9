package search

import (
	"encoding/json"
	"errors"
	"math"
	"strconv"
	"strings"
	"time"

	"parley/internal/platform/db"
	"parley/internal/platform/errs"
)

// The compiler turns the terms of a parsed Query into one SQL condition per
// result type, on the record's own table, with $N placeholders; $1 is always
// the account id, and every table a condition reads is constrained by
// account_id first, so a query never reads another account's rows (the
// full-text lookups are restricted to the account as well: by rowid range
// for tickets on SQLite, by joining back to the account's records
// otherwise).
//
// Semantics, where Zendesk leaves room or Parley differs:
//   - Dates are taken in UTC; the account time zone is ignored. created:D
//     is the UTC day D. Relative dates count back from the service clock.
//   - Text: see text.go. Bare words match any part of a ticket (subject,
//     description, comments), user (name, primary email, notes, details),
//     organization (name, details, notes) or group (name, description).
//   - People (assignee, requester, submitter, cc, follower, commenter) are
//     named by id, by email (exact, or a prefix with *), by name (the words
//     of the user's name, as text), or me. Organizations and groups are
//     named by id or by the words of their name.
//   - custom_field_<id>:<v> and fieldvalue:<v> match a stored string,
//     number or boolean equal to v, or a multiselect value holding v; v*
//     matches string prefixes; only ':' is supported. User and organization
//     custom fields work the same way under their keys (plan:gold).
//   - Case is folded as the engine's lower() folds it where a value is
//     compared rather than searched as text (custom fields, via, recipient,
//     external ids of users and organizations, form names): ASCII only on
//     SQLite, Unicode on PostgreSQL. Ticket external_id is exact.
//   - has_attachment:true matches tickets with an attachment on a comment.
//   - type:topic is valid and matches nothing (there are no forum topics).
//   - A key unknown for the requested type, a value a key cannot take, or a
//     comparison a key does not support is an "invalid" error. Without
//     type:, a type that does not know a key simply cannot match; only when
//     no type can is the query invalid.
type compiler struct {
	dialect db.Dialect
	account int64
	me      int64
	now     time.Time
	args    []any
	// userFields and orgFields are the account's custom field keys; users
	// and organizations accept them as search keys.
	userFields, orgFields map[string]bool
}

func newCompiler(d db.Dialect, account, me int64, now time.Time) *compiler {
	return &compiler{dialect: d, account: account, me: me, now: now, args: []any{account}}
}

func (c *compiler) arg(v any) string { return db.Arg(&c.args, v) }

func (c *compiler) list(vals []string) string { return "(" + db.Placeholders(&c.args, vals) + ")" }

// lower folds case as the database's lower() does: ASCII only on SQLite
// (without ICU), Unicode on PostgreSQL.
func (c *compiler) lower(s string) string {
	if c.dialect == db.Postgres {
		return strings.ToLower(s)
	}
	return strings.Map(func(r rune) rune {
		if r >= 'A' && r <= 'Z' {
			return r + ('a' - 'A')
		}
		return r
	}, s)
}

// like is a LIKE comparison with '\' as the escape character; pattern is
// passed as an argument.
func (c *compiler) like(expr, pattern string) string {
	return expr + " LIKE " + c.arg(pattern) + ` ESCAPE '\'`
}

// kind is one searchable record type.
type kind struct {
	rt    ResultType
	rank  int
	table string
	alias string
	base  string
}

var kinds = []kind{
	{ResultTicket, 0, "tickets", "t", "t.account_id = $1 AND t.deleted_at IS NULL"},
	{ResultUser, 1, "users", "u", "u.account_id = $1 AND u.deleted_at IS NULL"},
	{ResultOrganization, 2, "organizations", "o", "o.account_id = $1 AND o.deleted_at IS NULL"},
	{ResultGroup, 3, "groups", "g", "g.account_id = $1 AND g.deleted = FALSE"},
}

func kindOf(rt ResultType) (kind, bool) {
	for _, k := range kinds {
		if k.rt == rt {
			return k, true
		}
	}
	return kind{}, false
}

// keyError is an invalid error caused by a key the type does not have.
type keyError struct {
	key string
	err *errs.Error
}

func (e *keyError) Error() string { return e.err.Error() }
func (e *keyError) Unwrap() error { return e.err }

var plural = map[ResultType]string{ResultTicket: "tickets", ResultUser: "users",
	ResultOrganization: "organizations", ResultGroup: "groups"}

func unknownKey(rt ResultType, key string) error {
	return &keyError{key: key, err: invalidf("%s is not a search keyword for %s.", key, plural[rt])}
}

// where compiles the terms for k into one condition. On error it leaves the
// arguments as they were, so the next type can be tried.
func (c *compiler) where(k kind, terms []Term) (string, error) {
	mark := len(c.args)
	conds := []string{k.base}
	for _, t := range terms {
		cond, neg, err := c.term(k.rt, t)
		if err != nil {
			c.args = c.args[:mark]
			return "", err
		}
		if cond == ignored {
			continue
		}
		if neg {
			cond = not(cond)
		}
		if cond != "TRUE" {
			conds = append(conds, cond)
		}
	}
	return strings.Join(conds, " AND "), nil
}

// ignored is the condition of a term with nothing to match (---, or a
// text value without letters or digits): it is left out, negated or not.
const ignored = "TRUE"

// not negates a condition; a NULL (unknown) condition counts as false, so
// -priority:high keeps the tickets that have no priority.
func not(cond string) string {
	switch cond {
	case "TRUE":
		return "FALSE"
	case "FALSE":
		return "TRUE"
	}
	return "NOT COALESCE(" + cond + ", FALSE)"
}

func (c *compiler) term(rt ResultType, t Term) (string, bool, error) {
	switch t := t.(type) {
	case Text:
		var id int64
		if t.MaybeID {
			id, _ = strconv.ParseInt(t.Word, 10, 64)
		}
		return c.text(rt, newTextQuery(t.Word, true), id), t.Negated, nil
	case Phrase:
		return c.text(rt, newTextQuery(t.Text, false), 0), t.Negated, nil
	case Property:
		var cond string
		var err error
		switch rt {
		case ResultTicket:
			cond, err = c.ticketProp(t)
		case ResultUser:
			cond, err = c.userProp(t)
		case ResultOrganization:
			cond, err = c.orgProp(t)
		default:
			cond, err = c.groupProp(t)
		}
		return cond, t.Negated, err
	}
	return "", false, invalid("The query has a term of an unknown kind.")
}

// text matches free text against every searchable part of the type; a
// bare number also matches the ticket with that id.
func (c *compiler) text(rt ResultType, q textQuery, ticketID int64) string {
	if q.empty() {
		return ignored
	}
	switch rt {
	case ResultTicket:
		cond := c.in("t.id", c.matchIDs(ticketDoc, "", q)+" UNION "+c.commentTickets(q))
		if ticketID > 0 {
			cond = "(t.id = " + c.arg(ticketID) + " OR " + cond + ")"
		}
		return cond
	case ResultUser:
		return c.match(userDoc, "u", "", q)
	case ResultOrganization:
		return c.match(orgDoc, "o", "", q)
	}
	return c.match(groupDoc, "g", "", q)
}

// commentTickets selects the tickets with a comment matching q.
func (c *compiler) commentTickets(q textQuery) string {
	return "SELECT cm.ticket_id FROM ticket_comments cm WHERE cm.account_id = $1 AND " + c.matchCond(commentDoc, "cm", "", q)
}

// valueText is a property value read as text: none and me are plain words
// for text keys (subject:none looks for the word "none").
func valueText(v Value) textQuery {
	switch v.Kind {
	case ValuePhrase:
		return newTextQuery(v.Text, false)
	case ValueNone:
		return newTextQuery("none", true)
	case ValueMe:
		return newTextQuery("me", true)
	}
	return newTextQuery(v.Text, true)
}

func onlyEq(p Property) error {
	if p.Op != OpEq {
		return invalidf("%s supports only ':' (as in %s:value), not %s.", p.Key, p.Key, p.Op)
	}
	return nil
}

func noMe(p Property) error {
	return invalidf("%s:me is not valid; me names the current user for assignee, requester, submitter, cc, follower and commenter.", p.Key)
}

func noNone(p Property) error {
	return invalidf("%s:none is not valid; %s always has a value.", p.Key, p.Key)
}

// partText matches the words of the value within one part of a document.
func (c *compiler) partText(p Property, d doc, alias, part string) (string, error) {
	if err := onlyEq(p); err != nil {
		return "", err
	}
	q := valueText(p.Value)
	if q.empty() {
		return ignored, nil
	}
	return c.match(d, alias, part, q), nil
}

// str compares a text column with the value: exactly or, with fold,
// without regard to case; v* matches a prefix; none matches NULL or the
// empty string.
func (c *compiler) str(p Property, col string, fold bool) (string, error) {
	if err := onlyEq(p); err != nil {
		return "", err
	}
	v := p.Value
	switch v.Kind {
	case ValueNone:
		return "(" + col + " IS NULL OR " + col + " = '')", nil
	case ValueMe:
		return "", noMe(p)
	}
	s, expr := v.Text, col
	if fold {
		s, expr = c.lower(s), "lower("+col+")"
	}
	if v.Prefix {
		return c.like(expr, db.LikeEscape(s)+"%"), nil
	}
	return expr + " = " + c.arg(s), nil
}

// enum compares col with one of values. status and priority are ordered
// (Ordered) and take <, <=, >, >=; noneOK lets key:none match NULL.
func (c *compiler) enum(p Property, col string, values []string, noneOK bool) (string, error) {
	v := p.Value
	order := Ordered(p.Key)
	if p.Op != OpEq && order == nil {
		return "", onlyEq(p)
	}
	switch {
	case v.Kind == ValueNone:
		if !noneOK {
			return "", noNone(p)
		}
		if p.Op != OpEq {
			return "", invalidf("%s%snone cannot be compared.", p.Key, p.Op)
		}
		return col + " IS NULL", nil
	case v.Kind == ValueMe:
		return "", noMe(p)
	}
	want := strings.ToLower(v.Text)
	ok := false
	for _, x := range values {
		ok = ok || x == want
	}
	if !ok || v.Prefix {
		return "", invalidf("%s%s%s is not valid; %s is one of %s.", p.Key, p.Op, v, p.Key, strings.Join(values, ", "))
	}
	if p.Op == OpEq {
		return col + " = " + c.arg(want), nil
	}
	rank, _ := Rank(p.Key, want)
	var in []string
	for i, x := range order {
		if (p.Op == OpLT && i < rank) || (p.Op == OpLE && i <= rank) || (p.Op == OpGT && i > rank) || (p.Op == OpGE && i >= rank) {
			in = append(in, x)
		}
	}
	if len(in) == 0 {
		return "FALSE", nil
	}
	return col + " IN " + c.list(in), nil
}

// Bounds of the times a query may send: what both engines store and
// compare correctly (SQLite compares the text form, four-digit years).
var (
	minTime = time.Date(1, 1, 1, 0, 0, 0, 0, time.UTC)
	maxTime = time.Date(9999, 12, 31, 23, 59, 59, 999999000, time.UTC)
)

// timeArg passes t in UTC, to the microsecond PostgreSQL keeps, clamped to
// the range both engines handle.
func (c *compiler) timeArg(t time.Time) string {
	t = t.UTC().Truncate(time.Microsecond)
	if t.Before(minTime) {
		t = minTime
	}
	if t.After(maxTime) {
		t = maxTime
	}
	return c.arg(t)
}

// date compares a timestamp column with a date value (see Date for the
// meaning of each operator). Days are UTC days.
func (c *compiler) date(p Property, col string) (string, error) {
	v := p.Value
	if v.Kind == ValueNone {
		if p.Op != OpEq {
			return "", invalidf("%s%snone cannot be compared.", p.Key, p.Op)
		}
		return col + " IS NULL", nil
	}
	if v.Kind != ValueDate {
		return "", invalidf("%s needs a date.", p.Key)
	}
	d := v.Date
	switch d.Kind {
	case DateDay:
		start, end := d.Time, d.Time.AddDate(0, 0, 1)
		switch p.Op {
		case OpEq:
			return "(" + col + " >= " + c.timeArg(start) + " AND " + col + " < " + c.timeArg(end) + ")", nil
		case OpGT:
			return col + " >= " + c.timeArg(end), nil
		case OpGE:
			return col + " >= " + c.timeArg(start), nil
		case OpLT:
			return col + " < " + c.timeArg(start), nil
		}
		return col + " < " + c.timeArg(end), nil
	case DateTime:
		t := d.Time
		switch p.Op {
		case OpEq:
			return "(" + col + " >= " + c.timeArg(t) + " AND " + col + " < " + c.timeArg(t.Add(time.Second)) + ")", nil
		case OpGT:
			return col + " > " + c.timeArg(t), nil
		case OpGE:
			return col + " >= " + c.timeArg(t), nil
		case OpLT:
			return col + " < " + c.timeArg(t), nil
		}
		return col + " <= " + c.timeArg(t), nil
	}
	cut := d.Cutoff(c.now)
	switch p.Op {
	case OpGT:
		return col + " > " + c.timeArg(cut), nil
	case OpLT:
		return col + " < " + c.timeArg(cut), nil
	case OpLE:
		return col + " <= " + c.timeArg(cut), nil
	}
	return col + " >= " + c.timeArg(cut), nil
}

// tags matches records carrying a tag (v* : a tag starting with v) or, for
// none, records without tags. sub selects the ids of an account's tagged
// records; tagCol is its tag column.
func (c *compiler) tags(p Property, idCol, sub, tagCol string) (string, error) {
	if err := onlyEq(p); err != nil {
		return "", err
	}
	v := p.Value
	switch v.Kind {
	case ValueNone:
		return c.notIn(idCol, sub), nil
	case ValueMe:
		return "", noMe(p)
	}
	tag := strings.ToLower(v.Text)
	if v.Prefix {
		return c.in(idCol, sub+" AND "+c.like(tagCol, db.LikeEscape(tag)+"%")), nil
	}
	return c.in(idCol, sub+" AND "+tagCol+" = "+c.arg(tag)), nil
}

// parseID reads a value that is a record id.
func parseID(v Value) (int64, bool) {
	if v.Kind != ValueWord || v.Prefix || v.Text == "" {
		return 0, false
	}
	for _, r := range v.Text {
		if r < '0' || r > '9' {
			return 0, false
		}
	}
	n, err := strconv.ParseInt(v.Text, 10, 64)
	return n, err == nil && n > 0
}

// userSet is "(...)" listing the ids of the users v names, for an IN; ok
// is false when v names nobody.
func (c *compiler) userSet(v Value) (set string, ok bool) {
	if v.Kind == ValueMe {
		return "(" + c.arg(c.me) + ")", true
	}
	if id, isID := parseID(v); isID {
		return "(" + c.arg(id) + ")", true
	}
	if strings.Contains(v.Text, "@") {
		// Identities keep emails lower-cased by Go, so Go folds here.
		email := strings.ToLower(v.Text)
		sub := "(SELECT si.user_id FROM user_identities si WHERE si.account_id = $1 AND si.type = 'email' AND "
		if v.Prefix {
			return sub + c.like("si.value_norm", db.LikeEscape(email)+"%") + ")", true
		}
		return sub + "si.value_norm = " + c.arg(email) + ")", true
	}
	q := valueText(v)
	if q.empty() {
		return "", false
	}
	return "(SELECT su.id FROM users su WHERE su.account_id = $1 AND " + c.match(userDoc, "su", "name", q) + ")", true
}

// orgSet is userSet for organizations: an id or the words of a name.
func (c *compiler) orgSet(v Value) (string, bool) {
	if id, isID := parseID(v); isID {
		return "(" + c.arg(id) + ")", true
	}
	q := valueText(v)
	if q.empty() {
		return "", false
	}
	return "(SELECT so.id FROM organizations so WHERE so.account_id = $1 AND so.deleted_at IS NULL AND " +
		c.match(orgDoc, "so", "name", q) + ")", true
}

// groupSet is userSet for groups: an id or the words of a name.
func (c *compiler) groupSet(v Value) (string, bool) {
	if id, isID := parseID(v); isID {
		return "(" + c.arg(id) + ")", true
	}
	q := valueText(v)
	if q.empty() {
		return "", false
	}
	return "(SELECT sg.id FROM groups sg WHERE sg.account_id = $1 AND sg.deleted = FALSE AND " +
		c.match(groupDoc, "sg", "name", q) + ")", true
}

// withAttachment selects the account's tickets with an attachment on a
// comment.
const withAttachment = "SELECT sa.ticket_id FROM attachments sa WHERE sa.account_id = $1 AND sa.comment_id IS NOT NULL" +
	" AND sa.ticket_id IS NOT NULL AND sa.deleted = FALSE"

// in is col IN (sub) for a subquery sub selecting non-null ids. PostgreSQL
// gets col = ANY(ARRAY(sub)): the subquery runs once, as an InitPlan,
// instead of being pulled up into a join with the outer query, which keeps
// planning time flat however many terms a query has (fifty IN-subqueries
// cost PostgreSQL seconds of planning).
func (c *compiler) in(col, sub string) string {
	if c.dialect == db.Postgres {
		return col + " = ANY(ARRAY(" + sub + "))"
	}
	return col + " IN (" + sub + ")"
}

// notIn is col NOT IN (sub), as in.
func (c *compiler) notIn(col, sub string) string {
	if c.dialect == db.Postgres {
		return col + " <> ALL(ARRAY(" + sub + "))"
	}
	return col + " NOT IN (" + sub + ")"
}

// inSet tests col against a set from userSet, orgSet or groupSet: one id
// ("($n)") or a subquery ("(SELECT ...)"); !ok matches nothing.
func (c *compiler) inSet(col, set string, ok bool) string {
	if !ok {
		return "FALSE"
	}
	if sub, isSub := strings.CutPrefix(set, "(SELECT "); isSub {
		return c.in(col, "SELECT "+strings.TrimSuffix(sub, ")"))
	}
	return col + " IN " + set
}

// ref checks the common shape of a reference key: ':' only, me only where
// allowMe.
func ref(p Property, allowMe bool) error {
	if err := onlyEq(p); err != nil {
		return err
	}
	if p.Value.Kind == ValueMe && !allowMe {
		return noMe(p)
	}
	return nil
}

var (
	ticketTypes   = []string{"question", "incident", "problem", "task"}
	satisfactions = []string{"unoffered", "offered", "good", "bad", "goodwithcomment", "badwithcomment"}
	roles         = []string{"end-user", "agent", "admin"}
	// viaAliases maps other names of a channel to the one tickets store.
	viaAliases = map[string]string{"mail": "email", "web_form": "web", "web_service": "api", "phone": "voice"}
)

func (c *compiler) ticketProp(p Property) (string, error) {
	v := p.Value
	switch p.Key {
	case "status":
		return c.enum(p, "t.status", Ordered("status"), false)
	case "priority":
		return c.enum(p, "t.priority", Ordered("priority"), true)
	case "ticket_type":
		return c.enum(p, "t.type", ticketTypes, true)
	case "satisfaction":
		return c.enum(p, "t.satisfaction_score", satisfactions, false)
	case "group", "organization":
		if err := ref(p, false); err != nil {
			return "", err
		}
		col := "t." + p.Key + "_id"
		if v.Kind == ValueNone {
			return col + " IS NULL", nil
		}
		if p.Key == "group" {
			set, ok := c.groupSet(v)
			return c.inSet(col, set, ok), nil
		}
		set, ok := c.orgSet(v)
		return c.inSet(col, set, ok), nil
	case "assignee", "requester", "submitter":
		if err := ref(p, true); err != nil {
			return "", err
		}
		col := "t." + p.Key + "_id"
		if v.Kind == ValueNone {
			return col + " IS NULL", nil
		}
		set, ok := c.userSet(v)
		return c.inSet(col, set, ok), nil
	case "cc", "follower":
		if err := ref(p, true); err != nil {
			return "", err
		}
		kindName := "email_cc"
		if p.Key == "follower" {
			kindName = "follower"
		}
		sub := "SELECT tu.ticket_id FROM ticket_users tu WHERE tu.account_id = $1 AND tu.kind = '" + kindName + "'"
		if v.Kind == ValueNone {
			return c.notIn("t.id", sub), nil
		}
		set, ok := c.userSet(v)
		return c.in("t.id", sub+" AND "+c.inSet("tu.user_id", set, ok)), nil
	case "commenter":
		if err := ref(p, true); err != nil {
			return "", err
		}
		sub := "SELECT ca.ticket_id FROM ticket_comments ca WHERE ca.account_id = $1"
		if v.Kind == ValueNone {
			return c.notIn("t.id", sub), nil
		}
		set, ok := c.userSet(v)
		return c.in("t.id", sub+" AND "+c.inSet("ca.author_id", set, ok)), nil
	case "tags":
		return c.tags(p, "t.id", "SELECT tg.ticket_id FROM ticket_tags tg WHERE tg.account_id = $1", "tg.tag")
	case "subject", "description":
		return c.partText(p, ticketDoc, "t", p.Key)
	case "comment":
		if err := onlyEq(p); err != nil {
			return "", err
		}
		q := valueText(v)
		if q.empty() {
			return ignored, nil
		}
		return c.in("t.id", c.commentTickets(q)), nil
	case "created":
		return c.date(p, "t.created_at")
	case "updated":
		return c.date(p, "t.updated_at")
	case "solved":
		return c.date(p, "t.solved_at")
	case "due_date":
		return c.date(p, "t.due_at")
	case "via":
		if err := ref(p, false); err != nil {
			return "", err
		}
		if v.Kind == ValueNone {
			return "", noNone(p)
		}
		if a, ok := viaAliases[strings.ToLower(v.Text)]; ok && !v.Prefix {
			v.Text = a
		}
		return c.str(Property{Key: p.Key, Value: v}, "t.via_channel", true)
	case "form":
		if err := ref(p, false); err != nil {
			return "", err
		}
		if v.Kind == ValueNone {
			return "t.ticket_form_id IS NULL", nil
		}
		if id, ok := parseID(v); ok {
			return "t.ticket_form_id = " + c.arg(id), nil
		}
		name := c.lower(v.Text)
		var cond string
		if v.Prefix {
			cond = c.like("lower(sf.name)", db.LikeEscape(name)+"%")
		} else {
			cond = "lower(sf.name) = " + c.arg(name)
		}
		return c.in("t.ticket_form_id", "SELECT sf.id FROM ticket_forms sf WHERE sf.account_id = $1 AND "+cond), nil
	case "brand":
		if err := ref(p, false); err != nil {
			return "", err
		}
		if v.Kind == ValueNone {
			return "t.brand_id IS NULL", nil
		}
		id, ok := parseID(v)
		if !ok {
			return "", invalidf("brand:%s is not valid; brand takes a brand id.", v)
		}
		return "t.brand_id = " + c.arg(id), nil
	case "external_id":
		return c.str(p, "t.external_id", false)
	case "recipient":
		return c.str(p, "t.recipient", true)
	case "custom_field":
		return c.fieldValue(p, p.FieldID)
	case "fieldvalue":
		return c.fieldValue(p, 0)
	case "has_attachment":
		if err := ref(p, false); err != nil {
			return "", err
		}
		switch strings.ToLower(v.Text) {
		case "true":
			if v.Kind == ValueWord && !v.Prefix {
				return c.in("t.id", withAttachment), nil
			}
		case "false":
			if v.Kind == ValueWord && !v.Prefix {
				return c.notIn("t.id", withAttachment), nil
			}
		}
		return "", invalidf("has_attachment:%s is not valid; use has_attachment:true or has_attachment:false.", v)
	}
	return "", unknownKey(ResultTicket, p.Key)
}

// fieldValue matches a ticket's custom field value (fieldID 0: any field).
func (c *compiler) fieldValue(p Property, fieldID int64) (string, error) {
	if err := ref(p, false); err != nil {
		return "", err
	}
	sub := "SELECT fv.ticket_id FROM ticket_field_values fv WHERE fv.account_id = $1"
	if fieldID > 0 {
		sub += " AND fv.field_id = " + c.arg(fieldID)
	}
	if p.Value.Kind == ValueNone {
		if fieldID == 0 {
			return "", invalid("fieldvalue:none is not valid; use custom_field_<id>:none.")
		}
		return c.notIn("t.id", sub), nil
	}
	return c.in("t.id", sub+" AND "+c.jsonValue("fv.value", p.Value)), nil
}

// jsonString is s as encoding/json writes it (the form every stored value
// has, since rooms marshal values with encoding/json).
func jsonString(s string) string {
	b, _ := json.Marshal(s)
	return string(b)
}

// jsonScalars are the JSON texts of the scalars equal to s: the string,
// and the number or boolean s spells. Numbers are matched in their
// canonical forms both as JSON numbers and as strings, since number fields
// may be stored either way (12.50 finds 12.5 and "12.5").
func jsonScalars(s string) []string {
	out := []string{jsonString(s)}
	add := func(v string) {
		for _, o := range out {
			if o == v {
				return
			}
		}
		out = append(out, v)
	}
	if s == "true" || s == "false" {
		add(s)
	}
	if n, err := strconv.ParseInt(s, 10, 64); err == nil {
		add(strconv.FormatInt(n, 10))
		add(jsonString(strconv.FormatInt(n, 10)))
	}
	if f, err := strconv.ParseFloat(s, 64); err == nil && !math.IsInf(f, 0) && !math.IsNaN(f) {
		b, _ := json.Marshal(f)
		add(string(b))
		add(jsonString(string(b)))
		add(jsonString(strconv.FormatFloat(f, 'f', -1, 64)))
	}
	return out
}

// jsonValue matches a column holding one JSON value: a scalar equal to v,
// or an array with a string element equal to v; a trailing * matches
// string prefixes. Case is folded as the engine's lower() does.
func (c *compiler) jsonValue(col string, v Value) string {
	s := c.lower(v.Text)
	expr := "lower(" + col + ")"
	if v.Prefix {
		open := db.LikeEscape(strings.TrimSuffix(jsonString(s), `"`))
		return "(" + c.like(expr, open+"%") + " OR (" + col + " LIKE '[%' AND " + c.like(expr, "%"+open+"%") + "))"
	}
	elem := db.LikeEscape(jsonString(s))
	return "(" + expr + " IN " + c.list(jsonScalars(s)) + " OR (" + col + " LIKE '[%' AND " + c.like(expr, "%"+elem+"%") + "))"
}

// instr is the engine's substring-position function (1-based, 0: absent).
func (c *compiler) instr(s, sub string) string {
	if c.dialect == db.Postgres {
		return "strpos(" + s + ", " + sub + ")"
	}
	return "instr(" + s + ", " + sub + ")"
}

// jsonField matches key within a column holding a JSON object as
// encoding/json writes a map (keys sorted, no spaces): a scalar equal to v,
// an array holding v, a string starting with v (v*), or for none a missing
// or null key.
func (c *compiler) jsonField(p Property, col, key string) (string, error) {
	if err := ref(p, false); err != nil {
		return "", err
	}
	v := p.Value
	expr := "lower(" + col + ")"
	k := db.LikeEscape(jsonString(key)) + ":"
	if v.Kind == ValueNone {
		return "(NOT (" + c.like(expr, "%"+k+"%") + ") OR " + c.like(expr, "%"+k+"null%") + ")", nil
	}
	s := c.lower(v.Text)
	if v.Prefix {
		return c.like(expr, "%"+k+db.LikeEscape(strings.TrimSuffix(jsonString(s), `"`))+"%"), nil
	}
	var ors []string
	for _, js := range jsonScalars(s) {
		e := db.LikeEscape(js)
		ors = append(ors, c.like(expr, "%"+k+e+",%"), c.like(expr, "%"+k+e+"}%"))
	}
	// An array: the element must come before the array's closing bracket.
	start := c.arg(jsonString(key) + ":[")
	tail := "substr(" + expr + ", " + c.instr(expr, start) + ")"
	elem := c.arg(jsonString(s))
	ors = append(ors, "("+c.instr(expr, start)+" > 0 AND "+c.instr(tail, elem)+" > 0 AND "+
		c.instr(tail, elem)+" < "+c.instr(tail, "']'")+")")
	return "(" + strings.Join(ors, " OR ") + ")", nil
}

func (c *compiler) userProp(p Property) (string, error) {
	v := p.Value
	switch p.Key {
	case "name", "notes", "details":
		return c.partText(p, userDoc, "u", p.Key)
	case "email":
		if err := ref(p, false); err != nil {
			return "", err
		}
		sub := "SELECT ue.user_id FROM user_identities ue WHERE ue.account_id = $1 AND ue.type = 'email'"
		if v.Kind == ValueNone {
			return c.notIn("u.id", sub), nil
		}
		email := strings.ToLower(v.Text)
		if v.Prefix {
			return c.in("u.id", sub+" AND "+c.like("ue.value_norm", db.LikeEscape(email)+"%")), nil
		}
		return c.in("u.id", sub+" AND ue.value_norm = "+c.arg(email)), nil
	case "role":
		if v.Kind == ValueWord {
			switch strings.ToLower(v.Text) {
			case "end_user", "enduser", "end-users", "end_users":
				v.Text = "end-user"
			}
		}
		return c.enum(Property{Key: p.Key, Op: p.Op, Value: v}, "u.role", roles, false)
	case "organization":
		if err := ref(p, false); err != nil {
			return "", err
		}
		sub := "SELECT uo.user_id FROM organization_memberships uo WHERE uo.account_id = $1"
		if v.Kind == ValueNone {
			return c.notIn("u.id", sub), nil
		}
		set, ok := c.orgSet(v)
		return c.in("u.id", sub+" AND "+c.inSet("uo.organization_id", set, ok)), nil
	case "group":
		if err := ref(p, false); err != nil {
			return "", err
		}
		sub := "SELECT ug.user_id FROM group_memberships ug WHERE ug.account_id = $1"
		if v.Kind == ValueNone {
			return c.notIn("u.id", sub), nil
		}
		set, ok := c.groupSet(v)
		return c.in("u.id", sub+" AND "+c.inSet("ug.group_id", set, ok)), nil
	case "tags":
		return c.tags(p, "u.id", "SELECT ut.user_id FROM user_tags ut WHERE ut.account_id = $1", "ut.tag")
	case "phone":
		if err := ref(p, false); err != nil {
			return "", err
		}
		if v.Kind == ValueNone {
			return "(u.phone IS NULL OR u.phone = '')", nil
		}
		sub := "SELECT up.user_id FROM user_identities up WHERE up.account_id = $1 AND up.type = 'phone_number' AND "
		if v.Prefix {
			pat := db.LikeEscape(v.Text) + "%"
			return "(" + c.like("u.phone", pat) + " OR " + c.in("u.id", sub+c.like("up.value", pat)) + ")", nil
		}
		return "(u.phone = " + c.arg(v.Text) + " OR " + c.in("u.id", sub+"up.value = "+c.arg(v.Text)) + ")", nil
	case "external_id":
		return c.str(p, "u.external_id", true)
	case "created":
		return c.date(p, "u.created_at")
	case "updated":
		return c.date(p, "u.updated_at")
	}
	if c.userFields[p.Key] {
		return c.jsonField(p, "u.user_fields", p.Key)
	}
	return "", unknownKey(ResultUser, p.Key)
}

func (c *compiler) orgProp(p Property) (string, error) {
	switch p.Key {
	case "name", "details", "notes":
		return c.partText(p, orgDoc, "o", p.Key)
	case "tags":
		return c.tags(p, "o.id", "SELECT ot.organization_id FROM organization_tags ot WHERE ot.account_id = $1", "ot.tag")
	case "external_id":
		return c.str(p, "o.external_id", true)
	case "created":
		return c.date(p, "o.created_at")
	case "updated":
		return c.date(p, "o.updated_at")
	}
	if c.orgFields[p.Key] {
		return c.jsonField(p, "o.organization_fields", p.Key)
	}
	return "", unknownKey(ResultOrganization, p.Key)
}

func (c *compiler) groupProp(p Property) (string, error) {
	switch p.Key {
	case "name", "description":
		return c.partText(p, groupDoc, "g", p.Key)
	case "created":
		return c.date(p, "g.created_at")
	case "updated":
		return c.date(p, "g.updated_at")
	}
	return "", unknownKey(ResultGroup, p.Key)
}

// isKeyError reports whether err is about a key the type does not have.
func isKeyError(err error) (*keyError, bool) {
	var ke *keyError
	ok := errors.As(err, &ke)
	return ke, ok
}
