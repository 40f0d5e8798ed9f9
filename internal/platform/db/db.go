// Package db opens Parley's database (embedded SQLite or PostgreSQL) behind
// one type, runs transactions that rooms join through the context, and keeps
// the few dialect differences in one place.
package db

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/jackc/pgx/v5/stdlib"
	_ "modernc.org/sqlite" // registers the "sqlite" driver
)

// Dialect names the database engine.
type Dialect string

const (
	// SQLite is the embedded engine (modernc.org/sqlite).
	SQLite Dialect = "sqlite"
	// Postgres is PostgreSQL through pgx.
	Postgres Dialect = "postgres"
)

// Executor is what stores run SQL on: a pool, a transaction or a connection.
type Executor interface {
	ExecContext(ctx context.Context, query string, args ...any) (sql.Result, error)
	QueryContext(ctx context.Context, query string, args ...any) (*sql.Rows, error)
	QueryRowContext(ctx context.Context, query string, args ...any) *sql.Row
}

// DB is the database handle shared by every room.
type DB struct {
	Dialect Dialect
	// write takes every write transaction. On SQLite it has exactly one
	// connection, because SQLite has one writer; River shares it.
	write *sql.DB
	// read serves reads outside transactions; on SQLite it is a separate
	// query-only pool so readers never wait for the writer.
	read *sql.DB
	pool *pgxpool.Pool
	// side is PostgreSQL's second, small pool for statements that commit
	// at once while a transaction is open (Allocate); transactions never
	// wait on it, so it cannot starve them.
	side *pgxpool.Pool
	path string
	// SQLite only: prepared statements of the writer and the readers.
	wstmts, rstmts *stmtCache
	// SQLite only: write transactions, committed in groups.
	group *groupWriter
}

// Options say which database to open.
type Options struct {
	// URL is a postgres:// URL; empty means SQLite at Path.
	URL string
	// Path is the SQLite file.
	Path string
	// MaxConns bounds the PostgreSQL pool (0: pgx default).
	MaxConns int32
}

// Open opens the database described by o. It does not migrate.
func Open(ctx context.Context, o Options) (*DB, error) {
	if o.URL != "" {
		return openPostgres(ctx, o)
	}
	return openSQLite(ctx, o.Path)
}

func sqliteDSN(path string, readOnly bool) string {
	q := "_pragma=busy_timeout(10000)&_pragma=journal_mode(WAL)&_pragma=foreign_keys(1)" +
		"&_pragma=synchronous(NORMAL)&_time_format=sqlite&_txlock=immediate"
	if readOnly {
		q += "&_pragma=query_only(1)"
	} else {
		// Group commit gives each caller a savepoint; SQLite keeps a
		// savepoint's undo pages in a sub-journal, by default a temp file,
		// so every page a ticket write touched cost a pwrite (14% of the
		// server's CPU under ticket create). In memory it costs a copy.
		q += "&_pragma=temp_store(MEMORY)"
		// A 32 MB page cache for the one writer (SQLite's default is 2 MB):
		// at a million tickets a create's index pages no longer fit in
		// 2 MB and were read back from the OS on every write. Creates at
		// c=32 went from 1,058-1,120/s to 1,241-1,333/s (64 MB gave no
		// more); the server's RSS under that load from 57-71 to 120 MB.
		q += "&_pragma=cache_size(-32768)"
	}
	// The path is part of a URI: escape the characters SQLite would read
	// as query, fragment or escape markers.
	esc := strings.NewReplacer("%", "%25", "#", "%23", "?", "%3F").Replace(path)
	return "file:" + esc + "?" + q
}

func openSQLite(ctx context.Context, path string) (*DB, error) {
	if path == "" {
		return nil, errors.New("db: empty SQLite path")
	}
	if err := os.MkdirAll(filepath.Dir(path), 0o750); err != nil {
		return nil, fmt.Errorf("db: create data dir: %w", err)
	}
	w, err := sql.Open("sqlite", sqliteDSN(path, false))
	if err != nil {
		return nil, fmt.Errorf("db: open sqlite: %w", err)
	}
	w.SetMaxOpenConns(1)
	w.SetMaxIdleConns(1)
	w.SetConnMaxLifetime(0)
	if err := w.PingContext(ctx); err != nil {
		w.Close()
		return nil, fmt.Errorf("db: ping sqlite: %w", err)
	}
	// SQLite's planner needs table statistics to choose, say, a view's
	// ordered index over a status index (TestViewIndexes). This gathers
	// them for tables that lack them or have grown a lot since, as SQLite
	// advises for long-lived connections; it does nothing when they are
	// current.
	if _, err := w.ExecContext(ctx, "PRAGMA optimize=0x10002"); err != nil {
		w.Close()
		return nil, fmt.Errorf("db: sqlite optimize: %w", err)
	}
	r, err := sql.Open("sqlite", sqliteDSN(path, true))
	if err != nil {
		w.Close()
		return nil, fmt.Errorf("db: open sqlite reader: %w", err)
	}
	n := runtime.GOMAXPROCS(0) * 2
	if n < 4 {
		n = 4
	}
	r.SetMaxOpenConns(n)
	r.SetMaxIdleConns(n)
	ws := newStmtCache(w)
	return &DB{Dialect: SQLite, write: w, read: r, path: path, wstmts: ws, rstmts: newStmtCache(r), group: newGroupWriter(w, ws)}, nil
}

func openPostgres(ctx context.Context, o Options) (*DB, error) {
	cfg, err := pgxpool.ParseConfig(o.URL)
	if err != nil {
		return nil, fmt.Errorf("db: parse postgres url: %w", err)
	}
	if o.MaxConns > 0 {
		cfg.MaxConns = o.MaxConns
	}
	cfg.ConnConfig.RuntimeParams["timezone"] = "UTC"
	// Parley's queries are short and many: PostgreSQL's JIT compiler spent
	// 0.7 s compiling a search it then ran, and 4 MB of work_mem made the
	// bitmap of a common word's matches lossy, so every row of the lossy
	// pages was re-tokenized (16 s against 2-3 s for a word in a sixth of
	// a million tickets). Settings in the URL win.
	for k, v := range map[string]string{"jit": "off", "work_mem": "32MB"} {
		if _, set := cfg.ConnConfig.RuntimeParams[k]; !set {
			cfg.ConnConfig.RuntimeParams[k] = v
		}
	}
	pool, err := pgxpool.NewWithConfig(ctx, cfg)
	if err != nil {
		return nil, fmt.Errorf("db: connect postgres: %w", err)
	}
	pctx, cancel := context.WithTimeout(ctx, 10*time.Second)
	defer cancel()
	if err := pool.Ping(pctx); err != nil {
		pool.Close()
		return nil, fmt.Errorf("db: ping postgres: %w", err)
	}
	scfg := cfg.Copy()
	scfg.MaxConns, scfg.MinConns = 2, 0
	// The side pool's commits do not wait for the WAL flush. Each create
	// commits two of them (its ticket number and its triggers' usage);
	// waiting, two connections capped ticket creates at about 350/s, the
	// time of four flushes. A number whose commit is lost to a crash was
	// used by no durable ticket: the ticket's own commit flushes the WAL
	// up to itself, which holds the number's commit before it.
	scfg.ConnConfig.RuntimeParams["synchronous_commit"] = "off"
	side, err := pgxpool.NewWithConfig(ctx, scfg)
	if err != nil {
		pool.Close()
		return nil, fmt.Errorf("db: connect postgres: %w", err)
	}
	sdb := stdlib.OpenDBFromPool(pool)
	return &DB{Dialect: Postgres, write: sdb, read: sdb, pool: pool, side: side}, nil
}

// Close releases every connection.
func (d *DB) Close() error {
	var err error
	if d.wstmts != nil {
		d.wstmts.close()
		d.rstmts.close()
	}
	if d.read != nil && d.read != d.write {
		err = d.read.Close()
	}
	if d.write != nil {
		if e := d.write.Close(); e != nil && err == nil {
			err = e
		}
	}
	if d.side != nil {
		d.side.Close()
	}
	if d.pool != nil {
		d.pool.Close()
	}
	return err
}

// Allocate runs a counter statement (one row, one int64 column) that
// should not hold its lock until the caller's transaction ends. On
// PostgreSQL it commits at once on the side pool: a ticket-number counter
// locked until commit serialized every create of an account. A
// transaction that then fails leaves the number unused (a gap), as
// Zendesk's ids have. SQLite has one writer, so there it runs in ctx's
// transaction as usual.
func (d *DB) Allocate(ctx context.Context, q string, args ...any) (int64, error) {
	var n int64
	if d.side == nil {
		err := d.Conn(ctx).QueryRowContext(ctx, q, args...).Scan(&n)
		return n, err
	}
	err := d.side.QueryRow(ctx, q, args...).Scan(&n)
	return n, err
}

// Writer is the write pool: goose, River and transactions use it.
func (d *DB) Writer() *sql.DB { return d.write }

// Reader is the read pool.
func (d *DB) Reader() *sql.DB { return d.read }

// Pool is the pgx pool (PostgreSQL only; nil on SQLite).
func (d *DB) Pool() *pgxpool.Pool { return d.pool }

// Path is the SQLite file (empty on PostgreSQL).
func (d *DB) Path() string { return d.path }

// Ping checks that the database answers.
func (d *DB) Ping(ctx context.Context) error { return d.read.PingContext(ctx) }

type txKey struct{}

// Tx is the transaction a context carries. Exactly one of SQL and PGX is
// set: SQLite transactions are database/sql ones; PostgreSQL transactions
// are begun by pgx on a database/sql connection so River can insert jobs in
// the same transaction through its pgx driver.
type Tx struct {
	exec       Executor
	SQL        *sql.Tx
	PGX        pgx.Tx
	afterHooks []func()
}

// TxFrom returns the transaction carried by ctx, if any.
func TxFrom(ctx context.Context) (*Tx, bool) {
	t, ok := ctx.Value(txKey{}).(*Tx)
	return t, ok
}

// Conn returns the executor for ctx: its transaction if there is one, else
// the read pool. Stores write only inside InTx.
func (d *DB) Conn(ctx context.Context) Executor {
	if t, ok := TxFrom(ctx); ok {
		return t.exec
	}
	if d.rstmts != nil {
		return cachedPool{DB: d.read, c: d.rstmts}
	}
	return d.read
}

// AfterCommit runs fn once the transaction in ctx commits (at once when
// there is none). Used for in-process notifications that must not announce
// changes that were rolled back.
func AfterCommit(ctx context.Context, fn func()) {
	if t, ok := TxFrom(ctx); ok {
		t.afterHooks = append(t.afterHooks, fn)
		return
	}
	fn()
}

// InTx runs fn in a write transaction. A nested call joins the outer
// transaction. fn's error (or a panic) rolls back fn's writes. On SQLite the
// transaction may be shared with other callers' (group commit, group.go);
// fn's writes are committed, or not, as a whole either way.
func (d *DB) InTx(ctx context.Context, fn func(ctx context.Context) error) (err error) {
	if _, ok := TxFrom(ctx); ok {
		return fn(ctx)
	}
	if d.group != nil {
		return d.group.do(ctx, fn)
	}
	t, err := d.beginPG(ctx)
	if err != nil {
		return fmt.Errorf("db: begin: %w", err)
	}
	committed := false
	defer func() {
		if !committed {
			t.rollback()
		}
	}()
	if err = fn(context.WithValue(ctx, txKey{}, t)); err != nil {
		return err
	}
	if err = t.commit(ctx); err != nil {
		return fmt.Errorf("db: commit: %w", Classify(err))
	}
	committed = true
	for _, h := range t.afterHooks {
		h()
	}
	return nil
}

func (d *DB) beginPG(ctx context.Context) (*Tx, error) {
	conn, err := d.write.Conn(ctx)
	if err != nil {
		return nil, err
	}
	var pc *pgx.Conn
	if err := conn.Raw(func(dc any) error {
		sc, ok := dc.(*stdlib.Conn)
		if !ok {
			return fmt.Errorf("unexpected driver conn %T", dc)
		}
		pc = sc.Conn()
		return nil
	}); err != nil {
		conn.Close()
		return nil, err
	}
	ptx, err := pc.Begin(ctx)
	if err != nil {
		conn.Close()
		return nil, err
	}
	return &Tx{exec: &pgConnTx{Conn: conn}, PGX: ptx}, nil
}

// pgConnTx runs statements on the connection that holds the pgx transaction.
type pgConnTx struct{ *sql.Conn }

// commit and rollback end a PostgreSQL transaction; SQLite's are ended by
// the group writer.
func (t *Tx) commit(ctx context.Context) error {
	err := t.PGX.Commit(ctx)
	t.exec.(*pgConnTx).Close()
	return err
}

func (t *Tx) rollback() {
	_ = t.PGX.Rollback(context.Background())
	t.exec.(*pgConnTx).Close()
}

// Placeholders appends vals to args and returns "$k,$k+1,..." for an IN list.
func Placeholders[T any](args *[]any, vals []T) string {
	var b strings.Builder
	for i, v := range vals {
		if i > 0 {
			b.WriteByte(',')
		}
		*args = append(*args, v)
		fmt.Fprintf(&b, "$%d", len(*args))
	}
	return b.String()
}

// Arg appends v to args and returns its placeholder.
func Arg(args *[]any, v any) string {
	*args = append(*args, v)
	return fmt.Sprintf("$%d", len(*args))
}
