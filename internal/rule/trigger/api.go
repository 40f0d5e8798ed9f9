package trigger

import (
	"encoding/json"
	"net/http"
	"strconv"
	"strings"

	"github.com/go-chi/chi/v5"

	"parley/internal/auth"
	"parley/internal/platform/db"
	"parley/internal/platform/errs"
	"parley/internal/platform/httpx"
	"parley/internal/platform/opt"
	"parley/internal/rule"
)

// API serves triggers, trigger categories and automations under /api/v2.
type API struct{ s *Service }

// NewAPI builds the API.
func NewAPI(s *Service) *API { return &API{s: s} }

// Routes registers the endpoints (mounted under /api/v2; the .json suffix
// is stripped by httpx.StripJSON before routing).
func (h *API) Routes(r chi.Router) {
	H := httpx.H
	for _, k := range []rule.Kind{rule.Trigger, rule.Automation} {
		base := "/" + plural(k)
		r.Get(base, H(h.list(k, false)))
		r.Post(base, H(admin(h.create(k))))
		r.Get(base+"/active", H(h.list(k, true)))
		r.Get(base+"/search", H(h.search(k)))
		r.Put(base+"/update_many", H(admin(h.updateMany(k))))
		r.Delete(base+"/destroy_many", H(admin(h.destroyMany(k))))
		r.Get(base+"/{id}", H(h.show(k)))
		r.Put(base+"/{id}", H(admin(h.update(k))))
		r.Delete(base+"/{id}", H(admin(h.delete(k))))
	}
	r.Get("/triggers/definitions", H(h.definitions(rule.Trigger)))
	r.Get("/automations/definitions", H(h.definitions(rule.Automation)))
	r.Put("/triggers/reorder", H(admin(h.reorder)))
	r.Get("/triggers/{id}/revisions", H(h.revisions))
	r.Get("/triggers/{id}/revisions/{rid}", H(h.revision))

	r.Get("/trigger_categories", H(h.listCategories))
	r.Post("/trigger_categories", H(admin(h.createCategory)))
	r.Post("/trigger_categories/jobs", H(admin(h.categoryJobs)))
	r.Get("/trigger_categories/{id}", H(h.showCategory))
	r.Patch("/trigger_categories/{id}", H(admin(h.updateCategory)))
	r.Put("/trigger_categories/{id}", H(admin(h.updateCategory)))
	r.Delete("/trigger_categories/{id}", H(admin(h.deleteCategory)))
}

// admin refuses non-admins before the body is read.
func admin(h httpx.Handler) httpx.Handler {
	return func(w http.ResponseWriter, r *http.Request) error {
		if _, err := auth.RequireAdmin(r.Context()); err != nil {
			return err
		}
		return h(w, r)
	}
}

func plural(k rule.Kind) string { return string(k) + "s" }

func pathID(r *http.Request, name string) (int64, error) { return httpx.PathID(chi.URLParam(r, name)) }

// ruleJSON renders a trigger or automation in Zendesk's shape.
func ruleJSON(r *http.Request, x Rule, extra map[string]any) httpx.M {
	normalize(&x)
	m := httpx.M{
		"url":        httpx.URL(r.Context(), "/api/v2/%s/%d.json", plural(x.Kind), x.ID),
		"id":         x.ID,
		"title":      x.Title,
		"raw_title":  x.RawTitle,
		"active":     x.Active,
		"position":   x.Position,
		"default":    x.Default,
		"conditions": x.Conditions,
		"actions":    x.Actions,
		"created_at": httpx.Time(x.CreatedAt),
		"updated_at": httpx.Time(x.UpdatedAt),
	}
	if x.Kind == rule.Trigger {
		m["description"] = nullable(x.Description)
		m["category_id"] = strconv.FormatInt(x.CategoryID, 10)
	}
	for k, v := range extra {
		m[k] = v
	}
	return m
}

func nullable(s string) any {
	if s == "" {
		return nil
	}
	return s
}

// listSorts are the sort names of rule lists; usage sorts read the hourly
// firing buckets from now.
func (h *API) listSorts(k rule.Kind) httpx.Sorts {
	pos := httpx.SortField{Column: "position", Kind: httpx.KindInt}
	if k == rule.Trigger {
		pos.Column = positionExpr
	}
	s := httpx.Sorts{
		"alphabetical": {Column: "title", Kind: httpx.KindString},
		"title":        {Column: "title", Kind: httpx.KindString},
		"created_at":   {Column: "created_at", Kind: httpx.KindTime},
		"updated_at":   {Column: "updated_at", Kind: httpx.KindTime},
		"position":     pos,
		"id":           {Column: "id", Kind: httpx.KindInt},
	}
	now := hourOf(h.s.clock.Now())
	for name, hours := range usageWindows {
		s[name] = httpx.SortField{Column: usageExpr(now - hours + 1), Kind: httpx.KindInt}
	}
	return s
}

// sortName is the public sort a parsed list uses.
func sortName(r *http.Request, l httpx.List, def string) string {
	q := r.URL.Query()
	if l.Cursor {
		if s := q.Get("sort"); s != "" {
			return strings.TrimPrefix(s, "-")
		}
		return def
	}
	if s := q.Get("sort_by"); s != "" {
		return s
	}
	return def
}

func (h *API) writeRules(w http.ResponseWriter, r *http.Request, k rule.Kind, f Filter, offsetOnly bool) error {
	sorts := h.listSorts(k)
	if offsetOnly {
		q := r.URL.Query()
		q.Del("page[size]")
		q.Del("page[after]")
		q.Del("page[before]")
		r.URL.RawQuery = q.Encode()
	}
	l, err := httpx.ParseList(r, sorts, "position")
	if err != nil {
		return err
	}
	// A sort_by that is not ours falls back to position, as ParseList does.
	sort := sortName(r, l, "position")
	if _, ok := sorts[sort]; !ok {
		sort = "position"
	}
	rs, total, more, err := h.s.List(r.Context(), k, f, l.Page)
	if err != nil {
		return err
	}
	ids := make([]int64, len(rs))
	for i, x := range rs {
		ids[i] = x.ID
	}
	inc := httpx.Includes(r)
	usage := map[string]map[int64]int64{}
	for name, hours := range usageWindows {
		if inc[name] || sort == name {
			if usage[name], err = h.s.Usage(r.Context(), ids, hours); err != nil {
				return err
			}
		}
	}
	var catPos map[int64]int64
	if k == rule.Trigger && sort == "position" && l.Cursor {
		if catPos, err = h.categoryPositions(r); err != nil {
			return err
		}
	}
	out := make([]httpx.M, 0, len(rs))
	res := httpx.Result{Total: total, More: more}
	for _, x := range rs {
		extra := map[string]any{}
		for name := range usageWindows {
			if inc[name] {
				extra[name] = usage[name][x.ID]
			}
		}
		out = append(out, ruleJSON(r, x, extra))
		var v any
		switch sort {
		case "alphabetical", "title":
			v = x.Title
		case "created_at":
			v = x.CreatedAt
		case "updated_at":
			v = x.UpdatedAt
		case "position":
			v = int64(x.Position) + catPos[x.CategoryID]*1000001
		case "id":
			v = x.ID
		default:
			v = usage[sort][x.ID]
		}
		res.Keys = append(res.Keys, db.Key{V: v, ID: x.ID})
	}
	return l.Write(w, r, plural(k), out, res, nil)
}

func (h *API) categoryPositions(r *http.Request) (map[int64]int64, error) {
	cs, _, _, err := h.s.ListCategories(r.Context(), db.Page{Limit: 1 << 20})
	if err != nil {
		return nil, err
	}
	m := make(map[int64]int64, len(cs))
	for _, c := range cs {
		m[c.ID] = int64(c.Position)
	}
	return m, nil
}

func (h *API) filter(r *http.Request, activeOnly bool) (Filter, error) {
	var f Filter
	if activeOnly {
		t := true
		f.Active = &t
	} else {
		b, err := httpx.BoolParam(r, "active")
		if err != nil {
			return f, err
		}
		f.Active = b
	}
	if s := r.URL.Query().Get("category_id"); s != "" {
		n, err := strconv.ParseInt(s, 10, 64)
		if err != nil || n <= 0 {
			return f, errs.E(errs.BadRequest, "Parameter category_id must be an id").WithCode("InvalidValue")
		}
		f.CategoryID = n
	}
	return f, nil
}

func (h *API) list(k rule.Kind, activeOnly bool) httpx.Handler {
	return func(w http.ResponseWriter, r *http.Request) error {
		f, err := h.filter(r, activeOnly)
		if err != nil {
			return err
		}
		return h.writeRules(w, r, k, f, false)
	}
}

// search matches titles; Zendesk serves it with offset pagination only.
func (h *API) search(k rule.Kind) httpx.Handler {
	return func(w http.ResponseWriter, r *http.Request) error {
		f, err := h.filter(r, false)
		if err != nil {
			return err
		}
		f.Query = r.URL.Query().Get("query")
		return h.writeRules(w, r, k, f, true)
	}
}

func (h *API) show(k rule.Kind) httpx.Handler {
	return func(w http.ResponseWriter, r *http.Request) error {
		id, err := pathID(r, "id")
		if err != nil {
			return err
		}
		x, err := h.s.Get(r.Context(), k, id)
		if err != nil {
			return err
		}
		return httpx.JSON(w, http.StatusOK, httpx.M{string(k): ruleJSON(r, x, nil)})
	}
}

func (h *API) create(k rule.Kind) httpx.Handler {
	return func(w http.ResponseWriter, r *http.Request) error {
		var in Input
		if err := httpx.DecodeUpdate(w, r, string(k), &in, "id", "url", "created_at", "updated_at", "default"); err != nil {
			return err
		}
		x, err := h.s.Create(r.Context(), k, in)
		if err != nil {
			return err
		}
		return httpx.Created(w, httpx.URL(r.Context(), "/api/v2/%s/%d.json", plural(k), x.ID),
			httpx.M{string(k): ruleJSON(r, x, nil)})
	}
}

func (h *API) update(k rule.Kind) httpx.Handler {
	return func(w http.ResponseWriter, r *http.Request) error {
		id, err := pathID(r, "id")
		if err != nil {
			return err
		}
		if _, err := h.s.Get(r.Context(), k, id); err != nil {
			return err
		}
		var in Input
		if err := httpx.DecodeUpdate(w, r, string(k), &in, "id", "url", "created_at", "updated_at", "default"); err != nil {
			return err
		}
		x, err := h.s.Update(r.Context(), k, id, in)
		if err != nil {
			return err
		}
		return httpx.JSON(w, http.StatusOK, httpx.M{string(k): ruleJSON(r, x, nil)})
	}
}

func (h *API) delete(k rule.Kind) httpx.Handler {
	return func(w http.ResponseWriter, r *http.Request) error {
		id, err := pathID(r, "id")
		if err != nil {
			return err
		}
		if err := h.s.Delete(r.Context(), k, id); err != nil {
			return err
		}
		return httpx.NoContent(w)
	}
}

func (h *API) destroyMany(k rule.Kind) httpx.Handler {
	return func(w http.ResponseWriter, r *http.Request) error {
		ids, err := httpx.IDs(r, "ids")
		if err != nil {
			return err
		}
		if err := h.s.DestroyMany(r.Context(), k, ids); err != nil {
			return err
		}
		return httpx.NoContent(w)
	}
}

func (h *API) updateMany(k rule.Kind) httpx.Handler {
	return func(w http.ResponseWriter, r *http.Request) error {
		var items []ManyItem
		if _, err := httpx.DecodeList(w, r, plural(k), func(i int, v json.RawMessage) error {
			var it ManyItem
			if err := httpx.DecodeValue(w, plural(k), v, &it); err != nil {
				return err
			}
			if it.ID <= 0 {
				return errs.Invalidf("id", "BlankValue", "Id: every %s needs an id", k)
			}
			items = append(items, it)
			return nil
		}); err != nil {
			return err
		}
		rs, err := h.s.UpdateMany(r.Context(), k, items)
		if err != nil {
			return err
		}
		out := make([]httpx.M, len(rs))
		for i, x := range rs {
			out[i] = ruleJSON(r, x, nil)
		}
		return httpx.JSON(w, http.StatusOK, httpx.M{plural(k): out})
	}
}

func (h *API) reorder(w http.ResponseWriter, r *http.Request) error {
	raw, err := httpx.DecodeRaw(r)
	if err != nil {
		return err
	}
	var ids []opt.ID
	v, ok := raw["trigger_ids"]
	if !ok || string(v) == "null" {
		return errs.E(errs.BadRequest, "param is missing or the value is empty: trigger_ids").WithCode("ParameterMissing")
	}
	if err := json.Unmarshal(v, &ids); err != nil {
		return errs.Invalidf("trigger_ids", "InvalidValue", "Trigger ids: must be a list of ids")
	}
	list := make([]int64, len(ids))
	for i, id := range ids {
		list[i] = int64(id)
	}
	rs, err := h.s.Reorder(r.Context(), rule.Trigger, list)
	if err != nil {
		return err
	}
	out := make([]httpx.M, len(rs))
	for i, x := range rs {
		out[i] = ruleJSON(r, x, nil)
	}
	return httpx.JSON(w, http.StatusOK, httpx.M{"triggers": out})
}

func (h *API) definitions(k rule.Kind) httpx.Handler {
	return func(w http.ResponseWriter, r *http.Request) error {
		d, err := h.s.Definitions(r.Context(), k)
		if err != nil {
			return err
		}
		return httpx.JSON(w, http.StatusOK, httpx.M{"definitions": d})
	}
}

func revisionJSON(r *http.Request, v Revision) httpx.M {
	return httpx.M{
		"id":         v.ID,
		"url":        httpx.URL(r.Context(), "/api/v2/triggers/%d/revisions/%d.json", v.RuleID, v.ID),
		"author_id":  v.AuthorID,
		"created_at": httpx.Time(v.CreatedAt),
		"snapshot":   v.Snapshot,
	}
}

var idSorts = httpx.Sorts{"id": {Column: "id", Kind: httpx.KindInt}}

func (h *API) revisions(w http.ResponseWriter, r *http.Request) error {
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	l, err := httpx.ParseList(r, idSorts, "id")
	if err != nil {
		return err
	}
	vs, total, more, err := h.s.Revisions(r.Context(), rule.Trigger, id, l.Page)
	if err != nil {
		return err
	}
	out := make([]httpx.M, len(vs))
	res := httpx.Result{Total: total, More: more}
	for i, v := range vs {
		out[i] = revisionJSON(r, v)
		res.Keys = append(res.Keys, db.Key{V: v.ID, ID: v.ID})
	}
	return l.Write(w, r, "trigger_revisions", out, res, nil)
}

func (h *API) revision(w http.ResponseWriter, r *http.Request) error {
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	rid, err := pathID(r, "rid")
	if err != nil {
		return err
	}
	v, err := h.s.Revision(r.Context(), rule.Trigger, id, rid)
	if err != nil {
		return err
	}
	return httpx.JSON(w, http.StatusOK, httpx.M{"trigger_revision": revisionJSON(r, v)})
}

// --- categories ---

func categoryJSON(c Category, counts *[2]int64) httpx.M {
	m := httpx.M{
		"id":         strconv.FormatInt(c.ID, 10),
		"name":       c.Name,
		"position":   c.Position,
		"created_at": httpx.Time(c.CreatedAt),
		"updated_at": httpx.Time(c.UpdatedAt),
	}
	if counts != nil {
		m["rule_counts"] = httpx.M{"active_count": counts[0], "inactive_count": counts[1]}
	}
	return m
}

var categorySorts = httpx.Sorts{
	"position":   {Column: "position", Kind: httpx.KindInt},
	"name":       {Column: "name", Kind: httpx.KindString},
	"created_at": {Column: "created_at", Kind: httpx.KindTime},
	"updated_at": {Column: "updated_at", Kind: httpx.KindTime},
}

func (h *API) listCategories(w http.ResponseWriter, r *http.Request) error {
	l, err := httpx.ParseList(r, categorySorts, "position")
	if err != nil {
		return err
	}
	cs, total, more, err := h.s.ListCategories(r.Context(), l.Page)
	if err != nil {
		return err
	}
	var counts map[int64][2]int64
	if httpx.Includes(r)["rule_counts"] {
		ids := make([]int64, len(cs))
		for i, c := range cs {
			ids[i] = c.ID
		}
		if counts, err = h.s.RuleCounts(r.Context(), ids); err != nil {
			return err
		}
	}
	sort := sortName(r, l, "position")
	out := make([]httpx.M, len(cs))
	res := httpx.Result{Total: total, More: more}
	for i, c := range cs {
		var cp *[2]int64
		if counts != nil {
			n := counts[c.ID]
			cp = &n
		}
		out[i] = categoryJSON(c, cp)
		var v any = int64(c.Position)
		switch sort {
		case "name":
			v = c.Name
		case "created_at":
			v = c.CreatedAt
		case "updated_at":
			v = c.UpdatedAt
		}
		res.Keys = append(res.Keys, db.Key{V: v, ID: c.ID})
	}
	return l.Write(w, r, "trigger_categories", out, res, nil)
}

func (h *API) showCategory(w http.ResponseWriter, r *http.Request) error {
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	c, err := h.s.GetCategory(r.Context(), id)
	if err != nil {
		return err
	}
	return httpx.JSON(w, http.StatusOK, httpx.M{"trigger_category": categoryJSON(c, nil)})
}

func (h *API) createCategory(w http.ResponseWriter, r *http.Request) error {
	var in CategoryInput
	if err := httpx.DecodeUpdate(w, r, "trigger_category", &in, "id", "created_at", "updated_at"); err != nil {
		return err
	}
	c, err := h.s.CreateCategory(r.Context(), in)
	if err != nil {
		return err
	}
	return httpx.Created(w, httpx.URL(r.Context(), "/api/v2/trigger_categories/%d", c.ID),
		httpx.M{"trigger_category": categoryJSON(c, nil)})
}

func (h *API) updateCategory(w http.ResponseWriter, r *http.Request) error {
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	if _, err := h.s.GetCategory(r.Context(), id); err != nil {
		return err
	}
	var in CategoryInput
	if err := httpx.DecodeUpdate(w, r, "trigger_category", &in, "id", "created_at", "updated_at"); err != nil {
		return err
	}
	c, err := h.s.UpdateCategory(r.Context(), id, in)
	if err != nil {
		return err
	}
	return httpx.JSON(w, http.StatusOK, httpx.M{"trigger_category": categoryJSON(c, nil)})
}

func (h *API) deleteCategory(w http.ResponseWriter, r *http.Request) error {
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	if err := h.s.DeleteCategory(r.Context(), id); err != nil {
		return err
	}
	return httpx.NoContent(w)
}

// categoryJob is the body of POST /trigger_categories/jobs.
type categoryJob struct {
	Action string `json:"action"`
	Items  struct {
		Categories []CategoryMove `json:"trigger_categories"`
		Triggers   []TriggerMove  `json:"triggers"`
	} `json:"items"`
}

// categoryJobs runs the batch synchronously and answers with the job's
// final shape (status "complete" and the changed records).
func (h *API) categoryJobs(w http.ResponseWriter, r *http.Request) error {
	var job categoryJob
	if err := httpx.Decode(w, r, "job", &job); err != nil {
		return err
	}
	if job.Action != "patch" {
		return errs.Invalidf("action", "InvalidValue", "Action: must be patch")
	}
	if len(job.Items.Categories)+len(job.Items.Triggers) == 0 {
		return errs.Invalidf("items", "BlankValue", "Items: cannot be blank")
	}
	if len(job.Items.Categories)+len(job.Items.Triggers) > 1000 {
		return errs.E(errs.BadRequest, "Parameter items cannot specify more than 1000 values").WithCode("TooManyValues")
	}
	cs, ts, err := h.s.CategoryJob(r.Context(), job.Items.Categories, job.Items.Triggers)
	if err != nil {
		return err
	}
	outC := make([]httpx.M, len(cs))
	for i, c := range cs {
		outC[i] = categoryJSON(c, nil)
	}
	outT := make([]httpx.M, len(ts))
	for i, t := range ts {
		outT[i] = httpx.M{"id": strconv.FormatInt(t.ID, 10), "position": t.Position,
			"category_id": strconv.FormatInt(t.CategoryID, 10)}
	}
	return httpx.JSON(w, http.StatusOK, httpx.M{"status": "complete",
		"results": httpx.M{"trigger_categories": outC, "triggers": outT}})
}
