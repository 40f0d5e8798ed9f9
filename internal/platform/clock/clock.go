// Package clock is the seam for time, so tests can move it (automations,
// incremental exports, rate-limit windows) without sleeping.
package clock

import (
	"sync"
	"time"
)

// Clock tells the time. Implementations return UTC.
type Clock interface {
	Now() time.Time
}

// System is the real clock, truncated to microseconds because that is what
// PostgreSQL keeps; values then round-trip identically on both databases.
type System struct{}

// Now returns the current UTC time.
func (System) Now() time.Time { return time.Now().UTC().Truncate(time.Microsecond) }

// Fake is a settable clock for tests.
type Fake struct {
	mu sync.Mutex
	t  time.Time
}

// NewFake starts a fake clock at t.
func NewFake(t time.Time) *Fake { return &Fake{t: t.UTC()} }

// Now returns the fake time.
func (f *Fake) Now() time.Time {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.t
}

// Advance moves the fake clock forward.
func (f *Fake) Advance(d time.Duration) {
	f.mu.Lock()
	f.t = f.t.Add(d)
	f.mu.Unlock()
}

// Set moves the fake clock to t.
func (f *Fake) Set(t time.Time) {
	f.mu.Lock()
	f.t = t.UTC()
	f.mu.Unlock()
}
