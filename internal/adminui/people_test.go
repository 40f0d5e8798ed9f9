package adminui_test

import (
	"context"
	"fmt"
	"html"
	"net/http"
	"net/url"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"

	"parley/internal/app/apptest"
)

// seedPeople writes n end users (Person 00000…, person-00000@example.org)
// straight into the database, as an account that grew for years would
// have them, and refreshes the planner's statistics.
func seedPeople(t *testing.T, s *apptest.Server, n int) {
	t.Helper()
	ctx := context.Background()
	now := time.Now().UTC()
	err := s.App.DB.InTx(ctx, func(ctx context.Context) error {
		c := s.App.DB.Conn(ctx)
		for start := 0; start < n; start += 500 {
			var us strings.Builder
			args := []any{s.Default.AccountID, now}
			for i := start; i < min(start+500, n); i++ {
				if i > start {
					us.WriteString(",")
				}
				name, mail := fmt.Sprintf("Person %05d", i), fmt.Sprintf("person-%05d@example.org", i)
				args = append(args, name, mail)
				fmt.Fprintf(&us, "($1, $%d, $%d, 'end-user', $2, $2)", len(args)-1, len(args))
			}
			if _, err := c.ExecContext(ctx, `INSERT INTO users (account_id, name, email, role, created_at, updated_at) VALUES `+
				us.String(), args...); err != nil {
				return err
			}
		}
		_, err := c.ExecContext(ctx, `INSERT INTO user_identities (account_id, user_id, type, value, value_norm, is_primary,
			created_at, updated_at) SELECT account_id, id, 'email', email, email, TRUE, created_at, updated_at FROM users
			WHERE account_id = $1 AND role = 'end-user' AND email LIKE 'person-%'`, s.Default.AccountID)
		return err
	})
	if err != nil {
		t.Fatalf("seed people: %v", err)
	}
	if err := s.App.DB.InTx(ctx, func(ctx context.Context) error {
		_, err := s.App.DB.Conn(ctx).ExecContext(ctx, `ANALYZE`)
		return err
	}); err != nil {
		t.Fatalf("analyze: %v", err)
	}
}

var (
	personRow = regexp.MustCompile(`<td data-label="Name">([^<]+)</td>`)
	nextLink  = regexp.MustCompile(`<a href="([^"]+)" rel="next">`)
	prevLink  = regexp.MustCompile(`<a href="([^"]+)" rel="prev">`)
)

// names are the people listed on the last page read.
func (c *client) names() []string {
	var out []string
	for _, m := range personRow.FindAllStringSubmatch(c.Body, -1) {
		out = append(out, html.UnescapeString(m[1]))
	}
	return out
}

func (c *client) link(re *regexp.Regexp) string {
	m := re.FindStringSubmatch(c.Body)
	if m == nil {
		return ""
	}
	return html.UnescapeString(m[1])
}

// TestPeoplePages lists the people of an account with 50,000 end users a
// page at a time: 50 by name, next and previous pages, each role filter,
// a search by name or email start, and a suspension that comes back to
// the page it was made on. It logs the time each kind of page takes.
func TestPeoplePages(t *testing.T) {
	apptest.Each(t, func(t *testing.T, s *apptest.Server) {
		for _, u := range []map[string]any{
			{"name": "Ada Agent", "email": "ada@alpha.example", "role": "agent"},
			{"name": "Zora Zimmer", "email": "zora@clients.example", "role": "end-user"},
			{"name": "Abe Admin", "email": "abe@alpha.example", "role": "admin"},
		} {
			if r := s.Do(t, apptest.Request{Method: "POST", Path: "/api/v2/users.json", Auth: s.Default.TokenAuth(),
				Body: map[string]any{"user": u}}); r.Status != 201 {
				t.Fatalf("create %s: %d %s", u["name"], r.Status, r.Body)
			}
		}
		seedPeople(t, s, 50_000)
		admin := signIn(t, s, s.Default.Email, s.Default.Password)
		timed := func(what, path string) {
			t.Helper()
			var took []time.Duration
			for range 5 {
				start := time.Now()
				if st := admin.Do("GET", path, nil); st != http.StatusOK {
					t.Fatalf("GET %s: %d", path, st)
				}
				took = append(took, time.Since(start))
			}
			slices.Sort(took)
			t.Logf("%-28s %-60s median %v", what, path, took[len(took)/2].Round(10*time.Microsecond))
		}

		timed("end users, first page", "/admin/people?role=end-user")
		first := admin.names()
		if len(first) != 50 || first[0] != "Person 00000" || first[49] != "Person 00049" {
			t.Fatalf("first page of end users: %d people, %q … %q", len(first), first[0], first[len(first)-1])
		}
		if admin.link(prevLink) != "" {
			t.Error("the first page offers a previous page")
		}
		next := admin.link(nextLink)
		timed("end users, next page", next)
		second := admin.names()
		if len(second) != 50 || second[0] != "Person 00050" {
			t.Fatalf("second page: %d people from %q", len(second), second[0])
		}
		admin.Do("GET", admin.link(prevLink), nil)
		if got := admin.names(); !slices.Equal(got, first) {
			t.Fatalf("previous from the second page: %q … , want the first page", got[0])
		}
		deep := "/admin/people?" + url.Values{"role": {"end-user"}, "after_id": {"999999999"}, "after_name": {"Person 49900"}}.Encode()
		timed("end users, deep page", deep)
		if got := admin.names(); len(got) != 50 || got[0] != "Person 49901" || admin.link(nextLink) == "" {
			t.Fatalf("deep page: %d people from %q", len(got), got[0])
		}

		timed("team (default)", "/admin/people")
		team := admin.names()
		for _, want := range []string{"Ada Agent", "Abe Admin"} {
			if !slices.Contains(team, want) {
				t.Errorf("team lacks %s: %q", want, team)
			}
		}
		if len(team) != 3 || admin.link(nextLink) != "" {
			t.Errorf("team page: %q (next %q)", team, admin.link(nextLink))
		}
		timed("admins", "/admin/people?role=admin")
		if got := admin.names(); slices.Contains(got, "Ada Agent") || !slices.Contains(got, "Abe Admin") {
			t.Errorf("admins: %q", got)
		}
		timed("agents", "/admin/people?role=agent")
		if got := admin.names(); !slices.Equal(got, []string{"Ada Agent"}) {
			t.Errorf("agents: %q", got)
		}

		timed("search by email start", "/admin/people?role=end-user&q=person-04999")
		if got := admin.names(); !slices.Equal(got, []string{"Person 04999"}) {
			t.Errorf("search person-04999: %q", got)
		}
		timed("search by name", "/admin/people?role=end-user&q=zora")
		if got := admin.names(); !slices.Equal(got, []string{"Zora Zimmer"}) {
			t.Errorf("search zora: %q", got)
		}
		timed("search, every end user", "/admin/people?role=end-user&q=PERSON")
		if got := admin.names(); len(got) != 50 || got[0] != "Person 00000" || admin.link(nextLink) == "" {
			t.Errorf("search PERSON: %d people from %q", len(got), got[0])
		}
		admin.Do("GET", admin.link(nextLink), nil)
		if got := admin.names(); len(got) != 50 || got[0] != "Person 00050" {
			t.Errorf("search PERSON, next page: %d people from %q", len(got), got[0])
		}
		timed("search, nobody", "/admin/people?role=end-user&q=nobody-at-all")
		if got := admin.names(); len(got) != 0 || !strings.Contains(admin.Body, "Nobody here.") {
			t.Errorf("search nobody: %q", got)
		}
		timed("search on the wrong filter", "/admin/people?role=agent&q=zora")
		if got := admin.names(); len(got) != 0 {
			t.Errorf("zora among agents: %q", got)
		}

		// Suspending someone on the second page comes back to it.
		admin.Do("GET", next, nil)
		m := csrfField.FindStringSubmatch(admin.Body)
		id := regexp.MustCompile(`action="/admin/people/(\d+)/suspension"`).FindStringSubmatch(admin.Body)
		if m == nil || id == nil {
			t.Fatal("no suspend form on the second page")
		}
		st := admin.Do("POST", "/admin/people/"+id[1]+"/suspension", url.Values{
			"csrf_token": {m[1]}, "suspended": {"true"}, "return_to": {next}})
		if st != http.StatusSeeOther || admin.Location != next {
			t.Fatalf("suspend: %d to %q, want back to %q", st, admin.Location, next)
		}
		admin.Do("GET", next, nil)
		if !strings.Contains(admin.Body, "suspended") {
			t.Error("the suspension does not show on the page it was made on")
		}
	})
}
