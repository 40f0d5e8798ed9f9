package httpx_test

import (
	"encoding/json"
	"errors"
	"net/url"
	"reflect"
	"testing"
	"time"

	"parley/internal/platform/db"
	"parley/internal/platform/errs"
	"parley/internal/platform/httpx"
)

func parse(t *testing.T, q string) httpx.List {
	t.Helper()
	l, err := httpx.ParseList(listRequest(q), fuzzSorts, "id")
	if err != nil {
		t.Fatalf("ParseList(%q): %v", q, err)
	}
	return l
}

func parseErr(t *testing.T, q string) *errs.Error {
	t.Helper()
	_, err := httpx.ParseList(listRequest(q), fuzzSorts, "id")
	var e *errs.Error
	if !errors.As(err, &e) {
		t.Fatalf("ParseList(%q): %v; want an *errs.Error", q, err)
	}
	return e
}

func TestParseListOffset(t *testing.T) {
	for _, c := range []struct {
		q                        string
		page, per, limit, offset int
		sort                     string
		desc                     bool
	}{
		{q: "", page: 1, per: 100, limit: 100, offset: 0, sort: "id"},
		{q: "page=3&per_page=20", page: 3, per: 20, limit: 20, offset: 40, sort: "id"},
		{q: "per_page=1000", page: 1, per: 100, limit: 100, offset: 0, sort: "id"},
		{q: "page=100&per_page=100", page: 100, per: 100, limit: 100, offset: 9900, sort: "id"},
		{q: "sort_by=name&sort_order=desc", page: 1, per: 100, limit: 100, sort: "name", desc: true},
		{q: "sort_by=name&sort_order=DESC", page: 1, per: 100, limit: 100, sort: "name", desc: true},
		{q: "sort_by=password&sort_order=asc", page: 1, per: 100, limit: 100, sort: "id"},
		// Zendesk ignores cursor-style sort in offset mode.
		{q: "sort=-name", page: 1, per: 100, limit: 100, sort: "id"},
	} {
		l := parse(t, c.q)
		if l.Cursor || l.Keyset || l.PageNum != c.page || l.PerPage != c.per || l.Limit != c.limit || l.Offset != c.offset ||
			l.Sort != c.sort || l.Desc != c.desc {
			t.Errorf("ParseList(%q) = %+v; want page %d per %d limit %d offset %d sort %s desc %v",
				c.q, l, c.page, c.per, c.limit, c.offset, c.sort, c.desc)
		}
	}
}

func TestParseListCursor(t *testing.T) {
	l := parse(t, "page[size]=10&sort=-created_at")
	if !l.Cursor || !l.Keyset || l.Limit != 10 || l.Sort != "created_at" || !l.Desc || l.After != nil || l.Before {
		t.Errorf("cursor parse = %+v", l)
	}
	// Any page[...] parameter selects cursor mode; the size defaults to 100.
	l = parse(t, "page[after]="+cursorFor(t, "page[size]=1", db.Key{V: int64(4), ID: 4}))
	if !l.Cursor || l.Limit != 100 || l.After == nil || l.After.ID != 4 {
		t.Errorf("page[after] alone = %+v", l)
	}
	// sort_by/sort_order are ignored in cursor mode, as Zendesk does.
	l = parse(t, "page[size]=5&sort_by=name&sort_order=desc")
	if l.Sort != "id" || l.Desc {
		t.Errorf("sort_by in cursor mode = %+v; want id ascending", l)
	}
}

func TestParseListErrors(t *testing.T) {
	after := cursorFor(t, "page[size]=1", db.Key{V: int64(1), ID: 1})
	nameCursor := cursorFor(t, "page[size]=1&sort=name", db.Key{V: "Ann", ID: 1})
	for _, c := range []struct{ q, code string }{
		{"page=abc", "InvalidPaginationParameter"},
		{"page=0", "InvalidPaginationParameter"},
		{"page=-3", "InvalidPaginationParameter"},
		{"per_page=0", "InvalidPaginationParameter"},
		{"per_page=-1", "InvalidPaginationParameter"},
		{"per_page=1.5", "InvalidPaginationParameter"},
		{"page[size]=0", "InvalidPaginationParameter"},
		{"page[size]=101", "InvalidPaginationParameter"},
		{"page[size]=abc", "InvalidPaginationParameter"},
		{"page[size]=5&sort=password", "InvalidPaginationParameter"},
		{"page[after]=" + after + "&page[before]=" + after, "InvalidPaginationParameter"},
		{"page[after]=%21%21%21", "InvalidPaginationParameter"},
		{"page[after]=" + url.QueryEscape("eyJvIjoiaWQiLCJpIjowfQ=="), "InvalidPaginationParameter"}, // id 0
		{"page[after]=" + nameCursor, "InvalidPaginationParameter"},                                  // made for sort=name
		{"page=101&per_page=100", "InvalidPaginationDepth"},
		{"page=10001&per_page=1", "InvalidPaginationDepth"},
		{"page=200&per_page=500", "InvalidPaginationDepth"}, // per_page is clamped to 100 first
	} {
		e := parseErr(t, c.q)
		if e.Kind != errs.BadRequest || e.Code != c.code {
			t.Errorf("ParseList(%q) = %v; want bad_request %s", c.q, e, c.code)
		}
	}
}

// TestParseListDepthOverflow: page*per_page must not wrap around and slip
// past the 10,000-record limit (or produce a negative offset).
func TestParseListDepthOverflow(t *testing.T) {
	for _, q := range []string{
		"page=92233720368547759&per_page=100", // page*per_page wraps negative
		"page=4611686018427387904&per_page=4", // wraps to 0; the offset to -4
		"page=9223372036854775807&per_page=2", // wraps to -2; the offset to -4
		"page=6148914691236517206&per_page=3", // wraps to 2; the offset to -1
	} {
		l, err := httpx.ParseList(listRequest(q), fuzzSorts, "id")
		var e *errs.Error
		if !errors.As(err, &e) || e.Code != "InvalidPaginationDepth" {
			t.Errorf("ParseList(%q) = offset %d, limit %d, err %v; want 400 InvalidPaginationDepth", q, l.Offset, l.Limit, err)
		}
	}
}

// cursorFor runs a list request and returns the after_cursor its
// envelope gives for a page ending at key.
func cursorFor(t *testing.T, q string, key db.Key) string {
	t.Helper()
	l := parse(t, q)
	env := l.Envelope(listRequest(q), "things", []any{}, httpx.Result{More: true, Keys: []db.Key{key}}, nil)
	c, _ := env["meta"].(httpx.M)["after_cursor"].(string)
	if c == "" {
		t.Fatalf("no after_cursor in %v", env)
	}
	return url.QueryEscape(c)
}

func TestEnvelopeCursorRoundTrip(t *testing.T) {
	created := time.Date(2024, 1, 2, 3, 4, 5, 123456789, time.FixedZone("X", 3600))
	for _, c := range []struct {
		q          string
		first, end db.Key
	}{
		{"page[size]=2", db.Key{V: int64(3), ID: 3}, db.Key{V: int64(8), ID: 8}},
		{"page[size]=2&sort=name", db.Key{V: "Ann", ID: 9}, db.Key{V: "Zoë O'Brien & co", ID: 2}},
		{"page[size]=2&sort=-name", db.Key{V: "Zed", ID: 1}, db.Key{V: "", ID: 5}},
		{"page[size]=2&sort=created_at", db.Key{V: created.Add(-time.Hour), ID: 4}, db.Key{V: created, ID: 6}},
		{"page[size]=2&sort=position", db.Key{V: int64(-5), ID: 7}, db.Key{V: int64(1 << 40), ID: 3}},
	} {
		r := listRequest(c.q)
		l := parse(t, c.q)
		env := l.Envelope(r, "things", []any{1, 2}, httpx.Result{More: true, Keys: []db.Key{c.first, c.end}}, httpx.M{"extra": []int{}})
		if _, ok := env["count"]; ok {
			t.Errorf("%s: cursor envelope has count: %v", c.q, env)
		}
		if _, ok := env["extra"]; !ok {
			t.Errorf("%s: side-load lost: %v", c.q, env)
		}
		meta := env["meta"].(httpx.M)
		links := env["links"].(httpx.M)
		if meta["has_more"] != true {
			t.Errorf("%s: has_more = %v", c.q, meta["has_more"])
		}
		for _, d := range []struct {
			cursor, link, param string
			want                db.Key
			before              bool
		}{
			{"after_cursor", "next", "page[after]", c.end, false},
			{"before_cursor", "prev", "page[before]", c.first, true},
		} {
			cur := meta[d.cursor].(string)
			// The cursor, sent back as the client would...
			q := c.q + "&" + url.Values{d.param: {cur}}.Encode()
			back := parse(t, q)
			// ...and the link, followed as it is.
			u, err := url.Parse(links[d.link].(string))
			if err != nil || u.Scheme != "https" || u.Host != "acme.example.com" || u.Path != "/api/v2/users" {
				t.Fatalf("%s: %s link %v", c.q, d.link, links[d.link])
			}
			viaLink := parse(t, u.RawQuery)
			for _, got := range []httpx.List{back, viaLink} {
				want := d.want
				if tm, ok := want.V.(time.Time); ok {
					want.V = tm.UTC()
				}
				if got.After == nil || !reflect.DeepEqual(*got.After, want) || got.Before != d.before ||
					got.Sort != l.Sort || got.Desc != l.Desc || got.Limit != 2 {
					t.Errorf("%s: %s leads to %+v at %+v; want %+v (before=%v)", c.q, d.cursor, got, got.After, want, d.before)
				}
			}
			// The link keeps the other parameters and never carries both directions.
			if u.Query().Get("page[size]") != "2" || (u.Query().Has("page[after]") && u.Query().Has("page[before]")) {
				t.Errorf("%s: %s link %s", c.q, d.link, u)
			}
		}
	}
}

func TestEnvelopeCursorEmptyPage(t *testing.T) {
	l := parse(t, "page[size]=5")
	env := l.Envelope(listRequest("page[size]=5"), "things", []any{}, httpx.Result{}, nil)
	b, _ := json.Marshal(env)
	want := `{"links":{"next":null,"prev":null},"meta":{"after_cursor":null,"before_cursor":null,"has_more":false},"things":[]}`
	if string(b) != want {
		t.Errorf("empty cursor page = %s; want %s", b, want)
	}
}

func TestEnvelopeOffset(t *testing.T) {
	for _, c := range []struct {
		q          string
		total      int64
		next, prev string
	}{
		{"per_page=10", 35, "page=2&per_page=10", ""},
		{"page=2&per_page=10", 35, "page=3&per_page=10", "page=1&per_page=10"},
		{"page=4&per_page=10&sort_by=name", 35, "", "page=3&per_page=10&sort_by=name"},
		{"page=2&per_page=10", 20, "", "page=1&per_page=10"},
		{"", 0, "", ""},
	} {
		l := parse(t, c.q)
		env := l.Envelope(listRequest(c.q), "things", []any{}, httpx.Result{Total: c.total}, nil)
		if env["count"] != c.total {
			t.Errorf("%q: count %v, want %d", c.q, env["count"], c.total)
		}
		if _, ok := env["meta"]; ok {
			t.Errorf("%q: offset envelope has meta", c.q)
		}
		for _, p := range []struct {
			key, want string
		}{{"next_page", c.next}, {"previous_page", c.prev}} {
			got := env[p.key]
			if p.want == "" {
				if got != nil {
					t.Errorf("%q: %s = %v, want null", c.q, p.key, got)
				}
				continue
			}
			s, _ := got.(string)
			u, err := url.Parse(s)
			wantQ, _ := url.ParseQuery(p.want)
			if err != nil || u.Host != "acme.example.com" || !reflect.DeepEqual(u.Query(), wantQ) {
				t.Errorf("%q: %s = %v, want ...?%s", c.q, p.key, got, p.want)
			}
		}
	}
}
