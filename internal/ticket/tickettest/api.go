package tickettest

import (
	"bytes"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"strconv"
	"testing"

	"github.com/go-chi/chi/v5"

	"parley/internal/auth"
	"parley/internal/platform/db"
	"parley/internal/platform/httpx"
	"parley/internal/platform/opt"
	"parley/internal/ticket"
	"parley/internal/user"
)

// API serves a room's routes under /api/v2 over real HTTP, acting as the
// user named by each request's X-User header, so a test can call the room
// as different agents without credentials.
type API struct {
	*Env
	T testing.TB
	// Support is the account's default group.
	Support int64
	Srv     *httptest.Server
}

// Serve mounts routes for e's account.
func Serve(t testing.TB, e *Env, routes func(chi.Router)) *API {
	t.Helper()
	a := &API{Env: e, T: t}
	gs, _, _, err := e.Users.ListGroups(e.As(t, e.Owner), user.GroupFilter{}, db.Page{Limit: 10})
	if err != nil || len(gs) == 0 {
		t.Fatalf("tickettest: groups: %v %v", gs, err)
	}
	a.Support = gs[0].ID
	r := chi.NewRouter()
	r.Use(httpx.StripJSON)
	r.Route("/api/v2", func(r chi.Router) {
		r.Use(func(next http.Handler) http.Handler {
			return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				id, _ := strconv.ParseInt(r.Header.Get("X-User"), 10, 64)
				actor, err := e.Users.ActorByID(r.Context(), e.Account, id)
				if err != nil {
					httpx.WriteError(w, r, err)
					return
				}
				next.ServeHTTP(w, r.WithContext(auth.WithActor(httpx.WithBase(r.Context(), "http://acme.test"), actor)))
			})
		})
		r.NotFound(httpx.NotFoundHandler)
		routes(r)
	})
	a.Srv = httptest.NewServer(r)
	t.Cleanup(a.Srv.Close)
	return a
}

// Agent creates an agent, optionally in groups.
func (a *API) Agent(name string, groups ...int64) int64 {
	a.T.Helper()
	ctx := a.As(a.T, a.Owner)
	u, err := a.Users.CreateUser(ctx, user.Input{Name: opt.Of(name), Email: opt.Of(name + "@acme.example"), Role: opt.Of("agent")})
	if err != nil {
		a.T.Fatalf("tickettest: create agent: %v", err)
	}
	for _, g := range groups {
		if _, err := a.Users.CreateGroupMembership(ctx, user.MembershipInput{UserID: opt.Of(u.ID), GroupID: opt.Of(g)}); err != nil {
			a.T.Fatalf("tickettest: membership: %v", err)
		}
	}
	return u.ID
}

// Group creates a group.
func (a *API) Group(name string) int64 {
	a.T.Helper()
	g, err := a.Users.CreateGroup(a.As(a.T, a.Owner), user.GroupInput{Name: opt.Of(name)})
	if err != nil {
		a.T.Fatalf("tickettest: create group: %v", err)
	}
	return g.ID
}

// Ticket creates a ticket as the owner (with a first comment if in has none).
func (a *API) Ticket(in ticket.Input) ticket.Ticket {
	a.T.Helper()
	if !in.Comment.Set {
		in.Comment = opt.Of(ticket.CommentInput{Body: "help"})
	}
	t, _, err := a.Tickets.Create(a.As(a.T, a.Owner), in)
	if err != nil {
		a.T.Fatalf("tickettest: create ticket: %v", err)
	}
	return t
}

// Resp is an answer: status, decoded JSON body and raw text.
type Resp struct {
	Status int
	Body   map[string]any
	Raw    string
}

// Call sends a request as user and decodes the JSON body.
func (a *API) Call(user int64, method, path string, body any) Resp {
	a.T.Helper()
	var rd io.Reader
	if body != nil {
		b, _ := json.Marshal(body)
		rd = bytes.NewReader(b)
	}
	req, _ := http.NewRequest(method, a.Srv.URL+"/api/v2"+path, rd)
	req.Header.Set("X-User", strconv.FormatInt(user, 10))
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		a.T.Fatal(err)
	}
	defer res.Body.Close()
	b, _ := io.ReadAll(res.Body)
	r := Resp{Status: res.StatusCode, Raw: string(b)}
	if len(b) > 0 {
		_ = json.Unmarshal(b, &r.Body)
	}
	return r
}

// Must requires a status and returns the body.
func (a *API) Must(status int, user int64, method, path string, body any) map[string]any {
	a.T.Helper()
	r := a.Call(user, method, path, body)
	if r.Status != status {
		a.T.Fatalf("%s %s as %d: status %d, want %d: %s", method, path, user, r.Status, status, r.Raw)
	}
	return r.Body
}

// Num reads a JSON number as an id.
func Num(v any) int64 {
	f, _ := v.(float64)
	return int64(f)
}

// Obj reads a JSON object member.
func Obj(m map[string]any, k string) map[string]any {
	o, _ := m[k].(map[string]any)
	return o
}

// Arr reads a JSON array member.
func Arr(m map[string]any, k string) []any {
	a, _ := m[k].([]any)
	return a
}
