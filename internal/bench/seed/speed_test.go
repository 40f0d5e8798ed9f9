package seed

import (
	"testing"

	"parley/internal/platform/db"
	"parley/internal/platform/db/dbtest"
)

// BenchmarkSeed measures loading 10,000 tickets (with comments, people and
// fields) into a fresh database per iteration, as tickets per second. For
// bigger runs use `parley bench seed --tickets N` (docs/benchmarks.md).
func BenchmarkSeed(b *testing.B) {
	for _, dl := range []db.Dialect{db.SQLite, db.Postgres} {
		b.Run(string(dl), func(b *testing.B) {
			var rate float64
			for b.Loop() {
				b.StopTimer()
				e := newEnv(b, dbtest.Open(b, dl))
				b.StartTimer()
				res, err := Run(b.Context(), NewDeps(e.tickets, e.users, e.d), e.acct, Options{Tickets: 10000, Seed: 1, Now: now})
				if err != nil {
					b.Fatal(err)
				}
				rate = res.TicketsPerSecond
			}
			b.ReportMetric(rate, "tickets/s")
		})
	}
}
