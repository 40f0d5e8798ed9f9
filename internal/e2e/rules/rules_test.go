// Package rules_test drives business rules through the whole server: a
// trigger made over the API fires on a new ticket and calls a webhook
// (signed, delivered by the job queue to a real HTTP receiver), an event
// subscription hears the creation, macro_ids fill placeholders, the hourly
// automation closes a solved ticket, and the default views list work.
package rules_test

import (
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"parley/internal/app/apptest"
)

type call struct {
	Header http.Header
	Body   []byte
}

// receiver is a webhook target on loopback that keeps what it gets.
type receiver struct {
	mu    sync.Mutex
	calls []call
	srv   *httptest.Server
}

func newReceiver(t *testing.T) *receiver {
	r := &receiver{}
	r.srv = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, req *http.Request) {
		b, _ := io.ReadAll(req.Body)
		r.mu.Lock()
		r.calls = append(r.calls, call{Header: req.Header.Clone(), Body: b})
		r.mu.Unlock()
		w.WriteHeader(http.StatusOK)
	}))
	t.Cleanup(r.srv.Close)
	return r
}

func (r *receiver) wait(t *testing.T, match func(call) bool) call {
	t.Helper()
	deadline := time.Now().Add(20 * time.Second)
	for time.Now().Before(deadline) {
		r.mu.Lock()
		for _, c := range r.calls {
			if match(c) {
				r.mu.Unlock()
				return c
			}
		}
		r.mu.Unlock()
		time.Sleep(50 * time.Millisecond)
	}
	t.Fatalf("webhook receiver: no matching call within 20s (%d calls)", len(r.calls))
	return call{}
}

type client struct {
	t  *testing.T
	s  *apptest.Server
	tn apptest.Tenant
}

func (c client) do(method, path string, body any, want int) map[string]any {
	c.t.Helper()
	res := c.s.Do(c.t, apptest.Request{Method: method, Path: path, Host: c.tn.Host, Auth: c.tn.TokenAuth(), Body: body})
	if res.Status != want {
		c.t.Fatalf("%s %s: %d, want %d: %s", method, path, res.Status, want, res.Body)
	}
	if len(res.Body) == 0 {
		return nil
	}
	return res.JSON(c.t)
}

func obj(m map[string]any, key string) map[string]any {
	o, _ := m[key].(map[string]any)
	return o
}

func TestTriggerCallsSignedWebhook(t *testing.T) {
	apptest.Each(t, func(t *testing.T, s *apptest.Server) {
		c := client{t, s, s.Default}
		rcv := newReceiver(t)
		wh := obj(c.do("POST", "/api/v2/webhooks.json", map[string]any{"webhook": map[string]any{
			"name": "Escalations", "endpoint": rcv.srv.URL + "/hook", "http_method": "POST", "request_format": "json",
			"status": "active", "subscriptions": []string{"conditional_ticket_events"}}}, 201), "webhook")
		whID, _ := wh["id"].(string)
		secret, _ := obj(c.do("GET", "/api/v2/webhooks/"+whID+"/signing_secret.json", nil, 200), "signing_secret")["secret"].(string)
		events := obj(c.do("POST", "/api/v2/webhooks.json", map[string]any{"webhook": map[string]any{
			"name": "Created feed", "endpoint": rcv.srv.URL + "/events", "http_method": "POST", "request_format": "json",
			"status": "active", "subscriptions": []string{"zen:event-type:ticket.created"}}}, 201), "webhook")
		if events["id"] == nil {
			t.Fatal("event webhook not created")
		}

		trig := obj(c.do("POST", "/api/v2/triggers.json", map[string]any{"trigger": map[string]any{
			"title": "Escalate VIPs",
			"conditions": map[string]any{"all": []any{
				map[string]any{"field": "update_type", "value": "Create"},
				map[string]any{"field": "current_tags", "operator": "includes", "value": "vip"}}},
			"actions": []any{
				map[string]any{"field": "priority", "value": "urgent"},
				map[string]any{"field": "notification_webhook", "value": []any{whID,
					`{"ticket":"{{ticket.id}}","title":"{{ticket.title}}"}`}}}}}, 201), "trigger")
		trigID := int64(trig["id"].(float64))

		// A ticket without the tag does not fire it.
		plain := obj(c.do("POST", "/api/v2/tickets.json", map[string]any{"ticket": map[string]any{
			"subject": "Ordinary", "comment": map[string]any{"body": "hello"}}}, 201), "ticket")
		if plain["priority"] != nil {
			t.Fatalf("untagged ticket priority = %v, want none", plain["priority"])
		}
		tk := obj(c.do("POST", "/api/v2/tickets.json", map[string]any{"ticket": map[string]any{
			"subject": "Board member locked out", "tags": []string{"vip"}, "comment": map[string]any{"body": "help"}}}, 201), "ticket")
		id := int64(tk["id"].(float64))
		if tk["priority"] != "urgent" {
			t.Fatalf("priority = %v, want urgent from the trigger", tk["priority"])
		}

		got := rcv.wait(t, func(cl call) bool {
			return cl.Header.Get("X-Zendesk-Webhook-Id") == whID && strings.Contains(string(cl.Body), "Board member")
		})
		var body map[string]string
		if err := json.Unmarshal(got.Body, &body); err != nil || body["ticket"] != fmt.Sprint(id) {
			t.Fatalf("webhook body = %s (%v), want the rendered ticket id %d", got.Body, err, id)
		}
		ts := got.Header.Get("X-Zendesk-Webhook-Signature-Timestamp")
		mac := hmac.New(sha256.New, []byte(secret))
		mac.Write([]byte(ts))
		mac.Write(got.Body)
		if want := base64.StdEncoding.EncodeToString(mac.Sum(nil)); got.Header.Get("X-Zendesk-Webhook-Signature") != want {
			t.Fatalf("signature %q does not verify with the signing secret (want %q)", got.Header.Get("X-Zendesk-Webhook-Signature"), want)
		}
		if got.Header.Get("X-Zendesk-Webhook-Id") != whID {
			t.Errorf("X-Zendesk-Webhook-Id = %q, want %q", got.Header.Get("X-Zendesk-Webhook-Id"), whID)
		}

		// The event subscription heard both creations.
		ev := rcv.wait(t, func(cl call) bool {
			return strings.Contains(string(cl.Body), "ticket.created") && strings.Contains(string(cl.Body), fmt.Sprintf(`"zen:ticket:%d"`, id))
		})
		var env map[string]any
		if err := json.Unmarshal(ev.Body, &env); err != nil || env["type"] != "zen:event-type:ticket.created" {
			t.Fatalf("event body = %s", ev.Body)
		}

		// The audit names the trigger as the source of the priority change.
		audits := c.do("GET", fmt.Sprintf("/api/v2/tickets/%d/audits.json", id), nil, 200)["audits"].([]any)
		found := false
		for _, a := range audits {
			for _, e := range obj(map[string]any{"a": a}, "a")["events"].([]any) {
				ev := e.(map[string]any)
				via := obj(ev, "via")
				src := obj(via, "source")
				from := obj(src, "from")
				if ev["field_name"] == "priority" && ev["value"] == "urgent" && via["channel"] == "rule" &&
					src["rel"] == "trigger" && int64(from["id"].(float64)) == trigID {
					found = true
				}
			}
		}
		if !found {
			t.Fatalf("no priority Change event with the trigger %d as source in %v", trigID, audits)
		}
		// The invocation is logged as a success.
		inv := c.do("GET", "/api/v2/webhooks/"+whID+"/invocations.json", nil, 200)["invocations"].([]any)
		if len(inv) != 1 {
			t.Fatalf("invocations = %v, want 1", inv)
		}
	}, apptest.WithWebhookAllow("127.0.0.1"))
}

func TestMacroIDsFillPlaceholders(t *testing.T) {
	apptest.Each(t, func(t *testing.T, s *apptest.Server) {
		c := client{t, s, s.Default}
		m := obj(c.do("POST", "/api/v2/macros.json", map[string]any{"macro": map[string]any{
			"title": "Ask for details", "actions": []any{
				map[string]any{"field": "status", "value": "pending"},
				map[string]any{"field": "comment_value", "value": "Hi {{ticket.requester.first_name}}, about {{ticket.title}}: which model?"},
			}}}, 201), "macro")
		tk := obj(c.do("POST", "/api/v2/tickets.json", map[string]any{"ticket": map[string]any{
			"subject": "Printer jam", "requester": map[string]any{"name": "Carla Customer", "email": "carla@example.org"},
			"comment": map[string]any{"body": "It jams."}}}, 201), "ticket")
		id := int64(tk["id"].(float64))
		// The preview changes nothing.
		prev := obj(c.do("GET", fmt.Sprintf("/api/v2/tickets/%d/macros/%v/apply.json", id, m["id"]), nil, 200), "result")
		if obj(prev, "ticket")["status"] != "pending" {
			t.Fatalf("apply preview = %v, want status pending", prev)
		}
		if got := obj(c.do("GET", fmt.Sprintf("/api/v2/tickets/%d.json", id), nil, 200), "ticket")["status"]; got != "new" {
			t.Fatalf("status after preview = %v, want new (unchanged)", got)
		}
		up := obj(c.do("PUT", fmt.Sprintf("/api/v2/tickets/%d.json", id), map[string]any{"ticket": map[string]any{
			"macro_ids": []any{m["id"]}}}, 200), "ticket")
		if up["status"] != "pending" {
			t.Fatalf("status after macro = %v, want pending", up["status"])
		}
		cs := c.do("GET", fmt.Sprintf("/api/v2/tickets/%d/comments.json", id), nil, 200)["comments"].([]any)
		last := cs[len(cs)-1].(map[string]any)
		if last["body"] != "Hi Carla, about Printer jam: which model?" {
			t.Fatalf("macro comment = %q, want the placeholders filled", last["body"])
		}
		// An unknown macro is refused and changes nothing.
		c.do("PUT", fmt.Sprintf("/api/v2/tickets/%d.json", id), map[string]any{"ticket": map[string]any{
			"macro_ids": []any{999999}, "status": "open"}}, 422)
		if got := obj(c.do("GET", fmt.Sprintf("/api/v2/tickets/%d.json", id), nil, 200), "ticket")["status"]; got != "pending" {
			t.Fatalf("status after a refused macro = %v, want pending", got)
		}
	})
}

func TestAutomationAndDefaultViews(t *testing.T) {
	apptest.Each(t, func(t *testing.T, s *apptest.Server) {
		c := client{t, s, s.Default}
		views := c.do("GET", "/api/v2/views.json", nil, 200)["views"].([]any)
		titles := map[string]int64{}
		for _, v := range views {
			vm := v.(map[string]any)
			titles[vm["title"].(string)] = int64(vm["id"].(float64))
		}
		for _, want := range []string{"Your unsolved tickets", "Unassigned tickets", "All unsolved tickets",
			"Recently updated tickets", "Pending tickets", "Recently solved tickets"} {
			if titles[want] == 0 {
				t.Errorf("default view %q missing (have %v)", want, titles)
			}
		}
		open := obj(c.do("POST", "/api/v2/tickets.json", map[string]any{"ticket": map[string]any{
			"subject": "Still open", "comment": map[string]any{"body": "x"}}}, 201), "ticket")
		done := obj(c.do("POST", "/api/v2/tickets.json", map[string]any{"ticket": map[string]any{
			"subject": "Done soon", "comment": map[string]any{"body": "x"}}}, 201), "ticket")
		doneID := int64(done["id"].(float64))
		c.do("PUT", fmt.Sprintf("/api/v2/tickets/%d.json", doneID), map[string]any{"ticket": map[string]any{"status": "solved"}}, 200)

		ex := c.do("GET", fmt.Sprintf("/api/v2/views/%d/execute.json", titles["All unsolved tickets"]), nil, 200)
		ids := map[int64]bool{}
		for _, r := range ex["rows"].([]any) {
			ids[int64(obj(r.(map[string]any), "ticket")["id"].(float64))] = true
		}
		if !ids[int64(open["id"].(float64))] || ids[doneID] {
			t.Fatalf("All unsolved rows = %v, want the open ticket and not the solved one", ids)
		}
		cnt := obj(c.do("GET", fmt.Sprintf("/api/v2/views/%d/count.json", titles["Recently solved tickets"]), nil, 200), "view_count")
		if cnt["value"] != float64(1) {
			t.Fatalf("Recently solved count = %v, want 1", cnt["value"])
		}

		// The hourly automation: nothing before 96 hours, closed after.
		ctx := context.Background()
		if n, err := s.App.Triggers.RunAutomations(ctx, s.Default.AccountID, time.Now().Add(95*time.Hour)); err != nil || n != 0 {
			t.Fatalf("automations at 95h: %d %v, want 0", n, err)
		}
		if n, err := s.App.Triggers.RunAutomations(ctx, s.Default.AccountID, time.Now().Add(97*time.Hour)); err != nil || n != 1 {
			t.Fatalf("automations at 97h: %d %v, want 1", n, err)
		}
		if st := obj(c.do("GET", fmt.Sprintf("/api/v2/tickets/%d.json", doneID), nil, 200), "ticket")["status"]; st != "closed" {
			t.Fatalf("status after the automation = %v, want closed", st)
		}
		audits := c.do("GET", fmt.Sprintf("/api/v2/tickets/%d/audits.json", doneID), nil, 200)["audits"].([]any)
		last := audits[len(audits)-1].(map[string]any)
		if obj(last, "via")["channel"] != "rule" || obj(obj(last, "via"), "source")["rel"] != "automation" {
			t.Fatalf("automation audit via = %v, want rule/automation", last["via"])
		}
	})
}
