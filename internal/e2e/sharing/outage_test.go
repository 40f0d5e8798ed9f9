package sharing_test

import (
	"context"
	"fmt"
	"testing"
	"time"

	"parley/internal/e2e/sharing/pair"
	"parley/internal/platform/db/dbtest"
)

// A partner outage: the receiving process is stopped, the sender makes 20
// updates, the receiver comes back, and all 20 arrive exactly once and in
// order (the outbox is retried with backoff and delivered in id order).
func TestPartnerOutage(t *testing.T) {
	for _, d := range dbtest.Dialects(t) {
		t.Run(string(d), func(t *testing.T) {
			p := pair.New(t, d, "remote")
			aid, _ := p.Connect(t, map[string]any{"allows_public_comments": true})
			tk := pair.Ticket(t, p.A, map[string]any{"subject": "Through the outage", "comment": map[string]any{"body": "start"}})
			id := pair.Num(tk["id"])
			pair.Share(t, p.A, id, aid)
			gid := pair.Num(pair.Received(t, p.B, "Through the outage")["id"])

			p.B.S.Stop(t)
			const n = 20
			for i := 1; i <= n; i++ {
				pair.Update(t, p.A, id, map[string]any{"comment": map[string]any{"body": fmt.Sprintf("update %02d", i), "public": true}})
			}
			// The sender has tried and failed while the partner was down.
			pair.Eventually(t, "a failed delivery attempt on A", func() (bool, any) {
				var tries int
				err := p.A.S.App.DB.Reader().QueryRowContext(context.Background(),
					`SELECT COALESCE(MAX(attempts), 0) FROM sharing_outbox WHERE status = 'pending'`).Scan(&tries)
				return err == nil && tries > 0, []any{tries, err}
			})
			p.B.S.Restart(t)

			got := pair.Eventually(t, "all 20 updates on B", func() (bool, any) {
				cs := pair.Comments(t, p.B, gid)
				return len(cs) >= n+1, cs
			}).([]map[string]any)
			time.Sleep(300 * time.Millisecond) // a duplicate would land within this
			got = pair.Comments(t, p.B, gid)
			if len(got) != n+1 {
				t.Fatalf("B has %d comments; want the first and %d updates exactly once", len(got), n)
			}
			for i := 1; i <= n; i++ {
				if body := got[i]["body"]; body != fmt.Sprintf("update %02d", i) {
					t.Errorf("comment %d on B = %q; want %q (in order)", i, body, fmt.Sprintf("update %02d", i))
				}
			}
		})
	}
}
