package user

import (
	"net/http"
	"strconv"
	"strings"

	"parley/internal/platform/db"
	"parley/internal/platform/errs"
	"parley/internal/platform/httpx"
	"parley/internal/platform/opt"
)

// --- organizations ---

var orgSorts = httpx.Sorts{
	"id":         {Column: "id", Kind: httpx.KindInt},
	"name":       {Column: "name", Kind: httpx.KindString},
	"created_at": {Column: "created_at", Kind: httpx.KindTime},
	"updated_at": {Column: "updated_at", Kind: httpx.KindTime},
}

func orgSortValue(o Organization, col string) any {
	switch col {
	case "name":
		return o.Name
	case "created_at":
		return o.CreatedAt
	case "updated_at":
		return o.UpdatedAt
	}
	return o.ID
}

func (h *API) orgsPage(w http.ResponseWriter, r *http.Request, l httpx.List, os []Organization, total int64, more bool) error {
	rd := h.s.renderer(r.Context(), accountOf(r))
	out := make([]httpx.M, 0, len(os))
	res := httpx.Result{Total: total, More: more}
	for _, o := range os {
		out = append(out, rd.org(o))
		res.Keys = append(res.Keys, db.Key{V: orgSortValue(o, l.Sort), ID: o.ID})
	}
	return l.Write(w, r, "organizations", out, res, nil)
}

func (h *API) listOrgsWith(w http.ResponseWriter, r *http.Request, f OrgFilter, def string) error {
	l, err := httpx.ParseList(r, orgSorts, def)
	if err != nil {
		return err
	}
	os, total, more, err := h.s.ListOrganizations(r.Context(), f, l.Page)
	if err != nil {
		return err
	}
	return h.orgsPage(w, r, l, os, total, more)
}

func (h *API) listOrgs(w http.ResponseWriter, r *http.Request) error {
	return h.listOrgsWith(w, r, OrgFilter{ExternalID: r.URL.Query().Get("external_id")}, "id")
}

func (h *API) userOrganizations(w http.ResponseWriter, r *http.Request) error {
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	if _, err := h.s.GetUser(r.Context(), id); err != nil {
		return err
	}
	return h.listOrgsWith(w, r, OrgFilter{UserID: id}, "id")
}

func (h *API) showManyOrgs(w http.ResponseWriter, r *http.Request) error {
	ids, ext, err := manyFilter(r)
	if err != nil {
		return err
	}
	l := httpx.List{Page: db.Page{Limit: httpx.MaxPerPage}, PageNum: 1, PerPage: httpx.MaxPerPage}
	os, total, _, err := h.s.ListOrganizations(r.Context(), OrgFilter{IDs: ids, ExternalIDs: ext}, l.Page)
	if err != nil {
		return err
	}
	return h.orgsPage(w, r, l, os, total, false)
}

func (h *API) searchOrgs(w http.ResponseWriter, r *http.Request) error {
	q := r.URL.Query()
	ext, name := strings.TrimSpace(q.Get("external_id")), strings.TrimSpace(q.Get("name"))
	if ext == "" && name == "" {
		return errs.E(errs.BadRequest, "Parameter external_id or name is required").WithCode("ParameterMissing")
	}
	return h.listOrgsWith(w, r, OrgFilter{ExternalID: ext, Name: name}, "id")
}

func (h *API) autocompleteOrgs(w http.ResponseWriter, r *http.Request) error {
	name := strings.TrimSpace(r.URL.Query().Get("name"))
	if len(name) < 2 {
		return errs.E(errs.BadRequest, "Parameter name must be at least 2 characters").WithCode("InvalidValue")
	}
	return h.listOrgsWith(w, r, OrgFilter{NamePrefix: name}, "name")
}

func (h *API) countOrgs(w http.ResponseWriter, r *http.Request) error {
	_, total, _, err := h.s.ListOrganizations(r.Context(), OrgFilter{}, db.Page{Limit: 1})
	if err != nil {
		return err
	}
	return httpx.JSON(w, http.StatusOK, countJSON(total, refreshedAt()))
}

func (h *API) writeOrg(w http.ResponseWriter, r *http.Request, status int, o Organization) error {
	body := httpx.M{"organization": h.s.renderer(r.Context(), o.AccountID).org(o)}
	if status == http.StatusCreated {
		return httpx.Created(w, httpx.URL(r.Context(), "/api/v2/organizations/%d.json", o.ID), body)
	}
	return httpx.JSON(w, status, body)
}

func (h *API) showOrg(w http.ResponseWriter, r *http.Request) error {
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	o, err := h.s.GetOrganization(r.Context(), id)
	if err != nil {
		return err
	}
	return h.writeOrg(w, r, http.StatusOK, o)
}

func (h *API) createOrg(w http.ResponseWriter, r *http.Request) error {
	var in OrgInput
	if err := httpx.Decode(w, r, "organization", &in); err != nil {
		return err
	}
	o, err := h.s.CreateOrganization(r.Context(), in)
	if err != nil {
		return err
	}
	return h.writeOrg(w, r, http.StatusCreated, o)
}

func (h *API) createOrUpdateOrg(w http.ResponseWriter, r *http.Request) error {
	var in OrgInput
	if err := httpx.Decode(w, r, "organization", &in); err != nil {
		return err
	}
	o, created, err := h.s.CreateOrUpdateOrganization(r.Context(), in)
	if err != nil {
		return err
	}
	if created {
		return h.writeOrg(w, r, http.StatusCreated, o)
	}
	return h.writeOrg(w, r, http.StatusOK, o)
}

func (h *API) updateOrg(w http.ResponseWriter, r *http.Request) error {
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	var in OrgInput
	if err := httpx.DecodeUpdate(w, r, "organization", &in, "id"); err != nil {
		return err
	}
	o, err := h.s.UpdateOrganization(r.Context(), id, in)
	if err != nil {
		return err
	}
	return h.writeOrg(w, r, http.StatusOK, o)
}

func (h *API) deleteOrg(w http.ResponseWriter, r *http.Request) error {
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	if err := h.s.DeleteOrganization(r.Context(), id); err != nil {
		return err
	}
	return httpx.NoContent(w)
}

func (h *API) orgRelated(w http.ResponseWriter, r *http.Request) error {
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	users, tickets, err := h.s.OrgRelated(r.Context(), id)
	if err != nil {
		return err
	}
	return httpx.JSON(w, http.StatusOK, httpx.M{"organization_related": httpx.M{"users_count": users, "tickets_count": tickets}})
}

func (h *API) orgUsers(w http.ResponseWriter, r *http.Request) error {
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	if _, err := h.s.GetOrganization(r.Context(), id); err != nil {
		return err
	}
	l, err := httpx.ParseList(r, userSorts, "id")
	if err != nil {
		return err
	}
	us, total, more, err := h.s.ListUsers(r.Context(), Filter{OrganizationID: id}, l.Page)
	if err != nil {
		return err
	}
	return h.usersPage(w, r, l, "users", us, total, more)
}

func (h *API) orgTags(w http.ResponseWriter, r *http.Request) error {
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	o, err := h.s.GetOrganization(r.Context(), id)
	if err != nil {
		return err
	}
	return httpx.JSON(w, http.StatusOK, httpx.M{"tags": nonNil(o.Tags)})
}

func (h *API) changeOrgTags(op TagOp) httpx.Handler {
	return func(w http.ResponseWriter, r *http.Request) error {
		id, err := pathID(r, "id")
		if err != nil {
			return err
		}
		tags, err := decodeTags(w, r)
		if err != nil {
			return err
		}
		out, err := h.s.ChangeOrgTags(r.Context(), id, op, tags)
		if err != nil {
			return err
		}
		status := http.StatusOK
		if op == TagsSet {
			status = http.StatusCreated
		}
		return httpx.JSON(w, status, httpx.M{"tags": nonNil(out)})
	}
}

// --- organization memberships ---

// queryID reads an optional id filter from the query string.
func queryID(r *http.Request, name string) (int64, error) {
	v := r.URL.Query().Get(name)
	if v == "" {
		return 0, nil
	}
	n, err := strconv.ParseInt(v, 10, 64)
	if err != nil || n <= 0 {
		return 0, errs.Ef(errs.BadRequest, "%s must be an id", name).WithCode("InvalidValue")
	}
	return n, nil
}

func optionalID(r *http.Request, name string) (int64, error) {
	if chiParam(r, name) == "" {
		return 0, nil
	}
	return pathID(r, name)
}

func (h *API) listOMs(w http.ResponseWriter, r *http.Request) error {
	l, err := httpx.ParseList(r, nil, "id")
	if err != nil {
		return err
	}
	var f OMFilter
	if strings.HasPrefix(r.URL.Path, "/api/v2/users/") {
		if f.UserID, err = optionalID(r, "id"); err != nil {
			return err
		}
	} else if f.OrganizationID, err = optionalID(r, "id"); err != nil {
		return err
	}
	if f.UserID == 0 {
		if f.UserID, err = queryID(r, "user_id"); err != nil {
			return err
		}
	}
	if f.OrganizationID == 0 {
		if f.OrganizationID, err = queryID(r, "organization_id"); err != nil {
			return err
		}
	}
	ms, total, more, err := h.s.ListOrgMemberships(r.Context(), f, l.Page)
	if err != nil {
		return err
	}
	out := make([]httpx.M, 0, len(ms))
	res := httpx.Result{Total: total, More: more}
	for _, m := range ms {
		out = append(out, omJSON(r.Context(), m))
		res.Keys = append(res.Keys, db.Key{ID: m.ID})
	}
	return l.Write(w, r, "organization_memberships", out, res, nil)
}

func (h *API) createOM(w http.ResponseWriter, r *http.Request) error {
	var in MembershipInput
	if err := httpx.Decode(w, r, "organization_membership", &in); err != nil {
		return err
	}
	if uid, err := optionalID(r, "id"); err != nil {
		return err
	} else if uid != 0 {
		if _, err := h.s.GetUser(r.Context(), uid); err != nil {
			return err
		}
		in.UserID = opt.Of(uid)
	}
	m, err := h.s.CreateOrgMembership(r.Context(), in)
	if err != nil {
		return err
	}
	return httpx.Created(w, httpx.URL(r.Context(), "/api/v2/organization_memberships/%d.json", m.ID),
		httpx.M{"organization_membership": omJSON(r.Context(), m)})
}

func (h *API) showOM(w http.ResponseWriter, r *http.Request) error {
	id, err := pathID(r, "mid")
	if err != nil {
		return err
	}
	m, err := h.s.GetOrgMembership(r.Context(), id)
	if err != nil {
		return err
	}
	return httpx.JSON(w, http.StatusOK, httpx.M{"organization_membership": omJSON(r.Context(), m)})
}

func (h *API) deleteOM(w http.ResponseWriter, r *http.Request) error {
	id, err := pathID(r, "mid")
	if err != nil {
		return err
	}
	if err := h.s.DeleteOrgMembership(r.Context(), id); err != nil {
		return err
	}
	return httpx.NoContent(w)
}

func (h *API) makeDefaultOrg(w http.ResponseWriter, r *http.Request) error {
	uid, oid, err := twoIDs(r, "id", "org")
	if err != nil {
		return err
	}
	ms, err := h.s.MakeDefaultOrg(r.Context(), uid, oid)
	if err != nil {
		return err
	}
	// Zendesk answers this route with the membership that became default.
	for _, m := range ms {
		if m.OrganizationID == oid {
			return httpx.JSON(w, http.StatusOK, httpx.M{"organization_membership": omJSON(r.Context(), m)})
		}
	}
	return errs.NotFoundf("Not found")
}

func (h *API) removeUserFromOrg(w http.ResponseWriter, r *http.Request) error {
	uid, oid, err := twoIDs(r, "id", "org")
	if err != nil {
		return err
	}
	if err := h.s.RemoveUserFromOrg(r.Context(), uid, oid); err != nil {
		return err
	}
	return httpx.NoContent(w)
}
