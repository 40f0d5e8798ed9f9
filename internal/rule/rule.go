// Package rule is the business-rule engine shared by triggers, automations,
// views and macros: conditions, actions, their validation, in-memory matching
// against a ticket (and the update being made to it) and compilation of
// conditions to SQL for views and automations.
package rule

import (
	"time"
)

// Kind names the four kinds of business rule.
type Kind string

const (
	Trigger    Kind = "trigger"
	Automation Kind = "automation"
	View       Kind = "view"
	Macro      Kind = "macro"
)

// Condition is one {"field","operator","value"}; Value keeps whatever JSON
// type the client sent (string, number, bool, array) and is echoed back as
// stored.
type Condition struct {
	Field    string `json:"field"`
	Operator string `json:"operator,omitempty"`
	Value    any    `json:"value"`
}

// Conditions always marshal as {"all":[...],"any":[...]} (never null arrays).
type Conditions struct {
	All []Condition `json:"all"`
	Any []Condition `json:"any"`
}

// Action is one {"field","value"}.
type Action struct {
	Field string `json:"field"`
	Value any    `json:"value"`
}

// Catalog is what validation and definitions need to know about the account.
// A nil map is not checked (every id is accepted); an empty one accepts none.
type Catalog struct {
	Fields   map[int64]Field   // active custom ticket fields by id
	Statuses map[int64]Status  // custom statuses by id
	Groups   map[int64]string  // group id → name (for definitions values)
	Agents   map[int64]string  // agent id → name
	Forms    map[int64]string  // ticket form id → name
	Webhooks map[string]string // webhook id → name (notification_webhook)
}

// Field is a custom ticket field as rules see it.
type Field struct {
	ID      int64
	Title   string
	Type    string
	Options []Option // tagger/multiselect
}

// Option is one choice of a dropdown or multiselect field.
type Option struct{ Name, Value string }

// Status is a custom ticket status.
type Status struct {
	ID              int64
	Category, Label string
	Active          bool
}

// Ticket is the state of a ticket that conditions read. Ids are 0 when
// unset; strings "" when unset; optional times nil.
type Ticket struct {
	ID             int64
	Status         string // new, open, pending, hold, solved, closed
	CustomStatusID int64
	Priority       string // "", low, normal, high, urgent
	Type           string // "", question, incident, problem, task
	GroupID        int64
	AssigneeID     int64
	RequesterID    int64
	SubmitterID    int64
	OrganizationID int64
	BrandID        int64
	TicketFormID   int64
	Tags           []string // lower case
	ViaID          int      // channel the ticket was created through: ViaNumber(via channel)
	Recipient      string   // the support address the ticket was received at
	IsPublic       bool
	Subject        string
	Description    string
	LocaleID       int64  // the requester's locale id: LocaleID(requester's locale)
	RequesterRole  string // end-user, agent, admin
	Satisfaction   string // satisfaction_score ("" is unoffered)
	// Fields holds custom field values as FieldValue gives them: string
	// for text, number, decimal, date and dropdown values, bool for
	// checkboxes, []string for multiselect.
	Fields               map[int64]any
	Reopens, Replies     int
	CreatedAt, UpdatedAt time.Time
	StatusUpdatedAt      time.Time // when the ticket entered its status
	AssignedAt, DueAt    *time.Time
	RequesterUpdatedAt   *time.Time
	AssigneeUpdatedAt    *time.Time
	SolvedAt             *time.Time
	SharedFrom, SharedTo []int64 // sharing agreement ids (filled by the sharing issue)
}

// Update is the write a trigger is checked against.
type Update struct {
	Create       bool
	Previous     Ticket // the ticket before the write (zero on create); changed/value_previous read it
	CurrentViaID int    // via id of this write (current_via_id)
	ActorID      int64  // who made the write ("current_user" values)
	ActorRole    string // "role" condition
	Comment      *Comment
}

// Comment is the comment an update added.
type Comment struct {
	Body     string
	Public   bool
	AuthorID int64
}
