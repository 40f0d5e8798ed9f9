package search

import (
	"net/http"
	"net/url"
	"strconv"

	"github.com/go-chi/chi/v5"

	"parley/internal/platform/httpx"
)

// API serves /search, /search/count and /search/export.
type API struct{ s *Service }

// NewAPI builds the search API.
func NewAPI(s *Service) *API { return &API{s: s} }

// Routes registers the search endpoints.
func (h *API) Routes(r chi.Router) {
	r.Get("/search", httpx.H(h.search))
	r.Get("/search/count", httpx.H(h.count))
	r.Get("/search/export", httpx.H(h.export))
}

// intParam reads an optional integer parameter; a malformed one is the
// search error "<name> must be an integer".
func intParam(q url.Values, name string, def int) (int, error) {
	s := q.Get(name)
	if s == "" {
		return def, nil
	}
	n, err := strconv.Atoi(s)
	if err != nil {
		return 0, invalidf("%s must be an integer", name)
	}
	return n, nil
}

// search is GET /search: offset pages only, at most MaxResults deep.
func (h *API) search(w http.ResponseWriter, r *http.Request) error {
	q := r.URL.Query()
	if q.Has("page[size]") || q.Has("page[after]") || q.Has("page[before]") {
		// Zendesk reads page[size] as a page that is not a number.
		return invalid("page must be an integer")
	}
	page, err := intParam(q, "page", 1)
	if err != nil {
		return err
	}
	per, err := intParam(q, "per_page", MaxPerPage)
	if err != nil {
		return err
	}
	if per > MaxPerPage {
		per = MaxPerPage
	}
	if page < 1 || per < 1 {
		return invalid("page and per_page must be positive integers")
	}
	hits, total, err := h.s.Search(r.Context(), Request{Query: q.Get("query"), SortBy: q.Get("sort_by"),
		SortOrder: q.Get("sort_order"), Page: page, PerPage: per})
	if err != nil {
		return err
	}
	results, err := h.s.Render(r.Context(), hits)
	if err != nil {
		return err
	}
	body := httpx.M{"results": results, "facets": nil, "next_page": nil, "previous_page": nil, "count": total}
	// The next page exists only while it is inside the 1,000-result window.
	if int64(page*per) < total && (page+1)*per <= MaxResults {
		body["next_page"] = pageURL(r, "page", strconv.Itoa(page+1))
	}
	if page > 1 {
		body["previous_page"] = pageURL(r, "page", strconv.Itoa(page-1))
	}
	return httpx.JSON(w, http.StatusOK, body)
}

// count is GET /search/count.
func (h *API) count(w http.ResponseWriter, r *http.Request) error {
	n, err := h.s.Count(r.Context(), r.URL.Query().Get("query"))
	if err != nil {
		return err
	}
	return httpx.JSON(w, http.StatusOK, httpx.M{"count": n})
}

// export is GET /search/export: cursor pages of one type.
func (h *API) export(w http.ResponseWriter, r *http.Request) error {
	q := r.URL.Query()
	size, err := intParam(q, "page[size]", 100)
	if err != nil {
		return err
	}
	page, err := h.s.Export(r.Context(), ExportRequest{Query: q.Get("query"), Type: q.Get("filter[type]"), Size: size,
		After: q.Get("page[after]")})
	if err != nil {
		return err
	}
	results, err := h.s.Render(r.Context(), page.Hits)
	if err != nil {
		return err
	}
	var after, next any
	if page.After != "" {
		after = page.After
	}
	if page.More {
		next = pageURL(r, "page[after]", page.After)
	}
	return httpx.JSON(w, http.StatusOK, httpx.M{
		"results": results,
		"facets":  nil,
		"meta":    httpx.M{"has_more": page.More, "after_cursor": after, "before_cursor": nil},
		"links":   httpx.M{"prev": nil, "next": next},
	})
}

// pageURL is the request's URL with one parameter replaced.
func pageURL(r *http.Request, key, val string) string {
	q := r.URL.Query()
	q.Set(key, val)
	return httpx.BaseURL(r.Context()) + r.URL.Path + httpx.Suffix(r.Context()) + "?" + q.Encode()
}
