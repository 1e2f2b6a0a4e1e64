// Package testredis gives a test its Redis: the real one named by
// FRONTDESK_TEST_REDIS_URL when set (CI sets it), else an in-process
// miniredis; with a key prefix of the test's own, whose keys are deleted when
// the test ends.
package testredis

import (
	"context"
	"crypto/rand"
	"os"
	"testing"
	"time"

	"github.com/alicebob/miniredis/v2"
	"github.com/redis/go-redis/v9"
)

// Redis is a test's Redis.
type Redis struct {
	Client *redis.Client
	// Prefix is unique to the test; every key under it is deleted after.
	Prefix string
	// Mini is the in-process server, nil on a real Redis.
	Mini *miniredis.Miniredis
	// URL reaches the same server, for a second process.
	URL string
}

// New returns the real Redis of FRONTDESK_TEST_REDIS_URL, else a miniredis
// (with go-redis's usual patience for dialing: busy tests open many
// connections at once).
func New(t testing.TB) *Redis {
	t.Helper()
	url := os.Getenv("FRONTDESK_TEST_REDIS_URL")
	if url == "" {
		return mini(t, &redis.Options{PoolSize: 200})
	}
	return connect(t, url, "fdtest", 200)
}

// Real returns the real Redis of FRONTDESK_TEST_REDIS_URL, with a prefix that
// starts with stem, for tests that need a real server (other processes share
// it). Without the variable the test is skipped, or fails when CI=true.
func Real(t testing.TB, stem string) *Redis {
	t.Helper()
	url := os.Getenv("FRONTDESK_TEST_REDIS_URL")
	if url == "" {
		msg := "FRONTDESK_TEST_REDIS_URL not set (e.g. redis://127.0.0.1:6379/9): this test needs a real Redis"
		if os.Getenv("CI") == "true" {
			t.Fatal(msg)
		}
		t.Skip(msg)
	}
	return connect(t, url, stem, 0)
}

// connect returns a client of the Redis at url (poolSize 0: go-redis's
// default) with a fresh prefix starting with stem, whose keys are deleted
// when the test ends.
func connect(t testing.TB, url, stem string, poolSize int) *Redis {
	t.Helper()
	opts, err := redis.ParseURL(url)
	if err != nil {
		t.Fatalf("FRONTDESK_TEST_REDIS_URL: %v", err)
	}
	opts.PoolSize = poolSize
	r := &Redis{Client: redis.NewClient(opts), Prefix: stem + "-" + rand.Text()[:10], URL: url}
	t.Cleanup(func() { _ = r.Client.Close() })
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	if err := r.Client.Ping(ctx).Err(); err != nil {
		t.Fatalf("FRONTDESK_TEST_REDIS_URL=%s does not answer: %v", url, err)
	}
	// Cleanups run last-in first-out: this one runs before the Close above.
	t.Cleanup(func() { r.deleteKeys(t) })
	return r
}

// Mini returns an in-process miniredis even when a real Redis is named, for
// tests that stop and restart the server. Its client gives up at once on a
// stopped server, so that such tests see the failure quickly.
func Mini(t testing.TB) *Redis {
	t.Helper()
	return mini(t, &redis.Options{PoolSize: 50, MaxRetries: -1, DialerRetries: 1, DialTimeout: 200 * time.Millisecond})
}

func mini(t testing.TB, opts *redis.Options) *Redis {
	t.Helper()
	r := &Redis{Prefix: newPrefix(), Mini: miniredis.RunT(t)}
	r.URL = "redis://" + r.Mini.Addr() + "/0"
	opts.Addr = r.Mini.Addr()
	r.Client = redis.NewClient(opts)
	t.Cleanup(func() { _ = r.Client.Close() })
	return r
}

func newPrefix() string { return "fdtest-" + rand.Text()[:10] }

// Another is a further connection to the same Redis: another instance.
func (r *Redis) Another(t testing.TB) *redis.Client {
	t.Helper()
	opts := *r.Client.Options()
	c := redis.NewClient(&opts)
	t.Cleanup(func() { _ = c.Close() })
	return c
}

// Keys lists the test's keys.
func (r *Redis) Keys(t testing.TB) []string {
	t.Helper()
	ctx := context.Background()
	var keys []string
	iter := r.Client.Scan(ctx, 0, r.Prefix+":*", 1000).Iterator()
	for iter.Next(ctx) {
		keys = append(keys, iter.Val())
	}
	if err := iter.Err(); err != nil {
		t.Fatalf("scan test keys: %v", err)
	}
	return keys
}

func (r *Redis) deleteKeys(t testing.TB) { DeleteKeys(t, r.Client, r.Prefix) }

// DeleteKeys deletes every key under prefix ("PREFIX:…") on rdb, 500 at a
// time; failures are reported with t.Errorf.
func DeleteKeys(t testing.TB, rdb redis.UniversalClient, prefix string) {
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	iter := rdb.Scan(ctx, 0, prefix+":*", 1000).Iterator()
	var keys []string
	for iter.Next(ctx) {
		keys = append(keys, iter.Val())
	}
	if err := iter.Err(); err != nil {
		t.Errorf("scan test keys to delete: %v", err)
	}
	for len(keys) > 0 {
		n := min(len(keys), 500)
		if err := rdb.Del(ctx, keys[:n]...).Err(); err != nil {
			t.Errorf("delete test keys: %v", err)
			return
		}
		keys = keys[n:]
	}
}
