// Package account owns accounts (tenants): their subdomains, names, basic
// settings and API budget, and the Host-header routing that picks the
// account of a request.
package account

import (
	"encoding/json"
	"regexp"
	"time"
)

// Account is one tenant.
type Account struct {
	ID        int64
	Subdomain string
	Name      string
	TimeZone  string
	Locale    string
	OwnerID   *int64
	// RateLimit is the API budget in requests per minute.
	RateLimit int
	Settings  Settings
	CreatedAt time.Time
	UpdatedAt time.Time
}

// Settings are the admin-editable account settings, stored as JSON. Known
// sections are typed; unknown sections sent by clients are kept as they are.
type Settings struct {
	Branding      Branding                   `json:"branding"`
	Tickets       TicketSettings             `json:"tickets"`
	User          UserSettings               `json:"user"`
	Localization  Localization               `json:"localization"`
	SupportEmail  string                     `json:"support_email,omitempty"`
	SecureUploads bool                       `json:"secure_downloads"`
	TicketSharing TicketSharing              `json:"ticket_sharing"`
	Other         map[string]json.RawMessage `json:"-"`
}

// Branding is the account's look.
type Branding struct {
	HeaderColor    string `json:"header_color"`
	PageBackground string `json:"page_background_color"`
	TabBackground  string `json:"tab_background_color"`
	TextColor      string `json:"text_color"`
}

// TicketSettings are ticket defaults.
type TicketSettings struct {
	CommentsPublicByDefault bool `json:"comments_public_by_default"`
	ListNewestCommentsFirst bool `json:"list_newest_comments_first"`
	TaggingEnabled          bool `json:"tagging"`
	AgentCollision          bool `json:"agent_collision"`
}

// TicketSharing are the account's sharing preferences (seed 003).
type TicketSharing struct {
	// DeclineInvitations declines every sharing invitation at once; the
	// account is not told about them.
	DeclineInvitations bool `json:"decline_invitations"`
}

// UserSettings govern people.
type UserSettings struct {
	Tagging                bool `json:"tagging"`
	TimeZoneSelection      bool `json:"time_zone_selection"`
	LanguageSelection      bool `json:"language_selection"`
	MultipleOrganizations  bool `json:"multiple_organizations"`
	AgentCreatedWelcomeMsg bool `json:"agent_created_welcome_emails"`
	EndUserPhoneNumberVal  bool `json:"end_user_phone_number_validation"`
}

// Localization lists the account's languages.
type Localization struct {
	LocaleIDs []int `json:"locale_ids"`
}

// DefaultSettings are what a new account starts with.
func DefaultSettings() Settings {
	return Settings{
		Branding: Branding{HeaderColor: "1F3A4D", PageBackground: "FFFFFF", TabBackground: "3A6E8F", TextColor: "FFFFFF"},
		Tickets:  TicketSettings{CommentsPublicByDefault: true, TaggingEnabled: true, AgentCollision: true},
		User: UserSettings{Tagging: true, TimeZoneSelection: true, LanguageSelection: true,
			MultipleOrganizations: true, AgentCreatedWelcomeMsg: true},
		Localization: Localization{LocaleIDs: []int{1}},
	}
}

// SubdomainPattern is a DNS label of 3–63 characters, as Zendesk requires.
var SubdomainPattern = regexp.MustCompile(`^[a-z0-9][a-z0-9-]{1,61}[a-z0-9]$`)

// reserved subdomains cannot be taken by accounts.
var reserved = map[string]bool{"www": true, "api": true, "admin": true, "mail": true, "static": true, "support": false}
