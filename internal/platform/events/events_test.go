package events_test

import (
	"context"
	"errors"
	"log/slog"
	"testing"
	"time"

	"parley/internal/platform/db"
	"parley/internal/platform/db/dbtest"
	"parley/internal/platform/events"
)

// A notice reaches subscribers of its topic only once its transaction
// commits; a rolled-back change announces nothing.
func TestPublishOnCommit(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		b := events.New(d, slog.New(slog.DiscardHandler))
		ctx, cancel := context.WithCancel(context.Background())
		defer cancel()
		go b.Run(ctx)
		ch, stop := b.Subscribe("ticket:1:7")
		defer stop()
		other, stopOther := b.Subscribe("ticket:1:8")
		defer stopOther()
		time.Sleep(100 * time.Millisecond) // let the listener start (PostgreSQL)

		boom := errors.New("roll back")
		if err := d.InTx(ctx, func(ctx context.Context) error {
			if err := b.Publish(ctx, "ticket:1:7"); err != nil {
				return err
			}
			return boom
		}); !errors.Is(err, boom) {
			t.Fatal(err)
		}
		select {
		case <-ch:
			t.Fatal("a rolled-back change was announced")
		case <-time.After(200 * time.Millisecond):
		}
		if err := d.InTx(ctx, func(ctx context.Context) error { return b.Publish(ctx, "ticket:1:7") }); err != nil {
			t.Fatal(err)
		}
		select {
		case <-ch:
		case <-time.After(5 * time.Second):
			t.Fatal("a committed change was not announced")
		}
		select {
		case <-other:
			t.Fatal("another topic's subscriber was woken")
		case <-time.After(100 * time.Millisecond):
		}
	})
}
