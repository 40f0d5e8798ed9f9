package share

import (
	"context"
	"crypto/subtle"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"net/url"
	"strings"

	"github.com/go-chi/chi/v5"

	"parley/internal/auth"
	"parley/internal/platform/errs"
	"parley/internal/platform/httpx"
)

// Protocol serves NHD 1.0 on /sharing (reference §6.2). The account is the
// one the Host header names; the partner authenticates with
// X-Ticket-Sharing-Token: <agreement uuid>:<access key>.
type Protocol struct{ s *Service }

// NewProtocol builds the protocol server.
func NewProtocol(s *Service) *Protocol { return &Protocol{s: s} }

// maxBody bounds one protocol request (a ticket with its comments).
const maxBody = 8 << 20

// Routes registers the protocol under the /sharing router.
func (p *Protocol) Routes(r chi.Router) {
	r.Use(p.version)
	r.Post("/agreements/{uuid}", httpx.H(p.createAgreement))
	r.Put("/agreements/{uuid}", httpx.H(p.updateAgreement))
	r.Get("/agreements/{uuid}", httpx.H(p.showAgreement))
	r.Post("/tickets/{uuid}", httpx.H(p.createTicket))
	r.Put("/tickets/{uuid}", httpx.H(p.updateTicket))
	r.Delete("/tickets/{uuid}", httpx.H(p.deleteTicket))
}

// version accepts a missing X-Ticket-Sharing-Version or 1 (Zendesk's own
// client sends none; RT insists on it) and refuses other versions.
func (p *Protocol) version(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if v := strings.TrimSpace(r.Header.Get("X-Ticket-Sharing-Version")); v != "" && v != "1" {
			httpx.WriteError(w, r, errs.Ef(errs.PreconditionFailed, "X-Ticket-Sharing-Version %q is not supported (1 is)", v))
			return
		}
		w.Header().Set("X-Ticket-Sharing-Version", "1")
		next.ServeHTTP(w, r)
	})
}

// urlUUID is the uuid in the path, checked.
func urlUUID(r *http.Request) (string, error) {
	u := chi.URLParam(r, "uuid")
	if !validUUID(u) {
		return "", errs.Invalidf("uuid", "InvalidValue", "Value in the URI isn't a UUID")
	}
	return strings.ToLower(u), nil
}

// decode reads a JSON body (application/json or text/x-json) into dst.
func decode(w http.ResponseWriter, r *http.Request, dst any) error {
	b, err := io.ReadAll(http.MaxBytesReader(w, r.Body, maxBody))
	if err != nil {
		var mbe *http.MaxBytesError
		if errors.As(err, &mbe) {
			return errs.Ef(errs.TooLarge, "Request body is larger than %d bytes", mbe.Limit)
		}
		return errs.Wrap(errs.BadRequest, "Could not read request body", err)
	}
	if err := json.Unmarshal(b, dst); err != nil {
		return errs.Wrap(errs.BadRequest, "The body is not a valid JSON object", err)
	}
	return nil
}

func tenant(r *http.Request) (int64, error) {
	t, err := auth.RequireTenant(r.Context())
	return t.ID, err
}

// token splits X-Ticket-Sharing-Token.
func token(r *http.Request) (uuid, key string, ok bool) {
	uuid, key, ok = strings.Cut(strings.TrimSpace(r.Header.Get("X-Ticket-Sharing-Token")), ":")
	return strings.ToLower(uuid), strings.ToLower(key), ok && validUUID(uuid) && validUUID(key)
}

func unauthorized(w http.ResponseWriter) error {
	w.Header().Set("WWW-Authenticate", "X-Ticket-Sharing")
	return errs.E(errs.Unauthenticated, "")
}

// authorize returns the agreement the token names, which must be the one
// in the URL when the URL names an agreement.
func (p *Protocol) authorize(w http.ResponseWriter, r *http.Request, accountID int64) (Agreement, error) {
	uuid, key, ok := token(r)
	if !ok {
		return Agreement{}, unauthorized(w)
	}
	ag, err := p.s.agreementByUUID(r.Context(), accountID, uuid)
	if errs.Is(err, errs.NotFound) {
		return Agreement{}, unauthorized(w)
	}
	if err != nil {
		return Agreement{}, err
	}
	if subtle.ConstantTimeCompare([]byte(strings.ToLower(ag.AccessKey)), []byte(key)) != 1 {
		return Agreement{}, unauthorized(w)
	}
	return ag, nil
}

// localKey marks a request made in process by another account of this
// installation (it cannot come from the network).
type localKey struct{}

func withLocalSender(ctx context.Context, accountID int64) context.Context {
	return context.WithValue(ctx, localKey{}, accountID)
}

func localSender(ctx context.Context) (int64, bool) {
	id, ok := ctx.Value(localKey{}).(int64)
	return id, ok
}

// createAgreement receives an invitation.
func (p *Protocol) createAgreement(w http.ResponseWriter, r *http.Request) error {
	accountID, err := tenant(r)
	if err != nil {
		return err
	}
	uuid, err := urlUUID(r)
	if err != nil {
		return err
	}
	var in WireAgreement
	if err := decode(w, r, &in); err != nil {
		return err
	}
	if tu, tk, ok := token(r); r.Header.Get("X-Ticket-Sharing-Token") != "" &&
		(!ok || tu != uuid || in.AccessKey == nil || !strings.EqualFold(tk, *in.AccessKey)) {
		return unauthorized(w)
	}
	ag, err := p.s.receiveInvitation(r.Context(), accountID, uuid, in)
	if err != nil {
		return err
	}
	return httpx.JSON(w, http.StatusCreated, p.s.wireAgreement(ag))
}

// agreementRequest authenticates a request about the agreement in its URL.
func (p *Protocol) agreementRequest(w http.ResponseWriter, r *http.Request) (Agreement, error) {
	accountID, err := tenant(r)
	if err != nil {
		return Agreement{}, err
	}
	uuid, err := urlUUID(r)
	if err != nil {
		return Agreement{}, err
	}
	ag, err := p.authorize(w, r, accountID)
	if err != nil {
		return Agreement{}, err
	}
	if ag.UUID != uuid {
		return Agreement{}, errs.E(errs.Forbidden, "The token names another agreement")
	}
	return ag, nil
}

func (p *Protocol) updateAgreement(w http.ResponseWriter, r *http.Request) error {
	ag, err := p.agreementRequest(w, r)
	if err != nil {
		return err
	}
	var in WireAgreement
	if err := decode(w, r, &in); err != nil {
		return err
	}
	if in.UUID != "" && !strings.EqualFold(in.UUID, ag.UUID) {
		return errs.Invalidf("uuid", "InvalidValue", "The uuid in the body does not match the URI")
	}
	ag, err = p.s.partnerChangedAgreement(r.Context(), ag, in)
	if err != nil {
		return err
	}
	return httpx.JSON(w, http.StatusOK, p.s.wireAgreement(ag))
}

func (p *Protocol) showAgreement(w http.ResponseWriter, r *http.Request) error {
	ag, err := p.agreementRequest(w, r)
	if err != nil {
		return err
	}
	return httpx.JSON(w, http.StatusOK, p.s.wireAgreement(ag))
}

// accepted refuses ticket traffic under an agreement that is not accepted.
func accepted(ag Agreement) error {
	if ag.Status != StatusAccepted {
		return errs.Ef(errs.Forbidden, "Agreement is %s", ag.Status)
	}
	return nil
}

func (p *Protocol) ticketRequest(w http.ResponseWriter, r *http.Request) (Agreement, string, WireTicket, error) {
	var in WireTicket
	accountID, err := tenant(r)
	if err != nil {
		return Agreement{}, "", in, err
	}
	uuid, err := urlUUID(r)
	if err != nil {
		return Agreement{}, "", in, err
	}
	ag, err := p.authorize(w, r, accountID)
	if err != nil {
		return Agreement{}, "", in, err
	}
	if err := accepted(ag); err != nil {
		return Agreement{}, "", in, err
	}
	if r.Method == http.MethodDelete {
		return ag, uuid, in, nil
	}
	if err := decode(w, r, &in); err != nil {
		return Agreement{}, "", in, err
	}
	if !strings.EqualFold(in.UUID, uuid) {
		return Agreement{}, "", in, errs.Invalidf("uuid", "InvalidValue", "The uuid in the body does not match the URI")
	}
	in.UUID = uuid
	return ag, uuid, in, nil
}

func (p *Protocol) createTicket(w http.ResponseWriter, r *http.Request) error {
	ag, _, in, err := p.ticketRequest(w, r)
	if err != nil {
		return err
	}
	if ag.sender() {
		return errs.E(errs.Forbidden, "This agreement lets us share tickets with you, not you with us")
	}
	t, err := p.s.receiveTicket(r.Context(), ag, in)
	if err != nil {
		return err
	}
	return httpx.JSON(w, http.StatusCreated, httpx.M{"uuid": in.UUID, "original_id": t})
}

func (p *Protocol) updateTicket(w http.ResponseWriter, r *http.Request) error {
	ag, uuid, in, err := p.ticketRequest(w, r)
	if err != nil {
		return err
	}
	if err := p.s.receiveUpdate(r.Context(), ag, uuid, in); err != nil {
		return err
	}
	return httpx.JSON(w, http.StatusOK, httpx.M{"uuid": uuid})
}

func (p *Protocol) deleteTicket(w http.ResponseWriter, r *http.Request) error {
	ag, uuid, _, err := p.ticketRequest(w, r)
	if err != nil {
		return err
	}
	if err := p.s.receiveUnshare(r.Context(), ag, uuid); err != nil {
		return err
	}
	return httpx.JSON(w, http.StatusOK, httpx.M{"uuid": uuid})
}

// wireAgreement is an agreement as the protocol shows it (no access key).
func (s *Service) wireAgreement(ag Agreement) WireAgreement {
	out := WireAgreement{UUID: ag.UUID, Name: ptr(ag.Name), Status: ptr(ag.Status), DeactivatedBy: ag.DeactivatedBy,
		SyncTags: ptr(ag.SyncTags), SyncCustomFields: ptr(ag.SyncCustomFields),
		AllowsPublicComments: ptr(ag.AllowsPublicComments)}
	if ag.sender() {
		out.SenderURL, out.ReceiverURL = ptr(ag.LocalURL), ptr(ag.RemoteURL)
	} else {
		out.SenderURL, out.ReceiverURL = ptr(ag.RemoteURL), ptr(ag.LocalURL)
	}
	return out
}

// receiveInvitation stores a partner's invitation as an inbound pending
// agreement, or declines it at once when the account declines all.
func (s *Service) receiveInvitation(ctx context.Context, accountID int64, uuid string, in WireAgreement) (Agreement, error) {
	var v errs.Validation
	if in.UUID != "" && !strings.EqualFold(in.UUID, uuid) {
		v.Add("uuid", "InvalidValue", "The uuid in the body does not match the URI")
	}
	if in.AccessKey == nil || !validUUID(*in.AccessKey) {
		v.Add("access_key", "InvalidValue", "access_key must be 40 hexadecimal characters")
	}
	if in.Status != nil && *in.Status != StatusPending {
		v.Add("status", "InvalidValue", "A new agreement's status must be pending")
	}
	sender := ""
	if in.SenderURL != nil {
		sender = strings.TrimSuffix(strings.TrimSpace(*in.SenderURL), "/")
	}
	if u, err := url.Parse(sender); err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		v.Add("sender_url", "InvalidValue", "sender_url must be the sender's http(s) sharing URL")
	}
	if err := v.Err(); err != nil {
		return Agreement{}, err
	}
	me, err := s.accounts.ByID(ctx, accountID)
	if err != nil {
		return Agreement{}, err
	}
	now := s.clock.Now()
	name := sender
	if in.Name != nil && strings.TrimSpace(*in.Name) != "" {
		name = strings.TrimSpace(*in.Name)
	}
	ag := Agreement{AccountID: accountID, UUID: uuid, Direction: Inbound, Name: truncate(name, 255), Status: StatusPending,
		RemoteURL: sender, AccessKey: strings.ToLower(*in.AccessKey), CreatedAt: now, UpdatedAt: now,
		Terms: Terms{AllowsPublicComments: in.AllowsPublicComments == nil || *in.AllowsPublicComments,
			SyncTags: in.SyncTags != nil && *in.SyncTags, SyncCustomFields: in.SyncCustomFields != nil && *in.SyncCustomFields}}
	if in.ReceiverURL != nil {
		ag.LocalURL = strings.TrimSuffix(strings.TrimSpace(*in.ReceiverURL), "/")
	}
	if ag.LocalURL == "" {
		ag.LocalURL = s.accountURL("", me.Subdomain)
	}
	if from, ok := localSender(ctx); ok {
		partner, err := s.accounts.ByID(ctx, from)
		if err != nil {
			return Agreement{}, err
		}
		ag.RemoteAccountID, ag.RemoteSubdomain = &partner.ID, &partner.Subdomain
	} else if ag.SyncCustomFields {
		ag.PartnerName = ptr("parley")
	}
	if me.Settings.TicketSharing.DeclineInvitations {
		ag.Status, ag.AutoDeclined = StatusDeclined, true
	}
	err = s.d.InTx(ctx, func(ctx context.Context) error {
		if _, err := s.agreementByUUID(ctx, accountID, uuid); err == nil {
			return errs.Invalidf("uuid", "DuplicateValue", "An agreement with this uuid exists already")
		} else if !errs.Is(err, errs.NotFound) {
			return err
		}
		if err := s.insertAgreement(ctx, &ag); err != nil {
			return err
		}
		if !ag.AutoDeclined {
			return nil
		}
		return s.send(ctx, ag, nil, http.MethodPut, "/agreements/"+uuid, WireAgreement{UUID: uuid, Name: ptr(me.Name),
			Status: ptr(StatusDeclined)})
	})
	return ag, err
}

// partnerChangedAgreement applies the partner's side of the agreement
// flow: the receiver accepts or declines; either side deactivates; only
// the sender renames it or moves its URL, only the receiver moves its own.
func (s *Service) partnerChangedAgreement(ctx context.Context, ag Agreement, in WireAgreement) (Agreement, error) {
	err := s.d.InTx(ctx, func(ctx context.Context) error {
		cur, err := s.agreementByUUID(ctx, ag.AccountID, ag.UUID)
		if err != nil {
			return err
		}
		ag = cur
		if in.Name != nil && strings.TrimSpace(*in.Name) != "" {
			ag.Name = truncate(strings.TrimSpace(*in.Name), 255)
		}
		if ag.sender() && in.ReceiverURL != nil && *in.ReceiverURL != "" && !ag.local() {
			ag.RemoteURL = strings.TrimSuffix(*in.ReceiverURL, "/")
		}
		if !ag.sender() && in.SenderURL != nil && *in.SenderURL != "" && !ag.local() {
			ag.RemoteURL = strings.TrimSuffix(*in.SenderURL, "/")
		}
		deactivated := false
		if in.Status != nil && *in.Status != ag.Status {
			switch next := *in.Status; {
			case ag.Status == StatusInactive:
				return errs.Invalidf("status", "InvalidValue", "An inactive agreement cannot be reactivated; send a new invitation")
			case next == StatusAccepted || next == StatusDeclined:
				if !ag.sender() {
					return errs.Invalidf("status", "InvalidValue", "Only the receiver accepts or declines an agreement")
				}
				if ag.Status != StatusPending {
					return errs.Invalidf("status", "InvalidValue", "The agreement is %s, not pending", ag.Status)
				}
				ag.Status = next
			case next == StatusInactive:
				by := "sender"
				if ag.sender() {
					by = "receiver"
				}
				if in.DeactivatedBy != nil && (*in.DeactivatedBy == "sender" || *in.DeactivatedBy == "receiver") {
					by = *in.DeactivatedBy
				}
				ag.Status, ag.DeactivatedBy, deactivated = StatusInactive, &by, true
			default:
				return errs.Invalidf("status", "InvalidValue", "Status %q cannot be set by the partner", next)
			}
		}
		ag.UpdatedAt = s.clock.Now()
		if err := s.saveAgreement(ctx, ag); err != nil {
			return err
		}
		if !deactivated {
			return nil
		}
		if err := s.stopSharing(ctx, ag); err != nil {
			return err
		}
		if s.mail == nil {
			return nil
		}
		return s.mail.MailAdmins(ctx, ag.AccountID, "Ticket sharing agreement with "+ag.Name+" deactivated",
			ag.Name+" deactivated the ticket sharing agreement with your account.\n\n"+
				"Tickets shared under it stay in your account but no longer sync, and no new tickets can be shared. "+
				"A deactivated agreement cannot be reactivated; either side can send a new invitation.")
	})
	return ag, err
}
