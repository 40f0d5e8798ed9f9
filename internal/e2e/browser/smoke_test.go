package browser

import (
	"bytes"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"parley/internal/app/apptest"
	"parley/internal/platform/db"
)

// TestSmoke runs smoke.js against a real Parley (SQLite): /healthz, a
// scripted page with a click and a tap, screenshots, error capture.
func TestSmoke(t *testing.T) {
	Require(t)
	s := apptest.Start(t, db.SQLite)
	res := Run(t, s, "smoke.js")
	if !strings.Contains(res.Output, "PASS smoke.js: 4 steps") {
		t.Errorf("smoke.js did not report its 4 steps:\n%s", res.Output)
	}
	for _, name := range []string{"click-laptop.png", "click-phone.png"} {
		b, err := os.ReadFile(filepath.Join(res.Screenshots, name))
		if err != nil {
			t.Errorf("screenshot: %v", err)
		} else if !bytes.HasPrefix(b, []byte("\x89PNG\r\n\x1a\n")) {
			t.Errorf("%s is not a PNG", name)
		}
	}
}

// TestRunFails proves Run fails a test whose script exits non-zero, and
// one that outlives the timeout, killing the browser it started. Each case
// runs this test binary again as a child (PARLEY_BROWSER_CHILD=mode) and
// expects it to fail.
func TestRunFails(t *testing.T) {
	if mode := os.Getenv("PARLEY_BROWSER_CHILD"); mode != "" {
		runChild(t, mode)
		return
	}
	Require(t)
	for _, tc := range []struct{ mode, want string }{
		{"exit", "exit status 3"},
		{"hang", "timed out after"},
	} {
		t.Run(tc.mode, func(t *testing.T) {
			marker := "parley-browser-test-" + tc.mode + "-" + strconv.FormatInt(time.Now().UnixNano(), 36)
			cmd := exec.CommandContext(t.Context(), os.Args[0], "-test.run=^TestRunFails$", "-test.v")
			cmd.Env = append(os.Environ(), "PARLEY_BROWSER_CHILD="+tc.mode, "PARLEY_BROWSER_MARKER="+marker)
			out, err := cmd.CombinedOutput()
			if err == nil {
				t.Fatalf("child test passed; want it to fail:\n%s", out)
			}
			for _, want := range []string{tc.want, "child script output"} {
				if !bytes.Contains(out, []byte(want)) {
					t.Errorf("child output lacks %q:\n%s", want, out)
				}
			}
			if tc.mode == "hang" {
				if !bytes.Contains(out, []byte("launched chromium")) {
					t.Errorf("child never launched chromium:\n%s", out)
				}
				if pids := processesWith(t, marker); len(pids) > 0 {
					t.Errorf("chromium still running after the timeout: pids %v", pids)
				}
			}
		})
	}
}

// runChild is the child side of TestRunFails: a script that fails.
func runChild(t *testing.T, mode string) {
	script := filepath.Join(t.TempDir(), mode+".js")
	src := map[string]string{
		"exit": `console.log('child script output'); process.exit(3);`,
		"hang": `const lib = require(process.env.PARLEY_BROWSER_LIB);
console.log('child script output');
lib.launch({ args: [...lib.FLAGS, '--' + process.env.PARLEY_BROWSER_MARKER] })
  .then(() => { console.log('launched chromium'); setInterval(() => {}, 1000); });`,
	}[mode]
	if err := os.WriteFile(script, []byte(src), 0o644); err != nil {
		t.Fatal(err)
	}
	timeout = 8 * time.Second
	// Run reads only URL and Default; nothing listens at port 1.
	Run(t, &apptest.Server{URL: "http://127.0.0.1:1"}, script)
}

// processesWith lists the pids whose command line contains s (Linux
// /proc; none elsewhere). Killed processes may take a moment to go.
func processesWith(t *testing.T, s string) []string {
	t.Helper()
	var pids []string
	for deadline := time.Now().Add(3 * time.Second); ; time.Sleep(100 * time.Millisecond) {
		pids = pids[:0]
		dirs, _ := filepath.Glob("/proc/[0-9]*")
		for _, d := range dirs {
			if b, err := os.ReadFile(filepath.Join(d, "cmdline")); err == nil && bytes.Contains(b, []byte(s)) {
				pids = append(pids, filepath.Base(d))
			}
		}
		if len(pids) == 0 || time.Now().After(deadline) {
			return pids
		}
	}
}
