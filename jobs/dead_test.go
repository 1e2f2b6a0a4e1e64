package jobs

import (
	"context"
	"errors"
	"fmt"
	"sync/atomic"
	"testing"
	"time"

	"frontdesk/fault"
)

// A dead job retried runs again at once with its attempts counted afresh,
// once however often it is retried; a purged one is gone and not taken up
// again when enqueued anew.
func TestRetryAndPurgeDeadJobs(t *testing.T) {
	tr := newTestRedis(t)
	q := New("media", testOptions(tr))
	ctx := context.Background()
	for _, id := range []string{"RE1", "RE2"} {
		if err := q.Enqueue(ctx, Job{ID: id, Kind: "voicemail"}, time.Time{}); err != nil {
			t.Fatal(err)
		}
	}
	var fail atomic.Bool
	fail.Store(true)
	var ran atomic.Int32
	stop := run(t, q, 1, func(_ context.Context, j Job) error {
		if fail.Load() {
			return Permanent(errors.New("download recording: 403 Forbidden"))
		}
		if j.ID == "RE1" && j.Attempt == 1 {
			ran.Add(1)
		}
		return nil
	})
	waitFor(t, "both dead", func() bool { return q.testStats(t).Dead == 2 })
	stop()

	fail.Store(false)
	for i, want := range []bool{true, false} {
		if got, err := q.Retry(ctx, "RE1"); err != nil || got != want {
			t.Fatalf("retry %d = %v, %v; want %v", i+1, got, err, want)
		}
	}
	if got, err := q.Purge(ctx, "RE2"); err != nil || !got {
		t.Fatalf("purge = %v, %v", got, err)
	}
	if got, err := q.Purge(ctx, "RE2"); err != nil || got {
		t.Fatalf("second purge = %v, %v; want false", got, err)
	}
	if err := q.Enqueue(ctx, Job{ID: "RE2"}, time.Time{}); err != nil {
		t.Fatal(err)
	}
	if st := q.testStats(t); st.Dead != 0 || st.Pending != 1 {
		t.Fatalf("stats after retry and purge: %+v, want one pending (RE1), none dead", st)
	}
	run(t, q, 1, func(_ context.Context, j Job) error {
		if j.ID == "RE1" && j.Attempt == 1 {
			ran.Add(1)
		}
		return nil
	})
	waitFor(t, "RE1 done", func() bool { return q.testIsDone(t, "RE1") })
	if n := ran.Load(); n != 1 {
		t.Fatalf("RE1 ran %d times on its first fresh attempt, want 1", n)
	}
}

// A handler that finds Redis unavailable has not used up an attempt: a job
// with two attempts survives five such failures and then runs.
func TestRedisUnavailableIsNoAttempt(t *testing.T) {
	tr := newTestRedis(t)
	o := testOptions(tr)
	o.MaxAttempts, o.BackoffMin, o.BackoffMax = 2, time.Millisecond, 2*time.Millisecond
	q := New("media", o)
	ctx := context.Background()
	if err := q.Enqueue(ctx, Job{ID: "RE9", Kind: "voicemail"}, time.Time{}); err != nil {
		t.Fatal(err)
	}
	var calls, lastAttempt atomic.Int32
	run(t, q, 1, func(_ context.Context, j Job) error {
		lastAttempt.Store(int32(j.Attempt))
		if calls.Add(1) <= 5 {
			return fmt.Errorf("store the recording: %w", fault.Unavailable(errors.New("dial tcp: connection refused")))
		}
		return nil
	})
	waitFor(t, "RE9 done", func() bool { return q.testIsDone(t, "RE9") })
	if c, a := calls.Load(), lastAttempt.Load(); c != 6 || a != 1 {
		t.Fatalf("%d calls, the last as attempt %d; want 6, attempt 1", c, a)
	}
	if st := q.testStats(t); st.Dead != 0 {
		t.Fatalf("stats: %+v", st)
	}
}

// A job that used up its quick tries keeps trying slowly until SlowFor
// after it was enqueued, saying so once (Struggling); then it dies, saying
// so (Dead).
func TestSlowRetriesForADayThenDead(t *testing.T) {
	tr := newTestRedis(t)
	c := newClock()
	o := testOptions(tr)
	o.Now, o.MaxAttempts, o.BackoffMin, o.BackoffMax = c.Now, 2, time.Millisecond, time.Millisecond
	o.SlowFor, o.SlowEvery = 24*time.Hour, time.Hour
	var struggling, dead atomic.Int32
	o.Struggling = func(context.Context, Job, error) { struggling.Add(1) }
	o.Dead = func(context.Context, Job, error) { dead.Add(1) }
	q := New("media", o)
	ctx := context.Background()
	if err := q.Enqueue(ctx, Job{ID: "RE7", Kind: "media"}, time.Time{}); err != nil {
		t.Fatal(err)
	}
	start := c.Now()
	var calls atomic.Int32
	run(t, q, 1, func(context.Context, Job) error { calls.Add(1); return errors.New("download: 403 Forbidden") })
	waitFor(t, "two quick tries", func() bool { c.Add(time.Second); return calls.Load() >= 2 && struggling.Load() == 1 })
	for i := 0; i < 30 && dead.Load() == 0; i++ {
		before := calls.Load()
		c.Add(time.Hour + time.Hour/4)
		waitFor(t, "an hourly try", func() bool { return calls.Load() > before || dead.Load() == 1 })
	}
	if d := c.Now().Sub(start); d < 23*time.Hour || d > 27*time.Hour {
		t.Fatalf("dead after %v, want about a day", d)
	}
	if dead.Load() != 1 || struggling.Load() != 1 {
		t.Fatalf("struggling %d, dead %d; want 1 and 1", struggling.Load(), dead.Load())
	}
	if st := q.testStats(t); st.Dead != 1 {
		t.Fatalf("stats: %+v", st)
	}
}
