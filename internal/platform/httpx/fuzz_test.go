package httpx_test

import (
	"bytes"
	"encoding/json"
	"errors"
	"net/http"
	"net/http/httptest"
	"net/url"
	"reflect"
	"testing"
	"time"
	"unicode/utf8"

	"parley/internal/platform/db"
	"parley/internal/platform/errs"
	"parley/internal/platform/httpx"
	"parley/internal/platform/opt"
)

// fuzzRecord has every kind of field the rooms decode into.
type fuzzRecord struct {
	Name   opt.Opt[string]         `json:"name"`
	Count  opt.Opt[int64]          `json:"count"`
	Small  opt.Opt[int]            `json:"small"`
	On     opt.Opt[bool]           `json:"on"`
	Tags   opt.Opt[[]string]       `json:"tags"`
	Fields opt.Opt[map[string]any] `json:"fields"`
	ID     opt.ID                  `json:"id"`
	Plain  string                  `json:"plain"`
	List   []fuzzChild             `json:"list"`
	Child  *fuzzChild              `json:"child"`
}

type fuzzChild struct {
	X opt.Opt[int64] `json:"x"`
	Y string         `json:"y"`
}

// fuzzLimit is the body limit the fuzzed requests are read under.
const fuzzLimit = 4096

func newBodyRequest(data []byte) (*httptest.ResponseRecorder, *http.Request) {
	w := httptest.NewRecorder()
	r := httptest.NewRequest(http.MethodPost, "/api/v2/things", bytes.NewReader(data))
	r.Body = http.MaxBytesReader(w, r.Body, fuzzLimit)
	return w, r
}

// checkErr fails unless err is nil or an *errs.Error of a kind the API
// answers as a client error. tooBig says the body exceeded the limit.
func checkErr(t *testing.T, what string, data []byte, err error, tooBig bool) {
	t.Helper()
	if err == nil {
		if tooBig {
			t.Fatalf("%s accepted a %d-byte body over the %d-byte limit", what, len(data), fuzzLimit)
		}
		return
	}
	var e *errs.Error
	if !errors.As(err, &e) {
		t.Fatalf("%s(%q): error %T %v is not an *errs.Error (it would be a 500)", what, data, err, err)
	}
	switch e.Kind {
	case errs.BadRequest, errs.Invalid, errs.TooLarge:
	default:
		t.Fatalf("%s(%q): error kind %v (%v); want bad_request, invalid or too_large", what, data, e.Kind, err)
	}
	if tooBig && e.Kind != errs.TooLarge {
		t.Fatalf("%s: a %d-byte body over the limit gave %v; want too_large", what, len(data), err)
	}
	if e.Kind == errs.Invalid && len(e.Fields) == 0 {
		t.Fatalf("%s(%q): an invalid error without field details: %v", what, data, err)
	}
}

func FuzzDecode(f *testing.F) {
	for _, s := range []string{
		`{"thing":{"name":"Jane","count":3,"on":true,"tags":["a","b"],"fields":{"k":1},"id":"12"}}`,
		`{"thing":{"name":null,"count":"42","small":"7","on":"false","id":7}}`,
		`{"thing":{"name":5}}`,
		`{"thing":{"count":"abc","tags":"x","fields":[1]}}`,
		`{"thing":{"id":"x"}}`,
		`{"thing":{"id":1e400}}`,
		`{"thing":{"count":9223372036854775808}}`,
		`{"thing":{"list":[{"x":1},{"x":"2"},{"x":"no"}],"child":{"y":3}}}`,
		`{"thing":[]}`,
		`{"thing":"x"}`,
		`{"thing":null}`,
		`{"things":[{"name":"a"},{"name":"b"}]}`,
		`{"things":[1,"x",null,{}]}`,
		`{"things":{}}`,
		`{"things":[]}`,
		`{"other":1}`,
		`{"thing":{"name":"x","unknown":1,"also":2}}`,
		`{"thing":{"name":"\u0000\ud800"}}`,
		"{\"thing\":{\"name\":\"\xff\xfe\"}}",
		`[1,2]`, `"s"`, `42`, `null`, `true`, ``, `   `, `{`, `{"thing":`, `{} {}`, `{"a":1}x`,
		`{"thing":{"name":"x"},"thing":{"name":5}}`,
		`{"thing":{"fields":{"a":{"b":{"c":[1,2,{"d":null}]}}}}}`,
	} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		tooBig := len(data) > fuzzLimit

		w, r := newBodyRequest(data)
		raw, err := httpx.DecodeRaw(r)
		checkErr(t, "DecodeRaw", data, err, tooBig)
		if err == nil {
			if raw == nil || !json.Valid(data) {
				t.Fatalf("DecodeRaw(%q) accepted a body that is not a JSON object", data)
			}
		}

		w, r = newBodyRequest(data)
		var rec fuzzRecord
		err = httpx.Decode(w, r, "thing", &rec)
		checkErr(t, "Decode", data, err, tooBig)
		if err == nil {
			var top map[string]json.RawMessage
			if json.Unmarshal(data, &top) != nil || top["thing"] == nil || string(bytes.TrimSpace(top["thing"])) == "null" {
				t.Fatalf("Decode(%q) succeeded without a non-null root key", data)
			}
		}

		w, r = newBodyRequest(data)
		n, err := httpx.DecodeList(w, r, "things", func(i int, v json.RawMessage) error {
			var rec fuzzRecord
			return httpx.DecodeValue(w, "things", v, &rec)
		})
		checkErr(t, "DecodeList", data, err, tooBig)
		if err == nil && (n < 1 || n > httpx.MaxBulk) {
			t.Fatalf("DecodeList(%q) accepted %d records", data, n)
		}
		if err != nil && n != 0 {
			t.Fatalf("DecodeList(%q) failed but reported %d records", data, n)
		}
	})
}

// fuzzSorts mirrors the rooms' whitelists: column names equal the public
// names so the test can tell which sort a List chose.
var fuzzSorts = httpx.Sorts{
	"id":         {Column: "id", Kind: httpx.KindInt},
	"name":       {Column: "name", Kind: httpx.KindString},
	"created_at": {Column: "created_at", Kind: httpx.KindTime},
	"position":   {Column: "position", Kind: httpx.KindInt},
}

func listRequest(rawQuery string) *http.Request {
	r := &http.Request{Method: http.MethodGet, URL: &url.URL{Path: "/api/v2/users", RawQuery: rawQuery}, Header: http.Header{}}
	return r.WithContext(httpx.WithBase(r.Context(), "https://acme.example.com"))
}

func FuzzParseList(f *testing.F) {
	for _, s := range []string{
		"", "page=2", "page=2&per_page=50", "per_page=1000", "page=abc", "page=0", "per_page=-1",
		"page=100&per_page=100", "page=101&per_page=100", "page=99999999999999999999",
		"sort_by=name&sort_order=desc", "sort_by=bogus",
		"page[size]=10", "page[size]=0", "page[size]=101", "page[size]=abc", "page%5Bsize%5D=5",
		"page[size]=5&sort=-name", "page[size]=5&sort=created_at", "page[size]=5&sort=bogus", "page[size]=5&sort=-",
		"page[after]=eyJvIjoiaWQiLCJpIjozfQ==", "page[before]=eyJvIjoiaWQiLCJpIjozfQ",
		"page[after]=eyJvIjoiaWQiLCJpIjozfQ==&page[before]=eyJvIjoiaWQiLCJpIjozfQ==",
		"page[size]=2&sort=name&page[after]=eyJvIjoibmFtZSIsInYiOiJCb2IiLCJpIjoyfQ==",
		"page[size]=2&sort=created_at&page[after]=eyJvIjoiY3JlYXRlZF9hdCIsInYiOiIyMDI0LTAxLTAyVDAzOjA0OjA1LjEyMzQ1NloiLCJpIjo5fQ==",
		"page[size]=2&sort=position&page[after]=eyJvIjoicG9zaXRpb24iLCJ2IjoxZTMwMCwiaSI6MX0=",
		"page[after]=!!!", "page[after]=", "page[after]=e30=", "page[after]=bnVsbA==",
		"page=1&page=2&per_page=%zz", "&&&==&", "page[size]=3&page[size]=500",
	} {
		f.Add(s, int64(7), "Zoë", int64(1700000000))
	}
	f.Fuzz(func(t *testing.T, q string, id int64, name string, unix int64) {
		r := listRequest(q)
		l, err := httpx.ParseList(r, fuzzSorts, "id")
		if err != nil {
			var e *errs.Error
			if !errors.As(err, &e) || e.Kind != errs.BadRequest {
				t.Fatalf("ParseList(%q): %T %v; want an *errs.Error of kind bad_request", q, err, err)
			}
			if e.Code != "InvalidPaginationParameter" && e.Code != "InvalidPaginationDepth" {
				t.Fatalf("ParseList(%q): code %q", q, e.Code)
			}
			return
		}
		if l.Limit < 1 || l.Limit > httpx.MaxPerPage {
			t.Fatalf("ParseList(%q): limit %d outside 1..100", q, l.Limit)
		}
		if _, ok := fuzzSorts[l.Sort]; !ok {
			t.Fatalf("ParseList(%q): sort column %q is not whitelisted", q, l.Sort)
		}
		if !l.Cursor {
			// (Offset is not checked here: page*per_page can overflow; see
			// TestParseListDepthOverflow.)
			if l.PageNum < 1 || l.PerPage != l.Limit {
				t.Fatalf("ParseList(%q): offset page %+v", q, l)
			}
			_ = l.Envelope(r, "users", []any{}, httpx.Result{Total: 5}, nil)
			return
		}
		if !l.Keyset || l.Offset != 0 {
			t.Fatalf("ParseList(%q): cursor mode without keyset paging: %+v", q, l)
		}
		// Whatever position a page ends at, its cursors must lead back to it.
		if id <= 0 {
			return
		}
		var v any
		switch fuzzSorts[l.Sort].Kind {
		case httpx.KindString:
			if !utf8.ValidString(name) {
				return // stored names are always valid UTF-8
			}
			v = name
		case httpx.KindTime:
			// Stored timestamps lie within RFC 3339's years 1..9999.
			sec, nsec := unix%253402300799, unix%1_000_000_000
			if sec < -62135596800 {
				return
			}
			if nsec < 0 {
				nsec = -nsec
			}
			v = time.Unix(sec, nsec).UTC()
		default:
			v = id
			if l.Sort != "id" {
				v = unix % (1 << 53) // JSON numbers are exact to 2^53
			}
		}
		key := db.Key{V: v, ID: id}
		env := l.Envelope(r, "users", []any{map[string]any{}}, httpx.Result{More: true, Keys: []db.Key{key}}, nil)
		meta, _ := env["meta"].(httpx.M)
		links, _ := env["links"].(httpx.M)
		if _, hasCount := env["count"]; hasCount {
			t.Fatalf("ParseList(%q): cursor envelope has a count", q)
		}
		for _, dir := range []struct{ cursorKey, linkKey, param string }{
			{"after_cursor", "next", "page[after]"}, {"before_cursor", "prev", "page[before]"},
		} {
			c, _ := meta[dir.cursorKey].(string)
			link, _ := links[dir.linkKey].(string)
			u, err := url.Parse(link)
			if c == "" || err != nil || u.Query().Get(dir.param) != c {
				t.Fatalf("ParseList(%q): %s %q and link %q do not agree", q, dir.cursorKey, c, link)
			}
			back, err := httpx.ParseList(listRequest(u.RawQuery), fuzzSorts, "id")
			if err != nil {
				t.Fatalf("ParseList(%q): following %s %q: %v", q, dir.linkKey, link, err)
			}
			if back.After == nil || back.After.ID != key.ID || back.Sort != l.Sort || back.Desc != l.Desc ||
				back.Before != (dir.param == "page[before]") || back.Limit != l.Limit {
				t.Fatalf("ParseList(%q): %s leads to %+v (after %+v); want position %+v", q, dir.linkKey, back, back.After, key)
			}
			if l.Sort != "id" && !reflect.DeepEqual(back.After.V, key.V) {
				t.Fatalf("ParseList(%q): %s cursor value %#v; want %#v", q, dir.linkKey, back.After.V, key.V)
			}
		}
	})
}
