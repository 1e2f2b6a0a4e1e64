package mailauth

import (
	"context"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"net/url"
	"time"

	"github.com/redis/go-redis/v9"
	"golang.org/x/oauth2"

	"frontdesk/fault"
)

// stateTTL is how long a manager has at the provider before the connection
// under way is forgotten.
const stateTTL = 10 * time.Minute

// pending is a connection under way, kept under its state.
type pending struct {
	Account  string `json:"account"`
	Verifier string `json:"verifier"` // PKCE (RFC 7636)
	Binding  string `json:"binding"`  // the session's, hashed
	User     string `json:"user"`
}

// bindingOf hashes what ties a connection to the session that started it.
func bindingOf(session string) string {
	sum := sha256.Sum256([]byte("frontdesk oauth2 state binding\x00" + session))
	return fmt.Sprintf("%x", sum)
}

func (m *Manager) stateKey(state string) string { return m.opts.Prefix + ":oauth2:state:" + state }

// Begin starts connecting account for user, in the session that session
// (a secret of the session, such as its form token) names: it returns the
// provider's authorization URL to send the browser to. fault.ErrNotFound for
// an unknown account; fault.ErrConflict when http.public_url is not set.
func (m *Manager) Begin(ctx context.Context, account, user, session string) (string, error) {
	a := m.byID[account]
	if a == nil {
		return "", fmt.Errorf("no mailbox or smtp %q signs in with OAuth2: %w", account, fault.ErrNotFound)
	}
	if !m.CanConnect() {
		return "", fmt.Errorf("%w: set http.public_url in the configuration: the provider sends you back to it", fault.ErrConflict)
	}
	state := randomHex(24)
	verifier := oauth2.GenerateVerifier()
	b, _ := json.Marshal(pending{Account: account, Verifier: verifier, Binding: bindingOf(session), User: user})
	if err := m.opts.Redis.Set(ctx, m.stateKey(state), b, stateTTL).Err(); err != nil {
		return "", fault.Redis("keep the OAuth2 connection under way", err)
	}
	opts := append(authCodeOptions(a.cfg, a.Username), oauth2.S256ChallengeOption(verifier))
	return a.oc.AuthCodeURL(state, opts...), nil
}

// Callback is what the provider sent the browser back with.
type Callback struct {
	State, Code string
	// Error and ErrorDescription are set when the provider did not grant
	// access (RFC 6749 §4.1.2.1): the person declined, say.
	Error, ErrorDescription string
}

// Complete finishes the connection a callback names, in the session that
// started it: it trades the code for tokens and stores them, and answers the
// account's new status. The state is used up whatever happens. A state
// unknown, expired, used or from another session, or the provider's refusal,
// is fault.ErrInvalid saying so.
func (m *Manager) Complete(ctx context.Context, cb Callback, user, session string) (Status, error) {
	if cb.State == "" {
		return Status{}, fmt.Errorf("%w: the provider's answer has no state; start again with Connect", fault.ErrInvalid)
	}
	raw, err := m.opts.Redis.GetDel(ctx, m.stateKey(cb.State)).Bytes()
	if errors.Is(err, redis.Nil) {
		return Status{}, fmt.Errorf("%w: this sign-in has expired or was used already; start again with Connect", fault.ErrInvalid)
	}
	if err != nil {
		return Status{}, fault.Redis("read the OAuth2 connection under way", err)
	}
	var p pending
	if err := json.Unmarshal(raw, &p); err != nil {
		return Status{}, fmt.Errorf("read the OAuth2 connection under way: %w", err)
	}
	a := m.byID[p.Account]
	if a == nil {
		return Status{}, fmt.Errorf("%w: the account %q no longer signs in with OAuth2", fault.ErrInvalid, p.Account)
	}
	if subtle.ConstantTimeCompare([]byte(p.Binding), []byte(bindingOf(session))) != 1 || p.User != user {
		return Status{}, fmt.Errorf("%w: this sign-in was started in another session; start again with Connect", fault.ErrInvalid)
	}
	if cb.Error != "" {
		why := oneLine(cb.Error, 100)
		if d := oneLine(cb.ErrorDescription, 300); d != "" {
			why += ": " + d
		}
		return Status{}, fmt.Errorf("%w: %s did not connect %s (%s)", fault.ErrInvalid, a.Provider(), a.Label, why)
	}
	if cb.Code == "" {
		return Status{}, fmt.Errorf("%w: %s sent no code; start again with Connect", fault.ErrInvalid, a.Provider())
	}
	sent := a.now()
	hctx := context.WithValue(ctx, oauth2.HTTPClient, a.http)
	tok, err := a.oc.Exchange(hctx, cb.Code, oauth2.VerifierOption(p.Verifier))
	if err != nil {
		if reason, ok := permanent(err); ok {
			return Status{}, fmt.Errorf("%w: %s refused the sign-in: %s", fault.ErrInvalid, a.Provider(), reason)
		}
		return Status{}, fmt.Errorf("trade the code for tokens at %s: %w", a.Provider(), err)
	}
	if tok.RefreshToken == "" {
		return Status{}, fmt.Errorf("%w: %s gave no refresh token, so frontdesk could not stay signed in: remove frontdesk's access in the account's settings at %s and connect again", fault.ErrInvalid, a.Provider(), a.Provider())
	}
	lifetime := tokenLifetime(tok)
	res, err := connectScript.Run(ctx, a.rdb, []string{a.key}, "ui", a.seal("refresh", tok.RefreshToken), a.seal("access", tok.AccessToken),
		sent.Add(lifetime).UnixMilli(), lifetime.Milliseconds(), user, sent.UnixMilli(), "").Int64Slice()
	if err != nil {
		return Status{}, fault.Redis("store the OAuth2 connection of "+a.Label, err)
	}
	a.log.Info("oauth2 account connected", slog.String("account", a.ID), slog.String("by", user),
		slog.Bool("ended_a_failure", len(res) == 2 && res[1] == 1))
	r, err := a.load(ctx)
	if err != nil {
		return Status{}, err
	}
	return a.status(r), nil
}

// FormTargets are the origins of the providers' authorization pages: the
// settings page's Connect forms end there (its Content Security Policy's
// form-action).
func (m *Manager) FormTargets() []string {
	seen := map[string]bool{}
	var out []string
	for _, a := range m.accounts {
		u, err := url.Parse(a.oc.Endpoint.AuthURL)
		if err != nil || u.Host == "" {
			continue
		}
		o := u.Scheme + "://" + u.Host
		if !seen[o] {
			seen[o] = true
			out = append(out, o)
		}
	}
	return out
}
