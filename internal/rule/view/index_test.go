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
			dbtest.MillionTicketStats(t, conn)
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
			"all_unsolved":  "tickets_view_status_requester",
			"your_unsolved": "tickets_view_assignee_status_requester",
			"pending":       "tickets_live_status_requester",
			"unassigned":    "tickets_view_assignee_created",
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

type fixedClock struct{}

func (fixedClock) Now() time.Time { return time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC) }
