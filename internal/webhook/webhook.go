// Package webhook owns webhooks (reference §11): the /api/v2/webhooks API,
// conditional ticket events sent by trigger and automation actions,
// zen:event-type:* event subscriptions, signed delivery as River jobs with
// retries through the SSRF guard (platform/netguard) that keeps them away
// from private networks, and the invocation and attempt log.
package webhook

import (
	"encoding/json"
	"net"
	"net/http"
	"net/url"
	"sort"
	"strings"
	"time"

	"parley/internal/platform/errs"
)

// Webhook is one webhook. Secrets are held decrypted only in memory.
type Webhook struct {
	Seq           int64
	ID            string
	AccountID     int64
	Name          string
	Description   string
	Status        string
	Endpoint      string
	HTTPMethod    string
	RequestFormat string
	Subscriptions []string
	Auth          *Auth
	CustomHeaders map[string]string
	// ExternalSource is kept as sent (Marketplace apps set it).
	ExternalSource json.RawMessage
	SigningSecret  string
	CreatedBy      string
	UpdatedBy      string
	CreatedAt      time.Time
	UpdatedAt      time.Time
}

// Auth is a webhook's authentication. Secret is the password, token or API
// key value: write-only on the API, encrypted at rest.
type Auth struct {
	Type        string // basic_auth, bearer_token, api_key
	Username    string // basic_auth
	Name        string // api_key header name
	Secret      string
	AddPosition string // header
}

// Subscription kinds.
const (
	// Conditional is the subscription of webhooks that triggers and
	// automations call through notification_webhook.
	Conditional = "conditional_ticket_events"
	eventPrefix = "zen:event-type:"
)

// Webhook and invocation statuses. An invocation is in_progress until it is
// delivered (success), refused by the endpoint with a 4xx that retrying
// cannot fix or skipped because the webhook became inactive or was deleted
// (terminated), or out of attempts on 409/429/5xx and network errors
// (failed). Attempts are success or failed.
const (
	StatusActive     = "active"
	StatusInactive   = "inactive"
	StatusInProgress = "in_progress"
	StatusSuccess    = "success"
	StatusFailed     = "failed"
	StatusTerminated = "terminated"
)

var (
	methods = []string{"GET", "POST", "PUT", "PATCH", "DELETE"}
	formats = []string{"json", "xml", "form_encoded"}
)

// maxHeaders is Zendesk's limit of custom headers.
const maxHeaders = 5

// forbiddenHeaders may not be set as custom headers: they carry
// credentials, framing or the signature.
var forbiddenHeaders = map[string]bool{
	"authorization": true, "content-type": true, "content-length": true, "host": true, "user-agent": true,
	"cookie": true, "set-cookie": true, "connection": true, "transfer-encoding": true, "upgrade": true,
	"te": true, "trailer": true, "keep-alive": true, "proxy-authorization": true, "proxy-connection": true,
	"expect": true, "x-api-key": true, "api-key": true, "x-auth-token": true,
}

// Input is a webhook as clients send it (create and PUT; PATCH is merged
// over the current webhook first).
type Input struct {
	Name           *string           `json:"name"`
	Description    *string           `json:"description"`
	Status         *string           `json:"status"`
	Endpoint       *string           `json:"endpoint"`
	HTTPMethod     *string           `json:"http_method"`
	RequestFormat  *string           `json:"request_format"`
	Subscriptions  []string          `json:"subscriptions"`
	Authentication *AuthInput        `json:"authentication"`
	CustomHeaders  map[string]string `json:"custom_headers"`
	ExternalSource json.RawMessage   `json:"external_source"`
	SigningSecret  *SecretInput      `json:"signing_secret"`
	// Read-only keys clients echo back from a GET; ignored.
	ID        json.RawMessage `json:"id"`
	CreatedAt json.RawMessage `json:"created_at"`
	CreatedBy json.RawMessage `json:"created_by"`
	UpdatedAt json.RawMessage `json:"updated_at"`
	UpdatedBy json.RawMessage `json:"updated_by"`
}

// AuthInput is the authentication object of a write.
type AuthInput struct {
	Type        string   `json:"type"`
	Data        AuthData `json:"data"`
	AddPosition string   `json:"add_position"`
}

// AuthData holds the per-type fields; the secret ones are write-only.
type AuthData struct {
	Username string `json:"username,omitempty"`
	Password string `json:"password,omitempty"`
	Token    string `json:"token,omitempty"`
	Name     string `json:"name,omitempty"`
	Value    string `json:"value,omitempty"`
}

// SecretInput sets the signing secret on create.
type SecretInput struct {
	Secret    string `json:"secret"`
	Algorithm string `json:"algorithm"`
}

// known event types a webhook may subscribe to (besides conditional ticket
// events): ticket events Parley publishes, and the user, organization,
// agent and help-center events other rooms publish through Publish.
var eventTypes = func() map[string]bool {
	m := map[string]bool{}
	add := func(resource string, names ...string) {
		for _, n := range names {
			m[eventPrefix+resource+"."+n] = true
		}
	}
	add("ticket", "created", "status_changed", "custom_status_changed", "priority_changed", "type_changed",
		"subject_changed", "description_changed", "comment_added", "comment_made_private", "comment_redacted",
		"attachment_linked_to_comment", "attachment_redacted_from_comment", "agent_assignment_changed",
		"group_assignment_changed", "organization_changed", "requester_changed", "submitter_changed", "brand_changed",
		"form_changed", "tags_changed", "external_id_changed", "email_ccs_changed", "followers_changed",
		"problem_link_changed", "task_due_at_changed", "custom_field_changed", "marked_as_spam", "merged",
		"soft_deleted", "undeleted", "permanently_deleted", "sla_policy_changed", "ola_policy_changed", "schedule_changed")
	add("user", "created", "deleted", "active_changed", "alias_changed", "custom_field_changed", "custom_role_changed",
		"default_group_changed", "details_changed", "external_id_changed", "group_membership_created",
		"group_membership_deleted", "identity_changed", "identity_created", "identity_deleted", "last_login_changed",
		"merged", "name_changed", "notes_changed", "only_private_comments_changed", "organization_membership_created",
		"organization_membership_deleted", "password_changed", "photo_changed", "role_changed", "suspended_changed",
		"tags_changed", "time_zone_changed")
	add("organization", "created", "deleted", "custom_field_changed", "domain_names_changed", "external_id_changed",
		"group_changed", "name_changed", "notes_changed", "details_changed", "shared_comments_changed",
		"shared_tickets_changed", "tags_changed")
	add("agent", "state_changed", "channel_created", "channel_deleted", "max_capacity_changed", "work_item_added",
		"work_item_removed", "unified_state_changed")
	add("article", "published", "unpublished", "author_changed", "title_changed", "comment_created", "comment_changed",
		"comment_published", "comment_unpublished", "subscription_created", "vote_created", "vote_changed", "vote_removed")
	add("community_post", "created", "changed", "published", "unpublished", "comment_created", "comment_changed",
		"vote_created", "vote_changed", "vote_removed")
	return m
}()

// EventTypes lists the event types a webhook may subscribe to, sorted.
func EventTypes() []string {
	out := make([]string, 0, len(eventTypes))
	for k := range eventTypes {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}

// IsEventSubscribed reports whether w listens to zen:event-type:* events
// (and so cannot be called by triggers).
func (w Webhook) IsEventSubscribed() bool {
	for _, s := range w.Subscriptions {
		if strings.HasPrefix(s, eventPrefix) {
			return true
		}
	}
	return false
}

func oneOf(list []string, v string) bool {
	for _, x := range list {
		if x == v {
			return true
		}
	}
	return false
}

// build validates in and produces the webhook it describes. cur is the
// webhook being replaced (nil on create): an authentication of the same type
// sent without its secret keeps the stored one, because GET never shows it.
func build(in Input, cur *Webhook, guard func(host string) error) (Webhook, error) {
	var v errs.Validation
	w := Webhook{Description: "", CustomHeaders: map[string]string{}, Status: StatusActive}
	str := func(p *string) string {
		if p == nil {
			return ""
		}
		return strings.TrimSpace(*p)
	}
	w.Name = str(in.Name)
	switch {
	case w.Name == "":
		v.Add("name", "BlankValue", "Name: cannot be blank")
	case len(w.Name) > 255:
		v.Add("name", "TooLong", "Name: is too long (maximum is 255 characters)")
	}
	if in.Description != nil {
		w.Description = *in.Description
		if len(w.Description) > 1024 {
			v.Add("description", "TooLong", "Description: is too long (maximum is 1024 characters)")
		}
	}
	if in.Status != nil {
		w.Status = *in.Status
		if !oneOf([]string{StatusActive, StatusInactive}, w.Status) {
			v.Add("status", "InvalidValue", "Status: must be active or inactive")
		}
	}
	w.Endpoint = str(in.Endpoint)
	if msg := checkEndpoint(w.Endpoint, guard); msg != "" {
		v.Add("endpoint", "InvalidValue", "Endpoint: "+msg)
	}
	w.HTTPMethod = strings.ToUpper(str(in.HTTPMethod))
	if !oneOf(methods, w.HTTPMethod) {
		v.Add("http_method", "InvalidValue", "HTTP method: must be one of GET, POST, PUT, PATCH, DELETE")
	}
	w.RequestFormat = str(in.RequestFormat)
	if !oneOf(formats, w.RequestFormat) {
		v.Add("request_format", "InvalidValue", "Request format: must be one of json, xml, form_encoded")
	}
	w.Subscriptions = checkSubscriptions(in.Subscriptions, &w, &v)
	w.Auth = checkAuth(in.Authentication, cur, &v)
	for k, val := range in.CustomHeaders {
		name := strings.TrimSpace(k)
		switch {
		case !validHeaderName(name):
			v.Add("custom_headers", "InvalidValue", "Custom headers: "+quote(k)+" is not a valid header name")
		case forbiddenHeaders[strings.ToLower(name)] || strings.HasPrefix(strings.ToLower(name), "x-zendesk-"):
			v.Add("custom_headers", "InvalidValue", "Custom headers: "+quote(name)+" cannot be set as a custom header")
		case len(val) > 1000 || strings.ContainsAny(val, "\r\n\x00"):
			v.Add("custom_headers", "InvalidValue", "Custom headers: the value of "+quote(name)+" is not valid")
		default:
			w.CustomHeaders[http.CanonicalHeaderKey(name)] = val
		}
	}
	if len(in.CustomHeaders) > maxHeaders {
		v.Add("custom_headers", "TooMany", "Custom headers: at most 5 are allowed")
	}
	if len(in.ExternalSource) > 0 && string(in.ExternalSource) != "null" {
		var o map[string]any
		if json.Unmarshal(in.ExternalSource, &o) != nil {
			v.Add("external_source", "InvalidValue", "External source: must be an object")
		} else {
			w.ExternalSource = in.ExternalSource
		}
	}
	if in.SigningSecret != nil && in.SigningSecret.Secret != "" {
		if a := in.SigningSecret.Algorithm; a != "" && a != "SHA256" {
			v.Add("signing_secret", "InvalidValue", "Signing secret: the algorithm must be SHA256")
		}
		if len(in.SigningSecret.Secret) < 16 || len(in.SigningSecret.Secret) > 256 {
			v.Add("signing_secret", "InvalidValue", "Signing secret: must be 16 to 256 characters")
		}
		w.SigningSecret = in.SigningSecret.Secret
	}
	return w, v.Err()
}

func quote(s string) string { return "\"" + s + "\"" }

func checkSubscriptions(subs []string, w *Webhook, v *errs.Validation) []string {
	if len(subs) == 0 {
		v.Add("subscriptions", "BlankValue", "Subscriptions: at least one is required")
		return []string{}
	}
	seen := map[string]bool{}
	out := []string{}
	conditional, events := false, false
	for _, s := range subs {
		if seen[s] {
			continue
		}
		seen[s] = true
		switch {
		case s == Conditional:
			conditional = true
		case eventTypes[s]:
			events = true
		default:
			v.Add("subscriptions", "InvalidValue", "Subscriptions: "+quote(s)+" is not a known event type")
			continue
		}
		out = append(out, s)
	}
	if conditional && events {
		v.Add("subscriptions", "InvalidValue", "Subscriptions: conditional_ticket_events cannot be combined with event types")
	}
	if events && (w.HTTPMethod != "POST" || w.RequestFormat != "json") {
		v.Add("subscriptions", "InvalidValue", "Subscriptions: a webhook subscribed to events must use POST and json")
	}
	return out
}

func checkAuth(in *AuthInput, cur *Webhook, v *errs.Validation) *Auth {
	if in == nil || in.Type == "" {
		return nil
	}
	pos := in.AddPosition
	if pos == "" {
		pos = "header"
	}
	if pos != "header" {
		v.Add("authentication", "InvalidValue", "Authentication: add_position must be header")
	}
	a := &Auth{Type: in.Type, AddPosition: pos}
	var kept string
	if cur != nil && cur.Auth != nil && cur.Auth.Type == in.Type {
		kept = cur.Auth.Secret
	}
	secret := func(s, field string) string {
		if s == "" {
			s = kept
		}
		if s == "" {
			v.Add("authentication", "BlankValue", "Authentication: data."+field+" is required")
		}
		return s
	}
	switch in.Type {
	case "basic_auth":
		a.Username = in.Data.Username
		if a.Username == "" {
			v.Add("authentication", "BlankValue", "Authentication: data.username is required")
		}
		if strings.Contains(a.Username, ":") {
			v.Add("authentication", "InvalidValue", "Authentication: data.username cannot contain ':'")
		}
		a.Secret = secret(in.Data.Password, "password")
	case "bearer_token":
		a.Secret = secret(in.Data.Token, "token")
	case "api_key":
		a.Name = strings.TrimSpace(in.Data.Name)
		switch {
		case a.Name == "":
			v.Add("authentication", "BlankValue", "Authentication: data.name is required")
		case !validHeaderName(a.Name) || forbiddenHeaders[strings.ToLower(a.Name)] && strings.ToLower(a.Name) != "x-api-key" && strings.ToLower(a.Name) != "api-key":
			v.Add("authentication", "InvalidValue", "Authentication: data.name is not a usable header name")
		}
		a.Secret = secret(in.Data.Value, "value")
	default:
		v.Add("authentication", "InvalidValue", "Authentication: type must be basic_auth, bearer_token or api_key")
	}
	if strings.ContainsAny(a.Secret, "\r\n\x00") || strings.ContainsAny(a.Username, "\r\n\x00") {
		v.Add("authentication", "InvalidValue", "Authentication: values cannot contain line breaks")
	}
	return a
}

// validHeaderName reports whether s is an HTTP token.
func validHeaderName(s string) bool {
	if s == "" || len(s) > 128 {
		return false
	}
	for _, c := range s {
		if c >= 0x80 || c <= ' ' || strings.ContainsRune("\"(),/:;<=>?@[\\]{}", c) {
			return false
		}
	}
	return true
}

// checkEndpoint returns "" for an absolute http(s) URL whose literal host is
// allowed, else what is wrong.
func checkEndpoint(s string, guard func(host string) error) string {
	if s == "" {
		return "cannot be blank"
	}
	if len(s) > 2048 {
		return "is too long (maximum is 2048 characters)"
	}
	u, err := url.Parse(s)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" || u.Hostname() == "" {
		return "must be an absolute http or https URL"
	}
	if u.User != nil {
		return "cannot contain credentials; use authentication instead"
	}
	if strings.ContainsAny(s, " \t\r\n") {
		return "must be an absolute http or https URL"
	}
	if p := u.Port(); p != "" {
		if _, err := net.LookupPort("tcp", p); err != nil {
			return "has an invalid port"
		}
	}
	if guard != nil {
		if err := guard(u.Hostname()); err != nil {
			return err.Error()
		}
	}
	return ""
}
