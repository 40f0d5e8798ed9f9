package app

import (
	"context"
	"crypto/rand"
	"fmt"
	"math/big"

	"parley/internal/account"
	"parley/internal/auth"
	"parley/internal/platform/errs"
	"parley/internal/user"
)

// Login is what an operator needs to sign in to a new account. Password
// and Token are set only when they were just generated or pinned.
type Login struct {
	Account  account.Account
	OwnerID  int64
	Email    string
	Password string
	Token    string
	Created  bool
}

// NewAccount describes an account made by the CLI or at first start.
type NewAccount struct {
	Subdomain, Name, OwnerEmail, OwnerPassword, OwnerToken string
}

func randomPassword() string {
	const alphabet = "abcdefghijkmnopqrstuvwxyzABCDEFGHJKLMNPQRSTUVWXYZ23456789"
	b := make([]byte, 20)
	for i := range b {
		n, _ := rand.Int(rand.Reader, big.NewInt(int64(len(alphabet))))
		b[i] = alphabet[n.Int64()]
	}
	return string(b)
}

// CreateAccount makes an account with its default group, roles, owner
// admin and one API token, in one transaction. Missing secrets are
// generated and returned once.
func (a *App) CreateAccount(ctx context.Context, n NewAccount) (Login, error) {
	l := Login{Email: n.OwnerEmail, Password: n.OwnerPassword, Token: n.OwnerToken, Created: true}
	if l.Password == "" {
		l.Password = randomPassword()
	}
	if l.Token == "" {
		l.Token = auth.NewSecret()
	}
	err := a.DB.InTx(ctx, func(ctx context.Context) error {
		acct, err := a.Accounts.Create(ctx, account.New{Subdomain: n.Subdomain, Name: n.Name})
		if err != nil {
			return err
		}
		l.Account = acct
		if err := a.Tickets.BootstrapAccount(ctx, acct.ID); err != nil {
			return err
		}
		if l.OwnerID, err = a.Users.Bootstrap(ctx, acct.ID, user.Owner{Name: "Admin", Email: n.OwnerEmail, Password: l.Password}); err != nil {
			return err
		}
		if err := a.Accounts.SetOwner(ctx, acct.ID, l.OwnerID); err != nil {
			return err
		}
		if err := a.bootstrapRules(ctx, acct.ID); err != nil {
			return err
		}
		owner := l.OwnerID
		_, err = a.Tokens.Insert(ctx, acct.ID, &owner, "Created at account setup", l.Token)
		return err
	})
	return l, err
}

// EnsureDefaultAccount creates the default account on first start. On
// later starts it re-applies a pinned admin password or token from the
// configuration, so scripts can always sign in with known credentials.
func (a *App) EnsureDefaultAccount(ctx context.Context) (Login, error) {
	cfg := a.Config
	n, err := a.Accounts.Count(ctx)
	if err != nil {
		return Login{}, err
	}
	if n == 0 {
		return a.CreateAccount(ctx, NewAccount{Subdomain: cfg.Account, Name: cfg.AccountName, OwnerEmail: cfg.AdminEmail,
			OwnerPassword: cfg.AdminPassword, OwnerToken: cfg.AdminToken})
	}
	acct, err := a.Accounts.Default(ctx)
	if err != nil {
		return Login{}, err
	}
	if err := a.Tickets.BootstrapAccount(ctx, acct.ID); err != nil {
		return Login{}, err
	}
	if err := a.bootstrapAllRules(ctx); err != nil {
		return Login{}, err
	}
	l := Login{Account: acct, Email: cfg.AdminEmail}
	if acct.OwnerID != nil {
		l.OwnerID = *acct.OwnerID
		if owner, err := a.Users.ActorByID(ctx, acct.ID, *acct.OwnerID); err == nil && acct.Subdomain != cfg.Account {
			l.Email = owner.Email
		}
	}
	if cfg.AdminPassword == "" && cfg.AdminToken == "" {
		return l, nil
	}
	actor, err := a.Users.SystemActor(ctx, acct.ID, l.Email)
	if err != nil {
		return Login{}, fmt.Errorf("app: pinned admin %s: %w", cfg.AdminEmail, err)
	}
	sctx := auth.System(ctx, actor)
	if cfg.AdminPassword != "" {
		if p, err := a.Users.PrincipalByEmail(ctx, acct.ID, cfg.AdminEmail); err == nil {
			if ok, _ := auth.CheckPassword(p.PasswordHash, cfg.AdminPassword); !ok {
				if err := a.Users.SetPassword(auth.WithActor(sctx, auth.Actor{AccountID: acct.ID, UserID: actor.UserID, Role: auth.RoleAdmin}),
					actor.UserID, cfg.AdminPassword, "", false); err != nil {
					return Login{}, err
				}
			}
		}
		l.Password = cfg.AdminPassword
	}
	if cfg.AdminToken != "" {
		uid := actor.UserID
		if _, err := a.Tokens.Insert(ctx, acct.ID, &uid, "Pinned by PARLEY_ADMIN_TOKEN", cfg.AdminToken); err != nil && !errs.Is(err, errs.Invalid) {
			return Login{}, err
		}
		l.Token = cfg.AdminToken
	}
	return l, nil
}

// bootstrapRules gives an account the default triggers, automation and
// views once: an admin who deletes a default must not see it come back at
// the next start, so a marker records that it was done.
func (a *App) bootstrapRules(ctx context.Context, accountID int64) error {
	return a.DB.InTx(ctx, func(ctx context.Context) error {
		key := fmt.Sprintf("rules_bootstrapped:%d", accountID)
		var n int
		c := a.DB.Conn(ctx)
		if err := c.QueryRowContext(ctx, `SELECT count(*) FROM installation WHERE key = $1`, key).Scan(&n); err != nil || n > 0 {
			return err
		}
		if err := a.Triggers.BootstrapAccount(ctx, accountID); err != nil {
			return err
		}
		if err := a.Views.BootstrapAccount(ctx, accountID); err != nil {
			return err
		}
		_, err := c.ExecContext(ctx, `INSERT INTO installation (key, value) VALUES ($1, '1')`, key)
		return err
	})
}

// bootstrapAllRules catches up accounts made before business rules existed.
func (a *App) bootstrapAllRules(ctx context.Context) error {
	rows, err := a.DB.Conn(ctx).QueryContext(ctx, `SELECT id FROM accounts ORDER BY id`)
	if err != nil {
		return err
	}
	var ids []int64
	for rows.Next() {
		var id int64
		if err := rows.Scan(&id); err != nil {
			rows.Close()
			return err
		}
		ids = append(ids, id)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return err
	}
	for _, id := range ids {
		if err := a.bootstrapRules(ctx, id); err != nil {
			return err
		}
	}
	return nil
}
