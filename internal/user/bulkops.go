package user

import (
	"context"
	"encoding/json"

	"parley/internal/auth"
	"parley/internal/bulk"
	"parley/internal/platform/errs"
)

// Bulk operation names, as registered with the bulk room.
const (
	OpUsersCreate         = "users.create_many"
	OpUsersCreateOrUpdate = "users.create_or_update_many"
	OpUsersUpdate         = "users.update_many"
	OpUsersDestroy        = "users.destroy_many"
	OpOrgsCreate          = "organizations.create_many"
	OpOrgsCreateOrUpdate  = "organizations.create_or_update_many"
	OpOrgsUpdate          = "organizations.update_many"
	OpOrgsDestroy         = "organizations.destroy_many"
	OpOMCreate            = "organization_memberships.create_many"
	OpOMDestroy           = "organization_memberships.destroy_many"
	OpGMCreate            = "group_memberships.create_many"
	OpGMDestroy           = "group_memberships.destroy_many"
)

func decodeItem(item json.RawMessage, v any) error {
	if err := json.Unmarshal(item, v); err != nil {
		return errs.Invalidf("base", "InvalidValue", "The record is not valid JSON for this call: %s", err.Error())
	}
	return nil
}

func decodeID(item json.RawMessage) (int64, error) {
	var id int64
	if err := json.Unmarshal(item, &id); err != nil || id <= 0 {
		return 0, errs.Invalidf("id", "InvalidValue", "The id is not valid")
	}
	return id, nil
}

// inTx runs one bulk record in its own transaction so one bad record
// changes nothing and does not stop the others.
func (s *Service) inTx(ctx context.Context, fn func(ctx context.Context, a auth.Actor) (map[string]any, error)) (map[string]any, error) {
	var out map[string]any
	err := s.d.InTx(ctx, func(ctx context.Context) error {
		var err error
		out, err = fn(ctx, auth.ActorFrom(ctx))
		return err
	})
	return out, err
}

func (s *Service) registerBulk(b *bulk.Service) {
	b.Register(OpUsersCreate, "Bulk Create Users", func(ctx context.Context, i int, item json.RawMessage) (map[string]any, error) {
		return s.inTx(ctx, func(ctx context.Context, a auth.Actor) (map[string]any, error) {
			var in Input
			if err := decodeItem(item, &in); err != nil {
				return nil, err
			}
			id, err := s.createUser(ctx, a, in)
			if err != nil {
				return nil, err
			}
			return map[string]any{"id": id, "status": "Created", "email": in.Email.Ptr()}, nil
		})
	})
	b.Register(OpUsersCreateOrUpdate, "Bulk Create or Update Users", func(ctx context.Context, i int, item json.RawMessage) (map[string]any, error) {
		return s.inTx(ctx, func(ctx context.Context, a auth.Actor) (map[string]any, error) {
			var in Input
			if err := decodeItem(item, &in); err != nil {
				return nil, err
			}
			id, created, err := s.createOrUpdate(ctx, a, in)
			if err != nil {
				return nil, err
			}
			st := "Updated"
			if created {
				st = "Created"
			}
			return map[string]any{"id": id, "status": st}, nil
		})
	})
	b.Register(OpUsersUpdate, "Bulk Update Users", func(ctx context.Context, i int, item json.RawMessage) (map[string]any, error) {
		var in Input
		if err := decodeItem(item, &in); err != nil {
			return nil, err
		}
		if !in.ID.Has() {
			return nil, errs.Invalidf("id", "BlankValue", "Id: is required for update_many")
		}
		// The failure entry is built outside the record's transaction so
		// that a failed update is rolled back rather than committed half
		// done.
		if _, err := s.inTx(ctx, func(ctx context.Context, a auth.Actor) (map[string]any, error) {
			return nil, s.updateUser(ctx, a, in.ID.V, in)
		}); err != nil {
			return map[string]any{"id": in.ID.V, "action": "update", "success": false, "status": "Failed", "errors": err.Error()}, nil
		}
		return map[string]any{"id": in.ID.V, "action": "update", "status": "Updated", "success": true}, nil
	})
	b.Register(OpUsersDestroy, "Bulk Delete Users", func(ctx context.Context, i int, item json.RawMessage) (map[string]any, error) {
		return s.inTx(ctx, func(ctx context.Context, a auth.Actor) (map[string]any, error) {
			id, err := decodeID(item)
			if err != nil {
				return nil, err
			}
			if !a.IsAdmin() {
				return nil, errs.E(errs.Forbidden, "")
			}
			if err := s.deleteUser(ctx, a, id); err != nil {
				return nil, err
			}
			return map[string]any{"id": id, "action": "delete", "status": "Deleted", "success": true}, nil
		})
	})
	b.Register(OpOrgsCreate, "Bulk Create Organizations", func(ctx context.Context, i int, item json.RawMessage) (map[string]any, error) {
		return s.inTx(ctx, func(ctx context.Context, a auth.Actor) (map[string]any, error) {
			var in OrgInput
			if err := decodeItem(item, &in); err != nil {
				return nil, err
			}
			id, err := s.createOrg(ctx, a, in)
			if err != nil {
				return nil, err
			}
			return map[string]any{"id": id, "status": "Created"}, nil
		})
	})
	b.Register(OpOrgsCreateOrUpdate, "Bulk Create or Update Organizations", func(ctx context.Context, i int, item json.RawMessage) (map[string]any, error) {
		return s.inTx(ctx, func(ctx context.Context, a auth.Actor) (map[string]any, error) {
			var in OrgInput
			if err := decodeItem(item, &in); err != nil {
				return nil, err
			}
			id, created, err := s.createOrUpdateOrg(ctx, a, in)
			if err != nil {
				return nil, err
			}
			st := "Updated"
			if created {
				st = "Created"
			}
			return map[string]any{"id": id, "status": st}, nil
		})
	})
	b.Register(OpOrgsUpdate, "Bulk Update Organizations", func(ctx context.Context, i int, item json.RawMessage) (map[string]any, error) {
		return s.inTx(ctx, func(ctx context.Context, a auth.Actor) (map[string]any, error) {
			var in OrgInput
			if err := decodeItem(item, &in); err != nil {
				return nil, err
			}
			if !in.ID.Has() {
				return nil, errs.Invalidf("id", "BlankValue", "Id: is required for update_many")
			}
			if err := s.updateOrg(ctx, a, in.ID.V, in); err != nil {
				return nil, err
			}
			return map[string]any{"id": in.ID.V, "action": "update", "status": "Updated", "success": true}, nil
		})
	})
	b.Register(OpOrgsDestroy, "Bulk Delete Organizations", func(ctx context.Context, i int, item json.RawMessage) (map[string]any, error) {
		return s.inTx(ctx, func(ctx context.Context, a auth.Actor) (map[string]any, error) {
			id, err := decodeID(item)
			if err != nil {
				return nil, err
			}
			if err := s.deleteOrg(ctx, a, id); err != nil {
				return nil, err
			}
			return map[string]any{"id": id, "action": "delete", "status": "Deleted", "success": true}, nil
		})
	})
	b.Register(OpOMCreate, "Bulk Create Organization Memberships", func(ctx context.Context, i int, item json.RawMessage) (map[string]any, error) {
		return s.inTx(ctx, func(ctx context.Context, a auth.Actor) (map[string]any, error) {
			var in MembershipInput
			if err := decodeItem(item, &in); err != nil {
				return nil, err
			}
			m, err := s.createOM(ctx, a, in)
			if err != nil {
				return nil, err
			}
			return map[string]any{"id": m.ID, "status": "Created"}, nil
		})
	})
	b.Register(OpOMDestroy, "Bulk Delete Organization Memberships", func(ctx context.Context, i int, item json.RawMessage) (map[string]any, error) {
		return s.inTx(ctx, func(ctx context.Context, a auth.Actor) (map[string]any, error) {
			id, err := decodeID(item)
			if err != nil {
				return nil, err
			}
			if err := s.DeleteOrgMembership(ctx, id); err != nil {
				return nil, err
			}
			return map[string]any{"id": id, "action": "delete", "status": "Deleted", "success": true}, nil
		})
	})
	b.Register(OpGMCreate, "Bulk Create Group Memberships", func(ctx context.Context, i int, item json.RawMessage) (map[string]any, error) {
		return s.inTx(ctx, func(ctx context.Context, a auth.Actor) (map[string]any, error) {
			var in MembershipInput
			if err := decodeItem(item, &in); err != nil {
				return nil, err
			}
			if !a.IsAdmin() {
				return nil, errs.E(errs.Forbidden, "")
			}
			m, err := s.createGM(ctx, a, in)
			if err != nil {
				return nil, err
			}
			return map[string]any{"id": m.ID, "status": "Created"}, nil
		})
	})
	b.Register(OpGMDestroy, "Bulk Delete Group Memberships", func(ctx context.Context, i int, item json.RawMessage) (map[string]any, error) {
		return s.inTx(ctx, func(ctx context.Context, a auth.Actor) (map[string]any, error) {
			id, err := decodeID(item)
			if err != nil {
				return nil, err
			}
			if err := s.DeleteGroupMembership(ctx, id); err != nil {
				return nil, err
			}
			return map[string]any{"id": id, "action": "delete", "status": "Deleted", "success": true}, nil
		})
	})
}

// StartBulk checks the caller may run op at all, then queues it.
func (s *Service) StartBulk(ctx context.Context, op string, items []json.RawMessage) (bulk.Status, error) {
	a, err := auth.RequireAgent(ctx)
	if err != nil {
		return bulk.Status{}, err
	}
	switch op {
	case OpUsersDestroy, OpOrgsCreate, OpOrgsCreateOrUpdate, OpOrgsUpdate, OpOrgsDestroy, OpGMCreate, OpGMDestroy:
		if !a.IsAdmin() {
			return bulk.Status{}, errs.E(errs.Forbidden, "")
		}
	}
	return s.bulk.Start(ctx, op, items)
}
