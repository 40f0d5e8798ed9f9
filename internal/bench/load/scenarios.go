package load

import (
	"context"
	"fmt"
	"math/rand/v2"
	"net/http"
	"net/url"
	"strings"
	"time"
)

// vocabulary feeds subjects and comments, and search picks its words from
// it, so searches find the tickets the benchmark made.
var vocabulary = []string{
	"printer", "invoice", "password", "refund", "shipping", "delivery", "laptop", "router", "billing", "account",
	"login", "error", "screen", "battery", "warranty", "upgrade", "cancel", "order", "payment", "license",
	"network", "email", "backup", "install", "update", "broken", "slow", "missing", "charge", "replacement",
}

// extraTags are the second tag of created tickets; search sometimes filters on one.
var extraTags = []string{"vip", "billing", "returns", "hardware", "onboarding"}

// worker is one closed-loop client: its own random source and the state a
// scenario keeps between requests (the export cursor).
type worker struct {
	cl  *client
	env *env
	rng *rand.Rand

	cursor string // incremental export: the cursor to follow, "" to start over
	pages  int    // pages read since the last start
}

func newWorker(cl *client, e *env, seed uint64) *worker {
	return &worker{cl: cl, env: e, rng: rand.New(rand.NewPCG(seed, uint64(time.Now().UnixNano())))}
}

func (w *worker) pick(xs []string) string { return xs[w.rng.IntN(len(xs))] }

func (w *worker) words(n int) string {
	ws := make([]string, n)
	for i := range ws {
		ws[i] = w.pick(vocabulary)
	}
	return strings.Join(ws, " ")
}

type op func(ctx context.Context, w *worker) error

func scenarioFunc(name string) op {
	switch name {
	case TicketCreate:
		return ticketCreate
	case TicketUpdate:
		return ticketUpdate
	case ViewExecute:
		return viewExecute
	case Search:
		return search
	case UserCreate:
		return userCreate
	case IncrementalExport:
		return incrementalExport
	}
	panic("load: unknown scenario " + name) // Config validation refuses unknown names first
}

// ticketBody is a create with a comment, two tags and both custom fields;
// the tag "bench" makes the one matching trigger fire.
func (w *worker) ticketBody() map[string]any {
	subject := w.words(3 + w.rng.IntN(4))
	return map[string]any{"ticket": map[string]any{
		"subject": strings.ToUpper(subject[:1]) + subject[1:],
		"comment": map[string]any{"body": "Hello, " + w.words(20+w.rng.IntN(20)) + "."},
		"tags":    []string{"bench", w.pick(extraTags)},
		"custom_fields": []map[string]any{
			{"id": w.env.info.ProductFieldID, "value": w.pick(productOptions)},
			{"id": w.env.info.OrderFieldID, "value": fmt.Sprintf("ORD-%06d", w.rng.IntN(1_000_000))},
		},
	}}
}

func ticketCreate(ctx context.Context, w *worker) error {
	return w.cl.do(ctx, http.MethodPost, "/api/v2/tickets.json", w.ticketBody(), nil)
}

func ticketUpdate(ctx context.Context, w *worker) error {
	if len(w.env.tickets) == 0 {
		return fmt.Errorf("ticket-update: no tickets to update")
	}
	id := w.env.tickets[w.rng.IntN(len(w.env.tickets))]
	status := "open"
	if w.rng.IntN(2) == 0 {
		status = "pending"
	}
	body := map[string]any{"ticket": map[string]any{
		"status":  status,
		"comment": map[string]any{"body": "Update: " + w.words(10+w.rng.IntN(20)) + ".", "public": w.rng.IntN(3) > 0},
	}}
	return w.cl.do(ctx, http.MethodPut, fmt.Sprintf("/api/v2/tickets/%d.json", id), body, nil)
}

func viewExecute(ctx context.Context, w *worker) error {
	return w.cl.do(ctx, http.MethodGet, fmt.Sprintf("/api/v2/views/%d/execute.json?per_page=30", w.env.info.ViewID), nil, nil)
}

// search is a word plus filters, a tag filter one time in three.
func search(ctx context.Context, w *worker) error {
	q := w.pick(vocabulary) + " status<solved type:ticket"
	if w.rng.IntN(3) == 0 {
		q += " tags:" + w.pick(extraTags)
	}
	return w.cl.do(ctx, http.MethodGet, "/api/v2/search.json?query="+url.QueryEscape(q), nil, nil)
}

func userCreate(ctx context.Context, w *worker) error {
	n := w.env.users.Add(1)
	body := map[string]any{"user": map[string]any{
		"name":  fmt.Sprintf("Bench User %s %d", w.env.runID, n),
		"email": fmt.Sprintf("bench-%s-%d@bench.example", w.env.runID, n),
	}}
	return w.cl.do(ctx, http.MethodPost, "/api/v2/users.json", body, nil)
}

// exportPages is how many pages a worker follows before starting over, the
// way a sync job catches up and then polls again.
const (
	exportPages   = 3
	exportPerPage = 100
)

func incrementalExport(ctx context.Context, w *worker) error {
	q := url.Values{"per_page": {fmt.Sprint(exportPerPage)}}
	if w.cursor != "" {
		q.Set("cursor", w.cursor)
	} else {
		// Half the starts read from the beginning, half from some time in
		// the last 30 days (a seeded account spreads its tickets back).
		start := int64(0)
		if w.rng.IntN(2) == 0 {
			start = w.env.started.Add(-time.Duration(w.rng.Int64N(int64(30 * 24 * time.Hour)))).Unix()
		}
		q.Set("start_time", fmt.Sprint(start))
		w.pages = 0
	}
	var out struct {
		AfterCursor string `json:"after_cursor"`
		EndOfStream bool   `json:"end_of_stream"`
	}
	err := w.cl.do(ctx, http.MethodGet, "/api/v2/incremental/tickets/cursor.json?"+q.Encode(), nil, &out)
	w.pages++
	if err != nil || out.EndOfStream || out.AfterCursor == "" || w.pages >= exportPages {
		w.cursor = ""
		return err
	}
	w.cursor = out.AfterCursor
	return nil
}
