package redisstore

import (
	"context"
	"testing"

	"frontdesk/fault"
)

// A Redis full at its maxmemory answers PING but refuses writes: the
// readiness probe writes, so it says "full", and creating a ticket fails as
// full (unavailable: retried, never counted against the mail).
func TestCheckFindsAFullRedis(t *testing.T) {
	if testing.Short() {
		t.Skip("starts a Redis server")
	}
	ctx := context.Background()
	_, rdb, _ := startRedisServer(t, "--appendonly", "no", "--maxmemory-policy", "noeviction")
	s := New(rdb, &Options{Prefix: "fdtest"})
	if err := s.Check(ctx); err != nil {
		t.Fatalf("check of an empty Redis: %v", err)
	}
	if r, err := s.MemoryUsed(ctx); err != nil || r != 0 {
		t.Fatalf("memory used without maxmemory = %v, %v; want 0", r, err)
	}
	if err := rdb.ConfigSet(ctx, "maxmemory", "1").Err(); err != nil {
		t.Fatal(err)
	}
	if err := rdb.Ping(ctx).Err(); err != nil {
		t.Fatalf("a full Redis still answers PING: %v", err)
	}
	err := s.Check(ctx)
	if !fault.IsFull(err) || !fault.IsUnavailable(err) {
		t.Fatalf("check of a full Redis: %v, want full (and unavailable)", err)
	}
	if r, err := s.MemoryUsed(ctx); err != nil || r < 1 {
		t.Fatalf("memory used of a full Redis = %v, %v; want ≥ 1", r, err)
	}
	if _, err := s.Create(ctx, mail("full-1", "ann@example.org", "Hi")); !fault.IsFull(err) {
		t.Fatalf("create in a full Redis: %v, want full", err)
	}
}
