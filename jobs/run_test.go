package jobs

import (
	"context"
	"fmt"
	"log/slog"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/testutil"

	"frontdesk/fault"
	"frontdesk/internal/testlog"
)

// settled collects what testHookSettled reports.
type settled struct {
	mu     sync.Mutex
	events []string // "ID#ATTEMPT held|lost"
	ch     chan struct{}
}

func watchSettled(q *Queue) *settled {
	s := &settled{ch: make(chan struct{}, 100)}
	q.testHookSettled = func(j Job, held bool) {
		s.mu.Lock()
		word := "held"
		if !held {
			word = "lost"
		}
		s.events = append(s.events, fmt.Sprintf("%s#%d %s", j.ID, j.Attempt, word))
		s.mu.Unlock()
		s.ch <- struct{}{}
	}
	return s
}

func (s *settled) wait(t testing.TB) {
	t.Helper()
	select {
	case <-s.ch:
	case <-time.After(10 * time.Second):
		t.Fatal("timed out waiting for a job result")
	}
}

func (s *settled) list() []string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]string(nil), s.events...)
}

func TestRetryWithBackoff(t *testing.T) {
	tr := newTestRedis(t)
	clk := newClock()
	reg := prometheus.NewRegistry()
	opts := testOptions(tr)
	opts.Now, opts.Registerer = clk.Now, reg
	opts.BackoffMin, opts.BackoffMax = 2*time.Second, time.Minute
	q := New("media", opts)
	ctx := context.Background()
	if err := q.Enqueue(ctx, Job{ID: "MM1", Kind: "mms"}, time.Time{}); err != nil {
		t.Fatal(err)
	}
	s := watchSettled(q)
	var mu sync.Mutex
	var attempts []int
	run(t, q, 2, func(_ context.Context, j Job) error {
		mu.Lock()
		defer mu.Unlock()
		attempts = append(attempts, j.Attempt)
		if j.Attempt < 3 {
			return fmt.Errorf("fetch media: attempt %d: 502 Bad Gateway", j.Attempt)
		}
		return nil
	})
	calls := func() int {
		mu.Lock()
		defer mu.Unlock()
		return len(attempts)
	}

	for _, attempt := range []int{1, 2} {
		s.wait(t)
		failedAt := clk.Now()
		score, err := q.rdb.ZScore(ctx, q.keys.due, "MM1").Result()
		if err != nil {
			t.Fatalf("after attempt %d the job is not due: %v", attempt, err)
		}
		runAt := time.UnixMilli(int64(score))
		least := 2 * time.Second << (attempt - 1)
		if d := runAt.Sub(failedAt); d < least || d > least*5/4 {
			t.Errorf("after attempt %d the job runs again in %v, want %v plus at most 25%%", attempt, d, least)
		}
		if r := q.testRecord(t, "MM1"); !strings.Contains(r.Error, "502 Bad Gateway") || r.Attempt != attempt {
			t.Errorf("after attempt %d the record is %+v", attempt, r)
		}
		// Not run again before the backoff is over: the workers poll many
		// times meanwhile, the clock standing still.
		time.Sleep(20 * time.Millisecond)
		if n := calls(); n != attempt {
			t.Fatalf("the handler ran %d times before the backoff was over, want %d", n, attempt)
		}
		clk.Add(runAt.Sub(failedAt))
	}
	s.wait(t)
	if !q.testIsDone(t, "MM1") {
		t.Error("the job is not done after the third attempt")
	}
	mu.Lock()
	if fmt.Sprint(attempts) != "[1 2 3]" {
		t.Errorf("attempts = %v, want [1 2 3]", attempts)
	}
	mu.Unlock()
	if got := s.list(); strings.Join(got, ",") != "MM1#1 held,MM1#2 held,MM1#3 held" {
		t.Errorf("results = %v", got)
	}
	if n := testutil.ToFloat64(q.m.failures.WithLabelValues("media", "mms")); n != 2 {
		t.Errorf("failures_total = %v, want 2", n)
	}
	if n := testutil.ToFloat64(q.m.completed.WithLabelValues("media", "mms")); n != 1 {
		t.Errorf("completed_total = %v, want 1", n)
	}
	if st := q.testStats(t); st != (Stats{}) {
		t.Errorf("stats: %+v", st)
	}
}

// TestCrashedWorker: a worker's handler hangs past its lease; another
// instance runs the job again; the first one's late success does not
// complete the second claim.
func TestCrashedWorker(t *testing.T) {
	tr := newTestRedis(t)
	clk := newClock()
	opts := testOptions(tr)
	opts.Now, opts.Lease = clk.Now, time.Minute // leases by the fake clock; handler deadlines are real minutes
	ctx := context.Background()
	a, b := New("media", opts), New("media", opts)
	sa, sb := watchSettled(a), watchSettled(b)
	if err := a.Enqueue(ctx, Job{ID: "RE7", Kind: "voicemail"}, time.Time{}); err != nil {
		t.Fatal(err)
	}

	started := make(chan int, 2)
	releaseA, releaseB := make(chan struct{}), make(chan struct{})
	handler := func(release chan struct{}) Handler {
		return func(_ context.Context, j Job) error {
			started <- j.Attempt
			<-release // hangs, ignoring its context
			return nil
		}
	}
	run(t, a, 1, handler(releaseA))
	if n := <-started; n != 1 {
		t.Fatalf("first run is attempt %d", n)
	}
	run(t, b, 1, handler(releaseB))
	time.Sleep(10 * time.Millisecond)
	if st := a.testStats(t); st.Running != 1 {
		t.Fatalf("stats while held: %+v", st)
	}

	clk.Add(61 * time.Second) // a's lease is over
	if n := <-started; n != 2 {
		t.Fatalf("second run is attempt %d", n)
	}
	close(releaseA)
	sa.wait(t)
	if got := sa.list(); len(got) != 1 || got[0] != "RE7#1 lost" {
		t.Errorf("the hung worker's result: %v, want its claim lost", got)
	}
	if a.testIsDone(t, "RE7") {
		t.Fatal("the hung worker's late success marked the job done")
	}
	if st := a.testStats(t); st.Running != 1 {
		t.Errorf("stats after the late success: %+v, want the second claim running", st)
	}

	close(releaseB)
	sb.wait(t)
	if got := sb.list(); len(got) != 1 || got[0] != "RE7#2 held" {
		t.Errorf("the second worker's result: %v", got)
	}
	if !b.testIsDone(t, "RE7") {
		t.Error("the job is not done")
	}
}

// TestManyJobsTwoInstances: two instances' Run with four workers each run
// each of 500 jobs exactly once.
func TestManyJobsTwoInstances(t *testing.T) {
	tr := newTestRedis(t)
	ctx := context.Background()
	const jobs = 500
	a, b := New("media", testOptions(tr)), New("media", testOptions(tr))
	other := New("other", testOptions(tr)) // a second queue on the same Redis, left alone
	for i := range jobs {
		if err := a.Enqueue(ctx, Job{ID: fmt.Sprintf("job-%d", i), Kind: "test"}, time.Time{}); err != nil {
			t.Fatal(err)
		}
	}
	if err := other.Enqueue(ctx, Job{ID: "job-0", Kind: "test"}, time.Time{}); err != nil {
		t.Fatal(err)
	}

	var mu sync.Mutex
	runs := map[string]int{}
	total := 0
	h := func(_ context.Context, j Job) error {
		mu.Lock()
		defer mu.Unlock()
		runs[j.ID]++
		total++
		return nil
	}
	stopA, stopB := run(t, a, 4, h), run(t, b, 4, h)
	waitFor(t, "every job done", func() bool {
		st := a.testStats(t)
		return st.Pending == 0 && st.Running == 0
	})
	stopA()
	stopB()

	mu.Lock()
	defer mu.Unlock()
	if total != jobs || len(runs) != jobs {
		t.Errorf("%d runs of %d jobs, want %d of %d", total, len(runs), jobs, jobs)
	}
	for id, n := range runs {
		if n != 1 {
			t.Errorf("job %s ran %d times", id, n)
		}
	}
	done := testutil.ToFloat64(a.m.completed.WithLabelValues("media", "test")) +
		testutil.ToFloat64(b.m.completed.WithLabelValues("media", "test"))
	if done != jobs {
		t.Errorf("completed_total = %v, want %d", done, jobs)
	}
	if st := other.testStats(t); st.Pending != 1 {
		t.Errorf("the other queue: %+v, want its job left pending", st)
	}
}

// TestStopReleasesRunningJobs: when Run stops, a running handler is
// cancelled and its job is put back as due, the attempt not counted.
func TestStopReleasesRunningJobs(t *testing.T) {
	tr := newTestRedis(t)
	q := New("media", testOptions(tr))
	ctx := context.Background()
	if err := q.Enqueue(ctx, Job{ID: "RE9", Kind: "voicemail"}, time.Time{}); err != nil {
		t.Fatal(err)
	}
	started := make(chan struct{})
	stop := run(t, q, 1, func(ctx context.Context, j Job) error {
		close(started)
		<-ctx.Done()
		return ctx.Err()
	})
	<-started
	stop()
	if st := q.testStats(t); st != (Stats{Pending: 1}) {
		t.Errorf("stats after stop: %+v, want the job pending", st)
	}
	if r := q.testRecord(t, "RE9"); r.Attempt != 0 || r.Claim != "" || r.Error != "" {
		t.Errorf("record after stop: %+v", r)
	}
}

func TestRedisDown(t *testing.T) {
	tr := newMiniRedis(t) // stopped and restarted: always miniredis
	logs := &testlog.Buffer{}
	opts := testOptions(tr)
	opts.Logger = slog.New(slog.NewTextHandler(logs, nil))
	q := New("media", opts)
	ctx := context.Background()

	var mu sync.Mutex
	var ran []string
	run(t, q, 4, func(_ context.Context, j Job) error {
		mu.Lock()
		defer mu.Unlock()
		ran = append(ran, j.ID)
		return nil
	})
	tr.Mini.Close()

	err := q.Enqueue(ctx, Job{ID: "RE1", Kind: "voicemail"}, time.Time{})
	if err == nil || !fault.IsUnavailable(err) {
		t.Fatalf("Enqueue with Redis down: %v, want an unavailable error", err)
	}
	if _, err := q.Stats(ctx); !fault.IsUnavailable(err) {
		t.Errorf("Stats with Redis down: %v, want an unavailable error", err)
	}
	if _, err := q.Dead(ctx, 10); !fault.IsUnavailable(err) {
		t.Errorf("Dead with Redis down: %v, want an unavailable error", err)
	}
	waitFor(t, "the workers to notice", func() bool { return strings.Contains(logs.String(), "redis unavailable") })
	time.Sleep(50 * time.Millisecond) // four workers fail many times meanwhile
	if n := strings.Count(logs.String(), "redis unavailable"); n != 1 {
		t.Errorf("logged %d times that Redis is unavailable, want once:\n%s", n, logs)
	}

	if err := tr.Mini.Restart(); err != nil {
		t.Fatal(err)
	}
	waitFor(t, "enqueue to work again", func() bool {
		return q.Enqueue(ctx, Job{ID: "RE1", Kind: "voicemail"}, time.Time{}) == nil
	})
	waitFor(t, "the job to run", func() bool {
		mu.Lock()
		defer mu.Unlock()
		return len(ran) == 1
	})
	waitFor(t, "the workers to log that Redis is back", func() bool {
		return strings.Contains(logs.String(), "redis reachable again")
	})
}
