// Package user owns people: users and their identities, organizations and
// their domains and memberships, groups and group memberships, the custom
// user and organization field definitions, and custom roles.
package user

import (
	"encoding/json"
	"net/mail"
	"regexp"
	"sort"
	"strings"
	"time"

	"parley/internal/auth"
	"parley/internal/platform/opt"
)

// User is a person known to an account: end user, agent or admin.
type User struct {
	ID                  int64
	AccountID           int64
	Name                string
	Email               *string
	Role                auth.Role
	CustomRoleID        *int64
	Owner               bool
	Verified            bool
	Active              bool
	Suspended           bool
	ExternalID          *string
	Alias               *string
	Phone               *string
	SharedPhoneNumber   *bool
	TimeZone            string
	IANATimeZone        string
	Locale              string
	OrganizationID      *int64
	DefaultGroupID      *int64
	Details             string
	Notes               string
	Signature           *string
	TicketRestriction   *string
	OnlyPrivateComments bool
	RestrictedAgent     bool
	Moderator           bool
	ReportCSV           bool
	Shared              bool
	SharedAgent         bool
	ChatOnly            bool
	TwoFactorAuth       bool
	RemotePhotoURL      *string
	Fields              map[string]any
	Tags                []string
	PasswordHash        string
	LastLoginAt         *time.Time
	CreatedAt           time.Time
	UpdatedAt           time.Time
	DeletedAt           *time.Time
}

// RoleType is Zendesk's numeric role_type: 4 admin, 0 custom-role agent,
// null for end users and plain agents.
func (u User) RoleType() *int {
	switch {
	case u.Role == auth.RoleAdmin:
		n := 4
		return &n
	case u.Role == auth.RoleAgent && u.CustomRoleID != nil:
		n := 0
		return &n
	}
	return nil
}

// Actor returns the auth view of u.
func (u User) Actor() auth.Actor {
	email := ""
	if u.Email != nil {
		email = *u.Email
	}
	return auth.Actor{AccountID: u.AccountID, UserID: u.ID, Name: u.Name, Email: email, Role: u.Role,
		Owner: u.Owner, CustomRoleID: u.CustomRoleID}
}

// Input is a user create or partial update as the API sends it. Absent
// fields are left alone on update.
type Input struct {
	Name                opt.Opt[string]         `json:"name"`
	Email               opt.Opt[string]         `json:"email"`
	Role                opt.Opt[string]         `json:"role"`
	CustomRoleID        opt.Opt[int64]          `json:"custom_role_id"`
	Verified            opt.Opt[bool]           `json:"verified"`
	Suspended           opt.Opt[bool]           `json:"suspended"`
	ExternalID          opt.Opt[string]         `json:"external_id"`
	Alias               opt.Opt[string]         `json:"alias"`
	Phone               opt.Opt[string]         `json:"phone"`
	TimeZone            opt.Opt[string]         `json:"time_zone"`
	IANATimeZone        opt.Opt[string]         `json:"iana_time_zone"`
	Locale              opt.Opt[string]         `json:"locale"`
	LocaleID            opt.Opt[int64]          `json:"locale_id"`
	OrganizationID      opt.Opt[int64]          `json:"organization_id"`
	Organization        opt.Opt[OrgRef]         `json:"organization"`
	DefaultGroupID      opt.Opt[int64]          `json:"default_group_id"`
	Details             opt.Opt[string]         `json:"details"`
	Notes               opt.Opt[string]         `json:"notes"`
	Signature           opt.Opt[string]         `json:"signature"`
	TicketRestriction   opt.Opt[string]         `json:"ticket_restriction"`
	OnlyPrivateComments opt.Opt[bool]           `json:"only_private_comments"`
	RestrictedAgent     opt.Opt[bool]           `json:"restricted_agent"`
	Moderator           opt.Opt[bool]           `json:"moderator"`
	ReportCSV           opt.Opt[bool]           `json:"report_csv"`
	Shared              opt.Opt[bool]           `json:"shared"`
	SharedAgent         opt.Opt[bool]           `json:"shared_agent"`
	ChatOnly            opt.Opt[bool]           `json:"chat_only"`
	RemotePhotoURL      opt.Opt[string]         `json:"remote_photo_url"`
	Tags                opt.Opt[[]string]       `json:"tags"`
	UserFields          opt.Opt[map[string]any] `json:"user_fields"`
	Identities          []IdentityInput         `json:"identities"`
	Password            opt.Opt[string]         `json:"password"`
	SkipVerifyEmail     opt.Opt[bool]           `json:"skip_verify_email"`
	// ID is accepted (update_many, create_or_update bodies carry it) and
	// used only to address the record.
	ID opt.Opt[int64] `json:"id"`
}

// OrgRef names an organization on user create: by name, found or created.
type OrgRef struct {
	Name string `json:"name"`
	ID   int64  `json:"id"`
}

// Identity is one way to reach a user.
type Identity struct {
	ID                 int64
	AccountID          int64
	UserID             int64
	Type               string
	Value              string
	Verified           bool
	Primary            bool
	UndeliverableCount int
	DeliverableState   string
	CreatedAt          time.Time
	UpdatedAt          time.Time
}

// IdentityInput creates or changes an identity.
type IdentityInput struct {
	Type     string        `json:"type"`
	Value    string        `json:"value"`
	Verified opt.Opt[bool] `json:"verified"`
	Primary  opt.Opt[bool] `json:"primary"`
}

// identityTypes are the identity kinds Parley stores.
var identityTypes = map[string]bool{"email": true, "twitter": true, "facebook": true, "google": true,
	"phone_number": true, "agent_forwarding": true}

var phonePattern = regexp.MustCompile(`^\+?[0-9 ().-]{4,30}$`)

// normEmail validates and lower-cases an email address.
func normEmail(s string) (string, bool) {
	s = strings.TrimSpace(s)
	a, err := mail.ParseAddress(s)
	if err != nil || a.Address != s || !strings.Contains(s[strings.LastIndex(s, "@")+1:], ".") && !strings.HasSuffix(s, "@localhost") {
		return "", false
	}
	return strings.ToLower(s), true
}

// emailDomain returns the lower-cased domain of an email.
func emailDomain(email string) string {
	i := strings.LastIndex(email, "@")
	if i < 0 {
		return ""
	}
	return strings.ToLower(email[i+1:])
}

// NormalizeTags lower-cases tags, splits on spaces and commas, drops
// duplicates and empties, and sorts them, as Zendesk does.
func NormalizeTags(in []string) []string {
	seen := map[string]bool{}
	out := []string{}
	for _, t := range in {
		for _, p := range strings.FieldsFunc(strings.ToLower(t), func(r rune) bool { return r == ' ' || r == ',' || r == '\t' || r == '\n' }) {
			if p != "" && !seen[p] && len(p) <= 255 {
				seen[p] = true
				out = append(out, p)
			}
		}
	}
	sort.Strings(out)
	return out
}

// localeIDs maps the common locales to Zendesk's numeric ids.
var localeIDs = map[string]int64{"en-US": 1, "es": 2, "de": 8, "fr": 16, "it": 22, "pt-BR": 19, "nl": 9, "ja": 67, "en-GB": 1176}

func localeID(loc string) int64 {
	if id, ok := localeIDs[loc]; ok {
		return id
	}
	return 1
}

func localeByID(id int64) (string, bool) {
	for k, v := range localeIDs {
		if v == id {
			return k, true
		}
	}
	return "", false
}

func fieldsJSON(m map[string]any) string {
	if len(m) == 0 {
		return "{}"
	}
	b, _ := json.Marshal(m)
	return string(b)
}

func jsonUnmarshal(s string, v any) error {
	if s == "" {
		return nil
	}
	return json.Unmarshal([]byte(s), v)
}

func optTrue() opt.Opt[bool] { return opt.Of(true) }
