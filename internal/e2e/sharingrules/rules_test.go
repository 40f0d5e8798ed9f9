// Package sharingrules_test drives what ticket sharing (seed 003) means for
// the rest of the help desk, end to end: business rules that share tickets
// and react to shared ones, custom fields kept in step between partners,
// and attachments. Each test runs on every dialect, between two accounts of
// one installation and between two Parley processes (see package pair).
package sharingrules_test

import (
	"fmt"
	"net/http"
	"slices"
	"testing"
	"time"

	"parley/internal/e2e/sharing/pair"
)

// A trigger's share_ticket action shares a new ticket: the ticket lists
// the agreement, its audit records the sharing, and the partner receives
// it. A ticket the conditions do not match stays home.
func TestTriggerSharesTicket(t *testing.T) {
	pair.Each(t, func(t *testing.T, p *pair.Pair) {
		aid, bid := p.Connect(t, nil)
		trigger(t, p.A, "Share partner tickets",
			[]map[string]any{cond("update_type", "is", "Create"), cond("current_tags", "includes", "partner")},
			[]map[string]any{action("share_ticket", idStr(aid))})

		home := pair.Ticket(t, p.A, map[string]any{"subject": "Stays home", "comment": map[string]any{"body": "ours"}})
		tk := pair.Ticket(t, p.A, map[string]any{"subject": "For the partner", "tags": []string{"partner"},
			"comment": map[string]any{"body": "theirs"}})
		id := pair.Num(tk["id"])

		got := pair.Get(t, p.A, id)
		if s := ids(got["sharing_agreement_ids"]); !slices.Equal(s, []int64{aid}) {
			t.Errorf("A's ticket sharing_agreement_ids = %v; want [%d] (shared by the trigger)", s, aid)
		}
		var found bool
		for _, a := range audits(t, p.A, id) {
			for _, e := range events(a) {
				if e["type"] == "TicketSharingEvent" && pair.Num(e["agreement_id"]) == aid && e["action"] == "shared" {
					found = true
				}
			}
		}
		if !found {
			t.Errorf("A's audits of ticket %d have no TicketSharingEvent {agreement_id: %d, action: shared}: %v",
				id, aid, audits(t, p.A, id))
		}

		rec := pair.Received(t, p.B, "For the partner")
		if s := ids(pair.Get(t, p.B, pair.Num(rec["id"]))["sharing_agreement_ids"]); !slices.Contains(s, bid) {
			t.Errorf("B's received ticket sharing_agreement_ids = %v; want it to list B's agreement %d", s, bid)
		}

		if s := ids(pair.Get(t, p.A, pair.Num(home["id"]))["sharing_agreement_ids"]); len(s) != 0 {
			t.Errorf("the untagged ticket was shared through %v; the trigger's conditions do not match it", s)
		}
		time.Sleep(quiet)
		if n := countSubject(t, p.B, "Stays home"); n != 0 {
			t.Errorf("B received the untagged ticket (%d copies); only the tagged one was shared", n)
		}
	})
}

// countSubject counts side x's tickets with subject.
func countSubject(t *testing.T, x pair.Side, subject string) int {
	t.Helper()
	list, _ := x.Do(t, "GET", "/api/v2/tickets.json", nil, http.StatusOK)["tickets"].([]any)
	n := 0
	for _, tk := range list {
		if tk.(map[string]any)["subject"] == subject {
			n++
		}
	}
	return n
}

// The receiver's triggers see shared tickets: "Channel is Ticket sharing"
// (via_id 31) and "Received from <partner>" fire on a received ticket, and
// "Update via is Ticket sharing" (current_via_id 31) on a partner's
// update; none of them fires on the receiver's own tickets and updates.
func TestTriggersOnReceivedTicket(t *testing.T) {
	pair.Each(t, func(t *testing.T, p *pair.Pair) {
		aid, bid := p.Connect(t, nil)
		trigger(t, p.B, "Tag shared tickets",
			[]map[string]any{cond("update_type", "is", "Create"), cond("via_id", "is", 31)},
			[]map[string]any{action("current_tags", "from_partner")})
		trigger(t, p.B, "Prioritise A's tickets",
			[]map[string]any{cond("update_type", "is", "Create"), cond("received_from", "is", idStr(bid))},
			[]map[string]any{action("priority", "high")})
		trigger(t, p.B, "Note partner updates",
			[]map[string]any{cond("update_type", "is", "Change"), cond("current_via_id", "is", 31)},
			[]map[string]any{action("current_tags", "partner_updated")})

		own := pair.Ticket(t, p.B, map[string]any{"subject": "B's own", "comment": map[string]any{"body": "ours"}})
		ownID := pair.Num(own["id"])
		pair.Update(t, p.B, ownID, map[string]any{"comment": map[string]any{"body": "B's own update"}})
		own = pair.Get(t, p.B, ownID)
		if tg := tags(own); slices.Contains(tg, "from_partner") || slices.Contains(tg, "partner_updated") {
			t.Errorf("B's own ticket has tags %v; the via_id/current_via_id 31 triggers must not fire on it", tg)
		}
		if own["priority"] == "high" {
			t.Errorf("B's own ticket has priority high; the received_from trigger must not fire on it")
		}

		aID, bID := shared(t, p, aid, "Camera broken", nil)
		got := pair.Get(t, p.B, bID)
		if tg := tags(got); !slices.Contains(tg, "from_partner") {
			t.Errorf("B's received ticket has tags %v; want from_partner (trigger on via_id is 31)", tg)
		}
		if got["priority"] != "high" {
			t.Errorf("B's received ticket has priority %v; want high (trigger on received_from is %d)", got["priority"], bid)
		}
		if tg := tags(got); slices.Contains(tg, "partner_updated") {
			t.Errorf("B's received ticket has tags %v at creation; the Change trigger must wait for an update", tg)
		}

		pair.Update(t, p.A, aID, map[string]any{"comment": map[string]any{"body": "more details", "public": true}})
		waitComment(t, p.B, bID, "more details")
		pair.Eventually(t, "B's trigger on current_via_id 31 to tag the partner's update", func() (bool, any) {
			tg := tags(pair.Get(t, p.B, bID))
			return slices.Contains(tg, "partner_updated"), tg
		})
	})
}

// Views list shared tickets: "Received from" and "Channel is Ticket
// sharing" on the receiver show the received ticket and none of its own;
// "Sent to" on the sender shows the shared ticket and none it kept. An
// automation may use the sharing conditions too.
func TestViewsOfSharedTickets(t *testing.T) {
	pair.Each(t, func(t *testing.T, p *pair.Pair) {
		aid, bid := p.Connect(t, nil)
		unsolved := cond("status", "less_than", "solved")
		fromA := view(t, p.B, "Received from A", []map[string]any{unsolved, cond("received_from", "is", idStr(bid))})
		withMe := view(t, p.B, "Tickets shared with me", []map[string]any{unsolved, cond("via_id", "is", 31)})
		toB := view(t, p.A, "Sent to B", []map[string]any{unsolved, cond("sent_to", "is", idStr(aid))})

		kept := pair.Num(pair.Ticket(t, p.A, map[string]any{"subject": "Kept home", "comment": map[string]any{"body": "x"}})["id"])
		own := pair.Num(pair.Ticket(t, p.B, map[string]any{"subject": "B's own", "comment": map[string]any{"body": "x"}})["id"])
		aID, bID := shared(t, p, aid, "Shared out", nil)

		for _, v := range []struct {
			side pair.Side
			name string
			id   int64
			want int64
			not  int64
		}{{p.B, "received_from", fromA, bID, own}, {p.B, "via_id 31", withMe, bID, own}, {p.A, "sent_to", toB, aID, kept}} {
			if got := viewTickets(t, v.side, v.id); !slices.Equal(got, []int64{v.want}) {
				t.Errorf("%s's view on %s lists %v; want only ticket %d (not %d)", v.side.Name, v.name, got, v.want, v.not)
			}
		}

		auto := pair.Obj(t, p.B.Do(t, "POST", "/api/v2/automations.json", map[string]any{"automation": map[string]any{
			"title": "Chase stale shared tickets",
			"conditions": map[string]any{"all": []map[string]any{cond("status", "is", "open"),
				cond("OPEN", "greater_than", "24"), cond("received_from", "is", idStr(bid)),
				cond("current_tags", "not_includes", "stale_shared")}, "any": []any{}},
			"actions": []map[string]any{action("current_tags", "stale_shared")}}}, http.StatusCreated), "automation")
		all, _ := pair.Obj(t, auto, "conditions")["all"].([]any)
		var echoed bool
		for _, c := range all {
			if m := c.(map[string]any); m["field"] == "received_from" && fmt.Sprint(m["value"]) == idStr(bid) {
				echoed = true
			}
		}
		if !echoed {
			t.Errorf("the automation's conditions %v do not keep received_from is %d", all, bid)
		}
		r := p.B.Try(t, "POST", "/api/v2/automations.json", map[string]any{"automation": map[string]any{
			"title": "Bad agreement",
			"conditions": map[string]any{"all": []map[string]any{cond("status", "is", "open"),
				cond("OPEN", "greater_than", "24"), cond("received_from", "is", "not-an-agreement"),
				cond("current_tags", "not_includes", "stale_shared")}, "any": []any{}},
			"actions": []map[string]any{action("current_tags", "stale_shared")}}})
		if r.Status != http.StatusUnprocessableEntity {
			t.Errorf("an automation with received_from \"not-an-agreement\": %d %s; want 422", r.Status, r.Body)
		}
	})
}

// A received ticket comes in over the ticket_sharing channel, and so does
// every update the partner makes, in both directions; the side's own
// updates do not.
func TestSharingVia(t *testing.T) {
	pair.Each(t, func(t *testing.T, p *pair.Pair) {
		aid, _ := p.Connect(t, nil)
		aID, bID := shared(t, p, aid, "Via check", nil)
		if ch := viaChannel(pair.Get(t, p.B, bID)); ch != "ticket_sharing" {
			t.Errorf("B's received ticket via.channel = %v; want ticket_sharing", ch)
		}

		pair.Update(t, p.A, aID, map[string]any{"comment": map[string]any{"body": "from A", "public": true}})
		waitComment(t, p.B, bID, "from A")
		if ch := commentAuditVia(t, p.B, bID, "from A"); ch != "ticket_sharing" {
			t.Errorf("B's audit of A's update has via.channel %v; want ticket_sharing", ch)
		}

		pair.Update(t, p.B, bID, map[string]any{"comment": map[string]any{"body": "from B", "public": false}})
		waitComment(t, p.A, aID, "from B")
		if ch := commentAuditVia(t, p.A, aID, "from B"); ch != "ticket_sharing" {
			t.Errorf("A's audit of B's update has via.channel %v; want ticket_sharing", ch)
		}
		if ch := commentAuditVia(t, p.B, bID, "from B"); ch == "ticket_sharing" {
			t.Errorf("B's audit of its own update has via.channel %v; only the partner's updates come via ticket_sharing", ch)
		}
	})
}

// commentAuditVia is the via channel of the audit on ticket id of side x
// that added the comment containing text.
func commentAuditVia(t *testing.T, x pair.Side, id int64, text string) any {
	t.Helper()
	c := waitComment(t, x, id, text)
	for _, a := range audits(t, x, id) {
		for _, e := range events(a) {
			if e["type"] == "Comment" && pair.Num(e["id"]) == pair.Num(c["id"]) {
				return viaChannel(a)
			}
		}
	}
	t.Fatalf("no audit of %s's ticket %d adds comment %v", x.Name, id, c["id"])
	return nil
}
