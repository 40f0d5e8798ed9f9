package apptest

import (
	"io"
	"net/http"
	"net/http/cookiejar"
	"net/url"
	"regexp"
	"strings"
	"testing"
	"time"
)

// Session is a browser without a browser, signed in to the server's HTML
// pages: it keeps cookies, follows no redirects and remembers the last
// body, for tests of server-rendered pages that need no script.
type Session struct {
	t testing.TB
	s *Server
	c *http.Client
	// Body and Location are the last answer's body and Location header.
	Body, Location string
}

// SignIn signs email in through /agent/sign_in on the default host and
// fails the test unless the answer is the usual redirect.
func (s *Server) SignIn(t testing.TB, email, password string) *Session {
	t.Helper()
	jar, _ := cookiejar.New(nil)
	p := &Session{t: t, s: s, c: &http.Client{Jar: jar, Timeout: 20 * time.Second,
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}}
	if st := p.Do("POST", "/agent/sign_in", url.Values{"email": {email}, "password": {password}}); st != http.StatusSeeOther {
		t.Fatalf("sign in as %s: %d", email, st)
	}
	return p
}

// Do sends a request (a form when form is not nil), keeps the body and
// the Location header and returns the status.
func (p *Session) Do(method, path string, form url.Values) int {
	p.t.Helper()
	var body io.Reader
	if form != nil {
		body = strings.NewReader(form.Encode())
	}
	req, err := http.NewRequest(method, p.s.URL+path, body)
	if err != nil {
		p.t.Fatal(err)
	}
	if form != nil {
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	}
	res, err := p.c.Do(req)
	if err != nil {
		p.t.Fatalf("%s %s: %v", method, path, err)
	}
	defer res.Body.Close()
	raw, _ := io.ReadAll(res.Body)
	p.Body, p.Location = string(raw), res.Header.Get("Location")
	return res.StatusCode
}

var csrfToken = regexp.MustCompile(`name="csrf_token" value="([^"]+)"`)

// CSRF is the form token on the last page.
func (p *Session) CSRF() string {
	p.t.Helper()
	m := csrfToken.FindStringSubmatch(p.Body)
	if m == nil {
		p.t.Fatalf("no csrf_token on the page")
	}
	return m[1]
}
