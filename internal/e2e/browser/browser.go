// Package browser runs Playwright scripts against a running Parley: node
// with the repo's pinned playwright-core (package.json) driving Debian's
// chromium, headless, no browser download.
//
// A test starts a server and hands a script to Run:
//
//	func TestSignIn(t *testing.T) {
//		browser.Require(t) // optional: skip before booting a server
//		s := apptest.Start(t, db.SQLite)
//		browser.Run(t, s, "signin.js")
//	}
//
// The script gets its helpers from lib.js beside this file
// (require('./lib.js') from this folder, require(process.env.PARLEY_BROWSER_LIB)
// from anywhere else) and the environment below. It reports one line per
// step and exits non-zero on the first failure.
//
// What is needed: node on PATH, `npm ci` at the repo root, and chromium
// (`apt-get install -y --no-install-recommends chromium`). Outside CI a
// missing piece skips the test with a message saying how to enable it;
// with CI=true it fails. PARLEY_CHROMIUM, when set in the test's
// environment, names the browser instead of PATH and /usr/bin/chromium
// (set it to a path that does not exist to see the skip).
package browser

import (
	"bytes"
	"context"
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"parley/internal/app/apptest"
)

// timeout bounds one script, browser start included (this package's own
// tests shorten it).
var timeout = 120 * time.Second

// Tools are the programs and paths a browser test runs with.
type Tools struct {
	Root     string // the repo root (holds go.mod and node_modules)
	Node     string // node binary
	Chromium string // browser binary, handed to the script as PARLEY_CHROMIUM
}

// Result is what a finished script left behind.
type Result struct {
	Output      string // stdout and stderr, interleaved
	Screenshots string // absolute folder the script's shot() wrote to
}

// Require finds node, node_modules/playwright-core and chromium. When one
// is missing it skips the test, or fails it when CI=true.
func Require(t testing.TB) Tools {
	t.Helper()
	root, err := repoRoot()
	if err != nil {
		t.Fatal(err)
	}
	tools := Tools{Root: root}
	var missing []string
	if tools.Node, err = exec.LookPath("node"); err != nil {
		missing = append(missing, "node (Node.js 18+) is not on PATH: install Node.js, then run `npm ci` at the repo root")
	} else if _, err := os.Stat(filepath.Join(root, "node_modules", "playwright-core", "package.json")); err != nil {
		missing = append(missing, "node_modules/playwright-core is missing: run `npm ci` at the repo root")
	}
	if tools.Chromium, err = chromium(); err != nil {
		missing = append(missing, err.Error()+": run `apt-get install -y --no-install-recommends chromium`")
	}
	if len(missing) == 0 {
		return tools
	}
	msg := "browser tests need " + strings.Join(missing, "; ")
	if os.Getenv("CI") == "true" {
		t.Fatal(msg)
	}
	t.Skip(msg + " (CI=true fails instead of skipping)")
	return Tools{}
}

// chromium is PARLEY_CHROMIUM when set, else `chromium` on PATH, else
// /usr/bin/chromium.
func chromium() (string, error) {
	if p := os.Getenv("PARLEY_CHROMIUM"); p != "" {
		if st, err := os.Stat(p); err != nil || st.IsDir() || st.Mode()&0o111 == 0 {
			return "", errors.New("PARLEY_CHROMIUM=" + p + " is not an executable file")
		}
		return p, nil
	}
	if p, err := exec.LookPath("chromium"); err == nil {
		return p, nil
	}
	if st, err := os.Stat("/usr/bin/chromium"); err == nil && !st.IsDir() {
		return "/usr/bin/chromium", nil
	}
	return "", errors.New("chromium is not on PATH nor at /usr/bin/chromium")
}

// Run runs the node script (a path relative to the test's package folder,
// or absolute) against s and fails the test when it exits non-zero or
// takes longer than 120 s. Its output is logged either way. The script
// sees, besides env (NAME=value, which wins over the defaults):
//
//	PARLEY_URL           s.URL (the default account, reached by IP)
//	PARLEY_EMAIL         the default account owner's email
//	PARLEY_PASSWORD      and password (for the sign-in form)
//	PARLEY_CHROMIUM      the browser binary
//	PARLEY_SCREENSHOTS   <repo>/artifacts/screenshots/<test name>, emptied first
//	PARLEY_BROWSER_LIB   the absolute path of lib.js
//	NODE_PATH            <repo>/node_modules (require('playwright-core'))
func Run(t *testing.T, s *apptest.Server, script string, env ...string) Result {
	t.Helper()
	tools := Require(t)
	script, err := filepath.Abs(script)
	if err != nil {
		t.Fatal(err)
	}
	shots := filepath.Join(tools.Root, "artifacts", "screenshots", filepath.FromSlash(safeName(t.Name())))
	if err := os.RemoveAll(shots); err != nil {
		t.Fatal(err)
	}
	if err := os.MkdirAll(shots, 0o755); err != nil {
		t.Fatal(err)
	}

	ctx, cancel := context.WithTimeout(t.Context(), timeout)
	defer cancel()
	cmd := exec.CommandContext(ctx, tools.Node, script)
	cmd.Dir = tools.Root
	cmd.Env = append(os.Environ(),
		"NODE_PATH="+filepath.Join(tools.Root, "node_modules"),
		"PARLEY_URL="+s.URL,
		"PARLEY_EMAIL="+s.Default.Email,
		"PARLEY_PASSWORD="+s.Default.Password,
		"PARLEY_CHROMIUM="+tools.Chromium,
		"PARLEY_SCREENSHOTS="+shots,
		"PARLEY_BROWSER_LIB="+filepath.Join(tools.Root, "internal", "e2e", "browser", "lib.js"),
	)
	cmd.Env = append(cmd.Env, env...)
	var out bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &out
	ownProcessGroup(cmd) // a timeout ends node and the browser it started
	cmd.WaitDelay = 5 * time.Second
	start := time.Now()
	err = cmd.Run()
	killProcessGroup(cmd) // and so does a script that forgot browser.close()
	took := time.Since(start).Round(time.Millisecond)
	name := filepath.Base(script)
	switch {
	case ctx.Err() == context.DeadlineExceeded:
		t.Fatalf("node %s timed out after %s (limit %s); screenshots in %s\n%s", name, took, timeout, shots, out.String())
	case err != nil:
		t.Fatalf("node %s failed after %s (%v); screenshots in %s\n%s", name, took, err, shots, out.String())
	}
	t.Logf("node %s passed in %s; screenshots in %s\n%s", name, took, shots, out.String())
	return Result{Output: out.String(), Screenshots: shots}
}

// Each runs script against a fresh server on every available dialect
// (apptest.Each), after Require so a skip costs no server.
func Each(t *testing.T, script string, opts ...apptest.Option) {
	t.Helper()
	Require(t)
	apptest.Each(t, func(t *testing.T, s *apptest.Server) { Run(t, s, script) }, opts...)
}

var unsafeChars = regexp.MustCompile(`[^A-Za-z0-9._/-]+`)

// safeName keeps a test name usable as a relative folder path.
func safeName(name string) string {
	name = unsafeChars.ReplaceAllString(name, "_")
	return strings.ReplaceAll(name, "..", "_")
}

// repoRoot walks up from the working directory to the folder holding go.mod.
func repoRoot() (string, error) {
	dir, err := os.Getwd()
	if err != nil {
		return "", err
	}
	for {
		if _, err := os.Stat(filepath.Join(dir, "go.mod")); err == nil {
			return dir, nil
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			return "", errors.New("browser: go.mod not found above the test's directory")
		}
		dir = parent
	}
}
