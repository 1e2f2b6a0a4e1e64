package desk

import (
	"context"
	"sync/atomic"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"
)

// countHook counts the commands a client sends one at a time (a script
// call is one).
type countHook struct{ n atomic.Int64 }

func (h *countHook) DialHook(next redis.DialHook) redis.DialHook { return next }
func (h *countHook) ProcessHook(next redis.ProcessHook) redis.ProcessHook {
	return func(ctx context.Context, cmd redis.Cmder) error {
		h.n.Add(1)
		return next(ctx, cmd)
	}
}
func (h *countHook) ProcessPipelineHook(next redis.ProcessPipelineHook) redis.ProcessPipelineHook {
	return func(ctx context.Context, cmds []redis.Cmder) error {
		h.n.Add(1)
		return next(ctx, cmds)
	}
}

// TestDailyReportPacksInOneTrip reads a month of old days for the first
// time: the report takes one round trip to read them and one to pack them
// all, not one per day.
func TestDailyReportPacksInOneTrip(t *testing.T) {
	ctx := context.Background()
	clock := &testClock{t: time.Date(2026, 12, 1, 12, 0, 0, 0, time.UTC)}
	d, _, tr := newClockDesk(t, clock)
	day := time.Date(2026, 10, 1, 0, 0, 0, 0, time.UTC)
	for i := range 30 {
		date := day.AddDate(0, 0, i).Format(time.DateOnly)
		if err := tr.Client.HSet(ctx, tr.Prefix+":{desk}:report:day:"+date, "v", 1, "support|email|received", i+1).Err(); err != nil {
			t.Fatal(err)
		}
	}
	hook := &countHook{}
	tr.Client.AddHook(hook)
	r, err := d.DailyReport(ctx, "2026-10-01", "2026-10-30")
	if err != nil {
		t.Fatal(err)
	}
	if r.Total.Received != 30*31/2 {
		t.Errorf("received %d, want %d", r.Total.Received, 30*31/2)
	}
	// go-redis may send SCRIPT LOAD / EVAL after a NOSCRIPT: at most two
	// commands a script.
	if n := hook.n.Load(); n > 4 {
		t.Errorf("the first read of 30 days took %d round trips, want the read and the packing: 2", n)
	}
	for i := range 30 {
		date := day.AddDate(0, 0, i).Format(time.DateOnly)
		if ok, _ := tr.Client.HExists(ctx, tr.Prefix+":{desk}:report:day:"+date, "pack").Result(); !ok {
			t.Errorf("no pack kept for %s", date)
		}
	}
	again, err := d.DailyReport(ctx, "2026-10-01", "2026-10-30")
	if err != nil || again.Total.Received != r.Total.Received {
		t.Errorf("read from packs: %d received, %v", again.Total.Received, err)
	}
}
