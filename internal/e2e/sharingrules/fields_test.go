package sharingrules_test

import (
	"fmt"
	"net/http"
	"testing"
	"time"

	"parley/internal/e2e/sharing/pair"
)

// Custom field sync (seed 003, "Sincronizzazione dei campi personalizzati"):
// fields match by title without regard to case, dropdown option tags must
// match, incompatible types are skipped while the rest syncs, only fields
// on the receiver's default form take values, system fields never sync,
// and only the side where a value changed audits the change.

var syncFields = map[string]any{"sync_custom_fields": true}

// fields are one side's custom fields, by role in the tests.
type fields struct{ camera, serial, lens, warranty int64 }

// field creates a custom ticket field on side x; options are name, value
// pairs for a dropdown.
func field(t *testing.T, x pair.Side, typ, title string, options ...[2]string) int64 {
	t.Helper()
	return fieldWith(t, x, typ, title, nil, options...)
}

// fieldWith creates a custom ticket field with extra properties.
func fieldWith(t *testing.T, x pair.Side, typ, title string, extra map[string]any, options ...[2]string) int64 {
	t.Helper()
	in := map[string]any{"type": typ, "title": title}
	for k, v := range extra {
		in[k] = v
	}
	if len(options) > 0 {
		var opts []map[string]any
		for _, o := range options {
			opts = append(opts, map[string]any{"name": o[0], "value": o[1]})
		}
		in["custom_field_options"] = opts
	}
	f := pair.Obj(t, x.Do(t, "POST", "/api/v2/ticket_fields.json", map[string]any{"ticket_field": in}, http.StatusCreated), "ticket_field")
	return pair.Num(f["id"])
}

// onDefaultForm adds fields to side x's default ticket form.
func onDefaultForm(t *testing.T, x pair.Side, add ...int64) {
	t.Helper()
	list, _ := x.Do(t, "GET", "/api/v2/ticket_forms.json", nil, http.StatusOK)["ticket_forms"].([]any)
	for _, f := range list {
		form := f.(map[string]any)
		if form["default"] != true {
			continue
		}
		next := append(ids(form["ticket_field_ids"]), add...)
		x.Do(t, "PUT", fmt.Sprintf("/api/v2/ticket_forms/%d.json", pair.Num(form["id"])),
			map[string]any{"ticket_form": map[string]any{"ticket_field_ids": next}}, http.StatusOK)
		return
	}
	t.Fatalf("%s has no default ticket form: %v", x.Name, list)
}

// setupFields gives A and B the fields of the tests: "Camera Model"
// (dropdown; B's "camera model" lacks A's nikon_z tag, and has an option
// of the same name under another tag), "Serial" (text on A, checkbox on
// B), "Lens" ("LENS" on B) and "Warranty" (not on B's default form).
func setupFields(t *testing.T, p *pair.Pair) (a, b fields) {
	t.Helper()
	a = fields{
		camera:   field(t, p.A, "tagger", "Camera Model", [2]string{"Canon EOS", "canon_eos"}, [2]string{"Nikon Z", "nikon_z"}),
		serial:   field(t, p.A, "text", "Serial"),
		lens:     field(t, p.A, "text", "Lens"),
		warranty: field(t, p.A, "text", "Warranty"),
	}
	onDefaultForm(t, p.A, a.camera, a.serial, a.lens, a.warranty)
	b = fields{
		camera:   field(t, p.B, "tagger", "camera model", [2]string{"Canon EOS", "canon_eos"}, [2]string{"Nikon Z", "nikon_zed"}),
		serial:   field(t, p.B, "checkbox", "Serial"),
		lens:     field(t, p.B, "text", "LENS"),
		warranty: field(t, p.B, "text", "Warranty"),
	}
	onDefaultForm(t, p.B, b.camera, b.serial, b.lens)
	return a, b
}

// values sets custom fields in a ticket update or create.
func values(kv ...any) []map[string]any {
	var out []map[string]any
	for i := 0; i+1 < len(kv); i += 2 {
		out = append(out, map[string]any{"id": kv[i], "value": kv[i+1]})
	}
	return out
}

// value is the ticket's value of custom field id (nil when unset).
func value(tk map[string]any, id int64) any {
	list, _ := tk["custom_fields"].([]any)
	for _, f := range list {
		if m := f.(map[string]any); pair.Num(m["id"]) == id {
			return m["value"]
		}
	}
	return nil
}

// waitValue waits until ticket id of side x has want in field fid.
func waitValue(t *testing.T, x pair.Side, id, fid int64, want any) map[string]any {
	t.Helper()
	return pair.Eventually(t, fmt.Sprintf("%s's ticket %d to have %v in field %d", x.Name, id, want, fid), func() (bool, any) {
		tk := pair.Get(t, x, id)
		if value(tk, fid) == want {
			return true, tk
		}
		return false, tk["custom_fields"]
	}).(map[string]any)
}

// Fields match by title without regard to case: values set before the
// share and changed after it reach the partner's field of that title.
func TestFieldsMatchByTitle(t *testing.T) {
	pair.Each(t, func(t *testing.T, p *pair.Pair) {
		aid, _ := p.Connect(t, syncFields)
		fa, fb := setupFields(t, p)
		aID, bID := shared(t, p, aid, "Blurry pictures", map[string]any{"custom_fields": values(fa.lens, "24mm")})
		if v := value(pair.Get(t, p.B, bID), fb.lens); v != "24mm" {
			t.Errorf("B's LENS on the received ticket = %v; want 24mm, A's Lens when it shared the ticket", v)
		}
		pair.Update(t, p.A, aID, map[string]any{"custom_fields": values(fa.camera, "canon_eos")})
		waitValue(t, p.B, bID, fb.camera, "canon_eos")
	})
}

// Fields of the same title and type sync whatever the type: a value set on
// A reads the same on B.
func TestSameTypesSync(t *testing.T) {
	pair.Each(t, func(t *testing.T, p *pair.Pair) {
		aid, _ := p.Connect(t, syncFields)
		kinds := []struct {
			typ   string
			value any
		}{{"text", "abc"}, {"textarea", "line one\nline two"}, {"integer", 42}, {"decimal", 2.5},
			{"checkbox", true}, {"date", "2024-05-17"}, {"regexp", "AB-12"}, {"multiselect", []string{"red", "blue"}}}
		var fa, fb []int64
		var set []any
		for _, k := range kinds {
			var opts [][2]string
			if k.typ == "multiselect" {
				opts = [][2]string{{"Red", "red"}, {"Blue", "blue"}, {"Green", "green"}}
			}
			in := map[string]any{}
			if k.typ == "regexp" {
				in["regexp_for_validation"] = `^[A-Z]{2}-\d+$`
			}
			fa = append(fa, fieldWith(t, p.A, k.typ, "Kind "+k.typ, in, opts...))
			fb = append(fb, fieldWith(t, p.B, k.typ, "KIND "+k.typ, in, opts...))
			set = append(set, fa[len(fa)-1], k.value)
		}
		onDefaultForm(t, p.A, fa...)
		onDefaultForm(t, p.B, fb...)
		aID, bID := shared(t, p, aid, "Every kind", nil)
		pair.Update(t, p.A, aID, map[string]any{"custom_fields": values(set...), "comment": map[string]any{"body": "all set"}})
		waitComment(t, p.B, bID, "all set")
		time.Sleep(quiet)
		ta, tb := pair.Get(t, p.A, aID), pair.Get(t, p.B, bID)
		for i, k := range kinds {
			want := value(ta, fa[i])
			if want == nil {
				t.Errorf("A's %s field did not take %v", k.typ, k.value)
				continue
			}
			if got := value(tb, fb[i]); fmt.Sprint(got) != fmt.Sprint(want) {
				t.Errorf("B's %s field = %#v; want %#v, A's value (same title, same type)", k.typ, got, want)
			}
		}
	})
}

// A dropdown value travels only when the receiver's field has an option
// with the same tag: an option of the same name under another tag does
// not count. The rest of the update still arrives.
func TestDropdownTagsMustMatch(t *testing.T) {
	pair.Each(t, func(t *testing.T, p *pair.Pair) {
		aid, _ := p.Connect(t, syncFields)
		fa, fb := setupFields(t, p)
		aID, bID := shared(t, p, aid, "Which camera", nil)
		pair.Update(t, p.A, aID, map[string]any{"custom_fields": values(fa.camera, "nikon_z", fa.lens, "50mm"),
			"comment": map[string]any{"body": "it is a Nikon"}})
		waitComment(t, p.B, bID, "it is a Nikon")
		tk := waitValue(t, p.B, bID, fb.lens, "50mm")
		if v := value(tk, fb.camera); v != nil {
			t.Errorf("B's camera model = %v; want it empty (B has no option tagged nikon_z)", v)
		}
	})
}

// An incompatible field (text on A, checkbox on B) is skipped; a
// compatible field and the comment of the same update still arrive.
func TestIncompatibleTypesSkipped(t *testing.T) {
	pair.Each(t, func(t *testing.T, p *pair.Pair) {
		aid, _ := p.Connect(t, syncFields)
		fa, fb := setupFields(t, p)
		aID, bID := shared(t, p, aid, "Serial please", nil)
		pair.Update(t, p.A, aID, map[string]any{"custom_fields": values(fa.serial, "SN-1", fa.lens, "50mm"),
			"comment": map[string]any{"body": "serial noted"}})
		waitComment(t, p.B, bID, "serial noted")
		tk := waitValue(t, p.B, bID, fb.lens, "50mm")
		if v := value(tk, fb.serial); v != nil && v != false {
			t.Errorf("B's Serial (checkbox) = %v; want it empty (A's Serial is text, an incompatible type)", v)
		}
	})
}

// A value the receiver's field cannot hold (text on A, a regexp field on
// B that refuses it) is skipped like an incompatible type, and the other
// values still arrive: when the ticket is shared and on later updates.
func TestUnfitValueSkipped(t *testing.T) {
	pair.Each(t, func(t *testing.T, p *pair.Pair) {
		aid, _ := p.Connect(t, syncFields)
		fa, fb := setupFields(t, p)
		codeA := field(t, p.A, "text", "Code")
		codeB := fieldWith(t, p.B, "regexp", "Code", map[string]any{"regexp_for_validation": `^\d+$`})
		onDefaultForm(t, p.A, codeA)
		onDefaultForm(t, p.B, codeB)

		aID, bID := shared(t, p, aid, "Odd code", map[string]any{"custom_fields": values(codeA, "abc", fa.lens, "24mm")})
		tk := pair.Get(t, p.B, bID)
		if v := value(tk, fb.lens); v != "24mm" {
			t.Errorf("B's LENS on the received ticket = %v; want 24mm (only Code, which B refuses, is skipped)", v)
		}
		if v := value(tk, codeB); v != nil {
			t.Errorf("B's Code on the received ticket = %v; want it empty (abc does not match ^\\d+$)", v)
		}

		pair.Update(t, p.A, aID, map[string]any{"custom_fields": values(codeA, "xyz", fa.lens, "50mm"),
			"comment": map[string]any{"body": "code again"}})
		waitComment(t, p.B, bID, "code again")
		if v := value(waitValue(t, p.B, bID, fb.lens, "50mm"), codeB); v != nil {
			t.Errorf("B's Code = %v after A's update; want it empty (xyz does not match ^\\d+$)", v)
		}
	})
}

// Only fields on the receiver's default form take values: the same field
// takes them once it is added to that form.
func TestOnlyDefaultFormFields(t *testing.T) {
	pair.Each(t, func(t *testing.T, p *pair.Pair) {
		aid, _ := p.Connect(t, syncFields)
		fa, fb := setupFields(t, p)
		aID, bID := shared(t, p, aid, "Warranty claim", nil)
		pair.Update(t, p.A, aID, map[string]any{"custom_fields": values(fa.warranty, "2 years", fa.lens, "35mm"),
			"comment": map[string]any{"body": "under warranty"}})
		waitComment(t, p.B, bID, "under warranty")
		tk := waitValue(t, p.B, bID, fb.lens, "35mm")
		if v := value(tk, fb.warranty); v != nil {
			t.Errorf("B's Warranty = %v; want it empty (the field is not on B's default form)", v)
		}

		onDefaultForm(t, p.B, fb.warranty)
		pair.Update(t, p.A, aID, map[string]any{"custom_fields": values(fa.warranty, "3 years")})
		waitValue(t, p.B, bID, fb.warranty, "3 years")
	})
}

// System fields never sync, either way, while custom fields and comments
// of the same updates do.
func TestSystemFieldsDoNotSync(t *testing.T) {
	pair.Each(t, func(t *testing.T, p *pair.Pair) {
		aid, _ := p.Connect(t, syncFields)
		fa, fb := setupFields(t, p)
		aID, bID := shared(t, p, aid, "Priority check", nil)
		before := pair.Get(t, p.B, bID)

		pair.Update(t, p.A, aID, map[string]any{"priority": "urgent", "type": "incident",
			"custom_fields": values(fa.lens, "70mm"), "comment": map[string]any{"body": "urgent on A"}})
		waitComment(t, p.B, bID, "urgent on A")
		after := waitValue(t, p.B, bID, fb.lens, "70mm")
		for _, f := range []string{"priority", "type"} {
			if after[f] != before[f] {
				t.Errorf("B's %s went from %v to %v after A's update; system fields never sync", f, before[f], after[f])
			}
		}

		pair.Update(t, p.B, bID, map[string]any{"priority": "low",
			"custom_fields": values(fb.lens, "100mm"), "comment": map[string]any{"body": "low on B"}})
		waitComment(t, p.A, aID, "low on B")
		if got := waitValue(t, p.A, aID, fa.lens, "100mm")["priority"]; got != "urgent" {
			t.Errorf("A's priority = %v after B set low; want urgent (system fields never sync)", got)
		}
	})
}

// Only the side where a value changed records the change: the other side
// has the value and no audit event about its field, in both directions.
func TestOnlyChangingSideAudits(t *testing.T) {
	pair.Each(t, func(t *testing.T, p *pair.Pair) {
		aid, _ := p.Connect(t, syncFields)
		fa, fb := setupFields(t, p)
		aID, bID := shared(t, p, aid, "Who changed it", nil)

		pair.Update(t, p.A, aID, map[string]any{"custom_fields": values(fa.lens, "85mm")})
		waitValue(t, p.B, bID, fb.lens, "85mm")
		if e := fieldEvent(t, p.A, aID, fa.lens); e == nil || e["type"] != "Change" || e["value"] != "85mm" {
			t.Errorf("A's audit event for its Lens = %v; want a Change to 85mm", e)
		}
		if e := fieldEvent(t, p.B, bID, fb.lens); e != nil {
			t.Errorf("B's audits have an event for its LENS %v; only A, where the value changed, records it", e)
		}

		pair.Update(t, p.B, bID, map[string]any{"custom_fields": values(fb.camera, "canon_eos")})
		waitValue(t, p.A, aID, fa.camera, "canon_eos")
		if e := fieldEvent(t, p.B, bID, fb.camera); e == nil || e["type"] != "Change" || e["value"] != "canon_eos" {
			t.Errorf("B's audit event for its camera model = %v; want a Change to canon_eos", e)
		}
		if e := fieldEvent(t, p.A, aID, fa.camera); e != nil {
			t.Errorf("A's audits have an event for its Camera Model %v; only B, where the value changed, records it", e)
		}
	})
}

// fieldEvent is the last audit event of ticket id on side x about custom
// field fid, or nil.
func fieldEvent(t *testing.T, x pair.Side, id, fid int64) map[string]any {
	t.Helper()
	var last map[string]any
	for _, a := range audits(t, x, id) {
		for _, e := range events(a) {
			if e["field_name"] == idStr(fid) {
				last = e
			}
		}
	}
	return last
}

// Values travel only under an agreement with sync_custom_fields: the same
// update reaches the partner through both agreements, and only the one
// that syncs fields carries them.
func TestFieldsNeedSyncTerm(t *testing.T) {
	pair.Each(t, func(t *testing.T, p *pair.Pair) {
		withSync, _ := p.Connect(t, syncFields)
		without, _ := p.Connect(t, map[string]any{"sync_custom_fields": false})
		fa, fb := setupFields(t, p)
		lens := map[string]any{"custom_fields": values(fa.lens, "24mm")}
		syncA, syncB := shared(t, p, withSync, "Fields travel", lens)
		plainA, plainB := shared(t, p, without, "Fields stay", lens)

		for _, id := range []int64{syncA, plainA} {
			pair.Update(t, p.A, id, map[string]any{"custom_fields": values(fa.camera, "canon_eos"),
				"comment": map[string]any{"body": "camera set"}})
		}
		waitValue(t, p.B, syncB, fb.camera, "canon_eos")
		waitComment(t, p.B, plainB, "camera set")
		time.Sleep(quiet)
		tk := pair.Get(t, p.B, plainB)
		for _, f := range []struct {
			name string
			id   int64
		}{{"LENS (set before sharing)", fb.lens}, {"camera model (set after)", fb.camera}} {
			if v := value(tk, f.id); v != nil {
				t.Errorf("B's %s = %v on a ticket shared without sync_custom_fields; want it empty", f.name, v)
			}
		}
		if v := value(pair.Get(t, p.B, syncB), fb.lens); v != "24mm" {
			t.Errorf("B's LENS = %v on the ticket shared with sync_custom_fields; want 24mm", v)
		}
	})
}
