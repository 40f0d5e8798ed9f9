package ticket_test

import (
	"context"
	"strings"
	"testing"

	"parley/internal/platform/db"
	"parley/internal/platform/db/dbtest"
)

// TestSparseLookupsUseIndexes: reading a ticket looks up its incidents and
// follow-ups by a bound value. On an account whose tickets mostly have no
// problem, follow-up source or external id, after ANALYZE, SQLite's planner
// must still search an index; before migration 0016 the NULLs in those
// indexes made it scan the account (a second a read at a million tickets).
func TestSparseLookupsUseIndexes(t *testing.T) {
	d := dbtest.Open(t, db.SQLite)
	ctx := context.Background()
	conn, err := d.Writer().Conn(ctx)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	for _, q := range []string{"PRAGMA foreign_keys = OFF",
		`WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 3000)
		 INSERT INTO tickets (account_id, id, via_channel, status, custom_status_id, requester_id, submitter_id, created_at, updated_at)
		 SELECT 1, i, 'api', 'open', 1, 1, 1, '2026-01-01 00:00:00', '2026-01-01 00:00:00' FROM n`,
		"ANALYZE", "PRAGMA foreign_keys = ON"} {
		if _, err := conn.ExecContext(ctx, q); err != nil {
			t.Fatalf("%s: %v", q, err)
		}
	}
	for q, index := range map[string]string{
		// The lookups of hydrate (store.go), as they run: bound values.
		`SELECT problem_id FROM tickets WHERE account_id = $1 AND deleted_at IS NULL AND problem_id IN ($2)`:  "tickets_problem",
		`SELECT followup_source_id, id FROM tickets WHERE account_id = $1 AND followup_source_id IN ($2, $3)`: "tickets_followup",
		`SELECT id FROM tickets WHERE account_id = $1 AND external_id = $2`:                                   "tickets_external",
		// The deleted tickets a fast text search subtracts (internal/search).
		`SELECT d.id FROM tickets d WHERE d.account_id = $1 AND d.deleted_at IS NOT NULL`: "tickets_deleted",
	} {
		if p := dbtest.QueryPlan(t, conn, q, int64(1), int64(5), int64(6)); !strings.Contains(p, "USING INDEX "+index) {
			t.Errorf("%s:\n%s\nwant a search of %s", q, p, index)
		}
	}
}
