package trigger_test

import (
	"fmt"
	"testing"

	"parley/internal/platform/db"
	"parley/internal/platform/db/dbtest"
	"parley/internal/platform/opt"
	"parley/internal/rule"
	"parley/internal/ticket"
)

// BenchmarkCreateWith51Triggers measures a ticket create with one matching
// and 50 non-matching active triggers (the benchmark issue's shape), beside
// the same create with no triggers at all.
func BenchmarkCreateWith51Triggers(b *testing.B) {
	for _, dl := range []db.Dialect{db.SQLite, db.Postgres} {
		b.Run(string(dl)+"/none", func(b *testing.B) {
			e := newEnv(b, dbtest.Open(b, dl))
			b.ResetTimer()
			for i := 0; i < b.N; i++ {
				e.createTicket(e.a.admin, ticket.Input{Subject: opt.Of("bench")})
			}
		})
		b.Run(string(dl)+"/51", func(b *testing.B) {
			d := dbtest.Open(b, dl)
			e := newEnv(b, d)
			ctx := e.a.admin
			for i := 0; i < 50; i++ {
				e.mustRule(ctx, rule.Trigger, fmt.Sprintf("never %d", i),
					[]rule.Condition{c("current_tags", "includes", fmt.Sprintf("never%d", i))},
					[]rule.Action{act("priority", "low")})
			}
			e.mustRule(ctx, rule.Trigger, "always", []rule.Condition{c("update_type", "is", "Create")},
				[]rule.Action{act("priority", "high")})
			b.ResetTimer()
			for i := 0; i < b.N; i++ {
				tk, _ := e.createTicket(ctx, ticket.Input{Subject: opt.Of("bench")})
				if tk.Priority == nil || *tk.Priority != "high" {
					b.Fatalf("priority = %v", tk.Priority)
				}
			}
		})
	}
}
