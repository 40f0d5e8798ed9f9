package auth

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"database/sql"
	"encoding/hex"
	"errors"
	"math/big"
	"strings"
	"time"

	"parley/internal/platform/clock"
	"parley/internal/platform/db"
	"parley/internal/platform/errs"
)

// APIToken is an account's API token. As in Zendesk, a token belongs to the
// account, not to a user: "email/token:T" acts as the user named by email.
// Only the SHA-256 of the secret is stored.
type APIToken struct {
	ID          int64
	AccountID   int64
	Description string
	Hint        string
	Active      bool
	CreatedBy   *int64
	CreatedAt   time.Time
	UpdatedAt   time.Time
	// Token is the secret, set only on the value returned by Create.
	Token string
}

const tokenAlphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789"

// NewSecret returns a 40-character random token, like Zendesk's.
func NewSecret() string {
	var b strings.Builder
	max := big.NewInt(int64(len(tokenAlphabet)))
	for i := 0; i < 40; i++ {
		n, err := rand.Int(rand.Reader, max)
		if err != nil {
			panic(err) // crypto/rand never fails on supported platforms
		}
		b.WriteByte(tokenAlphabet[n.Int64()])
	}
	return b.String()
}

// HashToken is the stored form of a token: hex SHA-256. Tokens are long and
// random, so a fast hash is safe and keeps every request cheap.
func HashToken(secret string) string {
	s := sha256.Sum256([]byte(secret))
	return hex.EncodeToString(s[:])
}

func hint(secret string) string {
	if len(secret) < 4 {
		return ""
	}
	return secret[len(secret)-4:]
}

// Tokens stores and manages API tokens.
type Tokens struct {
	d     *db.DB
	clock clock.Clock
}

// NewTokens builds the token service.
func NewTokens(d *db.DB, c clock.Clock) *Tokens { return &Tokens{d: d, clock: c} }

const tokenCols = `id, account_id, description, token_hint, active, created_by, created_at, updated_at`

func scanToken(row interface{ Scan(...any) error }) (APIToken, error) {
	var t APIToken
	var by sql.NullInt64
	var ca, ua db.Time
	if err := row.Scan(&t.ID, &t.AccountID, &t.Description, &t.Hint, &t.Active, &by, &ca, &ua); err != nil {
		return t, err
	}
	if by.Valid {
		t.CreatedBy = &by.Int64
	}
	t.CreatedAt, t.UpdatedAt = ca.T, ua.T
	return t, nil
}

// Insert stores a token with a given secret (used by bootstrap and the CLI
// so operators can pin a known token). Callers check permissions.
func (s *Tokens) Insert(ctx context.Context, accountID int64, createdBy *int64, description, secret string) (APIToken, error) {
	if len(secret) < 16 {
		return APIToken{}, errs.Invalidf("token", "InvalidValue", "Token: must be at least 16 characters")
	}
	now := s.clock.Now()
	var t APIToken
	err := s.d.InTx(ctx, func(ctx context.Context) error {
		row := s.d.Conn(ctx).QueryRowContext(ctx, `INSERT INTO api_tokens
			(account_id, description, token_hash, token_hint, active, created_by, created_at, updated_at)
			VALUES ($1, $2, $3, $4, TRUE, $5, $6, $6) RETURNING `+tokenCols,
			accountID, description, HashToken(secret), hint(secret), createdBy, now)
		var err error
		t, err = scanToken(row)
		return db.Classify(err)
	})
	if errs.Is(err, errs.Conflict) {
		return APIToken{}, errs.Invalidf("token", "DuplicateValue", "Token: has already been taken")
	}
	if err != nil {
		return APIToken{}, err
	}
	t.Token = secret
	return t, nil
}

// Create makes a new random token for the actor's account (admins only).
func (s *Tokens) Create(ctx context.Context, description string) (APIToken, error) {
	a, err := RequireAdmin(ctx)
	if err != nil {
		return APIToken{}, err
	}
	uid := a.UserID
	return s.Insert(ctx, a.AccountID, &uid, description, NewSecret())
}

// List returns the account's tokens (admins only).
func (s *Tokens) List(ctx context.Context) ([]APIToken, error) {
	a, err := RequireAdmin(ctx)
	if err != nil {
		return nil, err
	}
	rows, err := s.d.Conn(ctx).QueryContext(ctx, `SELECT `+tokenCols+` FROM api_tokens WHERE account_id = $1 ORDER BY id`, a.AccountID)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []APIToken
	for rows.Next() {
		t, err := scanToken(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, t)
	}
	return out, rows.Err()
}

// Get returns one token of the actor's account (admins only).
func (s *Tokens) Get(ctx context.Context, id int64) (APIToken, error) {
	a, err := RequireAdmin(ctx)
	if err != nil {
		return APIToken{}, err
	}
	t, err := scanToken(s.d.Conn(ctx).QueryRowContext(ctx,
		`SELECT `+tokenCols+` FROM api_tokens WHERE account_id = $1 AND id = $2`, a.AccountID, id))
	if errors.Is(err, sql.ErrNoRows) {
		return t, errs.NotFoundf("Not found")
	}
	return t, err
}

// Update changes a token's description or active flag (admins only).
func (s *Tokens) Update(ctx context.Context, id int64, description *string, active *bool) (APIToken, error) {
	err := s.d.InTx(ctx, func(ctx context.Context) error {
		t, err := s.Get(ctx, id)
		if err != nil {
			return err
		}
		if description != nil {
			t.Description = *description
		}
		if active != nil {
			t.Active = *active
		}
		_, err = s.d.Conn(ctx).ExecContext(ctx, `UPDATE api_tokens SET description = $1, active = $2, updated_at = $3
			WHERE account_id = $4 AND id = $5`, t.Description, t.Active, s.clock.Now(), t.AccountID, t.ID)
		return err
	})
	if err != nil {
		return APIToken{}, err
	}
	return s.Get(ctx, id)
}

// Delete revokes a token (admins only).
func (s *Tokens) Delete(ctx context.Context, id int64) error {
	return s.d.InTx(ctx, func(ctx context.Context) error {
		t, err := s.Get(ctx, id)
		if err != nil {
			return err
		}
		_, err = s.d.Conn(ctx).ExecContext(ctx, `DELETE FROM api_tokens WHERE account_id = $1 AND id = $2`, t.AccountID, t.ID)
		return err
	})
}

// lookup finds an active token of account by its secret.
func (s *Tokens) lookup(ctx context.Context, accountID int64, secret string) (bool, error) {
	h := HashToken(secret)
	var stored string
	var active bool
	err := s.d.Conn(ctx).QueryRowContext(ctx,
		`SELECT token_hash, active FROM api_tokens WHERE token_hash = $1 AND account_id = $2`, h, accountID).Scan(&stored, &active)
	if errors.Is(err, sql.ErrNoRows) {
		return false, nil
	}
	if err != nil {
		return false, err
	}
	return active && constantEq(stored, h), nil
}
