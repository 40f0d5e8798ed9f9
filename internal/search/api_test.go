package search_test

import (
	"encoding/base64"
	"fmt"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"parley/internal/app/apptest"
	"parley/internal/auth"
	"parley/internal/platform/clock"
	"parley/internal/search"
)

func get(t *testing.T, s *apptest.Server, tn apptest.Tenant, path string, q url.Values) apptest.Response {
	t.Helper()
	if q != nil {
		path += "?" + q.Encode()
	}
	return s.Do(t, apptest.Request{Path: path, Host: tn.Host, Auth: tn.TokenAuth()})
}

// refs names the results of a response body (result_type + id).
func refs(t *testing.T, f fixture, body map[string]any) []string {
	t.Helper()
	var out []string
	for _, r := range body["results"].([]any) {
		m := r.(map[string]any)
		rt := search.ResultType(m["result_type"].(string))
		out = append(out, f.ref(search.Hit{Type: rt, ID: int64(m["id"].(float64))}))
	}
	return out
}

func wantError(t *testing.T, r apptest.Response, status int, errName, descPart string) {
	t.Helper()
	if r.Status != status {
		t.Fatalf("status %d, want %d: %s", r.Status, status, r.Body)
	}
	m := r.JSON(t)
	if m["error"] != errName || !strings.Contains(m["description"].(string), descPart) {
		t.Fatalf("body %s; want error %q with %q", r.Body, errName, descPart)
	}
}

func testHTTP(t *testing.T, s *apptest.Server, f fixture) {
	tn := s.Default
	for _, path := range []string{"/api/v2/search.json", "/api/v2/search"} {
		r := get(t, s, tn, path, url.Values{"query": {"printer"}})
		if r.Status != http.StatusOK {
			t.Fatalf("%s: %d %s", path, r.Status, r.Body)
		}
		body := r.JSON(t)
		if got := refs(t, f, body); !cmp.Equal(got, []string{"t21", "t1", "t16", "u:alice"}) {
			t.Errorf("%s results %v", path, got)
		}
		if v, ok := body["facets"]; !ok || v != nil {
			t.Errorf("facets = %v, %v; want null", v, ok)
		}
		if body["count"] != 4.0 || body["next_page"] != nil || body["previous_page"] != nil {
			t.Errorf("count/next/previous = %v %v %v", body["count"], body["next_page"], body["previous_page"])
		}
		first := body["results"].([]any)[0].(map[string]any)
		if first["result_type"] != "ticket" || first["subject"] != "Printer jam" {
			t.Errorf("first result %v", first)
		}
	}

	// Offset pages with links.
	r := get(t, s, tn, "/api/v2/search.json", url.Values{"query": {"printer"}, "per_page": {"1"}, "page": {"2"}})
	body := r.JSON(t)
	if got := refs(t, f, body); !cmp.Equal(got, []string{"t1"}) || body["count"] != 4.0 {
		t.Errorf("page 2: %v count %v", got, body["count"])
	}
	next, _ := body["next_page"].(string)
	prev, _ := body["previous_page"].(string)
	if !strings.Contains(next, "/api/v2/search.json?") || !strings.Contains(next, "page=3") || !strings.Contains(prev, "page=1") {
		t.Errorf("links %q %q", next, prev)
	}
	r = get(t, s, tn, "/api/v2/search.json", url.Values{"query": {"printer"}, "per_page": {"1"}, "page": {"4"}})
	if b := r.JSON(t); b["next_page"] != nil || len(b["results"].([]any)) != 1 {
		t.Errorf("last page: %s", r.Body)
	}
	r = get(t, s, tn, "/api/v2/search.json", url.Values{"query": {"tags:hardware"}, "sort_by": {"priority"}, "sort_order": {"asc"}})
	if got := refs(t, f, r.JSON(t)); !cmp.Equal(got, strings.Fields(tickets("16 29 2 11 21 26 1"))) {
		t.Errorf("sort_by=priority asc: %v", got)
	}

	// The 1,000-result window and bad paging.
	wantError(t, get(t, s, tn, "/api/v2/search.json", url.Values{"query": {"printer"}, "page": {"11"}, "per_page": {"100"}}),
		http.StatusUnprocessableEntity, "invalid", "Search Response Limits")
	wantError(t, get(t, s, tn, "/api/v2/search.json", url.Values{"query": {"printer"}, "page": {"1001"}, "per_page": {"1"}}),
		http.StatusUnprocessableEntity, "invalid", "1000")
	wantError(t, get(t, s, tn, "/api/v2/search.json", url.Values{"query": {"printer"}, "page": {"99999999999999999"}}),
		http.StatusUnprocessableEntity, "invalid", "Search Response Limits")
	if r := get(t, s, tn, "/api/v2/search.json", url.Values{"query": {"printer"}, "page": {"10"}, "per_page": {"100"}}); r.Status != http.StatusOK {
		t.Errorf("page 10 × 100: %d %s", r.Status, r.Body)
	}
	wantError(t, get(t, s, tn, "/api/v2/search.json", url.Values{"query": {"printer"}, "page[size]": {"10"}}),
		http.StatusBadRequest, "invalid", "page must be an integer")
	wantError(t, get(t, s, tn, "/api/v2/search.json", url.Values{"query": {"printer"}, "page": {"two"}}),
		http.StatusBadRequest, "invalid", "page must be an integer")
	wantError(t, get(t, s, tn, "/api/v2/search.json", url.Values{"query": {"printer"}, "per_page": {"x"}}),
		http.StatusBadRequest, "invalid", "per_page must be an integer")
	wantError(t, get(t, s, tn, "/api/v2/search.json", url.Values{"query": {"printer"}, "page": {"0"}}),
		http.StatusBadRequest, "invalid", "page")

	// Query errors.
	wantError(t, get(t, s, tn, "/api/v2/search.json", url.Values{"query": {"type:user status:open"}}),
		http.StatusBadRequest, "invalid", "status is not a search keyword for users")
	wantError(t, get(t, s, tn, "/api/v2/search.json", url.Values{"query": {"status:opened"}}),
		http.StatusBadRequest, "invalid", "status")
	wantError(t, get(t, s, tn, "/api/v2/search.json", nil), http.StatusBadRequest, "invalid", "empty")
	wantError(t, get(t, s, tn, "/api/v2/search/count.json", url.Values{"query": {"foo:bar"}}),
		http.StatusBadRequest, "invalid", "foo is not a search keyword")

	// Count.
	r = get(t, s, tn, "/api/v2/search/count.json", url.Values{"query": {"status:open"}})
	if r.Status != http.StatusOK || string(r.Body) != `{"count":8}` {
		t.Errorf("count: %d %s", r.Status, r.Body)
	}

	// Agents only.
	dave := "Basic " + base64.StdEncoding.EncodeToString([]byte("dave@acme.example:dave-password-1"))
	for _, path := range []string{"/api/v2/search.json?query=printer", "/api/v2/search/count.json?query=printer",
		"/api/v2/search/export.json?query=printer&filter%5Btype%5D=ticket"} {
		r := s.Do(t, apptest.Request{Path: path, Host: tn.Host, Auth: dave})
		if r.Status != http.StatusForbidden {
			t.Errorf("end user %s: %d %s", path, r.Status, r.Body)
		}
		r = s.Do(t, apptest.Request{Path: path, Host: tn.Host})
		if r.Status != http.StatusUnauthorized {
			t.Errorf("anonymous %s: %d %s", path, r.Status, r.Body)
		}
	}
	alice := "Basic " + base64.StdEncoding.EncodeToString([]byte("alice@alpha.example:alice-password-1"))
	r = s.Do(t, apptest.Request{Path: "/api/v2/search/count.json?query=assignee:me", Host: tn.Host, Auth: alice})
	if r.Status != http.StatusOK || string(r.Body) != `{"count":9}` {
		t.Errorf("agent assignee:me: %d %s", r.Status, r.Body)
	}
}

func testExport(t *testing.T, s *apptest.Server, f fixture, clk *clock.Fake) {
	tn := s.Default
	exp := func(q url.Values) apptest.Response { return get(t, s, tn, "/api/v2/search/export.json", q) }
	wantError(t, exp(url.Values{"query": {"printer"}}), http.StatusBadRequest, "invalid", "filter[type]")
	wantError(t, exp(url.Values{"query": {"printer"}, "filter[type]": {"topic"}}), http.StatusBadRequest, "invalid", "filter[type]")
	wantError(t, exp(url.Values{"query": {"type:ticket printer"}, "filter[type]": {"ticket"}}), http.StatusBadRequest, "invalid", "type:")
	wantError(t, exp(url.Values{"query": {"printer"}, "filter[type]": {"ticket"}, "page[size]": {"1001"}}), http.StatusBadRequest, "invalid", "page[size]")
	wantError(t, exp(url.Values{"query": {"printer"}, "filter[type]": {"ticket"}, "page[size]": {"ten"}}), http.StatusBadRequest, "invalid", "page[size]")
	wantError(t, exp(url.Values{"query": {"printer"}, "filter[type]": {"ticket"}, "page[after]": {"bm9wZQ=="}}), http.StatusBadRequest, "invalid", "cursor")

	// Walk every page of status<closed, 10 at a time, oldest first.
	q := url.Values{"query": {"status<closed"}, "filter[type]": {"ticket"}, "page[size]": {"10"}}
	var got []string
	var firstAfter string
	for pages := 0; ; pages++ {
		if pages > 5 {
			t.Fatal("too many pages")
		}
		r := exp(q)
		if r.Status != http.StatusOK {
			t.Fatalf("export: %d %s", r.Status, r.Body)
		}
		body := r.JSON(t)
		if _, has := body["count"]; has {
			t.Error("export has count")
		}
		got = append(got, refs(t, f, body)...)
		meta, links := body["meta"].(map[string]any), body["links"].(map[string]any)
		if links["prev"] != nil || meta["before_cursor"] != nil {
			t.Errorf("prev link %v / before cursor %v", links["prev"], meta["before_cursor"])
		}
		after, _ := meta["after_cursor"].(string)
		if firstAfter == "" {
			firstAfter = after
		}
		if meta["has_more"] != true {
			if links["next"] != nil {
				t.Errorf("last page has next %v", links["next"])
			}
			break
		}
		next, _ := links["next"].(string)
		if !strings.Contains(next, "page%5Bafter%5D="+url.QueryEscape(after)) {
			t.Errorf("next %q lacks cursor %q", next, after)
		}
		q.Set("page[after]", after)
	}
	if want := strings.Fields(tickets(minus(allTickets, stClosed))); !cmp.Equal(got, want) {
		t.Errorf("export walked %v\nwant %v", got, want)
	}
	// A cursor belongs to its query and type, and expires after an hour.
	wantError(t, exp(url.Values{"query": {"status<solved"}, "filter[type]": {"ticket"}, "page[after]": {firstAfter}}),
		http.StatusBadRequest, "invalid", "another export")
	wantError(t, exp(url.Values{"query": {"status<closed"}, "filter[type]": {"user"}, "page[after]": {firstAfter}}),
		http.StatusBadRequest, "invalid", "another export")
	clk.Advance(2 * time.Hour)
	wantError(t, exp(url.Values{"query": {"status<closed"}, "filter[type]": {"ticket"}, "page[after]": {firstAfter}}),
		http.StatusBadRequest, "invalid", "expired")
	clk.Set(f.now)

	for _, tc := range []struct{ typ, q, want string }{
		{"user", "role:end-user", "u:dave u:jane u:erin u:john u:zoe u:kim"},
		{"organization", "tags:smb", "o:globex o:anvils"},
		{"group", "created>2020-01-01", "g:support g:level2 g:billing"},
		{"ticket", "printer", "t1 t16 t21"},
	} {
		r := exp(url.Values{"query": {tc.q}, "filter[type]": {tc.typ}, "page[size]": {"1000"}})
		if r.Status != http.StatusOK {
			t.Fatalf("export %s: %d %s", tc.typ, r.Status, r.Body)
		}
		body := r.JSON(t)
		if got := refs(t, f, body); !cmp.Equal(got, strings.Fields(tc.want)) {
			t.Errorf("export %s %q = %v, want %s", tc.typ, tc.q, got, tc.want)
		}
		if body["meta"].(map[string]any)["has_more"] != false {
			t.Errorf("export %s has more", tc.typ)
		}
	}
}

// testRenderMatchesShow checks that every rendered result is the object
// GET of that record returns, plus result_type.
func testRenderMatchesShow(t *testing.T, s *apptest.Server, f fixture) {
	tn := s.Default
	for _, q := range []string{"acme", "type:group billing", "type:user plan:gold", "type:organization region:emea", "tags:win"} {
		r := get(t, s, tn, "/api/v2/search.json", url.Values{"query": {q}})
		if r.Status != http.StatusOK {
			t.Fatalf("%q: %d %s", q, r.Status, r.Body)
		}
		results := r.JSON(t)["results"].([]any)
		if len(results) == 0 {
			t.Fatalf("%q: no results", q)
		}
		for _, res := range results {
			m := res.(map[string]any)
			rt := m["result_type"].(string)
			delete(m, "result_type")
			id := strconv.FormatInt(int64(m["id"].(float64)), 10)
			path := map[string]string{"ticket": "/api/v2/tickets/", "user": "/api/v2/users/",
				"organization": "/api/v2/organizations/", "group": "/api/v2/groups/"}[rt]
			show := get(t, s, tn, path+id+".json", nil)
			if show.Status != http.StatusOK {
				t.Fatalf("GET %s%s: %d", path, id, show.Status)
			}
			if diff := cmp.Diff(show.JSON(t)[rt], any(m)); diff != "" {
				t.Errorf("%s %s rendered differently from GET (-show +search):\n%s", rt, id, diff)
			}
		}
	}
}

// testTenants checks that another account's records never appear, though
// its tickets have the same numbers and words.
func testTenants(t *testing.T, s *apptest.Server, f fixture, clk *clock.Fake) {
	beta := s.NewTenant(t, "beta")
	clk.Advance(time.Minute)
	call(t, s, beta, http.MethodPost, "/api/v2/users.json", map[string]any{"user": map[string]any{"name": "Printer Pete", "email": "pete@beta.example"}})
	clk.Advance(time.Minute)
	call(t, s, beta, http.MethodPost, "/api/v2/organizations.json", map[string]any{"organization": map[string]any{"name": "Printer Org"}})
	clk.Advance(time.Minute)
	call(t, s, beta, http.MethodPost, "/api/v2/groups.json", map[string]any{"group": map[string]any{"name": "Printer Group"}})
	for i := 0; i < 3; i++ {
		clk.Advance(time.Minute)
		call(t, s, beta, http.MethodPost, "/api/v2/tickets.json", map[string]any{"ticket": map[string]any{
			"subject": "Beta printer " + strconv.Itoa(i), "comment": map[string]any{"body": "printer topology hardware"},
			"tags": []string{"hardware"}, "priority": "urgent"}})
	}
	alpha := s.Default
	for _, tc := range []struct{ q, count string }{{"printer", "4"}, {"tags:hardware", "7"}, {"priority:urgent", "2"},
		{"status:new", "8"}, {"type:ticket top", "3"}, {"type:ticket 1", "2"}, {"type:group printer", "0"}, {"created>2024-03-19", "0"}} {
		r := get(t, s, alpha, "/api/v2/search/count.json", url.Values{"query": {tc.q}})
		if string(r.Body) != `{"count":`+tc.count+`}` {
			t.Errorf("alpha %q: %s, want %s", tc.q, r.Body, tc.count)
		}
	}
	r := get(t, s, beta, "/api/v2/search.json", url.Values{"query": {"printer"}, "sort_by": {"created_at"}, "sort_order": {"asc"}})
	var got []string
	for _, res := range r.JSON(t)["results"].([]any) {
		m := res.(map[string]any)
		label, _ := m["subject"].(string)
		if label == "" {
			label, _ = m["name"].(string)
		}
		got = append(got, m["result_type"].(string)+":"+label)
	}
	want := []string{"user:Printer Pete", "organization:Printer Org", "group:Printer Group", "ticket:Beta printer 0",
		"ticket:Beta printer 1", "ticket:Beta printer 2"}
	clk.Set(f.now)
	if !cmp.Equal(got, want) {
		t.Errorf("beta printer = %v, want %v", got, want)
	}
	r = get(t, s, beta, "/api/v2/search/export.json", url.Values{"query": {"hardware"}, "filter[type]": {"ticket"}})
	if n := len(r.JSON(t)["results"].([]any)); n != 3 {
		t.Errorf("beta export: %d results: %s", n, r.Body)
	}
}

// testIndexFollowsWrites changes indexed text through the API and checks
// that search follows at once (the indexes live in the write transaction).
func testIndexFollowsWrites(t *testing.T, s *apptest.Server, f fixture, clk *clock.Fake) {
	tn := s.Default
	svc := service(s)
	ctx := asUser(s, tn.OwnerID, auth.RoleAdmin)
	count := func(q string) int64 {
		t.Helper()
		n, err := svc.Count(ctx, q)
		if err != nil {
			t.Fatalf("%q: %v", q, err)
		}
		return n
	}
	put := func(path string, body any) { call(t, s, tn, http.MethodPut, path, body) }
	clk.Advance(time.Minute)
	put("/api/v2/tickets/30.json", map[string]any{"ticket": map[string]any{"subject": "Zebra crossing",
		"comment": map[string]any{"body": "xylophone delivery", "author_id": f.users["dave"]}}})
	put("/api/v2/users/"+strconv.FormatInt(f.users["kim"], 10)+".json", map[string]any{"user": map[string]any{"name": "Kim Quasar", "notes": "moved"}})
	put("/api/v2/organizations/"+strconv.FormatInt(f.orgs["umbrella"], 10)+".json", map[string]any{"organization": map[string]any{"notes": "Vaccine research"}})
	put("/api/v2/groups/"+strconv.FormatInt(f.groups["billing"], 10)+".json", map[string]any{"group": map[string]any{"name": "Accounts receivable"}})
	for q, want := range map[string]int64{
		"subject:zebra": 1, "subject:thanks": 0, "description:thanks": 1, "xylophone": 1, "comment:xylophone": 1,
		"type:user quasar": 1, "type:user desktop": 0, "type:user desk": 1, "type:organization vaccine": 1,
		"type:group receivable": 1, "type:group billing": 0, "type:ticket group:billing": 0, "type:ticket group:receivable": 6,
	} {
		if got := count(q); got != want {
			t.Errorf("after writes, %q = %d, want %d", q, got, want)
		}
	}
	call(t, s, tn, http.MethodDelete, "/api/v2/users/"+strconv.FormatInt(f.users["zoe"], 10)+".json", nil)
	call(t, s, tn, http.MethodDelete, "/api/v2/groups/"+strconv.FormatInt(f.groups["billing"], 10)+".json", nil)
	call(t, s, tn, http.MethodDelete, "/api/v2/tickets/25.json", nil)
	for q, want := range map[string]int64{"type:user café": 0, "type:group receivable": 0, "type:ticket café": 1, "café": 1} {
		if got := count(q); got != want {
			t.Errorf("after deletes, %q = %d, want %d", q, got, want)
		}
	}
	// A redacted comment stops matching; a purged ticket's comments leave
	// the index (on SQLite their rows are keyed by the ticket).
	cs := call(t, s, tn, http.MethodGet, "/api/v2/tickets/30/comments.json", nil)["comments"].([]any)
	last := int64(cs[len(cs)-1].(map[string]any)["id"].(float64))
	put(fmt.Sprintf("/api/v2/tickets/30/comments/%d/redact.json", last), map[string]any{"text": "xylophone"})
	if got, other := count("xylophone"), count("comment:delivery"); got != 0 || other == 0 {
		t.Errorf("after redaction: xylophone %d (want 0), delivery %d (want > 0)", got, other)
	}
	r := s.Do(t, apptest.Request{Method: http.MethodDelete, Path: "/api/v2/deleted_tickets/25.json", Host: tn.Host, Auth: tn.TokenAuth()})
	if r.Status != http.StatusOK {
		t.Fatalf("purge #25: %d %s", r.Status, r.Body)
	}
	s.WaitJob(t, tn, r.JSON(t)["job_status"].(map[string]any)["id"].(string))
	if s.Dialect == "sqlite" {
		rows := func(ticket int64) (n int64) {
			t.Helper()
			lo := tn.AccountID<<43 + ticket<<15
			if err := s.App.DB.Writer().QueryRowContext(ctx, `SELECT count(*) FROM ticket_comments_fts WHERE rowid >= $1 AND rowid < $2`,
				lo, lo+1<<15).Scan(&n); err != nil {
				t.Fatal(err)
			}
			return n
		}
		if purged, kept := rows(25), rows(30); purged != 0 || kept < 2 {
			t.Errorf("comment index rows: purged #25 has %d (want 0), #30 has %d (want its comments)", purged, kept)
		}
	}
	if s.Dialect == "sqlite" {
		for _, tbl := range []string{"tickets_fts", "ticket_comments_fts", "users_fts", "organizations_fts", "groups_fts"} {
			if _, err := s.App.DB.Writer().ExecContext(ctx, `INSERT INTO `+tbl+` (`+tbl+`) VALUES ('integrity-check')`); err != nil {
				t.Errorf("%s integrity-check: %v", tbl, err)
			}
		}
	}
}
