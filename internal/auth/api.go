package auth

import (
	"net/http"

	"github.com/go-chi/chi/v5"

	"parley/internal/platform/httpx"
)

// TokensAPI serves /api/v2/api_tokens (admins).
type TokensAPI struct{ t *Tokens }

// NewTokensAPI builds the API token endpoints.
func NewTokensAPI(t *Tokens) *TokensAPI { return &TokensAPI{t: t} }

// Routes registers the endpoints.
func (h *TokensAPI) Routes(r chi.Router) {
	r.Get("/api_tokens", httpx.H(h.list))
	r.Post("/api_tokens", httpx.H(h.create))
	r.Get("/api_tokens/{id}", httpx.H(h.show))
	r.Put("/api_tokens/{id}", httpx.H(h.update))
	r.Delete("/api_tokens/{id}", httpx.H(h.delete))
}

// tokenJSON never shows a stored token: only the last four characters,
// except in the create response, the one time the secret exists.
func tokenJSON(r *http.Request, t APIToken) httpx.M {
	tok := "…" + t.Hint
	if t.Token != "" {
		tok = t.Token
	}
	return httpx.M{
		"id":          t.ID,
		"url":         httpx.URL(r.Context(), "/api/v2/api_tokens/%d.json", t.ID),
		"description": t.Description,
		"token":       tok,
		"active":      t.Active,
		"created_at":  httpx.Time(t.CreatedAt),
		"updated_at":  httpx.Time(t.UpdatedAt),
	}
}

func (h *TokensAPI) list(w http.ResponseWriter, r *http.Request) error {
	ts, err := h.t.List(r.Context())
	if err != nil {
		return err
	}
	out := make([]httpx.M, 0, len(ts))
	for _, t := range ts {
		out = append(out, tokenJSON(r, t))
	}
	return httpx.JSON(w, http.StatusOK, httpx.M{"api_tokens": out, "next_page": nil, "previous_page": nil, "count": len(out)})
}

type tokenIn struct {
	Description *string `json:"description"`
	Active      *bool   `json:"active"`
}

func (h *TokensAPI) create(w http.ResponseWriter, r *http.Request) error {
	var in tokenIn
	if err := httpx.Decode(w, r, "api_token", &in); err != nil {
		return err
	}
	desc := ""
	if in.Description != nil {
		desc = *in.Description
	}
	t, err := h.t.Create(r.Context(), desc)
	if err != nil {
		return err
	}
	return httpx.Created(w, httpx.URL(r.Context(), "/api/v2/api_tokens/%d.json", t.ID), httpx.M{"api_token": tokenJSON(r, t)})
}

func (h *TokensAPI) show(w http.ResponseWriter, r *http.Request) error {
	id, err := httpx.PathID(chi.URLParam(r, "id"))
	if err != nil {
		return err
	}
	t, err := h.t.Get(r.Context(), id)
	if err != nil {
		return err
	}
	return httpx.JSON(w, http.StatusOK, httpx.M{"api_token": tokenJSON(r, t)})
}

func (h *TokensAPI) update(w http.ResponseWriter, r *http.Request) error {
	id, err := httpx.PathID(chi.URLParam(r, "id"))
	if err != nil {
		return err
	}
	var in tokenIn
	if err := httpx.Decode(w, r, "api_token", &in); err != nil {
		return err
	}
	t, err := h.t.Update(r.Context(), id, in.Description, in.Active)
	if err != nil {
		return err
	}
	return httpx.JSON(w, http.StatusOK, httpx.M{"api_token": tokenJSON(r, t)})
}

func (h *TokensAPI) delete(w http.ResponseWriter, r *http.Request) error {
	id, err := httpx.PathID(chi.URLParam(r, "id"))
	if err != nil {
		return err
	}
	if err := h.t.Delete(r.Context(), id); err != nil {
		return err
	}
	return httpx.NoContent(w)
}
