package share_test

import (
	"bytes"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"parley/internal/app/apptest"
	"parley/internal/platform/db"
	"parley/internal/share"
)

// FuzzProtocol sends arbitrary bodies to every NHD endpoint of a real
// server (SQLite), as an authenticated partner with an accepted agreement
// and one shared ticket: whatever arrives, the answer is never a 5xx and
// always a JSON object. Every input writes to the database: fuzz with
// -fuzzminimizetime 1x.
func FuzzProtocol(f *testing.F) {
	s := apptest.Start(f, db.SQLite)
	h := s.App.Router()
	partnerURL := "https://partner.example/sharing"
	agreement := share.UUID(partnerURL, "agreements", 1)
	key := strings.Repeat("5a", 20)
	token := agreement + ":" + key
	call := func(method, path string, body []byte) *httptest.ResponseRecorder {
		req := httptest.NewRequest(method, path, bytes.NewReader(body))
		req.Host = s.Default.Host
		req.Header.Set("Content-Type", "application/json")
		req.Header.Set("X-Ticket-Sharing-Token", token)
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, req)
		return rec
	}
	inv, _ := json.Marshal(map[string]any{"uuid": agreement, "name": "Partner", "sender_url": partnerURL,
		"receiver_url": s.URL + "/sharing", "access_key": key, "status": "pending", "sync_tags": true,
		"sync_custom_fields": true, "allows_public_comments": true})
	if rec := call("POST", "/sharing/agreements/"+agreement, inv); rec.Code != http.StatusCreated {
		f.Fatalf("invitation: %d %s", rec.Code, rec.Body)
	}
	list := s.Do(f, apptest.Request{Path: "/api/v2/sharing_agreements.json", Host: s.Default.Host, Auth: s.Default.TokenAuth()})
	var ags struct {
		SharingAgreements []struct{ ID int64 } `json:"sharing_agreements"`
	}
	if err := json.Unmarshal(list.Body, &ags); err != nil || len(ags.SharingAgreements) != 1 {
		f.Fatalf("agreements: %s", list.Body)
	}
	if r := s.Do(f, apptest.Request{Method: "PUT", Path: fmt.Sprintf("/api/v2/sharing_agreements/%d.json", ags.SharingAgreements[0].ID),
		Host: s.Default.Host, Auth: s.Default.TokenAuth(), Body: map[string]any{"sharing_agreement": map[string]any{"status": "accepted"}}}); r.Status != 200 {
		f.Fatalf("accept: %d %s", r.Status, r.Body)
	}
	tk := share.UUID(partnerURL, "tickets", 1)
	first, _ := json.Marshal(map[string]any{"uuid": tk, "subject": "Fuzzed", "status": "open",
		"requester": map[string]any{"uuid": share.UUID(partnerURL, "users", 1), "name": "Rita"},
		"comments":  []any{map[string]any{"uuid": share.UUID(partnerURL, "comments", 1), "body": "hello", "author": map[string]any{"uuid": share.UUID(partnerURL, "users", 1), "name": "Rita"}}}})
	if rec := call("POST", "/sharing/tickets/"+tk, first); rec.Code != http.StatusCreated {
		f.Fatalf("share: %d %s", rec.Code, rec.Body)
	}

	for _, seed := range []string{
		`{"uuid":"` + tk + `","status":"pending","comments":[{"uuid":"` + share.UUID(partnerURL, "comments", 2) + `","body":"again","author":{"uuid":"x","name":"A","role":"agent"},"public":false,"authored_at":"2010-11-24 14:13:54 -0800"}]}`,
		`{"uuid":"` + tk + `","tags":["a","b",""],"custom_fields":{"Camera":{"type":"tagger","value":"x"},"n":5,"m":[1,2]}}`,
		`{"uuid":"` + tk + `","tags":null,"custom_fields":"nope","status":7}`,
		`{"uuid":"` + tk + `","comments":[{"body":"","attachments":[{"url":"javascript:alert(1)","filename":"<b>"}]}]}`,
		`{"uuid":"` + agreement + `","status":"inactive","deactivated_by":"receiver"}`,
		`{"uuid":"` + agreement + `","name":"` + strings.Repeat("n", 300) + `","status":"accepted"}`,
		`{}`, `[]`, `null`, `{"uuid":5}`, "\x00", `{"uuid":"` + tk + `","comments":[null,{},[]]}`,
	} {
		for _, target := range []byte{0, 1, 2, 3} {
			f.Add(target, []byte(seed))
		}
	}
	f.Fuzz(func(t *testing.T, target byte, body []byte) {
		method, path := "PUT", "/sharing/tickets/"+tk
		switch target % 5 {
		case 1:
			method = "POST"
			path = "/sharing/tickets/" + share.UUID(partnerURL, "tickets", len(body))
			var m map[string]any
			if json.Unmarshal(body, &m) == nil && m != nil {
				m["uuid"] = strings.TrimPrefix(path, "/sharing/tickets/")
				body, _ = json.Marshal(m)
			}
		case 2:
			method, path = "PUT", "/sharing/agreements/"+agreement
		case 3:
			method, path = "POST", "/sharing/agreements/"+share.UUID(partnerURL, "agreements", len(body)+2)
		case 4:
			method = "DELETE"
		}
		rec := call(method, path, body)
		if rec.Code >= 500 {
			t.Fatalf("%s %s %q: %d %s", method, path, body, rec.Code, rec.Body)
		}
		var out map[string]any
		if err := json.Unmarshal(rec.Body.Bytes(), &out); err != nil {
			t.Fatalf("%s %s %q: %d, body is not a JSON object: %s", method, path, body, rec.Code, rec.Body)
		}
	})
}
