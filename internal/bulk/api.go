package bulk

import (
	"encoding/json"
	"net/http"
	"strings"

	"github.com/go-chi/chi/v5"

	"parley/internal/platform/db"
	"parley/internal/platform/errs"
	"parley/internal/platform/httpx"
)

// API serves /api/v2/job_statuses.
type API struct{ s *Service }

// NewAPI builds the job status API.
func NewAPI(s *Service) *API { return &API{s: s} }

// Routes registers the job status endpoints.
func (h *API) Routes(r chi.Router) {
	r.Get("/job_statuses", httpx.H(h.list))
	r.Get("/job_statuses/show_many", httpx.H(h.showMany))
	r.Get("/job_statuses/{id}", httpx.H(h.show))
}

// JSON renders a job status in Zendesk's shape.
func JSON(r *http.Request, st Status) httpx.M {
	var results any
	if len(st.Results) > 0 {
		results = json.RawMessage(st.Results)
	}
	return httpx.M{
		"id":       st.ID,
		"url":      httpx.URL(r.Context(), "/api/v2/job_statuses/%s.json", st.ID),
		"job_type": st.JobType,
		"total":    st.Total,
		"progress": st.Progress,
		"status":   st.Status,
		"message":  st.Message,
		"results":  results,
	}
}

// Write answers a bulk call: 200 with the queued job status.
func Write(w http.ResponseWriter, r *http.Request, st Status) error {
	return httpx.JSON(w, http.StatusOK, httpx.M{"job_status": JSON(r, st)})
}

func (h *API) show(w http.ResponseWriter, r *http.Request) error {
	st, err := h.s.Get(r.Context(), chi.URLParam(r, "id"))
	if err != nil {
		return err
	}
	return Write(w, r, st)
}

func (h *API) showMany(w http.ResponseWriter, r *http.Request) error {
	raw := r.URL.Query().Get("ids")
	if raw == "" {
		return errs.E(errs.BadRequest, "Parameter ids is required").WithCode("ParameterMissing")
	}
	ids := strings.Split(raw, ",")
	if len(ids) > httpx.MaxBulk {
		return httpx.TooMany("ids")
	}
	sts, err := h.s.Many(r.Context(), ids)
	if err != nil {
		return err
	}
	out := make([]httpx.M, 0, len(sts))
	for _, st := range sts {
		out = append(out, JSON(r, st))
	}
	return httpx.JSON(w, http.StatusOK, httpx.M{"job_statuses": out})
}

func (h *API) list(w http.ResponseWriter, r *http.Request) error {
	l, err := httpx.ParseList(r, nil, "")
	if err != nil {
		return err
	}
	// Zendesk lists job statuses with cursor pagination only.
	l.Keyset, l.Cursor = true, true
	sts, more, err := h.s.Recent(r.Context(), l.Page)
	if err != nil {
		return err
	}
	out := make([]httpx.M, 0, len(sts))
	res := httpx.Result{More: more}
	for _, st := range sts {
		out = append(out, JSON(r, st))
		res.Keys = append(res.Keys, db.Key{ID: st.Seq})
	}
	return l.Write(w, r, "job_statuses", out, res, nil)
}
