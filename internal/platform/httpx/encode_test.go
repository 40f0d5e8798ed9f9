package httpx_test

import (
	"encoding/json"
	"math"
	"math/rand/v2"
	"testing"
	"time"

	"parley/internal/platform/httpx"
)

// TestMarshalIsEncodingJSON: Marshal writes exactly what encoding/json
// writes, for random bodies built of every type it handles itself and some
// it hands over, with strings full of what JSON must escape.
func TestMarshalIsEncodingJSON(t *testing.T) {
	r := rand.New(rand.NewPCG(1, 2))
	pieces := []string{"a", "é", "<", ">", "&", `"`, `\`, "\n", "\r", "\t", "\b", "\f", "\x00", "\x1f", "\x7f",
		"\u2028", "\u2029", "\xff", "\xe2\x82", "日本", "🎉", " ", "/", "'", "\u00a0", "\ufffd"}
	str := func() string {
		var s string
		for range r.IntN(8) {
			s += pieces[r.IntN(len(pieces))]
		}
		return s
	}
	var value func(depth int) any
	value = func(depth int) any {
		n := 15
		if depth > 3 {
			n = 11 // leaves only
		}
		switch r.IntN(n) {
		case 0:
			return nil
		case 1:
			return str()
		case 2:
			s := str()
			if r.IntN(3) == 0 {
				return (*string)(nil)
			}
			return &s
		case 3:
			return r.IntN(2) == 0
		case 4:
			return r.IntN(2000) - 1000
		case 5:
			x := []int64{math.MaxInt64, math.MinInt64, 0, -1, r.Int64()}[r.IntN(5)]
			if r.IntN(3) == 0 {
				return (*int64)(nil)
			}
			if r.IntN(2) == 0 {
				return x
			}
			return &x
		case 6:
			switch r.IntN(3) {
			case 0:
				return []int64(nil)
			case 1:
				return []int64{}
			}
			return []int64{1, r.Int64(), -5}
		case 7:
			switch r.IntN(3) {
			case 0:
				return []string(nil)
			case 1:
				return []string{}
			}
			return []string{str(), str()}
		case 8:
			return []float64{0.1, 1e21, 1e-7, -0, 123456789, 3.0}[r.IntN(6)]
		case 9:
			return json.RawMessage(` { "a" : "<b>" , "c" : [ 1 , 2 ] } `)
		case 10:
			b := r.IntN(2) == 0
			return struct {
				A string `json:"a"`
				B *bool  `json:"b,omitempty"`
				T time.Time
			}{str(), &b, time.Date(2026, 12, 7, 22, 0, 0, 123, time.UTC)}
		case 11:
			m := httpx.M{}
			for range r.IntN(6) {
				m[str()] = value(depth + 1)
			}
			if r.IntN(8) == 0 {
				return httpx.M(nil)
			}
			return m
		case 12:
			out := []httpx.M{}
			for range r.IntN(4) {
				out = append(out, httpx.M{"id": r.IntN(100), str(): value(depth + 1)})
			}
			if r.IntN(6) == 0 {
				return []httpx.M(nil)
			}
			return out
		case 13:
			out := []any{}
			for range r.IntN(4) {
				out = append(out, value(depth+1))
			}
			if r.IntN(6) == 0 {
				return []any(nil)
			}
			return out
		}
		return map[string]int{"z": 1, "a": 2} // another map type: encoding/json's
	}
	for i := range 20000 {
		v := value(0)
		want, err1 := json.Marshal(v)
		got, err2 := httpx.Marshal(v)
		if (err1 == nil) != (err2 == nil) || string(got) != string(want) {
			t.Fatalf("value %d (%#v):\n got %s (%v)\nwant %s (%v)", i, v, got, err2, want, err1)
		}
	}
	// An error inside a map is returned, as encoding/json returns it.
	if _, err := httpx.Marshal(httpx.M{"x": []any{math.Inf(1)}}); err == nil {
		t.Error("Marshal(+Inf) gave no error")
	}
}
