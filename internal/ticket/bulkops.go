package ticket

import (
	"context"
	"encoding/json"
	"fmt"
	"strconv"
	"strings"

	"parley/internal/auth"
	"parley/internal/bulk"
	"parley/internal/platform/errs"
)

// Bulk operation names registered with the bulk room.
const (
	OpCreateMany  = "tickets.create_many"
	OpUpdateMany  = "tickets.update_many"
	OpDestroyMany = "tickets.destroy_many"
	OpMerge       = "tickets.merge"
	OpSpamMany    = "tickets.mark_many_as_spam"
	OpPurge       = "tickets.purge"
)

// MergeGuard lets another room refuse a merge (shared tickets cannot be
// merged); nil allows every merge.
type MergeGuard interface {
	CanMerge(ctx context.Context, accountID, ticketID int64) error
}

// RegisterBulk registers the ticket bulk operations and keeps b for
// starting them.
func (s *Service) RegisterBulk(b *bulk.Service) {
	s.bulk = b
	s.registerImport()
	one := func(ctx context.Context, fn func(ctx context.Context, a auth.Actor) (map[string]any, error)) (map[string]any, error) {
		var out map[string]any
		err := s.d.InTx(ctx, func(ctx context.Context) error {
			var err error
			out, err = fn(ctx, auth.ActorFrom(ctx))
			return err
		})
		return out, err
	}
	b.Register(OpCreateMany, "Bulk Create Tickets", func(ctx context.Context, i int, item json.RawMessage) (map[string]any, error) {
		return one(ctx, func(ctx context.Context, a auth.Actor) (map[string]any, error) {
			var in Input
			if err := json.Unmarshal(item, &in); err != nil {
				return nil, errs.Invalidf("base", "InvalidValue", "The ticket is not valid JSON: %s", err.Error())
			}
			t, _, err := s.createWith(ctx, a, in, writeOpts{hooks: true})
			if err != nil {
				return nil, err
			}
			return map[string]any{"id": t.ID, "account_id": t.AccountID}, nil
		})
	})
	b.Register(OpUpdateMany, "Bulk Update Tickets", func(ctx context.Context, i int, item json.RawMessage) (map[string]any, error) {
		var in Input
		if err := json.Unmarshal(item, &in); err != nil || !in.ID.Has() {
			return nil, errs.Invalidf("id", "InvalidValue", "Each ticket needs an id")
		}
		out, err := one(ctx, func(ctx context.Context, a auth.Actor) (map[string]any, error) {
			_, _, err := s.updateWith(ctx, a, in.ID.V, in, writeOpts{hooks: true})
			return nil, err
		})
		if err != nil {
			return map[string]any{"id": in.ID.V, "action": "update", "success": false, "status": "Failed", "errors": errText(err)}, nil
		}
		_ = out
		return map[string]any{"id": in.ID.V, "action": "update", "status": "Updated", "success": true}, nil
	})
	b.Register(OpDestroyMany, "Bulk Delete Tickets", func(ctx context.Context, i int, item json.RawMessage) (map[string]any, error) {
		var id int64
		if err := json.Unmarshal(item, &id); err != nil {
			return nil, errs.Invalidf("id", "InvalidValue", "Each item must be a ticket id")
		}
		if err := s.Delete(ctx, id); err != nil {
			return nil, err
		}
		return map[string]any{"id": id, "action": "delete", "status": "Deleted", "success": true}, nil
	})
	b.Register(OpSpamMany, "Bulk Mark Tickets as Spam", func(ctx context.Context, i int, item json.RawMessage) (map[string]any, error) {
		var id int64
		if err := json.Unmarshal(item, &id); err != nil {
			return nil, errs.Invalidf("id", "InvalidValue", "Each item must be a ticket id")
		}
		if err := s.MarkAsSpam(ctx, id); err != nil {
			return nil, err
		}
		return map[string]any{"id": id, "action": "spam", "status": "Marked as spam", "success": true}, nil
	})
	b.Register(OpPurge, "Delete Ticket Permanently", func(ctx context.Context, i int, item json.RawMessage) (map[string]any, error) {
		var id int64
		if err := json.Unmarshal(item, &id); err != nil {
			return nil, errs.Invalidf("id", "InvalidValue", "The item must be a ticket id")
		}
		if err := s.Purge(ctx, id); err != nil {
			return nil, err
		}
		return map[string]any{"id": id, "action": "delete", "status": "Deleted", "success": true}, nil
	})
	b.Register(OpMerge, "Merge Tickets", func(ctx context.Context, i int, item json.RawMessage) (map[string]any, error) {
		var m mergeArgs
		if err := json.Unmarshal(item, &m); err != nil {
			return nil, errs.Invalidf("base", "InvalidValue", "bad merge request")
		}
		if err := s.merge(ctx, m); err != nil {
			return nil, err
		}
		return map[string]any{"target": m.Target, "sources": m.Sources, "status": "Merged", "success": true}, nil
	})
}

func errText(err error) string {
	var e *errs.Error
	if errsAs(err, &e) && e.Kind != errs.Internal {
		parts := []string{}
		for _, ds := range e.Fields {
			for _, d := range ds {
				parts = append(parts, d.Description)
			}
		}
		if len(parts) > 0 {
			return strings.Join(parts, "; ")
		}
		return e.Msg
	}
	return "the ticket could not be updated"
}

// StartBulk queues a ticket bulk operation (agents); one the agent's
// custom role does not allow is Forbidden at once, not item by item.
func (s *Service) StartBulk(ctx context.Context, op string, items []json.RawMessage) (bulk.Status, error) {
	a, err := auth.RequireAgent(ctx)
	if err != nil {
		return bulk.Status{}, err
	}
	p := a.Permissions()
	switch op {
	case OpDestroyMany, OpSpamMany:
		err = auth.RequireTicketPermission(p.TicketDeletion, "delete tickets")
	case OpMerge:
		err = auth.RequireTicketPermission(p.TicketMerge, "merge tickets")
	}
	if err != nil {
		return bulk.Status{}, err
	}
	if s.bulk == nil {
		return bulk.Status{}, fmt.Errorf("ticket: bulk operations are not wired")
	}
	return s.bulk.Start(ctx, op, items)
}

// StartPurge checks the ticket is deleted and an admin asks, then queues
// its permanent deletion.
func (s *Service) StartPurge(ctx context.Context, id int64) (bulk.Status, error) {
	a, err := auth.RequireAdmin(ctx)
	if err != nil {
		return bulk.Status{}, err
	}
	if _, err := s.deletedTicket(ctx, a.AccountID, id); err != nil {
		return bulk.Status{}, err
	}
	return s.StartBulk(ctx, OpPurge, []json.RawMessage{json.RawMessage(strconv.FormatInt(id, 10))})
}
