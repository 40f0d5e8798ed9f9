// Package attachments_test checks uploads, comment attachments and who may
// download them, over HTTP on both databases.
package attachments_test

import (
	"encoding/base64"
	"fmt"
	"io"
	"net/http"
	"strings"
	"testing"

	"parley/internal/app/apptest"
	"parley/internal/config"
)

func basic(user, secret string) string {
	return "Basic " + base64.StdEncoding.EncodeToString([]byte(user+":"+secret))
}

func upload(t *testing.T, s *apptest.Server, tn apptest.Tenant, auth, name, body, token string) map[string]any {
	t.Helper()
	path := "/api/v2/uploads.json?filename=" + name
	if token != "" {
		path += "&token=" + token
	}
	r := s.Do(t, apptest.Request{Method: "POST", Path: path, Host: tn.Host, Auth: auth, Body: []byte(body),
		Header: http.Header{"Content-Type": {"text/plain"}}})
	if r.Status != 201 {
		t.Fatalf("upload %s: %d %s", name, r.Status, r.Body)
	}
	return r.JSON(t)["upload"].(map[string]any)
}

// get fetches an absolute content URL with a Host header and credentials.
func get(t *testing.T, s *apptest.Server, rawURL, host, auth string) (int, string) {
	t.Helper()
	path := rawURL[strings.Index(rawURL, "/attachments/"):]
	req, _ := http.NewRequest(http.MethodGet, s.URL+path, nil)
	req.Host = host
	if auth != "" {
		req.Header.Set("Authorization", auth)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(b)
}

func TestAttachments(t *testing.T) {
	apptest.Each(t, func(t *testing.T, s *apptest.Server) {
		a := s.Default
		other := s.NewTenant(t, "beta")

		// Two files under one token.
		up := upload(t, s, a, a.TokenAuth(), "notes.txt", "first file", "")
		tok := up["token"].(string)
		up = upload(t, s, a, a.TokenAuth(), "more.txt", "second file", tok)
		if n := len(up["attachments"].([]any)); n != 2 {
			t.Fatalf("token holds %d attachments, want 2", n)
		}
		// An end user with a password, who is the requester; and another
		// end user who is not.
		for _, u := range []map[string]any{
			{"name": "Req", "email": "req@alpha.example", "password": "req-password-1", "verified": true},
			{"name": "Stranger", "email": "stranger@alpha.example", "password": "stranger-pass-1", "verified": true},
		} {
			if r := s.Do(t, apptest.Request{Method: "POST", Path: "/api/v2/users.json", Host: a.Host, Auth: a.TokenAuth(),
				Body: map[string]any{"user": u}}); r.Status != 201 {
				t.Fatalf("create user: %d %s", r.Status, r.Body)
			}
		}
		r := s.Do(t, apptest.Request{Method: "POST", Path: "/api/v2/tickets.json", Host: a.Host, Auth: a.TokenAuth(),
			Body: map[string]any{"ticket": map[string]any{"subject": "Files", "requester": map[string]any{"email": "req@alpha.example"},
				"comment": map[string]any{"body": "attached", "uploads": []string{tok}}}}})
		if r.Status != 201 {
			t.Fatalf("create ticket: %d %s", r.Status, r.Body)
		}
		id := int64(r.JSON(t)["ticket"].(map[string]any)["id"].(float64))
		r = s.Do(t, apptest.Request{Path: fmt.Sprintf("/api/v2/tickets/%d/comments.json", id), Host: a.Host, Auth: a.TokenAuth()})
		atts := r.JSON(t)["comments"].([]any)[0].(map[string]any)["attachments"].([]any)
		if len(atts) != 2 {
			t.Fatalf("comment has %d attachments: %s", len(atts), r.Body)
		}
		first := atts[0].(map[string]any)
		content := first["content_url"].(string)
		if first["file_name"] != "notes.txt" || first["size"].(float64) != float64(len("first file")) {
			t.Fatalf("attachment: %v", first)
		}

		// The token is used up.
		r = s.Do(t, apptest.Request{Method: "PUT", Path: fmt.Sprintf("/api/v2/tickets/%d.json", id), Host: a.Host, Auth: a.TokenAuth(),
			Body: map[string]any{"ticket": map[string]any{"comment": map[string]any{"body": "again", "uploads": []string{tok}}}}})
		if r.Status != 422 {
			t.Fatalf("reusing an upload token: %d %s", r.Status, r.Body)
		}

		// Downloads.
		if code, body := get(t, s, content, a.Host, a.TokenAuth()); code != 200 || body != "first file" {
			t.Fatalf("agent download: %d %q", code, body)
		}
		if code, body := get(t, s, content, a.Host, basic("req@alpha.example", "req-password-1")); code != 200 || body != "first file" {
			t.Fatalf("requester download: %d %q", code, body)
		}
		if code, _ := get(t, s, content, a.Host, basic("stranger@alpha.example", "stranger-pass-1")); code != 404 {
			t.Fatalf("end user who cannot see the ticket: %d, want 404", code)
		}
		if code, _ := get(t, s, content, other.Host, other.TokenAuth()); code != 404 {
			t.Fatalf("another account: %d, want 404", code)
		}
		if code, body := get(t, s, content, a.Host, ""); code != 200 || body != "first file" {
			t.Fatalf("anonymous without secure downloads: %d %q", code, body)
		}
		if r := s.Do(t, apptest.Request{Method: "PUT", Path: "/api/v2/account/settings.json", Host: a.Host, Auth: a.TokenAuth(),
			Body: map[string]any{"settings": map[string]any{"secure_downloads": true}}}); r.Status != 200 {
			t.Fatalf("secure downloads on: %d %s", r.Status, r.Body)
		}
		if code, _ := get(t, s, content, a.Host, ""); code != 401 {
			t.Fatalf("anonymous with secure downloads: %d, want 401", code)
		}
		if code, _ := get(t, s, content, a.Host, a.TokenAuth()); code != 200 {
			t.Fatalf("agent with secure downloads: %d", code)
		}

		// Attachment metadata by id; another account cannot see it.
		aid := int64(first["id"].(float64))
		if r := s.Do(t, apptest.Request{Path: fmt.Sprintf("/api/v2/attachments/%d.json", aid), Host: a.Host, Auth: a.TokenAuth()}); r.Status != 200 {
			t.Fatalf("attachment show: %d", r.Status)
		}
		if r := s.Do(t, apptest.Request{Path: fmt.Sprintf("/api/v2/attachments/%d.json", aid), Host: other.Host, Auth: other.TokenAuth()}); r.Status != 404 {
			t.Fatalf("attachment show from another account: %d", r.Status)
		}

		// Deleting an unused upload removes it; a deleted token is gone.
		up = upload(t, s, a, a.TokenAuth(), "tmp.txt", "temporary", "")
		tmp := up["token"].(string)
		if r := s.Do(t, apptest.Request{Method: "DELETE", Path: "/api/v2/uploads/" + tmp + ".json", Host: a.Host, Auth: a.TokenAuth()}); r.Status != 204 {
			t.Fatalf("delete upload: %d", r.Status)
		}
		if r := s.Do(t, apptest.Request{Method: "DELETE", Path: "/api/v2/uploads/" + tmp + ".json", Host: a.Host, Auth: a.TokenAuth()}); r.Status != 404 {
			t.Fatalf("delete upload twice: %d", r.Status)
		}
		// A missing filename is 400.
		if r := s.Do(t, apptest.Request{Method: "POST", Path: "/api/v2/uploads.json", Host: a.Host, Auth: a.TokenAuth(), Body: []byte("x")}); r.Status != 400 {
			t.Fatalf("upload without filename: %d", r.Status)
		}
	})
}

func TestUploadLimit(t *testing.T) {
	apptest.Each(t, func(t *testing.T, s *apptest.Server) {
		a := s.Default
		r := s.Do(t, apptest.Request{Method: "POST", Path: "/api/v2/uploads.json?filename=big.bin", Host: a.Host, Auth: a.TokenAuth(),
			Body: []byte(strings.Repeat("x", 5<<20))})
		if r.Status != 413 {
			t.Fatalf("5 MiB upload over a 4 MiB limit: %d %s", r.Status, r.Body)
		}
		r = s.Do(t, apptest.Request{Method: "POST", Path: "/api/v2/uploads.json?filename=ok.bin", Host: a.Host, Auth: a.TokenAuth(),
			Body: []byte(strings.Repeat("x", 3<<20))})
		if r.Status != 201 {
			t.Fatalf("3 MiB upload: %d %s", r.Status, r.Body)
		}
	}, func(c *config.Config) { c.UploadLimit = 4 << 20 })
}
