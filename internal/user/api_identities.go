package user

import (
	"log/slog"
	"net/http"

	"parley/internal/platform/errs"
	"parley/internal/platform/httpx"
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
