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

// BenchmarkIndexAnd is the ticket index's answer to a three-term query at
// a million tickets once its sets are read: the AND of the live set and
// three term sets (a third, a half, a tenth of the tickets), then the count.
func BenchmarkIndexAnd(b *testing.B) {
	const n = 1_000_000
	sets := make([]bitset, 4)
	for id := int64(1); id <= n; id++ {
		sets[0].set(id)
		if id%3 == 0 {
			sets[1].set(id)
		}
		if id%2 == 0 {
			sets[2].set(id)
		}
		if id%10 == 0 {
			sets[3].set(id)
		}
	}
	var count int
	for b.Loop() {
		res := sets[0].clone()
		res.and(sets[1])
		res.and(sets[2])
		res.andNot(sets[3])
		count = res.count()
	}
	if count != n/6-n/30 {
		b.Fatalf("count %d, want %d", count, n/6-n/30)
	}
}
