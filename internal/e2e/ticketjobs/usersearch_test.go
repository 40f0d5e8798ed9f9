package ticketjobs_test

import (
	"net/url"
	"sort"
	"testing"

	"parley/internal/app/apptest"
)

// TestUsersSearchLanguage: /users/search?query= speaks the search language.
func TestUsersSearchLanguage(t *testing.T) {
	apptest.Each(t, func(t *testing.T, s *apptest.Server) {
		e := env{t, s, s.Default}
		mk := func(name, email, role string, tags []string) {
			e.must(201, "POST", "/api/v2/users.json", map[string]any{"user": map[string]any{"name": name, "email": email,
				"role": role, "tags": tags}})
		}
		mk("Zelda Agent", "zelda@alpha.example", "agent", []string{"vip"})
		mk("Zora Agent", "zora@alpha.example", "agent", nil)
		mk("Zeke Customer", "zeke@customer.example", "end-user", []string{"vip"})
		names := func(q string) []string {
			body := e.must(200, "GET", "/api/v2/users/search.json?query="+url.QueryEscape(q), nil)
			var out []string
			for _, u := range body["users"].([]any) {
				out = append(out, u.(map[string]any)["name"].(string))
			}
			sort.Strings(out)
			if int(body["count"].(float64)) != len(out) {
				t.Fatalf("%q: count %v for %d users", q, body["count"], len(out))
			}
			return out
		}
		for q, want := range map[string][]string{
			"role:agent tags:vip":         {"Zelda Agent"},
			"role:agent -tags:vip":        {"Zora Agent"},
			"z tags:vip":                  {"Zeke Customer", "Zelda Agent"},
			"email:zeke@customer.example": {"Zeke Customer"},
		} {
			if got := names(q); len(got) != len(want) || (len(got) > 0 && got[0] != want[0]) || (len(got) > 1 && got[1] != want[1]) {
				t.Errorf("%q: %v, want %v", q, got, want)
			}
		}
		// A key and operator with nothing after them is plain text (it
		// matches no user here); a comparison the language forbids is 400.
		if got := names("role<"); len(got) != 0 {
			t.Fatalf(`"role<" matched %v`, got)
		}
		if r := e.do("GET", "/api/v2/users/search.json?query="+url.QueryEscape("created>yesterday"), nil); r.Status != 400 ||
			r.JSON(t)["error"] != "invalid" {
			t.Fatalf("invalid date comparison: %d %s", r.Status, r.Body)
		}
		if r := e.do("GET", "/api/v2/users/search.json?query=x&page%5Bsize%5D=2", nil); r.Status != 400 {
			t.Fatalf("cursor paging on a query: %d", r.Status)
		}
	})
}
