package e2e

import (
	"fmt"
	"os"
	"strings"
	"time"
)

// tally is an exactly-once count: how many were expected, how many arrived
// (once or more), how many extra copies, and how many never did — the
// latter split into lost for good, lost in the responders' at-most-once
// window (marked sent, then the sending instance died before the SMTP
// server answered; for texts, every delivery cut off by the death of its
// instance), and pending (a failure in every run).
type tally struct {
	expected, got, doubled, lost, window, pending int
	// reconciled: stored although Twilio gave up on every delivery (no
	// instance could be reached): filed by the reconciliation with its API.
	reconciled int
}

// add counts one expected item that arrived n times.
func (c *tally) add(n int) {
	c.expected++
	if n > 0 {
		c.got++
	}
	c.doubled += max(0, n-1)
}

// sendWindow bounds the time from the death of the instance that
// cut a send short to the message's "unknown" record: the record is made
// when another worker finds the dead one's lease (1 minute) run out.
const sendWindow = 2 * time.Minute

// sendOutcome classifies an outbound message the sink never received, by
// its delivery record: "pending" (still queued), "window" (marked unknown
// after a fault cut its send short: visible to a person, never sent twice)
// or "lost" (anything else, a message recorded sent among them); for
// "window", also the gap.
func (lr *loadRun) sendOutcome(d loadDelivery, ok bool) (string, time.Duration) {
	switch {
	case !ok || d.Delivery == "queued" || d.Delivery == "sending":
		return "pending", 0
	case d.Delivery == "unknown":
		// Its sender died in the middle of the send: marked for a person
		// to check, never sent again by itself.
		at, err := time.Parse(time.RFC3339Nano, d.At)
		if err != nil {
			return "lost", 0
		}
		// Only the death of the instance sending it excuses it: a Redis
		// fault must not, nor a responder alive to settle it unknown (that
		// clears Cut). Which instance held it the record does not say, so
		// any kill within the window before the record stands for it.
		if d.Cut == "" {
			return "lost", 0
		}
		for _, f := range lr.kills {
			if gap := at.Sub(f); gap >= 0 && gap <= sendWindow {
				return "window", gap
			}
		}
	}
	return "lost", 0
}

// count adds an outbound message (ticket tid, message mid) that the sink
// received n times to c, and explains one that never arrived: "" when it
// arrived or is pending, a note when it was cut short by a fault, and one
// starting with "lost" when nothing explains it.
func (lr *loadRun) count(c *tally, n int, tid, mid string, d loadDelivery, ok bool) string {
	c.add(n)
	if n > 1 {
		lr.t.Errorf("message %s of ticket %s received %d times: %+v; %s; the instances' log on it:\n%s", mid, tid, n, d, lr.nearestFaults(d.At), lr.logLines(tid, mid))
	}
	if n > 0 {
		return ""
	}
	switch o, gap := lr.sendOutcome(d, ok); o {
	case "pending":
		c.pending++
		return ""
	case "window":
		c.window++
		return fmt.Sprintf("message %s of ticket %s marked unknown %v after a fault cut its send short", mid, tid, gap.Round(time.Microsecond))
	default:
		c.lost++
		return fmt.Sprintf("lost: %+v; %s; the instances' log on it:\n%s", d, lr.nearestFaults(d.At), lr.logLines(tid, mid))
	}
}

// nearestFaults says how long before and after the time at (RFC 3339) the
// nearest faults were.
func (lr *loadRun) nearestFaults(at string) string {
	t, err := time.Parse(time.RFC3339Nano, at)
	if err != nil {
		return "no time"
	}
	var before, after time.Duration = -1, -1
	for _, f := range lr.faults {
		if d := f.Sub(t); d >= 0 && (after < 0 || d < after) {
			after = d
		} else if d < 0 && (before < 0 || -d < before) {
			before = -d
		}
	}
	return fmt.Sprintf("recorded %v into the run; nearest fault %v before, %v after", t.Sub(lr.begin).Round(time.Millisecond), before, after)
}

// logLines returns the instances' log lines that name the send job of
// message mid on ticket tid, or the ticket.
func (lr *loadRun) logLines(tid, mid string) string {
	var out []string
	for _, in := range lr.fleet.inst {
		b, err := os.ReadFile(in.s.log)
		if err != nil {
			continue
		}
		for line := range strings.Lines(string(b)) {
			if strings.Contains(line, "send:"+tid+":"+mid) || strings.Contains(line, `"ticket":"`+tid+`"`) {
				out = append(out, in.s.instance+": "+strings.TrimSpace(line))
			}
		}
	}
	return strings.Join(out, "\n")
}
