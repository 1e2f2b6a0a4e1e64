package e2e

import (
	"fmt"
	"strings"
	"time"
)

// loadResult is what one load run measured.
type loadResult struct {
	target string // "single Redis", "Redis Cluster, 3 masters"
	filled bool   // the run got as far as its checks

	mails, webhooks  int
	kills, longDowns int // instance SIGKILLs; those kept down past the lease
	redisCrashes     int
	duration         time.Duration

	tickets, messages, acks, replies tally
	otherMail                        int // sink mail that is neither ack nor reply
	halfWritten                      int

	mailP50, mailP99, mailMax           time.Duration
	hookP50, hookP99                    time.Duration
	hookAttempts, hook503, hookNoAnswer int

	leaseRounds, leaseHandovers, leaseOverlaps int
	peakRSS                                    []int64 // per instance, bytes
}

// loadReport is the table of a run's figures, one column per target.
func loadReport(size loadSize, at time.Time, results []*loadResult) string {
	var b strings.Builder
	fmt.Fprintf(&b, "frontdesk load run %q, %s: %d mails over 3 mailboxes and %d SMS webhooks (each delivered twice) in %v;\n",
		size.name, at.UTC().Format("2006-01-02 15:04 MST"), size.mails, size.callers*smsPerCaller, size.spread)
	fmt.Fprintf(&b, "3 instances, one SIGKILLed every %v-%v and restarted", size.killMin, size.killMax)
	if size.longDownEvery > 0 {
		fmt.Fprintf(&b, " (every %dth kept down %v)", size.longDownEvery, size.longDown)
	}
	fmt.Fprintf(&b, "; Redis's host crashed once (SIGKILL, the AOF cut back to its last fsync; appendfsync always, as shipped), then Redis down %v; SMTP server down %v with %d replies sent meanwhile.\n\n",
		size.redisDown, size.smtpDown, size.replies)
	row := func(name string, cell func(r *loadResult) string) {
		fmt.Fprintf(&b, "| %s |", name)
		for _, r := range results {
			fmt.Fprintf(&b, " %s |", cell(r))
		}
		b.WriteString("\n")
	}
	row("", func(r *loadResult) string { return r.target })
	row("---", func(*loadResult) string { return "---" })
	row("tickets expected / created / doubled / lost", func(r *loadResult) string {
		return fmt.Sprintf("%s / %s / %d / %d", thousands(r.tickets.expected), thousands(r.tickets.got), r.tickets.doubled, r.tickets.lost)
	})
	row("messages in: expected / stored / doubled / lost", func(r *loadResult) string {
		return fmt.Sprintf("%s / %s / %d / %d", thousands(r.messages.expected), thousands(r.messages.got), r.messages.doubled, r.messages.lost)
	})
	row("half-written records", func(r *loadResult) string { return fmt.Sprint(r.halfWritten) })
	row("acknowledgements expected / sent / doubled", func(r *loadResult) string {
		return fmt.Sprintf("%s / %s / %d", thousands(r.acks.expected), thousands(r.acks.got), r.acks.doubled)
	})
	row("… not sent: cut short by a crash, marked unknown for a person / pending / lost", func(r *loadResult) string {
		return fmt.Sprintf("%d / %d / %d", r.acks.window, r.acks.pending, r.acks.lost)
	})
	row("replies during the SMTP outage: expected / sent / doubled", func(r *loadResult) string {
		return fmt.Sprintf("%d / %d / %d", r.replies.expected, r.replies.got, r.replies.doubled)
	})
	row("… not sent: cut short by a crash / pending / lost", func(r *loadResult) string {
		return fmt.Sprintf("%d / %d / %d", r.replies.window, r.replies.pending, r.replies.lost)
	})
	row("mail-to-ticket latency p50 / p99 / max", func(r *loadResult) string {
		return fmt.Sprintf("%v / %v / %v", roundMS(r.mailP50), roundMS(r.mailP99), roundMS(r.mailMax))
	})
	row("webhook latency (answered 200) p50 / p99", func(r *loadResult) string {
		return fmt.Sprintf("%v / %v", roundMS(r.hookP50), roundMS(r.hookP99))
	})
	row("webhook posts / answered 503 / no answer (instance killed)", func(r *loadResult) string {
		return fmt.Sprintf("%s / %s / %s", thousands(r.hookAttempts), thousands(r.hook503), thousands(r.hookNoAnswer))
	})
	row("instance SIGKILLs (of which kept down past the lease) / Redis crashes", func(r *loadResult) string {
		return fmt.Sprintf("%d (%d) / %d", r.kills, r.longDowns, r.redisCrashes)
	})
	row("lease samples / two holders at once / handovers", func(r *loadResult) string {
		return fmt.Sprintf("%s / %d / %d", thousands(r.leaseRounds), r.leaseOverlaps, r.leaseHandovers)
	})
	row("peak RSS per instance (MB)", func(r *loadResult) string {
		var mbs []string
		for _, p := range r.peakRSS {
			mbs = append(mbs, fmt.Sprintf("%.0f", float64(p)/1e6))
		}
		return strings.Join(mbs, " / ")
	})
	row("wall time of the run", func(r *loadResult) string { return r.duration.Round(time.Second).String() })
	return b.String()
}

// roundMS rounds a duration for the table.
func roundMS(d time.Duration) time.Duration {
	if d >= 10*time.Second {
		return d.Round(100 * time.Millisecond)
	}
	return d.Round(time.Millisecond)
}

// thousands writes n with thousands separators: 10,000.
func thousands(n int) string {
	s := fmt.Sprint(n)
	if n < 0 {
		return "-" + thousands(-n)
	}
	for i := len(s) - 3; i > 0; i -= 3 {
		s = s[:i] + "," + s[i:]
	}
	return s
}
