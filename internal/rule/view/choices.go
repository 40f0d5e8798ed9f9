package view

import (
	"cmp"
	"slices"
	"strconv"

	"parley/internal/rule"
)

// ColumnChoice is a column an admin can give a view; Sortable ones can
// also order and group it.
type ColumnChoice struct {
	ID, Title string
	Sortable  bool
}

// ColumnChoices lists the standard columns (by title) and then the
// account's custom field columns, so forms offer exactly what the view
// validation accepts.
func ColumnChoices(cat rule.Catalog) []ColumnChoice {
	out := make([]ColumnChoice, 0, len(columns)+len(cat.Fields))
	for id, c := range columns {
		if id == "description" {
			continue // an alias of subject
		}
		out = append(out, ColumnChoice{ID: id, Title: c.title, Sortable: c.expr != ""})
	}
	slices.SortFunc(out, func(a, b ColumnChoice) int { return cmp.Or(cmp.Compare(a.Title, b.Title), cmp.Compare(a.ID, b.ID)) })
	ids := make([]int64, 0, len(cat.Fields))
	for id := range cat.Fields {
		ids = append(ids, id)
	}
	slices.Sort(ids)
	for _, id := range ids {
		out = append(out, ColumnChoice{ID: strconv.FormatInt(id, 10), Title: cat.Fields[id].Title, Sortable: true})
	}
	return out
}
