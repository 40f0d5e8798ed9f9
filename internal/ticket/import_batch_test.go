package ticket_test

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"slices"
	"testing"
	"time"

	"github.com/go-chi/chi/v5"
	"github.com/google/go-cmp/cmp"

	"parley/internal/auth"
	"parley/internal/platform/db"
	"parley/internal/platform/db/dbtest"
	"parley/internal/platform/errs"
	"parley/internal/platform/httpx"
	"parley/internal/platform/opt"
	"parley/internal/search"
	"parley/internal/ticket"
	"parley/internal/ticket/tickettest"
	"parley/internal/user"
)

// batchEnv is one account with an agent, a requester in an organization,
// a CC, two custom fields, and the ticket API served over HTTP.
type batchEnv struct {
	t                          *testing.T
	d                          *db.DB
	users                      *user.Service
	tickets                    *ticket.Service
	search                     *search.Service
	acct                       int64
	owner, agent, req, cc, org int64
	group                      int64
	product, order             int64
	srv                        *httptest.Server
}

func newBatchEnv(t *testing.T, d *db.DB) *batchEnv {
	t.Helper()
	te := tickettest.New(t, d, time.Date(2025, 6, 1, 9, 0, 0, 0, time.UTC))
	us, ts, owner := te.Users, te.Tickets, te.Owner
	e := &batchEnv{t: t, d: d, users: us, tickets: ts, search: search.NewService(d, te.Clock, ts, us), acct: te.Account, owner: owner}
	adm := e.as(owner)
	g, err := us.CreateGroup(adm, user.GroupInput{Name: opt.Of("Hardware")})
	if err != nil {
		t.Fatal(err)
	}
	e.group = g.ID
	o, err := us.CreateOrganization(adm, user.OrgInput{Name: opt.Of("Initech")})
	if err != nil {
		t.Fatal(err)
	}
	e.org = o.ID
	mk := func(in user.Input) int64 {
		u, err := us.CreateUser(adm, in)
		if err != nil {
			t.Fatalf("create user: %v", err)
		}
		return u.ID
	}
	e.agent = mk(user.Input{Name: opt.Of("Alex Agent"), Email: opt.Of("alex@acme.example"), Role: opt.Of("agent")})
	if _, err := us.CreateGroupMembership(adm, user.MembershipInput{UserID: opt.Of(e.agent), GroupID: opt.Of(e.group)}); err != nil {
		t.Fatal(err)
	}
	e.req = mk(user.Input{Name: opt.Of("Peter Gibbons"), Email: opt.Of("peter@initech.example"), OrganizationID: opt.Of(e.org)})
	e.cc = mk(user.Input{Name: opt.Of("Milton Waddams"), Email: opt.Of("milton@initech.example")})
	f, err := ts.CreateField(adm, ticket.FieldInput{Type: opt.Of("tagger"), Title: opt.Of("Product"),
		CustomFieldOptions: opt.Of([]ticket.OptionInput{{Name: "Laser printer", Value: "product_laser"}, {Name: "Scanner", Value: "product_scanner"}})})
	if err != nil {
		t.Fatal(err)
	}
	e.product = f.ID
	f, err = ts.CreateField(adm, ticket.FieldInput{Type: opt.Of("text"), Title: opt.Of("Order number")})
	if err != nil {
		t.Fatal(err)
	}
	e.order = f.ID

	r := chi.NewRouter()
	r.Use(httpx.StripJSON)
	r.Route("/api/v2", func(r chi.Router) {
		r.Use(func(next http.Handler) http.Handler {
			return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				a, err := us.ActorByID(r.Context(), te.Account, owner)
				if err != nil {
					httpx.WriteError(w, r, err)
					return
				}
				next.ServeHTTP(w, r.WithContext(auth.WithActor(httpx.WithBase(r.Context(), "http://acme.test"), a)))
			})
		})
		ticket.NewAPI(ts, us).Routes(r)
	})
	e.srv = httptest.NewServer(r)
	t.Cleanup(e.srv.Close)
	return e
}

func (e *batchEnv) actor(id int64) auth.Actor {
	e.t.Helper()
	a, err := e.users.ActorByID(e.t.Context(), e.acct, id)
	if err != nil {
		e.t.Fatalf("ActorByID(%d): %v", id, err)
	}
	return a
}

func (e *batchEnv) as(id int64) context.Context { return auth.WithActor(e.t.Context(), e.actor(id)) }

// get fetches an API path as the owner and returns its JSON with every
// id, url and time removed, so two tickets' renderings can be compared.
func (e *batchEnv) get(path string) any {
	e.t.Helper()
	res, err := http.Get(e.srv.URL + "/api/v2" + path)
	if err != nil {
		e.t.Fatal(err)
	}
	defer res.Body.Close()
	b, _ := io.ReadAll(res.Body)
	if res.StatusCode != 200 {
		e.t.Fatalf("GET %s: %d %s", path, res.StatusCode, b)
	}
	var v any
	if err := json.Unmarshal(b, &v); err != nil {
		e.t.Fatal(err)
	}
	return scrub(v)
}

var volatile = map[string]bool{"id": true, "url": true, "created_at": true, "updated_at": true, "audit_id": true,
	"ticket_id": true, "count": true, "next_page": true, "previous_page": true}

func scrub(v any) any {
	switch x := v.(type) {
	case map[string]any:
		for k := range x {
			if volatile[k] {
				delete(x, k)
			} else {
				x[k] = scrub(x[k])
			}
		}
	case []any:
		for i := range x {
			x[i] = scrub(x[i])
		}
	}
	return v
}

func ptr[T any](v T) *T { return &v }

func TestImportBatchMatchesCreate(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		e := newBatchEnv(t, d)
		ctx := t.Context()
		web := ticket.Via{Channel: "web", Source: json.RawMessage(`{"from":{},"to":{},"rel":null}`)}

		// Through the API: a ticket the requester opened on the web, an
		// agent's public reply and private note.
		open, _, err := e.tickets.CreateAs(ctx, e.actor(e.req), ticket.Input{
			Subject: opt.Of("Printer on fire"), Comment: opt.Of(ticket.CommentInput{Body: "My laser printer smokes.\n\nHelp!", Public: opt.Of(true)}),
			Priority: opt.Of("high"), Type: opt.Of("incident"), Status: opt.Of("open"),
			AssigneeID: opt.Of(e.agent), GroupID: opt.Of(e.group), Tags: opt.Of([]string{"printer", "Urgent"}),
			CustomFields: opt.Of([]ticket.FieldValueIn{{ID: opt.ID(e.product), Value: "product_laser"}, {ID: opt.ID(e.order), Value: "A-1001"}}),
			EmailCCs:     opt.Of([]ticket.CCChange{{UserID: opt.Of(e.cc)}}), Followers: opt.Of([]ticket.CCChange{{UserID: opt.Of(e.agent)}}),
		}, web)
		if err != nil {
			t.Fatalf("create: %v", err)
		}
		for _, c := range []ticket.CommentInput{{Body: "Unplug it and try turning it on again.", Public: opt.Of(true)},
			{Body: "Internal: replace the fuser.", Public: opt.Of(false)}} {
			if _, _, err := e.tickets.UpdateAs(ctx, e.actor(e.agent), open.ID, ticket.Input{Comment: opt.Of(c)}, web); err != nil {
				t.Fatalf("update: %v", err)
			}
		}
		// And a ticket an agent logged for the requester, already closed.
		closed, _, err := e.tickets.Create(e.as(e.agent), ticket.Input{RequesterID: opt.Of(e.req),
			Comment: opt.Of(ticket.CommentInput{Body: "Invoice copy sent by phone", Public: opt.Of(true)}), Status: opt.Of("closed")})
		if err != nil {
			t.Fatalf("create closed: %v", err)
		}

		t0 := time.Date(2024, 2, 3, 4, 5, 6, 0, time.UTC)
		batch := []ticket.BatchTicket{{
			Via: web, Subject: "Printer on fire", Status: "open", Priority: ptr("high"), Type: ptr("incident"),
			RequesterID: e.req, AssigneeID: &e.agent, GroupID: &e.group, OrganizationID: &e.org,
			Tags: []string{"printer", "Urgent"}, Fields: map[int64]any{e.product: "product_laser", e.order: "A-1001"},
			EmailCCs: []int64{e.cc}, Followers: []int64{e.agent}, CreatedAt: t0,
			Comments: []ticket.BatchComment{
				{Body: "My laser printer smokes.\n\nHelp!", Public: true},
				{AuthorID: e.agent, Body: "Unplug it and try turning it on again.", Public: true, CreatedAt: t0.Add(time.Hour)},
				{AuthorID: e.agent, Body: "Internal: replace the fuser.", CreatedAt: t0.Add(2 * time.Hour)},
			},
		}, {
			RequesterID: e.req, SubmitterID: e.agent, OrganizationID: &e.org, Status: "closed", CreatedAt: t0,
			Comments: []ticket.BatchComment{{AuthorID: e.agent, Body: "Invoice copy sent by phone", Public: true}},
		}}
		if err := e.tickets.ImportBatch(ctx, e.acct, batch); err != nil {
			t.Fatalf("ImportBatch: %v", err)
		}
		// Numbered after the two API tickets.
		pairs := [][2]int64{{open.ID, closed.ID + 1}, {closed.ID, closed.ID + 2}}
		for _, p := range pairs {
			for _, path := range []string{"/tickets/%d", "/tickets/%d/comments", "/tickets/%d/audits"} {
				want, got := e.get(fmt.Sprintf(path, p[0])), e.get(fmt.Sprintf(path, p[1]))
				if diff := cmp.Diff(want, got); diff != "" {
					t.Errorf("%s: batch ticket %d differs from API ticket %d (-api +batch):\n%s", path, p[1], p[0], diff)
				}
			}
		}

		// The stored history is the batch's, not now.
		bt, err := e.tickets.Load(ctx, e.acct, closed.ID+1)
		if err != nil {
			t.Fatal(err)
		}
		last := t0.Add(2 * time.Hour)
		if !bt.CreatedAt.Equal(t0) || !bt.UpdatedAt.Equal(last) || bt.SolvedAt != nil {
			t.Errorf("times: created %v updated %v solved %v", bt.CreatedAt, bt.UpdatedAt, bt.SolvedAt)
		}
		// Rule facts, as the writes would have left them.
		if bt.Replies != 1 || bt.Reopens != 0 || bt.AssignedAt == nil || !bt.AssignedAt.Equal(t0) ||
			bt.InitiallyAssignedAt == nil || bt.RequesterUpdatedAt == nil || !bt.RequesterUpdatedAt.Equal(t0) ||
			bt.AssigneeUpdatedAt == nil || !bt.AssigneeUpdatedAt.Equal(last) || !bt.StatusUpdatedAt.Equal(last) {
			t.Errorf("facts: %+v", bt)
		}
		if open.Replies != 0 {
			t.Fatalf("API ticket starts with replies %d", open.Replies)
		}
		apiOpen, _ := e.tickets.Load(ctx, e.acct, open.ID)
		if apiOpen.Replies != bt.Replies {
			t.Errorf("replies: api %d, batch %d", apiOpen.Replies, bt.Replies)
		}
		bc, err := e.tickets.Load(ctx, e.acct, closed.ID+2)
		if err != nil {
			t.Fatal(err)
		}
		if bc.SolvedAt == nil || !bc.SolvedAt.Equal(t0) || !bc.StatusUpdatedAt.Equal(t0) {
			t.Errorf("closed batch ticket: solved %v status since %v", bc.SolvedAt, bc.StatusUpdatedAt)
		}
		cs, _, _, err := e.tickets.Comments(e.as(e.owner), closed.ID+1, db.Page{Limit: 10})
		if err != nil || len(cs) != 3 || !cs[1].CreatedAt.Equal(t0.Add(time.Hour)) {
			t.Errorf("comments: %v %+v", err, cs)
		}

		// Search finds batch tickets by subject, description and comments
		// exactly as it finds API ones.
		for q, want := range map[string][]int64{
			"printer":                   {open.ID, closed.ID + 1},
			"turning":                   {open.ID, closed.ID + 1},
			"fuser":                     {open.ID, closed.ID + 1},
			"invoice status:closed":     {closed.ID, closed.ID + 2},
			"tags:urgent priority:high": {open.ID, closed.ID + 1},
		} {
			hits, _, err := e.search.Search(e.as(e.owner), search.Request{Query: "type:ticket " + q, Page: 1, PerPage: 100})
			if err != nil {
				t.Fatalf("search %q: %v", q, err)
			}
			var ids []int64
			for _, h := range hits {
				ids = append(ids, h.ID)
			}
			slices.Sort(ids)
			if !slices.Equal(ids, want) {
				t.Errorf("search %q: %v, want %v", q, ids, want)
			}
		}

		// The next create continues the numbering.
		next, _, err := e.tickets.Create(e.as(e.agent), ticket.Input{RequesterID: opt.Of(e.req), Comment: opt.Of(ticket.CommentInput{Body: "next"})})
		if err != nil {
			t.Fatal(err)
		}
		if next.ID != closed.ID+3 {
			t.Errorf("next ticket id %d, want %d", next.ID, closed.ID+3)
		}
		// And another batch continues after it, with fresh audit ids.
		if err := e.tickets.ImportBatch(ctx, e.acct, batch[1:]); err != nil {
			t.Fatal(err)
		}
		if _, err := e.tickets.Load(ctx, e.acct, closed.ID+4); err != nil {
			t.Errorf("second batch: %v", err)
		}
	})
}

func TestImportBatchRejectsBadTicketsWholly(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		e := newBatchEnv(t, d)
		ctx := t.Context()
		good := ticket.BatchTicket{RequesterID: e.req, Comments: []ticket.BatchComment{{Body: "hello", Public: true}}}
		for name, bad := range map[string]ticket.BatchTicket{
			"status":        {RequesterID: e.req, Status: "done", Comments: good.Comments},
			"no comments":   {RequesterID: e.req},
			"no requester":  {Comments: good.Comments},
			"field value":   {RequesterID: e.req, Fields: map[int64]any{e.product: "product_toaster"}, Comments: good.Comments},
			"unknown field": {RequesterID: e.req, Fields: map[int64]any{999999: "x"}, Comments: good.Comments},
			"updated before created": {RequesterID: e.req, CreatedAt: time.Date(2024, 1, 2, 0, 0, 0, 0, time.UTC),
				UpdatedAt: time.Date(2024, 1, 1, 0, 0, 0, 0, time.UTC), Comments: good.Comments},
		} {
			err := e.tickets.ImportBatch(ctx, e.acct, []ticket.BatchTicket{good, bad})
			if !errs.Is(err, errs.Invalid) {
				t.Errorf("%s: err %v, want Invalid", name, err)
			}
		}
		n, err := e.tickets.Count(e.as(e.owner), ticket.Filter{})
		if err != nil || n != 0 {
			t.Errorf("after rejected batches: %d tickets (%v), want none", n, err)
		}
		// Nothing was numbered either.
		if err := e.tickets.ImportBatch(ctx, e.acct, []ticket.BatchTicket{good}); err != nil {
			t.Fatal(err)
		}
		if _, err := e.tickets.Load(ctx, e.acct, 1); err != nil {
			t.Errorf("first good ticket is not #1: %v", err)
		}
	})
}
