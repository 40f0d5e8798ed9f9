package search

import (
	"testing"
	"time"

	"parley/internal/platform/db"
)

// benchQueries are what agents type: words, phrases, properties, dates
// and negations (issue 7: the parser and compiler at a glance).
var benchQueries = []string{
	"printer",
	`"printer on fire" status<solved`,
	"type:ticket status:open priority>normal tags:vip -tags:spam",
	`refund invoice created>30days assignee:me order_by:updated sort:desc`,
	"requester:carla@example.org subject:login* group:support",
	"custom_field_123:gold status<=pending due_date<2026-12-31 has_attachment:true",
}

func BenchmarkParse(b *testing.B) {
	b.ReportAllocs()
	for b.Loop() {
		for _, q := range benchQueries {
			if _, err := Parse(q); err != nil {
				b.Fatal(err)
			}
		}
	}
	b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N*len(benchQueries)), "ns/query")
}

func BenchmarkCompile(b *testing.B) {
	qs := make([]Query, len(benchQueries))
	for i, s := range benchQueries {
		q, err := Parse(s)
		if err != nil {
			b.Fatal(err)
		}
		qs[i] = q
	}
	k, _ := kindOf(ResultTicket)
	now := time.Date(2026, 11, 22, 12, 0, 0, 0, time.UTC)
	for _, d := range []db.Dialect{db.SQLite, db.Postgres} {
		b.Run(string(d), func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				for _, q := range qs {
					c := newCompiler(d, 1, 2, now)
					if _, err := c.where(k, q.Terms); err != nil {
						b.Fatal(err)
					}
				}
			}
			b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N*len(qs)), "ns/query")
		})
	}
}
