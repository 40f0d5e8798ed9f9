package trigger

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"

	"parley/internal/platform/db"
	"parley/internal/platform/errs"
	"parley/internal/platform/opt"
	"parley/internal/rule"
	"parley/internal/ticket"
)

// compiled is a parsed active rule, cached by (id, revision).
type compiled struct {
	id       int64
	revision int
	title    string
	conds    rule.Conditions
	actions  []rule.Action
	// requester says whether a condition reads the requester's role or
	// locale, which costs a user lookup.
	requester bool
}

func compile(id int64, revision int, title, conds, acts string) (*compiled, error) {
	c := &compiled{id: id, revision: revision, title: title}
	if err := json.Unmarshal([]byte(conds), &c.conds); err != nil {
		return nil, fmt.Errorf("trigger %d conditions: %w", id, err)
	}
	if err := json.Unmarshal([]byte(acts), &c.actions); err != nil {
		return nil, fmt.Errorf("trigger %d actions: %w", id, err)
	}
	for _, list := range [][]rule.Condition{c.conds.All, c.conds.Any} {
		for _, x := range list {
			if x.Field == "requester_role" || x.Field == "locale_id" {
				c.requester = true
			}
		}
	}
	return c, nil
}

// runOrder is one revision of an account's active triggers in run order.
// It is shared: callers must not modify the list.
type runOrder struct {
	rev  int64
	list []*compiled
}

// activeTriggers returns an account's active triggers in run order
// (category position, trigger position, id). The database bumps the
// account's 'rule_list' counter on any change to triggers or their
// categories (migration 0025), so a write reads that one row and reuses
// the order cached for it; listing 51 triggers was a tenth of a create's
// statement time. Parses are reused while a row's revision is unchanged.
// Both caches are filled only once the transaction that read them
// commits, so a rolled-back change cannot outlive it under a reused number.
func (s *Service) activeTriggers(ctx context.Context, accountID int64) ([]*compiled, error) {
	var rev int64
	err := s.d.Conn(ctx).QueryRowContext(ctx, `SELECT value FROM account_counters WHERE account_id = $1 AND name = 'rule_list'`,
		accountID).Scan(&rev)
	if err != nil && !errors.Is(err, sql.ErrNoRows) {
		return nil, err
	}
	s.mu.Lock()
	o, ok := s.orders[accountID]
	s.mu.Unlock()
	if ok && o.rev == rev {
		return o.list, nil
	}
	// Ids and revisions only: a trigger's text is read (and compiled)
	// once per revision, not on every write.
	rows, err := s.d.Conn(ctx).QueryContext(ctx, `SELECT r.id, r.revision FROM triggers r
		LEFT JOIN trigger_categories c ON c.account_id = r.account_id AND c.id = r.category_id
		WHERE r.account_id = $1 AND r.kind = 'trigger' AND r.active = TRUE
		ORDER BY COALESCE(c.position, 0), r.position, r.id`, accountID)
	if err != nil {
		return nil, err
	}
	type ref struct {
		id  int64
		rev int
	}
	var refs []ref
	for rows.Next() {
		var r ref
		if err := rows.Scan(&r.id, &r.rev); err != nil {
			rows.Close()
			return nil, err
		}
		refs = append(refs, r)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return nil, err
	}
	out := make([]*compiled, len(refs))
	var fresh []*compiled
	for i, r := range refs {
		s.mu.Lock()
		c, ok := s.cache[r.id]
		s.mu.Unlock()
		if !ok || c.revision != r.rev {
			var title, conds, acts string
			var rev int
			if err := s.d.Conn(ctx).QueryRowContext(ctx, `SELECT revision, title, conditions, actions FROM triggers
				WHERE account_id = $1 AND id = $2`, accountID, r.id).Scan(&rev, &title, &conds, &acts); err != nil {
				return nil, err
			}
			if c, err = compile(r.id, rev, title, conds, acts); err != nil {
				return nil, err
			}
			fresh = append(fresh, c)
		}
		out[i] = c
	}
	db.AfterCommit(ctx, func() {
		s.mu.Lock()
		defer s.mu.Unlock()
		for _, c := range fresh {
			s.cache[c.id] = c
		}
		if o, ok := s.orders[accountID]; !ok || o.rev <= rev {
			s.orders[accountID] = runOrder{rev: rev, list: out}
		}
	})
	return out, nil
}

// facts memoizes requester lookups for one write.
type facts struct {
	s       *Service
	account int64
	need    bool
	seen    map[int64][2]any
}

func (f *facts) of(ctx context.Context, userID int64) (string, int64, error) {
	if !f.need || f.s.people == nil || userID <= 0 {
		return "", 0, nil
	}
	if v, ok := f.seen[userID]; ok {
		return v[0].(string), v[1].(int64), nil
	}
	role, locale, err := f.s.people.UserFacts(ctx, f.account, userID)
	if errs.Is(err, errs.NotFound) {
		err = nil
	}
	if err != nil {
		return "", 0, err
	}
	f.seen[userID] = [2]any{role, locale}
	return role, locale, nil
}

// AfterWrite runs the account's active triggers on a ticket write, as
// Zendesk does: in order, each matching trigger fires its actions, the
// check restarts from the first trigger on the updated ticket, each trigger
// fires at most once, and the loop ends when a full pass fires nothing.
// An action that cannot apply is logged and skipped; it never fails the
// user's write.
func (s *Service) AfterWrite(ctx context.Context, w *ticket.Write) error {
	acct := w.Ticket.AccountID
	trs, err := s.activeTriggers(ctx, acct)
	if err != nil || len(trs) == 0 {
		return err
	}
	f := &facts{s: s, account: acct, seen: map[int64][2]any{}}
	for _, t := range trs {
		f.need = f.need || t.requester
	}
	channel := w.Via.Channel
	if channel == "" {
		channel = "api"
	}
	up := rule.Update{Create: w.Create, CurrentViaID: rule.ViaNumber(channel), ActorID: w.Actor.UserID,
		ActorRole: string(w.Actor.Role)}
	if !w.Create {
		if up.Previous, err = s.ruleTicket(ctx, w.Before, f); err != nil {
			return err
		}
	}
	if c := w.Comment; c != nil {
		body := c.PlainBody
		if body == "" {
			body = c.Body
		}
		up.Comment = &rule.Comment{Body: body, Public: c.Public, AuthorID: c.AuthorID}
	}
	now := s.clock.Now()
	fired := make([]bool, len(trs))
	for pass := 0; pass <= len(trs); pass++ {
		cur, err := s.ruleTicket(ctx, w.Ticket, f)
		if err != nil {
			return err
		}
		hit := false
		for i, t := range trs {
			if fired[i] || !rule.Match(t.conds, &cur, &up, now) {
				continue
			}
			fired[i], hit = true, true
			src := ticket.RuleRef{Kind: string(rule.Trigger), ID: t.id, Title: t.title}
			if err := s.fire(ctx, w, t, src, &cur); err != nil {
				return err
			}
			break
		}
		if !hit {
			break
		}
	}
	return nil
}

// fire carries out one rule's actions on the write: field changes through
// w.Apply, then notifications, webhooks and shares.
func (s *Service) fire(ctx context.Context, w *ticket.Write, c *compiled, src ticket.RuleRef, cur *rule.Ticket) error {
	ch := rule.Plan(c.actions, cur, w.Actor.UserID)
	if in, ok := inputOf(ch); ok {
		if _, err := w.Apply(ctx, in, src); errs.Is(err, errs.Invalid) {
			s.log.WarnContext(ctx, "rule action could not apply", slog.String("rule", src.Kind), slog.Int64("rule_id", src.ID),
				slog.Int64("ticket_id", w.Ticket.ID), slog.String("error", err.Error()))
		} else if err != nil {
			return err
		}
	}
	for _, n := range ch.Notifications {
		if s.notifier == nil {
			break
		}
		recipients, err := s.notifier.Notify(ctx, w, n, src)
		if errs.Is(err, errs.Invalid) || errs.Is(err, errs.NotFound) {
			s.log.WarnContext(ctx, "rule notification skipped", slog.Int64("rule_id", src.ID), slog.String("error", err.Error()))
			continue
		}
		if err != nil {
			return err
		}
		if len(recipients) == 0 {
			continue
		}
		if err := w.Record(ctx, ticket.Event{Type: "Notification", Via: ticket.RuleVia(src),
			Data: map[string]any{"subject": n.Subject, "body": n.Body, "recipients": recipients}}); err != nil {
			return err
		}
	}
	for _, call := range ch.Webhooks {
		if s.webhooks == nil {
			break
		}
		if err := s.webhooks.Call(ctx, w, call, src); errs.Is(err, errs.Invalid) || errs.Is(err, errs.NotFound) {
			s.log.WarnContext(ctx, "rule webhook skipped", slog.Int64("rule_id", src.ID), slog.String("error", err.Error()))
		} else if err != nil {
			return err
		}
	}
	for _, id := range ch.ShareAgreementIDs {
		if s.sharer == nil {
			break
		}
		if err := s.sharer.Share(ctx, w, id, src); errs.Is(err, errs.Invalid) || errs.Is(err, errs.NotFound) {
			s.log.WarnContext(ctx, "rule share skipped", slog.Int64("rule_id", src.ID), slog.String("error", err.Error()))
		} else if err != nil {
			return err
		}
	}
	return s.countFiring(ctx, w.Ticket.AccountID, c.id, s.clock.Now())
}

// inputOf turns planned changes into a ticket update; false when the
// actions change no field.
func inputOf(ch rule.Changes) (ticket.Input, bool) {
	var in ticket.Input
	set := false
	str := func(dst *opt.Opt[string], p *string) {
		if p != nil {
			*dst, set = opt.Of(*p), true
		}
	}
	id := func(dst *opt.Opt[int64], p *int64) {
		if p != nil {
			*dst, set = opt.Of(*p), true
		}
	}
	str(&in.Status, ch.Status)
	str(&in.Priority, ch.Priority)
	str(&in.Type, ch.Type)
	str(&in.Subject, ch.Subject)
	id(&in.GroupID, ch.GroupID)
	id(&in.AssigneeID, ch.AssigneeID)
	id(&in.CustomStatusID, ch.CustomStatusID)
	id(&in.TicketFormID, ch.TicketFormID)
	if ch.SetTagsSet {
		tags := ch.SetTags
		if tags == nil {
			tags = []string{}
		}
		in.Tags, set = opt.Of(tags), true
	}
	if len(ch.AddTags) > 0 {
		in.AdditionalTags, set = opt.Of(ch.AddTags), true
	}
	if len(ch.RemoveTags) > 0 {
		in.RemoveTags, set = opt.Of(ch.RemoveTags), true
	}
	if len(ch.Fields) > 0 {
		fv := make([]ticket.FieldValueIn, 0, len(ch.Fields))
		for fid, v := range ch.Fields {
			fv = append(fv, ticket.FieldValueIn{ID: opt.ID(fid), Value: v})
		}
		in.CustomFields, set = opt.Of(fv), true
	}
	put := func(ids []int64) []ticket.CCChange {
		out := make([]ticket.CCChange, len(ids))
		for i, u := range ids {
			out[i] = ticket.CCChange{UserID: opt.Of(u), Action: "put"}
		}
		return out
	}
	if len(ch.Followers) > 0 {
		in.Followers, set = opt.Of(put(ch.Followers)), true
	}
	if len(ch.CCs) > 0 {
		in.EmailCCs, set = opt.Of(put(ch.CCs)), true
	}
	return in, set
}

func deref[T any](p *T) T {
	var zero T
	if p == nil {
		return zero
	}
	return *p
}

// ruleTicket is the engine's view of a ticket.
func (s *Service) ruleTicket(ctx context.Context, t ticket.Ticket, f *facts) (rule.Ticket, error) {
	rt := rule.Ticket{
		ID: t.ID, Status: t.Status, CustomStatusID: t.CustomStatusID,
		Priority: deref(t.Priority), Type: deref(t.Type),
		GroupID: deref(t.GroupID), AssigneeID: deref(t.AssigneeID), RequesterID: t.RequesterID, SubmitterID: t.SubmitterID,
		OrganizationID: deref(t.OrganizationID), BrandID: deref(t.BrandID), TicketFormID: deref(t.TicketFormID),
		Tags: t.Tags, IsPublic: t.IsPublic, Subject: t.Subject, Description: t.Description, Satisfaction: t.Satisfaction,
		Reopens: t.Reopens, Replies: t.Replies, CreatedAt: t.CreatedAt, UpdatedAt: t.UpdatedAt, StatusUpdatedAt: t.StatusUpdatedAt,
		AssignedAt: t.AssignedAt, RequesterUpdatedAt: t.RequesterUpdatedAt, AssigneeUpdatedAt: t.AssigneeUpdatedAt,
		DueAt: t.DueAt, SolvedAt: t.SolvedAt,
	}
	if t.SharedFromID != nil {
		rt.SharedFrom = []int64{*t.SharedFromID}
	}
	if t.SharedToID != nil {
		rt.SharedTo = []int64{*t.SharedToID}
	}
	if t.ID == 0 && t.AccountID == 0 {
		return rt, nil
	}
	ch := t.Via.Channel
	if ch == "" {
		ch = "api"
	}
	rt.ViaID = rule.ViaNumber(ch)
	if len(t.Fields) > 0 {
		rt.Fields = make(map[int64]any, len(t.Fields))
		for id, v := range t.Fields {
			rt.Fields[id] = rule.FieldValue(v)
		}
	}
	if f != nil {
		role, locale, err := f.of(ctx, t.RequesterID)
		if err != nil {
			return rt, err
		}
		rt.RequesterRole, rt.LocaleID = role, locale
	}
	return rt, nil
}
