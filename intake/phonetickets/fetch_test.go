package phonetickets

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"net/netip"
	"net/url"
	"strings"
	"sync"
	"testing"

	"frontdesk/config"
	"frontdesk/jobs"
)

func TestNonPublic(t *testing.T) {
	tests := []struct {
		addr string
		want string // "" for public, else a word of the reason
	}{
		{"8.8.8.8", ""},
		{"54.172.60.1", ""}, // a Twilio address
		{"2606:4700:4700::1111", ""},
		{"::ffff:8.8.8.8", ""},
		{"127.0.0.1", "loopback"},
		{"127.255.0.9", "loopback"},
		{"::1", "loopback"},
		{"::ffff:127.0.0.1", "loopback"},
		{"10.1.2.3", "private"},
		{"172.16.0.1", "private"},
		{"172.31.255.255", "private"},
		{"192.168.1.1", "private"},
		{"fd00::1", "private"},
		{"fc00::1", "private"},
		{"169.254.169.254", "link-local"}, // cloud metadata
		{"::ffff:169.254.169.254", "link-local"},
		{"fe80::1", "link-local"},
		{"fe80::1%eth0", "link-local"},
		{"0.0.0.0", "unspecified"},
		{"::", "unspecified"},
		{"0.1.2.3", "this network"},
		{"224.0.0.1", "multicast"},
		{"ff02::1", "multicast"},
		{"255.255.255.255", "reserved"},
		{"240.0.0.1", "reserved"},
		{"100.64.0.1", "shared"},
		{"192.0.2.1", "documentation"},
		{"198.18.0.1", "benchmarking"},
		{"64:ff9b::a9fe:a9fe", "NAT64"}, // 169.254.169.254 through NAT64
		{"2002:7f00:1::", "6to4"},       // 127.0.0.1 through 6to4
		{"2001:db8::1", "documentation"},
		{"::127.0.0.1", "IPv4-compatible"},
		{"fec0::1", "site-local"},
	}
	for _, tt := range tests {
		t.Run(tt.addr, func(t *testing.T) {
			got := nonPublic(netip.MustParseAddr(tt.addr))
			switch {
			case tt.want == "" && got != "":
				t.Errorf("nonPublic(%s) = %q, want public", tt.addr, got)
			case tt.want != "" && !strings.Contains(got, tt.want):
				t.Errorf("nonPublic(%s) = %q, want %q", tt.addr, got, tt.want)
			}
		})
	}
	if got := nonPublic(netip.Addr{}); got == "" {
		t.Error("the zero Addr is public")
	}
}

// TestFetchRoute: which URLs are fetched at all, through which client, and
// which carry the account's credentials.
func TestFetchRoute(t *testing.T) {
	f := newMediaFetcher(config.Twilio{AccountSID: accountSID, AuthToken: authToken, APIURL: "http://127.0.0.1:8099"})
	prod := newMediaFetcher(config.Twilio{AccountSID: accountSID, AuthToken: authToken}) // api_url's default
	const refused = "refused"
	tests := []struct {
		name       string
		f          *mediaFetcher
		url        string
		redirected bool
		client     string // "trusted", "public" or refused
		creds      bool
	}{
		{"api origin", f, "http://127.0.0.1:8099/2010-04-01/Accounts/AC1/Recordings/RE1.mp3", false, "trusted", true},
		{"api origin, host in upper case", f, "HTTP://127.0.0.1:8099/x", false, "trusted", true},
		{"api host, other port", f, "http://127.0.0.1:8098/x", false, refused, false},
		{"api host and port, other scheme", f, "https://127.0.0.1:8099/x", false, "public", false},
		{"api port, other name", f, "http://localhost:8099/x", false, refused, false},
		{"api origin after a redirect", f, "http://127.0.0.1:8099/x", true, refused, false},
		{"default api_url", prod, "https://api.twilio.com/2010-04-01/Accounts/AC1/Recordings/RE1", false, "trusted", true},
		{"default api_url, explicit port", prod, "https://api.twilio.com:443/x", false, "trusted", true},
		{"default api_url over http", prod, "http://api.twilio.com/x", false, refused, false},
		{"twilio.com media host", prod, "https://media.twilio.com/x", false, "public", true},
		{"twilio.com", prod, "https://twilio.com/x", false, "public", true},
		{"twilio.com look-alike", prod, "https://eviltwilio.com/x", false, "public", false},
		{"twilio.com as a subdomain", prod, "https://twilio.com.evil.example/x", false, "public", false},
		{"twilio.com after a redirect", prod, "https://media.twilio.com/x", true, "public", false},
		{"CDN after a redirect", prod, "https://s3-external-1.amazonaws.com/media.twiliocdn.com/x", true, "public", false},
		{"http elsewhere", prod, "http://example.com/x", false, refused, false},
		{"http to the metadata address", prod, "http://169.254.169.254/latest/meta-data/", false, refused, false},
		{"http redirect", prod, "http://example.com/x", true, refused, false},
		{"file", prod, "file:///etc/passwd", false, refused, false},
		{"gopher", prod, "gopher://127.0.0.1:6379/_FLUSHALL", false, refused, false},
		{"user info", prod, "https://user:pass@media.twilio.com/x", false, refused, false},
		{"user info on the api origin", f, "http://user@127.0.0.1:8099/x", false, refused, false},
		{"no host", prod, "https:///x", false, refused, false},
		{"relative", prod, "/x", false, refused, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			u, err := url.Parse(tt.url)
			if err != nil {
				t.Fatal(err)
			}
			c, creds, err := tt.f.route(u, tt.redirected)
			got := refused
			switch {
			case err != nil && !errors.Is(err, errRefused):
				t.Fatalf("error %v does not wrap errRefused", err)
			case err != nil:
			case c == tt.f.trusted:
				got = "trusted"
			case c == tt.f.public:
				got = "public"
			}
			if got != tt.client || creds != tt.creds {
				t.Errorf("route(%s, redirected %v) = %s, credentials %v (%v); want %s, %v", tt.url, tt.redirected, got, creds, err, tt.client, tt.creds)
			}
		})
	}
}

// hitCounter is a server that must not be reached: it counts requests and
// keeps the Authorization headers it saw.
type hitCounter struct {
	mu    sync.Mutex
	hits  int
	auths []string
}

func (h *hitCounter) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	h.mu.Lock()
	h.hits++
	h.auths = append(h.auths, r.Header.Get("Authorization"))
	h.mu.Unlock()
	if to := r.URL.Query().Get("redirect"); to != "" {
		http.Redirect(w, r, to, http.StatusFound)
		return
	}
	io.WriteString(w, "secret of "+r.Host)
}

func (h *hitCounter) seen() (int, []string) {
	h.mu.Lock()
	defer h.mu.Unlock()
	return h.hits, append([]string(nil), h.auths...)
}

// TestFetchRefusesInternalAddresses fetches hostile URLs through the real
// dialer: plain-http services on loopback other than twilio.api_url, https
// services on loopback by address and by name, the cloud metadata address,
// and redirects from twilio.api_url to all of them. None is reached, and
// each is refused with its reason.
func TestFetchRefusesInternalAddresses(t *testing.T) {
	api := &hitCounter{}
	apiSrv := httptest.NewServer(api)
	t.Cleanup(apiSrv.Close)
	internal := &hitCounter{} // a plain-http service beside frontdesk
	internalSrv := httptest.NewServer(internal)
	t.Cleanup(internalSrv.Close)
	internalTLS := &hitCounter{} // an https one
	tlsSrv := httptest.NewTLSServer(internalTLS)
	t.Cleanup(tlsSrv.Close)
	_, tlsPort, _ := net.SplitHostPort(tlsSrv.Listener.Addr().String())

	f := newMediaFetcher(config.Twilio{AccountSID: accountSID, AuthToken: authToken, APIURL: apiSrv.URL})
	trustCert(f, tlsSrv)
	redirect := func(to string) string { return apiSrv.URL + "/Media/ME1?redirect=" + url.QueryEscape(to) }

	tests := []struct {
		name string
		url  string
		want string
	}{
		{"http service on loopback", internalSrv.URL + "/admin", "neither https nor twilio.api_url's origin"},
		{"metadata over http", "http://169.254.169.254/latest/meta-data/iam/security-credentials/", "neither https"},
		{"https on loopback", tlsSrv.URL + "/admin", "127.0.0.1 is not a public address (loopback)"},
		{"https on loopback by name", "https://localhost:" + tlsPort + "/admin", "is not a public address (loopback)"},
		{"https on IPv4-mapped loopback", "https://[::ffff:127.0.0.1]:" + tlsPort + "/admin", "is not a public address (loopback)"},
		{"metadata over https", "https://169.254.169.254/latest/meta-data/", "169.254.169.254 is not a public address (link-local)"},
		{"private", "https://10.0.0.1/", "10.0.0.1 is not a public address (private"},
		{"unspecified", "https://0.0.0.0:" + tlsPort + "/", "0.0.0.0 is not a public address (unspecified)"},
		{"redirect to http on loopback", redirect(internalSrv.URL + "/admin"), "redirect to " + internalSrv.URL + "/admin, which is not https"},
		{"redirect to https on loopback", redirect(tlsSrv.URL + "/admin"), "not a public address (loopback)"},
		{"redirect to the metadata address", redirect("http://169.254.169.254/latest/meta-data/"), "not https"},
		{"redirect back to twilio.api_url", redirect(apiSrv.URL + "/Media/ME2"), "not https"},
	}
	if ln, err := net.Listen("tcp6", "[::1]:0"); err == nil {
		ln.Close()
		tests = append(tests, struct{ name, url, want string }{"https on IPv6 loopback", "https://[::1]:" + tlsPort + "/", "::1 is not a public address (loopback)"})
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			resp, err := f.get(context.Background(), tt.url)
			if err == nil {
				resp.Body.Close()
				t.Fatalf("fetched %s: %s", tt.url, resp.Status)
			}
			if !errors.Is(err, errRefused) || !strings.Contains(err.Error(), tt.want) {
				t.Fatalf("error %q; want errRefused saying %q", err, tt.want)
			}
		})
	}
	if n, _ := internal.seen(); n != 0 {
		t.Errorf("the http service was reached %d times", n)
	}
	if n, _ := internalTLS.seen(); n != 0 {
		t.Errorf("the https service was reached %d times", n)
	}
}

// TestFetchRedirectsWithoutCredentials: twilio.api_url gets the account's
// credentials; the CDN it redirects to (played on loopback, allowed as public
// for this test) is fetched without them.
func TestFetchRedirectsWithoutCredentials(t *testing.T) {
	cdn := &hitCounter{}
	cdnSrv := httptest.NewTLSServer(cdn)
	t.Cleanup(cdnSrv.Close)
	api := &hitCounter{}
	apiSrv := httptest.NewServer(api)
	t.Cleanup(apiSrv.Close)

	f := newMediaFetcher(config.Twilio{AccountSID: accountSID, AuthToken: authToken, APIURL: apiSrv.URL})
	trustCert(f, cdnSrv)
	f.nonPublic = func(a netip.Addr) string {
		if a.Unmap() == netip.MustParseAddr("127.0.0.1") {
			return "" // the CDN
		}
		return nonPublic(a)
	}
	resp, err := f.get(context.Background(), apiSrv.URL+"/Media/ME1?redirect="+url.QueryEscape(cdnSrv.URL+"/media/ME1"))
	if err != nil {
		t.Fatal(err)
	}
	body, err := io.ReadAll(resp.Body)
	resp.Body.Close()
	if err != nil || resp.StatusCode != http.StatusOK || !strings.HasPrefix(string(body), "secret of 127.0.0.1") {
		t.Fatalf("got %s %q %v", resp.Status, body, err)
	}
	req, _ := http.NewRequest(http.MethodGet, "/", nil)
	req.SetBasicAuth(accountSID, authToken)
	if _, auths := api.seen(); len(auths) != 1 || auths[0] != req.Header.Get("Authorization") {
		t.Errorf("twilio.api_url saw Authorization %q, want the account's", auths)
	}
	if _, auths := cdn.seen(); len(auths) != 1 || auths[0] != "" {
		t.Errorf("the CDN saw Authorization %q, want none", auths)
	}

	// A redirect loop ends.
	loop := apiSrv.URL + "/loop"
	for range maxRedirects + 1 {
		loop = cdnSrv.URL + "/hop?redirect=" + url.QueryEscape(loop)
	}
	if _, err := f.get(context.Background(), loop); !errors.Is(err, errRefused) || !strings.Contains(err.Error(), "redirects") {
		t.Errorf("a chain of %d redirects: %v", maxRedirects+1, err)
	}
}

// trustCert makes f's public client trust srv's test certificate.
func trustCert(f *mediaFetcher, srv *httptest.Server) {
	pool := x509.NewCertPool()
	pool.AddCert(srv.Certificate())
	f.public.Transport.(*http.Transport).TLSClientConfig = &tls.Config{RootCAs: pool}
}

// TestHostileMediaURLsFailAtOnce: signed webhooks whose media URLs point
// inside the network make their tickets, but their downloads reach nothing
// and go to the dead list after one attempt, saying why.
func TestHostileMediaURLsFailAtOnce(t *testing.T) {
	d := newDesk(t)
	internal := &hitCounter{}
	internalSrv := httptest.NewServer(internal)
	t.Cleanup(internalSrv.Close)
	_, port, _ := net.SplitHostPort(internalSrv.Listener.Addr().String())

	sms := url.Values{"AccountSid": {accountSID}, "MessageSid": {sid("MM", 1)}, "From": {caller}, "To": {ourNumber},
		"NumMedia": {"2"}, "MediaUrl0": {internalSrv.URL + "/admin"}, "MediaContentType0": {"image/jpeg"},
		"MediaUrl1": {"https://localhost:" + port + "/admin"}, "MediaContentType1": {"image/jpeg"}}
	fax := url.Values{"AccountSid": {accountSID}, "FaxSid": {sid("FX", 1)}, "From": {caller}, "To": {ourNumber},
		"FaxStatus": {"received"}, "NumPages": {"1"}, "MediaUrl": {"http://169.254.169.254/latest/meta-data/iam/security-credentials/"}}
	for path, form := range map[string]url.Values{"/twilio/sms": sms, "/twilio/fax": fax} {
		if code := d.post(path, form); code >= 300 {
			t.Fatalf("POST %s: %d", path, code)
		}
	}
	var dead []jobs.DeadJob
	eventually(t, "three dead downloads", func() bool {
		var err error
		dead, err = d.intake.media.Dead(context.Background(), 10)
		return err == nil && len(dead) == 3
	})
	for _, j := range dead {
		if j.Attempt != 1 || !strings.Contains(j.Error, "refused by the media download policy") {
			t.Errorf("dead job %s after %d attempts: %s", j.ID, j.Attempt, j.Error)
		}
	}
	if n, _ := internal.seen(); n != 0 {
		t.Errorf("the internal service was reached %d times", n)
	}
	for _, tk := range d.tickets() {
		if n := len(tk.Messages[0].Attachments); n != 0 {
			t.Errorf("ticket %s has %d attachments", tk.ID, n)
		}
	}
}
