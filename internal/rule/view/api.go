package view

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
	"parley/internal/ticket"
)

// API serves the view endpoints of /api/v2.
type API struct{ s *Service }

// NewAPI builds the view API.
func NewAPI(s *Service) *API { return &API{s: s} }

// Routes registers the view endpoints.
func (h *API) Routes(r chi.Router) {
	H := httpx.H
	r.Get("/views", H(h.list))
	r.Post("/views", H(h.create))
	r.Get("/views/active", H(h.active))
	r.Get("/views/compact", H(h.compact))
	r.Get("/views/count", H(h.countViews))
	r.Get("/views/show_many", H(h.showMany))
	r.Get("/views/search", H(h.search))
	r.Get("/views/definitions", H(h.definitions))
	r.Get("/views/count_many", H(h.countMany))
	r.Post("/views/preview", H(h.preview))
	r.Post("/views/preview/count", H(h.previewCount))
	r.Put("/views/update_many", H(h.updateMany))
	r.Delete("/views/destroy_many", H(h.destroyMany))
	r.Get("/views/{vid}", H(h.show))
	r.Put("/views/{vid}", H(h.update))
	r.Delete("/views/{vid}", H(h.delete))
	r.Get("/views/{vid}/tickets", H(h.tickets))
	r.Get("/views/{vid}/execute", H(h.execute))
	r.Get("/views/{vid}/count", H(h.count))
	r.Get("/views/{vid}/export", H(h.export))
}

// viewSorts are the sorts of view lists (sort_by=alphabetical|created_at|
// updated_at|position).
var viewSorts = httpx.Sorts{
	"position":     {Column: "position", Kind: httpx.KindInt},
	"alphabetical": {Column: "title", Kind: httpx.KindString},
	"title":        {Column: "title", Kind: httpx.KindString},
	"created_at":   {Column: "created_at", Kind: httpx.KindTime},
	"updated_at":   {Column: "updated_at", Kind: httpx.KindTime},
}

func sortValue(v View, col string) any {
	switch col {
	case "position":
		return int64(v.Position)
	case "title":
		return v.Title
	case "created_at":
		return v.CreatedAt
	case "updated_at":
		return v.UpdatedAt
	}
	return v.ID
}

func (h *API) catalog(ctx context.Context) (rule.Catalog, error) {
	a, err := auth.RequireAgent(ctx)
	if err != nil {
		return rule.Catalog{}, err
	}
	return h.s.catalogs.Catalog(ctx, a.AccountID)
}

func filterOf(r *http.Request) (Filter, error) {
	q := r.URL.Query()
	f := Filter{Access: q.Get("access"), Query: q.Get("query")}
	active, err := httpx.BoolParam(r, "active")
	if err != nil {
		return f, err
	}
	f.Active = active
	if g := q.Get("group_id"); g != "" {
		n, err := strconv.ParseInt(g, 10, 64)
		if err != nil || n <= 0 {
			return f, errs.E(errs.BadRequest, "Parameter group_id must be an id").WithCode("InvalidValue")
		}
		f.GroupID = n
	}
	return f, nil
}

func (h *API) page(w http.ResponseWriter, r *http.Request, f Filter, limit int) error {
	l, err := httpx.ParseList(r, viewSorts, "position")
	if err != nil {
		return err
	}
	if limit > 0 && l.Limit > limit {
		l.Limit, l.PerPage = limit, limit
	}
	vs, total, more, err := h.s.List(r.Context(), f, l.Page)
	if err != nil {
		return err
	}
	cat, err := h.catalog(r.Context())
	if err != nil {
		return err
	}
	out := make([]httpx.M, 0, len(vs))
	res := httpx.Result{Total: total, More: more}
	for _, v := range vs {
		out = append(out, JSON(r.Context(), v, cat))
		res.Keys = append(res.Keys, db.Key{V: sortValue(v, l.Sort), ID: v.ID})
	}
	return l.Write(w, r, "views", out, res, nil)
}

func (h *API) list(w http.ResponseWriter, r *http.Request) error {
	f, err := filterOf(r)
	if err != nil {
		return err
	}
	f.Query = ""
	return h.page(w, r, f, 0)
}

func (h *API) search(w http.ResponseWriter, r *http.Request) error {
	f, err := filterOf(r)
	if err != nil {
		return err
	}
	if f.Query == "" {
		return errs.E(errs.BadRequest, "Parameter query is required").WithCode("ParameterMissing")
	}
	return h.page(w, r, f, 0)
}

func (h *API) active(w http.ResponseWriter, r *http.Request) error {
	f, err := filterOf(r)
	if err != nil {
		return err
	}
	yes := true
	f.Active, f.Query = &yes, ""
	return h.page(w, r, f, 0)
}

// compact lists at most 32 active views, as Zendesk's compact list does.
func (h *API) compact(w http.ResponseWriter, r *http.Request) error {
	yes := true
	return h.page(w, r, Filter{Active: &yes}, 32)
}

func (h *API) countViews(w http.ResponseWriter, r *http.Request) error {
	f, err := filterOf(r)
	if err != nil {
		return err
	}
	n, err := h.s.Count(r.Context(), f)
	if err != nil {
		return err
	}
	return httpx.JSON(w, http.StatusOK, httpx.M{"count": httpx.M{"value": n,
		"refreshed_at": h.s.clock.Now().Format("2006-01-02T15:04:05+00:00")}})
}

func (h *API) showMany(w http.ResponseWriter, r *http.Request) error {
	ids, err := httpx.IDs(r, "ids")
	if err != nil {
		return err
	}
	if len(ids) == 0 {
		return errs.E(errs.BadRequest, "Parameter ids is required").WithCode("ParameterMissing")
	}
	l := httpx.List{Page: db.Page{Limit: httpx.MaxPerPage, Sort: "position"}, PageNum: 1, PerPage: httpx.MaxPerPage}
	vs, total, _, err := h.s.List(r.Context(), Filter{IDs: ids}, l.Page)
	if err != nil {
		return err
	}
	cat, err := h.catalog(r.Context())
	if err != nil {
		return err
	}
	out := make([]httpx.M, 0, len(vs))
	for _, v := range vs {
		out = append(out, JSON(r.Context(), v, cat))
	}
	return l.Write(w, r, "views", out, httpx.Result{Total: total}, nil)
}

func (h *API) definitions(w http.ResponseWriter, r *http.Request) error {
	cat, err := h.catalog(r.Context())
	if err != nil {
		return err
	}
	return httpx.JSON(w, http.StatusOK, httpx.M{"definitions": rule.Definitions(rule.View, cat)})
}

func pathID(r *http.Request) (int64, error) { return httpx.PathID(chi.URLParam(r, "vid")) }

func (h *API) show(w http.ResponseWriter, r *http.Request) error {
	id, err := pathID(r)
	if err != nil {
		return err
	}
	v, err := h.s.Get(r.Context(), id)
	if err != nil {
		return err
	}
	return h.one(w, r, http.StatusOK, v)
}

func (h *API) one(w http.ResponseWriter, r *http.Request, status int, v View) error {
	cat, err := h.catalog(r.Context())
	if err != nil {
		return err
	}
	body := httpx.M{"view": JSON(r.Context(), v, cat)}
	if status == http.StatusCreated {
		return httpx.Created(w, httpx.URL(r.Context(), "/api/v2/views/%d.json", v.ID), body)
	}
	return httpx.JSON(w, status, body)
}

func (h *API) create(w http.ResponseWriter, r *http.Request) error {
	var in Input
	if err := httpx.Decode(w, r, "view", &in); err != nil {
		return err
	}
	v, err := h.s.Create(r.Context(), in)
	if err != nil {
		return err
	}
	return h.one(w, r, http.StatusCreated, v)
}

func (h *API) update(w http.ResponseWriter, r *http.Request) error {
	id, err := pathID(r)
	if err != nil {
		return err
	}
	var in Input
	if err := httpx.DecodeUpdate(w, r, "view", &in, "id"); err != nil {
		return err
	}
	v, err := h.s.Update(r.Context(), id, in)
	if err != nil {
		return err
	}
	return h.one(w, r, http.StatusOK, v)
}

func (h *API) delete(w http.ResponseWriter, r *http.Request) error {
	id, err := pathID(r)
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
	if _, err := httpx.DecodeList(w, r, "views", func(i int, raw json.RawMessage) error {
		var p Reposition
		if err := httpx.DecodeValue(w, "views", raw, &p); err != nil {
			return err
		}
		if p.ID <= 0 {
			return errs.Invalidf("id", "BlankValue", "Id: each view needs an id")
		}
		in = append(in, p)
		return nil
	}); err != nil {
		return err
	}
	vs, err := h.s.UpdateMany(r.Context(), in)
	if err != nil {
		return err
	}
	cat, err := h.catalog(r.Context())
	if err != nil {
		return err
	}
	out := make([]httpx.M, 0, len(vs))
	for _, v := range vs {
		out = append(out, JSON(r.Context(), v, cat))
	}
	return httpx.JSON(w, http.StatusOK, httpx.M{"views": out})
}

// run parses the pagination and sort of a view's tickets; the view's own
// sort applies unless the request names one.
func (h *API) run(r *http.Request, v View, cat rule.Catalog) (httpx.List, Run, error) {
	sorts := Sorts(cat)
	def := v.Output.SortBy
	if _, ok := sorts[def]; !ok {
		def = "nice_id"
	}
	l, err := httpx.ParseList(r, sorts, def)
	if err != nil {
		return l, Run{}, err
	}
	q := r.URL.Query()
	if !l.Cursor && q.Get("sort_order") == "" {
		l.Desc = v.Output.SortOrder == "desc"
	}
	if l.Cursor && q.Get("sort") == "" {
		l.Desc = v.Output.SortOrder == "desc"
	}
	name := def
	if sb := q.Get("sort_by"); !l.Cursor && sb != "" {
		if _, ok := sorts[sb]; ok {
			name = sb
		}
	}
	if s := q.Get("sort"); l.Cursor && s != "" {
		name = s
		if name[0] == '-' {
			name = name[1:]
		}
	}
	kind := sorts[name].Kind
	grouped := !l.Cursor && q.Get("sort_by") == ""
	return l, Run{Page: l.Page, SortKind: kind, Grouped: grouped}, nil
}

func (h *API) load(r *http.Request) (View, rule.Catalog, error) {
	id, err := pathID(r)
	if err != nil {
		return View{}, rule.Catalog{}, err
	}
	v, err := h.s.Get(r.Context(), id)
	if err != nil {
		return View{}, rule.Catalog{}, err
	}
	cat, err := h.catalog(r.Context())
	return v, cat, err
}

func (h *API) tickets(w http.ResponseWriter, r *http.Request) error {
	v, cat, err := h.load(r)
	if err != nil {
		return err
	}
	l, run, err := h.run(r, v, cat)
	if err != nil {
		return err
	}
	res, err := h.s.Execute(r.Context(), v, run)
	if err != nil {
		return err
	}
	out := make([]httpx.M, 0, len(res.Tickets))
	for _, t := range res.Tickets {
		out = append(out, ticket.JSON(r.Context(), t))
	}
	return l.Write(w, r, "tickets", out, httpx.Result{Total: res.Total, More: res.More, Keys: res.Keys}, nil)
}

func (h *API) execute(w http.ResponseWriter, r *http.Request) error {
	v, cat, err := h.load(r)
	if err != nil {
		return err
	}
	return h.rows(w, r, v, cat)
}

func (h *API) rows(w http.ResponseWriter, r *http.Request, v View, cat rule.Catalog) error {
	l, run, err := h.run(r, v, cat)
	if err != nil {
		return err
	}
	res, err := h.s.Execute(r.Context(), v, run)
	if err != nil {
		return err
	}
	extra, rows, err := h.s.rowsJSON(r.Context(), v, cat, res)
	if err != nil {
		return err
	}
	extra["columns"] = columnsJSON(v.Output.Columns, cat)
	if v.ID != 0 {
		extra["view"] = httpx.M{"id": v.ID, "url": httpx.URL(r.Context(), "/api/v2/views/%d.json", v.ID)}
	} else {
		extra["view"] = httpx.M{"id": nil, "url": nil}
	}
	return l.Write(w, r, "rows", rows, httpx.Result{Total: res.Total, More: res.More, Keys: res.Keys}, extra)
}

func (h *API) count(w http.ResponseWriter, r *http.Request) error {
	id, err := pathID(r)
	if err != nil {
		return err
	}
	n, err := h.s.CountTickets(r.Context(), id)
	if err != nil {
		return err
	}
	return httpx.JSON(w, http.StatusOK, httpx.M{"view_count": countJSON(r.Context(), id, n)})
}

// countJSON is Zendesk's view_count; a count from the cache is not fresh,
// and its pretty form says it is approximate ("~1234").
func countJSON(ctx context.Context, id int64, n Count) httpx.M {
	var vid, url any
	if id != 0 {
		vid, url = id, httpx.URL(ctx, "/api/v2/views/%d/count.json", id)
	}
	pretty := strconv.FormatInt(n.N, 10)
	if !n.Fresh {
		pretty = "~" + pretty
	}
	return httpx.M{"view_id": vid, "url": url, "value": n.N, "pretty": pretty, "fresh": n.Fresh}
}

func (h *API) countMany(w http.ResponseWriter, r *http.Request) error {
	ids, err := httpx.IDs(r, "ids")
	if err != nil {
		return err
	}
	if len(ids) == 0 {
		return errs.E(errs.BadRequest, "Parameter ids is required").WithCode("ParameterMissing")
	}
	vs, ns, err := h.s.Counts(r.Context(), ids)
	if err != nil {
		return err
	}
	out := make([]httpx.M, 0, len(vs))
	for i, v := range vs {
		out = append(out, countJSON(r.Context(), v.ID, ns[i]))
	}
	return httpx.JSON(w, http.StatusOK, httpx.M{"view_counts": out})
}

func (h *API) preview(w http.ResponseWriter, r *http.Request) error {
	var in Input
	if err := httpx.Decode(w, r, "view", &in); err != nil {
		return err
	}
	v, err := h.s.previewView(r.Context(), in)
	if err != nil {
		return err
	}
	cat, err := h.catalog(r.Context())
	if err != nil {
		return err
	}
	return h.rows(w, r, v, cat)
}

func (h *API) previewCount(w http.ResponseWriter, r *http.Request) error {
	var in Input
	if err := httpx.Decode(w, r, "view", &in); err != nil {
		return err
	}
	n, err := h.s.PreviewCount(r.Context(), in)
	if err != nil {
		return err
	}
	return httpx.JSON(w, http.StatusOK, httpx.M{"view_count": countJSON(r.Context(), 0, n)})
}

// export answers with Zendesk's export status; the CSV itself is not
// produced (views are exported by email in Zendesk).
func (h *API) export(w http.ResponseWriter, r *http.Request) error {
	id, err := pathID(r)
	if err != nil {
		return err
	}
	if _, err := h.s.Get(r.Context(), id); err != nil {
		return err
	}
	return httpx.JSON(w, http.StatusOK, httpx.M{"export": httpx.M{"view_id": id, "status": "starting"}})
}

// JSON renders a view in the Zendesk shape.
func JSON(ctx context.Context, v View, cat rule.Catalog) httpx.M {
	normalize(&v.Conditions)
	cols := columnsJSON(v.Output.Columns, cat)
	custom := []httpx.M{}
	for _, c := range v.Output.Columns {
		if n, err := strconv.ParseInt(c, 10, 64); err == nil {
			f := cat.Fields[n]
			custom = append(custom, httpx.M{"id": n, "title": f.Title, "type": f.Type,
				"url": httpx.URL(ctx, "/api/v2/ticket_fields/%d.json", n)})
		}
	}
	exec := httpx.M{
		"group_by": nilIfEmpty(v.Output.GroupBy), "group_order": orDefault(v.Output.GroupOrder, v.Output.GroupBy),
		"sort_by": nilIfEmpty(v.Output.SortBy), "sort_order": orDefault(v.Output.SortOrder, v.Output.SortBy),
		"group": nil, "sort": nil, "columns": cols, "fields": cols, "custom_fields": custom,
	}
	if v.Output.GroupBy != "" {
		exec["group"] = orderJSON(v.Output.GroupBy, v.Output.GroupOrder, cat)
	}
	if v.Output.SortBy != "" {
		exec["sort"] = orderJSON(v.Output.SortBy, v.Output.SortOrder, cat)
	}
	return httpx.M{
		"url":         httpx.URL(ctx, "/api/v2/views/%d.json", v.ID),
		"id":          v.ID,
		"title":       v.Title,
		"raw_title":   v.Title,
		"active":      v.Active,
		"position":    v.Position,
		"default":     v.Default,
		"description": v.Description,
		"execution":   exec,
		"conditions":  v.Conditions,
		"restriction": v.Restriction.JSON(),
		"watchable":   true,
		"created_at":  httpx.Time(v.CreatedAt),
		"updated_at":  httpx.Time(v.UpdatedAt),
	}
}

func nilIfEmpty(s string) any {
	if s == "" {
		return nil
	}
	return s
}

// orDefault is the order of a set column ("asc" when unset), else null.
func orDefault(order, col string) any {
	if col == "" {
		return nil
	}
	if order == "" {
		return "asc"
	}
	return order
}

func orderJSON(id, order string, cat rule.Catalog) httpx.M {
	c, _ := lookupColumn(id, cat)
	if order == "" {
		order = "asc"
	}
	return httpx.M{"id": columnID(id), "title": c.title, "order": order, "filterable": true, "sortable": c.expr != ""}
}

func columnsJSON(ids []string, cat rule.Catalog) []httpx.M {
	out := make([]httpx.M, 0, len(ids))
	for _, id := range ids {
		c, _ := lookupColumn(id, cat)
		out = append(out, httpx.M{"id": columnID(id), "title": c.title, "filterable": true, "sortable": c.expr != ""})
	}
	return out
}

// rowsJSON renders executed rows: a partial ticket and one value per
// column, plus the users, groups and organizations they name.
func (s *Service) rowsJSON(ctx context.Context, v View, cat rule.Catalog, res Result) (httpx.M, []httpx.M, error) {
	rows := make([]httpx.M, 0, len(res.Tickets))
	var users, groups, orgs []int64
	seen := map[string]bool{}
	add := func(list *[]int64, kind string, id *int64) {
		if id == nil || *id == 0 || seen[kind+strconv.FormatInt(*id, 10)] {
			return
		}
		seen[kind+strconv.FormatInt(*id, 10)] = true
		*list = append(*list, *id)
	}
	want := map[string]bool{}
	for _, c := range v.Output.Columns {
		want[c] = true
	}
	for _, t := range res.Tickets {
		row := httpx.M{"ticket": httpx.M{
			"id": t.ID, "url": httpx.URL(ctx, "/api/v2/tickets/%d.json", t.ID), "subject": t.Subject,
			"description": t.Description, "status": t.Status, "type": t.Type, "priority": t.Priority,
			"requester_id": t.RequesterID, "assignee_id": t.AssigneeID, "group_id": t.GroupID,
			"organization_id": t.OrganizationID, "created_at": httpx.Time(t.CreatedAt), "updated_at": httpx.Time(t.UpdatedAt),
		}}
		for _, c := range v.Output.Columns {
			row[c] = cell(c, t, res.facts[t.ID])
		}
		row["requester_id"], row["assignee_id"], row["group_id"], row["organization_id"] = t.RequesterID, t.AssigneeID, t.GroupID, t.OrganizationID
		rows = append(rows, row)
		if want["requester"] {
			rid := t.RequesterID
			add(&users, "u", &rid)
		}
		if want["submitter"] {
			sid := t.SubmitterID
			add(&users, "u", &sid)
		}
		if want["assignee"] {
			add(&users, "u", t.AssigneeID)
		}
		if want["group"] {
			add(&groups, "g", t.GroupID)
		}
		if want["organization"] {
			add(&orgs, "o", t.OrganizationID)
		}
	}
	extra := httpx.M{}
	acct := v.AccountID
	if acct == 0 {
		acct = auth.ActorFrom(ctx).AccountID
	}
	if s.side != nil {
		u, err := s.side.UsersJSON(ctx, acct, users)
		if err != nil {
			return nil, nil, err
		}
		g, err := s.side.GroupsJSON(ctx, acct, groups)
		if err != nil {
			return nil, nil, err
		}
		o, err := s.side.OrganizationsJSON(ctx, acct, orgs)
		if err != nil {
			return nil, nil, err
		}
		extra["users"], extra["groups"], extra["organizations"] = u, g, o
	} else {
		extra["groups"] = []httpx.M{}
	}
	return extra, rows, nil
}
