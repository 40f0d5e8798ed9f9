package user_test

import (
	"context"
	"encoding/json"
	"errors"
	"log/slog"
	"slices"
	"sort"
	"testing"
	"time"

	"github.com/riverqueue/river"

	"parley/internal/account"
	"parley/internal/auth"
	"parley/internal/bulk"
	"parley/internal/platform/clock"
	"parley/internal/platform/db"
	"parley/internal/platform/errs"
	"parley/internal/platform/opt"
	"parley/internal/user"
)

// t0 is where every test's fake clock starts.
var t0 = time.Date(2024, 3, 1, 10, 0, 0, 0, time.UTC)

// env is one account on a fresh database: the user service wired with a
// fake clock, a bulk service with a recording queue, and the bootstrap
// owner (an admin) to act as.
type env struct {
	d     *db.DB
	clk   *clock.Fake
	svc   *user.Service
	bulk  *bulk.Service
	queue *fakeQueue
	acct  int64
	owner int64
	// admin acts as the owner.
	admin context.Context
	// support is the default group Bootstrap creates.
	support int64
}

func newEnv(t *testing.T, d *db.DB) *env {
	t.Helper()
	ctx := t.Context()
	clk := clock.NewFake(t0)
	log := slog.New(slog.DiscardHandler)
	b := bulk.NewService(d, clk, log)
	q := &fakeQueue{}
	b.SetQueue(q)
	svc := user.NewService(d, clk, log, b, user.Options{Argon2: auth.Argon2{MemoryKiB: 64, Time: 1, Threads: 1}})
	acct, err := account.NewService(d, clk, account.Options{}).Create(ctx, account.New{Subdomain: "acme", Name: "Acme"})
	if err != nil {
		t.Fatalf("create account: %v", err)
	}
	owner, err := svc.Bootstrap(ctx, acct.ID, user.Owner{Email: "owner@acme.example", Password: "owner-pass-1"})
	if err != nil {
		t.Fatalf("bootstrap: %v", err)
	}
	e := &env{d: d, clk: clk, svc: svc, bulk: b, queue: q, acct: acct.ID, owner: owner}
	e.admin = e.as(t, owner)
	gs, _, _, err := svc.ListGroups(e.admin, user.GroupFilter{}, db.Page{Limit: 10})
	if err != nil || len(gs) != 1 || gs[0].Name != "Support" || !gs[0].Default {
		t.Fatalf("bootstrap groups = %+v, %v; want one default group Support", gs, err)
	}
	e.support = gs[0].ID
	return e
}

// as returns a context acting as user id.
func (e *env) as(t *testing.T, id int64) context.Context {
	t.Helper()
	a, err := e.svc.ActorByID(t.Context(), e.acct, id)
	if err != nil {
		t.Fatalf("ActorByID(%d): %v", id, err)
	}
	return auth.WithActor(t.Context(), a)
}

// --- builders ---

func mustUser(t *testing.T, ctx context.Context, svc *user.Service, in user.Input) user.User {
	t.Helper()
	u, err := svc.CreateUser(ctx, in)
	if err != nil {
		t.Fatalf("CreateUser(%s): %v", in.Name.V, err)
	}
	return u
}

// endUser creates an end user as the owner.
func (e *env) endUser(t *testing.T, name, email string) user.User {
	t.Helper()
	in := user.Input{Name: opt.Of(name)}
	if email != "" {
		in.Email = opt.Of(email)
	}
	return mustUser(t, e.admin, e.svc, in)
}

// agent creates a user of role (agent or admin) as the owner.
func (e *env) agent(t *testing.T, name, email string, role auth.Role) user.User {
	t.Helper()
	return mustUser(t, e.admin, e.svc, user.Input{Name: opt.Of(name), Email: opt.Of(email), Role: opt.Of(string(role))})
}

func (e *env) mustOrg(t *testing.T, in user.OrgInput) user.Organization {
	t.Helper()
	o, err := e.svc.CreateOrganization(e.admin, in)
	if err != nil {
		t.Fatalf("CreateOrganization(%s): %v", in.Name.V, err)
	}
	return o
}

func (e *env) mustGroup(t *testing.T, name string) user.Group {
	t.Helper()
	g, err := e.svc.CreateGroup(e.admin, user.GroupInput{Name: opt.Of(name)})
	if err != nil {
		t.Fatalf("CreateGroup(%s): %v", name, err)
	}
	return g
}

func (e *env) mustField(t *testing.T, resource string, in user.FieldInput) user.Field {
	t.Helper()
	f, err := e.svc.CreateField(e.admin, resource, in)
	if err != nil {
		t.Fatalf("CreateField(%s): %v", in.Key.V, err)
	}
	return f
}

func (e *env) mustGet(t *testing.T, id int64) user.User {
	t.Helper()
	u, err := e.svc.GetUser(e.admin, id)
	if err != nil {
		t.Fatalf("GetUser(%d): %v", id, err)
	}
	return u
}

func (e *env) orgMemberships(t *testing.T, userID int64) []omView {
	t.Helper()
	ms, _, _, err := e.svc.ListOrgMemberships(e.admin, user.OMFilter{UserID: userID}, db.Page{Limit: 100})
	if err != nil {
		t.Fatalf("ListOrgMemberships(user %d): %v", userID, err)
	}
	out := []omView{}
	for _, m := range ms {
		out = append(out, omView{Org: m.OrganizationName, Default: m.Default})
	}
	return out
}

func (e *env) groupMemberships(t *testing.T, userID int64) []gmView {
	t.Helper()
	ms, _, _, err := e.svc.ListGroupMemberships(e.admin, user.GMFilter{UserID: userID}, db.Page{Limit: 100})
	if err != nil {
		t.Fatalf("ListGroupMemberships(user %d): %v", userID, err)
	}
	out := []gmView{}
	for _, m := range ms {
		out = append(out, gmView{Group: m.GroupID, Default: m.Default})
	}
	return out
}

// omView and gmView are memberships reduced to what the rules decide.
type omView struct {
	Org     string
	Default bool
}

type gmView struct {
	Group   int64
	Default bool
}

// null is an Opt sent as JSON null.
func null[T any]() opt.Opt[T] { return opt.Opt[T]{Set: true, Null: true} }

func ptr[T any](v T) *T { return &v }

// jsonMap decodes a JSON object the way request bodies are decoded, so
// numbers arrive as float64.
func jsonMap(t *testing.T, s string) map[string]any {
	t.Helper()
	var m map[string]any
	if err := json.Unmarshal([]byte(s), &m); err != nil {
		t.Fatalf("jsonMap(%s): %v", s, err)
	}
	return m
}

// --- errors ---

// wantKind fails unless err is of kind k.
func wantKind(t *testing.T, err error, k errs.Kind) {
	t.Helper()
	if err == nil {
		t.Fatalf("err = nil, want %v", k)
	}
	if got := errs.KindOf(err); got != k {
		t.Fatalf("err = %v (kind %v), want kind %v", err, got, k)
	}
}

// fieldCodes maps each invalid field of a validation error to its error
// codes, the shape of a 422's details.
func fieldCodes(err error) map[string][]string {
	var e *errs.Error
	if !errors.As(err, &e) || e.Kind != errs.Invalid {
		return nil
	}
	out := map[string][]string{}
	for k, ds := range e.Fields {
		for _, d := range ds {
			out[k] = append(out[k], d.Error)
		}
	}
	return out
}

// --- listing ---

func names(us []user.User) []string {
	out := []string{}
	for _, u := range us {
		out = append(out, u.Name)
	}
	return out
}

func sortedNames(us []user.User) []string {
	out := names(us)
	sort.Strings(out)
	return out
}

func ids(us []user.User) []int64 {
	out := []int64{}
	for _, u := range us {
		out = append(out, u.ID)
	}
	return out
}

// --- bulk ---

// fakeQueue records the bulk jobs the service enqueues instead of running
// River.
type fakeQueue struct {
	args []bulk.Args
}

func (q *fakeQueue) Enqueue(_ context.Context, a river.JobArgs, _ *river.InsertOpts) error {
	q.args = append(q.args, a.(bulk.Args))
	return nil
}

// runBulk starts op as ctx's actor, runs the recorded job through the bulk
// worker, and returns the finished job's results.
func (e *env) runBulk(t *testing.T, ctx context.Context, op string, items ...string) []map[string]any {
	t.Helper()
	raw := make([]json.RawMessage, len(items))
	for i, it := range items {
		raw[i] = json.RawMessage(it)
	}
	st, err := e.svc.StartBulk(ctx, op, raw)
	if err != nil {
		t.Fatalf("StartBulk(%s): %v", op, err)
	}
	if st.Status != "queued" {
		t.Fatalf("StartBulk status = %q, want queued", st.Status)
	}
	i := slices.IndexFunc(e.queue.args, func(a bulk.Args) bool { return a.JobID == st.ID })
	if i < 0 {
		t.Fatalf("job %s was not enqueued", st.ID)
	}
	if err := e.bulk.NewWorker().Work(t.Context(), &river.Job[bulk.Args]{Args: e.queue.args[i]}); err != nil {
		t.Fatalf("Work: %v", err)
	}
	done, err := e.bulk.Get(ctx, st.ID)
	if err != nil {
		t.Fatalf("job status: %v", err)
	}
	if done.Status != "completed" || done.Progress == nil || *done.Progress != len(items) {
		t.Fatalf("job = %s progress %v, want completed with progress %d", done.Status, done.Progress, len(items))
	}
	var res []map[string]any
	if err := json.Unmarshal(done.Results, &res); err != nil {
		t.Fatalf("results %s: %v", done.Results, err)
	}
	return res
}

// time100ms is a small clock step between writes.
const time100ms = 100 * time.Millisecond

// identView is an identity reduced to what the rules decide.
type identView struct {
	Type     string
	Value    string
	Primary  bool
	Verified bool
}

func identViews(is []user.Identity) []identView {
	var out []identView
	for _, i := range is {
		out = append(out, identView{Type: i.Type, Value: i.Value, Primary: i.Primary, Verified: i.Verified})
	}
	return out
}
