package search_test

import (
	"errors"
	"fmt"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"parley/internal/app/apptest"
	"parley/internal/auth"
	"parley/internal/platform/clock"
	"parley/internal/platform/db/dbtest"
	"parley/internal/platform/errs"
	"parley/internal/search"
)

// Ticket sets of the fixture, by attribute (ticket 27 is deleted).
const (
	allTickets  = "1 2 3 4 5 6 7 8 9 10 11 12 13 14 15 16 17 18 19 20 21 22 23 24 25 26 28 29 30"
	stNew       = "3 7 13 17 19 22 25 30"
	stOpen      = "1 8 9 12 15 18 20 24"
	stPending   = "2 11 23"
	stHold      = "4 14 26"
	stSolved    = "5 10 16 21 28"
	stClosed    = "6 29"
	byAlice     = "1 2 9 10 12 16 21 26 29"
	byBob       = "4 5 11 14 20 24"
	byCarol     = "6 8 15 18 23 28"
	unassigned  = "3 7 13 17 19 22 25 30"
	fromJohn    = "4 5 10 18 20 24"
	fromDave    = "1 9 13 22 30"
	fromJane    = "2 8 14 23"
	inLevel2    = "1 6 8 12 15 18 23 26 28"
	inSupport   = "2 9 10 13 16 21 29"
	inBilling   = "4 5 11 14 20 24"
	noGroup     = "3 7 17 19 22 25 30"
	prLow       = "3 8 12 16 19 23 25 29"
	prNone      = "7 13 17 30"
	hardware    = "1 2 11 16 21 26 29"
	acmeCorp    = "1 2 8 9 13 14 22 23 30"
	acmeAnvils  = "11 15 21 29"
	notFinished = stNew + " " + stOpen + " " + stPending + " " + stHold
)

// tickets turns "1 2 3" into refs "t1 t2 t3".
func tickets(s string) string {
	var out []string
	for _, f := range strings.Fields(s) {
		out = append(out, "t"+f)
	}
	return strings.Join(out, " ")
}

// minus removes the ids of b from a.
func minus(a, b string) string {
	drop := map[string]bool{}
	for _, f := range strings.Fields(b) {
		drop[f] = true
	}
	var out []string
	for _, f := range strings.Fields(a) {
		if !drop[f] {
			out = append(out, f)
		}
	}
	return strings.Join(out, " ")
}

type queryCase struct {
	q                 string
	sortBy, sortOrder string
	as                string // user key of the searcher (default: the owner)
	// want lists refs: t<n> (ticket), u:<key>, o:<key>, g:<key>.
	want    string
	ordered bool
}

// queryCases is the table run on every dialect against the fixture.
var queryCases = []queryCase{
	// Text: word prefixes, never infixes; phrases; case; diacritics.
	{q: "type:ticket printer", want: tickets("1 16 21")},
	{q: "type:ticket print", want: tickets("1 2 16 21")},
	{q: "type:ticket print*", want: tickets("1 2 16 21")},
	{q: "type:ticket top", want: tickets("3 9 12")}, // topology, and the word "top" of desk-top@; never desktop
	{q: "type:ticket desk", want: tickets("3 9 13")},
	{q: `type:ticket "on fire"`, want: tickets("1")},
	{q: `type:ticket "fire printer"`, want: ""},
	{q: `type:ticket "printer on"`, want: tickets("1")},
	{q: "type:ticket café", want: tickets("7 25")},
	{q: "type:ticket CAFÉ", want: tickets("7 25")},
	{q: "type:ticket cafe", want: ""},
	{q: "type:ticket extinguisher", want: tickets("1")},
	{q: "type:ticket jane", want: tickets("8 23")},
	{q: "type:ticket jane.doe", want: tickets("8")},
	{q: "type:ticket wifi", want: tickets("22 25")},
	{q: "type:ticket wi-fi", want: tickets("22")},
	{q: "type:ticket printer -jam", want: tickets("1 16")},
	{q: "type:ticket printer status<solved", want: tickets("1")},
	{q: "type:ticket --- ***", want: tickets(allTickets)},
	{q: "comment:driver", want: tickets("2")},
	{q: "comment:printer", want: tickets("1 21")},
	{q: "comment:wiki", want: tickets("12")},
	{q: "subject:printer", want: tickets("1 16 21")},
	{q: "description:printer", want: tickets("1 21")},
	{q: "subject:jane", want: tickets("8")},
	{q: "description:jane", want: tickets("8 23")},
	{q: `subject:"printer jam"`, want: tickets("21")},
	// Bare numbers match the ticket id as well as text.
	{q: "type:ticket 5", want: tickets("5 20")},
	{q: "type:ticket 10", want: tickets("10")},
	{q: "type:ticket 1234", want: tickets("5")},
	{q: "type:ticket 700", want: tickets("10")},
	// Status and priority, ordered.
	{q: "status:open", want: tickets(stOpen)},
	{q: "status:pending", want: tickets(stPending)},
	{q: "status<solved", want: tickets(notFinished)},
	{q: "status>=solved", want: tickets(stSolved + " " + stClosed)},
	{q: "status<=new", want: tickets(stNew)},
	{q: "type:ticket -status:closed", want: tickets(minus(allTickets, stClosed))},
	{q: "priority>=high", want: tickets("1 18 4 10 15 22 24")},
	{q: "priority:none", want: tickets(prNone)},
	{q: "priority<normal", want: tickets(prLow)},
	{q: "type:ticket -priority:low", want: tickets(minus(allTickets, prLow))},
	{q: "status:open priority:high", want: tickets("15 24")},
	// Ticket type.
	{q: "ticket_type:task", want: tickets("4 8 15 16 20 23 28")},
	{q: "type:problem", want: tickets("10")},
	{q: "ticket_type:none", want: tickets("5 7 13 14 17 24 30")},
	// People.
	{q: "assignee:alice@alpha.example", want: tickets(byAlice)},
	{q: "assignee:bob", want: tickets(byBob)},
	{q: `assignee:"Carol Chief"`, want: tickets(byCarol)},
	{q: "assignee:none", want: tickets(unassigned)},
	{q: "assignee:me", as: "alice", want: tickets(byAlice)},
	{q: "assignee:alice -tags:hardware", want: tickets("9 10 12")},
	{q: "requester:dave@acme.example", want: tickets(fromDave)},
	{q: "requester:DAVE@ACME.EXAMPLE", want: tickets(fromDave)},
	{q: "requester:doe", want: tickets(fromJane + " " + fromJohn)},
	{q: `requester:"john doe"`, want: tickets(fromJohn)},
	{q: "requester:dave@acme*", want: tickets(fromDave)},
	{q: "requester:me", want: ""},
	{q: "submitter:erin", want: tickets("3 19")},
	{q: "cc:dave", want: tickets("2")},
	{q: "cc:jane.doe@acme.example", want: tickets("18")},
	{q: "cc:zoë", want: tickets("18")},
	{q: "cc:zoe", want: ""}, // diacritics are kept
	{q: "cc:none status:open", want: tickets("1 8 9 12 15 20 24")},
	{q: "follower:alice", want: tickets("8")},
	{q: "follower:bob", want: tickets("26")},
	{q: "commenter:alice", want: tickets("1 2 21")},
	{q: "commenter:john", want: tickets(fromJohn)},
	{q: "commenter:carol", want: tickets("12")},
	// Groups and organizations.
	{q: `type:ticket group:"Level 2"`, want: tickets(inLevel2)},
	{q: "type:ticket group:billing", want: tickets(inBilling)},
	{q: "group:billing", want: tickets(inBilling) + " u:bob"},
	{q: "type:ticket group:none", want: tickets(noGroup)},
	{q: "type:ticket -group:support", want: tickets(minus(allTickets, inSupport))},
	{q: "type:ticket organization:acme", want: tickets(acmeCorp + " " + acmeAnvils)},
	{q: "organization:acme", want: tickets(acmeCorp+" "+acmeAnvils) + " u:dave u:jane u:kim"},
	{q: `type:ticket organization:"Acme Corporation"`, want: tickets(acmeCorp)},
	{q: "type:ticket organization:none", want: tickets("6 7 17 25 28")},
	// Tags.
	{q: "tags:hardware", want: tickets(hardware)},
	{q: "tag:HARDWARE", want: tickets(hardware)},
	{q: "tags:bill*", want: tickets("4 5")},
	{q: "type:ticket tags:none", want: tickets("3 6 8 13 23 25 30")},
	{q: "tags:win", want: tickets("1 11")},
	{q: "tags:refund tags:billing", want: tickets("5")},
	{q: "type:ticket -tags:hardware status:solved", want: tickets("5 10 28")},
	// Dates (UTC days, absolute and relative to 2024-03-20 12:00).
	{q: "created:2024-03-02", want: tickets("3 4")},
	{q: "type:ticket created<2024-03-03", want: tickets("1 2 3 4")},
	{q: "type:ticket created>2024-03-14", want: tickets("29 30")},
	{q: "type:ticket created>=2024-03-14", want: tickets("28 29 30")},
	{q: "type:ticket created<=2024-03-01", want: tickets("1 2")},
	{q: "type:ticket created>2024-03-15T06:00:00Z", want: tickets("30")},
	{q: "type:ticket created:2024-03-15T12:00:00Z", want: tickets("30")},
	{q: "type:ticket created:2024-03-15T14:00:00+02:00", want: tickets("30")},
	{q: "type:ticket created>6days", want: tickets("29 30")},
	{q: "type:ticket created>=6days", want: tickets("28 29 30")},
	{q: "type:ticket created<19days", want: tickets("1")},
	{q: "type:ticket updated>2024-03-15", want: tickets("1 2 3 10 12 18 21")},
	{q: "type:ticket updated>3days", want: tickets("10 18 21")},
	{q: "solved>2024-03-10", want: tickets("10 21 28 29")},
	{q: "type:ticket solved:none", want: tickets(notFinished)},
	{q: "due_date<2024-03-21", want: tickets("4")},
	{q: "due_date>2024-03-20", want: tickets("15")},
	{q: "due_date:2024-03-20", want: tickets("4")},
	// Channel, ids and the rest.
	{q: "via:email", want: tickets("9 17")},
	{q: "via:mail", want: tickets("9 17")},
	{q: "via:web", want: tickets("1")},
	{q: "type:ticket -via:api", want: tickets("1 9 17")},
	{q: "recipient:sales@alpha.example", want: tickets("17")},
	{q: "recipient:SUPPORT*", want: tickets("9")},
	{q: "external_id:JIRA-10", want: tickets("10")},
	{q: "external_id:JIRA*", want: tickets("4 10")},
	{q: "external_id:none status:hold", want: tickets("14 26")},
	{q: "brand:7", want: tickets("15")},
	{q: `form:"Hardware form"`, want: tickets("15 16")},
	{q: "form:hardware*", want: tickets("15 16")},
	{q: "has_attachment:true", want: tickets("21")},
	{q: "has_attachment:false status:solved", want: tickets("5 10 16 28")},
	// Custom fields (field ids are filled in from the fixture: {order} etc.).
	{q: "custom_field_{order}:A-1234", want: tickets("5")},
	{q: "custom_field_{order}:a-1234", want: tickets("5")},
	{q: "custom_field_{order}:A-1*", want: tickets("1 5")},
	{q: `custom_field_{order}:"A-2001"`, want: tickets("14")},
	{q: "custom_field_{platforms}:win", want: tickets("1 11")},
	{q: "custom_field_{platforms}:linux", want: tickets("20")},
	{q: "custom_field_{escalated}:true", want: tickets("18")},
	{q: "custom_field_{escalated}:false", want: tickets("24")},
	{q: "custom_field_{refund}:12.5", want: tickets("5")},
	{q: "custom_field_{refund}:12.50", want: tickets("5")},
	{q: "custom_field_{seats}:50", want: tickets("20")},
	{q: "custom_field_{seats}:50.0", want: tickets("20")},
	{q: "custom_field_{refund}:none status:open", want: tickets("1 8 9 12 15 18 20")},
	{q: "-custom_field_{order}:none", want: tickets("1 5 14")},
	{q: "custom_field_999999:x", want: ""},
	{q: "fieldvalue:A-2001", want: tickets("14")},
	{q: "fieldvalue:mac", want: tickets("11")},
	{q: "fieldvalue:50", want: tickets("20")},
	// Order.
	{q: "type:ticket order_by:created sort:asc", want: tickets(allTickets), ordered: true},
	{q: "tags:hardware", want: tickets("21 2 1 29 26 16 11"), ordered: true},
	{q: "type:ticket tags:hardware", sortBy: "priority", want: tickets("1 26 21 11 2 29 16"), ordered: true},
	{q: "type:ticket tags:hardware", sortBy: "priority", sortOrder: "asc", want: tickets("16 29 2 11 21 26 1"), ordered: true},
	{q: "assignee:bob", sortBy: "status", sortOrder: "asc", want: tickets("20 24 11 4 14 5"), ordered: true},
	{q: "assignee:alice order_by:commented", want: tickets("21 12 2 1 29 26 16 10 9"), ordered: true},
	{q: "requester:john order_by:ticket_type sort:asc", want: tickets("5 24 18 10 4 20"), ordered: true},
	{q: "requester:john order_by:updated", sortOrder: "asc", want: tickets("4 5 20 24 10 18"), ordered: true},
	{q: "printer", sortBy: "priority", want: "t1 t21 t16 u:alice", ordered: true},
	{q: "printer", sortBy: "priority", sortOrder: "asc", want: "t16 t21 t1 u:alice", ordered: true},
	{q: "acme", sortBy: "created_at", sortOrder: "asc", want: "o:acme o:anvils u:dave u:jane u:kim t8 t9", ordered: true},

	// Users.
	{q: "type:user role:agent", want: "u:alice u:bob"},
	{q: "type:user role:admin", want: "u:owner u:carol"},
	{q: "type:user role:end-user", want: "u:dave u:jane u:erin u:john u:zoe u:kim"},
	{q: "type:user role:end_user", want: "u:dave u:jane u:erin u:john u:zoe u:kim"},
	{q: "type:user doe", want: "u:jane u:john"},
	{q: `type:user "jane doe"`, want: "u:jane"},
	{q: "type:user name:jane", want: "u:jane"},
	{q: "type:user email:dave@acme.example", want: "u:dave"},
	{q: "type:user email:j*", want: "u:jane u:john"},
	{q: "type:user organization:acme", want: "u:dave u:jane u:kim"},
	{q: `type:user organization:"acme corporation"`, want: "u:dave u:jane"},
	{q: "type:user organization:none", want: "u:owner u:alice u:bob u:carol u:zoe"},
	{q: "type:user tags:vip", want: "u:dave u:john"},
	{q: "type:user tags:none", want: "u:owner u:bob u:carol u:jane u:erin u:zoe u:kim"},
	{q: `type:user phone:"+1 555 0202"`, want: "u:dave"},
	{q: "type:user phone:+1*", want: "u:alice u:dave"},
	{q: "type:user external_id:ext-dave", want: "u:dave"},
	{q: "type:user notes:printer", want: "u:alice"},
	{q: "type:user details:email", want: "u:dave"},
	{q: "type:user notes:topology", want: "u:erin"},
	{q: "type:user created<2024-02-04", want: "u:owner u:alice u:bob u:carol"},
	{q: "type:user desk", want: "u:dave u:kim"},
	{q: "type:user top", want: "u:erin"},
	{q: `type:user group:"level 2"`, want: "u:alice u:carol"},
	{q: "type:user group:billing", want: "u:bob"},
	{q: "type:user plan:gold", want: "u:dave"},
	{q: "type:user plan:SILVER", want: "u:john"},
	{q: "type:user plan:g*", want: "u:dave"},
	{q: "type:user plan:none", want: "u:owner u:alice u:bob u:carol u:jane u:erin u:zoe u:kim"},
	{q: "type:user beta_tester:true", want: "u:erin"},
	{q: "type:user regions:emea", want: "u:jane"},
	{q: "type:user regions:apac", want: ""},
	{q: "type:user -role:end-user -tags:tier2", want: "u:owner u:bob u:carol"},
	{q: "type:user alpha.example", want: "u:owner u:alice u:bob u:carol"},
	{q: "type:user café", want: "u:zoe"},
	// Organizations.
	{q: "type:organization acme", want: "o:acme o:anvils"},
	{q: "type:organization tags:enterprise", want: "o:acme o:initech"},
	{q: "type:organization name:initech", want: "o:initech"},
	{q: "type:organization external_id:org-umb", want: "o:umbrella"},
	{q: "type:organization details:anvil", want: "o:acme o:anvils"},
	{q: `type:organization notes:"key account"`, want: "o:acme"},
	{q: "type:organization created<2024-01-12", want: "o:acme o:globex"},
	{q: "type:organization region:emea", want: "o:acme"},
	{q: "type:organization tags:none", want: "o:umbrella"},
	{q: "type:organization -tags:smb", want: "o:acme o:initech o:umbrella"},
	// Groups.
	{q: "type:group billing", want: "g:billing"},
	{q: "type:group escalations", want: "g:level2"},
	{q: "type:group refunds", want: "g:billing"},
	{q: "type:group name:support", want: "g:support"},
	{q: "type:group created>2024-01-05", want: "g:billing"},
	// Every type at once.
	{q: "café", want: "t7 t25 u:zoe"},
	{q: "printer", want: "t1 t16 t21 u:alice"},
	{q: "acme", want: "t8 t9 u:dave u:jane u:kim o:acme o:anvils"},
	{q: "status:open", want: tickets(stOpen)},
	{q: "created<2024-01-06", want: "u:owner g:support g:level2"},
	{q: "type:topic printer", want: ""},
}

// invalidQueries cannot run: each is the 400 "invalid" error.
var invalidQueries = []string{
	"", "   ", "foo:bar", "type:user status:open", "status:opened", "status:none", "type:group tags:x",
	"brand:acme", "has_attachment:maybe", "assignee>bob", "ticket_type<task", "type:organization role:admin",
	"role:superhero", "subject>foo", "group:me", "custom_field_{order}>3", "fieldvalue:none", "created>yesterday",
	"via:none", "priority:me", "custom_field_0:x", "type:ticket type:user", "type:ticket email:none",
}

func TestSearch(t *testing.T) {
	for _, d := range dbtest.Dialects(t) {
		t.Run(string(d), func(t *testing.T) {
			t.Parallel()
			clk := clock.NewFake(time.Date(2024, 1, 1, 0, 0, 0, 0, time.UTC))
			s := startServer(t, d, clk)
			f := buildFixture(t, s, clk)
			t.Run("queries", func(t *testing.T) { testQueries(t, s, f) })
			t.Run("invalid", func(t *testing.T) { testInvalid(t, s, f) })
			t.Run("paging", func(t *testing.T) { testPaging(t, s) })
			t.Run("http", func(t *testing.T) { testHTTP(t, s, f) })
			t.Run("export", func(t *testing.T) { testExport(t, s, f, clk) })
			t.Run("render", func(t *testing.T) { testRenderMatchesShow(t, s, f) })
			t.Run("tenants", func(t *testing.T) { testTenants(t, s, f, clk) })
			t.Run("fts-sync", func(t *testing.T) { testIndexFollowsWrites(t, s, f, clk) })
			t.Run("fast-path", func(t *testing.T) { testFastPath(t, s) })
		})
	}
}

// expand fills {field} placeholders with the fixture's field ids.
func (f fixture) expand(q string) string {
	for k, id := range f.fields {
		q = strings.ReplaceAll(q, "{"+k+"}", strconv.FormatInt(id, 10))
	}
	return q
}

// ref names a hit the way queryCases do.
func (f fixture) ref(h search.Hit) string {
	find := func(m map[string]int64, prefix string) string {
		for k, id := range m {
			if id == h.ID {
				return prefix + k
			}
		}
		return fmt.Sprintf("%s?%d", prefix, h.ID)
	}
	switch h.Type {
	case search.ResultTicket:
		return "t" + strconv.FormatInt(h.ID, 10)
	case search.ResultUser:
		return find(f.users, "u:")
	case search.ResultOrganization:
		return find(f.orgs, "o:")
	}
	return find(f.groups, "g:")
}

func testQueries(t *testing.T, s *apptest.Server, f fixture) {
	svc := service(s)
	for _, tc := range queryCases {
		name := tc.q
		if tc.sortBy != "" || tc.sortOrder != "" {
			name += " sort_by=" + tc.sortBy + " " + tc.sortOrder
		}
		t.Run(name, func(t *testing.T) {
			who := "owner"
			if tc.as != "" {
				who = tc.as
			}
			role := auth.RoleAdmin
			if who == "alice" {
				role = auth.RoleAgent
			}
			ctx := asUser(s, f.users[who], role)
			hits, total, err := svc.Search(ctx, search.Request{Query: f.expand(tc.q), SortBy: tc.sortBy, SortOrder: tc.sortOrder,
				Page: 1, PerPage: 100})
			if err != nil {
				t.Fatalf("search: %v", err)
			}
			got := make([]string, len(hits))
			for i, h := range hits {
				got[i] = f.ref(h)
			}
			want := strings.Fields(tc.want)
			if !tc.ordered {
				slices.Sort(got)
				slices.Sort(want)
			}
			if diff := cmp.Diff(want, got); diff != "" {
				t.Errorf("%q (-want +got):\n%s", tc.q, diff)
			}
			if total != int64(len(hits)) {
				t.Errorf("count = %d, results = %d", total, len(hits))
			}
			n, err := svc.Count(ctx, f.expand(tc.q))
			if err != nil || n != total {
				t.Errorf("Count = %d, %v; want %d", n, err, total)
			}
		})
	}
	t.Run("submitter:me counts", func(t *testing.T) {
		n, err := svc.Count(asUser(s, f.users["owner"], auth.RoleAdmin), "submitter:me")
		if err != nil || n != 27 {
			t.Errorf("Count(submitter:me) = %d, %v; want 27", n, err)
		}
	})
}

func testInvalid(t *testing.T, s *apptest.Server, f fixture) {
	svc := service(s)
	ctx := asUser(s, f.users["owner"], auth.RoleAdmin)
	for _, q := range invalidQueries {
		t.Run(q, func(t *testing.T) {
			_, _, err := svc.Search(ctx, search.Request{Query: f.expand(q), Page: 1, PerPage: 10})
			var e *errs.Error
			if !errors.As(err, &e) || e.Kind != errs.BadRequest || e.Code != "invalid" || e.Msg == "" {
				t.Fatalf("Search(%q) = %v; want BadRequest invalid", q, err)
			}
			t.Log(e.Msg)
		})
	}
}

func testPaging(t *testing.T, s *apptest.Server) {
	svc := service(s)
	ctx := asUser(s, s.Default.OwnerID, auth.RoleAdmin)
	var all []search.Hit
	for page := 1; page <= 4; page++ {
		hits, total, err := svc.Search(ctx, search.Request{Query: "type:ticket order_by:created sort:asc", Page: page, PerPage: 8})
		if err != nil || total != 29 {
			t.Fatalf("page %d: total %d, %v", page, total, err)
		}
		all = append(all, hits...)
	}
	if len(all) != 29 || all[0].ID != 1 || all[28].ID != 30 {
		t.Errorf("pages hold %d hits: %v", len(all), all)
	}
	_, _, err := svc.Search(ctx, search.Request{Query: "printer", Page: 11, PerPage: 100})
	if e, ok := err.(*errs.Error); !ok || e.Kind != errs.Invalid {
		t.Errorf("page 11 × 100: %v; want Invalid", err)
	}
}

// testFastPath checks that the fast plan of a ticket text search (count of
// the text set less deleted tickets; walk in sort order) gives exactly
// what the general plan gives, after fts-sync has deleted and purged
// tickets and redacted a comment, on both databases (PostgreSQL walks and
// seeks single words only, but every way must agree).
func testFastPath(t *testing.T, s *apptest.Server) {
	ctx := asUser(s, s.Default.OwnerID, auth.RoleAdmin)
	// A soft-deleted ticket stays in the text set; the fast count must
	// leave it out as the general plan does.
	before, err := service(s).Count(ctx, "type:ticket delivery")
	if err != nil || before == 0 {
		t.Fatalf("delivery before delete: %d %v", before, err)
	}
	call(t, s, s.Default, http.MethodDelete, "/api/v2/tickets/30.json", nil)
	ran, matched := 0, 0
	for _, q := range []string{"printer", "café", "delivery", "thanks", `"on fire"`, "zebra", "xylophone", "nothingmatches"} {
		for _, order := range []string{"", " order_by:created", " order_by:created sort:asc", " sort:asc"} {
			query := "type:ticket " + q + order
			fp, err := search.FastAndFull(ctx, service(s), query)
			if err != nil {
				t.Fatalf("%q: %v", query, err)
			}
			if !fp.Fast {
				t.Fatalf("%q: no fast plan on %s", query, s.Dialect)
			}
			if phrase := strings.HasPrefix(q, `"`); fp.Paged == (phrase && s.Dialect == "postgres") {
				t.Errorf("%q: walk and seek %t on %s", query, fp.Paged, s.Dialect)
			}
			ran++
			matched += len(fp.Page)
			if fp.FastCount != fp.FullCount || int64(len(fp.Page)) != fp.FullCount {
				t.Errorf("%q: fast count %d, general count %d, %d hits", query, fp.FastCount, fp.FullCount, len(fp.Page))
			}
			for name, hits := range map[string][]search.Hit{"walk": fp.Walk, "seek": fp.Seek} {
				if fp.Paged && dump(hits) != dump(fp.Page) {
					t.Errorf("%q: %s %s, general page %s", query, name, dump(hits), dump(fp.Page))
				}
			}
		}
	}
	if ran == 0 || matched == 0 {
		t.Errorf("fast plans ran %d, matched %d tickets", ran, matched)
	}
	if after, err := service(s).Count(ctx, "type:ticket delivery"); err != nil || after != before-1 {
		t.Errorf("delivery after deleting #30: %d %v, want %d", after, err, before-1)
	}
	for _, q := range []string{"type:ticket printer status:open", "type:ticket -printer", "type:ticket 12", "printer", "type:ticket printer paper"} {
		if fp, err := search.FastAndFull(ctx, service(s), q); err != nil || fp.Fast {
			t.Errorf("%q: fast plan %t (%v), want the general plan", q, fp.Fast, err)
		}
	}
}
