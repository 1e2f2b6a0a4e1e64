//go:build unix

package lmtp

import (
	"fmt"
	"net"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/emersion/go-smtp"
)

// BenchmarkLMTPDelivery measures push intake end to end: b.N mails of about
// 2 KB delivered over LMTP on loopback by 8 connections at once (conns=8),
// or one after the other (conns=1: latency without queueing), each one
// parsed, routed, stored as a new ticket in Redis and made durable before
// its 250. It reports mails per second and the latency of one delivery
// (MAIL FROM to the recipient's 250: mail to ticket) at the 50th and 99th
// percentile. With a real Redis (CI's):
//
//	FRONTDESK_TEST_REDIS_URL=redis://127.0.0.1:6379/9 go test -run '^$' -bench LMTPDelivery -benchtime 5000x ./intake/lmtp
func BenchmarkLMTPDelivery(b *testing.B) {
	for _, conns := range []int{1, 8} {
		b.Run(fmt.Sprintf("conns=%d", conns), func(b *testing.B) { benchDelivery(b, conns) })
	}
}

func benchDelivery(b *testing.B, conns int) {
	h := start(b, harnessOpts{yaml: `lmtp: {listen: "127.0.0.1:0", max_connections: 64}`})
	body := strings.Repeat("The lamp I ordered arrived broken; the box was crushed on one side.\r\n", 25)
	clients := make([]*smtp.Client, conns)
	for i := range clients {
		conn, err := net.Dial("tcp", h.addr)
		if err != nil {
			b.Fatal(err)
		}
		c := smtp.NewClientLMTP(conn)
		if err := c.Hello("bench.example.net"); err != nil {
			b.Fatal(err)
		}
		clients[i] = c
		b.Cleanup(func() { _ = c.Close() })
	}
	run := fmt.Sprintf("%x", time.Now().UnixNano())
	var next atomic.Int64
	latencies := make([][]time.Duration, conns)
	var wg sync.WaitGroup
	b.ResetTimer()
	start, cpu0 := time.Now(), cpuTime()
	for i, c := range clients {
		wg.Go(func() {
			for {
				n := next.Add(1)
				if n > int64(b.N) {
					return
				}
				msg := fmt.Sprintf("From: Customer %d <c%d@example.org>\r\nTo: support@example.com\r\n"+
					"Message-ID: <%s.%d@example.org>\r\nSubject: Order %d arrived broken\r\n"+
					"Date: Wed, 02 Dec 2026 09:00:00 +0000\r\nContent-Type: text/plain; charset=utf-8\r\n\r\n%s",
					n, n%500, run, n, n, body)
				t0 := time.Now()
				if err := deliverOne(c, msg); err != nil {
					b.Error(err)
					return
				}
				latencies[i] = append(latencies[i], time.Since(t0))
			}
		})
	}
	wg.Wait()
	elapsed, cpu := time.Since(start), cpuTime()-cpu0
	b.StopTimer()
	all := slices.Concat(latencies...)
	if len(all) == 0 {
		return
	}
	slices.Sort(all)
	b.ReportMetric(float64(len(all))/elapsed.Seconds(), "mails/s")
	b.ReportMetric(float64(all[len(all)/2].Microseconds())/1000, "p50-ms")
	b.ReportMetric(float64(all[len(all)*99/100].Microseconds())/1000, "p99-ms")
	// The process's CPU time per mail (server and the benchmark's clients,
	// not Redis): what the throughput is worth on a machine not shared.
	b.ReportMetric(float64(cpu.Microseconds())/float64(len(all)), "cpu-µs/mail")
}

// cpuTime is the CPU time this process has used, user and system.
func cpuTime() time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

// deliverOne sends one mail on an open LMTP connection and waits for its 250.
func deliverOne(c *smtp.Client, msg string) error {
	if err := c.Mail("customer@example.org", nil); err != nil {
		return err
	}
	if err := c.Rcpt("support@example.com", nil); err != nil {
		return err
	}
	w, err := c.Data()
	if err != nil {
		return err
	}
	if _, err := w.Write([]byte(msg)); err != nil {
		return err
	}
	return w.Close()
}
