package adminui

import (
	"context"
	"net/http"
	"strconv"
	"strings"

	"parley/internal/auth"
	"parley/internal/platform/errs"
	"parley/internal/platform/opt"
	"parley/internal/user"
	"parley/internal/web"
)

// Roles manages custom agent roles (the user room).
type Roles interface {
	ListCustomRoles(ctx context.Context) ([]user.CustomRole, error)
	CustomRoleNames(ctx context.Context) ([]user.CustomRole, error)
	GetCustomRole(ctx context.Context, id int64) (user.CustomRole, error)
	CreateCustomRole(ctx context.Context, in user.RoleInput) (user.CustomRole, error)
	UpdateCustomRole(ctx context.Context, id int64, in user.RoleInput) (user.CustomRole, error)
}

func (h *Pages) rolesPage(w http.ResponseWriter, r *http.Request) error {
	if err := admin(r.Context()); err != nil {
		return err
	}
	rs, err := h.roles.ListCustomRoles(r.Context())
	if err != nil {
		return err
	}
	web.Render(w, r, http.StatusOK, RolesPage(web.NewPage(r, "Roles", "admin"), rs))
	return nil
}

// settingRow is one permission of the role editor with its value.
type settingRow struct {
	user.RoleSetting
	Value string // the choice, or "true"/"false" for a switch
}

// roleForm is the custom role editor: what is stored or was typed.
type roleForm struct {
	ID                int64 // 0 for a new role
	Name, Description string
	Settings          []settingRow
	Problem           string
}

func (f roleForm) action() string {
	if f.ID == 0 {
		return "/admin/roles"
	}
	return "/admin/roles/" + strconv.FormatInt(f.ID, 10)
}

// settingRows shows cfg; a setting it lacks starts at its first choice
// (or off).
func settingRows(cfg map[string]any) []settingRow {
	out := make([]settingRow, 0, len(user.RoleSettings))
	for _, s := range user.RoleSettings {
		row := settingRow{RoleSetting: s, Value: "false"}
		if s.Values != nil {
			row.Value = s.Values[0]
		}
		if v, ok := cfg[s.Key]; ok {
			row.Value = rowValue(v)
		}
		out = append(out, row)
	}
	return out
}

func (h *Pages) newRole(w http.ResponseWriter, r *http.Request) error {
	return h.renderRole(w, r, http.StatusOK, roleForm{Settings: settingRows(nil)})
}

func (h *Pages) editRole(w http.ResponseWriter, r *http.Request) error {
	if err := admin(r.Context()); err != nil {
		return err
	}
	id, err := pathID(r)
	if err != nil {
		return err
	}
	ro, err := h.roles.GetCustomRole(r.Context(), id)
	if err != nil {
		return err
	}
	return h.renderRole(w, r, http.StatusOK, roleForm{ID: ro.ID, Name: ro.Name, Description: ro.Description,
		Settings: settingRows(ro.Configuration)})
}

func (h *Pages) renderRole(w http.ResponseWriter, r *http.Request, status int, f roleForm) error {
	if err := admin(r.Context()); err != nil {
		return err
	}
	title := "New role"
	if f.ID != 0 {
		title = "Edit role"
	}
	web.Render(w, r, status, RoleForm(web.NewPage(r, title, "admin"), f))
	return nil
}

func (h *Pages) createRole(w http.ResponseWriter, r *http.Request) error { return h.saveRole(w, r, 0) }

func (h *Pages) updateRole(w http.ResponseWriter, r *http.Request) error {
	id, err := pathID(r)
	if err != nil {
		return err
	}
	return h.saveRole(w, r, id)
}

// saveRole creates (id 0) or changes a custom role; refused input shows
// the editor again as typed.
func (h *Pages) saveRole(w http.ResponseWriter, r *http.Request, id int64) error {
	if err := admin(r.Context()); err != nil {
		return err
	}
	if err := r.ParseForm(); err != nil {
		return errs.Wrap(errs.BadRequest, "The form could not be read", err)
	}
	f := roleForm{ID: id, Name: r.PostFormValue("name"), Description: r.PostFormValue("description")}
	cfg := map[string]any{}
	for _, s := range user.RoleSettings {
		row := settingRow{RoleSetting: s, Value: r.PostFormValue(s.Key)}
		if s.Values == nil {
			row.Value = strconv.FormatBool(row.Value == "on")
			cfg[s.Key] = row.Value == "true"
		} else {
			cfg[s.Key] = row.Value
		}
		f.Settings = append(f.Settings, row)
	}
	in := user.RoleInput{Name: opt.Of(f.Name), Description: opt.Of(f.Description), Configuration: opt.Of(cfg)}
	var ro user.CustomRole
	var err error
	if id == 0 {
		ro, err = h.roles.CreateCustomRole(r.Context(), in)
	} else {
		ro, err = h.roles.UpdateCustomRole(r.Context(), id, in)
	}
	if errs.Is(err, errs.Invalid) {
		f.Problem = web.Message(err)
		return h.renderRole(w, r, http.StatusUnprocessableEntity, f)
	}
	if err != nil {
		return err
	}
	web.Notice(w, r, "/admin/roles", "Role “"+ro.Name+"” saved.")
	return nil
}

// roleChoice is a person's role as the people page's picker names it:
// admin, agent, or role:<custom role id>.
func roleChoice(u user.User) string {
	if u.Role == auth.RoleAgent && u.CustomRoleID != nil {
		return "role:" + strconv.FormatInt(*u.CustomRoleID, 10)
	}
	return string(u.Role)
}

// setRole gives an agent or admin another role from the people page.
func (h *Pages) setRole(w http.ResponseWriter, r *http.Request) error {
	if err := admin(r.Context()); err != nil {
		return err
	}
	id, err := pathID(r)
	if err != nil {
		return err
	}
	pick := r.PostFormValue("role")
	in := user.Input{Role: opt.Of(pick), CustomRoleID: opt.Opt[int64]{Set: true, Null: true}}
	if rest, ok := strings.CutPrefix(pick, "role:"); ok {
		rid, err := strconv.ParseInt(rest, 10, 64)
		if err != nil {
			return errs.E(errs.BadRequest, "Pick a role from the list")
		}
		in.Role, in.CustomRoleID = opt.Of(string(auth.RoleAgent)), opt.Of(rid)
	}
	u, err := h.people.UpdateUser(r.Context(), id, in)
	if errs.Is(err, errs.Invalid) {
		return h.renderPeople(w, r, http.StatusUnprocessableEntity, peopleView{Role: "agent", Problem: web.Message(err)})
	}
	if err != nil {
		return err
	}
	web.Notice(w, r, peopleBack(r), u.Name+"'s role is saved.")
	return nil
}
