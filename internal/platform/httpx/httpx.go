// Package httpx holds the Zendesk API v2 conventions, written once: the
// handler adapter, JSON bodies with root keys, the error shapes, decoding
// with unknown-key warnings, pagination, side-loads and bulk-id limits.
package httpx

import (
	"context"
	"errors"
	"log/slog"
	"net/http"
	"strconv"
	"time"

	"parley/internal/platform/errs"
)

// Handler is an HTTP handler that returns an error instead of writing one.
type Handler func(w http.ResponseWriter, r *http.Request) error

// H adapts h: a returned error is written once, by WriteError.
func H(h Handler) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		if err := h(w, r); err != nil {
			WriteError(w, r, err)
		}
	}
}

// JSON writes v as a JSON body with status.
func JSON(w http.ResponseWriter, status int, v any) error {
	b, err := Marshal(v)
	if err != nil {
		return errs.Wrap(errs.Internal, "encode response", err)
	}
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	w.WriteHeader(status)
	_, _ = w.Write(b)
	return nil
}

// Created writes 201 with a Location header pointing at the new record.
func Created(w http.ResponseWriter, location string, v any) error {
	if location != "" {
		w.Header().Set("Location", location)
	}
	return JSON(w, http.StatusCreated, v)
}

// NoContent writes 204 with no body (DELETE).
func NoContent(w http.ResponseWriter) error {
	w.WriteHeader(http.StatusNoContent)
	return nil
}

// M is a JSON object literal.
type M = map[string]any

const forbiddenMsg = "You do not have access to this page. Please contact the account owner of this help desk for further help."

// Error codes whose body uses the newer {"errors":[{code,title,detail}]} shape.
var listShaped = map[string]bool{
	"InvalidPaginationDepth":     true,
	"InvalidPaginationParameter": true,
}

// statusOf is the one table from error kind to HTTP status.
func statusOf(k errs.Kind) int {
	switch k {
	case errs.Invalid:
		return http.StatusUnprocessableEntity
	case errs.BadRequest:
		return http.StatusBadRequest
	case errs.Unauthenticated:
		return http.StatusUnauthorized
	case errs.Forbidden:
		return http.StatusForbidden
	case errs.NotFound:
		return http.StatusNotFound
	case errs.Conflict:
		return http.StatusConflict
	case errs.TooLarge:
		return http.StatusRequestEntityTooLarge
	case errs.RateLimited:
		return http.StatusTooManyRequests
	case errs.Unavailable:
		return http.StatusServiceUnavailable
	case errs.PreconditionFailed:
		return http.StatusPreconditionFailed
	}
	return http.StatusInternalServerError
}

// WriteError writes err in the Zendesk error shape for its kind. Internal
// errors are logged with the request id and answered with a generic message.
func WriteError(w http.ResponseWriter, r *http.Request, err error) {
	var e *errs.Error
	if !errors.As(err, &e) {
		e = errs.Wrap(errs.Internal, "", err)
	}
	status := statusOf(e.Kind)
	body := M{}
	switch e.Kind {
	case errs.Unauthenticated:
		body["error"] = "Couldn't authenticate you"
	case errs.Forbidden:
		msg := e.Msg
		if msg == "" {
			msg = forbiddenMsg
		}
		body["error"] = M{"title": "Forbidden", "message": msg}
	case errs.Internal:
		LoggerFrom(r.Context()).ErrorContext(r.Context(), "internal error",
			slog.String("error", err.Error()), slog.String("path", r.URL.Path))
		body["error"] = "InternalError"
		body["description"] = "Something went wrong. Please try again; if it persists, contact support with the request id."
	default:
		code, desc := e.Code, e.Msg
		if code == "" {
			code = defaultCode(e.Kind)
		}
		if desc == "" {
			desc = defaultDesc(e.Kind)
		}
		if listShaped[code] {
			body = M{"errors": []M{{"code": code, "title": desc, "detail": desc}}}
			break
		}
		body["error"] = code
		body["description"] = desc
		if len(e.Fields) > 0 {
			body["details"] = e.Fields
		}
		for k, v := range e.Extra {
			body[k] = v
		}
	}
	if e.Kind == errs.RateLimited {
		if ra, ok := e.Extra["retry_after"].(int); ok {
			w.Header().Set("Retry-After", strconv.Itoa(ra))
		}
	}
	_ = JSON(w, status, body)
}

func defaultCode(k errs.Kind) string {
	switch k {
	case errs.Invalid:
		return "RecordInvalid"
	case errs.NotFound:
		return "RecordNotFound"
	case errs.Conflict:
		return "RecordConflict"
	case errs.TooLarge:
		return "RequestTooLarge"
	case errs.RateLimited:
		return "TooManyRequests"
	case errs.Unavailable:
		return "Unavailable"
	case errs.PreconditionFailed:
		return "PreconditionFailed"
	}
	return "BadRequest"
}

func defaultDesc(k errs.Kind) string {
	switch k {
	case errs.Invalid:
		return "Record validation errors"
	case errs.NotFound:
		return "Not found"
	case errs.Conflict:
		return "The record was changed by someone else"
	case errs.TooLarge:
		return "Request body too large"
	case errs.RateLimited:
		return "Rate limit exceeded"
	case errs.Unavailable:
		return "Service temporarily unavailable"
	case errs.PreconditionFailed:
		return "Precondition failed"
	}
	return "Bad request"
}

// NotFoundHandler answers unknown API routes as Zendesk does.
func NotFoundHandler(w http.ResponseWriter, r *http.Request) {
	WriteError(w, r, &errs.Error{Kind: errs.NotFound, Code: "InvalidEndpoint", Msg: "Not found"})
}

// MethodNotAllowedHandler answers a known path with the wrong method.
func MethodNotAllowedHandler(w http.ResponseWriter, r *http.Request) {
	NotFoundHandler(w, r)
}

// Time formats a timestamp the way the API prints it.
func Time(t time.Time) string { return t.UTC().Format("2006-01-02T15:04:05Z") }

// TimePtr formats an optional timestamp; nil stays null.
func TimePtr(t *time.Time) *string {
	if t == nil {
		return nil
	}
	s := Time(*t)
	return &s
}

type ctxKey int

const (
	keyLogger ctxKey = iota
	keyBase
	keyWarn
	keyRequestID
	keyJSONSuffix
)

// WithLogger stores the request logger in ctx.
func WithLogger(ctx context.Context, l *slog.Logger) context.Context {
	return context.WithValue(ctx, keyLogger, l)
}

// LoggerFrom returns the request logger, or slog's default when absent.
func LoggerFrom(ctx context.Context) *slog.Logger {
	if l, ok := ctx.Value(keyLogger).(*slog.Logger); ok {
		return l
	}
	return slog.Default()
}

// RequestID returns the request id set by the middleware.
func RequestID(ctx context.Context) string {
	s, _ := ctx.Value(keyRequestID).(string)
	return s
}
