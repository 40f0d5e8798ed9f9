package db_test

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"parley/internal/platform/db"
	"parley/internal/platform/db/dbtest"
)

type acct struct {
	ID        int64
	Subdomain string
	Name      string
}

// listAccounts runs one page of accounts the way a store does.
func listAccounts(ctx context.Context, d *db.DB, p db.Page) ([]acct, bool, error) {
	var args []any
	q := `SELECT id, subdomain, name FROM accounts WHERE 1 = 1` + p.Seek(&args) + p.OrderLimit(&args)
	rows, err := d.Conn(ctx).QueryContext(ctx, q, args...)
	if err != nil {
		return nil, false, fmt.Errorf("%s: %w", q, err)
	}
	defer rows.Close()
	var out []acct
	for rows.Next() {
		var a acct
		if err := rows.Scan(&a.ID, &a.Subdomain, &a.Name); err != nil {
			return nil, false, err
		}
		out = append(out, a)
	}
	if err := rows.Err(); err != nil {
		return nil, false, err
	}
	out, more := db.Finish(p, out)
	return out, more, nil
}

// keyOf is the cursor for a row under p's sort.
func keyOf(p db.Page, a acct) *db.Key {
	k := &db.Key{ID: a.ID}
	switch p.Sort {
	case "subdomain":
		k.V = a.Subdomain
	case "name":
		k.V = a.Name
	}
	return k
}

// pageResult is one page as a test sees it.
type pageResult struct {
	Subdomains []string
	More       bool
}

// walk pages from p until no more follow, continuing after the last row
// (forward) or before the first row (backward).
func walk(t *testing.T, d *db.DB, p db.Page) []pageResult {
	t.Helper()
	var out []pageResult
	for range 10 {
		rows, more, err := listAccounts(t.Context(), d, p)
		if err != nil {
			t.Fatal(err)
		}
		r := pageResult{More: more}
		for _, a := range rows {
			r.Subdomains = append(r.Subdomains, a.Subdomain)
		}
		out = append(out, r)
		if !more || len(rows) == 0 {
			return out
		}
		if p.Before {
			p.After = keyOf(p, rows[0])
		} else {
			p.After = keyOf(p, rows[len(rows)-1])
		}
	}
	t.Fatalf("paging did not end: %v", out)
	return nil
}

// subs returns subdomains acct-<from>..acct-<to>, counting down when from > to.
func subs(from, to int) []string {
	var out []string
	step := 1
	if from > to {
		step = -1
	}
	for i := from; ; i += step {
		out = append(out, fmt.Sprintf("acct-%02d", i))
		if i == to {
			return out
		}
	}
}

func TestPage(t *testing.T) {
	t.Parallel()
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		// Insert in a shuffled order so id order differs from subdomain
		// order; names repeat so sorting by name needs the id tie-breaker.
		const n = 25
		byID := make([]acct, 0, n)
		for i := range n {
			j := (i * 7) % n // a permutation of 0..24
			sub := fmt.Sprintf("acct-%02d", j)
			name := fmt.Sprintf("name-%d", j%3)
			id := mustInsertAccount(t, d, sub, name, t0)
			byID = append(byID, acct{ID: id, Subdomain: sub, Name: name})
		}
		idOrder := make([]string, 0, n)
		for _, a := range byID {
			idOrder = append(idOrder, a.Subdomain)
		}
		byName := slices.Clone(byID)
		slices.SortFunc(byName, func(a, b acct) int {
			if c := strings.Compare(a.Name, b.Name); c != 0 {
				return c
			}
			return int(a.ID - b.ID)
		})
		nameOrder := make([]string, 0, n)
		for _, a := range byName {
			nameOrder = append(nameOrder, a.Subdomain)
		}

		for _, tc := range []struct {
			name  string
			start db.Page
			want  []pageResult
		}{
			{
				name:  "keyset forward by subdomain",
				start: db.Page{Keyset: true, Limit: 10, Sort: "subdomain"},
				want: []pageResult{
					{subs(0, 9), true},
					{subs(10, 19), true},
					{subs(20, 24), false},
				},
			},
			{
				name: "keyset backward by subdomain from the last row",
				start: db.Page{Keyset: true, Limit: 10, Sort: "subdomain", Before: true,
					After: &db.Key{V: "acct-24", ID: byID[idIndex(byID, "acct-24")].ID}},
				want: []pageResult{
					{subs(14, 23), true},
					{subs(4, 13), true},
					{subs(0, 3), false},
				},
			},
			{
				name:  "keyset forward by subdomain descending",
				start: db.Page{Keyset: true, Limit: 10, Sort: "subdomain", Desc: true},
				want: []pageResult{
					{subs(24, 15), true},
					{subs(14, 5), true},
					{subs(4, 0), false},
				},
			},
			{
				name: "keyset backward by subdomain descending",
				start: db.Page{Keyset: true, Limit: 10, Sort: "subdomain", Desc: true, Before: true,
					After: &db.Key{V: "acct-00", ID: byID[idIndex(byID, "acct-00")].ID}},
				want: []pageResult{
					{subs(10, 1), true},
					{subs(20, 11), true},
					{subs(24, 21), false},
				},
			},
			{
				name:  "keyset exact multiple of the limit",
				start: db.Page{Keyset: true, Limit: 5, Sort: "subdomain", After: &db.Key{V: "acct-14", ID: byID[idIndex(byID, "acct-14")].ID}},
				want: []pageResult{
					{subs(15, 19), true},
					{subs(20, 24), false},
				},
			},
			{
				name:  "keyset by id",
				start: db.Page{Keyset: true, Limit: 10},
				want: []pageResult{
					{idOrder[0:10], true},
					{idOrder[10:20], true},
					{idOrder[20:25], false},
				},
			},
			{
				name:  "keyset by name with ties broken by id",
				start: db.Page{Keyset: true, Limit: 4, Sort: "name"},
				want: []pageResult{
					{nameOrder[0:4], true}, {nameOrder[4:8], true}, {nameOrder[8:12], true},
					{nameOrder[12:16], true}, {nameOrder[16:20], true}, {nameOrder[20:24], true},
					{nameOrder[24:25], false},
				},
			},
		} {
			t.Run(tc.name, func(t *testing.T) {
				got := walk(t, d, tc.start)
				if diff := cmp.Diff(tc.want, got); diff != "" {
					t.Errorf("pages (-want +got):\n%s", diff)
				}
			})
		}

		t.Run("offset", func(t *testing.T) {
			for _, tc := range []struct {
				page db.Page
				want []string
			}{
				{db.Page{Limit: 10, Sort: "subdomain"}, subs(0, 9)},
				{db.Page{Limit: 10, Offset: 10, Sort: "subdomain"}, subs(10, 19)},
				{db.Page{Limit: 10, Offset: 20, Sort: "subdomain"}, subs(20, 24)},
				{db.Page{Limit: 10, Offset: 30, Sort: "subdomain"}, nil},
				{db.Page{Limit: 3, Offset: 2, Sort: "subdomain", Desc: true}, subs(22, 20)},
			} {
				rows, more, err := listAccounts(t.Context(), d, tc.page)
				if err != nil {
					t.Fatal(err)
				}
				var got []string
				for _, a := range rows {
					got = append(got, a.Subdomain)
				}
				if diff := cmp.Diff(tc.want, got); diff != "" {
					t.Errorf("%+v (-want +got):\n%s", tc.page, diff)
				}
				if more {
					t.Errorf("%+v: offset pages never report more", tc.page)
				}
			}
		})
	})
}

func idIndex(as []acct, sub string) int {
	for i, a := range as {
		if a.Subdomain == sub {
			return i
		}
	}
	panic("no account " + sub)
}
