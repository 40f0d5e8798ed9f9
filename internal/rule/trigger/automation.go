package trigger

import (
	"context"
	"encoding/json"
	"log/slog"
	"time"

	"github.com/riverqueue/river"

	"parley/internal/platform/db"
	"parley/internal/platform/errs"
	"parley/internal/rule"
	"parley/internal/ticket"
)

// automationBatch bounds how many candidate tickets one query returns.
const automationBatch = 1000

// AutomationArgs is the automation job. AccountID 0 is the hourly tick: it
// fans out one job per account with active automations, so accounts run in
// parallel on any worker node.
type AutomationArgs struct {
	AccountID int64 `json:"account_id,omitempty"`
}

// Kind names the job.
func (AutomationArgs) Kind() string { return "rule_automations" }

// AutomationWorker runs automations.
type AutomationWorker struct {
	river.WorkerDefaults[AutomationArgs]
	s *Service
}

// NewAutomationWorker returns the worker the lead registers with River.
func (s *Service) NewAutomationWorker() *AutomationWorker { return &AutomationWorker{s: s} }

// Timeout allows a large account's pass more than the default job timeout.
func (w *AutomationWorker) Timeout(*river.Job[AutomationArgs]) time.Duration { return 30 * time.Minute }

// Work fans out (AccountID 0) or runs one account's automations.
func (w *AutomationWorker) Work(ctx context.Context, job *river.Job[AutomationArgs]) error {
	if job.Args.AccountID != 0 {
		_, err := w.s.RunAutomations(ctx, job.Args.AccountID, w.s.clock.Now())
		return err
	}
	if w.s.queue == nil {
		return errs.E(errs.Unavailable, "automations: no job queue")
	}
	accounts, err := w.s.automationAccounts(ctx)
	if err != nil {
		return err
	}
	for _, id := range accounts {
		opts := &river.InsertOpts{UniqueOpts: river.UniqueOpts{ByArgs: true, ByPeriod: time.Hour}}
		if err := w.s.queue.Enqueue(ctx, AutomationArgs{AccountID: id}, opts); err != nil {
			return err
		}
	}
	return nil
}

// PeriodicJobs is the hourly automation tick, for river.Config.PeriodicJobs.
func PeriodicJobs() []*river.PeriodicJob {
	return []*river.PeriodicJob{river.NewPeriodicJob(river.PeriodicInterval(time.Hour),
		func() (river.JobArgs, *river.InsertOpts) { return AutomationArgs{}, nil }, nil)}
}

// automationAccounts lists accounts that have an active automation. It is
// the one query that crosses accounts; the table of rules is small.
func (s *Service) automationAccounts(ctx context.Context) ([]int64, error) {
	rows, err := s.d.Conn(ctx).QueryContext(ctx, `SELECT DISTINCT account_id FROM triggers
		WHERE kind = 'automation' AND active = TRUE ORDER BY account_id`)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []int64
	for rows.Next() {
		var id int64
		if err := rows.Scan(&id); err != nil {
			return nil, err
		}
		out = append(out, id)
	}
	return out, rows.Err()
}

func compiledOf(r Rule) *compiled {
	c := &compiled{id: r.ID, revision: r.Revision, title: r.Title, conds: r.Conditions, actions: r.Actions}
	for _, list := range [][]rule.Condition{c.conds.All, c.conds.Any} {
		for _, x := range list {
			if x.Field == "requester_role" || x.Field == "locale_id" {
				c.requester = true
			}
		}
	}
	return c
}

// ruleSource is the via source of a rule's write.
func ruleSource(src ticket.RuleRef) json.RawMessage {
	b, _ := json.Marshal(map[string]any{"from": map[string]any{"id": src.ID, "title": src.Title, "deleted": false},
		"to": map[string]any{}, "rel": src.Kind})
	return b
}

// CandidateQuery is the SQL (and its arguments) that selects the tickets an
// automation may fire on after id afterID: its conditions compiled to SQL
// over tickets t, never closed or deleted tickets, never a ticket it already
// fired on in its current state. Exposed for EXPLAIN checks.
func (s *Service) CandidateQuery(accountID int64, a Rule, now time.Time, afterID int64) (string, []any, error) {
	args := []any{accountID}
	cond, err := rule.Compile(a.Conditions, rule.CompileOptions{Dialect: s.d.Dialect, Now: now, CurrentUserID: -1}, &args)
	if err != nil {
		return "", nil, err
	}
	q := `SELECT t.id FROM tickets t WHERE t.account_id = $1 AND t.status <> 'closed' AND t.deleted_at IS NULL AND (` + cond + `)
		AND t.id > ` + db.Arg(&args, afterID) + `
		AND NOT EXISTS (SELECT 1 FROM automation_runs x WHERE x.account_id = t.account_id AND x.automation_id = ` +
		db.Arg(&args, a.ID) + ` AND x.ticket_id = t.id AND x.ticket_updated_at = t.updated_at)
		ORDER BY t.id LIMIT ` + db.Arg(&args, automationBatch)
	return q, args, nil
}

// RunAutomations runs an account's active automations once, as of now, and
// returns how many times one fired on a ticket. Each candidate is re-checked
// in memory, then changed through a system write over via rule (so triggers
// run after it, as in Zendesk). The ticket state an automation fired on is
// remembered in automation_runs: it does not fire again on that ticket
// until the ticket changes (and, being validated to nullify itself, its
// conditions then no longer hold).
func (s *Service) RunAutomations(ctx context.Context, accountID int64, now time.Time) (int, error) {
	active := true
	autos, _, _, err := s.listRules(ctx, accountID, rule.Automation, Filter{Active: &active},
		dbPage("position"))
	if err != nil {
		return 0, err
	}
	fired := 0
	for _, a := range autos {
		c := compiledOf(a)
		var last int64
		for {
			q, args, err := s.CandidateQuery(accountID, a, now, last)
			if err != nil {
				s.log.WarnContext(ctx, "automation conditions do not compile", slog.Int64("automation_id", a.ID),
					slog.String("error", err.Error()))
				break
			}
			ids, err := s.ids(ctx, q, args)
			if err != nil {
				return fired, err
			}
			for _, id := range ids {
				ok, err := s.runOne(ctx, accountID, c, id, now)
				if err != nil {
					return fired, err
				}
				if ok {
					fired++
				}
			}
			if len(ids) < automationBatch {
				break
			}
			last = ids[len(ids)-1]
		}
	}
	return fired, nil
}

func dbPage(sort string) db.Page { return db.Page{Limit: 1 << 20, Sort: sort} }

func (s *Service) ids(ctx context.Context, q string, args []any) ([]int64, error) {
	rows, err := s.d.Conn(ctx).QueryContext(ctx, q, args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []int64
	for rows.Next() {
		var id int64
		if err := rows.Scan(&id); err != nil {
			return nil, err
		}
		out = append(out, id)
	}
	return out, rows.Err()
}

// runOne fires automation c on ticket id if it still matches, in one
// transaction with the record of the run.
func (s *Service) runOne(ctx context.Context, accountID int64, c *compiled, id int64, now time.Time) (bool, error) {
	if s.tickets == nil {
		return false, errs.E(errs.Unavailable, "automations: no ticket service")
	}
	fired := false
	err := s.d.InTx(ctx, func(ctx context.Context) error {
		t, err := s.tickets.Load(ctx, accountID, id)
		if errs.Is(err, errs.NotFound) {
			return nil
		}
		if err != nil {
			return err
		}
		f := &facts{s: s, account: accountID, need: c.requester, seen: map[int64][2]any{}}
		rt, err := s.ruleTicket(ctx, t, f)
		if err != nil {
			return err
		}
		actor := ticket.SystemActor(accountID)
		up := rule.Update{Previous: rt, CurrentViaID: ticket.ViaID("rule"), ActorID: actor.UserID, ActorRole: string(actor.Role)}
		if !rule.Match(c.conds, &rt, &up, now) {
			return nil
		}
		src := ticket.RuleRef{Kind: string(rule.Automation), ID: c.id, Title: c.title}
		via := ticket.Via{Channel: "rule", Source: ruleSource(src)}
		_, _, err = s.tickets.WithWrite(ctx, actor, id, via, func(ctx context.Context, w *ticket.Write) error {
			return s.fire(ctx, w, c, src, &rt)
		})
		if errs.Is(err, errs.Invalid) {
			s.log.WarnContext(ctx, "automation could not apply", slog.Int64("automation_id", c.id), slog.Int64("ticket_id", id),
				slog.String("error", err.Error()))
		} else if err != nil {
			return err
		} else {
			fired = true
		}
		_, err = s.d.Conn(ctx).ExecContext(ctx, `INSERT INTO automation_runs (account_id, automation_id, ticket_id, ticket_updated_at)
			SELECT t.account_id, $2, t.id, t.updated_at FROM tickets t WHERE t.account_id = $1 AND t.id = $3
			ON CONFLICT (account_id, automation_id, ticket_id) DO UPDATE SET ticket_updated_at = excluded.ticket_updated_at`,
			accountID, c.id, id)
		return err
	})
	return fired, err
}
