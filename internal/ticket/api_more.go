package ticket

import (
	"encoding/json"
	"net/http"
	"strconv"
	"time"

	"github.com/go-chi/chi/v5"

	"parley/internal/bulk"
	"parley/internal/platform/db"
	"parley/internal/platform/errs"
	"parley/internal/platform/httpx"
)

// MoreRoutes registers bulk, merge, deleted-ticket, problem and export
// endpoints.
func (h *API) MoreRoutes(r chi.Router) {
	H := httpx.H
	r.Post("/tickets/create_many", H(h.createMany))
	r.Put("/tickets/update_many", H(h.updateMany))
	r.Delete("/tickets/destroy_many", H(h.destroyMany))
	r.Post("/tickets/{id}/merge", H(h.merge))
	r.Get("/tickets/{id}/incidents", H(h.incidents))
	r.Get("/problems", H(h.problems))
	r.Get("/deleted_tickets", H(h.deleted))
	r.Put("/deleted_tickets/{id}/restore", H(h.restore))
	r.Delete("/deleted_tickets/{id}", H(h.purge))
	r.Get("/incremental/tickets", H(h.incremental))
	r.Get("/incremental/tickets/cursor", H(h.incrementalCursor))
	r.Get("/incremental/ticket_events", H(h.incrementalEvents))
}

func (h *API) createMany(w http.ResponseWriter, r *http.Request) error {
	var items []json.RawMessage
	if _, err := httpx.DecodeList(w, r, "tickets", func(i int, v json.RawMessage) error {
		items = append(items, v)
		return nil
	}); err != nil {
		return err
	}
	st, err := h.s.StartBulk(withMeta(r).Context(), OpCreateMany, items)
	if err != nil {
		return err
	}
	return bulk.Write(w, r, st)
}

// updateMany takes {"tickets":[{id,...}]} or ?ids=1,2 with {"ticket":{...}}.
func (h *API) updateMany(w http.ResponseWriter, r *http.Request) error {
	ids, err := httpx.IDs(r, "ids")
	if err != nil {
		return err
	}
	var items []json.RawMessage
	if len(ids) > 0 {
		raw, err := httpx.DecodeRaw(r)
		if err != nil {
			return err
		}
		var patch map[string]json.RawMessage
		if err := json.Unmarshal(raw["ticket"], &patch); err != nil || patch == nil {
			return errs.E(errs.BadRequest, "param is missing or the value is empty: ticket").WithCode("ParameterMissing")
		}
		for _, id := range ids {
			patch["id"] = json.RawMessage(strconv.FormatInt(id, 10))
			b, _ := json.Marshal(patch)
			items = append(items, b)
		}
	} else if _, err := httpx.DecodeList(w, r, "tickets", func(i int, v json.RawMessage) error {
		items = append(items, v)
		return nil
	}); err != nil {
		return err
	}
	st, err := h.s.StartBulk(withMeta(r).Context(), OpUpdateMany, items)
	if err != nil {
		return err
	}
	return bulk.Write(w, r, st)
}

func (h *API) destroyMany(w http.ResponseWriter, r *http.Request) error {
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
	st, err := h.s.StartBulk(r.Context(), OpDestroyMany, items)
	if err != nil {
		return err
	}
	return bulk.Write(w, r, st)
}

func (h *API) merge(w http.ResponseWriter, r *http.Request) error {
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	raw, err := httpx.DecodeRaw(r)
	if err != nil {
		return err
	}
	b, _ := json.Marshal(raw)
	var req MergeRequest
	if err := httpx.DecodeValue(w, "merge", b, &req); err != nil {
		return err
	}
	st, err := h.s.Merge(withMeta(r).Context(), id, req)
	if err != nil {
		return err
	}
	return bulk.Write(w, r, st.(bulk.Status))
}

func (h *API) incidents(w http.ResponseWriter, r *http.Request) error {
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	if _, err := h.s.Get(r.Context(), id); err != nil {
		return err
	}
	return h.page(w, r, Filter{ProblemID: id})
}

func (h *API) problems(w http.ResponseWriter, r *http.Request) error {
	return h.page(w, r, Filter{Type: "problem"})
}

func (h *API) deleted(w http.ResponseWriter, r *http.Request) error {
	l, err := httpx.ParseList(r, listSorts(r), "id")
	if err != nil {
		return err
	}
	ts, total, more, err := h.s.Deleted(r.Context(), l.Page)
	if err != nil {
		return err
	}
	out := make([]httpx.M, 0, len(ts))
	res := httpx.Result{Total: total, More: more}
	for _, t := range ts {
		out = append(out, httpx.M{"id": t.ID, "subject": t.Subject, "description": t.Description,
			"actor": httpx.M{"id": nil}, "deleted_at": httpx.TimePtr(t.DeletedAt), "previous_state": t.Status})
		res.Keys = append(res.Keys, db.Key{V: sortValue(t, l.Sort), ID: t.ID})
	}
	return l.Write(w, r, "deleted_tickets", out, res, nil)
}

func (h *API) restore(w http.ResponseWriter, r *http.Request) error {
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	if err := h.s.Restore(r.Context(), id); err != nil {
		return err
	}
	return httpx.JSON(w, http.StatusOK, httpx.M{})
}

func (h *API) purge(w http.ResponseWriter, r *http.Request) error {
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	st, err := h.s.StartPurge(r.Context(), id)
	if err != nil {
		return err
	}
	// Zendesk answers a permanent deletion with a job status.
	return bulk.Write(w, r, st)
}

func exportTicket(r *http.Request, t Ticket) httpx.M {
	m := JSON(r.Context(), t)
	m["generated_timestamp"] = t.UpdatedAt.Unix()
	return m
}

func (h *API) incremental(w http.ResponseWriter, r *http.Request) error {
	since, err := httpx.StartTime(r)
	if err != nil {
		return err
	}
	n, err := httpx.ExportPerPage(r)
	if err != nil {
		return err
	}
	ts, end, err := h.s.ExportSince(r.Context(), since, n)
	if err != nil {
		return err
	}
	out := make([]httpx.M, 0, len(ts))
	endTime := since.Unix()
	for _, t := range ts {
		out = append(out, exportTicket(r, t))
		endTime = t.UpdatedAt.Unix()
	}
	var next any
	if !end {
		endTime = httpx.NextStart(since, ts[len(ts)-1].UpdatedAt)
		next = httpx.Link(r, map[string]string{"start_time": strconv.FormatInt(endTime, 10)})
	}
	return httpx.JSON(w, http.StatusOK, httpx.M{"tickets": out, "count": len(out), "end_of_stream": end,
		"end_time": endTime, "next_page": next})
}

func (h *API) incrementalCursor(w http.ResponseWriter, r *http.Request) error {
	n, err := httpx.ExportPerPage(r)
	if err != nil {
		return err
	}
	var at time.Time
	var after int64
	if c := r.URL.Query().Get("cursor"); c != "" {
		if at, after, err = httpx.DecodeExportCursor(c); err != nil {
			return err
		}
	} else if at, err = httpx.StartTime(r); err != nil {
		return err
	}
	ts, end, err := h.s.ExportAfter(r.Context(), at, after, n)
	if err != nil {
		return err
	}
	out := make([]httpx.M, 0, len(ts))
	lastAt, lastID := at, after
	for _, t := range ts {
		out = append(out, exportTicket(r, t))
		lastAt, lastID = t.UpdatedAt, t.ID
	}
	cur := httpx.EncodeExportCursor(lastAt, lastID)
	return httpx.JSON(w, http.StatusOK, httpx.M{"tickets": out, "after_cursor": cur, "before_cursor": nil,
		"after_url": httpx.Link(r, map[string]string{"cursor": cur}, "start_time"), "before_url": nil, "end_of_stream": end})
}

// incrementalEvents is the ticket events stream: one entry per audit with
// its changes as child events (comments only with include=comment_events).
func (h *API) incrementalEvents(w http.ResponseWriter, r *http.Request) error {
	since, err := httpx.StartTime(r)
	if err != nil {
		return err
	}
	n, err := httpx.ExportPerPage(r)
	if err != nil {
		return err
	}
	aus, end, err := h.s.ExportEvents(r.Context(), since, n)
	if err != nil {
		return err
	}
	withComments := httpx.Includes(r)["comment_events"]
	out := make([]httpx.M, 0, len(aus))
	endTime := since.Unix()
	for _, au := range aus {
		kids := []httpx.M{}
		for _, e := range au.Events {
			if e.Type == "Comment" {
				if withComments {
					kids = append(kids, httpx.M{"id": e.ID, "event_type": "Comment", "comment_id": e.CommentID})
				}
				continue
			}
			k := httpx.M{"id": e.ID, "event_type": e.Type, "via": au.Via.Channel, "via_reference_id": nil}
			if e.FieldName != "" {
				k[e.FieldName] = e.Value
			} else if e.CommentID != 0 {
				k["comment_id"], k["public"] = e.CommentID, e.Value
			}
			if e.HasPrevious {
				k["previous_value"] = e.PreviousValue
			}
			kids = append(kids, k)
		}
		out = append(out, httpx.M{"id": au.ID, "ticket_id": au.TicketID, "timestamp": au.CreatedAt.Unix(),
			"created_at": httpx.Time(au.CreatedAt), "updater_id": au.AuthorID, "via": au.Via.Channel,
			"event_type": "Audit", "child_events": kids})
		endTime = au.CreatedAt.Unix()
	}
	var next any
	if !end {
		endTime = httpx.NextStart(since, aus[len(aus)-1].CreatedAt)
		next = httpx.Link(r, map[string]string{"start_time": strconv.FormatInt(endTime, 10)})
	}
	return httpx.JSON(w, http.StatusOK, httpx.M{"ticket_events": out, "count": len(out), "end_of_stream": end,
		"end_time": endTime, "next_page": next})
}

// FormRoutes registers the ticket form endpoints.
func (h *API) FormRoutes(r chi.Router) {
	H := httpx.H
	r.Get("/ticket_forms", H(h.listForms))
	r.Post("/ticket_forms", H(h.createForm))
	r.Get("/ticket_forms/show_many", H(h.showManyForms))
	r.Put("/ticket_forms/reorder", H(h.reorderForms))
	r.Get("/ticket_forms/{fmid}", H(h.showForm))
	r.Put("/ticket_forms/{fmid}", H(h.updateForm))
	r.Delete("/ticket_forms/{fmid}", H(h.deleteForm))
	r.Post("/ticket_forms/{fmid}/clone", H(h.cloneForm))
}

func formJSON(r *http.Request, f Form) httpx.M {
	return httpx.M{
		"url":                  httpx.URL(r.Context(), "/api/v2/ticket_forms/%d.json", f.ID),
		"id":                   f.ID,
		"name":                 f.Name,
		"raw_name":             f.Name,
		"display_name":         f.DisplayName,
		"raw_display_name":     f.DisplayName,
		"end_user_visible":     f.EndUserVisible,
		"position":             f.Position,
		"ticket_field_ids":     f.FieldIDs,
		"active":               f.Active,
		"default":              f.Default,
		"in_all_brands":        f.InAllBrands,
		"restricted_brand_ids": []int64{},
		"agent_conditions":     f.AgentConditions,
		"end_user_conditions":  f.EndUserConditions,
		"created_at":           httpx.Time(f.CreatedAt),
		"updated_at":           httpx.Time(f.UpdatedAt),
	}
}

func (h *API) writeForms(w http.ResponseWriter, r *http.Request, fs []Form) error {
	out := make([]httpx.M, 0, len(fs))
	for _, f := range fs {
		out = append(out, formJSON(r, f))
	}
	return httpx.JSON(w, http.StatusOK, httpx.M{"ticket_forms": out, "next_page": nil, "previous_page": nil, "count": len(out)})
}

func (h *API) listForms(w http.ResponseWriter, r *http.Request) error {
	fs, err := h.s.ListForms(r.Context(), nil)
	if err != nil {
		return err
	}
	return h.writeForms(w, r, fs)
}

func (h *API) showManyForms(w http.ResponseWriter, r *http.Request) error {
	ids, err := httpx.IDs(r, "ids")
	if err != nil {
		return err
	}
	if len(ids) == 0 {
		return errs.E(errs.BadRequest, "Parameter ids is required").WithCode("ParameterMissing")
	}
	fs, err := h.s.ListForms(r.Context(), ids)
	if err != nil {
		return err
	}
	return h.writeForms(w, r, fs)
}

func (h *API) showForm(w http.ResponseWriter, r *http.Request) error {
	id, err := pathID(r, "fmid")
	if err != nil {
		return err
	}
	f, err := h.s.GetForm(r.Context(), id)
	if err != nil {
		return err
	}
	return httpx.JSON(w, http.StatusOK, httpx.M{"ticket_form": formJSON(r, f)})
}

func (h *API) createForm(w http.ResponseWriter, r *http.Request) error {
	var in FormInput
	if err := httpx.Decode(w, r, "ticket_form", &in); err != nil {
		return err
	}
	f, err := h.s.CreateForm(r.Context(), in)
	if err != nil {
		return err
	}
	return httpx.Created(w, httpx.URL(r.Context(), "/api/v2/ticket_forms/%d.json", f.ID), httpx.M{"ticket_form": formJSON(r, f)})
}

func (h *API) updateForm(w http.ResponseWriter, r *http.Request) error {
	id, err := pathID(r, "fmid")
	if err != nil {
		return err
	}
	var in FormInput
	if err := httpx.Decode(w, r, "ticket_form", &in); err != nil {
		return err
	}
	f, err := h.s.UpdateForm(r.Context(), id, in)
	if err != nil {
		return err
	}
	return httpx.JSON(w, http.StatusOK, httpx.M{"ticket_form": formJSON(r, f)})
}

func (h *API) deleteForm(w http.ResponseWriter, r *http.Request) error {
	id, err := pathID(r, "fmid")
	if err != nil {
		return err
	}
	if err := h.s.DeleteForm(r.Context(), id); err != nil {
		return err
	}
	return httpx.NoContent(w)
}

func (h *API) cloneForm(w http.ResponseWriter, r *http.Request) error {
	id, err := pathID(r, "fmid")
	if err != nil {
		return err
	}
	f, err := h.s.CloneForm(r.Context(), id)
	if err != nil {
		return err
	}
	return httpx.Created(w, httpx.URL(r.Context(), "/api/v2/ticket_forms/%d.json", f.ID), httpx.M{"ticket_form": formJSON(r, f)})
}

func (h *API) reorderForms(w http.ResponseWriter, r *http.Request) error {
	raw, err := httpx.DecodeRaw(r)
	if err != nil {
		return err
	}
	var ids []int64
	if err := json.Unmarshal(raw["ticket_form_ids"], &ids); err != nil || len(ids) == 0 {
		return errs.E(errs.BadRequest, "param is missing or the value is empty: ticket_form_ids").WithCode("ParameterMissing")
	}
	if err := h.s.ReorderForms(r.Context(), ids); err != nil {
		return err
	}
	fs, err := h.s.ListForms(r.Context(), nil)
	if err != nil {
		return err
	}
	return h.writeForms(w, r, fs)
}
