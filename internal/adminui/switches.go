package adminui

import (
	"context"
	"net/http"

	"parley/internal/web"
)

// The rule lists (views, macros, triggers, automations) share their
// activate/deactivate and delete buttons: one handler each, given how
// the room turns a record on or off and removes it, so every list answers
// the same way (back to the tab the record left, with a notice).

// switchActive turns the record of the path on or off; set returns its
// title. off says what deactivating means for agents ("agents no longer
// see it").
func (h *Pages) switchActive(list, off string, set func(ctx context.Context, id int64, on bool) (string, error)) web.Handler {
	return func(w http.ResponseWriter, r *http.Request) error {
		if err := admin(r.Context()); err != nil {
			return err
		}
		id, err := pathID(r)
		if err != nil {
			return err
		}
		on := r.PostFormValue("active") == "true"
		title, err := set(r.Context(), id, on)
		if err != nil {
			return err
		}
		msg, back := "“"+title+"” is inactive: "+off+".", list
		if on {
			msg, back = "“"+title+"” is active.", list+"?active=false"
		}
		web.Notice(w, r, back, msg)
		return nil
	}
}

// remove deletes the record of the path and says done.
func (h *Pages) remove(list, done string, del func(ctx context.Context, id int64) error) web.Handler {
	return func(w http.ResponseWriter, r *http.Request) error {
		if err := admin(r.Context()); err != nil {
			return err
		}
		id, err := pathID(r)
		if err != nil {
			return err
		}
		if err := del(r.Context(), id); err != nil {
			return err
		}
		web.Notice(w, r, list, done)
		return nil
	}
}
