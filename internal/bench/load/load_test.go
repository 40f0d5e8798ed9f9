package load_test

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"net/url"
	"slices"
	"strings"
	"testing"
	"time"

	"parley/internal/app/apptest"
	"parley/internal/bench/load"
)

// TestRun drives a real server with every scenario at concurrency 1 and 4
// and checks that the report is sane, that the setup's matching trigger
// fired on every created ticket and that setup is idempotent. Only
// functional facts are asserted, never speed.
func TestRun(t *testing.T) {
	apptest.Each(t, func(t *testing.T, s *apptest.Server) {
		ctx := context.Background()
		cfg := load.Config{BaseURL: s.URL, Host: s.Default.Host, Email: s.Default.Email, Token: s.Default.Token,
			Concurrency: []int{1, 4}, Duration: 300 * time.Millisecond, Warmup: 50 * time.Millisecond, Timeout: 20 * time.Second}
		var progress bytes.Buffer
		rep, err := load.Run(ctx, cfg, &progress)
		if err != nil {
			t.Fatalf("run: %v\n%s", err, progress.String())
		}
		t.Logf("progress:\n%s", progress.String())

		if got, want := len(rep.Steps), len(load.Scenarios())*2; got != want {
			t.Fatalf("%d steps, want %d", got, want)
		}
		for i, st := range rep.Steps {
			if want := load.Scenarios()[i/2]; st.Scenario != want {
				t.Errorf("step %d is %s, want %s", i, st.Scenario, want)
			}
			if want := []int{1, 4}[i%2]; st.Concurrency != want {
				t.Errorf("step %d has concurrency %d, want %d", i, st.Concurrency, want)
			}
			name := fmt.Sprintf("%s c=%d", st.Scenario, st.Concurrency)
			if st.Requests <= 0 || st.Throughput <= 0 {
				t.Errorf("%s: %d requests, %.1f req/s", name, st.Requests, st.Throughput)
			}
			if st.Errors != 0 || st.RateLimited != 0 {
				t.Errorf("%s: %d errors (%d × 429): %v", name, st.Errors, st.RateLimited, st.ErrorSamples)
			}
			if !(0 < st.P50 && st.P50 <= st.P95 && st.P95 <= st.P99 && st.P99 <= st.Max) {
				t.Errorf("%s: percentiles out of order: p50 %v p95 %v p99 %v max %v", name, st.P50, st.P95, st.P99, st.Max)
			}
			if st.MetricsSamples < 2 || st.ServerRSSStart <= 0 || st.ServerRSSMax < st.ServerRSSStart {
				t.Errorf("%s: %d metrics samples, rss %d → %d", name, st.MetricsSamples, st.ServerRSSStart, st.ServerRSSMax)
			}
			if st.ServerCPU < 0 {
				t.Errorf("%s: cpu %f", name, st.ServerCPU)
			}
		}
		if !strings.Contains(progress.String(), "view-execute       c=4") {
			t.Errorf("no progress line per step:\n%s", progress.String())
		}
		if rep.Setup.Triggers != 51 || rep.Setup.MatchTriggerID == 0 || rep.Setup.ViewID == 0 ||
			rep.Setup.ProductFieldID == 0 || rep.Setup.OrderFieldID == 0 || rep.Setup.Tickets < 200 {
			t.Errorf("setup: %+v", rep.Setup)
		}

		// The report renders as Markdown and JSON.
		md := rep.Markdown()
		for _, want := range []string{"| scenario | concurrency |", "| ticket-create | 1 |", "| incremental-export | 4 |", "rate limit"} {
			if !strings.Contains(md, want) {
				t.Errorf("markdown lacks %q:\n%s", want, md)
			}
		}
		j, err := json.Marshal(rep)
		if err != nil {
			t.Fatal(err)
		}
		var back load.Report
		if err := json.Unmarshal(j, &back); err != nil || len(back.Steps) != len(rep.Steps) || back.Steps[0].P99 != rep.Steps[0].P99 {
			t.Errorf("JSON round trip: %v\n%s", err, j)
		}

		// Every ticket the bench created carries the tag "bench": the
		// matching trigger tagged each one, and no never-matching trigger
		// raised its priority.
		created := benchTickets(t, s)
		if len(created) < 200 {
			t.Fatalf("only %d bench tickets", len(created))
		}
		for _, tk := range created {
			if !slices.Contains(tk.Tags, load.SeenTag) || tk.Priority == "high" {
				t.Fatalf("ticket %d: tags %v priority %q: the matching trigger did not fire (or a wrong one did)", tk.ID, tk.Tags, tk.Priority)
			}
		}
		var fields []string
		for _, f := range list(t, s, "/api/v2/ticket_fields.json", "ticket_fields") {
			fields = append(fields, f["title"].(string))
		}

		// The read scenarios have data to read: the view and the export
		// return bench tickets, and a search shaped like the bench's finds some.
		for _, c := range []struct{ path, key string }{
			{fmt.Sprintf("/api/v2/views/%d/execute.json?per_page=30", rep.Setup.ViewID), "rows"},
			{"/api/v2/incremental/tickets/cursor.json?start_time=0&per_page=100", "tickets"},
			{"/api/v2/search.json?query=" + url.QueryEscape("printer status<solved type:ticket"), "results"},
		} {
			if n := len(list(t, s, c.path, c.key)); n == 0 {
				t.Errorf("GET %s: no %s", c.path, c.key)
			}
		}

		// A second run reuses everything by title, and repairs what was
		// changed meanwhile: a deactivated trigger is active again and a
		// deleted one is back.
		var deact, del float64
		for _, tr := range list(t, s, "/api/v2/triggers.json?per_page=100", "triggers") {
			switch tr["title"] {
			case load.TriggerPrefix + "never matches 07":
				deact = tr["id"].(float64)
			case load.TriggerPrefix + "never matches 08":
				del = tr["id"].(float64)
			}
		}
		if r := s.Do(t, apptest.Request{Method: "PUT", Path: fmt.Sprintf("/api/v2/triggers/%.0f.json", deact), Host: s.Default.Host,
			Auth: s.Default.TokenAuth(), Body: map[string]any{"trigger": map[string]any{"active": false}}}); r.Status != 200 {
			t.Fatalf("deactivate: %d %s", r.Status, r.Body)
		}
		if r := s.Do(t, apptest.Request{Method: "DELETE", Path: fmt.Sprintf("/api/v2/triggers/%.0f.json", del), Host: s.Default.Host,
			Auth: s.Default.TokenAuth()}); r.Status != 204 {
			t.Fatalf("delete: %d %s", r.Status, r.Body)
		}
		cfg.Scenarios, cfg.Concurrency, cfg.Duration = []string{load.TicketCreate, load.ViewExecute}, []int{2}, 100*time.Millisecond
		rep2, err := load.Run(ctx, cfg, nil)
		if err != nil {
			t.Fatalf("second run: %v", err)
		}
		if rep2.Setup.MatchTriggerID != rep.Setup.MatchTriggerID || rep2.Setup.ViewID != rep.Setup.ViewID ||
			rep2.Setup.ProductFieldID != rep.Setup.ProductFieldID || rep2.Setup.OrderFieldID != rep.Setup.OrderFieldID {
			t.Errorf("second setup %+v differs from the first %+v", rep2.Setup, rep.Setup)
		}
		n := 0
		for _, tr := range list(t, s, "/api/v2/triggers.json?per_page=100", "triggers") {
			if strings.HasPrefix(tr["title"].(string), load.TriggerPrefix) {
				n++
				if tr["active"] != true {
					t.Errorf("trigger %v is inactive", tr["title"])
				}
			}
		}
		if n != 51 {
			t.Errorf("%d bench triggers after two runs, want 51", n)
		}
		views := 0
		for _, v := range list(t, s, "/api/v2/views.json", "views") {
			if v["title"] == load.ViewTitle {
				views++
			}
		}
		var fields2 []string
		for _, f := range list(t, s, "/api/v2/ticket_fields.json", "ticket_fields") {
			fields2 = append(fields2, f["title"].(string))
		}
		if views != 1 || !slices.Equal(fields, fields2) || !slices.Contains(fields, load.ProductFieldTitle) || !slices.Contains(fields, load.OrderFieldTitle) {
			t.Errorf("after two runs: %d bench views, fields %v then %v", views, fields, fields2)
		}
		if st := rep2.Steps[0]; st.Requests == 0 || st.Errors != 0 {
			t.Errorf("second run: %+v", st)
		}
	}, apptest.WithRateLimit(1_000_000))
}

// TestRateLimited checks that a throttled server is reported clearly: the
// run stops at setup with the hint instead of printing meaningless numbers.
func TestRateLimited(t *testing.T) {
	apptest.Each(t, func(t *testing.T, s *apptest.Server) {
		cfg := load.Config{BaseURL: s.URL, Host: s.Default.Host, Email: s.Default.Email, Token: s.Default.Token,
			Scenarios: []string{load.UserCreate}, Concurrency: []int{1}, Duration: 100 * time.Millisecond, Warmup: 10 * time.Millisecond}
		_, err := load.Run(context.Background(), cfg, nil)
		if err == nil || !strings.Contains(err.Error(), "429") || !strings.Contains(err.Error(), "rate limit") {
			t.Fatalf("want a 429 error with the rate limit hint, got %v", err)
		}
	}, apptest.WithRateLimit(3))
}

// TestRateLimitedStep runs with a budget that setup (58 requests) fits in
// and the step does not: the 429s are counted as errors, shown apart, and
// the run carries the hint.
func TestRateLimitedStep(t *testing.T) {
	apptest.Each(t, func(t *testing.T, s *apptest.Server) {
		cfg := load.Config{BaseURL: s.URL, Host: s.Default.Host, Email: s.Default.Email, Token: s.Default.Token,
			Scenarios: []string{load.UserCreate}, Concurrency: []int{4}, Duration: time.Second, Warmup: 10 * time.Millisecond}
		var progress bytes.Buffer
		rep, err := load.Run(context.Background(), cfg, &progress)
		if err != nil {
			t.Fatalf("run: %v", err)
		}
		st := rep.Steps[0]
		if st.RateLimited == 0 || st.Errors < st.RateLimited || !rep.RateLimited || len(st.ErrorSamples) == 0 ||
			!strings.Contains(st.ErrorSamples[0], "429") {
			t.Fatalf("step %+v", st)
		}
		if !strings.Contains(progress.String(), "hint: the server answered 429") || !strings.Contains(progress.String(), "rate limit is 80 requests/minute") {
			t.Errorf("progress lacks the hints:\n%s", progress.String())
		}
		if md := rep.Markdown(); !strings.Contains(md, "× 429)") || !strings.Contains(md, "Note: the server answered 429") {
			t.Errorf("markdown hides the 429s:\n%s", md)
		}
	}, apptest.WithRateLimit(80))
}

func TestConfigErrors(t *testing.T) {
	ctx := context.Background()
	for _, c := range []struct {
		cfg  load.Config
		want string
	}{
		{load.Config{Email: "a@b.c", Token: "x"}, "URL is required"},
		{load.Config{BaseURL: "localhost:8080", Email: "a@b.c", Token: "x"}, "must start with http"},
		{load.Config{BaseURL: "http://127.0.0.1:1"}, "email and API token"},
		{load.Config{BaseURL: "http://127.0.0.1:1", Email: "a@b.c", Token: "x", Scenarios: []string{"ticket-delete"}}, `unknown scenario "ticket-delete"`},
		{load.Config{BaseURL: "http://127.0.0.1:1", Email: "a@b.c", Token: "x", Concurrency: []int{4, 0}}, "concurrency 0"},
	} {
		_, err := load.Run(ctx, c.cfg, nil)
		if err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%+v: got %v, want %q", c.cfg, err, c.want)
		}
	}
}

type benchTicket struct {
	ID       int64    `json:"id"`
	Tags     []string `json:"tags"`
	Priority string   `json:"priority"`
}

// benchTickets lists every ticket tagged "bench".
func benchTickets(t *testing.T, s *apptest.Server) []benchTicket {
	t.Helper()
	var out []benchTicket
	path := "/api/v2/tickets.json?page[size]=100"
	for {
		r := s.Do(t, apptest.Request{Path: path, Host: s.Default.Host, Auth: s.Default.TokenAuth()})
		if r.Status != 200 {
			t.Fatalf("list tickets: %d %s", r.Status, r.Body)
		}
		var page struct {
			Tickets []struct {
				benchTicket
				Priority *string `json:"priority"`
			} `json:"tickets"`
			Meta struct {
				HasMore     bool   `json:"has_more"`
				AfterCursor string `json:"after_cursor"`
			} `json:"meta"`
		}
		if err := json.Unmarshal(r.Body, &page); err != nil {
			t.Fatal(err)
		}
		for _, x := range page.Tickets {
			if x.Priority != nil {
				x.benchTicket.Priority = *x.Priority
			}
			if slices.Contains(x.Tags, "bench") {
				out = append(out, x.benchTicket)
			}
		}
		if !page.Meta.HasMore {
			return out
		}
		path = "/api/v2/tickets.json?page[size]=100&page[after]=" + url.QueryEscape(page.Meta.AfterCursor)
	}
}

// list GETs a list and returns its items under key (one page; enough here).
func list(t *testing.T, s *apptest.Server, path, key string) []map[string]any {
	t.Helper()
	r := s.Do(t, apptest.Request{Path: path, Host: s.Default.Host, Auth: s.Default.TokenAuth()})
	if r.Status != 200 {
		t.Fatalf("GET %s: %d %s", path, r.Status, r.Body)
	}
	var items []map[string]any
	for _, x := range r.JSON(t)[key].([]any) {
		items = append(items, x.(map[string]any))
	}
	return items
}
