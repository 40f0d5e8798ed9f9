package view_test

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strconv"
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
	"parley/internal/rule/view"
	"parley/internal/ticket"
	"parley/internal/user"
)

var t0 = time.Date(2024, 3, 1, 10, 0, 0, 0, time.UTC)

// env is one account on a fresh database with real users, tickets and
// views, served over HTTP with the actor chosen per request.
type env struct {
	t       *testing.T
	d       *db.DB
	clk     *clock.Fake
	users   *user.Service
	tickets *ticket.Service
	views   *view.Service
	acct    int64
	owner   int64
	support int64
	srv     *httptest.Server
}

type people struct{ u *user.Service }

func person(u user.User) ticket.Person {
	p := ticket.Person{ID: u.ID, Name: u.Name, Role: u.Role, OrganizationID: u.OrganizationID, DefaultGroupID: u.DefaultGroupID, Active: u.Active}
	if u.Email != nil {
		p.Email = *u.Email
	}
	return p
}
func (p people) Person(ctx context.Context, a, id int64) (ticket.Person, error) {
	u, err := p.u.Lookup(ctx, a, id)
	return person(u), err
}
func (p people) PersonByEmail(ctx context.Context, a int64, e string) (ticket.Person, error) {
	u, err := p.u.LookupEmail(ctx, a, e)
	return person(u), err
}
func (p people) EnsureEndUser(ctx context.Context, a int64, n, e string) (ticket.Person, error) {
	u, err := p.u.EnsureEndUser(ctx, a, n, e)
	return person(u), err
}
func (p people) GroupMember(ctx context.Context, a, g, u int64) (bool, bool, error) {
	return p.u.GroupMember(ctx, a, g, u)
}
func (p people) Suspend(ctx context.Context, a, u int64) error { return p.u.Suspend(ctx, a, u) }
func (p people) OrganizationExists(ctx context.Context, a, o int64) (bool, error) {
	return p.u.OrganizationExists(ctx, a, o)
}

type settings struct{}

func (settings) SecureDownloads(context.Context, int64) (bool, error) { return false, nil }

// catalog reads groups and agents straight from the tables (test only;
// the lead wires the real catalog).
type catalog struct{ d *db.DB }

func (c catalog) Catalog(ctx context.Context, accountID int64) (rule.Catalog, error) {
	cat := rule.Catalog{Fields: map[int64]rule.Field{}, Statuses: map[int64]rule.Status{}, Groups: map[int64]string{},
		Agents: map[int64]string{}, Forms: map[int64]string{}}
	for q, m := range map[string]map[int64]string{
		`SELECT id, name FROM groups WHERE account_id = $1 AND deleted = FALSE`:                  cat.Groups,
		`SELECT id, name FROM users WHERE account_id = $1 AND role IN ('agent', 'admin')`:        cat.Agents,
		`SELECT id, title FROM ticket_fields WHERE account_id = $1 AND active = TRUE AND id < 0`: {},
	} {
		rows, err := c.d.Conn(ctx).QueryContext(ctx, q, accountID)
		if err != nil {
			return cat, err
		}
		for rows.Next() {
			var id int64
			var name string
			if err := rows.Scan(&id, &name); err != nil {
				rows.Close()
				return cat, err
			}
			m[id] = name
		}
		rows.Close()
	}
	return cat, nil
}

func newEnv(t *testing.T, d *db.DB) *env {
	t.Helper()
	ctx := t.Context()
	clk := clock.NewFake(t0)
	log := slog.New(slog.DiscardHandler)
	b := bulk.NewService(d, clk, log)
	us := user.NewService(d, clk, log, b, user.Options{Argon2: auth.Argon2{MemoryKiB: 64, Time: 1, Threads: 1}})
	acct, err := account.NewService(d, clk, account.Options{}).Create(ctx, account.New{Subdomain: "acme", Name: "Acme"})
	if err != nil {
		t.Fatalf("create account: %v", err)
	}
	owner, err := us.Bootstrap(ctx, acct.ID, user.Owner{Email: "owner@acme.example", Password: "owner-pass-1"})
	if err != nil {
		t.Fatalf("bootstrap users: %v", err)
	}
	files, err := blob.NewLocal(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	ts := ticket.NewService(d, clk, log, people{us}, files, settings{}, ticket.Options{})
	if err := ts.BootstrapAccount(ctx, acct.ID); err != nil {
		t.Fatalf("bootstrap tickets: %v", err)
	}
	e := &env{t: t, d: d, clk: clk, users: us, tickets: ts, acct: acct.ID, owner: owner}
	e.views = view.NewService(d, clk, ts, catalog{d}, us)
	gs, _, _, err := us.ListGroups(e.as(owner), user.GroupFilter{}, db.Page{Limit: 10})
	if err != nil || len(gs) == 0 {
		t.Fatalf("groups: %v %v", gs, err)
	}
	e.support = gs[0].ID
	r := chi.NewRouter()
	r.Use(httpx.StripJSON)
	r.Route("/api/v2", func(r chi.Router) {
		r.Use(func(next http.Handler) http.Handler {
			return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				id, _ := strconv.ParseInt(r.Header.Get("X-User"), 10, 64)
				a, err := us.ActorByID(r.Context(), acct.ID, id)
				if err != nil {
					httpx.WriteError(w, r, err)
					return
				}
				next.ServeHTTP(w, r.WithContext(auth.WithActor(httpx.WithBase(r.Context(), "http://acme.test"), a)))
			})
		})
		r.NotFound(httpx.NotFoundHandler)
		view.NewAPI(e.views).Routes(r)
	})
	e.srv = httptest.NewServer(r)
	t.Cleanup(e.srv.Close)
	return e
}

// as returns a context acting as user id.
func (e *env) as(id int64) context.Context {
	e.t.Helper()
	a, err := e.users.ActorByID(e.t.Context(), e.acct, id)
	if err != nil {
		e.t.Fatalf("ActorByID(%d): %v", id, err)
	}
	return auth.WithActor(e.t.Context(), a)
}

// agent creates an agent, optionally in groups.
func (e *env) agent(name string, groups ...int64) int64 {
	e.t.Helper()
	u, err := e.users.CreateUser(e.as(e.owner), user.Input{Name: opt.Of(name), Email: opt.Of(name + "@acme.example"), Role: opt.Of("agent")})
	if err != nil {
		e.t.Fatalf("create agent: %v", err)
	}
	for _, g := range groups {
		if _, err := e.users.CreateGroupMembership(e.as(e.owner), user.MembershipInput{UserID: opt.Of(u.ID), GroupID: opt.Of(g)}); err != nil {
			e.t.Fatalf("membership: %v", err)
		}
	}
	return u.ID
}

func (e *env) group(name string) int64 {
	e.t.Helper()
	g, err := e.users.CreateGroup(e.as(e.owner), user.GroupInput{Name: opt.Of(name)})
	if err != nil {
		e.t.Fatalf("create group: %v", err)
	}
	return g.ID
}

// ticket creates a ticket as the owner.
func (e *env) ticket(in ticket.Input) ticket.Ticket {
	e.t.Helper()
	if !in.Comment.Set {
		in.Comment = opt.Of(ticket.CommentInput{Body: "help"})
	}
	t, _, err := e.tickets.Create(e.as(e.owner), in)
	if err != nil {
		e.t.Fatalf("create ticket: %v", err)
	}
	return t
}

type resp struct {
	status int
	body   map[string]any
	raw    string
}

// call sends a request as user and decodes the JSON body.
func (e *env) call(user int64, method, path string, body any) resp {
	e.t.Helper()
	var rd io.Reader
	if body != nil {
		b, _ := json.Marshal(body)
		rd = bytes.NewReader(b)
	}
	req, _ := http.NewRequest(method, e.srv.URL+"/api/v2"+path, rd)
	req.Header.Set("X-User", strconv.FormatInt(user, 10))
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		e.t.Fatal(err)
	}
	defer res.Body.Close()
	b, _ := io.ReadAll(res.Body)
	r := resp{status: res.StatusCode, raw: string(b)}
	if len(b) > 0 {
		_ = json.Unmarshal(b, &r.body)
	}
	return r
}

// must requires a status and returns the body.
func (e *env) must(status int, user int64, method, path string, body any) map[string]any {
	e.t.Helper()
	r := e.call(user, method, path, body)
	if r.status != status {
		e.t.Fatalf("%s %s as %d: status %d, want %d: %s", method, path, user, r.status, status, r.raw)
	}
	return r.body
}

func num(v any) int64 {
	f, _ := v.(float64)
	return int64(f)
}

func obj(m map[string]any, k string) map[string]any {
	o, _ := m[k].(map[string]any)
	return o
}

func arr(m map[string]any, k string) []any {
	a, _ := m[k].([]any)
	return a
}
