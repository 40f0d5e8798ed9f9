package account

import "testing"

func TestSubdomainOf(t *testing.T) {
	s := &Service{baseDomain: "example.com"}
	for host, want := range map[string]string{
		"acme.example.com":      "acme",
		"ACME.Example.com:8080": "acme",
		"acme.example.com.":     "acme",
		"example.com":           "",
		"127.0.0.1:8080":        "",
		"[::1]:8080":            "",
		"localhost:8080":        "",
		"beta.localhost:8080":   "beta",
		"a.b.example.com":       "",
		"other.org":             "",
	} {
		if got := s.subdomainOf(host); got != want {
			t.Errorf("subdomainOf(%q) = %q, want %q", host, got, want)
		}
	}
}
