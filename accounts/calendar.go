package accounts

import (
	"context"
	"crypto/sha1" //nolint:gosec // the index's name for a random token, as Redis's sha1hex names it; not a secret's hash
	"encoding/hex"
	"errors"
	"fmt"

	"github.com/redis/go-redis/v9"

	"frontdesk/fault"
)

var calendarScript = script("calendar")

// CalendarToken returns the user's calendar token, making one the first
// time: the secret in the address of their calendar feed, which a calendar
// app fetches without signing in. Unlike an API token it is kept, so that
// the address can be shown again; it reads the calendar and nothing else.
// An unknown user wraps fault.ErrNotFound.
func (s *Store) CalendarToken(ctx context.Context, name string) (string, error) {
	return s.calendarToken(ctx, name, "get")
}

// ResetCalendarToken makes the user a new calendar token; the old address
// stops working at once (a leaked address is ended this way).
func (s *Store) ResetCalendarToken(ctx context.Context, name string) (string, error) {
	return s.calendarToken(ctx, name, "reset")
}

func (s *Store) calendarToken(ctx context.Context, name, op string) (string, error) {
	if ValidateName(name) != nil {
		return "", fmt.Errorf("calendar of user %q: %w", name, fault.ErrNotFound)
	}
	token, _ := newToken()
	v, err := calendarScript.Run(ctx, s.rdb, []string{s.userKey(name)}, s.base, op, "cal_"+token[len(tokenPrefix):], name).Text()
	switch {
	case errors.Is(err, redis.Nil):
		return "", fmt.Errorf("calendar of user %s: %w", name, fault.ErrNotFound)
	case err != nil:
		return "", fault.Redis("calendar of user "+name, err)
	}
	return v, nil
}

// CalendarUser returns the user a calendar token belongs to. An unknown or
// replaced token, or one of a disabled user, is ErrUnauthorized.
func (s *Store) CalendarUser(ctx context.Context, token string) (User, error) {
	if len(token) != tokenLen+1 || token[:4] != "cal_" {
		return User{}, ErrUnauthorized
	}
	sum := sha1.Sum([]byte(token)) //nolint:gosec // see the import
	name, err := s.rdb.Get(ctx, s.base+"calendar:"+hex.EncodeToString(sum[:])).Result()
	switch {
	case errors.Is(err, redis.Nil):
		return User{}, ErrUnauthorized
	case err != nil:
		return User{}, fault.Redis("check a calendar token", err)
	}
	u, err := s.Get(ctx, name)
	if errors.Is(err, fault.ErrNotFound) || (err == nil && u.Disabled) {
		return User{}, ErrUnauthorized
	}
	return u, err
}
