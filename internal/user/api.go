package user

import (
	"encoding/json"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/go-chi/chi/v5"

	"parley/internal/auth"
	"parley/internal/bulk"
	"parley/internal/platform/db"
	"parley/internal/platform/errs"
	"parley/internal/platform/httpx"
)

// API serves the people endpoints of /api/v2.
type API struct {
	s *Service
}

// NewAPI builds the people API.
func NewAPI(s *Service) *API { return &API{s: s} }

// Routes registers every people endpoint.
func (h *API) Routes(r chi.Router) {
	H := httpx.H
	r.Get("/users", H(h.listUsers))
	r.Post("/users", H(h.createUser))
	r.Get("/users/me", H(h.me))
	r.Get("/users/count", H(h.countUsers))
	r.Get("/users/show_many", H(h.showManyUsers))
	r.Post("/users/create_many", H(h.bulkCreate(OpUsersCreate, "users")))
	r.Post("/users/create_or_update", H(h.createOrUpdateUser))
	r.Post("/users/create_or_update_many", H(h.bulkCreate(OpUsersCreateOrUpdate, "users")))
	r.Put("/users/update_many", H(h.bulkUpdate(OpUsersUpdate, "users", "user")))
	r.Delete("/users/destroy_many", H(h.bulkDestroy(OpUsersDestroy, true)))
	r.Get("/users/search", H(h.searchUsers))
	r.Get("/users/autocomplete", H(h.autocompleteUsers))
	r.Get("/users/{id}", H(h.showUser))
	r.Put("/users/{id}", H(h.updateUser))
	r.Delete("/users/{id}", H(h.deleteUser))
	r.Get("/users/{id}/related", H(h.userRelated))
	r.Get("/users/{id}/tags", H(h.userTags))
	r.Post("/users/{id}/tags", H(h.changeUserTags(TagsSet)))
	r.Put("/users/{id}/tags", H(h.changeUserTags(TagsAdd)))
	r.Delete("/users/{id}/tags", H(h.changeUserTags(TagsRemove)))
	r.Post("/users/{id}/password", H(h.setPassword(false)))
	r.Put("/users/{id}/password", H(h.setPassword(true)))
	r.Get("/users/{id}/identities", H(h.listIdentities))
	r.Post("/users/{id}/identities", H(h.createIdentity))
	r.Get("/users/{id}/identities/{iid}", H(h.showIdentity))
	r.Put("/users/{id}/identities/{iid}", H(h.updateIdentity))
	r.Delete("/users/{id}/identities/{iid}", H(h.deleteIdentity))
	r.Put("/users/{id}/identities/{iid}/make_primary", H(h.makePrimary))
	r.Put("/users/{id}/identities/{iid}/verify", H(h.verifyIdentity))
	r.Put("/users/{id}/identities/{iid}/request_verification", H(h.requestVerification))
	r.Get("/users/{id}/organizations", H(h.userOrganizations))
	r.Get("/users/{id}/organization_memberships", H(h.listOMs))
	r.Post("/users/{id}/organization_memberships", H(h.createOM))
	r.Put("/users/{id}/organizations/{org}/make_default", H(h.makeDefaultOrg))
	r.Delete("/users/{id}/organizations/{org}", H(h.removeUserFromOrg))
	r.Get("/users/{id}/group_memberships", H(h.listGMs))
	r.Post("/users/{id}/group_memberships", H(h.createUserGM))
	r.Get("/users/{id}/group_memberships/{gm}", H(h.showUserGM))
	r.Delete("/users/{id}/group_memberships/{gm}", H(h.deleteUserGM))
	r.Put("/users/{id}/group_memberships/{gm}/make_default", H(h.makeDefaultGM))
	r.Get("/users/{id}/groups", H(h.listGroups))

	r.Get("/organizations", H(h.listOrgs))
	r.Post("/organizations", H(h.createOrg))
	r.Get("/organizations/count", H(h.countOrgs))
	r.Get("/organizations/show_many", H(h.showManyOrgs))
	r.Post("/organizations/create_many", H(h.bulkCreate(OpOrgsCreate, "organizations")))
	r.Post("/organizations/create_or_update", H(h.createOrUpdateOrg))
	r.Put("/organizations/update_many", H(h.bulkUpdate(OpOrgsUpdate, "organizations", "organization")))
	r.Delete("/organizations/destroy_many", H(h.bulkDestroy(OpOrgsDestroy, true)))
	r.Get("/organizations/search", H(h.searchOrgs))
	r.Get("/organizations/autocomplete", H(h.autocompleteOrgs))
	r.Get("/organizations/{id}", H(h.showOrg))
	r.Put("/organizations/{id}", H(h.updateOrg))
	r.Delete("/organizations/{id}", H(h.deleteOrg))
	r.Get("/organizations/{id}/related", H(h.orgRelated))
	r.Get("/organizations/{id}/users", H(h.orgUsers))
	r.Get("/organizations/{id}/organization_memberships", H(h.listOMs))
	r.Get("/organizations/{id}/tags", H(h.orgTags))
	r.Post("/organizations/{id}/tags", H(h.changeOrgTags(TagsSet)))
	r.Put("/organizations/{id}/tags", H(h.changeOrgTags(TagsAdd)))
	r.Delete("/organizations/{id}/tags", H(h.changeOrgTags(TagsRemove)))

	r.Get("/organization_memberships", H(h.listOMs))
	r.Post("/organization_memberships", H(h.createOM))
	r.Post("/organization_memberships/create_many", H(h.bulkCreate(OpOMCreate, "organization_memberships")))
	r.Delete("/organization_memberships/destroy_many", H(h.bulkDestroy(OpOMDestroy, false)))
	r.Get("/organization_memberships/{mid}", H(h.showOM))
	r.Delete("/organization_memberships/{mid}", H(h.deleteOM))

	r.Get("/groups", H(h.listGroups))
	r.Post("/groups", H(h.createGroup))
	r.Get("/groups/assignable", H(h.assignableGroups))
	r.Get("/groups/count", H(h.countGroups))
	r.Get("/groups/{gid}", H(h.showGroup))
	r.Put("/groups/{gid}", H(h.updateGroup))
	r.Delete("/groups/{gid}", H(h.deleteGroup))
	r.Get("/groups/{gid}/memberships", H(h.listGMs))
	r.Get("/groups/{gid}/users", H(h.groupUsers))

	r.Get("/group_memberships", H(h.listGMs))
	r.Post("/group_memberships", H(h.createGM))
	r.Get("/group_memberships/assignable", H(h.listGMs))
	r.Post("/group_memberships/create_many", H(h.bulkCreate(OpGMCreate, "group_memberships")))
	r.Delete("/group_memberships/destroy_many", H(h.bulkDestroy(OpGMDestroy, false)))
	r.Get("/group_memberships/{mid}", H(h.showGM))
	r.Delete("/group_memberships/{mid}", H(h.deleteGM))

	for _, res := range []string{ResourceUser, ResourceOrg} {
		base := "/" + res + "_fields"
		r.Get(base, H(h.listFields(res)))
		r.Post(base, H(h.createField(res)))
		r.Put(base+"/reorder", H(h.reorderFields(res)))
		r.Get(base+"/{fid}", H(h.showField(res)))
		r.Put(base+"/{fid}", H(h.updateField(res)))
		r.Delete(base+"/{fid}", H(h.deleteField(res)))
		r.Get(base+"/{fid}/options", H(h.listOptions(res)))
		r.Post(base+"/{fid}/options", H(h.setOption(res)))
		r.Get(base+"/{fid}/options/{oid}", H(h.showOption(res)))
		r.Delete(base+"/{fid}/options/{oid}", H(h.deleteOption(res)))
	}

	r.Get("/custom_roles", H(h.listRoles))
	r.Get("/custom_roles/{rid}", H(h.showRole))
	r.Post("/custom_roles", H(h.createRole))
	r.Put("/custom_roles/{rid}", H(h.updateRole))

	r.Get("/incremental/users", H(h.incrementalUsers))
	r.Get("/incremental/users/cursor", H(h.incrementalUsersCursor))
	r.Get("/incremental/organizations", H(h.incrementalOrgs))
}

func pathID(r *http.Request, name string) (int64, error) { return httpx.PathID(chi.URLParam(r, name)) }

func accountOf(r *http.Request) int64 { return auth.ActorFrom(r.Context()).AccountID }

var userSorts = httpx.Sorts{
	"id":         {Column: "id", Kind: httpx.KindInt},
	"name":       {Column: "name", Kind: httpx.KindString},
	"created_at": {Column: "created_at", Kind: httpx.KindTime},
	"updated_at": {Column: "updated_at", Kind: httpx.KindTime},
}

// usersPage writes a page of users with the requested side-loads.
func (h *API) usersPage(w http.ResponseWriter, r *http.Request, l httpx.List, root string, us []User, total int64, more bool) error {
	rd := h.s.renderer(r.Context(), accountOf(r))
	out := make([]httpx.M, 0, len(us))
	res := httpx.Result{Total: total, More: more}
	sortCol := l.Sort
	for _, u := range us {
		out = append(out, rd.user(u))
		res.Keys = append(res.Keys, db.Key{V: userSortValue(u, sortCol), ID: u.ID})
	}
	extra, err := h.userSideloads(r, us)
	if err != nil {
		return err
	}
	return l.Write(w, r, root, out, res, extra)
}

func userSortValue(u User, col string) any {
	switch col {
	case "name":
		return u.Name
	case "created_at":
		return u.CreatedAt
	case "updated_at":
		return u.UpdatedAt
	}
	return u.ID
}

// userSideloads adds include=organizations,identities,groups,roles.
func (h *API) userSideloads(r *http.Request, us []User) (httpx.M, error) {
	inc := httpx.Includes(r)
	if len(inc) == 0 || len(us) == 0 {
		return nil, nil
	}
	ctx := r.Context()
	acct := accountOf(r)
	extra := httpx.M{}
	ids := make([]int64, len(us))
	for i, u := range us {
		ids[i] = u.ID
	}
	if inc["identities"] {
		idents, err := h.s.identities(ctx, acct, ids)
		if err != nil {
			return nil, err
		}
		out := make([]httpx.M, 0, len(idents))
		for _, i := range idents {
			out = append(out, identityJSON(ctx, i))
		}
		extra["identities"] = out
	}
	if inc["organizations"] {
		seen := map[int64]bool{}
		var orgIDs []int64
		for _, u := range us {
			if u.OrganizationID != nil && !seen[*u.OrganizationID] {
				seen[*u.OrganizationID] = true
				orgIDs = append(orgIDs, *u.OrganizationID)
			}
		}
		out := []httpx.M{}
		if len(orgIDs) > 0 {
			args := []any{}
			os, err := h.s.queryOrgs(ctx, `SELECT `+orgCols+` FROM organizations o WHERE `+
				orgWhere(acct, OrgFilter{IDs: orgIDs}, &args)+` ORDER BY o.id`, args...)
			if err != nil {
				return nil, err
			}
			rd := h.s.renderer(ctx, acct)
			for _, o := range os {
				out = append(out, rd.org(o))
			}
		}
		extra["organizations"] = out
	}
	if inc["groups"] {
		args := []any{acct}
		gs, err := h.s.queryGroups(ctx, `SELECT `+groupCols+` FROM groups WHERE account_id = $1 AND deleted = FALSE AND id IN
			(SELECT group_id FROM group_memberships WHERE account_id = $1 AND user_id IN (`+db.Placeholders(&args, ids)+`)) ORDER BY id`, args...)
		if err != nil {
			return nil, err
		}
		out := make([]httpx.M, 0, len(gs))
		for _, g := range gs {
			out = append(out, groupJSON(ctx, g))
		}
		extra["groups"] = out
	}
	if inc["roles"] {
		var rids []int64
		for _, u := range us {
			if u.CustomRoleID != nil {
				rids = append(rids, *u.CustomRoleID)
			}
		}
		roles, err := h.s.rolesByIDs(ctx, acct, append([]int64{}, rids...))
		if err != nil {
			return nil, err
		}
		out := make([]httpx.M, 0, len(roles))
		for _, ro := range roles {
			out = append(out, roleJSON(ro))
		}
		extra["roles"] = out
	}
	return extra, nil
}

func rolesParam(r *http.Request) ([]auth.Role, error) {
	q := r.URL.Query()
	vals := append(q["role[]"], q["role"]...)
	var out []auth.Role
	for _, v := range vals {
		for _, p := range strings.Split(v, ",") {
			ro := auth.Role(strings.TrimSpace(p))
			if ro == "" {
				continue
			}
			if !ro.Valid() {
				return nil, errs.Ef(errs.BadRequest, "role must be end-user, agent or admin").WithCode("InvalidValue")
			}
			out = append(out, ro)
		}
	}
	return out, nil
}

func (h *API) listUsers(w http.ResponseWriter, r *http.Request) error {
	l, err := httpx.ParseList(r, userSorts, "id")
	if err != nil {
		return err
	}
	roles, err := rolesParam(r)
	if err != nil {
		return err
	}
	f := Filter{Roles: roles, ExternalID: r.URL.Query().Get("external_id")}
	if ps := r.URL.Query().Get("permission_set"); ps != "" {
		if f.PermissionSet, err = strconv.ParseInt(ps, 10, 64); err != nil {
			return errs.E(errs.BadRequest, "permission_set must be an id").WithCode("InvalidValue")
		}
	}
	us, total, more, err := h.s.ListUsers(r.Context(), f, l.Page)
	if err != nil {
		return err
	}
	return h.usersPage(w, r, l, "users", us, total, more)
}

func (h *API) writeUser(w http.ResponseWriter, r *http.Request, status int, u User) error {
	body := httpx.M{"user": h.s.renderer(r.Context(), u.AccountID).user(u)}
	extra, err := h.userSideloads(r, []User{u})
	if err != nil {
		return err
	}
	for k, v := range extra {
		body[k] = v
	}
	if status == http.StatusCreated {
		return httpx.Created(w, httpx.URL(r.Context(), "/api/v2/users/%d.json", u.ID), body)
	}
	return httpx.JSON(w, status, body)
}

func (h *API) showUser(w http.ResponseWriter, r *http.Request) error {
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	u, err := h.s.GetUser(r.Context(), id)
	if err != nil {
		return err
	}
	return h.writeUser(w, r, http.StatusOK, u)
}

// me answers /users/me; an anonymous caller gets Zendesk's anonymous user.
func (h *API) me(w http.ResponseWriter, r *http.Request) error {
	u, err := h.s.Me(r.Context())
	if errs.Is(err, errs.NotFound) {
		return httpx.JSON(w, http.StatusOK, httpx.M{"user": httpx.M{
			"id": nil, "url": nil, "name": "Anonymous user", "email": "invalid@example.com", "created_at": nil,
			"updated_at": nil, "time_zone": "UTC", "iana_time_zone": "UTC", "phone": nil, "shared_phone_number": nil,
			"photo": nil, "locale_id": 1, "locale": "en-US", "organization_id": nil, "role": "end-user",
			"verified": false, "authenticity_token": nil, "tags": []string{}, "active": true, "user_fields": httpx.M{},
		}})
	}
	if err != nil {
		return err
	}
	return h.writeUser(w, r, http.StatusOK, u)
}

func (h *API) createUser(w http.ResponseWriter, r *http.Request) error {
	var in Input
	if err := httpx.Decode(w, r, "user", &in); err != nil {
		return err
	}
	u, err := h.s.CreateUser(r.Context(), in)
	if err != nil {
		return err
	}
	return h.writeUser(w, r, http.StatusCreated, u)
}

func (h *API) createOrUpdateUser(w http.ResponseWriter, r *http.Request) error {
	var in Input
	if err := httpx.Decode(w, r, "user", &in); err != nil {
		return err
	}
	u, created, err := h.s.CreateOrUpdate(r.Context(), in)
	if err != nil {
		return err
	}
	if created {
		return h.writeUser(w, r, http.StatusCreated, u)
	}
	return h.writeUser(w, r, http.StatusOK, u)
}

func (h *API) updateUser(w http.ResponseWriter, r *http.Request) error {
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	var in Input
	if err := httpx.DecodeUpdate(w, r, "user", &in, "id"); err != nil {
		return err
	}
	u, err := h.s.UpdateUser(r.Context(), id, in)
	if err != nil {
		return err
	}
	return h.writeUser(w, r, http.StatusOK, u)
}

// deleteUser answers 200 with the deactivated user, as Zendesk does.
func (h *API) deleteUser(w http.ResponseWriter, r *http.Request) error {
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	u, err := h.s.DeleteUser(r.Context(), id)
	if err != nil {
		return err
	}
	return h.writeUser(w, r, http.StatusOK, u)
}

func refreshedAt() string { return time.Now().UTC().Format("2006-01-02T15:04:05+00:00") }

func (h *API) countUsers(w http.ResponseWriter, r *http.Request) error {
	roles, err := rolesParam(r)
	if err != nil {
		return err
	}
	n, err := h.s.CountUsers(r.Context(), Filter{Roles: roles})
	if err != nil {
		return err
	}
	return httpx.JSON(w, http.StatusOK, countJSON(n, refreshedAt()))
}

// manyFilter reads ids= or external_ids= (at most 100 each).
func manyFilter(r *http.Request) ([]int64, []string, error) {
	ids, err := httpx.IDs(r, "ids")
	if err != nil {
		return nil, nil, err
	}
	ext, err := httpx.Strings(r, "external_ids")
	if err != nil {
		return nil, nil, err
	}
	if len(ids) == 0 && len(ext) == 0 {
		return nil, nil, errs.E(errs.BadRequest, "Parameter ids or external_ids is required").WithCode("ParameterMissing")
	}
	return ids, ext, nil
}

func (h *API) showManyUsers(w http.ResponseWriter, r *http.Request) error {
	ids, ext, err := manyFilter(r)
	if err != nil {
		return err
	}
	l := httpx.List{Page: db.Page{Limit: httpx.MaxPerPage}, PageNum: 1, PerPage: httpx.MaxPerPage}
	us, total, _, err := h.s.ListUsers(r.Context(), Filter{IDs: ids, ExternalIDs: ext}, l.Page)
	if err != nil {
		return err
	}
	return h.usersPage(w, r, l, "users", us, total, false)
}

func (h *API) searchUsers(w http.ResponseWriter, r *http.Request) error {
	q := r.URL.Query()
	query, ext := strings.TrimSpace(q.Get("query")), strings.TrimSpace(q.Get("external_id"))
	if query == "" && ext == "" {
		return errs.E(errs.BadRequest, "Parameter query or external_id is required").WithCode("ParameterMissing")
	}
	if query == "" {
		l, err := httpx.ParseList(r, userSorts, "id")
		if err != nil {
			return err
		}
		us, total, more, err := h.s.ListUsers(r.Context(), Filter{ExternalID: ext}, l.Page)
		if err != nil {
			return err
		}
		return h.usersPage(w, r, l, "users", us, total, more)
	}
	// A query runs through the search language; like /search, offset pages only.
	if httpx.IsCursor(r) {
		return errs.E(errs.BadRequest, "page must be an integer").WithCode("InvalidPaginationParameter")
	}
	l, err := httpx.ParseList(r, nil, "id")
	if err != nil {
		return err
	}
	us, total, err := h.s.SearchUsers(r.Context(), query, l.PageNum, l.PerPage)
	if err != nil {
		return err
	}
	return h.usersPage(w, r, l, "users", us, total, false)
}

func (h *API) autocompleteUsers(w http.ResponseWriter, r *http.Request) error {
	name := strings.TrimSpace(r.URL.Query().Get("name"))
	if len(name) < 2 {
		return errs.E(errs.BadRequest, "Parameter name must be at least 2 characters").WithCode("InvalidValue")
	}
	l, err := httpx.ParseList(r, userSorts, "name")
	if err != nil {
		return err
	}
	us, total, more, err := h.s.ListUsers(r.Context(), Filter{NamePrefix: name}, l.Page)
	if err != nil {
		return err
	}
	return h.usersPage(w, r, l, "users", us, total, more)
}

func (h *API) userRelated(w http.ResponseWriter, r *http.Request) error {
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	rel, err := h.s.UserRelated(r.Context(), id)
	if err != nil {
		return err
	}
	return httpx.JSON(w, http.StatusOK, httpx.M{"user_related": httpx.M{
		"assigned_tickets": rel.AssignedTickets, "requested_tickets": rel.RequestedTickets,
		"ccd_tickets": rel.CCDTickets, "organization_subscriptions": rel.OrganizationSubscriptions,
		"topics": 0, "topic_comments": 0, "votes": 0, "subscriptions": 0, "entry_subscriptions": 0, "forum_subscriptions": 0,
	}})
}

func (h *API) userTags(w http.ResponseWriter, r *http.Request) error {
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	tags, err := h.s.UserTags(r.Context(), id)
	if err != nil {
		return err
	}
	return httpx.JSON(w, http.StatusOK, httpx.M{"tags": nonNil(tags)})
}

type tagsIn struct {
	Tags []string `json:"tags"`
}

func decodeTags(w http.ResponseWriter, r *http.Request) ([]string, error) {
	raw, err := httpx.DecodeRaw(r)
	if err != nil {
		return nil, err
	}
	var in tagsIn
	b, _ := json.Marshal(raw)
	if err := httpx.DecodeValue(w, "tags", b, &in); err != nil {
		return nil, err
	}
	if in.Tags == nil {
		return nil, errs.E(errs.BadRequest, "param is missing or the value is empty: tags").WithCode("ParameterMissing")
	}
	return in.Tags, nil
}

func (h *API) changeUserTags(op TagOp) httpx.Handler {
	return func(w http.ResponseWriter, r *http.Request) error {
		id, err := pathID(r, "id")
		if err != nil {
			return err
		}
		tags, err := decodeTags(w, r)
		if err != nil {
			return err
		}
		out, err := h.s.ChangeUserTags(r.Context(), id, op, tags)
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

type passwordIn struct {
	Password         string `json:"password"`
	PreviousPassword string `json:"previous_password"`
}

func (h *API) setPassword(self bool) httpx.Handler {
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
		var in passwordIn
		if err := httpx.DecodeValue(w, "password", b, &in); err != nil {
			return err
		}
		if err := h.s.SetPassword(r.Context(), id, in.Password, in.PreviousPassword, self); err != nil {
			return err
		}
		return httpx.JSON(w, http.StatusOK, httpx.M{})
	}
}

// --- bulk ---

func (h *API) bulkCreate(op, root string) httpx.Handler {
	return func(w http.ResponseWriter, r *http.Request) error {
		var items []json.RawMessage
		if _, err := httpx.DecodeList(w, r, root, func(i int, v json.RawMessage) error {
			items = append(items, v)
			return nil
		}); err != nil {
			return err
		}
		st, err := h.s.StartBulk(r.Context(), op, items)
		if err != nil {
			return err
		}
		return bulk.Write(w, r, st)
	}
}

// bulkUpdate accepts {"<root>":[{id,...}]} or ?ids=1,2 with {"<one>":{...}}.
func (h *API) bulkUpdate(op, root, one string) httpx.Handler {
	return func(w http.ResponseWriter, r *http.Request) error {
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
			if err := json.Unmarshal(raw[one], &patch); err != nil || patch == nil {
				return errs.Ef(errs.BadRequest, "param is missing or the value is empty: %s", one).WithCode("ParameterMissing")
			}
			for _, id := range ids {
				patch["id"] = json.RawMessage(strconv.FormatInt(id, 10))
				b, _ := json.Marshal(patch)
				items = append(items, b)
			}
		} else if _, err := httpx.DecodeList(w, r, root, func(i int, v json.RawMessage) error {
			items = append(items, v)
			return nil
		}); err != nil {
			return err
		}
		st, err := h.s.StartBulk(r.Context(), op, items)
		if err != nil {
			return err
		}
		return bulk.Write(w, r, st)
	}
}

// bulkDestroy takes ?ids= (and external_ids= for users and organizations).
func (h *API) bulkDestroy(op string, external bool) httpx.Handler {
	return func(w http.ResponseWriter, r *http.Request) error {
		ids, err := httpx.IDs(r, "ids")
		if err != nil {
			return err
		}
		if external {
			ext, err := httpx.Strings(r, "external_ids")
			if err != nil {
				return err
			}
			if len(ext) > 0 {
				if op == OpUsersDestroy {
					us, _, _, err := h.s.ListUsers(r.Context(), Filter{ExternalIDs: ext}, db.Page{Limit: httpx.MaxBulk})
					if err != nil {
						return err
					}
					for _, u := range us {
						ids = append(ids, u.ID)
					}
				} else {
					os, _, _, err := h.s.ListOrganizations(r.Context(), OrgFilter{ExternalIDs: ext}, db.Page{Limit: httpx.MaxBulk})
					if err != nil {
						return err
					}
					for _, o := range os {
						ids = append(ids, o.ID)
					}
				}
			}
		}
		if len(ids) == 0 {
			return errs.E(errs.BadRequest, "Parameter ids is required").WithCode("ParameterMissing")
		}
		if len(ids) > httpx.MaxBulk {
			return httpx.TooMany("ids")
		}
		items := make([]json.RawMessage, len(ids))
		for i, id := range ids {
			items[i] = json.RawMessage(strconv.FormatInt(id, 10))
		}
		st, err := h.s.StartBulk(r.Context(), op, items)
		if err != nil {
			return err
		}
		return bulk.Write(w, r, st)
	}
}

func chiParam(r *http.Request, name string) string { return chi.URLParam(r, name) }
