package jobs

import (
	"context"
	"errors"
	"strings"
	"sync"
	"testing"
	"time"

	"frontdesk/fault"
)

func TestEnqueueIsIdempotent(t *testing.T) {
	tr := newTestRedis(t)
	q := New("media", testOptions(tr))
	ctx := context.Background()

	job := Job{ID: "recording:RE1", Kind: "voicemail", Payload: []byte(`{"ticket":1042,"message":"m1"}`)}
	for range 2 {
		if err := q.Enqueue(ctx, job, time.Time{}); err != nil {
			t.Fatal(err)
		}
	}
	if st := q.testStats(t); st.Pending != 1 {
		t.Fatalf("after enqueuing twice: %+v, want 1 pending", st)
	}

	var mu sync.Mutex
	runs := map[string]int{}
	var payload string
	run(t, q, 1, func(_ context.Context, j Job) error {
		mu.Lock()
		defer mu.Unlock()
		runs[j.ID]++
		if j.ID == job.ID {
			payload = string(j.Payload)
		}
		return nil
	})
	waitFor(t, "the job done", func() bool { return q.testIsDone(t, job.ID) })

	// Enqueued again after it is done: nothing happens. The sentinel job,
	// enqueued after it and as due, runs after it would have.
	if err := q.Enqueue(ctx, job, time.Time{}); err != nil {
		t.Fatal(err)
	}
	if err := q.Enqueue(ctx, Job{ID: "sentinel", Kind: "test"}, time.Time{}); err != nil {
		t.Fatal(err)
	}
	waitFor(t, "the sentinel done", func() bool { return q.testIsDone(t, "sentinel") })

	mu.Lock()
	defer mu.Unlock()
	if runs[job.ID] != 1 || runs["sentinel"] != 1 {
		t.Errorf("runs = %v, want each job once", runs)
	}
	if payload != string(job.Payload) {
		t.Errorf("payload = %q, want %q", payload, job.Payload)
	}
	if st := q.testStats(t); st != (Stats{}) {
		t.Errorf("stats after all done: %+v", st)
	}
}

func TestEnqueueEmptyID(t *testing.T) {
	tr := newTestRedis(t)
	q := New("media", testOptions(tr))
	err := q.Enqueue(context.Background(), Job{Kind: "voicemail"}, time.Time{})
	if !errors.Is(err, fault.ErrInvalid) {
		t.Errorf("Enqueue without id: %v, want ErrInvalid", err)
	}
}

func TestPermanentErrorGoesToDeadAtOnce(t *testing.T) {
	tr := newTestRedis(t)
	q := New("media", testOptions(tr))
	ctx := context.Background()
	if err := q.Enqueue(ctx, Job{ID: "RE404", Kind: "voicemail", Payload: []byte("x")}, time.Time{}); err != nil {
		t.Fatal(err)
	}
	var mu sync.Mutex
	calls := 0
	run(t, q, 2, func(context.Context, Job) error {
		mu.Lock()
		defer mu.Unlock()
		calls++
		return Permanent(errors.New("download recording: 404 Not Found"))
	})
	waitFor(t, "the job dead", func() bool { return q.testStats(t).Dead == 1 })

	dead, err := q.Dead(ctx, 10)
	if err != nil {
		t.Fatal(err)
	}
	if len(dead) != 1 {
		t.Fatalf("Dead = %+v, want one job", dead)
	}
	d := dead[0]
	if d.ID != "RE404" || d.Kind != "voicemail" || string(d.Payload) != "x" || d.Attempt != 1 ||
		d.Error != "download recording: 404 Not Found" || d.Failed.IsZero() {
		t.Errorf("dead job = %+v", d)
	}
	mu.Lock()
	defer mu.Unlock()
	if calls != 1 {
		t.Errorf("handler called %d times, want 1", calls)
	}
	if st := q.testStats(t); st.Pending != 0 || st.Running != 0 {
		t.Errorf("stats: %+v", st)
	}
	// A dead job's id is known: enqueuing it again changes nothing.
	if err := q.Enqueue(ctx, Job{ID: "RE404"}, time.Time{}); err != nil {
		t.Fatal(err)
	}
	if st := q.testStats(t); st.Pending != 0 || st.Dead != 1 {
		t.Errorf("stats after enqueuing a dead id: %+v", st)
	}
}

func TestMaxAttemptsThenDead(t *testing.T) {
	tr := newTestRedis(t)
	opts := testOptions(tr)
	opts.MaxAttempts = 3
	opts.BackoffMin, opts.BackoffMax = time.Millisecond, 2*time.Millisecond
	q := New("media", opts)
	if err := q.Enqueue(context.Background(), Job{ID: "flaky", Kind: "mms"}, time.Time{}); err != nil {
		t.Fatal(err)
	}
	run(t, q, 2, func(_ context.Context, j Job) error {
		return errors.New("upstream 503")
	})
	waitFor(t, "the job dead", func() bool { return q.testStats(t).Dead == 1 })
	dead, err := q.Dead(context.Background(), 1)
	if err != nil {
		t.Fatal(err)
	}
	if len(dead) != 1 || dead[0].Attempt != 3 || dead[0].Error != "upstream 503" {
		t.Errorf("Dead = %+v, want the job after 3 attempts with its error", dead)
	}
}

// TestLostClaim drives the scripts directly: a worker claims a job and
// "crashes"; after the lease another claims it; the first one's late
// complete or fail changes nothing.
func TestLostClaim(t *testing.T) {
	tr := newTestRedis(t)
	clk := newClock()
	opts := testOptions(tr)
	opts.Now, opts.Lease, opts.MaxAttempts = clk.Now, time.Minute, 2
	q := New("media", opts)
	ctx := context.Background()
	if err := q.Enqueue(ctx, Job{ID: "RE1", Kind: "voicemail"}, time.Time{}); err != nil {
		t.Fatal(err)
	}

	first, ok, _, err := q.claim(ctx)
	if err != nil || !ok || first.job.ID != "RE1" || first.job.Attempt != 1 {
		t.Fatalf("first claim = %+v, %v, %v", first, ok, err)
	}
	if _, ok, _, err := q.claim(ctx); err != nil || ok {
		t.Fatalf("claim while the job is held: %v, %v; want none", ok, err)
	}
	clk.Add(59 * time.Second)
	if _, ok, _, err := q.claim(ctx); err != nil || ok {
		t.Fatalf("claim before the lease expires: %v, %v; want none", ok, err)
	}

	clk.Add(2 * time.Second) // the first worker's lease has expired
	second, ok, _, err := q.claim(ctx)
	if err != nil || !ok || second.job.ID != "RE1" || second.job.Attempt != 2 {
		t.Fatalf("claim after the lease = %+v, %v, %v", second, ok, err)
	}
	if held, err := q.complete(ctx, first); err != nil || held {
		t.Errorf("late complete of the lost claim: held %v, %v", held, err)
	}
	if held, err := q.fail(ctx, first, outcomeRetry, clk.Now(), errors.New("late")); err != nil || held {
		t.Errorf("late fail of the lost claim: held %v, %v", held, err)
	}
	if q.testIsDone(t, "RE1") {
		t.Fatal("the lost claim's complete marked the job done")
	}
	if st := q.testStats(t); st != (Stats{Running: 1}) {
		t.Errorf("stats after the late complete: %+v, want the second claim running", st)
	}

	// The second worker crashes too, on the last attempt: the job dies.
	clk.Add(2 * time.Minute)
	_, ok, buried, err := q.claim(ctx)
	if err != nil || ok || buried != 1 {
		t.Fatalf("claim after the last lease: ok %v, buried %d, %v", ok, buried, err)
	}
	dead, err := q.Dead(ctx, 5)
	if err != nil {
		t.Fatal(err)
	}
	if len(dead) != 1 || dead[0].Attempt != 2 || !strings.Contains(dead[0].Error, "lease expired") {
		t.Errorf("Dead = %+v", dead)
	}
	if held, err := q.complete(ctx, second); err != nil || held {
		t.Errorf("complete of a claim whose job died: held %v, %v", held, err)
	}
}

// TestExpiredLeaseClaimedInOrder: a job whose lease expired is claimed
// before due jobs that were due later than its lease expiry.
func TestExpiredLeaseClaimedInOrder(t *testing.T) {
	tr := newTestRedis(t)
	clk := newClock()
	opts := testOptions(tr)
	opts.Now, opts.Lease = clk.Now, time.Minute
	q := New("media", opts)
	ctx := context.Background()
	t0 := clk.Now()
	for _, j := range []struct {
		id string
		at time.Time
	}{{"a", t0}, {"b", t0.Add(30 * time.Second)}, {"c", t0.Add(90 * time.Second)}} {
		if err := q.Enqueue(ctx, Job{ID: j.id}, j.at); err != nil {
			t.Fatal(err)
		}
	}
	if c, ok, _, err := q.claim(ctx); err != nil || !ok || c.job.ID != "a" {
		t.Fatalf("claim = %+v, %v, %v; want a", c, ok, err)
	}
	clk.Add(2 * time.Minute) // a's lease expired at t0+60s: after b, before c
	var order []string
	for {
		c, ok, _, err := q.claim(ctx)
		if err != nil {
			t.Fatal(err)
		}
		if !ok {
			break
		}
		order = append(order, c.job.ID)
	}
	if strings.Join(order, ",") != "b,a,c" {
		t.Errorf("claims in order %v, want b,a,c", order)
	}
}
