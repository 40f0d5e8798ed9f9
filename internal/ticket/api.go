package ticket

import (
	"encoding/json"
	"net/http"
	"strings"
	"time"

	"github.com/go-chi/chi/v5"

	"parley/internal/platform/db"
	"parley/internal/platform/errs"
	"parley/internal/platform/httpx"
)

// API serves the ticket endpoints of /api/v2.
type API struct {
	s     *Service
	users UserRenderer
}

// NewAPI builds the ticket API; users renders CCs and followers.
func NewAPI(s *Service, users UserRenderer) *API { return &API{s: s, users: users} }

// Routes registers the ticket endpoints.
func (h *API) Routes(r chi.Router) {
	H := httpx.H
	h.MoreRoutes(r)
	h.FormRoutes(r)
	h.ExtraRoutes(r)
	h.RedactRoutes(r)
	r.Get("/tickets", H(h.list))
	r.Post("/tickets", H(h.create))
	r.Get("/tickets/count", H(h.count))
	r.Get("/tickets/show_many", H(h.showMany))
	r.Get("/tickets/{id}", H(h.show))
	r.Put("/tickets/{id}", H(h.update))
	r.Delete("/tickets/{id}", H(h.delete))
	r.Get("/tickets/{id}/comments", H(h.comments))
	r.Get("/tickets/{id}/comments/count", H(h.commentsCount))
	r.Put("/tickets/{id}/comments/{cid}/make_private", H(h.makePrivate))
	r.Get("/tickets/{id}/audits", H(h.audits))
	r.Get("/tickets/{id}/audits/count", H(h.auditsCount))
	r.Get("/tickets/{id}/audits/{aid}", H(h.audit))
	r.Get("/ticket_audits", H(h.allAudits))
	r.Get("/tickets/{id}/tags", H(h.tags))
	r.Post("/tickets/{id}/tags", H(h.changeTags("set")))
	r.Put("/tickets/{id}/tags", H(h.changeTags("add")))
	r.Delete("/tickets/{id}/tags", H(h.changeTags("remove")))
	r.Get("/tags", H(h.popularTags))
	r.Get("/users/{uid}/tickets/requested", H(h.userTickets("requested")))
	r.Get("/users/{uid}/tickets/ccd", H(h.userTickets("ccd")))
	r.Get("/users/{uid}/tickets/assigned", H(h.userTickets("assigned")))
	r.Get("/organizations/{oid}/tickets", H(h.orgTickets))

	r.Post("/uploads", H(h.upload))
	r.Delete("/uploads/{token}", H(h.deleteUpload))
	r.Get("/attachments/{atid}", H(h.showAttachment))

	r.Get("/custom_statuses", H(h.listStatuses))
	r.Post("/custom_statuses", H(h.createStatus))
	r.Get("/custom_statuses/{sid}", H(h.showStatus))
	r.Put("/custom_statuses/{sid}", H(h.updateStatus))
	r.Put("/custom_status/default", H(h.setDefaultStatuses))

	r.Get("/ticket_fields", H(h.listFields))
	r.Post("/ticket_fields", H(h.createField))
	r.Get("/ticket_fields/count", H(h.countFields))
	r.Put("/ticket_fields/reorder", H(h.reorderFields))
	r.Get("/ticket_fields/{fid}", H(h.showField))
	r.Put("/ticket_fields/{fid}", H(h.updateField))
	r.Delete("/ticket_fields/{fid}", H(h.deleteField))
	r.Get("/ticket_fields/{fid}/options", H(h.listOptions))
	r.Post("/ticket_fields/{fid}/options", H(h.setOption))
	r.Get("/ticket_fields/{fid}/options/{oid}", H(h.showOption))
	r.Delete("/ticket_fields/{fid}/options/{oid}", H(h.deleteOption))
}

func pathID(r *http.Request, name string) (int64, error) { return httpx.PathID(chi.URLParam(r, name)) }

func withMeta(r *http.Request) *http.Request {
	ip := r.RemoteAddr
	if i := strings.LastIndex(ip, ":"); i > 0 {
		ip = ip[:i]
	}
	return r.WithContext(WithMeta(r.Context(), Meta{Client: r.UserAgent(), IPAddress: strings.Trim(ip, "[]")}))
}

// statusRank orders statuses the Zendesk way (new < open < ... < closed).
const statusRank = `(CASE t.status WHEN 'new' THEN 0 WHEN 'open' THEN 1 WHEN 'pending' THEN 2 WHEN 'hold' THEN 3
	WHEN 'solved' THEN 4 ELSE 5 END)`

// cursorSorts are the sorts cursor pagination allows (as Zendesk: id,
// updated_at, status), plus created_at.
var cursorSorts = httpx.Sorts{
	"id":         {Column: "id", Kind: httpx.KindInt},
	"created_at": {Column: "created_at", Kind: httpx.KindTime},
	"updated_at": {Column: "updated_at", Kind: httpx.KindTime},
	"status":     {Column: statusRank, Kind: httpx.KindInt},
}

// sorts are the offset-pagination sort_by values of §2.3; the name sorts
// read the user's name through the (account_id, id) primary key.
var sorts = httpx.Sorts{
	"id":             {Column: "id", Kind: httpx.KindInt},
	"created_at":     {Column: "created_at", Kind: httpx.KindTime},
	"updated_at":     {Column: "updated_at", Kind: httpx.KindTime},
	"status":         {Column: statusRank, Kind: httpx.KindInt},
	"subject":        {Column: "subject", Kind: httpx.KindString},
	"assignee":       {Column: "(COALESCE(t.assignee_id, 0))", Kind: httpx.KindInt},
	"requester":      {Column: "requester_id", Kind: httpx.KindInt},
	"group":          {Column: "(COALESCE(t.group_id, 0))", Kind: httpx.KindInt},
	"assignee.name":  {Column: "(COALESCE((SELECT u.name FROM users u WHERE u.id = t.assignee_id), ''))", Kind: httpx.KindString},
	"requester.name": {Column: "(COALESCE((SELECT u.name FROM users u WHERE u.id = t.requester_id), ''))", Kind: httpx.KindString},
	"locale":         {Column: "(COALESCE((SELECT u.locale FROM users u WHERE u.id = t.requester_id), ''))", Kind: httpx.KindString},
}

func listSorts(r *http.Request) httpx.Sorts {
	if httpx.IsCursor(r) {
		return cursorSorts
	}
	return sorts
}

func rank(status string) int64 {
	for i, s := range Statuses {
		if s == status {
			return int64(i)
		}
	}
	return 5
}

// sortValue is a ticket's keyset value for the cursor sorts.
func sortValue(t Ticket, col string) any {
	switch col {
	case "created_at":
		return t.CreatedAt
	case "updated_at":
		return t.UpdatedAt
	case statusRank:
		return rank(t.Status)
	case "subject":
		return t.Subject
	}
	return t.ID
}

func (h *API) page(w http.ResponseWriter, r *http.Request, f Filter) error {
	l, err := httpx.ParseList(r, listSorts(r), "id")
	if err != nil {
		return err
	}
	ts, total, more, err := h.s.List(r.Context(), f, l.Page)
	if err != nil {
		return err
	}
	out := make([]httpx.M, 0, len(ts))
	res := httpx.Result{Total: total, More: more}
	for _, t := range ts {
		out = append(out, JSON(r.Context(), t))
		res.Keys = append(res.Keys, db.Key{V: sortValue(t, l.Sort), ID: t.ID})
	}
	if err := h.commentCounts(r, ts, out); err != nil {
		return err
	}
	extra, err := h.sideloads(r, ts)
	if err != nil {
		return err
	}
	return l.Write(w, r, "tickets", out, res, extra)
}

func (h *API) list(w http.ResponseWriter, r *http.Request) error {
	return h.page(w, r, Filter{ExternalID: r.URL.Query().Get("external_id")})
}

func (h *API) userTickets(kind string) httpx.Handler {
	return func(w http.ResponseWriter, r *http.Request) error {
		uid, err := pathID(r, "uid")
		if err != nil {
			return err
		}
		if _, err := h.s.people.Person(r.Context(), accountOf(r), uid); err != nil {
			return err
		}
		f := Filter{}
		switch kind {
		case "requested":
			f.RequesterID = uid
		case "assigned":
			f.AssigneeID = uid
		default:
			f.CCUserID = uid
		}
		return h.page(w, r, f)
	}
}

func (h *API) orgTickets(w http.ResponseWriter, r *http.Request) error {
	oid, err := pathID(r, "oid")
	if err != nil {
		return err
	}
	if ok, err := h.s.people.OrganizationExists(r.Context(), accountOf(r), oid); err != nil {
		return err
	} else if !ok {
		return errs.NotFoundf("Not found")
	}
	return h.page(w, r, Filter{OrganizationID: oid})
}

func (h *API) showMany(w http.ResponseWriter, r *http.Request) error {
	ids, err := httpx.IDs(r, "ids")
	if err != nil {
		return err
	}
	if len(ids) == 0 {
		return errs.E(errs.BadRequest, "Parameter ids is required").WithCode("ParameterMissing")
	}
	l := httpx.List{Page: db.Page{Limit: httpx.MaxPerPage}, PageNum: 1, PerPage: httpx.MaxPerPage}
	ts, total, _, err := h.s.List(r.Context(), Filter{IDs: ids}, l.Page)
	if err != nil {
		return err
	}
	out := make([]httpx.M, 0, len(ts))
	for _, t := range ts {
		out = append(out, JSON(r.Context(), t))
	}
	return l.Write(w, r, "tickets", out, httpx.Result{Total: total}, nil)
}

func (h *API) count(w http.ResponseWriter, r *http.Request) error {
	n, err := h.s.Count(r.Context(), Filter{})
	if err != nil {
		return err
	}
	return httpx.JSON(w, http.StatusOK, httpx.M{"count": httpx.M{"value": n,
		"refreshed_at": time.Now().UTC().Format("2006-01-02T15:04:05+00:00")}})
}

func (h *API) show(w http.ResponseWriter, r *http.Request) error {
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	t, err := h.s.Get(r.Context(), id)
	if err != nil {
		return err
	}
	out := []httpx.M{JSON(r.Context(), t)}
	if err := h.commentCounts(r, []Ticket{t}, out); err != nil {
		return err
	}
	body := httpx.M{"ticket": out[0]}
	extra, err := h.sideloads(r, []Ticket{t})
	if err != nil {
		return err
	}
	for k, v := range extra {
		body[k] = v
	}
	return httpx.JSON(w, http.StatusOK, body)
}

// writeWithAudit answers a write with the ticket and its audit.
func (h *API) writeWithAudit(w http.ResponseWriter, r *http.Request, status int, t Ticket, au Audit) error {
	comments, err := h.auditComments(r, []Audit{au})
	if err != nil {
		return err
	}
	body := httpx.M{"ticket": JSON(r.Context(), t), "audit": auditJSON(r.Context(), au, comments)}
	if status == http.StatusCreated {
		return httpx.Created(w, httpx.URL(r.Context(), "/api/v2/tickets/%d.json", t.ID), body)
	}
	return httpx.JSON(w, status, body)
}

func (h *API) create(w http.ResponseWriter, r *http.Request) error {
	var in Input
	if err := httpx.Decode(w, r, "ticket", &in); err != nil {
		return err
	}
	t, au, err := h.s.Create(withMeta(r).Context(), in)
	if err != nil {
		return err
	}
	return h.writeWithAudit(w, r, http.StatusCreated, t, au)
}

func (h *API) update(w http.ResponseWriter, r *http.Request) error {
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	var in Input
	if err := httpx.DecodeUpdate(w, r, "ticket", &in, "id"); err != nil {
		return err
	}
	t, au, err := h.s.Update(withMeta(r).Context(), id, in)
	if err != nil {
		return err
	}
	return h.writeWithAudit(w, r, http.StatusOK, t, au)
}

func (h *API) delete(w http.ResponseWriter, r *http.Request) error {
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	if err := h.s.Delete(r.Context(), id); err != nil {
		return err
	}
	return httpx.NoContent(w)
}

var commentSorts = httpx.Sorts{"created_at": {Column: "created_at", Kind: httpx.KindTime}}

func (h *API) comments(w http.ResponseWriter, r *http.Request) error {
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	l, err := httpx.ParseList(r, commentSorts, "created_at")
	if err != nil {
		return err
	}
	cs, total, more, err := h.s.Comments(r.Context(), id, l.Page)
	if err != nil {
		return err
	}
	out := make([]httpx.M, 0, len(cs))
	res := httpx.Result{Total: total, More: more}
	authors := []int64{}
	seen := map[int64]bool{}
	for _, c := range cs {
		out = append(out, commentJSON(r.Context(), c))
		res.Keys = append(res.Keys, db.Key{V: c.CreatedAt, ID: c.ID})
		if !seen[c.AuthorID] {
			seen[c.AuthorID] = true
			authors = append(authors, c.AuthorID)
		}
	}
	var extra httpx.M
	if httpx.Includes(r)["users"] {
		users, err := h.users.UsersJSON(r.Context(), accountOf(r), authors)
		if err != nil {
			return err
		}
		extra = httpx.M{"users": users}
	}
	return l.Write(w, r, "comments", out, res, extra)
}

func (h *API) commentsCount(w http.ResponseWriter, r *http.Request) error {
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	_, total, _, err := h.s.Comments(r.Context(), id, db.Page{Limit: 1})
	if err != nil {
		return err
	}
	return httpx.JSON(w, http.StatusOK, httpx.M{"count": httpx.M{"value": total,
		"refreshed_at": time.Now().UTC().Format("2006-01-02T15:04:05+00:00")}})
}

func (h *API) makePrivate(w http.ResponseWriter, r *http.Request) error {
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	cid, err := pathID(r, "cid")
	if err != nil {
		return err
	}
	if err := h.s.MakePrivate(r.Context(), id, cid); err != nil {
		return err
	}
	return httpx.JSON(w, http.StatusOK, httpx.M{})
}

// auditComments loads exactly the comments the audits' Comment events
// carry, in one query.
func (h *API) auditComments(r *http.Request, aus []Audit) (map[int64]Comment, error) {
	var ids []int64
	for _, au := range aus {
		for _, e := range au.Events {
			if e.Type == "Comment" && e.CommentID != 0 {
				ids = append(ids, e.CommentID)
			}
		}
	}
	if len(aus) == 0 {
		return map[int64]Comment{}, nil
	}
	return h.s.CommentsByID(r.Context(), aus[0].AccountID, ids)
}

func (h *API) audits(w http.ResponseWriter, r *http.Request) error {
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	l, err := httpx.ParseList(r, nil, "id")
	if err != nil {
		return err
	}
	aus, total, more, err := h.s.Audits(r.Context(), id, l.Page)
	if err != nil {
		return err
	}
	comments, err := h.auditComments(r, aus)
	if err != nil {
		return err
	}
	out := make([]httpx.M, 0, len(aus))
	res := httpx.Result{Total: total, More: more}
	for _, au := range aus {
		out = append(out, auditJSON(r.Context(), au, comments))
		res.Keys = append(res.Keys, db.Key{ID: au.ID})
	}
	return l.Write(w, r, "audits", out, res, nil)
}

func (h *API) auditsCount(w http.ResponseWriter, r *http.Request) error {
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	_, total, _, err := h.s.Audits(r.Context(), id, db.Page{Limit: 1})
	if err != nil {
		return err
	}
	return httpx.JSON(w, http.StatusOK, httpx.M{"count": httpx.M{"value": total,
		"refreshed_at": time.Now().UTC().Format("2006-01-02T15:04:05+00:00")}})
}

func (h *API) audit(w http.ResponseWriter, r *http.Request) error {
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	aid, err := pathID(r, "aid")
	if err != nil {
		return err
	}
	au, err := h.s.GetAudit(r.Context(), id, aid)
	if err != nil {
		return err
	}
	comments, err := h.auditComments(r, []Audit{au})
	if err != nil {
		return err
	}
	return httpx.JSON(w, http.StatusOK, httpx.M{"audit": auditJSON(r.Context(), au, comments)})
}

// allAudits is GET /ticket_audits: cursor pagination only, newest first.
func (h *API) allAudits(w http.ResponseWriter, r *http.Request) error {
	l, err := httpx.ParseList(r, nil, "id")
	if err != nil {
		return err
	}
	l.Keyset, l.Cursor, l.Desc = true, true, true
	aus, more, err := h.s.AllAudits(r.Context(), l.Page)
	if err != nil {
		return err
	}
	out := make([]httpx.M, 0, len(aus))
	res := httpx.Result{More: more}
	comments, err := h.auditComments(r, aus)
	if err != nil {
		return err
	}
	for _, au := range aus {
		out = append(out, auditJSON(r.Context(), au, comments))
		res.Keys = append(res.Keys, db.Key{ID: au.ID})
	}
	return l.Write(w, r, "audits", out, res, nil)
}

func (h *API) tags(w http.ResponseWriter, r *http.Request) error {
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	t, err := h.s.Get(r.Context(), id)
	if err != nil {
		return err
	}
	return httpx.JSON(w, http.StatusOK, httpx.M{"tags": t.Tags})
}

type tagsIn struct {
	Tags         []string `json:"tags"`
	SafeUpdate   bool     `json:"safe_update"`
	UpdatedStamp string   `json:"updated_stamp"`
}

func (h *API) changeTags(op string) httpx.Handler {
	return func(w http.ResponseWriter, r *http.Request) error {
		id, err := pathID(r, "id")
		if err != nil {
			return err
		}
		raw, err := httpx.DecodeRaw(r)
		if err != nil {
			return err
		}
		b, _ := json.Marshal(raw)
		var in tagsIn
		if err := httpx.DecodeValue(w, "tags", b, &in); err != nil {
			return err
		}
		if in.Tags == nil {
			return errs.E(errs.BadRequest, "param is missing or the value is empty: tags").WithCode("ParameterMissing")
		}
		t, err := h.s.ChangeTags(withMeta(r).Context(), id, op, in.Tags, in.SafeUpdate, in.UpdatedStamp)
		if err != nil {
			return err
		}
		status := http.StatusOK
		if op == "set" {
			status = http.StatusCreated
		}
		return httpx.JSON(w, status, httpx.M{"tags": t.Tags})
	}
}

func (h *API) popularTags(w http.ResponseWriter, r *http.Request) error {
	tcs, err := h.s.PopularTags(r.Context(), 20000)
	if err != nil {
		return err
	}
	out := make([]httpx.M, 0, len(tcs))
	for _, tc := range tcs {
		out = append(out, httpx.M{"name": tc.Name, "count": tc.Count})
	}
	return httpx.JSON(w, http.StatusOK, httpx.M{"tags": out, "next_page": nil, "previous_page": nil, "count": len(out)})
}
