// Package seed loads realistic help-desk data fast, for measuring views
// and search at scale (`parley bench seed`). Reference data (end users,
// organizations, groups, agents, ticket fields) goes through the user and
// ticket rooms' services; the tickets, with their comments, audits, tags
// and field values, go through the ticket room's batch import, which fills
// every table a normal write fills.
package seed

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"io"
	"math/rand/v2"
	"strings"
	"time"

	"parley/internal/auth"
	"parley/internal/platform/db"
	"parley/internal/platform/opt"
	"parley/internal/ticket"
	"parley/internal/user"
)

// Tickets is what the seeder needs of the ticket room.
type Tickets interface {
	// ImportBatch stores historical tickets in one transaction.
	ImportBatch(ctx context.Context, accountID int64, batch []ticket.BatchTicket) error
	ListFields(ctx context.Context) ([]ticket.Field, error)
	CreateField(ctx context.Context, in ticket.FieldInput) (ticket.Field, error)
}

// People is what the seeder needs of the user room (agent or admin ctx).
type People interface {
	CreateUser(ctx context.Context, in user.Input) (user.User, error)
	LookupEmail(ctx context.Context, accountID int64, email string) (user.User, error)
	CountUsers(ctx context.Context, f user.Filter) (int64, error)
	CreateOrganization(ctx context.Context, in user.OrgInput) (user.Organization, error)
	CreateGroup(ctx context.Context, in user.GroupInput) (user.Group, error)
	ListGroups(ctx context.Context, f user.GroupFilter, p db.Page) ([]user.Group, int64, bool, error)
	CreateGroupMembership(ctx context.Context, in user.MembershipInput) (user.GroupMembership, error)
}

// Deps are the seeder's collaborators.
type Deps struct {
	Tickets Tickets
	People  People
	// InTx runs fn in one transaction, so many small reference-data
	// writes commit together (db.DB.InTx).
	InTx func(ctx context.Context, fn func(ctx context.Context) error) error
	// Admin returns the admin the reference data is created as.
	Admin func(ctx context.Context, accountID int64) (auth.Actor, error)
	// Tune, if set, readies the database for a bulk load; Run calls it
	// first.
	Tune func(ctx context.Context) error
	// Analyze, if set, refreshes the planner's statistics of the tables
	// a load is filling; Run calls it as they double in size.
	Analyze func(ctx context.Context, tables ...string) error
}

// NewDeps wires the seeder to the ticket and user rooms. The reference data
// is created as the account's owner (or its first admin).
//
// On SQLite, Run then tunes the writer connection for the rest of the
// process (meant for a process that only seeds): a 256 MB page cache, so
// a batch's index pages stay in memory until its commit instead of
// spilling to the WAL mid-transaction; statement journals in memory (each
// multi-row INSERT keeps one, as the full-text triggers may abort it); and
// a checkpoint every 200 MB of WAL rather than every 4 MB. Measured on
// 30,000 tickets: 2,900 tickets/s before, 4,800 after.
func NewDeps(t *ticket.Service, u *user.Service, d *db.DB) Deps {
	return Deps{
		Tune: func(ctx context.Context) error {
			if d.Dialect != db.SQLite {
				return nil
			}
			for _, q := range []string{"PRAGMA cache_size = -262144", "PRAGMA temp_store = MEMORY",
				"PRAGMA wal_autocheckpoint = 50000"} {
				if _, err := d.Writer().ExecContext(ctx, q); err != nil {
					return fmt.Errorf("seed: %s: %w", q, err)
				}
			}
			return nil
		},
		// Without statistics PostgreSQL's plans for a growing table go
		// stale: user creates slowed from 380/s to 67/s by the 28,000th,
		// PostgreSQL busy in the lookup of a user by account and id (a
		// prepared statement's generic plan, made while users was nearly
		// empty, is the likely cause). Autovacuum, which would analyze the
		// tables as they grow, is off on the benchmark machine.
		Analyze: func(ctx context.Context, tables ...string) error {
			if d.Dialect != db.Postgres {
				return nil
			}
			if _, err := d.Writer().ExecContext(ctx, "ANALYZE "+strings.Join(tables, ", ")); err != nil {
				return fmt.Errorf("seed: analyze: %w", err)
			}
			return nil
		},
		Tickets: t,
		People:  u,
		InTx:    d.InTx,
		Admin: func(ctx context.Context, accountID int64) (auth.Actor, error) {
			var id int64
			err := d.Conn(ctx).QueryRowContext(ctx, `SELECT id FROM users WHERE account_id = $1 AND role = 'admin'
				AND active = TRUE AND suspended = FALSE ORDER BY is_owner DESC, id LIMIT 1`, accountID).Scan(&id)
			if errors.Is(err, sql.ErrNoRows) {
				return auth.Actor{}, fmt.Errorf("seed: account %d has no admin", accountID)
			}
			if err != nil {
				return auth.Actor{}, err
			}
			a, err := u.ActorByID(ctx, accountID, id)
			if err != nil {
				return auth.Actor{}, err
			}
			a.Method = "system"
			return a, nil
		},
	}
}

// Options size and shape the data.
type Options struct {
	// Tickets is how many tickets to add.
	Tickets int
	// BatchSize is the tickets per ImportBatch call (default 1000).
	BatchSize int
	// BatchesPerCommit is how many batches share a transaction (default
	// 5). A failure rolls back its whole transaction.
	BatchesPerCommit int
	// Seed makes the data deterministic: the same seed on the same
	// (empty) account gives the same data.
	Seed int64
	// CommentsMin and CommentsMax bound the comments per ticket (default
	// 1..3).
	CommentsMin, CommentsMax int
	// Progress, if set, gets a line every ProgressEvery tickets.
	Progress io.Writer
	// ProgressEvery is how often progress is reported (default 10,000).
	ProgressEvery int
	// Now is the end of the year of history (default: the current time).
	Now time.Time
}

// Result says what a run added and how fast.
type Result struct {
	Tickets, Comments, Users int
	Duration                 time.Duration
	// TicketsPerSecond is over the whole run, reference data included.
	TicketsPerSecond float64
}

// Run adds o.Tickets tickets to the account, with about one end user per
// 20 tickets, one organization per 200 (at least 5), and, once per account,
// 5 groups, 20 agents spread over them and the Product and Order number
// fields. A second run appends: it reuses the groups, agents and fields,
// adds new users and organizations, and its tickets are numbered after the
// existing ones.
func Run(ctx context.Context, d Deps, accountID int64, o Options) (Result, error) {
	start := time.Now()
	if o.Tickets <= 0 {
		return Result{}, errors.New("seed: tickets must be positive")
	}
	if o.BatchSize <= 0 {
		o.BatchSize = 1000
	}
	if o.BatchesPerCommit <= 0 {
		o.BatchesPerCommit = 5
	}
	if o.CommentsMin <= 0 {
		o.CommentsMin = 1
	}
	if o.CommentsMax < o.CommentsMin {
		o.CommentsMax = max(3, o.CommentsMin)
	}
	if o.ProgressEvery <= 0 {
		o.ProgressEvery = 10000
	}
	if o.Now.IsZero() {
		o.Now = time.Now()
	}
	o.Now = o.Now.UTC().Truncate(time.Second)
	if d.Tune != nil {
		if err := d.Tune(ctx); err != nil {
			return Result{}, err
		}
	}
	admin, err := d.Admin(ctx, accountID)
	if err != nil {
		return Result{}, err
	}
	actx := auth.WithActor(ctx, admin)
	existing, err := d.People.CountUsers(actx, user.Filter{})
	if err != nil {
		return Result{}, err
	}
	// The existing user count varies the stream between runs, so a second
	// run with the same seed adds new people rather than colliding.
	g := newGen(rand.New(rand.NewPCG(uint64(o.Seed), uint64(existing))), o)
	ref, err := reference(actx, d, accountID, g, existing, o.Tickets)
	if err != nil {
		return Result{}, err
	}
	res := Result{Users: ref.created}
	if o.Progress != nil {
		fmt.Fprintf(o.Progress, "seed: %d users, %d organizations, %d groups ready in %s\n", ref.created, len(ref.orgs),
			len(ref.groups), time.Since(start).Round(time.Millisecond))
	}
	batch := make([]ticket.BatchTicket, 0, o.BatchSize)
	reported := 0
	// Batches are imported in groups of o.BatchesPerCommit, each group in
	// one transaction: a commit writes every page the group dirtied, and
	// index pages are shared by many batches.
	for i, commits := 0, 0; i < o.Tickets; commits++ {
		if err := analyzeAt(ctx, d, commits, "tickets", "ticket_comments", "ticket_tags", "ticket_field_values", "ticket_search_docs", "ticket_audits", "ticket_events"); err != nil {
			return res, err
		}
		err := d.InTx(ctx, func(ctx context.Context) error {
			for k := 0; k < o.BatchesPerCommit && i < o.Tickets; k++ {
				if err := ctx.Err(); err != nil {
					return err
				}
				batch = batch[:0]
				for ; len(batch) < o.BatchSize && i < o.Tickets; i++ {
					batch = append(batch, g.ticket(ref, i))
				}
				if err := d.Tickets.ImportBatch(ctx, accountID, batch); err != nil {
					return fmt.Errorf("seed: import tickets %d..%d of this run: %w", i-len(batch)+1, i, err)
				}
				for _, t := range batch {
					res.Comments += len(t.Comments)
				}
			}
			return nil
		})
		if err != nil {
			return res, err
		}
		res.Tickets = i
		if o.Progress != nil && (res.Tickets-reported >= o.ProgressEvery || res.Tickets == o.Tickets) {
			reported = res.Tickets
			el := time.Since(start)
			fmt.Fprintf(o.Progress, "seed: %d/%d tickets, %d comments, %s, %.0f tickets/s\n", res.Tickets, o.Tickets,
				res.Comments, el.Round(time.Second), float64(res.Tickets)/el.Seconds())
		}
	}
	res.Duration = time.Since(start)
	res.TicketsPerSecond = float64(res.Tickets) / res.Duration.Seconds()
	return res, nil
}

// analyzeAt runs d.Analyze on tables before the n-th step of a load when
// n is a power of two (1, 2, 4, …): as the tables double in size.
func analyzeAt(ctx context.Context, d Deps, n int, tables ...string) error {
	if d.Analyze == nil || n == 0 || n&(n-1) != 0 {
		return nil
	}
	return d.Analyze(ctx, tables...)
}

// refs is the reference data tickets point at.
type refs struct {
	requesters []person
	orgs       []int64
	groups     []int64
	members    map[int64][]int64 // group -> agents
	agents     []int64
	product    int64
	order      int64
	options    []string // Product option values
	created    int      // users created by this run
}

type person struct {
	id    int64
	org   *int64
	name  string
	email string
}

// reference finds or creates the groups, agents and fields, and creates
// this run's organizations and end users.
func reference(ctx context.Context, d Deps, accountID int64, g *gen, existing int64, tickets int) (*refs, error) {
	r := &refs{members: map[int64][]int64{}}
	if err := fieldsRef(ctx, d, r); err != nil {
		return nil, err
	}
	gs, _, _, err := d.People.ListGroups(ctx, user.GroupFilter{}, db.Page{Limit: 1000})
	if err != nil {
		return nil, err
	}
	byName := map[string]int64{}
	for _, gr := range gs {
		byName[gr.Name] = gr.ID
	}
	err = d.InTx(ctx, func(ctx context.Context) error {
		for _, name := range groupNames {
			id, ok := byName[name]
			if !ok {
				gr, err := d.People.CreateGroup(ctx, user.GroupInput{Name: opt.Of(name), Description: opt.Of(name + " team")})
				if err != nil {
					return fmt.Errorf("seed: group %s: %w", name, err)
				}
				id = gr.ID
			}
			r.groups = append(r.groups, id)
		}
		// 20 agents: agent k belongs to group k%5, every third also to the next.
		for k := 0; k < 20; k++ {
			email := fmt.Sprintf("agent%02d@seed-agents.example", k+1)
			grps := []int64{r.groups[k%len(r.groups)]}
			if k%3 == 0 {
				grps = append(grps, r.groups[(k+1)%len(r.groups)])
			}
			u, err := d.People.LookupEmail(ctx, accountID, email)
			if err != nil {
				name := firstNames[(k*7)%len(firstNames)] + " " + lastNames[(k*11)%len(lastNames)]
				u, err = d.People.CreateUser(ctx, user.Input{Name: opt.Of(name), Email: opt.Of(email), Role: opt.Of("agent"),
					Verified: opt.Of(true)})
				if err != nil {
					return fmt.Errorf("seed: agent %s: %w", email, err)
				}
				r.created++
				for _, gid := range grps {
					if _, err := d.People.CreateGroupMembership(ctx, user.MembershipInput{UserID: opt.Of(u.ID), GroupID: opt.Of(gid)}); err != nil {
						return fmt.Errorf("seed: membership: %w", err)
					}
				}
			}
			r.agents = append(r.agents, u.ID)
			for _, gid := range grps {
				r.members[gid] = append(r.members[gid], u.ID)
			}
		}
		// Organizations.
		nOrgs := max(5, tickets/200)
		for k := 0; k < nOrgs; k++ {
			name := fmt.Sprintf("%s %s %d", g.pick(orgWords), g.pick(orgKinds), existing+int64(k)+1)
			o, err := d.People.CreateOrganization(ctx, user.OrgInput{Name: opt.Of(name), Details: opt.Of(g.pick(products) + " customer")})
			if err != nil {
				return fmt.Errorf("seed: organization %s: %w", name, err)
			}
			r.orgs = append(r.orgs, o.ID)
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	// End users, 500 per transaction.
	nUsers := max(1, tickets/20)
	for start := 0; start < nUsers; start += 500 {
		if err := analyzeAt(ctx, d, start/500, "users", "user_identities", "organization_memberships", "organizations"); err != nil {
			return nil, err
		}
		err := d.InTx(ctx, func(ctx context.Context) error {
			for k := start; k < min(start+500, nUsers); k++ {
				p := g.person(r, existing+int64(k)+1)
				in := user.Input{Name: opt.Of(p.name), Email: opt.Of(p.email), Verified: opt.Of(true)}
				if p.org != nil {
					in.OrganizationID = opt.Of(*p.org)
				}
				u, err := d.People.CreateUser(ctx, in)
				if err != nil {
					return fmt.Errorf("seed: user %s: %w", p.email, err)
				}
				p.id = u.ID
				r.requesters = append(r.requesters, p)
				r.created++
			}
			return nil
		})
		if err != nil {
			return nil, err
		}
	}
	return r, nil
}

// fieldsRef finds or creates the Product dropdown and the Order number
// text field.
func fieldsRef(ctx context.Context, d Deps, r *refs) error {
	fs, err := d.Tickets.ListFields(ctx)
	if err != nil {
		return err
	}
	for _, f := range fs {
		switch {
		case f.Title == "Product" && f.Type == "tagger" && r.product == 0:
			r.product = f.ID
			for _, o := range f.Options {
				r.options = append(r.options, o.Value)
			}
		case f.Title == "Order number" && f.Type == "text" && r.order == 0:
			r.order = f.ID
		}
	}
	if r.product == 0 {
		opts := make([]ticket.OptionInput, len(products))
		for i, p := range products {
			opts[i] = ticket.OptionInput{Name: p, Value: "product_" + strings.ReplaceAll(strings.ToLower(p), " ", "_")}
		}
		f, err := d.Tickets.CreateField(ctx, ticket.FieldInput{Type: opt.Of("tagger"), Title: opt.Of("Product"),
			CustomFieldOptions: opt.Of(opts)})
		if err != nil {
			return fmt.Errorf("seed: Product field: %w", err)
		}
		r.product = f.ID
		for _, o := range f.Options {
			r.options = append(r.options, o.Value)
		}
	}
	if r.order == 0 {
		f, err := d.Tickets.CreateField(ctx, ticket.FieldInput{Type: opt.Of("text"), Title: opt.Of("Order number")})
		if err != nil {
			return fmt.Errorf("seed: Order number field: %w", err)
		}
		r.order = f.ID
	}
	if len(r.options) == 0 {
		return errors.New("seed: the Product field has no options")
	}
	return nil
}
