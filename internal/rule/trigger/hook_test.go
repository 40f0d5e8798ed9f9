package trigger_test

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"

	"parley/internal/auth"
	"parley/internal/platform/db"
	"parley/internal/platform/db/dbtest"
	"parley/internal/platform/opt"
	"parley/internal/rule"
	"parley/internal/rule/trigger"
	"parley/internal/ticket"
)

// ruleEvents returns the audit events caused by rule id (via rule source).
func ruleEvents(t *testing.T, au ticket.Audit, kind string, id int64) []ticket.Event {
	t.Helper()
	var out []ticket.Event
	for _, ev := range au.Events {
		if len(ev.Via) == 0 {
			continue
		}
		var v struct {
			Channel string `json:"channel"`
			Source  struct {
				From struct {
					ID int64 `json:"id"`
				} `json:"from"`
				Rel string `json:"rel"`
			} `json:"source"`
		}
		if err := json.Unmarshal(ev.Via, &v); err != nil {
			t.Fatalf("event via %s: %v", ev.Via, err)
		}
		if v.Channel == "rule" && v.Source.Rel == kind && v.Source.From.ID == id {
			out = append(out, ev)
		}
	}
	return out
}

func TestTriggersReachFixpoint(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		e := newEnv(t, d)
		ctx := e.a.admin
		// Run order is by position: "second step" is checked first but can
		// only match after "first step" fired, so the loop must restart.
		second := e.mustRule(ctx, rule.Trigger, "second step", []rule.Condition{c("current_tags", "includes", "step2")},
			[]rule.Action{act("current_tags", "step3"), act("priority", "urgent")})
		first := e.mustRule(ctx, rule.Trigger, "first step", []rule.Condition{c("current_tags", "includes", "step1")},
			[]rule.Action{act("current_tags", "step2")})
		tk, au := e.createTicket(ctx, ticket.Input{Tags: opt.Of([]string{"step1"})})
		for _, tag := range []string{"step1", "step2", "step3"} {
			if !slices.Contains(tk.Tags, tag) {
				t.Errorf("tags = %v; want %s", tk.Tags, tag)
			}
		}
		if tk.Priority == nil || *tk.Priority != "urgent" {
			t.Errorf("priority = %v; want urgent", tk.Priority)
		}
		// The changes are audit events with the trigger as source.
		if evs := ruleEvents(t, au, "trigger", second.ID); len(evs) == 0 {
			t.Errorf("no audit events from %q: %+v", second.Title, au.Events)
		} else if !slices.ContainsFunc(evs, func(ev ticket.Event) bool { return ev.FieldName == "priority" && ev.Value == "urgent" }) {
			t.Errorf("events of %q = %+v; want a priority change", second.Title, evs)
		}
		if evs := ruleEvents(t, au, "trigger", first.ID); len(evs) == 0 {
			t.Errorf("no audit events from %q", first.Title)
		}
		// The stored ticket agrees.
		got, err := e.tickets.Load(t.Context(), e.a.acct, tk.ID)
		if err != nil || !slices.Contains(got.Tags, "step3") {
			t.Errorf("stored tags = %v, %v", got.Tags, err)
		}
	})
}

func TestTriggerFiresAtMostOncePerWrite(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		e := newEnv(t, d)
		ctx := e.a.admin
		// adder matches again after remover undoes its change; it must not
		// fire a second time in the same write.
		adder := e.mustRule(ctx, rule.Trigger, "adder", []rule.Condition{c("current_tags", "not_includes", "ping")},
			[]rule.Action{act("current_tags", "ping"),
				act("notification_user", []any{"requester_id", "Hello {{ticket.id}}", "Body"})})
		e.mustRule(ctx, rule.Trigger, "remover", []rule.Condition{c("current_tags", "includes", "ping")},
			[]rule.Action{act("remove_tags", "ping")})
		tk, au := e.createTicket(ctx, ticket.Input{})
		if slices.Contains(tk.Tags, "ping") {
			t.Errorf("tags = %v; remover should have run last", tk.Tags)
		}
		if n := strings.Count(strings.Join(e.notifier.titles(), "|"), "adder"); n != 1 {
			t.Errorf("adder notified %d times; want 1", n)
		}
		// The notification is recorded on the audit with the trigger as via.
		var notes []ticket.Event
		for _, ev := range ruleEvents(t, au, "trigger", adder.ID) {
			if ev.Type == "Notification" {
				notes = append(notes, ev)
			}
		}
		if len(notes) != 1 {
			t.Fatalf("notification events = %+v; want 1", notes)
		}
		if notes[0].Data["subject"] != "Hello {{ticket.id}}" {
			t.Errorf("notification data = %v", notes[0].Data)
		}
		if r, ok := notes[0].Data["recipients"].([]int64); !ok || len(r) != 1 || r[0] != tk.RequesterID {
			t.Errorf("recipients = %#v; want [%d]", notes[0].Data["recipients"], tk.RequesterID)
		}
		// Reading the audit back gives the same event.
		back, err := e.tickets.Load(t.Context(), e.a.acct, tk.ID)
		if err != nil || back.ID != tk.ID {
			t.Fatalf("load: %v", err)
		}
	})
}

func TestInvalidActionDoesNotFailTheWrite(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		e := newEnv(t, d)
		ctx := e.a.admin
		// A ticket cannot go back to new: the action is refused by the
		// ticket rules, the write and later triggers go on.
		e.mustRule(ctx, rule.Trigger, "back to new", []rule.Condition{c("update_type", "is", "Change")},
			[]rule.Action{act("status", "new")})
		after := e.mustRule(ctx, rule.Trigger, "after", []rule.Condition{c("update_type", "is", "Change")},
			[]rule.Action{act("current_tags", "after")})
		tk, _ := e.createTicket(ctx, ticket.Input{})
		up, au, err := e.tickets.Update(ctx, tk.ID, ticket.Input{Status: opt.Of("open")})
		if err != nil {
			t.Fatalf("update failed because of a trigger: %v", err)
		}
		if up.Status != "open" {
			t.Errorf("status = %s; want open", up.Status)
		}
		if !slices.Contains(up.Tags, "after") || len(ruleEvents(t, au, "trigger", after.ID)) == 0 {
			t.Errorf("later trigger did not fire: tags %v", up.Tags)
		}
	})
}

func TestInactiveAndEditedTriggers(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		e := newEnv(t, d)
		ctx := e.a.admin
		r := e.mustRule(ctx, rule.Trigger, "tagger", []rule.Condition{c("update_type", "is", "Create")},
			[]rule.Action{act("current_tags", "one")})
		tk, _ := e.createTicket(ctx, ticket.Input{})
		if !slices.Contains(tk.Tags, "one") {
			t.Fatalf("tags = %v; want one", tk.Tags)
		}
		// An edit is seen by the next write (the parse cache follows revisions).
		if _, err := e.svc.Update(ctx, rule.Trigger, r.ID, trigger.Input{All: opt.Of([]rule.Condition{c("update_type", "is", "Create")}),
			Actions: opt.Of([]rule.Action{act("current_tags", "two")})}); err != nil {
			t.Fatal(err)
		}
		tk, _ = e.createTicket(ctx, ticket.Input{})
		if !slices.Contains(tk.Tags, "two") || slices.Contains(tk.Tags, "one") {
			t.Errorf("tags after edit = %v; want two", tk.Tags)
		}
		if _, err := e.svc.Update(ctx, rule.Trigger, r.ID, trigger.Input{Active: opt.Of(false)}); err != nil {
			t.Fatal(err)
		}
		tk, _ = e.createTicket(ctx, ticket.Input{})
		if len(tk.Tags) != 0 {
			t.Errorf("inactive trigger fired: tags %v", tk.Tags)
		}
		// Another account's triggers never run here.
		tb, _ := e.createTicket(e.b.admin, ticket.Input{})
		if len(tb.Tags) != 0 {
			t.Errorf("account B ticket tags = %v", tb.Tags)
		}
	})
}

func TestDefaultRules(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		e := newEnv(t, d)
		a := e.a
		for i := 0; i < 2; i++ {
			if err := e.svc.BootstrapAccount(t.Context(), a.acct); err != nil {
				t.Fatalf("bootstrap %d: %v", i, err)
			}
		}
		m := e.mustCall(a, "GET", "/triggers", nil, 200)
		if m["count"] != float64(7) {
			t.Fatalf("default triggers = %v; want 7 (bootstrap is idempotent)", titles(t, m, "triggers"))
		}
		for _, x := range list(t, m, "triggers") {
			tr := x.(map[string]any)
			if tr["default"] != true {
				t.Errorf("%v not marked default", tr["title"])
			}
			if want := tr["title"] != "Notify all agents of received request"; tr["active"] != want {
				t.Errorf("%v active = %v; want %v", tr["title"], tr["active"], want)
			}
		}
		cats := list(t, e.mustCall(a, "GET", "/trigger_categories", nil, 200), "trigger_categories")
		if len(cats) != 1 || cats[0].(map[string]any)["name"] != "Notifications" {
			t.Errorf("categories = %v", cats)
		}
		autos := titles(t, e.mustCall(a, "GET", "/automations", nil, 200), "automations")
		if len(autos) != 1 || autos[0] != "Close ticket 4 days after status is set to solved" {
			t.Errorf("automations = %v", autos)
		}

		// An end user's request notifies the requester; an agent's public
		// reply notifies the requester again; private notes do not.
		requester := e.user(a, "Ann", "ann@acme.example", auth.RoleEndUser)
		actor, _ := e.users.ActorByID(t.Context(), a.acct, requester.ID)
		tk, _, err := e.tickets.CreateAs(t.Context(), actor, ticket.Input{Subject: opt.Of("Help"),
			Comment: opt.Of(ticket.CommentInput{Body: "It broke"})}, ticket.Via{Channel: "web"})
		if err != nil {
			t.Fatal(err)
		}
		if got := e.notifier.titles(); !slices.Equal(got, []string{"Notify requester and CCs of received request"}) {
			t.Errorf("after end-user create, notified = %v", got)
		}
		if _, _, err := e.tickets.Update(a.admin, tk.ID, ticket.Input{Comment: opt.Of(ticket.CommentInput{Body: "On it", Public: opt.Of(true)})}); err != nil {
			t.Fatal(err)
		}
		got := e.notifier.titles()
		if !slices.Contains(got, "Notify requester and CCs of comment update") {
			t.Errorf("after public reply, notified = %v", got)
		}
		n := len(got)
		if _, _, err := e.tickets.Update(a.admin, tk.ID, ticket.Input{Comment: opt.Of(ticket.CommentInput{Body: "note", Public: opt.Of(false)})}); err != nil {
			t.Fatal(err)
		}
		for _, title := range e.notifier.titles()[n:] {
			if title == "Notify requester and CCs of comment update" {
				t.Errorf("a private note notified the requester")
			}
		}
	})
}

func TestAutomationsCloseSolvedTickets(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		e := newEnv(t, d)
		a := e.a
		if err := e.svc.BootstrapAccount(t.Context(), a.acct); err != nil {
			t.Fatal(err)
		}
		solved, _ := e.createTicket(a.admin, ticket.Input{})
		open, _ := e.createTicket(a.admin, ticket.Input{})
		if _, _, err := e.tickets.Update(a.admin, solved.ID, ticket.Input{Status: opt.Of("solved")}); err != nil {
			t.Fatal(err)
		}
		if _, _, err := e.tickets.Update(a.admin, open.ID, ticket.Input{Status: opt.Of("open")}); err != nil {
			t.Fatal(err)
		}
		// Another account's solved ticket is not touched by A's run.
		other, _ := e.createTicket(e.b.admin, ticket.Input{})
		if _, _, err := e.tickets.Update(e.b.admin, other.ID, ticket.Input{Status: opt.Of("solved")}); err != nil {
			t.Fatal(err)
		}

		e.clk.Advance(95 * time.Hour)
		n, err := e.svc.RunAutomations(t.Context(), a.acct, e.clk.Now())
		if err != nil || n != 0 {
			t.Fatalf("run at 95h = %d, %v; want 0", n, err)
		}
		if tk, _ := e.tickets.Load(t.Context(), a.acct, solved.ID); tk.Status != "solved" {
			t.Errorf("status at 95h = %s; want solved", tk.Status)
		}
		e.clk.Advance(2 * time.Hour)
		n, err = e.svc.RunAutomations(t.Context(), a.acct, e.clk.Now())
		if err != nil || n != 1 {
			t.Fatalf("run at 97h = %d, %v; want 1", n, err)
		}
		if tk, _ := e.tickets.Load(t.Context(), a.acct, solved.ID); tk.Status != "closed" {
			t.Errorf("status at 97h = %s; want closed", tk.Status)
		}
		if tk, _ := e.tickets.Load(t.Context(), a.acct, open.ID); tk.Status != "open" {
			t.Errorf("open ticket status = %s", tk.Status)
		}
		if tk, _ := e.tickets.Load(t.Context(), e.b.acct, other.ID); tk.Status != "solved" {
			t.Errorf("account B ticket status = %s; want solved", tk.Status)
		}
		// Nothing left to do: a second run fires nothing.
		if n, err := e.svc.RunAutomations(t.Context(), a.acct, e.clk.Now()); err != nil || n != 0 {
			t.Errorf("second run = %d, %v; want 0", n, err)
		}
	})
}

func TestAutomationFiresOncePerTicketState(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		e := newEnv(t, d)
		a := e.a
		// A nullifying automation: the tag it adds makes it false.
		au := e.mustRule(a.admin, rule.Automation, "Pending reminder",
			[]rule.Condition{c("status", "is", "pending"), c("PENDING", "greater_than", "24"), c("current_tags", "not_includes", "reminded")},
			[]rule.Action{act("current_tags", "reminded"), act("notification_user", []any{"requester_id", "Still there?", "Reply"})})
		tk, _ := e.createTicket(a.admin, ticket.Input{})
		if _, _, err := e.tickets.Update(a.admin, tk.ID, ticket.Input{Status: opt.Of("pending")}); err != nil {
			t.Fatal(err)
		}
		e.clk.Advance(25 * time.Hour)
		if n, err := e.svc.RunAutomations(t.Context(), a.acct, e.clk.Now()); err != nil || n != 1 {
			t.Fatalf("first run = %d, %v; want 1", n, err)
		}
		got, _ := e.tickets.Load(t.Context(), a.acct, tk.ID)
		if !slices.Contains(got.Tags, "reminded") {
			t.Errorf("tags = %v", got.Tags)
		}
		if ts := e.notifier.titles(); !slices.Equal(ts, []string{au.Title}) {
			t.Errorf("notified = %v", ts)
		}
		e.clk.Advance(time.Hour)
		if n, err := e.svc.RunAutomations(t.Context(), a.acct, e.clk.Now()); err != nil || n != 0 {
			t.Errorf("second run = %d, %v; want 0", n, err)
		}
	})
}

func TestAutomationRunGuard(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		e := newEnv(t, d)
		a := e.a
		// An automation that changes nothing but sends mail (validation would
		// refuse it; older data may hold one): it must not fire again on a
		// ticket that has not changed since it fired.
		conds := `{"all":[{"field":"status","operator":"is","value":"pending"},{"field":"PENDING","operator":"greater_than","value":"24"}],"any":[]}`
		acts := `[{"field":"notification_user","value":["requester_id","Nudge","Body"]}]`
		if _, err := d.Writer().ExecContext(t.Context(), `INSERT INTO triggers (account_id, kind, title, raw_title, active, position,
			conditions, actions, created_at, updated_at) VALUES ($1, 'automation', 'Nudge', 'Nudge', TRUE, 0, $2, $3, $4, $4)`,
			a.acct, conds, acts, e.clk.Now()); err != nil {
			t.Fatal(err)
		}
		tk, _ := e.createTicket(a.admin, ticket.Input{})
		if _, _, err := e.tickets.Update(a.admin, tk.ID, ticket.Input{Status: opt.Of("pending")}); err != nil {
			t.Fatal(err)
		}
		run := func(want int) {
			t.Helper()
			e.clk.Advance(time.Hour)
			if n, err := e.svc.RunAutomations(t.Context(), a.acct, e.clk.Now()); err != nil || n != want {
				t.Errorf("run at %s = %d, %v; want %d", e.clk.Now(), n, err, want)
			}
		}
		e.clk.Advance(24 * time.Hour)
		run(1)
		run(0)
		run(0)
		// The ticket changes: it is a new state, so the automation may fire once more.
		if _, _, err := e.tickets.Update(a.admin, tk.ID, ticket.Input{AdditionalTags: opt.Of([]string{"touched"})}); err != nil {
			t.Fatal(err)
		}
		run(1)
		run(0)
		if n := len(e.notifier.titles()); n != 2 {
			t.Errorf("notifications = %d; want 2", n)
		}
	})
}

func TestAutomationCandidatesUseAnIndex(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		e := newEnv(t, d)
		ctx := e.a.admin
		r := e.mustRule(ctx, rule.Automation, "Close solved",
			[]rule.Condition{c("status", "is", "solved"), c("SOLVED", "greater_than", "96")},
			[]rule.Action{act("status", "closed")})
		q, args, err := e.svc.CandidateQuery(e.a.acct, r, e.clk.Now(), 0)
		if err != nil {
			t.Fatal(err)
		}
		var plan []string
		err = d.InTx(t.Context(), func(ctx context.Context) error {
			prefix := "EXPLAIN QUERY PLAN "
			if d.Dialect == db.Postgres {
				// Tiny test tables make a sequential scan cheapest; forbid it to
				// see whether an index can serve the query at all.
				if _, err := d.Conn(ctx).ExecContext(ctx, "SET LOCAL enable_seqscan = off"); err != nil {
					return err
				}
				prefix = "EXPLAIN "
			}
			rows, err := d.Conn(ctx).QueryContext(ctx, prefix+q, args...)
			if err != nil {
				return err
			}
			defer rows.Close()
			cols, _ := rows.Columns()
			for rows.Next() {
				vals := make([]any, len(cols))
				ptrs := make([]any, len(cols))
				for i := range vals {
					ptrs[i] = &vals[i]
				}
				if err := rows.Scan(ptrs...); err != nil {
					return err
				}
				plan = append(plan, fmt.Sprint(vals[len(vals)-1]))
			}
			return rows.Err()
		})
		if err != nil {
			t.Fatal(err)
		}
		text := strings.Join(plan, "\n")
		switch d.Dialect {
		case db.SQLite:
			if !strings.Contains(text, "SEARCH t USING") || strings.Contains(text, "SCAN t\n") || strings.HasSuffix(text, "SCAN t") {
				t.Errorf("candidate plan scans tickets:\n%s", text)
			}
		case db.Postgres:
			if strings.Contains(text, "Seq Scan on tickets") || !strings.Contains(text, "Index") {
				t.Errorf("candidate plan scans tickets:\n%s", text)
			}
		}
		t.Logf("plan:\n%s", text)
	})
}

// TestRuleListChangesReachTheNextWrite: writes reuse the run order cached
// for the account's rule-list revision (migration 0025), so every change
// must move it: through the API, in plain SQL (as another node would
// write), to a category's position; and a rolled-back change must not
// stay cached under the number the next committed change reuses.
func TestRuleListChangesReachTheNextWrite(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		e := newEnv(t, d)
		ctx := e.a.admin
		exec := func(q string, args ...any) {
			t.Helper()
			if err := d.InTx(ctx, func(ctx context.Context) error {
				_, err := d.Conn(ctx).ExecContext(ctx, q, args...)
				return err
			}); err != nil {
				t.Fatalf("%s: %v", q, err)
			}
		}
		priority := func(want string) {
			t.Helper()
			tk, _ := e.createTicket(ctx, ticket.Input{})
			got := ""
			if tk.Priority != nil {
				got = *tk.Priority
			}
			if got != want {
				t.Errorf("priority = %q, want %q", got, want)
			}
		}
		low := e.mustRule(ctx, rule.Trigger, "low", []rule.Condition{c("update_type", "is", "Create")},
			[]rule.Action{act("priority", "low")})
		priority("low")

		// Another node deactivates it.
		exec(`UPDATE triggers SET active = FALSE WHERE account_id = $1 AND id = $2`, e.a.acct, low.ID)
		priority("")
		exec(`UPDATE triggers SET active = TRUE WHERE account_id = $1 AND id = $2`, e.a.acct, low.ID)
		priority("low")

		// A second trigger through the API runs after the first.
		high := e.mustRule(ctx, rule.Trigger, "high", []rule.Condition{c("update_type", "is", "Create")},
			[]rule.Action{act("priority", "high")})
		priority("high")

		// Categories order the triggers: swapping their positions alone
		// swaps which trigger runs last.
		var first, second int64
		for i, p := range []*int64{&first, &second} {
			if err := d.InTx(ctx, func(ctx context.Context) error {
				return d.Conn(ctx).QueryRowContext(ctx, `INSERT INTO trigger_categories (account_id, name, position, created_at, updated_at)
					VALUES ($1, $2, $3, $4, $4) RETURNING id`, e.a.acct, fmt.Sprint("cat ", i), i, t0).Scan(p)
			}); err != nil {
				t.Fatal(err)
			}
		}
		exec(`UPDATE triggers SET category_id = $1 WHERE account_id = $2 AND id = $3`, first, e.a.acct, high.ID)
		exec(`UPDATE triggers SET category_id = $1 WHERE account_id = $2 AND id = $3`, second, e.a.acct, low.ID)
		priority("low")
		exec(`UPDATE trigger_categories SET position = 5 WHERE account_id = $1 AND id = $2`, e.a.acct, first)
		priority("high")

		// A rolled-back deactivation, seen by a write in its transaction...
		rollback := errors.New("roll back")
		if err := d.InTx(ctx, func(ctx context.Context) error {
			// One row: the revision moves by one, as the commit below does.
			if _, err := d.Conn(ctx).ExecContext(ctx, `UPDATE triggers SET active = FALSE WHERE account_id = $1 AND id = $2`,
				e.a.acct, high.ID); err != nil {
				return err
			}
			tk, _, err := e.tickets.Create(ctx, ticket.Input{Subject: opt.Of("inside"), Comment: opt.Of(ticket.CommentInput{Body: "x"})})
			if err != nil {
				return err
			}
			if tk.Priority == nil || *tk.Priority != "low" {
				t.Errorf("inside the transaction: priority = %v, want low", tk.Priority)
			}
			return rollback
		}); !errors.Is(err, rollback) {
			t.Fatalf("InTx = %v", err)
		}
		// ...then a committed change that takes the same revision number.
		exec(`UPDATE triggers SET title = 'high again' WHERE account_id = $1 AND id = $2`, e.a.acct, high.ID)
		priority("high")
	})
}
