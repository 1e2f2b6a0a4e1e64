package assign

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
	url := os.Getenv("FRONTDESK_TEST_REDIS_URL")
	if url == "" {
		return newMiniRedis(t)
	}
	tr := &testRedis{prefix: "fdtest-" + rand.Text()[:10]}
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

// newMiniRedis is an in-process miniredis, also when a real Redis is named,
// for tests that stop and restart the server.
func newMiniRedis(t testing.TB) *testRedis {
	t.Helper()
	tr := &testRedis{prefix: "fdtest-" + rand.Text()[:10], mini: miniredis.RunT(t)}
	tr.client = redis.NewClient(&redis.Options{Addr: tr.mini.Addr(), PoolSize: 50,
		MaxRetries: -1, DialerRetries: 1, DialTimeout: 200 * time.Millisecond})
	t.Cleanup(func() { _ = tr.client.Close() })
	return tr
}

// client is a further connection to the same Redis: another instance.
func (tr *testRedis) another(t testing.TB) redis.UniversalClient {
	t.Helper()
	opts := *tr.client.(*redis.Client).Options()
	c := redis.NewClient(&opts)
	t.Cleanup(func() { _ = c.Close() })
	return c
}

func (tr *testRedis) deleteKeys(t testing.TB) {
	ctx := context.Background()
	iter := tr.client.Scan(ctx, 0, tr.prefix+":*", 1000).Iterator()
	var keys []string
	for iter.Next(ctx) {
		keys = append(keys, iter.Val())
	}
	if err := iter.Err(); err != nil {
		t.Errorf("scan test keys to delete: %v", err)
	}
	for _, k := range keys { // one by one: a cluster may spread them
		if err := tr.client.Del(ctx, k).Err(); err != nil {
			t.Errorf("delete test key %s: %v", k, err)
		}
	}
}
