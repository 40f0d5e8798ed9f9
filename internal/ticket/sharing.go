package ticket

import (
	"context"
	"database/sql"
	"encoding/json"
	"strings"

	"parley/internal/platform/errs"
	"parley/internal/platform/opt"
)

// What the sharing room needs beyond ordinary writes. These check no
// actor: the sharing room has authenticated the partner.

// SharedFields returns the account's active custom ticket fields that are
// on its default form: the only ones a partner's values may fill (seed 003:
// shared tickets use the receiver's default form).
func (s *Service) SharedFields(ctx context.Context, accountID int64) ([]Field, error) {
	all, err := s.fields(ctx, accountID)
	if err != nil {
		return nil, err
	}
	formID, ok, err := s.defaultFormID(ctx, accountID)
	if err != nil {
		return nil, err
	}
	on := map[int64]bool{}
	if ok {
		f, err := s.form(ctx, accountID, formID)
		if err != nil && !errs.Is(err, errs.NotFound) {
			return nil, err
		}
		for _, id := range f.FieldIDs {
			on[id] = true
		}
	}
	var out []Field
	for _, f := range all {
		if f.System() || !f.Active || (ok && !on[f.ID]) {
			continue
		}
		out = append(out, f)
	}
	return out, nil
}

// FieldsOf returns every custom ticket field of the account (with its
// options), for describing a ticket's values to a partner.
func (s *Service) FieldsOf(ctx context.Context, accountID int64) ([]Field, error) {
	all, err := s.fields(ctx, accountID)
	if err != nil {
		return nil, err
	}
	var out []Field
	for _, f := range all {
		if !f.System() {
			out = append(out, f)
		}
	}
	return out, nil
}

// SetFieldsQuietly stores a partner's custom field values on a ticket
// without audit events: only the side where a value changed records who
// changed it and when (seed 003). Each value is validated on its own; an
// invalid one is skipped and the rest are stored. It returns the ids of
// the fields it stored. It joins the caller's transaction.
func (s *Service) SetFieldsQuietly(ctx context.Context, accountID, ticketID int64, vals []FieldValueIn) ([]int64, error) {
	var stored []int64
	err := s.d.InTx(ctx, func(ctx context.Context) error {
		t, err := s.ticket(ctx, accountID, ticketID, true)
		if err != nil {
			return err
		}
		if t.Status == "closed" {
			return nil
		}
		orig := t
		for _, fv := range vals {
			next := cloneTicket(t)
			var v errs.Validation
			ch := &change{before: t}
			if err := s.applyFieldsAndTags(ctx, ch, &next, Input{CustomFields: opt.Of([]FieldValueIn{fv})}, &v); err != nil {
				return err
			}
			if v.Err() != nil {
				continue
			}
			t = next
			stored = append(stored, int64(fv.ID))
		}
		if len(stored) == 0 {
			return nil
		}
		t.UpdatedAt = s.clock.Now()
		if err := s.saveTicket(ctx, orig, t); err != nil {
			return err
		}
		return s.writeSets(ctx, orig, t)
	})
	return stored, err
}

// RuleTags returns the ticket's tags whose latest addition was made by a
// business rule: those never travel to a sharing partner (seed 003).
func (s *Service) RuleTags(ctx context.Context, accountID, ticketID int64) (map[string]bool, error) {
	rows, err := s.d.Conn(ctx).QueryContext(ctx, `SELECT e.value, e.previous_value, e.via FROM ticket_audits a
		JOIN ticket_events e ON e.account_id = a.account_id AND e.audit_id = a.id
		WHERE a.account_id = $1 AND a.ticket_id = $2 AND e.field_name = 'tags' AND e.type IN ('Create', 'Change')
		ORDER BY e.id`, accountID, ticketID)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	byRule := map[string]bool{}
	for rows.Next() {
		var val, prev, via sql.NullString
		if err := rows.Scan(&val, &prev, &via); err != nil {
			return nil, err
		}
		var after, before []string
		_ = json.Unmarshal([]byte(val.String), &after)
		_ = json.Unmarshal([]byte(prev.String), &before)
		rule := via.Valid && strings.Contains(via.String, `"rule"`)
		was := map[string]bool{}
		for _, t := range before {
			was[t] = true
		}
		now := map[string]bool{}
		for _, t := range after {
			now[t] = true
			if !was[t] {
				byRule[t] = rule
			}
		}
		for t := range was {
			if !now[t] {
				delete(byRule, t)
			}
		}
	}
	out := map[string]bool{}
	for t, r := range byRule {
		if r {
			out[t] = true
		}
	}
	return out, rows.Err()
}

// SetSharing records the agreements a ticket is received through (from)
// and shared out through (to), outside a write (a partner unsharing).
func (s *Service) SetSharing(ctx context.Context, accountID, ticketID int64, from, to *int64) error {
	_, err := s.d.Conn(ctx).ExecContext(ctx, `UPDATE tickets SET shared_from_agreement_id = $1,
		shared_to_agreement_id = $2 WHERE account_id = $3 AND id = $4`, from, to, accountID, ticketID)
	return err
}
