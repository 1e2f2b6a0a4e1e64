package accounts

import (
	"context"
	"errors"
	"fmt"
	"net/netip"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"frontdesk/fault"
)

func TestClientBucket(t *testing.T) {
	for _, tt := range []struct{ addr, want string }{
		{"192.0.2.7", "192.0.2.7"},
		{"::ffff:192.0.2.7", "192.0.2.7"},
		{"2001:db8:1:2:3:4:5:6", "2001:db8:1:2::/64"},
		{"2001:db8:1:2::ffff", "2001:db8:1:2::/64"},
		{"fe80::1%eth0", "fe80::/64"},
		{"::1", "::/64"},
		{"", "unknown"},
	} {
		var a netip.Addr
		if tt.addr != "" {
			a = netip.MustParseAddr(tt.addr)
		}
		if got := clientBucket(a); got != tt.want {
			t.Errorf("clientBucket(%s) = %q, want %q", tt.addr, got, tt.want)
		}
	}
}

// Password spraying — one guess on each of many names — is stopped by the
// brake per client address, which the per-name brake never sees.
func TestAddressBrake(t *testing.T) {
	tr := newTestRedis(t)
	s := newStore(tr)
	s.window = time.Second
	ctx := context.Background()
	if _, err := s.Add(ctx, "ann", RoleAssistant, "correct horse"); err != nil {
		t.Fatal(err)
	}
	check := func(name, password, from string, want error) {
		t.Helper()
		_, err := s.CheckPassword(ctx, name, password, netip.MustParseAddr(from))
		if !errors.Is(err, want) || (want == nil) != (err == nil) {
			t.Fatalf("CheckPassword(%s, %s) from %s = %v, want %v", name, password, from, err, want)
		}
	}
	const sprayer = "198.51.100.9"
	for i := range 20 {
		check(fmt.Sprintf("user%d", i), "Summer2026!", sprayer, ErrUnauthorized)
	}
	_, err := s.CheckPassword(ctx, "ann", "correct horse", netip.MustParseAddr(sprayer))
	if !errors.Is(err, ErrAddressLocked) || !errors.Is(err, ErrLocked) {
		t.Fatalf("the 21st attempt from one address: %v, want ErrAddressLocked", err)
	}
	if n := tr.Client.Exists(ctx, s.failuresKey("ann")).Val(); n != 0 {
		t.Error("an attempt refused for its address counted against the name")
	}
	check("ann", "correct horse", "203.0.113.5", nil) // another address is not held up
	// An IPv6 client is counted by its /64: other addresses of it are held
	// too, another /64 is not.
	for i := range 20 {
		check(fmt.Sprintf("nobody%d", i), "guess", fmt.Sprintf("2001:db8::%x", i+1), ErrUnauthorized)
	}
	check("ann", "correct horse", "2001:db8::ffff", ErrAddressLocked)
	check("ann", "correct horse", "2001:db8:0:1::1", nil)
	// Names no user can have count against the address too.
	for range 20 {
		check("Not A Name", "guess", "192.0.2.50", ErrUnauthorized)
	}
	check("ann", "correct horse", "192.0.2.50", ErrAddressLocked)

	// A right password does not count; wrong ones keep counting.
	const office = "192.0.2.80"
	for i := range 19 {
		check(fmt.Sprintf("someone%d", i), "guess", office, ErrUnauthorized)
	}
	check("ann", "correct horse", office, nil)
	if n, _ := tr.Client.Get(ctx, s.clientKey(netip.MustParseAddr(office))).Int(); n != 19 {
		t.Errorf("after 19 wrong and 1 right attempts the address counts %d, want 19", n)
	}
	check("ann", "wrong horse", office, ErrUnauthorized)
	check("ann", "correct horse", office, ErrAddressLocked)

	pttl := tr.Client.PTTL(ctx, s.clientKey(netip.MustParseAddr(sprayer))).Val()
	if pttl <= 0 || pttl > time.Second {
		t.Errorf("address counter TTL = %v, want (0, 1s]", pttl)
	}
	advance(tr, 1100*time.Millisecond)
	check("ann", "correct horse", sprayer, nil)
}

// A burst of attempts from one address at once is counted before any
// password is checked: no more than the limit get their password checked.
func TestAddressBrakeHoldsForABurst(t *testing.T) {
	s := newStore(newTestRedis(t))
	ctx := context.Background()
	client := netip.MustParseAddr("198.51.100.20")
	const n = 60
	errs := make([]error, n)
	var wg sync.WaitGroup
	for i := range n {
		wg.Go(func() { _, errs[i] = s.CheckPassword(ctx, fmt.Sprintf("user%d", i), "guess", client) })
	}
	wg.Wait()
	checked := 0
	for _, err := range errs {
		switch {
		case errors.Is(err, ErrUnauthorized):
			checked++
		case !errors.Is(err, ErrAddressLocked):
			t.Errorf("attempt: %v", err)
		}
	}
	if checked != 20 {
		t.Errorf("%d of %d simultaneous attempts had their password checked, want 20", checked, n)
	}
}

func TestHashSlots(t *testing.T) {
	for procs, want := range map[int]int{1: 2, 2: 2, 4: 4, 8: 8, 64: 8} {
		if got := hashSlots(procs); got != want {
			t.Errorf("hashSlots(%d) = %d, want %d", procs, got, want)
		}
	}
}

// However many passwords arrive at once, no more than the slots are hashed
// at the same time (each takes 32 MiB).
func TestHashingRunsAtMostItsSlots(t *testing.T) {
	s := newStore(newTestRedis(t))
	s.hashSlots = make(chan struct{}, 2)
	var running, most atomic.Int64
	var wg sync.WaitGroup
	for range 20 {
		wg.Go(func() {
			err := s.hashing(context.Background(), func() {
				n := running.Add(1)
				for m := most.Load(); n > m && !most.CompareAndSwap(m, n); m = most.Load() {
				}
				time.Sleep(5 * time.Millisecond)
				running.Add(-1)
			})
			if err != nil {
				t.Errorf("hashing: %v", err)
			}
		})
	}
	wg.Wait()
	if m := most.Load(); m != 2 {
		t.Errorf("at most %d hashes ran at once, want 2", m)
	}
}

// A login that cannot have its turn soon is refused (503, try again) rather
// than waiting without end, and a crowd of them is refused at once: waiting
// requests never pile up. What was refused counts against no brake.
func TestHashingRefusesWhenBusy(t *testing.T) {
	tr := newTestRedis(t)
	s := newStore(tr)
	ctx := context.Background()
	if _, err := s.Add(ctx, "ann", RoleAssistant, "correct horse"); err != nil {
		t.Fatal(err)
	}
	s.hashSlots = make(chan struct{}, 1)
	s.maxWaiting, s.hashWait = 1, 300*time.Millisecond
	s.hashSlots <- struct{}{} // a long hash holds the only slot

	waited := make(chan error, 1)
	start := time.Now()
	go func() {
		_, err := s.CheckPassword(ctx, "ann", "correct horse", testClient)
		waited <- err
	}()
	for s.waiting.Load() == 0 {
		time.Sleep(time.Millisecond)
	}
	// The queue is full: refused at once.
	_, err := s.CheckPassword(ctx, "ann", "correct horse", netip.MustParseAddr("192.0.2.2"))
	if !errors.Is(err, ErrBusy) || !fault.IsUnavailable(err) || time.Since(start) > 200*time.Millisecond {
		t.Errorf("a login beyond the waiting room: %v after %v, want ErrBusy at once", err, time.Since(start))
	}
	// The one waiting gives up after hashWait.
	if err := <-waited; !errors.Is(err, ErrBusy) || time.Since(start) < 300*time.Millisecond {
		t.Errorf("a login that waited: %v after %v, want ErrBusy after 300ms", err, time.Since(start))
	}
	// A request that ends while it waits stops waiting.
	cctx, cancel := context.WithTimeout(ctx, 20*time.Millisecond)
	defer cancel()
	if _, err := s.CheckPassword(cctx, "ann", "correct horse", testClient); !fault.IsUnavailable(err) || !errors.Is(err, context.DeadlineExceeded) {
		t.Errorf("a login whose request ended while waiting: %v", err)
	}
	for _, k := range []string{s.failuresKey("ann"), s.clientKey(testClient), s.clientKey(netip.MustParseAddr("192.0.2.2"))} {
		if n, _ := tr.Client.Get(ctx, k).Int(); n != 0 {
			t.Errorf("%s counts %d refused attempts, want 0", k, n)
		}
	}
	<-s.hashSlots
	if _, err := s.CheckPassword(ctx, "ann", "correct horse", testClient); err != nil {
		t.Errorf("a login once the slot is free: %v", err)
	}
	if s.waiting.Load() != 0 {
		t.Errorf("%d still counted as waiting", s.waiting.Load())
	}
}
