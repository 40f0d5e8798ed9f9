package agentui

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"strconv"
	"strings"

	"parley/internal/bulk"
	"parley/internal/platform/errs"
	"parley/internal/platform/opt"
	"parley/internal/ticket"
	"parley/internal/web"
)

// Bulk runs ticket bulk updates and merges as jobs (the ticket room).
type Bulk interface {
	StartBulk(ctx context.Context, op string, items []json.RawMessage) (bulk.Status, error)
	Merge(ctx context.Context, target int64, req ticket.MergeRequest) (any, error)
}

// bulkEdit applies the chosen properties (and macro) to the ticked
// tickets of a view, as one update_many job.
func (h *Pages) bulkEdit(w http.ResponseWriter, r *http.Request) error {
	ctx := r.Context()
	if _, err := agent(ctx); err != nil {
		return err
	}
	viewID, err := pathID(r)
	if err != nil {
		return err
	}
	if err := r.ParseForm(); err != nil {
		return errs.Wrap(errs.BadRequest, "The form could not be read", err)
	}
	back := fmt.Sprintf("/agent/views/%d", viewID)
	if q := sortFrom(r.PostForm).query(); q != "" {
		back += "?" + q // the list comes back in the order it was shown
	}
	// Each item is an update_many entry with only what was chosen: keys
	// left out are left alone.
	change := map[string]any{}
	if id, err := strconv.ParseInt(r.PostFormValue("status"), 10, 64); err == nil && id > 0 {
		change["custom_status_id"] = id
	}
	for _, name := range []string{"assignee_id", "group_id"} {
		if v := r.PostFormValue(name); v != "" {
			n, _ := strconv.ParseInt(v, 10, 64)
			change[name] = n
		}
	}
	if tags := strings.Fields(r.PostFormValue("add_tags")); len(tags) > 0 {
		change["additional_tags"] = tags
	}
	if m, err := strconv.ParseInt(r.PostFormValue("macro_id"), 10, 64); err == nil && m > 0 {
		change["macro_ids"] = []int64{m}
	}
	var items []json.RawMessage
	for _, raw := range r.PostForm["ticket_ids"] {
		id, err := strconv.ParseInt(raw, 10, 64)
		if err != nil || id <= 0 {
			continue
		}
		change["id"] = id
		b, err := json.Marshal(change)
		if err != nil {
			return err
		}
		items = append(items, b)
	}
	if len(items) == 0 {
		web.Notice(w, r, back, "Tick the tickets to change first.")
		return nil
	}
	if len(items) > 100 {
		web.Notice(w, r, back, "At most 100 tickets can be changed at once.")
		return nil
	}
	if _, err := h.bulk.StartBulk(ctx, ticket.OpUpdateMany, items); err != nil {
		return err
	}
	web.Notice(w, r, back, fmt.Sprintf("Updating %d tickets.", len(items)))
	return nil
}

// merge merges this ticket into another (a job, as the API's merge).
func (h *Pages) merge(w http.ResponseWriter, r *http.Request) error {
	ctx := r.Context()
	_, id, err := agentID(r)
	if err != nil {
		return err
	}
	target, err := strconv.ParseInt(strings.TrimPrefix(strings.TrimSpace(r.PostFormValue("target_id")), "#"), 10, 64)
	if err != nil || target <= 0 {
		web.Notice(w, r, fmt.Sprintf("/agent/tickets/%d", id), "Give the number of the ticket to merge into.")
		return nil
	}
	comment := "Merged into #" + strconv.FormatInt(target, 10)
	_, err = h.bulk.Merge(ctx, target, ticket.MergeRequest{IDs: []int64{id}, SourceComment: opt.Of(comment),
		TargetComment: opt.Of("Merged #" + strconv.FormatInt(id, 10) + " into this ticket")})
	if k := errs.KindOf(err); k == errs.Invalid || k == errs.NotFound {
		web.Notice(w, r, fmt.Sprintf("/agent/tickets/%d", id), "Not merged: "+web.Message(err))
		return nil
	}
	if err != nil {
		return err
	}
	web.Notice(w, r, fmt.Sprintf("/agent/tickets/%d", target), fmt.Sprintf("Merging #%d into this ticket.", id))
	return nil
}
