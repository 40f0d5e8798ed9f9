package adminui

import (
	"context"
	"net/http"
	"net/url"
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
	FindPeople(ctx context.Context, roles []auth.Role, prefix string, p db.Page) ([]user.User, bool, error)
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

// peoplePerPage is how many people one page of the people list shows:
// an account may have hundreds of thousands of end users.
const peoplePerPage = 50

// roleTab is one role filter of the people list.
type roleTab struct{ Role, Label string }

// roleTabs are the people list's role filters; "" is the team (agents
// and admins).
func roleTabs() []roleTab {
	return []roleTab{{"", "Agents and admins"}, {"agent", "Agents"}, {"admin", "Admins"}, {"end-user", "End users"}}
}

// tabRoles are the roles a filter lists.
func tabRoles(tab string) []auth.Role {
	switch tab {
	case "agent":
		return []auth.Role{auth.RoleAgent}
	case "admin":
		return []auth.Role{auth.RoleAdmin}
	case "end-user":
		return []auth.Role{auth.RoleEndUser}
	}
	return []auth.Role{auth.RoleAgent, auth.RoleAdmin}
}

// peopleView is the people page: one page of a role's people (by name),
// optionally narrowed by a search, and the add form.
type peopleView struct {
	Tab     string
	Query   string
	People  []user.User
	Roles   []user.CustomRole // the custom roles an agent can be given
	Prev    string            // the previous page's address ("" on the first)
	Next    string            // the next page's address ("" on the last)
	Here    string            // this page's address, where the row buttons come back to
	Problem string
	Name    string
	Email   string
	Role    string
}

func (h *Pages) peoplePage(w http.ResponseWriter, r *http.Request) error {
	return h.renderPeople(w, r, http.StatusOK, peopleView{Role: "agent"})
}

// peopleURL is the list's address for a filter, a search and a position.
func peopleURL(tab, query string, cursor url.Values) string {
	q := url.Values{}
	if tab != "" {
		q.Set("role", tab)
	}
	if query != "" {
		q.Set("q", query)
	}
	for k, v := range cursor {
		q[k] = v
	}
	if len(q) == 0 {
		return "/admin/people"
	}
	return "/admin/people?" + q.Encode()
}

// cursor is a page edge as the list's links carry it.
func cursor(u user.User, before bool) url.Values {
	v := url.Values{"after_id": {strconv.FormatInt(u.ID, 10)}, "after_name": {u.Name}}
	if before {
		v.Set("before", "1")
	}
	return v
}

// renderPeople lists one page of people by name, walking by keyset (the
// name and id of the last row seen) so no page counts or skips the
// account's users.
func (h *Pages) renderPeople(w http.ResponseWriter, r *http.Request, status int, v peopleView) error {
	if err := admin(r.Context()); err != nil {
		return err
	}
	q := r.URL.Query()
	v.Tab, v.Query = q.Get("role"), strings.TrimSpace(q.Get("q"))
	roles := tabRoles(v.Tab)
	if len(roles) != 1 || roles[0] != auth.Role(v.Tab) {
		v.Tab = ""
	}
	// End users are many: their pages (searched or not) read the name
	// index in order. The team is few: sorted, so the database reads it by
	// role instead of walking every user by name (the expression keeps
	// the name index from being chosen for the order).
	p := db.Page{Limit: peoplePerPage, Keyset: true, Sort: "(u.name || '')"}
	if v.Tab == "end-user" {
		p.Sort = "name"
	}
	if id, err := strconv.ParseInt(q.Get("after_id"), 10, 64); err == nil && id > 0 {
		p.After, p.Before = &db.Key{V: q.Get("after_name"), ID: id}, q.Get("before") == "1"
	}
	var us []user.User
	var more bool
	var err error
	if v.Query != "" {
		us, more, err = h.people.FindPeople(r.Context(), roles, v.Query, p)
	} else {
		us, _, more, err = h.people.ListUsers(r.Context(), user.Filter{Roles: roles}, p)
	}
	if err != nil {
		return err
	}
	v.People = us
	if len(us) > 0 {
		if (p.Before && more) || (!p.Before && p.After != nil) {
			v.Prev = peopleURL(v.Tab, v.Query, cursor(us[0], true))
		}
		if (!p.Before && more) || p.Before {
			v.Next = peopleURL(v.Tab, v.Query, cursor(us[len(us)-1], false))
		}
	}
	v.Here = r.URL.RequestURI()
	if r.Method != http.MethodGet || !strings.HasPrefix(v.Here, "/admin/people") {
		v.Here = peopleURL(v.Tab, v.Query, nil)
	}
	if v.Tab != "end-user" {
		if v.Roles, err = h.roles.CustomRoleNames(r.Context()); err != nil {
			return err
		}
	}
	web.Render(w, r, status, PeoplePage(web.NewPage(r, "People", "admin"), v))
	return nil
}

// peopleBack is where a row button returns: the list page it was on.
func peopleBack(r *http.Request) string {
	back := r.PostFormValue("return_to")
	if back != "/admin/people" && !strings.HasPrefix(back, "/admin/people?") {
		return "/admin/people"
	}
	return back
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
	web.Notice(w, r, peopleBack(r), msg)
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
