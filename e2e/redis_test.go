package e2e

import (
	"context"
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
	r := testredis.Real(t, "e2e")
	return &desk{url: r.URL, prefix: r.Prefix, rdb: r.Client}
}

// key is a desk key: P:{desk}:name.
func (d *desk) key(name string) string { return d.prefix + ":{desk}:" + name }

func (d *desk) ctx(t *testing.T) context.Context {
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	t.Cleanup(cancel)
	return ctx
}
