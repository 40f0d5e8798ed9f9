package db_test

import (
	"testing"

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
