// Package share is ticket sharing (seed 003, reference §6): agreements
// between help desks, the Networked Help Desk protocol (NHD 1.0) on
// /sharing as server and client, placeholder users for a partner's people,
// and keeping shared tickets in step both ways through an ordered outbox.
//
// Two accounts of one installation share through the same protocol code:
// their messages go through the installation's own HTTP handler in process
// instead of over the network.
package share

import (
	"crypto/sha1"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"regexp"
	"strings"
	"time"
)

// Agreement statuses (reference §6.1). An inactive agreement is final.
const (
	StatusPending  = "pending"
	StatusAccepted = "accepted"
	StatusDeclined = "declined"
	StatusInactive = "inactive"
	// StatusConfigurationError marks an agreement broken by renaming one
	// of the two accounts (seed 003: renaming breaks the agreement).
	StatusConfigurationError = "configuration_error"
)

// Directions: outbound agreements let us share with the partner; inbound
// ones let the partner share with us (agreements are one-way).
const (
	Outbound = "outbound"
	Inbound  = "inbound"
)

// Agreement is one sharing agreement as this account sees it.
type Agreement struct {
	ID        int64
	AccountID int64
	UUID      string
	Direction string
	// Name is the partner's name.
	Name   string
	Status string
	// RemoteAccountID and RemoteSubdomain name a partner account on this
	// installation; RemoteURL is the partner's sharing URL either way.
	RemoteAccountID *int64
	RemoteSubdomain *string
	RemoteURL       string
	// PartnerName says what kind of system the partner is ("parley" for
	// another Parley installation; nil for an account here).
	PartnerName *string
	// LocalURL is our sharing URL as the partner knows it.
	LocalURL  string
	AccessKey string
	Terms
	DeactivatedBy *string
	AutoDeclined  bool
	// Failure is the last delivery problem, shown to admins.
	Failure   *string
	CreatedAt time.Time
	UpdatedAt time.Time
}

// Terms are what the sender sets and the receiver accepts.
type Terms struct {
	// AllowsPublicComments: public and private comments and status sync;
	// false: the receiver makes private comments only and status does not
	// sync.
	AllowsPublicComments bool
	SyncTags             bool
	// SyncCustomFields only between Parley accounts or installations.
	SyncCustomFields bool
}

// sender reports whether we are the sending side of a.
func (a Agreement) sender() bool { return a.Direction == Outbound }

// role is our side's name in deactivated_by.
func (a Agreement) role() string {
	if a.sender() {
		return "sender"
	}
	return "receiver"
}

// local reports whether the partner is an account of this installation.
func (a Agreement) local() bool { return a.RemoteAccountID != nil }

// Share is a ticket's link to an agreement.
type Share struct {
	ID          int64
	AccountID   int64
	TicketID    int64
	AgreementID int64
	UUID        string
	Direction   string
	// OriginalID is the partner's ticket number (received tickets).
	OriginalID *int64
	Status     string
	// Tags is the tag set both sides agree on.
	Tags           []string
	CreatedAuditID *int64
}

// Share statuses.
const (
	shareActive   = "active"
	shareUnshared = "unshared"
)

// UUID is the NHD identifier of a resource: the SHA-1 hex of a string
// unique across systems, "<sharing_url>/<type>/<id>" by convention.
func UUID(sharingURL, kind string, id any) string {
	sum := sha1.Sum([]byte(fmt.Sprintf("%s/%s/%v", strings.TrimSuffix(sharingURL, "/"), kind, id)))
	return hex.EncodeToString(sum[:])
}

var hex40 = regexp.MustCompile(`^[0-9a-fA-F]{40}$`)

// validUUID reports whether s is 40 hex characters (uuids and keys).
func validUUID(s string) bool { return hex40.MatchString(s) }

// Wire shapes of NHD 1.0 (reference §6.2). Pointers and raw values keep
// "absent" apart from "empty": an update carries only what changed.

// WireAgreement is an agreement on the wire.
type WireAgreement struct {
	UUID                 string     `json:"uuid"`
	Name                 *string    `json:"name,omitempty"`
	ReceiverURL          *string    `json:"receiver_url,omitempty"`
	SenderURL            *string    `json:"sender_url,omitempty"`
	AccessKey            *string    `json:"access_key,omitempty"`
	Status               *string    `json:"status,omitempty"`
	DeactivatedBy        *string    `json:"deactivated_by,omitempty"`
	CurrentActor         *WireActor `json:"current_actor,omitempty"`
	SyncTags             *bool      `json:"sync_tags,omitempty"`
	SyncCustomFields     *bool      `json:"sync_custom_fields,omitempty"`
	AllowsPublicComments *bool      `json:"allows_public_comments,omitempty"`
}

// WireActor is a person on the wire; role "agent" marks staff.
type WireActor struct {
	UUID string `json:"uuid"`
	Name string `json:"name"`
	Role string `json:"role,omitempty"`
}

// staff reports whether the actor is the partner's agent.
func (a WireActor) staff() bool {
	r := strings.ToLower(a.Role)
	return r == "agent" || r == "staff" || r == "admin"
}

// WireComment is a comment on the wire.
type WireComment struct {
	UUID        string           `json:"uuid"`
	Author      WireActor        `json:"author"`
	Body        string           `json:"body"`
	HTMLBody    string           `json:"html_body,omitempty"`
	AuthoredAt  string           `json:"authored_at,omitempty"`
	Public      *bool            `json:"public,omitempty"`
	Attachments []WireAttachment `json:"attachments,omitempty"`
}

// WireAttachment is a link to a file the partner can fetch.
type WireAttachment struct {
	URL             string `json:"url"`
	Filename        string `json:"filename"`
	ContentType     string `json:"content_type,omitempty"`
	DisplayFilename string `json:"display_filename,omitempty"`
}

// WireTicket is a shared ticket, whole (POST) or its changes (PUT).
type WireTicket struct {
	UUID         string          `json:"uuid"`
	Subject      *string         `json:"subject,omitempty"`
	RequestedAt  string          `json:"requested_at,omitempty"`
	Status       *string         `json:"status,omitempty"`
	CustomStatus *string         `json:"custom_status,omitempty"`
	Requester    *WireActor      `json:"requester,omitempty"`
	Comments     []WireComment   `json:"comments,omitempty"`
	CurrentActor *WireActor      `json:"current_actor,omitempty"`
	Tags         *[]string       `json:"tags,omitempty"`
	OriginalID   *int64          `json:"original_id,omitempty"`
	CustomFields json.RawMessage `json:"custom_fields,omitempty"`
}

// WireField is Parley's value of one custom field in custom_fields, keyed
// by the field's title: the type lets the receiver check compatibility.
// Other systems may send bare values; both are read.
type WireField struct {
	Type  string `json:"type"`
	Value any    `json:"value"`
}

// wireTime is the NHD time format, e.g. "2010-11-24 14:13:54 -0800".
const wireTime = "2006-01-02 15:04:05 -0700"

// parseWireTime reads the spec's format and ISO 8601 (the spec text also
// claims the XML Schema format).
func parseWireTime(s string) (time.Time, bool) {
	for _, layout := range []string{wireTime, time.RFC3339Nano, "2006-01-02T15:04:05Z0700", "2006-01-02 15:04:05Z07:00", "2006-01-02 15:04:05"} {
		if t, err := time.Parse(layout, strings.TrimSpace(s)); err == nil {
			return t.UTC(), true
		}
	}
	return time.Time{}, false
}

// wireStatus is what a ticket status becomes on the other side: pending
// becomes open (seed 003), and custom statuses travel as their category.
func wireStatus(category string) string {
	if category == "pending" {
		return "open"
	}
	return category
}

// localStatus maps a partner's status to ours: the spec's values plus
// hold; pending becomes open; anything else is ignored ("").
func localStatus(s string) string {
	switch s = strings.ToLower(strings.TrimSpace(s)); s {
	case "new", "open", "hold", "solved", "closed":
		return s
	case "pending":
		return "open"
	case "on-hold", "on_hold":
		return "hold"
	case "resolved":
		return "solved"
	}
	return ""
}

func ptr[T any](v T) *T { return &v }
