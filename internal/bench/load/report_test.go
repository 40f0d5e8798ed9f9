package load

import (
	"errors"
	"strings"
	"testing"
	"time"
)

func TestPercentiles(t *testing.T) {
	ms := time.Millisecond
	var lat []time.Duration
	for i := 100; i >= 1; i-- { // unsorted on purpose
		lat = append(lat, time.Duration(i)*ms)
	}
	p50, p95, p99, mx := percentiles(lat)
	if p50 != 50*ms || p95 != 95*ms || p99 != 99*ms || mx != 100*ms {
		t.Errorf("1..100ms: p50 %v p95 %v p99 %v max %v", p50, p95, p99, mx)
	}
	p50, p95, p99, mx = percentiles([]time.Duration{3 * ms})
	if p50 != 3*ms || p95 != 3*ms || p99 != 3*ms || mx != 3*ms {
		t.Errorf("one latency: %v %v %v %v", p50, p95, p99, mx)
	}
	// Nearest rank: of 10 values p95 and p99 are the largest, p50 the fifth.
	lat = []time.Duration{1, 2, 3, 4, 5, 6, 7, 8, 9, 10}
	if p50, p95, p99, _ = percentiles(lat); p50 != 5 || p95 != 10 || p99 != 10 {
		t.Errorf("1..10: %v %v %v", p50, p95, p99)
	}
	if p50, _, _, mx = percentiles(nil); p50 != 0 || mx != 0 {
		t.Errorf("none: %v %v", p50, mx)
	}
}

func TestParseProcess(t *testing.T) {
	text := `# HELP go_goroutines Number of goroutines.
# TYPE go_goroutines gauge
go_goroutines 42
# HELP process_cpu_seconds_total Total user and system CPU time spent in seconds.
# TYPE process_cpu_seconds_total counter
process_cpu_seconds_total 12.34
process_resident_memory_bytes 5.1234816e+07
process_resident_memory_bytes_other 1
parley_http_requests_total{method="GET",route="/metrics",status="200"} 3
`
	rss, cpu, ok := parseProcess([]byte(text))
	if !ok || rss != 51234816 || cpu != 12.34 {
		t.Errorf("got rss %d cpu %v ok %v", rss, cpu, ok)
	}
	if _, _, ok := parseProcess([]byte("go_goroutines 1\nprocess_cpu_seconds_total 1\n")); ok {
		t.Error("no RSS line must not be ok")
	}
	if _, _, ok := parseProcess([]byte("process_resident_memory_bytes abc\nprocess_cpu_seconds_total 1\n")); ok {
		t.Error("an unparsable value must not be ok")
	}
}

func TestTally(t *testing.T) {
	var tl tally
	tl.add(time.Millisecond, nil)
	for range 7 {
		tl.add(time.Millisecond, &httpError{method: "POST", path: "/api/v2/users.json", status: 429, body: "Too Many Requests"})
	}
	tl.add(time.Millisecond, errors.New("POST /api/v2/users.json: connection refused"))
	if len(tl.lat) != 9 || tl.errors != 8 || tl.rateLimited != 7 || len(tl.samples) != maxSamples {
		t.Fatalf("%+v", tl)
	}
	if tl.samples[0] != "POST /api/v2/users.json: 429 Too Many Requests" {
		t.Errorf("sample %q", tl.samples[0])
	}
}

func TestBodyPrefix(t *testing.T) {
	if got := bodyPrefix([]byte("{\"error\":\n  \"RecordInvalid\"}")); got != `{"error": "RecordInvalid"}` {
		t.Errorf("got %q", got)
	}
	long := strings.Repeat("é", 300)
	got := bodyPrefix([]byte(long))
	if !strings.HasSuffix(got, "…") || len(got) > 210 || strings.ContainsRune(got, '\uFFFD') {
		t.Errorf("long body: %d bytes %q", len(got), got)
	}
}

func TestMarkdown(t *testing.T) {
	r := Report{Target: "http://127.0.0.1:8080", Started: time.Date(2026, 11, 22, 10, 0, 0, 0, time.UTC),
		Duration: 10 * time.Second, Warmup: time.Second,
		Setup: Setup{ProductFieldID: 3, OrderFieldID: 4, Triggers: 51, ViewID: 9, Tickets: 200},
		Steps: []Step{
			{Scenario: TicketCreate, Concurrency: 8, Requests: 1000, Throughput: 99.5, P50: 1500 * time.Microsecond,
				P95: 12 * time.Millisecond, P99: 150 * time.Millisecond, Max: 300 * time.Millisecond,
				ServerRSSStart: 50 << 20, ServerRSSMax: 80 << 20, ServerCPU: 1.25, MetricsSamples: 40},
			{Scenario: Search, Concurrency: 1, Requests: 10, Errors: 4, RateLimited: 4, Throughput: 1,
				ErrorSamples: []string{"GET /api/v2/search.json: 429 Too Many `Requests`"}},
		},
		RateLimited: true, Notes: []string{RateLimitHint}}
	md := r.Markdown()
	for _, want := range []string{
		"| ticket-create | 8 | 1000 | 99.5 | 1.50ms | 12.0ms | 150ms | 300ms | 0 | 50MiB → 80MiB | 1.25 |",
		"| search | 1 | 10 | 1.0 | 0.00ms | 0.00ms | 0.00ms | 0.00ms | 4 (4 × 429) | n/a | n/a |",
		"51 active bench triggers (1 matching every created ticket, 50 never matching)",
		"Note: the server answered 429",
		"- search c=1: `GET /api/v2/search.json: 429 Too Many 'Requests'`",
	} {
		if !strings.Contains(md, want) {
			t.Errorf("markdown lacks %q:\n%s", want, md)
		}
	}
	if l := r.Steps[1].line(); !strings.Contains(l, "errors 4 (4 × 429)") || !strings.Contains(l, "(no /metrics)") ||
		!strings.Contains(l, "\n    error: GET /api/v2/search.json: 429") {
		t.Errorf("progress line: %s", l)
	}
}
