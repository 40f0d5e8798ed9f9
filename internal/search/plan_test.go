package search

import (
	"context"
	"fmt"
	"regexp"
	"strings"
	"testing"
	"time"

	"parley/internal/auth"
	"parley/internal/platform/clock"
	"parley/internal/platform/db"
	"parley/internal/platform/db/dbtest"
)

// planCorpus uses every key of every type at least once.
var planCorpus = []string{
	"printer", `"on fire"`, "-printer 12", "jane.doe", "type:ticket status<solved priority>=high ticket_type:task",
	"type:ticket -status:closed priority:none ticket_type:none satisfaction:good",
	"type:ticket group:none group:billing group:12 organization:acme organization:none organization:7",
	"type:ticket assignee:me assignee:none assignee:bob@x.example assignee:bo* requester:jane submitter:3",
	"type:ticket cc:me cc:none follower:alice commenter:dave@x* commenter:none",
	"type:ticket tags:a tags:b* tags:none -tags:c subject:x description:y comment:z",
	"type:ticket created:2024-01-01 updated>2024-01-01T10:00:00Z solved<4hours due_date<=2weeks solved:none",
	"type:ticket via:email via:mail recipient:a@b* external_id:X external_id:none brand:7 brand:none",
	"type:ticket form:3 form:hardware form:none has_attachment:true -has_attachment:false",
	"type:ticket custom_field_5:abc custom_field_5:12.5 custom_field_5:none custom_field_6:x* fieldvalue:y",
	"type:user name:jane email:a@b.c email:a* email:none role:agent organization:acme organization:none",
	"type:user group:billing group:none tags:vip tags:none phone:123 phone:+1* phone:none external_id:e",
	"type:user external_id:none created>2024-01-01 updated<2days notes:x details:y plan:gold plan:g* plan:none",
	"type:organization acme name:x tags:y tags:none external_id:z details:a notes:b created<2024-01-01 region:emea",
	"type:group billing name:x description:y created>2024-01-01 updated:2024-01-01",
	"created<2024-01-06", "acme order_by:commented", "status:open order_by:priority sort:asc",
}

type compiledSQL struct {
	q, sql string
	args   []any
}

// testPlans compiles every corpus query on a fresh database of dialect d
// and hands each plan's SQL (page, count and, for one type, export) to fn.
func testPlans(t *testing.T, d *db.DB, fn func(t *testing.T, q, sqlText string, args []any)) {
	for _, c := range compilePlans(t, d) {
		fn(t, c.q, c.sql, c.args)
	}
}

func compilePlans(t *testing.T, d *db.DB) []compiledSQL {
	var out []compiledSQL
	fn := func(_ *testing.T, q, sqlText string, args []any) { out = append(out, compiledSQL{q, sqlText, args}) }
	ctx := context.Background()
	var acct int64
	if err := d.Writer().QueryRowContext(ctx, `INSERT INTO accounts (subdomain, name, created_at, updated_at)
		VALUES ('a', 'A', $1, $1) RETURNING id`, time.Now().UTC()).Scan(&acct); err != nil {
		t.Fatal(err)
	}
	for _, f := range [][2]string{{"user", "plan"}, {"organization", "region"}} {
		if _, err := d.Writer().ExecContext(ctx, `INSERT INTO custom_field_defs (account_id, resource, key, type, title, raw_title,
			created_at, updated_at) VALUES ($1, $2, $3, 'text', $3, $3, $4, $4)`, acct, f[0], f[1], time.Now().UTC()); err != nil {
			t.Fatal(err)
		}
	}
	s := &Service{d: d, clock: clock.NewFake(time.Date(2024, 3, 20, 0, 0, 0, 0, time.UTC))}
	a := auth.Actor{AccountID: acct, UserID: 1, Role: auth.RoleAdmin}
	for _, qs := range planCorpus {
		q, err := Parse(qs)
		if err != nil {
			t.Fatalf("%q: %v", qs, err)
		}
		p, err := s.compile(ctx, a, q, "", sortOf(q, "", ""))
		if err != nil || len(p.parts) == 0 {
			t.Fatalf("%q: %v (%d parts)", qs, err, len(p.parts))
		}
		page, args := p.pageSQL(10, 20)
		fn(t, qs, page, args)
		if walk, args, ok := p.walkSQL(10, 20); ok {
			fn(t, qs, walk, args)
			seek, args, _ := p.seekSQL(10, 20)
			fn(t, qs, seek, args)
		}
		fn(t, qs, p.countSQL(), p.args)
		if len(p.parts) == 1 {
			exp, args := p.exportSQL(&cursor{C: "2024-01-01T00:00:00Z", I: 5}, 11)
			fn(t, qs, exp, args)
		}
	}
	return out
}

// fromRe finds the table reads of compiled SQL.
var fromRe = regexp.MustCompile(`FROM (\w+) (\w+)( WHERE (\w+)\.account_id = \$1)?`)

// TestEveryReadLeadsWithAccount checks that every table a compiled query
// reads (SQLite's full-text tables apart, which are joined back to the
// account's rows or restricted to its rowid range) is constrained by
// account_id = $1, on both engines (PostgreSQL's text sets read other
// tables: ticket_search_docs among them).
func TestEveryReadLeadsWithAccount(t *testing.T) {
	t.Parallel()
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		reads := map[string]bool{}
		testPlans(t, d, func(t *testing.T, q, sqlText string, _ []any) {
			for _, m := range fromRe.FindAllStringSubmatch(sqlText, -1) {
				reads[m[1]] = true
				if strings.HasSuffix(m[1], "_fts") {
					continue
				}
				if m[3] == "" || m[4] != m[2] {
					t.Errorf("%q reads %s %s without account_id = $1:\n%s", q, m[1], m[2], sqlText)
				}
			}
			if strings.Contains(sqlText, "tickets_fts") && !strings.Contains(sqlText, "rowid >= $") {
				t.Errorf("%q: ticket full-text lookup not limited to the account's rowids", q)
			}
		})
		if d.Dialect == db.Postgres && !reads["ticket_search_docs"] {
			t.Errorf("no plan reads ticket_search_docs")
		}
	})
}

// TestPlansUseIndexes runs EXPLAIN on every compiled query: on SQLite no
// table may be scanned (every read is an index search, full-text tables
// apart); on PostgreSQL, with sequential scans disabled, none may remain
// (there is an index for every read).
func TestPlansUseIndexes(t *testing.T) {
	t.Parallel()
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		ctx := context.Background()
		plans := compilePlans(t, d)
		conn, err := d.Writer().Conn(ctx)
		if err != nil {
			t.Fatal(err)
		}
		defer conn.Close()
		explain := "EXPLAIN QUERY PLAN "
		if d.Dialect == db.Postgres {
			explain = "EXPLAIN "
			if _, err := conn.ExecContext(ctx, "SET enable_seqscan = off"); err != nil {
				t.Fatal(err)
			}
		}
		scan := regexp.MustCompile(`^SCAN (\w+)`)
		for _, c := range plans {
			q, sqlText, args := c.q, c.sql, c.args
			rows, err := conn.QueryContext(ctx, explain+sqlText, args...)
			if err != nil {
				t.Fatalf("%q: %v\n%s", q, err, sqlText)
			}
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
				line := strings.TrimSpace(toString(vals[len(vals)-1]))
				plan = append(plan, line)
				if d.Dialect == db.Postgres {
					if strings.Contains(line, "Seq Scan on") {
						t.Errorf("%q: sequential scan: %s", q, line)
					}
					continue
				}
				if m := scan.FindStringSubmatch(line); m != nil && !strings.Contains(line, "VIRTUAL TABLE") &&
					m[1] != "r" && !strings.HasPrefix(m[1], "CONSTANT") {
					t.Errorf("%q: table scan: %s", q, line)
				}
			}
			rows.Close()
			if err := rows.Err(); err != nil {
				t.Fatal(err)
			}
			if t.Failed() {
				t.Fatalf("%s\n%s", sqlText, strings.Join(plan, "\n"))
			}
		}
	})
}

func toString(v any) string {
	switch x := v.(type) {
	case string:
		return x
	case []byte:
		return string(x)
	}
	return ""
}

// TestPostgresUsesSearchIndexes checks that the tsvector expressions of
// index.go are the ones the GIN indexes of the migration were built on.
func TestPostgresUsesSearchIndexes(t *testing.T) {
	t.Parallel()
	d := dbtest.Open(t, db.Postgres)
	ctx := context.Background()
	conn, err := d.Writer().Conn(ctx)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	if _, err := conn.ExecContext(ctx, "SET enable_seqscan = off"); err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		d            doc
		table, index string
	}{
		{ticketDoc, "tickets", "tickets_search"}, {commentDoc, "ticket_comments", "ticket_comments_search"},
		{userDoc, "users", "users_search"}, {orgDoc, "organizations", "organizations_search"}, {groupDoc, "groups", "groups_search"},
	} {
		for _, part := range append([]string{""}, tc.d.parts...) {
			for _, q := range []textQuery{newTextQuery("printer", true), newTextQuery("printer on fire", false)} {
				c := newCompiler(db.Postgres, 1, 1, time.Now())
				cond := c.matchCond(tc.d, "x", part, q)
				var plan []string
				// $1 (the account) is referenced only so the numbering holds.
				rows, err := conn.QueryContext(ctx, "EXPLAIN SELECT 1 FROM "+tc.table+" x WHERE $1::bigint > 0 AND "+cond, c.args...)
				if err != nil {
					t.Fatalf("%s: %v", cond, err)
				}
				for rows.Next() {
					var line string
					if err := rows.Scan(&line); err != nil {
						t.Fatal(err)
					}
					plan = append(plan, line)
				}
				rows.Close()
				if !strings.Contains(strings.Join(plan, "\n"), tc.index) {
					t.Errorf("%s part %q does not use %s:\n%s", tc.table, part, tc.index, strings.Join(plan, "\n"))
				}
			}
		}
	}
}

// TestPostgresSetsAsJoinsOrArrays: on PostgreSQL a ticket part with one id
// set keeps it an array (looked up, once), and a part of a few terms with
// two sets or more writes them as IN, which PostgreSQL hashes: as arrays,
// one was looked up and the other searched from the start for every row
// (16 minutes for "printer status<solved tags:vip" at a million tickets).
// A query of many terms keeps arrays, whose planning time stays flat.
func TestPostgresSetsAsJoinsOrArrays(t *testing.T) {
	d := dbtest.Open(t, db.Postgres)
	ctx := context.Background()
	s := &Service{d: d, clock: clock.NewFake(time.Date(2024, 3, 20, 0, 0, 0, 0, time.UTC))}
	a := auth.Actor{AccountID: 1, UserID: 1, Role: auth.RoleAdmin}
	many := "printer tags:vip"
	for i := 0; i < 6; i++ {
		many += fmt.Sprintf(" tags:t%d", i)
	}
	for _, c := range []struct {
		q            string
		array, joins bool
	}{
		{"printer status<solved type:ticket", true, false},
		{"printer status<solved type:ticket tags:vip", false, true},
		{many + " type:ticket", true, false},
	} {
		q, err := Parse(c.q)
		if err != nil {
			t.Fatal(err)
		}
		p, err := s.compile(ctx, a, q, "", sortOf(q, "", ""))
		if err != nil || len(p.parts) != 1 {
			t.Fatalf("%q: %v (%d parts)", c.q, err, len(p.parts))
		}
		w := p.parts[0].where
		if got := strings.Contains(w, "ANY(ARRAY("); got != c.array {
			t.Errorf("%q: arrays = %v, want %v:\n%s", c.q, got, c.array, w)
		}
		if got := strings.Contains(w, " IN (SELECT"); got != c.joins {
			t.Errorf("%q: IN sub-selects = %v, want %v:\n%s", c.q, got, c.joins, w)
		}
	}
}
