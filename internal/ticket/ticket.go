// Package ticket owns tickets: their fields, comments, audits and events,
// tags, CCs and followers, custom statuses and ticket fields. Ticket ids are
// numbered per account from 1, as in Zendesk.
package ticket

import (
	"context"
	"encoding/json"
	"time"

	"parley/internal/auth"
	"parley/internal/platform/opt"
)

// Statuses in their Zendesk order; comparisons in rules and search use it.
var Statuses = []string{"new", "open", "pending", "hold", "solved", "closed"}

// Priorities in order.
var Priorities = []string{"low", "normal", "high", "urgent"}

// Types are the ticket types.
var Types = []string{"question", "incident", "problem", "task"}

func oneOf(list []string, v string) bool {
	for _, x := range list {
		if x == v {
			return true
		}
	}
	return false
}

// Via says how a change arrived: the channel name and its source.
type Via struct {
	Channel string          `json:"channel"`
	Source  json.RawMessage `json:"source"`
}

// APIVia is the via of API writes.
func APIVia() Via {
	return Via{Channel: "api", Source: json.RawMessage(`{"from":{},"to":{},"rel":null}`)}
}

// Ticket is one ticket.
type Ticket struct {
	AccountID        int64
	ID               int64
	ExternalID       *string
	Via              Via
	Type             *string
	Subject          string
	RawSubject       string
	Description      string
	Priority         *string
	Status           string
	CustomStatusID   int64
	Recipient        *string
	RequesterID      int64
	SubmitterID      int64
	AssigneeID       *int64
	OrganizationID   *int64
	GroupID          *int64
	ForumTopicID     *int64
	ProblemID        *int64
	IsPublic         bool
	DueAt            *time.Time
	BrandID          *int64
	TicketFormID     *int64
	FollowupSourceID *int64
	Satisfaction     string
	Tags             []string
	// Fields holds custom field values by field id.
	Fields map[int64]any
	// ActiveFieldIDs lists the account's active custom fields, which the
	// API prints on every ticket (null when unset), as Zendesk does.
	ActiveFieldIDs  []int64
	CollaboratorIDs []int64
	FollowerIDs     []int64
	EmailCCIDs      []int64
	HasIncidents    bool
	FollowupIDs     []int64
	Rating          *Rating
	CreatedAt       time.Time
	UpdatedAt       time.Time
	SolvedAt        *time.Time
	DeletedAt       *time.Time
	// Rule facts, kept on every write so automations and views select
	// through indexes: when the ticket entered its status, was assigned,
	// was last updated by its requester and its assignee; how often it was
	// reopened and publicly replied to by agents.
	StatusUpdatedAt     time.Time
	AssignedAt          *time.Time
	InitiallyAssignedAt *time.Time
	RequesterUpdatedAt  *time.Time
	AssigneeUpdatedAt   *time.Time
	Reopens, Replies    int
	// SharedFromID is the sharing agreement this ticket was received
	// through; SharedToID the one it is shared out through (seed 003: a
	// ticket is shared with one account, and a received ticket may be
	// shared on). The sharing room keeps them (Write.SetSharing).
	SharedFromID, SharedToID *int64
}

// SharingAgreementIDs lists the agreements the ticket is shared through.
func (t Ticket) SharingAgreementIDs() []int64 {
	ids := []int64{}
	for _, p := range []*int64{t.SharedFromID, t.SharedToID} {
		if p != nil {
			ids = append(ids, *p)
		}
	}
	return ids
}

// Input is a ticket create or partial update, as the API sends it.
type Input struct {
	ID                  opt.Opt[int64]          `json:"id"`
	ExternalID          opt.Opt[string]         `json:"external_id"`
	Type                opt.Opt[string]         `json:"type"`
	Subject             opt.Opt[string]         `json:"subject"`
	RawSubject          opt.Opt[string]         `json:"raw_subject"`
	Description         opt.Opt[string]         `json:"description"`
	Priority            opt.Opt[string]         `json:"priority"`
	Status              opt.Opt[string]         `json:"status"`
	CustomStatusID      opt.Opt[int64]          `json:"custom_status_id"`
	Recipient           opt.Opt[string]         `json:"recipient"`
	RequesterID         opt.Opt[int64]          `json:"requester_id"`
	Requester           opt.Opt[RequesterInput] `json:"requester"`
	SubmitterID         opt.Opt[int64]          `json:"submitter_id"`
	AssigneeID          opt.Opt[int64]          `json:"assignee_id"`
	AssigneeEmail       opt.Opt[string]         `json:"assignee_email"`
	OrganizationID      opt.Opt[int64]          `json:"organization_id"`
	GroupID             opt.Opt[int64]          `json:"group_id"`
	ProblemID           opt.Opt[int64]          `json:"problem_id"`
	DueAt               opt.Opt[string]         `json:"due_at"`
	BrandID             opt.Opt[int64]          `json:"brand_id"`
	TicketFormID        opt.Opt[int64]          `json:"ticket_form_id"`
	Tags                opt.Opt[[]string]       `json:"tags"`
	AdditionalTags      opt.Opt[[]string]       `json:"additional_tags"`
	RemoveTags          opt.Opt[[]string]       `json:"remove_tags"`
	CustomFields        opt.Opt[[]FieldValueIn] `json:"custom_fields"`
	Fields              opt.Opt[[]FieldValueIn] `json:"fields"`
	Comment             opt.Opt[CommentInput]   `json:"comment"`
	Collaborators       opt.Opt[[]UserRef]      `json:"collaborators"`
	CollaboratorIDs     opt.Opt[[]int64]        `json:"collaborator_ids"`
	AdditionalCollabs   opt.Opt[[]UserRef]      `json:"additional_collaborators"`
	EmailCCs            opt.Opt[[]CCChange]     `json:"email_ccs"`
	Followers           opt.Opt[[]CCChange]     `json:"followers"`
	Via                 opt.Opt[ViaInput]       `json:"via"`
	ViaFollowupSourceID opt.Opt[int64]          `json:"via_followup_source_id"`
	SafeUpdate          opt.Opt[bool]           `json:"safe_update"`
	UpdatedStamp        opt.Opt[string]         `json:"updated_stamp"`
	Metadata            opt.Opt[map[string]any] `json:"metadata"`
	MacroIDs            opt.Opt[[]int64]        `json:"macro_ids"`
	SharingAgreementIDs opt.Opt[[]int64]        `json:"sharing_agreement_ids"`
	// SharedFrom is the agreement a received ticket came through (set by
	// the sharing room on create, so triggers see "received from").
	SharedFrom opt.Opt[int64]  `json:"-"`
	CreatedAt  opt.Opt[string] `json:"created_at"`
	UpdatedAt  opt.Opt[string] `json:"updated_at"`
	SolvedAt   opt.Opt[string] `json:"solved_at"`
}

// RequesterInput creates or finds the requester by email.
type RequesterInput struct {
	Name     string `json:"name"`
	Email    string `json:"email"`
	LocaleID int64  `json:"locale_id"`
}

// FieldValueIn is one custom field value.
type FieldValueIn struct {
	ID    opt.ID `json:"id"`
	Value any    `json:"value"`
}

// CommentInput is the comment of a create or update.
type CommentInput struct {
	Body      string          `json:"body"`
	HTMLBody  string          `json:"html_body"`
	Public    opt.Opt[bool]   `json:"public"`
	AuthorID  opt.Opt[int64]  `json:"author_id"`
	Uploads   []string        `json:"uploads"`
	CreatedAt opt.Opt[string] `json:"created_at"`
}

// UserRef names a user by id, by email, or as {name, email}.
type UserRef struct {
	ID    int64
	Email string
	Name  string
}

// UnmarshalJSON accepts 123, "email@x" and {"name":..,"email":..}.
func (u *UserRef) UnmarshalJSON(b []byte) error {
	var id int64
	if json.Unmarshal(b, &id) == nil {
		u.ID = id
		return nil
	}
	var s string
	if json.Unmarshal(b, &s) == nil {
		u.Email = s
		return nil
	}
	var o struct {
		ID    int64  `json:"id"`
		Name  string `json:"name"`
		Email string `json:"email"`
	}
	if err := json.Unmarshal(b, &o); err != nil {
		return err
	}
	u.ID, u.Name, u.Email = o.ID, o.Name, o.Email
	return nil
}

// CCChange adds or removes an email CC or follower.
type CCChange struct {
	UserID    opt.Opt[int64] `json:"user_id"`
	UserEmail string         `json:"user_email"`
	UserName  string         `json:"user_name"`
	Action    string         `json:"action"`
}

// ViaInput sets the channel on create.
type ViaInput struct {
	Channel any             `json:"channel"`
	Source  json.RawMessage `json:"source"`
}

// Comment is a public reply or an internal note.
type Comment struct {
	ID        int64
	AccountID int64
	TicketID  int64
	AuditID   int64
	Type      string
	AuthorID  int64
	Body      string
	HTMLBody  string
	PlainBody string
	Public    bool
	Via       Via
	Metadata  json.RawMessage
	CreatedAt time.Time
	// Attachments are the files this comment carries.
	Attachments []Attachment
}

// Audit is one write to a ticket and the events it caused.
type Audit struct {
	ID        int64
	AccountID int64
	TicketID  int64
	AuthorID  int64
	Via       Via
	Metadata  json.RawMessage
	CreatedAt time.Time
	Events    []Event
}

// Event is one thing an audit did: Comment, Create, Change, ...
type Event struct {
	ID            int64
	Type          string
	FieldName     string
	Value         any
	PreviousValue any
	HasPrevious   bool
	CommentID     int64
	Via           json.RawMessage
	Data          map[string]any
}

// Person is what tickets need to know about a user.
type Person struct {
	ID             int64
	Name           string
	Email          string
	Role           auth.Role
	OrganizationID *int64
	DefaultGroupID *int64
	Active         bool
}

// People is the user room as tickets see it.
type People interface {
	// Person returns a live user of the account (NotFound otherwise).
	Person(ctx context.Context, accountID, id int64) (Person, error)
	// PersonByEmail finds a live user by email (NotFound otherwise).
	PersonByEmail(ctx context.Context, accountID int64, email string) (Person, error)
	// EnsureEndUser finds the user with email or creates an end user,
	// inside the caller's transaction.
	EnsureEndUser(ctx context.Context, accountID int64, name, email string) (Person, error)
	// GroupMember reports whether the group exists and userID is in it
	// (userID 0: only whether the group exists).
	GroupMember(ctx context.Context, accountID, groupID, userID int64) (exists, member bool, err error)
	// OrganizationExists reports whether the organization exists.
	OrganizationExists(ctx context.Context, accountID, orgID int64) (bool, error)
	// Suspend suspends an end user (spam).
	Suspend(ctx context.Context, accountID, userID int64) error
}
