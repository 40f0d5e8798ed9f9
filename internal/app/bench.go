package app

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"strconv"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"parley/internal/bench/load"
	"parley/internal/config"
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
	f.BoolVar(&asJSON, "json", false, "print the report as JSON instead of Markdown")
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
