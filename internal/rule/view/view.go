// Package view owns views: saved ticket lists defined by rule conditions,
// with their columns, grouping and sorting, who may use them, the counts
// and the executed rows, and the default views every account starts with.
package view

import (
	"context"
	"encoding/json"
	"time"

	"parley/internal/platform/httpx"
	"parley/internal/platform/opt"
	"parley/internal/rule"
	"parley/internal/rule/restrict"
)

// Kind is the rule_restrictions kind of views.
const Kind = "view"

// View is one saved ticket list.
type View struct {
	AccountID   int64
	ID          int64
	Title       string
	Description string
	Active      bool
	Position    int
	Default     bool
	// DefaultKey names a default view, so bootstrapping is idempotent.
	DefaultKey  string
	Conditions  rule.Conditions
	Output      Output
	Restriction restrict.Restriction
	CreatedAt   time.Time
	UpdatedAt   time.Time
}

// Output is how a view shows its tickets. Column ids are Zendesk's column
// names or custom field ids written in decimal.
type Output struct {
	Columns    []string `json:"columns"`
	GroupBy    string   `json:"group_by"`
	GroupOrder string   `json:"group_order"`
	SortBy     string   `json:"sort_by"`
	SortOrder  string   `json:"sort_order"`
}

// Input is a view create or partial update as the API sends it. Conditions
// come as conditions:{all,any} or as top-level all/any.
type Input struct {
	Title       opt.Opt[string]           `json:"title"`
	Description opt.Opt[string]           `json:"description"`
	Active      opt.Opt[bool]             `json:"active"`
	Position    opt.Opt[int]              `json:"position"`
	Restriction opt.Opt[json.RawMessage]  `json:"restriction"`
	All         opt.Opt[[]rule.Condition] `json:"all"`
	Any         opt.Opt[[]rule.Condition] `json:"any"`
	Conditions  opt.Opt[ConditionsIn]     `json:"conditions"`
	Output      opt.Opt[OutputIn]         `json:"output"`
}

// ConditionsIn is the conditions object of an input.
type ConditionsIn struct {
	All opt.Opt[[]rule.Condition] `json:"all"`
	Any opt.Opt[[]rule.Condition] `json:"any"`
}

// OutputIn is the output object of an input. Columns are ids (strings or
// custom field numbers) or {"id":..} objects.
type OutputIn struct {
	Columns    opt.Opt[[]json.RawMessage] `json:"columns"`
	GroupBy    opt.Opt[string]            `json:"group_by"`
	GroupOrder opt.Opt[string]            `json:"group_order"`
	SortBy     opt.Opt[string]            `json:"sort_by"`
	SortOrder  opt.Opt[string]            `json:"sort_order"`
}

// Catalogs gives the account facts that rule validation needs (custom
// fields, statuses, groups, agents, forms).
type Catalogs interface {
	Catalog(ctx context.Context, accountID int64) (rule.Catalog, error)
}

// Sideloads renders the users, groups and organizations that executed
// rows name (user.Service has these methods).
type Sideloads interface {
	UsersJSON(ctx context.Context, accountID int64, ids []int64) ([]httpx.M, error)
	GroupsJSON(ctx context.Context, accountID int64, ids []int64) ([]httpx.M, error)
	OrganizationsJSON(ctx context.Context, accountID int64, ids []int64) ([]httpx.M, error)
}
