package share

import (
	"net/http"
	"strings"

	"github.com/go-chi/chi/v5"

	"parley/internal/platform/errs"
	"parley/internal/platform/httpx"
	"parley/internal/platform/opt"
)

// API serves /api/v2/sharing_agreements (reference §6.1).
type API struct{ s *Service }

// NewAPI builds the agreements API.
func NewAPI(s *Service) *API { return &API{s: s} }

// Routes registers the endpoints on the /api/v2 router.
func (h *API) Routes(r chi.Router) {
	r.Get("/sharing_agreements", httpx.H(h.list))
	r.Post("/sharing_agreements", httpx.H(h.create))
	r.Get("/sharing_agreements/{id}", httpx.H(h.show))
	r.Put("/sharing_agreements/{id}", httpx.H(h.update))
	r.Delete("/sharing_agreements/{id}", httpx.H(h.delete))
}

// agreementJSON is Zendesk's shape plus the terms and what broke it.
func agreementJSON(r *http.Request, a Agreement) httpx.M {
	return httpx.M{
		"id":                     a.ID,
		"url":                    httpx.URL(r.Context(), "/api/v2/sharing_agreements/%d.json", a.ID),
		"name":                   a.Name,
		"type":                   a.Direction,
		"status":                 a.Status,
		"partner_name":           a.PartnerName,
		"remote_subdomain":       a.RemoteSubdomain,
		"remote_url":             a.RemoteURL,
		"uuid":                   a.UUID,
		"allows_public_comments": a.AllowsPublicComments,
		"sync_tags":              a.SyncTags,
		"sync_custom_fields":     a.SyncCustomFields,
		"deactivated_by":         a.DeactivatedBy,
		"failure":                a.Failure,
		"created_at":             httpx.Time(a.CreatedAt),
		"updated_at":             httpx.Time(a.UpdatedAt),
	}
}

func (h *API) list(w http.ResponseWriter, r *http.Request) error {
	ags, err := h.s.List(r.Context())
	if err != nil {
		return err
	}
	out := make([]httpx.M, 0, len(ags))
	for _, a := range ags {
		if a.AutoDeclined {
			continue // declined for the account without telling it
		}
		out = append(out, agreementJSON(r, a))
	}
	return httpx.JSON(w, http.StatusOK, httpx.M{"sharing_agreements": out, "next_page": nil, "previous_page": nil,
		"count": len(out)})
}

func (h *API) show(w http.ResponseWriter, r *http.Request) error {
	id, err := httpx.PathID(chi.URLParam(r, "id"))
	if err != nil {
		return err
	}
	a, err := h.s.Get(r.Context(), id)
	if err != nil {
		return err
	}
	return httpx.JSON(w, http.StatusOK, httpx.M{"sharing_agreement": agreementJSON(r, a)})
}

type createIn struct {
	RemoteSubdomain      opt.Opt[string] `json:"remote_subdomain"`
	RemoteURL            opt.Opt[string] `json:"remote_url"`
	PartnerName          opt.Opt[string] `json:"partner_name"`
	AllowsPublicComments opt.Opt[bool]   `json:"allows_public_comments"`
	SyncTags             opt.Opt[bool]   `json:"sync_tags"`
	SyncCustomFields     opt.Opt[bool]   `json:"sync_custom_fields"`
}

func (h *API) create(w http.ResponseWriter, r *http.Request) error {
	var in createIn
	if err := httpx.Decode(w, r, "sharing_agreement", &in); err != nil {
		return err
	}
	a, err := h.s.Create(r.Context(), CreateInput{
		RemoteSubdomain: in.RemoteSubdomain.V, RemoteURL: in.RemoteURL.V, PartnerName: in.PartnerName.V,
		Terms: Terms{AllowsPublicComments: in.AllowsPublicComments.Or(true), SyncTags: in.SyncTags.Or(false),
			SyncCustomFields: in.SyncCustomFields.Or(false)},
		LocalURL: strings.TrimSuffix(httpx.BaseURL(r.Context()), "/") + "/sharing",
	})
	if err != nil {
		return err
	}
	return httpx.Created(w, httpx.URL(r.Context(), "/api/v2/sharing_agreements/%d.json", a.ID),
		httpx.M{"sharing_agreement": agreementJSON(r, a)})
}

type updateIn struct {
	Status opt.Opt[string] `json:"status"`
}

func (h *API) update(w http.ResponseWriter, r *http.Request) error {
	id, err := httpx.PathID(chi.URLParam(r, "id"))
	if err != nil {
		return err
	}
	if _, err := h.s.Get(r.Context(), id); err != nil {
		return err // an unknown id is 404 whatever the body
	}
	var in updateIn
	if err := httpx.DecodeUpdate(w, r, "sharing_agreement", &in); err != nil {
		return err
	}
	if !in.Status.Has() {
		return errs.Invalidf("status", "BlankValue", "Status: only status can change (accepted, declined or inactive)")
	}
	a, err := h.s.SetStatus(r.Context(), id, in.Status.V)
	if err != nil {
		return err
	}
	return httpx.JSON(w, http.StatusOK, httpx.M{"sharing_agreement": agreementJSON(r, a)})
}

func (h *API) delete(w http.ResponseWriter, r *http.Request) error {
	id, err := httpx.PathID(chi.URLParam(r, "id"))
	if err != nil {
		return err
	}
	if err := h.s.Delete(r.Context(), id); err != nil {
		return err
	}
	return httpx.NoContent(w)
}
