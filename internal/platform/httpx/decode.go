package httpx

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"reflect"
	"sort"
	"strconv"
	"strings"
	"sync"

	"parley/internal/platform/errs"
)

// MaxBulk is Zendesk's limit of records or ids in one bulk call.
const MaxBulk = 100

// ReadBody reads the whole request body, mapping an over-limit body (the
// limit is set by the BodyLimit middleware) to 413.
func ReadBody(r *http.Request) ([]byte, error) {
	if r.Body == nil {
		return nil, nil
	}
	b, err := io.ReadAll(r.Body)
	if err != nil {
		var mbe *http.MaxBytesError
		if errors.As(err, &mbe) {
			return nil, errs.Ef(errs.TooLarge, "Request body is larger than %d bytes", mbe.Limit)
		}
		return nil, errs.Wrap(errs.BadRequest, "Could not read request body", err)
	}
	return b, nil
}

// Decode reads a JSON object body and decodes the value under root into dst.
// Keys of that object which dst does not accept are ignored and reported in
// the x-zendesk-api-warn header, as Zendesk does. A missing root key is 400.
func Decode(w http.ResponseWriter, r *http.Request, root string, dst any) error {
	raw, err := DecodeRaw(r)
	if err != nil {
		return err
	}
	v, ok := raw[root]
	if !ok || isNull(v) {
		return errs.Ef(errs.BadRequest, "param is missing or the value is empty: %s", root).WithCode("ParameterMissing")
	}
	return DecodeValue(w, root, v, dst)
}

// DecodeUpdate is Decode for a single-record update: keys that only
// address records in bulk bodies (id) are read-only here, so they are
// ignored and reported in x-zendesk-api-warn as Zendesk does.
func DecodeUpdate(w http.ResponseWriter, r *http.Request, root string, dst any, readOnly ...string) error {
	raw, err := DecodeRaw(r)
	if err != nil {
		return err
	}
	v, ok := raw[root]
	if !ok || isNull(v) {
		return errs.Ef(errs.BadRequest, "param is missing or the value is empty: %s", root).WithCode("ParameterMissing")
	}
	var keys map[string]json.RawMessage
	if json.Unmarshal(v, &keys) == nil {
		var warn []string
		for _, k := range readOnly {
			if _, ok := keys[k]; ok {
				delete(keys, k)
				warn = append(warn, k)
			}
		}
		Warn(w, warn)
		v, _ = json.Marshal(keys)
	}
	return DecodeValue(w, root, v, dst)
}

// DecodeRaw reads the body as a JSON object of raw values.
func DecodeRaw(r *http.Request) (map[string]json.RawMessage, error) {
	b, err := ReadBody(r)
	if err != nil {
		return nil, err
	}
	if len(bytes.TrimSpace(b)) == 0 {
		return nil, errs.E(errs.BadRequest, "The request body is empty; a JSON object is expected").WithCode("ParameterMissing")
	}
	// PostgreSQL text cannot hold NUL, and no client means to send one.
	if bytes.IndexByte(b, 0) >= 0 || bytes.Contains(b, []byte(`\u0000`)) {
		return nil, errs.E(errs.BadRequest, "There was a problem in the JSON you submitted: strings cannot contain NUL characters").WithCode("InvalidJSON")
	}
	var raw map[string]json.RawMessage
	if err := json.Unmarshal(b, &raw); err != nil {
		return nil, jsonErr(err)
	}
	if raw == nil {
		return nil, errs.E(errs.BadRequest, "There was a problem in the JSON you submitted: expected an object").WithCode("InvalidJSON")
	}
	return raw, nil
}

// DecodeValue decodes one raw value (the object under a root key) into dst,
// warning about unknown keys. field names the value in error details.
func DecodeValue(w http.ResponseWriter, field string, v json.RawMessage, dst any) error {
	if err := json.Unmarshal(v, dst); err != nil {
		return typeErr(field, err)
	}
	var keys map[string]json.RawMessage
	if json.Unmarshal(v, &keys) == nil && w != nil {
		known := knownKeys(reflect.TypeOf(dst))
		var unknown []string
		for k := range keys {
			if !known[k] {
				unknown = append(unknown, k)
			}
		}
		Warn(w, unknown)
	}
	return nil
}

// DecodeList decodes the array under root (create_many bodies), enforcing
// the 100-record limit.
func DecodeList(w http.ResponseWriter, r *http.Request, root string, each func(i int, v json.RawMessage) error) (int, error) {
	raw, err := DecodeRaw(r)
	if err != nil {
		return 0, err
	}
	v, ok := raw[root]
	if !ok || isNull(v) {
		return 0, errs.Ef(errs.BadRequest, "param is missing or the value is empty: %s", root).WithCode("ParameterMissing")
	}
	var items []json.RawMessage
	if err := json.Unmarshal(v, &items); err != nil {
		return 0, typeErr(root, err)
	}
	if len(items) > MaxBulk {
		return 0, TooMany(root)
	}
	if len(items) == 0 {
		return 0, errs.Ef(errs.BadRequest, "param is missing or the value is empty: %s", root).WithCode("ParameterMissing")
	}
	for i, it := range items {
		if err := each(i, it); err != nil {
			return 0, err
		}
	}
	return len(items), nil
}

// Warn adds unknown or read-only keys to the x-zendesk-api-warn header.
func Warn(w http.ResponseWriter, keys []string) {
	if len(keys) == 0 {
		return
	}
	sort.Strings(keys)
	q := make([]string, len(keys))
	for i, k := range keys {
		q[i] = strconv.Quote(k)
	}
	w.Header().Add("x-zendesk-api-warn",
		fmt.Sprintf("Removed restricted keys [%s] from parameters according to schema", strings.Join(q, ", ")))
}

// TooMany is Zendesk's 400 for more than 100 values in a bulk call.
func TooMany(param string) error {
	return errs.Ef(errs.BadRequest, "Parameter %s cannot specify more than %d values", param, MaxBulk).
		WithCode("TooManyValues").With("max_count", MaxBulk)
}

func isNull(v json.RawMessage) bool {
	return len(bytes.TrimSpace(v)) == 0 || string(bytes.TrimSpace(v)) == "null"
}

func jsonErr(err error) error {
	var te *json.UnmarshalTypeError
	if errors.As(err, &te) {
		return errs.E(errs.BadRequest, "There was a problem in the JSON you submitted: expected an object").WithCode("InvalidJSON")
	}
	return errs.Wrap(errs.BadRequest, "There was a problem in the JSON you submitted: "+err.Error(), err).WithCode("InvalidJSON")
}

// typeErr reports a value of the wrong JSON type as a 422 on that field.
func typeErr(field string, err error) error {
	var te *json.UnmarshalTypeError
	if errors.As(err, &te) {
		name := te.Field
		if name == "" {
			name = field
		}
		return errs.Invalidf(name, "InvalidValue", "%s: is not a valid %s", name, jsonKind(te))
	}
	var se *json.SyntaxError
	if errors.As(err, &se) {
		return jsonErr(err)
	}
	// Errors raised by custom UnmarshalJSON methods.
	return errs.Invalidf(field, "InvalidValue", "%s: %s", field, err.Error())
}

func jsonKind(te *json.UnmarshalTypeError) string {
	if te.Type == nil {
		return "value"
	}
	switch te.Type.Kind() {
	case reflect.Int, reflect.Int64, reflect.Int32, reflect.Uint, reflect.Uint64:
		return "integer"
	case reflect.Bool:
		return "boolean"
	case reflect.String:
		return "string"
	case reflect.Slice:
		return "list"
	case reflect.Map, reflect.Struct:
		return "object"
	}
	return "value"
}

var knownCache sync.Map // reflect.Type -> map[string]bool

// knownKeys lists the JSON names a struct accepts (through embedded structs).
func knownKeys(t reflect.Type) map[string]bool {
	for t.Kind() == reflect.Pointer {
		t = t.Elem()
	}
	if v, ok := knownCache.Load(t); ok {
		return v.(map[string]bool)
	}
	m := map[string]bool{}
	if t.Kind() == reflect.Struct {
		collectKeys(t, m)
	}
	knownCache.Store(t, m)
	return m
}

func collectKeys(t reflect.Type, m map[string]bool) {
	for i := 0; i < t.NumField(); i++ {
		f := t.Field(i)
		tag := f.Tag.Get("json")
		name, _, _ := strings.Cut(tag, ",")
		if f.Anonymous && name == "" {
			ft := f.Type
			if ft.Kind() == reflect.Pointer {
				ft = ft.Elem()
			}
			if ft.Kind() == reflect.Struct {
				collectKeys(ft, m)
				continue
			}
		}
		if name == "-" || !f.IsExported() {
			continue
		}
		if name == "" {
			name = f.Name
		}
		m[name] = true
	}
}

// IDs parses a comma-separated id list parameter (show_many, destroy_many).
// More than 100 ids is TooManyValues; a non-integer is 400.
func IDs(r *http.Request, param string) ([]int64, error) {
	s := r.URL.Query().Get(param)
	if s == "" {
		return nil, nil
	}
	parts := strings.Split(s, ",")
	if len(parts) > MaxBulk {
		return nil, TooMany(param)
	}
	out := make([]int64, 0, len(parts))
	for _, p := range parts {
		p = strings.TrimSpace(p)
		if p == "" {
			continue
		}
		n, err := strconv.ParseInt(p, 10, 64)
		if err != nil || n <= 0 {
			return nil, errs.Ef(errs.BadRequest, "Parameter %s must be a comma-separated list of ids", param).WithCode("InvalidValue")
		}
		out = append(out, n)
	}
	return out, nil
}

// Strings parses a comma-separated string list parameter (external_ids).
func Strings(r *http.Request, param string) ([]string, error) {
	s := r.URL.Query().Get(param)
	if s == "" {
		return nil, nil
	}
	parts := strings.Split(s, ",")
	if len(parts) > MaxBulk {
		return nil, TooMany(param)
	}
	out := make([]string, 0, len(parts))
	for _, p := range parts {
		if p = strings.TrimSpace(p); p != "" {
			out = append(out, p)
		}
	}
	return out, nil
}

// Includes parses include=a,b into a set; unknown names are the caller's to
// ignore, as Zendesk ignores them.
func Includes(r *http.Request) map[string]bool {
	m := map[string]bool{}
	for _, v := range r.URL.Query()["include"] {
		for _, p := range strings.Split(v, ",") {
			if p = strings.TrimSpace(p); p != "" {
				m[p] = true
			}
		}
	}
	return m
}

// PathID parses a numeric path parameter; anything else is 404, since the
// record cannot exist.
func PathID(s string) (int64, error) {
	s = strings.TrimSuffix(s, ".json")
	n, err := strconv.ParseInt(s, 10, 64)
	if err != nil || n <= 0 {
		return 0, errs.NotFoundf("Not found")
	}
	return n, nil
}

// BoolParam parses an optional boolean query parameter.
func BoolParam(r *http.Request, name string) (*bool, error) {
	s := r.URL.Query().Get(name)
	if s == "" {
		return nil, nil
	}
	b, err := strconv.ParseBool(s)
	if err != nil {
		return nil, errs.Ef(errs.BadRequest, "Parameter %s must be true or false", name).WithCode("InvalidValue")
	}
	return &b, nil
}
