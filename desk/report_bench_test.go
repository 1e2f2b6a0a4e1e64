package desk

import (
	"context"
	"fmt"
	"testing"
	"time"
)

// BenchmarkDailyReportYear reads a year of a busy desk's counters — 4
// queues × 4 channels with every figure and 12 histogram buckets, and 20
// assistants, every day — and builds the report: the figure to keep under
// 100 ms.
func BenchmarkDailyReportYear(b *testing.B) {
	ctx := context.Background()
	clock := &testClock{t: time.Date(2026, 12, 1, 12, 0, 0, 0, time.UTC)}
	d, _, tr := newClockDesk(b, clock)
	rdb, prefix := tr.Client, tr.Prefix
	day := time.Date(2025, 12, 2, 0, 0, 0, 0, time.UTC)
	pipe := rdb.Pipeline()
	for i := 0; i < 365; i++ {
		date := day.AddDate(0, 0, i).Format(time.DateOnly)
		fields := map[string]any{"v": 1}
		for _, q := range []string{"support", "billing", "sales", "vip"} {
			for _, c := range []string{"email", "voice", "sms", "fax"} {
				for _, m := range []string{"received", "first_responses", "sla_met", "sla_breached", "closed", "reopened", "feedback_good", "feedback_bad"} {
					fields[q+"|"+c+"|"+m] = 7
				}
				for bk := 3; bk < 15; bk++ {
					fields[fmt.Sprintf("%s|%s|frt:%d", q, c, bk)] = bk
				}
			}
		}
		for a := 0; a < 20; a++ {
			fields[fmt.Sprintf("@user%d|handled", a)] = 5
			fields[fmt.Sprintf("@user%d|first_responses", a)] = 5
			for bk := 3; bk < 10; bk++ {
				fields[fmt.Sprintf("@user%d|frt:%d", a, bk)] = 1
			}
		}
		pipe.HSet(ctx, prefix+":{desk}:report:day:"+date, fields)
	}
	if _, err := pipe.Exec(ctx); err != nil {
		b.Fatal(err)
	}
	b.ResetTimer()
	for b.Loop() {
		r, err := d.DailyReport(ctx, "2025-12-02", "2026-12-01")
		if err != nil {
			b.Fatal(err)
		}
		if len(r.Rows) != 365*16 || len(r.Assistants) != 20 {
			b.Fatalf("%d rows, %d assistants", len(r.Rows), len(r.Assistants))
		}
	}
}
