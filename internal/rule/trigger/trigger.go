// Package trigger owns triggers, trigger categories and automations: their
// storage and Zendesk API, the firing loop that runs active triggers inside
// every ticket write, and the hourly job that runs automations. The
// condition/action engine itself lives in parley/internal/rule.
package trigger

import (
	"context"
	"encoding/json"
	"time"

	"github.com/riverqueue/river"

	"parley/internal/auth"
	"parley/internal/platform/opt"
	"parley/internal/rule"
	"parley/internal/ticket"
)

// Rule is a trigger or an automation: both have the same shape and live in
// one table, told apart by Kind.
type Rule struct {
	ID          int64
	AccountID   int64
	Kind        rule.Kind
	Title       string
	RawTitle    string
	Description string
	Active      bool
	Position    int
	Default     bool
	// CategoryID is the trigger's category (0 for automations).
	CategoryID int64
	Conditions rule.Conditions
	Actions    []rule.Action
	// Revision counts saves; parsed rules are cached by (id, revision).
	Revision  int
	CreatedAt time.Time
	UpdatedAt time.Time
}

// Category groups triggers; categories run in position order.
type Category struct {
	ID        int64
	AccountID int64
	Name      string
	Position  int
	CreatedAt time.Time
	UpdatedAt time.Time
}

// Revision is a snapshot of a rule taken at every save.
type Revision struct {
	ID        int64
	RuleID    int64
	AuthorID  int64
	Snapshot  json.RawMessage
	CreatedAt time.Time
}

// Input is a create or partial update of a trigger or automation, as the
// API sends it. Top-level all/any are accepted in place of conditions.
type Input struct {
	Title       opt.Opt[string]           `json:"title"`
	RawTitle    opt.Opt[string]           `json:"raw_title"`
	Description opt.Opt[string]           `json:"description"`
	Active      opt.Opt[bool]             `json:"active"`
	Position    opt.Opt[int]              `json:"position"`
	CategoryID  opt.Opt[opt.ID]           `json:"category_id"`
	Conditions  opt.Opt[conditionsIn]     `json:"conditions"`
	All         opt.Opt[[]rule.Condition] `json:"all"`
	Any         opt.Opt[[]rule.Condition] `json:"any"`
	Actions     opt.Opt[[]rule.Action]    `json:"actions"`
}

// conditionsIn accepts {"all":..,"any":..} with either key missing or null.
type conditionsIn struct {
	All []rule.Condition `json:"all"`
	Any []rule.Condition `json:"any"`
}

// ManyItem is one entry of update_many: only position, active and
// category_id may change.
type ManyItem struct {
	ID         opt.ID          `json:"id"`
	Position   opt.Opt[int]    `json:"position"`
	Active     opt.Opt[bool]   `json:"active"`
	CategoryID opt.Opt[opt.ID] `json:"category_id"`
}

// CategoryInput creates or changes a category.
type CategoryInput struct {
	Name     opt.Opt[string] `json:"name"`
	Position opt.Opt[int]    `json:"position"`
}

// Filter narrows rule lists and searches.
type Filter struct {
	Active     *bool
	CategoryID int64
	// Query is a title substring (search).
	Query string
}

// People answers what triggers need to know about a ticket's requester.
// The lead implements it over the user room.
type People interface {
	// UserFacts returns a user's role ("end-user", "agent", "admin") and
	// locale id (0 when unknown).
	UserFacts(ctx context.Context, accountID, userID int64) (role string, localeID int64, err error)
}

// Notifier sends a rule's email notification: it renders the placeholders
// and queues the mail inside the write's transaction, returning who it went
// to. The notify room implements it.
type Notifier interface {
	Notify(ctx context.Context, w *ticket.Write, n rule.Notification, src ticket.RuleRef) (recipients []int64, err error)
}

// Webhooks calls a webhook from a rule (queued in the write's transaction).
type Webhooks interface {
	Call(ctx context.Context, w *ticket.Write, c rule.WebhookCall, src ticket.RuleRef) error
}

// Sharer shares a ticket through a sharing agreement (the share_ticket
// action). Optional: without one the action is ignored.
type Sharer interface {
	Share(ctx context.Context, w *ticket.Write, agreementID int64, src ticket.RuleRef) error
}

// CatalogSource describes the account (fields, statuses, groups, agents,
// forms, webhooks) for validation and /definitions. Optional.
type CatalogSource interface {
	Catalog(ctx context.Context, accountID int64) (rule.Catalog, error)
}

// Tickets is what automations need from the ticket room
// (*ticket.Service implements it).
type Tickets interface {
	// Load returns a live ticket, closed ones included, without an actor.
	Load(ctx context.Context, accountID, id int64) (ticket.Ticket, error)
	// WithWrite opens an update of ticket id as actor a over via, lets fn
	// Apply and Record on it, saves, and runs the hooks (triggers).
	WithWrite(ctx context.Context, a auth.Actor, id int64, via ticket.Via,
		fn func(ctx context.Context, w *ticket.Write) error) (ticket.Ticket, ticket.Audit, error)
}

// Enqueuer inserts jobs (parley/internal/platform/jobs.Queue).
type Enqueuer interface {
	Enqueue(ctx context.Context, args river.JobArgs, opts *river.InsertOpts) error
}
