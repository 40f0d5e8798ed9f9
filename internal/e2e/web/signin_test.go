// Package web_test drives the HTML surfaces' sign-in over real HTTP on
// both dialects: sessions, CSRF, lockout, password reset by mail, expiry,
// end users sent to the help center, and safe return_to redirects.
package web_test

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"net/http/cookiejar"
	"net/url"
	"regexp"
	"strings"
	"testing"
	"time"

	"parley/internal/app/apptest"
	"parley/internal/auth"
	"parley/internal/platform/db/dbtest"
	"parley/internal/platform/mail/mailtest"
)

// browser is an HTTP client with cookies that does not follow redirects.
type browser struct {
	t    *testing.T
	s    *apptest.Server
	c    *http.Client
	last string // the last page's body
}

func newBrowser(t *testing.T, s *apptest.Server) *browser {
	jar, _ := cookiejar.New(nil)
	return &browser{t: t, s: s, c: &http.Client{Jar: jar, Timeout: 20 * time.Second,
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}}
}

// do makes a request and returns the status and the Location.
func (b *browser) do(method, path string, form url.Values, header http.Header) (int, string) {
	b.t.Helper()
	var body io.Reader
	if form != nil {
		body = strings.NewReader(form.Encode())
	}
	req, err := http.NewRequest(method, b.s.URL+path, body)
	if err != nil {
		b.t.Fatal(err)
	}
	if form != nil {
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	}
	for k, v := range header {
		req.Header[k] = v
	}
	res, err := b.c.Do(req)
	if err != nil {
		b.t.Fatalf("%s %s: %v", method, path, err)
	}
	defer res.Body.Close()
	raw, _ := io.ReadAll(res.Body)
	b.last = string(raw)
	return res.StatusCode, res.Header.Get("Location")
}

func (b *browser) get(path string) (int, string) { return b.do("GET", path, nil, nil) }

func (b *browser) post(path string, form url.Values) (int, string) {
	return b.do("POST", path, form, nil)
}

var csrfField = regexp.MustCompile(`name="csrf_token" value="([^"]+)"`)

// csrf reads the token from a signed-in page.
func (b *browser) csrf() string {
	b.t.Helper()
	if st, _ := b.get("/admin/sharing"); st != http.StatusOK {
		b.t.Fatalf("GET /admin/sharing: %d", st)
	}
	m := csrfField.FindStringSubmatch(b.last)
	if m == nil {
		b.t.Fatalf("no CSRF token on the page:\n%s", b.last)
	}
	return m[1]
}

func (b *browser) signIn(email, password string) (int, string) {
	return b.post("/agent/sign_in", url.Values{"email": {email}, "password": {password}})
}

func (b *browser) cookie() *http.Cookie {
	u, _ := url.Parse(b.s.URL)
	for _, c := range b.c.Jar.Cookies(u) {
		if c.Name == auth.CookieName {
			return c
		}
	}
	return nil
}

func TestSignInAndOut(t *testing.T) {
	apptest.Each(t, func(t *testing.T, s *apptest.Server) {
		b := newBrowser(t, s)
		if st, loc := b.get("/agent"); st != http.StatusSeeOther || !strings.HasPrefix(loc, "/agent/sign_in") {
			t.Fatalf("GET /agent signed out: %d %s; want a redirect to sign in", st, loc)
		}
		if st, _ := b.get("/agent/sign_in"); st != 200 || !strings.Contains(b.last, `name="password"`) {
			t.Fatalf("sign-in page: %d", st)
		}
		if st, _ := b.signIn(s.Default.Email, "wrong-password"); st != http.StatusUnauthorized || !strings.Contains(b.last, "not correct") {
			t.Errorf("a wrong password: %d; want 401 saying the email or password is not correct", st)
		}
		if b.cookie() != nil {
			t.Fatal("a failed sign-in set a session cookie")
		}
		st, loc := b.signIn(s.Default.Email, s.Default.Password)
		if st != http.StatusSeeOther || loc != "/agent" {
			t.Fatalf("sign in: %d %s; want 303 to /agent", st, loc)
		}
		req, _ := http.NewRequest("POST", s.URL+"/agent/sign_in", strings.NewReader(url.Values{"email": {s.Default.Email},
			"password": {s.Default.Password}}.Encode()))
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		res, err := (&http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}).Do(req)
		if err != nil {
			t.Fatal(err)
		}
		res.Body.Close()
		set := res.Header.Get("Set-Cookie")
		if !strings.Contains(set, "HttpOnly") || !strings.Contains(set, "SameSite=Lax") || strings.Contains(set, "Secure") {
			t.Errorf("session cookie %q; want HttpOnly, SameSite=Lax, and not Secure over plain HTTP", set)
		}
		// Only the cookie's hash is stored.
		var n int
		if err := s.App.DB.Reader().QueryRowContext(context.Background(), `SELECT count(*) FROM web_sessions WHERE id_hash = $1`,
			b.cookie().Value).Scan(&n); err != nil || n != 0 {
			t.Errorf("the cookie value itself is in web_sessions (%d, %v)", n, err)
		}
		if st, _ := b.get("/agent"); st != 200 || !strings.Contains(b.last, "Workspace") || !strings.Contains(b.last, "All unsolved tickets") {
			t.Errorf("the workspace after sign-in: %d; want the views", st)
		}
		token := b.csrf()
		if st, loc := b.post("/agent/sign_out", url.Values{"csrf_token": {token}}); st != http.StatusSeeOther || !strings.HasPrefix(loc, "/agent/sign_in") {
			t.Errorf("sign out: %d %s", st, loc)
		}
		if st, _ := b.get("/agent"); st != http.StatusSeeOther {
			t.Errorf("the workspace after sign-out: %d; want a redirect", st)
		}
	})
}

// Unsafe requests without the session's token are refused and change
// nothing; the form field and the htmx header both carry it.
func TestCSRF(t *testing.T) {
	apptest.Each(t, func(t *testing.T, s *apptest.Server) {
		b := newBrowser(t, s)
		b.signIn(s.Default.Email, s.Default.Password)
		token := b.csrf()
		declineAll := func() bool {
			r := s.Do(t, apptest.Request{Path: "/api/v2/account/settings.json", Auth: s.Default.TokenAuth()})
			return strings.Contains(string(r.Body), `"decline_invitations":true`)
		}
		for _, bad := range []url.Values{{"decline_invitations": {"on"}}, {"decline_invitations": {"on"}, "csrf_token": {"forged"}}} {
			if st, _ := b.post("/admin/sharing/settings", bad); st != http.StatusForbidden {
				t.Errorf("a post with csrf_token %q: %d; want 403", bad.Get("csrf_token"), st)
			}
		}
		if declineAll() {
			t.Fatal("a refused post changed the setting")
		}
		if st, _ := b.do("POST", "/admin/sharing/settings", url.Values{"decline_invitations": {"on"}},
			http.Header{"X-Csrf-Token": {token}}); st != http.StatusSeeOther || !declineAll() {
			t.Errorf("the htmx header with the token: %d; want 303 and the setting on", st)
		}
		if st, _ := b.post("/admin/sharing/settings", url.Values{"csrf_token": {token}}); st != http.StatusSeeOther || declineAll() {
			t.Errorf("the form field with the token: %d; want 303 and the setting off", st)
		}
	})
}

// Five failures lock the address, even against the right password.
func TestLockout(t *testing.T) {
	apptest.Each(t, func(t *testing.T, s *apptest.Server) {
		b := newBrowser(t, s)
		for i := 0; i < auth.MaxFailures; i++ {
			b.signIn(s.Default.Email, fmt.Sprintf("wrong-%d", i))
		}
		if st, _ := b.signIn(s.Default.Email, s.Default.Password); st != http.StatusTooManyRequests || !strings.Contains(b.last, "Too many") {
			t.Fatalf("the right password after %d failures: %d; want 429 locked", auth.MaxFailures, st)
		}
		if _, err := s.App.DB.Writer().ExecContext(context.Background(), `UPDATE login_failures SET locked_until = $1`,
			time.Now().Add(-time.Minute)); err != nil {
			t.Fatal(err)
		}
		if st, _ := b.signIn(s.Default.Email, s.Default.Password); st != http.StatusSeeOther {
			t.Errorf("after the lock ran out: %d; want a sign-in", st)
		}
	})
}

// End users who sign in are sent to the help center, never the workspace
// or the admin center; return_to stays on this site.
func TestWhereSignInLeads(t *testing.T) {
	apptest.Each(t, func(t *testing.T, s *apptest.Server) {
		r := s.Do(t, apptest.Request{Method: "POST", Path: "/api/v2/users.json", Auth: s.Default.TokenAuth(),
			Body: map[string]any{"user": map[string]any{"name": "Erin End", "email": "erin@example.org", "password": "erin-password-1"}}})
		if r.Status != 201 {
			t.Fatalf("create end user: %d %s", r.Status, r.Body)
		}
		e := newBrowser(t, s)
		if st, loc := e.signIn("erin@example.org", "erin-password-1"); st != http.StatusSeeOther || loc != "/hc" {
			t.Errorf("an end user signs in: %d %s; want /hc", st, loc)
		}
		if st, loc := e.get("/agent"); st != http.StatusSeeOther || loc != "/hc" {
			t.Errorf("an end user opens the workspace: %d %s; want /hc", st, loc)
		}
		if st, _ := e.get("/admin/sharing"); st != http.StatusForbidden {
			t.Errorf("an end user opens the admin center: %d; want 403", st)
		}
		if st, _ := e.get("/hc"); st != 200 || !strings.Contains(e.last, "Erin End") {
			t.Errorf("the help center: %d", st)
		}

		for returnTo, want := range map[string]string{"/admin/sharing": "/admin/sharing", "//evil.example/x": "/agent",
			"https://evil.example": "/agent", "/\\evil.example": "/agent"} {
			a := newBrowser(t, s)
			st, loc := a.post("/agent/sign_in", url.Values{"email": {s.Default.Email}, "password": {s.Default.Password},
				"return_to": {returnTo}})
			if st != http.StatusSeeOther || loc != want {
				t.Errorf("return_to %q: %d %s; want %s", returnTo, st, loc, want)
			}
		}
	})
}

// A reset link by mail sets a new password once, and ends old sessions.
func TestPasswordReset(t *testing.T) {
	for _, d := range dbtest.Dialects(t) {
		t.Run(string(d), func(t *testing.T) {
			sink := mailtest.Start(t)
			passwordReset(t, apptest.Start(t, d, apptest.WithSMTPRelay(sink.Addr)), sink)
		})
	}
}

func passwordReset(t *testing.T, s *apptest.Server, sink *mailtest.Sink) {
	old := newBrowser(t, s)
	old.signIn(s.Default.Email, s.Default.Password)
	b := newBrowser(t, s)
	if st, _ := b.post("/agent/password_reset", url.Values{"email": {"nobody@example.org"}}); st != 200 || !strings.Contains(b.last, "If an account uses that address") {
		t.Errorf("a reset for an unknown address: %d; want the same answer as for a known one", st)
	}
	if st, _ := b.post("/agent/password_reset", url.Values{"email": {s.Default.Email}}); st != 200 {
		t.Fatalf("ask for a reset: %d", st)
	}
	m := sink.Wait(t, 20*time.Second, mailtest.To(s.Default.Email))
	// The body is quoted-printable: undo its soft line breaks.
	text := strings.NewReplacer("=\r\n", "", "=\n", "").Replace(m.Body)
	link := regexp.MustCompile(`/agent/password_reset/[A-Za-z0-9]+`).FindString(text)
	if link == "" {
		t.Fatalf("no reset link in %q", m.Body)
	}
	if st, _ := b.get(link); st != 200 {
		t.Fatalf("open the link %s: %d\n%s", link, st, m.Body)
	}
	if st, _ := b.post(link, url.Values{"password": {"brand-new-pass-1"}, "password_confirmation": {"typo"}}); st != http.StatusUnprocessableEntity {
		t.Errorf("mismatched passwords: %d; want 422", st)
	}
	if st, loc := b.post(link, url.Values{"password": {"brand-new-pass-1"}, "password_confirmation": {"brand-new-pass-1"}}); st != http.StatusSeeOther || !strings.HasPrefix(loc, "/agent/sign_in") {
		t.Fatalf("set the new password: %d %s", st, loc)
	}
	if st, _ := b.get(link); st != http.StatusNotFound {
		t.Errorf("the link again: %d; want 404 (used)", st)
	}
	if st, _ := old.get("/agent"); st != http.StatusSeeOther {
		t.Errorf("a session from before the reset: %d; want it ended", st)
	}
	if st, _ := b.signIn(s.Default.Email, s.Default.Password); st != http.StatusUnauthorized {
		t.Errorf("the old password: %d; want 401", st)
	}
	if st, _ := b.signIn(s.Default.Email, "brand-new-pass-1"); st != http.StatusSeeOther {
		t.Errorf("the new password: %d; want a sign-in", st)
	}
}

// Sessions end after SessionIdle without use.
func TestSessionExpiry(t *testing.T) {
	apptest.Each(t, func(t *testing.T, s *apptest.Server) {
		b := newBrowser(t, s)
		b.signIn(s.Default.Email, s.Default.Password)
		if st, _ := b.get("/agent"); st != 200 {
			t.Fatalf("the workspace: %d", st)
		}
		if _, err := s.App.DB.Writer().ExecContext(context.Background(), `UPDATE web_sessions SET last_seen_at = $1`,
			time.Now().Add(-auth.SessionIdle-time.Minute)); err != nil {
			t.Fatal(err)
		}
		if st, loc := b.get("/agent"); st != http.StatusSeeOther || !strings.HasPrefix(loc, "/agent/sign_in") {
			t.Errorf("an idle session: %d %s; want a redirect to sign in", st, loc)
		}
	})
}

// A notice is shown once, after the redirect that set it; a notice in a
// link's query string is not shown at all.
func TestNotices(t *testing.T) {
	apptest.Each(t, func(t *testing.T, s *apptest.Server) {
		b := newBrowser(t, s)
		b.signIn(s.Default.Email, s.Default.Password)
		if st, _ := b.get("/agent?notice=Call+us+at+555"); st != 200 || strings.Contains(b.last, "Call us at 555") {
			t.Errorf("a notice from the query string was shown (%d)", st)
		}
		token := b.csrf()
		if st, loc := b.post("/admin/sharing/settings", url.Values{"csrf_token": {token}}); st != http.StatusSeeOther || loc != "/admin/sharing" {
			t.Fatalf("save: %d %s", st, loc)
		}
		if b.get("/admin/sharing"); !strings.Contains(b.last, "Sharing invitations reach you again.") {
			t.Error("the notice after the redirect is missing")
		}
		if b.get("/admin/sharing"); strings.Contains(b.last, "Sharing invitations reach you again.") {
			t.Error("the notice was shown twice")
		}
	})
}
