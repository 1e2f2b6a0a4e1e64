package e2e

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"os"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"

	"frontdesk/internal/testredis"
)

// desk is a test's Redis: a client and the key prefix of this test alone.
type desk struct {
	url    string
	prefix string
	rdb    *redis.Client
}

// newDesk connects to $FRONTDESK_TEST_REDIS_URL with a fresh prefix, and
// deletes the prefix's keys when the test ends. Without the variable the
// test is skipped, or fails when CI=true.
func newDesk(t *testing.T) *desk {
	t.Helper()
	url := os.Getenv("FRONTDESK_TEST_REDIS_URL")
	if url == "" {
		msg := "FRONTDESK_TEST_REDIS_URL not set (e.g. redis://127.0.0.1:6379/9): the end-to-end tests need a real Redis"
		if os.Getenv("CI") == "true" {
			t.Fatal(msg)
		}
		t.Skip(msg)
	}
	opts, err := redis.ParseURL(url)
	if err != nil {
		t.Fatalf("FRONTDESK_TEST_REDIS_URL: %v", err)
	}
	rdb := redis.NewClient(opts)
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	if err := rdb.Ping(ctx).Err(); err != nil {
		t.Fatalf("redis at %s: %v", url, err)
	}
	b := make([]byte, 6)
	_, _ = rand.Read(b)
	d := &desk{url: url, prefix: "e2e-" + hex.EncodeToString(b), rdb: rdb}
	t.Cleanup(func() {
		d.deleteKeys(t)
		_ = rdb.Close()
	})
	return d
}

// deleteKeys deletes every key under the prefix: P:{desk}:…, P:blob:{…},
// P:imap:{…}:….
func (d *desk) deleteKeys(t *testing.T) { testredis.DeleteKeys(t, d.rdb, d.prefix) }

// key is a desk key: P:{desk}:name.
func (d *desk) key(name string) string { return d.prefix + ":{desk}:" + name }

func (d *desk) ctx(t *testing.T) context.Context {
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	t.Cleanup(cancel)
	return ctx
}
