// Package apptest starts a whole Parley (real database, real HTTP on a
// random loopback port, real job workers) for end-to-end tests, on SQLite
// and on PostgreSQL.
package apptest

import (
	"bytes"
	"context"
	"encoding/base64"
	"encoding/json"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"strings"
	"testing"
	"time"

	"parley/internal/app"
	"parley/internal/auth"
	"parley/internal/config"
	"parley/internal/platform/db"
	"parley/internal/platform/db/dbtest"
)

// BaseDomain is the domain whose subdomains name accounts in tests.
const BaseDomain = "parley.test"

// Tenant is one account of a test server with its owner's credentials.
type Tenant struct {
	Subdomain string
	Host      string
	AccountID int64
	OwnerID   int64
	Email     string
	Password  string
	Token     string
}

// TokenAuth is the Basic "email/token:TOKEN" header value for the owner.
func (t Tenant) TokenAuth() string {
	return "Basic " + base64.StdEncoding.EncodeToString([]byte(t.Email+"/token:"+t.Token))
}

// PasswordAuth is the Basic "email:password" header value for the owner.
func (t Tenant) PasswordAuth() string {
	return "Basic " + base64.StdEncoding.EncodeToString([]byte(t.Email+":"+t.Password))
}

// Server is a running Parley.
type Server struct {
	App     *app.App
	URL     string
	Dialect db.Dialect
	// Default is the default account (reached by the bare IP).
	Default Tenant
	// SMTPAddr is where inbound mail is accepted (WithSMTPListen).
	SMTPAddr string
	srv      *httptest.Server
	cfg      config.Config
	log      *slog.Logger
}

// Option adjusts the configuration before start.
type Option func(*config.Config)

// WithRateLimit sets the default accounts' budget (requests/minute).
func WithRateLimit(n int) Option { return func(c *config.Config) { c.RateLimit = n } }

// WithSMTPRelay sends outbound mail to addr (a mailtest.Sink).
func WithSMTPRelay(addr string) Option {
	return func(c *config.Config) { c.SMTPRelay, c.SMTPTLS = addr, "none" }
}

// WithSMTPListen accepts inbound mail on a random loopback port
// (Server.SMTPAddr says which).
func WithSMTPListen() Option { return func(c *config.Config) { c.SMTPListen = "127.0.0.1:0" } }

// WithSharingRetry sets the first wait before a failed delivery to a
// sharing partner is retried.
func WithSharingRetry(d time.Duration) Option { return func(c *config.Config) { c.SharingRetry = d } }

// WithWebhookAllow lets webhooks reach the given hosts or CIDRs (test
// receivers listen on loopback, which the SSRF guard refuses otherwise).
func WithWebhookAllow(hosts ...string) Option {
	return func(c *config.Config) { c.WebhookAllow = append(c.WebhookAllow, hosts...) }
}

// Each runs fn against a fresh server on every available dialect (SQLite
// always; PostgreSQL when reachable, and required when CI=true).
func Each(t *testing.T, fn func(t *testing.T, s *Server), opts ...Option) {
	for _, d := range dbtest.Dialects(t) {
		t.Run(string(d), func(t *testing.T) {
			fn(t, Start(t, d, opts...))
		})
	}
}

// Start boots a server on dialect d with a default account "alpha".
func Start(t testing.TB, d db.Dialect, opts ...Option) *Server {
	t.Helper()
	cfg := config.Default()
	cfg.DataDir = t.TempDir()
	if d == db.Postgres {
		cfg.DatabaseURL = dbtest.FreshPostgresURL(t)
	}
	cfg.BaseDomain = BaseDomain
	cfg.Account, cfg.AccountName = "alpha", "Alpha Support"
	cfg.AdminEmail = "owner@alpha.example"
	cfg.AdminPassword = "alpha-password-1"
	cfg.AdminToken = auth.NewSecret()
	cfg.RateLimit = 1_000_000
	cfg.PasswordMemoryKiB, cfg.PasswordTime = 64, 1
	cfg.JobPoll = 20 * time.Millisecond
	cfg.Workers = 4
	for _, o := range opts {
		o(&cfg)
	}
	var logw io.Writer = io.Discard
	if os.Getenv("PARLEY_TEST_LOG") != "" {
		logw = os.Stderr
	}
	log := slog.New(slog.NewJSONHandler(logw, &slog.HandlerOptions{Level: slog.LevelDebug}))
	s := &Server{Dialect: d, cfg: cfg, log: log}
	login := s.boot(t, nil)
	s.URL = s.srv.URL
	s.Default = Tenant{Subdomain: login.Account.Subdomain, Host: login.Account.Subdomain + "." + BaseDomain,
		AccountID: login.Account.ID, OwnerID: login.OwnerID, Email: login.Email, Password: login.Password, Token: login.Token}
	t.Cleanup(func() {
		if err := s.shutdown(); err != nil {
			t.Errorf("apptest: close: %v", err)
		}
	})
	return s
}

// boot starts the app and serves it, on ln when given (a restart on the
// same address) or a fresh loopback port.
func (s *Server) boot(t testing.TB, ln net.Listener) app.Login {
	t.Helper()
	ctx := context.Background()
	a, err := app.New(ctx, s.cfg, app.Options{Log: s.log})
	if err != nil {
		t.Fatalf("apptest: start app: %v", err)
	}
	login, err := a.EnsureDefaultAccount(ctx)
	if err != nil {
		a.Close()
		t.Fatalf("apptest: default account: %v", err)
	}
	if err := a.StartBackground(ctx); err != nil {
		a.Close()
		t.Fatalf("apptest: background: %v", err)
	}
	srv := httptest.NewUnstartedServer(a.Router())
	if ln != nil {
		srv.Listener.Close()
		srv.Listener = ln
	}
	srv.Start()
	s.App, s.srv, s.SMTPAddr = a, srv, a.SMTPAddr()
	return login
}

func (s *Server) shutdown() error {
	if s.srv == nil {
		return nil
	}
	s.srv.Close()
	err := s.App.Close()
	s.srv, s.App = nil, nil
	return err
}

// Stop shuts the server down (an outage); Restart brings it back.
func (s *Server) Stop(t testing.TB) {
	t.Helper()
	if err := s.shutdown(); err != nil {
		t.Fatalf("apptest: stop: %v", err)
	}
}

// Restart starts a stopped server again on the same address, database and
// data directory.
func (s *Server) Restart(t testing.TB) {
	t.Helper()
	addr := strings.TrimPrefix(s.URL, "http://")
	var ln net.Listener
	var err error
	for i := 0; i < 100; i++ {
		if ln, err = net.Listen("tcp", addr); err == nil {
			break
		}
		time.Sleep(20 * time.Millisecond)
	}
	if err != nil {
		t.Fatalf("apptest: listen again on %s: %v", addr, err)
	}
	s.boot(t, ln)
}

// NewTenant creates another account on the server.
func (s *Server) NewTenant(t testing.TB, subdomain string) Tenant {
	t.Helper()
	l, err := s.App.CreateAccount(context.Background(), app.NewAccount{Subdomain: subdomain, Name: subdomain + " Support",
		OwnerEmail: "owner@" + subdomain + ".example", OwnerPassword: subdomain + "-password-1"})
	if err != nil {
		t.Fatalf("apptest: create account %s: %v", subdomain, err)
	}
	return Tenant{Subdomain: subdomain, Host: subdomain + "." + BaseDomain, AccountID: l.Account.ID, OwnerID: l.OwnerID,
		Email: l.Email, Password: l.Password, Token: l.Token}
}

// Response is a finished request.
type Response struct {
	Status int
	Header http.Header
	Body   []byte
}

// JSON decodes the body into a generic map (fails the test if it is not JSON).
func (r Response) JSON(t testing.TB) map[string]any {
	t.Helper()
	var m map[string]any
	if err := json.Unmarshal(r.Body, &m); err != nil {
		t.Fatalf("response is not a JSON object (status %d): %v\n%s", r.Status, err, r.Body)
	}
	return m
}

// Request describes one call.
type Request struct {
	Method string
	Path   string // e.g. /api/v2/users.json
	Host   string // Host header; empty reaches the default account
	Auth   string // Authorization header value
	Body   any    // marshalled to JSON unless []byte or string
	Header http.Header
}

// Do performs a request against the server.
func (s *Server) Do(t testing.TB, r Request) Response {
	t.Helper()
	var body io.Reader
	switch b := r.Body.(type) {
	case nil:
	case []byte:
		body = bytes.NewReader(b)
	case string:
		body = strings.NewReader(b)
	default:
		j, err := json.Marshal(b)
		if err != nil {
			t.Fatalf("marshal body: %v", err)
		}
		body = bytes.NewReader(j)
	}
	method := r.Method
	if method == "" {
		method = http.MethodGet
	}
	req, err := http.NewRequest(method, s.URL+r.Path, body)
	if err != nil {
		t.Fatalf("new request: %v", err)
	}
	if r.Host != "" {
		req.Host = r.Host
	}
	if r.Auth != "" {
		req.Header.Set("Authorization", r.Auth)
	}
	if body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	for k, vs := range r.Header {
		for _, v := range vs {
			req.Header.Add(k, v)
		}
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatalf("%s %s: %v", method, r.Path, err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatalf("read body: %v", err)
	}
	return Response{Status: resp.StatusCode, Header: resp.Header, Body: b}
}

// HostClient is an http.Client that sends every request with Host set to
// host, so third-party clients pointed at the server's IP reach an account.
func HostClient(host string) *http.Client {
	return &http.Client{Timeout: 30 * time.Second, Transport: hostTransport{host: host, next: http.DefaultTransport}}
}

type hostTransport struct {
	host string
	next http.RoundTripper
}

func (h hostTransport) RoundTrip(r *http.Request) (*http.Response, error) {
	r = r.Clone(r.Context())
	r.Host = h.host
	return h.next.RoundTrip(r)
}

// WaitJob polls a job status URL path until it completes or fails.
func (s *Server) WaitJob(t testing.TB, tn Tenant, id string) map[string]any {
	t.Helper()
	deadline := time.Now().Add(20 * time.Second)
	for time.Now().Before(deadline) {
		r := s.Do(t, Request{Path: "/api/v2/job_statuses/" + id + ".json", Host: tn.Host, Auth: tn.TokenAuth()})
		if r.Status != http.StatusOK {
			t.Fatalf("job status %s: %d %s", id, r.Status, r.Body)
		}
		js := r.JSON(t)["job_status"].(map[string]any)
		if st := js["status"]; st == "completed" || st == "failed" || st == "killed" {
			return js
		}
		time.Sleep(25 * time.Millisecond)
	}
	t.Fatalf("job %s did not finish in 20s", id)
	return nil
}
