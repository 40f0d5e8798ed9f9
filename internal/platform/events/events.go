// Package events fans out small notices ("ticket 12 of account 3
// changed") to the browsers watching them, on every node. A notice is
// published inside the transaction of the change and delivered only if it
// commits: on PostgreSQL through NOTIFY (which every node LISTENs to), on
// SQLite (one node) in process after the commit.
package events

import (
	"context"
	"log/slog"
	"sync"
	"time"

	"parley/internal/platform/db"
)

// channel is the PostgreSQL NOTIFY channel.
const channel = "parley_events"

// Bus delivers published topics to subscribers.
type Bus struct {
	d   *db.DB
	log *slog.Logger

	mu   sync.Mutex
	subs map[string]map[chan struct{}]struct{}
}

// New builds a bus; call Run to listen across nodes (PostgreSQL).
func New(d *db.DB, log *slog.Logger) *Bus {
	return &Bus{d: d, log: log, subs: map[string]map[chan struct{}]struct{}{}}
}

// Publish announces that topic changed. Inside a transaction it is sent
// when (and only if) the transaction commits.
func (b *Bus) Publish(ctx context.Context, topic string) error {
	if b.d.Dialect == db.Postgres {
		// NOTIFY is transactional: delivered to every listener at commit.
		_, err := b.d.Conn(ctx).ExecContext(ctx, `SELECT pg_notify($1, $2)`, channel, topic)
		return err
	}
	db.AfterCommit(ctx, func() { b.deliver(topic) })
	return nil
}

// Subscribe returns a channel that receives a value whenever topic
// changes (coalesced: a slow reader sees one wake-up for many changes),
// and a function that ends the subscription.
func (b *Bus) Subscribe(topic string) (<-chan struct{}, func()) {
	ch := make(chan struct{}, 1)
	b.mu.Lock()
	if b.subs[topic] == nil {
		b.subs[topic] = map[chan struct{}]struct{}{}
	}
	b.subs[topic][ch] = struct{}{}
	b.mu.Unlock()
	return ch, func() {
		b.mu.Lock()
		delete(b.subs[topic], ch)
		if len(b.subs[topic]) == 0 {
			delete(b.subs, topic)
		}
		b.mu.Unlock()
	}
}

func (b *Bus) deliver(topic string) {
	b.mu.Lock()
	defer b.mu.Unlock()
	for ch := range b.subs[topic] {
		select {
		case ch <- struct{}{}:
		default: // a wake-up is already pending
		}
	}
}

// Run listens for other nodes' notices until ctx ends (PostgreSQL; a
// no-op on SQLite). A lost connection is re-opened after a pause.
func (b *Bus) Run(ctx context.Context) {
	if b.d.Dialect != db.Postgres {
		return
	}
	for ctx.Err() == nil {
		if err := b.listen(ctx); err != nil && ctx.Err() == nil {
			b.log.Warn("events: listening failed; retrying", slog.String("error", err.Error()))
			select {
			case <-ctx.Done():
			case <-time.After(time.Second):
			}
		}
	}
}

func (b *Bus) listen(ctx context.Context) error {
	pc, err := b.d.Pool().Acquire(ctx)
	if err != nil {
		return err
	}
	// The connection stays in LISTEN mode: it never goes back to the pool.
	conn := pc.Hijack()
	defer conn.Close(context.Background())
	if _, err := conn.Exec(ctx, "LISTEN "+channel); err != nil {
		return err
	}
	for {
		n, err := conn.WaitForNotification(ctx)
		if err != nil {
			return err
		}
		b.deliver(n.Payload)
	}
}
