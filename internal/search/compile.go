package search

import (
	"errors"
	"strconv"
	"strings"
	"time"

	"parley/internal/auth"
	"parley/internal/platform/db"
	"parley/internal/platform/errs"
	"parley/internal/ticket"
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
	// actor narrows tickets to its custom role scope (ticket.Scope); the
	// zero actor does not narrow.
	actor auth.Actor
	// textSet is the ticket-id set of the last free-text term compiled for
	// tickets (empty when it also matched a ticket number); whereSet hands
	// it to the plan when that term is the ticket part's only condition
	// (see planPart.textSet).
	textSet textSet
	// joins lets PostgreSQL plan id sets as joins (col IN (sub)); set for
	// queries of a few terms with two sets or more (see in).
	joins bool
	// sets counts the id sets written (in, notIn).
	sets int
	// only, when set, narrows the ticket-id sets of text and tags to the
	// tickets numbered lo..hi, by the index each set is read from: the
	// ticket index catches a cached set up with the tickets that changed
	// (see ticketIndex) without reading the whole set again.
	only *idRange
	// bag lets a ticket-id set name a ticket more than once (UNION ALL):
	// the ticket index sets a bit per id and needs no sort to drop
	// repeats.
	bag bool
}

// idRange is the ticket numbers lo..hi, both included.
type idRange struct{ lo, hi int64 }

// within is " AND col BETWEEN lo AND hi" for c.only, else "".
func (c *compiler) within(col string) string {
	if c.only == nil {
		return ""
	}
	return " AND " + col + " BETWEEN " + c.arg(c.only.lo) + " AND " + c.arg(c.only.hi)
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
	w, _, err := c.whereSet(k, terms)
	return w, err
}

// whereSet is where, also returning the ticket-id set of the free text
// when that is the whole of a ticket part's condition (no other term, no
// custom role scope), for the plan's fast path.
func (c *compiler) whereSet(k kind, terms []Term) (string, textSet, error) {
	mark := len(c.args)
	conds := []string{k.base}
	if k.rt == ResultTicket {
		if scope := ticket.Scope(c.actor, &c.args); scope != "" {
			conds = append(conds, scope)
		}
	}
	var set textSet
	for _, t := range terms {
		c.textSet = textSet{}
		cond, neg, err := c.term(k.rt, t)
		if err != nil {
			c.args = c.args[:mark]
			return "", textSet{}, err
		}
		if cond == ignored {
			continue
		}
		if neg {
			cond = not(cond)
		}
		if cond != "TRUE" {
			conds = append(conds, cond)
			if !neg {
				set = c.textSet
			}
		}
	}
	if k.rt != ResultTicket || len(conds) != 2 {
		set = textSet{}
	}
	return strings.Join(conds, " AND "), set, nil
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
		set := c.ticketText(q)
		cond := c.in("t.id", set.sql)
		if ticketID > 0 {
			return "(t.id = " + c.arg(ticketID) + " OR " + cond + ")"
		}
		c.textSet = set
		return cond
	case ResultUser:
		return c.match(userDoc, "u", "", q)
	case ResultOrganization:
		return c.match(orgDoc, "o", "", q)
	}
	return c.match(groupDoc, "g", "", q)
}

// textSet is the set of the tickets whose text matches a free-text term.
type textSet struct {
	// sql selects their ids (live or deleted), as column id.
	sql string
	// probe, when set, is a condition on the ticket of row alias t that
	// holds when it is in the set, at the cost of an index lookup
	// (PostgreSQL's ticket_search_docs are keyed by ticket); a walk of
	// the tickets in sort order tests it ticket by ticket.
	probe string
}

// ticketText is the set of the tickets whose subject, description or a
// comment matches q. On PostgreSQL a single word is looked up in the
// tickets' search documents; phrases need the positions of the per-field
// and per-comment indexes.
func (c *compiler) ticketText(q textQuery) textSet {
	if c.dialect == db.Postgres && q.oneWord() {
		return c.docTickets(q)
	}
	union := " UNION "
	if c.bag {
		union = " UNION ALL "
	}
	return textSet{sql: c.matchIDs(ticketDoc, "", q) + union + c.commentTickets(q)}
}

// commentTickets selects the tickets with a comment matching q. On SQLite
// the ticket is read from the FTS5 rowid itself (commentKeySpan), without a
// lookup in ticket_comments per matching comment.
func (c *compiler) commentTickets(q textQuery) string {
	if c.dialect == db.Postgres {
		return "SELECT cm.ticket_id FROM ticket_comments cm WHERE cm.account_id = $1" + c.within("cm.ticket_id") + " AND " +
			c.matchCond(commentDoc, "cm", "", q)
	}
	m := c.arg(q.fts5(""))
	base := c.arg(c.account * commentKeySpan)
	from, to := base, base+" + "+strconv.FormatInt(commentKeySpan, 10)
	if c.only != nil {
		from = c.arg(c.account*commentKeySpan + c.only.lo*commentTicketSpan)
		to = c.arg(c.account*commentKeySpan + (c.only.hi+1)*commentTicketSpan)
	}
	return "SELECT (rowid - " + base + ") / " + strconv.Itoa(commentTicketSpan) + " FROM " + commentDoc.fts +
		" WHERE " + commentDoc.fts + " MATCH " + m + " AND rowid >= " + from + " AND rowid < " + to
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

// in is col IN (sub) for a subquery sub selecting non-null ids. On
// PostgreSQL a query of many terms gets col = ANY(ARRAY(sub)) instead:
// the subquery runs once, as an InitPlan, rather than being pulled up
// into a join, which keeps planning time flat however many terms there are
// (fifty IN-subqueries cost PostgreSQL seconds of planning). But the array
// is searched from the start for every row it is tested against. One set
// is fine: PostgreSQL looks its ids up. With two, it looks up one and
// filters by the other, which costs rows × members: at a million tickets
// "printer status<solved tags:vip" ran 16 minutes. So a part of a few
// terms with two sets or more (joins) keeps IN, which PostgreSQL hashes
// (5.7 s there; one set stays an array: "refund status<solved" took 1.0 s
// that way and 2.7 s as a join).
func (c *compiler) in(col, sub string) string {
	c.sets++
	if c.dialect == db.Postgres && !c.joins {
		return col + " = ANY(ARRAY(" + sub + "))"
	}
	return col + " IN (" + sub + ")"
}

// notIn is col NOT IN (sub), as in.
func (c *compiler) notIn(col, sub string) string {
	c.sets++
	if c.dialect == db.Postgres && !c.joins {
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

// isKeyError reports whether err is about a key the type does not have.
func isKeyError(err error) (*keyError, bool) {
	var ke *keyError
	ok := errors.As(err, &ke)
	return ke, ok
}
