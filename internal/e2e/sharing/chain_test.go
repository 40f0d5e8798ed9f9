package sharing_test

import (
	"fmt"
	"net/http"
	"testing"

	"parley/internal/e2e/sharing/pair"
)

// A ticket is shared with one account, but the receiver may share it on
// with an account it has an agreement with: A → B → C. Updates travel the
// chain both ways and never come back to the side that made them.
func TestShareOn(t *testing.T) {
	pair.Each(t, func(t *testing.T, p *pair.Pair) {
		c := p.Third(t)
		ab, _ := p.Connect(t, nil)
		bc, _ := p.Connect2(t, p.B, c, nil)
		tk := pair.Ticket(t, p.A, map[string]any{"subject": "Down the chain", "comment": map[string]any{"body": "from A"}})
		id := pair.Num(tk["id"])
		pair.Share(t, p.A, id, ab)
		onB := pair.Num(pair.Received(t, p.B, "Down the chain")["id"])
		shared := pair.Share(t, p.B, onB, bc)
		if got := ids(shared["sharing_agreement_ids"]); len(got) != 2 {
			t.Errorf("B's ticket after sharing it on: sharing_agreement_ids %v; want the inbound and the outbound one", got)
		}
		onC := pair.Num(pair.Received(t, c, "Down the chain")["id"])
		if pair.HasComment(pair.Comments(t, c, onC), "from A") != 1 {
			t.Errorf("C lacks A's first comment")
		}
		// C answers: B gets it through its share with C, and passes it on to A.
		pair.Update(t, c, onC, map[string]any{"comment": map[string]any{"body": "from C", "public": true}})
		pair.Eventually(t, "C's comment on A", func() (bool, any) {
			cs := pair.Comments(t, p.A, id)
			return pair.HasComment(cs, "from C") == 1, cs
		})
		// A answers: it reaches C through B, and nobody gets an echo.
		pair.Update(t, p.A, id, map[string]any{"comment": map[string]any{"body": "from A again", "public": true}})
		pair.Eventually(t, "A's second comment on C", func() (bool, any) {
			cs := pair.Comments(t, c, onC)
			return pair.HasComment(cs, "from A again") == 1, cs
		})
		for _, x := range []struct {
			side pair.Side
			id   int64
		}{{p.A, id}, {p.B, onB}, {c, onC}} {
			cs := pair.Comments(t, x.side, x.id)
			for _, body := range []string{"from A", "from C", "from A again"} {
				if n := pair.HasComment(cs, body); n != 1 {
					t.Errorf("%s has %q %d times; want once", x.side.Name, body, n)
				}
			}
		}
	})
}

// Custom statuses travel as their category (seed 003's table): the
// receiver gets its own default status of that category, even when it
// has a custom status with the same name, and pending's category arrives
// as open.
func TestCustomStatusMapping(t *testing.T) {
	pair.Each(t, func(t *testing.T, p *pair.Pair) {
		aid, _ := p.Connect(t, map[string]any{"allows_public_comments": true})
		status := func(x pair.Side, category, label string) int64 {
			return pair.Num(pair.Obj(t, x.Do(t, "POST", "/api/v2/custom_statuses.json", map[string]any{"custom_status": map[string]any{
				"status_category": category, "agent_label": label}}, http.StatusCreated), "custom_status")["id"])
		}
		defaults := func(x pair.Side) map[string]int64 {
			list, _ := x.Do(t, "GET", "/api/v2/custom_statuses.json", nil, http.StatusOK)["custom_statuses"].([]any)
			out := map[string]int64{}
			for _, s := range list {
				m := s.(map[string]any)
				if m["default"] == true {
					out[fmt.Sprint(m["status_category"])] = pair.Num(m["id"])
				}
			}
			return out
		}
		vendor := status(p.A, "hold", "Waiting on vendor")
		reply := status(p.A, "pending", "Waiting on customer reply")
		status(p.B, "hold", "Waiting on vendor") // same name on B: still mapped by category
		bDefaults := defaults(p.B)

		tk := pair.Ticket(t, p.A, map[string]any{"subject": "Custom statuses", "comment": map[string]any{"body": "x"}})
		id := pair.Num(tk["id"])
		pair.Share(t, p.A, id, aid)
		gid := pair.Num(pair.Received(t, p.B, "Custom statuses")["id"])

		pair.Update(t, p.A, id, map[string]any{"custom_status_id": vendor})
		pair.Eventually(t, "hold on B with B's default hold status", func() (bool, any) {
			g := pair.Get(t, p.B, gid)
			return g["status"] == "hold" && pair.Num(g["custom_status_id"]) == bDefaults["hold"], []any{g["status"], g["custom_status_id"]}
		})
		pair.Update(t, p.A, id, map[string]any{"custom_status_id": reply})
		pair.Eventually(t, "a pending-category status arriving as open", func() (bool, any) {
			g := pair.Get(t, p.B, gid)
			return g["status"] == "open" && pair.Num(g["custom_status_id"]) == bDefaults["open"], []any{g["status"], g["custom_status_id"]}
		})
	})
}
