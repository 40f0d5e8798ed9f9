// Package macro owns macros: named sets of ticket changes an agent applies
// by hand (or through macro_ids on a ticket update), who may use them,
// their categories and usage counts, and the side-effect-free preview of
// what a macro would do to a ticket.
package macro

import (
	"context"
	"encoding/json"
	"time"

	"parley/internal/platform/opt"
	"parley/internal/rule"
	"parley/internal/rule/restrict"
	"parley/internal/ticket"
)

// Kind is the rule_restrictions kind of macros.
const Kind = "macro"

// Macro is one macro.
type Macro struct {
	AccountID   int64
	ID          int64
	Title       string
	Description *string
	Active      bool
	Position    int
	Actions     []rule.Action
	Restriction restrict.Restriction
	CreatedAt   time.Time
	UpdatedAt   time.Time
}

// Usage counts a macro's applications over the trailing windows.
type Usage struct {
	H1, H24, D7, D30 int64
}

// Input is a macro create or partial update as the API sends it.
type Input struct {
	Title       opt.Opt[string]          `json:"title"`
	Description opt.Opt[string]          `json:"description"`
	Active      opt.Opt[bool]            `json:"active"`
	Position    opt.Opt[int]             `json:"position"`
	Restriction opt.Opt[json.RawMessage] `json:"restriction"`
	Actions     opt.Opt[[]rule.Action]   `json:"actions"`
}

// Tickets is what macros need from the ticket room (ticket.Service):
// the ticket a preview is applied to (agent context).
type Tickets interface {
	Get(ctx context.Context, id int64) (ticket.Ticket, error)
}

// Catalogs gives the account facts that rule validation needs (custom
// fields, statuses, groups, agents, forms).
type Catalogs interface {
	Catalog(ctx context.Context, accountID int64) (rule.Catalog, error)
}

// Reposition is one entry of update_many: a macro's position and active
// flag.
type Reposition struct {
	ID       opt.ID        `json:"id"`
	Position opt.Opt[int]  `json:"position"`
	Active   opt.Opt[bool] `json:"active"`
}
