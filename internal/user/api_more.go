package user

import (
	"encoding/json"
	"log/slog"
	"net/http"
	"strconv"
	"strings"
	"time"

	"parley/internal/platform/db"
	"parley/internal/platform/errs"
	"parley/internal/platform/httpx"
	"parley/internal/platform/opt"
)

// --- identities ---

func identitiesJSON(r *http.Request, ids []Identity) []httpx.M {
	out := make([]httpx.M, 0, len(ids))
	for _, i := range ids {
		out = append(out, identityJSON(r.Context(), i))
	}
	return out
}

func (h *API) listIdentities(w http.ResponseWriter, r *http.Request) error {
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	types := append(r.URL.Query()["type[]"], r.URL.Query()["type"]...)
	ids, err := h.s.ListIdentities(r.Context(), id, types)
	if err != nil {
		return err
	}
	return httpx.JSON(w, http.StatusOK, httpx.M{"identities": identitiesJSON(r, ids),
		"next_page": nil, "previous_page": nil, "count": len(ids)})
}

func (h *API) createIdentity(w http.ResponseWriter, r *http.Request) error {
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	var in IdentityInput
	if err := httpx.Decode(w, r, "identity", &in); err != nil {
		return err
	}
	i, err := h.s.CreateIdentity(r.Context(), id, in)
	if err != nil {
		return err
	}
	return httpx.Created(w, httpx.URL(r.Context(), "/api/v2/users/%d/identities/%d.json", id, i.ID), httpx.M{"identity": identityJSON(r.Context(), i)})
}

func twoIDs(r *http.Request, a, b string) (int64, int64, error) {
	x, err := pathID(r, a)
	if err != nil {
		return 0, 0, err
	}
	y, err := pathID(r, b)
	return x, y, err
}

func (h *API) showIdentity(w http.ResponseWriter, r *http.Request) error {
	uid, iid, err := twoIDs(r, "id", "iid")
	if err != nil {
		return err
	}
	i, err := h.s.GetIdentity(r.Context(), uid, iid)
	if err != nil {
		return err
	}
	return httpx.JSON(w, http.StatusOK, httpx.M{"identity": identityJSON(r.Context(), i)})
}

func (h *API) updateIdentity(w http.ResponseWriter, r *http.Request) error {
	uid, iid, err := twoIDs(r, "id", "iid")
	if err != nil {
		return err
	}
	var in IdentityInput
	if err := httpx.Decode(w, r, "identity", &in); err != nil {
		return err
	}
	i, err := h.s.UpdateIdentity(r.Context(), uid, iid, in)
	if err != nil {
		return err
	}
	return httpx.JSON(w, http.StatusOK, httpx.M{"identity": identityJSON(r.Context(), i)})
}

func (h *API) deleteIdentity(w http.ResponseWriter, r *http.Request) error {
	uid, iid, err := twoIDs(r, "id", "iid")
	if err != nil {
		return err
	}
	if err := h.s.DeleteIdentity(r.Context(), uid, iid); err != nil {
		return err
	}
	return httpx.NoContent(w)
}

func (h *API) makePrimary(w http.ResponseWriter, r *http.Request) error {
	uid, iid, err := twoIDs(r, "id", "iid")
	if err != nil {
		return err
	}
	ids, err := h.s.MakePrimary(r.Context(), uid, iid)
	if err != nil {
		return err
	}
	return httpx.JSON(w, http.StatusOK, httpx.M{"identities": identitiesJSON(r, ids)})
}

func (h *API) verifyIdentity(w http.ResponseWriter, r *http.Request) error {
	uid, iid, err := twoIDs(r, "id", "iid")
	if err != nil {
		return err
	}
	i, err := h.s.VerifyIdentity(r.Context(), uid, iid)
	if err != nil {
		return err
	}
	return httpx.JSON(w, http.StatusOK, httpx.M{"identity": identityJSON(r.Context(), i)})
}

// requestVerification checks the identity exists and is an email; the
// verification email itself is sent once outbound mail exists (rules
// issue), so for now the request is only logged.
func (h *API) requestVerification(w http.ResponseWriter, r *http.Request) error {
	uid, iid, err := twoIDs(r, "id", "iid")
	if err != nil {
		return err
	}
	i, err := h.s.GetIdentity(r.Context(), uid, iid)
	if err != nil {
		return err
	}
	if i.Type != "email" {
		return errs.Invalidf("type", "InvalidValue", "Only email identities can be verified by email")
	}
	httpx.LoggerFrom(r.Context()).InfoContext(r.Context(), "verification requested", slog.Int64("identity_id", i.ID))
	return httpx.JSON(w, http.StatusOK, httpx.M{})
}

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

// --- groups ---

var groupSorts = httpx.Sorts{"id": {Column: "id", Kind: httpx.KindInt}, "name": {Column: "name", Kind: httpx.KindString}}

func (h *API) groupsPage(w http.ResponseWriter, r *http.Request, f GroupFilter) error {
	l, err := httpx.ParseList(r, groupSorts, "id")
	if err != nil {
		return err
	}
	gs, total, more, err := h.s.ListGroups(r.Context(), f, l.Page)
	if err != nil {
		return err
	}
	out := make([]httpx.M, 0, len(gs))
	res := httpx.Result{Total: total, More: more}
	for _, g := range gs {
		out = append(out, groupJSON(r.Context(), g))
		var v any = g.ID
		if l.Sort == "name" {
			v = g.Name
		}
		res.Keys = append(res.Keys, db.Key{V: v, ID: g.ID})
	}
	return l.Write(w, r, "groups", out, res, nil)
}

func (h *API) listGroups(w http.ResponseWriter, r *http.Request) error {
	uid, err := optionalID(r, "id")
	if err != nil {
		return err
	}
	return h.groupsPage(w, r, GroupFilter{UserID: uid})
}

func (h *API) assignableGroups(w http.ResponseWriter, r *http.Request) error {
	return h.groupsPage(w, r, GroupFilter{Assignable: true})
}

func (h *API) countGroups(w http.ResponseWriter, r *http.Request) error {
	_, total, _, err := h.s.ListGroups(r.Context(), GroupFilter{}, db.Page{Limit: 1})
	if err != nil {
		return err
	}
	return httpx.JSON(w, http.StatusOK, countJSON(total, refreshedAt()))
}

func (h *API) showGroup(w http.ResponseWriter, r *http.Request) error {
	id, err := pathID(r, "gid")
	if err != nil {
		return err
	}
	g, err := h.s.GetGroup(r.Context(), id)
	if err != nil {
		return err
	}
	return httpx.JSON(w, http.StatusOK, httpx.M{"group": groupJSON(r.Context(), g)})
}

func (h *API) createGroup(w http.ResponseWriter, r *http.Request) error {
	var in GroupInput
	if err := httpx.Decode(w, r, "group", &in); err != nil {
		return err
	}
	g, err := h.s.CreateGroup(r.Context(), in)
	if err != nil {
		return err
	}
	return httpx.Created(w, httpx.URL(r.Context(), "/api/v2/groups/%d.json", g.ID), httpx.M{"group": groupJSON(r.Context(), g)})
}

func (h *API) updateGroup(w http.ResponseWriter, r *http.Request) error {
	id, err := pathID(r, "gid")
	if err != nil {
		return err
	}
	var in GroupInput
	if err := httpx.Decode(w, r, "group", &in); err != nil {
		return err
	}
	g, err := h.s.UpdateGroup(r.Context(), id, in)
	if err != nil {
		return err
	}
	return httpx.JSON(w, http.StatusOK, httpx.M{"group": groupJSON(r.Context(), g)})
}

func (h *API) deleteGroup(w http.ResponseWriter, r *http.Request) error {
	id, err := pathID(r, "gid")
	if err != nil {
		return err
	}
	if err := h.s.DeleteGroup(r.Context(), id); err != nil {
		return err
	}
	return httpx.NoContent(w)
}

func (h *API) groupUsers(w http.ResponseWriter, r *http.Request) error {
	id, err := pathID(r, "gid")
	if err != nil {
		return err
	}
	if _, err := h.s.GetGroup(r.Context(), id); err != nil {
		return err
	}
	l, err := httpx.ParseList(r, userSorts, "id")
	if err != nil {
		return err
	}
	us, total, more, err := h.s.ListUsers(r.Context(), Filter{GroupID: id}, l.Page)
	if err != nil {
		return err
	}
	return h.usersPage(w, r, l, "users", us, total, more)
}

// --- group memberships ---

func (h *API) listGMs(w http.ResponseWriter, r *http.Request) error {
	l, err := httpx.ParseList(r, nil, "id")
	if err != nil {
		return err
	}
	var f GMFilter
	if f.UserID, err = optionalID(r, "id"); err != nil {
		return err
	}
	if f.GroupID, err = optionalID(r, "gid"); err != nil {
		return err
	}
	if f.GroupID == 0 {
		if f.GroupID, err = queryID(r, "group_id"); err != nil {
			return err
		}
	}
	if f.UserID == 0 {
		if f.UserID, err = queryID(r, "user_id"); err != nil {
			return err
		}
	}
	ms, total, more, err := h.s.ListGroupMemberships(r.Context(), f, l.Page)
	if err != nil {
		return err
	}
	out := make([]httpx.M, 0, len(ms))
	res := httpx.Result{Total: total, More: more}
	for _, m := range ms {
		out = append(out, gmJSON(r.Context(), m))
		res.Keys = append(res.Keys, db.Key{ID: m.ID})
	}
	return l.Write(w, r, "group_memberships", out, res, nil)
}

func (h *API) createGM(w http.ResponseWriter, r *http.Request) error {
	var in MembershipInput
	if err := httpx.Decode(w, r, "group_membership", &in); err != nil {
		return err
	}
	m, err := h.s.CreateGroupMembership(r.Context(), in)
	if err != nil {
		return err
	}
	return httpx.Created(w, httpx.URL(r.Context(), "/api/v2/group_memberships/%d.json", m.ID),
		httpx.M{"group_membership": gmJSON(r.Context(), m)})
}

func (h *API) showGM(w http.ResponseWriter, r *http.Request) error {
	id, err := pathID(r, "mid")
	if err != nil {
		return err
	}
	m, err := h.s.GetGroupMembership(r.Context(), id)
	if err != nil {
		return err
	}
	return httpx.JSON(w, http.StatusOK, httpx.M{"group_membership": gmJSON(r.Context(), m)})
}

func (h *API) deleteGM(w http.ResponseWriter, r *http.Request) error {
	id, err := pathID(r, "mid")
	if err != nil {
		return err
	}
	if err := h.s.DeleteGroupMembership(r.Context(), id); err != nil {
		return err
	}
	return httpx.NoContent(w)
}

func (h *API) makeDefaultGM(w http.ResponseWriter, r *http.Request) error {
	uid, mid, err := twoIDs(r, "id", "gm")
	if err != nil {
		return err
	}
	ms, err := h.s.MakeDefaultGroupMembership(r.Context(), uid, mid)
	if err != nil {
		return err
	}
	out := make([]httpx.M, 0, len(ms))
	for _, m := range ms {
		out = append(out, gmJSON(r.Context(), m))
	}
	return httpx.JSON(w, http.StatusOK, httpx.M{"group_memberships": out})
}

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

// userGM loads a group membership and checks it belongs to the user in
// the path; a membership of someone else is 404.
func (h *API) userGM(r *http.Request) (GroupMembership, error) {
	uid, mid, err := twoIDs(r, "id", "gm")
	if err != nil {
		return GroupMembership{}, err
	}
	m, err := h.s.GetGroupMembership(r.Context(), mid)
	if err != nil {
		return m, err
	}
	if m.UserID != uid {
		return GroupMembership{}, errs.NotFoundf("Not found")
	}
	return m, nil
}

func (h *API) createUserGM(w http.ResponseWriter, r *http.Request) error {
	uid, err := pathID(r, "id")
	if err != nil {
		return err
	}
	var in MembershipInput
	if err := httpx.Decode(w, r, "group_membership", &in); err != nil {
		return err
	}
	if _, err := h.s.GetUser(r.Context(), uid); err != nil {
		return err
	}
	in.UserID = opt.Of(uid)
	m, err := h.s.CreateGroupMembership(r.Context(), in)
	if err != nil {
		return err
	}
	return httpx.Created(w, httpx.URL(r.Context(), "/api/v2/group_memberships/%d.json", m.ID),
		httpx.M{"group_membership": gmJSON(r.Context(), m)})
}

func (h *API) showUserGM(w http.ResponseWriter, r *http.Request) error {
	m, err := h.userGM(r)
	if err != nil {
		return err
	}
	return httpx.JSON(w, http.StatusOK, httpx.M{"group_membership": gmJSON(r.Context(), m)})
}

func (h *API) deleteUserGM(w http.ResponseWriter, r *http.Request) error {
	m, err := h.userGM(r)
	if err != nil {
		return err
	}
	if err := h.s.DeleteGroupMembership(r.Context(), m.ID); err != nil {
		return err
	}
	return httpx.NoContent(w)
}
