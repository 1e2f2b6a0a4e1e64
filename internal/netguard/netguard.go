// Package netguard says which network addresses are public: the check that
// keeps frontdesk's outgoing requests (media downloads, webhooks) from being
// turned against its own network (server-side request forgery).
package netguard

import "net/netip"

// specialPrefixes are the addresses, besides those netip.Addr's methods
// name, that are not on the public Internet or that lead elsewhere than they
// seem (IANA's special-purpose address registries, RFC 6890).
var specialPrefixes = []struct {
	prefix netip.Prefix
	why    string
}{
	{netip.MustParsePrefix("0.0.0.0/8"), "this network, RFC 1122"}, // 0.x reaches the local host on Linux
	{netip.MustParsePrefix("100.64.0.0/10"), "shared address space, RFC 6598"},
	{netip.MustParsePrefix("192.0.0.0/24"), "IETF protocol assignments, RFC 6890"},
	{netip.MustParsePrefix("192.0.2.0/24"), "documentation, RFC 5737"},
	{netip.MustParsePrefix("192.88.99.0/24"), "6to4 relay, RFC 7526"},
	{netip.MustParsePrefix("198.18.0.0/15"), "benchmarking, RFC 2544"},
	{netip.MustParsePrefix("198.51.100.0/24"), "documentation, RFC 5737"},
	{netip.MustParsePrefix("203.0.113.0/24"), "documentation, RFC 5737"},
	{netip.MustParsePrefix("240.0.0.0/4"), "reserved, RFC 1112"}, // with 255.255.255.255
	{netip.MustParsePrefix("::/96"), "IPv4-compatible, RFC 4291"},
	{netip.MustParsePrefix("64:ff9b::/96"), "NAT64, RFC 6052"}, // reaches any IPv4 address, private ones too
	{netip.MustParsePrefix("64:ff9b:1::/48"), "local NAT64, RFC 8215"},
	{netip.MustParsePrefix("100::/64"), "discard, RFC 6666"},
	{netip.MustParsePrefix("2001::/32"), "Teredo, RFC 4380"},
	{netip.MustParsePrefix("2001:db8::/32"), "documentation, RFC 3849"},
	{netip.MustParsePrefix("2002::/16"), "6to4, RFC 3056"},
	{netip.MustParsePrefix("3fff::/20"), "documentation, RFC 9637"},
	{netip.MustParsePrefix("fec0::/10"), "site-local, RFC 3879"},
}

// NonPublic says why a is not a public unicast address, or returns "" when
// it is. An IPv4-mapped IPv6 address (::ffff:10.0.0.1) is judged as the IPv4
// address it is.
func NonPublic(a netip.Addr) string {
	a = a.Unmap()
	switch {
	case !a.IsValid():
		return "invalid"
	case a.IsUnspecified():
		return "unspecified"
	case a.IsLoopback():
		return "loopback"
	case a.IsPrivate():
		return "private, RFC 1918 or RFC 4193"
	case a.IsLinkLocalUnicast():
		return "link-local"
	case a.IsMulticast():
		return "multicast"
	}
	for _, p := range specialPrefixes {
		if p.prefix.Contains(a) {
			return p.why
		}
	}
	if !a.IsGlobalUnicast() {
		return "not global unicast"
	}
	return ""
}
