package sharing_test

import (
	"fmt"
	"net/http"
	"slices"
	"strings"
	"testing"
	"time"

	"parley/internal/e2e/sharing/pair"
	"parley/internal/platform/mail/mailtest"
)

func ids(v any) []int64 {
	list, _ := v.([]any)
	out := []int64{}
	for _, x := range list {
		out = append(out, pair.Num(x))
	}
	return out
}

func tags(v any) []string {
	list, _ := v.([]any)
	out := []string{}
	for _, x := range list {
		out = append(out, fmt.Sprint(x))
	}
	return out
}

func user(t *testing.T, x pair.Side, id int64) map[string]any {
	t.Helper()
	return pair.Obj(t, x.Do(t, "GET", fmt.Sprintf("/api/v2/users/%d.json", id), nil, http.StatusOK), "user")
}

// Sharing a ticket: a new ticket with its own id on the receiving side,
// via ticket sharing; placeholder users for the sender's people (even when
// a user with the same name and email exists), with no email, never
// deletable; CCs are not carried; the sender's audit records the share.
func TestShareTicket(t *testing.T) {
	pair.Each(t, func(t *testing.T, p *pair.Pair) {
		aid, bid := p.Connect(t, map[string]any{"sync_tags": true})
		// B already knows the customer by name and email.
		twin := pair.Obj(t, p.B.Do(t, "POST", "/api/v2/users.json", map[string]any{"user": map[string]any{
			"name": "Carla Customer", "email": "carla@example.org"}}, http.StatusCreated), "user")
		// Padding makes the two ticket numbers differ in local mode too.
		pair.Ticket(t, p.A, map[string]any{"subject": "padding", "comment": map[string]any{"body": "x"}})
		tk := pair.Ticket(t, p.A, map[string]any{"subject": "Printer on fire", "tags": []string{"printer"},
			"comment":   map[string]any{"body": "The printer in room 4 is on fire."},
			"requester": map[string]any{"name": "Carla Customer", "email": "carla@example.org"},
			"email_ccs": []any{map[string]any{"user_email": "boss@example.org", "action": "put"}}})
		id := pair.Num(tk["id"])
		if len(ids(tk["sharing_agreement_ids"])) != 0 {
			t.Fatalf("a new ticket has sharing_agreement_ids %v; want []", tk["sharing_agreement_ids"])
		}
		shared := pair.Share(t, p.A, id, aid)
		if got := ids(shared["sharing_agreement_ids"]); !slices.Equal(got, []int64{aid}) {
			t.Errorf("sharing_agreement_ids after sharing = %v; want [%d]", got, aid)
		}
		audits, _ := p.A.Do(t, "GET", fmt.Sprintf("/api/v2/tickets/%d/audits.json", id), nil, http.StatusOK)["audits"].([]any)
		if !hasEvent(audits, func(e map[string]any) bool {
			return e["type"] == "TicketSharingEvent" && pair.Num(e["agreement_id"]) == aid && e["action"] == "shared"
		}) {
			t.Errorf("A's audits have no TicketSharingEvent shared for agreement %d: %v", aid, audits)
		}

		got := pair.Received(t, p.B, "Printer on fire")
		gid := pair.Num(got["id"])
		if gid == id {
			t.Errorf("the received ticket has the sender's id %d; want its own", id)
		}
		if via := pair.Obj(t, got, "via"); via["channel"] != "ticket_sharing" {
			t.Errorf("received ticket via = %v; want ticket_sharing", via)
		}
		if !slices.Equal(ids(got["sharing_agreement_ids"]), []int64{bid}) {
			t.Errorf("received ticket sharing_agreement_ids = %v; want [%d]", got["sharing_agreement_ids"], bid)
		}
		if !slices.Contains(tags(got["tags"]), "printer") {
			t.Errorf("received tags = %v; want printer (sync_tags)", got["tags"])
		}
		if len(ids(got["email_cc_ids"])) != 0 || len(ids(got["collaborator_ids"])) != 0 {
			t.Errorf("received ticket has CCs %v / %v; CCs are not carried", got["email_cc_ids"], got["collaborator_ids"])
		}
		cs := pair.Comments(t, p.B, gid)
		if pair.HasComment(cs, "The printer in room 4 is on fire.") != 1 {
			t.Errorf("received comments = %v; want the first comment once", cs)
		}
		req := user(t, p.B, pair.Num(got["requester_id"]))
		if req["name"] != "Carla Customer" || req["email"] != nil || req["phone"] != nil || req["shared"] != true {
			t.Errorf("received requester = %v; want a shared placeholder named Carla Customer with no email or phone", req)
		}
		if pair.Num(req["id"]) == pair.Num(twin["id"]) {
			t.Errorf("the received ticket's requester is B's own Carla; want a separate placeholder")
		}
		author := user(t, p.B, pair.Num(cs[0]["author_id"]))
		if author["shared"] != true {
			t.Errorf("the first comment's author on B = %v; want a shared placeholder", author)
		}
		r := p.B.Try(t, "DELETE", fmt.Sprintf("/api/v2/users/%d.json", pair.Num(req["id"])), nil)
		if r.Status != http.StatusUnprocessableEntity {
			t.Errorf("deleting a placeholder: %d %s; want 422", r.Status, r.Body)
		}
		// Clients cannot make a user a placeholder (nor undo one).
		u := pair.Obj(t, p.B.Do(t, "PUT", fmt.Sprintf("/api/v2/users/%d.json", pair.Num(twin["id"])),
			map[string]any{"user": map[string]any{"shared": true}}, http.StatusOK), "user")
		if u["shared"] != false {
			t.Errorf("PUT shared:true made a user shared: %v", u)
		}

		// A shared ticket cannot be merged; closed tickets cannot be shared.
		other := pair.Ticket(t, p.A, map[string]any{"subject": "other", "comment": map[string]any{"body": "x"}})
		r = p.A.Try(t, "POST", fmt.Sprintf("/api/v2/tickets/%d/merge.json", pair.Num(other["id"])),
			map[string]any{"ids": []int64{id}})
		if r.Status != http.StatusUnprocessableEntity || !strings.Contains(string(r.Body), "shared") {
			t.Errorf("merging a shared ticket: %d %s; want 422 saying it is shared", r.Status, r.Body)
		}
		r = p.B.Try(t, "POST", fmt.Sprintf("/api/v2/tickets/%d/merge.json", gid), map[string]any{"ids": []int64{
			pair.Num(pair.Ticket(t, p.B, map[string]any{"subject": "b other", "comment": map[string]any{"body": "x"}})["id"])}})
		if r.Status != http.StatusUnprocessableEntity {
			t.Errorf("merging into a received ticket: %d %s; want 422", r.Status, r.Body)
		}
		closed := pair.Ticket(t, p.A, map[string]any{"subject": "closed one", "status": "closed", "comment": map[string]any{"body": "x"}})
		r = p.A.Try(t, "PUT", fmt.Sprintf("/api/v2/tickets/%d.json", pair.Num(closed["id"])),
			map[string]any{"ticket": map[string]any{"sharing_agreement_ids": []int64{aid}}})
		if r.Status != http.StatusUnprocessableEntity {
			t.Errorf("sharing a closed ticket: %d %s; want 422", r.Status, r.Body)
		}
		// A ticket is shared with one account only.
		r = p.A.Try(t, "PUT", fmt.Sprintf("/api/v2/tickets/%d.json", pair.Num(other["id"])),
			map[string]any{"ticket": map[string]any{"sharing_agreement_ids": []int64{aid, aid + 1000}}})
		if r.Status != http.StatusUnprocessableEntity {
			t.Errorf("sharing with an unknown agreement too: %d %s; want 422", r.Status, r.Body)
		}
	})
}

func hasEvent(audits []any, match func(map[string]any) bool) bool {
	for _, a := range audits {
		evs, _ := a.(map[string]any)["events"].([]any)
		for _, e := range evs {
			if match(e.(map[string]any)) {
				return true
			}
		}
	}
	return false
}

// Full terms: status and comments (public and private) both ways; pending
// becomes open on the other side; the receiver's agents appear on the
// sender's side as placeholder end users; a public comment from the
// partner notifies the CCs of the original ticket; no mail goes to the
// partner's people.
func TestSyncFullTerms(t *testing.T) {
	pair.Each(t, func(t *testing.T, p *pair.Pair) {
		aid, _ := p.Connect(t, map[string]any{"allows_public_comments": true})
		tk := pair.Ticket(t, p.A, map[string]any{"subject": "VPN drops", "comment": map[string]any{"body": "It drops hourly."},
			"requester": map[string]any{"name": "Vera Customer", "email": "vera@example.org"},
			"email_ccs": []any{map[string]any{"user_email": "cc-boss@example.org", "action": "put"}}})
		id := pair.Num(tk["id"])
		pair.Share(t, p.A, id, aid)
		got := pair.Received(t, p.B, "VPN drops")
		gid := pair.Num(got["id"])

		// A: pending → B: open. A: private note → B private.
		pair.Update(t, p.A, id, map[string]any{"status": "pending", "comment": map[string]any{"body": "Internal: ask the ISP", "public": false}})
		pair.Eventually(t, "A's note and status on B", func() (bool, any) {
			g, cs := pair.Get(t, p.B, gid), pair.Comments(t, p.B, gid)
			return g["status"] == "open" && findComment(cs, "Internal: ask the ISP") != nil, []any{g["status"], cs}
		})
		if c := findComment(pair.Comments(t, p.B, gid), "Internal: ask the ISP"); c["public"] != false {
			t.Errorf("A's private note arrived on B as %v; want private", c)
		}

		// B's agent replies publicly and solves it.
		agent := pair.Obj(t, p.B.Do(t, "POST", "/api/v2/users.json", map[string]any{"user": map[string]any{
			"name": "Bob Partner", "email": "bob@b.example", "role": "agent"}}, http.StatusCreated), "user")
		pair.Update(t, p.B, gid, map[string]any{"status": "solved", "assignee_id": pair.Num(agent["id"]),
			"comment": map[string]any{"body": "Fixed the VPN concentrator.", "public": true, "author_id": pair.Num(agent["id"])}})
		pair.Eventually(t, "B's reply and status on A", func() (bool, any) {
			g, cs := pair.Get(t, p.A, id), pair.Comments(t, p.A, id)
			return g["status"] == "solved" && findComment(cs, "Fixed the VPN concentrator.") != nil, []any{g["status"], cs}
		})
		c := findComment(pair.Comments(t, p.A, id), "Fixed the VPN concentrator.")
		if c["public"] != true {
			t.Errorf("B's public reply arrived on A as %v; want public", c)
		}
		bob := user(t, p.A, pair.Num(c["author_id"]))
		if bob["name"] != "Bob Partner" || bob["role"] != "end-user" || bob["shared"] != true || bob["email"] != nil {
			t.Errorf("B's agent on A = %v; want a shared placeholder end user named Bob Partner without email", bob)
		}
		// The public comment notifies the original ticket's CCs on A.
		p.A.Mail.Wait(t, 20*time.Second, func(m mailtest.Message) bool {
			return mailtest.To("cc-boss@example.org")(m) && strings.Contains(m.Body, "Fixed the VPN concentrator.")
		})
		// Nothing is mailed to the partner's people: B's requester is a
		// placeholder without an address, and no mail names B's side.
		for _, m := range p.B.Mail.Messages() {
			if m.Header.Get("X-Parley-Account") != p.B.T.Subdomain {
				continue // local mode: one sink hears both accounts
			}
			if strings.Contains(m.Body, "Fixed the VPN concentrator.") && !mailtest.To("bob@b.example")(m) &&
				!mailtest.To(p.B.T.Email)(m) {
				t.Errorf("B mailed %v about its reply; only its own agents may hear of it", m.To)
			}
		}
		// A comment B re-sends is not duplicated (the same update twice
		// would be; see the outage test for order and exactly-once).
		if n := pair.HasComment(pair.Comments(t, p.A, id), "Fixed the VPN concentrator."); n != 1 {
			t.Errorf("A has B's reply %d times; want 1", n)
		}
	})
}

func findComment(list []map[string]any, body string) map[string]any {
	for _, c := range list {
		if c["body"] == body || c["plain_body"] == body {
			return c
		}
	}
	return nil
}

// Private terms: the receiver's comments arrive private and status does
// not sync either way.
func TestSyncPrivateTerms(t *testing.T) {
	pair.Each(t, func(t *testing.T, p *pair.Pair) {
		aid, _ := p.Connect(t, map[string]any{"allows_public_comments": false})
		tk := pair.Ticket(t, p.A, map[string]any{"subject": "Component fault", "comment": map[string]any{"body": "Part 7 fails."}})
		id := pair.Num(tk["id"])
		pair.Share(t, p.A, id, aid)
		got := pair.Received(t, p.B, "Component fault")
		gid := pair.Num(got["id"])
		pair.Update(t, p.B, gid, map[string]any{"status": "solved", "comment": map[string]any{"body": "Use firmware 2.1", "public": true}})
		pair.Eventually(t, "B's comment on A", func() (bool, any) {
			cs := pair.Comments(t, p.A, id)
			return findComment(cs, "Use firmware 2.1") != nil, cs
		})
		if c := findComment(pair.Comments(t, p.A, id), "Use firmware 2.1"); c["public"] != false {
			t.Errorf("the receiver's comment under private terms arrived as %v; want private", c)
		}
		if st := pair.Get(t, p.A, id)["status"]; st == "solved" {
			t.Errorf("A's status followed B's under private terms: %v", st)
		}
		pair.Update(t, p.A, id, map[string]any{"status": "pending", "comment": map[string]any{"body": "Thanks", "public": true}})
		pair.Eventually(t, "A's comment on B", func() (bool, any) {
			cs := pair.Comments(t, p.B, gid)
			return findComment(cs, "Thanks") != nil, cs
		})
		if st := pair.Get(t, p.B, gid)["status"]; st != "solved" {
			t.Errorf("B's status = %v after A changed its own; want B's solved untouched", st)
		}
	})
}

// Tags sync both ways when the terms say so; tags added by business rules
// never travel.
func TestSyncTags(t *testing.T) {
	pair.Each(t, func(t *testing.T, p *pair.Pair) {
		aid, _ := p.Connect(t, map[string]any{"sync_tags": true})
		// A's rule tags every ticket mentioning "refund"; that tag stays on A.
		p.A.Do(t, "POST", "/api/v2/triggers.json", map[string]any{"trigger": map[string]any{"title": "Tag refunds",
			"conditions": map[string]any{"all": []any{map[string]any{"field": "comment_includes_word", "operator": "includes", "value": "refund"}}},
			"actions":    []any{map[string]any{"field": "current_tags", "value": "rule_refund"}}}}, http.StatusCreated)
		tk := pair.Ticket(t, p.A, map[string]any{"subject": "Refund please", "tags": []string{"billing"},
			"comment": map[string]any{"body": "I want a refund"}})
		id := pair.Num(tk["id"])
		if !slices.Contains(tags(tk["tags"]), "rule_refund") {
			t.Fatalf("A's trigger did not tag the ticket: %v", tk["tags"])
		}
		pair.Share(t, p.A, id, aid)
		got := pair.Received(t, p.B, "Refund please")
		gid := pair.Num(got["id"])
		if g := tags(got["tags"]); !slices.Contains(g, "billing") || slices.Contains(g, "rule_refund") {
			t.Errorf("B's tags = %v; want billing and not the rule's rule_refund", g)
		}
		// A agent adds and removes tags; a rule-made tag on a later update
		// still stays home.
		pair.Update(t, p.A, id, map[string]any{"additional_tags": []string{"vip"}, "remove_tags": []string{"billing"},
			"comment": map[string]any{"body": "another refund question"}})
		pair.Eventually(t, "A's tag changes on B", func() (bool, any) {
			g := tags(pair.Get(t, p.B, gid)["tags"])
			return slices.Contains(g, "vip") && !slices.Contains(g, "billing"), g
		})
		if g := tags(pair.Get(t, p.B, gid)["tags"]); slices.Contains(g, "rule_refund") {
			t.Errorf("B got A's rule tag: %v", g)
		}
		// B's own tag changes come back; B's own tags from before stay B's.
		pair.Update(t, p.B, gid, map[string]any{"additional_tags": []string{"partner_checked"}})
		pair.Eventually(t, "B's tag on A", func() (bool, any) {
			g := tags(pair.Get(t, p.A, id)["tags"])
			return slices.Contains(g, "partner_checked") && slices.Contains(g, "vip") && slices.Contains(g, "rule_refund"), g
		})
	})
}

// Either side can unshare: the ticket stays on both sides and stops
// syncing. An account with only inbound agreements cannot unshare what it
// received (the seed hides the sharing field from it).
func TestUnshare(t *testing.T) {
	pair.Each(t, func(t *testing.T, p *pair.Pair) {
		aid, bid := p.Connect(t, nil)
		one := pair.Ticket(t, p.A, map[string]any{"subject": "Unshare me", "comment": map[string]any{"body": "x"}})
		two := pair.Ticket(t, p.A, map[string]any{"subject": "Unshare from B", "comment": map[string]any{"body": "y"}})
		pair.Share(t, p.A, pair.Num(one["id"]), aid)
		pair.Share(t, p.A, pair.Num(two["id"]), aid)
		g1, g2 := pair.Received(t, p.B, "Unshare me"), pair.Received(t, p.B, "Unshare from B")

		// B has only an inbound agreement: it cannot unshare.
		r := p.B.Try(t, "PUT", fmt.Sprintf("/api/v2/tickets/%d.json", pair.Num(g2["id"])),
			map[string]any{"ticket": map[string]any{"sharing_agreement_ids": []int64{}}})
		if r.Status != http.StatusUnprocessableEntity {
			t.Errorf("B unsharing with only inbound agreements: %d %s; want 422", r.Status, r.Body)
		}

		// A unshares one.
		un := pair.Update(t, p.A, pair.Num(one["id"]), map[string]any{"sharing_agreement_ids": []int64{}})
		if len(ids(un["sharing_agreement_ids"])) != 0 {
			t.Errorf("after unsharing, sharing_agreement_ids = %v", un["sharing_agreement_ids"])
		}
		pair.Eventually(t, "B's copy unshared", func() (bool, any) {
			g := pair.Get(t, p.B, pair.Num(g1["id"]))
			return len(ids(g["sharing_agreement_ids"])) == 0, g["sharing_agreement_ids"]
		})
		pair.Update(t, p.A, pair.Num(one["id"]), map[string]any{"comment": map[string]any{"body": "after unsharing"}})

		// B gets an accepted outbound agreement of its own, and may now
		// unshare what it received.
		back, onA := p.Invite(t, p.B, p.A, nil)
		p.A.Do(t, "PUT", agreementPath(pair.Num(onA["id"])), setStatus("accepted"), http.StatusOK)
		pair.WaitStatus(t, p.B, pair.Num(back["id"]), "accepted")
		un2 := pair.Update(t, p.B, pair.Num(g2["id"]), map[string]any{"sharing_agreement_ids": []int64{}})
		if len(ids(un2["sharing_agreement_ids"])) != 0 {
			t.Errorf("after B unshared, its sharing_agreement_ids = %v", un2["sharing_agreement_ids"])
		}
		pair.Eventually(t, "A's original unshared by B", func() (bool, any) {
			g := pair.Get(t, p.A, pair.Num(two["id"]))
			return len(ids(g["sharing_agreement_ids"])) == 0, g["sharing_agreement_ids"]
		})
		pair.Update(t, p.B, pair.Num(g2["id"]), map[string]any{"comment": map[string]any{"body": "B after unsharing"}})
		time.Sleep(300 * time.Millisecond)
		if pair.HasComment(pair.Comments(t, p.B, pair.Num(g1["id"])), "after unsharing") != 0 {
			t.Errorf("a comment made after unsharing reached B")
		}
		if pair.HasComment(pair.Comments(t, p.A, pair.Num(two["id"])), "B after unsharing") != 0 {
			t.Errorf("a comment made after B unshared reached A")
		}
		// Both tickets stay where they are, with their history.
		if pair.HasComment(pair.Comments(t, p.B, pair.Num(g1["id"])), "x") != 1 {
			t.Errorf("B's copy lost its comments after unsharing")
		}
		_ = bid
	})
}
