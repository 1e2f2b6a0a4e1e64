package accounts

import (
	"cmp"
	"context"
	"net/netip"
	"time"

	"frontdesk/fault"

	"github.com/redis/go-redis/v9"
)

// Web UI sessions are tokens like the API's ("fd_" and 32 random bytes), kept
// as their SHA-256 under a key of their own that expires after SessionIdle
// without use; every use pushes the expiry on, up to SessionMax after the
// login. The token itself lives only in the browser's cookie.
const (
	// SessionIdle is how long a session lasts without a request.
	SessionIdle = 12 * time.Hour
	// SessionMax is how long a session lasts at most, used or not.
	SessionMax = 7 * 24 * time.Hour
)

func (s *Store) sessionKey(sha string) string   { return s.base + "session:" + sha }
func (s *Store) sessionsKey(name string) string { return s.base + "sessions:" + name }

// Login checks a password from client (with CheckPassword's brakes:
// ErrUnauthorized, ErrLocked, ErrAddressLocked, ErrBusy, ErrDisabled) and
// starts a session for the user. It returns the user and the session token,
// which is seen only here.
func (s *Store) Login(ctx context.Context, name, password string, client netip.Addr) (User, string, error) {
	u, err := s.CheckPassword(ctx, name, password, client)
	if err != nil {
		return User{}, "", err
	}
	token, sha := newToken()
	started := s.now().UnixMilli()
	key, list := s.sessionKey(sha), s.sessionsKey(u.Name)
	_, err = s.rdb.TxPipelined(ctx, func(p redis.Pipeliner) error {
		// pwgen: a new password ends the session even if this login
		// checked the old one while it changed (see session.lua).
		p.HSet(ctx, key, "name", u.Name, "started", started, "pwgen", cmp.Or(u.passwordGen, "0"))
		p.PExpire(ctx, key, SessionIdle)
		// The user's sessions, so that a new password ends them all; the
		// list outlives none of them by more than SessionMax.
		p.SAdd(ctx, list, sha)
		p.PExpire(ctx, list, SessionMax)
		return nil
	})
	if err != nil {
		return User{}, "", fault.Redis("start session of user "+u.Name, err)
	}
	return u, token, nil
}

// Session returns the user of a session token and keeps the session alive.
// A malformed, unknown, expired or ended session, one whose user has a new
// password since, or one whose user has been disabled or removed, is
// ErrUnauthorized.
func (s *Store) Session(ctx context.Context, token string) (User, error) {
	if !wellFormed(token) {
		return User{}, ErrUnauthorized
	}
	v, err := sessionScript.Run(ctx, s.rdb, []string{s.sessionKey(tokenSHA(token))}, s.base+"user:",
		s.now().UnixMilli(), SessionMax.Milliseconds(), SessionIdle.Milliseconds()).Slice()
	switch {
	case isNil(err):
		return User{}, ErrUnauthorized
	case err != nil:
		return User{}, fault.Redis("read session", err)
	}
	return userOf(v)
}

// EndSessions ends every session of a user (a new password, a removed user)
// and says how many were live.
func (s *Store) EndSessions(ctx context.Context, name string) (int, error) {
	if ValidateName(name) != nil {
		return 0, nil
	}
	list := s.sessionsKey(name)
	shas, err := s.rdb.SMembers(ctx, list).Result()
	if err != nil {
		return 0, fault.Redis("end sessions of user "+name, err)
	}
	keys := []string{list}
	for _, sha := range shas {
		keys = append(keys, s.sessionKey(sha))
	}
	n, err := s.rdb.Del(ctx, keys...).Result()
	if err != nil {
		return 0, fault.Redis("end sessions of user "+name, err)
	}
	return int(max(n-1, 0)), nil
}

// Logout ends a session. Ending one that does not exist is not an error.
func (s *Store) Logout(ctx context.Context, token string) error {
	if !wellFormed(token) {
		return nil
	}
	if err := s.rdb.Del(ctx, s.sessionKey(tokenSHA(token))).Err(); err != nil {
		return fault.Redis("end session", err)
	}
	return nil
}
