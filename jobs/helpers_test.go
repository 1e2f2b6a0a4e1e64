package jobs

import (
	"context"
	"log/slog"
	"sync"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"

	"frontdesk/internal/testredis"
)

// clock is a settable clock for run times and leases.
type clock struct {
	mu  sync.Mutex
	now time.Time
}

func newClock() *clock { return &clock{now: time.UnixMilli(1_750_000_000_000)} }

func (c *clock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.now
}

func (c *clock) Add(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.now = c.now.Add(d)
}

// options are fast options for tests: workers poll every 2ms.
func testOptions(tr *testredis.Redis) *Options {
	return &Options{
		Redis:  tr.Client,
		Prefix: tr.Prefix,
		Logger: slog.New(slog.DiscardHandler),
		Poll:   2 * time.Millisecond,
	}
}

// run starts q.Run in the background and stops it when the test ends.
func run(t testing.TB, q *Queue, n int, h Handler) (stop func()) {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- q.Run(ctx, n, h) }()
	var once sync.Once
	stop = func() {
		once.Do(func() {
			cancel()
			if err := <-done; err != nil {
				t.Errorf("Run: %v", err)
			}
		})
	}
	t.Cleanup(stop)
	return stop
}

// waitFor polls cond until it holds, failing the test after 10 seconds.
func waitFor(t testing.TB, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s", what)
		}
		time.Sleep(2 * time.Millisecond)
	}
}

// testRecord reads a job's stored record, or fails the test.
func (q *Queue) testRecord(t testing.TB, id string) record {
	t.Helper()
	raw, err := q.rdb.HGet(context.Background(), q.keys.jobs, id).Result()
	if err != nil {
		t.Fatalf("read job %s: %v", id, err)
	}
	_, r, err := decodeRecord(id, raw)
	if err != nil {
		t.Fatal(err)
	}
	return r
}

// testStats is Stats or a failed test.
func (q *Queue) testStats(t testing.TB) Stats {
	t.Helper()
	st, err := q.Stats(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	return st
}

// testIsDone reports whether id is in the done set.
func (q *Queue) testIsDone(t testing.TB, id string) bool {
	t.Helper()
	err := q.rdb.ZScore(context.Background(), q.keys.done, id).Err()
	if err == redis.Nil {
		return false
	}
	if err != nil {
		t.Fatal(err)
	}
	return true
}

// newTestRedis is the real Redis of FRONTDESK_TEST_REDIS_URL, else
// miniredis, with a key prefix of the test's own (internal/testredis).
func newTestRedis(t testing.TB) *testredis.Redis { return testredis.New(t) }

// newMiniRedis is a miniredis also when a real Redis is named, for tests
// that stop and restart the server.
func newMiniRedis(t testing.TB) *testredis.Redis { return testredis.Mini(t) }
