package ui

import (
	"context"
	"crypto/rand"
	"encoding/base64"
	"log/slog"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"frontdesk/config"
	"frontdesk/internal/secrets"
	"frontdesk/internal/testoauth"
	"frontdesk/internal/testredis"
	"frontdesk/mailauth"
	"frontdesk/web/front"
)

// mailAuthEnv is the UI with mailbox support signing in with OAuth2 at a
// test provider, not connected yet.
func mailAuthEnv(t *testing.T) (*uiEnv, *mailauth.Manager, *testoauth.Server) {
	t.Helper()
	srv := testoauth.Start(t)
	key := make([]byte, secrets.KeySize)
	_, _ = rand.Read(key)
	keys, _ := secrets.New(base64.StdEncoding.EncodeToString(key))
	cfg := &config.Config{
		Mailboxes: []config.Mailbox{{Name: "support", Username: "desk", Auth: config.AuthOAuth2, OAuth2: config.OAuth2{
			Provider: "custom", ClientID: testoauth.ClientID, ClientSecret: testoauth.ClientSecret,
			AuthURL: srv.AuthURL(), TokenURL: srv.TokenURL()}}},
	}
	r := testredis.New(t)
	m, err := mailauth.New(cfg, mailauth.Options{Redis: r.Client, Prefix: r.Prefix, Keys: keys,
		PublicURL: "https://desk.example.com", Logger: slog.New(slog.DiscardHandler)})
	if err != nil {
		t.Fatal(err)
	}
	e := newUIEnv(t, func(_ *front.Front, o *Options) { o.MailAuth = m })
	return e, m, srv
}

// toProvider presses Connect for account and follows the provider's page:
// it returns the callback path and query the provider sent the browser
// back to.
func toProvider(t *testing.T, u *uiUser, srv *testoauth.Server, account string) string {
	t.Helper()
	res, body := u.post(t, "/settings/mail-sign-in", url.Values{"account": {account}})
	to := res.Header.Get("Location")
	if res.StatusCode != http.StatusSeeOther || !strings.HasPrefix(to, srv.AuthURL()+"?") {
		t.Fatalf("Connect: %d to %q, want 303 to the provider\n%s", res.StatusCode, to, body)
	}
	q, _ := url.Parse(to)
	if v := q.Query(); v.Get("code_challenge_method") != "S256" || v.Get("login_hint") != "desk" ||
		v.Get("redirect_uri") != "https://desk.example.com/oauth2/callback" || v.Get("client_id") != testoauth.ClientID {
		t.Errorf("authorization request: %v", v)
	}
	c := &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	pres, err := c.Get(to)
	if err != nil {
		t.Fatal(err)
	}
	pres.Body.Close()
	back, err := url.Parse(pres.Header.Get("Location"))
	if err != nil || back.Path != "/oauth2/callback" {
		t.Fatalf("the provider sent the browser to %q", pres.Header.Get("Location"))
	}
	return back.RequestURI()
}

// A manager connects a mailbox: Connect goes to the provider with PKCE;
// the callback stores the connection and the settings page shows it; the
// same callback again, or one begun in another session, is refused; an
// assistant may not; a revoked consent shows red with Reconnect.
func TestUIConnectMailbox(t *testing.T) {
	e, m, srv := mailAuthEnv(t)
	max := e.login(t, "max")
	res, body := max.get(t, "/settings")
	wantPage(t, "settings before connecting", res, body, http.StatusOK, `id="settings-mail-auth"`,
		`data-account="mailbox:support" data-state="not connected"`, "Mailbox support", "Connect with 127.0.0.1")
	if csp := res.Header.Get("Content-Security-Policy"); !strings.Contains(csp, "form-action 'self' "+srv.URL+";") {
		t.Errorf("CSP %q: the Connect form may not end at the provider", csp)
	}

	back := toProvider(t, max, srv, "mailbox:support")
	res, body = max.get(t, back)
	wantRedirect(t, "the callback", res, body, "/settings#mail-sign-in", "Mailbox support is connected to 127.0.0.1"+srv.URL[len("http://127.0.0.1"):]+" as desk.")
	res, body = max.get(t, "/settings")
	wantPage(t, "settings after connecting", res, body, http.StatusOK, `data-state="connected"`, "Connected", "by max", "Reconnect")
	if strings.Contains(body, "rt-") || strings.Contains(body, "at-") {
		t.Errorf("the settings page shows a token")
	}

	res, body = max.get(t, back)
	wantPage(t, "the same callback again", res, body, http.StatusBadRequest, "Not connected: this sign-in has expired or was used already")

	// Begun in one session, ended in another.
	other := e.login(t, "max")
	back = toProvider(t, max, srv, "mailbox:support")
	res, body = other.get(t, back)
	wantPage(t, "a callback in another session", res, body, http.StatusBadRequest, "started in another session")

	ann := e.login(t, "ann")
	if res, _ := ann.get(t, "/settings"); res.StatusCode != http.StatusForbidden {
		t.Errorf("an assistant's GET /settings: %d", res.StatusCode)
	}
	if res, _ := ann.post(t, "/settings/mail-sign-in", url.Values{"account": {"mailbox:support"}}); res.StatusCode != http.StatusForbidden {
		t.Errorf("an assistant's Connect: %d", res.StatusCode)
	}
	if res, _ := max.postRaw(t, "/settings/mail-sign-in", url.Values{"account": {"mailbox:support"}}); res.StatusCode != http.StatusForbidden {
		t.Errorf("Connect without the form token: %d", res.StatusCode)
	}
	if res, body := max.post(t, "/settings/mail-sign-in", url.Values{"account": {"mailbox:nope"}}); res.StatusCode != http.StatusNotFound {
		t.Errorf("Connect for an unknown account: %d\n%s", res.StatusCode, body)
	}

	// The consent is revoked: the next refresh fails for good.
	srv.Revoke("desk")
	if err := expireAndRefresh(m); err == nil {
		t.Fatal("a refresh after the revocation succeeded")
	}
	res, body = max.get(t, "/settings")
	wantPage(t, "settings after the revocation", res, body, http.StatusOK, `data-state="failed" class="mail-auth failed"`,
		"Sign-in refused", "invalid_grant", "Reconnect")

	// The provider's refusal is told on the settings page.
	srv.Deny(true)
	res, body = max.get(t, toProvider(t, max, srv, "mailbox:support"))
	wantPage(t, "a declined connection", res, body, http.StatusBadRequest, "Not connected:", "access_denied", `data-state="failed"`)
}

// expireAndRefresh makes the mailbox's token refresh now.
func expireAndRefresh(m *mailauth.Manager) error {
	a := m.Mailbox("support")
	ctx := context.Background()
	tok, err := a.Token(ctx)
	if err != nil {
		return err
	}
	a.Refused(ctx, tok, errTest("NO"))
	_, err = a.Token(ctx)
	return err
}

type errTest string

func (e errTest) Error() string { return string(e) }
