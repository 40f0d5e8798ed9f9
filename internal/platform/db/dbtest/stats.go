package dbtest

import (
	"context"
	"database/sql"
	"strings"
	"testing"
)

// millionTicketStats are sqlite_stat1's rows for tickets on the bench
// database of one account with a million tickets (parley bench seed
// --tickets 1000000, then ANALYZE), after migration 0016; the rows of
// migration 0023's and 0026's indexes are derived from their neighbours'
// (six satisfaction scores, each over the three statuses of rated tickets).
var millionTicketStats = [][2]string{{"tickets_due", "0 0 0"}, {"tickets_external", "0 0 0"}, {"tickets_followup", "0 0 0"},
	{"tickets_problem", "0 0 0"}, {"tickets_view_assignee_created", "1000063 1000063 47623 1 1 1"}, {"tickets_view_assignee_status_requester", "1000063 1000063 47623 11906 1 1 1"}, {"tickets_live_status_requester", "1000063 1000063 166678 1 1"},
	{"tickets_view_status_requester", "1000063 1000063 166678 1 1 1"}, {"tickets_status_since", "1000063 1000063 166678 1"},
	{"tickets_solved", "1000063 1000063 2"}, {"tickets_submitter", "1000063 1000063 21 1"}, {"tickets_organization", "1000063 1000063 201 1"},
	{"tickets_group", "1000063 1000063 166678 27780"}, {"tickets_assignee", "1000063 1000063 47623 9435"},
	{"tickets_requester", "1000063 1000063 21 1"}, {"tickets_status", "1000063 1000063 166678 1 1"}, {"tickets_created", "1000063 1000063 1 1"},
	{"tickets_updated", "1000063 1000063 1 1"}, {"sqlite_autoindex_tickets_1", "1000063 1000063 1"},
	{"tickets_satisfaction", "1000063 1000063 166678 55560"}}

// MillionTicketStats gives a SQLite connection the planner statistics of a
// million-ticket account, so a test can check the plans such an account
// gets: without statistics SQLite's planner guesses, and a server has them
// (db.Open runs PRAGMA optimize).
func MillionTicketStats(t testing.TB, conn *sql.Conn) {
	t.Helper()
	ctx := context.Background()
	if _, err := conn.ExecContext(ctx, "ANALYZE"); err != nil {
		t.Fatal(err)
	}
	if _, err := conn.ExecContext(ctx, "DELETE FROM sqlite_stat1 WHERE tbl = 'tickets'"); err != nil {
		t.Fatal(err)
	}
	for _, st := range millionTicketStats {
		if _, err := conn.ExecContext(ctx, "INSERT INTO sqlite_stat1 (tbl, idx, stat) VALUES ('tickets', $1, $2)", st[0], st[1]); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := conn.ExecContext(ctx, "ANALYZE sqlite_schema"); err != nil {
		t.Fatal(err)
	}
}

// QueryPlan is SQLite's EXPLAIN QUERY PLAN of q on conn, one line per step.
func QueryPlan(t testing.TB, conn *sql.Conn, q string, args ...any) string {
	t.Helper()
	rows, err := conn.QueryContext(context.Background(), "EXPLAIN QUERY PLAN "+q, args...)
	if err != nil {
		t.Fatalf("%v\n%s", err, q)
	}
	defer rows.Close()
	var steps []string
	for rows.Next() {
		var id, parent, unused int
		var detail string
		if err := rows.Scan(&id, &parent, &unused, &detail); err != nil {
			t.Fatal(err)
		}
		steps = append(steps, detail)
	}
	if err := rows.Err(); err != nil {
		t.Fatal(err)
	}
	return strings.Join(steps, "\n")
}
