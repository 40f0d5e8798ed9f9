package agentui

import (
	"context"
	"fmt"
	"net/http"
	"strconv"

	"github.com/go-chi/chi/v5"

	"parley/internal/auth"
	"parley/internal/platform/db"
	"parley/internal/platform/errs"
	"parley/internal/rule/macro"
	"parley/internal/rule/view"
	"parley/internal/ticket"
	"parley/internal/user"
	"parley/internal/web"
)

// Tickets is the ticket room as the workspace uses it (agent context).
type Tickets interface {
	Get(ctx context.Context, id int64) (ticket.Ticket, error)
	CreateAs(ctx context.Context, a auth.Actor, in ticket.Input, via ticket.Via) (ticket.Ticket, ticket.Audit, error)
	UpdateAs(ctx context.Context, a auth.Actor, id int64, in ticket.Input, via ticket.Via) (ticket.Ticket, ticket.Audit, error)
	Comments(ctx context.Context, ticketID int64, p db.Page) ([]ticket.Comment, int64, bool, error)
	Audits(ctx context.Context, ticketID int64, p db.Page) ([]ticket.Audit, int64, bool, error)
	ListStatuses(ctx context.Context, f ticket.StatusFilter) ([]ticket.CustomStatus, error)
	Uploads
}

// People lists the account's users and groups (the user room).
type People interface {
	ListUsers(ctx context.Context, f user.Filter, p db.Page) ([]user.User, int64, bool, error)
	ListGroups(ctx context.Context, f user.GroupFilter, p db.Page) ([]user.Group, int64, bool, error)
}

// Macros lists the macros an agent may apply (the macro room).
type Macros interface {
	List(ctx context.Context, f macro.Filter, p db.Page) ([]macro.Macro, int64, bool, error)
}

// Live tells browsers that a ticket changed and lets them listen.
type Live interface {
	Publish(ctx context.Context, topic string) error
	Subscribe(topic string) (<-chan struct{}, func())
}

// webVia is the channel of changes made in the workspace (Zendesk's web
// form, via id 0).
var webVia = ticket.Via{Channel: "web", Source: []byte(`{"from":{},"to":{},"rel":null}`)}

// perPage is how many tickets a view page lists.
const perPage = 30

func ticketTopic(accountID, id int64) string { return fmt.Sprintf("ticket:%d:%d", accountID, id) }

// AfterWrite announces every ticket write to the browsers showing the
// ticket (a ticket.Hook; the notice goes out when the write commits).
func (h *Pages) AfterWrite(ctx context.Context, w *ticket.Write) error {
	return h.live.Publish(ctx, ticketTopic(w.Ticket.AccountID, w.Ticket.ID))
}

// agent returns the signed-in agent; end users are sent to the help
// center by the caller.
func agent(ctx context.Context) (auth.Actor, error) { return auth.RequireAgent(ctx) }

// sidebar is the views shown on every workspace page. Their counts are
// not computed here: counting a view of a large account takes far longer
// than the page, so the sidebar fetches them once the page is shown
// (viewCounts) and every half minute after.
func (h *Pages) sidebar(ctx context.Context) ([]viewCount, error) {
	active := true
	vs, _, _, err := h.views.List(ctx, view.Filter{Active: &active}, db.Page{Limit: 100})
	if err != nil {
		return nil, err
	}
	lines := make([]viewCount, len(vs))
	for i, v := range vs {
		lines[i] = viewCount{ID: v.ID, Title: v.Title, Count: -1}
	}
	return lines, nil
}

// counted is the sidebar with every view's count.
func (h *Pages) counted(ctx context.Context) ([]viewCount, error) {
	side, err := h.sidebar(ctx)
	if err != nil {
		return nil, err
	}
	ids := make([]int64, len(side))
	for i, v := range side {
		ids[i] = v.ID
	}
	vs, ns, err := h.views.CountMany(ctx, ids)
	if err != nil {
		return nil, err
	}
	lines := make([]viewCount, len(vs))
	for i, v := range vs {
		lines[i] = viewCount{ID: v.ID, Title: v.Title, Count: ns[i]}
	}
	return lines, nil
}

// row is one ticket in a user's or organization's list.
type row struct {
	ID        int64
	Subject   string
	Requester string
	Status    string
	Priority  string
	Updated   string
}

// viewPage is a view's tickets.
type viewPage struct {
	Sidebar []viewCount
	ViewID  int64
	Title   string
	Columns []listColumn
	Groups  []rowGroup
	Sort    listSort
	Page    int
	More    bool
	Total   int64
	Form    ticketForm
}

// pageLink is another page of the list in the same sort.
func (v viewPage) pageLink(page int) string {
	q := v.Sort.query()
	if q != "" {
		q = "&" + q
	}
	return fmt.Sprintf("/agent/views/%d?page=%d%s", v.ViewID, page, q)
}

func (h *Pages) viewTickets(w http.ResponseWriter, r *http.Request) error {
	ctx := r.Context()
	_, id, err := agentID(r)
	if err != nil {
		return err
	}
	page, _ := strconv.Atoi(r.URL.Query().Get("page"))
	page = max(page, 1)
	s := sortFrom(r.URL.Query())
	v, res, err := h.views.Page(ctx, id, page, perPage, view.Order{By: s.By, Dir: s.Dir})
	if err != nil {
		return err
	}
	side, err := h.sidebar(ctx)
	if err != nil {
		return err
	}
	f, err := h.formChoices(ctx)
	if err != nil {
		return err
	}
	names, err := h.listNames(ctx, v, res.Tickets, f, s)
	if err != nil {
		return err
	}
	cols := columnsOf(v, names.fields, s)
	vp := viewPage{Sidebar: side, ViewID: v.ID, Title: v.Title, Page: page, More: res.More || int64(page*perPage) < res.Total,
		Total: res.Total, Form: f, Sort: s, Columns: cols, Groups: rowsOf(v, cols, res.Tickets, names, s)}
	web.Render(w, r, http.StatusOK, ViewTickets(web.NewPage(r, v.Title, "agent"), vp))
	return nil
}

// agentID is the signed-in agent and the {id} of the URL.
func agentID(r *http.Request) (auth.Actor, int64, error) {
	a, err := agent(r.Context())
	if err != nil {
		return a, 0, err
	}
	id, err := pathID(r)
	return a, id, err
}

// pathID is the {id} of the URL; anything else is a page not found.
func pathID(r *http.Request) (int64, error) {
	id, err := strconv.ParseInt(chi.URLParam(r, "id"), 10, 64)
	if err != nil || id <= 0 {
		return 0, errs.NotFoundf("Not found")
	}
	return id, nil
}

func requesters(ts []ticket.Ticket) []int64 {
	ids := make([]int64, 0, len(ts))
	for _, t := range ts {
		ids = append(ids, t.RequesterID)
	}
	return ids
}

func deref(p *string) string {
	if p == nil {
		return ""
	}
	return *p
}

// names maps user ids to names (one query).
func (h *Pages) names(ctx context.Context, ids []int64) (map[int64]string, error) {
	out := map[int64]string{}
	seen := map[int64]bool{}
	var want []int64
	for _, id := range ids {
		if id > 0 && !seen[id] {
			seen[id] = true
			want = append(want, id)
		}
	}
	for len(want) > 0 {
		n := min(len(want), 100)
		us, _, _, err := h.people.ListUsers(ctx, user.Filter{IDs: want[:n]}, db.Page{Limit: n})
		if err != nil {
			return nil, err
		}
		for _, u := range us {
			out[u.ID] = u.Name
		}
		want = want[n:]
	}
	return out, nil
}

// viewCounts is the views list with counts, which the sidebar loads after
// the page and every half minute after.
func (h *Pages) viewCounts(w http.ResponseWriter, r *http.Request) error {
	if _, err := agent(r.Context()); err != nil {
		return err
	}
	side, err := h.counted(r.Context())
	if err != nil {
		return err
	}
	current, _ := strconv.ParseInt(r.URL.Query().Get("current"), 10, 64)
	web.Render(w, r, http.StatusOK, viewList(side, current))
	return nil
}
