package adminui

import (
	"context"
	"encoding/json"
	"net/http"
	"slices"
	"strconv"
	"strings"

	"github.com/go-chi/chi/v5"

	"parley/internal/platform/db"
	"parley/internal/platform/errs"
	"parley/internal/web"
	"parley/internal/webhook"
)

// Webhooks is the webhook room as the admin center uses it.
type Webhooks interface {
	List(ctx context.Context, f webhook.Filter, p db.Page) ([]webhook.Webhook, bool, error)
	Get(ctx context.Context, id string) (webhook.Webhook, error)
	Create(ctx context.Context, in webhook.Input) (webhook.Webhook, error)
	Update(ctx context.Context, id string, in webhook.Input) (webhook.Webhook, error)
	Patch(ctx context.Context, id string, patch json.RawMessage) (webhook.Webhook, error)
	Delete(ctx context.Context, id string) error
	SigningSecret(ctx context.Context, id string) (string, error)
	Test(ctx context.Context, id string, req webhook.TestRequest) (webhook.TestResponse, error)
}

// webhookForm is the webhook editor: what is stored or was typed. Secrets
// are never put back into the page; a blank one keeps the stored secret.
type webhookForm struct {
	ID, Name, Description string
	Endpoint, Method      string
	Format                string
	Active                bool
	Events                bool     // event subscriptions instead of trigger calls
	Subscriptions         []string // the picked event types
	AuthType              string   // "", basic_auth or bearer_token
	Username              string
	// Secret is the revealed signing secret (only after Reveal).
	Secret string
	// Test is the answer of a test send.
	Test    *webhook.TestResponse
	Payload string
	Problem string
}

func (f webhookForm) action() string {
	if f.ID == "" {
		return "/admin/webhooks"
	}
	return "/admin/webhooks/" + f.ID
}

func (h *Pages) webhooksPage(w http.ResponseWriter, r *http.Request) error {
	if err := admin(r.Context()); err != nil {
		return err
	}
	ws, _, err := h.webhooks.List(r.Context(), webhook.Filter{}, db.Page{Limit: 100})
	if err != nil {
		return err
	}
	web.Render(w, r, http.StatusOK, WebhooksPage(web.NewPage(r, "Webhooks", "admin"), ws))
	return nil
}

func (h *Pages) newWebhook(w http.ResponseWriter, r *http.Request) error {
	return h.renderWebhook(w, r, http.StatusOK, webhookForm{Method: "POST", Format: "json", Active: true})
}

// storedWebhook is a webhook as its editor shows it.
func storedWebhook(wh webhook.Webhook) webhookForm {
	f := webhookForm{ID: wh.ID, Name: wh.Name, Description: wh.Description, Endpoint: wh.Endpoint, Method: wh.HTTPMethod,
		Format: wh.RequestFormat, Active: wh.Status == webhook.StatusActive, Events: wh.IsEventSubscribed()}
	if f.Events {
		f.Subscriptions = wh.Subscriptions
	}
	if wh.Auth != nil {
		f.AuthType, f.Username = wh.Auth.Type, wh.Auth.Username
	}
	return f
}

func (h *Pages) editWebhook(w http.ResponseWriter, r *http.Request) error {
	if err := admin(r.Context()); err != nil {
		return err
	}
	wh, err := h.webhooks.Get(r.Context(), chi.URLParam(r, "id"))
	if err != nil {
		return err
	}
	return h.renderWebhook(w, r, http.StatusOK, storedWebhook(wh))
}

func (h *Pages) renderWebhook(w http.ResponseWriter, r *http.Request, status int, f webhookForm) error {
	if err := admin(r.Context()); err != nil {
		return err
	}
	title := "New webhook"
	if f.ID != "" {
		title = "Edit webhook"
	}
	web.Render(w, r, status, WebhookForm(web.NewPage(r, title, "admin"), f, webhook.EventTypes()))
	return nil
}

// readWebhook reads the posted editor; the secrets come back separately
// so they never reach the page.
func readWebhook(r *http.Request, id string) (webhookForm, webhook.AuthData) {
	f := webhookForm{ID: id, Name: r.PostFormValue("name"), Description: r.PostFormValue("description"),
		Endpoint: strings.TrimSpace(r.PostFormValue("endpoint")), Method: r.PostFormValue("http_method"),
		Format: r.PostFormValue("request_format"), Active: r.PostFormValue("active") == "on",
		Events: r.PostFormValue("subscription") == "events", AuthType: r.PostFormValue("auth_type"),
		Username: r.PostFormValue("auth_username")}
	if f.Events {
		f.Subscriptions = slices.DeleteFunc(slices.Clone(r.PostForm["events"]), func(s string) bool { return s == "" })
	}
	return f, webhook.AuthData{Username: f.Username, Password: r.PostFormValue("auth_password"),
		Token: r.PostFormValue("auth_token")}
}

// input is the editor as the API's webhook; blank secrets keep the
// stored ones (the webhook room's rule for a same-type authentication).
func (f webhookForm) input(secrets webhook.AuthData) webhook.Input {
	status := webhook.StatusInactive
	if f.Active {
		status = webhook.StatusActive
	}
	in := webhook.Input{Name: &f.Name, Description: &f.Description, Status: &status, Endpoint: &f.Endpoint,
		HTTPMethod: &f.Method, RequestFormat: &f.Format, Subscriptions: []string{webhook.Conditional}}
	if f.Events {
		in.Subscriptions = f.Subscriptions
	}
	switch f.AuthType {
	case "basic_auth":
		in.Authentication = &webhook.AuthInput{Type: f.AuthType, AddPosition: "header",
			Data: webhook.AuthData{Username: f.Username, Password: secrets.Password}}
	case "bearer_token":
		in.Authentication = &webhook.AuthInput{Type: f.AuthType, AddPosition: "header",
			Data: webhook.AuthData{Token: secrets.Token}}
	}
	return in
}

func (h *Pages) createWebhook(w http.ResponseWriter, r *http.Request) error {
	return h.saveWebhook(w, r, "")
}

func (h *Pages) updateWebhook(w http.ResponseWriter, r *http.Request) error {
	return h.saveWebhook(w, r, chi.URLParam(r, "id"))
}

// saveWebhook creates (id "") or replaces a webhook; refused input shows
// the editor again as typed, without the secrets.
func (h *Pages) saveWebhook(w http.ResponseWriter, r *http.Request, id string) error {
	if err := admin(r.Context()); err != nil {
		return err
	}
	if err := r.ParseForm(); err != nil {
		return errs.Wrap(errs.BadRequest, "The form could not be read", err)
	}
	f, secrets := readWebhook(r, id)
	var wh webhook.Webhook
	var err error
	if id == "" {
		wh, err = h.webhooks.Create(r.Context(), f.input(secrets))
	} else {
		wh, err = h.webhooks.Update(r.Context(), id, f.input(secrets))
	}
	if errs.Is(err, errs.Invalid) {
		f.Problem = web.Message(err)
		return h.renderWebhook(w, r, http.StatusUnprocessableEntity, f)
	}
	if err != nil {
		return err
	}
	web.Notice(w, r, "/admin/webhooks", "Webhook “"+wh.Name+"” saved.")
	return nil
}

// revealSecret shows the editor with the signing secret (a POST, so the
// secret is never in a link or the browser's history).
func (h *Pages) revealSecret(w http.ResponseWriter, r *http.Request) error {
	if err := admin(r.Context()); err != nil {
		return err
	}
	id := chi.URLParam(r, "id")
	wh, err := h.webhooks.Get(r.Context(), id)
	if err != nil {
		return err
	}
	f := storedWebhook(wh)
	if f.Secret, err = h.webhooks.SigningSecret(r.Context(), id); err != nil {
		return err
	}
	return h.renderWebhook(w, r, http.StatusOK, f)
}

// testWebhook sends one request to the stored webhook and shows what
// the endpoint answered.
func (h *Pages) testWebhook(w http.ResponseWriter, r *http.Request) error {
	if err := admin(r.Context()); err != nil {
		return err
	}
	id := chi.URLParam(r, "id")
	wh, err := h.webhooks.Get(r.Context(), id)
	if err != nil {
		return err
	}
	f := storedWebhook(wh)
	f.Payload = r.PostFormValue("payload")
	res, err := h.webhooks.Test(r.Context(), id, webhook.TestRequest{Payload: f.Payload})
	if errs.Is(err, errs.Invalid) || errs.Is(err, errs.BadRequest) {
		f.Problem = web.Message(err)
		return h.renderWebhook(w, r, http.StatusUnprocessableEntity, f)
	}
	if err != nil {
		return err
	}
	f.Test = &res
	return h.renderWebhook(w, r, http.StatusOK, f)
}

func (h *Pages) setWebhookActive(w http.ResponseWriter, r *http.Request) error {
	if err := admin(r.Context()); err != nil {
		return err
	}
	status := webhook.StatusInactive
	if r.PostFormValue("active") == "true" {
		status = webhook.StatusActive
	}
	patch, err := json.Marshal(map[string]string{"status": status})
	if err != nil {
		return err
	}
	wh, err := h.webhooks.Patch(r.Context(), chi.URLParam(r, "id"), patch)
	if err != nil {
		return err
	}
	msg := "“" + wh.Name + "” is inactive: nothing is sent to it."
	if status == webhook.StatusActive {
		msg = "“" + wh.Name + "” is active."
	}
	web.Notice(w, r, "/admin/webhooks", msg)
	return nil
}

func (h *Pages) deleteWebhook(w http.ResponseWriter, r *http.Request) error {
	if err := admin(r.Context()); err != nil {
		return err
	}
	if err := h.webhooks.Delete(r.Context(), chi.URLParam(r, "id")); err != nil {
		return err
	}
	web.Notice(w, r, "/admin/webhooks", "Webhook deleted.")
	return nil
}

// subscriptionLabel says what makes a webhook send.
func subscriptionLabel(wh webhook.Webhook) string {
	if !wh.IsEventSubscribed() {
		return "Triggers and automations"
	}
	if len(wh.Subscriptions) == 1 {
		return strings.TrimPrefix(wh.Subscriptions[0], "zen:event-type:")
	}
	return strconv.Itoa(len(wh.Subscriptions)) + " events"
}
