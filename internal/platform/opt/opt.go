// Package opt holds Opt, a JSON field that knows whether it was sent, sent as
// null, or sent with a value. Zendesk updates are partial: an absent key means
// "leave it", null means "clear it".
package opt

import (
	"bytes"
	"encoding/json"
	"reflect"
	"strconv"
)

// Opt is a tri-state field: absent (Set false), null (Set, Null) or a value.
type Opt[T any] struct {
	Set  bool
	Null bool
	V    T
}

// Of returns a set, non-null Opt.
func Of[T any](v T) Opt[T] { return Opt[T]{Set: true, V: v} }

// Has reports whether a non-null value was sent.
func (o Opt[T]) Has() bool { return o.Set && !o.Null }

// Or returns the value when present, else def.
func (o Opt[T]) Or(def T) T {
	if o.Has() {
		return o.V
	}
	return def
}

// Ptr returns nil for absent or null, else a pointer to the value.
func (o Opt[T]) Ptr() *T {
	if !o.Has() {
		return nil
	}
	v := o.V
	return &v
}

// UnmarshalJSON accepts null, a value, and (for integer and boolean targets)
// a quoted number or boolean, because Zendesk clients send ids both ways.
func (o *Opt[T]) UnmarshalJSON(b []byte) error {
	o.Set = true
	if bytes.Equal(bytes.TrimSpace(b), []byte("null")) {
		o.Null = true
		var zero T
		o.V = zero
		return nil
	}
	err := json.Unmarshal(b, &o.V)
	if err == nil {
		return nil
	}
	if len(b) > 1 && b[0] == '"' {
		s, uerr := strconv.Unquote(string(b))
		if uerr == nil {
			switch p := any(&o.V).(type) {
			case *int64:
				if n, perr := strconv.ParseInt(s, 10, 64); perr == nil {
					*p = n
					return nil
				}
			case *int:
				if n, perr := strconv.Atoi(s); perr == nil {
					*p = n
					return nil
				}
			case *bool:
				if v, perr := strconv.ParseBool(s); perr == nil {
					*p = v
					return nil
				}
			}
		}
	}
	return err
}

// MarshalJSON writes null for absent or null values.
func (o Opt[T]) MarshalJSON() ([]byte, error) {
	if !o.Has() {
		return []byte("null"), nil
	}
	return json.Marshal(o.V)
}

// ID is an int64 that also decodes from a quoted string ("123"), as some
// clients send ids.
type ID int64

// UnmarshalJSON implements json.Unmarshaler.
func (i *ID) UnmarshalJSON(b []byte) error {
	if len(b) > 1 && b[0] == '"' {
		s, err := strconv.Unquote(string(b))
		if err != nil {
			return err
		}
		n, err := strconv.ParseInt(s, 10, 64)
		if err != nil {
			return &json.UnmarshalTypeError{Value: "string " + strconv.Quote(s), Type: reflect.TypeOf(int64(0))}
		}
		*i = ID(n)
		return nil
	}
	var n int64
	if err := json.Unmarshal(b, &n); err != nil {
		return err
	}
	*i = ID(n)
	return nil
}

// NullZero treats an id of 0 as null: typed clients (go-zendesk) send 0 for
// optional ids they do not set, and Zendesk reads it as "none".
func NullZero(o Opt[int64]) Opt[int64] {
	if o.Set && !o.Null && o.V == 0 {
		return Opt[int64]{Set: true, Null: true}
	}
	return o
}

// MaxPosition bounds the ordering positions clients may send (they are
// stored as 32-bit integers).
const MaxPosition = 1_000_000

// PositionOK reports whether an optional position is absent or in range.
func PositionOK(o Opt[int]) bool { return !o.Has() || (o.V >= 0 && o.V <= MaxPosition) }
