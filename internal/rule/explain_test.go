package rule

import (
	"context"
	"math/rand/v2"
	"regexp"
	"strings"
	"testing"

	"parley/internal/platform/db"
	"parley/internal/platform/db/dbtest"
)

// explain returns the query plan of q, one line per step.
func explain(t *testing.T, d *db.DB, q string, args []any) []string {
	t.Helper()
	ctx := context.Background()
	conn, err := d.Writer().Conn(ctx)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	prefix := "EXPLAIN QUERY PLAN "
	if d.Dialect == db.Postgres {
		prefix = "EXPLAIN "
		if _, err := conn.ExecContext(ctx, "SET enable_seqscan = off"); err != nil {
			t.Fatal(err)
		}
		// The connection goes back to the pool: undo the setting.
		defer func() { _, _ = conn.ExecContext(ctx, "RESET enable_seqscan") }()
	}
	rows, err := conn.QueryContext(ctx, prefix+q, args...)
	if err != nil {
		t.Fatalf("%v\n%s", err, q)
	}
	defer rows.Close()
	cols, _ := rows.Columns()
	var plan []string
	for rows.Next() {
		vals := make([]any, len(cols))
		ptrs := make([]any, len(cols))
		for i := range vals {
			ptrs[i] = &vals[i]
		}
		if err := rows.Scan(ptrs...); err != nil {
			t.Fatal(err)
		}
		switch x := vals[len(vals)-1].(type) {
		case string:
			plan = append(plan, strings.TrimSpace(x))
		case []byte:
			plan = append(plan, strings.TrimSpace(string(x)))
		}
	}
	return plan
}

// TestAutomationUsesStatusIndex: the default automation (status is
// solved, hours since solved > 96) reads tickets through the
// (account_id, status, status_updated_at) index on both engines, with the
// time bound in the index condition. (With one account in the table SQLite
// may skip-scan account_id: ANY(account_id).)
func TestAutomationUsesStatusIndex(t *testing.T) {
	t.Parallel()
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		acct := seedTickets(t, d, genTickets(rand.New(rand.NewPCG(1, 2)), 200))
		args := []any{acct}
		where, err := Compile(solved96, CompileOptions{Dialect: d.Dialect, Now: genNow}, &args)
		if err != nil {
			t.Fatal(err)
		}
		q := "SELECT t.id FROM tickets t WHERE t.account_id = $1 AND t.deleted_at IS NULL AND " + where
		plan := strings.Join(explain(t, d, q, args), "\n")
		var ok bool
		if d.Dialect == db.SQLite {
			ok = regexp.MustCompile(`SEARCH t USING INDEX tickets_status_since \((account_id=\?|ANY\(account_id\)) AND status=\? AND status_updated_at>\? AND status_updated_at<\?\)`).MatchString(plan)
		} else {
			ok = regexp.MustCompile(`(Bitmap Index|Index|Index Only) Scan (using|on) tickets_status_since`).MatchString(plan) &&
				regexp.MustCompile(`Index Cond: \(\(account_id = .*\) AND \(status = .*\) AND .*\(status_updated_at < .*\)\)`).MatchString(plan)
		}
		if !ok || strings.Contains(plan, "Seq Scan") || regexp.MustCompile(`(?m)^SCAN t\b`).MatchString(plan) {
			t.Errorf("plan does not use the status index:\n%s\n%s", q, plan)
		}
	})
}
