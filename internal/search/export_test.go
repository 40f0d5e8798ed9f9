package search

import "time"

// KeepEveryResult lets a test keep every search's results, however few and
// quick, so the cache's behaviour shows on a small account.
func KeepEveryResult(s *Service) { s.results.Keep = func(results, time.Duration) bool { return true } }
