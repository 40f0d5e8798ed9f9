package ticket_test

import (
	"context"
	"errors"
	"slices"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"parley/internal/platform/db"
	"parley/internal/platform/db/dbtest"
	"parley/internal/platform/opt"
	"parley/internal/ticket"
	"parley/internal/ticket/tickettest"
)

// TestConfigChangesReachTheNextWrite: ticket writes use a cached copy of
// the account's fields, forms and statuses, keyed by a revision the
// database moves. A change through the API, one made by another node
// (plain SQL here), and a change rolled back must each be seen, or not, by
// the very next ticket write.
func TestConfigChangesReachTheNextWrite(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		e := tickettest.New(t, d, time.Date(2024, 3, 1, 10, 0, 0, 0, time.UTC))
		ctx := e.As(t, e.Owner)
		f, err := e.Tickets.CreateField(ctx, ticket.FieldInput{Type: opt.Of("text"), Title: opt.Of("Order")})
		if err != nil {
			t.Fatal(err)
		}
		shows := func(step string, want bool) {
			t.Helper()
			tk, _, err := e.Tickets.Create(ctx, ticket.Input{Subject: opt.Of(step), Comment: opt.Of(ticket.CommentInput{Body: "x"})})
			if err != nil {
				t.Fatalf("%s: %v", step, err)
			}
			if got := slices.Contains(tk.ActiveFieldIDs, f.ID); got != want {
				t.Fatalf("%s: field %d active on the new ticket = %v, want %v (active ids %v)", step, f.ID, got, want, tk.ActiveFieldIDs)
			}
		}
		shows("created", true)
		if _, err := e.Tickets.UpdateField(ctx, f.ID, ticket.FieldInput{Active: opt.Of(false)}); err != nil {
			t.Fatal(err)
		}
		shows("deactivated through the service", false)
		if _, err := d.Writer().ExecContext(t.Context(), `UPDATE ticket_fields SET active = TRUE WHERE id = $1`, f.ID); err != nil {
			t.Fatal(err)
		}
		shows("activated by another node", true)

		// Deactivated, read by a ticket write, then rolled back: the
		// configuration read inside that transaction must not be cached
		// under the revision the next committed change takes.
		rollback := errors.New("roll back")
		err = d.InTx(ctx, func(ctx context.Context) error {
			if _, err := d.Conn(ctx).ExecContext(ctx, `UPDATE ticket_fields SET active = FALSE WHERE id = $1`, f.ID); err != nil {
				return err
			}
			tk, _, err := e.Tickets.Create(ctx, ticket.Input{Subject: opt.Of("inside"), Comment: opt.Of(ticket.CommentInput{Body: "x"})})
			if err != nil {
				return err
			}
			if slices.Contains(tk.ActiveFieldIDs, f.ID) {
				t.Errorf("inside the transaction the deactivation is not seen")
			}
			return rollback
		})
		if !errors.Is(err, rollback) {
			t.Fatal(err)
		}
		if _, err := d.Writer().ExecContext(t.Context(), `UPDATE ticket_fields SET title = 'Order number' WHERE id = $1`, f.ID); err != nil {
			t.Fatal(err)
		}
		shows("after the rollback and another change", true)
	})
}

// TestCreateAnswersWhatIsStored: a create reads back only the new ticket's
// row and takes its tags, field values, CCs and followers from what it
// wrote; the answer must equal what a later read returns.
func TestCreateAnswersWhatIsStored(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		e := tickettest.New(t, d, time.Date(2024, 3, 1, 10, 0, 0, 0, time.UTC))
		ctx := e.As(t, e.Owner)
		var vals []ticket.FieldValueIn
		for _, f := range []struct {
			typ   string
			value any
		}{{"text", "A-1"}, {"integer", float64(12)}, {"decimal", 2.5}, {"checkbox", true}} {
			fd, err := e.Tickets.CreateField(ctx, ticket.FieldInput{Type: opt.Of(f.typ), Title: opt.Of(f.typ)})
			if err != nil {
				t.Fatal(err)
			}
			vals = append(vals, ticket.FieldValueIn{ID: opt.ID(fd.ID), Value: f.value})
		}
		made, _, err := e.Tickets.Create(ctx, ticket.Input{
			Subject:      opt.Of("Stored"),
			Comment:      opt.Of(ticket.CommentInput{Body: "x"}),
			Tags:         opt.Of([]string{"zeta", "alpha", "zeta"}),
			CustomFields: opt.Of(vals),
			EmailCCs:     opt.Of([]ticket.CCChange{{UserEmail: "boss@example.org", Action: "put"}, {UserID: opt.Of(e.Owner), Action: "put"}}),
			Followers:    opt.Of([]ticket.CCChange{{UserID: opt.Of(e.Owner), Action: "put"}}),
		})
		if err != nil {
			t.Fatal(err)
		}
		got, err := e.Tickets.Get(ctx, made.ID)
		if err != nil {
			t.Fatal(err)
		}
		if diff := cmp.Diff(got, made); diff != "" {
			t.Errorf("create answered differently from a read (-read +create):\n%s", diff)
		}
		if len(made.Tags) != 2 || len(made.Fields) != 4 || len(made.EmailCCIDs) != 2 || len(made.FollowerIDs) != 1 {
			t.Errorf("tags %v, fields %v, CCs %v, followers %v: the input was not all stored", made.Tags, made.Fields, made.EmailCCIDs, made.FollowerIDs)
		}
	})
}

// TestUpdateStoresEachChangedColumn: an update writes only the columns
// that changed. Each step changes a few columns (and, through the facts an
// update stamps, some it did not name); its answer must equal a later
// read, and so must every column the step left alone.
func TestUpdateStoresEachChangedColumn(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		e := tickettest.New(t, d, time.Date(2024, 3, 1, 10, 0, 0, 0, time.UTC))
		ctx := e.As(t, e.Owner)
		made, _, err := e.Tickets.Create(ctx, ticket.Input{Subject: opt.Of("Columns"), Comment: opt.Of(ticket.CommentInput{Body: "x"})})
		if err != nil {
			t.Fatal(err)
		}
		str := func(p *string) string {
			if p == nil {
				return "<nil>"
			}
			return *p
		}
		steps := []struct {
			name string
			in   ticket.Input
			ok   func(tk ticket.Ticket) bool
		}{
			{"subject and priority", ticket.Input{Subject: opt.Of("Renamed"), Priority: opt.Of("high")},
				func(tk ticket.Ticket) bool { return tk.Subject == "Renamed" && str(tk.Priority) == "high" }},
			{"external id", ticket.Input{ExternalID: opt.Of("ext-9")},
				func(tk ticket.Ticket) bool { return str(tk.ExternalID) == "ext-9" }},
			{"task with a due date", ticket.Input{Type: opt.Of("task"), DueAt: opt.Of("2024-04-01T12:00:00Z")},
				func(tk ticket.Ticket) bool { return str(tk.Type) == "task" && tk.DueAt != nil }},
			{"assignee (stamps assigned_at)", ticket.Input{AssigneeID: opt.Of(e.Owner)},
				func(tk ticket.Ticket) bool { return tk.AssigneeID != nil && tk.AssignedAt != nil }},
			{"status solved (stamps solved_at)", ticket.Input{Status: opt.Of("solved")},
				func(tk ticket.Ticket) bool { return tk.Status == "solved" && tk.SolvedAt != nil }},
			{"reopened", ticket.Input{Status: opt.Of("open")},
				func(tk ticket.Ticket) bool { return tk.Status == "open" && tk.SolvedAt == nil && tk.Reopens == 1 }},
			{"private reply", ticket.Input{Comment: opt.Of(ticket.CommentInput{Body: "note", Public: opt.Of(false)})},
				func(tk ticket.Ticket) bool { return tk.Subject == "Renamed" }},
			{"recipient and tags", ticket.Input{Recipient: opt.Of("help@acme.example"), Tags: opt.Of([]string{"b", "a"})},
				func(tk ticket.Ticket) bool { return str(tk.Recipient) == "help@acme.example" && len(tk.Tags) == 2 }},
			{"question, due date cleared", ticket.Input{Type: opt.Of("question"), DueAt: opt.Of("")},
				func(tk ticket.Ticket) bool { return str(tk.Type) == "question" && tk.DueAt == nil }},
		}
		prev := made
		for i, st := range steps {
			e.Clock.Advance(time.Minute)
			got, _, err := e.Tickets.Update(ctx, made.ID, st.in)
			if err != nil {
				t.Fatalf("%s: %v", st.name, err)
			}
			stored, err := e.Tickets.Get(ctx, made.ID)
			if err != nil {
				t.Fatal(err)
			}
			if diff := cmp.Diff(stored, got); diff != "" {
				t.Errorf("step %d (%s): answer differs from a read (-read +answer):\n%s", i, st.name, diff)
			}
			if !st.ok(stored) {
				t.Errorf("step %d (%s): stored ticket lacks the change: %+v", i, st.name, stored)
			}
			if !stored.UpdatedAt.After(prev.UpdatedAt) {
				t.Errorf("step %d (%s): updated_at %v not after %v", i, st.name, stored.UpdatedAt, prev.UpdatedAt)
			}
			prev = stored
		}
		// Every earlier change survived the later, narrower writes.
		if prev.Subject != "Renamed" || str(prev.Priority) != "high" || str(prev.ExternalID) != "ext-9" ||
			prev.AssigneeID == nil || prev.AssignedAt == nil || prev.Status != "open" || prev.Reopens != 1 {
			t.Errorf("final ticket lost a change: %+v", prev)
		}
	})
}
