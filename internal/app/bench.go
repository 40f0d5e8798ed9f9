package app

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/pprof"
	"strconv"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"parley/internal/bench/load"
	"parley/internal/bench/seed"
	"parley/internal/config"
	"parley/internal/platform/db"
)

// benchCmd is `parley bench`: a load generator that drives a running
// Parley through its public API from this separate process.
func benchCmd(getenv func(string) string, stdout, stderr io.Writer, cfg *config.Config) *cobra.Command {
	var c load.Config
	var scen, conc string
	var asJSON bool
	cmd := &cobra.Command{
		Use:   "bench",
		Short: "Load-test a running Parley over its API (ticket create/update, views, search, users, exports)",
		Long: "Drives a running Parley through its public API and reports throughput, p50/p95/p99 latency, errors,\n" +
			"and the server's RSS and CPU (from its /metrics). Raise the account's rate limit first:\n" +
			"  parley account rate-limit --subdomain demo --limit 0",
		RunE: func(cmd *cobra.Command, _ []string) error {
			if c.Email == "" {
				c.Email = getenv("PARLEY_ADMIN_EMAIL")
			}
			if c.Token == "" {
				c.Token = getenv("PARLEY_ADMIN_TOKEN")
			}
			if c.Email == "" || c.Token == "" {
				return errors.New("bench: --email and --token (an admin's API token) are required")
			}
			if scen != "" {
				c.Scenarios = splitList(scen)
			}
			if conc != "" {
				for _, s := range splitList(conc) {
					n, err := strconv.Atoi(s)
					if err != nil {
						return fmt.Errorf("bench: concurrency %q is not a number", s)
					}
					c.Concurrency = append(c.Concurrency, n)
				}
			}
			rep, err := load.Run(cmd.Context(), c, stderr)
			if err != nil {
				return err
			}
			if asJSON {
				b, err := json.MarshalIndent(rep, "", "  ")
				if err != nil {
					return err
				}
				_, err = fmt.Fprintln(stdout, string(b))
				return err
			}
			_, err = fmt.Fprintln(stdout, rep.Markdown())
			return err
		},
	}
	f := cmd.Flags()
	f.StringVar(&c.BaseURL, "url", "http://127.0.0.1:8080", "Parley's base URL")
	f.StringVar(&c.Host, "host", "", "Host header naming the account (empty: the default account)")
	f.StringVar(&c.Email, "email", "", "admin email [PARLEY_ADMIN_EMAIL]")
	f.StringVar(&c.Token, "token", "", "admin API token [PARLEY_ADMIN_TOKEN]")
	f.StringVar(&scen, "scenarios", "", "comma-separated: "+strings.Join(load.Scenarios(), ","))
	f.StringVar(&conc, "concurrency", "1,8,32,128", "comma-separated concurrency levels")
	f.DurationVar(&c.Duration, "duration", 10*time.Second, "measured time per scenario and level")
	f.DurationVar(&c.Warmup, "warmup", time.Second, "unmeasured warm-up per step")
	f.DurationVar(&c.Timeout, "timeout", 30*time.Second, "per-request timeout")
	f.StringVar(&c.View, "view", "", "execute this existing view (by title) in view-execute, e.g. \"All unsolved tickets\"")
	f.BoolVar(&asJSON, "json", false, "print the report as JSON instead of Markdown")
	cmd.AddCommand(seedCmd(stdout, stderr, cfg))
	return cmd
}

// seedCmd is `parley bench seed`: realistic tickets, people and comments
// loaded straight through the batch import path (operator action).
func seedCmd(stdout, stderr io.Writer, cfg *config.Config) *cobra.Command {
	var o seed.Options
	var sub string
	cmd := &cobra.Command{
		Use:   "seed",
		Short: "Load realistic tickets (with comments, people, tags and fields) into an account, fast",
		RunE: func(cmd *cobra.Command, _ []string) error {
			c := *cfg
			c.NoJobs, c.SMTPListen = true, ""
			a, err := New(cmd.Context(), c, Options{Log: slog.New(slog.NewTextHandler(stderr, &slog.HandlerOptions{Level: slog.LevelWarn}))})
			if err != nil {
				return err
			}
			defer a.Close()
			login, err := a.EnsureDefaultAccount(cmd.Context())
			if err != nil {
				return err
			}
			acct := login.Account
			if sub != "" {
				if acct, err = a.Accounts.BySubdomain(cmd.Context(), sub); err != nil {
					return fmt.Errorf("bench seed: account %q: %w", sub, err)
				}
			}
			o.Progress = stderr
			res, err := seed.Run(cmd.Context(), seed.NewDeps(a.Tickets, a.Users, a.DB), acct.ID, o)
			if err != nil {
				return err
			}
			// Fresh planner statistics: without them PostgreSQL chose a scan
			// over the full-text indexes (search took 226 ms instead of 15 ms
			// on 3,000 tickets). VACUUM sets the visibility map as autovacuum
			// would in time, so counts read only the index: "All unsolved
			// tickets" at 100,000 tickets, 49 ms (heap) against 5.7 ms.
			stats := "VACUUM ANALYZE"
			if a.DB.Dialect == db.SQLite {
				stats = "PRAGMA optimize"
			}
			if _, err := a.DB.Writer().ExecContext(cmd.Context(), stats); err != nil {
				return fmt.Errorf("bench seed: %s: %w", stats, err)
			}
			fmt.Fprintf(stdout, "seeded %s: %d tickets, %d comments, %d users in %s (%.0f tickets/s)\n", acct.Subdomain,
				res.Tickets, res.Comments, res.Users, res.Duration.Round(time.Millisecond), res.TicketsPerSecond)
			return nil
		},
	}
	f := cmd.Flags()
	f.IntVar(&o.Tickets, "tickets", 10000, "tickets to add")
	f.IntVar(&o.BatchSize, "batch", 1000, "tickets per import batch")
	f.Int64Var(&o.Seed, "seed", 1, "random seed (the same seed gives the same data)")
	f.StringVar(&sub, "account", "", "account subdomain (default: the default account)")
	return cmd
}

func splitList(s string) []string {
	var out []string
	for _, p := range strings.Split(s, ",") {
		if p = strings.TrimSpace(p); p != "" {
			out = append(out, p)
		}
	}
	return out
}

// servePprof serves Go's profiles on their own listener until ctx ends,
// so `parley bench` runs can be profiled (go tool pprof
// http://ADDR/debug/pprof/profile?seconds=20).
func servePprof(ctx context.Context, addr string, log *slog.Logger) {
	mux := http.NewServeMux()
	mux.HandleFunc("/debug/pprof/", pprof.Index)
	mux.HandleFunc("/debug/pprof/cmdline", pprof.Cmdline)
	mux.HandleFunc("/debug/pprof/profile", pprof.Profile)
	mux.HandleFunc("/debug/pprof/symbol", pprof.Symbol)
	mux.HandleFunc("/debug/pprof/trace", pprof.Trace)
	srv := &http.Server{Addr: addr, Handler: mux, ReadHeaderTimeout: 10 * time.Second}
	go func() {
		<-ctx.Done()
		_ = srv.Close()
	}()
	log.Info("pprof listening", slog.String("addr", addr))
	if err := srv.ListenAndServe(); err != nil && !errors.Is(err, http.ErrServerClosed) {
		log.Error("pprof listener", slog.String("error", err.Error()))
	}
}
