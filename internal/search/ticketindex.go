package search

import (
	"context"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"parley/internal/auth"
	"parley/internal/platform/db"
	"parley/internal/ticket"
)

// The ticket index answers the searches of large accounts from memory.
//
// At a million tickets a common word matches a third of them, and no SQL
// plan finds, counts and orders 300,000 matches quickly: the word's ids
// come out of the full-text index at about 3 µs each, and checking each
// one's status costs a row lookup (1.2-4.7 s per search, on both engines).
// Zendesk answers from Elasticsearch, whose filters are cached bitsets.
// The index does the same: each term of a query (a word, a phrase,
// status<solved, tags:vip) is read once into a bitset over the account's
// ticket numbers (tickets are numbered from 1 in each account, so a
// million tickets take 125 KB a set), and a query is the AND of its sets:
// the count is a popcount, and the page is read by walking the tickets in
// sort order (an index) and keeping those in the result.
//
// Sets stay exact as tickets change. Every ticket write sets updated_at,
// so each search first reads the tickets whose updated_at is at or after
// the highest seen less an overlap (a write whose transaction commits
// later than a newer one's stays visible for overlap), notes the ones
// whose updated_at changed, and brings each set it uses up to date by
// reading that set again over just those ticket numbers (compiler.only).
// A set older than maxSetAge is read whole again in the background, which
// bounds what any missed change (a clock far off on another node, a row
// changed in plain SQL) can cost.
//
// Only terms that depend on the ticket alone can be kept this way: text,
// status, priority, ticket type, tags, people, groups and organizations
// by id (or me, or none) and absolute dates (see ticketOnly). A query with
// any other term, another sort, a type other than tickets (users,
// organizations and groups of a query of every type come from SQL and are
// merged in: indexSearch) or an agent who sees only some tickets goes to
// SQL, as does every account below minTickets, where SQL answers in
// milliseconds and a cache would only add staleness to reason about.
type ticketIndex struct {
	d     *db.DB
	now   func() time.Time
	mu    sync.Mutex
	accts map[int64]*acctIndex
	// minTickets is the account size (highest ticket number) from which
	// searches use the index.
	minTickets int64
	// pageBy, for tests, makes every page a walk ("walk": in chunks of
	// two rows, so continuing matters) or a lookup ("lookup").
	pageBy string
	// maxAccounts is how many accounts keep an index at once.
	maxAccounts int
	// every is the least time between two reads of an account's feed.
	every time.Duration
	// fullReads and partReads count the sets read whole and the runs
	// read to catch sets up.
	fullReads, partReads atomic.Int64
}

const (
	// defaultIndexMinTickets: at 100,000 tickets SQL answers a common
	// word in 100-200 ms, already over the 50 ms budget of a page.
	defaultIndexMinTickets = 50_000
	// overlap is how long after a newer write an older one may still
	// commit and be noticed.
	overlap = 5 * time.Second
	// maxSetAge is how long a set is caught up before it is read whole
	// again (in the background).
	maxSetAge = 10 * time.Minute
	// maxSets bounds one account's sets (at a million tickets, 125 KB
	// each: 32 MB); the least recently used goes first.
	maxSets = 256
	// defaultIndexAccounts bounds the accounts indexed at once: 8 × 32 MB
	// at a million tickets each.
	defaultIndexAccounts = 8
	// maxLog is how many changes an account keeps for catching sets up;
	// a set further behind is read whole again.
	maxLog = 200_000
	// maxRanges is how many runs of changed tickets a set is caught up
	// over, one statement each, before reading it whole is cheaper.
	maxRanges = 200
	// feedEvery: a search sees every write committed this long before
	// it. Reading the feed costs about 1 ms under heavy writes, and the
	// account's searches wait for one another while it is read.
	feedEvery = 50 * time.Millisecond
	// rangeGap joins changed tickets this close into one run.
	rangeGap = 64
)

func newTicketIndex(d *db.DB, now func() time.Time) *ticketIndex {
	return &ticketIndex{d: d, now: now, accts: map[int64]*acctIndex{}, minTickets: defaultIndexMinTickets,
		maxAccounts: defaultIndexAccounts, every: feedEvery}
}

// acctIndex is one account's feed of changes and its sets.
type acctIndex struct {
	// touched is when the account was last searched (under ticketIndex.mu).
	touched time.Time
	mu      sync.Mutex
	// mark is the highest updated_at seen; seen holds, for the tickets
	// updated within overlap of it, the updated_at last seen.
	mark time.Time
	seen map[int64]uint64
	// read is when the feed was last read.
	read time.Time
	// seq numbers the feed's reads; log lists the tickets that changed,
	// each with the seq of the read that saw it. floor is the seq up to
	// which changes have been dropped from the log.
	seq   uint64
	log   []change
	floor uint64
	live  *termSet
	sets  map[string]*termSet
}

type change struct {
	seq uint64
	id  int64
}

// termSet is the tickets matching one term, as of feed read seq.
type termSet struct {
	bits  bitset
	ready bool
	// rereading is set while a background read of the whole set runs.
	rereading bool
	seq       uint64
	built     time.Time
	used      time.Time
	// full reads the whole set, less what less reads (when set); part
	// reads it over lo..hi.
	full, less func() (string, []any)
	part       func(r idRange) (string, []any)
}

// account returns the index of an account, creating it on first use, and
// drops the indexes of accounts nobody has searched for maxSetAge (their
// sets would be read whole again anyway) and, past maxAccounts, the one
// searched least recently: memory stays under maxAccounts × maxSets sets.
func (x *ticketIndex) account(id int64) *acctIndex {
	x.mu.Lock()
	defer x.mu.Unlock()
	now := time.Now()
	for k, a := range x.accts {
		if k != id && now.Sub(a.touched) > maxSetAge {
			delete(x.accts, k)
		}
	}
	a := x.accts[id]
	if a == nil {
		if len(x.accts) >= x.maxAccounts {
			var oldest int64
			var at time.Time
			for k, o := range x.accts {
				if at.IsZero() || o.touched.Before(at) {
					oldest, at = k, o.touched
				}
			}
			delete(x.accts, oldest)
		}
		a = &acctIndex{sets: map[string]*termSet{}}
		x.accts[id] = a
	}
	a.touched = now
	return a
}

// indexTerm is one term of a query as the index takes it: its set's key
// and how to read it, and whether the query wants its complement.
type indexTerm struct {
	key     string
	neg     bool
	full    func() (string, []any)
	part    func(r idRange) (string, []any)
	nothing bool // the term matches no ticket (status<new)
}

// terms maps the query's terms onto sets; ok is false when a term is not
// one the index keeps.
func (x *ticketIndex) terms(a auth.Actor, q Query, now time.Time) ([]indexTerm, bool) {
	var out []indexTerm
	for _, t := range q.Terms {
		var pos Term // the term, not negated
		var neg bool
		switch t := t.(type) {
		case Text:
			if t.MaybeID {
				return nil, false
			}
			neg, t.Negated = t.Negated, false
			pos = t
		case Phrase:
			neg, t.Negated = t.Negated, false
			pos = t
		case Property:
			if !ticketOnly(t) {
				return nil, false
			}
			neg, t.Negated = t.Negated, false
			pos = t
		default:
			return nil, false
		}
		compile := func(only *idRange) (string, []any, bool) {
			c := newCompiler(x.d.Dialect, a.AccountID, a.UserID, now)
			c.joins = true // "t.id IN (sub)" on both engines: the sub is the set
			c.only, c.bag = only, true
			cond, _, err := c.term(ResultTicket, pos)
			if err != nil {
				return "", nil, false
			}
			switch cond {
			case ignored, "FALSE":
				return cond, nil, true
			}
			if sub, ok := strings.CutPrefix(cond, "t.id IN ("); ok && strings.HasSuffix(sub, ")") {
				return strings.TrimSuffix(sub, ")"), c.args, true
			}
			q := "SELECT t.id FROM tickets t WHERE t.account_id = $1 AND " + cond
			if only != nil {
				q += " AND t.id BETWEEN " + c.arg(only.lo) + " AND " + c.arg(only.hi)
			}
			return q, c.args, true
		}
		sql, args, ok := compile(nil)
		if !ok {
			return nil, false
		}
		switch sql {
		case ignored:
			continue
		case "FALSE":
			if !neg {
				out = append(out, indexTerm{nothing: true})
			}
			continue
		}
		out = append(out, indexTerm{
			key:  fmt.Sprint(sql, args),
			neg:  neg,
			full: func() (string, []any) { return sql, args },
			part: func(r idRange) (string, []any) {
				q, args, _ := compile(&r)
				return q, args
			},
		})
	}
	return out, true
}

// ticketOnly reports whether p's tickets depend on nothing but the
// tickets' own rows, tags and text (which every write stamps with
// updated_at), so that the index can keep its set. People, groups and
// organizations named by name or email are not: a rename changes the set
// without touching a ticket. Nor are relative dates, which move with the
// clock.
func ticketOnly(p Property) bool {
	v := p.Value
	_, isID := parseID(v)
	switch p.Key {
	case "status", "priority", "ticket_type":
		return true
	case "tags":
		return v.Kind == ValueWord && p.Op == OpEq
	case "assignee", "requester", "submitter":
		return v.Kind == ValueMe || v.Kind == ValueNone || isID
	case "group", "organization":
		return v.Kind == ValueNone || isID
	case "created", "updated", "solved", "due_date":
		return v.Kind == ValueNone || (v.Kind == ValueDate && v.Date.Kind != DateRelative)
	}
	return false
}

// search answers q from the index when it can (ok), as deep as depth.
func (x *ticketIndex) search(ctx context.Context, a auth.Actor, q Query, so sortSpec, depth int) (hits []Hit, total int64, ok bool, err error) {
	if so.field != "updated_at" && so.field != "created_at" {
		return nil, 0, false, nil
	}
	res, n, ok, err := x.match(ctx, a, q)
	if !ok || err != nil {
		return nil, 0, ok, err
	}
	total = int64(res.count())
	ids, err := x.page(ctx, a.AccountID, res, total, n, so, depth)
	if err != nil {
		return nil, 0, true, err
	}
	hits = make([]Hit, len(ids))
	for i, id := range ids {
		hits[i] = Hit{Type: ResultTicket, ID: id}
	}
	return hits, total, true, nil
}

// eligible reports whether the index may answer q for a.
func (x *ticketIndex) eligible(a auth.Actor, q Query) bool {
	if x == nil || (q.ResultType != ResultTicket && q.ResultType != "") {
		return false
	}
	var args []any
	return ticket.Scope(a, &args) == ""
}

// match is the set of the account's live tickets matching q, and the
// highest ticket number; ok is false when the index does not take q.
func (x *ticketIndex) match(ctx context.Context, a auth.Actor, q Query) (bitset, int64, bool, error) {
	if !x.eligible(a, q) {
		return nil, 0, false, nil
	}
	n, err := maxTicketID(ctx, x.d, a.AccountID)
	if err != nil {
		return nil, 0, true, fmt.Errorf("search index: %w", err)
	}
	if n < x.minTickets {
		return nil, 0, false, nil
	}
	terms, ok := x.terms(a, q, x.now())
	if !ok {
		return nil, 0, false, nil
	}
	acct := x.account(a.AccountID)
	sets, err := acct.current(ctx, x, a.AccountID, terms)
	if err != nil {
		return nil, 0, true, err
	}
	res := sets[0].clone()
	for i, t := range terms {
		switch {
		case t.nothing:
			return bitset{}, n, true, nil
		case t.neg:
			res.andNot(sets[i+1])
		default:
			res.and(sets[i+1])
		}
	}
	return res, n, true, nil
}

// current refreshes the feed and returns the live set followed by one set
// per term (nil for a term that matches nothing), each up to date.
func (ai *acctIndex) current(ctx context.Context, x *ticketIndex, account int64, terms []indexTerm) ([]bitset, error) {
	ai.mu.Lock()
	defer ai.mu.Unlock()
	if err := ai.refresh(ctx, x, account); err != nil {
		return nil, err
	}
	now := x.now()
	if ai.live == nil {
		ai.live = &termSet{
			// Every ticket less the deleted ones, each read from an index
			// holding the id: checking deleted_at ticket by ticket read
			// every row (3.8 s at a million tickets, against 0.4 s).
			full: func() (string, []any) {
				return `SELECT id FROM tickets WHERE account_id = $1`, []any{account}
			},
			less: func() (string, []any) {
				return `SELECT id FROM tickets WHERE account_id = $1 AND deleted_at IS NOT NULL`, []any{account}
			},
			part: func(r idRange) (string, []any) {
				return `SELECT id FROM tickets WHERE account_id = $1 AND id BETWEEN $2 AND $3 AND deleted_at IS NULL`,
					[]any{account, r.lo, r.hi}
			},
		}
	}
	out := make([]bitset, 0, len(terms)+1)
	if err := ai.update(ctx, x, ai.live, now); err != nil {
		return nil, err
	}
	out = append(out, ai.live.bits)
	for _, t := range terms {
		if t.nothing {
			out = append(out, nil)
			continue
		}
		s := ai.sets[t.key]
		if s == nil {
			s = &termSet{full: t.full, part: t.part}
			ai.evict()
			ai.sets[t.key] = s
		}
		if err := ai.update(ctx, x, s, now); err != nil {
			if !s.ready {
				delete(ai.sets, t.key)
			}
			return nil, err
		}
		out = append(out, s.bits)
	}
	return out, nil
}

// evict drops the least recently used set when the account has maxSets.
func (ai *acctIndex) evict() {
	if len(ai.sets) < maxSets {
		return
	}
	var oldest string
	var at time.Time
	for k, s := range ai.sets {
		if oldest == "" || s.used.Before(at) {
			oldest, at = k, s.used
		}
	}
	delete(ai.sets, oldest)
}

// refresh reads the tickets written since the mark (less overlap) and
// logs those whose updated_at is not the one the last read saw. Under
// steady writes the window holds overlap's worth of them (at 800 writes a
// second, 4,000), so their stamps are compared as read, unparsed: on
// SQLite as the stored text (text order is time order: every stamp is
// UTC, in one format), on PostgreSQL as the time pgx decodes. Reads closer
// together than x.every are skipped.
func (ai *acctIndex) refresh(ctx context.Context, x *ticketIndex, account int64) error {
	if ai.seen != nil && time.Since(ai.read) < x.every {
		return nil
	}
	from := ai.mark.Add(-overlap)
	first := ai.seen == nil
	if first {
		// The first read starts the feed: sets read after it are current
		// as of it, so the tickets it finds are not changes.
		var m db.Time
		if err := x.d.Conn(ctx).QueryRowContext(ctx, `SELECT max(updated_at) FROM tickets WHERE account_id = $1`,
			account).Scan(&m); err != nil {
			return fmt.Errorf("search index: %w", err)
		}
		from = m.T.Add(-overlap)
	}
	col := "updated_at"
	if x.d.Dialect == db.SQLite {
		col = "CAST(updated_at AS TEXT)"
	}
	rows, err := x.d.Conn(ctx).QueryContext(ctx, `SELECT id, `+col+` FROM tickets WHERE account_id = $1 AND updated_at >= $2`,
		account, from)
	if err != nil {
		return fmt.Errorf("search index: %w", err)
	}
	defer rows.Close()
	seq := ai.seq + 1
	seen := make(map[int64]uint64, len(ai.seen))
	var newest string
	for rows.Next() {
		var id int64
		var raw any
		if err := rows.Scan(&id, &raw); err != nil {
			return fmt.Errorf("search index: %w", err)
		}
		var stamp uint64
		switch v := raw.(type) {
		case time.Time:
			stamp = uint64(v.UnixNano())
			if v.After(ai.mark) {
				ai.mark = v
			}
		case string:
			stamp = hashText(v)
			newest = max(newest, v)
		case []byte:
			stamp = hashText(string(v))
			newest = max(newest, string(v))
		default:
			return fmt.Errorf("search index: updated_at of ticket %d is %T", id, raw)
		}
		seen[id] = stamp
		if prev, ok := ai.seen[id]; (!ok || prev != stamp) && !first {
			ai.log = append(ai.log, change{seq: seq, id: id})
		}
	}
	if err := rows.Err(); err != nil {
		return fmt.Errorf("search index: %w", err)
	}
	if newest != "" {
		var m db.Time
		if err := m.Scan(newest); err != nil {
			return fmt.Errorf("search index: %w", err)
		}
		if m.T.After(ai.mark) {
			ai.mark = m.T
		}
	}
	// A ticket the window has passed cannot come back without a new
	// stamp, so the stamps of this read are all the next one needs.
	ai.seen, ai.seq, ai.read = seen, seq, time.Now()
	if len(ai.log) > maxLog {
		drop := len(ai.log) - maxLog
		ai.floor = ai.log[drop-1].seq
		ai.log = slices.Clone(ai.log[drop:])
	}
	return nil
}

// hashText is FNV-1a: a stamp's text as a number to compare.
func hashText(s string) uint64 {
	h := uint64(14695981039346656037)
	for i := 0; i < len(s); i++ {
		h ^= uint64(s[i])
		h *= 1099511628211
	}
	return h
}

// update brings s up to date: whole when it is new or far behind, else
// over the runs of tickets changed since it was last brought up. A set
// older than maxSetAge is also read whole again in the background.
func (ai *acctIndex) update(ctx context.Context, x *ticketIndex, s *termSet, now time.Time) error {
	s.used = now
	if s.ready && now.Sub(s.built) >= maxSetAge && !s.rereading {
		s.rereading = true
		go ai.reread(x, s, ai.seq)
	}
	if s.ready && s.seq == ai.seq {
		return nil
	}
	if s.ready && s.seq >= ai.floor {
		i, _ := slices.BinarySearchFunc(ai.log, s.seq+1, func(c change, seq uint64) int { return cmpU(c.seq, seq) })
		ids := make([]int64, 0, len(ai.log)-i)
		for _, c := range ai.log[i:] {
			ids = append(ids, c.id)
		}
		if runs := runsOf(ids); len(runs) <= maxRanges {
			b := s.bits.clone()
			for _, r := range runs {
				q, args := s.part(r)
				b.clearRange(r.lo, r.hi)
				x.partReads.Add(1)
				if err := x.readInto(ctx, &b, q, args); err != nil {
					return err
				}
			}
			s.bits, s.seq = b, ai.seq
			return nil
		}
	}
	b, err := x.readSet(ctx, s)
	if err != nil {
		return err
	}
	s.bits, s.seq, s.built, s.ready = b, ai.seq, now, true
	return nil
}

// reread reads s whole, outside the account's lock, and installs it as of
// feed read seq (the next search catches it up from there).
func (ai *acctIndex) reread(x *ticketIndex, s *termSet, seq uint64) {
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	b, err := x.readSet(ctx, s)
	ai.mu.Lock()
	defer ai.mu.Unlock()
	s.rereading = false
	if err != nil || seq < ai.floor {
		return // the next search past maxSetAge tries again
	}
	s.bits, s.seq, s.built = b, seq, x.now()
}

// readSet reads a set whole.
func (x *ticketIndex) readSet(ctx context.Context, s *termSet) (bitset, error) {
	var b bitset
	x.fullReads.Add(1)
	q, args := s.full()
	if err := x.readInto(ctx, &b, q, args); err != nil {
		return nil, err
	}
	if s.less != nil {
		q, args := s.less()
		var drop bitset
		if err := x.readInto(ctx, &drop, q, args); err != nil {
			return nil, err
		}
		b.andNot(drop)
	}
	return b, nil
}

func cmpU(a, b uint64) int {
	switch {
	case a < b:
		return -1
	case a > b:
		return 1
	}
	return 0
}

// runsOf sorts ids into runs, joining ids closer than rangeGap.
func runsOf(ids []int64) []idRange {
	slices.Sort(ids)
	var out []idRange
	for _, id := range ids {
		if n := len(out); n > 0 && id-out[n-1].hi <= rangeGap {
			out[n-1].hi = max(out[n-1].hi, id)
			continue
		}
		out = append(out, idRange{id, id})
	}
	return out
}

// readInto sets the bits of the ids q selects.
func (x *ticketIndex) readInto(ctx context.Context, b *bitset, q string, args []any) error {
	return x.collect(ctx, x.d.Conn(ctx), q, args, func(id int64) bool { b.set(id); return true })
}

// page returns the first depth ids of res in sort order. Dense results
// are found by walking the account's tickets in sort order (an index
// holding the sort key and id) and keeping the members: that reads about
// depth*n/total entries. Sparse ones are looked up by id and sorted.
func (x *ticketIndex) page(ctx context.Context, account int64, res bitset, total, n int64, so sortSpec, depth int) ([]int64, error) {
	if total == 0 {
		return nil, nil
	}
	dir, cmp := "DESC", "<"
	if !so.desc {
		dir, cmp = "ASC", ">"
	}
	conn := x.d.Conn(ctx)
	lookup, chunkOf := int64(depth)*n/total > 4*total, func(rest int64) int64 { return min(rest*n/total*6/5+20, 100_000) }
	switch x.pageBy {
	case "walk":
		lookup, chunkOf = false, func(int64) int64 { return 2 }
	case "lookup":
		lookup = true
	}
	if lookup {
		q, args := idsQuery(x.d.Dialect, account, res.ids(), `SELECT t.id FROM %s`)
		q += ` ORDER BY t.` + so.field + ` ` + dir + `, t.id ` + dir + ` LIMIT $3`
		args = append(args, depth)
		var out []int64
		err := x.collect(ctx, conn, q, args, func(id int64) bool { out = append(out, id); return true })
		return out, err
	}
	// Walk in chunks, each the rows expected to hold the rest of the
	// page and then some, continuing after the last key read. Only ids
	// are read: parsing each row's time cost more than the walk itself.
	var out []int64
	var lastID int64
	for len(out) < depth {
		chunk := chunkOf(int64(depth - len(out)))
		q := `SELECT id FROM tickets WHERE account_id = $1`
		args := []any{account}
		if lastID != 0 {
			var at db.Time
			if err := conn.QueryRowContext(ctx, `SELECT `+so.field+` FROM tickets WHERE account_id = $1 AND id = $2`,
				account, lastID).Scan(&at); err != nil {
				return nil, fmt.Errorf("search index: %w", err)
			}
			q += ` AND ` + so.field + ` ` + cmp + `= $2 AND (` + so.field + ` ` + cmp + ` $2 OR id ` + cmp + ` $3)`
			args = append(args, at.T, lastID)
		}
		q += ` ORDER BY ` + so.field + ` ` + dir + `, id ` + dir + ` LIMIT ` + db.Arg(&args, chunk)
		read := int64(0)
		err := x.collect(ctx, conn, q, args, func(id int64) bool {
			read++
			lastID = id
			if res.has(id) {
				out = append(out, id)
			}
			return len(out) < depth
		})
		if err != nil {
			return nil, err
		}
		if read < chunk {
			break
		}
	}
	return out, nil
}

// collect runs q, handing each row's id to fn until it returns false.
func (x *ticketIndex) collect(ctx context.Context, conn db.Executor, q string, args []any, fn func(int64) bool) error {
	rows, err := conn.QueryContext(ctx, q, args...)
	if err != nil {
		return fmt.Errorf("search index: %w", err)
	}
	defer rows.Close()
	for rows.Next() {
		var id int64
		if err := rows.Scan(&id); err != nil {
			return fmt.Errorf("search index: %w", err)
		}
		if !fn(id) {
			break
		}
	}
	if err := rows.Err(); err != nil {
		return fmt.Errorf("search index: %w", err)
	}
	return nil
}

// idsQuery fills sel ("SELECT … FROM %s") with the account's tickets t of
// the given ids, read one by one through the (account, id) key. Given the
// ids as a list, SQLite preferred walking a covering index of the whole
// account (tickets_updated holds id and updated_at): 120 ms at a million
// tickets for 100 ids, against well under 1 ms. Its args are $1 (the
// account) and $2 (the ids).
func idsQuery(d db.Dialect, account int64, ids []int64, sel string) (string, []any) {
	if d == db.Postgres {
		return fmt.Sprintf(sel, `tickets t WHERE t.account_id = $1 AND t.id = ANY($2)`), []any{account, ids}
	}
	var b strings.Builder
	b.WriteByte('[')
	for i, id := range ids {
		if i > 0 {
			b.WriteByte(',')
		}
		b.WriteString(strconv.FormatInt(id, 10))
	}
	b.WriteByte(']')
	return fmt.Sprintf(sel, `json_each($2) j CROSS JOIN tickets t WHERE t.account_id = $1 AND t.id = j.value`), []any{account, b.String()}
}
