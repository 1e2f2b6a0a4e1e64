package phonetickets

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/netip"
	"net/url"
	"strings"
	"syscall"
	"time"

	"frontdesk/config"
	"frontdesk/internal/netguard"
)

// maxRedirects bounds the redirects one download follows; Twilio's media
// URLs redirect once, to their CDN.
const maxRedirects = 5

// errRefused marks a URL or an address that mediaFetcher's policy refuses.
// Retrying cannot change the answer, so a download that meets it fails for
// good at once.
var errRefused = errors.New("refused by the media download policy")

// mediaFetcher downloads the media a webhook names — a recording's
// RecordingUrl, an MMS's MediaUrlN, a fax's MediaUrl — under a policy that
// keeps a hostile webhook (a captured request replayed or re-cut into other
// parameters, or a compromised account) from turning frontdesk into a proxy
// into its own network (server-side request forgery), whose answers would be
// stored for assistants to open:
//
//   - A URL is fetched only when its scheme is https, or when its origin
//     (scheme, host and port) is exactly twilio.api_url's. Any other scheme
//     or origin, and any URL with user:password@, is refused.
//   - Except for twilio.api_url's origin, every connection must go to a
//     public address. The check is made in the dialer (net.Dialer.Control)
//     on the address actually connected to, after DNS resolution, so a name
//     that resolves, or is rebound, to a loopback, private (RFC 1918,
//     fc00::/7), link-local (169.254/16 with the cloud metadata address
//     169.254.169.254, fe80::/10), unspecified, multicast or other special
//     address (see nonPublic) is refused before a packet is sent.
//     twilio.api_url's origin is trusted as configured and is the one
//     allowed to be loopback or private (tests and local fakes use
//     http://127.0.0.1:PORT); it is reached through the environment's
//     proxy (HTTPS_PROXY), if any. Other hosts are dialled directly, never
//     through a proxy, or the check would see the proxy's address.
//   - The account's credentials (HTTP Basic) go only to twilio.api_url's
//     origin and to https twilio.com hosts, and never along a redirect.
//   - Redirects (Twilio's media URLs redirect to a CDN) are followed, at
//     most maxRedirects, only to https URLs and only to public addresses,
//     even one back to twilio.api_url's origin.
//
// A refusal is an error that wraps errRefused and says why.
type mediaFetcher struct {
	api            origin // twilio.api_url's
	account, token string
	// trusted fetches from twilio.api_url's origin: any address, no
	// redirects followed.
	trusted *http.Client
	// public fetches everything else: public addresses only, no redirects
	// followed (get follows them itself).
	public *http.Client
	// nonPublic says why an address is not public, or "" when it is; tests
	// replace it to play a public CDN on loopback.
	nonPublic func(netip.Addr) string
}

// newMediaFetcher returns the fetcher for the Twilio account t.
func newMediaFetcher(t config.Twilio) *mediaFetcher {
	f := &mediaFetcher{account: t.AccountSID, token: t.AuthToken, nonPublic: nonPublic}
	apiURL := t.APIURL
	if apiURL == "" {
		apiURL = config.DefaultTwilioAPIURL
	}
	if u, err := url.Parse(apiURL); err == nil {
		f.api = originOf(u) // config has checked it; a bad one matches nothing
	}
	noRedirects := func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }
	trusted := http.DefaultTransport.(*http.Transport).Clone()
	public := http.DefaultTransport.(*http.Transport).Clone()
	public.Proxy = nil
	public.DialContext = (&net.Dialer{Timeout: 30 * time.Second, KeepAlive: 30 * time.Second, Control: f.control}).DialContext
	f.trusted = &http.Client{Transport: trusted, CheckRedirect: noRedirects}
	f.public = &http.Client{Transport: public, CheckRedirect: noRedirects}
	return f
}

// get fetches rawURL under the policy, following redirects, and returns the
// last response, whose body the caller closes. Its errors wrap errRefused
// when the policy refused the URL, a redirect or an address.
func (f *mediaFetcher) get(ctx context.Context, rawURL string) (*http.Response, error) {
	u, err := url.Parse(rawURL)
	if err != nil {
		return nil, fmt.Errorf("%w: %w", errRefused, err)
	}
	for hop := 0; ; hop++ {
		client, credentials, err := f.route(u, hop > 0)
		if err != nil {
			return nil, err
		}
		req, err := http.NewRequestWithContext(ctx, http.MethodGet, u.String(), nil)
		if err != nil {
			return nil, fmt.Errorf("%w: %w", errRefused, err)
		}
		if credentials {
			req.SetBasicAuth(f.account, f.token)
		}
		resp, err := client.Do(req)
		if err != nil {
			return nil, err // *url.Error names the URL
		}
		switch resp.StatusCode {
		case http.StatusMovedPermanently, http.StatusFound, http.StatusSeeOther,
			http.StatusTemporaryRedirect, http.StatusPermanentRedirect:
		default:
			return resp, nil
		}
		loc := resp.Header.Get("Location")
		_, _ = io.Copy(io.Discard, io.LimitReader(resp.Body, 4<<10)) // lets the connection be reused
		if err := resp.Body.Close(); err != nil {
			return nil, fmt.Errorf("close redirect from %s: %w", u.Redacted(), err)
		}
		if loc == "" {
			return nil, fmt.Errorf("%w: %s answered %s without a Location", errRefused, u.Redacted(), resp.Status)
		}
		if hop == maxRedirects {
			return nil, fmt.Errorf("%w: more than %d redirects, the last from %s", errRefused, maxRedirects, u.Redacted())
		}
		next, err := u.Parse(loc)
		if err != nil {
			return nil, fmt.Errorf("%w: redirect from %s to %q: %w", errRefused, u.Redacted(), loc, err)
		}
		u = next
	}
}

// route decides how u may be fetched: with which client, and whether with
// the account's credentials. redirected is true for a URL a redirect led
// to. A URL the policy refuses returns an error wrapping errRefused.
func (f *mediaFetcher) route(u *url.URL, redirected bool) (client *http.Client, credentials bool, err error) {
	what := "URL"
	if redirected {
		what = "redirect to"
	}
	switch {
	case u.User != nil:
		return nil, false, fmt.Errorf("%w: %s %s carries a user name or password", errRefused, what, u.Redacted())
	case !redirected && originOf(u) == f.api:
		return f.trusted, true, nil
	case u.Scheme != "https" && redirected:
		return nil, false, fmt.Errorf("%w: redirect to %s, which is not https", errRefused, u.Redacted())
	case u.Scheme != "https":
		return nil, false, fmt.Errorf("%w: URL %s is neither https nor twilio.api_url's origin", errRefused, u.Redacted())
	case u.Hostname() == "":
		return nil, false, fmt.Errorf("%w: %s %s has no host", errRefused, what, u.Redacted())
	}
	return f.public, !redirected && isTwilioHost(u.Hostname()), nil
}

// control is the public client's net.Dialer.Control: it refuses a
// connection to an address that is not public. It runs on the address about
// to be connected to, after DNS resolution, for every address tried.
func (f *mediaFetcher) control(network, address string, _ syscall.RawConn) error {
	ap, err := netip.ParseAddrPort(address)
	if err != nil {
		return fmt.Errorf("%w: cannot check the address %q (%s): %w", errRefused, address, network, err)
	}
	if why := f.nonPublic(ap.Addr()); why != "" {
		return fmt.Errorf("%w: %s is not a public address (%s)", errRefused, ap.Addr(), why)
	}
	return nil
}

// isTwilioHost reports whether host is twilio.com or one of its
// subdomains, which may see the account's credentials over https.
func isTwilioHost(host string) bool {
	host = strings.ToLower(strings.TrimSuffix(host, "."))
	return host == "twilio.com" || strings.HasSuffix(host, ".twilio.com")
}

// origin is a URL's scheme, host and port (RFC 6454), with the host in lower
// case and the scheme's default port made explicit, so that
// https://API.twilio.com and https://api.twilio.com:443 are one origin.
type origin struct{ scheme, host, port string }

func originOf(u *url.URL) origin {
	o := origin{scheme: strings.ToLower(u.Scheme), host: strings.ToLower(u.Hostname()), port: u.Port()}
	if o.port == "" {
		switch o.scheme {
		case "https":
			o.port = "443"
		case "http":
			o.port = "80"
		}
	}
	return o
}

// nonPublic says why a is not a public unicast address, or returns "" when
// it is (netguard.NonPublic).
func nonPublic(a netip.Addr) string { return netguard.NonPublic(a) }
