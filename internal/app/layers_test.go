package app_test

import (
	"encoding/json"
	"os/exec"
	"strings"
	"testing"
)

// rank orders the layers: a package may import only packages of a lower
// or equal rank (equal only within itself). Upward needs go through small
// interfaces declared by the consumer (ARCHITECTURE §4).
var rank = map[string]int{
	"parley/internal/platform":      0,
	"parley/migrations":             0,
	"parley/internal/customfield":   1,
	"parley/internal/config":        1,
	"parley/internal/auth":          1,
	"parley/internal/account":       2,
	"parley/internal/bulk":          2,
	"parley/internal/user":          3,
	"parley/internal/ticket":        4,
	"parley/internal/search":        5,
	"parley/internal/placeholder":   1,
	"parley/internal/rule":          6,
	"parley/internal/notify":        7,
	"parley/internal/webhook":       7,
	"parley/internal/rule/restrict": 7,
	"parley/internal/rule/trigger":  8,
	"parley/internal/rule/view":     8,
	"parley/internal/rule/macro":    8,
	"parley/internal/rule/catalog":  8,
	"parley/internal/share":         8,
	"parley/internal/bench":         8,
	"parley/internal/web":           2,
	"parley/internal/agentui":       9,
	"parley/internal/adminui":       9,
	"parley/internal/app":           10,
	"parley/cmd":                    11,
}

func layerOf(pkg string) (string, int, bool) {
	best, r, ok := "", 0, false
	for prefix, n := range rank {
		if (pkg == prefix || strings.HasPrefix(pkg, prefix+"/")) && len(prefix) > len(best) {
			best, r, ok = prefix, n, true
		}
	}
	return best, r, ok
}

func TestLayering(t *testing.T) {
	out, err := exec.Command("go", "list", "-json", "parley/...").Output()
	if err != nil {
		t.Fatalf("go list: %v", err)
	}
	dec := json.NewDecoder(strings.NewReader(string(out)))
	checked := 0
	for dec.More() {
		var p struct {
			ImportPath string
			Imports    []string
		}
		if err := dec.Decode(&p); err != nil {
			t.Fatal(err)
		}
		if strings.Contains(p.ImportPath, "/e2e/") || strings.HasSuffix(p.ImportPath, "/apptest") || strings.HasSuffix(p.ImportPath, "/dbtest") {
			continue // test harnesses may reach everywhere
		}
		from, fr, ok := layerOf(p.ImportPath)
		if !ok {
			t.Errorf("package %s has no layer in layers_test.go: add it", p.ImportPath)
			continue
		}
		for _, imp := range p.Imports {
			if !strings.HasPrefix(imp, "parley/") {
				continue
			}
			to, tr, ok := layerOf(imp)
			if !ok {
				continue
			}
			checked++
			if to != from && tr >= fr {
				t.Errorf("%s (layer %s) imports %s (layer %s): imports must point downward", p.ImportPath, from, imp, to)
			}
		}
	}
	if checked < 20 {
		t.Fatalf("only %d internal imports checked; the walk is broken", checked)
	}
}
