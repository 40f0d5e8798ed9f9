package seed

import (
	"os"
	"strconv"
	"testing"

	"parley/internal/platform/db"
	"parley/internal/platform/db/dbtest"
)

// TestSpeed measures a seed of PARLEY_SEED_TICKETS tickets on
// PARLEY_SEED_DIALECT (sqlite or postgres; default sqlite) with
// PARLEY_SEED_BATCH tickets per batch, printing progress; it is skipped
// unless PARLEY_SEED_TICKETS is set. The database is a test temporary,
// removed afterwards. Example:
//
//	PARLEY_SEED_TICKETS=100000 go test ./internal/bench/seed -run TestSpeed -v -timeout 1h
func TestSpeed(t *testing.T) {
	n, _ := strconv.Atoi(os.Getenv("PARLEY_SEED_TICKETS"))
	if n <= 0 {
		t.Skip("set PARLEY_SEED_TICKETS to measure")
	}
	dl := db.Dialect(os.Getenv("PARLEY_SEED_DIALECT"))
	if dl == "" {
		dl = db.SQLite
	}
	batch, _ := strconv.Atoi(os.Getenv("PARLEY_SEED_BATCH"))
	e := newEnv(t, dbtest.Open(t, dl))
	res, err := Run(t.Context(), NewDeps(e.tickets, e.users, e.d), e.acct, Options{Tickets: n, BatchSize: batch, Seed: 1,
		Progress: os.Stdout, Now: now})
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("%s: %d tickets, %d comments, %d users in %s: %.0f tickets/s", dl, res.Tickets, res.Comments, res.Users,
		res.Duration, res.TicketsPerSecond)
}
