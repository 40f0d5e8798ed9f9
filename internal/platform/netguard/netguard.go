// Package netguard keeps outbound requests that users configure (webhook
// endpoints, share targets) away from private networks: it refuses
// loopback, private, link-local and other non-global addresses unless an
// account is allowed to reach them, both when a URL is saved and, after DNS
// resolution, on every dial.
package netguard

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/http"
	"net/netip"
	"strings"
	"syscall"
	"time"
)

// AllowFunc says whether account may reach a private, loopback or
// link-local address (an on-premises installation calling its own
// services). Nil allows nothing.
type AllowFunc func(accountID int64, ip netip.Addr) bool

// AllowPrefixes allows every account to reach addresses inside prefixes,
// for an installation-wide list of trusted networks from configuration.
func AllowPrefixes(prefixes ...netip.Prefix) AllowFunc {
	return func(_ int64, ip netip.Addr) bool {
		for _, p := range prefixes {
			if p.Contains(ip.Unmap()) {
				return true
			}
		}
		return false
	}
}

// ErrBlocked is the guard's refusal; its text is shown to admins.
var ErrBlocked = errors.New("resolves to a private, loopback or link-local address, which Parley may not call")

// IsBlocked reports whether err is the guard's refusal. It matches the
// text because a refused dial reaches the caller as a net.AddrError inside
// url and net errors, not as ErrBlocked itself.
func IsBlocked(err error) bool {
	return err != nil && strings.Contains(err.Error(), ErrBlocked.Error())
}

var extraBlocked = []netip.Prefix{
	netip.MustParsePrefix("100.64.0.0/10"), // carrier-grade NAT
	netip.MustParsePrefix("192.0.0.0/24"),  // IETF protocol assignments
	netip.MustParsePrefix("198.18.0.0/15"), // benchmarking
	netip.MustParsePrefix("240.0.0.0/4"),   // reserved
	netip.MustParsePrefix("64:ff9b::/96"),  // NAT64 can reach IPv4 private space
	netip.MustParsePrefix("2002::/16"),     // 6to4 likewise
}

// blocked reports whether ip is an address outbound requests must not
// reach by default: loopback, private (RFC 1918, fc00::/7), link-local
// (including 169.254.169.254, the cloud metadata service), unspecified,
// multicast, broadcast and other non-global ranges.
func blocked(ip netip.Addr) bool {
	ip = ip.Unmap()
	if !ip.IsValid() || ip.IsLoopback() || ip.IsPrivate() || ip.IsLinkLocalUnicast() || ip.IsLinkLocalMulticast() ||
		ip.IsInterfaceLocalMulticast() || ip.IsMulticast() || ip.IsUnspecified() || ip == netip.AddrFrom4([4]byte{255, 255, 255, 255}) {
		return true
	}
	for _, p := range extraBlocked {
		if p.Contains(ip) {
			return true
		}
	}
	return false
}

// Guard decides which addresses each account may reach.
type Guard struct {
	allow AllowFunc
}

// New returns a guard that refuses every blocked address except those
// allow permits (nil: none).
func New(allow AllowFunc) *Guard {
	return &Guard{allow: allow}
}

// Permit reports whether account may connect to ip.
func (g *Guard) Permit(accountID int64, ip netip.Addr) bool {
	if !blocked(ip) {
		return true
	}
	return g.allow != nil && g.allow(accountID, ip.Unmap())
}

// CheckHost refuses, at save time, a host that is an IP literal (or the
// name localhost) the account may not reach, with ErrBlocked. Names are
// checked again, after resolution, when connecting.
func (g *Guard) CheckHost(accountID int64, host string) error {
	h := strings.TrimSuffix(strings.ToLower(host), ".")
	var ips []netip.Addr
	if h == "localhost" || strings.HasSuffix(h, ".localhost") {
		ips = []netip.Addr{netip.MustParseAddr("127.0.0.1"), netip.MustParseAddr("::1")}
	} else if ip, err := netip.ParseAddr(strings.Trim(h, "[]")); err == nil {
		ips = []netip.Addr{ip}
	}
	for _, ip := range ips {
		if g.Permit(accountID, ip) {
			return nil
		}
	}
	if len(ips) > 0 {
		return ErrBlocked
	}
	return nil
}

type accountKey struct{}

// WithAccount names the account whose allowances the dial check of a
// Client request uses; without it the request gets no allowances.
func WithAccount(ctx context.Context, accountID int64) context.Context {
	return context.WithValue(ctx, accountKey{}, accountID)
}

// control checks the address a connection is about to use, after DNS
// resolution, so a name that resolves (or re-resolves) to a private
// address cannot slip through.
func (g *Guard) control(ctx context.Context) func(network, address string, c syscall.RawConn) error {
	accountID, _ := ctx.Value(accountKey{}).(int64)
	return func(network, address string, _ syscall.RawConn) error {
		ap, err := netip.ParseAddrPort(address)
		if err != nil {
			return fmt.Errorf("netguard: unexpected dial address %q", address)
		}
		if !g.Permit(accountID, ap.Addr()) {
			return &net.AddrError{Err: ErrBlocked.Error(), Addr: ap.Addr().String()}
		}
		return nil
	}
}

// Client builds an HTTP client for user-configured targets: no proxy (it
// would hide the real target from the guard), no redirects, no connection
// reuse, the guard on every dial. Requests name their account with
// WithAccount.
func (g *Guard) Client(timeout time.Duration) *http.Client {
	tr := &http.Transport{
		Proxy: nil,
		DialContext: func(ctx context.Context, network, addr string) (net.Conn, error) {
			d := net.Dialer{Timeout: 10 * time.Second, KeepAlive: 30 * time.Second, Control: g.control(ctx)}
			return d.DialContext(ctx, network, addr)
		},
		ForceAttemptHTTP2: true,
		// A pooled connection would skip the dial check for the next
		// account, whose allowances may differ.
		DisableKeepAlives:     true,
		TLSHandshakeTimeout:   10 * time.Second,
		ResponseHeaderTimeout: timeout,
	}
	return &http.Client{
		Transport: tr,
		Timeout:   timeout,
		CheckRedirect: func(*http.Request, []*http.Request) error {
			return http.ErrUseLastResponse
		},
	}
}
