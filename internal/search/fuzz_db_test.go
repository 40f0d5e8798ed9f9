package search_test

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"parley/internal/app/apptest"
	"parley/internal/auth"
	"parley/internal/platform/clock"
	"parley/internal/platform/db/dbtest"
	"parley/internal/platform/errs"
	"parley/internal/search"
)

type fuzzEnv struct {
	name string
	s    *apptest.Server
	f    fixture
	svc  *search.Service
	ctx  context.Context
}

var fuzzSorts = []string{"", "updated_at", "created_at", "priority", "status", "ticket_type", "commented_at", "bogus"}

// checkQueryErr fails unless err is nil or the search "invalid" error (400,
// or 422 for the result window): never a database or internal error.
func checkQueryErr(t *testing.T, what string, err error) {
	t.Helper()
	if err == nil {
		return
	}
	var e *errs.Error
	if !errors.As(err, &e) || e.Code != "invalid" || (e.Kind != errs.BadRequest && e.Kind != errs.Invalid) || e.Err != nil {
		t.Fatalf("%s: %v (want nil or the invalid error)", what, err)
	}
}

func isASCII(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] >= 0x80 {
			return false
		}
	}
	return true
}

// FuzzSearchDB sends arbitrary queries through parse, compile and execute
// (Search, Count and two pages of Export) on real databases holding the
// fixture: SQLite always, PostgreSQL when reachable. Every query must run
// or fail with the "invalid" error, never a database error; and where it
// runs, is ASCII and both engines are here, both must return the same
// results in the same order.
func FuzzSearchDB(f *testing.F) {
	for _, tc := range queryCases {
		f.Add(tc.q, uint8(0))
	}
	for _, q := range invalidQueries {
		f.Add(q, uint8(3))
	}
	for _, q := range []string{
		`"`, `\`, `'`, `''`, `"a" OR b`, `NEAR(a b)`, `a AND NOT b`, `subject:'`, `subject:"\"`, `custom_field_1:\`,
		`tags:%`, `tags:_*`, `email:%@%`, `external_id:\%`, `fieldvalue:"[1]"`, `fieldvalue:{}`, `plan:"\u003c"`,
		`requester:'@'`, `assignee:"a'b"`, `name:"a\"b"`, "a\tb\nc", `*`, `-*`, `--`, `"*"`, `x*y*`, `:*:`,
		`created>0000-01-01`, `created<9999-12-31`, `created>1000000years`, `updated:2024-02-30`, `created>=2024-01-01T00:00:00+14:00`,
		`status<new`, `status>closed`, `priority>urgent`, `type:ticket 9223372036854775807`, `9223372036854775808`,
		`custom_field_9223372036854775807:x`, `order_by:commented sort:asc printer`, `type:topic`, `type:group -name:x`,
		`ÉCOLE`, `Zoë`, `東京`, `ﬁle`, `İstanbul`, `\x00`, strings.Repeat("a", 300), strings.Repeat("é", 300),
		strings.Repeat("word ", 50), strings.Repeat(`"a" `, 49) + "b", `"` + strings.Repeat("a ", 499) + `"`,
		strings.Repeat("a-", 499) + "a", "type:user " + strings.Repeat("é-", 300), `subject:"` + strings.Repeat("printer ", 120) + `"`,
		strings.Repeat("-x:y ", 49), strings.Repeat("custom_field_1:a* ", 50), strings.Repeat("plan:\\ ", 50),
	} {
		f.Add(q, uint8(len(q)))
	}
	var envs []fuzzEnv
	for _, d := range dbtest.Dialects(f) {
		clk := clock.NewFake(time.Date(2024, 1, 1, 0, 0, 0, 0, time.UTC))
		s := startServer(f, d, clk)
		fx := buildFixture(f, s, clk)
		envs = append(envs, fuzzEnv{name: string(d), s: s, f: fx, svc: service(s),
			ctx: auth.WithActor(context.Background(), auth.Actor{AccountID: s.Default.AccountID, UserID: s.Default.OwnerID, Role: auth.RoleAdmin})})
	}
	f.Fuzz(func(t *testing.T, q string, sortIdx uint8) {
		sortBy := fuzzSorts[int(sortIdx)%len(fuzzSorts)]
		sortOrder := []string{"", "asc", "desc"}[int(sortIdx)/len(fuzzSorts)%3]
		exportType := []string{"ticket", "user", "organization", "group"}[len(q)%4]
		var results [][]string
		var errStates []bool
		for _, e := range envs {
			eq := e.f.expand(q)
			hits, total, err := e.svc.Search(e.ctx, search.Request{Query: eq, SortBy: sortBy, SortOrder: sortOrder, Page: 1, PerPage: 100})
			checkQueryErr(t, e.name+" Search", err)
			errStates = append(errStates, err != nil)
			var refs []string
			for _, h := range hits {
				refs = append(refs, e.f.ref(h))
			}
			results = append(results, refs)
			if err == nil && total < int64(len(hits)) {
				t.Fatalf("%s: total %d < %d hits", e.name, total, len(hits))
			}
			n, err := e.svc.Count(e.ctx, eq)
			checkQueryErr(t, e.name+" Count", err)
			if err == nil && n != total {
				t.Fatalf("%s: Count %d, Search total %d", e.name, n, total)
			}
			page, err := e.svc.Export(e.ctx, search.ExportRequest{Query: eq, Type: exportType, Size: 5})
			checkQueryErr(t, e.name+" Export", err)
			if err == nil && page.More {
				_, err = e.svc.Export(e.ctx, search.ExportRequest{Query: eq, Type: exportType, Size: 5, After: page.After})
				checkQueryErr(t, e.name+" Export page 2", err)
			}
		}
		if len(envs) == 2 {
			if errStates[0] != errStates[1] {
				t.Fatalf("%q fails on one engine only: %v", q, errStates)
			}
			if isASCII(q) {
				if diff := cmp.Diff(results[0], results[1]); diff != "" {
					t.Fatalf("%q sort %q %q: engines disagree (-%s +%s):\n%s", q, sortBy, sortOrder, envs[0].name, envs[1].name, diff)
				}
			}
		}
	})
}
