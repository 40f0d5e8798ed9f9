// Package pair runs a sharing test twice on every dialect: between two
// accounts of one Parley ("local"), and between two Parley processes on
// different loopback ports talking real HTTP ("remote"). Side A is the
// sender, side B the receiver; each has its own mail sink.
package pair

import (
	"encoding/json"
	"fmt"
	"net/http"
	"testing"
	"time"

	"parley/internal/app/apptest"
	"parley/internal/platform/db"
	"parley/internal/platform/db/dbtest"
	"parley/internal/platform/mail/mailtest"
)

// Side is one help desk of a pair.
type Side struct {
	Name string // "A" or "B"
	S    *apptest.Server
	T    apptest.Tenant
	Mail *mailtest.Sink
}

// Pair is two help desks that will share tickets.
type Pair struct {
	Mode string // "local" or "remote"
	A, B Side

	dialect db.Dialect
	opts    []apptest.Option
}

// Modes are the two ways partners meet.
var Modes = []string{"local", "remote"}

// Each runs fn for every dialect and both modes.
func Each(t *testing.T, fn func(t *testing.T, p *Pair), opts ...apptest.Option) {
	for _, d := range dbtest.Dialects(t) {
		for _, mode := range Modes {
			t.Run(string(d)+"/"+mode, func(t *testing.T) {
				fn(t, New(t, d, mode, opts...))
			})
		}
	}
}

// New starts a pair. In local mode both accounts live on one server and
// share its mail sink.
func New(t *testing.T, d db.Dialect, mode string, opts ...apptest.Option) *Pair {
	t.Helper()
	base := []apptest.Option{apptest.WithWebhookAllow("127.0.0.1"), apptest.WithSharingRetry(100 * time.Millisecond)}
	mailA := mailtest.Start(t)
	a := apptest.Start(t, d, append(append(base, apptest.WithSMTPRelay(mailA.Addr)), opts...)...)
	p := &Pair{Mode: mode, A: Side{Name: "A", S: a, T: a.Default, Mail: mailA}, dialect: d,
		opts: append(base, opts...)}
	if mode == "local" {
		p.B = Side{Name: "B", S: a, T: a.NewTenant(t, "beta"), Mail: mailA}
		return p
	}
	mailB := mailtest.Start(t)
	b := apptest.Start(t, d, append(append(base, apptest.WithSMTPRelay(mailB.Addr)), opts...)...)
	p.B = Side{Name: "B", S: b, T: b.Default, Mail: mailB}
	// Each installation's default account is reached by its bare address,
	// which is also the sharing URL the partner is told (the tenants'
	// host names do not resolve).
	p.A.T.Host, p.B.T.Host = "", ""
	return p
}

// Third adds a third help desk in the pair's mode: another account of A's
// installation, or a third Parley process.
func (p *Pair) Third(t *testing.T) Side {
	t.Helper()
	if p.Mode == "local" {
		return Side{Name: "C", S: p.A.S, T: p.A.S.NewTenant(t, "gamma"), Mail: p.A.Mail}
	}
	mail := mailtest.Start(t)
	c := apptest.Start(t, p.dialect, append(p.opts, apptest.WithSMTPRelay(mail.Addr))...)
	side := Side{Name: "C", S: c, T: c.Default, Mail: mail}
	side.T.Host = ""
	return side
}

// Connect2 makes an accepted agreement from one side to another and
// returns the sender's and the receiver's agreement ids.
func (p *Pair) Connect2(t testing.TB, from, to Side, terms map[string]any) (int64, int64) {
	t.Helper()
	mine, theirs := p.Invite(t, from, to, terms)
	rid := Num(theirs["id"])
	to.Do(t, "PUT", fmt.Sprintf("/api/v2/sharing_agreements/%d.json", rid),
		map[string]any{"sharing_agreement": map[string]any{"status": "accepted"}}, http.StatusOK)
	sid := Num(mine["id"])
	WaitStatus(t, from, sid, "accepted")
	return sid, rid
}

// Try makes an API call as the side's owner.
func (x Side) Try(t testing.TB, method, path string, body any) apptest.Response {
	t.Helper()
	return x.S.Do(t, apptest.Request{Method: method, Path: path, Host: x.T.Host, Auth: x.T.TokenAuth(), Body: body})
}

// Do makes an API call and fails the test unless it answers want; it
// returns the decoded body (nil for an empty one).
func (x Side) Do(t testing.TB, method, path string, body any, want int) map[string]any {
	t.Helper()
	r := x.Try(t, method, path, body)
	if r.Status != want {
		t.Fatalf("%s: %s %s: %d %s; want %d", x.Name, method, path, r.Status, r.Body, want)
	}
	if len(r.Body) == 0 {
		return nil
	}
	return r.JSON(t)
}

// Obj returns m[key] as an object.
func Obj(t testing.TB, m map[string]any, key string) map[string]any {
	t.Helper()
	o, ok := m[key].(map[string]any)
	if !ok {
		t.Fatalf("%q is not an object in %v", key, m)
	}
	return o
}

// Num reads a JSON number as int64.
func Num(v any) int64 {
	switch x := v.(type) {
	case float64:
		return int64(x)
	case json.Number:
		n, _ := x.Int64()
		return n
	}
	return 0
}

// Eventually polls fn for up to 20 s; what describes the wait, and the
// last value fn returned is shown on failure.
func Eventually(t testing.TB, what string, fn func() (bool, any)) any {
	t.Helper()
	deadline := time.Now().Add(20 * time.Second)
	for {
		ok, last := fn()
		if ok {
			return last
		}
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s; last: %v", what, last)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// Target is how from names to in an invitation.
func (p *Pair) Target(to Side) map[string]any {
	if p.Mode == "local" {
		return map[string]any{"remote_subdomain": to.T.Subdomain}
	}
	return map[string]any{"remote_url": to.S.URL + "/sharing", "partner_name": "parley"}
}

// Invite has from invite to with the given terms; it returns from's
// agreement and, once the invitation has arrived, to's.
func (p *Pair) Invite(t testing.TB, from, to Side, terms map[string]any) (map[string]any, map[string]any) {
	t.Helper()
	body := p.Target(to)
	for k, v := range terms {
		body[k] = v
	}
	mine := Obj(t, from.Do(t, "POST", "/api/v2/sharing_agreements.json", map[string]any{"sharing_agreement": body}, http.StatusCreated), "sharing_agreement")
	if mine["type"] != "outbound" || mine["status"] != "pending" {
		t.Fatalf("%s's new agreement %v; want outbound and pending", from.Name, mine)
	}
	theirs := p.Find(t, to, mine["uuid"].(string))
	return mine, theirs
}

// Find waits for the agreement with uuid to appear on side x.
func (p *Pair) Find(t testing.TB, x Side, uuid string) map[string]any {
	t.Helper()
	return Eventually(t, fmt.Sprintf("agreement %s on %s", uuid, x.Name), func() (bool, any) {
		list, _ := x.Do(t, "GET", "/api/v2/sharing_agreements.json", nil, http.StatusOK)["sharing_agreements"].([]any)
		for _, a := range list {
			if m := a.(map[string]any); m["uuid"] == uuid {
				return true, m
			}
		}
		return false, list
	}).(map[string]any)
}

// Agreement reads one agreement of side x.
func Agreement(t testing.TB, x Side, id int64) map[string]any {
	t.Helper()
	return Obj(t, x.Do(t, "GET", fmt.Sprintf("/api/v2/sharing_agreements/%d.json", id), nil, http.StatusOK), "sharing_agreement")
}

// WaitStatus waits until agreement id on side x has status.
func WaitStatus(t testing.TB, x Side, id int64, status string) map[string]any {
	t.Helper()
	return Eventually(t, fmt.Sprintf("agreement %d on %s to be %s", id, x.Name, status), func() (bool, any) {
		a := Agreement(t, x, id)
		return a["status"] == status, a
	}).(map[string]any)
}

// Connect makes an accepted agreement from A to B with terms and returns
// A's and B's agreement ids.
func (p *Pair) Connect(t testing.TB, terms map[string]any) (int64, int64) {
	t.Helper()
	return p.Connect2(t, p.A, p.B, terms)
}

// Ticket creates a ticket on side x and returns it.
func Ticket(t testing.TB, x Side, ticket map[string]any) map[string]any {
	t.Helper()
	return Obj(t, x.Do(t, "POST", "/api/v2/tickets.json", map[string]any{"ticket": ticket}, http.StatusCreated), "ticket")
}

// Get reads ticket id of side x.
func Get(t testing.TB, x Side, id int64) map[string]any {
	t.Helper()
	return Obj(t, x.Do(t, "GET", fmt.Sprintf("/api/v2/tickets/%d.json", id), nil, http.StatusOK), "ticket")
}

// Comments lists a ticket's comments on side x.
func Comments(t testing.TB, x Side, id int64) []map[string]any {
	t.Helper()
	list, _ := x.Do(t, "GET", fmt.Sprintf("/api/v2/tickets/%d/comments.json", id), nil, http.StatusOK)["comments"].([]any)
	out := make([]map[string]any, 0, len(list))
	for _, c := range list {
		out = append(out, c.(map[string]any))
	}
	return out
}

// Received waits for the ticket that arrived on side x through agreement
// id (via ticket_sharing) with subject, and returns it.
func Received(t testing.TB, x Side, subject string) map[string]any {
	t.Helper()
	return Eventually(t, fmt.Sprintf("ticket %q on %s", subject, x.Name), func() (bool, any) {
		list, _ := x.Do(t, "GET", "/api/v2/tickets.json", nil, http.StatusOK)["tickets"].([]any)
		for _, tk := range list {
			m := tk.(map[string]any)
			if m["subject"] == subject {
				return true, m
			}
		}
		return false, len(list)
	}).(map[string]any)
}

// Share shares ticket id of side x through agreement aid.
func Share(t testing.TB, x Side, id, aid int64) map[string]any {
	t.Helper()
	return Obj(t, x.Do(t, "PUT", fmt.Sprintf("/api/v2/tickets/%d.json", id),
		map[string]any{"ticket": map[string]any{"sharing_agreement_ids": []int64{aid}}}, http.StatusOK), "ticket")
}

// Update changes ticket id of side x.
func Update(t testing.TB, x Side, id int64, ticket map[string]any) map[string]any {
	t.Helper()
	return Obj(t, x.Do(t, "PUT", fmt.Sprintf("/api/v2/tickets/%d.json", id), map[string]any{"ticket": ticket}, http.StatusOK), "ticket")
}

// HasComment reports how many comments of list have body.
func HasComment(list []map[string]any, body string) int {
	n := 0
	for _, c := range list {
		if c["body"] == body || c["plain_body"] == body {
			n++
		}
	}
	return n
}
