// Package config is Parley's configuration: one struct filled from
// defaults, PARLEY_* environment variables and command-line flags, validated
// once and passed down. Nothing here is global.
package config

import (
	"errors"
	"fmt"
	"net"
	"path/filepath"
	"strconv"
	"strings"
	"time"
)

// Config is everything a Parley process needs to start.
type Config struct {
	// Addr is the HTTP listen address.
	Addr string
	// DataDir holds the SQLite file and attachments.
	DataDir string
	// DatabaseURL is a postgres:// URL; empty means SQLite under DataDir.
	DatabaseURL string
	// Demo loads sample data at start.
	Demo bool
	// BaseDomain maps sub.BaseDomain hosts to accounts.
	BaseDomain string
	// TrustProxy honours X-Forwarded-Proto from a load balancer.
	TrustProxy bool

	// Account is the subdomain of the default account created on first
	// start; AdminEmail/Password/Token pin its owner's credentials.
	Account       string
	AccountName   string
	AdminEmail    string
	AdminPassword string
	AdminToken    string

	// RateLimit is the default API budget per account, requests/minute.
	RateLimit int
	// BodyLimit caps API request bodies, in bytes; UploadLimit caps one
	// uploaded file (POST /uploads).
	BodyLimit   int64
	UploadLimit int64
	// Workers is the job worker concurrency; NoJobs turns workers off.
	Workers int
	NoJobs  bool
	// JobPoll is how often SQLite mode polls for jobs.
	JobPoll time.Duration

	// LogLevel is debug, info, warn or error; LogFormat json or text.
	LogLevel  string
	LogFormat string

	// PasswordMemoryKiB and PasswordTime are the argon2id costs; tests lower them.
	PasswordMemoryKiB uint32
	PasswordTime      uint32

	// SMTPListen, when set, accepts inbound mail there (support addresses
	// become tickets and replies).
	SMTPListen string
	// SMTPRelay is host:port of the relay outbound mail goes through;
	// empty means outbound mail is logged and dropped.
	SMTPRelay    string
	SMTPUser     string
	SMTPPassword string
	// SMTPTLS is none, opportunistic or mandatory.
	SMTPTLS string
	// MailDomain makes support addresses support@<subdomain>.<MailDomain>
	// (default: the base domain).
	MailDomain string
	// PprofAddr, when set, serves net/http/pprof there (a separate,
	// private listener: profiles reveal internals).
	PprofAddr string
	// WebhookAllow lists IP addresses or CIDRs webhooks may reach even
	// though they are private or loopback (the SSRF guard refuses them
	// otherwise).
	WebhookAllow []string
	// SharingRetry is the first wait before a failed delivery to a
	// sharing partner is tried again; it doubles up to five minutes.
	SharingRetry time.Duration
}

// Default returns the built-in defaults.
func Default() Config {
	return Config{
		Addr:              "127.0.0.1:8080",
		DataDir:           "./data",
		BaseDomain:        "localhost",
		Account:           "demo",
		AccountName:       "Demo Support",
		AdminEmail:        "admin@example.com",
		RateLimit:         700,
		BodyLimit:         2 << 20,
		UploadLimit:       50 << 20,
		Workers:           8,
		JobPoll:           100 * time.Millisecond,
		LogLevel:          "info",
		LogFormat:         "json",
		PasswordMemoryKiB: 19 * 1024,
		PasswordTime:      2,
		SMTPTLS:           "opportunistic",
		SharingRetry:      2 * time.Second,
	}
}

// FromEnv overlays PARLEY_* variables on the defaults. A malformed number
// is an error, not silently ignored.
func FromEnv(getenv func(string) string) (Config, error) {
	c := Default()
	str := func(name string, dst *string) {
		if v := getenv(name); v != "" {
			*dst = v
		}
	}
	var errs []error
	num := func(name string, set func(int64)) {
		if v := getenv(name); v != "" {
			n, err := strconv.ParseInt(v, 10, 64)
			if err != nil {
				errs = append(errs, fmt.Errorf("%s: %q is not a number", name, v))
				return
			}
			set(n)
		}
	}
	boolean := func(name string, dst *bool) {
		if v := getenv(name); v != "" {
			b, err := strconv.ParseBool(v)
			if err != nil {
				errs = append(errs, fmt.Errorf("%s: %q is not true or false", name, v))
				return
			}
			*dst = b
		}
	}
	str("PARLEY_ADDR", &c.Addr)
	str("PARLEY_DATA", &c.DataDir)
	str("PARLEY_DB", &c.DatabaseURL)
	str("PARLEY_BASE_DOMAIN", &c.BaseDomain)
	str("PARLEY_ACCOUNT", &c.Account)
	str("PARLEY_ACCOUNT_NAME", &c.AccountName)
	str("PARLEY_ADMIN_EMAIL", &c.AdminEmail)
	str("PARLEY_ADMIN_PASSWORD", &c.AdminPassword)
	str("PARLEY_ADMIN_TOKEN", &c.AdminToken)
	str("PARLEY_LOG_LEVEL", &c.LogLevel)
	str("PARLEY_LOG_FORMAT", &c.LogFormat)
	str("PARLEY_PPROF", &c.PprofAddr)
	str("PARLEY_SMTP_LISTEN", &c.SMTPListen)
	str("PARLEY_SMTP_RELAY", &c.SMTPRelay)
	str("PARLEY_SMTP_USER", &c.SMTPUser)
	str("PARLEY_SMTP_PASSWORD", &c.SMTPPassword)
	str("PARLEY_SMTP_TLS", &c.SMTPTLS)
	str("PARLEY_MAIL_DOMAIN", &c.MailDomain)
	if v := getenv("PARLEY_WEBHOOK_ALLOW"); v != "" {
		c.WebhookAllow = strings.FieldsFunc(v, func(r rune) bool { return r == ',' || r == ' ' })
	}
	if v := getenv("PARLEY_SHARING_RETRY"); v != "" {
		d, err := time.ParseDuration(v)
		if err != nil || d <= 0 {
			errs = append(errs, fmt.Errorf("PARLEY_SHARING_RETRY: %q is not a positive duration (2s, 500ms)", v))
		} else {
			c.SharingRetry = d
		}
	}
	boolean("PARLEY_DEMO", &c.Demo)
	boolean("PARLEY_TRUST_PROXY", &c.TrustProxy)
	boolean("PARLEY_NO_JOBS", &c.NoJobs)
	num("PARLEY_RATE_LIMIT", func(n int64) { c.RateLimit = int(n) })
	num("PARLEY_BODY_LIMIT", func(n int64) { c.BodyLimit = n })
	num("PARLEY_UPLOAD_LIMIT", func(n int64) { c.UploadLimit = n })
	num("PARLEY_WORKERS", func(n int64) { c.Workers = int(n) })
	num("PARLEY_PASSWORD_MEMORY_KIB", func(n int64) { c.PasswordMemoryKiB = uint32(n) })
	num("PARLEY_PASSWORD_TIME", func(n int64) { c.PasswordTime = uint32(n) })
	return c, errors.Join(errs...)
}

// MailHost is the domain under which accounts' support addresses live.
func (c Config) MailHost() string {
	if c.MailDomain != "" {
		return c.MailDomain
	}
	return c.BaseDomain
}

// SQLitePath is the database file used when no DatabaseURL is set.
func (c Config) SQLitePath() string { return filepath.Join(c.DataDir, "parley.db") }

// Validate reports every problem at once.
func (c Config) Validate() error {
	var errs []error
	if _, _, err := net.SplitHostPort(c.Addr); err != nil {
		errs = append(errs, fmt.Errorf("addr %q: %v", c.Addr, err))
	}
	if c.DatabaseURL != "" && !strings.HasPrefix(c.DatabaseURL, "postgres://") && !strings.HasPrefix(c.DatabaseURL, "postgresql://") {
		errs = append(errs, fmt.Errorf("db: only postgres:// URLs are supported (SQLite is the default when --db is empty)"))
	}
	if c.DatabaseURL == "" && c.DataDir == "" {
		errs = append(errs, errors.New("data: a data directory is required for SQLite"))
	}
	if c.RateLimit < 0 {
		errs = append(errs, errors.New("rate limit: must be zero (off) or positive"))
	}
	if c.BodyLimit < 1024 {
		errs = append(errs, errors.New("body limit: must be at least 1024 bytes"))
	}
	if c.UploadLimit < c.BodyLimit {
		errs = append(errs, errors.New("upload limit: must be at least the body limit"))
	}
	if c.Workers < 1 {
		errs = append(errs, errors.New("workers: must be at least 1"))
	}
	if !strings.Contains(c.AdminEmail, "@") {
		errs = append(errs, fmt.Errorf("admin email %q is not an email address", c.AdminEmail))
	}
	if c.AdminPassword != "" && len(c.AdminPassword) < 8 {
		errs = append(errs, errors.New("admin password: must be at least 8 characters"))
	}
	if c.AdminToken != "" && len(c.AdminToken) < 16 {
		errs = append(errs, errors.New("admin token: must be at least 16 characters"))
	}
	switch c.LogLevel {
	case "debug", "info", "warn", "error":
	default:
		errs = append(errs, fmt.Errorf("log level %q: use debug, info, warn or error", c.LogLevel))
	}
	switch c.LogFormat {
	case "json", "text":
	default:
		errs = append(errs, fmt.Errorf("log format %q: use json or text", c.LogFormat))
	}
	for _, a := range []struct{ name, v string }{{"smtp listen", c.SMTPListen}, {"smtp relay", c.SMTPRelay}, {"pprof", c.PprofAddr}} {
		if a.v != "" {
			if _, _, err := net.SplitHostPort(a.v); err != nil {
				errs = append(errs, fmt.Errorf("%s %q: %v", a.name, a.v, err))
			}
		}
	}
	switch c.SMTPTLS {
	case "none", "opportunistic", "mandatory":
	default:
		errs = append(errs, fmt.Errorf("smtp tls %q: use none, opportunistic or mandatory", c.SMTPTLS))
	}
	for _, h := range c.WebhookAllow {
		if _, _, err := net.ParseCIDR(h); err != nil && net.ParseIP(h) == nil {
			errs = append(errs, fmt.Errorf("webhook allow %q: not an IP address or CIDR", h))
		}
	}
	if c.PasswordMemoryKiB < 8 || c.PasswordTime < 1 {
		errs = append(errs, errors.New("password cost: memory must be at least 8 KiB and time at least 1"))
	}
	return errors.Join(errs...)
}
