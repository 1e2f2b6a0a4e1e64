package redisstore

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"strconv"

	"github.com/redis/go-redis/v9"
)

// SchemaVersion is the version of the key layout (docs/redis-keys.md) this
// build reads and writes. It goes up when a release changes the layout in a
// way an older build would misread; such a release migrates the keys at
// start and then stores its version.
const SchemaVersion = 1

// ErrSchemaNewer means Redis holds keys of a newer layout than this build
// knows: a newer frontdesk wrote them, and this one must not touch them.
var ErrSchemaNewer = errors.New("redis holds a newer key schema")

// CheckSchema reads the key schema version stored in Redis
// (P:{desk}:schema) and returns the version found. A Redis without one
// (fresh, or written before versions were stored, which is version 1) gets
// this build's; a newer one is ErrSchemaNewer, naming both.
func (s *Store) CheckSchema(ctx context.Context) (int, error) {
	key := s.key("schema")
	if err := s.rdb.SetNX(ctx, key, SchemaVersion, 0).Err(); err != nil {
		return 0, wrap("store the key schema version", err)
	}
	v, err := s.rdb.Get(ctx, key).Result()
	if errors.Is(err, redis.Nil) {
		return 0, wrap("read the key schema version", fmt.Errorf("%s vanished", key))
	}
	if err != nil {
		return 0, wrap("read the key schema version", err)
	}
	n, err := strconv.Atoi(v)
	if err != nil || n < 1 {
		return 0, fmt.Errorf("%s is %q, not a key schema version: %w", key, v, ErrSchemaNewer)
	}
	if n > SchemaVersion {
		return n, fmt.Errorf("%s is %d, newer than this frontdesk's %d: run the frontdesk that wrote it, or a newer one (docs/operations.md, \"Upgrades\"): %w",
			key, n, SchemaVersion, ErrSchemaNewer)
	}
	return n, nil
}

// raiseScript sets the ticket counter to ARGV[1] when it is lower, and
// returns what it was.
var raiseScript = redis.NewScript(`
local cur = tonumber(redis.call('GET', KEYS[1]) or '0') or 0
if cur < tonumber(ARGV[1]) then redis.call('SET', KEYS[1], ARGV[1]) end
return cur`)

// TicketNumber returns the last ticket number handed out (the counter
// P:{desk}:seq:ticket), 0 when none was.
func (s *Store) TicketNumber(ctx context.Context) (int64, error) {
	v, err := s.rdb.Get(ctx, s.key("seq", "ticket")).Int64()
	if errors.Is(err, redis.Nil) {
		return 0, nil
	}
	if err != nil {
		return 0, wrap("read the ticket counter", err)
	}
	return v, nil
}

// RaiseTicketNumber makes the next ticket number higher than floor, if it
// is not already (a Redis restored from a backup is behind numbers handed out
// since), and returns the counter as it was.
func (s *Store) RaiseTicketNumber(ctx context.Context, floor int64) (int64, error) {
	cur, err := raiseScript.Run(ctx, s.rdb, []string{s.key("seq", "ticket")}, floor).Int64()
	if err != nil {
		return 0, wrap("raise the ticket counter", err)
	}
	return cur, nil
}

// Deployment returns the random id of the deployment whose data this Redis
// holds (P:{desk}:deployment), made on first use; a backup restored keeps it,
// a fresh Redis has a new one.
func (s *Store) Deployment(ctx context.Context) (string, error) {
	b := make([]byte, 8)
	_, _ = rand.Read(b)
	key := s.key("deployment")
	if err := s.rdb.SetNX(ctx, key, hex.EncodeToString(b), 0).Err(); err != nil {
		return "", wrap("store the deployment id", err)
	}
	v, err := s.rdb.Get(ctx, key).Result()
	if err != nil {
		return "", wrap("read the deployment id", err)
	}
	return v, nil
}
