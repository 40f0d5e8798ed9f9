package user

import (
	"net/http"

	"parley/internal/platform/db"
	"parley/internal/platform/errs"
	"parley/internal/platform/httpx"
	"parley/internal/platform/opt"
)

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
