// Package app is the composition root: it turns a Config into stores,
// services, the HTTP router and the job queue, and holds the subcommands.
package app

import (
	"context"
	"crypto/rand"
	"database/sql"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"path/filepath"
	"strings"
	"time"

	"github.com/go-chi/chi/v5"
	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"github.com/prometheus/client_golang/prometheus/promhttp"
	"github.com/riverqueue/river"

	"parley/internal/account"
	"parley/internal/adminui"
	"parley/internal/agentui"
	"parley/internal/auth"
	"parley/internal/bulk"
	"parley/internal/config"
	"parley/internal/notify"
	"parley/internal/platform/blob"
	"parley/internal/platform/clock"
	"parley/internal/platform/db"
	"parley/internal/platform/events"
	"parley/internal/platform/httpx"
	"parley/internal/platform/jobs"
	"parley/internal/platform/ratelimit"
	"parley/internal/rule/catalog"
	"parley/internal/rule/macro"
	"parley/internal/rule/trigger"
	"parley/internal/rule/view"
	"parley/internal/search"
	"parley/internal/share"
	"parley/internal/ticket"
	"parley/internal/user"
	"parley/internal/web"
	"parley/internal/webhook"
	"parley/migrations"
)

// App is one running Parley: database, services, router and jobs.
type App struct {
	Config   config.Config
	Log      *slog.Logger
	DB       *db.DB
	Clock    clock.Clock
	Accounts *account.Service
	Users    *user.Service
	Tokens   *auth.Tokens
	Tickets  *ticket.Service
	Search   *search.Service
	Bulk     *bulk.Service
	Jobs     *jobs.Queue
	Limiter  *ratelimit.Limiter
	Triggers *trigger.Service
	Views    *view.Service
	Macros   *macro.Service
	Webhooks *webhook.Service
	Mail     *notify.Service
	Sharing  *share.Service
	Live     *events.Bus

	sessions *auth.Sessions
	agent    *agentui.Pages
	migrator *db.Migrator
	files    *blob.Local
	router   chi.Router
	registry *prometheus.Registry
	secret   []byte
	cancel   context.CancelFunc
	done     chan struct{}
	smtpLn   net.Listener
}

// Options are the seams tests use.
type Options struct {
	Clock clock.Clock
	Log   *slog.Logger
}

// New opens and migrates the database and wires every room. It does not
// listen or start jobs; see Start.
func New(ctx context.Context, cfg config.Config, o Options) (*App, error) {
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	if o.Clock == nil {
		o.Clock = clock.System{}
	}
	if o.Log == nil {
		o.Log = slog.New(slog.NewJSONHandler(io.Discard, nil))
	}
	d, err := db.Open(ctx, db.Options{URL: cfg.DatabaseURL, Path: cfg.SQLitePath()})
	if err != nil {
		return nil, err
	}
	a := &App{Config: cfg, Log: o.Log, DB: d, Clock: o.Clock}
	if err := a.migrate(ctx); err != nil {
		d.Close()
		return nil, err
	}
	if a.secret, err = a.installationSecret(ctx); err != nil {
		d.Close()
		return nil, err
	}
	// Attachments live under the data directory. With PostgreSQL and
	// several nodes this directory must be shared (or an S3 store used).
	if a.files, err = blob.NewLocal(filepath.Join(cfg.DataDir, "attachments")); err != nil {
		d.Close()
		return nil, err
	}
	if err := a.wire(); err != nil {
		d.Close()
		return nil, err
	}
	return a, nil
}

func (a *App) migrate(ctx context.Context) error {
	m, err := a.DB.NewMigrator(migrations.FS)
	if err != nil {
		return err
	}
	if _, err := m.Up(ctx); err != nil {
		return err
	}
	a.migrator = m
	return jobs.Migrate(ctx, a.DB)
}

// installationSecret is the random key shared by every node of this
// installation (it keys the password-check cache); made once, kept in the
// database.
func (a *App) installationSecret(ctx context.Context) ([]byte, error) {
	var s string
	err := a.DB.InTx(ctx, func(ctx context.Context) error {
		c := a.DB.Conn(ctx)
		err := c.QueryRowContext(ctx, `SELECT value FROM installation WHERE key = 'secret'`).Scan(&s)
		if errors.Is(err, sql.ErrNoRows) {
			b := make([]byte, 32)
			if _, err := rand.Read(b); err != nil {
				return err
			}
			s = hex.EncodeToString(b)
			_, err = c.ExecContext(ctx, `INSERT INTO installation (key, value) VALUES ('secret', $1)`, s)
		}
		return err
	})
	if err != nil {
		return nil, fmt.Errorf("app: installation secret: %w", err)
	}
	return hex.DecodeString(s)
}

func (a *App) wire() error {
	cfg := a.Config
	argon := auth.Argon2{MemoryKiB: cfg.PasswordMemoryKiB, Time: cfg.PasswordTime, Threads: 1}
	a.Accounts = account.NewService(a.DB, a.Clock, account.Options{BaseDomain: cfg.BaseDomain,
		DefaultRateLimit: rateLimitOption(cfg.RateLimit), DefaultSubdomain: cfg.Account})
	a.Bulk = bulk.NewService(a.DB, a.Clock, a.Log)
	a.Users = user.NewService(a.DB, a.Clock, a.Log, a.Bulk, user.Options{Argon2: argon})
	a.Tokens = auth.NewTokens(a.DB, a.Clock)
	a.Tickets = ticket.NewService(a.DB, a.Clock, a.Log, people{ticket.Users{U: a.Users}}, a.files, accountSettings{a.Accounts},
		ticket.Options{UploadLimit: cfg.UploadLimit})
	a.Users.SetCounters(a.Tickets)
	a.Tickets.RegisterBulk(a.Bulk)
	a.Search = search.NewService(a.DB, a.Clock, a.Tickets, a.Users)
	a.Users.SetSearcher(a.Search)
	a.Limiter = ratelimit.New(a.DB, a.Clock, a.Log)
	if err := a.wireRules(); err != nil {
		return err
	}
	// The browser surfaces: sessions, and the workspace, which also hears
	// every ticket write to refresh the browsers showing that ticket.
	a.Live = events.New(a.DB, a.Log)
	a.sessions = auth.NewSessions(a.DB, a.Clock, a.Users)
	a.agent = agentui.New(agentui.Deps{Sessions: a.sessions, Passwords: a.Users, Mail: a.Mail, Views: a.Views,
		Tickets: a.Tickets, People: a.Users, Macros: a.Macros, Live: a.Live, Viewers: agentui.NewViewers(a.DB),
		Search: a.Search, Directory: a.Users, Lists: a.Tickets, Bulk: a.Tickets, Sharing: a.Sharing, Forms: a.Tickets, InTx: a.DB.InTx})
	a.Tickets.AddHook(a.agent)

	workers := river.NewWorkers()
	river.AddWorker(workers, a.Bulk.NewWorker())
	river.AddWorker(workers, a.Triggers.NewAutomationWorker())
	river.AddWorker(workers, a.Webhooks.NewWorker())
	river.AddWorker(workers, a.Mail.NewSendWorker(a.sender()))
	river.AddWorker(workers, a.Sharing.NewWorker())
	river.AddWorker(workers, a.Sharing.NewSweepWorker())
	q, err := jobs.New(a.DB, workers, a.Log, jobs.Options{Work: !cfg.NoJobs, Workers: cfg.Workers, PollInterval: cfg.JobPoll,
		Periodic: append(trigger.PeriodicJobs(), share.PeriodicJobs()...)})
	if err != nil {
		// River only fails here on a programming error in the config.
		panic(err)
	}
	a.Jobs = q
	a.Bulk.SetQueue(q)
	a.Triggers.SetQueue(q)
	a.Webhooks.SetQueue(q)
	a.Mail.SetQueue(q)
	a.Sharing.SetQueue(q)

	a.registry = prometheus.NewRegistry()
	a.registry.MustRegister(collectors.NewGoCollector(), collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}),
		collectors.NewDBStatsCollector(a.DB.Writer(), "write"), newJobCollector(a.DB))
	if a.DB.Reader() != a.DB.Writer() {
		a.registry.MustRegister(collectors.NewDBStatsCollector(a.DB.Reader(), "read"))
	}
	a.router = a.routes()
	a.Sharing.SetLocal(a.router)
	return nil
}

// Rooms is what registers API routes.
type roomAPI interface{ Routes(r chi.Router) }

func (a *App) routes() chi.Router {
	r := chi.NewRouter()
	r.Use(httpx.Observe(a.Log, httpx.NewMetrics(a.registry)), httpx.RejectNUL, httpx.CollapseSlashes, httpx.StripJSON, httpx.Base(a.Config.TrustProxy))
	r.NotFound(httpx.NotFoundHandler)
	r.MethodNotAllowed(httpx.MethodNotAllowedHandler)
	r.Get("/healthz", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/plain; charset=utf-8")
		_, _ = io.WriteString(w, "ok\n")
	})
	r.Get("/readyz", a.readyz)
	r.Method(http.MethodGet, "/metrics", promhttp.HandlerFor(a.registry, promhttp.HandlerOpts{}))

	authn := auth.NewAuthenticator(a.Tokens, a.Users, nil, a.Clock, a.secret)
	tickets := ticket.NewAPI(a.Tickets, a.Users)
	r.Group(func(r chi.Router) {
		r.Use(a.Accounts.Middleware, authn.Middleware)
		tickets.DownloadRoutes(r)
	})
	// The HTML surfaces: browser sessions (cookie + CSRF token) instead of
	// API credentials.
	r.Handle("/static/*", web.Static())
	r.Group(func(r chi.Router) {
		// The body limit comes first: the CSRF check reads the whole form,
		// files included, before a page could refuse an oversize upload.
		r.Use(web.LimitBody(func(r *http.Request) int64 { return a.agent.BodyLimit(r, a.Config.BodyLimit) }),
			a.Accounts.Middleware, a.sessions.Middleware, auth.CSRF)
		r.Get("/", func(w http.ResponseWriter, r *http.Request) { http.Redirect(w, r, "/agent", http.StatusSeeOther) })
		a.agent.Routes(r)
		adminui.New(adminui.Deps{Sharing: a.Sharing, Accounts: a.Accounts, Triggers: a.Triggers, People: a.Users,
			Tokens: a.Tokens, Statuses: a.Tickets, Views: a.Views, Macros: a.Macros, Fields: a.Tickets, Forms: a.Tickets,
			Orgs: a.Users, Webhooks: a.Webhooks, Roles: a.Users, Catalogs: catalog.New(a.DB), SupportAddress: a.Mail.SupportAddress,
			Address: a.accountAddress}).Routes(r)
	})
	// The Networked Help Desk protocol: partners authenticate with the
	// agreement's token, not a user's credentials.
	r.Route("/sharing", func(r chi.Router) {
		r.Use(a.Accounts.Middleware)
		r.NotFound(httpx.NotFoundHandler)
		r.MethodNotAllowed(httpx.MethodNotAllowedHandler)
		share.NewProtocol(a.Sharing).Routes(r)
	})
	r.Route("/api/v2", func(r chi.Router) {
		r.Use(httpx.APIHeaders, httpx.BodyLimit(a.Config.BodyLimit, map[string]int64{"/api/v2/uploads": a.Config.UploadLimit}), a.Accounts.Middleware,
			auth.RateLimit(a.Limiter), authn.Middleware, auth.RequireSignedIn("/api/v2/users/me"))
		r.NotFound(httpx.NotFoundHandler)
		r.MethodNotAllowed(httpx.MethodNotAllowedHandler)
		for _, room := range []roomAPI{
			account.NewAPI(a.Accounts),
			auth.NewTokensAPI(a.Tokens),
			bulk.NewAPI(a.Bulk),
			user.NewAPI(a.Users),
			search.NewAPI(a.Search),
			tickets,
			trigger.NewAPI(a.Triggers),
			view.NewAPI(a.Views),
			macro.NewAPI(a.Macros),
			webhook.NewAPI(a.Webhooks),
			share.NewAPI(a.Sharing),
		} {
			room.Routes(r)
		}
	})
	return r
}

// accountAddress is where account sub's pages are, seen from a request
// (the same scheme and port; sub.<base domain>).
func (a *App) accountAddress(r *http.Request, sub string) string {
	base := httpx.BaseURL(r.Context())
	scheme, hostport, _ := strings.Cut(base, "://")
	port := ""
	if _, p, err := net.SplitHostPort(hostport); err == nil {
		port = ":" + p
	}
	return scheme + "://" + sub + "." + a.Config.BaseDomain + port + "/agent/sign_in"
}

// readyz answers 200 only when the database answers and no migration is
// pending, so a load balancer keeps traffic off a node that is not ready.
func (a *App) readyz(w http.ResponseWriter, r *http.Request) {
	ctx, cancel := context.WithTimeout(r.Context(), 2*time.Second)
	defer cancel()
	w.Header().Set("Content-Type", "text/plain; charset=utf-8")
	if err := a.DB.Ping(ctx); err != nil {
		w.WriteHeader(http.StatusServiceUnavailable)
		_, _ = io.WriteString(w, "database unreachable\n")
		return
	}
	if pending, err := a.migrator.Pending(ctx); err != nil || pending {
		w.WriteHeader(http.StatusServiceUnavailable)
		_, _ = io.WriteString(w, "migrations pending\n")
		return
	}
	_, _ = io.WriteString(w, "ready\n")
}

// Router is the HTTP handler (tests walk its routes).
func (a *App) Router() chi.Router { return a.router }

// StartBackground starts the job workers and the rate-limit flusher.
func (a *App) StartBackground(ctx context.Context) error {
	ctx, a.cancel = context.WithCancel(ctx)
	a.done = make(chan struct{})
	if err := a.Jobs.Start(ctx); err != nil {
		return err
	}
	if a.Config.SMTPListen != "" && a.smtpLn == nil {
		ln, err := net.Listen("tcp", a.Config.SMTPListen)
		if err != nil {
			return fmt.Errorf("smtp listen: %w", err)
		}
		a.smtpLn = ln
		go func() {
			if err := a.Mail.ServeSMTP(ctx, ln); err != nil {
				a.Log.Error("smtp listener stopped", slog.String("error", err.Error()))
			}
		}()
		a.Log.Info("accepting mail", slog.String("addr", ln.Addr().String()), slog.String("domain", a.Config.MailHost()))
	}
	go a.Live.Run(ctx)
	go func() {
		defer close(a.done)
		a.Limiter.Run(ctx)
	}()
	return nil
}

// SMTPAddr is where inbound mail is accepted ("" when not listening).
func (a *App) SMTPAddr() string {
	if a.smtpLn == nil {
		return ""
	}
	return a.smtpLn.Addr().String()
}

// Close stops background work and closes the database.
func (a *App) Close() error {
	sctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if a.cancel != nil {
		a.cancel()
		<-a.done
	}
	if err := a.Jobs.Stop(sctx); err != nil {
		a.Log.Warn("stopping jobs", slog.String("error", err.Error()))
	}
	return a.DB.Close()
}

// Serve listens on ln until ctx ends, then shuts down gracefully.
func (a *App) Serve(ctx context.Context, ln net.Listener) error {
	srv := &http.Server{
		Handler:           a.router,
		ReadHeaderTimeout: 10 * time.Second,
		ReadTimeout:       60 * time.Second,
		WriteTimeout:      60 * time.Second,
		IdleTimeout:       120 * time.Second,
		ErrorLog:          slog.NewLogLogger(a.Log.Handler(), slog.LevelWarn),
	}
	errc := make(chan error, 1)
	go func() { errc <- srv.Serve(ln) }()
	select {
	case err := <-errc:
		return err
	case <-ctx.Done():
	}
	sctx, cancel := context.WithTimeout(context.Background(), 15*time.Second)
	defer cancel()
	if err := srv.Shutdown(sctx); err != nil {
		return err
	}
	return nil
}

func pageAll() db.Page { return db.Page{Limit: 1000} }

// rateLimitOption maps the configured budget to the account room's
// option: 0 in the configuration means unlimited (the account room reads
// 0 as "its default").
func rateLimitOption(perMinute int) int {
	if perMinute == 0 {
		return -1
	}
	return perMinute
}
