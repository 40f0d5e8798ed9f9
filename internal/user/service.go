package user

import (
	"context"
	"log/slog"
	"strings"
	"time"

	"parley/internal/auth"
	"parley/internal/bulk"
	"parley/internal/platform/clock"
	"parley/internal/platform/db"
	"parley/internal/platform/errs"
)

// RelatedCounter counts a user's or organization's tickets; the ticket room
// provides it. Without one, there are no tickets to count.
type RelatedCounter interface {
	UserTicketCounts(ctx context.Context, accountID, userID int64) (assigned, requested, ccd int64, err error)
	OrganizationTicketCount(ctx context.Context, accountID, orgID int64) (int64, error)
}

// QuerySearcher runs the full search language (the search room), so
// /users/search?query= understands everything /search does.
type QuerySearcher interface {
	SearchIDs(ctx context.Context, resultType, query string, page, perPage int) ([]int64, int64, error)
}

// Service holds the rules about people.
type Service struct {
	d        *db.DB
	clock    clock.Clock
	log      *slog.Logger
	bulk     *bulk.Service
	argon    auth.Argon2
	counters RelatedCounter
	searcher QuerySearcher
}

// Options configure the user service.
type Options struct {
	Argon2 auth.Argon2
}

// NewService builds the user service and registers its bulk operations.
func NewService(d *db.DB, c clock.Clock, log *slog.Logger, b *bulk.Service, o Options) *Service {
	if o.Argon2.MemoryKiB == 0 {
		o.Argon2 = auth.DefaultArgon2
	}
	s := &Service{d: d, clock: c, log: log, bulk: b, argon: o.Argon2}
	if b != nil {
		s.registerBulk(b)
		b.SetActors(s)
	}
	return s
}

// SetSearcher wires the search room for /users/search?query=.
func (s *Service) SetSearcher(q QuerySearcher) { s.searcher = q }

// SearchUsers runs a users query through the search room when it is
// wired (else the built-in subset) and returns one offset page in result
// order with the total.
func (s *Service) SearchUsers(ctx context.Context, query string, page, perPage int) ([]User, int64, error) {
	a, err := auth.RequireAgent(ctx)
	if err != nil {
		return nil, 0, err
	}
	if s.searcher == nil {
		us, total, _, err := s.ListUsers(ctx, Filter{Query: query}, db.Page{Limit: perPage, Offset: (page - 1) * perPage})
		return us, total, err
	}
	ids, total, err := s.searcher.SearchIDs(ctx, "user", query, page, perPage)
	if err != nil || len(ids) == 0 {
		return []User{}, total, err
	}
	args := []any{}
	found, err := s.queryUsers(ctx, `SELECT `+userCols+` FROM users u WHERE `+s.userWhere(a.AccountID, Filter{IDs: ids}, &args), args...)
	if err != nil {
		return nil, 0, err
	}
	byID := map[int64]User{}
	for _, u := range found {
		byID[u.ID] = u
	}
	out := make([]User, 0, len(ids))
	for _, id := range ids {
		if u, ok := byID[id]; ok {
			out = append(out, u)
		}
	}
	return out, total, nil
}

// SetCounters wires the ticket counts for /related endpoints.
func (s *Service) SetCounters(rc RelatedCounter) { s.counters = rc }

// PrincipalByEmail implements auth.Directory.
func (s *Service) PrincipalByEmail(ctx context.Context, accountID int64, email string) (auth.Principal, error) {
	u, a, err := s.actorUser(ctx, `FROM users u JOIN user_identities i ON i.user_id = u.id`+actorRole+
		` WHERE i.account_id = $1 AND i.type = 'email' AND i.value_norm = $2 AND u.deleted_at IS NULL`,
		accountID, strings.ToLower(strings.TrimSpace(email)))
	if err != nil {
		return auth.Principal{}, err
	}
	return auth.Principal{Actor: a, Active: u.Active && u.DeletedAt == nil, Suspended: u.Suspended,
		PasswordHash: u.PasswordHash}, nil
}

// ActorByID implements bulk.ActorLoader.
func (s *Service) ActorByID(ctx context.Context, accountID, userID int64) (auth.Actor, error) {
	u, a, err := s.actorUser(ctx, `FROM users u`+actorRole+` WHERE u.account_id = $1 AND u.id = $2`, accountID, userID)
	if err != nil {
		return auth.Actor{}, err
	}
	if !u.Active || u.Suspended {
		return auth.Actor{}, errs.E(errs.Unauthenticated, "user is not active")
	}
	return a, nil
}

// canSee reports whether actor may read user u: agents see everyone in
// their account; end users see themselves.
func canSee(a auth.Actor, u User) bool {
	return a.IsAgent() || a.UserID == u.ID
}

// GetUser returns one user of the caller's account.
func (s *Service) GetUser(ctx context.Context, id int64) (User, error) {
	a, err := auth.RequireUser(ctx)
	if err != nil {
		return User{}, err
	}
	u, err := s.userByID(ctx, a.AccountID, id)
	if err != nil {
		return User{}, err
	}
	if !canSee(a, u) {
		return User{}, errs.E(errs.Forbidden, "")
	}
	return u, nil
}

// Me returns the signed-in user, or NotFound for an anonymous caller.
func (s *Service) Me(ctx context.Context) (User, error) {
	a := auth.ActorFrom(ctx)
	if a.Anonymous() {
		return User{}, errs.NotFoundf("anonymous")
	}
	return s.userByID(ctx, a.AccountID, a.UserID)
}

// Filter narrows a user list.
type Filter struct {
	Roles          []auth.Role
	ExternalID     string
	OrganizationID int64
	GroupID        int64
	IDs            []int64
	ExternalIDs    []string
	Query          string // users/search and autocomplete
	NamePrefix     string
	PermissionSet  int64
}

func (s *Service) userWhere(accountID int64, f Filter, args *[]any) string {
	*args = append(*args, accountID)
	w := `u.account_id = $1 AND u.deleted_at IS NULL`
	if len(f.Roles) > 0 {
		rs := make([]string, len(f.Roles))
		for i, r := range f.Roles {
			rs[i] = string(r)
		}
		w += ` AND u.role IN (` + db.Placeholders(args, rs) + `)`
	}
	if f.PermissionSet != 0 {
		w += ` AND u.custom_role_id = ` + db.Arg(args, f.PermissionSet)
	}
	if f.ExternalID != "" {
		w += ` AND lower(u.external_id) = ` + db.Arg(args, strings.ToLower(f.ExternalID))
	}
	if len(f.IDs) > 0 {
		w += ` AND u.id IN (` + db.Placeholders(args, f.IDs) + `)`
	}
	if len(f.ExternalIDs) > 0 {
		low := make([]string, len(f.ExternalIDs))
		for i, e := range f.ExternalIDs {
			low[i] = strings.ToLower(e)
		}
		w += ` AND lower(u.external_id) IN (` + db.Placeholders(args, low) + `)`
	}
	if f.OrganizationID != 0 {
		// Start from the memberships: as a correlated EXISTS the planner
		// walked every user of the account (45 ms at 50,000 users).
		w += ` AND u.id IN (SELECT m.user_id FROM organization_memberships m WHERE m.account_id = $1
			AND m.organization_id = ` + db.Arg(args, f.OrganizationID) + `)`
	}
	if f.GroupID != 0 {
		w += ` AND u.id IN (SELECT g.user_id FROM group_memberships g WHERE g.account_id = $1
			AND g.group_id = ` + db.Arg(args, f.GroupID) + `)`
	}
	if f.NamePrefix != "" {
		w += ` AND lower(u.name) LIKE ` + db.Arg(args, db.LikeEscape(strings.ToLower(f.NamePrefix))+"%") + ` ESCAPE '\'`
	}
	if f.Query != "" {
		w += s.queryWhere(f.Query, args)
	}
	return w
}

// queryWhere understands the user part of the search language that
// /users/search needs today: bare words match the start of any word of the
// name, or the email, external id or phone; key:value pairs filter email,
// name, role, external_id, tags, organization (id) and phone. The full
// language lives in the search room.
func (s *Service) queryWhere(q string, args *[]any) string {
	var w strings.Builder
	for _, tok := range splitQuery(q) {
		key, val, hasKey := strings.Cut(tok, ":")
		if !hasKey || val == "" {
			val, key = tok, ""
		}
		raw := strings.Trim(val, `"`)
		low := strings.ToLower(raw)
		like := db.LikeEscape(low)
		switch key {
		case "email":
			w.WriteString(` AND EXISTS (SELECT 1 FROM user_identities i WHERE i.account_id = u.account_id AND i.user_id = u.id
				AND i.type = 'email' AND i.value_norm = ` + db.Arg(args, low) + `)`)
		case "name":
			w.WriteString(` AND lower(u.name) = ` + db.Arg(args, low))
		case "role":
			w.WriteString(` AND u.role = ` + db.Arg(args, low))
		case "external_id":
			w.WriteString(` AND lower(u.external_id) = ` + db.Arg(args, low))
		case "phone":
			w.WriteString(` AND u.phone = ` + db.Arg(args, raw))
		case "tags", "tag":
			w.WriteString(` AND EXISTS (SELECT 1 FROM user_tags t WHERE t.account_id = u.account_id AND t.user_id = u.id
				AND t.tag = ` + db.Arg(args, low) + `)`)
		case "organization", "organization_id":
			w.WriteString(` AND EXISTS (SELECT 1 FROM organization_memberships m JOIN organizations o ON o.id = m.organization_id
				WHERE m.account_id = u.account_id AND m.user_id = u.id AND (o.name_norm = ` + db.Arg(args, low) +
				` OR CAST(o.id AS TEXT) = ` + db.Arg(args, low) + `))`)
		default:
			p1, p2 := db.Arg(args, like+"%"), db.Arg(args, "% "+like+"%")
			w.WriteString(` AND (lower(u.name) LIKE ` + p1 + ` ESCAPE '\' OR lower(u.name) LIKE ` + p2 + ` ESCAPE '\'` +
				` OR lower(u.external_id) = ` + db.Arg(args, low) + ` OR u.phone = ` + db.Arg(args, raw) +
				` OR EXISTS (SELECT 1 FROM user_identities i WHERE i.account_id = u.account_id AND i.user_id = u.id
				AND i.value_norm LIKE ` + p1 + ` ESCAPE '\'))`)
		}
	}
	return w.String()
}

// splitQuery splits on spaces, keeping "quoted phrases" together.
func splitQuery(q string) []string {
	var out []string
	var cur strings.Builder
	inQ := false
	for _, r := range q {
		switch {
		case r == '"':
			inQ = !inQ
			cur.WriteRune(r)
		case r == ' ' && !inQ:
			if cur.Len() > 0 {
				out = append(out, cur.String())
				cur.Reset()
			}
		default:
			cur.WriteRune(r)
		}
	}
	if cur.Len() > 0 {
		out = append(out, cur.String())
	}
	return out
}

// ListUsers lists users (agents). Offset pages also get the total.
func (s *Service) ListUsers(ctx context.Context, f Filter, p db.Page) ([]User, int64, bool, error) {
	a, err := auth.RequireAgent(ctx)
	if err != nil {
		return nil, 0, false, err
	}
	args := []any{}
	where := s.userWhere(a.AccountID, f, &args)
	var total int64
	if !p.Keyset {
		if err := s.d.Conn(ctx).QueryRowContext(ctx, `SELECT count(*) FROM users u WHERE `+where, args...).Scan(&total); err != nil {
			return nil, 0, false, err
		}
	}
	p.Alias = "u."
	q := `SELECT ` + userCols + ` FROM users u WHERE ` + where + p.Seek(&args) + p.OrderLimit(&args)
	us, err := s.queryUsers(ctx, q, args...)
	if err != nil {
		return nil, 0, false, err
	}
	us, more := db.Finish(p, us)
	return us, total, more, nil
}

// CountUsers counts the live users of the caller's account (agents).
func (s *Service) CountUsers(ctx context.Context, f Filter) (int64, error) {
	a, err := auth.RequireAgent(ctx)
	if err != nil {
		return 0, err
	}
	args := []any{}
	var n int64
	err = s.d.Conn(ctx).QueryRowContext(ctx, `SELECT count(*) FROM users u WHERE `+s.userWhere(a.AccountID, f, &args), args...).Scan(&n)
	return n, err
}

// Related is /users/{id}/related.
type Related struct {
	AssignedTickets, RequestedTickets, CCDTickets, OrganizationSubscriptions int64
}

// UserRelated counts what hangs off a user (agents).
func (s *Service) UserRelated(ctx context.Context, id int64) (Related, error) {
	a, err := auth.RequireAgent(ctx)
	if err != nil {
		return Related{}, err
	}
	if _, err := s.userByID(ctx, a.AccountID, id); err != nil {
		return Related{}, err
	}
	var r Related
	if s.counters != nil {
		if r.AssignedTickets, r.RequestedTickets, r.CCDTickets, err = s.counters.UserTicketCounts(ctx, a.AccountID, id); err != nil {
			return r, err
		}
	}
	return r, nil
}

// now is the clock's time for one write.
func (s *Service) now() time.Time { return s.clock.Now() }
