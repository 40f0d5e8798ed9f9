package db

import (
	"context"
	"fmt"
	"io/fs"

	"github.com/pressly/goose/v3"
)

// Migrator applies the embedded migrations of this database's dialect.
type Migrator struct {
	p *goose.Provider
}

// NewMigrator prepares goose over the dialect's folder of fsys.
func (d *DB) NewMigrator(fsys fs.FS) (*Migrator, error) {
	sub, err := fs.Sub(fsys, string(d.Dialect))
	if err != nil {
		return nil, fmt.Errorf("db: migrations: %w", err)
	}
	gd := goose.DialectSQLite3
	if d.Dialect == Postgres {
		gd = goose.DialectPostgres
	}
	p, err := goose.NewProvider(gd, d.write, sub)
	if err != nil {
		return nil, fmt.Errorf("db: goose: %w", err)
	}
	return &Migrator{p: p}, nil
}

// Up applies every pending migration and reports how many ran.
func (m *Migrator) Up(ctx context.Context) (int, error) {
	res, err := m.p.Up(ctx)
	if err != nil {
		return len(res), fmt.Errorf("db: migrate up: %w", err)
	}
	return len(res), nil
}

// Pending reports whether migrations remain to be applied (for /readyz).
func (m *Migrator) Pending(ctx context.Context) (bool, error) {
	return m.p.HasPending(ctx)
}
