// Package search owns the Zendesk search query language: Parse turns the
// query string of /api/v2/search.json into a Query, a small AST that a
// compiler walks to build SQL. The parser knows the syntax and the few value
// types it can check without a database (dates, ordered enums, result types,
// sort directives); what a key means for a given table is the compiler's call.
package search

import (
	"strconv"
	"strings"
	"time"
)

// Limits on a query. Longer queries, or ones with more terms, are rejected
// with the "invalid" error rather than truncated.
const (
	// MaxQueryLength is the longest query accepted, in characters (runes).
	MaxQueryLength = 1000
	// MaxTerms is the most whitespace-separated terms a query may have,
	// directives (type:, order_by:, sort:) included.
	MaxTerms = 50
)

// Query is a parsed search query. Terms are ANDed; the directives narrow or
// order the result and filter nothing themselves.
type Query struct {
	// Terms in the order written; each is a Text, a Phrase or a Property.
	Terms []Term
	// ResultType narrows the results (type:ticket); empty means any type.
	ResultType ResultType
	// OrderBy is the sort field as an API sort_by name (created_at,
	// updated_at, commented_at, priority, status, ticket_type); empty means
	// the query set none and the sort_by parameter or relevance applies.
	OrderBy string
	// SortDesc is the sort: directive: nil when the query has none (the
	// sort_order parameter applies, whose default is desc).
	SortDesc *bool
}

// String prints q in canonical form: the result type first, then the terms
// in order, then the directives, separated by single spaces. Keys and
// keywords are lower case and aliases resolved, so Parse(q.String()) yields
// a Query equal to q.
func (q Query) String() string {
	var parts []string
	if q.ResultType != "" {
		parts = append(parts, "type:"+string(q.ResultType))
	}
	for _, t := range q.Terms {
		parts = append(parts, t.String())
	}
	if q.OrderBy != "" {
		parts = append(parts, "order_by:"+q.OrderBy)
	}
	if q.SortDesc != nil {
		if *q.SortDesc {
			parts = append(parts, "sort:desc")
		} else {
			parts = append(parts, "sort:asc")
		}
	}
	return strings.Join(parts, " ")
}

// Term is one ANDed condition: Text, Phrase or Property. Walk terms with a
// type switch; the set is closed.
type Term interface {
	String() string
	isTerm()
}

// Text is a bare word. It matches a whole word or a word prefix of the
// searchable text, never a suffix or infix: "top" matches "topology" but not
// "desktop".
type Text struct {
	Negated bool
	// Word is the word as written, without a trailing wildcard. It may be
	// any non-space characters, unicode included, and is matched without
	// regard to case.
	Word string
	// Prefix is set by a trailing * (photo*). Since Zendesk words already
	// match as prefixes it changes little for text, but it is kept for
	// String and for compilers that match exactly.
	Prefix bool
	// MaybeID marks a bare positive integer that fits int64: it matches the
	// ticket with that id as well as the text.
	MaybeID bool
}

// Phrase is a "quoted phrase", matched as consecutive words. Text has no
// double quote and no leading or trailing space, and is never empty.
type Phrase struct {
	Negated bool
	Text    string
}

// Property is key op value: status:open, priority>=normal, -tags:invoice.
type Property struct {
	Negated bool
	// Key is the lower-case canonical key with aliases resolved (tag ->
	// tags, type:<ticket type> -> ticket_type). Any [a-z0-9_]+ key that
	// contains a letter is accepted; unknown keys are for the compiler to
	// map (user fields) or reject.
	Key string
	// FieldID is set for custom_field_<id>, whose Key is then
	// "custom_field".
	FieldID int64
	Op      Op
	Value   Value
}

// Op is a property comparison operator.
type Op uint8

const (
	// OpEq is ':' (equality, or membership for multi-valued keys like tags).
	OpEq Op = iota
	// OpLT is '<'.
	OpLT
	// OpLE is '<='.
	OpLE
	// OpGT is '>'.
	OpGT
	// OpGE is '>='.
	OpGE
)

func (o Op) String() string {
	switch o {
	case OpLT:
		return "<"
	case OpLE:
		return "<="
	case OpGT:
		return ">"
	case OpGE:
		return ">="
	}
	return ":"
}

// ValueKind says which fields of a Value are meaningful.
type ValueKind uint8

const (
	// ValueWord is a bare value in Text, with Prefix for a trailing *.
	ValueWord ValueKind = iota
	// ValuePhrase is a quoted value in Text (never empty).
	ValuePhrase
	// ValueNone is the keyword none: the property has no value.
	ValueNone
	// ValueMe is the keyword me: the current user.
	ValueMe
	// ValueDate is a date in Date; only date keys (IsDateKey) carry it, and
	// their values are always a date or none.
	ValueDate
)

// Value is the right-hand side of a Property.
type Value struct {
	Kind ValueKind
	// Text is the value as written for ValueWord and ValuePhrase. Values of
	// the enum keys status, priority and ticket_type are lower-cased; the
	// others keep their case.
	Text string
	// Prefix is set by a trailing * on a bare value (subject:photo*). A
	// lone * is a literal, not a wildcard.
	Prefix bool
	// Date is set when Kind is ValueDate.
	Date Date
}

func (v Value) String() string {
	switch v.Kind {
	case ValuePhrase:
		return `"` + v.Text + `"`
	case ValueNone:
		return "none"
	case ValueMe:
		return "me"
	case ValueDate:
		return v.Date.String()
	}
	if v.Prefix {
		return v.Text + "*"
	}
	return v.Text
}

// DateKind says whether a Date is a calendar day, an instant or relative.
type DateKind uint8

const (
	// DateDay is a calendar day written YYYY-MM-DD.
	DateDay DateKind = iota
	// DateTime is an RFC 3339 instant.
	DateTime
	// DateRelative is an amount of units before now (4hours, 2weeks).
	DateRelative
)

// Date is a date value. How a compiler must apply each operator:
//
// A DateDay D is a whole day, which the compiler should take in the account's
// time zone (Time holds D at midnight UTC only as a carrier for the calendar
// date): created:D is within [D, D+1d); created>D is on or after D+1d (after
// that day); created>=D is on or after D; created<D is before D; created<=D
// is before D+1d.
//
// A DateTime T is an instant; its zone is kept so that String round-trips.
// created>T and created<T compare on the instant; created:T means within
// [T, T+1s), since timestamps are stored to the second.
//
// A DateRelative N units is the cut-off C = Cutoff(now). The comparison is on
// time, so a relative value reads as an age: created>4hours is created after
// C (within the last 4 hours), created>=4hours is at or after C, created<4hours
// is created before C (more than 4 hours ago) and created<=4hours at or
// before C. created:4hours means the same as created>=4hours.
type Date struct {
	Kind DateKind
	// Time is the day (midnight UTC) or the instant; zero for DateRelative.
	Time time.Time
	// Amount and Unit are set for DateRelative.
	Amount int
	Unit   Unit
}

// Cutoff is now minus the relative amount, in calendar arithmetic
// (time.AddDate) for days and longer units, so 1months before March 31 is
// March 3 as AddDate normalises it. For non-relative dates it returns Time.
func (d Date) Cutoff(now time.Time) time.Time {
	if d.Kind != DateRelative {
		return d.Time
	}
	n := d.Amount
	switch d.Unit {
	case UnitMinute:
		return now.Add(-time.Duration(n) * time.Minute)
	case UnitHour:
		return now.Add(-time.Duration(n) * time.Hour)
	case UnitDay:
		return now.AddDate(0, 0, -n)
	case UnitWeek:
		return now.AddDate(0, 0, -7*n)
	case UnitMonth:
		return now.AddDate(0, -n, 0)
	}
	return now.AddDate(-n, 0, 0)
}

func (d Date) String() string {
	switch d.Kind {
	case DateDay:
		return d.Time.Format(time.DateOnly)
	case DateTime:
		return d.Time.Format(time.RFC3339Nano)
	}
	return strconv.Itoa(d.Amount) + d.Unit.String()
}

// Unit is the unit of a relative date.
type Unit uint8

const (
	// UnitMinute is written minutes, minute or min.
	UnitMinute Unit = iota
	// UnitHour is written hours, hour or h.
	UnitHour
	// UnitDay is written days, day or d.
	UnitDay
	// UnitWeek is written weeks, week or w.
	UnitWeek
	// UnitMonth is written months or month (m alone is ambiguous and refused).
	UnitMonth
	// UnitYear is written years, year or y.
	UnitYear
)

func (u Unit) String() string {
	switch u {
	case UnitMinute:
		return "minutes"
	case UnitHour:
		return "hours"
	case UnitDay:
		return "days"
	case UnitWeek:
		return "weeks"
	case UnitMonth:
		return "months"
	}
	return "years"
}

// ResultType is the kind of record a query returns (type:ticket).
type ResultType string

// The result types of the type: directive.
const (
	ResultTicket       ResultType = "ticket"
	ResultUser         ResultType = "user"
	ResultOrganization ResultType = "organization"
	ResultGroup        ResultType = "group"
	ResultTopic        ResultType = "topic"
)

func (Text) isTerm()     {}
func (Phrase) isTerm()   {}
func (Property) isTerm() {}

func neg(b bool) string {
	if b {
		return "-"
	}
	return ""
}

func (t Text) String() string {
	s := neg(t.Negated) + t.Word
	if t.Prefix {
		s += "*"
	}
	return s
}

func (p Phrase) String() string { return neg(p.Negated) + `"` + p.Text + `"` }

func (p Property) String() string {
	key := p.Key
	if p.Key == "custom_field" && p.FieldID > 0 {
		key = "custom_field_" + strconv.FormatInt(p.FieldID, 10)
	}
	return neg(p.Negated) + key + p.Op.String() + p.Value.String()
}

// statusOrder and priorityOrder rank the ordered enums for <, <=, >, >=.
var (
	statusOrder   = []string{"new", "open", "pending", "hold", "solved", "closed"}
	priorityOrder = []string{"low", "normal", "high", "urgent"}
)

// Ordered returns the values of an ordered enum key (status, priority) from
// lowest to highest, or nil for any other key. The slice is a fresh copy.
func Ordered(key string) []string {
	switch key {
	case "status":
		return append([]string(nil), statusOrder...)
	case "priority":
		return append([]string(nil), priorityOrder...)
	}
	return nil
}

// Rank is the position of value in the order of an enum key: status<solved
// means every status whose rank is below Rank("status", "solved").
func Rank(key, value string) (int, bool) {
	var order []string
	switch key {
	case "status":
		order = statusOrder
	case "priority":
		order = priorityOrder
	}
	for i, v := range order {
		if v == value {
			return i, true
		}
	}
	return 0, false
}

// IsDateKey reports whether values of key are parsed as dates. The set is
// the documented ticket, user and organization date keywords.
func IsDateKey(key string) bool {
	switch key {
	case "created", "updated", "solved", "due_date":
		return true
	}
	return false
}
