package accounts

import (
	"testing"
	"time"

	"github.com/alicebob/miniredis/v2"
	"github.com/redis/go-redis/v9"

	"frontdesk/internal/testredis"
)

// advance lets d pass for the keys' TTLs: miniredis's clock is moved, a real
// Redis is waited for.
func (tr *testRedis) advance(d time.Duration) {
	if tr.mini != nil {
		tr.mini.FastForward(d)
		return
	}
	time.Sleep(d)
}

// testParams make argon2id cheap, so that tests (under -race too) run fast.
var testParams = argonParams{time: 1, memory: 64, threads: 1, saltLen: 16, keyLen: 32}

// newStore is a store on tr with cheap hashing and a fixed clock.
func (tr *testRedis) newStore() *Store {
	s := New(tr.client, tr.prefix)
	s.params = testParams
	s.now = func() time.Time { return time.UnixMilli(1_790_000_000_123) }
	return s
}

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
