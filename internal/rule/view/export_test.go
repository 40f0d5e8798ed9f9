package view

import "time"

// SetCountCostly lets a test make every count "expensive" (0) so the
// cache's behaviour shows on a small account.
func SetCountCostly(s *Service, d time.Duration) { s.counts.Costly = d }
