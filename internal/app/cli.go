package app

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"os"
	"runtime/debug"
	"strings"

	"github.com/spf13/cobra"

	"parley/internal/auth"
	"parley/internal/config"
	"parley/internal/notify"
)

// Version is set at build time with -ldflags "-X parley/internal/app.Version=...".
var Version = "dev"

// ExitError carries the process exit code a command wants (sysexits for
// mail receive, so an MTA knows whether to retry or bounce).
type ExitError struct {
	Code int
	Err  error
}

func (e *ExitError) Error() string { return e.Err.Error() }
func (e *ExitError) Unwrap() error { return e.Err }

// Run is the whole command line: it parses args and runs a subcommand.
func Run(ctx context.Context, args []string, getenv func(string) string, stdout, stderr io.Writer) error {
	cfg, err := config.FromEnv(getenv)
	if err != nil {
		return err
	}
	root := &cobra.Command{
		Use:           "parley",
		Short:         "Parley: a self-hosted customer-service platform speaking the Zendesk API",
		SilenceUsage:  true,
		SilenceErrors: true,
	}
	root.SetArgs(args)
	root.SetOut(stdout)
	root.SetErr(stderr)
	root.PersistentFlags().StringVar(&cfg.DataDir, "data", cfg.DataDir, "data directory (SQLite file, attachments) [PARLEY_DATA]")
	root.PersistentFlags().StringVar(&cfg.DatabaseURL, "db", cfg.DatabaseURL, "PostgreSQL URL; empty uses SQLite under --data [PARLEY_DB]")
	root.PersistentFlags().StringVar(&cfg.LogLevel, "log-level", cfg.LogLevel, "debug, info, warn or error [PARLEY_LOG_LEVEL]")
	root.PersistentFlags().StringVar(&cfg.LogFormat, "log-format", cfg.LogFormat, "json or text [PARLEY_LOG_FORMAT]")

	logger := func() *slog.Logger {
		lvl := map[string]slog.Level{"debug": slog.LevelDebug, "info": slog.LevelInfo, "warn": slog.LevelWarn, "error": slog.LevelError}[cfg.LogLevel]
		opts := &slog.HandlerOptions{Level: lvl}
		if cfg.LogFormat == "text" {
			return slog.New(slog.NewTextHandler(stderr, opts))
		}
		return slog.New(slog.NewJSONHandler(stderr, opts))
	}

	serve := &cobra.Command{
		Use:   "serve",
		Short: "Run the web server and the job workers",
		RunE: func(cmd *cobra.Command, _ []string) error {
			return runServe(cmd.Context(), cfg, logger(), stdout)
		},
	}
	serve.Flags().StringVar(&cfg.Addr, "addr", cfg.Addr, "listen address [PARLEY_ADDR]")
	serve.Flags().BoolVar(&cfg.Demo, "demo", cfg.Demo, "load sample data (idempotent) [PARLEY_DEMO]")
	serve.Flags().StringVar(&cfg.BaseDomain, "base-domain", cfg.BaseDomain, "domain whose subdomains name accounts [PARLEY_BASE_DOMAIN]")
	serve.Flags().BoolVar(&cfg.NoJobs, "no-jobs", cfg.NoJobs, "do not work jobs in this process (use parley worker) [PARLEY_NO_JOBS]")
	serve.Flags().IntVar(&cfg.RateLimit, "rate-limit", cfg.RateLimit, "API requests per minute per account for new accounts; 0 is unlimited [PARLEY_RATE_LIMIT]")
	serve.Flags().BoolVar(&cfg.TrustProxy, "trust-proxy", cfg.TrustProxy, "trust X-Forwarded-Proto [PARLEY_TRUST_PROXY]")
	serve.Flags().StringVar(&cfg.PprofAddr, "pprof", cfg.PprofAddr, "serve Go profiles (net/http/pprof) on this private address, e.g. 127.0.0.1:6060 [PARLEY_PPROF]")
	serve.Flags().StringVar(&cfg.SMTPListen, "smtp", cfg.SMTPListen, "also accept inbound mail on this address, e.g. 127.0.0.1:2525 [PARLEY_SMTP_LISTEN]")
	serve.Flags().StringVar(&cfg.MailDomain, "mail-domain", cfg.MailDomain, "support addresses are support@<subdomain>.<mail domain> (default: the base domain) [PARLEY_MAIL_DOMAIN]")
	serve.Flags().StringVar(&cfg.SMTPRelay, "smtp-relay", cfg.SMTPRelay, "host:port of the relay for outbound mail; empty logs and drops mail [PARLEY_SMTP_RELAY]")

	mailCmd := &cobra.Command{Use: "mail", Short: "Mail tools"}
	var mailFile string
	mailReceive := &cobra.Command{
		Use:   "receive",
		Short: "Take one RFC 5322 message (stdin or --file) as inbound mail, for MTA pipes; exits with sysexits codes",
		RunE: func(cmd *cobra.Command, _ []string) error {
			in := cmd.InOrStdin()
			if mailFile != "" && mailFile != "-" {
				f, err := os.Open(mailFile)
				if err != nil {
					return &ExitError{Code: 66, Err: err}
				}
				defer f.Close()
				in = f
			}
			cfg.SMTPListen, cfg.NoJobs = "", true
			a, err := New(cmd.Context(), cfg, Options{Log: logger()})
			if err != nil {
				return &ExitError{Code: 75, Err: err}
			}
			defer a.Close()
			res, err := a.Mail.Receive(cmd.Context(), in, notify.Envelope{})
			if err != nil {
				return &ExitError{Code: notify.ExitCode(err), Err: err}
			}
			fmt.Fprintln(stdout, res.Describe())
			return nil
		},
	}
	mailReceive.Flags().StringVar(&mailFile, "file", "-", "message file; - reads stdin")
	mailReceive.Flags().StringVar(&cfg.MailDomain, "mail-domain", cfg.MailDomain, "mail domain of the support addresses [PARLEY_MAIL_DOMAIN]")
	mailReceive.Flags().StringVar(&cfg.BaseDomain, "base-domain", cfg.BaseDomain, "base domain [PARLEY_BASE_DOMAIN]")
	mailCmd.AddCommand(mailReceive)

	worker := &cobra.Command{
		Use:   "worker",
		Short: "Work background jobs only (for nodes without HTTP traffic)",
		RunE: func(cmd *cobra.Command, _ []string) error {
			cfg.NoJobs, cfg.SMTPListen = false, ""
			a, err := New(cmd.Context(), cfg, Options{Log: logger()})
			if err != nil {
				return err
			}
			defer a.Close()
			if err := a.StartBackground(cmd.Context()); err != nil {
				return err
			}
			fmt.Fprintln(stdout, "parley worker running; stop with Ctrl-C")
			<-cmd.Context().Done()
			return nil
		},
	}

	migrate := &cobra.Command{
		Use:   "migrate",
		Short: "Apply database migrations and exit",
		RunE: func(cmd *cobra.Command, _ []string) error {
			a, err := New(cmd.Context(), cfg, Options{Log: logger()})
			if err != nil {
				return err
			}
			defer a.Close()
			fmt.Fprintf(stdout, "migrations applied (%s)\n", a.DB.Dialect)
			return nil
		},
	}

	version := &cobra.Command{
		Use:   "version",
		Short: "Print the version",
		Run: func(cmd *cobra.Command, _ []string) {
			v := Version
			if bi, ok := debug.ReadBuildInfo(); ok && v == "dev" {
				for _, s := range bi.Settings {
					if s.Key == "vcs.revision" {
						v = "dev-" + s.Value
					}
				}
			}
			fmt.Fprintf(stdout, "parley %s\n", v)
		},
	}

	var na NewAccount
	accountCmd := &cobra.Command{Use: "account", Short: "Manage accounts"}
	accountCreate := &cobra.Command{
		Use:   "create",
		Short: "Create an account with its owner admin and an API token",
		RunE: func(cmd *cobra.Command, _ []string) error {
			cfg.NoJobs = true
			a, err := New(cmd.Context(), cfg, Options{Log: logger()})
			if err != nil {
				return err
			}
			defer a.Close()
			l, err := a.CreateAccount(cmd.Context(), na)
			if err != nil {
				return err
			}
			fmt.Fprintf(stdout, "account %s (id %d) created\nowner:    %s\npassword: %s\napi token: %s\n",
				l.Account.Subdomain, l.Account.ID, l.Email, l.Password, l.Token)
			return nil
		},
	}
	accountCreate.Flags().StringVar(&na.Subdomain, "subdomain", "", "account subdomain (required)")
	accountCreate.Flags().StringVar(&na.Name, "name", "", "account name (required)")
	accountCreate.Flags().StringVar(&na.OwnerEmail, "owner-email", "", "owner's email (required)")
	accountCreate.Flags().StringVar(&na.OwnerPassword, "owner-password", "", "owner's password (generated when empty)")
	accountCreate.Flags().StringVar(&na.OwnerToken, "owner-token", "", "API token (generated when empty)")
	for _, f := range []string{"subdomain", "name", "owner-email"} {
		_ = accountCreate.MarkFlagRequired(f)
	}
	accountCmd.AddCommand(accountCreate)

	var tokAccount, tokEmail, tokDesc string
	var rlSub string
	var rlLimit int
	accountRate := &cobra.Command{
		Use:   "rate-limit",
		Short: "Set an account's API budget in requests per minute (0: unlimited)",
		RunE: func(cmd *cobra.Command, _ []string) error {
			if rlSub == "" {
				return errors.New("--subdomain is required")
			}
			cfg.NoJobs = true
			a, err := New(cmd.Context(), cfg, Options{Log: logger()})
			if err != nil {
				return err
			}
			defer a.Close()
			acct, err := a.Accounts.SetRateLimit(cmd.Context(), rlSub, rlLimit)
			if err != nil {
				return err
			}
			if acct.RateLimit <= 0 {
				fmt.Fprintf(stdout, "account %s: API rate limit off\n", acct.Subdomain)
			} else {
				fmt.Fprintf(stdout, "account %s: %d API requests per minute\n", acct.Subdomain, acct.RateLimit)
			}
			return nil
		},
	}
	accountRate.Flags().StringVar(&rlSub, "subdomain", "", "account subdomain (required)")
	accountRate.Flags().IntVar(&rlLimit, "limit", 0, "requests per minute; 0 turns the limit off")
	accountCmd.AddCommand(accountRate)

	tokenCmd := &cobra.Command{Use: "token", Short: "Manage API tokens"}
	tokenCreate := &cobra.Command{
		Use:   "create",
		Short: "Create an API token for an account and print it",
		RunE: func(cmd *cobra.Command, _ []string) error {
			cfg.NoJobs = true
			a, err := New(cmd.Context(), cfg, Options{Log: logger()})
			if err != nil {
				return err
			}
			defer a.Close()
			acct, err := a.Accounts.BySubdomain(cmd.Context(), tokAccount)
			if err != nil {
				return fmt.Errorf("account %q: %w", tokAccount, err)
			}
			actor, err := a.Users.SystemActor(cmd.Context(), acct.ID, tokEmail)
			if err != nil {
				return err
			}
			uid := actor.UserID
			t, err := a.Tokens.Insert(cmd.Context(), acct.ID, &uid, tokDesc, auth.NewSecret())
			if err != nil {
				return err
			}
			fmt.Fprintln(stdout, t.Token)
			return nil
		},
	}
	tokenCreate.Flags().StringVar(&tokAccount, "account", "", "account subdomain (required)")
	tokenCreate.Flags().StringVar(&tokEmail, "email", "", "email of the user creating it (required)")
	tokenCreate.Flags().StringVar(&tokDesc, "description", "Created with parley token create", "token description")
	_ = tokenCreate.MarkFlagRequired("account")
	_ = tokenCreate.MarkFlagRequired("email")
	tokenCmd.AddCommand(tokenCreate)

	root.AddCommand(serve, worker, migrate, version, accountCmd, tokenCmd, mailCmd, benchCmd(getenv, stdout, stderr, &cfg))
	return root.ExecuteContext(ctx)
}

// runServe is `parley serve`: migrate, make sure the default account
// exists, optionally load demo data, then serve until ctx ends.
func runServe(ctx context.Context, cfg config.Config, log *slog.Logger, stdout io.Writer) error {
	a, err := New(ctx, cfg, Options{Log: log})
	if err != nil {
		return err
	}
	defer a.Close()
	login, err := a.EnsureDefaultAccount(ctx)
	if err != nil {
		return err
	}
	if cfg.Demo {
		if err := a.LoadDemo(ctx, login); err != nil {
			return err
		}
	}
	ln, err := net.Listen("tcp", cfg.Addr)
	if err != nil {
		return err
	}
	if err := a.StartBackground(ctx); err != nil {
		return err
	}
	if cfg.PprofAddr != "" {
		go servePprof(ctx, cfg.PprofAddr, log)
	}
	PrintWelcome(stdout, ln.Addr().String(), cfg, login)
	log.Info("listening", slog.String("addr", ln.Addr().String()), slog.String("db", string(a.DB.Dialect)))
	err = a.Serve(ctx, ln)
	if errors.Is(err, context.Canceled) {
		return nil
	}
	return err
}

// PrintWelcome tells the operator where Parley is and how to sign in.
func PrintWelcome(w io.Writer, addr string, cfg config.Config, l Login) {
	host, port, _ := net.SplitHostPort(addr)
	if host == "" || host == "::" || host == "0.0.0.0" {
		host = "127.0.0.1"
	}
	url := "http://" + net.JoinHostPort(host, port)
	var b strings.Builder
	fmt.Fprintf(&b, "\nParley is running at %s\n", url)
	fmt.Fprintf(&b, "  account:  %s (%s)\n", l.Account.Name, l.Account.Subdomain)
	fmt.Fprintf(&b, "  sign in:  %s/agent/sign_in\n", url)
	fmt.Fprintf(&b, "  admin:    %s\n", l.Email)
	switch {
	case l.Password != "":
		fmt.Fprintf(&b, "  password: %s\n", l.Password)
	default:
		b.WriteString("  password: (shown at first start; set PARLEY_ADMIN_PASSWORD to pin one)\n")
	}
	if l.Token != "" {
		fmt.Fprintf(&b, "  token:    %s\n", l.Token)
		fmt.Fprintf(&b, "  try:      curl -u %s/token:%s %s/api/v2/users/me.json\n", l.Email, l.Token, url)
	}
	if l.Created && (cfg.AdminPassword == "" || cfg.AdminToken == "") {
		b.WriteString("  (generated credentials are shown only once: keep them)\n")
	}
	_, _ = io.WriteString(w, b.String())
}
