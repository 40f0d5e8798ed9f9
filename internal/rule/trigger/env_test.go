package trigger_test

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strconv"
	"sync"
	"testing"
	"time"

	"github.com/go-chi/chi/v5"

	"parley/internal/account"
	"parley/internal/auth"
	"parley/internal/bulk"
	"parley/internal/platform/blob"
	"parley/internal/platform/clock"
	"parley/internal/platform/db"
	"parley/internal/platform/httpx"
	"parley/internal/platform/opt"
	"parley/internal/rule"
	"parley/internal/rule/trigger"
	"parley/internal/ticket"
	"parley/internal/user"
)

var t0 = time.Date(2024, 3, 1, 10, 0, 0, 0, time.UTC)

// people is the user room for the ticket service and the triggers.
type people struct{ ticket.Users }

func (p people) UserFacts(ctx context.Context, accountID, userID int64) (string, int64, error) {
	u, err := p.U.Lookup(ctx, accountID, userID)
	return string(u.Role), 1, err
}

type settings struct{}

func (settings) SecureDownloads(context.Context, int64) (bool, error) { return false, nil }

// fakeNotifier records what it was asked to send and "sends" to the
// ticket's requester.
type fakeNotifier struct {
	mu   sync.Mutex
	sent []sent
	fail error
}

type sent struct {
	TicketID int64
	Rule     ticket.RuleRef
	N        rule.Notification
}

func (f *fakeNotifier) Notify(_ context.Context, w *ticket.Write, n rule.Notification, src ticket.RuleRef) ([]int64, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.fail != nil {
		return nil, f.fail
	}
	f.sent = append(f.sent, sent{TicketID: w.Ticket.ID, Rule: src, N: n})
	return []int64{w.Ticket.RequesterID}, nil
}

func (f *fakeNotifier) titles() []string {
	f.mu.Lock()
	defer f.mu.Unlock()
	var out []string
	for _, s := range f.sent {
		out = append(out, s.Rule.Title)
	}
	return out
}

// tenant is one account with its admin owner.
type tenant struct {
	acct  int64
	owner int64
	admin context.Context
}

type env struct {
	t        testing.TB
	d        *db.DB
	clk      *clock.Fake
	users    *user.Service
	tickets  *ticket.Service
	svc      *trigger.Service
	notifier *fakeNotifier
	a, b     tenant
	srv      *httptest.Server
}

func newEnv(t testing.TB, d *db.DB) *env {
	t.Helper()
	clk := clock.NewFake(t0)
	log := slog.New(slog.DiscardHandler)
	b := bulk.NewService(d, clk, log)
	users := user.NewService(d, clk, log, b, user.Options{Argon2: auth.Argon2{MemoryKiB: 64, Time: 1, Threads: 1}})
	files, err := blob.NewLocal(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	tickets := ticket.NewService(d, clk, log, people{ticket.Users{U: users}}, files, settings{}, ticket.Options{})
	svc := trigger.NewService(d, clk, log, tickets, people{ticket.Users{U: users}})
	n := &fakeNotifier{}
	svc.SetNotifier(n)
	tickets.AddHook(svc)
	e := &env{t: t, d: d, clk: clk, users: users, tickets: tickets, svc: svc, notifier: n}
	e.a = e.tenant("acme")
	e.b = e.tenant("beta")

	r := chi.NewRouter()
	r.Use(httpx.StripJSON, httpx.Base(false))
	r.Route("/api/v2", func(r chi.Router) {
		r.Use(func(next http.Handler) http.Handler {
			return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				acct, _ := strconv.ParseInt(r.Header.Get("X-Account"), 10, 64)
				uid, _ := strconv.ParseInt(r.Header.Get("X-User"), 10, 64)
				if uid != 0 {
					a, err := users.ActorByID(r.Context(), acct, uid)
					if err != nil {
						httpx.WriteError(w, r, err)
						return
					}
					r = r.WithContext(auth.WithActor(r.Context(), a))
				}
				next.ServeHTTP(w, r)
			})
		})
		r.NotFound(httpx.NotFoundHandler)
		trigger.NewAPI(svc).Routes(r)
	})
	e.srv = httptest.NewServer(r)
	t.Cleanup(e.srv.Close)
	return e
}

func (e *env) tenant(sub string) tenant {
	t := e.t
	ctx := t.Context()
	acct, err := account.NewService(e.d, e.clk, account.Options{}).Create(ctx, account.New{Subdomain: sub, Name: sub})
	if err != nil {
		t.Fatalf("create account: %v", err)
	}
	owner, err := e.users.Bootstrap(ctx, acct.ID, user.Owner{Email: "owner@" + sub + ".example", Password: "owner-pass-1"})
	if err != nil {
		t.Fatalf("bootstrap: %v", err)
	}
	if err := e.tickets.BootstrapAccount(ctx, acct.ID); err != nil {
		t.Fatalf("ticket bootstrap: %v", err)
	}
	return tenant{acct: acct.ID, owner: owner, admin: e.as(acct.ID, owner)}
}

func (e *env) as(acct, uid int64) context.Context {
	e.t.Helper()
	a, err := e.users.ActorByID(e.t.Context(), acct, uid)
	if err != nil {
		e.t.Fatalf("ActorByID(%d): %v", uid, err)
	}
	return auth.WithActor(e.t.Context(), a)
}

func (e *env) user(tn tenant, name, email string, role auth.Role) user.User {
	e.t.Helper()
	in := user.Input{Name: opt.Of(name), Email: opt.Of(email)}
	if role != auth.RoleEndUser {
		in.Role = opt.Of(string(role))
	}
	u, err := e.users.CreateUser(tn.admin, in)
	if err != nil {
		e.t.Fatalf("CreateUser(%s): %v", name, err)
	}
	return u
}

// call makes an API request as user uid of account acct and decodes the
// JSON answer (if any) into a map.
func (e *env) call(tn tenant, uid int64, method, path string, body any) (int, map[string]any) {
	e.t.Helper()
	var rd io.Reader
	if body != nil {
		b, err := json.Marshal(body)
		if err != nil {
			e.t.Fatal(err)
		}
		rd = bytes.NewReader(b)
	}
	req, err := http.NewRequestWithContext(e.t.Context(), method, e.srv.URL+"/api/v2"+path, rd)
	if err != nil {
		e.t.Fatal(err)
	}
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("X-Account", strconv.FormatInt(tn.acct, 10))
	req.Header.Set("X-User", strconv.FormatInt(uid, 10))
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		e.t.Fatal(err)
	}
	defer res.Body.Close()
	raw, _ := io.ReadAll(res.Body)
	var m map[string]any
	if len(bytes.TrimSpace(raw)) > 0 {
		if err := json.Unmarshal(raw, &m); err != nil {
			e.t.Fatalf("%s %s: %d %s: not JSON: %v", method, path, res.StatusCode, raw, err)
		}
	}
	return res.StatusCode, m
}

// mustCall is call that fails the test on an unexpected status.
func (e *env) mustCall(tn tenant, method, path string, body any, want int) map[string]any {
	e.t.Helper()
	code, m := e.call(tn, tn.owner, method, path, body)
	if code != want {
		e.t.Fatalf("%s %s = %d %v; want %d", method, path, code, m, want)
	}
	return m
}

// createTicket creates a ticket as ctx's actor.
func (e *env) createTicket(ctx context.Context, in ticket.Input) (ticket.Ticket, ticket.Audit) {
	e.t.Helper()
	if !in.Comment.Set {
		in.Comment = opt.Of(ticket.CommentInput{Body: "help"})
	}
	if !in.Subject.Set {
		in.Subject = opt.Of("Printer on fire")
	}
	t, au, err := e.tickets.Create(ctx, in)
	if err != nil {
		e.t.Fatalf("create ticket: %v", err)
	}
	return t, au
}

func (e *env) mustRule(ctx context.Context, kind rule.Kind, title string, all []rule.Condition, actions []rule.Action) trigger.Rule {
	e.t.Helper()
	r, err := e.svc.Create(ctx, kind, trigger.Input{Title: opt.Of(title), All: opt.Of(all), Actions: opt.Of(actions)})
	if err != nil {
		e.t.Fatalf("create %s %q: %v", kind, title, err)
	}
	return r
}

func c(field, op string, v any) rule.Condition {
	return rule.Condition{Field: field, Operator: op, Value: v}
}

func act(field string, v any) rule.Action { return rule.Action{Field: field, Value: v} }
