package search_test

import (
	"context"
	"fmt"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"parley/internal/app/apptest"
	"parley/internal/auth"
	"parley/internal/platform/clock"
	"parley/internal/platform/db"
	"parley/internal/platform/db/dbtest"
	"parley/internal/search"
)

// The tests below follow free text through ticket and comment writes on
// both engines. On PostgreSQL a single word is looked up in the tickets'
// search documents (ticket_search_docs, kept by triggers); phrases in the
// per-field and per-comment indexes.

// textWorld is a server with a clock, and a way to search as an account.
type textWorld struct {
	s   *apptest.Server
	clk *clock.Fake
}

func newTextWorld(t *testing.T, d db.Dialect) textWorld {
	clk := clock.NewFake(time.Date(2024, 5, 1, 0, 0, 0, 0, time.UTC))
	return textWorld{s: startServer(t, d, clk), clk: clk}
}

// ticket creates a ticket whose first comment (and description) is body.
func (w textWorld) ticket(t *testing.T, tn apptest.Tenant, subject, body string) int64 {
	t.Helper()
	w.clk.Advance(time.Minute)
	return idOf(call(t, w.s, tn, http.MethodPost, "/api/v2/tickets.json", map[string]any{"ticket": map[string]any{
		"subject": subject, "comment": map[string]any{"body": body}}}), "ticket")
}

// comment adds a public comment to a ticket and returns its id.
func (w textWorld) comment(t *testing.T, tn apptest.Tenant, ticket int64, body string) int64 {
	t.Helper()
	w.clk.Advance(time.Minute)
	call(t, w.s, tn, http.MethodPut, fmt.Sprintf("/api/v2/tickets/%d.json", ticket), map[string]any{"ticket": map[string]any{
		"comment": map[string]any{"body": body}}})
	cs := call(t, w.s, tn, http.MethodGet, fmt.Sprintf("/api/v2/tickets/%d/comments.json", ticket), nil)["comments"].([]any)
	return int64(cs[len(cs)-1].(map[string]any)["id"].(float64))
}

// find returns the ids of the tickets of tn that query finds, after
// checking that the count, the fast plan's count, walk and seek and the
// general plan all agree.
func (w textWorld) find(t *testing.T, tn apptest.Tenant, query string) []int64 {
	t.Helper()
	ctx := auth.WithActor(context.Background(), auth.Actor{AccountID: tn.AccountID, UserID: tn.OwnerID, Role: auth.RoleAdmin})
	svc := service(w.s)
	q := "type:ticket " + query
	hits, total, err := svc.Search(ctx, search.Request{Query: q, Page: 1, PerPage: 100})
	if err != nil {
		t.Fatalf("%q: %v", q, err)
	}
	ids := make([]int64, len(hits))
	for i, h := range hits {
		ids[i] = h.ID
	}
	if total != int64(len(ids)) {
		t.Errorf("%q: count %d, %d hits", q, total, len(ids))
	}
	fp, err := search.FastAndFull(ctx, svc, q)
	if err != nil {
		t.Fatalf("%q: %v", q, err)
	}
	if fp.Fast && (fp.FastCount != total || fp.FullCount != total || len(fp.Page) != len(ids)) {
		t.Errorf("%q: fast count %d, general count %d, general page %d hits; search %d", q, fp.FastCount, fp.FullCount,
			len(fp.Page), total)
	}
	if fp.Paged && (dump(fp.Walk) != dump(fp.Page) || dump(fp.Seek) != dump(fp.Page)) {
		t.Errorf("%q: walk %v, seek %v, general page %v", q, fp.Walk, fp.Seek, fp.Page)
	}
	slices.Sort(ids)
	return ids
}

// expect checks what each query finds.
func (w textWorld) expect(t *testing.T, tn apptest.Tenant, when string, want map[string][]int64) {
	t.Helper()
	for q, ids := range want {
		if got := w.find(t, tn, q); !cmp.Equal(got, ids, cmpEmpty) {
			t.Errorf("%s: %q finds %v, want %v", when, q, got, ids)
		}
	}
}

var cmpEmpty = cmp.Comparer(func(a, b []int64) bool { return len(a) == 0 && len(b) == 0 || slices.Equal(a, b) })

func ids(v ...int64) []int64 { return v }

// docParts counts a ticket's search document parts (PostgreSQL).
func docParts(t *testing.T, s *apptest.Server, account, ticket int64) int {
	t.Helper()
	var n int
	if err := s.App.DB.Writer().QueryRowContext(context.Background(), `SELECT count(*) FROM ticket_search_docs
		WHERE account_id = $1 AND ticket_id = $2`, account, ticket).Scan(&n); err != nil {
		t.Fatal(err)
	}
	return n
}

// purge deletes a ticket for good.
func (w textWorld) purge(t *testing.T, tn apptest.Tenant, ticket int64) {
	t.Helper()
	call(t, w.s, tn, http.MethodDelete, fmt.Sprintf("/api/v2/tickets/%d.json", ticket), nil)
	r := w.s.Do(t, apptest.Request{Method: http.MethodDelete, Path: fmt.Sprintf("/api/v2/deleted_tickets/%d.json", ticket),
		Host: tn.Host, Auth: tn.TokenAuth()})
	if r.Status != http.StatusOK {
		t.Fatalf("purge #%d: %d %s", ticket, r.Status, r.Body)
	}
	w.s.WaitJob(t, tn, r.JSON(t)["job_status"].(map[string]any)["id"].(string))
}

// TestTextFollowsCommentWrites: a comment added, redacted or deleted (with
// its ticket) changes what a word finds at once, on both engines; on
// PostgreSQL a comment deleted alone does too.
func TestTextFollowsCommentWrites(t *testing.T) {
	for _, d := range dbtest.Dialects(t) {
		t.Run(string(d), func(t *testing.T) {
			t.Parallel()
			w := newTextWorld(t, d)
			tn := w.s.Default
			a := w.ticket(t, tn, "Broken kettle", "The kettle leaks onto the counter")
			b := w.ticket(t, tn, "Printer jam", "Paper stuck in tray two")
			w.expect(t, tn, "before", map[string][]int64{"quokka": nil, "kettle": ids(a), "ket": ids(a), "tray": ids(b)})

			c := w.comment(t, tn, a, "A quokka chewed the power cable")
			w.expect(t, tn, "after a comment", map[string][]int64{"quokka": ids(a), "quok": ids(a), "cable": ids(a),
				"comment:quokka": ids(a), `"quokka chewed"`: ids(a), "kettle": ids(a)})

			call(t, w.s, tn, http.MethodPut, fmt.Sprintf("/api/v2/tickets/%d/comments/%d/redact.json", a, c),
				map[string]any{"text": "quokka"})
			w.expect(t, tn, "after redaction", map[string][]int64{"quokka": nil, "quok": nil, "cable": ids(a),
				"comment:quokka": nil})

			w.comment(t, tn, b, "Saw a quokka near the printer")
			w.expect(t, tn, "after a comment on another ticket", map[string][]int64{"quokka": ids(b), "cable": ids(a)})

			call(t, w.s, tn, http.MethodPut, fmt.Sprintf("/api/v2/tickets/%d.json", a), map[string]any{"ticket": map[string]any{
				"subject": "Broken toaster"}})
			w.expect(t, tn, "after a new subject", map[string][]int64{"toaster": ids(a), "subject:toaster": ids(a),
				"kettle": ids(a), "subject:kettle": nil})

			w.purge(t, tn, b)
			w.expect(t, tn, "after purging", map[string][]int64{"quokka": nil, "tray": nil, "printer": nil, "cable": ids(a)})

			if d != db.Postgres {
				return
			}
			if n := docParts(t, w.s, tn.AccountID, b); n != 0 {
				t.Errorf("purged ticket keeps %d search document rows", n)
			}
			// SQLite removes a ticket's comment rows together; PostgreSQL
			// rebuilds the document of a ticket that loses one comment.
			if _, err := w.s.App.DB.Writer().ExecContext(context.Background(), `DELETE FROM ticket_comments
				WHERE account_id = $1 AND id = $2`, tn.AccountID, c); err != nil {
				t.Fatal(err)
			}
			w.expect(t, tn, "after deleting a comment", map[string][]int64{"cable": nil, "kettle": ids(a), "toaster": ids(a)})
		})
	}
}

// TestPhraseDoesNotSpanComments: a ticket's words are one document on
// PostgreSQL, but a phrase still matches within one comment (or field)
// only, as on SQLite.
func TestPhraseDoesNotSpanComments(t *testing.T) {
	for _, d := range dbtest.Dialects(t) {
		t.Run(string(d), func(t *testing.T) {
			t.Parallel()
			w := newTextWorld(t, d)
			tn := w.s.Default
			across := w.ticket(t, tn, "Sighting report", "We saw something big and blue")
			w.comment(t, tn, across, "Whale watching resumes tomorrow")
			fields := w.ticket(t, tn, "The sky is blue", "Whale song recordings attached")
			within := w.ticket(t, tn, "Another report", "A blue whale surfaced near the pier")
			later := w.ticket(t, tn, "Follow-up", "Nothing to add")
			w.comment(t, tn, later, "It was a blue whale, twenty metres long")
			w.expect(t, tn, "phrases", map[string][]int64{
				`"blue whale"`: ids(within, later), `"blue whal"`: nil, "blue-whale": ids(within, later),
				"blue": ids(across, fields, within, later), "whale": ids(across, fields, within, later),
				`"whale"`: ids(across, fields, within, later), "blue whale": ids(across, fields, within, later),
				`"something big"`: ids(across), `"big blue"`: nil, `"report we"`: nil,
			})
		})
	}
}

// TestTextStaysInAccount: another account's tickets, numbered the same
// and holding the same words, are never found.
func TestTextStaysInAccount(t *testing.T) {
	for _, d := range dbtest.Dialects(t) {
		t.Run(string(d), func(t *testing.T) {
			t.Parallel()
			w := newTextWorld(t, d)
			alpha := w.s.Default
			beta := w.s.NewTenant(t, "beta")
			a1 := w.ticket(t, alpha, "Printer jam", "The printer jams")
			a2 := w.ticket(t, alpha, "Login", "Cannot sign in")
			b1 := w.ticket(t, beta, "Login", "Cannot sign in")
			b2 := w.ticket(t, beta, "Printer fire", "The printer is on fire")
			b3 := w.ticket(t, beta, "Wombat", "A wombat in the printer room")
			w.comment(t, beta, b1, "Printer and wombat both fine")
			if a1 != b1 || a2 != b2 {
				t.Fatalf("ticket numbers: alpha %d %d, beta %d %d; want the same", a1, a2, b1, b2)
			}
			w.expect(t, alpha, "alpha", map[string][]int64{"printer": ids(a1), "print": ids(a1), "wombat": nil,
				"fire": nil, `"printer jams"`: ids(a1), "sign": ids(a2)})
			w.expect(t, beta, "beta", map[string][]int64{"printer": ids(b1, b2, b3), "wombat": ids(b1, b3), "jams": nil})
		})
	}
}

// TestLargeTicketStaysWritable: a ticket whose comments hold far more
// than a tsvector's 1 MB of distinct words can still be written, and
// every word stays findable (PostgreSQL keeps the document in parts).
func TestLargeTicketStaysWritable(t *testing.T) {
	for _, d := range dbtest.Dialects(t) {
		t.Run(string(d), func(t *testing.T) {
			t.Parallel()
			w := newTextWorld(t, d)
			tn := w.s.Default
			other := w.ticket(t, tn, "Small", "Nothing much")
			big := w.ticket(t, tn, "Huge log", "Logs follow")
			// 16 comments of about 99,000 characters (each part is indexed
			// up to 100,000), 14,000 distinct words each: 1.4 MB of words.
			const comments, perComment = 16, 14000
			var mid int64
			for i := range comments {
				var b strings.Builder
				for j := range perComment {
					b.WriteString(letters(i*perComment + j))
					b.WriteByte(' ')
				}
				switch i {
				case 0:
					b.WriteString("firstmarker")
				case comments / 2:
					b.WriteString("middlemarker")
				case comments - 1:
					b.WriteString("lastmarker")
				}
				if b.Len() > 99000 {
					t.Fatalf("comment %d is %d bytes", i, b.Len())
				}
				c := w.comment(t, tn, big, b.String())
				if i == comments/2 {
					mid = c
				}
			}
			w.expect(t, tn, "written", map[string][]int64{"firstmarker": ids(big), "middlemarker": ids(big),
				"lastmarker": ids(big), letters(3): ids(big), letters(comments*perComment - 1): ids(big),
				"nothing": ids(other), `"lastmarker"`: ids(big)})
			if d == db.Postgres {
				var parts int
				var words int64
				if err := w.s.App.DB.Writer().QueryRowContext(context.Background(), `SELECT count(*), sum(length(doc))
					FROM ticket_search_docs WHERE account_id = $1 AND ticket_id = $2`, tn.AccountID, big).Scan(&parts, &words); err != nil {
					t.Fatal(err)
				}
				if parts < 2 || words < comments*perComment {
					t.Errorf("document of #%d: %d parts, %d words; want parts holding all %d", big, parts, words, comments*perComment)
				}
			}
			// Redaction rebuilds the whole document.
			call(t, w.s, tn, http.MethodPut, fmt.Sprintf("/api/v2/tickets/%d/comments/%d/redact.json", big, mid),
				map[string]any{"text": "middlemarker"})
			w.comment(t, tn, big, "one more small comment")
			w.expect(t, tn, "redacted", map[string][]int64{"middlemarker": nil, "firstmarker": ids(big),
				"lastmarker": ids(big), "small": ids(other, big)})
			w.purge(t, tn, big)
			w.expect(t, tn, "purged", map[string][]int64{"firstmarker": nil, "lastmarker": nil, "small": ids(other)})
		})
	}
}

// letters spells n in base 26 after a "zq" prefix: a distinct word of
// letters for every n.
func letters(n int) string {
	s := strconv.FormatInt(int64(n), 26)
	return "zq" + strings.Map(func(r rune) rune {
		if r >= '0' && r <= '9' {
			return 'a' + (r - '0')
		}
		return r + 10
	}, s)
}
