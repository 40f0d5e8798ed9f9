package httpx

import (
	"encoding/base64"
	"encoding/json"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"parley/internal/platform/db"
	"parley/internal/platform/errs"
)

// ValueKind is the type of a sort column, so a cursor can be decoded back.
type ValueKind int

const (
	// KindInt is an integer column.
	KindInt ValueKind = iota
	// KindString is a text column.
	KindString
	// KindTime is a timestamp column.
	KindTime
)

// SortField maps a public sort name to a column.
type SortField struct {
	Column string
	Kind   ValueKind
}

// Sorts is the whitelist of sortable fields for one list endpoint.
type Sorts map[string]SortField

// DefaultPerPage and MaxPerPage follow Zendesk; MaxOffsetDepth is the 10,000
// record limit on offset pagination.
const (
	DefaultPerPage = 100
	MaxPerPage     = 100
	MaxOffsetDepth = 10000
)

// List is a parsed list request: offset (page, per_page) or cursor
// (page[size], page[after], page[before]).
type List struct {
	db.Page
	Cursor   bool
	PageNum  int
	PerPage  int
	sortName string
}

func pageErr(msg string) error {
	return errs.E(errs.BadRequest, msg).WithCode("InvalidPaginationParameter")
}

func intParam(q url.Values, name string) (int, bool, error) {
	s := q.Get(name)
	if s == "" {
		return 0, false, nil
	}
	n, err := strconv.Atoi(s)
	if err != nil {
		return 0, true, pageErr(name + " must be an integer")
	}
	return n, true, nil
}

// IsCursor reports whether a request asks for cursor pagination.
func IsCursor(r *http.Request) bool {
	q := r.URL.Query()
	return q.Has("page[size]") || q.Has("page[after]") || q.Has("page[before]")
}

// ParseList reads pagination and sorting. def is the default sort name
// ("" = id). Cursor mode is chosen by any page[...] parameter, as Zendesk.
func ParseList(r *http.Request, sorts Sorts, def string) (List, error) {
	q := r.URL.Query()
	var l List
	cursor := IsCursor(r)
	if cursor {
		l.Cursor = true
		l.Keyset = true
		size, set, err := intParam(q, "page[size]")
		if err != nil {
			return l, err
		}
		if !set {
			size = DefaultPerPage
		}
		if size < 1 || size > MaxPerPage {
			return l, pageErr("page[size] must be between 1 and 100")
		}
		l.Limit = size
		l.sortName = def
		if s := q.Get("sort"); s != "" {
			name, desc := strings.TrimPrefix(s, "-"), strings.HasPrefix(s, "-")
			if _, ok := sorts[name]; !ok && name != "id" {
				return l, pageErr("sort is not valid for cursor pagination: " + s)
			}
			l.sortName, l.Desc = name, desc
		}
		l.Sort = columnOf(sorts, l.sortName)
		after, before := q.Get("page[after]"), q.Get("page[before]")
		if after != "" && before != "" {
			return l, pageErr("page[after] and page[before] cannot be used together")
		}
		tok := after
		if before != "" {
			tok, l.Before = before, true
		}
		if tok != "" {
			k, err := decodeCursor(tok, l.sortName, sorts)
			if err != nil {
				return l, err
			}
			l.After = k
		}
		return l, nil
	}
	pg, set, err := intParam(q, "page")
	if err != nil {
		return l, err
	}
	if !set {
		pg = 1
	}
	per, set, err := intParam(q, "per_page")
	if err != nil {
		return l, err
	}
	if !set {
		per = DefaultPerPage
	}
	if pg < 1 {
		return l, pageErr("page must be a positive integer")
	}
	if per < 1 {
		return l, pageErr("per_page must be a positive integer")
	}
	if per > MaxPerPage {
		per = MaxPerPage
	}
	if pg > 1 && pg > MaxOffsetDepth/per {
		return l, errs.E(errs.BadRequest, "Offset pagination is limited to the first 10,000 records; use cursor pagination").
			WithCode("InvalidPaginationDepth")
	}
	l.PageNum, l.PerPage = pg, per
	l.Limit, l.Offset = per, (pg-1)*per
	l.sortName = def
	if sb := q.Get("sort_by"); sb != "" {
		if _, ok := sorts[sb]; ok {
			l.sortName = sb
		}
	}
	l.Sort = columnOf(sorts, l.sortName)
	l.Desc = strings.EqualFold(q.Get("sort_order"), "desc")
	return l, nil
}

func columnOf(sorts Sorts, name string) string {
	if f, ok := sorts[name]; ok {
		return f.Column
	}
	return "id"
}

type cursorBody struct {
	O string `json:"o"`
	V any    `json:"v,omitempty"`
	I int64  `json:"i"`
}

func encodeCursor(sortName string, k db.Key) string {
	v := k.V
	if t, ok := v.(time.Time); ok {
		v = t.UTC().Format(time.RFC3339Nano)
	}
	b, _ := json.Marshal(cursorBody{O: sortName, V: v, I: k.ID})
	return base64.URLEncoding.EncodeToString(b)
}

func decodeCursor(s, sortName string, sorts Sorts) (*db.Key, error) {
	b, err := base64.URLEncoding.DecodeString(s)
	if err != nil {
		if b, err = base64.StdEncoding.DecodeString(s); err != nil {
			return nil, pageErr("the cursor is not valid")
		}
	}
	var c cursorBody
	if err := json.Unmarshal(b, &c); err != nil || c.I <= 0 {
		return nil, pageErr("the cursor is not valid")
	}
	if c.O != sortName {
		return nil, pageErr("the cursor was made for another sort order")
	}
	k := &db.Key{ID: c.I}
	f, ok := sorts[sortName]
	if !ok {
		return k, nil
	}
	switch f.Kind {
	case KindString:
		s, ok := c.V.(string)
		if !ok {
			return nil, pageErr("the cursor is not valid")
		}
		k.V = s
	case KindTime:
		s, _ := c.V.(string)
		t, err := time.Parse(time.RFC3339Nano, s)
		if err != nil {
			return nil, pageErr("the cursor is not valid")
		}
		k.V = t.UTC()
	default:
		n, ok := c.V.(float64)
		if !ok {
			return nil, pageErr("the cursor is not valid")
		}
		k.V = int64(n)
	}
	return k, nil
}

// Result is one page of items, ready to write.
type Result struct {
	// Total is the full count (offset mode only).
	Total int64
	// More says whether a keyset page has a successor.
	More bool
	// Keys gives each item's keyset position, in order (cursor mode only).
	Keys []db.Key
}

// Envelope builds the list body: items under root plus offset or cursor
// pagination keys. extra (side-loads) is merged in.
func (l List) Envelope(r *http.Request, root string, items any, res Result, extra M) M {
	body := M{root: items}
	for k, v := range extra {
		body[k] = v
	}
	if l.Cursor {
		meta := M{"has_more": res.More, "after_cursor": nil, "before_cursor": nil}
		links := M{"next": nil, "prev": nil}
		if n := len(res.Keys); n > 0 {
			after := encodeCursor(l.sortName, res.Keys[n-1])
			before := encodeCursor(l.sortName, res.Keys[0])
			meta["after_cursor"], meta["before_cursor"] = after, before
			// The link in the direction of travel exists only while more
			// records follow; the way back always does.
			if res.More || l.Before {
				links["next"] = pageURL(r, map[string]string{"page[after]": after}, "page[before]")
			}
			if res.More || !l.Before {
				links["prev"] = pageURL(r, map[string]string{"page[before]": before}, "page[after]")
			}
		}
		body["meta"], body["links"] = meta, links
		return body
	}
	body["count"] = res.Total
	body["next_page"], body["previous_page"] = nil, nil
	if int64(l.PageNum*l.PerPage) < res.Total {
		body["next_page"] = pageURL(r, map[string]string{"page": strconv.Itoa(l.PageNum + 1)})
	}
	if l.PageNum > 1 {
		body["previous_page"] = pageURL(r, map[string]string{"page": strconv.Itoa(l.PageNum - 1)})
	}
	return body
}

// Write writes a list response with status 200.
func (l List) Write(w http.ResponseWriter, r *http.Request, root string, items any, res Result, extra M) error {
	return JSON(w, http.StatusOK, l.Envelope(r, root, items, res, extra))
}

// pageURL is the request's own URL with some query parameters replaced.
func pageURL(r *http.Request, set map[string]string, drop ...string) string {
	q := r.URL.Query()
	for _, d := range drop {
		q.Del(d)
	}
	for k, v := range set {
		q.Set(k, v)
	}
	return BaseURL(r.Context()) + r.URL.Path + Suffix(r.Context()) + "?" + q.Encode()
}
