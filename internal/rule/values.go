package rule

import (
	"encoding/json"
	"math"
	"sort"
	"strconv"
	"strings"
)

// Condition and action values arrive as whatever JSON type the client sent
// (ids as "24000932" or 24000932, booleans as true or "true", lists as
// arrays or space-separated strings) and come back from storage decoded by
// encoding/json (float64) or by DecodeRule (json.Number). These helpers read
// any of those forms; none of them panics on an unexpected type.

// str renders a scalar value as text: strings as they are, numbers without
// exponent or trailing zeros, booleans as "true"/"false", nil as "". Lists
// and objects have no text form (ok is false).
func str(v any) (string, bool) {
	switch x := v.(type) {
	case nil:
		return "", true
	case string:
		return x, true
	case json.Number:
		return x.String(), true
	case float64:
		return strconv.FormatFloat(x, 'f', -1, 64), true
	case float32:
		return strconv.FormatFloat(float64(x), 'f', -1, 32), true
	case int:
		return strconv.Itoa(x), true
	case int64:
		return strconv.FormatInt(x, 10), true
	case int32:
		return strconv.FormatInt(int64(x), 10), true
	case bool:
		return strconv.FormatBool(x), true
	}
	return "", false
}

// id reads a record id: a positive integer as a number or a string.
func id(v any) (int64, bool) {
	switch x := v.(type) {
	case float64:
		if x != math.Trunc(x) || x < 1 || x > 1<<53 {
			return 0, false
		}
		return int64(x), true
	case int:
		return int64(x), x > 0
	case int64:
		return x, x > 0
	}
	s, ok := str(v)
	if !ok {
		return 0, false
	}
	n, err := strconv.ParseInt(strings.TrimSpace(s), 10, 64)
	return n, err == nil && n > 0
}

// integer reads a whole number (hours, counts, via ids), possibly zero or
// negative.
func integer(v any) (int64, bool) {
	switch x := v.(type) {
	case float64:
		if x != math.Trunc(x) || math.Abs(x) > 1<<53 {
			return 0, false
		}
		return int64(x), true
	case int:
		return int64(x), true
	case int64:
		return x, true
	}
	s, ok := str(v)
	if !ok {
		return 0, false
	}
	n, err := strconv.ParseInt(strings.TrimSpace(s), 10, 64)
	return n, err == nil
}

// boolean reads true/false given as a JSON boolean or the strings "true"
// and "false" (any case).
func boolean(v any) (b, ok bool) {
	switch x := v.(type) {
	case bool:
		return x, true
	case string:
		switch strings.ToLower(strings.TrimSpace(x)) {
		case "true":
			return true, true
		case "false":
			return false, true
		}
	}
	return false, false
}

// list reads a list value: a JSON array of scalars, or a string of items
// separated by spaces or commas. Empty items are dropped.
func list(v any) []string {
	var out []string
	add := func(s string) {
		for _, f := range strings.FieldsFunc(s, func(r rune) bool { return r == ',' || isSpace(r) }) {
			out = append(out, f)
		}
	}
	switch x := v.(type) {
	case []any:
		for _, e := range x {
			if s, ok := str(e); ok {
				add(s)
			}
		}
	case []string:
		for _, s := range x {
			add(s)
		}
	default:
		if s, ok := str(v); ok {
			add(s)
		}
	}
	return out
}

// words splits a words value on white space only (commas belong to words).
func words(v any) []string {
	var parts []string
	switch x := v.(type) {
	case []any:
		for _, e := range x {
			if s, ok := str(e); ok {
				parts = append(parts, s)
			}
		}
	case []string:
		parts = x
	default:
		if s, ok := str(v); ok {
			parts = []string{s}
		}
	}
	var out []string
	for _, p := range parts {
		out = append(out, strings.FieldsFunc(p, isSpace)...)
	}
	return out
}

func isSpace(r rune) bool {
	return r == ' ' || r == '\t' || r == '\n' || r == '\r' || r == '\f' || r == '\v'
}

// tags reads a tags value (space-separated or a list), lower-cased.
func tags(v any) []string {
	ws := words(v)
	for i, w := range ws {
		ws[i] = strings.ToLower(w)
	}
	return ws
}

// FieldValue converts a custom field value as the ticket room keeps it (or
// as encoding/json decodes it from storage) into the form Ticket.Fields
// holds: text for text, number, decimal, date and dropdown values (numbers
// written exactly as encoding/json writes them, which is how they are
// stored), bool for checkboxes, a sorted []string for multiselect, nil for
// no value. Mappers from the ticket room to Ticket use it so that Match and
// Compile read a value the same way.
func FieldValue(v any) any {
	switch x := v.(type) {
	case nil, string, bool:
		return x
	case []string:
		out := append([]string(nil), x...)
		sort.Strings(out)
		return out
	case []any:
		out := make([]string, 0, len(x))
		for _, e := range x {
			if s, ok := str(e); ok {
				out = append(out, s)
			}
		}
		sort.Strings(out)
		return out
	}
	b, err := json.Marshal(v)
	if err != nil {
		return nil
	}
	return string(b)
}

// lowerASCII folds A-Z only, as SQLite's lower() does.
func lowerASCII(s string) string {
	for i := 0; i < len(s); i++ {
		if c := s[i]; c >= 'A' && c <= 'Z' {
			return strings.Map(func(r rune) rune {
				if r >= 'A' && r <= 'Z' {
					return r + ('a' - 'A')
				}
				return r
			}, s)
		}
	}
	return s
}
