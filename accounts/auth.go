package accounts

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"fmt"
	"net/netip"
	"strings"
	"time"

	"frontdesk/fault"
)

// API tokens are "fd_" and the unpadded base64url of 32 random bytes. Redis
// keeps only their SHA-256: a copy of the database signs nobody in. A fast
// hash is enough for 256 random bits; a slow one is for guessable passwords.
const (
	tokenPrefix   = "fd_"
	tokenBytes    = 32
	tokenLen      = len(tokenPrefix) + (tokenBytes*8+5)/6
	maxTokenInput = 256
)

func newToken() (token, sha string) {
	b := make([]byte, tokenBytes)
	_, _ = rand.Read(b) // never fails: it crashes the program instead (Go 1.24+)
	token = tokenPrefix + base64.RawURLEncoding.EncodeToString(b)
	return token, tokenSHA(token)
}

func tokenSHA(token string) string {
	sum := sha256.Sum256([]byte(token))
	return hex.EncodeToString(sum[:])
}

// wellFormed reports whether token could be one this package made.
func wellFormed(token string) bool {
	if len(token) != tokenLen || !strings.HasPrefix(token, tokenPrefix) {
		return false
	}
	b, err := base64.RawURLEncoding.Strict().DecodeString(token[len(tokenPrefix):])
	return err == nil && len(b) == tokenBytes
}

// Authenticate returns the user an API token belongs to. A malformed,
// unknown, revoked or expired token, or one of a disabled user, is
// ErrUnauthorized.
func (s *Store) Authenticate(ctx context.Context, token string) (User, error) {
	if !wellFormed(token) {
		return User{}, ErrUnauthorized
	}
	v, err := whoisScript.Run(ctx, s.rdb, []string{s.tokenKey(tokenSHA(token))}, s.base+"user:").Slice()
	switch {
	case isNil(err):
		return User{}, ErrUnauthorized
	case err != nil:
		return User{}, fault.Redis("authenticate token", err)
	}
	return userOf(v) // a token left behind by a removed user is ErrUnauthorized
}

// NewToken makes another API token for an existing user, beside their
// others and without expiry, and returns it: the only time it is seen. An
// unknown user wraps fault.ErrNotFound.
func (s *Store) NewToken(ctx context.Context, name string) (string, error) {
	token, _, err := s.IssueToken(ctx, name, TokenOptions{})
	return token, err
}

// MaxTokenLifetime is the longest expiry IssueToken accepts.
const MaxTokenLifetime = 10 * 365 * 24 * time.Hour

// TokenOptions say what kind of token IssueToken makes. The zero value makes
// one that never expires, beside the user's others.
type TokenOptions struct {
	// Expires is how long the token works from now, at most
	// MaxTokenLifetime; 0 means until it is revoked. Redis's clock decides,
	// as for every other expiry.
	Expires time.Duration
	// ReplaceOthers revokes every other token of the user in the same
	// step: the way to end a token that may have leaked.
	ReplaceOthers bool
}

// IssueToken makes a new API token for an existing user and returns it (the
// only time it is seen) and how many other tokens it revoked. A token issued
// to a disabled user works once they are enabled. An unknown user wraps
// fault.ErrNotFound, a negative or too long expiry fault.ErrInvalid.
func (s *Store) IssueToken(ctx context.Context, name string, opts TokenOptions) (string, int, error) {
	what := "new token for user " + name
	if ValidateName(name) != nil {
		return "", 0, fmt.Errorf("new token for user %q: %w", name, fault.ErrNotFound)
	}
	if opts.Expires < 0 || opts.Expires > MaxTokenLifetime {
		return "", 0, fmt.Errorf("%s: %w: expiry %v: must be between none and %d days", what, fault.ErrInvalid, opts.Expires, MaxTokenLifetime/(24*time.Hour))
	}
	// Rounded up to whole milliseconds: a 1ns expiry is not "never".
	ms := (opts.Expires + time.Millisecond - 1).Milliseconds()
	replace := "0"
	if opts.ReplaceOthers {
		replace = "1"
	}
	token, sha := newToken()
	keys := []string{s.userKey(name), s.tokenKey(sha), s.tokensKey(name)}
	v, err := tokenScript.Run(ctx, s.rdb, keys, name, sha, ms, replace, s.tokenKey("")).Int64Slice()
	switch {
	case err != nil:
		return "", 0, fault.Redis(what, err)
	case len(v) == 0:
		return "", 0, fmt.Errorf("%s: unexpected empty reply", what)
	case v[0] == 0:
		return "", 0, fmt.Errorf("%s: %w", what, fault.ErrNotFound)
	case v[0] < 0 || len(v) < 2:
		return "", 0, fmt.Errorf("%s: it collides with a stored one", what)
	}
	return token, int(v[1]), nil
}

// RevokeToken ends an API token (a logout). A malformed, unknown or already
// revoked token wraps fault.ErrNotFound.
func (s *Store) RevokeToken(ctx context.Context, token string) error {
	if !wellFormed(token) {
		return fmt.Errorf("revoke token: %w", fault.ErrNotFound)
	}
	sha := tokenSHA(token)
	name, err := s.rdb.Get(ctx, s.tokenKey(sha)).Result()
	switch {
	case isNil(err):
		return fmt.Errorf("revoke token: %w", fault.ErrNotFound)
	case err != nil:
		return fault.Redis("revoke token", err)
	}
	n, err := revokeScript.Run(ctx, s.rdb, []string{s.tokenKey(sha), s.tokensKey(name)}, name, sha).Int()
	switch {
	case err != nil:
		return fault.Redis("revoke token", err)
	case n == 0: // revoked by someone else meanwhile
		return fmt.Errorf("revoke token: %w", fault.ErrNotFound)
	}
	return nil
}

// RevokeTokens ends every API token of a user and says how many there were.
// The user need not exist any more.
func (s *Store) RevokeTokens(ctx context.Context, name string) (int, error) {
	if ValidateName(name) != nil {
		return 0, nil
	}
	n, err := revokeAllScript.Run(ctx, s.rdb, []string{s.tokensKey(name)}, s.tokenKey(""), name).Int()
	if err != nil {
		return 0, fault.Redis("revoke tokens of user "+name, err)
	}
	return n, nil
}

// CheckPassword returns the user when password is theirs. A wrong name or
// password is ErrUnauthorized either way, and takes about as long: a name
// without a password is checked against a dummy hash. The right password of
// a disabled user is ErrDisabled. client is the address the attempt comes
// from (the zero Addr when unknown: such attempts share one count).
//
// Two brakes hold before any password is checked, both counted in Redis so
// that every instance sees the same counts (brake.go):
//
//   - per name: every attempt counts, for 15 minutes from the first one;
//     the 6th and later attempts in that window are ErrLocked, right
//     password or not. A successful login clears the count, as does
//     SetPassword. Names that do not exist are counted the same, so a lock
//     does not tell whether a name exists.
//   - per client address (an IPv6 address by its /64): every attempt counts
//     until it turns out right, for 15 minutes from the first one; once 20
//     have counted, further attempts from there are ErrAddressLocked
//     (errors.Is ErrLocked too) and count against no name, whatever the
//     name. This is what stops one client trying a password on many names.
//
// At most a few passwords are checked at once (hashing); an attempt that
// cannot have its turn soon is ErrBusy and counts against neither brake.
func (s *Store) CheckPassword(ctx context.Context, name, password string, client netip.Addr) (User, error) {
	what := "check password"
	validName := ValidateName(name) == nil
	if validName {
		what += " of user " + name
	}
	b, err := s.attempt(ctx, name, validName, client)
	if err != nil {
		return User{}, fmt.Errorf("%s: %w", what, err)
	}
	var u User
	var hash string
	if validName {
		u, hash, err = s.get(ctx, name)
		if fault.IsUnavailable(err) {
			b.settle(ctx, false)
			return User{}, err
		}
	}
	found := err == nil && hash != ""
	if !found {
		hash = s.dummyHash()
	}
	var ok, stale bool
	if err := s.hashing(ctx, func() { ok, stale = verifyPassword(hash, password, s.params) }); err != nil {
		b.settle(ctx, false) // nothing was checked
		return User{}, fmt.Errorf("%s: %w", what, err)
	}
	if !found || !ok {
		return User{}, ErrUnauthorized
	}
	if err := b.settle(ctx, true); err != nil {
		return User{}, fault.Redis(what, err)
	}
	if stale {
		s.rehash(ctx, name, hash, password)
	}
	if u.Disabled {
		// Said only to whoever knows the password.
		return User{}, fmt.Errorf("%s: %w", what, ErrDisabled)
	}
	return u, nil
}

// rehash stores the password again with the current parameters. It is best
// effort: the login has succeeded already, and a failure here only means the
// next login tries again.
func (s *Store) rehash(ctx context.Context, name, old, password string) {
	var hash string
	if s.hashing(ctx, func() { hash = hashPassword(s.params, password) }) != nil {
		return
	}
	_ = rehashScript.Run(ctx, s.rdb, []string{s.userKey(name)}, old, hash).Err()
}
