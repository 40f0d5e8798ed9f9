package account

import (
	"encoding/json"
	"net/http"

	"github.com/go-chi/chi/v5"

	"parley/internal/platform/errs"
	"parley/internal/platform/httpx"
)

// API serves /api/v2/account and /api/v2/account/settings.
type API struct{ svc *Service }

// NewAPI builds the account API.
func NewAPI(s *Service) *API { return &API{svc: s} }

// Routes registers the account endpoints on the /api/v2 router.
func (h *API) Routes(r chi.Router) {
	r.Get("/account", httpx.H(h.show))
	r.Put("/account", httpx.H(h.update))
	r.Get("/account/settings", httpx.H(h.showSettings))
	r.Put("/account/settings", httpx.H(h.updateSettings))
}

func accountJSON(r *http.Request, a Account) httpx.M {
	return httpx.M{
		"id":           a.ID,
		"url":          httpx.BaseURL(r.Context()),
		"name":         a.Name,
		"subdomain":    a.Subdomain,
		"time_zone":    a.TimeZone,
		"locale":       a.Locale,
		"owner_id":     a.OwnerID,
		"rate_limit":   a.RateLimit,
		"created_at":   httpx.Time(a.CreatedAt),
		"updated_at":   httpx.Time(a.UpdatedAt),
		"sandbox":      false,
		"multiproduct": false,
	}
}

func (h *API) show(w http.ResponseWriter, r *http.Request) error {
	a, err := h.svc.Current(r.Context())
	if err != nil {
		return err
	}
	return httpx.JSON(w, http.StatusOK, httpx.M{"account": accountJSON(r, a)})
}

type accountIn struct {
	Name      *string `json:"name"`
	Subdomain *string `json:"subdomain"`
	TimeZone  *string `json:"time_zone"`
	Locale    *string `json:"locale"`
}

func (h *API) update(w http.ResponseWriter, r *http.Request) error {
	var in accountIn
	if err := httpx.Decode(w, r, "account", &in); err != nil {
		return err
	}
	a, err := h.svc.Update(r.Context(), Patch{Name: in.Name, Subdomain: in.Subdomain, TimeZone: in.TimeZone, Locale: in.Locale})
	if err != nil {
		return err
	}
	return httpx.JSON(w, http.StatusOK, httpx.M{"account": accountJSON(r, a)})
}

func settingsJSON(st Settings) (httpx.M, error) {
	s, err := marshalSettings(st)
	if err != nil {
		return nil, err
	}
	var m httpx.M
	err = json.Unmarshal([]byte(s), &m)
	return m, err
}

func (h *API) showSettings(w http.ResponseWriter, r *http.Request) error {
	a, err := h.svc.Current(r.Context())
	if err != nil {
		return err
	}
	m, err := settingsJSON(a.Settings)
	if err != nil {
		return err
	}
	return httpx.JSON(w, http.StatusOK, httpx.M{"settings": m})
}

// updateSettings merges each sent section key by key into the stored one,
// so a client sending {"tickets":{"tagging":false}} changes only that flag.
func (h *API) updateSettings(w http.ResponseWriter, r *http.Request) error {
	var in map[string]json.RawMessage
	if err := httpx.Decode(w, r, "settings", &in); err != nil {
		return err
	}
	a, err := h.svc.Update(r.Context(), Patch{Settings: func(st *Settings) error {
		cur, err := marshalSettings(*st)
		if err != nil {
			return err
		}
		var merged map[string]json.RawMessage
		if err := json.Unmarshal([]byte(cur), &merged); err != nil {
			return err
		}
		for k, v := range in {
			var patch map[string]json.RawMessage
			var base map[string]json.RawMessage
			if json.Unmarshal(v, &patch) == nil && json.Unmarshal(merged[k], &base) == nil && base != nil {
				for pk, pv := range patch {
					base[pk] = pv
				}
				b, _ := json.Marshal(base)
				merged[k] = b
				continue
			}
			merged[k] = v
		}
		b, _ := json.Marshal(merged)
		next := DefaultSettings()
		if err := unmarshalSettings(b, &next); err != nil {
			return errs.Invalidf("settings", "InvalidValue", "Settings: %s", err.Error())
		}
		*st = next
		return nil
	}})
	if err != nil {
		return err
	}
	m, err := settingsJSON(a.Settings)
	if err != nil {
		return err
	}
	return httpx.JSON(w, http.StatusOK, httpx.M{"settings": m})
}
