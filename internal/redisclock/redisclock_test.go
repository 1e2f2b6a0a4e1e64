package redisclock_test

import (
	"context"
	"log/slog"
	"net"
	"testing"
	"time"

	"github.com/alicebob/miniredis/v2"
	"github.com/redis/go-redis/v9"

	"frontdesk/internal/redisclock"
	"frontdesk/internal/testredis"
	"frontdesk/jobs"
)

// An instance whose own clock runs three minutes ahead still reads Redis's
// time.
func TestSkewedInstanceReadsRedisTime(t *testing.T) {
	tr := testredis.New(t)
	ctx := context.Background()
	ahead := func() time.Time { return time.Now().Add(3 * time.Minute) }
	c := redisclock.New(tr.Client, ahead, slog.New(slog.DiscardHandler))
	if err := c.Measure(ctx); err != nil {
		t.Fatal(err)
	}
	redisNow, err := tr.Client.Time(ctx).Result()
	if err != nil {
		t.Fatal(err)
	}
	if d := c.Now().Sub(redisNow); d > time.Second || d < -time.Second {
		t.Fatalf("the skewed instance's Now is %v off Redis's", d)
	}
	if off, ok := c.Offset(); !ok || off > -2*time.Minute {
		t.Fatalf("offset = %v, %v; want about -3 min", off, ok)
	}
}

// Of two instances sharing a job queue, the one whose clock runs three
// minutes ahead does not take a job whose lease another instance holds: both
// read leases on Redis's clock. On its own clock it would (the bug this
// package fixes).
func TestSkewedInstanceDoesNotStealALease(t *testing.T) {
	tr := testredis.New(t)
	ctx := context.Background()
	quiet := slog.New(slog.DiscardHandler)
	ahead := func() time.Time { return time.Now().Add(3 * time.Minute) }
	onTime := redisclock.New(tr.Client, time.Now, quiet)
	skewed := redisclock.New(tr.Client, ahead, quiet)
	for _, c := range []*redisclock.Clock{onTime, skewed} {
		if err := c.Measure(ctx); err != nil {
			t.Fatal(err)
		}
	}
	queue := func(now func() time.Time) *jobs.Queue {
		return jobs.New("skew", &jobs.Options{Redis: tr.Client, Prefix: tr.Prefix, Logger: quiet, Lease: time.Minute, Now: now})
	}
	a, b := queue(onTime.Now), queue(skewed.Now)
	if err := a.Enqueue(ctx, jobs.Job{ID: "j1", Kind: "t"}, time.Time{}); err != nil {
		t.Fatal(err)
	}
	got := make(chan string, 2)
	handler := func(id string) jobs.Handler {
		return func(ctx context.Context, j jobs.Job) error {
			got <- id
			<-ctx.Done()
			return ctx.Err()
		}
	}
	runFor := func(q *jobs.Queue, id string) func() {
		rctx, cancel := context.WithCancel(ctx)
		done := make(chan struct{})
		go func() { defer close(done); _ = q.Run(rctx, 1, handler(id)) }()
		return func() { cancel(); <-done }
	}
	stopA := runFor(a, "on time")
	defer stopA()
	if first := <-got; first != "on time" {
		t.Fatalf("first run by %s", first)
	}
	stopB := runFor(b, "skewed")
	defer stopB()
	select {
	case who := <-got:
		t.Fatalf("the job ran twice at once: also by the %s instance", who)
	case <-time.After(time.Second):
	}
	// Without Redis's clock the skewed instance takes the held job.
	raw := queue(ahead)
	stopRaw := runFor(raw, "raw clock")
	defer stopRaw()
	select {
	case <-got:
	case <-time.After(3 * time.Second):
		t.Fatal("on its own clock the skewed instance did not take the job: the test proves nothing")
	}
}

// An instance started while Redis is away measures Redis's time within a
// moment of Redis coming back, not a Refresh later: the load proof found
// tickets of the instance whose clock runs 3 minutes ahead created
// "3 minutes later" than they were, after a restart during a failover.
func TestClockMeasuresSoonOnceRedisIsBack(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := ln.Addr().String()
	_ = ln.Close() // nothing listens: Redis is away
	rdb := redis.NewClient(&redis.Options{Addr: addr, MaxRetries: -1, DialTimeout: 100 * time.Millisecond})
	defer rdb.Close()
	ahead := func() time.Time { return time.Now().Add(3 * time.Minute) }
	c := redisclock.New(rdb, ahead, slog.New(slog.DiscardHandler))
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	go c.Run(ctx)
	// Past the first try's 2 s bound: the next one is what counts.
	time.Sleep(2500 * time.Millisecond)
	if _, measured := c.Offset(); measured {
		t.Fatal("measured with Redis away")
	}
	m := miniredis.NewMiniRedis()
	if err := m.StartAddr(addr); err != nil {
		t.Skipf("cannot listen on %s again: %v", addr, err)
	}
	defer m.Close()
	back := time.Now()
	for {
		if _, measured := c.Offset(); measured {
			break
		}
		if time.Since(back) > 2*time.Second {
			t.Fatalf("no measurement within 2 s of Redis coming back (Refresh is %v)", redisclock.Refresh)
		}
		time.Sleep(20 * time.Millisecond)
	}
	if d := time.Until(c.Now()); d > 10*time.Second || d < -10*time.Second {
		t.Fatalf("Now is %v off the real time after the measurement", d)
	}
}
