package attachments_test

import (
	"fmt"
	"strings"
	"testing"

	"parley/internal/app/apptest"
)

func TestRedaction(t *testing.T) {
	apptest.Each(t, func(t *testing.T, s *apptest.Server) {
		a := s.Default
		do := func(method, path string, body any) apptest.Response {
			return s.Do(t, apptest.Request{Method: method, Path: path, Host: a.Host, Auth: a.TokenAuth(), Body: body})
		}
		up := upload(t, s, a, a.TokenAuth(), "card.txt", "4111 1111 1111 1111", "")
		r := do("POST", "/api/v2/tickets.json", map[string]any{"ticket": map[string]any{"subject": "Card",
			"comment": map[string]any{"body": "My card is 4111 1111 1111 1111, thanks", "uploads": []string{up["token"].(string)}}}})
		if r.Status != 201 {
			t.Fatalf("create: %d %s", r.Status, r.Body)
		}
		id := int64(r.JSON(t)["ticket"].(map[string]any)["id"].(float64))
		cs := do("GET", fmt.Sprintf("/api/v2/tickets/%d/comments.json", id), nil).JSON(t)["comments"].([]any)
		c := cs[0].(map[string]any)
		cid := int64(c["id"].(float64))
		att := c["attachments"].([]any)[0].(map[string]any)
		content := att["content_url"].(string)

		if r := do("PUT", fmt.Sprintf("/api/v2/tickets/%d/comments/%d/redact.json", id, cid), map[string]any{"text": "not there"}); r.Status != 422 {
			t.Fatalf("redacting absent text: %d", r.Status)
		}
		r = do("PUT", fmt.Sprintf("/api/v2/tickets/%d/comments/%d/redact.json", id, cid), map[string]any{"text": "4111 1111 1111 1111"})
		if r.Status != 200 {
			t.Fatalf("redact: %d %s", r.Status, r.Body)
		}
		body := r.JSON(t)["comment"].(map[string]any)["body"].(string)
		if strings.Contains(body, "4111") || !strings.Contains(body, "▇") {
			t.Fatalf("redacted body %q", body)
		}
		tk := do("GET", fmt.Sprintf("/api/v2/tickets/%d.json", id), nil).JSON(t)["ticket"].(map[string]any)
		if strings.Contains(tk["description"].(string), "4111") {
			t.Fatalf("description still holds the number: %q", tk["description"])
		}
		r = do("PUT", fmt.Sprintf("/api/v2/tickets/%d/comments/%d/attachments/%d/redact.json", id, cid, int64(att["id"].(float64))), nil)
		if r.Status != 200 || r.JSON(t)["attachment"].(map[string]any)["file_name"] != "redacted.txt" {
			t.Fatalf("redact attachment: %d %s", r.Status, r.Body)
		}
		if code, body := get(t, s, content, a.Host, a.TokenAuth()); code != 200 || body != "" {
			t.Fatalf("redacted attachment content: %d %q", code, body)
		}
		auds := do("GET", fmt.Sprintf("/api/v2/tickets/%d/audits.json", id), nil).JSON(t)["audits"].([]any)
		types := []string{}
		for _, au := range auds {
			for _, e := range au.(map[string]any)["events"].([]any) {
				types = append(types, e.(map[string]any)["type"].(string))
			}
		}
		if !strings.Contains(strings.Join(types, ","), "CommentRedactionEvent") || !strings.Contains(strings.Join(types, ","), "AttachmentRedactionEvent") {
			t.Fatalf("audit events %v", types)
		}
		rel := do("GET", fmt.Sprintf("/api/v2/tickets/%d/related.json", id), nil)
		if rel.Status != 200 || rel.JSON(t)["ticket_related"].(map[string]any)["incidents"] != float64(0) {
			t.Fatalf("related: %d %s", rel.Status, rel.Body)
		}
	})
}
