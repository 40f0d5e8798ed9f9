package view

import (
	"context"
	"database/sql"
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
			w, err := s.condition(t.Context(), auth.Actor{AccountID: 1, UserID: 1}, v, &args)
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

// millionTickets is a view service on a new SQLite database whose planner
// has a million-ticket account's statistics, and a connection to it.
func millionTickets(t *testing.T) (*Service, *sql.Conn) {
	d := dbtest.Open(t, db.SQLite)
	conn, err := d.Writer().Conn(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { conn.Close() })
	dbtest.MillionTicketStats(t, conn)
	return &Service{d: d, clock: fixedClock{}}, conn
}

// TestRareTagStartsFromTheTag: on SQLite a view's "tags include" condition
// starts from the tag index when few tickets carry the tag, and walks the
// view's order otherwise (fewTagged). With a million-ticket account's
// statistics, a view of unsolved tickets tagged "bench" walked 600,000
// tickets (3.2 s) before this.
func TestRareTagStartsFromTheTag(t *testing.T) {
	ctx := context.Background()
	s, conn := millionTickets(t)
	// The account has no tickets, so one tagged ticket is already many
	// (the line is sqrt(100 n)).
	if _, err := conn.ExecContext(ctx, `INSERT INTO ticket_tags (account_id, ticket_id, tag) VALUES (1, 1, 'vip')`); err != nil {
		t.Fatal(err)
	}
	plan := func(tag string) (string, string) {
		v := View{Conditions: rule.Conditions{All: []rule.Condition{{Field: "status", Operator: "less_than", Value: "solved"},
			{Field: "current_tags", Operator: "includes", Value: tag}}, Any: []rule.Condition{}}}
		args := []any{}
		w, err := s.condition(ctx, auth.Actor{AccountID: 1, UserID: 1}, v, &args)
		if err != nil {
			t.Fatal(err)
		}
		q := "SELECT t.id FROM tickets t WHERE " + w + " ORDER BY t.updated_at DESC, t.id DESC LIMIT 30"
		return dbtest.QueryPlan(t, conn, q, args...), q
	}
	if p, q := plan("bench"); !strings.Contains(p, "SEARCH t USING INDEX sqlite_autoindex_tickets_1 (account_id=? AND id=?)") ||
		!strings.Contains(p, "ticket_tags_tag (account_id=? AND tag=?)") {
		t.Errorf("rare tag: want the tagged tickets looked up by id, got:\n%s\n%s", p, q)
	}
	if p, q := plan("vip"); strings.Contains(p, "sqlite_autoindex_tickets_1 (account_id=? AND id=?)") ||
		!strings.Contains(p, "EXISTS") {
		t.Errorf("common tag: want the view's order walked and the tag tested, got:\n%s\n%s", p, q)
	}
}

// TestSatisfactionViewUsesItsIndex: on SQLite, with a million-ticket
// account's statistics, a view of solved tickets rated bad reads them
// through tickets_satisfaction (migration 0026); without it SQLite read
// every solved ticket (0.8-1.3 s at a million).
func TestSatisfactionViewUsesItsIndex(t *testing.T) {
	ctx := context.Background()
	s, conn := millionTickets(t)
	v := View{Conditions: rule.Conditions{All: []rule.Condition{{Field: "status", Operator: "is", Value: "solved"},
		{Field: "satisfaction_score", Operator: "is", Value: "bad"}}, Any: []rule.Condition{}}}
	args := []any{}
	w, err := s.condition(ctx, auth.Actor{AccountID: 1, UserID: 1}, v, &args)
	if err != nil {
		t.Fatal(err)
	}
	// The page is sorted as execute sorts a view whose count is small (a
	// few rated tickets): keys behind unary +, so no index order is used.
	for _, q := range []string{"SELECT count(*) FROM tickets t WHERE " + w,
		"SELECT t.id FROM tickets t WHERE " + w + " ORDER BY +(t.updated_at) DESC, +(t.id) DESC LIMIT 30"} {
		if plan := dbtest.QueryPlan(t, conn, q, args...); !strings.Contains(plan, "tickets_satisfaction") {
			t.Errorf("want a read through tickets_satisfaction, got:\n%s\n%s", plan, q)
		}
	}
}
