package adminui

import (
	"cmp"
	"encoding/json"
	"net/http"
	"slices"
	"strconv"

	"parley/internal/rule"
	"parley/internal/rule/restrict"
)

// choice is one option of a select: the value sent and the title shown.
type choice struct{ Value, Title string }

// restrictionForm is who may use a view or macro, as its form shows it:
// everyone, the members of one group, or one agent (a personal rule).
type restrictionForm struct {
	Kind    string // "everyone", "group" or "user"
	GroupID string
	UserID  int64  // the personal rule's owner
	Owner   string // their name, or "me"
	Groups  []choice
}

// newRestrictionForm shows restriction r; me owns new personal rules.
func newRestrictionForm(r restrict.Restriction, cat rule.Catalog, me int64) restrictionForm {
	f := restrictionForm{Kind: "everyone", UserID: me}
	switch r.Type {
	case restrict.RestrictGroup:
		f.Kind = "group"
		if len(r.IDs) > 0 {
			f.GroupID = strconv.FormatInt(r.IDs[0], 10)
		}
	case restrict.RestrictUser:
		f.Kind = "user"
		if len(r.IDs) == 1 {
			f.UserID = r.IDs[0]
		}
	}
	return f.withChoices(cat, me)
}

// readRestriction reads the restriction fields of a posted form.
func readRestriction(r *http.Request, cat rule.Catalog, me int64) restrictionForm {
	f := restrictionForm{Kind: r.PostFormValue("restriction"), GroupID: r.PostFormValue("restriction_group"), UserID: me}
	if id, err := strconv.ParseInt(r.PostFormValue("restriction_user"), 10, 64); err == nil && id > 0 {
		f.UserID = id
	}
	return f.withChoices(cat, me)
}

func (f restrictionForm) withChoices(cat rule.Catalog, me int64) restrictionForm {
	f.Owner = "me"
	if f.UserID != me {
		f.Owner = cat.Agents[f.UserID]
	}
	f.Groups = groupChoices(cat)
	return f
}

// groupChoices are the account's groups by name.
func groupChoices(cat rule.Catalog) []choice {
	out := make([]choice, 0, len(cat.Groups))
	for id, name := range cat.Groups {
		out = append(out, choice{strconv.FormatInt(id, 10), name})
	}
	slices.SortFunc(out, func(a, b choice) int { return cmp.Or(cmp.Compare(a.Title, b.Title), cmp.Compare(a.Value, b.Value)) })
	return out
}

// raw is the restriction as the API takes it (the rule's service checks
// that the group or agent exists).
func (f restrictionForm) raw() json.RawMessage {
	var v any
	switch f.Kind {
	case "group":
		id, _ := strconv.ParseInt(f.GroupID, 10, 64)
		v = map[string]any{"type": restrict.RestrictGroup, "id": id}
	case "user":
		v = map[string]any{"type": restrict.RestrictUser, "id": f.UserID}
	}
	b, _ := json.Marshal(v) // maps of strings and ints always marshal
	return b
}

// restrictionLabel says who may use a rule, for lists.
func restrictionLabel(r restrict.Restriction, cat rule.Catalog, me int64) string {
	switch r.Type {
	case restrict.RestrictGroup:
		s := ""
		for _, id := range r.IDs {
			if s != "" {
				s += ", "
			}
			s += cat.Groups[id]
		}
		return "Group: " + s
	case restrict.RestrictUser:
		if len(r.IDs) == 1 && r.IDs[0] == me {
			return "Only me"
		}
		if len(r.IDs) == 1 {
			return "Only " + cat.Agents[r.IDs[0]]
		}
	}
	return "Everyone"
}
