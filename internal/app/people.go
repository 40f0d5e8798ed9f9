package app

import (
	"context"

	"parley/internal/account"
	"parley/internal/auth"
	"parley/internal/rule"
	"parley/internal/ticket"
)

// people is the user room as the ticket room and the rules see it.
type people struct{ ticket.Users }

// accountSettings answers the account settings the ticket room reads.
type accountSettings struct{ a *account.Service }

func (s accountSettings) SecureDownloads(ctx context.Context, accountID int64) (bool, error) {
	acct, err := s.a.ByID(ctx, accountID)
	return acct.Settings.SecureUploads, err
}

// UserFacts gives triggers a user's role and locale id.
func (p people) UserFacts(ctx context.Context, accountID, userID int64) (string, int64, error) {
	u, err := p.U.Lookup(ctx, accountID, userID)
	if err != nil {
		return "", 0, err
	}
	loc := u.Locale
	return string(u.Role), rule.LocaleID(&loc), nil
}

// Author names a comment's author for webhook events.
func (p people) Author(ctx context.Context, accountID, userID int64) (string, bool, error) {
	u, err := p.U.Lookup(ctx, accountID, userID)
	if err != nil {
		return "", false, err
	}
	return u.Name, u.Role == auth.RoleAgent || u.Role == auth.RoleAdmin, nil
}
