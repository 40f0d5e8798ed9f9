package netguard_test

import (
	"errors"
	"net/http"
	"net/http/httptest"
	"net/netip"
	"testing"
	"time"

	"parley/internal/platform/netguard"
)

func TestBlocked(t *testing.T) {
	g := netguard.New(nil)
	for _, c := range []struct {
		ip      string
		blocked bool
	}{
		{"8.8.8.8", false},
		{"93.184.216.34", false},
		{"2606:4700::1111", false},
		{"::ffff:8.8.8.8", false},
		{"127.0.0.1", true},
		{"127.9.9.9", true},
		{"::1", true},
		{"::ffff:127.0.0.1", true}, // IPv4-mapped loopback
		{"10.1.2.3", true},
		{"172.16.0.1", true},
		{"192.168.0.1", true},
		{"fd00::1", true},
		{"169.254.169.254", true}, // cloud metadata
		{"fe80::1", true},
		{"0.0.0.0", true},
		{"::", true},
		{"224.0.0.1", true},
		{"ff02::1", true},
		{"255.255.255.255", true},
		{"100.64.0.1", true},
		{"192.0.0.8", true},
		{"198.18.0.1", true},
		{"240.0.0.1", true},
		{"64:ff9b::a00:1", true},
		{"2002:a00:1::", true},
	} {
		if got := !g.Permit(1, netip.MustParseAddr(c.ip)); got != c.blocked {
			t.Errorf("%s: blocked = %v, want %v", c.ip, got, c.blocked)
		}
	}
	if g.Permit(1, netip.Addr{}) {
		t.Error("the zero Addr is permitted")
	}
}

func TestAllowPrefixes(t *testing.T) {
	allow := netguard.AllowPrefixes(netip.MustParsePrefix("10.0.0.0/8"), netip.MustParsePrefix("127.0.0.1/32"))
	for _, c := range []struct {
		ip   string
		want bool
	}{
		{"10.1.2.3", true},
		{"127.0.0.1", true},
		{"::ffff:10.0.0.1", true}, // unmapped before matching
		{"127.0.0.2", false},
		{"192.168.0.1", false},
	} {
		if got := allow(7, netip.MustParseAddr(c.ip)); got != c.want {
			t.Errorf("%s: allowed = %v, want %v", c.ip, got, c.want)
		}
	}
	g := netguard.New(allow)
	if !g.Permit(7, netip.MustParseAddr("10.9.9.9")) || g.Permit(7, netip.MustParseAddr("192.168.1.1")) {
		t.Error("Permit ignores the allowance")
	}
}

func TestCheckHost(t *testing.T) {
	loopback := netip.MustParseAddr("127.0.0.1")
	g := netguard.New(func(acct int64, ip netip.Addr) bool { return acct == 1 && ip == loopback })
	for _, c := range []struct {
		acct    int64
		host    string
		blocked bool
	}{
		{2, "example.com", false}, // names are checked when dialling
		{2, "8.8.8.8", false},
		{2, "10.0.0.1", true},
		{2, "[::1]", true},
		{2, "localhost", true},
		{2, "LOCALHOST.", true},
		{2, "api.localhost", true},
		{1, "127.0.0.1", false},
		{1, "localhost", false}, // 127.0.0.1 is allowed
		{1, "::1", true},
	} {
		err := g.CheckHost(c.acct, c.host)
		if got := errors.Is(err, netguard.ErrBlocked); got != c.blocked || (err != nil && !c.blocked) {
			t.Errorf("account %d host %q: %v, want blocked %v", c.acct, c.host, err, c.blocked)
		}
	}
}

func TestClient(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path == "/redirect" {
			http.Redirect(w, r, "/", http.StatusFound)
			return
		}
		w.WriteHeader(http.StatusTeapot)
	}))
	t.Cleanup(srv.Close)
	loopback := netip.MustParseAddr("127.0.0.1")
	c := netguard.New(func(acct int64, ip netip.Addr) bool { return acct == 1 && ip == loopback }).Client(5 * time.Second)
	get := func(acct int64, path string, named bool) (*http.Response, error) {
		ctx := t.Context()
		if named {
			ctx = netguard.WithAccount(ctx, acct)
		}
		req, err := http.NewRequestWithContext(ctx, "GET", srv.URL+path, nil)
		if err != nil {
			t.Fatal(err)
		}
		return c.Do(req)
	}

	for _, c := range []struct {
		name  string
		acct  int64
		named bool
	}{{"other account", 2, true}, {"no account", 1, false}} {
		resp, err := get(c.acct, "/", c.named)
		if err == nil {
			resp.Body.Close()
			t.Errorf("%s: reached loopback (%d)", c.name, resp.StatusCode)
		} else if !netguard.IsBlocked(err) {
			t.Errorf("%s: %v, want the guard's refusal", c.name, err)
		}
	}

	resp, err := get(1, "/redirect", true)
	if err != nil {
		t.Fatalf("allowed account: %v", err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusFound {
		t.Errorf("status %d, want the redirect itself (302), not followed", resp.StatusCode)
	}
}

func TestIsBlocked(t *testing.T) {
	if netguard.IsBlocked(nil) || netguard.IsBlocked(errors.New("connection refused")) {
		t.Error("IsBlocked matches other errors")
	}
	if !netguard.IsBlocked(netguard.ErrBlocked) {
		t.Error("IsBlocked misses ErrBlocked")
	}
}
