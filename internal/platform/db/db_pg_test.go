package db_test

import (
	"strings"
	"testing"
	"time"

	"parley/internal/platform/db"
	"parley/internal/platform/db/dbtest"
)

// TestPostgresSessionSettings: connections run without JIT and with enough
// work_mem that a common word's bitmap of matches stays exact.
func TestPostgresSessionSettings(t *testing.T) {
	d := dbtest.Open(t, db.Postgres)
	for k, want := range map[string]string{"jit": "off", "work_mem": "32MB"} {
		var got string
		if err := d.Conn(t.Context()).QueryRowContext(t.Context(), "SELECT current_setting($1)", k).Scan(&got); err != nil {
			t.Fatal(err)
		}
		if got != want {
			t.Errorf("%s = %s, want %s", k, got, want)
		}
	}
}

// TestSeekStartsAnIndexRange: a keyset page after (updated_at, id) must
// start an index range on PostgreSQL, not filter the account's whole index
// (the written-out OR alone did: 0.6 s a page at a million tickets).
func TestSeekStartsAnIndexRange(t *testing.T) {
	d := dbtest.Open(t, db.Postgres)
	ctx := t.Context()
	for _, desc := range []bool{false, true} {
		args := []any{int64(1)}
		p := db.Page{Limit: 100, Sort: "updated_at", Desc: desc, Keyset: true, Alias: "t.",
			After: &db.Key{V: time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC), ID: 5}}
		q := "EXPLAIN SELECT t.id FROM tickets t WHERE t.account_id = $1" + p.Seek(&args) + p.OrderLimit(&args)
		conn, err := d.Writer().Conn(ctx)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := conn.ExecContext(ctx, "SET enable_seqscan = off"); err != nil {
			t.Fatal(err)
		}
		rows, err := conn.QueryContext(ctx, q, args...)
		if err != nil {
			t.Fatal(err)
		}
		var plan []string
		for rows.Next() {
			var line string
			if err := rows.Scan(&line); err != nil {
				t.Fatal(err)
			}
			plan = append(plan, line)
		}
		rows.Close()
		conn.Close()
		joined := strings.Join(plan, "\n")
		if !strings.Contains(joined, "Index Cond: ((account_id = ") || !strings.Contains(joined, "updated_at >=") &&
			!strings.Contains(joined, "updated_at <=") {
			t.Errorf("desc=%v: the seek is not an index range:\n%s\n%s", desc, joined, q)
		}
	}
}

// TestSideCommitsWithoutWaiting: the side pool (Allocate) commits without
// waiting for the WAL flush; every other connection waits as usual.
func TestSideCommitsWithoutWaiting(t *testing.T) {
	d := dbtest.Open(t, db.Postgres)
	const q = "SELECT CAST(CASE current_setting('synchronous_commit') WHEN 'off' THEN 0 ELSE 1 END AS BIGINT)"
	if waits, err := d.Allocate(t.Context(), q); err != nil || waits != 0 {
		t.Errorf("side pool: waits for the flush = %d, %v; want 0", waits, err)
	}
	var waits int64
	if err := d.Conn(t.Context()).QueryRowContext(t.Context(), q).Scan(&waits); err != nil || waits != 1 {
		t.Errorf("main pool: waits for the flush = %d, %v; want 1", waits, err)
	}
}
