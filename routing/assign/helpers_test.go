package assign

import (
	"testing"

	"github.com/alicebob/miniredis/v2"
	"github.com/redis/go-redis/v9"

	"frontdesk/internal/testredis"
)

// testRedis is the test's Redis (package internal/testredis), under the
// names these tests use.
type testRedis struct {
	r      *testredis.Redis
	client *redis.Client
	prefix string // unique per test; the test's keys are deleted afterwards
	mini   *miniredis.Miniredis
}

func wrapRedis(r *testredis.Redis) *testRedis {
	return &testRedis{r: r, client: r.Client, prefix: r.Prefix, mini: r.Mini}
}

// newTestRedis is the real Redis of FRONTDESK_TEST_REDIS_URL, else miniredis.
func newTestRedis(t testing.TB) *testRedis { return wrapRedis(testredis.New(t)) }

// newMiniRedis is a miniredis also when a real Redis is named, for tests
// that stop and restart the server.
func newMiniRedis(t testing.TB) *testRedis { return wrapRedis(testredis.Mini(t)) }

// another is a further connection to the same Redis: another instance.
func (tr *testRedis) another(t testing.TB) *redis.Client { return tr.r.Another(t) }

// keys lists the test's keys.
func (tr *testRedis) keys(t testing.TB) []string { return tr.r.Keys(t) }
