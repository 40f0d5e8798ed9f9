package user

import (
	"net/http"
	"strconv"
	"time"

	"parley/internal/platform/httpx"
)

// --- incremental exports ---

func (h *API) incrementalUsers(w http.ResponseWriter, r *http.Request) error {
	since, err := httpx.StartTime(r)
	if err != nil {
		return err
	}
	n, err := httpx.ExportPerPage(r)
	if err != nil {
		return err
	}
	us, end, err := h.s.ExportUsersSince(r.Context(), since, n)
	if err != nil {
		return err
	}
	rd := h.s.renderer(r.Context(), accountOf(r))
	out := make([]httpx.M, 0, len(us))
	endTime := since.Unix()
	for _, u := range us {
		m := rd.user(u)
		m["generated_timestamp"] = u.UpdatedAt.Unix()
		out = append(out, m)
		endTime = u.UpdatedAt.Unix()
	}
	if !end {
		endTime = httpx.NextStart(since, time.Unix(endTime, 0))
	}
	var next any
	if !end {
		next = httpx.Link(r, map[string]string{"start_time": strconv.FormatInt(endTime, 10)})
	}
	return httpx.JSON(w, http.StatusOK, httpx.M{"users": out, "count": len(out), "end_of_stream": end,
		"end_time": endTime, "next_page": next})
}

func (h *API) incrementalOrgs(w http.ResponseWriter, r *http.Request) error {
	since, err := httpx.StartTime(r)
	if err != nil {
		return err
	}
	n, err := httpx.ExportPerPage(r)
	if err != nil {
		return err
	}
	os, end, err := h.s.ExportOrganizationsSince(r.Context(), since, n)
	if err != nil {
		return err
	}
	rd := h.s.renderer(r.Context(), accountOf(r))
	out := make([]httpx.M, 0, len(os))
	endTime := since.Unix()
	for _, o := range os {
		m := rd.org(o)
		m["generated_timestamp"] = o.UpdatedAt.Unix()
		out = append(out, m)
		endTime = o.UpdatedAt.Unix()
	}
	if !end && endTime == since.Unix() {
		endTime++ // as in incrementalUsers: the page holds all of since's second
	}
	var next any
	if !end {
		next = httpx.Link(r, map[string]string{"start_time": strconv.FormatInt(endTime, 10)})
	}
	return httpx.JSON(w, http.StatusOK, httpx.M{"organizations": out, "count": len(out), "end_of_stream": end,
		"end_time": endTime, "next_page": next})
}

// incrementalUsersCursor is the cursor-based user export: start_time for
// the first page, then cursor=after_cursor. The after cursor is always
// returned so a consumer can resume later from the end of the stream.
func (h *API) incrementalUsersCursor(w http.ResponseWriter, r *http.Request) error {
	n, err := httpx.ExportPerPage(r)
	if err != nil {
		return err
	}
	var at time.Time
	var afterID int64
	if c := r.URL.Query().Get("cursor"); c != "" {
		if at, afterID, err = httpx.DecodeExportCursor(c); err != nil {
			return err
		}
	} else if at, err = httpx.StartTime(r); err != nil {
		return err
	}
	us, end, err := h.s.ExportUsersAfter(r.Context(), at, afterID, n)
	if err != nil {
		return err
	}
	rd := h.s.renderer(r.Context(), accountOf(r))
	out := make([]httpx.M, 0, len(us))
	lastAt, lastID := at, afterID
	for _, u := range us {
		m := rd.user(u)
		m["generated_timestamp"] = u.UpdatedAt.Unix()
		out = append(out, m)
		lastAt, lastID = u.UpdatedAt, u.ID
	}
	after := httpx.EncodeExportCursor(lastAt, lastID)
	return httpx.JSON(w, http.StatusOK, httpx.M{"users": out, "after_cursor": after, "before_cursor": nil,
		"after_url": httpx.Link(r, map[string]string{"cursor": after}, "start_time"), "before_url": nil, "end_of_stream": end})
}
