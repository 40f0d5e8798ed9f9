package db

import "testing"

func TestSQLiteParams(t *testing.T) {
	for in, want := range map[string]string{
		"SELECT 1":             "SELECT 1",
		"SELECT $1, $2 || $10": "SELECT ?1, ?2 || ?10",
		"SELECT json_extract(x, '$.a') WHERE y=$3": "SELECT json_extract(x, '$.a') WHERE y=?3",
		"SELECT '$1' || $1":                        "SELECT '$1' || ?1",
		"SELECT 'it''s $2', $2":                    "SELECT 'it''s $2', ?2",
		"SELECT $ FROM t WHERE a = $":              "SELECT $ FROM t WHERE a = $",
	} {
		if got := sqliteParams(in); got != want {
			t.Errorf("sqliteParams(%q) = %q, want %q", in, got, want)
		}
	}
}
