// Package tickets_test drives Parley's ticket room end to end (tickets,
// comments, audits, tags, custom fields, custom statuses) over real HTTP, on
// SQLite and on PostgreSQL, through raw requests and through the third-party
// client github.com/nukosuke/go-zendesk. Expected behaviour is Zendesk's
// (shared/reference/zendesk-api.md §2); a failing assertion names the rule.
//
// go-zendesk facts relied on (v0.18.0): a GET must answer 200, a POST 200 or
// 201, a PUT 200 or 204 and a DELETE exactly 204; anything else comes back as
// a zendesk.Error. Its SetHeader writes a package-level map, so it is never
// called, and subtests that share a client do not run in parallel.
package tickets_test

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"slices"
	"sort"
	"strconv"
	"strings"
	"testing"

	"github.com/nukosuke/go-zendesk/zendesk"

	"parley/internal/app/apptest"
)

// env is one tenant of a running server, with a raw caller and a
// go-zendesk client signed in as the tenant's owner (an admin).
type env struct {
	t  *testing.T
	s  *apptest.Server
	tn apptest.Tenant
	c  *zendesk.Client
}

func newEnv(t *testing.T, s *apptest.Server, tn apptest.Tenant) *env {
	t.Helper()
	c, err := zendesk.NewClient(apptest.HostClient(tn.Host))
	if err != nil {
		t.Fatalf("zendesk.NewClient: %v", err)
	}
	if err := c.SetEndpointURL(s.URL + "/api/v2"); err != nil {
		t.Fatalf("SetEndpointURL: %v", err)
	}
	c.SetCredential(zendesk.NewAPITokenCredential(tn.Email, tn.Token))
	return &env{t: t, s: s, tn: tn, c: c}
}

// with returns a copy of e that reports to t (for subtests).
func (e *env) with(t *testing.T) *env {
	c := *e
	c.t = t
	return &c
}

// do sends a raw request as the tenant's owner.
func (e *env) do(method, path string, body any) apptest.Response {
	e.t.Helper()
	return e.s.Do(e.t, apptest.Request{Method: method, Path: "/api/v2" + path, Host: e.tn.Host, Auth: e.tn.TokenAuth(), Body: body})
}

// call sends a raw request, requires the status and decodes the JSON body
// (nil for an empty body).
func (e *env) call(method, path string, body any, status int) map[string]any {
	e.t.Helper()
	r := e.do(method, path, body)
	if r.Status != status {
		e.t.Fatalf("%s %s: status %d, want %d; body %s", method, path, r.Status, status, r.Body)
	}
	if len(strings.TrimSpace(string(r.Body))) == 0 {
		return nil
	}
	return r.JSON(e.t)
}

// invalid sends a write that must fail with 422 RecordInvalid and returns
// the details map.
func (e *env) invalid(method, path string, body any) map[string]any {
	e.t.Helper()
	m := e.call(method, path, body, http.StatusUnprocessableEntity)
	if m["error"] != "RecordInvalid" {
		e.t.Fatalf("%s %s: 422 error %v, want RecordInvalid; body %v", method, path, m["error"], m)
	}
	d, _ := m["details"].(map[string]any)
	if len(d) == 0 {
		e.t.Fatalf("%s %s: 422 without details: %v", method, path, m)
	}
	return d
}

// detail returns details[key][0].description, failing when absent.
func detail(t *testing.T, details map[string]any, key string) string {
	t.Helper()
	list, _ := details[key].([]any)
	if len(list) == 0 {
		t.Fatalf("details has no %q entry: %v", key, details)
	}
	d, _ := list[0].(map[string]any)
	desc, _ := d["description"].(string)
	if desc == "" {
		t.Fatalf("details[%q][0] has no description: %v", key, details)
	}
	return desc
}

// ticket is a ticket as decoded from raw JSON.
type ticket = map[string]any

// create posts {"ticket": in} and returns the created ticket.
func (e *env) create(in map[string]any) ticket {
	e.t.Helper()
	m := e.call("POST", "/tickets.json", map[string]any{"ticket": in}, http.StatusCreated)
	return obj(e.t, m, "ticket")
}

// simple creates a ticket with a subject and a public first comment.
func (e *env) simple(subject string, extra map[string]any) ticket {
	e.t.Helper()
	in := map[string]any{"subject": subject, "comment": map[string]any{"body": subject + " body", "public": true}}
	for k, v := range extra {
		in[k] = v
	}
	return e.create(in)
}

// update puts {"ticket": in} and returns the updated ticket.
func (e *env) update(id int64, in map[string]any) ticket {
	e.t.Helper()
	m := e.call("PUT", fmt.Sprintf("/tickets/%d.json", id), map[string]any{"ticket": in}, http.StatusOK)
	return obj(e.t, m, "ticket")
}

// get fetches one ticket.
func (e *env) get(id int64) ticket {
	e.t.Helper()
	return obj(e.t, e.call("GET", fmt.Sprintf("/tickets/%d.json", id), nil, http.StatusOK), "ticket")
}

// field creates a custom ticket field and returns its id.
func (e *env) field(def map[string]any) int64 {
	e.t.Helper()
	m := e.call("POST", "/ticket_fields.json", map[string]any{"ticket_field": def}, http.StatusCreated)
	return num(e.t, obj(e.t, m, "ticket_field")["id"])
}

// agent creates an agent and returns its id.
func (e *env) agent(name, email string) int64 {
	e.t.Helper()
	m := e.call("POST", "/users.json", map[string]any{"user": map[string]any{"name": name, "email": email, "role": "agent"}}, http.StatusCreated)
	return num(e.t, obj(e.t, m, "user")["id"])
}

// endUser creates an end user and returns its id.
func (e *env) endUser(name, email string) int64 {
	e.t.Helper()
	m := e.call("POST", "/users.json", map[string]any{"user": map[string]any{"name": name, "email": email}}, http.StatusCreated)
	return num(e.t, obj(e.t, m, "user")["id"])
}

// group creates a group and returns its id.
func (e *env) group(name string) int64 {
	e.t.Helper()
	m := e.call("POST", "/groups.json", map[string]any{"group": map[string]any{"name": name}}, http.StatusCreated)
	return num(e.t, obj(e.t, m, "group")["id"])
}

// join adds a user to a group.
func (e *env) join(userID, groupID int64) {
	e.t.Helper()
	r := e.do("POST", "/group_memberships.json", map[string]any{"group_membership": map[string]any{"user_id": userID, "group_id": groupID}})
	if r.Status != http.StatusCreated && r.Status != http.StatusOK {
		e.t.Fatalf("POST group_memberships: %d %s", r.Status, r.Body)
	}
}

// statuses maps each category to its default custom status id, and lists
// every custom status.
func (e *env) statuses() (defaults map[string]int64, all []map[string]any) {
	e.t.Helper()
	m := e.call("GET", "/custom_statuses.json", nil, http.StatusOK)
	defaults = map[string]int64{}
	for _, it := range arr(e.t, m, "custom_statuses") {
		cs := it.(map[string]any)
		all = append(all, cs)
		if cs["default"] == true {
			defaults[cs["status_category"].(string)] = num(e.t, cs["id"])
		}
	}
	return defaults, all
}

// audits lists a ticket's audits, oldest first.
func (e *env) audits(id int64) []map[string]any {
	e.t.Helper()
	m := e.call("GET", fmt.Sprintf("/tickets/%d/audits.json", id), nil, http.StatusOK)
	var out []map[string]any
	for _, a := range arr(e.t, m, "audits") {
		out = append(out, a.(map[string]any))
	}
	return out
}

// comments lists a ticket's comments, oldest first.
func (e *env) comments(id int64) []map[string]any {
	e.t.Helper()
	m := e.call("GET", fmt.Sprintf("/tickets/%d/comments.json", id), nil, http.StatusOK)
	var out []map[string]any
	for _, c := range arr(e.t, m, "comments") {
		out = append(out, c.(map[string]any))
	}
	return out
}

// obj returns m[key] as an object.
func obj(t *testing.T, m map[string]any, key string) map[string]any {
	t.Helper()
	o, ok := m[key].(map[string]any)
	if !ok {
		t.Fatalf("%q is not an object in %v", key, m)
	}
	return o
}

// arr returns m[key] as an array (present, possibly empty).
func arr(t *testing.T, m map[string]any, key string) []any {
	t.Helper()
	a, ok := m[key].([]any)
	if !ok {
		t.Fatalf("%q is not an array in %v", key, m)
	}
	return a
}

// num reads a JSON number that must be a whole int64.
func num(t *testing.T, v any) int64 {
	t.Helper()
	f, ok := v.(float64)
	if !ok || f != float64(int64(f)) {
		t.Fatalf("%v (%T) is not an integer", v, v)
	}
	return int64(f)
}

// id is a ticket's id.
func id(t *testing.T, tk ticket) int64 { t.Helper(); return num(t, tk["id"]) }

// strs reads a JSON array of strings.
func strs(t *testing.T, v any) []string {
	t.Helper()
	a, ok := v.([]any)
	if !ok {
		t.Fatalf("%v (%T) is not an array", v, v)
	}
	out := make([]string, 0, len(a))
	for _, x := range a {
		s, ok := x.(string)
		if !ok {
			t.Fatalf("%v holds a non-string %v", v, x)
		}
		out = append(out, s)
	}
	return out
}

// tags is a ticket's tags, sorted.
func tags(t *testing.T, tk ticket) []string {
	t.Helper()
	out := strs(t, tk["tags"])
	sort.Strings(out)
	return out
}

// wantTags compares a ticket's tags as a set.
func wantTags(t *testing.T, what string, tk ticket, want ...string) {
	t.Helper()
	w := slices.Clone(want)
	sort.Strings(w)
	if got := tags(t, tk); !slices.Equal(got, w) {
		t.Errorf("%s: tags %v, want %v", what, got, w)
	}
}

// hasTag reports whether a ticket carries tag.
func hasTag(t *testing.T, tk ticket, tag string) bool {
	t.Helper()
	return slices.Contains(tags(t, tk), tag)
}

// fieldValue returns a ticket's custom_fields value for fid and whether it
// is listed at all.
func fieldValue(t *testing.T, tk ticket, fid int64) (any, bool) {
	t.Helper()
	for _, it := range arr(t, tk, "custom_fields") {
		f := it.(map[string]any)
		if num(t, f["id"]) == fid {
			return f["value"], true
		}
	}
	return nil, false
}

// sameJSON compares two values by their JSON encoding.
func sameJSON(a, b any) bool {
	ja, _ := json.Marshal(a)
	jb, _ := json.Marshal(b)
	return string(ja) == string(jb)
}

// must fails the test on err, naming the call.
func must(t *testing.T, what string, err error) {
	t.Helper()
	if err != nil {
		t.Fatalf("%s: %v", what, err)
	}
}

// zdError asserts err is a zendesk.Error with the given HTTP status and
// returns its body.
func zdError(t *testing.T, what string, err error, status int) string {
	t.Helper()
	if err == nil {
		t.Fatalf("%s: succeeded, want HTTP %d", what, status)
	}
	var ze zendesk.Error
	if !errors.As(err, &ze) {
		t.Fatalf("%s: error %T %v is not a zendesk.Error", what, err, err)
	}
	b, _ := io.ReadAll(ze.Body())
	if ze.Status() != status {
		t.Fatalf("%s: status %d, want %d; body %s", what, ze.Status(), status, b)
	}
	return string(b)
}

// ctx is the context of client calls.
var ctx = context.Background()

// itoa formats an id.
func itoa(n int64) string { return strconv.FormatInt(n, 10) }

// ticketIDs collects go-zendesk tickets' ids in order.
func ticketIDs(ts []zendesk.Ticket) []int64 {
	out := make([]int64, len(ts))
	for i, tk := range ts {
		out[i] = tk.ID
	}
	return out
}
