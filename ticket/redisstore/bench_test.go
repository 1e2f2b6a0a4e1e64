package redisstore

import (
	"context"
	"errors"
	"fmt"
	"runtime"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"frontdesk/fault"
	"frontdesk/ticket"
)

// The store's speed targets, measured against the Redis in
// FRONTDESK_TEST_REDIS_URL (miniredis figures mean little):
//
//	FRONTDESK_TEST_REDIS_URL=redis://127.0.0.1:6379/9 go test -run '^$' -bench . -benchtime 20000x ./ticket/redisstore
//
// BenchmarkCreate8KB: at least 5,000 creates/s with 16 concurrent writers.
// BenchmarkClaimNext100: p99 under 5 ms with 100 concurrent claimers, each
// claiming 10 times a second (1,000 claims/s in all, far beyond what 100 people
// do); BenchmarkClaimNext100Saturated has them claim back to back, which
// measures throughput, its latency being mostly the wait for the other 99.
// BenchmarkClaimNextAlone is one claimer back to back: the cost of a claim
// with nothing to wait for and no idle CPU to wake.

func BenchmarkCreate8KB(b *testing.B) {
	s, _, _ := newTestStore(b)
	s.now = time.Now
	benchmarkCreates8KB(b, s)
}

// benchmarkCreates8KB creates tickets of 8 KB of text in s from 16
// goroutines (at least one per CPU), reporting creates/s.
func benchmarkCreates8KB(b *testing.B, s *Store) {
	text := strings.Repeat("Lorem ipsum dolor sit amet. ", 8<<10/28)
	var n atomic.Int64
	b.SetParallelism(max(1, 16/runtimeProcs()))
	b.SetBytes(int64(len(text)))
	b.ResetTimer()
	start := time.Now()
	b.RunParallel(func(pb *testing.PB) {
		for pb.Next() {
			i := n.Add(1)
			nt := mail(fmt.Sprintf("bench-%d", i), fmt.Sprintf("c%d@example.org", i%1000), "Benchmark")
			nt.Message.Text = text
			if _, err := s.Create(context.Background(), nt); err != nil {
				b.Error(err)
				return
			}
		}
	})
	b.ReportMetric(float64(n.Load())/time.Since(start).Seconds(), "creates/s")
}

func BenchmarkClaimNext100(b *testing.B) { benchmarkClaims(b, 100*time.Millisecond) }

func BenchmarkClaimNext100Saturated(b *testing.B) { benchmarkClaims(b, 0) }

func BenchmarkClaimNextAlone(b *testing.B) {
	s, _, _ := newTestStore(b)
	s.now = time.Now
	ctx := context.Background()
	for i := range b.N {
		if _, err := s.Create(ctx, mail(fmt.Sprintf("bench-%d", i), "ann@example.org", "Benchmark")); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportAllocs()
	b.ResetTimer()
	for range b.N {
		if _, err := s.ClaimNext(ctx, []string{"support"}, "assistant", time.Hour); err != nil {
			b.Fatal(err)
		}
	}
}

// benchmarkClaims has 100 claimers take b.N tickets from one queue, each
// waiting pace between its claims.
func benchmarkClaims(b *testing.B, pace time.Duration) {
	s, _, _ := newTestStore(b)
	s.now = time.Now
	ctx := context.Background()
	const claimers = 100
	for i := range b.N {
		nt := mail(fmt.Sprintf("bench-%d", i), "ann@example.org", "Benchmark")
		nt.Priority = []ticket.Priority{ticket.PriorityLow, ticket.PriorityNormal, ticket.PriorityHigh}[i%3]
		if _, err := s.Create(ctx, nt); err != nil {
			b.Fatal(err)
		}
	}
	latencies := make([][]time.Duration, claimers)
	runtime.GC() // the setup's garbage is not the claims' to collect
	b.ResetTimer()
	var wg sync.WaitGroup
	for c := range claimers {
		wg.Go(func() {
			name := fmt.Sprintf("assistant-%d", c)
			time.Sleep(time.Duration(c) * pace / claimers) // spread the claimers over one period
			for {
				if pace > 0 {
					time.Sleep(pace)
				}
				t0 := time.Now()
				_, err := s.ClaimNext(ctx, []string{"support"}, name, time.Hour)
				if errors.Is(err, fault.ErrNotFound) {
					return
				}
				if err != nil {
					b.Error(err)
					return
				}
				latencies[c] = append(latencies[c], time.Since(t0))
			}
		})
	}
	wg.Wait()
	b.StopTimer()
	elapsed := b.Elapsed()
	all := slices.Concat(latencies...)
	if len(all) != b.N {
		b.Fatalf("claimed %d of %d tickets", len(all), b.N)
	}
	slices.Sort(all)
	b.ReportMetric(float64(all[len(all)/2].Microseconds())/1000, "p50-ms")
	b.ReportMetric(float64(all[len(all)*99/100].Microseconds())/1000, "p99-ms")
	b.ReportMetric(float64(len(all))/elapsed.Seconds(), "claims/s")
}

func runtimeProcs() int { return runtime.GOMAXPROCS(0) }

// BenchmarkCreate8KBWithWebhooks is BenchmarkCreate8KB with two webhooks
// registered that want ticket.created: what recording the events adds to a
// create (compare the two).
func BenchmarkCreate8KBWithWebhooks(b *testing.B) {
	s, _, _ := newTestStore(b)
	s.now = time.Now
	if err := s.RegisterHooks(context.Background(), map[string][]string{
		"h1": {"ticket.created"}, "h2": {"ticket.created", "ticket.closed"},
	}); err != nil {
		b.Fatal(err)
	}
	benchmarkCreates8KB(b, s)
}
