// Package ticketjobs_test covers the ticket endpoints that run as jobs or
// stream: bulk create/update/destroy, merge, deleted tickets and the
// incremental exports.
package ticketjobs_test

import (
	"fmt"
	"net/http"
	"sort"
	"strings"
	"testing"

	"parley/internal/app/apptest"
)

type env struct {
	t  *testing.T
	s  *apptest.Server
	tn apptest.Tenant
}

func (e env) do(method, path string, body any) apptest.Response {
	e.t.Helper()
	return e.s.Do(e.t, apptest.Request{Method: method, Path: path, Host: e.tn.Host, Auth: e.tn.TokenAuth(), Body: body})
}

func (e env) must(status int, method, path string, body any) map[string]any {
	e.t.Helper()
	r := e.do(method, path, body)
	if r.Status != status {
		e.t.Fatalf("%s %s: %d %s", method, path, r.Status, r.Body)
	}
	if len(r.Body) == 0 {
		return nil
	}
	return r.JSON(e.t)
}

func (e env) job(resp map[string]any) map[string]any {
	e.t.Helper()
	id := resp["job_status"].(map[string]any)["id"].(string)
	js := e.s.WaitJob(e.t, e.tn, id)
	if js["status"] != "completed" {
		e.t.Fatalf("job %s: %v", id, js)
	}
	return js
}

func (e env) ticket(id int64) map[string]any {
	e.t.Helper()
	return e.must(200, "GET", fmt.Sprintf("/api/v2/tickets/%d.json", id), nil)["ticket"].(map[string]any)
}

func num(v any) int64 { return int64(v.(float64)) }

func TestBulk(t *testing.T) {
	apptest.Each(t, func(t *testing.T, s *apptest.Server) {
		e := env{t, s, s.Default}
		js := e.job(e.must(200, "POST", "/api/v2/tickets/create_many.json", map[string]any{"tickets": []any{
			map[string]any{"subject": "one", "comment": map[string]any{"body": "1"}},
			map[string]any{"subject": "two", "comment": map[string]any{"body": "2"}, "priority": "urgent"},
			map[string]any{"subject": "bad", "comment": map[string]any{"body": "3"}, "priority": "whenever"},
		}}))
		res := js["results"].([]any)
		if len(res) != 3 || num(res[0].(map[string]any)["id"]) != 1 || num(res[1].(map[string]any)["id"]) != 2 ||
			res[2].(map[string]any)["error"] != "RecordInvalid" {
			t.Fatalf("create_many results: %v", res)
		}
		if c := e.must(200, "GET", "/api/v2/tickets/count.json", nil)["count"].(map[string]any)["value"]; c != float64(2) {
			t.Fatalf("count after create_many: %v (the invalid one must not exist)", c)
		}
		e.job(e.must(200, "PUT", "/api/v2/tickets/update_many.json?ids=1,2", map[string]any{"ticket": map[string]any{"status": "pending",
			"additional_tags": []string{"batch"}}}))
		for _, id := range []int64{1, 2} {
			if tk := e.ticket(id); tk["status"] != "pending" || !strings.Contains(fmt.Sprint(tk["tags"]), "batch") {
				t.Fatalf("ticket %d after update_many: %v %v", id, tk["status"], tk["tags"])
			}
		}
		js = e.job(e.must(200, "PUT", "/api/v2/tickets/update_many.json", map[string]any{"tickets": []any{
			map[string]any{"id": 1, "priority": "low"}, map[string]any{"id": 99, "priority": "low"}}}))
		res = js["results"].([]any)
		if res[0].(map[string]any)["success"] != true || res[1].(map[string]any)["success"] != false {
			t.Fatalf("update_many per-record results: %v", res)
		}
		e.job(e.must(200, "DELETE", "/api/v2/tickets/destroy_many.json?ids=2", nil))
		if r := e.do("GET", "/api/v2/tickets/2.json", nil); r.Status != 404 {
			t.Fatalf("destroyed ticket: %d", r.Status)
		}
		// Deleted tickets: listed, restorable, purgeable.
		del := e.must(200, "GET", "/api/v2/deleted_tickets.json", nil)["deleted_tickets"].([]any)
		if len(del) != 1 || num(del[0].(map[string]any)["id"]) != 2 {
			t.Fatalf("deleted_tickets: %v", del)
		}
		e.must(200, "PUT", "/api/v2/deleted_tickets/2/restore.json", nil)
		if tk := e.ticket(2); tk["subject"] != "two" {
			t.Fatalf("restored: %v", tk)
		}
		e.must(204, "DELETE", "/api/v2/tickets/2.json", nil)
		e.job(e.must(200, "DELETE", "/api/v2/deleted_tickets/2.json", nil))
		if r := e.do("PUT", "/api/v2/deleted_tickets/2/restore.json", nil); r.Status != 404 {
			t.Fatalf("restore after purge: %d", r.Status)
		}
		if r := e.do("POST", "/api/v2/tickets/create_many.json", map[string]any{"tickets": make([]any, 101)}); r.Status != 400 ||
			!strings.Contains(string(r.Body), "TooManyValues") {
			t.Fatalf("101 tickets: %d %s", r.Status, r.Body)
		}
	})
}

func TestMerge(t *testing.T) {
	apptest.Each(t, func(t *testing.T, s *apptest.Server) {
		e := env{t, s, s.Default}
		mk := func(subject, email string) int64 {
			return num(e.must(201, "POST", "/api/v2/tickets.json", map[string]any{"ticket": map[string]any{"subject": subject,
				"requester": map[string]any{"email": email}, "comment": map[string]any{"body": subject + " body"}}})["ticket"].(map[string]any)["id"])
		}
		target, src1, src2 := mk("Printer broken", "a@x.example"), mk("Printer still broken", "b@x.example"), mk("Printer smoking", "a@x.example")
		// Merging a ticket into itself is refused before any job runs.
		if r := e.do("POST", fmt.Sprintf("/api/v2/tickets/%d/merge.json", target), map[string]any{"ids": []int64{target}}); r.Status != 422 {
			t.Fatalf("self merge: %d %s", r.Status, r.Body)
		}
		e.job(e.must(200, "POST", fmt.Sprintf("/api/v2/tickets/%d/merge.json", target), map[string]any{"ids": []int64{src1, src2},
			"source_comment": "Closing in favour of the main ticket"}))
		for _, id := range []int64{src1, src2} {
			if st := e.ticket(id)["status"]; st != "closed" {
				t.Fatalf("source %d status %v", id, st)
			}
			cs := e.must(200, "GET", fmt.Sprintf("/api/v2/tickets/%d/comments.json", id), nil)["comments"].([]any)
			last := cs[len(cs)-1].(map[string]any)
			if last["body"] != "Closing in favour of the main ticket" || last["public"] != false {
				t.Fatalf("source %d last comment: %v", id, last)
			}
		}
		cs := e.must(200, "GET", fmt.Sprintf("/api/v2/tickets/%d/comments.json", target), nil)["comments"].([]any)
		if len(cs) != 3 || !strings.Contains(cs[1].(map[string]any)["body"].(string), fmt.Sprintf("Request #%d", src1)) {
			t.Fatalf("target comments: %v", cs)
		}
		tk := e.ticket(target)
		if len(tk["email_cc_ids"].([]any)) != 1 {
			t.Fatalf("the other requester should be CC'd on the target: %v", tk["email_cc_ids"])
		}
		// A closed ticket cannot be merged again.
		if r := e.do("POST", fmt.Sprintf("/api/v2/tickets/%d/merge.json", target), map[string]any{"ids": []int64{src1}}); r.Status != 422 {
			t.Fatalf("merging a closed ticket: %d", r.Status)
		}
	})
}

func TestIncrementalExport(t *testing.T) {
	apptest.Each(t, func(t *testing.T, s *apptest.Server) {
		e := env{t, s, s.Default}
		for i := 0; i < 7; i++ {
			e.must(201, "POST", "/api/v2/tickets.json", map[string]any{"ticket": map[string]any{"subject": fmt.Sprint("t", i),
				"comment": map[string]any{"body": "x"}}})
		}
		e.must(204, "DELETE", "/api/v2/tickets/3.json", nil)
		// Time-based: follow next_page until end_of_stream; every ticket
		// appears (duplicates at page boundaries are allowed, as in Zendesk).
		seen := map[int64]string{}
		path := "/api/v2/incremental/tickets.json?start_time=0&per_page=2"
		for i := 0; i < 20; i++ {
			body := e.must(200, "GET", path, nil)
			for _, x := range body["tickets"].([]any) {
				tk := x.(map[string]any)
				seen[num(tk["id"])] = tk["status"].(string)
				if tk["generated_timestamp"] == nil {
					t.Fatal("generated_timestamp missing")
				}
			}
			if body["end_of_stream"] == true {
				break
			}
			next := body["next_page"].(string)
			path = next[strings.Index(next, "/api/v2"):]
		}
		if len(seen) != 7 || seen[3] != "deleted" {
			t.Fatalf("time-based export saw %v", seen)
		}
		// Cursor-based: exactly once each, in order.
		var ids []int64
		path = "/api/v2/incremental/tickets/cursor.json?start_time=0&per_page=3"
		for i := 0; i < 20; i++ {
			body := e.must(200, "GET", path, nil)
			for _, x := range body["tickets"].([]any) {
				ids = append(ids, num(x.(map[string]any)["id"]))
			}
			if body["end_of_stream"] == true {
				break
			}
			next := body["after_url"].(string)
			path = next[strings.Index(next, "/api/v2"):]
		}
		sorted := append([]int64{}, ids...)
		sort.Slice(sorted, func(i, j int) bool { return sorted[i] < sorted[j] })
		if len(ids) != 7 || fmt.Sprint(sorted) != "[1 2 3 4 5 6 7]" {
			t.Fatalf("cursor export ids %v", ids)
		}
		// Ticket events: one audit per create plus the delete's, with child events.
		body := e.must(200, "GET", "/api/v2/incremental/ticket_events.json?start_time=0", nil)
		evs := body["ticket_events"].([]any)
		if len(evs) < 7 {
			t.Fatalf("ticket events: %d", len(evs))
		}
		kids := evs[0].(map[string]any)["child_events"].([]any)
		if len(kids) == 0 || kids[0].(map[string]any)["event_type"] != "Create" {
			t.Fatalf("child events: %v", kids)
		}
		// Recent start_time and end users are refused.
		if r := e.do("GET", "/api/v2/incremental/tickets.json?start_time=9999999999", nil); r.Status != http.StatusBadRequest {
			t.Fatalf("future start_time: %d", r.Status)
		}
	})
}
