// Package events fans out small notices ("ticket 12 of account 3
// changed") to the browsers watching them, on every node. A notice is
// published inside the transaction of the change and delivered only if it
// commits: on PostgreSQL through NOTIFY (which every node LISTENs to), on
// SQLite (one node) in process after the commit.
//
// On PostgreSQL the NOTIFY is not sent inside the change's transaction: a
// transaction that notifies takes a database-wide lock at commit and holds
// it until its commit record is on disk, so ticket writes waited for each
// other's flushes (sending after commit gave 5-15 % more ticket creates a
// second at concurrency 32 on the two-core benchmark machine). Instead the topics are queued once the change commits and one sender per
// node notifies them in batches, in a transaction that does not wait for
// its flush.
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

	// pending are the committed topics the sender has yet to notify
	// (PostgreSQL); wake tells it there are some.
	pmu     sync.Mutex
	pending map[string]struct{}
	wake    chan struct{}
}

// maxPending bounds the topics waiting for the sender; past it (a sender
// that cannot reach the database) notices are dropped: they only refresh
// pages that also poll.
const maxPending = 10000

// New builds a bus; call Run to listen and send across nodes (PostgreSQL).
func New(d *db.DB, log *slog.Logger) *Bus {
	return &Bus{d: d, log: log, subs: map[string]map[chan struct{}]struct{}{}, pending: map[string]struct{}{},
		wake: make(chan struct{}, 1)}
}

// Publish announces that topic changed. Inside a transaction it is sent
// when (and only if) the transaction commits.
func (b *Bus) Publish(ctx context.Context, topic string) error {
	if b.d.Dialect == db.Postgres {
		db.AfterCommit(ctx, func() { b.queue(topic) })
		return nil
	}
	db.AfterCommit(ctx, func() { b.deliver(topic) })
	return nil
}

func (b *Bus) queue(topic string) {
	b.pmu.Lock()
	if len(b.pending) < maxPending {
		b.pending[topic] = struct{}{}
	}
	b.pmu.Unlock()
	select {
	case b.wake <- struct{}{}:
	default: // the sender is already due
	}
}

// send notifies queued topics until ctx ends, all that queued while the
// previous batch was sent in one transaction.
func (b *Bus) send(ctx context.Context) {
	for {
		select {
		case <-ctx.Done():
			return
		case <-b.wake:
		}
		b.pmu.Lock()
		topics := make([]string, 0, len(b.pending))
		for t := range b.pending {
			topics = append(topics, t)
		}
		clear(b.pending)
		b.pmu.Unlock()
		if err := b.notify(ctx, topics); err != nil && ctx.Err() == nil {
			b.log.Warn("events: notify failed", slog.Int("topics", len(topics)), slog.String("error", err.Error()))
		}
	}
}

func (b *Bus) notify(ctx context.Context, topics []string) error {
	if len(topics) == 0 {
		return nil
	}
	tx, err := b.d.Pool().Begin(ctx)
	if err != nil {
		return err
	}
	defer func() { _ = tx.Rollback(context.Background()) }() // after Commit, a no-op
	// A lost notice costs a page one refresh, not data: do not wait for
	// the flush while holding PostgreSQL's notify lock.
	if _, err := tx.Exec(ctx, `SET LOCAL synchronous_commit = off`); err != nil {
		return err
	}
	if _, err := tx.Exec(ctx, `SELECT pg_notify($1, t) FROM unnest($2::text[]) t`, channel, topics); err != nil {
		return err
	}
	return tx.Commit(ctx)
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

// Run sends this node's notices and listens for every node's until ctx
// ends (PostgreSQL; a no-op on SQLite). A lost connection is re-opened
// after a pause.
func (b *Bus) Run(ctx context.Context) {
	if b.d.Dialect != db.Postgres {
		return
	}
	go b.send(ctx)
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
