package opt

import (
	"encoding/json"
	"testing"
)

func TestOpt(t *testing.T) {
	var v struct {
		A Opt[string] `json:"a"`
		B Opt[string] `json:"b"`
		C Opt[int64]  `json:"c"`
		D Opt[int64]  `json:"d"`
		E Opt[bool]   `json:"e"`
	}
	if err := json.Unmarshal([]byte(`{"a":"x","b":null,"c":"42","e":"true"}`), &v); err != nil {
		t.Fatal(err)
	}
	if !v.A.Has() || v.A.V != "x" || !v.B.Set || !v.B.Null || v.B.Has() || v.C.V != 42 || v.D.Set || !v.E.V {
		t.Fatalf("decoded %+v", v)
	}
	if err := json.Unmarshal([]byte(`{"c":"4x2"}`), &v); err == nil {
		t.Fatal("a non-numeric string decoded into an int")
	}
	if z := NullZero(Of(int64(0))); !z.Null {
		t.Fatal("0 should become null")
	}
	if z := NullZero(Of(int64(3))); z.Null || z.V != 3 {
		t.Fatal("3 should stay")
	}
	if !PositionOK(Opt[int]{}) || !PositionOK(Of(0)) || PositionOK(Of(-1)) || PositionOK(Of(MaxPosition+1)) {
		t.Fatal("position bounds")
	}
	var id ID
	if err := json.Unmarshal([]byte(`"123"`), &id); err != nil || id != 123 {
		t.Fatalf("ID from string: %v %v", id, err)
	}
	if err := json.Unmarshal([]byte(`"abc"`), &id); err == nil {
		t.Fatal("ID from junk string")
	}
}
