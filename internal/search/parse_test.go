package search

import (
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"parley/internal/platform/errs"
)

func word(s string) Value   { return Value{Kind: ValueWord, Text: s} }
func prefix(s string) Value { return Value{Kind: ValueWord, Text: s, Prefix: true} }
func phrase(s string) Value { return Value{Kind: ValuePhrase, Text: s} }

var (
	none = Value{Kind: ValueNone}
	me   = Value{Kind: ValueMe}
)

func day(y int, m time.Month, d int) Value {
	return Value{Kind: ValueDate, Date: Date{Kind: DateDay, Time: time.Date(y, m, d, 0, 0, 0, 0, time.UTC)}}
}

func instant(t time.Time) Value { return Value{Kind: ValueDate, Date: Date{Kind: DateTime, Time: t}} }

func rel(n int, u Unit) Value {
	return Value{Kind: ValueDate, Date: Date{Kind: DateRelative, Amount: n, Unit: u}}
}

func prop(key string, op Op, v Value) Property { return Property{Key: key, Op: op, Value: v} }

func notProp(key string, op Op, v Value) Property {
	return Property{Negated: true, Key: key, Op: op, Value: v}
}

func terms(ts ...Term) []Term { return ts }

func ptr[T any](v T) *T { return &v }

func TestParse(t *testing.T) {
	t.Parallel()
	cases := []struct {
		name string
		q    string
		want Query
	}{
		// Empty and directive-only queries are valid.
		{"empty", "", Query{}},
		{"blank", " \t\n ", Query{}},
		{"only directives", "order_by:created sort:asc", Query{OrderBy: "created_at", SortDesc: ptr(false)}},
		{"only type", "type:ticket", Query{ResultType: ResultTicket}},

		// Text, phrases, ids.
		{"word", "printer", Query{Terms: terms(Text{Word: "printer"})}},
		{"words are ANDed", "printer  on\tfire", Query{Terms: terms(Text{Word: "printer"}, Text{Word: "on"}, Text{Word: "fire"})}},
		{"word keeps case", "Printer", Query{Terms: terms(Text{Word: "Printer"})}},
		{"unicode words", "café  naïve 東京 Ünïcödé", Query{Terms: terms(Text{Word: "café"}, Text{Word: "naïve"}, Text{Word: "東京"}, Text{Word: "Ünïcödé"})}},
		{"unicode spaces separate", "a\u00a0b\u3000c", Query{Terms: terms(Text{Word: "a"}, Text{Word: "b"}, Text{Word: "c"})}},
		{"phrase", `"printer on fire"`, Query{Terms: terms(Phrase{Text: "printer on fire"})}},
		{"phrase trimmed", `"  printer on fire "`, Query{Terms: terms(Phrase{Text: "printer on fire"})}},
		{"phrase and word", `"Jane Doe" type:user`, Query{ResultType: ResultUser, Terms: terms(Phrase{Text: "Jane Doe"})}},
		{"phrase glued to word", `"a b"c`, Query{Terms: terms(Phrase{Text: "a b"}, Text{Word: "c"})}},
		{"unbalanced quote runs to end", `printer "on fire`, Query{Terms: terms(Text{Word: "printer"}, Phrase{Text: "on fire"})}},
		{"empty phrase dropped", `"" x "  "`, Query{Terms: terms(Text{Word: "x"})}},
		{"lone quote dropped", `"`, Query{}},
		{"quote inside word is literal", `ab"cd`, Query{Terms: terms(Text{Word: `ab"cd`})}},
		{"integer maybe id", "12345", Query{Terms: terms(Text{Word: "12345", MaybeID: true})}},
		{"zero is not an id", "0", Query{Terms: terms(Text{Word: "0"})}},
		{"leading zeros id", "007", Query{Terms: terms(Text{Word: "007", MaybeID: true})}},
		{"too big for an id", "99999999999999999999", Query{Terms: terms(Text{Word: "99999999999999999999"})}},
		{"plus is not an id", "+5", Query{Terms: terms(Text{Word: "+5"})}},
		{"decimal is not an id", "1.5", Query{Terms: terms(Text{Word: "1.5"})}},
		{"text wildcard", "photo*", Query{Terms: terms(Text{Word: "photo", Prefix: true})}},
		{"numeric prefix is not an id", "12*", Query{Terms: terms(Text{Word: "12", Prefix: true})}},
		{"lone star is literal", "*", Query{Terms: terms(Text{Word: "*"})}},
		{"infix star is literal", "ph*to", Query{Terms: terms(Text{Word: "ph*to"})}},
		{"double star", "photo**", Query{Terms: terms(Text{Word: "photo*", Prefix: true})}},

		// Negation.
		{"negated word", "-printer", Query{Terms: terms(Text{Negated: true, Word: "printer"})}},
		{"negated phrase", `-"on fire"`, Query{Terms: terms(Phrase{Negated: true, Text: "on fire"})}},
		{"negated id", "-42", Query{Terms: terms(Text{Negated: true, Word: "42", MaybeID: true})}},
		{"negated prefix", "-print*", Query{Terms: terms(Text{Negated: true, Word: "print", Prefix: true})}},
		{"lone dash is text", "a - b", Query{Terms: terms(Text{Word: "a"}, Text{Word: "-"}, Text{Word: "b"})}},
		{"double dash negates once", "--x", Query{Terms: terms(Text{Negated: true, Word: "-x"})}},
		{"negated tags", "-tags:invoice", Query{Terms: terms(notProp("tags", OpEq, word("invoice")))}},
		{"negated status", "-status:closed", Query{Terms: terms(notProp("status", OpEq, word("closed")))}},
		{"hyphenated word", "e-mail", Query{Terms: terms(Text{Word: "e-mail"})}},

		// Properties and values.
		{"status equality", "status:open", Query{Terms: terms(prop("status", OpEq, word("open")))}},
		{"key case-insensitive", "STATUS:Open", Query{Terms: terms(prop("status", OpEq, word("open")))}},
		{"mixed-case key", "Subject:Printer", Query{Terms: terms(prop("subject", OpEq, word("Printer")))}},
		{"tag alias", "tag:vip", Query{Terms: terms(prop("tags", OpEq, word("vip")))}},
		{"quoted value", `subject:"printer on fire"`, Query{Terms: terms(prop("subject", OpEq, phrase("printer on fire")))}},
		{"quoted single word stays phrase", `subject:"printer"`, Query{Terms: terms(prop("subject", OpEq, phrase("printer")))}},
		{"unbalanced quoted value", `subject:"printer on`, Query{Terms: terms(prop("subject", OpEq, phrase("printer on")))}},
		{"quoted value then word", `group:"Level 2"x`, Query{Terms: terms(prop("group", OpEq, phrase("Level 2")), Text{Word: "x"})}},
		{"wildcard value", "subject:photo*", Query{Terms: terms(prop("subject", OpEq, prefix("photo")))}},
		{"lone star value is literal", "subject:*", Query{Terms: terms(prop("subject", OpEq, word("*")))}},
		{"none", "assignee:none", Query{Terms: terms(prop("assignee", OpEq, none))}},
		{"none any case", "assignee:NONE", Query{Terms: terms(prop("assignee", OpEq, none))}},
		{"quoted none is literal", `assignee:"none"`, Query{Terms: terms(prop("assignee", OpEq, phrase("none")))}},
		{"negated none", "-organization:none", Query{Terms: terms(notProp("organization", OpEq, none))}},
		{"me", "assignee:me", Query{Terms: terms(prop("assignee", OpEq, me))}},
		{"requester email", "requester:user@domain.com", Query{Terms: terms(prop("requester", OpEq, word("user@domain.com")))}},
		{"value may hold colons", "external_id:a:b<c", Query{Terms: terms(prop("external_id", OpEq, word("a:b<c")))}},
		{"custom field id", "custom_field_123:abc", Query{Terms: terms(Property{Key: "custom_field", FieldID: 123, Op: OpEq, Value: word("abc")})}},
		{"custom field comparison", "custom_field_7>=10", Query{Terms: terms(Property{Key: "custom_field", FieldID: 7, Op: OpGE, Value: word("10")})}},
		{"custom field zero keeps key", "custom_field_0:x", Query{Terms: terms(prop("custom_field_0", OpEq, word("x")))}},
		{"custom field name keeps key", "custom_field_abc:x", Query{Terms: terms(prop("custom_field_abc", OpEq, word("x")))}},
		{"fieldvalue", "fieldvalue:12345", Query{Terms: terms(prop("fieldvalue", OpEq, word("12345")))}},
		{"satisfaction", "satisfaction:goodwithcomment", Query{Terms: terms(prop("satisfaction", OpEq, word("goodwithcomment")))}},
		{"has_attachment", "has_attachment:true", Query{Terms: terms(prop("has_attachment", OpEq, word("true")))}},
		{"user field key", "plan_tier:gold", Query{Terms: terms(prop("plan_tier", OpEq, word("gold")))}},
		{"unknown key with digits", "field2:x", Query{Terms: terms(prop("field2", OpEq, word("x")))}},

		// Text that looks like a property.
		{"operator without key", ":foo <3 >x", Query{Terms: terms(Text{Word: ":foo"}, Text{Word: "<3"}, Text{Word: ">x"})}},
		{"key without value", "Re: printer", Query{Terms: terms(Text{Word: "Re:"}, Text{Word: "printer"})}},
		{"equals is not an operator", "status=open", Query{Terms: terms(Text{Word: "status=open"})}},
		{"digit-only key is text", "10:30 3<5", Query{Terms: terms(Text{Word: "10:30"}, Text{Word: "3<5"})}},
		{"non-ascii key is text", "título:x", Query{Terms: terms(Text{Word: "título:x"})}},
		{"negated operator without key", "-:foo", Query{Terms: terms(Text{Negated: true, Word: ":foo"})}},

		// Comparison operators and ordered enums.
		{"status lt", "status<solved", Query{Terms: terms(prop("status", OpLT, word("solved")))}},
		{"status le", "status<=pending", Query{Terms: terms(prop("status", OpLE, word("pending")))}},
		{"status gt", "status>new", Query{Terms: terms(prop("status", OpGT, word("new")))}},
		{"status ge upper case", "status>=HOLD", Query{Terms: terms(prop("status", OpGE, word("hold")))}},
		{"priority ge", "priority>=normal", Query{Terms: terms(prop("priority", OpGE, word("normal")))}},
		{"priority lt quoted", `priority<"urgent"`, Query{Terms: terms(prop("priority", OpLT, phrase("urgent")))}},
		{"priority equality unknown value", "priority:whatever", Query{Terms: terms(prop("priority", OpEq, word("whatever")))}},
		{"reference example", "status<solved requester:user@domain.com type:ticket", Query{
			ResultType: ResultTicket,
			Terms:      terms(prop("status", OpLT, word("solved")), prop("requester", OpEq, word("user@domain.com"))),
		}},

		// Dates.
		{"absolute day gt", "created>2012-07-17", Query{Terms: terms(prop("created", OpGT, day(2012, time.July, 17)))}},
		{"absolute day eq", "solved:2024-02-29", Query{Terms: terms(prop("solved", OpEq, day(2024, time.February, 29)))}},
		{"rfc3339 lt", "updated<2024-01-01T10:00:00Z", Query{Terms: terms(prop("updated", OpLT, instant(time.Date(2024, 1, 1, 10, 0, 0, 0, time.UTC))))}},
		{"rfc3339 offset le", "due_date<=2024-01-01T10:00:00+02:00", Query{Terms: terms(prop("due_date", OpLE, instant(time.Date(2024, 1, 1, 8, 0, 0, 0, time.UTC))))}},
		{"quoted date", `created>="2012-07-17"`, Query{Terms: terms(prop("created", OpGE, day(2012, time.July, 17)))}},
		{"created_at alias", "created_at<2015-05-01 type:organization", Query{ResultType: ResultOrganization, Terms: terms(prop("created", OpLT, day(2015, time.May, 1)))}},
		{"relative hours", "created>4hours", Query{Terms: terms(prop("created", OpGT, rel(4, UnitHour)))}},
		{"relative 24hours", "updated>24hours", Query{Terms: terms(prop("updated", OpGT, rel(24, UnitHour)))}},
		{"relative minutes", "updated<30minutes", Query{Terms: terms(prop("updated", OpLT, rel(30, UnitMinute)))}},
		{"relative min", "updated>5min", Query{Terms: terms(prop("updated", OpGT, rel(5, UnitMinute)))}},
		{"relative h", "created>1h", Query{Terms: terms(prop("created", OpGT, rel(1, UnitHour)))}},
		{"relative days", "created>=3days", Query{Terms: terms(prop("created", OpGE, rel(3, UnitDay)))}},
		{"relative d", "solved<2d", Query{Terms: terms(prop("solved", OpLT, rel(2, UnitDay)))}},
		{"relative weeks", "created>2weeks", Query{Terms: terms(prop("created", OpGT, rel(2, UnitWeek)))}},
		{"relative w", "created>2W", Query{Terms: terms(prop("created", OpGT, rel(2, UnitWeek)))}},
		{"relative months", "created<1months", Query{Terms: terms(prop("created", OpLT, rel(1, UnitMonth)))}},
		{"relative month", "created<=6month", Query{Terms: terms(prop("created", OpLE, rel(6, UnitMonth)))}},
		{"relative years", "created>1years", Query{Terms: terms(prop("created", OpGT, rel(1, UnitYear)))}},
		{"relative y", "created>10Y", Query{Terms: terms(prop("created", OpGT, rel(10, UnitYear)))}},
		{"relative equality", "created:4hours", Query{Terms: terms(prop("created", OpEq, rel(4, UnitHour)))}},
		{"date none", "due_date:none", Query{Terms: terms(prop("due_date", OpEq, none))}},
		{"negated date", "-solved:none", Query{Terms: terms(notProp("solved", OpEq, none))}},

		// type: as result type or ticket type.
		{"type user", "type:user tags:premium_support", Query{ResultType: ResultUser, Terms: terms(prop("tags", OpEq, word("premium_support")))}},
		{"type any case", "TYPE:Organization", Query{ResultType: ResultOrganization}},
		{"type group", "type:group", Query{ResultType: ResultGroup}},
		{"type topic", "type:topic", Query{ResultType: ResultTopic}},
		{"type repeated", "type:ticket type:ticket", Query{ResultType: ResultTicket}},
		{"type quoted", `type:"ticket"`, Query{ResultType: ResultTicket}},
		{"type incident is ticket_type", "type:incident", Query{Terms: terms(prop("ticket_type", OpEq, word("incident")))}},
		{"ticket_type", "ticket_type:Problem", Query{Terms: terms(prop("ticket_type", OpEq, word("problem")))}},
		{"ticket_type ticket stays filter", "ticket_type:ticket", Query{Terms: terms(prop("ticket_type", OpEq, word("ticket")))}},
		{"negated type task", "-type:task", Query{Terms: terms(notProp("ticket_type", OpEq, word("task")))}},
		{"type none", "type:none", Query{Terms: terms(prop("ticket_type", OpEq, none))}},
		{"type with result type and ticket type", "type:ticket type:question", Query{ResultType: ResultTicket, Terms: terms(prop("ticket_type", OpEq, word("question")))}},

		// order_by and sort.
		{"order created asc", "printer order_by:created sort:asc", Query{Terms: terms(Text{Word: "printer"}), OrderBy: "created_at", SortDesc: ptr(false)}},
		{"order updated desc", "order_by:updated sort:desc", Query{OrderBy: "updated_at", SortDesc: ptr(true)}},
		{"order commented", "order_by:commented", Query{OrderBy: "commented_at"}},
		{"order priority", "ORDER_BY:Priority", Query{OrderBy: "priority"}},
		{"order status", "order_by:status", Query{OrderBy: "status"}},
		{"order ticket_type", "order_by:ticket_type", Query{OrderBy: "ticket_type"}},
		{"order api name", "order_by:created_at", Query{OrderBy: "created_at"}},
		{"last order wins", "order_by:status order_by:priority sort:asc sort:DESC", Query{OrderBy: "priority", SortDesc: ptr(true)}},
		{"directives anywhere", "sort:asc status:open order_by:updated", Query{Terms: terms(prop("status", OpEq, word("open"))), OrderBy: "updated_at", SortDesc: ptr(false)}},

		// Limits at the edge.
		{"exactly 50 terms", strings.Repeat("a ", MaxTerms), Query{Terms: repeatText("a", MaxTerms)}},
		{"exactly 1000 characters", strings.Repeat("é", MaxQueryLength), Query{Terms: terms(Text{Word: strings.Repeat("é", MaxQueryLength)})}},
	}
	if len(cases) < 60 {
		t.Fatalf("only %d cases", len(cases))
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			got, err := Parse(tc.q)
			if err != nil {
				t.Fatalf("Parse(%q): %v", tc.q, err)
			}
			if diff := cmp.Diff(tc.want, got); diff != "" {
				t.Errorf("Parse(%q) (-want +got):\n%s", tc.q, diff)
			}
			again, err := Parse(got.String())
			if err != nil {
				t.Fatalf("Parse(%q) of the canonical form: %v", got.String(), err)
			}
			if diff := cmp.Diff(got, again); diff != "" {
				t.Errorf("round trip through %q (-want +got):\n%s", got.String(), diff)
			}
		})
	}
}

func repeatText(w string, n int) []Term {
	ts := make([]Term, n)
	for i := range ts {
		ts[i] = Text{Word: w}
	}
	return ts
}

func TestParseErrors(t *testing.T) {
	t.Parallel()
	cases := []struct {
		name string
		q    string
		want string // a fragment of the description
	}{
		{"too long", strings.Repeat("a", MaxQueryLength+1), "longer than 1000"},
		{"too long in runes", strings.Repeat("é ", MaxQueryLength/2) + "x", "longer than 1000"},
		{"too many terms", strings.Repeat("a ", MaxTerms+1), "more than 50 terms"},
		{"directives count as terms", strings.Repeat("sort:asc ", MaxTerms+1), "more than 50 terms"},
		{"invalid utf-8", "abc\xff", "UTF-8"},
		{"nul", "a\x00b", "NUL"},
		{"bad date", "created>yesterday", "is not a date"},
		{"bad day", "created:2012-02-30", "is not a date"},
		{"date wildcard", "created:2012*", "is not a date"},
		{"date me", "updated:me", "is not a date"},
		{"unknown unit", "created>4fortnights", "is not a date"},
		{"m is ambiguous", "created>4m", "is not a date"},
		{"relative too large", "created>1000001hours", "is not a date"},
		{"relative with space", `created>"4 hours"`, "is not a date"},
		{"date without zone", "created>2024-01-01T10:00:00", "is not a date"},
		{"status unknown comparison", "status<foo", "cannot be compared"},
		{"priority none comparison", "priority>none", "cannot be compared"},
		{"priority wildcard comparison", "priority>=norm*", "cannot be compared"},
		{"negated result type", "-type:ticket", "cannot be negated"},
		{"two result types", "type:ticket type:user", "two result types"},
		{"unknown order_by", "order_by:subject", "order_by:subject is not supported"},
		{"order_by comparison", "order_by>created", "order_by:<field>"},
		{"negated order_by", "-order_by:created", "order_by:<field>"},
		{"bad sort", "sort:up", "sort:asc or sort:desc"},
		{"negated sort", "-sort:asc", "sort:asc or sort:desc"},
		{"empty quoted value", `subject:""`, "value of subject is empty"},
		{"blank quoted value", `subject:"  "`, "value of subject is empty"},
		{"unbalanced empty quoted value", `subject:"`, "value of subject is empty"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			got, err := Parse(tc.q)
			if err == nil {
				t.Fatalf("Parse(%q) = %v, want an error", tc.q, got)
			}
			checkInvalid(t, err)
			if !strings.Contains(err.Error(), tc.want) {
				t.Errorf("Parse(%q) error %q does not mention %q", tc.q, err, tc.want)
			}
			if diff := cmp.Diff(Query{}, got); diff != "" {
				t.Errorf("Parse(%q) returned a query with its error (-want +got):\n%s", tc.q, diff)
			}
		})
	}
}

// checkInvalid fails unless err is the search API's "invalid" error.
func checkInvalid(t *testing.T, err error) {
	t.Helper()
	var e *errs.Error
	if !errors.As(err, &e) {
		t.Fatalf("error %v (%T) is not an *errs.Error", err, err)
	}
	if e.Kind != errs.BadRequest || e.Code != "invalid" || e.Msg == "" {
		t.Fatalf("error %#v: want kind BadRequest, code invalid and a description", e)
	}
}

func TestQueryString(t *testing.T) {
	t.Parallel()
	cases := []struct {
		q, want string
	}{
		{"", ""},
		{"  printer   fire ", "printer fire"},
		{`status:OPEN TAG:vip type:Ticket`, "type:ticket status:open tags:vip"},
		{`sort:asc -"on fire" order_by:created`, `-"on fire" order_by:created_at sort:asc`},
		{`type:incident`, "ticket_type:incident"},
		{`created>1h updated<2W solved<=3y due_date>=5min`, "created>1hours updated<2weeks solved<=3years due_date>=5minutes"},
		{`created:2012-07-17 updated<2024-01-01T10:00:00.5+02:00`, "created:2012-07-17 updated<2024-01-01T10:00:00.5+02:00"},
		{`custom_field_0123:x subject:photo* assignee:None requester:ME`, "custom_field_123:x subject:photo* assignee:none requester:me"},
		{`"unbalanced phrase`, `"unbalanced phrase"`},
		{`subject:" padded "`, `subject:"padded"`},
	}
	for _, tc := range cases {
		q, err := Parse(tc.q)
		if err != nil {
			t.Fatalf("Parse(%q): %v", tc.q, err)
		}
		if got := q.String(); got != tc.want {
			t.Errorf("Parse(%q).String() = %q, want %q", tc.q, got, tc.want)
		}
	}
}

func TestDateCutoff(t *testing.T) {
	t.Parallel()
	now := time.Date(2024, time.March, 31, 12, 0, 0, 0, time.UTC)
	cases := []struct {
		d    Date
		want time.Time
	}{
		{Date{Kind: DateRelative, Amount: 30, Unit: UnitMinute}, time.Date(2024, time.March, 31, 11, 30, 0, 0, time.UTC)},
		{Date{Kind: DateRelative, Amount: 4, Unit: UnitHour}, time.Date(2024, time.March, 31, 8, 0, 0, 0, time.UTC)},
		{Date{Kind: DateRelative, Amount: 3, Unit: UnitDay}, time.Date(2024, time.March, 28, 12, 0, 0, 0, time.UTC)},
		{Date{Kind: DateRelative, Amount: 2, Unit: UnitWeek}, time.Date(2024, time.March, 17, 12, 0, 0, 0, time.UTC)},
		// AddDate normalises February 31 to March 2 (2024 is a leap year).
		{Date{Kind: DateRelative, Amount: 1, Unit: UnitMonth}, time.Date(2024, time.March, 2, 12, 0, 0, 0, time.UTC)},
		{Date{Kind: DateRelative, Amount: 1, Unit: UnitYear}, time.Date(2023, time.March, 31, 12, 0, 0, 0, time.UTC)},
		{Date{Kind: DateDay, Time: time.Date(2012, 7, 17, 0, 0, 0, 0, time.UTC)}, time.Date(2012, 7, 17, 0, 0, 0, 0, time.UTC)},
	}
	for _, tc := range cases {
		if got := tc.d.Cutoff(now); !got.Equal(tc.want) {
			t.Errorf("%v.Cutoff(%v) = %v, want %v", tc.d, now, got, tc.want)
		}
	}
}

func TestRank(t *testing.T) {
	t.Parallel()
	if diff := cmp.Diff([]string{"new", "open", "pending", "hold", "solved", "closed"}, Ordered("status")); diff != "" {
		t.Errorf("Ordered(status) (-want +got):\n%s", diff)
	}
	if diff := cmp.Diff([]string{"low", "normal", "high", "urgent"}, Ordered("priority")); diff != "" {
		t.Errorf("Ordered(priority) (-want +got):\n%s", diff)
	}
	if got := Ordered("tags"); got != nil {
		t.Errorf("Ordered(tags) = %v, want nil", got)
	}
	Ordered("status")[0] = "mutated"
	if r, ok := Rank("status", "new"); !ok || r != 0 {
		t.Errorf("Rank(status, new) = %d, %v after mutating a copy", r, ok)
	}
	for _, tc := range []struct {
		key, v string
		want   int
		ok     bool
	}{
		{"status", "open", 1, true},
		{"status", "closed", 5, true},
		{"priority", "urgent", 3, true},
		{"priority", "open", 0, false},
		{"ticket_type", "task", 0, false},
	} {
		if got, ok := Rank(tc.key, tc.v); got != tc.want || ok != tc.ok {
			t.Errorf("Rank(%q, %q) = %d, %v; want %d, %v", tc.key, tc.v, got, ok, tc.want, tc.ok)
		}
	}
}
