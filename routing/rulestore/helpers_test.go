package rulestore

import (
	"testing"
	"time"

	"frontdesk/internal/testredis"
)

// waitFor polls cond until it holds, failing the test after limit.
func waitFor(t testing.TB, limit time.Duration, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(limit)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("%s did not happen within %s", what, limit)
		}
		time.Sleep(5 * time.Millisecond)
	}
}

// newTestRedis is the real Redis of FRONTDESK_TEST_REDIS_URL, else
// miniredis, with a key prefix of the test's own (internal/testredis).
func newTestRedis(t testing.TB) *testredis.Redis { return testredis.New(t) }

// newMiniRedis is a miniredis also when a real Redis is named, for tests
// that stop and restart the server.
func newMiniRedis(t testing.TB) *testredis.Redis { return testredis.Mini(t) }
