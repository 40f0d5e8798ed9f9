package ticketjobs_test

import (
	"encoding/base64"
	"fmt"
	"testing"

	"parley/internal/app/apptest"
)

func TestRatingsMetricsSpamImports(t *testing.T) {
	apptest.Each(t, func(t *testing.T, s *apptest.Server) {
		e := env{t, s, s.Default}
		user := func(name, email, role string) int64 {
			return num(e.must(201, "POST", "/api/v2/users.json", map[string]any{"user": map[string]any{"name": name, "email": email,
				"role": role, "password": "pass-word-123", "verified": true}})["user"].(map[string]any)["id"])
		}
		req := user("Req", "req@alpha.example", "end-user")
		agent := user("Agent A", "agent@alpha.example", "agent")
		cc := user("Copied", "cc@alpha.example", "end-user")
		tk := e.must(201, "POST", "/api/v2/tickets.json", map[string]any{"ticket": map[string]any{"subject": "Help",
			"requester_id": req, "comment": map[string]any{"body": "please"}, "email_ccs": []any{map[string]any{"user_id": cc}},
			"followers": []any{map[string]any{"user_id": agent}}}})["ticket"].(map[string]any)
		id := num(tk["id"])
		path := fmt.Sprintf("/api/v2/tickets/%d", id)

		// CC and follower lists render users.
		for kind, want := range map[string]int64{"email_ccs": cc, "followers": agent, "collaborators": cc} {
			us := e.must(200, "GET", path+"/"+kind+".json", nil)["users"].([]any)
			found := false
			for _, u := range us {
				found = found || num(u.(map[string]any)["id"]) == want
			}
			if !found {
				t.Fatalf("%s: %v lacks %d", kind, us, want)
			}
		}

		// Work the ticket: assign, reply publicly, pend, solve.
		e.must(200, "PUT", path+".json", map[string]any{"ticket": map[string]any{"assignee_id": agent}})
		e.must(200, "PUT", path+".json", map[string]any{"ticket": map[string]any{"status": "pending",
			"comment": map[string]any{"body": "Can you try again?", "public": true}}})
		e.must(200, "PUT", path+".json", map[string]any{"ticket": map[string]any{"status": "solved"}})
		m := e.must(200, "GET", path+"/metrics.json", nil)["ticket_metric"].(map[string]any)
		if m["replies"] != float64(1) || m["assignee_stations"] != float64(1) || m["reopens"] != float64(0) ||
			m["solved_at"] == nil || m["first_resolution_time_in_minutes"].(map[string]any)["calendar"] == nil {
			t.Fatalf("metrics: %v", m)
		}
		e.must(200, "PUT", path+".json", map[string]any{"ticket": map[string]any{"status": "open"}})
		if m := e.must(200, "GET", path+"/metrics.json", nil)["ticket_metric"].(map[string]any); m["reopens"] != float64(1) {
			t.Fatalf("reopens after reopening: %v", m["reopens"])
		}
		if ms := e.must(200, "GET", "/api/v2/ticket_metrics.json", nil)["ticket_metrics"].([]any); len(ms) != 1 {
			t.Fatalf("ticket_metrics list: %v", ms)
		}
		e.must(200, "PUT", path+".json", map[string]any{"ticket": map[string]any{"status": "solved"}})

		// Only the requester rates; good/bad; the ticket shows it.
		reqAuth := "Basic " + base64.StdEncoding.EncodeToString([]byte("req@alpha.example:pass-word-123"))
		rate := func(auth string, score string) apptest.Response {
			return s.Do(t, apptest.Request{Method: "POST", Path: path + "/satisfaction_rating.json", Host: e.tn.Host, Auth: auth,
				Body: map[string]any{"satisfaction_rating": map[string]any{"score": score, "comment": "Thanks!"}}})
		}
		if r := rate(e.tn.TokenAuth(), "good"); r.Status != 403 {
			t.Fatalf("agent rating: %d", r.Status)
		}
		if r := rate(reqAuth, "meh"); r.Status != 422 {
			t.Fatalf("bad score: %d", r.Status)
		}
		if r := rate(reqAuth, "good"); r.Status != 200 {
			t.Fatalf("rating: %d %s", r.Status, r.Body)
		}
		if sr := e.ticket(id)["satisfaction_rating"].(map[string]any); sr["score"] != "good" || sr["comment"] != "Thanks!" {
			t.Fatalf("ticket rating: %v", sr)
		}
		if rs := e.must(200, "GET", "/api/v2/satisfaction_ratings.json?score=good", nil)["satisfaction_ratings"].([]any); len(rs) != 1 {
			t.Fatalf("ratings list: %v", rs)
		}
		if c := e.must(200, "GET", "/api/v2/satisfaction_ratings/count.json?score=bad", nil)["count"].(map[string]any)["value"]; c != float64(0) {
			t.Fatalf("bad ratings: %v", c)
		}

		// Imports keep their dates and statuses; comments keep their times.
		im := e.must(201, "POST", "/api/v2/imports/tickets.json", map[string]any{"ticket": map[string]any{
			"subject": "Old ticket", "requester_id": req, "status": "closed", "created_at": "2020-01-02T03:04:05Z",
			"updated_at": "2020-01-05T00:00:00Z", "solved_at": "2020-01-04T00:00:00Z", "tags": []string{"imported"},
			"comments": []any{
				map[string]any{"author_id": req, "value": "It broke", "created_at": "2020-01-02T03:04:05Z"},
				map[string]any{"author_id": agent, "value": "Fixed", "public": true, "created_at": "2020-01-03T10:00:00Z"},
			}}})["ticket"].(map[string]any)
		if im["created_at"] != "2020-01-02T03:04:05Z" || im["updated_at"] != "2020-01-05T00:00:00Z" || im["status"] != "closed" {
			t.Fatalf("import: %v", im)
		}
		cs := e.must(200, "GET", fmt.Sprintf("/api/v2/tickets/%d/comments.json", num(im["id"])), nil)["comments"].([]any)
		if len(cs) != 2 || cs[1].(map[string]any)["created_at"] != "2020-01-03T10:00:00Z" || num(cs[0].(map[string]any)["author_id"]) != req {
			t.Fatalf("imported comments: %v", cs)
		}
		if r := s.Do(t, apptest.Request{Method: "POST", Path: "/api/v2/imports/tickets.json", Host: e.tn.Host,
			Auth: "Basic " + base64.StdEncoding.EncodeToString([]byte("agent@alpha.example:pass-word-123")),
			Body: map[string]any{"ticket": map[string]any{"subject": "x", "comments": []any{map[string]any{"value": "y"}}}}}); r.Status != 403 {
			t.Fatalf("agent import: %d", r.Status)
		}

		// Spam: the ticket goes, the requester is suspended.
		sp := e.must(201, "POST", "/api/v2/tickets.json", map[string]any{"ticket": map[string]any{"subject": "BUY NOW",
			"requester": map[string]any{"email": "spammer@spam.example"}, "comment": map[string]any{"body": "cheap"}}})["ticket"].(map[string]any)
		e.must(200, "PUT", fmt.Sprintf("/api/v2/tickets/%d/mark_as_spam.json", num(sp["id"])), nil)
		if r := e.do("GET", fmt.Sprintf("/api/v2/tickets/%d.json", num(sp["id"])), nil); r.Status != 404 {
			t.Fatalf("spam ticket still there: %d", r.Status)
		}
		if u := e.must(200, "GET", fmt.Sprintf("/api/v2/users/%d.json", num(sp["requester_id"])), nil)["user"].(map[string]any); u["suspended"] != true {
			t.Fatalf("spammer not suspended: %v", u["suspended"])
		}
	})
}
