package app_test

import (
	"encoding/base64"
	"net/http"
	"strconv"
	"strings"
	"testing"

	"parley/internal/app/apptest"
	"parley/internal/platform/db"
)

func TestOperationsEndpoints(t *testing.T) {
	apptest.Each(t, func(t *testing.T, s *apptest.Server) {
		if r := s.Do(t, apptest.Request{Path: "/healthz"}); r.Status != 200 || string(r.Body) != "ok\n" {
			t.Fatalf("healthz: %d %q", r.Status, r.Body)
		}
		if r := s.Do(t, apptest.Request{Path: "/readyz"}); r.Status != 200 || string(r.Body) != "ready\n" {
			t.Fatalf("readyz: %d %q", r.Status, r.Body)
		}
		// One API call so the route metric exists, then scrape.
		s.Do(t, apptest.Request{Path: "/api/v2/users/7.json", Auth: s.Default.TokenAuth()})
		r := s.Do(t, apptest.Request{Path: "/metrics"})
		body := string(r.Body)
		for _, want := range []string{
			`parley_http_requests_total{method="GET",route="/api/v2/users/{id}",status="404"} 1`,
			`parley_http_request_duration_seconds_bucket{method="GET",route="/api/v2/users/{id}"`,
			`go_sql_open_connections{db_name="write"}`,
			`process_resident_memory_bytes`,
		} {
			if !strings.Contains(body, want) {
				t.Errorf("metrics lack %s", want)
			}
		}
		if s.Dialect == db.SQLite && !strings.Contains(body, `go_sql_open_connections{db_name="read"}`) {
			t.Errorf("metrics lack the SQLite read pool")
		}
		if r := s.Do(t, apptest.Request{Path: "/api/v2/users/me", Auth: s.Default.TokenAuth()}); r.Header.Get("X-Request-Id") == "" ||
			r.Header.Get("X-Zendesk-Api-Version") != "v2" || r.Header.Get("X-Runtime") == "" {
			t.Fatalf("API headers missing: %v", r.Header)
		}
	})
}

func basic(user, secret string) string {
	return "Basic " + base64.StdEncoding.EncodeToString([]byte(user+":"+secret))
}

func TestAuthentication(t *testing.T) {
	apptest.Each(t, func(t *testing.T, s *apptest.Server) {
		tn := s.Default
		me := func(auth string) apptest.Response {
			return s.Do(t, apptest.Request{Path: "/api/v2/users/me.json", Auth: auth})
		}
		user := func(r apptest.Response) map[string]any { return r.JSON(t)["user"].(map[string]any) }

		if r := me(""); r.Status != 200 || user(r)["name"] != "Anonymous user" || user(r)["id"] != nil {
			t.Fatalf("anonymous me: %d %s", r.Status, r.Body)
		}
		if r := me(basic(tn.Email, "wrong-password")); r.Status != 200 || user(r)["id"] != nil {
			t.Fatalf("wrong password on me must be anonymous: %d %s", r.Status, r.Body)
		}
		if r := me(basic(tn.Email+"/token", "wrong-token-aaaaaaaaaaaaaaaa")); r.Status != 401 ||
			string(r.Body) != `{"error":"Couldn't authenticate you"}` {
			t.Fatalf("wrong token: %d %s", r.Status, r.Body)
		}
		if r := me("Bearer abc"); r.Status != 401 {
			t.Fatalf("bearer without OAuth: %d", r.Status)
		}
		if r := me("Basic !!!notbase64"); r.Status != 401 {
			t.Fatalf("garbage basic: %d", r.Status)
		}
		for i := 0; i < 2; i++ { // second round is served by the password cache
			if r := me(tn.PasswordAuth()); r.Status != 200 || user(r)["email"] != tn.Email {
				t.Fatalf("password login %d: %d %s", i, r.Status, r.Body)
			}
		}
		if r := s.Do(t, apptest.Request{Path: "/api/v2/users.json", Auth: basic(tn.Email, "wrong-password")}); r.Status != 401 {
			t.Fatalf("wrong password on a protected route: %d", r.Status)
		}

		// An agent with a password; suspended, neither password nor token works.
		r := s.Do(t, apptest.Request{Method: "POST", Path: "/api/v2/users.json", Auth: tn.TokenAuth(),
			Body: map[string]any{"user": map[string]any{"name": "Agent Smith", "email": "smith@alpha.example", "role": "agent",
				"password": "smith-password-1"}}})
		if r.Status != 201 {
			t.Fatalf("create agent: %d %s", r.Status, r.Body)
		}
		id := int64(user(r)["id"].(float64))
		if r := me(basic("smith@alpha.example", "smith-password-1")); r.Status != 200 || user(r)["role"] != "agent" {
			t.Fatalf("agent password: %d %s", r.Status, r.Body)
		}
		agentToken := basic("smith@alpha.example/token", tn.Token) // tokens are account-wide, as in Zendesk
		if r := me(agentToken); r.Status != 200 || user(r)["email"] != "smith@alpha.example" {
			t.Fatalf("account token as the agent: %d %s", r.Status, r.Body)
		}
		if r := s.Do(t, apptest.Request{Method: "PUT", Path: "/api/v2/users/" + strconv.FormatInt(id, 10) + ".json", Auth: tn.TokenAuth(),
			Body: map[string]any{"user": map[string]any{"suspended": true}}}); r.Status != 200 || user(r)["suspended"] != true {
			t.Fatalf("suspend: %d %s", r.Status, r.Body)
		}
		if r := me(agentToken); r.Status != 401 {
			t.Fatalf("suspended user with token: %d", r.Status)
		}
		if r := me(basic("smith@alpha.example", "smith-password-1")); r.Status != 200 || user(r)["id"] != nil {
			t.Fatalf("suspended user with password must be anonymous: %d %s", r.Status, r.Body)
		}

		// API tokens: created once with the secret, listed masked, revocable.
		r = s.Do(t, apptest.Request{Method: "POST", Path: "/api/v2/api_tokens.json", Auth: tn.TokenAuth(),
			Body: map[string]any{"api_token": map[string]any{"description": "ci"}}})
		if r.Status != 201 {
			t.Fatalf("create token: %d %s", r.Status, r.Body)
		}
		tok := r.JSON(t)["api_token"].(map[string]any)
		secret := tok["token"].(string)
		if len(secret) != 40 {
			t.Fatalf("token secret %q", secret)
		}
		if r := me(basic(tn.Email+"/token", secret)); r.Status != 200 {
			t.Fatalf("new token: %d", r.Status)
		}
		list := s.Do(t, apptest.Request{Path: "/api/v2/api_tokens.json", Auth: tn.TokenAuth()})
		if strings.Contains(string(list.Body), secret) {
			t.Fatal("token list shows a secret")
		}
		tid := strconv.FormatInt(int64(tok["id"].(float64)), 10)
		if r := s.Do(t, apptest.Request{Method: "PUT", Path: "/api/v2/api_tokens/" + tid + ".json", Auth: tn.TokenAuth(),
			Body: map[string]any{"api_token": map[string]any{"active": false}}}); r.Status != 200 {
			t.Fatalf("deactivate: %d %s", r.Status, r.Body)
		}
		if r := me(basic(tn.Email+"/token", secret)); r.Status != 401 {
			t.Fatalf("inactive token: %d", r.Status)
		}
		if r := s.Do(t, apptest.Request{Method: "DELETE", Path: "/api/v2/api_tokens/" + tid + ".json", Auth: tn.TokenAuth()}); r.Status != 204 {
			t.Fatalf("delete token: %d", r.Status)
		}
	})
}

func TestRateLimit(t *testing.T) {
	apptest.Each(t, func(t *testing.T, s *apptest.Server) {
		tn := s.Default
		other := s.NewTenant(t, "beta")
		var last apptest.Response
		for i := 0; i < 5; i++ {
			last = s.Do(t, apptest.Request{Path: "/api/v2/users/me.json", Auth: tn.TokenAuth()})
			if last.Status != 200 {
				t.Fatalf("request %d: %d", i, last.Status)
			}
			if got := last.Header.Get("X-Rate-Limit-Remaining"); got != strconv.Itoa(4-i) {
				t.Fatalf("remaining after %d: %q", i+1, got)
			}
		}
		if last.Header.Get("X-Rate-Limit") != "5" {
			t.Fatalf("limit header %q", last.Header.Get("X-Rate-Limit"))
		}
		r := s.Do(t, apptest.Request{Path: "/api/v2/users/me.json", Auth: tn.TokenAuth()})
		if r.Status != http.StatusTooManyRequests || r.Header.Get("Retry-After") == "" || r.JSON(t)["error"] != "TooManyRequests" {
			t.Fatalf("over budget: %d %v %s", r.Status, r.Header, r.Body)
		}
		// Another account has its own budget.
		if r := s.Do(t, apptest.Request{Path: "/api/v2/users/me.json", Host: other.Host, Auth: other.TokenAuth()}); r.Status != 200 {
			t.Fatalf("other account throttled: %d", r.Status)
		}
	}, apptest.WithRateLimit(5))
}

// TestUnknownKeysWarn: keys an endpoint ignores are reported in
// x-zendesk-api-warn (an echoed id on a single update, unknown keys).
func TestUnknownKeysWarn(t *testing.T) {
	apptest.Each(t, func(t *testing.T, s *apptest.Server) {
		tn := s.Default
		path := "/api/v2/users/" + strconv.FormatInt(tn.OwnerID, 10) + ".json"
		r := s.Do(t, apptest.Request{Method: "PUT", Path: path, Auth: tn.TokenAuth(),
			Body: map[string]any{"user": map[string]any{"id": tn.OwnerID, "notes": "hi", "favourite_colour": "blue", "url": "x"}}})
		if r.Status != 200 {
			t.Fatalf("update: %d %s", r.Status, r.Body)
		}
		warn := strings.Join(r.Header.Values("X-Zendesk-Api-Warn"), " ")
		for _, k := range []string{`"id"`, `"favourite_colour"`, `"url"`} {
			if !strings.Contains(warn, k) {
				t.Errorf("x-zendesk-api-warn %q lacks %s", warn, k)
			}
		}
		if strings.Contains(warn, `"notes"`) {
			t.Errorf("accepted key warned about: %q", warn)
		}
	})
}
