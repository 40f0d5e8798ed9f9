package share

import (
	"encoding/json"
	"testing"
	"time"

	"parley/internal/ticket"
)

// The spec's own example: "mycompany.net/sharing/tickets/1" hashes to
// ed46838b...4260.
func TestUUID(t *testing.T) {
	got := UUID("mycompany.net/sharing", "tickets", 1)
	if got != "ed46838bfb41461e4f3b16ba471162c8e2764260" {
		t.Errorf("UUID = %s; want the spec's ed46838b...4260", got)
	}
	if UUID("mycompany.net/sharing/", "tickets", 1) != got {
		t.Error("a trailing slash on the sharing URL changed the uuid")
	}
	for _, s := range []string{got, "ED46838BFB41461E4F3B16BA471162C8E2764260"} {
		if !validUUID(s) {
			t.Errorf("validUUID(%q) = false", s)
		}
	}
	for _, s := range []string{"", "ed46838b", got + "0", "zd46838bfb41461e4f3b16ba471162c8e2764260"} {
		if validUUID(s) {
			t.Errorf("validUUID(%q) = true", s)
		}
	}
}

func TestWireTime(t *testing.T) {
	want := time.Date(2010, 11, 24, 22, 13, 54, 0, time.UTC)
	for _, s := range []string{"2010-11-24 14:13:54 -0800", "2010-11-24T14:13:54-08:00", "2010-11-24T22:13:54Z",
		" 2010-11-24 22:13:54 +0000 "} {
		got, ok := parseWireTime(s)
		if !ok || !got.Equal(want) {
			t.Errorf("parseWireTime(%q) = %v, %v; want %v", s, got, ok, want)
		}
	}
	for _, s := range []string{"", "yesterday", "2010-13-45 99:99:99 +0000"} {
		if _, ok := parseWireTime(s); ok {
			t.Errorf("parseWireTime(%q) accepted", s)
		}
	}
	if s := want.In(time.FixedZone("", -8*3600)).Format(wireTime); s != "2010-11-24 14:13:54 -0800" {
		t.Errorf("wireTime formats %q; want the spec's layout", s)
	}
}

// Status mapping (seed 003): every status matches except pending, which
// is open on the other side; custom statuses travel as their category.
func TestStatusMapping(t *testing.T) {
	for in, want := range map[string]string{"new": "new", "open": "open", "pending": "open", "hold": "hold",
		"solved": "solved", "closed": "closed"} {
		if got := wireStatus(in); got != want {
			t.Errorf("wireStatus(%s) = %s; want %s", in, got, want)
		}
	}
	for in, want := range map[string]string{"new": "new", "Open": "open", "pending": "open", "hold": "hold",
		"on-hold": "hold", "solved": "solved", "resolved": "solved", "closed": "closed", "stalled": "", "": ""} {
		if got := localStatus(in); got != want {
			t.Errorf("localStatus(%q) = %q; want %q", in, got, want)
		}
	}
	full := Agreement{Terms: Terms{AllowsPublicComments: true}}
	st := func(s string) WireTicket { return WireTicket{Status: &s} }
	cases := []struct {
		ag       Agreement
		in       WireTicket
		cur      string
		want     string
		wantNone bool
	}{
		{full, st("pending"), "new", "open", false},
		{full, st("solved"), "open", "solved", false},
		{full, st("closed"), "open", "solved", false}, // each side closes its own
		{full, st("closed"), "solved", "closed", false},
		{full, st("open"), "open", "", true},
		{full, st("bogus"), "open", "", true},
		{full, WireTicket{}, "open", "", true},
		{Agreement{}, st("solved"), "open", "", true}, // private terms: no status sync
	}
	for _, c := range cases {
		got := statusInput(c.ag, c.in, c.cur)
		if c.wantNone != !got.Set || (got.Set && got.V != c.want) {
			t.Errorf("statusInput(%v, %v, %s) = %+v; want %q (none: %v)", c.ag.Terms, c.in.Status, c.cur, got, c.want, c.wantNone)
		}
	}
}

// Custom fields match by compatible type; dropdown values need the same
// option tag on both sides.
func TestCompatible(t *testing.T) {
	dropdown := ticket.Field{Type: "tagger", Options: []ticket.FieldOption{{Value: "canon_eos"}}}
	multi := ticket.Field{Type: "multiselect", Options: []ticket.FieldOption{{Value: "a"}, {Value: "b"}}}
	cases := []struct {
		f    ticket.Field
		typ  string
		val  any
		ok   bool
		want any
	}{
		{ticket.Field{Type: "text"}, "textarea", "hello", true, "hello"},
		{ticket.Field{Type: "text"}, "checkbox", true, false, nil},
		{ticket.Field{Type: "checkbox"}, "", true, true, true},
		{ticket.Field{Type: "checkbox"}, "", "yes", false, nil},
		{ticket.Field{Type: "integer"}, "decimal", 4.5, false, nil},
		{ticket.Field{Type: "integer"}, "integer", 4.0, true, 4.0},
		{ticket.Field{Type: "decimal"}, "integer", 4.0, true, 4.0},
		{ticket.Field{Type: "date"}, "date", "2026-12-07", true, "2026-12-07"},
		{dropdown, "tagger", "canon_eos", true, "canon_eos"},
		{dropdown, "tagger", "nikon", false, nil},
		{dropdown, "text", "canon_eos", false, nil},
		{multi, "multiselect", []any{"a", "b"}, true, []any{"a", "b"}},
		{multi, "multiselect", []any{"a", "z"}, false, nil},
		{ticket.Field{Type: "text"}, "text", nil, true, nil}, // a cleared value
	}
	for _, c := range cases {
		got, ok := compatible(c.f, c.typ, c.val)
		g, _ := json.Marshal(got)
		w, _ := json.Marshal(c.want)
		if ok != c.ok || (ok && string(g) != string(w)) {
			t.Errorf("compatible(%s, %q, %v) = %v, %v; want %v, %v", c.f.Type, c.typ, c.val, got, ok, c.want, c.ok)
		}
	}
}

// Only tags people changed travel; a rule's changes stay home.
func TestHumanTagChanges(t *testing.T) {
	rule := ticket.RuleVia(ticket.RuleRef{Kind: "trigger", ID: 1, Title: "t"})
	events := []ticket.Event{
		{Type: "Change", FieldName: "tags", Value: []string{"a", "b"}, PreviousValue: []string{"a", "old"}},
		{Type: "Change", FieldName: "tags", Value: []any{"a", "b", "ruled"}, PreviousValue: []any{"a", "b"}, Via: rule},
		{Type: "Change", FieldName: "status", Value: "open", PreviousValue: "new"},
	}
	added, removed := humanTagChanges(events)
	if len(added) != 1 || added[0] != "b" || len(removed) != 1 || removed[0] != "old" {
		t.Errorf("humanTagChanges = +%v -%v; want +[b] -[old]", added, removed)
	}
}

// Numbers are stored as strings ("42"): a partner's value in either form
// fits a number field of ours, and patterns are checked as any write does.
func TestCompatibleNumbersAndPatterns(t *testing.T) {
	pattern := `^\d+$`
	cases := []struct {
		f   ticket.Field
		typ string
		val any
		ok  bool
	}{
		{ticket.Field{Type: "integer"}, "integer", "42", true},
		{ticket.Field{Type: "integer"}, "integer", "2.5", false},
		{ticket.Field{Type: "decimal"}, "decimal", "2.5", true},
		{ticket.Field{Type: "decimal"}, "integer", "42", true},
		{ticket.Field{Type: "integer"}, "integer", "forty", false},
		{ticket.Field{Type: "regexp", RegexpForValidation: &pattern}, "text", "123", true},
		{ticket.Field{Type: "regexp", RegexpForValidation: &pattern}, "text", "abc", false},
	}
	for _, c := range cases {
		if _, ok := compatible(c.f, c.typ, c.val); ok != c.ok {
			t.Errorf("compatible(%s, %q, %v) = %v; want %v", c.f.Type, c.typ, c.val, ok, c.ok)
		}
	}
}
