// Package notify is Parley's email channel. Out: the notification actions
// of business rules (notification_user, notification_group) become mail
// jobs that a worker delivers through the SMTP relay, with threading
// headers and a per-account reply address. In: an SMTP listener and a
// pipe entry point turn a message sent to an account's support address
// into a new ticket or a comment on the ticket it answers, and recognise
// auto-replies, bounces and loops so they never become tickets.
package notify

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"log/slog"
	"strconv"
	"strings"

	"github.com/riverqueue/river"

	"parley/internal/auth"
	"parley/internal/platform/clock"
	"parley/internal/platform/db"
	"parley/internal/ticket"
)

// Account is an account as mail sees it.
type Account struct {
	ID        int64
	Subdomain string
	Name      string
}

// Accounts finds accounts for routing mail (the account room).
type Accounts interface {
	// AccountBySubdomain returns the account; errs.NotFound when none.
	AccountBySubdomain(ctx context.Context, subdomain string) (Account, error)
	// AccountByID returns the account; errs.NotFound when none.
	AccountByID(ctx context.Context, id int64) (Account, error)
}

// Person is a user as mail sees it.
type Person struct {
	ID        int64
	Name      string
	Email     string // "" when the user has no email
	Role      auth.Role
	Suspended bool
}

// People is the user room as mail sees it. No method checks permissions.
type People interface {
	// Person returns a live user; errs.NotFound otherwise.
	Person(ctx context.Context, accountID, id int64) (Person, error)
	// EnsureEndUser returns the user owning email, creating an end user
	// when there is none, inside the caller's transaction; a malformed
	// email is errs.Invalid.
	EnsureEndUser(ctx context.Context, accountID int64, name, email string) (Person, error)
	// GroupMembers lists the user ids of a group's members (none for an
	// unknown group).
	GroupMembers(ctx context.Context, accountID, groupID int64) ([]int64, error)
	// Agents lists the ids of the account's live agents and admins.
	Agents(ctx context.Context, accountID int64) ([]int64, error)
	// Admins lists the ids of the account's live admins.
	Admins(ctx context.Context, accountID int64) ([]int64, error)
	// GroupName and OrganizationName name a group and an organization
	// ("" when unknown).
	GroupName(ctx context.Context, accountID, groupID int64) (string, error)
	OrganizationName(ctx context.Context, accountID, orgID int64) (string, error)
}

// Uploads stores the bytes of an incoming attachment as an upload that a
// comment can take (the ticket room). The uploader is the actor in ctx.
type Uploads interface {
	AttachUpload(ctx context.Context, accountID int64, name, contentType string, data []byte) (token string, err error)
}

// Tickets is the ticket room as mail sees it; *ticket.Service implements it.
type Tickets interface {
	CreateAs(ctx context.Context, a auth.Actor, in ticket.Input, via ticket.Via) (ticket.Ticket, ticket.Audit, error)
	UpdateAs(ctx context.Context, a auth.Actor, id int64, in ticket.Input, via ticket.Via) (ticket.Ticket, ticket.Audit, error)
	Load(ctx context.Context, accountID, id int64) (ticket.Ticket, error)
	RecentComments(ctx context.Context, accountID, ticketID int64, limit int) ([]ticket.Comment, error)
	ListFields(ctx context.Context) ([]ticket.Field, error)
}

// Queue enqueues jobs inside the caller's transaction (*jobs.Queue).
type Queue interface {
	Enqueue(ctx context.Context, args river.JobArgs, opts *river.InsertOpts) error
}

// Deps are the rooms and plumbing the service uses.
type Deps struct {
	Tickets  Tickets
	People   People
	Accounts Accounts
	Uploads  Uploads
	Queue    Queue
}

// Options configure mail.
type Options struct {
	// MailDomain is the domain under which every account has its mail
	// domain <subdomain>.<MailDomain> and its support address
	// support@<subdomain>.<MailDomain>. Required.
	MailDomain string
	// WebDomain is the base domain of the web interface, for ticket links
	// (default: MailDomain).
	WebDomain string
	// WebScheme is http or https (default https) for satisfaction links.
	WebScheme string
	// MaxMessageBytes bounds an incoming message (default 25 MiB).
	MaxMessageBytes int64
	// MaxAttempts bounds delivery attempts of one outgoing mail (default 10).
	MaxAttempts int
}

// Service sends and receives mail.
type Service struct {
	d     *db.DB
	clock clock.Clock
	log   *slog.Logger
	deps  Deps
	o     Options
}

// New builds the mail service.
func New(d *db.DB, c clock.Clock, log *slog.Logger, deps Deps, o Options) *Service {
	o.MailDomain = strings.ToLower(strings.Trim(strings.TrimSpace(o.MailDomain), "."))
	if o.WebDomain == "" {
		o.WebDomain = o.MailDomain
	}
	if o.WebScheme == "" {
		o.WebScheme = "https"
	}
	if o.MaxMessageBytes <= 0 {
		o.MaxMessageBytes = 25 << 20
	}
	if o.MaxAttempts <= 0 {
		o.MaxAttempts = 10
	}
	if log == nil {
		log = slog.Default()
	}
	return &Service{d: d, clock: c, log: log.With("room", "notify"), deps: deps, o: o}
}

// SetQueue sets the job queue when it is built after the service (the
// queue needs the mail worker registered first).
func (s *Service) SetQueue(q Queue) { s.deps.Queue = q }

// Addresses.

// MailDomainOf is the mail domain of an account.
func (s *Service) MailDomainOf(subdomain string) string { return subdomain + "." + s.o.MailDomain }

// SupportAddress is the address customers write to.
func (s *Service) SupportAddress(subdomain string) string {
	return "support@" + s.MailDomainOf(subdomain)
}

// ReplyAddress is the plus address that routes a reply to one ticket.
func (s *Service) ReplyAddress(subdomain string, ticketID int64) string {
	return "support+id" + strconv.FormatInt(ticketID, 10) + "@" + s.MailDomainOf(subdomain)
}

// ThreadID is the stable Message-ID (without brackets) every notification
// about a ticket answers, so mail clients thread them.
func (s *Service) ThreadID(a Account, ticketID int64) string {
	return fmt.Sprintf("ticket-%d-%d@%s", a.ID, ticketID, s.MailDomainOf(a.Subdomain))
}

func (s *Service) newMessageID(a Account, ticketID int64) string {
	b := make([]byte, 8)
	_, _ = rand.Read(b)
	return fmt.Sprintf("ticket-%d-%s@%s", ticketID, hex.EncodeToString(b), s.MailDomainOf(a.Subdomain))
}

// ours reports whether an address domain belongs to this installation.
func (s *Service) ours(domain string) bool {
	domain = strings.ToLower(strings.Trim(domain, ". "))
	return domain == s.o.MailDomain || strings.HasSuffix(domain, "."+s.o.MailDomain)
}

// route is what a recipient address says: the account's subdomain and,
// for a plus address, the ticket.
type route struct {
	subdomain string
	ticketID  int64
}

// parseRecipient reads an address of one of our account domains.
func (s *Service) parseRecipient(addr string) (route, bool) {
	addr = strings.ToLower(strings.Trim(strings.TrimSpace(addr), "<>"))
	at := strings.LastIndexByte(addr, '@')
	if at <= 0 {
		return route{}, false
	}
	local, domain := addr[:at], strings.TrimSuffix(addr[at+1:], ".")
	sub, ok := strings.CutSuffix(domain, "."+s.o.MailDomain)
	if !ok || sub == "" || strings.Contains(sub, ".") {
		return route{}, false
	}
	r := route{subdomain: sub}
	if i := strings.LastIndex(local, "+id"); i >= 0 {
		if id, err := strconv.ParseInt(local[i+3:], 10, 64); err == nil && id > 0 {
			r.ticketID = id
		}
	}
	return r, true
}

// ticketURL is the agent link of a ticket, as {{ticket.url}} prints it.
func (s *Service) ticketURL(sub string, id int64) string {
	return fmt.Sprintf("%s.%s/agent/tickets/%d", sub, s.o.WebDomain, id)
}
