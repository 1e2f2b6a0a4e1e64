package imappoll

import (
	"context"
	"errors"
	"net"
	"strings"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/testutil"

	"frontdesk/internal/testdovecot"
	"frontdesk/internal/testimap"
)

// livenessOptions are test-sized bounds: a command gets 1s, the lease lasts
// 2s. Loopback Dovecot answers in milliseconds, so a busy machine still
// leaves them a wide margin.
func livenessOptions(t *testing.T, opts *Options, instance string) *Options {
	opts.Instance = instance
	opts.LeaseTTL = 2 * time.Second
	opts.CommandTimeout = time.Second
	opts.IdleRestart = time.Minute
	return opts
}

// The IMAP server stops sending in the middle of a FETCH (a TCP proxy between
// instance A and Dovecot goes silent, and stays so for A): A cuts the
// connection within its bound, stops renewing the mailbox's lease, lets it
// lapse and stops working the mailbox; instance B, which reaches Dovecot
// directly, takes over and imports the mail. Every mail is handled once.
func TestStalledFetchHandsMailboxOver(t *testing.T) {
	d := testdovecot.Start(t, "desk")
	c := d.Client(t, "desk")
	for i := range 3 {
		testdovecot.Append(t, c, "INBOX", testdovecot.Mail(i, 2000))
	}
	px := testimap.Start(t, d.Addr)
	mr, rdb := newRedis(t)
	pumpTime(t, mr.FastForward)
	rec := newRecorder()

	a := New(viaProxy(px, d.Mailbox("desk")), rec.handle, livenessOptions(t, testOptions(t, rdb), "A"))
	runPoller(t, a)
	eventually(t, 20*time.Second, "A imports the first three mails", func() bool { return rec.stored() == 3 })
	b := New(d.Mailbox("desk"), rec.handle, livenessOptions(t, testOptions(t, rdb), "B"))
	runPoller(t, b)
	eventually(t, 10*time.Second, "B waits for A's lease", func() bool { return b.Status().Holder == "A" })

	// From now on every body FETCH through the proxy stops after 2,000
	// bytes of its answer, in the middle of the mail.
	px.Arm("BODY.PEEK[]", 2000, false)
	testdovecot.Append(t, c, "INBOX", testdovecot.Mail(3, 300<<10))

	eventually(t, 30*time.Second, "the mail imported", func() bool { return rec.stored() == 4 })
	eventually(t, 10*time.Second, "A cut its silent connection", func() bool {
		_, gaveUp := px.Counts()
		return len(gaveUp) >= 1
	})
	if stalled, _ := px.Counts(); stalled == 0 {
		t.Fatalf("A never fetched through the stalled proxy: the test proved nothing")
	}
	if !b.Status().LeaseHeld {
		t.Errorf("B does not hold the lease: %+v", b.Status())
	}
	if st := a.Status(); st.LeaseHeld {
		t.Errorf("A still holds the lease: %+v", st)
	}
	if holder, _ := rdb.Get(context.Background(), newKeys("test", "desk").lease).Result(); holder != "B" {
		t.Errorf("lease holder %q, want B", holder)
	}
	rec.mu.Lock()
	defer rec.mu.Unlock()
	for uid, n := range rec.calls {
		if n != 1 {
			t.Errorf("UID %d handled %d times", uid, n)
		}
	}
}

// A FETCH that stalls once: the poller cuts the connection, reconnects with
// backoff and imports the mail over the new connection, once.
func TestStalledFetchReconnects(t *testing.T) {
	srv := startMemServer(t, capsMove)
	px := testimap.Start(t, srv.addr)
	_, rdb := newRedis(t)
	rec := newRecorder()
	opts := testOptions(t, rdb)
	opts.CommandTimeout = 300 * time.Millisecond
	reg := prometheus.NewRegistry()
	opts.Registerer = reg
	px.Arm("BODY.PEEK[]", 500, true)
	uid := srv.deliver(t, "INBOX", testMail(1, 100<<10))
	p := New(viaProxy(px, srv.mailbox("INBOX")), rec.handle, opts)
	runPoller(t, p)
	eventually(t, 10*time.Second, "mail stored", func() bool { return rec.callsOf(uid) == 1 })
	if stalled, gaveUp := px.Counts(); stalled != 1 || len(gaveUp) != 1 {
		t.Errorf("proxy: %d connections stalled, %d given up; want 1 and 1", stalled, len(gaveUp))
	}
	if n := testutil.ToFloat64(p.m.reconnects); n < 1 {
		t.Errorf("reconnects_total = %v, want at least 1", n)
	}
	if !p.Status().LeaseHeld {
		t.Errorf("lease lost over one stall: %+v", p.Status())
	}
}

// A connection that dies silently while the poller idles (the proxy drops
// everything after IDLE's continuation, new-mail notices included) is found
// when IDLE is re-issued: DONE goes unanswered, the connection is cut and
// made again, and the mail that came meanwhile is imported.
func TestSilentIdleConnectionReplaced(t *testing.T) {
	srv := startMemServer(t, capsMove)
	px := testimap.Start(t, srv.addr)
	_, rdb := newRedis(t)
	rec := newRecorder()
	mb := viaProxy(px, srv.mailbox("INBOX"))
	mb.PollInterval = time.Hour
	opts := testOptions(t, rdb)
	opts.CommandTimeout = 300 * time.Millisecond
	opts.IdleRestart = 500 * time.Millisecond
	p := New(mb, rec.handle, opts)
	runPoller(t, p)
	eventually(t, 5*time.Second, "poller idles", func() bool { return p.Status().State == "idle" })
	px.Arm("IDLE", len("+ idling\r\n"), true)
	eventually(t, 5*time.Second, "an IDLE went silent", func() bool {
		stalled, _ := px.Counts()
		return stalled == 1
	})
	uid := srv.deliver(t, "INBOX", testMail(1, 300))
	eventually(t, 10*time.Second, "mail stored", func() bool { return rec.callsOf(uid) == 1 })
	if _, gaveUp := px.Counts(); len(gaveUp) != 1 {
		t.Errorf("the silent connection was not given up")
	}
}

// Commands that wait are bounded: in full by their deadline, and by the
// silence while they wait; a command sent behind another gets its time
// after it.
func TestWatchdog(t *testing.T) {
	client, server := net.Pipe()
	defer server.Close()
	var cutErr error
	w := newWatchdog(client, 100*time.Millisecond, func(err error) { cutErr = err })
	defer w.stop()
	conn := w.conn()

	// A command answered in time.
	go func() { _, _ = server.Write([]byte("x")) }()
	err := w.do("quick", time.Second, func() error {
		_, err := conn.Read(make([]byte, 1))
		return err
	})
	if err != nil {
		t.Fatalf("quick: %v", err)
	}

	// A command whose answer trickles, never silent for long, but too slow
	// in all: cut at its deadline.
	stopTrickle := make(chan struct{})
	go func() {
		for {
			select {
			case <-stopTrickle:
				return
			case <-time.After(20 * time.Millisecond):
				if _, err := server.Write([]byte("y")); err != nil {
					return
				}
			}
		}
	}()
	err = w.do("slow", 400*time.Millisecond, func() error {
		b := make([]byte, 1)
		for {
			if _, err := conn.Read(b); err != nil {
				return err
			}
		}
	})
	close(stopTrickle)
	if !errors.Is(err, errNoAnswer) || !strings.Contains(err.Error(), "slow") || !strings.Contains(err.Error(), "no complete answer") {
		t.Errorf("slow: %v", err)
	}
	if !errors.Is(cutErr, errNoAnswer) {
		t.Errorf("onCut got %v", cutErr)
	}

	// Silence.
	client2, server2 := net.Pipe()
	defer server2.Close()
	w2 := newWatchdog(client2, 100*time.Millisecond, nil)
	defer w2.stop()
	err = w2.do("silent", time.Hour, func() error {
		_, err := w2.conn().Read(make([]byte, 1))
		return err
	})
	if !errors.Is(err, errNoAnswer) || !strings.Contains(err.Error(), "nothing received") {
		t.Errorf("silent: %v", err)
	}
}

// A command sent while another waits gets its time after the other's.
func TestWatchdogQueuedDeadline(t *testing.T) {
	client, server := net.Pipe()
	defer server.Close()
	w := newWatchdog(client, time.Hour, nil)
	defer w.stop()
	first := w.begin("first", time.Minute)
	second := w.begin("second", 30*time.Second)
	if got := second.deadline.Sub(first.deadline); got != 30*time.Second {
		t.Errorf("second's deadline %v after the first's, want 30s", got)
	}
	w.end(first)
	w.end(second)
}

// A body FETCH gets the command bound plus its size at FetchRate.
func TestFetchBound(t *testing.T) {
	p := New(testMailbox("127.0.0.1", "143", "INBOX"), nil, nil)
	if got, want := p.fetchBound(0), 30*time.Second; got != want {
		t.Errorf("fetchBound(0) = %v, want %v", got, want)
	}
	if got, want := p.fetchBound(25<<20), 30*time.Second+200*time.Second; got != want {
		t.Errorf("fetchBound(25 MiB) = %v, want %v", got, want)
	}
}
