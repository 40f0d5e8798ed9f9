package agentui

import (
	"context"
	"fmt"
	"net/http"
	"sort"
	"strings"

	"parley/internal/platform/db"
	"parley/internal/platform/errs"
	"parley/internal/search"
	"parley/internal/ticket"
	"parley/internal/user"
	"parley/internal/web"
)

// Search runs the Zendesk query language (the search room).
type Search interface {
	Search(ctx context.Context, r search.Request) ([]search.Hit, int64, error)
}

// Directory is what user and organization pages read (the user room).
type Directory interface {
	GetUser(ctx context.Context, id int64) (user.User, error)
	ListIdentities(ctx context.Context, userID int64, types []string) ([]user.Identity, error)
	GetOrganization(ctx context.Context, id int64) (user.Organization, error)
	ListOrganizations(ctx context.Context, f user.OrgFilter, p db.Page) ([]user.Organization, int64, bool, error)
}

// TicketLists lists tickets by requester, organization or ids.
type TicketLists interface {
	List(ctx context.Context, f ticket.Filter, p db.Page) ([]ticket.Ticket, int64, bool, error)
}

// searchTabs are the result types the search page offers.
var searchTabs = []struct{ Type, Label string }{
	{"ticket", "Tickets"}, {"user", "Users"}, {"organization", "Organizations"},
}

// hitRow is one search result.
type hitRow struct {
	Link, Title, Detail string
}

// searchPage is the search page's content.
type searchPage struct {
	Sidebar []viewCount
	Query   string
	Tab     string
	Rows    []hitRow
	Total   int64
	Problem string
}

func (h *Pages) search(w http.ResponseWriter, r *http.Request) error {
	ctx := r.Context()
	if _, err := agent(ctx); err != nil {
		return err
	}
	sp := searchPage{Query: strings.TrimSpace(r.URL.Query().Get("q")), Tab: r.URL.Query().Get("type")}
	if sp.Tab != "user" && sp.Tab != "organization" {
		sp.Tab = "ticket"
	}
	var err error
	if sp.Sidebar, err = h.sidebar(ctx); err != nil {
		return err
	}
	status := http.StatusOK
	if sp.Query != "" {
		hits, total, err := h.searcher.Search(ctx, search.Request{Query: "type:" + sp.Tab + " " + sp.Query, Page: 1, PerPage: 50})
		switch k := errs.KindOf(err); {
		case err == nil:
			sp.Total = total
			sp.Rows, err = h.hitRows(ctx, sp.Tab, hits)
			if err != nil {
				return err
			}
		case k == errs.BadRequest || k == errs.Invalid:
			sp.Problem, status = web.Message(err), http.StatusUnprocessableEntity
		default:
			return err
		}
	}
	web.Render(w, r, status, SearchPage(web.NewPage(r, "Search", "agent"), sp))
	return nil
}

// hitRows loads what the hits point at, in the hits' order.
func (h *Pages) hitRows(ctx context.Context, tab string, hits []search.Hit) ([]hitRow, error) {
	ids := make([]int64, 0, len(hits))
	for _, hit := range hits {
		ids = append(ids, hit.ID)
	}
	if len(ids) == 0 {
		return nil, nil
	}
	rows := map[int64]hitRow{}
	switch tab {
	case "ticket":
		ts, _, _, err := h.ticketLists.List(ctx, ticket.Filter{IDs: ids}, db.Page{Limit: len(ids)})
		if err != nil {
			return nil, err
		}
		names, err := h.names(ctx, requesters(ts))
		if err != nil {
			return nil, err
		}
		for _, t := range ts {
			rows[t.ID] = hitRow{Link: fmt.Sprintf("/agent/tickets/%d", t.ID), Title: fmt.Sprintf("#%d %s", t.ID, t.Subject),
				Detail: statusLabel(t.Status) + " · " + names[t.RequesterID]}
		}
	case "user":
		us, _, _, err := h.people.ListUsers(ctx, user.Filter{IDs: ids}, db.Page{Limit: len(ids)})
		if err != nil {
			return nil, err
		}
		for _, u := range us {
			rows[u.ID] = hitRow{Link: fmt.Sprintf("/agent/users/%d", u.ID), Title: u.Name, Detail: string(u.Role) + " · " + deref(u.Email)}
		}
	case "organization":
		os, _, _, err := h.directory.ListOrganizations(ctx, user.OrgFilter{IDs: ids}, db.Page{Limit: len(ids)})
		if err != nil {
			return nil, err
		}
		for _, o := range os {
			rows[o.ID] = hitRow{Link: fmt.Sprintf("/agent/organizations/%d", o.ID), Title: o.Name, Detail: strings.Join(o.DomainNames, ", ")}
		}
	}
	out := make([]hitRow, 0, len(ids))
	for _, id := range ids {
		if row, ok := rows[id]; ok {
			out = append(out, row)
		}
	}
	return out, nil
}

// profile is a user's or an organization's page.
type profile struct {
	Sidebar []viewCount
	Title   string
	Facts   [][2]string
	Tickets []row
	Members []hitRow
}

func (h *Pages) ticketRows(ctx context.Context, f ticket.Filter) ([]row, error) {
	ts, _, _, err := h.ticketLists.List(ctx, f, db.Page{Limit: 50, Sort: "updated_at", Desc: true})
	if err != nil {
		return nil, err
	}
	names, err := h.names(ctx, requesters(ts))
	if err != nil {
		return nil, err
	}
	out := make([]row, 0, len(ts))
	for _, t := range ts {
		out = append(out, row{ID: t.ID, Subject: t.Subject, Requester: names[t.RequesterID], Status: t.Status,
			Priority: deref(t.Priority), Updated: t.UpdatedAt.Format("2006-01-02 15:04")})
	}
	return out, nil
}

func fieldFacts(fields map[string]any) [][2]string {
	keys := make([]string, 0, len(fields))
	for k, v := range fields {
		if v != nil {
			keys = append(keys, k)
		}
	}
	sort.Strings(keys)
	out := make([][2]string, 0, len(keys))
	for _, k := range keys {
		out = append(out, [2]string{k, show(fields[k])})
	}
	return out
}

func (h *Pages) userPage(w http.ResponseWriter, r *http.Request) error {
	ctx := r.Context()
	_, id, err := agentID(r)
	if err != nil {
		return err
	}
	u, err := h.directory.GetUser(ctx, id)
	if err != nil {
		return err
	}
	ids, err := h.directory.ListIdentities(ctx, id, nil)
	if err != nil {
		return err
	}
	p := profile{Title: u.Name, Facts: [][2]string{{"Role", string(u.Role)}}}
	if u.Shared {
		p.Facts = append(p.Facts, [2]string{"Shared", "a placeholder made by ticket sharing"})
	}
	for _, i := range ids {
		label := i.Type
		if i.Primary {
			label += " (primary)"
		}
		p.Facts = append(p.Facts, [2]string{label, i.Value})
	}
	if len(u.Tags) > 0 {
		p.Facts = append(p.Facts, [2]string{"Tags", strings.Join(u.Tags, " ")})
	}
	p.Facts = append(p.Facts, fieldFacts(u.Fields)...)
	if p.Tickets, err = h.ticketRows(ctx, ticket.Filter{RequesterID: id}); err != nil {
		return err
	}
	if p.Sidebar, err = h.sidebar(ctx); err != nil {
		return err
	}
	web.Render(w, r, http.StatusOK, ProfilePage(web.NewPage(r, u.Name, "agent"), p, "Requested tickets"))
	return nil
}

func (h *Pages) organizationPage(w http.ResponseWriter, r *http.Request) error {
	ctx := r.Context()
	_, id, err := agentID(r)
	if err != nil {
		return err
	}
	o, err := h.directory.GetOrganization(ctx, id)
	if err != nil {
		return err
	}
	p := profile{Title: o.Name}
	if len(o.DomainNames) > 0 {
		p.Facts = append(p.Facts, [2]string{"Domains", strings.Join(o.DomainNames, ", ")})
	}
	if o.Details != "" {
		p.Facts = append(p.Facts, [2]string{"Details", o.Details})
	}
	p.Facts = append(p.Facts, fieldFacts(o.Fields)...)
	if p.Tickets, err = h.ticketRows(ctx, ticket.Filter{OrganizationID: id}); err != nil {
		return err
	}
	members, _, _, err := h.people.ListUsers(ctx, user.Filter{OrganizationID: id}, db.Page{Limit: 50})
	if err != nil {
		return err
	}
	for _, u := range members {
		p.Members = append(p.Members, hitRow{Link: fmt.Sprintf("/agent/users/%d", u.ID), Title: u.Name, Detail: deref(u.Email)})
	}
	if p.Sidebar, err = h.sidebar(ctx); err != nil {
		return err
	}
	web.Render(w, r, http.StatusOK, ProfilePage(web.NewPage(r, o.Name, "agent"), p, "Tickets"))
	return nil
}
