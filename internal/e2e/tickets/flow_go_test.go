package tickets_test

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"slices"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/nukosuke/go-zendesk/zendesk"

	"parley/internal/app/apptest"
)

// TestGoZendeskThirdPartyFlow is the "Tickets" issue's client flow through
// go-zendesk as a third party uses it: a client built with
// zendesk.NewClient(nil) against the server's bare address (the default
// account), token credentials, the client's own methods wherever it has
// them and its raw Get/Post for the endpoints it lacks (merge, job
// statuses, incremental export). Each step asserts what a real caller
// relies on.
func TestGoZendeskThirdPartyFlow(t *testing.T) {
	apptest.Each(t, func(t *testing.T, s *apptest.Server) {
		start := time.Now()
		e := newEnv(t, s, s.Default) // raw helpers (ticket fields) only
		c, err := zendesk.NewClient(nil)
		must(t, "zendesk.NewClient", err)
		must(t, "SetEndpointURL", c.SetEndpointURL(s.URL+"/api/v2"))
		c.SetCredential(zendesk.NewAPITokenCredential(s.Default.Email, s.Default.Token))

		orderID := e.field(map[string]any{"type": "text", "title": "Order number"})
		productID := e.field(map[string]any{"type": "tagger", "title": "Product line", "custom_field_options": []map[string]any{
			{"name": "Laser", "value": "prod_laser"}, {"name": "Inkjet", "value": "prod_inkjet"}}})

		// 1. Upload a file (UploadAttachment: POST /uploads.json?filename=, application/binary).
		content := bytes.Repeat([]byte("toner levels: 3%\n"), 97) // 1649 bytes
		content = append(content, 0x00, 0xff, 0x10)               // and a few non-text bytes
		const fileName = "printer log.txt"
		w := c.UploadAttachment(ctx, fileName, "")
		if _, err := w.Write(content); err != nil {
			t.Fatalf("UploadAttachment write: %v", err)
		}
		up, err := w.Close()
		must(t, "UploadAttachment", err)
		if up.Token == "" || up.Attachment.ID == 0 || up.Attachment.FileName != fileName ||
			up.Attachment.Size != int64(len(content)) || up.Attachment.ContentURL == "" {
			t.Fatalf("upload: token %q attachment %+v; want file_name %q size %d", up.Token, up.Attachment, fileName, len(content))
		}
		if len(up.Attachments) != 1 || up.Attachments[0].ID != up.Attachment.ID {
			t.Errorf("upload.attachments %+v, want the one attachment", up.Attachments)
		}

		// 2. Create the ticket with custom fields, tags and the upload.
		public := true
		created, err := c.CreateTicket(ctx, zendesk.Ticket{
			Subject:  "Flow: printer jams",
			Priority: "normal",
			Type:     "incident",
			Tags:     []string{"flow_case", "Printer"},
			CustomFields: []zendesk.CustomField{
				{ID: orderID, Value: "ORD-7781"},
				{ID: productID, Value: "prod_laser"},
			},
			Comment: &zendesk.TicketComment{Body: "It jams on every page; log attached.", Public: &public, Uploads: []string{up.Token}},
		})
		must(t, "CreateTicket", err)
		tid := created.ID
		if created.Status != "new" || created.Subject != "Flow: printer jams" || !created.IsPublic ||
			created.Description != "It jams on every page; log attached." {
			t.Errorf("CreateTicket answered %+v", created)
		}
		// Tags are lowercased; the dropdown's value is added as a tag.
		if got := sortedTags(created.Tags); !slices.Equal(got, []string{"flow_case", "printer", "prod_laser"}) {
			t.Errorf("created tags %v, want [flow_case printer prod_laser]", got)
		}
		if v := cfValue(created.CustomFields, orderID); v != "ORD-7781" {
			t.Errorf("created custom field %d = %#v, want ORD-7781", orderID, v)
		}
		if v := cfValue(created.CustomFields, productID); v != "prod_laser" {
			t.Errorf("created custom field %d = %#v, want prod_laser", productID, v)
		}

		// 3. The attachment sits on the first comment and downloads.
		res, err := c.ListTicketComments(ctx, tid, nil)
		must(t, "ListTicketComments", err)
		if len(res.TicketComments) != 1 {
			t.Fatalf("%d comments after create, want 1", len(res.TicketComments))
		}
		first := res.TicketComments[0]
		if len(first.Attachments) != 1 {
			t.Fatalf("first comment has %d attachments, want 1: %+v", len(first.Attachments), first)
		}
		att := first.Attachments[0]
		if att.ID != up.Attachment.ID || att.FileName != fileName || att.Size != int64(len(content)) {
			t.Errorf("comment attachment %+v, want id %d file_name %q size %d", att, up.Attachment.ID, fileName, len(content))
		}
		got := download(t, att.ContentURL, s.Default.Email, s.Default.Token)
		if !bytes.Equal(got, content) {
			t.Errorf("content_url %s served %d bytes, want the %d uploaded", att.ContentURL, len(got), len(content))
		}
		shown, err := c.GetAttachment(ctx, att.ID)
		must(t, "GetAttachment", err)
		if shown.FileName != fileName || shown.Size != int64(len(content)) || shown.ContentURL != att.ContentURL {
			t.Errorf("GetAttachment %+v, comment attachment %+v", shown, att)
		}
		t.Logf("attachment %d: content_type %q, content_url %s", att.ID, att.ContentType, att.ContentURL)

		// 4. Update: status, priority, a custom field and the tags.
		updated, err := c.UpdateTicket(ctx, tid, zendesk.Ticket{
			Status:   "open",
			Priority: "urgent",
			Tags:     []string{"flow_case", "printer", "escalated"},
			CustomFields: []zendesk.CustomField{
				{ID: productID, Value: "prod_inkjet"},
			},
		})
		must(t, "UpdateTicket", err)
		if updated.Status != "open" || updated.Priority != "urgent" {
			t.Errorf("UpdateTicket: status %q priority %q, want open urgent", updated.Status, updated.Priority)
		}
		if v := cfValue(updated.CustomFields, productID); v != "prod_inkjet" {
			t.Errorf("updated custom field %d = %#v, want prod_inkjet", productID, v)
		}
		if v := cfValue(updated.CustomFields, orderID); v != "ORD-7781" {
			t.Errorf("update dropped the untouched custom field %d: %#v", orderID, v)
		}
		if got := sortedTags(updated.Tags); !slices.Equal(got, []string{"escalated", "flow_case", "printer", "prod_inkjet"}) {
			t.Errorf("updated tags %v, want [escalated flow_case printer prod_inkjet] (tags replaced, new dropdown tag)", got)
		}

		// 5. A public and a private comment.
		_, err = c.CreateTicketComment(ctx, tid, zendesk.NewPublicTicketComment("We are sending a technician.", 0))
		must(t, "CreateTicketComment public", err)
		_, err = c.CreateTicketComment(ctx, tid, zendesk.NewPrivateTicketComment("Internal: under warranty.", 0))
		must(t, "CreateTicketComment private", err)
		tk, err := c.GetTicket(ctx, tid)
		must(t, "GetTicket", err)
		if !tk.IsPublic {
			t.Errorf("is_public turned false after a private comment; the ticket still has public comments")
		}
		res, err = c.ListTicketComments(ctx, tid, nil)
		must(t, "ListTicketComments", err)
		wantBodies := []string{"It jams on every page; log attached.", "We are sending a technician.", "Internal: under warranty."}
		wantPublic := []bool{true, true, false}
		if len(res.TicketComments) != 3 {
			t.Fatalf("%d comments, want 3: %+v", len(res.TicketComments), res.TicketComments)
		}
		for i, cm := range res.TicketComments {
			if cm.Body != wantBodies[i] || cm.Public == nil || *cm.Public != wantPublic[i] || cm.AuthorID != s.Default.OwnerID {
				t.Errorf("comment %d: body %q public %v author %d; want %q public %v author %d",
					i, cm.Body, ptrBool(cm.Public), cm.AuthorID, wantBodies[i], wantPublic[i], s.Default.OwnerID)
			}
		}

		// 6. Audits: Create first (Comment then Create events), then the
		// update's Change events, then one audit per comment.
		aus, page, err := c.GetTicketAudits(ctx, tid, zendesk.PageOptions{})
		must(t, "GetTicketAudits", err)
		if len(aus) != 4 || page.Count != 4 {
			t.Fatalf("GetTicketAudits: %d audits (count %d), want 4 (create, update, two comments)", len(aus), page.Count)
		}
		createTypes := eventTypes(aus[0])
		if len(createTypes) < 2 || createTypes[0] != "Comment" || slices.ContainsFunc(createTypes[1:], func(s string) bool { return s != "Create" }) {
			t.Errorf("create audit events %v, want Comment then Create...", createTypes)
		}
		if ev := auditEvent(aus[0], "Comment", ""); ev == nil || len(anyList(ev["attachments"])) != 1 {
			t.Errorf("create audit's Comment event should carry the attachment: %v", ev)
		}
		if ev := auditEvent(aus[0], "Create", "tags"); ev == nil {
			t.Errorf("create audit has no Create event for tags: %v", aus[0].Events)
		}
		if ev := auditEvent(aus[1], "Change", "status"); ev == nil || ev["value"] != "open" || ev["previous_value"] != "new" {
			t.Errorf("update audit status Change %v, want new -> open; events %v", ev, aus[1].Events)
		}
		if ev := auditEvent(aus[1], "Change", "priority"); ev == nil || ev["value"] != "urgent" || ev["previous_value"] != "normal" {
			t.Errorf("update audit priority Change %v, want normal -> urgent", ev)
		}
		if ev := auditEvent(aus[1], "Change", fmt.Sprint(productID)); ev == nil || ev["value"] != "prod_inkjet" || ev["previous_value"] != "prod_laser" {
			t.Errorf("update audit custom field Change %v, want prod_laser -> prod_inkjet; events %v", ev, aus[1].Events)
		}
		for i, want := range []bool{true, false} {
			ev := auditEvent(aus[2+i], "Comment", "")
			if ev == nil || ev["public"] != want {
				t.Errorf("audit %d Comment event %v, want public %v", 2+i, ev, want)
			}
		}

		// 7. Merge two tickets (one with its own attachment and another
		// requester) into it: POST /tickets/{id}/merge.json, then poll the job.
		src1, err := c.CreateTicket(ctx, zendesk.Ticket{Subject: "Flow: printer jams again",
			Comment: &zendesk.TicketComment{Body: "Same printer, same jam.", Public: &public}})
		must(t, "CreateTicket source 1", err)
		w2 := c.UploadAttachment(ctx, "photo.bin", "")
		_, err = w2.Write([]byte("jammed paper photo"))
		must(t, "UploadAttachment 2 write", err)
		up2, err := w2.Close()
		must(t, "UploadAttachment 2", err)
		src2, err := c.CreateTicket(ctx, zendesk.Ticket{Subject: "Flow: paper stuck",
			Requester: &zendesk.Requester{Name: "Fiona Flow", Email: "fiona.flow@customer.example"},
			Comment:   &zendesk.TicketComment{Body: "Paper stuck in tray 2, photo attached.", Public: &public, Uploads: []string{up2.Token}}})
		must(t, "CreateTicket source 2", err)

		body, err := c.Post(ctx, fmt.Sprintf("/tickets/%d/merge.json", tid), map[string]any{"ids": []int64{src1.ID, src2.ID}})
		must(t, "POST merge", err)
		js := waitJob(t, c, body)
		if js["status"] != "completed" {
			t.Fatalf("merge job ended %v: %v", js["status"], js)
		}
		for _, sid := range []int64{src1.ID, src2.ID} {
			st, err := c.GetTicket(ctx, sid)
			must(t, "GetTicket source", err)
			if st.Status != "closed" {
				t.Errorf("merged source %d status %q, want closed", sid, st.Status)
			}
			sc, err := c.ListTicketComments(ctx, sid, nil)
			must(t, "ListTicketComments source", err)
			last := sc.TicketComments[len(sc.TicketComments)-1]
			if !strings.Contains(last.Body, fmt.Sprintf("#%d", tid)) || last.Public == nil || *last.Public {
				t.Errorf("source %d last comment %q public %v; want a private note naming #%d", sid, last.Body, ptrBool(last.Public), tid)
			}
		}
		res, err = c.ListTicketComments(ctx, tid, nil)
		must(t, "ListTicketComments target", err)
		if len(res.TicketComments) != 5 {
			t.Fatalf("target has %d comments after merge, want 5 (3 + one per source)", len(res.TicketComments))
		}
		for i, sid := range []int64{src1.ID, src2.ID} {
			cm := res.TicketComments[3+i]
			if !strings.Contains(cm.Body, fmt.Sprintf("#%d", sid)) || cm.Public == nil || *cm.Public {
				t.Errorf("target merge comment %d: %q public %v; want a private comment naming #%d", i, cm.Body, ptrBool(cm.Public), sid)
			}
		}
		if atts := res.TicketComments[4].Attachments; len(atts) != 1 || atts[0].FileName != "photo.bin" || atts[0].Size != int64(len("jammed paper photo")) {
			t.Errorf("merge comment for source %d should carry its attachment: %+v", src2.ID, atts)
		} else if got := download(t, atts[0].ContentURL, s.Default.Email, s.Default.Token); string(got) != "jammed paper photo" {
			t.Errorf("copied attachment served %q", got)
		}
		tk, err = c.GetTicket(ctx, tid)
		must(t, "GetTicket target", err)
		if tk.Status != "open" || !slices.Contains(tk.EmailCCIDs, src2.RequesterID) {
			t.Errorf("target after merge: status %q email_cc_ids %v; want open with source requester %d CC'd", tk.Status, tk.EmailCCIDs, src2.RequesterID)
		}

		// 8. Cursor incremental export: start_time=0, then cursor=after_cursor
		// until end_of_stream; every ticket exactly once.
		seen := map[int64]int{}
		status := map[int64]string{}
		path := "/incremental/tickets/cursor.json?start_time=0&per_page=2"
		pages := 0
		for {
			pages++
			if pages > 20 {
				t.Fatalf("incremental export did not reach end_of_stream in 20 pages")
			}
			b, err := c.Get(ctx, path)
			must(t, "GET "+path, err)
			var pg struct {
				Tickets     []zendesk.Ticket `json:"tickets"`
				AfterCursor string           `json:"after_cursor"`
				AfterURL    string           `json:"after_url"`
				EndOfStream bool             `json:"end_of_stream"`
			}
			must(t, "decode export page", json.Unmarshal(b, &pg))
			for _, x := range pg.Tickets {
				seen[x.ID]++
				status[x.ID] = x.Status
			}
			if pg.EndOfStream {
				break
			}
			if pg.AfterCursor == "" {
				t.Fatalf("export page without end_of_stream has no after_cursor: %s", b)
			}
			path = "/incremental/tickets/cursor.json?per_page=2&cursor=" + pg.AfterCursor
		}
		want := []int64{tid, src1.ID, src2.ID}
		var ids []int64
		for id, n := range seen {
			ids = append(ids, id)
			if n != 1 {
				t.Errorf("ticket %d exported %d times, want once", id, n)
			}
		}
		slices.Sort(ids)
		if !slices.Equal(ids, want) {
			t.Errorf("export returned tickets %v, want %v", ids, want)
		}
		if status[src1.ID] != "closed" || status[tid] != "open" {
			t.Errorf("export statuses %v, want the current state", status)
		}
		t.Logf("incremental export: %d tickets in %d pages", len(ids), pages)

		// 9. Search (GET /search.json, /search/count.json).
		results, sp, err := c.Search(ctx, &zendesk.SearchOptions{Query: "type:ticket tags:flow_case"})
		must(t, "Search tags", err)
		var hits []int64
		for _, r := range results.List() {
			if x, ok := r.(zendesk.Ticket); ok {
				hits = append(hits, x.ID)
			} else {
				t.Errorf("search result %T, want zendesk.Ticket", r)
			}
		}
		if !slices.Equal(hits, []int64{tid}) || sp.Count != 1 {
			t.Errorf("search tags:flow_case: ids %v count %d, want [%d] 1", hits, sp.Count, tid)
		}
		results, sp, err = c.Search(ctx, &zendesk.SearchOptions{Query: "type:ticket status:closed", SortBy: "created_at", SortOrder: "asc"})
		must(t, "Search status:closed", err)
		hits = hits[:0]
		for _, r := range results.List() {
			if x, ok := r.(zendesk.Ticket); ok {
				hits = append(hits, x.ID)
			}
		}
		if !slices.Equal(hits, []int64{src1.ID, src2.ID}) || sp.Count != 2 {
			t.Errorf("search status:closed: ids %v count %d, want [%d %d] 2", hits, sp.Count, src1.ID, src2.ID)
		}
		// "tray" is in source 2's comment and, quoted by the merge, in the
		// target's comments; nowhere else.
		n, err := c.SearchCount(ctx, &zendesk.CountOptions{Query: "type:ticket tray"})
		must(t, "SearchCount", err)
		if n != 2 {
			t.Errorf("search/count \"tray\": %d, want 2 (source 2 and the target's merge comment)", n)
		}
		t.Logf("go-zendesk flow on %s in %s", s.Dialect, time.Since(start).Round(time.Millisecond))
	})
}

// download GETs a content_url with the token credentials and returns the
// bytes (fails on any status but 200).
func download(t *testing.T, url, email, token string) []byte {
	t.Helper()
	req, err := http.NewRequest(http.MethodGet, url, nil)
	if err != nil {
		t.Fatalf("content_url %q: %v", url, err)
	}
	req.SetBasicAuth(email+"/token", token)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatalf("GET %s: %v", url, err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatalf("read %s: %v", url, err)
	}
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("GET %s: status %d, body %s", url, resp.StatusCode, b)
	}
	return b
}

// waitJob decodes a {"job_status":...} answer and polls
// /job_statuses/{id}.json through the client until it ends.
func waitJob(t *testing.T, c *zendesk.Client, body []byte) map[string]any {
	t.Helper()
	var js struct {
		JobStatus map[string]any `json:"job_status"`
	}
	must(t, "decode job_status", json.Unmarshal(body, &js))
	id, _ := js.JobStatus["id"].(string)
	if id == "" {
		t.Fatalf("no job_status.id in %s", body)
	}
	deadline := time.Now().Add(20 * time.Second)
	for {
		switch js.JobStatus["status"] {
		case "completed", "failed", "killed":
			return js.JobStatus
		}
		if time.Now().After(deadline) {
			t.Fatalf("job %s still %v after 20s", id, js.JobStatus["status"])
		}
		time.Sleep(25 * time.Millisecond)
		b, err := c.Get(ctx, "/job_statuses/"+id+".json")
		must(t, "GET job status", err)
		must(t, "decode job_status", json.Unmarshal(b, &js))
	}
}

// cfValue is a go-zendesk ticket's value for custom field id.
func cfValue(cfs []zendesk.CustomField, id int64) any {
	for _, cf := range cfs {
		if cf.ID == id {
			return cf.Value
		}
	}
	return nil
}

func sortedTags(tags []string) []string {
	out := slices.Clone(tags)
	sort.Strings(out)
	return out
}

func ptrBool(b *bool) any {
	if b == nil {
		return nil
	}
	return *b
}

func anyList(v any) []any { l, _ := v.([]any); return l }

// eventTypes lists an audit's event types in order.
func eventTypes(a zendesk.TicketAudit) []string {
	var out []string
	for _, ev := range a.Events {
		m, _ := ev.(map[string]any)
		s, _ := m["type"].(string)
		out = append(out, s)
	}
	return out
}

// auditEvent is the first event of type typ (and field_name field, when
// given) in an audit, or nil.
func auditEvent(a zendesk.TicketAudit, typ, field string) map[string]any {
	for _, ev := range a.Events {
		m, _ := ev.(map[string]any)
		if m["type"] == typ && (field == "" || m["field_name"] == field) {
			return m
		}
	}
	return nil
}
