package httpx_test

import (
	"net/http"
	"net/http/httptest"
	"testing"

	"parley/internal/platform/httpx"
)

func TestCollapseSlashesThenStripJSON(t *testing.T) {
	var got string
	h := httpx.CollapseSlashes(httpx.StripJSON(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		got = r.URL.Path
	})))
	for in, want := range map[string]string{
		"/api/v2//webhooks/test":         "/api/v2/webhooks/test",
		"/api/v2///tickets//7.json":      "/api/v2/tickets/7",
		"/api/v2/tickets/7":              "/api/v2/tickets/7",
		"//api/v2/users.json?page=2":     "/api/v2/users",
		"/api/v2/search.json?query=a//b": "/api/v2/search",
	} {
		req := httptest.NewRequest(http.MethodGet, "http://x"+in, nil)
		h.ServeHTTP(httptest.NewRecorder(), req)
		if got != want {
			t.Errorf("%s routed as %s, want %s", in, got, want)
		}
	}
}
