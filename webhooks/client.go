package webhooks

import (
	"fmt"
	"net"
	"net/http"
	"net/netip"
	"net/url"
	"strings"
	"syscall"
	"time"

	"frontdesk/internal/netguard"
)

// guardedClient is the HTTP client of one hook, under a policy that keeps a
// webhook from reaching into frontdesk's own network (server-side request
// forgery, e.g. through a receiver's DNS name rebound to an internal
// address):
//
//   - Redirects are never followed: a 3xx answer is a failed attempt.
//   - A hook whose URL names a host by name is connected to only at
//     public addresses: the check is made in the dialer on the address
//     actually connected to, after DNS resolution (netguard.NonPublic).
//   - A hook whose URL is an IP address or localhost is connected to as the
//     configuration says, private or loopback alike: whoever wrote the
//     configuration chose that address (config allows plain http only to
//     loopback).
//   - No proxy from the environment, or the check would see the proxy's
//     address.
type guardedClient = http.Client

// refusedError is a connection the policy refused.
type refusedError struct{ msg string }

func (e *refusedError) Error() string { return e.msg }

// newGuardedClient returns the client for a hook at u; each attempt is
// bounded by timeout.
func newGuardedClient(u *url.URL, timeout time.Duration) *guardedClient {
	tr := http.DefaultTransport.(*http.Transport).Clone()
	tr.Proxy = nil
	tr.MaxIdleConnsPerHost = DefaultWorkers
	tr.ResponseHeaderTimeout = timeout
	tr.MaxResponseHeaderBytes = 64 << 10 // a receiver's answer is read, not kept
	dialer := &net.Dialer{Timeout: timeout, KeepAlive: 30 * time.Second}
	if !literalHost(u.Hostname()) {
		dialer.Control = publicOnly
	}
	tr.DialContext = dialer.DialContext
	return &http.Client{
		Transport:     tr,
		Timeout:       timeout,
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse },
	}
}

// literalHost reports whether host is an IP address or localhost: an
// address the configuration names itself.
func literalHost(host string) bool {
	if strings.EqualFold(host, "localhost") {
		return true
	}
	_, err := netip.ParseAddr(host)
	return err == nil
}

// publicOnly is the dialer's Control for hooks named by a host name: it
// refuses a connection to an address that is not public.
func publicOnly(network, address string, _ syscall.RawConn) error {
	ap, err := netip.ParseAddrPort(address)
	if err != nil {
		return &refusedError{fmt.Sprintf("refused: cannot check the address %q (%s)", address, network)}
	}
	if why := netguard.NonPublic(ap.Addr()); why != "" {
		return &refusedError{fmt.Sprintf("refused: the host name leads to %s, which is not a public address (%s)", ap.Addr(), why)}
	}
	return nil
}
