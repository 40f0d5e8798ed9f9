// Package tickettest builds, for the tests of rooms that sit on tickets,
// one account on a given database with its owner and a ticket service
// wired to the real user room, as the server wires them.
package tickettest

import (
	"context"
	"log/slog"
	"testing"
	"time"

	"parley/internal/account"
	"parley/internal/auth"
	"parley/internal/bulk"
	"parley/internal/platform/blob"
	"parley/internal/platform/clock"
	"parley/internal/platform/db"
	"parley/internal/ticket"
	"parley/internal/user"
)

// Env is account "acme" with its owner (owner@acme.example).
type Env struct {
	DB      *db.DB
	Clock   *clock.Fake
	Users   *user.Service
	Tickets *ticket.Service
	Account int64
	Owner   int64
}

// NoSecureDownloads answers the ticket room's one account setting.
type NoSecureDownloads struct{}

// SecureDownloads is off.
func (NoSecureDownloads) SecureDownloads(context.Context, int64) (bool, error) { return false, nil }

// New makes the account on d with the clock at now; cheap password costs.
func New(t testing.TB, d *db.DB, now time.Time) *Env {
	t.Helper()
	ctx := context.Background()
	clk := clock.NewFake(now)
	log := slog.New(slog.DiscardHandler)
	us := user.NewService(d, clk, log, bulk.NewService(d, clk, log), user.Options{Argon2: auth.Argon2{MemoryKiB: 64, Time: 1, Threads: 1}})
	acct, err := account.NewService(d, clk, account.Options{}).Create(ctx, account.New{Subdomain: "acme", Name: "Acme"})
	if err != nil {
		t.Fatalf("tickettest: create account: %v", err)
	}
	owner, err := us.Bootstrap(ctx, acct.ID, user.Owner{Email: "owner@acme.example", Password: "owner-pass-1"})
	if err != nil {
		t.Fatalf("tickettest: bootstrap users: %v", err)
	}
	files, err := blob.NewLocal(t.TempDir())
	if err != nil {
		t.Fatalf("tickettest: files: %v", err)
	}
	ts := ticket.NewService(d, clk, log, ticket.Users{U: us}, files, NoSecureDownloads{}, ticket.Options{})
	if err := ts.BootstrapAccount(ctx, acct.ID); err != nil {
		t.Fatalf("tickettest: bootstrap tickets: %v", err)
	}
	return &Env{DB: d, Clock: clk, Users: us, Tickets: ts, Account: acct.ID, Owner: owner}
}

// As returns a context acting as user id of the account.
func (e *Env) As(t testing.TB, id int64) context.Context {
	t.Helper()
	a, err := e.Users.ActorByID(context.Background(), e.Account, id)
	if err != nil {
		t.Fatalf("tickettest: ActorByID(%d): %v", id, err)
	}
	return auth.WithActor(context.Background(), a)
}
