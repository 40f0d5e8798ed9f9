package search

import (
	"strings"

	"parley/internal/platform/db"
)

// The full-text indexes, one per searchable document kind. They are kept by
// the database itself in the transaction of every write (SQLite triggers
// feeding contentless FTS5 tables; PostgreSQL GIN indexes over a tsvector
// expression), so no room that writes these tables has to know about
// search. migrations/{sqlite,postgres}/0003_search.sql create them; the
// expressions below must stay identical to the index expressions there, or
// PostgreSQL stops using the indexes (TestPostgresUsesSearchIndexes checks).

// doc describes one indexed document kind.
type doc struct {
	// table holds the records.
	table string
	// fts is the SQLite FTS5 table. Its rowid is the record's id, except
	// for tickets (keyed): account_id * ticketKeySpan + id, because ticket
	// ids are numbered per account.
	fts   string
	keyed bool
	// parts are the FTS5 column names, in order; on PostgreSQL part i
	// carries weight A, B, C, D (i = 0..3).
	parts []string
	// cols are the source columns of the parts, in the same order.
	cols []string
}

// ticketKeySpan separates the FTS5 rowids of two accounts' tickets.
const ticketKeySpan = 1 << 32

// Comment FTS5 rowids are account_id * commentKeySpan + ticket_id *
// commentTicketSpan + the comment's place on its ticket
// (migrations/sqlite/0018_comment_search_keys.sql), so a match names its
// ticket without a lookup.
const (
	commentKeySpan    = 1 << 43
	commentTicketSpan = 1 << 15
)

var (
	ticketDoc  = doc{table: "tickets", fts: "tickets_fts", keyed: true, parts: []string{"subject", "description"}, cols: []string{"subject", "description"}}
	commentDoc = doc{table: "ticket_comments", fts: "ticket_comments_fts", parts: []string{"body"}, cols: []string{"plain_body"}}
	userDoc    = doc{table: "users", fts: "users_fts", parts: []string{"name", "email", "notes", "details"}, cols: []string{"name", "email", "notes", "details"}}
	orgDoc     = doc{table: "organizations", fts: "organizations_fts", parts: []string{"name", "details", "notes"}, cols: []string{"name", "details", "notes"}}
	groupDoc   = doc{table: "groups", fts: "groups_fts", parts: []string{"name", "description"}, cols: []string{"name", "description"}}
)

const weightLetters = "ABCD"

// pgVector is the tsvector expression of the document in row alias.
func (d doc) pgVector(alias string) string {
	one := func(col string) string {
		return "to_tsvector('simple', parley_search_doc(" + alias + "." + col + "))"
	}
	if len(d.cols) == 1 {
		return one(d.cols[0])
	}
	parts := make([]string, len(d.cols))
	for i, c := range d.cols {
		parts[i] = "setweight(" + one(c) + ", '" + weightLetters[i:i+1] + "')"
	}
	return "(" + strings.Join(parts, " || ") + ")"
}

// part returns the index of a part name, or -1.
func (d doc) part(name string) int {
	for i, p := range d.parts {
		if p == name {
			return i
		}
	}
	return -1
}

// match is a condition on row alias (whose id column is the record's id)
// that holds when part (or any part when "") of the document matches q.
// q must not be empty.
func (c *compiler) match(d doc, alias, part string, q textQuery) string {
	return c.in(alias+".id", c.matchIDs(d, part, q))
}

// matchIDs selects the ids of the account's records of kind d whose part
// matches q: from the FTS5 table on SQLite (the ticket rowids limited to
// the account's range), through the GIN index on PostgreSQL. A set of ids
// rather than a condition on the outer row lets both engines start from
// the index hits and combine sets (ticket text UNION comments).
func (c *compiler) matchIDs(d doc, part string, q textQuery) string {
	if c.dialect == db.Postgres {
		only := ""
		if d.keyed {
			only = c.within("ft.id")
		}
		return "SELECT ft.id FROM " + d.table + " ft WHERE ft.account_id = $1" + only + " AND " + c.matchCond(d, "ft", part, q)
	}
	col, _ := c.partOf(d, part, q)
	m := c.arg(q.fts5(col))
	if d.keyed {
		base := c.arg(c.account * ticketKeySpan)
		from, to := base, base+" + 4294967296"
		if c.only != nil {
			from, to = c.arg(c.account*ticketKeySpan+c.only.lo), c.arg(c.account*ticketKeySpan+c.only.hi+1)
		}
		return "SELECT rowid - " + base + " AS id FROM " + d.fts + " WHERE " + d.fts + " MATCH " + m +
			" AND rowid >= " + from + " AND rowid < " + to
	}
	return "SELECT rowid FROM " + d.fts + " WHERE " + d.fts + " MATCH " + m
}

// docTickets is, on PostgreSQL, the set of the account's tickets (live or
// deleted) whose subject, description or a comment has the word q, from
// their search documents (ticket_search_docs, migration 0022: the words of
// a ticket without positions, kept in parts of at most 64 KB). The set
// holds each ticket once: a part other than the first counts only when no
// earlier part of its ticket matches (almost every ticket has one part,
// and the first, part 0, needs no check). Its probe tests the ticket of
// row alias t alone, as a scalar subquery: PostgreSQL runs one per row
// (one primary-key lookup) and can neither turn it into a join nor hand
// the scan to parallel workers, so a walk in sort order stays a walk
// whatever the plan cache makes of the word. q must be oneWord.
func (c *compiler) docTickets(q textQuery) textSet {
	m := "to_tsquery('simple', " + c.arg(q.tsquery("")) + ")"
	if c.bag {
		// Repeats are fine: each part that matches names its ticket.
		return textSet{sql: "SELECT sd.ticket_id AS id FROM ticket_search_docs sd WHERE sd.account_id = $1" +
			c.within("sd.ticket_id") + " AND sd.doc @@ " + m}
	}
	return textSet{
		sql: "SELECT sd.ticket_id AS id FROM ticket_search_docs sd WHERE sd.account_id = $1 AND sd.doc @@ " + m +
			" AND (sd.part = 0 OR NOT EXISTS (SELECT 1 FROM ticket_search_docs se WHERE se.account_id = $1" +
			" AND se.ticket_id = sd.ticket_id AND se.part < sd.part AND se.doc @@ " + m + "))",
		probe: "(SELECT TRUE FROM ticket_search_docs sp WHERE sp.account_id = $1 AND sp.ticket_id = t.id AND sp.doc @@ " +
			m + " LIMIT 1)",
	}
}

// matchCond is match as a condition on the row alias of d's table itself.
func (c *compiler) matchCond(d doc, alias, part string, q textQuery) string {
	if c.dialect == db.Postgres {
		_, weights := c.partOf(d, part, q)
		return d.pgVector(alias) + " @@ to_tsquery('simple', " + c.arg(q.tsquery(weights)) + ")"
	}
	return c.match(d, alias, part, q)
}

// partOf is the FTS5 column and the tsquery weights that stand for part
// ("": any part; a phrase must still lie within one part).
func (c *compiler) partOf(d doc, part string, q textQuery) (col, weights string) {
	if i := d.part(part); i >= 0 {
		return part, weightLetters[i : i+1]
	}
	if len(q.tokens) > 1 && len(d.parts) > 1 {
		return "", weightLetters[:len(d.parts)]
	}
	return "", ""
}
