package ticket_test

import (
	"context"
	"sync"
	"testing"
	"time"

	"parley/internal/platform/db"
	"parley/internal/platform/db/dbtest"
	"parley/internal/platform/opt"
	"parley/internal/ticket"
	"parley/internal/ticket/tickettest"
)

// TestCreatesDoNotWaitForEachOther: on PostgreSQL a create takes its ticket
// number in a statement of its own, so a second create finishes while the
// first one's transaction is still open (the counter row used to stay
// locked until commit, serializing every create of the account). Numbers
// stay unique and a create rolled back leaves a gap.
func TestCreatesDoNotWaitForEachOther(t *testing.T) {
	d := dbtest.Open(t, db.Postgres)
	e := tickettest.New(t, d, time.Date(2024, 3, 1, 10, 0, 0, 0, time.UTC))
	ctx := e.As(t, e.Owner)
	in := func(s string) ticket.Input {
		return ticket.Input{Subject: opt.Of(s), Comment: opt.Of(ticket.CommentInput{Body: s})}
	}
	first := make(chan int64)
	release := make(chan struct{})
	var once sync.Once
	let := func() { once.Do(func() { close(release) }) }
	defer let() // a failing test must not leave the transaction open
	rolledBack := make(chan error, 1)
	go func() {
		rolledBack <- d.InTx(ctx, func(ctx context.Context) error {
			tk, _, err := e.Tickets.Create(ctx, in("held open"))
			if err != nil {
				close(first)
				return err
			}
			first <- tk.ID
			<-release
			return context.Canceled // roll the first create back
		})
	}()
	held, ok := <-first
	if !ok {
		t.Fatal("the first create failed")
	}
	done := make(chan ticket.Ticket, 1)
	go func() {
		tk, _, err := e.Tickets.Create(ctx, in("second"))
		if err != nil {
			t.Error(err)
		}
		done <- tk
	}()
	select {
	case tk := <-done:
		if tk.ID != held+1 {
			t.Errorf("second ticket %d, want %d", tk.ID, held+1)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("the second create waited for the first one's transaction")
	}
	let()
	if err := <-rolledBack; err != context.Canceled {
		t.Fatalf("first transaction: %v", err)
	}
	third, _, err := e.Tickets.Create(ctx, in("third"))
	if err != nil {
		t.Fatal(err)
	}
	if third.ID != held+2 {
		t.Errorf("third ticket %d, want %d (the rolled-back number stays unused)", third.ID, held+2)
	}
	if _, err := e.Tickets.Get(ctx, held); err == nil {
		t.Errorf("the rolled-back ticket %d exists", held)
	}
}
