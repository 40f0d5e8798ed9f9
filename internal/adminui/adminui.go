// Package adminui is the admin center in the browser: the ticket sharing
// page (seed 003: every agreement with its status and terms, invitations,
// accept, decline and deactivate, declining all invitations), triggers and
// automations (a list, and a condition/action builder driven by the
// definitions), people, groups, ticket statuses, API tokens and the account. Each page acts through the same services as the API, so
// permissions and validation are the API's.
package adminui

import (
	"context"
	"net/http"
	"strconv"
	"strings"

	"github.com/go-chi/chi/v5"

	"parley/internal/account"
	"parley/internal/auth"
	"parley/internal/platform/errs"
	"parley/internal/platform/httpx"
	"parley/internal/share"
	"parley/internal/web"
)

// Sharing is the sharing room as the admin center uses it.
type Sharing interface {
	List(ctx context.Context) ([]share.Agreement, error)
	Create(ctx context.Context, in share.CreateInput) (share.Agreement, error)
	SetStatus(ctx context.Context, id int64, status string) (share.Agreement, error)
}

// Accounts reads and changes the admin's account settings.
type Accounts interface {
	Current(ctx context.Context) (account.Account, error)
	Update(ctx context.Context, p account.Patch) (account.Account, error)
}

// Deps are the rooms the admin center stands on.
type Deps struct {
	Sharing  Sharing
	Accounts Accounts
	Triggers Triggers
	People   People
	Tokens   Tokens
	Statuses Statuses
	Views    Views
	Macros   Macros
	Fields   Fields
	Forms    Forms
	Orgs     Orgs
	Webhooks Webhooks
	Roles    Roles
	Catalogs Catalogs
	// SupportAddress is an account's support email address.
	SupportAddress func(subdomain string) string
	// Address is where an account's pages are, for after a rename.
	Address func(r *http.Request, subdomain string) string
}

// Pages serves /admin.
type Pages struct {
	sharing        Sharing
	accounts       Accounts
	triggers       Triggers
	people         People
	tokens         Tokens
	statuses       Statuses
	views          Views
	macros         Macros
	fields         Fields
	forms          Forms
	orgs           Orgs
	webhooks       Webhooks
	roles          Roles
	catalogs       Catalogs
	supportAddress func(string) string
	address        func(*http.Request, string) string
}

// New builds the admin center.
func New(d Deps) *Pages {
	return &Pages{sharing: d.Sharing, accounts: d.Accounts, triggers: d.Triggers, people: d.People, tokens: d.Tokens, statuses: d.Statuses,
		views: d.Views, macros: d.Macros, fields: d.Fields, forms: d.Forms, orgs: d.Orgs, webhooks: d.Webhooks, roles: d.Roles, catalogs: d.Catalogs, supportAddress: d.SupportAddress, address: d.Address}
}

// Routes registers the pages (the caller adds tenant, session and CSRF
// middleware).
func (h *Pages) Routes(r chi.Router) {
	r.Get("/admin", web.H(h.home))
	r.Get("/admin/sharing", web.H(h.sharingPage))
	r.Post("/admin/sharing/invitations", web.H(h.invite))
	r.Post("/admin/sharing/{id}/status", web.H(h.setStatus))
	r.Post("/admin/sharing/settings", web.H(h.settings))
	h.ruleRoutes(r, triggerKind)
	h.ruleRoutes(r, automationKind)
	r.Post("/admin/trigger_categories", web.H(h.addCategory))
	r.Post("/admin/trigger_categories/{id}/delete", web.H(h.deleteCategory))
	r.Get("/admin/people", web.H(h.peoplePage))
	r.Post("/admin/people", web.H(h.addPerson))
	r.Post("/admin/people/{id}/suspension", web.H(h.suspend))
	r.Get("/admin/groups", web.H(h.groupsPage))
	r.Post("/admin/groups", web.H(h.addGroup))
	r.Get("/admin/api_tokens", web.H(h.tokensPage))
	r.Post("/admin/api_tokens", web.H(h.addToken))
	r.Post("/admin/api_tokens/{id}/delete", web.H(h.deleteToken))
	r.Get("/admin/statuses", web.H(h.statusesPage))
	r.Post("/admin/statuses", web.H(h.addStatus))
	r.Post("/admin/statuses/{id}/active", web.H(h.setStatusActive))
	r.Get("/admin/views", web.H(h.viewsPage))
	r.Get("/admin/views/new", web.H(h.newView))
	r.Post("/admin/views", web.H(h.createView))
	r.Get("/admin/views/{id}", web.H(h.editView))
	r.Post("/admin/views/{id}", web.H(h.updateView))
	r.Post("/admin/views/{id}/active", web.H(h.setViewActive))
	r.Post("/admin/views/{id}/delete", web.H(h.deleteView))
	r.Get("/admin/macros", web.H(h.macrosPage))
	r.Get("/admin/macros/new", web.H(h.newMacro))
	r.Post("/admin/macros", web.H(h.createMacro))
	r.Get("/admin/macros/{id}", web.H(h.editMacro))
	r.Post("/admin/macros/{id}", web.H(h.updateMacro))
	r.Post("/admin/macros/{id}/active", web.H(h.setMacroActive))
	r.Post("/admin/macros/{id}/delete", web.H(h.deleteMacro))
	r.Get("/admin/ticket_fields", web.H(h.fieldsPage))
	r.Get("/admin/ticket_fields/new", web.H(h.newField))
	r.Post("/admin/ticket_fields", web.H(h.createField))
	r.Get("/admin/ticket_fields/{id}", web.H(h.editField))
	r.Post("/admin/ticket_fields/{id}", web.H(h.updateField))
	r.Post("/admin/ticket_fields/{id}/active", web.H(h.setFieldActive))
	r.Get("/admin/ticket_forms", web.H(h.formsPage))
	r.Get("/admin/ticket_forms/new", web.H(h.newForm))
	r.Post("/admin/ticket_forms", web.H(h.createForm))
	r.Get("/admin/ticket_forms/{id}", web.H(h.editForm))
	r.Post("/admin/ticket_forms/{id}", web.H(h.updateForm))
	r.Post("/admin/ticket_forms/{id}/delete", web.H(h.deleteForm))
	r.Get("/admin/organizations", web.H(h.orgsPage))
	r.Get("/admin/organizations/new", web.H(h.newOrg))
	r.Post("/admin/organizations", web.H(h.createOrg))
	r.Get("/admin/organizations/{id}", web.H(h.editOrg))
	r.Post("/admin/organizations/{id}", web.H(h.updateOrg))
	r.Post("/admin/organizations/{id}/delete", web.H(h.deleteOrg))
	r.Get("/admin/webhooks", web.H(h.webhooksPage))
	r.Get("/admin/webhooks/new", web.H(h.newWebhook))
	r.Post("/admin/webhooks", web.H(h.createWebhook))
	r.Get("/admin/webhooks/{id}", web.H(h.editWebhook))
	r.Post("/admin/webhooks/{id}", web.H(h.updateWebhook))
	r.Post("/admin/webhooks/{id}/secret", web.H(h.revealSecret))
	r.Post("/admin/webhooks/{id}/test", web.H(h.testWebhook))
	r.Post("/admin/webhooks/{id}/active", web.H(h.setWebhookActive))
	r.Post("/admin/webhooks/{id}/delete", web.H(h.deleteWebhook))
	r.Get("/admin/roles", web.H(h.rolesPage))
	r.Get("/admin/roles/new", web.H(h.newRole))
	r.Post("/admin/roles", web.H(h.createRole))
	r.Get("/admin/roles/{id}", web.H(h.editRole))
	r.Post("/admin/roles/{id}", web.H(h.updateRole))
	r.Post("/admin/people/{id}/role", web.H(h.setRole))
	r.Get("/admin/account", web.H(h.accountPage))
	r.Post("/admin/account", web.H(h.saveAccount))
}

// pathID is the {id} of the path (NotFound when it is not an id).
func pathID(r *http.Request) (int64, error) {
	id, err := strconv.ParseInt(chi.URLParam(r, "id"), 10, 64)
	if err != nil || id <= 0 {
		return 0, errs.NotFoundf("Not found")
	}
	return id, nil
}

func admin(ctx context.Context) error {
	_, err := auth.RequireAdmin(ctx)
	return err
}

func (h *Pages) home(w http.ResponseWriter, r *http.Request) error {
	if err := admin(r.Context()); err != nil {
		return err
	}
	web.Render(w, r, http.StatusOK, Home(web.NewPage(r, "Admin center", "admin")))
	return nil
}

// sharingView is what the sharing page shows.
type sharingView struct {
	Agreements  []share.Agreement
	DeclineAll  bool
	Form        inviteForm
	FormProblem string
}

// inviteForm keeps what the admin typed when an invitation is refused.
type inviteForm struct {
	Kind, Subdomain, URL, Comments, Tags, Fields string
	Parley                                       bool
}

func (h *Pages) sharingPage(w http.ResponseWriter, r *http.Request) error {
	return h.renderSharing(w, r, http.StatusOK, inviteForm{Kind: "account", Comments: "public", Tags: "no", Fields: "no"}, "")
}

func (h *Pages) renderSharing(w http.ResponseWriter, r *http.Request, status int, f inviteForm, problem string) error {
	if err := admin(r.Context()); err != nil {
		return err
	}
	ags, err := h.sharing.List(r.Context())
	if err != nil {
		return err
	}
	acct, err := h.accounts.Current(r.Context())
	if err != nil {
		return err
	}
	shown := ags[:0:0]
	for _, a := range ags {
		if !a.AutoDeclined {
			shown = append(shown, a)
		}
	}
	p := web.NewPage(r, "Ticket sharing", "admin")
	web.Render(w, r, status, SharingPage(p, sharingView{Agreements: shown,
		DeclineAll: acct.Settings.TicketSharing.DeclineInvitations, Form: f, FormProblem: problem}))
	return nil
}

func (h *Pages) invite(w http.ResponseWriter, r *http.Request) error {
	if err := admin(r.Context()); err != nil {
		return err
	}
	f := inviteForm{Kind: r.PostFormValue("kind"), Subdomain: r.PostFormValue("remote_subdomain"),
		URL: r.PostFormValue("remote_url"), Comments: r.PostFormValue("comments"), Tags: r.PostFormValue("sync_tags"),
		Fields: r.PostFormValue("sync_custom_fields"), Parley: r.PostFormValue("partner_parley") == "on"}
	in := share.CreateInput{Terms: share.Terms{AllowsPublicComments: f.Comments != "private", SyncTags: f.Tags == "yes",
		SyncCustomFields: f.Fields == "yes"}, LocalURL: strings.TrimSuffix(httpx.BaseURL(r.Context()), "/") + "/sharing"}
	if f.Kind == "url" {
		in.RemoteURL = f.URL
		if f.Parley {
			in.PartnerName = "parley"
		}
	} else {
		in.RemoteSubdomain = f.Subdomain
	}
	a, err := h.sharing.Create(r.Context(), in)
	if errs.Is(err, errs.Invalid) {
		return h.renderSharing(w, r, http.StatusUnprocessableEntity, f, web.Message(err))
	}
	if err != nil {
		return err
	}
	web.Notice(w, r, "/admin/sharing", "Invitation sent to "+a.Name+".")
	return nil
}

func (h *Pages) setStatus(w http.ResponseWriter, r *http.Request) error {
	id, err := strconv.ParseInt(chi.URLParam(r, "id"), 10, 64)
	if err != nil {
		return errs.NotFoundf("Not found")
	}
	status := r.PostFormValue("status")
	a, err := h.sharing.SetStatus(r.Context(), id, status)
	if errs.Is(err, errs.Invalid) {
		return h.renderSharing(w, r, http.StatusUnprocessableEntity, inviteForm{Kind: "account", Comments: "public",
			Tags: "no", Fields: "no"}, web.Message(err))
	}
	if err != nil {
		return err
	}
	done := map[string]string{share.StatusAccepted: "accepted", share.StatusDeclined: "declined",
		share.StatusInactive: "deactivated"}[a.Status]
	web.Notice(w, r, "/admin/sharing", "The agreement with "+a.Name+" is "+done+".")
	return nil
}

func (h *Pages) settings(w http.ResponseWriter, r *http.Request) error {
	decline := r.PostFormValue("decline_invitations") == "on"
	_, err := h.accounts.Update(r.Context(), account.Patch{Settings: func(st *account.Settings) error {
		st.TicketSharing.DeclineInvitations = decline
		return nil
	}})
	if err != nil {
		return err
	}
	msg := "Sharing invitations reach you again."
	if decline {
		msg = "Every sharing invitation is now declined."
	}
	web.Notice(w, r, "/admin/sharing", msg)
	return nil
}
