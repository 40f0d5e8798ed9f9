package ticket

import (
	"context"
	"database/sql"
	"errors"
	"slices"
	"sync"

	"parley/internal/platform/db"
)

// An account's ticket configuration (fields with their options, forms,
// custom statuses) is read by every ticket write, several times: a create
// with one firing trigger loaded the four tables twice, eleven statements
// of the forty it ran inside the single SQLite writer's transaction. It is
// cached here by revision: the database bumps the account's
// 'ticket_config' counter on any change to those tables (migration 0021),
// so a write reads one row and reuses what it has when the revision is the
// one cached. A change committed by another node moves the revision too.
//
// A configuration loaded inside a transaction is cached only once that
// transaction commits: loaded after an uncommitted change, it would
// otherwise outlive a rollback under a revision number that the next
// committed change reuses.

// config is one revision of an account's ticket configuration. It is
// shared: callers must not modify what its slices hold.
type config struct {
	rev      int64
	fields   []Field // by position, id
	forms    []Form  // by position, id
	statuses []CustomStatus
	// activeIDs are the active custom fields' ids, ascending: every
	// ticket's list of fields shown (ActiveFieldIDs).
	activeIDs []int64
}

// configCache holds the latest configuration read of each account.
type configCache struct {
	mu sync.Mutex
	m  map[int64]*config
}

func (c *configCache) get(accountID int64) *config {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.m[accountID]
}

func (c *configCache) put(accountID int64, cfg *config) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.m == nil {
		c.m = map[int64]*config{}
	}
	if old := c.m[accountID]; old == nil || old.rev <= cfg.rev {
		c.m[accountID] = cfg
	}
}

// configMemo lets the several reads of one ticket write (its validation,
// the triggers' changes, the answer) share one configuration: a ticket
// write does not change the configuration, and the revision read was six
// of a create's twenty statements.
type configMemo struct {
	accountID int64
	c         *config
}

type configMemoKey struct{}

// oneConfig marks ctx as one ticket write, whose configuration reads after
// the first reuse it.
func oneConfig(ctx context.Context) context.Context {
	if _, ok := ctx.Value(configMemoKey{}).(*configMemo); ok {
		return ctx
	}
	return context.WithValue(ctx, configMemoKey{}, &configMemo{})
}

// config returns the account's configuration as ctx's transaction (or the
// read pool) sees it.
func (s *Service) config(ctx context.Context, accountID int64) (*config, error) {
	memo, _ := ctx.Value(configMemoKey{}).(*configMemo)
	if memo != nil && memo.c != nil && memo.accountID == accountID {
		return memo.c, nil
	}
	c, err := s.readConfig(ctx, accountID)
	if err == nil && memo != nil {
		memo.accountID, memo.c = accountID, c
	}
	return c, err
}

func (s *Service) readConfig(ctx context.Context, accountID int64) (*config, error) {
	var rev int64
	err := s.d.Conn(ctx).QueryRowContext(ctx, `SELECT value FROM account_counters WHERE account_id = $1 AND name = 'ticket_config'`,
		accountID).Scan(&rev)
	if err != nil && !errors.Is(err, sql.ErrNoRows) {
		return nil, err
	}
	if c := s.cfg.get(accountID); c != nil && c.rev == rev {
		return c, nil
	}
	// The revision is read first: what is loaded next is at least that
	// new, never older than the number it is cached under.
	c := &config{rev: rev}
	if c.fields, err = s.loadFields(ctx, accountID); err != nil {
		return nil, err
	}
	if c.forms, err = s.loadForms(ctx, accountID); err != nil {
		return nil, err
	}
	if c.statuses, err = s.loadStatuses(ctx, accountID); err != nil {
		return nil, err
	}
	c.activeIDs = []int64{}
	for _, f := range c.fields {
		if f.Active && f.Removable {
			c.activeIDs = append(c.activeIDs, f.ID)
		}
	}
	slices.Sort(c.activeIDs)
	db.AfterCommit(ctx, func() { s.cfg.put(accountID, c) })
	return c, nil
}

// fields returns every ticket field of an account with its options.
func (s *Service) fields(ctx context.Context, accountID int64) ([]Field, error) {
	c, err := s.config(ctx, accountID)
	if err != nil {
		return nil, err
	}
	return slices.Clone(c.fields), nil
}

// forms returns the account's ticket forms.
func (s *Service) forms(ctx context.Context, accountID int64) ([]Form, error) {
	c, err := s.config(ctx, accountID)
	if err != nil {
		return nil, err
	}
	return slices.Clone(c.forms), nil
}

// statuses returns the account's custom statuses in id order.
func (s *Service) statuses(ctx context.Context, accountID int64) ([]CustomStatus, error) {
	c, err := s.config(ctx, accountID)
	if err != nil {
		return nil, err
	}
	return slices.Clone(c.statuses), nil
}
