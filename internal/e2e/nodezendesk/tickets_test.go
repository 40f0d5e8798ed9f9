package nodezendesk_test

import (
	"context"
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"testing"
	"time"

	"parley/internal/app/apptest"
)

// TestNodeZendeskTickets runs tickets.js (node-zendesk's ticket flow:
// upload, create, update, comments, audits, merge, incremental export,
// search) against a fresh server on every dialect, the way
// TestNodeZendeskFlow runs flow.js.
func TestNodeZendeskTickets(t *testing.T) {
	root := repoRoot(t)
	node := requireNode(t, root)
	script, err := filepath.Abs("tickets.js")
	if err != nil {
		t.Fatal(err)
	}
	apptest.Each(t, func(t *testing.T, s *apptest.Server) {
		runScript(t, root, node, script, s)
	})
}

// runScript runs a node script with the server's address and the default
// account owner's token (plus env, "KEY=value" entries) in its environment,
// failing on a non-zero exit or after 60 seconds, and logs its output.
func runScript(t *testing.T, root, node, script string, s *apptest.Server, env ...string) {
	t.Helper()
	name := filepath.Base(script)
	ctx, cancel := context.WithTimeout(t.Context(), 60*time.Second)
	defer cancel()
	cmd := exec.CommandContext(ctx, node, script)
	// cwd at the repo root and NODE_PATH: require('node-zendesk') resolves
	// from root/node_modules whatever the script's own location.
	cmd.Dir = root
	cmd.WaitDelay = 5 * time.Second
	cmd.Env = append(os.Environ(),
		"NODE_PATH="+filepath.Join(root, "node_modules"),
		"PARLEY_URL="+s.URL+"/api/v2",
		"PARLEY_EMAIL="+s.Default.Email,
		"PARLEY_TOKEN="+s.Default.Token,
	)
	cmd.Env = append(cmd.Env, env...)
	start := time.Now()
	out, err := cmd.CombinedOutput()
	if ctx.Err() == context.DeadlineExceeded {
		t.Fatalf("node %s timed out after %s (%s)\n%s", name, time.Since(start).Round(time.Millisecond), s.Dialect, out)
	}
	var exitErr *exec.ExitError
	if errors.As(err, &exitErr) {
		t.Fatalf("node %s failed on %s (%v):\n%s", name, s.Dialect, err, out)
	}
	if err != nil {
		t.Fatalf("run node %s: %v\n%s", name, err, out)
	}
	t.Logf("node %s on %s in %s:\n%s", name, s.Dialect, time.Since(start).Round(time.Millisecond), out)
}
