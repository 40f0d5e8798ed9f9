package user

import (
	"context"
	"slices"
	"strings"
	"unicode"
	"unicode/utf8"

	"parley/internal/auth"
	"parley/internal/platform/db"
)

// FindPeople pages the live users of roles whose name, or one of whose
// email addresses, starts with prefix (agents), for the admin center's
// people search on accounts with many users. Unlike Filter.Query, which
// tests every user of the account, it reads only the candidates from the
// name and email indexes: the name as typed, in lower case, capitalized
// and in upper case, and the email in lower case (as stored). p must be
// a keyset page; its Sort is the caller's (whitelisted) order.
func (s *Service) FindPeople(ctx context.Context, roles []auth.Role, prefix string, p db.Page) ([]User, bool, error) {
	a, err := auth.RequireAgent(ctx)
	if err != nil {
		return nil, false, err
	}
	prefix = strings.TrimSpace(prefix)
	args := []any{}
	where := s.userWhere(a.AccountID, Filter{Roles: roles}, &args)
	low := strings.ToLower(prefix)
	var cands []string
	for _, v := range caseVariants(prefix) {
		cands = append(cands, `SELECT id FROM users WHERE account_id = $1 AND name >= `+db.Arg(&args, v)+
			` AND name < `+db.Arg(&args, prefixEnd(v)))
	}
	cands = append(cands, `SELECT user_id FROM user_identities WHERE account_id = $1 AND type = 'email' AND value_norm >= `+
		db.Arg(&args, low)+` AND value_norm < `+db.Arg(&args, prefixEnd(low)))
	like := db.Arg(&args, db.LikeEscape(low)+"%")
	// The ranges are exact under a bytewise collation; the LIKE tests keep
	// the answer right under any other.
	where += ` AND u.id IN (` + strings.Join(cands, ` UNION `) + `) AND (lower(u.name) LIKE ` + like + ` ESCAPE '\'
		OR EXISTS (SELECT 1 FROM user_identities i WHERE i.account_id = u.account_id AND i.user_id = u.id AND i.type = 'email'
		AND i.value_norm LIKE ` + like + ` ESCAPE '\'))`
	p.Alias, p.Keyset = "u.", true
	us, err := s.queryUsers(ctx, `SELECT `+userCols+` FROM users u WHERE `+where+p.Seek(&args)+p.OrderLimit(&args), args...)
	if err != nil {
		return nil, false, err
	}
	us, more := db.Finish(p, us)
	return us, more, nil
}

// caseVariants are the spellings of a typed name start the name index is
// read at.
func caseVariants(s string) []string {
	low := strings.ToLower(s)
	r, n := utf8.DecodeRuneInString(low)
	out := []string{}
	for _, v := range []string{s, low, string(unicode.ToUpper(r)) + low[n:], strings.ToUpper(s)} {
		if v != "" && !slices.Contains(out, v) {
			out = append(out, v)
		}
	}
	return out
}

// prefixEnd is the least string above every string starting with s
// (bytewise): s with its last character raised by one.
func prefixEnd(s string) string {
	r := []rune(s)
	for i := len(r) - 1; i >= 0; i-- {
		if r[i] < unicode.MaxRune {
			r[i]++
			return string(r[:i+1])
		}
	}
	return s + string(unicode.MaxRune)
}
