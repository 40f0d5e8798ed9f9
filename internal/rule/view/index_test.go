package view

import (
	"context"
	"strings"
	"testing"
	"time"

	"parley/internal/auth"
	"parley/internal/platform/db"
	"parley/internal/platform/db/dbtest"
	"parley/internal/rule"
)

// TestViewIndexes checks that the default views read one page in index
// order, with no sort step: the index expressions of migration 0015 must
// match the sort expressions of columns.go and the SQL the conditions
// compile to. On SQLite, with a million-ticket account's statistics, the
// planner must pick the 0015 index; on PostgreSQL, with sequential scans and
// sorts turned off, a plan that still sorts means no index fits.
func TestViewIndexes(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		ctx := context.Background()
		s := &Service{d: d, clock: fixedClock{}}
		conn, err := d.Writer().Conn(ctx)
		if err != nil {
			t.Fatal(err)
		}
		defer conn.Close()
		explain := "EXPLAIN QUERY PLAN "
		if d.Dialect == db.SQLite {
			// Without statistics SQLite's planner guesses; give it those of a
			// million-ticket account (ANALYZE on the bench database), as a
			// server that runs PRAGMA optimize has.
			if _, err := conn.ExecContext(ctx, "ANALYZE"); err != nil {
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
		if d.Dialect == db.Postgres {
			explain = "EXPLAIN "
			if _, err := conn.ExecContext(ctx, "SET enable_seqscan = off"); err != nil {
				t.Fatal(err)
			}
			if _, err := conn.ExecContext(ctx, "SET enable_sort = off"); err != nil {
				t.Fatal(err)
			}
		}
		want := map[string]string{
			"all_unsolved":    "tickets_view_status_requester",
			"pending":         "tickets_live_status_requester",
			"unassigned":      "tickets_view_assignee_created",
			"recently_solved": "tickets_view_status_solved",
		}
		for _, dv := range defaults {
			index, ok := want[dv.key]
			if !ok {
				continue
			}
			v := View{Conditions: rule.Conditions{All: dv.all, Any: []rule.Condition{}}, Output: dv.out}
			args := []any{}
			w, err := s.condition(auth.Actor{AccountID: 1, UserID: 1}, v, &args)
			if err != nil {
				t.Fatal(err)
			}
			desc := dir(v.Output.SortOrder == "desc")
			order := columns[v.Output.SortBy].expr + desc + ", t.id" + desc
			if g := v.Output.GroupBy; g != "" {
				order = columns[g].expr + dir(v.Output.GroupOrder == "desc") + ", " + order
			}
			q := "SELECT t.id FROM tickets t WHERE " + w + " ORDER BY " + order + " LIMIT 30 OFFSET 0"
			rows, err := conn.QueryContext(ctx, explain+q, args...)
			if err != nil {
				t.Fatalf("%s: %v\n%s", dv.key, err, q)
			}
			var plan []string
			cols, _ := rows.Columns()
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
					plan = append(plan, x)
				case []byte:
					plan = append(plan, string(x))
				}
			}
			rows.Close()
			p := strings.Join(plan, "\n")
			sorts := strings.Contains(p, "TEMP B-TREE FOR ORDER BY") || strings.Contains(p, "Sort Key")
			if sorts || (d.Dialect == db.SQLite && !strings.Contains(p, index)) {
				t.Errorf("%s: want an ordered read of %s, got:\n%s\n%s", dv.key, index, p, q)
			}
		}
	})
}

// millionTicketStats are sqlite_stat1's rows for tickets on the 1M-ticket
// bench database (parley bench seed --tickets 1000000).
var millionTicketStats = [][2]string{{"tickets_view_status_solved", "1000000 1000000 166667 1 1"}, {"tickets_view_assignee_created", "1000000 1000000 47620 1 1 1"}, {"tickets_live_status_requester", "1000000 1000000 166667 1 1"}, {"tickets_view_status_requester", "1000000 1000000 166667 1 1 1"}, {"tickets_followup", "1000000 1000000 1000000"}, {"tickets_status_since", "1000000 1000000 166667 1"}, {"tickets_due", "1000000 1000000 1000000"}, {"tickets_solved", "1000000 1000000 2"}, {"tickets_submitter", "1000000 1000000 20 1"}, {"tickets_external", "1000000 1000000 1000000"}, {"tickets_problem", "1000000 1000000 1000000"}, {"tickets_organization", "1000000 1000000 201 1"}, {"tickets_group", "1000000 1000000 166667 27778"}, {"tickets_assignee", "1000000 1000000 47620 9434"}, {"tickets_requester", "1000000 1000000 20 1"}, {"tickets_status", "1000000 1000000 166667 1"}, {"tickets_created", "1000000 1000000 1 1"}, {"tickets_updated", "1000000 1000000 1 1"}, {"sqlite_autoindex_tickets_1", "1000000 1000000 1"}}

type fixedClock struct{}

func (fixedClock) Now() time.Time { return time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC) }
