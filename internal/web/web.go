// Package web is what every HTML surface shares: the page layout, the
// embedded static files (htmx 2.0.11, the stylesheet, a little script)
// and how a page answers errors. Pages are templ components rendered on
// the server; nothing is fetched from a CDN.
package web

import (
	"embed"
	"errors"
	"io/fs"
	"net/http"
	"net/url"
	"strings"

	"github.com/a-h/templ"

	"parley/internal/auth"
	"parley/internal/platform/errs"
	"parley/internal/platform/httpx"
)

//go:embed static
var static embed.FS

// Static serves /static/* (immutable names, cached for a day).
func Static() http.Handler {
	sub, err := fs.Sub(static, "static")
	if err != nil {
		panic(err) // the embedded folder exists at build time
	}
	files := http.StripPrefix("/static/", http.FileServer(http.FS(sub)))
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Cache-Control", "public, max-age=86400")
		w.Header().Set("X-Content-Type-Options", "nosniff")
		files.ServeHTTP(w, r)
	})
}

// Page is what the layout needs to know about the page and its viewer.
type Page struct {
	Title   string
	Section string // "agent" or "admin": the active top link
	Account string
	User    string
	Agent   bool
	Admin   bool
	CSRF    string
	Notice  string
	Error   string
}

// NewPage fills the viewer's part of a page from the request.
func NewPage(r *http.Request, title, section string) Page {
	p := Page{Title: title, Section: section}
	if c, err := r.Cookie(noticeCookie); err == nil {
		p.Notice, _ = url.QueryUnescape(c.Value)
	}
	if t, ok := auth.TenantFrom(r.Context()); ok {
		p.Account = t.Name
	}
	a := auth.ActorFrom(r.Context())
	if !a.Anonymous() {
		p.User, p.Agent, p.Admin = a.Name, a.IsAgent(), a.IsAdmin()
	}
	if s, ok := auth.SessionFrom(r.Context()); ok {
		p.CSRF = s.CSRF
	}
	return p
}

// Render writes a component as a full HTML page with status.
func Render(w http.ResponseWriter, r *http.Request, status int, c templ.Component) {
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	w.Header().Set("X-Frame-Options", "DENY")
	w.Header().Set("Referrer-Policy", "same-origin")
	w.Header().Set("Cache-Control", "no-store")
	if _, err := r.Cookie(noticeCookie); err == nil {
		// Shown on this page: not again.
		http.SetCookie(w, &http.Cookie{Name: noticeCookie, Value: "", Path: "/", HttpOnly: true, MaxAge: -1})
	}
	w.WriteHeader(status)
	if err := c.Render(r.Context(), w); err != nil {
		httpx.LoggerFrom(r.Context()).ErrorContext(r.Context(), "render page", "error", err.Error(), "path", r.URL.Path)
	}
}

// Handler is a page handler that returns an error instead of writing one.
type Handler func(w http.ResponseWriter, r *http.Request) error

// H adapts h: an error becomes the sign-in redirect (not signed in), or a
// page saying what went wrong with the matching status.
func H(h Handler) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		if err := h(w, r); err != nil {
			Fail(w, r, err)
		}
	}
}

// Fail answers an error as a page.
func Fail(w http.ResponseWriter, r *http.Request, err error) {
	var e *errs.Error
	if !errors.As(err, &e) {
		e = errs.Wrap(errs.Internal, "", err)
	}
	switch e.Kind {
	case errs.Unauthenticated:
		http.Redirect(w, r, "/agent/sign_in?return_to="+url.QueryEscape(r.URL.RequestURI()), http.StatusSeeOther)
		return
	case errs.Internal:
		httpx.LoggerFrom(r.Context()).ErrorContext(r.Context(), "page error", "error", err.Error(), "path", r.URL.Path)
	}
	status := map[errs.Kind]int{errs.Forbidden: http.StatusForbidden, errs.NotFound: http.StatusNotFound,
		errs.Invalid: http.StatusUnprocessableEntity, errs.BadRequest: http.StatusBadRequest,
		errs.RateLimited: http.StatusTooManyRequests}[e.Kind]
	msg := e.Msg
	switch {
	case status == 0:
		status, msg = http.StatusInternalServerError, "Something went wrong. Please try again."
	case e.Kind == errs.Forbidden && msg == "":
		msg = "You do not have access to this page. Ask an admin of this help desk."
	case msg == "":
		msg = "That did not work."
	}
	Render(w, r, status, ErrorPage(NewPage(r, http.StatusText(status), ""), msg))
}

// Message turns a service error into the sentence a form shows: the
// validation details when there are any.
func Message(err error) string {
	var e *errs.Error
	if !errors.As(err, &e) || e.Kind == errs.Internal {
		return "Something went wrong. Please try again."
	}
	out := ""
	for _, ds := range e.Fields {
		for _, d := range ds {
			if out != "" {
				out += " "
			}
			out += d.Description
		}
	}
	if out == "" {
		out = e.Msg
	}
	return out
}

// noticeCookie carries a notice across one redirect. A cookie, not the
// query string: a link someone else crafted must not put words in the
// help desk's mouth.
const noticeCookie = "parley_notice"

// Notice redirects to path with a notice the next page shows once
// (Post/Redirect/Get).
func Notice(w http.ResponseWriter, r *http.Request, path, notice string) {
	http.SetCookie(w, &http.Cookie{Name: noticeCookie, Value: url.QueryEscape(notice), Path: "/", HttpOnly: true,
		Secure: Secure(r), SameSite: http.SameSiteLaxMode, MaxAge: 60})
	http.Redirect(w, r, path, http.StatusSeeOther)
}

// csrfHeaders is the hx-headers value that makes htmx send the token.
func csrfHeaders(token string) string {
	if token == "" {
		return ""
	}
	return `{"X-CSRF-Token":"` + token + `"}`
}

// Secure reports whether the request reached us over HTTPS (directly, or
// through a proxy trusted with X-Forwarded-Proto), for Secure cookies.
func Secure(r *http.Request) bool {
	return r.TLS != nil || strings.HasPrefix(httpx.BaseURL(r.Context()), "https://")
}
