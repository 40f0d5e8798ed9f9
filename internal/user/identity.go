package user

import (
	"context"
	"strings"

	"parley/internal/auth"
	"parley/internal/platform/errs"
)

// identityOwner loads the user whose identities the actor wants to touch:
// agents may touch anyone they can edit; end users themselves.
func (s *Service) identityOwner(ctx context.Context, userID int64, write bool) (auth.Actor, User, error) {
	a, err := auth.RequireUser(ctx)
	if err != nil {
		return a, User{}, err
	}
	u, err := s.userByID(ctx, a.AccountID, userID)
	if err != nil {
		return a, u, err
	}
	if !canSee(a, u) || u.DeletedAt != nil {
		return a, u, errs.NotFoundf("Not found")
	}
	if write && !canEdit(a, u) {
		return a, u, errs.E(errs.Forbidden, "")
	}
	return a, u, nil
}

// ListIdentities lists a user's identities, optionally of some types.
func (s *Service) ListIdentities(ctx context.Context, userID int64, types []string) ([]Identity, error) {
	_, u, err := s.identityOwner(ctx, userID, false)
	if err != nil {
		return nil, err
	}
	all, err := s.identities(ctx, u.AccountID, []int64{u.ID})
	if err != nil || len(types) == 0 {
		return all, err
	}
	want := map[string]bool{}
	for _, t := range types {
		want[t] = true
	}
	out := all[:0:0]
	for _, i := range all {
		if want[i.Type] {
			out = append(out, i)
		}
	}
	return out, nil
}

// GetIdentity returns one identity of a user.
func (s *Service) GetIdentity(ctx context.Context, userID, id int64) (Identity, error) {
	ids, err := s.ListIdentities(ctx, userID, nil)
	if err != nil {
		return Identity{}, err
	}
	for _, i := range ids {
		if i.ID == id {
			return i, nil
		}
	}
	return Identity{}, errs.NotFoundf("Not found")
}

// CreateIdentity adds an identity. The user's first email becomes primary;
// a new email may map the user into an organization by its domain.
func (s *Service) CreateIdentity(ctx context.Context, userID int64, in IdentityInput) (Identity, error) {
	var out Identity
	err := s.d.InTx(ctx, func(ctx context.Context) error {
		a, u, err := s.identityOwner(ctx, userID, true)
		if err != nil {
			return err
		}
		if msg := identityProblem(in); msg != "" {
			return errs.Invalidf("value", "InvalidValue", "%s", msg)
		}
		cur, err := s.identities(ctx, u.AccountID, []int64{u.ID})
		if err != nil {
			return err
		}
		hasEmail := false
		for _, i := range cur {
			hasEmail = hasEmail || i.Type == "email"
		}
		verified := in.Verified.Or(false) && a.IsAgent()
		primary := in.Type == "email" && (!hasEmail || in.Primary.Or(false))
		if primary && hasEmail {
			if _, err := s.d.Conn(ctx).ExecContext(ctx, `UPDATE user_identities SET is_primary = FALSE, updated_at = $1
				WHERE account_id = $2 AND user_id = $3 AND type = 'email'`, s.now(), u.AccountID, u.ID); err != nil {
				return err
			}
		}
		out, err = s.insertIdentity(ctx, Identity{AccountID: u.AccountID, UserID: u.ID, Type: in.Type,
			Value: strings.TrimSpace(in.Value), Verified: verified, Primary: primary, CreatedAt: s.now()})
		if err != nil {
			return err
		}
		if in.Type == "email" {
			if err := s.syncPrimaryEmail(ctx, u.AccountID, u.ID); err != nil {
				return err
			}
			if u.OrganizationID == nil {
				if o, ok, err := s.orgByDomain(ctx, u.AccountID, emailDomain(in.Value)); err != nil {
					return err
				} else if ok {
					return s.addOrgMembership(ctx, u.AccountID, u.ID, o, true)
				}
			}
		}
		return nil
	})
	return out, err
}

// UpdateIdentity changes an identity's value or verified flag.
func (s *Service) UpdateIdentity(ctx context.Context, userID, id int64, in IdentityInput) (Identity, error) {
	err := s.d.InTx(ctx, func(ctx context.Context) error {
		a, u, err := s.identityOwner(ctx, userID, true)
		if err != nil {
			return err
		}
		cur, err := s.GetIdentity(ctx, userID, id)
		if err != nil {
			return err
		}
		value := cur.Value
		if strings.TrimSpace(in.Value) != "" {
			value = strings.TrimSpace(in.Value)
			if msg := identityProblem(IdentityInput{Type: cur.Type, Value: value}); msg != "" {
				return errs.Invalidf("value", "InvalidValue", "%s", msg)
			}
		}
		verified := cur.Verified
		if in.Verified.Has() {
			if !a.IsAgent() {
				return errs.E(errs.Forbidden, "")
			}
			verified = in.Verified.V
		}
		norm := value
		if cur.Type == "email" || cur.Type == "twitter" || cur.Type == "google" {
			norm = strings.ToLower(value)
		}
		if _, err := s.d.Conn(ctx).ExecContext(ctx, `UPDATE user_identities SET value = $1, value_norm = $2, verified = $3,
			updated_at = $4 WHERE account_id = $5 AND id = $6`, value, norm, verified, s.now(), u.AccountID, id); err != nil {
			if dbUnique(err) {
				return errs.Invalidf("value", "DuplicateValue", "Value: %s is already being used by another user", value)
			}
			return err
		}
		return s.syncPrimaryEmail(ctx, u.AccountID, u.ID)
	})
	if err != nil {
		return Identity{}, err
	}
	return s.GetIdentity(ctx, userID, id)
}

// MakePrimary makes an identity the primary of its type and returns the
// user's identities.
func (s *Service) MakePrimary(ctx context.Context, userID, id int64) ([]Identity, error) {
	err := s.d.InTx(ctx, func(ctx context.Context) error {
		_, u, err := s.identityOwner(ctx, userID, true)
		if err != nil {
			return err
		}
		cur, err := s.GetIdentity(ctx, userID, id)
		if err != nil {
			return err
		}
		if _, err := s.d.Conn(ctx).ExecContext(ctx, `UPDATE user_identities SET is_primary = (id = $1), updated_at = $2
			WHERE account_id = $3 AND user_id = $4 AND type = $5`, id, s.now(), u.AccountID, u.ID, cur.Type); err != nil {
			return err
		}
		return s.syncPrimaryEmail(ctx, u.AccountID, u.ID)
	})
	if err != nil {
		return nil, err
	}
	return s.ListIdentities(ctx, userID, nil)
}

// VerifyIdentity marks an identity verified (agents).
func (s *Service) VerifyIdentity(ctx context.Context, userID, id int64) (Identity, error) {
	if _, err := auth.RequireAgent(ctx); err != nil {
		return Identity{}, err
	}
	return s.UpdateIdentity(ctx, userID, id, IdentityInput{Verified: optTrue()})
}

// DeleteIdentity removes an identity; if it was the primary email, the
// next email becomes primary.
func (s *Service) DeleteIdentity(ctx context.Context, userID, id int64) error {
	return s.d.InTx(ctx, func(ctx context.Context) error {
		_, u, err := s.identityOwner(ctx, userID, true)
		if err != nil {
			return err
		}
		cur, err := s.GetIdentity(ctx, userID, id)
		if err != nil {
			return err
		}
		c := s.d.Conn(ctx)
		if _, err := c.ExecContext(ctx, `DELETE FROM user_identities WHERE account_id = $1 AND id = $2`, u.AccountID, id); err != nil {
			return err
		}
		if cur.Primary {
			if _, err := c.ExecContext(ctx, `UPDATE user_identities SET is_primary = TRUE WHERE id = (SELECT id FROM user_identities
				WHERE account_id = $1 AND user_id = $2 AND type = $3 ORDER BY id LIMIT 1)`, u.AccountID, u.ID, cur.Type); err != nil {
				return err
			}
		}
		return s.syncPrimaryEmail(ctx, u.AccountID, u.ID)
	})
}
