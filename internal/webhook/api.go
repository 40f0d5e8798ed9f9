package webhook

import (
	"encoding/json"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/go-chi/chi/v5"

	"parley/internal/platform/db"
	"parley/internal/platform/errs"
	"parley/internal/platform/httpx"
)

// API serves /api/v2/webhooks.
type API struct{ s *Service }

// NewAPI builds the webhooks API.
func NewAPI(s *Service) *API { return &API{s: s} }

// Routes registers the webhook endpoints (mounted under /api/v2).
func (h *API) Routes(r chi.Router) {
	H := httpx.H
	r.Get("/webhooks", H(h.list))
	r.Post("/webhooks", H(h.create))
	r.Post("/webhooks/test", H(h.test))
	r.Get("/webhooks/{id}", H(h.show))
	r.Put("/webhooks/{id}", H(h.update))
	r.Patch("/webhooks/{id}", H(h.patch))
	r.Delete("/webhooks/{id}", H(h.delete))
	r.Get("/webhooks/{id}/signing_secret", H(h.secret))
	r.Post("/webhooks/{id}/signing_secret", H(h.rotate))
	r.Get("/webhooks/{id}/invocations", H(h.invocations))
	r.Get("/webhooks/{id}/invocations/{iid}/attempts", H(h.attempts))
}

// object is the API shape of w. Secrets are write-only: the authentication
// secret appears only when withSecrets is set (internal merges), and the
// signing secret never (it has its own endpoint).
func object(w Webhook, withSecrets bool) httpx.M {
	m := httpx.M{
		"id": w.ID, "name": w.Name, "description": w.Description, "status": w.Status,
		"subscriptions": w.Subscriptions, "endpoint": w.Endpoint, "http_method": w.HTTPMethod,
		"request_format": w.RequestFormat, "custom_headers": w.CustomHeaders, "external_source": nil,
		"signing_secret": nil, "created_at": httpx.Time(w.CreatedAt), "created_by": w.CreatedBy,
		"updated_at": httpx.Time(w.UpdatedAt), "updated_by": w.UpdatedBy,
	}
	if w.CustomHeaders == nil {
		m["custom_headers"] = map[string]string{}
	}
	if len(w.ExternalSource) > 0 {
		m["external_source"] = json.RawMessage(w.ExternalSource)
	}
	if a := w.Auth; a != nil {
		data := httpx.M{}
		switch a.Type {
		case "basic_auth":
			data["username"] = a.Username
			if withSecrets {
				data["password"] = a.Secret
			}
		case "bearer_token":
			if withSecrets {
				data["token"] = a.Secret
			}
		case "api_key":
			data["name"] = a.Name
			if withSecrets {
				data["value"] = a.Secret
			}
		}
		m["authentication"] = httpx.M{"type": a.Type, "data": data, "add_position": a.AddPosition}
	}
	return m
}

var webhookSorts = httpx.Sorts{
	"name":       {Column: "name", Kind: httpx.KindString},
	"status":     {Column: "status", Kind: httpx.KindString},
	"created_at": {Column: "created_at", Kind: httpx.KindTime},
}

// cursorList parses a list request, always in cursor mode: the webhooks
// API has no offset pagination.
func cursorList(r *http.Request, sorts httpx.Sorts) (httpx.List, error) {
	if !httpx.IsCursor(r) {
		r2 := r.Clone(r.Context())
		q := r2.URL.Query()
		q.Set("page[size]", "100")
		r2.URL.RawQuery = q.Encode()
		return httpx.ParseList(r2, sorts, "")
	}
	return httpx.ParseList(r, sorts, "")
}

func (h *API) list(w http.ResponseWriter, r *http.Request) error {
	l, err := cursorList(r, webhookSorts)
	if err != nil {
		return err
	}
	q := r.URL.Query()
	f := Filter{NameContains: q.Get("filter[name_contains]"), Status: q.Get("filter[status]")}
	if f.Status != "" && f.Status != StatusActive && f.Status != StatusInactive {
		return errs.E(errs.BadRequest, "filter[status] must be active or inactive").WithCode("InvalidValue")
	}
	ws, more, err := h.s.List(r.Context(), f, l.Page)
	if err != nil {
		return err
	}
	out := make([]httpx.M, 0, len(ws))
	res := httpx.Result{More: more}
	for _, wh := range ws {
		out = append(out, object(wh, false))
		var v any = wh.Seq
		switch l.Sort {
		case "name":
			v = wh.Name
		case "status":
			v = wh.Status
		case "created_at":
			v = wh.CreatedAt
		}
		res.Keys = append(res.Keys, db.Key{V: v, ID: wh.Seq})
	}
	return l.Write(w, r, "webhooks", out, res, nil)
}

// decodeWebhook reads {"webhook":{...}} as raw JSON and as an Input.
func decodeWebhook(w http.ResponseWriter, r *http.Request, required bool) (json.RawMessage, Input, error) {
	raw, err := httpx.DecodeRaw(r)
	if err != nil {
		if !required && errs.Is(err, errs.BadRequest) && strings.Contains(err.Error(), "empty") {
			return nil, Input{}, nil
		}
		return nil, Input{}, err
	}
	v, ok := raw["webhook"]
	if !ok || string(v) == "null" {
		if !required {
			return nil, Input{}, nil
		}
		return nil, Input{}, errs.E(errs.BadRequest, "param is missing or the value is empty: webhook").WithCode("ParameterMissing")
	}
	var in Input
	if err := httpx.DecodeValue(w, "webhook", v, &in); err != nil {
		return nil, Input{}, err
	}
	return v, in, nil
}

func (h *API) create(w http.ResponseWriter, r *http.Request) error {
	var wh Webhook
	if src := r.URL.Query().Get("clone_webhook_id"); src != "" {
		raw, _, err := decodeWebhook(w, r, false)
		if err != nil {
			return err
		}
		if wh, err = h.s.Clone(r.Context(), src, raw); err != nil {
			return err
		}
	} else {
		_, in, err := decodeWebhook(w, r, true)
		if err != nil {
			return err
		}
		if wh, err = h.s.Create(r.Context(), in); err != nil {
			return err
		}
	}
	out := object(wh, false)
	// Zendesk echoes the creation time with full precision on create only.
	out["created_at"] = wh.CreatedAt.UTC().Format(time.RFC3339Nano)
	return httpx.Created(w, httpx.URL(r.Context(), "/api/v2/webhooks/%s", wh.ID), httpx.M{"webhook": out})
}

func (h *API) show(w http.ResponseWriter, r *http.Request) error {
	wh, err := h.s.Get(r.Context(), chi.URLParam(r, "id"))
	if err != nil {
		return err
	}
	return httpx.JSON(w, http.StatusOK, httpx.M{"webhook": object(wh, false)})
}

func (h *API) update(w http.ResponseWriter, r *http.Request) error {
	_, in, err := decodeWebhook(w, r, true)
	if err != nil {
		return err
	}
	if _, err := h.s.Update(r.Context(), chi.URLParam(r, "id"), in); err != nil {
		return err
	}
	return httpx.NoContent(w)
}

func (h *API) patch(w http.ResponseWriter, r *http.Request) error {
	raw, _, err := decodeWebhook(w, r, true)
	if err != nil {
		return err
	}
	if _, err := h.s.Patch(r.Context(), chi.URLParam(r, "id"), raw); err != nil {
		return err
	}
	return httpx.NoContent(w)
}

func (h *API) delete(w http.ResponseWriter, r *http.Request) error {
	if err := h.s.Delete(r.Context(), chi.URLParam(r, "id")); err != nil {
		return err
	}
	return httpx.NoContent(w)
}

func (h *API) secret(w http.ResponseWriter, r *http.Request) error {
	s, err := h.s.SigningSecret(r.Context(), chi.URLParam(r, "id"))
	if err != nil {
		return err
	}
	return httpx.JSON(w, http.StatusOK, httpx.M{"signing_secret": httpx.M{"secret": s, "algorithm": "SHA256"}})
}

func (h *API) rotate(w http.ResponseWriter, r *http.Request) error {
	s, err := h.s.RotateSigningSecret(r.Context(), chi.URLParam(r, "id"))
	if err != nil {
		return err
	}
	return httpx.JSON(w, http.StatusCreated, httpx.M{"signing_secret": httpx.M{"secret": s, "algorithm": "SHA256"}})
}

func (h *API) test(w http.ResponseWriter, r *http.Request) error {
	var req TestRequest
	if err := httpx.Decode(w, r, "request", &req); err != nil {
		return err
	}
	resp, err := h.s.Test(r.Context(), r.URL.Query().Get("webhook_id"), req)
	if err != nil {
		return err
	}
	return httpx.JSON(w, http.StatusOK, httpx.M{"response": resp})
}

var invocationSorts = httpx.Sorts{"created_at": {Column: "created_at", Kind: httpx.KindTime}}

func (h *API) invocations(w http.ResponseWriter, r *http.Request) error {
	l, err := cursorList(r, invocationSorts)
	if err != nil {
		return err
	}
	if r.URL.Query().Get("sort") == "" {
		l.Desc = true // newest first
	}
	q := r.URL.Query()
	f := InvocationFilter{Status: q.Get("filter[status]")}
	for _, p := range []struct {
		name string
		dst  **time.Time
	}{{"filter[from_ts]", &f.From}, {"filter[to_ts]", &f.To}} {
		if v := q.Get(p.name); v != "" {
			t, err := parseTS(v)
			if err != nil {
				return errs.Ef(errs.BadRequest, "%s must be an ISO 8601 time", p.name).WithCode("InvalidValue")
			}
			*p.dst = &t
		}
	}
	ivs, more, err := h.s.Invocations(r.Context(), chi.URLParam(r, "id"), f, l.Page)
	if err != nil {
		return err
	}
	out := make([]httpx.M, 0, len(ivs))
	res := httpx.Result{More: more}
	for _, iv := range ivs {
		out = append(out, httpx.M{"id": iv.ID, "status": iv.Status, "status_code": iv.StatusCode,
			"latest_completed_at": httpx.TimePtr(iv.LatestCompletedAt), "created_at": httpx.Time(iv.CreatedAt)})
		var v any = iv.Seq
		if l.Sort == "created_at" {
			v = iv.CreatedAt
		}
		res.Keys = append(res.Keys, db.Key{V: v, ID: iv.Seq})
	}
	return l.Write(w, r, "invocations", out, res, nil)
}

func parseTS(v string) (time.Time, error) {
	if u, err := url.QueryUnescape(v); err == nil {
		v = u
	}
	for _, l := range []string{time.RFC3339Nano, "2006-01-02T15:04:05Z0700", "2006-01-02"} {
		if t, err := time.Parse(l, v); err == nil {
			return t.UTC(), nil
		}
	}
	return time.Time{}, errs.E(errs.BadRequest, "bad time")
}

func (h *API) attempts(w http.ResponseWriter, r *http.Request) error {
	as, err := h.s.Attempts(r.Context(), chi.URLParam(r, "id"), chi.URLParam(r, "iid"))
	if err != nil {
		return err
	}
	out := make([]httpx.M, 0, len(as))
	for _, a := range as {
		out = append(out, httpx.M{"id": a.ID, "invocation_id": a.InvocationID, "status": a.Status,
			"status_code": a.StatusCode, "completed_at": httpx.Time(a.CompletedAt), "duration_ms": a.Duration.Milliseconds(),
			"error":    nullable(a.Error),
			"request":  httpx.M{"headers": a.RequestHeaders, "payload": a.RequestPayload},
			"response": httpx.M{"headers": a.ResponseHeaders, "payload": a.ResponsePayload}})
	}
	return httpx.JSON(w, http.StatusOK, httpx.M{"attempts": out})
}

func nullable(s string) any {
	if s == "" {
		return nil
	}
	return s
}
