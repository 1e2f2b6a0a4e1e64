package config

import (
	"fmt"
	"net"
	"net/mail"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"time"

	"frontdesk/internal/phone"
)

// validate checks c, with defaults applied, and records every problem in
// ps. It also fills in the parsed form of the business hours calendars.
func validate(c *Config, ps *problems) {
	validateRedis(&c.Redis, ps)
	validateHTTP(&c.HTTP, ps)
	oneOf(ps, "log.level", c.Log.Level, "debug", "info", "warn", "error")
	oneOf(ps, "log.format", c.Log.Format, "text", "json")
	if c.Tickets.ClaimLease < time.Minute || c.Tickets.ClaimLease > 24*time.Hour {
		ps.add("tickets.claim_lease", "must be between 1m and 24h")
	}
	if s := c.Tickets.AttachmentMaxSize; s <= 0 || s > 512*MB {
		ps.add("tickets.attachment_max_size", "must be more than 0 and at most 512MB")
	}
	if !phone.ValidRegion(c.Tickets.PhoneRegion) {
		ps.add("tickets.phone_region", "must be a country code such as US or NL")
	}
	validateRetention(c, ps)
	if n := c.Acknowledgements.PerAddress; n < 1 || n > 1000 {
		ps.add("acknowledgements.per_address", "must be 1-1000 (acknowledgements per address per hour)")
	}
	if n := c.Acknowledgements.PerDomain; n < 1 || n > 100000 {
		ps.add("acknowledgements.per_domain", "must be 1-100000 (acknowledgements per domain per hour)")
	}
	validateMailboxes(c, ps)
	validateSMTP(c, ps)
	validateSecrets(c, ps)
	for i, a := range c.Notify.Managers {
		if a == "" {
			ps.add(index("notify.managers", i), "required")
		}
		checkAddress(ps, index("notify.managers", i), a)
	}
	validateTwilio(c, ps)
	validateFax(c, ps)
	validateLMTP(c, ps)
	validateWebhooks(c, ps)
	validateQueues(c, ps)
	validateTeams(c.Teams, ps)
	validateCalendars(c.BusinessHours, ps)
	validateReports(c, ps)
}

func validateRedis(r *Redis, ps *problems) {
	switch {
	case r.URL != "" && len(r.Addrs) > 0:
		ps.add("redis.addrs", "set either url or addrs, not both")
	case r.URL == "" && len(r.Addrs) == 0:
		ps.add("redis.url", "required (or set addrs)")
	}
	if r.URL != "" {
		u, err := url.Parse(r.URL)
		switch {
		case err != nil || (u.Scheme != "redis" && u.Scheme != "rediss"):
			ps.add("redis.url", "must be a redis:// or rediss:// URL")
		case u.Host == "":
			ps.add("redis.url", "must name a host, e.g. redis://127.0.0.1:6379/0")
		}
	}
	for i, a := range r.Addrs {
		if !isHostPort(a, false) {
			ps.add(index("redis.addrs", i), "must be host:port")
		}
	}
	if r.MasterName != "" && len(r.Addrs) == 0 {
		ps.add("redis.master_name", "needs addrs, the Sentinel addresses")
	}
	if r.DB < 0 {
		ps.add("redis.db", "must not be negative")
	}
	if r.MinReplicas < 0 || r.MinReplicas > 10 {
		ps.add("redis.min_replicas", "must be 0-10")
	}
	switch {
	case r.Prefix == "":
		ps.add("redis.prefix", "required")
	case strings.ContainsAny(r.Prefix, "{}") || strings.IndexFunc(r.Prefix, isSpace) >= 0:
		ps.add("redis.prefix", `must not contain "{", "}" or white space`)
	}
}

func validateHTTP(h *HTTP, ps *problems) {
	if !isHostPort(h.Listen, true) {
		ps.add("http.listen", "must be host:port, e.g. 127.0.0.1:8025")
	}
	if h.PublicURL != "" {
		checkHTTPURL(ps, "http.public_url", h.PublicURL)
	}
	if h.MaxConnections < 1 {
		ps.add("http.max_connections", "must be at least 1")
	}
	if h.MetricsListen != "" {
		_, port, _ := net.SplitHostPort(h.MetricsListen)
		switch {
		case !isHostPort(h.MetricsListen, true):
			ps.add("http.metrics_listen", "must be host:port, e.g. 127.0.0.1:9025")
		case h.MetricsListen == h.Listen && port != "0":
			ps.add("http.metrics_listen", "must differ from http.listen")
		}
	}
	if t := h.MetricsToken; t != "" {
		switch {
		case len(t) < minMetricsToken:
			ps.add("http.metrics_token", "must be at least %d characters (e.g. openssl rand -hex 32)", minMetricsToken)
		case strings.IndexFunc(t, func(r rune) bool { return r <= ' ' || r > '~' }) >= 0:
			ps.add("http.metrics_token", "must be printable ASCII without spaces")
		}
	}
	for i, p := range h.TrustedProxies {
		if _, ok := parseProxy(p); !ok {
			ps.add(fmt.Sprintf("http.trusted_proxies[%d]", i), "invalid %q: must be an IP address or a CIDR prefix, e.g. 10.0.0.0/8", p)
		}
	}
}

// minMetricsToken is the shortest http.metrics_token accepted: a token
// anyone can guess protects nothing.
const minMetricsToken = 16

// isLoopbackHost reports whether host is localhost or a loopback address,
// where plain text does not leave the machine.
func isLoopbackHost(host string) bool {
	if strings.EqualFold(host, "localhost") {
		return true
	}
	ip := net.ParseIP(host)
	return ip != nil && ip.IsLoopback()
}

// checkHTTPURL reports s unless it is an absolute http or https URL
// without a query or fragment.
func checkHTTPURL(ps *problems, path, s string) {
	u, err := url.Parse(s)
	switch {
	case err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "":
		ps.add(path, "must be an absolute http:// or https:// URL")
	case u.RawQuery != "" || u.ForceQuery || u.Fragment != "":
		ps.add(path, "must not have a query or fragment")
	}
}

// isHostPort reports whether s is host:port. With listen, the host may be
// empty (all interfaces) and the port 0 (any free port).
func isHostPort(s string, listen bool) bool {
	host, port, err := net.SplitHostPort(s)
	if err != nil || (host == "" && !listen) || strings.IndexFunc(host, isSpace) >= 0 {
		return false
	}
	n, err := strconv.Atoi(port)
	return err == nil && n <= 65535 && (n >= 1 || (listen && n == 0 && port != ""))
}

// checkPort reports a port outside 1-65535.
func checkPort(ps *problems, path string, port int) {
	if port < 1 || port > 65535 {
		ps.add(path, "must be 1-65535")
	}
}

// checkSecurity reports a security mode other than tls, starttls or none.
func checkSecurity(ps *problems, path, s string) {
	if s != "tls" && s != "starttls" && s != "none" {
		ps.add(path, "must be tls, starttls or none")
	}
}

// checkAddress reports s unless it is empty or a mail address.
func checkAddress(ps *problems, path, s string) {
	if s == "" {
		return
	}
	if _, err := mail.ParseAddress(s); err != nil {
		ps.add(path, "invalid address %q", s)
	}
}

// required reports an empty value.
func required(ps *problems, path, s string) bool {
	if s == "" {
		ps.add(path, "required")
		return false
	}
	return true
}

// oneOf reports s unless it is one of allowed.
func oneOf(ps *problems, path, s string, allowed ...string) {
	if slices.Contains(allowed, s) {
		return
	}
	last := len(allowed) - 1
	ps.add(path, "must be %s or %s", strings.Join(allowed[:last], ", "), allowed[last])
}

// unique reports name at path when an earlier element already had it, and
// remembers it.
func unique(ps *problems, seen map[string]bool, path, name string) {
	if name == "" {
		return
	}
	if seen[name] {
		ps.add(path, "duplicate %q", name)
	}
	seen[name] = true
}

// index returns path[i].
func index(path string, i int) string {
	return path + "[" + strconv.Itoa(i) + "]"
}

func isSpace(r rune) bool {
	return r == ' ' || r == '\t' || r == '\n' || r == '\r' || r == '\v' || r == '\f'
}
