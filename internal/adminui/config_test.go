package adminui_test

import (
	"net/http"
	"net/url"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"

	"parley/internal/app/apptest"
)

// client is a signed-in page session (apptest.Session) with the admin
// center's own readers (names, link).
type client struct{ *apptest.Session }

func signIn(t *testing.T, s *apptest.Server, email, password string) *client {
	t.Helper()
	return &client{s.SignIn(t, email, password)}
}

var csrfField = regexp.MustCompile(`name="csrf_token" value="([^"]+)"`)

// configPages are the admin center's configuration pages.
var configPages = []string{"/admin/views", "/admin/views/new", "/admin/macros", "/admin/macros/new",
	"/admin/ticket_fields", "/admin/ticket_fields/new?type=tagger", "/admin/ticket_forms", "/admin/ticket_forms/new",
	"/admin/organizations", "/admin/organizations/new", "/admin/webhooks", "/admin/webhooks/new", "/admin/roles",
	"/admin/roles/new", "/admin/people"}

// TestAdminConfigPages serves every configuration page to an admin (and
// logs how long the server took), refuses them to an agent, and shows a
// refused view again as typed without saving it.
func TestAdminConfigPages(t *testing.T) {
	apptest.Each(t, func(t *testing.T, s *apptest.Server) {
		r := s.Do(t, apptest.Request{Method: "POST", Path: "/api/v2/users.json", Auth: s.Default.TokenAuth(),
			Body: map[string]any{"user": map[string]any{"name": "Ivy Agent", "email": "ivy@alpha.example", "role": "agent",
				"password": "ivy-password-1"}}})
		if r.Status != 201 {
			t.Fatalf("create agent: %d %s", r.Status, r.Body)
		}
		admin := signIn(t, s, s.Default.Email, s.Default.Password)
		agent := signIn(t, s, "ivy@alpha.example", "ivy-password-1")
		for _, path := range configPages {
			var took []time.Duration
			for range 5 {
				start := time.Now()
				if st := admin.Do("GET", path, nil); st != http.StatusOK || !strings.Contains(admin.Body, "<h1>") {
					t.Fatalf("GET %s as admin: %d", path, st)
				}
				took = append(took, time.Since(start))
			}
			slices.Sort(took)
			t.Logf("GET %-40s median %v", path, took[len(took)/2].Round(10*time.Microsecond))
			if st := agent.Do("GET", path, nil); st != http.StatusForbidden {
				t.Errorf("GET %s as agent: %d, want 403", path, st)
			}
		}

		admin.Do("GET", "/admin/views/new", nil)
		m := csrfField.FindStringSubmatch(admin.Body)
		if m == nil {
			t.Fatal("no CSRF token on the view form")
		}
		form := url.Values{"csrf_token": {m[1]}, "title": {"Typed & kept"}, "restriction": {"everyone"},
			"all_field": {"priority"}, "all_operator": {"is"}, "all_value": {"urgent"}, "column": {"subject", "priority"}}
		if st := admin.Do("POST", "/admin/views", form); st != http.StatusUnprocessableEntity {
			t.Fatalf("a view without a status condition: %d, want 422", st)
		}
		for _, want := range []string{`role="alert"`, `value="Typed &amp; kept"`, `data-selected="priority"`, `value="urgent"`} {
			if !strings.Contains(admin.Body, want) {
				t.Errorf("the refused form lacks %s", want)
			}
		}
		views := s.Do(t, apptest.Request{Path: "/api/v2/views.json", Auth: s.Default.TokenAuth()})
		if strings.Contains(string(views.Body), "Typed & kept") {
			t.Error("a refused view was saved")
		}
	})
}
