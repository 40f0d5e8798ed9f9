package search

import (
	"strings"
	"testing"
	"time"

	"parley/internal/auth"
	"parley/internal/platform/db"
)

// TestCompilerScopesTicketsOnly checks that a restricted agent's search
// narrows tickets, and only tickets, to the custom role scope, while the
// zero actor (admins, plain agents) compiles exactly as before.
func TestCompilerScopesTicketsOnly(t *testing.T) {
	terms := []Term{}
	tk, _ := kindOf(ResultTicket)
	uk, _ := kindOf(ResultUser)
	plain := newCompiler(db.SQLite, 1, 7, time.Now())
	if w, err := plain.where(tk, terms); err != nil || w != tk.base {
		t.Fatalf("plain agent: %q, %v; want the bare ticket base", w, err)
	}
	c := newCompiler(db.SQLite, 1, 7, time.Now())
	c.actor = auth.Actor{AccountID: 1, UserID: 7, Role: auth.RoleAgent,
		Custom: &auth.Permissions{TicketAccess: auth.AccessAssigned}}
	w, err := c.where(tk, terms)
	if err != nil || !strings.Contains(w, "t.assignee_id = ") || !strings.Contains(w, "t.requester_id = ") {
		t.Fatalf("assigned-only agent: %q, %v; want the assignee/requester scope", w, err)
	}
	if len(c.args) != 3 || c.args[1] != int64(7) {
		t.Fatalf("args %v: want the account then the agent twice", c.args)
	}
	if w, err := c.where(uk, terms); err != nil || strings.Contains(w, "assignee_id") {
		t.Fatalf("users must not be scoped: %q, %v", w, err)
	}
}
