package ticket

import (
	"context"
	"encoding/json"
	"net/http"
	"strconv"
	"time"

	"github.com/go-chi/chi/v5"

	"parley/internal/auth"
	"parley/internal/bulk"
	"parley/internal/platform/db"
	"parley/internal/platform/errs"
	"parley/internal/platform/httpx"
)

// UserRenderer renders users in the Zendesk shape (the user room).
type UserRenderer interface {
	UsersJSON(ctx context.Context, accountID int64, ids []int64) ([]httpx.M, error)
	OrganizationsJSON(ctx context.Context, accountID int64, ids []int64) ([]httpx.M, error)
	GroupsJSON(ctx context.Context, accountID int64, ids []int64) ([]httpx.M, error)
}

// sideloads adds include=users,groups,organizations to a ticket response
// (unknown names are ignored, as Zendesk does).
func (h *API) sideloads(r *http.Request, ts []Ticket) (httpx.M, error) {
	inc := httpx.Includes(r)
	if len(inc) == 0 || len(ts) == 0 {
		return nil, nil
	}
	ctx, acct := r.Context(), ts[0].AccountID
	extra := httpx.M{}
	collect := func(pick func(t Ticket) []int64) []int64 {
		seen := map[int64]bool{}
		out := []int64{}
		for _, t := range ts {
			for _, id := range pick(t) {
				if id != 0 && !seen[id] {
					seen[id] = true
					out = append(out, id)
				}
			}
		}
		return out
	}
	deref := func(p *int64) int64 {
		if p == nil {
			return 0
		}
		return *p
	}
	if inc["users"] {
		ids := collect(func(t Ticket) []int64 {
			return append([]int64{t.RequesterID, t.SubmitterID, deref(t.AssigneeID)}, t.CollaboratorIDs...)
		})
		users, err := h.users.UsersJSON(ctx, acct, ids)
		if err != nil {
			return nil, err
		}
		extra["users"] = users
	}
	if inc["groups"] {
		groups, err := h.users.GroupsJSON(ctx, acct, collect(func(t Ticket) []int64 { return []int64{deref(t.GroupID)} }))
		if err != nil {
			return nil, err
		}
		extra["groups"] = groups
	}
	if inc["organizations"] {
		orgs, err := h.users.OrganizationsJSON(ctx, acct, collect(func(t Ticket) []int64 { return []int64{deref(t.OrganizationID)} }))
		if err != nil {
			return nil, err
		}
		extra["organizations"] = orgs
	}
	return extra, nil
}

// ExtraRoutes registers ratings, metrics, spam, CC lists and imports.
func (h *API) ExtraRoutes(r chi.Router) {
	H := httpx.H
	r.Post("/tickets/{id}/satisfaction_rating", H(h.rate))
	r.Get("/satisfaction_ratings", H(h.ratings))
	r.Get("/satisfaction_ratings/count", H(h.ratingsCount))
	r.Get("/satisfaction_ratings/{rtid}", H(h.rating))
	r.Get("/tickets/{id}/metrics", H(h.metrics))
	r.Get("/ticket_metrics", H(h.allMetrics))
	r.Get("/ticket_metrics/{id}", H(h.metrics))
	r.Put("/tickets/{id}/mark_as_spam", H(h.spam))
	r.Put("/tickets/mark_many_as_spam", H(h.spamMany))
	r.Get("/tickets/{id}/collaborators", H(h.people("collaborators")))
	r.Get("/tickets/{id}/followers", H(h.people("followers")))
	r.Get("/tickets/{id}/email_ccs", H(h.people("email_ccs")))
	r.Post("/imports/tickets", H(h.importTicket))
	r.Post("/imports/tickets/create_many", H(h.importMany))
}

type ratingIn struct {
	Score   string `json:"score"`
	Comment string `json:"comment"`
	Reason  string `json:"reason"`
}

func (h *API) rate(w http.ResponseWriter, r *http.Request) error {
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	var in ratingIn
	if err := httpx.Decode(w, r, "satisfaction_rating", &in); err != nil {
		return err
	}
	rt, err := h.s.Rate(r.Context(), id, in.Score, in.Comment, in.Reason)
	if err != nil {
		return err
	}
	return httpx.JSON(w, http.StatusOK, httpx.M{"satisfaction_rating": RatingJSON(r.Context(), rt)})
}

func ratingFilter(r *http.Request) (RatingFilter, error) {
	q := r.URL.Query()
	f := RatingFilter{Score: q.Get("score")}
	for _, p := range []struct {
		name string
		dst  **time.Time
	}{{"start_time", &f.Start}, {"end_time", &f.End}} {
		if v := q.Get(p.name); v != "" {
			n, err := strconv.ParseInt(v, 10, 64)
			if err != nil {
				return f, errs.Ef(errs.BadRequest, "%s must be a unix timestamp", p.name).WithCode("InvalidValue")
			}
			t := time.Unix(n, 0).UTC()
			*p.dst = &t
		}
	}
	return f, nil
}

func (h *API) ratings(w http.ResponseWriter, r *http.Request) error {
	f, err := ratingFilter(r)
	if err != nil {
		return err
	}
	l, err := httpx.ParseList(r, nil, "id")
	if err != nil {
		return err
	}
	rs, total, more, err := h.s.Ratings(r.Context(), f, l.Page)
	if err != nil {
		return err
	}
	out := make([]httpx.M, 0, len(rs))
	res := httpx.Result{Total: total, More: more}
	for _, rt := range rs {
		out = append(out, RatingJSON(r.Context(), rt))
		res.Keys = append(res.Keys, db.Key{ID: rt.ID})
	}
	return l.Write(w, r, "satisfaction_ratings", out, res, nil)
}

func (h *API) ratingsCount(w http.ResponseWriter, r *http.Request) error {
	f, err := ratingFilter(r)
	if err != nil {
		return err
	}
	_, total, _, err := h.s.Ratings(r.Context(), f, db.Page{Limit: 1})
	if err != nil {
		return err
	}
	return httpx.JSON(w, http.StatusOK, httpx.M{"count": httpx.M{"value": total,
		"refreshed_at": time.Now().UTC().Format("2006-01-02T15:04:05+00:00")}})
}

func (h *API) rating(w http.ResponseWriter, r *http.Request) error {
	id, err := pathID(r, "rtid")
	if err != nil {
		return err
	}
	rt, err := h.s.GetRating(r.Context(), id)
	if err != nil {
		return err
	}
	return httpx.JSON(w, http.StatusOK, httpx.M{"satisfaction_rating": RatingJSON(r.Context(), rt)})
}

func minutesJSON(p *int64) httpx.M {
	if p == nil {
		return httpx.M{"calendar": nil, "business": nil}
	}
	return httpx.M{"calendar": *p, "business": *p}
}

func metricsJSON(r *http.Request, m Metrics) httpx.M {
	wait := func(n int64) httpx.M { return httpx.M{"calendar": n, "business": n} }
	return httpx.M{
		"url":                              httpx.URL(r.Context(), "/api/v2/ticket_metrics/%d.json", m.TicketID),
		"id":                               m.TicketID,
		"ticket_id":                        m.TicketID,
		"created_at":                       httpx.Time(m.CreatedAt),
		"updated_at":                       httpx.Time(m.UpdatedAt),
		"group_stations":                   m.GroupStations,
		"assignee_stations":                m.AssigneeStations,
		"reopens":                          m.Reopens,
		"replies":                          m.Replies,
		"assignee_updated_at":              httpx.TimePtr(m.AssigneeUpdatedAt),
		"requester_updated_at":             httpx.TimePtr(m.RequesterUpdatedAt),
		"status_updated_at":                httpx.TimePtr(m.StatusUpdatedAt),
		"initially_assigned_at":            httpx.TimePtr(m.InitiallyAssignedAt),
		"assigned_at":                      httpx.TimePtr(m.AssignedAt),
		"solved_at":                        httpx.TimePtr(m.SolvedAt),
		"latest_comment_added_at":          httpx.TimePtr(m.LatestCommentAddedAt),
		"reply_time_in_minutes":            minutesJSON(m.ReplyTime),
		"first_resolution_time_in_minutes": minutesJSON(m.FirstResolutionTime),
		"full_resolution_time_in_minutes":  minutesJSON(m.FullResolutionTime),
		"agent_wait_time_in_minutes":       wait(m.AgentWaitTime),
		"requester_wait_time_in_minutes":   wait(m.RequesterWaitTime),
		"on_hold_time_in_minutes":          wait(m.OnHoldTime),
	}
}

func (h *API) metrics(w http.ResponseWriter, r *http.Request) error {
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	t, err := h.s.Get(r.Context(), id)
	if err != nil {
		return err
	}
	ms, err := h.s.MetricsFor(r.Context(), []Ticket{t})
	if err != nil {
		return err
	}
	return httpx.JSON(w, http.StatusOK, httpx.M{"ticket_metric": metricsJSON(r, ms[0])})
}

func (h *API) allMetrics(w http.ResponseWriter, r *http.Request) error {
	l, err := httpx.ParseList(r, listSorts(r), "id")
	if err != nil {
		return err
	}
	ts, total, more, err := h.s.List(r.Context(), Filter{}, l.Page)
	if err != nil {
		return err
	}
	ms, err := h.s.MetricsFor(r.Context(), ts)
	if err != nil {
		return err
	}
	out := make([]httpx.M, 0, len(ms))
	res := httpx.Result{Total: total, More: more}
	for i, m := range ms {
		out = append(out, metricsJSON(r, m))
		res.Keys = append(res.Keys, db.Key{V: sortValue(ts[i], l.Sort), ID: ts[i].ID})
	}
	return l.Write(w, r, "ticket_metrics", out, res, nil)
}

func (h *API) spam(w http.ResponseWriter, r *http.Request) error {
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	if err := h.s.MarkAsSpam(r.Context(), id); err != nil {
		return err
	}
	return httpx.JSON(w, http.StatusOK, httpx.M{})
}

func (h *API) spamMany(w http.ResponseWriter, r *http.Request) error {
	ids, err := httpx.IDs(r, "ids")
	if err != nil {
		return err
	}
	if len(ids) == 0 {
		return errs.E(errs.BadRequest, "Parameter ids is required").WithCode("ParameterMissing")
	}
	items := make([]json.RawMessage, len(ids))
	for i, id := range ids {
		items[i] = json.RawMessage(strconv.FormatInt(id, 10))
	}
	st, err := h.s.StartBulk(r.Context(), OpSpamMany, items)
	if err != nil {
		return err
	}
	return bulk.Write(w, r, st)
}

func (h *API) people(kind string) httpx.Handler {
	return func(w http.ResponseWriter, r *http.Request) error {
		id, err := pathID(r, "id")
		if err != nil {
			return err
		}
		t, err := h.s.Get(r.Context(), id)
		if err != nil {
			return err
		}
		ids := t.CollaboratorIDs
		switch kind {
		case "followers":
			ids = t.FollowerIDs
		case "email_ccs":
			ids = t.EmailCCIDs
		}
		users, err := h.users.UsersJSON(r.Context(), t.AccountID, ids)
		if err != nil {
			return err
		}
		return httpx.JSON(w, http.StatusOK, httpx.M{"users": users, "next_page": nil, "previous_page": nil, "count": len(users)})
	}
}

func (h *API) importTicket(w http.ResponseWriter, r *http.Request) error {
	var in ImportInput
	if err := httpx.Decode(w, r, "ticket", &in); err != nil {
		return err
	}
	t, err := h.s.Import(withMeta(r).Context(), in)
	if err != nil {
		return err
	}
	return httpx.Created(w, httpx.URL(r.Context(), "/api/v2/tickets/%d.json", t.ID), httpx.M{"ticket": JSON(r.Context(), t)})
}

func (h *API) importMany(w http.ResponseWriter, r *http.Request) error {
	var items []json.RawMessage
	if _, err := httpx.DecodeList(w, r, "tickets", func(i int, v json.RawMessage) error {
		items = append(items, v)
		return nil
	}); err != nil {
		return err
	}
	if _, err := auth.RequireAdmin(r.Context()); err != nil {
		return err
	}
	st, err := h.s.StartBulk(r.Context(), OpImportMany, items)
	if err != nil {
		return err
	}
	return bulk.Write(w, r, st)
}

// RedactRoutes registers redaction and related-ticket endpoints.
func (h *API) RedactRoutes(r chi.Router) {
	r.Put("/tickets/{id}/comments/{cid}/redact", httpx.H(h.redact))
	r.Put("/tickets/{id}/comments/{cid}/attachments/{atid}/redact", httpx.H(h.redactAttachment))
	r.Get("/tickets/{id}/related", httpx.H(h.related))
}

type redactIn struct {
	Text string `json:"text"`
}

func (h *API) redact(w http.ResponseWriter, r *http.Request) error {
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	cid, err := pathID(r, "cid")
	if err != nil {
		return err
	}
	raw, err := httpx.DecodeRaw(r)
	if err != nil {
		return err
	}
	b, _ := json.Marshal(raw)
	var in redactIn
	if err := httpx.DecodeValue(w, "redact", b, &in); err != nil {
		return err
	}
	c, err := h.s.RedactComment(r.Context(), id, cid, in.Text)
	if err != nil {
		return err
	}
	return httpx.JSON(w, http.StatusOK, httpx.M{"comment": commentJSON(r.Context(), c)})
}

func (h *API) redactAttachment(w http.ResponseWriter, r *http.Request) error {
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	cid, err := pathID(r, "cid")
	if err != nil {
		return err
	}
	aid, err := pathID(r, "atid")
	if err != nil {
		return err
	}
	c, err := h.s.RedactAttachment(r.Context(), id, cid, aid)
	if err != nil {
		return err
	}
	for _, at := range c.Attachments {
		if at.ID == aid {
			return httpx.JSON(w, http.StatusOK, httpx.M{"attachment": AttachmentJSON(r.Context(), at)})
		}
	}
	return errs.NotFoundf("Not found")
}

func (h *API) related(w http.ResponseWriter, r *http.Request) error {
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	incidents, sources, err := h.s.Related(r.Context(), id)
	if err != nil {
		return err
	}
	return httpx.JSON(w, http.StatusOK, httpx.M{"ticket_related": httpx.M{"topic_id": nil, "jira_issue_ids": []any{},
		"followup_source_ids": sources, "from_archive": false, "incidents": incidents, "twitter": nil}})
}

// commentCounts sets comment_count on each rendered ticket when the
// request includes it.
func (h *API) commentCounts(r *http.Request, ts []Ticket, out []httpx.M) error {
	if !httpx.Includes(r)["comment_count"] || len(ts) == 0 {
		return nil
	}
	ids := make([]int64, len(ts))
	for i, t := range ts {
		ids[i] = t.ID
	}
	counts, err := h.s.CommentCounts(r.Context(), ts[0].AccountID, ids)
	if err != nil {
		return err
	}
	for i, t := range ts {
		out[i]["comment_count"] = counts[t.ID]
	}
	return nil
}
