package responders

import (
	"context"
	"fmt"
	"os"

	"testing"
	"time"

	"github.com/redis/go-redis/v9"

	"frontdesk/desk"
)

// BenchmarkReplies measures the whole path of an assistant's reply: stored
// queued in the outbox, taken by a worker, built, sent over SMTP to a local
// sink (one connection, shared by the workers), recorded sent.
//
//	FRONTDESK_TEST_REDIS_URL=redis://127.0.0.1:6379/9 go test -run '^$' -bench Replies -benchtime 2000x ./responders
//
// Target: at least 500 replies/s. The desk's keys live under the default
// prefix, "frontdesk", of the test database; the benchmark deletes them
// before and after.
func BenchmarkReplies(b *testing.B) {
	var rdb redis.UniversalClient
	if u := os.Getenv("FRONTDESK_TEST_REDIS_URL"); u != "" {
		opts, err := redis.ParseURL(u)
		if err != nil {
			b.Fatal(err)
		}
		c := redis.NewClient(opts)
		b.Cleanup(func() { c.Close() })
		clear := func() { // the desk's keys under the default prefix, in the test database
			ctx := context.Background()
			iter := c.Scan(ctx, 0, "frontdesk:*", 1000).Iterator()
			for iter.Next(ctx) {
				c.Del(ctx, iter.Val())
			}
		}
		clear()
		b.Cleanup(clear)
		rdb = c
	}
	h := newHarness(b, options{workers: 8, rdb: rdb, prefix: "frontdesk"})
	ctx := context.Background()
	// One reply per ticket, as in life (stored directly, not received: no
	// acknowledgements here).
	ids := make([]string, b.N)
	for i := range b.N {
		r, err := h.store.Create(ctx, customerMail(fmt.Sprintf("bench-%d", i), "ann@example.org", "Benchmark"))
		if err != nil {
			b.Fatal(err)
		}
		ids[i] = r.TicketID
	}
	b.ResetTimer()
	start := time.Now()
	for i := range b.N {
		if _, err := h.desk.Reply(ctx, ids[i], desk.Answer{Text: "An answer.", By: "bob", Key: fmt.Sprint(i)}); err != nil {
			b.Fatal(err)
		}
	}
	for len(h.sink.Received()) < b.N {
		if time.Since(start) > 2*time.Minute {
			b.Fatalf("%d of %d replies sent in 2 minutes", len(h.sink.Received()), b.N)
		}
		time.Sleep(5 * time.Millisecond)
	}
	b.StopTimer()
	b.ReportMetric(float64(b.N)/time.Since(start).Seconds(), "replies/s")
}
