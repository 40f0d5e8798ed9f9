package macro

import (
	"context"
	"encoding/json"
	"net/http"
	"strconv"

	"github.com/go-chi/chi/v5"

	"parley/internal/auth"
	"parley/internal/platform/db"
	"parley/internal/platform/errs"
	"parley/internal/platform/httpx"
	"parley/internal/rule"
)

// API serves the macro endpoints of /api/v2.
type API struct{ s *Service }

// NewAPI builds the macro API.
func NewAPI(s *Service) *API { return &API{s: s} }

// Routes registers the macro endpoints, including
// /tickets/{tid}/macros/{mid}/apply.
func (h *API) Routes(r chi.Router) {
	H := httpx.H
	r.Get("/macros", H(h.list))
	r.Post("/macros", H(h.create))
	r.Get("/macros/active", H(h.active))
	r.Get("/macros/search", H(h.search))
	r.Get("/macros/categories", H(h.categories))
	r.Get("/macros/actions", H(h.actions))
	r.Get("/macros/definitions", H(h.definitions))
	r.Put("/macros/update_many", H(h.updateMany))
	r.Delete("/macros/destroy_many", H(h.destroyMany))
	r.Get("/macros/{mid}", H(h.show))
	r.Put("/macros/{mid}", H(h.update))
	r.Delete("/macros/{mid}", H(h.delete))
	r.Get("/macros/{mid}/apply", H(h.apply))
	r.Get("/tickets/{tid}/macros/{mid}/apply", H(h.apply))
}

var macroSorts = httpx.Sorts{
	"position":     {Column: "position", Kind: httpx.KindInt},
	"alphabetical": {Column: "title", Kind: httpx.KindString},
	"title":        {Column: "title", Kind: httpx.KindString},
	"created_at":   {Column: "created_at", Kind: httpx.KindTime},
	"updated_at":   {Column: "updated_at", Kind: httpx.KindTime},
}

func sortValue(m Macro, col string) any {
	switch col {
	case "position":
		return int64(m.Position)
	case "title":
		return m.Title
	case "created_at":
		return m.CreatedAt
	case "updated_at":
		return m.UpdatedAt
	}
	return m.ID
}

func filterOf(r *http.Request) (Filter, error) {
	q := r.URL.Query()
	f := Filter{Access: q.Get("access"), Category: q.Get("category"), Query: q.Get("query")}
	active, err := httpx.BoolParam(r, "active")
	if err != nil {
		return f, err
	}
	f.Active = active
	only, err := httpx.BoolParam(r, "only_viewable")
	if err != nil {
		return f, err
	}
	f.OnlyViewable = only != nil && *only
	if g := q.Get("group_id"); g != "" {
		n, err := strconv.ParseInt(g, 10, 64)
		if err != nil || n <= 0 {
			return f, errs.E(errs.BadRequest, "Parameter group_id must be an id").WithCode("InvalidValue")
		}
		f.GroupID = n
	}
	return f, nil
}

// usageWanted reads include=usage_1h,usage_24h,... .
func usageWanted(r *http.Request) []string {
	inc := httpx.Includes(r)
	var out []string
	for _, k := range []string{"usage_1h", "usage_24h", "usage_7d", "usage_30d"} {
		if inc[k] {
			out = append(out, k)
		}
	}
	return out
}

func (h *API) render(ctx context.Context, r *http.Request, ms []Macro) ([]httpx.M, error) {
	want := usageWanted(r)
	var usage map[int64]Usage
	if len(want) > 0 {
		ids := make([]int64, len(ms))
		for i, m := range ms {
			ids[i] = m.ID
		}
		var err error
		if usage, err = h.s.Usage(ctx, ids); err != nil {
			return nil, err
		}
	}
	out := make([]httpx.M, 0, len(ms))
	for _, m := range ms {
		j := JSON(ctx, m)
		u := usage[m.ID]
		for _, k := range want {
			j[k] = map[string]int64{"usage_1h": u.H1, "usage_24h": u.H24, "usage_7d": u.D7, "usage_30d": u.D30}[k]
		}
		out = append(out, j)
	}
	return out, nil
}

func (h *API) page(w http.ResponseWriter, r *http.Request, f Filter) error {
	l, err := httpx.ParseList(r, macroSorts, "position")
	if err != nil {
		return err
	}
	ms, total, more, err := h.s.List(r.Context(), f, l.Page)
	if err != nil {
		return err
	}
	out, err := h.render(r.Context(), r, ms)
	if err != nil {
		return err
	}
	res := httpx.Result{Total: total, More: more}
	for _, m := range ms {
		res.Keys = append(res.Keys, db.Key{V: sortValue(m, l.Sort), ID: m.ID})
	}
	return l.Write(w, r, "macros", out, res, nil)
}

func (h *API) list(w http.ResponseWriter, r *http.Request) error {
	f, err := filterOf(r)
	if err != nil {
		return err
	}
	f.Query = ""
	return h.page(w, r, f)
}

func (h *API) active(w http.ResponseWriter, r *http.Request) error {
	f, err := filterOf(r)
	if err != nil {
		return err
	}
	yes := true
	f.Active, f.Query = &yes, ""
	return h.page(w, r, f)
}

func (h *API) search(w http.ResponseWriter, r *http.Request) error {
	f, err := filterOf(r)
	if err != nil {
		return err
	}
	if f.Query == "" {
		return errs.E(errs.BadRequest, "Parameter query is required").WithCode("ParameterMissing")
	}
	return h.page(w, r, f)
}

func (h *API) categories(w http.ResponseWriter, r *http.Request) error {
	cs, err := h.s.Categories(r.Context())
	if err != nil {
		return err
	}
	return httpx.JSON(w, http.StatusOK, httpx.M{"categories": cs})
}

func (h *API) definitionsOf(ctx context.Context) (map[string]any, error) {
	a, err := auth.RequireAgent(ctx)
	if err != nil {
		return nil, err
	}
	cat, err := h.s.catalogs.Catalog(ctx, a.AccountID)
	if err != nil {
		return nil, err
	}
	return rule.Definitions(rule.Macro, cat), nil
}

func (h *API) actions(w http.ResponseWriter, r *http.Request) error {
	d, err := h.definitionsOf(r.Context())
	if err != nil {
		return err
	}
	acts := d["actions"]
	if acts == nil {
		acts = []any{}
	}
	return httpx.JSON(w, http.StatusOK, httpx.M{"actions": acts})
}

func (h *API) definitions(w http.ResponseWriter, r *http.Request) error {
	d, err := h.definitionsOf(r.Context())
	if err != nil {
		return err
	}
	acts := d["actions"]
	if acts == nil {
		acts = []any{}
	}
	return httpx.JSON(w, http.StatusOK, httpx.M{"definitions": httpx.M{"actions": acts}})
}

func pathID(r *http.Request, name string) (int64, error) { return httpx.PathID(chi.URLParam(r, name)) }

func (h *API) one(w http.ResponseWriter, r *http.Request, status int, m Macro) error {
	out, err := h.render(r.Context(), r, []Macro{m})
	if err != nil {
		return err
	}
	body := httpx.M{"macro": out[0]}
	if status == http.StatusCreated {
		return httpx.Created(w, httpx.URL(r.Context(), "/api/v2/macros/%d.json", m.ID), body)
	}
	return httpx.JSON(w, status, body)
}

func (h *API) show(w http.ResponseWriter, r *http.Request) error {
	id, err := pathID(r, "mid")
	if err != nil {
		return err
	}
	m, err := h.s.Get(r.Context(), id)
	if err != nil {
		return err
	}
	return h.one(w, r, http.StatusOK, m)
}

func (h *API) create(w http.ResponseWriter, r *http.Request) error {
	var in Input
	if err := httpx.Decode(w, r, "macro", &in); err != nil {
		return err
	}
	m, err := h.s.Create(r.Context(), in)
	if err != nil {
		return err
	}
	return h.one(w, r, http.StatusCreated, m)
}

func (h *API) update(w http.ResponseWriter, r *http.Request) error {
	id, err := pathID(r, "mid")
	if err != nil {
		return err
	}
	var in Input
	if err := httpx.DecodeUpdate(w, r, "macro", &in, "id"); err != nil {
		return err
	}
	m, err := h.s.Update(r.Context(), id, in)
	if err != nil {
		return err
	}
	return h.one(w, r, http.StatusOK, m)
}

func (h *API) delete(w http.ResponseWriter, r *http.Request) error {
	id, err := pathID(r, "mid")
	if err != nil {
		return err
	}
	if err := h.s.Delete(r.Context(), id); err != nil {
		return err
	}
	return httpx.NoContent(w)
}

func (h *API) destroyMany(w http.ResponseWriter, r *http.Request) error {
	ids, err := httpx.IDs(r, "ids")
	if err != nil {
		return err
	}
	if len(ids) == 0 {
		return errs.E(errs.BadRequest, "Parameter ids is required").WithCode("ParameterMissing")
	}
	if err := h.s.DestroyMany(r.Context(), ids); err != nil {
		return err
	}
	return httpx.NoContent(w)
}

func (h *API) updateMany(w http.ResponseWriter, r *http.Request) error {
	var in []Reposition
	if _, err := httpx.DecodeList(w, r, "macros", func(i int, raw json.RawMessage) error {
		var p Reposition
		if err := httpx.DecodeValue(w, "macros", raw, &p); err != nil {
			return err
		}
		if p.ID <= 0 {
			return errs.Invalidf("id", "BlankValue", "Id: each macro needs an id")
		}
		in = append(in, p)
		return nil
	}); err != nil {
		return err
	}
	ms, err := h.s.UpdateMany(r.Context(), in)
	if err != nil {
		return err
	}
	out, err := h.render(r.Context(), r, ms)
	if err != nil {
		return err
	}
	return httpx.JSON(w, http.StatusOK, httpx.M{"macros": out})
}

func (h *API) apply(w http.ResponseWriter, r *http.Request) error {
	id, err := pathID(r, "mid")
	if err != nil {
		return err
	}
	var tid int64
	if chi.URLParam(r, "tid") != "" {
		if tid, err = pathID(r, "tid"); err != nil {
			return err
		}
	}
	res, err := h.s.Preview(r.Context(), id, tid)
	if err != nil {
		return err
	}
	return httpx.JSON(w, http.StatusOK, httpx.M{"result": res})
}

// JSON renders a macro in the Zendesk shape.
func JSON(ctx context.Context, m Macro) httpx.M {
	actions := m.Actions
	if actions == nil {
		actions = []rule.Action{}
	}
	return httpx.M{
		"url":         httpx.URL(ctx, "/api/v2/macros/%d.json", m.ID),
		"id":          m.ID,
		"title":       m.Title,
		"raw_title":   m.Title,
		"active":      m.Active,
		"position":    m.Position,
		"description": m.Description,
		"restriction": m.Restriction.JSON(),
		"actions":     actions,
		"created_at":  httpx.Time(m.CreatedAt),
		"updated_at":  httpx.Time(m.UpdatedAt),
	}
}
