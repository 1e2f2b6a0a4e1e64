package accounts

import (
	"net/netip"
	"testing"
	"time"

	"frontdesk/internal/testredis"
)

// advance lets d pass for the keys' TTLs: miniredis's clock is moved, a real
// Redis is waited for.
func advance(tr *testredis.Redis, d time.Duration) {
	if tr.Mini != nil {
		tr.Mini.FastForward(d)
		return
	}
	time.Sleep(d)
}

// testParams make argon2id cheap, so that tests (under -race too) run fast.
var testParams = argonParams{time: 1, memory: 64, threads: 1, saltLen: 16, keyLen: 32}

// newStore is a store on tr with cheap hashing and a fixed clock.
func newStore(tr *testredis.Redis) *Store {
	s := New(tr.Client, tr.Prefix)
	s.params = testParams
	s.now = func() time.Time { return time.UnixMilli(1_790_000_000_123) }
	return s
}

// newTestRedis is the real Redis of FRONTDESK_TEST_REDIS_URL, else
// miniredis, with a key prefix of the test's own (internal/testredis).
func newTestRedis(t testing.TB) *testredis.Redis { return testredis.New(t) }

// newMiniRedis is a miniredis also when a real Redis is named, for tests
// that stop and restart the server.
func newMiniRedis(t testing.TB) *testredis.Redis { return testredis.Mini(t) }

// testClient is the client address of the tests' logins.
var testClient = netip.MustParseAddr("192.0.2.1")
