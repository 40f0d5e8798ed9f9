package nodezendesk_test

import (
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"strings"
	"sync"
	"testing"

	"parley/internal/app/apptest"
)

// TestNodeZendeskRules runs rules.js (node-zendesk's triggers, automations,
// macros, views and webhooks clients) against a fresh server on every
// dialect. Webhooks may call a loopback receiver the test starts; the
// script reads what it received from the receiver's /seen.
func TestNodeZendeskRules(t *testing.T) {
	root := repoRoot(t)
	node := requireNode(t, root)
	script, err := filepath.Abs("rules.js")
	if err != nil {
		t.Fatal(err)
	}
	apptest.Each(t, func(t *testing.T, s *apptest.Server) {
		rec := newReceiver(t)
		runScript(t, root, node, script, s, "PARLEY_HOOK_URL="+rec.URL+"/hook", "PARLEY_HOOK_SEEN="+rec.URL+"/seen")
	}, apptest.WithWebhookAllow("127.0.0.1"))
}

// seenRequest is one request a webhook made to the receiver.
type seenRequest struct {
	Method  string            `json:"method"`
	Path    string            `json:"path"`
	Headers map[string]string `json:"headers"` // lower-cased names
	Body    string            `json:"body"`
}

// newReceiver starts a webhook endpoint: /hook* records each request and
// answers 200 {"ok":true}; GET /seen returns everything recorded so far.
func newReceiver(t *testing.T) *httptest.Server {
	t.Helper()
	var mu sync.Mutex
	var seen []seenRequest
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path == "/seen" {
			mu.Lock()
			defer mu.Unlock()
			w.Header().Set("Content-Type", "application/json")
			out := seen
			if out == nil {
				out = []seenRequest{}
			}
			_ = json.NewEncoder(w).Encode(out)
			return
		}
		if !strings.HasPrefix(r.URL.Path, "/hook") {
			http.NotFound(w, r)
			return
		}
		b, _ := io.ReadAll(r.Body)
		h := map[string]string{}
		for k := range r.Header {
			h[strings.ToLower(k)] = r.Header.Get(k)
		}
		mu.Lock()
		seen = append(seen, seenRequest{Method: r.Method, Path: r.URL.RequestURI(), Headers: h, Body: string(b)})
		mu.Unlock()
		w.Header().Set("Content-Type", "application/json")
		_, _ = io.WriteString(w, `{"ok":true}`)
	}))
	t.Cleanup(srv.Close)
	return srv
}
