package db

import (
	"fmt"
	"slices"
	"strings"
)

// Key is a keyset position: the sort column's value and the id tie-breaker.
type Key struct {
	V  any
	ID int64
}

// Page describes one page of a list, in offset or keyset (cursor) form.
// Column names are whitelisted by the caller, never taken from a request.
type Page struct {
	Limit  int
	Offset int
	// Sort is the column ordered by before id; "" or "id" orders by id only.
	Sort string
	Desc bool
	// Keyset turns on cursor paging; After is the position to continue from.
	Keyset bool
	After  *Key
	// Before walks backwards from After (page[before]).
	Before bool
	// Alias prefixes columns ("u." for joined queries).
	Alias string
	// IDColumn is the unique tie-breaker column (default "id").
	IDColumn string
}

func (p Page) col(c string) string {
	if c == "id" && p.IDColumn != "" {
		c = p.IDColumn
	}
	if strings.HasPrefix(c, "(") {
		return c // an expression, already qualified
	}
	return p.Alias + c
}

// Seek appends the keyset condition (" AND (...)") for p, or "".
func (p Page) Seek(args *[]any) string {
	if !p.Keyset || p.After == nil {
		return ""
	}
	desc := p.Desc != p.Before
	op := ">"
	if desc {
		op = "<"
	}
	if p.Sort == "" || p.Sort == "id" {
		return fmt.Sprintf(" AND %s %s %s", p.col("id"), op, Arg(args, p.After.ID))
	}
	v := Arg(args, p.After.V)
	id := Arg(args, p.After.ID)
	// Written out rather than as a row-value comparison so both engines use
	// the (account_id, col, id) index the same way. The leading col >= v
	// (or <=) is implied by the rest, but PostgreSQL cannot start an index
	// range from the OR alone: at a million tickets it filtered the whole
	// index (0.6 s against 0.1 ms a page).
	return fmt.Sprintf(" AND %[1]s %[2]s= %[3]s AND (%[1]s %[2]s %[3]s OR (%[1]s = %[3]s AND %[4]s %[2]s %[5]s))",
		p.col(p.Sort), op, v, p.col("id"), id)
}

// OrderLimit appends ORDER BY, LIMIT and OFFSET for p. Keyset pages fetch
// one extra row so Finish can tell whether more follow.
func (p Page) OrderLimit(args *[]any) string {
	desc := p.Desc != (p.Keyset && p.Before)
	dir := "ASC"
	if desc {
		dir = "DESC"
	}
	order := fmt.Sprintf(" ORDER BY %s %s", p.col("id"), dir)
	if p.Sort != "" && p.Sort != "id" {
		order = fmt.Sprintf(" ORDER BY %s %s, %s %s", p.col(p.Sort), dir, p.col("id"), dir)
	}
	limit := p.Limit
	if p.Keyset {
		limit++
	}
	order += " LIMIT " + Arg(args, limit)
	if !p.Keyset && p.Offset > 0 {
		order += " OFFSET " + Arg(args, p.Offset)
	}
	return order
}

// Finish trims the extra keyset row and restores order for backward pages.
func Finish[T any](p Page, rows []T) ([]T, bool) {
	more := false
	if p.Keyset && len(rows) > p.Limit {
		rows = rows[:p.Limit]
		more = true
	}
	if p.Keyset && p.Before {
		slices.Reverse(rows)
	}
	return rows, more
}
