package imappoll

import (
	"context"
	"crypto/rand"
	"encoding/base64"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus/testutil"
	"github.com/redis/go-redis/v9"

	"frontdesk/config"
	"frontdesk/internal/secrets"
	"frontdesk/internal/testdovecot"
	"frontdesk/internal/testoauth"
	"frontdesk/mailauth"
)

// oauthDovecot is Dovecot checking tokens at a test OAuth2 server, and the
// mailbox "desk" on it configured to sign in with OAuth2 (a refresh token
// from the configuration).
func oauthDovecot(t *testing.T, mechanism string) (*testdovecot.Server, *testoauth.Server, config.Mailbox) {
	t.Helper()
	srv := testoauth.Start(t)
	d := testdovecot.StartWith(t, testdovecot.Options{IntrospectionURL: srv.IntrospectionURL()}, "desk")
	mb := d.Mailbox("desk")
	mb.Auth, mb.Password = config.AuthOAuth2, ""
	mb.OAuth2 = config.OAuth2{Provider: "custom", ClientID: testoauth.ClientID, ClientSecret: testoauth.ClientSecret,
		AuthURL: srv.AuthURL(), TokenURL: srv.TokenURL(), RefreshToken: srv.Grant("desk"), Mechanism: mechanism}
	return d, srv, mb
}

// oauthManager is one instance's mailauth.Manager for mb, on rdb, whose
// clock is now.
func oauthManager(t *testing.T, rdb redis.UniversalClient, mb config.Mailbox, now func() time.Time) *mailauth.Manager {
	t.Helper()
	key := make([]byte, secrets.KeySize)
	_, _ = rand.Read(key)
	keys, err := secrets.New(base64.StdEncoding.EncodeToString(key))
	if err != nil {
		t.Fatal(err)
	}
	cfg := &config.Config{Mailboxes: []config.Mailbox{mb}, HTTP: config.HTTP{PublicURL: "https://desk.example.com"}}
	m, err := mailauth.New(cfg, mailauth.Options{Redis: rdb, Prefix: "test", Keys: keys, Now: now, Logger: quietLogger(t),
		PublicURL: cfg.HTTP.PublicURL})
	if err != nil {
		t.Fatal(err)
	}
	if err := m.Start(context.Background()); err != nil {
		t.Fatal(err)
	}
	return m
}

// connect plays ann's browser connecting the account with id through m:
// Begin, the provider's redirect back, Complete.
func connect(t *testing.T, m *mailauth.Manager, id, session string) {
	t.Helper()
	to, err := m.Begin(context.Background(), id, "ann", session)
	if err != nil {
		t.Fatal(err)
	}
	c := &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	resp, err := c.Get(to)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	back, _ := url.Parse(resp.Header.Get("Location"))
	if _, err := m.Complete(context.Background(), mailauth.Callback{State: back.Query().Get("state"), Code: back.Query().Get("code")}, "ann", session); err != nil {
		t.Fatal(err)
	}
}

// A mailbox signing in with OAuth2 imports through Dovecot's oauth2 passdb
// across several token refreshes: the lease holder keeps the 3 s token
// fresh, and every sign-in (the connection is cut between waves of mail)
// uses a token Dovecot's introspection finds active. Then the consent is
// revoked: the mailbox stops signing in, says why, and nothing else fails;
// a manager's reconnection brings the waiting mail in.
func TestDovecotOAuth2(t *testing.T) {
	d, srv, mb := oauthDovecot(t, "auto")
	_, rdb := newRedis(t)
	m := oauthManager(t, rdb, mb, time.Now)
	acct := m.Mailbox(mb.Name)
	rec := newRecorder()
	opts := testOptions(t, rdb)
	opts.OAuth2 = acct
	p := New(mb, rec.handle, opts)
	runPoller(t, p)
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	go acct.Keep(ctx, func() bool { return p.Status().LeaseHeld })

	total := 0
	for wave := range 4 {
		d.DeliverMaildir(t, "desk", total, 5, 1000)
		total += 5
		eventually(t, 20*time.Second, "wave imported", func() bool { return rec.stored() == total })
		if wave < 3 {
			time.Sleep(2500 * time.Millisecond) // the token is refreshed meanwhile
			p.cutCurrent()                      // sign in again with the new one
		}
	}
	if n := srv.Refreshes("desk"); n < 4 {
		t.Errorf("%d refreshes during the import, want at least 4", n)
	}
	if n := srv.Introspected("desk"); n < 4 {
		t.Errorf("Dovecot checked %d tokens, want a sign-in per wave", n)
	}
	if n := srv.Refused(); n != 0 {
		t.Errorf("Dovecot was shown %d tokens that were not active: a token was used after it expired", n)
	}
	if srv.Reuses() != 0 {
		t.Errorf("a refresh token was used twice")
	}
	t.Logf("%d mails over %d refreshes and %d sign-ins", total, srv.Refreshes("desk"), srv.Introspected("desk"))

	// Consent revoked: within a token's life the account fails for good;
	// the poller's sign-ins fail saying so; new mail waits on the server.
	srv.Revoke("desk")
	eventually(t, 10*time.Second, "the account failed", func() bool {
		sts, err := m.Statuses(context.Background())
		return err == nil && sts[0].State == mailauth.StateFailed
	})
	refreshes := srv.Refreshes("desk")
	p.cutCurrent()
	d.DeliverMaildir(t, "desk", total, 3, 1000)
	eventually(t, 10*time.Second, "the poller says why it cannot sign in", func() bool {
		st := p.Status()
		return st.State == stateSignInNeeded && st.LeaseHeld && strings.Contains(st.LastError, "refused for good")
	})
	time.Sleep(time.Second)
	if rec.stored() != total {
		t.Fatalf("%d mails stored while the sign-in was revoked, want %d", rec.stored(), total)
	}
	if srv.Refreshes("desk") != refreshes {
		t.Errorf("%d refreshes tried while the account was failed, want none", srv.Refreshes("desk")-refreshes)
	}

	// A manager reconnects: the mail comes in.
	connect(t, m, acct.ID, "session")
	eventually(t, 5*time.Second, "the waiting mail imported", func() bool { return rec.stored() == total+3 })
	if srv.Reuses() != 0 {
		t.Errorf("a refresh token was used twice")
	}
}

// A token Dovecot no longer takes (the provider ended it early) is
// refused; the poller refreshes it and signs in again on the same
// connection, by OAUTHBEARER.
func TestDovecotOAuth2RefusedTokenRefreshed(t *testing.T) {
	d, srv, mb := oauthDovecot(t, "oauthbearer")
	srv.AccessTTL = time.Minute
	_, rdb := newRedis(t)
	acct := oauthManager(t, rdb, mb, time.Now).Mailbox(mb.Name)
	tok, err := acct.Token(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	srv.EndAccessTokens("desk")
	d.DeliverMaildir(t, "desk", 0, 3, 1000)
	rec := newRecorder()
	opts := testOptions(t, rdb)
	opts.OAuth2 = acct
	p := New(mb, rec.handle, opts)
	runPoller(t, p)
	eventually(t, 20*time.Second, "mail imported", func() bool { return rec.stored() == 3 })
	if srv.Refused() != 1 || srv.Refreshes("desk") != 2 {
		t.Errorf("Dovecot refused %d tokens, %d refreshes; want the ended one refused and one refresh after it", srv.Refused(), srv.Refreshes("desk"))
	}
	if got := testutil.ToFloat64(p.m.reconnects); got != 0 {
		t.Errorf("%v reconnects: the sign-in was not retried on the same connection", got)
	}
	now, err := acct.Token(context.Background())
	if err != nil || now.Gen <= tok.Gen {
		t.Errorf("the token after the refusal: gen %d (was %d), %v", now.Gen, tok.Gen, err)
	}
	if !strings.Contains(d.Log(), "method=OAUTHBEARER") {
		t.Errorf("no OAUTHBEARER sign-in in Dovecot's log")
	}
}

// A mailbox nobody connected yet waits for a manager, holding its lease;
// once connected (by another instance, say) its mail comes in within
// seconds, not after a reconnection's backoff.
func TestDovecotOAuth2WaitsForConnection(t *testing.T) {
	d, srv, mb := oauthDovecot(t, "xoauth2")
	mb.OAuth2.RefreshToken = ""
	_, rdb := newRedis(t)
	m := oauthManager(t, rdb, mb, time.Now)
	d.DeliverMaildir(t, "desk", 0, 2, 1000)
	rec := newRecorder()
	opts := testOptions(t, rdb)
	opts.OAuth2 = m.Mailbox(mb.Name)
	opts.LeaseTTL = 3 * time.Second
	p := New(mb, rec.handle, opts)
	runPoller(t, p)
	eventually(t, 10*time.Second, "the poller waits for a manager", func() bool {
		st := p.Status()
		return st.State == stateSignInNeeded && strings.Contains(st.LastError, "not connected")
	})
	time.Sleep(2 * opts.LeaseTTL)
	if st := p.Status(); !st.LeaseHeld || st.State != stateSignInNeeded {
		t.Fatalf("after two lease times: %+v; want the lease held while it waits", st)
	}
	connect(t, m, "mailbox:"+mb.Name, "s")
	eventually(t, 5*time.Second, "the mail imported after connecting", func() bool { return rec.stored() == 2 })
	if srv.Introspected("desk") != 1 {
		t.Errorf("%d sign-ins, want 1", srv.Introspected("desk"))
	}
}
