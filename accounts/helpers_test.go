package accounts

import (
	"context"
	"crypto/rand"
	"os"
	"testing"
	"time"

	"github.com/alicebob/miniredis/v2"
	"github.com/redis/go-redis/v9"
)

// testRedis is the Redis a test runs against: the real one named by
// FRONTDESK_TEST_REDIS_URL when set, else an in-process miniredis.
type testRedis struct {
	client redis.UniversalClient
	prefix string // unique per test; the test's keys are deleted afterwards
	mini   *miniredis.Miniredis
}

func newTestRedis(t testing.TB) *testRedis {
	t.Helper()
	tr := &testRedis{prefix: "fdtest-" + rand.Text()[:10]}
	url := os.Getenv("FRONTDESK_TEST_REDIS_URL")
	if url == "" {
		tr.mini = miniredis.RunT(t)
		tr.client = redis.NewClient(&redis.Options{Addr: tr.mini.Addr(), PoolSize: 50})
		t.Cleanup(func() { _ = tr.client.Close() })
		return tr
	}
	opts, err := redis.ParseURL(url)
	if err != nil {
		t.Fatalf("FRONTDESK_TEST_REDIS_URL: %v", err)
	}
	opts.PoolSize = 50
	tr.client = redis.NewClient(opts)
	t.Cleanup(func() { _ = tr.client.Close() })
	if err := tr.client.Ping(context.Background()).Err(); err != nil {
		t.Fatalf("FRONTDESK_TEST_REDIS_URL=%s does not answer: %v", url, err)
	}
	// Cleanups run last-in first-out: this one runs before the Close above.
	t.Cleanup(func() { tr.deleteKeys(t) })
	return tr
}

func (tr *testRedis) keys(t testing.TB) []string {
	t.Helper()
	ctx := context.Background()
	iter := tr.client.Scan(ctx, 0, tr.prefix+":*", 1000).Iterator()
	var keys []string
	for iter.Next(ctx) {
		keys = append(keys, iter.Val())
	}
	if err := iter.Err(); err != nil {
		t.Errorf("scan test keys: %v", err)
	}
	return keys
}

func (tr *testRedis) deleteKeys(t testing.TB) {
	for _, k := range tr.keys(t) {
		if err := tr.client.Del(context.Background(), k).Err(); err != nil {
			t.Errorf("delete test key %s: %v", k, err)
		}
	}
}

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
