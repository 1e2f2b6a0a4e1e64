package accounts

import (
	"context"
	"embed"
	"errors"
	"fmt"
	"runtime"
	"slices"
	"strconv"
	"sync"
	"sync/atomic"
	"time"

	"frontdesk/fault"

	"github.com/redis/go-redis/v9"
)

// Store keeps the users in Redis, under PREFIX:accounts:{users}:…. The one
// hash tag puts every account key in one Redis Cluster slot, so each change
// (create a user with its first token, revoke a token) is one atomic script.
// A Store is safe for concurrent use.
type Store struct {
	rdb  redis.UniversalClient
	base string // "PREFIX:accounts:{users}:"

	params    argonParams
	hashSlots chan struct{} // bounds concurrent argon2id runs (and their memory)
	waiting   atomic.Int64  // attempts waiting for a hashing slot
	// maxWaiting attempts may wait for a slot, each at most hashWait;
	// others are ErrBusy at once.
	maxWaiting int64
	hashWait   time.Duration
	dummyOnce  sync.Once
	dummy      string

	// The login brakes: maxAttempts password attempts per name, and
	// maxClientAttempts per client address, within window.
	maxAttempts       int64
	maxClientAttempts int64
	window            time.Duration

	now func() time.Time
}

// New returns the store of the users under prefix ("frontdesk" when empty).
func New(rdb redis.UniversalClient, prefix string) *Store {
	if prefix == "" {
		prefix = "frontdesk"
	}
	return &Store{
		rdb:               rdb,
		base:              prefix + ":accounts:{users}:",
		params:            defaultParams,
		hashSlots:         make(chan struct{}, hashSlots(runtime.GOMAXPROCS(0))),
		maxWaiting:        maxHashWaiting,
		hashWait:          maxHashWait,
		maxAttempts:       5,
		maxClientAttempts: 20,
		window:            15 * time.Minute,
		now:               time.Now,
	}
}

func (s *Store) userKey(name string) string   { return s.base + "user:" + name }
func (s *Store) namesKey() string             { return s.base + "names" }
func (s *Store) tokenKey(sha string) string   { return s.base + "token:" + sha }
func (s *Store) tokensKey(name string) string { return s.base + "tokens:" + name }

//go:embed lua/*.lua
var luaFiles embed.FS

func script(name string) *redis.Script {
	b, err := luaFiles.ReadFile("lua/" + name + ".lua")
	if err != nil {
		panic(fmt.Sprintf("accounts: embedded script %s: %v", name, err))
	}
	return redis.NewScript(string(b))
}

var (
	addScript       = script("add")
	tokenScript     = script("token")
	revokeScript    = script("revoke")
	revokeAllScript = script("revokeall")
	updateScript    = script("update")
	rehashScript    = script("rehash")
	attemptScript   = script("attempt")
	settleScript    = script("settle")
	sessionScript   = script("session")
	whoisScript     = script("whois")
	passwordScript  = script("password")
	changeScript    = script("change")
)

// Add creates a user with its first API token, which it returns: the only
// time the token is seen. An empty password makes a user that signs in with
// tokens only. The name must satisfy ValidateName and a password
// ValidatePassword (fault.ErrInvalid); a taken name is ErrExists.
func (s *Store) Add(ctx context.Context, name string, role Role, password string) (string, error) {
	if err := ValidateName(name); err != nil {
		return "", fmt.Errorf("add user: %w", err)
	}
	if err := validateRole(role); err != nil {
		return "", fmt.Errorf("add user %s: %w", name, err)
	}
	var hash string
	if password != "" {
		if err := ValidatePassword(password); err != nil {
			return "", fmt.Errorf("add user %s: %w", name, err)
		}
		if err := s.hashing(ctx, func() { hash = hashPassword(s.params, password) }); err != nil {
			return "", fmt.Errorf("add user %s: %w", name, err)
		}
	}
	token, sha := newToken()
	created := strconv.FormatInt(s.now().UnixMilli(), 10)
	keys := []string{s.userKey(name), s.namesKey(), s.tokenKey(sha), s.tokensKey(name)}
	n, err := addScript.Run(ctx, s.rdb, keys, name, string(role), hash, created, sha).Int()
	switch {
	case err != nil:
		return "", fault.Redis("add user "+name, err)
	case n == 0:
		return "", fmt.Errorf("add user %s: %w", name, ErrExists)
	case n < 0:
		return "", fmt.Errorf("add user %s: new token collides with a stored one", name)
	}
	return token, nil
}

// Get returns the user called name; an unknown name wraps fault.ErrNotFound.
func (s *Store) Get(ctx context.Context, name string) (User, error) {
	u, _, err := s.get(ctx, name)
	return u, err
}

// get returns the user and its password hash ("" when it has none).
func (s *Store) get(ctx context.Context, name string) (User, string, error) {
	if ValidateName(name) != nil {
		return User{}, "", fmt.Errorf("user %q: %w", name, fault.ErrNotFound)
	}
	h, err := s.rdb.HGetAll(ctx, s.userKey(name)).Result()
	if err != nil {
		return User{}, "", fault.Redis("get user "+name, err)
	}
	if len(h) == 0 {
		return User{}, "", fmt.Errorf("user %s: %w", name, fault.ErrNotFound)
	}
	return userFrom(name, h), h["hash"], nil
}

// userOf decodes the {name, role, away, created, disabled} reply of the
// session and whois scripts; a removed user (no role) is ErrUnauthorized.
func userOf(v []any) (User, error) {
	if len(v) != 5 {
		return User{}, fmt.Errorf("decode user: unexpected reply of %d parts", len(v))
	}
	name, _ := v[0].(string)
	role, _ := v[1].(string)
	if name == "" || role == "" {
		return User{}, ErrUnauthorized
	}
	away, _ := v[2].(string)
	created, _ := v[3].(string)
	disabled, _ := v[4].(string)
	return userFrom(name, map[string]string{"role": role, "away": away, "created": created, "disabled": disabled}), nil
}

func userFrom(name string, h map[string]string) User {
	u := User{Name: name, Role: Role(h["role"]), Away: h["away"] == "1", Disabled: h["disabled"] == "1", passwordGen: h["pwgen"]}
	if ms, err := strconv.ParseInt(h["created"], 10, 64); err == nil {
		u.CreatedAt = time.UnixMilli(ms).UTC()
	}
	return u
}

// List returns every user, sorted by name.
func (s *Store) List(ctx context.Context) ([]User, error) {
	names, err := s.rdb.SMembers(ctx, s.namesKey()).Result()
	if err != nil {
		return nil, fault.Redis("list users", err)
	}
	slices.Sort(names)
	cmds := make([]*redis.MapStringStringCmd, len(names))
	if len(names) > 0 {
		_, err = s.rdb.Pipelined(ctx, func(p redis.Pipeliner) error {
			for i, name := range names {
				cmds[i] = p.HGetAll(ctx, s.userKey(name))
			}
			return nil
		})
		if err != nil {
			return nil, fault.Redis("list users", err)
		}
	}
	users := make([]User, 0, len(names))
	for i, name := range names {
		if h := cmds[i].Val(); len(h) > 0 {
			users = append(users, userFrom(name, h))
		}
	}
	return users, nil
}

// SetAway marks a user away (routing passes them over) or back.
func (s *Store) SetAway(ctx context.Context, name string, away bool) error {
	v := "0"
	if away {
		v = "1"
	}
	return s.update(ctx, "set away of user", name, "away", v)
}

// SetPassword replaces a user's password (ValidatePassword applies), lifts a
// login lock on the name and ends the user's web sessions: whoever knew the
// old password is signed out. API tokens stay valid; RevokeTokens ends them.
func (s *Store) SetPassword(ctx context.Context, name, password string) error {
	if err := ValidatePassword(password); err != nil {
		return fmt.Errorf("set password of user %s: %w", name, err)
	}
	if ValidateName(name) != nil {
		return fmt.Errorf("set password of user %q: %w", name, fault.ErrNotFound)
	}
	var hash string
	if err := s.hashing(ctx, func() { hash = hashPassword(s.params, password) }); err != nil {
		return fmt.Errorf("set password of user %s: %w", name, err)
	}
	n, err := passwordScript.Run(ctx, s.rdb, []string{s.userKey(name), s.failuresKey(name)}, hash).Int()
	switch {
	case err != nil:
		return fault.Redis("set password of user "+name, err)
	case n == 0:
		return fmt.Errorf("set password of user %s: %w", name, fault.ErrNotFound)
	}
	// The sessions are over already (their pwgen is old); this only
	// deletes them.
	_, err = s.EndSessions(ctx, name)
	return err
}

// update sets fields of an existing user.
func (s *Store) update(ctx context.Context, what, name string, fieldValues ...any) error {
	if ValidateName(name) != nil {
		return fmt.Errorf("%s %q: %w", what, name, fault.ErrNotFound)
	}
	n, err := updateScript.Run(ctx, s.rdb, []string{s.userKey(name)}, fieldValues...).Int()
	switch {
	case err != nil:
		return fault.Redis(what+" "+name, err)
	case n == 0:
		return fmt.Errorf("%s %s: %w", what, name, fault.ErrNotFound)
	}
	return nil
}

// isNil reports whether err is Redis's "no such key" answer.
func isNil(err error) bool { return errors.Is(err, redis.Nil) }
