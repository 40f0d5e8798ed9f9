package auth

import (
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/base64"
	"encoding/binary"
	"encoding/hex"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"time"

	"parley/internal/platform/clock"
	"parley/internal/platform/errs"
	"parley/internal/platform/httpx"
	"parley/internal/platform/ratelimit"
)

// Principal is what authentication needs to know about a user.
type Principal struct {
	Actor        Actor
	Active       bool
	Suspended    bool
	PasswordHash string
}

// Directory finds users for authentication. The user room implements it;
// it returns errs.NotFound for an unknown email.
type Directory interface {
	PrincipalByEmail(ctx context.Context, accountID int64, email string) (Principal, error)
}

// BearerVerifier checks OAuth access tokens; the oauth room will provide it.
type BearerVerifier interface {
	VerifyBearer(ctx context.Context, accountID int64, token string) (Actor, error)
}

// Authenticator turns the Authorization header into an Actor.
type Authenticator struct {
	tokens *Tokens
	users  Directory
	bearer BearerVerifier
	clock  clock.Clock
	cache  *pwCache
}

// NewAuthenticator builds the authenticator. secret keys the password cache.
func NewAuthenticator(tokens *Tokens, users Directory, bearer BearerVerifier, c clock.Clock, secret []byte) *Authenticator {
	return &Authenticator{tokens: tokens, users: users, bearer: bearer, clock: c,
		cache: &pwCache{key: secret, ttl: 2 * time.Minute, m: map[string]pwEntry{}}}
}

func unauthorized(w http.ResponseWriter, r *http.Request) {
	w.Header().Set("WWW-Authenticate", `Basic realm="Web Password"`)
	httpx.WriteError(w, r, errs.E(errs.Unauthenticated, ""))
}

// Middleware authenticates the request for the tenant already in its
// context. No credentials, or a wrong password, leave the request anonymous
// (so /users/me can answer "Anonymous user", as Zendesk does); a wrong API
// token or OAuth token is 401 at once.
func (a *Authenticator) Middleware(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		h := r.Header.Get("Authorization")
		if h == "" {
			next.ServeHTTP(w, r)
			return
		}
		t, ok := TenantFrom(r.Context())
		if !ok {
			unauthorized(w, r)
			return
		}
		ctx := r.Context()
		scheme, cred, _ := strings.Cut(h, " ")
		switch strings.ToLower(scheme) {
		case "basic":
			raw, err := base64.StdEncoding.DecodeString(strings.TrimSpace(cred))
			if err != nil {
				unauthorized(w, r)
				return
			}
			user, pass, ok := strings.Cut(string(raw), ":")
			if !ok {
				unauthorized(w, r)
				return
			}
			if email, isToken := strings.CutSuffix(user, "/token"); isToken {
				actor, err := a.byToken(ctx, t.ID, email, pass)
				if err != nil {
					if errs.KindOf(err) == errs.Internal {
						httpx.WriteError(w, r, err)
						return
					}
					unauthorized(w, r)
					return
				}
				ctx = WithActor(ctx, actor)
			} else if actor, err := a.byPassword(ctx, t.ID, user, pass); err == nil {
				ctx = WithActor(ctx, actor)
			} else if errs.KindOf(err) == errs.Internal {
				httpx.WriteError(w, r, err)
				return
			}
		case "bearer":
			if a.bearer == nil {
				unauthorized(w, r)
				return
			}
			actor, err := a.bearer.VerifyBearer(ctx, t.ID, strings.TrimSpace(cred))
			if err != nil {
				unauthorized(w, r)
				return
			}
			ctx = WithActor(ctx, actor)
		default:
			unauthorized(w, r)
			return
		}
		next.ServeHTTP(w, r.WithContext(ctx))
	})
}

var errBadCredentials = errs.E(errs.Unauthenticated, "Couldn't authenticate you")

func usable(p Principal) bool { return p.Active && !p.Suspended }

func (a *Authenticator) byToken(ctx context.Context, accountID int64, email, secret string) (Actor, error) {
	ok, err := a.tokens.lookup(ctx, accountID, secret)
	if err != nil {
		return Actor{}, err
	}
	if !ok {
		return Actor{}, errBadCredentials
	}
	p, err := a.users.PrincipalByEmail(ctx, accountID, email)
	if errs.Is(err, errs.NotFound) || (err == nil && !usable(p)) {
		return Actor{}, errBadCredentials
	}
	if err != nil {
		return Actor{}, err
	}
	p.Actor.Method = "token"
	return p.Actor, nil
}

func (a *Authenticator) byPassword(ctx context.Context, accountID int64, email, password string) (Actor, error) {
	p, err := a.users.PrincipalByEmail(ctx, accountID, email)
	if errs.Is(err, errs.NotFound) {
		return Actor{}, errBadCredentials
	}
	if err != nil {
		return Actor{}, err
	}
	if !usable(p) || p.PasswordHash == "" {
		return Actor{}, errBadCredentials
	}
	key := a.cache.key2(accountID, email, password)
	if !a.cache.hit(key, p.PasswordHash, a.clock.Now()) {
		ok, err := CheckPassword(p.PasswordHash, password)
		if err != nil || !ok {
			return Actor{}, errBadCredentials
		}
		a.cache.put(key, p.PasswordHash, a.clock.Now())
	}
	p.Actor.Method = "password"
	return p.Actor, nil
}

// pwCache remembers successful password checks for a short time, keyed by
// an HMAC of the credential (never the password itself). A hit is valid only
// while the user's stored hash is unchanged, so a password change on any
// node invalidates it everywhere.
type pwCache struct {
	key []byte
	ttl time.Duration
	mu  sync.Mutex
	m   map[string]pwEntry
}

type pwEntry struct {
	hash    string
	expires time.Time
}

const pwCacheMax = 10000

func (c *pwCache) key2(accountID int64, email, password string) string {
	mac := hmac.New(sha256.New, c.key)
	var b [8]byte
	binary.BigEndian.PutUint64(b[:], uint64(accountID))
	mac.Write(b[:])
	mac.Write([]byte(strings.ToLower(email)))
	mac.Write([]byte{0})
	mac.Write([]byte(password))
	return hex.EncodeToString(mac.Sum(nil))
}

func (c *pwCache) hit(key, hash string, now time.Time) bool {
	c.mu.Lock()
	defer c.mu.Unlock()
	e, ok := c.m[key]
	return ok && now.Before(e.expires) && subtle.ConstantTimeCompare([]byte(e.hash), []byte(hash)) == 1
}

func (c *pwCache) put(key, hash string, now time.Time) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if len(c.m) >= pwCacheMax {
		c.m = map[string]pwEntry{}
	}
	c.m[key] = pwEntry{hash: hash, expires: now.Add(c.ttl)}
}

func constantEq(a, b string) bool { return subtle.ConstantTimeCompare([]byte(a), []byte(b)) == 1 }

// RateLimit applies the tenant's per-minute budget and sets the
// X-Rate-Limit headers on every response; over budget is 429 + Retry-After.
func RateLimit(l *ratelimit.Limiter) func(http.Handler) http.Handler {
	return func(next http.Handler) http.Handler {
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			t, ok := TenantFrom(r.Context())
			if !ok || t.RateLimit <= 0 {
				next.ServeHTTP(w, r)
				return
			}
			d := l.Allow(t.ID, t.RateLimit)
			w.Header().Set("X-Rate-Limit", strconv.Itoa(d.Limit))
			w.Header().Set("X-Rate-Limit-Remaining", strconv.Itoa(d.Remaining))
			w.Header().Set("ratelimit-limit", strconv.Itoa(d.Limit))
			w.Header().Set("ratelimit-remaining", strconv.Itoa(d.Remaining))
			w.Header().Set("ratelimit-reset", strconv.Itoa(d.RetryAfter))
			if !d.Allowed {
				httpx.WriteError(w, r, errs.E(errs.RateLimited, "Rate limit exceeded; retry after the Retry-After seconds").
					With("retry_after", d.RetryAfter))
				return
			}
			next.ServeHTTP(w, r)
		})
	}
}

// RequireSignedIn answers 401 to anonymous requests before any handler
// looks at their parameters, except on the paths in open (/users/me answers
// the anonymous user, as in Zendesk).
func RequireSignedIn(open ...string) func(http.Handler) http.Handler {
	allowed := map[string]bool{}
	for _, p := range open {
		allowed[p] = true
	}
	return func(next http.Handler) http.Handler {
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			if ActorFrom(r.Context()).Anonymous() && !allowed[r.URL.Path] {
				unauthorized(w, r)
				return
			}
			next.ServeHTTP(w, r)
		})
	}
}
