package load

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"sync"
	"sync/atomic"
	"time"
)

// Names of what setup creates; a re-run finds them by title and reuses them.
const (
	ProductFieldTitle = "Bench product"
	OrderFieldTitle   = "Bench order"
	// TriggerPrefix starts the title of every bench trigger.
	TriggerPrefix    = "Bench: "
	MatchTriggerName = TriggerPrefix + "tag created bench tickets"
	ViewTitle        = "Bench: open bench tickets"
	// SeenTag is what the matching trigger adds to every ticket created with the tag "bench".
	SeenTag = "bench_seen"
	// NoMatchTriggers is how many active triggers never match.
	NoMatchTriggers = 50
)

// minTickets is how many updatable tickets ticket-update wants; maxPool
// bounds how many existing ones are listed on a seeded account.
const (
	minTickets = 200
	maxPool    = 2000
)

var productOptions = []string{"bench_product_phone", "bench_product_laptop", "bench_product_router", "bench_product_printer"}

func noMatchTitle(i int) string { return fmt.Sprintf("%snever matches %02d", TriggerPrefix, i) }

// env is what scenarios need from setup.
type env struct {
	info    Setup
	tickets []int64 // updatable ticket ids
	runID   string  // makes user emails unique across runs
	users   atomic.Int64
	started time.Time
	view    string // an existing view to execute instead of the bench's own
}

// setup prepares the account through the API. Everything is found by title
// first, so a second run creates nothing new.
func setup(ctx context.Context, cl *client, scenarios []string, view string) (*env, error) {
	b := make([]byte, 4)
	_, _ = rand.Read(b)
	e := &env{runID: hex.EncodeToString(b), started: time.Now(), view: view}

	var acct struct {
		Account struct {
			RateLimit int `json:"rate_limit"`
		} `json:"account"`
	}
	if err := cl.do(ctx, http.MethodGet, "/api/v2/account.json", nil, &acct); err != nil {
		return nil, setupErr("check the credentials", err)
	}
	e.info.AccountRateLimit = acct.Account.RateLimit

	if err := ensureFields(ctx, cl, e); err != nil {
		return nil, setupErr("ticket fields", err)
	}
	if err := ensureTriggers(ctx, cl, e); err != nil {
		return nil, setupErr("triggers", err)
	}
	if err := ensureView(ctx, cl, e); err != nil {
		return nil, setupErr("view", err)
	}
	if slices.Contains(scenarios, TicketUpdate) {
		if err := ensureTickets(ctx, cl, e); err != nil {
			return nil, setupErr("tickets", err)
		}
	}
	return e, nil
}

func setupErr(what string, err error) error {
	var he *httpError
	if errors.As(err, &he) && he.status == http.StatusTooManyRequests {
		return fmt.Errorf("bench setup (%s): %w\nhint: %s", what, err, RateLimitHint)
	}
	return fmt.Errorf("bench setup (%s): %w", what, err)
}

type field struct {
	ID      int64  `json:"id"`
	Title   string `json:"title"`
	Type    string `json:"type"`
	Active  bool   `json:"active"`
	Options []struct {
		Value string `json:"value"`
	} `json:"custom_field_options"`
}

func ensureFields(ctx context.Context, cl *client, e *env) error {
	var list struct {
		Fields []field `json:"ticket_fields"`
	}
	if err := cl.do(ctx, http.MethodGet, "/api/v2/ticket_fields.json", nil, &list); err != nil {
		return err
	}
	find := func(title, typ string) (field, bool) {
		for _, f := range list.Fields {
			if f.Title == title && f.Type == typ {
				return f, true
			}
		}
		return field{}, false
	}
	type opt struct {
		Name  string `json:"name"`
		Value string `json:"value"`
	}
	product, ok := find(ProductFieldTitle, "tagger")
	if !ok {
		opts := make([]opt, len(productOptions))
		for i, v := range productOptions {
			opts[i] = opt{Name: "Product " + strconv.Itoa(i+1), Value: v}
		}
		var out struct {
			Field field `json:"ticket_field"`
		}
		err := cl.do(ctx, http.MethodPost, "/api/v2/ticket_fields.json", map[string]any{"ticket_field": map[string]any{
			"type": "tagger", "title": ProductFieldTitle, "custom_field_options": opts}}, &out)
		if err != nil {
			return err
		}
		product = out.Field
	} else {
		// An earlier run's field may have lost options: the ticket-create
		// bodies need every one, so put the full list back.
		have := map[string]bool{}
		for _, o := range product.Options {
			have[o.Value] = true
		}
		missing := false
		for _, v := range productOptions {
			missing = missing || !have[v]
		}
		if missing || !product.Active {
			opts := make([]opt, len(productOptions))
			for i, v := range productOptions {
				opts[i] = opt{Name: "Product " + strconv.Itoa(i+1), Value: v}
			}
			err := cl.do(ctx, http.MethodPut, fmt.Sprintf("/api/v2/ticket_fields/%d.json", product.ID),
				map[string]any{"ticket_field": map[string]any{"active": true, "custom_field_options": opts}}, nil)
			if err != nil {
				return err
			}
		}
	}
	order, ok := find(OrderFieldTitle, "text")
	if !ok {
		var out struct {
			Field field `json:"ticket_field"`
		}
		err := cl.do(ctx, http.MethodPost, "/api/v2/ticket_fields.json", map[string]any{"ticket_field": map[string]any{
			"type": "text", "title": OrderFieldTitle}}, &out)
		if err != nil {
			return err
		}
		order = out.Field
	} else if !order.Active {
		err := cl.do(ctx, http.MethodPut, fmt.Sprintf("/api/v2/ticket_fields/%d.json", order.ID),
			map[string]any{"ticket_field": map[string]any{"active": true}}, nil)
		if err != nil {
			return err
		}
	}
	e.info.ProductFieldID, e.info.OrderFieldID = product.ID, order.ID
	return nil
}

type rec struct {
	ID     int64  `json:"id"`
	Title  string `json:"title"`
	Active bool   `json:"active"`
}

// listAll walks offset pages of a rule list (triggers, views).
func listAll(ctx context.Context, cl *client, path, key string) ([]rec, error) {
	var all []rec
	for page := 1; page <= 1000; page++ {
		var out map[string]json.RawMessage
		if err := cl.do(ctx, http.MethodGet, fmt.Sprintf("%s?page=%d&per_page=100", path, page), nil, &out); err != nil {
			return nil, err
		}
		var items []rec
		if err := json.Unmarshal(out[key], &items); err != nil {
			return nil, fmt.Errorf("GET %s: no %q list: %w", path, key, err)
		}
		all = append(all, items...)
		if next := string(out["next_page"]); next == "" || next == "null" || len(items) == 0 {
			break
		}
	}
	return all, nil
}

type condition struct {
	Field    string `json:"field"`
	Operator string `json:"operator"`
	Value    any    `json:"value"`
}

type action struct {
	Field string `json:"field"`
	Value any    `json:"value"`
}

func ensureTriggers(ctx context.Context, cl *client, e *env) error {
	have, err := listAll(ctx, cl, "/api/v2/triggers.json", "triggers")
	if err != nil {
		return err
	}
	byTitle := map[string]rec{}
	for _, r := range have {
		if _, dup := byTitle[r.Title]; !dup {
			byTitle[r.Title] = r
		}
	}
	type want struct {
		title string
		all   []condition
		acts  []action
	}
	wants := []want{{MatchTriggerName,
		[]condition{{"update_type", "is", "Create"}, {"current_tags", "includes", "bench"}},
		[]action{{"current_tags", SeenTag}}}}
	for i := 1; i <= NoMatchTriggers; i++ {
		wants = append(wants, want{noMatchTitle(i),
			[]condition{{"current_tags", "includes", fmt.Sprintf("nomatch_%d", i)}},
			[]action{{"priority", "high"}}})
	}
	e.info.Triggers = 0
	for _, w := range wants {
		r, ok := byTitle[w.title]
		switch {
		case !ok:
			var out struct {
				Trigger rec `json:"trigger"`
			}
			err := cl.do(ctx, http.MethodPost, "/api/v2/triggers.json", map[string]any{"trigger": map[string]any{
				"title": w.title, "active": true, "conditions": map[string]any{"all": w.all, "any": []condition{}},
				"actions": w.acts}}, &out)
			if err != nil {
				return err
			}
			r = out.Trigger
		case !r.Active:
			err := cl.do(ctx, http.MethodPut, fmt.Sprintf("/api/v2/triggers/%d.json", r.ID),
				map[string]any{"trigger": map[string]any{"active": true}}, nil)
			if err != nil {
				return err
			}
		}
		if w.title == MatchTriggerName {
			e.info.MatchTriggerID = r.ID
		}
		e.info.Triggers++
	}
	return nil
}

func ensureView(ctx context.Context, cl *client, e *env) error {
	have, err := listAll(ctx, cl, "/api/v2/views.json", "views")
	if err != nil {
		return err
	}
	if e.view != "" {
		for _, r := range have {
			if r.Title == e.view {
				e.info.ViewID = r.ID
				return nil
			}
		}
		return fmt.Errorf("no view titled %q", e.view)
	}
	for _, r := range have {
		if r.Title != ViewTitle {
			continue
		}
		if !r.Active {
			err := cl.do(ctx, http.MethodPut, fmt.Sprintf("/api/v2/views/%d.json", r.ID),
				map[string]any{"view": map[string]any{"active": true}}, nil)
			if err != nil {
				return err
			}
		}
		e.info.ViewID = r.ID
		return nil
	}
	var out struct {
		View rec `json:"view"`
	}
	err = cl.do(ctx, http.MethodPost, "/api/v2/views.json", map[string]any{"view": map[string]any{
		"title": ViewTitle, "all": []condition{{"status", "less_than", "solved"}, {"current_tags", "includes", "bench"}}}}, &out)
	if err != nil {
		return err
	}
	e.info.ViewID = out.View.ID
	return nil
}

// ensureTickets collects updatable tickets (any status but closed) and
// creates bench tickets until there are enough.
func ensureTickets(ctx context.Context, cl *client, e *env) error {
	q := url.Values{"page[size]": {"100"}}
	for len(e.tickets) < maxPool {
		var out struct {
			Tickets []struct {
				ID     int64  `json:"id"`
				Status string `json:"status"`
			} `json:"tickets"`
			Meta struct {
				HasMore     bool   `json:"has_more"`
				AfterCursor string `json:"after_cursor"`
			} `json:"meta"`
		}
		if err := cl.do(ctx, http.MethodGet, "/api/v2/tickets.json?"+q.Encode(), nil, &out); err != nil {
			return err
		}
		for _, t := range out.Tickets {
			if t.Status != "closed" && t.Status != "deleted" {
				e.tickets = append(e.tickets, t.ID)
			}
		}
		if !out.Meta.HasMore || out.Meta.AfterCursor == "" {
			break
		}
		q.Set("page[after]", out.Meta.AfterCursor)
	}
	if len(e.tickets) > maxPool {
		e.tickets = e.tickets[:maxPool]
	}
	need := minTickets - len(e.tickets)
	if need > 0 {
		ids, err := createTickets(ctx, cl, e, need)
		e.tickets = append(e.tickets, ids...)
		if err != nil {
			return err
		}
	}
	e.info.Tickets = len(e.tickets)
	return nil
}

// createTickets makes n bench tickets with a few parallel requests.
func createTickets(ctx context.Context, cl *client, e *env, n int) ([]int64, error) {
	const par = 8
	var (
		mu       sync.Mutex
		ids      []int64
		firstErr error
		next     atomic.Int64
		wg       sync.WaitGroup
	)
	for i := range par {
		wg.Add(1)
		go func() {
			defer wg.Done()
			w := newWorker(cl, e, uint64(1000+i))
			for next.Add(1) <= int64(n) {
				var out struct {
					Ticket struct {
						ID int64 `json:"id"`
					} `json:"ticket"`
				}
				err := cl.do(ctx, http.MethodPost, "/api/v2/tickets.json", w.ticketBody(), &out)
				mu.Lock()
				if err != nil && firstErr == nil {
					firstErr = err
				}
				if err == nil {
					ids = append(ids, out.Ticket.ID)
				}
				stop := firstErr != nil
				mu.Unlock()
				if stop {
					return
				}
			}
		}()
	}
	wg.Wait()
	slices.Sort(ids)
	return ids, firstErr
}
