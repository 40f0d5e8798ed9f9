package auth

import (
	"context"
	"crypto/subtle"
	"database/sql"
	"errors"
	"net/http"
	"strings"
	"time"

	"parley/internal/platform/clock"
	"parley/internal/platform/db"
	"parley/internal/platform/errs"
)

// Browser sign-ins for the HTML surfaces. A session is a random token in an
// HttpOnly, SameSite=Lax cookie (Secure on HTTPS); the database keeps only
// its SHA-256, so every node recognises it and a leaked table opens
// nothing. Each session has its own CSRF token, which every unsafe request
// must echo. Sessions end after SessionIdle without use, or SessionMax
// after sign-in; five failed sign-ins in a row lock an address for
// LockoutFor.

// CookieName is the session cookie.
const CookieName = "parley_session"

// Session limits.
const (
	SessionIdle     = 8 * time.Hour
	SessionMax      = 7 * 24 * time.Hour
	MaxFailures     = 5
	LockoutFor      = 15 * time.Minute
	ResetValidFor   = time.Hour
	touchResolution = time.Minute
)

// SessionDirectory finds users for sign-in (the user room).
type SessionDirectory interface {
	Directory
	ActorByID(ctx context.Context, accountID, userID int64) (Actor, error)
}

// Sessions signs browsers in and out.
type Sessions struct {
	d     *db.DB
	clock clock.Clock
	users SessionDirectory
}

// NewSessions builds the session store.
func NewSessions(d *db.DB, c clock.Clock, users SessionDirectory) *Sessions {
	return &Sessions{d: d, clock: c, users: users}
}

// Session is one signed-in browser.
type Session struct {
	AccountID int64
	UserID    int64
	CSRF      string
	ExpiresAt time.Time
}

// Errors sign-in pages show as they are.
var (
	ErrBadSignIn = errs.E(errs.Unauthenticated, "The email or password is not correct.")
	ErrLocked    = errs.E(errs.RateLimited, "Too many failed sign-ins for this address. Try again in 15 minutes, or reset the password.")
)

// SignIn checks an email and password and starts a session, returning the
// cookie value. A locked address is refused before its password is
// checked; unknown addresses count failures too, so lockout reveals
// nothing about which addresses exist.
func (s *Sessions) SignIn(ctx context.Context, accountID int64, email, password string) (string, Actor, error) {
	email = strings.ToLower(strings.TrimSpace(email))
	now := s.clock.Now()
	var locked db.Time
	err := s.d.Conn(ctx).QueryRowContext(ctx, `SELECT locked_until FROM login_failures WHERE account_id = $1 AND email = $2`,
		accountID, email).Scan(&locked)
	if err != nil && !errors.Is(err, sql.ErrNoRows) {
		return "", Actor{}, err
	}
	if !locked.T.IsZero() && now.Before(locked.T) {
		return "", Actor{}, ErrLocked
	}
	p, err := s.users.PrincipalByEmail(ctx, accountID, email)
	ok := false
	switch {
	case errs.Is(err, errs.NotFound):
	case err != nil:
		return "", Actor{}, err
	case usable(p) && p.PasswordHash != "":
		ok, _ = CheckPassword(p.PasswordHash, password)
	}
	if !ok {
		if err := s.fail(ctx, accountID, email, now); err != nil {
			return "", Actor{}, err
		}
		return "", Actor{}, ErrBadSignIn
	}
	var token string
	err = s.d.InTx(ctx, func(ctx context.Context) error {
		if _, err := s.d.Conn(ctx).ExecContext(ctx, `DELETE FROM login_failures WHERE account_id = $1 AND email = $2`,
			accountID, email); err != nil {
			return err
		}
		token, err = s.create(ctx, accountID, p.Actor.UserID, now)
		return err
	})
	a := p.Actor
	a.Method = "session"
	return token, a, err
}

// fail counts a failed sign-in and locks the address at MaxFailures.
func (s *Sessions) fail(ctx context.Context, accountID int64, email string, now time.Time) error {
	return s.d.InTx(ctx, func(ctx context.Context) error {
		c := s.d.Conn(ctx)
		var n int
		err := c.QueryRowContext(ctx, `SELECT failures FROM login_failures WHERE account_id = $1 AND email = $2`,
			accountID, email).Scan(&n)
		if errors.Is(err, sql.ErrNoRows) {
			_, err = c.ExecContext(ctx, `INSERT INTO login_failures (account_id, email, failures, updated_at) VALUES ($1,$2,1,$3)`,
				accountID, email, now)
			return err
		}
		if err != nil {
			return err
		}
		n++
		var until any
		if n >= MaxFailures {
			until, n = now.Add(LockoutFor), 0
		}
		_, err = c.ExecContext(ctx, `UPDATE login_failures SET failures = $1, locked_until = $2, updated_at = $3
			WHERE account_id = $4 AND email = $5`, n, until, now, accountID, email)
		return err
	})
}

func (s *Sessions) create(ctx context.Context, accountID, userID int64, now time.Time) (string, error) {
	token := NewSecret() + NewSecret()
	_, err := s.d.Conn(ctx).ExecContext(ctx, `INSERT INTO web_sessions (account_id, id_hash, user_id, csrf, created_at,
		last_seen_at, expires_at) VALUES ($1,$2,$3,$4,$5,$5,$6)`, accountID, HashToken(token), userID, NewSecret(), now,
		now.Add(SessionMax))
	return token, err
}

// Lookup returns the live session of a cookie value and its user, sliding
// the idle expiry (written at most once a minute).
func (s *Sessions) Lookup(ctx context.Context, accountID int64, token string) (Session, Actor, error) {
	if token == "" {
		return Session{}, Actor{}, errs.E(errs.Unauthenticated, "")
	}
	var sess Session
	var seen, exp db.Time
	err := s.d.Conn(ctx).QueryRowContext(ctx, `SELECT user_id, csrf, last_seen_at, expires_at FROM web_sessions
		WHERE account_id = $1 AND id_hash = $2`, accountID, HashToken(token)).Scan(&sess.UserID, &sess.CSRF, &seen, &exp)
	if errors.Is(err, sql.ErrNoRows) {
		return Session{}, Actor{}, errs.E(errs.Unauthenticated, "")
	}
	if err != nil {
		return Session{}, Actor{}, err
	}
	now := s.clock.Now()
	if now.After(exp.T) || now.Sub(seen.T) > SessionIdle {
		_ = s.End(ctx, accountID, token)
		return Session{}, Actor{}, errs.E(errs.Unauthenticated, "")
	}
	a, err := s.users.ActorByID(ctx, accountID, sess.UserID)
	if err != nil {
		if k := errs.KindOf(err); k == errs.NotFound || k == errs.Unauthenticated {
			_ = s.End(ctx, accountID, token)
			return Session{}, Actor{}, errs.E(errs.Unauthenticated, "")
		}
		return Session{}, Actor{}, err
	}
	if now.Sub(seen.T) > touchResolution {
		if _, err := s.d.Writer().ExecContext(ctx, `UPDATE web_sessions SET last_seen_at = $1 WHERE account_id = $2 AND id_hash = $3`,
			now, accountID, HashToken(token)); err != nil {
			return Session{}, Actor{}, err
		}
	}
	sess.AccountID, sess.ExpiresAt = accountID, exp.T
	a.Method = "session"
	return sess, a, nil
}

// End signs one session out.
func (s *Sessions) End(ctx context.Context, accountID int64, token string) error {
	_, err := s.d.Writer().ExecContext(ctx, `DELETE FROM web_sessions WHERE account_id = $1 AND id_hash = $2`,
		accountID, HashToken(token))
	return err
}

// EndAll signs a user out everywhere (after a password reset).
func (s *Sessions) EndAll(ctx context.Context, accountID, userID int64) error {
	_, err := s.d.Conn(ctx).ExecContext(ctx, `DELETE FROM web_sessions WHERE account_id = $1 AND user_id = $2`, accountID, userID)
	return err
}

// StartReset makes a password reset token for the user with email, valid
// for ResetValidFor. ok is false for an unknown or unusable address (the
// page says the same either way).
func (s *Sessions) StartReset(ctx context.Context, accountID int64, email string) (token string, userID int64, ok bool, err error) {
	p, err := s.users.PrincipalByEmail(ctx, accountID, strings.TrimSpace(email))
	if errs.Is(err, errs.NotFound) || (err == nil && !usable(p)) {
		return "", 0, false, nil
	}
	if err != nil {
		return "", 0, false, err
	}
	token = NewSecret()
	_, err = s.d.Conn(ctx).ExecContext(ctx, `INSERT INTO password_resets (account_id, token_hash, user_id, email, expires_at)
		VALUES ($1,$2,$3,$4,$5)`, accountID, HashToken(token), p.Actor.UserID, strings.ToLower(strings.TrimSpace(email)),
		s.clock.Now().Add(ResetValidFor))
	return token, p.Actor.UserID, err == nil, err
}

// CheckReset returns the user a reset token is for, if it is unused and
// not expired.
func (s *Sessions) CheckReset(ctx context.Context, accountID int64, token string) (int64, error) {
	var userID int64
	var exp db.Time
	var used db.Time
	err := s.d.Conn(ctx).QueryRowContext(ctx, `SELECT user_id, expires_at, used_at FROM password_resets
		WHERE account_id = $1 AND token_hash = $2`, accountID, HashToken(token)).Scan(&userID, &exp, &used)
	if errors.Is(err, sql.ErrNoRows) || (err == nil && (!used.T.IsZero() || s.clock.Now().After(exp.T))) {
		return 0, errs.E(errs.NotFound, "This reset link is not valid any more. Ask for a new one.")
	}
	return userID, err
}

// UseReset marks a reset token used, clears the address's failed
// sign-ins and ends the user's sessions, in the caller's transaction (with
// the password change).
func (s *Sessions) UseReset(ctx context.Context, accountID int64, token string, userID int64) error {
	c := s.d.Conn(ctx)
	if _, err := c.ExecContext(ctx, `UPDATE password_resets SET used_at = $1 WHERE account_id = $2 AND token_hash = $3`,
		s.clock.Now(), accountID, HashToken(token)); err != nil {
		return err
	}
	if _, err := c.ExecContext(ctx, `DELETE FROM login_failures WHERE account_id = $1 AND email IN
		(SELECT email FROM password_resets WHERE account_id = $1 AND token_hash = $2)`, accountID, HashToken(token)); err != nil {
		return err
	}
	return s.EndAll(ctx, accountID, userID)
}

type sessionKey struct{}

// SessionFrom returns the browser session of a request, if any.
func SessionFrom(ctx context.Context) (Session, bool) {
	s, ok := ctx.Value(sessionKey{}).(Session)
	return s, ok
}

// Middleware signs the request in from its session cookie (for the tenant
// already in its context); no or a dead cookie leaves it anonymous.
func (s *Sessions) Middleware(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		c, err := r.Cookie(CookieName)
		t, ok := TenantFrom(r.Context())
		if err != nil || !ok {
			next.ServeHTTP(w, r)
			return
		}
		sess, a, err := s.Lookup(r.Context(), t.ID, c.Value)
		if err != nil {
			if errs.KindOf(err) != errs.Unauthenticated {
				http.Error(w, "Something went wrong. Please try again.", http.StatusInternalServerError)
				return
			}
			ClearCookie(w, r)
			next.ServeHTTP(w, r)
			return
		}
		ctx := context.WithValue(WithActor(r.Context(), a), sessionKey{}, sess)
		next.ServeHTTP(w, r.WithContext(ctx))
	})
}

// CSRF refuses unsafe requests (POST, PUT, PATCH, DELETE) of a signed-in
// browser whose csrf_token form field or X-CSRF-Token header does not
// match its session; anonymous unsafe requests need a token too when they
// carry a session cookie at all.
func CSRF(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		switch r.Method {
		case http.MethodGet, http.MethodHead, http.MethodOptions:
			next.ServeHTTP(w, r)
			return
		}
		sess, ok := SessionFrom(r.Context())
		if !ok {
			next.ServeHTTP(w, r) // sign-in forms: nothing to forge yet
			return
		}
		got := r.Header.Get("X-CSRF-Token")
		if got == "" {
			got = r.PostFormValue("csrf_token")
		}
		if subtle.ConstantTimeCompare([]byte(got), []byte(sess.CSRF)) != 1 {
			http.Error(w, "This form has expired or did not come from Parley. Reload the page and try again.", http.StatusForbidden)
			return
		}
		next.ServeHTTP(w, r)
	})
}

// SetCookie sends the session cookie: HttpOnly, SameSite=Lax, Secure when
// the request reached us over HTTPS (directly or through a trusted proxy).
func SetCookie(w http.ResponseWriter, r *http.Request, token string, secure bool) {
	http.SetCookie(w, &http.Cookie{Name: CookieName, Value: token, Path: "/", HttpOnly: true, Secure: secure,
		SameSite: http.SameSiteLaxMode, MaxAge: int(SessionMax / time.Second)})
}

// ClearCookie removes the session cookie.
func ClearCookie(w http.ResponseWriter, r *http.Request) {
	http.SetCookie(w, &http.Cookie{Name: CookieName, Value: "", Path: "/", HttpOnly: true, SameSite: http.SameSiteLaxMode, MaxAge: -1})
}
