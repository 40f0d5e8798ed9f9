package webhook

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/json"
	"fmt"
	"log/slog"
	"net/http"
	"strconv"
	"time"

	"github.com/oklog/ulid/v2"
	"github.com/riverqueue/river"

	"parley/internal/auth"
	"parley/internal/platform/clock"
	"parley/internal/platform/db"
	"parley/internal/platform/errs"
	"parley/internal/platform/netguard"
	"parley/internal/platform/secretbox"
)

// Enqueuer inserts River jobs (platform/jobs.Queue); inside db.InTx the job
// joins the transaction.
type Enqueuer interface {
	Enqueue(ctx context.Context, args river.JobArgs, opts *river.InsertOpts) error
}

// Options configure the webhook service.
type Options struct {
	// Secret is the installation secret the at-rest encryption key of
	// webhook secrets is derived from (at least 16 bytes).
	Secret []byte
	// Allow lets an account reach private, loopback or link-local
	// addresses; nil allows none (see netguard.AllowPrefixes).
	Allow netguard.AllowFunc
	// Clock tells the time (clock.System when nil).
	Clock clock.Clock
	// Log receives delivery and trigger problems (discarded when nil).
	Log *slog.Logger
	// Timeout bounds one delivery request (12 s when zero).
	Timeout time.Duration
	// MaxAttempts bounds the attempts of one invocation (5 when zero).
	MaxAttempts int
	// Backoff is the wait before retry n (n = 1 after the first failed
	// attempt) when the endpoint sent no Retry-After; nil is the default
	// schedule 10 s, 1 min, 5 min, 15 min.
	Backoff func(n int) time.Duration
}

// Service holds the webhook rules.
type Service struct {
	d           *db.DB
	clock       clock.Clock
	log         *slog.Logger
	box         *secretbox.Box
	guard       *netguard.Guard
	timeout     time.Duration
	maxAttempts int
	backoff     func(int) time.Duration
	q           Enqueuer
	renderer    Renderer
	people      People
	client      *http.Client
}

// NewService builds the webhook service; it fails only on a missing secret.
func NewService(d *db.DB, o Options) (*Service, error) {
	// The purpose is fixed: stored ciphertexts open only under it.
	b, err := secretbox.New(o.Secret, "parley webhook secrets v1")
	if err != nil {
		return nil, fmt.Errorf("webhook: Options.Secret: %w", err)
	}
	if o.Clock == nil {
		o.Clock = clock.System{}
	}
	if o.Log == nil {
		o.Log = slog.New(slog.DiscardHandler)
	}
	if o.Timeout <= 0 {
		o.Timeout = 12 * time.Second
	}
	if o.MaxAttempts <= 0 {
		o.MaxAttempts = 5
	}
	if o.Backoff == nil {
		o.Backoff = defaultBackoff
	}
	s := &Service{d: d, clock: o.Clock, log: o.Log, box: b, guard: netguard.New(o.Allow), timeout: o.Timeout,
		maxAttempts: o.MaxAttempts, backoff: o.Backoff}
	s.client = s.guard.Client(o.Timeout)
	return s, nil
}

// checkHost is the save-time guard build applies to an endpoint's host.
func (s *Service) checkHost(accountID int64) func(host string) error {
	return func(host string) error { return s.guard.CheckHost(accountID, host) }
}

func defaultBackoff(n int) time.Duration {
	steps := []time.Duration{10 * time.Second, time.Minute, 5 * time.Minute, 15 * time.Minute}
	if n-1 < len(steps) && n >= 1 {
		return steps[n-1]
	}
	return steps[len(steps)-1]
}

// SetQueue wires the job queue (River needs the workers before the queue
// exists, so this comes after NewService).
func (s *Service) SetQueue(q Enqueuer) { s.q = q }

func (s *Service) newID() string {
	return ulid.MustNew(ulid.Timestamp(s.clock.Now()), rand.Reader).String()
}

func actorID(a auth.Actor) string {
	if a.UserID <= 0 {
		return "-1"
	}
	return strconv.FormatInt(a.UserID, 10)
}

// Get returns a webhook of the admin's account.
func (s *Service) Get(ctx context.Context, id string) (Webhook, error) {
	a, err := auth.RequireAdmin(ctx)
	if err != nil {
		return Webhook{}, err
	}
	return s.loadWebhook(ctx, a.AccountID, id)
}

// List returns a page of the account's webhooks.
func (s *Service) List(ctx context.Context, f Filter, p db.Page) ([]Webhook, bool, error) {
	a, err := auth.RequireAdmin(ctx)
	if err != nil {
		return nil, false, err
	}
	return s.listWebhooks(ctx, a.AccountID, f, p)
}

// Create validates in and stores a new webhook with a fresh signing secret
// (unless in sets one).
func (s *Service) Create(ctx context.Context, in Input) (Webhook, error) {
	a, err := auth.RequireAdmin(ctx)
	if err != nil {
		return Webhook{}, err
	}
	w, err := build(in, nil, s.checkHost(a.AccountID))
	if err != nil {
		return Webhook{}, err
	}
	return s.create(ctx, a, w)
}

func (s *Service) create(ctx context.Context, a auth.Actor, w Webhook) (Webhook, error) {
	now := s.clock.Now()
	w.ID, w.AccountID = s.newID(), a.AccountID
	w.CreatedBy, w.UpdatedBy = actorID(a), actorID(a)
	w.CreatedAt, w.UpdatedAt = now, now
	if w.SigningSecret == "" {
		w.SigningSecret = newSigningSecret()
	}
	if err := s.d.InTx(ctx, func(ctx context.Context) error { return s.insertWebhook(ctx, w) }); err != nil {
		return Webhook{}, err
	}
	return w, nil
}

// Clone creates a copy of webhook id with patch (a JSON merge patch of the
// webhook object, may be empty) applied; the copy keeps the source's
// authentication secret and gets its own signing secret.
func (s *Service) Clone(ctx context.Context, id string, patch json.RawMessage) (Webhook, error) {
	a, err := auth.RequireAdmin(ctx)
	if err != nil {
		return Webhook{}, err
	}
	src, err := s.loadWebhook(ctx, a.AccountID, id)
	if err != nil {
		return Webhook{}, err
	}
	in, err := mergeInput(src, patch)
	if err != nil {
		return Webhook{}, err
	}
	in.SigningSecret = nil
	w, err := build(in, &src, s.checkHost(a.AccountID))
	if err != nil {
		return Webhook{}, err
	}
	return s.create(ctx, a, w)
}

// Update replaces webhook id with in (PUT). The signing secret stays; an
// authentication of the same type without its secret keeps the stored one.
func (s *Service) Update(ctx context.Context, id string, in Input) (Webhook, error) {
	a, err := auth.RequireAdmin(ctx)
	if err != nil {
		return Webhook{}, err
	}
	var out Webhook
	err = s.d.InTx(ctx, func(ctx context.Context) error {
		cur, err := s.loadWebhook(ctx, a.AccountID, id)
		if err != nil {
			return err
		}
		out, err = s.replace(ctx, a, cur, in)
		return err
	})
	return out, err
}

// Patch applies a JSON merge patch (RFC 7386) of the webhook object.
func (s *Service) Patch(ctx context.Context, id string, patch json.RawMessage) (Webhook, error) {
	a, err := auth.RequireAdmin(ctx)
	if err != nil {
		return Webhook{}, err
	}
	var out Webhook
	err = s.d.InTx(ctx, func(ctx context.Context) error {
		cur, err := s.loadWebhook(ctx, a.AccountID, id)
		if err != nil {
			return err
		}
		in, err := mergeInput(cur, patch)
		if err != nil {
			return err
		}
		out, err = s.replace(ctx, a, cur, in)
		return err
	})
	return out, err
}

func (s *Service) replace(ctx context.Context, a auth.Actor, cur Webhook, in Input) (Webhook, error) {
	in.SigningSecret = nil
	w, err := build(in, &cur, s.checkHost(a.AccountID))
	if err != nil {
		return Webhook{}, err
	}
	w.Seq, w.ID, w.AccountID = cur.Seq, cur.ID, cur.AccountID
	w.SigningSecret, w.CreatedBy, w.CreatedAt = cur.SigningSecret, cur.CreatedBy, cur.CreatedAt
	w.UpdatedBy, w.UpdatedAt = actorID(a), s.clock.Now()
	if err := s.updateWebhook(ctx, w); err != nil {
		return Webhook{}, err
	}
	return w, nil
}

// mergeInput applies patch to cur's API representation plus its stored
// secrets and decodes the result as an Input.
func mergeInput(cur Webhook, patch json.RawMessage) (Input, error) {
	base := object(cur, true)
	b, _ := json.Marshal(base)
	var doc any
	_ = json.Unmarshal(b, &doc)
	if len(bytes.TrimSpace(patch)) > 0 {
		var p any
		if err := json.Unmarshal(patch, &p); err != nil {
			return Input{}, errs.E(errs.BadRequest, "There was a problem in the JSON you submitted").WithCode("InvalidJSON")
		}
		if _, ok := p.(map[string]any); !ok {
			return Input{}, errs.E(errs.BadRequest, "webhook must be an object").WithCode("InvalidJSON")
		}
		doc = mergePatch(doc, p)
	}
	b, _ = json.Marshal(doc)
	var in Input
	if err := json.Unmarshal(b, &in); err != nil {
		return Input{}, errs.Invalidf("webhook", "InvalidValue", "Webhook: %v", err)
	}
	return in, nil
}

// mergePatch is RFC 7386: objects merge recursively, null deletes, anything
// else replaces.
func mergePatch(target, patch any) any {
	p, ok := patch.(map[string]any)
	if !ok {
		return patch
	}
	t, ok := target.(map[string]any)
	if !ok {
		t = map[string]any{}
	}
	for k, v := range p {
		if v == nil {
			delete(t, k)
			continue
		}
		t[k] = mergePatch(t[k], v)
	}
	return t
}

// Delete removes a webhook with its invocations and attempts.
func (s *Service) Delete(ctx context.Context, id string) error {
	a, err := auth.RequireAdmin(ctx)
	if err != nil {
		return err
	}
	return s.d.InTx(ctx, func(ctx context.Context) error { return s.deleteWebhook(ctx, a.AccountID, id) })
}

// SigningSecret returns a webhook's signing secret.
func (s *Service) SigningSecret(ctx context.Context, id string) (string, error) {
	w, err := s.Get(ctx, id)
	return w.SigningSecret, err
}

// RotateSigningSecret gives the webhook a new signing secret and returns it.
func (s *Service) RotateSigningSecret(ctx context.Context, id string) (string, error) {
	a, err := auth.RequireAdmin(ctx)
	if err != nil {
		return "", err
	}
	secret := newSigningSecret()
	err = s.d.InTx(ctx, func(ctx context.Context) error {
		w, err := s.loadWebhook(ctx, a.AccountID, id)
		if err != nil {
			return err
		}
		_, err = s.d.Conn(ctx).ExecContext(ctx, `UPDATE webhooks SET signing_secret = $1, updated_by = $2, updated_at = $3
			WHERE account_id = $4 AND id = $5`, s.box.Seal(w.ID, secret), actorID(a), s.clock.Now(), a.AccountID, id)
		return err
	})
	return secret, err
}

// Invocations lists a webhook's invocations.
func (s *Service) Invocations(ctx context.Context, webhookID string, f InvocationFilter, p db.Page) ([]Invocation, bool, error) {
	a, err := auth.RequireAdmin(ctx)
	if err != nil {
		return nil, false, err
	}
	if _, err := s.loadWebhook(ctx, a.AccountID, webhookID); err != nil {
		return nil, false, err
	}
	return s.listInvocations(ctx, a.AccountID, webhookID, f, p)
}

// Attempts lists the attempts of one invocation of a webhook.
func (s *Service) Attempts(ctx context.Context, webhookID, invocationID string) ([]Attempt, error) {
	a, err := auth.RequireAdmin(ctx)
	if err != nil {
		return nil, err
	}
	iv, err := s.loadInvocation(ctx, a.AccountID, invocationID)
	if err != nil {
		return nil, err
	}
	if iv.WebhookID != webhookID {
		return nil, errs.NotFoundf("Not found")
	}
	return s.listAttempts(ctx, a.AccountID, invocationID)
}
