package seed

import (
	"bytes"
	"context"
	"fmt"
	"math/rand/v2"
	"reflect"
	"strings"
	"testing"
	"time"

	"parley/internal/auth"
	"parley/internal/platform/db"
	"parley/internal/platform/db/dbtest"
	"parley/internal/platform/opt"
	"parley/internal/search"
	"parley/internal/ticket"
	"parley/internal/ticket/tickettest"
	"parley/internal/user"
)

var now = time.Date(2025, 6, 1, 12, 0, 0, 0, time.UTC)

type env struct {
	d       *db.DB
	users   *user.Service
	tickets *ticket.Service
	search  *search.Service
	acct    int64
	owner   auth.Actor
}

func newEnv(t testing.TB, d *db.DB) *env {
	t.Helper()
	te := tickettest.New(t, d, now)
	return &env{d: d, users: te.Users, tickets: te.Tickets, search: search.NewService(d, te.Clock, te.Tickets, te.Users),
		acct: te.Account, owner: auth.ActorFrom(te.As(t, te.Owner))}
}

func (e *env) count(t *testing.T, q string, args ...any) int64 {
	t.Helper()
	var n int64
	if err := e.d.Conn(t.Context()).QueryRowContext(t.Context(), q, append([]any{e.acct}, args...)...).Scan(&n); err != nil {
		t.Fatalf("%s: %v", q, err)
	}
	return n
}

func TestRun(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		e := newEnv(t, d)
		ctx := t.Context()
		var progress bytes.Buffer
		const n = 2000
		res, err := Run(ctx, NewDeps(e.tickets, e.users, d), e.acct, Options{Tickets: n, BatchSize: 800, Seed: 7,
			Progress: &progress, ProgressEvery: 1000, Now: now})
		if err != nil {
			t.Fatalf("Run: %v", err)
		}
		t.Logf("%+v", res)
		if res.Tickets != n || res.Users != 20+n/20 || res.Comments < n || res.Comments > 3*n || res.TicketsPerSecond <= 0 {
			t.Errorf("result %+v", res)
		}
		if lines := strings.Count(progress.String(), "\n"); lines < 2 || !strings.Contains(progress.String(), "2000/2000 tickets") {
			t.Errorf("progress:\n%s", progress.String())
		}

		// Every table a write fills is filled.
		for q, want := range map[string]int64{
			`SELECT count(*) FROM tickets WHERE account_id = $1`:                                           n,
			`SELECT count(*) FROM ticket_comments WHERE account_id = $1`:                                   int64(res.Comments),
			`SELECT count(*) FROM ticket_audits WHERE account_id = $1`:                                     int64(res.Comments),
			`SELECT count(*) FROM ticket_events WHERE account_id = $1 AND type = 'Comment'`:                int64(res.Comments),
			`SELECT count(DISTINCT audit_id) FROM ticket_events WHERE account_id = $1 AND type = 'Create'`: n,
			`SELECT count(DISTINCT ticket_id) FROM ticket_tags WHERE account_id = $1`:                      n,
			`SELECT value FROM account_counters WHERE account_id = $1 AND name = 'tickets'`:                n,
			`SELECT count(*) FROM users WHERE account_id = $1 AND role = 'end-user'`:                       n / 20,
			`SELECT count(*) FROM users WHERE account_id = $1 AND role = 'agent'`:                          20,
			`SELECT count(*) FROM organizations WHERE account_id = $1`:                                     10,
			// Each ticket's Create events: subject, requester, submitter,
			// priority, type, status, org, brand, form, custom status and
			// tags at least.
			`SELECT count(*) FROM (SELECT audit_id FROM ticket_events WHERE account_id = $1 AND type = 'Create'
				GROUP BY audit_id HAVING count(*) < 11) x`: 0,
			// Consistency: requesters, assignees in their groups, times.
			`SELECT count(*) FROM tickets t WHERE t.account_id = $1 AND NOT EXISTS (SELECT 1 FROM users u
				WHERE u.account_id = t.account_id AND u.id = t.requester_id AND u.role = 'end-user')`: 0,
			`SELECT count(*) FROM tickets t WHERE t.account_id = $1 AND t.assignee_id IS NOT NULL AND NOT EXISTS (
				SELECT 1 FROM group_memberships m WHERE m.account_id = t.account_id AND m.user_id = t.assignee_id
				AND m.group_id = t.group_id)`: 0,
			`SELECT count(*) FROM tickets WHERE account_id = $1 AND (updated_at < created_at OR status_updated_at < created_at
				OR (solved_at IS NULL) = (status IN ('solved', 'closed')))`: 0,
			`SELECT count(*) FROM ticket_comments c JOIN tickets t ON t.account_id = c.account_id AND t.id = c.ticket_id
				WHERE c.account_id = $1 AND (c.created_at < t.created_at OR c.created_at > t.updated_at)`: 0,
			`SELECT count(*) FROM tickets WHERE account_id = $1 AND status = 'new' AND assignee_id IS NOT NULL`: 0,
		} {
			if got := e.count(t, q); got != want {
				t.Errorf("%s\n= %d, want %d", q, got, want)
			}
		}
		// Realistic mixes, within generous bounds.
		for status, b := range map[string][2]int64{"new": {50, 160}, "open": {300, 500}, "pending": {130, 270},
			"hold": {20, 100}, "solved": {500, 760}, "closed": {500, 760}} {
			if got := e.count(t, `SELECT count(*) FROM tickets WHERE account_id = $1 AND status = $2`, status); got < b[0] || got > b[1] {
				t.Errorf("%s tickets: %d, want %d..%d", status, got, b[0], b[1])
			}
		}
		if got := e.count(t, `SELECT count(*) FROM tickets WHERE account_id = $1 AND assignee_id IS NOT NULL`); got < n*6/10 {
			t.Errorf("assigned tickets: %d", got)
		}
		if got := e.count(t, `SELECT count(DISTINCT tag) FROM ticket_tags WHERE account_id = $1`); got < 60 {
			t.Errorf("distinct tags: %d", got)
		}
		if got := e.count(t, `SELECT count(*) FROM ticket_field_values WHERE account_id = $1`); got < n*8/10 {
			t.Errorf("field values: %d", got)
		}
		if got := e.count(t, `SELECT count(*) FROM tickets WHERE account_id = $1 AND created_at < $2`, now.AddDate(0, -6, 0)); got < n*4/10 || got > n*6/10 {
			t.Errorf("tickets older than six months: %d of %d", got, n)
		}

		// Search finds vocabulary words, with realistic selectivity.
		actx := auth.WithActor(ctx, e.owner)
		common, err := e.search.Count(actx, "type:ticket printer")
		if err != nil {
			t.Fatal(err)
		}
		rare, err := e.search.Count(actx, "type:ticket tablet")
		if err != nil {
			t.Fatal(err)
		}
		if common == 0 || common >= n || rare >= common {
			t.Errorf("search: printer %d, tablet %d tickets", common, rare)
		}
		if c, err := e.search.Count(actx, "type:ticket status:open printer"); err != nil || c == 0 || c >= common {
			t.Errorf("search status:open printer: %d %v", c, err)
		}

		// A view-style query: open or pending tickets of a group, newest first.
		var gid int64
		if err := d.Conn(ctx).QueryRowContext(ctx, `SELECT id FROM groups WHERE account_id = $1 AND name = 'Billing'`, e.acct).Scan(&gid); err != nil {
			t.Fatal(err)
		}
		f := ticket.Filter{Where: func(args *[]any) string {
			return `t.status IN ('open', 'pending') AND t.group_id = ` + db.Arg(args, gid)
		}}
		ts, total, _, err := e.tickets.List(actx, f, db.Page{Limit: 25, Sort: "updated_at", Desc: true})
		if err != nil {
			t.Fatal(err)
		}
		want := e.count(t, `SELECT count(*) FROM tickets WHERE account_id = $1 AND status IN ('open', 'pending') AND group_id = $2`, gid)
		if total != want || want == 0 || len(ts) != min(25, int(want)) {
			t.Errorf("view: total %d, %d rows, want %d", total, len(ts), want)
		}
		for i := 1; i < len(ts); i++ {
			if ts[i].UpdatedAt.After(ts[i-1].UpdatedAt) {
				t.Errorf("view order broken at %d", i)
			}
		}

		// A second run appends, numbered after the first.
		res2, err := Run(ctx, NewDeps(e.tickets, e.users, d), e.acct, Options{Tickets: 300, Seed: 7, Now: now})
		if err != nil {
			t.Fatalf("second Run: %v", err)
		}
		if res2.Tickets != 300 || res2.Users != 300/20 {
			t.Errorf("second run: %+v", res2)
		}
		if got := e.count(t, `SELECT max(id) FROM tickets WHERE account_id = $1`); got != n+300 {
			t.Errorf("max ticket id %d, want %d", got, n+300)
		}
		if got := e.count(t, `SELECT count(*) FROM users WHERE account_id = $1 AND role = 'agent'`); got != 20 {
			t.Errorf("agents after second run: %d", got)
		}
		next, _, err := e.tickets.Create(actx, ticket.Input{Comment: opt.Of(ticket.CommentInput{Body: "after the seed"})})
		if err != nil || next.ID != n+301 {
			t.Errorf("next create: id %d, %v", next.ID, err)
		}
	})
}

// TestGenDeterministic: the same seed and reference data give the same
// tickets; another seed gives others.
func TestGenDeterministic(t *testing.T) {
	r := &refs{groups: []int64{1, 2}, members: map[int64][]int64{1: {10}, 2: {11, 12}}, agents: []int64{10, 11, 12},
		product: 5, order: 6, options: []string{"a", "b"}}
	o := Options{Tickets: 200, CommentsMin: 1, CommentsMax: 3, Now: now}
	draw := func(seed uint64) []ticket.BatchTicket {
		g := newGen(rand.New(rand.NewPCG(seed, 1)), o)
		rr := *r
		rr.orgs = []int64{100, 101}
		rr.requesters = nil
		for k := 0; k < 10; k++ {
			p := g.person(&rr, int64(k))
			p.id = int64(1000 + k)
			rr.requesters = append(rr.requesters, p)
		}
		var out []ticket.BatchTicket
		for i := 0; i < o.Tickets; i++ {
			out = append(out, g.ticket(&rr, i))
		}
		return out
	}
	a, b, c := draw(1), draw(1), draw(2)
	if !reflect.DeepEqual(a, b) {
		t.Error("same seed, different tickets")
	}
	if reflect.DeepEqual(a, c) {
		t.Error("different seeds, same tickets")
	}
	for i := 1; i < len(a); i++ {
		if a[i].CreatedAt.Before(a[i-1].CreatedAt) {
			t.Errorf("ticket %d created before ticket %d", i, i-1)
		}
	}
	if v := len(tagVocabulary()); v < 150 || v > 200 {
		t.Errorf("tag vocabulary: %d", v)
	}
}

// TestAnalyzeAsTablesDouble: statistics are refreshed before steps 1, 2,
// 4, 8, … of a load, and the real hook runs on both engines (a no-op on
// SQLite).
func TestAnalyzeAsTablesDouble(t *testing.T) {
	var at []int
	var d Deps
	for n := range 20 {
		calls := 0
		d.Analyze = func(context.Context, ...string) error { calls++; return nil }
		if err := analyzeAt(t.Context(), d, n, "users", "organizations"); err != nil {
			t.Fatal(err)
		}
		if calls > 0 {
			at = append(at, n)
		}
	}
	if fmt.Sprint(at) != "[1 2 4 8 16]" {
		t.Errorf("analyzed before steps %v, want [1 2 4 8 16]", at)
	}
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		e := newEnv(t, d)
		if err := NewDeps(e.tickets, e.users, d).Analyze(t.Context(), "users", "tickets", "ticket_search_docs"); err != nil {
			t.Fatal(err)
		}
	})
}
