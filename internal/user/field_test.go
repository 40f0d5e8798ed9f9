package user_test

import (
	"testing"

	"github.com/google/go-cmp/cmp"

	"parley/internal/auth"
	"parley/internal/platform/db"
	"parley/internal/platform/db/dbtest"
	"parley/internal/platform/errs"
	"parley/internal/platform/opt"
	"parley/internal/user"
)

// fieldSet creates one user field of every type, plus an inactive one.
func fieldSet(t *testing.T, e *env) {
	t.Helper()
	options := func(vs ...string) opt.Opt[[]user.OptionInput] {
		var out []user.OptionInput
		for _, v := range vs {
			out = append(out, user.OptionInput{Name: "Option " + v, Value: v})
		}
		return opt.Of(out)
	}
	for _, in := range []user.FieldInput{
		{Key: opt.Of("f_text"), Type: opt.Of("text")},
		{Key: opt.Of("f_area"), Type: opt.Of("textarea")},
		{Key: opt.Of("f_check"), Type: opt.Of("checkbox"), Tag: opt.Of("Checked_Tag")},
		{Key: opt.Of("f_date"), Type: opt.Of("date")},
		{Key: opt.Of("f_int"), Type: opt.Of("integer")},
		{Key: opt.Of("f_dec"), Type: opt.Of("decimal")},
		{Key: opt.Of("f_re"), Type: opt.Of("regexp"), RegexpForValidation: opt.Of(`\A[A-Z]{2}-\d+\z`)},
		{Key: opt.Of("f_drop"), Type: opt.Of("dropdown"), CustomFieldOptions: options("gold", "silver")},
		{Key: opt.Of("f_multi"), Type: opt.Of("multiselect"), CustomFieldOptions: options("red", "blue", "green")},
		{Key: opt.Of("f_look"), Type: opt.Of("lookup"), RelationshipTargetType: opt.Of("zen:user")},
		{Key: opt.Of("f_off"), Type: opt.Of("text"), Active: opt.Of(false)},
	} {
		in.Title = opt.Of("Field " + in.Key.V)
		e.mustField(t, user.ResourceUser, in)
	}
}

func TestUserFieldValues(t *testing.T) {
	t.Parallel()
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		e := newEnv(t, d)
		fieldSet(t, e)
		invalid := func(key string) map[string][]string {
			return map[string][]string{"user_fields." + key: {"InvalidValue"}}
		}
		// Values are sent as JSON and compared after a reload, so numbers
		// come back as float64 and lists as []any.
		for _, tc := range []struct {
			name    string
			fields  string
			want    map[string]any
			wantErr map[string][]string
		}{
			{"text", `{"f_text": "hello"}`, map[string]any{"f_text": "hello"}, nil},
			{"text must be a string", `{"f_text": 5}`, nil, invalid("f_text")},
			{"textarea", `{"f_area": "line 1\nline 2"}`, map[string]any{"f_area": "line 1\nline 2"}, nil},
			{"checkbox true", `{"f_check": true}`, map[string]any{"f_check": true}, nil},
			{"checkbox quoted false", `{"f_check": "false"}`, map[string]any{"f_check": false}, nil},
			{"checkbox yes", `{"f_check": "yes"}`, nil, invalid("f_check")},
			{"date", `{"f_date": "2024-02-29"}`, map[string]any{"f_date": "2024-02-29"}, nil},
			{"date as a UTC timestamp", `{"f_date": "2024-02-29T23:30:00Z"}`, map[string]any{"f_date": "2024-02-29"}, nil},
			{"date as an offset timestamp is taken in UTC", `{"f_date": "2024-02-29T23:30:00-05:00"}`,
				map[string]any{"f_date": "2024-03-01"}, nil},
			{"date that does not exist", `{"f_date": "2023-02-29"}`, nil, invalid("f_date")},
			{"date in another format", `{"f_date": "29/02/2024"}`, nil, invalid("f_date")},
			{"date as a number", `{"f_date": 20240229}`, nil, invalid("f_date")},
			{"integer", `{"f_int": 42}`, map[string]any{"f_int": 42.0}, nil},
			{"integer quoted", `{"f_int": "42"}`, map[string]any{"f_int": 42.0}, nil},
			{"integer quoted with spaces", `{"f_int": " -7 "}`, map[string]any{"f_int": -7.0}, nil},
			{"integer with a fraction", `{"f_int": 4.5}`, nil, invalid("f_int")},
			{"integer quoted with a fraction", `{"f_int": "4.5"}`, nil, invalid("f_int")},
			{"integer as a word", `{"f_int": "many"}`, nil, invalid("f_int")},
			{"decimal", `{"f_dec": 1.25}`, map[string]any{"f_dec": 1.25}, nil},
			{"decimal quoted", `{"f_dec": "3.5"}`, map[string]any{"f_dec": 3.5}, nil},
			{"decimal NaN", `{"f_dec": "NaN"}`, nil, invalid("f_dec")},
			{"decimal as a word", `{"f_dec": "lots"}`, nil, invalid("f_dec")},
			{"regexp match", `{"f_re": "AB-12"}`, map[string]any{"f_re": "AB-12"}, nil},
			{"regexp wrong case", `{"f_re": "ab-12"}`, nil, invalid("f_re")},
			{"regexp anchored at the end", `{"f_re": "AB-12 and more"}`, nil, invalid("f_re")},
			{"dropdown option value", `{"f_drop": "gold"}`, map[string]any{"f_drop": "gold"}, nil},
			{"dropdown option name is not a value", `{"f_drop": "Option gold"}`, nil, invalid("f_drop")},
			{"dropdown unknown value", `{"f_drop": "bronze"}`, nil, invalid("f_drop")},
			{"dropdown empty clears", `{"f_drop": ""}`, map[string]any{}, nil},
			{"multiselect is sorted", `{"f_multi": ["red", "blue"]}`, map[string]any{"f_multi": []any{"blue", "red"}}, nil},
			{"multiselect empty clears the value", `{"f_multi": []}`, map[string]any{}, nil},
			{"multiselect unknown value", `{"f_multi": ["red", "pink"]}`, nil, invalid("f_multi")},
			{"multiselect not a list", `{"f_multi": "red"}`, nil, invalid("f_multi")},
			{"lookup id", `{"f_look": 12}`, map[string]any{"f_look": 12.0}, nil},
			{"lookup quoted id", `{"f_look": "12"}`, map[string]any{"f_look": 12.0}, nil},
			{"lookup zero", `{"f_look": 0}`, nil, invalid("f_look")},
			{"lookup negative", `{"f_look": "-3"}`, nil, invalid("f_look")},
			{"lookup fraction", `{"f_look": 1.5}`, nil, invalid("f_look")},
			{"null is no value", `{"f_text": null}`, map[string]any{}, nil},
			{"unknown keys are ignored", `{"nope": "x", "f_text": "kept"}`, map[string]any{"f_text": "kept"}, nil},
			{"inactive fields are ignored", `{"f_off": "x"}`, map[string]any{}, nil},
			{"every bad field is reported", `{"f_int": "x", "f_dec": "y", "f_text": "fine"}`, nil,
				map[string][]string{"user_fields.f_int": {"InvalidValue"}, "user_fields.f_dec": {"InvalidValue"}}},
		} {
			t.Run(tc.name, func(t *testing.T) {
				u, err := e.svc.CreateUser(e.admin, user.Input{Name: opt.Of(tc.name), UserFields: opt.Of(jsonMap(t, tc.fields))})
				if tc.wantErr != nil {
					if diff := cmp.Diff(tc.wantErr, fieldCodes(err)); diff != "" {
						t.Errorf("error %v: details (-want +got):\n%s", err, diff)
					}
					return
				}
				if err != nil {
					t.Fatalf("CreateUser: %v", err)
				}
				if diff := cmp.Diff(tc.want, e.mustGet(t, u.ID).Fields); diff != "" {
					t.Errorf("user_fields (-want +got):\n%s", diff)
				}
			})
		}
	})
}

func TestCheckboxTag(t *testing.T) {
	t.Parallel()
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		e := newEnv(t, d)
		fieldSet(t, e)
		u := mustUser(t, e.admin, e.svc, user.Input{Name: opt.Of("Cat"), Tags: opt.Of([]string{"keep"}),
			UserFields: opt.Of(map[string]any{"f_check": true})})
		if diff := cmp.Diff([]string{"checked_tag", "keep"}, u.Tags); diff != "" {
			t.Errorf("tags after create with the box ticked (-want +got):\n%s", diff)
		}
		for _, step := range []struct {
			name string
			in   user.Input
			want []string
		}{
			{"unticking removes the tag", user.Input{UserFields: opt.Of(map[string]any{"f_check": false})}, []string{"keep"}},
			{"ticking adds it", user.Input{UserFields: opt.Of(map[string]any{"f_check": "true"})}, []string{"checked_tag", "keep"}},
			{"null removes it", user.Input{UserFields: opt.Of(map[string]any{"f_check": nil})}, []string{"keep"}},
			{"ticking with new tags sent", user.Input{Tags: opt.Of([]string{"new"}), UserFields: opt.Of(map[string]any{"f_check": true})},
				[]string{"checked_tag", "new"}},
			{"other fields leave the tag alone", user.Input{UserFields: opt.Of(map[string]any{"f_text": "x"})},
				[]string{"checked_tag", "new"}},
		} {
			t.Run(step.name, func(t *testing.T) {
				got, err := e.svc.UpdateUser(e.admin, u.ID, step.in)
				if err != nil {
					t.Fatalf("UpdateUser: %v", err)
				}
				if diff := cmp.Diff(step.want, got.Tags); diff != "" {
					t.Errorf("tags (-want +got):\n%s", diff)
				}
			})
		}
	})
}

func TestFieldDefinitions(t *testing.T) {
	t.Parallel()
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		e := newEnv(t, d)
		e.mustField(t, user.ResourceUser, user.FieldInput{Key: opt.Of("plan"), Type: opt.Of("text"), Title: opt.Of("Plan")})
		for _, tc := range []struct {
			name     string
			resource string
			in       user.FieldInput
			wantErr  map[string][]string
		}{
			{"the same key on organizations", user.ResourceOrg, user.FieldInput{Key: opt.Of("plan"), Title: opt.Of("Plan")}, nil},
			{"type defaults to text", user.ResourceUser, user.FieldInput{Key: opt.Of("notes_2"), Title: opt.Of("Notes")}, nil},
			{"key taken", user.ResourceUser, user.FieldInput{Key: opt.Of("plan"), Title: opt.Of("Plan")},
				map[string][]string{"key": {"DuplicateValue"}}},
			{"key with capitals and spaces", user.ResourceUser, user.FieldInput{Key: opt.Of("My Key"), Title: opt.Of("T")},
				map[string][]string{"key": {"InvalidValue"}}},
			{"unknown type", user.ResourceUser, user.FieldInput{Key: opt.Of("k1"), Type: opt.Of("color"), Title: opt.Of("T")},
				map[string][]string{"type": {"InvalidValue"}}},
			{"no title", user.ResourceUser, user.FieldInput{Key: opt.Of("k2")}, map[string][]string{"title": {"BlankValue"}}},
			{"dropdown without options", user.ResourceUser, user.FieldInput{Key: opt.Of("k3"), Type: opt.Of("dropdown"), Title: opt.Of("T")},
				map[string][]string{"custom_field_options": {"BlankValue"}}},
			{"options with the same value", user.ResourceUser, user.FieldInput{Key: opt.Of("k4"), Type: opt.Of("dropdown"), Title: opt.Of("T"),
				CustomFieldOptions: opt.Of([]user.OptionInput{{Name: "A", Value: "a"}, {Name: "B", Value: "a"}})},
				map[string][]string{"custom_field_options": {"DuplicateValue"}}},
			{"option without a value", user.ResourceUser, user.FieldInput{Key: opt.Of("k5"), Type: opt.Of("dropdown"), Title: opt.Of("T"),
				CustomFieldOptions: opt.Of([]user.OptionInput{{Name: "A"}})},
				map[string][]string{"custom_field_options": {"BlankValue"}}},
			{"bad regexp", user.ResourceUser, user.FieldInput{Key: opt.Of("k6"), Type: opt.Of("regexp"), Title: opt.Of("T"),
				RegexpForValidation: opt.Of("(")}, map[string][]string{"regexp_for_validation": {"InvalidValue"}}},
		} {
			t.Run(tc.name, func(t *testing.T) {
				_, err := e.svc.CreateField(e.admin, tc.resource, tc.in)
				if diff := cmp.Diff(tc.wantErr, fieldCodes(err)); diff != "" || (tc.wantErr == nil && err != nil) {
					t.Errorf("error %v: details (-want +got):\n%s", err, diff)
				}
			})
		}
		t.Run("admins only", func(t *testing.T) {
			agent := e.agent(t, "Agnes", "agnes@acme.example", auth.RoleAgent)
			_, err := e.svc.CreateField(e.as(t, agent.ID), user.ResourceUser, user.FieldInput{Key: opt.Of("x"), Title: opt.Of("X")})
			wantKind(t, err, errs.Forbidden)
		})
		t.Run("key and type are fixed", func(t *testing.T) {
			fs, _ := e.svc.ListFields(e.admin, user.ResourceUser)
			_, err := e.svc.UpdateField(e.admin, user.ResourceUser, fs[0].ID, user.FieldInput{Key: opt.Of("other"), Type: opt.Of("integer")})
			if diff := cmp.Diff(map[string][]string{"key": {"InvalidValue"}, "type": {"InvalidValue"}}, fieldCodes(err)); diff != "" {
				t.Errorf("error %v: details (-want +got):\n%s", err, diff)
			}
		})
	})
}

type optView struct {
	Name, Value string
	Position    int
}

func optViews(f user.Field) []optView {
	out := []optView{}
	for _, o := range f.Options {
		out = append(out, optView{o.Name, o.Value, o.Position})
	}
	return out
}

func TestFieldOptionsReplace(t *testing.T) {
	t.Parallel()
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		e := newEnv(t, d)
		f := e.mustField(t, user.ResourceUser, user.FieldInput{Key: opt.Of("tier"), Type: opt.Of("dropdown"), Title: opt.Of("Tier"),
			CustomFieldOptions: opt.Of([]user.OptionInput{{Name: "Gold", Value: "gold"}, {Name: "Silver", Value: "silver"},
				{Name: "Bronze", Value: "bronze"}})})
		if diff := cmp.Diff([]optView{{"Gold", "gold", 0}, {"Silver", "silver", 1}, {"Bronze", "bronze", 2}}, optViews(f)); diff != "" {
			t.Fatalf("options after create (-want +got):\n%s", diff)
		}
		gold := f.Options[0].ID

		got, err := e.svc.UpdateField(e.admin, user.ResourceUser, f.ID, user.FieldInput{CustomFieldOptions: opt.Of([]user.OptionInput{
			{Name: "Platinum", Value: "platinum"}, {ID: opt.Of(gold), Name: "Gold!", Value: "gold"}})})
		if err != nil {
			t.Fatalf("UpdateField: %v", err)
		}
		if diff := cmp.Diff([]optView{{"Platinum", "platinum", 0}, {"Gold!", "gold", 1}}, optViews(got)); diff != "" {
			t.Errorf("options after replace (-want +got):\n%s", diff)
		}
		for _, o := range got.Options {
			if o.Value == "gold" && o.ID != gold {
				t.Errorf("the option sent with its id was recreated: id %d, want %d", o.ID, gold)
			}
		}
		// Values of options that are gone are no longer accepted.
		_, err = e.svc.CreateUser(e.admin, user.Input{Name: opt.Of("S"), UserFields: opt.Of(map[string]any{"tier": "silver"})})
		if diff := cmp.Diff(map[string][]string{"user_fields.tier": {"InvalidValue"}}, fieldCodes(err)); diff != "" {
			t.Errorf("error %v: details (-want +got):\n%s", err, diff)
		}
		// An update that does not send options leaves them alone.
		got, err = e.svc.UpdateField(e.admin, user.ResourceUser, f.ID, user.FieldInput{Title: opt.Of("Level")})
		if err != nil || got.Title != "Level" || len(got.Options) != 2 {
			t.Errorf("UpdateField(title only) = %q with %d options, %v", got.Title, len(got.Options), err)
		}
		// Deactivating a field makes writes ignore it.
		if _, err := e.svc.UpdateField(e.admin, user.ResourceUser, f.ID, user.FieldInput{Active: opt.Of(false)}); err != nil {
			t.Fatal(err)
		}
		u, err := e.svc.CreateUser(e.admin, user.Input{Name: opt.Of("T"), UserFields: opt.Of(map[string]any{"tier": "anything"})})
		if err != nil || len(u.Fields) != 0 {
			t.Errorf("CreateUser with an inactive field = %v, %v; want it ignored", u.Fields, err)
		}
	})
}

func TestReorderFields(t *testing.T) {
	t.Parallel()
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		e := newEnv(t, d)
		byKey := map[string]int64{}
		for _, k := range []string{"a", "b", "c"} {
			byKey[k] = e.mustField(t, user.ResourceUser, user.FieldInput{Key: opt.Of(k), Title: opt.Of(k)}).ID
		}
		keys := func() []string {
			fs, err := e.svc.ListFields(e.admin, user.ResourceUser)
			if err != nil {
				t.Fatal(err)
			}
			out := []string{}
			for _, f := range fs {
				out = append(out, f.Key)
			}
			return out
		}
		if diff := cmp.Diff([]string{"a", "b", "c"}, keys()); diff != "" {
			t.Errorf("order after create (-want +got):\n%s", diff)
		}
		if err := e.svc.ReorderFields(e.admin, user.ResourceUser, []int64{byKey["c"], byKey["a"], byKey["b"]}); err != nil {
			t.Fatalf("ReorderFields: %v", err)
		}
		if diff := cmp.Diff([]string{"c", "a", "b"}, keys()); diff != "" {
			t.Errorf("order after reorder (-want +got):\n%s", diff)
		}
		err := e.svc.ReorderFields(e.admin, user.ResourceUser, []int64{byKey["b"], 999999})
		wantKind(t, err, errs.NotFound)
		if diff := cmp.Diff([]string{"c", "a", "b"}, keys()); diff != "" {
			t.Errorf("a failed reorder changed the order (-want +got):\n%s", diff)
		}
		// A field of the other resource is not this resource's.
		org := e.mustField(t, user.ResourceOrg, user.FieldInput{Key: opt.Of("o"), Title: opt.Of("o")})
		wantKind(t, e.svc.ReorderFields(e.admin, user.ResourceUser, []int64{org.ID}), errs.NotFound)
	})
}
