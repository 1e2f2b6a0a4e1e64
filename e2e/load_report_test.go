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
	// sms counts the texts: lost includes every one answered 5xx or cut
	// off with no death to excuse it; window, those whose every delivery
	// was cut off by the death of its instance (Twilio never heard done).
	sms         tally
	otherMail   int // sink mail that is neither ack nor reply
	halfWritten int

	mailP50, mailP99, mailMax           time.Duration
	hookP50, hookP99                    time.Duration
	hookAttempts, hook503, hookNoAnswer int
	hookRefused, hookDeliveries, hookOK int

	failovers                            int
	failoverTook                         time.Duration // from the master's crash to the replica's promotion
	fullReady, fullUnready, fullSaidFull int           // /readyz answers while Redis was full
	hangStalled                          int
	hangGaveUp                           []time.Duration

	leaseRounds, leaseHandovers, leaseOverlaps int
	peakRSS                                    []int64 // per instance, bytes
}

// loadReport is the table of a run's figures, one column per target.
func loadReport(size loadSize, at time.Time, results []*loadResult) string {
	var b strings.Builder
	fmt.Fprintf(&b, "frontdesk load run %q, %s: %d mails over 3 mailboxes and %d SMS webhooks (each delivered twice; Twilio's retry policy: once on a failed connection, never on 5xx) in %v;\n",
		size.name, at.UTC().Format("2006-01-02 15:04 MST"), size.mails, size.callers*smsPerCaller, size.spread)
	fmt.Fprintf(&b, "%d instances (one with its clock %v ahead), one SIGKILLed every %v-%v and restarted", loadInstances, loadSkew, size.killMin, size.killMax)
	if size.longDownEvery > 0 {
		fmt.Fprintf(&b, " (every %dth kept down %v)", size.longDownEvery, size.longDown)
	}
	fmt.Fprintf(&b, "; Redis as shipped (AOF, appendfsync always); Redis's host crashed once (SIGKILL, the AOF cut back to its last fsync)")
	if size.failoverAt > 0 {
		fmt.Fprintf(&b, "; on the cluster (min_replicas 1), the desk master's replica paused %v, then the master's host crashed and the replica was promoted", size.lag)
	}
	fmt.Fprintf(&b, "; Redis down %v; Redis full %v; SMTP server down %v with %d replies sent meanwhile", size.redisDown, size.full, size.smtpDown, size.replies)
	if size.hang > 0 {
		fmt.Fprintf(&b, "; the IMAP server of one mailbox hung mid-FETCH for %v (no kills meanwhile)", size.hang)
	}
	b.WriteString(".\n\n")
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
	row("texts: sent / stored / doubled / lost / pending", func(r *loadResult) string {
		return fmt.Sprintf("%s / %s / %d / %d / %d", thousands(r.sms.expected+r.sms.window), thousands(r.sms.got), r.sms.doubled, r.sms.lost, r.sms.pending)
	})
	row("… of which excused: every delivery cut off by its instance's death, never answered", func(r *loadResult) string {
		return fmt.Sprint(r.sms.window)
	})
	row("… never reached an instance (Twilio gave up), filed by the reconciliation with Twilio's API", func(r *loadResult) string {
		return fmt.Sprint(r.sms.reconciled)
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
	row("webhook posts / deliveries / answered 2xx / 5xx (lost) / no connection (tried again) / no answer", func(r *loadResult) string {
		return fmt.Sprintf("%s / %s / %s / %d / %d / %d", thousands(r.hookAttempts), thousands(r.hookDeliveries), thousands(r.hookOK), r.hook503, r.hookRefused, r.hookNoAnswer)
	})
	row("failover: replica promoted after", func(r *loadResult) string {
		if r.failovers == 0 {
			return "—"
		}
		return roundMS(r.failoverTook).String()
	})
	row("Redis full: /readyz 200 / 503 (saying full)", func(r *loadResult) string {
		return fmt.Sprintf("%d / %d (%d)", r.fullReady, r.fullUnready, r.fullSaidFull)
	})
	row("hung IMAP: connections hung / given up by their instance (after)", func(r *loadResult) string {
		if r.hangStalled == 0 && len(r.hangGaveUp) == 0 {
			return "—"
		}
		var ds []string
		for _, d := range r.hangGaveUp {
			ds = append(ds, d.Round(100*time.Millisecond).String())
		}
		return fmt.Sprintf("%d / %d (%s)", r.hangStalled, len(r.hangGaveUp), strings.Join(ds, ", "))
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
