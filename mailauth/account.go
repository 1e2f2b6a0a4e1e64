package mailauth

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"strings"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/redis/go-redis/v9"
	"golang.org/x/oauth2"

	"frontdesk/config"
	"frontdesk/fault"
	"frontdesk/internal/secrets"
)

// ErrNotConnected: nobody connected the account yet (and the configuration
// gives no refresh token).
var ErrNotConnected = errors.New("not connected to its OAuth2 provider yet: a manager connects it on the settings page")

// ErrRevoked: the provider refused the refresh token for good; a manager
// must connect the account again.
var ErrRevoked = errors.New("its OAuth2 sign-in was refused for good: a manager must reconnect it on the settings page")

// Token is an access token and what it is known by: the generation of the
// record it came from (to say which token the server refused) and when it
// expires, by Redis's clock.
type Token struct {
	Access string
	Gen    int64
	Expiry time.Time
}

// Account is one mailbox's or the outgoing server's OAuth2 sign-in. Its
// methods are safe for concurrent use.
type Account struct {
	// ID names the account in Redis and forms: mailbox:NAME or smtp.
	ID string
	// Mailbox is the mailbox's name; "" for smtp.
	Mailbox string
	// Label names it in logs and errors: "mailbox support", "smtp".
	Label string
	// Username is whom it signs in as.
	Username string

	cfg      config.OAuth2
	oc       *oauth2.Config
	key      string
	rdb      redis.UniversalClient
	keys     *secrets.Keyring
	now      func() time.Time
	log      *slog.Logger
	http     *http.Client
	instance string
	mgr      *Manager

	failures  prometheus.Counter
	refreshes prometheus.Counter
}

// Provider names the provider as people know it: Microsoft, Google, or the
// host of a custom one.
func (a *Account) Provider() string { return providerName(a.cfg) }

// Mechanism picks the SASL mechanism: the configured one, or with auto
// XOAUTH2 where the server offers it (Gmail, Exchange Online), else
// OAUTHBEARER where it offers that, else XOAUTH2.
func (a *Account) Mechanism(offered func(mech string) bool) string {
	switch a.cfg.Mechanism {
	case "xoauth2":
		return XOAuth2
	case "oauthbearer":
		return OAuthBearer
	}
	if !offered(XOAuth2) && offered(OAuthBearer) {
		return OAuthBearer
	}
	return XOAuth2
}

// margin is how long before its expiry a token is refreshed: a quarter of
// its life, at most 5 minutes (1 minute when its life is unknown).
func margin(lifetime time.Duration) time.Duration {
	if lifetime <= 0 {
		return time.Minute
	}
	return min(lifetime/4, 5*time.Minute)
}

// Token returns an access token to sign in with, refreshing it first when it
// expires soon or was refused. ErrNotConnected and ErrRevoked (wrapped, with
// the reason) say that a manager must act; other errors are temporary.
func (a *Account) Token(ctx context.Context) (Token, error) {
	giveUp := time.Now().Add(lockTTL)
	for {
		r, err := a.load(ctx)
		if err != nil {
			return Token{}, err
		}
		if tok, ok, err := a.usable(r); err != nil || ok {
			return tok, err
		}
		value := a.instance + "/" + randomHex(8)
		got, err := a.lock(ctx, value)
		if err != nil {
			return Token{}, err
		}
		if got {
			tok, err := a.refreshLocked(ctx, value)
			a.unlock(ctx, value)
			return tok, err
		}
		// Another instance refreshes: wait for its token.
		if time.Now().After(giveUp) {
			return Token{}, fmt.Errorf("refresh the OAuth2 token of %s: another instance has been refreshing it for %s", a.Label, lockTTL)
		}
		if err := a.waitFor(ctx, r.gen); err != nil {
			return Token{}, err
		}
	}
}

// usable returns the record's access token when it has time left; an error
// when the account needs a manager.
func (a *Account) usable(r record) (Token, bool, error) {
	switch {
	case r.failed != "":
		return Token{}, false, fmt.Errorf("%s: %w (since %s: %s)", a.Label, ErrRevoked, r.failedAt.UTC().Format(time.RFC3339), r.failed)
	case !r.connected():
		return Token{}, false, fmt.Errorf("%s: %w", a.Label, ErrNotConnected)
	case r.access == "" || !a.now().Before(r.expiry.Add(-margin(r.lifetime))):
		return Token{}, false, nil
	}
	access, _, err := a.open("access", r.access)
	if err != nil {
		return Token{}, false, nil // refreshed, and sealed anew
	}
	return Token{Access: access, Gen: r.gen, Expiry: r.expiry}, true, nil
}

// waitFor waits until the record's generation is no longer gen or the
// refresh lock is free.
func (a *Account) waitFor(ctx context.Context, gen int64) error {
	t := time.NewTicker(100 * time.Millisecond)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-t.C:
		}
		pipe := a.rdb.Pipeline()
		g := pipe.HGet(ctx, a.key, "gen")
		locked := pipe.Exists(ctx, a.key+":lock")
		if _, err := pipe.Exec(ctx); err != nil && !errors.Is(err, redis.Nil) {
			return fault.Redis("wait for the OAuth2 token of "+a.Label, err)
		}
		if n, _ := g.Int64(); n != gen || locked.Val() == 0 {
			return nil
		}
	}
}

// refreshLocked refreshes the access token, holding the refresh lock
// (value), and stores it with the refresh token in one compare-and-set.
func (a *Account) refreshLocked(ctx context.Context, value string) (Token, error) {
	r, err := a.load(ctx) // again: another instance may have just refreshed
	if err != nil {
		return Token{}, err
	}
	if tok, ok, err := a.usable(r); err != nil || ok {
		return tok, err
	}
	refresh, _, err := a.open("refresh", r.refresh)
	if err != nil {
		a.fail(ctx, r, "the refresh token kept in Redis does not decrypt with secrets.key or secrets.previous_keys ("+err.Error()+")")
		return Token{}, fmt.Errorf("%s: %w", a.Label, ErrRevoked)
	}
	sent := a.now()
	hctx := context.WithValue(ctx, oauth2.HTTPClient, a.http)
	nt, err := a.oc.TokenSource(hctx, &oauth2.Token{RefreshToken: refresh}).Token()
	if err != nil {
		if reason, ok := permanent(err); ok {
			a.fail(ctx, r, a.Provider()+" refused the refresh token: "+reason)
			return Token{}, fmt.Errorf("%s: %w (%s)", a.Label, ErrRevoked, reason)
		}
		return Token{}, fmt.Errorf("refresh the OAuth2 token of %s at %s: %w", a.Label, a.Provider(), err)
	}
	if nt.AccessToken == "" {
		return Token{}, fmt.Errorf("refresh the OAuth2 token of %s: %s answered without an access token", a.Label, a.Provider())
	}
	lifetime := tokenLifetime(nt)
	expiry := sent.Add(lifetime)
	if nt.RefreshToken != "" {
		refresh = nt.RefreshToken // rotated
	}
	gen, err := storeScript.Run(ctx, a.rdb, []string{a.key, a.key + ":lock"}, r.gen, value,
		a.seal("refresh", refresh), a.seal("access", nt.AccessToken), expiry.UnixMilli(), lifetime.Milliseconds(), sent.UnixMilli()).Int64()
	if err != nil {
		return Token{}, fault.Redis("store the OAuth2 token of "+a.Label, err)
	}
	if gen == 0 {
		return Token{}, fmt.Errorf("refresh the OAuth2 token of %s: the connection changed meanwhile (reconnected, or the refresh took longer than %s); trying again", a.Label, lockTTL)
	}
	a.refreshes.Inc()
	a.log.Debug("oauth2 token refreshed", slog.String("account", a.ID), slog.Duration("lifetime", lifetime))
	return Token{Access: nt.AccessToken, Gen: gen, Expiry: expiry}, nil
}

// tokenLifetime is how long a new access token lives: expires_in, else what
// its Expiry says, else an hour (a refusal refreshes it sooner).
func tokenLifetime(t *oauth2.Token) time.Duration {
	switch {
	case t.ExpiresIn > 0:
		return time.Duration(t.ExpiresIn) * time.Second
	case !t.Expiry.IsZero() && time.Until(t.Expiry) > 0:
		return time.Until(t.Expiry)
	}
	return time.Hour
}

// permanent reports a refusal of the refresh token that trying again will
// not change (RFC 6749 §5.2), with the provider's words.
func permanent(err error) (string, bool) {
	var re *oauth2.RetrieveError
	if !errors.As(err, &re) {
		return "", false
	}
	switch re.ErrorCode {
	case "invalid_grant", "invalid_client", "unauthorized_client", "invalid_scope":
	default:
		return "", false
	}
	reason := re.ErrorCode
	if d := oneLine(re.ErrorDescription, 300); d != "" {
		reason += " (" + d + ")"
	}
	return reason, true
}

// fail marks the account failed for good unless another instance did, or
// it changed since r; the instance that marks it starts the incident.
func (a *Account) fail(ctx context.Context, r record, reason string) {
	ctx = context.WithoutCancel(ctx)
	n, err := failScript.Run(ctx, a.rdb, []string{a.key}, r.gen, reason, a.now().UnixMilli()).Int64()
	if err != nil {
		a.log.Warn("oauth2: record a failed sign-in", slog.String("account", a.ID), slog.Any("error", err))
		return
	}
	if n == 0 {
		return
	}
	a.failures.Inc()
	a.log.Error("oauth2 sign-in refused for good; a manager must reconnect it on the settings page",
		slog.String("account", a.ID), slog.String("username", a.Username), slog.String("reason", reason), slog.Int64("incident", n))
	a.mgr.notify(ctx, a)
}

// Refused records that the mail server refused tok (its answer in why),
// and expires the token so that the next sign-in refreshes it.
func (a *Account) Refused(ctx context.Context, tok Token, why error) {
	a.failures.Inc()
	text := oneLine(why.Error(), 300)
	err := refuseScript.Run(context.WithoutCancel(ctx), a.rdb, []string{a.key}, tok.Gen, text, a.now().UnixMilli()).Err()
	if err != nil {
		a.log.Warn("oauth2: record a refused token", slog.String("account", a.ID), slog.Any("error", err))
	}
	a.log.Debug("the mail server refused the oauth2 access token; the next sign-in refreshes it",
		slog.String("account", a.ID), slog.String("answer", text))
}

// Accepted records that a sign-in succeeded: a refusal noted before is
// forgotten.
func (a *Account) Accepted(ctx context.Context) {
	_ = a.rdb.HDel(context.WithoutCancel(ctx), a.key, "refused", "refused_at").Err() // only a note for the settings page
}

// WaitConnected waits until a manager connects the account (anew), or ctx
// ends: it looks at Redis every second. A sign-in that only a manager can
// help waits here rather than retrying with backoff, so that mail flows
// within seconds of the connection.
func (a *Account) WaitConnected(ctx context.Context) error {
	r, err := a.load(ctx)
	if err != nil {
		return err
	}
	t := time.NewTicker(time.Second)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-t.C:
		}
		v, err := a.rdb.HMGet(ctx, a.key, "gen", "failed", "refresh").Result()
		if err != nil {
			continue // Redis away: look again
		}
		gen, _ := v[0].(string)
		failed, _ := v[1].(string)
		refresh, _ := v[2].(string)
		if gen != fmt.Sprint(r.gen) && failed == "" && refresh != "" {
			return nil
		}
	}
}

// Keep keeps the access token fresh while ctx lasts and holding (nil: always)
// says this instance should: it refreshes it a little before it expires, so
// that a sign-in always finds a good token and a revoked consent shows
// within one token's life. A mailbox's is kept by its lease holder.
func (a *Account) Keep(ctx context.Context, holding func() bool) {
	backoff, failing := time.Duration(0), false
	for ctx.Err() == nil {
		if holding != nil && !holding() {
			sleep(ctx, time.Second)
			continue
		}
		r, err := a.load(ctx)
		if err != nil {
			sleep(ctx, 5*time.Second)
			continue
		}
		if r.failed != "" || !r.connected() {
			sleep(ctx, 5*time.Second) // until a manager connects it
			continue
		}
		if due := r.expiry.Add(-margin(r.lifetime)); r.access != "" && a.now().Before(due) {
			sleep(ctx, min(due.Sub(a.now())+10*time.Millisecond, 30*time.Second))
			continue
		}
		_, err = a.Token(ctx)
		switch {
		case err == nil:
			if failing {
				a.log.Info("oauth2 token refreshed again", slog.String("account", a.ID))
			}
			backoff, failing = 0, false
		case ctx.Err() != nil:
			return
		case errors.Is(err, ErrRevoked), errors.Is(err, ErrNotConnected):
			// The incident is logged where it started.
		default:
			if !failing {
				a.log.Warn("oauth2 token refresh failed; trying again", slog.String("account", a.ID), slog.Any("error", err))
			}
			failing = true
			backoff = min(max(2*backoff, time.Second), time.Minute)
			sleep(ctx, backoff)
		}
	}
}

func sleep(ctx context.Context, d time.Duration) {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-ctx.Done():
	case <-t.C:
	}
}

func randomHex(n int) string {
	b := make([]byte, n)
	_, _ = rand.Read(b) // never fails (crypto/rand)
	return hex.EncodeToString(b)
}

// oneLine keeps the first max bytes of s on one line.
func oneLine(s string, max int) string {
	s = strings.Join(strings.Fields(s), " ")
	if len(s) > max {
		s = strings.ToValidUTF8(s[:max], "") + "…"
	}
	return s
}
