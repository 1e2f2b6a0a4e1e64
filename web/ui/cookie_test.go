package ui

import (
	"io"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"frontdesk/web/front"
)

// A browser reaching the UI over HTTPS, through a proxy that says so or
// because the desk is configured as HTTPS: every cookie is Secure and
// __Host- prefixed, read back under that name only.
func TestUIHostPrefixedCookies(t *testing.T) {
	for _, tt := range []struct {
		name   string
		secure bool   // Options.SecureCookies
		proto  string // X-Forwarded-Proto
	}{
		{"behind an https proxy", false, "https"},
		{"https public url", true, ""},
	} {
		t.Run(tt.name, func(t *testing.T) {
			e := newUIEnv(t, func(_ *front.Front, o *Options) { o.SecureCookies = tt.secure })
			b := &cookieBrowser{t: t, base: e.srv.URL, proto: tt.proto, jar: map[string]string{}}

			b.do("GET", "/login", nil)
			login := b.set["__Host-frontdesk_login"]
			if login == nil {
				t.Fatalf("login page set %v, want __Host-frontdesk_login", b.names())
			}
			res, _ := b.do("POST", "/login", url.Values{"csrf": {login.Value}, "name": {"ann"}, "password": {"pw-ann"}})
			session := b.set["__Host-frontdesk_session"]
			if res.StatusCode != http.StatusSeeOther || session == nil {
				t.Fatalf("login: %d, cookies %v; want 303 and __Host-frontdesk_session", res.StatusCode, b.names())
			}
			for _, c := range []*http.Cookie{login, session} {
				// What browsers demand of a __Host- cookie.
				if !c.Secure || c.Path != "/" || c.Domain != "" || !c.HttpOnly {
					t.Errorf("cookie %s: Secure %v, Path %q, Domain %q, HttpOnly %v", c.Name, c.Secure, c.Path, c.Domain, c.HttpOnly)
				}
			}
			if res, _ := b.do("GET", "/mine", nil); res.StatusCode != http.StatusOK {
				t.Errorf("GET /mine with the session: %d, want 200", res.StatusCode)
			}

			// A form's notice comes in a __Host- cookie too.
			res, _ = b.do("POST", "/me/away", url.Values{"csrf": {sessionCSRF(session.Value)}, "away": {"1"}, "back": {"/mine"}})
			if res.StatusCode != http.StatusSeeOther || b.set["__Host-frontdesk_notice"] == nil {
				t.Errorf("a form's redirect: %d, cookies %v; want 303 and __Host-frontdesk_notice", res.StatusCode, b.names())
			}

			// The same session under the plain name, as a page on another
			// subdomain or a man in the middle could plant it: not taken.
			plain := &cookieBrowser{t: t, base: e.srv.URL, proto: tt.proto, jar: map[string]string{"frontdesk_session": session.Value}}
			if res, _ := plain.do("GET", "/mine", nil); res.StatusCode != http.StatusSeeOther {
				t.Errorf("GET /mine with the session under its plain name over https: %d, want 303 to the login page", res.StatusCode)
			}

			// Signing out deletes the cookie it was set as.
			b.do("POST", "/logout", url.Values{"csrf": {sessionCSRF(session.Value)}})
			if c := b.set["__Host-frontdesk_session"]; c == nil || c.MaxAge >= 0 {
				t.Errorf("logout: cookies %v, want __Host-frontdesk_session deleted", b.names())
			}
		})
	}
}

// cookieBrowser sends requests as a browser on HTTPS would, with the cookies
// in jar, by name; a proto sets X-Forwarded-Proto. It does not follow
// redirects.
type cookieBrowser struct {
	t     *testing.T
	base  string
	proto string
	jar   map[string]string
	set   map[string]*http.Cookie // the cookies the last answer set
}

func (b *cookieBrowser) do(method, path string, form url.Values) (*http.Response, string) {
	b.t.Helper()
	var body io.Reader
	if form != nil {
		body = strings.NewReader(form.Encode())
	}
	req, err := http.NewRequest(method, b.base+path, body)
	if err != nil {
		b.t.Fatal(err)
	}
	if form != nil {
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	}
	if b.proto != "" {
		req.Header.Set("X-Forwarded-Proto", b.proto)
	}
	for name, value := range b.jar {
		req.AddCookie(&http.Cookie{Name: name, Value: value})
	}
	client := &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	res, err := client.Do(req)
	if err != nil {
		b.t.Fatalf("%s %s: %v", method, path, err)
	}
	defer res.Body.Close()
	out, _ := io.ReadAll(res.Body)
	b.set = map[string]*http.Cookie{}
	for _, c := range res.Cookies() {
		b.set[c.Name] = c
		if c.MaxAge < 0 {
			delete(b.jar, c.Name)
		} else {
			b.jar[c.Name] = c.Value
		}
	}
	return res, string(out)
}

func (b *cookieBrowser) names() []string {
	var names []string
	for name := range b.set {
		names = append(names, name)
	}
	return names
}
