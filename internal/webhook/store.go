package webhook

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"strings"
	"time"

	"parley/internal/platform/db"
	"parley/internal/platform/errs"
)

const webhookCols = `seq, id, account_id, name, description, status, endpoint, http_method, request_format,
	subscriptions, auth_type, auth_data, auth_secret, custom_headers, external_source, signing_secret,
	created_by, updated_by, created_at, updated_at`

// authData is the non-secret part of an authentication, stored as JSON.
type authData struct {
	Username    string `json:"username,omitempty"`
	Name        string `json:"name,omitempty"`
	AddPosition string `json:"add_position"`
}

func (s *Service) scanWebhook(row interface{ Scan(...any) error }) (Webhook, error) {
	var w Webhook
	var subs, headers, sign string
	var authType, authJSON, authSecret, ext sql.NullString
	var ca, ua db.Time
	err := row.Scan(&w.Seq, &w.ID, &w.AccountID, &w.Name, &w.Description, &w.Status, &w.Endpoint, &w.HTTPMethod,
		&w.RequestFormat, &subs, &authType, &authJSON, &authSecret, &headers, &ext, &sign,
		&w.CreatedBy, &w.UpdatedBy, &ca, &ua)
	if errors.Is(err, sql.ErrNoRows) {
		return w, errs.NotFoundf("Not found")
	}
	if err != nil {
		return w, err
	}
	w.CreatedAt, w.UpdatedAt = ca.T, ua.T
	if err := json.Unmarshal([]byte(subs), &w.Subscriptions); err != nil {
		return w, err
	}
	if err := json.Unmarshal([]byte(headers), &w.CustomHeaders); err != nil {
		return w, err
	}
	if ext.Valid {
		w.ExternalSource = json.RawMessage(ext.String)
	}
	if w.SigningSecret, err = s.box.Open(w.ID, sign); err != nil {
		return w, err
	}
	if authType.Valid {
		var d authData
		if err := json.Unmarshal([]byte(authJSON.String), &d); err != nil {
			return w, err
		}
		a := &Auth{Type: authType.String, Username: d.Username, Name: d.Name, AddPosition: d.AddPosition}
		if a.Secret, err = s.box.Open(w.ID, authSecret.String); err != nil {
			return w, err
		}
		w.Auth = a
	}
	return w, nil
}

// row returns the webhook values in column order (after seq), secrets sealed.
func (s *Service) row(w Webhook) []any {
	subs, _ := json.Marshal(w.Subscriptions)
	headers, _ := json.Marshal(w.CustomHeaders)
	var authType, authJSON, authSecret, ext any
	if w.Auth != nil {
		d, _ := json.Marshal(authData{Username: w.Auth.Username, Name: w.Auth.Name, AddPosition: w.Auth.AddPosition})
		authType, authJSON, authSecret = w.Auth.Type, string(d), s.box.Seal(w.ID, w.Auth.Secret)
	}
	if len(w.ExternalSource) > 0 {
		ext = string(w.ExternalSource)
	}
	return []any{w.ID, w.AccountID, w.Name, w.Description, w.Status, w.Endpoint, w.HTTPMethod, w.RequestFormat,
		string(subs), authType, authJSON, authSecret, string(headers), ext, s.box.Seal(w.ID, w.SigningSecret),
		w.CreatedBy, w.UpdatedBy, w.CreatedAt, w.UpdatedAt}
}

func (s *Service) insertWebhook(ctx context.Context, w Webhook) error {
	_, err := s.d.Conn(ctx).ExecContext(ctx, `INSERT INTO webhooks (id, account_id, name, description, status, endpoint,
		http_method, request_format, subscriptions, auth_type, auth_data, auth_secret, custom_headers, external_source,
		signing_secret, created_by, updated_by, created_at, updated_at)
		VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17, $18, $19)`, s.row(w)...)
	if err != nil {
		return db.Classify(err)
	}
	return s.writeEvents(ctx, w)
}

func (s *Service) updateWebhook(ctx context.Context, w Webhook) error {
	r := s.row(w)
	// r is in insert column order; created_by (15) and created_at (17) stay.
	args := append(r[:15:15], r[16], r[18])
	_, err := s.d.Conn(ctx).ExecContext(ctx, `UPDATE webhooks SET name = $3, description = $4, status = $5,
		endpoint = $6, http_method = $7, request_format = $8, subscriptions = $9, auth_type = $10, auth_data = $11,
		auth_secret = $12, custom_headers = $13, external_source = $14, signing_secret = $15, updated_by = $16,
		updated_at = $17
		WHERE id = $1 AND account_id = $2`, args...)
	if err != nil {
		return db.Classify(err)
	}
	return s.writeEvents(ctx, w)
}

// writeEvents replaces the webhook's rows in webhook_events.
func (s *Service) writeEvents(ctx context.Context, w Webhook) error {
	c := s.d.Conn(ctx)
	if _, err := c.ExecContext(ctx, `DELETE FROM webhook_events WHERE account_id = $1 AND webhook_id = $2`, w.AccountID, w.ID); err != nil {
		return err
	}
	for _, sub := range w.Subscriptions {
		if !strings.HasPrefix(sub, eventPrefix) {
			continue
		}
		if _, err := c.ExecContext(ctx, `INSERT INTO webhook_events (account_id, event_type, webhook_id) VALUES ($1, $2, $3)`,
			w.AccountID, sub, w.ID); err != nil {
			return err
		}
	}
	return nil
}

func (s *Service) loadWebhook(ctx context.Context, accountID int64, id string) (Webhook, error) {
	return s.scanWebhook(s.d.Conn(ctx).QueryRowContext(ctx,
		`SELECT `+webhookCols+` FROM webhooks WHERE account_id = $1 AND id = $2`, accountID, id))
}

func (s *Service) deleteWebhook(ctx context.Context, accountID int64, id string) error {
	c := s.d.Conn(ctx)
	res, err := c.ExecContext(ctx, `DELETE FROM webhooks WHERE account_id = $1 AND id = $2`, accountID, id)
	if err != nil {
		return err
	}
	if n, _ := res.RowsAffected(); n == 0 {
		return errs.NotFoundf("Not found")
	}
	for _, q := range []string{
		`DELETE FROM webhook_events WHERE account_id = $1 AND webhook_id = $2`,
		`DELETE FROM webhook_attempts WHERE account_id = $1 AND webhook_id = $2`,
		`DELETE FROM webhook_invocations WHERE account_id = $1 AND webhook_id = $2`,
	} {
		if _, err := c.ExecContext(ctx, q, accountID, id); err != nil {
			return err
		}
	}
	return nil
}

// Filter narrows a webhook list.
type Filter struct {
	NameContains string
	Status       string
}

func (s *Service) listWebhooks(ctx context.Context, accountID int64, f Filter, p db.Page) ([]Webhook, bool, error) {
	args := []any{accountID}
	q := `SELECT ` + webhookCols + ` FROM webhooks WHERE account_id = $1`
	if f.NameContains != "" {
		q += ` AND lower(name) LIKE ` + db.Arg(&args, "%"+db.LikeEscape(strings.ToLower(f.NameContains))+"%") + ` ESCAPE '\'`
	}
	if f.Status != "" {
		q += ` AND status = ` + db.Arg(&args, f.Status)
	}
	p.IDColumn = "seq"
	q += p.Seek(&args) + p.OrderLimit(&args)
	rows, err := s.d.Conn(ctx).QueryContext(ctx, q, args...)
	if err != nil {
		return nil, false, err
	}
	defer rows.Close()
	out := []Webhook{}
	for rows.Next() {
		w, err := s.scanWebhook(rows)
		if err != nil {
			return nil, false, err
		}
		out = append(out, w)
	}
	if err := rows.Err(); err != nil {
		return nil, false, err
	}
	out, more := db.Finish(p, out)
	return out, more, nil
}

// subscribed returns, for each event type with the given prefix, the ids
// of the account's active webhooks subscribed to it. One probe of the
// (account_id, ...) primary key: nearly free when the account has no event
// subscriptions, which is the common case.
func (s *Service) subscribed(ctx context.Context, accountID int64, prefix string) (map[string][]string, error) {
	rows, err := s.d.Conn(ctx).QueryContext(ctx, `SELECT e.event_type, e.webhook_id FROM webhook_events e
		JOIN webhooks w ON w.account_id = e.account_id AND w.id = e.webhook_id
		WHERE e.account_id = $1 AND w.status = 'active'
		ORDER BY w.seq`, accountID)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out map[string][]string
	for rows.Next() {
		var typ, id string
		if err := rows.Scan(&typ, &id); err != nil {
			return nil, err
		}
		if !strings.HasPrefix(typ, prefix) {
			continue
		}
		if out == nil {
			out = map[string][]string{}
		}
		out[typ] = append(out[typ], id)
	}
	return out, rows.Err()
}

// Invocation is one request a webhook owes: its payload is fixed when it is
// created, so every attempt sends the same body.
type Invocation struct {
	Seq               int64
	ID                string
	AccountID         int64
	WebhookID         string
	Source            string
	EventType         string
	Payload           string
	Status            string
	StatusCode        *int
	Attempts          int
	CreatedAt         time.Time
	LatestCompletedAt *time.Time
	NextAttemptAt     *time.Time
}

const invocationCols = `seq, id, account_id, webhook_id, source, event_type, payload, status, status_code, attempts,
	created_at, latest_completed_at, next_attempt_at`

func scanInvocation(row interface{ Scan(...any) error }) (Invocation, error) {
	var iv Invocation
	var et sql.NullString
	var code sql.NullInt64
	var ca, lc, na db.Time
	err := row.Scan(&iv.Seq, &iv.ID, &iv.AccountID, &iv.WebhookID, &iv.Source, &et, &iv.Payload, &iv.Status, &code,
		&iv.Attempts, &ca, &lc, &na)
	if errors.Is(err, sql.ErrNoRows) {
		return iv, errs.NotFoundf("Not found")
	}
	if err != nil {
		return iv, err
	}
	iv.EventType = et.String
	if code.Valid {
		n := int(code.Int64)
		iv.StatusCode = &n
	}
	iv.CreatedAt, iv.LatestCompletedAt, iv.NextAttemptAt = ca.T, lc.Ptr(), na.Ptr()
	return iv, nil
}

func (s *Service) insertInvocation(ctx context.Context, iv Invocation) error {
	var et any
	if iv.EventType != "" {
		et = iv.EventType
	}
	_, err := s.d.Conn(ctx).ExecContext(ctx, `INSERT INTO webhook_invocations (id, account_id, webhook_id, source,
		event_type, payload, status, attempts, created_at) VALUES ($1, $2, $3, $4, $5, $6, $7, 0, $8)`,
		iv.ID, iv.AccountID, iv.WebhookID, iv.Source, et, iv.Payload, iv.Status, iv.CreatedAt)
	return err
}

func (s *Service) loadInvocation(ctx context.Context, accountID int64, id string) (Invocation, error) {
	return scanInvocation(s.d.Conn(ctx).QueryRowContext(ctx,
		`SELECT `+invocationCols+` FROM webhook_invocations WHERE account_id = $1 AND id = $2`, accountID, id))
}

// InvocationFilter narrows an invocation list.
type InvocationFilter struct {
	Status string
	From   *time.Time
	To     *time.Time
}

func (s *Service) listInvocations(ctx context.Context, accountID int64, webhookID string, f InvocationFilter, p db.Page) ([]Invocation, bool, error) {
	args := []any{accountID, webhookID}
	q := `SELECT ` + invocationCols + ` FROM webhook_invocations WHERE account_id = $1 AND webhook_id = $2`
	if f.Status != "" {
		q += ` AND status = ` + db.Arg(&args, f.Status)
	}
	if f.From != nil {
		q += ` AND created_at >= ` + db.Arg(&args, f.From.UTC())
	}
	if f.To != nil {
		q += ` AND created_at <= ` + db.Arg(&args, f.To.UTC())
	}
	p.IDColumn = "seq"
	q += p.Seek(&args) + p.OrderLimit(&args)
	rows, err := s.d.Conn(ctx).QueryContext(ctx, q, args...)
	if err != nil {
		return nil, false, err
	}
	defer rows.Close()
	out := []Invocation{}
	for rows.Next() {
		iv, err := scanInvocation(rows)
		if err != nil {
			return nil, false, err
		}
		out = append(out, iv)
	}
	if err := rows.Err(); err != nil {
		return nil, false, err
	}
	out, more := db.Finish(p, out)
	return out, more, nil
}

// Attempt is one HTTP request made for an invocation.
type Attempt struct {
	Seq             int64
	ID              string
	AccountID       int64
	WebhookID       string
	InvocationID    string
	Status          string
	StatusCode      *int
	RequestHeaders  []Header
	RequestPayload  string
	ResponseHeaders []Header
	ResponsePayload string
	Error           string
	Duration        time.Duration
	CompletedAt     time.Time
}

// Header is one header as the API lists them.
type Header struct {
	Key   string `json:"key"`
	Value string `json:"value"`
}

func (s *Service) insertAttempt(ctx context.Context, a Attempt) error {
	rh, _ := json.Marshal(a.RequestHeaders)
	sh, _ := json.Marshal(a.ResponseHeaders)
	var code, e any
	if a.StatusCode != nil {
		code = *a.StatusCode
	}
	if a.Error != "" {
		e = a.Error
	}
	_, err := s.d.Conn(ctx).ExecContext(ctx, `INSERT INTO webhook_attempts (id, account_id, webhook_id, invocation_id,
		status, status_code, request_headers, request_payload, response_headers, response_payload, error, duration_ms,
		completed_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13)`,
		a.ID, a.AccountID, a.WebhookID, a.InvocationID, a.Status, code, string(rh), a.RequestPayload, string(sh),
		a.ResponsePayload, e, a.Duration.Milliseconds(), a.CompletedAt)
	return err
}

func (s *Service) listAttempts(ctx context.Context, accountID int64, invocationID string) ([]Attempt, error) {
	rows, err := s.d.Conn(ctx).QueryContext(ctx, `SELECT seq, id, account_id, webhook_id, invocation_id, status,
		status_code, request_headers, request_payload, response_headers, response_payload, error, duration_ms, completed_at
		FROM webhook_attempts WHERE account_id = $1 AND invocation_id = $2 ORDER BY seq`, accountID, invocationID)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	out := []Attempt{}
	for rows.Next() {
		var a Attempt
		var code sql.NullInt64
		var rh, sh string
		var e sql.NullString
		var ms int64
		var ca db.Time
		if err := rows.Scan(&a.Seq, &a.ID, &a.AccountID, &a.WebhookID, &a.InvocationID, &a.Status, &code, &rh,
			&a.RequestPayload, &sh, &a.ResponsePayload, &e, &ms, &ca); err != nil {
			return nil, err
		}
		if code.Valid {
			n := int(code.Int64)
			a.StatusCode = &n
		}
		_ = json.Unmarshal([]byte(rh), &a.RequestHeaders)
		_ = json.Unmarshal([]byte(sh), &a.ResponseHeaders)
		a.Error, a.Duration, a.CompletedAt = e.String, time.Duration(ms)*time.Millisecond, ca.T
		out = append(out, a)
	}
	return out, rows.Err()
}
