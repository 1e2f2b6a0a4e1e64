package mailauth_test

import (
	"context"
	"crypto/rand"
	"encoding/base64"
	"errors"
	"log/slog"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/testutil"

	"frontdesk/config"
	"frontdesk/fault"
	"frontdesk/internal/secrets"
	"frontdesk/internal/testlog"
	"frontdesk/internal/testoauth"
	"frontdesk/internal/testredis"
	"frontdesk/mailauth"
)

func newKey(t *testing.T) string {
	t.Helper()
	b := make([]byte, secrets.KeySize)
	_, _ = rand.Read(b)
	return base64.StdEncoding.EncodeToString(b)
}

// clock is a settable clock standing in for Redis's.
type clock struct{ off atomic.Int64 }

func (c *clock) now() time.Time          { return time.Now().Add(time.Duration(c.off.Load())) }
func (c *clock) advance(d time.Duration) { c.off.Add(int64(d)) }

// fixture is one deployment: a test OAuth2 server, a Redis prefix, and a
// configuration with mailbox "support" signing in with OAuth2 at the server.
type fixture struct {
	t     *testing.T
	srv   *testoauth.Server
	r     *testredis.Redis
	cfg   *config.Config
	key   string
	clock *clock
}

func newFixture(t *testing.T, refreshToken bool) *fixture {
	t.Helper()
	f := &fixture{t: t, srv: testoauth.Start(t), r: testredis.New(t), key: newKey(t), clock: &clock{}}
	o := config.OAuth2{Provider: "custom", ClientID: testoauth.ClientID, ClientSecret: testoauth.ClientSecret,
		AuthURL: f.srv.AuthURL(), TokenURL: f.srv.TokenURL(), Mechanism: "auto"}
	if refreshToken {
		o.RefreshToken = f.srv.Grant("desk")
	}
	f.cfg = &config.Config{
		Mailboxes: []config.Mailbox{{Name: "support", Username: "desk", Auth: config.AuthOAuth2, OAuth2: o}},
		HTTP:      config.HTTP{PublicURL: "https://desk.example.com"},
	}
	return f
}

type instance struct {
	m       *mailauth.Manager
	log     *testlog.Buffer
	reg     *prometheus.Registry
	notices *[]mailauth.Incident
}

// instance starts one instance's Manager, keys secrets.key then previous.
func (f *fixture) instance(keys ...string) instance {
	f.t.Helper()
	if len(keys) == 0 {
		keys = []string{f.key}
	}
	kr, err := secrets.New(keys[0], keys[1:]...)
	if err != nil {
		f.t.Fatal(err)
	}
	var mu sync.Mutex
	notices := &[]mailauth.Incident{}
	reg := prometheus.NewRegistry()
	log := &testlog.Buffer{}
	m, err := mailauth.New(f.cfg, mailauth.Options{
		Redis: f.r.Client, Prefix: f.r.Prefix, Keys: kr, Now: f.clock.now, Instance: f.t.Name() + rand.Text()[:4],
		PublicURL: f.cfg.HTTP.PublicURL, Registerer: reg, Logger: slog.New(slog.NewTextHandler(log, nil)),
		Notify: func(ctx context.Context, in mailauth.Incident) error {
			mu.Lock()
			defer mu.Unlock()
			*notices = append(*notices, in)
			return nil
		},
	})
	if err != nil {
		f.t.Fatal(err)
	}
	if err := m.Start(context.Background()); err != nil {
		f.t.Fatal(err)
	}
	return instance{m: m, log: log, reg: reg, notices: notices}
}

// A refresh token from the configuration signs in; the access token is
// reused until a quarter of its life is left, then refreshed; every
// rotated refresh token is stored, so that the strict server never sees one
// twice.
func TestTokenRefreshesBeforeExpiry(t *testing.T) {
	f := newFixture(t, true)
	in := f.instance()
	a := in.m.Mailbox("support")
	ctx := context.Background()
	t1, err := a.Token(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if !f.srv.Active("desk", t1.Access) {
		t.Fatalf("the token is not one the server issued for desk")
	}
	t2, err := a.Token(ctx)
	if err != nil || t2.Access != t1.Access || f.srv.Refreshes("desk") != 1 {
		t.Fatalf("second Token: %v, same %v, refreshes %d; want the same token, one refresh", err, t2.Access == t1.Access, f.srv.Refreshes("desk"))
	}
	for i := 2; i <= 4; i++ {
		f.clock.advance(2300 * time.Millisecond) // 3 s tokens: refreshed with 0.75 s left
		tok, err := a.Token(ctx)
		if err != nil {
			t.Fatalf("refresh %d: %v", i, err)
		}
		if tok.Gen <= t2.Gen || !f.srv.Active("desk", tok.Access) {
			t.Fatalf("refresh %d: gen %d after %d, active %v", i, tok.Gen, t2.Gen, f.srv.Active("desk", tok.Access))
		}
		t2 = tok
	}
	if n := f.srv.Refreshes("desk"); n != 4 {
		t.Errorf("%d refreshes, want 4", n)
	}
	if f.srv.Reuses() != 0 {
		t.Errorf("a rotated-out refresh token was used again")
	}
	if got := testutil.ToFloat64(counter(t, in.reg, "frontdesk_oauth2_refreshes_total")); got != 4 {
		t.Errorf("frontdesk_oauth2_refreshes_total = %v", got)
	}
	// Nothing in Redis reads as a token.
	for _, k := range f.r.Keys(t) {
		vals, _ := f.r.Client.HGetAll(ctx, k).Result()
		for field, v := range vals {
			if strings.Contains(v, "rt-") || strings.Contains(v, "at-") || strings.Contains(v, t2.Access) {
				t.Errorf("%s %s holds a token in the clear", k, field)
			}
		}
	}
}

func counter(t *testing.T, reg *prometheus.Registry, name string) prometheus.Collector {
	t.Helper()
	mfs, err := reg.Gather()
	if err != nil {
		t.Fatal(err)
	}
	sum := 0.0
	for _, mf := range mfs {
		if mf.GetName() != name {
			continue
		}
		for _, m := range mf.GetMetric() {
			if m.Counter != nil {
				sum += m.Counter.GetValue()
			}
			if m.Gauge != nil {
				sum += m.Gauge.GetValue()
			}
		}
	}
	g := prometheus.NewGauge(prometheus.GaugeOpts{Name: "sum"})
	g.Set(sum)
	return g
}

// Two instances asking for an expired token at once, eight goroutines
// each: one refresh, and everyone gets its token.
func TestOneRefreshAcrossInstances(t *testing.T) {
	f := newFixture(t, true)
	ins := []instance{f.instance(), f.instance()}
	ctx := context.Background()
	if _, err := ins[0].m.Mailbox("support").Token(ctx); err != nil {
		t.Fatal(err)
	}
	f.clock.advance(2500 * time.Millisecond)
	var wg sync.WaitGroup
	tokens := make(chan string, 16)
	for i := range 16 {
		wg.Go(func() {
			tok, err := ins[i%2].m.Mailbox("support").Token(ctx)
			if err != nil {
				t.Error(err)
				return
			}
			tokens <- tok.Access
		})
	}
	wg.Wait()
	close(tokens)
	seen := map[string]bool{}
	for tok := range tokens {
		seen[tok] = true
	}
	if n := f.srv.Refreshes("desk"); n != 2 || len(seen) != 1 || f.srv.Reuses() != 0 {
		t.Errorf("%d refreshes (want 2: the first and one for all), %d distinct tokens handed out, %d reuses", n, len(seen), f.srv.Reuses())
	}
}

// A revoked consent: the account fails for good once, across instances;
// one notice; no further refresh is tried; a manager's reconnection
// (authorization code with PKCE) ends it.
func TestRevokedThenReconnected(t *testing.T) {
	f := newFixture(t, true)
	ins := []instance{f.instance(), f.instance()}
	ctx := context.Background()
	a0, a1 := ins[0].m.Mailbox("support"), ins[1].m.Mailbox("support")
	if _, err := a0.Token(ctx); err != nil {
		t.Fatal(err)
	}
	f.srv.Revoke("desk")
	f.clock.advance(2500 * time.Millisecond)
	_, err0 := a0.Token(ctx)
	_, err1 := a1.Token(ctx)
	for _, err := range []error{err0, err1} {
		if !errors.Is(err, mailauth.ErrRevoked) || !strings.Contains(err.Error(), "invalid_grant") {
			t.Fatalf("Token after the revocation: %v, want ErrRevoked with invalid_grant", err)
		}
	}
	if n := f.srv.Refreshes("desk"); n != 1 {
		t.Errorf("%d refreshes succeeded, want the first only", n)
	}
	for _, in := range ins {
		in.m.Look(ctx)
	}
	total := len(*ins[0].notices) + len(*ins[1].notices)
	fails := testutil.ToFloat64(counter(t, ins[0].reg, "frontdesk_mailbox_auth_failures_total")) +
		testutil.ToFloat64(counter(t, ins[1].reg, "frontdesk_mailbox_auth_failures_total"))
	logged := strings.Count(ins[0].log.String()+ins[1].log.String(), "refused for good")
	if total != 1 || fails != 1 || logged != 1 {
		t.Errorf("%d notices, %v failures counted and %d log lines across instances, want 1 each", total, fails, logged)
	}
	if v := testutil.ToFloat64(counter(t, ins[1].reg, "frontdesk_mailbox_auth_failed")); v != 1 {
		t.Errorf("frontdesk_mailbox_auth_failed = %v on the other instance, want 1", v)
	}
	if p := ins[1].m.Problems(); len(p) != 1 || !strings.Contains(p[0], "mailbox support") || !strings.Contains(p[0], "reconnect") {
		t.Errorf("Problems = %q", p)
	}
	sts, err := ins[0].m.Statuses(ctx)
	if err != nil || len(sts) != 1 || sts[0].State != mailauth.StateFailed || !strings.Contains(sts[0].Failure, "invalid_grant") {
		t.Fatalf("Statuses = %+v, %v", sts, err)
	}

	// Reconnect: Begin, the provider's page, Complete.
	st := connect(t, f, ins[1].m, "ann", "session-1", "session-1")
	if st.State != mailauth.StateConnected || st.ConnectedBy != "ann" || st.Source != "ui" || st.Failure != "" {
		t.Fatalf("after reconnecting: %+v", st)
	}
	tok, err := a0.Token(ctx)
	if err != nil || !f.srv.Active("desk", tok.Access) {
		t.Fatalf("Token after reconnecting: %v", err)
	}
	for _, in := range ins {
		in.m.Look(ctx)
		if p := in.m.Problems(); len(p) != 0 {
			t.Errorf("Problems after reconnecting: %q", p)
		}
	}
}

// connect runs a manager's connection: Begin in session begin, the
// provider's authorization page, Complete in session complete.
func connect(t *testing.T, f *fixture, m *mailauth.Manager, user, begin, complete string) mailauth.Status {
	t.Helper()
	cb, err := authorize(t, m, user, begin)
	if err != nil {
		t.Fatal(err)
	}
	st, err := m.Complete(context.Background(), cb, user, complete)
	if err != nil {
		t.Fatalf("Complete: %v", err)
	}
	return st
}

// authorize begins a connection and follows the provider's page, returning
// what it sends the browser back with.
func authorize(t *testing.T, m *mailauth.Manager, user, session string) (mailauth.Callback, error) {
	t.Helper()
	to, err := m.Begin(context.Background(), "mailbox:support", user, session)
	if err != nil {
		return mailauth.Callback{}, err
	}
	u, _ := url.Parse(to)
	q := u.Query()
	if q.Get("code_challenge_method") != "S256" || q.Get("login_hint") != "desk" ||
		q.Get("redirect_uri") != "https://desk.example.com/oauth2/callback" || q.Get("state") == "" {
		t.Errorf("authorization URL %s", to)
	}
	c := &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	resp, err := c.Get(to)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	back, err := url.Parse(resp.Header.Get("Location"))
	if err != nil || resp.StatusCode != http.StatusFound {
		t.Fatalf("the authorization page answered %d %q", resp.StatusCode, resp.Header.Get("Location"))
	}
	bq := back.Query()
	return mailauth.Callback{State: bq.Get("state"), Code: bq.Get("code"), Error: bq.Get("error"), ErrorDescription: bq.Get("error_description")}, nil
}

// The state is single use and bound to the session that began; the
// provider's refusal is told as such; nothing is connected by any of them.
func TestConnectRefusals(t *testing.T) {
	f := newFixture(t, false)
	m := f.instance().m
	ctx := context.Background()
	if sts, _ := m.Statuses(ctx); sts[0].State != mailauth.StateNotConnected {
		t.Fatalf("state before connecting: %s", sts[0].State)
	}
	if _, err := m.Mailbox("support").Token(ctx); !errors.Is(err, mailauth.ErrNotConnected) {
		t.Fatalf("Token before connecting: %v", err)
	}
	cb, _ := authorize(t, m, "ann", "session-1")
	if _, err := m.Complete(ctx, cb, "ann", "session-2"); !errors.Is(err, fault.ErrInvalid) || !strings.Contains(err.Error(), "another session") {
		t.Errorf("Complete in another session: %v", err)
	}
	if _, err := m.Complete(ctx, cb, "ann", "session-1"); !errors.Is(err, fault.ErrInvalid) || !strings.Contains(err.Error(), "expired or was used") {
		t.Errorf("Complete with a used state: %v", err)
	}
	f.srv.Deny(true)
	cb, _ = authorize(t, m, "ann", "session-1")
	if _, err := m.Complete(ctx, cb, "ann", "session-1"); !errors.Is(err, fault.ErrInvalid) || !strings.Contains(err.Error(), "access_denied") {
		t.Errorf("Complete after the person declined: %v", err)
	}
	f.srv.Deny(false)
	cb, _ = authorize(t, m, "ann", "session-1")
	cb.Code = "code-forged"
	if _, err := m.Complete(ctx, cb, "ann", "session-1"); !errors.Is(err, fault.ErrInvalid) || !strings.Contains(err.Error(), "invalid_grant") {
		t.Errorf("Complete with a forged code: %v", err)
	}
	if _, err := m.Begin(ctx, "mailbox:nope", "ann", "s"); !errors.Is(err, fault.ErrNotFound) {
		t.Errorf("Begin for an unknown account: %v", err)
	}
	if sts, _ := m.Statuses(ctx); sts[0].State != mailauth.StateNotConnected {
		t.Errorf("state after the refusals: %s", sts[0].State)
	}
	st := connect(t, f, m, "ann", "s", "s")
	if st.State != mailauth.StateConnected {
		t.Errorf("state after connecting: %s", st.State)
	}
}

// A token the mail server refuses is refreshed at the next sign-in, and
// the refusal shows until a sign-in succeeds.
func TestRefusedTokenIsRefreshed(t *testing.T) {
	f := newFixture(t, true)
	m := f.instance().m
	a := m.Mailbox("support")
	ctx := context.Background()
	tok, err := a.Token(ctx)
	if err != nil {
		t.Fatal(err)
	}
	a.Refused(ctx, tok, errors.New("NO [AUTHENTICATIONFAILED] Authentication failed."))
	next, err := a.Token(ctx)
	if err != nil || next.Access == tok.Access || f.srv.Refreshes("desk") != 2 {
		t.Fatalf("Token after a refusal: %v, new %v, refreshes %d", err, next.Access != tok.Access, f.srv.Refreshes("desk"))
	}
	sts, _ := m.Statuses(ctx)
	if !strings.Contains(sts[0].Refusal, "AUTHENTICATIONFAILED") {
		t.Errorf("refusal shown: %q", sts[0].Refusal)
	}
	a.Accepted(ctx)
	if sts, _ := m.Statuses(ctx); sts[0].Refusal != "" {
		t.Errorf("refusal after a sign-in succeeded: %q", sts[0].Refusal)
	}
}

// Rotating secrets.key: an instance with the new key and the old one as
// previous reads the tokens and seals them again with the new key; one
// without the old key refuses to start, naming secrets.key.
func TestKeyRotation(t *testing.T) {
	f := newFixture(t, true)
	ctx := context.Background()
	if _, err := f.instance().m.Mailbox("support").Token(ctx); err != nil {
		t.Fatal(err)
	}
	oldKey, newKey := f.key, newKey(t)
	kr, _ := secrets.New(newKey)
	stranger, err := mailauth.New(f.cfg, mailauth.Options{Redis: f.r.Client, Prefix: f.r.Prefix, Keys: kr, Now: f.clock.now, Logger: slog.New(slog.DiscardHandler)})
	if err != nil {
		t.Fatal(err)
	}
	if err := stranger.Start(ctx); err == nil || !strings.HasPrefix(err.Error(), "secrets.key:") {
		t.Fatalf("Start without the old key: %v, want an error naming secrets.key", err)
	}
	rotated := f.instance(newKey, oldKey)
	tok, err := rotated.m.Mailbox("support").Token(ctx)
	if err != nil || !f.srv.Active("desk", tok.Access) {
		t.Fatalf("Token with the rotated key: %v", err)
	}
	for _, k := range f.r.Keys(t) {
		vals, _ := f.r.Client.HGetAll(ctx, k).Result()
		for _, field := range []string{"refresh", "access"} {
			if v, ok := vals[field]; ok && secrets.SealedKeyID(v) != kr.KeyID() {
				t.Errorf("%s %s is sealed with key %s after the rotation, want %s", k, field, secrets.SealedKeyID(v), kr.KeyID())
			}
		}
	}
	if err := stranger.Start(ctx); err != nil {
		t.Errorf("Start with only the new key after the rotation: %v", err)
	}
}

func TestSASLClients(t *testing.T) {
	c := mailauth.NewSASLClient(mailauth.XOAuth2, "desk@example.com", "at-1", "imap.example.com", 993, mailauth.SMTP)
	mech, ir, err := c.Start()
	if err != nil || mech != "XOAUTH2" || string(ir) != "user=desk@example.com\x01auth=Bearer at-1\x01\x01" {
		t.Errorf("XOAUTH2 Start = %s %q %v", mech, ir, err)
	}
	resp, err := c.Next([]byte(`{"status":"401","schemes":"bearer","scope":"https://mail.google.com/"}`))
	if err != nil || len(resp) != 0 || c.Problem != "status 401, scope https://mail.google.com/" {
		t.Errorf("XOAUTH2 Next = %q %v, problem %q", resp, err, c.Problem)
	}
	b := mailauth.NewSASLClient(mailauth.OAuthBearer, "desk", "at-2", "imap.example.com", 993, mailauth.IMAP)
	mech, ir, _ = b.Start()
	if mech != "OAUTHBEARER" || string(ir) != "n,a=desk,\x01host=imap.example.com\x01port=993\x01auth=Bearer at-2\x01\x01" {
		t.Errorf("OAUTHBEARER Start = %s %q", mech, ir)
	}
	if resp, err := b.Next([]byte(`{"status":"invalid_token"}`)); err != nil || string(resp) != "\x01" {
		t.Errorf("OAUTHBEARER Next = %q %v, want %%x01 (RFC 7628 §3.2.3)", resp, err)
	}
}

// BenchmarkToken is a sign-in's cost when the token is fresh: one HGETALL
// and one AES-GCM open.
func BenchmarkToken(b *testing.B) {
	f := &fixture{srv: testoauth.Start(b), r: testredis.New(b), key: newKeyB(b), clock: &clock{}}
	f.srv.AccessTTL = time.Hour
	o := config.OAuth2{Provider: "custom", ClientID: testoauth.ClientID, ClientSecret: testoauth.ClientSecret,
		AuthURL: f.srv.AuthURL(), TokenURL: f.srv.TokenURL(), RefreshToken: f.srv.Grant("desk")}
	cfg := &config.Config{Mailboxes: []config.Mailbox{{Name: "support", Username: "desk", Auth: config.AuthOAuth2, OAuth2: o}}}
	kr, _ := secrets.New(f.key)
	m, err := mailauth.New(cfg, mailauth.Options{Redis: f.r.Client, Prefix: f.r.Prefix, Keys: kr, Logger: slog.New(slog.DiscardHandler)})
	if err != nil {
		b.Fatal(err)
	}
	ctx := context.Background()
	if err := m.Start(ctx); err != nil {
		b.Fatal(err)
	}
	a := m.Mailbox("support")
	if _, err := a.Token(ctx); err != nil {
		b.Fatal(err)
	}
	b.ReportAllocs()
	for b.Loop() {
		if _, err := a.Token(ctx); err != nil {
			b.Fatal(err)
		}
	}
}

func newKeyB(b *testing.B) string {
	k := make([]byte, secrets.KeySize)
	_, _ = rand.Read(k)
	return base64.StdEncoding.EncodeToString(k)
}
