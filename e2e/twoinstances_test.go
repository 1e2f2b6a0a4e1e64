package e2e

import (
	"fmt"
	"testing"
	"time"

	"frontdesk/config"
	"frontdesk/internal/testdovecot"
)

// takeOver stops the lease holder procs[holder] with SIGTERM, waits for the
// other instance to take the mailbox over, checking that it never holds
// the lease before the holder has stopped, and starts the stopped one again.
func takeOver(t *testing.T, d *desk, procs []*process, holder int, series string) string {
	t.Helper()
	other := procs[1-holder]
	tickets := d.rdb.ZCard(d.ctx(t), d.key("tickets")).Val()
	procs[holder].stop(t)
	stopped := time.Now()
	for {
		if v, _ := other.metric(t, series); v == 1 {
			break
		}
		if time.Since(stopped) > 35*time.Second {
			t.Fatalf("instance %d did not take the mailbox over within 35s of the holder's clean stop\n%s",
				1-holder, tail(other.s.log, 20))
		}
		time.Sleep(10 * time.Millisecond)
	}
	took := time.Since(stopped)
	procs[holder] = start(t, procs[holder].s)
	procs[holder].waitReady(t)
	return fmt.Sprintf("holder %d stopped (SIGTERM) at %d tickets; instance %d took over %v later",
		holder, tickets, 1-holder, took.Round(time.Millisecond))
}

// TestTwoInstancesOneMailbox runs two frontdesk processes on one Redis prefix
// and one mailbox: every mail becomes one ticket, and only one process holds
// the mailbox's lease at a time, also when the holder is stopped halfway and
// the other takes over.
func TestTwoInstancesOneMailbox(t *testing.T) {
	n := 2000
	if testing.Short() {
		n = 500
	}
	d := newDesk(t)
	srv := testdovecot.Start(t, "desk")
	srv.DeliverMaildir(t, "desk", 0, n, 8<<10)
	if u, total := unseen(t, srv, "desk"); u != n || total != n {
		t.Fatalf("mailbox before import: %d unseen of %d, want %d of %d", u, total, n, n)
	}
	mb := srv.Mailbox("desk")
	mb.Name = "support"
	procs := []*process{
		start(t, writeConfig(t, d, []config.Mailbox{mb}, configOpts{})),
		start(t, writeConfig(t, d, []config.Mailbox{mb}, configOpts{})),
	}
	for _, p := range procs {
		p.waitReady(t)
	}

	const series = `frontdesk_imap_lease_held{mailbox="support"}`
	begin := time.Now()
	deadline := begin.Add(time.Minute)
	samples, held := 0, [2]int{}
	handover := "" // what happened when the holder was stopped halfway
	for {
		// Sample both a few times between two looks at the mailbox.
		holder := -1
		for range 5 {
			var v [2]float64
			for i, p := range procs {
				var ok bool
				if v[i], ok = p.metric(t, series); !ok {
					t.Fatalf("%s missing from /metrics of instance %d", series, i)
				}
				if v[i] == 1 {
					held[i]++
					holder = i
				}
			}
			samples++
			if v[0]+v[1] > 1 {
				t.Errorf("sample %d: both instances hold the lease", samples)
			}
			time.Sleep(20 * time.Millisecond)
		}
		if u, _ := unseen(t, srv, "desk"); u == 0 {
			break
		}
		if handover == "" && holder >= 0 && d.rdb.ZCard(d.ctx(t), d.key("tickets")).Val() >= int64(n/4) {
			handover = takeOver(t, d, procs, holder, series)
		}
		if time.Now().After(deadline) {
			t.Fatalf("mails still unseen after %v\n%s\n%s", time.Since(begin), tail(procs[0].s.log, 20), tail(procs[1].s.log, 20))
		}
	}
	if handover == "" {
		handover = "import ended before a handover"
	}
	t.Logf("%d mails imported by two instances in %v; %s; %d lease samples, held by instance 0 in %d, by 1 in %d",
		n, time.Since(begin).Round(time.Millisecond), handover, samples, held[0], held[1])
	if held[0]+held[1] == 0 {
		t.Errorf("no sample saw either instance hold the lease")
	}
	for _, p := range procs {
		p.stop(t)
	}
	checkImported(t, d, n)
}
