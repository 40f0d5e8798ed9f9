package webhook_test

import (
	"encoding/base64"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"parley/internal/platform/db"
	"parley/internal/platform/db/dbtest"
	"parley/internal/webhook"
)

func TestCRUD(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		e := newEnv(t, d)
		w := e.create(t, hook("Orders", "https://hooks.example.com/orders",
			"description", "sends orders",
			"authentication", map[string]any{"type": "basic_auth", "add_position": "header",
				"data": map[string]any{"username": "ann", "password": "s3cret-pass"}},
			"custom_headers", map[string]any{"x-team": "billing"}))
		id := w["id"].(string)
		if len(id) != 26 {
			t.Fatalf("id %q is not a ULID", id)
		}
		if w["created_by"] != "11" || w["updated_by"] != "11" || w["signing_secret"] != nil || w["external_source"] != nil {
			t.Errorf("created webhook %v", w)
		}
		if ca := w["created_at"].(string); !strings.HasPrefix(ca, "2024-03-01T10:00:00") {
			t.Errorf("created_at %q", ca)
		}
		wantAuth := map[string]any{"type": "basic_auth", "add_position": "header", "data": map[string]any{"username": "ann"}}
		if diff := cmp.Diff(wantAuth, w["authentication"]); diff != "" {
			t.Errorf("authentication echoes a secret or is wrong (-want +got):\n%s", diff)
		}
		if diff := cmp.Diff(map[string]any{"X-Team": "billing"}, w["custom_headers"]); diff != "" {
			t.Errorf("custom_headers (-want +got):\n%s", diff)
		}

		got := e.call(t, e.adminA, "GET", "/webhooks/"+id, nil, http.StatusOK)["webhook"].(map[string]any)
		if got["created_at"] != "2024-03-01T10:00:00Z" || got["name"] != "Orders" || got["description"] != "sends orders" {
			t.Errorf("GET webhook %v", got)
		}
		if strings.Contains(string(e.do(t, e.adminA, "GET", "/webhooks/"+id, nil).Body), "s3cret-pass") {
			t.Error("GET shows the password")
		}

		// PUT replaces; an authentication of the same type without its
		// secret keeps the stored one.
		e.clk.Advance(time.Minute)
		put := hook("Orders v2", "https://hooks.example.com/v2", "status", "inactive",
			"authentication", map[string]any{"type": "basic_auth", "add_position": "header", "data": map[string]any{"username": "ann2"}})
		if m := e.call(t, e.adminA, "PUT", "/webhooks/"+id, map[string]any{"webhook": put}, http.StatusNoContent); m != nil {
			t.Errorf("PUT body %v, want none", m)
		}
		wh, err := e.svc.Get(e.ctx(t, e.adminA), id)
		if err != nil {
			t.Fatal(err)
		}
		if wh.Name != "Orders v2" || wh.Status != "inactive" || wh.Auth.Username != "ann2" || wh.Auth.Secret != "s3cret-pass" ||
			len(wh.CustomHeaders) != 0 || wh.Description != "" || !wh.UpdatedAt.Equal(t0.Add(time.Minute)) {
			t.Errorf("after PUT: %+v auth %+v", wh, wh.Auth)
		}

		// PATCH merges: only the named keys change; null removes.
		patch := `{"webhook":{"status":"active","custom_headers":{"X-One":"1"},"authentication":{"data":{"password":"new-pass"}}}}`
		e.call(t, e.adminA, "PATCH", "/webhooks/"+id, patch, http.StatusNoContent)
		wh, _ = e.svc.Get(e.ctx(t, e.adminA), id)
		if wh.Name != "Orders v2" || wh.Status != "active" || wh.Auth.Secret != "new-pass" || wh.Auth.Username != "ann2" ||
			wh.CustomHeaders["X-One"] != "1" {
			t.Errorf("after PATCH: %+v auth %+v", wh, wh.Auth)
		}
		e.call(t, e.adminA, "PATCH", "/webhooks/"+id, `{"webhook":{"authentication":null}}`, http.StatusNoContent)
		if wh, _ = e.svc.Get(e.ctx(t, e.adminA), id); wh.Auth != nil {
			t.Errorf("authentication after null patch: %+v", wh.Auth)
		}
		e.invalid(t, e.adminA, "PATCH", "/webhooks/"+id, `{"webhook":{"http_method":"TRACE"}}`, "http_method")

		e.call(t, e.adminA, "DELETE", "/webhooks/"+id, nil, http.StatusNoContent)
		m := e.call(t, e.adminA, "GET", "/webhooks/"+id, nil, http.StatusNotFound)
		if m["error"] != "RecordNotFound" {
			t.Errorf("404 body %v", m)
		}
		e.call(t, e.adminA, "DELETE", "/webhooks/"+id, nil, http.StatusNotFound)
	})
}

func TestValidation(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		e := newEnv(t, d)
		post := func(w map[string]any, field string) string {
			t.Helper()
			return e.invalid(t, e.adminA, "POST", "/webhooks", map[string]any{"webhook": w}, field)
		}
		ok := func() map[string]any { return hook("x", "https://example.com/h") }
		with := func(k string, v any) map[string]any {
			w := ok()
			if v == nil {
				delete(w, k)
			} else {
				w[k] = v
			}
			return w
		}
		post(with("name", nil), "name")
		post(with("endpoint", "ftp://example.com/x"), "endpoint")
		post(with("endpoint", "/relative"), "endpoint")
		post(with("endpoint", "https://user:pw@example.com/"), "endpoint")
		post(with("http_method", "TRACE"), "http_method")
		post(with("request_format", "yaml"), "request_format")
		post(with("status", "paused"), "status")
		post(with("subscriptions", []string{}), "subscriptions")
		post(with("subscriptions", []string{"zen:event-type:ticket.exploded"}), "subscriptions")
		if msg := post(with("subscriptions", []string{"conditional_ticket_events", "zen:event-type:ticket.created"}), "subscriptions"); !strings.Contains(msg, "cannot be combined") {
			t.Errorf("mixing message %q", msg)
		}
		ev := with("subscriptions", []string{"zen:event-type:ticket.created"})
		ev["http_method"] = "PUT"
		if msg := post(ev, "subscriptions"); !strings.Contains(msg, "POST and json") {
			t.Errorf("event method message %q", msg)
		}
		post(with("authentication", map[string]any{"type": "basic_auth", "data": map[string]any{"username": "u"}}), "authentication")
		post(with("authentication", map[string]any{"type": "bearer_token", "data": map[string]any{}}), "authentication")
		post(with("authentication", map[string]any{"type": "api_key", "data": map[string]any{"value": "v"}}), "authentication")
		post(with("authentication", map[string]any{"type": "oauth", "data": map[string]any{}}), "authentication")
		post(with("authentication", map[string]any{"type": "bearer_token", "add_position": "body", "data": map[string]any{"token": "t"}}), "authentication")
		post(with("custom_headers", map[string]any{"Authorization": "x"}), "custom_headers")
		post(with("custom_headers", map[string]any{"content-type": "x"}), "custom_headers")
		post(with("custom_headers", map[string]any{"Host": "x"}), "custom_headers")
		post(with("custom_headers", map[string]any{"X-Zendesk-Webhook-Id": "x"}), "custom_headers")
		post(with("custom_headers", map[string]any{"Bad Name": "x"}), "custom_headers")
		post(with("custom_headers", map[string]any{"X-A": "a\r\nInjected: 1"}), "custom_headers")
		post(with("custom_headers", map[string]any{"X-1": "1", "X-2": "2", "X-3": "3", "X-4": "4", "X-5": "5", "X-6": "6"}), "custom_headers")

		// Not JSON, wrong root, wrong types: 400 / 422, never 500.
		if r := e.do(t, e.adminA, "POST", "/webhooks", `{"webhook":`); r.Status != http.StatusBadRequest {
			t.Errorf("broken JSON: %d %s", r.Status, r.Body)
		}
		if r := e.do(t, e.adminA, "POST", "/webhooks", `{"hook":{}}`); r.Status != http.StatusBadRequest {
			t.Errorf("missing root: %d %s", r.Status, r.Body)
		}
		if r := e.do(t, e.adminA, "POST", "/webhooks", `{"webhook":{"name":5}}`); r.Status != http.StatusUnprocessableEntity {
			t.Errorf("wrong type: %d %s", r.Status, r.Body)
		}
		// Nothing was written by any of the refused requests.
		ws, _, err := e.svc.List(e.ctx(t, e.adminA), webhook.Filter{}, db.Page{Limit: 10})
		if err != nil || len(ws) != 0 {
			t.Errorf("webhooks after refusals: %d, %v", len(ws), err)
		}

		// Every supported shape is accepted.
		for _, a := range []map[string]any{
			{"type": "basic_auth", "add_position": "header", "data": map[string]any{"username": "u", "password": "p"}},
			{"type": "bearer_token", "add_position": "header", "data": map[string]any{"token": "t"}},
			{"type": "api_key", "add_position": "header", "data": map[string]any{"name": "X-Api-Key", "value": "v"}},
		} {
			e.create(t, with("authentication", a))
		}
		for _, m := range []string{"GET", "PUT", "PATCH", "DELETE"} {
			e.create(t, with("http_method", m))
		}
		for _, f := range []string{"xml", "form_encoded"} {
			e.create(t, with("request_format", f))
		}
		e.create(t, with("subscriptions", []string{"zen:event-type:ticket.created", "zen:event-type:user.created"}))
	})
}

func TestPermissionsAndIsolation(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		e := newEnv(t, d)
		id := e.create(t, hook("A's", "https://example.com/a"))["id"].(string)
		for _, p := range []string{"/webhooks", "/webhooks/" + id, "/webhooks/" + id + "/signing_secret", "/webhooks/" + id + "/invocations"} {
			if r := e.do(t, e.agentA, "GET", p, nil); r.Status != http.StatusForbidden {
				t.Errorf("agent GET %s: %d", p, r.Status)
			}
		}
		if r := e.do(t, e.agentA, "POST", "/webhooks", map[string]any{"webhook": hook("x", "https://example.com")}); r.Status != http.StatusForbidden {
			t.Errorf("agent POST: %d", r.Status)
		}
		// Account B sees nothing of A's webhook.
		for _, c := range []struct{ method, path string }{
			{"GET", "/webhooks/" + id}, {"DELETE", "/webhooks/" + id}, {"GET", "/webhooks/" + id + "/signing_secret"},
			{"POST", "/webhooks/" + id + "/signing_secret"}, {"GET", "/webhooks/" + id + "/invocations"},
			{"PATCH", "/webhooks/" + id}, {"POST", "/webhooks?clone_webhook_id=" + id}, {"POST", "/webhooks/test?webhook_id=" + id},
		} {
			var body any
			switch {
			case c.method == "PATCH":
				body = `{"webhook":{"name":"stolen"}}`
			case strings.Contains(c.path, "test"):
				body = map[string]any{"request": map[string]any{"payload": "{}"}}
			}
			if r := e.do(t, e.adminB, c.method, c.path, body); r.Status != http.StatusNotFound {
				t.Errorf("account B %s %s: %d %s", c.method, c.path, r.Status, r.Body)
			}
		}
		if r := e.do(t, e.adminB, "PUT", "/webhooks/"+id, map[string]any{"webhook": hook("stolen", "https://example.com")}); r.Status != http.StatusNotFound {
			t.Errorf("account B PUT: %d", r.Status)
		}
		if l := e.call(t, e.adminB, "GET", "/webhooks", nil, http.StatusOK)["webhooks"].([]any); len(l) != 0 {
			t.Errorf("account B lists %v", l)
		}
		if w := e.call(t, e.adminA, "GET", "/webhooks/"+id, nil, http.StatusOK)["webhook"].(map[string]any); w["name"] != "A's" {
			t.Errorf("A's webhook changed: %v", w)
		}
	})
}

func TestListPaginationFilters(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		e := newEnv(t, d)
		names := []string{"delta", "Alpha", "charlie", "bravo", "echo"}
		for i, n := range names {
			st := "active"
			if i%2 == 1 {
				st = "inactive"
			}
			e.create(t, hook(n, "https://example.com/"+n, "status", st))
			e.clk.Advance(time.Second)
		}
		list := func(q string) ([]string, map[string]any) {
			t.Helper()
			m := e.call(t, e.adminA, "GET", "/webhooks?"+q, nil, http.StatusOK)
			var out []string
			for _, w := range m["webhooks"].([]any) {
				out = append(out, w.(map[string]any)["name"].(string))
			}
			return out, m
		}
		got, m := list("")
		if !cmp.Equal(got, names) {
			t.Errorf("default order %v", got)
		}
		if meta := m["meta"].(map[string]any); meta["has_more"] != false || m["links"] == nil {
			t.Errorf("meta %v links %v", meta, m["links"])
		}
		if _, ok := m["count"]; ok {
			t.Error("cursor list has count")
		}
		if got, _ := list("sort=name"); !cmp.Equal(got, []string{"Alpha", "bravo", "charlie", "delta", "echo"}) {
			t.Errorf("sort=name %v", got)
		}
		if got, _ := list("sort=-name&filter%5Bstatus%5D=active"); !cmp.Equal(got, []string{"echo", "delta", "charlie"}) {
			t.Errorf("sort=-name active %v", got)
		}
		if got, _ := list("filter%5Bname_contains%5D=HA"); !cmp.Equal(got, []string{"Alpha", "charlie"}) {
			t.Errorf("name_contains HA %v", got)
		}
		if got, _ := list("filter%5Bname_contains%5D=%25"); len(got) != 0 {
			t.Errorf("name_contains %% matched %v (LIKE not escaped)", got)
		}
		if r := e.do(t, e.adminA, "GET", "/webhooks?filter%5Bstatus%5D=zzz", nil); r.Status != http.StatusBadRequest {
			t.Errorf("bad status filter: %d", r.Status)
		}
		if r := e.do(t, e.adminA, "GET", "/webhooks?sort=endpoint", nil); r.Status != http.StatusBadRequest {
			t.Errorf("bad sort: %d", r.Status)
		}

		// Walk pages of two forward by name, then back.
		var walked []string
		q := "page%5Bsize%5D=2&sort=name"
		var last map[string]any
		for i := 0; i < 5; i++ {
			got, m := list(q)
			walked = append(walked, got...)
			last = m
			meta := m["meta"].(map[string]any)
			if meta["has_more"] != true {
				break
			}
			q = "page%5Bsize%5D=2&sort=name&page%5Bafter%5D=" + url.QueryEscape(meta["after_cursor"].(string))
		}
		if !cmp.Equal(walked, []string{"Alpha", "bravo", "charlie", "delta", "echo"}) {
			t.Errorf("walked %v", walked)
		}
		before := last["meta"].(map[string]any)["before_cursor"].(string)
		if _, err := base64.URLEncoding.DecodeString(before); err != nil {
			t.Errorf("cursor %q is not base64", before)
		}
		got, _ = list("page%5Bsize%5D=2&sort=name&page%5Bbefore%5D=" + url.QueryEscape(before))
		if !cmp.Equal(got, []string{"charlie", "delta"}) {
			t.Errorf("page before echo: %v", got)
		}
		next := last["links"].(map[string]any)["prev"].(string)
		if !strings.HasPrefix(next, "https://acme.example.com/api/v2/webhooks?") {
			t.Errorf("links.prev %q", next)
		}
	})
}

func TestCloneAndSigningSecret(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		e := newEnv(t, d)
		src := e.create(t, hook("Source", "https://example.com/s",
			"authentication", map[string]any{"type": "bearer_token", "add_position": "header", "data": map[string]any{"token": "tok-123"}}))
		id := src["id"].(string)
		sec := e.call(t, e.adminA, "GET", "/webhooks/"+id+"/signing_secret", nil, http.StatusOK)["signing_secret"].(map[string]any)
		s1 := sec["secret"].(string)
		if raw, err := base64.StdEncoding.DecodeString(s1); err != nil || len(raw) != 32 || sec["algorithm"] != "SHA256" {
			t.Errorf("signing secret %v (%v)", sec, err)
		}
		rot := e.call(t, e.adminA, "POST", "/webhooks/"+id+"/signing_secret", nil, http.StatusCreated)["signing_secret"].(map[string]any)
		s2 := rot["secret"].(string)
		if s2 == s1 || rot["algorithm"] != "SHA256" {
			t.Errorf("rotated secret %v, was %q", rot, s1)
		}
		if again := e.call(t, e.adminA, "GET", "/webhooks/"+id+"/signing_secret", nil, http.StatusOK)["signing_secret"].(map[string]any); again["secret"] != s2 {
			t.Errorf("after rotation GET gives %v, want %q", again["secret"], s2)
		}

		// Clone without a body copies everything but the id and the signing
		// secret; with a body the given keys override.
		c1 := e.call(t, e.adminA, "POST", "/webhooks?clone_webhook_id="+id, nil, http.StatusCreated)["webhook"].(map[string]any)
		c2 := e.call(t, e.adminA, "POST", "/webhooks?clone_webhook_id="+id, map[string]any{"webhook": map[string]any{"name": "Copy"}}, http.StatusCreated)["webhook"].(map[string]any)
		if c1["id"] == id || c1["name"] != "Source" || c1["endpoint"] != "https://example.com/s" || c2["name"] != "Copy" {
			t.Errorf("clones %v / %v", c1, c2)
		}
		cw, err := e.svc.Get(e.ctx(t, e.adminA), c1["id"].(string))
		if err != nil || cw.Auth == nil || cw.Auth.Secret != "tok-123" || cw.SigningSecret == s2 {
			t.Errorf("clone %+v auth %+v err %v", cw, cw.Auth, err)
		}
		if r := e.do(t, e.adminA, "POST", "/webhooks?clone_webhook_id=01HANAHAFTBVF1NA2AVFK4W763", nil); r.Status != http.StatusNotFound {
			t.Errorf("clone of unknown: %d", r.Status)
		}
	})
}

func TestSecretsEncryptedAtRest(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		e := newEnv(t, d)
		w := e.create(t, hook("Keys", "https://example.com/k",
			"authentication", map[string]any{"type": "api_key", "add_position": "header", "data": map[string]any{"name": "X-Api-Key", "value": "plain-api-key-value"}}))
		id := w["id"].(string)
		sign, _ := e.svc.SigningSecret(e.ctx(t, e.adminA), id)
		var authSecret, signing, authData string
		if err := d.Conn(t.Context()).QueryRowContext(t.Context(), `SELECT auth_secret, signing_secret, auth_data FROM webhooks WHERE id = $1`, id).
			Scan(&authSecret, &signing, &authData); err != nil {
			t.Fatal(err)
		}
		if strings.Contains(authSecret, "plain-api-key-value") || strings.Contains(signing, sign) ||
			strings.Contains(authData, "plain-api-key-value") || !strings.HasPrefix(authSecret, "v1:") || !strings.HasPrefix(signing, "v1:") {
			t.Errorf("stored secrets are readable: auth %q signing %q data %q", authSecret, signing, authData)
		}
		raw, _ := base64.RawStdEncoding.DecodeString(strings.TrimPrefix(authSecret, "v1:"))
		if strings.Contains(string(raw), "plain-api-key-value") {
			t.Error("auth secret is only base64-encoded")
		}
		// A ciphertext moved onto another webhook does not open there.
		other := e.create(t, hook("Other", "https://example.com/o"))["id"].(string)
		if _, err := d.Writer().ExecContext(t.Context(), `UPDATE webhooks SET signing_secret = $1 WHERE id = $2`, signing, other); err != nil {
			t.Fatal(err)
		}
		if r := e.do(t, e.adminA, "GET", "/webhooks/"+other+"/signing_secret", nil); r.Status != http.StatusInternalServerError {
			t.Errorf("moved ciphertext opened: %d %s", r.Status, r.Body)
		}
	})
}

func TestSSRFRefusedAtSave(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		e := newEnv(t, d)
		for _, ep := range []string{"http://10.1.2.3/x", "http://169.254.169.254/latest/meta-data", "http://192.168.0.1",
			"http://[::1]:8080/", "http://0.0.0.0/", "http://[fd00::1]/", "http://172.16.5.4/"} {
			msg := e.invalid(t, e.adminA, "POST", "/webhooks", map[string]any{"webhook": hook("x", ep)}, "endpoint")
			if !strings.Contains(msg, "private") {
				t.Errorf("%s: message %q", ep, msg)
			}
		}
		// 127.0.0.1 is allowed for account A only.
		e.create(t, hook("local", "http://127.0.0.1:9/x"))
		e.create(t, hook("local", "http://localhost:9/x"))
		e.invalid(t, e.adminB, "POST", "/webhooks", map[string]any{"webhook": hook("local", "http://127.0.0.1:9/x")}, "endpoint")
		e.invalid(t, e.adminB, "POST", "/webhooks", map[string]any{"webhook": hook("local", "http://localhost:9/x")}, "endpoint")
	})
}
