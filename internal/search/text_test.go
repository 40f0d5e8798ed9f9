package search

import (
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"parley/internal/platform/db"
)

func TestTextQuery(t *testing.T) {
	t.Parallel()
	long := strings.Repeat("é", 200) // 400 bytes
	cases := []struct {
		in       string
		prefix   bool
		tokens   []string
		wantPre  bool
		fts, tsq string
	}{
		{"printer", true, []string{"printer"}, true, `"printer"*`, `'printer':*`},
		{"printer on fire", false, []string{"printer", "on", "fire"}, false, `"printer on fire"`, `'printer' <-> 'on' <-> 'fire'`},
		{"jane.doe@acme.example", true, []string{"jane", "doe", "acme", "example"}, true, `"jane doe acme example"*`,
			`'jane' <-> 'doe' <-> 'acme' <-> 'example':*`},
		{`"AND" OR NEAR(x) col:y ^z`, false, []string{"AND", "OR", "NEAR", "x", "col", "y", "z"}, false,
			`"AND OR NEAR x col y z"`, `'AND' <-> 'OR' <-> 'NEAR' <-> 'x' <-> 'col' <-> 'y' <-> 'z'`},
		{"it's", true, []string{"it", "s"}, true, `"it s"*`, `'it' <-> 's':*`},
		{"café 東京 ünï", false, []string{"café", "東京", "ünï"}, false, `"café 東京 ünï"`, `'café' <-> '東京' <-> 'ünï'`},
		{"--- *** !!", true, nil, true, "", ""},
		{long, false, []string{strings.Repeat("é", 127)}, true, `"` + strings.Repeat("é", 127) + `"*`, `'` + strings.Repeat("é", 127) + `':*`},
	}
	for _, tc := range cases {
		q := newTextQuery(tc.in, tc.prefix)
		if diff := cmp.Diff(tc.tokens, q.tokens); diff != "" || q.prefix != tc.wantPre {
			t.Errorf("newTextQuery(%q) = %v %v (-want +got):\n%s", tc.in, q.tokens, q.prefix, diff)
		}
		if q.empty() {
			continue
		}
		if got := q.fts5(""); got != tc.fts {
			t.Errorf("fts5(%q) = %s, want %s", tc.in, got, tc.fts)
		}
		if got := q.tsquery(""); got != tc.tsq {
			t.Errorf("tsquery(%q) = %s, want %s", tc.in, got, tc.tsq)
		}
	}
	q := newTextQuery("printer jam", true)
	if got, want := q.fts5("subject"), `subject : "printer jam"*`; got != want {
		t.Errorf("column filter: %s", got)
	}
	// A phrase stays within one part: tried in each weight in turn.
	if got, want := q.tsquery("AB"), `('printer':A <-> 'jam':*A) | ('printer':B <-> 'jam':*B)`; got != want {
		t.Errorf("weights: %s", got)
	}
	if got, want := newTextQuery("jam", true).tsquery("B"), `'jam':*B`; got != want {
		t.Errorf("one weight: %s", got)
	}
}

func TestJSONScalars(t *testing.T) {
	t.Parallel()
	for in, want := range map[string][]string{
		"abc":   {`"abc"`},
		"12.50": {`"12.50"`, `12.5`, `"12.5"`},
		"50":    {`"50"`, `50`},
		"true":  {`"true"`, `true`},
		"<b>":   {`"\u003cb\u003e"`},
		"1e21":  {`"1e21"`, `1e+21`, `"1e+21"`, `"1000000000000000000000"`},
	} {
		if diff := cmp.Diff(want, jsonScalars(in)); diff != "" {
			t.Errorf("jsonScalars(%q) (-want +got):\n%s", in, diff)
		}
	}
}

func TestLowerFollowsEngine(t *testing.T) {
	t.Parallel()
	lite, pg := &compiler{dialect: db.SQLite}, &compiler{dialect: db.Postgres}
	if got := lite.lower("ÉCOLE Abc"); got != "École abc" {
		t.Errorf("sqlite lower = %q", got)
	}
	if got := pg.lower("ÉCOLE Abc"); got != "école abc" {
		t.Errorf("postgres lower = %q", got)
	}
}

// TestTicketTextSet: on PostgreSQL a single word of letters and ASCII
// digits is looked up in the tickets' search documents (which have no
// positions), and everything else (phrases, words with punctuation,
// other word characters PostgreSQL may split) in the positional indexes;
// SQLite always uses its FTS5 tables.
func TestTicketTextSet(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		in     string
		prefix bool
		docs   bool
	}{
		{"printer", true, true}, {"Café", true, true}, {"abc123", true, true}, {"日本語", true, true},
		{"printer", false, true}, {"12", true, true},
		{"on fire", false, false}, {"e-mail", true, false}, {"jane.doe", true, false},
		{"a²b", true, false}, {"x\ue000y", true, false}, {"٣", true, false},
	} {
		q := newTextQuery(tc.in, tc.prefix)
		if got := q.oneWord(); got != tc.docs {
			t.Errorf("%q oneWord = %t, want %t", tc.in, got, tc.docs)
		}
		pg := newCompiler(db.Postgres, 1, 1, time.Now()).ticketText(q)
		if got := strings.Contains(pg.sql, "ticket_search_docs"); got != tc.docs || (pg.probe != "") != tc.docs {
			t.Errorf("%q on postgres: %s (probe %q); want search documents %t", tc.in, pg.sql, pg.probe, tc.docs)
		}
		if tc.docs && strings.Contains(pg.sql, "ticket_comments") {
			t.Errorf("%q on postgres reads comments: %s", tc.in, pg.sql)
		}
		if lite := newCompiler(db.SQLite, 1, 1, time.Now()).ticketText(q); strings.Contains(lite.sql, "ticket_search_docs") ||
			lite.probe != "" {
			t.Errorf("%q on sqlite: %+v", tc.in, lite)
		}
	}
}

func TestDense(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		d       db.Dialect
		matches int64
		n       int64
		limit   int
		walk    bool
	}{
		{db.SQLite, 2978, 100000, 1000, true}, {db.SQLite, 566, 100000, 1000, false}, {db.SQLite, 0, 0, 100, false},
		{db.Postgres, 3076, 100000, 100, true}, {db.Postgres, 566, 100000, 100, false}, {db.Postgres, 1500, 100000, 100, false},
		{db.Postgres, 1700, 100000, 100, true}, {db.Postgres, 0, 0, 100, false},
	} {
		if got := dense(tc.d, tc.matches, tc.n, tc.limit); got != tc.walk {
			t.Errorf("dense(%s, %d, %d, %d) = %t", tc.d, tc.matches, tc.n, tc.limit, got)
		}
	}
}
