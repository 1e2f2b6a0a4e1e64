package imappoll

import (
	"context"
	"fmt"
	"slices"
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

// Prepare runs for a batch's mails several at a time, while the handler still
// gets them one by one in UID order, each with what Prepare made of it: a
// reply in the same batch as the mail it answers must find it stored.
func TestPrepareInParallelHandleInOrder(t *testing.T) {
	srv := startMemServer(t, capsMove)
	_, rdb := newRedis(t)
	var want []uint32
	for i := range 40 {
		want = append(want, srv.deliver(t, "INBOX", testMail(i, 300)))
	}
	var inPrepare, maxInPrepare atomic.Int32
	opts := testOptions(t, rdb)
	opts.Workers = 4
	opts.Prepare = func(m Mail) any {
		n := inPrepare.Add(1)
		for {
			old := maxInPrepare.Load()
			if n <= old || maxInPrepare.CompareAndSwap(old, n) {
				break
			}
		}
		time.Sleep(5 * time.Millisecond)
		inPrepare.Add(-1)
		return fmt.Sprintf("prepared %d", m.UID)
	}
	var mu sync.Mutex
	var order []uint32
	var inHandler atomic.Int32
	handler := func(ctx context.Context, m Mail) error {
		if inHandler.Add(1) != 1 {
			t.Errorf("two handlers ran at once")
		}
		defer inHandler.Add(-1)
		if m.Prepared != fmt.Sprintf("prepared %d", m.UID) {
			t.Errorf("UID %d: Prepared = %v", m.UID, m.Prepared)
		}
		mu.Lock()
		order = append(order, m.UID)
		mu.Unlock()
		return nil
	}
	runPoller(t, New(srv.mailbox("INBOX"), handler, opts))
	eventually(t, 10*time.Second, "all mails handled", func() bool {
		mu.Lock()
		defer mu.Unlock()
		return len(order) == len(want)
	})
	mu.Lock()
	defer mu.Unlock()
	if !slices.Equal(order, want) {
		t.Errorf("handled in order %v, want %v", order, want)
	}
	if maxInPrepare.Load() < 2 {
		t.Errorf("Prepare never ran for two mails at once (max %d)", maxInPrepare.Load())
	}
}
