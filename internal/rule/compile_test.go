package rule

import (
	"context"
	"fmt"
	"math/rand/v2"
	"slices"
	"testing"
	"time"

	"parley/internal/platform/db"
	"parley/internal/platform/db/dbtest"
)

// seedTickets stores generated tickets (with their requesters, tags and
// custom field values) in a fresh account and returns the account id.
// firstID is the stored form of a ticket's one sharing agreement.
func firstID(ids []int64) any {
	if len(ids) == 0 {
		return nil
	}
	return ids[0]
}

func seedTickets(t testing.TB, d *db.DB, ts []genTicket) int64 {
	t.Helper()
	ctx := context.Background()
	var acct int64
	err := d.InTx(ctx, func(ctx context.Context) error {
		c := d.Conn(ctx)
		if err := c.QueryRowContext(ctx, `INSERT INTO accounts (subdomain, name, created_at, updated_at)
			VALUES ('r', 'R', $1, $1) RETURNING id`, genNow).Scan(&acct); err != nil {
			return err
		}
		for _, u := range genUsers {
			if _, err := c.ExecContext(ctx, `INSERT INTO users (id, account_id, name, role, locale, created_at, updated_at)
				VALUES ($1, $2, $3, $4, $5, $6, $6)`, u.id, acct, fmt.Sprint("u", u.id), u.role, u.locale, genNow); err != nil {
				return err
			}
		}
		for _, g := range ts {
			tk := g.t
			var status any
			if !tk.StatusUpdatedAt.IsZero() {
				status = tk.StatusUpdatedAt
			}
			if _, err := c.ExecContext(ctx, `INSERT INTO tickets (account_id, id, via_channel, type, subject, raw_subject,
				description, priority, status, custom_status_id, recipient, requester_id, submitter_id, assignee_id,
				organization_id, group_id, is_public, due_at, brand_id, ticket_form_id, satisfaction_score, created_at,
				updated_at, solved_at, status_updated_at, assigned_at, requester_updated_at, assignee_updated_at, reopens, replies,
				shared_from_agreement_id, shared_to_agreement_id)
				VALUES ($1,$2,$3,$4,$5,$5,$6,$7,$8,$9,$10,$11,$11,$12,$13,$14,$15,$16,$17,$18,$19,$20,$21,$22,$23,$24,$25,$26,$27,$28,
				$29,$30)`,
				acct, tk.ID, g.channel, g.typ, tk.Subject, tk.Description, g.priority, tk.Status, tk.CustomStatusID,
				g.recipient, tk.RequesterID, nullID(tk.AssigneeID), nullID(tk.OrganizationID), nullID(tk.GroupID),
				tk.IsPublic, db.NullTime(tk.DueAt), nullID(tk.BrandID), nullID(tk.TicketFormID), tk.Satisfaction,
				tk.CreatedAt, tk.UpdatedAt, db.NullTime(tk.SolvedAt), status, db.NullTime(tk.AssignedAt),
				db.NullTime(tk.RequesterUpdatedAt), db.NullTime(tk.AssigneeUpdatedAt), tk.Reopens, tk.Replies,
				firstID(tk.SharedFrom), firstID(tk.SharedTo)); err != nil {
				return err
			}
			for _, tag := range tk.Tags {
				if _, err := c.ExecContext(ctx, `INSERT INTO ticket_tags (account_id, ticket_id, tag) VALUES ($1,$2,$3)`,
					acct, tk.ID, tag); err != nil {
					return err
				}
			}
			for fid, v := range g.fields {
				if _, err := c.ExecContext(ctx, `INSERT INTO ticket_field_values (account_id, ticket_id, field_id, value)
					VALUES ($1,$2,$3,$4)`, acct, tk.ID, fid, v); err != nil {
					return err
				}
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	// Planner statistics, as a live database has them (without them
	// PostgreSQL plans the EXISTS sub-selects as unparameterised loops).
	if _, err := d.Writer().ExecContext(ctx, "ANALYZE"); err != nil {
		t.Fatal(err)
	}
	return acct
}

func nullID(n int64) any {
	if n == 0 {
		return nil
	}
	return n
}

// selectIDs runs the compiled conditions over the account's tickets.
func selectIDs(t testing.TB, d *db.DB, acct int64, c Conditions, o CompileOptions) ([]int64, string) {
	t.Helper()
	args := []any{acct}
	where, err := Compile(c, o, &args)
	if err != nil {
		t.Fatalf("compile %+v: %v", c, err)
	}
	q := "SELECT t.id FROM tickets t WHERE t.account_id = $1 AND " + where + " ORDER BY t.id"
	rows, err := d.Reader().QueryContext(context.Background(), q, args...)
	if err != nil {
		t.Fatalf("%+v: %v\n%s", c, err, q)
	}
	defer rows.Close()
	var ids []int64
	for rows.Next() {
		var id int64
		if err := rows.Scan(&id); err != nil {
			t.Fatal(err)
		}
		ids = append(ids, id)
	}
	if err := rows.Err(); err != nil {
		t.Fatal(err)
	}
	return ids, q
}

// matchIDs are the ids of the tickets of ts that Match accepts, in order.
func matchIDs(ts []genTicket, c Conditions, u *Update) []int64 {
	var out []int64
	for j := range ts {
		if Match(c, &ts[j].t, u, genNow) {
			out = append(out, ts[j].t.ID)
		}
	}
	return out
}

// TestCompileAgreesWithMatch is the proof that SQL and memory agree: for
// many generated condition sets, the tickets the compiled SQL selects are
// exactly those Match accepts, on both engines.
func TestCompileAgreesWithMatch(t *testing.T) {
	t.Parallel()
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		r := rand.New(rand.NewPCG(7, 11))
		ts := genTickets(r, 300)
		acct := seedTickets(t, d, ts)
		start := time.Now()
		seen := map[string]int{}
		const sets = 1500
		for i := range sets {
			c := genConditions(r)
			o := CompileOptions{Dialect: d.Dialect, Now: genNow}
			var u *Update
			if i%3 == 0 {
				o.CurrentUserID, u = 10, &Update{ActorID: 10}
			}
			if i%2 == 1 {
				// Tag and custom field conditions start from their
				// table's index (the form views use for a rare tag or
				// value); the answer must not change.
				o.Few, o.AccountID = func(string, []any) bool { return true }, acct
			}
			got, q := selectIDs(t, d, acct, c, o)
			want := matchIDs(ts, c, u)
			if !slices.Equal(got, want) {
				t.Fatalf("set %d %+v:\nSQL %v\nMatch %v\n%s", i, c, got, want, q)
			}
			for _, x := range append(c.All, c.Any...) {
				seen[x.Field+" "+x.Operator]++
			}
			if len(want) > 0 && len(want) < len(ts) {
				seen["(selective)"]++
			}
		}
		if seen["(selective)"] < sets/4 {
			t.Errorf("only %d of %d sets select some but not all tickets", seen["(selective)"], sets)
		}
		t.Logf("%d condition sets over %d tickets in %v; %d field/operator pairs", sets, len(ts), time.Since(start), len(seen))
	})
}

// TestFewFormsAgree: every tag and custom field condition a view may start
// from its table's index (CompileOptions.Few) selects what Match accepts,
// for each field and value the generator knows, on both engines.
func TestFewFormsAgree(t *testing.T) {
	t.Parallel()
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		r := rand.New(rand.NewPCG(3, 5))
		ts := genTickets(r, 300)
		acct := seedTickets(t, d, ts)
		var conds []Condition
		for _, v := range genValues["current_tags"] {
			conds = append(conds, Condition{Field: "current_tags", Operator: "includes", Value: v})
		}
		for fid := 101; fid <= 107; fid++ {
			for _, op := range []string{"is", "includes"} {
				for _, v := range genFieldCondVals {
					conds = append(conds, Condition{Field: fmt.Sprintf("custom_fields_%d", fid), Operator: op, Value: v})
				}
			}
		}
		asked := 0
		o := CompileOptions{Dialect: d.Dialect, Now: genNow, AccountID: acct,
			Few: func(string, []any) bool { asked++; return true }}
		for _, x := range conds {
			c := Conditions{All: []Condition{x}}
			if _, err := Compile(c, o, &[]any{acct}); err != nil {
				continue // an operator this field does not take
			}
			got, q := selectIDs(t, d, acct, c, o)
			want := matchIDs(ts, c, nil)
			if !slices.Equal(got, want) {
				t.Errorf("%+v:\nSQL %v\nMatch %v\n%s", x, got, want, q)
			}
		}
		if asked < len(conds)/2 {
			t.Errorf("Few was asked %d times for %d conditions", asked, len(conds))
		}
	})
}
