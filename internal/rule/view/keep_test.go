package view

import (
	"testing"
	"time"
)

// TestKeepCount: only a count both large and slow is cached, so a small
// account's counts stay exact on a slow machine.
func TestKeepCount(t *testing.T) {
	for _, c := range []struct {
		n    int64
		took time.Duration
		want bool
	}{{5, time.Second, false}, {999, time.Second, false}, {380000, time.Millisecond, false}, {1000, 15 * time.Millisecond, true}} {
		if got := keepCount(c.n, c.took); got != c.want {
			t.Errorf("keepCount(%d, %v) = %v, want %v", c.n, c.took, got, c.want)
		}
	}
}
