package rule

import (
	"encoding/json"
	"math/rand/v2"
	"time"
)

// The generator builds tickets and condition sets for the property,
// fuzz and benchmark tests from a fixed seed.

var genNow = time.Date(2024, 3, 20, 12, 0, 0, 0, time.UTC)

// genUser is a requester or agent of the generated account.
type genUser struct {
	id     int64
	role   string
	locale *string
}

func sp(s string) *string { return &s }

var genUsers = []genUser{
	{10, "agent", nil}, {11, "admin", sp("de")}, {12, "agent", sp("en-US")},
	{20, "end-user", sp("en-US")}, {21, "end-user", nil}, {22, "end-user", sp("es")},
	{23, "end-user", sp("de")}, {24, "end-user", sp("xx")}, {25, "end-user", sp("en-GB")},
}

// genTicket is a generated ticket: its rule view and what to store.
type genTicket struct {
	t         Ticket
	channel   string
	priority  *string
	typ       *string
	recipient *string
	fields    map[int64]string // stored JSON text, "null" included
}

var (
	genChannels = []string{"web", "email", "api", "voice", "voicemail", "rule", "ticket_sharing", "mobile", "foo"}
	genTexts    = []string{"Printer on fire!", "e-mail broken, help", "refund? please", "Invoice #42 (again)",
		"the PRINTER, again", "", "multi\nline printer\ttab", "a_b and vip", "fire-help", "emails", "Refund"}
	genTags      = []string{"vip", "printer", "billing", "urgent_fix", "a_b"}
	genFieldVals = map[int64][]any{101: {"abc", "ABC", "", "12", "true", `x"y`, "a,b"}, 102: {true, false},
		103: {"opt_a", "opt_b"}, 104: {[]string{"m1"}, []string{"m1", "m2"}, []string{}, []string{"true"}, []string{`x"m1`}},
		105: {int64(12), int64(0), int64(-3)}, 106: {12.5, 0.25}, 107: {"2024-03-18", "2024-03-20", "2024-02-01", "2024-03-21", "2024-03-13"}}
	genRecipients = []*string{nil, sp("support@a.example"), sp("Help@A.example"), sp("")}
)

func pick[T any](r *rand.Rand, xs []T) T { return xs[r.IntN(len(xs))] }

// halfHours is a time k half-hours before (negative: after) genNow.
func halfHours(k int) time.Time { return genNow.Add(-time.Duration(k) * 30 * time.Minute) }

func optTime(r *rand.Rand, lo, hi int) *time.Time {
	if r.IntN(4) == 0 {
		return nil
	}
	t := halfHours(lo + r.IntN(hi-lo+1))
	return &t
}

func genTickets(r *rand.Rand, n int) []genTicket {
	out := make([]genTicket, n)
	for i := range out {
		g := &out[i]
		t := &g.t
		t.ID = int64(i + 1)
		t.Status = pick(r, statuses)
		t.CustomStatusID = int64(1 + r.IntN(6))
		if p := pick(r, priorities); p != "" {
			g.priority, t.Priority = sp(p), p
		}
		if ty := pick(r, types); ty != "" {
			g.typ, t.Type = sp(ty), ty
		}
		t.GroupID = int64(r.IntN(4))
		t.AssigneeID = pick(r, []int64{0, 10, 11, 12, 20})
		req := genUsers[3+r.IntN(6)]
		t.RequesterID, t.SubmitterID = req.id, req.id
		t.LocaleID = LocaleID(req.locale)
		t.RequesterRole = req.role
		t.OrganizationID = int64(r.IntN(3))
		t.BrandID = int64(r.IntN(3))
		t.TicketFormID = int64(r.IntN(3))
		g.channel = pick(r, genChannels)
		t.ViaID = ViaNumber(g.channel)
		g.recipient = pick(r, genRecipients)
		if g.recipient != nil {
			t.Recipient = *g.recipient
		}
		if n := int64(r.IntN(4)); n > 0 {
			t.SharedFrom = []int64{n} // received through agreement n
		}
		if n := int64(r.IntN(4)); n > 0 {
			t.SharedTo = []int64{n}
		}
		t.IsPublic = r.IntN(3) > 0
		t.Satisfaction = pick(r, []string{"unoffered", "offered", "good", "bad"})
		t.Reopens, t.Replies = r.IntN(3), r.IntN(3)
		t.Subject, t.Description = pick(r, genTexts), pick(r, genTexts)
		for _, tag := range genTags {
			if r.IntN(3) == 0 {
				t.Tags = append(t.Tags, tag)
			}
		}
		g.fields = map[int64]string{}
		t.Fields = map[int64]any{}
		for fid, vals := range genFieldVals {
			switch r.IntN(5) {
			case 0, 1:
				continue
			case 2:
				if r.IntN(4) == 0 {
					g.fields[fid] = "null"
					continue
				}
			}
			b, _ := json.Marshal(pick(r, vals))
			g.fields[fid] = string(b)
			var back any
			_ = json.Unmarshal(b, &back)
			t.Fields[fid] = FieldValue(back)
		}
		created := 4 + r.IntN(400)
		t.CreatedAt = halfHours(created)
		t.UpdatedAt = halfHours(r.IntN(created + 1))
		if s := optTime(r, 0, created); s != nil {
			t.StatusUpdatedAt = *s
		}
		t.AssignedAt = optTime(r, 0, created)
		t.RequesterUpdatedAt = optTime(r, 0, created)
		t.AssigneeUpdatedAt = optTime(r, 0, created)
		t.DueAt = optTime(r, -300, 300)
		if t.Status == "solved" || t.Status == "closed" {
			t.SolvedAt = optTime(r, 0, created)
		}
	}
	return out
}

// genValues are the condition values tried for each view/automation
// field: valid ones, edge cases and a few invalid ones.
var genValues = map[string][]any{
	"status":           {"new", "open", "pending", "hold", "solved", "closed", "SOLVED", "bogus"},
	"custom_status_id": {1, "2", 3.0, "", "x", "1 2", []any{3, "4"}, 9},
	"priority":         {"", "low", "normal", "high", "urgent", "none", "bogus"},
	"type":             {"", "question", "incident", "problem", "task", "x"},
	"group_id":         {"", 1, "2", 3, "x", nil, "current_user"},
	"assignee_id":      {"", 10, "11", "current_user", "requester_id", "x", 20},
	"requester_id":     {"", 20, "21", "current_user", 25},
	"organization_id":  {"", 1, "2"},
	"brand_id":         {"", 1, "2", "x"},
	"ticket_form_id":   {"", 1, 2},
	"current_tags":     {"vip", "VIP printer", "", "nope", []any{"billing", "x"}, "a_b"},
	"via_id":           {0, 4, 5, "34", 33, 31, -1, "x", "4 5", []any{29, "34"}, 8},
	"recipient":        {"support@a.example", "HELP@a.example", "", "x"},
	"ticket_is_public": {"public", "private"},
	"description_includes_word": {"printer", "e-mail", "fire help", "PRINTER", "refund?", "#42", "a_b", "",
		"again)", "email", "on fire", "b and"},
	"satisfaction_score": {"unoffered", "offered", "good", "bad", ""},
	"locale_id":          {1, 2, "8", 16, 1176, "x"},
	"received_from":      {1, "2", 3, "x"},
	"sent_to":            {"2", 1, 3},
}

var genFieldCondVals = []any{"abc", "12", "12.5", "0.25", "true", "false", true, false, "opt_a", "m1", "m2",
	"2024-03-18", "", `x"y`, "null", "-3", "m1 m2", "opt_a opt_b", []any{"m2", "abc"}, "a,b", `x"m1`}

var genHours = []any{0, 1, 2, 5, 24, 48, 96, 200, "12", "x", -1}

// genCondition draws one condition a view or automation may hold.
func genCondition(r *rand.Rand) Condition {
	var names []string
	for _, s := range specs {
		if s.where.has(View) || s.where.has(Automation) {
			names = append(names, s.name)
		}
	}
	names = append(names, "custom_fields_101", "custom_fields_102", "custom_fields_103", "custom_fields_104",
		"custom_fields_105", "custom_fields_106", "custom_fields_107", "custom_fields_999")
	field := pick(r, names)
	s, _, _ := lookup(field)
	var ops []string
	for _, op := range s.ops {
		if !changeOp(canonOp(op)) {
			ops = append(ops, op)
		}
	}
	if s.defaultOp != "" {
		ops = append(ops, "")
	}
	op := pick(r, ops)
	var v any
	switch {
	case s.val == vHours:
		v = pick(r, genHours)
	case s.val == vField:
		v = pick(r, genFieldCondVals)
		if canonOp(op) == opWithinPrevDays {
			v = pick(r, []any{0, 1, 2, 5, 60, "3"})
		}
	default:
		v = pick(r, genValues[field])
	}
	if terminalOp(op) {
		v = nil
	}
	return Condition{Field: field, Operator: op, Value: v}
}

func genConditions(r *rand.Rand) Conditions {
	var c Conditions
	for range 1 + r.IntN(3) {
		c.All = append(c.All, genCondition(r))
	}
	for range r.IntN(3) {
		c.Any = append(c.Any, genCondition(r))
	}
	return c
}
