package search

import (
	"strconv"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"

	"parley/internal/platform/errs"
)

// Parse parses a search query string. Every error is an *errs.Error of kind
// BadRequest with code "invalid", which the search API renders as
// {"error":"invalid","description":...}. The empty query and a query of
// directives only are valid; whether they may run is the caller's decision.
//
// Syntax, beyond what the Query types document:
//   - Terms are separated by white space (any unicode space) and ANDed.
//   - A leading - negates the term after it when a non-space follows, and a
//     lone - is text. Only one - is taken, so --x is the negated word -x.
//   - A term starting with " is a phrase up to the next ". An unbalanced quote
//     makes the rest of the query the phrase, as Zendesk is lenient there.
//     There are no escapes. Empty phrases ("") are dropped.
//   - key op value, where key is [A-Za-z0-9_]+ holding at least one letter
//     and op is :, <, >, <= or >=. Otherwise the word is text, so :foo, <3,
//     10:30 and "Re:" followed by a space are text. = is an ordinary
//     character (status=open is one word).
//   - A value starting with " runs to the next " (or the end) and may hold
//     spaces; a bare value runs to the next space.
func Parse(q string) (Query, error) {
	return parse(q, true)
}

// parse is Parse with the size limits optional, so that tests can re-parse
// canonical forms, which may be longer than the input (tag: prints tags:).
func parse(q string, limits bool) (Query, error) {
	if !utf8.ValidString(q) {
		return Query{}, invalid("The query is not valid UTF-8.")
	}
	if strings.IndexByte(q, 0) >= 0 {
		return Query{}, invalid("The query contains a NUL character.")
	}
	if limits && utf8.RuneCountInString(q) > MaxQueryLength {
		return Query{}, invalidf("The query is longer than %d characters.", MaxQueryLength)
	}
	p := parser{src: q}
	n := 0
	for {
		p.skipSpace()
		if p.pos >= len(p.src) {
			break
		}
		n++
		if limits && n > MaxTerms {
			return Query{}, invalidf("The query has more than %d terms.", MaxTerms)
		}
		if err := p.term(); err != nil {
			return Query{}, err
		}
	}
	return p.q, nil
}

func invalid(msg string) *errs.Error { return errs.E(errs.BadRequest, msg).WithCode("invalid") }

func invalidf(format string, args ...any) *errs.Error {
	return errs.Ef(errs.BadRequest, format, args...).WithCode("invalid")
}

type parser struct {
	src string
	pos int
	q   Query
}

func (p *parser) skipSpace() {
	for p.pos < len(p.src) {
		r, size := utf8.DecodeRuneInString(p.src[p.pos:])
		if !unicode.IsSpace(r) {
			return
		}
		p.pos += size
	}
}

// spaceAt reports whether the input ends at i or has a space there.
func (p *parser) spaceAt(i int) bool {
	if i >= len(p.src) {
		return true
	}
	r, _ := utf8.DecodeRuneInString(p.src[i:])
	return unicode.IsSpace(r)
}

// word reads up to the next space.
func (p *parser) word() string {
	start := p.pos
	for !p.spaceAt(p.pos) {
		_, size := utf8.DecodeRuneInString(p.src[p.pos:])
		p.pos += size
	}
	return p.src[start:p.pos]
}

// quoted reads a quoted string at p.pos (which holds the opening quote) and
// returns its text trimmed of spaces.
func (p *parser) quoted() string {
	start := p.pos + 1
	end := strings.IndexByte(p.src[start:], '"')
	if end < 0 {
		p.pos = len(p.src) // lenient: an unbalanced quote runs to the end
		return strings.TrimFunc(p.src[start:], unicode.IsSpace)
	}
	p.pos = start + end + 1
	return strings.TrimFunc(p.src[start:start+end], unicode.IsSpace)
}

func (p *parser) term() error {
	negated := false
	if p.src[p.pos] == '-' && !p.spaceAt(p.pos+1) {
		negated = true
		p.pos++
	}
	if p.src[p.pos] == '"' {
		if text := p.quoted(); text != "" {
			p.q.Terms = append(p.q.Terms, Phrase{Negated: negated, Text: text})
		}
		return nil
	}
	start := p.pos
	if key, op, ok := p.keyOp(); ok {
		switch {
		case p.pos < len(p.src) && p.src[p.pos] == '"':
			text := p.quoted()
			if text == "" {
				return invalidf("The value of %s is empty.", key)
			}
			return p.property(negated, key, op, text, true)
		case !p.spaceAt(p.pos):
			return p.property(negated, key, op, p.word(), false)
		}
		// key and operator with no value: plain text such as "Re:".
	}
	p.pos = start
	p.q.Terms = append(p.q.Terms, text(negated, p.word()))
	return nil
}

// keyOp reads key and operator at p.pos. When ok is false p.pos is left
// anywhere inside the word and the caller rewinds.
func (p *parser) keyOp() (key string, op Op, ok bool) {
	start := p.pos
	letter := false
	for p.pos < len(p.src) {
		c := p.src[p.pos]
		if c >= 'A' && c <= 'Z' || c >= 'a' && c <= 'z' || c == '_' {
			letter = letter || c != '_'
		} else if c < '0' || c > '9' {
			break
		}
		p.pos++
	}
	if !letter {
		return "", 0, false
	}
	key = p.src[start:p.pos]
	rest := p.src[p.pos:]
	switch {
	case strings.HasPrefix(rest, "<="):
		op, p.pos = OpLE, p.pos+2
	case strings.HasPrefix(rest, ">="):
		op, p.pos = OpGE, p.pos+2
	case strings.HasPrefix(rest, "<"):
		op, p.pos = OpLT, p.pos+1
	case strings.HasPrefix(rest, ">"):
		op, p.pos = OpGT, p.pos+1
	case strings.HasPrefix(rest, ":"):
		op, p.pos = OpEq, p.pos+1
	default:
		return "", 0, false
	}
	return key, op, true
}

func text(negated bool, w string) Text {
	t := Text{Negated: negated, Word: w}
	if len(w) > 1 && strings.HasSuffix(w, "*") {
		t.Word, t.Prefix = w[:len(w)-1], true
		return t
	}
	if n, err := strconv.ParseInt(w, 10, 64); err == nil && n > 0 && w[0] != '+' {
		t.MaybeID = true
	}
	return t
}

// keyAliases maps accepted spellings to canonical keys. type: is handled
// apart because it is either a directive or ticket_type.
var keyAliases = map[string]string{
	"tag":        "tags",
	"created_at": "created",
	"updated_at": "updated",
	"solved_at":  "solved",
	"due_at":     "due_date",
}

// orderFields maps order_by: values to API sort_by names.
var orderFields = map[string]string{
	"created":      "created_at",
	"created_at":   "created_at",
	"updated":      "updated_at",
	"updated_at":   "updated_at",
	"commented":    "commented_at",
	"commented_at": "commented_at",
	"priority":     "priority",
	"status":       "status",
	"ticket_type":  "ticket_type",
	"type":         "ticket_type",
}

func resultType(v string) (ResultType, bool) {
	switch rt := ResultType(v); rt {
	case ResultTicket, ResultUser, ResultOrganization, ResultGroup, ResultTopic:
		return rt, true
	}
	return "", false
}

// property handles one key op value term. raw is the value text: the bare
// word, or the trimmed inside of the quotes when quoted.
func (p *parser) property(negated bool, rawKey string, op Op, raw string, quoted bool) error {
	key := strings.ToLower(rawKey)
	if a, ok := keyAliases[key]; ok {
		key = a
	}
	lower := strings.ToLower(raw)
	switch key {
	case "type":
		// type: narrows the result type when its value is one (ticket, user,
		// organization, group, topic). Any other value (type:incident) is
		// read as ticket_type, which the reference leaves unconfirmed but is
		// what users of the ticket-only search expect.
		if rt, ok := resultType(lower); ok && op == OpEq {
			if negated {
				return invalid("The result type (type:) cannot be negated.")
			}
			if p.q.ResultType != "" && p.q.ResultType != rt {
				return invalidf("The query asks for two result types, type:%s and type:%s.", p.q.ResultType, rt)
			}
			p.q.ResultType = rt
			return nil
		}
		key = "ticket_type"
	case "order_by":
		if negated || op != OpEq {
			return invalid("order_by: takes the form order_by:<field>.")
		}
		f, ok := orderFields[lower]
		if !ok {
			return invalidf("order_by:%s is not supported; use created, updated, commented, priority, status or ticket_type.", raw)
		}
		p.q.OrderBy = f // the last one wins
		return nil
	case "sort":
		if negated || op != OpEq || (lower != "asc" && lower != "desc") {
			return invalid("sort: takes the form sort:asc or sort:desc.")
		}
		desc := lower == "desc"
		p.q.SortDesc = &desc
		return nil
	}

	prop := Property{Negated: negated, Key: key, Op: op}
	if id, ok := strings.CutPrefix(key, "custom_field_"); ok {
		if n, err := strconv.ParseInt(id, 10, 64); err == nil && n > 0 {
			prop.Key, prop.FieldID = "custom_field", n
		}
	}

	switch {
	case !quoted && lower == "none":
		prop.Value = Value{Kind: ValueNone}
	case !quoted && lower == "me":
		prop.Value = Value{Kind: ValueMe}
	case quoted:
		prop.Value = Value{Kind: ValuePhrase, Text: raw}
	case len(raw) > 1 && strings.HasSuffix(raw, "*"):
		prop.Value = Value{Kind: ValueWord, Text: raw[:len(raw)-1], Prefix: true}
	default:
		prop.Value = Value{Kind: ValueWord, Text: raw}
	}

	switch {
	case IsDateKey(prop.Key):
		if prop.Value.Kind == ValueNone {
			break
		}
		d, ok := parseDate(raw)
		if !ok {
			return invalidf("%s%s%s is not a date; use YYYY-MM-DD, an RFC 3339 time such as 2024-01-01T10:00:00Z, or a relative time such as 4hours or 2weeks.", key, op, raw)
		}
		prop.Value = Value{Kind: ValueDate, Date: d}
	case prop.Key == "status" || prop.Key == "priority" || prop.Key == "ticket_type":
		if prop.Value.Kind == ValueWord || prop.Value.Kind == ValuePhrase {
			prop.Value.Text = strings.ToLower(prop.Value.Text)
		}
		if op == OpEq || prop.Key == "ticket_type" {
			break
		}
		v := prop.Value
		if _, ok := Rank(prop.Key, v.Text); !ok || v.Prefix || (v.Kind != ValueWord && v.Kind != ValuePhrase) {
			return invalidf("%s%s%s cannot be compared; %s is ordered %s.", key, op, raw, key, strings.Join(Ordered(key), "<"))
		}
	}
	p.q.Terms = append(p.q.Terms, prop)
	return nil
}

// maxRelative bounds relative amounts so cut-offs stay far from overflow.
const maxRelative = 1_000_000

var units = map[string]Unit{
	"minutes": UnitMinute, "minute": UnitMinute, "min": UnitMinute,
	"hours": UnitHour, "hour": UnitHour, "h": UnitHour,
	"days": UnitDay, "day": UnitDay, "d": UnitDay,
	"weeks": UnitWeek, "week": UnitWeek, "w": UnitWeek,
	"months": UnitMonth, "month": UnitMonth,
	"years": UnitYear, "year": UnitYear, "y": UnitYear,
}

// parseDate reads YYYY-MM-DD, an RFC 3339 instant, or <n><unit>.
func parseDate(s string) (Date, bool) {
	if t, err := time.Parse(time.DateOnly, s); err == nil {
		return Date{Kind: DateDay, Time: t}, true
	}
	if t, err := time.Parse(time.RFC3339, s); err == nil {
		return Date{Kind: DateTime, Time: t}, true
	}
	i := 0
	for i < len(s) && s[i] >= '0' && s[i] <= '9' {
		i++
	}
	if i == 0 || i > 9 {
		return Date{}, false
	}
	n, err := strconv.Atoi(s[:i])
	if err != nil || n > maxRelative {
		return Date{}, false
	}
	u, ok := units[strings.ToLower(s[i:])]
	if !ok {
		return Date{}, false
	}
	return Date{Kind: DateRelative, Amount: n, Unit: u}, true
}
