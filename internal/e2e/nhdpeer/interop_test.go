// Package nhdpeer_test proves Parley interoperates over ticket sharing (NHD
// 1.0) with an independent peer written from the protocol text: agreements
// and tickets flow both ways, comments are de-duplicated by uuid, unsharing
// stops updates, and protocol errors get the status codes the protocol names.
package nhdpeer_test

import (
	"bytes"
	"fmt"
	"mime"
	"net/http"
	"slices"
	"strings"
	"testing"
	"time"

	"parley/internal/app/apptest"
	"parley/internal/e2e/nhdpeer"
)

func TestNHDInterop(t *testing.T) {
	apptest.Each(t, func(t *testing.T, s *apptest.Server) {
		t.Run("parley invites the peer", func(t *testing.T) { parleyInvitesPeer(t, api{t, s}) })
		t.Run("peer invites parley", func(t *testing.T) { peerInvitesParley(t, api{t, s}) })
		t.Run("protocol errors", func(t *testing.T) { protocolErrors(t, api{t, s}) })
		t.Run("unshare", func(t *testing.T) { unshare(t, api{t, s}) })
	}, apptest.WithWebhookAllow("127.0.0.1"))
}

// a. Parley invites the peer, shares a ticket, and both sides update it.
func parleyInvitesPeer(t *testing.T, c api) {
	p := nhdpeer.New(t, "Peer Desk A")
	ag := obj(c.do("POST", "/api/v2/sharing_agreements", map[string]any{"sharing_agreement": map[string]any{
		"remote_url": p.URL, "allows_public_comments": true, "sync_tags": true}}, 201), "sharing_agreement")
	agID := num(ag["id"])
	if agID == 0 || ag["type"] != "outbound" || ag["status"] != "pending" || ag["remote_url"] != p.URL {
		t.Fatalf("created agreement = %v, want an outbound pending agreement to %s", ag, p.URL)
	}

	inv := p.Wait(t, "Parley's invitation", func(r nhdpeer.Request) bool {
		return r.Method == "POST" && strings.HasPrefix(r.Path, "/sharing/agreements/")
	})
	uuid := strings.TrimPrefix(inv.Path, "/sharing/agreements/")
	var sent nhdpeer.Agreement
	if err := inv.Decode(&sent); err != nil {
		t.Fatalf("invitation body: %v\n%s", err, inv.Body)
	}
	if !nhdpeer.IsUUID(uuid) || sent.UUID != uuid {
		t.Errorf("invitation uuid: %q in the URL, %q in the body; want the same 40-hex uuid", uuid, sent.UUID)
	}
	if sent.Status != "pending" || !nhdpeer.IsUUID(sent.AccessKey) || sent.Name == "" {
		t.Errorf("invitation = %s; want status pending, a 40-hex access_key and the sender's name", inv.Body)
	}
	if sent.SenderURL != c.s.URL+"/sharing" || sent.ReceiverURL != p.URL {
		t.Errorf("invitation sender_url %q, receiver_url %q; want %q, %q", sent.SenderURL, sent.ReceiverURL, c.s.URL+"/sharing", p.URL)
	}
	if !sent.SyncTags || !sent.AllowsPublicComments {
		t.Errorf("invitation terms = %s; want sync_tags and allows_public_comments true as the admin set them", inv.Body)
	}
	token := sent.Token()
	fromParley(t, inv, token, http.StatusCreated)

	if res := p.SetStatus(t, uuid, "accepted"); res.Status != http.StatusOK {
		t.Fatalf("peer accepts: %d %s, want 200", res.Status, res.Body)
	}
	eventually(t, "Parley's agreement accepted", func() (bool, any) {
		g := obj(c.do("GET", fmt.Sprintf("/api/v2/sharing_agreements/%d", agID), nil, 200), "sharing_agreement")
		return g["status"] == "accepted", g
	})

	// Parley shares a ticket.
	tk := obj(c.do("POST", "/api/v2/tickets", map[string]any{"ticket": map[string]any{
		"subject": "Printer on fire", "comment": map[string]any{"body": "The printer in room 4 is on fire."},
		"requester": map[string]any{"name": "Carla Customer", "email": "carla@example.org"},
		"tags":      []string{"printer", "urgent"}}}, 201), "ticket")
	id := num(tk["id"])
	path := fmt.Sprintf("/api/v2/tickets/%d", id)
	up := obj(c.do("PUT", path, map[string]any{"ticket": map[string]any{"sharing_agreement_ids": []int64{agID}}}, 200), "ticket")
	if ids, _ := up["sharing_agreement_ids"].([]any); len(ids) != 1 || num(ids[0]) != agID {
		t.Errorf("sharing_agreement_ids = %v, want [%d]", up["sharing_agreement_ids"], agID)
	}
	got := p.WaitTicket(t, "the shared ticket", func(x nhdpeer.Ticket) bool { return fmt.Sprint(x.OriginalID) == fmt.Sprint(id) })
	fromParley(t, p.Wait(t, "the share POST", func(r nhdpeer.Request) bool {
		return r.Method == "POST" && r.Path == "/sharing/tickets/"+got.UUID
	}), token, http.StatusCreated)
	if !nhdpeer.IsUUID(got.UUID) || got.Agreement != uuid || got.Status == "" {
		t.Errorf("shared ticket uuid %q under agreement %q, status %q; want a 40-hex uuid under %q and a status", got.UUID, got.Agreement, got.Status, uuid)
	}
	if got.Subject != "Printer on fire" || got.Requester.Name != "Carla Customer" || !nhdpeer.IsUUID(got.Requester.UUID) {
		t.Errorf("shared ticket subject %q, requester %+v; want the Parley subject and Carla Customer with a 40-hex uuid", got.Subject, got.Requester)
	}
	if first, ok := findComment(got, "room 4 is on fire"); !ok || !nhdpeer.IsUUID(first.UUID) {
		t.Errorf("shared comments = %+v, want the first comment with a 40-hex uuid", got.Comments)
	}
	if !slices.Contains(got.Tags, "printer") {
		t.Errorf("shared tags = %v, want printer (sync_tags)", got.Tags)
	}

	// The peer answers with a comment and solves the ticket.
	fix := p.NewComment("We replaced the fuser; it works again.")
	update := nhdpeer.Ticket{UUID: got.UUID, Status: "solved", CurrentActor: p.Agent, Comments: []nhdpeer.Comment{fix}}
	if res := p.Update(t, uuid, update); res.Status != http.StatusOK {
		t.Fatalf("peer update: %d %s, want 200", res.Status, res.Body)
	}
	eventually(t, "the peer's comment and status on Parley's ticket", func() (bool, any) {
		st, bodies := obj(c.do("GET", path+".json", nil, 200), "ticket")["status"], c.comments(id)
		return st == "solved" && count(bodies, fix.Body) == 1, []any{st, bodies}
	})
	// Comments are de-duplicated by uuid: the same update again adds nothing.
	if res := p.Update(t, uuid, update); res.Status != http.StatusOK {
		t.Fatalf("repeated peer update: %d %s, want 200", res.Status, res.Body)
	}
	if n := count(c.comments(id), fix.Body); n != 1 {
		t.Errorf("after re-sending comment %s Parley has it %d times, want 1", fix.UUID, n)
	}

	// Parley answers; its "pending" is "open" for the partner.
	reply := "Thanks, we will keep an eye on it."
	c.do("PUT", path, map[string]any{"ticket": map[string]any{"comment": map[string]any{"body": reply, "public": true}, "status": "pending"}}, 200)
	fromParley(t, p.Wait(t, "Parley's update with its comment", func(r nhdpeer.Request) bool {
		return r.Method == "PUT" && r.Path == "/sharing/tickets/"+got.UUID && bytes.Contains(r.Body, []byte("keep an eye"))
	}), token, http.StatusOK)
	after := p.WaitTicket(t, "Parley's comment and status open at the peer", func(x nhdpeer.Ticket) bool {
		_, ok := findComment(x, reply)
		return x.UUID == got.UUID && ok && x.Status == "open"
	})
	if cm, _ := findComment(after, reply); !nhdpeer.IsUUID(cm.UUID) || cm.UUID == fix.UUID {
		t.Errorf("Parley's comment uuid = %q, want its own 40-hex uuid", cm.UUID)
	}
	if n := count(c.comments(id), fix.Body); n != 1 {
		t.Errorf("Parley has the peer's comment %d times at the end, want 1", n)
	}
}

// b. The peer invites Parley, the admin accepts, and the peer shares a ticket.
func peerInvitesParley(t *testing.T, c api) {
	p := nhdpeer.New(t, "Peer Desk B")
	a := invite(t, c, p)
	accept(t, c, p, a)

	requester := nhdpeer.Actor{UUID: p.NewUUID("users"), Name: "Rita Requester", Role: "customer"}
	first := p.NewComment("My VPN drops every hour.")
	tk, res := p.Share(t, a.UUID, nhdpeer.Ticket{Subject: "VPN drops hourly", Status: "open", RequestedAt: nhdpeer.Now(),
		Requester: requester, CurrentActor: p.Agent, Comments: []nhdpeer.Comment{first}, Tags: []string{"vpn"}, OriginalID: 4242})
	if res.Status != http.StatusCreated {
		t.Fatalf("peer shares a ticket: %d %s, want 201", res.Status, res.Body)
	}
	pt := c.findTicket("VPN drops hourly")
	id := num(pt["id"])
	if via := obj(pt, "via"); via["channel"] != "ticket_sharing" {
		t.Errorf("received ticket via = %v, want channel ticket_sharing", pt["via"])
	}
	if n := count(c.comments(id), first.Body); n != 1 {
		t.Errorf("received ticket has the peer's comment %d times, want 1: %v", n, c.comments(id))
	}
	user := obj(c.do("GET", fmt.Sprintf("/api/v2/users/%d.json", num(pt["requester_id"])), nil, 200), "user")
	if user["name"] != "Rita Requester" {
		t.Errorf("received ticket requester = %v, want Rita Requester", user["name"])
	}
	if !hasTag(pt, "vpn") {
		t.Errorf("received ticket tags = %v, want vpn", pt["tags"])
	}

	// An update: a new comment, new tags, and "pending" (applied as "open").
	second := p.NewComment("It also drops on Wi-Fi.")
	res = p.Update(t, a.UUID, nhdpeer.Ticket{UUID: tk.UUID, Status: "pending", CurrentActor: p.Agent,
		Comments: []nhdpeer.Comment{first, second}, Tags: []string{"vpn", "wifi"}})
	if res.Status != http.StatusOK {
		t.Fatalf("peer update: %d %s, want 200", res.Status, res.Body)
	}
	eventually(t, "the update applied to Parley's ticket", func() (bool, any) {
		now, bodies := obj(c.do("GET", fmt.Sprintf("/api/v2/tickets/%d.json", id), nil, 200), "ticket"), c.comments(id)
		return now["status"] == "open" && hasTag(now, "wifi") && count(bodies, second.Body) == 1 && count(bodies, first.Body) == 1,
			[]any{now["status"], now["tags"], bodies}
	})
}

// c. Errors the protocol names.
func protocolErrors(t *testing.T, c api) {
	p := nhdpeer.New(t, "Peer Desk C")
	agreements, tickets := c.s.URL+"/sharing/agreements/", c.s.URL+"/sharing/tickets/"
	expect := func(what string, res nhdpeer.Response, want ...int) {
		t.Helper()
		if !slices.Contains(want, res.Status) {
			t.Errorf("%s: %d %s, want %v", what, res.Status, res.Body, want)
		}
	}
	newTicket := func() nhdpeer.Ticket {
		return nhdpeer.Ticket{UUID: p.NewUUID("tickets"), Subject: "Protocol check", Status: "open",
			Requester: nhdpeer.Actor{UUID: p.NewUUID("users"), Name: "Pat Probe"}, Comments: []nhdpeer.Comment{p.NewComment("probe")}}
	}
	post := func(url, token string, body any) nhdpeer.Response {
		return p.Send(t, nhdpeer.Call{Method: "POST", URL: url, Token: token, Body: body})
	}
	a := invite(t, c, p)
	wrong := a.UUID + ":" + strings.Repeat("0", 40)

	pending := newTicket()
	expect("ticket under a pending agreement", post(tickets+pending.UUID, a.Token(), pending), http.StatusForbidden)
	expect("duplicate agreement uuid", post(agreements+a.UUID, a.Token(), a), http.StatusUnprocessableEntity)
	expect("GET agreement with a wrong access key",
		p.Send(t, nhdpeer.Call{Method: "GET", URL: agreements + a.UUID, Token: wrong}), http.StatusUnauthorized)
	expect("ticket POST with a wrong access key", post(tickets+pending.UUID, wrong, pending), http.StatusUnauthorized)
	expect("ticket POST without a token", post(tickets+pending.UUID, "", pending), http.StatusUnauthorized)
	expect("malformed agreement JSON", post(agreements+p.NewUUID("agreements"), "", []byte(`{"uuid": "`)),
		http.StatusBadRequest, http.StatusUnprocessableEntity)

	accept(t, c, p, a)
	res := p.Send(t, nhdpeer.Call{Method: "GET", URL: agreements + a.UUID, Token: a.Token()})
	expect("GET agreement", res, http.StatusOK)
	if !bytes.Contains(res.Body, []byte(a.UUID)) || !bytes.Contains(res.Body, []byte("accepted")) {
		t.Errorf("GET agreement body = %s, want its uuid and status accepted", res.Body)
	}
	mismatch := newTicket()
	expect("ticket POST whose URL uuid differs from the body",
		post(tickets+p.NewUUID("tickets"), a.Token(), mismatch), http.StatusUnprocessableEntity)
	expect("malformed ticket JSON", post(tickets+p.NewUUID("tickets"), a.Token(), []byte(`{"uuid": "`)),
		http.StatusBadRequest, http.StatusUnprocessableEntity)
	v1, none, plain := newTicket(), newTicket(), newTicket()
	expect("ticket POST with version 1", post(tickets+v1.UUID, a.Token(), v1), http.StatusCreated)
	expect("ticket POST without a version header",
		p.Send(t, nhdpeer.Call{Method: "POST", URL: tickets + none.UUID, Token: a.Token(), Body: none, NoVersion: true}), http.StatusCreated)
	expect("ticket POST as application/json", p.Send(t, nhdpeer.Call{Method: "POST", URL: tickets + plain.UUID,
		Token: a.Token(), Body: plain, ContentType: "application/json"}), http.StatusCreated)
}

// d. After the peer unshares a ticket, its updates are refused and Parley
// keeps the ticket.
func unshare(t *testing.T, c api) {
	p := nhdpeer.New(t, "Peer Desk D")
	a := invite(t, c, p)
	accept(t, c, p, a)
	first := p.NewComment("Please reset my password.")
	tk, res := p.Share(t, a.UUID, nhdpeer.Ticket{Subject: "Password reset, then unshared", Status: "open",
		Requester: nhdpeer.Actor{UUID: p.NewUUID("users"), Name: "Uma User"}, Comments: []nhdpeer.Comment{first}})
	if res.Status != http.StatusCreated {
		t.Fatalf("peer shares a ticket: %d %s, want 201", res.Status, res.Body)
	}
	id := num(c.findTicket("Password reset, then unshared")["id"])

	if res := p.Unshare(t, a.UUID, tk.UUID); res.Status != http.StatusOK && res.Status != http.StatusNoContent {
		t.Fatalf("unshare: %d %s, want 200 or 204", res.Status, res.Body)
	}
	late := p.NewComment("Are you still there?")
	if res := p.Update(t, a.UUID, nhdpeer.Ticket{UUID: tk.UUID, Comments: []nhdpeer.Comment{late}}); res.Status != http.StatusNotFound && res.Status != http.StatusForbidden {
		t.Errorf("update after unshare: %d %s, want 404 or 403", res.Status, res.Body)
	}
	c.do("GET", fmt.Sprintf("/api/v2/tickets/%d.json", id), nil, 200)
	if bodies := c.comments(id); count(bodies, first.Body) != 1 || count(bodies, late.Body) != 0 {
		t.Errorf("comments after unshare = %v, want the first comment only", bodies)
	}
}

// invite has the peer invite Parley, which must answer 201.
func invite(t *testing.T, c api, p *nhdpeer.Peer) nhdpeer.Agreement {
	t.Helper()
	a, res := p.Invite(t, c.s.URL+"/sharing")
	if res.Status != http.StatusCreated {
		t.Fatalf("peer invites Parley: %d %s, want 201", res.Status, res.Body)
	}
	return a
}

// accept accepts the peer's agreement through Parley's admin API and checks
// the peer hears of it; it returns Parley's agreement id.
func accept(t *testing.T, c api, p *nhdpeer.Peer, a nhdpeer.Agreement) int64 {
	t.Helper()
	var in map[string]any
	eventually(t, "the peer's agreement in Parley's list", func() (bool, any) {
		all, _ := c.do("GET", "/api/v2/sharing_agreements", nil, 200)["sharing_agreements"].([]any)
		for _, x := range all {
			if m, _ := x.(map[string]any); m["type"] == "inbound" && m["remote_url"] == p.URL {
				in = m
				return true, nil
			}
		}
		return false, all
	})
	agID := num(in["id"])
	if in["status"] != "pending" || agID == 0 {
		t.Fatalf("inbound agreement = %v, want status pending and an id", in)
	}
	got := obj(c.do("PUT", fmt.Sprintf("/api/v2/sharing_agreements/%d", agID),
		map[string]any{"sharing_agreement": map[string]any{"status": "accepted"}}, 200), "sharing_agreement")
	if got["status"] != "accepted" {
		t.Fatalf("accepted agreement = %v, want status accepted", got)
	}
	put := p.Wait(t, "Parley's acceptance", func(r nhdpeer.Request) bool {
		return r.Method == "PUT" && r.Path == "/sharing/agreements/"+a.UUID
	})
	fromParley(t, put, a.Token(), http.StatusOK)
	if now := p.Agreement(a.UUID); now.Status != "accepted" {
		t.Fatalf("peer's agreement after Parley's PUT %s is %q, want accepted", put.Body, now.Status)
	}
	return agID
}

// fromParley checks the protocol headers of a request Parley sent and the
// status the peer answered.
func fromParley(t *testing.T, r nhdpeer.Request, token string, status int) {
	t.Helper()
	if got := r.Header.Get(nhdpeer.TokenHeader); got != token {
		t.Errorf("%s %s: %s = %q, want %q", r.Method, r.Path, nhdpeer.TokenHeader, got, token)
	}
	if ct, _, _ := mime.ParseMediaType(r.Header.Get("Content-Type")); ct != "application/json" && ct != "text/x-json" {
		t.Errorf("%s %s: Content-Type %q, want application/json or text/x-json", r.Method, r.Path, r.Header.Get("Content-Type"))
	}
	if v := r.Header.Get(nhdpeer.VersionHeader); v != "" && v != "1" {
		t.Errorf("%s %s: %s = %q, want 1 or none", r.Method, r.Path, nhdpeer.VersionHeader, v)
	}
	if r.Status != status {
		t.Errorf("%s %s: the peer answered %d %s, want %d; body sent: %s", r.Method, r.Path, r.Status, r.Reply, status, r.Body)
	}
}

// api calls Parley's API as the default account's owner.
type api struct {
	t *testing.T
	s *apptest.Server
}

func (c api) do(method, path string, body any, want int) map[string]any {
	c.t.Helper()
	res := c.s.Do(c.t, apptest.Request{Method: method, Path: path, Auth: c.s.Default.TokenAuth(), Body: body})
	if res.Status != want {
		c.t.Fatalf("%s %s: %d, want %d: %s", method, path, res.Status, want, res.Body)
	}
	return res.JSON(c.t)
}

// comments lists the bodies of a ticket's comments.
func (c api) comments(id int64) []string {
	c.t.Helper()
	var out []string
	all, _ := c.do("GET", fmt.Sprintf("/api/v2/tickets/%d/comments.json", id), nil, 200)["comments"].([]any)
	for _, x := range all {
		m, _ := x.(map[string]any)
		out = append(out, fmt.Sprint(m["body"]))
	}
	return out
}

// findTicket waits for a Parley ticket with the subject.
func (c api) findTicket(subject string) (found map[string]any) {
	c.t.Helper()
	eventually(c.t, "a Parley ticket "+subject, func() (bool, any) {
		all, _ := c.do("GET", "/api/v2/tickets.json", nil, 200)["tickets"].([]any)
		for _, x := range all {
			if found, _ = x.(map[string]any); found["subject"] == subject {
				return true, nil
			}
		}
		return false, fmt.Sprintf("%d tickets", len(all))
	})
	return found
}

// eventually polls f (which also returns what it saw) for up to 20 s.
func eventually(t *testing.T, what string, f func() (bool, any)) {
	t.Helper()
	var last any
	for deadline := time.Now().Add(20 * time.Second); time.Now().Before(deadline); time.Sleep(50 * time.Millisecond) {
		var ok bool
		if ok, last = f(); ok {
			return
		}
	}
	t.Fatalf("%s: not within 20s; last seen: %v", what, last)
}

func obj(m map[string]any, key string) map[string]any {
	o, _ := m[key].(map[string]any)
	return o
}

func num(v any) int64 {
	f, _ := v.(float64)
	return int64(f)
}

func count(bodies []string, text string) (n int) {
	for _, b := range bodies {
		if strings.Contains(b, text) {
			n++
		}
	}
	return n
}

func hasTag(ticket map[string]any, tag string) bool {
	tags, _ := ticket["tags"].([]any)
	return slices.Contains(tags, any(tag))
}

func findComment(tk nhdpeer.Ticket, text string) (nhdpeer.Comment, bool) {
	i := slices.IndexFunc(tk.Comments, func(c nhdpeer.Comment) bool { return strings.Contains(c.Body, text) })
	if i < 0 {
		return nhdpeer.Comment{}, false
	}
	return tk.Comments[i], true
}
