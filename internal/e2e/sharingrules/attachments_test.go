package sharingrules_test

import (
	"fmt"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"

	"parley/internal/app/apptest"
	"parley/internal/e2e/sharing/pair"
)

// Attachments travel as links the partner can open (seed 003), unless the
// sender has secure downloads on: then the partner could not open them,
// and the comment arrives without them.

// upload stores a file on side x and returns its upload token.
func upload(t *testing.T, x pair.Side, name, content string) string {
	t.Helper()
	r := x.S.Do(t, apptest.Request{Method: "POST", Path: "/api/v2/uploads.json?filename=" + url.QueryEscape(name),
		Host: x.T.Host, Auth: x.T.TokenAuth(), Body: []byte(content), Header: http.Header{"Content-Type": {"text/plain"}}})
	if r.Status != http.StatusCreated {
		t.Fatalf("%s: upload %s: %d %s", x.Name, name, r.Status, r.Body)
	}
	return fmt.Sprint(pair.Obj(t, r.JSON(t), "upload")["token"])
}

// withFile is a comment carrying an upload.
func withFile(body, token string) map[string]any {
	return map[string]any{"body": body, "public": true, "uploads": []string{token}}
}

var link = regexp.MustCompile(`https?://[^\s"'<>)]+/attachments/token/[^\s"'<>)]+`)

// fetch downloads a link to one of side x's files, without credentials.
func fetch(t *testing.T, x pair.Side, raw string) apptest.Response {
	t.Helper()
	u, err := url.Parse(raw)
	if err != nil {
		t.Fatalf("attachment link %q: %v", raw, err)
	}
	return x.S.Do(t, apptest.Request{Method: "GET", Path: u.RequestURI(), Host: u.Host})
}

// A file on the shared ticket's first comment and one on a later comment
// arrive on the partner as links, named, that open the file.
func TestAttachmentLinks(t *testing.T) {
	pair.Each(t, func(t *testing.T, p *pair.Pair) {
		aid, _ := p.Connect(t, nil)
		first := upload(t, p.A, "manual.txt", "read me first")
		aID, bID := shared(t, p, aid, "Manual attached", map[string]any{"comment": withFile("see the manual", first)})
		checkLink(t, p, fmt.Sprint(waitComment(t, p.B, bID, "see the manual")["body"]), "manual.txt", "read me first")

		second := upload(t, p.A, "wiring.txt", "red to red")
		pair.Update(t, p.A, aID, map[string]any{"comment": withFile("wiring attached", second)})
		checkLink(t, p, fmt.Sprint(waitComment(t, p.B, bID, "wiring attached")["body"]), "wiring.txt", "red to red")
	})
}

// checkLink checks that a comment body B received names file and links
// to it, and that the link opens the file on A.
func checkLink(t *testing.T, p *pair.Pair, body, file, content string) {
	t.Helper()
	links := link.FindAllString(body, -1)
	if !strings.Contains(body, file) || len(links) != 1 {
		t.Errorf("B's comment = %q; want the file name %s and one link to the file", body, file)
		return
	}
	if r := fetch(t, p.A, links[0]); r.Status != http.StatusOK || string(r.Body) != content {
		t.Errorf("opening the link %s: %d %q; want 200 with %s's content", links[0], r.Status, r.Body, file)
	}
}

// findSubject is the id of side x's ticket with subject.
func findSubject(t *testing.T, x pair.Side, subject string) int64 {
	t.Helper()
	list, _ := x.Do(t, "GET", "/api/v2/tickets.json", nil, http.StatusOK)["tickets"].([]any)
	for _, tk := range list {
		if m := tk.(map[string]any); m["subject"] == subject {
			return pair.Num(m["id"])
		}
	}
	t.Fatalf("%s has no ticket %q", x.Name, subject)
	return 0
}

// With secure downloads on, the sender's comments arrive without their
// files: no link and no name, on the first comment and on later ones.
func TestSecureDownloadsKeepFiles(t *testing.T) {
	pair.Each(t, func(t *testing.T, p *pair.Pair) {
		aid, _ := p.Connect(t, nil)
		p.A.Do(t, "PUT", "/api/v2/account/settings.json",
			map[string]any{"settings": map[string]any{"secure_downloads": true}}, http.StatusOK)

		first := upload(t, p.A, "contract.txt", "terms")
		_, bID := shared(t, p, aid, "Secure files", map[string]any{"comment": withFile("contract enclosed", first)})
		aID := findSubject(t, p.A, "Secure files")
		second := upload(t, p.A, "secret.txt", "top secret")
		pair.Update(t, p.A, aID, map[string]any{"comment": withFile("confidential attached", second)})

		for _, x := range []struct{ text, file string }{{"contract enclosed", "contract.txt"}, {"confidential attached", "secret.txt"}} {
			mine := waitComment(t, p.A, aID, x.text)
			if atts, _ := mine["attachments"].([]any); len(atts) != 1 {
				t.Errorf("A's comment %q has attachments %v; want its file (it stays on A)", x.text, mine["attachments"])
			}
			body := fmt.Sprint(waitComment(t, p.B, bID, x.text)["body"])
			if strings.Contains(body, x.file) || strings.Contains(body, "/attachments/") {
				t.Errorf("B's comment = %q; with A's secure downloads on it must arrive without %s or a link", body, x.file)
			}
		}
	})
}
