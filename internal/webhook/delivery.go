package webhook

import (
	"context"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"net/url"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/riverqueue/river"

	"parley/internal/auth"
	"parley/internal/platform/errs"
	"parley/internal/platform/httpx"
	"parley/internal/platform/netguard"
)

// Args is the delivery job of one invocation. The payload lives on the
// invocation row, so every retry sends the same body.
type Args struct {
	AccountID    int64  `json:"account_id"`
	WebhookID    string `json:"webhook_id"`
	InvocationID string `json:"invocation_id"`
}

// Kind implements river.JobArgs.
func (Args) Kind() string { return "webhook_delivery" }

// InsertOpts lets River retry a job whose own bookkeeping failed (a
// database error); HTTP retries are counted on the invocation instead.
func (Args) InsertOpts() river.InsertOpts { return river.InsertOpts{MaxAttempts: 10} }

// Worker delivers invocations.
type Worker struct {
	river.WorkerDefaults[Args]
	s *Service
}

// NewWorker returns the delivery worker to register with River.
func (s *Service) NewWorker() *Worker { return &Worker{s: s} }

// Work makes one attempt. A retryable failure snoozes the job until the
// next attempt is due (Retry-After or the backoff schedule).
func (w *Worker) Work(ctx context.Context, job *river.Job[Args]) error {
	return w.s.deliver(ctx, job.Args)
}

// Timeout covers the request plus bookkeeping.
func (w *Worker) Timeout(*river.Job[Args]) time.Duration { return w.s.timeout + 30*time.Second }

// maxRecorded bounds the response body kept on an attempt.
const maxRecorded = 4 << 10

// maxRetryAfter caps how long an endpoint may ask us to wait.
const maxRetryAfter = time.Hour

// result is what one HTTP request gave.
type result struct {
	status      int
	reqHeaders  []Header
	reqBody     string
	respHeaders []Header
	respBody    string
	retryAfter  time.Duration
	err         error
	duration    time.Duration
}

func (s *Service) enqueue(ctx context.Context, iv Invocation) error {
	if s.q == nil {
		return errors.New("webhook: no job queue wired")
	}
	return s.q.Enqueue(ctx, Args{AccountID: iv.AccountID, WebhookID: iv.WebhookID, InvocationID: iv.ID}, nil)
}

// invoke records an invocation of w with payload and enqueues its delivery,
// inside the caller's transaction.
func (s *Service) invoke(ctx context.Context, w Webhook, source, eventType, payload string) (Invocation, error) {
	iv := Invocation{ID: s.newID(), AccountID: w.AccountID, WebhookID: w.ID, Source: source, EventType: eventType,
		Payload: payload, Status: StatusInProgress, CreatedAt: s.clock.Now()}
	err := s.d.InTx(ctx, func(ctx context.Context) error {
		if err := s.insertInvocation(ctx, iv); err != nil {
			return err
		}
		return s.enqueue(ctx, iv)
	})
	return iv, err
}

func (s *Service) deliver(ctx context.Context, a Args) error {
	iv, err := s.loadInvocation(ctx, a.AccountID, a.InvocationID)
	if errs.Is(err, errs.NotFound) {
		return nil // the webhook was deleted with its invocations
	}
	if err != nil {
		return err
	}
	if iv.Status != StatusInProgress {
		return nil
	}
	w, err := s.loadWebhook(ctx, a.AccountID, iv.WebhookID)
	if errs.Is(err, errs.NotFound) {
		return s.finish(ctx, iv, nil, StatusTerminated, nil)
	}
	if err != nil {
		return err
	}
	if w.Status != StatusActive {
		return s.finish(ctx, iv, nil, StatusTerminated, nil)
	}
	res := s.send(ctx, w.AccountID, w, w.ID, iv.ID, iv.Payload, w.SigningSecret)
	att := s.attempt(iv, res)
	n := iv.Attempts + 1
	switch {
	case res.err == nil && res.status >= 200 && res.status < 300:
		return s.finish(ctx, iv, &att, StatusSuccess, nil)
	case retryable(res) && n < s.maxAttempts:
		wait := s.backoff(n)
		if res.retryAfter > 0 {
			wait = res.retryAfter
		}
		next := s.clock.Now().Add(wait)
		if err := s.finish(ctx, iv, &att, StatusInProgress, &next); err != nil {
			return err
		}
		return river.JobSnooze(wait)
	case retryable(res):
		return s.finish(ctx, iv, &att, StatusFailed, nil)
	default:
		return s.finish(ctx, iv, &att, StatusTerminated, nil)
	}
}

// retryable: 409, 429, 5xx and network failures; never a guard refusal.
func retryable(r result) bool {
	if r.err != nil {
		return !netguard.IsBlocked(r.err)
	}
	return r.status == http.StatusConflict || r.status == http.StatusTooManyRequests || r.status >= 500
}

func (s *Service) attempt(iv Invocation, r result) Attempt {
	a := Attempt{ID: s.newID(), AccountID: iv.AccountID, WebhookID: iv.WebhookID, InvocationID: iv.ID,
		Status: StatusFailed, RequestHeaders: r.reqHeaders, RequestPayload: r.reqBody, ResponseHeaders: r.respHeaders,
		ResponsePayload: r.respBody, Duration: r.duration, CompletedAt: s.clock.Now()}
	if a.RequestHeaders == nil {
		a.RequestHeaders = []Header{}
	}
	if a.ResponseHeaders == nil {
		a.ResponseHeaders = []Header{}
	}
	if r.err != nil {
		a.Error = r.err.Error()
	} else {
		code := r.status
		a.StatusCode = &code
		if code >= 200 && code < 300 {
			a.Status = StatusSuccess
		}
	}
	return a
}

// finish records an attempt (if any) and the invocation's new state.
func (s *Service) finish(ctx context.Context, iv Invocation, att *Attempt, status string, next *time.Time) error {
	now := s.clock.Now()
	return s.d.InTx(ctx, func(ctx context.Context) error {
		attempts := iv.Attempts
		var code any
		if iv.StatusCode != nil {
			code = *iv.StatusCode
		}
		if att != nil {
			if err := s.insertAttempt(ctx, *att); err != nil {
				return err
			}
			attempts++
			code = nil
			if att.StatusCode != nil {
				code = *att.StatusCode
			}
		}
		var nextAt any
		if next != nil {
			nextAt = next.UTC()
		}
		_, err := s.d.Conn(ctx).ExecContext(ctx, `UPDATE webhook_invocations SET status = $1, status_code = $2,
			attempts = $3, latest_completed_at = $4, next_attempt_at = $5 WHERE account_id = $6 AND id = $7`,
			status, code, attempts, now, nextAt, iv.AccountID, iv.ID)
		return err
	})
}

// contentType of each request format.
var contentType = map[string]string{
	"json":         "application/json; charset=utf-8",
	"xml":          "application/xml; charset=utf-8",
	"form_encoded": "application/x-www-form-urlencoded; charset=utf-8",
}

// send makes one signed request for w (its endpoint, method, format,
// authentication and custom headers) with payload, through the guarded
// client. webhookID and invocationID may be empty (test requests).
func (s *Service) send(ctx context.Context, accountID int64, w Webhook, webhookID, invocationID, payload, secret string) result {
	var r result
	target, err := url.Parse(w.Endpoint)
	if err != nil {
		r.err = err
		return r
	}
	body := []byte(payload)
	if w.HTTPMethod == http.MethodGet || w.HTTPMethod == http.MethodDelete {
		// No body: a JSON object payload travels as query parameters.
		if vals, ok := formValues(payload); ok && len(vals) > 0 {
			q := target.Query()
			for k, vs := range vals {
				for _, v := range vs {
					q.Add(k, v)
				}
			}
			target.RawQuery = q.Encode()
		}
		body = nil
	} else if w.RequestFormat == "form_encoded" {
		if vals, ok := formValues(payload); ok {
			body = []byte(vals.Encode())
		}
	}
	ctx = netguard.WithAccount(ctx, accountID)
	ctx, cancel := context.WithTimeout(ctx, s.timeout)
	defer cancel()
	var rd io.Reader
	if body != nil {
		rd = strings.NewReader(string(body))
	}
	req, err := http.NewRequestWithContext(ctx, w.HTTPMethod, target.String(), rd)
	if err != nil {
		r.err = err
		return r
	}
	ts := httpx.Time(s.clock.Now())
	h := req.Header
	h.Set("User-Agent", "Zendesk Webhook")
	if body != nil {
		h.Set("Content-Type", contentType[w.RequestFormat])
	}
	h.Set("X-Zendesk-Account-Id", strconv.FormatInt(accountID, 10))
	if webhookID != "" {
		h.Set("X-Zendesk-Webhook-Id", webhookID)
	}
	if invocationID != "" {
		h.Set("X-Zendesk-Webhook-Invocation-Id", invocationID)
	}
	h.Set("X-Zendesk-Webhook-Signature-Timestamp", ts)
	h.Set("X-Zendesk-Webhook-Signature", Sign(secret, ts, body))
	for k, v := range w.CustomHeaders {
		h.Set(k, v)
	}
	secretHeader := ""
	if a := w.Auth; a != nil {
		switch a.Type {
		case "basic_auth":
			req.SetBasicAuth(a.Username, a.Secret)
			secretHeader = "Authorization"
		case "bearer_token":
			h.Set("Authorization", "Bearer "+a.Secret)
			secretHeader = "Authorization"
		case "api_key":
			h.Set(a.Name, a.Secret)
			secretHeader = http.CanonicalHeaderKey(a.Name)
		}
	}
	r.reqHeaders = listHeaders(h, secretHeader)
	r.reqBody = string(body)
	start := time.Now()
	resp, err := s.client.Do(req)
	if err != nil {
		r.duration = time.Since(start)
		r.err = cleanErr(err)
		return r
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(io.LimitReader(resp.Body, maxRecorded))
	r.duration = time.Since(start)
	r.status = resp.StatusCode
	r.respHeaders = listHeaders(resp.Header, "")
	r.respBody = strings.ToValidUTF8(string(b), "\uFFFD")
	r.retryAfter = retryAfter(resp.Header.Get("Retry-After"), s.clock.Now())
	return r
}

// cleanErr drops Go's "Get "url": " wrapping so attempts read well.
func cleanErr(err error) error {
	var ue *url.Error
	if errors.As(err, &ue) {
		if errors.Is(ue.Err, context.DeadlineExceeded) {
			return errors.New("the request timed out")
		}
		return ue.Err
	}
	return err
}

// formValues turns a JSON object payload into form values (nested values
// as JSON text).
func formValues(payload string) (url.Values, bool) {
	var m map[string]any
	if strings.TrimSpace(payload) == "" || json.Unmarshal([]byte(payload), &m) != nil {
		return nil, false
	}
	vals := url.Values{}
	for k, v := range m {
		switch x := v.(type) {
		case string:
			vals.Add(k, x)
		case nil:
			vals.Add(k, "")
		default:
			b, _ := json.Marshal(x)
			vals.Add(k, string(b))
		}
	}
	return vals, true
}

// listHeaders lists h sorted by name, hiding the value of secret.
func listHeaders(h http.Header, secret string) []Header {
	keys := make([]string, 0, len(h))
	for k := range h {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	out := []Header{}
	for _, k := range keys {
		for _, v := range h[k] {
			if secret != "" && k == secret {
				v = "[FILTERED]"
			}
			out = append(out, Header{Key: k, Value: v})
		}
	}
	return out
}

// retryAfter reads a Retry-After header (seconds or an HTTP date).
func retryAfter(v string, now time.Time) time.Duration {
	v = strings.TrimSpace(v)
	if v == "" {
		return 0
	}
	var d time.Duration
	if n, err := strconv.Atoi(v); err == nil {
		d = time.Duration(n) * time.Second
	} else if t, err := http.ParseTime(v); err == nil {
		d = t.Sub(now)
	}
	if d <= 0 {
		return 0
	}
	return min(d, maxRetryAfter)
}

// TestRequest is the body of POST /webhooks/test.
type TestRequest struct {
	Endpoint       string            `json:"endpoint"`
	HTTPMethod     string            `json:"http_method"`
	RequestFormat  string            `json:"request_format"`
	Headers        []Header          `json:"headers"`
	Payload        string            `json:"payload"`
	Authentication *AuthInput        `json:"authentication"`
	CustomHeaders  map[string]string `json:"custom_headers"`
}

// TestResponse is what the endpoint answered.
type TestResponse struct {
	StatusCode int      `json:"status_code"`
	Headers    []Header `json:"headers"`
	Payload    string   `json:"payload"`
}

// Test sends one real request through the delivery code and the guard and
// returns the endpoint's answer. With webhookID, blanks in req come from
// that webhook and its signing secret signs; otherwise Zendesk's public
// test secret does.
func (s *Service) Test(ctx context.Context, webhookID string, req TestRequest) (TestResponse, error) {
	a, err := requireAdmin(ctx)
	if err != nil {
		return TestResponse{}, err
	}
	var base Webhook
	secret := TestSigningSecret
	if webhookID != "" {
		if base, err = s.loadWebhook(ctx, a, webhookID); err != nil {
			return TestResponse{}, err
		}
		secret = base.SigningSecret
	}
	in := Input{Name: ptr("test"), Subscriptions: []string{Conditional}, CustomHeaders: map[string]string{}}
	pick := func(v, def string) *string {
		if v != "" {
			return &v
		}
		return &def
	}
	in.Endpoint = pick(req.Endpoint, base.Endpoint)
	in.HTTPMethod = pick(req.HTTPMethod, base.HTTPMethod)
	in.RequestFormat = pick(req.RequestFormat, base.RequestFormat)
	for k, v := range base.CustomHeaders {
		in.CustomHeaders[k] = v
	}
	for k, v := range req.CustomHeaders {
		in.CustomHeaders[k] = v
	}
	for _, h := range req.Headers {
		in.CustomHeaders[h.Key] = h.Value
	}
	in.Authentication = req.Authentication
	cur := &base
	if in.Authentication == nil && base.Auth != nil {
		in.Authentication = &AuthInput{Type: base.Auth.Type, AddPosition: base.Auth.AddPosition,
			Data: AuthData{Username: base.Auth.Username, Name: base.Auth.Name}}
	}
	w, err := build(in, cur, s.checkHost(a))
	if err != nil {
		return TestResponse{}, err
	}
	res := s.send(ctx, a, w, webhookID, "", req.Payload, secret)
	if res.err != nil {
		if netguard.IsBlocked(res.err) {
			return TestResponse{}, errs.Invalidf("endpoint", "InvalidValue", "Endpoint: %s", netguard.ErrBlocked.Error())
		}
		return TestResponse{}, errs.Ef(errs.BadRequest, "The test request failed: %v", res.err).WithCode("WebhookTestFailed")
	}
	return TestResponse{StatusCode: res.status, Headers: res.respHeaders, Payload: res.respBody}, nil
}

func ptr[T any](v T) *T { return &v }

// requireAdmin is auth.RequireAdmin returning the account id.
func requireAdmin(ctx context.Context) (int64, error) {
	a, err := auth.RequireAdmin(ctx)
	if err != nil {
		return 0, err
	}
	return a.AccountID, nil
}
