package imappoll

import (
	"context"
	"sync"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"
)

// pumpTime makes miniredis's clock follow the wall clock, so that TTLs run
// out (miniredis only expires keys on FastForward).
func pumpTime(t *testing.T, ff func(time.Duration)) {
	ctx, cancel := context.WithCancel(context.Background())
	var wg sync.WaitGroup
	wg.Add(1)
	go func() {
		defer wg.Done()
		tick := time.NewTicker(20 * time.Millisecond)
		defer tick.Stop()
		for {
			select {
			case <-ctx.Done():
				return
			case <-tick.C:
				ff(20 * time.Millisecond)
			}
		}
	}()
	t.Cleanup(func() { cancel(); wg.Wait() })
}

// Two pollers on one mailbox: only the lease holder imports, each mail is
// handled once; when the holder dies without releasing the lease, the other
// takes over within the lease TTL.
func TestLease(t *testing.T) {
	srv := startMemServer(t, capsMove)
	mr, rdb := newRedis(t)
	pumpTime(t, mr.FastForward)
	for i := range 20 {
		srv.deliver(t, "INBOX", testMail(i, 300))
	}

	const ttl = 900 * time.Millisecond
	rec := newRecorder() // shared by both: counts calls per UID across them
	optsA := testOptions(t, nil)
	// A has a Redis client of its own, to die with it.
	rdbA := redis.NewClient(&redis.Options{Addr: mr.Addr(), MaxRetries: -1})
	optsA.Redis, optsA.Instance, optsA.LeaseTTL = rdbA, "A", ttl
	optsB := testOptions(t, rdb)
	optsB.Instance, optsB.LeaseTTL = "B", ttl

	a := New(srv.mailbox("INBOX"), rec.handle, optsA)
	stopA := runPoller(t, a)
	eventually(t, 5*time.Second, "A holds the lease", func() bool { return a.Status().LeaseHeld })
	b := New(srv.mailbox("INBOX"), rec.handle, optsB)
	runPoller(t, b)

	eventually(t, 5*time.Second, "20 mails stored", func() bool { return rec.stored() == 20 })
	for i := range 5 {
		srv.deliver(t, "INBOX", testMail(100+i, 300))
	}
	eventually(t, 5*time.Second, "25 mails stored", func() bool { return rec.stored() == 25 })
	if b.Status().LeaseHeld {
		t.Fatalf("both hold the lease")
	}
	if got := b.Status().Holder; got != "A" {
		t.Errorf("B sees holder %q, want A", got)
	}

	// A dies: its Redis connection goes first, so it cannot release.
	_ = rdbA.Close()
	stopA()
	died := time.Now()
	eventually(t, 3*ttl, "B takes over", func() bool { return b.Status().LeaseHeld })
	took := time.Since(died)
	t.Logf("takeover after %v (TTL %v)", took, ttl)
	if took > ttl+300*time.Millisecond {
		t.Errorf("takeover after %v, want within the TTL %v", took, ttl)
	}
	for i := range 5 {
		srv.deliver(t, "INBOX", testMail(200+i, 300))
	}
	eventually(t, 5*time.Second, "30 mails stored", func() bool { return rec.stored() == 30 })
	rec.mu.Lock()
	defer rec.mu.Unlock()
	for uid, n := range rec.calls {
		if n != 1 {
			t.Errorf("UID %d handled %d times", uid, n)
		}
	}
}

// A poller that stops releases its lease at once.
func TestLeaseReleasedOnStop(t *testing.T) {
	srv := startMemServer(t, capsMove)
	_, rdb := newRedis(t)
	rec := newRecorder()
	p := New(srv.mailbox("INBOX"), rec.handle, testOptions(t, rdb))
	stop := runPoller(t, p)
	eventually(t, 5*time.Second, "lease held", func() bool { return p.Status().LeaseHeld })
	stop()
	if n, _ := rdb.Exists(context.Background(), newKeys("test", "support").lease).Result(); n != 0 {
		t.Errorf("lease key still there after stop")
	}
	if p.Status().LeaseHeld {
		t.Errorf("status says lease held after stop")
	}
}
