package account

import (
	"context"
	"net"
	"net/http"
	"strings"
	"sync"
	"time"

	"parley/internal/auth"
	"parley/internal/platform/clock"
	"parley/internal/platform/db"
	"parley/internal/platform/errs"
	"parley/internal/platform/httpx"
)

// Service manages accounts.
type Service struct {
	d          *db.DB
	st         store
	clock      clock.Clock
	baseDomain string
	rateLimit  int
	defaultSub string
	onRename   []func(ctx context.Context, accountID int64, from, to string) error

	mu    sync.Mutex
	cache map[string]cached
}

type cached struct {
	t       auth.Tenant
	expires time.Time
}

// Options configure the account service.
type Options struct {
	// BaseDomain is the domain under which subdomains name accounts
	// ("example.com" → acme.example.com is account acme).
	BaseDomain string
	// DefaultRateLimit is the API budget (requests/minute) of new accounts;
	// 0 means 700, a negative value means unlimited.
	DefaultRateLimit int
	// DefaultSubdomain names the account that bare hosts reach; when it
	// does not exist, the first account created is the default.
	DefaultSubdomain string
}

// NewService builds the account service.
func NewService(d *db.DB, c clock.Clock, o Options) *Service {
	if o.DefaultRateLimit == 0 {
		o.DefaultRateLimit = 700
	}
	return &Service{d: d, st: store{d}, clock: c, baseDomain: strings.ToLower(o.BaseDomain),
		rateLimit: o.DefaultRateLimit, defaultSub: o.DefaultSubdomain, cache: map[string]cached{}}
}

// New describes an account to create.
type New struct {
	Subdomain string
	Name      string
	TimeZone  string
	Locale    string
	RateLimit int
}

// Create makes an account. It is an operator action (CLI, bootstrap), so it
// checks no actor. A taken subdomain is Invalid.
func (s *Service) Create(ctx context.Context, n New) (Account, error) {
	n.Subdomain = strings.ToLower(strings.TrimSpace(n.Subdomain))
	var v errs.Validation
	if !SubdomainPattern.MatchString(n.Subdomain) || reserved[n.Subdomain] {
		v.Add("subdomain", "InvalidValue", "Subdomain: must be 3 to 63 lowercase letters, digits or hyphens, and not reserved")
	}
	if strings.TrimSpace(n.Name) == "" {
		v.Add("name", "BlankValue", "Name: cannot be blank")
	}
	if err := v.Err(); err != nil {
		return Account{}, err
	}
	if n.TimeZone == "" {
		n.TimeZone = "UTC"
	}
	if n.Locale == "" {
		n.Locale = "en-US"
	}
	if n.RateLimit == 0 {
		n.RateLimit = s.rateLimit
	}
	now := s.clock.Now()
	var out Account
	err := s.d.InTx(ctx, func(ctx context.Context) error {
		var err error
		out, err = s.st.insert(ctx, Account{Subdomain: n.Subdomain, Name: strings.TrimSpace(n.Name), TimeZone: n.TimeZone,
			Locale: n.Locale, RateLimit: n.RateLimit, Settings: DefaultSettings(), CreatedAt: now})
		return err
	})
	if errs.Is(err, errs.Conflict) {
		return Account{}, errs.Invalidf("subdomain", "DuplicateValue", "Subdomain: %s has already been taken", n.Subdomain)
	}
	return out, err
}

// SetOwner records the account owner (bootstrap).
func (s *Service) SetOwner(ctx context.Context, accountID, userID int64) error {
	return s.d.InTx(ctx, func(ctx context.Context) error {
		a, err := s.st.byID(ctx, accountID)
		if err != nil {
			return err
		}
		a.OwnerID = &userID
		a.UpdatedAt = s.clock.Now()
		return s.st.update(ctx, a)
	})
}

// SetRateLimit sets an account's API budget in requests per minute; zero
// or less is unlimited (operator use: benchmarks, trusted integrations).
func (s *Service) SetRateLimit(ctx context.Context, subdomain string, perMinute int) (Account, error) {
	var out Account
	err := s.d.InTx(ctx, func(ctx context.Context) error {
		a, err := s.st.bySubdomain(ctx, strings.ToLower(subdomain))
		if err != nil {
			return err
		}
		if perMinute <= 0 {
			perMinute = -1
		}
		a.RateLimit, a.UpdatedAt = perMinute, s.clock.Now()
		out = a
		return s.st.update(ctx, a)
	})
	return out, err
}

// ByID returns an account (operator use; no actor check).
func (s *Service) ByID(ctx context.Context, id int64) (Account, error) { return s.st.byID(ctx, id) }

// BySubdomain returns an account (operator use; no actor check).
func (s *Service) BySubdomain(ctx context.Context, sub string) (Account, error) {
	return s.st.bySubdomain(ctx, strings.ToLower(sub))
}

// Default is the account bare hosts reach: the configured default
// subdomain if it exists, else the first account created.
func (s *Service) Default(ctx context.Context) (Account, error) {
	if s.defaultSub != "" {
		a, err := s.st.bySubdomain(ctx, s.defaultSub)
		if err == nil || !errs.Is(err, errs.NotFound) {
			return a, err
		}
	}
	return s.st.first(ctx)
}

// Count reports how many accounts exist (first-start detection).
func (s *Service) Count(ctx context.Context) (int64, error) { return s.st.count(ctx) }

// Current returns the caller's account; any signed-in user may read it.
func (s *Service) Current(ctx context.Context) (Account, error) {
	a, err := auth.RequireUser(ctx)
	if err != nil {
		return Account{}, err
	}
	return s.st.byID(ctx, a.AccountID)
}

// Patch changes basic account fields; nil fields stay.
type Patch struct {
	Name      *string
	Subdomain *string
	TimeZone  *string
	Locale    *string
	Settings  func(*Settings) error
}

// Update changes the caller's account (admins only).
func (s *Service) Update(ctx context.Context, p Patch) (Account, error) {
	actor, err := auth.RequireAdmin(ctx)
	if err != nil {
		return Account{}, err
	}
	var out Account
	err = s.d.InTx(ctx, func(ctx context.Context) error {
		a, err := s.st.byID(ctx, actor.AccountID)
		if err != nil {
			return err
		}
		var v errs.Validation
		if p.Name != nil {
			if strings.TrimSpace(*p.Name) == "" {
				v.Add("name", "BlankValue", "Name: cannot be blank")
			}
			a.Name = strings.TrimSpace(*p.Name)
		}
		oldSub := a.Subdomain
		if p.Subdomain != nil {
			sub := strings.ToLower(strings.TrimSpace(*p.Subdomain))
			if !SubdomainPattern.MatchString(sub) || reserved[sub] {
				v.Add("subdomain", "InvalidValue", "Subdomain: must be 3 to 63 lowercase letters, digits or hyphens, and not reserved")
			}
			a.Subdomain = sub
		}
		if p.TimeZone != nil {
			if _, err := time.LoadLocation(*p.TimeZone); err != nil || *p.TimeZone == "" || *p.TimeZone == "Local" {
				v.Add("time_zone", "InvalidValue", "Time zone: is not a known time zone")
			}
			a.TimeZone = *p.TimeZone
		}
		if p.Locale != nil {
			if strings.TrimSpace(*p.Locale) == "" {
				v.Add("locale", "BlankValue", "Locale: cannot be blank")
			}
			a.Locale = *p.Locale
		}
		if p.Settings != nil {
			if err := p.Settings(&a.Settings); err != nil {
				return err
			}
		}
		if err := v.Err(); err != nil {
			return err
		}
		a.UpdatedAt = s.clock.Now()
		if a.Subdomain != oldSub {
			for _, fn := range s.onRename {
				if err := fn(ctx, a.ID, oldSub, a.Subdomain); err != nil {
					return err
				}
			}
		}
		if err := s.st.update(ctx, a); err != nil {
			if errs.Is(err, errs.Conflict) {
				return errs.Invalidf("subdomain", "DuplicateValue", "Subdomain: %s has already been taken", a.Subdomain)
			}
			return err
		}
		out = a
		return nil
	})
	if err == nil {
		s.flush()
	}
	return out, err
}

// OnRename registers fn to run inside the transaction that changes an
// account's subdomain (sharing agreements name accounts by subdomain).
func (s *Service) OnRename(fn func(ctx context.Context, accountID int64, from, to string) error) {
	s.onRename = append(s.onRename, fn)
}

func (s *Service) flush() {
	s.mu.Lock()
	s.cache = map[string]cached{}
	s.mu.Unlock()
}

// tenantTTL bounds how long a node trusts its host→account cache; other
// nodes see a renamed subdomain within this time.
const tenantTTL = 2 * time.Second

// subdomainOf maps a Host header to a subdomain; "" means the default
// account (bare IP, bare base domain, localhost or an unknown host).
func (s *Service) subdomainOf(host string) string {
	if h, _, err := net.SplitHostPort(host); err == nil {
		host = h
	}
	host = strings.ToLower(strings.TrimSuffix(host, "."))
	if net.ParseIP(strings.Trim(host, "[]")) != nil {
		return ""
	}
	for _, base := range []string{s.baseDomain, "localhost"} {
		if base == "" {
			continue
		}
		if host == base {
			return ""
		}
		if sub, ok := strings.CutSuffix(host, "."+base); ok && !strings.Contains(sub, ".") {
			return sub
		}
	}
	return ""
}

// Resolve finds the tenant for a Host header.
func (s *Service) Resolve(ctx context.Context, host string) (auth.Tenant, error) {
	sub := s.subdomainOf(host)
	now := time.Now()
	s.mu.Lock()
	c, ok := s.cache[sub]
	s.mu.Unlock()
	if ok && now.Before(c.expires) {
		return c.t, nil
	}
	var a Account
	var err error
	if sub == "" {
		a, err = s.Default(ctx)
	} else {
		a, err = s.st.bySubdomain(ctx, sub)
	}
	if err != nil {
		return auth.Tenant{}, err
	}
	t := auth.Tenant{ID: a.ID, Subdomain: a.Subdomain, Name: a.Name, RateLimit: a.RateLimit}
	s.mu.Lock()
	if len(s.cache) > 10000 {
		s.cache = map[string]cached{}
	}
	s.cache[sub] = cached{t: t, expires: now.Add(tenantTTL)}
	s.mu.Unlock()
	return t, nil
}

// Middleware puts the request's tenant in its context; an unknown
// subdomain is 404.
func (s *Service) Middleware(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		t, err := s.Resolve(r.Context(), r.Host)
		if err != nil {
			if errs.Is(err, errs.NotFound) {
				httpx.WriteError(w, r, errs.E(errs.NotFound, "No account at this address").WithCode("InvalidEndpoint"))
				return
			}
			httpx.WriteError(w, r, err)
			return
		}
		next.ServeHTTP(w, r.WithContext(auth.WithTenant(r.Context(), t)))
	})
}
