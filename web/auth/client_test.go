package auth

import (
	"net/http/httptest"
	"net/netip"
	"testing"
)

func TestClientAddr(t *testing.T) {
	proxies := []netip.Prefix{netip.MustParsePrefix("10.0.0.0/8"), netip.MustParsePrefix("2001:db8:ffff::/48")}
	tests := []struct {
		name    string
		remote  string
		xff     []string // X-Forwarded-For header lines
		trusted []netip.Prefix
		want    string // "" for the zero Addr
	}{
		{"direct", "203.0.113.7:5555", nil, nil, "203.0.113.7"},
		{"direct IPv6", "[2001:db8::7]:5555", nil, nil, "2001:db8::7"},
		{"IPv4 in IPv6", "[::ffff:203.0.113.7]:5555", nil, nil, "203.0.113.7"},
		{"header without trusted proxies is ignored", "203.0.113.7:5555", []string{"198.51.100.1"}, nil, "203.0.113.7"},
		{"header from an untrusted peer is ignored", "203.0.113.7:5555", []string{"198.51.100.1"}, proxies, "203.0.113.7"},
		{"through a trusted proxy", "10.0.0.2:5555", []string{"198.51.100.1"}, proxies, "198.51.100.1"},
		{"a client's forged entry stays on the left", "10.0.0.2:5555", []string{"192.0.2.66, 198.51.100.1"}, proxies, "198.51.100.1"},
		{"two trusted proxies", "10.0.0.2:5555", []string{"198.51.100.1, 10.9.9.9"}, proxies, "198.51.100.1"},
		{"several header lines", "10.0.0.2:5555", []string{"192.0.2.66", "198.51.100.1,10.9.9.9"}, proxies, "198.51.100.1"},
		{"IPv6 proxy and client", "[2001:db8:ffff::1]:443", []string{"2001:db8:1::5"}, proxies, "2001:db8:1::5"},
		{"entry with a port", "10.0.0.2:5555", []string{"198.51.100.1:4711"}, proxies, "198.51.100.1"},
		{"bracketed IPv6 with a port", "10.0.0.2:5555", []string{"[2001:db8:1::5]:4711"}, proxies, "2001:db8:1::5"},
		{"garbage ends at the proxy that passed it on", "10.0.0.2:5555", []string{"198.51.100.1, unknown, 10.9.9.9"}, proxies, "10.9.9.9"},
		{"a trusted proxy without the header", "10.0.0.2:5555", nil, proxies, "10.0.0.2"},
		{"only trusted proxies", "10.0.0.2:5555", []string{"10.1.1.1"}, proxies, "10.1.1.1"},
		{"unreadable remote address", "pipe", nil, proxies, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := httptest.NewRequest("POST", "/login", nil)
			r.RemoteAddr = tt.remote
			for _, v := range tt.xff {
				r.Header.Add("X-Forwarded-For", v)
			}
			got := ClientAddr(r, tt.trusted)
			want := netip.Addr{}
			if tt.want != "" {
				want = netip.MustParseAddr(tt.want)
			}
			if got != want {
				t.Errorf("ClientAddr = %v, want %v", got, want)
			}
		})
	}
}
