package jobs

import (
	"context"
	"fmt"
	"log/slog"
	"math/rand/v2"
	"sync"
	"time"

	"frontdesk/fault"
)

// Handler does one job. It must be idempotent: a job runs at least once, and
// again when its worker's lease runs out before the result is recorded. nil
// means done; an error is retried with backoff, unless wrapped with
// Permanent. The context ends when the lease does or Run stops.
type Handler func(ctx context.Context, j Job) error

const (
	// gaugeEvery is how often Run counts the queue's jobs for the gauges.
	gaugeEvery = 5 * time.Second
	// settleFor bounds the retries of recording a job's result while Redis
	// is unavailable; after it the lease brings the job back.
	settleFor = 10 * time.Second
)

// Run works the queue's jobs with n workers (at least one) until ctx ends,
// then cancels the running handlers, puts their jobs back as due, and
// returns nil. Handler errors are retried with backoff; an error wrapped with
// Permanent sends the job to the dead list at once. While Redis is
// unavailable the workers wait and keep trying.
func (q *Queue) Run(ctx context.Context, n int, handler func(ctx context.Context, j Job) error) error {
	if handler == nil {
		return errNoHandler
	}
	var wg sync.WaitGroup
	for range max(n, 1) {
		wg.Go(func() { q.worker(ctx, handler) })
	}
	wg.Go(func() { q.updateGauges(ctx) })
	wg.Wait()
	return nil
}

func (q *Queue) worker(ctx context.Context, h Handler) {
	failures := 0 // claims failed in a row
	for ctx.Err() == nil {
		c, ok, buried, err := q.claim(ctx)
		if ctx.Err() != nil {
			return
		}
		if err != nil {
			if fault.IsUnavailable(err) {
				q.unavailable(err)
			} else {
				q.log.Error("claim job", slog.Any("error", err))
			}
			sleep(ctx, q.redisWait(failures))
			failures++
			continue
		}
		failures = 0
		q.available()
		if buried > 0 {
			q.log.Error("jobs moved to the dead list: their lease expired on the last attempt",
				slog.Int64("count", buried))
		}
		if !ok {
			sleep(ctx, jitter(q.opts.Poll))
			continue
		}
		q.work(ctx, c, h)
	}
}

// work runs c's handler and records the result.
func (q *Queue) work(ctx context.Context, c claim, h Handler) {
	hctx, cancel := context.WithTimeout(ctx, q.opts.Lease)
	err := call(hctx, h, c.job)
	cancel()

	log := q.log.With(slog.String("job", c.job.ID), slog.String("kind", c.job.Kind),
		slog.Int("attempt", c.job.Attempt))
	var held bool
	switch {
	case err == nil:
		held = q.settle(ctx, log, func(ctx context.Context) (bool, error) { return q.complete(ctx, c) })
		if held {
			q.m.completed.WithLabelValues(q.name, c.job.Kind).Inc()
		}
	case ctx.Err() != nil:
		// Run is stopping: the handler was cancelled, not at fault.
		held = q.settle(ctx, log, func(ctx context.Context) (bool, error) {
			return q.fail(ctx, c, outcomeRelease, q.opts.Now(), nil)
		})
	case fault.IsUnavailable(err) && !isPermanent(err):
		// Redis was unavailable to the handler: not the job's fault, and
		// not an attempt; it waits a little and runs again.
		at := q.opts.Now().Add(q.backoff(1))
		held = q.settle(ctx, log, func(ctx context.Context) (bool, error) {
			return q.fail(ctx, c, outcomeRelease, at, nil)
		})
		if held {
			log.Warn("job waits for redis; the attempt does not count", slog.Any("error", err), slog.Time("retry_at", at))
		}
	default:
		q.m.failures.WithLabelValues(q.name, c.job.Kind).Inc()
		slow := !isPermanent(err) && c.job.Attempt >= q.opts.MaxAttempts && q.opts.SlowFor > 0 &&
			q.opts.Now().Add(q.opts.SlowEvery).Sub(c.job.EnqueuedAt) < q.opts.SlowFor
		if slow {
			at := q.opts.Now().Add(jitter(q.opts.SlowEvery))
			held = q.settle(ctx, log, func(ctx context.Context) (bool, error) {
				return q.fail(ctx, c, outcomeRetry, at, err)
			})
			if held && c.job.Attempt == q.opts.MaxAttempts {
				log.Warn("job keeps failing; trying slowly", slog.Any("error", err), slog.Time("retry_at", at))
				if q.opts.Struggling != nil {
					q.opts.Struggling(ctx, c.job, err)
				}
			}
		} else if isPermanent(err) || c.job.Attempt >= q.opts.MaxAttempts {
			held = q.settle(ctx, log, func(ctx context.Context) (bool, error) {
				return q.fail(ctx, c, outcomeDead, time.Time{}, err)
			})
			if held {
				log.Error("job failed for good; moved to the dead list", slog.Any("error", err))
				if q.opts.Dead != nil {
					q.opts.Dead(ctx, c.job, err)
				}
			}
		} else {
			at := q.opts.Now().Add(q.backoff(c.job.Attempt))
			held = q.settle(ctx, log, func(ctx context.Context) (bool, error) {
				return q.fail(ctx, c, outcomeRetry, at, err)
			})
			if held {
				log.Warn("job failed; will retry", slog.Any("error", err), slog.Time("retry_at", at))
			}
		}
	}
	if !held {
		log.Warn("job's claim was lost before its result was recorded; the job runs again (its lease expired, or Redis was unavailable)",
			slog.Any("handler_error", err))
	}
	if q.testHookSettled != nil {
		q.testHookSettled(c.job, held)
	}
}

// call runs h, turning a panic into an error.
func call(ctx context.Context, h Handler, j Job) (err error) {
	defer func() {
		if r := recover(); r != nil {
			err = fmt.Errorf("handler panic: %v", r)
		}
	}()
	return h(ctx, j)
}

// settle records a claim's result with fn, retrying while Redis is
// unavailable, for at most settleFor even when ctx has ended. It returns
// whether the claim was still held; false also when the result could not be
// recorded, in which case the lease brings the job back.
func (q *Queue) settle(ctx context.Context, log *slog.Logger, fn func(context.Context) (bool, error)) bool {
	sctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), settleFor)
	defer cancel()
	for try := 0; ; try++ {
		held, err := fn(sctx)
		if err == nil {
			q.available()
			return held
		}
		if !fault.IsUnavailable(err) || sctx.Err() != nil {
			log.Error("record job result", slog.Any("error", err))
			return false
		}
		q.unavailable(err)
		if !sleep(sctx, q.redisWait(try)) {
			log.Error("record job result", slog.Any("error", err))
			return false
		}
	}
}

// backoff is the wait after the given failed attempt (1 for the first).
func (q *Queue) backoff(attempt int) time.Duration {
	d := q.opts.BackoffMin
	for i := 1; i < attempt && d < q.opts.BackoffMax; i++ {
		d *= 2
	}
	d = min(d, q.opts.BackoffMax)
	d += rand.N(d/4 + 1)
	return min(d, q.opts.BackoffMax)
}

// redisWait is the wait after the given number of failed tries in a row to
// reach Redis: Poll doubling up to 10×Poll.
func (q *Queue) redisWait(failures int) time.Duration {
	d := q.opts.Poll
	for i := 0; i < failures && d < 10*q.opts.Poll; i++ {
		d *= 2
	}
	return jitter(min(d, 10*q.opts.Poll))
}

// unavailable and available log when Redis goes away and comes back, once
// per change for all the queue's workers.
func (q *Queue) unavailable(err error) {
	if q.down.CompareAndSwap(false, true) {
		q.log.Warn("jobs: redis unavailable; workers keep trying", slog.Any("error", err))
	}
}

func (q *Queue) available() {
	if q.down.CompareAndSwap(true, false) {
		q.log.Info("jobs: redis reachable again")
	}
}

// updateGauges counts the queue's jobs every gaugeEvery until ctx ends.
func (q *Queue) updateGauges(ctx context.Context) {
	for {
		st, err := q.Stats(ctx)
		if err == nil {
			q.m.pending.Set(float64(st.Pending))
			q.m.running.Set(float64(st.Running))
			q.m.dead.Set(float64(st.Dead))
		} else if ctx.Err() == nil && !fault.IsUnavailable(err) {
			q.log.Error("count jobs", slog.Any("error", err))
		}
		if !sleep(ctx, gaugeEvery) {
			return
		}
	}
}

// jitter spreads d over [0.75d, 1.25d), so that idle workers do not poll in
// step.
func jitter(d time.Duration) time.Duration {
	if d <= 0 {
		return d
	}
	return d*3/4 + rand.N(d/2+1)
}

// sleep waits d or until ctx ends; it reports whether d passed.
func sleep(ctx context.Context, d time.Duration) bool {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-ctx.Done():
		return false
	case <-t.C:
		return true
	}
}
