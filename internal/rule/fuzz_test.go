package rule

import (
	"encoding/json"
	"math/rand/v2"
	"regexp"
	"strconv"
	"testing"

	"parley/internal/platform/db"
	"parley/internal/platform/errs"
)

var placeholderRe = regexp.MustCompile(`\$(\d+)`)

// checkPlaceholders: every argument is used and every placeholder has an
// argument (PostgreSQL rejects both mistakes).
func checkPlaceholders(t *testing.T, sqlText string, args []any) {
	used := map[int]bool{}
	for _, m := range placeholderRe.FindAllStringSubmatch(sqlText, -1) {
		n, _ := strconv.Atoi(m[1])
		used[n] = true
	}
	for i := 1; i <= len(args); i++ {
		if !used[i] {
			t.Fatalf("argument $%d unused in %s", i, sqlText)
		}
	}
	if len(used) != len(args) {
		t.Fatalf("%d placeholders for %d arguments in %s", len(used), len(args), sqlText)
	}
}

// FuzzRule feeds arbitrary rule bodies through decoding, validation,
// matching, planning and compilation: nothing may panic, and compiled SQL
// must use exactly its arguments.
func FuzzRule(f *testing.F) {
	f.Add([]byte(`{"conditions":{"all":[{"field":"status","operator":"is","value":"solved"},{"field":"SOLVED","operator":"greater_than","value":"96"}],"any":[]},"actions":[{"field":"status","value":"closed"}]}`))
	f.Add([]byte(`{"all":[{"field":"custom_fields_104","operator":"includes","value":["m1",2,true,null]}],"any":[{"field":"via_id","operator":"includes","value":"4 5"}]}`))
	f.Add([]byte(`{"conditions":{"all":[{"field":"assignee_id","operator":"value","value":"current_user"},{"field":"comment_includes_word","operator":"includes","value":"x"}]},"actions":[{"field":"notification_user","value":["requester_id","s",{"a":1}]}]}`))
	f.Add([]byte(`{"all":[{"field":"until_due_date","operator":"is","value":99999999999999}],"actions":[{"field":"set_tags","value":[1,"b"]}]}`))
	r := rand.New(rand.NewPCG(3, 4))
	for range 20 {
		b, _ := json.Marshal(map[string]any{"conditions": genConditions(r)})
		f.Add(b)
	}
	tickets := genTickets(rand.New(rand.NewPCG(5, 6)), 4)
	f.Fuzz(func(t *testing.T, body []byte) {
		var raw map[string]json.RawMessage
		if json.Unmarshal(body, &raw) != nil {
			return
		}
		c, as, err := DecodeRule(raw)
		if err != nil {
			return
		}
		for _, k := range []Kind{Trigger, Automation, View, Macro} {
			var v errs.Validation
			Validate(k, c, as, testCatalog, &v)
			_ = Definitions(k, testCatalog)
		}
		_ = Nullifies(c, as)
		_, _ = json.Marshal(c)
		for i := range tickets {
			tk := &tickets[i].t
			u := &Update{Previous: tickets[(i+1)%len(tickets)].t, ActorID: 10, ActorRole: "agent", Comment: &Comment{Body: "hello there"}}
			_ = Match(c, tk, u, genNow)
			_ = Match(c, tk, nil, genNow)
			_ = Plan(as, tk, 10)
		}
		for _, d := range []db.Dialect{db.SQLite, db.Postgres} {
			args := []any{int64(1)}
			where, err := Compile(c, CompileOptions{Dialect: d, Now: genNow, CurrentUserID: 10}, &args)
			if err != nil {
				continue
			}
			checkPlaceholders(t, "t.account_id = $1 AND "+where, args)
		}
	})
}
