// Package agentui is the agent workspace in the browser: sign-in and
// sign-out, password reset by email, and the workspace itself. Pages are
// server-rendered templ components; every form carries the session's CSRF
// token.
package agentui

import (
	"context"
	"net/http"
	"strings"

	"github.com/go-chi/chi/v5"

	"parley/internal/auth"
	"parley/internal/platform/db"
	"parley/internal/platform/errs"
	"parley/internal/platform/httpx"
	"parley/internal/rule/view"
	"parley/internal/share"
	"parley/internal/web"
)

// Passwords sets a user's password (the user room).
type Passwords interface {
	SetPassword(ctx context.Context, id int64, password, previous string, self bool) error
}

// Mailer sends a user a message (the notify room).
type Mailer interface {
	MailUser(ctx context.Context, accountID, userID int64, subject, text string) error
}

// Views lists, counts and runs the views an agent sees (the view room).
type Views interface {
	List(ctx context.Context, f view.Filter, p db.Page) ([]view.View, int64, bool, error)
	CountMany(ctx context.Context, ids []int64) ([]view.View, []int64, error)
	Page(ctx context.Context, id int64, page, perPage int, o view.Order) (view.View, view.Result, error)
}

// Sharing lists the account's sharing agreements (the share room).
type Sharing interface {
	List(ctx context.Context) ([]share.Agreement, error)
}

// Deps are the rooms the workspace stands on.
type Deps struct {
	Sessions  *auth.Sessions
	Passwords Passwords
	Mail      Mailer
	Views     Views
	Tickets   Tickets
	People    People
	Macros    Macros
	Live      Live
	Viewers   *Viewers
	Search    Search
	Directory Directory
	Lists     TicketLists
	Bulk      Bulk
	Sharing   Sharing
	Forms     Forms
	// InTx runs fn in one database transaction.
	InTx func(ctx context.Context, fn func(ctx context.Context) error) error
}

// Pages serves /agent and the end users' landing at /hc.
type Pages struct {
	sessions    *auth.Sessions
	passwords   Passwords
	mail        Mailer
	views       Views
	tickets     Tickets
	people      People
	macros      Macros
	live        Live
	viewers     *Viewers
	searcher    Search
	directory   Directory
	ticketLists TicketLists
	bulk        Bulk
	sharing     Sharing
	forms       Forms
	inTx        func(ctx context.Context, fn func(ctx context.Context) error) error
}

// New builds the agent pages.
func New(d Deps) *Pages {
	return &Pages{sessions: d.Sessions, passwords: d.Passwords, mail: d.Mail, views: d.Views, tickets: d.Tickets,
		people: d.People, macros: d.Macros, live: d.Live, viewers: d.Viewers,
		searcher: d.Search, directory: d.Directory, ticketLists: d.Lists, bulk: d.Bulk, sharing: d.Sharing,
		forms: d.Forms, inTx: d.InTx}
}

// Routes registers the pages (the caller adds tenant, session and CSRF
// middleware).
func (h *Pages) Routes(r chi.Router) {
	r.Get("/agent/sign_in", web.H(h.signInForm))
	r.Post("/agent/sign_in", web.H(h.signIn))
	r.Post("/agent/sign_out", web.H(h.signOut))
	r.Get("/agent/password_reset", web.H(h.resetForm))
	r.Post("/agent/password_reset", web.H(h.resetRequest))
	r.Get("/agent/password_reset/{token}", web.H(h.newPasswordForm))
	r.Post("/agent/password_reset/{token}", web.H(h.newPassword))
	r.Get("/agent", web.H(h.home))
	r.Get("/agent/views/{id}", web.H(h.viewTickets))
	r.Post("/agent/views/{id}/bulk", web.H(h.bulkEdit))
	r.Post("/agent/tickets/{id}/merge", web.H(h.merge))
	r.Get("/agent/tickets/new", web.H(h.newTicketForm))
	r.Get("/agent/tickets/new/fields", web.H(h.newTicketFields))
	r.Post("/agent/tickets", web.H(h.createTicket))
	r.Get("/agent/tickets/{id}", web.H(h.ticketPage))
	r.Post("/agent/tickets/{id}", web.H(h.updateTicket))
	r.Get("/agent/tickets/{id}/panels", web.H(h.ticketPanels))
	r.Get("/agent/tickets/{id}/events", web.H(h.events))
	r.Get("/agent/attachments/{id}/{name}", web.H(h.download))
	r.Get("/agent/view_counts", web.H(h.viewCounts))
	r.Get("/agent/search", web.H(h.search))
	r.Get("/agent/users/{id}", web.H(h.userPage))
	r.Get("/agent/organizations/{id}", web.H(h.organizationPage))
	r.Get("/hc", web.H(h.helpCenter))
}

// localPath keeps return_to on this site: a path, never another host.
func localPath(p string) string {
	if !strings.HasPrefix(p, "/") || strings.HasPrefix(p, "//") || strings.HasPrefix(p, "/\\") || strings.Contains(p, "\n") {
		return ""
	}
	return p
}

func (h *Pages) signInForm(w http.ResponseWriter, r *http.Request) error {
	a := auth.ActorFrom(r.Context())
	if !a.Anonymous() {
		http.Redirect(w, r, landing(a, localPath(r.URL.Query().Get("return_to"))), http.StatusSeeOther)
		return nil
	}
	p := web.NewPage(r, "Sign in", "")
	web.Render(w, r, http.StatusOK, SignIn(p, "", localPath(r.URL.Query().Get("return_to"))))
	return nil
}

// landing is where a signed-in person goes: end users to the help center,
// agents where they were going or to the workspace.
func landing(a auth.Actor, returnTo string) string {
	if !a.IsAgent() {
		return "/hc"
	}
	if returnTo != "" {
		return returnTo
	}
	return "/agent"
}

func (h *Pages) signIn(w http.ResponseWriter, r *http.Request) error {
	t, err := auth.RequireTenant(r.Context())
	if err != nil {
		return err
	}
	email, returnTo := r.PostFormValue("email"), localPath(r.PostFormValue("return_to"))
	token, a, err := h.sessions.SignIn(r.Context(), t.ID, email, r.PostFormValue("password"))
	if k := errs.KindOf(err); k == errs.Unauthenticated || k == errs.RateLimited {
		p := web.NewPage(r, "Sign in", "")
		p.Error = web.Message(err)
		status := http.StatusUnauthorized
		if k == errs.RateLimited {
			status = http.StatusTooManyRequests
		}
		web.Render(w, r, status, SignIn(p, email, returnTo))
		return nil
	}
	if err != nil {
		return err
	}
	auth.SetCookie(w, r, token, web.Secure(r))
	http.Redirect(w, r, landing(a, returnTo), http.StatusSeeOther)
	return nil
}

func (h *Pages) signOut(w http.ResponseWriter, r *http.Request) error {
	if c, err := r.Cookie(auth.CookieName); err == nil {
		if t, ok := auth.TenantFrom(r.Context()); ok {
			if err := h.sessions.End(r.Context(), t.ID, c.Value); err != nil {
				return err
			}
		}
	}
	auth.ClearCookie(w, r)
	web.Notice(w, r, "/agent/sign_in", "You are signed out.")
	return nil
}

func (h *Pages) resetForm(w http.ResponseWriter, r *http.Request) error {
	web.Render(w, r, http.StatusOK, ResetRequest(web.NewPage(r, "Reset your password", ""), false))
	return nil
}

// resetRequest mails a reset link; the answer is the same whether the
// address exists or not.
func (h *Pages) resetRequest(w http.ResponseWriter, r *http.Request) error {
	t, err := auth.RequireTenant(r.Context())
	if err != nil {
		return err
	}
	err = h.inTx(r.Context(), func(ctx context.Context) error {
		token, userID, ok, err := h.sessions.StartReset(ctx, t.ID, r.PostFormValue("email"))
		if err != nil || !ok {
			return err
		}
		link := strings.TrimSuffix(httpx.BaseURL(ctx), "/") + "/agent/password_reset/" + token
		return h.mail.MailUser(ctx, t.ID, userID, "Reset your "+t.Name+" password",
			"Someone asked to reset the password of your "+t.Name+" account.\n\nTo choose a new password, open this link within an hour:\n"+
				link+"\n\nIf it was not you, ignore this message; your password stays as it is.")
	})
	if err != nil {
		return err
	}
	web.Render(w, r, http.StatusOK, ResetRequest(web.NewPage(r, "Reset your password", ""), true))
	return nil
}

func (h *Pages) newPasswordForm(w http.ResponseWriter, r *http.Request) error {
	t, err := auth.RequireTenant(r.Context())
	if err != nil {
		return err
	}
	if _, err := h.sessions.CheckReset(r.Context(), t.ID, chi.URLParam(r, "token")); err != nil {
		return err
	}
	web.Render(w, r, http.StatusOK, NewPassword(web.NewPage(r, "Choose a new password", ""), chi.URLParam(r, "token")))
	return nil
}

func (h *Pages) newPassword(w http.ResponseWriter, r *http.Request) error {
	t, err := auth.RequireTenant(r.Context())
	if err != nil {
		return err
	}
	token := chi.URLParam(r, "token")
	userID, err := h.sessions.CheckReset(r.Context(), t.ID, token)
	if err != nil {
		return err
	}
	password := r.PostFormValue("password")
	if password != r.PostFormValue("password_confirmation") {
		p := web.NewPage(r, "Choose a new password", "")
		p.Error = "The two passwords are not the same."
		web.Render(w, r, http.StatusUnprocessableEntity, NewPassword(p, token))
		return nil
	}
	sys := auth.System(r.Context(), auth.Actor{AccountID: t.ID, UserID: -1, Role: auth.RoleAdmin})
	err = h.inTx(sys, func(ctx context.Context) error {
		if err := h.passwords.SetPassword(ctx, userID, password, "", false); err != nil {
			return err
		}
		return h.sessions.UseReset(ctx, t.ID, token, userID)
	})
	if errs.Is(err, errs.Invalid) {
		p := web.NewPage(r, "Choose a new password", "")
		p.Error = web.Message(err)
		web.Render(w, r, http.StatusUnprocessableEntity, NewPassword(p, token))
		return nil
	}
	if err != nil {
		return err
	}
	web.Notice(w, r, "/agent/sign_in", "Your password is changed. Sign in with it.")
	return nil
}

// viewCount is one line of the views sidebar.
type viewCount struct {
	ID    int64
	Title string
	Count int64
}

func (h *Pages) home(w http.ResponseWriter, r *http.Request) error {
	a, err := auth.RequireUser(r.Context())
	if err != nil {
		return err
	}
	if !a.IsAgent() {
		http.Redirect(w, r, "/hc", http.StatusSeeOther)
		return nil
	}
	side, err := h.sidebar(r.Context())
	if err != nil {
		return err
	}
	web.Render(w, r, http.StatusOK, Home(web.NewPage(r, "Workspace", "agent"), side))
	return nil
}

func (h *Pages) helpCenter(w http.ResponseWriter, r *http.Request) error {
	if _, err := auth.RequireUser(r.Context()); err != nil {
		return err
	}
	web.Render(w, r, http.StatusOK, HelpCenter(web.NewPage(r, "Help center", "")))
	return nil
}
