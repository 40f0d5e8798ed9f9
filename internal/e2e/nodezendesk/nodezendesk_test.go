// Package nodezendesk_test drives a real Parley with the npm client
// node-zendesk (pinned in the repo's package.json) through flow.js.
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

// repoRoot walks up from the working directory to the folder holding go.mod.
func repoRoot(t *testing.T) string {
	t.Helper()
	dir, err := os.Getwd()
	if err != nil {
		t.Fatal(err)
	}
	for {
		if _, err := os.Stat(filepath.Join(dir, "go.mod")); err == nil {
			return dir
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			t.Fatal("go.mod not found above the test's directory")
		}
		dir = parent
	}
}

// requireNode returns the node binary, or skips (fails on CI) when node or
// the npm dependencies are missing.
func requireNode(t *testing.T, root string) string {
	t.Helper()
	node, err := exec.LookPath("node")
	missing := ""
	switch {
	case err != nil:
		missing = "node (Node.js 18+) is not on PATH"
	default:
		if _, err := os.Stat(filepath.Join(root, "node_modules", "node-zendesk", "package.json")); err != nil {
			missing = "node_modules/node-zendesk is missing"
		}
	}
	if missing == "" {
		return node
	}
	if os.Getenv("CI") == "true" {
		t.Fatal(missing + ": run npm ci at the repo root")
	}
	t.Skip(missing + ": run `npm ci` at the repo root to enable the node-zendesk conformance test")
	return ""
}

func TestNodeZendeskFlow(t *testing.T) {
	root := repoRoot(t)
	node := requireNode(t, root)
	script, err := filepath.Abs("flow.js")
	if err != nil {
		t.Fatal(err)
	}
	apptest.Each(t, func(t *testing.T, s *apptest.Server) {
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
		start := time.Now()
		out, err := cmd.CombinedOutput()
		if ctx.Err() == context.DeadlineExceeded {
			t.Fatalf("node flow.js timed out after %s (%s)\n%s", time.Since(start).Round(time.Millisecond), s.Dialect, out)
		}
		var exitErr *exec.ExitError
		if errors.As(err, &exitErr) {
			t.Fatalf("node flow.js failed on %s (%v):\n%s", s.Dialect, err, out)
		}
		if err != nil {
			t.Fatalf("run node flow.js: %v\n%s", err, out)
		}
		t.Logf("node flow.js on %s in %s:\n%s", s.Dialect, time.Since(start).Round(time.Millisecond), out)
	})
}
