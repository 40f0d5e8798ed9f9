package view

import "time"

// KeepEveryCount lets a test keep every count, however small and quick,
// so the cache's behaviour shows on a small account.
func KeepEveryCount(s *Service) { s.counts.Keep = func(int64, time.Duration) bool { return true } }
