package rule

import (
	"math/rand/v2"
	"testing"

	"parley/internal/platform/db"
)

// triggerConditions draws n trigger-like condition sets: a view/automation
// condition set plus a changed-family condition and a comment condition.
func triggerConditions(r *rand.Rand, n int) []Conditions {
	out := make([]Conditions, n)
	for i := range out {
		c := genConditions(r)
		c.All = append(c.All, pick(r, []Condition{cond("status", "changed", nil), cond("assignee_id", "value", "current_user"),
			cond("comment_includes_word", "includes", "refund help"), cond("update_type", "", "Change"),
			cond("priority", "value_previous", "low")}))
		out[i] = c
	}
	return out
}

// BenchmarkMatch1000Triggers checks 1,000 trigger condition sets against
// one update (one op = all 1,000).
func BenchmarkMatch1000Triggers(b *testing.B) {
	r := rand.New(rand.NewPCG(1, 1))
	sets := triggerConditions(r, 1000)
	ts := genTickets(r, 2)
	u := &Update{Previous: ts[1].t, CurrentViaID: 5, ActorID: 10, ActorRole: "agent",
		Comment: &Comment{Body: "Please help with my refund, the printer is on fire.", Public: true}}
	b.ReportAllocs()
	fired := 0
	for b.Loop() {
		for i := range sets {
			if Match(sets[i], &ts[0].t, u, genNow) {
				fired++
			}
		}
	}
	b.ReportMetric(float64(fired)/float64(b.N), "fired/op")
}

// BenchmarkCompile compiles one generated view condition set per op.
func BenchmarkCompile(b *testing.B) {
	r := rand.New(rand.NewPCG(2, 2))
	sets := make([]Conditions, 256)
	for i := range sets {
		sets[i] = genConditions(r)
	}
	b.ReportAllocs()
	i := 0
	for b.Loop() {
		args := make([]any, 1, 16)
		if _, err := Compile(sets[i%len(sets)], CompileOptions{Dialect: db.Postgres, Now: genNow, CurrentUserID: 10}, &args); err != nil {
			b.Fatal(err)
		}
		i++
	}
}
