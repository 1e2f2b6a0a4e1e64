package imappoll

import (
	"fmt"
	"testing"
	"time"

	"github.com/emersion/go-imap/v2"

	"frontdesk/internal/testdovecot"
)

func TestDovecotImport(t *testing.T) {
	d := testdovecot.Start(t, "desk")
	d.DeliverMaildir(t, "desk", 0, 500, 2000)
	_, rdb := newRedis(t)
	rec := newRecorder()
	p := New(d.Mailbox("desk"), rec.handle, testOptions(t, rdb))
	start := time.Now()
	runPoller(t, p)
	eventually(t, 60*time.Second, "500 mails stored", func() bool { return rec.stored() == 500 })
	t.Logf("500 mails in %v", time.Since(start))
	eventually(t, 10*time.Second, "all seen", func() bool {
		f := flagsOf(t, d.Addr, "desk", "INBOX")
		for _, fl := range f {
			if !hasFlag(fl, imap.FlagSeen) {
				return false
			}
		}
		return len(f) == 500
	})
	rec.mu.Lock()
	defer rec.mu.Unlock()
	for uid, n := range rec.calls {
		if n != 1 {
			t.Errorf("UID %d handled %d times", uid, n)
		}
	}
}

func TestDovecotIdleLatency(t *testing.T) {
	d := testdovecot.Start(t, "desk")
	c := d.Client(t, "desk")
	testdovecot.Append(t, c, "INBOX", testMail(0, 1000))
	_, rdb := newRedis(t)
	rec := newRecorder()
	got := make(chan time.Time, 10)
	rec.seen = func(Mail) { got <- time.Now() }
	mb := d.Mailbox("desk")
	mb.PollInterval = time.Hour // only IDLE can bring the mail in time
	p := New(mb, rec.handle, testOptions(t, rdb))
	runPoller(t, p)
	<-got
	eventually(t, 5*time.Second, "poller idles", func() bool { return p.Status().State == "idle" })

	var lat []time.Duration
	for i := range 5 {
		sent := time.Now()
		testdovecot.Append(t, c, "INBOX", testMail(i+1, 1000))
		select {
		case at := <-got:
			lat = append(lat, at.Sub(sent))
		case <-time.After(5 * time.Second):
			t.Fatalf("mail %d not handled within 5s of APPEND", i+1)
		}
		eventually(t, 5*time.Second, "poller idles again", func() bool { return p.Status().State == "idle" })
	}
	t.Logf("IDLE latency, APPEND to handler: %v", lat)
}

func TestDovecotMove(t *testing.T) {
	d := testdovecot.Start(t, "desk")
	d.DeliverMaildir(t, "desk", 0, 30, 1000)
	_, rdb := newRedis(t)
	rec := newRecorder()
	mb := d.Mailbox("desk")
	mb.AfterImport = "move:Archive"
	p := New(mb, rec.handle, testOptions(t, rdb))
	runPoller(t, p)
	eventually(t, 20*time.Second, "30 mails in Archive", func() bool {
		return len(flagsOf(t, d.Addr, "desk", "Archive")) == 30
	})
	if n := len(flagsOf(t, d.Addr, "desk", "INBOX")); n != 0 {
		t.Errorf("%d mails left in INBOX", n)
	}
	if rec.stored() != 30 {
		t.Errorf("%d stored, want 30", rec.stored())
	}
}

// BenchmarkImportDovecot imports 2,000 8 KB mails from Dovecot with a
// handler that stores them in a map, and reports mails/s.
func BenchmarkImportDovecot(b *testing.B) {
	const n, size = 2000, 8 << 10
	users := make([]string, b.N)
	for i := range users {
		users[i] = fmt.Sprintf("bench%d", i)
	}
	d := testdovecot.Start(b, users...)
	var total time.Duration
	for i := 0; i < b.N; i++ {
		b.StopTimer()
		d.DeliverMaildir(b, users[i], 0, n, size)
		// Let Dovecot index the maildir before the clock runs.
		c := d.Client(b, users[i])
		if _, err := c.Select("INBOX", nil).Wait(); err != nil {
			b.Fatal(err)
		}
		_ = c.Logout().Wait()
		_, rdb := newRedis(b)
		rec := newRecorder()
		p := New(d.Mailbox(users[i]), rec.handle, testOptions(b, rdb))
		b.StartTimer()
		start := time.Now()
		stop := runPoller(b, p)
		for rec.stored() < n {
			time.Sleep(time.Millisecond)
		}
		total += time.Since(start)
		b.StopTimer()
		stop()
	}
	b.ReportMetric(float64(n*b.N)/total.Seconds(), "mails/s")
}
