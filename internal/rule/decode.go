package rule

import (
	"bytes"
	"encoding/json"

	"parley/internal/platform/errs"
)

// MarshalJSON writes {"all":[...],"any":[...]}, with empty arrays rather
// than null.
func (c Conditions) MarshalJSON() ([]byte, error) {
	type plain Conditions
	p := plain(c)
	if p.All == nil {
		p.All = []Condition{}
	}
	if p.Any == nil {
		p.Any = []Condition{}
	}
	return json.Marshal(p)
}

// DecodeRule reads the conditions and actions of a rule request body
// (the object inside {"trigger":...}, {"view":...} and so on). Conditions
// come as {"conditions":{"all":[...],"any":[...]}} or as top-level "all"
// and "any" (zenpy and the views documentation do this), which win over
// the nested form. Values keep the JSON type the client sent; numbers are
// json.Number so they are echoed exactly. Absent parts are nil; a part
// with the wrong shape is a RecordInvalid error naming it.
func DecodeRule(raw map[string]json.RawMessage) (Conditions, []Action, error) {
	var c Conditions
	var as []Action
	var v errs.Validation
	if b, ok := raw["conditions"]; ok && !isNull(b) {
		var nested struct {
			All json.RawMessage `json:"all"`
			Any json.RawMessage `json:"any"`
		}
		if err := json.Unmarshal(b, &nested); err != nil {
			v.Add("conditions", "InvalidValue", `Conditions: must be {"all":[...],"any":[...]}`)
		} else {
			c.All = decodeList[Condition](nested.All, "conditions.all", &v)
			c.Any = decodeList[Condition](nested.Any, "conditions.any", &v)
		}
	}
	if b, ok := raw["all"]; ok {
		c.All = decodeList[Condition](b, "conditions.all", &v)
	}
	if b, ok := raw["any"]; ok {
		c.Any = decodeList[Condition](b, "conditions.any", &v)
	}
	if b, ok := raw["actions"]; ok {
		as = decodeList[Action](b, "actions", &v)
	}
	return c, as, v.Err()
}

func isNull(b json.RawMessage) bool {
	return len(bytes.TrimSpace(b)) == 0 || string(bytes.TrimSpace(b)) == "null"
}

// decodeList decodes an array of conditions or actions with json.Number
// values; null is an empty list.
func decodeList[T any](b json.RawMessage, field string, v *errs.Validation) []T {
	if isNull(b) {
		return nil
	}
	d := json.NewDecoder(bytes.NewReader(b))
	d.UseNumber()
	var out []T
	if err := d.Decode(&out); err != nil {
		v.Add(field, "InvalidValue", field+": must be an array of objects")
		return nil
	}
	return out
}
