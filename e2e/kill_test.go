package e2e

import (
	"math/rand/v2"
	"testing"
	"time"

	"frontdesk/config"
	"frontdesk/internal/testdovecot"
)

// TestImportSurvivesKill9 imports a full mailbox while frontdesk is killed
// with SIGKILL again and again at random moments: in the end every mail is
// \Seen and is exactly one whole ticket.
func TestImportSurvivesKill9(t *testing.T) {
	n := 5000
	if testing.Short() {
		n = 1000
	}
	d := newDesk(t)
	srv := testdovecot.Start(t, "desk")
	srv.DeliverMaildir(t, "desk", 0, n, 8<<10)
	if u, total := unseen(t, srv, "desk"); u != n || total != n { // also lets Dovecot index the maildir
		t.Fatalf("mailbox before import: %d unseen of %d, want %d of %d", u, total, n, n)
	}
	mb := srv.Mailbox("desk")
	mb.Name = "support"
	s := writeConfig(t, d, []config.Mailbox{mb}, configOpts{})
	// A killed process's lease on the mailbox lasts 30 s; a restarted replica
	// that keeps its name (as a container or systemd unit does) takes it back
	// at once. Without a stable name each restart would wait out the lease.
	s.instance = "e2e-replica-1"

	begin := time.Now()
	deadline := begin.Add(3 * time.Minute)
	kills := 0
	var left []int // unseen mails after each kill
	for {
		p := start(t, s)
		time.Sleep(time.Duration(200+rand.IntN(1301)) * time.Millisecond)
		if !p.running() {
			t.Fatalf("frontdesk serve exited on its own: %v\n%s", p.err, tail(s.log, 30))
		}
		p.kill(t)
		kills++
		u, _ := unseen(t, srv, "desk")
		left = append(left, u)
		if u == 0 {
			break
		}
		if time.Now().After(deadline) {
			tickets := d.rdb.ZCard(d.ctx(t), d.key("tickets")).Val()
			t.Fatalf("after %v and %d kills, %d of %d mails still unseen (%d tickets)\n%s",
				time.Since(begin).Round(time.Millisecond), kills, u, n, tickets, tail(s.log, 30))
		}
	}
	imported := time.Since(begin)

	// One more run, stopped the clean way.
	p := start(t, s)
	p.waitReady(t)
	time.Sleep(2 * time.Second)
	p.stop(t)
	t.Logf("%d mails imported in %v through %d SIGKILLs; unseen after each kill: %v", n, imported.Round(time.Millisecond), kills, left)

	if u, total := unseen(t, srv, "desk"); u != 0 || total != n {
		t.Errorf("mailbox after import: %d unseen of %d, want 0 of %d", u, total, n)
	}
	checkImported(t, d, n)
}
