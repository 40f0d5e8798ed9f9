package agentui_test

import (
	"fmt"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"

	"parley/internal/app/apptest"
)

// api calls the REST API as the tenant's owner and requires status.
func api(t *testing.T, s *apptest.Server, status int, method, path string, body any) map[string]any {
	t.Helper()
	r := s.Do(t, apptest.Request{Method: method, Path: "/api/v2" + path, Host: s.Default.Host, Auth: s.Default.TokenAuth(), Body: body})
	if r.Status != status {
		t.Fatalf("%s %s: %d %s, want %d", method, path, r.Status, r.Body, status)
	}
	return r.JSON(t)
}

func idOf(t *testing.T, m map[string]any, key string) int64 {
	t.Helper()
	o, _ := m[key].(map[string]any)
	n, ok := o["id"].(float64)
	if !ok {
		t.Fatalf("no %s.id in %v", key, m)
	}
	return int64(n)
}

// TestTicketPageFollowsTheRole: an agent whose custom role allows comments
// only (assigned-only, no editing, no merge, internal notes only) sees
// their ticket with the properties read-only, no merge panel and the
// reply box on internal note; a ticket outside their access is a 403 page;
// a property change posted anyway is refused on the page and changes
// nothing, while an internal note goes through.
func TestTicketPageFollowsTheRole(t *testing.T) {
	apptest.Each(t, func(t *testing.T, s *apptest.Server) {
		role := idOf(t, api(t, s, 201, "POST", "/custom_roles.json", map[string]any{"custom_role": map[string]any{
			"name": "Comments only", "configuration": map[string]any{"ticket_access": "assigned-only", "ticket_editing": false,
				"ticket_merge": false, "ticket_comment_access": "private"}}}), "custom_role")
		agent := idOf(t, api(t, s, 201, "POST", "/users.json", map[string]any{"user": map[string]any{"name": "Cleo Comments",
			"email": "cleo@acme.example", "role": "agent", "custom_role_id": role, "password": "cleo-password-1"}}), "user")
		mine := idOf(t, api(t, s, 201, "POST", "/tickets.json", map[string]any{"ticket": map[string]any{"subject": "Cleo's",
			"assignee_id": agent, "comment": map[string]any{"body": "hello"}}}), "ticket")
		theirs := idOf(t, api(t, s, 201, "POST", "/tickets.json", map[string]any{"ticket": map[string]any{"subject": "Not Cleo's",
			"comment": map[string]any{"body": "hello"}}}), "ticket")

		p := s.SignIn(t, "cleo@acme.example", "cleo-password-1")
		if st := p.Do("GET", fmt.Sprintf("/agent/tickets/%d", theirs), nil); st != http.StatusForbidden {
			t.Errorf("ticket outside the role's access: %d, want 403", st)
		}
		if st := p.Do("GET", fmt.Sprintf("/agent/tickets/%d", mine), nil); st != http.StatusOK {
			t.Fatalf("own ticket: %d", st)
		}
		for what, re := range map[string]string{
			"properties disabled":   `<fieldset class="ticket-props" disabled`,
			"says why":              `id="props-readonly"`,
			"public reply disabled": `value="public" disabled`,
			"internal note chosen":  `value="internal" checked`,
		} {
			if !regexp.MustCompile(re).MatchString(p.Body) {
				t.Errorf("own ticket page: %s (%s) missing", what, re)
			}
		}
		if strings.Contains(p.Body, "/merge") {
			t.Errorf("own ticket page offers merge to a role without ticket_merge")
		}
		token := p.CSRF()
		path := fmt.Sprintf("/agent/tickets/%d", mine)
		if st := p.Do("POST", path, url.Values{"csrf_token": {token}, "priority": {"urgent"}, "body": {"fixed?"},
			"visibility": {"internal"}}); st != http.StatusForbidden {
			t.Errorf("property change from a comments-only role: %d, want 403", st)
		}
		if !strings.Contains(p.Body, "fixed?") || !strings.Contains(p.Body, "edit ticket properties") {
			t.Errorf("refused update: the page should keep the comment and say why")
		}
		if st := p.Do("POST", path, url.Values{"csrf_token": {token}, "body": {"internal only"},
			"visibility": {"internal"}}); st != http.StatusSeeOther {
			t.Errorf("internal note from a comments-only role: %d %s, want 303", st, p.Body)
		}
		tk := api(t, s, 200, "GET", fmt.Sprintf("/tickets/%d.json", mine), nil)["ticket"].(map[string]any)
		if tk["priority"] != nil {
			t.Errorf("refused update changed priority to %v", tk["priority"])
		}
		cs := api(t, s, 200, "GET", fmt.Sprintf("/tickets/%d/comments.json", mine), nil)["comments"].([]any)
		if len(cs) != 2 || cs[1].(map[string]any)["body"] != "internal only" || cs[1].(map[string]any)["public"] != false {
			t.Errorf("comments: %v, want the first and the internal note", cs)
		}
	})
}
