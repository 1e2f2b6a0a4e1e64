package auth

import (
	"net/http"
	"net/netip"
)

// ClientAddr is the address a request comes from, as the login brake counts
// it: the connection's remote IP. The zero Addr when it cannot be read.
func ClientAddr(r *http.Request) netip.Addr {
	ap, err := netip.ParseAddrPort(r.RemoteAddr)
	if err != nil {
		return netip.Addr{}
	}
	return ap.Addr().Unmap()
}
