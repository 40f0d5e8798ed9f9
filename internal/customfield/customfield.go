// Package customfield validates custom field values by field type. Users,
// organizations and tickets share the Zendesk field types, so the rules are
// written once here.
package customfield

import (
	"math"
	"regexp"
	"sort"
	"strconv"
	"strings"
	"time"
)

// Def is what validation needs to know about a field.
type Def struct {
	Type string
	// Regexp is regexp_for_validation (regexp fields).
	Regexp *string
	// Options are the allowed option values (dropdown, tagger, multiselect).
	Options []string
}

// Dropdown reports whether a type takes option values.
func Dropdown(typ string) bool { return typ == "dropdown" || typ == "tagger" || typ == "multiselect" }

// Validate checks v against d and returns the value to store, or a
// problem description ("must be an integer"). nil is always valid and
// means "no value".
func Validate(d Def, v any) (any, string) {
	if v == nil {
		return nil, ""
	}
	switch d.Type {
	case "text", "textarea":
		if s, ok := v.(string); ok {
			return s, ""
		}
		return nil, "must be text"
	case "regexp":
		s, ok := v.(string)
		if !ok {
			return nil, "must be text"
		}
		if d.Regexp != nil && *d.Regexp != "" {
			re, err := regexp.Compile(*d.Regexp)
			if err == nil && !re.MatchString(s) {
				return nil, "is invalid"
			}
		}
		return s, ""
	case "checkbox":
		switch x := v.(type) {
		case bool:
			return x, ""
		case string:
			if b, err := strconv.ParseBool(x); err == nil {
				return b, ""
			}
		}
		return nil, "must be true or false"
	case "integer":
		switch x := v.(type) {
		case float64:
			if x != math.Trunc(x) || math.Abs(x) > 1<<53 {
				return nil, "must be an integer"
			}
			return int64(x), ""
		case string:
			if strings.TrimSpace(x) == "" {
				return nil, ""
			}
			if n, err := strconv.ParseInt(strings.TrimSpace(x), 10, 64); err == nil {
				return n, ""
			}
		}
		return nil, "must be an integer"
	case "decimal":
		switch x := v.(type) {
		case float64:
			return x, ""
		case string:
			if strings.TrimSpace(x) == "" {
				return nil, ""
			}
			if n, err := strconv.ParseFloat(strings.TrimSpace(x), 64); err == nil && !math.IsNaN(n) && !math.IsInf(n, 0) {
				return n, ""
			}
		}
		return nil, "must be a number"
	case "date":
		s, ok := v.(string)
		if !ok {
			return nil, "must be a date (YYYY-MM-DD)"
		}
		if s == "" {
			return nil, ""
		}
		if t, err := time.Parse("2006-01-02", s); err == nil {
			return t.Format("2006-01-02"), ""
		}
		if t, err := time.Parse(time.RFC3339, s); err == nil {
			return t.UTC().Format("2006-01-02"), ""
		}
		return nil, "must be a date (YYYY-MM-DD)"
	case "partialcreditcard":
		s, ok := v.(string)
		if !ok {
			return nil, "must be a card number"
		}
		digits := strings.Map(func(r rune) rune {
			if r >= '0' && r <= '9' {
				return r
			}
			if r == ' ' || r == '-' {
				return -1
			}
			return 'x'
		}, s)
		if strings.Contains(digits, "x") || len(digits) < 4 || len(digits) > 19 {
			return nil, "must be a card number"
		}
		// Only the last four digits are ever stored.
		return strings.Repeat("X", len(digits)-4) + digits[len(digits)-4:], ""
	case "dropdown", "tagger":
		s, ok := v.(string)
		if !ok {
			return nil, "must be one of the field's option values"
		}
		if s == "" {
			return nil, ""
		}
		for _, o := range d.Options {
			if o == s {
				return s, ""
			}
		}
		return nil, "must be one of the field's option values"
	case "multiselect":
		arr, ok := v.([]any)
		if !ok {
			return nil, "must be a list of option values"
		}
		out := []string{}
		seen := map[string]bool{}
		for _, it := range arr {
			s, ok := it.(string)
			found := false
			for _, o := range d.Options {
				if ok && o == s {
					found = true
				}
			}
			if !found {
				return nil, "must be a list of option values"
			}
			if !seen[s] {
				seen[s] = true
				out = append(out, s)
			}
		}
		sort.Strings(out)
		if len(out) == 0 {
			return nil, ""
		}
		return out, ""
	case "lookup":
		switch x := v.(type) {
		case float64:
			if x == math.Trunc(x) && x > 0 {
				return int64(x), ""
			}
		case string:
			if n, err := strconv.ParseInt(x, 10, 64); err == nil && n > 0 {
				return n, ""
			}
		}
		return nil, "must be a record id"
	}
	return nil, "has an unknown type"
}

// Tags returns the tags a stored value implies: a checkbox's tag when
// true, a dropdown's option value, a multiselect's option values.
func Tags(typ string, tag *string, v any) []string {
	switch typ {
	case "checkbox":
		if b, _ := v.(bool); b && tag != nil && *tag != "" {
			return []string{strings.ToLower(*tag)}
		}
	case "tagger", "dropdown":
		if s, _ := v.(string); s != "" {
			return []string{s}
		}
	case "multiselect":
		switch x := v.(type) {
		case []string:
			return append([]string{}, x...)
		case []any:
			var out []string
			for _, it := range x {
				if s, ok := it.(string); ok {
					out = append(out, s)
				}
			}
			return out
		}
	}
	return nil
}
