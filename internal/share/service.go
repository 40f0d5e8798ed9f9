package share

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"log/slog"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/riverqueue/river"

	"parley/internal/account"
	"parley/internal/auth"
	"parley/internal/platform/clock"
	"parley/internal/platform/db"
	"parley/internal/platform/errs"
	"parley/internal/platform/netguard"
	"parley/internal/platform/secretbox"
	"parley/internal/ticket"
	"parley/internal/user"
)

// Tickets is what sharing needs from the ticket room (*ticket.Service).
type Tickets interface {
	Load(ctx context.Context, accountID, id int64) (ticket.Ticket, error)
	CreateAs(ctx context.Context, a auth.Actor, in ticket.Input, via ticket.Via) (ticket.Ticket, ticket.Audit, error)
	UpdateAs(ctx context.Context, a auth.Actor, id int64, in ticket.Input, via ticket.Via) (ticket.Ticket, ticket.Audit, error)
	WithWrite(ctx context.Context, a auth.Actor, id int64, via ticket.Via,
		fn func(ctx context.Context, w *ticket.Write) error) (ticket.Ticket, ticket.Audit, error)
	RecentComments(ctx context.Context, accountID, ticketID int64, limit int) ([]ticket.Comment, error)
	SharedFields(ctx context.Context, accountID int64) ([]ticket.Field, error)
	FieldsOf(ctx context.Context, accountID int64) ([]ticket.Field, error)
	SetFieldsQuietly(ctx context.Context, accountID, ticketID int64, vals []ticket.FieldValueIn) ([]int64, error)
	RuleTags(ctx context.Context, accountID, ticketID int64) (map[string]bool, error)
	SetSharing(ctx context.Context, accountID, ticketID int64, from, to *int64) error
}

// People makes and finds the users sharing deals with (*user.Service).
type People interface {
	CreatePlaceholder(ctx context.Context, accountID int64, name string, agent bool) (user.User, error)
	Lookup(ctx context.Context, accountID, id int64) (user.User, error)
}

// Accounts finds accounts of this installation (*account.Service).
type Accounts interface {
	ByID(ctx context.Context, id int64) (account.Account, error)
	BySubdomain(ctx context.Context, sub string) (account.Account, error)
}

// Mailer tells an account's admins about their agreements (the notify room).
type Mailer interface {
	MailAdmins(ctx context.Context, accountID int64, subject, text string) error
}

// Enqueuer inserts jobs, joining the caller's transaction (*jobs.Queue).
type Enqueuer interface {
	Enqueue(ctx context.Context, args river.JobArgs, opts *river.InsertOpts) error
}

// Options configure sharing.
type Options struct {
	// Secret is the installation secret access keys are sealed under.
	Secret []byte
	// Allow lets partners on private or loopback addresses be reached
	// (the same list as webhooks); nil allows none.
	Allow netguard.AllowFunc
	// BaseDomain names accounts of this installation (<sub>.<base>).
	BaseDomain string
	Clock      clock.Clock
	Log        *slog.Logger
	// Timeout bounds one request to a partner (15 s when zero).
	Timeout time.Duration
	// RetryBase is the wait before the first delivery retry; later waits
	// double up to five minutes (2 s when zero).
	RetryBase time.Duration
}

// Service holds the sharing rules.
type Service struct {
	d        *db.DB
	clock    clock.Clock
	log      *slog.Logger
	box      *secretbox.Box
	guard    *netguard.Guard
	client   *http.Client
	base     string
	backoff  func(int) time.Duration
	tickets  Tickets
	people   People
	accounts Accounts
	mail     Mailer
	q        Enqueuer
	local    http.Handler
}

// NewService builds the sharing service.
func NewService(d *db.DB, t Tickets, p People, a Accounts, o Options) (*Service, error) {
	box, err := secretbox.New(o.Secret, "parley sharing access keys v1")
	if err != nil {
		return nil, err
	}
	if o.Clock == nil {
		o.Clock = clock.System{}
	}
	if o.Log == nil {
		o.Log = slog.New(slog.DiscardHandler)
	}
	if o.Timeout <= 0 {
		o.Timeout = 15 * time.Second
	}
	if o.RetryBase <= 0 {
		o.RetryBase = 2 * time.Second
	}
	base := o.RetryBase
	backoff := func(n int) time.Duration { return min(base<<min(max(n-1, 0), 12), 5*time.Minute) }
	g := netguard.New(o.Allow)
	return &Service{d: d, clock: o.Clock, log: o.Log, box: box, guard: g, client: g.Client(o.Timeout),
		base: strings.ToLower(o.BaseDomain), backoff: backoff, tickets: t, people: p, accounts: a}, nil
}

// SetQueue connects the job queue (deliveries are jobs).
func (s *Service) SetQueue(q Enqueuer) { s.q = q }

// SetMailer connects admin notices.
func (s *Service) SetMailer(m Mailer) { s.mail = m }

// SetLocal connects this installation's own HTTP handler: messages to a
// partner account here go through it in process, on the same protocol
// code as messages from another installation.
func (s *Service) SetLocal(h http.Handler) { s.local = h }

// newKey is a fresh access key: 40 hex characters, as the spec shows.
func newKey() string {
	b := make([]byte, 20)
	_, _ = rand.Read(b)
	return hex.EncodeToString(b)
}

// CreateInput is an invitation an admin sends.
type CreateInput struct {
	// RemoteSubdomain names another account of this installation;
	// RemoteURL another system's sharing URL. Exactly one is given.
	RemoteSubdomain string
	RemoteURL       string
	// PartnerName says what the remote system is: "parley" for another
	// Parley installation (custom fields can sync), else free text.
	PartnerName string
	Terms
	// LocalURL is our sharing URL as the request reached us.
	LocalURL string
}

// List returns the account's agreements (agents).
func (s *Service) List(ctx context.Context) ([]Agreement, error) {
	a, err := auth.RequireAgent(ctx)
	if err != nil {
		return nil, err
	}
	return s.agreements(ctx, a.AccountID)
}

// Get returns one agreement (agents).
func (s *Service) Get(ctx context.Context, id int64) (Agreement, error) {
	a, err := auth.RequireAgent(ctx)
	if err != nil {
		return Agreement{}, err
	}
	return s.agreement(ctx, a.AccountID, id)
}

// Create invites a partner (admins): the agreement starts pending and the
// invitation is delivered by a job.
func (s *Service) Create(ctx context.Context, in CreateInput) (Agreement, error) {
	actor, err := auth.RequireAdmin(ctx)
	if err != nil {
		return Agreement{}, err
	}
	me, err := s.accounts.ByID(ctx, actor.AccountID)
	if err != nil {
		return Agreement{}, err
	}
	now := s.clock.Now()
	ag := Agreement{AccountID: actor.AccountID, Direction: Outbound, Status: StatusPending, LocalURL: in.LocalURL,
		AccessKey: newKey(), Terms: in.Terms, CreatedAt: now, UpdatedAt: now}
	var v errs.Validation
	sub := strings.ToLower(strings.TrimSpace(in.RemoteSubdomain))
	rawURL := strings.TrimSpace(in.RemoteURL)
	switch {
	case sub != "" && rawURL != "":
		v.Add("remote_subdomain", "InvalidValue", "Remote subdomain: give a partner subdomain or a sharing URL, not both")
	case sub != "":
		partner, err := s.accounts.BySubdomain(ctx, sub)
		switch {
		case errs.Is(err, errs.NotFound):
			v.Add("remote_subdomain", "InvalidValue", "Remote subdomain: no account "+sub+" on this installation")
		case err != nil:
			return Agreement{}, err
		case partner.ID == actor.AccountID:
			v.Add("remote_subdomain", "InvalidValue", "Remote subdomain: an account cannot share with itself")
		default:
			ag.RemoteAccountID, ag.RemoteSubdomain, ag.Name = &partner.ID, &partner.Subdomain, partner.Name
			ag.RemoteURL = s.accountURL(in.LocalURL, partner.Subdomain)
			ag.LocalURL = s.accountURL(in.LocalURL, me.Subdomain)
		}
	case rawURL != "":
		u, err := url.Parse(rawURL)
		if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" || u.User != nil {
			v.Add("remote_url", "InvalidValue", "Remote URL: must be the partner's http(s) sharing URL")
		} else if err := s.guard.CheckHost(actor.AccountID, u.Hostname()); err != nil {
			v.Add("remote_url", "InvalidValue", "Remote URL: "+u.Hostname()+" "+err.Error())
		} else {
			ag.RemoteURL = strings.TrimSuffix(u.String(), "/")
			ag.Name = u.Host
		}
		if ag.SyncCustomFields && !strings.EqualFold(in.PartnerName, "parley") {
			v.Add("sync_custom_fields", "InvalidValue",
				"Sync custom fields: only with another Parley account or installation (partner_name \"parley\")")
		}
		if in.PartnerName != "" {
			ag.PartnerName = ptr(strings.TrimSpace(in.PartnerName))
		}
	default:
		v.Add("remote_subdomain", "BlankValue", "Remote subdomain: give the partner's subdomain or its sharing URL (remote_url)")
	}
	if err := v.Err(); err != nil {
		return Agreement{}, err
	}
	err = s.d.InTx(ctx, func(ctx context.Context) error {
		// The uuid names this agreement across systems; the row id is not
		// known yet, so the key's randomness makes it unique.
		ag.UUID = UUID(ag.LocalURL, "agreements", ag.AccessKey)
		if err := s.insertAgreement(ctx, &ag); err != nil {
			return err
		}
		return s.send(ctx, ag, nil, http.MethodPost, "/agreements/"+ag.UUID, WireAgreement{
			UUID: ag.UUID, Name: ptr(me.Name), ReceiverURL: ptr(ag.RemoteURL), SenderURL: ptr(ag.LocalURL),
			AccessKey: ptr(ag.AccessKey), Status: ptr(StatusPending), CurrentActor: s.actorOf(ctx, ag, actor),
			SyncTags: ptr(ag.SyncTags), SyncCustomFields: ptr(ag.SyncCustomFields),
			AllowsPublicComments: ptr(ag.AllowsPublicComments)})
	})
	return ag, err
}

// accountURL is the sharing URL of account sub on this installation,
// derived from the URL a request reached us on.
func (s *Service) accountURL(seen, sub string) string {
	u, err := url.Parse(seen)
	if err != nil || u.Host == "" {
		return "http://" + sub + "." + s.base + "/sharing"
	}
	port := u.Port()
	host := sub + "." + s.base
	if port != "" {
		host += ":" + port
	}
	return u.Scheme + "://" + host + "/sharing"
}

// SetStatus accepts, declines or deactivates an agreement (admins).
func (s *Service) SetStatus(ctx context.Context, id int64, status string) (Agreement, error) {
	actor, err := auth.RequireAdmin(ctx)
	if err != nil {
		return Agreement{}, err
	}
	var out Agreement
	err = s.d.InTx(ctx, func(ctx context.Context) error {
		ag, err := s.agreement(ctx, actor.AccountID, id)
		if err != nil {
			return err
		}
		switch status {
		case StatusAccepted, StatusDeclined:
			if ag.sender() {
				return errs.Invalidf("status", "InvalidValue", "Status: only the receiving account accepts or declines an agreement")
			}
			if ag.Status != StatusPending {
				return errs.Invalidf("status", "InvalidValue", "Status: the agreement is %s, not pending", ag.Status)
			}
			ag.Status = status
		case StatusInactive:
			if ag.Status == StatusInactive {
				out = ag
				return nil
			}
			if ag.Status == StatusDeclined {
				return errs.Invalidf("status", "InvalidValue", "Status: a declined agreement cannot be deactivated")
			}
			ag.Status, ag.DeactivatedBy = StatusInactive, ptr(ag.role())
		case StatusPending:
			return errs.Invalidf("status", "InvalidValue", "Status: an agreement cannot go back to pending")
		default:
			return errs.Invalidf("status", "InvalidValue", "Status: must be accepted, declined or inactive")
		}
		ag.UpdatedAt = s.clock.Now()
		if err := s.saveAgreement(ctx, ag); err != nil {
			return err
		}
		me, err := s.accounts.ByID(ctx, actor.AccountID)
		if err != nil {
			return err
		}
		msg := WireAgreement{UUID: ag.UUID, Status: ptr(ag.Status), DeactivatedBy: ag.DeactivatedBy,
			CurrentActor: s.actorOf(ctx, ag, actor)}
		if !ag.sender() {
			msg.Name = ptr(me.Name)
		}
		out = ag
		if ag.Status == StatusInactive {
			if err := s.stopSharing(ctx, ag); err != nil {
				return err
			}
		}
		return s.send(ctx, ag, nil, http.MethodPut, "/agreements/"+ag.UUID, msg)
	})
	return out, err
}

// Delete deactivates an agreement (telling the partner) and removes it
// from the account's list (admins).
func (s *Service) Delete(ctx context.Context, id int64) error {
	actor, err := auth.RequireAdmin(ctx)
	if err != nil {
		return err
	}
	return s.d.InTx(ctx, func(ctx context.Context) error {
		ag, err := s.agreement(ctx, actor.AccountID, id)
		if err != nil {
			return err
		}
		if ag.Status == StatusPending || ag.Status == StatusAccepted {
			if _, err := s.SetStatus(ctx, id, StatusInactive); err != nil {
				return err
			}
		}
		_, err = s.d.Conn(ctx).ExecContext(ctx, `UPDATE sharing_agreements SET deleted_at = $1 WHERE account_id = $2 AND id = $3`,
			s.clock.Now(), actor.AccountID, id)
		return err
	})
}

// stopSharing ends every share under a deactivated agreement: shared
// tickets stay, but no longer sync (seed 003).
func (s *Service) stopSharing(ctx context.Context, ag Agreement) error {
	_, err := s.d.Conn(ctx).ExecContext(ctx, `UPDATE ticket_shares SET status = 'unshared', updated_at = $1
		WHERE account_id = $2 AND agreement_id = $3 AND status = 'active'`, s.clock.Now(), ag.AccountID, ag.ID)
	return err
}

// Renamed breaks the agreements of an account whose subdomain changed
// (seed 003: renaming an account in an agreement breaks it), on both
// sides when the partner is on this installation; a partner elsewhere is
// told the agreement is inactive. It runs in the rename's transaction.
func (s *Service) Renamed(ctx context.Context, accountID int64, from, to string) error {
	ags, err := s.agreements(ctx, accountID)
	if err != nil {
		return err
	}
	for _, ag := range ags {
		if ag.Status != StatusAccepted && ag.Status != StatusPending {
			continue
		}
		why := fmt.Sprintf("The account's subdomain changed from %s to %s, which breaks the agreement.", from, to)
		if err := s.breakAgreement(ctx, ag, why); err != nil {
			return err
		}
		if ag.local() {
			partner, err := s.agreementByUUID(ctx, *ag.RemoteAccountID, ag.UUID)
			if errs.Is(err, errs.NotFound) {
				continue
			}
			if err != nil {
				return err
			}
			theirs := fmt.Sprintf("The partner account %s was renamed to %s, which breaks the agreement.", from, to)
			if err := s.breakAgreement(ctx, partner, theirs); err != nil {
				return err
			}
			continue
		}
		if err := s.send(ctx, ag, nil, http.MethodPut, "/agreements/"+ag.UUID, WireAgreement{UUID: ag.UUID,
			Status: ptr(StatusInactive), DeactivatedBy: ptr(ag.role())}); err != nil {
			return err
		}
	}
	return nil
}

// breakAgreement marks an agreement broken, saying why, and stops its
// shares from syncing.
func (s *Service) breakAgreement(ctx context.Context, ag Agreement, why string) error {
	ag.Status, ag.Failure, ag.UpdatedAt = StatusConfigurationError, &why, s.clock.Now()
	if err := s.saveAgreement(ctx, ag); err != nil {
		return err
	}
	return s.stopSharing(ctx, ag)
}

// actorOf describes one of our users to the partner.
func (s *Service) actorOf(ctx context.Context, ag Agreement, a auth.Actor) *WireActor {
	if a.UserID <= 0 {
		return &WireActor{UUID: UUID(ag.LocalURL, "users", "system"), Name: "Parley", Role: "agent"}
	}
	uuid, err := s.userUUID(ctx, ag, a.UserID)
	if err != nil {
		uuid = UUID(ag.LocalURL, "users", a.UserID)
	}
	role := "end-user"
	if a.IsAgent() {
		role = "agent"
	}
	return &WireActor{UUID: uuid, Name: a.Name, Role: role}
}
