package ticket_test

import (
	"fmt"
	"testing"
	"time"

	"parley/internal/platform/db"
	"parley/internal/platform/db/dbtest"
	"parley/internal/platform/opt"
	"parley/internal/ticket"
	"parley/internal/ticket/tickettest"
)

// TestPeopleOnlyUpdates: an update that only adds or removes a follower
// or an email CC is stored, though no field changed.
func TestPeopleOnlyUpdates(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		e := tickettest.New(t, d, time.Date(2024, 3, 1, 10, 0, 0, 0, time.UTC))
		ctx := e.As(t, e.Owner)
		tk, _, err := e.Tickets.Create(ctx, ticket.Input{Subject: opt.Of("Help"), Comment: opt.Of(ticket.CommentInput{Body: "please"})})
		if err != nil {
			t.Fatal(err)
		}
		follow := func(action string) ticket.Input {
			return ticket.Input{Followers: opt.Of([]ticket.CCChange{{UserID: opt.Of(e.Owner), Action: action}})}
		}
		cc := func(action string) ticket.Input {
			return ticket.Input{EmailCCs: opt.Of([]ticket.CCChange{{UserEmail: "boss@example.org", Action: action}})}
		}
		for _, step := range []struct {
			name              string
			in                ticket.Input
			followers, nEmail int
		}{
			{"add a follower", follow("put"), 1, 0},
			{"add a CC", cc("put"), 1, 1},
			{"remove the follower", follow("delete"), 0, 1},
			{"remove the CC", cc("delete"), 0, 0},
		} {
			if _, _, err := e.Tickets.Update(ctx, tk.ID, step.in); err != nil {
				t.Fatalf("%s: %v", step.name, err)
			}
			got, err := e.Tickets.Get(ctx, tk.ID)
			if err != nil {
				t.Fatal(err)
			}
			if len(got.FollowerIDs) != step.followers || len(got.EmailCCIDs) != step.nEmail {
				t.Fatalf("%s: followers %v, email CCs %v", step.name, got.FollowerIDs, got.EmailCCIDs)
			}
			if step.followers == 1 && fmt.Sprint(got.FollowerIDs) != fmt.Sprint([]int64{e.Owner}) {
				t.Fatalf("%s: followers %v", step.name, got.FollowerIDs)
			}
		}
	})
}
