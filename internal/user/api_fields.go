package user

import (
	"encoding/json"
	"net/http"

	"parley/internal/platform/errs"
	"parley/internal/platform/httpx"
)

// --- custom field definitions ---

func fieldRoot(res string) string { return res + "_field" }

func (h *API) listFields(res string) httpx.Handler {
	return func(w http.ResponseWriter, r *http.Request) error {
		fs, err := h.s.ListFields(r.Context(), res)
		if err != nil {
			return err
		}
		out := make([]httpx.M, 0, len(fs))
		for _, f := range fs {
			out = append(out, fieldJSON(r.Context(), f))
		}
		return httpx.JSON(w, http.StatusOK, httpx.M{res + "_fields": out, "next_page": nil, "previous_page": nil, "count": len(out)})
	}
}

func (h *API) showField(res string) httpx.Handler {
	return func(w http.ResponseWriter, r *http.Request) error {
		id, err := pathID(r, "fid")
		if err != nil {
			return err
		}
		f, err := h.s.GetField(r.Context(), res, id)
		if err != nil {
			return err
		}
		return httpx.JSON(w, http.StatusOK, httpx.M{fieldRoot(res): fieldJSON(r.Context(), f)})
	}
}

func (h *API) createField(res string) httpx.Handler {
	return func(w http.ResponseWriter, r *http.Request) error {
		var in FieldInput
		if err := httpx.Decode(w, r, fieldRoot(res), &in); err != nil {
			return err
		}
		f, err := h.s.CreateField(r.Context(), res, in)
		if err != nil {
			return err
		}
		return httpx.Created(w, httpx.URL(r.Context(), "/api/v2/%s_fields/%d.json", res, f.ID), httpx.M{fieldRoot(res): fieldJSON(r.Context(), f)})
	}
}

func (h *API) updateField(res string) httpx.Handler {
	return func(w http.ResponseWriter, r *http.Request) error {
		id, err := pathID(r, "fid")
		if err != nil {
			return err
		}
		var in FieldInput
		if err := httpx.Decode(w, r, fieldRoot(res), &in); err != nil {
			return err
		}
		f, err := h.s.UpdateField(r.Context(), res, id, in)
		if err != nil {
			return err
		}
		return httpx.JSON(w, http.StatusOK, httpx.M{fieldRoot(res): fieldJSON(r.Context(), f)})
	}
}

func (h *API) deleteField(res string) httpx.Handler {
	return func(w http.ResponseWriter, r *http.Request) error {
		id, err := pathID(r, "fid")
		if err != nil {
			return err
		}
		if err := h.s.DeleteField(r.Context(), res, id); err != nil {
			return err
		}
		return httpx.NoContent(w)
	}
}

func (h *API) reorderFields(res string) httpx.Handler {
	return func(w http.ResponseWriter, r *http.Request) error {
		raw, err := httpx.DecodeRaw(r)
		if err != nil {
			return err
		}
		var ids []int64
		v, ok := raw[res+"_field_ids"]
		if !ok {
			return errs.Ef(errs.BadRequest, "param is missing or the value is empty: %s_field_ids", res).WithCode("ParameterMissing")
		}
		if err := json.Unmarshal(v, &ids); err != nil {
			return errs.Invalidf(res+"_field_ids", "InvalidValue", "%s_field_ids must be a list of ids", res)
		}
		if len(ids) == 0 {
			return errs.Ef(errs.BadRequest, "param is missing or the value is empty: %s_field_ids", res).WithCode("ParameterMissing")
		}
		if err := h.s.ReorderFields(r.Context(), res, ids); err != nil {
			return err
		}
		return httpx.JSON(w, http.StatusOK, httpx.M{})
	}
}

func (h *API) listOptions(res string) httpx.Handler {
	return func(w http.ResponseWriter, r *http.Request) error {
		id, err := pathID(r, "fid")
		if err != nil {
			return err
		}
		f, err := h.s.GetField(r.Context(), res, id)
		if err != nil {
			return err
		}
		out := make([]httpx.M, 0, len(f.Options))
		for _, o := range f.Options {
			out = append(out, optionJSON(r.Context(), f, o))
		}
		return httpx.JSON(w, http.StatusOK, httpx.M{"custom_field_options": out, "next_page": nil, "previous_page": nil, "count": len(out)})
	}
}

func (h *API) showOption(res string) httpx.Handler {
	return func(w http.ResponseWriter, r *http.Request) error {
		fid, oid, err := twoIDs(r, "fid", "oid")
		if err != nil {
			return err
		}
		f, err := h.s.GetField(r.Context(), res, fid)
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
}

func (h *API) setOption(res string) httpx.Handler {
	return func(w http.ResponseWriter, r *http.Request) error {
		fid, err := pathID(r, "fid")
		if err != nil {
			return err
		}
		var in OptionInput
		if err := httpx.Decode(w, r, "custom_field_option", &in); err != nil {
			return err
		}
		o, created, err := h.s.SetOption(r.Context(), res, fid, in)
		if err != nil {
			return err
		}
		f, err := h.s.GetField(r.Context(), res, fid)
		if err != nil {
			return err
		}
		body := httpx.M{"custom_field_option": optionJSON(r.Context(), f, o)}
		if created {
			return httpx.Created(w, httpx.URL(r.Context(), "/api/v2/%s_fields/%d/options/%d.json", res, fid, o.ID), body)
		}
		return httpx.JSON(w, http.StatusOK, body)
	}
}

func (h *API) deleteOption(res string) httpx.Handler {
	return func(w http.ResponseWriter, r *http.Request) error {
		fid, oid, err := twoIDs(r, "fid", "oid")
		if err != nil {
			return err
		}
		if err := h.s.DeleteOption(r.Context(), res, fid, oid); err != nil {
			return err
		}
		return httpx.NoContent(w)
	}
}

// --- custom roles ---

func (h *API) listRoles(w http.ResponseWriter, r *http.Request) error {
	rs, err := h.s.ListCustomRoles(r.Context())
	if err != nil {
		return err
	}
	out := make([]httpx.M, 0, len(rs))
	for _, ro := range rs {
		out = append(out, roleJSON(ro))
	}
	return httpx.JSON(w, http.StatusOK, httpx.M{"custom_roles": out})
}

func (h *API) showRole(w http.ResponseWriter, r *http.Request) error {
	id, err := pathID(r, "rid")
	if err != nil {
		return err
	}
	ro, err := h.s.GetCustomRole(r.Context(), id)
	if err != nil {
		return err
	}
	return httpx.JSON(w, http.StatusOK, httpx.M{"custom_role": roleJSON(ro)})
}

// createRole is Zendesk's Create Custom Role (admins).
func (h *API) createRole(w http.ResponseWriter, r *http.Request) error {
	var in RoleInput
	if err := httpx.Decode(w, r, "custom_role", &in); err != nil {
		return err
	}
	ro, err := h.s.CreateCustomRole(r.Context(), in)
	if err != nil {
		return err
	}
	return httpx.Created(w, httpx.URL(r.Context(), "/api/v2/custom_roles/%d.json", ro.ID), httpx.M{"custom_role": roleJSON(ro)})
}

// updateRole is Zendesk's Update Custom Role (admins): the configuration
// keys it names replace the stored ones.
func (h *API) updateRole(w http.ResponseWriter, r *http.Request) error {
	id, err := pathID(r, "rid")
	if err != nil {
		return err
	}
	var in RoleInput
	if err := httpx.Decode(w, r, "custom_role", &in); err != nil {
		return err
	}
	ro, err := h.s.UpdateCustomRole(r.Context(), id, in)
	if err != nil {
		return err
	}
	return httpx.JSON(w, http.StatusOK, httpx.M{"custom_role": roleJSON(ro)})
}
