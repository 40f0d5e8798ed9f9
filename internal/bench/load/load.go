// Package load is `parley bench`: a load generator that drives a running
// Parley through its public Zendesk-shaped API from a separate process, the
// way an integration would, and reports throughput, latency percentiles,
// errors and the server's memory and CPU (scraped from its /metrics).
//
// It talks to the server over HTTP only: no room is imported, so what it
// measures is what a client sees.
package load

import (
	"context"
	"errors"
	"fmt"
	"io"
	"math"
	"net/http"
	"slices"
	"strings"
	"sync"
	"time"
)

// Scenario names.
const (
	TicketCreate      = "ticket-create"
	TicketUpdate      = "ticket-update"
	ViewExecute       = "view-execute"
	Search            = "search"
	UserCreate        = "user-create"
	IncrementalExport = "incremental-export"
)

// Scenarios lists every scenario in the order a default run uses.
func Scenarios() []string {
	return []string{TicketCreate, TicketUpdate, ViewExecute, Search, UserCreate, IncrementalExport}
}

// DefaultConcurrency is the ladder of a default run.
var defaultConcurrency = []int{1, 8, 32, 128}

// DefaultConcurrency returns the concurrency ladder of a default run.
func DefaultConcurrency() []int { return slices.Clone(defaultConcurrency) }

// Config says what to drive and for how long.
type Config struct {
	// BaseURL is the server's root, e.g. http://127.0.0.1:8080.
	BaseURL string
	// Host is the Host header that selects the account; empty reaches the
	// server's default account.
	Host string
	// Email and Token are an admin's API token credentials (setup creates
	// fields, triggers and a view; the export is admin-only).
	Email, Token string
	// Scenarios to run, in order (default all six).
	Scenarios []string
	// Concurrency is the ladder of worker counts per scenario (default 1, 8, 32, 128).
	Concurrency []int
	// Duration is the measured time of each scenario×concurrency step (default 10s).
	Duration time.Duration
	// Warmup runs before each step's measurement and is not recorded (0 means the default 1s).
	Warmup time.Duration
	// Timeout bounds one request (default 30s).
	Timeout time.Duration
	// View names an existing view (by title) for view-execute, e.g. "All
	// unsolved tickets" on a seeded account; empty uses the bench's own.
	View string
}

func (c Config) withDefaults() (Config, error) {
	if c.BaseURL == "" {
		return c, errors.New("bench: the server URL is required")
	}
	c.BaseURL = strings.TrimRight(c.BaseURL, "/")
	if !strings.HasPrefix(c.BaseURL, "http://") && !strings.HasPrefix(c.BaseURL, "https://") {
		return c, fmt.Errorf("bench: the server URL %q must start with http:// or https://", c.BaseURL)
	}
	c.BaseURL = strings.TrimSuffix(c.BaseURL, "/api/v2")
	if c.Email == "" || c.Token == "" {
		return c, errors.New("bench: an admin's email and API token are required")
	}
	if len(c.Scenarios) == 0 {
		c.Scenarios = Scenarios()
	}
	for _, s := range c.Scenarios {
		if !slices.Contains(Scenarios(), s) {
			return c, fmt.Errorf("bench: unknown scenario %q (known: %s)", s, strings.Join(Scenarios(), ", "))
		}
	}
	if len(c.Concurrency) == 0 {
		c.Concurrency = DefaultConcurrency()
	}
	for _, n := range c.Concurrency {
		if n < 1 {
			return c, fmt.Errorf("bench: concurrency %d must be at least 1", n)
		}
	}
	if c.Duration <= 0 {
		c.Duration = 10 * time.Second
	}
	if c.Warmup < 0 {
		return c, errors.New("bench: warm-up cannot be negative")
	}
	if c.Warmup == 0 {
		c.Warmup = time.Second
	}
	if c.Timeout <= 0 {
		c.Timeout = 30 * time.Second
	}
	return c, nil
}

// Report is the outcome of a run.
type Report struct {
	Target      string        `json:"target"`
	Host        string        `json:"host,omitempty"`
	Started     time.Time     `json:"started"`
	Duration    time.Duration `json:"step_duration_ns"`
	Warmup      time.Duration `json:"warmup_ns"`
	Setup       Setup         `json:"setup"`
	Steps       []Step        `json:"steps"`
	RateLimited bool          `json:"rate_limited"` // some step saw 429s
	Notes       []string      `json:"notes,omitempty"`
}

// Setup is what the run prepared (or found from an earlier run) on the account.
type Setup struct {
	ProductFieldID int64 `json:"product_field_id"`
	OrderFieldID   int64 `json:"order_field_id"`
	MatchTriggerID int64 `json:"match_trigger_id"`
	// Triggers counts the active bench triggers (1 matching + 50 not).
	Triggers int   `json:"triggers"`
	ViewID   int64 `json:"view_id"`
	// Tickets is how many updatable tickets ticket-update picks from.
	Tickets int `json:"tickets"`
	// AccountRateLimit is the account's API budget (requests/minute, 0 = none).
	AccountRateLimit int `json:"account_rate_limit"`
}

// Step is one scenario at one concurrency. Requests counts every request
// begun in the measured window (errors included); latencies are JSON
// nanoseconds.
type Step struct {
	Scenario    string  `json:"scenario"`
	Concurrency int     `json:"concurrency"`
	Requests    int     `json:"requests"`
	Errors      int     `json:"errors"`
	RateLimited int     `json:"rate_limited"` // 429s, also counted in Errors
	Throughput  float64 `json:"throughput"`   // completed requests per second

	P50 time.Duration `json:"p50_ns"`
	P95 time.Duration `json:"p95_ns"`
	P99 time.Duration `json:"p99_ns"`
	Max time.Duration `json:"max_ns"`

	ServerRSSStart int64 `json:"server_rss_start_bytes"`
	ServerRSSMax   int64 `json:"server_rss_max_bytes"`
	// ServerCPU is cores used on average: Δprocess_cpu_seconds_total / wall.
	ServerCPU float64 `json:"server_cpu_cores"`
	// MetricsSamples counts successful /metrics scrapes (0: no server numbers).
	MetricsSamples int      `json:"metrics_samples"`
	ErrorSamples   []string `json:"error_samples,omitempty"`
}

// RateLimitHint is printed and noted when the server answers 429.
const RateLimitHint = "the server answered 429 Too Many Requests: the account's API rate limit throttles the benchmark. " +
	"Raise it for benchmarks (start the server with --rate-limit / PARLEY_RATE_LIMIT set high, e.g. 100000000, before the account is created)"

// Run prepares the account (idempotently) and runs every scenario at every
// concurrency, writing a progress line to progress after each step.
func Run(ctx context.Context, c Config, progress io.Writer) (Report, error) {
	c, err := c.withDefaults()
	if err != nil {
		return Report{}, err
	}
	if progress == nil {
		progress = io.Discard
	}
	maxC := slices.Max(c.Concurrency)
	cl := newClient(c, maxC)
	defer cl.close()

	rep := Report{Target: c.BaseURL, Host: c.Host, Started: time.Now().UTC(), Duration: c.Duration, Warmup: c.Warmup}
	fmt.Fprintf(progress, "bench: preparing %s\n", c.BaseURL)
	env, err := setup(ctx, cl, c.Scenarios, c.View)
	if err != nil {
		return rep, err
	}
	rep.Setup = env.info
	fmt.Fprintf(progress, "bench: setup ready: 2 fields, %d active bench triggers, view %d, %d tickets to update\n",
		env.info.Triggers, env.info.ViewID, env.info.Tickets)
	if n := env.info.AccountRateLimit; n > 0 && n < 1_000_000 {
		note := fmt.Sprintf("the account's rate limit is %d requests/minute; expect 429s above ~%d requests/s", n, n/60)
		rep.Notes = append(rep.Notes, note)
		fmt.Fprintf(progress, "bench: warning: %s\n", note)
	}

	for _, name := range c.Scenarios {
		for _, n := range c.Concurrency {
			if err := ctx.Err(); err != nil {
				return rep, err
			}
			st := runStep(ctx, cl, env, c, name, n)
			rep.Steps = append(rep.Steps, st)
			fmt.Fprintln(progress, st.line())
			if st.RateLimited > 0 {
				rep.RateLimited = true
				fmt.Fprintf(progress, "bench: hint: %s\n", RateLimitHint)
			}
		}
	}
	if rep.RateLimited {
		rep.Notes = append(rep.Notes, RateLimitHint)
	}
	return rep, nil
}

// maxSamples bounds the error samples kept per step.
const maxSamples = 5

// tally is one worker's record of a step (merged at the end, so workers
// never contend on a lock per request).
type tally struct {
	lat         []time.Duration
	errors      int
	rateLimited int
	samples     []string
}

func (t *tally) add(d time.Duration, err error) {
	t.lat = append(t.lat, d)
	if err == nil {
		return
	}
	t.errors++
	var he *httpError
	if errors.As(err, &he) && he.status == http.StatusTooManyRequests {
		t.rateLimited++
	}
	if len(t.samples) < maxSamples {
		t.samples = append(t.samples, err.Error())
	}
}

// runStep runs one scenario with n closed-loop workers: Warmup unrecorded,
// then Duration recorded, while /metrics is sampled. Requests begun in the
// window are recorded when they finish; throughput divides them by the
// time from the window's start until the last one finished.
func runStep(ctx context.Context, cl *client, env *env, c Config, name string, n int) Step {
	st := Step{Scenario: name, Concurrency: n}
	begin := time.Now()
	measureFrom := begin.Add(c.Warmup)
	stopAt := measureFrom.Add(c.Duration)
	mon := startMonitor(ctx, cl, measureFrom)

	tallies := make([]tally, n)
	var wg sync.WaitGroup
	for i := range n {
		wg.Add(1)
		go func(t *tally, seed uint64) {
			defer wg.Done()
			w := newWorker(cl, env, seed)
			op := scenarioFunc(name)
			for ctx.Err() == nil {
				start := time.Now()
				// Each worker records at least one request, so a step slower
				// than its window still measures something (it runs longer).
				if !start.Before(stopAt) && len(t.lat) > 0 {
					return
				}
				err := op(ctx, w)
				if ctx.Err() != nil {
					return // cancelled mid-request: not the server's fault
				}
				if !start.Before(measureFrom) {
					t.add(time.Since(start), err)
				}
			}
		}(&tallies[i], uint64(i)+1)
	}
	wg.Wait()
	wall := time.Since(measureFrom)
	res := mon.stop(ctx)

	var lat []time.Duration
	for _, t := range tallies {
		lat = append(lat, t.lat...)
		st.Errors += t.errors
		st.RateLimited += t.rateLimited
		for _, s := range t.samples {
			if len(st.ErrorSamples) < maxSamples {
				st.ErrorSamples = append(st.ErrorSamples, s)
			}
		}
	}
	st.Requests = len(lat)
	if wall > 0 {
		st.Throughput = float64(st.Requests) / wall.Seconds()
	}
	st.P50, st.P95, st.P99, st.Max = percentiles(lat)

	st.ServerRSSStart, st.ServerRSSMax, st.ServerCPU, st.MetricsSamples = res.rssStart, res.rssMax, res.cpu, res.samples
	return st
}

// percentiles uses the nearest-rank method over the sorted latencies.
func percentiles(lat []time.Duration) (p50, p95, p99, mx time.Duration) {
	if len(lat) == 0 {
		return 0, 0, 0, 0
	}
	slices.Sort(lat)
	rank := func(q float64) time.Duration {
		i := int(math.Ceil(q*float64(len(lat)))) - 1
		return lat[min(max(i, 0), len(lat)-1)]
	}
	return rank(0.50), rank(0.95), rank(0.99), lat[len(lat)-1]
}
