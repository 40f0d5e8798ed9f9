package agentui

import (
	"fmt"
	"regexp"
	"strings"
	"testing"
	"time"

	"parley/internal/rule/view"
	"parley/internal/ticket"
	"parley/internal/web"
)

func ptr[T any](v T) *T { return &v }

// listFixture is a view with standard and custom field columns, grouped
// by status, and three tickets in the order the view room returned them.
func listFixture() (view.View, cellNames, []ticket.Ticket) {
	v := view.View{ID: 7, Title: "Escalations", Output: view.Output{
		Columns: []string{"subject", "requester", "priority", "42", "created", "assignee", "group", "due_date", "submitter"},
		GroupBy: "status", GroupOrder: "asc", SortBy: "created", SortOrder: "desc"}}
	n := cellNames{
		people:   map[int64]string{1: "Carla Customer", 2: "Ann Agent", 3: "Dora Doe"},
		groups:   map[string]string{"9": "Tier 2"},
		orgs:     map[int64]string{},
		statuses: map[string]string{},
		fields: fieldLabels{42: {ID: 42, Title: "Product", Type: "tagger",
			Options: []ticket.FieldOption{{Name: "Laser printer", Value: "laser"}}}},
	}
	at := time.Date(2024, 5, 2, 9, 30, 0, 0, time.UTC)
	ts := []ticket.Ticket{
		{ID: 3, Subject: "Paper jam", Status: "new", RequesterID: 1, SubmitterID: 1, Priority: ptr("high"), CreatedAt: at,
			Fields: map[int64]any{42: "laser"}, GroupID: ptr(int64(9)), AssigneeID: ptr(int64(2)), DueAt: ptr(at.Add(48 * time.Hour))},
		{ID: 5, Subject: "Toner empty", Status: "open", RequesterID: 3, SubmitterID: 2, CreatedAt: at.Add(-time.Hour)},
		{ID: 4, Subject: "Fuser noise", Status: "open", RequesterID: 1, SubmitterID: 1, CreatedAt: at.Add(-2 * time.Hour)},
	}
	return v, n, ts
}

func TestQueueColumns(t *testing.T) {
	v, n, _ := listFixture()
	for _, tc := range []struct {
		name string
		sort listSort
		want string // id:aria-sort:link order, per column
	}{
		{"the view's own sort", listSort{},
			"subject:: requester::asc priority::asc 42::asc created:descending:asc assignee::asc group::asc due_date::asc submitter::"},
		{"a header sort, ascending", listSort{By: "priority", Dir: "asc"},
			"subject:: requester::asc priority:ascending:desc 42::asc created::asc assignee::asc group::asc due_date::asc submitter::"},
		{"a header sort keeps the view's order when none is given", listSort{By: "42"},
			"subject:: requester::asc priority::asc 42:descending:asc created::asc assignee::asc group::asc due_date::asc submitter::"},
		{"an unsortable column leaves the view's sort shown", listSort{By: "subject", Dir: "asc"},
			"subject:: requester::asc priority::asc 42::asc created:ascending:desc assignee::asc group::asc due_date::asc submitter::"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var got []string
			for _, c := range columnsOf(v, n.fields, tc.sort) {
				next := ""
				if c.Link != "" {
					next = strings.TrimPrefix(regexp.MustCompile(`sort_order=(\w+)`).FindString(c.Link), "sort_order=")
					if !strings.Contains(c.Link, "sort_by="+c.ID) || !strings.HasPrefix(c.Link, "/agent/views/7?") {
						t.Errorf("column %s links to %s", c.ID, c.Link)
					}
				}
				got = append(got, c.ID+":"+c.AriaSort+":"+next)
			}
			if g := strings.Join(got, " "); g != tc.want {
				t.Errorf("columns =\n %s\nwant\n %s", g, tc.want)
			}
		})
	}
}

func TestQueueColumnsAddALinkColumn(t *testing.T) {
	v := view.View{ID: 1, Output: view.Output{Columns: []string{"status", "requester", "999"}}}
	cols := columnsOf(v, fieldLabels{}, listSort{})
	var ids []string
	for _, c := range cols {
		ids = append(ids, c.ID+"="+c.Title)
	}
	// No subject: an id column comes first; a deleted field's column goes.
	if got := strings.Join(ids, " "); got != "nice_id=ID status=Status requester=Requester" {
		t.Errorf("columns = %s", got)
	}
}

func TestQueueColumnsOfAViewWithoutColumns(t *testing.T) {
	var ids []string
	for _, c := range columnsOf(view.View{ID: 1}, fieldLabels{}, listSort{}) {
		ids = append(ids, c.ID)
	}
	if got := strings.Join(ids, " "); got != "subject requester status priority updated" {
		t.Errorf("columns = %s", got)
	}
}

func TestQueueRowsGroupsAndCells(t *testing.T) {
	v, n, ts := listFixture()
	cols := columnsOf(v, n.fields, listSort{})
	groups := rowsOf(v, cols, ts, n, listSort{})
	var heads []string
	for _, g := range groups {
		heads = append(heads, fmt.Sprintf("%s(%d)", g.Heading, len(g.Rows)))
	}
	if got := strings.Join(heads, " "); got != "Status: New(1) Status: Open(2)" {
		t.Errorf("groups = %s", got)
	}
	first := groups[0].Rows[0]
	var cells []string
	for _, c := range first.Cells {
		cells = append(cells, c.Title+"="+c.Text)
	}
	want := "Subject=Paper jam Requester=Carla Customer Priority=high Product=Laser printer Requested=2024-05-02 09:30 " +
		"Assignee=Ann Agent Group=Tier 2 Due date=2024-05-04 09:30 Submitter=Carla Customer"
	if got := strings.Join(cells, " "); got != want {
		t.Errorf("cells =\n %s\nwant\n %s", got, want)
	}
	if first.Cells[0].Open != "/agent/tickets/3" {
		t.Errorf("the subject links to %q", first.Cells[0].Open)
	}
	// A header sort drops the grouping, as the API does.
	if g := rowsOf(v, cols, ts, n, listSort{By: "priority"}); len(g) != 1 || g[0].Heading != "" || len(g[0].Rows) != 3 {
		t.Errorf("sorted by a header: %d groups, first %q", len(g), g[0].Heading)
	}
}

// TestQueueViewTicketsRendersColumns renders the list page: the headers in the
// view's order with aria-sort on the sorted one, group headings, and
// pages and bulk edit keeping the sort.
func TestQueueViewTicketsRendersColumns(t *testing.T) {
	v, n, ts := listFixture()
	s := listSort{By: "priority", Dir: "desc"}
	cols := columnsOf(v, n.fields, s)
	vp := viewPage{ViewID: v.ID, Title: v.Title, Columns: cols, Groups: rowsOf(v, cols, ts, n, s), Sort: s, Page: 2, More: true, Total: 63}
	var b strings.Builder
	if err := ViewTickets(web.Page{Title: v.Title, CSRF: "tok"}, vp).Render(t.Context(), &b); err != nil {
		t.Fatal(err)
	}
	html := b.String()
	heads := regexp.MustCompile(`<th scope="col" data-column="([^"]+)"`).FindAllStringSubmatch(html, -1)
	var got []string
	for _, h := range heads {
		got = append(got, h[1])
	}
	if strings.Join(got, ",") != "subject,requester,priority,42,created,assignee,group,due_date,submitter" {
		t.Errorf("headers = %v", got)
	}
	for _, want := range []string{
		`data-column="priority" aria-sort="descending"`,
		`href="/agent/views/7?sort_by=priority&amp;sort_order=asc"`,
		`href="/agent/views/7?page=1&amp;sort_by=priority&amp;sort_order=desc"`,
		`href="/agent/views/7?page=3&amp;sort_by=priority&amp;sort_order=desc"`,
		`<input type="hidden" name="sort_by" value="priority">`,
		`<a href="/agent/tickets/4" data-open>Fuser noise</a>`,
		`<td data-label="Product">Laser printer</td>`,
	} {
		if !strings.Contains(html, want) {
			t.Errorf("page lacks %s", want)
		}
	}
	if strings.Count(html, "aria-sort=") != 1 {
		t.Errorf("aria-sort on %d headers, want 1", strings.Count(html, "aria-sort="))
	}
	if strings.Contains(html, `scope="colgroup"`) {
		t.Error("a header sort must not group")
	}
}
