// Package redisclock gives every instance of frontdesk the same time: Redis's.
// Leases, run-at times and due times computed from it agree across
// instances, however far their own clocks drift apart (a job's lease must
// not end early on the instance whose clock runs three minutes ahead).
//
// A Clock reads Redis's TIME every few seconds, measures how far the
// instance's clock is off (halving the round trip), and answers Now from the
// instance's clock plus that offset: no round trip per call.
package redisclock

import (
	"context"
	"log/slog"
	"sync"
	"time"

	"github.com/redis/go-redis/v9"
)

// Refresh is how often the offset is measured again.
const Refresh = 10 * time.Second

// Clock is Redis's time, read through the instance's clock. Its methods are
// safe for concurrent use.
type Clock struct {
	rdb    redis.UniversalClient
	base   func() time.Time
	logger *slog.Logger

	mu       sync.RWMutex
	offset   time.Duration
	measured bool
}

// New returns a Clock on rdb. base is the instance's own clock (time.Now;
// tests skew it); until the first measurement, Now is base's time.
func New(rdb redis.UniversalClient, base func() time.Time, logger *slog.Logger) *Clock {
	if base == nil {
		base = time.Now
	}
	if logger == nil {
		logger = slog.Default()
	}
	return &Clock{rdb: rdb, base: base, logger: logger}
}

// Now is Redis's time now, as well as the last measurement tells it.
func (c *Clock) Now() time.Time {
	c.mu.RLock()
	off := c.offset
	c.mu.RUnlock()
	return c.base().Add(off)
}

// Offset is how far Redis's clock is ahead of the instance's, and whether it
// was measured yet.
func (c *Clock) Offset() (time.Duration, bool) {
	c.mu.RLock()
	defer c.mu.RUnlock()
	return c.offset, c.measured
}

// Measure reads Redis's TIME once and keeps the offset.
func (c *Clock) Measure(ctx context.Context) error {
	node := c.rdb
	if cc, ok := c.rdb.(*redis.ClusterClient); ok {
		n, err := cc.MasterForKey(ctx, "{desk}")
		if err != nil {
			return err
		}
		node = n
	}
	before := c.base()
	t, err := node.Time(ctx).Result()
	if err != nil {
		return err
	}
	after := c.base()
	mid := before.Add(after.Sub(before) / 2)
	off := t.Sub(mid)
	c.mu.Lock()
	first := !c.measured
	old := c.offset
	c.offset, c.measured = off, true
	c.mu.Unlock()
	if d := off - old; first && (off > time.Second || off < -time.Second) || !first && (d > time.Second || d < -time.Second) {
		c.logger.Warn("this instance's clock is off from Redis's; leases and due times follow Redis's",
			slog.Duration("redis_ahead_by", off))
	}
	return nil
}

// unmeasuredRetry is how soon Run tries again while no measurement ever
// succeeded: until then Now is the instance's own clock.
const unmeasuredRetry = 200 * time.Millisecond

// Run measures the offset every Refresh until ctx ends. Until the first
// measurement succeeds (an instance started while Redis was away), it tries
// every unmeasuredRetry instead: the writes it makes once Redis is back must
// not carry the instance's own time for up to Refresh.
func (c *Clock) Run(ctx context.Context) {
	for {
		mctx, cancel := context.WithTimeout(ctx, 2*time.Second)
		_ = c.Measure(mctx) // Redis away: keep the last offset
		cancel()
		wait := Refresh
		if _, measured := c.Offset(); !measured {
			wait = unmeasuredRetry
		}
		select {
		case <-ctx.Done():
			return
		case <-time.After(wait):
		}
	}
}
