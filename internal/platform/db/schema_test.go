package db_test

import (
	"context"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"parley/internal/platform/db"
	"parley/internal/platform/db/dbtest"
)

// TestSchemaParity checks that after migration both dialects have the same
// tables with the same columns in the same order, so one SQL text (and any
// positional scan) works on both. goose's and River's tables are left out.
func TestSchemaParity(t *testing.T) {
	t.Parallel()
	lite := dbtest.Open(t, db.SQLite)
	pg := dbtest.Open(t, db.Postgres)

	got := map[db.Dialect]map[string][]string{}
	for _, tc := range []struct {
		d *db.DB
		q string
	}{
		// SQLite's FTS5 virtual tables and their shadow tables are left
		// out: they are SQLite's full-text index (the search room's), which
		// PostgreSQL keeps as GIN indexes instead of tables.
		{lite, `SELECT m.name, p.name FROM sqlite_master m, pragma_table_info(m.name) p
		        WHERE m.type = 'table' AND NOT EXISTS (SELECT 1 FROM sqlite_master v
		            WHERE v.type = 'table' AND v.sql LIKE 'CREATE VIRTUAL TABLE % USING fts5(%'
		            AND m.name IN (v.name, v.name || '_data', v.name || '_idx', v.name || '_docsize',
		                           v.name || '_config', v.name || '_content'))
		        ORDER BY m.name, p.cid`},
		// Likewise PostgreSQL's ticket_search_docs: the search room's
		// per-ticket documents, which SQLite's keyed comment rows stand for.
		{pg, `SELECT table_name, column_name FROM information_schema.columns
		      WHERE table_schema = 'public' AND table_name <> 'ticket_search_docs'
		      ORDER BY table_name, ordinal_position`},
	} {
		cols, err := columns(t.Context(), tc.d, tc.q)
		if err != nil {
			t.Fatalf("%s: %v", tc.d.Dialect, err)
		}
		got[tc.d.Dialect] = cols
	}
	if len(got[db.SQLite]) == 0 {
		t.Fatal("no tables found on sqlite")
	}
	if diff := cmp.Diff(got[db.SQLite], got[db.Postgres]); diff != "" {
		t.Errorf("schemas differ (-sqlite +postgres):\n%s", diff)
	}
}

// columns maps each application table to its column names.
func columns(ctx context.Context, d *db.DB, q string) (map[string][]string, error) {
	rows, err := d.Conn(ctx).QueryContext(ctx, q)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	out := map[string][]string{}
	for rows.Next() {
		var table, col string
		if err := rows.Scan(&table, &col); err != nil {
			return nil, err
		}
		if table == "goose_db_version" || strings.HasPrefix(table, "river_") ||
			strings.HasPrefix(table, "sqlite_") {
			continue
		}
		out[table] = append(out[table], col)
	}
	return out, rows.Err()
}
