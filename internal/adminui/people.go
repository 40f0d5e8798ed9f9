package adminui

import (
	"context"
	"net/http"
	"strconv"
	"strings"

	"github.com/go-chi/chi/v5"

	"parley/internal/account"
	"parley/internal/auth"
	"parley/internal/platform/db"
	"parley/internal/platform/errs"
	"parley/internal/platform/opt"
	"parley/internal/user"
	"parley/internal/web"
)

// People is the user room as the admin center uses it.
type People interface {
	ListUsers(ctx context.Context, f user.Filter, p db.Page) ([]user.User, int64, bool, error)
	CreateUser(ctx context.Context, in user.Input) (user.User, error)
	UpdateUser(ctx context.Context, id int64, in user.Input) (user.User, error)
	ListGroups(ctx context.Context, f user.GroupFilter, p db.Page) ([]user.Group, int64, bool, error)
	CreateGroup(ctx context.Context, in user.GroupInput) (user.Group, error)
}

// Tokens manages the account's API tokens (the auth room).
type Tokens interface {
	List(ctx context.Context) ([]auth.APIToken, error)
	Create(ctx context.Context, description string) (auth.APIToken, error)
	Delete(ctx context.Context, id int64) error
}

// roleTabs are the people lists.
var roleTabs = []struct{ Role, Label string }{{"agent", "Agents and admins"}, {"end-user", "End users"}}

// peopleView is the people page.
type peopleView struct {
	Tab     string
	People  []user.User
	Roles   []user.CustomRole // the custom roles an agent can be given
	Problem string
	Name    string
	Email   string
	Role    string
}

func (h *Pages) peoplePage(w http.ResponseWriter, r *http.Request) error {
	return h.renderPeople(w, r, http.StatusOK, peopleView{Role: "agent"})
}

func (h *Pages) renderPeople(w http.ResponseWriter, r *http.Request, status int, v peopleView) error {
	if err := admin(r.Context()); err != nil {
		return err
	}
	v.Tab = r.URL.Query().Get("role")
	roles := []auth.Role{auth.RoleAgent, auth.RoleAdmin}
	if v.Tab == "end-user" {
		roles = []auth.Role{auth.RoleEndUser}
	} else {
		v.Tab = "agent"
	}
	us, _, _, err := h.people.ListUsers(r.Context(), user.Filter{Roles: roles}, db.Page{Limit: 100})
	if err != nil {
		return err
	}
	v.People = us
	if v.Tab == "agent" {
		if v.Roles, err = h.roles.ListCustomRoles(r.Context()); err != nil {
			return err
		}
	}
	web.Render(w, r, status, PeoplePage(web.NewPage(r, "People", "admin"), v))
	return nil
}

func (h *Pages) addPerson(w http.ResponseWriter, r *http.Request) error {
	if err := admin(r.Context()); err != nil {
		return err
	}
	v := peopleView{Name: r.PostFormValue("name"), Email: r.PostFormValue("email"), Role: r.PostFormValue("role")}
	if v.Role != "admin" && v.Role != "end-user" {
		v.Role = "agent"
	}
	u, err := h.people.CreateUser(r.Context(), user.Input{Name: opt.Of(v.Name), Email: opt.Of(v.Email), Role: opt.Of(v.Role)})
	if errs.Is(err, errs.Invalid) {
		v.Problem = web.Message(err)
		return h.renderPeople(w, r, http.StatusUnprocessableEntity, v)
	}
	if err != nil {
		return err
	}
	web.Notice(w, r, "/admin/people", u.Name+" added.")
	return nil
}

func (h *Pages) suspend(w http.ResponseWriter, r *http.Request) error {
	if err := admin(r.Context()); err != nil {
		return err
	}
	id, err := strconv.ParseInt(chi.URLParam(r, "id"), 10, 64)
	if err != nil {
		return errs.NotFoundf("Not found")
	}
	on := r.PostFormValue("suspended") == "true"
	u, err := h.people.UpdateUser(r.Context(), id, user.Input{Suspended: opt.Of(on)})
	if errs.Is(err, errs.Invalid) {
		return h.renderPeople(w, r, http.StatusUnprocessableEntity, peopleView{Role: "agent", Problem: web.Message(err)})
	}
	if err != nil {
		return err
	}
	msg := u.Name + " can sign in again."
	if on {
		msg = u.Name + " is suspended: they cannot sign in."
	}
	web.Notice(w, r, "/admin/people", msg)
	return nil
}

func (h *Pages) groupsPage(w http.ResponseWriter, r *http.Request) error {
	return h.renderGroups(w, r, http.StatusOK, "", "")
}

func (h *Pages) renderGroups(w http.ResponseWriter, r *http.Request, status int, name, problem string) error {
	if err := admin(r.Context()); err != nil {
		return err
	}
	gs, _, _, err := h.people.ListGroups(r.Context(), user.GroupFilter{}, db.Page{Limit: 100})
	if err != nil {
		return err
	}
	web.Render(w, r, status, GroupsPage(web.NewPage(r, "Groups", "admin"), gs, name, problem))
	return nil
}

func (h *Pages) addGroup(w http.ResponseWriter, r *http.Request) error {
	name := r.PostFormValue("name")
	g, err := h.people.CreateGroup(r.Context(), user.GroupInput{Name: opt.Of(name)})
	if errs.Is(err, errs.Invalid) {
		return h.renderGroups(w, r, http.StatusUnprocessableEntity, name, web.Message(err))
	}
	if err != nil {
		return err
	}
	web.Notice(w, r, "/admin/groups", "Group "+g.Name+" created.")
	return nil
}

func (h *Pages) tokensPage(w http.ResponseWriter, r *http.Request) error {
	return h.renderTokens(w, r, http.StatusOK, "")
}

// renderTokens lists the tokens; fresh is a just-made token, shown once.
func (h *Pages) renderTokens(w http.ResponseWriter, r *http.Request, status int, fresh string) error {
	if err := admin(r.Context()); err != nil {
		return err
	}
	ts, err := h.tokens.List(r.Context())
	if err != nil {
		return err
	}
	web.Render(w, r, status, TokensPage(web.NewPage(r, "API tokens", "admin"), ts, fresh))
	return nil
}

func (h *Pages) addToken(w http.ResponseWriter, r *http.Request) error {
	t, err := h.tokens.Create(r.Context(), strings.TrimSpace(r.PostFormValue("description")))
	if err != nil {
		return err
	}
	// Not a redirect: the token is shown this once and never again.
	return h.renderTokens(w, r, http.StatusCreated, t.Token)
}

func (h *Pages) deleteToken(w http.ResponseWriter, r *http.Request) error {
	id, err := strconv.ParseInt(chi.URLParam(r, "id"), 10, 64)
	if err != nil {
		return errs.NotFoundf("Not found")
	}
	if err := h.tokens.Delete(r.Context(), id); err != nil {
		return err
	}
	web.Notice(w, r, "/admin/api_tokens", "Token revoked: clients using it are refused from now on.")
	return nil
}

// accountView is the account settings page.
type accountView struct {
	Name, Subdomain, Support string
	SecureDownloads          bool
	Problem                  string
}

func (h *Pages) accountPage(w http.ResponseWriter, r *http.Request) error {
	if err := admin(r.Context()); err != nil {
		return err
	}
	a, err := h.accounts.Current(r.Context())
	if err != nil {
		return err
	}
	return h.renderAccount(w, r, http.StatusOK, accountView{Name: a.Name, Subdomain: a.Subdomain,
		SecureDownloads: a.Settings.SecureUploads})
}

func (h *Pages) renderAccount(w http.ResponseWriter, r *http.Request, status int, v accountView) error {
	v.Support = h.supportAddress(v.Subdomain)
	web.Render(w, r, status, AccountPage(web.NewPage(r, "Account", "admin"), v))
	return nil
}

func (h *Pages) saveAccount(w http.ResponseWriter, r *http.Request) error {
	v := accountView{Name: r.PostFormValue("name"), Subdomain: r.PostFormValue("subdomain"),
		SecureDownloads: r.PostFormValue("secure_downloads") == "on"}
	a, err := h.accounts.Update(r.Context(), account.Patch{Name: &v.Name, Subdomain: &v.Subdomain,
		Settings: func(st *account.Settings) error {
			st.SecureUploads = v.SecureDownloads
			return nil
		}})
	if errs.Is(err, errs.Invalid) {
		v.Problem = web.Message(err)
		return h.renderAccount(w, r, http.StatusUnprocessableEntity, v)
	}
	if err != nil {
		return err
	}
	if t, ok := auth.TenantFrom(r.Context()); ok && t.Subdomain != a.Subdomain {
		// The help desk moved: this address no longer reaches it.
		web.Render(w, r, http.StatusOK, Moved(web.NewPage(r, "Account", "admin"), h.address(r, a.Subdomain)))
		return nil
	}
	web.Notice(w, r, "/admin/account", "Account saved.")
	return nil
}
