package agentui

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"slices"
	"strconv"
	"strings"

	"parley/internal/platform/opt"
	"parley/internal/ticket"
)

// The ticket's form fields on the ticket page: each custom field of the
// ticket's form with its value, and the form's agent conditions (a child
// field shows only while its parent has one of the values that reveal
// it), which the page's script applies as values change.

// Forms reads ticket fields and forms (the ticket room, agent context).
type Forms interface {
	ListFields(ctx context.Context) ([]ticket.Field, error)
	GetForm(ctx context.Context, id int64) (ticket.Form, error)
	ListForms(ctx context.Context, ids []int64) ([]ticket.Form, error)
}

// formField is one custom field as the page shows it.
type formField struct {
	ID       int64
	Title    string
	Type     string
	Required bool
	Options  []choice
	// Value is the field's value as text; Values its multiselect values.
	Value  string
	Values []string
	// Reveal is the JSON list of {parent, values} that show the field;
	// empty when it always shows.
	Reveal string
}

// fieldsOf lists the custom fields of the ticket's form with its values.
func (h *Pages) fieldsOf(ctx context.Context, t ticket.Ticket) ([]formField, error) {
	if h.forms == nil || t.TicketFormID == nil {
		return nil, nil
	}
	form, err := h.forms.GetForm(ctx, *t.TicketFormID)
	if err != nil {
		return nil, nil // a deleted form: show no fields rather than fail the page
	}
	defs, err := h.forms.ListFields(ctx)
	if err != nil {
		return nil, err
	}
	byID := map[int64]ticket.Field{}
	for _, f := range defs {
		byID[f.ID] = f
	}
	type reveal struct {
		Parent int64    `json:"parent"`
		Values []string `json:"values"`
	}
	reveals := map[int64][]reveal{}
	for _, c := range form.AgentConditions {
		for _, child := range c.ChildFields {
			reveals[child.ID] = append(reveals[child.ID], reveal{Parent: c.ParentFieldID, Values: valueTexts(c.Value)})
		}
	}
	var out []formField
	for _, id := range form.FieldIDs {
		f, ok := byID[id]
		if !ok || f.System() || !f.Active {
			continue
		}
		ff := formField{ID: f.ID, Title: f.Title, Type: f.Type, Required: f.Required}
		for _, o := range f.Options {
			ff.Options = append(ff.Options, choice{o.Value, o.Name})
		}
		switch v := t.Fields[f.ID].(type) {
		case nil:
		case []any:
			ff.Values = valueTexts(v)
		case []string:
			ff.Values = v
		default:
			ff.Value = fmt.Sprint(v)
		}
		if rs := reveals[f.ID]; len(rs) > 0 {
			b, _ := json.Marshal(rs)
			ff.Reveal = string(b)
		}
		out = append(out, ff)
	}
	return out, nil
}

func valueTexts(v any) []string {
	switch x := v.(type) {
	case []string:
		return x
	case []any:
		out := make([]string, 0, len(x))
		for _, e := range x {
			out = append(out, fmt.Sprint(e))
		}
		return out
	case nil:
		return nil
	}
	return []string{fmt.Sprint(v)}
}

// fieldInput reads the form's field_<id> values, keeping only those that
// differ from the ticket's.
func fieldInput(r *http.Request, t ticket.Ticket) opt.Opt[[]ticket.FieldValueIn] {
	var out []ticket.FieldValueIn
	for key, vals := range r.PostForm {
		idText, ok := strings.CutPrefix(key, "field_")
		if !ok {
			continue
		}
		id, err := strconv.ParseInt(idText, 10, 64)
		if err != nil {
			continue
		}
		kind := r.PostFormValue("kind_" + idText)
		var value any
		switch kind {
		case "checkbox":
			value = slices.Contains(vals, "true")
		case "multiselect":
			list := []string{}
			for _, v := range vals {
				if v != "" {
					list = append(list, v)
				}
			}
			value = list
		default:
			if s := strings.TrimSpace(vals[len(vals)-1]); s != "" {
				value = s
			}
		}
		if sameValue(t.Fields[id], value) {
			continue
		}
		out = append(out, ticket.FieldValueIn{ID: opt.ID(id), Value: value})
	}
	if len(out) == 0 {
		return opt.Opt[[]ticket.FieldValueIn]{}
	}
	slices.SortFunc(out, func(a, b ticket.FieldValueIn) int { return int(a.ID) - int(b.ID) })
	return opt.Of(out)
}

// sameValue compares a stored value with a submitted one as text.
func sameValue(stored, submitted any) bool {
	if b, ok := submitted.(bool); ok {
		sb, _ := stored.(bool)
		return sb == b
	}
	a, _ := json.Marshal(valueTexts(stored))
	c, _ := json.Marshal(valueTexts(submitted))
	if l, ok := submitted.([]string); ok && len(l) == 0 && stored == nil {
		return true
	}
	return string(a) == string(c)
}

// cc is one email CC on the ticket page.
type cc struct {
	ID   int64
	Name string
}

// ccInput reads the CC changes: an address to add, and CCs to remove.
func ccInput(r *http.Request) opt.Opt[[]ticket.CCChange] {
	var out []ticket.CCChange
	for _, addr := range strings.FieldsFunc(r.PostFormValue("cc_add"), func(c rune) bool { return c == ',' || c == ' ' }) {
		out = append(out, ticket.CCChange{UserEmail: addr, Action: "put"})
	}
	for _, raw := range r.PostForm["cc_remove"] {
		if id, err := strconv.ParseInt(raw, 10, 64); err == nil {
			out = append(out, ticket.CCChange{UserID: opt.Of(id), Action: "delete"})
		}
	}
	if len(out) == 0 {
		return opt.Opt[[]ticket.CCChange]{}
	}
	return opt.Of(out)
}

// followerInput reads the follower changes: an agent to add, and
// followers to remove. Followers are agents who hear of every change;
// unlike CCs, they are never the requester's audience.
func followerInput(r *http.Request) opt.Opt[[]ticket.CCChange] {
	var out []ticket.CCChange
	if id, err := strconv.ParseInt(r.PostFormValue("follower_add"), 10, 64); err == nil && id > 0 {
		out = append(out, ticket.CCChange{UserID: opt.Of(id), Action: "put"})
	}
	for _, raw := range r.PostForm["follower_remove"] {
		if id, err := strconv.ParseInt(raw, 10, 64); err == nil {
			out = append(out, ticket.CCChange{UserID: opt.Of(id), Action: "delete"})
		}
	}
	if len(out) == 0 {
		return opt.Opt[[]ticket.CCChange]{}
	}
	return opt.Of(out)
}
