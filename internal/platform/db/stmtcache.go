package db

import (
	"context"
	"database/sql"
	"strings"
	"sync"
)

// stmtCache keeps prepared statements by SQL text, as the caller wrote it
// ($N placeholders, rewritten only to prepare: rewriting on every call was
// 2.5% of the CPU under ticket create), for one SQLite pool.
// modernc's driver parses every one-shot statement again; on a ticket
// create that parsing was a third of the CPU (pprof of
// BenchmarkCreateWith51Triggers). PostgreSQL needs none of this: pgx
// caches prepared statements per connection itself.
//
// The writer pool has a single connection that a transaction holds, so a
// statement first seen inside a transaction cannot be prepared on the pool
// then; it runs unprepared and is prepared once the transaction ends.
type stmtCache struct {
	db     *sql.DB
	mu     sync.Mutex
	m      map[string]*sql.Stmt
	wanted map[string]bool
	// max bounds the cache: texts with IN lists of many lengths would
	// otherwise grow it without end; past max, statements run unprepared.
	max int
}

func newStmtCache(d *sql.DB) *stmtCache {
	return &stmtCache{db: d, m: map[string]*sql.Stmt{}, wanted: map[string]bool{}, max: 2000}
}

// cached returns the prepared statement for q, or nil (remembering q so
// prepareWanted prepares it).
func (c *stmtCache) cached(q string) *sql.Stmt {
	c.mu.Lock()
	defer c.mu.Unlock()
	s := c.m[q]
	if s == nil && len(c.m)+len(c.wanted) < c.max {
		c.wanted[q] = true
	}
	return s
}

// prepareWanted prepares the statements seen since the last call; the
// caller must not hold a connection of the pool.
func (c *stmtCache) prepareWanted(ctx context.Context) {
	c.mu.Lock()
	if len(c.wanted) == 0 {
		c.mu.Unlock()
		return
	}
	qs := make([]string, 0, len(c.wanted))
	for q := range c.wanted {
		qs = append(qs, q)
	}
	clear(c.wanted)
	c.mu.Unlock()
	for _, q := range qs {
		s, err := c.db.PrepareContext(ctx, sqliteParams(q))
		if err != nil {
			continue // it runs unprepared, and reports its error there
		}
		c.mu.Lock()
		if c.m[q] == nil && len(c.m) < c.max {
			c.m[q] = s
			s = nil
		}
		c.mu.Unlock()
		if s != nil {
			_ = s.Close()
		}
	}
}

func (c *stmtCache) close() {
	c.mu.Lock()
	defer c.mu.Unlock()
	for q, s := range c.m {
		_ = s.Close()
		delete(c.m, q)
	}
}

// cachedPool runs statements on a pool through the cache, preparing on a
// miss (a pool with several connections always has one to prepare on).
type cachedPool struct {
	*sql.DB
	c *stmtCache
}

func (p cachedPool) stmt(ctx context.Context, q string) *sql.Stmt {
	if s := p.c.cached(q); s != nil {
		return s
	}
	p.c.prepareWanted(ctx)
	return p.c.cached(q)
}

func (p cachedPool) ExecContext(ctx context.Context, q string, args ...any) (sql.Result, error) {
	if s := p.stmt(ctx, q); s != nil {
		return s.ExecContext(ctx, args...)
	}
	return p.DB.ExecContext(ctx, sqliteParams(q), args...)
}

func (p cachedPool) QueryContext(ctx context.Context, q string, args ...any) (*sql.Rows, error) {
	if s := p.stmt(ctx, q); s != nil {
		return s.QueryContext(ctx, args...)
	}
	return p.DB.QueryContext(ctx, sqliteParams(q), args...)
}

func (p cachedPool) QueryRowContext(ctx context.Context, q string, args ...any) *sql.Row {
	if s := p.stmt(ctx, q); s != nil {
		return s.QueryRowContext(ctx, args...)
	}
	return p.DB.QueryRowContext(ctx, sqliteParams(q), args...)
}

// cachedTx runs a transaction's statements through the writer's cache:
// database/sql reuses a statement already prepared on the transaction's
// connection.
type cachedTx struct {
	*sql.Tx
	c *stmtCache
}

func (t cachedTx) ExecContext(ctx context.Context, q string, args ...any) (sql.Result, error) {
	if s := t.c.cached(q); s != nil {
		return t.Tx.StmtContext(ctx, s).ExecContext(ctx, args...)
	}
	return t.Tx.ExecContext(ctx, sqliteParams(q), args...)
}

func (t cachedTx) QueryContext(ctx context.Context, q string, args ...any) (*sql.Rows, error) {
	if s := t.c.cached(q); s != nil {
		return t.Tx.StmtContext(ctx, s).QueryContext(ctx, args...)
	}
	return t.Tx.QueryContext(ctx, sqliteParams(q), args...)
}

func (t cachedTx) QueryRowContext(ctx context.Context, q string, args ...any) *sql.Row {
	if s := t.c.cached(q); s != nil {
		return t.Tx.StmtContext(ctx, s).QueryRowContext(ctx, args...)
	}
	return t.Tx.QueryRowContext(ctx, sqliteParams(q), args...)
}

// sqliteParams rewrites $N placeholders to ?N for SQLite. SQLite reads $N
// as a named parameter and finds each name by a linear search, so a
// statement with many of them (IN lists, multi-row INSERTs) costs
// quadratic time to prepare and bind; ?N is a plain parameter number.
// Text inside single-quoted literals is left alone.
func sqliteParams(q string) string {
	i := strings.IndexByte(q, '$')
	if i < 0 {
		return q
	}
	var b strings.Builder
	b.Grow(len(q))
	quoted := false
	for i := 0; i < len(q); i++ {
		ch := q[i]
		switch {
		case ch == '\'':
			quoted = !quoted
		case ch == '$' && !quoted && i+1 < len(q) && q[i+1] >= '0' && q[i+1] <= '9':
			ch = '?'
		}
		b.WriteByte(ch)
	}
	return b.String()
}
