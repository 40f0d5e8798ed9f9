package search

import "time"

// SetResultsCostly lets a test make every search "expensive" (0) so the
// result cache shows on a small account.
func SetResultsCostly(s *Service, d time.Duration) { s.results.Costly = d }
