// Package sharing_test drives ticket sharing (seed 003) end to end, each
// test twice per dialect: between two accounts of one installation and
// between two Parley processes on different loopback ports.
package sharing_test

import (
	"encoding/base64"
	"fmt"
	"net/http"
	"strings"
	"testing"
	"time"

	"parley/internal/app/apptest"
	"parley/internal/e2e/sharing/pair"
	"parley/internal/platform/mail/mailtest"
)

func agreementPath(id int64) string { return fmt.Sprintf("/api/v2/sharing_agreements/%d.json", id) }

func setStatus(status string) map[string]any {
	return map[string]any{"sharing_agreement": map[string]any{"status": status}}
}

// The agreement flow: the sender sets the terms, the receiver sees them
// and accepts, declines or decides later; declined senders may invite
// again; only admins configure sharing; agreements are one-way.
func TestAgreements(t *testing.T) {
	pair.Each(t, func(t *testing.T, p *pair.Pair) {
		terms := map[string]any{"allows_public_comments": false, "sync_tags": true, "sync_custom_fields": true}
		mine, theirs := p.Invite(t, p.A, p.B, terms)
		if theirs["type"] != "inbound" || theirs["status"] != "pending" {
			t.Fatalf("B sees %v; want an inbound pending invitation", theirs)
		}
		for k, v := range terms {
			if theirs[k] != v {
				t.Errorf("B sees %s = %v; want the sender's term %v", k, theirs[k], v)
			}
		}
		if p.Mode == "local" && theirs["remote_subdomain"] != p.A.T.Subdomain {
			t.Errorf("B's remote_subdomain = %v; want %s", theirs["remote_subdomain"], p.A.T.Subdomain)
		}
		aid, bid := pair.Num(mine["id"]), pair.Num(theirs["id"])

		// Deciding later is leaving it pending: nothing changes on A.
		if got := pair.Agreement(t, p.A, aid)["status"]; got != "pending" {
			t.Errorf("A's agreement before B decides = %v; want pending", got)
		}
		// Only the receiver accepts; only admins configure sharing.
		p.A.Do(t, "PUT", agreementPath(aid), setStatus("accepted"), http.StatusUnprocessableEntity)
		agent := p.A.Do(t, "POST", "/api/v2/users.json", map[string]any{"user": map[string]any{"name": "Ann Agent",
			"email": "ann@a.example", "role": "agent", "password": "agent-password-1"}}, http.StatusCreated)
		_ = agent
		r := p.A.S.Do(t, requestAs(p.A, "ann@a.example", "agent-password-1", "POST", "/api/v2/sharing_agreements.json",
			map[string]any{"sharing_agreement": p.Target(p.B)}))
		if r.Status != http.StatusForbidden {
			t.Errorf("an agent creating an agreement: %d %s; want 403", r.Status, r.Body)
		}
		r = p.A.S.Do(t, requestAs(p.A, "ann@a.example", "agent-password-1", "GET", "/api/v2/sharing_agreements.json", nil))
		if r.Status != http.StatusOK {
			t.Errorf("an agent listing agreements: %d; want 200", r.Status)
		}

		// B declines; A sees it and may invite again later.
		p.B.Do(t, "PUT", agreementPath(bid), setStatus("declined"), http.StatusOK)
		pair.WaitStatus(t, p.A, aid, "declined")
		p.B.Do(t, "PUT", agreementPath(bid), setStatus("accepted"), http.StatusUnprocessableEntity)
		again, theirs2 := p.Invite(t, p.A, p.B, nil)
		if theirs2["status"] != "pending" || theirs2["uuid"] == theirs["uuid"] {
			t.Fatalf("a second invitation after a decline = %v; want a new pending agreement", theirs2)
		}
		p.B.Do(t, "PUT", agreementPath(pair.Num(theirs2["id"])), setStatus("accepted"), http.StatusOK)
		pair.WaitStatus(t, p.A, pair.Num(again["id"]), "accepted")

		// One-way: B cannot share through the agreement it received.
		bt := pair.Ticket(t, p.B, map[string]any{"subject": "B's own", "comment": map[string]any{"body": "x"}})
		r = p.B.Try(t, "PUT", fmt.Sprintf("/api/v2/tickets/%d.json", pair.Num(bt["id"])),
			map[string]any{"ticket": map[string]any{"sharing_agreement_ids": []int64{pair.Num(theirs2["id"])}}})
		if r.Status != http.StatusUnprocessableEntity || !strings.Contains(string(r.Body), "sharing_agreement_ids") {
			t.Errorf("B sharing through an inbound agreement: %d %s; want 422 on sharing_agreement_ids", r.Status, r.Body)
		}

		// Every agreement is listed, declined ones too.
		list, _ := p.B.Do(t, "GET", "/api/v2/sharing_agreements.json", nil, http.StatusOK)["sharing_agreements"].([]any)
		statuses := map[string]int{}
		for _, a := range list {
			statuses[a.(map[string]any)["status"].(string)]++
		}
		if statuses["declined"] != 1 || statuses["accepted"] != 1 {
			t.Errorf("B's agreements by status = %v; want one declined and one accepted", statuses)
		}
	})
}

func requestAs(x pair.Side, email, password, method, path string, body any) apptest.Request {
	auth := "Basic " + base64.StdEncoding.EncodeToString([]byte(email+":"+password))
	return apptest.Request{Method: method, Path: path, Host: x.T.Host, Auth: auth, Body: body}
}

// "Decline all sharing invitations": the account is not told, and the
// sender sees the invitation declined.
func TestDeclineAll(t *testing.T) {
	pair.Each(t, func(t *testing.T, p *pair.Pair) {
		p.B.Do(t, "PUT", "/api/v2/account/settings.json", map[string]any{"settings": map[string]any{
			"ticket_sharing": map[string]any{"decline_invitations": true}}}, http.StatusOK)
		mine := pair.Obj(t, p.A.Do(t, "POST", "/api/v2/sharing_agreements.json",
			map[string]any{"sharing_agreement": p.Target(p.B)}, http.StatusCreated), "sharing_agreement")
		pair.WaitStatus(t, p.A, pair.Num(mine["id"]), "declined")
		list, _ := p.B.Do(t, "GET", "/api/v2/sharing_agreements.json", nil, http.StatusOK)["sharing_agreements"].([]any)
		if len(list) != 0 {
			t.Errorf("B was told about %v; with decline_invitations it should not be", list)
		}
	})
}

// Either side deactivates at any time: the partner's admins get an email,
// the agreement shows inactive, shared tickets stop syncing, no new ones
// can be shared, and it cannot be reactivated.
func TestDeactivate(t *testing.T) {
	pair.Each(t, func(t *testing.T, p *pair.Pair) {
		aid, bid := p.Connect(t, nil)
		tk := pair.Ticket(t, p.A, map[string]any{"subject": "Before the end", "comment": map[string]any{"body": "first"}})
		id := pair.Num(tk["id"])
		pair.Share(t, p.A, id, aid)
		got := pair.Received(t, p.B, "Before the end")

		p.B.Do(t, "PUT", agreementPath(bid), setStatus("inactive"), http.StatusOK)
		a := pair.WaitStatus(t, p.A, aid, "inactive")
		if a["deactivated_by"] != "receiver" {
			t.Errorf("A's agreement deactivated_by = %v; want receiver", a["deactivated_by"])
		}
		if b := pair.Agreement(t, p.B, bid); b["status"] != "inactive" || b["deactivated_by"] != "receiver" {
			t.Errorf("B's agreement = %v; want inactive, deactivated by the receiver", b)
		}
		mail := p.A.Mail.Wait(t, 20*time.Second, func(m mailtest.Message) bool {
			return mailtest.To(p.A.T.Email)(m) && strings.Contains(m.Header.Get("Subject"), "deactivated")
		})
		if !strings.Contains(mail.Body, "no longer sync") {
			t.Errorf("deactivation mail body = %q; want it to say shared tickets no longer sync", mail.Body)
		}

		// Shared tickets stop syncing both ways.
		pair.Update(t, p.A, id, map[string]any{"comment": map[string]any{"body": "after the end", "public": true}})
		pair.Update(t, p.B, pair.Num(got["id"]), map[string]any{"comment": map[string]any{"body": "B after the end"}})
		time.Sleep(300 * time.Millisecond) // deliveries run every few ms; give a wrong one the time to land
		if n := pair.HasComment(pair.Comments(t, p.B, pair.Num(got["id"])), "after the end"); n != 0 {
			t.Errorf("B received a comment after deactivation")
		}
		if n := pair.HasComment(pair.Comments(t, p.A, id), "B after the end"); n != 0 {
			t.Errorf("A received a comment after deactivation")
		}
		// No new tickets; no reactivation.
		tk2 := pair.Ticket(t, p.A, map[string]any{"subject": "After the end", "comment": map[string]any{"body": "x"}})
		r := p.A.Try(t, "PUT", fmt.Sprintf("/api/v2/tickets/%d.json", pair.Num(tk2["id"])),
			map[string]any{"ticket": map[string]any{"sharing_agreement_ids": []int64{aid}}})
		if r.Status != http.StatusUnprocessableEntity {
			t.Errorf("sharing under an inactive agreement: %d %s; want 422", r.Status, r.Body)
		}
		p.A.Do(t, "PUT", agreementPath(aid), setStatus("accepted"), http.StatusUnprocessableEntity)
		p.B.Do(t, "PUT", agreementPath(bid), setStatus("accepted"), http.StatusUnprocessableEntity)
		// A new invitation is possible.
		p.Invite(t, p.A, p.B, nil)
	})
}

// Renaming an account in an agreement breaks the agreement, visibly.
func TestRenameBreaksAgreement(t *testing.T) {
	pair.Each(t, func(t *testing.T, p *pair.Pair) {
		aid, bid := p.Connect(t, nil)
		p.A.Do(t, "PUT", "/api/v2/account.json", map[string]any{"account": map[string]any{"subdomain": "alpha-renamed"}}, http.StatusOK)
		renamed := p.A
		renamed.T.Host = "alpha-renamed." + apptest.BaseDomain
		a := pair.Agreement(t, renamed, aid)
		if a["status"] != "configuration_error" || !strings.Contains(fmt.Sprint(a["failure"]), "alpha-renamed") {
			t.Errorf("A's agreement after renaming A = %v; want configuration_error naming the new subdomain", a)
		}
		want := "configuration_error"
		if p.Mode == "remote" {
			want = "inactive" // another installation hears it through the protocol
		}
		pair.WaitStatus(t, p.B, bid, want)
		// B has heard it: the message's delivery must not have cleared why
		// A's agreement broke.
		if a := pair.Agreement(t, renamed, aid); a["status"] != "configuration_error" || !strings.Contains(fmt.Sprint(a["failure"]), "alpha-renamed") {
			t.Errorf("A's agreement once B was told = %v; want configuration_error naming the new subdomain", a)
		}
	})
}
