package webhook_test

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/netip"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/go-chi/chi/v5"
	"github.com/riverqueue/river"

	"parley/internal/account"
	"parley/internal/auth"
	"parley/internal/platform/clock"
	"parley/internal/platform/db"
	"parley/internal/platform/httpx"
	"parley/internal/webhook"
)

var t0 = time.Date(2024, 3, 1, 10, 0, 0, 0, time.UTC)

// env is a fresh database with two accounts (A allowed to reach
// 127.0.0.1, B not), the webhook service with a fake clock and a
// recording queue, and an API router that acts as whoever a call names.
type env struct {
	d      *db.DB
	clk    *clock.Fake
	svc    *webhook.Service
	q      *fakeQueue
	router chi.Router
	a, b   int64
	adminA auth.Actor
	adminB auth.Actor
	agentA auth.Actor
}

const testSecret = "installation-secret-for-tests-0123456789"

func newEnv(t *testing.T, d *db.DB) *env {
	t.Helper()
	ctx := t.Context()
	clk := clock.NewFake(t0)
	accts := account.NewService(d, clk, account.Options{})
	a, err := accts.Create(ctx, account.New{Subdomain: "acme", Name: "Acme"})
	if err != nil {
		t.Fatalf("create account: %v", err)
	}
	b, err := accts.Create(ctx, account.New{Subdomain: "other", Name: "Other"})
	if err != nil {
		t.Fatalf("create account: %v", err)
	}
	loopback := netip.MustParseAddr("127.0.0.1")
	svc, err := webhook.NewService(d, webhook.Options{
		Secret: []byte(testSecret),
		Allow:  func(acct int64, ip netip.Addr) bool { return acct == a.ID && ip == loopback },
		Clock:  clk,
		Log:    slog.New(slog.DiscardHandler),
		// Real time is short in tests; the schedule is still observable.
		Timeout: 5 * time.Second,
	})
	if err != nil {
		t.Fatal(err)
	}
	q := &fakeQueue{}
	svc.SetQueue(q)
	e := &env{d: d, clk: clk, svc: svc, q: q, a: a.ID, b: b.ID,
		adminA: auth.Actor{AccountID: a.ID, UserID: 11, Name: "Ann Admin", Role: auth.RoleAdmin, Method: "token"},
		adminB: auth.Actor{AccountID: b.ID, UserID: 21, Name: "Bob Admin", Role: auth.RoleAdmin, Method: "token"},
		agentA: auth.Actor{AccountID: a.ID, UserID: 12, Name: "Al Agent", Role: auth.RoleAgent, Method: "token"},
	}
	r := chi.NewRouter()
	r.Use(httpx.StripJSON)
	r.Route("/api/v2", func(r chi.Router) {
		r.Use(func(next http.Handler) http.Handler {
			return http.HandlerFunc(func(w http.ResponseWriter, req *http.Request) {
				var act auth.Actor
				if err := json.Unmarshal([]byte(req.Header.Get("X-Test-Actor")), &act); err != nil {
					t.Errorf("bad test actor: %v", err)
				}
				ctx := httpx.WithBase(auth.WithActor(req.Context(), act), "https://acme.example.com")
				next.ServeHTTP(w, req.WithContext(ctx))
			})
		})
		r.NotFound(httpx.NotFoundHandler)
		webhook.NewAPI(svc).Routes(r)
	})
	e.router = r
	return e
}

func (e *env) ctx(t *testing.T, a auth.Actor) context.Context { return auth.WithActor(t.Context(), a) }

// resp is an API answer.
type resp struct {
	Status int
	Header http.Header
	Body   []byte
}

func (r resp) JSON(t *testing.T) map[string]any {
	t.Helper()
	var m map[string]any
	if err := json.Unmarshal(r.Body, &m); err != nil {
		t.Fatalf("body %q is not a JSON object: %v", r.Body, err)
	}
	return m
}

// do calls the API as act; body may be a string (sent as is) or a value.
func (e *env) do(t *testing.T, act auth.Actor, method, path string, body any) resp {
	t.Helper()
	var rd io.Reader
	switch b := body.(type) {
	case nil:
	case string:
		rd = strings.NewReader(b)
	default:
		j, err := json.Marshal(b)
		if err != nil {
			t.Fatal(err)
		}
		rd = bytes.NewReader(j)
	}
	req := httptest.NewRequest(method, "/api/v2"+path, rd)
	req.Header.Set("Content-Type", "application/json")
	a, _ := json.Marshal(act)
	req.Header.Set("X-Test-Actor", string(a))
	w := httptest.NewRecorder()
	e.router.ServeHTTP(w, req)
	return resp{Status: w.Code, Header: w.Header(), Body: w.Body.Bytes()}
}

// call requires status and decodes the body (nil when empty).
func (e *env) call(t *testing.T, act auth.Actor, method, path string, body any, status int) map[string]any {
	t.Helper()
	r := e.do(t, act, method, path, body)
	if r.Status != status {
		t.Fatalf("%s %s: status %d, want %d; body %s", method, path, r.Status, status, r.Body)
	}
	if len(bytes.TrimSpace(r.Body)) == 0 {
		return nil
	}
	return r.JSON(t)
}

// invalid requires a 422 RecordInvalid naming field and returns the
// description of its first detail.
func (e *env) invalid(t *testing.T, act auth.Actor, method, path string, body any, field string) string {
	t.Helper()
	m := e.call(t, act, method, path, body, http.StatusUnprocessableEntity)
	if m["error"] != "RecordInvalid" {
		t.Fatalf("error = %v, want RecordInvalid: %v", m["error"], m)
	}
	details, _ := m["details"].(map[string]any)
	list, _ := details[field].([]any)
	if len(list) == 0 {
		t.Fatalf("details %v do not name %q", details, field)
	}
	return list[0].(map[string]any)["description"].(string)
}

// create makes a webhook through the API as account A's admin.
func (e *env) create(t *testing.T, w map[string]any) map[string]any {
	t.Helper()
	m := e.call(t, e.adminA, "POST", "/webhooks", map[string]any{"webhook": w}, http.StatusCreated)
	return m["webhook"].(map[string]any)
}

func hook(name, endpoint string, extra ...any) map[string]any {
	w := map[string]any{"name": name, "endpoint": endpoint, "http_method": "POST", "request_format": "json",
		"status": "active", "subscriptions": []string{"conditional_ticket_events"}}
	for i := 0; i+1 < len(extra); i += 2 {
		w[extra[i].(string)] = extra[i+1]
	}
	return w
}

// fakeQueue records delivery jobs; tests run them through the worker.
type fakeQueue struct {
	mu   sync.Mutex
	args []webhook.Args
}

func (q *fakeQueue) Enqueue(_ context.Context, a river.JobArgs, _ *river.InsertOpts) error {
	q.mu.Lock()
	defer q.mu.Unlock()
	q.args = append(q.args, a.(webhook.Args))
	return nil
}

// take returns and forgets the recorded jobs.
func (q *fakeQueue) take() []webhook.Args {
	q.mu.Lock()
	defer q.mu.Unlock()
	out := q.args
	q.args = nil
	return out
}

// work runs one job through the worker as River would.
func (e *env) work(t *testing.T, a webhook.Args) error {
	t.Helper()
	return e.svc.NewWorker().Work(t.Context(), &river.Job[webhook.Args]{Args: a})
}

// target is an HTTP endpoint on 127.0.0.1 that records requests and
// answers with scripted responses (the last one repeats).
type target struct {
	*httptest.Server
	mu      sync.Mutex
	reqs    []seen
	answers []answer
}

type seen struct {
	Method string
	Path   string
	Query  string
	Header http.Header
	Body   []byte
}

type answer struct {
	status int
	header map[string]string
	body   string
}

func newTarget(t *testing.T, answers ...answer) *target {
	t.Helper()
	if len(answers) == 0 {
		answers = []answer{{status: 200, body: `{"ok":true}`}}
	}
	tg := &target{answers: answers}
	tg.Server = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		b, _ := io.ReadAll(r.Body)
		tg.mu.Lock()
		tg.reqs = append(tg.reqs, seen{Method: r.Method, Path: r.URL.Path, Query: r.URL.RawQuery, Header: r.Header.Clone(), Body: b})
		a := tg.answers[min(len(tg.reqs)-1, len(tg.answers)-1)]
		tg.mu.Unlock()
		for k, v := range a.header {
			w.Header().Set(k, v)
		}
		w.WriteHeader(a.status)
		_, _ = io.WriteString(w, a.body)
	}))
	t.Cleanup(tg.Close)
	return tg
}

func (tg *target) requests() []seen {
	tg.mu.Lock()
	defer tg.mu.Unlock()
	return append([]seen{}, tg.reqs...)
}
