package load

import (
	"fmt"
	"strings"
	"time"
)

// line is the progress line of a finished step.
func (s Step) line() string {
	l := fmt.Sprintf("%-18s c=%-4d %7d req %9.1f req/s  p50 %-8s p95 %-8s p99 %-8s max %-8s errors %d",
		s.Scenario, s.Concurrency, s.Requests, s.Throughput, ms(s.P50), ms(s.P95), ms(s.P99), ms(s.Max), s.Errors)
	if s.RateLimited > 0 {
		l += fmt.Sprintf(" (%d × 429)", s.RateLimited)
	}
	if s.MetricsSamples > 0 {
		l += fmt.Sprintf("  rss %s→%s  cpu %.2f cores", mib(s.ServerRSSStart), mib(s.ServerRSSMax), s.ServerCPU)
	} else {
		l += "  (no /metrics)"
	}
	for _, e := range s.ErrorSamples {
		l += "\n    error: " + e
	}
	return l
}

// ms prints a latency in milliseconds with a precision that suits it.
func ms(d time.Duration) string {
	f := float64(d) / float64(time.Millisecond)
	switch {
	case f >= 100:
		return fmt.Sprintf("%.0fms", f)
	case f >= 10:
		return fmt.Sprintf("%.1fms", f)
	default:
		return fmt.Sprintf("%.2fms", f)
	}
}

func mib(b int64) string { return fmt.Sprintf("%.0fMiB", float64(b)/(1<<20)) }

// Markdown renders the report as a section for docs/benchmarks.md.
func (r Report) Markdown() string {
	var b strings.Builder
	fmt.Fprintf(&b, "Run of %s against %s", r.Started.Format("2006-01-02 15:04 UTC"), r.Target)
	if r.Host != "" {
		fmt.Fprintf(&b, " (Host: %s)", r.Host)
	}
	fmt.Fprintf(&b, "; each step %s after a %s warm-up; closed-loop workers (concurrency = requests in flight).\n\n", r.Duration, r.Warmup)
	fmt.Fprintf(&b, "Setup: ticket fields %d (dropdown) and %d (text); %d active bench triggers (1 matching every created ticket, %d never matching); view %d; %d tickets for updates.\n\n",
		r.Setup.ProductFieldID, r.Setup.OrderFieldID, r.Setup.Triggers, max(r.Setup.Triggers-1, 0), r.Setup.ViewID, r.Setup.Tickets)
	b.WriteString("| scenario | concurrency | requests | req/s | p50 | p95 | p99 | max | errors | server RSS start → max | server CPU (cores) |\n")
	b.WriteString("|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|\n")
	for _, s := range r.Steps {
		errCell := fmt.Sprint(s.Errors)
		if s.RateLimited > 0 {
			errCell += fmt.Sprintf(" (%d × 429)", s.RateLimited)
		}
		rss, cpu := "n/a", "n/a"
		if s.MetricsSamples > 0 {
			rss, cpu = mib(s.ServerRSSStart)+" → "+mib(s.ServerRSSMax), fmt.Sprintf("%.2f", s.ServerCPU)
		}
		fmt.Fprintf(&b, "| %s | %d | %d | %.1f | %s | %s | %s | %s | %s | %s | %s |\n",
			s.Scenario, s.Concurrency, s.Requests, s.Throughput, ms(s.P50), ms(s.P95), ms(s.P99), ms(s.Max), errCell, rss, cpu)
	}
	b.WriteString("\nErrors count every non-2xx answer and transport failure, 429 included. The server's API rate limit must be raised for benchmarks " +
		"(`--rate-limit` / `PARLEY_RATE_LIMIT` when the account is created); otherwise 429s cap the numbers. " +
		"Server RSS and CPU come from its `/metrics` (`process_resident_memory_bytes`, `process_cpu_seconds_total`), scraped every 250 ms.\n")
	for _, n := range r.Notes {
		fmt.Fprintf(&b, "\nNote: %s.\n", strings.TrimSuffix(n, "."))
	}
	var samples []string
	for _, s := range r.Steps {
		for _, e := range s.ErrorSamples {
			samples = append(samples, fmt.Sprintf("- %s c=%d: `%s`", s.Scenario, s.Concurrency, strings.ReplaceAll(e, "`", "'")))
		}
	}
	if len(samples) > 0 {
		b.WriteString("\nError samples:\n\n" + strings.Join(samples, "\n") + "\n")
	}
	return b.String()
}
