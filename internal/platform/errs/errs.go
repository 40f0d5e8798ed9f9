// Package errs is the one error type of Parley. Domain code says what went
// wrong with a Kind; httpx.WriteError alone turns a Kind into an HTTP status
// and the Zendesk error body, so no room ever imports net/http for errors.
package errs

import (
	"encoding/json"
	"errors"
	"fmt"
	"sort"
	"strings"
)

// Kind classifies an error. Append only: values are compared, never persisted.
type Kind uint8

const (
	// Internal is any unexpected failure; it is what unknown errors become.
	Internal Kind = iota
	// Invalid is a record that fails validation (422 RecordInvalid).
	Invalid
	// BadRequest is a request that cannot be understood (400).
	BadRequest
	// Unauthenticated means no valid credentials (401).
	Unauthenticated
	// Forbidden means the actor may not do this (403).
	Forbidden
	// NotFound means the record does not exist for this account (404).
	NotFound
	// Conflict is a stale or duplicate write (409).
	Conflict
	// TooLarge is an oversize request body (413).
	TooLarge
	// RateLimited means the account used up its request budget (429).
	RateLimited
	// Unavailable means a dependency is down (503).
	Unavailable
	// PreconditionFailed is a request whose stated precondition does not
	// hold, such as an unsupported protocol version header (412).
	PreconditionFailed
)

func (k Kind) String() string {
	switch k {
	case Invalid:
		return "invalid"
	case BadRequest:
		return "bad_request"
	case Unauthenticated:
		return "unauthenticated"
	case Forbidden:
		return "forbidden"
	case NotFound:
		return "not_found"
	case Conflict:
		return "conflict"
	case TooLarge:
		return "too_large"
	case RateLimited:
		return "rate_limited"
	case Unavailable:
		return "unavailable"
	case PreconditionFailed:
		return "precondition_failed"
	}
	return "internal"
}

// Detail is one validation message about one field, as Zendesk reports it
// inside details.<field>[].
type Detail struct {
	Description string `json:"description"`
	Error       string `json:"error,omitempty"`
	// Extra holds further keys some details carry (ticket_field_id).
	Extra map[string]any `json:"-"`
}

// MarshalJSON writes the extra keys beside description and error.
func (d Detail) MarshalJSON() ([]byte, error) {
	m := make(map[string]any, len(d.Extra)+2)
	for k, v := range d.Extra {
		m[k] = v
	}
	m["description"] = d.Description
	if d.Error != "" {
		m["error"] = d.Error
	}
	return json.Marshal(m)
}

// AddDetail records a prepared detail under field.
func (v *Validation) AddDetail(field string, d Detail) {
	if v.fields == nil {
		v.fields = map[string][]Detail{}
	}
	v.fields[field] = append(v.fields[field], d)
}

// Error is Parley's error. Msg is safe to show to API users; Err is not.
type Error struct {
	Kind Kind
	// Code is the Zendesk error name ("RecordNotFound", "TooManyValues"...);
	// empty means the default name for the Kind.
	Code string
	// Msg is the user-facing description.
	Msg string
	// Fields holds per-field validation details (422 details map).
	Fields map[string][]Detail
	// Extra carries additional top-level keys of the error body (max_count).
	Extra map[string]any
	// Err is the wrapped cause, logged but never shown.
	Err error
}

func (e *Error) Error() string {
	var b strings.Builder
	b.WriteString(e.Kind.String())
	if e.Code != "" {
		b.WriteString(" ")
		b.WriteString(e.Code)
	}
	if e.Msg != "" {
		b.WriteString(": ")
		b.WriteString(e.Msg)
	}
	if len(e.Fields) > 0 {
		keys := make([]string, 0, len(e.Fields))
		for k := range e.Fields {
			keys = append(keys, k)
		}
		sort.Strings(keys)
		for _, k := range keys {
			for _, d := range e.Fields[k] {
				fmt.Fprintf(&b, "; %s: %s", k, d.Description)
			}
		}
	}
	if e.Err != nil {
		b.WriteString(": ")
		b.WriteString(e.Err.Error())
	}
	return b.String()
}

func (e *Error) Unwrap() error { return e.Err }

// E builds an error of kind k with a user-facing message.
func E(k Kind, msg string) *Error { return &Error{Kind: k, Msg: msg} }

// Ef is E with formatting.
func Ef(k Kind, format string, args ...any) *Error {
	return &Error{Kind: k, Msg: fmt.Sprintf(format, args...)}
}

// Wrap attaches a kind and message to a cause.
func Wrap(k Kind, msg string, err error) *Error { return &Error{Kind: k, Msg: msg, Err: err} }

// WithCode returns a copy of e carrying a Zendesk error code.
func (e *Error) WithCode(code string) *Error {
	c := *e
	c.Code = code
	return &c
}

// With returns a copy of e with an extra top-level body key.
func (e *Error) With(key string, v any) *Error {
	c := *e
	c.Extra = make(map[string]any, len(e.Extra)+1)
	for k, v := range e.Extra {
		c.Extra[k] = v
	}
	c.Extra[key] = v
	return &c
}

// KindOf reports the Kind of err; anything that is not an *Error is Internal.
func KindOf(err error) Kind {
	var e *Error
	if errors.As(err, &e) {
		return e.Kind
	}
	return Internal
}

// Is reports whether err is of kind k.
func Is(err error, k Kind) bool { return err != nil && KindOf(err) == k }

// NotFoundf is the common "record not found" error.
func NotFoundf(format string, args ...any) *Error {
	return &Error{Kind: NotFound, Code: "RecordNotFound", Msg: fmt.Sprintf(format, args...)}
}

// Validation accumulates field errors and turns them into one Invalid error.
type Validation struct {
	fields map[string][]Detail
}

// Add records one problem with field.
func (v *Validation) Add(field, code, description string) {
	if v.fields == nil {
		v.fields = map[string][]Detail{}
	}
	v.fields[field] = append(v.fields[field], Detail{Description: description, Error: code})
}

// Has reports whether field already has a problem.
func (v *Validation) Has(field string) bool { return len(v.fields[field]) > 0 }

// Err returns nil when nothing was added, else a RecordInvalid error.
func (v *Validation) Err() error {
	if len(v.fields) == 0 {
		return nil
	}
	return &Error{Kind: Invalid, Code: "RecordInvalid", Msg: "Record validation errors", Fields: v.fields}
}

// Invalidf is a single-field validation error.
func Invalidf(field, code, format string, args ...any) error {
	var v Validation
	v.Add(field, code, fmt.Sprintf(format, args...))
	return v.Err()
}
