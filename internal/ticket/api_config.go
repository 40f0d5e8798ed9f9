package ticket

import (
	"encoding/json"
	"errors"
	"io"
	"mime"
	"net/http"
	"strconv"
	"strings"
	"time"

	"parley/internal/auth"
	"parley/internal/platform/errs"
	"parley/internal/platform/httpx"
	"parley/internal/platform/opt"

	"github.com/go-chi/chi/v5"
)

// --- custom statuses ---

func (h *API) listStatuses(w http.ResponseWriter, r *http.Request) error {
	q := r.URL.Query()
	var f StatusFilter
	if c := q.Get("status_categories"); c != "" {
		f.Categories = strings.Split(c, ",")
	}
	var err error
	if f.Active, err = httpx.BoolParam(r, "active"); err != nil {
		return err
	}
	if f.Default, err = httpx.BoolParam(r, "default"); err != nil {
		return err
	}
	cs, err := h.s.ListStatuses(r.Context(), f)
	if err != nil {
		return err
	}
	out := make([]httpx.M, 0, len(cs))
	for _, c := range cs {
		out = append(out, statusJSON(r.Context(), c))
	}
	return httpx.JSON(w, http.StatusOK, httpx.M{"custom_statuses": out})
}

func (h *API) showStatus(w http.ResponseWriter, r *http.Request) error {
	id, err := pathID(r, "sid")
	if err != nil {
		return err
	}
	c, err := h.s.GetStatus(r.Context(), id)
	if err != nil {
		return err
	}
	return httpx.JSON(w, http.StatusOK, httpx.M{"custom_status": statusJSON(r.Context(), c)})
}

func (h *API) createStatus(w http.ResponseWriter, r *http.Request) error {
	var in StatusInput
	if err := httpx.Decode(w, r, "custom_status", &in); err != nil {
		return err
	}
	c, err := h.s.CreateStatus(r.Context(), in)
	if err != nil {
		return err
	}
	return httpx.Created(w, httpx.URL(r.Context(), "/api/v2/custom_statuses/%d.json", c.ID), httpx.M{"custom_status": statusJSON(r.Context(), c)})
}

func (h *API) updateStatus(w http.ResponseWriter, r *http.Request) error {
	id, err := pathID(r, "sid")
	if err != nil {
		return err
	}
	var in StatusInput
	if err := httpx.Decode(w, r, "custom_status", &in); err != nil {
		return err
	}
	c, err := h.s.UpdateStatus(r.Context(), id, in)
	if err != nil {
		return err
	}
	return httpx.JSON(w, http.StatusOK, httpx.M{"custom_status": statusJSON(r.Context(), c)})
}

// setDefaultStatuses takes {"ids":"1,2"} (Zendesk sends a comma list).
func (h *API) setDefaultStatuses(w http.ResponseWriter, r *http.Request) error {
	raw, err := httpx.DecodeRaw(r)
	if err != nil {
		return err
	}
	var ids []int64
	var s string
	if err := json.Unmarshal(raw["ids"], &s); err == nil {
		for _, p := range strings.Split(s, ",") {
			n, err := strconv.ParseInt(strings.TrimSpace(p), 10, 64)
			if err != nil {
				return errs.Invalidf("ids", "InvalidValue", "ids must be a comma-separated list of custom status ids")
			}
			ids = append(ids, n)
		}
	} else if err := json.Unmarshal(raw["ids"], &ids); err != nil || len(ids) == 0 {
		return errs.E(errs.BadRequest, "param is missing or the value is empty: ids").WithCode("ParameterMissing")
	}
	if err := h.s.SetDefaultStatuses(r.Context(), ids); err != nil {
		return err
	}
	return httpx.JSON(w, http.StatusOK, httpx.M{})
}

// --- ticket fields ---

func (h *API) listFields(w http.ResponseWriter, r *http.Request) error {
	fs, err := h.s.ListFields(r.Context())
	if err != nil {
		return err
	}
	out := make([]httpx.M, 0, len(fs))
	for _, f := range fs {
		out = append(out, fieldJSON(r.Context(), f))
	}
	return httpx.JSON(w, http.StatusOK, httpx.M{"ticket_fields": out, "next_page": nil, "previous_page": nil, "count": len(out)})
}

func (h *API) countFields(w http.ResponseWriter, r *http.Request) error {
	fs, err := h.s.ListFields(r.Context())
	if err != nil {
		return err
	}
	return httpx.JSON(w, http.StatusOK, httpx.M{"count": httpx.M{"value": len(fs),
		"refreshed_at": time.Now().UTC().Format("2006-01-02T15:04:05+00:00")}})
}

func (h *API) showField(w http.ResponseWriter, r *http.Request) error {
	id, err := pathID(r, "fid")
	if err != nil {
		return err
	}
	f, err := h.s.GetField(r.Context(), id)
	if err != nil {
		return err
	}
	return httpx.JSON(w, http.StatusOK, httpx.M{"ticket_field": fieldJSON(r.Context(), f)})
}

func (h *API) createField(w http.ResponseWriter, r *http.Request) error {
	var in FieldInput
	if err := httpx.Decode(w, r, "ticket_field", &in); err != nil {
		return err
	}
	f, err := h.s.CreateField(r.Context(), in)
	if err != nil {
		return err
	}
	return httpx.Created(w, httpx.URL(r.Context(), "/api/v2/ticket_fields/%d.json", f.ID), httpx.M{"ticket_field": fieldJSON(r.Context(), f)})
}

func (h *API) updateField(w http.ResponseWriter, r *http.Request) error {
	id, err := pathID(r, "fid")
	if err != nil {
		return err
	}
	var in FieldInput
	if err := httpx.Decode(w, r, "ticket_field", &in); err != nil {
		return err
	}
	f, err := h.s.UpdateField(r.Context(), id, in)
	if err != nil {
		return err
	}
	return httpx.JSON(w, http.StatusOK, httpx.M{"ticket_field": fieldJSON(r.Context(), f)})
}

func (h *API) deleteField(w http.ResponseWriter, r *http.Request) error {
	id, err := pathID(r, "fid")
	if err != nil {
		return err
	}
	if err := h.s.DeleteField(r.Context(), id); err != nil {
		return err
	}
	return httpx.NoContent(w)
}

func (h *API) reorderFields(w http.ResponseWriter, r *http.Request) error {
	raw, err := httpx.DecodeRaw(r)
	if err != nil {
		return err
	}
	var ids []int64
	if err := json.Unmarshal(raw["ticket_field_ids"], &ids); err != nil || len(ids) == 0 {
		return errs.E(errs.BadRequest, "param is missing or the value is empty: ticket_field_ids").WithCode("ParameterMissing")
	}
	if err := h.s.ReorderFields(r.Context(), ids); err != nil {
		return err
	}
	return httpx.JSON(w, http.StatusOK, httpx.M{})
}

func (h *API) listOptions(w http.ResponseWriter, r *http.Request) error {
	id, err := pathID(r, "fid")
	if err != nil {
		return err
	}
	f, err := h.s.GetField(r.Context(), id)
	if err != nil {
		return err
	}
	out := make([]httpx.M, 0, len(f.Options))
	for _, o := range f.Options {
		out = append(out, optionJSON(r.Context(), f, o))
	}
	return httpx.JSON(w, http.StatusOK, httpx.M{"custom_field_options": out, "next_page": nil, "previous_page": nil, "count": len(out)})
}

func (h *API) showOption(w http.ResponseWriter, r *http.Request) error {
	id, err := pathID(r, "fid")
	if err != nil {
		return err
	}
	oid, err := pathID(r, "oid")
	if err != nil {
		return err
	}
	f, err := h.s.GetField(r.Context(), id)
	if err != nil {
		return err
	}
	for _, o := range f.Options {
		if o.ID == oid {
			return httpx.JSON(w, http.StatusOK, httpx.M{"custom_field_option": optionJSON(r.Context(), f, o)})
		}
	}
	return errs.NotFoundf("Not found")
}

// setOption creates an option, or updates the one named by id.
func (h *API) setOption(w http.ResponseWriter, r *http.Request) error {
	id, err := pathID(r, "fid")
	if err != nil {
		return err
	}
	var in OptionInput
	if err := httpx.Decode(w, r, "custom_field_option", &in); err != nil {
		return err
	}
	f, err := h.s.GetField(r.Context(), id)
	if err != nil {
		return err
	}
	opts := make([]OptionInput, 0, len(f.Options)+1)
	found := false
	for _, o := range f.Options {
		oi := OptionInput{ID: opt.Of(o.ID), Name: o.Name, Value: o.Value, Default: o.Default}
		if in.ID.Has() && in.ID.V == o.ID {
			oi.Name, oi.Value, oi.Default, found = in.Name, in.Value, in.Default, true
		}
		opts = append(opts, oi)
	}
	if in.ID.Has() && !found {
		return errs.NotFoundf("Not found")
	}
	if !found {
		opts = append(opts, OptionInput{Name: in.Name, Value: in.Value, Default: in.Default})
	}
	f, err = h.s.UpdateField(r.Context(), id, FieldInput{CustomFieldOptions: opt.Of(opts)})
	if err != nil {
		return err
	}
	for _, o := range f.Options {
		if o.Value == strings.ToLower(in.Value) {
			body := httpx.M{"custom_field_option": optionJSON(r.Context(), f, o)}
			if found {
				return httpx.JSON(w, http.StatusOK, body)
			}
			return httpx.Created(w, httpx.URL(r.Context(), "/api/v2/ticket_fields/%d/options/%d.json", f.ID, o.ID), body)
		}
	}
	return errs.E(errs.Internal, "option vanished after write")
}

func (h *API) deleteOption(w http.ResponseWriter, r *http.Request) error {
	id, err := pathID(r, "fid")
	if err != nil {
		return err
	}
	oid, err := pathID(r, "oid")
	if err != nil {
		return err
	}
	f, err := h.s.GetField(r.Context(), id)
	if err != nil {
		return err
	}
	var opts []OptionInput
	found := false
	for _, o := range f.Options {
		if o.ID == oid {
			found = true
			continue
		}
		opts = append(opts, OptionInput{ID: opt.Of(o.ID), Name: o.Name, Value: o.Value, Default: o.Default})
	}
	if !found {
		return errs.NotFoundf("Not found")
	}
	if _, err := h.s.UpdateField(r.Context(), id, FieldInput{CustomFieldOptions: opt.Of(opts)}); err != nil {
		return err
	}
	return httpx.NoContent(w)
}

func accountOf(r *http.Request) int64 { return auth.ActorFrom(r.Context()).AccountID }

// upload is POST /uploads?filename=x[&token=t] with the raw file as body.
func (h *API) upload(w http.ResponseWriter, r *http.Request) error {
	q := r.URL.Query()
	token, att, all, err := h.s.Upload(r.Context(), q.Get("token"), q.Get("filename"), r.Header.Get("Content-Type"), r.Body)
	var mbe *http.MaxBytesError
	if errors.As(err, &mbe) {
		return errs.Ef(errs.TooLarge, "File is larger than %d bytes", mbe.Limit)
	}
	if err != nil {
		return err
	}
	list := make([]httpx.M, 0, len(all))
	for _, a := range all {
		list = append(list, AttachmentJSON(r.Context(), a))
	}
	return httpx.Created(w, "", httpx.M{"upload": httpx.M{"token": token,
		"expires_at": httpx.Time(att.CreatedAt.Add(3 * 24 * time.Hour)), "attachment": AttachmentJSON(r.Context(), att),
		"attachments": list}})
}

func (h *API) deleteUpload(w http.ResponseWriter, r *http.Request) error {
	if err := h.s.DeleteUpload(r.Context(), chi.URLParam(r, "token")); err != nil {
		return err
	}
	return httpx.NoContent(w)
}

func (h *API) showAttachment(w http.ResponseWriter, r *http.Request) error {
	id, err := pathID(r, "atid")
	if err != nil {
		return err
	}
	a, err := h.s.GetAttachment(r.Context(), id)
	if err != nil {
		return err
	}
	return httpx.JSON(w, http.StatusOK, httpx.M{"attachment": AttachmentJSON(r.Context(), a)})
}

// DownloadRoutes registers the attachment content URL. It sits outside
// /api/v2 (as in Zendesk) but behind the same tenant and authentication
// middleware.
func (h *API) DownloadRoutes(r chi.Router) {
	r.Get("/attachments/token/{tok}", httpx.H(h.download))
	r.Get("/attachments/token/{tok}/", httpx.H(h.download))
}

func (h *API) download(w http.ResponseWriter, r *http.Request) error {
	t, ok := auth.TenantFrom(r.Context())
	if !ok {
		return errs.NotFoundf("Not found")
	}
	a, rc, err := h.s.Download(r.Context(), t.ID, chi.URLParam(r, "tok"))
	if err != nil {
		return err
	}
	defer rc.Close()
	w.Header().Set("Content-Type", a.ContentType)
	w.Header().Set("Content-Length", strconv.FormatInt(a.Size, 10))
	w.Header().Set("Content-Disposition", mime.FormatMediaType("attachment", map[string]string{"filename": a.FileName}))
	w.Header().Set("X-Content-Type-Options", "nosniff")
	w.Header().Set("Cache-Control", "private, max-age=0")
	w.WriteHeader(http.StatusOK)
	_, _ = io.Copy(w, rc)
	return nil
}
