package auth

import (
	"net"
	"net/http"
	"net/netip"
	"slices"
	"strings"
)

// ClientAddr is the address a request comes from, as the login brake counts
// it: the connection's remote IP, unless that is one of the trusted proxies
// (http.trusted_proxies). Then X-Forwarded-For is read from the right — each
// proxy appends the address it was reached from — and the first address
// that is not itself a trusted proxy is the client's; an entry that is not
// an address ends the walk at the proxy that passed it on. A client cannot
// choose its address this way: whatever it writes into the header stands to
// the left of what the trusted proxy appended. Without trusted proxies the
// header is never read. The zero Addr when RemoteAddr cannot be read.
func ClientAddr(r *http.Request, trusted []netip.Prefix) netip.Addr {
	ap, err := netip.ParseAddrPort(r.RemoteAddr)
	if err != nil {
		return netip.Addr{}
	}
	addr := ap.Addr().Unmap()
	if !trustedProxy(addr, trusted) {
		return addr
	}
	var hops []string
	for _, v := range r.Header.Values("X-Forwarded-For") {
		hops = append(hops, strings.Split(v, ",")...)
	}
	for _, hop := range slices.Backward(hops) {
		a, ok := forwardedAddr(strings.TrimSpace(hop))
		if !ok {
			return addr
		}
		addr = a
		if !trustedProxy(addr, trusted) {
			return addr
		}
	}
	return addr
}

func trustedProxy(a netip.Addr, trusted []netip.Prefix) bool {
	for _, p := range trusted {
		if p.Contains(a) {
			return true
		}
	}
	return false
}

// forwardedAddr reads one X-Forwarded-For entry: an address, or (as some
// proxies write it) an address with a port.
func forwardedAddr(s string) (netip.Addr, bool) {
	if a, err := netip.ParseAddr(s); err == nil && a.Zone() == "" {
		return a.Unmap(), true
	}
	if host, _, err := net.SplitHostPort(s); err == nil {
		if a, err := netip.ParseAddr(host); err == nil && a.Zone() == "" {
			return a.Unmap(), true
		}
	}
	return netip.Addr{}, false
}
