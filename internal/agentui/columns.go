package agentui

import (
	"context"
	"fmt"
	"net/url"
	"strconv"
	"strings"
	"time"

	"parley/internal/platform/db"
	"parley/internal/rule/view"
	"parley/internal/ticket"
	"parley/internal/user"
)

// A view's ticket list shows the view's own columns in the view's order
// (execution.columns), sorted and grouped as the view says unless the
// agent sorts by a header. The sort goes through the view room's Page,
// which runs the same execution as /views/{id}/execute?sort_by=&sort_order=.

// listSort is the sort the agent asked for by a header (the query's
// sort_by and sort_order); empty keeps the view's.
type listSort struct {
	By, Dir string
}

// query is the sort as URL parameters ("" when the view's own).
func (s listSort) query() string {
	if s.By == "" {
		return ""
	}
	q := url.Values{"sort_by": {s.By}}
	if s.Dir != "" {
		q.Set("sort_order", s.Dir)
	}
	return q.Encode()
}

// sortFrom reads the header sort of a request; an order other than asc or
// desc is the view's own.
func sortFrom(q url.Values) listSort {
	s := listSort{By: strings.TrimSpace(q.Get("sort_by")), Dir: q.Get("sort_order")}
	if s.Dir != "asc" && s.Dir != "desc" {
		s.Dir = ""
	}
	if s.By == "" {
		s.Dir = ""
	}
	return s
}

// listColumn is one header of a view's ticket list.
type listColumn struct {
	ID    string
	Title string
	// Link re-sorts the list by this column (empty: not sortable); Next
	// names the order it sorts in, for the link's accessible name.
	Link string
	Next string
	// AriaSort is "ascending" or "descending" on the column the list is
	// sorted by, else "".
	AriaSort string
}

// listCell is one cell of a row.
type listCell struct {
	Title string // the column's title (phone layout labels)
	Text  string
	// Status, when set, shows the cell as a status badge.
	Status string
	// Open links the cell to the ticket (the subject, or the id).
	Open string
}

// listRow is one ticket in a view's list.
type listRow struct {
	ID      int64
	Subject string
	Cells   []listCell
}

// rowGroup is the rows under one group heading (Heading is empty when
// the list is not grouped).
type rowGroup struct {
	Heading string
	Rows    []listRow
}

// fieldLabels are the account's custom fields by id, for column titles
// and option names.
type fieldLabels map[int64]ticket.Field

// columnsOf lists the view's columns the workspace can show, in the
// view's order, with header links that sort through the view. A list
// with neither a subject nor an id column gets an id column first, so
// every row links to its ticket.
func columnsOf(v view.View, fields fieldLabels, s listSort) []listColumn {
	ids := shownColumns(v)
	hasLink := false
	for _, id := range ids {
		if id == "subject" || id == "description" || id == "nice_id" {
			hasLink = true
		}
	}
	if !hasLink {
		ids = append([]string{"nice_id"}, ids...)
	}
	by, desc := v.Output.SortBy, v.Output.SortOrder == "desc"
	if s.By != "" {
		if _, sortable := columnTitle(s.By, fields); sortable {
			by = s.By
		}
		if s.Dir != "" {
			desc = s.Dir == "desc"
		}
	}
	by = canonical(by)
	out := make([]listColumn, 0, len(ids))
	for _, id := range ids {
		title, sortable := columnTitle(id, fields)
		if title == "" {
			continue // a column of a deleted field, or unknown
		}
		c := listColumn{ID: id, Title: title}
		if sortable {
			next := "asc"
			if canonical(id) == by {
				c.AriaSort = "ascending"
				if desc {
					c.AriaSort = "descending"
				} else {
					next = "desc"
				}
			}
			c.Next = map[string]string{"asc": "ascending", "desc": "descending"}[next]
			c.Link = fmt.Sprintf("/agent/views/%d?%s", v.ID, listSort{By: id, Dir: next}.query())
		}
		out = append(out, c)
	}
	return out
}

// shownColumns are the view's columns, or the list's usual ones for a
// view that names none.
func shownColumns(v view.View) []string {
	if len(v.Output.Columns) == 0 {
		return []string{"subject", "requester", "status", "priority", "updated"}
	}
	return v.Output.Columns
}

// canonical maps the sort aliases a view may carry to the column id.
func canonical(id string) string {
	switch id {
	case "id", "ticket_id":
		return "nice_id"
	case "created_at":
		return "created"
	case "updated_at":
		return "updated"
	case "due_at":
		return "due_date"
	case "solved_at":
		return "solved"
	}
	return id
}

// columnTitle is a column's title and whether views sort by it ("" for
// ids the workspace cannot show).
func columnTitle(id string, fields fieldLabels) (string, bool) {
	if title, sortable, ok := view.Column(canonical(id)); ok {
		return title, sortable
	}
	if n, err := strconv.ParseInt(id, 10, 64); err == nil {
		if f, ok := fields[n]; ok {
			return f.Title, true
		}
	}
	return "", false
}

// cellNames are the names rows show instead of ids.
type cellNames struct {
	people   map[int64]string
	groups   map[string]string
	orgs     map[int64]string
	statuses map[string]string
	fields   fieldLabels
}

// cell is the text of one column for one ticket.
func (n cellNames) cell(id string, t ticket.Ticket) listCell {
	switch canonical(id) {
	case "nice_id":
		return listCell{Text: "#" + strconv.FormatInt(t.ID, 10)}
	case "status":
		return listCell{Text: statusLabel(t.Status), Status: t.Status}
	case "subject", "description":
		return listCell{Text: t.Subject}
	case "requester":
		return listCell{Text: n.people[t.RequesterID]}
	case "submitter":
		return listCell{Text: n.people[t.SubmitterID]}
	case "assignee":
		return listCell{Text: n.person(t.AssigneeID)}
	case "group":
		if t.GroupID == nil {
			return listCell{}
		}
		return listCell{Text: n.groups[strconv.FormatInt(*t.GroupID, 10)]}
	case "organization":
		if t.OrganizationID == nil {
			return listCell{}
		}
		return listCell{Text: n.orgs[*t.OrganizationID]}
	case "created":
		return listCell{Text: when(&t.CreatedAt)}
	case "updated":
		return listCell{Text: when(&t.UpdatedAt)}
	case "updated_requester":
		return listCell{Text: when(t.RequesterUpdatedAt)}
	case "updated_assignee":
		return listCell{Text: when(t.AssigneeUpdatedAt)}
	case "assigned":
		return listCell{Text: when(t.AssignedAt)}
	case "solved":
		return listCell{Text: when(t.SolvedAt)}
	case "due_date":
		return listCell{Text: when(t.DueAt)}
	case "updated_by_type":
		switch a, r := t.AssigneeUpdatedAt, t.RequesterUpdatedAt; {
		case a != nil && (r == nil || a.After(*r)):
			return listCell{Text: "Agent"}
		case r != nil:
			return listCell{Text: "End user"}
		}
		return listCell{}
	case "priority":
		return listCell{Text: deref(t.Priority)}
	case "type":
		return listCell{Text: deref(t.Type)}
	case "satisfaction_score":
		return listCell{Text: t.Satisfaction}
	case "custom_status_id":
		return listCell{Text: n.statuses[strconv.FormatInt(t.CustomStatusID, 10)]}
	case "ticket_form":
		return listCell{Text: idText(t.TicketFormID)}
	case "brand":
		return listCell{Text: idText(t.BrandID)}
	}
	fid, err := strconv.ParseInt(id, 10, 64)
	if err != nil {
		return listCell{}
	}
	v, ok := t.Fields[fid]
	if !ok || v == nil {
		return listCell{}
	}
	names := map[string]string{}
	for _, o := range n.fields[fid].Options {
		names[o.Value] = o.Name
	}
	parts := valueTexts(v)
	for i, p := range parts {
		parts[i] = or(names[p], p)
	}
	return listCell{Text: strings.Join(parts, ", ")}
}

func (n cellNames) person(id *int64) string {
	if id == nil {
		return ""
	}
	return n.people[*id]
}

func when(t *time.Time) string {
	if t == nil {
		return ""
	}
	return t.Format("2006-01-02 15:04")
}

func idText(id *int64) string {
	if id == nil {
		return ""
	}
	return strconv.FormatInt(*id, 10)
}

// rowsOf lays the tickets out under the columns, in groups when the view
// groups them (and the agent did not sort by a header, as the API drops
// the grouping then too).
func rowsOf(v view.View, cols []listColumn, ts []ticket.Ticket, n cellNames, s listSort) []rowGroup {
	groupBy := v.Output.GroupBy
	if s.By != "" {
		groupBy = ""
	}
	groupTitle, _ := columnTitle(groupBy, n.fields)
	var out []rowGroup
	for _, t := range ts {
		r := listRow{ID: t.ID, Subject: t.Subject}
		linked := false
		for _, c := range cols {
			cell := n.cell(c.ID, t)
			cell.Title = c.Title
			if !linked && (c.ID == "subject" || c.ID == "description" || c.ID == "nice_id") {
				cell.Open, linked = fmt.Sprintf("/agent/tickets/%d", t.ID), true
				if cell.Text == "" {
					cell.Text = "#" + strconv.FormatInt(t.ID, 10)
				}
			}
			r.Cells = append(r.Cells, cell)
		}
		heading := ""
		if groupTitle != "" {
			heading = groupTitle + ": " + or(n.cell(groupBy, t).Text, "—")
		}
		if len(out) == 0 || out[len(out)-1].Heading != heading {
			out = append(out, rowGroup{Heading: heading})
		}
		out[len(out)-1].Rows = append(out[len(out)-1].Rows, r)
	}
	return out
}

// listNames loads the names the rows show: people, and organizations and
// custom field definitions only when a column needs them.
func (h *Pages) listNames(ctx context.Context, v view.View, ts []ticket.Ticket, f ticketForm, s listSort) (cellNames, error) {
	n := cellNames{groups: map[string]string{}, statuses: map[string]string{}, orgs: map[int64]string{}, fields: fieldLabels{}}
	for _, g := range f.Groups {
		n.groups[g.Value] = g.Label
	}
	for _, s := range f.Statuses {
		n.statuses[s.Value] = s.Label
	}
	shown := append([]string{v.Output.GroupBy, s.By}, shownColumns(v)...)
	var ids, orgs []int64
	needFields := false
	for _, c := range shown {
		if _, err := strconv.ParseInt(c, 10, 64); err == nil {
			needFields = true
		}
		for _, t := range ts {
			switch c {
			case "requester":
				ids = append(ids, t.RequesterID)
			case "submitter":
				ids = append(ids, t.SubmitterID)
			case "assignee":
				if t.AssigneeID != nil {
					ids = append(ids, *t.AssigneeID)
				}
			case "organization":
				if t.OrganizationID != nil {
					orgs = append(orgs, *t.OrganizationID)
				}
			}
		}
	}
	var err error
	if n.people, err = h.names(ctx, ids); err != nil {
		return n, err
	}
	if len(orgs) > 0 && h.directory != nil {
		os, _, _, err := h.directory.ListOrganizations(ctx, user.OrgFilter{IDs: orgs}, db.Page{Limit: len(orgs)})
		if err != nil {
			return n, err
		}
		for _, o := range os {
			n.orgs[o.ID] = o.Name
		}
	}
	if needFields && h.forms != nil {
		defs, err := h.forms.ListFields(ctx)
		if err != nil {
			return n, err
		}
		for _, d := range defs {
			n.fields[d.ID] = d
		}
	}
	return n, nil
}
