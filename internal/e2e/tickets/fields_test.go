package tickets_test

import (
	"fmt"
	"net/http"
	"strings"
	"testing"

	"parley/internal/app/apptest"
)

// fieldSet is one of every custom ticket field type (§2.8).
type fieldSet struct {
	text, textarea, checkbox, date, integer, decimal, regexp, card, tagger, multi, lookup, inactive int64
	partner                                                                                         int64
}

func makeFields(e *env) fieldSet {
	e.t.Helper()
	var f fieldSet
	f.text = e.field(map[string]any{"type": "text", "title": "Text"})
	f.textarea = e.field(map[string]any{"type": "textarea", "title": "Notes"})
	f.checkbox = e.field(map[string]any{"type": "checkbox", "title": "Flag", "tag": "flagged"})
	f.date = e.field(map[string]any{"type": "date", "title": "When"})
	f.integer = e.field(map[string]any{"type": "integer", "title": "Count"})
	f.decimal = e.field(map[string]any{"type": "decimal", "title": "Price"})
	f.regexp = e.field(map[string]any{"type": "regexp", "title": "Code", "regexp_for_validation": `^[A-Z]{3}-\d+$`})
	f.card = e.field(map[string]any{"type": "partialcreditcard", "title": "Card"})
	f.tagger = e.field(map[string]any{"type": "tagger", "title": "Plan", "custom_field_options": []map[string]any{
		{"name": "Plan A", "value": "opt_a"}, {"name": "Plan B", "value": "opt_b"}}})
	f.multi = e.field(map[string]any{"type": "multiselect", "title": "Areas", "custom_field_options": []map[string]any{
		{"name": "X", "value": "ms_x"}, {"name": "Y", "value": "ms_y"}, {"name": "Z", "value": "ms_z"}}})
	f.lookup = e.field(map[string]any{"type": "lookup", "title": "Partner", "relationship_target_type": "zen:user"})
	f.inactive = e.field(map[string]any{"type": "text", "title": "Retired"})
	e.call("PUT", fmt.Sprintf("/ticket_fields/%d.json", f.inactive), map[string]any{"ticket_field": map[string]any{"active": false}}, http.StatusOK)
	f.partner = e.endUser("Pat Partner", "pat@partner.example")
	return f
}

// TestCustomFieldValues is a table of every custom field type: what a
// valid value is stored as, which tags it implies, and the 422 an invalid
// one gets (RecordInvalid; details keyed custom_fields.<id> for a bad
// value, custom_fields for an unknown or inactive field).
func TestCustomFieldValues(t *testing.T) {
	apptest.Each(t, func(t *testing.T, s *apptest.Server) {
		e := newEnv(t, s, s.Default)
		f := makeFields(e)

		cases := []struct {
			name  string
			field int64
			value any
			// want is the stored value (ok cases); nil with ok means cleared.
			want any
			ok   bool
			tags []string
			// key is the details key of the 422 (invalid cases).
			key string
		}{
			{name: "text", field: f.text, value: "hello world", want: "hello world", ok: true},
			{name: "textarea", field: f.textarea, value: "line one\nline two", want: "line one\nline two", ok: true},
			{name: "text null clears", field: f.text, value: nil, want: nil, ok: true},
			{name: "checkbox true adds its tag", field: f.checkbox, value: true, want: true, ok: true, tags: []string{"flagged"}},
			{name: "checkbox false", field: f.checkbox, value: false, want: false, ok: true},
			{name: "date", field: f.date, value: "2024-02-29", want: "2024-02-29", ok: true},
			{name: "date not a day", field: f.date, value: "2023-02-29"},
			{name: "date wrong format", field: f.date, value: "29/02/2024"},
			{name: "date words", field: f.date, value: "soon"},
			{name: "integer", field: f.integer, value: 42, want: "42", ok: true},
			{name: "integer quoted", field: f.integer, value: "42", want: "42", ok: true},
			{name: "integer negative quoted", field: f.integer, value: "-7", want: "-7", ok: true},
			{name: "integer 1.5", field: f.integer, value: 1.5},
			{name: "integer quoted 1.5", field: f.integer, value: "1.5"},
			{name: "integer letters", field: f.integer, value: "forty"},
			{name: "decimal", field: f.decimal, value: 3.25, want: "3.25", ok: true},
			{name: "decimal quoted", field: f.decimal, value: "3.25", want: "3.25", ok: true},
			{name: "decimal letters", field: f.decimal, value: "cheap"},
			{name: "regexp match", field: f.regexp, value: "ABC-123", want: "ABC-123", ok: true},
			{name: "regexp no match", field: f.regexp, value: "abc-123"},
			{name: "partialcreditcard keeps last four", field: f.card, value: "4111111111111234", want: "XXXXXXXXXXXX1234", ok: true},
			{name: "tagger option", field: f.tagger, value: "opt_a", want: "opt_a", ok: true, tags: []string{"opt_a"}},
			{name: "tagger unknown option", field: f.tagger, value: "opt_zzz"},
			{name: "multiselect options", field: f.multi, value: []string{"ms_y", "ms_x"}, ok: true, tags: []string{"ms_x", "ms_y"}},
			{name: "multiselect unknown option", field: f.multi, value: []string{"ms_x", "bogus"}},
			{name: "lookup id", field: f.lookup, value: f.partner, want: itoa(f.partner), ok: true},
			{name: "lookup not an id", field: f.lookup, value: "somebody"},
			{name: "unknown field", field: 987654, value: "x", key: "custom_fields"},
			{name: "inactive field", field: f.inactive, value: "x", key: "custom_fields"},
		}
		for _, c := range cases {
			t.Run(c.name, func(t *testing.T) {
				e := e.with(t)
				cf := []map[string]any{{"id": c.field, "value": c.value}}
				if c.ok {
					tk := e.simple("field "+c.name, map[string]any{"custom_fields": cf})
					got, listed := fieldValue(t, tk, c.field)
					switch {
					case c.name == "multiselect options":
						vals := strs(t, got)
						if len(vals) != 2 || !strings.Contains(strings.Join(vals, ","), "ms_x") || !strings.Contains(strings.Join(vals, ","), "ms_y") {
							t.Errorf("multiselect value %v", got)
						}
					case c.want == nil:
						if got != nil {
							t.Errorf("value %#v, want null", got)
						}
					case !listed || !sameJSON(got, c.want):
						t.Errorf("stored value %#v (%T), want %#v", got, got, c.want)
					}
					for _, tag := range c.tags {
						if !hasTag(t, tk, tag) {
							t.Errorf("tag %q missing: %v", tag, tk["tags"])
						}
					}
					if len(c.tags) == 0 && len(tags(t, tk)) != 0 {
						t.Errorf("unexpected tags %v", tk["tags"])
					}
					// A read returns the same.
					again, _ := fieldValue(t, e.get(id(t, tk)), c.field)
					if !sameJSON(again, got) {
						t.Errorf("GET value %#v, create answered %#v", again, got)
					}
					return
				}

				key := c.key
				if key == "" {
					key = "custom_fields." + itoa(c.field)
				}
				m := e.call("POST", "/tickets.json", map[string]any{"ticket": map[string]any{"subject": "bad " + c.name,
					"comment": map[string]any{"body": "x", "public": true}, "custom_fields": cf}}, http.StatusUnprocessableEntity)
				if m["error"] != "RecordInvalid" || m["description"] != "Record validation errors" {
					t.Errorf("422 body %v", m)
				}
				detail(t, obj(t, m, "details"), key)
				// The same value on an update is refused and changes nothing.
				tk := e.simple("good "+c.name, nil)
				before := e.get(id(t, tk))
				d := e.invalid("PUT", fmt.Sprintf("/tickets/%d.json", id(t, tk)), map[string]any{"ticket": map[string]any{
					"custom_fields": cf, "subject": "changed"}})
				detail(t, d, key)
				after := e.get(id(t, tk))
				if !sameJSON(before, after) {
					t.Errorf("a refused update changed the ticket:\n%v\n%v", before, after)
				}
			})
		}

		t.Run("field title names the problem", func(t *testing.T) {
			d := e.with(t).invalid("POST", "/tickets.json", map[string]any{"ticket": map[string]any{"subject": "x",
				"comment": map[string]any{"body": "x"}, "custom_fields": []map[string]any{{"id": f.integer, "value": "forty"}}}})
			if desc := detail(t, d, "custom_fields."+itoa(f.integer)); !strings.Contains(desc, "Count") {
				t.Errorf("description %q does not name the field", desc)
			}
		})

		t.Run("checkbox tag follows the value", func(t *testing.T) {
			e := e.with(t)
			tk := e.simple("checkbox", map[string]any{"custom_fields": []map[string]any{{"id": f.checkbox, "value": true}}, "tags": []string{"keep"}})
			wantTags(t, "checked", tk, "flagged", "keep")
			tk = e.update(id(t, tk), map[string]any{"custom_fields": []map[string]any{{"id": f.checkbox, "value": false}}})
			wantTags(t, "unchecked", tk, "keep")
			if v, _ := fieldValue(t, tk, f.checkbox); v != false {
				t.Errorf("unchecked value %#v, want false", v)
			}
			tk = e.update(id(t, tk), map[string]any{"custom_fields": []map[string]any{{"id": f.checkbox, "value": true}}})
			wantTags(t, "checked again", tk, "flagged", "keep")
		})

		t.Run("tagger swaps its tag", func(t *testing.T) {
			e := e.with(t)
			tk := e.simple("tagger", map[string]any{"custom_fields": []map[string]any{{"id": f.tagger, "value": "opt_a"}}})
			wantTags(t, "opt_a", tk, "opt_a")
			tk = e.update(id(t, tk), map[string]any{"custom_fields": []map[string]any{{"id": f.tagger, "value": "opt_b"}}})
			wantTags(t, "opt_b", tk, "opt_b")
			if v, _ := fieldValue(t, tk, f.tagger); v != "opt_b" {
				t.Errorf("tagger value %#v", v)
			}
			tk = e.update(id(t, tk), map[string]any{"custom_fields": []map[string]any{{"id": f.tagger, "value": nil}}})
			wantTags(t, "cleared", tk)
			if v, _ := fieldValue(t, tk, f.tagger); v != nil {
				t.Errorf("cleared tagger value %#v", v)
			}
		})

		t.Run("multiselect options are tags", func(t *testing.T) {
			e := e.with(t)
			tk := e.simple("multi", map[string]any{"custom_fields": []map[string]any{{"id": f.multi, "value": []string{"ms_x", "ms_y"}}}})
			wantTags(t, "x y", tk, "ms_x", "ms_y")
			tk = e.update(id(t, tk), map[string]any{"custom_fields": []map[string]any{{"id": f.multi, "value": []string{"ms_z"}}}})
			wantTags(t, "z", tk, "ms_z")
			if v, _ := fieldValue(t, tk, f.multi); !sameJSON(v, []string{"ms_z"}) {
				t.Errorf("multiselect value %#v", v)
			}
		})

		t.Run("card number never stored whole", func(t *testing.T) {
			e := e.with(t)
			tk := e.simple("card", map[string]any{"custom_fields": []map[string]any{{"id": f.card, "value": "4111111111111234"}}})
			r := e.do("GET", fmt.Sprintf("/tickets/%d/audits.json", id(t, tk)), nil)
			if strings.Contains(string(r.Body), "4111111111111234") || !strings.Contains(string(r.Body), "XXXXXXXXXXXX1234") {
				t.Errorf("audit of a card field: %s", r.Body)
			}
		})

		t.Run("fields is an alias of custom_fields on write", func(t *testing.T) {
			tk := e.with(t).simple("alias", map[string]any{"fields": []map[string]any{{"id": f.text, "value": "via fields"}}})
			if v, _ := fieldValue(t, tk, f.text); v != "via fields" {
				t.Errorf("value written through fields: %#v", v)
			}
		})
	})
}
