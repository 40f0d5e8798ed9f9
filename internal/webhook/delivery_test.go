package webhook_test

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"errors"
	"net"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/riverqueue/river"

	"parley/internal/platform/db"
	"parley/internal/platform/db/dbtest"
	"parley/internal/webhook"
)

// receiverValid checks a request's signature exactly as a receiver does:
// base64(HMAC-SHA256(secret, timestamp + raw body)).
func receiverValid(secret string, r seen) bool {
	ts := r.Header.Get("X-Zendesk-Webhook-Signature-Timestamp")
	m := hmac.New(sha256.New, []byte(secret))
	m.Write([]byte(ts))
	m.Write(r.Body)
	want := base64.StdEncoding.EncodeToString(m.Sum(nil))
	got := r.Header.Get("X-Zendesk-Webhook-Signature")
	return ts != "" && hmac.Equal([]byte(got), []byte(want))
}

// eventHook creates a webhook subscribed to user.created at endpoint.
func (e *env) eventHook(t *testing.T, endpoint string, extra ...any) string {
	t.Helper()
	return e.create(t, hook("events", endpoint, append([]any{"subscriptions", []string{"zen:event-type:user.created"}}, extra...)...))["id"].(string)
}

// publish publishes one user.created event on account A and returns the
// jobs it enqueued.
func (e *env) publish(t *testing.T) []webhook.Args {
	t.Helper()
	if err := e.svc.Publish(e.ctx(t, e.adminA), e.a, "user.created", "zen:user:5",
		map[string]any{"id": "5", "email": "u@example.com"}, nil); err != nil {
		t.Fatalf("Publish: %v", err)
	}
	return e.q.take()
}

func snoozed(t *testing.T, err error) time.Duration {
	t.Helper()
	var se *river.JobSnoozeError
	if !errors.As(err, &se) {
		t.Fatalf("Work = %v, want a snooze", err)
	}
	return se.Duration
}

func TestDeliverySignedEvent(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		e := newEnv(t, d)
		tg := newTarget(t)
		id := e.eventHook(t, tg.URL+"/in", "authentication", map[string]any{"type": "bearer_token", "add_position": "header",
			"data": map[string]any{"token": "tok-secret"}}, "custom_headers", map[string]any{"X-Team": "ops"})
		secret, _ := e.svc.SigningSecret(e.ctx(t, e.adminA), id)
		jobs := e.publish(t)
		if len(jobs) != 1 || jobs[0].WebhookID != id || jobs[0].AccountID != e.a {
			t.Fatalf("jobs %+v", jobs)
		}
		if err := e.work(t, jobs[0]); err != nil {
			t.Fatalf("Work: %v", err)
		}
		reqs := tg.requests()
		if len(reqs) != 1 {
			t.Fatalf("target saw %d requests", len(reqs))
		}
		r := reqs[0]
		if !receiverValid(secret, r) {
			t.Errorf("signature %q does not verify", r.Header.Get("X-Zendesk-Webhook-Signature"))
		}
		if receiverValid(secret+"x", r) {
			t.Error("signature verifies with the wrong secret")
		}
		for k, want := range map[string]string{
			"Content-Type": "application/json; charset=utf-8", "User-Agent": "Zendesk Webhook",
			"X-Zendesk-Account-Id": jsonNum(e.a), "X-Zendesk-Webhook-Id": id,
			"X-Zendesk-Webhook-Invocation-Id": jobs[0].InvocationID, "Authorization": "Bearer tok-secret",
			"X-Team": "ops", "X-Zendesk-Webhook-Signature-Timestamp": "2024-03-01T10:00:00Z",
		} {
			if got := r.Header.Get(k); got != want {
				t.Errorf("header %s = %q, want %q", k, got, want)
			}
		}
		var body map[string]any
		if err := json.Unmarshal(r.Body, &body); err != nil {
			t.Fatal(err)
		}
		if body["type"] != "zen:event-type:user.created" || body["subject"] != "zen:user:5" || body["zendesk_event_version"] != "2022-11-06" ||
			body["account_id"] != float64(e.a) || body["time"] != "2024-03-01T10:00:00Z" || len(body["id"].(string)) != 36 {
			t.Errorf("event body %v", body)
		}
		if det := body["detail"].(map[string]any); det["id"] != "5" {
			t.Errorf("detail %v", det)
		}
		if ev, ok := body["event"].(map[string]any); !ok || len(ev) != 0 {
			t.Errorf("event %v, want {}", body["event"])
		}

		// The log: one successful invocation with one attempt whose request
		// headers hide the token.
		inv := e.call(t, e.adminA, "GET", "/webhooks/"+id+"/invocations", nil, http.StatusOK)["invocations"].([]any)
		if len(inv) != 1 {
			t.Fatalf("invocations %v", inv)
		}
		iv := inv[0].(map[string]any)
		if iv["id"] != jobs[0].InvocationID || iv["status"] != "success" || iv["status_code"] != 200.0 || iv["latest_completed_at"] != "2024-03-01T10:00:00Z" {
			t.Errorf("invocation %v", iv)
		}
		at := e.call(t, e.adminA, "GET", "/webhooks/"+id+"/invocations/"+jobs[0].InvocationID+"/attempts", nil, http.StatusOK)["attempts"].([]any)
		if len(at) != 1 {
			t.Fatalf("attempts %v", at)
		}
		a := at[0].(map[string]any)
		if a["status"] != "success" || a["status_code"] != 200.0 || a["invocation_id"] != jobs[0].InvocationID {
			t.Errorf("attempt %v", a)
		}
		reqJSON, _ := json.Marshal(a["request"])
		if strings.Contains(string(reqJSON), "tok-secret") || !strings.Contains(string(reqJSON), "[FILTERED]") {
			t.Errorf("attempt request shows the token or hides nothing: %s", reqJSON)
		}
		if a["request"].(map[string]any)["payload"] != string(r.Body) || a["response"].(map[string]any)["payload"] != `{"ok":true}` {
			t.Errorf("attempt payloads %v", a)
		}
		// A job run twice (River redelivers after a crash) sends nothing more.
		if err := e.work(t, jobs[0]); err != nil || len(tg.requests()) != 1 {
			t.Errorf("second run: %v, %d requests", err, len(tg.requests()))
		}
		// Other account: 404 for the invocation log.
		e.call(t, e.adminB, "GET", "/webhooks/"+id+"/invocations/"+jobs[0].InvocationID+"/attempts", nil, http.StatusNotFound)
	})
}

func jsonNum(n int64) string { b, _ := json.Marshal(n); return string(b) }

func TestDeliveryRetries(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		e := newEnv(t, d)
		tg := newTarget(t, answer{status: 500}, answer{status: 429, header: map[string]string{"Retry-After": "7"}},
			answer{status: 409}, answer{status: 200, body: "done"})
		id := e.eventHook(t, tg.URL)
		secret, _ := e.svc.SigningSecret(e.ctx(t, e.adminA), id)
		job := e.publish(t)[0]
		if w := snoozed(t, e.work(t, job)); w != 10*time.Second {
			t.Errorf("after 500: wait %v, want the first backoff step 10s", w)
		}
		e.clk.Advance(10 * time.Second)
		if w := snoozed(t, e.work(t, job)); w != 7*time.Second {
			t.Errorf("after 429 with Retry-After 7: wait %v", w)
		}
		e.clk.Advance(7 * time.Second)
		if w := snoozed(t, e.work(t, job)); w != 5*time.Minute {
			t.Errorf("after 409: wait %v, want the third backoff step 5m", w)
		}
		if err := e.work(t, job); err != nil {
			t.Fatalf("4th attempt: %v", err)
		}
		reqs := tg.requests()
		if len(reqs) != 4 {
			t.Fatalf("%d requests", len(reqs))
		}
		for i := 1; i < 4; i++ {
			if string(reqs[i].Body) != string(reqs[0].Body) || !receiverValid(secret, reqs[i]) {
				t.Errorf("retry %d sent another body or a bad signature", i)
			}
		}
		at := e.call(t, e.adminA, "GET", "/webhooks/"+id+"/invocations/"+job.InvocationID+"/attempts", nil, http.StatusOK)["attempts"].([]any)
		var codes []any
		for _, a := range at {
			codes = append(codes, a.(map[string]any)["status_code"], a.(map[string]any)["status"])
		}
		if want := []any{500.0, "failed", 429.0, "failed", 409.0, "failed", 200.0, "success"}; !equalAny(codes, want) {
			t.Errorf("attempts %v, want %v", codes, want)
		}
		iv := e.call(t, e.adminA, "GET", "/webhooks/"+id+"/invocations", nil, http.StatusOK)["invocations"].([]any)[0].(map[string]any)
		if iv["status"] != "success" || iv["status_code"] != 200.0 {
			t.Errorf("invocation %v", iv)
		}
	})
}

func equalAny(a, b []any) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}

func TestDeliveryGivesUp(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		e := newEnv(t, d)
		// A 400 is final: one attempt, terminated.
		bad := newTarget(t, answer{status: 400, body: "nope"})
		id := e.eventHook(t, bad.URL)
		job := e.publish(t)[0]
		if err := e.work(t, job); err != nil {
			t.Fatalf("Work after 400 = %v, want nil (no retry)", err)
		}
		if n := len(bad.requests()); n != 1 {
			t.Errorf("400 target saw %d requests", n)
		}
		iv := e.call(t, e.adminA, "GET", "/webhooks/"+id+"/invocations", nil, http.StatusOK)["invocations"].([]any)[0].(map[string]any)
		if iv["status"] != "terminated" || iv["status_code"] != 400.0 {
			t.Errorf("invocation after 400: %v", iv)
		}
		e.call(t, e.adminA, "DELETE", "/webhooks/"+id, nil, http.StatusNoContent)

		// 503 forever: five attempts, then failed.
		down := newTarget(t, answer{status: 503, header: map[string]string{"Retry-After": "99999"}})
		id = e.eventHook(t, down.URL)
		job = e.publish(t)[0]
		for i := 1; i < 5; i++ {
			if w := snoozed(t, e.work(t, job)); w != time.Hour {
				t.Errorf("attempt %d: wait %v, want Retry-After capped at 1h", i, w)
			}
		}
		if err := e.work(t, job); err != nil {
			t.Fatalf("5th attempt: %v", err)
		}
		if err := e.work(t, job); err != nil || len(down.requests()) != 5 {
			t.Errorf("after giving up: %v, %d requests", err, len(down.requests()))
		}
		if st := e.call(t, e.adminA, "GET", "/webhooks/"+id+"/invocations?filter%5Bstatus%5D=failed", nil, http.StatusOK)["invocations"].([]any); len(st) != 1 {
			t.Errorf("failed invocations %v", st)
		}
		if st := e.call(t, e.adminA, "GET", "/webhooks/"+id+"/invocations?filter%5Bstatus%5D=success", nil, http.StatusOK)["invocations"].([]any); len(st) != 0 {
			t.Errorf("success invocations %v", st)
		}
		e.call(t, e.adminA, "DELETE", "/webhooks/"+id, nil, http.StatusNoContent)

		// A closed port is a network error: retried.
		l, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			t.Fatal(err)
		}
		addr := l.Addr().String()
		l.Close()
		e.eventHook(t, "http://"+addr+"/x")
		job = e.publish(t)[0]
		snoozed(t, e.work(t, job))
	})
}

func TestDeliveryInactiveAndDeleted(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		e := newEnv(t, d)
		tg := newTarget(t)
		id := e.eventHook(t, tg.URL)
		job := e.publish(t)[0]
		e.call(t, e.adminA, "PATCH", "/webhooks/"+id, `{"webhook":{"status":"inactive"}}`, http.StatusNoContent)
		if jobs := e.publish(t); len(jobs) != 0 {
			t.Errorf("inactive webhook got %d invocations", len(jobs))
		}
		if err := e.work(t, job); err != nil {
			t.Fatal(err)
		}
		if len(tg.requests()) != 0 {
			t.Error("an inactive webhook delivered")
		}
		iv := e.call(t, e.adminA, "GET", "/webhooks/"+id+"/invocations", nil, http.StatusOK)["invocations"].([]any)[0].(map[string]any)
		if iv["status"] != "terminated" {
			t.Errorf("invocation of inactive webhook: %v", iv)
		}
		e.call(t, e.adminA, "PATCH", "/webhooks/"+id, `{"webhook":{"status":"active"}}`, http.StatusNoContent)
		job = e.publish(t)[0]
		e.call(t, e.adminA, "DELETE", "/webhooks/"+id, nil, http.StatusNoContent)
		if err := e.work(t, job); err != nil || len(tg.requests()) != 0 {
			t.Errorf("deleted webhook: %v, %d requests", err, len(tg.requests()))
		}
	})
}

func TestSSRFRefusedAtConnect(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		e := newEnv(t, d)
		tg := newTarget(t)
		port := tg.URL[strings.LastIndex(tg.URL, ":")+1:]
		// Account B saved a public-looking endpoint whose name now resolves
		// to loopback (DNS rebinding): the dial-time guard refuses it.
		bID := e.create(t, hook("b", "https://example.com/b", "subscriptions", []string{"zen:event-type:user.created"}))["id"].(string)
		if _, err := d.Writer().ExecContext(t.Context(), `UPDATE webhooks SET account_id = $1, endpoint = $2 WHERE id = $3`,
			e.b, "http://localhost:"+port+"/", bID); err != nil {
			t.Fatal(err)
		}
		if _, err := d.Writer().ExecContext(t.Context(), `UPDATE webhook_events SET account_id = $1 WHERE webhook_id = $2`, e.b, bID); err != nil {
			t.Fatal(err)
		}
		if err := e.svc.Publish(e.ctx(t, e.adminB), e.b, "user.created", "zen:user:1", nil, nil); err != nil {
			t.Fatal(err)
		}
		jobs := e.q.take()
		if len(jobs) != 1 {
			t.Fatalf("jobs %v", jobs)
		}
		if err := e.work(t, jobs[0]); err != nil {
			t.Fatalf("Work = %v, want nil: a refused address is not retried", err)
		}
		if len(tg.requests()) != 0 {
			t.Fatal("the guard let a request through to loopback")
		}
		at := e.call(t, e.adminB, "GET", "/webhooks/"+bID+"/invocations/"+jobs[0].InvocationID+"/attempts", nil, http.StatusOK)["attempts"].([]any)
		if len(at) != 1 || !strings.Contains(at[0].(map[string]any)["error"].(string), "private") {
			t.Errorf("attempts %v", at)
		}
		iv := e.call(t, e.adminB, "GET", "/webhooks/"+bID+"/invocations", nil, http.StatusOK)["invocations"].([]any)[0].(map[string]any)
		if iv["status"] != "terminated" || iv["status_code"] != nil {
			t.Errorf("invocation %v", iv)
		}

		// The test endpoint goes through the same guard.
		r := e.do(t, e.adminB, "POST", "/webhooks/test", map[string]any{"request": map[string]any{
			"endpoint": "http://127.0.0.1:" + port + "/", "http_method": "POST", "request_format": "json", "payload": "{}"}})
		if r.Status != http.StatusUnprocessableEntity || len(tg.requests()) != 0 {
			t.Errorf("test endpoint to loopback for B: %d %s", r.Status, r.Body)
		}
		r = e.do(t, e.adminB, "POST", "/webhooks/test?webhook_id="+bID, map[string]any{"request": map[string]any{"payload": "{}"}})
		if r.Status != http.StatusUnprocessableEntity || len(tg.requests()) != 0 {
			t.Errorf("test of B's rebinding webhook: %d %s", r.Status, r.Body)
		}
	})
}

func TestTestEndpoint(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		e := newEnv(t, d)
		tg := newTarget(t, answer{status: 202, header: map[string]string{"X-Reply": "yes"}, body: "accepted!"})
		m := e.call(t, e.adminA, "POST", "/webhooks/test", map[string]any{"request": map[string]any{
			"endpoint": tg.URL + "/t", "http_method": "POST", "request_format": "json",
			"headers": []map[string]string{{"key": "X-Foo", "value": "bar"}}, "payload": `{"hello":"world"}`}}, http.StatusOK)
		resp := m["response"].(map[string]any)
		if resp["status_code"] != 202.0 || resp["payload"] != "accepted!" {
			t.Errorf("response %v", resp)
		}
		found := false
		for _, h := range resp["headers"].([]any) {
			if hm := h.(map[string]any); hm["key"] == "X-Reply" && hm["value"] == "yes" {
				found = true
			}
		}
		if !found {
			t.Errorf("response headers %v lack X-Reply", resp["headers"])
		}
		r := tg.requests()[0]
		if string(r.Body) != `{"hello":"world"}` || r.Header.Get("X-Foo") != "bar" || r.Path != "/t" || !receiverValid(webhook.TestSigningSecret, r) {
			t.Errorf("test request %+v", r)
		}

		// With webhook_id: the webhook's endpoint, auth and secret.
		id := e.create(t, hook("real", tg.URL+"/real", "authentication", map[string]any{"type": "basic_auth", "add_position": "header",
			"data": map[string]any{"username": "u", "password": "pw"}}))["id"].(string)
		secret, _ := e.svc.SigningSecret(e.ctx(t, e.adminA), id)
		e.call(t, e.adminA, "POST", "/webhooks/test?webhook_id="+id, map[string]any{"request": map[string]any{"payload": `{"x":1}`}}, http.StatusOK)
		r = tg.requests()[1]
		if u, p, ok := (&http.Request{Header: r.Header}).BasicAuth(); !ok || u != "u" || p != "pw" || r.Path != "/real" || !receiverValid(secret, r) {
			t.Errorf("test with webhook_id: %+v", r)
		}
		// Bad requests.
		if r := e.do(t, e.adminA, "POST", "/webhooks/test", map[string]any{"request": map[string]any{"endpoint": "nope", "http_method": "POST", "request_format": "json"}}); r.Status != http.StatusUnprocessableEntity {
			t.Errorf("bad endpoint: %d", r.Status)
		}
		if r := e.do(t, e.adminA, "POST", "/webhooks/test", `{}`); r.Status != http.StatusBadRequest {
			t.Errorf("missing request: %d", r.Status)
		}
		// Nothing was logged as an invocation.
		if iv := e.call(t, e.adminA, "GET", "/webhooks/"+id+"/invocations", nil, http.StatusOK)["invocations"].([]any); len(iv) != 0 {
			t.Errorf("test requests logged as invocations: %v", iv)
		}
	})
}

func TestInvocationListing(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		e := newEnv(t, d)
		tg := newTarget(t)
		id := e.eventHook(t, tg.URL)
		var ids []string
		for i := 0; i < 3; i++ {
			job := e.publish(t)[0]
			ids = append(ids, job.InvocationID)
			e.clk.Advance(time.Hour)
		}
		list := func(q string) ([]string, map[string]any) {
			m := e.call(t, e.adminA, "GET", "/webhooks/"+id+"/invocations?"+q, nil, http.StatusOK)
			var out []string
			for _, iv := range m["invocations"].([]any) {
				out = append(out, iv.(map[string]any)["id"].(string))
			}
			return out, m
		}
		if got, _ := list(""); !equalStrings(got, []string{ids[2], ids[1], ids[0]}) {
			t.Errorf("newest first: %v", got)
		}
		if got, _ := list("filter%5Bstatus%5D=in_progress&filter%5Bfrom_ts%5D=2024-03-01T10:30:00Z&filter%5Bto_ts%5D=2024-03-01T11:30:00Z"); !equalStrings(got, []string{ids[1]}) {
			t.Errorf("time window: %v", got)
		}
		got, m := list("page%5Bsize%5D=2")
		if !equalStrings(got, []string{ids[2], ids[1]}) || m["meta"].(map[string]any)["has_more"] != true {
			t.Errorf("page 1: %v %v", got, m["meta"])
		}
		after := m["meta"].(map[string]any)["after_cursor"].(string)
		if got, _ := list("page%5Bsize%5D=2&page%5Bafter%5D=" + after); !equalStrings(got, []string{ids[0]}) {
			t.Errorf("page 2: %v", got)
		}
		if r := e.do(t, e.adminA, "GET", "/webhooks/"+id+"/invocations?filter%5Bfrom_ts%5D=yesterday", nil); r.Status != http.StatusBadRequest {
			t.Errorf("bad from_ts: %d", r.Status)
		}
		e.call(t, e.adminA, "GET", "/webhooks/01HANAHAFTBVF1NA2AVFK4W763/invocations", nil, http.StatusNotFound)
		e.call(t, e.adminA, "GET", "/webhooks/"+id+"/invocations/nope/attempts", nil, http.StatusNotFound)
	})
}

func equalStrings(a, b []string) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}
