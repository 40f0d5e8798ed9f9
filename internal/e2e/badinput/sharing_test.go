package badinput_test

import (
	"fmt"
	"net/http"
	"strings"
	"testing"
	"time"

	"parley/internal/app/apptest"
)

// setupSharing makes a partner account with an accepted agreement from
// the default account, and a second, pending one.
func setupSharing(t *testing.T, s *apptest.Server, f *fx) {
	t.Helper()
	partner := s.NewTenant(t, "partner")
	f.partnerHost = partner.Host
	invite := func() (int64, map[string]any) {
		m := mustDo(t, s, f.tn, 201, "POST", "/api/v2/sharing_agreements.json",
			map[string]any{"sharing_agreement": map[string]any{"remote_subdomain": "partner"}})
		ag := m["sharing_agreement"].(map[string]any)
		deadline := time.Now().Add(20 * time.Second)
		for {
			list, _ := mustDo(t, s, partner, 200, "GET", "/api/v2/sharing_agreements.json", nil)["sharing_agreements"].([]any)
			for _, x := range list {
				if in := x.(map[string]any); in["uuid"] == ag["uuid"] {
					return int64(ag["id"].(float64)), in
				}
			}
			if time.Now().After(deadline) {
				t.Fatalf("the invitation did not reach the partner: %v", list)
			}
			time.Sleep(20 * time.Millisecond)
		}
	}
	var in map[string]any
	f.agreement, in = invite()
	mustDo(t, s, partner, 200, "PUT", fmt.Sprintf("/api/v2/sharing_agreements/%d.json", int64(in["id"].(float64))),
		map[string]any{"sharing_agreement": map[string]any{"status": "accepted"}})
	deadline := time.Now().Add(20 * time.Second)
	for mustDo(t, s, f.tn, 200, "GET", fmt.Sprintf("/api/v2/sharing_agreements/%d.json", f.agreement), nil)["sharing_agreement"].(map[string]any)["status"] != "accepted" {
		if time.Now().After(deadline) {
			t.Fatal("the partner's acceptance did not arrive")
		}
		time.Sleep(20 * time.Millisecond)
	}
	f.pendingAgreement, _ = invite()
	f.inboundUUID = in["uuid"].(string)
	f.inboundToken = f.inboundUUID + ":" + strings.Repeat("ab", 20) // a wrong key
}

// sharingCases are the bad requests of the sharing agreements API, of
// sharing_agreement_ids on tickets, and of the NHD protocol on /sharing.
func sharingCases(f fx) []tc {
	u := func(format string, a ...any) string { return fmt.Sprintf(format, a...) }
	ag := func(kv string) string { return `{"sharing_agreement":{` + kv + `}}` }
	agPath := u("/api/v2/sharing_agreements/%d.json", f.agreement)
	ticketPath := u("/api/v2/tickets/%d.json", f.ticket)
	share := func(v string) string { return `{"ticket":{"sharing_agreement_ids":` + v + `}}` }
	out := []tc{
		{name: "agreement root is a list", method: "POST", path: "/api/v2/sharing_agreements.json", body: `{"sharing_agreement":[]}`, status: 422, want: invalid("sharing_agreement")},
		{name: "agreement without partner", method: "POST", path: "/api/v2/sharing_agreements.json", body: ag(`"sync_tags":true`), status: 422, want: invalid("remote_subdomain")},
		{name: "agreement with both partner kinds", method: "POST", path: "/api/v2/sharing_agreements.json", body: ag(`"remote_subdomain":"partner","remote_url":"https://x.example/sharing"`), status: 422, want: invalid("remote_subdomain")},
		{name: "agreement with an unknown subdomain", method: "POST", path: "/api/v2/sharing_agreements.json", body: ag(`"remote_subdomain":"nobody-here"`), status: 422, want: invalid("remote_subdomain")},
		{name: "agreement with itself", method: "POST", path: "/api/v2/sharing_agreements.json", body: ag(`"remote_subdomain":"alpha"`), status: 422, want: invalid("remote_subdomain")},
		{name: "agreement remote_subdomain is a number", method: "POST", path: "/api/v2/sharing_agreements.json", body: ag(`"remote_subdomain":5`), status: 422, want: invalid("remote_subdomain")},
		{name: "agreement remote_url is not http", method: "POST", path: "/api/v2/sharing_agreements.json", body: ag(`"remote_url":"ftp://x.example/sharing"`), status: 422, want: invalid("remote_url")},
		{name: "agreement remote_url is relative", method: "POST", path: "/api/v2/sharing_agreements.json", body: ag(`"remote_url":"/sharing"`), status: 422, want: invalid("remote_url")},
		{name: "agreement remote_url carries credentials", method: "POST", path: "/api/v2/sharing_agreements.json", body: ag(`"remote_url":"https://u:p@x.example/sharing"`), status: 422, want: invalid("remote_url")},
		{name: "agreement remote_url is loopback", method: "POST", path: "/api/v2/sharing_agreements.json", body: ag(`"remote_url":"http://127.0.0.1:9/sharing"`), status: 422, want: invalid("remote_url")},
		{name: "agreement remote_url is the metadata service", method: "POST", path: "/api/v2/sharing_agreements.json", body: ag(`"remote_url":"http://169.254.169.254/sharing"`), status: 422, want: invalid("remote_url")},
		{name: "custom field sync with a third-party system", method: "POST", path: "/api/v2/sharing_agreements.json", body: ag(`"remote_url":"https://rt.example/NoAuth/NHD/1.0","sync_custom_fields":true`), status: 422, want: invalid("sync_custom_fields")},
		{name: "agreement sync_tags is a string", method: "POST", path: "/api/v2/sharing_agreements.json", body: ag(`"remote_subdomain":"partner","sync_tags":"yes"`), status: 422, want: invalid("sync_tags")},
		{name: "agent creates an agreement", method: "POST", path: "/api/v2/sharing_agreements.json", auth: f.agentAuth, body: ag(`"remote_subdomain":"partner"`), status: 403, want: forbidden},
		{name: "end user lists agreements", method: "GET", path: "/api/v2/sharing_agreements.json", auth: f.endUserAuth, status: 403, want: forbidden},
		{name: "agent deactivates an agreement", method: "PUT", path: agPath, auth: f.agentAuth, body: ag(`"status":"inactive"`), status: 403, want: forbidden},
		{name: "agreement status unknown", method: "PUT", path: agPath, body: ag(`"status":"sleeping"`), status: 422, want: invalid("status")},
		{name: "agreement status back to pending", method: "PUT", path: agPath, body: ag(`"status":"pending"`), status: 422, want: invalid("status")},
		{name: "sender accepts its own invitation", method: "PUT", path: u("/api/v2/sharing_agreements/%d.json", f.pendingAgreement), body: ag(`"status":"accepted"`), status: 422, want: invalid("status")},
		{name: "agreement update without status", method: "PUT", path: agPath, body: ag(`"name":"x"`), status: 422, want: invalid("status")},
		{name: "agreement status is a number", method: "PUT", path: agPath, body: ag(`"status":1`), status: 422, want: invalid("status")},
		{name: "unknown agreement", method: "GET", path: "/api/v2/sharing_agreements/999999.json", status: 404, want: exact(notFound)},
		{name: "non-numeric agreement id", method: "GET", path: "/api/v2/sharing_agreements/abc.json", status: 404, want: exact(notFound)},
		{name: "update unknown agreement", method: "PUT", path: "/api/v2/sharing_agreements/999999.json", body: ag(`"status":"inactive"`), status: 404, want: exact(notFound)},
		{name: "delete unknown agreement", method: "DELETE", path: "/api/v2/sharing_agreements/999999.json", status: 404, want: exact(notFound)},

		{name: "sharing_agreement_ids is a string", method: "PUT", path: ticketPath, body: share(`"1"`), status: 422, want: invalid("sharing_agreement_ids")},
		{name: "sharing_agreement_ids holds a string", method: "PUT", path: ticketPath, body: share(`["x"]`), status: 422, want: invalid("sharing_agreement_ids")},
		{name: "share through an unknown agreement", method: "PUT", path: ticketPath, body: share(`[999999]`), status: 422, want: invalid("sharing_agreement_ids")},
		{name: "share through a pending agreement", method: "PUT", path: ticketPath, body: share(u(`[%d]`, f.pendingAgreement)), status: 422, want: invalid("sharing_agreement_ids")},
		{name: "share with two accounts", method: "PUT", path: ticketPath, body: share(u(`[%d,%d]`, f.agreement, f.pendingAgreement)), status: 422, want: invalid("sharing_agreement_ids")},
		{name: "create a ticket shared through an unknown agreement", method: "POST", path: "/api/v2/tickets.json", body: `{"ticket":{"subject":"x","comment":{"body":"x"},"sharing_agreement_ids":[999999]}}`, status: 422, want: invalid("sharing_agreement_ids")},
	}

	// The protocol: no Zendesk credentials, the agreement's token instead.
	uuid := strings.Repeat("1f", 20)
	key := strings.Repeat("2e", 20)
	v1 := http.Header{"X-Ticket-Sharing-Version": {"1"}}
	tok := func(tk string) http.Header {
		return http.Header{"X-Ticket-Sharing-Token": {tk}, "X-Ticket-Sharing-Version": {"1"}}
	}
	invitation := func(kv string) string {
		return `{"uuid":"` + uuid + `","sender_url":"https://s.example/sharing","access_key":"` + key + `"` + kv + `}`
	}
	unauthorized := exact(`{"error":"Couldn't authenticate you"}`)
	out = append(out,
		tc{name: "NHD agreement uuid is not a uuid", method: "POST", path: "/sharing/agreements/not-a-uuid", auth: "none", header: v1, body: invitation(`,"status":"pending"`), status: 422, want: invalid("uuid")},
		tc{name: "NHD agreement body is not JSON", method: "POST", path: "/sharing/agreements/" + uuid, auth: "none", header: v1, body: `{"uuid":`, status: 400, want: plain("BadRequest")},
		tc{name: "NHD agreement body is a list", method: "POST", path: "/sharing/agreements/" + uuid, auth: "none", header: v1, body: `[]`, status: 400, want: plain("BadRequest")},
		tc{name: "NHD agreement uuid differs from the URI", method: "POST", path: "/sharing/agreements/" + strings.Repeat("3d", 20), auth: "none", header: v1, body: invitation(`,"status":"pending"`), status: 422, want: invalid("uuid")},
		tc{name: "NHD new agreement not pending", method: "POST", path: "/sharing/agreements/" + uuid, auth: "none", header: v1, body: invitation(`,"status":"accepted"`), status: 422, want: invalid("status")},
		tc{name: "NHD agreement access key too short", method: "POST", path: "/sharing/agreements/" + uuid, auth: "none", header: v1, body: `{"uuid":"` + uuid + `","sender_url":"https://s.example/sharing","access_key":"abc"}`, status: 422, want: invalid("access_key")},
		tc{name: "NHD agreement without sender_url", method: "POST", path: "/sharing/agreements/" + uuid, auth: "none", header: v1, body: `{"uuid":"` + uuid + `","access_key":"` + key + `"}`, status: 422, want: invalid("sender_url")},
		tc{name: "NHD agreement token disagrees with the body", method: "POST", path: "/sharing/agreements/" + uuid, auth: "none", header: tok(uuid + ":" + strings.Repeat("4c", 20)), body: invitation(""), status: 401, want: unauthorized},
		tc{name: "NHD duplicate agreement uuid", method: "POST", path: "/sharing/agreements/" + f.inboundUUID, auth: "none", host: f.partnerHost, header: v1,
			body: `{"uuid":"` + f.inboundUUID + `","sender_url":"https://s.example/sharing","access_key":"` + key + `"}`, status: 422, want: invalid("uuid")},
		tc{name: "NHD unsupported version", method: "POST", path: "/sharing/agreements/" + uuid, auth: "none", header: http.Header{"X-Ticket-Sharing-Version": {"2"}}, body: invitation(""), status: 412, want: plain("PreconditionFailed")},
		tc{name: "NHD agreement update without a token", method: "PUT", path: "/sharing/agreements/" + f.inboundUUID, auth: "none", host: f.partnerHost, body: `{"status":"inactive"}`, status: 401, want: unauthorized},
		tc{name: "NHD agreement update with a wrong key", method: "PUT", path: "/sharing/agreements/" + f.inboundUUID, auth: "none", host: f.partnerHost, header: tok(f.inboundToken), body: `{"status":"inactive"}`, status: 401, want: unauthorized},
		tc{name: "NHD agreement read with a malformed token", method: "GET", path: "/sharing/agreements/" + f.inboundUUID, auth: "none", host: f.partnerHost, header: tok("nonsense"), status: 401, want: unauthorized},
		tc{name: "NHD ticket without a token", method: "POST", path: "/sharing/tickets/" + uuid, auth: "none", host: f.partnerHost, body: `{"uuid":"` + uuid + `"}`, status: 401, want: unauthorized},
		tc{name: "NHD ticket with a wrong key", method: "PUT", path: "/sharing/tickets/" + uuid, auth: "none", host: f.partnerHost, header: tok(f.inboundToken), body: `{"uuid":"` + uuid + `"}`, status: 401, want: unauthorized},
		tc{name: "NHD ticket uuid is not a uuid", method: "DELETE", path: "/sharing/tickets/xyz", auth: "none", host: f.partnerHost, header: tok(f.inboundToken), status: 422, want: invalid("uuid")},
		tc{name: "NHD unknown account", method: "POST", path: "/sharing/agreements/" + uuid, auth: "none", host: "nobody." + apptest.BaseDomain, body: invitation(""), status: 404, want: anyError},
	)
	return out
}
