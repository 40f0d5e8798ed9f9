package ticket_test

import (
	"context"
	"testing"
	"time"

	"parley/internal/platform/httpx"
	"parley/internal/ticket"
)

// benchPage is 100 tickets as a seeded account holds them: tags, two
// custom fields, CCs, an assignee and a group.
func benchPage() []ticket.Ticket {
	at := time.Date(2026, 11, 1, 9, 30, 0, 0, time.UTC)
	ts := make([]ticket.Ticket, 100)
	for i := range ts {
		id := int64(i + 1)
		asg, grp, org, form := int64(7), int64(3), int64(11), int64(1)
		prio, typ := "normal", "question"
		ts[i] = ticket.Ticket{AccountID: 1, ID: id, Via: ticket.APIVia(), Type: &typ, Subject: "Printer on fire in room 4",
			RawSubject: "Printer on fire in room 4", Description: "The printer in room 4 is on fire. Please send help before lunch.",
			Priority: &prio, Status: "open", CustomStatusID: 2, RequesterID: 100 + id, SubmitterID: 100 + id, AssigneeID: &asg,
			OrganizationID: &org, GroupID: &grp, IsPublic: true, TicketFormID: &form, Satisfaction: "unoffered",
			Tags: []string{"hardware", "printer", "urgent_floor"}, Fields: map[int64]any{21: "product_laser", 22: "A-10492"},
			ActiveFieldIDs: []int64{21, 22}, CollaboratorIDs: []int64{5}, FollowerIDs: []int64{}, EmailCCIDs: []int64{5},
			FollowupIDs: []int64{}, CreatedAt: at, UpdatedAt: at.Add(time.Hour), StatusUpdatedAt: at}
	}
	return ts
}

// BenchmarkJSONPage measures rendering and encoding one 100-ticket list
// page (GET /api/v2/tickets.json?per_page=100) without the database, with
// the encoder every response uses (httpx.Marshal).
func BenchmarkJSONPage(b *testing.B) {
	ts := benchPage()
	ctx := httpx.WithBase(context.Background(), "http://alpha.parley.test")
	b.ReportAllocs()
	var size int
	for b.Loop() {
		out := make([]httpx.M, len(ts))
		for i, t := range ts {
			out[i] = ticket.JSON(ctx, t)
		}
		body, err := httpx.Marshal(httpx.M{"tickets": out, "next_page": nil, "previous_page": nil, "count": len(out)})
		if err != nil {
			b.Fatal(err)
		}
		size = len(body)
	}
	b.ReportMetric(float64(size), "bytes/page")
}
