package ui

import (
	"context"
	"encoding/base64"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/cookiejar"
	"net/http/httptest"
	"net/netip"
	"net/url"
	"strings"
	"sync"
	"testing"

	"frontdesk/ticket"
	"frontdesk/ticket/redisstore"
	"frontdesk/web/auth"
	"frontdesk/web/front"
	"frontdesk/web/internal/testweb"
)

// fakeSessions signs the fake accounts in with password "pw-NAME".
type fakeSessions struct {
	acc      *testweb.Accounts
	mu       sync.Mutex
	sessions map[string]string // token → name
	failures map[string]int
	fromAddr map[netip.Addr]int // failures per client address
	clients  []netip.Addr       // the client address of every login
}

func newFakeSessions(acc *testweb.Accounts) *fakeSessions {
	return &fakeSessions{acc: acc, sessions: map[string]string{}, failures: map[string]int{}, fromAddr: map[netip.Addr]int{}}
}

func (f *fakeSessions) Login(_ context.Context, name, password string, client netip.Addr) (auth.Principal, string, error) {
	u, ok := f.acc.User(name)
	if f.acc.Down() {
		return auth.Principal{}, "", testweb.ErrAccountsDown
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	f.clients = append(f.clients, client)
	if f.fromAddr[client] >= 20 {
		return auth.Principal{}, "", fmt.Errorf("login %s: %w", name, auth.ErrTooManyLoginsFromAddress)
	}
	if f.failures[name] >= 5 {
		return auth.Principal{}, "", auth.ErrTooManyLogins
	}
	if !ok || password != "pw-"+name {
		f.failures[name]++
		f.fromAddr[client]++
		return auth.Principal{}, "", errors.New("wrong name or password")
	}
	if u.Disabled {
		return auth.Principal{}, "", fmt.Errorf("login %s: %w", name, auth.ErrAccountDisabled)
	}
	token := "sess-" + name + "-" + randomSuffix()
	f.sessions[token] = name
	return u, token, nil
}

func (f *fakeSessions) Session(_ context.Context, token string) (auth.Principal, error) {
	if f.acc.Down() {
		return auth.Principal{}, testweb.ErrAccountsDown
	}
	f.mu.Lock()
	name, ok := f.sessions[token]
	f.mu.Unlock()
	if !ok {
		return auth.Principal{}, errors.New("no such session")
	}
	u, _ := f.acc.User(name)
	if u.Disabled {
		return auth.Principal{}, errors.New("the user is disabled")
	}
	return u, nil
}

func (f *fakeSessions) Logout(_ context.Context, token string) error {
	f.mu.Lock()
	defer f.mu.Unlock()
	delete(f.sessions, token)
	return nil
}

var suffixMu sync.Mutex
var suffixN int

func randomSuffix() string {
	suffixMu.Lock()
	defer suffixMu.Unlock()
	suffixN++
	return strings.Repeat("x", suffixN%3) + string(rune('a'+suffixN%26))
}

// uiEnv is the web UI on a test server, on a real ticket store on miniredis
// and the fake accounts.
type uiEnv struct {
	srv      *httptest.Server
	store    *redisstore.Store
	accounts *testweb.Accounts
	sessions *fakeSessions
}

// newUIEnv starts a test server with the UI on a real ticket store on
// miniredis, queues support and billing, and the fake accounts: ann
// (assistant), bob (assistant, away) and max (manager). Each of opts may
// change the desk and the options first.
func newUIEnv(t *testing.T, opts ...func(*front.Front, *Options)) *uiEnv {
	t.Helper()
	store, acc := testweb.NewStore(t), testweb.NewAccounts()
	sess := newFakeSessions(acc)
	f := front.New(testweb.NewDesk(t, store, acc), acc, nil)
	o := Options{
		Logger:   slog.New(slog.NewTextHandler(testLog{t}, &slog.HandlerOptions{Level: slog.LevelWarn})),
		Sessions: sess,
	}
	for _, opt := range opts {
		opt(f, &o)
	}
	o.Front = f
	srv := httptest.NewServer(serveUI(New(o)))
	t.Cleanup(srv.Close)
	return &uiEnv{srv: srv, store: store, accounts: acc, sessions: sess}
}

// serveUI serves the UI's routes as package web mounts them: each behind its
// access check, on a mux of its own (without web's middleware).
func serveUI(h *Handlers) http.Handler {
	mux := http.NewServeMux()
	for _, rt := range h.Routes() {
		mux.Handle(rt.Pattern(), h.Guard(rt))
	}
	return mux
}

// mail stores an email ticket in queue support from ann@example.org, with
// one attachment, and returns its id.
func (e *uiEnv) mail(t *testing.T, n int) string {
	t.Helper()
	return testweb.Mail(t, e.store, n)
}

// sms stores an SMS ticket in queue billing from +15555550123.
func (e *uiEnv) sms(t *testing.T) string {
	t.Helper()
	return testweb.SMS(t, e.store)
}

func (e *uiEnv) get(t *testing.T, id string) *ticket.Ticket {
	t.Helper()
	return testweb.Get(t, e.store, id)
}

// user returns user name as the fake accounts have it now.
func (e *uiEnv) user(name string) auth.Principal {
	u, _ := e.accounts.User(name)
	return u
}

// testLog writes the server's warnings and errors to the test's log.
type testLog struct{ t *testing.T }

func (l testLog) Write(p []byte) (int, error) {
	l.t.Log(strings.TrimSpace(string(p)))
	return len(p), nil
}

// uiUser is a browser: a cookie jar that does not follow redirects.
type uiUser struct {
	env    *uiEnv
	client *http.Client
	csrf   string // the session's form token, once signed in
}

func (e *uiEnv) anonymous() *uiUser {
	jar, _ := cookiejar.New(nil)
	return &uiUser{env: e, client: &http.Client{
		Jar:           jar,
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse },
	}}
}

// login signs name in through the login form and fails the test otherwise.
func (e *uiEnv) login(t *testing.T, name string) *uiUser {
	t.Helper()
	u := e.anonymous()
	res, body := u.get(t, "/login")
	if res.StatusCode != http.StatusOK {
		t.Fatalf("GET /login: %d", res.StatusCode)
	}
	token := formToken(t, body)
	res, _ = u.postRaw(t, "/login", url.Values{"csrf": {token}, "name": {name}, "password": {"pw-" + name}})
	if res.StatusCode != http.StatusSeeOther {
		t.Fatalf("login %s: %d, want 303", name, res.StatusCode)
	}
	srvURL, _ := url.Parse(e.srv.URL)
	for _, c := range u.client.Jar.Cookies(srvURL) {
		if c.Name == sessionCookie {
			u.csrf = sessionCSRF(c.Value)
		}
	}
	if u.csrf == "" {
		t.Fatal("no session cookie after login")
	}
	return u
}

// formToken returns the value of the first csrf field of a page.
func formToken(t *testing.T, page string) string {
	t.Helper()
	const marker = `name="csrf" value="`
	i := strings.Index(page, marker)
	if i < 0 {
		t.Fatalf("no csrf field on the page:\n%s", page)
	}
	rest := page[i+len(marker):]
	return rest[:strings.IndexByte(rest, '"')]
}

func (u *uiUser) get(t *testing.T, path string) (*http.Response, string) {
	t.Helper()
	res, err := u.client.Get(u.env.srv.URL + path)
	if err != nil {
		t.Fatalf("GET %s: %v", path, err)
	}
	defer res.Body.Close()
	b, _ := io.ReadAll(res.Body)
	return res, string(b)
}

// post sends a form with the session's token.
func (u *uiUser) post(t *testing.T, path string, form url.Values) (*http.Response, string) {
	t.Helper()
	if form == nil {
		form = url.Values{}
	}
	form.Set("csrf", u.csrf)
	return u.postRaw(t, path, form)
}

func (u *uiUser) postRaw(t *testing.T, path string, form url.Values) (*http.Response, string) {
	t.Helper()
	res, err := u.client.PostForm(u.env.srv.URL+path, form)
	if err != nil {
		t.Fatalf("POST %s: %v", path, err)
	}
	defer res.Body.Close()
	b, _ := io.ReadAll(res.Body)
	return res, string(b)
}

// wantRedirect fails the test unless res is a 303 to target leaving notice
// (in its cookie) for the page it leads to.
func wantRedirect(t *testing.T, what string, res *http.Response, body, target, notice string) {
	t.Helper()
	got := ""
	for _, c := range res.Cookies() {
		if c.Name == noticeCookie {
			b, err := base64.RawURLEncoding.DecodeString(c.Value)
			if err != nil {
				t.Fatalf("%s: notice cookie %q: %v", what, c.Value, err)
			}
			got = string(b)
		}
	}
	if res.StatusCode != http.StatusSeeOther || res.Header.Get("Location") != target || got != notice {
		t.Fatalf("%s: %d to %q with notice %q, want 303 to %q with %q\n%s",
			what, res.StatusCode, res.Header.Get("Location"), got, target, notice, body)
	}
}

// A notice comes only from the desk's own redirects: a link from elsewhere
// cannot make a page say something.
func TestUINoticeNotFromTheURL(t *testing.T) {
	e := newUIEnv(t)
	for _, u := range []*uiUser{e.anonymous(), e.login(t, "ann")} {
		for _, path := range []string{"/login?notice=Call+us+now", "/mine?notice=Call+us+now"} {
			if _, body := u.get(t, path); strings.Contains(body, "Call us now") {
				t.Errorf("GET %s shows the notice from its URL", path)
			}
		}
	}
}

func TestUILogin(t *testing.T) {
	e := newUIEnv(t)

	// A page without a session goes to the login page, and back after it.
	u := e.anonymous()
	res, _ := u.get(t, "/static/app.css")
	if res.StatusCode != http.StatusOK || !strings.HasPrefix(res.Header.Get("Content-Type"), "text/css") {
		t.Fatalf("GET /static/app.css: %d %s", res.StatusCode, res.Header.Get("Content-Type"))
	}
	res, body := u.get(t, "/login?next=/mine")
	if res.StatusCode != http.StatusOK || !strings.Contains(body, `name="next" value="/mine"`) {
		t.Fatalf("GET /login?next=/mine: %d\n%s", res.StatusCode, body)
	}
	csp := res.Header.Get("Content-Security-Policy")
	if !strings.Contains(csp, "script-src 'self'") || strings.Contains(csp, "unsafe-inline") || !strings.Contains(csp, "frame-ancestors 'none'") {
		t.Errorf("login page CSP = %q", csp)
	}
	var loginCookie *http.Cookie
	for _, c := range res.Cookies() {
		if c.Name == loginCSRFCookie {
			loginCookie = c
		}
	}
	if loginCookie == nil || !loginCookie.HttpOnly || loginCookie.SameSite != http.SameSiteLaxMode {
		t.Fatalf("login form cookie = %+v", loginCookie)
	}
	token := formToken(t, body)

	// Without the form token: refused, nobody signed in.
	res, _ = u.postRaw(t, "/login", url.Values{"name": {"ann"}, "password": {"pw-ann"}})
	if res.StatusCode != http.StatusForbidden {
		t.Errorf("login without the form token: %d, want 403", res.StatusCode)
	}
	// Wrong password: 401 and the form again, without saying which was wrong.
	res, body = u.postRaw(t, "/login", url.Values{"csrf": {token}, "name": {"ann"}, "password": {"nope"}})
	if res.StatusCode != http.StatusUnauthorized || !strings.Contains(body, "Wrong name or password") {
		t.Errorf("wrong password: %d\n%s", res.StatusCode, body)
	}
	token = formToken(t, body)
	// Right password: a session cookie and back where the user wanted to go.
	res, _ = u.postRaw(t, "/login", url.Values{"csrf": {token}, "name": {"ann"}, "password": {"pw-ann"}, "next": {"/mine"}})
	if res.StatusCode != http.StatusSeeOther || res.Header.Get("Location") != "/mine" {
		t.Fatalf("login: %d to %q", res.StatusCode, res.Header.Get("Location"))
	}
	var session *http.Cookie
	for _, c := range res.Cookies() {
		if c.Name == sessionCookie {
			session = c
		}
	}
	if session == nil || !session.HttpOnly || session.SameSite != http.SameSiteLaxMode || session.Secure {
		t.Fatalf("session cookie = %+v (plain HTTP: not Secure)", session)
	}
	if len(e.sessions.sessions) != 1 {
		t.Fatalf("%d sessions, want 1", len(e.sessions.sessions))
	}
	// Every login was checked with the client's address (the brake's).
	for _, c := range e.sessions.clients {
		if c != netip.MustParseAddr("127.0.0.1") {
			t.Errorf("a login was checked with client address %v, want 127.0.0.1", c)
		}
	}

	// A login link cannot lead to another site.
	for _, next := range []string{"https://evil.example/", "//evil.example/x", "/\\evil.example", "javascript:alert(1)"} {
		if got := localPath(next); got != "" {
			t.Errorf("localPath(%q) = %q, want empty", next, got)
		}
	}
}

func TestUILoginBrakeAndOutage(t *testing.T) {
	e := newUIEnv(t)
	u := e.anonymous()
	_, body := u.get(t, "/login")
	for i := range 6 {
		res, b := u.postRaw(t, "/login", url.Values{"csrf": {formToken(t, body)}, "name": {"ann"}, "password": {"wrong"}})
		want := http.StatusUnauthorized
		if i == 5 {
			want = http.StatusTooManyRequests
		}
		if res.StatusCode != want {
			t.Fatalf("attempt %d: %d, want %d", i+1, res.StatusCode, want)
		}
		body = b
	}
	if !strings.Contains(body, "Too many failed attempts for this name") {
		t.Errorf("429 page says:\n%s", body)
	}
	// One guess on each of many names: the brake of the client's address.
	for i := range 15 {
		res, b := u.postRaw(t, "/login", url.Values{"csrf": {formToken(t, body)}, "name": {fmt.Sprintf("user%d", i)}, "password": {"wrong"}})
		if res.StatusCode != http.StatusUnauthorized {
			t.Fatalf("guess %d: %d, want 401", i+1, res.StatusCode)
		}
		body = b
	}
	res, body := u.postRaw(t, "/login", url.Values{"csrf": {formToken(t, body)}, "name": {"max"}, "password": {"pw-max"}})
	if res.StatusCode != http.StatusTooManyRequests || res.Header.Get("Retry-After") != "900" ||
		!strings.Contains(body, "Too many failed sign-ins from your network") {
		t.Errorf("login from an address that guessed too often: %d, Retry-After %q\n%s", res.StatusCode, res.Header.Get("Retry-After"), body)
	}
	e.sessions.fromAddr = map[netip.Addr]int{}

	e.accounts.SetDown(true)
	res, _ = u.postRaw(t, "/login", url.Values{"csrf": {formToken(t, body)}, "name": {"max"}, "password": {"pw-max"}})
	if res.StatusCode != http.StatusServiceUnavailable {
		t.Errorf("login while the accounts are down: %d, want 503", res.StatusCode)
	}
}

func TestUISessionAndForms(t *testing.T) {
	e := newUIEnv(t)
	ann := e.login(t, "ann")

	// A form without the session's token is refused.
	res, _ := ann.postRaw(t, "/logout", url.Values{"csrf": {"forged"}})
	if res.StatusCode != http.StatusForbidden {
		t.Errorf("logout with a forged token: %d, want 403", res.StatusCode)
	}
	// A form from another site is refused even with the token.
	req, _ := http.NewRequest("POST", e.srv.URL+"/logout", strings.NewReader(url.Values{"csrf": {ann.csrf}}.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.Header.Set("Sec-Fetch-Site", "cross-site")
	req.Header.Set("Origin", "https://evil.example")
	res, err := ann.client.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	res.Body.Close()
	if res.StatusCode != http.StatusForbidden {
		t.Errorf("cross-site logout: %d, want 403", res.StatusCode)
	}
	if len(e.sessions.sessions) != 1 {
		t.Fatal("a refused form ended the session")
	}

	// Logout ends the session; the old cookie no longer works.
	res, _ = ann.post(t, "/logout", nil)
	if res.StatusCode != http.StatusSeeOther || !strings.HasPrefix(res.Header.Get("Location"), "/login") {
		t.Fatalf("logout: %d to %q", res.StatusCode, res.Header.Get("Location"))
	}
	if len(e.sessions.sessions) != 0 {
		t.Errorf("the session outlived logout")
	}
	res, _ = ann.post(t, "/logout", nil)
	if res.StatusCode != http.StatusUnauthorized {
		t.Errorf("a form after logout: %d, want 401", res.StatusCode)
	}
}

func TestUITemplatesParse(t *testing.T) {
	ts := parseUITemplates()
	for _, name := range []string{"login", "error"} {
		if ts[name] == nil {
			t.Errorf("no template %q", name)
		}
	}
}

// The login brake counts a request behind a trusted proxy against the
// address the proxy names, and believes no X-Forwarded-For otherwise.
func TestUILoginClientAddress(t *testing.T) {
	for _, tt := range []struct {
		name    string
		proxies []netip.Prefix
		want    string
	}{
		{"no trusted proxies", nil, "127.0.0.1"},
		{"behind a trusted proxy", []netip.Prefix{netip.MustParsePrefix("127.0.0.0/8")}, "198.51.100.1"},
		{"behind another proxy", []netip.Prefix{netip.MustParsePrefix("10.0.0.0/8")}, "127.0.0.1"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			e := newUIEnv(t, func(_ *front.Front, o *Options) { o.TrustedProxies = tt.proxies })
			u := e.anonymous()
			_, body := u.get(t, "/login")
			form := url.Values{"csrf": {formToken(t, body)}, "name": {"ann"}, "password": {"wrong"}}
			req, _ := http.NewRequest("POST", e.srv.URL+"/login", strings.NewReader(form.Encode()))
			req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
			req.Header.Set("X-Forwarded-For", "192.0.2.66, 198.51.100.1")
			res, err := u.client.Do(req)
			if err != nil {
				t.Fatal(err)
			}
			res.Body.Close()
			if res.StatusCode != http.StatusUnauthorized {
				t.Fatalf("login: %d, want 401", res.StatusCode)
			}
			if got := e.sessions.clients; len(got) != 1 || got[0] != netip.MustParseAddr(tt.want) {
				t.Errorf("the login was counted against %v, want %s", got, tt.want)
			}
		})
	}
}
