package httpx

import (
	"encoding/base64"
	"net/http"
	"strconv"
	"strings"
	"time"

	"parley/internal/platform/errs"
)

// Incremental exports (reference §1.8) share these helpers: start_time,
// per_page (up to 1,000), links back to the same endpoint, and opaque
// (time, id) cursors.

// ExportMax is the largest incremental export page.
const ExportMax = 1000

// StartTime parses start_time (unix seconds). A next_page link may carry
// the current second or the next, so only a time clearly in the future is
// refused.
func StartTime(r *http.Request) (time.Time, error) {
	s := r.URL.Query().Get("start_time")
	n, err := strconv.ParseInt(s, 10, 64)
	if s == "" || err != nil || n < 0 {
		return time.Time{}, errs.E(errs.BadRequest, "start_time must be a unix timestamp").WithCode("InvalidValue")
	}
	t := time.Unix(n, 0).UTC()
	if t.After(time.Now().Add(5 * time.Second)) {
		return time.Time{}, errs.E(errs.BadRequest, "start_time cannot be in the future").WithCode("InvalidValue")
	}
	return t, nil
}

// ExportPerPage parses per_page for exports (default and cap 1,000).
func ExportPerPage(r *http.Request) (int, error) {
	s := r.URL.Query().Get("per_page")
	if s == "" {
		return ExportMax, nil
	}
	n, err := strconv.Atoi(s)
	if err != nil || n < 1 {
		return 0, errs.E(errs.BadRequest, "per_page must be a positive integer").WithCode("InvalidPaginationParameter")
	}
	if n > ExportMax {
		n = ExportMax
	}
	return n, nil
}

// Link is the request's own URL with some query parameters replaced and
// others dropped (next_page, after_url, links.next).
func Link(r *http.Request, set map[string]string, drop ...string) string {
	return pageURL(r, set, drop...)
}

// NextStart is the start_time of the next time-based page: the last
// record's second, or the second after when the whole page shared the
// start second (the store returned every record of that second).
func NextStart(since, last time.Time) int64 {
	if last.Unix() <= since.Unix() {
		return since.Unix() + 1
	}
	return last.Unix()
}

// EncodeExportCursor makes the opaque cursor of a cursor-based export.
func EncodeExportCursor(t time.Time, id int64) string {
	return base64.URLEncoding.EncodeToString([]byte(t.UTC().Format(time.RFC3339Nano) + "|" + strconv.FormatInt(id, 10)))
}

// DecodeExportCursor reads a cursor made by EncodeExportCursor.
func DecodeExportCursor(s string) (time.Time, int64, error) {
	bad := errs.E(errs.BadRequest, "the cursor is not valid").WithCode("InvalidPaginationParameter")
	b, err := base64.URLEncoding.DecodeString(s)
	if err != nil {
		return time.Time{}, 0, bad
	}
	ts, ids, ok := strings.Cut(string(b), "|")
	t, err1 := time.Parse(time.RFC3339Nano, ts)
	id, err2 := strconv.ParseInt(ids, 10, 64)
	if !ok || err1 != nil || err2 != nil || id < 0 {
		return time.Time{}, 0, bad
	}
	return t, id, nil
}
