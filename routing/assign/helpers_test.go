package assign

import (
	"testing"

	"frontdesk/internal/testredis"
)

// newTestRedis is the real Redis of FRONTDESK_TEST_REDIS_URL, else
// miniredis, with a key prefix of the test's own (internal/testredis).
func newTestRedis(t testing.TB) *testredis.Redis { return testredis.New(t) }

// newMiniRedis is a miniredis also when a real Redis is named, for tests
// that stop and restart the server.
func newMiniRedis(t testing.TB) *testredis.Redis { return testredis.Mini(t) }
