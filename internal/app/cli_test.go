package app_test

import (
	"bufio"
	"bytes"
	"context"
	"encoding/base64"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"parley/internal/app"
	"parley/internal/platform/db"
	"parley/internal/platform/db/dbtest"
)

// syncBuf is a goroutine-safe buffer for a running command's output.
type syncBuf struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuf) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuf) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

func envFrom(m map[string]string) func(string) string {
	return func(k string) string { return m[k] }
}

var urlLine = regexp.MustCompile(`Parley is running at (http://\S+)`)

// serve runs `parley serve` until the returned stop is called, and returns
// the URL it printed and its output so far.
func serve(t *testing.T, env map[string]string, args ...string) (string, *syncBuf, func()) {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	out := &syncBuf{}
	done := make(chan error, 1)
	go func() {
		done <- app.Run(ctx, append([]string{"serve", "--addr", "127.0.0.1:0"}, args...), envFrom(env), out, io.Discard)
	}()
	deadline := time.Now().Add(30 * time.Second)
	for time.Now().Before(deadline) {
		if m := urlLine.FindStringSubmatch(out.String()); m != nil {
			time.Sleep(20 * time.Millisecond) // let the rest of the banner land
			return m[1], out, func() {
				cancel()
				if err := <-done; err != nil {
					t.Errorf("serve returned %v", err)
				}
			}
		}
		select {
		case err := <-done:
			t.Fatalf("serve exited early: %v\n%s", err, out.String())
		case <-time.After(20 * time.Millisecond):
		}
	}
	cancel()
	t.Fatalf("serve printed no URL in 30s:\n%s", out.String())
	return "", nil, nil
}

func get(t *testing.T, url, user, secret string) (int, map[string]any) {
	t.Helper()
	req, _ := http.NewRequest(http.MethodGet, url, nil)
	if user != "" {
		req.Header.Set("Authorization", "Basic "+base64.StdEncoding.EncodeToString([]byte(user+":"+secret)))
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var m map[string]any
	_ = json.NewDecoder(resp.Body).Decode(&m)
	return resp.StatusCode, m
}

func field(t *testing.T, out, name string) string {
	t.Helper()
	sc := bufio.NewScanner(strings.NewReader(out))
	for sc.Scan() {
		if v, ok := strings.CutPrefix(strings.TrimSpace(sc.Text()), name+":"); ok {
			return strings.TrimSpace(v)
		}
	}
	t.Fatalf("no %q line in:\n%s", name, out)
	return ""
}

func dialectEnv(t *testing.T, d db.Dialect) map[string]string {
	env := map[string]string{"PARLEY_DATA": t.TempDir(), "PARLEY_LOG_LEVEL": "error",
		"PARLEY_PASSWORD_MEMORY_KIB": "64", "PARLEY_PASSWORD_TIME": "1"}
	if d == db.Postgres {
		env["PARLEY_DB"] = dbtest.FreshPostgresURL(t)
	}
	return env
}

// TestFirstStart is the README's first command: on an empty database serve
// creates the default account, prints the URL and a working admin login,
// and a restart keeps it (without re-printing the password).
func TestFirstStart(t *testing.T) {
	for _, d := range dbtest.Dialects(t) {
		t.Run(string(d), func(t *testing.T) {
			env := dialectEnv(t, d)
			url, out, stop := serve(t, env, "--demo")
			email, password, token := field(t, out.String(), "admin"), field(t, out.String(), "password"), field(t, out.String(), "token")
			if email != "admin@example.com" || len(password) < 16 || len(token) != 40 {
				t.Fatalf("banner: email %q password %q token %q", email, password, token)
			}
			status, body := get(t, url+"/api/v2/users/me.json", email+"/token", token)
			if status != 200 || body["user"].(map[string]any)["email"] != email || body["user"].(map[string]any)["role"] != "admin" {
				t.Fatalf("token login: %d %v", status, body)
			}
			status, body = get(t, url+"/api/v2/users/me.json", email, password)
			if status != 200 || body["user"].(map[string]any)["id"] == nil {
				t.Fatalf("password login: %d %v", status, body)
			}
			status, body = get(t, url+"/api/v2/users.json", email+"/token", token)
			if n := body["count"].(float64); status != 200 || n < 15 {
				t.Fatalf("demo data: %d users (status %d)", int(n), status)
			}
			stop()

			// Restart: same account, demo is idempotent, no secrets printed.
			url, out, stop = serve(t, env, "--demo")
			defer stop()
			if strings.Contains(out.String(), password) || strings.Contains(out.String(), token) {
				t.Fatalf("restart re-printed secrets:\n%s", out.String())
			}
			status, body2 := get(t, url+"/api/v2/users.json", email+"/token", token)
			if status != 200 || body2["count"] != body["count"] {
				t.Fatalf("after restart: %d, count %v want %v", status, body2["count"], body["count"])
			}
		})
	}
}

// TestPinnedCredentials: PARLEY_ADMIN_* are applied on first and later
// starts, which is how scripts log in.
func TestPinnedCredentials(t *testing.T) {
	env := dialectEnv(t, db.SQLite)
	env["PARLEY_ADMIN_EMAIL"] = "ops@example.com"
	env["PARLEY_ADMIN_TOKEN"] = "pinned-token-0123456789"
	url, _, stop := serve(t, env)
	if s, _ := get(t, url+"/api/v2/users/me.json", "ops@example.com/token", "pinned-token-0123456789"); s != 200 {
		t.Fatalf("pinned token: %d", s)
	}
	stop()
	env["PARLEY_ADMIN_PASSWORD"] = "a-new-password-9"
	url, out, stop := serve(t, env)
	defer stop()
	if field(t, out.String(), "password") != "a-new-password-9" {
		t.Fatalf("banner does not show the pinned password:\n%s", out.String())
	}
	if s, b := get(t, url+"/api/v2/users/me.json", "ops@example.com", "a-new-password-9"); s != 200 || b["user"].(map[string]any)["id"] == nil {
		t.Fatalf("pinned password on restart: %d %v", s, b)
	}
}

func run(t *testing.T, env map[string]string, args ...string) (string, error) {
	t.Helper()
	var out bytes.Buffer
	err := app.Run(context.Background(), args, envFrom(env), &out, io.Discard)
	return out.String(), err
}

func TestSubcommands(t *testing.T) {
	env := dialectEnv(t, db.SQLite)
	out, err := run(t, env, "version")
	if err != nil || !strings.HasPrefix(out, "parley ") {
		t.Fatalf("version: %q %v", out, err)
	}
	if out, err = run(t, env, "migrate"); err != nil || !strings.Contains(out, "migrations applied") {
		t.Fatalf("migrate: %q %v", out, err)
	}
	out, err = run(t, env, "account", "create", "--subdomain", "acme", "--name", "Acme", "--owner-email", "boss@acme.example",
		"--owner-password", "boss-password-1")
	if err != nil || !strings.Contains(out, "account acme") {
		t.Fatalf("account create: %q %v", out, err)
	}
	acmeToken := field(t, out, "api token")
	if _, err = run(t, env, "account", "create", "--subdomain", "acme", "--name", "Again", "--owner-email", "x@acme.example"); err == nil ||
		!strings.Contains(err.Error(), "taken") {
		t.Fatalf("duplicate subdomain: %v", err)
	}
	if _, err = run(t, env, "account", "create", "--subdomain", "Bad_Sub!", "--name", "X", "--owner-email", "x@x.example"); err == nil {
		t.Fatal("invalid subdomain accepted")
	}
	out, err = run(t, env, "token", "create", "--account", "acme", "--email", "boss@acme.example")
	if err != nil || len(strings.TrimSpace(out)) != 40 {
		t.Fatalf("token create: %q %v", out, err)
	}
	newToken := strings.TrimSpace(out)
	if _, err = run(t, env, "token", "create", "--account", "nope", "--email", "boss@acme.example"); err == nil {
		t.Fatal("token for unknown account")
	}

	if _, err = run(t, env, "account", "create", "--subdomain", "zeta", "--name", "Zeta", "--owner-email", "z@zeta.example"); err != nil {
		t.Fatal(err)
	}
	// Both tokens work against acme's host and the bare IP (acme was
	// created first and "demo" does not exist, so it is the default), and
	// not against zeta.
	url, _, stop := serve(t, env, "--base-domain", "parley.test")
	defer stop()
	for _, tok := range []string{acmeToken, newToken} {
		req, _ := http.NewRequest(http.MethodGet, url+"/api/v2/users/me.json", nil)
		req.Host = "acme.parley.test"
		req.SetBasicAuth("boss@acme.example/token", tok)
		resp, err := http.DefaultClient.Do(req)
		if err != nil || resp.StatusCode != 200 {
			t.Fatalf("acme token: %v %v", resp.StatusCode, err)
		}
		resp.Body.Close()
		if s, _ := get(t, url+"/api/v2/users/me.json", "boss@acme.example/token", tok); s != 200 {
			t.Fatalf("acme token on the bare IP (default account acme): %d, want 200", s)
		}
		req, _ = http.NewRequest(http.MethodGet, url+"/api/v2/users/me.json", nil)
		req.Host = "zeta.parley.test"
		req.SetBasicAuth("boss@acme.example/token", tok)
		resp, err = http.DefaultClient.Do(req)
		if err != nil || resp.StatusCode != 401 {
			t.Fatalf("acme token on zeta: %v %v, want 401", resp.StatusCode, err)
		}
		resp.Body.Close()
	}
}

func TestConfigErrors(t *testing.T) {
	for name, env := range map[string]map[string]string{
		"bad number":   {"PARLEY_RATE_LIMIT": "lots"},
		"bad db":       {"PARLEY_DB": "mysql://x"},
		"short token":  {"PARLEY_ADMIN_TOKEN": "short"},
		"bad log":      {"PARLEY_LOG_LEVEL": "loud"},
		"bad bool":     {"PARLEY_DEMO": "maybe"},
		"bad email":    {"PARLEY_ADMIN_EMAIL": "nobody"},
		"bad password": {"PARLEY_ADMIN_PASSWORD": "short"},
	} {
		t.Run(name, func(t *testing.T) {
			env["PARLEY_DATA"] = filepath.Join(t.TempDir(), "d")
			if _, err := run(t, env, "migrate"); err == nil {
				t.Fatalf("%v accepted", env)
			}
		})
	}
}

// TestMailReceive pipes messages into `parley mail receive` as an MTA
// would: a customer's mail becomes a ticket, a bounce is dropped with
// success (no retry), and mail for no account exits 67 (no such user).
func TestMailReceive(t *testing.T) {
	env := dialectEnv(t, db.SQLite)
	env["PARLEY_BASE_DOMAIN"] = "parley.test"
	if _, err := run(t, env, "account", "create", "--subdomain", "acme", "--name", "Acme", "--owner-email", "boss@acme.example"); err != nil {
		t.Fatal(err)
	}
	write := func(name, msg string) string {
		p := filepath.Join(t.TempDir(), name)
		if err := os.WriteFile(p, []byte(strings.ReplaceAll(msg, "\n", "\r\n")), 0o600); err != nil {
			t.Fatal(err)
		}
		return p
	}
	good := write("good.eml", "From: Dana <dana@example.org>\nTo: support@acme.parley.test\nSubject: Cannot log in\n"+
		"Message-ID: <m1@example.org>\n\nMy password does not work.\n")
	out, err := run(t, env, "mail", "receive", "--file", good)
	if err != nil || !strings.Contains(out, "created") {
		t.Fatalf("mail receive: %q %v", out, err)
	}
	bounce := write("bounce.eml", "From: MAILER-DAEMON@mx.example.org\nTo: support@acme.parley.test\nSubject: Undelivered Mail\n"+
		"Auto-Submitted: auto-replied\nMessage-ID: <b1@mx.example.org>\n\nDelivery failed.\n")
	out, err = run(t, env, "mail", "receive", "--file", bounce)
	if err != nil || !strings.Contains(out, "dropped") {
		t.Fatalf("bounce: %q %v, want dropped without error", out, err)
	}
	nobody := write("nobody.eml", "From: Dana <dana@example.org>\nTo: support@nosuch.parley.test\nSubject: Hi\n"+
		"Message-ID: <m2@example.org>\n\nHello.\n")
	_, err = run(t, env, "mail", "receive", "--file", nobody)
	var ee *app.ExitError
	if !errors.As(err, &ee) || ee.Code != 67 {
		t.Fatalf("mail for no account: %v, want exit code 67", err)
	}
	// The ticket is there, from the customer, via email.
	url, _, stop := serve(t, env)
	defer stop()
	req, _ := http.NewRequest(http.MethodGet, url+"/api/v2/search.json?query=type:ticket%20subject:cannot", nil)
	req.Host = "acme.parley.test"
	tok := strings.TrimSpace(mustRun(t, env, "token", "create", "--account", "acme", "--email", "boss@acme.example"))
	req.SetBasicAuth("boss@acme.example/token", tok)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var res struct {
		Results []struct {
			Subject string `json:"subject"`
			Via     struct {
				Channel string `json:"channel"`
			} `json:"via"`
		} `json:"results"`
	}
	if err := json.NewDecoder(resp.Body).Decode(&res); err != nil {
		t.Fatal(err)
	}
	if len(res.Results) != 1 || res.Results[0].Subject != "Cannot log in" || res.Results[0].Via.Channel != "email" {
		t.Fatalf("search after mail receive = %+v, want the emailed ticket", res.Results)
	}
}

func mustRun(t *testing.T, env map[string]string, args ...string) string {
	t.Helper()
	out, err := run(t, env, args...)
	if err != nil {
		t.Fatalf("%v: %v", args, err)
	}
	return out
}

// TestAccountRateLimit sets an account's budget from the command line and
// sees the API apply it (X-Rate-Limit) or drop it (0: unlimited).
func TestAccountRateLimit(t *testing.T) {
	env := dialectEnv(t, db.SQLite)
	env["PARLEY_BASE_DOMAIN"] = "parley.test"
	out := mustRun(t, env, "account", "create", "--subdomain", "acme", "--name", "Acme", "--owner-email", "boss@acme.example")
	tok := field(t, out, "api token")
	if out := mustRun(t, env, "account", "rate-limit", "--subdomain", "acme", "--limit", "1234"); !strings.Contains(out, "1234 API requests per minute") {
		t.Fatalf("rate-limit output %q", out)
	}
	if _, err := run(t, env, "account", "rate-limit", "--subdomain", "nosuch", "--limit", "5"); err == nil {
		t.Fatal("rate-limit of an unknown account succeeded")
	}
	header := func() string {
		url, _, stop := serve(t, env)
		defer stop()
		req, _ := http.NewRequest(http.MethodGet, url+"/api/v2/users/me.json", nil)
		req.Host = "acme.parley.test"
		req.SetBasicAuth("boss@acme.example/token", tok)
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		return resp.Header.Get("X-Rate-Limit")
	}
	if h := header(); h != "1234" {
		t.Fatalf("X-Rate-Limit = %q, want 1234", h)
	}
	if out := mustRun(t, env, "account", "rate-limit", "--subdomain", "acme", "--limit", "0"); !strings.Contains(out, "off") {
		t.Fatalf("rate-limit 0 output %q", out)
	}
	if h := header(); h != "" {
		t.Fatalf("X-Rate-Limit = %q after turning the limit off, want none", h)
	}
}

// TestBenchSeed loads a small realistic account from the command line and
// finds its tickets through the API.
func TestBenchSeed(t *testing.T) {
	env := dialectEnv(t, db.SQLite)
	env["PARLEY_ADMIN_TOKEN"] = "seed-token-seed-token-1"
	env["PARLEY_ADMIN_EMAIL"] = "admin@example.com"
	out, err := run(t, env, "bench", "seed", "--tickets", "300", "--seed", "7")
	if err != nil || !strings.Contains(out, "300 tickets") {
		t.Fatalf("bench seed: %q %v", out, err)
	}
	url, _, stop := serve(t, env)
	defer stop()
	s, body := get(t, url+"/api/v2/tickets/count.json", env["PARLEY_ADMIN_EMAIL"]+"/token", env["PARLEY_ADMIN_TOKEN"])
	if c, _ := body["count"].(map[string]any); s != 200 || c["value"] != float64(300) {
		t.Fatalf("ticket count after seeding: %d %v", s, body)
	}
}
