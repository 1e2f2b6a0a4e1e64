package redisstore

import (
	"context"
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
